//! Delivering a run's export to its recipients: email, Slack, Teams, webhooks, through the
//! outbox (`outbox.rs`) that retries with backoff and never drops a delivery silently.

pub mod email;
pub mod link;
pub mod outbox;
pub mod png;
pub mod summary;
pub mod webhook;

use crate::config::ExportFormat;

/// The file a delivery carries.
pub struct Attachment {
    pub name: String,
    pub format: ExportFormat,
    pub bytes: Vec<u8>,
}

/// A failed send: retried later, or final.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    pub retryable: bool,
}

impl SendError {
    /// Worth trying again later (connection refused, timeout, 5xx).
    pub fn retry(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            retryable: true,
        }
    }

    /// Will fail the same way however often it is tried (bad address, 4xx).
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            retryable: false,
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
