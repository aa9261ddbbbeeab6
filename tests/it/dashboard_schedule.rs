//! Schedules that send a dashboard: saved through the API with filter values that may be date
//! expressions, refused naming the field when they do not fit, and run through the outbox to
//! the loopback SMTP server: the PDF attached has the dashboard's widget titles.

use crate::helpers::{assert_valid_pdf, pdf_pages, spawn_app};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn a_schedule_of_a_dashboard_emails_its_pdf_with_every_widget_title() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let board = json!({ "name": "Monthly board", "widgets": [
        { "id": "rev", "x": 0, "y": 0, "w": 4, "h": 2, "reportId": report, "visualizationId": "revenue", "title": "Revenue last month" },
        { "id": "trend", "x": 0, "y": 2, "w": 12, "h": 5, "reportId": report, "visualizationId": "daily_revenue", "title": "Daily takings" },
        { "id": "regions", "x": 4, "y": 0, "w": 8, "h": 2, "reportId": report, "visualizationId": "region_share", "title": "Share by region" }],
      "filters": [{ "id": "period", "label": "Period", "type": "date_range",
                    "targets": [{ "widgetId": "rev", "parameter": "days" }, { "widgetId": "trend", "parameter": "days" }] }] });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let dashboard: Value = r.json().await.unwrap();
    let schedule = |params: Value, extra: Value| {
        let mut s = json!({ "name": "Board by mail", "dashboardId": dashboard["id"],
            "schedule": "0 8 1 * *", "timezone": "Europe/Paris", "exportFormat": "pdf",
            "parameters": params,
            "recipients": [{ "type": "email", "address": "board@example.com" }] });
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    let post = |body: Value| {
        app.client
            .post(format!("{}/api/v1/schedules", app.address))
            .json(&body)
            .send()
    };
    // Refusals name the field.
    for (body, field) in [
        (
            schedule(json!({ "nope": "x" }), json!({})),
            "parameters.nope",
        ),
        (
            schedule(
                json!({ "period": "{{ start_of_moon }}..{{ today }}" }),
                json!({}),
            ),
            "parameters.period",
        ),
        (
            schedule(
                json!({ "period": "last_month" }),
                json!({ "exportFormat": "csv" }),
            ),
            "exportFormat",
        ),
        (
            schedule(json!({}), json!({ "dashboardId": "no-such-board" })),
            "dashboardId",
        ),
        (
            schedule(json!({}), json!({ "reportId": report })),
            "dashboardId",
        ),
    ] {
        let r = post(body.clone()).await.unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    // Last month, as date expressions.
    let r = post(schedule(
        json!({ "period": "{{ start_of_month - 1m }}..{{ start_of_month - 1d }}" }),
        json!({}),
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["dashboardId"], dashboard["id"], "{s}");
    assert_eq!(s["reportId"], "", "{s}");
    let id = s["id"].as_str().unwrap();
    let back = app.get_json(&format!("/api/v1/schedules/{id}")).await;
    assert_eq!(back["dashboardId"], dashboard["id"]);

    let r = app.post(&format!("/api/v1/schedules/{id}/run")).await;
    assert_eq!(r.status(), 202);
    let mail = app.smtp.wait_for(1, Duration::from_secs(120)).await;
    let ours: Vec<_> = mail
        .iter()
        .filter(|m| m.to == ["board@example.com"])
        .collect();
    assert_eq!(ours.len(), 1);
    let msg = MessageParser::default().parse(&ours[0].data).unwrap();
    let pdf = msg
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".pdf")))
        .expect("a PDF attached");
    assert_valid_pdf(pdf.contents());
    let text = pdf_pages(pdf.contents()).join("\n");
    for title in [
        "Monthly board",
        "Revenue last month",
        "Daily takings",
        "Share by region",
    ] {
        // KPI cards set their titles in capitals.
        assert!(
            text.to_uppercase().contains(&title.to_uppercase()),
            "{title} missing from:\n{text}"
        );
    }
    // The period is last month's, in words, as of the run in Paris.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let first = chrono::NaiveDate::from_ymd_opt(
        if chrono::Datelike::month(&today) == 1 {
            chrono::Datelike::year(&today) - 1
        } else {
            chrono::Datelike::year(&today)
        },
        (chrono::Datelike::month0(&today) + 11) % 12 + 1,
        1,
    )
    .unwrap();
    let words = first.format("%-d %b").to_string();
    assert!(text.contains(&words), "{words} missing from:\n{text}");
    // The run is recorded, and a dashboard's deletion takes its schedules with it.
    let mut delivered = false;
    for _ in 0..100 {
        let runs = app
            .get_json(&format!("/api/v1/schedules/{id}/executions"))
            .await;
        if runs[0]["delivered"] == 1 {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered);
    // On /exports it links to the dashboard as it was sent: last month's dates, and the schedule.
    let runs = app
        .get_json(&format!("/api/v1/schedules/{id}/executions"))
        .await;
    let export = runs[0]["exportId"].as_str().unwrap();
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap()
        .pred_opt()
        .unwrap();
    let page = app.get("/exports").await.text().await.unwrap();
    let row = &page[page.find(&format!("id=\"export-{export}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let link = format!(
        "href=\"/dashboards/{}?f.period={first}..{last}\"",
        dashboard["id"].as_str().unwrap()
    );
    assert!(row.contains(&link), "{link} in {row}");
    assert!(
        row.contains(&format!(
            "by schedule <a href=\"/schedules/{id}\">Board by mail</a>"
        )),
        "{row}"
    );
    let r = app
        .client
        .delete(format!(
            "{}/api/v1/dashboards/{}",
            app.address,
            dashboard["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.get(&format!("/api/v1/schedules/{id}")).await.status(),
        404
    );
}

#[tokio::test]
async fn the_schedule_form_offers_dashboards_and_saves_one_with_its_filter_values() {
    let app = spawn_app().await;
    let dashboard = app.dashboard_id().await;
    let form = app.get("/schedules/new").await.text().await.unwrap();
    let choice = format!("value=\"dashboard:{dashboard}\"");
    assert!(form.contains(&choice), "{form}");
    let d = app
        .get_json(&format!("/api/v1/dashboards/{dashboard}"))
        .await;
    let filter = d["filters"][0]["id"].as_str().map(str::to_string);
    let parameters = match &filter {
        Some(f) => format!("{f}={{{{ start_of_month - 1m }}}}..{{{{ start_of_month - 1d }}}}\r\n"),
        None => String::new(),
    };
    let client = crate::helpers::client_with(Some(&app.token));
    let fields = [
        ("name", "Board monthly".to_string()),
        ("report_id", format!("dashboard:{dashboard}")),
        ("frequency", "monthly".into()),
        ("weekday", "1".into()),
        ("day_of_month", "1".into()),
        ("time", "08:00".into()),
        ("cron", String::new()),
        ("timezone", "Europe/Paris".into()),
        ("parameters", parameters),
        ("recipients", "board@example.com\r\n".into()),
        ("export_format", "pdf".into()),
        ("row_limit", String::new()),
        ("enabled", "on".into()),
    ];
    let r = client
        .post(format!("{}/schedules", app.address))
        .form(&fields)
        .send()
        .await
        .unwrap();
    // Saved, and redirected to its page.
    assert_eq!(r.status(), 200);
    assert!(r.url().path().starts_with("/schedules/"));
    let list = app.get_json("/api/v1/schedules").await;
    let s = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Board monthly")
        .unwrap();
    assert_eq!(s["dashboardId"], dashboard.as_str(), "{s}");
    if let Some(f) = filter {
        assert_eq!(
            s["parameters"][f.as_str()],
            "{{ start_of_month - 1m }}..{{ start_of_month - 1d }}"
        );
    }
    // Its edit form has the dashboard chosen; the list names it.
    let id = s["id"].as_str().unwrap();
    let edit = app
        .get(&format!("/schedules/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains(&format!("{choice} selected")), "{edit}");
    let page = app.get("/schedules").await.text().await.unwrap();
    assert!(page.contains("Dashboard: "), "{page}");
}

#[tokio::test]
async fn a_dashboards_expired_or_failed_export_is_made_again_as_the_dashboard() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let board = json!({ "name": "Retried board", "widgets": [
        { "id": "rev", "x": 0, "y": 0, "w": 4, "h": 2, "reportId": report, "visualizationId": "revenue", "title": "Revenue again" },
        { "id": "trend", "x": 0, "y": 2, "w": 12, "h": 5, "reportId": report, "visualizationId": "daily_revenue", "title": "Takings again" }] });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let dashboard: Value = r.json().await.unwrap();
    let r = app
        .client
        .post(format!("{}/api/v1/schedules", app.address))
        .json(
            &json!({ "name": "Board to keep", "dashboardId": dashboard["id"],
            "schedule": "0 8 1 * *", "exportFormat": "pdf", "recipients": [] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let schedule = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = app
        .run_schedule(&schedule, |e| {
            e["status"] == "succeeded" || e["status"] == "failed"
        })
        .await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let export = run["exportId"].as_str().unwrap().to_string();

    let conn = rusqlite::Connection::open(app._data_dir.path().join("quire.db")).unwrap();
    let file = app._data_dir.path().join(format!("exports/{export}.pdf"));
    let titles = |pdf: &[u8]| {
        assert_valid_pdf(pdf);
        let text = pdf_pages(pdf).join("\n").to_uppercase();
        for title in ["Retried board", "Revenue again", "Takings again"] {
            assert!(
                text.contains(&title.to_uppercase()),
                "{title} missing from:\n{text}"
            );
        }
    };
    // Expired, retried through the API; then failed, retried through the page's form.
    for (status, page) in [("expired", false), ("failed", true)] {
        conn.execute(
            "UPDATE exports SET status = ?2 WHERE id = ?1",
            [&export, status],
        )
        .unwrap();
        std::fs::remove_file(&file).unwrap();
        let r = if page {
            app.client
                .post(format!("{}/exports/{export}/retry", app.address))
                .send()
                .await
                .unwrap()
        } else {
            app.post(&format!("/api/v1/exports/{export}/retry")).await
        };
        assert!(r.status().is_success(), "{status}: {}", r.status());
        let record = app.get_json(&format!("/api/v1/exports/{export}")).await;
        assert_eq!(record["status"], "completed", "{status}: {record}");
        assert_eq!(record["reportName"], "Retried board", "{record}");
        let pdf = app
            .get(&format!("/api/v1/exports/{export}/download"))
            .await
            .bytes()
            .await
            .unwrap();
        titles(&pdf);
    }
}
