//! The builder's own routes: `POST /api/v1/builder/preview`, the page's preview and save, and
//! its field list, checked against figures computed from examples/sales.csv.

use crate::expected;
use crate::helpers::{client_with, spawn_app, user_with_token};
use quire::model::user::Role;
use serde_json::{json, Value};
use std::collections::BTreeMap;

async fn preview(app: &crate::helpers::TestApp, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(format!("{}/api/v1/builder/preview", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_preview_groups_as_the_csv_does_and_draws_the_suggested_chart() {
    let app = spawn_app().await;
    let (status, v) = preview(
        &app,
        json!({ "builder": { "dataset": "sales", "dimensions": ["region"],
                             "measures": [{ "field": "revenue", "agg": "sum" }],
                             "sort": [{ "field": "region" }] } }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let mut by_region: BTreeMap<String, i64> = BTreeMap::new();
    for o in expected::orders() {
        *by_region.entry(o.region).or_default() += o.revenue_cents;
    }
    assert_eq!(v["totalRows"], by_region.len());
    assert_eq!(v["type"], "bar", "one category, one measure: bars");
    assert!(v["svg"].as_str().unwrap().starts_with("<svg"));
    assert!(v["sql"].as_str().unwrap().contains("GROUP BY"));
    let rows = v["rows"].as_array().unwrap();
    for (row, (region, cents)) in rows.iter().zip(&by_region) {
        assert_eq!(row[0], region.as_str());
        // A JSON number, not display text ("1,767,089.51").
        let shown = row[1].as_f64().unwrap_or_else(|| panic!("{row}"));
        assert!(
            (shown - *cents as f64 / 100.0).abs() < 0.01,
            "{row} vs {cents}"
        );
    }
    // No dimension: one number, drawn as a KPI.
    let (status, v) = preview(&app, json!({ "builder": { "dataset": "sales", "measures": [{ "field": "order_id", "agg": "count" }] } })).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["type"], "kpi");
    assert_eq!(
        v["kpi"][1],
        expected::group(expected::orders().len() as i64)
    );
}

#[tokio::test]
async fn a_bad_spec_is_422_naming_the_part_and_values_are_bound_not_spliced() {
    let app = spawn_app().await;
    let (status, v) = preview(
        &app,
        json!({ "builder": { "dataset": "sales", "dimensions": ["nope"] } }),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("builder.dimensions[0]"),
        "{v}"
    );
    let (status, v) = preview(
        &app,
        json!({ "builder": { "dataset": "sales\"; DROP TABLE sales; --" } }),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    let hostile = "x' OR '1'='1";
    let (status, v) = preview(
        &app,
        json!({ "builder": { "dataset": "sales", "measures": [{ "field": "order_id", "agg": "count" }],
                             "filters": [{ "field": "region", "op": "eq", "value": hostile }] } }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(
        !v["sql"].as_str().unwrap().contains(hostile),
        "bound, not spliced"
    );
    assert_eq!(v["kpi"][1], "0");
    let (status, v) = preview(&app, json!({ "query": "DELETE FROM sales" })).await;
    assert_eq!(status, 422, "{v}");
    let (status, _) = preview(
        &app,
        json!({ "builder": { "dataset": "sales" }, "query": "SELECT 1" }),
    )
    .await;
    assert_eq!(status, 422);
    // Nothing changed.
    let (_, v) = preview(&app, json!({ "builder": { "dataset": "sales", "measures": [{ "field": "order_id", "agg": "count" }] } })).await;
    assert_eq!(
        v["kpi"][1],
        expected::group(expected::orders().len() as i64)
    );
}

#[tokio::test]
async fn the_builder_is_for_editors_and_its_page_lists_fields_with_kinds() {
    let app = spawn_app().await;
    let viewer = client_with(Some(
        &user_with_token(&app.ctx, "v@example.com", Role::Viewer).1,
    ));
    for path in ["/builder", "/builder/fields?source=main&table=sales"] {
        assert_eq!(
            viewer
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
    }
    let page = app.get("/builder").await.text().await.unwrap();
    for (field, kind) in [
        ("order_date", "date"),
        ("region", "text"),
        ("revenue", "number"),
    ] {
        assert!(
            page.contains(&format!("data-field=\"{field}\" data-kind=\"{kind}\"")),
            "{field} as {kind}"
        );
    }
    for well in ["dimensions", "measures", "filters", "sort"] {
        assert!(page.contains(&format!("data-well=\"{well}\"")), "{well}");
    }
    assert!(page.contains("id=\"preview\""));
    // Counts with separators: 20,000 distinct order ids.
    assert!(page.contains("</em> 20,000 distinct</span>"), "{page}");
    let values: Vec<String> = app
        .get_json("/builder/values?source=main&table=sales&field=region&prefix=")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(values.len(), 8, "{values:?}");
    let r = app
        .get("/builder/values?source=main&table=sales&field=no_such&prefix=")
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn saving_from_the_page_makes_a_report_that_renders_and_bad_names_are_refused() {
    let app = spawn_app().await;
    let spec = json!({ "dataset": "sales", "dimensions": ["channel"], "measures": [{ "field": "units", "agg": "sum" }] });
    let save = |name: &str| {
        app.client
            .post(format!("{}/builder/save", app.address))
            .form(&[
                ("source", "main"),
                ("mode", "builder"),
                ("spec", &spec.to_string()),
                ("chart", "donut"),
                ("name", name),
                ("tags", "a, b"),
            ])
            .send()
    };
    let long = "n".repeat(300);
    let r = save(&long).await.unwrap();
    assert_eq!(r.status(), 422);
    // From the page (htmx): the problem beside the Save button, naming its field.
    let r = app
        .client
        .post(format!("{}/builder/save", app.address))
        .header("HX-Request", "true")
        .form(&[
            ("source", "main"),
            ("mode", "builder"),
            ("spec", &spec.to_string()),
            ("name", &long),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.headers().get("HX-Retarget").is_none(),
        "not the flash area"
    );
    let said = r.text().await.unwrap();
    assert!(
        said.starts_with("<p class=\"error-box\" role=\"alert\" data-error-field=\"name\">name"),
        "{said}"
    );
    let r = save("Units by channel").await.unwrap();
    assert_eq!(r.status(), 200, "followed to the report page");
    let landed = r.url().path().to_string();
    assert!(landed.starts_with("/reports/"), "{landed}");
    let id = landed.trim_start_matches("/reports/");
    let def = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(def["visualizations"][0]["type"], "donut");
    assert_eq!(def["visualizations"][0]["dataMapping"]["label"], "channel");
    assert_eq!(def["tags"], json!(["a", "b"]));
    let json_out = app
        .get(&format!("/reports/{id}/download?format=json"))
        .await;
    assert_eq!(json_out.status(), 200);
    let pdf = app.get(&format!("/reports/{id}/download?format=pdf")).await;
    assert_eq!(pdf.status(), 200);
}

#[tokio::test]
async fn the_pages_preview_aligns_number_columns_right() {
    let app = spawn_app().await;
    let spec = json!({ "dataset": "sales", "dimensions": ["region"], "measures": [{ "field": "revenue", "agg": "sum" }] });
    let r = app
        .client
        .post(format!("{}/builder/preview", app.address))
        .form(&[
            ("source", "main"),
            ("mode", "builder"),
            ("spec", &spec.to_string()),
            ("chart", "auto"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let head = &html[html.find("<thead>").unwrap()..html.find("</thead>").unwrap()];
    assert!(head.contains("<th>region</th><th class=\"num\">"), "{head}");
    let body = &html[html.find("<tbody>").unwrap()..];
    assert!(
        body.contains("<tr><td>Central</td><td class=\"num\">"),
        "{body}"
    );
}

#[tokio::test]
async fn a_previewed_query_longer_than_validate_query_takes_is_422_before_it_runs() {
    let app = spawn_app().await;
    // 100,001 characters of valid SQL: a comment pads it.
    let pad = 100_001 - "SELECT 1 AS x --".len();
    let long = format!("SELECT 1 AS x --{}", "x".repeat(pad));
    assert_eq!(long.chars().count(), 100_001);
    let (status, v) = preview(&app, json!({ "query": long })).await;
    assert_eq!(status, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("100000"), "{v}");
    let r = app
        .client
        .post(format!("{}/builder/preview", app.address))
        .form(&[
            ("source", "main"),
            ("mode", "sql"),
            ("sql", long.as_str()),
            ("chart", "auto"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(text.contains("100000"), "{status} {text}");
    // One character less is a query like any other.
    let (status, v) = preview(&app, json!({ "query": &long[..long.len() - 1] })).await;
    assert_eq!(status, 200, "{v}");
}

/// The page's preview of `spec` (a builder draft): status and HTML.
async fn page_preview(app: &crate::helpers::TestApp, spec: &Value) -> (u16, String) {
    let r = app
        .client
        .post(format!("{}/builder/preview", app.address))
        .form(&[
            ("source", "main"),
            ("mode", "builder"),
            ("spec", &spec.to_string()),
            ("chart", "auto"),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_filter_without_a_value_is_left_out_of_the_preview_and_marked_but_refused_at_save() {
    let app = spawn_app().await;
    // Region just dropped into Filters: `in` with no value yet.
    let spec = json!({ "dataset": "sales", "dimensions": ["region"],
                       "measures": [{ "field": "revenue", "agg": "sum" }],
                       "filters": [{ "field": "region", "op": "in", "value": [] }] });
    let (status, html) = page_preview(&app, &spec).await;
    assert_eq!(status, 200);
    assert!(!html.contains("error-box"), "no error: {html}");
    assert!(html.contains("id=\"preview-count\">8 rows"), "{html}");
    assert!(html.contains("data-incomplete=\"0\""), "{html}");
    assert!(
        html.contains("1 filter without a value is not applied yet."),
        "{html}"
    );
    // Given a value, it is applied.
    let mut given = spec.clone();
    given["filters"][0]["value"] = json!(["North", "South"]);
    let (_, html) = page_preview(&app, &given).await;
    assert!(html.contains("id=\"preview-count\">2 rows"), "{html}");
    assert!(!html.contains("data-incomplete"), "{html}");
    // A wrong value after an incomplete filter is named by its place in the well, in words.
    let mut wrong = spec.clone();
    wrong["filters"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "field": "units", "op": "eq", "value": "many" }));
    let (_, html) = page_preview(&app, &wrong).await;
    assert!(
        html.contains("data-error-field=\"builder.filters[1].value\">`many` is not a number"),
        "{html}"
    );
    // Saving it is refused, saying what to do.
    let r = app
        .client
        .post(format!("{}/builder/save", app.address))
        .header("HX-Request", "true")
        .form(&[
            ("source", "main"),
            ("mode", "builder"),
            ("spec", &spec.to_string()),
            ("name", "Incomplete"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let said = r.text().await.unwrap();
    assert!(
        said.contains("Choose at least one value for region"),
        "{said}"
    );
    let list = app.get_json("/api/v1/reports").await;
    assert!(!list.to_string().contains("Incomplete"), "nothing saved");
    // The API's preview keeps naming the field path.
    let (status, v) = preview(&app, json!({ "builder": spec })).await;
    assert_eq!(status, 422, "{v}");
    assert!(
        v.to_string().contains("builder.filters[0].value")
            && v["detail"]
                .as_str()
                .unwrap()
                .contains("Choose at least one value for region"),
        "{v}"
    );
}
