//! The dashboard editor (`/dashboards/{id}/edit`, issue 23 items 2 and 3): what the page offers
//! a filter to drive, its Save refusing hostile input naming the field (as JSON to the page's
//! script, as a page otherwise) with the stored dashboard untouched, a rename, and the whole
//! editor in a browser (tests/browser/dashboard_edit.mjs, with QUIRE_BROWSER_TESTS=1).

use crate::helpers::{spawn_app, TestApp};
use serde_json::{json, Value};

/// Two KPIs, two charts and a note of the demo report, laid out without gaps.
async fn board(app: &TestApp, name: &str) -> (String, Value) {
    let report = app.report_id().await;
    let viz = |id: &str, v: &str, x, y, w, h| json!({ "id": id, "reportId": report, "visualizationId": v, "x": x, "y": y, "w": w, "h": h });
    let def = json!({ "name": name, "widgets": [
        viz("revenue", "revenue", 0, 0, 3, 2),
        viz("orders", "orders_count", 3, 0, 3, 2),
        viz("top", "top_products", 6, 0, 6, 5),
        viz("daily", "daily_revenue", 0, 2, 6, 5),
        { "id": "note", "kind": "text", "text": "Figures from the **order book**.", "x": 0, "y": 7, "w": 12, "h": 2 }
    ] });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    (v["id"].as_str().unwrap().to_string(), def)
}

