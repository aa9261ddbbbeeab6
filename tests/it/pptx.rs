//! PowerPoint decks, read back by python-pptx as an outsider's program would (and opened by
//! LibreOffice Impress): native charts whose series are the data (checked against
//! examples/sales.csv read here without Quire) with the same numbers in the workbook embedded
//! for "Edit data", a picture for a kind PowerPoint has no chart for, tables split across
//! slides with their header on each, dashboards, scheduled email attachments, hostile names.

use crate::helpers::{spawn_app, TestApp};
use crate::pivot::create;
use crate::row_policies::revenue_by_region;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

/// Whether python-pptx is there (required when `QUIRE_OFFICE_TESTS` is set).
fn python_pptx() -> bool {
    let have = std::process::Command::new("python3")
        .args(["-c", "import pptx, openpyxl"])
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        assert!(
            std::env::var_os("QUIRE_OFFICE_TESTS").is_none(),
            "QUIRE_OFFICE_TESTS is set but python-pptx is missing (pip install python-pptx)"
        );
        eprintln!("skipped: python-pptx is not installed");
    }
    have
}

/// The deck as python-pptx reads it (`pptx/read.py`).
fn read(deck: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.pptx");
    std::fs::write(&path, deck).unwrap();
    if let Ok(d) = std::env::var("SCREENSHOT_DIR") {
        let _ = std::fs::copy(&path, format!("{d}/deck.pptx"));
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/pptx/read.py");
    let out = std::process::Command::new("python3")
        .args([script, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-pptx could not read the deck: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn deck(app: &TestApp, path: &str) -> Vec<u8> {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], PPTX);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.contains(".pptx"), "{disposition}");
    r.bytes().await.unwrap().to_vec()
}

/// Orders per region of the example CSV.
fn orders_by_region() -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let region = head.iter().position(|h| *h == "region").unwrap();
    let mut out = BTreeMap::new();
    for l in lines {
        *out.entry(l.split(',').nth(region).unwrap().to_string())
            .or_default() += 1;
    }
    out
}

/// (category, value) of a plot's first `n`th series, values as cents.
fn cents(plot: &Value, n: usize) -> BTreeMap<String, i64> {
    let cats = plot["categories"].as_array().unwrap();
    let values = plot["series"][n]["values"].as_array().unwrap();
    cats.iter()
        .zip(values)
        .map(|(c, v)| {
            (
                c.as_str().unwrap().to_string(),
                (v.as_f64().unwrap() * 100.0).round() as i64,
            )
        })
        .collect()
}

fn region_report(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Revenue and orders per region.",
        "builder": { "dataset": "sales", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue", "label": "Revenue" },
                         { "field": "order_id", "agg": "count", "as": "orders", "label": "Orders" }],
            "sort": [{ "field": "region" }] },
        "visualizations": [
            { "id": "combo", "type": "bar", "title": "Revenue and orders",
              "dataMapping": { "x": "region", "y": ["revenue", "orders"] },
              "options": { "axis2": ["orders"] } },
            { "id": "share", "type": "donut", "title": "Share of revenue",
              "dataMapping": { "x": "region", "y": "revenue" } },
            { "id": "steps", "type": "waterfall", "title": "Revenue step by step",
              "dataMapping": { "x": "region", "y": "revenue" } },
            { "id": "rows", "type": "table", "title": "By region" }]
    })
}

