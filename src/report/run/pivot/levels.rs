//! A pivot's numbers at every level it shows: the cells (every row and column field), each
//! group's subtotal (the outer fields only) and the grand totals (none of them). A builder
//! question is asked again grouped by the level's fields, so every subtotal is exact for any
//! measure (an average of a region is the average over its rows, not of its products'
//! averages); a SQL query's cells are added up.

use super::super::{prepare, Request, RunError};
use crate::data::cache;
use crate::data::query::{self, Cell, ResultSet};
use crate::data::source::Db;
use crate::model::report::{QuerySource, ReportDefinition, Visualization};
use std::collections::{BTreeSet, HashMap};

/// A level: how many of the row fields and of the column fields it is grouped by.
pub type Level = (usize, usize);

/// The numbers of each level, by the key of the members they are grouped by (`path_key` of
/// the row members then the column members), one per value.
#[derive(Default)]
pub struct Levels {
    pub by_level: HashMap<Level, HashMap<String, Vec<Option<f64>>>>,
}

impl Levels {
    /// The values of the group with these keys at `level`, if it has rows.
    pub fn get(&self, level: Level, key: &str) -> Option<&[Option<f64>]> {
        Some(self.by_level.get(&level)?.get(key)?.as_slice())
    }
}

/// A member's part of a key: its type and length before its text, so no two paths share one.
pub fn cell_key(c: &Cell, out: &mut String) {
    use std::fmt::Write;
    let _ = match c {
        Cell::Null => write!(out, "n|"),
        Cell::Int(i) => write!(out, "i{i}|"),
        Cell::Real(f) => write!(out, "r{}|", f.to_bits()),
        Cell::Text(s) => write!(out, "t{}:{s}|", s.len()),
    };
}

/// The levels a pivot shows (and sorts by): the cells; with subtotals every inner level; with
/// grand totals the levels without rows or without columns; sorted by a value, each row
/// level's totals over every column.
pub fn needed(viz: &Visualization) -> BTreeSet<Level> {
    let (r, c) = (viz.data_mapping.rows.len(), viz.data_mapping.columns.len());
    let inner = |n: usize| -> Vec<usize> {
        let mut v: Vec<usize> = vec![n];
        if viz.subtotals() {
            v.extend(1..n);
        }
        if viz.grand_totals() || n == 0 {
            v.push(0);
        }
        v
    };
    let mut out = BTreeSet::new();
    for rl in inner(r) {
        for cl in inner(c) {
            out.insert((rl, cl));
        }
    }
    if viz.options.sort.as_ref().and_then(|s| s.value()).is_some() {
        out.extend((1..=r).map(|rl| (rl, 0)));
    }
    out
}

/// The column index of every row field, column field and value in `rs`; the error names the
/// mapping key and the result's columns.
pub fn indices(
    viz: &Visualization,
    rs: &ResultSet,
) -> Result<(Vec<usize>, Vec<usize>, Vec<usize>), String> {
    let m = &viz.data_mapping;
    let find = |key: &str, names: &[String]| -> Result<Vec<usize>, String> {
        names
            .iter()
            .map(|n| {
                rs.column(n).ok_or_else(|| {
                    format!(
                        "dataMapping.{key}: `{n}` is not a column of the query (its columns: {})",
                        rs.columns.join(", ")
                    )
                })
            })
            .collect()
    };
    Ok((
        find("rows", &m.rows)?,
        find("columns", &m.columns)?,
        find("values", &m.values)?,
    ))
}

/// The numbers of `rs` by the members of its first `r` row fields and `c` column fields (the
/// columns `rows`, `cols` of `rs`), values added up (`None` where every cell is empty).
fn summed(
    rs: &ResultSet,
    (rows, cols, values): (&[usize], &[usize], &[usize]),
    (r, c): Level,
) -> HashMap<String, Vec<Option<f64>>> {
    let mut out: HashMap<String, Vec<Option<f64>>> = HashMap::new();
    for row in &rs.rows {
        let mut key = String::new();
        for &i in rows[..r].iter().chain(&cols[..c]) {
            cell_key(&row[i], &mut key);
        }
        let sums = out.entry(key).or_insert_with(|| vec![None; values.len()]);
        for (sum, &i) in sums.iter_mut().zip(values) {
            if let Some(v) = row[i].as_f64().filter(|_| !matches!(row[i], Cell::Text(_))) {
                *sum = Some(sum.unwrap_or(0.0) + v);
            }
        }
    }
    out
}

/// Every level `viz` needs from the cells of `rs` added up (a SQL query's pivot).
pub fn added_up(viz: &Visualization, rs: &ResultSet) -> Result<Levels, String> {
    let (rows, cols, values) = indices(viz, rs)?;
    let mut out = Levels::default();
    let full = (rows.len(), cols.len());
    for level in needed(viz).into_iter().chain([full]) {
        let at = summed(rs, (&rows, &cols, &values), level);
        out.by_level.insert(level, at);
    }
    Ok(out)
}

