//! Charts of numeric columns: scatter plots and histograms.

use super::axis::*;
use super::data::{point_series, Categories, Chart, ChartData, MAX_SERIES};
use super::legend::*;
use super::mapping::{cell, column, mapped, number, optional_column, series_name, Built};
use super::*;
use crate::data::query::ResultSet;
use crate::model::report::Visualization;
use std::collections::HashMap;

/// Axis titles: the y column's above the value labels, the x column's under the tick labels.
fn axis_titles(pen: &Pen, f: Frame, x: &str, y: &str) -> Drawn {
    let room = (f.width() / 2.0).min(400.0);
    pen.text(
        &fit(&shown(y), room, LABEL_PX),
        (14, f.t - 8),
        LABEL_PX,
        MUTED,
        HPos::Left,
        VPos::Bottom,
    )?;
    pen.text(
        &fit(&shown(x), room, LABEL_PX),
        (f.r, height() as i32 - 6),
        LABEL_PX,
        MUTED,
        HPos::Right,
        VPos::Bottom,
    )
}

/// A scatter plot of the columns mapped as `x` and `y`, a colour per name in `series` when it
/// is mapped; the numbers each point's x, and its y in its series' column.
pub fn scatter_from(viz: &Visualization, rs: &ResultSet) -> Built {
    let m = &viz.data_mapping;
    let (xi, yi) = (column(rs, &m.x, "x")?, column(rs, &m.y, "y")?);
    let si = optional_column(rs, &m.series, "series")?;
    let mut points = Vec::with_capacity(rs.rows.len());
    for r in &rs.rows {
        let Some(name) = series_name(r, si) else {
            continue;
        };
        let (x, y) = (number(cell(r, xi), "x")?, number(cell(r, yi), "y")?);
        points.push((name, x, y));
    }
    let fmt = viz.options.format;
    let (xs, series) = point_series(&points);
    let data = (series.len() <= MAX_SERIES).then_some(ChartData {
        axis2: Vec::new(),
        kind: viz.kind,
        categories: Categories::Numbers(xs),
        series,
        format: fmt,
    });
    Ok(Chart {
        svg: scatter(&points, (&rs.columns[xi], &rs.columns[yi]), fmt)?,
        data,
    })
}

/// Points from rows of (series, x, y); rows with a NULL x or y are skipped. With several
/// series names each has a colour and a legend entry (past eight, the rest are grey).
/// `titles` names the x and y axes; `fmt` formats the y axis.
pub fn scatter(
    rows: &[(String, Option<f64>, Option<f64>)],
    titles: (&str, &str),
    fmt: Option<ValueFormat>,
) -> Result {
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut points: Vec<(usize, f64, f64)> = Vec::new();
    for (name, x, y) in rows {
        let (Some(x), Some(y)) = (finite(*x), finite(*y)) else {
            continue;
        };
        let s = *index.entry(name.as_str()).or_insert_with(|| {
            names.push(name.clone());
            names.len() - 1
        });
        points.push((s, x, y));
    }
    if points.is_empty() {
        return Ok(no_data());
    }
    let span = |vals: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        (lo, hi)
    };
    let (xlo, xhi) = span(&mut points.iter().map(|p| p.1));
    let (ylo, yhi) = span(&mut points.iter().map(|p| p.2));
    let n = names.len();
    let legend = if n > 1 || names.iter().any(|s| !s.is_empty()) {
        series_legend(&names)
    } else {
        Vec::new()
    };
    let band = Band::new(&legend, None);
    let yt = nice_ticks(ylo, yhi, 5);
    let f = Frame::plot(&band, label_room(&yt, fmt), 28, true);
    let xt = nice_ticks(xlo, xhi, (f.width() / 90.0).clamp(2.0, 10.0) as usize);
    let x = Scale::new((xt.lo, xt.hi), (f.l, f.r));
    let y = Scale::new((yt.lo, yt.hi), (f.b, f.t));
    let (radius, alpha) = match points.len() {
        0..=300 => (4, 0.85),
        301..=3000 => (3, 0.6),
        _ => (2, 0.4),
    };
    let grey = |s: usize| n > PALETTE.len() && series_colour(s, n) == OTHER;
    render(|pen| {
        band.draw(pen, f.l)?;
        value_axis_left(pen, f, y, &yt, fmt)?;
        value_axis_bottom(pen, f, x, &xt, None)?;
        baseline(pen, f)?;
        axis_titles(pen, f, titles.0, titles.1)?;
        // Grey "others" first, so the coloured series are drawn on top.
        for pass in [true, false] {
            for &(s, px, py) in points.iter().filter(|p| grey(p.0) == pass) {
                let colour = series_colour(s, n).mix(alpha);
                let at = (x.px(px), y.px(py));
                let title = format!(
                    "{}{}: {}, {}: {}",
                    match names[s].is_empty() {
                        true => String::new(),
                        false => format!("{} · ", shown(&names[s])),
                    },
                    shown(titles.0),
                    format::value(px, None),
                    shown(titles.1),
                    format::value(py, fmt)
                );
                pen.mark(None, &title, || pen.circle(at, radius, colour.filled()))?;
            }
        }
        Ok(())
    })
}

