//! `/admin/access`: groups and their members, users' attributes, and the row policies that
//! decide which rows of a dataset each group sees. Every form posts here and comes back to the
//! page, with what went wrong said at its top (the change not made).

use crate::app::access::{self, GroupView};
use crate::app::edit::EditError;
use crate::model::access::RowPolicy;
use crate::model::report::{Filter, FilterOp};
use crate::store::{self, user::User};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The page.
#[derive(Template)]
#[template(path = "admin_access.html")]
pub struct AccessPage {
    pub layout: Layout,
    pub groups: Vec<GroupView>,
    pub users: Vec<(User, String)>,
    pub policies: Vec<(RowPolicy, String, String)>,
    pub datasets: Vec<String>,
    pub error: Option<String>,
    pub ops: &'static [(&'static str, &'static str)],
}

/// The comparisons a policy may make, with their words.
const OPS: &[(&str, &str)] = &[
    ("eq", "is"),
    ("ne", "is not"),
    ("in", "is one of"),
    ("not_in", "is none of"),
    ("contains", "contains"),
    ("gt", "is more than"),
    ("ge", "is at least"),
    ("lt", "is less than"),
    ("le", "is at most"),
];

/// A filter in words: `region is {{user.region}}`.
fn words(f: &Filter) -> String {
    let op = serde_json::to_value(f.op)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let op = OPS
        .iter()
        .find(|(k, _)| *k == op)
        .map_or(op.as_str(), |(_, w)| w);
    let value = match &f.value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        v => v.to_string(),
    };
    format!("{} {op} {value}", f.field)
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(req), gate::principal(req));
    let page = web::block(move || -> Result<_, Problem> {
        let layout = Layout::new(&ctx, &who)?;
        let groups = access::groups(&ctx)?;
        let names: BTreeMap<String, String> = groups
            .iter()
            .map(|g| (g.group.id.to_string(), g.group.name.clone()))
            .collect();
        let policies = access::policies(&ctx)?;
        let conn = ctx.store.app.get()?;
        let mut users = Vec::new();
        for u in store::user::list(&conn)? {
            let attrs = store::access::attributes(&conn, &u.id)?;
            let text = attrs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            users.push((u, text));
        }
        let policies = policies
            .into_iter()
            .map(|p| {
                let group = names.get(p.group_id.as_str()).cloned().unwrap_or_default();
                let rule = words(&p.filter);
                (p, group, rule)
            })
            .collect();
        let datasets = store::dataset::list(&conn)?
            .into_iter()
            .map(|d| d.name)
            .collect();
        Ok(AccessPage {
            layout,
            groups,
            users,
            policies,
            datasets,
            error,
            ops: OPS,
        })
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// GET /admin/access
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    render(&state, &req, StatusCode::OK, None).await
}

/// After a change: back to the page (303), or the page again with why it was refused.
/// A change made is audited as `action` (the gate leaves `/admin/` pages to their handlers;
/// None: the handler did).
async fn outcome(
    state: &AppState,
    req: &HttpRequest,
    action: Option<&'static str>,
    done: Result<(), EditError>,
) -> Result<HttpResponse, Problem> {
    match done {
        Ok(()) => {
            let (ctx, actor) = (state.ctx.clone(), gate::principal(req).actor());
            let (target, ip) = (
                req.match_info().iter().last().map(|(_, v)| v.to_string()),
                gate::client_ip(req),
            );
            web::block(move || {
                if let (Some(action), Ok(conn)) = (action, ctx.store.app.get()) {
                    let (t, i) = (target.as_deref(), ip.as_deref());
                    crate::auth::audit::record(&conn, actor.as_deref(), action, t, i, None);
                }
            })
            .await?;
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", "/admin/access"))
                .finish())
        }
        Err(e) => {
            let (status, words) = crate::web::error::refusal(e)?;
            render(state, req, status, Some(words)).await
        }
    }
}

#[derive(Deserialize)]
pub struct NameForm {
    name: String,
}

