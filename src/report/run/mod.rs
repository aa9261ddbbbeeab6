//! Running a report: parameters resolved, each query run once, each visualization built.
//! Every output (page, PDF, spreadsheet, email) starts from the `Output` made here.

mod build;
mod drill;
pub mod insight;
mod output;
pub mod pivot;
pub mod snapshot;
mod table;

use build::build;
pub use drill::{drill, drill_column, Drill};
pub use output::*;
pub use table::cell_text;
use table::{table, TableError};

use super::params::{self, ParamError};
use super::template;
use crate::data::cache;
use crate::data::query::{self, Bounds, QueryError, ResultSet};
use crate::data::source::{Db, SourceConn};
use crate::model::report::{LayoutItem, QuerySource, ReportDefinition, VizType};
use chrono::{NaiveDate, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Which table rows to produce.
#[derive(Debug, Clone, Copy)]
pub enum TableRows {
    /// One page, for screens.
    Page { page: u32, page_size: u32 },
    /// Every row up to a cap, for documents.
    All { cap: u32 },
}

/// The order a person chose for a table: a result column by name, ascending or descending.
/// Applied to the rows the table shows in all (up to its row limit) before they are paged; a
/// table without that column keeps its query's order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableSort {
    pub column: String,
    pub desc: bool,
}

/// What to run and how.
pub struct Request<'a> {
    pub report_id: &'a str,
    pub definition: &'a ReportDefinition,
    pub params: &'a BTreeMap<String, String>,
    pub rows: TableRows,
    /// Only these visualizations (e.g. a dashboard's widgets); None = all.
    pub only: Option<&'a [String]>,
    /// The tables' chosen order, if any.
    pub sort: Option<&'a TableSort>,
    /// The date that date expressions are relative to.
    pub today: NaiveDate,
    /// The zone of the generation time text blocks quote (`Output::time_zone`).
    pub zone: chrono_tz::Tz,
    pub bounds: Bounds,
    /// Results cache to read through, if any.
    pub cache: Option<cache::Scope<'a>>,
    /// Told (visualizations built, visualizations in all) after each one.
    pub progress: Option<&'a dyn Fn(usize, usize)>,
    /// Also draw each chart for a space this wide (`ChartOut::narrow`, for pages on phones).
    pub narrow: Option<u32>,
    /// A second connection to the source if one is free: the charts' queries then run two
    /// at a time (`prefetch`).
    pub spare: Option<&'a dyn Fn() -> Option<SourceConn>>,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error("visualization `{viz}`: {source}")]
    Query { viz: String, source: QueryError },
    #[error("visualization `{viz}`: {message}")]
    Mapping { viz: String, message: String },
    #[error("page {page} is past the last page ({last})")]
    PageOutOfRange { page: u32, last: u32 },
}

