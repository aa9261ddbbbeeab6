//! Bar charts: vertical, horizontal, stacked, and the waterfall of running totals.

use super::axis::*;
use super::data::{grid_numbers, labelled_numbers, Categories, Chart, ChartData};
use super::legend::*;
use super::mapping::{column, grid_cells, labelled, Built};
use super::*;
use crate::data::query::ResultSet;
use crate::model::report::{Visualization, VizType};
use std::collections::HashMap;

/// Vertical bars past this many are left out (with a note): a bar needs a few pixels.
const MAX_BARS: usize = 200;
/// Horizontal bars need a row each.
const ROW_PX: i32 = 14;

/// Categories with a value, in order, as shown and as given: NULL values are skipped.
fn valued<V: Copy + Into<Option<f64>>>(items: &[(String, V)]) -> Vec<(String, f64, String)> {
    let mut out: Vec<(String, f64, String)> = items
        .iter()
        .filter_map(|(l, v)| finite((*v).into()).map(|v| (shown(l), v, l.clone())))
        .collect();
    let mut labels: Vec<String> = out.iter().map(|(s, _, _)| s.clone()).collect();
    period_labels(&mut labels);
    for ((s, _, _), l) in out.iter_mut().zip(labels) {
        *s = l;
    }
    out
}

/// The lowest and highest of the values and 0.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// `lo..hi` widened so that `below` and `above` pixels of an axis `len` pixels long lie past
/// the data on the sides that have bars: room for value labels.
fn headroom((lo, hi): (f64, f64), len: f64, below: f64, above: f64) -> (f64, f64) {
    let fl = if lo < 0.0 { below / len } else { 0.0 };
    let fh = if hi > 0.0 { above / len } else { 0.0 };
    let span = (hi - lo) / (1.0 - fl - fh).max(0.2);
    (lo - fl * span, hi + fh * span)
}

/// The widest of these labels, in pixels, plus a gap.
fn widest(texts: impl Iterator<Item = String>) -> f64 {
    texts.map(|t| text_width(&t, LABEL_PX)).fold(0.0, f64::max) + 8.0
}

/// The centre of slot `i` of `n` slots along `from..to`.
fn slot_centre(from: i32, to: i32, n: usize, i: usize) -> i32 {
    let slot = (to - from) as f64 / n.max(1) as f64;
    (from as f64 + slot * (i as f64 + 0.5)).round() as i32
}

/// Bars (vertical, horizontal, or a waterfall) from the columns mapped as `x` and `y`; the
/// numbers are the bars', or a waterfall's changes and running totals.
pub fn bars_from(viz: &Visualization, rs: &ResultSet) -> Built {
    let (items, yi) = labelled(viz, rs, ("x", "y"))?;
    let (fmt, labels) = (viz.options.format, viz.options.value_labels);
    let name = &rs.columns[yi];
    let (data, svg) = match viz.kind {
        VizType::Waterfall => (
            waterfall_numbers(&items, name, fmt),
            waterfall(&items, fmt, labels),
        ),
        VizType::Hbar => (
            labelled_numbers(viz.kind, &items, name, fmt),
            hbar(&items, fmt, labels),
        ),
        _ => (
            labelled_numbers(viz.kind, &items, name, fmt),
            bar(&items, fmt, labels),
        ),
    };
    Ok(Chart {
        svg: svg?,
        data: Some(data),
    })
}

/// The plot's frame raised to leave room under it for its category labels turned, when level
/// ones would be cut or thinned more (`axis::turned_labels`), and moved right when the first
/// one would reach past the canvas's left edge; the plot keeps at least 80 px each way.
fn with_label_room(mut f: Frame, labels: &[String]) -> Frame {
    if let Some(t) = turned_labels(labels, f.width()) {
        f.b = f.b.min(height() as i32 - t.room as i32).max(f.t + 80);
        // The first label hangs left from the middle of its slot, which narrows as the plot does.
        let n = labels.len() as f64;
        let left = ((2.0 * n * t.reach - f.r as f64) / (2.0 * n - 1.0)).ceil() as i32;
        f.l = f.l.max(left.min(f.r - 80));
    }
    f
}

