//! Charts drawn with Plotters as SVG strings. The same SVG goes into the page and the PDF.

use super::definition::ValueFormat;
use super::format;
use chrono::NaiveDate;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// Pixel size of a chart; the SVG scales through its viewBox.
pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 340;
/// The font named in the SVG text; embedded in the PDF and served to browsers.
pub const FONT: &str = "DejaVu Sans";

/// Okabe–Ito: a palette readable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(90, 90, 90),
];

type Result = std::result::Result<String, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("chart drawing failed: {e}")
}

/// Shortens labels that would overflow, with an ellipsis.
pub fn truncate(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The explicit empty state.
pub fn no_data() -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let style = TextStyle::from((FONT, 22).into_font())
            .color(&RGBColor(120, 120, 120))
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
        let _ = root.draw_text("No data", &style, ((WIDTH / 2) as i32, (HEIGHT / 2) as i32));
        let _ = root.present();
    }
    svg
}

/// A line chart over dates, the area below lightly filled.
pub fn line(points: &[(NaiveDate, f64)], fmt: Option<ValueFormat>) -> Result {
    if points.is_empty() {
        return Ok(no_data());
    }
    let first = points.iter().map(|p| p.0).min().expect("not empty");
    let last = points.iter().map(|p| p.0).max().expect("not empty");
    let span = (last - first).num_days().max(1);
    let (ymin, ymax) = y_range(points.iter().map(|p| p.1));
    let xy: Vec<(i64, f64)> = points
        .iter()
        .map(|(d, v)| ((*d - first).num_days(), *v))
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(34)
            .y_label_area_size(78)
            .build_cartesian_2d(0i64..span, ymin..ymax)
            .map_err(err)?;
        let date_label = |x: &i64| {
            (first + chrono::Days::new(*x as u64))
                .format("%b %d")
                .to_string()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(220, 220, 220))
            .axis_style(RGBColor(160, 160, 160))
            .x_labels(9)
            .y_labels(6)
            .x_label_formatter(&date_label)
            .y_label_formatter(&|v| format::compact(*v, fmt))
            .label_style((FONT, 14).into_font().color(&RGBColor(70, 70, 70)))
            .draw()
            .map_err(err)?;
        let colour = PALETTE[0];
        chart
            .draw_series(
                AreaSeries::new(
                    xy.iter().copied(),
                    ymin.max(0.0).min(ymax),
                    colour.mix(0.12),
                )
                .border_style(colour.stroke_width(2)),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Vertical bars, one per category, with optional value labels.
pub fn bar(items: &[(String, f64)], fmt: Option<ValueFormat>, value_labels: bool) -> Result {
    if items.is_empty() {
        return Ok(no_data());
    }
    let n = items.len() as i32;
    let (ymin, ymax) = y_range(items.iter().map(|i| i.1));
    let ymax = if value_labels { ymax * 1.08 } else { ymax };
    // About 7 px per character at 12 px: as many characters as a bar is wide.
    let max_label = ((WIDTH as usize - 110) / items.len().max(1) / 7).clamp(4, 24);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(34)
            .y_label_area_size(78)
            // A segmented range includes its end: 0..n-1 gives n slots.
            .build_cartesian_2d((0..(n - 1).max(0)).into_segmented(), ymin..ymax)
            .map_err(err)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => items
                .get(*i as usize)
                .map(|(l, _)| truncate(l, max_label))
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(220, 220, 220))
            .axis_style(RGBColor(160, 160, 160))
            .x_labels(items.len())
            .y_labels(6)
            .x_label_formatter(&label)
            .y_label_formatter(&|v| format::compact(*v, fmt))
            .label_style((FONT, 12).into_font().color(&RGBColor(70, 70, 70)))
            .draw()
            .map_err(err)?;
        let colour = PALETTE[0];
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let i = i as i32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), *v),
                    ],
                    colour.filled(),
                );
                bar.set_margin(0, 0, 8, 8);
                bar
            }))
            .map_err(err)?;
        if value_labels {
            let style = TextStyle::from((FONT, 12).into_font()).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Bottom,
                ),
            );
            chart
                .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                    let text = match fmt {
                        Some(ValueFormat::Currency) => format!("${}", format::thousands(*v, 0)),
                        _ => format::compact(*v, fmt),
                    };
                    Text::new(text, (SegmentValue::CenterOf(i as i32), *v), style.clone())
                }))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A donut (or a pie when `hole` is 0) with a legend giving each share in %.
