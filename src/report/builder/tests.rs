//! The compiler against a small table in memory: the SQL it writes and the rows that SQL
//! returns, computed here by hand.

use super::*;
use crate::data::query::{self, Cell, ParamValue};
use crate::model::report::BuilderSpec;
use serde_json::{json, Value};

/// The orders: (day, region, product, units, revenue). One day has a time, one is missing;
/// 2025-01-01 is a Wednesday, 2025-01-06 a Monday.
const ROWS: &[(Option<&str>, &str, &str, i64, f64)] = &[
    (Some("2024-12-30"), "North", "plain", 1, 10.0),
    (Some("2025-01-01"), "North", "50% off", 2, 20.0),
    (Some("2025-01-05"), "South", "a_b", 3, 30.0),
    (Some("2025-01-06"), "South", "back\\slash", 4, 40.0),
    (Some("2025-02-15"), "North", "Plain Again", 5, 50.0),
    (Some("2025-03-10"), "North", "zero", 0, 0.0),
    (Some("2025-04-01 10:30:00"), "East", "x", 6, 60.0),
    (Some("2025-12-31"), "East", "y", 7, 70.0),
    (None, "West", "z", 8, 80.0),
];

/// The table as an import makes it: dates as text, each date column indexed `quire_ix_…`.
fn db() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(
        "CREATE TABLE sales (order_date TEXT, region TEXT, product TEXT, units INTEGER, revenue REAL,
                             shipped TEXT, paid BOOLEAN);
         CREATE INDEX quire_ix_1_order_date ON sales (order_date);
         CREATE VIEW per_region AS SELECT region, sum(revenue) AS revenue, max(order_date) AS last FROM sales GROUP BY region;",
    )
    .unwrap();
    for (day, region, product, units, revenue) in ROWS {
        c.execute(
            "INSERT INTO sales VALUES (?1, ?2, ?3, ?4, ?5, ?1, 1)",
            rusqlite::params![day, region, product, units, revenue],
        )
        .unwrap();
    }
    c
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()
}

fn spec(v: Value) -> BuilderSpec {
    serde_json::from_value(v).unwrap()
}

fn param(name: &str, kind: &str) -> ParameterDef {
    serde_json::from_value(json!({ "name": name, "type": kind })).unwrap()
}

/// Compiles `v` over `db()`'s sales.
fn compiled(v: Value, params: &[ParameterDef]) -> Result<Compiled, String> {
    let conn = db();
    compile(&spec(v), &fields(&conn, "sales").unwrap(), params, today())
}

/// Runs `v` with `values` for the report's parameters: the result's columns and rows.
fn rows_with(
    v: Value,
    params: &[ParameterDef],
    values: &[(&str, ParamValue)],
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let conn = db();
    let c = compile(&spec(v), &fields(&conn, "sales").unwrap(), params, today()).unwrap();
    let mut all = c.values.clone();
    for (k, v) in values {
        all.insert(k.to_string(), v.clone());
    }
    let bounds = query::Bounds {
        timeout: std::time::Duration::from_secs(5),
        max_rows: 10_000,
        memory_mb: 16,
    };
    let rs = query::fetch(&conn, &c.sql, &all, None, bounds)
        .unwrap_or_else(|e| panic!("{e}: {}", c.sql));
    (rs.columns, rs.rows)
}

fn rows(v: Value) -> Vec<Vec<Cell>> {
    rows_with(v, &[], &[]).1
}

fn num(c: &Cell) -> Option<f64> {
    match c {
        Cell::Null => None,
        c => Some(c.as_f64().unwrap()),
    }
}

