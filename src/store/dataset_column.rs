//! The `dataset_columns` table: each dataset column's label and format for people
//! (`ColumnMeta`), set on the dataset page.

use super::StoreError;
use crate::model::dataset::ColumnMeta;
use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// Every dataset's columns' labels and formats, by dataset then column.
pub fn all(
    conn: &Connection,
) -> Result<BTreeMap<String, BTreeMap<String, ColumnMeta>>, StoreError> {
    let mut stmt = conn.prepare("SELECT dataset, name, meta FROM dataset_columns")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out: BTreeMap<String, BTreeMap<String, ColumnMeta>> = BTreeMap::new();
    for row in rows {
        let (dataset, name, meta) = row?;
        out.entry(dataset)
            .or_default()
            .insert(name, serde_json::from_str(&meta)?);
    }
    Ok(out)
}

/// One dataset's columns' labels and formats.
pub fn of(conn: &Connection, dataset: &str) -> Result<BTreeMap<String, ColumnMeta>, StoreError> {
    Ok(all(conn)?.remove(dataset).unwrap_or_default())
}

/// Sets a column's label and format; an empty one is forgotten.
pub fn set(
    conn: &Connection,
    dataset: &str,
    column: &str,
    meta: &ColumnMeta,
) -> Result<(), StoreError> {
    if *meta == ColumnMeta::default() {
        conn.execute(
            "DELETE FROM dataset_columns WHERE dataset = ?1 AND name = ?2",
            params![dataset, column],
        )?;
    } else {
        conn.execute(
            "INSERT INTO dataset_columns (dataset, name, meta) VALUES (?1, ?2, ?3)
             ON CONFLICT (dataset, name) DO UPDATE SET meta = excluded.meta",
            params![dataset, column, serde_json::to_string(meta)?],
        )?;
    }
    Ok(())
}

/// Forgets a dataset's columns' labels and formats.
pub fn forget(conn: &Connection, dataset: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM dataset_columns WHERE dataset = ?1", [dataset])?;
    Ok(())
}
