//! The columnar engine answers every builder question as SQLite does: the same columns, the
//! same cells (integers as integers, sums as reals, dates as `YYYY-MM-DD`, NULLs), in the same
//! order where the question orders them. Each question runs on both engines over one imported
//! dataset with NULLs, blanks, wildcards, times and booleans: hand-written ones for every
//! construct, then 400 generated ones.

use quire::data::import::{DatasetName, Input, Options};
use quire::data::query::{Bounds, Cell, ResultSet};
use quire::data::source::{columnar_tag, Db};
use quire::model::report::{BuilderSpec, ParameterDef, QuerySource};
use quire::store::Store;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// The day `last_n_days` counts back from (inside the data's years).
fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
}

/// A small deterministic generator (no dependency for a few random numbers).
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const REGIONS: &[&str] = &["North", "South", "East", "West", "north", "Ünïcode", ""];
const PRODUCTS: &[&str] = &[
    "plain",
    "50% off",
    "a_b",
    "back\\slash",
    "Plain Again",
    "zero",
    "x'y",
];

/// The sales CSV: 600 rows, blanks in every column but `id`.
fn csv() -> String {
    let mut r = Lcg(7);
    let mut out = String::from("id,order_date,shipped_at,region,product,units,revenue,paid\n");
    for id in 0..600 {
        let blank = |r: &mut Lcg| r.below(17) == 0;
        let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
            + chrono::Duration::days(r.below(700) as i64);
        let date = if blank(&mut r) {
            String::new()
        } else {
            day.to_string()
        };
        let shipped = if blank(&mut r) {
            String::new()
        } else {
            format!("{day} {:02}:{:02}:00", r.below(24), r.below(60))
        };
        let region = r.pick(REGIONS).to_string();
        let product = format!("\"{}\"", r.pick(PRODUCTS).replace('"', "\"\""));
        let units = if blank(&mut r) {
            String::new()
        } else {
            (r.below(40) as i64 - 5).to_string()
        };
        let revenue = if blank(&mut r) {
            String::new()
        } else {
            format!("{:.2}", (r.below(100_000) as f64 - 20_000.0) / 100.0)
        };
        let paid = ["yes", "no", ""][r.below(3) as usize];
        out.push_str(&format!(
            "{id},{date},{shipped},{region},{product},{units},{revenue},{paid}\n"
        ));
    }
    out
}

/// A store with the engine and the sales dataset imported (and copied).
pub(crate) fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &[], 0)
        .unwrap()
        .with_engine(dir.path(), 256)
        .unwrap();
    let bytes: std::sync::Arc<[u8]> = csv().into_bytes().into();
    quire::app::dataset::import(
        &store,
        &DatasetName::parse("sales").unwrap(),
        "sales.csv",
        &Input::Bytes(bytes),
        &Options::default(),
        false,
        &|_| {},
    )
    .unwrap();
    assert!(
        store.engine.as_ref().unwrap().has("sales"),
        "the import wrote no columnar copy"
    );
    // The copy is the user's data: for Quire's account only, as `datasets.db`.
    use std::os::unix::fs::PermissionsExt;
    let folder = dir.path().join("columnar");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    for file in std::fs::read_dir(&folder).unwrap() {
        assert_eq!(mode(&file.unwrap().path()), 0o600);
    }
    (dir, store)
}

fn bounds() -> Bounds {
    Bounds {
        timeout: Duration::from_secs(30),
        max_rows: 100_000,
        memory_mb: 64,
        result_mb: 64,
    }
}

/// The report's parameters a spec may name.
fn parameters() -> Vec<ParameterDef> {
    serde_json::from_value(json!([
        {"name": "region", "type": "string", "defaultValue": "North"},
        {"name": "since", "type": "date", "defaultValue": "2024-06-01"}
    ]))
    .unwrap()
}

