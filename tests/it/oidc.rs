//! Sign-in with OpenID Connect against a real provider on loopback (`oidc-provider-mock` from
//! PyPI, RS256-signed ID tokens). A relay in front of it (the provider believes it is the relay:
//! the Host header is passed on) counts what Quire asks for and, to stage attacks, asks for a
//! token as another application or alters the ID token on its way back.
//!
//! Run as an outsider would: the browser's trip is followed by hand (login → provider's consent
//! form → callback), cookies carried as a browser carries them.

mod provider;

use crate::helpers::{spawn_app_with, TestApp, ADMIN_PASSWORD};
use crate::restart::free_port;
use provider::{mock, relay, OTHER_CLIENT, TAMPER};
use quire::model::user::Role;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// An app whose `[auth.oidc]` names `issuer`.
async fn app_with(issuer: &str, tweak: impl FnOnce(&mut quire::config::OidcConfig)) -> TestApp {
    let mut o: quire::config::OidcConfig = serde_json::from_value(json!({
        "issuer": issuer, "client_id": "quire", "client_secret": "secret",
        "groups_claim": "groups", "attribute_claims": ["region"], "name": "Acme",
    }))
    .unwrap();
    tweak(&mut o);
    spawn_app_with(|c| c.auth.oidc = Some(o)).await
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The value of the cookie `name` a response sets.
fn cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))?
                .split(';')
                .next()
                .map(String::from)
        })
        .filter(|v| !v.is_empty())
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// A browser's trip to the provider and back: `/auth/oidc/login?next=`, the provider's form
/// submitted as `sub` (the authorization URL first passed through `edit`), then the callback
/// with the state cookie. The callback's answer and the callback URL.
struct Trip {
    callback_url: String,
    state_cookie: String,
}