/// A histogram's bins: the values' span, where the bins start, how wide, and how many values
/// fall in each.
struct Bins {
    lo: f64,
    hi: f64,
    start: f64,
    step: f64,
    counts: Vec<u64>,
}

impl Bins {
    /// The finite values of `values` in about `bins` bins (Sturges' rule when not given);
    /// None when there is none.
    fn of(values: &[Option<f64>], bins: Option<u32>) -> Option<Bins> {
        let vals: Vec<f64> = values.iter().filter_map(|v| finite(*v)).collect();
        if vals.is_empty() {
            return None;
        }
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // Sturges' rule, within reason.
        let target = match bins {
            Some(b) => b.clamp(1, 200) as f64,
            None => ((vals.len() as f64).log2() + 1.0).ceil().clamp(5.0, 30.0),
        };
        let (start, step, count) = bin_edges(lo, hi, target);
        let mut counts = vec![0u64; count];
        for v in &vals {
            let i = ((v - start) / step).floor();
            let i = if i.is_finite() {
                i.max(0.0) as usize
            } else {
                0
            };
            counts[i.min(count - 1)] += 1;
        }
        Some(Bins {
            lo,
            hi,
            start,
            step,
            counts,
        })
    }

    /// Bin `i` in words: `10 to 20`.
    fn label(&self, i: usize, fmt: Option<ValueFormat>) -> String {
        let (a, b) = (
            self.start + i as f64 * self.step,
            self.start + (i + 1) as f64 * self.step,
        );
        format!(
            "{} to {}",
            tick_label(tidy_edge(a, self.step), self.step, fmt),
            tick_label(tidy_edge(b, self.step), self.step, fmt)
        )
    }
}

/// A histogram of the column mapped as `x` (or `value`); the numbers the rows in each bin.
pub fn histogram_from(viz: &Visualization, rs: &ResultSet) -> Built {
    let (vi, what) = mapped(viz, rs, "x")?;
    let mut values = Vec::with_capacity(rs.rows.len());
    for r in &rs.rows {
        values.push(number(cell(r, vi), &what)?);
    }
    let (bins, fmt) = (viz.options.bins, viz.options.format);
    let counts = histogram_counts(&values, bins, fmt);
    let data = (!counts.is_empty()).then(|| ChartData {
        axis2: Vec::new(),
        kind: viz.kind,
        categories: Categories::Labels(counts.iter().map(|c| c.0.clone()).collect()),
        series: vec![(
            "Rows".to_string(),
            counts.iter().map(|c| Some(c.1 as f64)).collect(),
        )],
        format: None,
    });
    Ok(Chart {
        svg: histogram(&values, &rs.columns[vi], bins, fmt)?,
        data,
    })
}

/// The numbers a histogram draws: each bin in words (`10 to 20`) and how many values fall in
/// it, for spreadsheets (empty when no value is a number).
fn histogram_counts(
    values: &[Option<f64>],
    bins: Option<u32>,
    fmt: Option<ValueFormat>,
) -> Vec<(String, u64)> {
    Bins::of(values, bins)
        .map(|b| {
            (0..b.counts.len())
                .map(|i| (b.label(i, fmt), b.counts[i]))
                .collect()
        })
        .unwrap_or_default()
}