/// `spec` answered on SQLite (`columnar` false) or on the engine.
fn answer(store: &Store, spec: &BuilderSpec, columnar: bool) -> Result<ResultSet, String> {
    let conn = store.data_ro.get().unwrap();
    let engine = store.engine.as_ref().unwrap();
    let everyone = quire::data::source::Reader {
        sight: quire::model::access::Sight::All,
        policed: Default::default(),
    };
    let db = match columnar {
        true => Db::Store(&conn, Some(engine), &everyone),
        false => Db::Sqlite(&conn),
    };
    let params = parameters();
    let resolved = quire::report::params::resolve(&params, &BTreeMap::new(), today())
        .map_err(|e| e.to_string())?;
    let (sql, literals) =
        quire::report::builder::sql_of_as_of(db, QuerySource::Builder(spec), &params, today())?;
    assert_eq!(
        sql.starts_with(columnar_tag()),
        columnar,
        "compiled for the wrong engine: {sql}"
    );
    let mut values = resolved.values.clone();
    values.extend(literals);
    db.fetch(&sql, &values, None, bounds())
        .map_err(|e| format!("{e}\n{sql}"))
}

fn same_cell(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (Cell::Real(x), Cell::Real(y)) => {
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        _ => a == b,
    }
}

fn same_row(a: &[Cell], b: &[Cell]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_cell(x, y))
}

/// Both engines give the same answer to `spec` (or both refuse it): whether they answered.
pub(crate) fn check(store: &Store, spec: Value) -> bool {
    let parsed: BuilderSpec = match serde_json::from_value(spec.clone()) {
        Ok(s) => s,
        Err(e) => panic!("not a spec: {e}: {spec}"),
    };
    let (lite, col) = (answer(store, &parsed, false), answer(store, &parsed, true));
    let (lite, col) = match (lite, col) {
        (Err(a), Err(_)) if !a.contains("SQL error") => {
            eprintln!("refused on both: {a}");
            return false;
        }
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => panic!("{spec}\nSQLite: {a:?}\ncolumnar: {b:?}"),
    };
    assert_eq!(lite.columns, col.columns, "{spec}");
    assert_eq!(lite.rows.len(), col.rows.len(), "{spec}\n{lite:?}\n{col:?}");
    // Without measures a question is a DISTINCT list: SQLite gives it in no set order.
    let ordered =
        spec["measures"].as_array().is_some_and(|m| !m.is_empty()) || spec.get("sort").is_some();
    if ordered {
        for (i, (a, b)) in lite.rows.iter().zip(&col.rows).enumerate() {
            assert!(
                same_row(a, b),
                "{spec}\nrow {i}: SQLite {a:?}, columnar {b:?}"
            );
        }
    } else {
        let mut rest = col.rows.clone();
        for a in &lite.rows {
            let at = rest.iter().position(|b| same_row(a, b));
            let at = at.unwrap_or_else(|| panic!("{spec}\n{a:?} only on SQLite"));
            rest.swap_remove(at);
        }
    }
    true
}

