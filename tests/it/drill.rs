//! Drilling into dashboard charts: each bar links to the rows behind it (under the dashboard's
//! filters), rows equal examples/sales.csv's for that category (read here without Quire), the
//! cross-filter link, SQL reports filtered on their category column, and shares without rows.

use crate::expected;
use crate::helpers::{spawn_app_with, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// (order_id, region, channel, order_date, revenue in cents) of every line of the example CSV.
fn csv_rows() -> Vec<(i64, String, String, String, i64)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let (id, region, channel, date, revenue) = (
        at("order_id"),
        at("region"),
        at("channel"),
        at("order_date"),
        at("revenue"),
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[id].parse().unwrap(),
                f[region].to_string(),
                f[channel].to_string(),
                f[date].to_string(),
                (f[revenue].parse::<f64>().unwrap() * 100.0).round() as i64,
            )
        })
        .collect()
}

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

/// A dashboard with one builder bar chart of revenue by region, a channel filter and a region
/// filter on its fields; its id.
async fn region_board(app: &TestApp) -> String {
    let report = post_json(
        app,
        "/api/v1/reports",
        &json!({ "name": "Revenue by region", "builder": {
            "dataset": "sales", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "sort": [{ "field": "region" }] },
          "visualizations": [{ "id": "bars", "type": "bar", "title": "Revenue by region",
                               "dataMapping": { "x": "region", "y": "revenue" } }] }),
    )
    .await;
    let d = post_json(
        app,
        "/api/v1/dashboards",
        &json!({ "name": "Regions", "widgets": [
            { "id": "bars", "x": 0, "y": 0, "w": 12, "h": 6, "reportId": report["id"], "visualizationId": "bars" }],
          "filters": [
            { "id": "channel", "type": "select", "targets": [{ "widgetId": "bars", "field": "channel" }] },
            { "id": "region", "type": "select", "targets": [{ "widgetId": "bars", "field": "region" }] }] }),
    )
    .await;
    d["id"].as_str().unwrap().to_string()
}

/// The `href` of each mark of the SVG in `html`, by its `data-key`.
fn mark_links(html: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for part in html.split("<a class=\"mark\" data-key=\"").skip(1) {
        let key = &part[..part.find('"').unwrap()];
        let tag = &part[..part.find('>').unwrap()];
        if let Some(h) = tag.split(" href=\"").nth(1) {
            let href = &h[..h.find('"').unwrap()];
            out.insert(key.to_string(), href.replace("&amp;", "&"));
        }
    }
    out
}

