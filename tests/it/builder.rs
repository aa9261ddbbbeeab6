//! Builder specs through the real API, on the demo's `sales`: the figures compared with ones
//! computed here from examples/sales.csv; mappings checked at save by type; hostile specs.

use crate::expected::{self, Order};
use crate::helpers::{spawn_app, TestApp};
use chrono::{Datelike, Duration, NaiveDate};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A report of one builder query shown as a table.
fn report(name: &str, builder: Value) -> Value {
    json!({ "name": name, "builder": builder, "visualizations": [{ "id": "rows", "type": "table" }] })
}

/// Saves `body`; its id.
async fn save(app: &TestApp, body: &Value) -> String {
    let r = app.send_json(Method::POST, "/api/v1/reports", body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// The problem a refused save answers with.
async fn refused(app: &TestApp, body: &Value) -> Value {
    let r = app.send_json(Method::POST, "/api/v1/reports", body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 422, "{body}: {v}");
    v
}

/// The field a problem names.
fn field(p: &Value) -> &str {
    p["errors"][0]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("{p}"))
}

/// The columns and every row of report `id`'s query, with `query` added to the URL.
async fn result(app: &TestApp, id: &str, query: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let p = app
        .get_json(&format!(
            "/api/v1/reports/{id}/preview?pageSize=1000{query}"
        ))
        .await;
    let columns = p["columns"].as_array().unwrap_or_else(|| panic!("{p}"));
    let rows = p["rows"].as_array().unwrap();
    assert_eq!(
        p["totalRows"].as_u64().unwrap() as usize,
        rows.len(),
        "one page holds all"
    );
    (
        columns
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect(),
        rows.iter().map(|r| r.as_array().unwrap().clone()).collect(),
    )
}

fn cents(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("{v}")) * 100.0).round() as i64
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// The first day of `d`'s bucket, computed by hand.
fn bucket(d: NaiveDate, by: &str) -> NaiveDate {
    let first = |m: u32| NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap();
    match by {
        "day" => d,
        "week" => d - Duration::days(d.weekday().num_days_from_monday() as i64),
        "month" => first(d.month()),
        "quarter" => first((d.month() - 1) / 3 * 3 + 1),
        _ => first(1),
    }
}

/// Revenue (cents) and orders of `orders` by `key`.
fn totals<K: Ord>(orders: &[Order], key: impl Fn(&Order) -> K) -> BTreeMap<K, (i64, i64)> {
    let mut out = BTreeMap::new();
    for o in orders {
        let t: &mut (i64, i64) = out.entry(key(o)).or_default();
        t.0 += o.revenue_cents;
        t.1 += 1;
    }
    out
}

#[tokio::test]
async fn date_buckets_group_revenue_by_their_first_day_as_the_csv_does() {
    let app = spawn_app().await;
    let orders = expected::orders();
    for by in ["day", "week", "month", "quarter", "year"] {
        let id = save(
            &app,
            &report(
                &format!("Revenue by {by}"),
                json!({
                    "dataset": "sales",
                    "dimensions": [{ "field": "order_date", "bucket": by }],
                    "measures": [
                        { "field": "revenue", "agg": "sum", "as": "revenue" },
                        { "field": "*", "agg": "count", "as": "orders" }
                    ],
                    "sort": [{ "field": "order_date" }]
                }),
            ),
        )
        .await;
        let (columns, rows) = result(&app, &id, "").await;
        assert_eq!(columns, ["order_date", "revenue", "orders"]);
        let want = totals(&orders, |o| bucket(o.date, by));
        assert_eq!(rows.len(), want.len(), "{by}");
        for (row, (day, (c, n))) in rows.iter().zip(&want) {
            assert_eq!(row[0], day.format("%Y-%m-%d").to_string(), "{by}");
            assert_eq!(
                (cents(&row[1]), row[2].as_i64().unwrap()),
                (*c, *n),
                "{by} {day}"
            );
        }
    }
    // A bucket on a column that holds no dates is refused naming it.
    let p = refused(
        &app,
        &report("Bad bucket", json!({ "dataset": "sales", "dimensions": [{ "field": "region", "bucket": "month" }], "measures": [{ "field": "*", "agg": "count" }] })),
    )
    .await;
    assert_eq!(field(&p), "builder.dimensions[0].bucket", "{p}");
}

