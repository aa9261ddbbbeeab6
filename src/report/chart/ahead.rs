//! A line's forecast and anomalies (`options.forecast`, `options.anomalies`), computed by
//! `report::insight::series` and drawn over the line: the 95 % and 80 % bands, the forecast
//! dashed from the last value, each unexpected point ringed in red with what was expected in
//! its hover text.

use super::axis::Scale;
use super::*;
use crate::model::report::Visualization;
use crate::report::insight::series;

/// What is drawn over one line.
#[derive(Default)]
pub(super) struct Overlay {
    pub ahead: Vec<Ahead>,
    pub unexpected: Vec<Unexpected>,
}

/// A forecast period: its value and bands.
pub(super) struct Ahead {
    pub date: NaiveDate,
    pub point: f64,
    pub band80: (f64, f64),
    pub band95: (f64, f64),
}

/// A value outside its expected band.
pub(super) struct Unexpected {
    pub date: NaiveDate,
    pub value: f64,
    pub expected: f64,
    pub band: (f64, f64),
}

/// The series names a chart's numbers give the forecast (a workbook's own series).
pub const FORECAST: &str = "Forecast";
pub const LOW95: &str = "Forecast low (95 %)";
pub const HIGH95: &str = "Forecast high (95 %)";
/// The colour of an unexpected point's ring.
const RING: RGBColor = PALETTE[5];

/// `c` halfway to white: the forecast's swatch.
fn lighter(c: RGBColor) -> RGBColor {
    let half = |v: u8| v + (255 - v) / 2;
    RGBColor(half(c.0), half(c.1), half(c.2))
}

/// The dates after the last of `dates` at their spacing: a day, a week, a month, a quarter or
/// a year (by the calendar), else the usual gap in days.
fn next_dates(dates: &[NaiveDate], n: usize) -> Vec<NaiveDate> {
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    gaps.sort_unstable();
    let gap = gaps.get(gaps.len() / 2).copied().unwrap_or(1).max(1);
    let months = match gap {
        28..=31 => Some(1),
        89..=92 => Some(3),
        365 | 366 => Some(12),
        _ => None,
    };
    let last = *dates.last().expect("a date");
    (1..=n)
        .filter_map(|k| match months {
            Some(m) => last.checked_add_months(chrono::Months::new(m * k as u32)),
            None => last.checked_add_signed(chrono::Duration::days(gap * k as i64)),
        })
        .collect()
}

impl Overlay {
    /// The overlay `viz` asks for over its one line's `points` (in date order, no gaps).
    pub fn of(
        viz: &Visualization,
        points: &[(NaiveDate, f64)],
    ) -> std::result::Result<Overlay, String> {
        let o = &viz.options;
        let mut out = Overlay::default();
        if o.forecast.is_none() && !o.anomalies {
            return Ok(out);
        }
        let dates: Vec<NaiveDate> = points.iter().map(|p| p.0).collect();
        let y: Vec<f64> = points.iter().map(|p| p.1).collect();
        if y.len() < series::MIN_POINTS {
            // Too short to say anything: the line is drawn alone.
            return Ok(out);
        }
        let season = series::season_for(&dates);
        if let Some(f) = o.forecast {
            let most = crate::model::report::MAX_FORECAST_PERIODS;
            if f.periods == 0 || f.periods > most {
                return Err(format!(
                    "options.forecast.periods: from 1 to {most} ({} given)",
                    f.periods
                ));
            }
            let fc = series::forecast(&y, season, f.periods as usize)?;
            out.ahead = next_dates(&dates, f.periods as usize)
                .into_iter()
                .enumerate()
                .map(|(i, date)| Ahead {
                    date,
                    point: fc.point[i],
                    band80: (fc.low80[i], fc.high80[i]),
                    band95: (fc.low95[i], fc.high95[i]),
                })
                .collect();
        }
        if o.anomalies {
            out.unexpected = series::anomalies(&y, season)?
                .into_iter()
                .map(|a| Unexpected {
                    date: dates[a.at],
                    value: a.value,
                    expected: a.expected,
                    band: (a.low, a.high),
                })
                .collect();
        }
        Ok(out)
    }

