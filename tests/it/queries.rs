use crate::helpers::spawn_app_with;
use quire::model::report::ReportDefinition;
use sha2::{Digest, Sha256};
use std::path::Path;

/// SQL that must never run as a report.
const HOSTILE: &[(&str, &str)] = &[
    ("drop", "DROP TABLE sales"),
    ("delete", "DELETE FROM sales"),
    ("insert", "INSERT INTO sales (order_id) VALUES (1)"),
    ("update", "UPDATE sales SET revenue = 0"),
    ("replace", "REPLACE INTO sales (order_id) VALUES (1)"),
    ("create", "CREATE TABLE evil (x)"),
    (
        "attach",
        "ATTACH DATABASE '/tmp/quire-evil-attach.db' AS evil",
    ),
    ("detach", "DETACH DATABASE main"),
    ("writable_schema", "PRAGMA writable_schema = 1"),
    ("journal_mode", "PRAGMA journal_mode = DELETE"),
    ("load_extension", "SELECT load_extension('/tmp/evil.so')"),
    ("two_statements", "SELECT 1; DROP TABLE sales"),
    ("vacuum_into", "VACUUM INTO '/tmp/quire-evil-vacuum.db'"),
    ("begin", "BEGIN IMMEDIATE"),
    (
        "never_ends",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    ),
    (
        "cross_join_bomb",
        "SELECT count(*) FROM sales a, sales b, sales c",
    ),
];

fn report(name: &str, sql: &str) -> ReportDefinition {
    serde_json::from_value(serde_json::json!({"name": name, "query": sql})).unwrap()
}

/// sha256 of every dataset file (the -shm index changes on reads by design).
fn fingerprint(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.starts_with("datasets.db") && !n.ends_with("-shm")
        })
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                hex(&Sha256::digest(bytes)),
            )
        })
        .collect();
    out.sort();
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn hostile_sql_is_refused_with_422_and_the_data_files_stay_byte_identical() {
    let app = spawn_app_with(|c| {
        c.limits.query_timeout_ms = 300;
        for (name, sql) in HOSTILE {
            c.reports.push(report(name, sql));
        }
    })
    .await;
    let dir = app._data_dir.path().to_path_buf();
    let before = fingerprint(&dir);
    assert!(!before.is_empty());
    for (name, sql) in HOSTILE {
        let r = app.get(&format!("/api/v1/reports/{name}/preview")).await;
        assert_eq!(r.status(), 422, "{name}: {sql}");
        let body: serde_json::Value = r.json().await.unwrap();
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("not allowed")
                || detail.contains("only one statement")
                || detail.contains("only SELECT")
                || detail.contains("was stopped"),
            "{name}: {detail}"
        );
        if !["never_ends", "cross_join_bomb"].contains(name) {
            let r = app
                .client
                .post(format!("{}/api/v1/validate-query", app.address))
                .json(&serde_json::json!({"dataSource": "main", "query": sql}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422, "validate {name}");
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["valid"], false);
        }
    }
    assert!(!Path::new("/tmp/quire-evil-attach.db").exists());
    assert!(!Path::new("/tmp/quire-evil-vacuum.db").exists());
    assert_eq!(fingerprint(&dir), before, "dataset files changed");
    // And the data is all still there.
    let p = app
        .get_json("/api/v1/reports/Sales%20overview/preview?query=orders&days=3650&pageSize=1")
        .await;
    assert_eq!(p["totalRows"], 20000);
}

