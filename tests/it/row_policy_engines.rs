//! A row policy cuts a table the same way on SQLite and on the columnar engine, and the way an
//! admin filtering by hand would: over the columnar tests' dataset (NULLs, blanks, case,
//! Unicode), a reader allowed some regions gets what `region in [...]` gives an admin, on both
//! engines; two policies give the rows either allows; a reader with no policy of theirs gets
//! no row.

use quire::data::query::{Bounds, Cell, ResultSet};
use quire::data::source::{Db, Reader};
use quire::model::access::Sight;
use quire::model::report::{BuilderSpec, Filter, QuerySource};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn reader(filters: Value) -> Reader {
    let filters: Vec<Filter> = serde_json::from_value(filters).unwrap();
    Reader {
        sight: Sight::Limited(Arc::new([("sales".to_string(), filters)].into())),
        policed: Arc::new(["sales".to_string()].into()),
    }
}

fn answer(db: Db<'_>, spec: &Value) -> ResultSet {
    let spec: BuilderSpec = serde_json::from_value(spec.clone()).unwrap();
    let (sql, values) =
        quire::report::builder::sql_of_as_of(db, QuerySource::Builder(&spec), &[], today())
            .unwrap();
    let bounds = Bounds {
        timeout: Duration::from_secs(20),
        max_rows: 100_000,
        memory_mb: 256,
        result_mb: 64,
    };
    db.fetch(&sql, &values, None, bounds)
        .unwrap_or_else(|e| panic!("{e}\n{sql}"))
}

/// Rows as text, sorted (the columnar engine and SQLite may list equal groups apart), reals
/// to 6 places (the engines add in different orders).
fn rows(rs: &ResultSet) -> Vec<String> {
    let cell = |c: &Cell| match c {
        Cell::Real(x) => format!("{x:.6}"),
        other => format!("{other:?}"),
    };
    let mut out: Vec<String> = rs
        .rows
        .iter()
        .map(|r| r.iter().map(cell).collect::<Vec<_>>().join(" | "))
        .collect();
    out.sort();
    out
}

fn questions() -> Vec<Value> {
    vec![
        json!({"dataset": "sales", "dimensions": ["region"],
               "measures": [{"field": "revenue", "agg": "sum"}, {"field": "units", "agg": "count"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "month"}],
               "measures": [{"field": "units", "agg": "avg"}]}),
        json!({"dataset": "sales", "measures": [{"field": "product", "agg": "count_distinct"}],
               "filters": [{"field": "units", "op": "gt", "value": 3}]}),
        json!({"dataset": "sales", "dimensions": ["product"],
               "measures": [{"field": "revenue", "agg": "sum", "as": "r"}],
               "sort": [{"field": "r", "dir": "desc"}], "limit": 5}),
    ]
}

#[test]
fn a_policy_cuts_the_same_rows_on_both_engines_as_a_filter_by_hand() {
    let (_dir, store) = crate::columnar::store();
    let conn = store.data_ro.get().unwrap();
    let engine = store.engine.as_ref().unwrap();
    let allowed = json!(["North", "Ünïcode"]);
    let some = reader(json!([{"field": "region", "op": "in", "value": allowed}]));
    let either = reader(json!([
        {"field": "region", "op": "eq", "value": "South"},
        {"field": "units", "op": "gt", "value": 30}
    ]));
    let none = reader(json!([]));
    for q in questions() {
        let mut by_hand = q.clone();
        let filters = by_hand
            .as_object_mut()
            .unwrap()
            .entry("filters")
            .or_insert(json!([]));
        filters
            .as_array_mut()
            .unwrap()
            .push(json!({"field": "region", "op": "in", "value": allowed}));
        let admin = rows(&answer(Db::Sqlite(&conn), &by_hand));
        assert!(!admin.is_empty(), "{q}");
        let lite = rows(&answer(Db::Store(&conn, None, &some), &q));
        let col = rows(&answer(Db::Store(&conn, Some(engine), &some), &q));
        assert_eq!(lite, admin, "SQLite under the policy: {q}");
        assert_eq!(col, admin, "columnar under the policy: {q}");
        assert_eq!(
            rows(&answer(Db::Store(&conn, None, &either), &q)),
            rows(&answer(Db::Store(&conn, Some(engine), &either), &q)),
            "two policies: {q}"
        );
        for db in [
            Db::Store(&conn, None, &none),
            Db::Store(&conn, Some(engine), &none),
        ] {
            let rs = answer(db, &q);
            let empty = rs.rows.is_empty()
                || rs
                    .rows
                    .iter()
                    .all(|r| r.iter().all(|c| matches!(c, Cell::Null | Cell::Int(0))));
            assert!(empty, "no policy of theirs, no row: {q}: {:?}", rs.rows);
        }
    }
}
