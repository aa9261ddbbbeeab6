//! A SQL report runs on the columnar engine only when it asks (`"engine": "columnar"`): the same
//! rows as SQLite for the same SQL, its parameters bound, the engine's own SQL accepted, and
//! nothing but one read-only SELECT.

use crate::columnar::{metric, post};
use crate::helpers::spawn_app;
use serde_json::{json, Value};

fn sql_report(name: &str, sql: &str, engine: Option<&str>) -> Value {
    let mut r = json!({
        "name": name, "query": sql,
        "parameters": [{ "name": "skip", "type": "string", "defaultValue": "North" }],
        "visualizations": [{ "id": "rows", "type": "table" }]
    });
    if let Some(e) = engine {
        r["engine"] = json!(e);
    }
    r
}

async fn rows(app: &crate::helpers::TestApp, id: &str) -> Value {
    let p = app
        .get_json(&format!("/api/v1/reports/{id}/preview?pageSize=1000"))
        .await;
    p["rows"].clone()
}

#[tokio::test]
async fn a_sql_report_runs_on_the_engine_when_it_asks_and_only_reads() {
    let app = spawn_app().await;
    let sql = "SELECT region, count(*) AS n, sum(units) AS units FROM sales WHERE region <> :skip GROUP BY region ORDER BY region";
    let (s, lite) = post(&app, "/api/v1/reports", sql_report("On SQLite", sql, None)).await;
    assert_eq!(s, 201, "{lite}");
    let (s, col) = post(
        &app,
        "/api/v1/reports",
        sql_report("On the engine", sql, Some("columnar")),
    )
    .await;
    assert_eq!(s, 201, "{col}");
    let saved = app
        .get_json(&format!("/api/v1/reports/{}", col["id"].as_str().unwrap()))
        .await;
    assert_eq!(saved["engine"], "columnar", "{saved}");
    let before = metric(&app, "quire_columnar_queries_total").await;
    let on_sqlite = rows(&app, lite["id"].as_str().unwrap()).await;
    let after_sqlite = metric(&app, "quire_columnar_queries_total").await;
    let on_engine = rows(&app, col["id"].as_str().unwrap()).await;
    let after_engine = metric(&app, "quire_columnar_queries_total").await;
    assert_eq!(
        after_sqlite, before,
        "a SQL report without `engine` stays on SQLite"
    );
    assert!(
        after_engine > after_sqlite,
        "the report that asks runs on the engine"
    );
    assert_eq!(on_sqlite.as_array().unwrap().len(), 7, "{on_sqlite}");
    assert_eq!(on_sqlite, on_engine);

    // The engine's own SQL: SQLite has no date_trunc.
    let monthly = "SELECT date_trunc('month', CAST(order_date AS TIMESTAMP)) AS month, count(*) AS n FROM sales WHERE region <> $skip GROUP BY 1 ORDER BY 1";
    let (s, v) = post(
        &app,
        "/api/v1/reports",
        sql_report("Monthly on SQLite", monthly, None),
    )
    .await;
    assert_eq!(
        (s, v["errors"][0]["field"].clone()),
        (422, json!("query")),
        "{v}"
    );
    let (s, v) = post(
        &app,
        "/api/v1/reports",
        sql_report("Monthly", monthly, Some("columnar")),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        rows(&app, v["id"].as_str().unwrap())
            .await
            .as_array()
            .unwrap()
            .len(),
        24
    );

    // One read-only SELECT over the datasets, nothing else; an unknown engine is named.
    let out = std::env::temp_dir().join(format!("quire-copy-{}.csv", std::process::id()));
    for (n, hostile) in [
        "SELECT 1; DROP TABLE sales".to_string(),
        format!("COPY (SELECT * FROM sales) TO '{}'", out.display()),
        "CREATE EXTERNAL TABLE pw STORED AS CSV LOCATION '/etc/passwd'".into(),
        "SELECT * FROM '/etc/passwd'".into(),
        "INSERT INTO sales SELECT * FROM sales".into(),
        "SELECT * FROM nope".into(),
    ]
    .iter()
    .enumerate()
    {
        let (s, v) = post(
            &app,
            "/api/v1/reports",
            sql_report(&format!("Hostile {n}"), hostile, Some("columnar")),
        )
        .await;
        assert_eq!(s, 422, "{hostile}: {v}");
        assert_eq!(v["errors"][0]["field"], "query", "{hostile}: {v}");
        assert!(
            !v["detail"].as_str().unwrap().contains("/work"),
            "no paths: {v}"
        );
    }
    assert!(!out.exists(), "nothing written");
    let (s, v) = post(
        &app,
        "/api/v1/reports",
        sql_report("Unknown", sql, Some("duckdb")),
    )
    .await;
    assert!(s == 400 || s == 422, "{v}");
    assert!(v.to_string().contains("engine"), "{v}");
    assert_eq!(
        app.get_json("/api/v1/datasets/sales").await["rowCount"],
        20000
    );
}

#[tokio::test]
async fn a_report_that_asks_for_the_engine_is_refused_where_it_is_off() {
    let app = crate::helpers::spawn_app_with(|c| c.limits.engine_memory_mb = 0).await;
    let (s, v) = post(
        &app,
        "/api/v1/reports",
        sql_report("Off", "SELECT count(*) AS n FROM sales", Some("columnar")),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "engine", "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("engine_memory_mb"),
        "{v}"
    );
}
