//! Alerts: a value of a report's query watched on a cron in a time zone, one condition, each
//! member of a dimension on its own when `perMember` names one, and the rules that keep its
//! messages few: a cooldown, notify again only after it recovered (or every `renotifyHours`
//! while it fires), a message when it resolves.

use super::cron::{parse_timezone, CronSchedule};
use super::schedule::Recipient;
use serde::{Deserialize, Serialize};

/// An alert as written by its owner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertDefinition {
    pub name: String,
    /// The report (id or name) whose query is watched; with `dashboardId`, the widget's report.
    #[serde(default)]
    pub report_id: String,
    /// A dashboard and one of its widgets to watch instead (its query as the dashboard shows
    /// it by default); the message links to the dashboard filtered to the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget_id: Option<String>,
    /// One of the report's named queries (default: its only one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The result column whose value is watched.
    pub column: String,
    /// When it is evaluated (cron, five fields).
    pub schedule: String,
    #[serde(default = "utc")]
    pub timezone: String,
    pub condition: Condition,
    /// A column whose members each get their own state (per store, per region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_member: Option<String>,
    /// No second message about the same member within this many minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_minutes: Option<u32>,
    /// While it keeps firing, a reminder every this many hours (default: none until it has
    /// recovered and fired again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renotify_hours: Option<u32>,
    /// A message when a firing member is back to normal.
    #[serde(default = "yes")]
    pub notify_resolved: bool,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn utc() -> String {
    "UTC".into()
}

fn yes() -> bool {
    true
}

/// When the watched value is wrong.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: ConditionKind,
    /// The threshold (`above`, `below`), or the change in percent (`change_pct`: fires when the
    /// last value moved by at least this much from the one before, either way).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `no_data`: fires when the newest row's date is older than this many hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    Above,
    Below,
    ChangePct,
    NoData,
    OutsideBand,
}

crate::model::status!(
    /// What an alert (or one of its members) found at its last evaluation.
    AlertState {
        Ok = "ok",
        Firing = "firing",
        NoData = "no_data",
        Error = "error",
    }
);

/// Most recipients, members watched, and the longest texts.
pub const MAX_RECIPIENTS: usize = 100;
pub const MAX_MEMBERS: usize = 500;
const MAX_NAME: usize = 200;

impl AlertDefinition {
    /// Checks what serde cannot; the error is (key, message).
    pub fn validate(&self, allow_private: bool) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if self.name.trim().is_empty() {
            return err("name", "must not be empty".into());
        }
        if self.name.chars().count() > MAX_NAME {
            return err("name", format!("is longer than {MAX_NAME} characters"));
        }
        if let Err(m) = super::text::no_control("name", &self.name, false) {
            return err("name", m["name: ".len()..].to_string());
        }
        match (&self.dashboard_id, &self.widget_id) {
            (Some(_), None) => {
                return err("widgetId", "name the dashboard's widget to watch".into())
            }
            (None, Some(_)) => return err("dashboardId", "name the widget's dashboard".into()),
            (None, None) if self.report_id.trim().is_empty() => {
                return err(
                    "reportId",
                    "name the report (or dashboard widget) whose value is watched".into(),
                )
            }
            _ => {}
        }
        for (key, text) in [
            ("column", Some(&self.column)),
            ("perMember", self.per_member.as_ref()),
            ("query", self.query.as_ref()),
        ] {
            if let Some(t) = text {
                if t.trim().is_empty() || t.chars().count() > MAX_NAME {
                    return err(key, format!("must be 1 to {MAX_NAME} characters"));
                }
            }
        }
        if let Err(e) = CronSchedule::parse(&self.schedule) {
            return err("schedule", e.to_string());
        }
        if let Err(m) = parse_timezone(&self.timezone) {
            return err("timezone", m);
        }
        let c = &self.condition;
        match c.kind {
            ConditionKind::Above | ConditionKind::Below | ConditionKind::ChangePct => {
                match c.value {
                    Some(v) if v.is_finite() => {}
                    _ => return err("condition.value", "give the threshold, a number".into()),
                }
                if c.kind == ConditionKind::ChangePct && c.value.is_some_and(|v| v <= 0.0) {
                    return err(
                        "condition.value",
                        "a change in percent above 0 (10 fires at ±10 %)".into(),
                    );
                }
            }
            ConditionKind::NoData => match c.hours {
                Some(h) if (1..=24 * 366).contains(&h) => {}
                _ => return err("condition.hours", "hours from 1 to 8784".into()),
            },
            ConditionKind::OutsideBand => {}
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return err("recipients", format!("at most {MAX_RECIPIENTS} recipients"));
        }
        for (j, r) in self.recipients.iter().enumerate() {
            if r.kind == super::schedule::RecipientKind::S3 {
                return err(
                    &format!("recipients[{j}].type"),
                    "an alert tells people (email, Slack, Teams, a webhook): s3 is for a schedule's files".into(),
                );
            }
            if let Err(m) = r.validate_with(allow_private) {
                return err(&format!("recipients[{j}].address"), m);
            }
        }
        if self.renotify_hours == Some(0) {
            return err("renotifyHours", "at least 1 hour".into());
        }
        Ok(())
    }
}

/// What one evaluation tells its recipients.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub alert_id: String,
    pub alert: String,
    pub subject: String,
    /// One line per member that fired, reminds or resolved.
    pub lines: Vec<String>,
    /// firing | resolved
    pub state: String,
    /// The report's page.
    pub link: String,
    /// A small chart (SVG): each member's value, or the value over the last evaluations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
}
