//! Delivery to S3-compatible storage against a real S3 API on loopback (moto's server): a run
//! writes its PDF under the recipient's prefix, named after the schedule, the day and the file;
//! run again it is the same object; above 8 MB the file goes up in parts; the endpoint passes
//! the SSRF rules; hostile addresses and settings are refused naming the field.

use crate::helpers::spawn_app_with;
use rusty_s3::actions::{GetObject, ListObjectsV2};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// moto's S3 server on a free loopback port, stopped when dropped.
pub(crate) struct Moto {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto, or None (skipped) when it is not installed and `QUIRE_S3_TESTS` is not set.
pub(crate) fn moto() -> Option<Moto> {
    let installed = Command::new("python3")
        .args(["-c", "import moto.server"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var_os("QUIRE_S3_TESTS").is_none(),
            "QUIRE_S3_TESTS is set but moto is not installed (pip install 'moto[server]')"
        );
        eprintln!("skipped: moto is not installed");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let m = Moto { child, port };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(m);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("moto did not start");
}

impl Moto {
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn bucket(&self, name: &str) -> Bucket {
        Bucket::new(
            self.url().parse().unwrap(),
            UrlStyle::Path,
            name.to_string(),
            "us-east-1",
        )
        .unwrap()
    }

    pub(crate) async fn make_bucket(&self, name: &str) {
        let r = reqwest::Client::new()
            .put(format!("{}/{name}", self.url()))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    pub(crate) async fn keys(&self, name: &str) -> Vec<String> {
        let creds = Credentials::new("test", "test");
        let b = self.bucket(name);
        let url = ListObjectsV2::new(&b, Some(&creds)).sign(Duration::from_secs(60));
        let text = reqwest::get(url).await.unwrap().text().await.unwrap();
        let list = ListObjectsV2::parse_response(&text).unwrap();
        list.contents.into_iter().map(|o| o.key).collect()
    }

    async fn get(&self, name: &str, key: &str) -> Vec<u8> {
        let creds = Credentials::new("test", "test");
        let b = self.bucket(name);
        let url = GetObject::new(&b, Some(&creds), key).sign(Duration::from_secs(60));
        let r = reqwest::get(url).await.unwrap();
        assert!(r.status().is_success(), "GET {key}: {}", r.status());
        r.bytes().await.unwrap().to_vec()
    }
}

fn s3_config(c: &mut quire::config::Config, m: &Moto) {
    c.delivery.s3.endpoint = m.url();
    c.delivery.s3.path_style = true;
    c.delivery.s3.access_key_id = Some("test".into());
    c.delivery.s3.secret_access_key = Some(serde_json::from_value(json!("test")).unwrap());
}

pub(crate) fn settled(e: &Value) -> bool {
    e["status"] == "succeeded" || e["status"] == "failed"
}

#[tokio::test]
async fn a_run_writes_its_file_as_one_object_however_often_it_is_sent() {
    let Some(m) = moto() else { return };
    m.make_bucket("reports").await;
    let app = spawn_app_with(|c| s3_config(c, &m)).await;
    let id = app
        .create_schedule(json!({
            "name": "Weekly sales", "reportId": "Sales overview", "schedule": "0 7 * * 1",
            "timezone": "UTC", "parameters": {"days": "30"}, "exportFormat": "pdf",
            "recipients": [{"type": "s3", "address": "s3://reports/quire/"}],
        }))
        .await;
    let run = app.run_schedule(&id, settled).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["delivered"], 1, "{run}");
    let keys = m.keys("reports").await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let key = &keys[0];
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        key.starts_with(&format!("quire/weekly-sales/{today}/")) && key.ends_with(".pdf"),
        "{key}"
    );
    let pdf = m.get("reports", key).await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let export = app
        .get_json(&format!(
            "/api/v1/exports/{}",
            run["exportId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(export["size"].as_u64().unwrap() as usize, pdf.len());

    // Sent again (a retry, a second run the same day): the same object, not a second one.
    let again = app.run_schedule(&id, settled).await;
    assert_eq!(again["status"], "succeeded", "{again}");
    assert_eq!(m.keys("reports").await, keys);
}

#[tokio::test]
async fn a_large_file_goes_up_in_parts_and_a_private_endpoint_is_refused() {
    let Some(m) = moto() else { return };
    m.make_bucket("big").await;
    let mut cfg = quire::config::Config::default();
    s3_config(&mut cfg, &m);
    let body: Vec<u8> = (0..(19u32 << 20)).map(|i| (i % 251) as u8).collect();
    let object = quire::deliver::s3::Object {
        schedule: "Big export",
        date: "2026-12-07",
        file_name: "rows.csv",
        content_type: "text/csv",
    };
    let key = quire::deliver::s3::put(&cfg.delivery.s3, true, "s3://big/", &object, body.clone())
        .await
        .unwrap();
    assert_eq!(key, "big-export/2026-12-07/rows.csv");
    let back = m.get("big", &key).await;
    assert_eq!(back.len(), body.len());
    assert!(back == body, "the parts join into the same bytes");

    // Loopback is refused unless `allow_private_targets`, before any connection.
    let e = quire::deliver::s3::put(&cfg.delivery.s3, false, "s3://big/", &object, vec![1, 2, 3])
        .await
        .unwrap_err();
    assert!(
        !e.retryable && e.message.contains("[delivery.s3] endpoint"),
        "{}",
        e.message
    );
    // No such bucket: a final failure naming the status.
    let e = quire::deliver::s3::put(
        &cfg.delivery.s3,
        true,
        "s3://missing-bucket/",
        &object,
        vec![1],
    )
    .await
    .unwrap_err();
    assert!(
        !e.retryable && e.message.contains("HTTP 404"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn hostile_s3_addresses_are_refused_naming_the_field() {
    let app = crate::helpers::spawn_app().await;
    for address in [
        "s3://",
        "s3://AB/",
        "s3://x/",
        "s3://bucket/../etc/",
        "s3://bucket//x",
        "s3://bucket/a\u{0}b",
        "https://bucket.s3.amazonaws.com/",
        "s3://-bucket/",
    ] {
        let r = app
            .client
            .post(format!("{}/api/v1/schedules", app.address))
            .json(&json!({
                "name": "S3", "reportId": "Sales overview", "schedule": "0 7 * * 1",
                "recipients": [{"type": "s3", "address": address}],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{address:?}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(
            p["errors"][0]["field"], "recipients[0].address",
            "{address:?}: {p}"
        );
    }
    // An alert tells people: no S3 recipient.
    let rid = app.report_id().await;
    let r = app
        .client
        .post(format!("{}/api/v1/alerts", app.address))
        .json(&json!({
            "name": "A", "reportId": rid, "query": "kpis", "column": "revenue", "schedule": "0 * * * *",
            "timezone": "UTC", "condition": {"type": "above", "value": 1},
            "recipients": [{"type": "s3", "address": "s3://reports/x/"}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "recipients[0].type", "{p}");
}

#[test]
fn bad_s3_settings_exit_2_naming_the_key() {
    for (toml, key) in [
        (
            "[delivery.s3]\nendpoint = \"ftp://x\"",
            "delivery.s3.endpoint",
        ),
        (
            "[delivery.s3]\nendpoint = \"https://user:pw@x\"",
            "delivery.s3.endpoint",
        ),
        ("[delivery.s3]\nregion = \"eu west\"", "delivery.s3.region"),
        (
            "[delivery.s3]\nserver_side_encryption = \"rot13\"",
            "delivery.s3.server_side_encryption",
        ),
        (
            "[delivery.s3]\nkey_pattern = \"../{file}\"",
            "delivery.s3.key_pattern",
        ),
        (
            "[delivery.s3]\nkey_pattern = \"{schedule}\"",
            "delivery.s3.key_pattern",
        ),
        ("[delivery.s3]\nbucket = \"x\"", "bucket"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.toml");
        std::fs::write(&path, toml).unwrap();
        let out = crate::helpers::quire()
            .args(["check-config", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{toml}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key), "{toml}: {err}");
    }
}
