//! The frame of every page: errors are pages with the navigation, the menu marks where you are,
//! and (in a browser, at a phone's width) nothing scrolls sideways.

use crate::helpers::{client_with, spawn_app, user_with_token, TestApp};
use quire::model::user::Role;

async fn browse(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String, String) {
    let r = client
        .get(format!("{}{path}", app.address))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let kind = r.headers()["content-type"].to_str().unwrap().to_string();
    (status, kind, r.text().await.unwrap())
}

#[tokio::test]
async fn a_missing_page_is_a_styled_page_with_the_navigation() {
    let app = spawn_app().await;
    for path in [
        "/no-such-page",
        "/reports/00000000-0000-0000-0000-000000000000",
        "/schedules/no-such-id",
        "/datasets/nothing_here",
    ] {
        let (status, kind, html) = browse(&app.client, &app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert!(html.starts_with("<!doctype html>"), "{path}: {html}");
        assert!(html.contains("<nav>"), "{path}: the menu: {html}");
        assert!(html.contains("/static/app."), "{path}: styled: {html}");
        assert!(
            html.contains("class=\"error-page\"") && html.contains("<h1>Not Found</h1>"),
            "{path}: {html}"
        );
    }
    // A role too low: the same page, saying why.
    let (_, viewer) = user_with_token(&app.ctx, "viewer@example.com", Role::Viewer);
    let (status, _, html) = browse(&client_with(Some(&viewer)), &app, "/schedules").await;
    assert_eq!(status, 403);
    assert!(
        html.contains("<nav>") && html.contains("this needs the editor role"),
        "{html}"
    );
    // The API stays problem+json.
    let (status, kind, _) = browse(&app.client, &app, "/api/v1/reports/nope").await;
    assert_eq!(status, 404);
    assert_eq!(kind, "application/problem+json");
    // And htmx still gets its partial for #flash.
    let r = app
        .client
        .get(format!("{}/datasets/nothing_here", app.address))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["hx-retarget"], "#flash");
}

#[tokio::test]
async fn the_menu_marks_the_page_you_are_on() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let dashboard = app.dashboard_id().await;
    for (path, link) in [
        ("/reports".to_string(), "/reports"),
        (format!("/reports/{report}"), "/reports"),
        ("/datasets".into(), "/datasets"),
        ("/schedules/new".into(), "/schedules"),
        ("/exports".into(), "/exports"),
        ("/dashboards".into(), "/dashboards"),
        (
            format!("/dashboards/{dashboard}"),
            &format!("/dashboards/{dashboard}"),
        ),
        ("/admin/users".into(), "/admin/users"),
    ] {
        let (status, _, html) = browse(&app.client, &app, &path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            html.matches("aria-current=\"page\"").count(),
            1,
            "{path}: {html}"
        );
        assert!(
            html.contains(&format!("<a aria-current=\"page\" href=\"{link}\">")),
            "{path}: {html}"
        );
    }
    // A form shown again with its problems is a page too.
    let r = app
        .client
        .post(format!("{}/schedules", app.address))
        .form(&[("name", ""), ("frequency", "daily"), ("time", "09:00")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<a aria-current=\"page\" href=\"/schedules\">"),
        "{html}"
    );
}

