//! /api/v1/reports: definitions created, read, filtered, changed and deleted; every refusal
//! names the field and leaves the stored reports as they were.

use crate::expected;
use crate::helpers::{spawn_app, spawn_app_with};
use quire::model::dashboard::DashboardDefinition;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A one-query report of revenue by region, with a parameter and two visualizations.
fn by_region(name: &str) -> Value {
    json!({
        "name": name,
        "category": "Finance",
        "tags": ["regions", "monthly"],
        "query": "SELECT region, SUM(revenue) AS revenue, COUNT(*) AS orders FROM sales \
                  WHERE units >= :min_units GROUP BY region ORDER BY region",
        "parameters": [{ "name": "min_units", "type": "number", "defaultValue": "1" }],
        "visualizations": [
            { "id": "chart", "type": "hbar", "title": "Revenue by region",
              "dataMapping": { "x": "region", "y": "revenue" }, "options": { "format": "currency" } },
            { "id": "table", "type": "table", "options": { "columnLabels": { "orders": "Orders" } } }
        ]
    })
}

#[tokio::test]
async fn a_report_is_created_listed_previewed_changed_and_deleted() {
    let app = spawn_app().await;
    let r = app
        .send_json(Method::POST, "/api/v1/reports", &by_region("Regions"))
        .await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let meta: Value = r.json().await.unwrap();
    let id = meta["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/api/v1/reports/{id}"));
    assert_eq!(meta["name"], "Regions");
    assert_eq!(meta["visualizations"], 2);

    // Filters: category and tag, case-insensitively; the demo report is in another category.
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(app.get_json("/api/v1/reports").await).len(), 2);
    assert_eq!(
        names(app.get_json("/api/v1/reports?category=finance").await),
        ["Regions"]
    );
    assert_eq!(
        names(app.get_json("/api/v1/reports?tag=MONTHLY").await),
        ["Regions"]
    );
    assert_eq!(
        names(app.get_json("/api/v1/reports?tag=weekly").await),
        ["Sales overview"]
    );
    assert!(names(app.get_json("/api/v1/reports?category=none").await).is_empty());

    // The stored definition reads back as sent, with its id.
    let def = app.get_json(&location).await;
    assert_eq!(def["id"], id.as_str());
    assert_eq!(def["visualizations"][0]["type"], "hbar");
    assert_eq!(def["parameters"][0]["name"], "min_units");

    // Its rows are the regions' totals, computed here from the CSV.
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for o in expected::orders().into_iter().filter(|o| o.units >= 3) {
        let t = totals.entry(o.region).or_default();
        t.0 += o.revenue_cents;
        t.1 += 1;
    }
    let preview = app
        .get_json(&format!("/api/v1/reports/{id}/preview?min_units=3"))
        .await;
    assert_eq!(preview["columns"], json!(["region", "revenue", "orders"]));
    let rows = preview["rows"].as_array().unwrap();
    assert_eq!(rows.len(), totals.len());
    for (row, (region, (cents, orders))) in rows.iter().zip(&totals) {
        assert_eq!(row[0], region.as_str());
        assert_eq!((row[1].as_f64().unwrap() * 100.0).round() as i64, *cents);
        assert_eq!(row[2], *orders);
    }

    // PUT replaces it: a new title, a renamed report.
    let mut changed = by_region("Regions (units)");
    changed["visualizations"][0]["title"] = json!("Units by region");
    let r = app.send_json(Method::PUT, &location, &changed).await;
    assert_eq!(r.status(), 200);
    let def = app.get_json(&location).await;
    assert_eq!(def["name"], "Regions (units)");
    assert_eq!(def["visualizations"][0]["title"], "Units by region");
    assert_eq!(def["id"], id.as_str());

    let r = app
        .client
        .delete(format!("{}{location}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.get(&location).await.status(), 404);
    let r = app
        .client
        .delete(format!("{}{location}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        names(app.get_json("/api/v1/reports").await),
        ["Sales overview"]
    );
}

#[tokio::test]
async fn bad_definitions_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let before = app.get_json("/api/v1/reports").await;
    let demo_id = app.report_id().await;
    let demo_before = app.get_json(&format!("/api/v1/reports/{demo_id}")).await;
    // The example with the value at a JSON pointer replaced (or added).
    let with = |pointer: &str, value: Value| {
        let mut b = by_region("Broken");
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let at = b.pointer_mut(parent).unwrap();
        match key.parse::<usize>() {
            Ok(i) => at[i] = value,
            Err(_) => at[key] = value,
        }
        b
    };
    let duplicate_param = {
        let mut b = by_region("Broken");
        b["parameters"] = json!([
            { "name": "min_units", "type": "number" },
            { "name": "min_units", "type": "string" }
        ]);
        b
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with("/visualizations/0/type", json!("radar")),
            422,
            "visualizations[0].type",
        ),
        (
            with("/visualizations/0/dataMapping/y", json!("profit")),
            422,
            "visualizations.chart.dataMapping.y",
        ),
        (
            with(
                "/visualizations/1/options/columnLabels",
                json!({ "margin": "M" }),
            ),
            422,
            "visualizations.table.options.columnLabels.margin",
        ),
        (duplicate_param, 422, "duplicate parameter `min_units`"),
        (with("/query", json!("DELETE FROM sales")), 422, "query"),
        (
            with("/query", json!("SELECT 1; SELECT 2")),
            422,
            "one statement",
        ),
        (with("/query", json!("SELECT nope FROM sales")), 422, "nope"),
        (with("/query", json!("ATTACH 'x.db' AS x")), 422, "query"),
        (with("/dataSource", json!("warehouse")), 422, "warehouse"),
        (with("/name", json!("  ")), 422, "name"),
        (
            with("/name", json!("Sales overview")),
            422,
            "exists already",
        ),
        (with("/id", json!("not-a-uuid")), 422, "id"),
        (with("/id", json!(demo_id.clone())), 409, "exists"),
        (with("/rowLimit", json!(-1)), 422, "rowLimit"),
        (
            with("/parameters/0/type", json!("colour")),
            422,
            "parameters[0].type",
        ),
        (with("/surprise", json!(true)), 422, "surprise"),
        (json!([1, 2, 3]), 422, ""),
    ];
    for (body, status, mentions) in cases {
        let r = app.send_json(Method::POST, "/api/v1/reports", &body).await;
        assert_eq!(r.status(), status, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert!(
            p["detail"].as_str().unwrap().contains(mentions),
            "{mentions}: {p}"
        );
    }
    // Malformed JSON and a body too large.
    let raw = |body: Vec<u8>| {
        app.client
            .post(format!("{}/api/v1/reports", app.address))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(raw(b"{\"name\": ".to_vec()).await.unwrap().status(), 400);
    assert_eq!(raw(vec![b' '; 3 << 20]).await.unwrap().status(), 413);

    // A PUT of a bad definition leaves the stored one as it was.
    let url = format!("/api/v1/reports/{demo_id}");
    let mut bad = demo_before.clone();
    bad["visualizations"][0]["dataMapping"]["value"] = json!("no_such_column");
    let r = app.send_json(Method::PUT, &url, &bad).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.get_json(&url).await, demo_before);
    let r = app
        .send_json(
            Method::PUT,
            "/api/v1/reports/00000000-0000-0000-0000-000000000000",
            &by_region("X"),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.get_json("/api/v1/reports").await, before);
}

#[tokio::test]
async fn a_report_in_use_is_not_deleted_and_its_dashboard_widgets_stay() {
    let app = spawn_app_with(|c| {
        // The short form of `[[dashboards]]`: one report, visualization ids.
        let d: DashboardDefinition = serde_json::from_value(serde_json::json!({
            "name": "Trends only", "reportId": "Sales overview", "widgets": ["daily_revenue"]
        }))
        .unwrap();
        c.dashboards.push(d)
    })
    .await;
    // The demo's own dashboard shows every visualization; leave only the one under test.
    let conn = app.ctx.store.app.get().unwrap();
    for d in quire::store::dashboard::list(&conn).unwrap() {
        if d.name() != "Trends only" {
            quire::store::dashboard::delete(&conn, &d.id).unwrap();
        }
    }
    drop(conn);
    let id = app.report_id().await;
    let url = format!("/api/v1/reports/{id}");
    let def = app.get_json(&url).await;

    let r = app
        .client
        .delete(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("schedule `Weekly sales report`"),
        "{detail}"
    );
    assert!(detail.contains("dashboard `Trends only`"), "{detail}");

    // Dropping a visualization a dashboard shows is refused; dropping another is not.
    let without = |viz: &str| {
        let mut d = def.clone();
        d["visualizations"]
            .as_array_mut()
            .unwrap()
            .retain(|v| v["id"] != viz);
        for section in d["layout"]["sections"].as_array_mut().unwrap() {
            section["items"]
                .as_array_mut()
                .unwrap()
                .retain(|i| i != viz);
        }
        d
    };
    let r = app
        .send_json(Method::PUT, &url, &without("daily_revenue"))
        .await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("`daily_revenue` is shown on dashboard `Trends only`"),
        "{p}"
    );
    assert_eq!(app.get_json(&url).await, def);

    let r = app
        .send_json(Method::PUT, &url, &without("region_share"))
        .await;
    assert_eq!(r.status(), 200);
    let now = app.get_json(&url).await;
    assert_eq!(
        now["visualizations"].as_array().unwrap().len(),
        def["visualizations"].as_array().unwrap().len() - 1
    );
    assert_eq!(
        app.get_json("/api/v1/schedules")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_builder_report_compiles_to_bound_sql_over_the_dataset() {
    let app = spawn_app().await;
    let body = json!({
        "name": "Top regions (builder)",
        "parameters": [{ "name": "min_units", "type": "number", "defaultValue": "1" }],
        "builder": {
            "dataset": "sales",
            "dimensions": ["region"],
            "measures": [
                { "field": "revenue", "agg": "sum", "as": "revenue" },
                { "field": "*", "agg": "count", "as": "orders" },
                { "field": "customer_id", "agg": "count_distinct", "as": "customers" }
            ],
            "filters": [
                { "field": "units", "op": "gte", "value": { "param": "min_units" } },
                { "field": "region", "op": "ne", "value": "North' OR 1=1 --" }
            ],
            "sort": [{ "field": "revenue", "dir": "desc" }],
            "limit": 3
        },
        "visualizations": [
            { "id": "top", "type": "bar", "dataMapping": { "x": "region", "y": "revenue" } },
            { "id": "rows", "type": "table" }
        ]
    });
    let r = app.send_json(Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = app
        .get_json("/api/v1/reports?category=")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Top regions (builder)")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Figures computed here from the CSV.
    let mut totals: BTreeMap<String, (i64, i64, std::collections::HashSet<i64>)> = BTreeMap::new();
    for o in expected::orders().into_iter().filter(|o| o.units >= 4) {
        let t = totals.entry(o.region).or_default();
        t.0 += o.revenue_cents;
        t.1 += 1;
        t.2.insert(o.customer);
    }
    let mut ranked: Vec<_> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0));
    let preview = app
        .get_json(&format!("/api/v1/reports/{id}/preview?min_units=4"))
        .await;
    assert_eq!(
        preview["columns"],
        json!(["region", "revenue", "orders", "customers"])
    );
    let rows = preview["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for (row, (region, (cents, orders, customers))) in rows.iter().zip(&ranked) {
        assert_eq!(row[0], region.as_str());
        assert_eq!((row[1].as_f64().unwrap() * 100.0).round() as i64, *cents);
        assert_eq!(row[2], *orders);
        assert_eq!(row[3], customers.len());
    }
    // The page draws it like any report.
    let html = app
        .get(&format!("/reports/{id}?min_units=4"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"chart-top\"") && html.contains(ranked[0].0.as_str()));

    // Identifiers are checked against the dataset, naming the field.
    let with = |path: &str, value: Value| {
        let mut b = body.clone();
        b["name"] = json!("Broken builder");
        *b.pointer_mut(path).unwrap() = value;
        b
    };
    for (b, mentions) in [
        (
            with(
                "/builder/dimensions/0",
                json!("region\" FROM sales; DROP TABLE sales; --"),
            ),
            "builder.dimensions[0]",
        ),
        (
            with("/builder/measures/0/field", json!("profit")),
            "builder.measures[0].field",
        ),
        (with("/builder/measures/0/agg", json!("median")), "median"),
        (
            with("/builder/filters/0/value", json!({ "param": "since" })),
            "builder.filters[0].value",
        ),
        (with("/builder/filters/1/op", json!("like")), "like"),
        (
            with("/builder/sort/0/field", json!("units")),
            "builder.sort[0].field",
        ),
        (
            with("/builder/dataset", json!("sqlite_master")),
            "builder.dataset",
        ),
        (
            with("/builder/dataset", json!("nope")),
            "no dataset named `nope`",
        ),
        (with("/builder/limit", json!(0)), "builder.limit"),
    ] {
        let r = app.send_json(Method::POST, "/api/v1/reports", &b).await;
        assert_eq!(r.status(), 422, "{b}");
        let p: Value = r.json().await.unwrap();
        assert!(
            p["detail"].as_str().unwrap().contains(mentions),
            "{mentions}: {p}"
        );
    }
    let mut both = body.clone();
    both["name"] = json!("Both");
    both["query"] = json!("SELECT 1");
    let r = app.send_json(Method::POST, "/api/v1/reports", &both).await;
    assert_eq!(r.status(), 422);
    // The dataset is still whole.
    let count = app.get_json("/api/v1/datasets/sales").await;
    assert_eq!(count["rowCount"], 20000, "{count}");
}

#[tokio::test]
async fn text_blocks_quote_the_result_on_the_page_and_in_the_pdf() {
    let app = spawn_app().await;
    // The demo report opens its key figures with a sentence.
    let k = expected::kpis(30);
    let report = app.report_id().await;
    let html = app
        .get(&format!("/reports/{report}?days=30"))
        .await
        .text()
        .await
        .unwrap();
    let [start, end, prev_start, prev_end] = &k.period;
    let sentence = format!(
        "From {start} to {end} (30 days), revenue was {} ({} on {prev_start} to {prev_end}) from {} orders.",
        k.revenue, k.revenue_change, k.orders
    );
    assert!(html.contains(&sentence), "{sentence}");
    // The description says the period too, its year included, and its number of days.
    let description = format!(
        "{start} – {end} (the last 30 days of data): revenue, orders and customers, compared with the 30 days before."
    );
    assert!(html.contains(&description), "{description}: {html}");
    assert!(end.ends_with(" 2025"), "{end}");
    // A list has no run to quote: the defaults, and the dates left out (`queries` is empty).
    let list = app.get("/reports").await.text().await.unwrap();
    assert!(
        list.contains("The last 90 days of data: revenue, orders and customers, compared with the 90 days before."),
        "{list}"
    );
    let pdf = app
        .get(&format!("/reports/{report}/download?format=pdf&days=30"))
        .await
        .bytes()
        .await
        .unwrap();
    let text: String = crate::helpers::pdf_pages(&pdf).join(" ");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&sentence), "the sentence in the PDF");
    assert!(
        flat.contains(&description),
        "the cover's description: {flat}"
    );

    // Values are text: markup in data is shown, not run.
    let body = json!({
        "name": "Markup in data",
        "query": "SELECT '<b>bold</b> & <script>alert(1)</script>' AS label, 3 AS n",
        "visualizations": [{ "id": "n", "type": "kpi", "dataMapping": { "value": "n" } },
                           { "id": "t", "type": "table" }],
        "layout": { "sections": [{ "items": ["n", { "text": "N is {{ kpis.n.value }}; {{ tables.t.rows }} row; {{ '<i>x</i>' }}" }, "t"] }] }
    });
    let r = app.send_json(Method::POST, "/api/v1/reports", &body).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let html = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    // (A text block is markdown since issue 23, item 1: its HTML writer escapes `<` as `&lt;`.)
    assert!(
        html.contains("N is 3; 1 row; &lt;i&gt;x&lt;/i&gt;"),
        "escaped on the page"
    );
    assert!(!html.contains("<i>x</i>"));

    // A broken template is refused on save, naming the item; a misspelt name fails the run.
    let mut bad = body.clone();
    bad["name"] = json!("Bad text");
    bad["layout"]["sections"][0]["items"][1] = json!({ "text": "{{ kpis.n.value " });
    let r = app.send_json(Method::POST, "/api/v1/reports", &bad).await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("layout.sections[0].items[1].text"),
        "{p}"
    );
    bad["layout"]["sections"][0]["items"][1] = json!({ "text": "{{ kpis.revenue.value }}" });
    let r = app.send_json(Method::POST, "/api/v1/reports", &bad).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get(&format!("/reports/{id}")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("text block 1"));
}

