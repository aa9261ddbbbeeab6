//! Insights on charts: a line's forecast (`options.forecast`) and its unexpected points
//! (`options.anomalies`) on a dataset made here with a known trend, a weekly season and three
//! injected spikes, on the page, in the PDF and as the workbook's own series.

use crate::helpers::{spawn_app, TestApp};
use serde_json::{json, Value};

/// Days from 2025-01-06 (a Monday): a rising trend, quiet weekends, a little noise, and a
/// spike on each of `spikes`.
pub(crate) fn daily_csv(days: usize, spikes: &[usize]) -> Vec<u8> {
    let week = [1.0, 1.1, 1.15, 1.2, 1.3, 0.6, 0.5];
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let mut csv = String::from("day,store,sales\n");
    let mut seed: u64 = 7;
    for t in 0..days {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let noise = ((seed >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 12.0;
        let mut v = (200.0 + 0.8 * t as f64) * week[t % 7] + noise;
        if spikes.contains(&t) {
            v *= 1.6;
        }
        let day = start + chrono::Duration::days(t as i64);
        // Two stores share each day's sales.
        csv.push_str(&format!("{day},North,{:.2}\n", v * 0.6));
        csv.push_str(&format!("{day},South,{:.2}\n", v * 0.4));
    }
    csv.into_bytes()
}

pub(crate) async fn report(app: &TestApp, def: &Value) -> String {
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", def)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_line_shows_its_forecast_and_rings_the_spikes_in_every_output() {
    let app = spawn_app().await;
    let spikes = [30, 61, 95];
    crate::columnar::upload(&app, "daily", daily_csv(140, &spikes)).await;
    let def = json!({
        "name": "Daily sales ahead",
        "builder": { "dataset": "daily", "dimensions": [{ "field": "day", "bucket": "day" }],
                     "measures": [{ "field": "sales", "agg": "sum", "as": "sales", "label": "Sales" }] },
        "visualizations": [{ "id": "trend", "type": "line", "title": "Sales, next 14 days",
            "dataMapping": { "x": "day", "y": "sales" },
            "options": { "forecast": { "periods": 14 }, "anomalies": true } }]
    });
    let id = report(&app, &def).await;
    let page = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let svg = &page[page.find("<svg").unwrap()..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/forecast.svg"), format!("{svg}</svg>")).unwrap();
    }
    // Each mark's hover text.
    let tips: Vec<&str> = svg
        .split("data-tip=\"")
        .skip(1)
        .map(|t| &t[..t.find('"').unwrap()])
        .collect();
    let ahead = tips
        .iter()
        .filter(|t| t.contains("forecast (80 %:"))
        .count();
    assert_eq!(ahead, 14, "a mark per forecast day");
    let rung: Vec<&&str> = tips
        .iter()
        .filter(|t| t.contains("unexpected: expected"))
        .collect();
    assert_eq!(
        rung.len(),
        spikes.len(),
        "the spikes and nothing else: {rung:?}"
    );
    for (s, text) in spikes.iter().zip(&rung) {
        let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()
            + chrono::Duration::days(*s as i64);
        assert!(text.contains(&day.to_string()), "{day} in {text}");
    }
    assert!(
        svg.contains("\nForecast\n") && svg.contains("\nUnexpected\n"),
        "the legend"
    );
    // The forecast's last day: 14 days after the data's.
    let last =
        chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Duration::days(139 + 14);
    assert!(svg.contains(&last.to_string()), "{last}");

    let pdf = app.get(&format!("/reports/{id}/download?format=pdf")).await;
    assert_eq!(pdf.status(), 200);
    let xlsx = app
        .get(&format!("/reports/{id}/download?format=xlsx"))
        .await;
    assert_eq!(xlsx.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.xlsx");
    std::fs::write(&path, xlsx.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, json, openpyxl\nws = openpyxl.load_workbook(sys.argv[1])['Summary']\n\
             rows = [[c.value for c in r] for r in ws.iter_rows(min_col=8, max_col=11)]\n\
             head = next(r for r in rows if r[0] == 'Date')\n\
             print(json.dumps({'head': head, 'forecast': sum(1 for r in rows if isinstance(r[2], (int, float)))}))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["head"],
        json!([
            "Date",
            "Sales, next 14 days",
            "Forecast",
            "Forecast low (95 %)"
        ]),
        "{v}"
    );
    assert_eq!(v["forecast"], 14, "{v}");

    // Asked of a chart that cannot show it: refused naming the option.
    let mut bad = def.clone();
    bad["name"] = json!("Bars ahead");
    bad["visualizations"][0]["type"] = json!("bar");
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &bad)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("options.forecast: only a line or area chart"));
    let mut bad = def.clone();
    bad["name"] = json!("Too far ahead");
    bad["visualizations"][0]["options"]["forecast"]["periods"] = json!(5000);
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &bad)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("options.forecast.periods: from 1 to 366"));
}

