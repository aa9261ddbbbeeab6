//! Running one widget of a dashboard with the dashboard's filter values: each filter's value goes
//! to its targets, a report parameter or a field of the widget's builder query.
//!
//! What a value means, by filter type:
//! - `date_range`: a preset (`last_7_days`, `last_30_days`, `last_90_days`, `this_month`,
//!   `last_month`, `this_quarter`, `year_to_date`) or `YYYY-MM-DD..YYYY-MM-DD`, counted from the
//!   dashboard's day. A number parameter receives the range's length in days (the demo's
//!   `days`), a date parameter its first day, a field `between` the two days.
//! - `select`: one value (`eq` on a field); `multi_select`: values separated by commas (`in`).
//! - `number_range`: `from..to`, either side may be empty (`between`, `ge` or `le` on a field;
//!   a parameter receives the text as given).
//! - `text`: a parameter receives it; a field `contains` it.

use crate::app::{Ctx, PipelineError};
use crate::model::dashboard::{DashboardFilter, FilterKind, WidgetKind};
use crate::model::report::{
    Filter, FilterOp, ParamType, ParameterDef, QuerySource, ReportDefinition,
};
use crate::report::run::{self, Item, RunError, TableRows};
use crate::store::{self, dashboard::StoredDashboard};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A date range's presets, with their labels, in the order a picker offers them: counted back
/// from the dashboard's day, or (`data_…`) from the last day of the data the filter targets.
pub const PRESETS: &[(&str, &str)] = &[
    ("last_7_days", "Last 7 days"),
    ("last_30_days", "Last 30 days"),
    ("last_90_days", "Last 90 days"),
    ("data_last_7_days", "Last 7 days of data"),
    ("data_last_30_days", "Last 30 days of data"),
    ("data_last_90_days", "Last 90 days of data"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("year_to_date", "Year to date"),
    ("all", "All time"),
];

/// What a picker sends when "Custom range…" is chosen before its two days are: no value yet.
pub const CUSTOM: &str = "custom";

/// The first day `all` covers.
fn all_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).expect("a day")
}

/// Whether `value` is a preset counted from the data's last day (`data_last_30_days`).
pub fn of_data(value: &str) -> bool {
    value.starts_with("data_")
}

/// The days of a date range value, both included; None if it is not one. Presets "of data"
/// count from `today` here: see [`date_range_at`].
pub fn date_range(value: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    date_range_at(value, today, None)
}

/// The days of a date range value, both included, the presets "of data" counted back from
/// `data_end` (the last day in the data the filter targets; today when it is not known).
pub fn date_range_at(
    value: &str,
    today: NaiveDate,
    data_end: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    let month_start = |d: NaiveDate| d.with_day(1).expect("day 1");
    let quarter_start =
        |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1);
    let back = |days: i64, end: NaiveDate| (end - Duration::days(days - 1), end);
    Some(match value {
        "last_7_days" => back(7, today),
        "last_30_days" => back(30, today),
        "last_90_days" => back(90, today),
        "data_last_7_days" => back(7, data_end.unwrap_or(today)),
        "data_last_30_days" => back(30, data_end.unwrap_or(today)),
        "data_last_90_days" => back(90, data_end.unwrap_or(today)),
        "this_month" => (month_start(today), today),
        "last_month" => {
            let end = month_start(today) - Duration::days(1);
            (month_start(end), end)
        }
        "this_quarter" => (quarter_start(today)?, today),
        "last_quarter" => {
            let end = quarter_start(today)? - Duration::days(1);
            (quarter_start(end)?, end)
        }
        "year_to_date" => (NaiveDate::from_ymd_opt(today.year(), 1, 1)?, today),
        "all" => (all_from(), today.max(data_end.unwrap_or(today))),
        custom => {
            let (a, b) = custom.split_once("..")?;
            let day = |s: &str| {
                let s = s.trim();
                // Exactly YYYY-MM-DD: chrono alone would take `+12345-01-01` or `2025-1-1`.
                (s.len() == 10)
                    .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .flatten()
            };
            let (from, to) = (day(a)?, day(b)?);
            if to < from || (to - from).num_days() > 36_600 {
                return None;
            }
            (from, to)
        }
    })
}

