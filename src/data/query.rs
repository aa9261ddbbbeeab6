//! Running report SQL: one statement, named parameters bound (never spliced), bounded in time.

use super::guard;
use rusqlite::limits::Limit;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ToSql};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A typed parameter value, ready to bind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl ToSql for ParamValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            ParamValue::Null => ToSqlOutput::Owned(Value::Null),
            ParamValue::Int(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            ParamValue::Real(f) => ToSqlOutput::Owned(Value::Real(*f)),
            ParamValue::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// Parameter values by name (without the leading `:`).
pub type Params = BTreeMap<String, ParamValue>;

/// One cell of a result.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Cell {
    /// The bytes of its text (0 for a number or a null).
    pub fn text_len(&self) -> usize {
        match self {
            Cell::Text(t) => t.len(),
            _ => 0,
        }
    }

    /// The cell as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Real(f) => Some(*f),
            Cell::Text(s) => s.trim().parse().ok(),
            Cell::Null => None,
        }
    }

    /// The cell as text, as stored.
    pub fn as_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Real(f) => f.to_string(),
            Cell::Text(s) => s.clone(),
        }
    }
}

/// Rows and their column names.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl ResultSet {
    /// The index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Why a query did not run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    Refused(String),
    #[error("missing value for parameter `{0}`")]
    MissingParam(String),
    #[error("the query took longer than {0} ms and was stopped (`[limits] query_timeout_ms`)")]
    Timeout(u64),
    #[error("the query was stopped: the request it ran for went away")]
    Cancelled,
    #[error("the query returned more than {0} rows")]
    TooManyRows(u32),
    #[error("the query built a value larger than {0} MB (`[limits] query_memory_mb`)")]
    TooBig(u64),
    #[error("the query's rows hold more than {0} MB (`[limits] result_mb`): ask for fewer rows or shorter values")]
    ResultTooBig(u64),
    #[error("SQL error: {0}")]
    Sql(rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    #[error("the query needs more memory than the columnar engine's {0} MB (`[limits] engine_memory_mb`): group by fewer or coarser fields, or filter the rows first")]
    EngineMemory(u64),
    #[error("columnar engine: {0}")]
    Engine(String),
}

/// Limits applied to one query.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub timeout: Duration,
    pub max_rows: u32,
    /// The largest string or blob the query may build (SQLite's length limit), in MB.
    pub memory_mb: u64,
    /// The most text (and numbers, 8 bytes each) one result may hold, in MB.
    pub result_mb: u64,
}

/// SQLite's length limit for `mb` megabytes (at most what an `i32` holds).
pub fn length_limit(mb: u64) -> i32 {
    mb.saturating_mul(1 << 20).min(i32::MAX as u64) as i32
}

/// Runs `sql` and returns at most `limit` rows from `offset`.
pub fn fetch(
    conn: &Connection,
    sql: &str,
    params: &Params,
    window: Option<(u64, u32)>,
    bounds: Bounds,
) -> Result<ResultSet, QueryError> {
    let body = strip_terminator(sql);
    let (text, paging) = match window {
        Some((offset, limit)) => (
            format!("SELECT * FROM ({body}\n) LIMIT :quire_limit OFFSET :quire_offset"),
            Some((offset as i64, limit as i64)),
        ),
        None => (body.to_string(), None),
    };
    with_deadline(conn, bounds, || {
        // Check the query itself first, so a refusal names it rather than the wrapper.
        drop(prepare(conn, body)?);
        let mut stmt = prepare_wrapped(conn, &text)?;
        bind(&mut stmt, params, paging)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows_out = Vec::new();
        let mut rows = stmt.raw_query();
        let (mut held, most) = (0u64, bounds.result_mb.saturating_mul(1 << 20));
        while let Some(row) = rows.next()? {
            if rows_out.len() as u32 >= bounds.max_rows {
                return Err(Failure::TooMany);
            }
            let mut cells = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let cell = match row.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Real(v) => Cell::Real(v),
                    ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Cell::Text(format!("<{} bytes>", b.len())),
                };
                held += 8 + cell.text_len() as u64;
                cells.push(cell);
            }
            if held > most {
                return Err(Failure::TooLarge);
            }
            rows_out.push(cells);
        }
        Ok(ResultSet {
            columns,
            rows: rows_out,
        })
    })
}

