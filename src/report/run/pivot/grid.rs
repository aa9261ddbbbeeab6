//! A pivot's rows and columns laid out from its levels' numbers, and its header rows.

use super::levels::{cell_key, needed, Levels};
use super::{PivotColumn, PivotExtra, PivotOut, PivotRow, MAX_COLUMNS};
use crate::data::query::{Cell, ResultSet};
use crate::model::report::{Aggregation, QuerySource, ShowAs, Visualization};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// How a value's subtotal follows from the numbers it covers, so a workbook can write it as a
/// formula that follows an edited cell: added up (sums and counts), their least or greatest,
/// or not from them at all (an average, a distinct count, a calculated measure, a share:
/// written as the number asked of the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rollup {
    Sum,
    Min,
    Max,
    #[default]
    None,
}

/// One cell of a header row: a member spanning its group's columns, "Total" over a subtotal's,
/// a value's label, or a corner cell over the row labels (a field's name).
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderCell {
    pub text: String,
    pub span: usize,
    pub total: bool,
    pub corner: bool,
}

/// The members of one field's groups as a tree, each node keyed by its path.
struct Tree {
    nodes: Vec<Node>,
    roots: Vec<usize>,
}

struct Node {
    member: Cell,
    key: String,
    children: Vec<usize>,
}

fn tree<'a>(paths: impl Iterator<Item = Vec<&'a Cell>>) -> Tree {
    let mut t = Tree {
        nodes: Vec::new(),
        roots: Vec::new(),
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    for path in paths {
        let (mut parent, mut key) = (None::<usize>, String::new());
        for cell in path {
            cell_key(cell, &mut key);
            let n = match index.get(&key) {
                Some(&n) => n,
                None => {
                    let n = t.nodes.len();
                    t.nodes.push(Node {
                        member: cell.clone(),
                        key: key.clone(),
                        children: Vec::new(),
                    });
                    match parent {
                        Some(p) => t.nodes[p].children.push(n),
                        None => t.roots.push(n),
                    }
                    index.insert(key.clone(), n);
                    n
                }
            };
            parent = Some(n);
        }
    }
    t
}

/// A walk over a tree of groups in order, telling `emit` each group (its members, its key,
/// whether it is a leaf) until `emit` says stop: a row group's subtotal before its rows (a
/// page folds the group under it), a column group's after its columns.
struct Walk<'a> {
    tree: &'a Tree,
    full: usize,
    subtotals: bool,
    rows: bool,
    order: &'a dyn Fn(&Tree, &[usize], usize, bool) -> Vec<usize>,
    emit: &'a mut dyn FnMut(Vec<Cell>, String, bool) -> bool,
}

impl Walk<'_> {
    fn walk(&mut self, list: Vec<usize>, depth: usize, path: &mut Vec<Cell>) -> bool {
        let tree = self.tree;
        for n in list {
            let node = &tree.nodes[n];
            path.push(node.member.clone());
            let go_on = if depth < self.full {
                let children = (self.order)(tree, &node.children, depth + 1, self.rows);
                let total = self.subtotals;
                (!self.rows || !total || (self.emit)(path.clone(), node.key.clone(), false))
                    && self.walk(children, depth + 1, path)
                    && (self.rows || !total || (self.emit)(path.clone(), node.key.clone(), false))
            } else {
                (self.emit)(path.clone(), node.key.clone(), true)
            };
            path.pop();
            if !go_on {
                return false;
            }
        }
        true
    }
}

/// Members in order: empty first, then numbers by value, then text by its characters.
fn by_label(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Null, Cell::Null) => Ordering::Equal,
        (Cell::Null, _) => Ordering::Less,
        (_, Cell::Null) => Ordering::Greater,
        _ => super::super::table::cmp_values(a, b),
    }
}

/// Each value's rollup: a builder measure's from its aggregate, a SQL query's cells added up.
fn rollups(source: QuerySource, viz: &Visualization) -> Vec<Rollup> {
    let QuerySource::Builder(spec) = source else {
        return vec![Rollup::Sum; viz.data_mapping.values.len()];
    };
    let names = spec.measure_names();
    viz.data_mapping
        .values
        .iter()
        .map(|v| {
            let Some(m) = names.iter().position(|n| n == v).map(|i| &spec.measures[i]) else {
                return Rollup::None;
            };
            match (m.expr.is_some() || m.show != ShowAs::Value, m.aggregation()) {
                (true, _) => Rollup::None,
                (false, Aggregation::Sum | Aggregation::Count) => Rollup::Sum,
                (false, Aggregation::Min) => Rollup::Min,
                (false, Aggregation::Max) => Rollup::Max,
                (false, Aggregation::Avg | Aggregation::CountDistinct) => Rollup::None,
            }
        })
        .collect()
}

