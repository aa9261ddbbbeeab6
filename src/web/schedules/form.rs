//! The schedule form of /schedules/new and /schedules/{id}/edit: what the browser posts, kept
//! as text so a refused form comes back as the user left it, and its parsing into a
//! `ScheduleDefinition` with errors that name the field (and the line, for multi-line fields).

use crate::app::edit::EditError;
use crate::model::cron::{self, parse_timezone, CronSchedule};
use crate::model::export::ExportFormat;
use crate::model::schedule::{Recipient, RecipientKind, ScheduleDefinition};
use crate::model::text::truncate;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How the report field names a dashboard: `dashboard:<id>`.
pub const DASHBOARD: &str = "dashboard:";

/// The fields that decide when a schedule fires; also the query of the live preview.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Timing {
    /// `daily`, `weekly`, `monthly` or `custom`.
    pub frequency: String,
    /// `HH:MM`, for the presets.
    pub time: String,
    /// 0 (Sunday) to 6, for `weekly`.
    pub weekday: String,
    /// 1 to 31, for `monthly`.
    pub day_of_month: String,
    /// The raw expression, for `custom`.
    pub cron: String,
    pub timezone: String,
}

/// The whole form, as posted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScheduleForm {
    pub name: String,
    pub report_id: String,
    #[serde(flatten)]
    pub timing: Timing,
    /// One `name=value` a line.
    pub parameters: String,
    /// One recipient a line: an email address or `slack:URL`, `teams:URL`, `webhook:URL`.
    pub recipients: String,
    pub export_format: String,
    pub row_limit: String,
    /// A checkbox: present when ticked.
    pub enabled: Option<String>,
}

/// What is wrong with a form: the form field to mark and a message that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub field: &'static str,
    pub message: String,
}

fn fail<T>(field: &'static str, message: impl Into<String>) -> Result<T, FormError> {
    Err(FormError {
        field,
        message: message.into(),
    })
}

/// The weekday choices, Monday first, with their cron numbers.
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("1", "Monday"),
    ("2", "Tuesday"),
    ("3", "Wednesday"),
    ("4", "Thursday"),
    ("5", "Friday"),
    ("6", "Saturday"),
    ("0", "Sunday"),
];

/// Longest accepted texts; the limits of what they end up in are checked by `edit::save`.
const MAX_SHORT: usize = 200;
const MAX_LINES: usize = 100;
const MAX_LINE: usize = 1000;

impl Timing {
    /// The timing of a stored expression: a preset when it has a preset's shape, else custom.
    pub fn from_cron(expr: &str, timezone: &str) -> Timing {
        let mut t = Timing {
            frequency: "custom".into(),
            time: "09:00".into(),
            weekday: "1".into(),
            day_of_month: "1".into(),
            cron: expr.to_string(),
            timezone: timezone.to_string(),
        };
        // Only canonical numbers (`9`, not `09` or `*/2`), so saving the preset back gives
        // the same expression.
        let num = |s: &str, max: u32| {
            s.parse::<u32>()
                .ok()
                .filter(|n| *n <= max && n.to_string() == s)
        };
        let f: Vec<&str> = expr.split_whitespace().collect();
        if let [m, h, dom, "*", dow] = f[..] {
            if let (Some(m), Some(h)) = (num(m, 59), num(h, 23)) {
                let preset = match (dom, dow) {
                    ("*", "*") => Some("daily"),
                    ("*", d) => num(d, 7).map(|d| {
                        t.weekday = (d % 7).to_string();
                        "weekly"
                    }),
                    (d, "*") => num(d, 31).filter(|d| *d >= 1).map(|d| {
                        t.day_of_month = d.to_string();
                        "monthly"
                    }),
                    _ => None,
                };
                if let Some(p) = preset {
                    t.frequency = p.into();
                    t.time = format!("{h:02}:{m:02}");
                }
            }
        }
        t
    }

