//! Questions built on saved questions (`builder.source`): the outer question reads the inner
//! one's rows as a dataset, its parameters given, defaulted or passed on, on SQLite and on the
//! columnar engine alike, checked against pandas on the demo's CSV (`nested/expected.py`); row
//! policies hold inside; cycles, missing and SQL reports, unknown parameters and hostile ids
//! refused with words that name them; a report another is built on cannot be deleted.

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::pivot::create;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Revenue and orders by region and month, for one channel (a parameter, `Online` unless
/// given).
fn monthly() -> Value {
    json!({
        "name": "Monthly revenue by region",
        "parameters": [{ "name": "channel", "type": "string", "defaultValue": "Online" }],
        "builder": { "dataset": "sales",
            "dimensions": ["region", { "field": "order_date", "bucket": "month" }],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" },
                         { "field": "*", "agg": "count", "as": "orders" }],
            "filters": [{ "field": "channel", "op": "eq", "value": "{channel}" }] },
        "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }]
    })
}

/// The question on it: months over `least` in revenue, by region (their revenue summed, their
/// most orders), the inner question's parameters `parameters`.
fn outer(inner: &str, parameters: Value, least: f64) -> Value {
    json!({ "source": { "report": inner, "parameters": parameters },
        "dimensions": ["region"],
        "measures": [{ "field": "revenue", "agg": "sum", "as": "total" },
                     { "field": "orders", "agg": "max", "as": "most" }],
        "filters": [{ "field": "revenue", "op": "gt", "value": least }] })
}

fn expected(channel: &str, least: f64) -> BTreeMap<String, (f64, i64)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("tests/it/nested/expected.py"))
        .arg(root.join("examples/sales.csv"))
        .arg(channel)
        .arg(least.to_string())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: BTreeMap<String, (f64, i64)> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v.len() >= 4,
        "the expected answer is too thin to test: {v:?}"
    );
    v
}

async fn preview(app: &TestApp, builder: &Value) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/builder/preview", app.address))
        .json(&json!({ "builder": builder }))
        .send()
        .await
        .unwrap()
}

/// The preview's rows as region → (total, most), and the engine that answered.
async fn answer(app: &TestApp, builder: &Value) -> (BTreeMap<String, (f64, i64)>, String) {
    let r = preview(app, builder).await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    let rows = out["rows"].as_array().unwrap();
    let got = rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                (r[1].as_f64().unwrap(), r[2].as_i64().unwrap()),
            )
        })
        .collect();
    (got, out["engine"].as_str().unwrap().to_string())
}

fn same(got: &BTreeMap<String, (f64, i64)>, want: &BTreeMap<String, (f64, i64)>) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (region, (total, most)) in want {
        let (t, m) = got[region];
        assert!(
            (t - total).abs() < 1e-6 * total.abs().max(1.0),
            "{region}: {t} vs {total}"
        );
        assert_eq!(m, *most, "{region}");
    }
}

async fn refused(app: &TestApp, builder: &Value, words: &[&str]) {
    let r = preview(app, builder).await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 422, "{text}");
    for w in words {
        assert!(text.contains(w), "`{w}` not in {text}");
    }
}

#[tokio::test]
async fn a_question_on_a_saved_one_answers_as_pandas_on_both_engines() {
    let app = spawn_app().await;
    let inner = create(&app, &monthly()).await;

    // Its parameter's default, then a value given.
    let (got, engine) = answer(&app, &outer(&inner, json!({}), 2000.0)).await;
    assert_eq!(engine, "columnar", "the demo's sales has a columnar copy");
    same(&got, &expected("Online", 2000.0));
    let (got, _) = answer(&app, &outer(&inner, json!({ "channel": "Retail" }), 1500.0)).await;
    same(&got, &expected("Retail", 1500.0));

    // The SQL reads the inner question as a subquery, its values renamed apart.
    let r = preview(&app, &outer(&inner, json!({ "channel": "Retail" }), 1500.0)).await;
    let out: Value = r.json().await.unwrap();
    let sql = out["sql"].as_str().unwrap();
    assert!(sql.contains("AS \"question\""), "{sql}");
    assert!(sql.contains("quire_n_channel"), "{sql}");
    let bound = out["bound"].as_array().unwrap();
    assert!(
        bound.contains(&json!(["$quire_n_channel", "'Retail'"])),
        "{bound:?}"
    );

    // The same on SQLite alone.
    let lite = spawn_app_with(|c| c.limits.engine_memory_mb = 0).await;
    let inner = create(&lite, &monthly()).await;
    let (got, engine) = answer(&lite, &outer(&inner, json!({ "channel": "Phone" }), 500.0)).await;
    assert_eq!(engine, "sqlite");
    same(&got, &expected("Phone", 500.0));
}