/// The counts of values in bins of a round width (about `bins` of them, or as many as the
/// number of values suggests); NULLs are skipped. `name` titles the x axis; `fmt` formats it.
pub fn histogram(
    values: &[Option<f64>],
    name: &str,
    bins: Option<u32>,
    fmt: Option<ValueFormat>,
) -> Result {
    let Some(bins) = Bins::of(values, bins) else {
        return Ok(no_data());
    };
    let Bins {
        lo,
        hi,
        start,
        step,
        ..
    } = bins;
    let (counts, count) = (&bins.counts, bins.counts.len());
    let end = start + step * count as f64;
    let top = counts.iter().copied().max().unwrap_or(1);
    let yt = ticks_with(0.0, top as f64, 5, 1.0);
    let band = Band::new(&[], None);
    let f = Frame::plot(&band, label_room(&yt, None), 28, true);
    let x = Scale::new((start, end), (f.l, f.r));
    let y = Scale::new((yt.lo, yt.hi), (f.b, f.t));
    // Edges as ticks when few, else round numbers inside the bins' span.
    let widest = [start, end]
        .iter()
        .map(|v| text_width(&tick_label(*v, step, fmt), LABEL_PX))
        .fold(0.0, f64::max);
    let fit_n = (f.width() / (widest + 24.0)).max(2.0) as usize;
    let xt = if count == 1 && lo == hi {
        // One value: its own label, in the middle of its bin.
        Ticks {
            lo: start,
            hi: end,
            step: 10f64.powi(-(decimals(lo.abs()) as i32)),
            values: vec![lo],
        }
    } else if count < fit_n {
        Ticks {
            lo: start,
            hi: end,
            step,
            values: (0..=count)
                .map(|i| tidy_edge(start + i as f64 * step, step))
                .collect(),
        }
    } else {
        let mut t = nice_ticks(start, end, fit_n.min(10));
        let eps = step * 1e-9;
        t.values.retain(|v| *v >= start - eps && *v <= end + eps);
        t
    };
    let bin_px = x.unit() * step;
    render(|pen| {
        value_axis_left(pen, f, y, &yt, None)?;
        for (i, c) in counts.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let x0 = x.px(start + i as f64 * step);
            let x1 = x.px(start + (i + 1) as f64 * step);
            let gap = if bin_px >= 4.0 { 1 } else { 0 };
            let bin = bins.label(i, fmt);
            pen.mark(None, &mark::title(&bin, *c as f64, None), || {
                pen.rect(
                    (x0 + gap, y.px(*c as f64)),
                    ((x1 - gap).max(x0 + gap + 1), f.b),
                    PALETTE[0].filled(),
                )
            })?;
        }
        for v in &xt.values {
            let px = x.px(*v);
            pen.path(vec![(px, f.b), (px, f.b + 4)], AXIS.stroke_width(1))?;
            pen.text(
                &tick_label(*v, xt.step, fmt),
                (px, f.b + 8),
                LABEL_PX,
                INK,
                HPos::Center,
                VPos::Top,
            )?;
        }
        baseline(pen, f)?;
        axis_titles(pen, f, name, "Count")
    })
}

/// Bins of a round width covering `lo..=hi`: (first edge, width, count).
fn bin_edges(lo: f64, hi: f64, target: f64) -> (f64, f64, usize) {
    if hi == lo {
        let step = nice_step((lo.abs() * 0.1).max(1.0));
        return (lo - step / 2.0, step, 1);
    }
    let step = nice_step((hi - lo) / target);
    let start = (lo / step).floor() * step;
    let count = ((hi - start) / step).ceil();
    if start.is_finite() && count.is_finite() && (1.0..=1000.0).contains(&count) {
        (start, step, count as usize)
    } else {
        // Spans near the limits of f64: equal bins without rounding.
        let n = target.max(1.0);
        let step = hi / n - lo / n;
        if step.is_finite() && step > 0.0 {
            (lo, step, n as usize)
        } else {
            (lo, 1.0, 1)
        }
    }
}

