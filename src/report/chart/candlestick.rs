//! Candlestick charts: open, high, low and close per date.

use super::axis::*;
use super::data::{Categories, Chart, ChartData};
use super::legend::*;
use super::mapping::{cell, column, date, mapped, number, Built};
use super::*;
use crate::data::query::ResultSet;
use crate::model::report::Visualization;

/// One period of prices; a candle with any NULL (`None`) price is skipped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candle {
    pub date: NaiveDate,
    pub open: Option<f64>,
    pub high: Option<f64>,
    pub low: Option<f64>,
    pub close: Option<f64>,
}

/// Candles over the dates of the column mapped as `x`, their prices in `dataMapping` or, as the
/// contract words it, in `options`; the numbers a day a row, its prices in the order a stock
/// chart reads them.
pub fn candlestick_from(viz: &Visualization, rs: &ResultSet) -> Built {
    let xi = column(rs, &viz.data_mapping.x, "x")?;
    let (oi, _) = mapped(viz, rs, "open")?;
    let (hi, _) = mapped(viz, rs, "high")?;
    let (li, _) = mapped(viz, rs, "low")?;
    let (ci, _) = mapped(viz, rs, "close")?;
    let mut candles = Vec::with_capacity(rs.rows.len());
    for r in &rs.rows {
        let Some(d) = date(cell(r, xi), "x")? else {
            continue;
        };
        candles.push(Candle {
            date: d,
            open: number(cell(r, oi), "open")?,
            high: number(cell(r, hi), "high")?,
            low: number(cell(r, li), "low")?,
            close: number(cell(r, ci), "close")?,
        });
    }
    candles.sort_by_key(|c| c.date);
    let prices = |i: usize, get: fn(&Candle) -> Option<f64>| {
        let values = candles.iter().map(|c| get(c).filter(|v| v.is_finite()));
        (rs.columns[i].clone(), values.collect())
    };
    let fmt = viz.options.format;
    let data = ChartData {
        axis2: Vec::new(),
        kind: viz.kind,
        categories: Categories::Dates(candles.iter().map(|c| c.date).collect()),
        series: vec![
            prices(oi, |c| c.open),
            prices(hi, |c| c.high),
            prices(li, |c| c.low),
            prices(ci, |c| c.close),
        ],
        format: fmt,
    };
    Ok(Chart {
        svg: candlestick(&candles, fmt)?,
        data: Some(data),
    })
}