/// Vertical bars, one per category, with optional value labels.
pub fn bar<V: Copy + Into<Option<f64>>>(
    items: &[(String, V)],
    fmt: Option<ValueFormat>,
    value_labels: bool,
) -> Result {
    let all = valued(items);
    if all.is_empty() {
        return Ok(no_data());
    }
    let items = &all[..all.len().min(MAX_BARS)];
    let band = Band::new(&[], cap_note(items.len(), all.len(), "categories"));
    let mut range = extent(items.iter().map(|i| i.1));
    let plot_h = (plot_bottom(false) - band.bottom()) as f64;
    if value_labels {
        range = headroom(range, plot_h, 18.0, 18.0);
    }
    let ticks = nice_ticks(range.0, range.1, 5);
    let labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    let f = with_label_room(
        Frame::plot(&band, label_room(&ticks, fmt), 16, false),
        &labels,
    );
    let y = Scale::new((ticks.lo, ticks.hi), (f.b, f.t));
    let n = items.len();
    let slot = f.width() / n as f64;
    let half = (slot * 0.36).clamp(0.5, 40.0);
    let centre = |i: usize| slot_centre(f.l, f.r, n, i);
    let texts: Vec<String> = items.iter().map(|i| value_label(i.1, fmt)).collect();
    let show_values = value_labels && texts.iter().all(|t| text_width(t, LABEL_PX) <= slot - 2.0);
    render(|pen| {
        band.draw(pen, f.l)?;
        value_axis_left(pen, f, y, &ticks, fmt)?;
        let zero = y.px(0.0);
        for (i, (label, v, key)) in items.iter().enumerate() {
            let c = centre(i) as f64;
            let (x0, x1) = ((c - half).round() as i32, (c + half).round() as i32);
            pen.mark(Some(key), &mark::title(label, *v, fmt), || {
                pen.rect((x0, y.px(*v)), (x1.max(x0 + 1), zero), PALETTE[0].filled())
            })?;
            if show_values {
                let (at, v_pos) = if *v < 0.0 {
                    (y.px(*v) + 3, VPos::Top)
                } else {
                    (y.px(*v) - 3, VPos::Bottom)
                };
                pen.text(
                    &texts[i],
                    (c as i32, at),
                    LABEL_PX,
                    INK,
                    HPos::Center,
                    v_pos,
                )?;
            }
        }
        pen.path(vec![(f.l, zero), (f.r, zero)], AXIS.stroke_width(1))?;
        category_axis_bottom(pen, f, &labels, centre, false)
    })
}

/// Horizontal bars, one row per category (labels on the left, cut with an ellipsis), with
/// optional value labels.
pub fn hbar<V: Copy + Into<Option<f64>>>(
    items: &[(String, V)],
    fmt: Option<ValueFormat>,
    value_labels: bool,
) -> Result {
    let all = valued(items);
    if all.is_empty() {
        return Ok(no_data());
    }
    let b = plot_bottom(false);
    let fits = |top: i32| ((b - top) / ROW_PX).max(1) as usize;
    let mut rows = fits(Band::new(&[], None).bottom());
    if all.len() > rows {
        rows = fits(Band::new(&[], Some(String::new())).bottom());
    }
    let items = &all[..rows.min(all.len())];
    let band = Band::new(&[], cap_note(items.len(), all.len(), "categories"));
    let labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    let room = category_room(&labels);
    let f = Frame::plot(&band, room, 24, false);
    let mut range = extent(items.iter().map(|i| i.1));
    if value_labels {
        let below = widest(
            items
                .iter()
                .filter(|i| i.1 < 0.0)
                .map(|i| value_label(i.1, fmt)),
        );
        let above = widest(
            items
                .iter()
                .filter(|i| i.1 >= 0.0)
                .map(|i| value_label(i.1, fmt)),
        );
        range = headroom(range, (f.r - f.l) as f64, below, above);
    }
    let target = ((width() as i32 - f.l) / 100).clamp(2, 8) as usize;
    let ticks = nice_ticks(range.0, range.1, target);
    let x = Scale::new((ticks.lo, ticks.hi), (f.l, f.r));
    let n = items.len();
    let half = (f.height() / n as f64 * 0.36).clamp(0.5, 14.0);
    let centre = |i: usize| slot_centre(f.t, f.b, n, i);
    render(|pen| {
        band.draw(pen, f.l)?;
        value_axis_bottom(pen, f, x, &ticks, fmt)?;
        let zero = x.px(0.0);
        for (i, (label, v, key)) in items.iter().enumerate() {
            let c = centre(i) as f64;
            let (y0, y1) = ((c - half).round() as i32, (c + half).round() as i32);
            pen.mark(Some(key), &mark::title(label, *v, fmt), || {
                pen.rect((zero, y0), (x.px(*v), y1.max(y0 + 1)), PALETTE[0].filled())
            })?;
            if value_labels {
                let text = value_label(*v, fmt);
                let (at, h) = if *v < 0.0 {
                    (x.px(*v) - 4, HPos::Right)
                } else {
                    (x.px(*v) + 4, HPos::Left)
                };
                pen.text(&text, (at, c as i32), LABEL_PX, INK, h, VPos::Center)?;
            }
        }
        pen.path(vec![(zero, f.t), (zero, f.b)], AXIS.stroke_width(1))?;
        baseline(pen, f)?;
        category_axis_left(pen, f, &labels, room as f64, centre)
    })
}