#[test]
fn every_construct_answers_the_same_on_both_engines() {
    let (_dir, store) = store();
    let m = |field: &str, agg: &str| json!({"field": field, "agg": agg});
    let specs = [
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")]}),
        json!({"dataset": "sales", "dimensions": ["region", "paid"],
               "measures": [m("units", "sum"), m("units", "avg"), m("revenue", "min"),
                            m("revenue", "max"), m("*", "count"), m("product", "count_distinct"),
                            m("paid", "sum"), m("paid", "avg"), m("units", "count")]}),
        json!({"dataset": "sales", "measures": [m("revenue", "sum"), m("order_date", "min"),
                                                 m("order_date", "max")]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "day"}],
               "measures": [m("revenue", "sum")]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "week"}, "region"],
               "measures": [m("revenue", "sum")]}),
        json!({"dataset": "sales", "dimensions": [{"field": "shipped_at", "bucket": "month"}],
               "measures": [m("units", "sum")]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "quarter"}],
               "measures": [{"field": "revenue", "agg": "sum", "show": "running_total"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "year"}, "region"],
               "measures": [{"field": "revenue", "agg": "sum", "show": "change_vs_previous"},
                            {"field": "units", "agg": "sum", "as": "u", "show": "percent_of_total"}]}),
        json!({"dataset": "sales", "dimensions": ["product"],
               "measures": [{"field": "revenue", "agg": "sum", "as": "r"}],
               "sort": [{"field": "r", "dir": "desc"}, {"field": "product"}], "limit": 3}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("units", "sum")], "limit": 2}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "product", "op": "contains", "value": "50%"}]}),
        json!({"dataset": "sales", "dimensions": ["product"], "measures": [m("units", "sum")],
               "filters": [{"field": "product", "op": "contains", "value": "PLAIN"}]}),
        json!({"dataset": "sales", "dimensions": ["product"], "measures": [m("units", "sum")],
               "filters": [{"field": "product", "op": "contains", "value": "_"}]}),
        json!({"dataset": "sales", "dimensions": ["product"], "measures": [m("units", "sum")],
               "filters": [{"field": "product", "op": "contains", "value": "\\"}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("units", "sum")],
               "filters": [{"field": "units", "op": "contains", "value": "1"}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("units", "sum")],
               "filters": [{"field": "order_date", "op": "contains", "value": "2024-0"}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "region", "op": "in", "value": ["North", "South", "'; DROP TABLE sales; --"]}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "region", "op": "not_in", "value": ["North"]},
                           {"field": "units", "op": "ge", "value": 3}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "region", "op": "is_null"}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "revenue", "op": "not_null"}, {"field": "revenue", "op": "lt", "value": 0}]}),
        json!({"dataset": "sales", "dimensions": ["paid"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "paid", "op": "eq", "value": true}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "order_date", "op": "between", "value": ["2024-03-01", "2024-05-31"]}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "shipped_at", "op": "between", "value": ["2024-03-01", "2024-05-31"]}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "order_date", "op": "le", "value": "2024-03-01"},
                           {"field": "shipped_at", "op": "gt", "value": "2024-02-01"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "day"}],
               "measures": [m("revenue", "sum")],
               "filters": [{"field": "order_date", "op": "last_n_days", "value": 30}]}),
        json!({"dataset": "sales", "dimensions": ["region"],
               "measures": [m("revenue", "sum"), m("units", "avg")],
               "filters": [{"field": "order_date", "op": "last_n_days", "value": 90}],
               "compare": {"previousPeriod": true}}),
        json!({"dataset": "sales", "measures": [m("revenue", "sum")],
               "filters": [{"field": "order_date", "op": "between", "value": ["2024-04-01", "2024-06-30"]}],
               "compare": {"previousPeriod": true}}),
        json!({"dataset": "sales", "dimensions": ["product"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "region", "op": "eq", "value": "{region}"},
                           {"field": "order_date", "op": "ge", "value": "{since}"}]}),
        json!({"dataset": "sales", "dimensions": ["region", "product"]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [m("revenue", "sum")],
               "filters": [{"field": "region", "op": "eq", "value": "nobody"}]}),
        json!({"dataset": "sales", "measures": [m("revenue", "sum"), m("units", "avg")],
               "filters": [{"field": "region", "op": "eq", "value": "nobody"}]}),
        json!({"dataset": "sales", "dimensions": ["nope"], "measures": [m("revenue", "sum")]}),
    ];
    for spec in specs {
        let _ = check(&store, spec);
    }
}

