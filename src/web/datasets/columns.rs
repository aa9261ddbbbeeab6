//! A dataset's columns on its page (`#dataset-columns`, loaded by htmx after the page so a large
//! dataset never holds it up; a page of its own without JavaScript): each column's blanks,
//! smallest and largest value, distinct and most frequent values, and for editors a form to
//! give it another type. Choosing a type checks it first (how many values would not convert,
//! with examples); values that do not convert refuse the change unless "make them blank" is
//! ticked. The API's way is `PATCH /api/v1/datasets/{name}/columns/{column}` (web/api/datasets.rs).

use crate::app::dataset_columns::{self as columns, ColumnError, Retyped};
use crate::app::Ctx;
use crate::data::import::ColType;
use crate::data::query::{Cell, QueryError};
use crate::data::stats::{ColumnStats, EXACT_ROWS};
use crate::model::dataset::DatasetInfo;
use crate::model::text::truncate;
use crate::report::format::thousands;
use crate::web::error::Problem;
use crate::web::htmx::is_htmx;
use crate::web::{gate, AppState, Layout};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// The types a column may be given, in the order offered.
pub const TYPES: [&str; 6] = ["text", "integer", "real", "date", "datetime", "boolean"];

/// One column's row.
pub struct ColumnRow {
    pub name: String,
    pub original: String,
    pub kind: String,
    pub blanks: String,
    pub min: String,
    pub max: String,
    pub distinct: String,
    pub top: Vec<String>,
    /// Why the type asked for was refused (shown in the row), and whether to offer blanks.
    pub refused: Option<String>,
    pub offer_blank: bool,
    /// The type chosen in the form (the refused one, else the column's own).
    pub chosen: String,
}

/// The section.
pub struct ColumnsView {
    pub dataset: String,
    pub rows: Vec<ColumnRow>,
    pub editor: bool,
    pub csrf: String,
    /// What a retype did, shown above the table.
    pub note: Option<String>,
    /// Why the statistics are missing (a query past its time limit).
    pub failure: Option<String>,
    /// Distinct values counted over the first rows only.
    pub sampled: Option<String>,
    pub types: &'static [&'static str],
}

/// GET /datasets/{name}/columns without htmx.
#[derive(Template)]
#[template(path = "dataset_columns.html")]
struct ColumnsPage {
    layout: Layout,
    view: ColumnsView,
}

/// The section alone.
#[derive(Template)]
#[template(path = "dataset_columns.html", block = "columns")]
struct ColumnsPartial {
    view: ColumnsView,
}

/// A stored value for people: numbers grouped, booleans as words, long text cut.
fn shown(c: &Cell, kind: ColType) -> String {
    match (c, kind) {
        (Cell::Int(i), ColType::Boolean) => (if *i != 0 { "true" } else { "false" }).into(),
        (Cell::Int(i), _) => thousands(*i as f64, 0),
        (Cell::Real(f), _) => {
            let decimals = if f.fract() == 0.0 { 0 } else { 2 };
            thousands(*f, decimals)
        }
        (Cell::Text(t), _) => truncate(t, 40),
        (Cell::Null, _) => String::new(),
    }
}

/// A count, with its share of `of` when it is not all or nothing: `1,204 (6.0%)`.
fn share(n: u64, of: u64) -> String {
    if n == 0 || of == 0 {
        return thousands(n as f64, 0);
    }
    format!(
        "{} ({}%)",
        thousands(n as f64, 0),
        thousands(n as f64 * 100.0 / of as f64, 1)
    )
}

/// The most frequent values with their counts; values that occur once each are not "frequent".
fn top(s: &ColumnStats) -> Vec<String> {
    if s.top.iter().all(|(_, n)| *n <= 1) {
        return match s.top.is_empty() {
            true => Vec::new(),
            false => vec!["each value once".to_string()],
        };
    }
    s.top
        .iter()
        .filter(|(_, n)| *n > 1)
        .map(|(v, n)| format!("{} ({})", shown(v, s.kind), thousands(*n as f64, 0)))
        .collect()
}

