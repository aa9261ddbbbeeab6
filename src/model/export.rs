//! The file formats a report is exported to.

use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Pdf,
    Xlsx,
    Csv,
    Json,
}

impl ExportFormat {
    /// Parses `pdf|xlsx|excel|csv|json`.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        Some(match s.to_ascii_lowercase().as_str() {
            "pdf" => ExportFormat::Pdf,
            "xlsx" | "excel" => ExportFormat::Xlsx,
            "csv" => ExportFormat::Csv,
            "json" => ExportFormat::Json,
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
        }
    }
}

/// The file name of an export: `sales-overview-2026-11-23.pdf`.
pub fn file_name(report: &str, date: chrono::NaiveDate, format: ExportFormat) -> String {
    let mut slug = String::new();
    for c in report.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    let slug = if slug.is_empty() { "report" } else { slug };
    format!("{slug}-{}.{}", date.format("%Y-%m-%d"), format.extension())
}
