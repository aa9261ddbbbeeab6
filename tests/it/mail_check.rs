//! Mail that cannot go out is said before a schedule fails: /schedules warns while `[smtp]` is
//! not set and schedules email, and its "Send test email" shows the server's answer or the
//! exact error, as `quire smtp test` does.

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

async fn test_email(app: &TestApp, to: &str, htmx: bool) -> (u16, String) {
    let mut r = app
        .client
        .post(format!("{}/schedules/test-email", app.address))
        .form(&[("to", to)]);
    if htmx {
        r = r.header("HX-Request", "true");
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn schedules_warns_while_smtp_is_not_set_and_a_test_email_says_the_exact_error() {
    let app = spawn_app_with(|c| {
        c.smtp.host = "localhost".into();
        c.smtp.port = 25;
        c.smtp.timeout_secs = 5;
    })
    .await;
    let html = app.get("/schedules").await.text().await.unwrap();
    assert!(html.contains("id=\"mail-warning\""), "{html}");
    assert!(
        html.contains("1 schedule sends email, but [smtp] is not set (localhost:25)"),
        "{html}"
    );
    assert!(html.contains("<details class=\"test-email\" id=\"test-email\" open>"));
    let (status, said) = test_email(&app, "ops@example.com", true).await;
    assert_eq!(status, 200, "{said}");
    assert!(said.contains("not sent: SMTP localhost:25:"), "{said}");
    assert!(said.contains("error-box"), "in red: {said}");
    assert!(
        !said.contains("<html"),
        "htmx gets the result alone: {said}"
    );
}

#[tokio::test]
async fn a_test_email_from_schedules_arrives_and_the_page_shows_the_servers_answer() {
    let app = spawn_app().await;
    let html = app.get("/schedules").await.text().await.unwrap();
    assert!(!html.contains("mail-warning"), "[smtp] is set: {html}");
    assert!(html.contains("Send test email"), "{html}");

    let (status, said) = test_email(&app, "ops@example.com", true).await;
    assert_eq!(status, 200, "{said}");
    assert!(
        said.contains("sent to ops@example.com through 127.0.0.1:"),
        "{said}"
    );
    assert!(said.contains("the server answered: 250"), "{said}");
    let got = app.smtp.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["ops@example.com".to_string()]);
    assert!(String::from_utf8_lossy(&got[0].data).contains("test email"));

    // Without a script: the page again, with the answer on it.
    let (status, page) = test_email(&app, "ops@example.com", false).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Schedules</h1>") && page.contains("the server answered: 250"));

    // A bad address is refused before anything is sent, in plain words.
    let (status, said) = test_email(&app, "not-an-address", true).await;
    assert_eq!(status, 422, "{said}");
    assert!(
        said.contains("`not-an-address` is not an email address"),
        "{said}"
    );
    assert_eq!(app.smtp.received().len(), 2);
}
