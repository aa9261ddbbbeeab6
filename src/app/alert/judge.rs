//! What an alert's rows say: each member's value and state under the condition, and which
//! members a message tells about (fired, reminded, resolved) given their states before, the
//! cooldown and the re-arm rule. Pure: no store, no clock but the one given.

use crate::model::alert::{AlertDefinition, AlertState, ConditionKind};
use crate::report::insight::series;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A member's rows: its watched values (and their dates, for `no_data`) in the query's order.
#[derive(Debug, Default)]
pub struct Rows {
    pub values: Vec<Option<f64>>,
    pub texts: Vec<String>,
}

/// A member's verdict: its state, the value it judged, and the words saying why.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub state: AlertState,
    pub value: Option<f64>,
    pub why: String,
}

fn fmt(v: f64) -> String {
    crate::report::format::value(v, None)
}

/// A text cell as a time: a date (midnight UTC) or a date and time.
fn when(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

/// The verdict of one member's rows under `def`'s condition, at `now`.
pub fn judge(def: &AlertDefinition, rows: &Rows, now: DateTime<Utc>) -> Verdict {
    let c = def.condition;
    let verdict = |state, value, why: String| Verdict { state, value, why };
    if c.kind == ConditionKind::NoData {
        let hours = c.hours.unwrap_or(24) as i64;
        let newest = rows.texts.iter().filter_map(|t| when(t)).max();
        return match newest {
            None => verdict(AlertState::NoData, None, "no rows with a date".into()),
            Some(t) if now - t > chrono::Duration::hours(hours) => verdict(
                AlertState::Firing,
                None,
                format!(
                    "no new data since {} (over {hours} h)",
                    t.format("%Y-%m-%d %H:%M UTC")
                ),
            ),
            Some(t) => verdict(
                AlertState::Ok,
                None,
                format!("newest data {}", t.format("%Y-%m-%d %H:%M UTC")),
            ),
        };
    }
    let values: Vec<f64> = rows.values.iter().flatten().copied().collect();
    let Some(&last) = values.last() else {
        return verdict(AlertState::NoData, None, "no value".into());
    };
    let threshold = c.value.unwrap_or(0.0);
    match c.kind {
        ConditionKind::Above if last > threshold => verdict(
            AlertState::Firing,
            Some(last),
            format!("{} is above {}", fmt(last), fmt(threshold)),
        ),
        ConditionKind::Below if last < threshold => verdict(
            AlertState::Firing,
            Some(last),
            format!("{} is below {}", fmt(last), fmt(threshold)),
        ),
        ConditionKind::Above | ConditionKind::Below => verdict(
            AlertState::Ok,
            Some(last),
            format!("{} (threshold {})", fmt(last), fmt(threshold)),
        ),
        ConditionKind::ChangePct => {
            let Some(&prev) = values.len().checked_sub(2).and_then(|i| values.get(i)) else {
                return verdict(
                    AlertState::NoData,
                    Some(last),
                    "one value, no change yet".into(),
                );
            };
            if prev == 0.0 {
                return verdict(AlertState::Ok, Some(last), format!("{} from 0", fmt(last)));
            }
            let pct = (last - prev) / prev.abs() * 100.0;
            let state = if pct.abs() >= threshold {
                AlertState::Firing
            } else {
                AlertState::Ok
            };
            verdict(
                state,
                Some(last),
                format!(
                    "{} is {pct:+.1} % from {} (limit ±{threshold} %)",
                    fmt(last),
                    fmt(prev)
                ),
            )
        }
        ConditionKind::OutsideBand => {
            let before = &values[..values.len() - 1];
            match series::forecast(before, None, 1) {
                Ok(f) => {
                    let (lo, hi) = (f.low95[0], f.high95[0]);
                    let state = if last < lo || last > hi {
                        AlertState::Firing
                    } else {
                        AlertState::Ok
                    };
                    let place = if state == AlertState::Firing {
                        "outside"
                    } else {
                        "inside"
                    };
                    verdict(
                        state,
                        Some(last),
                        format!(
                            "{} is {place} the expected range {} to {}",
                            fmt(last),
                            fmt(lo),
                            fmt(hi)
                        ),
                    )
                }
                Err(e) => verdict(AlertState::NoData, Some(last), e),
            }
        }
        ConditionKind::NoData => unreachable!("judged above"),
    }
}

/// Why a member is told about: it fired (or has no data), it still fires (a reminder), or it
/// is back to normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tell {
    Fired,
    Reminder,
    Resolved,
}

