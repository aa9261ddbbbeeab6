//! Drilling into a dashboard widget: the rows behind a bar, slice or point under the
//! dashboard's filters (see `report::run::drill`), and the dashboard filter that would show that
//! category everywhere (a cross-filter), when there is one.

use super::run::{prepare, View};
use crate::app::{Ctx, PipelineError};
use crate::model::dashboard::FilterKind;
use crate::report::run::{self, TableRows};
use crate::store::dashboard::StoredDashboard;

/// The rows behind one category of a widget.
pub struct WidgetDrill {
    pub drill: run::Drill,
    /// The widget's title (its visualization's when it has none of its own).
    pub title: String,
    /// A select or multi-select filter of the dashboard on the category's field for this
    /// widget: setting it to the value filters the dashboard by the category.
    pub cross_filter: Option<String>,
}

/// The rows behind `value` of widget `widget_id` of `d` under `view`, page
/// `page`. NotFound for a widget that is not a chart with categories.
pub fn drill(
    ctx: &Ctx,
    d: &StoredDashboard,
    widget_id: &str,
    view: View,
    value: &str,
    page: u32,
) -> Result<WidgetDrill, PipelineError> {
    let today = view.today;
    let none = || PipelineError::NotFound(format!("rows behind widget {widget_id}"));
    let p = prepare(ctx, d, widget_id, view)?.ok_or_else(none)?;
    let viz = p.report.visualization(&p.viz).ok_or_else(none)?;
    let column = run::drill_column(viz).ok_or_else(none)?.to_string();
    let title = d
        .definition
        .widget(widget_id)
        .and_then(|w| w.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| viz.title.clone());
    let conn = p.connection(ctx)?;
    let only = [p.viz.clone()];
    let rows = TableRows::Page {
        page,
        page_size: ctx.config.limits.page_size,
    };
    let req = p.request(ctx, &only, rows, today);
    // Values in the installation's locale, columns with their datasets' labels and formats.
    let drill =
        crate::app::column_meta::shown(ctx, || run::drill((&conn).into(), &req, &p.viz, value))?;
    let cross_filter = d
        .definition
        .filters
        .iter()
        .find(|f| {
            matches!(f.kind, FilterKind::Select | FilterKind::MultiSelect)
                && f.targets.iter().any(|t| {
                    t.widget_id == widget_id && t.field.as_deref() == Some(column.as_str())
                })
        })
        .map(|f| f.id.clone());
    Ok(WidgetDrill {
        drill,
        title,
        cross_filter,
    })
}
