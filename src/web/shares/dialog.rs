//! The Share dialog of dashboard and report pages (editors): make a link locking the page's
//! current values (shown in words), with an expiry and, if asked, an embed code; the links
//! already made, who made them and when they were last opened; revoke one. htmx loads the
//! dialog's body (`GET .../share`), posts the form (`POST .../shares`: the new link, shown
//! once, and the list again) and removes a revoked row (`POST /shares/{id}/revoke`).

use crate::app::dashboard::run as dashboard_run;
use crate::app::share::{self, words, Target};
use crate::app::Ctx;
use crate::auth::Principal;
use crate::model::time::{now_text, ViewZone};
use crate::store::{self, share::Share};
use crate::web::dashboards::{find, known, split};
use crate::web::error::Problem;
use crate::web::{gate, AppState, Layout};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use std::collections::BTreeMap;

type Query = web::Query<BTreeMap<String, String>>;
type Form = web::Form<Vec<(String, String)>>;

/// The expiries offered, in days (None: never), the second chosen first.
const EXPIRIES: [(&str, &str); 5] = [
    ("7", "in 7 days"),
    ("30", "in 30 days"),
    ("90", "in 90 days"),
    ("365", "in 1 year"),
    ("", "never"),
];

/// What is shared: its kind as stored, id and name, and where the dialog posts.
struct Subject {
    kind: &'static str,
    id: String,
    name: String,
}

impl Subject {
    fn post_url(&self) -> String {
        let root = if self.kind == "dashboard" {
            "dashboards"
        } else {
            "reports"
        };
        format!("/{root}/{}/shares", self.id)
    }

    fn target(&self) -> Target {
        match self.kind {
            "dashboard" => Target::Dashboard(self.id.clone()),
            _ => Target::Report(self.id.clone()),
        }
    }
}

/// One existing link as the list shows it.
pub struct Row {
    pub id: String,
    /// What it shows, in words.
    pub shows: String,
    pub embed: bool,
    pub made_by: String,
    pub made_at: String,
    /// `never`, a time, or `expired <time>`.
    pub expires: String,
    pub expired: bool,
    pub last_opened: String,
}

/// The dialog's body.
#[derive(Template, WebTemplate)]
#[template(path = "share_dialog.html")]
pub struct Dialog {
    pub name: String,
    pub post_url: String,
    pub csrf: String,
    /// The values a new link locks, as the form sends them (`lock.<key>`).
    pub locked: Vec<(String, String)>,
    /// The same in words.
    pub shows: String,
    pub expiries: Vec<(&'static str, &'static str)>,
    pub origins: String,
    pub rows: Vec<Row>,
}

/// A link just made (shown this once) and the list again, out of band.
#[derive(Template, WebTemplate)]
#[template(path = "share_made.html")]
pub struct Made {
    pub page_url: String,
    /// The `<iframe>` snippet of an embed.
    pub embed_code: Option<String>,
    pub origins: String,
    pub rows: Vec<Row>,
}

/// What `[server] embed_origins` lets frame an embed, and how to add a site.
fn origins_sentence(ctx: &Ctx) -> String {
    let origins = &ctx.config.server.embed_origins;
    if origins.is_empty() {
        "No site may frame it yet: add its origin to [server] embed_origins in the config \
         file (e.g. embed_origins = [\"https://intranet.example.com\"]) and restart Quire."
            .to_string()
    } else {
        format!(
            "Only these sites may frame it: {}. To add one, list its origin in [server] \
             embed_origins in the config file and restart Quire.",
            origins.join(", ")
        )
    }
}

/// The snippet a site pastes to show an embed.
fn iframe(url: &str, title: &str) -> String {
    let title = title
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    format!(
        "<iframe src=\"{url}\" title=\"{title}\" width=\"100%\" height=\"600\" style=\"border:0\"></iframe>"
    )
}

