//! A dashboard's insights: those of its first widget (in reading order) whose chart over dates
//! has something to say, under the dashboard's filters as the page applies them.

use super::run::{prepare, View};
use crate::app::{Ctx, PipelineError};
use crate::model::report::VizType;
use crate::report::insight::narrative::Insights;
use crate::report::run::{self, RunError, TableRows};
use crate::store::dashboard::StoredDashboard;

/// The insights of `d` as `view` shows it.
pub fn dashboard_insights(
    ctx: &Ctx,
    d: &StoredDashboard,
    view: View,
) -> Result<Insights, PipelineError> {
    let mut widgets = d.definition.widgets.clone();
    widgets.sort_by_key(|w| (w.y, w.x));
    for w in widgets {
        let Some(p) = prepare(ctx, d, &w.id, view)? else {
            continue;
        };
        let over_dates = p
            .report
            .visualization(&p.viz)
            .is_some_and(|v| matches!(v.kind, VizType::Line | VizType::Area));
        if !over_dates {
            continue;
        }
        let resolved = crate::report::params::resolve(&p.report.parameters, &p.params, view.today)
            .map_err(RunError::from)?;
        let conn = p.connection(ctx)?;
        let only = [p.viz.clone()];
        let req = p.request(
            ctx,
            &only,
            TableRows::Page {
                page: 1,
                page_size: 1,
            },
            view.today,
        );
        let found = crate::app::column_meta::shown(ctx, || {
            let out = run::run(&conn, &req)?;
            let at = run::insight::At {
                conn: conn.db(),
                def: &p.report,
                resolved: &resolved.values,
                req: &req,
            };
            Ok::<_, PipelineError>(run::insight::insights(&at, &out.sections))
        })?;
        if !found.narrative.is_empty() {
            return Ok(found);
        }
    }
    Ok(Insights::default())
}
