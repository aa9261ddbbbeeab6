//! The report builder's service: what a source's fields are (with their kind and how many
//! distinct values), the distinct values of a field (for filter pickers), a draft (a builder
//! spec or SQL, a chart type) turned into a report definition, and its live preview, run by the
//! same pipeline as every other output.

use super::{Ctx, PipelineError};
use crate::data::query::{self, Cell};
use crate::model::report::{
    BuilderSpec, DataMapping, ParamType, ParameterDef, QuerySource, ReportDefinition,
    Visualization, VizOptions, VizType, MAX_QUERY_CHARS,
};
use crate::report::run::{self, Item, RunError, TableRows};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

mod join;
mod mapping;
mod question;

pub use join::{join_options, remember, JoinOptions};
use mapping::across;
pub use mapping::{chart_mapping, suggest};
use question::{question_fields, sourced};
pub use question::{question_values, questions, QUESTION};

/// Rows a preview shows.
pub const PREVIEW_ROWS: u32 = 100;
/// Distinct values a filter picker offers.
const PICKER_VALUES: u32 = 50;

pub use crate::report::builder::FieldKind;

/// A field of a table, with a hint of its variety.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    /// Distinct values (counted over the first 100,000 rows); None: not counted (a saved
    /// question's column: counting would run the question).
    pub distinct: Option<u64>,
}

impl Field {
    /// `20,000 distinct`, as the field list shows it; nothing when not counted.
    pub fn distinct_shown(&self) -> String {
        match self.distinct {
            Some(n) => format!("{} distinct", crate::report::format::thousands(n as f64, 0)),
            None => String::new(),
        }
    }
}

/// A query being built: a spec, or SQL.
#[derive(Debug, Clone)]
pub enum DraftQuery {
    Builder(BuilderSpec),
    Sql(String),
}

/// What the builder page sends: where, what, drawn how.
#[derive(Debug, Clone)]
pub struct Draft {
    pub source: String,
    pub query: DraftQuery,
    /// None: the suggested type.
    pub chart: Option<VizType>,
    /// Parameters the query uses (SQL `:name`, or a filter's `{name}`).
    pub parameters: Vec<ParameterDef>,
    /// Measures drawn as lines on a second axis (`options.axis2` of the chart).
    pub axis2: Vec<String>,
    /// A line or area chart's forecast periods and unexpected points (`options.forecast`,
    /// `options.anomalies`); other charts leave them out.
    pub forecast: Option<u32>,
    pub anomalies: bool,
    /// A pivot table's dimension across (its columns): None, the last; `""`, none (every
    /// dimension down its rows).
    pub across: Option<String>,
}

/// A preview: the chart (or KPI) and the first rows, as every output draws them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub sql: String,
    /// The engine that answered: `sqlite`, `postgres` or `columnar`.
    pub engine: &'static str,
    /// Values bound to the SQL's `:quire_bN` placeholders, in order.
    pub bound: Vec<(String, String)>,
    pub chart: VizType,
    pub svg: Option<String>,
    pub kpi: Option<(String, String)>,
    pub columns: Vec<String>,
    /// The rows as a page shows them (formatted).
    pub rows: Vec<Vec<String>>,
    /// The same rows as values (numbers as numbers), for the API.
    pub values: Vec<Vec<crate::data::query::Cell>>,
    pub total_rows: u64,
    pub millis: u64,
    /// A builder draft's calculated columns and what each holds (the page lists them as
    /// fields).
    pub calculated: Vec<crate::report::builder::Field>,
    /// A draft with joins: its dataset's rows, and the rows after the joins.
    pub join_rows: Option<(u64, u64)>,
    /// A pivot table draft's pivot.
    pub pivot: Option<crate::report::run::pivot::PivotOut>,
}

/// A field name that may be used as an identifier (the compiler checks it again).
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn connection(ctx: &Ctx, source: &str) -> Result<crate::store::SourceConn, PipelineError> {
    Ok(ctx
        .store
        .preview_source(source)
        .ok_or_else(|| PipelineError::NoSource(source.to_string()))?
        .get(&ctx.sight)?)
}

