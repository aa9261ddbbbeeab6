//! The file formats a report is exported to.

use super::id::{DashboardId, ExportId, ReportId, ResultId, WidgetId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

super::status! {
    /// Where an export file is in its life.
    ExportStatus {
        /// Written and downloadable.
        Completed = "completed",
        /// Could not be made; kept with its error, retryable.
        Failed = "failed",
        /// Past its retention; the file is gone, the record stays.
        Expired = "expired",
    }
}

/// A file format a report can be exported to.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Pdf,
    Xlsx,
    Csv,
    Json,
    /// A PowerPoint deck with native charts (`render::pptx`).
    Pptx,
}

impl ExportFormat {
    /// Every format.
    pub const ALL_FORMATS: &'static [ExportFormat] = &[
        ExportFormat::Pdf,
        ExportFormat::Xlsx,
        ExportFormat::Csv,
        ExportFormat::Json,
        ExportFormat::Pptx,
    ];

    /// The word stored: the extension.
    pub fn as_str(self) -> &'static str {
        self.extension()
    }

    /// Parses `pdf|xlsx|excel|csv|json|pptx|powerpoint`.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        Some(match s.to_ascii_lowercase().as_str() {
            "pdf" => ExportFormat::Pdf,
            "xlsx" | "excel" => ExportFormat::Xlsx,
            "csv" => ExportFormat::Csv,
            "json" => ExportFormat::Json,
            "pptx" | "powerpoint" => ExportFormat::Pptx,
            _ => return None,
        })
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "pdf",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Pptx => "pptx",
        }
    }

    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "application/pdf",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
            ExportFormat::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
        }
    }
}

/// What an export was made from: enough to make it again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub params: BTreeMap<String, String>,
    /// The day date expressions were relative to.
    pub today: chrono::NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_limit: Option<u32>,
    /// Made from a dashboard (its id is the record's `report_id`, `params` its filter values).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dashboard: bool,
    /// A dashboard's PDF laid on its side.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub landscape: bool,
    /// A dashboard's report parameters given with its filter values (the page's, by name).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub report_params: BTreeMap<String, String>,
    /// One widget of the dashboard (its download menu), not the whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<WidgetId>,
    /// Made from a generated result as it was stored (the record's `report_id` is its report's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultId>,
    /// The zone (IANA name) of the times inside the file: the reader's for a download, the
    /// schedule's for a scheduled run; UTC when none (exports recorded before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl ExportRequest {
    /// The zone of the times inside the file (`time_zone`, else UTC).
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone
            .as_deref()
            .and_then(crate::model::time::zone_named)
            .unwrap_or(chrono_tz::UTC)
    }
}

/// A recorded export.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRecord {
    pub id: ExportId,
    /// The report's id, or the dashboard's when `request.dashboard`.
    pub report_id: String,
    pub report_name: String,
    pub format: ExportFormat,
    pub file_name: String,
    pub size: i64,
    pub rows: i64,
    pub status: ExportStatus,
    pub duration_ms: i64,
    pub parameters: Vec<(String, String)>,
    pub created_at: String,
    pub expires_at: String,
    /// Absent for exports recorded before requests were kept: those cannot be retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<ExportRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The email of the person who made it (a download, a generated result); none for a
    /// schedule's (see `schedule_id`) and for exports recorded before makers were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub made_by: Option<String>,
    /// The schedule whose run made it (read from the run; not stored on the export).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    /// That schedule's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_name: Option<String>,
}

impl ExportRequest {
    /// What a file recorded with this request is made of; `subject` is its record's
    /// `report_id`.
    pub fn target(&self, subject: &str) -> Target {
        match (&self.result, self.dashboard, &self.widget) {
            (Some(r), ..) => Target::Result(r.clone()),
            (None, true, Some(w)) => Target::Widget(subject.into(), w.clone()),
            (None, true, None) => Target::Dashboard(subject.into()),
            (None, false, _) => Target::Report(subject.into()),
        }
    }

