//! A dashboard page's query: its filter values (`f.<id>`), its reports' parameters by name and
//! the page's own keys, which its widgets' links carry on; anything else is dropped
//! (`known`) so no one can make every link of a page carry a long value of theirs. A date
//! filter's value that is no range is refused there, naming `f.<id>`.

use crate::app::dashboard::run as dashboard_run;
use crate::model::dashboard::FilterKind;
use crate::store::{self, dashboard::StoredDashboard};
use crate::web::error::Problem;
use crate::web::reports::view::encode;
use std::collections::{BTreeMap, BTreeSet};

/// The page's own keys: tables' pagers and order, refresh, kiosk, a chart's width.
const PAGE_KEYS: [&str; 6] = ["page", "refresh", "kiosk", "sort", "dir", "w"];

/// The keys of `q` that `d` reads: its page's own, its filters' (`f.<id>`) and the parameters
/// of its widgets' reports (of widget `only`'s, when given: what its links need).
pub(crate) fn known(
    ctx: &crate::app::Ctx,
    d: &StoredDashboard,
    q: &BTreeMap<String, String>,
    only: Option<&str>,
) -> Result<BTreeMap<String, String>, Problem> {
    let reports: BTreeSet<&str> = d
        .definition
        .widgets
        .iter()
        .filter(|w| only.is_none_or(|o| w.id == o))
        .filter_map(|w| w.report_id.as_deref())
        .collect();
    let mut names = BTreeSet::new();
    {
        let conn = ctx.store.app.get()?;
        for id in reports {
            if let Some(r) = store::report::get(&conn, id)? {
                names.extend(r.definition.parameters.into_iter().map(|p| p.name));
            }
        }
    }
    // A date range that is not one is refused naming its filter, before anything runs.
    let today = chrono::Utc::now().date_naive();
    for f in &d.definition.filters {
        let key = format!("f.{}", f.id);
        if let (FilterKind::DateRange, Some(v)) = (f.kind, q.get(&key)) {
            if let Some(problem) = dashboard_run::range_problem(v, today) {
                return Err(Problem::invalid(key, problem));
            }
        }
    }
    let filter = |id: &str| d.definition.filters.iter().any(|f| f.id == id);
    Ok(q.iter()
        .filter(|(k, _)| {
            PAGE_KEYS.contains(&k.as_str())
                || k.strip_prefix("f.").is_some_and(filter)
                || names.contains(k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// The page's query as given, less the tables' `page` and order: what pagers (which add the
/// order of their own table) and downloads carry on.
pub(crate) fn query_without_page(q: &BTreeMap<String, String>) -> String {
    let mut q = q.clone();
    for k in ["page", "sort", "dir", "w"] {
        q.remove(k);
    }
    encode(&q)
}

/// The page's query split: filter values (`f.<id>`, without the prefix) and the rest (report
/// parameters by name).
pub(crate) fn split(
    q: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut filters = BTreeMap::new();
    let mut params = BTreeMap::new();
    for (k, v) in q {
        match k.strip_prefix("f.") {
            Some(id) => {
                filters.insert(id.to_string(), v.clone());
            }
            None if PAGE_KEYS.contains(&k.as_str()) => {}
            None => {
                params.insert(k.clone(), v.clone());
            }
        }
    }
    (filters, params)
}