/// A bin edge without floating-point dust (0.30000000000000004 → 0.3).
fn tidy_edge(v: f64, step: f64) -> f64 {
    let p = 10f64.powi(decimals(step) as i32);
    let r = (v * p).round() / p;
    if r.is_finite() {
        r + 0.0
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    fn points(
        rows: &[(&str, Option<f64>, Option<f64>)],
    ) -> Vec<(String, Option<f64>, Option<f64>)> {
        rows.iter()
            .map(|(s, x, y)| (s.to_string(), *x, *y))
            .collect()
    }

    fn dots(svg: &str) -> usize {
        roxmltree::Document::parse(svg)
            .expect("valid SVG")
            .descendants()
            .filter(|n| n.tag_name().name() == "circle")
            .count()
    }

    /// Histogram bars (the only blue rectangles it draws).
    fn bins(svg: &str) -> usize {
        elements(svg, "rect", "fill", &hex(PALETTE[0])).len()
    }

    #[test]
    fn a_scatter_or_histogram_with_no_rows_or_only_nulls_says_no_data() {
        assert_eq!(texts(&scatter(&[], ("x", "y"), None).unwrap()), ["No data"]);
        let nulls = points(&[("", None, Some(1.0)), ("", Some(1.0), None)]);
        assert_eq!(
            texts(&scatter(&nulls, ("x", "y"), None).unwrap()),
            ["No data"]
        );
        assert_eq!(
            texts(&histogram(&[], "v", None, None).unwrap()),
            ["No data"]
        );
        assert_eq!(
            texts(&histogram(&[None, Some(f64::NAN)], "v", None, None).unwrap()),
            ["No data"]
        );
    }

    #[test]
    fn one_row_is_one_point_or_one_bin_labelled_with_its_value() {
        let svg = scatter(
            &points(&[("", Some(2.0), Some(3.0))]),
            ("price", "units"),
            None,
        )
        .unwrap();
        assert_eq!(dots(&svg), 1);
        assert!(has_text(&svg, "price") && has_text(&svg, "units"));
        let svg = histogram(&[Some(5.25)], "amount", None, None).unwrap();
        assert_eq!(bins(&svg), 1);
        assert!(has_text(&svg, "5.25") && has_text(&svg, "1") && has_text(&svg, "Count"));
    }

    #[test]
    fn negative_values_get_negative_ticks() {
        let svg = scatter(
            &points(&[("", Some(-5.0), Some(-300.0)), ("", Some(5.0), Some(200.0))]),
            ("x", "y"),
            Some(ValueFormat::Currency),
        )
        .unwrap();
        let t = texts(&svg);
        assert!(
            t.iter().any(|s| s.starts_with("-$")) && t.iter().any(|s| s == "-4"),
            "{t:?}"
        );
        let values: Vec<Option<f64>> = (-10..10).map(|v| Some(v as f64)).collect();
        let svg = histogram(&values, "delta", None, None).unwrap();
        assert!(has_text(&svg, "-10"), "{:?}", texts(&svg));
    }

    #[test]
    fn nulls_are_skipped_not_drawn_at_zero() {
        let rows = points(&[
            ("", Some(1.0), Some(1.0)),
            ("", None, Some(2.0)),
            ("", Some(3.0), None),
        ]);
        assert_eq!(dots(&scatter(&rows, ("x", "y"), None).unwrap()), 1);
        let svg = histogram(&[Some(10.0), None, Some(20.0), None], "v", Some(2), None).unwrap();
        // Two values in two bins from 10 to 20: no bin for the NULLs at 0.
        assert_eq!(bins(&svg), 2);
        assert!(
            has_text(&svg, "10") && !has_text(&svg, "5"),
            "{:?}",
            texts(&svg)
        );
    }

    #[test]
    fn ten_thousand_points_are_all_drawn_and_binned() {
        let rows: Vec<(String, Option<f64>, Option<f64>)> = (0..10_000)
            .map(|i| {
                (
                    format!("S{}", i % 3),
                    Some(i as f64),
                    Some((i as f64).cos()),
                )
            })
            .collect();
        let svg = scatter(&rows, ("x", "y"), None).unwrap();
        assert_eq!(dots(&svg), 10_000);
        assert!(has_text(&svg, "S0") && has_text(&svg, "S2"));
        let values: Vec<Option<f64>> = rows.iter().map(|r| r.1).collect();
        let svg = histogram(&values, "v", None, None).unwrap();
        let n = bins(&svg);
        assert!((5..=30).contains(&n), "{n} bins");
        assert!(has_text(&svg, "10k"), "{:?}", texts(&svg));
    }

    #[test]
    fn long_axis_titles_and_series_are_cut_with_an_ellipsis() {
        let rows = points(&[(LONG, Some(1.0), Some(1.0)), ("B", Some(2.0), Some(2.0))]);
        let svg = scatter(&rows, (LONG, LONG), None).unwrap();
        let t = texts(&svg);
        assert!(
            !t.iter().any(|s| s == LONG) && t.iter().filter(|s| s.ends_with('…')).count() >= 3,
            "{t:?}"
        );
        let svg = histogram(&[Some(1.0)], LONG, None, None).unwrap();
        let t = texts(&svg);
        assert!(
            !t.iter().any(|s| s == LONG) && t.iter().any(|s| s.ends_with('…')),
            "{t:?}"
        );
    }

    #[test]
    fn non_latin_series_and_titles_are_drawn_as_given() {
        let rows: Vec<(String, Option<f64>, Option<f64>)> = WORLD
            .iter()
            .enumerate()
            .map(|(i, s)| (s.to_string(), Some(i as f64), Some(i as f64)))
            .collect();
        let svg = scatter(&rows, (WORLD[0], WORLD[2]), None).unwrap();
        for name in WORLD {
            assert!(has_text(&svg, name), "{name}");
        }
        let svg = histogram(&[Some(1.0), Some(2.0)], WORLD[1], None, None).unwrap();
        assert!(has_text(&svg, WORLD[1]));
    }

    #[test]
    fn bins_have_round_edges() {
        assert_eq!(bin_edges(3.0, 97.0, 10.0), (0.0, 10.0, 10));
        assert_eq!(bin_edges(0.0, 10.0, 5.0), (0.0, 2.0, 5));
        assert_eq!(bin_edges(4.0, 4.0, 5.0), (3.5, 1.0, 1));
        let (_, step, n) = bin_edges(-f64::MAX, f64::MAX, 10.0);
        assert!(step.is_finite() && n >= 1);
    }
}
