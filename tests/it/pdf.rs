use crate::expected;
use crate::helpers::{assert_valid_pdf, pdf_pages, pdf_pages_raw, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_pdf_download_has_kpis_a_repeated_table_header_and_page_numbers() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    // 30-day windows keep the document short enough for a fast test.
    let r = app
        .get(&format!("/reports/{report}/download?format=pdf&days=30"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".pdf"));
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_valid_pdf(&pdf);

    let pages = pdf_pages(&pdf);
    let n = pages.len();
    assert!(n > 1, "more than one page");
    let all = pages.join("\n");
    let k = expected::kpis(30);
    for v in [
        &k.revenue,
        &k.orders,
        &k.aov,
        &k.customers,
        &k.revenue_change,
    ] {
        assert!(all.contains(v.as_str()), "{v} missing from the PDF");
    }
    assert!(all.contains("Page 2 of"), "footer page numbers");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "footer on page {}",
            i + 1
        );
    }
    // The table starts on some page and its header row is repeated on every page after it.
    let first_table_page = pages
        .iter()
        .position(|p| p.contains("Order ID"))
        .expect("table header");
    for (i, page) in pages.iter().enumerate().skip(first_table_page) {
        assert!(
            page.contains("Order ID") && page.contains("Revenue"),
            "header on page {}",
            i + 1
        );
    }
    // Every order of the window is in it, the last one included.
    let last = k.window.last().unwrap();
    assert!(all.contains(&last.id.to_string()));
    assert!(all.contains("Sales overview") && all.contains("Days per period"));
}

#[tokio::test]
async fn the_csv_and_xlsx_downloads_hold_the_window_rows() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let k = expected::kpis(90);
    let r = app
        .get(&format!("/reports/{report}/download?format=csv"))
        .await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "order_id,order_date,region,product,units,revenue"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), k.window.len());
    let o = &k.window[0];
    assert_eq!(
        rows[0],
        format!(
            "{},{},{},{},{},{}.{:02}",
            o.id,
            o.date,
            o.region,
            o.product,
            o.units,
            o.revenue_cents / 100,
            o.revenue_cents % 100
        )
    );

    let r = app
        .get(&format!("/reports/{report}/download?format=xlsx"))
        .await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
}

/// Images in a PDF, as `pdfimages -list` counts them.
fn image_count(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfimages (poppler-utils) runs");
    assert!(out.status.success());
    // Two header lines, then one line per image.
    String::from_utf8_lossy(&out.stdout).lines().skip(2).count()
}

