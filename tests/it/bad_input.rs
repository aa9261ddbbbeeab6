use crate::helpers::spawn_app;

async fn assert_problem(r: reqwest::Response, status: u16, mentions: &str) {
    assert_eq!(r.status(), status);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    let body = r.text().await.unwrap();
    if ct.starts_with("application/problem+json") {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], status);
        assert!(v["detail"].as_str().unwrap().contains(mentions), "{body}");
    } else {
        assert!(body.contains(mentions), "{body}");
    }
}

#[tokio::test]
async fn malformed_page_numbers_are_400_and_name_the_page() {
    let app = spawn_app().await;
    let dashboard = app.dashboard_id().await;
    let long = "9".repeat(5000);
    for page in [
        "abc",
        "0",
        "-1",
        "1.5",
        "%00",
        "99999999999999999999",
        long.as_str(),
    ] {
        let r = app
            .get(&format!("/dashboards/{dashboard}/table/orders?page={page}"))
            .await;
        assert_problem(r, 400, "page").await;
        let r = app.get(&format!("/?page={page}")).await;
        assert_problem(r, 400, "page").await;
    }
    let r = app
        .get(&format!("/dashboards/{dashboard}/table/orders?page=100000"))
        .await;
    assert_problem(r, 400, "past the last page").await;
}

#[tokio::test]
async fn bad_download_formats_and_parameters_are_4xx_naming_them() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    for format in ["docx", "", "PDF%00", "../../etc/passwd"] {
        let r = app
            .get(&format!("/reports/{report}/download?format={format}"))
            .await;
        assert_problem(r, 422, "format").await;
    }
    let r = app
        .get(&format!(
            "/reports/{report}/download?format=csv&days=ninety"
        ))
        .await;
    assert_problem(r, 422, "days").await;
    let r = app
        .get(&format!("/reports/{report}/download?format=csv&nope=1"))
        .await;
    assert_problem(r, 422, "nope").await;
    let r = app.get("/reports/no-such-report/download?format=pdf").await;
    assert_problem(r, 404, "no-such-report").await;
    let r = app.get("/dashboards/nope").await;
    assert_problem(r, 404, "nope").await;
}

#[tokio::test]
async fn bad_api_input_is_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.get_json("/api/v1/schedules").await;
    let r = app.post("/api/v1/schedules/not-a-schedule/run").await;
    assert_problem(r, 404, "not-a-schedule").await;
    for (q, field) in [
        ("expr=61%20*%20*%20*%20*", "minute"),
        ("expr=*%20*%20*", "expected 5 fields"),
        ("expr=@fortnightly", "@fortnightly"),
        ("expr=@daily&timezone=Mars/Base", "Mars/Base"),
        ("expr=@daily&from=yesterday", "yesterday"),
        ("expr=@daily&count=100000", "count"),
        ("", "expr"),
    ] {
        let r = app.get(&format!("/api/v1/cron/preview?{q}")).await;
        assert_problem(r, 422, field).await;
    }
    let r = app.get("/api/v1/nothing-here").await;
    assert_problem(r, 404, "/api/v1/nothing-here").await;
    assert_eq!(
        app.get_json("/api/v1/schedules").await,
        before,
        "state unchanged"
    );
    let schedule = before[0]["id"].as_str().unwrap();
    let runs = app
        .get_json(&format!("/api/v1/schedules/{schedule}/executions"))
        .await;
    assert_eq!(runs.as_array().unwrap().len(), 0);
    assert!(app.smtp.received().is_empty());
}

#[tokio::test]
async fn an_htmx_request_that_fails_gets_a_message_for_the_flash_area_not_a_page() {
    let app = spawn_app().await;
    let dashboard = app.dashboard_id().await;
    let r = app
        .client
        .get(format!(
            "{}/dashboards/{dashboard}/table/orders?page=<b>x</b>",
            app.address
        ))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["hx-retarget"], "#flash");
    assert_eq!(r.headers()["hx-reswap"], "innerHTML");
    let body = r.text().await.unwrap();
    assert!(
        body.starts_with("<p class=\"flash-error\" role=\"alert\">"),
        "{body}"
    );
    assert!(body.contains("page"), "{body}");
    assert!(body.contains("&lt;b&gt;x&lt;/b&gt;"), "escaped: {body}");
    assert!(!body.contains("<!doctype"), "{body}");
    // The same request without htmx is a page, and the area it would land in is on every page.
    let r = app
        .get(&format!("/dashboards/{dashboard}/table/orders?page=abc"))
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("hx-retarget").is_none());
    let page = app
        .get(&format!("/dashboards/{dashboard}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<div id=\"flash\""), "{page}");
}