fn text(c: &Cell) -> String {
    c.as_text()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

/// The error of `v`, which must start with `field`.
fn refused(v: Value, params: &[ParameterDef], field: &str) -> String {
    let e = compiled(v.clone(), params).expect_err(&v.to_string());
    let rest = e
        .strip_prefix(field)
        .unwrap_or_else(|| panic!("{field} ⟵ {e}"));
    assert!(
        rest.starts_with(": ") || rest.starts_with('['),
        "{field} ⟵ {e}"
    );
    e
}

#[test]
fn a_spec_of_before_compiles_to_the_same_bound_sql() {
    let s = spec(json!({
        "dataset": "sales",
        "dimensions": ["region"],
        "measures": [
            { "field": "revenue", "agg": "sum", "as": "revenue" },
            { "field": "*", "agg": "count" },
            { "field": "product", "agg": "count_distinct" }
        ],
        "filters": [
            { "field": "units", "op": "gte", "value": 2 },
            { "field": "region", "op": "in", "value": ["North", "O'Brien\"; DROP TABLE x"] },
            { "field": "order_date", "op": "gte", "value": { "param": "since" } }
        ],
        "sort": [{ "field": "revenue", "dir": "desc" }],
        "limit": 5
    }));
    let c = compile(
        &s,
        &fields(&db(), "sales").unwrap(),
        &[param("since", "date")],
        today(),
    )
    .unwrap();
    assert_eq!(
        c.sql,
        "SELECT \"region\", total(\"revenue\") AS \"revenue\", count(*) AS \"count_all\", \
         count(DISTINCT \"product\") AS \"count_distinct_product\" FROM \"sales\" \
         WHERE \"units\" >= :quire_b0 AND \"region\" IN (:quire_b1, :quire_b2) \
         AND \"order_date\" >= :since GROUP BY \"region\" ORDER BY \"revenue\" DESC LIMIT 5"
    );
    assert_eq!(c.values["quire_b0"], ParamValue::Int(2));
    assert_eq!(
        c.values["quire_b2"],
        ParamValue::Text("O'Brien\"; DROP TABLE x".into())
    );
    // `gte` is read as the contract's `ge`, and written so.
    assert_eq!(serde_json::to_value(&s).unwrap()["filters"][0]["op"], "ge");
    // Dimensions alone give the distinct combinations.
    assert_eq!(
        compiled(json!({ "dataset": "sales", "dimensions": ["region"] }), &[])
            .unwrap()
            .sql,
        "SELECT DISTINCT \"region\" FROM \"sales\""
    );
}

#[test]
fn dimensions_are_written_as_a_name_or_with_their_bucket() {
    let s = spec(
        json!({ "dataset": "sales", "dimensions": ["region", { "field": "order_date", "bucket": "month" }, { "field": "product" }] }),
    );
    assert_eq!(
        s.dimensions[1].bucket,
        Some(crate::model::report::Bucket::Month)
    );
    assert_eq!(
        serde_json::to_value(&s).unwrap()["dimensions"],
        json!(["region", { "field": "order_date", "bucket": "month" }, "product"])
    );
    for bad in [
        json!({ "field": "order_date", "bucket": "fortnight" }),
        json!({ "field": "order_date", "colour": "red" }),
        json!({ "bucket": "day" }),
        json!(7),
    ] {
        let r: Result<BuilderSpec, _> =
            serde_json::from_value(json!({ "dataset": "sales", "dimensions": [bad] }));
        assert!(r.is_err(), "{bad}");
    }
}

#[test]
fn fields_have_kinds_from_declared_types_import_marks_and_values() {
    let conn = db();
    let kinds: Vec<(String, FieldKind)> = fields(&conn, "sales")
        .unwrap()
        .into_iter()
        .map(|f| (f.name, f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("order_date", FieldKind::Date),
            ("region", FieldKind::Text),
            ("product", FieldKind::Text),
            ("units", FieldKind::Number),
            ("revenue", FieldKind::Number),
            ("shipped", FieldKind::Date),
            ("paid", FieldKind::Boolean),
        ]
        .map(|(n, k)| (n.to_string(), k))
    );
    // A view's columns: the sum has no declared type and is recognised by its values.
    let view: Vec<FieldKind> = fields(&conn, "per_region")
        .unwrap()
        .into_iter()
        .map(|f| f.kind)
        .collect();
    assert_eq!(view, [FieldKind::Text, FieldKind::Number, FieldKind::Date]);
    for (name, says) in [
        ("nope", "no dataset named `nope`"),
        ("sqlite_schema", "not a dataset name"),
        ("quire_import_sales", "not a dataset name"),
        ("sales; DROP TABLE sales", "not a dataset name"),
        ("", "not a dataset name"),
    ] {
        let e = fields(&conn, name).unwrap_err();
        assert!(
            e.starts_with("builder.dataset: ") && e.contains(says),
            "{e}"
        );
    }
}

#[test]
fn buckets_give_the_first_day_of_each_period_under_the_field_s_name() {
    let by = |bucket: &str| {
        let (columns, rows) = rows_with(
            json!({
                "dataset": "sales",
                "dimensions": [{ "field": "order_date", "bucket": bucket }],
                "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
                "filters": [{ "field": "order_date", "op": "not_null" }],
                "sort": [{ "field": "order_date" }]
            }),
            &[],
            &[],
        );
        assert_eq!(columns, ["order_date", "revenue"]);
        rows.iter()
            .map(|r| (text(&r[0]), num(&r[1]).unwrap()))
            .collect::<Vec<_>>()
    };
    let pairs = |v: &[(&str, f64)]| {
        v.iter()
            .map(|(d, n)| (d.to_string(), *n))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by("day"),
        pairs(&[
            ("2024-12-30", 10.0),
            ("2025-01-01", 20.0),
            ("2025-01-05", 30.0),
            ("2025-01-06", 40.0),
            ("2025-02-15", 50.0),
            ("2025-03-10", 0.0),
            ("2025-04-01", 60.0),
            ("2025-12-31", 70.0),
        ])
    );
    // Weeks start on Monday: Monday 30 December holds Wednesday 1 and Sunday 5 January.
    assert_eq!(
        by("week"),
        pairs(&[
            ("2024-12-30", 60.0),
            ("2025-01-06", 40.0),
            ("2025-02-10", 50.0),
            ("2025-03-10", 0.0),
            ("2025-03-31", 60.0),
            ("2025-12-29", 70.0),
        ])
    );
    assert_eq!(
        by("month"),
        pairs(&[
            ("2024-12-01", 10.0),
            ("2025-01-01", 90.0),
            ("2025-02-01", 50.0),
            ("2025-03-01", 0.0),
            ("2025-04-01", 60.0),
            ("2025-12-01", 70.0),
        ])
    );
    assert_eq!(
        by("quarter"),
        pairs(&[
            ("2024-10-01", 10.0),
            ("2025-01-01", 140.0),
            ("2025-04-01", 60.0),
            ("2025-10-01", 70.0)
        ])
    );
    assert_eq!(
        by("year"),
        pairs(&[("2024-01-01", 10.0), ("2025-01-01", 270.0)])
    );
    // Only dates have buckets.
    let e = refused(
        json!({ "dataset": "sales", "dimensions": [{ "field": "region", "bucket": "month" }] }),
        &[],
        "builder.dimensions[0].bucket",
    );
    assert!(e.contains("text column"), "{e}");
    refused(
        json!({ "dataset": "sales", "dimensions": ["order_date", { "field": "order_date", "bucket": "year" }] }),
        &[],
        "builder.dimensions[1]",
    );
}

#[test]
fn percent_of_total_is_a_fraction_of_the_whole_result() {
    let rows = rows(json!({
        "dataset": "sales",
        "dimensions": ["region"],
        "measures": [
            { "field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total" },
            { "field": "*", "agg": "count", "as": "orders", "show": "percent_of_total" }
        ],
        "sort": [{ "field": "region" }]
    }));
    let got: Vec<(String, f64, f64)> = rows
        .iter()
        .map(|r| (text(&r[0]), num(&r[1]).unwrap(), num(&r[2]).unwrap()))
        .collect();
    let want = [
        ("East", 130.0, 2.0),
        ("North", 80.0, 4.0),
        ("South", 70.0, 2.0),
        ("West", 80.0, 1.0),
    ];
    for ((region, share, orders), (r, revenue, n)) in got.iter().zip(want) {
        assert_eq!(region, r);
        assert!(close(Some(*share), Some(revenue / 360.0)), "{share}");
        // Counts are integers: the share keeps its fraction.
        assert!(close(Some(*orders), Some(n / 9.0)), "{orders}");
    }
    assert!(close(Some(got.iter().map(|g| g.1).sum()), Some(1.0)));
    // Sorting by the measure sorts by the share; a limit keeps the share of the whole.
    let top = rows_with(
        json!({
            "dataset": "sales", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total" }],
            "sort": [{ "field": "share", "dir": "desc" }], "limit": 1
        }),
        &[],
        &[],
    )
    .1;
    assert_eq!(text(&top[0][0]), "East");
    assert!(close(num(&top[0][1]), Some(130.0 / 360.0)));
}

#[test]
fn running_total_adds_up_in_the_order_of_the_first_dimension_per_series() {
    let month = json!({ "field": "order_date", "bucket": "month" });
    let by_month = rows(json!({
        "dataset": "sales",
        "dimensions": [month],
        "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue", "show": "running_total" }],
        "filters": [{ "field": "order_date", "op": "not_null" }]
    }));
    // Ordered by the dimension without being asked; the last value is the total.
    let got: Vec<(String, f64)> = by_month
        .iter()
        .map(|r| (text(&r[0]), num(&r[1]).unwrap()))
        .collect();
    let want = [
        ("2024-12-01", 10.0),
        ("2025-01-01", 100.0),
        ("2025-02-01", 150.0),
        ("2025-03-01", 150.0),
        ("2025-04-01", 210.0),
        ("2025-12-01", 280.0),
    ];
    assert_eq!(got, want.map(|(d, n)| (d.to_string(), n)));
    // A second dimension makes separate series.
    let by_region = rows(json!({
        "dataset": "sales",
        "dimensions": [month, "region"],
        "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue", "show": "running_total" }],
        "filters": [{ "field": "region", "op": "eq", "value": "North" }]
    }));
    let north: Vec<f64> = by_region.iter().map(|r| num(&r[2]).unwrap()).collect();
    assert_eq!(north, [10.0, 30.0, 80.0, 80.0]);
}