#[tokio::test]
async fn show_as_percent_running_total_and_change_follow_the_csv() {
    let app = spawn_app().await;
    let orders = expected::orders();
    let total: i64 = orders.iter().map(|o| o.revenue_cents).sum();

    let id = save(
        &app,
        &report(
            "Share by region",
            json!({ "dataset": "sales", "dimensions": ["region"],
                    "measures": [{ "field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total" }],
                    "sort": [{ "field": "region" }] }),
        ),
    )
    .await;
    let (_, rows) = result(&app, &id, "").await;
    let by_region = totals(&orders, |o| o.region.clone());
    assert_eq!(rows.len(), by_region.len());
    let mut sum = 0.0;
    for (row, (region, (c, _))) in rows.iter().zip(&by_region) {
        assert_eq!(row[0], region.as_str());
        assert!(close(&row[1], *c as f64 / total as f64), "{row:?}");
        sum += row[1].as_f64().unwrap();
    }
    assert!((sum - 1.0).abs() < 1e-9, "{sum}");

    let id = save(
        &app,
        &report(
            "Running revenue",
            json!({ "dataset": "sales", "dimensions": [{ "field": "order_date", "bucket": "month" }],
                    "measures": [
                        { "field": "revenue", "agg": "sum", "as": "revenue" },
                        { "field": "revenue", "agg": "sum", "as": "running", "show": "running_total" },
                        { "field": "revenue", "agg": "sum", "as": "change", "show": "change_vs_previous" }
                    ] }),
        ),
    )
    .await;
    let (columns, rows) = result(&app, &id, "").await;
    assert_eq!(columns, ["order_date", "revenue", "running", "change"]);
    let by_month: Vec<(NaiveDate, i64)> = totals(&orders, |o| bucket(o.date, "month"))
        .into_iter()
        .map(|(m, (c, _))| (m, c))
        .collect();
    assert_eq!(rows.len(), by_month.len());
    let mut running = 0;
    for (i, (row, (month, c))) in rows.iter().zip(&by_month).enumerate() {
        running += c;
        assert_eq!(
            row[0],
            month.format("%Y-%m-%d").to_string(),
            "in the order of the dimension"
        );
        assert_eq!(cents(&row[2]), running, "{month}");
        match i {
            0 => assert!(row[3].is_null(), "{row:?}"),
            _ => {
                let prev = by_month[i - 1].1 as f64;
                assert!(close(&row[3], (*c as f64 - prev) / prev), "{row:?}");
            }
        }
    }
    assert_eq!(
        cents(&rows.last().unwrap()[2]),
        total,
        "the last running total is the total"
    );
}

