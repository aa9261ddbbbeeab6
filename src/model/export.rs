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
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Pdf,
    Xlsx,
    Csv,
    Json,
}

impl ExportFormat {
    /// Every format.
    pub const ALL_FORMATS: &'static [ExportFormat] = &[
        ExportFormat::Pdf,
        ExportFormat::Xlsx,
        ExportFormat::Csv,
        ExportFormat::Json,
    ];

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

/// Longest slug of a report name in a file name (a Content-Disposition header carries it).
pub const MAX_SLUG_CHARS: usize = 80;

/// The file name of an export: `sales-overview-2026-11-23.pdf`. ASCII letters, digits and
/// dashes only, the name's part at most [`MAX_SLUG_CHARS`] long.
pub fn file_name(report: &str, date: chrono::NaiveDate, format: ExportFormat) -> String {
    let mut slug = String::new();
    for c in report.chars() {
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
    let slug = if slug.is_empty() { "report" } else { slug };
    format!("{slug}-{}.{}", date.format("%Y-%m-%d"), format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

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