/// The fields of `table` in `source`: their kinds as the compiler sees them, and how many
/// distinct values each has (over the first 100,000 rows: a hint, not a census).
pub fn fields(ctx: &Ctx, source: &str, table: &str) -> Result<Vec<Field>, PipelineError> {
    if let Some(report) = table.strip_prefix(QUESTION) {
        return question_fields(ctx, source, report);
    }
    let conn = connection(ctx, source)?;
    let kinds = crate::report::builder::fields(&conn, table).map_err(|m| mapping("table", m))?;
    let rows =
        crate::report::builder::readable(conn.db(), table).map_err(|m| mapping("table", m))?;
    let (from, tag) = (&rows.from, rows.tag);
    kinds
        .into_iter()
        .filter(|f| plain(&f.name))
        .map(|f| {
            let sql = format!(
                "{tag}SELECT count(DISTINCT \"{0}\") FROM (SELECT \"{0}\" FROM {from} LIMIT 100000) AS quire_s",
                f.name
            );
            let distinct = conn
                .db()
                .fetch(&sql, &rows.values, None, ctx.bounds())
                .map_err(|e| query_error("table", e))?
                .rows
                .first()
                .and_then(|r| r.first())
                .and_then(|c| c.as_f64())
                .unwrap_or(0.0);
            Ok(Field {
                name: f.name,
                kind: f.kind,
                distinct: Some(distinct as u64),
            })
        })
        .collect()
}

/// Up to 50 distinct values of a field starting with `prefix`, most frequent first.
pub fn values(
    ctx: &Ctx,
    source: &str,
    table: &str,
    field: &str,
    prefix: &str,
) -> Result<Vec<String>, PipelineError> {
    if let Some(report) = table.strip_prefix(QUESTION) {
        let spec: BuilderSpec = serde_json::from_value(
            serde_json::json!({ "source": { "report": report }, "dimensions": [] }),
        )
        .map_err(|e| mapping("table", e.to_string()))?;
        return question::question_values(ctx, source, &spec, field, prefix);
    }
    if !fields(ctx, source, table)?.iter().any(|f| f.name == field) {
        return Err(mapping(
            "field",
            format!(
                "no field `{}` in `{table}`",
                crate::model::text::truncate(field, 60)
            ),
        ));
    }
    let conn = connection(ctx, source)?;
    let rows =
        crate::report::builder::readable(conn.db(), table).map_err(|m| mapping("table", m))?;
    let (from, tag) = (&rows.from, rows.tag);
    let sql = format!(
        "{tag}SELECT \"{field}\" AS v FROM {from} WHERE \"{field}\" IS NOT NULL AND substr(CAST(\"{field}\" AS TEXT), 1, length(:prefix)) = :prefix
         GROUP BY v ORDER BY count(*) DESC, v LIMIT {PICKER_VALUES}"
    );
    let mut params = rows.values.clone();
    params.insert(
        "prefix".into(),
        query::ParamValue::Text(prefix.chars().take(200).collect()),
    );
    let rs = conn
        .db()
        .fetch(&sql, &params, None, ctx.bounds())
        .map_err(|e| RunError::Query {
            viz: "values".into(),
            source: e,
        })?;
    Ok(rs
        .rows
        .iter()
        .map(|r| run::cell_text(&r[0], None))
        .collect())
}

fn mapping(viz: &str, message: String) -> PipelineError {
    PipelineError::Run(RunError::Mapping {
        viz: viz.into(),
        message,
    })
}

fn query_error(viz: &str, e: impl std::fmt::Display) -> PipelineError {
    PipelineError::Run(RunError::Mapping {
        viz: viz.into(),
        message: e.to_string(),
    })
}

