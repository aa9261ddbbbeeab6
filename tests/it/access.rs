//! Who may do what: the role matrix over every route of the route table, sessions (fixation,
//! logout, expiry), CSRF, brute force, API tokens (hashed at rest, revoked, expired), the
//! one-time setup link, and what a viewer's pages offer.

use crate::helpers::{
    client_with, spawn_app, spawn_app_with, user_with_token, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};
use quire::model::user::Role;
use quire::web::gate::Policy;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A concrete path for a route pattern: every parameter an id that exists nowhere.
fn concrete(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').unwrap() + i;
        let name = &rest[i + 1..end];
        out.push_str(if name.starts_with("path") {
            "app.css"
        } else {
            "00000000-0000-4000-8000-000000000000"
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

async fn send(
    client: &reqwest::Client,
    app: &TestApp,
    method: &str,
    path: &str,
) -> reqwest::Response {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = client.request(method.clone(), format!("{}{}", app.address, path));
    if method != Method::GET {
        r = if path.starts_with("/api/") {
            r.json(&json!({}))
        } else {
            r.form(&[("x", "1")])
        };
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn every_route_answers_each_role_as_its_policy_says() {
    let app = spawn_app().await;
    let viewer = client_with(Some(
        &user_with_token(&app.ctx, "viewer@example.com", Role::Viewer).1,
    ));
    let editor = client_with(Some(
        &user_with_token(&app.ctx, "editor@example.com", Role::Editor).1,
    ));
    let admin = client_with(Some(&app.token));
    let callers: [(Option<Role>, &reqwest::Client); 4] = [
        (None, &app.anon),
        (Some(Role::Viewer), &viewer),
        (Some(Role::Editor), &editor),
        (Some(Role::Admin), &admin),
    ];
    let mut checked = 0;
    for route in quire::web::ROUTES {
        let path = concrete(route.path);
        for (role, client) in &callers {
            let r = send(client, &app, route.method, &path).await;
            let status = r.status();
            let what = format!("{} {} as {role:?}: {status}", route.method, route.path);
            match (route.policy, role) {
                (Policy::Public, _) => {
                    assert_ne!(status, StatusCode::UNAUTHORIZED, "{what}");
                    // Setup is closed and the link ids exist nowhere: the pages say so.
                    if !["/setup", "/welcome"].contains(&route.path) {
                        assert_ne!(status, StatusCode::FORBIDDEN, "{what}");
                    }
                    assert!(!status.is_server_error(), "{what}");
                }
                (Policy::Role(_), None) => {
                    if route.method == "GET" && !route.path.starts_with("/api/") {
                        assert_eq!(status, StatusCode::SEE_OTHER, "{what}");
                        let to = r.headers()["location"].to_str().unwrap();
                        assert!(to.starts_with("/login?next="), "{what} → {to}");
                    } else {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
                    }
                }
                (Policy::Role(needed), Some(role)) if !role.allows(needed) => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
                }
                (Policy::Role(_), Some(_)) => {
                    assert!(
                        status != StatusCode::UNAUTHORIZED
                            && status != StatusCode::FORBIDDEN
                            && !status.is_server_error(),
                        "{what}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked} checks");
    // Deny by default: a path that is no route tells an anonymous caller nothing.
    assert_eq!(
        app.anon
            .get(format!("{}/no/such/page", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    assert_eq!(
        app.anon
            .get(format!("{}/api/v1/nothing", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(app.get("/api/v1/nothing").await.status(), 404);
}

#[test]
fn only_the_routes_the_contract_names_answer_without_sign_in() {
    let mut public: Vec<String> = quire::web::ROUTES
        .iter()
        .filter(|r| r.policy == Policy::Public)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    public.sort();
    assert_eq!(
        public,
        [
            "GET /auth/oidc/callback",
            "GET /auth/oidc/login",
            "GET /embed/{token}",
            "GET /embed/{token}/table/{wid}",
            "GET /embed/{token}/widgets/{wid}",
            "GET /exports/{id}/download",
            "GET /healthz",
            "GET /login",
            "GET /metrics",
            "GET /s/{token}",
            "GET /s/{token}/table/{wid}",
            "GET /s/{token}/widgets/{wid}",
            "GET /setup",
            "GET /static/{path:.*}",
            "GET /welcome",
            "POST /api/v1/auth/login",
            "POST /login",
            "POST /setup",
            "POST /welcome",
        ]
    );
}

/// Logs in through the API; returns the session cookie's value and the CSRF token.
async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.anon
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

fn session_of(r: &reqwest::Response) -> String {
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("quire_session=")
        .to_string()
}

async fn me(app: &TestApp, session: &str) -> StatusCode {
    app.anon
        .get(format!("{}/api/v1/auth/me", app.address))
        .header("Cookie", format!("quire_session={session}"))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_login_makes_a_new_session_that_logout_ends_on_the_server() {
    let app = spawn_app().await;
    assert_eq!(
        login(&app, ADMIN_EMAIL, "wrong password!").await.status(),
        401
    );
    // Fixation: a session id planted before login is never the one that comes out of it.
    let planted = "ab".repeat(32);
    let r = app
        .anon
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("Cookie", format!("quire_session={planted}"))
        .json(&json!({ "email": "  Admin@Example.com ", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let session = session_of(&r);
    assert_ne!(session, planted);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["email"], ADMIN_EMAIL);
    assert_eq!(body["user"]["role"], "admin");
    let csrf = body["csrfToken"].as_str().unwrap().to_string();
    assert_eq!(me(&app, &planted).await, 401);
    assert_eq!(me(&app, &session).await, 200);
    let second = session_of(&login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    assert_ne!(second, session, "each login is a new session");

    let out = app
        .anon
        .post(format!("{}/api/v1/auth/logout", app.address))
        .header("Cookie", format!("quire_session={session}"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(
        me(&app, &session).await,
        401,
        "the session is dead server-side"
    );
    assert_eq!(me(&app, &second).await, 200, "other sessions live on");
}

#[tokio::test]
async fn sessions_end_when_idle_too_long_or_past_their_end() {
    for tweak in [
        (|c: &mut quire::config::Config| c.auth.session_idle_minutes = 0)
            as fn(&mut quire::config::Config),
        |c| c.auth.session_max_hours = 0,
    ] {
        let app = spawn_app_with(tweak).await;
        let r = login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(r.status(), 200);
        assert_eq!(me(&app, &session_of(&r)).await, 401);
    }
}

#[tokio::test]
async fn unsafe_requests_with_a_cookie_need_the_csrf_token_and_our_origin() {
    let app = spawn_app().await;
    let r = login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let session = session_of(&r);
    let csrf = r.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let post = |token: Option<&str>, origin: Option<&str>, site: Option<&str>| {
        let mut req = app
            .anon
            .post(format!("{}/api/v1/reports", app.address))
            .header("Cookie", format!("quire_session={session}"))
            .json(&json!({}));
        if let Some(t) = token {
            req = req.header("X-CSRF-Token", t);
        }
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        if let Some(s) = site {
            req = req.header("Sec-Fetch-Site", s);
        }
        req.send()
    };
    assert_eq!(post(None, None, None).await.unwrap().status(), 403);
    assert_eq!(
        post(Some("0".repeat(64).as_str()), None, None)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(Some(&csrf), Some("https://evil.example"), None)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(Some(&csrf), None, Some("cross-site"))
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = post(Some(&csrf), Some(&app.address), Some("same-origin"))
        .await
        .unwrap();
    assert_eq!(
        ok.status(),
        422,
        "past the gate, the empty report is refused: {}",
        ok.text().await.unwrap()
    );
    // A plain form carries the token as a field, which the handler never sees.
    let form = |token: &str| {
        app.anon
            .post(format!("{}/account/tokens", app.address))
            .header("Cookie", format!("quire_session={session}"))
            .form(&[("_csrf", token), ("name", "from a form")])
            .send()
    };
    assert_eq!(form("nope").await.unwrap().status(), 403);
    let made = form(&csrf).await.unwrap();
    assert_eq!(made.status(), 200);
    assert!(
        made.text().await.unwrap().contains("quire_"),
        "the new token is shown once"
    );
    // A login posted from another site is refused too.
    let r = app
        .anon
        .post(format!("{}/login", app.address))
        .header("Origin", "https://evil.example")
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_origin_with_another_scheme_or_port_is_another_site() {
    let app = spawn_app().await;
    let r = login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let session = session_of(&r);
    let csrf = r.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let post = |origin: String| {
        app.anon
            .post(format!("{}/api/v1/reports", app.address))
            .header("Cookie", format!("quire_session={session}"))
            .header("X-CSRF-Token", &csrf)
            .header("Origin", origin)
            .json(&json!({}))
            .send()
    };
    for foreign in [
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        "http://127.0.0.1".to_string(),
        format!("http://127.0.0.1:{port}.evil.example"),
        "null".to_string(),
    ] {
        assert_eq!(
            post(foreign.clone()).await.unwrap().status(),
            403,
            "{foreign}"
        );
    }
    for ours in [app.address.clone(), app.address.to_uppercase()] {
        assert_eq!(post(ours.clone()).await.unwrap().status(), 422, "{ours}");
    }
}

#[tokio::test]
async fn repeated_failed_logins_are_refused_with_429_even_with_the_right_password() {
    let app = spawn_app().await;
    for _ in 0..quire::auth::limiter::PER_ACCOUNT {
        assert_eq!(
            login(&app, ADMIN_EMAIL, "not the password").await.status(),
            401
        );
    }
    let r = login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 900, "{wait}");
    // Another account is not locked out by them.
    user_with_token(&app.ctx, "other@example.com", Role::Viewer);
    assert_eq!(
        login(&app, "other@example.com", ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
    let audit = app.get_json("/api/v1/audit?action=login.failed").await;
    assert_eq!(
        audit.as_array().unwrap().len(),
        quire::auth::limiter::PER_ACCOUNT
    );
}

/// Logs in through the API from `from`, another loopback address (127.0.0.0/8 is all this
/// machine): the server sees it as the peer address.
async fn login_from(app: &TestApp, from: &str, email: &str, password: &str) -> StatusCode {
    reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn failed_logins_from_one_address_do_not_lock_the_account_out_from_another() {
    let app = spawn_app().await;
    // The attacker spells the admin's email every way that normalises to it.
    for spelling in [
        "admin@example.com",
        " ADMIN@example.com",
        "Admin@Example.COM ",
    ]
    .iter()
    .cycle()
    .take(quire::auth::limiter::PER_ACCOUNT + 1)
    {
        let s = login_from(&app, "127.0.0.9", spelling, "not the password").await;
        assert!(s == 401 || s == 429, "{s}");
    }
    assert_eq!(
        login_from(&app, "127.0.0.9", ADMIN_EMAIL, ADMIN_PASSWORD).await,
        429,
        "the attacker's own address stays refused"
    );
    assert_eq!(
        login_from(&app, "127.0.0.2", ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200,
        "the admin, elsewhere, still signs in"
    );
    assert_eq!(
        login_from(&app, "127.0.0.9", ADMIN_EMAIL, ADMIN_PASSWORD).await,
        429,
        "a success elsewhere does not free the attacker's address"
    );
}

#[tokio::test]
async fn next_sends_only_to_a_printable_path_of_this_site() {
    let app = spawn_app().await;
    let session = session_of(&login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let hostile = [
        "/\t/evil.example/",
        "/\t/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\nSet-Cookie: x=1",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\u{0}x",
        "/\u{7f}x",
        "/\u{85}/evil.example/",
        "\t/evil.example",
        "",
    ];
    for next in hostile {
        // Signed in already, GET /login sends on at once; a sign-in posts to it.
        let page = app
            .anon
            .get(format!("{}/login", app.address))
            .query(&[("next", next)])
            .header("Cookie", format!("quire_session={session}"))
            .send()
            .await
            .unwrap();
        let posted = app
            .anon
            .post(format!("{}/login", app.address))
            .form(&[
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        for r in [page, posted] {
            assert_eq!(r.status(), 303, "{next:?}");
            assert_eq!(r.headers()["location"], "/", "{next:?}");
        }
    }
    // A path of this site, with its query, is kept.
    let r = app
        .anon
        .get(format!("{}/login", app.address))
        .query(&[("next", "/reports?q=a%20b&x=/y")])
        .header("Cookie", format!("quire_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/reports?q=a%20b&x=/y");
    // The login page carries a sent `next` in its form only when it is one of ours.
    let page = app
        .anon
        .get(format!("{}/login?next=/%09/evil.example/", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("evil.example"), "{page}");
    // A schedule's row actions return to `next` too.
    let id = app.schedule_id().await;
    for next in [
        "/schedules\r\nX: y",
        "/schedules/\t/evil.example",
        "/schedules\\x",
    ] {
        let r = app
            .anon
            .post(format!("{}/schedules/{id}/toggle", app.address))
            .query(&[("next", next)])
            .header("Cookie", format!("quire_session={session}"))
            .form(&[("_csrf", csrf_of(&app, &session).await.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/schedules", "{next:?}");
    }
}

/// The CSRF token of a session.
async fn csrf_of(app: &TestApp, session: &str) -> String {
    let me: Value = app
        .anon
        .get(format!("{}/api/v1/auth/me", app.address))
        .header("Cookie", format!("quire_session={session}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["csrfToken"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn api_tokens_are_stored_hashed_and_stop_working_when_revoked_or_expired() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/api/v1/tokens", app.address))
        .json(&json!({ "name": "nightly", "role": "viewer", "expiresInDays": 30 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    let token = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();
    let viewer = client_with(Some(&token));
    assert_eq!(
        viewer
            .get(format!("{}/api/v1/reports", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        viewer
            .post(format!("{}/api/v1/reports", app.address))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "a viewer token cannot edit though its owner can"
    );
    // A token's role may not exceed its owner's.
    let r = viewer
        .post(format!("{}/api/v1/tokens", app.address))
        .json(&json!({ "name": "escalate", "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Nowhere in the database files is the token itself.
    for file in ["quire.db", "quire.db-wal"] {
        if let Ok(bytes) = std::fs::read(app.ctx.config.storage.data_dir.join(file)) {
            let secret = &token["quire_".len()..];
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{file} holds the token"
            );
        }
    }
    assert!(!app
        .get("/api/v1/tokens")
        .await
        .text()
        .await
        .unwrap()
        .contains(&token));
    let r = app
        .client
        .delete(format!("{}/api/v1/tokens/{id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        viewer
            .get(format!("{}/api/v1/reports", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // An expired token: stored with an end in the past.
    let conn = app.ctx.store.app.get().unwrap();
    let admin = quire::auth::users::find(&conn, ADMIN_EMAIL).unwrap();
    let old = format!("quire_{}", "c".repeat(64));
    quire::store::token::insert(
        &conn,
        &admin.id,
        "old",
        Role::Admin,
        &app.ctx.store.secrets.hash(&old),
        Some("2020-01-01T00:00:00Z"),
    )
    .unwrap();
    let expired = client_with(Some(&old));
    assert_eq!(
        expired
            .get(format!("{}/api/v1/reports", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        client_with(Some("quire_nonsense"))
            .get(format!("{}/api/v1/reports", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn the_setup_link_makes_the_first_admin_once_and_then_closes_for_good() {
    let data = tempfile::tempdir().unwrap();
    let mut config = quire::config::Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.storage.data_dir = data.path().to_path_buf();
    let app = quire::startup::Application::build(config, false)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let url = app
        .setup_url()
        .expect("no user yet: a setup link")
        .to_string();
    // It names the port actually bound (0 asked for any), not the default 8080.
    assert!(url.starts_with(&format!("{base}/setup?token=")), "{url}");
    let path = &url[url.find("/setup").unwrap()..];
    let token = path.split("token=").nth(1).unwrap().to_string();
    tokio::spawn(app.run_until_stopped());
    let anon = client_with(None);
    assert_eq!(
        anon.get(format!("{base}/setup"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        anon.get(format!("{base}/setup?token=wrong"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let page = anon.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Set up Quire"));
    let short = anon
        .post(format!("{base}/setup"))
        .form(&[
            ("token", token.as_str()),
            ("email", "boss@example.com"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);
    let done = anon
        .post(format!("{base}/setup"))
        .form(&[
            ("token", token.as_str()),
            ("email", "boss@example.com"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    assert!(done.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("quire_session="));
    for _ in 0..2 {
        assert_eq!(
            anon.get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        let again = anon
            .post(format!("{base}/setup"))
            .form(&[
                ("token", token.as_str()),
                ("email", "eve@example.com"),
                ("password", "a long enough password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 403);
    }
    let store = quire::store::Store::open(data.path(), &[], 0).unwrap();
    let users = quire::store::user::list(&*store.app.get().unwrap()).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].email.as_str(), users[0].role),
        ("boss@example.com", Role::Admin)
    );
    // Setup signed them in: that is their last sign-in, not "never".
    assert!(users[0].last_login_at.is_some(), "{:?}", users[0]);
}

#[tokio::test]
async fn the_setup_link_closes_once_the_command_line_adds_a_user_while_serving() {
    let data = tempfile::tempdir().unwrap();
    let mut config = quire::config::Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.storage.data_dir = data.path().to_path_buf();
    let app = quire::startup::Application::build(config, false)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let url = app.setup_url().expect("no user yet").to_string();
    let path = url[url.find("/setup").unwrap()..].to_string();
    let token = path.split("token=").nth(1).unwrap().to_string();
    tokio::spawn(app.run_until_stopped());
    let anon = client_with(None);
    let get = || anon.get(format!("{base}{path}")).send();
    assert_eq!(get().await.unwrap().status(), 200);
    // `quire users add` on the same data folder, from another process.
    {
        let store = quire::store::Store::open(data.path(), &[], 0).unwrap();
        let conn = store.app.get().unwrap();
        quire::auth::users::add(
            &conn,
            "ops@example.com",
            Role::Admin,
            Some("a long enough password"),
            None,
            None,
        )
        .unwrap();
    }
    let page = get().await.unwrap();
    assert_eq!(page.status(), 403);
    assert!(page.text().await.unwrap().contains("Setup is done"));
    let post = anon
        .post(format!("{base}/setup"))
        .form(&[
            ("token", token.as_str()),
            ("email", "eve@example.com"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
}

#[tokio::test]
async fn a_viewer_is_offered_no_editing_and_an_admin_manages_users_by_invite() {
    let app = spawn_app().await;
    let (_, viewer_token) = user_with_token(&app.ctx, "viewer@example.com", Role::Viewer);
    let viewer = client_with(Some(&viewer_token));
    let page = |path: &'static str| {
        let v = viewer.clone();
        let url = format!("{}{path}", app.address);
        async move { v.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let datasets = page("/datasets").await;
    assert!(
        !datasets.contains("id=\"upload\""),
        "no upload form for a viewer"
    );
    assert!(
        !datasets.contains("href=\"/schedules\""),
        "no schedules in the menu"
    );
    assert!(!page("/exports").await.contains("class=\"danger delete\""));
    assert!(app
        .get("/datasets")
        .await
        .text()
        .await
        .unwrap()
        .contains("id=\"upload\""));

    // An invite: a user with no password and a one-time link, used once.
    let r = app
        .client
        .post(format!("{}/api/v1/users", app.address))
        .json(&json!({ "email": "new@example.com", "role": "editor" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    let link = made["inviteUrl"].as_str().unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let set = |password: &str| {
        app.anon
            .post(format!("{}/welcome", app.address))
            .form(&[("token", token), ("password", password)])
            .send()
    };
    assert_eq!(set("short").await.unwrap().status(), 422);
    assert_eq!(set("the new user's password").await.unwrap().status(), 303);
    assert_eq!(
        set("the new user's password").await.unwrap().status(),
        403,
        "used once"
    );
    assert_eq!(
        login(&app, "new@example.com", "the new user's password")
            .await
            .status(),
        200
    );

    // The last administrator cannot be demoted or disabled.
    let admin = quire::auth::users::find(&*app.ctx.store.app.get().unwrap(), ADMIN_EMAIL).unwrap();
    let r = app
        .client
        .patch(format!("{}/api/v1/users/{}", app.address, admin.id))
        .json(&json!({ "disabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let audit = app.get_json("/api/v1/audit?action=user.").await;
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "user.create" && e["target"] == "new@example.com"));
}

#[tokio::test]
async fn changes_are_audited_with_who_and_what_and_pages_send_security_headers() {
    let app = spawn_app().await;
    let id = app.report_id().await;
    // A read that is posted (a preview) is not a change: not in the log.
    let r = app
        .client
        .post(format!("{}/api/v1/builder/preview", app.address))
        .json(&json!({ "builder": { "dataset": "sales", "measures": [{ "field": "order_id", "agg": "count" }] } }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .post(format!("{}/api/v1/reports/{id}/generate", app.address))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let mut found = false;
    for _ in 0..50 {
        let events = app
            .get_json("/api/v1/audit?action=POST%20/api/v1/reports/%7Bid%7D/generate")
            .await;
        if let Some(e) = events.as_array().unwrap().first() {
            assert_eq!(e["actor"], format!("{ADMIN_EMAIL} (token tests)"));
            assert_eq!(e["target"], id.as_str());
            assert_eq!(e["ip"], "127.0.0.1");
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(found, "the generate request was audited");
    // The page names what the id is.
    let name = app.get_json(&format!("/api/v1/reports/{id}")).await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let page = app.get("/admin/audit").await.text().await.unwrap();
    assert!(
        page.contains(&format!("<span title=\"{id}\">report “{name}”</span>")),
        "the audit page names the report"
    );
    let previews = app
        .get_json("/api/v1/audit?action=POST%20/api/v1/builder/preview")
        .await;
    assert_eq!(previews, json!([]), "previews are reads");
    let r = app.get("/").await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(r.headers().contains_key("referrer-policy"));
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
}

#[tokio::test]
async fn signed_in_pages_and_api_answers_are_not_stored_by_caches_but_assets_and_shares_may_be() {
    let app = spawn_app().await;
    let session = session_of(&login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let cache_control = |r: &reqwest::Response| {
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let report = app.report_id().await;
    for path in [
        "/".to_string(),
        format!("/reports/{report}"),
        "/schedules".into(),
        "/api/v1/reports".into(),
        "/api/v1/auth/me".into(),
        "/api/v1/nothing-here".into(),
    ] {
        let by_token = app.get(&path).await;
        assert_eq!(
            cache_control(&by_token).as_deref(),
            Some("no-store"),
            "{path}"
        );
        let by_cookie = app
            .anon
            .get(format!("{}{path}", app.address))
            .header("Cookie", format!("quire_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            cache_control(&by_cookie).as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    // An API answer is private even to no one: a 401 is not kept either.
    let r = app
        .anon
        .get(format!("{}/api/v1/reports", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(cache_control(&r).as_deref(), Some("no-store"));
    let css = app.get(&format!("/static/{}", "app.css")).await;
    let css = cache_control(&css).unwrap_or_default();
    assert!(css.contains("max-age="), "{css}");
    let made: Value = app
        .client
        .post(format!("{}/api/v1/shares", app.address))
        .json(&json!({ "reportId": report }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = made["url"].as_str().unwrap();
    let shared = app
        .anon
        .get(format!(
            "{}{}",
            app.address,
            &url[url.find("/s/").unwrap()..]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(shared.status(), 200);
    assert_eq!(cache_control(&shared), None);
}

#[tokio::test]
async fn metrics_need_their_own_token_once_one_is_set() {
    let app = spawn_app().await;
    assert_eq!(
        app.anon
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let app = spawn_app_with(|c| {
        c.server.metrics_token = Some(serde_json::from_value(json!("scrape-me-please")).unwrap())
    })
    .await;
    let url = format!("{}/metrics", app.address);
    assert_eq!(app.anon.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        app.get("/metrics").await.status(),
        401,
        "a user's token is not the metrics token"
    );
    let ok = client_with(Some("scrape-me-please"))
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("quire_"));
}

#[tokio::test]
async fn public_forms_work_with_a_session_cookie_and_no_csrf_token() {
    let app = spawn_app().await;
    let session = session_of(&login(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await);
    // Signing in again (or as someone else) from a browser that has a session.
    let r = app
        .anon
        .post(format!("{}/login", app.address))
        .header("Cookie", format!("quire_session={session}"))
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // But a change behind a role still needs the token.
    let r = app
        .anon
        .post(format!("{}/account/tokens", app.address))
        .header("Cookie", format!("quire_session={session}"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_editor_makes_a_dashboard_the_default_that_home_opens_and_a_viewer_cannot() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for name in ["Aardvark board", "Zebra board"] {
        let r = app
            .send_json(Method::POST, "/api/v1/dashboards", &json!({ "name": name }))
            .await;
        assert_eq!(r.status(), 201);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let zebra = &ids[1];
    let action = format!("/dashboards/{zebra}/default");
    let home = |client: reqwest::Client| {
        let url = format!("{}/", app.address);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(!home(app.client.clone())
        .await
        .contains("<h1>Zebra board</h1>"));

    // A viewer sees no switch and is refused.
    let (_, viewer_token) = user_with_token(&app.ctx, "viewer@example.com", Role::Viewer);
    let viewer = client_with(Some(&viewer_token));
    let list = viewer
        .get(format!("{}/dashboards", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&action), "no default switch for a viewer");
    let r = viewer
        .post(format!("{}{action}", app.address))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // An editor signed in sees it; without the CSRF token the form is refused.
    user_with_token(&app.ctx, "editor@example.com", Role::Editor);
    let r = login(&app, "editor@example.com", ADMIN_PASSWORD).await;
    let session = session_of(&r);
    let csrf = r.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let as_editor = |method: Method, path: String, form: Vec<(&'static str, String)>| {
        app.anon
            .request(method, format!("{}{path}", app.address))
            .header("Cookie", format!("quire_session={session}"))
            .form(&form)
            .send()
    };
    let list = as_editor(Method::GET, "/dashboards".into(), vec![])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("action=\"{action}\"")), "{list}");
    let r = as_editor(Method::POST, action.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no CSRF token");
    let r = as_editor(Method::POST, action.clone(), vec![("_csrf", csrf.clone())])
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/dashboards");

    // `/` opens it, the API says so, the list marks it and offers the switch on the others.
    assert!(home(viewer.clone()).await.contains("<h1>Zebra board</h1>"));
    let d = app.get_json(&format!("/api/v1/dashboards/{zebra}")).await;
    assert_eq!(d["default"], true, "{d}");
    let defaults = app
        .get_json("/api/v1/dashboards")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["default"] == true)
        .count();
    assert_eq!(defaults, 1, "one default");
    let list = app.get("/dashboards").await.text().await.unwrap();
    assert!(!list.contains(&format!("action=\"{action}\"")));
    assert!(list.contains(&format!("action=\"/dashboards/{}/default\"", ids[0])));
    // An unknown dashboard is a 404 naming it.
    let r = app
        .client
        .post(format!("{}/dashboards/nope/default", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("nope"));
}
