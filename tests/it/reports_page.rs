//! The /reports pages: the list with its search, and a report's own page with its parameter
//! form, whole result, table pages and downloads.

use crate::expected;
use crate::helpers::spawn_app;
use reqwest::Method;
use serde_json::json;

/// Names of the reports the list page shows, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<a class=\"name\" href=\"/reports/")
        .skip(1)
        .map(|s| {
            let start = s.find('>').unwrap() + 1;
            s[start..start + s[start..].find('<').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_list_finds_reports_by_text_category_and_tag() {
    let app = spawn_app().await;
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/reports",
            &json!({
                "name": "Units & <regions>",
                "description": "Units sold per region",
                "category": "Operations",
                "tags": ["regions"],
                "query": "SELECT region, SUM(units) AS units FROM sales GROUP BY region",
                "visualizations": [{ "id": "u", "type": "bar", "dataMapping": { "x": "region", "y": "units" } }]
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let page = |q: &'static str| {
        let app = &app;
        async move {
            let r = app.get(&format!("/reports{q}")).await;
            assert_eq!(r.status(), 200, "{q}");
            r.text().await.unwrap()
        }
    };
    let all = page("").await;
    assert_eq!(
        listed(&all),
        ["Sales overview", "Units &#38; &#60;regions&#62;"]
    );
    assert!(
        all.contains("<option>Operations</option>"),
        "category choices"
    );
    assert!(all.contains("<option>weekly</option>"), "tag choices");

    assert_eq!(
        listed(&page("?q=UNITS+SOLD").await),
        ["Units &#38; &#60;regions&#62;"]
    );
    assert_eq!(listed(&page("?category=Sales").await), ["Sales overview"]);
    assert_eq!(
        listed(&page("?tag=regions").await),
        ["Units &#38; &#60;regions&#62;"]
    );
    assert_eq!(
        listed(&page("?q=sales&tag=regions").await),
        Vec::<String>::new()
    );
    // The search reads the descriptions as the list shows them, not their templates.
    assert_eq!(
        listed(&page("?q=last+90+days+of+data").await),
        ["Sales overview"]
    );
    assert_eq!(listed(&page("?q=queries.kpis").await), Vec::<String>::new());
    let none = page("?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(none.contains("No report matches"), "{none}");
    assert!(
        !none.contains("<script>alert"),
        "the search text is escaped"
    );
    // An oversized search is cut to 200 characters, not an error.
    let long = page_owned(&app, format!("?q={}", "x".repeat(2_000))).await;
    assert!(long.contains("No report matches"));
    assert!(
        long.contains(&format!("value=\"{}\"", "x".repeat(200))),
        "the search is cut"
    );
}

async fn page_owned(app: &crate::helpers::TestApp, q: String) -> String {
    let r = app.get(&format!("/reports{q}")).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_report_page_shows_its_form_result_table_pages_and_downloads() {
    let app = spawn_app().await;
    let id = app.report_id().await;
    let r = app.get(&format!("/reports/{id}?days=30")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let k = expected::kpis(30);
    assert!(html.contains(&k.revenue), "{}", k.revenue);
    assert!(html.contains(&k.orders_change), "{}", k.orders_change);
    assert!(html.contains("name=\"days\""), "the parameter form");
    assert!(html.contains("value=\"30\""), "the form keeps the value");
    assert!(html.contains(&format!("/reports/{id}/download?format=pdf&days=30")));
    // Every visualization of the report, including the ones a dashboard might leave out.
    for viz in ["daily_revenue", "top_products", "region_share"] {
        assert!(html.contains(&format!("id=\"chart-{viz}\"")), "{viz}");
    }
    assert!(
        html.contains(&format!("hx-get=\"/reports/{id}/table/orders?days=30")),
        "the pager points at the report's table pages"
    );

    let r = app
        .get(&format!("/reports/{id}/table/orders?days=30&page=2"))
        .await;
    assert_eq!(r.status(), 200);
    let partial = r.text().await.unwrap();
    let o = &k.window[25];
    assert!(
        partial.contains(&format!(">{}<", o.id)),
        "order {} on page 2",
        o.id
    );
    assert!(!partial.contains("<html"));
}

#[tokio::test]
async fn bad_report_pages_are_4xx_pages_naming_the_problem() {
    let app = spawn_app().await;
    let id = app.report_id().await;
    for (path, status, mentions) in [
        ("/reports/no-such-report".to_string(), 404, "no-such-report"),
        (format!("/reports/{id}?days=many"), 422, "days"),
        (format!("/reports/{id}?page=-1"), 400, "page"),
        (format!("/reports/{id}/table/nope?page=1"), 404, "nope"),
        (format!("/reports/{id}/table/orders?page=abc"), 400, "page"),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status(), status, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains(mentions), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_refused_parameter_is_422_with_the_form_again_and_the_reason_by_its_field() {
    let app = spawn_app().await;
    let id = app.report_id().await;
    for (q, reason) in [
        ("days=-5", "-5 is below the least value, 1"),
        ("days=abc", "`abc` is not a number"),
        ("days=99999", "99999 is above the greatest value, 3650"),
    ] {
        let r = app.get(&format!("/reports/{id}?{q}")).await;
        assert_eq!(r.status(), 422, "{q}");
        let html = r.text().await.unwrap();
        // The page with its menu and form, the value kept, the reason next to the field.
        assert!(
            html.contains("<nav") && html.contains("<form class=\"params\""),
            "{q}: {html}"
        );
        let field = &html[html.find("name=\"days\"").expect("the days field")..];
        let field = &field[..field.find("</label>").unwrap()];
        assert!(field.contains("aria-invalid=\"true\""), "{q}: {field}");
        assert!(field.contains(" min=\"1\" max=\"3650\""), "{q}: {field}");
        assert!(
            field.contains(&format!(
                "class=\"field-error\" id=\"error-days\" role=\"alert\">{reason}"
            )),
            "{q}: {field}"
        );
        assert!(!html.contains("error-page"), "not an error page: {q}");
        assert!(!html.contains("id=\"chart-"), "nothing was run: {q}");
    }
    // A good value has bounds on its input and no error.
    let html = app
        .get(&format!("/reports/{id}?days=30"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"30\" min=\"1\" max=\"3650\">"),
        "{html}"
    );
    assert!(!html.contains("field-error"));
}

/// The first cell of each body row of a table's HTML, in order.
pub(crate) fn first_cells(html: &str) -> Vec<String> {
    let body = &html[html.find("<tbody>").expect("a table body")..];
    body.split("<tr>")
        .skip(1)
        .filter_map(|row| {
            let start = row.find("<td")?;
            let open = start + row[start..].find('>')? + 1;
            Some(row[open..open + row[open..].find('<')?].to_string())
        })
        .collect()
}

#[tokio::test]
async fn a_table_is_sorted_by_a_clicked_column_across_its_pages_and_refuses_unknown_columns() {
    let app = spawn_app().await;
    let id = app.report_id().await;
    let k = expected::kpis(30);
    let hx = |path: String| {
        app.client
            .get(format!("{}{path}", app.address))
            .header("HX-Request", "true")
            .send()
    };
    // Headers are links (htmx in place, a page without JavaScript) that say their state.
    // Attributes escape `&` as `&#38;`, which browsers read as `&`.
    let html = app
        .get(&format!("/reports/{id}?days=30"))
        .await
        .text()
        .await
        .unwrap()
        .replace("&#38;", "&");
    assert!(html.contains("aria-sort=\"none\""), "sortable headers");
    assert!(html.contains(&format!(
        "href=\"/reports/{id}?days=30&sort=units&dir=asc#table-orders\""
    )));
    assert!(html.contains(&format!(
        "hx-get=\"/reports/{id}/table/orders?days=30&sort=units&dir=asc\""
    )));

    // Units, most first; ties keep the query's order (newest first). Page 2 goes on from there.
    let mut by_units = k.window.clone();
    by_units.sort_by_key(|o| std::cmp::Reverse(o.units));
    let ids = |orders: &[expected::Order]| -> Vec<String> {
        orders.iter().map(|o| o.id.to_string()).collect()
    };
    let r = hx(format!(
        "/reports/{id}/table/orders?days=30&sort=units&dir=desc"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let partial = r.text().await.unwrap().replace("&#38;", "&");
    assert_eq!(first_cells(&partial), ids(&by_units[..25]));
    assert!(partial.contains("aria-sort=\"descending\""), "{partial}");
    assert!(
        partial.contains("sort=units&dir=desc&page=2"),
        "the pager keeps the order: {partial}"
    );
    assert!(
        partial.contains("sort=units&dir=asc\""),
        "a second click reverses"
    );
    let page2 = hx(format!(
        "/reports/{id}/table/orders?days=30&sort=units&dir=desc&page=2"
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(first_cells(&page2), ids(&by_units[25..50]));

    // Text and money columns, and the whole page without JavaScript.
    let mut by_region = k.window.clone();
    by_region.sort_by(|a, b| a.region.cmp(&b.region));
    let page = app
        .get(&format!("/reports/{id}?days=30&sort=region&dir=asc"))
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("aria-sort=\"ascending\""));
    assert_eq!(first_cells(&page), ids(&by_region[..25]));
    let mut by_revenue = k.window.clone();
    by_revenue.sort_by_key(|o| o.revenue_cents);
    let cheapest = hx(format!("/reports/{id}/table/orders?days=30&sort=revenue"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        first_cells(&cheapest)[0],
        by_revenue[0].id.to_string(),
        "the smallest revenue first"
    );

    // Hostile or unknown columns: 422 naming `sort`, nothing run as SQL, nothing changed.
    let long = "x".repeat(5000);
    for bad in [
        "units; DROP TABLE sales",
        "1",
        "' OR 1=1 --",
        "Units",
        "<script>alert(1)</script>",
        "units)",
        long.as_str(),
    ] {
        let q = format!("days=30&sort={}", quire::web::urlencode(bad));
        for path in [
            format!("/reports/{id}?{q}"),
            format!("/reports/{id}/table/orders?{q}"),
        ] {
            let r = hx(path.clone()).await.unwrap();
            assert_eq!(r.status(), 422, "{path}");
            let body = r.text().await.unwrap();
            assert!(body.contains("sort"), "{path}: {body}");
            assert!(!body.contains("<script>alert"), "{path}: escaped");
        }
    }
    let r = app
        .get(&format!(
            "/reports/{id}/table/orders?days=30&sort=units&dir=sideways"
        ))
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("dir"));
    let again = hx(format!("/reports/{id}/table/orders?days=30"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        first_cells(&again),
        ids(&k.window[..25]),
        "the data is intact"
    );
}

#[tokio::test]
async fn a_report_page_also_draws_each_chart_for_a_phone_with_text_readable_there() {
    let app = spawn_app().await;
    let id = app.report_id().await;
    let html = app
        .get(&format!("/reports/{id}"))
        .await
        .text()
        .await
        .unwrap();
    for chart in ["daily_revenue", "top_products", "region_share"] {
        let at = html.find(&format!("id=\"chart-{chart}\"")).unwrap();
        let figure = &html[at..at + html[at..].find("</figure>").unwrap()];
        // The wide one for screens and documents, the narrow one for phones (CSS picks).
        let wide = &figure[figure.find("class=\"chart-wide\"").unwrap()..];
        assert_eq!(crate::dashboard::chart_fonts(wide).0, 900.0, "{chart}");
        let narrow = &figure[figure.find("class=\"chart-narrow\"").unwrap()..];
        let (view, sizes) = crate::dashboard::chart_fonts(narrow);
        let least = sizes.iter().cloned().fold(f64::MAX, f64::min) * 360.0 / view;
        assert!(
            least >= 10.0,
            "{chart}: {least:.1} px at 360 px ({view} wide)"
        );
    }
    let css = app.get("/static/app.css").await;
    let css = css.text().await.unwrap();
    assert!(css.contains(".chart-narrow { display: none; }"));
}

#[tokio::test]
async fn text_cells_of_megabytes_are_cut_on_the_page_which_stays_small() {
    let app = spawn_app().await;
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/reports",
            &json!({
                "name": "Long texts",
                "query": "SELECT printf('%.*c', 35000000, 'x') AS a, printf('%.*c', 35000000, 'y') AS b",
                "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }],
            }),
        )
        .await;
    let v: serde_json::Value = r.json().await.unwrap();
    let id = v["id"].as_str().unwrap();
    // 70 MB of cells: a page past the 64 MB the menu marking reads was an empty 500.
    let started = std::time::Instant::now();
    let r = app.get(&format!("/reports/{id}")).await;
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, 200, "{}", &page[..page.len().min(3000)]);
    assert!(page.len() < 100_000, "the page is {} bytes", page.len());
    for c in ["x", "y"] {
        assert!(page.contains(&format!(">{}…", c.repeat(10_000))), "{c}");
    }
    assert_eq!(
        page.matches("35,000,000 characters").count(),
        2,
        "a note each"
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_reports_list_offers_new_report_to_editors_only() {
    let app = spawn_app().await;
    let page = app.get("/reports").await.text().await.unwrap();
    assert!(
        page.contains(r#"id="new-report" href="/builder""#),
        "an administrator is offered the builder"
    );
    let (_, token) = crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let viewer = crate::helpers::client_with(Some(&token));
    let page = viewer
        .get(format!("{}/reports", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Reports"), "the viewer sees the list");
    assert!(!page.contains("new-report"), "a viewer cannot build");
}

#[tokio::test]
async fn a_report_page_says_how_download_now_differs_from_generate_and_keep() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    let html = app
        .get(&format!("/reports/{report}?days=30"))
        .await
        .text()
        .await
        .unwrap();
    // The three downloads are one group named "Download now", with the page's values.
    let group = &html[html
        .find("<div class=\"action-group\"")
        .expect("a download group")..];
    let group = &group[..group.find("</div>").unwrap()];
    assert!(
        group.contains("aria-labelledby=\"download-now\""),
        "{group}"
    );
    assert!(group.contains(">Download now</span>"), "{group}");
    for format in ["pdf", "xlsx", "csv"] {
        assert!(
            group.contains(&format!(
                "/reports/{report}/download?format={format}&days=30\""
            )),
            "{format}: {group}"
        );
    }
    // Generate says what it does differently, in one line both point to.
    assert!(html.contains(">Generate and keep</button>"), "{html}");
    let hint = &html[html.find("id=\"actions-hint\"").expect("the hint")..];
    let hint = &hint[..hint.find("</p>").unwrap()];
    assert!(
        hint.contains("while you wait") && hint.contains("in the background"),
        "{hint}"
    );
    assert_eq!(
        html.matches("aria-describedby=\"actions-hint\"").count(),
        2,
        "{html}"
    );
    assert!(!html.contains(">Download PDF</a>"), "one wording: {html}");
}
