//! Names and formats of values (issue 23, items 5 and 6): a measure's label and format, a
//! viz's column formats, the installation's locale, on the page, in the PDF, the XLSX (number
//! formats read back by openpyxl), while CSV and the JSON API keep plain numbers.

use crate::helpers::{pdf_pages, quire, spawn_app, spawn_app_with, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// Revenue by region twice: the value in euros, then its change vs the previous region.
fn value_and_change() -> Value {
    json!({
        "name": "Revenue and change",
        "builder": { "dataset": "sales", "dimensions": ["region"],
            "measures": [
                { "field": "revenue", "agg": "sum",
                  "format": { "kind": "currency", "currency": "EUR" } },
                { "field": "revenue", "agg": "sum", "show": "change_vs_previous" }
            ],
            "sort": [{ "field": "region" }] },
        "visualizations": [{ "id": "rows", "type": "table" }]
    })
}

async fn save(app: &TestApp, body: &Value) -> String {
    let r = app.send_json(Method::POST, "/api/v1/reports", body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

async fn refused(app: &TestApp, body: &Value) -> (String, String) {
    let r = app.send_json(Method::POST, "/api/v1/reports", body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 422, "{v}");
    (
        v["errors"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        v.to_string(),
    )
}

async fn file(app: &TestApp, id: &str, format: &str) -> Vec<u8> {
    let r = app
        .get(&format!("/reports/{id}/download?format={format}"))
        .await;
    assert_eq!(r.status(), 200, "{format}");
    r.bytes().await.unwrap().to_vec()
}

/// The regions' revenue in the JSON API: (names, sums, changes).
async fn numbers(app: &TestApp, id: &str) -> (Vec<String>, Vec<f64>, Vec<Option<f64>>) {
    let p = app
        .get_json(&format!("/api/v1/reports/{id}/preview?pageSize=100"))
        .await;
    let columns: Vec<String> = serde_json::from_value(p["columns"].clone()).unwrap();
    assert_eq!(
        columns,
        ["region", "sum_revenue", "sum_revenue_change"],
        "{p}"
    );
    let rows = p["rows"].as_array().unwrap();
    (
        rows.iter().map(|r| r[0].as_str().unwrap().into()).collect(),
        rows.iter()
            .map(|r| r[1].as_f64().expect("a JSON number"))
            .collect(),
        rows.iter().map(|r| r[2].as_f64()).collect(),
    )
}

#[tokio::test]
async fn amount_twice_value_and_change_saves_and_shows_labels_euros_and_signed_percentages() {
    let app = spawn_app().await;
    let id = save(&app, &value_and_change()).await;
    let (regions, sums, changes) = numbers(&app, &id).await;
    assert!(changes[0].is_none() && changes[1].is_some());
    let page = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Revenue, % change"),
        "the label heads the column"
    );
    assert!(page.contains(">Revenue<"), "the value's default label");
    let change = changes[1].unwrap() * 100.0;
    let signed = format!("{}{:.1}%", if change > 0.0 { "+" } else { "" }, change);
    assert!(page.contains(&signed), "{signed} on the page");
    let euros = format!("€{}", quire::report::format::thousands(sums[0], 2));
    assert!(page.contains(&euros), "{euros} (EUR before, in en-US)");

    // CSV: ids and plain numbers.
    let csv = String::from_utf8(file(&app, &id, "csv").await).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "region,sum_revenue,sum_revenue_change"
    );
    let first = lines.next().unwrap();
    assert!(first.starts_with(&format!("{},", regions[0])), "{first}");
    assert!(!csv.contains('€') && !csv.contains('%'), "{csv}");
}

#[tokio::test]
async fn german_locale_writes_money_percentages_and_dates_the_german_way_everywhere() {
    let app = spawn_app_with(|c| c.branding.locale = "de-DE".into()).await;
    let mut body = value_and_change();
    body["builder"]["measures"][0]["format"] = json!("currency");
    body["visualizations"] = json!([
        { "id": "total", "type": "kpi", "title": "Total", "dataMapping": { "value": "sum_revenue" } },
        { "id": "rows", "type": "table" }
    ]);
    let id = save(&app, &body).await;
    let (_, sums, changes) = numbers(&app, &id).await;
    let de = |v: f64, d: usize| {
        quire::report::format::in_locale(quire::model::report::Locale::DeDe, || {
            quire::report::format::grouped(v, d)
        })
    };
    let euros = format!("{}\u{a0}€", de(sums[0], 2));
    let change = changes[1].unwrap() * 100.0;
    let percent = format!(
        "{}{}\u{a0}%",
        if change > 0.0 { "+" } else { "" },
        de(change, 1)
    );

    let page = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&euros), "{euros} on the page");
    assert!(page.contains(&percent), "{percent} on the page");

    let bytes = file(&app, &id, "pdf").await;
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        // To look at (pdftoppm -png).
        std::fs::write(std::path::Path::new(&dir).join("formats-de.pdf"), &bytes).unwrap();
    }
    let pdf = pdf_pages(&bytes).join("\n");
    let flat = |s: &str| s.replace('\u{a0}', " ");
    assert!(
        flat(&pdf).contains(&flat(&euros)),
        "{euros} in the PDF:\n{pdf}"
    );
    assert!(flat(&pdf).contains(&flat(&percent)), "{percent} in the PDF");

    // The workbook keeps numbers, formatted by number formats.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, file(&app, &id, "xlsx").await).unwrap();
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
d = wb["Data"]
row = next(d.iter_rows(min_row=2, max_row=2))
print(json.dumps({"headers": [c.value for c in d[1]], "value": row[1].value,
  "value_format": row[1].number_format,
  "change_format": next(d.iter_rows(min_row=3, max_row=3))[2].number_format}))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["headers"],
        json!(["region", "Revenue", "Revenue, % change"])
    );
    assert!((v["value"].as_f64().unwrap() - sums[0]).abs() < 1e-6, "{v}");
    assert_eq!(v["value_format"], "#,##0.00 \"€\"");
    assert_eq!(v["change_format"], "+0.0%;-0.0%;0.0%");

    // The JSON API still answers numbers.
    let p = app
        .get_json(&format!("/api/v1/reports/{id}/preview?pageSize=1"))
        .await;
    assert!(p["rows"][0][1].is_number(), "{p}");
}

