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
const MAX_TABLE_ROWS: usize = 20_000;

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
    /// From a table row's top to its text's baseline: capitals centred in the row.
    pub row_baseline: f64,
}

const MM: f64 = 72.0 / 25.4;

/// The page's size in points: A4, upright or on its side (`options.landscape`).
#[derive(Debug, Clone, Copy)]
pub struct PageSize {
    pub w: f64,
    pub h: f64,
}

impl PageSize {
    pub fn a4(landscape: bool) -> PageSize {
        let (w, h) = (210.0 * MM, 297.0 * MM);
        if landscape {
            PageSize { w: h, h: w }
        } else {
            PageSize { w, h }
        }
    }
}
pub const GEOMETRY: Geometry = Geometry {
    margin_x: 15.0 * MM,
    margin_top: 18.0 * MM,
    margin_bottom: 20.0 * MM,
    row: 11.0,
    cell_inset: 4.0,
    table_text: 7.5,
    row_baseline: (11.0 + CAP_HEIGHT * 7.5) / 2.0,
};
/// DejaVu Sans's capital height in ems (its H is 1493 of 2048 units tall).
const CAP_HEIGHT: f64 = 1493.0 / 2048.0;
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

/// Rows under a long table's header on its first page (below its title) and on the next ones.
fn rows_per_page(page: PageSize, heading: bool) -> (usize, usize) {
    let g = GEOMETRY;
    let body = page.h - g.margin_top - g.margin_bottom - SLACK;
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
    page: PageSize,
    chart_file: &mut dyn FnMut(&str) -> String,
) -> Result<Vec<Part>, RenderError> {
    let mut parts = Vec::new();
    let mut sections: Vec<Value> = Vec::new();
    let mut headings: Vec<String> = Vec::new();
    for s in &out.sections {
        // The heading goes with the section's first item (or alone if it has none).
        let mut heading = (!s.title.is_empty()).then(|| s.title.clone());
        let mut items: Vec<Value> = Vec::new();
        // A pivot table is laid out as tables of its rows (`PivotOut::as_table`), as many
        // side by side parts as its columns need, each with the row labels.
        let expanded: Vec<std::borrow::Cow<Item>> = s
            .items
            .iter()
            .flat_map(|item| match item {
                Item::Pivot(p) => pivot_bands(p, page)
                    .into_iter()
                    .map(|t| std::borrow::Cow::Owned(Item::Table(t)))
                    .collect(),
                item => vec![std::borrow::Cow::Borrowed(item)],
            })
            .collect();
        for item in &expanded {
            let item: &Item = item;
            if let Item::Table(t) = item {
                check_size(t)?;
                let (first, _) = rows_per_page(page, heading.is_some() && items.is_empty());
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
                    parts.push(long_table(t, page, heading.take()));
                    continue;
                }
            }
            let v = flow_item(item, page, &mut items, chart_file);
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
        return Err(RenderError::Failed(format!(
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
    page: PageSize,
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
        Item::Text(t) => {
            json!({"kind": "text", "markup": crate::report::markdown::to_typst(&t.text)})
        }
        Item::Chart(c) => json!({"kind": "chart", "title": c.title, "file": chart_file(&c.svg)}),
        Item::Pivot(p) => flow_item(&Item::Table(p.as_table()), page, items, chart_file),
        Item::Table(t) => {
            let widths = column_widths(page, &t.headers, &t.rows);
            let mut v = table_head(t, &widths);
            v["kind"] = json!("table");
            v["rows"] = json!(fit_rows(t, &widths));
            v
        }
    }
}

fn long_table(t: &TableOut, page: PageSize, heading: Option<String>) -> Part {
    let (first, next) = rows_per_page(page, heading.is_some());
    let widths = column_widths(page, &t.headers, &t.rows);
    let rows = fit_rows(t, &widths);
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
        table: table_head(t, &widths),
        pages,
    }
}

/// A table's title, note, headers, alignments and column widths (points).
fn table_head(t: &TableOut, widths: &[f64]) -> Value {
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
    let headers: Vec<String> = t
        .headers
        .iter()
        .zip(widths)
        .map(|(h, w)| fit(h, &FACES[1], *w))
        .collect();
    let columns: Vec<f64> = widths
        .iter()
        .map(|w| w + 2.0 * GEOMETRY.cell_inset)
        .collect();
    json!({
        "title": t.title, "note": note, "headers": headers, "numeric": t.numeric,
        "widths": columns,
    })
}

fn fit_rows(t: &TableOut, widths: &[f64]) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(c, w)| fit(c, &FACES[0], *w))
                .collect()
        })
        .collect()
}