#[test]
fn generated_questions_answer_the_same_on_both_engines() {
    let (_dir, store) = store();
    let mut r = Lcg(42);
    let dims: &[Value] = &[
        json!("region"),
        json!("product"),
        json!("paid"),
        json!("units"),
        json!("order_date"),
        json!({"field": "order_date", "bucket": "month"}),
        json!({"field": "order_date", "bucket": "week"}),
        json!({"field": "shipped_at", "bucket": "quarter"}),
        json!({"field": "shipped_at", "bucket": "day"}),
    ];
    let measures: &[(&str, &[&str])] = &[
        (
            "revenue",
            &["sum", "avg", "min", "max", "count", "count_distinct"],
        ),
        ("units", &["sum", "avg", "min", "max", "count_distinct"]),
        ("paid", &["sum", "avg", "count"]),
        ("order_date", &["min", "max", "count"]),
        ("region", &["count", "count_distinct"]),
        ("*", &["count"]),
    ];
    let shows = [
        "value",
        "value",
        "value",
        "percent_of_total",
        "running_total",
        "change_vs_previous",
    ];
    let filters: &[Value] = &[
        json!({"field": "region", "op": "eq", "value": "North"}),
        json!({"field": "region", "op": "ne", "value": "South"}),
        json!({"field": "region", "op": "in", "value": ["East", "", "Ünïcode"]}),
        json!({"field": "region", "op": "not_null"}),
        json!({"field": "product", "op": "contains", "value": "a"}),
        json!({"field": "units", "op": "gt", "value": 10}),
        json!({"field": "units", "op": "between", "value": [0, 12]}),
        json!({"field": "revenue", "op": "lt", "value": 100.5}),
        json!({"field": "revenue", "op": "is_null"}),
        json!({"field": "paid", "op": "eq", "value": false}),
        json!({"field": "order_date", "op": "ge", "value": "2024-09-01"}),
        json!({"field": "order_date", "op": "last_n_days", "value": 120}),
        json!({"field": "shipped_at", "op": "lt", "value": "2025-01-01"}),
        json!({"field": "region", "op": "eq", "value": "{region}"}),
    ];
    for n in 0..400 {
        let mut spec = json!({"dataset": "sales"});
        let mut used = Vec::new();
        let mut d = Vec::new();
        for _ in 0..r.below(3) {
            let dim = r.pick(dims).clone();
            let field = dim
                .get("field")
                .unwrap_or(&dim)
                .as_str()
                .unwrap()
                .to_string();
            if !used.contains(&field) {
                used.push(field);
                d.push(dim);
            }
        }
        let mut ms = Vec::new();
        let show = *r.pick(&shows);
        for i in 0..r.below(3) + u64::from(d.is_empty()) {
            let (field, aggs) = r.pick(measures);
            let agg = r.pick(aggs);
            let mut m = json!({"field": field, "agg": agg, "as": format!("m{i}")});
            if show != "value" && !d.is_empty() {
                m["show"] = json!(show);
            }
            ms.push(m);
        }
        let fs: Vec<Value> = (0..r.below(3)).map(|_| r.pick(filters).clone()).collect();
        spec["dimensions"] = json!(d);
        spec["measures"] = json!(ms);
        spec["filters"] = json!(fs);
        if !ms.is_empty() && r.below(3) == 0 {
            // A total order (the measure, then every dimension), so a limit cuts the same rows.
            let mut sort = vec![json!({"field": "m0", "dir": "desc"})];
            sort.extend(used.iter().map(|f| json!({"field": f})));
            spec["sort"] = json!(sort);
            if r.below(2) == 0 {
                spec["limit"] = json!(1 + r.below(5));
            }
        }
        let _ = n;
        let _ = check(&store, spec);
    }
}

