//! A dataset column's label and format for people (the dataset page's "Names and formats"),
//! checked and stored; and the runs that show values as the installation and its datasets say.

use super::Ctx;
use crate::model::dataset::ColumnMeta;
use crate::model::report::MAX_LABEL_CHARS;
use crate::store::{self, StoreError};
use std::sync::Arc;

/// Why a column's label or format was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ColumnMetaError {
    #[error("no dataset named `{0}`")]
    NoDataset(String),
    #[error("column: the dataset has no column `{0}`")]
    NoColumn(String),
    #[error("label: {0}")]
    Label(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<r2d2::Error> for ColumnMetaError {
    fn from(e: r2d2::Error) -> Self {
        ColumnMetaError::Store(e.into())
    }
}

/// Runs `f` (a report's run or render) with values shown in the installation's locale and
/// with each dataset column's label and format (read once, the connection given back first).
pub fn shown<T>(ctx: &Ctx, f: impl FnOnce() -> T) -> T {
    let columns = match ctx.store.app.get() {
        Ok(conn) => store::dataset_column::all(&conn).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "dataset column labels not read");
            Default::default()
        }),
        Err(_) => Default::default(),
    };
    crate::report::format::in_locale(ctx.config.branding.locale(), || {
        crate::report::format::with_columns(Arc::new(columns), f)
    })
}

/// The labels and formats of `dataset`'s columns.
pub fn of(
    ctx: &Ctx,
    dataset: &str,
) -> Result<std::collections::BTreeMap<String, ColumnMeta>, ColumnMetaError> {
    Ok(store::dataset_column::of(&*ctx.store.app.get()?, dataset)?)
}

/// Sets the label and format of `column` of `dataset` (an empty label: the column's name).
pub fn set(
    ctx: &Ctx,
    dataset: &str,
    column: &str,
    meta: ColumnMeta,
) -> Result<(), ColumnMetaError> {
    let conn = ctx.store.app.get()?;
    let info = store::dataset::get(&conn, dataset)?
        .ok_or_else(|| ColumnMetaError::NoDataset(crate::model::text::truncate(dataset, 60)))?;
    if !info.columns.iter().any(|c| c.name == column) {
        return Err(ColumnMetaError::NoColumn(crate::model::text::truncate(
            column, 60,
        )));
    }
    let label = meta
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if let Some(l) = label {
        if l.chars().count() > MAX_LABEL_CHARS {
            return Err(ColumnMetaError::Label(format!(
                "longer than {MAX_LABEL_CHARS} characters"
            )));
        }
        if l.chars().any(char::is_control) {
            return Err(ColumnMetaError::Label(
                "control characters are not allowed".into(),
            ));
        }
    }
    let meta = ColumnMeta {
        label: label.map(str::to_string),
        format: meta.format,
    };
    store::dataset_column::set(&conn, dataset, column, &meta)?;
    Ok(())
}