#[tokio::test]
async fn a_reports_deck_has_native_charts_of_its_numbers_a_picture_and_its_table() {
    if !python_pptx() {
        return;
    }
    let app = spawn_app().await;
    let id = create(&app, &region_report("Regions deck")).await;
    let d = read(&deck(&app, &format!("/reports/{id}/download?format=pptx")).await);
    assert_eq!(
        (d["width"].as_i64(), d["height"].as_i64()),
        (Some(12_192_000), Some(6_858_000)),
        "16:9"
    );
    let slides = d["slides"].as_array().unwrap();
    assert_eq!(
        slides.len(),
        5,
        "title, combo, donut, waterfall, table: {d}"
    );
    let title = slides[0]["texts"].to_string();
    assert!(
        title.contains("Regions deck") && title.contains("Revenue and orders per region."),
        "{title}"
    );

    // The combo: revenue bars, orders a line on the second axis; the data's own numbers.
    let combo = &slides[1]["charts"][0];
    assert!(
        combo["type"]
            .as_str()
            .unwrap()
            .starts_with("COLUMN_CLUSTERED"),
        "{combo}"
    );
    let plots = combo["plots"].as_array().unwrap();
    assert_eq!(plots[0]["kind"], "BarPlot");
    assert_eq!(plots[1]["kind"], "LinePlot");
    assert_eq!(plots[0]["series"][0]["name"], "Revenue");
    assert_eq!(cents(&plots[0], 0), revenue_by_region());
    let orders: BTreeMap<String, i64> = cents(&plots[1], 0)
        .into_iter()
        .map(|(k, v)| (k, v / 100))
        .collect();
    assert_eq!(orders, orders_by_region());
    // "Edit data": the embedded workbook holds the same categories and numbers.
    let sheet = combo["embedded"].as_array().unwrap();
    assert_eq!(sheet[0], json!([null, "Revenue", "Orders"]), "{sheet:?}");
    for (row, (region, revenue)) in sheet[1..].iter().zip(revenue_by_region()) {
        assert_eq!(row[0], region.as_str());
        assert_eq!((row[1].as_f64().unwrap() * 100.0).round() as i64, revenue);
    }

    let donut = &slides[2]["charts"][0];
    assert!(
        donut["type"].as_str().unwrap().starts_with("DOUGHNUT"),
        "{donut}"
    );
    assert_eq!(cents(&donut["plots"][0], 0), revenue_by_region());
    // No waterfall chart in PowerPoint: a picture of Quire's.
    assert_eq!(slides[3]["charts"], json!([]));
    assert_eq!(slides[3]["pictures"], 1);
    assert!(slides[3]["texts"]
        .to_string()
        .contains("Revenue step by step"));
    // The table: its header, a row per region.
    let table = slides[4]["tables"][0].as_array().unwrap();
    assert_eq!(
        table[0],
        json!(["region", "Revenue", "Orders"]),
        "{table:?}"
    );
    let regions: Vec<&str> = table[1..].iter().map(|r| r[0].as_str().unwrap()).collect();
    let expected: Vec<String> = revenue_by_region().into_keys().collect();
    assert_eq!(regions, expected);
}

#[tokio::test]
async fn a_300_row_table_takes_slides_of_14_rows_each_with_its_header() {
    if !python_pptx() {
        return;
    }
    let app = spawn_app().await;
    let id = create(
        &app,
        &json!({ "name": "Three hundred orders",
            "queries": { "orders": { "query":
                "SELECT order_id, region, revenue FROM sales ORDER BY order_id LIMIT 300" } },
            "visualizations": [{ "id": "orders", "type": "table", "title": "Orders", "query": "orders" }] }),
    )
    .await;
    let d = read(&deck(&app, &format!("/reports/{id}/download?format=pptx")).await);
    let slides = d["slides"].as_array().unwrap();
    assert_eq!(slides.len(), 1 + 300_usize.div_ceil(14), "{}", slides.len());
    let mut ids = Vec::new();
    for (i, s) in slides[1..].iter().enumerate() {
        let table = s["tables"][0].as_array().unwrap();
        assert_eq!(table[0][0], "order_id", "slide {}: the header again", i + 2);
        assert!(s["texts"]
            .to_string()
            .contains(&format!("Orders ({}/22)", i + 1)));
        ids.extend(
            table[1..]
                .iter()
                .map(|r| r[0].as_str().unwrap().replace(',', "")),
        );
    }
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap();
    let mut all: Vec<i64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    all.sort();
    let first: Vec<String> = all[..300].iter().map(|i| i.to_string()).collect();
    assert_eq!(ids, first, "every row once, in order");
}