#[test]
fn change_vs_previous_is_a_fraction_null_first_and_after_a_zero() {
    let rows = rows(json!({
        "dataset": "sales",
        "dimensions": [{ "field": "order_date", "bucket": "month" }],
        "measures": [
            { "field": "revenue", "agg": "sum", "as": "revenue" },
            { "field": "revenue", "agg": "sum", "as": "change", "show": "change_vs_previous" }
        ],
        "filters": [{ "field": "order_date", "op": "not_null" }],
        "sort": [{ "field": "order_date" }]
    }));
    let change: Vec<Option<f64>> = rows.iter().map(|r| num(&r[2])).collect();
    let want = [
        None,
        Some(8.0),
        Some(-40.0 / 90.0),
        Some(-1.0),
        None,
        Some(10.0 / 60.0),
    ];
    assert_eq!(change.len(), want.len());
    for (g, w) in change.iter().zip(want) {
        assert!(close(*g, w), "{change:?}");
    }
    // The plain value beside it is untouched.
    assert_eq!(num(&rows[1][1]), Some(90.0));
}

#[test]
fn between_includes_both_ends_and_the_whole_last_day() {
    let sum = |filter: Value| {
        let r = rows(
            json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "filters": [filter] }),
        );
        num(&r[0][0]).unwrap()
    };
    // 2025-04-01 10:30 is on the last day.
    assert_eq!(
        sum(
            json!({ "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-04-01"] })
        ),
        200.0
    );
    assert_eq!(
        sum(json!({ "field": "units", "op": "between", "value": [2, 4] })),
        90.0
    );
    assert_eq!(
        sum(json!({ "field": "units", "op": "between", "value": ["2", "4"] })),
        90.0
    );
    for bad in [
        json!("2025-01-01"),
        json!(["2025-01-01"]),
        json!(["2025-01-01", "soon"]),
        json!([1, 2, 3]),
    ] {
        refused(
            json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "filters": [{ "field": "order_date", "op": "between", "value": bad }] }),
            &[],
            "builder.filters[0].value",
        );
    }
}