/// Candles over dates: a wick from low to high and a body from open to close, hollow green
/// when the close is up and solid vermillion when it is down (shape and colour both tell).
pub fn candlestick(candles: &[Candle], fmt: Option<ValueFormat>) -> Result {
    let mut cs: Vec<(NaiveDate, [f64; 4])> = candles
        .iter()
        .filter_map(|c| {
            Some((
                c.date,
                [
                    finite(c.open)?,
                    finite(c.high)?,
                    finite(c.low)?,
                    finite(c.close)?,
                ],
            ))
        })
        .collect();
    cs.sort_by_key(|c| c.0);
    let (Some(first), Some(last)) = (cs.first().map(|c| c.0), cs.last().map(|c| c.0)) else {
        return Ok(no_data());
    };
    let prices = || cs.iter().flat_map(|c| c.1);
    let lo = prices().fold(f64::INFINITY, f64::min);
    let hi = prices().fold(f64::NEG_INFINITY, f64::max);
    let ticks = nice_ticks(lo, hi, 5);
    let band = Band::new(&[("Up".into(), UP), ("Down".into(), DOWN)], None);
    let f = Frame::plot(&band, label_room(&ticks, fmt), 36, false);
    // The usual distance between candles (a day, a week...) sets their width.
    let gap = cs
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).num_days())
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(1) as f64;
    let span = (last - first).num_days() as f64;
    let x = Scale::new((-0.6 * gap, span + 0.6 * gap), (f.l, f.r));
    let y = Scale::new((ticks.lo, ticks.hi), (f.b, f.t));
    let xd = |d: NaiveDate| x.px((d - first).num_days() as f64);
    let half = (x.unit() * gap * 0.35).clamp(0.5, 12.0);
    // At least three ticks wanted, so a narrow chart still names a date or two.
    let dticks = date_ticks(first, last, ((f.width() / 100.0) as usize).max(3));
    render(|pen| {
        band.draw(pen, f.l)?;
        value_axis_left(pen, f, y, &ticks, fmt)?;
        date_axis_bottom(pen, f, &dticks, xd)?;
        baseline(pen, f)?;
        for (d, [open, high, low, close]) in &cs {
            let up = close >= open;
            let colour = if up { UP } else { DOWN };
            let cx = xd(*d);
            let v = |p: f64| format::value(p, fmt);
            let title = format!(
                "{}: open {}, high {}, low {}, close {}",
                d.format("%Y-%m-%d"),
                v(*open),
                v(*high),
                v(*low),
                v(*close)
            );
            pen.mark(None, &title, || {
                let wick_top = y.px(high.max(*open).max(*close));
                let wick_bottom = y.px(low.min(*open).min(*close));
                pen.path(
                    vec![(cx, wick_top), (cx, wick_bottom)],
                    colour.stroke_width(1),
                )?;
                let top = y.px(open.max(*close));
                let bottom = y.px(open.min(*close)).max(top + 1);
                let (x0, x1) = (
                    (cx as f64 - half).round() as i32,
                    (cx as f64 + half).round() as i32,
                );
                let x1 = x1.max(x0 + 1);
                if up && half >= 2.0 {
                    pen.rect((x0, top), (x1, bottom), WHITE.filled())?;
                    pen.rect((x0, top), (x1, bottom), colour.stroke_width(1))?;
                } else {
                    pen.rect((x0, top), (x1, bottom), colour.filled())?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::*;

    fn candle(day: u64, [open, high, low, close]: [Option<f64>; 4]) -> Candle {
        Candle {
            date: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap() + chrono::Days::new(day),
            open,
            high,
            low,
            close,
        }
    }

    /// Bodies drawn in this colour (filled, or outlined when hollow), legend swatches aside.
    fn bodies(svg: &str, colour: RGBColor) -> usize {
        roxmltree::Document::parse(svg)
            .expect("valid SVG")
            .descendants()
            .filter(|n| n.tag_name().name() == "rect" && n.attribute("y") != Some("12"))
            .filter(|n| {
                n.attribute("fill") == Some(&hex(colour))
                    || n.attribute("stroke") == Some(&hex(colour))
            })
            .count()
    }

    #[test]
    fn a_candlestick_with_no_rows_or_a_null_price_says_no_data() {
        assert_eq!(texts(&candlestick(&[], None).unwrap()), ["No data"]);
        let gap = candle(0, [Some(1.0), Some(2.0), None, Some(1.5)]);
        assert_eq!(texts(&candlestick(&[gap], None).unwrap()), ["No data"]);
    }

    #[test]
    fn one_row_is_one_candle_on_its_date() {
        let svg = candlestick(
            &[candle(0, [Some(10.0), Some(12.0), Some(9.0), Some(11.0)])],
            None,
        )
        .unwrap();
        assert_eq!(bodies(&svg, UP), 1);
        assert!(has_text(&svg, "Mar 03") && has_text(&svg, "Up") && has_text(&svg, "Down"));
    }

    #[test]
    fn falling_and_negative_prices_are_drawn_down_in_vermillion() {
        let svg = candlestick(
            &[
                candle(0, [Some(-1.0), Some(0.5), Some(-3.0), Some(-2.0)]),
                candle(1, [Some(-2.0), Some(1.0), Some(-2.5), Some(0.5)]),
            ],
            Some(ValueFormat::Currency),
        )
        .unwrap();
        assert_eq!((bodies(&svg, UP), bodies(&svg, DOWN)), (1, 1));
        assert!(
            texts(&svg).iter().any(|t| t.starts_with("-$")),
            "{:?}",
            texts(&svg)
        );
    }

    #[test]
    fn candles_with_a_null_are_skipped_and_the_rest_drawn() {
        let svg = candlestick(
            &[
                candle(0, [Some(1.0), Some(2.0), Some(0.5), Some(1.5)]),
                candle(1, [None, Some(2.0), Some(0.5), Some(1.5)]),
                candle(2, [Some(1.5), Some(2.0), Some(0.5), Some(1.0)]),
            ],
            None,
        )
        .unwrap();
        assert_eq!(bodies(&svg, UP) + bodies(&svg, DOWN), 2);
    }

    #[test]
    fn ten_thousand_candles_are_all_drawn_over_years() {
        let candles: Vec<Candle> = (0..10_000)
            .map(|i| {
                let o = 100.0 + (i as f64 / 50.0).sin() * 20.0;
                let c = o + if i % 2 == 0 { 1.0 } else { -1.0 };
                candle(
                    i,
                    [Some(o), Some(o.max(c) + 1.0), Some(o.min(c) - 1.0), Some(c)],
                )
            })
            .collect();
        let svg = candlestick(&candles, None).unwrap();
        assert_eq!(bodies(&svg, UP) + bodies(&svg, DOWN), 10_000);
        assert!(has_text(&svg, "2030"), "{:?}", texts(&svg));
    }

    #[test]
    fn its_only_labels_are_dates_prices_and_the_legend_so_no_text_can_overflow() {
        // Candles carry no free text: long and non-Latin labels cannot reach the chart. What it
        // does write is short and fixed.
        let svg = candlestick(
            &[candle(0, [Some(1.0), Some(2.0), Some(0.5), Some(1.5)])],
            None,
        )
        .unwrap();
        assert!(
            texts(&svg).iter().all(|t| t.chars().count() <= 12),
            "{:?}",
            texts(&svg)
        );
    }
}
