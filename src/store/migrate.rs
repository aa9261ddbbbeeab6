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
    (
        "0007_dashboard_schedules",
        include_str!("../../migrations/0007_dashboard_schedules.sql"),
    ),
    (
        "0008_user_time_zone",
        include_str!("../../migrations/0008_user_time_zone.sql"),
    ),
    (
        "0009_export_makers",
        include_str!("../../migrations/0009_export_makers.sql"),
    ),
    (
        "0010_result_snapshots",
        include_str!("../../migrations/0010_result_snapshots.sql"),
    ),
    (
        "0011_dataset_columns",
        include_str!("../../migrations/0011_dataset_columns.sql"),
    ),
    (
        "0012_relationships",
        include_str!("../../migrations/0012_relationships.sql"),
    ),
    (
        "0013_alerts",
        include_str!("../../migrations/0013_alerts.sql"),
    ),
    (
        "0014_versions",
        include_str!("../../migrations/0014_versions.sql"),
    ),
    (
        "0015_access",
        include_str!("../../migrations/0015_access.sql"),
    ),
    (
        "0016_collections",
        include_str!("../../migrations/0016_collections.sql"),
    ),
    (
        "0017_object_shares",
        include_str!("../../migrations/0017_object_shares.sql"),
    ),
    ("0018_oidc", include_str!("../../migrations/0018_oidc.sql")),
];

/// The first line of a migration that rebuilds a table others refer to: it runs with foreign
/// keys off (SQLite's way to change a table: a DROP would cascade to the rows referring to
/// it), and they are checked before it commits.
const FOREIGN_KEYS_OFF: &str = "-- quire: foreign keys off";

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
        let keys_off = sql.starts_with(FOREIGN_KEYS_OFF);
        let keys_were: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
        if keys_off {
            // Outside the transaction: the pragma is a no-op inside one.
            conn.pragma_update(None, "foreign_keys", false)?;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|source| MigrateError::Failed { name, source })?;
        if keys_off {
            let broken: i64 =
                tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?;
            if broken > 0 {
                return Err(MigrateError::Failed {
                    name,
                    source: rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
                        Some(format!("{broken} rows would refer to rows that are gone")),
                    ),
                });
            }
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        if keys_off {
            conn.pragma_update(None, "foreign_keys", keys_were)?;
        }
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilding_the_schedules_table_keeps_their_runs() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        let tx = conn.transaction().unwrap();
        for (_, sql) in &MIGRATIONS[..6] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 6).unwrap();
        tx.execute_batch(
            "INSERT INTO reports (id, name, definition, created_at, updated_at)
                 VALUES ('r', 'R', '{}', 't', 't');
             INSERT INTO schedules (id, name, report_id, cron, created_at, updated_at)
                 VALUES ('s', 'S', 'r', '@daily', 't', 't');
             INSERT INTO schedule_runs (id, schedule_id, trigger, status, started_at)
                 VALUES ('run', 's', 'manual', 'succeeded', 't');",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        let runs: i64 = conn
            .query_row("SELECT count(*) FROM schedule_runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(runs, 1);
        let keys: bool = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert!(keys, "foreign keys are on again");
        // Deleting the report still takes its schedule and runs with it.
        conn.execute("DELETE FROM reports", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM schedule_runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

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
