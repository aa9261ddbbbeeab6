//! Alerts end to end with a real SMTP server: a store's stock watched per member fires once,
//! says nothing more while it keeps firing, resolves when rows appended bring it back, stays
//! quiet inside its cooldown when it drops again and fires once the cooldown is off; a cron
//! evaluates on its own; bad definitions are refused naming the field.

use crate::helpers::{spawn_app, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

async fn upload(app: &TestApp, csv: &str, mode: &str) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("stock.csv"),
        )
        .text("name", "stock")
        .text("mode", mode.to_string());
    let r = app
        .client
        .post(format!("{}/api/v1/datasets", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

async fn evaluate(app: &TestApp, id: &str) -> Value {
    let r = app.post(&format!("/api/v1/alerts/{id}/evaluate")).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The messages the SMTP server has, as (subject, text) once `n` arrived.
async fn mails(app: &TestApp, n: usize) -> Vec<(String, String)> {
    app.smtp
        .wait_for(n, Duration::from_secs(60))
        .await
        .iter()
        .map(|m| {
            let msg = mail_parser::MessageParser::default()
                .parse(&m.data)
                .unwrap();
            (
                msg.subject().unwrap_or_default().to_string(),
                msg.body_text(0).unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_alert_fires_once_resolves_keeps_its_cooldown_and_fires_again() {
    let app = spawn_app().await;
    upload(
        &app,
        "store,day,units\nNorth,2025-01-01,40\nSouth,2025-01-01,4\nEast,2025-01-01,25\n",
        "replace",
    )
    .await;
    let report = crate::insights::report(
        &app,
        &json!({
            "name": "Stock by store",
            "builder": { "dataset": "stock", "dimensions": ["store"],
                "measures": [{ "field": "units", "agg": "sum", "as": "units" }] },
            "visualizations": [{ "id": "t", "type": "table" }]
        }),
    )
    .await;
    let def = json!({
        "name": "Low stock", "reportId": report, "column": "units", "perMember": "store",
        "schedule": "0 6 * * *", "timezone": "Europe/Paris",
        "condition": { "type": "below", "value": 10 },
        "cooldownMinutes": 60,
        "recipients": [{ "type": "email", "address": "stock@example.com" }]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/alerts", &def)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let alert: Value = r.json().await.unwrap();
    let id = alert["id"].as_str().unwrap().to_string();
    assert!(
        alert["nextRunAt"].as_str().unwrap().ends_with(":00:00Z"),
        "{alert}"
    );

    // South is low: it fires, the others are fine; one message names it.
    let v = evaluate(&app, &id).await;
    assert_eq!(v["state"], "firing", "{v}");
    let members: Vec<(String, String)> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["member"].as_str().unwrap().into(),
                m["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("East".into(), "ok".into()),
            ("North".into(), "ok".into()),
            ("South".into(), "firing".into())
        ]
    );
    assert_eq!(v["notified"], true);
    let m = mails(&app, 1).await;
    assert_eq!(m[0].0, "Alert firing: Low stock");
    assert!(
        m[0].1.contains("South: firing — 4 is below 10"),
        "{}",
        m[0].1
    );
    assert!(
        m[0].1.contains(&format!("/reports/{report}")),
        "a link to the report"
    );
    // With a small chart of each store's units, inline in the HTML part.
    let raw = &app.smtp.received()[0].data;
    let msg = mail_parser::MessageParser::default().parse(raw).unwrap();
    let png = msg
        .parts
        .iter()
        .find(|p| mail_parser::MimeHeaders::is_content_type(*p, "image", "png"))
        .expect("an inline PNG chart");
    assert!(png.contents().starts_with(b"\x89PNG"));
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/alert-chart.png"), png.contents()).unwrap();
    }
    assert!(msg.body_html(0).unwrap().contains("cid:alert-chart"));

    // Still low: nothing new (no reminder asked for).
    let v = evaluate(&app, &id).await;
    assert_eq!(
        (v["state"].as_str(), v["notified"].as_bool()),
        (Some("firing"), Some(false))
    );

    // Stock arrives for South: resolved, said once.
    upload(&app, "store,day,units\nSouth,2025-01-02,30\n", "append").await;
    let v = evaluate(&app, &id).await;
    assert_eq!(v["state"], "ok", "{v}");
    let m = mails(&app, 2).await;
    assert_eq!(m[1].0, "Alert resolved: Low stock");
    assert!(m[1].1.contains("South: resolved"), "{}", m[1].1);

    // South drops again within the hour: the cooldown holds the message back.
    upload(&app, "store,day,units\nSouth,2025-01-03,-30\n", "append").await;
    let v = evaluate(&app, &id).await;
    assert_eq!(
        (v["state"].as_str(), v["notified"].as_bool()),
        (Some("firing"), Some(false))
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.smtp.count(), 2, "nothing inside the cooldown");

    // Without a cooldown the firing held back is told at the next evaluation.
    let mut again = def.clone();
    again["cooldownMinutes"] = json!(0);
    let r = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/alerts/{id}"),
            &again,
        )
        .await;
    assert_eq!(r.status(), 200);
    let v = evaluate(&app, &id).await;
    assert_eq!(v["notified"], true, "{v}");
    let m = mails(&app, 3).await;
    assert_eq!(m[2].0, "Alert firing: Low stock");

    // The history: every evaluation, newest first, with its deliveries.
    let h = app.get_json(&format!("/api/v1/alerts/{id}/history")).await;
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 5);
    let notified: Vec<bool> = h
        .iter()
        .map(|e| !e["deliveries"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(notified, [true, false, true, false, true]);
    assert_eq!(
        h[4]["deliveries"][0]["status"], "delivered",
        "the first message went out"
    );
    let got = app.get_json(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(got["state"], "firing");
    assert_eq!(got["states"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_cron_evaluates_on_its_own_and_bad_alerts_are_refused() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let base = json!({
        "name": "Revenue watch", "reportId": report, "query": "kpis", "column": "revenue",
        "schedule": "* * * * *", "condition": { "type": "above", "value": 1 },
        "recipients": [{ "type": "email", "address": "boss@example.com" }]
    });
    for (change, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "reportId": "nope" }), "reportId"),
        (json!({ "query": "nope" }), "query"),
        (json!({ "schedule": "every day" }), "schedule"),
        (json!({ "timezone": "Mars/Base" }), "timezone"),
        (
            json!({ "condition": { "type": "above" } }),
            "condition.value",
        ),
        (
            json!({ "condition": { "type": "no_data", "hours": 0 } }),
            "condition.hours",
        ),
        (
            json!({ "condition": { "type": "change_pct", "value": -5 } }),
            "condition.value",
        ),
        (
            json!({ "recipients": [{ "type": "email", "address": "not mail" }] }),
            "recipients[0].address",
        ),
        (
            json!({ "recipients": [{ "type": "webhook", "address": "http://169.254.169.254/x" }] }),
            "recipients[0].address",
        ),
    ] {
        let mut bad = base.clone();
        for (k, v) in change.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let r = app
            .send_json(reqwest::Method::POST, "/api/v1/alerts", &bad)
            .await;
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    assert!(app
        .get_json("/api/v1/alerts")
        .await
        .as_array()
        .unwrap()
        .is_empty());

    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/alerts", &base)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The next minute's evaluation, by the scheduler.
    let mut history = Value::Null;
    for _ in 0..90 {
        history = app.get_json(&format!("/api/v1/alerts/{id}/history")).await;
        if !history.as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let first = &history[0];
    assert_eq!(first["trigger"], "cron", "{history}");
    assert_eq!(first["state"], "firing", "{history}");
    assert!(first["dueAt"].as_str().unwrap().ends_with(":00Z"));
    let m = mails(&app, 1).await;
    assert_eq!(m[0].0, "Alert firing: Revenue watch");
    // A column the query does not have is an error state, said in the history, not a message.
    let mut wrong = base.clone();
    wrong["column"] = json!("nope");
    wrong["schedule"] = json!("0 6 * * *");
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/v1/alerts/{id}"),
        &wrong,
    )
    .await;
    let v = evaluate(&app, &id).await;
    assert_eq!(v["state"], "error");
    assert!(
        v["error"].as_str().unwrap().contains("no column `nope`"),
        "{v}"
    );
}

#[tokio::test]
async fn the_alerts_pages_create_test_and_pause_an_alert() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let page = app
        .get(&format!("/alerts?report={report}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("<option value=\"{report}\" selected>")),
        "the report chosen"
    );
    let form = |name: &str, value: &str| {
        vec![
            ("name", name.to_string()),
            ("report", report.clone()),
            ("query", "kpis".into()),
            ("column", "revenue".into()),
            ("condition", "above".into()),
            ("value", value.into()),
            ("schedule", "0 * * * *".into()),
            ("timezone", "UTC".into()),
            ("cooldown", "60".into()),
            ("emails", "boss@example.com".into()),
        ]
    };
    // A value that is no number: the form again, saying so, nothing saved.
    let r = app
        .client
        .post(format!("{}/alerts", app.address))
        .form(&form("Bad", "lots"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("condition.value: a number"));
    let r = app
        .client
        .post(format!("{}/alerts", app.address))
        .form(&form("Big revenue", "1"))
        .send()
        .await
        .unwrap();
    // Saved: its page (redirects are followed).
    assert_eq!(r.status(), 200);
    let at = r.url().path().to_string();
    assert!(at.starts_with("/alerts/"), "{at}");
    let id = at.trim_start_matches("/alerts/").to_string();
    let r = app
        .client
        .post(format!("{}/alerts/{id}/evaluate", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), r.url().path()), (200, at.as_str()));
    let detail = app.get(&at).await.text().await.unwrap();
    assert!(detail.contains("id=\"alert-state\">firing<"), "{detail}");
    assert!(detail.contains("firing — "), "the message in the history");
    let m = mails(&app, 1).await;
    assert_eq!(m[0].0, "Alert firing: Big revenue");
    let r = app
        .client
        .post(format!("{}/alerts/{id}/toggle", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), r.url().path()), (200, "/alerts"));
    let list = app.get("/alerts").await.text().await.unwrap();
    assert!(
        list.contains("class=\"paused\"") && list.contains(">Resume<"),
        "paused"
    );
    let got = app.get_json(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(
        (got["enabled"].as_bool(), got["nextRunAt"].is_null()),
        (Some(false), true)
    );
    if crate::browser::browser_tests_enabled() {
        let args = vec![app.address.clone(), at.clone()];
        let v = tokio::task::spawn_blocking(move || crate::browser::node("alerts.mjs", &args))
            .await
            .unwrap();
        assert_eq!(v["errors"], json!([]), "{v}");
        assert_eq!(v["badge"], "firing", "{v}");
        assert_eq!(v["formShown"], true, "{v}");
        assert_eq!(v["history"], 1, "{v}");
        for (k, wide) in v["widths"].as_object().unwrap() {
            assert_eq!(wide, &json!(false), "{k} scrolls sideways: {v}");
        }
    }
}

#[tokio::test]
async fn an_alert_on_a_dashboard_widget_links_each_member_to_the_dashboard_filtered_to_it() {
    let app = spawn_app().await;
    upload(
        &app,
        "store,day,units\nNorth,2025-01-01,40\nSouth,2025-01-01,4\n",
        "replace",
    )
    .await;
    let report = crate::insights::report(
        &app,
        &json!({
            "name": "Stock",
            "builder": { "dataset": "stock", "dimensions": ["store"],
                "measures": [{ "field": "units", "agg": "sum", "as": "units" }] },
            "visualizations": [{ "id": "t", "type": "table" }]
        }),
    )
    .await;
    let d = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/dashboards",
            &json!({ "name": "Stores", "widgets": [
                { "id": "stock", "x": 0, "y": 0, "w": 12, "h": 5, "reportId": report, "visualizationId": "t" }],
                "filters": [{ "id": "shop", "label": "Store", "type": "select",
                              "targets": [{ "widgetId": "stock", "field": "store" }] }] }),
        )
        .await;
    assert_eq!(d.status(), 201, "{}", d.text().await.unwrap());
    let dashboard = d.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let def = json!({
        "name": "Shop stock", "dashboardId": dashboard, "widgetId": "stock", "column": "units",
        "perMember": "store", "schedule": "0 6 * * *", "condition": { "type": "below", "value": 10 },
        "recipients": [{ "type": "email", "address": "shops@example.com" }]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/alerts", &def)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let alert: Value = r.json().await.unwrap();
    assert_eq!(alert["reportId"], report.as_str(), "the widget's report");
    let v = evaluate(&app, alert["id"].as_str().unwrap()).await;
    assert_eq!(v["state"], "firing", "{v}");
    let m = mails(&app, 1).await;
    let line = "South: firing — 4 is below 10 (http";
    assert!(m[0].1.contains(line), "{}", m[0].1);
    assert!(
        m[0].1
            .contains(&format!("/dashboards/{dashboard}?f.shop=South)")),
        "{}",
        m[0].1
    );
    // The widget's menu offers it to editors, the form keeps the widget, a viewer sees no link.
    let partial = app
        .get(&format!("/dashboards/{dashboard}/widgets/stock"))
        .await
        .text()
        .await
        .unwrap();
    let href = format!("/alerts?dashboard={dashboard}&#38;widget=stock\" class=\"create-alert\"");
    assert!(partial.contains(&href), "{partial}");
    let form = app
        .get(&format!("/alerts?dashboard={dashboard}&widget=stock"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("id=\"watched-widget\">Stores — stock<"),
        "{form}"
    );
    let r = app
        .client
        .post(format!("{}/alerts", app.address))
        .form(&[
            ("name", "Shop stock from the menu"),
            ("dashboard", dashboard.as_str()),
            ("widget", "stock"),
            ("column", "units"),
            ("per_member", "store"),
            ("condition", "below"),
            ("value", "10"),
            ("schedule", "0 6 * * *"),
            ("timezone", "UTC"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let made = r.url().path().trim_start_matches("/alerts/").to_string();
    let got = app.get_json(&format!("/api/v1/alerts/{made}")).await;
    assert_eq!(
        (got["dashboardId"].as_str(), got["widgetId"].as_str()),
        (Some(dashboard.as_str()), Some("stock"))
    );
    let (_, viewer) = crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let seen = crate::helpers::client_with(Some(&viewer))
        .get(format!(
            "{}/dashboards/{dashboard}/widgets/stock",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        seen.contains("Open the report") && !seen.contains("Create alert"),
        "{seen}"
    );

    // A widget the dashboard does not have is refused naming it.
    let mut bad = def.clone();
    bad["name"] = json!("Nope");
    bad["widgetId"] = json!("nope");
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/alerts", &bad)
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["field"],
        "widgetId"
    );
}

#[tokio::test]
async fn an_alert_is_edited_on_its_page_keeping_what_the_form_does_not_show() {
    let app = spawn_app().await;
    let rid = app.report_id().await;
    let def = json!({
        "name": "Revenue watch", "reportId": rid, "query": "kpis", "column": "revenue",
        "schedule": "0 6 * * *", "timezone": "UTC", "renotifyHours": 12,
        "condition": { "type": "below", "value": 10 },
        "recipients": [{ "type": "email", "address": "a@example.com" },
                       { "type": "webhook", "address": "https://hooks.example.com/secret/token" }]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/alerts", &def)
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = app
        .get(&format!("/alerts/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"Revenue watch\"")
            && page.contains("<option value=\"below\" selected>"),
        "{page}"
    );
    assert!(page.contains("1 Slack, Teams or webhook recipient(s) are kept"));

    let form = [
        ("name", "Revenue watch"),
        ("query", "kpis"),
        ("column", "revenue"),
        ("per_member", ""),
        ("condition", "above"),
        ("value", "5"),
        ("schedule", "30 7 * * 1"),
        ("timezone", "Europe/Paris"),
        ("cooldown", "90"),
        ("emails", "b@example.com"),
    ];
    let r = app
        .client
        .post(format!("{}/alerts/{id}/edit", app.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "followed to the alert's page");
    let got = app.get_json(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(
        got["condition"],
        json!({ "type": "above", "value": 5.0 }),
        "{got}"
    );
    assert_eq!(
        (got["schedule"].as_str(), got["timezone"].as_str()),
        (Some("30 7 * * 1"), Some("Europe/Paris"))
    );
    assert_eq!(got["renotifyHours"], 12, "kept");
    let kinds: Vec<&str> = got["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["email", "webhook"], "{got}");
    assert_eq!(got["recipients"][0]["address"], "b@example.com");

    // Refused: the page again with the reason and the form as sent; nothing changed.
    let mut bad = form;
    bad[6] = ("schedule", "61 * * * *");
    let r = app
        .client
        .post(format!("{}/alerts/{id}/edit", app.address))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("id=\"alert-error\"") && page.contains("value=\"61 * * * *\""),
        "{page}"
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/alerts/{id}")).await["schedule"],
        "30 7 * * 1"
    );
    let r = app
        .client
        .post(format!("{}/alerts/nope/edit", app.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
