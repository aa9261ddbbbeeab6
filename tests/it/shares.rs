//! Share links and embeds, tried as an outsider would: only the token opens them, their values
//! are locked whatever the URL says, they reach nothing else, and they end when revoked or
//! expired (lessons from Grafana's leaking snapshots and public dashboards).

use crate::expected;
use crate::helpers::{client_with, spawn_app, spawn_app_with, user_with_token, TestApp};
use quire::model::user::Role;
use serde_json::{json, Value};

async fn share(app: &TestApp, body: Value) -> Value {
    let r = app
        .client
        .post(format!("{}/api/v1/shares", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn path_of(url: &str) -> String {
    url[url.find("/s/").or_else(|| url.find("/embed/")).unwrap()..].to_string()
}

async fn anon_text(app: &TestApp, path: &str) -> (u16, String) {
    let r = app
        .anon
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A dashboard whose `period` filter drives the demo report's `days` on its KPIs and table.
async fn filtered_dashboard(app: &TestApp) -> String {
    let report = app.report_id().await;
    let def = json!({
        "name": "Board",
        "widgets": [
            { "id": "revenue", "reportId": report, "visualizationId": "revenue", "x": 0, "y": 0, "w": 3, "h": 2 },
            { "id": "orders", "reportId": report, "visualizationId": "orders", "x": 0, "y": 2, "w": 12, "h": 8 }
        ],
        "filters": [{ "id": "period", "type": "text", "default": "90",
                      "targets": [{ "widgetId": "revenue", "parameter": "days" }, { "widgetId": "orders", "parameter": "days" }] }]
    });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_shared_dashboard_opens_for_anyone_with_the_link_and_its_values_are_locked() {
    let app = spawn_app().await;
    let board = filtered_dashboard(&app).await;
    let made = share(
        &app,
        json!({ "dashboardId": board, "parameters": { "period": "30" } }),
    )
    .await;
    // The link names the address this server is bound to ([server] base_url is unset).
    assert!(
        made["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/s/", app.address)),
        "{made}"
    );
    let page_path = path_of(made["url"].as_str().unwrap());
    let (status, page) = anon_text(&app, &page_path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("hx-get=\"{page_path}/widgets/revenue\"")),
        "{page}"
    );
    assert!(
        !page.contains("/api/") && !page.contains("SELECT") && !page.contains("/dashboards/"),
        "{page}"
    );
    let k30 = expected::kpis(30);
    // The URL cannot change the locked value, by any name.
    for query in ["", "?days=7", "?f.period=7", "?period=7&days=7"] {
        let (status, widget) =
            anon_text(&app, &format!("{page_path}/widgets/revenue{query}")).await;
        assert_eq!(status, 200);
        assert!(widget.contains(&k30.revenue), "{query}: {widget}");
        assert!(!widget.contains("/reports/"), "no way into the report");
    }
    let (status, table) = anon_text(&app, &format!("{page_path}/table/orders?page=2&days=7")).await;
    assert_eq!(status, 200);
    assert!(!table.contains("SELECT"));
    assert!(
        table.contains(&format!("{page_path}/table/orders?page=3")),
        "pages stay under the share"
    );
    // Nothing else is in reach: another dashboard's widgets, or the dashboard itself.
    let other = app.dashboard_id().await;
    let demo_widget = quire::store::dashboard::get(&*app.ctx.store.app.get().unwrap(), &other)
        .unwrap()
        .unwrap()
        .definition
        .widgets[0]
        .id
        .clone();
    assert_ne!(demo_widget, "revenue_x");
    let (status, _) = anon_text(&app, &format!("{page_path}/widgets/{demo_widget}x")).await;
    assert_eq!(status, 404);
    let (status, _) = anon_text(&app, &format!("/dashboards/{board}")).await;
    assert_eq!(status, 303, "the dashboard itself needs a sign-in");
    let (status, _) = anon_text(&app, &format!("/dashboards/{board}/widgets/revenue")).await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn a_tampered_revoked_or_expired_link_opens_nothing() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let made = share(
        &app,
        json!({ "reportId": report, "parameters": { "days": "30" } }),
    )
    .await;
    let path = path_of(made["url"].as_str().unwrap());
    assert_eq!(anon_text(&app, &path).await.0, 200);
    let k30 = expected::kpis(30);
    let (_, widget) = anon_text(&app, &format!("{path}/widgets/revenue")).await;
    assert!(
        widget.contains(&k30.revenue),
        "a report share locks its parameters: {widget}"
    );
    let mut tampered = path.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    for p in [
        tampered.as_str(),
        "/s/short",
        "/s/../../api/v1/reports",
        "/embed/%00",
    ] {
        let (status, body) = anon_text(&app, p).await;
        assert!([303, 401, 404].contains(&status), "{p}: {status}");
        assert!(!body.contains(&k30.revenue));
    }
    let r = app
        .client
        .delete(format!(
            "{}/api/v1/shares/{}",
            app.address,
            made["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(anon_text(&app, &path).await.0, 404);
    assert_eq!(
        anon_text(&app, &format!("{path}/widgets/revenue")).await.0,
        404
    );
    // An expired one: stored with an end in the past.
    let conn = app.ctx.store.app.get().unwrap();
    let token = "ab".repeat(24);
    quire::store::share::insert(
        &conn,
        &quire::store::share::NewShare {
            token_hash: &app.ctx.store.secrets.hash(&token),
            kind: "report",
            target_id: &report,
            parameters: &Default::default(),
            embed: false,
            created_by: None,
            expires_at: Some("2020-01-01T00:00:00Z"),
            sight: &quire::model::access::Sight::All,
        },
    )
    .unwrap();
    assert_eq!(anon_text(&app, &format!("/s/{token}")).await.0, 410);
    let shares = app.get_json("/api/v1/shares").await;
    assert_eq!(shares.as_array().unwrap().len(), 2);
    assert!(
        !shares.to_string().contains(&token),
        "tokens are never listed"
    );
}

#[tokio::test]
async fn embeds_may_be_framed_by_the_named_sites_only_and_shares_are_for_editors() {
    let app =
        spawn_app_with(|c| c.server.embed_origins = vec!["https://intranet.example".into()]).await;
    let report = app.report_id().await;
    let made = share(&app, json!({ "reportId": report, "embed": true })).await;
    let url = made["url"].as_str().unwrap();
    assert!(url.contains("/embed/"), "{url}");
    let r = app
        .anon
        .get(format!("{}{}", app.address, path_of(url)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors https://intranet.example"),
        "{csp}"
    );
    assert!(r.headers().get("x-frame-options").is_none());
    let page = app.get("/reports").await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let viewer = client_with(Some(
        &user_with_token(&app.ctx, "v@example.com", Role::Viewer).1,
    ));
    let r = viewer
        .post(format!("{}/api/v1/shares", app.address))
        .json(&json!({ "reportId": report }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    for bad in [
        json!({}),
        json!({ "reportId": "nope" }),
        json!({ "reportId": report, "parameters": { "nope": "1" } }),
        json!({ "reportId": report, "expiresInDays": 0 }),
        json!({ "reportId": report, "dashboardId": "x" }),
    ] {
        let r = app
            .client
            .post(format!("{}/api/v1/shares", app.address))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{bad}");
    }
}

#[test]
fn a_bad_embed_origin_stops_the_start_naming_the_key() {
    let mut c = quire::config::Config::default();
    c.server.embed_origins = vec!["javascript:alert(1)".into()];
    let (key, _) = c.validate().unwrap_err();
    assert_eq!(key, "server.embed_origins[0]");
    c.server.embed_origins = vec!["https://ok.example".into()];
    assert!(c.validate().is_ok());
}

#[tokio::test]
async fn a_share_made_without_embed_does_not_open_in_a_frame_and_an_embed_opens_as_a_page_too() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let page = share(&app, json!({ "reportId": report })).await;
    let path = path_of(page["url"].as_str().unwrap());
    assert!(path.starts_with("/s/"), "{path}");
    let framed = path.replacen("/s/", "/embed/", 1);
    for p in [
        framed.clone(),
        format!("{framed}/widgets/revenue"),
        format!("{framed}/table/orders?page=1"),
    ] {
        let (status, body) = anon_text(&app, &p).await;
        assert_eq!(status, 404, "{p}: {body}");
        assert!(body.contains("not made for embedding"), "{p}: {body}");
    }
    assert_eq!(anon_text(&app, &path).await.0, 200);
    // An embed link is an iframe's; under /s/ it is the same read-only view, not framable.
    let embed = share(&app, json!({ "reportId": report, "embed": true })).await;
    let framed = path_of(embed["url"].as_str().unwrap());
    assert!(framed.starts_with("/embed/"), "{framed}");
    assert_eq!(anon_text(&app, &framed).await.0, 200);
    let as_page = framed.replacen("/embed/", "/s/", 1);
    let r = app
        .anon
        .get(format!("{}{as_page}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
}
