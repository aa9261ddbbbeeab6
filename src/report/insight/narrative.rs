//! A report's narrative: what a manager reads in ten seconds. From one series (a metric over
//! periods) and its breakdowns by the report's group-by fields: the last period's change against
//! the one before, whether it is inside the range the series' own history expected, which
//! members drove the change (their share of it), unexpected points, the trend, a record, and
//! the next period's forecast. Deterministic words from templates, numbers from the data in the
//! installation's locale.

use super::series;
use crate::model::report::ValueFormat;
use crate::report::format;
use chrono::NaiveDate;
use serde::Serialize;

/// A metric over periods, oldest first.
pub struct Series {
    pub metric: String,
    pub dates: Vec<NaiveDate>,
    pub values: Vec<f64>,
    pub format: Option<ValueFormat>,
}

/// A metric's last two periods split by the members of one field.
pub struct Breakdown {
    /// The field's name for people ("Region").
    pub field: String,
    /// Each member: its value in the last period and in the one before.
    pub members: Vec<(String, f64, f64)>,
    /// The same split one field further in, inside the member that drove the most.
    pub inner: Option<Box<Breakdown>>,
}

/// What the insights of a report say: the paragraph and everything behind it.
#[derive(Debug, Default, Serialize)]
pub struct Insights {
    pub narrative: String,
    /// Who worded the narrative: `templates` (Quire's own words) or `model` (the
    /// `[insights]` language model's, every number checked against the items).
    #[serde(rename = "narrativeBy", skip_serializing_if = "str::is_empty")]
    pub by: &'static str,
    pub items: Vec<Item>,
}

/// One thing the narrative says, with its numbers.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// change | anomaly | trend | forecast | driver | record
    pub kind: &'static str,
    pub text: String,
    pub metric: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// A driver's share of the change (0.7 = 70 %).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
}

impl Item {
    fn new(kind: &'static str, metric: &str, text: String) -> Item {
        Item {
            kind,
            text,
            metric: metric.to_string(),
            at: None,
            value: None,
            expected: None,
            low: None,
            high: None,
            member: None,
            share: None,
        }
    }
}

/// The period a series' dates step by, in words.
fn period(dates: &[NaiveDate]) -> &'static str {
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    gaps.sort_unstable();
    match gaps.get(gaps.len() / 2).copied().unwrap_or(0) {
        1 => "day",
        7 => "week",
        28..=31 => "month",
        89..=92 => "quarter",
        365 | 366 => "year",
        _ => "period",
    }
}

fn pct(x: f64) -> String {
    let p = (x * 100.0).round();
    if p > 0.0 {
        format!("+{p:.0} %")
    } else if p < 0.0 {
        format!("−{:.0} %", -p)
    } else {
        "0 %".into()
    }
}

/// Everything said about `s` and its breakdowns, most important first: the change, whether
/// it was expected, its drivers, unexpected points, the trend, a record, the forecast.
pub fn items(s: &Series, breakdowns: &[Breakdown]) -> Vec<Item> {
    let n = s.values.len();
    let mut out = Vec::new();
    if n < 2 {
        return out;
    }
    let v = |x: f64| format::value(x, s.format);
    let unit = period(&s.dates);
    let (last, prev) = (s.values[n - 1], s.values[n - 2]);
    let at = s.dates[n - 1];
    let season = series::season_for(&s.dates[..n - 1]);
    // What the history before the last period expected of it.
    let band = series::forecast(&s.values[..n - 1], season, 1).ok();
    let mut change = match prev {
        p if p != 0.0 => {
            let c = (last - p) / p.abs();
            Item::new(
                "change",
                &s.metric,
                format!(
                    "{} {} vs the previous {unit} ({} against {})",
                    s.metric,
                    pct(c),
                    v(last),
                    v(p)
                ),
            )
        }
        _ => Item::new(
            "change",
            &s.metric,
            format!(
                "{} {} this {unit}, from {} the {unit} before",
                s.metric,
                v(last),
                v(prev)
            ),
        ),
    };
    change.at = Some(at);
    change.value = Some(last);
    if let Some(b) = &band {
        let (lo, hi) = (b.low95[0], b.high95[0]);
        change.expected = Some(b.point[0]);
        change.low = Some(lo);
        change.high = Some(hi);
        change.text.push_str(&if last < lo || last > hi {
            format!(", outside the usual range ({} to {})", v(lo), v(hi))
        } else {
            format!(", within the usual range ({} to {})", v(lo), v(hi))
        });
    }
    out.push(change);
    out.extend(drivers(s, breakdowns, last - prev));
    if let Ok(found) = series::anomalies(&s.values, season) {
        for a in found.iter().rev().take(3) {
            let mut i = Item::new(
                "anomaly",
                &s.metric,
                format!(
                    "{} was unexpected on {}: {} (expected {} to {})",
                    s.metric,
                    s.dates[a.at].format("%Y-%m-%d"),
                    v(a.value),
                    v(a.low),
                    v(a.high)
                ),
            );
            i.at = Some(s.dates[a.at]);
            i.value = Some(a.value);
            i.expected = Some(a.expected);
            i.low = Some(a.low);
            i.high = Some(a.high);
            out.push(i);
        }
    }
    out.extend(trend(s, unit));
    out.extend(record(s, unit));
    if let Ok(f) = series::forecast(&s.values, series::season_for(&s.dates), 1) {
        let mut i = Item::new(
            "forecast",
            &s.metric,
            format!(
                "Next {unit}: {} expected ({} to {})",
                v(f.point[0]),
                v(f.low80[0]),
                v(f.high80[0])
            ),
        );
        i.value = Some(f.point[0]);
        i.low = Some(f.low80[0]);
        i.high = Some(f.high80[0]);
        out.push(i);
    }
    out
}

