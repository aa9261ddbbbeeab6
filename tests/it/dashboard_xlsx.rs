//! A dashboard's workbook: one sheet per widget named after its title, read back by openpyxl
//! and calamine (values) and from the zip's own parts (native charts, which openpyxl does not
//! load).

use calamine::{open_workbook, Data, Reader, Xlsx};
use std::io::Read;

/// A six-widget dashboard on the demo report, exported as XLSX for the last 30 days.
async fn workbook() -> (tempfile::TempDir, std::path::PathBuf) {
    let app = crate::helpers::spawn_app().await;
    let report = app.report_id().await;
    let targets: Vec<serde_json::Value> = [
        "revenue",
        "orders_count",
        "daily_revenue",
        "region_share",
        "orders",
    ]
    .map(|w| serde_json::json!({ "widgetId": w, "parameter": "days" }))
    .to_vec();
    let def = serde_json::json!({
        "name": "Board pack",
        "widgets": [
            { "id": "revenue", "title": "Revenue: last [30] days?", "reportId": report, "visualizationId": "revenue", "x": 0, "y": 0, "w": 3, "h": 2 },
            { "id": "orders_count", "reportId": report, "visualizationId": "orders_count", "x": 3, "y": 0, "w": 3, "h": 2 },
            { "id": "note", "kind": "text", "text": "Figures for the board meeting.", "x": 6, "y": 0, "w": 6, "h": 2 },
            { "id": "daily_revenue", "reportId": report, "visualizationId": "daily_revenue", "x": 0, "y": 2, "w": 6, "h": 5 },
            { "id": "region_share", "reportId": report, "visualizationId": "region_share", "x": 6, "y": 2, "w": 6, "h": 5 },
            { "id": "orders", "reportId": report, "visualizationId": "orders", "x": 0, "y": 7, "w": 12, "h": 8 }
        ],
        "filters": [{ "id": "period", "label": "Period", "type": "date_range",
                      "targets": targets }]
    });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&def)
        .send()
        .await
        .unwrap();
    let made: serde_json::Value = r.json().await.unwrap();
    let id = made["id"].as_str().unwrap_or_else(|| panic!("{made}"));
    let r = app
        .get(&format!(
            "/api/v1/dashboards/{id}/export?format=xlsx&f.period=last_30_days"
        ))
        .await;
    assert_eq!(r.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dashboard.xlsx");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
    (dir, path)
}

#[tokio::test]
async fn a_dashboard_workbook_has_a_sheet_per_widget_named_after_its_title() {
    let (_dir, path) = workbook().await;
    let k = crate::expected::kpis(30);
    let script = r#"
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
cover = {r[0]: r[1] for r in wb["Dashboard"].iter_rows(values_only=True) if r and r[0]}
daily = list(wb["Daily revenue"].iter_rows(min_row=3, values_only=True))
orders = list(wb["Orders (2)"].iter_rows(values_only=True))
print(json.dumps({
  "sheets": wb.sheetnames,
  "title": wb["Dashboard"]["A1"].value,
  "period": cover.get("Period"),
  "kpi": [c.value for c in wb["Revenue last 30 days"][2]],
  "orders_kpi": wb["Orders"]["B2"].value,
  "daily_header": [c.value for c in wb["Daily revenue"][2]],
  "daily_days": len(daily),
  "daily_first_is_date": isinstance(daily[0][0], datetime.datetime),
  "daily_cents": round(sum(r[1] or 0 for r in daily) * 100),
  "table_header": list(orders[0]),
  "table_rows": len(orders) - 1,
  "notes": wb["Notes"]["A1"].value,
}))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3 runs (with openpyxl: pip install openpyxl)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["sheets"],
        serde_json::json!([
            "Dashboard",
            "Revenue last 30 days",
            "Orders",
            "Daily revenue",
            "Revenue share by region",
            "Orders (2)",
            "Notes"
        ]),
        "{v}"
    );
    assert_eq!(v["title"], "Board pack");
    assert!(
        v["period"].as_str().unwrap().starts_with("Last 30 days"),
        "{v}"
    );
    let cents: i64 = k.window.iter().map(|o| o.revenue_cents).sum();
    assert_eq!(v["kpi"][0], "Revenue: last [30] days?", "{v}");
    assert_eq!(
        (v["kpi"][1].as_f64().unwrap() * 100.0).round() as i64,
        cents
    );
    assert_eq!(v["orders_kpi"], k.window.len());
    assert_eq!(
        v["daily_header"],
        serde_json::json!(["Date", "Daily revenue"])
    );
    assert_eq!(v["daily_days"], 30);
    assert_eq!(v["daily_first_is_date"], true);
    assert_eq!(v["daily_cents"], cents);
    assert_eq!(
        v["table_header"],
        serde_json::json!(["Order ID", "Date", "Region", "Product", "Units", "Revenue"])
    );
    assert_eq!(v["table_rows"], k.window.len());
    assert_eq!(v["notes"], "Figures for the board meeting.");
}

#[test]
fn a_dashboard_workbook_draws_native_charts_on_the_chart_sheets_and_calamine_reads_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_dir, path) = rt.block_on(workbook());
    let k = crate::expected::kpis(30);
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names().len(), 7);
    let table = wb.worksheet_range("Orders (2)").unwrap();
    assert_eq!(table.height(), k.window.len() + 1);
    let kpi = wb.worksheet_range("Orders").unwrap();
    assert_eq!(kpi.get((1, 1)), Some(&Data::Float(k.window.len() as f64)));

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("no {name}"))
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    // Sheets 4 and 5 (Daily revenue, Revenue share by region) hold a drawing; the others not.
    for n in 1..=7 {
        let rels = format!("xl/worksheets/_rels/sheet{n}.xml.rels");
        let has = zip_has(&path, &rels) && read(&rels).contains("drawing");
        assert_eq!(has, n == 4 || n == 5, "sheet {n}");
    }
    let charts: Vec<String> = (1..=2)
        .map(|i| read(&format!("xl/charts/chart{i}.xml")))
        .collect();
    assert!(!zip_has(&path, "xl/charts/chart3.xml"), "two charts");
    assert!(charts[0].contains("<c:lineChart>"), "{}", charts[0]);
    assert!(charts[0].contains("'Daily revenue'!$B$3:$B$32"));
    assert!(charts[1].contains("<c:doughnutChart>"));
    assert!(charts[1].contains("'Revenue share by region'!$B$3"));
    assert!(
        !zip.file_names()
            .any(|n| n.is_ok_and(|n| n.starts_with("xl/media/"))),
        "charts are not pictures"
    );
}

fn zip_has(path: &std::path::Path, name: &str) -> bool {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let found = zip.by_name(name).is_ok();
    found
}