#[test]
fn last_n_days_counts_back_from_the_report_s_day_bound_as_a_date() {
    let spec = |value: Value| {
        json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
                "filters": [{ "field": "order_date", "op": "last_n_days", "value": value }] })
    };
    // The report's day is 2025-01-06: five days back is 2025-01-01, and later days are out.
    let c = compiled(spec(json!(5)), &[]).unwrap();
    assert!(!c.sql.contains("now"), "{}", c.sql);
    assert_eq!(c.values["quire_b0"], ParamValue::Text("2025-01-01".into()));
    assert_eq!(c.values["quire_b1"], ParamValue::Text("2025-01-07".into()));
    assert_eq!(num(&rows(spec(json!(5)))[0][0]), Some(90.0));
    assert_eq!(num(&rows(spec(json!(4)))[0][0]), Some(70.0));
    // N as a number parameter.
    let days = [param("days", "number")];
    let (_, r) = rows_with(
        spec(json!("{days}")),
        &days,
        &[("days", ParamValue::Int(7))],
    );
    assert_eq!(num(&r[0][0]), Some(100.0));
    for bad in [
        json!(0),
        json!(-3),
        json!(1.5),
        json!("7"),
        json!([7]),
        json!(null),
    ] {
        refused(spec(bad), &[], "builder.filters[0].value");
    }
    refused(
        spec(json!("{label}")),
        &[param("label", "string")],
        "builder.filters[0].value",
    );
    let e = refused(
        json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }],
                "filters": [{ "field": "units", "op": "last_n_days", "value": 3 }] }),
        &[],
        "builder.filters[0].op",
    );
    assert!(e.contains("number column"), "{e}");
}

