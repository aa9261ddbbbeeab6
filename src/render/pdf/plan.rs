//! A report cut into parts typst lays out one at a time: flowing sections, and long tables
//! already split into pages here. Every table cell is fitted to one line with the font's own
//! advance widths, and rows have a fixed height, so the rows that fit on a page are known
//! before typst sees them: typst never measures a row twice, and no part needs the whole
//! document in memory.

use super::RenderError;
use crate::report::run::{Item, Output, TableOut};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::LazyLock;

/// Table rows per document: beyond this a PDF is not the right format.
pub const MAX_TABLE_ROWS: usize = 20_000;

/// Page and table measures in points, shared with the template (`data.geometry`).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Geometry {
    pub margin_x: f64,
    pub margin_top: f64,
    pub margin_bottom: f64,
    pub row: f64,
    pub cell_inset: f64,
    pub table_text: f64,
}

const MM: f64 = 72.0 / 25.4;
const PAGE_W: f64 = 210.0 * MM;
const PAGE_H: f64 = 297.0 * MM;
pub const GEOMETRY: Geometry = Geometry {
    margin_x: 15.0 * MM,
    margin_top: 18.0 * MM,
    margin_bottom: 20.0 * MM,
    row: 11.0,
    cell_inset: 4.0,
    table_text: 7.5,
};
/// Height above a long table's first rows: its title and note (and its section's heading
/// when the section starts with the table).
const TOP_TITLE: f64 = 34.0;
const TOP_HEADING: f64 = 32.0;
/// Points kept free at the foot of each page, against rounding.
const SLACK: f64 = 4.0;

/// One thing typst lays out in a compile of its own.
pub enum Part {
    /// Sections that flow over pages; `headings` are the titles set in it, in order.
    Flow {
        sections: Vec<Value>,
        headings: Vec<String>,
    },
    /// A long table, its rows already in pages; `heading` is its section's title when the
    /// section starts with it.
    Table {
        heading: Option<String>,
        table: Value,
        pages: Vec<Vec<Vec<String>>>,
    },
}

impl Part {
    /// Contents entries this part starts (the section titles it sets as headings).
    pub fn headings(&self) -> Vec<&str> {
        match self {
            Part::Flow { headings, .. } => headings.iter().map(String::as_str).collect(),
            Part::Table { heading, .. } => heading.iter().map(String::as_str).collect(),
        }
    }
}

/// Rows under a long table's header on its first page (below its title) and on the next ones.
fn rows_per_page(heading: bool) -> (usize, usize) {
    let g = GEOMETRY;
    let body = PAGE_H - g.margin_top - g.margin_bottom - SLACK;
    let top = TOP_TITLE + if heading { TOP_HEADING } else { 0.0 };
    let fit = |h: f64| ((h / g.row).floor() as usize).saturating_sub(1).max(1);
    (fit(body - top), fit(body))
}

/// The top block's height for a long table's first page.
pub fn table_top(heading: bool) -> f64 {
    TOP_TITLE + if heading { TOP_HEADING } else { 0.0 }
}

/// Cuts the report into parts; charts become files named by `chart_file(n)`.
pub fn parts(
    out: &Output,
    chart_file: &mut dyn FnMut(&str) -> String,
) -> Result<Vec<Part>, RenderError> {
    let mut parts = Vec::new();
    let mut sections: Vec<Value> = Vec::new();
    let mut headings: Vec<String> = Vec::new();
    for s in &out.sections {
        // The heading goes with the section's first item (or alone if it has none).
        let mut heading = (!s.title.is_empty()).then(|| s.title.clone());
        let mut items: Vec<Value> = Vec::new();
        for item in &s.items {
            if let Item::Table(t) = item {
                check_size(t)?;
                let (first, _) = rows_per_page(heading.is_some() && items.is_empty());
                if t.rows.len() > first {
                    // A long table: what came before flows, the table gets pages of its own.
                    if !items.is_empty() {
                        let title = heading.take();
                        headings.extend(title.clone());
                        sections.push(json!({"title": title.unwrap_or_default(), "items": items}));
                        items = Vec::new();
                    }
                    if !sections.is_empty() {
                        parts.push(Part::Flow {
                            sections: std::mem::take(&mut sections),
                            headings: std::mem::take(&mut headings),
                        });
                    }
                    parts.push(long_table(t, heading.take()));
                    continue;
                }
            }
            let v = flow_item(item, &mut items, chart_file);
            if !v.is_null() {
                items.push(v);
            }
        }
        if !items.is_empty() || heading.is_some() {
            headings.extend(heading.clone());
            sections.push(json!({"title": heading.unwrap_or_default(), "items": items}));
        }
    }
    if !sections.is_empty() {
        parts.push(Part::Flow { sections, headings });
    }
    Ok(parts)
}

fn check_size(t: &TableOut) -> Result<(), RenderError> {
    if t.rows.len() > MAX_TABLE_ROWS {
        return Err(RenderError(format!(
            "table `{}` has {} rows; a PDF holds at most {MAX_TABLE_ROWS}: lower the row limit or export XLSX/CSV",
            t.id,
            t.rows.len()
        )));
    }
    Ok(())
}