/// The cells of each row of the (first) table in `html`.
fn table_rows(html: &str) -> Vec<Vec<String>> {
    let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|r| {
            r.split("<td")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').unwrap() + 1..];
                    c[..c.find("</td>").unwrap()].to_string()
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_bar_opens_the_rows_behind_it_equal_to_the_csv_rows_of_its_category() {
    let app = spawn_app_with(|c| c.limits.page_size = 400).await;
    let id = region_board(&app).await;
    let widget = app
        .get(&format!("/dashboards/{id}/widgets/bars?f.channel=Online"))
        .await
        .text()
        .await
        .unwrap();
    let links = mark_links(&widget);
    let csv = csv_rows();
    let mut regions: Vec<&str> = csv.iter().map(|r| r.1.as_str()).collect();
    regions.sort();
    regions.dedup();
    assert_eq!(
        links.keys().map(String::as_str).collect::<Vec<_>>(),
        regions,
        "{widget}"
    );
    let region = regions[0];
    let href = &links[region];
    assert_eq!(
        href,
        &format!("/dashboards/{id}/widgets/bars/rows?value={region}&f.channel=Online")
    );
    // Every page of the rows, as a page (no JavaScript).
    let mut got: Vec<i64> = Vec::new();
    let mut page = 1;
    loop {
        let r = app.get(&format!("{href}&page={page}")).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("<html"), "a page without htmx");
        got.extend(
            table_rows(&html)
                .iter()
                .map(|r| r[0].parse::<i64>().unwrap()),
        );
        if !html.contains("class=\"next\"") {
            // The cross-filter sets the region filter and keeps the channel.
            assert!(
                html.contains(&format!(
                    "href=\"/dashboards/{id}?f.channel=Online&#38;f.region={region}\""
                )) || html.contains(&format!(
                    "href=\"/dashboards/{id}?f.channel=Online&amp;f.region={region}\""
                )),
                "{html}"
            );
            break;
        }
        page += 1;
    }
    got.sort();
    let want: Vec<i64> = csv
        .iter()
        .filter(|r| r.1 == region && r.2 == "Online")
        .map(|r| r.0)
        .collect();
    assert!(want.len() > 400, "more than one page: {}", want.len());
    assert_eq!(got, want);
    // htmx gets the panel, and its pager the table alone.
    let panel = app
        .client
        .get(format!("{}{href}", app.address))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!panel.contains("<html") && panel.contains("data-cross-filter"));
    assert!(panel.contains(&format!("{} rows", expected::group(want.len() as i64))));
    let pager = app
        .client
        .get(format!("{}{href}&page=2", app.address))
        .header("HX-Request", "true")
        .header("HX-Target", "table-bars")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        pager.trim_start().starts_with("<div class=\"table-wrap\""),
        "{pager}"
    );
    // A category that is not there has no rows; a widget that is not a chart has none to show.
    let none = app
        .get(&format!(
            "/dashboards/{id}/widgets/bars/rows?value=Atlantis"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(table_rows(&none).is_empty());
    assert_eq!(
        app.get(&format!("/dashboards/{id}/widgets/nope/rows?value=x"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_sql_chart_filters_its_own_rows_on_the_category_column() {
    let app = spawn_app_with(|_| {}).await;
    let id = app.dashboard_id().await;
    let d = app.get_json(&format!("/api/v1/dashboards/{id}")).await;
    let w = d["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["visualizationId"] == "region_share")
        .unwrap();
    let wid = w["id"].as_str().unwrap();
    let widget = app
        .get(&format!("/dashboards/{id}/widgets/{wid}?days=30"))
        .await
        .text()
        .await
        .unwrap();
    let links = mark_links(&widget);
    let k = expected::kpis(30);
    let mut by_region: BTreeMap<&str, i64> = BTreeMap::new();
    for o in &k.window {
        *by_region.entry(&o.region).or_default() += o.revenue_cents;
    }
    assert_eq!(links.len(), by_region.len(), "{widget}");
    for (region, cents) in by_region {
        let html = app.get(&links[region]).await.text().await.unwrap();
        let rows = table_rows(&html);
        assert_eq!(rows.len(), 1, "{html}");
        assert_eq!(rows[0][0], region);
        let shown: String = rows[0][1]
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let shown = (shown.parse::<f64>().unwrap() * 100.0).round() as i64;
        assert_eq!(shown, cents, "{region}");
        // No dashboard filter targets the region: no cross-filter.
        assert!(!html.contains("data-cross-filter"));
    }
}

#[tokio::test]
async fn a_shared_dashboard_links_no_mark_to_rows() {
    let app = spawn_app_with(|_| {}).await;
    let id = region_board(&app).await;
    let share = post_json(
        &app,
        "/api/v1/shares",
        &json!({ "dashboardId": id, "parameters": { "channel": "Online" } }),
    )
    .await;
    let url = share["url"].as_str().unwrap();
    let path = &url[url.find("/s/").unwrap()..];
    let widget = app
        .anon
        .get(format!("{}{path}/widgets/bars", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(widget.contains("class=\"mark\""), "{widget}");
    assert!(mark_links(&widget).is_empty() && !widget.contains("/rows"));
    for path in [
        format!("{path}/widgets/bars/rows?value=North"),
        format!("/dashboards/{id}/widgets/bars/rows?value=North"),
    ] {
        let r = app
            .anon
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        // Not found, or asked to sign in: never rows.
        let to_login = r
            .headers()
            .get("location")
            .is_some_and(|l| l.to_str().unwrap().starts_with("/login"));
        assert!(
            [401, 404].contains(&r.status().as_u16()) || to_login,
            "{path}: {}",
            r.status()
        );
    }
}

#[tokio::test]
async fn a_chart_widget_downloads_as_png_from_its_menu() {
    let app = spawn_app_with(|_| {}).await;
    let id = region_board(&app).await;
    let widget = app
        .get(&format!("/dashboards/{id}/widgets/bars?f.channel=Online"))
        .await
        .text()
        .await
        .unwrap();
    let at = widget
        .find("Chart as PNG")
        .expect("a PNG entry in the menu");
    let href_at = widget[..at].rfind("href=\"").unwrap() + 6;
    let href = widget[href_at..at]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(
        href.contains("format=png") && href.contains("f.channel=Online"),
        "{href}"
    );
    let r = app.get(&href).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".png\""));
    let bytes = r.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 2000,
        "{}",
        bytes.len()
    );
}

#[tokio::test]
async fn every_day_of_a_90_day_line_has_a_hover_title_with_its_value_and_opens_its_rows() {
    let app = spawn_app_with(|c| c.limits.page_size = 400).await;
    let report = post_json(
        &app,
        "/api/v1/reports",
        &json!({ "name": "Daily revenue", "builder": {
            "dataset": "sales", "dimensions": [{ "field": "order_date", "bucket": "day" }],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "filters": [{ "field": "order_date", "op": "between", "value": ["2025-10-03", "2025-12-31"] }],
            "sort": [{ "field": "order_date" }] },
          "visualizations": [{ "id": "daily", "type": "line", "title": "Daily revenue",
                               "dataMapping": { "x": "order_date", "y": "revenue" },
                               "options": { "format": "currency" } }] }),
    )
    .await;
    let d = post_json(
        &app,
        "/api/v1/dashboards",
        &json!({ "name": "Days", "widgets": [
            { "id": "daily", "x": 0, "y": 0, "w": 12, "h": 6, "reportId": report["id"], "visualizationId": "daily" }] }),
    )
    .await;
    let id = d["id"].as_str().unwrap();
    let widget = app
        .get(&format!("/dashboards/{id}/widgets/daily"))
        .await
        .text()
        .await
        .unwrap();
    // Each day's revenue from the CSV, as the chart's titles say it.
    let mut want: BTreeMap<String, i64> = BTreeMap::new();
    for r in csv_rows() {
        if ("2025-10-03".."2026-01-01").contains(&r.3.as_str()) {
            *want.entry(r.3.clone()).or_default() += r.4;
        }
    }
    assert_eq!(want.len(), 90);
    let doc = roxmltree::Document::parse(
        &widget[widget.find("<svg").unwrap()..widget.find("</svg>").unwrap() + 6],
    )
    .unwrap();
    let titles: BTreeMap<String, String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("mark"))
        .map(|n| {
            let t = n
                .children()
                .find(|c| c.tag_name().name() == "title")
                .unwrap();
            (
                n.attribute("data-key").unwrap().to_string(),
                t.text().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeMap<String, String> = want
        .iter()
        .map(|(day, cents)| (day.clone(), format!("{day}: {}", expected::money(*cents))))
        .collect();
    assert_eq!(titles, expected);
    // Every point opens the rows of its day: the CSV's orders of that day.
    let links = mark_links(&widget);
    assert_eq!(links.len(), 90);
    let day = "2025-11-14";
    let html = app.get(&links[day]).await.text().await.unwrap();
    let mut got: Vec<i64> = table_rows(&html)
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    got.sort();
    let orders: Vec<i64> = csv_rows()
        .iter()
        .filter(|r| r.3 == day)
        .map(|r| r.0)
        .collect();
    assert!(!orders.is_empty());
    assert_eq!(got, orders);
}

/// A dataset `blanks` whose region is empty on two rows (5 and 3 of revenue), and a report
/// of revenue by region on it (a bar chart and a table); the report's id.
async fn blank_report(app: &TestApp) -> String {
    let csv = "region,revenue\nNorth,10\n,5\nSouth,7\n,3\n";
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("blanks.csv"),
        )
        .text("name", "blanks");
    let r = app
        .client
        .post(format!("{}/api/v1/datasets", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let report = post_json(
        app,
        "/api/v1/reports",
        &json!({ "name": "Revenue with blanks", "builder": {
            "dataset": "blanks", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "sort": [{ "field": "region" }] },
          "visualizations": [
            { "id": "bars", "type": "bar", "title": "Revenue by region", "dataMapping": { "x": "region", "y": "revenue" } },
            { "id": "rows", "type": "table", "title": "By region" }] }),
    )
    .await;
    report["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_blank_category_is_drawn_as_blank_everywhere_and_drills_to_its_empty_rows() {
    let app = spawn_app_with(|_| {}).await;
    let report = blank_report(&app).await;
    let d = post_json(
        &app,
        "/api/v1/dashboards",
        &json!({ "name": "Blanks", "widgets": [
            { "id": "bars", "x": 0, "y": 0, "w": 12, "h": 6, "reportId": report, "visualizationId": "bars" }] }),
    )
    .await;
    let id = d["id"].as_str().unwrap();
    // The bar chart: a bar named (blank), linked to the rows behind it.
    let widget = app
        .get(&format!("/dashboards/{id}/widgets/bars"))
        .await
        .text()
        .await
        .unwrap();
    assert!(widget.contains(">\n(blank)\n<"), "{widget}");
    let links = mark_links(&widget);
    assert_eq!(
        links.keys().collect::<Vec<_>>(),
        ["(blank)", "North", "South"],
        "{widget}"
    );
    let html = app.get(&links["(blank)"]).await.text().await.unwrap();
    let rows = table_rows(&html);
    let mut revenue: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    revenue.sort();
    assert_eq!(revenue, ["3", "5"], "the two empty rows: {html}");
    assert!(
        rows.iter()
            .all(|r| r[0] == "<span class=\"blank\">(blank)</span>"),
        "{rows:?}"
    );
    let north = table_rows(&app.get(&links["North"]).await.text().await.unwrap());
    assert_eq!(north.len(), 1);
    // The report page's table and the PDF's chart say (blank) too.
    let page = app
        .get(&format!("/reports/{report}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<td><span class=\"blank\">(blank)</span></td>"),
        "{page}"
    );
    let pdf = app
        .get(&format!("/reports/{report}/download?format=pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        crate::helpers::pdf_pages(&pdf).concat().contains("(blank)"),
        "the PDF's chart"
    );
    // The workbook's chart takes its categories from the chart's numbers: (blank) among them.
    let xlsx = app
        .get(&format!("/reports/{report}/download?format=xlsx"))
        .await
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let chart = read("xl/charts/chart1.xml");
    assert!(chart.contains("<c:barChart>"), "{chart}");
    assert!(read("xl/sharedStrings.xml").contains("(blank)"));
    // The data stays empty: the CSV's cell, the JSON preview's null, the document's table.
    let csv = app
        .get(&format!("/reports/{report}/download?format=csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !csv.contains("(blank)") && csv.lines().any(|l| l.starts_with(",8")),
        "{csv}"
    );
    let preview = app
        .get_json(&format!("/api/v1/reports/{report}/preview"))
        .await;
    let blank_row = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[1].as_f64() == Some(8.0))
        .unwrap_or_else(|| panic!("{preview}"));
    assert!(blank_row[0].is_null() || blank_row[0] == "", "{preview}");
    let json_out: Value = app
        .get(&format!("/reports/{report}/download?format=json"))
        .await
        .json()
        .await
        .unwrap();
    let table = &json_out["sections"][0]["items"][1]["rows"];
    assert_eq!(table[0], json!(["", "8"]), "{json_out}");
}