/// Why a date range value is refused, in words, or None when it is a range (or no value).
pub fn range_problem(value: &str, today: NaiveDate) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v == CUSTOM || date_range(v, today).is_some() {
        return None;
    }
    let shown = crate::model::text::truncate(v, 60);
    Some(match v.split_once("..") {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
            match (day(a), day(b)) {
                (Some(f), Some(t)) if t < f => {
                    format!("`{shown}` ends before it starts: give the earlier day first")
                }
                (Some(_), Some(_)) => format!("`{shown}` spans more than a century"),
                _ => format!("`{shown}` is not two days (YYYY-MM-DD..YYYY-MM-DD)"),
            }
        }
        Some(_) => format!("`{shown}` needs both days: YYYY-MM-DD..YYYY-MM-DD"),
        None => format!(
            "`{shown}` is not a date range: a preset ({}) or YYYY-MM-DD..YYYY-MM-DD",
            PRESETS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// `1 Apr – 30 Jun 2025` (the first year too when the years differ).
pub fn days_words(from: NaiveDate, to: NaiveDate) -> String {
    let from_fmt = if from.year() == to.year() {
        "%-d %b"
    } else {
        "%-d %b %Y"
    };
    format!("{} – {}", from.format(from_fmt), to.format("%-d %b %Y"))
}

/// The label of preset `value`; None for a custom range.
pub fn preset_label(value: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(k, _)| *k == value).map(|(_, l)| *l)
}

/// A period in words with its dates and year: `Last 30 days: 1 Nov – 30 Nov 2026`, a custom
/// range as its days (`1 Apr – 30 Jun 2025`). Presets "of data" count from today here: see
/// [`period_words_at`].
pub fn period_words(value: &str, today: NaiveDate) -> Option<String> {
    period_words_at(value, today, None)
}

/// [`period_words`] with the presets "of data" counted back from `data_end`; without it they
/// say they count from today.
pub fn period_words_at(
    value: &str,
    today: NaiveDate,
    data_end: Option<NaiveDate>,
) -> Option<String> {
    let (from, to) = date_range_at(value, today, data_end)?;
    let days = days_words(from, to);
    Some(match (preset_label(value), value) {
        (Some(l), "all") => l.to_string(),
        (Some(l), v) if of_data(v) && data_end.is_none() => {
            format!("{l} (the data's last day is not known here: counted from today): {days}")
        }
        (Some(l), _) => format!("{l}: {days}"),
        (None, _) => days,
    })
}

/// When a calendar period (or a custom range) starts after the data's last day `end`: that day
/// in words and the preset "of data" to try instead (`The data ends on 31 Dec 2025: try Last
/// 30 days of data`, `data_last_30_days`).
pub fn ends_before(
    value: &str,
    today: NaiveDate,
    end: Option<NaiveDate>,
) -> Option<(String, &'static str)> {
    let end = end?;
    if of_data(value) || value == "all" {
        return None;
    }
    let (from, _) = date_range(value, today)?;
    if from <= end {
        return None;
    }
    let try_ = match value {
        "last_7_days" => "data_last_7_days",
        "last_90_days" | "this_quarter" | "last_quarter" | "year_to_date" => "data_last_90_days",
        _ => "data_last_30_days",
    };
    let label = preset_label(try_).unwrap_or(try_);
    Some((
        format!("The data ends on {}: try {label}", end.format("%-d %b %Y")),
        try_,
    ))
}

/// The value of each filter: the URL's, else its default (empty values are no value).
pub fn values(
    filters: &[DashboardFilter],
    given: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    filters
        .iter()
        .filter_map(|f| {
            let v = given.get(&f.id).cloned().or_else(|| f.default.clone())?;
            let v: String = v.trim().chars().take(500).collect();
            (!v.is_empty() && !(f.kind == FilterKind::DateRange && v == CUSTOM))
                .then(|| (f.id.clone(), v))
        })
        .collect()
}

fn bad(filter: &str, message: String) -> PipelineError {
    PipelineError::Run(RunError::Mapping {
        viz: format!("filter `{filter}`"),
        message,
    })
}

/// What parameter `def` (a string one when the report has no such parameter) receives from
/// filter `f`'s `value`; `data_end` is the last day of the data the parameter selects from.
fn parameter_value(
    f: &DashboardFilter,
    value: &str,
    def: Option<&ParameterDef>,
    today: NaiveDate,
    data_end: Option<NaiveDate>,
) -> Result<String, PipelineError> {
    if f.kind != FilterKind::DateRange {
        return Ok(value.to_string());
    }
    let (from, to) = date_range_at(value, today, data_end)
        .ok_or_else(|| bad(&f.id, range_problem(value, today).unwrap_or_default()))?;
    let kind = def.map_or(ParamType::String, |d| d.kind);
    Ok(match (kind, value) {
        // Every day there is: as many days as the parameter takes.
        (ParamType::Number, "all") => def
            .and_then(|d| d.max)
            .map_or(36_600, |m| m.floor() as i64)
            .to_string(),
        (ParamType::Number, _) => ((to - from).num_days() + 1).to_string(),
        _ => from.to_string(),
    })
}

/// The builder filter a field target adds; none for `all` (every day).
fn field_filter(
    f: &DashboardFilter,
    field: &str,
    value: &str,
    today: NaiveDate,
    data_end: Option<NaiveDate>,
) -> Result<Option<Filter>, PipelineError> {
    let filter = |op, value: Value| Filter {
        field: field.to_string(),
        op,
        value,
    };
    Ok(Some(match f.kind {
        FilterKind::DateRange if value == "all" => return Ok(None),
        FilterKind::DateRange => {
            let (from, to) = date_range_at(value, today, data_end)
                .ok_or_else(|| bad(&f.id, range_problem(value, today).unwrap_or_default()))?;
            filter(FilterOp::Between, json!([from.to_string(), to.to_string()]))
        }
        FilterKind::Select => filter(FilterOp::Eq, json!(value)),
        FilterKind::MultiSelect => filter(
            FilterOp::In,
            json!(value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()),
        ),
        FilterKind::Text => filter(FilterOp::Contains, json!(value)),
        FilterKind::NumberRange => {
            let (a, b) = value.split_once("..").unwrap_or((value, value));
            let num = |s: &str| s.trim().parse::<f64>().ok();
            match (num(a), num(b)) {
                (Some(a), Some(b)) => filter(FilterOp::Between, json!([a, b])),
                (Some(a), None) => filter(FilterOp::Ge, json!(a)),
                (None, Some(b)) => filter(FilterOp::Le, json!(b)),
                (None, None) => return Err(bad(&f.id, "a number range is `from..to`".into())),
            }
        }
    }))
}

/// Adds `filter` to the builder query visualization `viz` reads.
fn add_to_builder(
    def: &mut ReportDefinition,
    viz: &str,
    filter: Filter,
) -> Result<(), PipelineError> {
    let query = def.visualization(viz).and_then(|v| v.query.clone());
    let spec = match &query {
        Some(name) => def.queries.get_mut(name).and_then(|q| q.builder.as_mut()),
        None => def.builder.as_mut().or_else(|| match def.queries.len() {
            1 => def
                .queries
                .values_mut()
                .next()
                .and_then(|q| q.builder.as_mut()),
            _ => None,
        }),
    };
    let spec = spec.ok_or_else(|| {
        bad(
            &filter.field,
            "targets a field, but the widget's query is not a builder".into(),
        )
    })?;
    spec.filters.push(filter);
    Ok(())
}

/// What a dashboard is looked at with: its filter values (by filter id), the page's report
/// parameters (by name; used where a widget's report has them, under the widget's own fixed
/// parameters and the filters) and the day its date ranges count from.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub filters: &'a BTreeMap<String, String>,
    pub params: &'a BTreeMap<String, String>,
    pub today: NaiveDate,
}