/// One flowing item as the template reads it; consecutive KPI cards share a row (they are
/// added to the previous value, and `Null` is returned for them).
fn flow_item(
    item: &Item,
    items: &mut [Value],
    chart_file: &mut dyn FnMut(&str) -> String,
) -> Value {
    match item {
        Item::Kpi(k) => match items.last_mut() {
            Some(last) if last["kind"] == "kpis" => {
                last["cards"].as_array_mut().expect("cards").push(json!(k));
                Value::Null
            }
            _ => json!({"kind": "kpis", "cards": [k]}),
        },
        Item::Text(t) => json!({"kind": "text", "text": t.text}),
        Item::Chart(c) => json!({"kind": "chart", "title": c.title, "file": chart_file(&c.svg)}),
        Item::Table(t) => {
            let mut v = table_head(t);
            v["kind"] = json!("table");
            v["rows"] = json!(fit_rows(t));
            v
        }
    }
}

fn long_table(t: &TableOut, heading: Option<String>) -> Part {
    let (first, next) = rows_per_page(heading.is_some());
    let rows = fit_rows(t);
    let mut pages = Vec::with_capacity(rows.len() / next + 2);
    let mut rest = rows.into_iter();
    let mut take = first;
    loop {
        let page: Vec<Vec<String>> = rest.by_ref().take(take).collect();
        if page.is_empty() {
            break;
        }
        pages.push(page);
        take = next;
    }
    Part::Table {
        heading,
        table: table_head(t),
        pages,
    }
}

/// A table's title, note, headers and alignments.
fn table_head(t: &TableOut) -> Value {
    let count = |n: u64| crate::report::format::thousands(n as f64, 0);
    let note = if t.rows.len() as u64 >= t.available_rows {
        format!("{} rows", count(t.available_rows))
    } else {
        format!(
            "First {} of {} rows",
            count(t.rows.len() as u64),
            count(t.available_rows)
        )
    };
    let width = cell_width(t.headers.len());
    let headers: Vec<String> = t.headers.iter().map(|h| fit(h, &FACES[1], width)).collect();
    json!({"title": t.title, "note": note, "headers": headers, "numeric": t.numeric})
}

fn fit_rows(t: &TableOut) -> Vec<Vec<String>> {
    let width = cell_width(t.headers.len());
    t.rows
        .iter()
        .map(|row| row.iter().map(|c| fit(c, &FACES[0], width)).collect())
        .collect()
}

/// The width of text in one cell of a table of `columns` equal columns.
fn cell_width(columns: usize) -> f64 {
    let g = GEOMETRY;
    (PAGE_W - 2.0 * g.margin_x) / columns.max(1) as f64 - 2.0 * g.cell_inset
}

/// The regular and bold faces, for advance widths.
static FACES: LazyLock<[ttf_parser::Face<'static>; 2]> = LazyLock::new(|| {
    let face = |data| ttf_parser::Face::parse(data, 0).expect("embedded font parses");
    [
        face(super::world::FONT_FILES[0]),
        face(super::world::FONT_FILES[1]),
    ]
});

/// `text` on one line within `width` points at the table's text size: line breaks become
/// spaces, and what does not fit is cut with an ellipsis.
fn fit(text: &str, face: &ttf_parser::Face, width: f64) -> String {
    let scale = GEOMETRY.table_text / f64::from(face.units_per_em());
    // A glyph the font lacks is drawn by a fallback font: count it a full em.
    let advance = |c: char| {
        face.glyph_index(c)
            .and_then(|g| face.glyph_hor_advance(g))
            .map_or(GEOMETRY.table_text, |a| f64::from(a) * scale)
    };
    let one_line = |c: char| if c.is_control() { ' ' } else { c };
    // Two per cent spare for kerning and rounding.
    let room = width * 0.98;
    let mut used = 0.0;
    let mut fits = true;
    for c in text.chars() {
        used += advance(one_line(c));
        if used > room {
            fits = false;
            break;
        }
    }
    if fits {
        return if text.chars().any(char::is_control) {
            text.chars().map(one_line).collect()
        } else {
            text.to_string()
        };
    }
    let room = room - advance('…');
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars().map(one_line) {
        used += advance(c);
        if used > room {
            break;
        }
        out.push(c);
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_fitted_to_one_line_of_its_cell() {
        let w = cell_width(8);
        assert_eq!(fit("North", &FACES[0], w), "North");
        assert_eq!(fit("a\nb\tc", &FACES[0], w), "a b c");
        let long = "Wireless noise-cancelling headphones with case";
        let cut = fit(long, &FACES[0], w);
        assert!(cut.ends_with('…') && cut.len() < long.len(), "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')));
        // One column has room for the whole sentence.
        assert_eq!(fit(long, &FACES[0], cell_width(1)), long);
    }

    #[test]
    fn a_page_holds_more_rows_without_a_title_above() {
        let (first, next) = rows_per_page(false);
        let (first_h, _) = rows_per_page(true);
        assert!(first_h < first && first < next, "{first_h} {first} {next}");
        assert!((55..80).contains(&next), "{next}");
    }
}
