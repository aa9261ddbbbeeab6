//! Report generation: POST generate → 202 job → progress → result → exports of it, each read
//! back; bad requests refused; a job a stopped process left unfinished runs after a restart.

use crate::expected;
use crate::helpers::{assert_valid_pdf, pdf_pages, spawn_app, spawn_app_with, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

impl TestApp {
    /// Polls a job until it is completed or failed.
    pub(crate) async fn finished_job(&self, id: &str) -> Value {
        for _ in 0..300 {
            let job = self.get_json(&format!("/api/v1/reports/jobs/{id}")).await;
            if job["status"] == "completed" || job["status"] == "failed" {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("job {id} did not finish");
    }
}

/// The KPI card values of a result, by id.
fn kpis(result: &Value) -> Vec<(String, String)> {
    result["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap())
        .filter(|i| i["kind"] == "kpi")
        .map(|i| {
            (
                i["id"].as_str().unwrap().into(),
                i["value"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_generated_result_holds_the_figures_and_exports_to_every_format() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let r = app
        .send_json(
            Method::POST,
            &format!("/api/v1/reports/{report}/generate"),
            &json!({ "parameters": { "days": 30 } }),
        )
        .await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let job: Value = r.json().await.unwrap();
    assert!(["queued", "processing", "completed"].contains(&job["status"].as_str().unwrap()));
    assert_eq!(
        location,
        format!("/api/v1/reports/jobs/{}", job["id"].as_str().unwrap())
    );
    assert_eq!(job["parameters"]["days"], "30");

    let done = app.finished_job(job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["progress"], 100);
    let result_id = done["resultId"].as_str().unwrap();
    let result = app
        .get_json(&format!("/api/v1/reports/results/{result_id}"))
        .await;
    assert_eq!(result["id"], result_id);
    assert_eq!(result["jobId"], done["id"]);
    let k = expected::kpis(30);
    let values = kpis(&result);
    assert_eq!(
        values,
        [
            ("revenue".to_string(), k.revenue.clone()),
            ("orders_count".into(), k.orders.clone()),
            ("aov".into(), k.aov.clone()),
            ("customers".into(), k.customers.clone()),
        ]
    );
    let svg_charts = result["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap())
        .filter(|i| i["kind"] == "chart" && i["svg"].as_str().unwrap().starts_with("<svg"))
        .count();
    assert_eq!(svg_charts, 3);

    // Each export is the result's report with its parameters, and is recorded.
    let export = |format: &'static str| {
        let app = &app;
        let url = format!("/api/v1/reports/results/{result_id}/export?format={format}");
        async move {
            let r = app.get(&url).await;
            assert_eq!(r.status(), 200, "{format}");
            let id = r.headers()["x-export-id"].to_str().unwrap().to_string();
            let bytes = r.bytes().await.unwrap();
            let record = app.get_json(&format!("/api/v1/exports/{id}")).await;
            assert_eq!(record["size"], bytes.len(), "{format}");
            assert_eq!(record["status"], "completed");
            (bytes, record)
        }
    };
    let (pdf, record) = export("pdf").await;
    assert_valid_pdf(&pdf);
    assert_eq!(record["format"], "pdf");
    assert_eq!(record["rows"], k.window.len());
    let text = pdf_pages(&pdf).join("\n");
    assert!(
        text.contains(&k.revenue) && text.contains(&k.orders_change),
        "KPIs in the PDF"
    );
    let (csv, _) = export("csv").await;
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert_eq!(csv.lines().count(), k.window.len() + 1);
    assert!(csv.contains(&k.window.last().unwrap().id.to_string()));
    let (xlsx, record) = export("excel").await;
    assert!(xlsx.starts_with(b"PK"));
    assert_eq!(record["format"], "xlsx");
    let (json_file, _) = export("json").await;
    let v: Value = serde_json::from_slice(&json_file).unwrap();
    assert_eq!(kpis(&v), values);
    // The same file downloads again from the exports API.
    let again = app
        .get(&format!(
            "/api/v1/exports/{}/download",
            record["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(again.bytes().await.unwrap(), xlsx);
}

#[tokio::test]
async fn bad_generate_requests_are_refused_naming_what_is_wrong() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let url = format!("/api/v1/reports/{report}/generate");
    let raw = |body: &'static str| {
        app.client
            .post(format!("{}{url}", app.address))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, status, mentions) in [
        (
            r#"{"parameters": {"days": "many"}}"#,
            422,
            "parameters.days",
        ),
        (r#"{"days": "many"}"#, 422, "parameters.days"),
        (r#"{"days": {"nested": 1}}"#, 422, "days"),
        (r#"{"parameters": [1, 2]}"#, 422, "parameters"),
        (r#"[1, 2]"#, 422, "parameters"),
        (r#"{"days": "#, 400, "JSON"),
        (r#"{"colour": "red"}"#, 422, "colour"),
    ] {
        let r = raw(body).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let p: Value = r.json().await.unwrap();
        assert!(
            p["detail"].as_str().unwrap().contains(mentions),
            "{body}: {p}"
        );
    }
    let r = app
        .send_json(Method::POST, "/api/v1/reports/nope/generate", &json!({}))
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.get("/api/v1/reports/jobs/nope").await.status(), 404);
    assert_eq!(app.get("/api/v1/reports/results/nope").await.status(), 404);
    assert_eq!(
        app.get("/api/v1/reports/results/nope/export?format=pdf")
            .await
            .status(),
        404
    );

    // An empty body takes the defaults; a bad format or a parameter on export is refused.
    let r = app
        .client
        .post(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    let done = app.finished_job(job["id"].as_str().unwrap()).await;
    let rid = done["resultId"].as_str().unwrap();
    for (q, mentions) in [("format=docx", "docx"), ("format=pdf&days=7", "days")] {
        let r = app
            .get(&format!("/api/v1/reports/results/{rid}/export?{q}"))
            .await;
        assert_eq!(r.status(), 422, "{q}");
        let p: Value = r.json().await.unwrap();
        assert!(p["detail"].as_str().unwrap().contains(mentions), "{p}");
    }
}

#[tokio::test]
async fn a_job_left_processing_by_a_stopped_process_completes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let first = spawn_app_with(|c| c.storage.data_dir = data.clone()).await;
    let report = first.report_id().await;
    let r = first
        .send_json(
            Method::POST,
            &format!("/api/v1/reports/{report}/generate"),
            &json!({ "days": "60" }),
        )
        .await;
    let job: Value = r.json().await.unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    first.finished_job(&id).await;
    // As if the process had died mid-run: processing, partway, no result.
    let conn = rusqlite::Connection::open(data.join("quire.db")).unwrap();
    conn.execute(
        "UPDATE jobs SET status = 'processing', progress = 40, result_id = NULL, finished_at = NULL WHERE id = ?1",
        [&id],
    )
    .unwrap();
    drop(conn);

    let second = spawn_app_with(|c| c.storage.data_dir = data.clone()).await;
    let done = second.finished_job(&id).await;
    assert_eq!(done["status"], "completed");
    let rid = done["resultId"].as_str().unwrap();
    let result = second
        .get_json(&format!("/api/v1/reports/results/{rid}"))
        .await;
    let k = expected::kpis(60);
    assert_eq!(kpis(&result)[0].1, k.revenue);
}

#[tokio::test]
async fn the_report_page_generates_with_a_progress_bar_then_offers_the_files() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let page = app
        .get(&format!("/reports/{report}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("hx-post=\"/reports/{report}/generate\"")));
    let r = app
        .client
        .post(format!("{}/reports/{report}/generate", app.address))
        .form(&[("days", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut fragment = r.text().await.unwrap();
    assert!(fragment.contains("id=\"job\""), "{fragment}");
    let job_id = {
        let at = fragment
            .find("/reports/jobs/")
            .map(|i| i + "/reports/jobs/".len());
        match at {
            Some(i) => fragment[i..i + 36].to_string(),
            // Already finished: the fragment links to the result.
            None => String::new(),
        }
    };
    if !job_id.is_empty() {
        assert!(fragment.contains("<progress"), "{fragment}");
        for _ in 0..300 {
            fragment = app
                .get(&format!("/reports/jobs/{job_id}"))
                .await
                .text()
                .await
                .unwrap();
            if !fragment.contains("hx-get") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(fragment.contains("ready"), "{fragment}");
    let at = fragment.find("/api/v1/reports/results/").unwrap();
    let href = &fragment[at..at + fragment[at..].find('"').unwrap()];
    assert!(href.ends_with("format=pdf"), "{href}");
    let pdf = app.get(href).await.bytes().await.unwrap();
    assert_valid_pdf(&pdf);
    assert!(pdf_pages(&pdf)
        .join("\n")
        .contains(&expected::kpis(30).revenue));

    let r = app
        .client
        .post(format!("{}/reports/{report}/generate", app.address))
        .form(&[("days", "lots")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("days"));
}

/// The cells under the header `header` (any case) of sheet `sheet`, read by calamine.
fn xlsx_column(xlsx: &[u8], sheet: &str, header: &str) -> Vec<String> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    for (i, row) in rows.iter().enumerate() {
        if let Some(col) = row.iter().position(|c| c.eq_ignore_ascii_case(header)) {
            return rows[i + 1..]
                .iter()
                .filter_map(|r| r.get(col).cloned())
                .filter(|c| !c.is_empty())
                .collect();
        }
    }
    panic!("no column `{header}` in sheet {sheet}: {rows:?}");
}

#[tokio::test]
async fn a_results_files_hold_its_figures_after_the_data_changed() {
    // No result cache: a report run again would see the new rows at once.
    let app = spawn_app_with(|c| c.limits.cache_mb = 0).await;
    let report = app
        .create_report(&json!({
            "name": "Order count",
            "query": "SELECT COUNT(*) AS n FROM sales",
            "visualizations": [
                { "id": "count", "type": "kpi", "title": "Orders", "dataMapping": { "value": "n" } },
                { "id": "rows", "type": "table", "title": "Counted" }
            ]
        }))
        .await;
    let rid = app.result_of(&report, json!({})).await;

    // The data changes after the result was made: two more orders.
    let conn = app.ctx.store.data.get().unwrap();
    let before: i64 = conn
        .query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch("INSERT INTO sales SELECT * FROM sales LIMIT 2;")
        .unwrap();
    let after: i64 = conn
        .query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, before + 2);
    let (then, now) = (before.to_string(), after.to_string());
    let shown = |n: i64| {
        let s = n.to_string();
        let (head, tail) = s.split_at(s.len() - 3);
        format!("{head},{tail}")
    };

    let export = |format: &'static str| {
        let app = &app;
        let url = format!("/api/v1/reports/results/{rid}/export?format={format}");
        async move {
            let r = app.get(&url).await;
            assert_eq!(r.status(), 200, "{format}");
            r.bytes().await.unwrap().to_vec()
        }
    };
    let csv = String::from_utf8(export("csv").await).unwrap();
    assert_eq!(csv.lines().nth(1), Some(then.as_str()), "{csv}");
    let json_file: Value = serde_json::from_slice(&export("json").await).unwrap();
    assert_eq!(kpis(&json_file), [("count".to_string(), shown(before))]);
    let result = app
        .get_json(&format!("/api/v1/reports/results/{rid}"))
        .await;
    assert_eq!(
        json_file["sections"], result["sections"],
        "the file is the result shown"
    );
    assert_eq!(json_file["generatedAt"], result["generatedAt"]);
    let xlsx = export("xlsx").await;
    assert_eq!(xlsx_column(&xlsx, "Data", "n"), [then.clone()]);
    assert_eq!(xlsx_column(&xlsx, "Summary", "Value"), [then.clone()]);
    let pdf = pdf_pages(&export("pdf").await).join("\n");
    assert!(pdf.contains(&shown(before)), "{pdf}");
    assert!(!pdf.contains(&shown(after)), "{pdf}");

    // A report run now does see the new rows: the files above did not run it.
    let now_csv = app
        .get(&format!("/reports/{report}/download?format=csv"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(now_csv.lines().nth(1), Some(now.as_str()), "{now_csv}");
}

#[tokio::test]
async fn a_result_stored_before_its_numbers_were_kept_is_refused_with_a_reason() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let rid = &app.result_of(&report, json!({})).await;
    // As a result stored by an older Quire: no `extra`.
    app.ctx
        .store
        .app
        .get()
        .unwrap()
        .execute("UPDATE results SET extra = NULL WHERE id = ?1", [rid])
        .unwrap();
    let r = app
        .get(&format!("/api/v1/reports/results/{rid}/export?format=pdf"))
        .await;
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("generate the report again"),
        "{p}"
    );
    // The result itself still reads.
    assert_eq!(
        app.get(&format!("/api/v1/reports/results/{rid}"))
            .await
            .status(),
        200
    );
}