    /// The request marked as made of `target`, so [`ExportRequest::target`] reads it back.
    pub fn of(mut self, target: &Target) -> ExportRequest {
        (self.dashboard, self.widget, self.result) = match target {
            Target::Report(_) => (false, None, None),
            Target::Dashboard(_) => (true, None, None),
            Target::Widget(_, w) => (true, Some(w.clone()), None),
            Target::Result(r) => (false, None, Some(r.clone())),
        };
        self
    }
}

/// What a file is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A report, run now.
    Report(ReportId),
    /// A whole dashboard under its filter values, run now.
    Dashboard(DashboardId),
    /// One widget of a dashboard, run now.
    Widget(DashboardId, WidgetId),
    /// A generated result as it was stored: not run again.
    Result(ResultId),
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest slug of a report name in a file name (a Content-Disposition header carries it).
pub const MAX_SLUG_CHARS: usize = 80;

/// The file name of an export: `sales-overview-2026-11-23.pdf`. ASCII letters, digits and
/// dashes only, the name's part at most [`MAX_SLUG_CHARS`] long.
pub fn file_name(report: &str, date: chrono::NaiveDate, format: ExportFormat) -> String {
    format!(
        "{}-{}.{}",
        slug(report),
        date.format("%Y-%m-%d"),
        format.extension()
    )
}

/// A name as a file name's part: ASCII letters, digits and dashes, at most [`MAX_SLUG_CHARS`]
/// (`report` when nothing is left).
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if slug.len() > MAX_SLUG_CHARS {
            break;
        }
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(MAX_SLUG_CHARS);
    let slug = slug.trim_matches('-');
    if slug.is_empty() { "report" } else { slug }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_back_the_target_it_was_marked_with() {
        for (target, subject) in [
            (Target::Report("r".into()), "r"),
            (Target::Dashboard("d".into()), "d"),
            (Target::Widget("d".into(), "w".into()), "d"),
            (Target::Result("res".into()), "r"),
        ] {
            let request = ExportRequest::default().of(&target);
            let json = serde_json::to_string(&request).unwrap();
            let back: ExportRequest = serde_json::from_str(&json).unwrap();
            assert_eq!(back.target(subject), target, "{json}");
        }
        // Recorded before targets were kept: a dashboard's export said so with a flag.
        let old: ExportRequest =
            serde_json::from_str(r#"{"params":{},"today":"2026-11-23","dashboard":true}"#).unwrap();
        assert_eq!(old.target("d"), Target::Dashboard("d".into()));
    }

    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn file_names_are_ascii_slugs() {
        assert_eq!(
            file_name("Sales Overview", day(), ExportFormat::Pdf),
            "sales-overview-2026-11-23.pdf"
        );
        assert_eq!(
            file_name(
                "\"Q3\"; rm -rf /\r\nX-Evil: 1 — été",
                day(),
                ExportFormat::Csv
            ),
            "q3-rm-rf-x-evil-1-t-2026-11-23.csv"
        );
        assert_eq!(
            file_name("—", day(), ExportFormat::Xlsx),
            "report-2026-11-23.xlsx"
        );
    }

    #[test]
    fn a_huge_name_makes_a_short_file_name() {
        let name = file_name(&"Revenue ".repeat(200_000), day(), ExportFormat::Pdf);
        assert!(
            name.len() <= MAX_SLUG_CHARS + "-2026-11-23.pdf".len(),
            "{name}"
        );
        assert!(name.ends_with("-2026-11-23.pdf"), "{name}");
        assert!(!name.contains("--"), "{name}");
        let name = file_name(&"a".repeat(1 << 20), day(), ExportFormat::Pdf);
        assert_eq!(
            name,
            format!("{}-2026-11-23.pdf", "a".repeat(MAX_SLUG_CHARS))
        );
        assert!(name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    }
}
