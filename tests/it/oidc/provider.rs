//! The provider the sign-in tests talk to (`oidc-provider-mock` on loopback), and a relay in
//! front of it (`crate::relay`) that counts what Quire asks for and stages attacks on the
//! token call.

use crate::relay::{Before, Relay, Stage};
use crate::restart::free_port;
use actix_web::HttpRequest;
use base64::Engine as _;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
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

/// The provider's misdeeds, staged on the token call by `mode`.
struct Misdeeds;

impl Stage for Misdeeds {
    fn before(&self, mode: u8, req: &HttpRequest, headers: &mut Vec<(String, String)>) -> Before {
        if req.path() == "/oauth2/token" && mode == OTHER_CLIENT {
            let other = base64::engine::general_purpose::STANDARD.encode("someone-else:secret");
            for (k, v) in headers.iter_mut() {
                if k == "authorization" {
                    *v = format!("Basic {other}");
                }
            }
        }
        Before::Go
    }

    fn after(&self, mode: u8, req: &HttpRequest, body: Vec<u8>) -> Vec<u8> {
        if req.path() != "/oauth2/token" || mode != TAMPER {
            return body;
        }
        let mut answer: Value = serde_json::from_slice(&body).unwrap();
        let token = answer["id_token"].as_str().unwrap().to_string();
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        claims["email"] = json!("ceo@example.com");
        let forged = B64.encode(serde_json::to_vec(&claims).unwrap());
        answer["id_token"] = json!(format!("{}.{forged}.{}", parts[0], parts[2]));
        serde_json::to_vec(&answer).unwrap()
    }
}

/// A relay on a free port in front of provider `target`, passing requests on as they came.
pub fn relay(target: u16) -> Relay {
    let r = crate::relay::start(target, Arc::new(Misdeeds));
    r.mode.store(PASS, Ordering::SeqCst);
    r
}
