//! A real HTTP server on loopback that stands in for Slack, Teams and webhook endpoints: it
//! keeps every request it gets. `/ok` answers 200, `/flaky` 500 the first time then 200,
//! `/gone` always 404.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    pub path: String,
    pub idempotency_key: Option<String>,
    pub body: serde_json::Value,
}

pub struct Receiver {
    pub base: String,
    got: Arc<Mutex<Vec<Hook>>>,
}

async fn hook(
    req: HttpRequest,
    body: web::Bytes,
    got: web::Data<Arc<Mutex<Vec<Hook>>>>,
) -> HttpResponse {
    let path = req.path().to_string();
    let mut got = got.lock().unwrap();
    let earlier = got.iter().filter(|h| h.path == path).count();
    got.push(Hook {
        path: path.clone(),
        idempotency_key: req
            .headers()
            .get("Idempotency-Key")
            .map(|v| v.to_str().unwrap().to_string()),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    });
    match path.as_str() {
        "/gone" => HttpResponse::NotFound().body("no such hook"),
        "/flaky" if earlier == 0 => HttpResponse::InternalServerError().body("try later"),
        _ => HttpResponse::Ok().body("ok"),
    }
}

impl Receiver {
    pub fn start() -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let data = web::Data::new(got.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::post().to(hook))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver {
            base: format!("http://127.0.0.1:{port}"),
            got,
        }
    }

    /// Waits until `n` requests to `path` arrived.
    pub async fn wait_for(&self, path: &str, n: usize, timeout: Duration) -> Vec<Hook> {
        let start = Instant::now();
        loop {
            let got: Vec<Hook> = self
                .got
                .lock()
                .unwrap()
                .iter()
                .filter(|h| h.path == path)
                .cloned()
                .collect();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < timeout,
                "expected {n} request(s) to {path}, got {}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Requests to `path` so far.
    pub fn received(&self, path: &str) -> Vec<Hook> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }
}