fn row(info: &DatasetInfo, i: usize, s: Option<&ColumnStats>) -> ColumnRow {
    let c = &info.columns[i];
    let dash = || "–".to_string();
    let (blanks, min, max, distinct, top) = match s {
        Some(s) => (
            share(s.blanks, info.row_count),
            s.min
                .as_ref()
                .map(|v| shown(v, s.kind))
                .unwrap_or_else(dash),
            s.max
                .as_ref()
                .map(|v| shown(v, s.kind))
                .unwrap_or_else(dash),
            match (s.distinct, s.exact) {
                (None, _) => "took too long".to_string(),
                (Some(d), true) => thousands(d as f64, 0),
                (Some(d), false) => format!("≈ {}", thousands(d as f64, 0)),
            },
            top(s),
        ),
        None => (dash(), dash(), dash(), dash(), Vec::new()),
    };
    ColumnRow {
        name: c.name.clone(),
        original: c.original.clone(),
        kind: c.kind.clone(),
        blanks,
        min,
        max,
        distinct,
        top,
        refused: None,
        offer_blank: false,
        chosen: c.kind.clone(),
    }
}

/// The section for `name`, its statistics computed (or read from the cache).
fn view(ctx: &Ctx, layout: &Layout, name: &str) -> Result<ColumnsView, Problem> {
    let (info, stats, failure) = match columns::stats(ctx, name) {
        Ok((info, stats)) => (info, stats, None),
        Err(ColumnError::Query(e)) => {
            let info = crate::store::dataset::get(&*ctx.store.app.get()?, name)?
                .ok_or_else(|| Problem::not_found(format!("no dataset named `{name}`")))?;
            let why = match e {
                QueryError::Timeout(_) | QueryError::Cancelled => e.to_string(),
                e => {
                    tracing::warn!(dataset = name, error = %e, "column statistics failed");
                    "the statistics could not be computed (the server log says why)".into()
                }
            };
            (info, Vec::new(), Some(format!("No statistics: {why}.")))
        }
        Err(e) => return Err(problem(e)),
    };
    let sampled = stats.iter().any(|s| !s.exact).then(|| {
        format!(
            "≈: distinct and most frequent values counted in the first {} rows.",
            thousands(EXACT_ROWS as f64, 0)
        )
    });
    Ok(ColumnsView {
        rows: (0..info.columns.len())
            .map(|i| row(&info, i, stats.get(i)))
            .collect(),
        dataset: info.name,
        editor: layout.can("editor"),
        csrf: layout.csrf.clone(),
        note: None,
        failure,
        sampled,
        types: &TYPES,
    })
}

/// A column error as the problem to answer.
pub fn problem(e: ColumnError) -> Problem {
    match e {
        ColumnError::NoColumn(_) => Problem::invalid("column", e.to_string()),
        ColumnError::UnknownType(_)
        | ColumnError::Same { .. }
        | ColumnError::Unconvertible { .. } => Problem::invalid("type", e.to_string()),
        ColumnError::Query(QueryError::Cancelled) => Problem::client_gone(),
        ColumnError::Query(QueryError::Timeout(_)) => {
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        ColumnError::Query(e) => Problem::internal(e),
        ColumnError::Dataset(e) => super::problem(e),
    }
}

/// The section alone (htmx) or in a page of its own.
fn render(layout: Layout, view: ColumnsView, htmx: bool) -> Result<String, Problem> {
    if htmx {
        ColumnsPartial { view }.render()
    } else {
        ColumnsPage { layout, view }.render()
    }
    .map_err(Problem::internal)
}

/// GET /datasets/{name}/columns
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    super::section(state, req, name.into_inner(), view, render).await
}

