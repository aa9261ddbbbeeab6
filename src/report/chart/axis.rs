//! Axes shared by the charts: the plot frame, linear scales, ticks at round numbers and dates,
//! tick and value labels, and category labels that thin out and shorten when they crowd.

use super::legend::Band;
use super::*;
use chrono::{Datelike, NaiveDate};

/// The plot area in pixels: left, top, right, bottom.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) l: i32,
    pub(super) t: i32,
    pub(super) r: i32,
    pub(super) b: i32,
}

impl Frame {
    /// The plot area of a chart on the canvas: below the band (and the y axis's title when
    /// `titled`), right of `left` pixels of labels (between a 14 px margin and an 8 px gap),
    /// `right` pixels short of the canvas's right edge, and [`plot_bottom`] at the bottom.
    pub(super) fn plot(band: &Band, left: i32, right: i32, titled: bool) -> Frame {
        Frame {
            l: 14 + left + 8,
            t: band.bottom() + if titled { 16 } else { 0 },
            r: width() as i32 - right,
            b: plot_bottom(titled),
        }
    }

    pub(super) fn width(&self) -> f64 {
        (self.r - self.l).max(1) as f64
    }

    pub(super) fn height(&self) -> f64 {
        (self.b - self.t).max(1) as f64
    }
}

/// The bottom of the plot: above the bottom axis's labels (and the x axis's title under them
/// when `titled`).
pub(super) fn plot_bottom(titled: bool) -> i32 {
    height() as i32 - if titled { 46 } else { 30 }
}

/// A linear map from data to pixels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    pub(super) fn new((d0, d1): (f64, f64), (p0, p1): (i32, i32)) -> Self {
        Scale {
            d0,
            d1,
            p0: p0 as f64,
            p1: p1 as f64,
        }
    }

    /// The pixel of `v`; never NaN, and far-off values are clamped.
    pub(super) fn px(&self, v: f64) -> i32 {
        let span = self.d1 - self.d0;
        let t = if span.is_finite() && span != 0.0 {
            (v - self.d0) / span
        } else {
            0.5
        };
        let p = self.p0 + t * (self.p1 - self.p0);
        if p.is_finite() {
            p.clamp(-10_000.0, 10_000.0).round() as i32
        } else {
            self.p0 as i32
        }
    }

    /// Pixels per unit of data.
    pub(super) fn unit(&self) -> f64 {
        let span = self.d1 - self.d0;
        if span.is_finite() && span != 0.0 {
            ((self.p1 - self.p0) / span).abs()
        } else {
            0.0
        }
    }
}

/// Axis ticks at round numbers; `lo..hi` is the axis: the data's span, out to the next ticks
/// when they are near.
#[derive(Debug, Clone)]
pub(super) struct Ticks {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) step: f64,
    pub(super) values: Vec<f64>,
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
pub(super) fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let e = 10f64.powf(raw.log10().floor());
    let f = raw / e;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * e
}

/// About `target` ticks covering `lo..hi`.
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    ticks_with(lo, hi, target, 0.0)
}