    /// The cron expression these fields describe.
    pub fn expression(&self) -> Result<String, FormError> {
        let frequency = self.frequency.trim();
        if frequency == "custom" {
            let expr = self.cron.trim();
            if expr.is_empty() {
                return fail("cron", "cron: write an expression such as `0 9 * * 1`");
            }
            if expr.chars().count() > MAX_SHORT {
                return fail(
                    "cron",
                    format!("cron: is longer than {MAX_SHORT} characters"),
                );
            }
            return match CronSchedule::parse(expr) {
                Ok(c) => Ok(c.as_str().to_string()),
                Err(e) => fail("cron", format!("cron: {}", e.message)),
            };
        }
        let (h, m) = parse_time(&self.time)?;
        match frequency {
            "daily" => Ok(format!("{m} {h} * * *")),
            "weekly" => match self.weekday.trim().parse::<u8>() {
                Ok(d) if d <= 6 => Ok(format!("{m} {h} * * {d}")),
                _ => fail(
                    "weekday",
                    format!(
                        "weekday: `{}` is not a day of the week",
                        truncate(&self.weekday, 20)
                    ),
                ),
            },
            "monthly" => match self.day_of_month.trim().parse::<u8>() {
                Ok(d) if (1..=31).contains(&d) => Ok(format!("{m} {h} {d} * *")),
                _ => fail(
                    "day_of_month",
                    format!(
                        "day of month: `{}` is not a day from 1 to 31",
                        truncate(&self.day_of_month, 20)
                    ),
                ),
            },
            other => fail(
                "frequency",
                format!(
                    "frequency: `{}` is not daily, weekly, monthly or custom",
                    truncate(other, 20)
                ),
            ),
        }
    }

    /// The time zone name, UTC when left empty.
    pub fn zone(&self) -> Result<chrono_tz::Tz, FormError> {
        let name = self.timezone.trim();
        if name.is_empty() {
            return Ok(chrono_tz::UTC);
        }
        if name.chars().count() > 100 {
            return fail("timezone", "time zone: is longer than 100 characters");
        }
        parse_timezone(name).or_else(|m| fail("timezone", format!("time zone: {m}")))
    }

    /// The plain-English description and the next `count` fire times, written in the zone.
    pub fn preview(
        &self,
        from: DateTime<Utc>,
        count: usize,
    ) -> Result<(String, Vec<String>), FormError> {
        let expr = self.expression()?;
        let tz = self.zone()?;
        let (description, times) =
            cron::preview(&expr, tz.name(), from, count).or_else(|(field, m)| fail(field, m))?;
        Ok((
            description,
            times.iter().map(|t| local_time(*t, tz)).collect(),
        ))
    }
}

