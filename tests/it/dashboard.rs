use crate::expected;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_home_page_shows_the_sales_kpis_computed_from_the_example_csv() {
    let app = spawn_app().await;
    assert_eq!(app.get("/").await.status(), 200);
    let html = app.dashboard_html("/").await;
    let k = expected::kpis(90);
    for (what, value) in [
        ("revenue", &k.revenue),
        ("revenue change", &k.revenue_change),
        ("orders", &k.orders),
        ("orders change", &k.orders_change),
        ("average order value", &k.aov),
        ("aov change", &k.aov_change),
        ("customers", &k.customers),
        ("customers change", &k.customers_change),
    ] {
        assert!(
            html.contains(value.as_str()),
            "{what} {value} missing from the page"
        );
    }
    assert!(html.contains("Sales overview"));
}

#[tokio::test]
async fn the_charts_are_inline_svg() {
    let app = spawn_app().await;
    let html = app.dashboard_html("/").await;
    for id in ["daily_revenue", "top_products", "region_share"] {
        let at = html
            .find(&format!("id=\"chart-{id}\""))
            .unwrap_or_else(|| panic!("chart {id} missing"));
        let svg = html[at..]
            .find("<svg")
            .expect("an svg after the chart heading");
        let next_figure = html[at + 1..].find("<figure").unwrap_or(usize::MAX);
        assert!(svg < next_figure, "chart {id} has no inline svg");
    }
    // The top product of the window is labelled on the bar chart.
    let k = expected::kpis(90);
    let mut by_product = std::collections::HashMap::<&str, i64>::new();
    for o in &k.window {
        *by_product.entry(&o.product).or_default() += o.revenue_cents;
    }
    let top = by_product
        .iter()
        .max_by_key(|(p, c)| (**c, std::cmp::Reverse(**p)))
        .unwrap();
    assert!(
        html.contains(top.0),
        "top product {} not on the chart",
        top.0
    );
}

#[tokio::test]
async fn the_orders_table_pages_through_the_window_with_htmx_partials() {
    let app = spawn_app().await;
    let k = expected::kpis(90);
    let html = app.dashboard_html("/").await;
    let first = &k.window[0];
    assert!(
        html.contains(&format!(">{}<", first.id)),
        "first order {} on page 1",
        first.id
    );
    assert!(html.contains("hx-get=\"/dashboards/"), "pager uses htmx");

    let dashboard = app.dashboard_id().await;
    let r = app
        .get(&format!(
            "/dashboards/{dashboard}/table/orders?days=90&page=2"
        ))
        .await;
    assert_eq!(r.status(), 200);
    let partial = r.text().await.unwrap();
    assert!(!partial.contains("<html"), "a partial, not a full page");
    let pages = k.window.len().div_ceil(25);
    assert!(partial.contains(&format!("Page 2 of {pages}")), "{partial}");
    let total = expected::group(k.window.len() as i64);
    assert!(
        partial.contains(&format!("{total} rows")),
        "the count with separators: {partial}"
    );
    // Page 2 starts at the 26th order of the window (sorted by date, id).
    let o = &k.window[25];
    assert!(
        partial.contains(&format!(">{}<", o.id)),
        "order {} on page 2",
        o.id
    );
    assert!(partial.contains(&expected::money(o.revenue_cents)));
    assert!(!partial.contains(&format!(">{}<", k.window[24].id)));
}

#[tokio::test]
async fn a_parameter_changes_the_windows() {
    let app = spawn_app().await;
    let html = app.dashboard_html("/?days=30").await;
    let k = expected::kpis(30);
    assert!(html.contains(&k.revenue), "{}", k.revenue);
    assert!(html.contains(&k.revenue_change));
}

#[tokio::test]
async fn health_and_assets_are_served_from_the_binary() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
    let html = app.dashboard_html("/").await;
    let start = html.find("/static/htmx").unwrap();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    assert!(
        url.contains("?v="),
        "asset URL carries a content hash: {url}"
    );
    let r = app.get(url).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(r.text().await.unwrap().contains("htmx"));
}

#[tokio::test]
async fn pages_name_an_icon_that_is_served_from_the_binary() {
    let app = spawn_app().await;
    let html = app.get("/reports").await.text().await.unwrap();
    let start =
        html.find("rel=\"icon\" href=\"").expect("an icon link") + "rel=\"icon\" href=\"".len();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let r = app
        .anon
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
}

