//! Row policies, tried as an outsider would: a North manager (region = North in their
//! attributes, in a group whose policy shows `region = {{user.region}}`) reads the example
//! sales through every path and never meets another region's row, checked against
//! examples/sales.csv read here without Quire; a user in no policy group sees no row (fail
//! closed); SQL written by hand on a policed dataset is refused for them; taking them out of the
//! group counts from their next request; admins see every row.

use crate::helpers::{spawn_app, TestApp, Who};
use quire::model::user::Role;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Revenue in cents per region of the example CSV.
pub(crate) fn revenue_by_region() -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (region, revenue) = (at("region"), at("revenue"));
    let mut out = BTreeMap::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        *out.entry(f[region].to_string()).or_default() +=
            (f[revenue].parse::<f64>().unwrap() * 100.0).round() as i64;
    }
    out
}

async fn admin_post(app: &TestApp, path: &str, body: &Value) -> Value {
    let r = app
        .client
        .post(format!("{}{path}", app.address))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "POST {path}: {v}");
    v
}

/// The group "North managers" with a policy on `sales`: `region = {{user.region}}`; its id.
pub(crate) async fn north_policy(app: &TestApp) -> String {
    let g = admin_post(app, "/api/v1/groups", &json!({"name": "North managers"})).await;
    let gid = g["id"].as_str().unwrap().to_string();
    admin_post(
        app,
        "/api/v1/row-policies",
        &json!({"dataset": "sales", "groupId": gid,
                "filter": {"field": "region", "op": "eq", "value": "{{user.region}}"}}),
    )
    .await;
    gid
}