#[tokio::test]
async fn last_n_days_and_between_select_the_days_the_csv_says() {
    let app = spawn_app().await;
    let orders = expected::orders();
    let sum = |pick: &dyn Fn(&Order) -> bool| {
        let v: Vec<&Order> = orders.iter().filter(|o| pick(o)).collect();
        (
            v.iter().map(|o| o.revenue_cents).sum::<i64>(),
            v.len() as i64,
        )
    };
    let measures = json!([{ "field": "revenue", "agg": "sum", "as": "revenue" }, { "field": "*", "agg": "count", "as": "orders" }]);

    // Counted back from the report's day (today: previews run as of today), reaching into the data.
    let today = chrono::Utc::now().date_naive();
    let from = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let n = (today - from).num_days();
    let body = json!({
        "name": "Recent revenue",
        "parameters": [{ "name": "days", "type": "number", "defaultValue": "1" }],
        "builder": { "dataset": "sales", "measures": measures, "filters": [{ "field": "order_date", "op": "last_n_days", "value": "{days}" }] },
        "visualizations": [{ "id": "rows", "type": "table" }]
    });
    let id = save(&app, &body).await;
    let (_, rows) = result(&app, &id, &format!("&days={n}")).await;
    let (c, k) = sum(&|o| o.date >= from && o.date <= today);
    assert_eq!((cents(&rows[0][0]), rows[0][1].as_i64().unwrap()), (c, k));
    let (_, rows) = result(&app, &id, &format!("&days={}", n - 31)).await;
    let (c, k) = sum(&|o| o.date >= from + Duration::days(31));
    assert_eq!((cents(&rows[0][0]), rows[0][1].as_i64().unwrap()), (c, k));

    // Between: both days in.
    let id = save(
        &app,
        &report(
            "March 2024",
            json!({ "dataset": "sales", "measures": measures,
                    "filters": [{ "field": "order_date", "op": "between", "value": ["2024-03-01", "2024-03-31"] }] }),
        ),
    )
    .await;
    let (_, rows) = result(&app, &id, "").await;
    let (c, k) = sum(&|o| o.date.year() == 2024 && o.date.month() == 3);
    assert_eq!((cents(&rows[0][0]), rows[0][1].as_i64().unwrap()), (c, k));

    // In, not in, contains (case-insensitive).
    let id = save(
        &app,
        &report(
            "Some products",
            json!({ "dataset": "sales", "measures": measures, "filters": [
                { "field": "region", "op": "in", "value": ["West", "East"] },
                { "field": "product", "op": "contains", "value": "PRODUCT 01" },
                { "field": "units", "op": "not_in", "value": [1, 2] }
            ] }),
        ),
    )
    .await;
    let (_, rows) = result(&app, &id, "").await;
    let (c, k) = sum(&|o| {
        (o.region == "West" || o.region == "East")
            && o.product.starts_with("Product 01")
            && o.units > 2
    });
    assert!(k > 0);
    assert_eq!((cents(&rows[0][0]), rows[0][1].as_i64().unwrap()), (c, k));
}

#[tokio::test]
async fn compare_gives_each_region_the_period_just_before() {
    let app = spawn_app().await;
    let orders = expected::orders();
    let id = save(
        &app,
        &report(
            "March against before",
            json!({
                "dataset": "sales",
                "dimensions": ["region"],
                "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }, { "field": "customer_id", "agg": "count_distinct", "as": "customers" }],
                "filters": [{ "field": "order_date", "op": "between", "value": ["2025-03-01", "2025-03-31"] }],
                "compare": { "previousPeriod": true },
                "sort": [{ "field": "region" }]
            }),
        ),
    )
    .await;
    let (columns, rows) = result(&app, &id, "").await;
    assert_eq!(
        columns,
        [
            "region",
            "revenue",
            "revenue_prev",
            "customers",
            "customers_prev"
        ]
    );
    // 31 days, and the 31 days before: 29 January to 28 February.
    let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    let window = |from: NaiveDate, to: NaiveDate| {
        let mut out: BTreeMap<String, (i64, std::collections::HashSet<i64>)> = BTreeMap::new();
        for o in orders.iter().filter(|o| o.date >= from && o.date <= to) {
            let t = out.entry(o.region.clone()).or_default();
            t.0 += o.revenue_cents;
            t.1.insert(o.customer);
        }
        out
    };
    let (cur, prev) = (
        window(day(3, 1), day(3, 31)),
        window(day(1, 29), day(2, 28)),
    );
    assert_eq!(rows.len(), cur.len());
    for row in &rows {
        let region = row[0].as_str().unwrap();
        assert_eq!(cents(&row[1]), cur[region].0, "{region}");
        assert_eq!(cents(&row[2]), prev[region].0, "{region}");
        assert_eq!(row[3].as_u64().unwrap() as usize, cur[region].1.len());
        assert_eq!(row[4].as_u64().unwrap() as usize, prev[region].1.len());
    }
    // A KPI of the same compares with its `_prev` column.
    let kpi = json!({
        "name": "Revenue KPI",
        "builder": { "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
                     "filters": [{ "field": "order_date", "op": "between", "value": ["2025-03-01", "2025-03-31"] }],
                     "compare": { "previousPeriod": true } },
        "visualizations": [{ "id": "k", "type": "kpi", "dataMapping": { "value": "revenue" }, "options": { "compare": "revenue_prev" } }]
    });
    let id = save(&app, &kpi).await;
    let out = app
        .get_json(&format!("/reports/{id}/download?format=json"))
        .await;
    let k = &out["sections"][0]["items"][0];
    assert_eq!(k["kind"], "kpi", "{out}");
    let (c, p): (i64, i64) = (
        cur.values().map(|v| v.0).sum(),
        prev.values().map(|v| v.0).sum(),
    );
    let change = format!("{:+.1}%", (c - p) as f64 / p as f64 * 100.0);
    assert_eq!(k["change"], change.as_str(), "{k}");
    // A bucketed dimension has no previous period to compare with.
    let mut b = report("Bad compare", json!({}));
    b["builder"] = kpi["builder"].clone();
    b["builder"]["dimensions"] = json!([{ "field": "order_date", "bucket": "week" }]);
    let p = refused(&app, &b).await;
    assert_eq!(field(&p), "builder.compare", "{p}");
}