/// Runs the report against the dataset store.
pub fn run<'c>(conn: impl Into<Db<'c>>, req: &Request) -> Result<Output, RunError> {
    let conn = conn.into();
    let def = req.definition;
    let resolved = params::resolve(&def.parameters, req.params, req.today)?;
    let mut results: HashMap<Option<String>, Arc<ResultSet>> = HashMap::new();
    let mut sections = Vec::new();
    let layout = def.sections();
    let wanted = |id: &String| req.only.is_none_or(|only| only.contains(id));
    let total = layout
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(LayoutItem::viz)
        .filter(|id| wanted(id))
        .count();
    let mut built = 0;
    let Prefetched {
        prepared,
        mut failed,
    } = prefetch(conn, def, &resolved.values, req, &mut results);
    // Text blocks quote the whole result: they are rendered once everything else is built.
    let mut texts = Vec::new();
    for section in layout {
        let mut items = Vec::new();
        for entry in &section.items {
            let id = match entry {
                LayoutItem::Viz(id) => id,
                // A dashboard's chosen widgets leave the report's prose out.
                LayoutItem::Text { .. } if req.only.is_some() => continue,
                LayoutItem::Text { text } => {
                    texts.push((sections.len(), items.len(), text.clone()));
                    items.push(Item::Text(TextOut {
                        text: String::new(),
                    }));
                    continue;
                }
            };
            if !wanted(id) {
                continue;
            }
            if let Some(progress) = req.progress {
                progress(built, total);
            }
            built += 1;
            let viz = def.visualization(id).ok_or_else(|| RunError::Mapping {
                viz: id.clone(),
                message: "not defined".into(),
            })?;
            let source =
                def.query_source(viz.query.as_deref())
                    .ok_or_else(|| RunError::Mapping {
                        viz: id.clone(),
                        message: "its query is not defined".into(),
                    })?;
            // Labels and formats from the builder's measures where the options give none.
            let viz =
                &*super::format::dressed(viz, source, &super::format::dataset_columns(source));
            // A chart's query prepared side by side is not prepared again (a builder's reads
            // its dataset's columns).
            let (sql, values) = match prepared.get(&viz.query) {
                Some((sql, values)) if viz.kind != VizType::Table => {
                    (Cow::Borrowed(sql.as_str()), Cow::Borrowed(values))
                }
                _ => prepare(conn, def, source, &resolved.values, req.today, id)?,
            };
            let (sql, values) = (sql.as_ref(), values.as_ref());
            let qerr = |source| RunError::Query {
                viz: id.clone(),
                source,
            };
            let item = if let (VizType::Table, Some(all)) = (viz.kind, results.get(&viz.query)) {
                Item::Table(table::table_from(viz, all, req, def.row_limit)?)
            } else if viz.kind == VizType::Table {
                Item::Table(table(conn, viz, sql, values, req, def.row_limit).map_err(
                    |e| match e {
                        TableError::Query(q) => qerr(q),
                        TableError::Run(r) => r,
                    },
                )?)
            } else {
                if !results.contains_key(&viz.query) {
                    // A query that failed side by side fails here, in its turn.
                    let rs = match failed.remove(&viz.query) {
                        Some(e) => return Err(qerr(e)),
                        None => cache::fetch(conn, req.cache, sql, values, None, req.bounds)
                            .map_err(qerr)?,
                    };
                    results.insert(viz.query.clone(), rs);
                }
                let rs = &results[&viz.query];
                if viz.kind == VizType::Pivot {
                    let ask = pivot::Ask {
                        conn,
                        def,
                        source,
                        resolved: &resolved.values,
                        req,
                    };
                    items.push(Item::Pivot(pivot::pivot(&ask, viz, rs, def.row_limit)?));
                    continue;
                }
                let mut item = build(viz, rs)?;
                if let (Some(w), Item::Chart(c)) = (req.narrow, &mut item) {
                    c.narrow = match super::chart::at_width(Some(w), || build(viz, rs))? {
                        Item::Chart(n) => Some(n.svg),
                        _ => None,
                    };
                }
                item
            };
            items.push(item);
        }
        sections.push(SectionOut {
            title: section.title.clone(),
            items,
        });
    }
    let generated_at = Utc::now();
    let at = insight::At {
        conn,
        def,
        resolved: &resolved.values,
        req,
    };
    let narrative = def
        .options
        .insights
        .then(|| insight::insights(&at, &sections).narrative)
        .filter(|n| !n.is_empty());
    let templated = def.description.contains("{{") || def.description.contains("{%");
    let mut description = def.description.clone();
    if !texts.is_empty() || templated {
        let mut ctx = context(
            &def.name,
            &crate::model::time::stamp(generated_at, req.zone),
            &resolved.values,
            &sections,
            first_rows(&results),
        );
        // `{{ insights }}`: the narrative, asked only of a report whose texts quote it (it runs
        // queries of its own).
        let quotes = |t: &str| t.contains("insights");
        if quotes(&def.description) || texts.iter().any(|(_, _, t)| quotes(t)) {
            let said = match &narrative {
                Some(n) => n.clone(),
                None => insight::insights(&at, &sections).narrative,
            };
            ctx["insights"] = serde_json::json!(said);
        }
        description = template::describe_report(&def.description, &ctx);
        for (n, (si, ii, source)) in texts.into_iter().enumerate() {
            let text = template::render(&source, &ctx).map_err(|message| RunError::Mapping {
                viz: format!("text block {}", n + 1),
                message,
            })?;
            sections[si].items[ii] = Item::Text(TextOut { text });
        }
    }
    Ok(Output {
        report_id: req.report_id.to_string(),
        name: def.name.clone(),
        description,
        parameters: resolved.shown,
        generated_at,
        time_zone: req.zone,
        sections,
        narrative,
        options: def.options.clone(),
    })
}

/// The charts' queries run side by side: each one's SQL and values, and the errors by query,
/// for the build to raise in its turn, so a run fails with the same error whichever way its
/// queries ran (and a query that timed out is not run again).
#[derive(Default)]
struct Prefetched {
    prepared: HashMap<Option<String>, (String, query::Params)>,
    failed: HashMap<Option<String>, QueryError>,
}

