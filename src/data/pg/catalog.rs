//! What a PostgreSQL source holds: its schemas' tables, views and columns, as far as Quire's
//! role may read them.

use super::{read_only, PgConn};
use crate::data::catalog::{FieldInfo, TableInfo};
use crate::data::query::{Bounds, QueryError};

/// Every table, view, materialized view and foreign table outside the system schemas that
/// the role may SELECT from, with its columns. Tables of `public` keep their plain name, the
/// others are `schema.table`.
pub fn tables(conn: &PgConn, bounds: Bounds) -> Result<Vec<TableInfo>, QueryError> {
    read_only(conn, bounds, |tx| {
        let rows = tx.query(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text, a.attname::text,
                    format_type(a.atttypid, a.atttypmod)
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_%'
               AND has_schema_privilege(n.oid, 'USAGE')
               AND has_table_privilege(c.oid, 'SELECT')
             ORDER BY n.nspname = 'public' DESC, n.nspname, c.relname, a.attnum",
            &[],
        )?;
        let mut out: Vec<TableInfo> = Vec::new();
        for r in rows {
            let (schema, table, kind): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            let name = match schema.as_str() {
                "public" => table,
                s => format!("{s}.{table}"),
            };
            let field = FieldInfo {
                name: r.get(3),
                kind: r.get(4),
            };
            match out.last_mut() {
                Some(t) if t.name == name => t.fields.push(field),
                _ => out.push(TableInfo {
                    name,
                    schema: Some(schema),
                    kind: Some(
                        match kind.as_str() {
                            "v" => "view",
                            "m" => "materialized view",
                            "f" => "foreign table",
                            _ => "table",
                        }
                        .into(),
                    ),
                    fields: vec![field],
                }),
            }
        }
        Ok(out)
    })
}

/// What a column holds, as the builder groups it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Number,
    Text,
    Date,
    Boolean,
}

/// The columns of the table or view `relation` (a name as SQL writes it, quoted, found on
/// the search path) and their kinds, in table order; empty when there is no such relation.
pub fn columns(
    conn: &PgConn,
    relation: &str,
    bounds: Bounds,
) -> Result<Vec<(String, ColumnKind)>, QueryError> {
    read_only(conn, bounds, |tx| {
        let rows = tx.query(
            "SELECT a.attname::text, t.typcategory::text, format_type(a.atttypid, NULL)
             FROM pg_attribute a
             JOIN pg_type t ON t.oid = a.atttypid
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            &[&relation],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let (category, ty): (String, String) = (r.get(1), r.get(2));
                let kind = match category.as_str() {
                    "N" => ColumnKind::Number,
                    "B" => ColumnKind::Boolean,
                    "D" if ty == "date" || ty.starts_with("timestamp") => ColumnKind::Date,
                    _ => ColumnKind::Text,
                };
                (r.get(0), kind)
            })
            .collect())
    })
}
