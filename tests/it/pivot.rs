//! Pivot tables: every cell, subtotal and grand total against pandas on the demo's CSV
//! (`pivot/expected.py`); the page's folding groups; the PDF's pages with their header and row
//! labels repeated; the workbook's outline and formulas, recalculated by LibreOffice
//! (`pivot/office.py`) to the numbers Quire cached and following an edited cell; the CSV's flat
//! rows; and the definitions refused with words that name what is wrong.

use crate::helpers::{pdf_pages, spawn_app, TestApp};
use serde_json::{json, Value};
use std::path::Path;

/// Region and channel down, the order date's quarter across; a sum, an average and a count.
fn report() -> Value {
    json!({
        "name": "Revenue by region, channel and quarter",
        "builder": { "dataset": "sales",
            "dimensions": ["region", "channel", { "field": "order_date", "bucket": "quarter" }],
            "measures": [
                { "field": "revenue", "agg": "sum", "as": "revenue", "label": "Revenue" },
                { "field": "unit_price", "agg": "avg", "as": "price", "label": "Average price" },
                { "field": "*", "agg": "count", "as": "orders", "label": "Orders" }] },
        "visualizations": [{ "id": "pivot", "type": "pivot", "title": "Revenue pivot",
            "dataMapping": { "rows": ["region", "channel"], "columns": ["order_date"],
                             "values": ["revenue", "price", "orders"] } }]
    })
}

