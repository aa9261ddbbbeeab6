//! The template gallery: the sales template applied to a CSV whose columns are named otherwise
//! (`Date`, `Amount`, `Store`, `Client`) matches them by name, type and content, leaves out the
//! widgets whose fields it lacks, and its dashboard's totals are the CSV's; every template
//! works on its sample data; an explore dashboard of any dataset; bad mappings are refused
//! naming the field and write nothing.

use crate::helpers::{spawn_bare, TestApp};
use serde_json::{json, Value};

async fn upload(app: &TestApp, name: &str, csv: &str) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
                .file_name(format!("{name}.csv")),
        )
        .text("name", name.to_string());
    let r = app
        .client
        .post(format!("{}/api/v1/datasets", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

async fn post(app: &TestApp, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut r = app.client.post(format!("{}{path}", app.address));
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A shop's sales, named its own way: 5 stores, 40 clients, 2025–2026.
fn shop_csv() -> (String, f64) {
    let mut csv = String::from("Date,Amount,Store,Client\n");
    let mut total = 0.0;
    for i in 0..600u32 {
        let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
            + chrono::Duration::days((i * 7 % 690) as i64);
        let amount = ((i * 37) % 500) as f64 + 0.25;
        total += amount;
        csv.push_str(&format!(
            "{day},{amount},Store {},Client {}\n",
            i % 5,
            i % 40
        ));
    }
    (csv, total)
}

/// A dashboard's widgets as its API shows them, by widget id.
async fn widgets(app: &TestApp, id: &str) -> Vec<Value> {
    app.get_json(&format!("/api/v1/dashboards/{id}")).await["widgets"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn the_sales_template_fits_a_shop_named_otherwise_and_its_totals_are_the_csvs() {
    let app = spawn_bare().await;
    let (csv, total) = shop_csv();
    upload(&app, "shop", &csv).await;
    let list = app.get_json("/api/v1/templates").await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "sales",
            "inventory",
            "receivables",
            "subscriptions",
            "profit_loss",
            "funnel"
        ]
    );

    let fit = app
        .get_json("/api/v1/templates/sales/fit?dataset=shop")
        .await;
    let m = &fit["mapping"];
    assert_eq!(
        (m["order_date"].as_str(), m["revenue"].as_str()),
        (Some("date"), Some("amount")),
        "{fit}"
    );
    assert_eq!(m["customer"], "client", "{fit}");
    assert!(m["category"] == "store" || m["channel"] == "store", "{fit}");
    assert_eq!(m["cost"], Value::Null);

    let mapping: serde_json::Map<String, Value> = m
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let body = json!({"dataset": "shop", "mapping": mapping});
    let (s, dry) = post(
        &app,
        "/api/v1/templates/sales/apply",
        Some(&json!({"dataset": "shop", "mapping": mapping, "dryRun": true})),
    )
    .await;
    assert_eq!(s, 200, "{dry}");
    assert_eq!(
        app.get_json("/api/v1/dashboards").await,
        json!([]),
        "a dry run writes nothing"
    );
    let (s, made) = post(&app, "/api/v1/templates/sales/apply", Some(&body)).await;
    assert_eq!(s, 201, "{made}");
    let left: Vec<&str> = made["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(left.iter().any(|l| l.contains("Cost")), "{left:?}");
    let did = made["dashboardId"].as_str().unwrap().to_string();
    let ws = widgets(&app, &did).await;
    assert!(ws.len() >= 3, "{ws:?}");

    // The revenue card is the CSV's total.
    let kpi = made["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str().unwrap().starts_with("Sales at a glance"))
        .expect("the KPI report");
    let preview = app
        .get_json(&format!(
            "/api/v1/reports/{}/preview",
            kpi["id"].as_str().unwrap()
        ))
        .await;
    let cols: Vec<&str> = preview["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().or(c["name"].as_str()).unwrap())
        .collect();
    let at = cols
        .iter()
        .position(|c| *c == "sales_total")
        .expect("sales_total");
    let got = preview["rows"][0][at].as_f64().unwrap();
    assert!((got - total).abs() < 0.01, "{got} vs {total}");

    // Every widget of the page draws.
    let html = app.dashboard_html(&format!("/dashboards/{did}")).await;
    assert!(!html.contains("class=\"error-box"), "a widget failed");
    // Again: the same dashboard is updated.
    let (s, again) = post(&app, "/api/v1/templates/sales/apply", Some(&body)).await;
    assert_eq!(s, 201);
    assert_eq!(again["dashboardId"], did.as_str());
    assert_eq!(
        app.get_json("/api/v1/dashboards")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn every_template_works_on_its_sample_data() {
    let app = spawn_bare().await;
    for t in [
        "sales",
        "inventory",
        "receivables",
        "subscriptions",
        "profit_loss",
        "funnel",
    ] {
        let (s, made) = post(&app, &format!("/api/v1/templates/{t}/sample"), None).await;
        assert_eq!(s, 201, "{t}: {made}");
        assert_eq!(made["leftOut"], json!([]), "{t}");
        let did = made["dashboardId"].as_str().unwrap();
        let ws = widgets(&app, did).await;
        assert!(ws.len() >= 5, "{t}: {ws:?}");
        for o in made["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["kind"] == "report")
        {
            let p = app
                .get_json(&format!(
                    "/api/v1/reports/{}/preview",
                    o["id"].as_str().unwrap()
                ))
                .await;
            assert!(
                p["totalRows"].as_u64().unwrap() > 0,
                "{t}: {} has no rows",
                o["name"]
            );
        }
        let html = app.dashboard_html(&format!("/dashboards/{did}")).await;
        assert!(!html.contains("class=\"error-box"), "{t}: a widget failed");
    }
}

#[tokio::test]
async fn bad_mappings_are_refused_naming_the_field_and_write_nothing() {
    let app = spawn_bare().await;
    let (csv, _) = shop_csv();
    upload(&app, "shop", &csv).await;
    let cases = [
        (json!({"dataset": "nope", "mapping": {}}), "dataset"),
        (
            json!({"dataset": "shop", "mapping": {"revenue": "amount"}}),
            "mapping.order_date",
        ),
        (
            json!({"dataset": "shop", "mapping": {"order_date": "store", "revenue": "amount"}}),
            "mapping.order_date",
        ),
        (
            json!({"dataset": "shop", "mapping": {"order_date": "date", "revenue": "nope"}}),
            "mapping.revenue",
        ),
        (
            json!({"dataset": "shop", "mapping": {"order_date": "date", "revenue": "amount", "x\"; DROP TABLE shop; --": "date"}}),
            "mapping.x\"; DROP TABLE shop; --",
        ),
        (
            json!({"dataset": "shop", "mapping": {"order_date": "date", "revenue": "amount"}, "extra": 1}),
            "extra",
        ),
    ];
    for (body, field) in cases {
        let (s, p) = post(&app, "/api/v1/templates/sales/apply", Some(&body)).await;
        assert_eq!(s, 422, "{field}: {p}");
        let named = p["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == field));
        assert!(named, "{field}: {p}");
    }
    let (s, _) = post(
        &app,
        "/api/v1/templates/nope/apply",
        Some(&json!({"dataset": "shop"})),
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(app.get_json("/api/v1/dashboards").await, json!([]));
    assert_eq!(app.get_json("/api/v1/reports").await, json!([]));
    assert_eq!(
        app.get("/api/v1/templates/sales/fit?dataset=nope")
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn any_dataset_can_be_explored_as_a_dashboard() {
    let app = spawn_bare().await;
    let (csv, total) = shop_csv();
    upload(&app, "shop", &csv).await;
    let (s, made) = post(&app, "/api/v1/datasets/shop/autodash", None).await;
    assert_eq!(s, 201, "{made}");
    let did = made["dashboardId"].as_str().unwrap().to_string();
    let d = app.get_json(&format!("/api/v1/dashboards/{did}")).await;
    assert_eq!(d["name"], "Explore shop");
    let kinds: Vec<String> = made["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        kinds.iter().any(|k| k.contains("key figures"))
            && kinds.iter().any(|k| k.contains("over time"))
            && kinds.iter().any(|k| k.contains("top store"))
            && kinds.iter().any(|k| k.contains("spread")),
        "{kinds:?}"
    );
    let figures = made["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str().unwrap().contains("key figures"))
        .unwrap();
    let p = app
        .get_json(&format!(
            "/api/v1/reports/{}/preview",
            figures["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(p["rows"][0][0], 600);
    assert!(
        (p["rows"][0][1].as_f64().unwrap() - total).abs() < 0.01,
        "{p}"
    );
    let html = app.dashboard_html(&format!("/dashboards/{did}")).await;
    assert!(!html.contains("class=\"error-box"));
    let (s, again) = post(&app, "/api/v1/datasets/shop/autodash", None).await;
    assert_eq!(
        (s, again["dashboardId"].as_str()),
        (201, Some(did.as_str()))
    );
    let (s, _) = post(&app, "/api/v1/datasets/nope/autodash", None).await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn the_gallery_pages_match_columns_and_create_the_dashboard() {
    let app = spawn_bare().await;
    let (csv, _) = shop_csv();
    upload(&app, "shop", &csv).await;
    let html = app
        .get("/templates?dataset=shop")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("class=\"template-card\"").count(), 6, "{html}");
    assert!(html.contains("<option value=\"shop\" selected>"));
    let png = app.get("/static/templates/sales.png").await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");

    let form = app
        .get("/templates/sales/use?dataset=shop")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("<option value=\"amount\" selected>amount (real)</option>"),
        "{form}"
    );
    assert!(
        form.contains(
            "<figcaption>Gross margin</figcaption>\n      <p class=\"muted\">Left out: needs Cost"
        ),
        "{form}"
    );
    let fit = &form[form.find("id=\"widget-fit\"").unwrap()..];
    assert!(
        fit.contains("<figcaption>Revenue</figcaption>") && fit.contains("<svg"),
        "the widgets are drawn: {fit}"
    );

    // A required field left unmapped: the form again, saying which.
    let r = app
        .client
        .post(format!("{}/templates/sales/use", app.address))
        .form(&[
            ("dataset", "shop"),
            ("m.order_date", ""),
            ("m.revenue", "amount"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let again = r.text().await.unwrap();
    assert!(again.contains("mapping.order_date"), "{again}");
    assert_eq!(app.get_json("/api/v1/dashboards").await, json!([]));

    let r = app
        .client
        .post(format!("{}/templates/sales/use", app.address))
        .form(&[
            ("dataset", "shop"),
            ("m.order_date", "date"),
            ("m.revenue", "amount"),
            ("m.customer", "client"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "followed to the dashboard");
    assert!(r.url().path().starts_with("/dashboards/"));
    let page = r.text().await.unwrap();
    assert!(page.contains("Sales — shop"), "{page}");

    let r = app
        .client
        .post(format!("{}/datasets/shop/explore", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Explore shop"));
}

#[tokio::test]
async fn an_optional_field_left_unmapped_takes_out_what_reads_it_and_nothing_else() {
    let app = spawn_bare().await;
    let (s, _) = post(&app, "/api/v1/templates/inventory/sample", None).await;
    assert_eq!(s, 201);
    let list = app.get_json("/api/v1/templates").await;
    let inventory = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "inventory")
        .unwrap();
    let mapping: serde_json::Map<String, Value> = inventory["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .filter(|f| f != "reorder_point")
        .map(|f| (f.clone(), json!(f)))
        .collect();
    let (s, made) = post(
        &app,
        "/api/v1/templates/inventory/apply",
        Some(&json!({"dataset": "sample_inventory", "mapping": mapping})),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    let left = made["leftOut"].to_string();
    assert!(
        left.contains("Below reorder point") && left.contains("Reorder point"),
        "{left}"
    );
    let did = made["dashboardId"].as_str().unwrap();
    let html = app.dashboard_html(&format!("/dashboards/{did}")).await;
    assert!(!html.contains("class=\"error-box"), "a widget failed");
}