/// The width of a page's text for `n` table columns (their insets taken off); half a point
/// spare against rounding when typst adds the columns up.
fn table_room(page: PageSize, n: usize) -> f64 {
    let g = GEOMETRY;
    page.w - 2.0 * g.margin_x - 2.0 * g.cell_inset * n.max(1) as f64 - 0.5
}

/// A pivot's table cut into bands of columns that fit the page at their whole width, each
/// with the row labels (`Revenue pivot (2 of 3)`); one table when all of it fits.
fn pivot_bands(p: &crate::report::run::pivot::PivotOut, page: PageSize) -> Vec<TableOut> {
    let t = p.as_table();
    let labels = p.row_fields.len().max(1);
    let natural = natural_widths(page, &t.headers, &t.rows);
    let label_width: f64 = natural[..labels].iter().sum();
    let mut bands: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = label_width;
    for (c, w) in natural.iter().enumerate().skip(labels) {
        let band = bands.last_mut().expect("a band");
        if !band.is_empty() && used + w > table_room(page, labels + band.len() + 1) {
            bands.push(vec![c]);
            used = label_width + w;
        } else {
            band.push(c);
            used += w;
        }
    }
    if bands.len() == 1 {
        return vec![t];
    }
    let count = bands.len();
    bands
        .into_iter()
        .enumerate()
        .map(|(k, band)| {
            let keep: Vec<usize> = (0..labels).chain(band).collect();
            let pick = |row: &Vec<String>| keep.iter().map(|&c| row[c].clone()).collect();
            TableOut {
                title: format!("{} ({} of {count})", t.title, k + 1),
                headers: keep.iter().map(|&c| t.headers[c].clone()).collect(),
                numeric: keep.iter().map(|&c| t.numeric[c]).collect(),
                rows: t.rows.iter().map(pick).collect(),
                ..t.clone()
            }
        })
        .collect()
}

/// Each column's width at its widest text (header or cell), as `fit` measures it.
fn natural_widths(page: PageSize, headers: &[String], rows: &[Vec<String>]) -> Vec<f64> {
    let n = headers.len().max(1);
    let room = table_room(page, n);
    let mut natural: Vec<f64> = headers
        .iter()
        .map(|h| text_width(h, &FACES[1], room))
        .collect();
    natural.resize(n, 0.0);
    for row in rows {
        for (w, cell) in natural.iter_mut().zip(row) {
            *w = w.max(text_width(cell, &FACES[0], room));
        }
    }
    // `fit` keeps 2 % for kerning: the natural width has it too.
    for w in &mut natural {
        *w = *w / 0.98 + 0.5;
    }
    natural
}

/// The text width of each column: as wide as its widest cell when every column fits
/// the page (the room left shared out evenly); else the widest columns share one cap, so the
/// narrow ones (ids, dates, amounts) keep their whole text and only the widest are cut.
fn column_widths(page: PageSize, headers: &[String], rows: &[Vec<String>]) -> Vec<f64> {
    let n = headers.len().max(1);
    let room = table_room(page, n);
    let natural = natural_widths(page, headers, rows);
    let total: f64 = natural.iter().sum();
    if total <= room {
        let extra = (room - total) / n as f64;
        return natural.iter().map(|w| w + extra).collect();
    }
    let mut sorted = natural.clone();
    sorted.sort_by(f64::total_cmp);
    let (mut rest, mut cap) = (room, room / n as f64);
    for (k, w) in sorted.iter().enumerate() {
        let left = (n - k) as f64;
        if w * left >= rest {
            cap = rest / left;
            break;
        }
        rest -= w;
    }
    natural.iter().map(|w| w.min(cap)).collect()
}

/// A table font's advance widths at the table's text size; those of Latin-1, most of any
/// table's text, looked up once (a lookup in the font's tables per character was a tenth of
/// a short report's time).
struct Face {
    face: ttf_parser::Face<'static>,
    latin1: [f64; 256],
}

impl Face {
    fn new(data: &'static [u8]) -> Face {
        let face = ttf_parser::Face::parse(data, 0).expect("embedded font parses");
        let mut latin1 = [0.0; 256];
        for (i, a) in latin1.iter_mut().enumerate() {
            *a = lookup(&face, char::from(i as u8));
        }
        Face { face, latin1 }
    }
}

/// The advance of one character at the table's text size; a glyph the font lacks is drawn
/// by a fallback font, so it counts a full em.
fn advance(face: &Face, c: char) -> f64 {
    match face.latin1.get(c as usize) {
        Some(a) => *a,
        None => lookup(&face.face, c),
    }
}