pub(crate) async fn create(app: &TestApp, def: &Value) -> String {
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", def)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The pivot item of a report's JSON.
async fn pivot_of(app: &TestApp, id: &str) -> Value {
    let out = app
        .get_json(&format!("/reports/{id}/download?format=json"))
        .await;
    out["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().clone())
        .find(|i| i["kind"] == "pivot")
        .unwrap_or_else(|| panic!("no pivot in {out}"))
}

fn python(script: &str, args: &[&str], stdin: Option<&Value>) -> Value {
    use std::io::Write;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/pivot")
        .join(script);
    let mut child = std::process::Command::new("python3")
        .arg(path)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    if let Some(v) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(v.to_string().as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn every_cell_subtotal_and_total_is_what_pandas_computes() {
    let app = spawn_app().await;
    let id = create(&app, &report()).await;
    let p = pivot_of(&app, &id).await;
    // 8 quarters and their grand total, three values each.
    assert_eq!(
        p["columns"].as_array().unwrap().len(),
        9 * 3,
        "{}",
        p["columns"]
    );
    let rows = p["rows"].as_array().unwrap();
    let groups = rows
        .iter()
        .filter(|r| r["members"].as_array().unwrap().len() == 2)
        .count();
    let regions = rows
        .iter()
        .filter(|r| r["members"].as_array().unwrap().len() == 1)
        .count();
    assert!(
        groups > regions && regions > 1,
        "{groups} groups in {regions} regions"
    );
    assert_eq!(
        rows.len(),
        groups + regions + 1,
        "cells, subtotals, the grand total"
    );
    assert_eq!(p["groups"], json!(groups));
    // A region's subtotal row comes before its channels, the grand total last.
    assert_eq!(rows[0]["members"].as_array().unwrap().len(), 1);
    assert_eq!(rows[1]["members"][0], rows[0]["members"][0]);
    assert!(rows.last().unwrap()["members"]
        .as_array()
        .unwrap()
        .is_empty());

    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sales.csv");
    let check = python(
        "expected.py",
        &[csv.to_str().unwrap()],
        Some(&json!({
            "pivot": p, "rows": ["region", "channel"], "columns": ["order_date"],
            "values": [["revenue", "sum"], ["unit_price", "avg"], ["order_id", "count"]],
            "bucket": { "order_date": "quarter" },
        })),
    );
    assert_eq!(check["mismatches"], json!([]), "{check}");
    assert_eq!(check["checked"], json!(rows.len() * 27));
    assert_eq!(check["margins"], json!(9 * 3), "{check}");

    // Sorted by revenue, biggest first: each level's groups by their totals.
    let mut sorted = report();
    sorted["visualizations"][0]["options"] = json!({ "sort": { "by": "revenue", "desc": true } });
    sorted["name"] = json!("Sorted pivot");
    let s = pivot_of(&app, &create(&app, &sorted).await).await;
    let total = |r: &Value| r["cells"][24].as_f64().unwrap();
    let regions: Vec<f64> = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["members"].as_array().unwrap().len() == 1)
        .map(total)
        .collect();
    assert!(regions.windows(2).all(|w| w[0] >= w[1]), "{regions:?}");
    assert!(regions.first() > regions.last(), "{regions:?}");
}

#[tokio::test]
async fn the_page_folds_groups_and_the_pdf_repeats_its_header_and_labels() {
    let app = spawn_app().await;
    let id = create(&app, &report()).await;
    let page = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<table class=\"pivot\">"), "{page}");
    let folds = page.matches("class=\"pivot-toggle\"").count();
    let p = pivot_of(&app, &id).await;
    let subtotals = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["members"].as_array().unwrap().len() == 1)
        .count();
    assert_eq!(folds, subtotals, "a fold button on each region's row");
    assert!(
        page.contains("data-in=\"g0\""),
        "a channel row inside the first region"
    );
    assert!(
        page.contains("colspan=\"3\""),
        "a quarter over its three values"
    );
    assert!(
        page.contains("/static/pivot."),
        "the folding script is on the page"
    );

    // Products down (100 of them), regions across: pages of rows, each with the header.
    let long = json!({
        "name": "Products by region",
        "builder": { "dataset": "sales", "dimensions": ["product", "region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }] },
        "visualizations": [{ "id": "p", "type": "pivot", "title": "Products",
            "dataMapping": { "rows": ["product"], "columns": ["region"], "values": ["revenue"] } }]
    });
    let long_id = create(&app, &long).await;
    let pdf = app
        .get(&format!("/reports/{long_id}/download?format=pdf"))
        .await;
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.unwrap();
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/pivot.pdf"), &pdf).unwrap();
        std::fs::write(format!("{dir}/pivot.html"), &page).unwrap();
    }
    let pages = pdf_pages(&pdf);
    let with_rows: Vec<&String> = pages.iter().filter(|t| t.contains("Product ")).collect();
    assert!(with_rows.len() >= 4, "{} pages of rows", with_rows.len());
    for text in &with_rows {
        // The header line: `Product` then a region's name (a row has a number after it).
        let header = text.lines().any(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some("Product")
                && words
                    .next()
                    .is_some_and(|w| w.chars().all(char::is_alphabetic))
        });
        assert!(header, "the header on every page: {text}");
    }
    // Its regions do not fit across one page: a second band of columns, the labels again.
    assert!(with_rows
        .iter()
        .any(|t| t.contains("Products (1 of 2)") && t.contains("Central")));
    assert!(with_rows
        .iter()
        .any(|t| t.contains("Products (2 of 2)") && t.contains("Total")));
    assert!(
        with_rows.iter().any(|t| t.contains("Product 200")),
        "every product, none cut short"
    );

    // The CSV: the query's flat rows, one line per product and region.
    let csv = app
        .get(&format!("/reports/{long_id}/download?format=csv"))
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("product,region,revenue"));
    let body: Vec<&str> = lines.collect();
    assert!(body.len() > 100, "{} lines", body.len());
    assert!(!csv.contains("Total"), "no totals in the flat rows");
}