async fn to_provider(app: &TestApp, sub: &str, edit: impl Fn(String) -> String) -> Trip {
    let b = no_redirects();
    let r = b
        .get(format!("{}/auth/oidc/login?next=/dashboards", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let state_cookie = cookie(&r, "quire_oidc").expect("the state cookie");
    let authorize = edit(location(&r));
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(
        authorize.contains(&format!("state={state_cookie}")),
        "{authorize}"
    );
    let r = b
        .post(&authorize)
        .form(&[("sub", sub)])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let callback_url = location(&r);
    assert!(
        callback_url.starts_with(&format!("{}/auth/oidc/callback?", app.address)),
        "{callback_url}"
    );
    Trip {
        callback_url,
        state_cookie,
    }
}

async fn back(trip: &Trip, cookie_value: Option<&str>) -> reqwest::Response {
    let mut req = no_redirects().get(&trip.callback_url);
    if let Some(c) = cookie_value {
        req = req.header("cookie", format!("quire_oidc={c}"));
    }
    req.send().await.unwrap()
}

/// Signs `sub` in; the session cookie.
async fn sign_in(app: &TestApp, sub: &str) -> String {
    let trip = to_provider(app, sub, |u| u).await;
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    assert_eq!(location(&r), "/dashboards");
    cookie(&r, "quire_session").expect("a session")
}

async fn me(app: &TestApp, session: &str) -> Value {
    let r = no_redirects()
        .get(format!("{}/api/v1/auth/me", app.address))
        .header("cookie", format!("quire_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The user's groups (names) and attributes, read from the store.
fn access_of(app: &TestApp, email: &str) -> (String, Vec<String>, Value) {
    let conn = app.ctx.store.app.get().unwrap();
    let email = quire::model::user::Email::parse(email).unwrap();
    let (u, _) = quire::store::user::by_email(&conn, &email)
        .unwrap()
        .expect("the user");
    let groups = quire::store::access::groups_of(&conn, &u.id)
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    let attrs = quire::store::access::attributes(&conn, &u.id).unwrap();
    (u.id, groups, json!(attrs))
}

fn user_count(app: &TestApp) -> u64 {
    quire::store::user::count(&app.ctx.store.app.get().unwrap()).unwrap()
}

#[tokio::test]
async fn a_first_sign_in_makes_the_user_with_claimed_groups_and_attributes_and_later_ones_follow_the_claims(
) {
    let Some(m) = mock(&[]) else { return };
    let relay = relay(m.port);
    let app = app_with(&relay.url, |_| {}).await;
    m.user("mia", json!({"email": "Mia@Example.com", "groups": ["North managers", "Sales", 7], "region": "North"}))
        .await;
    let session = sign_in(&app, "mia").await;
    let who = me(&app, &session).await;
    assert_eq!(who["user"]["email"], "mia@example.com");
    assert_eq!(who["user"]["role"], "viewer", "auth.oidc.default_role");
    let (id, groups, attrs) = access_of(&app, "mia@example.com");
    assert_eq!(groups, ["North managers", "Sales"]);
    assert_eq!(attrs, json!({"region": "North"}));
    let users = app.get_json("/api/v1/users").await;
    let mia = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap();
    assert_eq!(mia["signsInWithProvider"], true, "{mia}");
    let page = app.get("/admin/users").await.text().await.unwrap();
    assert!(page.contains("SSO"), "not shown as an unused invite");

    // The provider moved her: her next sign-in follows (same user, not a second one).
    m.user(
        "mia",
        json!({"email": "mia@example.com", "groups": ["sales"], "region": "South"}),
    )
    .await;
    let users = user_count(&app);
    sign_in(&app, "mia").await;
    let (again, groups, attrs) = access_of(&app, "mia@example.com");
    assert_eq!(again, id);
    assert_eq!(
        groups,
        ["Sales"],
        "matched whatever the case; left North managers"
    );
    assert_eq!(attrs, json!({"region": "South"}));
    assert_eq!(user_count(&app), users);

    // Discovery and keys were fetched once for both sign-ins (kept), the token twice.
    assert_eq!(relay.count("/.well-known/openid-configuration"), 1);
    assert_eq!(relay.count("/jwks"), 1);
    assert_eq!(relay.count("/oauth2/token"), 2);
}

#[tokio::test]
async fn an_account_with_the_same_email_is_signed_in_not_duplicated_and_a_disabled_one_is_refused()
{
    let Some(m) = mock(&[]) else { return };
    let app = app_with(&format!("http://127.0.0.1:{}", m.port), |_| {}).await;
    let (id, _) = crate::helpers::user_with_token(&app.ctx, "ed@example.com", Role::Editor);
    m.user("ed-at-idp", json!({"email": "ed@example.com"}))
        .await;
    let users = user_count(&app);
    let session = sign_in(&app, "ed-at-idp").await;
    let who = me(&app, &session).await;
    assert_eq!(who["user"]["id"], id);
    assert_eq!(
        who["user"]["role"], "editor",
        "an existing user keeps their role"
    );
    assert_eq!(user_count(&app), users);

    // Disabled: the provider's word does not reopen the account.
    let r = app
        .client
        .patch(format!("{}/api/v1/users/{id}", app.address))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let trip = to_provider(&app, "ed-at-idp", |u| u).await;
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 403);
    assert!(cookie(&r, "quire_session").is_none());
    assert!(r.text().await.unwrap().contains("this account is disabled"));
}

#[tokio::test]
async fn a_replayed_state_a_missing_cookie_and_an_unknown_state_are_refused() {
    let Some(m) = mock(&[]) else { return };
    let app = app_with(&format!("http://127.0.0.1:{}", m.port), |_| {}).await;
    m.user("zoe", json!({"email": "zoe@example.com"})).await;

    // Back without the state cookie (a link from an attacker's sign-in, opened in a victim's
    // browser): refused, and that state is spent.
    let trip = to_provider(&app, "zoe", |u| u).await;
    let r = back(&trip, None).await;
    assert_eq!(r.status(), 400);
    assert!(cookie(&r, "quire_session").is_none());
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(
        r.status(),
        400,
        "a state works once, whatever happened to it"
    );

    // A good trip, then the same callback again: the replay is refused.
    let trip = to_provider(&app, "zoe", |u| u).await;
    let first = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(first.status(), 303);
    let again = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(again.status(), 400);
    assert!(cookie(&again, "quire_session").is_none());
    let page = again.text().await.unwrap();
    assert!(page.contains("was used already"), "{page}");

    // Forged states: unknown, oversized, missing.
    let b = no_redirects();
    for q in [
        format!("code=x&state={}", "ab".repeat(32)),
        format!("code=x&state={}", "a".repeat(10_000)),
        "code=x".to_string(),
    ] {
        let r = b
            .get(format!("{}/auth/oidc/callback?{q}", app.address))
            .header("cookie", format!("quire_oidc={}", "ab".repeat(32)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{}", &q[..20.min(q.len())]);
    }
}

#[tokio::test]
async fn a_token_issued_to_another_application_is_refused() {
    let Some(m) = mock(&[]) else { return };
    let relay = relay(m.port);
    let app = app_with(&relay.url, |_| {}).await;
    m.user("eve", json!({"email": "eve@example.com"})).await;
    let users = user_count(&app);
    // The code and the token are another application's (its client id, Quire's redirect).
    relay.mode.store(OTHER_CLIENT, Ordering::SeqCst);
    let trip = to_provider(&app, "eve", |u| {
        u.replace("client_id=quire&", "client_id=someone-else&")
    })
    .await;
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 401);
    assert!(cookie(&r, "quire_session").is_none());
    let page = r.text().await.unwrap();
    assert!(page.contains("issued to another application"), "{page}");
    assert_eq!(user_count(&app), users, "nobody was made");
    assert_eq!(relay.count("/oauth2/token"), 1, "the token was asked for");
}

#[tokio::test]
async fn an_id_token_altered_on_its_way_is_refused_for_its_signature() {
    let Some(m) = mock(&[]) else { return };
    let relay = relay(m.port);
    let app = app_with(&relay.url, |_| {}).await;
    m.user("eve", json!({"email": "eve@example.com"})).await;
    relay.mode.store(TAMPER, Ordering::SeqCst);
    let trip = to_provider(&app, "eve", |u| u).await;
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 401);
    assert!(cookie(&r, "quire_session").is_none());
    let page = r.text().await.unwrap();
    assert!(page.contains("signature does not match"), "{page}");
    let conn = app.ctx.store.app.get().unwrap();
    let ceo = quire::model::user::Email::parse("ceo@example.com").unwrap();
    assert!(quire::store::user::by_email(&conn, &ceo).unwrap().is_none());
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    // Tokens that expired five minutes before they were issued (past the minute of leeway).
    let Some(m) = mock(&["--token-max-age=-300"]) else {
        return;
    };
    let app = app_with(&format!("http://127.0.0.1:{}", m.port), |_| {}).await;
    m.user("old", json!({"email": "old@example.com"})).await;
    let trip = to_provider(&app, "old", |u| u).await;
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 401);
    assert!(cookie(&r, "quire_session").is_none());
    assert!(r.text().await.unwrap().contains("it has expired"));
}

#[tokio::test]
async fn keys_the_provider_rotated_are_fetched_again() {
    let (Some(first), Some(second)) = (mock(&[]), mock(&[])) else {
        return;
    };
    let relay = relay(first.port);
    let app = app_with(&relay.url, |_| {}).await;
    first.user("kim", json!({"email": "kim@example.com"})).await;
    second
        .user("kim", json!({"email": "kim@example.com"}))
        .await;
    sign_in(&app, "kim").await;
    // The same issuer now signs with another key.
    relay.target.store(second.port, Ordering::SeqCst);
    sign_in(&app, "kim").await;
    assert_eq!(
        relay.count("/jwks"),
        2,
        "fetched again for the unknown key id"
    );
    assert_eq!(relay.count("/.well-known/openid-configuration"), 1);
}

#[tokio::test]
async fn the_login_page_offers_the_provider_and_password_sign_in_can_be_turned_off() {
    let Some(m) = mock(&[]) else { return };
    let issuer = format!("http://127.0.0.1:{}", m.port);
    let app = app_with(&issuer, |_| {}).await;
    let page = app
        .anon
        .get(format!("{}/login?next=/reports", app.address))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Sign in with Acme"), "{page}");
    assert!(page.contains("/auth/oidc/login?next=/reports"), "{page}");
    assert!(
        page.contains("name=\"password\""),
        "password sign-in is on by default"
    );

    let off = app_with(&issuer, |o| o.password_login = false).await;
    let page = off
        .anon
        .get(format!("{}/login", off.address))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Sign in with Acme"));
    assert!(!page.contains("name=\"password\""), "{page}");
    let form = off
        .anon
        .post(format!("{}/login", off.address))
        .form(&[
            ("email", crate::helpers::ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 403);
    assert!(cookie(&form, "quire_session").is_none());
    assert!(form.text().await.unwrap().contains("turned off"));
    let api = off
        .anon
        .post(format!("{}/api/v1/auth/login", off.address))
        .json(&json!({"email": crate::helpers::ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 403);
    assert!(api.text().await.unwrap().contains("turned off"));
    // API tokens still work.
    let r = off
        .client
        .get(format!("{}/api/v1/auth/me", off.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn hostile_answers_and_a_provider_that_is_down_are_clear_refusals() {
    let Some(m) = mock(&[]) else { return };
    let app = app_with(&format!("http://127.0.0.1:{}", m.port), |_| {}).await;
    let b = no_redirects();
    // The provider says no, with HTML in its words: shown escaped.
    let r = b
        .get(format!(
            "{}/auth/oidc/callback?error=server_error&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("&#60;script&#62;alert(1)"), "{page}");
    assert!(!page.contains("<script>alert(1)"));
    let r = b
        .get(format!(
            "{}/auth/oidc/callback?error=access_denied&state=x",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("cancelled"));

    // `next` may only be a path here.
    m.user("ann", json!({"email": "ann@example.com"})).await;
    let r = b
        .get(format!(
            "{}/auth/oidc/login?next=https://evil.example/",
            app.address
        ))
        .send()
        .await
        .unwrap();
    let state = cookie(&r, "quire_oidc").unwrap();
    let r = b
        .post(location(&r))
        .form(&[("sub", "ann")])
        .send()
        .await
        .unwrap();
    let trip = Trip {
        callback_url: location(&r),
        state_cookie: state,
    };
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");

    // Not set up: 404. Provider down: 502 naming it, nothing internal.
    let plain = crate::helpers::spawn_app().await;
    let r = b
        .get(format!("{}/auth/oidc/login", plain.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let down = app_with(&format!("http://127.0.0.1:{}", free_port()), |_| {}).await;
    let r = b
        .get(format!("{}/auth/oidc/login", down.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    let page = r.text().await.unwrap();
    assert!(page.contains("could not be reached"), "{page}");
    assert!(
        !page.to_lowercase().contains("connection refused"),
        "{page}"
    );
}

#[tokio::test]
async fn the_row_policy_of_a_claimed_group_shows_the_claimed_region_only() {
    use crate::row_policies::{north_policy, region_report, regions, revenue_by_region};
    let Some(m) = mock(&[]) else { return };
    let app = app_with(&format!("http://127.0.0.1:{}", m.port), |_| {}).await;
    // The group exists before anyone signs in; the provider names it.
    north_policy(&app).await;
    let (report, _) = region_report(&app).await;
    let csv = revenue_by_region();
    let preview = |session: String| {
        let url = format!("{}/api/v1/reports/{report}/preview", app.address);
        async move {
            let r = no_redirects()
                .get(url)
                .header("cookie", format!("quire_session={session}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            regions(&v["rows"])
        }
    };
    m.user(
        "nia",
        json!({"email": "nia@example.com", "groups": ["North managers"], "region": "North"}),
    )
    .await;
    let rows = preview(sign_in(&app, "nia").await).await;
    assert_eq!(rows, [("North".to_string(), csv["North"])].into());
    m.user(
        "nia",
        json!({"email": "nia@example.com", "groups": ["North managers"], "region": "South"}),
    )
    .await;
    let rows = preview(sign_in(&app, "nia").await).await;
    assert_eq!(rows, [("South".to_string(), csv["South"])].into());
    // Out of the group at the provider: no policy of hers applies, no row (fail closed).
    m.user(
        "nia",
        json!({"email": "nia@example.com", "groups": [], "region": "South"}),
    )
    .await;
    let rows = preview(sign_in(&app, "nia").await).await;
    assert!(rows.is_empty(), "{rows:?}");
}

#[tokio::test]
async fn a_person_signs_in_through_the_provider_in_a_browser() {
    if !crate::browser::browser_tests_enabled() {
        return;
    }
    let Some(m) = mock(&[]) else { return };
    let app = app_with(&format!("http://127.0.0.1:{}", m.port), |_| {}).await;
    m.user("pat@example.com", json!({"email": "pat@example.com"}))
        .await;
    let args = vec![app.address.clone(), "pat@example.com".to_string()];
    let v = tokio::task::spawn_blocking(move || crate::browser::node("oidc.mjs", &args))
        .await
        .unwrap();
    assert_eq!(v["errors"], json!([]), "{v}");
    assert_eq!(v["login"], "/login?next=%2Freports", "{v}");
    assert_eq!(v["button"], "Sign in with Acme", "{v}");
    assert_eq!(v["provider"], true, "{v}");
    assert_eq!(v["landed"], "/reports", "back where it began: {v}");
    assert_eq!(v["signedInAs"], true, "{v}");
    assert_eq!(v["phoneButton"], true, "{v}");
    let (_, groups, _) = access_of(&app, "pat@example.com");
    assert!(groups.is_empty());
}

#[tokio::test]
async fn only_the_companys_addresses_sign_in_and_making_users_can_be_turned_off() {
    let Some(m) = mock(&[]) else { return };
    let issuer = format!("http://127.0.0.1:{}", m.port);
    // A provider like Google vouches for every account it has: only acme.com's may come in.
    let app = app_with(&issuer, |o| o.allowed_domains = vec!["Example.com".into()]).await;
    m.user("outsider", json!({"email": "someone@gmail.test"}))
        .await;
    m.user("insider", json!({"email": "in@example.com"})).await;
    let users = user_count(&app);
    let trip = to_provider(&app, "outsider", |u| u).await;
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 403);
    assert!(cookie(&r, "quire_session").is_none());
    let page = r.text().await.unwrap();
    assert!(
        page.contains("takes addresses of Example.com only"),
        "{page}"
    );
    assert_eq!(user_count(&app), users, "nobody made");
    sign_in(&app, "insider").await;
    assert_eq!(user_count(&app), users + 1);

    // Users made by an administrator only: a stranger is refused, a known address comes in.
    let closed = app_with(&issuer, |o| o.create_users = false).await;
    m.user("stranger", json!({"email": "stranger@example.com"}))
        .await;
    let trip = to_provider(&closed, "stranger", |u| u).await;
    let r = back(&trip, Some(&trip.state_cookie)).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("has no account here"));
    crate::helpers::user_with_token(&closed.ctx, "stranger@example.com", Role::Viewer);
    let session = sign_in(&closed, "stranger").await;
    assert_eq!(
        me(&closed, &session).await["user"]["email"],
        "stranger@example.com"
    );
}
