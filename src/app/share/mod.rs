//! Share links: a dashboard or report shown read-only to whoever has the link, with its
//! parameters (a report's, by name) or filter values (a dashboard's, by filter id; also its
//! reports' parameters, by name, as its page takes them) locked: the page's URL cannot change
//! them. The token is random, shown once, stored as its keyed hash; a share expires and can be
//! revoked.

pub mod words;

use super::dashboard::place;
use super::edit::{invalid, EditError};
use super::Ctx;
use crate::model::dashboard::DashboardDefinition;
use crate::model::report::ParameterDef;
use crate::model::time::{now_text, rfc3339};
use crate::store::{self, dashboard::StoredDashboard, secret::random_hex, share::Share};
use chrono::{Duration, Utc};
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};

/// Why a share link does not open.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// No such link, or revoked: nothing to say about which.
    #[error("no such share link")]
    NotFound,
    #[error("this share link has expired")]
    Expired,
    /// A link made without `embed` asked for under `/embed/`: it may not be framed.
    #[error("this share link was not made for embedding: open it under /s/")]
    NotEmbed,
    #[error(transparent)]
    Edit(#[from] EditError),
}

impl From<store::StoreError> for ShareError {
    fn from(e: store::StoreError) -> Self {
        ShareError::Edit(e.into())
    }
}

impl From<r2d2::Error> for ShareError {
    fn from(e: r2d2::Error) -> Self {
        ShareError::Edit(e.into())
    }
}

/// What to share.
pub enum Target {
    Dashboard(String),
    Report(String),
}

/// A share just made, with its links (shown this once: only the token's hash is kept).
pub struct Made {
    pub share: Share,
    /// The read-only page, `<public url>/s/{token}`.
    pub page_url: String,
    /// The iframe's address, `<public url>/embed/{token}`, when made with `embed`.
    pub embed_url: Option<String>,
}

/// Makes a share; returns it and its URL (shown this once): the embed address for an embed.
pub fn create(
    ctx: &Ctx,
    target: Target,
    parameters: BTreeMap<String, String>,
    expires_in_days: Option<u32>,
    embed: bool,
    actor: Option<&str>,
) -> Result<(Share, String), EditError> {
    let made = make(ctx, target, parameters, expires_in_days, embed, actor)?;
    let url = made.embed_url.unwrap_or(made.page_url);
    Ok((made.share, url))
}

/// Makes a share of `target` locking `parameters` (checked against what the target takes),
/// ending after `expires_in_days` (1..=3650; None: never).
pub fn make(
    ctx: &Ctx,
    target: Target,
    parameters: BTreeMap<String, String>,
    expires_in_days: Option<u32>,
    embed: bool,
    actor: Option<&str>,
) -> Result<Made, EditError> {
    if expires_in_days == Some(0) || expires_in_days.is_some_and(|d| d > 3650) {
        return Err(invalid("expiresInDays", "must be between 1 and 3650"));
    }
    if parameters.len() > 50 {
        return Err(invalid("parameters", "at most 50"));
    }
    if let Some((k, _)) = parameters
        .iter()
        .find(|(k, v)| k.chars().count() > 100 || v.chars().count() > 500)
    {
        return Err(invalid(
            format!("parameters.{}", crate::model::text::truncate(k, 60)),
            "a name is at most 100 characters, a value 500",
        ));
    }
    let conn = ctx.store.app.get()?;
    let (kind, id) = match target {
        Target::Dashboard(id) => {
            let d = store::dashboard::get(&conn, &id)?
                .ok_or_else(|| invalid("dashboardId", "no such dashboard"))?;
            let defs = page_parameters(&conn, &d.definition)?;
            let is_filter = |k: &str| d.definition.filters.iter().any(|f| f.id == k);
            if let Some(k) = parameters
                .keys()
                .find(|k| !is_filter(k) && !defs.iter().any(|p| &p.name == *k))
            {
                return Err(invalid(
                    format!("parameters.{}", crate::model::text::truncate(k, 60)),
                    "not a filter of this dashboard nor a parameter of its reports",
                ));
            }
            let params = parameters.iter().filter(|(k, _)| !is_filter(k));
            refused_value(&defs, params)?;
            ("dashboard", d.id)
        }
        Target::Report(id) => {
            let r = store::report::get(&conn, &id)?
                .ok_or_else(|| invalid("reportId", "no such report"))?;
            if let Some(k) = parameters
                .keys()
                .find(|k| !r.definition.parameters.iter().any(|p| &p.name == *k))
            {
                return Err(invalid(
                    format!("parameters.{}", crate::model::text::truncate(k, 60)),
                    "not a parameter of this report",
                ));
            }
            refused_value(&r.definition.parameters, parameters.iter())?;
            ("report", r.id)
        }
    };
    let token = random_hex(24);
    let expires = expires_in_days.map(|d| rfc3339(Utc::now() + Duration::days(d as i64)));
    let share = store::share::insert(
        &conn,
        &store::share::NewShare {
            token_hash: &ctx.store.secrets.hash(&token),
            kind,
            target_id: &id,
            parameters: &parameters,
            embed,
            created_by: actor,
            expires_at: expires.as_deref(),
            // Frozen: the link shows what its maker may see now, whatever changes later.
            sight: &ctx.sight,
        },
    )?;
    let base = ctx.config.server.public_url();
    Ok(Made {
        share,
        page_url: format!("{base}/s/{token}"),
        embed_url: embed.then(|| format!("{base}/embed/{token}")),
    })
}

