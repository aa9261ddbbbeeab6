//! Hardening: webhook deliveries never reach private addresses unless allowed, follow no
//! redirect and keep no reply body; hostile queries are bounded in memory; a burst of slow
//! previews leaves the dashboards answering; PRAGMAs refused at run are refused at save.

use crate::helpers::{spawn_app_with, TestApp};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A reply body no stored error may ever hold.
const SECRET_REPLY: &str = "TOPSECRET-REPLY-BODY-7f3a";
/// A token in a webhook URL's path, which no log line or stored error may show.
const PATH_TOKEN: &str = "T0KEN-IN-THE-PATH-91c2";

/// A loopback HTTP server that records the path of every request it gets.
struct Hooks {
    base: String,
    got: Arc<Mutex<Vec<String>>>,
}

async fn answer(req: HttpRequest, got: web::Data<Arc<Mutex<Vec<String>>>>) -> HttpResponse {
    let path = req.path().to_string();
    got.lock().unwrap().push(path.clone());
    let host = req.connection_info().host().to_string();
    match path.as_str() {
        "/redirect" => HttpResponse::Found()
            .insert_header(("Location", format!("http://{host}/target")))
            .finish(),
        p if p.starts_with("/fail") => HttpResponse::InternalServerError().body(SECRET_REPLY),
        _ => HttpResponse::Ok().body("ok"),
    }
}

impl Hooks {
    fn start() -> Hooks {
        let got = Arc::new(Mutex::new(Vec::new()));
        let data = web::Data::new(got.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Hooks {
            base: format!("http://127.0.0.1:{port}"),
            got,
        }
    }

    fn paths(&self) -> Vec<String> {
        self.got.lock().unwrap().clone()
    }
}

fn settled(e: &Value) -> bool {
    e["status"] == "succeeded" || e["status"] == "failed"
}

fn schedule(recipients: Value) -> Value {
    json!({
        "name": "Hooked",
        "reportId": "Sales overview",
        "schedule": "0 7 * * *",
        "recipients": recipients,
        "exportFormat": "csv",
        "rowLimit": 10,
    })
}

async fn strict_app() -> TestApp {
    spawn_app_with(|c| {
        c.delivery.allow_private_targets = false;
        c.delivery.retry_initial_secs = 1;
        c.delivery.give_up_after_hours = 0;
    })
    .await
}

#[tokio::test]
async fn a_private_webhook_target_is_refused_at_save_in_every_spelling() {
    let hooks = Hooks::start();
    let app = strict_app().await;
    let port = hooks.base.rsplit(':').next().unwrap().to_string();
    for (kind, url) in [
        ("webhook", format!("{}/x", hooks.base)),
        ("webhook", format!("http://2130706433:{port}/x")),
        ("webhook", format!("http://0x7f.1:{port}/x")),
        ("webhook", format!("http://[::1]:{port}/x")),
        ("webhook", format!("http://[::ffff:127.0.0.1]:{port}/x")),
        ("webhook", format!("http://0.0.0.0:{port}/x")),
        ("webhook", format!("http://localhost:{port}/x")),
        (
            "webhook",
            "http://169.254.169.254/latest/meta-data/".to_string(),
        ),
        ("webhook", "http://[fd00:ec2::254]/".to_string()),
        ("webhook", "http://10.0.0.1/x".to_string()),
        ("webhook", "http://user:pass@example.com/x".to_string()),
        ("slack", "http://hooks.slack.com/services/x".to_string()),
        ("teams", "http://example.webhook.office.com/x".to_string()),
    ] {
        let r = app
            .send_json(
                Method::POST,
                "/api/v1/schedules",
                &schedule(json!([{ "type": kind, "address": url }])),
            )
            .await;
        assert_eq!(r.status(), 422, "{url}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(
            p["errors"][0]["field"], "recipients[0].address",
            "{url}: {p}"
        );
        assert!(!p["detail"].as_str().unwrap().contains("pass@"), "{p}");
    }
    // A public URL is fine (it is not called at save).
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/schedules",
            &schedule(
                json!([{ "type": "slack", "address": "https://hooks.slack.com/services/x" }]),
            ),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert!(
        hooks.paths().is_empty(),
        "nothing was called: {:?}",
        hooks.paths()
    );
}

#[tokio::test]
async fn a_hook_whose_host_name_resolves_to_this_machine_is_refused_at_save() {
    // The machine's own name: on Debian and in containers /etc/hosts gives it a loopback or
    // private address, which no name check knows.
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let name = name.trim();
    use std::net::ToSocketAddrs;
    let addrs: Vec<_> = (name, 80)
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default();
    assert!(
        addrs.iter().any(|a: &std::net::SocketAddr| {
            let ip = a.ip();
            ip.is_loopback()
                || matches!(ip, std::net::IpAddr::V4(v4) if v4.is_private() || v4.is_link_local())
        }),
        "{name} resolves to {addrs:?}: this test needs a name of this machine"
    );
    let app = strict_app().await;
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/schedules",
            &schedule(json!([{ "type": "webhook", "address": format!("http://{name}:9/hook?token=s3cret") }])),
        )
        .await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "recipients[0].address", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("resolves to") && detail.contains(name),
        "{detail}"
    );
    assert!(!detail.contains("s3cret"), "{detail}");
    assert_eq!(
        app.get_json("/api/v1/schedules")
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "only the demo's schedule"
    );
}

