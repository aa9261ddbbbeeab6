//! The template gallery's pages: `/templates` (each template with its picture, the fields it
//! needs, Try with sample data, Use on a dataset), `/templates/{id}/use?dataset=` (each field
//! matched to a column, changeable, with the widgets each one feeds; then Create dashboard),
//! and `POST /datasets/{name}/explore` (an explore dashboard of a dataset).

pub mod import;

use crate::app::gallery::{self, apply, preview, Template};
use crate::web::error::Problem;
use crate::web::{AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template as _;
use askama_web::WebTemplate;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One template's card.
pub struct Card {
    pub id: String,
    pub name: String,
    pub description: String,
    /// (label, role, required)
    pub fields: Vec<(String, String, bool)>,
    pub widgets: usize,
    pub sample: bool,
    pub schedule: Option<String>,
    /// A picture of it ships with Quire.
    pub picture: bool,
}

/// GET /templates
#[derive(askama::Template, WebTemplate)]
#[template(path = "gallery.html")]
pub struct GalleryPage {
    pub layout: Layout,
    pub cards: Vec<Card>,
    pub datasets: Vec<String>,
    /// The dataset the page was opened for (`?dataset=`), chosen in every card's form.
    pub chosen: String,
}

fn card(t: &Template) -> Card {
    let i = t.info();
    Card {
        id: i.id.clone(),
        name: i.name.clone(),
        description: i.description.clone(),
        fields: i
            .fields
            .iter()
            .map(|f| {
                (
                    f.label_or_name().to_string(),
                    f.role.to_string(),
                    f.required,
                )
            })
            .collect(),
        widgets: t.bundle.dashboard.widgets.len(),
        sample: t.sample.is_some(),
        schedule: i.schedule.as_ref().map(|s| {
            crate::model::cron::CronSchedule::parse(&s.cron)
                .map(|c| c.describe())
                .unwrap_or_else(|_| s.cron.clone())
        }),
        picture: t.sample.is_some(),
    }
}

#[derive(Deserialize)]
pub struct GalleryQuery {
    #[serde(default)]
    dataset: String,
}

pub async fn page(
    state: web::Data<AppState>,
    q: web::Query<GalleryQuery>,
    req: HttpRequest,
) -> Result<GalleryPage, Problem> {
    let who = crate::web::gate::principal(&req);
    let ctx = state.ctx_for(&req);
    let chosen = q.into_inner().dataset;
    web::block(move || -> Result<GalleryPage, Problem> {
        let cards = gallery::all(&ctx.config.storage.data_dir)
            .iter()
            .map(card)
            .collect();
        let datasets = crate::store::dataset::list(&*ctx.store.app.get()?)?
            .into_iter()
            .map(|d| d.name)
            .collect();
        Ok(GalleryPage {
            layout: Layout::new(&ctx, &who)?,
            cards,
            datasets,
            chosen,
        })
    })
    .await?
    .map_err(Problem::html)
}

/// One field's row of the mapping form.
pub struct FieldRow {
    pub name: String,
    pub label: String,
    pub role: String,
    pub kind: String,
    pub description: String,
    pub required: bool,
    /// The column chosen (suggested, or sent back).
    pub column: String,
    /// The columns it can be: (name, type).
    pub choices: Vec<(String, String)>,
}

/// One widget and whether the mapping keeps it.
pub struct WidgetRow {
    pub title: String,
    /// The labels of the unmapped fields it reads (empty: shown).
    pub lacks: Vec<String>,
    /// What it shows on the dataset with this mapping (none when it cannot be made yet).
    pub shown: Option<preview::Shown>,
}

/// GET /templates/{id}/use?dataset=
#[derive(askama::Template, WebTemplate)]
#[template(path = "template_use.html")]
pub struct UsePage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    pub dataset: String,
    pub rows: u64,
    pub datasets: Vec<String>,
    pub fields: Vec<FieldRow>,
    pub widgets: Vec<WidgetRow>,
    pub schedule: Option<String>,
    pub email: String,
    pub error: Option<String>,
}

fn found(state: &AppState, id: &str) -> Result<Template, Problem> {
    gallery::find(&state.ctx.config.storage.data_dir, id).ok_or_else(|| {
        Problem::not_found(format!(
            "no template `{}`",
            crate::model::text::truncate(id, 60)
        ))
        .html()
    })
}

