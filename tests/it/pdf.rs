use crate::expected;
use crate::helpers::{assert_valid_pdf, pdf_pages, spawn_app};

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