impl<'a> View<'a> {
    /// The dashboard as a page asks for it now: `filters` and `params` as of today (UTC).
    pub fn now(
        filters: &'a BTreeMap<String, String>,
        params: &'a BTreeMap<String, String>,
    ) -> Self {
        View {
            filters,
            params,
            today: chrono::Utc::now().date_naive(),
        }
    }

    /// A share's view: its locked filter values, no page parameters, as of today.
    pub fn locked(filters: &'a BTreeMap<String, String>) -> Self {
        const NONE: &BTreeMap<String, String> = &BTreeMap::new();
        View::now(filters, NONE)
    }
}

/// Runs widget `widget_id` of `d` under `view`, a table's page `page` in order `sort`. None for
/// a text or filter-bar widget.
pub fn run_widget_page(
    ctx: &Ctx,
    d: &StoredDashboard,
    widget_id: &str,
    view: View,
    page: u32,
    sort: Option<&run::TableSort>,
) -> Result<Option<Item>, PipelineError> {
    let rows = TableRows::Page {
        page,
        page_size: ctx.config.limits.page_size,
    };
    run_widget_rows(ctx, d, widget_id, view, rows, sort)
}

/// A visualization widget's report with the dashboard's filters applied: field targets added
/// to its builder query, parameter targets (over the page's and the widget's own values) to
/// its parameters.
pub(super) struct Prepared {
    pub report_id: String,
    pub viz: String,
    pub report: ReportDefinition,
    pub params: BTreeMap<String, String>,
}

