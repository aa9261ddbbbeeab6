//! `spawn_app()`: the real application on a random loopback port, a fresh data folder, the demo
//! loaded, and a real SMTP server on loopback for its mail.

use crate::smtp::SmtpServer;
use quire::config::Config;
use quire::startup::Application;
use std::process::Command;
use std::time::Duration;
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub smtp: SmtpServer,
    /// Kept so the folder lives as long as the app.
    pub _data_dir: TempDir,
}

/// Starts the app with the demo.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with the demo, after `tweak` has adjusted the config.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let smtp = SmtpServer::start();
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.storage.data_dir = data_dir.path().to_path_buf();
    config.smtp.host = "127.0.0.1".into();
    config.smtp.port = smtp.port;
    config.smtp.timeout_secs = 10;
    tweak(&mut config);
    let app = Application::build(config, true).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        smtp,
        _data_dir: data_dir,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str) -> reqwest::Response {
        self.client
            .post(format!("{}{}", self.address, path))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    /// The demo report's id, read from the dashboard page's download link.
    pub async fn report_id(&self) -> String {
        let html = self.get("/").await.text().await.unwrap();
        let start = html.find("/reports/").expect("a report link") + "/reports/".len();
        html[start..start + 36].to_string()
    }

    /// The demo dashboard's id.
    pub async fn dashboard_id(&self) -> String {
        let html = self.get("/").await.text().await.unwrap();
        let start = html.find("/dashboards/").expect("a dashboard link") + "/dashboards/".len();
        html[start..start + 36].to_string()
    }

    /// The demo schedule's id.
    pub async fn schedule_id(&self) -> String {
        let list = self.get_json("/api/v1/schedules").await;
        list[0]["id"].as_str().unwrap().to_string()
    }
}

/// Text of a PDF, page by page (pdftotext, form feed between pages).
pub fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    pdf_pages_in(pdf, "-layout")
}

/// Text of a PDF, page by page, in the order it was drawn (`pdftotext -raw`): rotated text
/// keeps its letters in order.
pub fn pdf_pages_raw(pdf: &[u8]) -> Vec<String> {
    pdf_pages_in(pdf, "-raw")
}

fn pdf_pages_in(pdf: &[u8], mode: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args([mode, path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is installed (poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Asserts qpdf finds the PDF structurally valid.
pub fn assert_valid_pdf(pdf: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf is installed");
    assert!(
        out.status.success(),
        "qpdf --check failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `quire` binary with a fresh environment.
pub fn quire() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_quire"));
    c.env_remove("QUIRE_CONFIG").env("RUST_LOG", "warn");
    c
}