/// A time as the schedule's zone shows it: `Mon 2026-11-23 09:00 EST`.
pub fn local_time(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// `HH:MM` (or `H:MM`, or with `:00` seconds) as hour and minute.
fn parse_time(raw: &str) -> Result<(u32, u32), FormError> {
    let s = raw.trim();
    let parts: Vec<&str> = s.split(':').collect();
    let num = |p: &str, max: u32| {
        (!p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n <= max)
    };
    let hm = match parts[..] {
        [h, m] => num(h, 23).zip(num(m, 59)),
        [h, m, "00"] => num(h, 23).zip(num(m, 59)),
        _ => None,
    };
    match hm {
        Some(hm) => Ok(hm),
        None if s.is_empty() => fail("time", "time: pick a time of day (HH:MM)"),
        None => fail(
            "time",
            format!(
                "time: `{}` is not a time of day (HH:MM, 00:00 to 23:59)",
                truncate(s, 20)
            ),
        ),
    }
}

impl ScheduleForm {
    /// A new schedule's form: daily at 09:00 in `timezone`, PDF, enabled.
    pub fn new(report_id: &str, timezone: &str) -> ScheduleForm {
        ScheduleForm {
            report_id: report_id.to_string(),
            timing: Timing::from_cron("0 9 * * *", timezone),
            export_format: "pdf".into(),
            enabled: Some("on".into()),
            ..ScheduleForm::default()
        }
    }

    /// The form of an existing schedule (a dashboard's names it as `dashboard:<id>`).
    pub fn from_config(c: &ScheduleDefinition) -> ScheduleForm {
        ScheduleForm {
            name: c.name.clone(),
            // A dashboard is one of the report field's choices, as `dashboard:<id>`.
            report_id: match &c.dashboard_id {
                Some(d) => format!("{DASHBOARD}{d}"),
                None => c.report_id.clone(),
            },
            timing: Timing::from_cron(&c.schedule, &c.timezone),
            parameters: c
                .parameters
                .iter()
                .map(|(k, v)| format!("{k}={v}\n"))
                .collect(),
            recipients: c
                .recipients
                .iter()
                .map(|r| match r.kind {
                    RecipientKind::Email => format!("{}\n", r.address),
                    k => format!("{}:{}\n", k.as_str(), r.address),
                })
                .collect(),
            export_format: c.export_format.extension().into(),
            row_limit: c.row_limit.map(|n| n.to_string()).unwrap_or_default(),
            enabled: c.enabled.then(|| "on".into()),
        }
    }

    /// The schedule this form describes, or every problem it has, each naming its field (the
    /// report and parameters are checked by `edit::save`).
    pub fn parse(&self) -> Result<ScheduleDefinition, Vec<FormError>> {
        let mut errors = Vec::new();
        let mut check = |r: Result<(), FormError>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };
        let name = self.name.trim();
        check(match name.chars().count() {
            0 => fail("name", "name: must not be empty"),
            n if n > MAX_SHORT => fail(
                "name",
                format!("name: is {n} characters long, the most is {MAX_SHORT}"),
            ),
            _ => Ok(()),
        });
        let report_id = self.report_id.trim();
        check(match report_id.chars().count() {
            0 => fail("report_id", "report: choose a report"),
            n if n > MAX_SHORT => fail("report_id", "report: no report has an id that long"),
            _ => Ok(()),
        });
        let schedule = self.timing.expression();
        let timezone = self.timing.zone();
        let export_format =
            ExportFormat::parse(self.export_format.trim()).ok_or_else(|| FormError {
                field: "export_format",
                message: format!(
                    "format: `{}` is not pdf, xlsx, csv or json",
                    truncate(&self.export_format, 20)
                ),
            });
        let row_limit = match self.row_limit.trim() {
            "" => Ok(None),
            s => match s.parse::<u32>() {
                Ok(n) if n >= 1 => Ok(Some(n)),
                _ => fail(
                    "row_limit",
                    format!(
                        "row limit: `{}` is not a whole number from 1 up",
                        truncate(s, 20)
                    ),
                ),
            },
        };
        let parameters = parse_parameters(&self.parameters);
        let recipients = parse_recipients(&self.recipients);
        match (
            schedule,
            timezone,
            export_format,
            row_limit,
            parameters,
            recipients,
        ) {
            (
                Ok(schedule),
                Ok(tz),
                Ok(export_format),
                Ok(row_limit),
                Ok(parameters),
                Ok(recipients),
            ) if errors.is_empty() => Ok(ScheduleDefinition {
                dashboard_id: report_id.strip_prefix(DASHBOARD).map(str::to_string),
                id: None,
                name: name.to_string(),
                report_id: match report_id.starts_with(DASHBOARD) {
                    true => String::new(),
                    false => report_id.to_string(),
                },
                schedule,
                timezone: tz.name().to_string(),
                parameters,
                enabled: self.enabled.is_some(),
                recipients,
                export_format,
                row_limit,
            }),
            (schedule, tz, format, limit, parameters, recipients) => {
                errors.extend(schedule.err());
                errors.extend(tz.err());
                errors.extend(format.err());
                errors.extend(limit.err());
                errors.extend(parameters.err());
                errors.extend(recipients.err());
                Err(errors)
            }
        }
    }

    /// Whether the frequency radio `value` is the chosen one.
    pub fn is_frequency(&self, value: &str) -> bool {
        self.timing.frequency == value
    }

    /// Whether the format option `value` is the chosen one.
    pub fn is_format(&self, value: &str) -> bool {
        self.export_format.eq_ignore_ascii_case(value)
    }
}

