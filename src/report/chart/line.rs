//! Line and area charts over dates, one line per series.

use super::ahead::Overlay;
use super::axis::*;
use super::data::{date_series, Categories, Chart, ChartData};
use super::legend::*;
use super::mapping::{cell, column, date, number, optional_column, series_name, Built};
use super::*;
use crate::data::query::ResultSet;
use crate::model::report::{Visualization, VizType};
use std::collections::HashMap;

/// Up to this many points a line's points are marked with dots.
const MARKERS: usize = 40;
/// Most invisible hover targets a chart without dots gets (a band per day for one line, a
/// circle per point for several), each a mark with its exact value; past this, every k-th
/// point of each line gets one, so a long line still answers a hover.
const MAX_HITS: usize = 2000;
/// The opacity of a target: not seen, but drawn (Plotters skips what is fully transparent).
const HIDDEN: f64 = 0.001;

/// Lines (or areas) over the dates of the column mapped as `x` with the values of `y`, a line
/// per name in `series` when it is mapped; the numbers a column per series, a row per date.
pub fn lines_from(viz: &Visualization, rs: &ResultSet) -> Built {
    lines_axes_from(viz, rs, &[], None)
}

/// [`lines_from`] with the series named in `right` on a second axis at the right, in `fmt2`.
pub fn lines_axes_from(
    viz: &Visualization,
    rs: &ResultSet,
    right: &[String],
    fmt2: Option<ValueFormat>,
) -> Built {
    let m = &viz.data_mapping;
    let (xi, yi) = (column(rs, &m.x, "x")?, column(rs, &m.y, "y")?);
    let si = optional_column(rs, &m.series, "series")?;
    let mut points = Vec::with_capacity(rs.rows.len());
    for r in &rs.rows {
        let Some(d) = date(cell(r, xi), "x")? else {
            continue;
        };
        let Some(name) = series_name(r, si) else {
            continue;
        };
        points.push((name, d, number(cell(r, yi), "y")?));
    }
    let fmt = viz.options.format;
    // A forecast or anomalies, for one line: its values in date order, gaps left out.
    let overlay = if viz.options.forecast.is_some() || viz.options.anomalies {
        if si.is_some() {
            return Err(
                "a forecast or anomalies are drawn for one line; this chart draws one per series"
                    .into(),
            );
        }
        let mut line: Vec<(NaiveDate, f64)> = points
            .iter()
            .filter_map(|(_, d, v)| v.filter(|v| v.is_finite()).map(|v| (*d, v)))
            .collect();
        line.sort_by_key(|p| p.0);
        Overlay::of(viz, &line)?
    } else {
        Overlay::default()
    };
    let mut numbers = points.clone();
    numbers.extend(overlay.rows());
    let (dates, series) = date_series(&numbers);
    let data = ChartData {
        axis2: right.to_vec(),
        kind: viz.kind,
        categories: Categories::Dates(dates),
        series,
        format: fmt,
    };
    Ok(Chart {
        svg: lines_on(
            &points,
            fmt,
            viz.kind == VizType::Area,
            (right, fmt2),
            &overlay,
        )?,
        data: Some(data),
    })
}

/// A line chart of one series over dates, the area below lightly filled; a `None` value is a gap.
pub fn line<V: Copy + Into<Option<f64>>>(
    points: &[(NaiveDate, V)],
    fmt: Option<ValueFormat>,
) -> Result {
    let rows: Vec<(String, NaiveDate, Option<f64>)> = points
        .iter()
        .map(|(d, v)| (String::new(), *d, (*v).into()))
        .collect();
    lines(&rows, fmt, false)
}

/// Lines over dates from rows of (series, date, value), one line per series name in order of
/// first appearance; with one unnamed series there is no legend. `area` fills below each line.
/// A `None` (NULL) value breaks the line instead of dropping it to 0.
pub fn lines(
    rows: &[(String, NaiveDate, Option<f64>)],
    fmt: Option<ValueFormat>,
    area: bool,
) -> Result {
    lines_on(rows, fmt, area, (&[], None), &Overlay::default())
}

