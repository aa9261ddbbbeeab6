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
        let mut items: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        for r in store::report::list(&conn)? {
            let c = r.definition.collection_id.clone().unwrap_or_default();
            items.entry(c).or_default().push(Item {
                href: format!("/reports/{}", r.id),
                id: r.id,
                name: r.definition.name,
                kind: "report",
            });
        }
        for d in store::dashboard::list(&conn)? {
            let c = d.definition.collection_id.clone().unwrap_or_default();
            items.entry(c).or_default().push(Item {
                href: format!("/dashboards/{}", d.id),
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
        Ok(CollectionsPage {
            layout,
            folders,
            error,
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
