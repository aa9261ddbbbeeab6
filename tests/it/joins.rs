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

#[tokio::test]
async fn a_join_is_remembered_only_when_its_keys_fit_the_two_tables() {
    let app = crate::helpers::spawn_app().await;
    crate::columnar::upload(
        &app,
        "products",
        b"product,category,cost\nProduct 001,Tools,2\n".to_vec(),
    )
    .await;
    let remember = |form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}/builder/relationship", app.address))
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let form = |table: &str, with: &str, kind: &str, left: &str, right: &str| {
        vec![
            ("source", "main".to_string()),
            ("table", table.to_string()),
            ("with", with.to_string()),
            ("type", kind.to_string()),
            ("left", left.to_string()),
            ("right", right.to_string()),
        ]
    };
    let offered = || async {
        app.get_json("/builder/join?source=main&table=sales&with=products")
            .await
    };
    assert_eq!(offered().await["remembered"], json!(null));
    for (f, words) in [
        (
            form("sales", "products", "left", "nope", "product"),
            "no column `nope`",
        ),
        (
            form(
                "sales",
                "products",
                "left",
                "product",
                "nope\"; DROP TABLE relationships; --",
            ),
            "no column `nope",
        ),
        (
            form("sales", "products", "left", "units", "product"),
            "keys join values of one kind",
        ),
        (
            form(
                "sales",
                "x\"; DROP TABLE sales; --",
                "left",
                "product",
                "product",
            ),
            "not a dataset name",
        ),
        (
            form("sales", "products", "outer", "product", "product"),
            "outer",
        ),
        (
            form("sales", "products", "left", &"x".repeat(10_000), "product"),
            "no column",
        ),
    ] {
        let (status, body) = remember(f).await;
        assert!(status == 400 || status == 422, "{status} {body}");
        assert!(body.contains(words), "{words}: {body}");
    }
    assert_eq!(offered().await["remembered"], json!(null), "nothing stored");
    let (status, body) = remember(form("sales", "products", "inner", "product", "product")).await;
    assert_eq!(status, 204, "{body}");
    let o = offered().await;
    assert_eq!(o["remembered"], "inner", "{o}");
    assert_eq!(
        o["keys"][0],
        json!({ "left": "product", "right": "product" }),
        "{o}"
    );
    assert_eq!(
        app.get_json("/api/v1/datasets/sales").await["rowCount"],
        20000
    );
}