/// Ten weeks of sales by region and product, each week like the one before but for the last,
/// where West's Product 4 sells half as much (and the other members move a little).
fn regions_csv() -> Vec<u8> {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    let mut csv = String::from("day,region,product,sales\n");
    let mut seed: u64 = 11;
    for t in 0..70 {
        let day = start + chrono::Duration::days(t);
        for (r, region) in ["East", "North", "South", "West"].iter().enumerate() {
            for p in 1..=5 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let wobble = 1.0 + ((seed >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.04;
                let mut v = (20.0 + 3.0 * r as f64 + p as f64) * wobble;
                if t >= 63 && *region == "West" && p == 4 {
                    v *= 0.5;
                }
                csv.push_str(&format!("{day},{region},Product {p},{v:.2}\n"));
            }
        }
    }
    csv.into_bytes()
}

#[tokio::test]
async fn the_narrative_names_the_region_that_dropped_and_its_product() {
    let app = spawn_app().await;
    crate::columnar::upload(&app, "weekly", regions_csv()).await;
    let measure = json!([{ "field": "sales", "agg": "sum", "as": "sales", "label": "Sales" }]);
    let def = json!({
        "name": "Weekly sales",
        "queries": {
            "trend": { "builder": { "dataset": "weekly",
                "dimensions": [{ "field": "day", "bucket": "week" }], "measures": measure } },
            "regions": { "builder": { "dataset": "weekly", "dimensions": ["region"], "measures": measure } },
            "products": { "builder": { "dataset": "weekly", "dimensions": ["product"], "measures": measure } }
        },
        "visualizations": [
            { "id": "trend", "type": "line", "title": "Sales", "query": "trend",
              "dataMapping": { "x": "day", "y": "sales" } },
            { "id": "regions", "type": "bar", "title": "By region", "query": "regions",
              "dataMapping": { "x": "region", "y": "sales" } },
            { "id": "products", "type": "bar", "title": "By product", "query": "products",
              "dataMapping": { "x": "product", "y": "sales" } }
        ]
    });
    let id = report(&app, &def).await;
    let v = app
        .get_json(&format!("/api/v1/reports/{id}/insights"))
        .await;
    let narrative = v["narrative"].as_str().unwrap();
    eprintln!("narrative: {narrative}");
    assert!(narrative.starts_with("Sales −"), "{narrative}");
    assert!(narrative.contains("vs the previous week"), "{narrative}");
    let items = v["items"].as_array().unwrap();
    let drivers: Vec<&Value> = items.iter().filter(|i| i["kind"] == "driver").collect();
    assert_eq!(drivers[0]["member"], "West", "{v}");
    assert!(drivers[0]["share"].as_f64().unwrap() > 0.5, "{v}");
    let first = drivers[0]["text"].as_str().unwrap();
    assert!(first.contains("mostly Product 4"), "{first}");
    assert!(
        narrative.contains(first),
        "the narrative says the first driver: {narrative}"
    );
    assert!(
        narrative.find("West").unwrap() < narrative.find("East").unwrap_or(usize::MAX),
        "{narrative}"
    );
    let change = items.iter().find(|i| i["kind"] == "change").unwrap();
    assert!(
        change["value"].as_f64().unwrap() < change["low"].as_f64().unwrap(),
        "outside the usual range: {change}"
    );
    assert!(narrative.contains("outside the usual range"), "{narrative}");

    // On the page as a text block, on the PDF's cover, at the top of a scheduled email.
    let mut told = def.clone();
    told["name"] = json!("Weekly sales, told");
    told["options"] = json!({ "insights": true });
    told["layout"] = json!({ "sections": [{ "title": "", "items": [
        { "text": "**This week:** {{ insights }}" }, "trend", "regions" ] }] });
    let told_id = report(&app, &told).await;
    let page = app
        .get(&format!("/reports/{told_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(first), "the text block: {first}");
    let pdf = app
        .get(&format!("/reports/{told_id}/download?format=pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/narrative.pdf"), &pdf).unwrap();
    }
    let cover = crate::helpers::pdf_pages(&pdf)[0].clone();
    assert!(
        cover.contains("WHAT CHANGED") && cover.contains("West"),
        "{cover}"
    );
    let schedule = app
        .create_schedule(json!({
            "name": "Monday sales", "reportId": told_id, "schedule": "0 7 * * 1",
            "timezone": "Europe/London", "exportFormat": "pdf",
            "recipients": [{ "type": "email", "address": "ann@example.com" }],
        }))
        .await;
    app.post(&format!("/api/v1/schedules/{schedule}/run")).await;
    let mail = app
        .smtp
        .wait_for(1, std::time::Duration::from_secs(120))
        .await;
    let msg = mail_parser::MessageParser::default()
        .parse(&mail[0].data)
        .unwrap();
    let text = msg.body_text(0).unwrap();
    assert!(text.contains("came from West (region)"), "{text}");
    assert!(msg
        .body_html(0)
        .unwrap()
        .contains("came from West (region)"));

    // A dashboard says it of its first chart over dates (the bars before it have nothing to say).
    let d = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/dashboards",
            &json!({ "name": "Weekly", "widgets": [
                { "id": "bars", "x": 0, "y": 0, "w": 6, "h": 4, "reportId": id, "visualizationId": "regions" },
                { "id": "line", "x": 0, "y": 4, "w": 12, "h": 5, "reportId": id, "visualizationId": "trend" }] }),
        )
        .await;
    assert_eq!(d.status(), 201);
    let dashboard = d.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let said = app
        .get_json(&format!("/api/v1/dashboards/{dashboard}/insights"))
        .await;
    assert_eq!(said["narrative"], v["narrative"], "{said}");
    let r = app
        .get(&format!("/api/v1/dashboards/{dashboard}/insights?f.nope=1"))
        .await;
    assert_eq!(r.status(), 400, "an unknown filter is named");
    // Asked for (`insights: true`), it opens the dashboard's PDF too; not asked, it does not.
    let plain = app
        .get(&format!("/api/v1/dashboards/{dashboard}/export?format=pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(!crate::helpers::pdf_pages(&plain)[0].contains("WHAT CHANGED"));
    let mut def = app
        .get_json(&format!("/api/v1/dashboards/{dashboard}"))
        .await;
    for k in ["id", "default"] {
        def.as_object_mut().unwrap().remove(k);
    }
    for w in def["widgets"].as_array_mut().unwrap() {
        w.as_object_mut().unwrap().remove("data");
    }
    def["insights"] = json!(true);
    let r = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/dashboards/{dashboard}"),
            &def,
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let pdf = app
        .get(&format!("/api/v1/dashboards/{dashboard}/export?format=pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    let cover = crate::helpers::pdf_pages(&pdf)[0].clone();
    assert!(
        cover.contains("WHAT CHANGED") && cover.contains("West"),
        "{cover}"
    );

    // A report without a chart over dates has nothing to say; an unknown report is 404.
    let other = app.report_id().await;
    let r = app.get(&format!("/api/v1/reports/{other}/insights")).await;
    assert_eq!(r.status(), 200);
    let r = app.get("/api/v1/reports/nope/insights").await;
    assert_eq!(r.status(), 404);
    // Parameters are checked as a run checks them: a bad value names the parameter.
    for bad in [
        "abc",
        "99999999999999999999",
        "%27%3B%20DROP%20TABLE%20sales%3B--",
    ] {
        let r = app
            .get(&format!("/api/v1/reports/{other}/insights?days={bad}"))
            .await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(status == 422 || status == 400, "{bad}: {status} {body}");
        assert!(body.contains("days"), "{bad}: {body}");
    }
}

#[tokio::test]
async fn the_builder_previews_and_saves_a_forecast_and_unexpected_points() {
    let app = spawn_app().await;
    crate::columnar::upload(&app, "daily", daily_csv(84, &[40])).await;
    let spec = json!({ "dataset": "daily", "dimensions": [{ "field": "day", "bucket": "day" }],
        "measures": [{ "field": "sales", "agg": "sum", "as": "sales" }] });
    let form = |forecast: &str| {
        vec![
            ("source", "main".to_string()),
            ("mode", "builder".into()),
            ("spec", spec.to_string()),
            ("chart", "line".into()),
            ("forecast", forecast.to_string()),
            ("anomalies", "true".into()),
        ]
    };
    let post = |path: &'static str, body: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}{path}", app.address))
                .form(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let html = post("/builder/preview", form("7"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        html.matches("forecast (80 %:").count() / 2,
        7,
        "seven days ahead"
    );
    assert!(html.contains("unexpected: expected"), "the spike ringed");
    // Past the limit: the preview says so instead of forecasting 100,000 days.
    let r = post("/builder/preview", form("100000")).await;
    let said = r.text().await.unwrap();
    assert!(said.contains("from 1 to 366"), "{said}");
    let said = post("/builder/preview", form("soon"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        said.contains("data-error-field=\"forecast\"")
            && said.contains("`soon` is not a number of periods"),
        "{said}"
    );

    let mut save = form("7");
    save.push(("name", "Daily ahead".into()));
    let r = post("/builder/save", save).await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let list = app.get_json("/api/v1/reports").await;
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Daily ahead")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let def = app.get_json(&format!("/api/v1/reports/{id}")).await;
    let chart = &def["visualizations"][0];
    assert_eq!(
        chart["options"]["forecast"],
        json!({ "periods": 7 }),
        "{def}"
    );
    assert_eq!(chart["options"]["anomalies"], json!(true));
}

/// A stand-in for an OpenAI-compatible model on loopback: `/honest` rewords the narrative it is
/// sent keeping its figures, `/liar` adds one of its own; every request body is kept.
async fn fake_model() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let kept = got.clone();
    let server = HttpServer::new(move || {
        let kept = kept.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let kept = kept.clone();
            async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                kept.lock().unwrap().push(v.clone());
                let facts: Value =
                    serde_json::from_str(v["messages"][1]["content"].as_str().unwrap_or("{}"))
                        .unwrap_or(Value::Null);
                let said = facts["narrative"].as_str().unwrap_or("").to_string();
                let content = match req.path() {
                    p if p.starts_with("/liar") => {
                        format!("In short: {said} Next month it grows by 12,345.")
                    }
                    _ => format!("In short: {said}"),
                };
                HttpResponse::Ok().json(json!({
                    "choices": [{ "message": { "role": "assistant", "content": content } }]
                }))
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    (base, got)
}

#[tokio::test]
async fn a_language_model_may_reword_the_narrative_but_not_its_figures() {
    let (base, got) = fake_model().await;
    for (path, by) in [("honest", "model"), ("liar", "templates")] {
        let url = format!("{base}/{path}/v1");
        let app = crate::helpers::spawn_app_with(|c| c.insights.llm_url = Some(url)).await;
        crate::columnar::upload(&app, "weekly", regions_csv()).await;
        let measure = json!([{ "field": "sales", "agg": "sum", "as": "sales", "label": "Sales" }]);
        let id = report(
            &app,
            &json!({
                "name": "Weekly sales",
                "builder": { "dataset": "weekly",
                    "dimensions": [{ "field": "day", "bucket": "week" }], "measures": measure },
                "visualizations": [{ "id": "trend", "type": "line", "title": "Sales",
                    "dataMapping": { "x": "day", "y": "sales" } }]
            }),
        )
        .await;
        let v = app
            .get_json(&format!("/api/v1/reports/{id}/insights"))
            .await;
        assert_eq!(v["narrativeBy"], by, "{path}: {v}");
        let narrative = v["narrative"].as_str().unwrap();
        assert_eq!(
            narrative.starts_with("In short: "),
            path == "honest",
            "{narrative}"
        );
        assert!(
            !narrative.contains("12,345"),
            "the invented figure is not said"
        );
    }
    // It was sent the aggregates and their words, never a dataset's rows.
    let sent = got.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    let body = sent[0].to_string();
    assert!(body.contains("Sales") && body.contains("items"), "{body}");
    assert!(
        !body.contains("Product 1") && body.len() < 20_000,
        "no rows: {body}"
    );
}
