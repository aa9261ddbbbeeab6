//! Heatmaps: a grid of categories coloured by value, with a small colour scale.

use super::axis::*;
use super::data::{grid_numbers, Chart};
use super::legend::*;
use super::mapping::{column, grid_cells, Built};
use super::*;
use crate::data::query::ResultSet;
use crate::model::report::Visualization;
use std::collections::{BTreeMap, HashMap};

/// Columns and rows past these are left out (with a note): a cell needs two pixels.
const MAX_COLUMNS: usize = 300;
const MAX_ROWS: usize = 120;

/// ColorBrewer Blues from light to dark: one hue, so order reads without colour vision. It
/// starts above white so that an empty cell (no value) stays distinct from the lowest value.
const RAMP: [RGBColor; 8] = [
    RGBColor(222, 235, 247),
    RGBColor(198, 219, 239),
    RGBColor(158, 202, 225),
    RGBColor(107, 174, 214),
    RGBColor(66, 146, 198),
    RGBColor(33, 113, 181),
    RGBColor(8, 81, 156),
    RGBColor(8, 48, 107),
];

/// The ramp's colour at `t` in 0..=1.
fn ramp(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let pos = t * (RAMP.len() - 1) as f64;
    let i = (pos.floor() as usize).min(RAMP.len() - 2);
    let k = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * k).round() as u8;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A heatmap of the columns mapped as `x` and `y` coloured by `value`; its numbers a grid of x
/// by y, which the workbook colours by value.
pub fn heatmap_from(viz: &Visualization, rs: &ResultSet) -> Built {
    let m = &viz.data_mapping;
    let (xi, yi) = (column(rs, &m.x, "x")?, column(rs, &m.y, "y")?);
    let vi = column(rs, &m.value, "value")?;
    let cells = grid_cells(rs, (xi, yi), (vi, "value"))?;
    let fmt = viz.options.format;
    Ok(Chart {
        svg: heatmap(&cells, fmt)?,
        data: grid_numbers(viz.kind, &cells, fmt),
    })
}

