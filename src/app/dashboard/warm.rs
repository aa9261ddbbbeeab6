//! Cache warming: right after an import, every dashboard widget that asks a builder question
//! of the imported dataset runs once, as the dashboard's page would ask it (default filters,
//! today), so its result waits in the cache and the first person to open the dashboard after
//! a nightly import does not wait for the queries.

use super::run::{self, View};
use crate::app::Ctx;
use crate::model::dashboard::WidgetKind;
use crate::model::report::QuerySource;
use std::collections::BTreeMap;

/// Runs the widgets that read `dataset` of the main store into the cache; how many ran. Does
/// nothing when the cache is off. Failures are left for the page to show.
pub fn after_import(ctx: &Ctx, dataset: &str) -> usize {
    if ctx.config.limits.cache_mb == 0 {
        return 0;
    }
    let dashboards = match ctx.store.app.get() {
        Ok(conn) => crate::store::dashboard::list(&conn).unwrap_or_default(),
        Err(_) => return 0,
    };
    let none = BTreeMap::new();
    let mut warmed = 0;
    for d in &dashboards {
        for w in &d.definition.widgets {
            if w.kind != WidgetKind::Visualization {
                continue;
            }
            let view = View::now(&none, &none);
            let Ok(Some(p)) = run::prepare(ctx, d, &w.id, view) else {
                continue;
            };
            let viz = p
                .report
                .visualization(&p.viz)
                .and_then(|v| v.query.as_deref());
            let reads = p.report.data_source == "main"
                && matches!(p.report.query_source(viz), Some(QuerySource::Builder(s)) if s.dataset == dataset);
            if reads && run::run_widget_page(ctx, d, &w.id, view, 1, None).is_ok() {
                warmed += 1;
            }
        }
    }
    warmed
}

/// [`after_import`] on a thread of its own, logged.
pub fn in_background(ctx: Ctx, dataset: String) {
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let n = after_import(&ctx, &dataset);
        if n > 0 {
            tracing::info!(
                dataset,
                widgets = n,
                millis = started.elapsed().as_millis() as u64,
                "dashboard widgets cached after the import"
            );
        }
    });
}