/// Runs `sql` and hands its first `limit` rows to `row` one at a time as they are read, so a
/// large result never sits in memory. `columns` is told the column names first. `row` returns
/// false to stop early. Returns the rows handed over.
pub fn for_each_row(
    conn: &Connection,
    sql: &str,
    params: &Params,
    limit: u64,
    bounds: Bounds,
    columns: impl FnOnce(&[String]),
    mut row: impl FnMut(&rusqlite::Row<'_>) -> bool,
) -> Result<u64, QueryError> {
    let body = strip_terminator(sql);
    let text = format!("SELECT * FROM ({body}\n) LIMIT :quire_limit OFFSET :quire_offset");
    with_deadline(conn, bounds, || {
        drop(prepare(conn, body)?);
        let mut stmt = prepare_wrapped(conn, &text)?;
        bind(
            &mut stmt,
            params,
            Some((0, limit.min(i64::MAX as u64) as i64)),
        )?;
        let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        columns(&names);
        let mut rows = stmt.raw_query();
        let mut n = 0;
        while let Some(r) = rows.next()? {
            n += 1;
            super::watch::touch();
            if !row(r) {
                break;
            }
        }
        Ok(n)
    })
}

/// The number of rows `sql` returns.
pub fn count(
    conn: &Connection,
    sql: &str,
    params: &Params,
    bounds: Bounds,
) -> Result<u64, QueryError> {
    let body = strip_terminator(sql);
    let text = format!("SELECT count(*) FROM ({body}\n)");
    with_deadline(conn, bounds, || {
        drop(prepare(conn, body)?);
        let mut stmt = prepare_wrapped(conn, &text)?;
        bind(&mut stmt, params, None)?;
        let mut rows = stmt.raw_query();
        let row = rows.next()?.expect("count returns one row");
        Ok(row.get::<_, i64>(0)? as u64)
    })
}

/// Prepares `sql` without running it: its columns, or why it cannot run. It is prepared as
/// a run prepares it (wrapped for paging), so what passes here runs: `PRAGMA table_info(t)`
/// and `EXPLAIN …` read nothing forbidden but cannot be wrapped, and are refused here too.
pub fn validate(conn: &Connection, sql: &str, bounds: Bounds) -> Result<Vec<String>, QueryError> {
    let body = strip_terminator(sql);
    with_deadline(conn, bounds, || {
        let stmt = prepare(conn, body)?;
        let columns = stmt.column_names().iter().map(|c| c.to_string()).collect();
        drop(stmt);
        drop(prepare_wrapped(
            conn,
            &format!("SELECT * FROM ({body}\n) LIMIT :quire_limit OFFSET :quire_offset"),
        )?);
        drop(prepare_wrapped(
            conn,
            &format!("SELECT count(*) FROM ({body}\n)"),
        )?);
        Ok(columns)
    })
}

/// The query wrapped for paging or counting (its own text prepared already): a statement
/// that is no SELECT cannot be wrapped, and says so rather than showing a syntax error.
fn prepare_wrapped<'c>(
    conn: &'c Connection,
    sql: &str,
) -> Result<rusqlite::Statement<'c>, Failure> {
    prepare(conn, sql).map_err(|e| match e {
        Failure::Sql(e) if e.to_string().contains("syntax error") => Failure::Refused(
            "a report query is one SELECT (or WITH … SELECT): PRAGMA and EXPLAIN statements \
             cannot be used; for a table's columns, SELECT * FROM pragma_table_info('name')"
                .into(),
        ),
        e => e,
    })
}

/// One statement, read-only, or a refusal.
fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<rusqlite::Statement<'c>, Failure> {
    if sql.trim().is_empty() {
        return Err(Failure::Refused("the query is empty".into()));
    }
    let stmt = conn.prepare(sql).map_err(|e| match e {
        rusqlite::Error::MultipleStatement => {
            Failure::Refused("only one statement is allowed".into())
        }
        e => Failure::Sql(e),
    })?;
    // The authorizer has no code for VACUUM INTO and the like; SQLite knows what writes.
    if !stmt.readonly() {
        return Err(Failure::Refused(
            "the statement would change data: only SELECT is allowed".into(),
        ));
    }
    Ok(stmt)
}

enum Failure {
    Refused(String),
    Missing(String),
    TooMany,
    /// Past `Bounds::result_mb`.
    TooLarge,
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sql(e)
    }
}

/// Stops a query past `timeout`, or when this thread's watch says so (the client left, a
/// stream gave no row for too long: `data::watch`).
fn stop_after(conn: &Connection, timeout: std::time::Duration) -> Result<(), QueryError> {
    let deadline = Instant::now() + timeout;
    let watch = super::watch::current();
    conn.progress_handler(
        10_000,
        Some(move || {
            Instant::now() > deadline
                || watch
                    .as_ref()
                    .is_some_and(|w| w.is_gone() || w.is_stalled())
        }),
    )
    .map_err(QueryError::Sql)
}