/// Stacked bars from the columns mapped as `x`, `series` and `y`; the numbers a grid of
/// category by series.
pub fn stacked_bar_from(viz: &Visualization, rs: &ResultSet) -> Built {
    combo_from(viz, rs, false, &[], None)
}

/// Bars of series (side by side, or stacked) with `lines` over them on a second axis in
/// format `fmt2`: each a name and its (category, value) points.
pub fn combo_from(
    viz: &Visualization,
    rs: &ResultSet,
    side_by_side: bool,
    lines: &[(String, Vec<(String, Option<f64>)>)],
    fmt2: Option<ValueFormat>,
) -> Built {
    let m = &viz.data_mapping;
    let (xi, yi) = (column(rs, &m.x, "x")?, column(rs, &m.y, "y")?);
    let si = column(rs, &m.series, "series")?;
    let cells = grid_cells(rs, (xi, si), (yi, "y"))?;
    let fmt = viz.options.format;
    let overlay = super::combo::Overlay { lines, fmt: fmt2 };
    let mut data = grid_numbers(viz.kind, &cells, fmt);
    if let Some(d) = data.as_mut().filter(|_| !lines.is_empty()) {
        let cats = match &d.categories {
            Categories::Labels(l) => l.clone(),
            _ => Vec::new(),
        };
        for (name, pts) in lines {
            let value = |c: &String| pts.iter().find(|(x, _)| x == c).and_then(|(_, v)| *v);
            d.series
                .push((name.clone(), cats.iter().map(value).collect()));
            d.axis2.push(name.clone());
        }
    }
    Ok(Chart {
        svg: series_bars(&cells, fmt, side_by_side, &overlay)?,
        data,
    })
}

/// Bars of stacked segments from rows of (category, series, value): one bar per category, one
/// segment per series, with a legend. Negative values stack below zero. Repeated
/// (category, series) pairs are added; past eight series the rest are one grey "others" segment.
pub fn stacked_bar(rows: &[(String, String, Option<f64>)], fmt: Option<ValueFormat>) -> Result {
    series_bars(rows, fmt, false, &super::combo::Overlay::none())
}

