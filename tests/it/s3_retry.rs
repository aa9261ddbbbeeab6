//! Delivery to S3 when the storage misbehaves, against moto's S3 server behind a relay that
//! can refuse or hold uploads: a storage failing twice then accepting gets one object (the
//! outbox retries), and the real binary killed with SIGKILL while its upload is in flight
//! delivers once after a restart, when the dead attempt's lease has ended: one object under
//! its key.

use crate::helpers::{cli_admin_token, client_with, spawn_app_with};
use crate::relay::{Before, Relay, Stage};
use crate::restart::{free_port, start};
use crate::s3::{moto, settled};
use actix_web::HttpRequest;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Uploads (PUTs of an object) refused with a 503, then held, then passed on.
struct Flaky {
    /// Uploads seen.
    puts: Arc<AtomicUsize>,
    /// The first this many are answered 503.
    refuse: usize,
    /// The first this many are held this long before they go on.
    hold: (usize, Duration),
}

impl Stage for Flaky {
    fn before(&self, _: u8, req: &HttpRequest, _: &mut Vec<(String, String)>) -> Before {
        if req.method() != actix_web::http::Method::PUT {
            return Before::Go;
        }
        let n = self.puts.fetch_add(1, Ordering::SeqCst) + 1;
        if n <= self.refuse {
            Before::Answer(503, "SlowDown")
        } else if n <= self.hold.0 {
            Before::Wait(self.hold.1)
        } else {
            Before::Go
        }
    }
}

/// A relay in front of moto; the count of uploads it saw.
fn relay(target: u16, refuse: usize, hold: (usize, Duration)) -> (Relay, Arc<AtomicUsize>) {
    let puts = Arc::new(AtomicUsize::new(0));
    let stage = Flaky {
        puts: puts.clone(),
        refuse,
        hold,
    };
    (crate::relay::start(target, Arc::new(stage)), puts)
}

#[tokio::test]
async fn a_storage_failing_twice_then_accepting_gets_one_object() {
    let Some(m) = moto() else { return };
    m.make_bucket("flaky").await;
    let (r, puts) = relay(m.port, 2, (0, Duration::ZERO));
    let url = r.url.clone();
    let app = spawn_app_with(move |c| {
        c.delivery.retry_initial_secs = 1;
        c.delivery.s3.endpoint = url;
        c.delivery.s3.path_style = true;
        c.delivery.s3.access_key_id = Some("test".into());
        c.delivery.s3.secret_access_key = Some(serde_json::from_value(json!("test")).unwrap());
    })
    .await;
    let id = app
        .create_schedule(json!({
            "name": "Flaky", "reportId": "Sales overview", "schedule": "0 7 * * 1",
            "timezone": "UTC", "exportFormat": "pptx",
            "recipients": [{"type": "s3", "address": "s3://flaky/decks/"}],
        }))
        .await;
    let run = app
        .run_schedule(&id, |e| e["delivered"] == 1 || e["status"] == "failed")
        .await;
    assert_eq!(run["delivered"], 1, "{run}");
    assert_eq!(
        puts.load(Ordering::SeqCst),
        3,
        "two refused, then the one that took"
    );
    let keys = m.keys("flaky").await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].ends_with(".pptx"), "{keys:?}");
}

#[tokio::test]
async fn killed_during_an_upload_it_delivers_once_after_a_restart() {
    let Some(m) = moto() else { return };
    m.make_bucket("killed").await;
    // The first upload is held long enough for the server to die under it.
    let (r, puts) = relay(m.port, 0, (1, Duration::from_secs(8)));
    let smtp = crate::smtp::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("reports.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:{port}\"\n[storage]\ndata_dir = \"{}\"\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntimeout_secs = 1\n\
             [delivery]\nretry_initial_secs = 1\nallow_private_targets = true\n\
             [delivery.s3]\nendpoint = \"{}\"\npath_style = true\naccess_key_id = \"test\"\nsecret_access_key = \"test\"\n",
            dir.path().join("data").display(),
            smtp.port,
            r.url
        ),
    )
    .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let token = cli_admin_token(&config);
    let client = client_with(Some(&token));
    let mut server = start(&config, port);
    let made: Value = client
        .post(format!("{base}/api/v1/schedules"))
        .json(
            &json!({"name": "Killed", "reportId": "Sales overview", "schedule": "0 7 * * 1",
                      "timezone": "UTC", "exportFormat": "pdf",
                      "recipients": [{"type": "s3", "address": "s3://killed/q/"}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().expect("a schedule").to_string();
    let r1 = client
        .post(format!("{base}/api/v1/schedules/{id}/run"))
        .send()
        .await
        .unwrap();
    assert_eq!(r1.status(), 202);
    let started = Instant::now();
    while puts.load(Ordering::SeqCst) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no upload began"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let mut server = start(&config, port);
    // A new client: the old one's connections died with the server.
    let client = client_with(Some(&token));
    let mut last = Value::Null;
    // The dead attempt's lease (twice the SMTP timeout and a minute: 62 s here) must end
    // before the delivery is tried again: whether it got through is not known.
    let deadline = Instant::now() + Duration::from_secs(150);
    while Instant::now() < deadline {
        let runs: Value = client
            .get(format!("{base}/api/v1/schedules/{id}/executions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        last = runs[0].clone();
        if settled(&last) && last["delivered"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let a held upload finish, if it still can: it writes the same key.
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(last["delivered"], 1, "{last}");
    assert!(
        puts.load(Ordering::SeqCst) >= 2,
        "uploaded again after the restart"
    );
    let keys = m.keys("killed").await;
    assert_eq!(keys.len(), 1, "one object: {keys:?}");
}
