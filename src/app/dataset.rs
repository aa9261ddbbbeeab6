//! Datasets in the store: import (every way in goes through here), list, delete.

use crate::data::import::{self, DatasetName, ImportError, Input, Options};
use crate::model::dataset::DatasetInfo;
use crate::store::{self, Store, StoreError};

/// Why a dataset operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no dataset named `{0}`")]
    NotFound(String),
}

impl From<r2d2::Error> for DatasetError {
    fn from(e: r2d2::Error) -> Self {
        DatasetError::Store(e.into())
    }
}

impl From<rusqlite::Error> for DatasetError {
    fn from(e: rusqlite::Error) -> Self {
        DatasetError::Store(e.into())
    }
}

/// Imports `input` as `name` and records it. With `skip_unchanged`, a file whose content was
/// imported last time is left alone (returns None).
pub fn import(
    store: &Store,
    name: &DatasetName,
    file: &str,
    input: &Input,
    opts: &Options,
    skip_unchanged: bool,
    progress: &dyn Fn(u64),
) -> Result<Option<DatasetInfo>, DatasetError> {
    let existing = store::dataset::get(&*store.app.get()?, name.as_str())?;
    if skip_unchanged {
        let hash = input.hash().map_err(|e| ImportError::Io {
            file: file.to_string(),
            source: e,
        })?;
        if existing.as_ref().is_some_and(|d| d.source_hash == hash) {
            return Ok(None);
        }
    }
    let mut data = store.data.get()?;
    let info = import::import(
        &mut data,
        name,
        file,
        input,
        opts,
        existing.as_ref().map(|d| d.columns.as_slice()),
        progress,
    )?;
    store::dataset::record(&*store.app.get()?, &info)?;
    store.cache.bump("main", name.as_str());
    tracing::info!(
        dataset = name.as_str(),
        rows = info.row_count,
        file,
        "imported dataset"
    );
    Ok(Some(info))
}

/// Drops a dataset's table and forgets it.
pub fn delete(store: &Store, name: &str) -> Result<(), DatasetError> {
    let app = store.app.get()?;
    if store::dataset::get(&app, name)?.is_none() {
        return Err(DatasetError::NotFound(name.to_string()));
    }
    let name = DatasetName::parse(name)?;
    store
        .data
        .get()?
        .execute_batch(&format!("DROP TABLE IF EXISTS \"{}\"", name.as_str()))?;
    store::dataset::remove(&app, name.as_str())?;
    store.cache.bump("main", name.as_str());
    Ok(())
}

/// The first `n` rows of a dataset.
pub fn preview(
    store: &Store,
    name: &str,
    n: u32,
) -> Result<crate::data::query::ResultSet, DatasetError> {
    let name = DatasetName::parse(name)?;
    let conn = store.data_ro.get()?;
    let bounds = crate::data::query::Bounds {
        timeout: std::time::Duration::from_secs(10),
        max_rows: n,
        memory_mb: crate::config::LimitsConfig::default().query_memory_mb,
        result_mb: crate::config::LimitsConfig::default().result_mb,
    };
    crate::data::query::fetch(
        &conn,
        &format!("SELECT * FROM \"{}\"", name.as_str()),
        &Default::default(),
        Some((0, n)),
        bounds,
    )
    .map_err(|e| {
        DatasetError::Store(StoreError::Source {
            name: name.as_str().to_string(),
            message: e.to_string(),
        })
    })
}
