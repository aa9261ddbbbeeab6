//! What is wrong with a schedule form, shared by the form (`form`) and its rows (`rows`).

/// What is wrong with a form: the form field to mark (and its row, for rows) and a message that
/// names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub field: &'static str,
    /// The row of `recipients` or `parameters`, from 0 as posted.
    pub row: Option<usize>,
    pub message: String,
}

pub(super) fn fail<T>(field: &'static str, message: impl Into<String>) -> Result<T, FormError> {
    Err(FormError {
        field,
        row: None,
        message: message.into(),
    })
}