#[tokio::test]
async fn the_workbook_has_outline_groups_and_formulas_libreoffice_recomputes() {
    let have = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var("QUIRE_OFFICE_TESTS").is_err(),
            "QUIRE_OFFICE_TESTS is set but soffice is missing (libreoffice-calc-nogui)"
        );
        eprintln!("skipped: no soffice (apt-get install libreoffice-calc-nogui)");
        return;
    }
    let app = spawn_app().await;
    let id = create(&app, &report()).await;
    let xlsx = app
        .get(&format!("/reports/{id}/download?format=xlsx"))
        .await;
    assert_eq!(xlsx.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pivot.xlsx");
    std::fs::write(&path, xlsx.bytes().await.unwrap()).unwrap();
    if let Ok(d) = std::env::var("SCREENSHOT_DIR") {
        std::fs::copy(&path, format!("{d}/pivot.xlsx")).unwrap();
    }
    let scratch = dir.path().join("scratch");
    let r = python(
        "office.py",
        &[path.to_str().unwrap(), "Pivot", scratch.to_str().unwrap()],
        None,
    );
    assert_eq!(r["differ"], json!([]), "recalculated = cached: {r}");
    assert!(r["subtotals"].as_u64().unwrap() > 50, "{r}");
    assert!(r["sums"].as_u64().unwrap() > 10, "{r}");
    assert_eq!(r["odd"], json!([]), "{r}");
    assert_eq!(r["moved"], r["expected"], "{r}");
    // The edited cell's region subtotal, the grand total, its row's total and theirs.
    assert!(r["moved"].as_array().unwrap().len() >= 4, "{r}");

    let outline = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, openpyxl\nws = openpyxl.load_workbook(sys.argv[1])['Pivot']\n\
             print(sum(1 for d in ws.row_dimensions.values() if d.outlineLevel))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let grouped: usize = String::from_utf8_lossy(&outline.stdout)
        .trim()
        .parse()
        .unwrap();
    let p = pivot_of(&app, &id).await;
    let cells = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["members"].as_array().unwrap().len() == 2)
        .count();
    assert_eq!(grouped, cells, "every channel row folds under its region");
}

