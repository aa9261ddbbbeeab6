//! The first-run checklist on an empty home page (issue 23, item 8): each step a link, ticked
//! from what the store holds.

use crate::helpers::{spawn_app, TestApp};
use serde_json::json;

/// The checklist's steps on `/`: (key, done, link).
async fn steps(app: &TestApp) -> (String, Vec<(String, bool, Option<String>)>) {
    let r = app.get("/").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let list = &html[html.find("<ol class=\"checklist\">").expect("a checklist")..];
    let list = &list[..list.find("</ol>").unwrap()];
    let steps = list
        .split("<li class=\"")
        .skip(1)
        .map(|li| {
            let key = &li[li.find("data-step=\"").unwrap() + 11..];
            let key = key[..key.find('"').unwrap()].to_string();
            let link = li.find("<a href=\"").map(|i| {
                let h = &li[i + 9..];
                h[..h.find('"').unwrap()].to_string()
            });
            (key, li.starts_with("done"), link)
        })
        .collect();
    let done = &html[html.find("id=\"first-run-done\">").unwrap() + 20..];
    (done[..done.find('<').unwrap()].to_string(), steps)
}

#[tokio::test]
async fn an_empty_home_page_lists_the_first_steps_and_ticks_them_as_they_are_done() {
    let app = spawn_app().await;
    // The demo's dashboard gone: the home page is empty. Its report and schedule stay.
    for d in app.get_json("/api/v1/dashboards").await.as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        let r = app
            .client
            .delete(format!("{}/api/v1/dashboards/{id}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    let (done, list) = steps(&app).await;
    assert_eq!(done, "2 of 5 done");
    assert_eq!(
        list,
        [
            ("data".into(), false, Some("/datasets".into())),
            ("report".into(), true, Some("/builder".into())),
            ("dashboard".into(), false, Some("/dashboards".into())),
            ("schedule".into(), true, Some("/schedules/new".into())),
            ("people".into(), false, Some("/admin/users".into())),
        ]
    );
    // Data of one's own (the demo's does not count), and a colleague.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"region,target\nNorth,10\nSouth,20\n".to_vec())
                .file_name("targets.csv"),
        )
        .text("name", "targets");
    let r = app
        .client
        .post(format!("{}/api/v1/datasets", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .client
        .post(format!("{}/api/v1/users", app.address))
        .json(&json!({ "email": "colleague@example.com", "role": "viewer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (done, list) = steps(&app).await;
    assert_eq!(done, "4 of 5 done");
    let ticked: Vec<&str> = list.iter().filter(|s| s.1).map(|s| s.0.as_str()).collect();
    assert_eq!(ticked, ["data", "report", "schedule", "people"]);
}