/// The definition a draft stands for: its query, a chart (unless it is a table) and the rows.
pub fn definition(
    draft: &Draft,
    chart: VizType,
    mapping: DataMapping,
    name: &str,
) -> ReportDefinition {
    let (query, builder) = match &draft.query {
        DraftQuery::Builder(b) => (None, Some(b.clone())),
        DraftQuery::Sql(s) => (Some(s.clone()), None),
    };
    let mut visualizations = Vec::new();
    // A second axis on bar charts, for measures the chart draws; other kinds draw every
    // measure on one axis.
    let drawn: Vec<&String> = mapping.y.iter().chain(&mapping.more_y).collect();
    let axis2: Vec<String> = match chart {
        VizType::Bar | VizType::StackedBar | VizType::Line | VizType::Area => draft
            .axis2
            .iter()
            .filter(|a| drawn.contains(a))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    // A forecast and unexpected points belong to one line over dates.
    let over_dates = matches!(chart, VizType::Line | VizType::Area)
        && mapping.series.is_none()
        && mapping.more_y.is_empty();
    if chart != VizType::Table {
        visualizations.push(Visualization {
            id: "chart".into(),
            kind: chart,
            title: name.to_string(),
            query: None,
            data_mapping: mapping,
            options: VizOptions {
                axis2,
                forecast: draft
                    .forecast
                    .filter(|_| over_dates)
                    .map(|periods| crate::model::report::ForecastOptions { periods }),
                anomalies: draft.anomalies && over_dates,
                ..VizOptions::default()
            },
        });
    }
    visualizations.push(Visualization {
        id: "rows".into(),
        kind: VizType::Table,
        title: "Rows".into(),
        query: None,
        data_mapping: DataMapping::default(),
        options: VizOptions::default(),
    });
    ReportDefinition {
        id: None,
        name: name.to_string(),
        description: String::new(),
        category: String::new(),
        tags: Vec::new(),
        collection_id: None,
        data_source: draft.source.clone(),
        query,
        builder,
        queries: BTreeMap::new(),
        parameters: draft.parameters.clone(),
        visualizations,
        layout: None,
        row_limit: 10_000,
        options: Default::default(),
        engine: None,
    }
}

/// The chart type and mapping of a draft, from the columns its query returns.
pub fn plan(
    ctx: &Ctx,
    draft: &Draft,
    today: chrono::NaiveDate,
) -> Result<(VizType, DataMapping, Vec<String>), PipelineError> {
    let draft = &*sourced(ctx, draft)?;
    if let DraftQuery::Sql(sql) = &draft.query {
        if sql.chars().count() > MAX_QUERY_CHARS {
            return Err(mapping(
                "query",
                format!("longer than {MAX_QUERY_CHARS} characters"),
            ));
        }
    }
    let probe = definition(draft, VizType::Table, DataMapping::default(), "draft");
    let conn = connection(ctx, &draft.source)?;
    let source = probe
        .query_source(None)
        .ok_or_else(|| PipelineError::NoQuery("(default)".into()))?;
    let resolved = crate::report::params::resolve(&probe.parameters, &BTreeMap::new(), today)
        .map_err(RunError::from)?;
    let (sql, _) = run::prepare(&conn, &probe, source, &resolved.values, today, "query")?;
    let columns: Vec<String> = conn
        .db()
        .validate(&sql, ctx.bounds())
        .map_err(|e| mapping("query", e.to_string()))?;
    let (dims, date_first, share) = match &draft.query {
        DraftQuery::Builder(b) => {
            let spec = serde_json::to_value(b).unwrap_or_default();
            let dims = spec["dimensions"].as_array().map_or(0, Vec::len);
            let first = &spec["dimensions"][0];
            let date_first = first.get("bucket").is_some()
                || first
                    .as_str()
                    .and_then(|f| {
                        // Kinds only, on the connection held: the field list's distinct counts
                        // read every column, and a second connection from the same small pool
                        // could wait on requests that each hold one.
                        crate::report::builder::spec_fields(
                            conn.db(),
                            b,
                            crate::report::builder::Dialect::of(conn.db().engine()),
                            today,
                        )
                        .ok()?
                        .into_iter()
                        .find(|x| x.name == f)
                    })
                    .is_some_and(|f| f.kind == FieldKind::Date);
            let share = spec["measures"][0]["show"] == "percent_of_total";
            (dims, date_first, share)
        }
        // SQL: text columns before the first number are dimensions (read from one row).
        DraftQuery::Sql(_) => (0, false, false),
    };
    let measures = columns.len().saturating_sub(dims);
    let chart = draft
        .chart
        .unwrap_or_else(|| suggest(dims, measures, date_first, share));
    let mut map = chart_mapping(chart, &columns, dims);
    if chart == VizType::Pivot {
        across(
            &mut map,
            &columns[..dims.min(columns.len())],
            draft.across.as_deref(),
        )?;
    }
    if draft.chart.is_some() {
        // A chart type picked by hand that the question cannot fill: say what to add.
        let probe = Visualization {
            id: "chart".into(),
            kind: chart,
            title: String::new(),
            query: None,
            data_mapping: map.clone(),
            options: VizOptions::default(),
        };
        if chart == VizType::Pivot && (dims == 0 || measures == 0) {
            let what = if dims == 0 {
                "a dimension for its rows"
            } else {
                "a measure for its cells"
            };
            return Err(mapping(
                "chart",
                format!("a pivot table needs {what}: add one, or choose Automatic"),
            ));
        }
        if let Some((key, _)) = probe.missing_mapping() {
            let kind = serde_json::to_value(chart).unwrap_or_default();
            let kind = kind.as_str().unwrap_or("chart").replace('_', " ");
            let what = match key {
                "x" | "label" => "a dimension for its categories",
                "series" => "a second dimension for its series",
                _ => "a measure",
            };
            return Err(mapping(
                "chart",
                format!("a {kind} chart needs {what}: add one, or choose Automatic"),
            ));
        }
    }
    Ok((chart, map, columns))
}

/// Runs a draft: the chart and the first rows, the SQL it compiled to, how long it took.
pub fn preview(
    ctx: &Ctx,
    draft: &Draft,
    today: chrono::NaiveDate,
) -> Result<Preview, PipelineError> {
    let started = Instant::now();
    let draft = &*sourced(ctx, draft)?;
    let (chart, map, _) = plan(ctx, draft, today)?;
    let def = definition(draft, chart, map, "Preview");
    let conn = connection(ctx, &draft.source)?;
    let source = def
        .query_source(None)
        .ok_or_else(|| PipelineError::NoQuery("(default)".into()))?;
    let resolved = crate::report::params::resolve(&def.parameters, &BTreeMap::new(), today)
        .map_err(RunError::from)?;
    let (sql, values) = run::prepare(&conn, &def, source, &resolved.values, today, "query")?;
    // The SQL as the engine that runs it reads it, without the tags that routed it there and
    // said it was written for this reader (their random words must stay unknown: SQL with them
    // would pass for the compiler's), its values as it shows them: `$name` on the columnar
    // engine, `:name` on SQLite.
    let untagged = crate::data::source::untagged(&sql).to_string();
    let (engine, shown, mark) = match sql.starts_with(crate::data::source::columnar_tag()) {
        true => (crate::data::source::Engine::Columnar, untagged, "$"),
        false => (conn.db().engine(), untagged, ":"),
    };
    let bound = values
        .iter()
        .filter(|(k, _)| k.starts_with("quire_b") || k.starts_with("quire_n_"))
        .map(|(k, v)| (format!("{mark}{k}"), param_text(v)))
        .collect();
    let out = super::column_meta::shown(ctx, || {
        run::run(
            &conn,
            &run::Request {
                report_id: "preview",
                definition: &def,
                params: &BTreeMap::new(),
                rows: TableRows::Page {
                    page: 1,
                    page_size: PREVIEW_ROWS,
                },
                only: None,
                sort: None,
                today,
                zone: chrono_tz::UTC,
                bounds: ctx.bounds(),
                cache: None,
                progress: None,
                narrow: None,
                spare: None,
            },
        )
    })?;
    let mut p = Preview {
        sql: shown,
        engine: engine.label(),
        bound,
        chart,
        svg: None,
        kpi: None,
        columns: Vec::new(),
        rows: Vec::new(),
        values: Vec::new(),
        total_rows: 0,
        millis: 0,
        calculated: match &draft.query {
            DraftQuery::Builder(b) => crate::report::builder::calculated(conn.db(), b)
                .map_err(|m| mapping("builder", m))?,
            DraftQuery::Sql(_) => Vec::new(),
        },
        join_rows: match &draft.query {
            DraftQuery::Builder(b) => join::rows(ctx, &conn, b)?,
            DraftQuery::Sql(_) => None,
        },
        pivot: None,
    };
    for item in out.sections.into_iter().flat_map(|s| s.items) {
        match item {
            Item::Chart(c) => p.svg = Some(c.svg),
            Item::Kpi(k) => p.kpi = Some((k.title, k.value)),
            Item::Table(t) => {
                p.columns = t.headers;
                p.rows = t.rows;
                p.values = t.result.rows.clone();
                p.total_rows = t.total_rows;
            }
            Item::Pivot(v) => p.pivot = Some(v),
            Item::Text(_) => {}
        }
    }
    p.millis = started.elapsed().as_millis() as u64;
    Ok(p)
}

fn param_text(v: &query::ParamValue) -> String {
    match v {
        query::ParamValue::Null => "NULL".into(),
        query::ParamValue::Int(i) => i.to_string(),
        query::ParamValue::Real(r) => run::cell_text(&Cell::Real(*r), None),
        query::ParamValue::Text(s) => format!("'{}'", s.replace('\'', "''")),
    }
}

/// The parameters a SQL query names (`:name`), in order, each once.
pub fn sql_parameters(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b':'
                && i + 1 < bytes.len()
                && (bytes[i + 1].is_ascii_alphabetic() || bytes[i + 1] == b'_')
                && (i == 0 || bytes[i - 1] != b':') =>
            {
                let name: String = sql[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !out.contains(&name) && !name.starts_with("quire_") {
                    out.push(name);
                }
            }
            None => {}
        }
        i += 1;
    }
    out
}

