//! Every file a person downloads from the pages is recorded as an export, as Generate's and the
//! schedules' are: the report page's header links (PDF, XLSX, the streamed CSV), the dashboard's
//! (PDF, landscape PDF, XLSX) and a widget's CSV/XLSX each leave a record on /api/v1/exports and
//! a row on /exports with who made it and a link back to the report or dashboard, with the
//! values it was made with. A bad request records nothing.

use crate::helpers::{assert_valid_pdf, spawn_app, TestApp, ADMIN_EMAIL};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// The `href`s of `html` that contain `part`, unescaped.
fn links(html: &str, part: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.contains(part))
        .map(|h| h.replace("&amp;", "&").replace("&#38;", "&"))
        .collect()
}

/// Follows a download link; returns the export id it was recorded under and the file.
async fn download(app: &TestApp, link: &str) -> (String, Vec<u8>) {
    let r = app.get(link).await;
    assert_eq!(r.status(), 200, "GET {link}");
    let id = r
        .headers()
        .get("x-export-id")
        .unwrap_or_else(|| panic!("GET {link}: no X-Export-Id"))
        .to_str()
        .unwrap()
        .to_string();
    (id, r.bytes().await.unwrap().to_vec())
}

/// The record of export `id`, once it is there (a streamed CSV is recorded as it ends).
async fn record(app: &TestApp, id: &str) -> Value {
    for _ in 0..100 {
        let r = app.get(&format!("/api/v1/exports/{id}")).await;
        if r.status() == 200 {
            return r.json().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("export {id} was never recorded");
}

/// The record lists the file as the person got it: their email, its size and bytes.
async fn check_recorded(app: &TestApp, id: &str, format: &str, bytes: &[u8]) -> Value {
    let e = record(app, id).await;
    assert_eq!(e["status"], "completed", "{e}");
    assert_eq!(e["format"], format, "{e}");
    assert_eq!(e["madeBy"], ADMIN_EMAIL, "{e}");
    assert_eq!(e["size"].as_u64().unwrap(), bytes.len() as u64, "{e}");
    let file = app.get(&format!("/api/v1/exports/{id}/download")).await;
    assert_eq!(file.status(), 200);
    assert!(
        file.bytes().await.unwrap() == bytes,
        "{format}: the same file"
    );
    e
}

/// The /exports row of export `id`.
async fn exports_row(app: &TestApp, id: &str) -> String {
    let page = app.get("/exports").await.text().await.unwrap();
    let start = page
        .find(&format!("id=\"export-{id}\""))
        .unwrap_or_else(|| panic!("export {id} on /exports"));
    let end = start + page[start..].find("</tr>").unwrap();
    page[start..end].to_string()
}

#[tokio::test]
async fn a_report_downloaded_from_its_page_header_is_on_exports_with_a_link_to_the_report() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let page = app
        .get(&format!("/reports/{report}?days=30"))
        .await
        .text()
        .await
        .unwrap();
    let header = links(&page, &format!("/reports/{report}/download"));
    assert_eq!(header.len(), 4, "PDF, XLSX, PowerPoint, CSV: {header:?}");
    let before = app.get_json("/api/v1/exports").await;
    assert!(before.as_array().unwrap().is_empty());

    let mut shown = Vec::new();
    for link in &header {
        let format = ["pdf", "xlsx", "pptx", "csv"]
            .into_iter()
            .find(|f| link.contains(&format!("format={f}")))
            .unwrap();
        let (id, bytes) = download(&app, link).await;
        match format {
            "pdf" => assert_valid_pdf(&bytes),
            "xlsx" | "pptx" => assert!(bytes.starts_with(b"PK")),
            _ => assert!(bytes.starts_with(b"order_id,"), "a CSV"),
        }
        let e = check_recorded(&app, &id, format, &bytes).await;
        assert_eq!(e["reportId"], report.as_str());
        assert_eq!(e["request"]["params"]["days"], "30", "{e}");
        assert!(e["rows"].as_u64().unwrap() > 0, "{e}");
        assert!(e["fileName"].as_str().unwrap().ends_with(format));
        assert!(e.get("scheduleId").is_none(), "{e}");
        // On /exports: who made it, and a link to the report as it was asked for.
        let row = exports_row(&app, &id).await;
        assert!(
            row.contains(&format!("href=\"/reports/{report}?days=30\"")),
            "{row}"
        );
        assert!(row.contains(&format!("by {ADMIN_EMAIL}")), "{row}");
        // Its row count with separators, as every count on the pages.
        let rows = quire::report::format::thousands(e["rows"].as_f64().unwrap(), 0);
        assert!(rows.contains(','), "30 days have over 999 rows: {rows}");
        assert!(row.contains(&format!(">{rows}</td>")), "{row}");
        shown.push(e["parameters"].clone());
    }
    assert!(
        shown.iter().all(|p| p == &shown[0] && p != &json!([])),
        "every format shows the parameters alike: {shown:?}"
    );
    let list = app.get_json("/api/v1/exports").await;
    assert_eq!(list.as_array().unwrap().len(), 4, "one record a download");

    // JSON, and a generated result's export, are recorded with their maker the same way.
    let (id, bytes) = download(&app, &format!("/reports/{report}/download?format=json")).await;
    check_recorded(&app, &id, "json", &bytes).await;

    // A bad request gets its error and records nothing.
    for bad in [
        "format=pdf&days=ninety",
        "format=csv&days=ninety",
        "format=doc",
    ] {
        let r = app.get(&format!("/reports/{report}/download?{bad}")).await;
        assert_eq!(r.status(), 422, "{bad}");
    }
    let list = app.get_json("/api/v1/exports").await;
    assert_eq!(list.as_array().unwrap().len(), 5, "{list}");
    // A download another user makes is theirs.
    let (_, token) = crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let viewer = crate::helpers::client_with(Some(&token));
    let r = viewer
        .get(format!("{}{}", app.address, header[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.headers()["x-export-id"].to_str().unwrap().to_string();
    assert_eq!(record(&app, &id).await["madeBy"], "viewer@example.com");
}

#[tokio::test]
async fn a_dashboard_export_and_a_widget_download_are_on_exports_with_a_link_to_the_dashboard() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let board = json!({ "name": "Downloads board", "widgets": [
        { "id": "rev", "x": 0, "y": 0, "w": 4, "h": 2, "reportId": report, "visualizationId": "revenue" },
        { "id": "orders", "x": 0, "y": 2, "w": 12, "h": 5, "reportId": report, "visualizationId": "orders", "title": "Orders" }],
      "filters": [{ "id": "period", "label": "Period", "type": "date_range",
                    "targets": [{ "widgetId": "rev", "parameter": "days" }, { "widgetId": "orders", "parameter": "days" }] }] });
    let r = app
        .send_json(Method::POST, "/api/v1/dashboards", &board)
        .await;
    assert_eq!(r.status(), 201);
    let board = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let html = app
        .dashboard_html(&format!("/dashboards/{board}?f.period=last_30_days"))
        .await;

    // The header's PDF, landscape PDF, XLSX and PowerPoint.
    let header = links(&html, &format!("/api/v1/dashboards/{board}/export"));
    assert_eq!(header.len(), 4, "{header:?}");
    for link in &header {
        let format = if link.contains("format=xlsx") {
            "xlsx"
        } else if link.contains("format=pptx") {
            "pptx"
        } else {
            "pdf"
        };
        let (id, bytes) = download(&app, link).await;
        let e = check_recorded(&app, &id, format, &bytes).await;
        assert_eq!(e["reportId"], board.as_str());
        assert_eq!(e["reportName"], "Downloads board");
        assert_eq!(e["request"]["dashboard"], true, "{e}");
        assert_eq!(e["request"]["params"]["period"], "last_30_days", "{e}");
        assert_eq!(
            e["request"]["landscape"].as_bool().unwrap_or(false),
            link.contains("orientation=landscape"),
            "{e}"
        );
        let row = exports_row(&app, &id).await;
        assert!(
            row.contains(&format!(
                "href=\"/dashboards/{board}?f.period=last_30_days\""
            )),
            "{row}"
        );
        assert!(
            row.contains("Dashboard") && row.contains(&format!("by {ADMIN_EMAIL}")),
            "{row}"
        );
    }

    // A widget's XLSX and CSV from its menu; its chart images are not exports.
    let widget = links(&html, "/widgets/orders/download");
    let mut widget_ids = Vec::new();
    for format in ["xlsx", "csv"] {
        let link = widget
            .iter()
            .find(|l| l.contains(&format!("format={format}")))
            .unwrap_or_else(|| panic!("a {format} link in {widget:?}"));
        let (id, bytes) = download(&app, link).await;
        let e = check_recorded(&app, &id, format, &bytes).await;
        assert_eq!(e["request"]["widget"], "orders", "{e}");
        assert_eq!(e["reportName"], "Downloads board — Orders");
        let row = exports_row(&app, &id).await;
        assert!(row.contains(&format!(
            "href=\"/dashboards/{board}?f.period=last_30_days\""
        )));
        assert!(row.contains("Widget"), "{row}");
        widget_ids.push(id);
    }
    let list = app.get_json("/api/v1/exports").await;
    assert_eq!(list.as_array().unwrap().len(), 6, "{list}");

    // Expired, each is made again as what it was: the landscape PDF, the widget's workbook.
    let conn = rusqlite::Connection::open(app._data_dir.path().join("quire.db")).unwrap();
    conn.execute("UPDATE exports SET status = 'expired'", [])
        .unwrap();
    for e in list.as_array().unwrap() {
        let id = e["id"].as_str().unwrap();
        let r = app.post(&format!("/api/v1/exports/{id}/retry")).await;
        assert_eq!(r.status(), 200, "{e}");
        let again: Value = r.json().await.unwrap();
        assert_eq!(again["reportName"], e["reportName"]);
        assert_eq!(again["madeBy"], ADMIN_EMAIL, "the maker stays");
        assert_eq!(again["rows"], e["rows"], "{again}\n{e}");
    }
    let widget_file = app
        .get(&format!("/api/v1/exports/{}/download", widget_ids[1]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        widget_file.starts_with("order_id,"),
        "the widget's CSV again"
    );
}

#[tokio::test]
async fn a_csv_download_left_half_way_records_nothing_and_leaves_no_file() {
    let app = spawn_app().await;
    let body = json!({
        "name": "Many rows",
        "query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, 'row number ' || i AS label FROM n",
        "rowLimit": 100000,
        "visualizations": [{ "id": "all", "type": "table" }]
    });
    let report = app.create_report(&body).await;
    let mut r = app
        .get(&format!("/reports/{report}/download?format=csv"))
        .await;
    assert_eq!(r.status(), 200);
    let id = r.headers()["x-export-id"].to_str().unwrap().to_string();
    let first = r.chunk().await.unwrap().expect("the first bytes");
    assert!(first.starts_with(b"i,label"));
    drop(r);
    // The stream stops at its next chunk: no record, and its copy is deleted.
    let exports = app._data_dir.path().join("exports");
    let mut left = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = std::fs::read_dir(&exports)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        if left.is_empty() {
            break;
        }
    }
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        app.get(&format!("/api/v1/exports/{id}")).await.status(),
        404
    );
    assert!(app
        .get_json("/api/v1/exports")
        .await
        .as_array()
        .unwrap()
        .is_empty());

    // Read to the end, the same download is recorded with every row.
    let (id, bytes) = download(&app, &format!("/reports/{report}/download?format=csv")).await;
    let e = check_recorded(&app, &id, "csv", &bytes).await;
    assert_eq!(e["rows"], 100000);
}
