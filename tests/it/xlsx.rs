//! The XLSX export read back by two independent readers: calamine, and Python's openpyxl
//! (plus the zip's own chart parts, which openpyxl does not load).

use crate::expected;
use crate::helpers::spawn_app;
use calamine::{open_workbook, Data, Reader, Xlsx};
use std::io::Read;

/// The demo workbook for 90 days, on disk.
async fn workbook() -> (tempfile::TempDir, std::path::PathBuf) {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let r = app
        .get(&format!("/reports/{report}/download?format=xlsx&days=90"))
        .await;
    assert_eq!(r.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
    (dir, path)
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[tokio::test]
async fn calamine_reads_typed_rows_numeric_kpis_and_the_chart_numbers() {
    let (_dir, path) = workbook().await;
    let k = expected::kpis(90);
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["Summary", "Data"]);

    // Data: every window row, numbers as numbers, dates as dates.
    let data = wb.worksheet_range("Data").unwrap();
    assert_eq!(data.height(), k.window.len() + 1);
    assert_eq!(
        data.rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
        ["Order ID", "Date", "Region", "Product", "Units", "Revenue"]
    );
    for (row, o) in data.rows().skip(1).zip(&k.window).step_by(97) {
        assert_eq!(number(&row[0]) as i64, o.id);
        match &row[1] {
            Data::DateTime(d) => assert_eq!(d.as_datetime().unwrap().date(), o.date),
            other => panic!("order_date is not a date cell: {other:?}"),
        }
        assert_eq!(row[2].to_string(), o.region);
        assert_eq!(number(&row[4]) as i64, o.units);
        assert_eq!((number(&row[5]) * 100.0).round() as i64, o.revenue_cents);
    }

    // Summary: the KPIs as numbers.
    let summary = wb.worksheet_range("Summary").unwrap();
    let kpi = |title: &str| {
        summary
            .rows()
            .find(|r| r[0].to_string() == title)
            .unwrap_or_else(|| panic!("no KPI row {title}"))
            .to_vec()
    };
    let cents: i64 = k.window.iter().map(|o| o.revenue_cents).sum();
    let revenue = kpi("Revenue");
    assert_eq!((number(&revenue[1]) * 100.0).round() as i64, cents);
    let orders = kpi("Orders");
    assert_eq!(number(&orders[1]) as usize, k.window.len());
    // The change is a fraction: previous * (1 + change) = current.
    let (cur, prev, change) = (number(&orders[1]), number(&orders[2]), number(&orders[3]));
    assert!(
        (prev * (1.0 + change) - cur).abs() < 1e-6,
        "{prev} {change} {cur}"
    );

    // The daily revenue chart's numbers, at H.., add up to the window's revenue.
    let mut daily = 0.0;
    let mut in_daily = false;
    for r in summary.rows() {
        let h = r.get(7).map(|c| c.to_string()).unwrap_or_default();
        if h == "Daily revenue" {
            in_daily = true;
            continue;
        }
        if in_daily {
            match (r.get(7), r.get(8)) {
                (Some(Data::DateTime(_)), Some(v)) => daily += number(v),
                (Some(Data::String(s)), _) if s == "Date" => {}
                _ => break,
            }
        }
    }
    assert_eq!((daily * 100.0).round() as i64, cents);
}

#[test]
fn chart_parts_are_native_excel_charts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_dir, path) = rt.block_on(workbook());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut kinds = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().unwrap().starts_with("xl/charts/chart") {
            let mut xml = String::new();
            f.read_to_string(&mut xml).unwrap();
            for kind in ["c:lineChart", "c:barChart", "c:doughnutChart", "c:pieChart"] {
                if xml.contains(&format!("<{kind}>")) {
                    kinds.push(kind);
                }
            }
            assert!(
                xml.contains("Summary!$I$"),
                "values read from the Summary sheet"
            );
        }
    }
    kinds.sort();
    assert_eq!(kinds, ["c:barChart", "c:doughnutChart", "c:lineChart"]);
    assert!(
        !zip.file_names()
            .any(|n| n.is_ok_and(|n| n.starts_with("xl/media/"))),
        "charts are not pictures"
    );
}

#[tokio::test]
async fn openpyxl_reads_the_same_values_types_and_formats() {
    let (_dir, path) = workbook().await;
    let k = expected::kpis(90);
    let script = r#"
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
data = wb["Data"]
rows = list(data.iter_rows(min_row=2, values_only=True))
first = next(data.iter_rows(min_row=2, max_row=2))
summary = wb["Summary"]
kpis = {r[0].value: r[1] for r in summary.iter_rows(min_row=1) if r[0].value in ("Revenue", "Orders")}
print(json.dumps({
  "sheets": wb.sheetnames,
  "rows": len(rows),
  "first_id": rows[0][0],
  "first_date": rows[0][1].date().isoformat() if isinstance(rows[0][1], datetime.datetime) else repr(rows[0][1]),
  "date_format": first[1].number_format,
  "revenue_format": first[5].number_format,
  "revenue_total_cents": round(sum(r[5] for r in rows) * 100),
  "kpi_revenue": kpis["Revenue"].value,
  "kpi_revenue_format": kpis["Revenue"].number_format,
  "kpi_orders": kpis["Orders"].value,
  "frozen": data.freeze_panes,
  "filter": data.auto_filter.ref,
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
    let cents: i64 = k.window.iter().map(|o| o.revenue_cents).sum();
    let first = &k.window[0];
    assert_eq!(v["sheets"], serde_json::json!(["Summary", "Data"]));
    assert_eq!(v["rows"], k.window.len());
    assert_eq!(v["first_id"], first.id);
    assert_eq!(v["first_date"], first.date.to_string());
    assert_eq!(v["date_format"], "yyyy-mm-dd");
    assert!(
        v["revenue_format"].as_str().unwrap().contains("#,##0.00"),
        "{v}"
    );
    assert_eq!(v["revenue_total_cents"], cents);
    assert_eq!(
        (v["kpi_revenue"].as_f64().unwrap() * 100.0).round() as i64,
        cents
    );
    assert!(v["kpi_revenue_format"]
        .as_str()
        .unwrap()
        .contains("#,##0.00"));
    assert_eq!(v["kpi_orders"], k.window.len());
    assert_eq!(v["frozen"], "A2");
    assert_eq!(v["filter"], format!("A1:F{}", k.window.len() + 1));
}
