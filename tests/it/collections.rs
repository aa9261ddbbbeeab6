//! Collections, tried as an outsider would: an editor with no access to a collection cannot
//! read, run, list, change or add to what it holds, by id or by name (404: they learn nothing),
//! a viewer-only group reads but cannot change (403), a personal collection is its owner's, bad
//! collections are refused naming what is wrong, and leaving a group counts at once.

use crate::helpers::{spawn_app, TestApp, Who};
use quire::model::user::Role;
use reqwest::Method;
use serde_json::{json, Value};

async fn admin(app: &TestApp, m: Method, path: &str, body: Value) -> Value {
    let r = app
        .client
        .request(m.clone(), format!("{}{path}", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{m} {path}: {status} {v}");
    v
}

fn report(name: &str, collection: Option<&str>) -> Value {
    let mut v = json!({"name": name, "builder": {"dataset": "sales", "dimensions": ["region"],
        "measures": [{"field": "revenue", "agg": "sum", "as": "revenue"}]},
        "visualizations": [{"id": "t", "type": "table", "title": "t"}]});
    if let Some(c) = collection {
        v["collectionId"] = json!(c);
    }
    v
}

#[tokio::test]
async fn a_collection_keeps_out_who_may_not_see_it_and_lets_viewers_only_read() {
    let app = spawn_app().await;
    let finance = admin(
        &app,
        Method::POST,
        "/api/v1/groups",
        json!({"name": "Finance"}),
    )
    .await;
    let staff = admin(
        &app,
        Method::POST,
        "/api/v1/groups",
        json!({"name": "Staff"}),
    )
    .await;
    let (fid, sid) = (
        finance["id"].as_str().unwrap(),
        staff["id"].as_str().unwrap(),
    );
    let accountant = Who::new(&app, "accountant@example.com", Role::Editor);
    let clerk = Who::new(&app, "clerk@example.com", Role::Editor);
    let outsider = Who::new(&app, "outsider@example.com", Role::Editor);
    for (g, who) in [(fid, &accountant), (sid, &clerk)] {
        admin(
            &app,
            Method::POST,
            &format!("/api/v1/groups/{g}/members/{}", who.id),
            json!(null),
        )
        .await;
    }
    let books = admin(
        &app,
        Method::POST,
        "/api/v1/collections",
        json!({"name": "Books", "permissions": [
            {"groupId": fid, "access": "edit"}, {"groupId": sid, "access": "view"}]}),
    )
    .await;
    let books = books["id"].as_str().unwrap().to_string();
    let ledger = admin(
        &app,
        Method::POST,
        "/api/v1/reports",
        report("Ledger", Some(&books)),
    )
    .await;
    let rid = ledger["id"].as_str().unwrap().to_string();
    let board = admin(
        &app,
        Method::POST,
        "/api/v1/dashboards",
        json!({"name": "Books board", "reportId": rid, "collectionId": books}),
    )
    .await;
    let did = board["id"].as_str().unwrap().to_string();

    // The outsider: not found, by id and by name, through every kind of route; not listed.
    for path in [
        format!("/api/v1/reports/{rid}"),
        "/api/v1/reports/Ledger".to_string(),
        format!("/api/v1/reports/{rid}/preview"),
        format!("/reports/{rid}"),
        format!("/reports/{rid}/download?format=csv"),
        format!("/api/v1/dashboards/{did}"),
        format!("/dashboards/{did}"),
        format!("/dashboards/{did}/widgets/t"),
        format!("/api/v1/collections/{books}"),
    ] {
        let (status, body) = outsider.send(&app, Method::GET, &path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.to_string().contains("Books"), "{path}: {body}");
    }
    for (m, path) in [
        (Method::PUT, format!("/api/v1/reports/{rid}")),
        (Method::DELETE, format!("/api/v1/reports/{rid}")),
        (Method::POST, format!("/api/v1/reports/{rid}/generate")),
    ] {
        let (status, _) = outsider
            .send(&app, m.clone(), &path, Some(report("Mine now", None)))
            .await;
        assert_eq!(status, 404, "{m} {path}");
    }
    let (_, listed) = outsider
        .send(&app, Method::GET, "/api/v1/reports", None)
        .await;
    assert!(!listed.to_string().contains("Ledger"), "{listed}");
    let (_, boards) = outsider
        .send(&app, Method::GET, "/api/v1/dashboards", None)
        .await;
    assert!(!boards.to_string().contains("Books board"), "{boards}");
    let (_, page) = outsider.send(&app, Method::GET, "/reports", None).await;
    assert!(!page.to_string().contains("Ledger"));
    let (_, cols) = outsider
        .send(&app, Method::GET, "/api/v1/collections", None)
        .await;
    let names: Vec<&str> = cols
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["outsider@example.com's collection"], "{cols}");
    // Nor can they add to it: it does not exist for them.
    let (status, body) = outsider
        .send(
            &app,
            Method::POST,
            "/api/v1/reports",
            Some(report("Sneak", Some(&books))),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("collectionId"), "{body}");

    // Nor the links that show it: the admin's share of the Ledger is not in their list.
    let link = admin(
        &app,
        Method::POST,
        "/api/v1/shares",
        json!({"reportId": rid}),
    )
    .await;
    let link = link["id"].as_str().unwrap().to_string();
    let (status, shares) = outsider
        .send(&app, Method::GET, "/api/v1/shares", None)
        .await;
    assert_eq!(status, 200);
    assert!(!shares.to_string().contains(&link), "{shares}");
    assert!(!shares.to_string().contains(&rid), "{shares}");
    let all = app.get_json("/api/v1/shares").await;
    assert!(
        all.to_string().contains(&link),
        "admins see every link: {all}"
    );

    // Nor what sends it.
    admin(
        &app,
        Method::POST,
        "/api/v1/schedules",
        json!({"name": "Ledger weekly", "reportId": rid, "schedule": "0 9 * * 1", "timezone": "UTC",
               "recipients": [{"type": "email", "address": "books@example.com"}]}),
    )
    .await;
    let (_, sent) = outsider
        .send(&app, Method::GET, "/api/v1/schedules", None)
        .await;
    assert!(!sent.to_string().contains("Ledger weekly"), "{sent}");
    let (_, page) = outsider.send(&app, Method::GET, "/schedules", None).await;
    assert!(!page.to_string().contains("Ledger weekly"));
    // Nor schedule it by its id.
    let (status, body) = outsider
        .send(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(
                json!({"name": "Mine", "reportId": rid, "schedule": "0 9 * * 1",
                        "recipients": [{"type": "email", "address": "me@example.com"}]}),
            ),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("no report"), "{body}");

    // The clerk views, runs and lists it, but may not change it or add to it.
    let (status, _) = clerk
        .send(
            &app,
            Method::GET,
            &format!("/api/v1/reports/{rid}/preview"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, listed) = clerk.send(&app, Method::GET, "/api/v1/reports", None).await;
    assert!(listed.to_string().contains("Ledger"));
    let (_, sent) = clerk
        .send(&app, Method::GET, "/api/v1/schedules", None)
        .await;
    assert!(sent.to_string().contains("Ledger weekly"), "{sent}");
    let (status, body) = clerk
        .send(
            &app,
            Method::PUT,
            &format!("/api/v1/reports/{rid}"),
            Some(report("Ledger", Some(&books))),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("view"), "{body}");
    let (status, _) = clerk
        .send(
            &app,
            Method::DELETE,
            &format!("/api/v1/dashboards/{did}"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = clerk
        .send(
            &app,
            Method::POST,
            "/api/v1/reports",
            Some(report("Extra", Some(&books))),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // The accountant changes it; out of the group, from the next request they cannot.
    let (status, body) = accountant
        .send(
            &app,
            Method::PUT,
            &format!("/api/v1/reports/{rid}"),
            Some(report("Ledger", Some(&books))),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The reports page says where each report is kept and picks a collection's reports.
    let page = accountant.get(&app, "/reports").await.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "<a href=\"/collections#collection-{books}\">Books</a>"
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!("<option value=\"{books}\">Books</option>")),
        "{page}"
    );
    let page = accountant
        .get(&app, &format!("/reports?collection={books}"))
        .await
        .text()
        .await
        .unwrap();
    let table = page.split("id=\"reports\"").nth(1).unwrap_or_default();
    let table = table.split("</table>").next().unwrap_or_default();
    assert!(table.contains(">Ledger<"), "{page}");
    assert!(
        !table.contains(">Sales overview<"),
        "only what Books holds: {page}"
    );
    let page = accountant
        .get(&app, "/reports?collection=top")
        .await
        .text()
        .await
        .unwrap();
    let table = page.split("id=\"reports\"").nth(1).unwrap_or_default();
    let table = table.split("</table>").next().unwrap_or_default();
    assert!(!table.contains(">Ledger<"));
    assert!(table.contains(">Sales overview<"), "{page}");
    let page = outsider.get(&app, "/reports").await.text().await.unwrap();
    assert!(
        !page.contains("Books"),
        "a hidden collection is not offered: {page}"
    );
    admin(
        &app,
        Method::DELETE,
        &format!("/api/v1/groups/{fid}/members/{}", accountant.id),
        json!(null),
    )
    .await;
    let (status, _) = accountant
        .send(&app, Method::GET, &format!("/api/v1/reports/{rid}"), None)
        .await;
    assert_eq!(status, 404);
    // Admins see everything.
    assert_eq!(
        app.get(&format!("/api/v1/reports/{rid}")).await.status(),
        200
    );
}

#[tokio::test]
async fn a_personal_collection_is_its_owners_and_bad_collections_are_refused() {
    let app = spawn_app().await;
    let ana = Who::new(&app, "ana@example.com", Role::Editor);
    let bo = Who::new(&app, "bo@example.com", Role::Editor);
    let (_, mine) = ana
        .send(&app, Method::GET, "/api/v1/collections", None)
        .await;
    let personal = mine[0]["id"].as_str().unwrap().to_string();
    assert_eq!(mine[0]["access"], "edit");
    let (status, made) = ana
        .send(
            &app,
            Method::POST,
            "/api/v1/reports",
            Some(report("Draft", Some(&personal))),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let rid = made["id"].as_str().unwrap();
    assert_eq!(
        bo.send(&app, Method::GET, &format!("/api/v1/reports/{rid}"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        ana.send(&app, Method::GET, &format!("/api/v1/reports/{rid}"), None)
            .await
            .0,
        200
    );
    // Deleted, it stays out of the others' trash.
    let (status, _) = ana
        .send(
            &app,
            Method::DELETE,
            &format!("/api/v1/reports/{rid}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, theirs) = bo.send(&app, Method::GET, "/api/v1/trash", None).await;
    assert!(!theirs.to_string().contains("Draft"), "{theirs}");
    let (_, mine) = ana.send(&app, Method::GET, "/api/v1/trash", None).await;
    assert!(mine.to_string().contains("Draft"), "{mine}");

    let group = app
        .client
        .post(format!("{}/api/v1/groups", app.address))
        .json(&json!({"name": "G"}))
        .send()
        .await
        .unwrap();
    let gid = group.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, top) = ana
        .send(
            &app,
            Method::POST,
            "/api/v1/collections",
            Some(json!({"name": "Top"})),
        )
        .await;
    let top = top["id"].as_str().unwrap().to_string();
    let (status, sub) = ana
        .send(
            &app,
            Method::POST,
            "/api/v1/collections",
            Some(json!({"name": "Sub", "parentId": top})),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    let sub = sub["id"].as_str().unwrap().to_string();
    for (m, path, body, needle) in [
        (
            Method::POST,
            "/api/v1/collections".to_string(),
            json!({"name": ""}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/collections".to_string(),
            json!({"name": "x".repeat(101)}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/collections".to_string(),
            json!({"name": "a\u{1}"}),
            "control",
        ),
        (
            Method::POST,
            "/api/v1/collections".to_string(),
            json!({"name": "x", "parentId": "nope"}),
            "parentId",
        ),
        (
            Method::POST,
            "/api/v1/collections".to_string(),
            json!({"name": "x", "permissions": [{"groupId": gid, "access": "view"}]}),
            "only admins",
        ),
        (
            Method::POST,
            "/api/v1/collections".to_string(),
            json!({"name": "x", "owner": "me"}),
            "owner",
        ),
        (
            Method::PUT,
            format!("/api/v1/collections/{top}"),
            json!({"name": "Top", "parentId": sub}),
            "inside itself",
        ),
        (
            Method::PUT,
            format!("/api/v1/collections/{personal}"),
            json!({"name": "P", "parentId": top}),
            "personal",
        ),
        (
            Method::DELETE,
            format!("/api/v1/collections/{top}"),
            json!(null),
            "holds",
        ),
    ] {
        let (status, body) = ana.send(&app, m.clone(), &path, Some(body.clone())).await;
        assert!((400..500).contains(&status), "{m} {path} {body}: {status}");
        assert!(body.to_string().contains(needle), "{m} {path}: {body}");
    }
    // Permissions naming no group, from an admin: refused, nothing stored.
    let r = app
        .client
        .put(format!("{}/api/v1/collections/{top}", app.address))
        .json(&json!({"name": "Top", "permissions": [{"groupId": "nope", "access": "edit"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let (_, still) = ana
        .send(
            &app,
            Method::GET,
            &format!("/api/v1/collections/{top}"),
            None,
        )
        .await;
    assert_eq!(still["permissions"], json!([]), "{still}");
    // Nested deeper than ten: refused.
    let mut parent = sub.clone();
    let mut refused = None;
    for i in 0..12 {
        let (status, c) = ana
            .send(
                &app,
                Method::POST,
                "/api/v1/collections",
                Some(json!({"name": format!("L{i}"), "parentId": parent})),
            )
            .await;
        if status != 201 {
            refused = Some(c);
            break;
        }
        parent = c["id"].as_str().unwrap().to_string();
    }
    assert!(refused.unwrap().to_string().contains("10 deep"));
}

#[tokio::test]
async fn one_report_shared_with_a_person_or_a_group_opens_for_them_alone_until_revoked() {
    let app = spawn_app().await;
    let staff = admin(
        &app,
        Method::POST,
        "/api/v1/groups",
        json!({"name": "Staff"}),
    )
    .await;
    let sid = staff["id"].as_str().unwrap().to_string();
    let locked = admin(
        &app,
        Method::POST,
        "/api/v1/collections",
        json!({"name": "Locked", "permissions": [{"groupId": sid, "access": "none"}]}),
    )
    .await;
    let locked = locked["id"].as_str().unwrap().to_string();
    let made = admin(
        &app,
        Method::POST,
        "/api/v1/reports",
        report("Payroll", Some(&locked)),
    )
    .await;
    let rid = made["id"].as_str().unwrap().to_string();
    let guest = Who::new(&app, "guest@example.com", Role::Editor);
    let clerk = Who::new(&app, "clerk@example.com", Role::Editor);
    admin(
        &app,
        Method::POST,
        &format!("/api/v1/groups/{sid}/members/{}", clerk.id),
        json!(null),
    )
    .await;
    let path = format!("/api/v1/reports/{rid}");
    assert_eq!(guest.send(&app, Method::GET, &path, None).await.0, 404);

    // Shared with the guest to view: they open it, find it listed, cannot change it; an email tells them.
    let share = admin(
        &app,
        Method::POST,
        &format!("{path}/access"),
        json!({"userId": guest.id, "access": "view", "expiresInDays": 30}),
    )
    .await;
    assert_eq!(guest.send(&app, Method::GET, &path, None).await.0, 200);
    let (_, listed) = guest.send(&app, Method::GET, "/api/v1/reports", None).await;
    assert!(listed.to_string().contains("Payroll"));
    let (status, _) = guest
        .send(
            &app,
            Method::PUT,
            &path,
            Some(report("Payroll", Some(&locked))),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        clerk.send(&app, Method::GET, &path, None).await.0,
        404,
        "not theirs"
    );
    let mail = app
        .smtp
        .wait_for(1, std::time::Duration::from_secs(30))
        .await;
    assert_eq!(mail[0].to, ["guest@example.com"]);
    let text = String::from_utf8_lossy(&mail[0].data).to_string();
    assert!(
        text.contains("Payroll") && text.contains(&format!("/reports/{rid}")),
        "{text}"
    );

    // Shared with the clerk's group to edit: they change it where it is.
    admin(
        &app,
        Method::POST,
        &format!("{path}/access"),
        json!({"groupId": sid, "access": "edit"}),
    )
    .await;
    let (status, body) = clerk
        .send(
            &app,
            Method::PUT,
            &path,
            Some(report("Payroll", Some(&locked))),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The guest may not manage who it is shared with (they may only view it).
    let (status, _) = guest
        .send(&app, Method::GET, &format!("{path}/access"), None)
        .await;
    assert_eq!(status, 403);

    // Revoked: not found again, from the next request.
    let r = app
        .client
        .delete(format!(
            "{}{path}/access/{}",
            app.address,
            share["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(guest.send(&app, Method::GET, &path, None).await.0, 404);

    // Expired: as if it were not there.
    let conn = app.ctx.store.app.get().unwrap();
    conn.execute(
        "INSERT INTO object_shares (id, kind, object_id, user_id, access, expires_at, created_at)
         VALUES ('old', 'report', ?1, ?2, 'view', '2020-01-01T00:00:00Z', '2019-01-01T00:00:00Z')",
        rusqlite::params![rid, guest.id],
    )
    .unwrap();
    drop(conn);
    assert_eq!(guest.send(&app, Method::GET, &path, None).await.0, 404);

    for (body, needle) in [
        (
            json!({"userId": guest.id, "groupId": sid, "access": "view"}),
            "one userId or one groupId",
        ),
        (json!({"access": "view"}), "one userId or one groupId"),
        (
            json!({"userId": guest.id, "access": "none"}),
            "view or edit",
        ),
        (json!({"userId": guest.id, "access": "all"}), "access"),
        (
            json!({"userId": guest.id, "access": "view", "expiresInDays": 0}),
            "expiresInDays",
        ),
        (json!({"userId": "nope", "access": "view"}), "no user"),
        (json!({"groupId": "nope", "access": "view"}), "no group"),
    ] {
        let r = app
            .client
            .post(format!("{}{path}/access", app.address))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!((400..500).contains(&status), "{body}: {status}");
        assert!(text.contains(needle), "{body}: {text}");
    }
}
