//! Date filters that fit the data (issue 23, item 4): presets counted back from the data's last
//! day (the example sales end on 31 Dec 2025, long before the day these tests run), a custom
//! range shown in words, a hint when a calendar period starts after the data ends, month ticks
//! kept on a short range, and hostile ranges refused naming the filter.

use crate::helpers::{spawn_app, TestApp};
use serde_json::{json, Value};

async fn post_json(app: &TestApp, path: &str, body: &Value) -> Value {
    let r = app
        .client
        .post(format!("{}{path}", app.address))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "POST {path}");
    r.json().await.unwrap()
}

/// A dashboard with a monthly revenue line (builder, month buckets of order_date) whose
/// `period` filter targets the field, and a KPI of a report whose `start` date parameter a
/// builder filter binds to order_date (`ge "{start}"`), targeted as a parameter; its id.
pub async fn dated_board(app: &TestApp) -> String {
    let line = post_json(
        app,
        "/api/v1/reports",
        &json!({ "name": "Monthly revenue", "builder": {
            "dataset": "sales", "dimensions": [{ "field": "order_date", "bucket": "month" }],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "sort": [{ "field": "order_date" }] },
          "visualizations": [{ "id": "line", "type": "line", "title": "Revenue by month",
                               "dataMapping": { "x": "order_date", "y": "revenue" } }] }),
    )
    .await;
    let since = post_json(
        app,
        "/api/v1/reports",
        &json!({ "name": "Orders since", "parameters": [
            { "name": "start", "label": "Since", "type": "date", "required": true, "defaultValue": "2025-01-01" }],
          "builder": { "dataset": "sales",
            "measures": [{ "field": "order_id", "agg": "count", "as": "orders" }],
            "filters": [{ "field": "order_date", "op": "ge", "value": "{start}" }] },
          "visualizations": [{ "id": "orders", "type": "kpi", "title": "Orders",
                               "dataMapping": { "value": "orders" } }] }),
    )
    .await;
    let d = post_json(
        app,
        "/api/v1/dashboards",
        &json!({ "name": "Dated", "widgets": [
            { "id": "line", "x": 0, "y": 0, "w": 8, "h": 5, "reportId": line["id"], "visualizationId": "line" },
            { "id": "since", "x": 8, "y": 0, "w": 4, "h": 3, "reportId": since["id"], "visualizationId": "orders" }],
          "filters": [
            { "id": "period", "label": "Period", "type": "date_range", "targets": [{ "widgetId": "line", "field": "order_date" }] },
            { "id": "from", "label": "Since", "type": "date_range", "targets": [{ "widgetId": "since", "parameter": "start" }] }] }),
    )
    .await;
    d["id"].as_str().unwrap().to_string()
}

fn text_of(html: &str) -> String {
    html.replace("&#x2013;", "–").replace("&ndash;", "–")
}

#[tokio::test]
async fn presets_of_data_count_back_from_the_datas_last_day_and_calendar_ones_say_where_it_ends() {
    let app = spawn_app().await;
    let id = dated_board(&app).await;
    let page = |q: &'static str| {
        let app = &app;
        let id = &id;
        async move {
            let r = app.get(&format!("/dashboards/{id}?{q}")).await;
            assert_eq!(r.status(), 200, "{q}");
            text_of(&r.text().await.unwrap())
        }
    };
    let widget = |q: &'static str| {
        let app = &app;
        let id = &id;
        async move {
            let r = app.get(&format!("/dashboards/{id}/widgets/line?{q}")).await;
            assert_eq!(r.status(), 200, "{q}");
            r.text().await.unwrap()
        }
    };
    // The field's MAX is 31 Dec 2025: the last 30 days of data are December's last 30.
    let html = page("f.period=data_last_30_days").await;
    assert!(
        html.contains("Last 30 days of data: 2 Dec – 31 Dec 2025"),
        "{html}"
    );
    assert!(!html.contains("The data ends on"), "{html}");
    let svg = widget("f.period=data_last_30_days").await;
    assert!(svg.contains("<svg") && !svg.contains("No data"), "{svg}");
    // The same days by the calendar are after the data: no data, and the page says why.
    let svg = widget("f.period=last_30_days").await;
    assert!(svg.contains("No data"), "{svg}");
    let html = page("f.period=last_30_days").await;
    assert!(
        html.contains("The data ends on 31 Dec 2025: try Last 30 days of data"),
        "{html}"
    );
    assert!(
        html.contains("href=\"?f.period=data_last_30_days\""),
        "{html}"
    );
    // A parameter bound by a builder filter to order_date counts from its MAX too.
    let html = page("f.from=data_last_7_days").await;
    assert!(
        html.contains("Last 7 days of data: 25 Dec – 31 Dec 2025"),
        "{html}"
    );
    // A custom range in words; a monthly line keeps month ticks over three months.
    let html = page("f.period=2025-04-01..2025-06-30").await;
    assert!(html.contains("1 Apr – 30 Jun 2025"), "{html}");
    assert!(
        html.contains("value=\"2025-04-01..2025-06-30\" data-custom selected"),
        "{html}"
    );
    let svg = widget("f.period=2025-04-01..2025-06-30").await;
    for tick in [">\nApr 2025\n<", ">\nMay\n<", ">\nJun\n<"] {
        assert!(svg.contains(tick), "{tick}: {svg}");
    }
    assert!(!svg.contains(">\nApr 07\n<"), "no day ticks: {svg}");
    // Every day there is, and the older values still work.
    let html = page("f.period=all").await;
    assert!(html.contains("All time"), "{html}");
    let svg = widget("f.period=all").await;
    assert!(
        svg.contains(">\nJan 2024\n<") || svg.contains(">\n2024\n<"),
        "{svg}"
    );
    for q in [
        "f.period=last_quarter",
        "f.period=this_quarter",
        "f.period=year_to_date",
    ] {
        page(q).await;
        widget(q).await;
    }
}

#[tokio::test]
async fn hostile_date_ranges_are_refused_naming_the_filter() {
    let app = spawn_app().await;
    let id = dated_board(&app).await;
    let long = "2".repeat(10_000);
    for bad in [
        "2025-13-01..x",
        "9999999-01-01..",
        "2025-06-30..2025-04-01",
        "+12025-01-01..2025-01-02",
        long.as_str(),
    ] {
        let q = format!("f.period={}", quire::model::text::urlencode(bad));
        for path in [
            format!("/dashboards/{id}?{q}"),
            format!("/dashboards/{id}/widgets/line?{q}"),
        ] {
            let r = app.get(&path).await;
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            assert_eq!(status, 422, "{}: {body}", &path[..path.len().min(120)]);
            assert!(body.contains("f.period"), "{body}");
            assert!(body.len() < 20_000, "the value is not echoed whole");
        }
    }
    // "Custom range…" chosen without its days is no value yet, not an error.
    let r = app.get(&format!("/dashboards/{id}?f.period=custom")).await;
    assert_eq!(r.status(), 200);
}
