//! Joined questions give the same rows on SQLite and on the columnar engine: the sales of
//! `columnar.rs` joined to a products dataset with a repeated key and a product nobody bought.
//! PostgreSQL's are in `postgres.rs`.

use crate::columnar::{check, store};
use quire::data::import::{DatasetName, Input, Options};
use serde_json::json;

/// Products of the sales' product names: `zero` twice (a fan-out), `back\slash` missing.
fn products(store: &quire::store::Store) {
    let csv = "product,category,cost,launched\n\
               plain,basic,1.5,2024-01-01\n\
               50% off,promo,2,2024-03-01\n\
               a_b,basic,3.25,\n\
               Plain Again,,4,2024-06-30\n\
               zero,dup,5,2024-01-01\n\
               zero,dup2,6,2024-02-01\n\
               \"x'y\",other,7,2025-01-01\n\
               unsold,basic,8,2024-01-01\n";
    let bytes: std::sync::Arc<[u8]> = csv.as_bytes().to_vec().into();
    quire::app::dataset::import(
        store,
        &DatasetName::parse("products").unwrap(),
        "products.csv",
        &Input::Bytes(bytes),
        &Options::default(),
        false,
        &|_| {},
    )
    .unwrap();
    assert!(store.engine.as_ref().unwrap().has("products"));
}

#[test]
fn joined_questions_answer_the_same_on_both_engines() {
    let (_dir, store) = store();
    products(&store);
    let join = |kind: &str| json!([{ "dataset": "products", "type": kind, "on": [{ "left": "product", "right": "product" }] }]);
    let specs = [
        json!({ "dimensions": ["products.category"], "measures": [{ "field": "revenue", "agg": "sum" }, { "field": "*", "agg": "count" }] }),
        json!({ "dimensions": ["region", "products.category"], "measures": [{ "field": "products.cost", "agg": "avg" }] }),
        json!({ "dimensions": [{ "field": "products.launched", "bucket": "month" }], "measures": [{ "field": "units", "agg": "sum" }] }),
        json!({ "measures": [{ "field": "*", "agg": "count" }, { "field": "products.product", "agg": "count_distinct" }] }),
        json!({ "expressions": [{ "name": "margin", "expr": "revenue - products.cost * units" }],
                "dimensions": ["products.category"], "measures": [{ "field": "margin", "agg": "sum" },
                { "expr": "sum(revenue) / nullif_free", "as": "x" }] }),
        json!({ "expressions": [{ "name": "margin", "expr": "revenue - coalesce(products.cost, 0) * units" }],
                "dimensions": ["region"], "measures": [{ "field": "margin", "agg": "sum" },
                { "expr": "countif(products.category = 'basic')", "as": "basic" }],
                "filters": [{ "field": "products.cost", "op": "lt", "value": 6 }] }),
        json!({ "dimensions": ["products.category"], "measures": [{ "field": "revenue", "agg": "sum", "as": "r", "show": "percent_of_total" }],
                "filters": [{ "field": "order_date", "op": "between", "value": ["2024-07-01", "2024-12-31"] }],
                "sort": [{ "field": "r", "dir": "desc" }, { "field": "products.category" }], "limit": 3 }),
        json!({ "dimensions": ["products.category"], "measures": [{ "field": "revenue", "agg": "sum", "as": "r" }],
                "filters": [{ "field": "order_date", "op": "between", "value": ["2024-07-01", "2024-12-31"] }],
                "compare": { "previousPeriod": true } }),
    ];
    let mut answered = 0;
    for kind in ["left", "inner"] {
        for s in &specs {
            let mut spec = s.clone();
            spec["dataset"] = json!("sales");
            spec["joins"] = join(kind);
            answered += check(&store, spec) as u32;
        }
    }
    // All but the two with a mistake in them.
    assert_eq!(answered, 14);
}
