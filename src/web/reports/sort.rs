//! A table's order from the query string (`?sort=<column>&dir=asc|desc`): read off the
//! page's query before its report parameters, and refused naming `sort` when no table shown
//! has that column. The rows are sorted by `report::run` (never in SQL).

use crate::report::run::{TableOut, TableSort};
use crate::web::error::Problem;
use std::collections::BTreeMap;

/// Takes `sort` and `dir` out of a page's query.
pub(crate) fn take(q: &mut BTreeMap<String, String>) -> Result<Option<TableSort>, Problem> {
    let dir = q.remove("dir");
    let Some(column) = q.remove("sort").filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let desc = match dir.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(Problem::invalid(
                "dir",
                format!(
                    "`{}` is not asc or desc",
                    crate::model::text::truncate(other, 40)
                ),
            ))
        }
    };
    Ok(Some(TableSort { column, desc }))
}

/// A 422 naming `sort` when it was given and no table of `tables` has that column.
pub(crate) fn check<'a>(
    sort: Option<&TableSort>,
    tables: impl IntoIterator<Item = &'a TableOut>,
) -> Result<(), Problem> {
    let Some(sort) = sort else { return Ok(()) };
    let mut columns: Vec<&str> = Vec::new();
    for t in tables {
        if t.sort.is_some() {
            return Ok(());
        }
        columns.extend(t.result.columns.iter().map(String::as_str));
    }
    Err(Problem::invalid(
        "sort",
        format!(
            "no column `{}` to sort by{}",
            crate::model::text::truncate(&sort.column, 60),
            if columns.is_empty() {
                String::new()
            } else {
                format!(" (columns: {})", columns.join(", "))
            }
        ),
    ))
}

/// The page link (for a browser without JavaScript) that sorts table `t` by its column `i`,
/// from its partial's URL `base` (`<page>/table/<id>?<query>&`): `<page>?<query>&sort=…#table-<id>`.
pub fn page_href(base: &str, t: &TableOut, i: &usize) -> String {
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let page = path.rsplit_once("/table/").map_or(path, |(p, _)| p);
    format!(
        "{page}?{query}{}#table-{}",
        t.sort_link(i),
        crate::web::urlencode(&t.id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_must_be_asc_or_desc_and_an_empty_sort_is_none() {
        let mut q = BTreeMap::from([("sort".into(), "a".into()), ("dir".into(), "up".into())]);
        assert!(take(&mut q).is_err());
        let mut q = BTreeMap::from([("sort".into(), "".into()), ("days".into(), "7".into())]);
        assert_eq!(take(&mut q).unwrap(), None);
        assert_eq!(q.len(), 1, "only the report's parameters stay");
        let mut q = BTreeMap::from([("sort".into(), "x".into()), ("dir".into(), "desc".into())]);
        assert_eq!(
            take(&mut q).unwrap(),
            Some(TableSort {
                column: "x".into(),
                desc: true
            })
        );
    }
}