#[tokio::test]
async fn at_a_phones_width_the_main_pages_do_not_scroll_sideways_and_buttons_do_not_wrap() {
    if std::env::var("QUIRE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!("browser test skipped: set QUIRE_BROWSER_TESTS=1");
        return;
    }
    let app = spawn_app().await;
    let report = app.report_id().await;
    let schedule = app.schedule_id().await;
    let dashboard = app.dashboard_id().await;
    // /exports with a person's download and a schedule's file, as after a first hour.
    let r = app
        .get(&format!("/reports/{report}/download?format=csv"))
        .await;
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap();
    let r = app.post(&format!("/api/v1/schedules/{schedule}/run")).await;
    assert_eq!(r.status(), 202);
    for _ in 0..120 {
        let v = app.get_json("/api/v1/exports").await;
        if v.as_array().map_or(0, |a| a.len()) >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // And a failed one with a long name, long parameters and a long error (issue 23, item 2:
    // at 1366 px such a row pushed Delete out of the table's view).
    app.ctx
        .store
        .app
        .get()
        .unwrap()
        .execute(
            "INSERT INTO exports (id, report_id, report_name, format, file_name, size, rows, status,
               duration_ms, parameters, created_at, expires_at, request, error, made_by)
             VALUES ('11111111-2222-3333-4444-555555555555', ?1,
               'Quarterly revenue by region and product category (board pack)', 'pdf', 'x.pdf', 0, 0,
               'failed', 15034,
               '[[\"Period\",\"2025-01-01..2025-03-31\"],[\"Regions\",\"North, South, East, West, Central, Overseas territories\"]]',
               '2026-12-06T10:50:00Z', '2026-12-13T10:50:00Z',
               '{\"params\":{},\"today\":\"2026-12-06\",\"timeZone\":\"Etc/UTC\"}',
               'query stopped after 15000 ms: the query took longer than [limits] query_timeout_ms; narrow the period or raise the limit',
               'someone.with.a.rather.long.address@example-company.com')",
            [&report],
        )
        .unwrap();
    let mut args = vec![app.address.clone()];
    for p in [
        "/".to_string(),
        "/dashboards".into(),
        "/reports".into(),
        format!("/reports/{report}"),
        format!("/dashboards/{dashboard}"),
        format!("/dashboards/{dashboard}/edit"),
        "/builder".into(),
        "/datasets".into(),
        "/schedules".into(),
        "/schedules/new".into(),
        format!("/schedules/{schedule}"),
        "/exports".into(),
        "/admin/users".into(),
        "/admin/audit".into(),
        "/account/settings".into(),
        "/no-such-page".into(),
    ] {
        args.push(p);
    }
    let v = tokio::task::spawn_blocking(move || crate::browser::node("phone.mjs", &args))
        .await
        .unwrap();
    let mut bad = Vec::new();
    for (path, p) in v["pages"].as_object().unwrap() {
        if p["scrollX"].as_i64().unwrap() > 0 {
            bad.push(format!(
                "{path}: scrolls {}px sideways ({})",
                p["scrollX"], p["wide"]
            ));
        }
        // Charts are drawn for the width they get: their text stays readable.
        if let Some(h) = p["chartText"].as_f64() {
            if h < 9.0 {
                bad.push(format!("{path}: chart text {h:.1}px tall"));
            }
        }
        if !p["unreachable"].as_array().unwrap().is_empty() {
            bad.push(format!(
                "{path}: row actions out of reach {}",
                p["unreachable"]
            ));
        }
        if !p["unreachableWide"].as_array().unwrap().is_empty() {
            bad.push(format!(
                "{path}: at 1366 px row actions are cut off {}",
                p["unreachableWide"]
            ));
        }
        if p["currentShown"] == false {
            bad.push(format!(
                "{path}: the menu's current page is scrolled out of sight"
            ));
        }
        // The phone menu: behind its button, and opened, every item a whole word (issue 23,
        // item 5: it cut "Da…" at the screen's edge).
        if p["menuButton"] != true {
            bad.push(format!("{path}: no menu button at 390 px"));
        } else if !p["menuCut"].as_array().unwrap().is_empty()
            || p["menuItems"].as_array().unwrap().len() < 8
        {
            bad.push(format!(
                "{path}: the opened phone menu {} cuts {}",
                p["menuItems"], p["menuCut"]
            ));
        }
        if !p["wrapped"].as_array().unwrap().is_empty() {
            bad.push(format!("{path}: wrapped buttons {}", p["wrapped"]));
        }
        // Brand and account on one line, the menu on one more (it scrolls sideways by itself).
        if p["headerHeight"].as_i64().unwrap() > 110 {
            bad.push(format!(
                "{path}: the header is {}px tall",
                p["headerHeight"]
            ));
        }
    }
    for path in ["/".to_string(), format!("/reports/{report}")] {
        assert!(
            v["pages"][&path]["chartText"].as_f64().is_some(),
            "{path} has charts: {v}"
        );
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn dashboards_are_one_menu_of_the_site_menu_however_many_there_are() {
    let app = spawn_app().await;
    for i in 0..30 {
        let r = app
            .client
            .post(format!("{}/api/v1/dashboards", app.address))
            .json(&serde_json::json!({ "name": format!("Board number {i:02}"), "widgets": [] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let (status, _, html) = browse(&app.client, &app, "/reports").await;
    assert_eq!(status, 200);
    let nav = &html[html.find("<nav>").unwrap()..html.find("</nav>").unwrap()];
    let menu_start = nav
        .find("<details class=\"menu-group\"")
        .expect("a Dashboards menu");
    let menu_end = menu_start + nav[menu_start..].find("</details>").unwrap();
    let (menu, top) = (
        &nav[menu_start..menu_end],
        format!("{}{}", &nav[..menu_start], &nav[menu_end..]),
    );
    assert!(menu.contains("<summary>Dashboards</summary>"), "{menu}");
    // Outside the menu: the site's sections only, no dashboard.
    assert!(!top.contains("/dashboards"), "{top}");
    assert!(top.matches("<a ").count() <= 8, "{top}");
    // Inside: the first dashboards by name and the way to all 31 (the demo's and these).
    let listed = menu.matches("<a href=\"/dashboards/").count();
    assert_eq!(listed, quire::web::MENU_DASHBOARDS, "{menu}");
    assert!(
        menu.contains("<a href=\"/dashboards\">All dashboards (31)</a>"),
        "{menu}"
    );
    // On a dashboard's page the menu marks it, inside the Dashboards menu.
    let first = &menu[menu.find("/dashboards/").unwrap() + "/dashboards/".len()..][..36];
    let (_, _, page) = browse(&app.client, &app, &format!("/dashboards/{first}")).await;
    assert!(
        page.contains(&format!(
            "<a aria-current=\"page\" href=\"/dashboards/{first}\">"
        )),
        "the current dashboard is marked in the menu"
    );
}

#[tokio::test]
async fn a_charts_tooltip_shows_the_exact_value_on_a_tap_on_a_phone_and_on_hover() {
    if std::env::var("QUIRE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!("browser test skipped: set QUIRE_BROWSER_TESTS=1");
        return;
    }
    let app = spawn_app().await;
    let report = app.report_id().await;
    let dashboard = app.dashboard_id().await;
    let args = vec![
        app.address.clone(),
        format!("/reports/{report}"),
        format!("/dashboards/{dashboard}"),
    ];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("tooltip.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");
    for (size, tip) in [("phone", "phoneTip"), ("laptop", "laptopTip")] {
        // "Product 127: $430,868.12": the name and the exact value, as the mark's title says.
        let tip = v[tip].as_str().unwrap();
        let (name, value) = tip.rsplit_once(": ").expect("name: value");
        let text = v[size]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{size}: no tooltip {v}"));
        assert!(text.contains(name) && text.contains(value), "{size}: {v}");
        assert!(value.chars().any(|c| c.is_ascii_digit()), "{v}");
        assert_eq!(v[size]["inside"], true, "{size}: inside the window {v}");
    }
    assert_eq!(v["phoneBefore"], serde_json::Value::Null, "{v}");
    assert_eq!(
        v["phoneAfter"],
        serde_json::Value::Null,
        "a tap elsewhere hides it: {v}"
    );
    assert_eq!(
        v["laptopAfter"],
        serde_json::Value::Null,
        "leaving hides it: {v}"
    );
    assert_eq!(v["phoneTitle"].as_str(), v["phoneTip"].as_str(), "{v}");
    assert_eq!(v["laptopTitleWhileShown"], "", "{v}");
    assert_eq!(
        v["laptopTitleAfter"].as_str(),
        v["laptopTip"].as_str(),
        "{v}"
    );
}
