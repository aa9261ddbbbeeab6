//! The render queue under a burst and when clients go away.

use crate::helpers::{client_with, spawn_app_with, TestApp};
use std::time::Duration;

/// A figure from `/metrics`.
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}

/// A client of `app`'s administrator that gives up after `ms`.
fn impatient(app: &TestApp, ms: u64) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(ms))
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", app.token).parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_burst_of_pdf_downloads_gets_200_or_503_and_the_server_serves_the_next_one() {
    let app = spawn_app_with(|c| {
        c.limits.render_workers = 1;
        c.limits.render_queue = 3;
    })
    .await;
    let report = app.report_id().await;
    let url = format!(
        "{}/reports/{report}/download?format=pdf&days=30",
        app.address
    );
    let burst = (0..100).map(|_| {
        let (client, url) = (app.client.clone(), url.clone());
        async move {
            let r = client.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            let body = r.bytes().await.unwrap();
            (status, retry, body)
        }
    });
    let answers = tokio::time::timeout(
        Duration::from_secs(300),
        futures_util::future::join_all(burst),
    )
    .await
    .expect("every answer comes in bounded time");
    let ok = answers.iter().filter(|a| a.0 == 200).count();
    let busy = answers.iter().filter(|a| a.0 == 503).count();
    assert_eq!(
        ok + busy,
        100,
        "only 200 or 503: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(ok >= 1 && busy >= 1, "{ok} served, {busy} refused");
    for (status, retry, body) in &answers {
        if *status == 200 {
            assert!(body.starts_with(b"%PDF-"));
        } else {
            assert!(
                retry.is_some_and(|s| (1..=120).contains(&s)),
                "Retry-After: {retry:?}"
            );
            let text = String::from_utf8_lossy(body);
            assert!(text.contains("busy rendering"), "{text}");
        }
    }
    assert_eq!(
        metric(&app, "quire_render_refused_total").await,
        busy as f64
    );
    assert_eq!(metric(&app, "quire_render_queue_depth").await, 0.0);
    // After the burst a download is served at once.
    let r = tokio::time::timeout(Duration::from_secs(60), app.get(&url[app.address.len()..]))
        .await
        .expect("served promptly after the burst");
    assert_eq!(r.status(), 200);
    assert!(metric(&app, "quire_render_seconds_count").await >= ok as f64 + 1.0);
}

