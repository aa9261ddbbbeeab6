//! The `relationships` table: the join the builder remembers for a pair of tables of a source.

use super::StoreError;
use crate::model::report::{JoinKey, JoinKind};
use rusqlite::{params, Connection, OptionalExtension};

/// The join remembered for joining `right` to `left` in `source`: the rows it keeps and its
/// keys.
pub fn get(
    conn: &Connection,
    source: &str,
    left: &str,
    right: &str,
) -> Result<Option<(JoinKind, Vec<JoinKey>)>, StoreError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT kind, keys FROM relationships
             WHERE source = ?1 AND left_table = ?2 AND right_table = ?3",
            params![source, left, right],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        None => None,
        Some((kind, keys)) => Some((
            serde_json::from_value(serde_json::Value::String(kind))?,
            serde_json::from_str(&keys)?,
        )),
    })
}

/// Remembers the join of `right` to `left` in `source` (replacing the one remembered).
pub fn save(
    conn: &Connection,
    source: &str,
    (left, right): (&str, &str),
    kind: JoinKind,
    keys: &[JoinKey],
    by: &str,
) -> Result<(), StoreError> {
    let kind = serde_json::to_value(kind)?;
    conn.execute(
        "INSERT INTO relationships (source, left_table, right_table, kind, keys, saved_by, saved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
         ON CONFLICT (source, left_table, right_table)
         DO UPDATE SET kind = excluded.kind, keys = excluded.keys, saved_by = excluded.saved_by,
                       saved_at = excluded.saved_at",
        params![
            source,
            left,
            right,
            kind.as_str().unwrap_or("left"),
            serde_json::to_string(keys)?,
            by
        ],
    )?;
    Ok(())
}
