//! The slides' layouts: the title slide, key figures, a part of a table, a text block, and the
//! heading and footer every slide but the first has.

use super::parts::{SLIDE_H, SLIDE_W};
use super::xml::{Align, Rect, Run, Slide};
use super::{pictures, Archive, Deck, DARK, GREY, IN, MARGIN, MAX_COLUMNS, MAX_TABLE_ROWS};
use crate::report::run::{Kpi, TableOut};

const GREEN: &str = "2E7D4F";
const RED: &str = "B3261E";
const WHITE: &str = "FFFFFF";

fn run<'a>(text: &'a str, size: u32, bold: bool, color: &'a str) -> Vec<Run<'a>> {
    vec![Run {
        text,
        size,
        bold,
        color,
    }]
}

/// Markdown's marks taken out of a line of a text block.
fn plain(line: &str) -> String {
    line.trim()
        .trim_start_matches(['#', '>', '-', '*', ' '])
        .replace("**", "")
        .replace('`', "")
}

/// A figure's size: smaller as it gets longer, so it stays on one line of its card.
fn value_size(value: &str) -> u32 {
    match value.chars().count() {
        0..=10 => 34,
        11..=14 => 28,
        _ => 22,
    }
}

impl Deck<'_> {
    pub(super) fn heading(&self, slide: &mut Slide, title: &str, note: Option<&str>) {
        slide.rect(Rect(0, 0, SLIDE_W, IN / 12), &self.accent, None, false);
        let title = if title.trim().is_empty() {
            &self.out.name
        } else {
            title
        };
        slide.text(
            Rect(MARGIN, IN * 35 / 100, SLIDE_W - 2 * MARGIN, IN * 6 / 10),
            &[(run(title, 26, true, DARK), Align::Left)],
            false,
        );
        if let Some(note) = note {
            slide.text(
                Rect(MARGIN, IN * 95 / 100, SLIDE_W - 2 * MARGIN, IN * 3 / 10),
                &[(run(note, 12, false, GREY), Align::Left)],
                false,
            );
        }
    }

    pub(super) fn footer(&self, slide: &mut Slide, n: usize, of: usize) {
        let y = SLIDE_H - IN * 45 / 100;
        let left = format!("{} · {}", self.out.name, self.out.generated());
        slide.text(
            Rect(MARGIN, y, SLIDE_W - 2 * MARGIN - IN, IN * 3 / 10),
            &[(run(&left, 10, false, GREY), Align::Left)],
            false,
        );
        let right = format!("{n} / {of}");
        slide.text(
            Rect(SLIDE_W - MARGIN - IN, y, IN, IN * 3 / 10),
            &[(run(&right, 10, false, GREY), Align::Right)],
            false,
        );
    }

    /// The name on the brand colour; below it what it shows, when, what changed; the logo.
    pub(super) fn title_slide(&self, slide: &mut Slide, zip: &mut Archive) -> Result<(), String> {
        let out = self.out;
        slide.rect(Rect(0, 0, SLIDE_W, IN * 3), &self.accent, None, false);
        slide.text(
            Rect(MARGIN + IN / 4, IN / 2, SLIDE_W - 2 * MARGIN, IN * 4 / 10),
            &[(run(&self.brand, 14, false, WHITE), Align::Left)],
            false,
        );
        slide.text(
            Rect(
                MARGIN + IN / 4,
                IN,
                SLIDE_W - 2 * MARGIN - IN / 2,
                IN * 17 / 10,
            ),
            &[(run(&out.name, 40, true, WHITE), Align::Left)],
            true,
        );
        let params = out
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(" · ");
        let generated = format!("Generated {}", out.generated());
        let narrative = out
            .narrative
            .as_deref()
            .map(|n| crate::model::text::truncate(n, 700));
        let mut paragraphs = Vec::new();
        if !out.description.trim().is_empty() {
            paragraphs.push((run(out.description.trim(), 18, false, DARK), Align::Left));
        }
        if !params.is_empty() {
            paragraphs.push((run(&params, 14, false, GREY), Align::Left));
        }
        paragraphs.push((run(&generated, 12, false, GREY), Align::Left));
        if let Some(n) = narrative.as_deref() {
            paragraphs.push((run(" ", 8, false, GREY), Align::Left));
            paragraphs.push((run(n, 14, false, DARK), Align::Left));
        }
        slide.text(
            Rect(
                MARGIN + IN / 4,
                IN * 33 / 10,
                SLIDE_W - 2 * MARGIN - IN * 5 / 2,
                IN * 33 / 10,
            ),
            &paragraphs,
            false,
        );
        if let Some((bytes, kind)) = &self.logo {
            let (bytes, ext) = match *kind {
                "svg" => (
                    crate::render::png::from_svg(&String::from_utf8_lossy(bytes))?,
                    "png",
                ),
                "jpg" => (bytes.clone(), "jpeg"),
                _ => (bytes.clone(), "png"),
            };
            let area = Rect(SLIDE_W - MARGIN - IN * 2, SLIDE_H - MARGIN - IN, IN * 2, IN);
            if let Some(at) = pictures::fit(&bytes, area) {
                let file = zip.picture(&bytes, ext)?;
                slide.picture(at, &file, "Logo");
            }
        }
        Ok(())
    }

    /// Up to six cards: the figure's name, its value, its change against the previous period.
    pub(super) fn kpi_slide(&self, slide: &mut Slide, kpis: &[&Kpi]) {
        self.heading(slide, "Key figures", None);
        let gap = IN / 4;
        // Four cards as two rows of two; otherwise up to three a row.
        let cols: i64 = match kpis.len() {
            4 => 2,
            n => n.clamp(1, 3) as i64,
        };
        let w = ((SLIDE_W - 2 * MARGIN - (cols - 1) * gap) / cols).min(IN * 5);
        let h = IN * 21 / 10;
        for (i, k) in kpis.iter().enumerate() {
            let (x, y) = (
                MARGIN + (i as i64 % cols) * (w + gap),
                IN * 14 / 10 + (i as i64 / cols) * (h + gap),
            );
            slide.rect(Rect(x, y, w, h), "F3F5F7", Some("E3E7EB"), true);
            let (arrow, colour) = match k.direction {
                "up" => ("▲", GREEN),
                "down" => ("▼", RED),
                _ => ("■", GREY),
            };
            let change = match (&k.change, &k.previous) {
                (Some(c), Some(p)) => Some(format!("{arrow} {c} vs previous ({p})")),
                (Some(c), None) => Some(format!("{arrow} {c}")),
                _ => None,
            };
            let mut paragraphs = vec![
                (run(&k.title, 14, false, GREY), Align::Left),
                (run(&k.value, value_size(&k.value), true, DARK), Align::Left),
            ];
            if let Some(c) = change.as_deref() {
                paragraphs.push((run(c, 13, false, colour), Align::Left));
            }
            slide.text(
                Rect(x + IN / 4, y + IN / 5, w - IN / 2, h - IN * 2 / 5),
                &paragraphs,
                false,
            );
        }
    }

    /// Rows `from..` (up to 14) of a table, its header repeated.
    pub(super) fn table_slide(
        &self,
        slide: &mut Slide,
        t: &TableOut,
        from: usize,
        (part, parts): (usize, usize),
    ) {
        let shown = t.rows.len().min(MAX_TABLE_ROWS);
        let to = (from + super::TABLE_ROWS).min(shown);
        let count = |n: usize| crate::report::format::thousands(n as f64, 0);
        let mut note = match shown {
            0 => "No rows".to_string(),
            _ => format!(
                "Rows {}–{} of {}",
                count(from + 1),
                count(to),
                count(t.available_rows as usize)
            ),
        };
        if (shown as u64) < t.available_rows {
            note += &format!(
                " · the first {} are in this deck; XLSX and CSV have them all",
                count(shown)
            );
        }
        let columns = t.headers.len().min(MAX_COLUMNS);
        if columns < t.headers.len() {
            note += &format!(" · {columns} of {} columns", t.headers.len());
        }
        let title = match parts {
            1 => t.title.clone(),
            _ => format!("{} ({part}/{parts})", t.title),
        };
        self.heading(slide, &title, Some(&note));
        if columns == 0 {
            return;
        }
        // Widths from the longest text of each column (header and the first 200 rows).
        let natural: Vec<f64> = (0..columns)
            .map(|c| {
                let longest = t
                    .rows
                    .iter()
                    .take(200)
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .chain([t.headers[c].chars().count()])
                    .max()
                    .unwrap_or(4);
                longest.clamp(4, 40) as f64
            })
            .collect();
        let sum: f64 = natural.iter().sum();
        let width = SLIDE_W - 2 * MARGIN;
        let widths: Vec<i64> = natural
            .iter()
            .map(|n| (width as f64 * n / sum) as i64)
            .collect();
        let cut = |s: &String| crate::model::text::truncate(s, 60);
        let headers: Vec<String> = t.headers[..columns].iter().map(cut).collect();
        let rows: Vec<Vec<String>> = t.rows[from..to]
            .iter()
            .map(|r| r.iter().take(columns).map(cut).collect())
            .collect();
        let size = if columns > 7 { 10 } else { 12 };
        let row_h = IN * 34 / 100;
        slide.table(
            Rect(
                MARGIN,
                IN * 145 / 100,
                width,
                row_h * (rows.len() as i64 + 1),
            ),
            &headers,
            &rows,
            &t.numeric[..columns.min(t.numeric.len())],
            &widths,
            (&self.accent, size),
        );
    }

    /// A text block: headings bold, paragraphs as they are (markdown's marks left out).
    pub(super) fn text_slide(&self, slide: &mut Slide, text: &str) {
        self.heading(slide, "Notes", None);
        let lines: Vec<(String, bool)> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(30)
            .map(|l| (plain(l), l.trim_start().starts_with('#')))
            .collect();
        let paragraphs: Vec<(Vec<Run>, Align)> = lines
            .iter()
            .map(|(l, head)| {
                let size = if *head { 22 } else { 16 };
                (run(l, size, *head, DARK), Align::Left)
            })
            .collect();
        slide.text(
            Rect(MARGIN, IN * 13 / 10, SLIDE_W - 2 * MARGIN, SLIDE_H - IN * 2),
            &paragraphs,
            false,
        );
    }
}