#[derive(Deserialize)]
pub struct CheckQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// GET /datasets/{name}/columns/{column}/check?type=: what that type would do, as a fragment
/// of the column's form (with the "make them blank" box when some values do not convert).
pub async fn check(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<CheckQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let (name, column) = path.into_inner();
    let to = q.into_inner().kind.unwrap_or_default();
    let result =
        web::block(move || columns::check(&ctx, &name, &column, &to).map(|c| (column, c))).await?;
    let body = match result {
        Ok((_, (from, to, c))) if c.bad == 0 => format!(
            "<p class=\"retype-ok\">All {} values convert from {} to {}.</p>",
            thousands(c.values as f64, 0),
            from.name(),
            to.name()
        ),
        Ok((column, (_, to, c))) => format!(
            "<p class=\"retype-bad\">{}.</p>{}",
            crate::model::text::escape_html(&columns::unconvertible(&column, to, &c)),
            BLANK_BOX
        ),
        Err(ColumnError::Same { .. }) => String::new(),
        Err(e) => return Err(problem(e).in_target()),
    };
    Ok(super::html(StatusCode::OK, body))
}

/// The box that converts values that do not fit to blank.
const BLANK_BOX: &str = "<label class=\"retype-blank\"><input type=\"checkbox\" name=\"blank\" value=\"1\"> Make them blank and change the type</label>";

#[derive(Deserialize)]
pub struct RetypeForm {
    #[serde(rename = "type")]
    kind: Option<String>,
    blank: Option<String>,
}

/// "`amount` is now integer: 1,204 values converted, 3 made blank."
fn done_note(r: &Retyped) -> String {
    let mut s = format!(
        "`{}` is now {} (was {}): {} values converted",
        r.column,
        r.to.name(),
        r.from.name(),
        thousands(r.done.converted as f64, 0)
    );
    if r.done.blanked > 0 {
        s.push_str(&format!(
            ", {} made blank",
            thousands(r.done.blanked as f64, 0)
        ));
    }
    s.push('.');
    s
}

/// POST /datasets/{name}/columns/{column}/type (`type`, `blank`): the section again, with what
/// was done or, in the column's row, why not (422). A plain form is sent back to the page.
pub async fn retype(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<RetypeForm>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    let htmx = is_htmx(&req);
    let (name, column) = path.into_inner();
    let form = form.into_inner();
    let to = form.kind.unwrap_or_default();
    let blank = form.blank.is_some_and(|b| !b.is_empty());
    let back = format!("/datasets/{name}");
    let (status, body) = web::block(move || -> Result<(StatusCode, String), Problem> {
        let result = columns::retype(&ctx, &name, &column, &to, blank);
        let refused = match result {
            Ok(r) if !htmx => return Ok((StatusCode::SEE_OTHER, done_note(&r))),
            Ok(r) => Err(done_note(&r)),
            // Shown in the column's row: the values that do not fit, or the same type.
            Err(e @ (ColumnError::Unconvertible { .. } | ColumnError::Same { .. })) => Ok(e),
            Err(e) => return Err(problem(e)),
        };
        let layout = if htmx {
            Layout::bare(&ctx, &who)
        } else {
            Layout::new(&ctx, &who)?
        };
        let mut view = view(&ctx, &layout, &name)?;
        let status = match refused {
            Err(note) => {
                view.note = Some(note);
                StatusCode::OK
            }
            Ok(e) => {
                let offer = matches!(e, ColumnError::Unconvertible { .. });
                if let Some(r) = view.rows.iter_mut().find(|r| r.name == column) {
                    r.refused = Some(format!("{e}."));
                    r.offer_blank = offer;
                    r.chosen = ColType::parse(&to)
                        .map(|t| t.name())
                        .unwrap_or("text")
                        .into();
                }
                StatusCode::UNPROCESSABLE_ENTITY
            }
        };
        Ok((status, render(layout, view, htmx)?))
    })
    .await?
    .map_err(|p| if htmx { p } else { p.html() })?;
    if status == StatusCode::SEE_OTHER {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, back))
            .finish());
    }
    Ok(super::html(status, body))
}
