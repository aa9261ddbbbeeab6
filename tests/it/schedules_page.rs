//! The /schedules pages: the list and its row actions, the form and its live preview, the detail
//! page, and bad input refused with a message naming it.

use crate::helpers::{spawn_app, TestApp};
use serde_json::Value;

/// A client with the app's token that shows the 303s instead of following them.
fn no_redirects(app: &TestApp) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", app.token).parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap()
}

impl TestApp {
    async fn post_form(&self, path: &str, fields: &[(&str, String)]) -> reqwest::Response {
        no_redirects(self)
            .post(format!("{}{}", self.address, path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// A POST as htmx sends it from the list (`htmx`) or as a plain form.
    async fn post_action(&self, path: &str, htmx: bool) -> reqwest::Response {
        let mut r = no_redirects(self).post(format!("{}{}", self.address, path));
        if htmx {
            r = r.header("HX-Request", "true");
        }
        r.send().await.unwrap()
    }

    async fn text(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.unwrap()
    }

    /// A page as a browser in `zone` gets it (its `tz` cookie, set by the page script).
    async fn text_in(&self, path: &str, zone: &str) -> String {
        let r = self
            .client
            .get(format!("{}{}", self.address, path))
            .header("Cookie", format!("tz={zone}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.unwrap()
    }

    async fn schedules(&self) -> Vec<Value> {
        self.get_json("/api/v1/schedules")
            .await
            .as_array()
            .unwrap()
            .clone()
    }
}

/// The address of recipient `n` of schedule `id` as stored (the API shows a hook's host only).
fn stored_address(app: &TestApp, id: &str, n: usize) -> String {
    let conn = app.ctx.store.app.get().unwrap();
    let s = quire::store::schedule::get(&conn, id).unwrap().unwrap();
    s.recipients[n].address.clone()
}

/// The form for a weekly schedule of the demo report, Tuesdays 07:30 in Paris.
async fn weekly_form(app: &TestApp) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Tuesday digest".into()),
        ("report_id", app.report_id().await),
        ("frequency", "weekly".into()),
        ("weekday", "2".into()),
        ("day_of_month", "1".into()),
        ("time", "07:30".into()),
        ("cron", String::new()),
        ("timezone", "Europe/Paris".into()),
        ("param_name", "days".into()),
        ("param_value", "30".into()),
        ("recipient_type", "email".into()),
        ("recipient_address", "team@example.com".into()),
        ("recipient_type", "slack".into()),
        ("recipient_address", "https://hooks.example.com/x".into()),
        // The blank row the form ends with.
        ("recipient_type", "email".into()),
        ("recipient_address", String::new()),
        ("export_format", "xlsx".into()),
        ("row_limit", "500".into()),
        ("enabled", "on".into()),
    ]
}

fn with(
    mut form: Vec<(&'static str, String)>,
    key: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (k, v) in form.iter_mut() {
        if *k == key {
            *v = value.to_string();
        }
    }
    form
}

/// The form with the `n`th (from 0) of a repeated row field changed.
fn with_nth(
    mut form: Vec<(&'static str, String)>,
    key: &str,
    n: usize,
    value: &str,
) -> Vec<(&'static str, String)> {
    let (_, v) = form
        .iter_mut()
        .filter(|(k, _)| *k == key)
        .nth(n)
        .expect("the form has that row");
    *v = value.to_string();
    form
}

#[tokio::test]
async fn the_list_shows_the_demo_schedule_in_plain_english_with_its_next_run_in_the_viewers_zone() {
    let app = spawn_app().await;
    let s = app.schedules().await[0].clone();
    let id = s["id"].as_str().unwrap();
    // A browser in New York sees the Monday 09:00 New York run as 09:00 EST.
    let html = app.text_in("/schedules", "America/New_York").await;

    let described = app
        .get_json("/api/v1/cron/preview?expr=0%209%20*%20*%201&timezone=America/New_York")
        .await;
    let description = described["description"].as_str().unwrap();
    assert!(description.contains("Monday"), "{description}");
    assert!(html.contains("Weekly sales report"), "{html}");
    assert!(html.contains("Sales overview"), "{html}");
    assert!(html.contains(description), "{html}");

    let next = chrono::DateTime::parse_from_rfc3339(s["nextRunAt"].as_str().unwrap()).unwrap();
    let local = next
        .with_timezone(&chrono_tz::America::New_York)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string();
    assert!(
        local.starts_with("Mon ") && local.contains(" 09:00 E"),
        "{local}"
    );
    assert!(html.contains(&local), "{local} not in {html}");
    // One in Tokyo sees the same run in Tokyo time, named.
    let tokyo = next
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("%a %Y-%m-%d %H:%M JST")
        .to_string();
    let html = app.text_in("/schedules", "Asia/Tokyo").await;
    assert!(html.contains(&tokyo), "{tokyo} not in {html}");

    for action in [
        format!("hx-post=\"/schedules/{id}/run\""),
        format!("hx-post=\"/schedules/{id}/toggle\""),
        format!("hx-post=\"/schedules/{id}/delete\""),
        format!("href=\"/schedules/{id}/edit\""),
        format!("href=\"/schedules/{id}\""),
        "hx-confirm=".to_string(),
        "href=\"/schedules/new\"".to_string(),
    ] {
        assert!(html.contains(&action), "no {action} in {html}");
    }
}

#[tokio::test]
async fn creating_a_weekly_schedule_through_the_form_stores_its_cron_and_redirects_to_its_page() {
    let app = spawn_app().await;
    let form = weekly_form(&app).await;
    let r = app.post_form("/schedules", &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();

    let list = app.schedules().await;
    assert_eq!(list.len(), 2);
    let s = list.iter().find(|s| s["name"] == "Tuesday digest").unwrap();
    assert_eq!(
        location,
        format!("/schedules/{}", s["id"].as_str().unwrap())
    );
    assert_eq!(s["schedule"], "30 7 * * 2");
    assert_eq!(s["timezone"], "Europe/Paris");
    assert_eq!(s["parameters"]["days"], "30");
    assert_eq!(s["recipients"][0]["type"], "email");
    assert_eq!(s["recipients"][0]["address"], "team@example.com");
    assert_eq!(s["recipients"][1]["type"], "slack");
    // A hook's URL is its secret: the API shows its host, the database keeps it whole.
    assert_eq!(s["recipients"][1]["address"], "https://hooks.example.com/…");
    assert_eq!(
        stored_address(&app, s["id"].as_str().unwrap(), 1),
        "https://hooks.example.com/x"
    );
    assert_eq!(s["exportFormat"], "xlsx");
    assert_eq!(s["rowLimit"], 500);
    assert_eq!(s["enabled"], true);

    // Its next runs, seen from Paris: Tuesdays 07:30 in Paris time.
    let page = app.text_in(&location, "Europe/Paris").await;
    assert!(page.contains("Tuesday digest"), "{page}");
    assert!(page.contains("Tuesday"), "{page}");
    assert!(page.contains("No runs yet"), "{page}");
    assert_eq!(
        page.matches(" CET</li>").count() + page.matches(" CEST</li>").count(),
        5
    );

    // Editing it again shows the weekly preset with its day and time.
    let edit = app.text(&format!("{location}/edit")).await;
    assert!(edit.contains(r#"value="weekly" checked"#), "{edit}");
    assert!(
        edit.contains(r#"<option value="2" selected>Tuesday</option>"#),
        "{edit}"
    );
    assert!(edit.contains(r#"value="07:30""#), "{edit}");
    // Its recipients as rows, each with its type chosen, then a blank row.
    assert!(
        edit.contains(r#"<option value="slack" selected>Slack</option>"#),
        "{edit}"
    );
    assert!(
        edit.contains(r#"value="https://hooks.example.com/…""#),
        "{edit}"
    );
    assert_eq!(
        edit.matches("name=\"recipient_address\"").count(),
        3,
        "{edit}"
    );
    assert!(edit.contains(r#"<option value="days" selected>"#), "{edit}");
}

#[tokio::test]
async fn the_preview_describes_a_valid_expression_with_five_times_and_names_the_bad_field() {
    let app = spawn_app().await;
    let ok = app
        .text("/schedules/preview?frequency=custom&cron=0+9+*+*+1&timezone=America/New_York")
        .await;
    assert!(ok.contains("America/New_York"), "{ok}");
    assert!(ok.contains("Monday"), "{ok}");
    assert_eq!(ok.matches("<li>Mon ").count(), 5, "{ok}");

    let preset = app
        .text("/schedules/preview?frequency=monthly&day_of_month=15&time=06:45&timezone=Asia/Tokyo")
        .await;
    assert_eq!(preset.matches("06:45 JST</li>").count(), 5, "{preset}");
    assert!(preset.contains("-15 06:45"), "{preset}");

    for (query, mentions) in [
        ("frequency=custom&cron=61+*+*+*+*&timezone=UTC", "minute"),
        (
            "frequency=custom&cron=61+*+*+*+*&timezone=UTC",
            "minute 61 is out of range 0–59",
        ),
        (
            "frequency=daily&time=09:00&timezone=Mars/Olympus",
            "time zone",
        ),
        (
            "frequency=daily&time=09:00&timezone=Mars/Olympus",
            "Mars/Olympus",
        ),
        ("frequency=daily&time=25:00&timezone=UTC", "time"),
        ("frequency=fortnightly&time=09:00", "frequency"),
        ("frequency=custom&cron=", "cron"),
        ("frequency=daily&frequency=weekly", "could not be read"),
    ] {
        let r = app.get(&format!("/schedules/preview?{query}")).await;
        assert_eq!(r.status(), 200, "{query}");
        let html = r.text().await.unwrap();
        assert!(html.contains("preview-error"), "{query}: {html}");
        assert!(html.contains(mentions), "{query}: {mentions} not in {html}");
        assert!(!html.contains("<li>"), "{query}: {html}");
    }
}

#[tokio::test]
async fn bad_form_input_is_422_naming_the_problem_and_creates_nothing() {
    let app = spawn_app().await;
    let before = app.schedules().await;
    let form = weekly_form(&app).await;
    let long = "x".repeat(10_000);
    let custom = with(form.clone(), "frequency", "custom");
    for (bad, mentions) in [
        (
            with_nth(
                with_nth(form.clone(), "recipient_type", 1, "email"),
                "recipient_address",
                1,
                "foo",
            ),
            "recipients row 2: `foo` is not an email address",
        ),
        (
            with_nth(form.clone(), "recipient_address", 1, "not-a-url"),
            "recipients row 2",
        ),
        (
            with_nth(form.clone(), "recipient_type", 0, "fax"),
            "recipients row 1: type `fax` is not email, slack, teams, webhook or s3",
        ),
        (
            with(custom.clone(), "cron", "61 * * * *"),
            "cron: minute 61 is out of range 0–59",
        ),
        (with(custom.clone(), "cron", "* * *"), "expected 5 fields"),
        (
            with(form.clone(), "report_id", "no-such-report"),
            "report: no report with id or name `no-such-report`",
        ),
        (with(form.clone(), "name", "   "), "name: must not be empty"),
        (
            with(form.clone(), "name", &long),
            "name: is 10000 characters long",
        ),
        (
            with(form.clone(), "timezone", "Mars/Olympus"),
            "Mars/Olympus",
        ),
        (with(form.clone(), "time", "7h30"), "time: `7h30`"),
        (
            with(form.clone(), "param_value", "ninety"),
            "parameters row 1 (`days`)",
        ),
        (
            with(form.clone(), "param_name", ""),
            "parameters row 1: choose a parameter",
        ),
        (with(form.clone(), "param_name", "nope"), "nope"),
        (with(form.clone(), "row_limit", "0"), "row limit"),
        (
            with(form.clone(), "export_format", "docx"),
            "format: `docx`",
        ),
    ] {
        let r = app.post_form("/schedules", &bad).await;
        assert_eq!(r.status(), 422, "{mentions}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&escape(mentions)), "{mentions} not in {html}");
        assert!(
            html.contains(r#"aria-invalid="true""#),
            "{mentions}: no field marked"
        );
        // The user's input is kept.
        assert!(
            html.contains(r#"value="07:30""#) || mentions.starts_with("time"),
            "{html}"
        );
        assert!(
            html.contains("team@example.com") || mentions.contains("recipients"),
            "{html}"
        );
    }
    let r = app
        .post_form(
            "/schedules",
            &with(form.clone(), "name", &"y".repeat(300_000)),
        )
        .await;
    assert_eq!(r.status(), 413);
    let r = app.post_form("/schedules/no-such-id", &form).await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.schedules().await, before, "nothing stored");
}

/// HTML escaping as askama writes it, for the messages checked above.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn pausing_resuming_and_deleting_through_the_page_routes_change_the_schedule() {
    let app = spawn_app().await;
    let id = app.schedule_id().await;
    let enabled = |list: Vec<Value>| list[0]["enabled"].as_bool().unwrap();

    // A plain form post: 303 back to the list.
    let r = app
        .post_action(&format!("/schedules/{id}/toggle"), false)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/schedules");
    assert!(!enabled(app.schedules().await));
    assert!(app.text("/schedules").await.contains("Resume"));

    // From htmx: the new row, in place.
    let r = app
        .post_action(&format!("/schedules/{id}/toggle"), true)
        .await;
    assert_eq!(r.status(), 200);
    let row = r.text().await.unwrap();
    assert!(
        row.trim_start()
            .starts_with(&format!("<tr id=\"schedule-{id}\"")),
        "{row}"
    );
    assert!(row.contains(">Pause</button>"), "{row}");
    assert!(enabled(app.schedules().await));

    // From the detail page: back there.
    let r = app
        .post_action(
            &format!("/schedules/{id}/toggle?next=/schedules/{id}"),
            false,
        )
        .await;
    assert_eq!(r.headers()["location"], format!("/schedules/{id}").as_str());
    // `next` never leaves the site.
    let r = app
        .post_action(
            &format!("/schedules/{id}/toggle?next=//evil.example/"),
            false,
        )
        .await;
    assert_eq!(r.headers()["location"], "/schedules");
    assert!(enabled(app.schedules().await));

    let r = app
        .post_action(&format!("/schedules/{id}/delete"), true)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap().trim(), "", "the row goes away");
    assert!(app.schedules().await.is_empty());
    assert_eq!(app.get(&format!("/schedules/{id}")).await.status(), 404);
}

#[tokio::test]
async fn unknown_schedules_are_404_on_every_page_route() {
    let app = spawn_app().await;
    for path in [
        "/schedules/nope",
        "/schedules/nope/edit",
        "/schedules/nope/history",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.text().await.unwrap().contains("nope"), "{path}");
    }
    let r = app.get("/schedules/nope/row").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("row-error"));
    for action in ["run", "toggle", "delete"] {
        let path = format!("/schedules/nope/{action}");
        let r = app.post_action(&path, false).await;
        assert_eq!(r.status(), 404, "{path}");
        let r = app.post_action(&path, true).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.text().await.unwrap().contains("row-error"), "{path}");
    }
    assert_eq!(app.schedules().await.len(), 1);
}

#[tokio::test]
async fn run_now_from_the_list_shows_the_run_and_its_delivery_on_the_detail_page() {
    let app = spawn_app().await;
    let id = app.schedule_id().await;
    let r = app.post_action(&format!("/schedules/{id}/run"), true).await;
    assert_eq!(r.status(), 200);
    let row = r.text().await.unwrap();
    assert!(row.contains(&format!("schedule-{id}")), "{row}");
    if row.contains("badge running") {
        assert!(
            row.contains(&format!("hx-get=\"/schedules/{id}/row\"")),
            "{row}"
        );
    }

    let runs = app
        .get_json(&format!("/api/v1/schedules/{id}/executions"))
        .await;
    let run = runs[0]["id"].as_str().unwrap().to_string();
    // While it runs, the history polls itself.
    let page = app.text(&format!("/schedules/{id}")).await;
    if page.contains("badge running") || page.contains("badge delivering") {
        assert!(page.contains(r#"hx-trigger="every 2s""#), "{page}");
    }
    let done = app
        .wait_execution(&id, &run, |e| {
            e["status"] == "succeeded" || e["status"] == "failed"
        })
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");

    let history = app.text(&format!("/schedules/{id}/history")).await;
    assert!(
        !history.contains("every 2s"),
        "polling stops once settled: {history}"
    );
    assert!(history.contains("run now"), "{history}");
    assert!(history.contains("badge succeeded"), "{history}");
    assert!(history.contains("badge delivered"), "{history}");
    assert!(history.contains("owner@example.com"), "{history}");
    let export = done["exportId"].as_str().unwrap();
    assert!(
        history.contains(&format!("/api/v1/exports/{export}/download")),
        "{history}"
    );
    let list = app.text("/schedules").await;
    assert!(list.contains("badge succeeded"), "{list}");
    // The row polls itself only while a run is under way.
    let row = app.text(&format!("/schedules/{id}/row")).await;
    assert!(row.contains("badge succeeded"), "{row}");
    assert!(!row.contains("every 2s"), "{row}");
}

#[tokio::test]
async fn a_form_with_many_problems_shows_them_all_at_once_each_by_its_field() {
    let app = spawn_app().await;
    let mut form = with(weekly_form(&app).await, "frequency", "custom");
    for (k, v) in [
        ("name", "   "),
        ("cron", "61 * * * *"),
        ("timezone", "Mars/Olympus"),
        ("row_limit", "0"),
    ] {
        form = with(form, k, v);
    }
    form = with_nth(form, "recipient_type", 1, "email");
    form = with_nth(form, "recipient_address", 1, "foo");
    let r = app.post_form("/schedules", &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("5 things to fix"), "{html}");
    for message in [
        "name: must not be empty",
        "cron: minute 61 is out of range 0–59",
        "Mars/Olympus",
        "recipients row 2: `foo`",
        "row limit: `0`",
    ] {
        // In the summary, and by its field.
        let message = escape(message);
        assert!(html.matches(&message).count() >= 2, "{message} in {html}");
        let by_field = html
            .split("class=\"field-error\">")
            .skip(1)
            .any(|rest| rest.split('<').next().unwrap().contains(&message));
        assert!(by_field, "{message} by its field: {html}");
    }
    assert_eq!(html.matches(r#"aria-invalid="true""#).count(), 5, "{html}");
    // No library words.
    assert!(!html.contains("Component error") && !html.contains("out of bounds"));
}

#[tokio::test]
async fn a_second_schedule_with_a_name_in_use_is_refused_saying_so() {
    let app = spawn_app().await;
    let form = weekly_form(&app).await;
    let r = app.post_form("/schedules", &form).await;
    assert_eq!(r.status(), 303);
    let before = app.schedules().await;
    // The same name, whatever its case and spaces, with another problem: both are shown.
    let again = with(
        with(form.clone(), "name", " tuesday DIGEST "),
        "row_limit",
        "0",
    );
    let r = app.post_form("/schedules", &again).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(
            "name: a schedule named `tuesday DIGEST` exists already; choose another name"
        ) || html.contains(&escape(
            "name: a schedule named `tuesday DIGEST` exists already; choose another name"
        )),
        "{html}"
    );
    assert!(html.contains("row limit"), "{html}");
    assert_eq!(app.schedules().await.len(), before.len(), "nothing stored");
    // The API says the same.
    let body = serde_json::json!({
        "name": "TUESDAY digest",
        "reportId": app.report_id().await,
        "schedule": "0 9 * * 1",
        "recipients": [{"type": "email", "address": "a@example.com"}],
    });
    let r = app
        .client
        .post(format!("{}/api/v1/schedules", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
    // Saving a schedule under its own name is fine.
    let id = before
        .iter()
        .find(|s| s["name"] == "Tuesday digest")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.post_form(&format!("/schedules/{id}"), &form).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn a_new_schedule_starts_in_the_zone_last_used_else_the_servers() {
    let app = spawn_app().await;
    // The demo's schedule is provisioned, not saved by a person: the server's zone (UTC here).
    let html = app.text("/schedules/new").await;
    let server = std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|p| {
            p.to_string_lossy()
                .split_once("zoneinfo/")
                .map(|(_, z)| z.to_string())
        })
        .unwrap_or_else(|| "UTC".into());
    assert!(
        html.contains(&format!(
            "name=\"timezone\" list=\"zones\" value=\"{server}\""
        )),
        "{server}: {html}"
    );
    let form = weekly_form(&app).await;
    assert_eq!(app.post_form("/schedules", &form).await.status(), 303);
    let html = app.text("/schedules/new").await;
    assert!(
        html.contains("name=\"timezone\" list=\"zones\" value=\"Europe/Paris\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_delivery_that_keeps_failing_shows_retrying_in_red_with_its_error_and_the_api_agrees() {
    // A mail server that is not there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = crate::helpers::spawn_app_with(|c| {
        c.smtp.port = port;
        c.delivery.retry_initial_secs = 1;
        c.delivery.retry_max_interval_secs = 1;
    })
    .await;
    let id = app.schedule_id().await;
    app.run_schedule(&id, |e| {
        e["deliveries"][0]["attempts"].as_u64().unwrap_or(0) >= 2
    })
    .await;
    let html = app.text("/schedules").await;
    let row = &html[html.find(&format!("id=\"schedule-{id}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("<span class=\"badge retrying\">retrying ("),
        "{row}"
    );
    assert!(
        !row.contains(">delivering<"),
        "not a calm delivering: {row}"
    );
    assert!(
        row.contains("last error: owner@example.com: ")
            && row.contains(&format!("127.0.0.1:{port}")),
        "{row}"
    );
    assert!(row.contains("hx-trigger=\"every 10s\""), "{row}");
    let list = app.get_json("/api/v1/schedules").await;
    assert_eq!(list[0]["lastRunStatus"], "retrying", "{list}");
    assert!(
        list[0]["lastRunAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "a run that is retrying has run: {list}"
    );
    assert!(
        list[0]["lastRunError"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{port}")),
        "{list}"
    );
    let one = app.get_json(&format!("/api/v1/schedules/{id}")).await;
    assert_eq!(one["lastRunStatus"], "retrying", "{one}");
    // The schedule's own history says the same: the run and its delivery retrying, in red.
    let html = app.text(&format!("/schedules/{id}")).await;
    let history = &html[html.find("<table class=\"history stack\">").expect(&html)..];
    assert!(
        history.contains("<span class=\"badge retrying\">retrying ("),
        "{history}"
    );
    assert!(
        history.contains("<li><span class=\"badge retrying\">retrying</span> owner@example.com"),
        "{history}"
    );
    assert!(
        !history.contains(">delivering<") && !history.contains(">pending<"),
        "{history}"
    );
}

/// A report with two parameters, made through the API.
async fn two_parameter_report(app: &TestApp) -> String {
    let body = serde_json::json!({
        "name": "Regions since",
        "query": "SELECT region, SUM(revenue) AS revenue FROM sales \
                  WHERE units >= :min_units AND order_date >= :since GROUP BY region",
        "parameters": [
            { "name": "min_units", "type": "number", "defaultValue": "1" },
            { "name": "since", "type": "date", "defaultValue": "2025-01-01" }
        ],
        "visualizations": [{ "id": "table", "type": "table" }]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &body)
        .await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    made["id"].as_str().unwrap().to_string()
}

/// The rows of a form: recipients `(type, address)` and parameters `(name, value)`.
fn rows_form(
    report: &str,
    recipients: &[(&str, &str)],
    parameters: &[(&str, &str)],
) -> Vec<(&'static str, String)> {
    let mut form: Vec<(&'static str, String)> = vec![
        ("name", "Rows digest".into()),
        ("report_id", report.into()),
        ("frequency", "daily".into()),
        ("time", "06:15".into()),
        ("timezone", "Europe/Berlin".into()),
        ("export_format", "csv".into()),
        ("enabled", "on".into()),
    ];
    for (name, value) in parameters {
        form.push(("param_name", name.to_string()));
        form.push(("param_value", value.to_string()));
    }
    for (kind, address) in recipients {
        form.push(("recipient_type", kind.to_string()));
        form.push(("recipient_address", address.to_string()));
    }
    form
}

#[tokio::test]
async fn the_form_offers_rows_and_several_rows_create_a_schedule_with_exactly_those_values() {
    let app = spawn_app().await;
    let report = two_parameter_report(&app).await;
    let page = app.text(&format!("/schedules/new?report={report}")).await;
    // One blank row of each, a type picker, the chosen report's parameters to pick from.
    assert_eq!(
        page.matches("name=\"recipient_address\"").count(),
        1,
        "{page}"
    );
    assert_eq!(page.matches("name=\"param_value\"").count(), 1, "{page}");
    for kind in ["email", "slack", "teams", "webhook"] {
        assert!(
            page.contains(&format!("<option value=\"{kind}\"")),
            "{page}"
        );
    }
    assert!(page.contains("<option value=\"min_units\">"), "{page}");
    assert!(page.contains("<option value=\"since\">"), "{page}");
    assert!(page.contains("value=\"add_recipient\""), "{page}");
    assert!(page.contains("value=\"remove_parameter_0\""), "{page}");

    let form = rows_form(
        &report,
        &[
            ("email", "ops@example.com"),
            ("", ""),
            ("webhook", "https://hooks.example.com/quire"),
            ("email", ""),
        ],
        &[
            ("min_units", "3"),
            ("since", "{{ start_of_month - 1m }}"),
            ("", ""),
        ],
    );
    let r = app.post_form("/schedules", &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let list = app.schedules().await;
    let s = list.iter().find(|s| s["name"] == "Rows digest").unwrap();
    assert_eq!(
        s["recipients"],
        serde_json::json!([
            {"type": "email", "address": "ops@example.com"},
            {"type": "webhook", "address": "https://hooks.example.com/…"}
        ])
    );
    assert_eq!(
        stored_address(&app, s["id"].as_str().unwrap(), 1),
        "https://hooks.example.com/quire"
    );
    assert_eq!(
        s["parameters"],
        serde_json::json!({"min_units": "3", "since": "{{ start_of_month - 1m }}"})
    );
    assert_eq!(s["schedule"], "15 6 * * *");

    // Its edit form: the two rows of each, chosen, then a blank one.
    let id = s["id"].as_str().unwrap();
    let edit = app.text(&format!("/schedules/{id}/edit")).await;
    assert_eq!(
        edit.matches("name=\"recipient_address\"").count(),
        3,
        "{edit}"
    );
    assert_eq!(edit.matches("name=\"param_value\"").count(), 3, "{edit}");
    assert!(
        edit.contains("<option value=\"webhook\" selected>"),
        "{edit}"
    );
    assert!(edit.contains("<option value=\"since\" selected>"), "{edit}");
    assert!(
        edit.contains("value=\"{{ start_of_month - 1m }}\""),
        "{edit}"
    );
}

#[tokio::test]
async fn a_bad_second_row_is_named_next_to_that_row_and_nothing_is_stored() {
    let app = spawn_app().await;
    let report = two_parameter_report(&app).await;
    let before = app.schedules().await;
    let form = rows_form(
        &report,
        &[("email", "ops@example.com"), ("slack", "not a url")],
        &[("min_units", "3"), ("min_units", "4")],
    );
    let r = app.post_form("/schedules", &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    // Each message sits in the row it is about: after that row's address, before the next row.
    let rows: Vec<&str> = html
        .split("<div class=\"form-row\" data-row>")
        .skip(1)
        .collect();
    let recipient_rows: Vec<&&str> = rows
        .iter()
        .filter(|r| r.contains("name=\"recipient_address\""))
        .collect();
    assert_eq!(
        recipient_rows.len(),
        3,
        "two as posted and a blank one: {html}"
    );
    assert!(!recipient_rows[0].contains("field-error"), "{html}");
    assert!(
        recipient_rows[1].contains("class=\"field-error\">recipients row 2: "),
        "{html}"
    );
    assert!(
        recipient_rows[1].contains("value=\"not a url\" "),
        "kept: {html}"
    );
    assert!(
        recipient_rows[1].contains("aria-invalid=\"true\""),
        "{html}"
    );
    let parameter_rows: Vec<&&str> = rows
        .iter()
        .filter(|r| r.contains("name=\"param_value\""))
        .collect();
    assert!(!parameter_rows[0].contains("field-error"), "{html}");
    assert!(
        parameter_rows[1]
            .contains("class=\"field-error\">parameters row 2: `min_units` is given twice"),
        "{html}"
    );
    assert!(html.contains("2 things to fix"), "{html}");
    assert_eq!(app.schedules().await, before, "nothing stored");
}

#[tokio::test]
async fn hostile_rows_are_refused_with_a_message_and_nothing_is_stored() {
    let app = spawn_app().await;
    let report = two_parameter_report(&app).await;
    let before = app.schedules().await;
    let many: Vec<(String, String)> = (0..200)
        .map(|i| ("email".to_string(), format!("user{i}@example.com")))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, a)| (k.as_str(), a.as_str())).collect();
    let long = format!("{}@example.com", "a".repeat(10_000));
    let long_url = format!("https://hooks.example.com/{}", "x".repeat(10_000));
    let params: Vec<(String, String)> = (0..200).map(|i| (format!("p{i}"), "1".into())).collect();
    let params: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (form, mentions) in [
        (
            rows_form(&report, &many, &[]),
            "recipients: at most 100 rows (200 given)",
        ),
        (
            rows_form(&report, &[], &params),
            "parameters: at most 100 rows (200 given)",
        ),
        (
            rows_form(&report, &[("email", &long)], &[]),
            "recipients row 1: is longer than 2000 characters",
        ),
        (
            rows_form(&report, &[("webhook", &long_url)], &[]),
            "recipients row 1: is longer than 2000 characters",
        ),
        (
            rows_form(
                &report,
                &[("email", "a@example.com")],
                &[("since", &"9".repeat(5000))],
            ),
            "parameters row 1: the value is longer than 1000 characters",
        ),
    ] {
        let r = app.post_form("/schedules", &form).await;
        assert_eq!(r.status(), 422, "{mentions}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&escape(mentions)), "{mentions} not in {html}");
        // The form comes back with at most 100 rows of each and a blank one.
        assert!(
            html.matches("name=\"recipient_address\"").count() <= 101,
            "{mentions}"
        );
        assert!(
            html.matches("name=\"param_value\"").count() <= 101,
            "{mentions}"
        );
    }
    // A flood of blank rows is no row at all.
    let mut blank = rows_form(&report, &[("email", "ops@example.com")], &[]);
    for _ in 0..5000 {
        blank.push(("recipient_type", "email".into()));
        blank.push(("recipient_address", String::new()));
    }
    blank = with(blank, "name", " ");
    let r = app.post_form("/schedules", &blank).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("name: must not be empty"), "{html}");
    assert_eq!(html.matches("name=\"recipient_address\"").count(), 2);
    assert_eq!(app.schedules().await, before, "nothing stored");
}

#[tokio::test]
async fn without_a_script_the_row_buttons_post_and_show_the_form_again_with_the_change() {
    let app = spawn_app().await;
    let report = two_parameter_report(&app).await;
    let before = app.schedules().await;
    let new_form = app.text("/schedules/new").await;
    assert!(
        new_form
            .contains(r#"name="row_action" formaction="/schedules/form" value="add_recipient""#),
        "{new_form}"
    );
    let mut form = rows_form(
        &report,
        &[
            ("email", "ops@example.com"),
            ("teams", "https://x.webhook.office.com/h"),
            ("email", ""),
        ],
        &[("since", "{{ today }}")],
    );
    form.push(("row_action", "add_recipient".into()));
    let r = app.post_form("/schedules/form", &form).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    // The two rows kept, the blank one the page had and the added one; saving still goes to
    // /schedules.
    assert_eq!(
        html.matches("name=\"recipient_address\"").count(),
        4,
        "{html}"
    );
    assert!(html.contains("<option value=\"teams\" selected>"), "{html}");
    assert!(
        !html.contains("field-error"),
        "no errors for a row button: {html}"
    );
    assert!(
        html.contains(r#"method="post" action="/schedules">"#),
        "{html}"
    );

    let form = with(form, "row_action", "remove_recipient_0");
    let html = app
        .post_form("/schedules/form", &form)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("ops@example.com"), "{html}");
    assert_eq!(
        html.matches("name=\"recipient_address\"").count(),
        2,
        "{html}"
    );
    // A filled-in blank row and Add: that row and one new blank row.
    let form = with(
        with_nth(form, "recipient_address", 2, "new@example.com"),
        "row_action",
        "add_parameter",
    );
    let html = app
        .post_form("/schedules/form", &form)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        html.matches("name=\"recipient_address\"").count(),
        4,
        "{html}"
    );
    assert_eq!(html.matches("name=\"param_value\"").count(), 2, "{html}");
    assert!(html.contains("value=\"new@example.com\""), "{html}");
    assert_eq!(app.schedules().await, before, "nothing stored");

    // Editing: the row buttons name the schedule, and the form still saves to it.
    let id = app.schedule_id().await;
    let edit = app.text(&format!("/schedules/{id}/edit")).await;
    let action = format!("formaction=\"/schedules/form?id={id}\"");
    assert!(edit.contains(&action), "{edit}");
    let r = app
        .post_form(&format!("/schedules/form?id={id}"), &form)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("action=\"/schedules/{id}\"")),
        "{html}"
    );
    assert_eq!(
        app.post_form("/schedules/form?id=nope", &form)
            .await
            .status(),
        404
    );
    // Showing the form again changes nothing, so it is not in the audit log.
    let audit = app.get_json("/api/v1/audit?limit=500").await.to_string();
    assert!(!audit.contains("/schedules/form"), "{audit}");
    assert_eq!(app.schedules().await, before, "nothing stored");
}

#[tokio::test]
async fn a_parameter_rows_value_field_offers_the_values_its_parameter_takes() {
    let app = spawn_app().await;
    let report = offered_report(&app).await;
    // Without a script: the rows posted back, each value field with its parameter's values.
    let mut form = rows_form(
        &report,
        &[("email", "ops@example.com")],
        &[("region", ""), ("since", ""), ("min_units", "")],
    );
    form.push(("row_action", "add_parameter".into()));
    let r = app.post_form("/schedules/form", &form).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let offered = |i: usize| {
        let open = format!("<datalist id=\"param-values-{i}\" data-param-values>");
        let at = html.find(&open).unwrap_or_else(|| panic!("{open}: {html}")) + open.len();
        html[at..at + html[at..].find("</datalist>").unwrap()].to_string()
    };
    assert_eq!(
        offered(0),
        "<option value=\"North\"><option value=\"South\"><option value=\"&#60;East&#62;\">"
    );
    assert!(offered(1).contains("<option value=\"{{ start_of_month - 1m }}\">"));
    assert_eq!(offered(2), "", "a number offers nothing");
    assert_eq!(offered(3), "", "the added row names no parameter yet");
    for i in 0..4 {
        assert!(html.contains(&format!("list=\"param-values-{i}\"")), "{i}");
    }
    // The script refills them from the same values when a parameter is chosen.
    let options = format!("data-params=\"{}", "[[&#34;region&#34;,");
    assert!(html.contains(&options), "{html}");
    assert!(html.contains("[&#34;North&#34;,&#34;South&#34;,"), "{html}");
}

/// A report with an enum (one option with characters HTML escapes), a date and a number
/// parameter, made through the API: its id.
pub async fn offered_report(app: &TestApp) -> String {
    let body = serde_json::json!({
        "name": "Regions offered",
        "query": "SELECT region, SUM(revenue) AS revenue FROM sales WHERE region = :region \
                  AND order_date >= :since AND units >= :min_units GROUP BY region",
        "parameters": [
            { "name": "region", "type": "enum", "options": ["North", "South", "<East>"] },
            { "name": "since", "type": "date", "defaultValue": "2025-01-01" },
            { "name": "min_units", "type": "number", "defaultValue": "1" }
        ],
        "visualizations": [{ "id": "table", "type": "table" }]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &body)
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}
