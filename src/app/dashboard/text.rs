//! A dashboard's description filled like a report's: `{{ params.<name> }}` and
//! `{{ queries.<name>.<column> }}` (e.g. the period its figures cover, as dates with the year)
//! from the reports of its widgets, under the page's filters and parameters. Only the named
//! queries the description quotes run (through the cache, where the widgets find them again).

use super::run::{prepare, View};
use crate::app::Ctx;
use crate::store::dashboard::StoredDashboard;

/// The description of `d` as its page (or document) shows it under `view`: quoted from the first widget, in reading order,
/// whose report defines the queries it quotes (the first widget's report for `params`).
pub fn description(ctx: &Ctx, d: &StoredDashboard, view: View) -> String {
    let today = view.today;
    let source = &d.definition.description;
    if !source.contains("{{") && !source.contains("{%") {
        return source.clone();
    }
    let mut widgets: Vec<_> = d.definition.widgets.iter().collect();
    widgets.sort_by_key(|w| (w.y, w.x));
    let quoted = |r: &crate::model::report::ReportDefinition| {
        r.queries
            .keys()
            .any(|name| source.contains(&format!("queries.{name}")))
    };
    let mut first = None;
    for w in widgets {
        // A widget that cannot be prepared (its report gone, a bad filter value) or whose
        // parameters its report refuses (`?days=0`) is passed by.
        let Ok(Some(p)) = prepare(ctx, d, &w.id, view) else {
            continue;
        };
        if crate::report::params::resolve(&p.report.parameters, &p.params, today).is_err() {
            continue;
        }
        if quoted(&p.report) {
            first = Some(p);
            break;
        }
        first.get_or_insert(p);
    }
    // No widget can give the values it quotes: left out rather than "the last 0 days".
    let Some(p) = first else {
        return String::new();
    };
    let req = p.request(
        ctx,
        &[],
        crate::report::run::TableRows::All { cap: 0 },
        today,
    );
    match p.connection(ctx) {
        Ok(conn) => crate::report::text::describe_from_queries(&conn, &req, source),
        Err(_) => crate::report::text::describe_report(
            source,
            &serde_json::json!({ "params": p.params, "queries": {} }),
        ),
    }
}
