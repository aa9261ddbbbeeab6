//! What each widget of a template shows on a dataset before anything is made: the template
//! prepared for the mapping (`apply::prepare`), each of its reports run on the dataset (a few
//! rows of each table), each widget's chart, figure or row count taken from the result.

use super::apply::{self, Request};
use super::Template;
use crate::app::edit::EditError;
use crate::app::{Ctx, RunSpec};
use crate::report::run::{Item, TableRows};
use crate::store::report::StoredReport;
use std::collections::BTreeMap;

/// What a widget shows.
#[derive(Debug, Clone)]
pub enum Shown {
    /// A chart's SVG.
    Chart(String),
    /// A figure with its title.
    Figure(String),
    /// A table or pivot: its rows in all.
    Rows(u64),
    /// Why it cannot be drawn here.
    Failed(String),
}

/// Each widget of the dashboard `t` would make, by title, with what it shows.
pub fn widgets(ctx: &Ctx, t: &Template, req: &Request) -> Result<Vec<(String, Shown)>, EditError> {
    let (bundle, _) = apply::prepare(ctx, t, req)?;
    let today = chrono::Utc::now().date_naive();
    let mut outputs: BTreeMap<String, Result<Vec<Item>, String>> = BTreeMap::new();
    for r in &bundle.reports {
        let id = r.id.clone().unwrap_or_default();
        let stored = StoredReport {
            id: id.clone(),
            definition: r.clone(),
            updated_at: String::new(),
        };
        let run = ctx.run(&RunSpec {
            report: &id,
            params: &BTreeMap::new(),
            rows: TableRows::Page {
                page: 1,
                page_size: 5,
            },
            only: None,
            sort: None,
            today,
            narrow: None,
            zone: chrono_tz::UTC,
            stored: Some(&stored),
        });
        let items = run
            .map(|out| out.sections.into_iter().flat_map(|s| s.items).collect())
            .map_err(|e| e.to_string());
        outputs.insert(id, items);
    }
    let mut out = Vec::new();
    for w in &bundle.dashboard.widgets {
        let (Some(rid), Some(vid)) = (&w.report_id, &w.visualization_id) else {
            continue;
        };
        let title = bundle
            .reports
            .iter()
            .find(|r| r.id.as_ref() == Some(rid))
            .and_then(|r| r.visualization(vid))
            .map(|v| {
                if v.title.is_empty() {
                    v.id.clone()
                } else {
                    v.title.clone()
                }
            })
            .unwrap_or_else(|| vid.clone());
        let shown = match outputs.get(rid) {
            Some(Ok(items)) => match items.iter().find(|i| id_of(i) == Some(vid.as_str())) {
                Some(Item::Chart(c)) => Shown::Chart(c.svg.clone()),
                Some(Item::Kpi(k)) => Shown::Figure(k.value.clone()),
                Some(Item::Table(t)) => Shown::Rows(t.total_rows),
                Some(Item::Pivot(p)) => Shown::Rows(p.groups),
                _ => Shown::Failed("not shown".into()),
            },
            Some(Err(e)) => Shown::Failed(e.clone()),
            None => Shown::Failed("its report was not made".into()),
        };
        out.push((title, shown));
    }
    Ok(out)
}

fn id_of(i: &Item) -> Option<&str> {
    match i {
        Item::Kpi(k) => Some(&k.id),
        Item::Chart(c) => Some(&c.id),
        Item::Table(t) => Some(&t.id),
        Item::Pivot(p) => Some(&p.id),
        Item::Text(_) => None,
    }
}