#[tokio::test]
async fn edits_through_quire_survive_a_restart_with_the_same_config() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let provision = |c: &mut quire::config::Config| {
        c.storage.data_dir = data.clone();
        c.reports.push(
            serde_json::from_value(json!({
                "name": "From config",
                "query": "SELECT region, count(*) AS orders FROM sales GROUP BY region",
                "visualizations": [{ "id": "t", "type": "table", "title": "As configured" }]
            }))
            .unwrap(),
        );
        c.schedules.push(
            serde_json::from_value(json!({
                "name": "Config schedule", "reportId": "From config", "schedule": "0 6 * * *"
            }))
            .unwrap(),
        );
    };
    let first = spawn_app_with(provision).await;
    let reports = first.get_json("/api/v1/reports").await;
    let id = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "From config")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("/api/v1/reports/{id}");
    let mut def = first.get_json(&url).await;
    def["visualizations"][0]["title"] = json!("Edited in Quire");
    assert_eq!(first.send_json(Method::PUT, &url, &def).await.status(), 200);
    let schedule = first
        .get_json("/api/v1/schedules")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Config schedule")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = first
        .client
        .patch(format!(
            "{}/api/v1/schedules/{schedule}/toggle",
            first.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Started again with the same reports.toml: the edits stay.
    let second = spawn_app_with(provision).await;
    let def = second.get_json(&url).await;
    assert_eq!(def["visualizations"][0]["title"], "Edited in Quire");
    let s = second
        .get_json(&format!("/api/v1/schedules/{schedule}"))
        .await;
    assert_eq!(s["enabled"], false, "still paused: {s}");
}

/// A report's chart queries run two at a time (on a second connection when one is free): the
/// figures are each query's own, and when queries fail the run names the first failing
/// visualization in the report's order, as when they ran one after another.
#[tokio::test]
async fn queries_run_side_by_side_keep_their_figures_and_the_first_error_in_order() {
    let app = spawn_app().await;
    let report = |regions: &str, products: &str| {
        json!({
            "name": "Side by side",
            "queries": {
                "total": {"query": "SELECT SUM(revenue) AS revenue, COUNT(*) AS orders FROM sales"},
                "regions": {"query": regions},
                "products": {"query": products}
            },
            "visualizations": [
                {"id": "orders", "type": "kpi", "title": "Orders", "query": "total", "dataMapping": {"value": "orders"}},
                {"id": "by_region", "type": "bar", "title": "By region", "query": "regions", "dataMapping": {"x": "region", "y": "orders"}},
                {"id": "by_product", "type": "bar", "title": "By product", "query": "products", "dataMapping": {"x": "product", "y": "orders"}}
            ]
        })
    };
    let good = |col: &str| {
        format!("SELECT {col}, COUNT(*) AS orders FROM sales GROUP BY {col} ORDER BY {col}")
    };
    // abs() of the smallest integer fails while the query runs, not when it is checked.
    let failing = |col: &str| {
        format!(
            "SELECT {col}, COUNT(*) AS orders FROM sales GROUP BY {col} \
             HAVING abs(-9223372036854775807 - 1) > 0"
        )
    };
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/reports",
            &report(&good("region"), &good("product")),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = app
        .get_json(&format!("/reports/{id}/download?format=json"))
        .await;
    let orders = expected::orders();
    let thousands = |n: usize| {
        let d = n.to_string();
        let mut out = String::new();
        for (i, c) in d.chars().enumerate() {
            if i > 0 && (d.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let items = &out["sections"][0]["items"];
    assert_eq!(items[0]["value"], thousands(orders.len()).as_str());
    for (i, col) in [(1, "region"), (2, "product")] {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for o in &orders {
            let key = if col == "region" {
                &o.region
            } else {
                &o.product
            };
            *counts.entry(key.clone()).or_default() += 1;
        }
        let svg = items[i]["svg"].as_str().unwrap();
        assert_eq!(svg.matches("<title>").count(), counts.len(), "{col}");
        for (k, n) in counts {
            let title = format!("<title>{k}: {}</title>", thousands(n));
            assert!(svg.contains(&title), "{col}: no {title}");
        }
    }

    // Both chart queries fail: the run names by_region, the first in the report's order.
    let location = format!("/api/v1/reports/{id}");
    let r = app
        .send_json(
            Method::PUT,
            &location,
            &report(&failing("region"), &failing("product")),
        )
        .await;
    assert_eq!(r.status(), 200);
    for _ in 0..5 {
        let r = app
            .get(&format!("/reports/{id}/download?format=json"))
            .await;
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!((400..600).contains(&status), "{status} {body}");
        assert!(body.contains("by_region"), "{body}");
        assert!(!body.contains("by_product"), "{body}");
    }
}