#[tokio::test]
async fn a_stored_delivery_to_a_private_target_is_refused_at_send_and_never_connects() {
    let hooks = Hooks::start();
    let app = strict_app().await;
    // A schedule saved while private targets were allowed (another config, an older
    // version): written to the store directly, as the server will find it.
    let id = app.schedule_id().await;
    {
        let store = quire::store::Store::open(app._data_dir.path(), &[], 0).unwrap();
        let conn = store.app.get().unwrap();
        let mut s = quire::store::schedule::get(&conn, &id).unwrap().unwrap();
        s.export_format = quire::model::export::ExportFormat::Csv;
        s.recipients = vec![
            quire::model::schedule::Recipient {
                kind: quire::model::schedule::RecipientKind::Webhook,
                address: format!("{}/hook/{PATH_TOKEN}", hooks.base),
            },
            quire::model::schedule::Recipient {
                kind: quire::model::schedule::RecipientKind::Webhook,
                address: format!(
                    "http://localhost:{}/named",
                    hooks.base.rsplit(':').next().unwrap()
                ),
            },
        ];
        quire::store::schedule::upsert(&conn, &s, false).unwrap();
    }
    let run = app.run_schedule(&id, settled).await;
    assert_eq!(run["status"], "failed", "{run}");
    for d in run["deliveries"].as_array().unwrap() {
        assert_eq!(d["status"], "failed", "{d}");
        assert_eq!(d["attempts"], 1, "a refused target is not retried: {d}");
        let e = d["lastError"].as_str().unwrap();
        assert!(e.contains("allow_private_targets"), "{e}");
        assert!(!e.contains(PATH_TOKEN), "{e}");
    }
    let error = run["error"].as_str().unwrap();
    assert!(error.contains("loopback"), "{error}");
    assert!(
        !error.contains(PATH_TOKEN),
        "the run's error hides the URL's path: {error}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        hooks.paths().is_empty(),
        "never connected: {:?}",
        hooks.paths()
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_a_reply_body_is_never_stored() {
    let hooks = Hooks::start();
    let app = spawn_app_with(|c| {
        c.delivery.retry_initial_secs = 1;
        c.delivery.give_up_after_hours = 0;
    })
    .await;
    let base = &hooks.base;
    let id = app
        .create_schedule(schedule(json!([
            { "type": "webhook", "address": format!("{base}/redirect") },
            { "type": "webhook", "address": format!("{base}/fail/{PATH_TOKEN}") },
        ])))
        .await;
    let run = app.run_schedule(&id, settled).await;
    assert_eq!(run["status"], "failed", "{run}");
    // Listed in the order of the recipients, with their hosts only (the API redacts them too).
    let deliveries = run["deliveries"].as_array().unwrap();
    assert!(!run.to_string().contains(PATH_TOKEN), "{run}");
    let by = |suffix: &str| deliveries[if suffix == "/redirect" { 0 } else { 1 }].clone();
    let redirect = by("/redirect");
    assert_eq!(redirect["status"], "failed");
    let e = redirect["lastError"].as_str().unwrap();
    assert!(
        e.contains("HTTP 302 Found") && e.contains("not followed"),
        "{e}"
    );
    let failed = by("/fail/");
    assert_eq!(
        failed["lastError"],
        "POST http://127.0.0.1/…: HTTP 500 Internal Server Error"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let paths = hooks.paths();
    assert!(paths.contains(&"/redirect".to_string()), "{paths:?}");
    assert!(
        !paths.contains(&"/target".to_string()),
        "the redirect was followed: {paths:?}"
    );

    // Neither the API nor any byte of the database holds the reply's body.
    let executions = app
        .get(&format!("/api/v1/schedules/{id}/executions"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!executions.contains(SECRET_REPLY), "{executions}");
    let page = app
        .get(&format!("/schedules/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(SECRET_REPLY));
    assert!(
        !page.contains(PATH_TOKEN),
        "the page shows webhook hosts only"
    );
    for entry in std::fs::read_dir(app._data_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes
                    .windows(SECRET_REPLY.len())
                    .any(|w| w == SECRET_REPLY.as_bytes()),
                "{} holds the reply body",
                path.display()
            );
        }
    }
}

/// Creates a report with one table over `query`; returns its id.
async fn report(app: &TestApp, name: &str, query: &str) -> String {
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/reports",
            &json!({
                "name": name,
                "query": query,
                "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }],
            }),
        )
        .await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// This process's resident memory, in MB (the app runs in it).
fn rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024
}

#[tokio::test]
async fn a_query_building_a_gigabyte_string_is_a_422_not_a_gigabyte() {
    let app = spawn_app_with(|_| {}).await;
    let id = report(&app, "Huge", "SELECT printf('%.*c', 900000000, 'x') AS big").await;
    let before = rss_mb();
    let r = app.get(&format!("/api/v1/reports/{id}/preview")).await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("query") && detail.contains("64 MB") && detail.contains("query_memory_mb"),
        "{detail}"
    );
    let page = app.get(&format!("/reports/{id}")).await;
    assert!(page.status().as_u16() < 500, "{}", page.status());
    let grown = rss_mb().saturating_sub(before);
    assert!(grown < 500, "the process grew by {grown} MB");
}

#[tokio::test]
async fn many_large_values_are_refused_by_the_result_limit_not_sent_as_a_huge_body() {
    let app = spawn_app_with(|c| c.limits.result_mb = 16).await;
    // Each value passes the 64 MB a value may have; twenty of them are 200 MB.
    let id = report(
        &app,
        "Wide",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) \
         SELECT i, printf('%.*c', 10000000, 'x') AS big FROM n",
    )
    .await;
    let before = rss_mb();
    let started = std::time::Instant::now();
    for url in [
        format!("/api/v1/reports/{id}/preview?pageSize=20"),
        format!("/reports/{id}/download?format=json"),
    ] {
        let r = app.get(&url).await;
        assert_eq!(r.status(), 422, "{url}");
        let body = r.bytes().await.unwrap();
        assert!(body.len() < 10_000, "{url}: {} bytes", body.len());
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("16 MB") && text.contains("result_mb"),
            "{url}: {text}"
        );
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let grown = rss_mb().saturating_sub(before);
    assert!(grown < 500, "the process grew by {grown} MB");
    // The page says so too, and the server goes on.
    let page = app.get(&format!("/reports/{id}")).await;
    assert!(page.status().as_u16() < 500, "{}", page.status());
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn twenty_slow_previews_leave_the_dashboard_answering() {
    let app = spawn_app_with(|c| c.limits.query_timeout_ms = 3000).await;
    let slow = report(
        &app,
        "Slow",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10000000000) \
         SELECT count(*) AS n FROM r",
    )
    .await;
    let dashboard = app.dashboard_id().await;
    let previews: Vec<_> = (0..20)
        .map(|_| {
            let client = app.client.clone();
            let url = format!("{}/api/v1/reports/{slow}/preview", app.address);
            tokio::spawn(async move {
                let r = client.get(url).send().await.unwrap();
                let retry_after = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                (r.status().as_u16(), retry_after)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let page = app.get(&format!("/dashboards/{dashboard}")).await;
    let took = started.elapsed();
    assert_eq!(page.status(), 200);
    assert!(
        took < Duration::from_secs(10),
        "the dashboard waited {took:?} for a connection"
    );
    let mut busy = 0;
    for p in previews {
        let (status, retry_after) = p.await.unwrap();
        match status {
            // Stopped by the time limit, or no preview connection came free in time.
            422 => {}
            503 => {
                assert_eq!(retry_after.as_deref(), Some("5"));
                busy += 1;
            }
            other => panic!("a preview answered {other}"),
        }
    }
    assert!(
        busy > 0,
        "20 previews of 3 s on 4 connections: the last ones wait > 10 s"
    );
}

#[tokio::test]
async fn a_pragma_the_run_refuses_is_refused_at_save() {
    let app = spawn_app_with(|_| {}).await;
    for query in [
        "PRAGMA table_info(sales)",
        "PRAGMA table_info('sales');",
        "pragma index_list(sales)",
        "SELECT * FROM pragma_table_info('sales')",
        "SELECT name FROM pragma_table_info('sales') ORDER BY cid",
        "SELECT * FROM pragma_database_list",
        "SELECT count(*) FROM pragma_compile_options",
        "PRAGMA query_only",
        "EXPLAIN SELECT 1",
    ] {
        let r = app
            .send_json(
                Method::POST,
                "/api/v1/reports",
                &json!({
                    "name": format!("Pragma {query}"),
                    "query": query,
                    "visualizations": [{ "id": "rows", "type": "table" }],
                }),
            )
            .await;
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        match status {
            // Saved: then it runs.
            201 => {
                let id = v["id"].as_str().unwrap();
                let p = app.get(&format!("/api/v1/reports/{id}/preview")).await;
                assert_eq!(p.status(), 200, "{query} was saved but does not run");
            }
            422 => assert_eq!(v["errors"][0]["field"], "query", "{query}: {v}"),
            other => panic!("{query}: {other} {v}"),
        }
    }
}

/// The secret parts of the hooks below: no answer to an editor may hold them.
const HOOK_SECRETS: [&str; 3] = ["SLACKSECRET9d1", "TEAMSSECRET5e2", "QUERYTOKEN7a3"];

/// The stored recipients of schedule `id`, read from the database.
fn stored_recipients(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let conn = app.ctx.store.app.get().unwrap();
    quire::store::schedule::get(&conn, id)
        .unwrap()
        .unwrap()
        .recipients
        .into_iter()
        .map(|r| (r.kind.as_str().to_string(), r.address))
        .collect()
}

#[tokio::test]
async fn hook_urls_are_shown_as_their_host_only_and_kept_when_sent_back_masked_or_blank() {
    let app = spawn_app_with(|_| {}).await;
    let report = app.report_id().await;
    let full = [
        ("email", "team@example.com".to_string()),
        (
            "slack",
            format!("https://hooks.slack.com/services/T0/B0/{}", HOOK_SECRETS[0]),
        ),
        (
            "teams",
            format!(
                "https://acme.webhook.office.com/webhookb2/{}",
                HOOK_SECRETS[1]
            ),
        ),
        (
            "webhook",
            format!("https://hooks.example.com/in?token={}", HOOK_SECRETS[2]),
        ),
    ];
    let recipients: Vec<Value> = full
        .iter()
        .map(|(k, a)| json!({ "type": k, "address": a }))
        .collect();
    let body = json!({
        "name": "Secret hooks", "reportId": report, "schedule": "0 9 * * *",
        "recipients": recipients,
    });
    let no_secret = |what: &str, text: &str| {
        for s in HOOK_SECRETS {
            assert!(!text.contains(s), "{what} shows {s}: {text}");
        }
    };
    let r = app
        .send_json(Method::POST, "/api/v1/schedules", &body)
        .await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    no_secret("POST", &made.to_string());
    let id = made["id"].as_str().unwrap().to_string();
    let one = app.get_json(&format!("/api/v1/schedules/{id}")).await;
    no_secret("GET one", &one.to_string());
    assert_eq!(one["recipients"][0]["address"], "team@example.com");
    assert_eq!(one["recipients"][1]["address"], "https://hooks.slack.com/…");
    assert_eq!(
        one["recipients"][2]["address"],
        "https://acme.webhook.office.com/…"
    );
    assert_eq!(
        one["recipients"][3]["address"],
        "https://hooks.example.com/…"
    );
    no_secret(
        "GET list",
        &app.get_json("/api/v1/schedules").await.to_string(),
    );
    let edit = app.get(&format!("/schedules/{id}/edit")).await;
    assert_eq!(edit.status(), 200);
    let edit = edit.text().await.unwrap();
    no_secret("the edit form", &edit);
    assert!(
        edit.contains("value=\"https://hooks.slack.com/…\""),
        "{edit}"
    );
    no_secret(
        "the detail page",
        &app.get(&format!("/schedules/{id}"))
            .await
            .text()
            .await
            .unwrap(),
    );

    // PUT back what GET showed (the teams one blank): every stored URL is kept.
    let mut back = one["recipients"].clone();
    back[2]["address"] = json!("");
    let put = json!({
        "name": "Secret hooks", "reportId": report, "schedule": "0 10 * * *",
        "recipients": back,
    });
    let r = app
        .send_json(Method::PUT, &format!("/api/v1/schedules/{id}"), &put)
        .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    no_secret("PUT", &text);
    let expected: Vec<(String, String)> = full
        .iter()
        .map(|(k, a)| (k.to_string(), a.clone()))
        .collect();
    assert_eq!(stored_recipients(&app, &id), expected);

    // A new URL replaces the stored one; a masked value that stands for no stored URL is refused.
    let mut changed = one["recipients"].clone();
    changed[1]["address"] = json!("https://hooks.slack.com/services/NEW");
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/schedules/{id}"),
            &json!({ "name": "Secret hooks", "reportId": report, "schedule": "0 9 * * *",
                     "recipients": changed }),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        stored_recipients(&app, &id)[1].1,
        "https://hooks.slack.com/services/NEW"
    );
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/schedules/{id}"),
            &json!({ "name": "Secret hooks", "reportId": report, "schedule": "0 9 * * *",
                     "recipients": [{ "type": "webhook", "address": "https://other.example.com/…" }] }),
        )
        .await;
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem.to_string().contains("recipients[0].address"),
        "{problem}"
    );

    // The form sends back what it showed: the URLs are kept.
    let form: Vec<(&str, String)> = vec![
        ("name", "Secret hooks".into()),
        ("report_id", report.clone()),
        ("frequency", "custom".into()),
        ("cron", "0 9 * * *".into()),
        ("timezone", "UTC".into()),
        ("recipient_type", "email".into()),
        ("recipient_address", "team@example.com".into()),
        ("recipient_type", "slack".into()),
        ("recipient_address", "https://hooks.slack.com/…".into()),
        ("recipient_type", "teams".into()),
        (
            "recipient_address",
            "https://acme.webhook.office.com/…".into(),
        ),
        ("recipient_type", "webhook".into()),
        ("recipient_address", "https://hooks.example.com/…".into()),
        ("export_format", "pdf".into()),
        ("enabled", "on".into()),
    ];
    let r = crate::helpers::client_with(Some(&app.token))
        .post(format!("{}/schedules/{id}", app.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    let stored = stored_recipients(&app, &id);
    assert_eq!(stored[2], expected[2]);
    assert_eq!(stored[3], expected[3]);
    assert_eq!(stored[1].1, "https://hooks.slack.com/services/NEW");
}

/// The real binary's log of a few requests carrying secrets in their address.
fn access_log_of(paths: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = crate::helpers::quire()
        .env("RUST_LOG", "info")
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 60, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    for path in paths {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\n\r\n").unwrap();
        let _ = s.read_to_end(&mut Vec::new());
    }
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut logs).unwrap();
    logs
}

#[test]
fn share_tokens_and_link_tokens_are_not_written_to_the_access_log() {
    let secret = "5ecre7a1b2c3d4e5f60718293a4b5c6d";
    let logs = access_log_of(&[
        &format!("/s/{secret}"),
        &format!("/s/{secret}/table/t?page=2"),
        &format!("/embed/{secret}"),
        &format!("/setup?token={secret}"),
        &format!("/welcome?token={secret}&x=1"),
        "/healthz?token=kept-elsewhere",
    ]);
    assert!(!logs.contains(secret), "{logs}");
    // The lines are there, the token replaced.
    assert!(logs.contains("GET /s/… HTTP/1.0"), "{logs}");
    assert!(logs.contains("GET /s/…/table/t?page=2 HTTP/1.0"), "{logs}");
    assert!(logs.contains("GET /embed/… HTTP/1.0"), "{logs}");
    assert!(logs.contains("GET /setup?token=… HTTP/1.0"), "{logs}");
    assert!(logs.contains("GET /welcome?token=…&x=1 HTTP/1.0"), "{logs}");
}
