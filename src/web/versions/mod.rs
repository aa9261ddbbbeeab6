//! History pages: `/{reports|dashboards|schedules}/{id}/versions` lists every saved version (who,
//! when, the note, a name to give it), compares two of them side by side in words, restores one
//! as a new version; a report's old version opens as its page without being restored
//! (`web::reports::view`). `/trash` lists deleted reports and dashboards and brings them back.

pub mod dashboard;

use crate::app::version::{self, diff::Change};
use crate::model::version::{Kept, Version, TRASH_DAYS};
use crate::store;
use crate::web::error::Problem;
use crate::web::{AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// The kind of object a page's path names.
fn kind_of(req: &HttpRequest) -> Kept {
    let path = req.path();
    if path.starts_with("/dashboards/") {
        Kept::Dashboard
    } else if path.starts_with("/schedules/") {
        Kept::Schedule
    } else {
        Kept::Report
    }
}

fn base(kind: Kept) -> &'static str {
    match kind {
        Kept::Report => "/reports",
        Kept::Dashboard => "/dashboards",
        Kept::Schedule => "/schedules",
    }
}

/// One version in the list.
pub struct Row {
    pub v: Version,
    /// When, in the viewer's zone.
    pub at: String,
}

/// GET .../{id}/versions
#[derive(Template, WebTemplate)]
#[template(path = "versions.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub kind: &'static str,
    /// `/reports/{id}`.
    pub object: String,
    pub name: String,
    pub rows: Vec<Row>,
    pub from: i64,
    pub to: i64,
    pub changes: Vec<Change>,
    /// Only in the trash: restore it from there first.
    pub trashed: bool,
}

impl HistoryPage {
    /// Whether this version is the newest (nothing to restore).
    pub fn is_newest(&self, v: &Version) -> bool {
        self.rows.first().is_some_and(|r| r.v.version == v.version)
    }
}

#[derive(Deserialize)]
pub struct Compare {
    from: Option<String>,
    to: Option<String>,
}

/// A version number from a path: a positive whole number, else 404 saying so.
pub(crate) fn number(text: &str) -> Result<i64, Problem> {
    text.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        Problem::not_found(format!(
            "no version `{}`: versions are numbered from 1",
            crate::model::text::truncate(text, 40)
        ))
    })
}

/// GET /{reports|dashboards|schedules}/{id}/versions?from=&to=
pub async fn page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<Compare>,
    req: HttpRequest,
) -> Result<HistoryPage, Problem> {
    let kind = kind_of(&req);
    let who = crate::web::gate::principal(&req);
    let ctx = state.ctx_for(&req);
    let q = q.into_inner();
    let id = id.into_inner();
    let from = q
        .from
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(number)
        .transpose()?;
    let to =
        q.to.as_deref()
            .filter(|s| !s.is_empty())
            .map(number)
            .transpose()?;
    web::block(move || -> Result<HistoryPage, Problem> {
        let versions = version::list(&ctx, kind, &id)?;
        let newest = versions.first().map(|v| v.version).unwrap_or(1);
        let to = to.unwrap_or(newest);
        let from = from.unwrap_or((to - 1).max(1));
        let changes = if versions.len() > 1 {
            let (_, a) = version::get(&ctx, kind, &id, from)?;
            let (_, b) = version::get(&ctx, kind, &id, to)?;
            version::diff::changes(&version::shown(kind, a), &version::shown(kind, b))
        } else {
            Vec::new()
        };
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        let current = match kind {
            Kept::Report => store::report::get(&conn, &id)?.map(|r| r.definition.name),
            Kept::Dashboard => store::dashboard::get(&conn, &id)?.map(|d| d.definition.name),
            Kept::Schedule => store::schedule::get(&conn, &id)?.map(|s| s.name),
        };
        let trashed = current.is_none();
        let name = match current {
            Some(n) => n,
            None => store::version::trashed_get(&conn, kind, &id)?
                .map(|(t, _)| t.name)
                .unwrap_or_default(),
        };
        drop(conn);
        let zone = who.zone();
        Ok(HistoryPage {
            layout: Layout::new(&ctx, &who)?,
            kind: kind.as_str(),
            object: format!("{}/{id}", base(kind)),
            name,
            rows: versions
                .into_iter()
                .map(|v| Row {
                    at: zone.show_text(&v.at),
                    v,
                })
                .collect(),
            from,
            to,
            changes,
            trashed,
        })
    })
    .await?
    .map_err(Problem::html)
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// POST .../{id}/versions/{v}/restore: saved again as the newest version; to its page.
pub async fn restore(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let kind = kind_of(&req);
    let (id, v) = path.into_inner();
    let n = number(&v).map_err(Problem::html)?;
    let ctx = state.ctx_for(&req);
    let by = crate::web::gate::principal(&req).email();
    let to = format!("{}/{id}", base(kind));
    web::block(move || version::restore(&ctx, kind, &id, n, by))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    if kind == Kept::Schedule {
        state.scheduler_wake.notify_one();
    }
    Ok(see_other(&format!("{to}/versions?restored={n}")))
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// POST .../{id}/versions/{v}/name: names (or, blank, unnames) a version.
pub async fn name(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<NameForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let kind = kind_of(&req);
    let (id, v) = path.into_inner();
    let n = number(&v).map_err(Problem::html)?;
    let ctx = state.ctx_for(&req);
    let to = format!("{}/{id}/versions", base(kind));
    web::block(move || version::name(&ctx, kind, &id, n, Some(&form.name)))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(see_other(&to))
}

/// One deleted object in the trash page.
pub struct TrashRow {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub deleted: String,
    pub by: Option<String>,
    pub purge: String,
}

/// GET /trash
#[derive(Template, WebTemplate)]
#[template(path = "trash.html")]
pub struct TrashPage {
    pub layout: Layout,
    pub rows: Vec<TrashRow>,
    pub days: i64,
}

pub async fn trash(state: web::Data<AppState>, req: HttpRequest) -> Result<TrashPage, Problem> {
    let who = crate::web::gate::principal(&req);
    let ctx = state.ctx_for(&req);
    web::block(move || -> Result<TrashPage, Problem> {
        let zone = who.zone();
        let rows = version::trashed(&ctx)?
            .into_iter()
            .map(|t| TrashRow {
                kind: t.kind.as_str(),
                deleted: zone.show_text(&t.deleted_at),
                purge: zone.show_text(&t.purge_at),
                id: t.id,
                name: t.name,
                by: t.deleted_by,
            })
            .collect();
        Ok(TrashPage {
            layout: Layout::new(&ctx, &who)?,
            rows,
            days: TRASH_DAYS,
        })
    })
    .await?
    .map_err(Problem::html)
}

/// POST /trash/{kind}/{id}/restore: back with its id; to its page.
pub async fn untrash(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (word, id) = path.into_inner();
    let kind = Kept::parse(&word)
        .filter(|k| *k != Kept::Schedule)
        .ok_or_else(|| Problem::not_found("the trash holds reports and dashboards").html())?;
    let ctx = state.ctx_for(&req);
    let by = crate::web::gate::principal(&req).email();
    let id = web::block(move || version::untrash(&ctx, kind, &id, by))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(see_other(&format!("{}/{id}", base(kind))))
}

/// POST /reports/{id}/delete: to the trash (refused, saying by what, while in use); to the list.
pub async fn delete_report(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    web::block(move || crate::app::report::delete(&ctx, &id, &author))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    if crate::web::htmx::is_htmx(&req) {
        return Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", "/reports"))
            .finish());
    }
    Ok(see_other("/reports"))
}
