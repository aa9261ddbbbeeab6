//! Column types, inferred from every value in a column or set by the user.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::Value;

/// The type of a dataset column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Integer,
    /// Also decimals such as money with two places.
    Real,
    Date,
    Datetime,
    Boolean,
    Text,
}

impl ColType {
    /// Parses `integer|real|date|datetime|boolean|text`.
    pub fn parse(s: &str) -> Option<ColType> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "integer" | "int" => ColType::Integer,
            "real" | "decimal" | "number" => ColType::Real,
            "date" => ColType::Date,
            "datetime" => ColType::Datetime,
            "boolean" | "bool" => ColType::Boolean,
            "text" | "string" => ColType::Text,
            _ => return None,
        })
    }

    /// The name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            ColType::Integer => "integer",
            ColType::Real => "real",
            ColType::Date => "date",
            ColType::Datetime => "datetime",
            ColType::Boolean => "boolean",
            ColType::Text => "text",
        }
    }

    /// The SQLite column type.
    pub fn sql(self) -> &'static str {
        match self {
            ColType::Integer | ColType::Boolean => "INTEGER",
            ColType::Real => "REAL",
            ColType::Date | ColType::Datetime | ColType::Text => "TEXT",
        }
    }

    /// Whether `v` (trimmed, not empty) fits this type; `convert` without the allocation.
    pub fn fits(self, v: &str) -> bool {
        match self {
            ColType::Integer => v.parse::<i64>().is_ok(),
            ColType::Real => v.parse::<f64>().is_ok_and(|f| f.is_finite()),
            ColType::Date => parse_date(v).is_some(),
            ColType::Datetime => parse_datetime(v).is_some(),
            ColType::Boolean => ["true", "yes", "false", "no"]
                .iter()
                .any(|b| v.eq_ignore_ascii_case(b)),
            ColType::Text => true,
        }
    }

    /// The stored value of `v` in this type; None if it does not fit.
    pub fn convert(self, v: &str) -> Option<Value> {
        let v = v.trim();
        if v.is_empty() {
            return Some(Value::Null);
        }
        match self {
            ColType::Integer => v.parse().ok().map(Value::Integer),
            ColType::Real => v
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::Real),
            ColType::Date => parse_date(v).map(|(d, canonical)| {
                // Already canonical (the common case): keep the text, skip the formatting.
                if canonical {
                    Value::Text(v.to_string())
                } else {
                    Value::Text(d.format("%Y-%m-%d").to_string())
                }
            }),
            ColType::Datetime => {
                parse_datetime(v).map(|d| Value::Text(d.format("%Y-%m-%d %H:%M:%S").to_string()))
            }
            ColType::Boolean => match v.to_ascii_lowercase().as_str() {
                "true" | "yes" => Some(Value::Integer(1)),
                "false" | "no" => Some(Value::Integer(0)),
                _ => None,
            },
            ColType::Text => Some(Value::Text(v.to_string())),
        }
    }
}

/// A `YYYY-MM-DD` date (also `YYYY-M-D`), and whether it was written canonically. The
/// canonical shape is checked by hand: chrono's format parser is the slow path of an import.
fn parse_date(v: &str) -> Option<(NaiveDate, bool)> {
    let b = v.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let d = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
        return Some((d, true));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .map(|d| (d, false))
}

fn parse_datetime(v: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
}

/// Infers a column's type value by value: the narrowest type that holds everything seen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inference(Option<ColType>);

impl Inference {
    /// Takes one more value into account.
    pub fn see(&mut self, v: &str) {
        let v = v.trim();
        if v.is_empty() {
            return;
        }
        let candidates: &[ColType] = match self.0 {
            None => &[
                ColType::Integer,
                ColType::Real,
                ColType::Date,
                ColType::Datetime,
                ColType::Boolean,
                ColType::Text,
            ],
            Some(ColType::Integer) => &[ColType::Integer, ColType::Real, ColType::Text],
            Some(ColType::Real) => &[ColType::Real, ColType::Text],
            Some(ColType::Date) => &[ColType::Date, ColType::Datetime, ColType::Text],
            Some(ColType::Datetime) => &[ColType::Datetime, ColType::Text],
            Some(ColType::Boolean) => &[ColType::Boolean, ColType::Text],
            Some(ColType::Text) => return,
        };
        self.0 = candidates.iter().copied().find(|t| t.fits(v));
    }

    /// The inferred type; a column with no values is text.
    pub fn result(self) -> ColType {
        self.0.unwrap_or(ColType::Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(values: &[&str]) -> ColType {
        let mut i = Inference::default();
        values.iter().for_each(|v| i.see(v));
        i.result()
    }

    #[test]
    fn dates_are_checked_by_calendar_and_normalised() {
        assert_eq!(parse_date("2024-02-29").map(|d| d.1), Some(true));
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2025-13-01"), None);
        assert_eq!(parse_date("2025-1x-01"), None);
        assert_eq!(
            ColType::Date.convert("2025-1-2"),
            Some(Value::Text("2025-01-02".into()))
        );
        assert_eq!(
            ColType::Date.convert("2025-01-02"),
            Some(Value::Text("2025-01-02".into()))
        );
    }

    #[test]
    fn the_narrowest_type_that_holds_every_value() {
        assert_eq!(infer(&["1", "2", ""]), ColType::Integer);
        assert_eq!(infer(&["1", "2.50"]), ColType::Real);
        assert_eq!(
            infer(&["2025-01-01", "2025-01-02 10:00:00"]),
            ColType::Datetime
        );
        assert_eq!(infer(&["2025-01-01", "soon"]), ColType::Text);
        assert_eq!(infer(&["yes", "False"]), ColType::Boolean);
        assert_eq!(infer(&["1", "yes"]), ColType::Text);
        assert_eq!(infer(&["", " "]), ColType::Text);
        assert_eq!(infer(&["NaN"]), ColType::Text);
    }
}