#[tokio::test]
async fn a_dashboard_a_stored_result_and_a_scheduled_email_come_as_decks() {
    if !python_pptx() {
        return;
    }
    let app = spawn_app().await;
    let board = app.dashboard_id().await;
    let d = read(
        &deck(
            &app,
            &format!("/api/v1/dashboards/{board}/export?format=pptx"),
        )
        .await,
    );
    let slides = d["slides"].as_array().unwrap();
    let charts: usize = slides
        .iter()
        .map(|s| s["charts"].as_array().unwrap().len())
        .sum();
    assert!(charts >= 3, "the demo dashboard's charts, native: {d}");
    assert!(
        slides[1]["texts"].to_string().contains("Key figures"),
        "{}",
        slides[1]
    );

    // A stored result's deck: made from what it showed, not run again.
    let report = app.report_id().await;
    let job: Value = app
        .client
        .post(format!("{}/api/v1/reports/{report}/generate", app.address))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let done = app.finished_job(job["id"].as_str().unwrap()).await;
    let result = done["resultId"].as_str().unwrap();
    let d = read(
        &deck(
            &app,
            &format!("/api/v1/reports/results/{result}/export?format=pptx"),
        )
        .await,
    );
    let charts: usize = d["slides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["charts"].as_array().unwrap().len())
        .sum();
    assert!(charts >= 3, "{d}");

    // A schedule sending the deck: attached as a PowerPoint file.
    let r = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/schedules",
            &json!({"name": "Deck weekly", "reportId": "Sales overview", "schedule": "0 7 * * 1",
                    "timezone": "UTC", "exportFormat": "pptx",
                    "recipients": [{"type": "email", "address": "deck@example.com"}]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let schedule = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.post(&format!("/api/v1/schedules/{schedule}/run")).await;
    assert_eq!(r.status(), 202);
    let mail = app.smtp.wait_for(1, Duration::from_secs(120)).await;
    let msg = MessageParser::default().parse(&mail[0].data).unwrap();
    let file = msg
        .attachments()
        .find(|a| a.attachment_name().is_some())
        .expect("an attachment");
    let ct = file.content_type().unwrap();
    assert_eq!(
        format!("{}/{}", ct.ctype(), ct.subtype().unwrap()),
        PPTX,
        "the right MIME type"
    );
    assert!(file.attachment_name().unwrap().ends_with(".pptx"));
    let d = read(file.contents());
    assert!(d["slides"].as_array().unwrap().len() > 5);
}

#[tokio::test]
async fn hostile_names_stay_text_and_unknown_formats_are_refused() {
    if !python_pptx() {
        return;
    }
    let app = spawn_app().await;
    let name = "<b>Q&A</b> \"quoted\" 'x' ]]>";
    let mut report = region_report(name);
    report["visualizations"][3]["title"] = json!("</a:t><a:t>injected");
    let id = create(&app, &report).await;
    let d = read(&deck(&app, &format!("/reports/{id}/download?format=PPTX")).await);
    let texts = d["slides"].to_string();
    assert!(
        texts.contains("<b>Q&A</b> \\\"quoted\\\" 'x' ]]>"),
        "{texts}"
    );
    assert!(
        texts.contains("</a:t><a:t>injected"),
        "the title is text: {texts}"
    );
    for bad in ["ppt", "pptx%00", "key"] {
        let r = app
            .get(&format!("/reports/{id}/download?format={bad}"))
            .await;
        assert_eq!(r.status(), 422, "{bad}");
        assert!(
            r.text().await.unwrap().contains("pptx"),
            "the formats are named"
        );
    }
    let board = app.dashboard_id().await;
    let r = app
        .get(&format!("/api/v1/dashboards/{board}/export?format=odp"))
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn libreoffice_impress_opens_the_deck_a_page_a_slide() {
    let have = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have || !python_pptx() {
        assert!(
            std::env::var("QUIRE_OFFICE_TESTS").is_err(),
            "QUIRE_OFFICE_TESTS is set but soffice is missing (libreoffice-impress-nogui)"
        );
        eprintln!("skipped: no soffice");
        return;
    }
    let app = spawn_app().await;
    let id = create(&app, &region_report("Regions in Impress")).await;
    let bytes = deck(&app, &format!("/reports/{id}/download?format=pptx")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.pptx");
    std::fs::write(&path, &bytes).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        dir.path().display()
    );
    let out = std::process::Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap();
    let pdf = std::fs::read(dir.path().join("deck.pdf")).unwrap_or_else(|_| {
        panic!(
            "Impress made no PDF: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    if let Ok(d) = std::env::var("SCREENSHOT_DIR") {
        let _ = std::fs::write(format!("{d}/deck.pdf"), &pdf);
    }
    let pages = crate::helpers::pdf_pages(&pdf);
    assert_eq!(pages.len(), 5, "a page a slide");
    assert!(pages[0].contains("Regions in Impress"));
    assert!(
        pages[4].contains("Region") && pages[4].contains("North"),
        "{}",
        pages[4]
    );
}

#[tokio::test]
async fn a_brand_template_gives_the_deck_its_master_and_layouts() {
    if !python_pptx() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("brand.pptx");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/pptx/template.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&template)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = template.clone();
    let app = crate::helpers::spawn_app_with(move |c| c.branding.pptx_template = Some(path)).await;
    let id = create(&app, &region_report("On the company master")).await;
    let bytes = deck(&app, &format!("/reports/{id}/download?format=pptx")).await;
    let d = read(&bytes);
    assert_eq!(d["masters"], 1);
    let layouts = d["layouts"].as_array().unwrap();
    assert_eq!(layouts.len(), 11, "the template's layouts: {layouts:?}");
    for s in d["slides"].as_array().unwrap() {
        assert_eq!(
            s["layout"], "Blank",
            "every slide on the template's blank layout"
        );
    }
    assert_eq!(
        cents(&d["slides"][1]["charts"][0]["plots"][0], 0),
        revenue_by_region()
    );
    // The master's picture came along, apart from the deck's own pictures.
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    assert!(
        names.iter().any(|n| n.starts_with("ppt/media/image")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("ppt/media/quire-image")),
        "{names:?}"
    );
    // Its own slide stays out: the deck's slides are the report's.
    assert_eq!(d["slides"][0]["layout"], "Blank");
    assert!(d["slides"][0]["texts"]
        .to_string()
        .contains("On the company master"));
}