#[test]
fn in_and_not_in_take_lists() {
    let regions = |op: &str, value: Value| {
        rows(json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "region", "op": op, "value": value }], "sort": [{ "field": "region" }] }))
            .iter()
            .map(|r| text(&r[0]))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        regions("in", json!(["North", "East", "Nowhere"])),
        ["East", "North"]
    );
    assert_eq!(
        regions("not_in", json!(["North", "East"])),
        ["South", "West"]
    );
    let units = rows(
        json!({ "dataset": "sales", "measures": [{ "field": "*", "agg": "count" }], "filters": [{ "field": "units", "op": "in", "value": [1, "2", 3.0] }] }),
    );
    assert_eq!(num(&units[0][0]), Some(3.0));
    for bad in [json!([]), json!("North"), json!(vec![1; 1001])] {
        refused(
            json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "region", "op": "not_in", "value": bad }] }),
            &[],
            "builder.filters[0].value",
        );
    }
    refused(
        json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "units", "op": "in", "value": [1, "two"] }] }),
        &[],
        "builder.filters[0].value[1]",
    );
}

#[test]
fn contains_matches_wildcards_in_the_value_literally_and_ignores_case() {
    let products = |value: Value, params: &[ParameterDef], bound: &[(&str, ParamValue)]| {
        rows_with(
            json!({ "dataset": "sales", "dimensions": ["product"], "filters": [{ "field": "product", "op": "contains", "value": value }], "sort": [{ "field": "product" }] }),
            params,
            bound,
        )
        .1
        .iter()
        .map(|r| text(&r[0]))
        .collect::<Vec<_>>()
    };
    assert_eq!(products(json!("%"), &[], &[]), ["50% off"]);
    assert_eq!(products(json!("_"), &[], &[]), ["a_b"]);
    assert_eq!(products(json!("\\"), &[], &[]), ["back\\slash"]);
    assert_eq!(products(json!("PLAIN"), &[], &[]), ["Plain Again", "plain"]);
    assert_eq!(products(json!("%_\\"), &[], &[]), Vec::<String>::new());
    // A parameter's value is escaped when the query runs.
    let q = [param("q", "string")];
    assert_eq!(
        products(json!("{q}"), &q, &[("q", ParamValue::Text("0%".into()))]),
        ["50% off"]
    );
    assert_eq!(
        products(
            json!({ "param": "q" }),
            &q,
            &[("q", ParamValue::Text("_".into()))]
        ),
        ["a_b"]
    );
    // A number column is matched as text.
    let r = rows(
        json!({ "dataset": "sales", "measures": [{ "field": "*", "agg": "count" }], "filters": [{ "field": "revenue", "op": "contains", "value": 5 }] }),
    );
    assert_eq!(num(&r[0][0]), Some(1.0));
}

#[test]
fn comparison_values_are_checked_against_the_column_s_kind() {
    let f = |field: &str, value: Value| json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": field, "op": "eq", "value": value }] });
    let e = refused(f("units", json!("many")), &[], "builder.filters[0].value");
    assert!(
        e.contains("not a number") && e.contains("`units` is a number column"),
        "{e}"
    );
    refused(
        f("order_date", json!("yesterday")),
        &[],
        "builder.filters[0].value",
    );
    refused(
        f("order_date", json!(20250101)),
        &[],
        "builder.filters[0].value",
    );
    refused(
        f("order_date", json!("2025-02-30")),
        &[],
        "builder.filters[0].value",
    );
    refused(f("paid", json!("maybe")), &[], "builder.filters[0].value");
    refused(f("region", json!(null)), &[], "builder.filters[0].value");
    refused(
        f("region", json!({ "param": "x", "extra": 1 })),
        &[param("x", "string")],
        "builder.filters[0].value",
    );
    let e = refused(
        f("region", json!("{nope}")),
        &[],
        "builder.filters[0].value",
    );
    assert!(e.contains("no parameter `nope`"), "{e}");
    assert!(compiled(f("order_date", json!("2025-01-01 10:00:00")), &[]).is_ok());
    assert!(compiled(f("paid", json!(true)), &[]).is_ok());
    // A string in braces names a parameter; one that is not a plain name is a literal.
    let c = compiled(f("region", json!("{region}")), &[param("region", "string")]).unwrap();
    assert!(c.sql.ends_with("\"region\" = :region"), "{}", c.sql);
    let c = compiled(f("region", json!("{not a name}")), &[]).unwrap();
    assert_eq!(
        c.values["quire_b0"],
        ParamValue::Text("{not a name}".into())
    );
}