/// The widget `widget_id` of `d` prepared to run under `view`; None for a text or filter-bar
/// widget, or one without a report.
pub(super) fn prepare(
    ctx: &Ctx,
    d: &StoredDashboard,
    widget_id: &str,
    view: View,
) -> Result<Option<Prepared>, PipelineError> {
    let View {
        filters: given,
        params: page_params,
        today,
    } = view;
    let def = &d.definition;
    let w = def.widget(widget_id).ok_or_else(|| {
        PipelineError::NotFound(format!(
            "widget {}",
            crate::model::text::truncate(widget_id, 60)
        ))
    })?;
    if w.kind != WidgetKind::Visualization {
        return Ok(None);
    }
    let (Some(rid), Some(vid)) = (&w.report_id, &w.visualization_id) else {
        return Ok(None);
    };
    let stored = store::report::get(&*ctx.store.app.get()?, rid)?
        .ok_or_else(|| PipelineError::NotFound(rid.clone()))?;
    let mut report = stored.definition;
    let mut params: BTreeMap<String, String> = page_params
        .iter()
        .filter(|(k, _)| report.parameters.iter().any(|p| &p.name == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    params.extend(w.parameters.clone());
    for (fid, value) in values(&def.filters, given) {
        let f = def
            .filters
            .iter()
            .find(|f| f.id == fid)
            .expect("values come from the filters");
        for t in f.targets.iter().filter(|t| t.widget_id == w.id) {
            // "Of data": counted back from the last day of what this target selects.
            let end = (f.kind == FilterKind::DateRange && of_data(&value))
                .then(|| super::data_end::of_target(ctx, &report, vid, t, today))
                .flatten();
            if let Some(p) = &t.parameter {
                let def = report.parameters.iter().find(|d| &d.name == p);
                let v = parameter_value(f, &value, def, today, end)?;
                params.insert(p.clone(), v);
            }
            if let Some(field) = &t.field {
                if let Some(filter) = field_filter(f, field, &value, today, end)? {
                    add_to_builder(&mut report, vid, filter)?;
                }
            }
        }
    }
    if report
        .query_source(report.visualization(vid).and_then(|v| v.query.as_deref()))
        .is_none()
    {
        return Err(PipelineError::NoQuery(vid.clone()));
    }
    Ok(Some(Prepared {
        report_id: rid.clone(),
        viz: vid.clone(),
        report,
        params,
    }))
}

impl Prepared {
    /// A run request of this widget alone.
    pub(super) fn request<'a>(
        &'a self,
        ctx: &'a Ctx,
        only: &'a [String],
        rows: TableRows,
        today: NaiveDate,
    ) -> run::Request<'a> {
        let source = &self.report.data_source;
        run::Request {
            report_id: &self.report_id,
            definition: &self.report,
            params: &self.params,
            rows,
            only: Some(only),
            sort: None,
            today,
            // A widget's own text quotes UTC; the document's callers set its zone.
            zone: chrono_tz::UTC,
            bounds: ctx.bounds(),
            cache: (ctx.config.limits.cache_mb > 0)
                .then(|| ctx.store.cache_scope(source))
                .flatten(),
            progress: None,
            narrow: None,
            spare: None,
        }
    }

    /// A read connection to the report's data source.
    pub(super) fn connection(&self, ctx: &Ctx) -> Result<crate::store::SourceConn, PipelineError> {
        let source = &self.report.data_source;
        Ok(ctx
            .store
            .source(source)
            .ok_or_else(|| PipelineError::NoSource(source.clone()))?
            .get(&ctx.sight)?)
    }
}