/// Whether a member going from `before` (`told` whether a message told of it, its last
/// message at `notified`) to `now_state` is told about at `now`: a new firing (or no data)
/// outside the cooldown, also one the cooldown held back before; a reminder every
/// `renotifyHours` while it fires; a resolution when asked for (only of a firing that was told).
pub fn tell(
    def: &AlertDefinition,
    before: Option<AlertState>,
    told: bool,
    notified: Option<DateTime<Utc>>,
    now_state: AlertState,
    now: DateTime<Utc>,
) -> Option<Tell> {
    let cooled = |minutes: u32| {
        notified.is_none_or(|t| now - t >= chrono::Duration::minutes(minutes as i64))
    };
    let bad = |s: Option<AlertState>| matches!(s, Some(AlertState::Firing | AlertState::NoData));
    let cooldown = def.cooldown_minutes.unwrap_or(0);
    match (bad(before), now_state) {
        (false, AlertState::Firing | AlertState::NoData) => cooled(cooldown).then_some(Tell::Fired),
        (true, AlertState::Firing | AlertState::NoData) if !told => {
            cooled(cooldown).then_some(Tell::Fired)
        }
        (true, AlertState::Firing | AlertState::NoData) => def
            .renotify_hours
            .filter(|h| cooled(h * 60) && cooled(cooldown))
            .map(|_| Tell::Reminder),
        (true, AlertState::Ok) if def.notify_resolved && told => Some(Tell::Resolved),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(condition: serde_json::Value) -> AlertDefinition {
        serde_json::from_value(serde_json::json!({
            "name": "a", "reportId": "r", "column": "v", "schedule": "0 6 * * *",
            "condition": condition,
        }))
        .unwrap()
    }

    fn rows(values: &[f64]) -> Rows {
        Rows {
            values: values.iter().map(|v| Some(*v)).collect(),
            texts: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn each_condition_judges_the_last_value() {
        let now = at("2025-06-01T12:00:00Z");
        let j = |c: serde_json::Value, v: &[f64]| judge(&def(c), &rows(v), now).state;
        use AlertState::*;
        assert_eq!(
            j(
                serde_json::json!({"type": "above", "value": 10}),
                &[50.0, 11.0]
            ),
            Firing
        );
        assert_eq!(
            j(
                serde_json::json!({"type": "above", "value": 10}),
                &[50.0, 10.0]
            ),
            Ok
        );
        assert_eq!(
            j(serde_json::json!({"type": "below", "value": 10}), &[9.0]),
            Firing
        );
        assert_eq!(
            j(serde_json::json!({"type": "below", "value": 10}), &[]),
            NoData
        );
        assert_eq!(
            j(
                serde_json::json!({"type": "change_pct", "value": 20}),
                &[100.0, 79.0]
            ),
            Firing
        );
        assert_eq!(
            j(
                serde_json::json!({"type": "change_pct", "value": 20}),
                &[100.0, 119.0]
            ),
            Ok
        );
        assert_eq!(
            j(
                serde_json::json!({"type": "change_pct", "value": 20}),
                &[100.0]
            ),
            NoData
        );
        let steady: Vec<f64> = (0..30).map(|i| 100.0 + (i % 3) as f64).collect();
        let mut spiked = steady.clone();
        spiked.push(160.0);
        assert_eq!(
            j(serde_json::json!({"type": "outside_band"}), &spiked),
            Firing
        );
        let mut fine = steady;
        fine.push(101.0);
        assert_eq!(j(serde_json::json!({"type": "outside_band"}), &fine), Ok);
        let dates = |d: &[&str]| Rows {
            values: vec![None; d.len()],
            texts: d.iter().map(|s| s.to_string()).collect(),
        };
        let stale = def(serde_json::json!({"type": "no_data", "hours": 24}));
        assert_eq!(
            judge(&stale, &dates(&["2025-05-30", "2025-05-29"]), now).state,
            Firing
        );
        assert_eq!(
            judge(&stale, &dates(&["2025-06-01 08:00:00"]), now).state,
            Ok
        );
        assert_eq!(judge(&stale, &dates(&[]), now).state, NoData);
    }

    #[test]
    fn messages_follow_the_cooldown_the_re_arm_and_the_resolution() {
        use AlertState::*;
        let now = at("2025-06-01T12:00:00Z");
        let mut d = def(serde_json::json!({"type": "above", "value": 1}));
        d.cooldown_minutes = Some(30);
        let ago = |m: i64| Some(now - chrono::Duration::minutes(m));
        assert_eq!(tell(&d, None, false, None, Firing, now), Some(Tell::Fired));
        assert_eq!(
            tell(&d, Some(Ok), true, ago(10), Firing, now),
            None,
            "cooldown"
        );
        assert_eq!(
            tell(&d, Some(Ok), true, ago(40), Firing, now),
            Some(Tell::Fired)
        );
        assert_eq!(
            tell(&d, Some(Firing), true, ago(40), Firing, now),
            None,
            "no re-arm asked"
        );
        assert_eq!(
            tell(&d, Some(Firing), false, ago(40), Firing, now),
            Some(Tell::Fired),
            "held back before"
        );
        assert_eq!(
            tell(&d, Some(Firing), true, ago(1), Ok, now),
            Some(Tell::Resolved)
        );
        assert_eq!(
            tell(&d, Some(Firing), false, ago(1), Ok, now),
            None,
            "an untold firing resolves quietly"
        );
        d.renotify_hours = Some(2);
        assert_eq!(tell(&d, Some(Firing), true, ago(90), Firing, now), None);
        assert_eq!(
            tell(&d, Some(Firing), true, ago(130), Firing, now),
            Some(Tell::Reminder)
        );
        d.notify_resolved = false;
        assert_eq!(tell(&d, Some(Firing), true, ago(1), Ok, now), None);
    }
}