/// [`stacked_bar`], or its series side by side in each category's slot (`side_by_side`), each
/// from zero.
fn series_bars(
    rows: &[(String, String, Option<f64>)],
    fmt: Option<ValueFormat>,
    side_by_side: bool,
    overlay: &super::combo::Overlay,
) -> Result {
    let mut cats: Vec<String> = Vec::new();
    let mut keys: Vec<&str> = Vec::new();
    let mut cat_index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut name_index: HashMap<&str, usize> = HashMap::new();
    let mut cells: Vec<(usize, usize, f64)> = Vec::new();
    for (cat, name, v) in rows {
        let Some(v) = finite(*v) else {
            continue;
        };
        let c = *cat_index.entry(cat.as_str()).or_insert_with(|| {
            cats.push(shown(cat));
            keys.push(cat);
            cats.len() - 1
        });
        let s = *name_index.entry(name.as_str()).or_insert_with(|| {
            names.push(shown(name));
            names.len() - 1
        });
        cells.push((c, s, v));
    }
    if cells.is_empty() {
        return Ok(no_data());
    }
    period_labels(&mut cats);
    let shown_n = cats.len().min(MAX_BARS);
    let groups = names.len().min(PALETTE.len());
    let mut grid = vec![vec![0.0f64; groups]; shown_n];
    for (c, s, v) in cells {
        if c < shown_n {
            grid[c][s.min(groups - 1)] += v;
        }
    }
    let (lo, hi) = grid
        .iter()
        .fold((0.0f64, 0.0f64), |(lo, hi), row| match side_by_side {
            true => row
                .iter()
                .fold((lo, hi), |(lo, hi), v| (lo.min(*v), hi.max(*v))),
            false => {
                let neg: f64 = row.iter().filter(|v| **v < 0.0).sum();
                let pos: f64 = row.iter().filter(|v| **v > 0.0).sum();
                (lo.min(neg), hi.max(pos))
            }
        });
    let ticks = nice_ticks(lo, hi, 5);
    let mut legend = series_legend(&names);
    legend.extend(overlay.legend(names.len()));
    let band = Band::new(&legend, cap_note(shown_n, cats.len(), "categories"));
    let labels = &cats[..shown_n];
    let f = with_label_room(
        Frame::plot(&band, label_room(&ticks, fmt), overlay.room(), false),
        labels,
    );
    let y = Scale::new((ticks.lo, ticks.hi), (f.b, f.t));
    let slot = f.width() / shown_n as f64;
    let half = (slot * 0.36).clamp(0.5, 40.0);
    let centre = |i: usize| slot_centre(f.l, f.r, shown_n, i);
    render(|pen| {
        band.draw(pen, f.l)?;
        value_axis_left(pen, f, y, &ticks, fmt)?;
        for (i, row) in grid.iter().enumerate() {
            let c = centre(i) as f64;
            let (mut x0, mut x1) = ((c - half).round() as i32, (c + half).round() as i32);
            let (mut up, mut down) = (0.0, 0.0);
            let width = 2.0 * half / groups as f64;
            for (s, v) in row.iter().enumerate() {
                let (from, to) = match side_by_side {
                    // Each series its own bar from zero, in its part of the slot.
                    true => {
                        let left = c - half + width * s as f64;
                        x0 = left.round() as i32;
                        x1 = (left + width - 1.0).round() as i32;
                        (0.0, *v)
                    }
                    false => {
                        let base = if *v < 0.0 { &mut down } else { &mut up };
                        let (from, to) = (*base, *base + v);
                        *base = to;
                        (from, to)
                    }
                };
                let x1 = x1.max(x0 + 1);
                if *v == 0.0 {
                    continue;
                }
                let colour = series_colour(s, names.len());
                let name = match s + 1 == groups && names.len() > groups {
                    true => "Others",
                    false => names[s].as_str(),
                };
                let title = mark::title(&format!("{} · {name}", cats[i]), *v, fmt);
                pen.mark(Some(keys[i]), &title, || {
                    pen.rect((x0, y.px(from)), (x1, y.px(to)), colour.filled())
                })?;
                if half >= 4.0 && !side_by_side {
                    // A hairline between segments, so neighbours of similar colour part.
                    pen.path(vec![(x0, y.px(to)), (x1, y.px(to))], WHITE.stroke_width(1))?;
                }
            }
        }
        let zero = y.px(0.0);
        pen.path(vec![(f.l, zero), (f.r, zero)], AXIS.stroke_width(1))?;
        overlay.draw(pen, f, &cat_index, centre, &keys[..shown_n], names.len())?;
        category_axis_bottom(pen, f, labels, centre, false)
    })
}