pub fn donut(items: &[(String, f64)], hole: f64) -> Result {
    let total: f64 = items.iter().map(|i| i.1.max(0.0)).sum();
    if items.is_empty() || total <= 0.0 {
        return Ok(no_data());
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (cx, cy) = (HEIGHT as f64 / 2.0 + 20.0, HEIGHT as f64 / 2.0);
        let r_out = HEIGHT as f64 / 2.0 - 16.0;
        let r_in = r_out * hole.clamp(0.0, 0.9);
        let mut angle = -std::f64::consts::FRAC_PI_2;
        for (i, (_, v)) in items.iter().enumerate() {
            let sweep = v.max(0.0) / total * std::f64::consts::TAU;
            if sweep <= 0.0 {
                continue;
            }
            let steps = ((sweep / std::f64::consts::TAU) * 180.0).ceil().max(2.0) as usize;
            let arc = |r: f64, k: usize| {
                let a = angle + sweep * k as f64 / steps as f64;
                (
                    (cx + r * a.cos()).round() as i32,
                    (cy + r * a.sin()).round() as i32,
                )
            };
            let mut pts: Vec<(i32, i32)> = (0..=steps).map(|k| arc(r_out, k)).collect();
            if r_in > 0.0 {
                pts.extend((0..=steps).rev().map(|k| arc(r_in, k)));
            } else {
                pts.push((cx as i32, cy as i32));
            }
            let colour = PALETTE[i % PALETTE.len()];
            root.draw(&Polygon::new(pts, colour.filled()))
                .map_err(err)?;
            angle += sweep;
        }
        let legend_x = (cx + r_out + 50.0) as i32;
        let row = ((HEIGHT as i32 - 30) / items.len().max(1) as i32).min(30);
        for (i, (label, v)) in items.iter().enumerate() {
            let y = 20 + i as i32 * row;
            let colour = PALETTE[i % PALETTE.len()];
            root.draw(&Rectangle::new(
                [(legend_x, y), (legend_x + 16, y + 16)],
                colour.filled(),
            ))
            .map_err(err)?;
            let share = v.max(0.0) / total * 100.0;
            let text = format!("{}  {share:.1}%", truncate(label, 28));
            root.draw(&Text::new(
                text,
                (legend_x + 26, y + 1),
                (FONT, 15).into_font(),
            ))
            .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A y range that starts at zero (or below, for negatives) with a little headroom.
fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi == lo {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn charts_are_svg_and_empty_input_says_no_data() {
        let l = line(&[(d("2025-01-01"), 10.0), (d("2025-01-03"), -5.0)], None).unwrap();
        assert!(
            l.starts_with("<svg") && l.contains("viewBox") && l.contains("Jan 01"),
            "{l}"
        );
        assert!(line(&[], None).unwrap().contains("No data"));
        let b = bar(
            &[("A very long product name indeed".into(), 1234.0)],
            Some(ValueFormat::Currency),
            true,
        )
        .unwrap();
        assert!(b.contains("$1,234") && b.contains('…'), "{b}");
        assert!(bar(&[], None, false).unwrap().contains("No data"));
        let p = donut(&[("North".into(), 3.0), ("Юг".into(), 1.0)], 0.55).unwrap();
        assert!(p.contains("75.0%") && p.contains("Юг"), "{p}");
        assert!(donut(&[("x".into(), 0.0)], 0.5)
            .unwrap()
            .contains("No data"));
    }

    #[test]
    fn labels_are_truncated_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