#[tokio::test]
async fn a_server_error_shows_a_reference_and_never_its_sql_or_paths() {
    let app = spawn_app().await;
    // Break the store behind the server's back: its next query fails inside SQLite.
    let store = quire::store::Store::open(app._data_dir.path(), &[], 0).unwrap();
    store
        .app
        .get()
        .unwrap()
        .execute_batch("ALTER TABLE exports RENAME TO exports_moved_away")
        .unwrap();
    for (path, htmx) in [
        ("/api/v1/exports", false),
        ("/exports", false),
        ("/exports", true),
    ] {
        let mut req = app.client.get(format!("{}{path}", app.address));
        if htmx {
            req = req.header("HX-Request", "true");
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 500, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("reference"), "{path}: {body}");
        // A page's menu names its pages ("Exports"): the error is what is inside <main>.
        let body = match (body.find("<main>"), body.find("</main>")) {
            (Some(a), Some(b)) => body[a..b].to_string(),
            _ => body,
        };
        for leak in [
            "exports",
            "no such table",
            "SELECT",
            "sqlite",
            "database",
            "/tmp",
        ] {
            assert!(
                !body.to_lowercase().contains(&leak.to_lowercase()),
                "{path} shows `{leak}`: {body}"
            );
        }
    }
}

#[tokio::test]
async fn a_number_parameter_out_of_its_bounds_is_refused_naming_it_and_its_bound() {
    let app = spawn_app().await;
    let id = app.report_id().await;
    for (days, says) in [
        ("-5", "below the least value, 1"),
        ("0", "below the least value, 1"),
        ("99999", "above the greatest value, 3650"),
        ("abc", "not a number"),
    ] {
        let r = app.get(&format!("/reports/{id}?days={days}")).await;
        assert_eq!(r.status(), 422, "{days}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("days") && page.contains(says),
            "{days}: {page}"
        );
        let r = app
            .get(&format!("/api/v1/reports/{id}/preview?days={days}"))
            .await;
        assert_eq!(r.status(), 422, "{days}");
    }
    assert_eq!(
        app.get(&format!("/reports/{id}?days=30")).await.status(),
        200
    );
    // Bounds are checked when a definition is saved.
    let mut def = app.get_json(&format!("/api/v1/reports/{id}")).await;
    def["parameters"][0]["min"] = serde_json::json!(10);
    def["parameters"][0]["max"] = serde_json::json!(5);
    let r = app
        .client
        .put(format!("{}/api/v1/reports/{id}", app.address))
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("parameters.days.max"));
}

#[tokio::test]
async fn control_characters_in_names_are_422_naming_the_field() {
    use reqwest::Method;
    use serde_json::json;
    let app = spawn_app().await;
    let report = app.report_id().await;
    for bad in [
        "Sales\u{0}",
        "Sales\u{1b}[31m",
        "Sales\nQ2",
        "a\u{7f}b",
        "a\u{85}b",
    ] {
        let r = app
            .send_json(
                Method::POST,
                "/api/v1/reports",
                &json!({ "name": bad, "query": "SELECT 1 AS x",
                         "visualizations": [{ "id": "t", "type": "table" }] }),
            )
            .await;
        assert_problem(r, 422, "name").await;
        let r = app
            .send_json(
                Method::POST,
                "/api/v1/dashboards",
                &json!({ "name": bad, "widgets": [] }),
            )
            .await;
        assert_problem(r, 422, "name").await;
        let r = app
            .send_json(
                Method::POST,
                "/api/v1/schedules",
                &json!({ "name": bad, "reportId": report, "schedule": "0 9 * * *" }),
            )
            .await;
        assert_problem(r, 422, "name").await;
        let r = app
            .send_json(Method::POST, "/api/v1/tokens", &json!({ "name": bad }))
            .await;
        assert_problem(r, 422, "name").await;
        let r = app
            .send_json(
                Method::POST,
                "/api/v1/users",
                &json!({ "email": format!("{bad}@example.com"), "role": "viewer" }),
            )
            .await;
        assert_problem(r, 422, "email").await;
        // A dataset's name is letters, digits and `_` only.
        let form = reqwest::multipart::Form::new()
            .text("name", bad.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"a,b\n1,2\n".to_vec()).file_name("x.csv"),
            );
        let r = app
            .client
            .post(format!("{}/api/v1/datasets", app.address))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_problem(r, 422, "name").await;
    }
    // A description may hold lines and tabs, not other control characters.
    let described = |d: &str| {
        json!({ "name": "Described", "description": d, "query": "SELECT 1 AS x",
                "visualizations": [{ "id": "t", "type": "table" }] })
    };
    let r = app
        .send_json(Method::POST, "/api/v1/reports", &described("a\u{0}b"))
        .await;
    assert_problem(r, 422, "description").await;
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/reports",
            &described("line one\n\tline two\r\n"),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // Nothing with a bad name was made.
    let reports = app.get_json("/api/v1/reports").await;
    assert_eq!(reports.as_array().unwrap().len(), 2, "{reports}");
    let dashboards = app.get_json("/api/v1/dashboards").await;
    assert_eq!(dashboards.as_array().unwrap().len(), 1, "{dashboards}");
}