#[tokio::test]
async fn a_download_whose_client_leaves_leaves_the_queue_and_stops_its_render() {
    let app = spawn_app_with(|c| {
        c.limits.render_workers = 1;
        c.limits.render_queue = 8;
    })
    .await;
    let report = app.report_id().await;
    // Every order of the demo in one table: 300 pages, the longest PDF Quire makes (the demo
    // report's longest period renders in well under the clients' patience).
    let all = serde_json::json!({
        "name": "All orders",
        "query": "SELECT * FROM sales ORDER BY order_id",
        "rowLimit": 20000,
        "visualizations": [{"id": "t", "type": "table", "title": "Orders"}]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &all)
        .await;
    assert_eq!(r.status(), 201);
    let all = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A long render (hundreds of pages) whose client gives up while it runs…
    let impatient = |ms: u64| impatient(&app, ms);
    let long = format!("{}/reports/{all}/download?format=pdf", app.address);
    let first = tokio::spawn({
        let (c, u) = (impatient(700), long.clone());
        async move { c.get(u).send().await.is_err() }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    // …and one that gives up while it waits behind it.
    assert!(
        impatient(400).get(&long).send().await.is_err(),
        "timed out while queued"
    );
    assert!(first.await.unwrap(), "timed out while rendering");
    // The waiting one left the queue; the running one stops at its next stage.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let abandoned = metric(&app, "quire_render_abandoned_total").await;
        let cancelled = metric(&app, "quire_render_cancelled_total").await;
        let running = metric(&app, "quire_renders_running").await;
        if abandoned >= 1.0 && cancelled >= 1.0 && running == 0.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "abandoned {abandoned}, cancelled {cancelled}, running {running}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(metric(&app, "quire_render_queue_depth").await, 0.0);
    // The next download works.
    let ok = client_with(Some(&app.token))
        .get(format!(
            "{}/reports/{report}/download?format=pdf&days=7",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_crowd_past_the_door_is_answered_503_at_once_and_health_still_answers() {
    let app = spawn_app_with(|c| {
        c.limits.requests = 2;
        c.limits.request_queue = 1;
        c.limits.cache_mb = 0;
    })
    .await;
    // A query that takes a while: both turns are held by it.
    let slow = app
        .create_report(&serde_json::json!({
            "name": "Slow",
            "query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000000) \
                      SELECT count(*) AS c FROM n",
            "visualizations": [{ "id": "t", "type": "table" }]
        }))
        .await;
    let url = format!("{}/api/v1/reports/{slow}/preview", app.address);
    let held: Vec<_> = (0..3)
        .map(|_| {
            let (c, u) = (app.client.clone(), url.clone());
            tokio::spawn(async move { c.get(u).send().await.unwrap().status().as_u16() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Two working, one waiting: the next is refused at once, with when to come back.
    let started = std::time::Instant::now();
    let r = app.get("/api/v1/reports").await;
    assert_eq!(r.status(), 503);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.headers()["retry-after"], "1");
    let p: serde_json::Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("busy"), "{p}");
    // Health passes the door and needs no pooled connection.
    let started = std::time::Instant::now();
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(metric(&app, "quire_requests_shed_total").await >= 1.0);
    for h in held {
        assert!([200, 503].contains(&h.await.unwrap()));
    }
    // The crowd gone, the door opens.
    assert_eq!(app.get("/api/v1/reports").await.status(), 200);
}

/// A report whose one query never ends: a count over an endless recursion.
async fn endless(app: &TestApp) -> String {
    app.create_report(&serde_json::json!({
        "name": "Endless",
        "query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
                  SELECT count(*) AS c FROM n",
        "visualizations": [{ "id": "t", "type": "table" }]
    }))
    .await
}

#[tokio::test]
async fn a_csv_download_whose_client_leaves_stops_its_query_and_frees_its_slot() {
    let app = spawn_app_with(|c| {
        c.limits.render_workers = 1;
        c.limits.query_timeout_ms = 60_000;
    })
    .await;
    let report = app.report_id().await;
    let endless = endless(&app).await;
    let impatient = impatient(&app, 800);
    let url = format!("{}/reports/{endless}/download?format=csv", app.address);
    // The client reads the headers, then gives up waiting for the rows.
    let left = async {
        let r = impatient.get(&url).send().await?;
        r.bytes().await
    }
    .await;
    assert!(left.is_err(), "the client gave up");
    // The one render slot is free again well before the query's minute.
    let started = std::time::Instant::now();
    loop {
        if metric(&app, "quire_renders_running").await == 0.0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the slot is still held"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        app.get(&format!("/reports/{report}/download?format=pdf&days=7")),
    )
    .await
    .expect("the next download is served");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn a_csv_stream_whose_query_gives_no_row_stops_at_the_query_timeout() {
    let app = spawn_app_with(|c| c.limits.query_timeout_ms = 1_500).await;
    let endless = endless(&app).await;
    let started = std::time::Instant::now();
    let r = app
        .get(&format!("/reports/{endless}/download?format=csv"))
        .await;
    // The headers went out before the rows; the body ends short once the query is stopped.
    let body = tokio::time::timeout(Duration::from_secs(30), r.bytes())
        .await
        .expect("the stream ends, not after the stream's ten minutes");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let text = body
        .map(|b| String::from_utf8_lossy(&b).to_string())
        .unwrap_or_default();
    assert!(
        !text.contains('\n') || text.lines().count() <= 1,
        "no row: {text}"
    );
    assert_eq!(metric(&app, "quire_renders_running").await, 0.0);
    // Nothing half-made is kept as an export.
    let exports = app.get_json("/api/v1/exports").await;
    assert!(
        exports
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["reportId"] != endless.as_str()),
        "{exports}"
    );
}