/// A waterfall from (step, change) items: each bar rises or falls from the running total, in
/// green for increases and vermillion for decreases, and a last bar shows the total.
pub fn waterfall<V: Copy + Into<Option<f64>>>(
    items: &[(String, V)],
    fmt: Option<ValueFormat>,
    value_labels: bool,
) -> Result {
    let mut steps: Vec<(String, f64, Option<String>)> = valued(items)
        .into_iter()
        .map(|(l, v, k)| (l, v, Some(k)))
        .collect();
    if steps.is_empty() {
        return Ok(no_data());
    }
    // Too many steps to draw: the rest become one step, so the total stays right.
    if steps.len() >= MAX_BARS {
        let rest = steps.split_off(MAX_BARS - 2);
        let sum = rest.iter().map(|r| r.1).sum();
        let label = format!("{} more", format::thousands(rest.len() as f64, 0));
        steps.push((label, sum, None));
    }
    let mut bars: Vec<(String, f64, f64, RGBColor)> = Vec::with_capacity(steps.len() + 1);
    let mut total = 0.0;
    for (label, v, _) in &steps {
        let colour = if *v < 0.0 { DOWN } else { UP };
        bars.push((label.clone(), total, total + v, colour));
        total += v;
    }
    bars.push(("Total".into(), 0.0, total, PALETTE[0]));
    let keys: Vec<Option<&str>> = steps.iter().map(|s| s.2.as_deref()).chain([None]).collect();
    let mut range = extent(bars.iter().flat_map(|b| [b.1, b.2]));
    if value_labels {
        let plot_h = (plot_bottom(false) - Band::new(&[], Some(String::new())).bottom()) as f64;
        range = headroom(range, plot_h, 18.0, 18.0);
    }
    let ticks = nice_ticks(range.0, range.1, 5);
    let legend = [
        ("Increase".to_string(), UP),
        ("Decrease".to_string(), DOWN),
        ("Total".to_string(), PALETTE[0]),
    ];
    let band = Band::new(&legend, None);
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let f = with_label_room(
        Frame::plot(&band, label_room(&ticks, fmt), 16, false),
        &labels,
    );
    let y = Scale::new((ticks.lo, ticks.hi), (f.b, f.t));
    let n = bars.len();
    let slot = f.width() / n as f64;
    let half = (slot * 0.36).clamp(0.5, 40.0);
    let centre = |i: usize| slot_centre(f.l, f.r, n, i);
    let texts: Vec<String> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let delta = b.2 - b.1;
            let text = value_label(delta, fmt);
            if i + 1 < n && delta > 0.0 {
                format!("+{text}")
            } else {
                text
            }
        })
        .collect();
    let show_values = value_labels && texts.iter().all(|t| text_width(t, LABEL_PX) <= slot - 2.0);
    render(|pen| {
        band.draw(pen, f.l)?;
        value_axis_left(pen, f, y, &ticks, fmt)?;
        for (i, (label, from, to, colour)) in bars.iter().enumerate() {
            let c = centre(i) as f64;
            let (x0, x1) = ((c - half).round() as i32, (c + half).round() as i32);
            let (top, bottom) = (y.px(from.max(*to)), y.px(from.min(*to)));
            let shown = if i + 1 < n { to - from } else { *to };
            pen.mark(keys[i], &mark::title(label, shown, fmt), || {
                pen.rect(
                    (x0, top),
                    (x1.max(x0 + 1), bottom.max(top + 1)),
                    colour.filled(),
                )
            })?;
            if i + 1 < n && slot >= 6.0 {
                let next = (centre(i + 1) as f64 - half).round() as i32;
                pen.path(
                    vec![(x1, y.px(*to)), (next, y.px(*to))],
                    AXIS.stroke_width(1),
                )?;
            }
            if show_values {
                let falling = to < from || (i + 1 == n && *to < 0.0);
                let (at, v_pos) = if falling {
                    (bottom + 3, VPos::Top)
                } else {
                    (top - 3, VPos::Bottom)
                };
                pen.text(
                    &texts[i],
                    (c as i32, at),
                    LABEL_PX,
                    INK,
                    HPos::Center,
                    v_pos,
                )?;
            }
        }
        let zero = y.px(0.0);
        pen.path(vec![(f.l, zero), (f.r, zero)], AXIS.stroke_width(1))?;
        category_axis_bottom(pen, f, &labels, centre, true)
    })
}

