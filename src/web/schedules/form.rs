//! The schedule form of /schedules/new and /schedules/{id}/edit: what the browser posts, kept
//! as text so a refused form comes back as the user left it, and its parsing into a
//! `ScheduleDefinition` with errors that name the field (and the row, for recipients and
//! parameters: see `rows`).

use super::form_error::{fail, FormError};
use super::rows::{self, ParamRow, RecipientRow};
use crate::app::edit::EditError;
use crate::model::cron::{self, parse_timezone, CronSchedule};
use crate::model::export::ExportFormat;
use crate::model::schedule::ScheduleDefinition;
use crate::model::text::truncate;
use crate::model::time::shown;
use chrono::{DateTime, Utc};
use serde::Deserialize;

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

/// The whole form, as posted: the rows' fields repeat (`recipient_type`, `recipient_address`,
/// `param_name`, `param_value`, paired in order); the old one-a-line `recipients` and
/// `parameters` text fields are still read, as rows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct ScheduleForm {
    pub name: String,
    pub report_id: String,
    pub timing: Timing,
    pub parameters: Vec<ParamRow>,
    pub recipients: Vec<RecipientRow>,
    pub export_format: String,
    pub row_limit: String,
    /// A checkbox: present when ticked.
    pub enabled: Option<String>,
    /// The row button pressed instead of saving: `add_recipient`, `add_parameter`,
    /// `remove_recipient_<i>`, `remove_parameter_<i>` (empty when saving).
    pub row_action: String,
}

