//! Stored timestamps: RFC 3339 in UTC with whole seconds (`2026-11-30T09:00:00Z`), written
//! and read here only, so every table and every API answer agrees.

use chrono::{DateTime, Utc};

/// A time as stored.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Now, as stored.
pub fn now_text() -> String {
    rfc3339(Utc::now())
}

/// Parses a stored timestamp.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stored timestamp for people: `2026-11-29 15:40 UTC` (the text as it is if it is not one).
pub fn display(s: &str) -> String {
    match parse_time(s) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_are_shown_to_the_minute_with_their_zone() {
        assert_eq!(display("2026-11-29T15:40:12Z"), "2026-11-29 15:40 UTC");
        assert_eq!(display("yesterday"), "yesterday");
    }
}
