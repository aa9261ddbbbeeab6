//! `spawn_app()`: the real application on a random loopback port, a fresh data folder, the demo
//! loaded, and a real SMTP server on loopback for its mail.

use crate::smtp::SmtpServer;
use quire::config::Config;
use quire::model::user::Role;
use quire::startup::Application;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// The administrator every test app has.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// Their password.
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    /// Sends the administrator's API token with every request.
    pub client: reqwest::Client,
    /// Sends no credentials (and follows no redirects): an anonymous caller.
    pub anon: reqwest::Client,
    /// The administrator's API token.
    pub token: String,
    /// The app's context, for making users and tokens directly.
    pub ctx: quire::app::Ctx,
    pub smtp: SmtpServer,
    /// Kept so the folder lives as long as the app.
    pub _data_dir: TempDir,
}

/// Starts the app with the demo.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app without the demo: a fresh server with no data, reports or dashboards.
pub async fn spawn_bare() -> TestApp {
    spawn(|_| {}, false).await
}

/// Starts the app with the demo, after `tweak` has adjusted the config.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    spawn(tweak, true).await
}

async fn spawn(tweak: impl FnOnce(&mut Config), demo: bool) -> TestApp {
    let smtp = SmtpServer::start();
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.storage.data_dir = data_dir.path().to_path_buf();
    config.smtp.host = "127.0.0.1".into();
    config.smtp.port = smtp.port;
    config.smtp.timeout_secs = 10;
    // The webhook receivers of these tests listen on loopback, which deliveries refuse by
    // default (SSRF); the tests of that refusal (hardening.rs) set it back to false.
    config.delivery.allow_private_targets = true;
    tweak(&mut config);
    let app = Application::build(config.clone(), demo)
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let store = quire::store::Store::open(&config.storage.data_dir, &[], 0).unwrap();
    let ctx = quire::app::Ctx {
        config: Arc::new(config),
        store,
        sight: quire::model::access::Sight::All,
        grants: quire::model::collection::Grants::all(),
    };
    let (_, token) = user_with_token(&ctx, ADMIN_EMAIL, Role::Admin);
    TestApp {
        address,
        client: client_with(Some(&token)),
        anon: client_with(None),
        token,
        ctx,
        smtp,
        _data_dir: data_dir,
    }
}

/// A client sending `token` as a bearer token (none: anonymous, and redirects are not followed,
/// so a redirect to the login page is seen as one).
pub fn client_with(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {t}").parse().unwrap(),
        );
    }
    let redirects = match token {
        Some(_) => reqwest::redirect::Policy::default(),
        None => reqwest::redirect::Policy::none(),
    };
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        // Below the server's keep-alive (5 s): a connection idle past it may be closed by the
        // server just as it is reused (hyper's IncompleteMessage after a long LibreOffice run).
        .pool_idle_timeout(Duration::from_secs(2))
        .redirect(redirects)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Adds a user (password `ADMIN_PASSWORD`) with `role` and makes them an API token.
pub fn user_with_token(ctx: &quire::app::Ctx, email: &str, role: Role) -> (String, String) {
    let user = {
        let conn = ctx.store.app.get().unwrap();
        // A second app on the same data folder (restart tests) finds the user there already.
        match quire::auth::users::add(&conn, email, role, Some(ADMIN_PASSWORD), None, None) {
            Ok(u) => u,
            Err(quire::auth::AuthError::Conflict(_)) => {
                quire::auth::users::find(&conn, email).unwrap()
            }
            Err(e) => panic!("{e}"),
        }
    };
    let (_, token) = quire::auth::create_token(ctx, &user.id, "tests", None, role, None).unwrap();
    (user.id, token)
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

    /// The demo report's id, read from the reports list page.
    pub async fn report_id(&self) -> String {
        let html = self.get("/reports").await.text().await.unwrap();
        let start =
            html.find("href=\"/reports/").expect("a report link") + "href=\"/reports/".len();
        html[start..start + 36].to_string()
    }

    /// A dashboard page as a browser shows it once every widget has loaded: the page with
    /// each widget's partial (which htmx fetches on load) put in its place.
    pub async fn dashboard_html(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.unwrap();
        let mut out = String::new();
        let mut rest = html.as_str();
        while let Some(i) = rest.find("hx-get=\"/dashboards/") {
            let start = i + "hx-get=\"".len();
            let end = start + rest[start..].find('"').unwrap();
            let url = rest[start..end].replace("&amp;", "&").replace("&#38;", "&");
            out.push_str(&rest[..end]);
            if url.contains("/widgets/") {
                let widget = self.get(&url).await;
                assert_eq!(widget.status(), 200, "GET {url}");
                out.push_str("\">");
                out.push_str(&widget.text().await.unwrap());
                out.push_str("<span hidden=\"");
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
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

/// An administrator made with the command line on the data folder of `config`, and their API
/// token (as printed on the last line of `quire tokens create`).
pub fn cli_admin_token(config: &std::path::Path) -> String {
    use std::io::Write;
    let mut add = quire()
        .args(["users", "add", ADMIN_EMAIL, "--role", "admin", "--config"])
        .arg(config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{ADMIN_PASSWORD}").unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = quire()
        .args([
            "tokens",
            "create",
            ADMIN_EMAIL,
            "--name",
            "tests",
            "--config",
        ])
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
}

/// The `quire` binary with a fresh environment: this build's, or `QUIRE_TEST_BIN` (to run the
/// command-line tests against a dist build).
pub fn quire() -> Command {
    let bin = std::env::var_os("QUIRE_TEST_BIN");
    let mut c = Command::new(
        bin.as_deref()
            .unwrap_or(env!("CARGO_BIN_EXE_quire").as_ref()),
    );
    c.env_remove("QUIRE_CONFIG").env("RUST_LOG", "warn");
    c
}

/// Another signed-in caller: a user with `role` and an API token of their own.
pub struct Who {
    pub id: String,
    pub client: reqwest::Client,
}

impl Who {
    pub fn new(app: &TestApp, email: &str, role: Role) -> Who {
        let (id, token) = user_with_token(&app.ctx, email, role);
        Who {
            id,
            client: client_with(Some(&token)),
        }
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap()
    }

    /// GET `path`, which must answer 200 with JSON.
    pub async fn json(&self, app: &TestApp, path: &str) -> serde_json::Value {
        let r = self.get(app, path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    pub async fn post(
        &self,
        app: &TestApp,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", app.address))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Any request; its status and its body (JSON, or the text as a JSON string).
    pub async fn send(
        &self,
        app: &TestApp,
        m: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut r = self.client.request(m, format!("{}{path}", app.address));
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, v)
    }
}
