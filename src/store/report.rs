//! The `reports` table.

use super::StoreError;
use crate::model::report::{BuilderSpec, Nested, ReportDefinition, MAX_NESTING};
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension};

/// A stored report: its id and definition.
#[derive(Debug, Clone)]
pub struct StoredReport {
    pub id: String,
    pub definition: ReportDefinition,
    pub updated_at: String,
}

/// Inserts or replaces the report with this id. Returns the definition's JSON as stored.
pub fn upsert(
    conn: &Connection,
    id: &str,
    def: &ReportDefinition,
    provisioned: bool,
) -> Result<String, StoreError> {
    let json = serde_json::to_string(def)?;
    let now = now_text();
    conn.execute(
        "INSERT INTO reports (id, name, definition, provisioned, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, definition = excluded.definition,
             provisioned = excluded.provisioned,
             updated_at = CASE WHEN definition = excluded.definition THEN updated_at ELSE excluded.updated_at END",
        params![id, def.name, json, provisioned, now],
    )?;
    Ok(json)
}

/// The report whose id or name is `key`.
pub fn find(conn: &Connection, key: &str) -> Result<Option<StoredReport>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, definition, updated_at FROM reports WHERE id = ?1 OR name = ?1
             ORDER BY id = ?1 DESC LIMIT 1",
            [key],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        Some((id, json, updated_at)) => {
            let mut definition = serde_json::from_str(&json)?;
            resolve(conn, &id, &mut definition);
            Ok(Some(StoredReport {
                id,
                definition,
                updated_at,
            }))
        }
        None => Ok(None),
    }
}

/// The report with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<StoredReport>, StoreError> {
    Ok(find(conn, id)?.filter(|r| r.id == id))
}

/// Deletes a report (its schedules and dashboards go with it: the caller checks first).
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM reports WHERE id = ?1", [id])? == 1)
}

/// Every report, by name.
pub fn list(conn: &Connection) -> Result<Vec<StoredReport>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, definition, updated_at FROM reports ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, json, updated_at) = row?;
        let mut definition = serde_json::from_str(&json)?;
        resolve(conn, &id, &mut definition);
        out.push(StoredReport {
            id,
            definition,
            updated_at,
        });
    }
    Ok(out)
}

/// Reads the saved questions `def` (the report `id`) is built on into its specs (see
/// [`resolve_spec`]).
pub fn resolve(conn: &Connection, id: &str, def: &mut ReportDefinition) {
    let specs = def
        .builder
        .iter_mut()
        .chain(def.queries.values_mut().filter_map(|q| q.builder.as_mut()));
    for spec in specs {
        resolve_spec(conn, &mut vec![id.to_string()], spec);
    }
}

/// Reads the saved question `spec` is built on (`spec.source`), and the one that is built on,
/// and so on, as they are now. `chain` holds the reports already on the way (the first the
/// one `spec` belongs to, when saved): a question that would read itself, one more than
/// [`MAX_NESTING`] deep, a missing report or a SQL one is kept as the error that says so.
pub fn resolve_spec(conn: &Connection, chain: &mut Vec<String>, spec: &mut BuilderSpec) {
    let Some(source) = spec.source.as_mut() else {
        return;
    };
    let nested = nested(conn, chain, &source.report, source.query.as_deref());
    source.resolved = Some(std::sync::Arc::new(nested));
}

fn nested(
    conn: &Connection,
    chain: &mut Vec<String>,
    report: &str,
    query: Option<&str>,
) -> Result<Nested, String> {
    let shown = crate::model::text::truncate(report, 80);
    if chain.iter().any(|c| c == report) {
        return Err(format!(
            "the question `{shown}` reads this one: a question cannot be built on itself"
        ));
    }
    if chain.len() > MAX_NESTING {
        return Err(format!(
            "questions may be built on saved questions {MAX_NESTING} deep at most"
        ));
    }
    let stored = conn
        .query_row(
            "SELECT definition FROM reports WHERE id = ?1",
            [report],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no report with id `{shown}`"))?;
    let def: ReportDefinition = serde_json::from_str(&stored).map_err(|e| e.to_string())?;
    let spec = match query {
        None => match (&def.builder, def.queries.len()) {
            (Some(b), _) => Ok(b.clone()),
            (None, 0) => Err(format!(
                "`{}` is a SQL report: questions are built on builder questions",
                def.name
            )),
            (None, _) => Err(format!(
                "`{}` has several queries: name one in `builder.source.query`",
                def.name
            )),
        },
        Some(q) => match def.queries.get(q) {
            Some(named) => named.builder.clone().ok_or_else(|| {
                format!(
                    "the query `{q}` of `{}` is SQL: questions are built on builder questions",
                    def.name
                )
            }),
            None => Err(format!(
                "`{}` has no query named `{}`",
                def.name,
                crate::model::text::truncate(q, 80)
            )),
        },
    };
    let mut spec = spec?;
    chain.push(report.to_string());
    resolve_spec(conn, chain, &mut spec);
    chain.pop();
    Ok(Nested {
        name: def.name,
        data_source: def.data_source,
        parameters: def.parameters,
        spec,
    })
}