/// Puts `who` in group `gid` with `region` as their attribute.
pub(crate) async fn join(app: &TestApp, gid: &str, who: &Who, region: &str) {
    let r = app
        .client
        .post(format!(
            "{}/api/v1/groups/{gid}/members/{}",
            app.address, who.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .client
        .patch(format!("{}/api/v1/users/{}", app.address, who.id))
        .json(&json!({"attributes": {"region": region}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let user: Value = r.json().await.unwrap();
    assert_eq!(user["attributes"]["region"], region, "{user}");
    assert_eq!(user["groups"][0]["name"], "North managers", "{user}");
}

/// A builder report of revenue and orders by region (a table), and a dashboard of it; their ids.
pub(crate) async fn region_report(app: &TestApp) -> (String, String) {
    let report = admin_post(
        app,
        "/api/v1/reports",
        &json!({ "name": "Revenue by region (policies)", "builder": {
            "dataset": "sales", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
            "sort": [{ "field": "region" }] },
          "visualizations": [
            { "id": "bars", "type": "bar", "title": "Revenue by region",
              "dataMapping": { "x": "region", "y": "revenue" } },
            { "id": "rows", "type": "table", "title": "By region" }] }),
    )
    .await;
    let rid = report["id"].as_str().unwrap().to_string();
    let board = admin_post(
        app,
        "/api/v1/dashboards",
        &json!({"name": "Regions (policies)", "reportId": rid}),
    )
    .await;
    (rid, board["id"].as_str().unwrap().to_string())
}

/// (region, revenue in cents) of a JSON result's rows.
pub(crate) fn regions(rows: &Value) -> BTreeMap<String, i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                (r[1].as_f64().unwrap() * 100.0).round() as i64,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_north_manager_meets_no_other_region_on_any_path() {
    let app = spawn_app().await;
    let csv = revenue_by_region();
    let north_only: BTreeMap<String, i64> = [("North".to_string(), csv["North"])].into();
    let gid = north_policy(&app).await;
    let north = Who::new(&app, "north@example.com", Role::Editor);
    join(&app, &gid, &north, "North").await;
    let (report, board) = region_report(&app).await;

    // Report preview and the builder's preview.
    let preview = north
        .json(&app, &format!("/api/v1/reports/{report}/preview"))
        .await;
    assert_eq!(regions(&preview["rows"]), north_only, "{preview}");
    let admin = app
        .get_json(&format!("/api/v1/reports/{report}/preview"))
        .await;
    assert_eq!(regions(&admin["rows"]), csv, "admins see every row");
    let built = north
        .post(
            &app,
            "/api/v1/builder/preview",
            &json!({"builder": {"dataset": "SALES", "dimensions": ["region"],
                    "measures": [{"field": "revenue", "agg": "sum", "as": "revenue"}]}}),
        )
        .await;
    assert_eq!(built.status(), 200);
    let built: Value = built.json().await.unwrap();
    assert_eq!(
        regions(&built["rows"]),
        north_only,
        "whatever the case: {built}"
    );
    // The SQL it shows them says what it reads, never the compiler's tags (SQL that starts
    // with them would pass for the compiler's).
    let shown = built["sql"].as_str().unwrap();
    assert!(
        shown.contains("\"region\" = ") && !shown.contains("quire:"),
        "{shown}"
    );

    // The dashboard's API with its data, and its widget and table pages.
    let d = north
        .json(&app, &format!("/api/v1/dashboards/{board}"))
        .await;
    let text = d.to_string();
    assert!(text.contains("North") && !text.contains("South") && !text.contains("Northeast"));
    for part in ["widgets/bars", "widgets/rows", "table/rows"] {
        let page = north
            .get(&app, &format!("/dashboards/{board}/{part}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("North"), "{part}: {page}");
        for other in ["South", "Northeast", "Central", "Pacific"] {
            assert!(!page.contains(other), "{part} shows {other}");
        }
    }
    // Drilling into a bar of another region finds no row.
    let drill = north
        .get(
            &app,
            &format!("/dashboards/{board}/widgets/bars/rows?value=South"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!drill.contains("Product"), "{drill}");

    // Downloads: CSV, XLSX (read back), PDF text.
    let csv_file = north
        .get(&app, &format!("/reports/{report}/download?format=csv"))
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv_file.lines().filter(|l| !l.is_empty()).collect();
    assert!(
        lines.len() >= 2 && lines[1..].iter().all(|l| l.starts_with("North,")),
        "{csv_file}"
    );
    let pdf = north
        .get(&app, &format!("/reports/{report}/download?format=pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    let pages = crate::helpers::pdf_pages(&pdf).join("\n");
    assert!(
        pages.contains("North") && !pages.contains("South"),
        "{pages}"
    );

    // A generated result holds their rows; theirs is theirs alone, an admin's is not theirs.
    let job: Value = north
        .post(
            &app,
            &format!("/api/v1/reports/{report}/generate"),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let done = app.finished_job(job["id"].as_str().unwrap()).await;
    let result = north
        .json(
            &app,
            &format!(
                "/api/v1/reports/results/{}",
                done["resultId"].as_str().unwrap()
            ),
        )
        .await;
    assert!(!result.to_string().contains("South"), "{result}");
    let theirs: Value = app
        .client
        .post(format!("{}/api/v1/reports/{report}/generate", app.address))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let done = app.finished_job(theirs["id"].as_str().unwrap()).await;
    let url = format!(
        "/api/v1/reports/results/{}",
        done["resultId"].as_str().unwrap()
    );
    assert_eq!(
        north.get(&app, &url).await.status(),
        404,
        "an admin's result"
    );
    assert_eq!(app.get(&url).await.status(), 200);

    // A share they make shows, to anyone, what they saw.
    let made: Value = north
        .post(&app, "/api/v1/shares", &json!({"dashboardId": board}))
        .await
        .json()
        .await
        .unwrap();
    let url = made["url"].as_str().unwrap();
    let path = &url[url.find("/s/").unwrap()..];
    let shown = app
        .anon
        .get(format!("{}{path}/widgets/rows", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shown.contains("North") && !shown.contains("South"),
        "{shown}"
    );

    // The dataset's rows, its row count (theirs, not the whole's), and the builder's picker.
    let ds = north.json(&app, "/api/v1/datasets/sales").await;
    let north_rows =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.split(',').any(|f| f == "North"))
            .count();
    assert_eq!(
        ds["rowCount"].as_u64(),
        Some(north_rows as u64),
        "{}",
        ds["rowCount"]
    );
    let listed = north.json(&app, "/api/v1/datasets").await;
    let sales = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "sales")
        .unwrap();
    assert_eq!(sales["rowCount"].as_u64(), Some(north_rows as u64));
    let page = north.get(&app, "/datasets").await.text().await.unwrap();
    let count = |n: usize| quire::report::format::thousands(n as f64, 0);
    assert!(
        page.contains(&format!("class=\"num rows\">{}<", count(north_rows))),
        "{page}"
    );
    let total = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(
        !page.contains(&count(total)),
        "the whole's count is not theirs to know"
    );
    let rows = ds["preview"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        ds["preview"].to_string().matches("\"North\"").count() == rows.len(),
        "{ds}"
    );
    let picked = north
        .get(
            &app,
            "/builder/values?source=main&table=sales&field=region&prefix=",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        picked.contains("North") && !picked.contains("South"),
        "{picked}"
    );
    // Statistics over every row are refused, saying why.
    let stats = north.get(&app, "/datasets/sales/columns").await;
    assert_eq!(stats.status(), 403);
    assert!(stats.text().await.unwrap().contains("row policies"));
}

#[tokio::test]
async fn sql_by_hand_on_a_policed_dataset_is_refused_for_them_and_not_for_admins() {
    let app = spawn_app().await;
    let gid = north_policy(&app).await;
    let north = Who::new(&app, "north@example.com", Role::Editor);
    join(&app, &gid, &north, "North").await;
    for sql in [
        "SELECT region, sum(revenue) FROM sales GROUP BY region",
        "SELECT * FROM SALES",
        "WITH s AS (SELECT * FROM \"sales\") SELECT count(*) FROM s",
        "SELECT (SELECT count(*) FROM sales) AS n",
    ] {
        let r = north
            .post(&app, "/api/v1/validate-query", &json!({"query": sql}))
            .await;
        let body = r.text().await.unwrap();
        assert!(body.contains("row policies"), "{sql}: {body}");
        let admin = app
            .client
            .post(format!("{}/api/v1/validate-query", app.address))
            .json(&json!({"query": sql}))
            .send()
            .await
            .unwrap();
        let ok: Value = admin.json().await.unwrap();
        assert_eq!(ok["valid"], true, "{sql}: {ok}");
    }
    // A SQL report an admin made: theirs runs, the North manager's run is refused.
    let report = admin_post(
        &app,
        "/api/v1/reports",
        &json!({"name": "By hand", "query": "SELECT region, sum(revenue) AS revenue FROM sales GROUP BY region",
                "visualizations": [{"id": "t", "type": "table", "title": "t"}]}),
    )
    .await;
    let id = report["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/reports/{id}/preview"))
            .await
            .status(),
        200
    );
    let refused = north
        .get(&app, &format!("/api/v1/reports/{id}/preview"))
        .await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("row policies") && !body.contains("South"),
        "{body}"
    );
}

#[tokio::test]
async fn no_policy_of_theirs_no_row_and_leaving_the_group_counts_at_once() {
    let app = spawn_app().await;
    let gid = north_policy(&app).await;
    let north = Who::new(&app, "north@example.com", Role::Viewer);
    let stranger = Who::new(&app, "stranger@example.com", Role::Viewer);
    let lacking = Who::new(&app, "lacking@example.com", Role::Viewer);
    join(&app, &gid, &north, "North").await;
    // In the group but without the attribute its policy quotes: nothing.
    let r = app
        .client
        .post(format!(
            "{}/api/v1/groups/{gid}/members/{}",
            app.address, lacking.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (report, _) = region_report(&app).await;
    let path = format!("/api/v1/reports/{report}/preview");
    assert_eq!(
        north.json(&app, &path).await["rows"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for who in [&stranger, &lacking] {
        let p = who.json(&app, &path).await;
        assert_eq!(p["rows"], json!([]), "{p}");
    }
    // Out of the group: from the next request, no row.
    let r = app
        .client
        .delete(format!(
            "{}/api/v1/groups/{gid}/members/{}",
            app.address, north.id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(north.json(&app, &path).await["rows"], json!([]));
    // The policy gone, the dataset is no longer policed: everyone sees every row again.
    let policies = app.get_json("/api/v1/row-policies").await;
    let pid = policies[0]["id"].as_str().unwrap();
    let r = app
        .client
        .delete(format!("{}/api/v1/row-policies/{pid}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        stranger.json(&app, &path).await["rows"]
            .as_array()
            .unwrap()
            .len(),
        revenue_by_region().len()
    );
}

#[tokio::test]
async fn bad_groups_attributes_and_policies_are_refused_naming_what_is_wrong() {
    let app = spawn_app().await;
    let gid = north_policy(&app).await;
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}{path}", app.address))
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let long = "x".repeat(101);
    for (body, needle) in [
        (json!({"name": ""}), "name"),
        (json!({"name": long}), "name"),
        (json!({"name": "a\u{7}b"}), "control"),
        (json!({"name": "north MANAGERS"}), "exists"),
        (json!({"name": "x", "extra": 1}), "extra"),
    ] {
        let (status, text) = post("/api/v1/groups", body.clone()).await;
        assert!((400..500).contains(&status), "{body}: {status}");
        assert!(text.contains(needle), "{body}: {text}");
    }
    let policy = |dataset: &str, field: &str, op: &str, value: Value| json!({"dataset": dataset, "groupId": gid, "filter": {"field": field, "op": op, "value": value}});
    for (body, needle) in [
        (policy("nope", "region", "eq", json!("x")), "no dataset"),
        (policy("sales", "nope", "eq", json!("x")), "no column"),
        (
            policy("sales", "units", "eq", json!("many")),
            "filter.value",
        ),
        (
            policy("sales", "region", "eq", json!("{{ region }}")),
            "{{user.",
        ),
        (policy("sales", "region", "like", json!("x")), "op"),
        (
            json!({"dataset": "sales", "groupId": "nope",
                "filter": {"field": "region", "op": "eq", "value": "x"}}),
            "groupId",
        ),
        (
            policy("sales", "region", "in", json!(vec!["x"; 1001])),
            "1000",
        ),
    ] {
        let (status, text) = post("/api/v1/row-policies", body.clone()).await;
        assert!((400..500).contains(&status), "{body}: {status} {text}");
        assert!(text.contains(needle), "{body}: {text}");
    }
    // A `{name}` value is a literal in a policy, never a report parameter.
    let (status, _) = post(
        "/api/v1/row-policies",
        policy("sales", "region", "eq", json!("{days}")),
    )
    .await;
    assert_eq!(status, 201);
    let user = Who::new(&app, "someone@example.com", Role::Viewer);
    let patch = |attrs: Value| {
        let (app, id) = (&app, user.id.clone());
        async move {
            let r = app
                .client
                .patch(format!("{}/api/v1/users/{id}", app.address))
                .json(&json!({"attributes": attrs}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let many: BTreeMap<String, String> = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
    for (attrs, needle) in [
        (json!({"a b": "x"}), "not a key"),
        (json!({"region": "x".repeat(201)}), "200"),
        (json!({"region": "a\u{0}b"}), "control"),
        (json!(many), "at most 50"),
        (json!({"region": 5}), "attributes"),
    ] {
        let (status, text) = patch(attrs.clone()).await;
        assert!((400..500).contains(&status), "{attrs}: {status}");
        assert!(text.contains(needle), "{attrs}: {text}");
    }
    let stored = app.get_json(&format!("/api/v1/users/{}", user.id)).await;
    assert_eq!(stored["attributes"], json!({}), "nothing stored: {stored}");
    // Viewers and editors may not touch any of it.
    let editor = Who::new(&app, "editor@example.com", Role::Editor);
    for path in ["/api/v1/groups", "/api/v1/row-policies"] {
        assert_eq!(editor.get(&app, path).await.status(), 403);
        assert_eq!(editor.post(&app, path, &json!({})).await.status(), 403);
    }
}

/// The CSV attached to mail `n` of the test SMTP server.
async fn attached_csv(app: &TestApp, n: usize) -> String {
    use mail_parser::{MessageParser, MimeHeaders};
    let mail = app
        .smtp
        .wait_for(n, std::time::Duration::from_secs(120))
        .await;
    let msg = MessageParser::default().parse(&mail[n - 1].data).unwrap();
    let a = msg
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".csv")))
        .expect("a CSV attachment");
    String::from_utf8(a.contents().to_vec()).unwrap()
}

#[tokio::test]
async fn a_schedule_sends_what_whoever_saved_it_last_may_see() {
    let app = spawn_app().await;
    let gid = north_policy(&app).await;
    let north = Who::new(&app, "north@example.com", Role::Editor);
    join(&app, &gid, &north, "North").await;
    let (report, _) = region_report(&app).await;
    let body = json!({"name": "Regions by mail", "reportId": report, "schedule": "0 9 * * 1",
                      "timezone": "UTC", "exportFormat": "csv",
                      "recipients": [{"type": "email", "address": "boss@example.com"}]});
    let made = north.post(&app, "/api/v1/schedules", &body).await;
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let id = made["id"].as_str().unwrap().to_string();
    let run = |who: &'static str| {
        let (app, id) = (&app, id.clone());
        async move {
            let r = app
                .client
                .post(format!("{}/api/v1/schedules/{id}/run", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 202, "{who}");
        }
    };
    // Run by an admin, it still reads as the North manager who saved it.
    run("north's").await;
    let sent = attached_csv(&app, 1).await;
    let rows: Vec<&str> = sent.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.starts_with("North,")),
        "{sent}"
    );
    // Saved again by an admin, it sends every region.
    let r = app
        .client
        .put(format!("{}/api/v1/schedules/{id}", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    run("the admin's").await;
    let sent = attached_csv(&app, 2).await;
    assert!(sent.contains("South,") && sent.contains("North,"), "{sent}");
}

#[tokio::test]
async fn a_limited_editor_finds_only_the_alerts_they_saved() {
    let app = spawn_app().await;
    let gid = north_policy(&app).await;
    let north = Who::new(&app, "north@example.com", Role::Editor);
    join(&app, &gid, &north, "North").await;
    let (report, _) = region_report(&app).await;
    let alert = |name: &str| {
        json!({"name": name, "reportId": report, "column": "revenue", "perMember": "region",
               "schedule": "0 6 * * *", "timezone": "UTC",
               "condition": {"type": "below", "value": 10},
               "recipients": [{"type": "email", "address": "ops@example.com"}]})
    };
    let theirs = admin_post(&app, "/api/v1/alerts", &alert("Every region")).await;
    let theirs = theirs["id"].as_str().unwrap().to_string();
    let mine = north
        .post(&app, "/api/v1/alerts", &alert("North only"))
        .await;
    assert_eq!(mine.status(), 201);
    let listed = north.json(&app, "/api/v1/alerts").await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["North only"], "{listed}");
    for path in [
        format!("/api/v1/alerts/{theirs}"),
        format!("/api/v1/alerts/{theirs}/history"),
        format!("/alerts/{theirs}"),
    ] {
        assert_eq!(north.get(&app, &path).await.status(), 404, "{path}");
    }
    let page = north.get(&app, "/alerts").await.text().await.unwrap();
    assert!(page.contains("North only") && !page.contains("Every region"));
    assert_eq!(
        app.get_json("/api/v1/alerts")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