    /// The last date it draws at, if it reaches past the line.
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.ahead.last().map(|a| a.date)
    }

    /// The lowest and highest value it draws.
    pub fn range(&self) -> Option<(f64, f64)> {
        let values = self
            .ahead
            .iter()
            .flat_map(|a| [a.band95.0, a.band95.1])
            .filter(|v| v.is_finite());
        values.fold(None, |r, v| match r {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
    }

    /// Its legend entries.
    pub fn legend(&self, colour: RGBColor) -> Vec<(String, RGBColor)> {
        let mut out = Vec::new();
        if !self.ahead.is_empty() {
            out.push((FORECAST.to_string(), lighter(colour)));
        }
        if !self.unexpected.is_empty() {
            out.push(("Unexpected".to_string(), RING));
        }
        out
    }

    /// The forecast as a chart's numbers: its value and 95 % band per period.
    pub fn rows(&self) -> Vec<(String, NaiveDate, Option<f64>)> {
        self.ahead
            .iter()
            .flat_map(|a| {
                [
                    (FORECAST.to_string(), a.date, Some(a.point)),
                    (LOW95.to_string(), a.date, Some(a.band95.0)),
                    (HIGH95.to_string(), a.date, Some(a.band95.1)),
                ]
            })
            .collect()
    }

    /// The bands and the dashed forecast from the line's last value `from`, under the marks.
    pub fn draw(
        &self,
        pen: &Pen,
        xd: &dyn Fn(NaiveDate) -> i32,
        y: &Scale,
        colour: RGBColor,
        from: Option<(NaiveDate, f64)>,
    ) -> Drawn {
        if self.ahead.is_empty() {
            return Ok(());
        }
        let start = from.map(|(d, v)| (d, v, (v, v), (v, v)));
        let steps: Vec<(NaiveDate, f64, (f64, f64), (f64, f64))> = start
            .into_iter()
            .chain(
                self.ahead
                    .iter()
                    .map(|a| (a.date, a.point, a.band80, a.band95)),
            )
            .collect();
        for (alpha, band) in [(0.10, 3usize), (0.18, 2usize)] {
            let pick =
                |s: &(NaiveDate, f64, (f64, f64), (f64, f64))| if band == 3 { s.3 } else { s.2 };
            let mut poly: Vec<(i32, i32)> =
                steps.iter().map(|s| (xd(s.0), y.px(pick(s).1))).collect();
            poly.extend(steps.iter().rev().map(|s| (xd(s.0), y.px(pick(s).0))));
            pen.polygon(poly, colour.mix(alpha).filled())?;
        }
        let line: Vec<(i32, i32)> = steps.iter().map(|s| (xd(s.0), y.px(s.1))).collect();
        pen.dashed(line, colour.stroke_width(2))
    }

    /// Each forecast period's and unexpected point's mark, with its numbers to hover.
    pub fn marks(
        &self,
        pen: &Pen,
        xd: &dyn Fn(NaiveDate) -> i32,
        y: &Scale,
        colour: RGBColor,
        fmt: Option<ValueFormat>,
    ) -> Drawn {
        let v = |x: f64| format::value(x, fmt);
        for a in &self.ahead {
            let day = a.date.format("%Y-%m-%d").to_string();
            let title = format!(
                "{} · forecast (80 %: {} to {}; 95 %: {} to {})",
                mark::title(&day, a.point, fmt),
                v(a.band80.0),
                v(a.band80.1),
                v(a.band95.0),
                v(a.band95.1)
            );
            let p = (xd(a.date), y.px(a.point));
            pen.mark(Some(&day), &title, || {
                pen.circle(p, 3, colour.mix(0.6).filled())
            })?;
        }
        for u in &self.unexpected {
            let day = u.date.format("%Y-%m-%d").to_string();
            let title = format!(
                "{} · unexpected: expected {} ({} to {})",
                mark::title(&day, u.value, fmt),
                v(u.expected),
                v(u.band.0),
                v(u.band.1)
            );
            let p = (xd(u.date), y.px(u.value));
            pen.mark(Some(&day), &title, || {
                pen.circle(p, 6, RING.stroke_width(2))?;
                pen.circle(p, 3, RING.filled())
            })?;
        }
        Ok(())
    }
}