/// `body` posted to `path`: the status and the JSON answer.
pub(crate) async fn post(app: &crate::helpers::TestApp, path: &str, body: Value) -> (u16, Value) {
    let r = app.send_json(reqwest::Method::POST, path, &body).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn preview(app: &crate::helpers::TestApp, builder: Value) -> (u16, Value) {
    post(
        app,
        "/api/v1/builder/preview",
        json!({ "builder": builder }),
    )
    .await
}

/// Uploads `csv` as dataset `name` through the API (the engine writes its copy).
pub(crate) async fn upload(app: &crate::helpers::TestApp, name: &str, csv: Vec<u8>) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv).file_name(format!("{name}.csv")),
        )
        .text("name", name.to_string());
    let r = app
        .client
        .post(format!("{}/api/v1/datasets", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn a_question_past_the_engines_memory_is_refused_and_the_server_stays_up() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.limits.engine_memory_mb = 32;
        c.limits.upload_max_mb = 100;
    })
    .await;
    // 500,000 distinct 80-character codes: their set alone is past 32 MB. One count of
    // distinct values is grouped and spills to disk; two at once hold their sets in memory.
    let mut csv = String::from("id,code\n");
    for i in 0..500_000 {
        csv.push_str(&format!("{i},c{i:0>79}\n"));
    }
    upload(&app, "codes", csv.into_bytes()).await;
    let (status, v) = preview(
        &app,
        json!({"dataset": "codes", "measures": [{"field": "code", "agg": "count_distinct"},
                                                 {"field": "id", "agg": "count_distinct"}]}),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    let text = v.to_string();
    assert!(text.contains("engine_memory_mb"), "{v}");
    assert!(!text.contains("/tmp") && !text.contains("parquet"), "{v}");
    // The server is up and the engine answers the next question.
    let (status, v) = preview(
        &app,
        json!({"dataset": "codes", "measures": [{"field": "id", "agg": "sum"}, {"field": "*", "agg": "count"}]}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["rows"][0][1], json!(500_000), "{v}");
    assert_eq!(v["engine"], "columnar", "{v}");
    // The routing word is never shown (it would let SQL route itself).
    assert!(
        !v["sql"].as_str().unwrap().contains("quire:columnar"),
        "{v}"
    );
    // Both questions went to the engine (the refused one too).
    assert!(metric(&app, "quire_columnar_queries_total").await >= 2.0);
}

/// A counter or gauge of `/metrics`.
pub(crate) async fn metric(app: &crate::helpers::TestApp, name: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[tokio::test]
async fn an_import_runs_the_dashboards_on_its_dataset_into_the_cache() {
    let app = crate::helpers::spawn_app().await;
    let report = json!({"name": "By region", "builder": {"dataset": "sales", "dimensions": ["region"],
                         "measures": [{"field": "revenue", "agg": "sum"}]},
                         "visualizations": [{"id": "bars", "type": "bar",
                                             "dataMapping": {"x": "region", "y": "sum_revenue"}}]});
    let (status, v) = post(&app, "/api/v1/reports", report).await;
    assert_eq!(status, 201, "{v}");
    let rid = v["id"].as_str().unwrap().to_string();
    let board = json!({"name": "Regions", "widgets": [
        {"id": "bars", "x": 0, "y": 0, "w": 6, "h": 4, "reportId": rid, "visualizationId": "bars"}]});
    let (status, v) = post(&app, "/api/v1/dashboards", board).await;
    assert_eq!(status, 201, "{v}");
    let did = v["id"].as_str().unwrap().to_string();
    let entries = metric(&app, "quire_query_cache_entries").await;

    let sales = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv")).unwrap();
    upload(&app, "sales", sales).await;
    // The widget's result arrives in the cache without anyone opening the dashboard.
    let mut waited = 0;
    while metric(&app, "quire_query_cache_entries").await <= entries {
        waited += 1;
        assert!(waited < 100, "nothing was cached after the import");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hits = metric(&app, "quire_query_cache_hits_total").await;
    let page = app.get(&format!("/dashboards/{did}/widgets/bars")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<svg"));
    assert!(
        metric(&app, "quire_query_cache_hits_total").await > hits,
        "the first view after the import ran its query again"
    );
}

#[tokio::test]
async fn a_preview_reads_its_dataset_once_on_the_engine() {
    let app = crate::helpers::spawn_app().await;
    let before = metric(&app, "quire_columnar_queries_total").await;
    let (status, v) = preview(
        &app,
        json!({"dataset": "sales", "dimensions": ["region"],
               "measures": [{"field": "revenue", "agg": "sum"}]}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["type"], "bar", "{v}");
    assert!(v["svg"].as_str().unwrap().starts_with("<svg"), "{v}");
    assert!(v["totalRows"].as_u64().unwrap() > 1, "{v}");
    // The chart and the table from one run of the aggregate (it was three: chart, count, page).
    assert_eq!(
        metric(&app, "quire_columnar_queries_total").await - before,
        1.0
    );
    assert_eq!(metric(&app, "quire_columnar_datasets").await, 1.0);
}

#[tokio::test]
async fn twenty_previews_at_once_all_answer() {
    let app = crate::helpers::spawn_app().await;
    // A plain first dimension: the chart's choice looks at its kind (it used to take a second
    // connection from the previews' pool of 4 while holding one, and 20 at once waited out the
    // pool's timeout: 503s after 10 s).
    let started = std::time::Instant::now();
    let asks = (0..20).map(|i| {
        let dims = if i % 2 == 0 {
            json!(["region"])
        } else {
            json!(["product"])
        };
        preview(
            &app,
            json!({"dataset": "sales", "dimensions": dims,
                   "measures": [{"field": "revenue", "agg": "sum"}]}),
        )
    });
    for (status, v) in futures_util::future::join_all(asks).await {
        assert_eq!(status, 200, "{v}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn sql_a_person_writes_runs_on_sqlite_whatever_comment_it_starts_with() {
    let app = crate::helpers::spawn_app().await;
    let before = metric(&app, "quire_columnar_queries_total").await;
    // The comment the compiler's tag starts with, and the tag before it held a random word.
    for prefix in [
        "/* quire:columnar */ ",
        "/* quire:columnar 0000000000000000 */ ",
    ] {
        let sql = format!("{prefix}SELECT sqlite_version() AS v, count(*) AS n FROM sales");
        let (status, v) = post(&app, "/api/v1/builder/preview", json!({ "query": sql })).await;
        // `sqlite_version()` is SQLite's own: the engine would not know it.
        assert_eq!(status, 200, "{v}");
        assert!(v["rows"][0][0].as_str().unwrap().starts_with('3'), "{v}");
    }
    assert_eq!(metric(&app, "quire_columnar_queries_total").await, before);
}
