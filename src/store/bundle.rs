//! The `bundle_links` table: which local object a bundle's object became, by the id it had where
//! it was exported, so importing the same bundle again updates them.

use super::StoreError;
use crate::model::version::Kept;
use rusqlite::{params, Connection, OptionalExtension};

/// The local id that `origin` became, if it was imported before.
pub fn local(conn: &Connection, kind: Kept, origin: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT local_id FROM bundle_links WHERE kind = ?1 AND origin = ?2",
            params![kind.as_str(), origin],
            |r| r.get(0),
        )
        .optional()?)
}

/// Remembers that `origin` became `local`.
pub fn link(conn: &Connection, kind: Kept, origin: &str, local: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO bundle_links (kind, origin, local_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, origin) DO UPDATE SET local_id = excluded.local_id",
        params![kind.as_str(), origin, local],
    )?;
    Ok(())
}