#[test]
fn aggregates_fit_the_kind_of_their_column() {
    let m = |field: &str, agg: &str| json!({ "dataset": "sales", "measures": [{ "field": field, "agg": agg }] });
    for (field, agg) in [
        ("region", "sum"),
        ("region", "avg"),
        ("order_date", "sum"),
        ("region", "max"),
        ("product", "min"),
    ] {
        let e = refused(m(field, agg), &[], "builder.measures[0].agg");
        assert!(
            e.contains("text column") || e.contains("date column"),
            "{e}"
        );
        assert!(e.contains(&format!("`{agg}`")), "{e}");
    }
    for (field, agg) in [
        ("region", "count"),
        ("region", "count_distinct"),
        ("order_date", "max"),
        ("order_date", "min"),
        ("units", "avg"),
        ("paid", "sum"),
    ] {
        assert!(compiled(m(field, agg), &[]).is_ok(), "{field} {agg}");
    }
    let r = rows(m("order_date", "max"));
    assert_eq!(text(&r[0][0]), "2025-12-31");
    refused(m("*", "sum"), &[], "builder.measures[0].field");
}

/// Each measure beside its `_prev`: (region, revenue, revenue_prev, orders, orders_prev).
fn compared(filters: Value, dimensions: Value) -> Result<(Vec<String>, Vec<Vec<Cell>>), String> {
    let v = json!({
        "dataset": "sales",
        "dimensions": dimensions,
        "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }, { "field": "*", "agg": "count", "as": "orders" }],
        "filters": filters,
        "compare": { "previousPeriod": true },
        "sort": [{ "field": "revenue_prev", "dir": "desc" }]
    });
    compiled(v.clone(), &[])?;
    Ok(rows_with(v, &[], &[]))
}