#[tokio::test]
async fn dates_follow_the_locale_and_a_column_format() {
    let app = spawn_app_with(|c| c.branding.locale = "de-DE".into()).await;
    let body = json!({
        "name": "Days",
        "query": "SELECT '2025-12-31' AS day, 1234.5 AS amount",
        "visualizations": [{ "id": "rows", "type": "table",
            "options": { "columnFormats": { "amount": { "kind": "number", "decimals": 1 } } } }]
    });
    let id = save(&app, &body).await;
    let page = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("31.12.2025"), "a German date");
    assert!(page.contains("1.234,5<"), "one decimal, German separators");
}

#[tokio::test]
async fn hostile_formats_and_labels_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let before = app.get_json("/api/v1/reports").await;
    let with = |path: &str, v: Value| {
        let mut b = value_and_change();
        let mut at = &mut b;
        for key in path.split('.') {
            at = match key.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[key],
            };
        }
        *at = v;
        b
    };
    let (f, v) = refused(&app, &with("builder.measures.0.format", json!("fancy"))).await;
    assert!(f.contains("measures[0].format"), "{f} {v}");
    let (f, v) = refused(
        &app,
        &with(
            "builder.measures.0.format",
            json!({ "kind": "currency", "decimals": 99 }),
        ),
    )
    .await;
    assert!(
        f.contains("measures[0].format") && v.contains("decimals"),
        "{f} {v}"
    );
    let (f, _) = refused(
        &app,
        &with("builder.measures.1.label", json!("x".repeat(10_000))),
    )
    .await;
    assert_eq!(f, "builder.measures[1].label");
    let (f, v) = refused(
        &app,
        &with(
            "visualizations.0.options",
            json!({ "columnFormats": { "x": { "kind": "percent", "currency": "EUR" } } }),
        ),
    )
    .await;
    assert!(f.contains("columnFormats"), "{f} {v}");
    assert_eq!(
        app.get_json("/api/v1/reports").await,
        before,
        "nothing stored"
    );
}

