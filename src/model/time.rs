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
