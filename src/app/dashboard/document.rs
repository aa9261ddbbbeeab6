//! A dashboard as a document to render: the whole (every widget in reading order, its filters'
//! values and period in words as its parameters) or one widget (its download menu).

use super::run::{run_widget_rows, values, View};
use crate::app::{Ctx, PipelineError};
use crate::model::dashboard::{FilterKind, WidgetKind};
use crate::report::run::{self, Item, TableRows};
use crate::store::dashboard::StoredDashboard;

/// One widget as a document of its own (every row of a table), for its download menu.
pub fn widget_document(
    ctx: &Ctx,
    d: &StoredDashboard,
    widget_id: &str,
    view: View,
) -> Result<Option<run::Output>, PipelineError> {
    let all = TableRows::All { cap: u32::MAX };
    let Some(item) = run_widget_rows(ctx, d, widget_id, view, all, None)? else {
        return Ok(None);
    };
    let title = item.title().to_string();
    Ok(Some(run::Output {
        report_id: d.id.clone(),
        name: format!(
            "{} — {}",
            d.definition.name,
            if title.is_empty() { widget_id } else { &title }
        ),
        description: String::new(),
        parameters: view
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        generated_at: chrono::Utc::now(),
        time_zone: chrono_tz::UTC,
        sections: vec![run::SectionOut {
            title: String::new(),
            items: vec![item],
        }],
        narrative: None,
        options: Default::default(),
    }))
}

/// The whole dashboard as one document: every widget in reading order (tables with every row
/// up to the renderer's cap), the filters' values and the period in words as its parameters.
/// `render::render` makes it a PDF or a spreadsheet like any report.
pub fn document(ctx: &Ctx, d: &StoredDashboard, view: View) -> Result<run::Output, PipelineError> {
    let (given, today) = (view.filters, view.today);
    let def = &d.definition;
    let mut widgets = def.widgets.clone();
    widgets.sort_by_key(|w| (w.y, w.x));
    let mut items = Vec::new();
    for w in &widgets {
        match w.kind {
            WidgetKind::Text => items.push(Item::Text(run::TextOut {
                text: w.text.clone().unwrap_or_default(),
            })),
            WidgetKind::FilterBar => {}
            WidgetKind::Visualization => {
                let all = TableRows::All { cap: u32::MAX };
                if let Some(mut item) = run_widget_rows(ctx, d, &w.id, view, all, None)? {
                    // The widget's own title, where it has one, names it in the document.
                    if let Some(t) = w.title.as_ref().filter(|t| !t.trim().is_empty()) {
                        item.set_title(t.clone());
                    }
                    items.push(item);
                }
            }
        }
    }
    let mut parameters: Vec<(String, String)> = Vec::new();
    for (id, value) in values(&def.filters, given) {
        let f = def
            .filters
            .iter()
            .find(|f| f.id == id)
            .expect("values come from the filters");
        let label = if f.label.is_empty() {
            f.id.clone()
        } else {
            f.label.clone()
        };
        let shown = match f.kind {
            FilterKind::DateRange => {
                let end = super::run::of_data(&value)
                    .then(|| super::data_end::of_filter(ctx, d, f, today))
                    .flatten();
                super::run::period_words_at(&value, today, end).unwrap_or(value)
            }
            _ => value,
        };
        parameters.push((label, shown));
    }
    parameters.extend(view.params.iter().map(|(k, v)| (k.clone(), v.clone())));
    // Asked only of a dashboard that wants it: it runs its first chart's queries again.
    let narrative = def
        .insights
        .then(|| super::insights::dashboard_insights(ctx, d, view))
        .and_then(|found| match found {
            Ok(i) => Some(i.narrative),
            Err(e) => {
                tracing::warn!(dashboard = %d.id, error = %e, "the dashboard's insights failed: its document has none");
                None
            }
        })
        .filter(|n| !n.is_empty());
    Ok(run::Output {
        report_id: d.id.clone(),
        name: def.name.clone(),
        description: super::text::description(ctx, d, view),
        parameters,
        generated_at: chrono::Utc::now(),
        time_zone: chrono_tz::UTC,
        sections: vec![run::SectionOut {
            title: String::new(),
            items,
        }],
        narrative,
        options: Default::default(),
    })
}
