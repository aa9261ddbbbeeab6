//! Dates in a locale's patterns: `12/31/2025`, `31.12.2025`, `31 Dec 2025`.

use super::locale;
use crate::model::report::{DateOrder, DatePattern};
use chrono::{Datelike, NaiveDate};

/// `d` in `pattern`, in the thread's locale.
pub fn date(d: NaiveDate, pattern: DatePattern) -> String {
    let l = locale();
    let month = l.months()[d.month0() as usize];
    let (order, sep) = l.date_order();
    match (pattern, order) {
        (DatePattern::Iso, _) => d.format("%Y-%m-%d").to_string(),
        (DatePattern::Short, DateOrder::Mdy) => {
            format!("{}{sep}{}{sep}{}", d.month(), d.day(), d.year())
        }
        (DatePattern::Short, DateOrder::Dmy) => {
            format!("{:02}{sep}{:02}{sep}{}", d.day(), d.month(), d.year())
        }
        (DatePattern::Long, DateOrder::Mdy) => format!("{month} {}, {}", d.day(), d.year()),
        (DatePattern::Long, DateOrder::Dmy) if sep == '.' => {
            format!("{}. {month} {}", d.day(), d.year())
        }
        (DatePattern::Long, DateOrder::Dmy) => format!("{} {month} {}", d.day(), d.year()),
        (DatePattern::Month, _) => format!("{month} {}", d.year()),
    }
}

/// A text that is a date (`2025-12-31`, or a datetime: its time is kept after the date) in
/// `pattern`; None when it is not one.
pub fn date_text(s: &str, pattern: DatePattern) -> Option<String> {
    if pattern == DatePattern::Iso || s.len() < 10 || !s.is_char_boundary(10) {
        return None;
    }
    let d = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok()?;
    let rest = &s[10..];
    match rest.as_bytes().first() {
        None => Some(date(d, pattern)),
        Some(b' ' | b'T') if rest.len() <= 20 => {
            Some(format!("{} {}", date(d, pattern), &rest[1..]))
        }
        _ => None,
    }
}