fn lookup(face: &ttf_parser::Face, c: char) -> f64 {
    let scale = GEOMETRY.table_text / f64::from(face.units_per_em());
    face.glyph_index(c)
        .and_then(|g| face.glyph_hor_advance(g))
        .map_or(GEOMETRY.table_text, |a| f64::from(a) * scale)
}

/// The width of `text` on one line, measured up to `max`.
fn text_width(text: &str, face: &Face, max: f64) -> f64 {
    let mut w = 0.0;
    for c in text.chars() {
        w += advance(face, c);
        if w > max {
            break;
        }
    }
    w
}

/// The regular and bold faces, for advance widths.
static FACES: LazyLock<[Face; 2]> = LazyLock::new(|| {
    [
        Face::new(super::world::FONT_FILES[0]),
        Face::new(super::world::FONT_FILES[1]),
    ]
});

/// `text` on one line within `width` points at the table's text size: line breaks become
/// spaces, and what does not fit is cut with an ellipsis.
fn fit(text: &str, face: &Face, width: f64) -> String {
    let advance = |c: char| advance(face, c);
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
        let w = 60.0;
        assert_eq!(fit("North", &FACES[0], w), "North");
        assert_eq!(fit("a\nb\tc", &FACES[0], w), "a b c");
        let long = "Wireless noise-cancelling headphones with case";
        let cut = fit(long, &FACES[0], w);
        assert!(cut.ends_with('…') && cut.len() < long.len(), "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')));
        // One column has room for the whole sentence.
        assert_eq!(fit(long, &FACES[0], 500.0), long);
    }

    #[test]
    fn the_rows_baseline_centres_the_fonts_capitals() {
        // DejaVu's OS/2 table has no capital height: measure the H.
        let face = &FACES[0].face;
        let h = face
            .glyph_index('H')
            .and_then(|g| face.glyph_bounding_box(g));
        let cap = f64::from(h.expect("an H").y_max) / f64::from(face.units_per_em());
        assert!((cap - CAP_HEIGHT).abs() < 1e-9, "{cap}");
        let g = GEOMETRY;
        let above = g.row_baseline - cap * g.table_text;
        assert!((above - (g.row - g.row_baseline)).abs() < 1e-9);
    }

    #[test]
    fn latin1_advances_come_from_the_table_and_the_rest_from_the_font() {
        for face in FACES.iter() {
            for c in ['W', 'i', ' ', 'é', 'ß', 'Ω', 'Ж', 'ł', '…'] {
                assert_eq!(advance(face, c), lookup(&face.face, c), "{c}");
            }
            // Wide and narrow letters differ, so the table is not one value.
            assert!(advance(face, 'W') > 2.0 * advance(face, 'i'));
        }
    }

    #[test]
    fn narrow_columns_keep_their_text_and_only_the_widest_are_cut() {
        let a4 = PageSize::a4(false);
        let room = a4.w - 2.0 * GEOMETRY.margin_x;
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let headers = s(&["id", "date", "note"]);
        // Everything fits: each column gets its text and an even share of the rest.
        let rows = vec![s(&["1", "2025-12-31", "short"])];
        let w = column_widths(a4, &headers, &rows);
        let texts: f64 = w.iter().sum::<f64>() + 6.0 * GEOMETRY.cell_inset;
        assert!((texts - room).abs() < 1.0 && w[1] > w[0], "{w:?}");
        // A very long note: the id and the date keep their width, the note takes the rest.
        let rows = vec![s(&["1", "2025-12-31", &"very long words ".repeat(40)])];
        let w = column_widths(a4, &headers, &rows);
        assert!(w[1] >= text_width("2025-12-31", &FACES[0], room), "{w:?}");
        assert_eq!(fit("2025-12-31", &FACES[0], w[1]), "2025-12-31");
        assert!(fit(&rows[0][2], &FACES[0], w[2]).ends_with('…'));
        assert!(w.iter().sum::<f64>() + 6.0 * GEOMETRY.cell_inset <= room);
    }

    #[test]
    fn a_page_holds_more_rows_without_a_title_above() {
        let (first, next) = rows_per_page(PageSize::a4(false), false);
        let (first_h, _) = rows_per_page(PageSize::a4(false), true);
        // On its side a page holds fewer rows.
        let (_, next_l) = rows_per_page(PageSize::a4(true), false);
        assert!(next_l < next * 3 / 4, "{next_l} {next}");
        assert!(first_h < first && first < next, "{first_h} {first} {next}");
        assert!((55..80).contains(&next), "{next}");
    }
}
