//! What a share locks, in words, as its dialog and its page say it: `Region: North`,
//! `Period: Last 30 days (1 Nov – 30 Nov 2026)`.

use crate::app::dashboard::run::period_words;
use crate::model::dashboard::FilterKind;
use crate::store::{self, StoreError};
use chrono::NaiveDate;
use rusqlite::Connection;
use std::collections::BTreeMap;

/// One locked value: its filter's or parameter's label and its value in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub label: String,
    pub value: String,
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.label, self.value)
    }
}

/// The values `values` of a share of `kind` (`dashboard` or `report`) `target_id` in words, in
/// the order the page shows them (its filters first, then parameters), as of `today`.
pub fn words(
    conn: &Connection,
    kind: &str,
    target_id: &str,
    values: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Vec<Shown>, StoreError> {
    let mut labels: Vec<(String, String, bool)> = Vec::new();
    let mut reports = Vec::new();
    if kind == "dashboard" {
        if let Some(d) = store::dashboard::get(conn, target_id)? {
            for f in &d.definition.filters {
                let label = if f.label.is_empty() { &f.id } else { &f.label };
                let date = f.kind == FilterKind::DateRange;
                labels.push((f.id.clone(), label.clone(), date));
            }
            reports.extend(
                d.definition
                    .widgets
                    .iter()
                    .filter_map(|w| w.report_id.clone()),
            );
            // A short-form dashboard names its report before it is placed.
            reports.extend(d.definition.report_id.clone());
        }
    } else {
        reports.push(target_id.to_string());
    }
    for id in reports {
        if let Some(r) = store::report::get(conn, &id)? {
            for p in r.definition.parameters {
                if !labels.iter().any(|(k, _, _)| *k == p.name) {
                    let label = if p.label.is_empty() {
                        p.name.clone()
                    } else {
                        p.label
                    };
                    labels.push((p.name, label, false));
                }
            }
        }
    }
    let mut out: Vec<Shown> = labels
        .iter()
        .filter_map(|(key, label, date)| {
            let v = values.get(key)?;
            Some(Shown {
                label: label.clone(),
                value: value_words(v, *date, today),
            })
        })
        .collect();
    // Anything else (a parameter since removed from its report): as stored.
    out.extend(
        values
            .iter()
            .filter(|(k, _)| !labels.iter().any(|(key, _, _)| key == *k))
            .map(|(k, v)| Shown {
                label: k.clone(),
                value: v.clone(),
            }),
    );
    Ok(out)
}

/// The whole list in one line: `Region: North; Period: Last 30 days (1 Nov – 30 Nov 2026)`.
pub fn line(shown: &[Shown]) -> String {
    shown
        .iter()
        .map(Shown::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A value in words: a date range as its period and dates, a list with spaces after commas.
fn value_words(value: &str, date: bool, today: NaiveDate) -> String {
    if date {
        if let Some(p) = period_words(value, today) {
            return match p.split_once(": ") {
                Some(("From", dates)) => dates.to_string(),
                Some((label, dates)) => format!("{label} ({dates})"),
                None => p,
            };
        }
    }
    if value.contains(',') && !value.contains(", ") {
        return value.replace(',', ", ");
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::value_words;
    use chrono::NaiveDate;

    #[test]
    fn a_period_is_said_with_its_dates_and_a_list_with_spaces() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        assert_eq!(
            value_words("2025-04-01..2025-06-30", true, today),
            "1 Apr – 30 Jun 2025"
        );
        assert_eq!(
            value_words("last_7_days", true, today),
            "Last 7 days (24 Jun – 30 Jun 2025)"
        );
        assert_eq!(value_words("North,South", false, today), "North, South");
        assert_eq!(value_words("30", false, today), "30");
        assert_eq!(value_words("nonsense", true, today), "nonsense");
    }
}
