//! The pages of groups, policies, attributes and collections, used as a browser would (a
//! session cookie and the form's CSRF token): each change lands or comes back with why not,
//! and what they changed is what the API then shows.

use crate::helpers::{spawn_app, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use serde_json::{json, Value};

struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(app: &TestApp) -> Session {
    let r = app
        .anon
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let me: Value = app
        .anon
        .get(format!("{}/api/v1/auth/me", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Session {
        cookie,
        csrf: me["csrfToken"].as_str().unwrap().to_string(),
    }
}

impl Session {
    async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: Vec<(&str, &str)> = vec![("_csrf", &self.csrf)];
        form.extend_from_slice(fields);
        let r = app
            .anon
            .post(format!("{}{path}", app.address))
            .header("Cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn page(&self, app: &TestApp, path: &str) -> String {
        app.anon
            .get(format!("{}{path}", app.address))
            .header("Cookie", &self.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn groups_policies_and_attributes_are_set_on_the_access_page() {
    let app = spawn_app().await;
    let s = sign_in(&app).await;
    assert_eq!(
        s.post(&app, "/admin/access/groups", &[("name", "Area managers")])
            .await
            .0,
        303
    );
    let (status, page) = s
        .post(&app, "/admin/access/groups", &[("name", "area MANAGERS")])
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("access-error") && page.contains("exists"),
        "{page}"
    );
    let groups = app.get_json("/api/v1/groups").await;
    let gid = groups[0]["id"].as_str().unwrap().to_string();
    let policy = |field: &'static str, op: &'static str, value: &'static str| {
        [
            ("dataset", "sales"),
            ("group", ""),
            ("field", field),
            ("op", op),
            ("value", value),
        ]
    };
    let mut bad = policy("nope", "eq", "x");
    bad[1].1 = &gid;
    let (status, page) = s.post(&app, "/admin/access/policies", &bad).await;
    assert_eq!(status, 422);
    assert!(page.contains("no column"), "{page}");
    let mut good = policy("region", "in", "North, South");
    good[1].1 = &gid;
    assert_eq!(s.post(&app, "/admin/access/policies", &good).await.0, 303);
    let stored = app.get_json("/api/v1/row-policies").await;
    assert_eq!(
        stored[0]["filter"]["value"],
        json!(["North", "South"]),
        "{stored}"
    );
    assert!(s
        .page(&app, "/admin/access")
        .await
        .contains("region is one of North, South"));

    let users = app.get_json("/api/v1/users").await;
    let uid = users[0]["id"].as_str().unwrap().to_string();
    let path = format!("/admin/access/users/{uid}/attributes");
    let (status, page) = s
        .post(&app, &path, &[("attributes", "region=North; oops")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("not key=value"), "{page}");
    assert_eq!(
        s.post(&app, &path, &[("attributes", "region = North; team=Ops")])
            .await
            .0,
        303
    );
    let user = app.get_json(&format!("/api/v1/users/{uid}")).await;
    assert_eq!(
        user["attributes"],
        json!({"region": "North", "team": "Ops"})
    );
    let (status, _) = s
        .post(
            &app,
            &format!("/admin/access/groups/{gid}/members"),
            &[("user", &uid)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        app.get_json(&format!("/api/v1/groups/{gid}")).await["members"][0]["id"],
        uid
    );
}

#[tokio::test]
async fn collections_are_made_filled_and_guarded_on_their_page() {
    let app = spawn_app().await;
    let s = sign_in(&app).await;
    assert_eq!(
        s.post(&app, "/collections", &[("name", "Finance"), ("parent", "")])
            .await
            .0,
        303
    );
    let (status, page) = s
        .post(&app, "/collections", &[("name", ""), ("parent", "")])
        .await;
    assert_eq!(status, 422, "{page}");
    let all = app.get_json("/api/v1/collections").await;
    let fin = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Finance")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let report = app.report_id().await;
    let moved = [
        ("kind", "report"),
        ("id", report.as_str()),
        ("to", fin.as_str()),
    ];
    assert_eq!(s.post(&app, "/collections/move", &moved).await.0, 303);
    let def = app.get_json(&format!("/api/v1/reports/{report}")).await;
    assert_eq!(def["collectionId"], fin.as_str(), "{def}");
    for bad in [
        [
            ("kind", "table"),
            ("id", report.as_str()),
            ("to", fin.as_str()),
        ],
        [("kind", "report"), ("id", "nope"), ("to", fin.as_str())],
        [("kind", "report"), ("id", report.as_str()), ("to", "nope")],
    ] {
        let (status, page) = s.post(&app, "/collections/move", &bad).await;
        assert!((400..500).contains(&status), "{bad:?}: {status}");
        assert!(page.contains("collection-error"), "{bad:?}");
    }
    let def = app.get_json(&format!("/api/v1/reports/{report}")).await;
    assert_eq!(def["collectionId"], fin.as_str(), "unchanged: {def}");
    let page = s.page(&app, "/collections").await;
    assert!(page.contains(&format!("collection-{fin}")) && page.contains("Sales overview"));
    let (status, page) = s
        .post(&app, &format!("/collections/{fin}/delete"), &[])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("holds 1 report"), "{page}");
    let g = app
        .client
        .post(format!("{}/api/v1/groups", app.address))
        .json(&json!({"name": "Staff"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let key = format!("g.{}", g["id"].as_str().unwrap());
    let path = format!("/collections/{fin}/permissions");
    assert_eq!(s.post(&app, &path, &[(key.as_str(), "view")]).await.0, 303);
    let c = app.get_json(&format!("/api/v1/collections/{fin}")).await;
    assert_eq!(c["permissions"][0]["access"], "view", "{c}");
    let (status, _) = s.post(&app, &path, &[(key.as_str(), "everything")]).await;
    assert_eq!(status, 422);

    // Shared with one group from the page, listed there, then no longer.
    let with = format!("g:{}", g["id"].as_str().unwrap());
    let share = [
        ("kind", "report"),
        ("id", report.as_str()),
        ("with", with.as_str()),
        ("access", "edit"),
        ("days", "30"),
    ];
    assert_eq!(s.post(&app, "/collections/share", &share).await.0, 303);
    let shares = app
        .get_json(&format!("/api/v1/reports/{report}/access"))
        .await;
    assert_eq!(shares[0]["access"], "edit", "{shares}");
    assert!(s
        .page(&app, "/collections")
        .await
        .contains("group Staff · edit · until"));
    let bad = [
        ("kind", "report"),
        ("id", report.as_str()),
        ("with", "x:1"),
        ("access", "edit"),
    ];
    let (status, page) = s.post(&app, "/collections/share", &bad).await;
    assert_eq!(status, 422, "{page}");
    let sid = shares[0]["id"].as_str().unwrap();
    let stop = [("kind", "report"), ("id", report.as_str()), ("share", sid)];
    assert_eq!(s.post(&app, "/collections/unshare", &stop).await.0, 303);
    assert_eq!(
        app.get_json(&format!("/api/v1/reports/{report}/access"))
            .await,
        json!([])
    );
}

#[tokio::test]
async fn an_admin_views_pages_as_a_north_manager_read_only_until_they_stop() {
    let app = spawn_app().await;
    let s = sign_in(&app).await;
    let g = app
        .client
        .post(format!("{}/api/v1/groups", app.address))
        .json(&json!({"name": "North"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let gid = g["id"].as_str().unwrap().to_string();
    let r = app
        .client
        .post(format!("{}/api/v1/row-policies", app.address))
        .json(&json!({"dataset": "sales", "groupId": gid,
                      "filter": {"field": "region", "op": "eq", "value": "North"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (north, _) = crate::helpers::user_with_token(
        &app.ctx,
        "north@example.com",
        quire::model::user::Role::Viewer,
    );
    app.client
        .post(format!(
            "{}/api/v1/groups/{gid}/members/{north}",
            app.address
        ))
        .send()
        .await
        .unwrap();
    let report = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .json(
            &json!({"name": "By region", "builder": {"dataset": "sales", "dimensions": ["region"],
            "measures": [{"field": "revenue", "agg": "sum"}]},
            "visualizations": [{"id": "t", "type": "table", "title": "t"}]}),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let preview = format!("/api/v1/reports/{}/preview", report["id"].as_str().unwrap());

    let (status, _) = s.post(&app, "/admin/view-as", &[("user", "nope")]).await;
    assert_eq!(status, 422, "no such user: no cookie");
    let r = app
        .anon
        .post(format!("{}/admin/view-as", app.address))
        .header("Cookie", &s.cookie)
        .form(&[("_csrf", s.csrf.as_str()), ("user", north.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let view_as = r.headers()["set-cookie"].to_str().unwrap();
    let view_as = view_as.split(';').next().unwrap().to_string();
    let as_north = Session {
        cookie: format!("{}; {view_as}", s.cookie),
        csrf: s.csrf.clone(),
    };
    let rows: Value = serde_json::from_str(&as_north.page(&app, &preview).await).unwrap();
    assert_eq!(rows["rows"].as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows["rows"][0][0], "North");
    let home = as_north.page(&app, "/reports").await;
    assert!(
        home.contains("viewing-as") && home.contains("north@example.com"),
        "the banner"
    );
    assert!(!home.contains("href=\"/admin/users\""), "a viewer's menu");
    let (status, _) = as_north
        .post(&app, "/collections", &[("name", "x"), ("parent", "")])
        .await;
    assert_eq!(status, 403, "read-only");
    let r = app
        .anon
        .get(format!("{}/admin/users", app.address))
        .header("Cookie", &as_north.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A token never views as anyone, whatever cookie comes with it.
    let r = app
        .client
        .get(format!("{}{preview}", app.address))
        .header("Cookie", &view_as)
        .send()
        .await
        .unwrap();
    assert!(
        r.json::<Value>().await.unwrap()["rows"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    let (status, _) = as_north.post(&app, "/view-as/stop", &[]).await;
    assert_eq!(status, 303);
    let rows: Value = serde_json::from_str(&s.page(&app, &preview).await).unwrap();
    assert!(
        rows["rows"].as_array().unwrap().len() > 1,
        "their own eyes again"
    );
}