#[test]
fn compare_measures_the_period_of_the_same_length_just_before() {
    // 1–6 January (six days) against 26–31 December.
    let periods = [
        json!([{ "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] }]),
        json!([{ "field": "order_date", "op": "last_n_days", "value": 5 }]),
        json!([{ "field": "order_date", "op": "ge", "value": "2025-01-01" }, { "field": "order_date", "op": "lt", "value": "2025-01-07" }]),
        json!([{ "field": "order_date", "op": "gt", "value": "2024-12-31" }, { "field": "order_date", "op": "le", "value": "2025-01-06" }]),
    ];
    for filters in periods {
        let (columns, r) = compared(filters.clone(), json!([])).unwrap();
        assert_eq!(
            columns,
            ["revenue", "revenue_prev", "orders", "orders_prev"],
            "{filters}"
        );
        assert_eq!(
            r.iter()
                .map(|r| r.iter().map(num).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            [[Some(90.0), Some(10.0), Some(3.0), Some(1.0)]],
            "{filters}"
        );
    }
    // Per region: North sold in both periods, South only in the current one.
    let (columns, r) = compared(periods_between(), json!(["region"])).unwrap();
    assert_eq!(
        columns,
        ["region", "revenue", "revenue_prev", "orders", "orders_prev"]
    );
    let got: Vec<(String, Vec<Option<f64>>)> = r
        .iter()
        .map(|r| (text(&r[0]), r[1..].iter().map(num).collect()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "North".to_string(),
                vec![Some(20.0), Some(10.0), Some(1.0), Some(1.0)]
            ),
            (
                "South".to_string(),
                vec![Some(70.0), Some(0.0), Some(2.0), Some(0.0)]
            ),
        ]
    );
    // Other filters still apply to both periods.
    let mut filters = periods_between();
    filters
        .as_array_mut()
        .unwrap()
        .push(json!({ "field": "region", "op": "eq", "value": "South" }));
    let (_, r) = compared(filters, json!([])).unwrap();
    assert_eq!(
        r[0].iter().map(num).collect::<Vec<_>>(),
        [Some(70.0), Some(0.0), Some(2.0), Some(0.0)]
    );
}

fn periods_between() -> Value {
    json!([{ "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] }])
}

#[test]
fn compare_is_refused_without_one_date_period_or_with_a_date_dimension() {
    let e = |filters: Value, dims: Value| {
        let e = compared(filters, dims).unwrap_err();
        assert!(e.starts_with("builder.compare: "), "{e}");
        e
    };
    e(json!([]), json!([]));
    e(
        json!([{ "field": "order_date", "op": "ge", "value": "2025-01-01" }]),
        json!([]),
    );
    e(
        json!([{ "field": "units", "op": "between", "value": [1, 3] }]),
        json!([]),
    );
    e(
        json!([
            { "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] },
            { "field": "order_date", "op": "ge", "value": "2025-01-03" }
        ]),
        json!([]),
    );
    e(
        json!([
            { "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] },
            { "field": "shipped", "op": "last_n_days", "value": 3 }
        ]),
        json!([]),
    );
    let msg = e(
        periods_between(),
        json!([{ "field": "order_date", "bucket": "week" }]),
    );
    assert!(msg.contains("bucketed"), "{msg}");
    e(periods_between(), json!(["order_date"]));
    // Another date column may be a dimension.
    assert!(compared(periods_between(), json!(["shipped"])).is_ok());
    // `_prev` names must be free.
    let v = json!({
        "dataset": "sales",
        "measures": [{ "field": "revenue", "agg": "sum", "as": "r" }, { "field": "units", "agg": "sum", "as": "r_prev" }],
        "filters": periods_between(),
        "compare": { "previousPeriod": true }
    });
    refused(v, &[], "builder.measures[0].as");
    // `previousPeriod: false` compares nothing.
    let v = json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "compare": { "previousPeriod": false } });
    assert!(!compiled(v, &[]).unwrap().sql.contains("CASE"));
}

#[test]
fn show_as_applies_to_the_previous_period_too() {
    let (columns, r) = rows_with(
        json!({
            "dataset": "sales",
            "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total" }],
            "filters": periods_between(),
            "compare": { "previousPeriod": true }
        }),
        &[],
        &[],
    );
    assert_eq!(columns, ["region", "share", "share_prev"]);
    let shares: Vec<Vec<Option<f64>>> =
        r.iter().map(|r| r[1..].iter().map(num).collect()).collect();
    assert!(
        close(shares[0][0], Some(20.0 / 90.0)) && close(shares[0][1], Some(1.0)),
        "{shares:?}"
    );
    assert!(
        close(shares[1][0], Some(70.0 / 90.0)) && close(shares[1][1], Some(0.0)),
        "{shares:?}"
    );
}

/// Identifiers and values meant to break out of the SQL, or to overwhelm it.
fn hostile() -> Vec<String> {
    vec![
        "a\"; DROP TABLE sales; --".into(),
        "sales) UNION SELECT * FROM sqlite_schema --".into(),
        "region\" FROM sales; --".into(),
        "' OR 1=1 --".into(),
        "売上 ✓ région".into(),
        "x".repeat(10_000),
        "re\0gion".into(),
        "region\0".into(),
        "".into(),
        "*".into(),
        "\"".into(),
        "`region`".into(),
        "[region]".into(),
        "{region}".into(),
        "region ".into(),
    ]
}

#[test]
fn hostile_identifiers_are_refused_naming_the_field_in_every_position() {
    let base = || {
        json!({
            "dataset": "sales",
            "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "filters": [{ "field": "units", "op": "ge", "value": 1 }],
            "sort": [{ "field": "revenue" }]
        })
    };
    for h in hostile() {
        let positions: [(&str, Value, &str); 6] = [
            ("/dataset", json!(h), "builder.dataset"),
            ("/dimensions/0", json!(h), "builder.dimensions[0]"),
            (
                "/dimensions/0",
                json!({ "field": h, "bucket": "month" }),
                "builder.dimensions[0]",
            ),
            ("/measures/0/field", json!(h), "builder.measures[0].field"),
            ("/filters/0/field", json!(h), "builder.filters[0].field"),
            ("/sort/0/field", json!(h), "builder.sort[0].field"),
        ];
        for (pointer, value, field) in positions {
            let mut v = base();
            *v.pointer_mut(pointer).unwrap() = value;
            let conn = db();
            let e = match fields(&conn, v["dataset"].as_str().unwrap()) {
                Err(e) => e,
                Ok(f) => compile(&spec(v.clone()), &f, &[], today()).expect_err(pointer),
            };
            assert!(e.starts_with(&format!("{field}: ")), "{pointer} {h:?}: {e}");
            assert!(
                e.len() < 600 && !e.contains('\0'),
                "{pointer}: {} bytes",
                e.len()
            );
        }
        if !h.is_empty() && !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let mut v = base();
            v["measures"][0]["as"] = json!(h);
            refused(v, &[], "builder.measures[0].as");
        }
        let mut v = base();
        v["filters"][0]["value"] = json!({ "param": h });
        refused(v, &[], "builder.filters[0].value");
    }
}

#[test]
fn hostile_values_are_bound_never_spliced_and_leave_the_data_whole() {
    let conn = db();
    let f = fields(&conn, "sales").unwrap();
    let count = |conn: &Connection| {
        conn.query_row("SELECT count(*) FROM sales", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let before = count(&conn);
    let bounds = query::Bounds {
        timeout: std::time::Duration::from_secs(5),
        max_rows: 10_000,
        memory_mb: 16,
    };
    for h in hostile() {
        let filters = |h: &str| {
            [
                json!({ "field": "region", "op": "eq", "value": h }),
                json!({ "field": "region", "op": "ne", "value": h }),
                json!({ "field": "product", "op": "contains", "value": h }),
                json!({ "field": "region", "op": "in", "value": [h, "North"] }),
                json!({ "field": "region", "op": "not_in", "value": [h] }),
                json!({ "field": "region", "op": "between", "value": [h, h] }),
            ]
        };
        let with = |filter: &Value| json!({ "dataset": "sales", "dimensions": ["region"], "measures": [{ "field": "*", "agg": "count" }], "filters": [filter] });
        for (filter, benign) in filters(&h).iter().zip(filters("benign")) {
            let v = with(filter);
            // The SQL is the same as with a harmless value: the value is not in it.
            let benign = compile(&spec(with(&benign)), &f, &[], today()).unwrap();
            match compile(&spec(v.clone()), &f, &[], today()) {
                Ok(c) => {
                    assert_eq!(c.sql, benign.sql, "{v}");
                    let escaped = super::dialect::contains_pattern(&h);
                    assert!(c.values.values().any(|b| matches!(b, ParamValue::Text(t) if t.contains(h.as_str()) || *t == escaped)));
                    query::fetch(&conn, &c.sql, &c.values, None, bounds)
                        .unwrap_or_else(|e| panic!("{v}: {e}"));
                }
                // Braces name a parameter, which this report does not have.
                Err(e) => assert!(
                    h == "{region}" && e.starts_with("builder.filters[0].value"),
                    "{e}"
                ),
            }
        }
        // Where a number or a date belongs, text is refused naming the value.
        for (field, op) in [
            ("units", "eq"),
            ("order_date", "ge"),
            ("order_date", "last_n_days"),
        ] {
            let v = json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": field, "op": op, "value": h }] });
            let e = compile(&spec(v), &f, &[], today()).unwrap_err();
            assert!(
                e.starts_with("builder.filters[0].value: ") && e.len() < 600,
                "{e}"
            );
        }
    }
    assert_eq!(count(&conn), before);
    assert_eq!(fields(&conn, "sales").unwrap(), f);
}

#[test]
fn column_names_that_need_quoting_are_quoted() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (\"unit \"\"price\"\"\" REAL, \"a b\" TEXT); INSERT INTO t VALUES (2.5, 'x'), (1.5, 'x');").unwrap();
    let f = fields(&conn, "t").unwrap();
    assert_eq!(f[0].name, "unit \"price\"");
    let s = spec(
        json!({ "dataset": "t", "dimensions": ["a b"], "measures": [{ "field": "unit \"price\"", "agg": "sum" }] }),
    );
    let c = compile(&s, &f, &[], today()).unwrap();
    assert_eq!(c.sql, "SELECT \"a b\", total(\"unit \"\"price\"\"\") AS \"sum_unit \"\"price\"\"\" FROM \"t\" GROUP BY \"a b\"");
    let bounds = query::Bounds {
        timeout: std::time::Duration::from_secs(5),
        max_rows: 10,
        memory_mb: 16,
    };
    let rs = query::fetch(&conn, &c.sql, &c.values, None, bounds).unwrap();
    assert_eq!(rs.columns, ["a b", "sum_unit \"price\""]);
    assert_eq!(num(&rs.rows[0][1]), Some(4.0));
}

#[test]
fn sql_of_compiles_against_the_dataset_on_the_connection() {
    let conn = db();
    let s = spec(
        json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "filters": [{ "field": "order_date", "op": "last_n_days", "value": 1 }] }),
    );
    let (sql, values) = sql_of_as_of(&conn, QuerySource::Builder(&s), &[], today()).unwrap();
    assert!(sql.contains("\"order_date\" >= :quire_b0"), "{sql}");
    assert_eq!(values["quire_b0"], ParamValue::Text("2025-01-05".into()));
    let (sql, values) = sql_of(&conn, QuerySource::Sql("SELECT 1"), &[]).unwrap();
    assert_eq!((sql.as_ref(), values.len()), ("SELECT 1", 0));
    let s = spec(json!({ "dataset": "nope", "measures": [{ "field": "revenue", "agg": "sum" }] }));
    assert!(sql_of(&conn, QuerySource::Builder(&s), &[])
        .unwrap_err()
        .starts_with("builder.dataset: "));
}
