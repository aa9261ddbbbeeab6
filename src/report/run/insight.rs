//! A report's insights: its first chart over dates is the metric; the builder question behind
//! it is asked again split by each field the report's questions group by (region, product,
//! ...) over the last two periods, and again one field further in inside the member that drove
//! the most; then `report::insight::narrative` says what changed, whether it was expected and
//! who drove it. Asked by `GET /api/v1/reports/{id}/insights` (`app/insights.rs`) and by a text
//! block's `{{ insights }}`.

use super::{prepare, Item, Request, RunError, SectionOut};
use crate::data::cache;
use crate::data::query::{self, Cell};
use crate::data::source::Db;
use crate::model::report::{
    humanize, BuilderSpec, Dimension, Filter, FilterOp, QuerySource, ReportDefinition,
};
use crate::report::chart::Categories;
use crate::report::insight::narrative::{self, Breakdown, Insights, Series};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Most fields a change is split by.
const MAX_FIELDS: usize = 3;

/// Where a report's insights are asked: its source, definition, parameter values and run.
pub struct At<'a, 'c> {
    pub conn: Db<'c>,
    pub def: &'a ReportDefinition,
    pub resolved: &'a query::Params,
    pub req: &'a Request<'a>,
}

/// The insights of a run of `at.def` whose items are `sections`: said from its first chart
/// over dates, split by its group-by fields where that chart is a builder question.
pub fn insights(at: &At, sections: &[SectionOut]) -> Insights {
    let Some((viz, series)) = main_series(sections) else {
        return Insights::default();
    };
    // A breakdown that cannot be asked (a query past its time) leaves the drivers out; the
    // change is still said.
    let splits = breakdowns(at, &viz, &series).unwrap_or_default();
    let items = narrative::items(&series, &splits);
    Insights {
        narrative: narrative::narrative(&items),
        by: "templates",
        items,
    }
}

/// The first chart over dates with two or more numbers: its id and its first series.
fn main_series(sections: &[SectionOut]) -> Option<(String, Series)> {
    let charts = sections
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(|i| match i {
            Item::Chart(c) => Some(c),
            _ => None,
        });
    charts.into_iter().find_map(|c| {
        let data = c.data.as_ref()?;
        let Categories::Dates(dates) = &data.categories else {
            return None;
        };
        let (name, values) = data.series.first()?;
        let (dates, values): (Vec<NaiveDate>, Vec<f64>) = dates
            .iter()
            .zip(values)
            .filter_map(|(d, v)| v.filter(|v| v.is_finite()).map(|v| (*d, v)))
            .unzip();
        (values.len() >= 2).then(|| {
            let metric = if name.is_empty() { &c.title } else { name };
            (
                c.id.clone(),
                Series {
                    metric: metric.clone(),
                    dates,
                    values,
                    format: data.format,
                },
            )
        })
    })
}

/// The fields `def`'s builder questions on `dataset` group by, other than `date`, in order.
fn group_fields(def: &ReportDefinition, dataset: &str, date: &str) -> Vec<String> {
    let specs = def
        .builder
        .iter()
        .chain(def.queries.values().filter_map(|q| q.builder.as_ref()));
    let mut out: Vec<String> = Vec::new();
    for s in specs.filter(|s| s.dataset == dataset) {
        for d in &s.dimensions {
            if d.bucket.is_none() && d.field != date && !out.contains(&d.field) {
                out.push(d.field.clone());
            }
        }
    }
    out.truncate(MAX_FIELDS);
    out
}

/// The chart `viz`'s question split by each group-by field over the series' last two periods,
/// each with the split one field further in inside its leading member.
fn breakdowns(at: &At, viz: &str, series: &Series) -> Result<Vec<Breakdown>, RunError> {
    let def = at.def;
    let Some(v) = def.visualization(viz) else {
        return Ok(Vec::new());
    };
    let Some(QuerySource::Builder(spec)) = def.query_source(v.query.as_deref()) else {
        return Ok(Vec::new());
    };
    let (Some(x), Some(y)) = (v.data_mapping.x.as_deref(), v.data_mapping.y.as_deref()) else {
        return Ok(Vec::new());
    };
    let Some(date) = spec.dimensions.iter().find(|d| d.field == x) else {
        return Ok(Vec::new());
    };
    let names = spec.measure_names();
    let Some(measure) = names.iter().position(|n| n == y).map(|i| &spec.measures[i]) else {
        return Ok(Vec::new());
    };
    let n = series.dates.len();
    let days = [series.dates[n - 1], series.dates[n - 2]];
    let fields = group_fields(def, &spec.dataset, &date.field);
    let split =
        |field: &str, inside: Option<(&str, &str)>| -> Result<Vec<(String, f64, f64)>, RunError> {
            let mut s: BuilderSpec = spec.clone();
            s.dimensions = vec![date.clone(), Dimension::plain(field)];
            s.measures = vec![measure.clone()];
            s.sort.clear();
            s.limit = None;
            s.compare = None;
            if let Some((f, member)) = inside {
                s.filters.push(Filter {
                    field: f.to_string(),
                    op: FilterOp::Eq,
                    value: serde_json::Value::String(member.to_string()),
                });
            }
            members(at, &s, days)
        };
    let mut out = Vec::new();
    for f in &fields {
        let members = split(f, None)?;
        let delta = series.values[n - 1] - series.values[n - 2];
        let lead = members
            .iter()
            .filter(|(_, last, prev)| delta != 0.0 && (last - prev) / delta > 0.0)
            .max_by(|a, b| ((a.1 - a.2) / delta).total_cmp(&((b.1 - b.2) / delta)))
            .map(|m| m.0.clone());
        let inner = match (lead, fields.iter().find(|g| *g != f)) {
            (Some(member), Some(g)) => Some(Box::new(Breakdown {
                field: humanize(g),
                members: split(g, Some((f, &member)))?,
                inner: None,
            })),
            _ => None,
        };
        out.push(Breakdown {
            field: humanize(f),
            members,
            inner,
        });
    }
    Ok(out)
}

/// Each member of the second dimension of `s` with its value on `days[0]` (the last period)
/// and `days[1]` (the one before); a member absent from a period counts 0 there.
fn members(
    at: &At,
    s: &BuilderSpec,
    days: [NaiveDate; 2],
) -> Result<Vec<(String, f64, f64)>, RunError> {
    let (sql, values) = prepare(
        at.conn,
        at.def,
        QuerySource::Builder(s),
        at.resolved,
        at.req.today,
        "insights",
    )?;
    let rs = cache::fetch(at.conn, at.req.cache, &sql, &values, None, at.req.bounds).map_err(
        |source| RunError::Query {
            viz: "insights".into(),
            source,
        },
    )?;
    let mut by: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let day = |c: &Cell| {
        c.as_text()
            .get(..10)
            .and_then(|t| t.parse::<NaiveDate>().ok())
    };
    for r in &rs.rows {
        let (Some(d), Some(v)) = (day(&r[0]), r[2].as_f64()) else {
            continue;
        };
        let member = match &r[1] {
            Cell::Null => crate::report::chart::BLANK.to_string(),
            c => c.as_text(),
        };
        let e = by.entry(member).or_default();
        if d == days[0] {
            e.0 += v;
        } else if d == days[1] {
            e.1 += v;
        }
    }
    Ok(by.into_iter().map(|(m, (a, b))| (m, a, b)).collect())
}
