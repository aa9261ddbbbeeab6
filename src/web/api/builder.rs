//! `POST /api/v1/builder/preview`: a builder spec (or SQL) run as the builder page runs it.

use crate::app::builder::{self, Draft, DraftQuery};
use crate::model::report::{BuilderSpec, ParameterDef, VizType};
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// The body: a builder (or SQL), optionally a chart type, a source and parameters.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreviewBody {
    #[serde(default)]
    builder: Option<BuilderSpec>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<VizType>,
    #[serde(default = "main")]
    data_source: String,
    #[serde(default)]
    parameters: Vec<ParameterDef>,
    /// Measures drawn as lines on a second axis (a bar chart's `options.axis2`).
    #[serde(default)]
    axis2: Vec<String>,
    /// A line or area chart's forecast: how many periods (`options.forecast.periods`).
    #[serde(default)]
    forecast: Option<u32>,
    /// A line or area chart's unexpected points marked (`options.anomalies`).
    #[serde(default)]
    anomalies: bool,
    /// A pivot table's dimension across its columns (absent: the last; `""`: none).
    #[serde(default)]
    across: Option<String>,
}

fn main() -> String {
    "main".into()
}

/// POST /api/v1/builder/preview → `{sql, engine (sqlite|postgres|columnar), columns, rows
/// (first 100, as values: numbers are numbers), totalRows, svg?, type}`;
/// 422 naming the bad field.
pub async fn preview(
    state: web::Data<AppState>,
    body: JsonBody<PreviewBody>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    let query = match (b.builder, b.query) {
        (Some(spec), None) => DraftQuery::Builder(spec),
        (None, Some(sql)) => DraftQuery::Sql(sql),
        _ => {
            return Err(Problem::invalid(
                "builder",
                "send `builder` (a spec) or `query` (SQL), one of them",
            ))
        }
    };
    let draft = Draft {
        source: b.data_source,
        query,
        chart: b.kind,
        parameters: b.parameters,
        axis2: b.axis2,
        forecast: b.forecast,
        anomalies: b.anomalies,
        across: b.across,
    };
    let ctx = state.ctx_for(&req);
    let p = web::block(move || builder::preview(&ctx, &draft, chrono::Utc::now().date_naive()))
        .await??;
    Ok(HttpResponse::Ok().json(json!({
        "sql": p.sql,
        "engine": p.engine,
        "bound": p.bound,
        "type": p.chart,
        "columns": p.columns,
        // Values, not display text: numbers are JSON numbers (pages format them).
        "rows": p.values,
        "totalRows": p.total_rows,
        "svg": p.svg,
        "kpi": p.kpi,
        // A pivot table's rows and columns, numbers as numbers (`type` pivot).
        "pivot": p.pivot,
        "millis": p.millis,
        // The draft's calculated columns: `[{name, kind}]`.
        "calculated": p.calculated,
        // With joins: the dataset's rows and the rows after the joins (more: a repeated key).
        "joinRows": p.join_rows.map(|(before, after)| json!({ "before": before, "after": after })),
    })))
}
