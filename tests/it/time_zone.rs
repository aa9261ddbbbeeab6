//! Times in one chosen zone (issue 15): every page time in the viewer's zone with the zone
//! named: the user's setting (/account/settings), else the browser's (`tz` cookie, checked),
//! else the server's. The API keeps RFC 3339 UTC.

use crate::helpers::{spawn_app, TestApp};
use chrono::DateTime;
use chrono_tz::Tz;

impl TestApp {
    /// A page, with a `Cookie` header if given.
    async fn page_with_cookie(&self, path: &str, cookie: Option<&str>) -> (u16, String) {
        let mut r = self.client.get(format!("{}{}", self.address, path));
        if let Some(c) = cookie {
            r = r.header("Cookie", c);
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Posts the settings form (a token caller needs no CSRF token); no redirects followed.
    async fn post_settings(&self, zone: &str) -> reqwest::Response {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}/account/settings", self.address))
            .bearer_auth(&self.token)
            .form(&[("time_zone", zone)])
            .send()
            .await
            .unwrap()
    }
}

/// How pages write a stored UTC time in `tz`, computed here from the API's value.
fn in_zone(rfc3339: &str, tz: Tz) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

#[tokio::test]
async fn a_user_in_tokyo_sees_exports_and_schedules_in_tokyo_time_and_the_api_stays_utc() {
    let app = spawn_app().await;
    let id = app.schedule_id().await;
    app.run_schedule(&id, |e| {
        e["status"] == "succeeded" || e["status"] == "failed"
    })
    .await;
    let r = app.post_settings("Asia/Tokyo").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account/settings?saved=1");

    let exports = app.get_json("/api/v1/exports").await;
    let created = exports[0]["createdAt"].as_str().unwrap().to_string();
    assert!(created.ends_with('Z'), "the API keeps UTC: {created}");
    // The setting wins over whatever the browser says.
    let (status, html) = app
        .page_with_cookie("/exports", Some("tz=America/New_York"))
        .await;
    assert_eq!(status, 200);
    let tokyo = in_zone(&created, chrono_tz::Asia::Tokyo);
    assert!(tokyo.ends_with(" JST"), "{tokyo}");
    assert!(html.contains(&tokyo), "{tokyo} not in {html}");

    let schedule = app.get_json(&format!("/api/v1/schedules/{id}")).await;
    let next = schedule["nextRunAt"].as_str().unwrap();
    assert!(next.ends_with('Z'), "{next}");
    let (_, html) = app.page_with_cookie("/schedules", None).await;
    let shown = in_zone(next, chrono_tz::Asia::Tokyo);
    assert!(html.contains(&shown), "{shown} not in {html}");
    // Monday 09:00 in New York is 23:00 on Monday in Tokyo.
    assert!(
        shown.starts_with("Mon ") && shown.contains(" 23:00 "),
        "{shown}"
    );

    let (_, settings) = app
        .page_with_cookie("/account/settings?saved=1", None)
        .await;
    assert!(
        settings.contains("<option selected>Asia/Tokyo</option>"),
        "{settings}"
    );
    assert!(settings.contains("Saved."), "{settings}");
    assert!(settings.contains("your setting"), "{settings}");
    // A new schedule starts in the user's zone.
    let (_, form) = app.page_with_cookie("/schedules/new", None).await;
    assert!(
        form.contains("name=\"timezone\" list=\"zones\" value=\"Asia/Tokyo\""),
        "{form}"
    );

    // Back to the browser's zone: the cookie counts again.
    assert_eq!(app.post_settings("").await.status(), 303);
    let (_, html) = app
        .page_with_cookie("/exports", Some("tz=America/New_York"))
        .await;
    let ny = in_zone(&created, chrono_tz::America::New_York);
    assert!(html.contains(&ny), "{ny} not in {html}");
}

#[tokio::test]
async fn a_bad_tz_cookie_is_ignored_and_the_page_shows_the_servers_zone() {
    let app = spawn_app().await;
    let id = app.schedule_id().await;
    let next = app.get_json(&format!("/api/v1/schedules/{id}")).await["nextRunAt"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, plain) = app.page_with_cookie("/schedules", None).await;
    assert_eq!(status, 200);
    let long = format!("tz={}", "A/".repeat(2500));
    for cookie in [
        "tz=../../etc/passwd",
        "tz=..%2F..%2Fetc",
        long.as_str(),
        "tz=Mars/Olympus",
        "tz=",
        "tz=Europe/Berlin<script>",
    ] {
        let (status, html) = app.page_with_cookie("/schedules", Some(cookie)).await;
        assert_eq!(status, 200, "{cookie}");
        let server = chrono_tz::UTC; // the test machine's zone when it has none set
        let expected = in_zone(&next, crate::time_zone::server_zone().unwrap_or(server));
        assert!(html.contains(&expected), "{cookie}: {expected} not in page");
        assert!(
            !html.contains("Mars/Olympus") && !html.contains("passwd"),
            "{cookie}"
        );
        let row = |h: &str| h[h.find("class=\"next\"").unwrap()..][..80].to_string();
        assert_eq!(row(&html), row(&plain), "{cookie}");
    }
}

/// The machine's zone, as the server reads it (`/etc/localtime`).
pub fn server_zone() -> Option<Tz> {
    if let Ok(tz) = std::env::var("TZ") {
        return tz.trim_start_matches(':').parse().ok();
    }
    std::fs::read_link("/etc/localtime").ok().and_then(|p| {
        p.to_string_lossy()
            .split_once("zoneinfo/")
            .and_then(|(_, z)| z.parse().ok())
    })
}

#[tokio::test]
async fn the_settings_form_refuses_an_unknown_zone_with_422_naming_the_field_and_keeps_the_old() {
    let app = spawn_app().await;
    assert_eq!(app.post_settings("Europe/Berlin").await.status(), 303);
    for bad in [
        "Mars/Olympus",
        "../../etc",
        &"x".repeat(5000),
        "Europe/Berlin\n",
    ] {
        let r = app.post_settings(bad).await;
        if bad.ends_with('\n') {
            // Surrounding blanks are trimmed: that one is fine.
            assert_eq!(r.status(), 303);
            continue;
        }
        assert_eq!(r.status(), 422, "{bad}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("<span class=\"field-error\">time zone: `"),
            "{bad}: {html}"
        );
        assert!(html.contains("aria-invalid=\"true\""), "{bad}");
        assert!(html.len() < 200_000 + 5000, "{bad}");
    }
    let (_, settings) = app.page_with_cookie("/account/settings", None).await;
    assert!(
        settings.contains("<option selected>Europe/Berlin</option>"),
        "the old setting is kept: {settings}"
    );
    // Each change is in the audit log, the refusals are not.
    let audit = app
        .get_json("/api/v1/audit?action=settings.time_zone")
        .await;
    let details: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "settings.time_zone")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details, ["Europe/Berlin", "Europe/Berlin"], "{audit}");
    // Anyone signed in has the page; no one else.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = anonymous
        .get(format!("{}/account/settings", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

/// The files say when they were made in their reader's zone: a download's PDF cover and
/// workbook in the downloader's, a scheduled export's in its schedule's; JSON stays UTC.
#[tokio::test]
async fn files_say_when_they_were_made_in_their_readers_zone() {
    let app = spawn_app().await;
    let report = app.report_id().await;
    // "Generated <time>" as the files write it, for each minute the request may have fallen in.
    let stamps = |from: DateTime<chrono::Utc>, tz: Tz| -> Vec<String> {
        (0..3)
            .map(|m| from + chrono::Duration::minutes(m))
            .map(|t| {
                format!(
                    "Generated {}",
                    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
                )
            })
            .collect()
    };
    let download = |format: &'static str, cookie: Option<&'static str>| {
        let mut r = app.client.get(format!(
            "{}/reports/{report}/download?format={format}&days=7",
            app.address
        ));
        if let Some(c) = cookie {
            r = r.header("Cookie", c);
        }
        async move {
            let r = r.send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap().to_vec()
        }
    };
    let cover = |pdf: &[u8]| {
        crate::helpers::pdf_pages(pdf)[0]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let from = chrono::Utc::now() - chrono::Duration::seconds(5);
    for (cookie, tz) in [
        (Some("tz=Asia/Tokyo"), chrono_tz::Asia::Tokyo),
        (None, server_zone().unwrap_or(chrono_tz::UTC)),
    ] {
        let want = stamps(from, tz);
        let text = cover(&download("pdf", cookie).await);
        assert!(
            want.iter().any(|w| text.contains(w.as_str())),
            "{want:?} on {text}"
        );
        let xlsx = download("xlsx", cookie).await;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        use calamine::Reader;
        let summary = book.worksheet_range("Summary").unwrap();
        let cell = summary.get_value((1, 0)).unwrap().to_string();
        assert!(want.contains(&cell), "{want:?}: {cell}");
    }
    assert!(cover(&download("pdf", Some("tz=Asia/Tokyo")).await).contains(" JST"));
    let json: serde_json::Value =
        serde_json::from_slice(&download("json", Some("tz=Asia/Tokyo")).await).unwrap();
    assert!(
        json["generatedAt"].as_str().unwrap().ends_with('Z'),
        "{json}"
    );

    // The demo schedule (America/New_York, PDF): its export's cover in New York time.
    let id = app.schedule_id().await;
    let from = chrono::Utc::now() - chrono::Duration::seconds(5);
    app.run_schedule(&id, |e| e["status"] == "succeeded").await;
    let exports = app.get_json("/api/v1/exports").await;
    let pdf = exports
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["format"] == "pdf")
        .expect("the schedule's PDF");
    let file = app
        .get(&format!(
            "/api/v1/exports/{}/download",
            pdf["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap();
    let want = stamps(from, chrono_tz::America::New_York);
    let text = cover(&file);
    assert!(
        want.iter().any(|w| text.contains(w.as_str())),
        "{want:?} on {text}"
    );
}
