//! /api/v1/dashboards through the real server with the demo: the demo dashboard read back laid
//! out, create/read/change/duplicate/delete, refusals naming the field (nothing stored), roles,
//! reports in use, and widgets' data (KPIs compared with examples/sales.csv) under filters.

use crate::expected;
use crate::helpers::{client_with, spawn_app, user_with_token, TestApp};
use quire::model::user::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;

const API: &str = "/api/v1/dashboards";

/// Sends `body` (if any) as JSON with `client`.
async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut r = client.request(method, format!("{}{}", app.address, path));
    if let Some(b) = body {
        r = r.json(b);
    }
    r.send().await.unwrap()
}

/// Status and JSON body (Null when there is none).
async fn call(app: &TestApp, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    let r = send(app, &app.client, method, path, body).await;
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates a dashboard; the stored definition.
async fn create(app: &TestApp, body: &Value) -> Value {
    let (status, v) = call(app, Method::POST, API, Some(body)).await;
    assert_eq!(status, 201, "{body}: {v}");
    v
}

/// The 422 a refused body gets; returns the field it names.
async fn refused(app: &TestApp, method: Method, path: &str, body: &Value) -> String {
    let (status, p) = call(app, method, path, Some(body)).await;
    assert_eq!(status, 422, "{body}: {p}");
    let field = p["errors"][0]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {p}"))
        .to_string();
    assert!(p["detail"].as_str().unwrap().starts_with(&field), "{p}");
    field
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// The definition without what GET of one adds (each widget's data).
fn bare(v: &Value) -> Value {
    let mut v = v.clone();
    for w in v["widgets"].as_array_mut().unwrap() {
        let w = w.as_object_mut().unwrap();
        w.remove("data");
        w.remove("error");
    }
    v
}

/// Two KPIs, a chart and a text card of the demo report `report`, with a period filter on
/// the report's `days` parameter.
fn kpi_board(name: &str, report: &str) -> Value {
    json!({
        "name": name,
        "description": "Revenue at a glance",
        "widgets": [
            { "id": "rev", "x": 0, "y": 0, "w": 3, "h": 2, "reportId": report, "visualizationId": "revenue" },
            { "id": "ord", "x": 3, "y": 0, "w": 3, "h": 2, "reportId": report, "visualizationId": "orders_count", "title": "Orders" },
            { "id": "trend", "x": 0, "y": 2, "w": 12, "h": 5, "reportId": report, "visualizationId": "daily_revenue" },
            { "id": "note", "x": 6, "y": 0, "w": 6, "h": 2, "kind": "text", "text": "**Figures** from the order book." }
        ],
        "filters": [{ "id": "period", "label": "Period", "type": "date_range",
                      "targets": [{ "widgetId": "rev", "parameter": "days" }, { "widgetId": "ord", "parameter": "days" }] }]
    })
}

fn widget<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .unwrap_or_else(|| panic!("no widget {id} in {d}"))
}

/// A builder report: revenue by region as a table; its id.
async fn builder_report(app: &TestApp, name: &str) -> String {
    let body = json!({ "name": name, "builder": {
            "dataset": "sales",
            "dimensions": [{ "field": "region" }],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "sort": [{ "field": "region" }]
        },
        "visualizations": [{ "id": "rows", "type": "table" }] });
    let (status, v) = call(app, Method::POST, "/api/v1/reports", Some(&body)).await;
    assert_eq!(status, 201, "{v}");
    id_of(&v)
}

#[tokio::test]
async fn the_demo_dashboard_reads_back_laid_out_with_its_report_on_every_widget() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let list = app.get_json(API).await;
    let demo = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Sales overview")
        .unwrap_or_else(|| panic!("{list}"));
    let viz: Vec<String> = app.get_json(&format!("/api/v1/reports/{report}")).await
        ["visualizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(demo["widgets"], viz.len(), "{demo}");
    assert!(
        demo["updatedAt"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{demo}"
    );
    assert!(demo.get("default").is_some_and(Value::is_boolean), "{demo}");

    let d = app.get_json(&format!("{API}/{}", id_of(demo))).await;
    assert_eq!(d["id"], demo["id"]);
    assert_eq!(d["name"], "Sales overview");
    assert!(
        d.get("reportId").is_none(),
        "the short form is resolved: {d}"
    );
    let widgets = d["widgets"].as_array().unwrap();
    assert_eq!(widgets.len(), viz.len());
    let mut cells = HashSet::new();
    for (w, v) in widgets.iter().zip(&viz) {
        assert_eq!(w["reportId"], report.as_str(), "{w}");
        assert_eq!(w["visualizationId"], v.as_str(), "{w}");
        let (x, y, ww, h) = (
            w["x"].as_u64().unwrap(),
            w["y"].as_u64().unwrap(),
            w["w"].as_u64().unwrap(),
            w["h"].as_u64().unwrap(),
        );
        assert!(ww >= 1 && h >= 1 && x + ww <= 12, "placed on the grid: {w}");
        for cx in x..x + ww {
            for cy in y..y + h {
                assert!(cells.insert((cx, cy)), "widgets overlap at ({cx}, {cy})");
            }
        }
    }
    // Each visualization's data: the KPIs as examples/sales.csv gives them (90 days, the
    // report's default), charts as SVG, the table's first page.
    let k = expected::kpis(90);
    for (id, value, change) in [
        ("revenue", &k.revenue, &k.revenue_change),
        ("orders_count", &k.orders, &k.orders_change),
        ("aov", &k.aov, &k.aov_change),
        ("customers", &k.customers, &k.customers_change),
    ] {
        let data = &widget(&d, id)["data"];
        assert_eq!(data["kind"], "kpi", "{data}");
        assert_eq!(data["value"], value.as_str(), "{id}");
        assert_eq!(data["change"], change.as_str(), "{id}");
    }
    for id in ["daily_revenue", "top_products", "region_share"] {
        let data = &widget(&d, id)["data"];
        assert_eq!(data["kind"], "chart", "{id}");
        assert!(data["svg"].as_str().unwrap().contains("<svg"), "{id}");
    }
    let table = &widget(&d, "orders")["data"];
    assert_eq!(table["kind"], "table");
    assert_eq!(
        table["totalRows"].as_u64().unwrap() as usize,
        k.window.len(),
        "{}",
        table["totalRows"]
    );
    assert_eq!(table["rows"][0][0], k.window[0].id.to_string());
    assert_eq!(table["page"], 1);
    assert!(
        table["pageCount"].as_u64().unwrap() >= 1,
        "{}",
        table["pageCount"]
    );
}

#[tokio::test]
async fn a_dashboard_is_created_read_changed_duplicated_and_deleted() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let before = app.get_json(API).await.as_array().unwrap().len();

    // Created: 201, a Location, the stored definition with its id.
    let r = send(
        &app,
        &app.client,
        Method::POST,
        API,
        Some(&kpi_board("Revenue board", &report)),
    )
    .await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let saved: Value = r.json().await.unwrap();
    let id = id_of(&saved);
    assert_eq!(location, format!("{API}/{id}"));
    assert_eq!(saved["name"], "Revenue board");
    assert_eq!(widget(&saved, "ord")["title"], "Orders");
    assert_eq!(saved["filters"][0]["targets"][1]["parameter"], "days");
    assert_eq!(saved["default"], false);

    // Read back: the same definition, data on the visualizations only.
    let read = app.get_json(&location).await;
    assert_eq!(bare(&read), saved);
    assert!(widget(&read, "rev")["data"].is_object());
    assert!(widget(&read, "trend")["data"]["svg"].is_string());
    assert!(widget(&read, "note").get("data").is_none(), "{read}");

    // Listed, and found by a part of its name in any case.
    let list = app.get_json(API).await;
    assert_eq!(list.as_array().unwrap().len(), before + 1);
    let found = app.get_json(&format!("{API}?q=NUE%20bo")).await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["id"], id.as_str());
    assert_eq!(found[0]["widgets"], 4);
    assert_eq!(found[0]["description"], "Revenue at a glance");
    assert_eq!(app.get_json(&format!("{API}?q=zzz")).await, json!([]));
    assert_eq!(
        app.get_json(&format!("{API}?q="))
            .await
            .as_array()
            .unwrap()
            .len(),
        before + 1
    );
    let r = send(
        &app,
        &app.client,
        Method::GET,
        &format!("{API}?nope=1"),
        None,
    )
    .await;
    assert_eq!(r.status(), 400);

    // Changed: what GET answered (with its data), edited and sent back.
    let mut edit = read.clone();
    edit["name"] = json!("Revenue board, weekly");
    edit["widgets"][2]["h"] = json!(7);
    edit["widgets"].as_array_mut().unwrap().remove(3);
    edit["refreshSeconds"] = json!(300);
    let (status, changed) = call(&app, Method::PUT, &location, Some(&edit)).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Revenue board, weekly");
    assert_eq!(changed["refreshSeconds"], 300);
    assert_eq!(widget(&changed, "trend")["h"], 7);
    assert_eq!(changed["widgets"].as_array().unwrap().len(), 3);
    assert_eq!(bare(&app.get_json(&location).await), changed);

    // Unplaced widgets (no size) are laid out after the placed ones.
    let mut more = changed.clone();
    more["widgets"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "aov", "reportId": report, "visualizationId": "aov" }));
    let (status, placed) = call(&app, Method::PUT, &location, Some(&more)).await;
    assert_eq!(status, 200, "{placed}");
    let aov = widget(&placed, "aov");
    assert!(
        aov["w"].as_u64().unwrap() >= 1 && aov["h"].as_u64().unwrap() >= 1,
        "{aov}"
    );
    assert!(aov["y"].as_u64().unwrap() >= 9, "below the chart: {aov}");

    // A second one from the demo report in the short form: every visualization, laid out.
    let short = create(&app, &json!({ "name": "Short", "reportId": "Sales overview", "widgets": ["revenue", "daily_revenue"] })).await;
    assert!(short.get("reportId").is_none());
    let ws = short["widgets"].as_array().unwrap();
    assert_eq!(ws.len(), 2);
    assert!(
        ws.iter()
            .all(|w| w["reportId"] == report.as_str() && w["w"].as_u64().unwrap() > 0),
        "{short}"
    );

    // Duplicated: "(copy)", then "(copy 2)"; new ids; never the default.
    let url = format!("{location}/duplicate");
    let r = send(&app, &app.client, Method::POST, &url, None).await;
    assert_eq!(r.status(), 201);
    let copy_location = r.headers()["location"].to_str().unwrap().to_string();
    let copy: Value = r.json().await.unwrap();
    assert_eq!(copy["name"], "Revenue board, weekly (copy)");
    assert_ne!(copy["id"], id.as_str());
    assert_eq!(copy_location, format!("{API}/{}", id_of(&copy)));
    assert_eq!(copy["widgets"], placed["widgets"]);
    assert_eq!(copy["filters"], placed["filters"]);
    let (status, copy2) = call(&app, Method::POST, &url, None).await;
    assert_eq!(status, 201);
    assert_eq!(copy2["name"], "Revenue board, weekly (copy 2)");
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("{API}/no-such-id/duplicate"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Deleted: 204, then 404 everywhere; the copies stay.
    let (status, _) = call(&app, Method::DELETE, &location, None).await;
    assert_eq!(status, 204);
    for (method, body) in [
        (Method::GET, None),
        (Method::DELETE, None),
        (Method::PUT, Some(&changed)),
    ] {
        let (status, p) = call(&app, method.clone(), &location, body).await;
        assert_eq!(status, 404, "{method} after delete: {p}");
        assert!(
            p["detail"].as_str().unwrap().contains("no dashboard"),
            "{p}"
        );
    }
    assert_eq!(
        app.get_json(&copy_location).await["name"],
        "Revenue board, weekly (copy)"
    );
    assert_eq!(
        app.get_json(API).await.as_array().unwrap().len(),
        before + 3
    );

    // The gate audited the changes (written just after the response: waited for).
    let mut audit = json!([]);
    for _ in 0..100 {
        audit = app
            .get_json("/api/v1/audit?action=DELETE%20/api/v1/dashboards/%7Bid%7D")
            .await;
        if audit
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["target"] == id.as_str()))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["target"] == id.as_str()),
        "{audit}"
    );
}

