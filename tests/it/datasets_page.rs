//! The /datasets page as a person uses it: the list, a preview and a delete per dataset, an
//! upload answered with fragments for htmx and with a whole page without JavaScript.

use crate::helpers::{spawn_app, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

fn form(file_name: &str, bytes: &[u8], name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file_name.to_string()),
        )
        .text("name", name.to_string())
}

/// A signed-in browser's session cookie and CSRF token.
async fn session(app: &TestApp) -> (String, String) {
    let r = app
        .anon
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let body: serde_json::Value = r.json().await.unwrap();
    (cookie, body["csrfToken"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn the_list_shows_counts_with_separators_and_times_as_dates_not_iso_text() {
    let app = spawn_app().await;
    let html = app.get("/datasets").await.text().await.unwrap();
    let list = &html[html.find("id=\"dataset-list\"").expect("the list")..];
    assert!(list.contains(">20,000<"), "{list}");
    assert!(!list.contains("20000"), "{list}");
    assert!(list.contains(" UTC<"), "{list}");
    // No raw RFC 3339 time (`2026-11-30T09:00:00Z`) in the list.
    let raw = regex_like_iso(list);
    assert!(raw.is_none(), "raw time {raw:?} in {list}");
    // The browser's own file input is hidden inside the zone, which names the file.
    assert!(
        html.contains("id=\"file\" class=\"visually-hidden\""),
        "{html}"
    );
    // The progress bar waits for an upload.
    assert!(html.contains("<progress id=\"progress\" value=\"0\" max=\"100\" hidden>"));
}

/// The first `YYYY-MM-DDTHH:MM` in `s`.
fn regex_like_iso(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(16)).find_map(|i| {
        let w = &b[i..i + 16];
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15];
        (digits.iter().all(|&j| w[j].is_ascii_digit())
            && w[4] == b'-'
            && w[7] == b'-'
            && w[10] == b'T'
            && w[13] == b':')
            .then(|| &s[i..i + 16])
    })
}

#[tokio::test]
async fn an_htmx_upload_answers_its_result_and_the_refreshed_list_out_of_band() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/datasets/upload", app.address))
        .header("HX-Request", "true")
        .multipart(form("people.csv", b"id,name\n1,Ann\n2,Bob\n", "people"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    assert!(!html.contains("<html"), "a fragment: {html}");
    assert!(html.contains("id=\"imported-rows\">2<"), "{html}");
    let oob = &html[html
        .find("<section id=\"dataset-list\" hx-swap-oob=\"true\">")
        .expect("the list, out of band")..];
    assert!(
        oob.contains("id=\"dataset-people\"") && oob.contains("id=\"dataset-sales\""),
        "{oob}"
    );
    // A refused file: the error in plain words, and the list as it was.
    let r = app
        .client
        .post(format!("{}/datasets/upload", app.address))
        .header("HX-Request", "true")
        .multipart(form("book.xlsx", b"PK\x03\x04 not a workbook", "book"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("this is not a valid XLSX file (it is not a zip archive)"),
        "{html}"
    );
    assert!(!html.contains("EOCD"), "{html}");
    assert!(!html.contains("id=\"dataset-book\""), "{html}");
}

#[tokio::test]
async fn without_javascript_the_upload_form_posts_and_a_whole_page_comes_back() {
    let app = spawn_app().await;
    let (cookie, csrf) = session(&app).await;
    let page = app
        .anon
        .get(format!("{}/datasets", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The form posts by itself, its token in the address (a multipart body is the handler's).
    let action = format!("action=\"/datasets/upload?_csrf={csrf}\"");
    assert!(page.contains(&action), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    let post = |token: &str| {
        app.anon
            .post(format!("{}/datasets/upload?_csrf={token}", app.address))
            .header("Cookie", &cookie)
            .header("Origin", &app.address)
            .multipart(form("people.csv", b"id,name\n1,Ann\n", "people"))
            .send()
    };
    assert_eq!(post("wrong").await.unwrap().status(), 403);
    let r = post(&csrf).await.unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<nav"), "the page's navigation: {html}");
    assert!(html.contains("id=\"imported-rows\">1<"), "{html}");
    assert!(html.contains("id=\"dataset-people\""), "listed: {html}");
    assert!(!html.contains("hx-swap-oob"), "{html}");
}

#[tokio::test]
async fn each_dataset_has_a_preview_of_its_first_rows_and_a_delete() {
    let app = spawn_app().await;
    let list = app.get("/datasets").await.text().await.unwrap();
    assert!(
        list.contains("hx-get=\"/datasets/sales\"")
            && list.contains("action=\"/datasets/sales/delete\"")
            && list.contains("hx-confirm=\"Delete the dataset “sales” and its 20,000 rows?"),
        "{list}"
    );
    // In place with htmx: the first rows alone.
    let r = app
        .client
        .get(format!("{}/datasets/sales", app.address))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let part = r.text().await.unwrap();
    assert!(!part.contains("<html"), "{part}");
    assert!(part.contains("<th>order_id (integer)</th>"), "{part}");
    assert!(part.contains("<td>1000001</td>"), "{part}");
    assert_eq!(part.matches("<tr>").count(), 21, "a header and 20 rows");
    // Its own page without JavaScript.
    let page = app.get("/datasets/sales").await.text().await.unwrap();
    assert!(page.contains("<nav") && page.contains("<td>1000001</td>"));
    assert_eq!(app.get("/datasets/nothing_here").await.status(), 404);
    // Delete: htmx gets the list without it; the API no longer knows it.
    let r = app
        .client
        .post(format!("{}/datasets/sales/delete", app.address))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("No datasets yet"), "{html}");
    assert_eq!(app.get("/api/v1/datasets/sales").await.status(), 404);
    // A viewer sees the preview but no delete, and cannot post one.
    let (_, viewer) = crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let viewer = crate::helpers::client_with(Some(&viewer));
    let r = viewer
        .post(format!("{}/datasets/sales/delete", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// A small dataset with blanks, repeats and values that are not numbers or dates.
const PEOPLE: &[u8] = b"id,name,score,joined,active\n\
1,Ann,10,2025-01-02,yes\n\
2,Bob,n/a,2025-02-30,no\n\
3,Cy,7,31/02/2025,yes\n\
4,,12,2025-03-01,\n\
5,Dee,-,2025-04-01,no\n\
6,Ann,3,2025-05-06,yes\n";

async fn people(app: &TestApp) {
    let r = app
        .client
        .post(format!("{}/api/v1/datasets", app.address))
        .multipart(form("people.csv", PEOPLE, "people"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// The text of the cell of class `class` in the statistics row of `column`.
fn stat(html: &str, column: &str, class: &str) -> String {
    let row = &html[html
        .find(&format!("id=\"column-{column}\""))
        .unwrap_or_else(|| panic!("row {column}: {html}"))..];
    let row = &row[..row.find("</tr>").unwrap()];
    let at = row
        .find(&format!("class=\"{class}\""))
        .or_else(|| row.find(&format!(" {class}\"")))
        .unwrap_or_else(|| panic!("{class} in {row}"));
    let cell = &row[row[..at].rfind("<td").unwrap()..];
    let cell = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
    // Tags out: the cell's words.
    let mut text = String::new();
    let mut in_tag = false;
    for c in cell.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_string()
}

async fn columns_html(app: &TestApp, dataset: &str) -> String {
    let r = app
        .client
        .get(format!("{}/datasets/{dataset}/columns", app.address))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The stored values of a column, through the datasets API's preview.
async fn stored(app: &TestApp, column: &str) -> Vec<serde_json::Value> {
    let v = app.get_json("/api/v1/datasets/people").await;
    let at = v["preview"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == column)
        .unwrap();
    v["preview"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[at].clone())
        .collect()
}

#[tokio::test]
async fn the_dataset_page_shows_each_columns_blanks_extremes_distinct_and_frequent_values() {
    let app = spawn_app().await;
    people(&app).await;
    // The page loads the section after itself.
    let page = app.get("/datasets/people").await.text().await.unwrap();
    assert!(
        page.contains("hx-get=\"/datasets/people/columns\" hx-trigger=\"load\""),
        "{page}"
    );
    let html = columns_html(&app, "people").await;
    assert!(!html.contains("<html"), "a fragment: {html}");
    assert_eq!(stat(&html, "id", "num blanks"), "0");
    assert_eq!(stat(&html, "id", "min"), "1");
    assert_eq!(stat(&html, "id", "max"), "6");
    assert_eq!(stat(&html, "id", "num distinct"), "6");
    assert_eq!(stat(&html, "name", "num blanks"), "1 (16.7%)");
    assert_eq!(stat(&html, "name", "min"), "Ann");
    assert_eq!(stat(&html, "name", "max"), "Dee");
    assert_eq!(stat(&html, "name", "num distinct"), "4");
    assert_eq!(stat(&html, "name", "top"), "Ann (2)");
    assert_eq!(stat(&html, "active", "num blanks"), "1 (16.7%)");
    assert_eq!(stat(&html, "active", "min"), "false");
    assert_eq!(stat(&html, "active", "top"), "true (3)false (2)");
    // Numbers for people: a 20,000-row dataset's ids with separators.
    let sales = columns_html(&app, "sales").await;
    assert_eq!(stat(&sales, "order_id", "num distinct"), "20,000");
    assert_eq!(stat(&sales, "order_id", "min"), "1,000,001");
    // Without JavaScript: a page of its own.
    let own = app
        .get("/datasets/people/columns")
        .await
        .text()
        .await
        .unwrap();
    assert!(own.contains("<nav") && own.contains("id=\"column-score\""));
    assert_eq!(app.get("/datasets/nothing/columns").await.status(), 404);
}

#[tokio::test]
async fn a_column_whose_values_do_not_convert_keeps_its_type_until_they_may_be_made_blank() {
    let app = spawn_app().await;
    people(&app).await;
    let report = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/reports",
            &serde_json::json!({
                "name": "Scores",
                "query": "SELECT count(score) AS scored, sum(score) AS total FROM people",
                "visualizations": [{ "id": "t", "type": "table" }]
            }),
        )
        .await;
    assert_eq!(report.status(), 201);
    let report: serde_json::Value = report.json().await.unwrap();
    let preview = format!("/api/v1/reports/{}/preview", report["id"].as_str().unwrap());
    assert_eq!(
        app.get_json(&preview).await["rows"],
        serde_json::json!([[6, 32.0]])
    );
    let before = stored(&app, "score").await;

    // Choosing a type checks it: how many, and which.
    let check = app
        .get("/datasets/people/columns/score/check?type=integer")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        check
            .contains("2 values of `score` are not whole numbers, e.g. &#39;n/a&#39;, &#39;-&#39;")
            && check.contains("name=\"blank\""),
        "{check}"
    );
    let dates = app
        .get("/datasets/people/columns/joined/check?type=date")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        dates.contains("2 values of `joined` are not dates (YYYY-MM-DD), e.g. &#39;2025-02-30&#39;, &#39;31/02/2025&#39;"),
        "{dates}"
    );

    // Change without the tick: refused in the column's row, nothing changed.
    let post = |form: &'static [(&'static str, &'static str)]| {
        app.client
            .post(format!(
                "{}/datasets/people/columns/score/type",
                app.address
            ))
            .header("HX-Request", "true")
            .form(form)
            .send()
    };
    let r = post(&[("type", "integer")]).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(
            "2 values of `score` are not whole numbers, e.g. &#39;n/a&#39;, &#39;-&#39;."
        ),
        "{html}"
    );
    assert_eq!(stat(&html, "score", "kind"), "text");
    assert!(html.contains("name=\"blank\""), "the box offered: {html}");
    assert_eq!(stored(&app, "score").await, before);
    // The API says the same, naming the field.
    let r = app
        .send_json(
            reqwest::Method::PATCH,
            "/api/v1/datasets/people/columns/score",
            &serde_json::json!({ "type": "integer" }),
        )
        .await;
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "type");
    assert!(p["detail"].as_str().unwrap().contains("2 values"), "{p}");
    assert_eq!(stored(&app, "score").await, before);

    // With the tick: converted, the bad ones blank, the type recorded.
    let r = post(&[("type", "integer"), ("blank", "1")]).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("`score` is now integer (was text): 4 values converted, 2 made blank."),
        "{html}"
    );
    assert_eq!(stat(&html, "score", "kind"), "integer");
    assert_eq!(stat(&html, "score", "num blanks"), "2 (33.3%)");
    assert_eq!(stat(&html, "score", "max"), "12");
    assert_eq!(
        stored(&app, "score").await,
        serde_json::json!([10, null, 7, 12, null, 3])
            .as_array()
            .unwrap()
            .clone()
    );
    let info = app.get_json("/api/v1/datasets/people").await;
    assert_eq!(info["columns"][2]["type"], "integer");
    // A report on the dataset runs on the new column (its cached result dropped).
    assert_eq!(
        app.get_json(&preview).await["rows"],
        serde_json::json!([[4, 32]])
    );
    // Recorded in the audit log (written just after the response: waited for).
    let mut audit = serde_json::Value::Null;
    for _ in 0..100 {
        audit = app
            .get_json("/api/v1/audit?action=POST%20/datasets/%7Bname%7D/columns/%7Bcolumn%7D/type")
            .await;
        if audit.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");

    // The API converts too: a date column, its bad values made blank.
    let r = app
        .send_json(
            reqwest::Method::PATCH,
            "/api/v1/datasets/people/columns/joined",
            &serde_json::json!({ "type": "date", "blankUnconvertible": true }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (v["converted"].as_u64(), v["blanked"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(v["columns"][3]["type"], "date");
}

#[tokio::test]
async fn a_viewer_sees_column_statistics_but_cannot_change_a_type() {
    let app = spawn_app().await;
    people(&app).await;
    let (_, viewer) = crate::helpers::user_with_token(
        &app.ctx,
        "viewer@example.com",
        quire::model::user::Role::Viewer,
    );
    let viewer = crate::helpers::client_with(Some(&viewer));
    let html = viewer
        .get(format!("{}/datasets/people/columns", app.address))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"column-score\""), "{html}");
    assert!(!html.contains("class=\"retype\""), "no form: {html}");
    let r = viewer
        .post(format!(
            "{}/datasets/people/columns/score/type",
            app.address
        ))
        .form(&[("type", "integer"), ("blank", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = viewer
        .patch(format!(
            "{}/api/v1/datasets/people/columns/score",
            app.address
        ))
        .json(&serde_json::json!({ "type": "integer", "blankUnconvertible": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = viewer
        .get(format!(
            "{}/datasets/people/columns/score/check?type=integer",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.get_json("/api/v1/datasets/people").await["columns"][2]["type"],
        "text"
    );
}

#[tokio::test]
async fn a_hostile_retype_is_refused_naming_what_is_wrong_and_the_data_stays() {
    let app = spawn_app().await;
    people(&app).await;
    let before = app.get_json("/api/v1/datasets/people").await;
    let patch = |column: String, body: serde_json::Value| {
        app.client
            .patch(format!(
                "{}/api/v1/datasets/people/columns/{column}",
                app.address
            ))
            .json(&body)
            .send()
    };
    let long = "x".repeat(10_000);
    let cases = [
        (
            "score".to_string(),
            serde_json::json!({ "type": "float" }),
            422,
            "type",
        ),
        (
            "score".to_string(),
            serde_json::json!({ "type": "text" }),
            422,
            "type",
        ),
        (
            "nope".to_string(),
            serde_json::json!({ "type": "integer" }),
            422,
            "column",
        ),
        (
            long.clone(),
            serde_json::json!({ "type": "integer" }),
            422,
            "column",
        ),
        (
            "score".to_string(),
            serde_json::json!({ "type": long }),
            422,
            "type",
        ),
        (
            "score".to_string(),
            serde_json::json!({ "kind": "integer" }),
            422,
            "kind",
        ),
        (
            "score".to_string(),
            serde_json::json!({ "type": 5 }),
            422,
            "type",
        ),
    ];
    for (column, body, status, field) in cases {
        let r = patch(column.clone(), body.clone()).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let p: serde_json::Value = r.json().await.unwrap();
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(field), "{body}: {p}");
        assert!(
            detail.len() < 400,
            "the answer does not echo 10,000 characters: {detail}"
        );
    }
    let r = app
        .client
        .patch(format!(
            "{}/api/v1/datasets/people/columns/score",
            app.address
        ))
        .header("Content-Type", "application/json")
        .body("{\"type\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A dataset that does not exist.
    let r = app
        .client
        .patch(format!(
            "{}/api/v1/datasets/nothing/columns/score",
            app.address
        ))
        .json(&serde_json::json!({ "type": "integer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A signed-in browser's form without its CSRF token.
    let (cookie, csrf) = session(&app).await;
    let form = |token: Option<&str>| {
        let mut f = vec![("type", "integer"), ("blank", "1")];
        if let Some(t) = token {
            f.push(("_csrf", t));
        }
        app.anon
            .post(format!(
                "{}/datasets/people/columns/score/type",
                app.address
            ))
            .header("Cookie", &cookie)
            .header("Origin", &app.address)
            .form(&f)
            .send()
    };
    let r = form(None).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("CSRF"));
    let after = app.get_json("/api/v1/datasets/people").await;
    assert_eq!(after["columns"], before["columns"]);
    assert_eq!(after["preview"], before["preview"]);
    // With it, a plain form is sent back to the page.
    let r = form(Some(&csrf)).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/datasets/people");
}

#[tokio::test]
async fn in_a_browser_a_type_is_checked_refused_then_changed_with_blanks_allowed() {
    if !crate::browser::browser_tests_enabled() {
        return;
    }
    let app = spawn_app().await;
    people(&app).await;
    let args = vec![app.address.clone(), "people".into(), "score".into()];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("dataset.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["before"]["kind"], "text", "{v}");
    assert_eq!(v["before"]["blanks"], "0", "{v}");
    let bad = "2 values of `score` are not whole numbers, e.g. 'n/a', '-'.";
    assert_eq!(v["checked"], bad, "{v}");
    assert_eq!(v["refused"], bad, "{v}");
    assert_eq!(v["kindAfterRefusal"], "text", "{v}");
    assert_eq!(v["offered"], true, "{v}");
    assert_eq!(
        v["note"], "`score` is now integer (was text): 4 values converted, 2 made blank.",
        "{v}"
    );
    assert_eq!(v["after"]["kind"], "integer", "{v}");
    assert_eq!(v["after"]["blanks"], "2 (33.3%)", "{v}");
    assert_eq!(v["loads"], 1, "all in place, no reload: {v}");
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");
}
