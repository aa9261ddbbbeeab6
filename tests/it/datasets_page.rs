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