/// The parameters of a dashboard's widgets' reports (once a name): what its page takes
/// besides its filters (`?days=30`).
pub fn page_parameters(
    conn: &Connection,
    def: &DashboardDefinition,
) -> Result<Vec<ParameterDef>, store::StoreError> {
    let mut out: Vec<ParameterDef> = Vec::new();
    let reports: BTreeSet<&str> = def
        .widgets
        .iter()
        .filter_map(|w| w.report_id.as_deref())
        .collect();
    for id in reports {
        if let Some(r) = store::report::get(conn, id)? {
            for p in r.definition.parameters {
                if !out.iter().any(|o| o.name == p.name) {
                    out.push(p);
                }
            }
        }
    }
    Ok(out)
}

/// A value its parameter refuses on the page (`days=abc`, or past its `max`) is refused here
/// too, naming it: a link would only show the error.
fn refused_value<'a>(
    defs: &[ParameterDef],
    given: impl Iterator<Item = (&'a String, &'a String)>,
) -> Result<(), EditError> {
    let today = Utc::now().date_naive();
    for (k, v) in given {
        let Some(p) = defs.iter().find(|p| &p.name == k) else {
            continue;
        };
        let one = BTreeMap::from([(k.clone(), v.clone())]);
        if let Err(e) = crate::report::params::resolve(std::slice::from_ref(p), &one, today) {
            return Err(invalid(
                format!("parameters.{}", crate::model::text::truncate(k, 60)),
                e.message,
            ));
        }
    }
    Ok(())
}

/// The share a token opens, and what it shows as a dashboard (a report's visualizations laid
/// out, its parameters locked as every widget's own). `framed` (asked for under `/embed/`, which
/// other sites may frame) opens only a share made with `embed`; any share opens as a page
/// (`/s/`), which no site may frame.
pub fn open(ctx: &Ctx, token: &str, framed: bool) -> Result<(Share, StoredDashboard), ShareError> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ShareError::NotFound);
    }
    let conn = ctx.store.app.get()?;
    let share = store::share::by_hash(&conn, &ctx.store.secrets.hash(token))?
        .ok_or(ShareError::NotFound)?;
    if share.revoked_at.is_some() {
        return Err(ShareError::NotFound);
    }
    if share
        .expires_at
        .as_deref()
        .is_some_and(|e| e <= now_text().as_str())
    {
        return Err(ShareError::Expired);
    }
    if framed && !share.embed {
        return Err(ShareError::NotEmbed);
    }
    store::share::touch(&conn, &share.id)?;
    let shown = match share.kind.as_str() {
        "dashboard" => {
            store::dashboard::get(&conn, &share.target_id)?.ok_or(ShareError::NotFound)?
        }
        _ => {
            let r = store::report::get(&conn, &share.target_id)?.ok_or(ShareError::NotFound)?;
            let mut def: DashboardDefinition = serde_json::from_value(serde_json::json!({
                "name": r.definition.name, "description": r.definition.description, "reportId": r.id
            }))
            .expect("a short-form dashboard");
            place(&conn, &mut def)?;
            for w in &mut def.widgets {
                w.parameters = share.parameters.clone();
            }
            StoredDashboard {
                id: format!("report-{}", r.id),
                definition: def,
                is_default: false,
                updated_at: String::new(),
            }
        }
    };
    Ok((share, shown))
}

/// What a share locks, as a dashboard takes it: filter values by filter id and its page's
/// report parameters by name (a report's: its parameters, which `open` also fixes on each
/// widget).
#[derive(Debug, Default, Clone)]
pub struct Locked {
    pub filters: BTreeMap<String, String>,
    pub params: BTreeMap<String, String>,
}

/// What `share` (opened as `d`, see `open`) locks.
pub fn locked(share: &Share, d: &StoredDashboard) -> Locked {
    if share.kind != "dashboard" {
        return Locked {
            filters: BTreeMap::new(),
            params: share.parameters.clone(),
        };
    }
    let (filters, params) = share
        .parameters
        .clone()
        .into_iter()
        .partition(|(k, _)| d.definition.filters.iter().any(|f| &f.id == k));
    Locked { filters, params }
}

/// Every share (live or not) of a report or dashboard the reader may see: a link to one in a
/// collection hidden from them is left out, like the object.
pub fn list(ctx: &Ctx) -> Result<Vec<Share>, EditError> {
    let conn = ctx.store.app.get()?;
    let mut all = store::share::list(&conn)?;
    if ctx.grants.all {
        return Ok(all);
    }
    let mut kept = std::collections::BTreeSet::new();
    for r in store::report::list(&conn)? {
        if ctx
            .grants
            .sees_report(&r.id, r.definition.collection_id.as_deref())
        {
            kept.insert(("report", r.id));
        }
    }
    for d in store::dashboard::list(&conn)? {
        if ctx
            .grants
            .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
        {
            kept.insert(("dashboard", d.id));
        }
    }
    all.retain(|s| {
        let kind = if s.kind == "dashboard" {
            "dashboard"
        } else {
            "report"
        };
        kept.contains(&(kind, s.target_id.clone()))
    });
    Ok(all)
}

/// The live shares of a dashboard (`kind` `dashboard`) or report, newest first.
pub fn list_for(ctx: &Ctx, kind: &str, target_id: &str) -> Result<Vec<Share>, EditError> {
    Ok(store::share::list_for(
        &*ctx.store.app.get()?,
        kind,
        target_id,
    )?)
}

/// Revokes a share: its links stop working at once.
pub fn revoke(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    match store::share::revoke(&*ctx.store.app.get()?, id)? {
        true => Ok(()),
        false => Err(EditError::NotFound("no live share with this id".into())),
    }
}