/// A parameter definition proposed for a name the query uses.
pub fn proposed_parameter(name: &str, kind: ParamType, default: Option<String>) -> ParameterDef {
    ParameterDef {
        min: None,
        max: None,
        name: name.to_string(),
        label: name.replace('_', " "),
        kind,
        required: false,
        default_value: default,
        options: Vec::new(),
    }
}

/// The preview's query source, for errors that name it.
pub fn source_of(def: &ReportDefinition) -> Option<QuerySource<'_>> {
    def.query_source(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_parameters_are_found_once_outside_quotes() {
        assert_eq!(
            sql_parameters("SELECT * FROM t WHERE a = :region AND b > :since AND c = ':not' AND d = :region AND e::text = 'x'"),
            ["region", "since"]
        );
    }

    #[test]
    fn suggestions_follow_the_shape_of_the_result() {
        assert_eq!(suggest(0, 1, false, false), VizType::Kpi);
        assert_eq!(suggest(1, 1, true, false), VizType::Line);
        assert_eq!(suggest(1, 1, false, true), VizType::Donut);
        assert_eq!(suggest(1, 2, false, false), VizType::Bar);
        assert_eq!(suggest(3, 1, false, false), VizType::Table);
    }

    #[test]
    fn a_mapping_takes_dimensions_first_then_values() {
        let cols: Vec<String> = ["month", "region", "revenue"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = chart_mapping(VizType::Line, &cols, 2);
        assert_eq!(
            (m.x.as_deref(), m.series.as_deref(), m.y.as_deref()),
            (Some("month"), Some("region"), Some("revenue"))
        );
        let m = chart_mapping(VizType::Donut, &cols[1..], 1);
        assert_eq!(
            (m.label.as_deref(), m.value.as_deref()),
            (Some("region"), Some("revenue"))
        );
    }
}
