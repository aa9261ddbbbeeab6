//! The Share dialog of dashboard and report pages: editors make a link locking the page's values
//! (said in words), see who made each link and when it was last opened, and revoke it; viewers
//! get no button and no route; a hostile form is refused naming its field, nothing stored.

use crate::expected;
use crate::helpers::{client_with, spawn_app, user_with_token, TestApp, ADMIN_EMAIL};
use quire::model::user::Role;
use serde_json::json;

/// A dashboard whose `period` filter (labelled Days) drives the demo report's `days`.
fn filtered_dashboard(app: &TestApp, report: &str) -> String {
    let widgets: Vec<_> = ["revenue", "orders"]
        .iter()
        .enumerate()
        .map(|(i, v)| json!({ "id": v, "reportId": report, "visualizationId": v, "x": i * 6, "y": 0, "w": 6, "h": 3 }))
        .collect();
    let def = serde_json::from_value(json!({
        "name": "Filtered",
        "widgets": widgets,
        "filters": [{ "id": "period", "label": "Days", "type": "text", "default": "90",
                      "targets": [{ "widgetId": "revenue", "parameter": "days" },
                                  { "widgetId": "orders", "parameter": "days" }] }]
    }))
    .unwrap();
    quire::app::dashboard::save(&app.ctx, None, def, &Default::default())
        .unwrap()
        .id
}

