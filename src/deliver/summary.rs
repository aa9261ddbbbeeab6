//! What every message of a run says: the report, the date, the parameters and the KPI lines.
//! Stored with the run as JSON, so a retry after a restart sends exactly the same words.

use crate::model::time::shown;
use crate::report::run::{ChartOut, Item, Output};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The summary of one run's report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub report_id: String,
    pub report_name: String,
    pub schedule_name: String,
    /// The fire date in the schedule's zone: the date in the subject line.
    pub date: NaiveDate,
    pub parameters: Vec<(String, String)>,
    pub kpis: Vec<KpiLine>,
    /// Title of the chart shown in the email body, if the report has one.
    pub chart_title: Option<String>,
    /// The schedule's zone (IANA), in which messages give their times; runs stored before it
    /// was kept have none and say UTC.
    #[serde(default)]
    pub time_zone: String,
    /// When the run was due, in that zone: `Mon 2026-12-07 09:00 EST`.
    #[serde(default)]
    pub run_at: String,
    /// What changed, in words (the report's `options.insights`): the message opens with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

/// One KPI as messages show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct KpiLine {
    pub title: String,
    pub value: String,
    pub previous: Option<String>,
    /// `+15.4%`, `-1.3%` or `n/a`.
    pub change: Option<String>,
    /// `up`, `down` or `flat`.
    pub direction: String,
}

impl Summary {
    /// The summary of `out`, run for `schedule_name` on `date`.
    pub fn new(out: &Output, schedule_name: &str, date: NaiveDate) -> Summary {
        Summary {
            report_id: out.report_id.clone(),
            report_name: out.name.clone(),
            schedule_name: schedule_name.to_string(),
            date,
            parameters: out.parameters.clone(),
            kpis: out
                .kpis()
                .map(|k| KpiLine {
                    title: k.title.clone(),
                    value: k.value.clone(),
                    previous: k.previous.clone(),
                    change: k.change.clone(),
                    direction: k.direction.to_string(),
                })
                .collect(),
            chart_title: main_chart(out).map(|c| c.title.clone()),
            time_zone: String::new(),
            run_at: String::new(),
            narrative: out.narrative.clone(),
        }
    }

    /// The same, saying the run was due at `fire_at` in the schedule's zone `tz`.
    pub fn due(mut self, fire_at: DateTime<Utc>, tz: Tz) -> Summary {
        self.time_zone = tz.name().to_string();
        self.run_at = shown(fire_at, tz);
        self
    }

    /// A time as these messages give it: in the schedule's zone, named (UTC for runs stored
    /// without one).
    pub fn time(&self, t: DateTime<Utc>) -> String {
        shown(t, self.time_zone.parse().unwrap_or(Tz::UTC))
    }

    /// `Run of Mon 2026-12-07 09:00 EST (America/New_York), schedule “Weekly”`, or None for runs
    /// stored without it.
    pub fn run_line(&self) -> Option<String> {
        (!self.run_at.is_empty()).then(|| {
            format!(
                "Run of {} ({}), schedule “{}”",
                self.run_at, self.time_zone, self.schedule_name
            )
        })
    }

    /// The subject line: `<report> — <date>`.
    pub fn subject(&self) -> String {
        format!("{} — {}", self.report_name, self.date.format("%Y-%m-%d"))
    }

    /// A KPI as one line of text: `Revenue: $1,234.00 (+5.0% vs $1,175.00)`.
    pub fn kpi_text(k: &KpiLine) -> String {
        match (&k.change, &k.previous) {
            (Some(c), Some(p)) => format!("{}: {} ({c} vs {p})", k.title, k.value),
            _ => format!("{}: {}", k.title, k.value),
        }
    }
}

/// The chart an email shows: the report's first, in layout order.
pub fn main_chart(out: &Output) -> Option<&ChartOut> {
    out.sections
        .iter()
        .flat_map(|s| s.items.iter())
        .find_map(|i| match i {
            Item::Chart(c) => Some(c),
            _ => None,
        })
}
