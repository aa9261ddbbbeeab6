//! `/admin/audit`: the audit log, newest first, filtered by actor and action.

use crate::store::{self, audit::AuditEvent};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::{web, HttpRequest};
use askama::Template;
use askama_web::WebTemplate;
use rusqlite::Connection;
use serde::Deserialize;
use std::collections::HashMap;

/// Events shown at most.
const SHOWN: u32 = 500;

/// The audit page.
#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub events: Vec<AuditEvent>,
    /// What each target id names, where it names something still there: `report “Sales”`.
    pub names: HashMap<String, String>,
    pub actor: String,
    pub action: String,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
}

/// GET /admin/audit?actor=&action=
pub async fn page(
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
    req: HttpRequest,
) -> Result<AuditPage, Problem> {
    let q = q.into_inner();
    let keep = |s: Option<String>| {
        s.map(|s| s.trim().chars().take(254).collect::<String>())
            .unwrap_or_default()
    };
    let (actor, action) = (keep(q.actor), keep(q.action));
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    web::block(move || -> Result<_, Problem> {
        let layout = Layout::new(&ctx, &who)?;
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        let events = store::audit::list(
            &conn,
            &store::audit::Filter {
                actor: Some(actor.as_str()).filter(|s| !s.is_empty()),
                action: Some(action.as_str()).filter(|s| !s.is_empty()),
                since: None,
                limit: SHOWN,
            },
        )?;
        let names = names(&conn)?;
        Ok(AuditPage {
            layout,
            events,
            names,
            actor,
            action,
        })
    })
    .await?
    .map_err(Problem::html)
}

/// The names of the things an event's target may be (its id): reports, dashboards, schedules,
/// users. A target gone since shows as its id.
fn names(conn: &Connection) -> Result<HashMap<String, String>, store::StoreError> {
    let mut out = HashMap::new();
    for r in store::report::list(conn)? {
        out.insert(r.id, format!("report “{}”", r.definition.name));
    }
    for d in store::dashboard::list(conn)? {
        let name = format!("dashboard “{}”", d.name());
        out.insert(d.id, name);
    }
    for s in store::schedule::list(conn)? {
        out.insert(s.id, format!("schedule “{}”", s.name));
    }
    for u in store::user::list(conn)? {
        out.insert(u.id, format!("user {}", u.email));
    }
    Ok(out)
}