/// [`lines`], the series named in `right` drawn on a second axis at the right in its format.
fn lines_on(
    rows: &[(String, NaiveDate, Option<f64>)],
    fmt: Option<ValueFormat>,
    area: bool,
    (right, fmt2): (&[String], Option<ValueFormat>),
    overlay: &Overlay,
) -> Result {
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut series: Vec<Vec<(NaiveDate, Option<f64>)>> = Vec::new();
    for (name, date, v) in rows {
        let i = *index.entry(name.as_str()).or_insert_with(|| {
            names.push(name.clone());
            series.push(Vec::new());
            names.len() - 1
        });
        series[i].push((*date, finite(*v)));
    }
    for s in &mut series {
        s.sort_by_key(|p| p.0);
    }
    let valued = || series.iter().flatten().filter(|p| p.1.is_some());
    let (Some(first), Some(last)) = (valued().map(|p| p.0).min(), valued().map(|p| p.0).max())
    else {
        return Ok(no_data());
    };
    let last = overlay.last_date().map_or(last, |d| d.max(last));
    let on_right = |i: usize| right.contains(&names[i]);
    let range = |second: bool| {
        (0..series.len())
            .filter(|&i| on_right(i) == second)
            .flat_map(|i| series[i].iter().filter_map(|p| p.1))
            .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (lo, hi) = match overlay.range() {
        Some((a, b)) => {
            let (lo, hi) = range(false);
            (lo.min(a), hi.max(b))
        }
        None => range(false),
    };
    let points = valued().count();
    let ticks = nice_ticks(lo, hi, 5);
    let ticks2 = (!right.is_empty()).then(|| {
        let (lo, hi) = range(true);
        nice_ticks(lo, hi, 5)
    });
    let n = names.len();
    let legend = if n > 1 || names.iter().any(|s| !s.is_empty()) {
        let mut l = series_legend(&names);
        for (i, entry) in l.iter_mut().enumerate() {
            if i < n && on_right(i) {
                entry.0 = format!("{} (right)", entry.0);
            }
        }
        l
    } else {
        Vec::new()
    };
    let mut legend = legend;
    let extra = overlay.legend(series_colour(0, n.max(1)));
    if !extra.is_empty() {
        if legend.is_empty() {
            legend.push(("Actual".to_string(), series_colour(0, 1)));
        }
        legend.extend(extra);
    }
    let band = Band::new(&legend, None);
    let room = ticks2
        .as_ref()
        .map_or(36, |t| (label_room(t, fmt2) + 22).max(36));
    let f = Frame::plot(&band, label_room(&ticks, fmt), room, false);
    let span = (last - first).num_days();
    let domain = if span == 0 {
        (-1.0, 1.0)
    } else {
        (0.0, span as f64)
    };
    let x = Scale::new(domain, (f.l, f.r));
    let y1 = Scale::new((ticks.lo, ticks.hi), (f.b, f.t));
    let y2 = ticks2
        .as_ref()
        .map(|t| Scale::new((t.lo, t.hi), (f.b, f.t)));
    let scale = |i: usize| match (on_right(i), y2) {
        (true, Some(s)) => s,
        _ => y1,
    };
    let xd = |d: NaiveDate| x.px((d - first).num_days() as f64);
    // At least three ticks wanted, so a narrow chart still names a date or two.
    let dticks = date_ticks(first, last, ((f.width() / 100.0) as usize).max(3));
    // Grey "others" first, so the coloured series are drawn on top.
    let grey = |i: usize| series_colour(i, n) == OTHER && n > PALETTE.len();
    let order: Vec<usize> = (0..n)
        .filter(|&i| grey(i))
        .chain((0..n).filter(|&i| !grey(i)))
        .collect();
    render(|pen| {
        band.draw(pen, f.l)?;
        value_axis_left(pen, f, y1, &ticks, fmt)?;
        if let (Some(t), Some(s)) = (&ticks2, y2) {
            for &v in &t.values {
                let label = tick_label(v, t.step, fmt2);
                pen.text(
                    &label,
                    (f.r + 8, s.px(v)),
                    LABEL_PX,
                    INK,
                    HPos::Left,
                    VPos::Center,
                )?;
            }
        }
        date_axis_bottom(pen, f, &dticks, xd)?;
        baseline(pen, f)?;
        if n == 1 {
            let end = series[0].iter().rev().find_map(|(d, v)| v.map(|v| (*d, v)));
            overlay.draw(pen, &xd, &y1, series_colour(0, 1), end)?;
        }
        for i in order {
            let y = scale(i);
            let zero = y.px(0.0);
            let vf = if on_right(i) { fmt2 } else { fmt };
            let colour = series_colour(i, n);
            let fill = match (area, n) {
                (true, 1) => 0.25,
                (true, _) => 0.12,
                (false, 1) => 0.12,
                (false, _) => 0.0,
            };
            let (stroke, alpha) = if grey(i) { (1, 0.6) } else { (2, 1.0) };
            let markers = series[i].len() <= MARKERS;
            let hits = !markers;
            // Every `stride`-th point of a line gets a target, keeping all to MAX_HITS or fewer.
            let stride = points.div_ceil(MAX_HITS).max(1);
            for run in series[i].split(|p| p.1.is_none()) {
                let pts: Vec<(i32, i32)> = run
                    .iter()
                    .filter_map(|(d, v)| v.map(|v| (xd(*d), y.px(v))))
                    .collect();
                let (Some(&a), Some(&b)) = (pts.first(), pts.last()) else {
                    continue;
                };
                if fill > 0.0 && pts.len() > 1 {
                    let mut poly = pts.clone();
                    poly.push((b.0, zero));
                    poly.push((a.0, zero));
                    pen.polygon(poly, colour.mix(fill).filled())?;
                }
                if pts.len() > 1 {
                    pen.path(pts.clone(), colour.mix(alpha).stroke_width(stroke))?;
                }
                if markers || hits || pts.len() == 1 {
                    let valued = run.iter().filter_map(|(d, v)| v.map(|v| (d, v)));
                    for (k, (p, (d, v))) in pts.iter().zip(valued).enumerate() {
                        if !(markers || pts.len() == 1) && k % stride != 0 {
                            continue;
                        }
                        let day = d.format("%Y-%m-%d").to_string();
                        let label = match names[i].is_empty() {
                            true => day.clone(),
                            false => format!("{} · {day}", shown(&names[i])),
                        };
                        let title = mark::title(&label, v, vf);
                        if markers || pts.len() == 1 {
                            pen.mark(Some(&day), &title, || {
                                pen.circle(*p, 3, colour.mix(alpha).filled())
                            })?;
                            continue;
                        }
                        pen.hit_mark(Some(&day), &title, || {
                            // Too many points for dots: an invisible target to hover and
                            // click; for one line, the band between its neighbours' midpoints.
                            let hidden = colour.mix(HIDDEN).filled();
                            if n > 1 {
                                return pen.circle(*p, 5, hidden);
                            }
                            let left = k
                                .checked_sub(stride)
                                .map_or(p.0 - 2, |j| (pts[j].0 + p.0) / 2);
                            // The last target reaches the line's end.
                            let right = pts.get(k + stride).map_or(b.0 + 2, |q| (q.0 + p.0) / 2);
                            pen.rect((left, f.t), (right.max(left + 1), f.b), hidden)
                        })?;
                    }
                }
            }
        }
        if n == 1 {
            overlay.marks(pen, &xd, &y1, series_colour(0, 1), fmt)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    fn day(i: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(i)
    }

    /// The rows drawn as a line and as an area.
    fn both(rows: &[(String, NaiveDate, Option<f64>)]) -> [String; 2] {
        [
            lines(rows, None, false).unwrap(),
            lines(rows, None, true).unwrap(),
        ]
    }

    /// Polylines drawn in the first series' colour, by their number of points.
    fn strokes(svg: &str) -> Vec<usize> {
        elements(svg, "polyline", "stroke", &hex(PALETTE[0]))
            .iter()
            .map(|e| e["points"].split_whitespace().count())
            .collect()
    }

    #[test]
    fn a_line_or_area_with_no_rows_says_no_data() {
        assert_eq!(texts(&line::<f64>(&[], None).unwrap()), ["No data"]);
        for svg in both(&[]) {
            assert_eq!(texts(&svg), ["No data"]);
        }
    }

    #[test]
    fn every_point_has_a_title_and_its_day_as_key() {
        let rows = [
            ("East".to_string(), day(0), Some(5.5)),
            ("East".to_string(), day(1), Some(7.0)),
        ];
        let svg = lines(&rows, None, false).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let marks: Vec<(&str, &str)> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("mark"))
            .map(|n| {
                let t = n.children().find(|c| c.tag_name().name() == "title");
                (
                    n.attribute("data-key").unwrap(),
                    t.and_then(|t| t.text()).unwrap(),
                )
            })
            .collect();
        assert_eq!(
            marks,
            [
                ("2025-01-01", "East · 2025-01-01: 5.50"),
                ("2025-01-02", "East · 2025-01-02: 7")
            ]
        );
    }

    #[test]
    fn past_forty_points_each_has_an_invisible_target_with_its_value_and_day() {
        let rows: Vec<(String, NaiveDate, Option<f64>)> = (0..90)
            .map(|i| (String::new(), day(i), Some(i as f64 * 10.0)))
            .collect();
        let svg = lines(&rows, None, false).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let marks: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("mark"))
            .collect();
        assert_eq!(marks.len(), 90);
        for (i, m) in marks.iter().enumerate() {
            let d = day(i as u64).format("%Y-%m-%d").to_string();
            assert_eq!(m.attribute("data-key"), Some(d.as_str()));
            assert_eq!(m.attribute("data-hit"), Some(""));
            let title = m.children().find(|c| c.tag_name().name() == "title");
            let want = format!(
                "{d}: {}",
                crate::report::format::value(i as f64 * 10.0, None)
            );
            assert_eq!(title.and_then(|t| t.text()), Some(want.as_str()));
            // No dot: a band the height of the plot that is not drawn.
            let shape = m
                .children()
                .find(|c| c.is_element() && c.tag_name().name() != "title")
                .unwrap();
            assert_eq!(shape.tag_name().name(), "rect", "{svg}");
            assert_eq!(
                shape.attribute("opacity"),
                Some("0.001"),
                "{:?}",
                shape.attributes().collect::<Vec<_>>()
            );
        }
        assert!(elements(&svg, "circle", "fill", &hex(PALETTE[0])).is_empty());
        // Documents leave the targets out, and nothing else.
        let bare = without_hits(&svg);
        assert!(!bare.contains("class=\"mark\"") && !bare.contains("opacity=\"0.001\""));
        assert_eq!(texts(&bare), texts(&svg));
        assert_eq!(strokes(&bare), [90]);
        // Several lines: a circle per point.
        let two: Vec<(String, NaiveDate, Option<f64>)> = (0..90)
            .flat_map(|i| {
                [
                    ("A".into(), day(i), Some(1.0)),
                    ("B".into(), day(i), Some(2.0)),
                ]
            })
            .collect();
        let svg = lines(&two, None, true).unwrap();
        assert_eq!(svg.matches("<a class=\"mark\"").count(), 180);
    }

    #[test]
    fn a_line_too_long_for_a_target_a_point_gets_one_every_few_points_covering_it_all() {
        let rows: Vec<(String, NaiveDate, Option<f64>)> = (0..5000)
            .map(|i| (String::new(), day(i), Some((i % 97) as f64)))
            .collect();
        let svg = lines(&rows, None, false).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let marks: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("mark"))
            .collect();
        // Every third day (5,000 points, at most 2,000 targets), each with its own value.
        assert_eq!(marks.len(), 1667);
        let mut edges = Vec::new();
        for (j, m) in marks.iter().enumerate() {
            let i = j as u64 * 3;
            let d = day(i).format("%Y-%m-%d").to_string();
            assert_eq!(m.attribute("data-key"), Some(d.as_str()));
            let title = m.children().find(|c| c.tag_name().name() == "title");
            let want = format!(
                "{d}: {}",
                crate::report::format::value((i % 97) as f64, None)
            );
            assert_eq!(title.and_then(|t| t.text()), Some(want.as_str()));
            let rect = m
                .children()
                .find(|c| c.tag_name().name() == "rect")
                .unwrap();
            let x: i32 = rect.attribute("x").unwrap().parse().unwrap();
            let w: i32 = rect.attribute("width").unwrap().parse().unwrap();
            edges.push((x, x + w));
        }
        // The bands follow one another without gaps from the first day to the last.
        for pair in edges.windows(2) {
            assert!(pair[1].0 <= pair[0].1, "{pair:?}");
        }
        let line = &elements(&svg, "polyline", "stroke", &hex(PALETTE[0]))[0]["points"];
        let xs: Vec<i32> = line
            .split_whitespace()
            .map(|p| p.split(',').next().unwrap().parse().unwrap())
            .collect();
        let (first, last) = (xs[0], *xs.last().unwrap());
        assert!(
            edges[0].0 <= first && edges.last().unwrap().1 >= last,
            "{edges:?}"
        );
    }

    #[test]
    fn a_line_with_one_row_marks_its_point_and_labels_its_date() {
        for svg in both(&[(String::new(), day(0), Some(5.0))]) {
            assert_eq!(elements(&svg, "circle", "fill", &hex(PALETTE[0])).len(), 1);
            assert!(has_text(&svg, "Jan 01"), "{:?}", texts(&svg));
        }
    }

    #[test]
    fn negative_values_get_ticks_below_zero_with_the_sign_before_the_dollar() {
        let svg = line(
            &[(day(0), -1500.0), (day(1), 2500.0)],
            Some(ValueFormat::Currency),
        )
        .unwrap();
        let t = texts(&svg);
        assert!(t.iter().any(|s| s.starts_with("-$")), "{t:?}");
        assert!(t.iter().any(|s| s == "$0"), "{t:?}");
    }

    #[test]
    fn a_null_breaks_the_line_instead_of_dropping_to_zero() {
        let rows: Vec<(String, NaiveDate, Option<f64>)> = (0..7)
            .map(|i| (String::new(), day(i), (i != 3).then_some(10.0 + i as f64)))
            .collect();
        for svg in both(&rows) {
            assert_eq!(strokes(&svg), [3, 3]);
        }
        let nulls: Vec<(NaiveDate, Option<f64>)> = (0..3).map(|i| (day(i), None)).collect();
        assert_eq!(texts(&line(&nulls, None).unwrap()), ["No data"]);
    }

    #[test]
    fn ten_thousand_points_draw_as_one_line_with_year_ticks() {
        let rows: Vec<(String, NaiveDate, Option<f64>)> = (0..10_000)
            .map(|i| (String::new(), day(i), Some((i as f64).sin() * 1e6)))
            .collect();
        for svg in both(&rows) {
            assert_eq!(strokes(&svg), [10_000]);
            assert!(has_text(&svg, "2030"), "{:?}", texts(&svg));
        }
    }

    #[test]
    fn series_get_a_legend_and_long_names_are_cut_with_an_ellipsis() {
        let rows = [
            (LONG.to_string(), day(0), Some(1.0)),
            ("Short".to_string(), day(0), Some(2.0)),
            (LONG.to_string(), day(1), Some(3.0)),
        ];
        for svg in both(&rows) {
            let t = texts(&svg);
            assert!(
                t.iter()
                    .any(|s| s.ends_with('…') && LONG.starts_with(s.trim_end_matches('…'))),
                "{t:?}"
            );
            assert!(
                !t.iter().any(|s| s == LONG) && t.iter().any(|s| s == "Short"),
                "{t:?}"
            );
        }
    }

    #[test]
    fn non_latin_series_names_appear_in_the_legend() {
        let rows: Vec<(String, NaiveDate, Option<f64>)> = WORLD
            .iter()
            .enumerate()
            .map(|(i, s)| (s.to_string(), day(i as u64), Some(i as f64)))
            .collect();
        for svg in both(&rows) {
            for name in WORLD {
                assert!(has_text(&svg, name), "{name}: {:?}", texts(&svg));
            }
        }
    }

    #[test]
    fn past_eight_series_the_rest_share_one_grey_legend_entry() {
        let rows: Vec<(String, NaiveDate, Option<f64>)> = (0..12)
            .map(|i| (format!("S{i}"), day(0), Some(i as f64)))
            .collect();
        let svg = lines(&rows, None, false).unwrap();
        assert!(has_text(&svg, "S6") && has_text(&svg, "5 others") && !has_text(&svg, "S7"));
    }
}
