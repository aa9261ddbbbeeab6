//! Schedules and delivery: the schedules API, email to many recipients with the chart inline,
//! retries through the outbox, Slack/Teams/webhook messages with signed links.

use crate::helpers::{assert_valid_pdf, spawn_app, spawn_app_with, TestApp};
use crate::receiver::Receiver;
use crate::smtp::SmtpServer;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{json, Value};
use std::time::Duration;

impl TestApp {
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .request(method, format!("{}{}", self.address, path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Creates a schedule of the demo report; returns its id.
    pub async fn create_schedule(&self, body: Value) -> String {
        let r = self
            .send_json(reqwest::Method::POST, "/api/v1/schedules", &body)
            .await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    /// Runs a schedule now and waits until its run is settled (succeeded or failed) or `until`
    /// says it has come far enough; returns the execution.
    pub async fn run_schedule(&self, id: &str, until: impl Fn(&Value) -> bool) -> Value {
        let r = self.post(&format!("/api/v1/schedules/{id}/run")).await;
        assert_eq!(r.status(), 202);
        let run: Value = r.json().await.unwrap();
        self.wait_execution(id, run["executionId"].as_str().unwrap(), until)
            .await
    }

    pub async fn wait_execution(
        &self,
        schedule: &str,
        run: &str,
        until: impl Fn(&Value) -> bool,
    ) -> Value {
        for _ in 0..1200 {
            let runs = self
                .get_json(&format!("/api/v1/schedules/{schedule}/executions"))
                .await;
            if let Some(e) = runs.as_array().unwrap().iter().find(|e| e["id"] == run) {
                if until(e) {
                    return e.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("execution {run} never reached the expected state");
    }
}

fn settled(e: &Value) -> bool {
    e["status"] == "succeeded" || e["status"] == "failed"
}

fn schedule(recipients: Value) -> Value {
    json!({
        "name": "Daily sales",
        "reportId": "Sales overview",
        "schedule": "0 7 * * *",
        "timezone": "Europe/London",
        "parameters": { "days": "30" },
        "recipients": recipients,
        "exportFormat": "pdf",
        "rowLimit": 50,
    })
}

#[tokio::test]
async fn a_run_emails_each_recipient_once_with_the_chart_inline_and_the_file_attached() {
    let app = spawn_app().await;
    let id = app
        .create_schedule(schedule(json!([
            { "type": "email", "address": "ann@example.com" },
            { "type": "email", "address": "bob@example.com" },
        ])))
        .await;
    let run = app.run_schedule(&id, settled).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["delivered"], 2);
    assert_eq!(run["deliveries"].as_array().unwrap().len(), 2);
    assert!(run["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == "delivered" && d["attempts"] == 1));

    let mail = app.smtp.wait_for(2, Duration::from_secs(60)).await;
    let mut to: Vec<String> = mail.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        ["ann@example.com", "bob@example.com"],
        "one message per recipient"
    );
    for m in &mail {
        let msg = MessageParser::default().parse(&m.data).unwrap();
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive();
        assert_eq!(msg.subject().unwrap(), format!("Sales overview — {today}"));
        assert!(msg.message_id().unwrap().ends_with("@quire"));
        let html = msg.body_html(0).unwrap();
        assert!(html.contains("src=\"cid:chart\""), "{html}");
        // The inline chart is a real PNG, and the PDF is attached.
        let parts: Vec<_> = msg.attachments().collect();
        let png = parts
            .iter()
            .find(|p| p.content_type().unwrap().subtype() == Some("png"))
            .expect("inline chart");
        assert_eq!(png.content_id(), Some("chart"));
        assert_eq!(&png.contents()[..4], b"\x89PNG");
        let pdf = parts
            .iter()
            .find(|p| p.content_type().unwrap().subtype() == Some("pdf"))
            .expect("the PDF");
        assert_valid_pdf(pdf.contents());
        assert!(pdf
            .attachment_name()
            .unwrap()
            .starts_with("sales-overview-"));
    }
    // The export is recorded and downloadable.
    let export = run["exportId"].as_str().unwrap();
    let e = app.get_json(&format!("/api/v1/exports/{export}")).await;
    assert_eq!(e["format"], "pdf");
    assert_eq!(e["rows"], 50, "the schedule's row limit");
    let file = app.get(&format!("/api/v1/exports/{export}/download")).await;
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.bytes().await.unwrap().len() as u64,
        e["size"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn a_mail_server_that_is_down_gets_the_message_once_after_it_comes_up() {
    // Find a free port, and start nothing there yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(|c| {
        c.smtp.port = port;
        c.delivery.retry_initial_secs = 1;
        c.delivery.retry_max_interval_secs = 2;
    })
    .await;
    let id = app.schedule_id().await;
    let run = app
        .run_schedule(&id, |e| e["deliveries"][0]["lastError"].is_string())
        .await;
    assert_eq!(run["status"], "delivering", "{run}");
    let d = &run["deliveries"][0];
    assert_eq!(d["status"], "pending");
    assert!(
        d["lastError"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{port}")),
        "{d}"
    );
    assert!(d["nextAttemptAt"].is_string());
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("quire_deliveries{status=\"pending\"} 1"),
        "{metrics}"
    );

    // The server comes up; the retry delivers, exactly once.
    let smtp = SmtpServer::start_on(port);
    let mail = smtp.wait_for(1, Duration::from_secs(60)).await;
    assert_eq!(mail[0].to, ["owner@example.com"]);
    let run_id = run["id"].as_str().unwrap();
    let done = app.wait_execution(&id, run_id, settled).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["delivered"], 1);
    assert!(done["deliveries"][0]["attempts"].as_u64().unwrap() >= 2);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(smtp.received().len(), 1, "delivered exactly once");
    let list = app.get_json("/api/v1/schedules").await;
    assert_eq!(list[0]["lastRunStatus"], "succeeded");
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_is_given_up_with_its_error_visible() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(|c| {
        c.smtp.port = port;
        c.delivery.retry_initial_secs = 1;
        c.delivery.give_up_after_hours = 0;
    })
    .await;
    let id = app.schedule_id().await;
    let run = app.run_schedule(&id, settled).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["deliveries"][0]["status"], "failed");
    let error = run["error"].as_str().unwrap();
    assert!(
        error.contains("owner@example.com") && error.contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("quire_deliveries{status=\"failed\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn slack_teams_and_webhooks_get_the_summary_and_a_signed_link_that_downloads_the_file() {
    let hooks = Receiver::start();
    let app = spawn_app_with(|c| {
        c.delivery.retry_initial_secs = 1;
    })
    .await;
    let base = &hooks.base;
    let mut body = schedule(json!([
        { "type": "webhook", "address": format!("{base}/ok") },
        { "type": "slack", "address": format!("{base}/slack") },
        { "type": "teams", "address": format!("{base}/teams") },
        { "type": "webhook", "address": format!("{base}/flaky") },
        { "type": "webhook", "address": format!("{base}/gone") },
    ]));
    body["exportFormat"] = json!("csv");
    let id = app.create_schedule(body).await;
    let run = app.run_schedule(&id, settled).await;

    // The history shows a webhook's host only (its path is its secret); deliveries are listed
    // in the order of the recipients.
    let order = ["/ok", "/slack", "/teams", "/flaky", "/gone"];
    let deliveries = run["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), order.len());
    for d in deliveries {
        assert_eq!(d["address"], "http://127.0.0.1/…", "{d}");
    }
    // 404 is final; 500 is retried and then delivered.
    let by = |addr: &str| deliveries[order.iter().position(|o| *o == addr).unwrap()].clone();
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(run["delivered"], 4);
    assert_eq!(by("/gone")["status"], "failed");
    assert!(by("/gone")["lastError"].as_str().unwrap().contains("404"));
    assert_eq!(by("/flaky")["status"], "delivered");
    assert_eq!(by("/flaky")["attempts"], 2);
    assert_eq!(hooks.received("/gone").len(), 1, "a 404 is not retried");
    let flaky = hooks.received("/flaky");
    assert_eq!(flaky.len(), 2);
    assert_eq!(
        flaky[0].idempotency_key, flaky[1].idempotency_key,
        "a retry is the same delivery"
    );

    let hook = &hooks.wait_for("/ok", 1, Duration::from_secs(10)).await[0].body;
    assert_eq!(hook["event"], "report.delivered");
    assert_eq!(hook["report"]["name"], "Sales overview");
    assert_eq!(hook["kpis"].as_array().unwrap().len(), 4);
    assert_eq!(hook["export"]["format"], "csv");
    let url = hook["export"]["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/exports/", app.address)),
        "links name the address bound when [server] base_url is unset: {url}"
    );
    let slack = &hooks.received("/slack")[0].body;
    assert!(slack["text"].as_str().unwrap().contains("Sales overview"));
    assert!(slack["text"].as_str().unwrap().contains("/exports/"));
    // Times in the schedule's own zone, named; not raw UTC.
    let text = slack["text"].as_str().unwrap();
    assert!(text.contains(" (Europe/London), schedule “"), "{text}");
    let until = &text[text.find("(link valid until ").expect(text)..];
    assert!(
        until.ends_with(" GMT)") || until.ends_with(" BST)"),
        "{until}"
    );
    assert!(!until.contains('T') || !until.contains('Z'), "{until}");
    assert_eq!(hook["timeZone"], "Europe/London");
    let teams = &hooks.received("/teams")[0].body;
    assert_eq!(
        teams["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert!(
        teams["attachments"][0]["content"]["body"]
            .to_string()
            .contains("(Europe/London), schedule"),
        "{teams}"
    );
    assert!(teams["attachments"][0]["content"]["actions"][0]["url"]
        .as_str()
        .unwrap()
        .contains("sig="));

    // The link works on this server; a tampered or expired one does not.
    let path = &url[app.address.len()..];
    let file = app.get(path).await;
    assert_eq!(file.status(), 200);
    let csv = file.text().await.unwrap();
    assert!(
        csv.starts_with("order_id,order_date"),
        "{}",
        &csv[..80.min(csv.len())]
    );
    assert_eq!(csv.lines().count(), 51, "header + the 50-row limit");
    let last = path.chars().last().unwrap();
    let tampered = format!(
        "{}{}",
        &path[..path.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    assert_eq!(app.get(&tampered).await.status(), 403);
    let longer = path.replace("expires=", "expires=9");
    assert_eq!(
        app.get(&longer).await.status(),
        403,
        "extending the expiry breaks the signature"
    );
    assert_eq!(
        app.get(&path.replace("&sig=", "&nosig=")).await.status(),
        400
    );

    let export = hook["export"]["id"].as_str().unwrap();
    let signer = quire::deliver::link::Signer::new(&app.ctx.store.secrets.links);
    let past = chrono::Utc::now().timestamp() - 60;
    let expired = signer.url("", export, past);
    let r = app.get(&expired).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn schedules_are_created_changed_paused_and_deleted_through_the_api() {
    let app = spawn_app().await;
    let id = app
        .create_schedule(schedule(
            json!([{ "type": "email", "address": "ann@example.com" }]),
        ))
        .await;
    let s = app.get_json(&format!("/api/v1/schedules/{id}")).await;
    assert_eq!(s["schedule"], "0 7 * * *");
    let next = chrono::DateTime::parse_from_rfc3339(s["nextRunAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        next.with_timezone(&chrono_tz::Europe::London)
            .format("%H:%M")
            .to_string(),
        "07:00"
    );

    let mut changed = schedule(json!([]));
    changed["schedule"] = json!("30 18 * * 5");
    let r = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/schedules/{id}"),
            &changed,
        )
        .await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(s["nextRunAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        next.with_timezone(&chrono_tz::Europe::London)
            .format("%a %H:%M")
            .to_string(),
        "Fri 18:30"
    );

    let r = app
        .client
        .patch(format!("{}/api/v1/schedules/{id}/toggle", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["enabled"], false);
    let r = app
        .client
        .patch(format!("{}/api/v1/schedules/{id}/toggle", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["enabled"], true);

    let r = app
        .client
        .delete(format!("{}/api/v1/schedules/{id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.get(&format!("/api/v1/schedules/{id}")).await.status(),
        404
    );
    let r = app
        .client
        .delete(format!("{}/api/v1/schedules/{id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_schedule_created_through_the_api_fires_without_a_restart() {
    let app = spawn_app().await;
    let mut body = schedule(json!([{ "type": "email", "address": "ann@example.com" }]));
    body["schedule"] = json!("*/2 * * * * *"); // every two seconds
    body["exportFormat"] = json!("csv");
    let id = app.create_schedule(body).await;
    let mail = app.smtp.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mail[0].to, ["ann@example.com"]);
    let runs = app
        .get_json(&format!("/api/v1/schedules/{id}/executions"))
        .await;
    let first = runs.as_array().unwrap().last().unwrap();
    assert_eq!(first["trigger"], "cron");
    assert!(first["scheduledFor"].as_str().unwrap().len() == 20);
    // Pause it: no more runs after the ones in flight.
    app.client
        .patch(format!("{}/api/v1/schedules/{id}/toggle", app.address))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = app
        .get_json(&format!("/api/v1/schedules/{id}/executions"))
        .await
        .as_array()
        .unwrap()
        .len();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = app
        .get_json(&format!("/api/v1/schedules/{id}/executions"))
        .await
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a paused schedule does not run");
}

#[tokio::test]
async fn bad_schedules_are_422_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let count = || async {
        app.get_json("/api/v1/schedules")
            .await
            .as_array()
            .unwrap()
            .len()
    };
    let before = count().await;
    let with = |key: &str, value: Value| {
        let mut b = schedule(json!([{ "type": "email", "address": "ann@example.com" }]));
        b[key] = value;
        b
    };
    let cases = [
        (with("schedule", json!("61 * * * *")), 422, "minute"),
        (with("schedule", json!("* * *")), 422, "schedule"),
        (with("schedule", json!("@fortnightly")), 422, "@fortnightly"),
        (with("timezone", json!("Mars/Olympus")), 422, "Mars/Olympus"),
        (with("reportId", json!("No such report")), 422, "reportId"),
        (
            with("parameters", json!({ "days": "many" })),
            422,
            "parameters.days",
        ),
        (
            with("parameters", json!({ "colour": "red" })),
            422,
            "parameters.colour",
        ),
        (
            with(
                "recipients",
                json!([{ "type": "email", "address": "not an address" }]),
            ),
            422,
            "recipients[0].address",
        ),
        (
            with(
                "recipients",
                json!([{ "type": "slack", "address": "ftp://x" }]),
            ),
            422,
            "recipients[0].address",
        ),
        (
            with("recipients", json!([{ "type": "pigeon", "address": "x" }])),
            422,
            "pigeon",
        ),
        (with("exportFormat", json!("docx")), 422, "docx"),
        (with("name", json!("")), 422, "name"),
        (with("name", json!("x".repeat(10_000))), 422, "name"),
        (with("rowLimit", json!(-5)), 422, "rowLimit"),
        (with("rowLimit", json!(0)), 422, "rowLimit"),
        (with("surprise", json!(1)), 422, "surprise"),
    ];
    for (body, status, mentions) in cases {
        let r = app
            .send_json(reqwest::Method::POST, "/api/v1/schedules", &body)
            .await;
        assert_eq!(r.status(), status, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert!(
            p["detail"].as_str().unwrap().contains(mentions),
            "{mentions}: {p}"
        );
    }
    let r = app
        .client
        .post(format!("{}/api/v1/schedules", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/schedules/nope",
            &schedule(json!([])),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(count().await, before, "nothing stored");
    for path in [
        "/api/v1/cron/preview?expr=61%20*%20*%20*%20*",
        "/api/v1/cron/preview?expr=*%20*%20*",
        "/api/v1/cron/preview?expr=%40fortnightly",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 422, "{path}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "expr");
    }
}