/// The non-blank lines of a text area, numbered from 1 as the user sees them.
fn lines<'a>(text: &'a str, field: &'static str) -> Result<Vec<(usize, &'a str)>, FormError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if lines.len() > MAX_LINES {
        return fail(field, format!("{field}: at most {MAX_LINES} lines"));
    }
    for (n, l) in &lines {
        if l.chars().count() > MAX_LINE {
            return fail(
                field,
                format!("{field} line {n}: is longer than {MAX_LINE} characters"),
            );
        }
    }
    Ok(lines)
}

/// `name=value` lines; the value may itself contain `=` or a date expression.
fn parse_parameters(text: &str) -> Result<BTreeMap<String, String>, FormError> {
    let mut out = BTreeMap::new();
    for (n, line) in lines(text, "parameters")? {
        let Some((name, value)) = line.split_once('=') else {
            return fail(
                "parameters",
                format!(
                    "parameters line {n}: `{}` is not name=value",
                    truncate(line, 80)
                ),
            );
        };
        let name = name.trim();
        if name.is_empty() {
            return fail(
                "parameters",
                format!("parameters line {n}: the name is missing"),
            );
        }
        if out
            .insert(name.to_string(), value.trim().to_string())
            .is_some()
        {
            return fail(
                "parameters",
                format!(
                    "parameters line {n}: `{}` is given twice",
                    truncate(name, 80)
                ),
            );
        }
    }
    Ok(out)
}

/// One recipient a line: `type:URL` for slack, teams and webhook, else an email address.
fn parse_recipients(text: &str) -> Result<Vec<Recipient>, FormError> {
    let mut out = Vec::new();
    for (n, line) in lines(text, "recipients")? {
        let typed = line.split_once(':').and_then(|(k, rest)| {
            RecipientKind::parse(&k.trim().to_ascii_lowercase()).map(|k| (k, rest.trim()))
        });
        let (kind, address) = match typed {
            Some(t) => t,
            None if line.contains('@') => (RecipientKind::Email, line),
            None => {
                return fail(
                    "recipients",
                    format!(
                        "recipients line {n}: `{}` is not an email address or type:URL \
                         (type: slack, teams or webhook)",
                        truncate(line, 80)
                    ),
                )
            }
        };
        let r = Recipient {
            kind,
            address: address.to_string(),
        };
        if let Err(m) = r.validate() {
            return fail("recipients", format!("recipients line {n}: {m}"));
        }
        out.push(r);
    }
    Ok(out)
}