/// Runs the charts' queries (each one once) on two connections at once when there are two or
/// more and a second connection is free, into `results`, which the build then reads: a
/// report's queries are most of its time before the document.
fn prefetch(
    conn: Db<'_>,
    def: &ReportDefinition,
    resolved: &query::Params,
    req: &Request,
    results: &mut HashMap<Option<String>, Arc<ResultSet>>,
) -> Prefetched {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let mut charts: Vec<(&String, &Option<String>)> = Vec::new();
    for id in def
        .sections()
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(LayoutItem::viz)
    {
        match def.visualization(id) {
            Some(viz)
                if viz.kind != VizType::Table
                    && req.only.is_none_or(|only| only.contains(id))
                    && !charts.iter().any(|(_, q)| **q == viz.query) =>
            {
                charts.push((&viz.id, &viz.query));
            }
            _ => {}
        }
    }
    if charts.len() < 2 {
        return Prefetched::default();
    }
    let Some(spare) = req.spare.and_then(|get| get()) else {
        return Prefetched::default();
    };
    let mut jobs: Vec<(Option<String>, String, query::Params)> = Vec::new();
    for (id, query) in charts {
        let Some(source) = def.query_source(query.as_deref()) else {
            continue;
        };
        if let Ok((sql, values)) = prepare(conn, def, source, resolved, req.today, id) {
            jobs.push((query.clone(), sql.into_owned(), values.into_owned()));
        }
    }
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    let (cache, bounds) = (req.cache, req.bounds);
    let work = |db: Db<'_>| {
        while let Some((key, sql, values)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
            let result = cache::fetch(db, cache, sql, values, None, bounds);
            found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((key.clone(), result));
        }
    };
    let work = &work;
    std::thread::scope(|s| {
        // The connection moves to the other thread: a connection is used by one at a time.
        s.spawn(move || work(spare.db()));
        work(conn);
    });
    let mut failed = HashMap::new();
    for (key, result) in found.into_inner().unwrap_or_else(|e| e.into_inner()) {
        match result {
            Ok(rs) => {
                results.insert(key, rs);
            }
            Err(e) => {
                failed.insert(key, e);
            }
        }
    }
    let prepared = jobs
        .into_iter()
        .map(|(key, sql, values)| (key, (sql, values)))
        .collect();
    Prefetched { prepared, failed }
}

/// What a text block (and the report's description) can quote: `insights` (the narrative,
/// added by `run` when a text quotes it), `report.name`,
/// `report.generated`, `params.<name>`, `kpis.<id>.value|previous|change|direction|number`,
/// `tables.<id>.rows|total`, and `queries.<name>.<column>`: the first row of a named query
/// that a chart or KPI ran (e.g. the period it covers).
fn context(
    name: &str,
    generated: &str,
    params: &query::Params,
    sections: &[SectionOut],
    first_rows: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    use serde_json::{json, Map};
    let mut kpis = Map::new();
    let mut tables = Map::new();
    for item in sections.iter().flat_map(|s| &s.items) {
        match item {
            Item::Kpi(k) => {
                kpis.insert(
                    k.id.clone(),
                    json!({
                        "title": k.title, "value": k.value, "previous": k.previous,
                        "change": k.change, "direction": k.direction, "number": k.number,
                    }),
                );
            }
            Item::Table(t) => {
                tables.insert(
                    t.id.clone(),
                    json!({ "title": t.title, "rows": t.total_rows, "total": t.available_rows }),
                );
            }
            _ => {}
        }
    }
    json!({
        "report": { "name": name, "generated": generated },
        "params": params,
        "kpis": kpis,
        "tables": tables,
        "queries": first_rows,
    })
}

/// The first row of each named query that ran, by column, for text blocks to quote.
pub(crate) fn first_rows(
    results: &HashMap<Option<String>, Arc<ResultSet>>,
) -> serde_json::Map<String, serde_json::Value> {
    results
        .iter()
        .filter_map(|(name, rs)| {
            let row = rs.rows.first()?;
            let cells = rs
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| (c.clone(), serde_json::to_value(v).unwrap_or_default()))
                .collect();
            Some((name.clone()?, serde_json::Value::Object(cells)))
        })
        .collect()
}

