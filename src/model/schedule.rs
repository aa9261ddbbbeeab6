//! Schedules: a report sent on a cron, in a time zone, to recipients.

use super::cron::{parse_timezone, CronSchedule};
use super::export::ExportFormat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

super::status! {
    /// Where a run of a schedule is.
    RunStatus {
        /// Rendering its export.
        Running = "running",
        /// Rendered; its deliveries are under way.
        Delivering = "delivering",
        /// Every recipient got it.
        Succeeded = "succeeded",
        /// The render failed, or a delivery was given up.
        Failed = "failed",
    }
}

super::status! {
    /// Where one recipient's delivery is.
    DeliveryStatus {
        /// Not sent yet, or waiting for a retry.
        Pending = "pending",
        Delivered = "delivered",
        /// Given up.
        Failed = "failed",
    }
}

/// A schedule (`[[schedules]]`, the API and the form): when a report is sent, to whom, how.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleDefinition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// Report id or name.
    pub report_id: String,
    /// Cron expression (5 or 6 fields, or @daily etc.).
    pub schedule: String,
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    #[serde(default)]
    pub export_format: ExportFormat,
    /// Rows of each table in the delivered report (default: the report's rowLimit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_limit: Option<u32>,
}

impl ScheduleDefinition {
    /// Checks what serde cannot: cron, time zone, recipients. The error is `(key, message)`
    /// with the key relative to the schedule (`schedule`, `recipients[1].address`, ...).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if self.name.trim().is_empty() {
            return err("name", "must not be empty".into());
        }
        if self.name.chars().count() > 200 {
            return err("name", "is longer than 200 characters".into());
        }
        if let Err(e) = CronSchedule::parse(&self.schedule) {
            return err("schedule", e.to_string());
        }
        if let Err(m) = parse_timezone(&self.timezone) {
            return err("timezone", m);
        }
        if self.recipients.len() > 100 {
            return err("recipients", "at most 100 recipients".into());
        }
        for (j, r) in self.recipients.iter().enumerate() {
            if let Err(m) = r.validate() {
                return err(&format!("recipients[{j}].address"), m);
            }
        }
        if self.row_limit == Some(0) {
            return err("rowLimit", "must be at least 1".into());
        }
        Ok(())
    }
}

impl Recipient {
    /// An email recipient needs a mailbox, the others an http(s) URL.
    pub fn validate(&self) -> Result<(), String> {
        let a = self.address.trim();
        match self.kind {
            RecipientKind::Email => a
                .parse::<lettre::message::Mailbox>()
                .map(|_| ())
                .map_err(|_| format!("`{a}` is not an email address")),
            _ => match reqwest::Url::parse(a) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
                _ => Err(format!(
                    "`{}` is not an http(s) URL (a {} recipient is a webhook URL)",
                    super::text::truncate(a, 80),
                    self.kind.as_str()
                )),
            },
        }
    }
}

impl RecipientKind {
    /// The name used in config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientKind::Email => "email",
            RecipientKind::Slack => "slack",
            RecipientKind::Teams => "teams",
            RecipientKind::Webhook => "webhook",
        }
    }

    /// Parses `email|slack|teams|webhook`.
    pub fn parse(s: &str) -> Option<RecipientKind> {
        Some(match s {
            "email" => RecipientKind::Email,
            "slack" => RecipientKind::Slack,
            "teams" => RecipientKind::Teams,
            "webhook" => RecipientKind::Webhook,
            _ => return None,
        })
    }
}

fn utc() -> String {
    "UTC".into()
}

fn yes() -> bool {
    true
}

/// Someone or something a scheduled report is delivered to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    #[serde(rename = "type")]
    pub kind: RecipientKind,
    pub address: String,
}

/// The delivery channel of a recipient.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RecipientKind {
    Email,
    Slack,
    Teams,
    Webhook,
}
