//! Several measures on one chart: every measure drawn (bars side by side), one of another unit
//! on a second axis as a line over the bars, in the page's SVG, the PDF and the workbook's
//! native chart (a column chart combined with a line chart on the secondary axis).

use crate::helpers::spawn_app;
use serde_json::json;
use std::io::Read;

#[tokio::test]
async fn several_measures_are_drawn_and_a_second_axis_reaches_every_output() {
    let app = spawn_app().await;
    let report = json!({
        "name": "Revenue and average price",
        "builder": { "dataset": "sales", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue", "label": "Revenue" },
                         { "field": "cost", "agg": "sum", "as": "cost", "label": "Cost" },
                         { "expr": "round(sum(revenue) / sum(units), 2)", "as": "price", "label": "Average price" }] },
        "visualizations": [{ "id": "chart", "type": "bar", "title": "By region",
            "dataMapping": { "x": "region", "y": ["revenue", "cost", "price"] },
            "options": { "axis2": ["price"] } }]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &report)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let page = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    for label in ["Revenue", "Cost", "Average price (right)"] {
        assert!(
            page.contains(label),
            "the legend names {label}: {}",
            &page[page.find("<svg").unwrap_or(0)..]
                .chars()
                .take(3000)
                .collect::<String>()
        );
    }

    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        // Each chart of the page (the desktop one and the one drawn for phones), to look at.
        for (i, svg) in page.split("<svg").skip(1).enumerate() {
            let end = svg.find("</svg>").map_or(svg.len(), |e| e + 6);
            std::fs::write(
                format!("{dir}/measures-{i}.svg"),
                format!("<svg{}", &svg[..end]),
            )
            .unwrap();
        }
    }
    let pdf = app.get(&format!("/reports/{id}/download?format=pdf")).await;
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.unwrap();
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/measures.pdf"), &pdf).unwrap();
    }
    let text = crate::helpers::pdf_pages(&pdf).concat();
    assert!(text.contains("Average price (right)"), "{text}");

    let xlsx = app
        .get(&format!("/reports/{id}/download?format=xlsx"))
        .await;
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/measures.xlsx"), &bytes).unwrap();
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().unwrap().starts_with("xl/charts/chart") {
            f.read_to_string(&mut xml).unwrap();
        }
    }
    assert_eq!(xml.matches("<c:ser>").count(), 3, "{xml}");
    assert!(
        xml.contains("<c:barChart>") && xml.contains("<c:lineChart>"),
        "{xml}"
    );
    assert_eq!(xml.matches("<c:valAx>").count(), 2, "two value axes: {xml}");

    // A second axis names a measure the chart draws, on a bar chart; a series column and a
    // list of measures do not mix.
    for (options, mapping, words) in [
        (
            json!({ "axis2": ["nope"] }),
            json!({ "x": "region", "y": ["revenue", "cost"] }),
            "options.axis2: `nope` is not a measure",
        ),
        (
            json!({ "axis2": ["revenue", "cost"] }),
            json!({ "x": "region", "y": ["revenue", "cost"] }),
            "keep at least one measure on the first axis",
        ),
    ] {
        let mut bad = report.clone();
        bad["name"] = json!(format!("Refused: {words}"));
        bad["visualizations"][0]["options"] = options;
        bad["visualizations"][0]["dataMapping"] = mapping;
        let r = app
            .send_json(reqwest::Method::POST, "/api/v1/reports", &bad)
            .await;
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        // Refused when saved, or when it runs: either way the words say why.
        if status == 201 {
            let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            let page = app
                .get(&format!("/reports/{id}"))
                .await
                .text()
                .await
                .unwrap();
            assert!(page.contains(words), "{words}: {page}");
        } else {
            assert_eq!(status, 422, "{body}");
            assert!(body.contains(words), "{body}");
        }
    }
}
