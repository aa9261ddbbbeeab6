//! Cron expressions with the contract's semantics: 5 or 6 fields (seconds first), `@nicknames`,
//! Vixie's day-of-month OR day-of-week rule, 0 and 7 = Sunday, and defined DST behaviour.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// A parsed, valid cron expression.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    expr: String,
    cron: Cron,
}

/// Why a cron expression was refused; `field` names the part that is wrong, and the message
/// says so in plain words ("minute 61 is out of range 0–59").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CronError {
    pub field: &'static str,
    pub message: String,
}

const FIELDS_6: [&str; 6] = [
    "second",
    "minute",
    "hour",
    "day-of-month",
    "month",
    "day-of-week",
];

fn nickname(expr: &str) -> Option<&'static str> {
    Some(match expr {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ => return None,
    })
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .dom_and_dow(false)
        .build()
}

impl CronSchedule {
    /// Parses an expression, naming the offending field when it is invalid.
    pub fn parse(input: &str) -> Result<Self, CronError> {
        let trimmed = input.trim();
        let expanded = if trimmed.starts_with('@') {
            nickname(&trimmed.to_ascii_lowercase()).ok_or_else(|| CronError {
                field: "expression",
                message: format!(
                    "unknown nickname `{trimmed}`: use @hourly, @daily, @weekly, @monthly or @yearly"
                ),
            })?
        } else {
            trimmed
        };
        let parts: Vec<&str> = expanded.split_whitespace().collect();
        let six: Vec<&str> = match parts.len() {
            5 => std::iter::once("0").chain(parts.iter().copied()).collect(),
            6 => parts.clone(),
            n => {
                return Err(CronError {
                    field: "expression",
                    message: format!(
                        "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), found {n}"
                    ),
                })
            }
        };
        // Check each field alone so the error can name it, in our words; the library's
        // (`Component error: Number out of bounds`) only reach the log.
        for (i, part) in six.iter().enumerate() {
            let field = FIELDS_6[i];
            let fail = |message: String| CronError { field, message };
            super::cron_field::check(field, part).map_err(fail)?;
            let probe: Vec<&str> = (0..6).map(|j| if i == j { *part } else { "*" }).collect();
            if parser().parse(&probe.join(" ")).is_err() {
                return Err(fail(format!("{field} `{part}` is not valid")));
            }
        }
        let cron = parser().parse(&six.join(" ")).map_err(|_| CronError {
            field: "expression",
            message: format!("`{trimmed}` is not a valid cron expression"),
        })?;
        let schedule = CronSchedule {
            expr: trimmed.to_string(),
            cron,
        };
        // An expression that never fires (e.g. 30 February) is an error, not a silent no-op.
        if schedule
            .next_after(Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(), Tz::UTC)
            .is_none()
        {
            return Err(CronError {
                field: "day-of-month",
                message: format!("`{trimmed}` never matches a real date"),
            });
        }
        Ok(schedule)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.expr
    }

    /// A plain-English description of the expression ("At 09:00, on Monday"), without the
    /// closing full stop so a time zone can follow it.
    pub fn describe(&self) -> String {
        self.cron.describe().trim_end_matches('.').to_string()
    }

    /// The first fire time strictly after `after`, evaluated on the wall clock of `tz`.
    ///
    /// A wall time skipped by a DST gap fires once at the first instant after the gap; a wall
    /// time that occurs twice fires once, at its first occurrence.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let mut wall = after.with_timezone(&tz).naive_local();
        // Bounded: each step moves the wall clock forward to the next match.
        for _ in 0..10_000 {
            let candidate = self.next_wall_time(wall)?;
            if let Some(instant) = resolve(candidate, tz) {
                if instant > after {
                    return Some(instant);
                }
            }
            wall = candidate;
        }
        None
    }

    /// The next matching wall-clock time after `wall`, ignoring time zones.
    fn next_wall_time(&self, wall: NaiveDateTime) -> Option<NaiveDateTime> {
        let as_utc = Utc.from_utc_datetime(&wall);
        self.cron
            .find_next_occurrence(&as_utc, false)
            .ok()
            .map(|t| t.naive_utc())
    }
}