/// Like `nice_ticks`, the step at least `min_step` (1 for counts).
pub(super) fn ticks_with(lo: f64, hi: f64, target: usize, min_step: f64) -> Ticks {
    let (mut lo, mut hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    if hi == lo {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let pad = lo.abs() * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    let step = nice_step((hi - lo) / target.max(1) as f64).max(min_step);
    let start = (lo / step).floor() * step;
    let end = (hi / step).ceil() * step;
    let n = ((end - start) / step).round();
    if !(start.is_finite() && end.is_finite() && n.is_finite()) || n > 1000.0 {
        // Spans near the limits of f64: the two ends only.
        return Ticks {
            lo,
            hi,
            step: (hi / 2.0 - lo / 2.0).max(f64::MIN_POSITIVE),
            values: vec![lo, hi],
        };
    }
    let d = decimals(step) as i32;
    let tidy = |v: f64| {
        let p = 10f64.powi(d);
        let r = (v * p).round() / p;
        (if r.is_finite() { r } else { v }) + 0.0
    };
    // The axis ends at the outer tick when that costs at most half a step; otherwise just past
    // the data, so a lone outlier (or a small negative) does not waste a whole step of height.
    let eps = step * 1e-9;
    let pad = (hi - lo) * 0.03;
    let lo_end = if lo - start <= step / 2.0 + eps {
        start
    } else {
        lo - pad
    };
    let hi_end = if end - hi <= step / 2.0 + eps {
        end
    } else {
        hi + pad
    };
    Ticks {
        lo: lo_end,
        hi: hi_end,
        step,
        values: (0..=n as usize)
            .map(|i| tidy(start + i as f64 * step))
            .filter(|v| *v >= lo_end - eps && *v <= hi_end + eps)
            .collect(),
    }
}

/// The decimal places that show multiples of `step` exactly (at most 6).
pub(super) fn decimals(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) {
        return 0;
    }
    (0..=6)
        .find(|&d| {
            let x = step * 10f64.powi(d as i32);
            (x - x.round()).abs() < 1e-6 * x.abs().max(1.0)
        })
        .unwrap_or(6)
}

/// An axis label: `1.5k`, `$2M`, `25%`, as precise as the step between ticks needs.
pub(super) fn tick_label(v: f64, step: f64, fmt: Option<ValueFormat>) -> String {
    let percent = fmt.is_some_and(|f| f.kind == crate::model::report::FormatKind::Percent);
    let (v, step) = if percent {
        (v * 100.0, step * 100.0)
    } else {
        (v, step)
    };
    let (unit, suffix) = match v.abs() {
        a if a >= 1e12 => (1e12, "T"),
        a if a >= 1e9 => (1e9, "B"),
        a if a >= 1e6 => (1e6, "M"),
        a if a >= 1e3 => (1e3, "k"),
        _ => (1.0, ""),
    };
    let d = decimals(step / unit);
    let mut body = format::grouped(v / unit, d);
    let point = format::locale().decimal();
    if body.contains(point) {
        body = body
            .trim_end_matches('0')
            .trim_end_matches(point)
            .to_string();
    }
    if body == "-0" {
        body = "0".into();
    }
    // The currency's symbol or `%` as the format and locale place them.
    format::dress(&format!("{body}{suffix}"), fmt)
}

/// A value printed on a bar or a cell: short, with thousands separators.
pub(super) fn value_label(v: f64, fmt: Option<ValueFormat>) -> String {
    use crate::model::report::FormatKind;
    match fmt.map(|f| f.kind) {
        Some(FormatKind::Currency) if v.abs() >= 100.0 => {
            format::dress(&format::grouped(v, 0), fmt)
        }
        Some(FormatKind::Currency | FormatKind::Percent | FormatKind::Integer) => {
            format::value(v, fmt)
        }
        _ => format::compact(v, None),
    }
}

/// Horizontal gridlines and value labels left of the frame.
pub(super) fn value_axis_left(
    pen: &Pen,
    f: Frame,
    y: Scale,
    ticks: &Ticks,
    fmt: Option<ValueFormat>,
) -> Drawn {
    for &v in &ticks.values {
        let py = y.px(v);
        let colour = if v == 0.0 && ticks.lo < 0.0 {
            AXIS
        } else {
            GRID
        };
        pen.path(vec![(f.l, py), (f.r, py)], colour.stroke_width(1))?;
        let label = tick_label(v, ticks.step, fmt);
        pen.text(
            &label,
            (f.l - 8, py),
            LABEL_PX,
            INK,
            HPos::Right,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// Vertical gridlines and value labels below the frame.
pub(super) fn value_axis_bottom(
    pen: &Pen,
    f: Frame,
    x: Scale,
    ticks: &Ticks,
    fmt: Option<ValueFormat>,
) -> Drawn {
    for &v in &ticks.values {
        let px = x.px(v);
        let colour = if v == 0.0 && ticks.lo < 0.0 {
            AXIS
        } else {
            GRID
        };
        pen.path(vec![(px, f.t), (px, f.b)], colour.stroke_width(1))?;
        let label = tick_label(v, ticks.step, fmt);
        pen.text(
            &label,
            (px, f.b + 8),
            LABEL_PX,
            INK,
            HPos::Center,
            VPos::Top,
        )?;
    }
    Ok(())
}

/// The room the value labels of a left axis need.
pub(super) fn label_room(ticks: &Ticks, fmt: Option<ValueFormat>) -> i32 {
    ticks
        .values
        .iter()
        .map(|v| text_width(&tick_label(*v, ticks.step, fmt), LABEL_PX))
        .fold(0.0, f64::max)
        .ceil() as i32
}

/// The axis line along the bottom of the frame.
pub(super) fn baseline(pen: &Pen, f: Frame) -> Drawn {
    pen.path(vec![(f.l, f.b), (f.r, f.b)], AXIS.stroke_width(1))
}

/// Category labels under the frame, centred at `centre(i)`; when they crowd, every k-th is
/// shown, and each is cut to its room with an ellipsis.
pub(super) fn category_axis_bottom(
    pen: &Pen,
    f: Frame,
    labels: &[String],
    centre: impl Fn(usize) -> i32,
    keep_last: bool,
) -> Drawn {
    if labels.is_empty() {
        return Ok(());
    }
    let (every, room) = level_labels(labels, f.width());
    // Level labels that would be cut are turned instead, where the plot left them the room
    // (see `turned_labels`).
    let turned =
        turned_labels(labels, f.width()).filter(|t| t.room <= (height() as i32 - f.b) as f64);
    let turn = turned.is_some();
    let every = turned.map_or(every, |t| t.every);
    // Thinned from the first label, or from the last when that one matters (a total).
    let n = labels.len();
    let mut shown: Vec<usize> = (0..n)
        .step_by(every)
        .map(|k| if keep_last { n - 1 - k } else { k })
        .collect();
    shown.sort_unstable();
    if turn {
        let fitted = fit_all(
            shown.iter().map(|&i| labels[i].as_str()),
            MAX_TURNED,
            LABEL_PX,
        );
        for (i, label) in shown.into_iter().zip(fitted) {
            pen.turned_text(&label, (centre(i) + 3, f.b + 9), LABEL_PX, INK)?;
        }
        return Ok(());
    }
    let fitted = fit_all(shown.iter().map(|&i| labels[i].as_str()), room, LABEL_PX);
    for (i, label) in shown.into_iter().zip(fitted) {
        pen.text(
            &label,
            (centre(i), f.b + 8),
            LABEL_PX,
            INK,
            HPos::Center,
            VPos::Top,
        )?;
    }
    Ok(())
}

/// The longest a turned category label gets before it is cut, in pixels.
const MAX_TURNED: f64 = 130.0;

/// Category labels turned by [`super::mark::TURN_DEGREES`] under a plot `width` wide: every
/// how many are shown, and the height under the plot they take.
#[derive(Debug, Clone, Copy)]
pub(super) struct Turned {
    pub(super) every: usize,
    pub(super) room: f64,
    /// How far left of its tick the first label reaches.
    pub(super) reach: f64,
}

/// Level category labels under a plot `width` wide: every how many are shown (thinned when
/// they crowd) and the room each has.
fn level_labels(labels: &[String], width: f64) -> (usize, f64) {
    let slot = width / labels.len().max(1) as f64;
    let widest = labels
        .iter()
        .map(|l| text_width(l, LABEL_PX))
        .fold(0.0, f64::max)
        .min(MAX_LABEL);
    let need = widest.min(56.0) + 8.0;
    let every = if slot >= need {
        1
    } else {
        (need / slot).ceil().max(1.0) as usize
    };
    (every, (slot * every as f64 - 8.0).min(MAX_LABEL))
}

/// How `labels` lie turned under a plot `width` pixels wide, or None when level ones are
/// whole and no turned ones would show more of them: a chart keeps [`Turned::room`] under its plot for them, and
/// [`category_axis_bottom`] turns them when it finds that room ("Product 127" turned rather
/// than "Produ…27" level).
pub(super) fn turned_labels(labels: &[String], width: f64) -> Option<Turned> {
    if labels.is_empty() {
        return None;
    }
    let (level_every, room) = level_labels(labels, width);
    let whole = labels.iter().all(|l| text_width(l, LABEL_PX) <= room);
    if whole && level_every == 1 {
        return None;
    }
    let slot = width / labels.len() as f64;
    let widest = labels
        .iter()
        .map(|l| text_width(l, LABEL_PX))
        .fold(0.0, f64::max);
    let (sin, cos) = super::mark::TURN_DEGREES.to_radians().sin_cos();
    // Turned labels one line apart: a slot's width times the sine is the gap between them.
    let line = LABEL_PX * 1.25;
    let every = (line / (slot * sin)).ceil().max(1.0) as usize;
    let room = widest.min(MAX_TURNED) * sin + LABEL_PX * cos + 12.0;
    // Whole level labels, only thinned, stay level unless turned ones show more of them.
    let reach = text_width(&labels[0], LABEL_PX).min(MAX_TURNED) * cos + 4.0;
    (!whole || every < level_every).then_some(Turned {
        every,
        room: room.ceil(),
        reach,
    })
}

/// The room category labels left of the frame take: their width, at most a third of the chart.
pub(super) fn category_room(labels: &[String]) -> i32 {
    labels
        .iter()
        .map(|l| text_width(l, LABEL_PX))
        .fold(0.0, f64::max)
        .min(width() as f64 / 3.0)
        .ceil() as i32
}

/// Category labels left of the frame, right-aligned in `room` pixels; every k-th when they crowd.
pub(super) fn category_axis_left(
    pen: &Pen,
    f: Frame,
    labels: &[String],
    room: f64,
    centre: impl Fn(usize) -> i32,
) -> Drawn {
    if labels.is_empty() {
        return Ok(());
    }
    let slot = f.height() / labels.len() as f64;
    let every = (13.0 / slot).ceil().max(1.0) as usize;
    let shown: Vec<usize> = (0..labels.len()).step_by(every).collect();
    let fitted = fit_all(shown.iter().map(|&i| labels[i].as_str()), room, LABEL_PX);
    for (i, label) in shown.into_iter().zip(fitted) {
        pen.text(
            &label,
            (f.l - 8, centre(i)),
            LABEL_PX,
            INK,
            HPos::Right,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// Ticks on a date axis: days, weeks, months or years, whichever gives at most `target`.
/// An axis from a month's first day to a month's first day (month buckets) is labelled by
/// months however short it is: three months of buckets are `Apr 2025, May, Jun`, not days.
pub(super) fn date_ticks(
    first: NaiveDate,
    last: NaiveDate,
    target: usize,
) -> Vec<(NaiveDate, String)> {
    let span = (last - first).num_days().max(1);
    let target = target.max(2) as i64;
    let mut out: Vec<(NaiveDate, String)> = Vec::new();
    let many_years = first.year() != last.year();
    let months_only = first.day() == 1 && last.day() == 1 && first != last;
    if let Some(step) = [1i64, 2, 7, 14]
        .into_iter()
        .filter(|_| !months_only)
        .find(|s| span / s < target)
    {
        let mut d = first;
        if step >= 7 {
            let to_monday = (7 - first.weekday().num_days_from_monday() as u64) % 7;
            d = first
                .checked_add_days(chrono::Days::new(to_monday))
                .unwrap_or(first);
        }
        let mut year = None;
        while d <= last && out.len() < 100 {
            let label = if many_years && year != Some(d.year()) {
                d.format("%b %d %Y").to_string()
            } else {
                d.format("%b %d").to_string()
            };
            year = Some(d.year());
            out.push((d, label));
            match d.checked_add_days(chrono::Days::new(step as u64)) {
                Some(next) => d = next,
                None => break,
            }
        }
    } else if let Some(step) = [1i64, 2, 3, 6]
        .into_iter()
        .find(|s| span / (30 * s) < target)
    {
        let months = |d: NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
        let mut m = months(first);
        if first.day() > 1 {
            m += 1;
        }
        m = (m + step - 1).div_euclid(step) * step;
        while out.len() < 100 {
            let Some(d) =
                NaiveDate::from_ymd_opt(m.div_euclid(12) as i32, m.rem_euclid(12) as u32 + 1, 1)
            else {
                break;
            };
            if d > last {
                break;
            }
            let label = if d.month() == 1 || out.is_empty() {
                d.format("%b %Y").to_string()
            } else {
                d.format("%b").to_string()
            };
            out.push((d, label));
            m += step;
        }
    } else {
        let mut step = 1i64;
        let mut k = 0;
        while span / (365 * step) >= target && step < 1_000_000 {
            k += 1;
            step = [1, 2, 5][k % 3] * 10i64.pow(k as u32 / 3);
        }
        let mut y = (first.year() as i64 + step - 1).div_euclid(step) * step;
        if NaiveDate::from_ymd_opt(y as i32, 1, 1).is_some_and(|d| d < first) {
            y += step;
        }
        while out.len() < 100 {
            let Some(d) = NaiveDate::from_ymd_opt(y as i32, 1, 1) else {
                break;
            };
            if d > last {
                break;
            }
            out.push((d, d.format("%Y").to_string()));
            y += step;
        }
    }
    if out.is_empty() {
        out.push((first, first.format("%b %d %Y").to_string()));
    }
    out
}

/// Date tick labels under the frame, with small tick marks.
pub(super) fn date_axis_bottom(
    pen: &Pen,
    f: Frame,
    ticks: &[(NaiveDate, String)],
    x: impl Fn(NaiveDate) -> i32,
) -> Drawn {
    for (d, label) in ticks {
        let px = x(*d);
        pen.path(vec![(px, f.b), (px, f.b + 4)], AXIS.stroke_width(1))?;
        pen.text(label, (px, f.b + 8), LABEL_PX, INK, HPos::Center, VPos::Top)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_round_numbers() {
        assert_eq!(
            nice_ticks(0.0, 182_340.0, 5).values,
            [0.0, 50e3, 100e3, 150e3, 200e3]
        );
        assert_eq!(nice_ticks(0.0, 0.3, 3).values, [0.0, 0.1, 0.2, 0.3]);
        let t = nice_ticks(5.3, 69.6, 8);
        assert!(t.lo <= 5.3 && t.hi >= 69.6 && t.values.iter().all(|v| v % 10.0 == 0.0));
        // A small negative does not cost a whole step below zero.
        let t = nice_ticks(-3_200.0, 182_340.0, 5);
        assert!(t.lo > -10_000.0 && t.values[0] == 0.0, "{t:?}");
        assert_eq!(ticks_with(0.0, 2.0, 5, 1.0).values, [0.0, 1.0, 2.0]);
        for (lo, hi) in [
            (f64::NAN, 1.0),
            (-f64::MAX, f64::MAX),
            (7.0, 7.0),
            (0.0, 0.0),
        ] {
            let t = nice_ticks(lo, hi, 5);
            assert!(
                !t.values.is_empty() && t.values.len() <= 1001,
                "{lo} {hi}: {t:?}"
            );
        }
    }

    #[test]
    fn tick_labels_use_thousands_units_and_the_format() {
        assert_eq!(tick_label(1500.0, 500.0, None), "1.5k");
        assert_eq!(
            tick_label(2_000_000.0, 1e6, Some(ValueFormat::Currency)),
            "$2M"
        );
        assert_eq!(
            tick_label(-1500.0, 500.0, Some(ValueFormat::Currency)),
            "-$1.5k"
        );
        assert_eq!(tick_label(0.05, 0.05, Some(ValueFormat::Percent)), "5%");
        assert_eq!(tick_label(0.3, 0.1, None), "0.3");
        assert_eq!(tick_label(-0.0, 1.0, None), "0");
        assert_eq!(value_label(1234.0, Some(ValueFormat::Currency)), "$1,234");
        assert_eq!(value_label(-1234.0, Some(ValueFormat::Currency)), "-$1,234");
    }

    #[test]
    fn date_ticks_step_by_days_months_or_years() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let days = date_ticks(d("2025-01-01"), d("2025-01-03"), 8);
        assert_eq!(days[0].1, "Jan 01");
        let months = date_ticks(d("2025-01-01"), d("2025-12-31"), 8);
        assert_eq!(months[0].1, "Jan 2025");
        assert!(months.len() <= 8 && months.iter().all(|(d, _)| chrono::Datelike::day(d) == 1));
        let years = date_ticks(d("1990-01-01"), d("2017-05-18"), 8);
        assert!(
            years.len() <= 8 && years.iter().all(|(_, l)| l.len() == 4),
            "{years:?}"
        );
        // Month buckets filtered to a quarter keep month ticks, one a bucket.
        let quarter = date_ticks(d("2025-04-01"), d("2025-06-01"), 8);
        assert_eq!(
            quarter,
            [
                (d("2025-04-01"), "Apr 2025".to_string()),
                (d("2025-05-01"), "May".to_string()),
                (d("2025-06-01"), "Jun".to_string())
            ]
        );
        let far = date_ticks(NaiveDate::MIN, NaiveDate::MAX, 8);
        assert!(!far.is_empty() && far.len() <= 100);
    }
}
