//! UI flows in a real browser: Debian's chromium driven by playwright-core (tests/browser).
//! Runs when QUIRE_BROWSER_TESTS=1 (set by .ci/run, which installs both); otherwise it says it
//! was skipped.

use crate::expected;
use crate::helpers::spawn_app;
use std::path::Path;
use std::process::Command;

pub(crate) fn browser_tests_enabled() -> bool {
    if std::env::var("QUIRE_BROWSER_TESTS").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("browser test skipped: set QUIRE_BROWSER_TESTS=1 (needs chromium and `npm ci` in tests/browser)");
    false
}

pub(crate) fn node(script: &str, args: &[String]) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser"
    );
    let out = Command::new("node")
        .env("QUIRE_EMAIL", crate::helpers::ADMIN_EMAIL)
        .env("QUIRE_PASSWORD", crate::helpers::ADMIN_PASSWORD)
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_file_chosen_on_the_datasets_page_is_imported_and_previewed() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![
        app.address.clone(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv").to_string(),
    ];
    let v = tokio::task::spawn_blocking(move || node("upload.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["zoneText"], "sales.csv");
    assert_eq!(
        v["inputShown"], false,
        "the file is named once, by the zone: {v}"
    );
    assert_eq!(v["progressBefore"], false, "no bar before an upload: {v}");
    assert_eq!(v["rows"], "20,000");
    assert_eq!(v["headers"][0], "order_id (integer)");
    assert_eq!(v["headers"][1], "order_date (date)");
    assert_eq!(v["firstCell"], "1000001");
    assert_eq!(v["progress"], "100");
    assert_eq!(
        v["listedAfterUpload"], 2,
        "the list refreshed in place: {v}"
    );
    assert!(
        v["error"].as_str().unwrap().contains("bad.csv: row 2"),
        "{v}"
    );
    assert_eq!(
        v["progressAfterFailure"]["visible"], false,
        "a failed import does not end on a full bar: {v}"
    );
    assert_eq!(v["previewRows"], 20, "{v}");
    assert_eq!(v["listedAfterDelete"], 1, "{v}");
    assert_eq!(v["listed"], 1, "only sales is left: {v}");
    assert_eq!(v["loads"], 2, "one load, then the last check's reload: {v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn next_and_previous_page_the_orders_table_without_reloading_the_page() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser"
    );
    let url = format!("{}/", app.address);
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .env("QUIRE_EMAIL", crate::helpers::ADMIN_EMAIL)
            .env("QUIRE_PASSWORD", crate::helpers::ADMIN_PASSWORD)
            .arg("pagination.mjs")
            .arg(url)
            .current_dir(dir)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let k = expected::kpis(90);
    let pages = k.window.len().div_ceil(25);
    assert_eq!(v["firstId"], k.window[0].id.to_string());
    assert_eq!(v["secondId"], k.window[25].id.to_string());
    assert_eq!(v["backId"], k.window[0].id.to_string());
    assert!(
        v["before"]
            .as_str()
            .unwrap()
            .contains(&format!("Page 1 of {pages}")),
        "{v}"
    );
    assert!(
        v["after"]
            .as_str()
            .unwrap()
            .contains(&format!("Page 2 of {pages}")),
        "{v}"
    );
    assert_eq!(v["loads"], 1, "paging must not reload the page: {v}");
    assert_eq!(v["svgs"], 3);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn the_schedule_form_previews_a_weekly_timing_live_and_saving_opens_the_new_schedule() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let report = crate::schedules_page::offered_report(&app).await;
    let args = vec![app.address.clone(), report];
    let v = tokio::task::spawn_blocking(move || node("schedules.mjs", &args))
        .await
        .unwrap();
    assert!(v["before"].as_str().unwrap().contains("UTC"), "{v}");
    let after = v["after"].as_str().unwrap();
    for part in ["Wednesday", "07:30", "Europe/Paris"] {
        assert!(after.contains(part), "{part}: {v}");
    }
    let times = v["times"].as_array().unwrap();
    assert_eq!(times.len(), 5, "{v}");
    for t in times {
        let t = t.as_str().unwrap();
        assert!(t.starts_with("Wed ") && t.contains(" 07:30 CE"), "{v}");
    }
    assert!(
        v["zoneError"].as_str().unwrap().contains("Mars/Olympus"),
        "{v}"
    );
    assert_eq!(v["weekdayShown"], true, "{v}");
    assert_eq!(v["cronShown"], false, "{v}");
    assert_eq!(
        v["loadsBeforeSubmit"], 1,
        "the preview must not reload the page: {v}"
    );
    assert!(
        v["title"].as_str().unwrap().starts_with("Browser weekly"),
        "{v}"
    );
    assert!(
        v["definition"].as_str().unwrap().contains("30 7 * * 3"),
        "{v}"
    );
    assert_eq!(v["listed"], 2, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
    // Rows added and removed in place, by clicking, without a reload.
    assert_eq!(v["rowsAfterAdd"], 2, "{v}");
    assert_eq!(v["rowsAfterRemove"], 2, "{v}");
    assert_eq!(v["loadsAfterRows"], 1, "{v}");
    assert!(
        v["paramChoices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().starts_with("days (number")),
        "{v}"
    );
    assert_eq!(
        v["recipients"],
        serde_json::json!([
            {"type": "email", "address": "team@example.com"},
            {"type": "slack", "address": "https://hooks.example.com/…"}
        ]),
        "{v}"
    );
    // The API shows a hook's host only; the database keeps the URL typed.
    let conn = app.ctx.store.app.get().unwrap();
    let kept = quire::store::schedule::list(&conn).unwrap();
    assert!(
        kept.iter()
            .flat_map(|s| &s.recipients)
            .any(|r| r.address == "https://hooks.example.com/browser"),
        "{v}"
    );
    assert_eq!(v["parameters"], serde_json::json!({"days": "14"}), "{v}");
    // A parameter row's value field offers the chosen parameter's values, row by row.
    assert_eq!(
        v["offeredEnum"],
        serde_json::json!(["North", "South", "<East>"]),
        "{v}"
    );
    assert_eq!(v["offeredAdded"], serde_json::json!([]), "{v}");
    let dates = v["offeredDate"].as_array().unwrap();
    assert!(
        dates.contains(&serde_json::json!("{{ start_of_month - 1m }}")),
        "{v}"
    );
    assert_eq!(v["offeredEnumStill"], v["offeredEnum"], "{v}");
    assert_eq!(v["offeredNumber"], serde_json::json!([]), "{v}");
}

#[tokio::test]
async fn a_browser_in_new_york_sees_times_in_new_york_until_the_user_picks_another_zone() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![app.address.clone()];
    let v = tokio::task::spawn_blocking(move || node("zone.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["cookie"], "America/New_York", "{v}");
    let stored = chrono::DateTime::parse_from_rfc3339(v["stored"].as_str().unwrap()).unwrap();
    let shown = |tz: chrono_tz::Tz| {
        stored
            .with_timezone(&tz)
            .format("%a %Y-%m-%d %H:%M %Z")
            .to_string()
    };
    assert_eq!(v["next"], shown(chrono_tz::America::New_York), "{v}");
    assert!(
        v["settingsBefore"]
            .as_str()
            .unwrap()
            .contains("America/New_York, your browser's zone"),
        "{v}"
    );
    assert_eq!(v["nextAfter"], shown(chrono_tz::Asia::Tokyo), "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn generate_on_a_report_page_shows_progress_then_the_result_files() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![app.address.clone(), app.report_id().await];
    let v = tokio::task::spawn_blocking(move || node("generate.mjs", &args))
        .await
        .unwrap();
    let links = v["links"].as_array().unwrap();
    assert_eq!(links.len(), 5, "{v}");
    for (link, format) in links.iter().zip(["pdf", "xlsx", "pptx", "csv", "json"]) {
        let link = link.as_str().unwrap();
        assert!(
            link.starts_with("/api/v1/reports/results/") && link.ends_with(format),
            "{v}"
        );
    }
    assert_eq!(v["loads"], 1, "no page reload: {v}");
    assert_eq!(v["pdfStatus"], 200, "{v}");
    assert_eq!(v["pdfType"], "application/pdf", "{v}");
    assert_eq!(v["pdfMagic"], "%PDF-", "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn a_person_signs_in_sees_the_dashboard_signs_out_and_a_viewer_sees_no_editing() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let url = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .env("QUIRE_EMAIL", crate::helpers::ADMIN_EMAIL)
            .env("QUIRE_PASSWORD", crate::helpers::ADMIN_PASSWORD)
            .env("VIEWER_EMAIL", "viewer@example.com")
            .arg("login.mjs")
            .arg(url)
            .current_dir(dir)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["redirectedTo"], "/login?next=%2Freports", "{v}");
    assert_eq!(v["wrongPassword"], "wrong email or password", "{v}");
    assert_eq!(v["afterLogin"], "/reports", "{v}");
    assert!(v["reportsListed"].as_u64().unwrap() >= 1, "{v}");
    assert!(v["kpis"].as_u64().unwrap() >= 4, "{v}");
    assert_eq!(v["adminMenu"], 1, "{v}");
    assert_eq!(v["afterLogout"], "/login", "{v}");
    assert_eq!(v["afterLogoutHome"], "/login", "{v}");
    assert_eq!(v["viewerUpload"], 0, "{v}");
    assert_eq!(v["viewerSchedulesLink"], 0, "{v}");
    assert_eq!(v["viewerSchedulesStatus"], 403, "{v}");
    assert_eq!(
        v["errors"].as_array().unwrap().len(),
        0,
        "no script errors, CSP included: {v}"
    );
}

#[tokio::test]
async fn a_report_is_built_by_dragging_fields_previewed_live_and_saved() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![app.address.clone()];
    let v: serde_json::Value = tokio::task::spawn_blocking(move || node("builder.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["fields"], 10, "{v}");
    assert_eq!(v["afterDrag"], "8 rows", "{v}");
    assert_eq!(v["chart"], 1, "{v}");
    assert_eq!(v["firstRows"], 8, "{v}");
    let sql = v["sql"].as_str().unwrap();
    assert!(
        sql.contains("GROUP BY") && sql.contains("\"region\""),
        "{sql}"
    );
    assert_eq!(v["afterKeyboard"], "32 rows", "{v}");
    assert_eq!(
        v["dimensionOrder"],
        serde_json::json!(["region", "channel"]),
        "{v}"
    );
    assert_eq!(
        v["reordered"],
        serde_json::json!(["channel", "region"]),
        "{v}"
    );
    // A filter without a value: marked, not applied, nothing red; then given one, applied.
    assert_eq!(
        v["incomplete"],
        serde_json::json!({ "note": "incomplete — not applied", "marked": 1, "red": 0, "rows": "8 rows" }),
        "{v}"
    );
    assert_eq!(
        v["applied"],
        serde_json::json!({ "rows": "2 rows", "marked": 0 }),
        "{v}"
    );
    assert_eq!(v["savedNotice"], 1, "{v}");
    assert!(v["savedCharts"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
    // The saved report is a report like any other: it renders to PDF.
    let id = v["savedAt"]
        .as_str()
        .unwrap()
        .trim_start_matches("/reports/")
        .to_string();
    let def = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(def["builder"]["dataset"], "sales");
    assert_eq!(def["tags"], serde_json::json!(["builder", "regions"]));
    let pdf = app.get(&format!("/reports/{id}/download?format=pdf")).await;
    assert_eq!(pdf.status(), 200);
    let pages = crate::helpers::pdf_pages(&pdf.bytes().await.unwrap());
    assert!(
        pages.concat().contains("Revenue by region (builder)"),
        "{pages:?}"
    );
}

#[tokio::test]
async fn calculated_columns_and_measures_are_typed_with_their_mistakes_pointed_at_and_saved() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![app.address.clone()];
    let v: serde_json::Value = tokio::task::spawn_blocking(move || node("expressions.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["focused"], "Expression of calc_1", "{v}");
    let mistake = v["mistake"]["text"].as_str().unwrap();
    assert!(mistake.contains("no field named `costs`"), "{v}");
    assert!(mistake.ends_with("(at character 11)"), "{v}");
    assert_eq!(v["mistake"]["marked"], "c", "{v}");
    assert_eq!(
        v["emptyIsQuiet"], 0,
        "an expression not written yet is no error: {v}"
    );
    // Checked alone, before anything is grouped or measured.
    let alone = v["alone"]["text"].as_str().unwrap();
    assert!(alone.contains("no field named `retail`"), "{v}");
    assert!(alone.contains("text goes in quotes: \"retail\""), "{v}");
    assert_eq!(v["kind"], "number", "{v}");
    let mistake = v["measureMistake"]["text"].as_str().unwrap();
    assert!(mistake.contains("expected `,` or `)` in sum"), "{v}");
    assert_eq!(
        v["headers"],
        serde_json::json!(["region", "Margin", "Measure 1"]),
        "{v}"
    );
    assert_eq!(v["firstRow"].as_array().unwrap().len(), 3, "{v}");
    // Every measure drawn (a legend names both), then one on a second axis.
    assert_eq!(
        v["legend"],
        serde_json::json!(["Margin", "Measure 1"]),
        "{v}"
    );
    assert_eq!(
        v["legend2"],
        serde_json::json!(["Margin", "Measure 1 (right)"]),
        "{v}"
    );
    let sql = v["sql"].as_str().unwrap();
    assert!(sql.contains("(\"revenue\" - \"cost\")"), "{sql}");
    assert!(sql.contains("NULLIF("), "{sql}");
    assert!(v["reopenPreview"].is_null(), "the preview drawn again: {v}");
    assert_eq!(
        v["reopened"],
        serde_json::json!({ "column": "margin", "expr": "revenue - cost",
                            "measureExpr": "round(sum(revenue) / sum(units), 2)" }),
        "{v}"
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
    // Saved as written; the saved report renders on the server as the preview did.
    let id = v["savedAt"]
        .as_str()
        .unwrap()
        .trim_start_matches("/reports/")
        .to_string();
    let def = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(
        def["builder"]["expressions"],
        serde_json::json!([{ "name": "margin", "expr": "revenue - cost" }]),
        "{def}"
    );
    assert_eq!(
        def["builder"]["measures"][1],
        serde_json::json!({ "expr": "round(sum(revenue) / sum(units), 2)", "as": "measure_1" }),
        "{def}"
    );
    let pdf = app.get(&format!("/reports/{id}/download?format=pdf")).await;
    assert_eq!(pdf.status(), 200);
    let pages = crate::helpers::pdf_pages(&pdf.bytes().await.unwrap());
    assert!(pages.concat().contains("Margin"), "{pages:?}");
    // Saved with its second axis; the workbook's native chart has both series, one a line on
    // the secondary axis.
    let chart = def["visualizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["type"] == "bar")
        .unwrap_or_else(|| panic!("{def}"));
    assert_eq!(
        chart["options"]["axis2"],
        serde_json::json!(["measure_1"]),
        "{def}"
    );
    assert_eq!(
        chart["dataMapping"]["y"],
        serde_json::json!(["sum_margin", "measure_1"]),
        "{def}"
    );
}

#[tokio::test]
async fn a_dataset_is_joined_in_the_builder_with_its_key_offered_and_the_row_counts_shown() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    // Products of the demo's sales, Product 007 twice (a repeated key).
    let mut csv = String::from("product,category\n");
    for n in 1..=200 {
        csv.push_str(&format!(
            "Product {n:03},{}\n",
            ["Tools", "Garden", "Kitchen"][n % 3]
        ));
    }
    csv.push_str("Product 007,Garden\n");
    crate::columnar::upload(&app, "products", csv.into_bytes()).await;
    let args = vec![app.address.clone()];
    let v: serde_json::Value = tokio::task::spawn_blocking(move || node("joins.mjs", &args))
        .await
        .unwrap();
    assert_eq!(
        v["suggested"]["left"], "product",
        "the key offered from matching names: {v}"
    );
    assert_eq!(v["suggested"]["right"], "product", "{v}");
    assert_eq!(v["joinedFields"], 2, "{v}");
    assert_eq!(v["formHidden"], true, "{v}");
    assert_eq!(
        v["reopened"],
        serde_json::json!({ "joins": 1, "joined": 2, "rows": 3 }),
        "{v}"
    );
    assert_eq!(
        v["remembered"],
        serde_json::json!({ "type": "inner", "hint": "The join remembered for these two tables." }),
        "{v}"
    );
    // 20,000 sales; Product 007's sold twice over.
    let sales = app.get_json("/api/v1/datasets/sales").await["rowCount"]
        .as_u64()
        .unwrap();
    assert_eq!(v["joinRows"]["before"], sales.to_string(), "{v}");
    let after: u64 = v["joinRows"]["after"].as_str().unwrap().parse().unwrap();
    assert!(after > sales, "{v}");
    assert_eq!(v["joinRows"]["warned"], 1, "{v}");
    assert!(
        v["joinRows"]["text"]
            .as_str()
            .unwrap()
            .contains("a key is repeated in a joined dataset"),
        "{v}"
    );
    assert_eq!(
        v["categories"],
        serde_json::json!(["Garden", "Kitchen", "Tools"]),
        "{v}"
    );
    assert_eq!(
        v["barWithout"],
        "a bar chart needs a dimension for its categories: add one, or choose Automatic",
        "{v}"
    );
    // Removed: its dimension goes with it, the revenue stays (one total).
    assert!(
        v["afterRemove"].as_str().unwrap().starts_with("1 row in"),
        "{v}"
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn a_dashboard_is_built_by_mouse_and_its_filter_updates_widgets_in_place() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    // A dashboard whose filter drives the demo report's `days` on every widget.
    let report = app.report_id().await;
    let widgets: Vec<serde_json::Value> = ["revenue", "orders", "daily_revenue"]
        .iter()
        .enumerate()
        .map(|(i, v)| serde_json::json!({ "id": v, "reportId": report, "visualizationId": v, "x": i * 4, "y": 0, "w": 4, "h": 3 }))
        .collect();
    let targets: Vec<serde_json::Value> = ["revenue", "orders", "daily_revenue"]
        .iter()
        .map(|w| serde_json::json!({ "widgetId": w, "parameter": "days" }))
        .collect();
    let def = serde_json::from_value(serde_json::json!({
        "name": "Filtered",
        "widgets": widgets,
        "filters": [{ "id": "period", "label": "Days", "type": "text", "default": "90", "targets": targets }]
    }))
    .unwrap();
    let filtered = quire::app::dashboard::save(&app.ctx, None, def, &Default::default())
        .unwrap()
        .id;
    let args = vec![app.address.clone(), filtered.to_string()];
    let v: serde_json::Value = tokio::task::spawn_blocking(move || node("dashboard.mjs", &args))
        .await
        .unwrap();
    assert!(v["editor"].as_str().unwrap().ends_with("/edit"), "{v}");
    assert_eq!(
        v["added"],
        serde_json::json!(["3×2 at 1,1", "6×5 at 1,3"]),
        "{v}"
    );
    // The grid has gravity (issue 23, item 2): moved right, the chart no longer shares
    // columns with the KPI and floats up to the top; the KPI grown onto it pushes it down.
    assert_eq!(
        v["edited"],
        serde_json::json!(["4×3 at 1,1", "6×5 at 4,4"]),
        "{v}"
    );
    assert_eq!(v["reloaded"], v["edited"], "the layout persisted: {v}");
    let k90 = expected::kpis(90);
    let k30 = expected::kpis(30);
    assert_eq!(v["before"], k90.revenue.as_str(), "{v}");
    assert_eq!(v["after"], k30.revenue.as_str(), "{v}");
    assert_eq!(v["fullLoads"], 0, "no full page load: {v}");
    assert!(
        v["url"].as_str().unwrap().contains("f.period=30"),
        "the filter is in the URL: {v}"
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn clicking_a_slice_opens_the_rows_behind_it_under_the_chart_on_desktop_and_phone() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![app.address.clone()];
    let v = tokio::task::spawn_blocking(move || node("drill.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");
    for size in ["desktop", "phone"] {
        let d = &v[size];
        assert!(d["title"].as_str().unwrap().contains('%'), "{v}");
        assert_eq!(d["sameUrl"], true, "{v}");
        assert_eq!(d["rows"], 1, "one row per region in the SQL result: {v}");
        assert!(d["heading"].as_str().unwrap().contains("region"), "{v}");
        assert_eq!(d["closed"], true, "{v}");
    }
}

#[tokio::test]
async fn a_table_widget_sorted_and_paged_stays_so_when_the_dashboard_refreshes_and_charts_follow_a_resize(
) {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let args = vec![app.address.clone()];
    let v = tokio::task::spawn_blocking(move || node("refresh.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");
    assert_eq!(v["before"]["sorted"], "Product descending", "{v}");
    assert!(
        v["before"]["page"]
            .as_str()
            .unwrap()
            .starts_with("Page 2 of"),
        "{v}"
    );
    let url = v["refreshUrl"].as_str().unwrap();
    assert!(
        url.contains("sort=product") && url.contains("dir=desc") && url.contains("page=2"),
        "{v}"
    );
    assert_eq!(v["after"], v["before"], "{v}");
    let (wide, phone) = (
        v["wideChart"].as_f64().unwrap(),
        v["phoneChart"].as_f64().unwrap(),
    );
    assert!(wide > 500.0 && (320.0..=360.0).contains(&phone), "{v}");
}

#[tokio::test]
async fn a_2025_dashboard_shows_data_under_last_30_days_of_data_and_a_custom_range_in_words() {
    if !browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    let board = crate::dates::dated_board(&app).await;
    let args = vec![app.address.clone(), board.to_string()];
    let v: serde_json::Value = tokio::task::spawn_blocking(move || node("dates.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");
    assert_eq!(v["calendar"]["noData"], true, "{v}");
    assert_eq!(
        v["calendar"]["hint"], "The data ends on 31 Dec 2025: try Last 30 days of data",
        "{v}"
    );
    assert_eq!(
        v["ofData"],
        serde_json::json!({ "period": "Last 30 days of data: 2 Dec – 31 Dec 2025", "noData": false }),
        "{v}"
    );
    assert_eq!(v["daysHiddenBefore"], true, "{v}");
    assert_eq!(v["daysShown"], true, "{v}");
    let custom = &v["custom"];
    assert!(
        custom["url"]
            .as_str()
            .unwrap()
            .contains("f.period=2025-04-01..2025-06-30"),
        "{v}"
    );
    assert_eq!(custom["period"], "1 Apr – 30 Jun 2025", "{v}");
    assert_eq!(
        custom["ticks"],
        serde_json::json!(["Apr 2025", "May", "Jun"]),
        "{v}"
    );
    assert_eq!(custom["daysShown"], true, "{v}");
    assert_eq!(
        (&custom["from"], &custom["to"]),
        (
            &serde_json::json!("2025-04-01"),
            &serde_json::json!("2025-06-30")
        ),
        "{v}"
    );
}
