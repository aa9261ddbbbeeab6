//! A second value axis on the right with lines over bars: the measures of another unit on a
//! bar chart of several measures (`options.axis2`: revenue in bars, margin % as a line).

use super::axis::*;
use super::legend::*;
use super::*;
use std::collections::HashMap;

/// What a legend entry of the second axis ends with.
const RIGHT: &str = " (right)";

/// Lines on the second axis: each a name and its (category, value) points.
pub(super) struct Overlay<'a> {
    pub lines: &'a [(String, Vec<(String, Option<f64>)>)],
    pub fmt: Option<ValueFormat>,
}

impl Overlay<'_> {
    pub(super) fn none() -> Overlay<'static> {
        Overlay {
            lines: &[],
            fmt: None,
        }
    }

    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.lines
            .iter()
            .flat_map(|(_, pts)| pts.iter().filter_map(|(_, v)| finite(*v)))
    }

    /// The second axis's ticks, from zero; None without lines.
    fn ticks(&self) -> Option<Ticks> {
        if self.lines.is_empty() {
            return None;
        }
        let (lo, hi) = self
            .values()
            .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Some(nice_ticks(lo, hi, 5))
    }

    /// The room right of the plot: the second axis's labels, or the usual margin.
    pub(super) fn room(&self) -> i32 {
        match self.ticks() {
            Some(t) => label_room(&t, self.fmt) + 8 + 14,
            None => 16,
        }
    }

    /// The lines' legend entries, coloured after the `bars` series.
    pub(super) fn legend(&self, bars: usize) -> Vec<(String, RGBColor)> {
        let n = bars + self.lines.len();
        self.lines
            .iter()
            .enumerate()
            .map(|(k, (name, _))| {
                // The name cut to leave room for what says where its axis is.
                let room = MAX_LABEL - text_width(RIGHT, LABEL_PX);
                let name = fit(&shown(name), room, LABEL_PX);
                (format!("{name}{RIGHT}"), series_colour(bars + k, n))
            })
            .collect()
    }

    /// The second axis's labels right of the frame, and each line through its categories'
    /// centres (`index` of a category; `keys` what a mark of category i links to).
    pub(super) fn draw(
        &self,
        pen: &Pen,
        f: Frame,
        index: &HashMap<&str, usize>,
        centre: impl Fn(usize) -> i32,
        keys: &[&str],
        bars: usize,
    ) -> Drawn {
        let Some(ticks) = self.ticks() else {
            return Ok(());
        };
        let y = Scale::new((ticks.lo, ticks.hi), (f.b, f.t));
        for &v in &ticks.values {
            let label = tick_label(v, ticks.step, self.fmt);
            pen.text(
                &label,
                (f.r + 8, y.px(v)),
                LABEL_PX,
                INK,
                HPos::Left,
                VPos::Center,
            )?;
        }
        let n = bars + self.lines.len();
        for (k, (name, pts)) in self.lines.iter().enumerate() {
            let colour = series_colour(bars + k, n);
            let mut at: Vec<(usize, f64)> = pts
                .iter()
                .filter_map(|(cat, v)| Some((*index.get(cat.as_str())?, finite(*v)?)))
                .filter(|(i, _)| *i < keys.len())
                .collect();
            at.sort_by_key(|(i, _)| *i);
            let line: Vec<(i32, i32)> = at.iter().map(|(i, v)| (centre(*i), y.px(*v))).collect();
            if line.len() > 1 {
                pen.path(line.clone(), colour.stroke_width(2))?;
            }
            for ((i, v), p) in at.iter().zip(&line) {
                let title = mark::title(&format!("{} · {}", keys[*i], shown(name)), *v, self.fmt);
                pen.mark(Some(keys[*i]), &title, || {
                    pen.circle(*p, 4, colour.filled())
                })?;
            }
        }
        Ok(())
    }
}
