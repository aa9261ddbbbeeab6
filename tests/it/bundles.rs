//! Bundles: the demo dashboard exported with its report and schedule, imported on a fresh server
//! (a dry run first, which names the data it lacks), gives the same figures; a second import
//! updates the same objects; hostile bundles are refused naming the field and write nothing.

use crate::helpers::{spawn_app, spawn_bare, TestApp};
use serde_json::{json, Value};

async fn post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    let r = app
        .client
        .post(format!("{}{path}", app.address))
        .json(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn upload_sales(app: &TestApp) {
    let csv = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv")).unwrap();
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv).file_name("sales.csv"),
        )
        .text("name", "sales");
    let r = app
        .client
        .post(format!("{}/api/v1/datasets", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

async fn count(app: &TestApp, what: &str) -> usize {
    app.get_json(&format!("/api/v1/{what}"))
        .await
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_dashboard_bundle_round_trips_to_a_fresh_server_with_the_same_figures() {
    let a = spawn_app().await;
    let did = a.dashboard_id().await;
    let r = a
        .get(&format!("/api/v1/dashboards/{did}/bundle?schedules=true"))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".quire.json\""));
    let bundle: Value = r.json().await.unwrap();
    assert_eq!(bundle["format"], "quire-bundle");
    assert_eq!(bundle["formatVersion"], 1);
    let reports = bundle["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "the demo dashboard shows one report");
    assert_eq!(bundle["schedules"].as_array().unwrap().len(), 1);
    assert_eq!(bundle["needs"][0]["dataSource"], "main");
    let rid_a = reports[0]["id"].as_str().unwrap().to_string();

    let b = spawn_bare().await;
    assert_eq!(count(&b, "reports").await, 0);
    // A dry run on a server without the data says what is missing and writes nothing.
    let (s, dry) = post(&b, "/api/v1/bundles?dryRun=true", &bundle).await;
    assert_eq!(s, 200, "{dry}");
    assert_eq!(dry["dryRun"], true);
    let problems = dry["problems"].to_string();
    assert!(problems.contains("sales"), "{dry}");
    let kinds: Vec<(&str, &str)> = dry["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["kind"].as_str().unwrap(), o["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("report", "create"),
            ("dashboard", "create"),
            ("schedule", "create")
        ]
    );
    let (s, refused) = post(&b, "/api/v1/bundles", &bundle).await;
    assert_eq!(s, 422, "{refused}");
    assert_eq!(count(&b, "reports").await, 0);
    assert_eq!(count(&b, "dashboards").await, 0);

    upload_sales(&b).await;
    let (s, dry) = post(&b, "/api/v1/bundles?dryRun=true", &bundle).await;
    assert_eq!((s, dry["problems"].clone()), (200, json!([])), "{dry}");
    let (s, made) = post(&b, "/api/v1/bundles", &bundle).await;
    assert_eq!(s, 201, "{made}");
    let did_b = made["dashboardId"].as_str().unwrap().to_string();
    assert_ne!(did_b, did, "ids are new");
    let rid_b = made["objects"][0]["id"].as_str().unwrap().to_string();
    assert_ne!(rid_b, rid_a);

    // The same figures, query by query.
    for q in ["kpis", "daily", "products", "regions", "orders"] {
        let pa = a
            .get_json(&format!(
                "/api/v1/reports/{rid_a}/preview?query={q}&pageSize=50"
            ))
            .await;
        let pb = b
            .get_json(&format!(
                "/api/v1/reports/{rid_b}/preview?query={q}&pageSize=50"
            ))
            .await;
        assert_eq!(pa["rows"], pb["rows"], "query {q}");
        assert_eq!(pa["totalRows"], pb["totalRows"], "query {q}");
    }
    let da = a.get_json(&format!("/api/v1/dashboards/{did}")).await;
    let db = b.get_json(&format!("/api/v1/dashboards/{did_b}")).await;
    assert_eq!(
        da["widgets"].as_array().unwrap().len(),
        db["widgets"].as_array().unwrap().len()
    );
    assert_eq!(db["widgets"][0]["reportId"], rid_b.as_str());
    let sched = b.get_json("/api/v1/schedules").await;
    assert_eq!(sched[0]["reportId"], rid_b.as_str(), "{sched}");

    // Again: the same objects are updated, none duplicated.
    let (s, again) = post(&b, "/api/v1/bundles", &bundle).await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(again["dashboardId"], did_b.as_str());
    assert!(
        again["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["action"] == "update"),
        "{again}"
    );
    assert_eq!(count(&b, "reports").await, 1);
    assert_eq!(count(&b, "dashboards").await, 1);
    assert_eq!(count(&b, "schedules").await, 1);
}

#[tokio::test]
async fn hostile_bundles_are_refused_naming_the_field_and_write_nothing() {
    let app = spawn_app().await;
    let did = app.dashboard_id().await;
    let good = app
        .get_json(&format!("/api/v1/dashboards/{did}/bundle"))
        .await;
    let before = (
        count(&app, "reports").await,
        count(&app, "dashboards").await,
    );
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut b = good.clone();
    b["format"] = json!("zip");
    cases.push((b, "format"));
    let mut b = good.clone();
    b["formatVersion"] = json!(2);
    cases.push((b, "formatVersion"));
    let mut b = good.clone();
    b["dashboard"]["widgets"][0]["reportId"] = json!("../../etc/passwd");
    cases.push((b, "dashboard.widgets[0].reportId"));
    let mut b = good.clone();
    b["reports"][0]["id"] = Value::Null;
    cases.push((b, "reports[0].id"));
    let mut b = good.clone();
    let r = b["reports"][0].clone();
    b["reports"] = Value::Array(vec![r; 101]);
    cases.push((b, "reports"));
    let mut b = good.clone();
    b["surprise"] = json!(1);
    cases.push((b, "surprise"));
    let mut b = good.clone();
    b["reports"][0]["queries"]["kpis"]["query"] = json!("DELETE FROM sales");
    cases.push((b, "reports[0].queries.kpis.query"));
    for (body, field) in cases {
        let (s, p) = post(&app, "/api/v1/bundles", &body).await;
        assert_eq!(s, 422, "{field}: {p}");
        let named = p["errors"]
            .as_array()
            .map(|e| e.iter().any(|e| e["field"] == field))
            .unwrap_or(false)
            || p["detail"].as_str().unwrap_or_default().contains(field);
        assert!(named, "{field}: {p}");
    }
    let r = app
        .client
        .post(format!("{}/api/v1/bundles", app.address))
        .header("Content-Type", "application/json")
        .body("{\"format\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (s, _) = post(&app, "/api/v1/bundles?dryRun=perhaps", &good).await;
    assert_eq!(s, 422);
    assert_eq!(
        (
            count(&app, "reports").await,
            count(&app, "dashboards").await
        ),
        before
    );
    assert_eq!(
        app.get("/api/v1/dashboards/nope/bundle").await.status(),
        404
    );
}

#[test]
fn the_command_line_exports_and_imports_a_bundle_without_a_server() {
    use crate::helpers::quire;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let file = dir.path().join("sales.quire.json");
    let run = |args: &[&str], data: &std::path::Path| {
        let out = quire()
            .args(args)
            .arg("--data-dir")
            .arg(data)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    // Loads the demo into `a`.
    let csv = dir.path().join("x.csv");
    let (code, text) = run(
        &[
            "render",
            "Sales overview",
            "--format",
            "csv",
            "--demo",
            "--out",
            csv.to_str().unwrap(),
        ],
        &a,
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(
        &[
            "bundle",
            "export",
            "Sales overview",
            "--schedules",
            "--out",
            file.to_str().unwrap(),
        ],
        &a,
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 report(s), 1 schedule(s)"), "{text}");

    let (code, text) = run(
        &["bundle", "import", file.to_str().unwrap(), "--dry-run"],
        &b,
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("would create report `Sales overview`") && text.contains("problem:"),
        "{text}"
    );
    let sales = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv");
    let (code, text) = run(&["import", sales, "--dataset", "sales"], &b);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&["bundle", "import", file.to_str().unwrap()], &b);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("created dashboard") && text.contains("created schedule"),
        "{text}"
    );
    let (code, text) = run(&["bundle", "import", file.to_str().unwrap()], &b);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("updated report `Sales overview`") && !text.contains("created"),
        "{text}"
    );

    std::fs::write(
        &file,
        "{\"format\": \"quire-bundle\",\n \"formatVersion\": 1,\n oops",
    )
    .unwrap();
    let (code, text) = run(&["bundle", "import", file.to_str().unwrap()], &b);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("sales.quire.json:3:"), "{text}");
    let (code, text) = run(&["bundle", "import", "/no/such/file.json"], &b);
    assert_eq!(code, 2, "{text}");
}

#[tokio::test]
async fn a_bundle_uploaded_on_the_gallery_page_is_checked_then_imported() {
    let a = spawn_app().await;
    let did = a.dashboard_id().await;
    let bundle = a
        .get(&format!("/api/v1/dashboards/{did}/bundle"))
        .await
        .bytes()
        .await
        .unwrap();
    let b = spawn_bare().await;
    upload_sales(&b).await;
    let send = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("sales.quire.json"),
        );
        b.client
            .post(format!("{}/templates/import", b.address))
            .multipart(form)
            .send()
    };
    let r = send(bundle.to_vec()).await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Import “Sales overview”") && page.contains("made new"),
        "{page}"
    );
    assert_eq!(count(&b, "dashboards").await, 0, "checking writes nothing");
    let start = page
        .find("action=\"/templates/import/")
        .expect("the import form")
        + "action=\"".len();
    let action = &page[start..start + page[start..].find('"').unwrap()];
    let r = b
        .client
        .post(format!("{}{action}", b.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "followed to the dashboard");
    assert!(r.url().path().starts_with("/dashboards/"));
    assert_eq!(count(&b, "dashboards").await, 1);
    // The same upload twice: gone after its import.
    let r = b
        .client
        .post(format!("{}{action}", b.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Not a bundle, no file, a made-up token.
    let r = send(b"%PDF-1.7 not json".to_vec()).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not a Quire bundle"));
    let r = send(b"{\"format\": \"zip\"}".to_vec()).await.unwrap();
    assert_eq!(r.status(), 422);
    let r = b
        .client
        .post(format!("{}/templates/import/../../etc/passwd", b.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = b
        .client
        .post(format!("{}/templates/import/not-a-token", b.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
