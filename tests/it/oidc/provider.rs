//! The provider the sign-in tests talk to (`oidc-provider-mock` on loopback), and a relay in
//! front of it that counts what Quire asks for and stages attacks on the token call.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine as _;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The provider on a free loopback port, stopped when dropped.
pub struct Mock {
    child: Child,
    pub port: u16,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the provider (`extra`: its options), or None (skipped) when it is not installed and
/// `QUIRE_OIDC_TESTS` is not set.
pub fn mock(extra: &[&str]) -> Option<Mock> {
    let installed = Command::new("python3")
        .args(["-c", "import oidc_provider_mock"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var_os("QUIRE_OIDC_TESTS").is_none(),
            "QUIRE_OIDC_TESTS is set but oidc-provider-mock is not installed (pip install oidc-provider-mock)"
        );
        eprintln!("skipped: oidc-provider-mock is not installed");
        return None;
    }
    let port = free_port();
    let child = Command::new("python3")
        .args(["-m", "oidc_provider_mock", "--port", &port.to_string()])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let m = Mock { child, port };
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(m);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("oidc-provider-mock did not start");
}

impl Mock {
    /// Sets the claims the provider gives `sub`.
    pub async fn user(&self, sub: &str, claims: Value) {
        let r = reqwest::Client::new()
            .put(format!("http://127.0.0.1:{}/users/{sub}", self.port))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
}

/// What the relay does to the token call.
pub const PASS: u8 = 0;
/// Asks for the token as `someone-else` (a token for another application).
pub const OTHER_CLIENT: u8 = 1;
/// Changes the ID token's email on its way back (its signature no longer fits).
pub const TAMPER: u8 = 2;

#[derive(Clone)]
pub struct Relay {
    pub url: String,
    pub target: Arc<AtomicU16>,
    pub mode: Arc<AtomicU8>,
    /// The paths asked for, in order.
    hits: Arc<Mutex<Vec<String>>>,
}

impl Relay {
    pub fn count(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

/// A relay on a free port in front of provider `target`.
pub fn relay(target: u16) -> Relay {
    let port = free_port();
    let r = Relay {
        url: format!("http://127.0.0.1:{port}"),
        target: Arc::new(AtomicU16::new(target)),
        mode: Arc::new(AtomicU8::new(PASS)),
        hits: Arc::default(),
    };
    let state = web::Data::new(r.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .default_service(web::to(forward))
    })
    .workers(1)
    .bind(("127.0.0.1", port))
    .unwrap()
    .run();
    tokio::spawn(server);
    r
}

async fn forward(req: HttpRequest, body: web::Bytes, relay: web::Data<Relay>) -> HttpResponse {
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    relay.hits.lock().unwrap().push(req.path().to_string());
    let mode = relay.mode.load(Ordering::SeqCst);
    let token_call = req.path() == "/oauth2/token";
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let target = relay.target.load(Ordering::SeqCst);
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    let mut rb = client.request(method, format!("http://127.0.0.1:{target}{path}"));
    for (k, v) in req.headers() {
        if !matches!(k.as_str(), "host" | "content-length" | "authorization") {
            rb = rb.header(k.as_str(), v.as_bytes());
        }
    }
    if let Some(auth) = req.headers().get("authorization") {
        let value = match (token_call, mode) {
            (true, OTHER_CLIENT) => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("someone-else:secret")
            ),
            _ => auth.to_str().unwrap().to_string(),
        };
        rb = rb.header("authorization", value);
    }
    let host = relay.url.trim_start_matches("http://").to_string();
    let resp = rb
        .header("host", host)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut bytes = resp.bytes().await.unwrap().to_vec();
    if token_call && mode == TAMPER {
        let mut answer: Value = serde_json::from_slice(&bytes).unwrap();
        let token = answer["id_token"].as_str().unwrap().to_string();
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        claims["email"] = json!("ceo@example.com");
        let forged = B64.encode(serde_json::to_vec(&claims).unwrap());
        answer["id_token"] = json!(format!("{}.{forged}.{}", parts[0], parts[2]));
        bytes = serde_json::to_vec(&answer).unwrap();
    }
    let mut out = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    for (k, v) in headers.iter() {
        if !matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            out.append_header((k.as_str(), v.to_str().unwrap_or_default()));
        }
    }
    out.body(bytes)
}
