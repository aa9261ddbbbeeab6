//! XLSX of a dashboard: a first "Dashboard" sheet (name, description, filters and period, the
//! sheets that follow), then one sheet per widget in reading order, named after its title: a
//! KPI's figures, a chart's numbers with a native Excel chart beside them (for the kinds the
//! report workbook draws), a table's rows; text cards together on a last "Notes" sheet. The
//! cells are written by the report workbook's writers, so both read the same.

use super::{draw, write_chart_data, write_kpis, write_table};
use crate::render::RenderError;
use crate::report::run::{Item, Output};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashSet;

/// The dashboard document (`app::dashboard::document`) as a workbook, one sheet a widget.
pub fn render_sheets(out: &Output) -> Result<Vec<u8>, RenderError> {
    build(out).map_err(|e| RenderError::Failed(e.to_string()))
}

/// Excel's longest sheet name, in UTF-16 units.
const NAME_MAX: usize = 31;

/// Sheet names made from titles: valid for Excel and unique in one workbook.
#[derive(Default)]
struct SheetNames {
    /// Names given so far, lowercased: Excel compares them ignoring case.
    taken: HashSet<String>,
}

impl SheetNames {
    fn new() -> Self {
        let mut names = Self::default();
        // Excel keeps this name for itself.
        names.taken.insert("history".into());
        names
    }