/// A query of `def` ready to run on `conn`: its SQL (a builder spec compiled against the
/// dataset, relative dates counted from `today`, the report's day) and the values to bind (the
/// resolved parameters, plus a builder's literals). The one preparation behind runs, previews
/// and streamed CSV; `label` names the query in errors.
pub fn prepare<'a, 'c>(
    conn: impl Into<Db<'c>>,
    def: &ReportDefinition,
    source: QuerySource<'a>,
    resolved: &'a query::Params,
    today: NaiveDate,
    label: &str,
) -> Result<
    (
        std::borrow::Cow<'a, str>,
        std::borrow::Cow<'a, query::Params>,
    ),
    RunError,
> {
    let db = conn.into();
    let (sql, literals) = super::builder::sql_of_as_of(db, source, &def.parameters, today)
        .map_err(|message| RunError::Mapping {
            viz: label.to_string(),
            message,
        })?;
    let sql = engine_sql(db, def, source, sql).map_err(|message| RunError::Mapping {
        viz: label.to_string(),
        message,
    })?;
    Ok((sql, with_literals(resolved, literals)))
}

/// The SQL of `source` for the engine `def` asks for: a SQL query of a report with
/// `"engine": "columnar"` tagged for the columnar engine, its `:name` parameters as `$name`;
/// anything else as it is. Refused where the main store has no engine.
pub fn engine_sql<'a>(
    db: Db<'_>,
    def: &ReportDefinition,
    source: QuerySource<'_>,
    sql: std::borrow::Cow<'a, str>,
) -> Result<std::borrow::Cow<'a, str>, String> {
    match (def.engine, source) {
        (Some(crate::model::report::ReportEngine::Columnar), QuerySource::Sql(_)) => match db {
            Db::Store(_, Some(_), _) => Ok(std::borrow::Cow::Owned(format!(
                "{}{}",
                crate::data::source::columnar_tag(),
                crate::data::placeholders::engine(&sql)
            ))),
            _ if def.data_source != "main" => Err(format!(
                "engine: the columnar engine holds the main store's datasets; this report reads `{}`",
                def.data_source
            )),
            _ => Err("engine: the columnar engine is off (`[limits] engine_memory_mb` is 0)".into()),
        },
        _ => Ok(sql),
    }
}