#[tokio::test]
async fn a_saved_question_on_a_saved_one_takes_its_own_parameter_through() {
    let app = spawn_app().await;
    let inner = create(&app, &monthly()).await;
    let mut spec = outer(&inner, json!({ "channel": "{ch}" }), 1000.0);
    spec["sort"] = json!([{ "field": "region", "dir": "asc" }]);
    let def = json!({
        "name": "Best months by region",
        "parameters": [{ "name": "ch", "type": "string", "defaultValue": "Wholesale" }],
        "builder": spec,
        "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }]
    });
    let id = create(&app, &def).await;
    for (given, channel) in [("", "Wholesale"), ("&ch=Retail", "Retail")] {
        let out = app
            .get_json(&format!("/reports/{id}/download?format=json{given}"))
            .await;
        same(&shown_rows(&table_of(&out)), &expected(channel, 1000.0));
    }
    // A question on that one in turn: three deep.
    let top = json!({ "source": { "report": id, "parameters": { "ch": "Online" } },
        "dimensions": [], "measures": [{ "field": "total", "agg": "sum", "as": "all" }] });
    let r = preview(&app, &top).await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    let want: f64 = expected("Online", 1000.0).values().map(|v| v.0).sum();
    let got = out["rows"][0][0].as_f64().unwrap();
    assert!((got - want).abs() < 1e-6 * want, "{got} vs {want}");

    // The report the others are built on stays while they do.
    let r = app
        .client
        .delete(format!("{}/api/v1/reports/{inner}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let text = r.text().await.unwrap();
    assert!(text.contains("Best months by region"), "{text}");
    assert_eq!(
        app.get(&format!("/api/v1/reports/{inner}")).await.status(),
        200
    );
}

#[tokio::test]
async fn questions_that_cannot_be_read_are_refused_naming_why() {
    let app = spawn_app().await;
    let inner = create(&app, &monthly()).await;
    let sql = create(
        &app,
        &json!({ "name": "Hand-written", "query": "SELECT region FROM sales",
                 "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }] }),
    )
    .await;
    let ok = outer(&inner, json!({}), 0.0);

    let mut missing = ok.clone();
    missing["source"]["report"] = json!("no-such-report");
    refused(
        &app,
        &missing,
        &["builder.source.report", "no report with id"],
    )
    .await;
    let mut hostile = ok.clone();
    hostile["source"]["report"] = json!("x' OR '1'='1'; DROP TABLE reports; --");
    refused(&app, &hostile, &["no report with id"]).await;
    let mut huge = ok.clone();
    huge["source"]["report"] = json!("r".repeat(100_000));
    refused(&app, &huge, &["no report with id"]).await;
    let mut on_sql = ok.clone();
    on_sql["source"]["report"] = json!(sql);
    refused(&app, &on_sql, &["Hand-written", "SQL report"]).await;
    let mut unknown = ok.clone();
    unknown["source"]["parameters"] = json!({ "chanel": "Online" });
    refused(
        &app,
        &unknown,
        &["builder.source.parameters.chanel", "no such parameter"],
    )
    .await;
    let mut not_ours = ok.clone();
    not_ours["source"]["parameters"] = json!({ "channel": "{nope}" });
    refused(&app, &not_ours, &["no parameter `nope` to pass on"]).await;
    let mut long = ok.clone();
    long["source"]["parameters"] = json!({ "channel": "x".repeat(5000) });
    refused(
        &app,
        &long,
        &["builder.source.parameters.channel", "longer than 1000"],
    )
    .await;
    // A value that reads as SQL is a value: bound, it matches no channel, and nothing changes.
    let mut sql_value = ok.clone();
    sql_value["source"]["parameters"] = json!({ "channel": "Online'; DROP TABLE sales; --" });
    let (got, _) = answer(&app, &sql_value).await;
    assert!(got.is_empty(), "{got:?}");
    for path in [
        "/builder/fields?source=main&table=question:x'%20OR%201=1--",
        "/builder/values?source=main&table=question:..%2F..&field=region&prefix=",
    ] {
        let r = app.get(path).await;
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }
    let mut both = ok.clone();
    both["dataset"] = json!("sales");
    refused(&app, &both, &["builder.source", "not both"]).await;
    let mut wrong_field = ok.clone();
    wrong_field["dimensions"] = json!(["channel"]);
    refused(
        &app,
        &wrong_field,
        &[
            "builder.dimensions[0]",
            "`channel`",
            "region, order_date, revenue, orders",
        ],
    )
    .await;

    // A cycle: the inner question changed to read the one built on it.
    let middle = create(
        &app,
        &json!({ "name": "On monthly", "builder": outer(&inner, json!({}), 0.0),
                 "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }] }),
    )
    .await;
    let mut looped = monthly();
    looped["builder"] = json!({ "source": { "report": middle }, "dimensions": ["region"],
        "measures": [{ "field": "total", "agg": "sum" }] });
    let r = app
        .client
        .put(format!("{}/api/v1/reports/{inner}", app.address))
        .json(&looped)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.contains("builder.source.report"), "{text}");
    assert!(text.contains("built on itself"), "{text}");
    // Nothing was written: the inner question answers as before, over every sales row.
    let (got, _) = answer(&app, &ok).await;
    same(&got, &expected("Online", 0.0));

    // Four deep is one too many.
    let mut last = middle;
    for i in 0..3 {
        let def = json!({ "name": format!("Level {i}"),
            "builder": { "source": { "report": last }, "dimensions": ["region"],
                         "measures": [{ "field": "total", "agg": "sum", "as": "total" },
                                      { "field": "most", "agg": "max", "as": "most" }] },
            "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }] });
        let r = app
            .client
            .post(format!("{}/api/v1/reports", app.address))
            .json(&def)
            .send()
            .await
            .unwrap();
        if i < 2 {
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            last = r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
        } else {
            assert_eq!(r.status(), 422);
            let text = r.text().await.unwrap();
            assert!(text.contains("3 deep at most"), "{text}");
        }
    }
}

/// The rows of the report `id`'s table as region → (total, most), read by `who`.
async fn report_rows(
    app: &TestApp,
    who: &crate::helpers::Who,
    id: &str,
) -> BTreeMap<String, (f64, i64)> {
    let out = who
        .json(app, &format!("/reports/{id}/download?format=json"))
        .await;
    shown_rows(&table_of(&out))
}

/// The table item of a report's JSON.
fn table_of(out: &Value) -> Value {
    out["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().clone())
        .find(|i| i["kind"] == "table")
        .unwrap_or_else(|| panic!("no table in {out}"))
}

/// A table item's rows as shown (`1,234.50`) read back as region → (total, most).
fn shown_rows(table: &Value) -> BTreeMap<String, (f64, i64)> {
    let number = |v: &Value| v.as_str().unwrap().replace(',', "");
    table["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows in {table}"))
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                (
                    number(&r[1]).parse::<f64>().unwrap(),
                    number(&r[2]).parse::<i64>().unwrap(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn row_policies_hold_inside_the_saved_question() {
    let app = spawn_app().await;
    let inner = create(&app, &monthly()).await;
    let def = json!({ "name": "Best months", "builder": outer(&inner, json!({}), 2000.0),
        "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }] });
    let id = create(&app, &def).await;
    let gid = crate::row_policies::north_policy(&app).await;
    let north =
        crate::helpers::Who::new(&app, "north@example.com", quire::model::user::Role::Viewer);
    crate::row_policies::join(&app, &gid, &north, "North").await;
    let outsider =
        crate::helpers::Who::new(&app, "nobody@example.com", quire::model::user::Role::Viewer);

    let all = expected("Online", 2000.0);
    let mine = report_rows(&app, &north, &id).await;
    let want: BTreeMap<String, (f64, i64)> = all
        .iter()
        .filter(|(r, _)| *r == "North")
        .map(|(r, v)| (r.clone(), *v))
        .collect();
    same(&mine, &want);
    assert!(
        report_rows(&app, &outsider, &id).await.is_empty(),
        "no policy of theirs: no row"
    );
    let admin = crate::helpers::Who::new(&app, "boss@example.com", quire::model::user::Role::Admin);
    same(&report_rows(&app, &admin, &id).await, &all);
}

#[tokio::test]
async fn the_builder_page_offers_saved_questions_with_their_columns_as_fields() {
    let app = spawn_app().await;
    let inner = create(&app, &monthly()).await;
    let page = app.get("/builder").await.text().await.unwrap();
    assert!(
        page.contains("<optgroup label=\"Saved questions\">"),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<option value=\"question:{inner}\">Monthly revenue by region</option>"
        )),
        "{page}"
    );
    let page = app
        .get(&format!("/builder?table=question:{inner}"))
        .await
        .text()
        .await
        .unwrap();
    for (field, kind) in [
        ("region", "text"),
        ("order_date", "date"),
        ("revenue", "number"),
        ("orders", "number"),
    ] {
        assert!(
            page.contains(&format!("data-field=\"{field}\" data-kind=\"{kind}\"")),
            "{field} as {kind}"
        );
    }
    assert!(
        !page.contains("data-field=\"channel\""),
        "only the question's columns"
    );
    assert!(
        page.contains(&format!("&#34;report&#34;:&#34;{inner}&#34;"))
            || page.contains(&format!("&quot;report&quot;:&quot;{inner}&quot;")),
        "the draft reads the question"
    );
    let fields = app
        .get(&format!(
            "/builder/fields?source=main&table=question:{inner}"
        ))
        .await;
    assert_eq!(fields.status(), 200);
    assert!(fields
        .text()
        .await
        .unwrap()
        .contains("data-field=\"orders\""));
    // Editing the question itself: it is not offered as its own source.
    let page = app
        .get(&format!("/builder?report={inner}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains(&format!("question:{inner}")),
        "not built on itself"
    );
}

#[tokio::test]
async fn a_question_on_a_saved_one_is_built_in_the_browser() {
    if !crate::browser::browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let inner = create(&app, &monthly()).await;
    let args = vec![app.address.clone(), inner.clone()];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("nested.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], json!([]), "{v}");
    assert_eq!(v["offered"], json!(["Monthly revenue by region"]), "{v}");
    assert_eq!(
        v["fields"],
        json!([
            "region:text",
            "order_date:date",
            "revenue:number",
            "orders:number"
        ]),
        "{v}"
    );
    assert_eq!(v["params"], json!(["channel"]), "{v}");
    assert!(
        v["sql"].as_str().unwrap().contains("AS \"question\""),
        "{v}"
    );
    assert_eq!(v["bound"], true, "the parameter given: {v}");
    // Every Retail order's revenue by region, as pandas adds it up.
    let want = expected("Retail", f64::MIN);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), want.len(), "{v}");
    for r in rows {
        let region = r[0].as_str().unwrap();
        let got: f64 = r[1].as_str().unwrap().replace(',', "").parse().unwrap();
        assert!(
            (got - want[region].0).abs() < 0.01,
            "{region}: {got} vs {want:?}"
        );
    }
    let saved = v["savedAt"].as_str().unwrap();
    assert!(saved.starts_with("/reports/"), "{v}");
    let id = saved.trim_start_matches("/reports/");
    let def = app.get_json(&format!("/api/v1/reports/{id}")).await;
    let source = &def["builder"]["source"];
    assert_eq!(source["report"], inner.as_str(), "{def}");
    assert_eq!(
        source["parameters"],
        json!({ "channel": "Retail" }),
        "{def}"
    );
}

#[tokio::test]
async fn a_dashboard_filter_targets_a_saved_questions_column() {
    let app = spawn_app().await;
    let inner = create(&app, &monthly()).await;
    let def = json!({ "name": "Best months", "builder": outer(&inner, json!({}), 0.0),
        "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }] });
    let id = create(&app, &def).await;
    let board = |field: &str| {
        json!({ "name": format!("On {field}"),
        "widgets": [{ "id": "best", "x": 0, "y": 0, "w": 12, "h": 5, "reportId": id, "visualizationId": "rows" }],
        "filters": [{ "id": "r", "label": "Region", "type": "select",
                      "targets": [{ "widgetId": "best", "field": field }] }] })
    };
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&board("region"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let dash = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let html = app
        .dashboard_html(&format!("/dashboards/{dash}?f.r=North"))
        .await;
    // The filter offers the question's regions; the widget shows North's row only.
    assert!(html.contains(">Southwest</option>"), "{html}");
    assert!(
        html.contains(">North</td>") && !html.contains(">Southwest</td>"),
        "only North: {html}"
    );
    // The dataset's channel is not a column of the question.
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&board("channel"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("`Monthly revenue by region` has no field `channel`"),
        "{text}"
    );
}