/// A grid from rows of (x category, y category, value), categories in order of first
/// appearance. Repeated pairs are added; a pair with only NULL values is an empty cell.
pub fn heatmap(cells: &[(String, String, Option<f64>)], fmt: Option<ValueFormat>) -> Result {
    let mut xs: Vec<String> = Vec::new();
    let mut ys: Vec<String> = Vec::new();
    let mut x_index: HashMap<&str, usize> = HashMap::new();
    let mut y_index: HashMap<&str, usize> = HashMap::new();
    let mut values: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (x, y, v) in cells {
        let xi = *x_index.entry(x.as_str()).or_insert_with(|| {
            xs.push(shown(x));
            xs.len() - 1
        });
        let yi = *y_index.entry(y.as_str()).or_insert_with(|| {
            ys.push(shown(y));
            ys.len() - 1
        });
        if let Some(v) = finite(*v) {
            *values.entry((xi, yi)).or_insert(0.0) += v;
        }
    }
    let (nx, ny) = (xs.len().min(MAX_COLUMNS), ys.len().min(MAX_ROWS));
    values.retain(|(x, y), v| *x < nx && *y < ny && v.is_finite());
    if values.is_empty() {
        return Ok(no_data());
    }
    let lo = values.values().copied().fold(f64::INFINITY, f64::min);
    let hi = values.values().copied().fold(f64::NEG_INFINITY, f64::max);
    let note = [
        cap_note(nx, xs.len(), "columns"),
        cap_note(ny, ys.len(), "rows"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    let note = (!note.is_empty()).then(|| note.join("; "));
    let band = Band::new(&[], note);
    // The scale's labels: round numbers inside lo..=hi, or the one value.
    let scale_ticks = {
        let mut t = nice_ticks(lo, hi, 4);
        t.values.retain(|v| *v >= lo && *v <= hi);
        if t.values.is_empty() || lo == hi {
            t.values = vec![lo];
            t.step = if lo == hi {
                10f64.powi(-(decimals(lo.abs()) as i32))
            } else {
                t.step
            };
        }
        t
    };
    let scale_w = 14 + 6 + label_room(&scale_ticks, fmt) + 16;
    let room = category_room(&ys[..ny]);
    let f = Frame::plot(&band, room, scale_w + 16, false);
    let (cw, ch) = (f.width() / nx as f64, f.height() / ny as f64);
    let gap = if cw >= 6.0 && ch >= 6.0 { 1 } else { 0 };
    let t_of = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let show_values = ch >= 16.0
        && values
            .values()
            .all(|v| text_width(&value_label(*v, fmt), LABEL_PX) + 6.0 <= cw);
    render(|pen| {
        band.draw(pen, f.l)?;
        for (&(xi, yi), v) in &values {
            let x0 = (f.l as f64 + cw * xi as f64).round() as i32;
            let x1 = (f.l as f64 + cw * (xi + 1) as f64).round() as i32;
            let y0 = (f.t as f64 + ch * yi as f64).round() as i32;
            let y1 = (f.t as f64 + ch * (yi + 1) as f64).round() as i32;
            let t = t_of(*v);
            let title = mark::title(&format!("{} · {}", xs[xi], ys[yi]), *v, fmt);
            pen.mark(None, &title, || {
                pen.rect(
                    (x0, y0),
                    ((x1 - gap).max(x0 + 1), (y1 - gap).max(y0 + 1)),
                    ramp(t).filled(),
                )
            })?;
            if show_values {
                let ink = if t > 0.5 { WHITE } else { INK };
                let at = ((x0 + x1) / 2, (y0 + y1) / 2);
                pen.text(
                    &value_label(*v, fmt),
                    at,
                    LABEL_PX,
                    ink,
                    HPos::Center,
                    VPos::Center,
                )?;
            }
        }
        let x_centre = |i: usize| (f.l as f64 + cw * (i as f64 + 0.5)).round() as i32;
        let y_centre = |i: usize| (f.t as f64 + ch * (i as f64 + 0.5)).round() as i32;
        category_axis_bottom(pen, f, &xs[..nx], x_centre, false)?;
        category_axis_left(pen, f, &ys[..ny], room as f64, y_centre)?;
        colour_scale(pen, f, (lo, hi), &scale_ticks, fmt)
    })
}

/// The colour scale right of the grid: a bar from light (low) at the bottom to dark (high) at
/// the top, with round values beside it.
fn colour_scale(
    pen: &Pen,
    f: Frame,
    (lo, hi): (f64, f64),
    ticks: &Ticks,
    fmt: Option<ValueFormat>,
) -> Drawn {
    let x0 = f.r + 16;
    let (top, bottom) = (f.t, f.t + (f.height() as i32).min(220));
    let strips = 40;
    let h = (bottom - top) as f64 / strips as f64;
    for k in 0..strips {
        let y0 = (bottom as f64 - h * (k + 1) as f64).round() as i32;
        let y1 = (bottom as f64 - h * k as f64).round() as i32;
        let t = (k as f64 + 0.5) / strips as f64;
        pen.rect((x0, y0), (x0 + 14, y1), ramp(t).filled())?;
    }
    let y = Scale::new((lo, hi), (bottom, top));
    for v in &ticks.values {
        let py = if hi > lo {
            y.px(*v)
        } else {
            (top + bottom) / 2
        };
        pen.path(vec![(x0 + 14, py), (x0 + 18, py)], AXIS.stroke_width(1))?;
        pen.text(
            &tick_label(*v, ticks.step, fmt),
            (x0 + 20, py),
            LABEL_PX,
            INK,
            HPos::Left,
            VPos::Center,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    fn cells(rows: &[(&str, &str, Option<f64>)]) -> Vec<(String, String, Option<f64>)> {
        rows.iter()
            .map(|(x, y, v)| (x.to_string(), y.to_string(), *v))
            .collect()
    }

    /// Grid cells: rectangles in a colour of the ramp (the scale's strips are 14 px wide).
    fn grid(svg: &str) -> Vec<String> {
        roxmltree::Document::parse(svg)
            .expect("valid SVG")
            .descendants()
            .filter(|n| n.tag_name().name() == "rect" && n.attribute("width") != Some("14"))
            .filter_map(|n| n.attribute("fill").map(str::to_string))
            .filter(|f| f != "#FFFFFF")
            .collect()
    }

    #[test]
    fn a_heatmap_with_no_rows_or_only_nulls_says_no_data() {
        assert_eq!(texts(&heatmap(&[], None).unwrap()), ["No data"]);
        let nulls = cells(&[("a", "b", None)]);
        assert_eq!(texts(&heatmap(&nulls, None).unwrap()), ["No data"]);
    }

    #[test]
    fn one_row_is_one_cell_with_its_value_and_labels() {
        let svg = heatmap(&cells(&[("Mon", "9h", Some(42.0))]), None).unwrap();
        assert_eq!(grid(&svg).len(), 1);
        assert!(has_text(&svg, "Mon") && has_text(&svg, "9h") && has_text(&svg, "42"));
    }

    #[test]
    fn the_scale_runs_light_to_dark_and_takes_negative_values() {
        let svg = heatmap(
            &cells(&[("a", "r", Some(-50.0)), ("b", "r", Some(50.0))]),
            None,
        )
        .unwrap();
        assert_eq!(grid(&svg), [hex(RAMP[0]), hex(RAMP[RAMP.len() - 1])]);
        assert!(
            has_text(&svg, "-50") && has_text(&svg, "50"),
            "{:?}",
            texts(&svg)
        );
    }

    #[test]
    fn a_null_is_an_empty_cell_not_a_zero() {
        let svg = heatmap(
            &cells(&[
                ("a", "r", Some(1.0)),
                ("b", "r", None),
                ("c", "r", Some(3.0)),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(grid(&svg).len(), 2);
        assert!(has_text(&svg, "b"), "the column stays, empty");
    }

    #[test]
    fn ten_thousand_cells_draw_as_a_grid_and_say_what_was_left_out() {
        let rows: Vec<(String, String, Option<f64>)> = (0..10_000)
            .map(|i| {
                (
                    format!("c{}", i % 50),
                    format!("r{}", i / 50),
                    Some(i as f64),
                )
            })
            .collect();
        let svg = heatmap(&rows, Some(ValueFormat::Integer)).unwrap();
        assert_eq!(grid(&svg).len(), 50 * MAX_ROWS);
        assert!(
            has_text(&svg, "Showing the first 120 of 200 rows"),
            "{:?}",
            texts(&svg)
        );
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        let svg = heatmap(&cells(&[(LONG, LONG, Some(1.0))]), None).unwrap();
        let t = texts(&svg);
        assert!(!t.iter().any(|s| s == LONG), "{t:?}");
        assert_eq!(t.iter().filter(|s| s.ends_with('…')).count(), 2, "{t:?}");
    }

    #[test]
    fn non_latin_labels_are_drawn_as_given() {
        let rows: Vec<(String, String, Option<f64>)> = WORLD
            .iter()
            .map(|s| (s.to_string(), s.to_string(), Some(1.0)))
            .collect();
        let svg = heatmap(&rows, None).unwrap();
        for name in WORLD {
            assert_eq!(
                texts(&svg).iter().filter(|t| *t == name).count(),
                2,
                "{name}"
            );
        }
    }
}
