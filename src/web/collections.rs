//! `/collections`: the collections a person may see as a tree with what each holds; making
//! one, moving a report or dashboard, deleting an empty one, and (admins) who may see each.
//! Every form comes back to the page, with why a change was refused at its top.

use crate::app::collection::{self, Change, Object};
use crate::app::edit::EditError;
use crate::model::collection::{Access, Collection, Permission};
use crate::model::id::GroupId;
use crate::store;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A report or dashboard in a folder.
pub struct Item {
    pub id: String,
    pub name: String,
    /// `report` or `dashboard`.
    pub kind: &'static str,
    pub href: String,
    /// Who it is shared with beyond its collection: share id, who, access, until (for those who
    /// may change it).
    pub shares: Vec<(String, String, String, String)>,
}

/// A collection as the page shows it (id "": the top level).
pub struct Folder {
    pub id: String,
    pub name: String,
    /// Its parents' names and its own.
    pub path: String,
    pub depth: usize,
    pub personal: bool,
    pub editable: bool,
    /// Who may see it, in words (empty: everyone).
    pub who: String,
    pub items: Vec<Item>,
    /// For admins: each group with its access here (`inherit`: none of its own).
    pub groups: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "collections.html")]
pub struct CollectionsPage {
    pub layout: Layout,
    pub folders: Vec<Folder>,
    pub error: Option<String>,
    /// Whom an object may be shared with: `u:<id>` users and `g:<id>` groups, with labels.
    pub people: Vec<(String, String)>,
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(req), gate::principal(req));
    let me = who
        .caller()
        .map(|c| (c.user_id.clone(), c.email.clone()))
        .unwrap_or_default();
    let page = web::block(move || -> Result<_, Problem> {
        let layout = Layout::new(&ctx, &who)?;
        let visible = collection::list(&ctx, (&me.0, &me.1), &ctx.grants)?;
        let conn = ctx.store.app.get()?;
        let groups = store::access::groups(&conn)?;
        let users = store::user::list(&conn)?;
        let who_is = |s: &crate::model::collection::ObjectShare| match (&s.user_id, &s.group_id) {
            (Some(u), _) => users
                .iter()
                .find(|x| &x.id == u)
                .map_or("?".into(), |x| x.email.clone()),
            (_, Some(g)) => groups
                .iter()
                .find(|x| x.id.as_str() == g)
                .map_or("?".into(), |x| format!("group {}", x.name)),
            _ => "?".into(),
        };
        let shares =
            |kind: &str, id: &str| -> Result<Vec<(String, String, String, String)>, Problem> {
                Ok(store::collection::shares_of(&conn, kind, id)?
                    .iter()
                    .map(|s| {
                        let until = s
                            .expires_at
                            .as_deref()
                            .map_or(String::new(), |e| e[..10].to_string());
                        (s.id.clone(), who_is(s), s.access.to_string(), until)
                    })
                    .collect())
            };
        let mut items: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        for r in store::report::list(&conn)? {
            let c = r.definition.collection_id.clone().unwrap_or_default();
            items.entry(c).or_default().push(Item {
                href: format!("/reports/{}", r.id),
                shares: shares("report", &r.id)?,
                id: r.id,
                name: r.definition.name,
                kind: "report",
            });
        }
        for d in store::dashboard::list(&conn)? {
            let c = d.definition.collection_id.clone().unwrap_or_default();
            items.entry(c).or_default().push(Item {
                href: format!("/dashboards/{}", d.id),
                shares: shares("dashboard", &d.id)?,
                id: d.id,
                name: d.definition.name,
                kind: "dashboard",
            });
        }
        let mut folders = vec![Folder {
            id: String::new(),
            name: "Top level".into(),
            path: "(top level)".into(),
            depth: 0,
            personal: false,
            editable: true,
            who: String::new(),
            items: items.remove("").unwrap_or_default(),
            groups: Vec::new(),
        }];
        let admin = layout.can("admin");
        walk(&visible, None, "", 0, &mut |c, path, depth| {
            let own = |g: &GroupId| {
                c.permissions
                    .iter()
                    .find(|p| &p.group_id == g)
                    .map(|p| p.access)
            };
            folders.push(Folder {
                id: c.id.to_string(),
                name: c.name.clone(),
                path: path.to_string(),
                depth,
                personal: c.owner.is_some(),
                editable: c.owner.as_deref() == Some(me.0.as_str())
                    || ctx.grants.edits(Some(c.id.as_str())),
                who: c
                    .permissions
                    .iter()
                    .filter(|p| p.access != Access::None)
                    .map(|p| {
                        let name = groups
                            .iter()
                            .find(|g| g.id == p.group_id)
                            .map_or("?", |g| g.name.as_str());
                        format!("{name} ({})", p.access)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                items: items.remove(c.id.as_str()).unwrap_or_default(),
                groups: match admin {
                    true => groups
                        .iter()
                        .map(|g| {
                            let a = own(&g.id).map_or("inherit".to_string(), |a| a.to_string());
                            (g.id.to_string(), g.name.clone(), a)
                        })
                        .collect(),
                    false => Vec::new(),
                },
            });
        });
        let people = users
            .iter()
            .filter(|u| !u.disabled)
            .map(|u| (format!("u:{}", u.id), u.email.clone()))
            .chain(
                groups
                    .iter()
                    .map(|g| (format!("g:{}", g.id), format!("group {}", g.name))),
            )
            .collect();
        Ok(CollectionsPage {
            layout,
            folders,
            error,
            people,
        })
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// Calls `f` on each collection under `parent`, depth first, with its path and depth.
fn walk(
    all: &[Collection],
    parent: Option<&str>,
    path: &str,
    depth: usize,
    f: &mut dyn FnMut(&Collection, &str, usize),
) {
    if depth > crate::model::collection::MAX_DEPTH {
        return;
    }
    for c in all.iter().filter(|c| c.parent_id.as_deref() == parent) {
        let here = match path.is_empty() {
            true => c.name.clone(),
            false => format!("{path} / {}", c.name),
        };
        f(c, &here, depth + 1);
        walk(all, Some(c.id.as_str()), &here, depth + 1, f);
    }
}

/// GET /collections
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    render(&state, &req, StatusCode::OK, None).await
}

async fn outcome(
    state: &AppState,
    req: &HttpRequest,
    done: Result<(), EditError>,
) -> Result<HttpResponse, Problem> {
    match done {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/collections"))
            .finish()),
        Err(e) => {
            let (status, words) = crate::web::error::refusal(e)?;
            render(state, req, status, Some(words)).await
        }
    }
}

#[derive(Deserialize)]
pub struct NewForm {
    name: String,
    #[serde(default)]
    parent: String,
}

/// POST /collections
pub async fn create(
    state: web::Data<AppState>,
    form: web::Form<NewForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let role = who.role().unwrap_or(crate::model::user::Role::Viewer);
    let done = web::block(move || {
        let change = Change {
            name: form.name.clone(),
            parent_id: Some(form.parent.clone()).filter(|p| !p.is_empty()),
            permissions: Vec::new(),
        };
        collection::save(&ctx, None, change, (role, &ctx.grants)).map(drop)
    })
    .await?;
    outcome(&state, &req, done).await
}

#[derive(Deserialize)]
pub struct MoveForm {
    kind: String,
    id: String,
    #[serde(default)]
    to: String,
}

/// POST /collections/move
pub async fn move_to(
    state: web::Data<AppState>,
    form: web::Form<MoveForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = gate::author(&req)?;
    let done = web::block(move || {
        let kind = match form.kind.as_str() {
            "report" => Object::Report,
            "dashboard" => Object::Dashboard,
            _ => return Err(crate::app::edit::invalid("kind", "report or dashboard")),
        };
        collection::move_to(&ctx, kind, &form.id, Some(form.to.as_str()), &author)
    })
    .await?;
    outcome(&state, &req, done).await
}

/// POST /collections/{id}/permissions: `g.<groupId>` = inherit | none | view | edit.
pub async fn permissions(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let role = who.role().unwrap_or(crate::model::user::Role::Viewer);
    let done = web::block(move || -> Result<(), EditError> {
        let c = collection::get(&ctx, &id, &ctx.grants)?;
        let mut permissions = Vec::new();
        for (k, v) in form.iter() {
            let Some(group) = k.strip_prefix("g.") else {
                continue;
            };
            if v == "inherit" {
                continue;
            }
            let access = Access::parse(v).ok_or_else(|| {
                crate::app::edit::invalid("permissions", "choose inherit, none, view or edit")
            })?;
            permissions.push(Permission {
                group_id: GroupId::from(group),
                access,
            });
        }
        let change = Change {
            name: c.name,
            parent_id: c.parent_id.map(String::from),
            permissions,
        };
        collection::save(&ctx, Some(&id), change, (role, &ctx.grants)).map(drop)
    })
    .await?;
    outcome(&state, &req, done).await
}

/// POST /collections/{id}/delete
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let done = web::block(move || collection::delete(&ctx, &id, &ctx.grants)).await?;
    outcome(&state, &req, done).await
}

#[derive(Deserialize)]
pub struct ShareForm {
    kind: String,
    id: String,
    /// `u:<user id>` or `g:<group id>`.
    with: String,
    access: String,
    /// Days until it ends; empty: never.
    #[serde(default)]
    days: String,
}

/// POST /collections/share: one report or dashboard shared with a person or a group (who may
/// change it only), who are emailed.
pub async fn share(
    state: web::Data<AppState>,
    form: web::Form<ShareForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, by) = (state.ctx_for(&req), gate::principal(&req).email());
    let made = web::block(move || -> Result<_, EditError> {
        let bad = |f: &str, m: &str| crate::app::edit::invalid(f, m);
        let (user_id, group_id) = match form.with.split_once(':') {
            Some(("u", id)) => (Some(id.to_string()), None),
            Some(("g", id)) => (None, Some(id.to_string())),
            _ => return Err(bad("with", "choose a person or a group")),
        };
        let access = Access::parse(&form.access).ok_or_else(|| bad("access", "view or edit"))?;
        let expires_in_days = match form.days.trim() {
            "" => None,
            d => Some(
                d.parse()
                    .map_err(|_| bad("days", "a number of days, or empty for never"))?,
            ),
        };
        let new = collection::sharing::NewShare {
            user_id,
            group_id,
            access,
            expires_in_days,
        };
        collection::sharing::share(&ctx, &form.kind, &form.id, new, by.as_deref())
    })
    .await?;
    let done = made.map(|m| crate::web::api::object_access::tell(&state, m));
    outcome(&state, &req, done).await
}

#[derive(Deserialize)]
pub struct UnshareForm {
    kind: String,
    id: String,
    share: String,
}

/// POST /collections/unshare
pub async fn unshare(
    state: web::Data<AppState>,
    form: web::Form<UnshareForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let done =
        web::block(move || collection::sharing::revoke(&ctx, &form.kind, &form.id, &form.share))
            .await?;
    outcome(&state, &req, done).await
}