/// A description and the next `count` fire times of `expr` in `timezone` after `from`; the
/// error is `(field, message)` with field `expr` or `timezone`.
pub fn preview(
    expr: &str,
    timezone: &str,
    from: DateTime<Utc>,
    count: usize,
) -> Result<(String, Vec<DateTime<Utc>>), (&'static str, String)> {
    let cron = CronSchedule::parse(expr).map_err(|e| ("expr", e.to_string()))?;
    let tz = parse_timezone(timezone).map_err(|m| ("timezone", m))?;
    let mut next = Vec::with_capacity(count);
    let mut t = from;
    while next.len() < count {
        match cron.next_after(t, tz) {
            Some(n) => {
                next.push(n);
                t = n;
            }
            None => break,
        }
    }
    Ok((format!("{}, {}", cron.describe(), tz.name()), next))
}

/// Maps a wall-clock time to the instant it fires at.
fn resolve(wall: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => {
            // In a DST gap: the first whole minute that exists after it.
            let start = wall.date().and_hms_opt(
                chrono::Timelike::hour(&wall),
                chrono::Timelike::minute(&wall),
                0,
            )?;
            (1..=24 * 60).find_map(|m| {
                tz.from_local_datetime(&(start + chrono::Duration::minutes(m)))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            })
        }
    }
}

