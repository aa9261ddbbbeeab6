//! /api/v1/exports and /exports: every file made is listed, downloadable, deletable, and a
//! failed or expired one can be made again under the same id.

use crate::helpers::{assert_valid_pdf, spawn_app, spawn_app_with, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

impl TestApp {
    /// Generates `report` with `params` and waits for its result id.
    pub async fn result_of(&self, report: &str, params: Value) -> String {
        let r = self
            .send_json(
                Method::POST,
                &format!("/api/v1/reports/{report}/generate"),
                &params,
            )
            .await;
        assert_eq!(r.status(), 202);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        for _ in 0..300 {
            let job = self.get_json(&format!("/api/v1/reports/jobs/{id}")).await;
            match job["status"].as_str().unwrap() {
                "completed" => return job["resultId"].as_str().unwrap().to_string(),
                "failed" => panic!("job failed: {job}"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("job {id} did not finish");
    }

    /// Saves a report definition through the API; returns its id.
    pub async fn create_report(&self, body: &Value) -> String {
        let r = self.send_json(Method::POST, "/api/v1/reports", body).await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Exports a result; returns the response.
    async fn export_result(&self, result: &str, format: &str) -> reqwest::Response {
        self.get(&format!(
            "/api/v1/reports/results/{result}/export?format={format}"
        ))
        .await
    }
}

#[tokio::test]
async fn exports_are_listed_filtered_downloaded_and_deleted_with_their_files() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let result = app.result_of(&report, json!({ "days": "30" })).await;
    let pdf_id = app.export_result(&result, "pdf").await.headers()["x-export-id"]
        .to_str()
        .unwrap()
        .to_string();
    let csv_id = app.export_result(&result, "csv").await.headers()["x-export-id"]
        .to_str()
        .unwrap()
        .to_string();

    let list = app.get_json("/api/v1/exports").await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [csv_id.as_str(), pdf_id.as_str()], "newest first");
    assert_eq!(list[1]["request"]["params"]["days"], "30");
    assert_eq!(
        list[1]["madeBy"],
        crate::helpers::ADMIN_EMAIL,
        "who generated it"
    );
    assert_eq!(
        app.get_json("/api/v1/exports?limit=1")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get_json(&format!(
            "/api/v1/exports?reportId={report}&status=completed"
        ))
        .await
        .as_array()
        .unwrap()
        .len(),
        2
    );
    assert!(app
        .get_json("/api/v1/exports?status=failed")
        .await
        .as_array()
        .unwrap()
        .is_empty());
    for (q, status, mentions) in [
        ("status=lost", 422, "status"),
        ("limit=0", 422, "limit"),
        ("limit=many", 422, "limit"),
        ("colour=red", 400, "colour"),
    ] {
        let r = app.get(&format!("/api/v1/exports?{q}")).await;
        assert_eq!(r.status(), status, "{q}");
        assert!(r.text().await.unwrap().contains(mentions), "{q}");
    }

    // The page refuses a bad filter and unknown exports as pages naming them.
    let r = app.get("/exports?status=lost").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("lost"));
    for action in ["delete", "retry"] {
        let r = app
            .client
            .post(format!("{}/exports/nope/{action}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{action}");
        assert!(r.text().await.unwrap().contains("nope"), "{action}");
    }

    // The page lists both, with their actions.
    let page = app.get("/exports").await.text().await.unwrap();
    assert!(
        page.contains(&format!("id=\"export-{pdf_id}\""))
            && page.contains(&format!("id=\"export-{csv_id}\""))
    );
    assert!(page.contains(&format!("/api/v1/exports/{pdf_id}/download")));

    // Delete through the page: the record and the file go.
    let file = app._data_dir.path().join(format!("exports/{pdf_id}.pdf"));
    assert!(file.exists());
    let r = app
        .client
        .post(format!("{}/exports/{pdf_id}/delete", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "followed the 303 back to the list");
    assert!(r.url().path().ends_with("/exports"));
    assert!(!file.exists());
    assert_eq!(
        app.get(&format!("/api/v1/exports/{pdf_id}")).await.status(),
        404
    );
    // And through the API.
    let url = format!("{}/api/v1/exports/{csv_id}", app.address);
    assert_eq!(app.client.delete(&url).send().await.unwrap().status(), 204);
    assert_eq!(app.client.delete(&url).send().await.unwrap().status(), 404);
    assert!(app
        .get_json("/api/v1/exports")
        .await
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn an_expired_export_is_made_again_under_its_id() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let result = app.result_of(&report, json!({})).await;
    let r = app.export_result(&result, "pdf").await;
    let id = r.headers()["x-export-id"].to_str().unwrap().to_string();
    let first = r.bytes().await.unwrap();
    let url = format!("/api/v1/exports/{id}/retry");
    assert_eq!(
        app.post(&url).await.status(),
        409,
        "a completed export has nothing to retry"
    );

    // Expired: its file removed, its download refused.
    let conn = rusqlite::Connection::open(app._data_dir.path().join("quire.db")).unwrap();
    conn.execute("UPDATE exports SET status = 'expired' WHERE id = ?1", [&id])
        .unwrap();
    std::fs::remove_file(app._data_dir.path().join(format!("exports/{id}.pdf"))).unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/exports/{id}/download"))
            .await
            .status(),
        410
    );

    let r = app.post(&url).await;
    assert_eq!(r.status(), 200);
    let record: Value = r.json().await.unwrap();
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["status"], "completed");
    let again = app.get(&format!("/api/v1/exports/{id}/download")).await;
    assert_eq!(again.status(), 200);
    let again = again.bytes().await.unwrap();
    assert_valid_pdf(&again);
    assert_eq!(
        crate::helpers::pdf_pages(&again).len(),
        crate::helpers::pdf_pages(&first).len()
    );
    assert_eq!(app.post("/api/v1/exports/nope/retry").await.status(), 404);
}

#[tokio::test]
async fn a_failed_export_is_recorded_with_its_error_and_a_new_result_of_the_fixed_report_exports() {
    let app = spawn_app().await;
    let body = json!({
        "name": "Too long for a PDF",
        "query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20500) SELECT i FROM n",
        "rowLimit": 30000,
        "visualizations": [{ "id": "all", "type": "table" }]
    });
    let report = app.create_report(&body).await;
    let result = app.result_of(&report, json!({})).await;

    let r = app.export_result(&result, "pdf").await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("at most"), "{p}");
    let failed = app.get_json("/api/v1/exports?status=failed").await;
    assert_eq!(failed.as_array().unwrap().len(), 1);
    let id = failed[0]["id"].as_str().unwrap().to_string();
    assert!(
        failed[0]["error"].as_str().unwrap().contains("20,500 rows")
            || failed[0]["error"].as_str().unwrap().contains("20500 rows"),
        "{failed}"
    );
    let page = app
        .get("/exports?status=failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/exports/{id}/retry")),
        "a retry button"
    );

    // Still too long: the retry fails again and says why.
    let r = app.post(&format!("/api/v1/exports/{id}/retry")).await;
    assert_eq!(r.status(), 422);
    // The report is fixed (fewer rows), but a result is what it was when generated: its
    // export still fails, recorded once under its id, ...
    let mut fixed = body.clone();
    fixed["rowLimit"] = json!(500);
    let r = app
        .send_json(Method::PUT, &format!("/api/v1/reports/{report}"), &fixed)
        .await;
    assert_eq!(r.status(), 200);
    let r = app.post(&format!("/api/v1/exports/{id}/retry")).await;
    assert_eq!(r.status(), 422);
    let failed = app.get_json("/api/v1/exports?status=failed").await;
    assert_eq!(failed.as_array().unwrap().len(), 1, "{failed}");
    assert_eq!(failed[0]["id"], id.as_str());
    // ... and a result generated anew exports.
    let result = app.result_of(&report, json!({})).await;
    let r = app.export_result(&result, "pdf").await;
    assert_eq!(r.status(), 200);
    let export = r.headers()["x-export-id"].to_str().unwrap().to_string();
    let pdf = r.bytes().await.unwrap();
    assert_valid_pdf(&pdf);
    let record = app.get_json(&format!("/api/v1/exports/{export}")).await;
    assert_eq!(record["status"], "completed");
    assert_eq!(record["rows"], 500);
    assert!(record.get("error").is_none(), "{record}");
}