/// The report's parameter values with a builder's literals added (borrowed when there are none).
fn with_literals(
    params: &query::Params,
    literals: query::Params,
) -> std::borrow::Cow<'_, query::Params> {
    if literals.is_empty() {
        std::borrow::Cow::Borrowed(params)
    } else {
        let mut all = params.clone();
        all.extend(literals);
        std::borrow::Cow::Owned(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::query::Cell;
    use crate::model::report::{DataMapping, Visualization, VizOptions};

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    /// Sales by day, region and channel, with prices, and a NULL here and there.
    fn sales() -> ResultSet {
        let columns = [
            "day", "region", "channel", "revenue", "open", "high", "low", "close",
        ];
        let row = |d: &str, r: Cell, c: &str, v: Cell| {
            vec![
                text(d),
                r,
                text(c),
                v,
                Cell::Real(10.0),
                Cell::Real(12.0),
                Cell::Real(9.0),
                Cell::Int(11),
            ]
        };
        ResultSet {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![
                row("2025-01-01", text("North"), "Web", Cell::Int(120)),
                row("2025-01-02", text("South"), "Shop", Cell::Real(-30.5)),
                row("2025-01-03 10:00:00", Cell::Null, "Web", Cell::Int(5)),
                row("2025-01-04", text("North"), "Shop", Cell::Null),
            ],
        }
    }

    fn viz(kind: VizType, mapping: DataMapping) -> Visualization {
        Visualization {
            id: "v".into(),
            kind,
            title: "T".into(),
            query: None,
            data_mapping: mapping,
            options: VizOptions::default(),
        }
    }

    fn name(s: &str) -> Option<String> {
        Some(s.into())
    }

    /// A mapping every chart type can draw from `sales()`.
    fn full() -> DataMapping {
        DataMapping {
            x: name("region"),
            y: name("revenue"),
            more_y: Vec::new(),
            series: name("channel"),
            value: name("revenue"),
            label: None,
            open: name("open"),
            high: name("high"),
            low: name("low"),
            close: name("close"),
            ..DataMapping::default()
        }
    }

    const CHARTS: [VizType; 12] = [
        VizType::Line,
        VizType::Area,
        VizType::Bar,
        VizType::Hbar,
        VizType::StackedBar,
        VizType::Pie,
        VizType::Donut,
        VizType::Scatter,
        VizType::Heatmap,
        VizType::Candlestick,
        VizType::Histogram,
        VizType::Waterfall,
    ];

    /// The mapping for `kind`: dates on x where the type has a time axis, numbers for scatter.
    fn mapping_for(kind: VizType) -> DataMapping {
        match kind {
            VizType::Line | VizType::Area | VizType::Candlestick => DataMapping {
                x: name("day"),
                ..full()
            },
            VizType::Scatter => DataMapping {
                x: name("open"),
                ..full()
            },
            _ => full(),
        }
    }

    #[test]
    fn every_chart_type_is_drawn_from_its_mapping() {
        for kind in CHARTS {
            assert!(kind.is_drawn());
            match build(&viz(kind, mapping_for(kind)), &sales()) {
                Ok(Item::Chart(c)) => {
                    assert!(
                        c.svg.starts_with("<svg") && !c.svg.contains("No data"),
                        "{kind:?}"
                    )
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn new_mapping_fields_parse_and_old_configs_still_do() {
        let old: Visualization = serde_json::from_str(
            r#"{"id":"b","type":"bar","dataMapping":{"x":"region","y":"revenue"}}"#,
        )
        .unwrap();
        assert_eq!((&old.data_mapping.open, old.options.bins), (&None, None));
        let candles: Visualization = serde_json::from_str(
            r#"{"id":"c","type":"candlestick","dataMapping":
                {"x":"day","open":"open","high":"high","low":"low","close":"close"}}"#,
        )
        .unwrap();
        assert!(matches!(build(&candles, &sales()), Ok(Item::Chart(_))));
        let histogram: Visualization = serde_json::from_str(
            r#"{"id":"h","type":"histogram","dataMapping":{"value":"revenue"},"options":{"bins":3}}"#,
        )
        .unwrap();
        assert_eq!(histogram.options.bins, Some(3));
        assert!(!serde_json::to_string(&old).unwrap().contains("bins"));
    }

    #[test]
    fn build_refuses_a_mapping_to_a_column_the_query_does_not_return_naming_it() {
        type Slot = fn(&mut DataMapping) -> &mut Option<String>;
        let fields: [(&str, Slot); 8] = [
            ("x", |m| &mut m.x),
            ("y", |m| &mut m.y),
            ("series", |m| &mut m.series),
            ("value", |m| &mut m.value),
            ("open", |m| &mut m.open),
            ("high", |m| &mut m.high),
            ("low", |m| &mut m.low),
            ("close", |m| &mut m.close),
        ];
        for kind in CHARTS {
            let mut refused = 0;
            for (field, slot) in fields {
                let mut m = mapping_for(kind);
                *slot(&mut m) = name("no_such_column");
                if let Err(e) = build(&viz(kind, m), &sales()) {
                    let message = e.to_string();
                    assert!(
                        message.contains(&format!("dataMapping.{field}"))
                            && message.contains("`no_such_column`"),
                        "{kind:?}: {message}"
                    );
                    refused += 1;
                }
            }
            assert!(refused >= 1, "{kind:?} used none of its mapping");
        }
    }

    #[test]
    fn build_names_a_required_mapping_that_is_missing() {
        let cases = [
            (VizType::StackedBar, "dataMapping.series is required"),
            (VizType::Heatmap, "dataMapping.value is required"),
            (VizType::Candlestick, "dataMapping.open is required"),
            (VizType::Histogram, "dataMapping.x is required"),
        ];
        for (kind, message) in cases {
            let m = DataMapping {
                series: None,
                value: None,
                y: if kind == VizType::Histogram {
                    None
                } else {
                    name("revenue")
                },
                x: if kind == VizType::Histogram {
                    None
                } else {
                    mapping_for(kind).x
                },
                open: None,
                ..mapping_for(kind)
            };
            let e = build(&viz(kind, m), &sales()).unwrap_err().to_string();
            assert!(e.contains(message), "{kind:?}: {e}");
        }
    }

    #[test]
    fn several_measures_are_each_a_series_named_by_its_label() {
        for kind in [
            VizType::Bar,
            VizType::StackedBar,
            VizType::Line,
            VizType::Area,
        ] {
            let m = DataMapping {
                y: name("revenue"),
                more_y: vec!["open".into(), "close".into()],
                series: None,
                ..mapping_for(kind)
            };
            let mut v = viz(kind, m);
            v.options
                .column_labels
                .insert("open".into(), "Opening price".into());
            let Ok(Item::Chart(c)) = build(&v, &sales()) else {
                panic!("{kind:?}: not drawn");
            };
            let data = c.data.expect("numbers beside the chart");
            let names: Vec<&str> = data.series.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["revenue", "Opening price", "close"], "{kind:?}");
            assert!(
                c.svg.contains("Opening price"),
                "{kind:?}: the legend names it"
            );
        }
        let both = DataMapping {
            more_y: vec!["open".into()],
            ..full()
        };
        let e = build(&viz(VizType::Bar, both), &sales())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("several measures or a series column, not both"),
            "{e}"
        );
        // A measure of another unit on a second axis, over bars or beside lines.
        for kind in [VizType::Bar, VizType::Line] {
            let m = DataMapping {
                y: name("revenue"),
                more_y: vec!["open".into()],
                series: None,
                ..mapping_for(kind)
            };
            let mut v = viz(kind, m);
            v.options.axis2 = vec!["open".into()];
            let Ok(Item::Chart(c)) = build(&v, &sales()) else {
                panic!("{kind:?}: not drawn");
            };
            assert!(c.svg.contains("open (right)"), "{kind:?}");
            let data = c.data.unwrap();
            assert_eq!(data.axis2, ["open"], "{kind:?}");
            assert_eq!(data.series.len(), 2, "{kind:?}");
        }
        let mut scatter = viz(
            VizType::Scatter,
            DataMapping {
                more_y: vec!["open".into()],
                series: None,
                ..mapping_for(VizType::Scatter)
            },
        );
        scatter.options.axis2 = vec!["open".into()];
        let e = build(&scatter, &sales()).unwrap_err().to_string();
        assert!(
            e.contains("options.axis2: a second axis is drawn on bar"),
            "{e}"
        );
        let pie = DataMapping {
            more_y: vec!["open".into()],
            series: None,
            ..full()
        };
        let e = build(&viz(VizType::Pie, pie), &sales())
            .unwrap_err()
            .to_string();
        assert!(e.contains("several measures are drawn by bar"), "{e}");
        // Many measures, or one twice, would copy the rows once each: refused.
        for (more, words) in [
            (
                vec!["open".to_string(); 20],
                "at most 12 measures (21 given)",
            ),
            (
                vec!["open".to_string(), "revenue".to_string()],
                "dataMapping.y[2]: `revenue` is drawn already",
            ),
        ] {
            let m = DataMapping {
                more_y: more,
                series: None,
                ..full()
            };
            let e = build(&viz(VizType::Bar, m), &sales())
                .unwrap_err()
                .to_string();
            assert!(e.contains(words), "{e}");
        }
        let missing = DataMapping {
            more_y: vec!["nope".into()],
            series: None,
            ..full()
        };
        let e = build(&viz(VizType::Bar, missing), &sales())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dataMapping.y: the query returns no column `nope`"),
            "{e}"
        );
    }

    #[test]
    fn text_where_a_number_or_date_belongs_is_an_error_naming_the_value() {
        let m = DataMapping {
            y: name("region"),
            ..full()
        };
        let e = build(&viz(VizType::Bar, m), &sales())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dataMapping.y: `North` is not a number"), "{e}");
        let e = build(&viz(VizType::Line, full()), &sales())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dataMapping.x: `North` is not a date"), "{e}");
    }

    #[test]
    fn null_categories_are_blank_and_null_values_are_not_drawn_as_zero() {
        let Ok(Item::Chart(c)) = build(&viz(VizType::Hbar, full()), &sales()) else {
            panic!("drawn");
        };
        // The NULL region's row is drawn as `(blank)` (issue 23, item 7); North's NULL
        // revenue adds nothing.
        assert!(c.svg.contains(">\nNorth\n<") && c.svg.contains(">\nSouth\n<"));
        assert!(c.svg.contains(">\n(blank)\n<"));
        let rs = ResultSet {
            columns: vec!["region".into(), "revenue".into()],
            rows: vec![
                vec![text("North"), Cell::Null],
                vec![Cell::Null, Cell::Null],
            ],
        };
        let Ok(Item::Chart(c)) = build(&viz(VizType::Bar, full()), &rs) else {
            panic!("drawn");
        };
        assert!(c.svg.contains("No data"));
    }
}
