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