/// The members that drove `delta`, the last period's change: per field, the member with the
/// largest part of it (its share), the field whose leader holds the most first.
fn drivers(s: &Series, breakdowns: &[Breakdown], delta: f64) -> Vec<Item> {
    if delta == 0.0 {
        return Vec::new();
    }
    let lead = |b: &Breakdown| -> Option<(String, f64)> {
        b.members
            .iter()
            .map(|(m, last, prev)| (m.clone(), (last - prev) / delta))
            .filter(|(_, share)| *share > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
    };
    let mut found: Vec<(&Breakdown, String, f64)> = breakdowns
        .iter()
        .filter_map(|b| lead(b).map(|(m, share)| (b, m, share)))
        .collect();
    found.sort_by(|a, b| b.2.total_cmp(&a.2));
    let word = if delta < 0.0 { "drop" } else { "rise" };
    found
        .into_iter()
        .map(|(b, member, share)| {
            let field = b.field.to_lowercase();
            // Others moving the other way can leave one member more than the whole change.
            let mut text = match share {
                s if s >= 0.995 => format!("All of the {word} came from {member} ({field})"),
                s => format!(
                    "{:.0} % of the {word} came from {member} ({field})",
                    (s * 100.0).round()
                ),
            };
            if let Some((m, inner_share)) = b.inner.as_deref().and_then(lead) {
                if inner_share >= 0.4 {
                    text.push_str(&format!(", mostly {m}"));
                }
            }
            let mut i = Item::new("driver", &s.metric, text);
            i.member = Some(member);
            i.share = Some(share);
            i
        })
        .collect()
}

/// How many periods in a row the metric has risen (or fallen) to the last one, from three on.
fn trend(s: &Series, unit: &str) -> Option<Item> {
    let steps: Vec<f64> = s.values.windows(2).map(|w| w[1] - w[0]).collect();
    let last = *steps.last()?;
    let run = steps
        .iter()
        .rev()
        .take_while(|d| d.signum() == last.signum() && **d != 0.0)
        .count();
    (run >= 3).then(|| {
        let way = if last > 0.0 { "risen" } else { "fallen" };
        Item::new(
            "trend",
            &s.metric,
            format!("{} has {way} {run} {unit}s in a row", s.metric),
        )
    })
}

/// The last period as the highest or lowest of the series (of six or more).
fn record(s: &Series, unit: &str) -> Option<Item> {
    let n = s.values.len();
    let last = s.values[n - 1];
    let before = &s.values[..n - 1];
    if before.len() < 5 {
        return None;
    }
    let word = if before.iter().all(|v| last > *v) {
        "highest"
    } else if before.iter().all(|v| last < *v) {
        "lowest"
    } else {
        return None;
    };
    let mut i = Item::new(
        "record",
        &s.metric,
        format!("The {word} {unit} of the {n} shown for {}", s.metric),
    );
    i.at = s.dates.last().copied();
    i.value = Some(last);
    Some(i)
}

/// The paragraph: the change (and whether it was expected), its first driver, and a record or
/// an unexpected point if there is one.
pub fn narrative(items: &[Item]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let last = items.iter().find(|i| i.kind == "change").and_then(|i| i.at);
    for kind in ["change", "driver", "record", "anomaly"] {
        // The last period's own anomaly is its change, already said.
        let said = |i: &&Item| i.kind == kind && !(kind == "anomaly" && i.at == last);
        if let Some(i) = items.iter().find(said) {
            parts.push(i.text.clone());
        }
    }
    parts
        .into_iter()
        .map(|p| {
            let mut p = p;
            if !p.ends_with('.') {
                p.push('.');
            }
            p
        })
        .collect::<Vec<_>>()
        .join(" ")
}