#[tokio::test]
async fn a_scheduled_runs_expired_export_made_again_stays_linked_to_its_run() {
    let app = spawn_app().await;
    let id = app
        .create_schedule(json!({
            "name": "Nobody", "reportId": "Sales overview", "schedule": "0 7 * * *",
            "parameters": { "days": "30" }, "recipients": [], "exportFormat": "csv"
        }))
        .await;
    let run = app
        .run_schedule(&id, |e| {
            e["status"] == "succeeded" || e["status"] == "failed"
        })
        .await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let export = run["exportId"].as_str().unwrap().to_string();
    let record = app.get_json(&format!("/api/v1/exports/{export}")).await;
    assert_eq!(record["request"]["params"]["days"], "30");
    // Made by the schedule, which the list names and the page links to.
    assert_eq!(record["scheduleId"], id.as_str(), "{record}");
    assert_eq!(record["scheduleName"], "Nobody");
    assert!(record.get("madeBy").is_none(), "{record}");
    let page = app.get("/exports").await.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "by schedule <a href=\"/schedules/{id}\">Nobody</a>"
        )),
        "{page}"
    );

    let conn = rusqlite::Connection::open(app._data_dir.path().join("quire.db")).unwrap();
    conn.execute(
        "UPDATE exports SET status = 'expired' WHERE id = ?1",
        [&export],
    )
    .unwrap();
    assert_eq!(
        app.post(&format!("/api/v1/exports/{export}/retry"))
            .await
            .status(),
        200
    );
    let runs = app
        .get_json(&format!("/api/v1/schedules/{id}/executions"))
        .await;
    assert_eq!(runs[0]["exportId"], export.as_str(), "{runs}");
    let csv = app
        .get(&format!("/api/v1/exports/{export}/download"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        crate::expected::kpis(30).window.len() + 1
    );
}