fn rows(ctx: &Ctx, s: &Subject, zone: &ViewZone) -> Result<Vec<Row>, Problem> {
    let list = share::list_for(ctx, s.kind, &s.id)?;
    let today = chrono::Utc::now().date_naive();
    let now = now_text();
    let conn = ctx.store.app.get()?;
    list.into_iter()
        .map(|sh: Share| {
            let shown = words::words(&conn, &sh.kind, &sh.target_id, &sh.parameters, today)?;
            let expired = sh.expires_at.as_deref().is_some_and(|e| e <= now.as_str());
            Ok(Row {
                shows: match shown.is_empty() {
                    true => "Its defaults (nothing locked)".into(),
                    false => words::line(&shown),
                },
                embed: sh.embed,
                made_by: sh.created_by.clone().unwrap_or_else(|| "someone".into()),
                made_at: zone.show_text(&sh.created_at),
                expires: match &sh.expires_at {
                    None => "never".into(),
                    Some(e) if expired => format!("expired {}", zone.show_text(e)),
                    Some(e) => zone.show_text(e),
                },
                expired,
                last_opened: sh
                    .last_used_at
                    .as_deref()
                    .map_or_else(|| "never".into(), |t| zone.show_text(t)),
                id: sh.id,
            })
        })
        .collect()
}

fn dialog(
    ctx: &Ctx,
    who: &Principal,
    s: &Subject,
    locked: BTreeMap<String, String>,
) -> Result<Dialog, Problem> {
    let today = chrono::Utc::now().date_naive();
    let shown = words::words(&*ctx.store.app.get()?, s.kind, &s.id, &locked, today)?;
    Ok(Dialog {
        name: s.name.clone(),
        post_url: s.post_url(),
        csrf: Layout::bare_csrf(who),
        shows: match shown.is_empty() {
            true => "its defaults: no value is locked".into(),
            false => words::line(&shown),
        },
        locked: locked.into_iter().collect(),
        expiries: EXPIRIES.to_vec(),
        origins: origins_sentence(ctx),
        rows: rows(ctx, s, &who.zone())?,
    })
}

fn dashboard_subject(
    ctx: &Ctx,
    id: &str,
) -> Result<(Subject, crate::store::dashboard::StoredDashboard), Problem> {
    let d = find(ctx, id)?;
    let s = Subject {
        kind: "dashboard",
        id: d.id.clone(),
        name: d.definition.name.clone(),
    };
    Ok((s, d))
}

fn report_subject(ctx: &Ctx, id: &str) -> Result<(Subject, Vec<String>), Problem> {
    let r = store::report::get(&*ctx.store.app.get()?, id)?.ok_or_else(|| {
        Problem::not_found(format!(
            "no report with id `{}`",
            crate::model::text::truncate(id, 80)
        ))
    })?;
    let names = r
        .definition
        .parameters
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let s = Subject {
        kind: "report",
        id: r.id,
        name: r.definition.name,
    };
    Ok((s, names))
}

/// GET /dashboards/{id}/share?<the page's query>: the dialog, locking the page's filter values
/// (given, else their defaults) and the report parameters it was given.
pub async fn dashboard(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query,
    req: HttpRequest,
) -> Result<Dialog, Problem> {
    let (ctx, who, q) = (state.ctx_for(&req), gate::principal(&req), q.into_inner());
    web::block(move || {
        let (s, d) = dashboard_subject(&ctx, &id)?;
        let (filters, params) = split(&known(&ctx, &d, &q, None)?);
        let mut locked = dashboard_run::values(&d.definition.filters, &filters);
        // A parameter a filter drives is the filter's to say.
        let driven = |p: &str| {
            d.definition
                .filters
                .iter()
                .any(|f| f.targets.iter().any(|t| t.parameter.as_deref() == Some(p)))
        };
        locked.extend(
            params
                .into_iter()
                .filter(|(k, v)| !v.trim().is_empty() && !driven(k)),
        );
        dialog(&ctx, &who, &s, locked)
    })
    .await?
    .map_err(Problem::in_target)
}