#[tokio::test]
async fn validate_query_returns_columns_and_tables_lists_the_datasets() {
    let app = spawn_app_with(|_| {}).await;
    let r = app
        .client
        .post(format!("{}/api/v1/validate-query", app.address))
        .json(&serde_json::json!({"dataSource": "main", "query": "SELECT region, sum(revenue) AS total FROM sales GROUP BY region"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v,
        serde_json::json!({"valid": true, "columns": ["region", "total"]})
    );

    let t = app.get_json("/api/v1/tables").await;
    let main = &t["sources"][0];
    assert_eq!(main["name"], "main");
    let sales = main["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "sales")
        .unwrap();
    let fields: Vec<(&str, &str)> = sales["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(fields[0], ("order_id", "INTEGER"));
    assert!(fields.contains(&("revenue", "REAL")));
    assert!(fields.contains(&("order_date", "TEXT")));

    for (body, status) in [
        ("{not json", 400),
        ("{\"query\": 5}", 422),
        ("{\"dataSource\": \"nope\", \"query\": \"SELECT 1\"}", 422),
        ("{\"query\": \"SELECT * FROM no_such_table\"}", 422),
        ("{\"query\": \"\"}", 422),
    ] {
        let r = app
            .client
            .post(format!("{}/api/v1/validate-query", app.address))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
    }
    let huge =
        serde_json::json!({"query": format!("SELECT '{}'", "x".repeat(2 << 20))}).to_string();
    let r = app
        .client
        .post(format!("{}/api/v1/validate-query", app.address))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn preview_pages_a_report_query_with_typed_parameters() {
    let app = spawn_app_with(|_| {}).await;
    let k = crate::expected::kpis(90);
    let p = app
        .get_json("/api/v1/reports/Sales%20overview/preview?query=orders&page=2&pageSize=10")
        .await;
    assert_eq!(p["totalRows"], k.window.len());
    assert_eq!(p["page"], 2);
    assert_eq!(p["pageSize"], 10);
    assert_eq!(p["columns"][0], "order_id");
    assert_eq!(p["rows"][0][0], k.window[10].id);
    for (q, status, field) in [
        ("query=orders&days=abc", 422, "days"),
        ("query=orders&pageSize=0", 400, "pageSize"),
        ("query=orders&pageSize=5000", 400, "pageSize"),
        ("query=orders&page=x", 400, "page"),
        ("query=nope", 422, "nope"),
    ] {
        let r = app
            .get(&format!("/api/v1/reports/Sales%20overview/preview?{q}"))
            .await;
        assert_eq!(r.status(), status, "{q}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["detail"].as_str().unwrap().contains(field), "{q}: {v}");
    }
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
}

#[tokio::test]
async fn results_are_cached_until_an_import_changes_the_table_they_read() {
    let app = spawn_app_with(|c| {
        c.reports
            .push(report("Other", "SELECT count(*) AS n FROM other"));
    })
    .await;
    let upload = |csv: &'static str| {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes()).file_name("other.csv"),
            )
            .text("name", "other");
        app.client
            .post(format!("{}/api/v1/datasets", app.address))
            .multipart(form)
            .send()
    };
    assert_eq!(upload("x\n1\n2\n").await.unwrap().status(), 201);
    let sales = "/api/v1/reports/Sales%20overview/preview?query=kpis";
    let other = "/api/v1/reports/Other/preview";
    let m0 = app.get("/metrics").await.text().await.unwrap();
    let first = app.get_json(sales).await;
    assert_eq!(app.get_json(other).await["rows"][0][0], 2);
    let m1 = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(app.get_json(sales).await, first);
    assert_eq!(app.get_json(other).await["rows"][0][0], 2);
    let m2 = app.get("/metrics").await.text().await.unwrap();
    let hits = |m: &str| metric(m, "quire_query_cache_hits_total");
    let misses = |m: &str| metric(m, "quire_query_cache_misses_total");
    assert_eq!(hits(&m1), hits(&m0), "first runs miss");
    assert_eq!(misses(&m2), misses(&m1), "second runs hit");
    assert_eq!(hits(&m2) - hits(&m1), 4, "count + rows for each report");

    // Importing `other` makes its results stale, and only its results.
    assert_eq!(upload("x\n1\n2\n3\n").await.unwrap().status(), 201);
    assert_eq!(
        app.get_json(other).await["rows"][0][0],
        3,
        "no stale result after the import"
    );
    assert_eq!(app.get_json(sales).await, first);
    let m3 = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(
        misses(&m3) - misses(&m2),
        2,
        "only the report reading `other` ran again"
    );
    assert_eq!(hits(&m3) - hits(&m2), 2);
}
