//! The `datasets` table: which datasets exist and where their rows are.

use super::StoreError;
use crate::model::dataset::DatasetInfo;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension};

/// Records a finished import.
pub fn record(conn: &Connection, info: &DatasetInfo) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO datasets (name, table_name, source, source_hash, row_count, columns, imported_at)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (name) DO UPDATE SET source = excluded.source, source_hash = excluded.source_hash,
             row_count = excluded.row_count, columns = excluded.columns, imported_at = excluded.imported_at",
        params![
            info.name,
            info.source,
            info.source_hash,
            info.row_count as i64,
            serde_json::to_string(&info.columns)?,
            now_text()
        ],
    )?;
    Ok(())
}

/// Sets a dataset's columns (a column given another type); false if there is no such dataset.
pub fn set_columns(
    conn: &Connection,
    name: &str,
    columns: &[crate::model::dataset::ColumnInfo],
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE datasets SET columns = ?2 WHERE name = ?1",
        params![name, serde_json::to_string(columns)?],
    )?;
    Ok(n == 1)
}

/// The dataset called `name`.
pub fn get(conn: &Connection, name: &str) -> Result<Option<DatasetInfo>, StoreError> {
    let row = conn
        .query_row(
            "SELECT name, source, source_hash, row_count, columns, imported_at FROM datasets WHERE name = ?1",
            [name],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((name, source, source_hash, rows, columns, imported_at)) => Ok(Some(DatasetInfo {
            name,
            source,
            source_hash,
            row_count: rows as u64,
            columns: serde_json::from_str(&columns)?,
            imported_at,
        })),
    }
}

/// Every dataset, by name.
pub fn list(conn: &Connection) -> Result<Vec<DatasetInfo>, StoreError> {
    let mut stmt = conn.prepare("SELECT name FROM datasets ORDER BY name")?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        if let Some(d) = get(conn, &n)? {
            out.push(d);
        }
    }
    Ok(out)
}

/// Forgets a dataset.
pub fn remove(conn: &Connection, name: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM datasets WHERE name = ?1", [name])?;
    Ok(())
}
