//! Versions and the trash through the API: a report edited three times keeps four versions
//! (who, when, a note), two of them compared in words, an old one restored runs as it did; a
//! dashboard's widget moved is said to have moved; deleted objects wait in the trash and come
//! back with their ids; hostile version numbers and notes are refused and change nothing.

use crate::helpers::{client_with, spawn_app, user_with_token, TestApp, ADMIN_EMAIL};
use quire::model::user::Role;
use serde_json::{json, Value};

fn report(name: &str, agg: &str, filters: Value) -> Value {
    json!({
        "name": name,
        "dataSource": "main",
        "builder": {
            "dataset": "sales",
            "dimensions": ["region"],
            "measures": [{"field": "revenue", "agg": agg, "as": "revenue"}],
            "filters": filters,
            "sort": [{"field": "region", "dir": "asc"}]
        },
        "visualizations": [{"id": "by_region", "type": "bar", "title": "Revenue",
                            "dataMapping": {"x": "region", "y": "revenue"}}]
    })
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = app.client.request(method, format!("{}{path}", app.address));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn rows(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/api/v1/reports/{id}/preview")).await["rows"].clone()
}

#[tokio::test]
async fn a_report_edited_three_times_is_compared_and_restored_and_runs_as_it_did() {
    let app = spawn_app().await;
    use reqwest::Method as M;
    let (s, made) = send(
        &app,
        M::POST,
        "/api/v1/reports",
        Some(report("Regions", "sum", json!([]))),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    let first_rows = rows(&app, &id).await;
    assert!(first_rows.as_array().unwrap().len() >= 3, "{first_rows}");

    let path = format!("/api/v1/reports/{id}");
    let (s, _) = send(
        &app,
        M::PUT,
        &format!("{path}?note=average%20instead"),
        Some(report("Regions", "avg", json!([]))),
    )
    .await;
    assert_eq!(s, 200);
    let west = json!([{"field": "region", "op": "ne", "value": "West"}]);
    let (s, _) = send(
        &app,
        M::PUT,
        &path,
        Some(report("Regions", "avg", west.clone())),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = send(
        &app,
        M::PUT,
        &path,
        Some(report("Regions without West", "avg", west.clone())),
    )
    .await;
    assert_eq!(s, 200);
    // A save that changes nothing is no version.
    let (s, _) = send(
        &app,
        M::PUT,
        &path,
        Some(report("Regions without West", "avg", west)),
    )
    .await;
    assert_eq!(s, 200);
    assert_ne!(rows(&app, &id).await, first_rows);

    let versions = app.get_json(&format!("{path}/versions")).await;
    let numbers: Vec<i64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    assert_eq!(versions[2]["note"], "average instead");
    assert_eq!(versions[0]["by"], ADMIN_EMAIL);
    assert!(versions[0]["at"].as_str().unwrap().ends_with('Z'));

    // Version 1 as it was, without restoring it.
    let old = app.get_json(&format!("{path}/versions/1")).await;
    assert_eq!(old["builder"]["measures"][0]["agg"], "sum");
    assert_eq!(app.get_json(&path).await["name"], "Regions without West");

    let diff = app
        .get_json(&format!("{path}/versions/4/changes?from=1"))
        .await;
    let said: Vec<String> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}: {} -> {}",
                c["kind"].as_str().unwrap(),
                c["what"].as_str().unwrap(),
                c["before"].as_str().unwrap_or("-"),
                c["after"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert!(
        said.contains(&"changed Builder › measure `revenue` › agg: sum -> avg".to_string()),
        "{said:?}"
    );
    assert!(
        said.contains(&"added Builder › filter `region ne West`: - -> region ne West".to_string()),
        "{said:?}"
    );
    assert!(
        said.contains(&"changed Name: Regions -> Regions without West".to_string()),
        "{said:?}"
    );

    let (s, named) = send(
        &app,
        M::PATCH,
        &format!("{path}/versions/1"),
        Some(json!({"name": "Before averages"})),
    )
    .await;
    assert_eq!((s, named["name"].as_str()), (200, Some("Before averages")));

    let (s, made) = send(&app, M::POST, &format!("{path}/versions/1/restore"), None).await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["version"], 5);
    assert_eq!(made["note"], "Restored from version 1");
    assert_eq!(rows(&app, &id).await, first_rows);
    assert_eq!(app.get_json(&path).await["name"], "Regions");
    let after = app.get_json(&format!("{path}/versions/5/changes")).await;
    assert!(!after["changes"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get_json(&format!("{path}/versions/5/changes?from=1"))
            .await["changes"],
        json!([])
    );
}

#[tokio::test]
async fn hostile_version_numbers_and_notes_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    use reqwest::Method as M;
    let (_, made) = send(
        &app,
        M::POST,
        "/api/v1/reports",
        Some(report("Hostile", "sum", json!([]))),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/reports/{id}");
    for v in [
        "0",
        "-1",
        "abc",
        "99",
        "1%27%20OR%201=1",
        "9223372036854775808",
    ] {
        let (s, body) = send(&app, M::GET, &format!("{path}/versions/{v}"), None).await;
        assert_eq!(s, 404, "{v}: {body}");
        let (s, _) = send(&app, M::POST, &format!("{path}/versions/{v}/restore"), None).await;
        assert_eq!(s, 404, "{v}");
    }
    let (s, body) = send(&app, M::GET, "/api/v1/reports/nope/versions", None).await;
    assert_eq!(s, 404, "{body}");
    let long = "x".repeat(201);
    let (s, body) = send(
        &app,
        M::PUT,
        &format!("{path}?note={long}"),
        Some(report("Changed", "avg", json!([]))),
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert!(
        body["errors"][0]["field"] == "note" || body["detail"].as_str().unwrap().contains("note"),
        "{body}"
    );
    assert_eq!(app.get_json(&path).await["name"], "Hostile");
    assert_eq!(
        app.get_json(&format!("{path}/versions"))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (s, _) = send(
        &app,
        M::PATCH,
        &format!("{path}/versions/1"),
        Some(json!({"name": long})),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = send(
        &app,
        M::PATCH,
        &format!("{path}/versions/1"),
        Some(json!({"name": "a\u{7}b"})),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = send(&app, M::POST, "/api/v1/trash/schedule/x/restore", None).await;
    assert_eq!(s, 404);

    // A viewer reads versions but cannot restore one.
    let (_, token) = user_with_token(&app.ctx, "viewer@example.com", Role::Viewer);
    let viewer = client_with(Some(&token));
    let r = viewer
        .get(format!("{}{path}/versions", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = viewer
        .post(format!("{}{path}/versions/1/restore", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_dashboard_moved_is_said_so_and_deleted_objects_come_back_from_the_trash() {
    let app = spawn_app().await;
    use reqwest::Method as M;
    let (_, made) = send(
        &app,
        M::POST,
        "/api/v1/reports",
        Some(report("Trash me", "sum", json!([]))),
    )
    .await;
    let rid = made["id"].as_str().unwrap().to_string();
    let dash = |x: i64| {
        json!({"name": "Board", "widgets": [
        {"id": "w1", "kind": "visualization", "reportId": rid, "visualizationId": "by_region", "x": x, "y": 0, "w": 6, "h": 4}]})
    };
    let (s, d) = send(&app, M::POST, "/api/v1/dashboards", Some(dash(0))).await;
    assert_eq!(s, 201, "{d}");
    let did = d["id"].as_str().unwrap().to_string();
    let (s, _) = send(
        &app,
        M::PUT,
        &format!("/api/v1/dashboards/{did}"),
        Some(dash(6)),
    )
    .await;
    assert_eq!(s, 200);
    let diff = app
        .get_json(&format!("/api/v1/dashboards/{did}/versions/2/changes"))
        .await;
    assert_eq!(diff["changes"][0]["kind"], "moved", "{diff}");
    assert_eq!(diff["changes"][0]["what"], "Widget `w1`");
    assert_eq!(diff["changes"][0]["after"], "column 7, row 1");
    // Version 1 opens as the dashboard it was, its widget where it was.
    let old = app
        .get(&format!("/dashboards/{did}/versions/1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(old.contains("You are looking at version 1"), "{old}");
    let widget = app
        .get(&format!("/dashboards/{did}/versions/1/widgets/w1"))
        .await;
    assert_eq!(widget.status(), 200);
    assert!(widget.text().await.unwrap().contains("<svg"));
    assert_eq!(
        app.get(&format!("/dashboards/{did}/versions/9"))
            .await
            .status(),
        404
    );

    // In use: refused, nothing moves to the trash.
    let (s, _) = send(&app, M::DELETE, &format!("/api/v1/reports/{rid}"), None).await;
    assert_eq!(s, 409);
    let (s, _) = send(&app, M::DELETE, &format!("/api/v1/dashboards/{did}"), None).await;
    assert_eq!(s, 204);
    let (s, _) = send(&app, M::DELETE, &format!("/api/v1/reports/{rid}"), None).await;
    assert_eq!(s, 204);
    assert_eq!(
        app.get(&format!("/api/v1/reports/{rid}")).await.status(),
        404
    );
    let trash = app.get_json("/api/v1/trash").await;
    let kinds: Vec<(&str, &str)> = trash
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["kind"].as_str().unwrap(), t["name"].as_str().unwrap()))
        .collect();
    assert!(
        kinds.contains(&("report", "Trash me")) && kinds.contains(&("dashboard", "Board")),
        "{trash}"
    );
    assert_eq!(trash[0]["deletedBy"], ADMIN_EMAIL);
    // Its history stays readable.
    assert_eq!(
        app.get_json(&format!("/api/v1/reports/{rid}/versions"))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The dashboard needs its report back first, and says so.
    let (s, body) = send(
        &app,
        M::POST,
        &format!("/api/v1/trash/dashboard/{did}/restore"),
        None,
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert!(body.to_string().contains("no report"), "{body}");
    let (s, body) = send(
        &app,
        M::POST,
        &format!("/api/v1/trash/report/{rid}/restore"),
        None,
    )
    .await;
    assert_eq!((s, body["id"].as_str()), (201, Some(rid.as_str())));
    let (s, _) = send(
        &app,
        M::POST,
        &format!("/api/v1/trash/dashboard/{did}/restore"),
        None,
    )
    .await;
    assert_eq!(s, 201);
    assert!(rows(&app, &rid).await.as_array().unwrap().len() >= 3);
    let d = app.get_json(&format!("/api/v1/dashboards/{did}")).await;
    assert_eq!(d["widgets"][0]["x"], 6);
    assert_eq!(app.get_json("/api/v1/trash").await, json!([]));
    let versions = app
        .get_json(&format!("/api/v1/dashboards/{did}/versions"))
        .await;
    assert_eq!(versions[0]["note"], "Restored from the trash");

    // Thirty days on, the trash empties for good, versions with it.
    let (s, _) = send(&app, M::DELETE, &format!("/api/v1/dashboards/{did}"), None).await;
    assert_eq!(s, 204);
    {
        let conn = app.ctx.store.app.get().unwrap();
        conn.execute("UPDATE trash SET deleted_at = '2020-01-01T00:00:00Z'", [])
            .unwrap();
    }
    quire::app::version::purge(&app.ctx).unwrap();
    assert_eq!(app.get_json("/api/v1/trash").await, json!([]));
    assert_eq!(
        app.get(&format!("/api/v1/dashboards/{did}/versions"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_schedule_keeps_versions_with_its_hooks_hidden() {
    let app = spawn_app().await;
    let id = app.schedule_id().await;
    let path = format!("/api/v1/schedules/{id}");
    let stored = app.get_json(&path).await;
    let mut def = json!({});
    for k in [
        "name",
        "reportId",
        "schedule",
        "timezone",
        "parameters",
        "enabled",
        "exportFormat",
    ] {
        def[k] = stored[k].clone();
    }
    def["schedule"] = json!("30 7 * * 2");
    def["recipients"] = json!([{"type": "slack", "address": "https://hooks.slack.com/services/T000/B000/SECRETSECRET"}]);
    let (s, body) = send(&app, reqwest::Method::PUT, &path, Some(def)).await;
    assert_eq!(s, 200, "{body}");
    let versions = app.get_json(&format!("{path}/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");
    let v2 = app.get_json(&format!("{path}/versions/2")).await;
    assert_eq!(v2["schedule"], "30 7 * * 2");
    assert!(!v2.to_string().contains("SECRETSECRET"), "{v2}");
    let diff = app.get_json(&format!("{path}/versions/2/changes")).await;
    assert!(!diff.to_string().contains("SECRETSECRET"), "{diff}");
    let said: Vec<String> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["kind"].as_str().unwrap(),
                c["what"].as_str().unwrap()
            )
        })
        .collect();
    assert!(said.contains(&"changed Cron".to_string()), "{said:?}");
    assert!(
        said.contains(&"removed Recipient `owner@example.com`".to_string()),
        "{said:?}"
    );
}

#[tokio::test]
async fn the_history_pages_list_compare_open_restore_and_empty_the_trash() {
    let app = spawn_app().await;
    use reqwest::Method as M;
    let (_, made) = send(
        &app,
        M::POST,
        "/api/v1/reports",
        Some(report("Paged", "sum", json!([]))),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    let (s, _) = send(
        &app,
        M::PUT,
        &format!("/api/v1/reports/{id}?note=now%20averages"),
        Some(report("Paged", "avg", json!([]))),
    )
    .await;
    assert_eq!(s, 200);

    let html = app
        .get(&format!("/reports/{id}/versions"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-version=\"2\"") && html.contains("data-version=\"1\""),
        "{html}"
    );
    assert!(html.contains("now averages"));
    assert!(html.contains("Builder › measure `revenue` › agg"), "{html}");
    assert!(
        html.contains("<td>sum</td>") && html.contains("<td>avg</td>"),
        "{html}"
    );

    // Version 1 opens as the report's page, with its sums, and says what it is.
    let old = app.get(&format!("/reports/{id}/versions/1")).await;
    assert_eq!(old.status(), 200);
    let old = old.text().await.unwrap();
    assert!(old.contains("You are looking at version 1"), "{old}");
    assert!(
        !old.contains("/download?format=pdf"),
        "an old version has no downloads"
    );
    assert_eq!(
        app.get(&format!("/reports/{id}/versions/7")).await.status(),
        404
    );

    let r = app
        .client
        .post(format!("{}/reports/{id}/versions/1/restore", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "followed to the history");
    let versions = app
        .get_json(&format!("/api/v1/reports/{id}/versions"))
        .await;
    assert_eq!(versions[0]["version"], 3);
    let r = app
        .client
        .post(format!("{}/reports/{id}/versions/2/name", app.address))
        .form(&[("name", "Averages")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get_json(&format!("/api/v1/reports/{id}/versions"))
            .await[1]["name"],
        "Averages"
    );

    let r = app
        .client
        .post(format!("{}/reports/{id}/delete", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let trash = app.get("/trash").await.text().await.unwrap();
    assert!(
        trash.contains(&format!("data-trash-id=\"{id}\"")) && trash.contains("Paged"),
        "{trash}"
    );
    let r = app
        .client
        .post(format!("{}/trash/report/{id}/restore", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(app
        .get("/trash")
        .await
        .text()
        .await
        .unwrap()
        .contains("The trash is empty"));
    assert_eq!(
        app.get(&format!("/api/v1/reports/{id}")).await.status(),
        200
    );
}
