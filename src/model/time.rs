//! Stored timestamps: RFC 3339 in UTC with whole seconds (`2026-11-30T09:00:00Z`), written
//! and read here only, so every table and every API answer agrees; and the one way pages show
//! a time to people: in the viewer's zone, with the zone named (`Mon 2026-11-30 14:05 CET`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

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

/// A time for people, in `tz`, to the minute, with the zone's abbreviation (or its offset
/// where the zone has none): `Mon 2026-11-30 14:05 CET`. Every time a page shows goes through
/// here.
pub fn shown(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// A time inside a file for people (a PDF's cover, a workbook), in `tz`, to the minute, with
/// the zone's abbreviation: `2026-11-30 14:05 CET`.
pub fn stamp(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// Where the zone pages are shown in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZoneFrom {
    /// The user's own setting.
    Setting,
    /// The browser's zone, from its `tz` cookie.
    Browser,
    /// Neither: the server's zone (UTC if it has none).
    #[default]
    Server,
}

/// The zone a viewer sees times in, and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewZone {
    pub tz: Tz,
    pub from: ZoneFrom,
}

impl Default for ViewZone {
    fn default() -> ViewZone {
        ViewZone {
            tz: chrono_tz::UTC,
            from: ZoneFrom::Server,
        }
    }
}

impl ViewZone {
    /// A time in this zone (see [`shown`]).
    pub fn show(&self, t: DateTime<Utc>) -> String {
        shown(t, self.tz)
    }

    /// A stored timestamp in this zone (the text as it is if it is not one).
    pub fn show_text(&self, s: &str) -> String {
        match parse_time(s) {
            Some(t) => self.show(t),
            None => s.to_string(),
        }
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &'static str {
        self.tz.name()
    }
}

/// An IANA zone name as given by a browser or a form, if it is one: short, of the characters
/// zone names use, and known to chrono-tz. Anything else is None (never an error to show).
pub fn zone_named(name: &str) -> Option<Tz> {
    let name = name.trim();
    let plausible = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'))
        && !name
            .split('/')
            .any(|part| part.is_empty() || part.starts_with('.'));
    plausible.then(|| name.parse::<Tz>().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_are_shown_to_the_minute_in_the_viewers_zone_named() {
        let utc = ViewZone::default();
        assert_eq!(
            utc.show_text("2026-11-29T15:40:12Z"),
            "Sun 2026-11-29 15:40 UTC"
        );
        assert_eq!(utc.show_text("yesterday"), "yesterday");
        let tokyo = ViewZone {
            tz: chrono_tz::Asia::Tokyo,
            from: ZoneFrom::Setting,
        };
        assert_eq!(
            tokyo.show_text("2026-11-29T15:40:12Z"),
            "Mon 2026-11-30 00:40 JST"
        );
        let ny = ViewZone {
            tz: chrono_tz::America::New_York,
            from: ZoneFrom::Browser,
        };
        assert_eq!(
            ny.show_text("2026-07-01T12:00:00Z"),
            "Wed 2026-07-01 08:00 EDT"
        );
    }

    #[test]
    fn only_real_zone_names_are_taken() {
        assert_eq!(zone_named("Europe/Berlin"), Some(chrono_tz::Europe::Berlin));
        assert_eq!(zone_named(" UTC "), Some(chrono_tz::UTC));
        assert_eq!(zone_named("America/Argentina/Buenos_Aires").is_some(), true);
        for bad in [
            "",
            "../../etc",
            "Mars/Olympus",
            "Europe//Berlin",
            "a b",
            "Europe/Berlin;x=1",
        ] {
            assert_eq!(zone_named(bad), None, "{bad}");
        }
        assert_eq!(zone_named(&"A".repeat(5000)), None);
    }
}
