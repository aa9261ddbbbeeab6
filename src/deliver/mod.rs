//! Delivering a run's export to its recipients: email, Slack, Teams, webhooks, S3, through the
//! outbox (`outbox.rs`) that retries with backoff and never drops a delivery silently.

pub mod alert;
pub mod email;
pub mod link;
pub mod outbox;
pub mod s3;
pub mod summary;
pub mod target;
pub mod webhook;

use crate::model::export::ExportFormat;

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
