//! XLSX of a report: a Summary sheet with the KPIs and one sheet per table with typed cells.

use super::RenderError;
use crate::data::query::Cell;
use crate::report::definition::ValueFormat;
use crate::report::run::Output;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The report as a workbook.
pub fn render(out: &Output) -> Result<Vec<u8>, RenderError> {
    build(out).map_err(|e| RenderError(e.to_string()))
}

fn build(out: &Output) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let summary = wb.add_worksheet().set_name("Summary")?;
    summary.write_with_format(0, 0, &out.name, &bold)?;
    summary.write(
        1,
        0,
        format!(
            "Generated {}",
            out.generated_at.format("%Y-%m-%d %H:%M UTC")
        ),
    )?;
    let mut row = 3;
    for (k, v) in &out.parameters {
        summary.write(row, 0, k)?;
        summary.write(row, 1, v)?;
        row += 1;
    }
    row += 1;
    for (c, h) in ["Metric", "Value", "Previous", "Change"].iter().enumerate() {
        summary.write_with_format(row, c as u16, *h, &bold)?;
    }
    for k in out.kpis() {
        row += 1;
        summary.write(row, 0, &k.title)?;
        summary.write(row, 1, &k.value)?;
        summary.write(row, 2, k.previous.as_deref().unwrap_or(""))?;
        summary.write(row, 3, k.change.as_deref().unwrap_or(""))?;
    }
    summary.set_column_width(0, 28)?;
    summary.set_column_width(1, 18)?;
    summary.set_column_width(2, 18)?;
    for (n, t) in out.tables().enumerate() {
        let name = if n == 0 {
            "Data".to_string()
        } else {
            format!("Data {}", n + 1)
        };
        let sheet = wb.add_worksheet().set_name(&name)?;
        for (c, h) in t.headers.iter().enumerate() {
            sheet.write_with_format(0, c as u16, h, &bold)?;
        }
        for (r, cells) in t.result.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                match (cell, t.formats.get(c as usize).copied().flatten()) {
                    (Cell::Null, _) => {}
                    (Cell::Int(i), _) => {
                        sheet.write(r, c, *i as f64)?;
                    }
                    (Cell::Real(f), Some(ValueFormat::Currency)) => {
                        sheet.write_with_format(r, c, *f, &money)?;
                    }
                    (Cell::Real(f), _) => {
                        sheet.write(r, c, *f)?;
                    }
                    (Cell::Text(s), _) => {
                        sheet.write(r, c, s)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        if !t.headers.is_empty() {
            sheet.autofilter(0, 0, t.result.rows.len() as u32, t.headers.len() as u16 - 1)?;
        }
        for c in 0..t.headers.len() {
            sheet.set_column_width(c as u16, 14)?;
        }
    }
    wb.save_to_buffer()
}
