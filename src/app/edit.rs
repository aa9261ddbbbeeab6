//! Why a change to a stored object (a report, a schedule) was refused. Every edit path checks
//! everything before it writes, so a refusal leaves the store as it was.

use crate::store::StoreError;

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The input is wrong; `field` names where (`visualizations.trend.dataMapping.y`).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// "no report with id `x`".
    #[error("{0}")]
    NotFound(String),
    /// The change would break something that depends on the object.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<r2d2::Error> for EditError {
    fn from(e: r2d2::Error) -> Self {
        EditError::Store(e.into())
    }
}

/// An `Invalid` refusal.
pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> EditError {
    EditError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}
