//! "Names and formats" on a dataset's page (`#column-names`, loaded by htmx after the page; a
//! page of its own without JavaScript): each column's label for people and its format, which
//! builder reports on the dataset show (pages, charts, PDF, XLSX, email) unless a measure or a
//! visualization says otherwise. Editors change them; viewers read them.

use crate::app::column_meta::{self, ColumnMetaError};
use crate::app::Ctx;
use crate::model::dataset::ColumnMeta;
use crate::model::report::ValueFormat;
use crate::web::error::Problem;
use crate::web::htmx::is_htmx;
use crate::web::{gate, AppState, Layout};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// The kinds a column's format may be, with their words for people.
pub const KINDS: [(&str, &str); 6] = [
    ("", "automatic"),
    ("number", "number"),
    ("integer", "whole number"),
    ("currency", "currency"),
    ("percent", "percent"),
    ("date", "date"),
];

/// One column's row.
pub struct NameRow {
    pub name: String,
    pub kind: String,
    pub label: String,
    pub format: String,
    pub decimals: String,
    pub currency: String,
}

/// The section.
pub struct NamesView {
    pub dataset: String,
    pub rows: Vec<NameRow>,
    pub editor: bool,
    pub csrf: String,
    /// What was saved, or why not (and which column).
    pub note: Option<String>,
    pub refused: Option<(String, String)>,
    pub kinds: &'static [(&'static str, &'static str)],
}

impl NamesView {
    /// Why the change to column `name` was refused, if it was.
    pub fn refused_for(&self, name: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|(c, _)| c == name)
            .map(|(_, why)| why.as_str())
    }
}

#[derive(Template)]
#[template(path = "dataset_names.html")]
struct NamesPage {
    layout: Layout,
    view: NamesView,
}

#[derive(Template)]
#[template(path = "dataset_names.html", block = "names")]
struct NamesPartial {
    view: NamesView,
}

fn view(ctx: &Ctx, layout: &Layout, name: &str) -> Result<NamesView, Problem> {
    let info = crate::store::dataset::get(&*ctx.store.app.get()?, name)?.ok_or_else(|| {
        Problem::not_found(format!(
            "no dataset named `{}`",
            crate::model::text::truncate(name, 60)
        ))
    })?;
    let meta = column_meta::of(ctx, name).map_err(problem)?;
    let rows = info
        .columns
        .iter()
        .map(|c| {
            let m = meta.get(&c.name).cloned().unwrap_or_default();
            let f = m.format;
            NameRow {
                name: c.name.clone(),
                kind: c.kind.clone(),
                label: m.label.unwrap_or_default(),
                format: f
                    .and_then(|f| serde_json::to_value(f.kind).ok())
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                decimals: f
                    .and_then(|f| f.decimals)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                currency: f
                    .and_then(|f| f.currency)
                    .map(|c| c.code().to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(NamesView {
        dataset: info.name,
        rows,
        editor: layout.can("editor"),
        csrf: layout.csrf.clone(),
        note: None,
        refused: None,
        kinds: &KINDS,
    })
}

fn problem(e: ColumnMetaError) -> Problem {
    match e {
        ColumnMetaError::NoDataset(_) => Problem::not_found(e.to_string()),
        ColumnMetaError::NoColumn(c) => {
            Problem::invalid("column", format!("the dataset has no column `{c}`"))
        }
        ColumnMetaError::Label(m) => Problem::invalid("label", m),
        ColumnMetaError::Store(s) => Problem::from(s),
    }
}

fn render(layout: Layout, view: NamesView, htmx: bool) -> Result<String, Problem> {
    if htmx {
        NamesPartial { view }.render()
    } else {
        NamesPage { layout, view }.render()
    }
    .map_err(Problem::internal)
}

/// GET /datasets/{name}/names
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    super::section(state, req, name.into_inner(), view, render).await
}

/// The form of one column.
#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    decimals: String,
    #[serde(default)]
    currency: String,
}

/// The format a form asks for (None: automatic), or the field it is wrong in.
fn format_of(f: &NameForm) -> Result<Option<ValueFormat>, Problem> {
    if f.format.is_empty() {
        return Ok(None);
    }
    let mut v = serde_json::json!({ "kind": f.format });
    let decimals = f.decimals.trim();
    if !decimals.is_empty() {
        let d: u32 = decimals.parse().map_err(|_| {
            Problem::invalid(
                "decimals",
                format!(
                    "`{}` is not a whole number",
                    crate::model::text::truncate(decimals, 20)
                ),
            )
        })?;
        v["decimals"] = d.into();
    }
    let currency = f.currency.trim().to_ascii_uppercase();
    if !currency.is_empty() && f.format == "currency" {
        v["currency"] = currency.into();
    }
    serde_json::from_value::<ValueFormat>(v)
        .map(Some)
        .map_err(|e| {
            let m = e.to_string();
            let field = ["decimals", "currency"]
                .into_iter()
                .find(|k| m.starts_with(k))
                .unwrap_or("format");
            Problem::invalid(field, crate::model::text::truncate(&m, 200))
        })
}

/// POST /datasets/{name}/columns/{column}/name: sets the column's label and format. htmx gets
/// the section again (the row marked when refused, 422); a plain form post goes back to the
/// dataset's page.
pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    let htmx = is_htmx(&req);
    let (name, column) = path.into_inner();
    let form = form.into_inner();
    let (status, body) = web::block(move || -> Result<(StatusCode, String), Problem> {
        let saved = format_of(&form).and_then(|format| {
            let meta = ColumnMeta {
                label: Some(form.label.clone()),
                format,
            };
            column_meta::set(&ctx, &name, &column, meta).map_err(problem)
        });
        if !htmx {
            saved?;
            return Ok((StatusCode::SEE_OTHER, String::new()));
        }
        let layout = Layout::bare(&ctx, &who);
        let mut view = view(&ctx, &layout, &name)?;
        let status = match saved {
            Ok(()) => {
                view.note = Some(format!(
                    "Saved: {}.",
                    crate::model::text::truncate(&column, 60)
                ));
                StatusCode::OK
            }
            Err(p) if p.status.is_client_error() => {
                view.refused = Some((column.clone(), p.detail.clone()));
                p.status
            }
            Err(p) => return Err(p),
        };
        Ok((status, render(layout, view, true)?))
    })
    .await?
    .map_err(Problem::html)?;
    if status == StatusCode::SEE_OTHER {
        let to = format!(
            "/datasets/{}#column-names",
            crate::model::text::urlencode(req.match_info().get("name").unwrap_or(""))
        );
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish());
    }
    Ok(super::html(status, body))
}