/// GET /reports/{id}/share?<the page's parameters>: the dialog, locking those.
pub async fn report(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query,
    req: HttpRequest,
) -> Result<Dialog, Problem> {
    let (ctx, who, q) = (state.ctx_for(&req), gate::principal(&req), q.into_inner());
    web::block(move || {
        let (s, names) = report_subject(&ctx, &id)?;
        let locked = q
            .into_iter()
            .filter(|(k, v)| names.contains(k) && !v.trim().is_empty())
            .collect();
        dialog(&ctx, &who, &s, locked)
    })
    .await?
    .map_err(Problem::in_target)
}

/// The form: `expires` (days, empty for never), `embed`, `lock.<key>` per locked value.
struct NewLink {
    expires: Option<u32>,
    embed: bool,
    locked: BTreeMap<String, String>,
}

fn parse(form: Vec<(String, String)>) -> Result<NewLink, Problem> {
    let mut new = NewLink {
        expires: Some(30),
        embed: false,
        locked: BTreeMap::new(),
    };
    for (k, v) in form {
        match k.as_str() {
            "expires" => {
                let v = v.trim();
                new.expires = match v {
                    "" | "never" => None,
                    _ => Some(
                        v.parse::<u32>()
                            .ok()
                            .filter(|d| (1..=3650).contains(d))
                            .ok_or_else(|| {
                                Problem::invalid(
                                    "expires",
                                    format!(
                                        "`{}` is not a number of days from 1 to 3650, nor never",
                                        crate::model::text::truncate(v, 40)
                                    ),
                                )
                            })?,
                    ),
                };
            }
            "embed" => new.embed = matches!(v.as_str(), "1" | "on" | "true"),
            // Checked by the gate (and left in the form when htmx sent the header too).
            gate::CSRF_FIELD => {}
            _ => match k.strip_prefix("lock.") {
                Some(key) if !key.is_empty() => {
                    new.locked.insert(key.to_string(), v);
                }
                _ => {
                    return Err(Problem::invalid(
                        crate::model::text::truncate(&k, 60),
                        "not a field of the share form",
                    ))
                }
            },
        }
    }
    Ok(new)
}

async fn create(
    state: &AppState,
    req: &HttpRequest,
    subject: impl FnOnce(&Ctx) -> Result<Subject, Problem> + Send + 'static,
    form: Vec<(String, String)>,
) -> Result<Made, Problem> {
    let new = parse(form).map_err(Problem::in_target)?;
    let (ctx, who) = (state.ctx_for(req), gate::principal(req));
    web::block(move || {
        let s = subject(&ctx)?;
        let made = share::make(
            &ctx,
            s.target(),
            new.locked,
            new.expires,
            new.embed,
            who.actor().as_deref(),
        )?;
        Ok(Made {
            page_url: made.page_url,
            embed_code: made.embed_url.map(|url| iframe(&url, &s.name)),
            origins: origins_sentence(&ctx),
            rows: rows(&ctx, &s, &who.zone())?,
        })
    })
    .await?
    .map_err(Problem::in_target)
}

/// POST /dashboards/{id}/shares: a new link to the dashboard (the audit log has it, by the gate).
pub async fn create_for_dashboard(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Form,
    req: HttpRequest,
) -> Result<Made, Problem> {
    let id = id.into_inner();
    let subject = move |ctx: &Ctx| dashboard_subject(ctx, &id).map(|(s, _)| s);
    create(&state, &req, subject, form.into_inner()).await
}

/// POST /reports/{id}/shares: a new link to the report.
pub async fn create_for_report(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Form,
    req: HttpRequest,
) -> Result<Made, Problem> {
    let id = id.into_inner();
    let subject = move |ctx: &Ctx| report_subject(ctx, &id).map(|(s, _)| s);
    create(&state, &req, subject, form.into_inner()).await
}

/// POST /shares/{id}/revoke: the link stops working at once; its row goes (an empty answer
/// htmx swaps in its place).
pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || share::revoke(&ctx, &id))
        .await?
        .map_err(|e| Problem::from(e).in_target())?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(""))
}