#[tokio::test]
async fn a_persons_files_are_kept_a_week_and_their_oldest_go_past_their_quota() {
    let app = spawn_app_with(|c| c.exports.download_quota_mb = 1).await;
    let report = app
        .create_report(&json!({
            "name": "Six hundred KB",
            "query": "SELECT printf('%.*c', 600000, 'x') AS big",
            "visualizations": [{ "id": "t", "type": "table" }]
        }))
        .await;
    let mut made = Vec::new();
    for _ in 0..3 {
        let r = app
            .get(&format!("/reports/{report}/download?format=csv"))
            .await;
        assert_eq!(r.status(), 200);
        let id = r.headers()["x-export-id"].to_str().unwrap().to_string();
        assert!(r.bytes().await.unwrap().len() > 600_000);
        made.push(id);
    }
    // 1.8 MB made against a 1 MB quota: the newest stays, the two before it went.
    let newest = app.get_json(&format!("/api/v1/exports/{}", made[2])).await;
    assert_eq!(newest["status"], "completed");
    for id in &made[..2] {
        assert_eq!(
            app.get(&format!("/api/v1/exports/{id}")).await.status(),
            404,
            "{id}"
        );
        let file = app
            .ctx
            .config
            .storage
            .data_dir
            .join("exports")
            .join(format!("{id}.csv"));
        assert!(!file.exists(), "{}", file.display());
    }
    assert_eq!(
        app.get(&format!("/api/v1/exports/{}/download", made[2]))
            .await
            .status(),
        200
    );
    // Kept a week, not the schedules' thirty days.
    let days = |r: &Value| {
        let at = |k: &str| chrono::DateTime::parse_from_rfc3339(r[k].as_str().unwrap()).unwrap();
        (at("expiresAt") - at("createdAt")).num_hours()
    };
    assert!(
        (7 * 24 - 1..=7 * 24 + 1).contains(&days(&newest)),
        "{newest}"
    );
}