/// What a level asks of its query: its fields, and the runner asked for the query's rows.
pub struct Ask<'a, 'c> {
    pub conn: Db<'c>,
    pub def: &'a ReportDefinition,
    pub source: QuerySource<'a>,
    pub resolved: &'a query::Params,
    pub req: &'a Request<'a>,
}

/// Every level `viz` needs, from its cells' result `rs`: a builder question asked once per
/// level grouped by that level's fields (the cells' level is `rs` itself), a SQL query's
/// cells added up.
pub fn levels(ask: &Ask, viz: &Visualization, rs: &ResultSet) -> Result<Levels, RunError> {
    let mapping = |message: String| RunError::Mapping {
        viz: viz.id.clone(),
        message,
    };
    let (rows, cols, values) = indices(viz, rs).map_err(mapping)?;
    let full = (rows.len(), cols.len());
    let mut out = Levels::default();
    let spec = match ask.source {
        QuerySource::Builder(spec) => spec,
        QuerySource::Sql(_) => return added_up(viz, rs).map_err(mapping),
    };
    let m = &viz.data_mapping;
    // Every dimension is a row or column field: else a cell would hold several rows.
    if let Some(d) = spec
        .dimensions
        .iter()
        .find(|d| !m.rows.contains(&d.field) && !m.columns.contains(&d.field))
    {
        return Err(mapping(format!(
            "dataMapping: the question groups by `{}`, which is neither in the pivot's rows nor its columns",
            d.field
        )));
    }
    if let Some(f) = m
        .rows
        .iter()
        .chain(&m.columns)
        .find(|f| !spec.dimensions.iter().any(|d| &d.field == *f))
    {
        return Err(mapping(format!(
            "dataMapping: `{f}` is not one of the question's dimensions; a pivot's rows and columns are dimensions"
        )));
    }
    out.by_level
        .insert(full, summed(rs, (&rows, &cols, &values), full));
    for level in needed(viz) {
        if level == full {
            continue;
        }
        let keep: Vec<&String> = m.rows[..level.0]
            .iter()
            .chain(&m.columns[..level.1])
            .collect();
        let mut at = spec.clone();
        at.dimensions.retain(|d| keep.contains(&&d.field));
        at.sort.clear();
        at.limit = None;
        let label = format!("{} (totals)", viz.id);
        let (sql, params) = prepare(
            ask.conn,
            ask.def,
            QuerySource::Builder(&at),
            ask.resolved,
            ask.req.today,
            &label,
        )?;
        let got = cache::fetch(ask.conn, ask.req.cache, &sql, &params, None, ask.req.bounds)
            .map_err(|source| RunError::Query {
                viz: viz.id.clone(),
                source,
            })?;
        let find = |names: &[String]| -> Vec<usize> {
            names.iter().filter_map(|n| got.column(n)).collect()
        };
        let (r, c, v) = (
            find(&m.rows[..level.0]),
            find(&m.columns[..level.1]),
            find(&m.values),
        );
        if r.len() != level.0 || c.len() != level.1 || v.len() != m.values.len() {
            return Err(mapping(
                "the totals' query did not return the pivot's columns".into(),
            ));
        }
        out.by_level
            .insert(level, summed(&got, (&r, &c, &v), level));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_types_and_texts_apart() {
        let key = |cells: &[Cell]| {
            let mut k = String::new();
            cells.iter().for_each(|c| cell_key(c, &mut k));
            k
        };
        let t = |s: &str| Cell::Text(s.into());
        assert_ne!(key(&[t("1")]), key(&[Cell::Int(1)]));
        assert_ne!(key(&[t("a|"), t("b")]), key(&[t("a"), t("|b")]));
        assert_ne!(key(&[Cell::Null]), key(&[t("")]));
        assert_eq!(key(&[t("x"), Cell::Int(2)]), key(&[t("x"), Cell::Int(2)]));
    }

    #[test]
    fn sums_add_numbers_and_leave_empty_groups_empty() {
        let rs = ResultSet {
            columns: vec!["r".into(), "c".into(), "v".into()],
            rows: vec![
                vec![Cell::Text("N".into()), Cell::Int(1), Cell::Int(5)],
                vec![Cell::Text("N".into()), Cell::Int(2), Cell::Real(2.5)],
                vec![Cell::Text("S".into()), Cell::Int(1), Cell::Null],
            ],
        };
        let s = summed(&rs, (&[0], &[1], &[2]), (1, 0));
        let mut n = String::new();
        cell_key(&Cell::Text("N".into()), &mut n);
        let mut south = String::new();
        cell_key(&Cell::Text("S".into()), &mut south);
        assert_eq!(s[&n], vec![Some(7.5)]);
        assert_eq!(s[&south], vec![None]);
        assert_eq!(summed(&rs, (&[0], &[1], &[2]), (0, 0))[""], vec![Some(7.5)]);
    }
}