#[tokio::test]
async fn the_pdf_opens_with_a_cover_and_contents_pointing_at_the_sections() {
    let logo_dir = tempfile::tempdir().unwrap();
    let logo = logo_dir.path().join("logo.png");
    let png = quire::render::png::from_svg(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#c0392b"/></svg>"##,
    )
    .unwrap();
    std::fs::write(&logo, png).unwrap();
    let app = spawn_app_with(|c| {
        c.branding.name = "Acme Bakery".into();
        c.branding.logo = Some(logo.clone());
    })
    .await;
    let report = app.report_id().await;
    let pdf = app
        .get(&format!("/reports/{report}/download?format=pdf&days=30"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_valid_pdf(&pdf);
    let pages = pdf_pages(&pdf);
    let cover = &pages[0];
    for text in [
        "ACME BAKERY",
        "Sales overview",
        "Generated",
        "Days per period",
        "30",
        "Contents",
    ] {
        assert!(cover.contains(text), "{text} on the cover: {cover}");
    }
    assert!(!cover.contains("Order ID"), "the cover holds no data");
    assert!(image_count(&pdf) >= 1, "the logo is in the PDF");
    // Each contents entry names the page its section starts on.
    for section in ["Key figures", "Trends", "Order detail"] {
        let line = cover
            .lines()
            .find(|l| l.contains(section))
            .unwrap_or_else(|| panic!("{section} in the contents"));
        let page: usize = line
            .trim_end()
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("a page number: {line}"));
        assert!(
            pages[page - 1].contains(section),
            "{section} is on page {page}"
        );
    }
}

#[tokio::test]
async fn watermark_classification_and_non_latin_text_reach_every_page() {
    let app = spawn_app().await;
    let rows: Vec<String> = (0..150)
        .map(|i| format!("SELECT 'Ωμέγα Привет Łódź {i}' AS label, {i} AS n"))
        .collect();
    let body = serde_json::json!({
        "name": "Καλημέρα — Отчёт",
        "query": rows.join(" UNION ALL "),
        "options": { "watermark": "DRAFT", "classification": "Internal use only" },
        "visualizations": [
            { "id": "bars", "type": "bar", "title": "Σύνολο по меткам", "dataMapping": { "x": "label", "y": "n" } },
            { "id": "rows", "type": "table", "title": "Строки" }
        ]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &body)
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get(&format!("/reports/{id}/download?format=pdf")).await;
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    assert_valid_pdf(&pdf);
    let pages = pdf_pages(&pdf);
    assert!(pages.len() >= 3, "cover and a table over pages");
    for (i, page) in pdf_pages_raw(&pdf).iter().enumerate() {
        // The watermark is set at an angle: pdftotext gives its letters apart.
        let joined: String = page.split_whitespace().collect();
        assert!(joined.contains("DRAFT"), "watermark on page {}", i + 1);
        assert!(
            page.contains("INTERNAL USE ONLY"),
            "classification on page {}",
            i + 1
        );
    }
    let all = pages.join("\n");
    for text in [
        "Καλημέρα — Отчёт",
        "Ωμέγα Привет Łódź 149",
        "Строки",
        "Σύνολο по меткам",
    ] {
        assert!(all.contains(text), "{text} rendered, not dropped");
    }

    // Over-long markings are refused on save, naming the field.
    let mut long = body.clone();
    long["name"] = "Long marking".into();
    long["options"]["watermark"] = "X".repeat(61).into();
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &long)
        .await;
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert!(
        p["detail"].as_str().unwrap().contains("options.watermark"),
        "{p}"
    );
}

#[tokio::test]
async fn the_streamed_csv_download_equals_the_rendered_file_and_refuses_bad_input_first() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let r = app
        .get(&format!("/reports/{report}/download?format=csv&days=120"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".csv"));
    let streamed = r.bytes().await.unwrap();
    assert_eq!(
        streamed.iter().filter(|b| **b == b'\n').count(),
        expected::kpis(120).window.len() + 1,
        "a header and every row of the window"
    );
    // The same rows through the in-memory renderer (an export of a generated result).
    let job: serde_json::Value = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{report}/generate"),
            &serde_json::json!({ "days": 120 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut result = None;
    for _ in 0..300 {
        let j = app
            .get_json(&format!(
                "/api/v1/reports/jobs/{}",
                job["id"].as_str().unwrap()
            ))
            .await;
        if let Some(r) = j["resultId"].as_str() {
            result = Some(r.to_string());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let rendered = app
        .get(&format!(
            "/api/v1/reports/results/{}/export?format=csv",
            result.unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(streamed, rendered);

    // Errors come before the first byte, as a status naming the problem.
    let r = app
        .get(&format!("/reports/{report}/download?format=csv&days=soon"))
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("days"));
    assert_eq!(
        app.get("/reports/nope/download?format=csv").await.status(),
        404
    );
}

/// The PDF's outline as qpdf reads it: (title, page from 1).
fn outline(pdf: &[u8]) -> Vec<(String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("qpdf")
        .args(["--json", "--json-key=outlines"])
        .arg(&path)
        .output()
        .expect("qpdf runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["outlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["title"].as_str().unwrap().to_string(),
                o["destpageposfrom1"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_long_pdf_written_in_runs_is_one_document_with_numbers_and_bookmarks_throughout() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    // 150 days of orders: over a hundred pages, several runs of pages joined into one file.
    let pdf = app
        .get(&format!("/reports/{report}/download?format=pdf&days=150"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_valid_pdf(&pdf);
    let pages = pdf_pages(&pdf);
    let n = pages.len();
    assert!(n > 70, "{n} pages");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "footer on page {}",
            i + 1
        );
    }
    let first_table_page = pages.iter().position(|p| p.contains("Order ID")).unwrap();
    for (i, page) in pages.iter().enumerate().skip(first_table_page) {
        assert!(page.contains("Order ID"), "header on page {}", i + 1);
    }
    // Orders from the start, middle and end of the window, each once.
    let k = expected::kpis(150);
    let all = pages.join("\n");
    for o in [
        &k.window[0],
        &k.window[k.window.len() / 2],
        k.window.last().unwrap(),
    ] {
        assert_eq!(
            all.matches(&format!("{} ", o.id)).count(),
            1,
            "order {}",
            o.id
        );
    }
    // A bookmark per section, pointing at the page that starts it, in order.
    let marks = outline(&pdf);
    let titles: Vec<&str> = marks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Key figures", "Trends", "Order detail"]);
    for (title, page) in &marks {
        assert!(
            pages[*page as usize - 1].contains(title.as_str()),
            "{title} on page {page}"
        );
    }
    assert_eq!(marks[2].1 as usize, first_table_page + 1);
}

/// The first page's size in points, as pdfinfo reads it.
fn page_size(pdf: &[u8]) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text.lines().find(|l| l.starts_with("Page size:")).unwrap();
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (nums[0], nums[1])
}

#[tokio::test]
async fn a_dashboard_pdf_lies_on_its_side_when_asked_and_a_bad_orientation_is_named() {
    let app = spawn_app().await;
    let list = app.get_json("/api/v1/dashboards").await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    let url = |q: &str| format!("/api/v1/dashboards/{id}/export?format=pdf{q}");
    let upright = app.get(&url("")).await.bytes().await.unwrap();
    let (w, h) = page_size(&upright);
    assert!(w < h, "A4 upright by default: {w} x {h}");
    let side = app
        .get(&url("&orientation=landscape"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_valid_pdf(&side);
    let (w, h) = page_size(&side);
    assert!(
        (w - 841.9).abs() < 1.0 && (h - 595.3).abs() < 1.0,
        "{w} x {h}"
    );
    let pages = pdf_pages(&side);
    let n = pages.len();
    assert!(pages
        .iter()
        .enumerate()
        .all(|(i, p)| p.contains(&format!("Page {} of {n}", i + 1))));
    for bad in ["sideways", "LANDSCAPE", "<b>", &"x".repeat(5000)] {
        let r = app.get(&url(&format!("&orientation={bad}"))).await;
        assert_eq!(r.status(), 422, "{bad}");
        let p: serde_json::Value = r.json().await.unwrap();
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("portrait or landscape"),
            "{p}"
        );
    }
}

/// Words of page `page` with their boxes: (text, xMin, xMax).
/// The words on a page: text, left and right edges, and top, in points.
fn words_on_page(pdf: &[u8], page: u32) -> Vec<(String, f64, f64, f64)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let p = page.to_string();
    let out = std::process::Command::new("pdftotext")
        .args(["-bbox", "-f", &p, "-l", &p, path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is installed (poppler-utils)");
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |w: &str, name: &str| -> f64 {
        let at = w.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        w[at..at + w[at..].find('"').unwrap()].parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let text = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
            let (x0, x1, y0) = (attr(w, "xMin"), attr(w, "xMax"), attr(w, "yMin"));
            (text.to_string(), x0, x1, y0)
        })
        .collect()
}

#[tokio::test]
async fn a_long_kpi_figure_stays_inside_its_card_in_the_pdf() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let r = app
        .get(&format!("/reports/{report}/download?format=pdf"))
        .await;
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    let k = expected::kpis(90);
    assert!(k.revenue.len() >= 13, "a long figure: {}", k.revenue);
    let words = words_on_page(&pdf, 2);
    let find = |t: &str| {
        words
            .iter()
            .find(|w| w.0 == t)
            .unwrap_or_else(|| panic!("{t} on page 2: {words:?}"))
            .clone()
    };
    let (revenue, orders) = (find(&k.revenue), find("ORDERS"));
    // The next card's title starts one inset after its border, the gutter after this card's
    // border, which is one inset after where this card's text may end (8 pt each).
    let room_ends = orders.1 - 24.0;
    assert!(
        revenue.2 <= room_ends + 0.5,
        "{} ends at {} pt, its card's room at {room_ends} pt",
        k.revenue,
        revenue.2
    );
}

/// A long table's page is one text block per column: every cell of a row must still sit on
/// the row's line, after empty cells too (a lost line would shift the rest of its column).
#[tokio::test]
async fn a_long_tables_cells_keep_their_rows_line_after_empty_cells() {
    let app = spawn_app().await;
    let def = serde_json::json!({
        "name": "Gaps",
        "query": "SELECT order_id, CASE WHEN order_id % 3 = 0 THEN '' ELSE product END AS product, \
                  region FROM sales ORDER BY order_id LIMIT 300",
        "rowLimit": 300,
        "visualizations": [{"id": "t", "type": "table", "title": "Orders with gaps"}]
    });
    let r = app
        .send_json(reqwest::Method::POST, "/api/v1/reports", &def)
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pdf = app
        .get(&format!("/reports/{id}/download?format=pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    let mut orders = expected::orders();
    orders.sort_by_key(|o| o.id);
    orders.truncate(300);
    let mut seen = 0;
    for page in 1..=pdf_pages(&pdf).len() as u32 {
        let words = words_on_page(&pdf, page);
        let on_line =
            |text: &str, y: f64| words.iter().any(|w| w.0 == text && (w.3 - y).abs() < 0.5);
        for o in &orders {
            let Some(w) = words.iter().find(|w| w.0 == o.id.to_string()) else {
                continue;
            };
            seen += 1;
            assert!(
                on_line(&o.region, w.3),
                "order {}: {} off its line",
                o.id,
                o.region
            );
            let number = o.product.rsplit(' ').next().unwrap();
            assert_eq!(
                on_line(number, w.3),
                o.id % 3 != 0,
                "order {}: product {} on page {page}",
                o.id,
                o.product
            );
        }
    }
    assert_eq!(seen, 300, "every order once");
}
