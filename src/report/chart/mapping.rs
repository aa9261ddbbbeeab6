//! A chart's rows read from its query's result: the columns its `dataMapping` names, checked,
//! and their cells as categories, numbers and dates. Errors are messages naming the mapping
//! (`dataMapping.y: `abc` is not a number`); the run says which visualization.

use crate::data::query::{Cell, ResultSet};
use crate::model::report::{Visualization, VizType};
use chrono::NaiveDate;

/// A chart built from its rows, or why not.
pub type Built = Result<super::data::Chart, String>;

/// The index of the column `field` names, which the mapping must give (`what` names it).
pub(crate) fn column(rs: &ResultSet, field: &Option<String>, what: &str) -> Result<usize, String> {
    let name = field
        .as_deref()
        .ok_or_else(|| format!("dataMapping.{what} is required"))?;
    rs.column(name)
        .ok_or_else(|| format!("dataMapping.{what}: the query returns no column `{name}`"))
}

/// The column drawn as `key`, given under the key or one of its aliases (a pie's `label` as
/// `x`, see `Visualization::mapped`): its index and the key it was given under, for errors.
pub(super) fn mapped(
    viz: &Visualization,
    rs: &ResultSet,
    key: &str,
) -> Result<(usize, String), String> {
    let (path, name) = viz.mapped(key).ok_or_else(|| {
        let aliases = viz.kind.mapping_aliases(key);
        let also = match aliases {
            [] if viz.kind == VizType::Candlestick && key != "x" => format!(" (or options.{key})"),
            [] => String::new(),
            a => format!(" (or {})", a.join(" or ")),
        };
        format!("dataMapping.{key} is required{also}")
    })?;
    let i = rs
        .column(name)
        .ok_or_else(|| format!("{path}: the query returns no column `{name}`"))?;
    let key = path.rsplit('.').next().unwrap_or(key).to_string();
    Ok((i, key))
}

/// A column the mapping may leave out; one it names must be in the result.
pub(super) fn optional_column(
    rs: &ResultSet,
    field: &Option<String>,
    what: &str,
) -> Result<Option<usize>, String> {
    match field {
        Some(_) => column(rs, field, what).map(Some),
        None => Ok(None),
    }
}

static NULL: Cell = Cell::Null;

/// The cell of a row, NULL past its end.
pub(crate) fn cell(row: &[Cell], i: usize) -> &Cell {
    row.get(i).unwrap_or(&NULL)
}

/// A category (or series name): its text, `(blank)` for NULL or blank text (see
/// `data::category_label`), so an empty category is drawn like any other.
fn category(c: &Cell) -> Option<String> {
    Some(super::data::category_label(c))
}

/// The series of a row: its name in the series column `si` when the mapping has one (None
/// `(blank)` for an empty one), else the one unnamed series.
pub(super) fn series_name(row: &[Cell], si: Option<usize>) -> Option<String> {
    match si {
        Some(i) => category(cell(row, i)),
        None => Some(String::new()),
    }
}

/// A number; NULL or blank is None (not drawn), other text is an error naming the field.
pub(super) fn number(c: &Cell, what: &str) -> Result<Option<f64>, String> {
    match c {
        Cell::Null => Ok(None),
        Cell::Text(t) if t.trim().is_empty() => Ok(None),
        c => c.as_f64().map(Some).ok_or_else(|| {
            format!(
                "dataMapping.{what}: `{}` is not a number",
                crate::model::text::truncate(&c.as_text(), 40)
            )
        }),
    }
}

/// A `YYYY-MM-DD` date (a time after it is ignored); NULL or blank is None and its row skipped.
pub(super) fn date(c: &Cell, what: &str) -> Result<Option<NaiveDate>, String> {
    let text = match c {
        Cell::Null => return Ok(None),
        c => c.as_text(),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let day = text.get(..10).filter(|_| {
        text.get(10..)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['T', ' ']))
    });
    day.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(Some)
        .ok_or_else(|| {
            format!(
                "dataMapping.{what}: `{}` is not a date",
                crate::model::text::truncate(&text, 40)
            )
        })
}

/// (category, value) items from the columns mapped as `label` and `value` (a bar's `x` and
/// `y`, a pie's `label` and `value`), an empty category as `(blank)`; and the value
/// column's index.
pub(super) fn labelled(
    viz: &Visualization,
    rs: &ResultSet,
    (label, value): (&str, &str),
) -> Result<(Vec<(String, Option<f64>)>, usize), String> {
    let ((xi, _), (yi, y_key)) = (mapped(viz, rs, label)?, mapped(viz, rs, value)?);
    let mut items = Vec::with_capacity(rs.rows.len());
    for r in &rs.rows {
        if let Some(label) = category(cell(r, xi)) {
            items.push((label, number(cell(r, yi), &y_key)?));
        }
    }
    Ok((items, yi))
}

/// (category, category, value) cells from columns `a` and `b` and the value column `v`
/// (mapped as `what`), an empty category as `(blank)`.
pub(super) fn grid_cells(
    rs: &ResultSet,
    (a, b): (usize, usize),
    (v, what): (usize, &str),
) -> Result<Vec<(String, String, Option<f64>)>, String> {
    let mut cells = Vec::with_capacity(rs.rows.len());
    for r in &rs.rows {
        if let (Some(x), Some(y)) = (category(cell(r, a)), category(cell(r, b))) {
            cells.push((x, y, number(cell(r, v), what)?));
        }
    }
    Ok(cells)
}
