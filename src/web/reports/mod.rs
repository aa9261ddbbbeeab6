//! GET /reports: every report, searchable by name, category and tag. Each one opens at
//! /reports/{id} (see `dashboard`), with its parameter form, result and downloads.

pub mod download;
pub mod generate;
pub mod sort;
pub mod view;

use crate::model::collection::{Collection, MAX_DEPTH};
use crate::store;
use crate::web::error::Problem;
use crate::web::{AppState, Layout};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// One report in the list.
pub struct ReportRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub tags: Vec<String>,
    pub parameters: usize,
    pub visualizations: usize,
    /// Its collection (id, path as "Parent / Child"); None at the top level.
    pub collection: Option<(String, String)>,
}

/// The search: a text in the name or description, a category, a tag; empty = any.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Search {
    pub q: String,
    pub category: String,
    pub tag: String,
    /// A collection's id (what it holds, with its sub-collections), `top` (the top level).
    pub collection: String,
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
    /// The collections the reader may see (id, path), by path.
    pub collections: Vec<(String, String)>,
}

/// Every collection's path ("Parent / Child"), and its ancestors' ids (nearest first).
fn paths(all: &[Collection]) -> BTreeMap<String, (String, Vec<String>)> {
    let by_id: BTreeMap<&str, &Collection> = all.iter().map(|c| (c.id.as_str(), c)).collect();
    all.iter()
        .map(|c| {
            let (mut names, mut up) = (vec![c.name.clone()], Vec::new());
            let mut at = c.parent_id.as_ref();
            while let Some(p) = at.and_then(|p| by_id.get(p.as_str())) {
                if up.len() > MAX_DEPTH || up.contains(&p.id.as_str().to_string()) {
                    break;
                }
                names.push(p.name.clone());
                up.push(p.id.as_str().to_string());
                at = p.parent_id.as_ref();
            }
            names.reverse();
            (c.id.as_str().to_string(), (names.join(" / "), up))
        })
        .collect()
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
    web::block(move || -> Result<_, Problem> {
        let caller = who
            .caller()
            .ok_or_else(|| Problem::unauthorized("sign in first"))?;
        let visible =
            crate::app::collection::list(&ctx, (&caller.user_id, &caller.email), &ctx.grants)?;
        let conn = ctx.store.app.get()?;
        let paths = paths(&store::collection::list(&conn)?);
        let mut all = store::report::list(&conn)?;
        drop(conn);
        all.retain(|r| {
            ctx.grants
                .sees_report(&r.id, r.definition.collection_id.as_deref())
        });
        let mut collections: Vec<(String, String)> = visible
            .iter()
            .filter_map(|c| {
                Some((
                    c.id.as_str().to_string(),
                    paths.get(c.id.as_str())?.0.clone(),
                ))
            })
            .collect();
        collections.sort_by(|a, b| a.1.to_lowercase().cmp(&b.1.to_lowercase()));
        let in_chosen = |c: Option<&str>| match (search.collection.as_str(), c) {
            ("", _) => true,
            ("top", c) => c.is_none(),
            (_, None) => false,
            (chosen, Some(c)) => {
                c == chosen
                    || paths
                        .get(c)
                        .is_some_and(|(_, up)| up.iter().any(|u| u == chosen))
            }
        };
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
                    && in_chosen(d.collection_id.as_deref())
            })
            .map(|(id, d)| ReportRow {
                id,
                collection: d.collection_id.as_ref().map(|c| {
                    let path = paths.get(c).map_or("(gone)".to_string(), |p| p.0.clone());
                    (c.clone(), path)
                }),
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
            collections,
        })
    })
    .await?
    .map_err(Problem::html)
}