/// Posts the editor's form; the status and the body (JSON when `json`).
async fn save(app: &TestApp, id: &str, def: &Value, json: bool) -> (u16, String) {
    let mut r = app
        .client
        .post(format!("{}/dashboards/{id}/edit", app.address))
        .form(&[("definition", def.to_string())]);
    if json {
        r = r.header("Accept", "application/json");
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn stored(app: &TestApp, id: &str) -> Value {
    let mut d = app.get_json(&format!("/api/v1/dashboards/{id}")).await;
    for w in d["widgets"].as_array_mut().unwrap() {
        w.as_object_mut().unwrap().remove("data");
    }
    d
}

#[tokio::test]
async fn the_editor_offers_each_widgets_parameters_and_builder_fields_to_filters() {
    let app = spawn_app().await;
    let (id, _) = board(&app, "Offers").await;
    let builder = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .json(&json!({ "name": "By region", "builder": {
            "dataset": "sales", "dimensions": [{ "field": "region" }],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }] },
            "visualizations": [{ "id": "rows", "type": "table" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(builder.status(), 201);
    let html = app
        .get(&format!("/dashboards/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    let attr = |name: &str| -> Value {
        let at = html.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let raw = &html[at..at + html[at..].find('"').unwrap()];
        serde_json::from_str(
            &raw.replace("&quot;", "\"")
                .replace("&#34;", "\"")
                .replace("&#39;", "'")
                .replace("&#x27;", "'")
                .replace("&amp;", "&"),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}: {raw}"))
    };
    let reports = attr("data-reports");
    let demo = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Sales overview")
        .unwrap();
    assert!(
        demo["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "days" && p["type"] == "number"),
        "{demo}"
    );
    let by_region = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "By region")
        .unwrap();
    let fields: Vec<&str> = by_region["visualizations"][0]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {by_region}"))
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"region") && fields.contains(&"order_date"),
        "{fields:?}"
    );
    assert_eq!(attr("data-presets")[0][0], "last_7_days");
    assert!(html.contains("data-action=\"add-filter\""));
    assert!(html.contains("id=\"dash-name\""));
}

#[tokio::test]
async fn a_save_from_the_editor_refuses_hostile_filters_naming_the_field_and_keeps_the_dashboard() {
    let app = spawn_app().await;
    let (id, def) = board(&app, "Guarded").await;
    let before = stored(&app, &id).await;
    let with_filter = |f: Value| {
        let mut d = def.clone();
        d["filters"] = json!([f]);
        d
    };
    let target = json!([{ "widgetId": "revenue", "parameter": "days" }]);
    let cases = [
        (
            with_filter(json!({ "id": "p", "label": "P", "type": "slider", "targets": target })),
            "filters[0].type",
        ),
        (
            with_filter(
                json!({ "id": "p", "label": "L".repeat(10_000), "type": "text", "targets": target }),
            ),
            "filters[0].label",
        ),
        (
            with_filter(json!({ "id": "p", "label": "P", "type": "text",
                                "targets": [{ "widgetId": "ghost", "parameter": "days" }] })),
            "filters[0].targets[0].widgetId",
        ),
        (
            with_filter(json!({ "id": "p", "label": "P", "type": "text",
                                "targets": [{ "widgetId": "revenue", "parameter": "nope" }] })),
            "filters[0].targets[0].parameter",
        ),
        (
            with_filter(json!({ "id": "p", "label": "P", "type": "text",
                                "targets": [{ "widgetId": "note", "parameter": "days" }] })),
            "filters[0].targets[0].widgetId",
        ),
        (
            with_filter(json!({ "id": "p", "label": "P", "type": "text", "targets": [] })),
            "filters[0].targets",
        ),
        (
            with_filter(json!({ "id": "a b", "label": "P", "type": "text", "targets": target })),
            "filters[0].id",
        ),
        (
            {
                let mut d = def.clone();
                d["widgets"][4]["y"] = json!(1);
                d
            },
            "widgets[4]",
        ),
        (
            {
                let mut d = def.clone();
                d["name"] = json!("n".repeat(10_000));
                d
            },
            "name",
        ),
    ];
    for (body, field) in &cases {
        let (status, text) = save(&app, &id, body, true).await;
        assert_eq!(status, 422, "{field}: {text}");
        let p: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(p["errors"][0]["field"], *field, "{p}");
        assert!(p["detail"].as_str().unwrap().starts_with(field), "{p}");
        // Without the script (no Accept: JSON), a page naming the field.
        let (status, page) = save(&app, &id, body, false).await;
        assert_eq!(status, 422, "{field}");
        assert!(page.contains(field), "{field}: {page}");
    }
    let (status, text) = save(&app, &id, &json!("not a dashboard"), true).await;
    assert_eq!(status, 422, "{text}");
    assert_eq!(stored(&app, &id).await, before, "nothing was stored");
}

#[tokio::test]
async fn the_editor_renames_the_dashboard_and_saves_its_filters() {
    let app = spawn_app().await;
    let (id, def) = board(&app, "Before").await;
    let mut d = def.clone();
    d["name"] = json!("After");
    d["description"] = json!("Renamed in the editor");
    d["filters"] = json!([{ "id": "period", "label": "Period", "type": "date_range", "default": "last_30_days",
        "targets": [{ "widgetId": "revenue", "parameter": "days" }, { "widgetId": "orders", "parameter": "days" }] }]);
    let (status, _) = save(&app, &id, &d, true).await;
    assert!(status == 303 || status == 200, "{status}");
    let s = stored(&app, &id).await;
    assert_eq!(s["name"], "After");
    assert_eq!(s["description"], "Renamed in the editor");
    assert_eq!(
        s["filters"][0]["targets"].as_array().unwrap().len(),
        2,
        "{s}"
    );
    let page = app.dashboard_html(&format!("/dashboards/{id}")).await;
    assert!(
        page.contains("name=\"f.period\""),
        "the filter is on the dashboard"
    );
}

#[tokio::test]
async fn the_editor_in_a_browser_never_overlaps_shows_real_charts_renames_and_adds_a_filter() {
    if std::env::var("QUIRE_BROWSER_TESTS").as_deref() != Ok("1") {
        eprintln!("browser test skipped: set QUIRE_BROWSER_TESTS=1");
        return;
    }
    let app = spawn_app().await;
    let (id, _) = board(&app, "Editable").await;
    let args = vec![app.address.clone(), id.to_string()];
    let v: Value =
        tokio::task::spawn_blocking(move || crate::browser::node("dashboard_edit.mjs", &args))
            .await
            .unwrap();
    assert_eq!(v["errors"], json!([]), "{v}");
    // Real content in the cards.
    assert!(v["kpi"].as_str().unwrap().starts_with('$'), "{v}");
    assert!(v["note"].as_str().unwrap().contains("order book"), "{v}");
    let steps = v["steps"].as_object().unwrap();
    for (step, l) in steps {
        assert_eq!(l["overlaps"], json!([]), "{step}: {v}");
    }
    let pos = |step: &str, id: &str| steps[step]["pos"][id].as_str().unwrap().to_string();
    // The note dragged to the top: everything it landed on went down.
    assert_eq!(pos("dragged", "note"), "12×2 at 1,1", "{v}");
    assert_eq!(pos("dragged", "revenue"), "3×2 at 1,3", "{v}");
    assert_eq!(pos("dragged", "top"), "6×5 at 7,3", "{v}");
    assert_eq!(pos("dragged", "daily"), "6×5 at 1,5", "{v}");
    // Three steps right by keyboard: onto the orders KPI, which went below it.
    assert_eq!(pos("right", "revenue"), "3×2 at 4,3", "{v}");
    assert_eq!(pos("right", "orders"), "3×2 at 4,5", "{v}");
    // ArrowUp passes the card above (they swap), ArrowDown swaps back.
    assert_eq!(pos("up", "orders"), "3×2 at 4,3", "{v}");
    assert_eq!(pos("up", "revenue"), "3×2 at 4,5", "{v}");
    assert_eq!(steps["down"]["pos"], steps["right"]["pos"], "{v}");
    // One column wider: the chart it now covers went below it; undo took it back.
    assert_eq!(pos("resized", "daily"), "7×5 at 1,7", "{v}");
    assert_eq!(pos("resized", "top"), "6×5 at 7,12", "{v}");
    assert_eq!(steps["undone"]["pos"], steps["down"]["pos"], "{v}");
    let drawn = |k: &str| v[k].as_str().unwrap().parse::<f64>().unwrap();
    assert!(
        drawn("drawnAfter") > drawn("drawnBefore"),
        "the chart is drawn again for its new width: {v}"
    );
    // The filter form: the five types, the presets and a custom range, what a widget drives.
    assert_eq!(
        v["types"],
        json!([
            "date_range",
            "select",
            "multi_select",
            "number_range",
            "text"
        ])
    );
    assert!(
        v["presets"]
            .as_array()
            .unwrap()
            .contains(&json!("last_30_days")),
        "{v}"
    );
    assert!(
        v["presets"].as_array().unwrap().contains(&json!("..")),
        "{v}"
    );
    assert_eq!(v["drives"], json!(["parameter:days"]), "{v}");
    assert_eq!(
        v["targetsOffered"],
        json!(["revenue", "orders", "top", "daily"]),
        "text cards are not offered: {v}"
    );
    // Added, not saved: drawn for real (the KPI's figure, the text's markdown).
    assert!(v["addedKpi"].as_str().unwrap().starts_with('$'), "{v}");
    assert_eq!(v["addedText"], "this", "{v}");
    // Saved: renamed, the filter on the dashboard changes both KPIs.
    assert_eq!(v["saved"], format!("/dashboards/{id}"), "{v}");
    assert_eq!(v["title"], "Edited board", "{v}");
    assert_ne!(v["filtered"]["before"], v["filtered"]["after"], "{v}");
    assert!(
        v["filtered"]["url"]
            .as_str()
            .unwrap()
            .contains("f.period=last_30_days"),
        "{v}"
    );
    // Reloaded: the layout as saved, the name, the filter and its two targets.
    assert_eq!(v["reloaded"]["pos"], v["beforeSave"]["pos"], "{v}");
    assert_eq!(v["reloaded"]["overlaps"], json!([]), "{v}");
    assert_eq!(v["reloadedName"], "Edited board");
    assert_eq!(
        v["filtersReloaded"],
        json!([{ "id": "period", "label": "Period", "targets": ["revenue", "orders"] }]),
        "{v}"
    );
    let d = app.get_json(&format!("/api/v1/dashboards/{id}")).await;
    assert_eq!(d["name"], "Edited board");
    // A refused Save: the message names the field, the page and the edit stay.
    let refused = &v["refused"];
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("filters[1].targets"),
        "{v}"
    );
    assert_eq!(refused["path"], format!("/dashboards/{id}/edit"), "{v}");
    assert_eq!(refused["name"], "Kept name", "{v}");
    assert!(refused["invalid"].as_u64().unwrap() >= 1, "{v}");
}

#[tokio::test]
async fn a_widget_not_saved_yet_is_drawn_for_the_editor_and_a_bad_one_is_named() {
    let app = spawn_app().await;
    let (id, _) = board(&app, "Drafts").await;
    let report = app.report_id().await;
    let url = |w: &Value| {
        reqwest::Url::parse_with_params(
            &format!("{}/dashboards/{id}/edit/widget", app.address),
            &[("w", "400".to_string()), ("widget", w.to_string())],
        )
        .unwrap()
    };
    let get = |w: Value| app.client.get(url(&w)).send();
    let r = get(json!({ "id": "aov", "reportId": report, "visualizationId": "aov" }))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("kpi-value"));
    // A changed text card: its markdown as the dashboard shows it.
    let r = get(json!({ "id": "note", "kind": "text", "text": "**new** words" }))
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("<strong>new</strong>"));
    for (w, field) in [
        (json!({ "id": "x", "kind": "chart" }), "widget"),
        (
            json!({ "id": "x", "reportId": report }),
            "widgets[5].visualizationId",
        ),
        (
            json!({ "id": "x".repeat(500), "reportId": report, "visualizationId": "aov" }),
            "widgets[5].id",
        ),
        (
            json!({ "id": "x", "kind": "text", "text": "t".repeat(20_000) }),
            "widgets[5].text",
        ),
    ] {
        let r = get(w.clone()).await.unwrap();
        assert_eq!(r.status(), 422, "{w}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    // Viewers may not.
    let (_, token) = crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let viewer = crate::helpers::client_with(Some(&token));
    let r = viewer
        .get(url(
            &json!({ "id": "aov", "reportId": report, "visualizationId": "aov" }),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
