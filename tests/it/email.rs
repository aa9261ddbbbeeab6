use crate::expected;
use crate::helpers::{assert_valid_pdf, pdf_pages, spawn_app};
use mail_parser::{MessageParser, MimeHeaders};
use std::time::Duration;

#[tokio::test]
async fn a_triggered_schedule_run_emails_the_pdf_report() {
    let app = spawn_app().await;
    let schedule = app.schedule_id().await;
    let r = app.post(&format!("/api/v1/schedules/{schedule}/run")).await;
    assert_eq!(r.status(), 202);
    let body: serde_json::Value = r.json().await.unwrap();
    let execution = body["executionId"].as_str().unwrap().to_string();

    let mail = app.smtp.wait_for(1, Duration::from_secs(120)).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, ["owner@example.com"]);
    let msg = MessageParser::default()
        .parse(&mail[0].data)
        .expect("valid MIME");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    assert_eq!(msg.subject().unwrap(), format!("Sales overview — {today}"));

    let k = expected::kpis(90);
    let text = msg.body_text(0).unwrap();
    assert!(
        text.contains(&k.revenue) && text.contains(&k.revenue_change),
        "{text}"
    );
    let html = msg.body_html(0).unwrap();
    assert!(html.contains(&k.orders));
    // When it ran, in the schedule's zone, named.
    for body in [text.to_string(), html.to_string()] {
        assert!(
            body.contains("(America/New_York), schedule “Weekly sales report”"),
            "{body}"
        );
        assert!(body.contains(" EST (") || body.contains(" EDT ("), "{body}");
    }

    // The chart is inline (cid:chart); the PDF is the one attachment with a file name.
    let attachment = msg
        .attachments()
        .find(|a| a.attachment_name().is_some())
        .expect("an attachment");
    assert_eq!(attachment.content_type().unwrap().ctype(), "application");
    assert_eq!(attachment.content_type().unwrap().subtype(), Some("pdf"));
    assert!(attachment.attachment_name().unwrap().ends_with(".pdf"));
    let pdf = attachment.contents();
    assert_valid_pdf(pdf);
    let all = pdf_pages(pdf).join("\n");
    assert!(all.contains(&k.revenue) && all.contains("Order ID"));
    // The schedule limits the table to 1000 rows.
    let available = crate::expected::group(k.window.len() as i64);
    assert!(
        all.contains(&format!("First 1,000 of {available} rows")),
        "row limit noted"
    );
    assert!(all.contains(&k.window[999].id.to_string()));
    assert!(!all.contains(&k.window[1000].id.to_string()));

    // The execution is recorded as delivered.
    let mut runs = serde_json::Value::Null;
    for _ in 0..100 {
        runs = app
            .get_json(&format!("/api/v1/schedules/{schedule}/executions"))
            .await;
        if runs[0]["status"] == "succeeded" || runs[0]["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(runs[0]["id"], execution.as_str());
    assert_eq!(runs[0]["status"], "succeeded", "{runs}");
    assert_eq!(runs[0]["delivered"], 1);
    assert!(runs[0]["finishedAt"].is_string());
}