/// A builder whose columns suit every chart type.
fn chart_builder() -> Value {
    json!({
        "dataset": "sales",
        "dimensions": ["order_date", "region"],
        "measures": [
            { "field": "revenue", "agg": "sum", "as": "revenue" },
            { "field": "unit_price", "agg": "min", "as": "low" },
            { "field": "unit_price", "agg": "max", "as": "high" },
            { "field": "unit_price", "agg": "avg", "as": "open" },
            { "field": "cost", "agg": "avg", "as": "close" }
        ],
        "filters": [{ "field": "order_date", "op": "between", "value": ["2025-12-01", "2025-12-07"] }]
    })
}

/// A mapping in the contract's words for each type.
fn full_mapping(kind: &str) -> Value {
    match kind {
        "kpi" => json!({ "value": "revenue" }),
        "pie" | "donut" => json!({ "label": "region", "value": "revenue" }),
        "line" | "area" | "bar" | "hbar" | "waterfall" => {
            json!({ "x": "order_date", "y": "revenue" })
        }
        "stacked_bar" => json!({ "x": "order_date", "y": "revenue", "series": "region" }),
        "scatter" => json!({ "x": "low", "y": "revenue" }),
        "histogram" => json!({ "x": "revenue" }),
        "heatmap" => json!({ "x": "order_date", "y": "region", "value": "revenue" }),
        "candlestick" => {
            json!({ "x": "order_date", "open": "open", "high": "high", "low": "low", "close": "close" })
        }
        _ => json!({}),
    }
}

const TYPES: [&str; 14] = [
    "table",
    "kpi",
    "line",
    "area",
    "bar",
    "hbar",
    "stacked_bar",
    "pie",
    "donut",
    "scatter",
    "heatmap",
    "candlestick",
    "histogram",
    "waterfall",
];