/// The pivot of `rs` laid out from `levels`; at most `row_limit` row groups.
pub(super) fn lay_out(
    source: QuerySource,
    viz: &Visualization,
    rs: &Arc<ResultSet>,
    levels: &Levels,
    row_limit: u32,
) -> Result<PivotOut, String> {
    let m = &viz.data_mapping;
    let (rows_at, cols_at, values_at) = super::levels::indices(viz, rs)?;
    let (nr, nc) = (rows_at.len(), cols_at.len());
    let row_tree = tree(
        rs.rows
            .iter()
            .map(|r| rows_at.iter().map(|&i| &r[i]).collect()),
    );
    let col_tree = tree(
        rs.rows
            .iter()
            .map(|r| cols_at.iter().map(|&i| &r[i]).collect()),
    );
    let sort_value = viz.options.sort.as_ref().and_then(|s| {
        Some((
            m.values
                .iter()
                .position(|v| Some(v.as_str()) == s.value())?,
            s.desc,
        ))
    });
    let order = |t: &Tree, list: &[usize], depth: usize, sorted: bool| -> Vec<usize> {
        let mut list = list.to_vec();
        let total = |n: usize| -> Option<f64> {
            let (v, _) = sort_value?;
            levels.get((depth, 0), &t.nodes[n].key)?[v]
        };
        list.sort_by(|&a, &b| {
            let by_value = match (sorted, sort_value) {
                (true, Some((_, desc))) => match (total(a), total(b)) {
                    (Some(x), Some(y)) if desc => y.total_cmp(&x),
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                },
                _ => Ordering::Equal,
            };
            by_value.then_with(|| by_label(&t.nodes[a].member, &t.nodes[b].member))
        });
        list
    };
    let subtotals = viz.subtotals();

    // Columns: each group's leaves, then its subtotal; the grand total last.
    let mut col_groups: Vec<(Vec<Cell>, String)> = Vec::new();
    if nc > 0 {
        let mut emit = |p: Vec<Cell>, k: String, _leaf: bool| {
            col_groups.push((p, k));
            true
        };
        let mut w = Walk {
            tree: &col_tree,
            full: nc,
            subtotals,
            rows: false,
            order: &order,
            emit: &mut emit,
        };
        w.walk(
            order(&col_tree, &col_tree.roots, 1, false),
            1,
            &mut Vec::new(),
        );
    }
    if nc == 0 || viz.grand_totals() {
        col_groups.push((Vec::new(), String::new()));
    }
    let nv = m.values.len();
    if col_groups.len() * nv > MAX_COLUMNS {
        return Err(format!(
            "the pivot would have {} columns of numbers (at most {MAX_COLUMNS}): move the field with many members (`{}`) to rows, or filter it",
            col_groups.len() * nv,
            m.columns.last().map(String::as_str).unwrap_or("")
        ));
    }

    // Rows: each group's subtotal, then its rows; the grand total last.
    // Every path has every row field: the tree's leaves are the row groups.
    let groups = match nr {
        0 => 0,
        _ => row_tree
            .nodes
            .iter()
            .filter(|n| n.children.is_empty())
            .count() as u64,
    };
    let mut row_groups: Vec<(Vec<Cell>, String)> = Vec::new();
    let mut shown = 0u64;
    if nr > 0 {
        let mut emit = |p: Vec<Cell>, k: String, leaf: bool| {
            // Past the limit no group starts, not even its subtotal row.
            if shown >= row_limit as u64 {
                return false;
            }
            shown += leaf as u64;
            row_groups.push((p, k));
            true
        };
        let mut w = Walk {
            tree: &row_tree,
            full: nr,
            subtotals,
            rows: true,
            order: &order,
            emit: &mut emit,
        };
        w.walk(
            order(&row_tree, &row_tree.roots, 1, true),
            1,
            &mut Vec::new(),
        );
    }
    if nr == 0 || viz.grand_totals() {
        row_groups.push((Vec::new(), String::new()));
    }

    let columns: Vec<PivotColumn> = col_groups
        .iter()
        .flat_map(|(p, _)| {
            (0..nv).map(|value| PivotColumn {
                members: p.clone(),
                value,
            })
        })
        .collect();
    let rows = row_groups
        .into_iter()
        .map(|(members, rk)| {
            let cells = col_groups
                .iter()
                .flat_map(|(cm, ck)| {
                    let at = levels.get((members.len(), cm.len()), &format!("{rk}{ck}"));
                    (0..nv).map(move |v| at.and_then(|a| a[v]))
                })
                .collect();
            PivotRow { members, cells }
        })
        .collect();
    let label = |n: &String| {
        viz.options
            .column_labels
            .get(n)
            .cloned()
            .unwrap_or_else(|| crate::model::report::humanize(n))
    };
    let format = |n: &String| viz.options.column_formats.get(n).copied();
    let whole = values_at
        .iter()
        .map(|&i| {
            rs.rows
                .iter()
                .all(|r| matches!(r[i], Cell::Int(_) | Cell::Null))
        })
        .collect();
    debug_assert!(needed(viz).iter().all(|l| levels.by_level.contains_key(l)));
    Ok(PivotOut {
        id: viz.id.clone(),
        title: viz.title.clone(),
        row_fields: m.rows.iter().map(label).collect(),
        column_fields: m.columns.iter().map(label).collect(),
        values: m.values.iter().map(label).collect(),
        columns,
        rows,
        groups,
        shown_groups: shown,
        extra: PivotExtra {
            formats: m.values.iter().map(format).collect(),
            whole,
            member_formats: m.rows.iter().chain(&m.columns).map(format).collect(),
            buckets: m
                .rows
                .iter()
                .chain(&m.columns)
                .map(|f| match source {
                    QuerySource::Builder(spec) => {
                        spec.dimensions.iter().find(|d| &d.field == f)?.bucket
                    }
                    QuerySource::Sql(_) => None,
                })
                .collect(),
            rollups: rollups(source, viz),
            result: rs.clone(),
        },
    })
}