/// Runs widget `widget_id` of `d` under `view` with `rows` of a table in order `sort`.
pub(super) fn run_widget_rows(
    ctx: &Ctx,
    d: &StoredDashboard,
    widget_id: &str,
    view: View,
    rows: TableRows,
    sort: Option<&run::TableSort>,
) -> Result<Option<Item>, PipelineError> {
    let Some(p) = prepare(ctx, d, widget_id, view)? else {
        return Ok(None);
    };
    let conn = p.connection(ctx)?;
    let only = [p.viz.clone()];
    let mut req = p.request(ctx, &only, rows, view.today);
    req.sort = sort;
    let out = crate::app::column_meta::shown(ctx, || run::run(&conn, &req))?;
    Ok(out.sections.into_iter().flat_map(|s| s.items).next())
}

/// A schedule's filter values (by filter id) as of `today`: date expressions
/// (`{{ start_of_month - 1m }}`, on either side of a range's `..`) evaluated, every key a
/// filter of the dashboard, every date range a range. Errors are `(parameters.<id>, message)`.
pub fn scheduled_values(
    filters: &[DashboardFilter],
    given: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<BTreeMap<String, String>, (String, String)> {
    let mut out = BTreeMap::new();
    for (k, v) in given {
        let key = format!("parameters.{k}");
        let Some(f) = filters.iter().find(|f| &f.id == k) else {
            let message = format!(
                "the dashboard has no filter `{}`",
                crate::model::text::truncate(k, 60)
            );
            return Err((key, message));
        };
        let value = crate::data::date_expr::evaluate_in(v, today).map_err(|m| (key.clone(), m))?;
        if f.kind == FilterKind::DateRange && date_range(&value, today).is_none() {
            let message = format!(
                "`{}` is not a date range (a preset, or from..to as dates or date expressions)",
                crate::model::text::truncate(v, 60)
            );
            return Err((key, message));
        }
        out.insert(k.clone(), value);
    }
    Ok(out)
}

/// Whether a report query is a builder (field targets need one).
pub fn is_builder(def: &ReportDefinition, viz: &str) -> bool {
    matches!(
        def.query_source(def.visualization(viz).and_then(|v| v.query.as_deref())),
        Some(QuerySource::Builder(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_custom_ranges_are_days_counted_from_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            date_range("last_30_days", today),
            Some((d("2026-11-01"), today))
        );
        assert_eq!(
            date_range("last_month", today),
            Some((d("2026-10-01"), d("2026-10-31")))
        );
        assert_eq!(
            date_range("this_quarter", today),
            Some((d("2026-10-01"), today))
        );
        assert_eq!(
            date_range("year_to_date", today),
            Some((d("2026-01-01"), today))
        );
        assert_eq!(
            date_range("2025-01-01..2025-03-31", today),
            Some((d("2025-01-01"), d("2025-03-31")))
        );
        assert_eq!(date_range("2025-03-31..2025-01-01", today), None);
        assert_eq!(date_range("yesterday-ish", today), None);
        assert_eq!(
            period_words("last_30_days", today).unwrap(),
            "Last 30 days: 1 Nov – 30 Nov 2026"
        );
        assert_eq!(
            period_words("2025-12-01..2026-01-31", today).unwrap(),
            "1 Dec 2025 – 31 Jan 2026"
        );
    }
}
