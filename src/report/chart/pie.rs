//! Pie and donut charts, with a legend giving each share.

use super::data::{labelled_numbers, Chart};
use super::legend::*;
use super::mapping::{labelled, Built};
use super::*;
use crate::data::query::ResultSet;
use crate::model::report::{Visualization, VizType};
use std::f64::consts::{FRAC_PI_2, TAU};

/// A pie or a donut of the columns mapped as `label` and `value` (or `x` and `y`, as bars have
/// them); the numbers a value per slice.
pub fn pie_from(viz: &Visualization, rs: &ResultSet) -> Built {
    let (items, yi) = labelled(viz, rs, ("label", "value"))?;
    let data = labelled_numbers(viz.kind, &items, &rs.columns[yi], viz.options.format);
    let hole = if viz.kind == VizType::Donut {
        0.55
    } else {
        0.0
    };
    Ok(Chart {
        svg: donut(&items, hole)?,
        data: Some(data),
    })
}

/// A donut (or a pie when `hole` is 0) with a legend giving each share in %. Only positive
/// values have a share: NULLs are skipped and negatives are left out with a note. Past eight
/// slices, the seven largest are kept and the rest are one grey slice.
pub fn donut<V: Copy + Into<Option<f64>>>(items: &[(String, V)], hole: f64) -> Result {
    let valued: Vec<(String, f64, Option<String>)> = items
        .iter()
        .filter_map(|(l, v)| finite((*v).into()).map(|v| (shown(l), v, Some(l.clone()))))
        .collect();
    let negatives = valued.iter().filter(|i| i.1 < 0.0).count();
    let mut slices: Vec<(String, f64, Option<String>)> =
        valued.into_iter().filter(|i| i.1 > 0.0).collect();
    if slices.is_empty() {
        return Ok(no_data());
    }
    if slices.len() > PALETTE.len() {
        let mut by_size: Vec<usize> = (0..slices.len()).collect();
        by_size.sort_by(|a, b| slices[*b].1.total_cmp(&slices[*a].1));
        let mut keep = vec![false; slices.len()];
        for i in &by_size[..PALETTE.len() - 1] {
            keep[*i] = true;
        }
        let rest: f64 = (0..slices.len())
            .filter(|i| !keep[*i])
            .map(|i| slices[i].1)
            .sum();
        let others = slices.len() - (PALETTE.len() - 1);
        let mut i = 0;
        slices.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        slices.push((
            format!("{} others", format::thousands(others as f64, 0)),
            rest,
            None,
        ));
    }
    let total: f64 = slices.iter().map(|s| s.1).sum();
    if !(total.is_finite() && total > 0.0) {
        return Ok(no_data());
    }
    let note = (negatives > 0).then(|| {
        format!(
            "{} negative value{} not shown",
            format::thousands(negatives as f64, 0),
            if negatives == 1 { "" } else { "s" }
        )
    });
    let band = Band::new(&[], note);
    let top = band.bottom() as f64;
    let (w, h) = (width() as f64, height() as f64);
    // Legend text: smaller in a narrow chart, where the legend goes under the ring.
    let px = if w >= 600.0 { 15.0 } else { 13.0 };
    let row = px + 11.0;
    let shares: Vec<String> = slices
        .iter()
        .map(|(_, v, _)| match v / total * 100.0 {
            s if s < 0.1 => "<0.1%".to_string(),
            s => format!("{s:.1}%"),
        })
        .collect();
    let share_w = shares.iter().map(|s| text_width(s, px)).fold(0.0, f64::max);
    // A legend row: swatch, name, share right-aligned in a column.
    let legend_w = |names: &[String]| {
        let name_w = names.iter().map(|n| text_width(n, px)).fold(0.0, f64::max);
        (26.0 + name_w + 16.0 + share_w).ceil()
    };
    let fitted = |room: f64| -> Vec<String> {
        fit_all(slices.iter().map(|(l, ..)| l.as_str()), room.max(px), px)
    };
    const PAD: f64 = 14.0;
    const GAP: f64 = 40.0;
    let tall = (h - top - PAD).max(20.0);
    // Beside the ring (names up to 200 px), the ring and legend centred together as one, when
    // that leaves the ring most of the height; else under it, the ring as wide as the chart.
    let beside_names = fitted(200.0_f64.min(w * 0.3));
    let beside = (tall.min(w - 2.0 * PAD - GAP - legend_w(&beside_names)) >= 0.6 * tall)
        .then_some(beside_names);
    let n = slices.len() as f64;
    let (names, size, (cx, cy, r_out), legend_at) = match beside {
        Some(names) => {
            let lw = legend_w(&names);
            let d = tall.min(w - 2.0 * PAD - GAP - lw);
            let x0 = ((w - (d + GAP + lw)) / 2.0).max(PAD);
            let cy = top + tall / 2.0;
            let at = (x0 + d + GAP, (cy - row * n / 2.0).max(top));
            (names, (width(), height()), (x0 + d / 2.0, cy, d / 2.0), at)
        }
        None => {
            let names = fitted(w - 2.0 * PAD - 42.0 - share_w);
            let lw = legend_w(&names);
            let d = (w - 2.0 * PAD).min(260.0);
            let legend_y = top + d + 18.0;
            let canvas = (legend_y + row * n + 4.0).ceil() as u32;
            let at = (((w - lw) / 2.0).max(PAD), legend_y);
            (
                names,
                (width(), canvas),
                (w / 2.0, top + d / 2.0, d / 2.0),
                at,
            )
        }
    };
    let r_out = r_out.max(10.0);
    let r_in = r_out * hole.clamp(0.0, 0.9);
    render_sized(size, |pen| {
        band.draw(pen, 14)?;
        let mut angle = -FRAC_PI_2;
        let point = |r: f64, a: f64| {
            (
                (cx + r * a.cos()).round() as i32,
                (cy + r * a.sin()).round() as i32,
            )
        };
        let mut starts = Vec::new();
        for (i, (label, v, key)) in slices.iter().enumerate() {
            let sweep = v / total * TAU;
            let steps = ((sweep / TAU) * 180.0).ceil().max(2.0) as usize;
            let at = |k: usize| angle + sweep * k as f64 / steps as f64;
            let mut pts: Vec<(i32, i32)> = (0..=steps).map(|k| point(r_out, at(k))).collect();
            if r_in > 0.0 {
                pts.extend((0..=steps).rev().map(|k| point(r_in, at(k))));
            } else {
                pts.push((cx as i32, cy as i32));
            }
            let share = v / total * 100.0;
            let title = format!("{} ({share:.1}%)", mark::title(label, *v, None));
            pen.mark(key.as_deref(), &title, || {
                pen.polygon(pts, series_colour(i, slices.len()).filled())
            })?;
            starts.push(angle);
            angle += sweep;
        }
        if slices.len() > 1 {
            // White spokes part neighbouring slices.
            for a in starts {
                pen.path(
                    vec![point(r_in, a), point(r_out + 1.0, a)],
                    WHITE.stroke_width(2),
                )?;
            }
        }
        let (lx, ly) = (legend_at.0 as i32, legend_at.1 as i32);
        let share_x = lx + legend_w(&names) as i32;
        let swatch = (px + 1.0) as i32;
        for (i, (name, share)) in names.iter().zip(&shares).enumerate() {
            let y = ly + (i as f64 * row) as i32;
            let mid = y + swatch / 2;
            let colour = series_colour(i, slices.len());
            pen.rect((lx, y), (lx + swatch, y + swatch), colour.filled())?;
            pen.text(name, (lx + 26, mid), px, INK, HPos::Left, VPos::Center)?;
            pen.text(share, (share_x, mid), px, MUTED, HPos::Right, VPos::Center)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    /// The items as a pie and as a donut.
    fn both(items: &[(String, Option<f64>)]) -> [String; 2] {
        [donut(items, 0.0).unwrap(), donut(items, 0.55).unwrap()]
    }

    fn items(pairs: &[(&str, Option<f64>)]) -> Vec<(String, Option<f64>)> {
        pairs.iter().map(|(l, v)| (l.to_string(), *v)).collect()
    }

    /// A text's x, y and anchor.
    type Placed = (f64, f64, String);

    /// The (x, y) of every point of the slices' polygons, and of every text with its anchor.
    fn geometry(svg: &str) -> (Vec<(f64, f64)>, Vec<Placed>) {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let mut ring = Vec::new();
        let mut text = Vec::new();
        for n in doc.descendants() {
            match n.tag_name().name() {
                "polygon" => {
                    ring.extend(n.attribute("points").unwrap().split_whitespace().map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    }))
                }
                "text" => text.push((
                    n.attribute("x").unwrap().parse().unwrap(),
                    n.attribute("y").unwrap().parse().unwrap(),
                    n.attribute("text-anchor").unwrap_or("start").to_string(),
                )),
                _ => {}
            }
        }
        (ring, text)
    }

    fn regions() -> Vec<(String, Option<f64>)> {
        [
            "North",
            "East",
            "West",
            "South",
            "Northeast",
            "Central",
            "Southwest",
            "Pacific",
        ]
        .iter()
        .enumerate()
        .map(|(i, r)| (r.to_string(), Some(20.0 - i as f64)))
        .collect()
    }

    #[test]
    fn a_wide_donut_and_its_legend_are_centred_together_filling_the_chart() {
        let svg = donut(&regions(), 0.55).unwrap();
        let (ring, text) = geometry(&svg);
        let left = ring.iter().map(|p| p.0).fold(f64::MAX, f64::min);
        let right = text
            .iter()
            .filter(|t| t.2 == "end")
            .map(|t| t.0)
            .fold(0.0, f64::max);
        let (top, bottom) = (
            ring.iter().map(|p| p.1).fold(f64::MAX, f64::min),
            ring.iter().map(|p| p.1).fold(0.0, f64::max),
        );
        let w = width() as f64;
        assert!(
            (left - (w - right)).abs() < 20.0,
            "margins {left} and {}",
            w - right
        );
        assert!(right - left > 0.55 * w, "{left}..{right} of {w}");
        assert!(
            bottom - top > 0.85 * height() as f64,
            "ring {top}..{bottom}"
        );
    }

    #[test]
    fn a_narrow_donut_puts_its_legend_under_a_ring_as_wide_as_it_can_be() {
        let svg = at_width(Some(340), || donut(&regions(), 0.55)).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let size = |a| {
            doc.root_element()
                .attribute(a)
                .unwrap()
                .parse::<f64>()
                .unwrap()
        };
        let (w, h) = (size("width"), size("height"));
        let (ring, text) = geometry(&svg);
        let ring_bottom = ring.iter().map(|p| p.1).fold(0.0, f64::max);
        let ring_w = ring.iter().map(|p| p.0).fold(0.0, f64::max)
            - ring.iter().map(|p| p.0).fold(f64::MAX, f64::min);
        assert_eq!(w, 340.0);
        assert!(ring_w > 0.7 * w, "ring {ring_w} wide in {w}");
        assert!(
            text.iter().all(|t| t.1 > ring_bottom && t.1 < h),
            "{text:?} under {ring_bottom}, in {h}"
        );
        assert!(text.iter().all(|t| t.0 > 0.0 && t.0 <= w), "{text:?}");
        for name in ["North", "Northeast", "Southwest", "Pacific"] {
            assert!(has_text(&svg, name), "{name}: {:?}", texts(&svg));
        }
    }

    #[test]
    fn a_pie_with_no_rows_or_nothing_positive_says_no_data() {
        for rows in [
            items(&[]),
            items(&[("a", None), ("b", Some(0.0)), ("c", Some(-4.0))]),
        ] {
            for svg in both(&rows) {
                assert_eq!(texts(&svg), ["No data"]);
            }
        }
    }

    #[test]
    fn every_slice_has_a_title_with_its_value_and_share() {
        let svg = donut(&items(&[("Web", Some(300.0)), ("Shop", Some(100.0))]), 0.0).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let titles: Vec<&str> = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "title")
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(titles, ["Web: 300 (75.0%)", "Shop: 100 (25.0%)"]);
    }

    #[test]
    fn a_pie_with_one_row_is_one_whole_slice() {
        for svg in both(&items(&[("Only", Some(3.0))])) {
            assert!(has_text(&svg, "Only") && has_text(&svg, "100.0%"));
            assert_eq!(elements(&svg, "polygon", "fill", &hex(PALETTE[0])).len(), 1);
        }
    }

    #[test]
    fn negative_values_are_left_out_with_a_note() {
        for svg in both(&items(&[("Up", Some(3.0)), ("Down", Some(-1.0))])) {
            assert!(has_text(&svg, "1 negative value not shown") && has_text(&svg, "100.0%"));
            assert!(!has_text(&svg, "Down"));
        }
    }

    #[test]
    fn nulls_are_skipped_and_shares_count_only_values() {
        let rows = items(&[("North", Some(3.0)), ("Null", None), ("South", Some(1.0))]);
        for svg in both(&rows) {
            assert!(has_text(&svg, "75.0%") && has_text(&svg, "25.0%"));
            assert!(!has_text(&svg, "Null"));
        }
    }

    #[test]
    fn ten_thousand_rows_keep_the_seven_largest_and_group_the_rest() {
        let rows: Vec<(String, Option<f64>)> = (0..10_000)
            .map(|i| {
                (
                    format!("Item {i}"),
                    Some(if i == 5_000 { 1e6 } else { 1.0 }),
                )
            })
            .collect();
        for svg in both(&rows) {
            assert!(has_text(&svg, "Item 5000") && has_text(&svg, "9,993 others"));
            assert_eq!(elements(&svg, "polygon", "fill", &hex(OTHER)).len(), 1);
        }
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        for svg in both(&items(&[(LONG, Some(1.0)), ("Short", Some(1.0))])) {
            let t = texts(&svg);
            assert!(!t.iter().any(|s| s == LONG), "{t:?}");
            assert!(t.iter().any(|s| s.ends_with('…')), "{t:?}");
        }
    }

    #[test]
    fn non_latin_labels_are_drawn_as_given() {
        let rows: Vec<(String, Option<f64>)> =
            WORLD.iter().map(|s| (s.to_string(), Some(1.0))).collect();
        for svg in both(&rows) {
            for name in WORLD {
                assert!(has_text(&svg, name), "{name}");
            }
        }
    }
}
