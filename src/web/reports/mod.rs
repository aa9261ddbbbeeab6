//! GET /reports: every report, searchable by name, category and tag. Each one opens at
//! /reports/{id} (see `dashboard`), with its parameter form, result and downloads.

pub mod download;
pub mod generate;
pub mod sort;
pub mod view;

use crate::store;
use crate::web::error::Problem;
use crate::web::{AppState, Layout};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use std::collections::BTreeSet;

/// One report in the list.
pub struct ReportRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub tags: Vec<String>,
    pub parameters: usize,
    pub visualizations: usize,
}

/// The search: a text in the name or description, a category, a tag; empty = any.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Search {
    pub q: String,
    pub category: String,
    pub tag: String,
}

/// GET /reports
#[derive(Template, WebTemplate)]
#[template(path = "reports.html")]
pub struct ReportsPage {
    pub layout: Layout,
    pub search: Search,
    pub categories: BTreeSet<String>,
    pub tags: BTreeSet<String>,
    pub rows: Vec<ReportRow>,
    /// Reports there are in all, before the search.
    pub total: usize,
}

/// Longest search text looked at.
const MAX_SEARCH_CHARS: usize = 200;

/// GET /reports?q=&category=&tag=
pub async fn list(
    state: web::Data<AppState>,
    search: web::Query<Search>,
    req: actix_web::HttpRequest,
) -> Result<ReportsPage, Problem> {
    let who = crate::web::gate::principal(&req);
    let mut search = search.into_inner();
    search.q = search.q.trim().chars().take(MAX_SEARCH_CHARS).collect();
    let ctx = state.ctx_for(&req);
    web::block(move || -> Result<_, store::StoreError> {
        let mut all = store::report::list(&*ctx.store.app.get()?)?;
        all.retain(|r| {
            ctx.grants
                .sees_report(&r.id, r.definition.collection_id.as_deref())
        });
        let total = all.len();
        let mut categories = BTreeSet::new();
        let mut tags = BTreeSet::new();
        for r in &all {
            if !r.definition.category.is_empty() {
                categories.insert(r.definition.category.clone());
            }
            tags.extend(r.definition.tags.iter().cloned());
        }
        let text = search.q.to_lowercase();
        let rows = all
            .into_iter()
            .map(|r| (r.id, r.definition))
            .filter(|(_, d)| {
                (search.category.is_empty() || d.category == search.category)
                    && (search.tag.is_empty() || d.tags.contains(&search.tag))
            })
            .map(|(id, d)| ReportRow {
                id,
                parameters: d.parameters.len(),
                visualizations: d.visualizations.len(),
                // With the parameters' defaults: "over the last 90 days".
                description: crate::report::text::describe_report(
                    &d.description,
                    // No run: `queries` is empty (`{% if queries.x is defined %}` can say so).
                    &serde_json::json!({ "params": d
                        .parameters
                        .iter()
                        .filter_map(|p| Some((p.name.clone(), p.default_value.clone()?)))
                        .collect::<std::collections::BTreeMap<_, _>>(),
                        "queries": {}, "kpis": {}, "tables": {} }),
                ),
                name: d.name,
                category: d.category,
                tags: d.tags,
            })
            // The text is looked for in what the list shows, not in a description's template.
            .filter(|r: &ReportRow| {
                text.is_empty()
                    || r.name.to_lowercase().contains(&text)
                    || r.description.to_lowercase().contains(&text)
            })
            .collect();
        Ok(ReportsPage {
            layout: Layout::new(&ctx, &who)?,
            search,
            categories,
            tags,
            rows,
            total,
        })
    })
    .await?
    .map_err(|e| Problem::internal(e).html())
}
