//! Joins compiled over the compiler's test sales and products and run on SQLite; the columnar
//! engine and PostgreSQL give the same rows in `tests/it/joins.rs` and `tests/it/postgres.rs`.

use super::testing::*;
use super::*;

/// `v` compiled with the fields of the datasets it joins, and run.
fn joined_rows(v: Value) -> Result<(Vec<String>, Vec<Vec<Cell>>), String> {
    let conn = db();
    let s = spec(v);
    let own = fields(&conn, &s.dataset)?;
    let joined = joined_fields(Db::Sqlite(&conn), &s)?;
    let c = compile_joined(Dialect::Sqlite, &s, &own, &joined, &[], today())?;
    let bounds = query::Bounds {
        timeout: std::time::Duration::from_secs(5),
        max_rows: 10_000,
        memory_mb: 16,
        result_mb: 16,
    };
    let rs = query::fetch(&conn, &c.sql, &c.values, None, bounds)
        .map_err(|e| format!("{e}: {}", c.sql))?;
    Ok((rs.columns, rs.rows))
}

fn with_products(kind: &str, rest: Value) -> Value {
    let mut v = json!({ "dataset": "sales",
        "joins": [{ "dataset": "products", "type": kind, "on": [{ "left": "product", "right": "product" }] }] });
    for (k, x) in rest.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[test]
fn a_left_join_keeps_every_row_and_names_the_joined_fields_by_their_dataset() {
    let (cols, r) = joined_rows(with_products(
        "left",
        json!({ "dimensions": ["products.category"], "measures": [{ "field": "revenue", "agg": "sum" }, { "field": "products.cost", "agg": "max" }] }),
    ))
    .unwrap();
    assert_eq!(
        cols,
        ["products.category", "sum_revenue", "max_products_cost"]
    );
    let got: Vec<(String, Option<f64>)> =
        r.iter().map(|row| (text(&row[0]), num(&row[1]))).collect();
    // No match: back\slash, Plain Again, zero and z; `y` has two products, so its sale twice.
    assert_eq!(
        got,
        [
            ("".into(), Some(170.0)),
            ("basic".into(), Some(40.0)),
            ("dup1".into(), Some(70.0)),
            ("dup2".into(), Some(70.0)),
            ("other".into(), Some(60.0)),
            ("promo".into(), Some(20.0)),
        ]
    );
}

#[test]
fn an_inner_join_keeps_matches_and_joined_fields_filter_and_calculate() {
    let (_, r) = joined_rows(with_products(
        "inner",
        json!({ "measures": [{ "field": "*", "agg": "count" }] }),
    ))
    .unwrap();
    assert_eq!(r[0][0], Cell::Int(6));
    let (_, r) = joined_rows(with_products(
        "left",
        json!({ "expressions": [{ "name": "margin", "expr": "revenue - products.cost * units" }],
                "measures": [{ "field": "margin", "agg": "sum" }, { "expr": "sum(revenue) - sum(products.cost)", "as": "net" }],
                "filters": [{ "field": "products.category", "op": "eq", "value": "basic" }] }),
    ))
    .unwrap();
    // plain: 10 - 1×1; a_b: 30 - 3×3.
    assert_eq!((num(&r[0][0]), num(&r[0][1])), (Some(30.0), Some(36.0)));
}

#[test]
fn the_rows_behind_a_joined_question_are_the_datasets_own() {
    let conn = db();
    let s = spec(with_products(
        "inner",
        json!({ "dimensions": ["region"], "filters": [{ "field": "products.category", "op": "eq", "value": "basic" }] }),
    ));
    let c = rows_sql(Db::Sqlite(&conn), &s, &[], today()).unwrap();
    let bounds = query::Bounds {
        timeout: std::time::Duration::from_secs(5),
        max_rows: 100,
        memory_mb: 16,
        result_mb: 16,
    };
    let rs = query::fetch(&conn, &c.sql, &c.values, None, bounds).unwrap();
    assert_eq!(
        rs.columns,
        [
            "order_date",
            "region",
            "product",
            "units",
            "revenue",
            "shipped",
            "paid"
        ]
    );
    assert_eq!(rs.rows.len(), 2);
}

#[test]
fn mistakes_in_a_join_are_refused_naming_the_join() {
    let join = |j: Value| json!({ "dataset": "sales", "joins": [j], "dimensions": ["region"] });
    let cases = [
        (
            join(
                json!({ "dataset": "nope", "type": "left", "on": [{ "left": "product", "right": "product" }] }),
            ),
            "builder.joins[0].dataset",
            "no dataset named `nope`",
        ),
        (
            join(
                json!({ "dataset": "x\"; DROP TABLE sales; --", "type": "left", "on": [{ "left": "product", "right": "product" }] }),
            ),
            "builder.joins[0].dataset",
            "not a dataset name",
        ),
        (
            join(
                json!({ "dataset": "sales", "type": "left", "on": [{ "left": "product", "right": "product" }] }),
            ),
            "builder.joins[0].dataset",
            "already in the question",
        ),
        (
            join(json!({ "dataset": "products", "type": "inner", "on": [] })),
            "builder.joins[0].on",
            "1 to 4 key columns",
        ),
        (
            join(
                json!({ "dataset": "products", "type": "inner", "on": [{ "left": "nope", "right": "product" }] }),
            ),
            "builder.joins[0].on[0].left",
            "has no column `nope`",
        ),
        (
            join(
                json!({ "dataset": "products", "type": "inner", "on": [{ "left": "product", "right": "nope" }] }),
            ),
            "builder.joins[0].on[0].right",
            "the dataset `products` has no column `nope` (it has product, category, cost)",
        ),
        (
            join(
                json!({ "dataset": "products", "type": "inner", "on": [{ "left": "units", "right": "product" }] }),
            ),
            "builder.joins[0].on[0]",
            "`units` is a number and `products.product` text",
        ),
        (
            with_products("left", json!({ "dimensions": ["products.nope"] })),
            "builder.dimensions[0]",
            "no column `products.nope`",
        ),
    ];
    for (v, path, words) in cases {
        let e = joined_rows(v.clone()).expect_err(&v.to_string());
        assert!(e.starts_with(path) && e.contains(words), "{v}: {e}");
    }
    let bad: Result<BuilderSpec, _> = serde_json::from_value(json!({ "dataset": "sales",
        "joins": [{ "dataset": "products", "type": "outer", "on": [] }] }));
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("unknown variant `outer`"));
}