impl PivotOut {
    /// The header rows: one per column field (its members spanning their groups' columns,
    /// "Total" over subtotals), then the values' labels; each starts with the corner over the
    /// row labels (the column field's name, then the row fields' names).
    pub fn header_rows(&self) -> Vec<Vec<HeaderCell>> {
        let nc = self.column_fields.len();
        let labels = self.row_fields.len().max(1);
        let mut out = Vec::with_capacity(nc + 1);
        for k in 0..nc {
            let mut row = vec![HeaderCell {
                text: self.column_fields[k].clone(),
                span: labels,
                total: false,
                corner: true,
            }];
            let mut last: Option<String> = None;
            for c in &self.columns {
                let mut key = String::new();
                c.members
                    .iter()
                    .take(k + 1)
                    .for_each(|m| cell_key(m, &mut key));
                let (text, total) = match c.members.get(k) {
                    Some(m) => (self.member_text(self.row_fields.len() + k, m), false),
                    None if c.members.len() == k => ("Total".to_string(), true),
                    None => (String::new(), true),
                };
                if c.members.len() <= k {
                    key.push_str(&format!("#total{}", c.members.len()));
                }
                match (row.last_mut(), &last) {
                    (Some(cell), Some(l)) if *l == key && !cell.corner => cell.span += 1,
                    _ => row.push(HeaderCell {
                        text,
                        span: 1,
                        total,
                        corner: false,
                    }),
                }
                last = Some(key);
            }
            out.push(row);
        }
        let mut row: Vec<HeaderCell> = if self.row_fields.is_empty() {
            vec![HeaderCell {
                text: String::new(),
                span: 1,
                total: false,
                corner: true,
            }]
        } else {
            self.row_fields
                .iter()
                .map(|f| HeaderCell {
                    text: f.clone(),
                    span: 1,
                    total: false,
                    corner: true,
                })
                .collect()
        };
        row.extend(self.columns.iter().map(|c| HeaderCell {
            text: self.values[c.value].clone(),
            span: 1,
            total: c.members.len() < nc,
            corner: false,
        }));
        out.push(row);
        out
    }
}
