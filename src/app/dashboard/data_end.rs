//! The last day in the data a dashboard's date filter selects: what the presets "of data"
//! (`data_last_30_days`) count back from, and what a page names when a calendar period starts
//! after it. For a builder `field` target it is MAX(field) over the widget's dataset; for a
//! report `parameter` target, MAX of the date column a builder filter of the report binds the
//! parameter to (`{"field": "order_date", "value": "{start}"}`); otherwise it is not known.
//! The query goes through the data source's result cache like any widget's.

use crate::app::Ctx;
use crate::data::query::Cell;
use crate::model::dashboard::{DashboardFilter, FilterTarget};
use crate::model::report::{BuilderSpec, Measure, QuerySource, ReportDefinition};
use crate::store::{self, dashboard::StoredDashboard};
use chrono::NaiveDate;
use serde_json::Value;

/// The last day of what target `t` of a widget showing visualization `viz` of `report`
/// selects; None when it cannot be known (an SQL query, no rows, a column not of dates).
pub fn of_target(
    ctx: &Ctx,
    report: &ReportDefinition,
    viz: &str,
    t: &FilterTarget,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let (dataset, field) = match (&t.field, &t.parameter) {
        (Some(field), _) => {
            let query = report.visualization(viz).and_then(|v| v.query.as_deref());
            match report.query_source(query)? {
                QuerySource::Builder(spec) => (spec.dataset.clone(), field.clone()),
                QuerySource::Sql(_) => return None,
            }
        }
        (None, Some(p)) => bound_column(report, p)?,
        (None, None) => return None,
    };
    last_day(ctx, &report.data_source, &dataset, &field, today)
}

/// The last day of the data filter `f` of `d` selects: the latest over its targets that tell.
pub fn of_filter(
    ctx: &Ctx,
    d: &StoredDashboard,
    f: &DashboardFilter,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let mut last = None;
    for t in &f.targets {
        let Some(w) = d.definition.widget(&t.widget_id) else {
            continue;
        };
        let (Some(rid), Some(vid)) = (&w.report_id, &w.visualization_id) else {
            continue;
        };
        let report = {
            let conn = ctx.store.app.get().ok()?;
            store::report::get(&conn, rid).ok().flatten()
        };
        let Some(report) = report else { continue };
        let end = of_target(ctx, &report.definition, vid, t, today);
        last = last.max(end);
    }
    last
}

/// The (dataset, date column) a builder filter of `report` binds parameter `p` to.
fn bound_column(report: &ReportDefinition, p: &str) -> Option<(String, String)> {
    let names = |v: &Value| match v {
        Value::String(s) => s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) == Some(p),
        Value::Object(o) => o.get("param").and_then(Value::as_str) == Some(p),
        Value::Array(l) => l.iter().any(|v| {
            v.as_str()
                .and_then(|s| s.strip_prefix('{')?.strip_suffix('}'))
                == Some(p)
        }),
        _ => false,
    };
    let specs = report
        .builder
        .iter()
        .chain(report.queries.values().filter_map(|q| q.builder.as_ref()));
    for spec in specs {
        if let Some(f) = spec.filters.iter().find(|f| names(&f.value)) {
            return Some((spec.dataset.clone(), f.field.clone()));
        }
    }
    None
}

/// MAX(`field`) over every row of `dataset` on data source `source`, as a day.
fn last_day(
    ctx: &Ctx,
    source: &str,
    dataset: &str,
    field: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let spec = BuilderSpec {
        dataset: dataset.to_string(),
        source: None,
        dimensions: Vec::new(),
        // As a spec would say it, whatever else a measure may carry.
        measures: vec![serde_json::from_value::<Measure>(
            serde_json::json!({ "field": field, "agg": "max", "as": "last_day" }),
        )
        .ok()?],
        filters: Vec::new(),
        expressions: Vec::new(),
        joins: Vec::new(),
        sort: Vec::new(),
        limit: None,
        compare: None,
    };
    let conn = ctx.store.source(source)?.get(&ctx.sight).ok()?;
    let (sql, values) =
        crate::report::builder::sql_of_as_of(&conn, QuerySource::Builder(&spec), &[], today)
            .ok()?;
    let scope = (ctx.config.limits.cache_mb > 0)
        .then(|| ctx.store.cache_scope(source))
        .flatten();
    let rs = crate::data::cache::fetch(&conn, scope, &sql, &values, None, ctx.bounds()).ok()?;
    match rs.rows.first()?.first()? {
        Cell::Null => None,
        c => NaiveDate::parse_from_str(c.as_text().get(..10)?, "%Y-%m-%d").ok(),
    }
}
