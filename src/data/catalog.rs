//! What can be queried: the tables of a data source and their columns.

use rusqlite::Connection;
use serde::Serialize;

/// A table or view and its fields.
#[derive(Debug, Clone, Serialize)]
pub struct TableInfo {
    pub name: String,
    /// The schema (PostgreSQL sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `table`, `view`, `materialized view` or `foreign table` (PostgreSQL sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub fields: Vec<FieldInfo>,
}

/// A column and its declared type.
#[derive(Debug, Clone, Serialize)]
pub struct FieldInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Every user table and view of the connection's database, by name.
pub fn tables(conn: &Connection) -> rusqlite::Result<Vec<TableInfo>> {
    let mut names = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'quire\\_import\\_%' ESCAPE '\\'
         ORDER BY name",
    )?;
    let names: Vec<String> = names
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut cols = conn.prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")?;
    names
        .into_iter()
        .map(|name| {
            let fields = cols
                .query_map([&name], |r| {
                    Ok(FieldInfo {
                        name: r.get(0)?,
                        kind: r.get(1)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(TableInfo {
                name,
                schema: None,
                kind: None,
                fields,
            })
        })
        .collect()
}
