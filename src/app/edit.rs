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
    /// They may see the object but not change it.
    #[error("{0}")]
    Forbidden(String),
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

/// Who makes a change and what they say about it: kept with the version it makes.
#[derive(Debug, Clone, Default)]
pub struct Author {
    /// An email, `reports.toml`, or none (a change by the system).
    pub by: Option<String>,
    pub note: Option<String>,
}

impl Author {
    /// A change by `by` (an email) without a note.
    pub fn by(by: Option<String>) -> Self {
        Author { by, note: None }
    }

    /// Keeps `body` (a definition's JSON as stored) as the object's newest version by this
    /// author, in the save's transaction `conn` (`store::version::record`).
    pub fn keep(
        &self,
        conn: &rusqlite::Connection,
        kind: crate::model::version::Kept,
        id: &str,
        body: &str,
        first: Option<&str>,
    ) -> Result<i64, StoreError> {
        crate::store::version::record(
            conn,
            kind,
            id,
            body,
            self.by.as_deref(),
            self.note.as_deref(),
            first,
        )
    }

    /// With `note` (checked: [`crate::model::version::note_of`]).
    pub fn noting(mut self, note: Option<&str>) -> Result<Self, EditError> {
        self.note = crate::model::version::note_of(note).map_err(|m| invalid("note", m))?;
        Ok(self)
    }
}