#[test]
fn an_unknown_locale_stops_the_server_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reports.toml");
    std::fs::write(&path, "[branding]\nlocale = \"xx-YY\"\n").unwrap();
    let out = quire()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("branding.locale") && err.contains("xx-YY"),
        "{err}"
    );
}

#[tokio::test]
async fn in_the_builder_amount_twice_is_named_labelled_and_shown_as_a_signed_change() {
    if !crate::browser::browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![app.address.clone(), "build".into()];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("formats.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(v["defaultName"], "sum_revenue_change", "{v}");
    assert_eq!(v["defaultLabel"], "Revenue, % change", "{v}");
    assert_eq!(
        v["stillOpen"], 1,
        "the editor stays open as the preview redraws: {v}"
    );
    assert_eq!(v["error"], 0, "no clash: {v}");
    let signed = |cells: &Value| {
        cells.as_array().unwrap().iter().any(|c| {
            let c = c.as_str().unwrap();
            (c.starts_with('+') || c.starts_with('-')) && c.ends_with('%')
        })
    };
    assert!(signed(&v["cells"]), "a +x.x% cell in the preview: {v}");
    assert!(
        v["savedAt"].as_str().unwrap().starts_with("/reports/"),
        "{v}"
    );
    let headers = v["savedHeaders"].to_string();
    assert!(
        headers.contains("Change vs previous region") && headers.contains("Revenue"),
        "{v}"
    );
    assert!(signed(&v["savedCells"]), "{v}");

    // Looked at: a report with euros and a change, in en-US and in de-DE.
    for (locale, name) in [
        ("en-US", "report-formats-en"),
        ("de-DE", "report-formats-de"),
    ] {
        let app = spawn_app_with(|c| c.branding.locale = locale.into()).await;
        let id = save(&app, &value_and_change()).await;
        let r = name_column(
            &app,
            "revenue",
            &[("label", "Sales"), ("format", "currency")],
        )
        .await;
        assert!(r.status().is_success(), "{}", r.status());
        let dataset = vec![
            app.address.clone(),
            "look".into(),
            "/datasets/sales".into(),
            format!("dataset-{locale}"),
        ];
        tokio::task::spawn_blocking(move || crate::browser::node("formats.mjs", &dataset))
            .await
            .unwrap();
        let args = vec![
            app.address.clone(),
            "look".into(),
            format!("/reports/{id}"),
            name.into(),
        ];
        let v = tokio::task::spawn_blocking(move || crate::browser::node("formats.mjs", &args))
            .await
            .unwrap();
        assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
        let cells = v["cells1366"].to_string();
        let money = if locale == "de-DE" {
            "\u{a0}€"
        } else {
            "€"
        };
        assert!(cells.contains(money), "{locale}: {cells}");
    }
}

async fn name_column(app: &TestApp, column: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(format!(
            "{}/datasets/sales/columns/{column}/name",
            app.address
        ))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dataset_columns_label_and_format_set_on_its_page_show_in_builder_reports() {
    let app = spawn_app().await;
    let r = name_column(
        &app,
        "revenue",
        &[
            ("label", "Sales"),
            ("format", "currency"),
            ("decimals", "0"),
            ("currency", "eur"),
        ],
    )
    .await;
    // Saved, and back to the dataset's page (followed).
    assert!(
        r.status() == 303 || r.url().path() == "/datasets/sales",
        "{}",
        r.status()
    );
    assert_eq!(
        r.status().as_u16() / 100,
        if r.status() == 303 { 3 } else { 2 }
    );
    let names = app.get("/datasets/sales/names").await.text().await.unwrap();
    assert!(
        names.contains("value=\"Sales\"") && names.contains("value=\"EUR\""),
        "{names}"
    );

    let id = save(
        &app,
        &json!({ "name": "By region", "visualizations": [{ "id": "rows", "type": "table" }],
                 "builder": { "dataset": "sales", "dimensions": ["region"],
                   "measures": [{ "field": "revenue", "agg": "sum" },
                                { "field": "revenue", "agg": "sum", "show": "percent_of_total" }],
                   "sort": [{ "field": "region" }] } }),
    )
    .await;
    let (_, sums, _) = {
        let p = app.get_json(&format!("/api/v1/reports/{id}/preview")).await;
        let rows = p["rows"].as_array().unwrap().clone();
        (
            (),
            rows.iter()
                .map(|r| r[1].as_f64().unwrap())
                .collect::<Vec<_>>(),
            (),
        )
    };
    let page = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(">Sales<") && page.contains("Sales, share of total"),
        "the dataset's label"
    );
    let euros = format!("€{}", quire::report::format::thousands(sums[0], 0));
    assert!(page.contains(&euros), "{euros}: the dataset's format");

    // Refused, naming the field; what was stored stays.
    let cases: [(&str, &[(&str, &str)], &str); 4] = [
        (
            "revenue",
            &[("label", "x"), ("format", "currency"), ("decimals", "99")],
            "decimals",
        ),
        ("revenue", &[("label", "x"), ("format", "fancy")], "format"),
        ("nope", &[("label", "x")], "column"),
        ("revenue", &[("label", &"y".repeat(10_000))], "label"),
    ];
    for (column, form, field) in cases {
        let r = name_column(&app, column, form).await;
        assert_eq!(r.status(), 422, "{field}");
        let body = r.text().await.unwrap();
        assert!(body.contains(field), "{field}: {body}");
    }
    let names = app.get("/datasets/sales/names").await.text().await.unwrap();
    assert!(
        names.contains("value=\"Sales\""),
        "unchanged after refusals"
    );

    // A viewer reads them and cannot change them.
    let (_, token) = crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let viewer = crate::helpers::client_with(Some(&token));
    let r = viewer
        .post(format!(
            "{}/datasets/sales/columns/revenue/name",
            app.address
        ))
        .form(&[("label", "Mine")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_rows_behind_a_mark_show_the_datasets_labels_and_formats_in_the_locale() {
    let app = spawn_app_with(|c| c.branding.locale = "de-DE".into()).await;
    let r = name_column(
        &app,
        "revenue",
        &[("label", "Umsatz"), ("format", "currency")],
    )
    .await;
    assert!(r.status().is_success(), "{}", r.status());
    let report = save(
        &app,
        &json!({ "name": "By region", "builder": {
            "dataset": "sales", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum" }] },
          "visualizations": [{ "id": "bars", "type": "bar",
                               "dataMapping": { "x": "region", "y": "sum_revenue" } }] }),
    )
    .await;
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/dashboards",
            &json!({ "name": "Regions", "widgets": [{ "id": "bars", "x": 0, "y": 0, "w": 12, "h": 6,
                      "reportId": report, "visualizationId": "bars" }] }),
        )
        .await;
    let d: Value = r.json().await.unwrap();
    let id = d["id"].as_str().unwrap();
    let widget = app
        .get(&format!("/dashboards/{id}/widgets/bars"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        widget.contains("\u{a0}€"),
        "the chart's hover titles in euros"
    );
    let rows = app
        .get(&format!("/dashboards/{id}/widgets/bars/rows?value=North"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        rows.contains(">Umsatz<") || rows.contains("Umsatz</"),
        "the label heads the rows"
    );
    assert!(
        rows.contains(",") && rows.contains("\u{a0}€"),
        "German euros in the rows"
    );
}