/// The error of a query SQLite interrupted: the client left, a stream stalled, or its time
/// was up.
fn interrupted(bounds: Bounds) -> QueryError {
    match super::watch::current() {
        Some(w) if w.is_gone() => QueryError::Cancelled,
        Some(w) if w.is_stalled() => {
            QueryError::Timeout(w.idle().unwrap_or(bounds.timeout).as_millis() as u64)
        }
        _ => QueryError::Timeout(bounds.timeout.as_millis() as u64),
    }
}

fn with_deadline<T>(
    conn: &Connection,
    bounds: Bounds,
    f: impl FnOnce() -> Result<T, Failure>,
) -> Result<T, QueryError> {
    stop_after(conn, bounds.timeout)?;
    // `printf('%.*c', 900000000, 'x')`, `zeroblob(1e9)`, a huge group_concat: SQLite refuses
    // to build the value (SQLITE_TOOBIG) instead of allocating it.
    let length = conn
        .set_limit(Limit::SQLITE_LIMIT_LENGTH, length_limit(bounds.memory_mb))
        .map_err(QueryError::Sql)?;
    let seen = guard::install(conn).map_err(QueryError::Sql)?;
    let out = f();
    guard::remove(conn).map_err(QueryError::Sql)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, length)
        .map_err(QueryError::Sql)?;
    conn.progress_handler(0, None::<fn() -> bool>)
        .map_err(QueryError::Sql)?;
    let refusal = seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .refusal
        .take();
    out.map_err(|e| match (e, refusal) {
        // An authorizer refusal surfaces as a generic "not authorized": give the reason.
        (Failure::Sql(_), Some(reason)) | (Failure::Refused(reason), _) => {
            QueryError::Refused(reason)
        }
        (Failure::Missing(name), _) => QueryError::MissingParam(name),
        (Failure::TooMany, _) => QueryError::TooManyRows(bounds.max_rows),
        (Failure::TooLarge, _) => QueryError::ResultTooBig(bounds.result_mb),
        (Failure::Sql(rusqlite::Error::SqliteFailure(code, _)), _)
            if code.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            interrupted(bounds)
        }
        (Failure::Sql(rusqlite::Error::SqliteFailure(code, _)), _)
            if code.code == rusqlite::ErrorCode::TooBig =>
        {
            QueryError::TooBig(bounds.memory_mb)
        }
        (Failure::Sql(e), _) => QueryError::Sql(e),
    })
}

fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    params: &Params,
    paging: Option<(i64, i64)>,
) -> Result<(), Failure> {
    for i in 1..=stmt.parameter_count() {
        let name = stmt
            .parameter_name(i)
            .map(|n| n.trim_start_matches([':', '@', '$']).to_string())
            .unwrap_or_default();
        match (name.as_str(), paging) {
            ("quire_limit", Some((_, limit))) => stmt.raw_bind_parameter(i, limit)?,
            ("quire_offset", Some((offset, _))) => stmt.raw_bind_parameter(i, offset)?,
            _ => match params.get(&name) {
                Some(v) => stmt.raw_bind_parameter(i, v)?,
                None => {
                    return Err(Failure::Missing(if name.is_empty() {
                        format!("?{i}")
                    } else {
                        name
                    }))
                }
            },
        }
    }
    Ok(())
}

