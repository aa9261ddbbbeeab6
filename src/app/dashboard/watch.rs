//! What an alert on a dashboard widget reads: the rows of the widget's query under the
//! dashboard's default filters, and the link to the dashboard filtered to one member.

use super::run::{prepare, View};
use crate::app::{Ctx, PipelineError};
use crate::data::query::ResultSet;
use crate::store::dashboard::StoredDashboard;
use std::collections::BTreeMap;

/// The rows of widget `widget_id`'s query as the dashboard shows it by default, and the id of
/// its report; None when the widget shows no report's visualization.
pub fn widget_rows(
    ctx: &Ctx,
    d: &StoredDashboard,
    widget_id: &str,
    today: chrono::NaiveDate,
) -> Result<Option<(String, ResultSet)>, PipelineError> {
    let none = BTreeMap::new();
    let view = View {
        filters: &none,
        params: &none,
        today,
    };
    let Some(p) = prepare(ctx, d, widget_id, view)? else {
        return Ok(None);
    };
    let query = p.report.visualization(&p.viz).and_then(|v| v.query.clone());
    let (conn, sql, values) =
        ctx.prepare(&p.report, query.as_deref(), "alert", &p.params, today)?;
    let rs = conn
        .db()
        .fetch(&sql, &values, None, ctx.bounds())
        .map_err(|source| crate::report::run::RunError::Query {
            viz: p.viz.clone(),
            source,
        })?;
    Ok(Some((p.report_id, rs)))
}

/// The dashboard's page filtered to `member` where one of its filters sets `field` of the
/// widget (`/dashboards/{id}?f.store=South`), else the page itself.
pub fn link(
    base: &str,
    d: &StoredDashboard,
    widget_id: &str,
    field: Option<&str>,
    member: &str,
) -> String {
    let page = format!("{base}/dashboards/{}", d.id);
    let filter = field.and_then(|field| {
        d.definition.filters.iter().find(|f| {
            f.targets
                .iter()
                .any(|t| t.widget_id == widget_id && t.field.as_deref() == Some(field))
        })
    });
    match filter {
        Some(f) if !member.is_empty() => format!(
            "{page}?f.{}={}",
            crate::model::text::urlencode(&f.id),
            crate::model::text::urlencode(member)
        ),
        _ => page,
    }
}