/// POST /admin/access/groups
pub async fn create_group(
    state: web::Data<AppState>,
    form: web::Form<NameForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let done = web::block(move || access::create_group(&ctx, &form.name).map(drop)).await?;
    outcome(&state, &req, Some("group.create"), done).await
}

/// POST /admin/access/groups/{id}/delete
pub async fn delete_group(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let done = web::block(move || access::delete_group(&ctx, &id)).await?;
    outcome(&state, &req, Some("group.delete"), done).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    user: String,
}

/// POST /admin/access/groups/{id}/members
pub async fn add_member(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<MemberForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let done = web::block(move || access::add_member(&ctx, &id, &form.user)).await?;
    outcome(&state, &req, Some("group.member_add"), done).await
}

/// POST /admin/access/groups/{id}/members/{userId}/delete
pub async fn remove_member(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, (group, user)) = (state.ctx_for(&req), path.into_inner());
    let done = web::block(move || access::remove_member(&ctx, &group, &user)).await?;
    outcome(&state, &req, Some("group.member_remove"), done).await
}

#[derive(Deserialize)]
pub struct AttributesForm {
    attributes: String,
}

/// `region=North; team=Ops` as attributes; an entry without `=` is refused, naming it.
fn parse_attributes(text: &str) -> Result<BTreeMap<String, String>, EditError> {
    text.split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_string(), v.trim().to_string())),
            None => Err(crate::app::edit::invalid(
                "attributes",
                format!(
                    "`{}` is not key=value (separate entries with ;)",
                    crate::model::text::truncate(e, 40)
                ),
            )),
        })
        .collect()
}

/// POST /admin/access/users/{id}/attributes
pub async fn set_attributes(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<AttributesForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let ip = gate::client_ip(&req);
    let done = web::block(move || -> Result<(), EditError> {
        let attrs = parse_attributes(&form.attributes)?;
        access::set_attributes(&ctx, &id, &attrs)?;
        let conn = ctx.store.app.get()?;
        let email = store::user::get(&conn, &id)?.map(|u| u.email);
        let keys = attrs.keys().cloned().collect::<Vec<_>>().join(", ");
        crate::auth::audit::record(
            &conn,
            who.actor().as_deref(),
            "user.attributes",
            email.as_deref(),
            ip.as_deref(),
            Some(&keys),
        );
        Ok(())
    })
    .await?;
    outcome(&state, &req, None, done).await
}

#[derive(Deserialize)]
pub struct PolicyForm {
    dataset: String,
    group: String,
    field: String,
    op: String,
    value: String,
}

/// POST /admin/access/policies: `value` is one value, or for `in` / `not_in` a list separated
/// by commas.
pub async fn create_policy(
    state: web::Data<AppState>,
    form: web::Form<PolicyForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, by) = (state.ctx_for(&req), gate::principal(&req).email());
    let done = web::block(move || -> Result<(), EditError> {
        let op: FilterOp = serde_json::from_value(serde_json::Value::String(form.op.clone()))
            .map_err(|_| crate::app::edit::invalid("op", "choose a comparison from the list"))?;
        let value = match op {
            FilterOp::In | FilterOp::NotIn => serde_json::Value::Array(
                form.value
                    .split(',')
                    .map(|v| serde_json::Value::String(v.trim().to_string()))
                    .collect(),
            ),
            _ => serde_json::Value::String(form.value.trim().to_string()),
        };
        let filter = Filter {
            field: form.field.trim().to_string(),
            op,
            value,
        };
        access::create_policy(&ctx, &form.dataset, &form.group, filter, by.as_deref()).map(drop)
    })
    .await?;
    outcome(&state, &req, Some("row_policy.create"), done).await
}

/// POST /admin/access/policies/{id}/delete
pub async fn delete_policy(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let done = web::block(move || access::delete_policy(&ctx, &id)).await?;
    outcome(&state, &req, Some("row_policy.delete"), done).await
}