/// Drops trailing whitespace and semicolons so the query can be wrapped.
fn strip_terminator(sql: &str) -> &str {
    sql.trim_end().trim_end_matches(';').trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds {
            timeout: Duration::from_millis(500),
            max_rows: 1000,
            memory_mb: 1,
            result_mb: 1,
        }
    }

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1,'x'),(2,'y'),(3,NULL);",
        )
        .unwrap();
        c
    }

    #[test]
    fn named_parameters_are_bound_and_pages_are_windows() {
        let c = db();
        let mut p = Params::new();
        p.insert("min".into(), ParamValue::Int(2));
        let r = fetch(
            &c,
            "SELECT a, b FROM t WHERE a >= :min ORDER BY a;",
            &p,
            Some((1, 5)),
            bounds(),
        )
        .unwrap();
        assert_eq!(r.columns, ["a", "b"]);
        assert_eq!(r.rows, vec![vec![Cell::Int(3), Cell::Null]]);
        assert_eq!(
            count(&c, "SELECT * FROM t WHERE a >= :min", &p, bounds()).unwrap(),
            2
        );
    }

    #[test]
    fn a_missing_parameter_is_named() {
        let e = fetch(
            &db(),
            "SELECT * FROM t WHERE a = :region",
            &Params::new(),
            None,
            bounds(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("region"), "{e}");
    }

    #[test]
    fn a_never_ending_query_is_stopped() {
        let sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r";
        let e = fetch(&db(), sql, &Params::new(), None, bounds()).unwrap_err();
        assert!(matches!(e, QueryError::Timeout(500)), "{e}");
    }

    #[test]
    fn a_value_past_the_memory_limit_is_refused_not_built() {
        let c = db();
        for sql in [
            "SELECT printf('%.*c', 900000000, 'x') AS big",
            "SELECT zeroblob(900000000) AS big",
            "SELECT length(printf('%.*c', 2000000, 'x')) AS n",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 300000) \
             SELECT length(group_concat('xxxxxxxx')) FROM r",
        ] {
            let e = fetch(&c, sql, &Params::new(), None, bounds()).unwrap_err();
            assert!(matches!(e, QueryError::TooBig(1)), "{sql}: {e}");
            assert!(e.to_string().contains("query_memory_mb"), "{e}");
        }
        // Under the limit is fine, and the connection's own limit is back afterwards.
        let before = c.limit(Limit::SQLITE_LIMIT_LENGTH).unwrap();
        let r = fetch(
            &c,
            "SELECT length(printf('%.*c', 500000, 'x')) AS n",
            &Params::new(),
            None,
            bounds(),
        )
        .unwrap();
        assert_eq!(r.rows, vec![vec![Cell::Int(500000)]]);
        assert_eq!(c.limit(Limit::SQLITE_LIMIT_LENGTH).unwrap(), before);
        assert_eq!(length_limit(64), 64 << 20);
        assert_eq!(length_limit(u64::MAX), i32::MAX);
    }

    #[test]
    fn what_validate_accepts_runs_and_a_pragma_statement_is_refused_by_both() {
        let c = db();
        for sql in [
            "PRAGMA table_info(t)",
            "pragma index_list('t');",
            "EXPLAIN SELECT 1",
        ] {
            let e = validate(&c, sql, bounds()).unwrap_err();
            assert!(matches!(e, QueryError::Refused(_)), "{sql}: {e}");
            assert!(e.to_string().contains("pragma_table_info"), "{e}");
            let run = fetch(&c, sql, &Params::new(), Some((0, 10)), bounds()).unwrap_err();
            assert_eq!(run.to_string(), e.to_string(), "{sql}");
        }
        for sql in [
            "SELECT name FROM pragma_table_info('t') ORDER BY cid",
            "SELECT a FROM t -- a comment at the end",
            "WITH x AS (SELECT a FROM t) SELECT * FROM x;",
        ] {
            assert!(validate(&c, sql, bounds()).is_ok(), "{sql}");
            fetch(&c, sql, &Params::new(), Some((0, 10)), bounds()).expect(sql);
            count(&c, sql, &Params::new(), bounds()).expect(sql);
        }
        // Refusals by the guard keep their own reason.
        let e = validate(&c, "PRAGMA journal_mode = DELETE", bounds()).unwrap_err();
        assert!(e.to_string().contains("PRAGMA journal_mode"), "{e}");
    }

    #[test]
    fn two_statements_and_writes_are_refused() {
        let run = |sql: &str| fetch(&db(), sql, &Params::new(), None, bounds()).unwrap_err();
        assert!(run("SELECT 1; SELECT 2")
            .to_string()
            .contains("one statement"));
        // rusqlite prepares the second statement to find out: the authorizer refuses it first.
        assert!(matches!(
            run("SELECT 1; DELETE FROM t"),
            QueryError::Refused(_)
        ));
        assert!(run("DELETE FROM t").to_string().contains("DELETE"));
        assert!(matches!(
            run("VACUUM INTO '/tmp/quire-vacuum-test.db'"),
            QueryError::Refused(_)
        ));
        assert!(!std::path::Path::new("/tmp/quire-vacuum-test.db").exists());
    }
}

/// The tables a query reads (prepared under the guard, not run).
pub fn tables_read(
    conn: &Connection,
    sql: &str,
    bounds: Bounds,
) -> Result<std::collections::BTreeSet<String>, QueryError> {
    stop_after(conn, bounds.timeout)?;
    let seen = guard::install(conn).map_err(QueryError::Sql)?;
    let prepared = prepare(conn, strip_terminator(sql)).map(drop);
    guard::remove(conn).map_err(QueryError::Sql)?;
    conn.progress_handler(0, None::<fn() -> bool>)
        .map_err(QueryError::Sql)?;
    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    match (prepared, seen.refusal.take()) {
        (Ok(()), _) => Ok(std::mem::take(&mut seen.tables)),
        (Err(_), Some(reason)) | (Err(Failure::Refused(reason)), None) => {
            Err(QueryError::Refused(reason))
        }
        (Err(Failure::Sql(e)), None) => Err(QueryError::Sql(e)),
        (Err(_), None) => Err(QueryError::Refused("the query cannot be prepared".into())),
    }
}