fn shares(app: &TestApp) -> Vec<quire::store::share::Share> {
    quire::store::share::list(&app.ctx.store.app.get().unwrap()).unwrap()
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app
        .client
        .post(format!("{}{path}", app.address))
        .header("HX-Request", "true")
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The text of an element's `value="..."` after `marker`.
fn value_after(html: &str, marker: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn viewers_get_no_share_button_and_no_dialog_while_editors_do() {
    let app = spawn_app().await;
    let (report, board) = (app.report_id().await, app.dashboard_id().await);
    let viewer = client_with(Some(
        &user_with_token(&app.ctx, "viewer@example.com", Role::Viewer).1,
    ));
    let editor = client_with(Some(
        &user_with_token(&app.ctx, "editor@example.com", Role::Editor).1,
    ));
    for page in [format!("/dashboards/{board}"), format!("/reports/{report}")] {
        let as_viewer = viewer
            .get(format!("{}{page}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(as_viewer.status(), 200);
        let html = as_viewer.text().await.unwrap();
        assert!(!html.contains("data-action=\"share\""), "{page}");
        assert!(!html.contains("share-dialog"), "{page}");
        let html = editor
            .get(format!("{}{page}", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("data-action=\"share\""), "{page}: {html}");
        assert!(html.contains("<dialog id=\"share-dialog\""), "{page}");
    }
    for (method, path) in [
        ("GET", format!("/dashboards/{board}/share")),
        ("GET", format!("/reports/{report}/share")),
        ("POST", format!("/dashboards/{board}/shares")),
        ("POST", format!("/reports/{report}/shares")),
        ("POST", "/shares/anything/revoke".to_string()),
    ] {
        let url = format!("{}{path}", app.address);
        let r = match method {
            "GET" => viewer.get(url).send().await.unwrap(),
            _ => viewer
                .post(url)
                .form(&[("expires", "7")])
                .send()
                .await
                .unwrap(),
        };
        assert_eq!(r.status(), 403, "{method} {path}");
    }
    assert!(shares(&app).is_empty());
}

#[tokio::test]
async fn the_dialog_locks_the_pages_values_in_words_and_its_link_is_listed_opened_and_revoked() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let board = filtered_dashboard(&app, &report);
    // The page's values: its filter's; a parameter the filter drives and what the page does not
    // read are dropped.
    let dialog = app
        .get(&format!(
            "/dashboards/{board}/share?f.period=30&days=7&junk=1&kiosk=1"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        dialog.contains("name=\"lock.period\" value=\"30\""),
        "{dialog}"
    );
    assert!(
        !dialog.contains("junk") && !dialog.contains("lock.kiosk") && !dialog.contains("lock.days"),
        "{dialog}"
    );
    assert!(dialog.contains("Days: 30"), "said in words: {dialog}");
    assert!(dialog.contains("No link made yet"), "{dialog}");
    assert!(dialog.contains("No site may frame it yet"), "{dialog}");
    let (status, made) = post_form(
        &app,
        &format!("/dashboards/{board}/shares"),
        &[("lock.period", "30"), ("expires", "7"), ("embed", "1")],
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let url = value_after(&made, "id=\"share-url\"");
    assert!(url.starts_with(&format!("{}/s/", app.address)), "{url}");
    assert!(made.contains("readonly"), "{made}");
    let token = url.rsplit('/').next().unwrap();
    let decoded = made
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"");
    assert!(
        decoded.contains(&format!("<iframe src=\"{}/embed/{token}\"", app.address)),
        "the embed code: {made}"
    );
    let stored = shares(&app);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].created_by.as_deref(),
        Some(&*format!("{ADMIN_EMAIL} (token tests)"))
    );
    assert!(stored[0].embed && stored[0].expires_at.is_some());
    let id = stored[0].id.clone();
    assert!(
        made.contains(&format!("data-share-id=\"{id}\"")),
        "listed at once: {made}"
    );
    assert!(made.contains("hx-swap-oob"), "{made}");
    // Opened by anyone with it: the values it shows are said, locked.
    let page = app.anon.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Shared view, locked to: <span>Days: 30</span>"),
        "{page}"
    );
    let widget = app
        .anon
        .get(format!("{url}/widgets/revenue"))
        .send()
        .await
        .unwrap();
    assert!(widget
        .text()
        .await
        .unwrap()
        .contains(&expected::kpis(30).revenue));
    // Listed with who made it and when it was last opened; no token in the list.
    let dialog = app
        .get(&format!("/dashboards/{board}/share"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        dialog.contains(&format!("data-share-id=\"{id}\"")),
        "{dialog}"
    );
    assert!(
        dialog.contains(&format!("Made by {ADMIN_EMAIL}")),
        "{dialog}"
    );
    assert!(!dialog.contains("Last opened: never"), "{dialog}");
    assert!(!dialog.contains(token), "the token is shown once");
    // Revoked: the row's answer is empty (htmx removes it), the link stops, both are audited.
    let (status, body) = post_form(&app, &format!("/shares/{id}/revoke"), &[]).await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(app.anon.get(&url).send().await.unwrap().status(), 404);
    let (status, _) = post_form(&app, &format!("/shares/{id}/revoke"), &[]).await;
    assert_eq!(status, 404, "revoked already");
    let dialog = app
        .get(&format!("/dashboards/{board}/share"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!dialog.contains(&id), "{dialog}");
    // The gate writes its records just after the responses: waited for.
    let mut audit = String::new();
    for _ in 0..100 {
        audit = app.get_json("/api/v1/audit?limit=50").await.to_string();
        if audit.contains("POST /dashboards/{id}/shares")
            && audit.contains("POST /shares/{id}/revoke")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(audit.contains("POST /dashboards/{id}/shares"), "{audit}");
    assert!(audit.contains("POST /shares/{id}/revoke"), "{audit}");
    // A report page: its parameters; the demo dashboard: its page's parameters too.
    let dialog = app
        .get(&format!("/reports/{report}/share?days=30&page=2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        dialog.contains("name=\"lock.days\" value=\"30\""),
        "{dialog}"
    );
    assert!(dialog.contains("Days per period: 30"), "{dialog}");
    let (status, made) = post_form(
        &app,
        &format!("/reports/{report}/shares"),
        &[("lock.days", "30"), ("expires", "")],
    )
    .await;
    assert_eq!(status, 200, "{made}");
    assert!(
        !made.contains("share-embed"),
        "no embed code unless asked: {made}"
    );
    let page = app
        .anon
        .get(value_after(&made, "id=\"share-url\""))
        .send()
        .await
        .unwrap();
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("<span>Days per period: 30</span>"));
    let list = app.get_json("/api/v1/dashboards").await;
    let demo = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Sales overview")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, made) = post_form(
        &app,
        &format!("/dashboards/{demo}/shares"),
        &[("lock.days", "30")],
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let url = value_after(&made, "id=\"share-url\"");
    let html = app
        .anon
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Days per period: 30"), "{html}");
    let start = html
        .find(&format!("{}/widgets/", &url[app.address.len()..]))
        .unwrap();
    let widget_path = &html[start..start + html[start..].find('"').unwrap()];
    let widget = app
        .anon
        .get(format!("{}{widget_path}", app.address))
        .send()
        .await
        .unwrap();
    let widget = widget.text().await.unwrap();
    assert!(
        !widget.contains(&expected::kpis(90).revenue),
        "the page's parameter is locked, not the default: {widget}"
    );
}

#[tokio::test]
async fn hostile_share_forms_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let board = filtered_dashboard(&app, &report);
    let long = "x".repeat(10_000);
    let path = format!("/dashboards/{board}/shares");
    for (form, field) in [
        (vec![("expires", "0")], "expires"),
        (vec![("expires", "99999")], "expires"),
        (vec![("expires", "soon")], "expires"),
        (vec![("expires", "-1")], "expires"),
        (vec![("lock.nosuch", "1")], "parameters.nosuch"),
        (vec![("lock.period", long.as_str())], "parameters.period"),
        (vec![("region", "North")], "region"),
    ] {
        let (status, body) = post_form(&app, &path, &form).await;
        assert!((400..500).contains(&status), "{form:?}: {status}");
        assert!(body.contains(field), "{form:?}: {body}");
        assert!(
            body.contains("role=\"alert\""),
            "shown in the dialog: {body}"
        );
        assert!(!body.contains("share-url"), "{body}");
    }
    // A value the parameter refuses on the page: on a report, and on a dashboard's page.
    let list = app.get_json("/api/v1/dashboards").await;
    let demo = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Sales overview");
    let demo = demo.unwrap()["id"].as_str().unwrap().to_string();
    for (path, value) in [
        (format!("/reports/{report}/shares"), "abc"),
        (format!("/reports/{report}/shares"), "99999"),
        (format!("/dashboards/{demo}/shares"), "0"),
    ] {
        let (status, body) = post_form(&app, &path, &[("lock.days", value)]).await;
        assert_eq!(status, 422, "{path} days={value}: {body}");
        assert!(body.contains("parameters.days"), "{body}");
    }
    let (status, body) = post_form(&app, "/dashboards/nope/shares", &[]).await;
    assert_eq!(status, 404, "{body}");
    // A signed-in browser's form without its CSRF token.
    let login = app
        .anon
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({ "email": ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let r = app
        .anon
        .post(format!("{}{path}", app.address))
        .header("Cookie", &cookie)
        .form(&[("lock.period", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("CSRF"));
    assert!(shares(&app).is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_link_made_in_the_share_dialog_opens_locked_for_a_stranger_until_revoked() {
    if !crate::browser::browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let report = app.report_id().await;
    let board = filtered_dashboard(&app, &report);
    let args = vec![app.address.clone(), board, report];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("share.mjs", &args))
        .await
        .unwrap();
    let k30 = expected::kpis(30);
    assert!(v["shows"].as_str().unwrap().contains("Days: 30"), "{v}");
    assert_eq!(v["rowsBefore"], 0, "{v}");
    assert_eq!(
        v["embedNoteBefore"], false,
        "said once embedding is asked: {v}"
    );
    assert!(v["url"].as_str().unwrap().contains("/s/"), "{v}");
    assert_eq!(v["readonly"], true, "{v}");
    assert!(
        v["embedCode"]
            .as_str()
            .unwrap()
            .starts_with("<iframe src=\""),
        "{v}"
    );
    assert!(
        v["embedNote"].as_str().unwrap().contains("embed_origins"),
        "{v}"
    );
    assert_eq!(v["rows"], 1, "{v}");
    assert!(
        v["row"]
            .as_str()
            .unwrap()
            .contains("Made by admin@example.com"),
        "{v}"
    );
    assert_eq!(v["sharedStatus"], 200, "{v}");
    assert!(v["locked"].as_str().unwrap().contains("Days: 30"), "{v}");
    assert_eq!(v["sharedRevenue"], k30.revenue.as_str(), "{v}");
    assert_eq!(v["sharedHasShare"], 0, "{v}");
    assert!(
        v["confirm"].as_str().unwrap().contains("Revoke"),
        "asked first: {v}"
    );
    assert_eq!(v["rowsAfterRevoke"], 0, "{v}");
    assert_eq!(v["revokedStatus"], 404, "{v}");
    assert!(
        v["revokedText"]
            .as_str()
            .unwrap()
            .contains("no such share link"),
        "{v}"
    );
    assert_eq!(v["closed"], true, "{v}");
    assert!(
        v["reportShows"]
            .as_str()
            .unwrap()
            .contains("Days per period: 30"),
        "{v}"
    );
    assert_eq!(v["reportRows"], 1, "{v}");
    assert_eq!(v["reportSharedStatus"], 200, "{v}");
    assert!(
        v["reportLocked"]
            .as_str()
            .unwrap()
            .contains("Days per period: 30"),
        "{v}"
    );
    assert!(v["phoneBox"]["left"].as_i64().unwrap() >= 0, "{v}");
    assert!(v["phoneBox"]["right"].as_i64().unwrap() <= 390, "{v}");
    assert_eq!(v["phoneScrollsSideways"], false, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}