impl FormError {
    /// The form's view of a refusal by `edit::save` (whose field names are the API's).
    pub fn from_edit(e: EditError, timing: &Timing) -> Result<FormError, EditError> {
        let EditError::Invalid { field, message } = e else {
            return Err(e);
        };
        let (form_field, label) = match field.as_str() {
            "name" => ("name", "name".to_string()),
            "reportId" => ("report_id", "report".into()),
            "dashboardId" => ("report_id", "dashboard".into()),
            "schedule" if timing.frequency == "custom" => ("cron", "cron".into()),
            "schedule" => ("time", "schedule".into()),
            "timezone" => ("timezone", "time zone".into()),
            "rowLimit" => ("row_limit", "row limit".into()),
            f if f.starts_with("parameters.") => (
                "parameters",
                format!("parameters: `{}`", &f["parameters.".len()..]),
            ),
            f if f.starts_with("recipients") => ("recipients", "recipients".into()),
            f => ("", f.to_string()),
        };
        Ok(FormError {
            field: form_field,
            message: format!("{label}: {message}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(frequency: &str, time: &str) -> Timing {
        Timing {
            frequency: frequency.into(),
            time: time.into(),
            weekday: "1".into(),
            day_of_month: "15".into(),
            cron: String::new(),
            timezone: "UTC".into(),
        }
    }

    #[test]
    fn presets_map_to_cron() {
        assert_eq!(timing("daily", "07:05").expression().unwrap(), "5 7 * * *");
        assert_eq!(timing("weekly", "9:30").expression().unwrap(), "30 9 * * 1");
        assert_eq!(
            timing("monthly", "23:59").expression().unwrap(),
            "59 23 15 * *"
        );
    }

    #[test]
    fn preset_shapes_are_recognised_and_round_trip() {
        for (expr, frequency) in [
            ("0 9 * * 1", "weekly"),
            ("0 9 * * 7", "weekly"),
            ("30 6 * * *", "daily"),
            ("0 0 31 * *", "monthly"),
            ("*/15 * * * *", "custom"),
            ("0 9 * * 1-5", "custom"),
            ("0 09 * * *", "custom"),
            ("0 9 1 * 1", "custom"),
            ("@daily", "custom"),
            ("0 0 9 * * *", "custom"),
        ] {
            let t = Timing::from_cron(expr, "UTC");
            assert_eq!(t.frequency, frequency, "{expr}");
            if frequency != "custom" && !expr.ends_with('7') {
                assert_eq!(t.expression().unwrap(), expr);
            }
        }
    }

    #[test]
    fn bad_timing_names_the_field() {
        for (t, field) in [
            (timing("daily", "24:00"), "time"),
            (timing("daily", ""), "time"),
            (timing("daily", "9"), "time"),
            (timing("hourly", "09:00"), "frequency"),
            (
                Timing {
                    weekday: "8".into(),
                    ..timing("weekly", "09:00")
                },
                "weekday",
            ),
            (
                Timing {
                    day_of_month: "32".into(),
                    ..timing("monthly", "09:00")
                },
                "day_of_month",
            ),
            (
                Timing {
                    cron: "61 * * * *".into(),
                    ..timing("custom", "")
                },
                "cron",
            ),
        ] {
            assert_eq!(t.expression().unwrap_err().field, field, "{t:?}");
        }
        let e = Timing {
            cron: "61 * * * *".into(),
            ..timing("custom", "")
        }
        .expression()
        .unwrap_err();
        assert_eq!(e.message, "cron: minute 61 is out of range 0–59");
    }

    #[test]
    fn every_problem_of_a_form_is_named_at_once() {
        let form = ScheduleForm {
            name: " ".into(),
            report_id: "r".into(),
            timing: Timing {
                cron: "61 * * * *".into(),
                timezone: "Mars/Olympus".into(),
                ..timing("custom", "")
            },
            parameters: "days".into(),
            recipients: "foo".into(),
            export_format: "docx".into(),
            row_limit: "0".into(),
            enabled: None,
        };
        let fields: Vec<&str> = form.parse().unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "cron",
                "timezone",
                "export_format",
                "row_limit",
                "parameters",
                "recipients"
            ]
        );
    }

    #[test]
    fn recipient_lines_are_typed_and_a_bad_one_is_named_by_its_line() {
        let r = parse_recipients("a@example.com\n\nslack:https://hooks.example/x\n").unwrap();
        assert_eq!(r[0].kind, RecipientKind::Email);
        assert_eq!(r[1].kind, RecipientKind::Slack);
        assert_eq!(r[1].address, "https://hooks.example/x");
        let e = parse_recipients("a@example.com\nfoo").unwrap_err();
        assert!(
            e.message.starts_with("recipients line 2: `foo`"),
            "{}",
            e.message
        );
        let e = parse_recipients("teams:not a url").unwrap_err();
        assert!(e.message.starts_with("recipients line 1:"), "{}", e.message);
    }

    #[test]
    fn parameter_values_may_hold_date_expressions() {
        let p = parse_parameters("days = 30\nfrom={{ start_of_month - 1m }}").unwrap();
        assert_eq!(p["days"], "30");
        assert_eq!(p["from"], "{{ start_of_month - 1m }}");
        let e = parse_parameters("days\n").unwrap_err();
        assert!(e.message.starts_with("parameters line 1"), "{}", e.message);
    }
}
