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
    let v = python_json(script, &path);
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

/// What `script` (Python with openpyxl) prints as JSON about the workbook at `path`.
fn python_json(script: &str, path: &std::path::Path) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3 runs (with openpyxl: pip install openpyxl)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The text of part `name` of the workbook at `path`.
fn zip_text(path: &std::path::Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("no {name}"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

fn zip_has(path: &std::path::Path, name: &str) -> bool {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let found = zip.by_name(name).is_ok();
    found
}

#[tokio::test]
async fn stacked_bars_scatter_plots_and_candles_get_native_excel_charts_over_their_numbers() {
    let app = crate::helpers::spawn_app().await;
    let post = |path: &'static str, body: serde_json::Value| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}{path}", app.address))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "POST {path}");
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let stacked = post(
        "/api/v1/reports",
        serde_json::json!({ "name": "Region and channel", "builder": {
            "dataset": "sales", "dimensions": ["region", "channel"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "sort": [{ "field": "region" }, { "field": "channel" }] },
          "visualizations": [{ "id": "stack", "type": "stacked_bar", "title": "Revenue by region and channel",
                               "dataMapping": { "x": "region", "y": "revenue", "series": "channel" } }] }),
    )
    .await;
    let scatter = post(
        "/api/v1/reports",
        serde_json::json!({ "name": "Units and revenue", "dataSource": "main",
          "query": "SELECT units, revenue FROM sales WHERE order_date >= '2025-12-25' ORDER BY order_id",
          "visualizations": [{ "id": "dots", "type": "scatter", "title": "Units against revenue",
                               "dataMapping": { "x": "units", "y": "revenue" } }] }),
    )
    .await;
    let candles = post(
        "/api/v1/reports",
        serde_json::json!({ "name": "Order values", "dataSource": "main",
          "query": "SELECT order_date AS day, avg(revenue) AS o, max(revenue) AS h, min(revenue) AS l, avg(unit_price) AS c FROM sales WHERE order_date >= '2025-12-20' GROUP BY order_date ORDER BY order_date",
          "visualizations": [{ "id": "candles", "type": "candlestick", "title": "Order values by day",
                               "dataMapping": { "x": "day", "open": "o", "high": "h", "low": "l", "close": "c" } }] }),
    )
    .await;
    let d = post(
        "/api/v1/dashboards",
        serde_json::json!({ "name": "Native", "widgets": [
            { "id": "stack", "x": 0, "y": 0, "w": 6, "h": 5, "reportId": stacked["id"], "visualizationId": "stack" },
            { "id": "dots", "x": 6, "y": 0, "w": 6, "h": 5, "reportId": scatter["id"], "visualizationId": "dots" },
            { "id": "candles", "x": 0, "y": 5, "w": 12, "h": 5, "reportId": candles["id"], "visualizationId": "candles" }] }),
    )
    .await;
    let r = app
        .get(&format!(
            "/api/v1/dashboards/{}/export?format=xlsx",
            d["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("native.xlsx");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();

    // The numbers, read back by openpyxl (which leaves charts out when it loads a workbook).
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
stack = list(wb["Revenue by region and channel"].iter_rows(min_row=2, values_only=True))
dots = list(wb["Units against revenue"].iter_rows(min_row=3, values_only=True))
print(json.dumps({
  "sheets": wb.sheetnames,
  "stack_header": [c for c in stack[0] if c is not None],
  "stack": {r[0]: [round((v or 0) * 100) for v in r[1:]] for r in stack[1:]},
  "dots": [[r[0], round(r[1] * 100)] for r in dots],
  "candles": [[c.value for c in r][:5] for r in wb["Order values by day"].iter_rows(min_row=2, max_row=3)],
  "candle_days": wb["Order values by day"].max_row - 2,
}, default=str))
"#;
    let v = python_json(script, &path);
    assert_eq!(
        v["sheets"],
        serde_json::json!([
            "Dashboard",
            "Revenue by region and channel",
            "Units against revenue",
            "Order values by day"
        ])
    );
    // Every region's revenue by channel, as the CSV sums it (channels in sorted order).
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap();
    let mut sums: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> =
        Default::default();
    let mut dots: Vec<(i64, i64)> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let cents = (f[8].parse::<f64>().unwrap() * 100.0).round() as i64;
        *sums
            .entry(f[2].to_string())
            .or_default()
            .entry(f[3].to_string())
            .or_default() += cents;
        if f[1] >= "2025-12-25" {
            dots.push((f[6].parse().unwrap(), cents));
        }
    }
    let channels: std::collections::BTreeSet<&String> =
        sums.values().flat_map(|c| c.keys()).collect();
    let mut header = vec!["Label"];
    header.extend(channels.iter().map(|c| c.as_str()));
    assert_eq!(v["stack_header"], serde_json::json!(header));
    let want: std::collections::BTreeMap<&String, Vec<i64>> = sums
        .iter()
        .map(|(r, c)| {
            (
                r,
                channels
                    .iter()
                    .map(|ch| c.get(*ch).copied().unwrap_or(0))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(v["stack"], serde_json::to_value(&want).unwrap());
    assert_eq!(v["dots"], serde_json::to_value(&dots).unwrap());
    // A day a row from Dec 20 to 31, its prices in a stock chart's order.
    assert_eq!(v["candle_days"], 12, "{v}");
    assert_eq!(
        v["candles"][0],
        serde_json::json!(["Date", "o", "h", "l", "c"]),
        "{v}"
    );
    assert!(
        v["candles"][1][0]
            .as_str()
            .unwrap()
            .starts_with("2025-12-20"),
        "{v}"
    );

    // Each sheet holds its native chart: stacked columns, and a scatter over the points' rows.
    let read = |name: &str| zip_text(&path, name);
    let (bars, scatter) = (read("xl/charts/chart1.xml"), read("xl/charts/chart2.xml"));
    assert!(
        bars.contains("<c:barChart>") && bars.contains("<c:grouping val=\"stacked\"/>"),
        "{bars}"
    );
    assert_eq!(
        bars.matches("<c:ser>").count(),
        channels.len(),
        "a series a channel"
    );
    assert!(scatter.contains("<c:scatterChart>"), "{scatter}");
    let stock = read("xl/charts/chart3.xml");
    assert!(
        stock.contains("<c:stockChart>") && stock.contains("<c:hiLowLines"),
        "{stock}"
    );
    assert!(
        stock.contains("<c:upDownBars>") && stock.contains("<a:ln><a:noFill/>"),
        "{stock}"
    );
    assert_eq!(
        stock.matches("<c:ser>").count(),
        4,
        "open, high, low, close"
    );
    let last = 2 + dots.len();
    assert!(
        scatter.contains(&format!("'Units against revenue'!$B$3:$B${last}")),
        "{scatter}"
    );
}

/// Histograms, heatmaps and waterfalls in a report's workbook: a histogram's bin counts under a
/// native column chart without gaps, a heatmap's grid coloured by a colour scale, a waterfall's
/// changes and running totals; every figure as examples/sales.csv gives it.
#[tokio::test]
async fn histograms_heatmaps_and_waterfalls_have_their_numbers_in_the_workbook() {
    let app = crate::helpers::spawn_app().await;
    let window = "order_date >= '2025-12-01'";
    let report = serde_json::json!({ "name": "Shapes", "dataSource": "main",
        "queries": {
            "units": { "query": format!("SELECT units FROM sales WHERE {window}") },
            "grid": { "query": format!("SELECT region, channel, sum(revenue) AS revenue FROM sales WHERE {window} GROUP BY region, channel ORDER BY region, channel") },
            "steps": { "query": format!("SELECT region, sum(revenue) AS revenue FROM sales WHERE {window} GROUP BY region ORDER BY region") }
        },
        "visualizations": [
            { "id": "hist", "type": "histogram", "title": "Units per order", "query": "units",
              "dataMapping": { "x": "units" } },
            { "id": "heat", "type": "heatmap", "title": "Revenue by region and channel", "query": "grid",
              "dataMapping": { "x": "region", "y": "channel", "value": "revenue" } },
            { "id": "fall", "type": "waterfall", "title": "Revenue by region", "query": "steps",
              "dataMapping": { "x": "region", "y": "revenue" } }
        ] });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &report)
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .get(&format!("/reports/{id}/download?format=xlsx"))
        .await;
    assert_eq!(r.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shapes.xlsx");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();

    // Each chart's block in column H of the Summary: its title, a header row, then its rows.
    let script = r#"
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Summary"]
blocks, title = {}, None
for row in ws.iter_rows(min_col=8, max_col=14, values_only=True):
    if row[0] is None:
        title = None
    elif title is None:
        title = row[0]; blocks[title] = []
    else:
        blocks[title].append([c for c in row])
print(json.dumps({"blocks": blocks,
  "scales": [(str(r.sqref), [x.type for x in r.rules]) for r in ws.conditional_formatting]}))
"#;
    let v = python_json(script, &path);
    let blocks = &v["blocks"];
    // The CSV's figures for the window.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap();
    let mut units = 0usize;
    let mut grid: std::collections::BTreeMap<(String, String), i64> = Default::default();
    let mut regions: std::collections::BTreeMap<String, i64> = Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] < "2025-12-01" {
            continue;
        }
        units += 1;
        let cents = (f[8].parse::<f64>().unwrap() * 100.0).round() as i64;
        *grid.entry((f[2].into(), f[3].into())).or_default() += cents;
        *regions.entry(f[2].into()).or_default() += cents;
    }
    let cents = |v: &serde_json::Value| (v.as_f64().unwrap() * 100.0).round() as i64;

    // Histogram: every order in one bin, and a column chart without gaps over the counts.
    let hist = blocks["Units per order"].as_array().unwrap();
    assert_eq!(hist[0][0], "Label", "{v}");
    assert_eq!(hist[0][1], "Rows", "{v}");
    let counted: f64 = hist[1..].iter().map(|r| r[1].as_f64().unwrap_or(0.0)).sum();
    assert_eq!(counted as usize, units, "{v}");
    assert!(hist[1][0].as_str().unwrap().contains(" to "), "{v}");
    let chart = zip_text(&path, "xl/charts/chart1.xml");
    assert!(chart.contains("<c:barChart>"), "{chart}");
    assert!(chart.contains("<c:gapWidth val=\"0\"/>"), "{chart}");
    assert!(
        !zip_has(&path, "xl/charts/chart2.xml"),
        "the heatmap and the waterfall have no Excel chart"
    );

    // Heatmap: regions down, channels across, each cell the CSV's sum; coloured by a scale.
    let heat = blocks["Revenue by region and channel"].as_array().unwrap();
    let channels: Vec<String> = heat[0].as_array().unwrap()[1..]
        .iter()
        .filter_map(|c| c.as_str().map(String::from))
        .collect();
    assert!(!channels.is_empty(), "{v}");
    for row in &heat[1..] {
        let region = row[0].as_str().unwrap().to_string();
        for (i, ch) in channels.iter().enumerate() {
            let want = grid
                .get(&(region.clone(), ch.clone()))
                .copied()
                .unwrap_or(0);
            let got = if row[1 + i].is_null() {
                0
            } else {
                cents(&row[1 + i])
            };
            assert_eq!(got, want, "{region} × {ch}");
        }
    }
    assert_eq!(heat.len() - 1, regions.len(), "{v}");
    let scales = v["scales"].as_array().unwrap();
    assert_eq!(scales.len(), 1, "{v}");
    assert_eq!(scales[0][1], serde_json::json!(["colorScale"]), "{v}");

    // Waterfall: each region's change and the running total, then the total.
    let fall = blocks["Revenue by region"].as_array().unwrap();
    assert_eq!(fall[0][2], "Running total", "{v}");
    let mut running = 0;
    for (row, (region, sum)) in fall[1..].iter().zip(&regions) {
        running += sum;
        assert_eq!(row[0], serde_json::json!(region));
        assert_eq!(cents(&row[1]), *sum, "{region}");
        assert_eq!(cents(&row[2]), running, "{region}");
    }
    let last = fall.last().unwrap();
    assert_eq!(last[0], "Total");
    assert!(last[1].is_null());
    assert_eq!(cents(&last[2]), regions.values().sum::<i64>());
}