/// The mapping form: `m.<field>` values sent back win over the suggestion.
fn use_page(
    ctx: &crate::app::Ctx,
    who: &crate::auth::Principal,
    t: &Template,
    dataset: &str,
    sent: Option<&BTreeMap<String, String>>,
    error: Option<String>,
) -> Result<UsePage, Problem> {
    let info = t.info();
    let datasets: Vec<String> = crate::store::dataset::list(&*ctx.store.app.get()?)?
        .into_iter()
        .map(|d| d.name)
        .collect();
    let (fit, rows) = if dataset.is_empty() {
        (None, 0)
    } else {
        let f = gallery::fit(ctx, t, dataset)?;
        let rows = f.rows;
        (Some(f), rows)
    };
    let mut fields = Vec::new();
    for f in &info.fields {
        let suggested = fit
            .as_ref()
            .and_then(|x| x.mapping.get(&f.name).cloned().flatten())
            .unwrap_or_default();
        let column = match sent {
            Some(m) => m.get(&f.name).cloned().unwrap_or_default(),
            None => suggested,
        };
        let choices = fit
            .as_ref()
            .map(|x| {
                x.columns
                    .iter()
                    .filter(|(_, k)| {
                        crate::data::import::ColType::parse(k)
                            .is_some_and(|k| gallery::fit::fits(f.kind, k))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        fields.push(FieldRow {
            name: f.name.clone(),
            label: f.label_or_name().to_string(),
            role: f.role.to_string(),
            kind: f.kind.to_string(),
            description: f.description.clone(),
            required: f.required,
            column,
            choices,
        });
    }
    let missing: std::collections::HashSet<String> = fields
        .iter()
        .filter(|f| f.column.is_empty())
        .map(|f| f.name.clone())
        .collect();
    let label = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.label.clone())
            .unwrap_or_else(|| name.to_string())
    };
    // Each kept widget drawn on the dataset (nothing when the mapping cannot be applied yet).
    let chosen: BTreeMap<String, String> = fields
        .iter()
        .filter(|f| !f.column.is_empty())
        .map(|f| (f.name.clone(), f.column.clone()))
        .collect();
    let drawn = match dataset.is_empty() {
        true => Vec::new(),
        false => preview::widgets(
            ctx,
            t,
            &apply::Request {
                dataset,
                mapping: &chosen,
                schedule_to: None,
                dry_run: true,
            },
        )
        .unwrap_or_default(),
    };
    let mut drawn = drawn.into_iter();
    let widgets = apply::widgets_without(t, &missing)
        .into_iter()
        .map(|(title, reads)| {
            let shown = reads
                .is_empty()
                .then(|| drawn.next().map(|(_, s)| s))
                .flatten();
            WidgetRow {
                title,
                lacks: reads.iter().map(|f| label(f)).collect(),
                shown,
            }
        })
        .collect();
    Ok(UsePage {
        layout: Layout::new(ctx, who)?,
        id: info.id.clone(),
        name: info.name.clone(),
        dataset: dataset.to_string(),
        rows,
        datasets,
        fields,
        widgets,
        schedule: info.schedule.as_ref().map(|s| {
            crate::model::cron::CronSchedule::parse(&s.cron)
                .map(|c| c.describe())
                .unwrap_or_else(|_| s.cron.clone())
        }),
        email: who.email().unwrap_or_default(),
        error,
    })
}

/// GET /templates/{id}/use?dataset=&m.<field>=
pub async fn use_form(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<UsePage, Problem> {
    let t = found(&state, &id)?;
    let who = crate::web::gate::principal(&req);
    let ctx = state.ctx_for(&req);
    let q = q.into_inner();
    // It runs every widget's query on the dataset: a render slot, stopped if the client leaves.
    state
        .render_blocking(&req, move || {
            let dataset = q.get("dataset").cloned().unwrap_or_default();
            let sent: BTreeMap<String, String> = q
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("m.").map(|f| (f.to_string(), v.clone())))
                .collect();
            let sent = (!sent.is_empty()).then_some(&sent);
            use_page(&ctx, &who, &t, &dataset, sent, None)
        })
        .await
        .map_err(Problem::html)?
        .map_err(Problem::html)
}

/// POST /templates/{id}/use: creates the reports and the dashboard; to the dashboard. A
/// refusal shows the form again with the reason, the choices kept.
pub async fn use_submit(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let t = found(&state, &id)?;
    let who = crate::web::gate::principal(&req);
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let ctx = state.ctx_for(&req);
    let form = form.into_inner();
    let page = state
        .render_blocking(&req, move || -> Result<Result<String, UsePage>, Problem> {
            let dataset = form.get("dataset").cloned().unwrap_or_default();
            let mapping: BTreeMap<String, String> = form
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("m.").map(|f| (f.to_string(), v.clone())))
                .collect();
            let schedule_to = form
                .get("schedule")
                .filter(|v| v.as_str() == "on")
                .and(form.get("email"));
            let done = apply::apply(
                &ctx,
                &t,
                &apply::Request {
                    dataset: &dataset,
                    mapping: &mapping,
                    schedule_to: schedule_to.map(String::as_str),
                    dry_run: false,
                },
                &author,
            );
            match done {
                Ok(a) => Ok(Ok(a.outcome.dashboard_id)),
                Err(crate::app::edit::EditError::Invalid { field, message }) => {
                    let error = Some(format!("{field}: {message}"));
                    Ok(Err(use_page(
                        &ctx,
                        &who,
                        &t,
                        &dataset,
                        Some(&mapping),
                        error,
                    )?))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await
        .map_err(Problem::html)?
        .map_err(Problem::html)?;
    match page {
        Ok(did) => {
            state.scheduler_wake.notify_one();
            Ok(see_other(&format!("/dashboards/{did}")))
        }
        Err(p) => Ok(HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(p.render().map_err(|e| Problem::internal(e).html())?)),
    }
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// POST /templates/{id}/sample: tried on its sample data; to the dashboard.
pub async fn sample(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let t = found(&state, &id)?;
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let ctx = state.ctx_for(&req);
    let done = web::block(move || gallery::try_sample(&ctx, &t, &author))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(see_other(&format!(
        "/dashboards/{}",
        done.outcome.dashboard_id
    )))
}

/// POST /datasets/{name}/explore: an explore dashboard of the dataset; to it.
pub async fn explore(
    state: web::Data<AppState>,
    name: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let ctx = state.ctx_for(&req);
    let done = web::block(move || gallery::explore::explore(&ctx, &name, &author))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(see_other(&format!(
        "/dashboards/{}",
        done.outcome.dashboard_id
    )))
}
