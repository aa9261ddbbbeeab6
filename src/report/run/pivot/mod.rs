//! A pivot table: the members of its row fields down, of its column fields across, its values
//! in the cells, a subtotal per group and grand totals. The numbers of every level come from
//! `levels.rs`; here they are laid out: groups in order (by label, or by a value's total),
//! a group's subtotal row above its rows (so a collapsed group still shows its total), a
//! group's subtotal columns after its columns, the grand totals last.

mod flat;
mod grid;
mod levels;
mod shown;
#[cfg(test)]
mod tests;

pub use grid::{HeaderCell, Rollup};
pub(super) use levels::Ask;
pub use shown::ShownRow;

use super::RunError;
use crate::data::query::{Cell, ResultSet};
use crate::model::report::{Bucket, DatePattern, ValueFormat, Visualization};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Most columns of numbers a pivot lays out (column groups × values).
pub const MAX_COLUMNS: usize = 250;

/// A built pivot table. Its JSON carries the numbers as numbers and the members as the query
/// gave them; pages and documents format them with `extra`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PivotOut {
    pub id: String,
    pub title: String,
    /// The row fields' labels, outermost first.
    pub row_fields: Vec<String>,
    /// The column fields' labels, outermost first.
    pub column_fields: Vec<String>,
    /// The values' labels.
    pub values: Vec<String>,
    /// The columns of numbers, left to right.
    pub columns: Vec<PivotColumn>,
    /// The rows, top to bottom.
    pub rows: Vec<PivotRow>,
    /// Row groups at the innermost level in all, and how many are shown (the report's row
    /// limit).
    pub groups: u64,
    pub shown_groups: u64,
    #[serde(skip)]
    pub extra: PivotExtra,
}

/// What a pivot's files need beside its JSON (kept with a stored result: `snapshot.rs`).
#[derive(Debug, Clone, Default)]
pub struct PivotExtra {
    /// Each value's format, and whether all its numbers are whole.
    pub formats: Vec<Option<ValueFormat>>,
    pub whole: Vec<bool>,
    /// Each row field's then each column field's format (its members' dates), and the
    /// period a date field is grouped by (its members read `2025 Q1`, `Mar 2025`, `2025`).
    pub member_formats: Vec<Option<ValueFormat>>,
    pub buckets: Vec<Option<Bucket>>,
    /// How each value's subtotal follows from its cells, for a workbook's formulas.
    pub rollups: Vec<Rollup>,
    /// The query's rows: a CSV of the pivot.
    pub result: Arc<ResultSet>,
}

/// A column of numbers: one value of a column group (all the column fields' members), of a
/// group's subtotal (the outer ones) or of the grand total (none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PivotColumn {
    pub members: Vec<Cell>,
    /// Which value (an index into `values`).
    pub value: usize,
}

/// A row: a row group (all the row fields' members), a group's subtotal (the outer ones) or
/// the grand total (none); a number per column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PivotRow {
    pub members: Vec<Cell>,
    pub cells: Vec<Option<f64>>,
}

impl PivotOut {
    /// Whether row `i` is a cell row (every row field's member), not a subtotal or total.
    pub fn is_detail(&self, i: usize) -> bool {
        self.rows[i].members.len() == self.row_fields.len()
    }

    /// Whether column `j` is a column group's (every column field's member).
    pub fn is_leaf(&self, j: usize) -> bool {
        self.columns[j].members.len() == self.column_fields.len()
    }

    /// A member as people read it: its field's format, `(blank)` for nothing.
    pub fn member_text(&self, field: usize, c: &Cell) -> String {
        if crate::report::chart::is_blank(c) {
            return crate::report::chart::BLANK.to_string();
        }
        let f = self.extra.member_formats.get(field).copied().flatten();
        let day = match c {
            Cell::Text(s) => {
                chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
            }
            _ => None,
        };
        use chrono::Datelike;
        match (self.extra.buckets.get(field).copied().flatten(), day, f) {
            (Some(Bucket::Quarter), Some(d), _) => format!("{} Q{}", d.year(), d.month0() / 3 + 1),
            (Some(Bucket::Year), Some(d), _) => d.year().to_string(),
            (Some(Bucket::Month), Some(_), None) => super::cell_text(
                c,
                Some(ValueFormat {
                    date: Some(DatePattern::Month),
                    ..ValueFormat::Date
                }),
            ),
            _ => super::cell_text(c, f),
        }
    }

    /// Row `i`'s member at row field `k` (its label column), or "" where it has none.
    pub fn row_label(&self, i: usize, k: usize) -> String {
        match self.rows[i].members.get(k) {
            Some(c) => self.member_text(k, c),
            None if k == self.rows[i].members.len() => "Total".into(),
            None => String::new(),
        }
    }

    /// Number `j` of row `i` in its value's format ("" when the group has no rows); a value
    /// without a format keeps two decimals in every cell unless all of its numbers are whole.
    pub fn cell_text(&self, i: usize, j: usize) -> String {
        let v = self.columns[j].value;
        let whole = self.extra.whole.get(v) == Some(&true);
        let format = self.extra.formats.get(v).copied().flatten();
        match self.rows[i].cells[j] {
            None => String::new(),
            Some(x) if whole && x.fract() == 0.0 => super::cell_text(&Cell::Int(x as i64), format),
            Some(x) => super::cell_text(
                &Cell::Real(x),
                format.or(Some(ValueFormat {
                    decimals: Some(2),
                    ..ValueFormat::Number
                })),
            ),
        }
    }
}

/// Builds `viz`'s pivot from its query's rows `rs`: the levels it shows asked for
/// (`levels.rs`), then laid out (`grid.rs`).
pub(super) fn pivot(
    ask: &Ask,
    viz: &Visualization,
    rs: &Arc<ResultSet>,
    row_limit: u32,
) -> Result<PivotOut, RunError> {
    let levels = levels::levels(ask, viz, rs)?;
    grid::lay_out(ask.source, viz, rs, &levels, row_limit).map_err(|message| RunError::Mapping {
        viz: viz.id.clone(),
        message,
    })
}