impl From<Vec<(String, String)>> for ScheduleForm {
    fn from(pairs: Vec<(String, String)>) -> ScheduleForm {
        let mut f = ScheduleForm::default();
        let (mut kinds, mut addresses, mut names, mut values) = (vec![], vec![], vec![], vec![]);
        for (k, v) in pairs {
            let t = &mut f.timing;
            match k.as_str() {
                "name" => f.name = v,
                "report_id" => f.report_id = v,
                "frequency" => t.frequency = v,
                "time" => t.time = v,
                "weekday" => t.weekday = v,
                "day_of_month" => t.day_of_month = v,
                "cron" => t.cron = v,
                "timezone" => t.timezone = v,
                "export_format" => f.export_format = v,
                "row_limit" => f.row_limit = v,
                "enabled" => f.enabled = Some(v),
                "row_action" => f.row_action = v,
                "recipient_type" => kinds.push(v),
                "recipient_address" => addresses.push(v),
                "param_name" => names.push(v),
                "param_value" => values.push(v),
                "recipients" => f
                    .recipients
                    .extend(rows::lines(&v).map(RecipientRow::from_line)),
                "parameters" => f
                    .parameters
                    .extend(rows::lines(&v).map(ParamRow::from_line)),
                _ => {}
            }
        }
        // A row whose fields did not all arrive is kept with what did.
        for i in 0..kinds.len().max(addresses.len()) {
            f.recipients.push(RecipientRow {
                kind: kinds.get(i).cloned().unwrap_or_else(|| "email".into()),
                address: addresses.get(i).cloned().unwrap_or_default(),
            });
        }
        for i in 0..names.len().max(values.len()) {
            f.parameters.push(ParamRow {
                name: names.get(i).cloned().unwrap_or_default(),
                value: values.get(i).cloned().unwrap_or_default(),
            });
        }
        // More rows than a form can have: the blank ones go (their numbers mean nothing then).
        if f.recipients.len() > rows::MAX_ROWS {
            f.recipients.retain(|r| !r.is_blank());
        }
        if f.parameters.len() > rows::MAX_ROWS {
            f.parameters.retain(|p| !p.is_blank());
        }
        f
    }
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
        Ok((description, times.iter().map(|t| shown(*t, tz)).collect()))
    }
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
                .map(|(k, v)| ParamRow {
                    name: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            recipients: c.recipients.iter().map(RecipientRow::of).collect(),
            export_format: c.export_format.extension().into(),
            row_limit: c.row_limit.map(|n| n.to_string()).unwrap_or_default(),
            enabled: c.enabled.then(|| "on".into()),
            row_action: String::new(),
        }
    }

    /// Ends each list of rows with one blank row to fill in.
    pub fn pad(&mut self) {
        if self.recipients.last().is_none_or(|r| !r.is_blank()) {
            self.recipients.push(RecipientRow::default());
        }
        if self.parameters.last().is_none_or(|p| !p.is_blank()) {
            self.parameters.push(ParamRow::default());
        }
    }

    /// Applies a row button (add a blank row, remove one); false when none was pressed, or an
    /// unknown one.
    pub fn apply_row_action(&mut self) -> bool {
        let action = std::mem::take(&mut self.row_action);
        let index = |prefix: &str| {
            action
                .strip_prefix(prefix)
                .and_then(|i| i.parse::<usize>().ok())
        };
        // A new blank row after the rows as posted (the blank row the page had included).
        match action.as_str() {
            "add_recipient" => self.recipients.push(RecipientRow::default()),
            "add_parameter" => self.parameters.push(ParamRow::default()),
            _ => match (index("remove_recipient_"), index("remove_parameter_")) {
                (Some(i), _) if i < self.recipients.len() => {
                    self.recipients.remove(i);
                }
                (_, Some(i)) if i < self.parameters.len() => {
                    self.parameters.remove(i);
                }
                _ => return false,
            },
        }
        true
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
                row: None,
                message: format!(
                    "format: `{}` is not pdf, pptx, xlsx, csv or json",
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
        let parameters = rows::parse_parameters(&self.parameters);
        let recipients = rows::parse_recipients(&self.recipients);
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
                errors.extend(parameters.err().into_iter().flatten());
                errors.extend(recipients.err().into_iter().flatten());
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

// Beside the form rather than in `form_error`, which the form and its rows share: it reads both.
impl FormError {
    /// The form's view of a refusal by `edit::save` (whose field names are the API's).
    pub fn from_edit(e: EditError, form: &ScheduleForm) -> Result<FormError, EditError> {
        let EditError::Invalid { field, message } = e else {
            return Err(e);
        };
        let timing = &form.timing;
        // A row's problem goes by its row, numbered as the page shows it.
        let row = if let Some(name) = field.strip_prefix("parameters.") {
            rows::parameter_row(&form.parameters, name)
        } else if let Some(rest) = field.strip_prefix("recipients[") {
            rest.split(']')
                .next()
                .and_then(|n| n.parse().ok())
                .and_then(|n| rows::recipient_row(&form.recipients, n))
        } else {
            None
        };
        let (form_field, label) = match field.as_str() {
            "name" => ("name", "name".to_string()),
            "reportId" => ("report_id", "report".into()),
            "dashboardId" => ("report_id", "dashboard".into()),
            "schedule" if timing.frequency == "custom" => ("cron", "cron".into()),
            "schedule" => ("time", "schedule".into()),
            "timezone" => ("timezone", "time zone".into()),
            "rowLimit" => ("row_limit", "row limit".into()),
            f if f.starts_with("parameters.") => {
                let name = format!("`{}`", &f["parameters.".len()..]);
                match row {
                    Some(i) => ("parameters", format!("parameters row {} ({name})", i + 1)),
                    None => ("parameters", format!("parameters: {name}")),
                }
            }
            f if f.starts_with("recipients") => match row {
                Some(i) => ("recipients", format!("recipients row {}", i + 1)),
                None => ("recipients", "recipients".into()),
            },
            f => ("", f.to_string()),
        };
        Ok(FormError {
            field: form_field,
            row,
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
            parameters: vec![ParamRow::from_line("days")],
            recipients: vec![RecipientRow::from_line("foo")],
            export_format: "docx".into(),
            row_limit: "0".into(),
            enabled: None,
            row_action: String::new(),
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
    fn posted_rows_pair_up_in_order_and_old_text_fields_become_rows() {
        let pairs = [
            ("recipient_type", "email"),
            ("recipient_address", "a@example.com"),
            ("recipient_type", "slack"),
            ("recipient_address", "https://hooks.example/x"),
            ("param_name", "days"),
            ("param_value", "30"),
            ("recipients", "b@example.com\r\nwebhook:https://h.example/y"),
            ("timezone", "Asia/Tokyo"),
        ];
        let f = ScheduleForm::from(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        );
        let kinds: Vec<&str> = f.recipients.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["email", "webhook", "email", "slack"]);
        assert_eq!(f.recipients[3].address, "https://hooks.example/x");
        assert_eq!(f.parameters[0].value, "30");
        assert_eq!(f.timing.timezone, "Asia/Tokyo");
    }

    #[test]
    fn row_buttons_add_and_remove_rows() {
        let mut f = ScheduleForm::new("r", "UTC");
        f.pad();
        assert_eq!((f.recipients.len(), f.parameters.len()), (1, 1));
        f.row_action = "add_recipient".into();
        assert!(f.apply_row_action());
        assert_eq!(f.recipients.len(), 2);
        f.pad();
        assert_eq!(f.recipients.len(), 2, "the added row is the blank one");
        f.row_action = "remove_recipient_0".into();
        assert!(f.apply_row_action());
        f.row_action = "remove_parameter_9".into();
        assert!(!f.apply_row_action());
        assert_eq!((f.recipients.len(), f.parameters.len()), (1, 1));
    }
}