/// A waterfall's numbers: each step's change and the running total after it, then the total.
fn waterfall_numbers(
    items: &[(String, Option<f64>)],
    name: &str,
    fmt: Option<ValueFormat>,
) -> ChartData {
    let mut total = 0.0;
    let mut running = Vec::with_capacity(items.len() + 1);
    for (_, v) in items {
        total += v.unwrap_or(0.0);
        running.push(Some(total));
    }
    running.push(Some(total));
    let mut labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    labels.push("Total".into());
    let changes = items.iter().map(|i| i.1).chain([None]).collect();
    ChartData {
        axis2: Vec::new(),
        kind: VizType::Waterfall,
        categories: Categories::Labels(labels),
        series: vec![
            (name.to_string(), changes),
            ("Running total".into(), running),
        ],
        format: fmt,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    fn items(pairs: &[(&str, Option<f64>)]) -> Vec<(String, Option<f64>)> {
        pairs.iter().map(|(l, v)| (l.to_string(), *v)).collect()
    }

    /// The same items as each chart of the family (stacked: one series named "Series").
    fn family(items: &[(String, Option<f64>)]) -> Vec<(&'static str, String)> {
        let stacked: Vec<(String, String, Option<f64>)> = items
            .iter()
            .map(|(l, v)| (l.clone(), "Series".to_string(), *v))
            .collect();
        vec![
            ("bar", bar(items, None, true).unwrap()),
            ("hbar", hbar(items, None, true).unwrap()),
            ("stacked_bar", stacked_bar(&stacked, None).unwrap()),
            ("waterfall", waterfall(items, None, true).unwrap()),
        ]
    }

    /// Rectangles filled with this colour, legend swatches aside.
    fn bars(svg: &str, colour: RGBColor) -> Vec<BTreeMap<String, String>> {
        let swatch = SWATCH.to_string();
        elements(svg, "rect", "fill", &hex(colour))
            .into_iter()
            .filter(|r| !(r["width"] == swatch && r["height"] == swatch && r["y"] == "12"))
            .collect()
    }

    use std::collections::BTreeMap;

    /// (title, data-key) of each mark, in drawing order.
    fn marks(svg: &str) -> Vec<(String, Option<String>)> {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        doc.descendants()
            .filter(|n| n.tag_name().name() == "a" && n.attribute("class") == Some("mark"))
            .map(|n| {
                let title = n
                    .children()
                    .find(|c| c.tag_name().name() == "title")
                    .and_then(|t| t.text())
                    .unwrap_or_default()
                    .to_string();
                (title, n.attribute("data-key").map(str::to_string))
            })
            .collect()
    }

    /// The category labels under the plot: (text, turned), and the left end of the first
    /// turned one (its anchor, where it ends, less its width across).
    fn axis_labels(svg: &str, bottom: f64) -> Vec<(String, bool)> {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        let first = doc.descendants().find(|n| {
            n.attribute("transform")
                .is_some_and(|t| t.starts_with("rotate("))
        });
        if let Some(n) = first {
            let x: f64 = n.attribute("x").unwrap().parse().unwrap();
            let across = text_width(n.text().unwrap().trim(), LABEL_PX) * 35f64.to_radians().cos();
            assert!(
                x - across >= 0.0,
                "the first turned label is cut at the left: {x} {across}"
            );
        }
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        doc.descendants()
            .filter(|n| n.tag_name().name() == "text")
            .filter(|n| n.attribute("y").and_then(|y| y.parse::<f64>().ok()) > Some(bottom))
            .map(|n| {
                let turned = n
                    .attribute("transform")
                    .is_some_and(|t| t.starts_with("rotate(-35 "));
                (n.text().unwrap_or_default().trim().to_string(), turned)
            })
            // Not the value axis's ticks.
            .filter(|(t, _)| !t.starts_with(|c: char| c.is_ascii_digit() || c == '-'))
            .collect()
    }

    #[test]
    fn long_category_labels_are_turned_whole_rather_than_cut() {
        let products: Vec<(String, Option<f64>)> = (0..10)
            .map(|i| (format!("Product {}", 120 + i), Some(100.0 - i as f64)))
            .collect();
        // At a dashboard widget's width level labels were cut to "Produ…27".
        for width in [600, 340] {
            let svg =
                crate::report::chart::at_width(Some(width), || bar(&products, None, true).unwrap());
            let labels = axis_labels(&svg, 200.0);
            assert!(!svg.contains('…'), "{width}: {svg}");
            assert!(
                labels.iter().all(|(_, turned)| *turned),
                "{width}: {labels:?}"
            );
            if width == 600 {
                let names: Vec<&str> = labels.iter().map(|l| l.0.as_str()).collect();
                let want: Vec<String> = products.iter().map(|p| p.0.clone()).collect();
                assert_eq!(names, want, "every label, whole");
            }
        }
        // The stacked bars and the waterfall turn theirs too.
        let stacked: Vec<(String, String, Option<f64>)> = products
            .iter()
            .map(|(l, v)| (l.clone(), "Series".to_string(), *v))
            .collect();
        for svg in [
            crate::report::chart::at_width(Some(600), || stacked_bar(&stacked, None).unwrap()),
            crate::report::chart::at_width(Some(600), || {
                waterfall(&products, None, false).unwrap()
            }),
        ] {
            assert!(svg.contains("transform=\"rotate(-35 "), "{svg}");
            assert!(!svg.contains("Produ…"), "{svg}");
        }
        // Labels that fit level stay level, and a very long one is cut once turned.
        let short = items(&[
            ("North", Some(3.0)),
            ("South", Some(2.0)),
            ("East", Some(1.0)),
        ]);
        let svg = bar(&short, None, true).unwrap();
        assert!(!svg.contains("rotate("), "{svg}");
        let mut long = products.clone();
        long[0].0 = "A product with a name far too long to show in full under a bar".into();
        let svg = crate::report::chart::at_width(Some(600), || bar(&long, None, true).unwrap());
        let labels = axis_labels(&svg, 200.0);
        assert!(labels[0].0.ends_with('…') && labels[0].1, "{labels:?}");
        assert_eq!(labels[1].0, "Product 121", "{labels:?}");
    }

    #[test]
    fn every_mark_carries_its_title_as_a_tip() {
        let svg = bar(
            &items(&[("North", Some(1200.25)), ("South & co", Some(80.5))]),
            None,
            true,
        )
        .unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
        let tips: Vec<(String, String)> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("mark"))
            .map(|n| {
                let title = n
                    .children()
                    .find(|c| c.tag_name().name() == "title")
                    .and_then(|t| t.text());
                (
                    n.attribute("data-tip").unwrap_or_default().to_string(),
                    title.unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(tips.len(), 2, "{svg}");
        assert!(tips.iter().all(|(tip, title)| tip == title), "{tips:?}");
        assert!(tips[1].0.starts_with("South & co: "), "{tips:?}");
    }

    #[test]
    fn every_bar_has_a_title_with_its_label_and_exact_value() {
        // Revenue by region, summed here from order lines, shown exactly (not as 1.2k).
        let lines = [
            ("North", 1200.25),
            ("South", 80.5),
            ("North", 34.0),
            ("East & West", 999.99),
        ];
        let mut sums: Vec<(String, f64)> = Vec::new();
        for (region, v) in lines {
            match sums.iter_mut().find(|s| s.0 == region) {
                Some(s) => s.1 += v,
                None => sums.push((region.to_string(), v)),
            }
        }
        let svg = bar(&sums, Some(ValueFormat::Currency), true).unwrap();
        assert_eq!(
            marks(&svg),
            [
                ("North: $1,234.25".to_string(), Some("North".to_string())),
                ("South: $80.50".to_string(), Some("South".to_string())),
                (
                    "East & West: $999.99".to_string(),
                    Some("East & West".to_string())
                ),
            ]
        );
        // Each mark holds its bar.
        let doc = roxmltree::Document::parse(&svg).unwrap();
        for a in doc.descendants().filter(|n| n.tag_name().name() == "a") {
            assert_eq!(
                a.children()
                    .filter(|c| c.tag_name().name() == "rect")
                    .count(),
                1
            );
        }
        for (kind, svg) in family(
            &sums
                .iter()
                .map(|(l, v)| (l.clone(), Some(*v)))
                .collect::<Vec<_>>(),
        ) {
            let titles: Vec<String> = marks(&svg).into_iter().map(|m| m.0).collect();
            let want = match kind {
                "stacked_bar" => "North · Series: 1,234.25",
                _ => "North: 1,234.25",
            };
            assert!(titles.iter().any(|t| t == want), "{kind}: {titles:?}");
        }
        let linked = link_marks(&svg, |k| (k != "South").then(|| format!("/rows?value={k}")));
        let doc = roxmltree::Document::parse(&linked).unwrap();
        let hrefs: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.attribute("href"))
            .collect();
        assert_eq!(hrefs, ["/rows?value=North", "/rows?value=East & West"]);
    }

    #[test]
    fn bar_charts_with_no_rows_or_only_nulls_say_no_data() {
        for rows in [items(&[]), items(&[("a", None), ("b", Some(f64::NAN))])] {
            for (kind, svg) in family(&rows) {
                assert_eq!(texts(&svg), ["No data"], "{kind}");
            }
        }
    }

    #[test]
    fn bar_charts_with_one_row_draw_one_bar_and_its_label() {
        for (kind, svg) in family(&items(&[("North", Some(1234.0))])) {
            assert!(has_text(&svg, "North"), "{kind}: {:?}", texts(&svg));
            let colour = if kind == "waterfall" { UP } else { PALETTE[0] };
            assert_eq!(bars(&svg, colour).len(), 1, "{kind}");
        }
        let svg = bar(
            &[("North".to_string(), 1234.0)],
            Some(ValueFormat::Currency),
            true,
        )
        .unwrap();
        assert!(has_text(&svg, "$1,234"), "{:?}", texts(&svg));
    }

    #[test]
    fn a_waterfall_ends_with_a_total_bar() {
        let svg = waterfall(
            &items(&[
                ("Revenue", Some(500.0)),
                ("Costs", Some(-200.0)),
                ("Tax", Some(-50.0)),
            ]),
            None,
            true,
        )
        .unwrap();
        let t = texts(&svg);
        assert_eq!(t.last().map(String::as_str), Some("Total"), "{t:?}");
        assert!(
            has_text(&svg, "+500") && has_text(&svg, "-200") && has_text(&svg, "250"),
            "{t:?}"
        );
        assert_eq!(bars(&svg, UP).len(), 1);
        assert_eq!(bars(&svg, DOWN).len(), 2);
        // The total bar starts at zero, the steps at the running total.
        let total = &bars(&svg, PALETTE[0])[0];
        let revenue = &bars(&svg, UP)[0];
        let bottom = |r: &BTreeMap<String, String>| {
            r["y"].parse::<i32>().unwrap() + r["height"].parse::<i32>().unwrap()
        };
        assert_eq!(bottom(total), bottom(revenue));
    }

    #[test]
    fn negative_values_draw_below_zero_with_their_own_colour_in_a_waterfall() {
        let rows = items(&[("Gain", Some(300.0)), ("Loss", Some(-700.0))]);
        for (kind, svg) in family(&rows) {
            let t = texts(&svg);
            assert!(t.iter().any(|s| s.starts_with('-')), "{kind}: {t:?}");
        }
        let svg = waterfall(&rows, None, false).unwrap();
        assert_eq!(bars(&svg, DOWN).len(), 1);
        let svg = stacked_bar(
            &[
                ("Q1".into(), "In".into(), Some(5.0)),
                ("Q1".into(), "Out".into(), Some(-3.0)),
            ],
            None,
        )
        .unwrap();
        assert_eq!(bars(&svg, PALETTE[1]).len(), 1);
    }

    #[test]
    fn nulls_are_skipped_not_drawn_as_zero() {
        let rows = items(&[("Kept", Some(5.0)), ("Null", None), ("Also", Some(3.0))]);
        for (kind, svg) in family(&rows) {
            assert!(!has_text(&svg, "Null"), "{kind}");
            assert!(has_text(&svg, "Kept") && has_text(&svg, "Also"), "{kind}");
        }
    }

    #[test]
    fn ten_thousand_rows_show_what_fits_and_say_so() {
        let rows: Vec<(String, Option<f64>)> = (0..10_000)
            .map(|i| (format!("Item {i}"), Some((i % 97) as f64 - 40.0)))
            .collect();
        for (kind, svg) in family(&rows) {
            let t = texts(&svg);
            match kind {
                "waterfall" => {
                    // The steps that do not fit are one step, so the total stays right.
                    assert_eq!(t.last().map(String::as_str), Some("Total"), "{t:?}");
                }
                _ => assert!(
                    t.iter().any(|s| s.starts_with("Showing the first")
                        && s.ends_with("of 10,000 categories")),
                    "{kind}: {t:?}"
                ),
            }
        }
        let svg = waterfall(&rows, None, false).unwrap();
        assert_eq!(
            bars(&svg, UP).len() + bars(&svg, DOWN).len() + bars(&svg, PALETTE[0]).len(),
            MAX_BARS
        );
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        for (kind, svg) in family(&items(&[(LONG, Some(1.0)), ("Short", Some(2.0))])) {
            let t = texts(&svg);
            assert!(!t.iter().any(|s| s == LONG), "{kind}: {t:?}");
            assert!(
                t.iter()
                    .any(|s| s.ends_with('…') && LONG.starts_with(s.trim_end_matches('…'))),
                "{kind}: {t:?}"
            );
        }
    }

    #[test]
    fn non_latin_labels_and_series_are_drawn_as_given() {
        let rows: Vec<(String, Option<f64>)> =
            WORLD.iter().map(|s| (s.to_string(), Some(1.0))).collect();
        for (kind, svg) in family(&rows) {
            for name in WORLD {
                assert!(has_text(&svg, name), "{kind} {name}: {:?}", texts(&svg));
            }
        }
        let stacked: Vec<(String, String, Option<f64>)> = WORLD
            .iter()
            .map(|s| ("Q1".to_string(), s.to_string(), Some(1.0)))
            .collect();
        let svg = stacked_bar(&stacked, None).unwrap();
        for name in WORLD {
            assert!(has_text(&svg, name), "legend {name}");
        }
    }
}
