//! Legends and notes: the band above the plot, series colours, and what was left out.

use super::*;

/// Legend entries flowed into at most two rows; what does not fit is counted as `+N more`.
pub(super) struct Legend {
    rows: Vec<Vec<(String, Option<RGBColor>)>>,
}

const LEGEND_ROW: i32 = 20;
/// The side of a legend's colour square.
pub(super) const SWATCH: i32 = 12;

impl Legend {
    /// Lays the entries out in `room` pixels of width.
    pub(super) fn new(items: &[(String, RGBColor)], room: f64) -> Self {
        let entry = |name: &str| SWATCH as f64 + 6.0 + text_width(name, LABEL_PX) + 18.0;
        let full: Vec<String> = items.iter().map(|(n, _)| shown(n)).collect();
        let names = fit_all(full.iter().map(String::as_str), MAX_LABEL, LABEL_PX);
        let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
        let mut used = 0.0;
        for (i, name) in names.iter().enumerate() {
            let w = entry(name);
            if used + w > room && rows.last().is_some_and(|r| !r.is_empty()) {
                rows.push(Vec::new());
                used = 0.0;
            }
            used += w;
            if let Some(row) = rows.last_mut() {
                row.push(i);
            }
        }
        let mut more = None;
        if rows.len() > 2 {
            rows.truncate(2);
            loop {
                let hidden = items.len() - rows[0].len() - rows[1].len();
                let text = format!("+{} more", format::thousands(hidden as f64, 0));
                let used: f64 = rows[1].iter().map(|&i| entry(&names[i])).sum();
                if used + text_width(&text, LABEL_PX) <= room || rows[1].is_empty() {
                    more = Some(text);
                    break;
                }
                rows[1].pop();
            }
        }
        let mut rows: Vec<Vec<(String, Option<RGBColor>)>> = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|i| (names[i].clone(), Some(items[i].1)))
                    .collect()
            })
            .collect();
        if let (Some(text), Some(last)) = (more, rows.last_mut()) {
            last.push((text, None));
        }
        rows.retain(|r| !r.is_empty());
        Legend { rows }
    }

    pub(super) fn height(&self) -> i32 {
        self.rows.len() as i32 * LEGEND_ROW
    }

    pub(super) fn draw(&self, pen: &Pen, x0: i32, y0: i32) -> Drawn {
        for (r, row) in self.rows.iter().enumerate() {
            let y = y0 + r as i32 * LEGEND_ROW;
            let mut x = x0;
            for (name, colour) in row {
                match colour {
                    Some(c) => {
                        pen.rect((x, y), (x + SWATCH, y + SWATCH), c.filled())?;
                        pen.text(
                            name,
                            (x + SWATCH + 6, y + SWATCH / 2),
                            LABEL_PX,
                            INK,
                            HPos::Left,
                            VPos::Center,
                        )?;
                        x += SWATCH + 6 + text_width(name, LABEL_PX).ceil() as i32 + 18;
                    }
                    None => {
                        pen.text(
                            name,
                            (x, y + SWATCH / 2),
                            LABEL_PX,
                            MUTED,
                            HPos::Left,
                            VPos::Center,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The band above the plot: a legend on the left, a note (e.g. what was left out) on the right.
pub(super) struct Band {
    legend: Option<Legend>,
    note: Option<String>,
}

impl Band {
    pub(super) fn new(items: &[(String, RGBColor)], note: Option<String>) -> Self {
        let note_w = note
            .as_deref()
            .map_or(0.0, |n| text_width(n, NOTE_PX) + 24.0);
        let legend =
            (!items.is_empty()).then(|| Legend::new(items, width() as f64 - 40.0 - note_w));
        Band { legend, note }
    }

    /// The top of the plot area below the band.
    pub(super) fn bottom(&self) -> i32 {
        let h = match (&self.legend, &self.note) {
            (Some(l), _) => l.height().max(LEGEND_ROW),
            (None, Some(_)) => LEGEND_ROW,
            (None, None) => 0,
        };
        if h > 0 {
            14 + h + 4
        } else {
            16
        }
    }

    /// Draws the legend from `x0` (the plot's left edge) and the note at the right.
    pub(super) fn draw(&self, pen: &Pen, x0: i32) -> Drawn {
        if let Some(l) = &self.legend {
            l.draw(pen, x0, 12)?;
        }
        if let Some(n) = &self.note {
            pen.text(
                n,
                (width() as i32 - 14, 12 + SWATCH / 2),
                NOTE_PX,
                MUTED,
                HPos::Right,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}

/// The colour of series `i` of `n`: the palette, or, past seven when there are more than eight,
/// one grey shared by the rest.
pub(super) fn series_colour(i: usize, n: usize) -> RGBColor {
    if n <= PALETTE.len() || i < PALETTE.len() - 1 {
        PALETTE[i % PALETTE.len()]
    } else {
        OTHER
    }
}

/// Legend entries for series: each name, or seven and `N others` in grey.
pub(super) fn series_legend(names: &[String]) -> Vec<(String, RGBColor)> {
    let n = names.len();
    let mut out: Vec<(String, RGBColor)> = names
        .iter()
        .take(if n <= PALETTE.len() {
            n
        } else {
            PALETTE.len() - 1
        })
        .enumerate()
        .map(|(i, s)| (s.clone(), series_colour(i, n)))
        .collect();
    if n > PALETTE.len() {
        out.push((
            format!(
                "{} others",
                format::thousands((n - (PALETTE.len() - 1)) as f64, 0)
            ),
            OTHER,
        ));
    }
    out
}

/// `Showing the first 200 of 10,000 categories`, when some were left out.
pub(super) fn cap_note(shown_n: usize, total: usize, what: &str) -> Option<String> {
    (total > shown_n).then(|| {
        format!(
            "Showing the first {} of {} {what}",
            format::thousands(shown_n as f64, 0),
            format::thousands(total as f64, 0)
        )
    })
}
