//! Numbered SQL migrations embedded in the binary, applied in order at start, one transaction each.

use rusqlite::Connection;

/// The migrations, in order; the position + 1 is the schema version.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    (
        "0002_delivery",
        include_str!("../../migrations/0002_delivery.sql"),
    ),
    ("0003_jobs", include_str!("../../migrations/0003_jobs.sql")),
    (
        "0004_accounts",
        include_str!("../../migrations/0004_accounts.sql"),
    ),
    (
        "0005_dashboards",
        include_str!("../../migrations/0005_dashboards.sql"),
    ),
    (
        "0006_shares",
        include_str!("../../migrations/0006_shares.sql"),
    ),
];

/// Errors from migrating.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("the database is at schema version {found}, newer than this binary knows ({known}): use a newer Quire")]
    TooNew { found: i64, known: i64 },
    #[error("migration {name} failed: {source}")]
    Failed {
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Brings the schema up to date.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(MigrateError::TooNew {
            found: current,
            known,
        });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|source| MigrateError::Failed { name, source })?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op_and_a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&mut conn).unwrap_err().to_string();
        assert!(err.contains("99"), "{err}");
    }
}
