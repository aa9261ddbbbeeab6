//! A pivot table as a worksheet an accountant can work in: the header rows with each group's
//! members merged over its columns, the row labels in columns of their own (every row carries
//! all of its labels, so a filter or a sort keeps its meaning), Excel's outline (+/−) over
//! each row group, and every subtotal and total a formula over the numbers it covers, with the
//! number Quire computed as its cached result: `SUBTOTAL()` down a column (it skips the
//! subtotals nested in its range), `SUM()`/`MIN()`/`MAX()` across a row over the group's
//! columns. A value whose subtotal does not follow from its cells (an average, a distinct
//! count, a calculated measure, a share) is written as the number asked of the data.

use super::number_format;
use crate::report::run::pivot::{PivotOut, Rollup};
use rust_xlsxwriter::{utility::row_col_to_cell, Format, Formula, Worksheet, XlsxError};

/// Most cells one function of a formula names; more are summed in parts.
const REFS_PER_CALL: usize = 200;

/// Writes `p` on `sheet` from its first cell.
pub(super) fn write_pivot(sheet: &mut Worksheet, p: &PivotOut) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    sheet.write_with_format(0, 0, &p.title, &title)?;
    let labels = p.row_fields.len().max(1) as u16;
    let header = p.header_rows();
    let top = 2u32;
    for (k, cells) in header.iter().enumerate() {
        let r = top + k as u32;
        let mut c = 0u16;
        for h in cells {
            let last = c + h.span as u16 - 1;
            if h.span > 1 {
                sheet.merge_range(r, c, r, last, &h.text, &bold)?;
            } else {
                sheet.write_string_with_format(r, c, &h.text, &bold)?;
            }
            c = last + 1;
        }
    }
    let first = top + header.len() as u32;
    let formats: Vec<(Format, Format)> = (0..p.values.len())
        .map(|v| {
            let f = number_format(
                p.extra.formats[v],
                p.extra.whole.get(v).copied().unwrap_or(false),
            );
            (f.clone(), f.set_bold())
        })
        .collect();
    let end_of = |i: usize| -> usize {
        let level = p.rows[i].members.len();
        let mut end = i;
        while end + 1 < p.rows.len() && p.rows[end + 1].members.len() > level {
            end += 1;
        }
        end
    };
    for (i, row) in p.rows.iter().enumerate() {
        let r = first + i as u32;
        let detail = p.is_detail(i);
        for k in 0..labels as usize {
            let text = p.row_label(i, k);
            if !text.is_empty() {
                match detail {
                    true => sheet.write_string(r, k as u16, &text)?,
                    false => sheet.write_string_with_format(r, k as u16, &text, &bold)?,
                };
            }
        }
        // The rows a total row covers: a group's below it, the grand total's above it.
        let covered = match (detail, row.members.is_empty() && i > 0) {
            (true, _) => None,
            (false, true) => Some((first, r - 1)),
            (false, false) if end_of(i) > i => Some((r + 1, first + end_of(i) as u32)),
            (false, false) => None,
        };
        for (j, cell) in row.cells.iter().enumerate() {
            let Some(x) = cell else { continue };
            let col = labels + j as u16;
            let v = p.columns[j].value;
            let format = match detail && p.is_leaf(j) {
                true => &formats[v].0,
                false => &formats[v].1,
            };
            let formula = match (p.extra.rollups.get(v).copied().unwrap_or_default(), covered) {
                (Rollup::None, _) => None,
                (rollup, Some((a, b))) => Some(format!(
                    "SUBTOTAL({},{}:{})",
                    match rollup {
                        Rollup::Min => 5,
                        Rollup::Max => 4,
                        _ => 9,
                    },
                    row_col_to_cell(a, col),
                    row_col_to_cell(b, col)
                )),
                (rollup, None) if !p.is_leaf(j) => across(p, j, r, labels, rollup),
                (_, None) => None,
            };
            match formula {
                Some(f) => sheet.write_formula_with_format(
                    r,
                    col,
                    Formula::new(format!("={f}")).set_result(x.to_string()),
                    format,
                )?,
                None => sheet.write_number_with_format(r, col, *x, format)?,
            };
        }
    }
    // Each row group's rows folded under its subtotal row.
    if p.row_fields.len() > 1 {
        for i in 0..p.rows.len() {
            if !p.is_detail(i) && !p.rows[i].members.is_empty() && end_of(i) > i {
                sheet.group_rows(first + i as u32 + 1, first + end_of(i) as u32)?;
            }
        }
        sheet.group_symbols_above(true);
    }
    sheet.set_freeze_panes(first, labels)?;
    for k in 0..labels as usize {
        let widest = (0..p.rows.len())
            .map(|i| p.row_label(i, k).chars().count())
            .chain(p.row_fields.get(k).map(|f| f.chars().count()))
            .max()
            .unwrap_or(0);
        sheet.set_column_width(k as u16, widest.clamp(8, 50) as f64 + 2.0)?;
    }
    for j in 0..p.columns.len() {
        sheet.set_column_width(labels + j as u16, 14)?;
    }
    Ok(())
}

/// A subtotal column's formula in a row of cells: its value over the group's columns one
/// level in (its subgroups' subtotals, or its columns when there are none).
fn across(p: &PivotOut, j: usize, r: u32, labels: u16, rollup: Rollup) -> Option<String> {
    let c = &p.columns[j];
    let inner = c.members.len() + 1;
    let next_level = match p
        .columns
        .iter()
        .any(|o| o.members.len() == inner && inner < p.column_fields.len())
    {
        true => inner,
        false => p.column_fields.len(),
    };
    let refs: Vec<String> = p
        .columns
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            o.value == c.value && o.members.len() == next_level && o.members.starts_with(&c.members)
        })
        .map(|(k, _)| row_col_to_cell(r, labels + k as u16))
        .collect();
    if refs.is_empty() {
        return None;
    }
    let name = match rollup {
        Rollup::Min => "MIN",
        Rollup::Max => "MAX",
        _ => "SUM",
    };
    let parts: Vec<String> = refs
        .chunks(REFS_PER_CALL)
        .map(|c| format!("{name}({})", c.join(",")))
        .collect();
    Some(match parts.len() {
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("{name}({})", parts.join(",")),
    })
}