#[tokio::test]
async fn a_widget_downloads_its_data_and_its_chart_under_the_page_filters() {
    let app = spawn_app().await;
    let html = app.dashboard_html("/?days=30").await;
    let link = |fmt: &str| {
        let marker = format!("download?format={fmt}");
        let at = html
            .find(&marker)
            .unwrap_or_else(|| panic!("no {fmt} link"));
        let start = html[..at].rfind('"').unwrap() + 1;
        let end = at + html[at..].find('"').unwrap();
        html[start..end].replace("&amp;", "&").replace("&#38;", "&")
    };
    let csv_url = link("csv");
    assert!(csv_url.contains("days=30"), "{csv_url}");
    let csv = app.get(&csv_url).await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert_eq!(
        text.lines().count(),
        expected::kpis(30).window.len() + 1,
        "every row of the window, and the header"
    );
    let svg = app.get(&link("svg")).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<svg"));
    let xlsx = app.get(&link("xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let bad = app
        .get(&link("csv").replace("format=csv", "format=exe"))
        .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn a_select_filter_on_a_field_offers_the_fields_values_and_narrows_its_widget() {
    let app = spawn_app().await;
    let report = serde_json::json!({
        "name": "Revenue by region (builder)",
        "builder": { "dataset": "sales", "dimensions": ["region"], "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }] },
        "visualizations": [{ "id": "by_region", "type": "table", "title": "By region" }]
    });
    let r = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let rid = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let board = serde_json::json!({
        "name": "Regions",
        "widgets": [{ "id": "t", "reportId": rid, "visualizationId": "by_region", "x": 0, "y": 0, "w": 12, "h": 6 }],
        "filters": [{ "id": "region", "type": "select", "targets": [{ "widgetId": "t", "field": "region" }] }]
    });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = app
        .get(&format!("/dashboards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<select name=\"f.region\""), "{page}");
    let regions: std::collections::BTreeSet<String> =
        expected::orders().into_iter().map(|o| o.region).collect();
    for r in &regions {
        assert!(
            page.contains(&format!("<option value=\"{r}\"")),
            "{r} offered"
        );
    }
    let widget = app
        .get(&format!("/dashboards/{id}/widgets/t?f.region=North"))
        .await
        .text()
        .await
        .unwrap();
    assert!(widget.contains(">North<"), "{widget}");
    assert!(
        !widget.contains(">South<"),
        "only the chosen region: {widget}"
    );
}

#[tokio::test]
async fn a_table_widget_is_sorted_by_its_column_headers_and_refuses_unknown_columns() {
    let app = spawn_app().await;
    let k = expected::kpis(90);
    let dashboard = app.dashboard_id().await;
    let widget = app
        .get(&format!("/dashboards/{dashboard}/widgets/orders?days=90"))
        .await
        .text()
        .await
        .unwrap()
        .replace("&#38;", "&");
    assert!(
        widget.contains(&format!(
            "hx-get=\"/dashboards/{dashboard}/table/orders?days=90&sort=product&dir=asc\""
        )),
        "{widget}"
    );
    assert!(widget.contains("aria-sort=\"none\""));

    let mut by_product = k.window.clone();
    by_product.sort_by(|a, b| b.product.cmp(&a.product));
    let r = app
        .get(&format!(
            "/dashboards/{dashboard}/table/orders?days=90&sort=product&dir=desc&page=2"
        ))
        .await;
    assert_eq!(r.status(), 200);
    let partial = r.text().await.unwrap().replace("&#38;", "&");
    let ids: Vec<String> = by_product[25..50]
        .iter()
        .map(|o| o.id.to_string())
        .collect();
    assert_eq!(crate::reports_page::first_cells(&partial), ids);
    assert!(partial.contains("aria-sort=\"descending\""));
    assert!(
        partial.contains("sort=product&dir=desc&page=3"),
        "{partial}"
    );
    assert!(
        partial.contains("sort=product&dir=desc&page=1"),
        "{partial}"
    );

    for bad in ["product desc", "2", "\"product\"", "f.period"] {
        let path = format!(
            "/dashboards/{dashboard}/table/orders?days=90&sort={}",
            quire::web::urlencode(bad)
        );
        let r = app.get(&path).await;
        assert_eq!(r.status(), 422, "{path}");
        assert!(r.text().await.unwrap().contains("sort"), "{path}");
    }
}

/// The `<svg>` of a widget's chart: its viewBox width and the font size of each text.
pub(crate) fn chart_fonts(html: &str) -> (f64, Vec<f64>) {
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap() + 6];
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let view: Vec<f64> = root
        .attribute("viewBox")
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let sizes = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text" && !n.text().unwrap_or("").trim().is_empty())
        .map(|n| n.attribute("font-size").unwrap().parse().unwrap())
        .collect();
    (view[2], sizes)
}

#[tokio::test]
async fn a_widget_asking_for_a_phones_width_gets_a_chart_with_text_readable_at_that_width() {
    let app = spawn_app().await;
    let id = app.dashboard_id().await;
    const SHOWN: f64 = 360.0;
    for wid in ["daily_revenue", "top_products", "region_share"] {
        // Shown 360 px wide, the smallest text is at least 10 px.
        let narrow = app
            .get(&format!("/dashboards/{id}/widgets/{wid}?days=90&w=360"))
            .await
            .text()
            .await
            .unwrap();
        let (view, sizes) = chart_fonts(&narrow);
        assert!(!sizes.is_empty(), "{wid}: no text");
        let least = sizes.iter().cloned().fold(f64::MAX, f64::min) * SHOWN / view;
        assert!(
            least >= 10.0,
            "{wid}: {least:.1} px text at {SHOWN} px ({view} wide, {sizes:?})"
        );
        // Drawn for documents (no width asked), the same text would be unreadable there.
        let wide = app
            .get(&format!("/dashboards/{id}/widgets/{wid}?days=90"))
            .await
            .text()
            .await
            .unwrap();
        let (view, sizes) = chart_fonts(&wide);
        assert_eq!(view, quire::report::chart::WIDTH as f64);
        let least = sizes.iter().cloned().fold(f64::MAX, f64::min) * SHOWN / view;
        assert!(least < 10.0, "{wid}: {least}");
        // The width is not a filter: the links under the chart do not carry it.
        assert!(!narrow.contains("w=360"), "{wid}: {narrow}");
    }
    let r = app
        .get(&format!("/dashboards/{id}/widgets/daily_revenue?w=wide"))
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not a width in pixels"));
}

#[tokio::test]
async fn a_sorted_and_paged_table_widget_says_its_order_and_page_and_a_refresh_asking_for_them_keeps_them(
) {
    let app = spawn_app().await;
    let k = expected::kpis(90);
    let dashboard = app.dashboard_id().await;
    let mut by_product = k.window.clone();
    by_product.sort_by(|a, b| b.product.cmp(&a.product));
    let ids: Vec<String> = by_product[25..50]
        .iter()
        .map(|o| o.id.to_string())
        .collect();
    let state = "data-page=\"2\" data-sort=\"product\" data-dir=\"desc\"";
    // Sorted and paged through its header and pager: the table says what it shows...
    let partial = app
        .get(&format!(
            "/dashboards/{dashboard}/table/orders?days=90&sort=product&dir=desc&page=2"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(partial.contains(state), "{partial}");
    // ... which dashboard.js adds to the widget's refresh; the widget answers it in that order.
    let r = app
        .get(&format!(
            "/dashboards/{dashboard}/widgets/orders?days=90&sort=product&dir=desc&page=2&w=800"
        ))
        .await;
    assert_eq!(r.status(), 200);
    let widget = r.text().await.unwrap().replace("&#38;", "&");
    assert_eq!(crate::reports_page::first_cells(&widget), ids);
    assert!(widget.contains(state), "{widget}");
    assert!(widget.contains("aria-sort=\"descending\""));
    // Its pager and the links under it keep the order and drop the refresh's width.
    assert!(widget.contains("sort=product&dir=desc&page=3"), "{widget}");
    assert!(!widget.contains("w=800"), "{widget}");
    // The grid's script sends the table's state with each refresh of its widget.
    let js = app
        .get(&crate::dashboard::script_url(&app, &dashboard).await)
        .await
        .text()
        .await
        .unwrap();
    for hook in ["htmx:configRequest", "dataset.sort", "dataset.page"] {
        assert!(js.contains(hook), "{hook}");
    }
}

/// The URL of the dashboard page's script.
pub async fn script_url(app: &crate::helpers::TestApp, dashboard: &str) -> String {
    let html = app
        .get(&format!("/dashboards/{dashboard}"))
        .await
        .text()
        .await
        .unwrap();
    let at = html
        .find("/static/dashboard")
        .expect("the dashboard script");
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn the_demo_dashboard_says_what_it_shows_and_over_which_days() {
    let app = spawn_app().await;
    let html = app.get("/").await.text().await.unwrap();
    let [start, end, ..] = &expected::kpis(90).period;
    assert!(
        html.contains(&format!(
            "{start} – {end} (the last 90 days of data): revenue, orders and customers, each against the same number of days before."
        )),
        "{html}"
    );
    assert!(!html.contains("{{") && !html.contains("{%"), "{html}");
}

/// A page parameter the report refuses is named by its field, and the description, which
/// quotes it, is left out instead of saying "the last 0 days".
#[tokio::test]
async fn a_refused_page_parameter_is_named_by_its_field_and_not_quoted_in_the_description() {
    let app = spawn_app().await;
    for (days, reason) in [
        ("0", "0 is below the least value, 1"),
        ("3651", "3651 is above the greatest value, 3650"),
        ("ninety", "`ninety` is not a number"),
    ] {
        let html = app
            .get(&format!("/?days={days}"))
            .await
            .text()
            .await
            .unwrap();
        let error =
            format!("<span class=\"field-error\" id=\"error-days\" role=\"alert\">{reason}</span>");
        assert!(html.contains(&error), "{days}: {html}");
        assert!(html.contains("aria-invalid=\"true\""), "{days}: {html}");
        assert!(!html.contains("days of data"), "{days}: {html}");
    }
    // A value it takes: no error, the description with its days.
    let html = app.get("/?days=7").await.text().await.unwrap();
    assert!(!html.contains("field-error"), "{html}");
    assert!(html.contains("(the last 7 days of data)"), "{html}");
}

/// The period the figures cover, as dates with the year, computed from examples/sales.csv:
/// on the dashboard, the report page, the report's PDF cover and the dashboard's PDF.
#[tokio::test]
async fn the_period_is_shown_as_dates_with_the_year_on_pages_and_pdf_covers() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let dashboard = app.dashboard_id().await;
    for days in [90, 7] {
        let [start, end, ..] = &expected::kpis(days).period;
        assert!(end.ends_with(" 2025"), "{end}");
        let period = format!("{start} – {end} (the last {days} days of data)");
        for url in [
            format!("/?days={days}"),
            format!("/reports/{report}?days={days}"),
        ] {
            let html = app.get(&url).await.text().await.unwrap();
            assert!(html.contains(&period), "{period} on {url}: {html}");
        }
        for url in [
            format!("/reports/{report}/download?format=pdf&days={days}"),
            format!("/api/v1/dashboards/{dashboard}/export?format=pdf&days={days}"),
        ] {
            let pdf = app.get(&url).await.bytes().await.unwrap();
            let cover = crate::helpers::pdf_pages(&pdf)[0]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                cover.contains(&period),
                "{period} on the cover of {url}: {cover}"
            );
            // A page's hint ("click a bar") has no place on paper.
            assert!(!cover.to_lowercase().contains("click"), "{url}: {cover}");
        }
    }
    // On the page the hint sits in each chart's menu.
    let widget = app
        .get(&format!(
            "/dashboards/{dashboard}/widgets/top_products?days=90"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        widget.contains("Click a bar, a slice or a point for the rows behind it."),
        "{widget}"
    );
    // The list of reports runs nothing: no dates, no gaps, no template.
    let list = app.get("/reports").await.text().await.unwrap();
    assert!(
        list.contains("The last 90 days of data: revenue, orders and customers, compared with the 90 days before."),
        "{list}"
    );
    assert!(!list.contains('…') && !list.contains("{{") && !list.contains("{%"));
}

#[tokio::test]
async fn unknown_query_parameters_are_not_copied_into_widget_urls() {
    let app = spawn_app().await;
    let id = app.dashboard_id().await;
    let junk = "J".repeat(60_000);
    let path = format!("/dashboards/{id}?days=30&junk={junk}&f.nosuch=1&kiosk=1");
    let r = app.get(&path).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(!page.contains("JJJJ"), "the unknown parameter is gone");
    assert!(
        !page.contains("nosuch"),
        "so is a filter the dashboard lacks"
    );
    assert!(page.len() < 100_000, "{} bytes", page.len());
    // What the widgets read is kept: the report's parameter, the page's own keys.
    assert!(page.contains("days=30"), "{page}");
    assert!(page.contains("kiosk=1"), "{page}");
    // A widget asked with junk does not copy it into its links either.
    let start = page.find("/widgets/").unwrap();
    let wid = page[start + "/widgets/".len()..]
        .split(['?', '"'])
        .next()
        .unwrap()
        .to_string();
    for w in [wid.as_str(), "orders"] {
        let r = app
            .get(&format!("/dashboards/{id}/widgets/{w}?days=30&junk={junk}"))
            .await;
        assert_eq!(r.status(), 200, "{w}");
        let widget = r.text().await.unwrap();
        assert!(!widget.contains("JJJJ"), "{w}");
        let r = app
            .get(&format!(
                "/dashboards/{id}/table/orders?days=30&junk={junk}&page=1"
            ))
            .await;
        assert_eq!(r.status(), 200);
        assert!(!r.text().await.unwrap().contains("JJJJ"));
    }
}
