//! A relay on loopback in front of a server a test started (an OpenID Connect provider, an S3
//! API): requests pass on as they came, their Host header too (the server believes it is the
//! relay), and a test's `Stage` may answer in its place, hold a request, change a header or the
//! answer, to stage what the real server would not do. It counts the paths asked for.

use crate::restart::free_port;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::sync::atomic::{AtomicU16, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What happens to a request before it goes on.
pub enum Before {
    Go,
    /// Answered here with this status and body; the server never sees it.
    Answer(u16, &'static str),
    /// Held this long, then passed on.
    Wait(Duration),
}

/// What a test stages; `mode` is the relay's `mode`, which the test sets as it goes.
pub trait Stage: Send + Sync + 'static {
    fn before(
        &self,
        _mode: u8,
        _req: &HttpRequest,
        _headers: &mut Vec<(String, String)>,
    ) -> Before {
        Before::Go
    }
    fn after(&self, _mode: u8, _req: &HttpRequest, body: Vec<u8>) -> Vec<u8> {
        body
    }
}

#[derive(Clone)]
pub struct Relay {
    pub url: String,
    /// The port requests go on to (a test may point it elsewhere).
    pub target: Arc<AtomicU16>,
    pub mode: Arc<AtomicU8>,
    hits: Arc<Mutex<Vec<String>>>,
    stage: Arc<dyn Stage>,
}

impl Relay {
    /// How many times `path` was asked for.
    pub fn count(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

/// A relay on a free port in front of the server on `target`.
pub fn start(target: u16, stage: Arc<dyn Stage>) -> Relay {
    let port = free_port();
    let r = Relay {
        url: format!("http://127.0.0.1:{port}"),
        target: Arc::new(AtomicU16::new(target)),
        mode: Arc::default(),
        hits: Arc::default(),
        stage,
    };
    let state = web::Data::new(r.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(64 << 20))
            .default_service(web::to(forward))
    })
    .workers(2)
    .bind(("127.0.0.1", port))
    .unwrap()
    .run();
    tokio::spawn(server);
    r
}

async fn forward(req: HttpRequest, body: web::Bytes, relay: web::Data<Relay>) -> HttpResponse {
    relay.hits.lock().unwrap().push(req.path().to_string());
    let mode = relay.mode.load(Ordering::SeqCst);
    let mut headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length"))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    match relay.stage.before(mode, &req, &mut headers) {
        Before::Go => {}
        Before::Answer(status, body) => {
            return HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                .body(body)
        }
        Before::Wait(d) => tokio::time::sleep(d).await,
    }
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let target = relay.target.load(Ordering::SeqCst);
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut rb = client.request(method, format!("http://127.0.0.1:{target}{path}"));
    for (k, v) in &headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    let host = relay.url.trim_start_matches("http://").to_string();
    let resp = rb
        .header("host", host)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer_headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap().to_vec();
    let bytes = relay.stage.after(mode, &req, bytes);
    let mut out = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    for (k, v) in answer_headers.iter() {
        if !matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            out.append_header((k.as_str(), v.to_str().unwrap_or_default()));
        }
    }
    out.body(bytes)
}
