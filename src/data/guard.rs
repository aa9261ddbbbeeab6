//! Read-only by construction: an SQLite authorizer that allows reading and nothing else.
//! Installed around every report query; the reason for a refusal is kept to be reported.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Table-valued pragmas that only describe the schema.
const SCHEMA_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
];

/// Functions refused even though SQLite would run them.
const REFUSED_FUNCTIONS: &[&str] = &[
    "load_extension",
    "fts3_tokenizer",
    "readfile",
    "writefile",
    "edit",
];

/// What the authorizer saw while a statement was prepared.
#[derive(Debug, Default)]
pub struct Seen {
    /// The first refusal, in words.
    pub refusal: Option<String>,
    /// Tables the statement reads.
    pub tables: BTreeSet<String>,
}

/// Installs the authorizer; the returned handle reports what it saw.
pub fn install(conn: &Connection) -> rusqlite::Result<Arc<Mutex<Seen>>> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        let mut seen = record.lock().unwrap_or_else(|e| e.into_inner());
        match decide(&ctx) {
            Ok(table) => {
                if let Some(t) = table {
                    seen.tables.insert(t);
                }
                Authorization::Allow
            }
            Err(reason) => {
                seen.refusal.get_or_insert(reason);
                Authorization::Deny
            }
        }
    }))?;
    Ok(seen)
}

/// Removes the authorizer.
pub fn remove(conn: &Connection) -> rusqlite::Result<()> {
    conn.authorizer(None::<fn(AuthContext<'_>) -> Authorization>)
}

/// Allowed (with the table read, if any) or refused with the reason.
fn decide(ctx: &AuthContext<'_>) -> Result<Option<String>, String> {
    match ctx.action {
        AuthAction::Select | AuthAction::Recursive => Ok(None),
        // A pragma's table-valued function (`pragma_database_list`) is authorized as a PRAGMA
        // only when it runs: judge it by name now, so what is refused at run is refused at save.
        AuthAction::Read { table_name, .. } => match pragma_function(table_name) {
            Some(pragma) if !is_schema_pragma(&pragma) => {
                Err(format!("PRAGMA {pragma} is not allowed in reports"))
            }
            _ => Ok(Some(table_name.to_string())),
        },
        AuthAction::Function { function_name } => {
            if REFUSED_FUNCTIONS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(function_name))
            {
                Err(format!(
                    "the function {function_name}() is not allowed in reports"
                ))
            } else {
                Ok(None)
            }
        }
        AuthAction::Pragma { pragma_name, .. } if is_schema_pragma(pragma_name) => Ok(None),
        AuthAction::Pragma { pragma_name, .. } => {
            Err(format!("PRAGMA {pragma_name} is not allowed in reports"))
        }
        AuthAction::Attach { .. } => Err("ATTACH is not allowed in reports".into()),
        AuthAction::Detach { .. } => Err("DETACH is not allowed in reports".into()),
        AuthAction::Insert { table_name } => Err(format!(
            "writing is not allowed in reports (INSERT into {table_name})"
        )),
        AuthAction::Update { table_name, .. } => Err(format!(
            "writing is not allowed in reports (UPDATE of {table_name})"
        )),
        AuthAction::Delete { table_name } => Err(format!(
            "writing is not allowed in reports (DELETE from {table_name})"
        )),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            Err("transactions are not allowed in reports".into())
        }
        other => Err(format!(
            "only SELECT is allowed in reports (found {})",
            describe(&other)
        )),
    }
}

fn is_schema_pragma(name: &str) -> bool {
    SCHEMA_PRAGMAS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// `database_list` for `pragma_database_list`, the table-valued form of a pragma.
fn pragma_function(table: &str) -> Option<String> {
    table
        .to_ascii_lowercase()
        .strip_prefix("pragma_")
        .map(str::to_string)
}

fn describe(action: &AuthAction<'_>) -> String {
    let debug = format!("{action:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or("a change")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str) -> Result<(), String> {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (a INTEGER)").unwrap();
        let seen = install(&c).unwrap();
        let r = c.prepare(sql).map(|_| ());
        remove(&c).unwrap();
        let refusal = seen.lock().unwrap().refusal.clone();
        match (r, refusal) {
            (Ok(()), None) => Ok(()),
            (_, Some(reason)) => Err(reason),
            (Err(e), None) => Err(e.to_string()),
        }
    }

    #[test]
    fn reading_is_allowed_and_the_tables_read_are_recorded() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (a INTEGER); CREATE TABLE u (b INTEGER)")
            .unwrap();
        let seen = install(&c).unwrap();
        c.prepare("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 3) SELECT a, upper('x') FROM t, r").unwrap();
        assert!(seen.lock().unwrap().tables.contains("t"));
        assert!(!seen.lock().unwrap().tables.contains("u"));
        assert!(check("SELECT * FROM pragma_table_info('t')").is_ok());
        assert!(check("SELECT count(*) FROM Pragma_Index_List('t')").is_ok());
    }

    #[test]
    fn every_kind_of_change_is_refused_with_a_reason() {
        for (sql, reason) in [
            ("DELETE FROM t", "DELETE"),
            ("INSERT INTO t VALUES (1)", "INSERT"),
            ("UPDATE t SET a = 1", "UPDATE"),
            ("REPLACE INTO t VALUES (1)", "INSERT"),
            ("DROP TABLE t", "not allowed"),
            ("CREATE TABLE x (a)", "not allowed"),
            ("ATTACH 'x.db' AS x", "ATTACH"),
            ("PRAGMA writable_schema = 1", "PRAGMA writable_schema"),
            ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode"),
            ("BEGIN", "transactions"),
            ("SELECT load_extension('x')", "load_extension"),
            ("SELECT * FROM pragma_database_list", "PRAGMA database_list"),
            (
                "SELECT count(*) FROM PRAGMA_compile_options",
                "PRAGMA compile_options",
            ),
            (
                "SELECT 1 FROM main.pragma_function_list",
                "PRAGMA function_list",
            ),
        ] {
            let err = check(sql).unwrap_err();
            assert!(err.contains(reason), "{sql}: {err}");
        }
    }
}