#[tokio::test]
async fn bad_dashboards_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let builder = builder_report(&app, "Revenue by region").await;
    let good = kpi_board("Checked", &report);
    let before = app.get_json(API).await;

    // `path` (dots; numbers index arrays) set to `v` in the good body.
    let with = |path: &str, v: Value| {
        let mut j = good.clone();
        let mut at = &mut j;
        for k in path.split('.') {
            at = match k.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[k],
            };
        }
        *at = v;
        j
    };
    let mut dup = good.clone();
    dup["widgets"][1]["id"] = json!("rev");
    let cases: Vec<(Value, &str)> = vec![
        (with("widgets.1.x", json!(10)), "widgets[1].w"),
        (with("widgets.1.w", json!(10)), "widgets[1].w"),
        (with("widgets.1.x", json!(12)), "widgets[1].x"),
        (with("widgets.0.y", json!(u32::MAX)), "widgets[0].y"),
        (with("widgets.0.h", json!(41)), "widgets[0].h"),
        (with("widgets.0.x", json!(-1)), "widgets[0]"),
        (with("widgets.0.x", json!(1e10)), "widgets[0]"),
        (
            with("widgets.0.reportId", json!("no-such-report")),
            "widgets[0].reportId",
        ),
        (
            with("widgets.0.reportId", json!("Sales overview")),
            "widgets[0].reportId",
        ),
        (
            with("widgets.0.visualizationId", json!("no_such_chart")),
            "widgets[0].visualizationId",
        ),
        (
            with("widgets.0.visualizationId", Value::Null),
            "widgets[0].visualizationId",
        ),
        (
            with("widgets.0.parameters", json!({ "nope": "1" })),
            "widgets[0].parameters.nope",
        ),
        (dup, "widgets[1].id"),
        (with("widgets.0.id", json!("")), "widgets[0].id"),
        (
            with("filters.0.targets.1.widgetId", json!("gone")),
            "filters[0].targets[1].widgetId",
        ),
        (
            with("filters.0.targets.0.widgetId", json!("note")),
            "filters[0].targets[0].widgetId",
        ),
        (
            with("filters.0.targets.0.parameter", json!("weeks")),
            "filters[0].targets[0].parameter",
        ),
        (
            with("filters.0.targets.0", json!({ "widgetId": "rev" })),
            "filters[0].targets[0]",
        ),
        (
            with("filters.0.targets.0.field", json!("region")),
            "filters[0].targets[0]",
        ),
        (with("filters.0.targets", json!([])), "filters[0].targets"),
        (with("filters.0.id", json!("a b")), "filters[0].id"),
        (with("filters.0.type", json!("slider")), "filters[0].type"),
        // A field target on a widget whose query is SQL, not a builder.
        (
            with(
                "filters.0.targets.0",
                json!({ "widgetId": "rev", "field": "region" }),
            ),
            "filters[0].targets[0].field",
        ),
        (with("refreshSeconds", json!(1)), "refreshSeconds"),
        (with("name", json!("")), "name"),
        (with("name", json!(" \t\n ")), "name"),
        (with("name", json!("n".repeat(201))), "name"),
        (with("name", json!("n".repeat(100_000))), "name"),
        (with("name", json!(42)), "name"),
        (with("name", json!("Sales overview")), "name"),
        (with("description", json!("d".repeat(2001))), "description"),
        // It may quote its reports' queries; a template that cannot be read is refused.
        (
            with(
                "description",
                json!("From {{ queries.kpis.period_start|date "),
            ),
            "description",
        ),
        (with("unknown", json!(1)), "unknown"),
        (with("reportId", json!("no such report")), "reportId"),
        (json!([]), "body"),
        (json!("a dashboard"), "body"),
    ];
    for (body, field) in &cases {
        let got = refused(&app, Method::POST, API, body).await;
        assert!(
            got.starts_with(field),
            "{field} expected, got {got} for {body}"
        );
    }

    // A field target must be a field of the builder's dataset.
    let on_builder = |field: &str| {
        json!({ "name": "Regions", "widgets": [{ "id": "t", "x": 0, "y": 0, "w": 12, "h": 6, "reportId": builder, "visualizationId": "rows" }],
                "filters": [{ "id": "region", "type": "select", "targets": [{ "widgetId": "t", "field": field }] }] })
    };
    for field in ["no_such_column", "region; DROP TABLE sales", ""] {
        let got = refused(&app, Method::POST, API, &on_builder(field)).await;
        assert_eq!(got, "filters[0].targets[0].field", "{field}");
    }

    // Malformed or not JSON: 400 and 415; a body over the limit: 413; never a 5xx.
    for raw in [
        "{",
        "{\"name\": \"x\",}",
        "",
        "{\"name\": \"x\"} trailing",
        "\u{0}",
    ] {
        let r = app
            .client
            .post(format!("{}{API}", app.address))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{raw:?}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let r = app
        .client
        .post(format!("{}{API}", app.address))
        .header("content-type", "text/plain")
        .body(good.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let huge = with("name", json!("n".repeat(1 << 20)));
    let (status, p) = call(&app, Method::POST, API, Some(&huge)).await;
    assert!(status == 413 || status == 422, "{status} {p}");

    assert_eq!(app.get_json(API).await, before, "nothing was stored");

    // The same checks on a replacement, which leaves the stored one as it was.
    let saved = create(&app, &good).await;
    let url = format!("{API}/{}", id_of(&saved));
    for (body, field) in &cases[..12] {
        let got = refused(&app, Method::PUT, &url, body).await;
        assert!(got.starts_with(field), "{field} expected, got {got}");
    }
    assert_eq!(bare(&app.get_json(&url).await), saved);
    let (status, _) = call(&app, Method::PUT, &format!("{API}/no-such-id"), Some(&good)).await;
    assert_eq!(status, 404);

    // Hostile but valid names are kept as they are (escaping is the pages' business).
    for name in [
        "<script>alert(1)</script>",
        "'; DROP TABLE dashboards; --",
        "Ünïcødé 📊 \u{202e}reversed",
        "../../etc/passwd",
        "{{ 7 * 7 }}",
    ] {
        let d = create(&app, &with("name", json!(name))).await;
        assert_eq!(d["name"], name);
        assert_eq!(
            app.get_json(&format!("{API}/{}", id_of(&d))).await["name"],
            name
        );
    }
    // Surrounding blanks are trimmed, so a name cannot be taken twice by padding it.
    let d = create(&app, &with("name", json!("  Padded  "))).await;
    assert_eq!(d["name"], "Padded");
    assert_eq!(
        refused(&app, Method::POST, API, &with("name", json!("Padded "))).await,
        "name"
    );

    // A valid field target on the builder report is taken.
    create(&app, &on_builder("region")).await;
}

#[tokio::test]
async fn a_viewer_reads_dashboards_but_may_not_change_them() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let viewer = client_with(Some(
        &user_with_token(&app.ctx, "viewer@example.com", Role::Viewer).1,
    ));
    let editor = client_with(Some(
        &user_with_token(&app.ctx, "editor@example.com", Role::Editor).1,
    ));
    let demo = app.dashboard_id().await;
    let one = format!("{API}/{demo}");
    let body = kpi_board("Viewer's attempt", &report);

    let r = send(&app, &viewer, Method::GET, API, None).await;
    assert_eq!(r.status(), 200);
    let r = send(&app, &viewer, Method::GET, &one, None).await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["name"], "Sales overview");
    for (method, path, body) in [
        (Method::POST, API.to_string(), Some(&body)),
        (Method::PUT, one.clone(), Some(&bare(&d))),
        (Method::DELETE, one.clone(), None),
        (Method::POST, format!("{one}/duplicate"), None),
    ] {
        let r = send(&app, &viewer, method.clone(), &path, body).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = send(&app, &app.anon, method.clone(), &path, body).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    assert_eq!(app.get_json(&one).await["name"], "Sales overview");
    assert_eq!(app.get_json(API).await.as_array().unwrap().len(), 1);

    // An editor may.
    let r = send(&app, &editor, Method::POST, API, Some(&body)).await;
    assert_eq!(r.status(), 201);
    let id = id_of(&r.json().await.unwrap());
    let r = send(
        &app,
        &editor,
        Method::POST,
        &format!("{API}/{id}/duplicate"),
        None,
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = send(&app, &editor, Method::DELETE, &format!("{API}/{id}"), None).await;
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn a_report_a_dashboard_shows_is_not_deleted_until_the_dashboard_is() {
    let app = spawn_app().await;
    let report = builder_report(&app, "Regional revenue").await;
    let d = create(
        &app,
        &json!({ "name": "Regions board", "widgets": [
            { "id": "t", "x": 0, "y": 0, "w": 12, "h": 6, "reportId": report, "visualizationId": "rows" }] }),
    )
    .await;
    let report_url = format!("/api/v1/reports/{report}");
    let (status, p) = call(&app, Method::DELETE, &report_url, None).await;
    assert_eq!(status, 409, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("dashboard `Regions board`"),
        "{p}"
    );
    assert_eq!(app.get_json(&report_url).await["name"], "Regional revenue");

    // Nor is its visualization dropped from under the widget.
    let mut def = app.get_json(&report_url).await;
    def["visualizations"] = json!([{ "id": "other", "type": "table" }]);
    let (status, p) = call(&app, Method::PUT, &report_url, Some(&def)).await;
    assert_eq!(status, 422, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("Regions board"),
        "{p}"
    );

    let (status, _) = call(&app, Method::DELETE, &format!("{API}/{}", id_of(&d)), None).await;
    assert_eq!(status, 204);
    let (status, p) = call(&app, Method::DELETE, &report_url, None).await;
    assert_eq!(status, 204, "{p}");
}

/// The `value` and `change` of widget `id`'s KPI in `d`.
fn kpi(d: &Value, id: &str) -> (String, String) {
    let data = &widget(d, id)["data"];
    assert_eq!(data["kind"], "kpi", "{id}: {}", widget(d, id));
    (
        data["value"].as_str().unwrap().to_string(),
        data["change"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn one_dashboard_reads_with_its_widgets_data_and_its_filters_change_the_figures() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let d = create(&app, &kpi_board("Filtered", &report)).await;
    let url = format!("{API}/{}", id_of(&d));
    let want = |days| {
        let k = expected::kpis(days);
        ((k.revenue, k.revenue_change), (k.orders, k.orders_change))
    };

    // No filter value: the report's default (90 days).
    let read = app.get_json(&url).await;
    assert_eq!((kpi(&read, "rev"), kpi(&read, "ord")), want(90));
    let trend = &widget(&read, "trend")["data"];
    assert_eq!(trend["kind"], "chart");
    assert_eq!(trend["title"], "Daily revenue");
    assert!(widget(&read, "note").get("data").is_none());

    // A date range on the number parameter `days` gives it the range's length.
    let read = app.get_json(&format!("{url}?f.period=last_30_days")).await;
    assert_eq!((kpi(&read, "rev"), kpi(&read, "ord")), want(30));
    let read = app
        .get_json(&format!("{url}?f.period=2024-03-01..2024-03-07"))
        .await;
    assert_eq!((kpi(&read, "rev"), kpi(&read, "ord")), want(7));
    // An empty value is no value.
    let read = app.get_json(&format!("{url}?f.period=")).await;
    assert_eq!(kpi(&read, "rev"), want(90).0);
    // A report parameter by name, for the widgets no filter drives.
    let read = app.get_json(&format!("{url}?days=30")).await;
    assert_eq!(kpi(&read, "rev"), want(30).0);

    // The filter's default applies without a value in the URL; a widget's fixed parameter
    // holds unless a filter drives it.
    let mut def = bare(&app.get_json(&url).await);
    def["filters"][0]["default"] = json!("last_7_days");
    def["filters"][0]["targets"] = json!([{ "widgetId": "rev", "parameter": "days" }]);
    widget_mut(&mut def, "ord")["parameters"] = json!({ "days": "30" });
    let (status, p) = call(&app, Method::PUT, &url, Some(&def)).await;
    assert_eq!(status, 200, "{p}");
    let read = app.get_json(&url).await;
    assert_eq!(kpi(&read, "rev"), want(7).0);
    assert_eq!(kpi(&read, "ord"), want(30).1);
    let read = app
        .get_json(&format!("{url}?f.period=last_90_days&days=7"))
        .await;
    assert_eq!(kpi(&read, "rev"), want(90).0);
    assert_eq!(kpi(&read, "ord"), want(30).1);

    // Bad filter values and unknown keys are refused naming them.
    for (q, status, mention) in [
        ("f.period=yesterday", 422, "f.period"),
        ("f.period=2024-03-07..2024-03-01", 422, "f.period"),
        ("f.nope=1", 400, "f.nope"),
        ("nope=1", 400, "nope"),
    ] {
        let (got, p) = call(&app, Method::GET, &format!("{url}?{q}"), None).await;
        assert_eq!(got, status, "{q}: {p}");
        assert!(p["detail"].as_str().unwrap().contains(mention), "{q}: {p}");
    }
    // A bad report parameter is the widgets' error, not the request's.
    let read = app.get_json(&format!("{url}?days=ninety")).await;
    let trend = widget(&read, "trend");
    assert!(trend["data"].is_null(), "{trend}");
    assert!(trend["error"].as_str().unwrap().contains("days"), "{trend}");
    assert_eq!(kpi(&read, "rev"), want(7).0, "a filter drives it");

    let (status, _) = call(&app, Method::GET, &format!("{API}/no-such-id"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_field_filter_narrows_a_builder_widget() {
    let app = spawn_app().await;
    let report = builder_report(&app, "Regional revenue").await;
    let d = create(
        &app,
        &json!({ "name": "Regions", "widgets": [
            { "id": "t", "x": 0, "y": 0, "w": 12, "h": 6, "reportId": report, "visualizationId": "rows" }],
            "filters": [{ "id": "region", "type": "select", "targets": [{ "widgetId": "t", "field": "region" }] }] }),
    )
    .await;
    let url = format!("{API}/{}", id_of(&d));
    let regions: HashSet<String> = expected::orders().into_iter().map(|o| o.region).collect();
    let all = app.get_json(&url).await;
    let data = &widget(&all, "t")["data"];
    assert_eq!(data["kind"], "table", "{all}");
    assert_eq!(
        data["rows"].as_array().unwrap().len(),
        regions.len(),
        "{data}"
    );
    let one = regions.iter().min().unwrap();
    let cents: i64 = expected::orders()
        .iter()
        .filter(|o| &o.region == one)
        .map(|o| o.revenue_cents)
        .sum();
    let read = app.get_json(&format!("{url}?f.region={one}")).await;
    let rows = widget(&read, "t")["data"]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], one.as_str());
    let shown: String = rows[0][1]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    assert_eq!(
        (shown.parse::<f64>().unwrap() * 100.0).round() as i64,
        cents,
        "{rows:?}"
    );
}

fn widget_mut<'a>(d: &'a mut Value, id: &str) -> &'a mut Value {
    d["widgets"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|w| w["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn grid_numbers_at_the_edge_of_their_type_are_refused_not_a_server_error() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let good = kpi_board("Edges", &report);
    for (key, field) in [
        ("x", "widgets[1].x"),
        ("y", "widgets[1].y"),
        ("w", "widgets[1].w"),
        ("h", "widgets[1].h"),
    ] {
        let mut body = good.clone();
        body["widgets"][1][key] = json!(u32::MAX);
        let got = refused(&app, Method::POST, API, &body).await;
        assert_eq!(got, field, "{key}");
    }
    // Names with control characters: kept as they are or refused naming the name, never a 5xx.
    for name in ["a\u{0}b", "line\nbreak", "\u{7}bell", "tab\there"] {
        let mut body = good.clone();
        body["name"] = json!(name);
        let (status, v) = call(&app, Method::POST, API, Some(&body)).await;
        match status {
            201 => assert_eq!(
                app.get_json(&format!("{API}/{}", id_of(&v))).await["name"],
                name
            ),
            422 => assert_eq!(v["errors"][0]["field"], "name", "{v}"),
            _ => panic!("{name:?}: {status} {v}"),
        }
    }
}

#[tokio::test]
async fn a_dashboard_is_one_document_as_pdf_and_xlsx_with_its_filters_on_the_cover() {
    let app = crate::helpers::spawn_app().await;
    let report = app.report_id().await;
    let def: serde_json::Value = serde_json::json!({
        "name": "Six widgets",
        "widgets": [
            { "id": "revenue", "reportId": report, "visualizationId": "revenue", "x": 0, "y": 0, "w": 3, "h": 2 },
            { "id": "orders_count", "reportId": report, "visualizationId": "orders_count", "x": 3, "y": 0, "w": 3, "h": 2 },
            { "id": "note", "kind": "text", "text": "Figures for the board meeting.", "x": 6, "y": 0, "w": 6, "h": 2 },
            { "id": "daily_revenue", "reportId": report, "visualizationId": "daily_revenue", "x": 0, "y": 2, "w": 6, "h": 5 },
            { "id": "region_share", "reportId": report, "visualizationId": "region_share", "x": 6, "y": 2, "w": 6, "h": 5 },
            { "id": "orders", "reportId": report, "visualizationId": "orders", "x": 0, "y": 7, "w": 12, "h": 8 }
        ],
        "filters": [{ "id": "period", "label": "Period", "type": "date_range",
                      "targets": [{ "widgetId": "revenue", "parameter": "days" }, { "widgetId": "orders", "parameter": "days" }] }]
    });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&def)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let made: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap();
    let pdf = app
        .get(&format!(
            "/api/v1/dashboards/{id}/export?format=pdf&f.period=last_30_days"
        ))
        .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    crate::helpers::assert_valid_pdf(&bytes);
    let text = crate::helpers::pdf_pages(&bytes).concat();
    let k30 = crate::expected::kpis(30);
    for needle in [
        "Six widgets",
        "Period",
        "Last 30 days",
        "Figures for the board meeting.",
        "Daily revenue",
        "Revenue share by region",
        k30.revenue.as_str(),
    ] {
        assert!(text.contains(needle), "`{needle}` not in the PDF");
    }
    let xlsx = app
        .get(&format!("/api/v1/dashboards/{id}/export?format=xlsx"))
        .await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a zip");
    let bad = app
        .get(&format!("/api/v1/dashboards/{id}/export?format=csv"))
        .await;
    assert_eq!(bad.status(), 422);
    let bad = app
        .get(&format!(
            "/api/v1/dashboards/{id}/export?format=pdf&f.period=someday"
        ))
        .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn a_report_is_added_to_a_new_or_an_existing_dashboard_from_its_page() {
    let app = crate::helpers::spawn_app().await;
    let report = app.report_id().await;
    let page = app
        .get(&format!("/reports/{report}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"add-to-dashboard\""));
    let add = |dashboard: &str| {
        app.anon
            .post(format!("{}/reports/{report}/add-to-dashboard", app.address))
            .header("Authorization", format!("Bearer {}", app.token))
            .form(&[("dashboard", dashboard)])
            .send()
    };
    let r = add("").await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("/edit"), "{to}");
    let id = to
        .trim_start_matches("/dashboards/")
        .trim_end_matches("/edit")
        .to_string();
    let d = app.get_json(&format!("/api/v1/dashboards/{id}")).await;
    let n = d["widgets"].as_array().unwrap().len();
    assert_eq!(
        d["name"], "Sales overview (2)",
        "the demo has a dashboard of that name"
    );
    assert!(n >= 8, "{d}");
    // Again onto the same one: new ids, laid out below.
    assert_eq!(add(&id).await.unwrap().status(), 303);
    let again = app.get_json(&format!("/api/v1/dashboards/{id}")).await;
    let widgets = again["widgets"].as_array().unwrap();
    assert_eq!(widgets.len(), 2 * n);
    let ids: std::collections::BTreeSet<&str> =
        widgets.iter().map(|w| w["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2 * n, "unique ids");
    assert!(widgets.iter().all(|w| w["w"].as_u64().unwrap() > 0));
    let viewer = crate::helpers::client_with(Some(
        &crate::helpers::user_with_token(
            &app.ctx,
            "v@example.com",
            quire::model::user::Role::Viewer,
        )
        .1,
    ));
    let r = viewer
        .post(format!("{}/reports/{report}/add-to-dashboard", app.address))
        .form(&[("dashboard", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// No two widgets share a cell (placed ones), checked on a stored definition.
fn overlap_free(d: &Value) {
    let ws = d["widgets"].as_array().unwrap();
    let n = |w: &Value, k: &str| w[k].as_u64().unwrap();
    for (i, a) in ws.iter().enumerate() {
        for b in &ws[i + 1..] {
            let cols = n(a, "x") < n(b, "x") + n(b, "w") && n(b, "x") < n(a, "x") + n(a, "w");
            let rows = n(a, "y") < n(b, "y") + n(b, "h") && n(b, "y") < n(a, "y") + n(a, "h");
            assert!(
                !(cols && rows),
                "{} and {} share cells in {d}",
                a["id"],
                b["id"]
            );
        }
    }
}

#[tokio::test]
async fn overlapping_widgets_are_refused_naming_both_and_nothing_is_stored() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let good = create(&app, &kpi_board("Layered", &report)).await;
    let path = format!("{API}/{}", id_of(&good));
    // The note laid on the chart's title (rows 2 and 3 of columns 6 to 11).
    let mut body = bare(&good);
    body.as_object_mut().unwrap().remove("id");
    widget_mut(&mut body, "note")["y"] = json!(1);
    for (method, at) in [(Method::PUT, path.as_str()), (Method::POST, API)] {
        let (status, p) = call(&app, method.clone(), at, Some(&body)).await;
        assert_eq!(status, 422, "{method}: {p}");
        let detail = p["detail"].as_str().unwrap();
        assert_eq!(p["errors"][0]["field"], "widgets[3]", "{p}");
        assert!(
            detail.contains("`widgets[2]` and `widgets[3]` overlap")
                && detail.contains("\"trend\"")
                && detail.contains("\"note\""),
            "{p}"
        );
    }
    // A widget on top of another exactly, and one sharing a single corner cell.
    for (id, x, y) in [("ord", 0, 0), ("trend", 2, 1)] {
        let mut b = body.clone();
        widget_mut(&mut b, "note")["y"] = json!(0);
        widget_mut(&mut b, id)["x"] = json!(x);
        widget_mut(&mut b, id)["y"] = json!(y);
        let got = refused(&app, Method::PUT, &path, &b).await;
        assert!(got.starts_with("widgets["), "{id}: {got}");
    }
    // Nothing changed; side by side and one under the other are fine.
    assert_eq!(bare(&app.get_json(&path).await), bare(&good));
    widget_mut(&mut body, "note")["y"] = json!(7);
    let (status, v) = call(&app, Method::PUT, &path, Some(&body)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(widget(&app.get_json(&path).await, "note")["y"], 7);
}

#[tokio::test]
async fn a_stored_or_provisioned_dashboard_that_overlaps_is_repaired_at_start() {
    let report_key = "Sales overview";
    // reports.toml's [[dashboards]]: a table over two charts, a note on a chart's title.
    let provisioned: quire::model::dashboard::DashboardDefinition = serde_json::from_value(json!({
        "name": "Piled",
        "reportId": report_key,
        "widgets": [
            { "id": "a", "visualizationId": "daily_revenue", "x": 0, "y": 0, "w": 6, "h": 5 },
            { "id": "b", "visualizationId": "top_products", "x": 6, "y": 0, "w": 6, "h": 5 },
            { "id": "note", "kind": "text", "text": "Note", "x": 0, "y": 1, "w": 12, "h": 2 },
            { "id": "t", "visualizationId": "orders", "x": 0, "y": 4, "w": 12, "h": 8 },
            "revenue"
        ]
    }))
    .unwrap();
    let app = crate::helpers::spawn_app_with(|c| c.dashboards.push(provisioned)).await;
    let list = app.get_json(API).await.as_array().unwrap().clone();
    let id = |name: &str| {
        list.iter()
            .find(|d| d["name"] == name)
            .map(id_of)
            .unwrap_or_else(|| panic!("no {name} in {list:?}"))
    };
    let d = app.get_json(&format!("{API}/{}", id("Piled"))).await;
    overlap_free(&d);
    let at = |id: &str| (widget(&d, id)["x"].clone(), widget(&d, id)["y"].clone());
    assert_eq!(at("a"), (json!(0), json!(0)), "{d}");
    assert_eq!(at("b"), (json!(6), json!(0)), "{d}");
    assert_eq!(at("note"), (json!(0), json!(5)), "{d}");
    assert_eq!(at("t"), (json!(0), json!(7)), "{d}");
    // The short form's widget is placed after the others.
    assert!(widget(&d, "revenue")["y"].as_u64().unwrap() >= 15, "{d}");

    // A dashboard stored before overlaps were refused (written to the store directly) is
    // repaired when the server starts again on the same data.
    let demo = app.dashboard_id().await;
    let mut def = quire::store::dashboard::get(&*app.ctx.store.app.get().unwrap(), &demo)
        .unwrap()
        .unwrap()
        .definition;
    def.widgets[1].x = def.widgets[0].x;
    def.widgets[1].y = def.widgets[0].y;
    assert!(def.overlapping().is_some());
    quire::store::dashboard::upsert(&*app.ctx.store.app.get().unwrap(), &demo, &def, false)
        .unwrap();
    let mut config = (*app.ctx.config).clone();
    config.server.bind = "127.0.0.1:0".into();
    let again = quire::startup::Application::build(config, false)
        .await
        .expect("the server starts again");
    drop(again);
    let repaired = quire::store::dashboard::get(&*app.ctx.store.app.get().unwrap(), &demo)
        .unwrap()
        .unwrap()
        .definition;
    assert_eq!(repaired.overlapping(), None, "{repaired:?}");
    assert_eq!(repaired.widgets.len(), def.widgets.len());
    overlap_free(&app.get_json(&format!("{API}/{demo}")).await);
}
