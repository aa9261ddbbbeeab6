//! Every export format, emailed to a standards-following SMTP server: aiosmtpd (Python), which
//! refuses a line over 998 octets ("500 Line too long (see RFC5321 4.5.3.1.6)") and 8-bit octets
//! in strict ASCII mode, behind a handler that also refuses bare LF and bare CR
//! (`strict_smtp.py`). A report schedule runs in each format and a dashboard schedule in each of
//! its formats; each message must arrive whole with its file attached, byte for byte the export.
//!
//! Skipped with a message when aiosmtpd is not importable, unless QUIRE_SMTP_STRICT_TESTS=1
//! (`.ci/run` sets it and installs aiosmtpd), which turns the skip into a failure.

use crate::helpers::{spawn_app_with, TestApp};
use mail_parser::{MessageParser, MimeHeaders};
use quire::model::export::ExportFormat;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCRIPT: &str = include_str!("strict_smtp.py");

/// The aiosmtpd server, stopped when dropped.
struct Strict {
    port: u16,
    inbox: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Strict {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Strict {
    /// Starts the server, or None (skipped, with a message) when aiosmtpd is not installed.
    fn start() -> Option<Strict> {
        let importable = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !importable {
            assert!(
                std::env::var_os("QUIRE_SMTP_STRICT_TESTS").is_none(),
                "QUIRE_SMTP_STRICT_TESTS is set but python3 cannot import aiosmtpd \
                 (python3 -m pip install aiosmtpd)"
            );
            eprintln!(
                "SKIPPED: python3 cannot import aiosmtpd; `python3 -m pip install aiosmtpd` to run \
                 the strict SMTP test"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("strict_smtp.py");
        std::fs::write(&script, SCRIPT).unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir(&inbox).unwrap();
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(&inbox)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("strict_smtp.py did not start: {line:?}"));
        Some(Strict {
            port,
            inbox,
            child,
            _dir: dir,
        })
    }

    /// Files in the inbox ending with `ext` (`eml`: accepted, `refused`: the refusals).
    fn files(&self, ext: &str) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.inbox)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        names.sort();
        names.iter().map(|p| read(p)).collect()
    }
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn settled(e: &Value) -> bool {
    e["status"] == "succeeded" || e["status"] == "failed"
}

/// A dashboard of the demo report's KPI, chart and table.
async fn dashboard(app: &TestApp) -> String {
    let report = app.report_id().await;
    let board = json!({ "name": "Strict board", "widgets": [
        { "id": "rev", "x": 0, "y": 0, "w": 4, "h": 2, "reportId": report, "visualizationId": "revenue" },
        { "id": "trend", "x": 0, "y": 2, "w": 12, "h": 5, "reportId": report, "visualizationId": "daily_revenue" },
        { "id": "regions", "x": 4, "y": 0, "w": 8, "h": 2, "reportId": report, "visualizationId": "region_share" }] });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/dashboards", &board)
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_export_format_is_accepted_by_a_strict_smtp_server() {
    let Some(strict) = Strict::start() else {
        return;
    };
    let app = spawn_app_with(|c| c.smtp.port = strict.port).await;
    let board = dashboard(&app).await;

    // (what, schedule body): the report in every format, the dashboard in each of its own.
    let mut runs: Vec<(String, Value)> = Vec::new();
    for format in ExportFormat::ALL_FORMATS {
        let f = format.extension();
        runs.push((
            format!("report {f}"),
            json!({ "name": format!("Strict {f}"), "reportId": "Sales overview",
                    "schedule": "0 7 * * *", "parameters": { "days": "90" }, "rowLimit": 400,
                    "recipients": [{ "type": "email", "address": format!("{f}@example.com") }],
                    "exportFormat": f }),
        ));
    }
    for f in ["pdf", "xlsx", "pptx"] {
        runs.push((
            format!("dashboard {f}"),
            json!({ "name": format!("Strict board {f}"), "dashboardId": board,
                    "schedule": "0 7 * * *",
                    "recipients": [{ "type": "email", "address": format!("board-{f}@example.com") }],
                    "exportFormat": f }),
        ));
    }

    for (what, body) in runs {
        let schedule = app.create_schedule(body.clone()).await;
        let run = app.run_schedule(&schedule, settled).await;
        let refused: Vec<String> = strict
            .files("refused")
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect();
        assert_eq!(
            run["status"], "succeeded",
            "{what}: the strict server refused it: {refused:?}\n{run}"
        );
        assert!(refused.is_empty(), "{what}: {refused:?}");

        // The message arrived, to its recipient, with the export attached byte for byte.
        let to = body["recipients"][0]["address"].as_str().unwrap();
        let format = body["exportFormat"].as_str().unwrap();
        let start = Instant::now();
        let raw = loop {
            let found = strict
                .files("eml")
                .into_iter()
                .find(|m| m.starts_with(format!("X-Envelope-To: {to}\r\n").as_bytes()));
            if let Some(m) = found {
                break m;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{what}: no message to {to}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let msg = MessageParser::default().parse(&raw).expect("valid MIME");
        let file = msg
            .attachments()
            .find(|a| a.attachment_name().is_some())
            .unwrap_or_else(|| panic!("{what}: no attachment"));
        assert!(
            file.attachment_name()
                .unwrap()
                .ends_with(&format!(".{format}")),
            "{what}: {:?}",
            file.attachment_name()
        );
        let export = run["exportId"].as_str().unwrap();
        let download = app.get(&format!("/api/v1/exports/{export}/download")).await;
        assert_eq!(download.status(), 200);
        let bytes = download.bytes().await.unwrap();
        assert!(bytes.len() > 1000, "{what}: a file worth checking");
        assert!(
            file.contents() == &bytes[..],
            "{what}: the attachment differs from the export ({} vs {} bytes)",
            file.contents().len(),
            bytes.len()
        );
    }
    assert_eq!(
        strict.files("eml").len(),
        8,
        "five report formats, three dashboard ones"
    );
}