#[tokio::test]
async fn pivots_that_cannot_be_laid_out_are_refused_naming_why() {
    let app = spawn_app().await;
    for (mapping, options, words) in [
        (
            json!({ "rows": ["region"] }),
            json!({}),
            "dataMapping.values: a pivot needs at least one value",
        ),
        (
            json!({ "values": ["revenue"] }),
            json!({}),
            "dataMapping.rows: a pivot needs a field",
        ),
        (
            json!({ "rows": ["region", "revenue"], "values": ["revenue"] }),
            json!({}),
            "`revenue` is used twice",
        ),
        (
            json!({ "rows": ["region"], "values": ["revenue"] }),
            json!({ "sort": { "by": "nope" } }),
            "options.sort.by: `nope` is not one of the pivot's values",
        ),
        (
            json!({ "rows": ["a", "b", "c", "d", "e"], "values": ["revenue"] }),
            json!({}),
            "dataMapping.rows: at most 4",
        ),
    ] {
        let def = json!({
            "name": "Refused", "builder": { "dataset": "sales", "dimensions": ["region"],
                "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }] },
            "visualizations": [{ "id": "p", "type": "pivot", "dataMapping": mapping, "options": options }]
        });
        let r = app
            .send_json(reqwest::Method::POST, "/api/v1/reports", &def)
            .await;
        assert_eq!(r.status(), 422, "{words}");
        let body = r.text().await.unwrap();
        assert!(body.contains(words), "{words}: {body}");
    }
    // Saved, but refused when it runs: a field that is no dimension, a dimension left out,
    // and too many columns.
    for (dims, mapping, words) in [
        (
            json!(["region"]),
            json!({ "rows": ["channel"], "values": ["revenue"] }),
            "`channel` is not a column of the query",
        ),
        (
            json!(["region", "channel"]),
            json!({ "rows": ["region"], "values": ["revenue"] }),
            "groups by `channel`, which is neither",
        ),
        (
            json!(["region", "customer_id"]),
            json!({ "rows": ["region"], "columns": ["customer_id"], "values": ["revenue"] }),
            "columns of numbers (at most 250)",
        ),
    ] {
        let def = json!({
            "name": format!("Runs badly: {words}"), "builder": { "dataset": "sales", "dimensions": dims,
                "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }] },
            "visualizations": [{ "id": "p", "type": "pivot", "dataMapping": mapping }]
        });
        let id = create(&app, &def).await;
        let r = app
            .get(&format!("/reports/{id}/download?format=json"))
            .await;
        assert_eq!(r.status(), 422, "{words}");
        let body = r.text().await.unwrap();
        assert!(body.contains(words), "{words}: {body}");
        let page = app.get(&format!("/reports/{id}")).await;
        let status = page.status();
        let html = page.text().await.unwrap();
        assert!(
            status.is_client_error() && html.contains(words),
            "{status} {words}"
        );
    }
}

#[tokio::test]
async fn a_browser_folds_and_unfolds_the_groups() {
    if !crate::browser::browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let id = create(&app, &report()).await;
    let p = pivot_of(&app, &id).await;
    let rows = p["rows"].as_array().unwrap();
    let regions = rows
        .iter()
        .filter(|r| r["members"].as_array().unwrap().len() == 1)
        .count();
    let in_first = rows[1..]
        .iter()
        .take_while(|r| r["members"].as_array().unwrap().len() == 2)
        .count();
    let args = vec![app.address.clone(), format!("/reports/{id}")];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("pivot.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], json!([]), "{v}");
    assert_eq!(v["all"], json!(rows.len()), "{v}");
    assert_eq!(v["folds"], json!(regions), "{v}");
    assert_eq!(v["firstRegion"], rows[0]["members"][0], "{v}");
    assert_eq!(v["afterFold"], json!(rows.len() - in_first), "{v}");
    assert_eq!(v["expanded"], "false", "{v}");
    assert_eq!(v["afterUnfold"], json!(rows.len()), "{v}");
    assert_eq!(
        v["collapsed"],
        json!(regions + 1),
        "the regions and the total: {v}"
    );
    assert_eq!(v["oneOpen"], json!(regions + 1 + in_first), "{v}");
    assert_eq!(v["expandedAll"], json!(rows.len()), "{v}");
    assert_eq!(v["phone"]["pageScrolls"], false, "{v}");
    assert_eq!(v["phone"]["tableScrolls"], true, "{v}");
}

#[tokio::test]
async fn a_pivot_is_a_dashboard_widget_a_kept_result_and_the_same_on_sqlite() {
    let app = spawn_app().await;
    let id = create(&app, &report()).await;
    let p = pivot_of(&app, &id).await;

    // On a dashboard: the widget's table, and a sheet of the dashboard's workbook.
    let d = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/dashboards",
            &json!({ "name": "Pivots", "widgets": [
                { "id": "pv", "x": 0, "y": 0, "w": 12, "h": 8, "reportId": id,
                  "visualizationId": "pivot", "title": "Regions by quarter" }] }),
        )
        .await;
    assert_eq!(d.status(), 201);
    let dashboard = d.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let html = app
        .dashboard_html(&format!("/dashboards/{dashboard}"))
        .await;
    assert!(html.contains("<table class=\"pivot\">"), "{html}");
    assert!(html.contains("Regions by quarter"));
    let xlsx = app
        .get(&format!(
            "/api/v1/dashboards/{dashboard}/export?format=xlsx"
        ))
        .await;
    assert_eq!(xlsx.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.xlsx");
    std::fs::write(&path, xlsx.bytes().await.unwrap()).unwrap();
    let sheet = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, openpyxl\nws = openpyxl.load_workbook(sys.argv[1])['Regions by quarter']\n\
             print(ws['A1'].value, '|', ws['C5'].value)",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let sheet = String::from_utf8_lossy(&sheet.stdout).trim().to_string();
    assert!(
        sheet.starts_with("Regions by quarter | =SUBTOTAL(9,C"),
        "{sheet}"
    );

    // Kept as a result: its files made later hold the same numbers.
    let r = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/generate"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let job = r.json::<Value>().await.unwrap();
    let done = app.finished_job(job["id"].as_str().unwrap()).await;
    let result = done["resultId"].as_str().unwrap();
    let kept = app
        .get_json(&format!("/api/v1/reports/results/{result}"))
        .await;
    let kept_pivot = kept["sections"][0]["items"][0].clone();
    assert_eq!(kept_pivot["rows"], p["rows"]);
    for format in ["pdf", "xlsx", "csv"] {
        let r = app
            .get(&format!(
                "/api/v1/reports/results/{result}/export?format={format}"
            ))
            .await;
        assert_eq!(r.status(), 200, "{format}");
    }
    let csv = app
        .get(&format!(
            "/api/v1/reports/results/{result}/export?format=csv"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("region,channel,order_date,revenue,price,orders\n"),
        "{csv}"
    );

    // The same pivot on SQLite (no columnar engine): the same numbers.
    let sqlite = crate::helpers::spawn_app_with(|c| c.limits.engine_memory_mb = 0).await;
    let id = create(&sqlite, &report()).await;
    let q = pivot_of(&sqlite, &id).await;
    assert_eq!(q["columns"], p["columns"]);
    let rows = |v: &Value| v["rows"].as_array().unwrap().clone();
    for (a, b) in rows(&p).iter().zip(rows(&q)) {
        assert_eq!(a["members"], b["members"]);
        for (x, y) in a["cells"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["cells"].as_array().unwrap())
        {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "{x} {y}"),
                _ => assert_eq!(x, y),
            }
        }
    }
    assert_eq!(rows(&p).len(), rows(&q).len());
}

#[tokio::test]
async fn the_builder_previews_and_saves_a_pivot_of_its_dimensions() {
    let app = spawn_app().await;
    let spec = json!({ "dataset": "sales", "dimensions": ["region", "channel"],
        "measures": [{ "field": "revenue", "agg": "sum" }, { "field": "*", "agg": "count" }] });
    let r = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/builder/preview",
            &json!({ "builder": spec, "type": "pivot" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["type"], "pivot", "{v}");
    // The first dimension down, the last across, every measure in the cells.
    assert_eq!(v["pivot"]["rowFields"], json!(["Region"]), "{v}");
    assert_eq!(v["pivot"]["columnFields"], json!(["Channel"]), "{v}");
    assert_eq!(v["pivot"]["values"].as_array().unwrap().len(), 2, "{v}");

    // No dimension: the builder says what to add.
    let r = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/builder/preview",
            &json!({ "builder": { "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }] },
                     "type": "pivot" }),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("a pivot table needs a dimension for its rows"));

    let form = [
        ("source", "main"),
        ("mode", "builder"),
        ("spec", &spec.to_string()),
        ("chart", "pivot"),
    ];
    let page = app
        .client
        .post(format!("{}/builder/preview", app.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<table class=\"pivot\">"), "{html}");
    let mut save = form.to_vec();
    save.push(("name", "Pivot from the builder"));
    let r = app
        .client
        .post(format!("{}/builder/save", app.address))
        .form(&save)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let list = app.get_json("/api/v1/reports").await;
    let saved = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Pivot from the builder")
        .unwrap_or_else(|| panic!("{list}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = pivot_of(&app, &saved).await;
    assert_eq!(p["columnFields"], json!(["Channel"]));
}

#[tokio::test]
async fn the_builder_puts_the_dimension_chosen_across_or_none() {
    let app = spawn_app().await;
    let spec = json!({ "dataset": "sales", "dimensions": ["region", "channel"],
        "measures": [{ "field": "revenue", "agg": "sum" }] });
    let preview = |across: Value| {
        let body = json!({ "builder": spec, "type": "pivot", "across": across });
        let app = &app;
        async move {
            app.send_json(reqwest::Method::POST, "/api/v1/builder/preview", &body)
                .await
        }
    };
    let v: Value = preview(json!("region")).await.json().await.unwrap();
    assert_eq!(v["pivot"]["rowFields"], json!(["Channel"]), "{v}");
    assert_eq!(v["pivot"]["columnFields"], json!(["Region"]), "{v}");
    let v: Value = preview(json!("")).await.json().await.unwrap();
    assert_eq!(v["pivot"]["rowFields"], json!(["Region", "Channel"]), "{v}");
    assert_eq!(v["pivot"]["columnFields"], json!([]), "{v}");
    for bad in [
        json!("revenue"),
        json!("nope\u{0}"),
        json!("x".repeat(5000)),
    ] {
        let r = preview(bad.clone()).await;
        assert_eq!(r.status(), 422, "{bad}");
        let text = r.text().await.unwrap();
        assert!(
            text.contains("across") && text.contains("is not a dimension"),
            "{text}"
        );
    }
    // One dimension cannot go across: nothing would be left down the rows.
    let one = json!({ "builder": { "dataset": "sales", "dimensions": ["region"],
        "measures": [{ "field": "revenue", "agg": "sum" }] }, "type": "pivot", "across": "region" });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/builder/preview", &one)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("down its rows"));

    // Saved from the page with the first dimension across; opened again, the page knows it.
    let form = [
        ("source", "main"),
        ("mode", "builder"),
        ("spec", &spec.to_string()),
        ("chart", "pivot"),
        ("across", "region"),
        ("name", "Region across"),
    ];
    let r = app
        .client
        .post(format!("{}/builder/save", app.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    let list = app.get_json("/api/v1/reports").await;
    let saved = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Region across")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = pivot_of(&app, &saved).await;
    assert_eq!(p["columnFields"], json!(["Region"]));
    assert_eq!(p["rowFields"], json!(["Channel"]));
    let page = app
        .get(&format!("/builder?report={saved}"))
        .await
        .text()
        .await
        .unwrap();
    let state = page
        .split("data-state=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let state = state.replace("&#34;", "\"").replace("&quot;", "\"");
    assert!(
        state.contains("\"across\":\"region\""),
        "the page starts with it: {state}"
    );
    assert!(page.contains("id=\"across\""));
}

#[tokio::test]
async fn the_across_control_moves_a_dimension_across_by_keyboard() {
    if !crate::browser::browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let two = json!({ "name": "Region by channel",
        "builder": { "dataset": "sales", "dimensions": ["region", "channel"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }] },
        "visualizations": [{ "id": "p", "type": "pivot", "title": "P",
            "dataMapping": { "rows": ["region"], "columns": ["channel"], "values": ["revenue"] } }] });
    let id = create(&app, &two).await;
    let args = vec![app.address.clone(), id];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("pivot_across.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], json!([]), "{v}");
    assert_eq!(v["shown"], true, "{v}");
    assert_eq!(v["options"], json!(["", "region", "channel", "-"]), "{v}");
    let has = |k: &str, h: &str| v[k].as_array().unwrap().iter().any(|x| x == h);
    assert!(
        has("before", "Online") && !has("before", "North"),
        "channels across at first: {v}"
    );
    assert_eq!(v["start"], "channel", "the saved report's: {v}");
    assert_eq!(v["chosen"], "region", "{v}");
    assert!(
        has("across", "North") && !has("across", "Online"),
        "regions across: {v}"
    );
    assert!(
        !has("none", "North") && !has("none", "Online"),
        "nothing across: {v}"
    );
    assert_eq!(v["hiddenForBars"], true, "{v}");
    assert_eq!(
        v["forecastForPivot"], false,
        "no forecast controls for a pivot: {v}"
    );
    assert_eq!(v["forecastForLines"], true, "{v}");
}