#[tokio::test]
async fn every_chart_type_refuses_a_mapping_it_cannot_draw_naming_the_key() {
    let app = spawn_app().await;
    let with = |name: &str, kind: &str, mapping: Value| {
        json!({
            "name": name,
            "builder": chart_builder(),
            "visualizations": [{ "id": "rows", "type": "table" }, { "id": "v", "type": kind, "dataMapping": mapping }]
        })
    };
    for kind in TYPES {
        let full = full_mapping(kind);
        // The full mapping saves and draws.
        let id = save(&app, &with(&format!("Full {kind}"), kind, full.clone())).await;
        let r = app
            .get(&format!("/reports/{id}/download?format=json"))
            .await;
        assert_eq!(r.status(), 200, "{kind}: {}", r.text().await.unwrap());
        for key in full.as_object().unwrap().keys() {
            // Left out.
            let mut m = full.clone();
            let column = m.as_object_mut().unwrap().remove(key).unwrap();
            if kind == "stacked_bar" || !["series"].contains(&key.as_str()) {
                let p = refused(&app, &with(&format!("No {kind} {key}"), kind, m.clone())).await;
                let named = format!("visualizations[1].dataMapping.{key}");
                assert_eq!(field(&p), named, "{kind}: {p}");
                assert!(p["detail"].as_str().unwrap().starts_with(&named), "{p}");
            }
            // Misnamed.
            let mut misnamed = m.clone();
            misnamed[format!("{key}_column")] = column;
            let p = refused(
                &app,
                &with(&format!("Misnamed {kind} {key}"), kind, misnamed),
            )
            .await;
            assert!(
                p["detail"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{key}_column")),
                "{p}"
            );
            // A column the query does not return.
            let mut wrong = full.clone();
            wrong[key] = json!("profit");
            let p = refused(&app, &with(&format!("Wrong {kind} {key}"), kind, wrong)).await;
            assert_eq!(
                field(&p),
                format!("visualizations[1].dataMapping.{key}"),
                "{p}"
            );
        }
    }
}

#[tokio::test]
async fn a_pie_mapped_label_and_value_saves_and_renders() {
    let app = spawn_app().await;
    for (kind, mapping) in [
        ("pie", json!({ "label": "region", "value": "revenue" })),
        ("donut", json!({ "x": "region", "y": "revenue" })),
    ] {
        let body = json!({
            "name": format!("Revenue {kind}"),
            "builder": { "dataset": "sales", "dimensions": ["region"], "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }] },
            "visualizations": [{ "id": "share", "type": kind, "title": "Share", "dataMapping": mapping }]
        });
        let id = save(&app, &body).await;
        let out = app
            .get_json(&format!("/reports/{id}/download?format=json"))
            .await;
        let item = &out["sections"][0]["items"][0];
        assert_eq!(item["kind"], "chart", "{out}");
        let svg = item["svg"].as_str().unwrap();
        for region in ["North", "South", "East", "West"] {
            assert!(svg.contains(region), "{kind}: {region}");
        }
        let page = app.get(&format!("/reports/{id}")).await;
        assert_eq!(page.status(), 200);
    }
}

/// Identifiers and values meant to break out of the SQL, or to overwhelm it.
fn hostile() -> Vec<String> {
    vec![
        "a\"; DROP TABLE sales; --".into(),
        "sales) UNION SELECT name, sql FROM sqlite_schema --".into(),
        "region\" FROM sales; DELETE FROM sales; --".into(),
        "' OR 1=1 --".into(),
        "売上 ✓ région".into(),
        "x".repeat(10_000),
        "re\0gion".into(),
        "%_\\".into(),
    ]
}

#[tokio::test]
async fn hostile_specs_are_refused_naming_the_field_or_bound_and_the_data_stays_whole() {
    let app = spawn_app().await;
    let rows_before = app.get_json("/api/v1/datasets/sales").await["rowCount"].clone();
    assert_eq!(rows_before, 20000);
    let base = json!({
        "dataset": "sales",
        "dimensions": ["region"],
        "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
        "filters": [{ "field": "units", "op": "ge", "value": 1 }],
        "sort": [{ "field": "revenue" }]
    });
    for (n, h) in hostile().into_iter().enumerate() {
        for (pointer, named) in [
            ("/dataset", "builder.dataset"),
            ("/dimensions/0", "builder.dimensions[0]"),
            ("/measures/0/field", "builder.measures[0].field"),
            ("/measures/0/as", "builder.measures[0].as"),
            ("/filters/0/field", "builder.filters[0].field"),
            ("/filters/0/value", "builder.filters[0].value"),
            ("/sort/0/field", "builder.sort[0].field"),
        ] {
            let mut b = base.clone();
            *b.pointer_mut(pointer).unwrap() = json!(h);
            let p = refused(&app, &report(&format!("Hostile {n} {pointer}"), b)).await;
            assert_eq!(field(&p), named, "{pointer}: {p}");
            assert!(p["detail"].as_str().unwrap().len() < 1000);
        }
        // As a value compared with text, it is bound: the report saves and finds nothing.
        let mut b = base.clone();
        b["filters"] = json!([
            { "field": "region", "op": "ne", "value": h },
            { "field": "product", "op": "contains", "value": h },
            { "field": "channel", "op": "in", "value": [h, "Online"] }
        ]);
        let id = save(&app, &report(&format!("Hostile value {n}"), b)).await;
        let (_, rows) = result(&app, &id, "").await;
        assert!(rows.is_empty(), "{h:?}: {rows:?}");
    }
    let count = save(&app, &report("Count after", json!({ "dataset": "sales", "measures": [{ "field": "*", "agg": "count", "as": "n" }] }))).await;
    let (_, rows) = result(&app, &count, "").await;
    assert_eq!(rows[0][0], 20000);
    assert_eq!(
        app.get_json("/api/v1/datasets/sales").await["rowCount"],
        rows_before
    );
}

#[tokio::test]
async fn hostile_expressions_and_joins_are_refused_naming_them_and_text_in_them_is_bound() {
    let app = spawn_app().await;
    crate::columnar::upload(
        &app,
        "products",
        b"product,category\nProduct 001,Tools\nProduct 002,Garden\n".to_vec(),
    )
    .await;
    let base = json!({
        "dataset": "sales",
        "expressions": [{ "name": "margin", "expr": "revenue - cost" }],
        "joins": [{ "dataset": "products", "type": "left", "on": [{ "left": "product", "right": "product" }] }],
        "dimensions": ["products.category"],
        "measures": [{ "field": "margin", "agg": "sum", "as": "margin" },
                     { "expr": "sum(revenue) / count()", "as": "average" }]
    });
    assert!(!save(&app, &report("Joined base", base.clone()))
        .await
        .is_empty());
    for (n, h) in hostile().into_iter().enumerate() {
        for (pointer, named) in [
            ("/expressions/0/name", "builder.expressions[0].name"),
            ("/expressions/0/expr", "builder.expressions[0].expr"),
            ("/measures/1/expr", "builder.measures[1].expr"),
            ("/measures/1/as", "builder.measures[1].as"),
            ("/joins/0/dataset", "builder.joins[0].dataset"),
            ("/joins/0/on/0/left", "builder.joins[0].on[0].left"),
            ("/joins/0/on/0/right", "builder.joins[0].on[0].right"),
        ] {
            let mut b = base.clone();
            *b.pointer_mut(pointer).unwrap() = json!(h);
            let p = refused(&app, &report(&format!("Hostile {n} {pointer}"), b)).await;
            assert_eq!(field(&p), named, "{pointer}: {p}");
            assert!(p["detail"].as_str().unwrap().len() < 1000, "{p}");
        }
        // Inside an expression's quotes it is text, bound as a value.
        let quoted = serde_json::to_string(&h.replace('\0', "")).unwrap();
        let mut b = base.clone();
        b["expressions"] = json!([{ "name": "tag", "expr": format!("concat(region, {quoted})") }]);
        b["dimensions"] = json!(["tag"]);
        b["measures"] = json!([{ "field": "*", "agg": "count", "as": "n" }]);
        if quoted.len() > 1_900 {
            // Past the longest expression: refused, naming it.
            let p = refused(&app, &report(&format!("Hostile text {n}"), b)).await;
            assert_eq!(field(&p), "builder.expressions[0].expr", "{p}");
            continue;
        }
        let id = save(&app, &report(&format!("Hostile text {n}"), b)).await;
        let (_, rows) = result(&app, &id, "").await;
        let tail = h.replace('\0', "");
        assert!(
            rows.iter().all(|r| r[0].as_str().unwrap().ends_with(&tail)),
            "{h:?}"
        );
    }
    // The data is whole, and the joined dataset too.
    assert_eq!(
        app.get_json("/api/v1/datasets/sales").await["rowCount"],
        20000
    );
    assert_eq!(
        app.get_json("/api/v1/datasets/products").await["rowCount"],
        2
    );
}