    /// A name for `title`: `[]:*?/\` and control characters become spaces, runs of spaces one,
    /// no apostrophe at either end, at most 31 units, `fallback` when nothing is left, and
    /// ` (2)`, ` (3)`... when the name is taken.
    fn take(&mut self, title: &str, fallback: &str) -> String {
        let cleaned: String = title
            .chars()
            .map(|c| {
                if c.is_control() || "[]:*?/\\".contains(c) {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let words = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut base = fit(words.trim_matches(|c: char| c == '\'' || c == ' '), 0);
        if base.is_empty() {
            base = fit(fallback, 0);
        }
        let mut name = base.clone();
        let mut n = 1;
        while self.taken.contains(&name.to_lowercase()) {
            n += 1;
            let suffix = format!(" ({n})");
            name = format!("{}{suffix}", fit(&base, suffix.len()));
        }
        self.taken.insert(name.to_lowercase());
        name
    }
}

/// `s` cut to leave `room` units free under the limit, without an apostrophe or space at its
/// end.
fn fit(s: &str, room: usize) -> String {
    let mut out = String::new();
    let mut units = 0;
    for c in s.chars() {
        units += c.len_utf16();
        if units > NAME_MAX - room {
            break;
        }
        out.push(c);
    }
    out.trim_end_matches(['\'', ' ']).to_string()
}

fn build(out: &Output) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let heading = Format::new().set_bold().set_font_size(16);
    let items: Vec<&Item> = out.sections.iter().flat_map(|s| &s.items).collect();
    let mut names = SheetNames::new();
    let cover_name = names.take("Dashboard", "Dashboard");
    let sheet_names: Vec<Option<String>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            (!matches!(item, Item::Text(_)))
                .then(|| names.take(item.title(), &format!("Widget {}", i + 1)))
        })
        .collect();
    // A text card's markdown as its words (`## Notes` is `Notes`).
    let notes: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) => Some(crate::report::markdown::to_plain(&t.text)),
            _ => None,
        })
        .collect();
    let notes_name = (!notes.is_empty()).then(|| names.take("Notes", "Notes"));

    let cover = wb.add_worksheet().set_name(&cover_name)?;
    cover.write_with_format(0, 0, &out.name, &heading)?;
    let mut row = 1;
    if !out.description.is_empty() {
        cover.write_string(row, 0, &out.description)?;
        row += 1;
    }
    cover.write(row, 0, format!("Generated {}", out.generated()))?;
    row += 2;
    if !out.parameters.is_empty() {
        cover.write_with_format(row, 0, "Filter", &bold)?;
        cover.write_with_format(row, 1, "Value", &bold)?;
        for (k, v) in &out.parameters {
            row += 1;
            cover.write_string(row, 0, k)?;
            cover.write_string(row, 1, v)?;
        }
        row += 2;
    }
    cover.write_with_format(row, 0, "Widget", &bold)?;
    cover.write_with_format(row, 1, "Sheet", &bold)?;
    for (item, name) in items.iter().zip(&sheet_names) {
        if let Some(name) = name {
            row += 1;
            cover.write_string(row, 0, item.title())?;
            cover.write_string(row, 1, name)?;
        }
    }
    if let Some(name) = &notes_name {
        row += 1;
        cover.write_string(row, 0, "Text cards")?;
        cover.write_string(row, 1, name)?;
    }
    cover.set_column_width(0, 32)?;
    cover.set_column_width(1, 40)?;

    for (item, name) in items.iter().zip(&sheet_names) {
        let Some(name) = name else { continue };
        match item {
            Item::Kpi(k) => {
                let sheet = wb.add_worksheet().set_name(name)?;
                write_kpis(sheet, 0, std::iter::once(k), &bold)?;
                sheet.set_column_width(0, 28)?;
                for c in 1..=2 {
                    sheet.set_column_width(c, 18)?;
                }
            }
            Item::Chart(c) => {
                let sheet = wb.add_worksheet().set_name(name)?;
                match c.data.as_ref().filter(|d| !d.categories.is_empty()) {
                    Some(data) => {
                        let (first, last) = write_chart_data(sheet, 0, 0, c, data, &bold)?;
                        if let Some(chart) = draw(name, sheet, 0, c, data, (first, last))? {
                            let beside = data.series.len() as u16 + 2;
                            sheet.insert_chart(1, beside, &chart)?;
                        }
                        sheet.set_column_width(0, 14)?;
                    }
                    None => {
                        sheet.write_with_format(0, 0, &c.title, &bold)?;
                        let why = if c.data.is_some() {
                            "No data for these filters."
                        } else {
                            "This chart has no spreadsheet equivalent: see the dashboard's PDF."
                        };
                        sheet.write_string(1, 0, why)?;
                    }
                }
            }
            Item::Table(t) => {
                // As in the report workbook: rows go to a temporary file as they are written.
                let sheet = wb.add_worksheet_with_constant_memory()?.set_name(name)?;
                write_table(sheet, t, &bold)?;
            }
            Item::Pivot(p) => {
                let sheet = wb.add_worksheet().set_name(name)?;
                super::pivot::write_pivot(sheet, p)?;
            }
            Item::Text(_) => {}
        }
    }
    if let Some(name) = &notes_name {
        let sheet = wb.add_worksheet().set_name(name)?;
        let wrap = Format::new().set_text_wrap();
        for (r, text) in notes.iter().enumerate() {
            sheet.write_string_with_format(r as u32, 0, text, &wrap)?;
        }
        sheet.set_column_width(0, 90)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_for_excel_and_unique() {
        let mut n = SheetNames::new();
        assert_eq!(n.take("Dashboard", "x"), "Dashboard");
        assert_eq!(n.take("dashboard", "x"), "dashboard (2)");
        assert_eq!(n.take("Revenue: [EU] / *all*?", "x"), "Revenue EU all");
        assert_eq!(n.take("'quoted'", "x"), "quoted");
        assert_eq!(n.take("  \t ", "Widget 3"), "Widget 3");
        assert_eq!(n.take("History", "x"), "History (2)");
        let long = "A title far longer than thirty-one characters";
        let a = n.take(long, "x");
        let b = n.take(long, "x");
        assert_eq!(a, "A title far longer than thirty-");
        assert_eq!(b, "A title far longer than thi (2)");
        for s in [&a, &b] {
            assert!(s.encode_utf16().count() <= NAME_MAX, "{s}");
        }
        let wide = n.take(&"😀".repeat(20), "x");
        assert_eq!(wide.encode_utf16().count(), 30);
    }
}