/// A parsed IANA time zone.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        format!("unknown time zone `{name}` (use an IANA name such as America/New_York)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn next_n(expr: &str, tz: &str, from: &str, n: usize) -> Vec<String> {
        let cron = CronSchedule::parse(expr).unwrap();
        let tz = parse_timezone(tz).unwrap();
        let mut t = utc(from);
        (0..n)
            .map(|_| {
                t = cron.next_after(t, tz).unwrap();
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
            .collect()
    }

    #[test]
    fn weekly_monday_nine_new_york_follows_dst() {
        // 2026-11-01 is the fall-back day: 09:00 EDT before it, 09:00 EST after.
        assert_eq!(
            next_n("0 9 * * 1", "America/New_York", "2026-10-25T00:00:00Z", 2),
            ["2026-10-26T13:00:00Z", "2026-11-02T14:00:00Z"]
        );
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_fires_once_at_the_end_of_the_gap() {
        assert_eq!(
            next_n("30 2 * * *", "America/New_York", "2027-03-13T12:00:00Z", 3),
            [
                "2027-03-14T07:00:00Z",
                "2027-03-15T06:30:00Z",
                "2027-03-16T06:30:00Z"
            ]
        );
        // Not a "fixed time" pattern: the gap rule still holds.
        assert_eq!(
            next_n(
                "30 2,14 * * *",
                "America/New_York",
                "2027-03-14T05:00:00Z",
                2
            ),
            ["2027-03-14T07:00:00Z", "2027-03-14T18:30:00Z"]
        );
        // Every 15 minutes across the gap: 01:45 EST, then once at 03:00 EDT, then 03:15.
        assert_eq!(
            next_n(
                "*/15 * * * *",
                "America/New_York",
                "2027-03-14T06:40:00Z",
                3
            ),
            [
                "2027-03-14T06:45:00Z",
                "2027-03-14T07:00:00Z",
                "2027-03-14T07:15:00Z"
            ]
        );
    }

    #[test]
    fn a_time_repeated_by_fall_back_fires_once_at_its_first_occurrence() {
        assert_eq!(
            next_n("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2),
            ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]
        );
        // Every 30 minutes: 01:00 and 01:30 EDT, then 02:00 EST; the repeated hour is skipped.
        assert_eq!(
            next_n(
                "*/30 * * * *",
                "America/New_York",
                "2026-11-01T04:50:00Z",
                3
            ),
            [
                "2026-11-01T05:00:00Z",
                "2026-11-01T05:30:00Z",
                "2026-11-01T07:00:00Z"
            ]
        );
        // Starting inside the repeated hour does not fire the repeat.
        assert_eq!(
            next_n("30 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", 1),
            ["2026-11-02T06:30:00Z"]
        );
    }

    #[test]
    fn london_follows_its_own_dst_days() {
        // 2027-03-28: 01:00 GMT jumps to 02:00 BST; 01:30 does not exist that day.
        assert_eq!(
            next_n("30 1 * * *", "Europe/London", "2027-03-27T12:00:00Z", 2),
            ["2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"]
        );
        // 2026-10-25: 01:30 happens twice (BST then GMT); it fires at the first.
        assert_eq!(
            next_n("30 1 * * *", "Europe/London", "2026-10-24T12:00:00Z", 2),
            ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
        );
    }

    #[test]
    fn utc_has_no_gaps_or_repeats() {
        assert_eq!(
            next_n("30 1 * * *", "UTC", "2027-03-13T12:00:00Z", 2),
            ["2027-03-14T01:30:00Z", "2027-03-15T01:30:00Z"]
        );
        assert_eq!(
            next_n("0 9 * * 1", "UTC", "2026-10-31T00:00:00Z", 1),
            ["2026-11-02T09:00:00Z"]
        );
    }

    #[test]
    fn six_fields_have_seconds_first() {
        assert_eq!(
            next_n("15 30 9 * * *", "UTC", "2026-01-01T00:00:00Z", 2),
            ["2026-01-01T09:30:15Z", "2026-01-02T09:30:15Z"]
        );
    }

    #[test]
    fn weekly_nickname_is_sunday_midnight() {
        // 2026-11-22 is a Sunday.
        assert_eq!(
            next_n("@weekly", "UTC", "2026-11-18T10:00:00Z", 2),
            ["2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"]
        );
    }

    #[test]
    fn day_of_month_or_day_of_week_either_matches() {
        // The 13th, or any Friday (November 2026: Fridays are 6, 13, 20, 27).
        assert_eq!(
            next_n("0 0 13 * 5", "UTC", "2026-11-01T00:00:00Z", 4),
            [
                "2026-11-06T00:00:00Z",
                "2026-11-13T00:00:00Z",
                "2026-11-20T00:00:00Z",
                "2026-11-27T00:00:00Z"
            ]
        );
        assert_eq!(
            next_n("0 0 1 * 1", "UTC", "2026-11-28T00:00:00Z", 2),
            ["2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z"]
        );
    }

    #[test]
    fn sunday_is_zero_and_seven() {
        let a = next_n("0 12 * * 0", "UTC", "2026-11-18T00:00:00Z", 1);
        let b = next_n("0 12 * * 7", "UTC", "2026-11-18T00:00:00Z", 1);
        assert_eq!(a, ["2026-11-22T12:00:00Z"]);
        assert_eq!(a, b);
    }

    #[test]
    fn february_29_fires_only_in_leap_years() {
        assert_eq!(
            next_n("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 2),
            ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]
        );
    }

    #[test]
    fn invalid_expressions_name_the_field() {
        let cases = [
            ("61 * * * *", "minute"),
            ("* 24 * * *", "hour"),
            ("* * 0 * *", "day-of-month"),
            ("* * * 13 *", "month"),
            ("* * * * 8", "day-of-week"),
            ("* * *", "expression"),
            ("@fortnightly", "expression"),
            ("", "expression"),
            ("0 0 30 2 *", "day-of-month"),
            ("1 2 3 4 5 6 7", "expression"),
            ("x * * * *", "minute"),
        ];
        for (expr, field) in cases {
            let err = CronSchedule::parse(expr).unwrap_err();
            assert_eq!(err.field, field, "{expr}: {err}");
        }
    }

    #[test]
    fn errors_are_in_plain_words_not_the_librarys() {
        for (expr, message) in [
            ("61 * * * *", "minute 61 is out of range 0–59"),
            ("* 24 * * *", "hour 24 is out of range 0–23"),
            ("* * 0 * *", "day-of-month 0 is out of range 1–31"),
            ("* * * 13 *", "month 13 is out of range 1–12"),
            ("* * * * 8", "day-of-week 8 is out of range 0–7"),
            ("5-70 * * * *", "minute 70 is out of range 0–59"),
            ("30-10 * * * *", "minute range 30-10 runs backwards"),
            (
                "*/0 * * * *",
                "minute step `/0` must be a whole number from 1 up",
            ),
            ("x * * * *", "minute `x` is not a number"),
            ("0 0 30 2 *", "`0 0 30 2 *` never matches a real date"),
        ] {
            assert_eq!(CronSchedule::parse(expr).unwrap_err().message, message);
        }
        for ok in [
            "0 9 * * MON-FRI",
            "0 0 L * *",
            "0 9 * JAN,JUL 1#2",
            "*/15 9-17 * * 1-5",
        ] {
            assert!(CronSchedule::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn unknown_time_zone_is_refused_by_name() {
        let err = parse_timezone("Mars/Olympus").unwrap_err();
        assert!(err.contains("Mars/Olympus"));
    }
}
