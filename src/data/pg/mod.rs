//! PostgreSQL as a data source: a pool of sync clients, and report queries run read-only by
//! construction. Each query is checked first (`sql.rs`: one SELECT, nothing that writes or
//! reaches files), then runs in its own `READ ONLY` transaction with `statement_timeout`,
//! `lock_timeout` and `idle_in_transaction_session_timeout` set by `SET LOCAL`, capped in rows
//! by a `LIMIT` around it, and is rolled back. Sessions also start with
//! `default_transaction_read_only = on`. Blocking: call from a blocking thread.

pub mod catalog;
pub mod sql;
pub mod tls;
pub mod value;

use super::query::{Bounds, Cell, Params, QueryError, ResultSet};
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use std::cell::RefCell;
use std::time::Duration;

/// Opens, checks and recognises broken PostgreSQL clients for r2d2, over TLS as `sslmode`
/// says (`tls.rs`).
pub struct Manager {
    config: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("pg::Manager")
    }
}

/// A pool of PostgreSQL clients.
pub type Pool = r2d2::Pool<Manager>;

/// A client that may be dropped anywhere. The sync client closes itself by blocking on its
/// own runtime, which panics on a thread already driving one (an actix worker dropping the
/// last handle on the pool at shutdown): there it is closed on a thread of its own.
pub struct Client(Option<postgres::Client>);

impl std::ops::Deref for Client {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        self.0.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for Client {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        self.0.as_mut().expect("present until dropped")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                std::thread::spawn(move || drop(c));
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Client;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Client, postgres::Error> {
        self.config
            .connect(self.tls.clone())
            .map(|c| Client(Some(c)))
    }

    fn is_valid(&self, c: &mut Client) -> Result<(), postgres::Error> {
        c.simple_query("").map(|_| ())
    }

    fn has_broken(&self, c: &mut Client) -> bool {
        c.is_closed()
    }
}

/// How long opening a connection may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A pool for `url` with at most `size` connections. Nothing is connected yet: Quire starts
/// while the database is down, and a connection broken by a server restart is replaced when
/// it is next taken (r2d2 tests each one on checkout).
pub fn pool(url: &str, size: u32) -> Result<Pool, String> {
    let (mut config, tls) = parse_url(url)?;
    let options = format!(
        "{} -c default_transaction_read_only=on",
        config.get_options().unwrap_or_default()
    );
    config
        .options(options.trim())
        .application_name("quire")
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(60));
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        // A request while the server is down fails (503) after this, rather than hanging.
        .connection_timeout(Duration::from_secs(6))
        .test_on_check_out(true)
        .build_unchecked(Manager { config, tls }))
}

/// `url` parsed and checked, and the TLS connector its `sslmode` asks for (the message never
/// repeats the URL: it may hold a password).
pub fn parse_url(
    url: &str,
) -> Result<(postgres::Config, tokio_postgres_rustls::MakeRustlsConnect), String> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err("not a PostgreSQL URL (postgres://user:password@host:port/database)".into());
    }
    let (url, tls) = tls::split(url)?;
    let config: postgres::Config = url
        .parse()
        .map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
    if config.get_hosts().is_empty() {
        return Err("the URL names no host".into());
    }
    Ok((config, tls))
}

/// One pooled client. Queries borrow it mutably one at a time.
pub struct PgConn(RefCell<r2d2::PooledConnection<Manager>>);

impl PgConn {
    /// Wraps a pooled client.
    pub fn new(c: r2d2::PooledConnection<Manager>) -> PgConn {
        PgConn(RefCell::new(c))
    }
}

enum Failure {
    Pg(postgres::Error),
    Refused(String),
    Missing(String),
    TooMany,
    /// Past `Bounds::result_mb`.
    TooLarge,
}

impl From<postgres::Error> for Failure {
    fn from(e: postgres::Error) -> Self {
        Failure::Pg(e)
    }
}

/// Runs `f` in a read-only transaction with Quire's limits, then rolls back.
fn read_only<T>(
    conn: &PgConn,
    bounds: Bounds,
    f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, Failure>,
) -> Result<T, QueryError> {
    let ms = bounds.timeout.as_millis().clamp(1, i32::MAX as u128);
    let mut client = conn.0.borrow_mut();
    let out = (|| {
        let mut tx = client.build_transaction().read_only(true).start()?;
        tx.batch_execute(&format!(
            "SET LOCAL statement_timeout = {ms}; SET LOCAL lock_timeout = {ms}; \
             SET LOCAL idle_in_transaction_session_timeout = {}; SET LOCAL TimeZone = 'UTC'",
            ms.saturating_mul(2).min(i32::MAX as u128)
        ))?;
        let out = f(&mut tx);
        // Never committed: a rollback that fails leaves a broken connection, which the pool drops.
        let _ = tx.rollback();
        out
    })();
    out.map_err(|e| match e {
        Failure::Refused(m) => QueryError::Refused(m),
        Failure::Missing(name) => QueryError::MissingParam(name),
        Failure::TooMany => QueryError::TooManyRows(bounds.max_rows),
        Failure::TooLarge => QueryError::ResultTooBig(bounds.result_mb),
        Failure::Pg(e) => pg_error(e, bounds),
    })
}

fn pg_error(e: postgres::Error, bounds: Bounds) -> QueryError {
    match e.code() {
        Some(c)
            if *c == SqlState::QUERY_CANCELED
                || *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT =>
        {
            QueryError::Timeout(bounds.timeout.as_millis() as u64)
        }
        Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => {
            QueryError::Refused("the statement would change data: only SELECT is allowed".into())
        }
        _ => match e.as_db_error() {
            Some(db) => QueryError::Postgres(match db.hint() {
                Some(h) => format!("{} ({h})", db.message()),
                None => db.message().to_string(),
            }),
            None => QueryError::Postgres(e.to_string()),
        },
    }
}

/// The statement `text` (with `:name` parameters) prepared, and its values in order.
fn prepare(
    tx: &mut postgres::Transaction<'_>,
    text: &str,
    params: &Params,
    paging: Option<(i64, i64)>,
) -> Result<(postgres::Statement, Vec<value::Encoded>), Failure> {
    let numbered = sql::number(text).map_err(Failure::Refused)?;
    let stmt = tx.prepare(&numbered.sql)?;
    let mut values = Vec::with_capacity(numbered.names.len());
    for (name, ty) in numbered.names.iter().zip(stmt.params()) {
        let v = match (name.as_str(), paging) {
            ("quire_limit", Some((limit, _))) => super::query::ParamValue::Int(limit),
            ("quire_offset", Some((_, offset))) => super::query::ParamValue::Int(offset),
            _ => params
                .get(name)
                .cloned()
                .ok_or_else(|| Failure::Missing(name.clone()))?,
        };
        values.push(
            value::encode(&v, ty)
                .map_err(|m| Failure::Refused(format!("parameter `{name}`: {m}")))?,
        );
    }
    Ok((stmt, values))
}

fn refs(values: &[value::Encoded]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn cells(row: &postgres::Row) -> Result<Vec<Cell>, postgres::Error> {
    (0..row.len())
        .map(|i| row.try_get::<_, value::PgCell>(i).map(|c| c.0))
        .collect()
}

fn strip_terminator(sql: &str) -> &str {
    sql.trim_end().trim_end_matches(';').trim_end()
}

fn paged(body: &str) -> String {
    format!("SELECT * FROM (\n{body}\n) AS quire_q LIMIT :quire_limit OFFSET :quire_offset")
}

/// Checks `sql` alone first, so a refusal names the query rather than the wrapper around it.
fn body(sql: &str) -> Result<&str, QueryError> {
    let body = strip_terminator(sql);
    sql::number(body).map_err(QueryError::Refused)?;
    Ok(body)
}

/// Runs `sql` and returns at most `limit` rows from `offset` (all, up to the row cap, without).
pub fn fetch(
    conn: &PgConn,
    sql: &str,
    params: &Params,
    window: Option<(u64, u32)>,
    bounds: Bounds,
) -> Result<ResultSet, QueryError> {
    let body = body(sql)?;
    let (offset, limit) = match window {
        Some((offset, limit)) => (offset as i64, limit as i64),
        None => (0, bounds.max_rows as i64 + 1),
    };
    read_only(conn, bounds, |tx| {
        let (stmt, values) = prepare(tx, &paged(body), params, Some((limit, offset)))?;
        let columns: Vec<String> = stmt.columns().iter().map(|c| c.name().into()).collect();
        let mut rows = Vec::new();
        let mut it = tx.query_raw(&stmt, refs(&values))?;
        let (mut held, most) = (0u64, bounds.result_mb.saturating_mul(1 << 20));
        while let Some(row) = it.next()? {
            if rows.len() as u32 >= bounds.max_rows {
                return Err(Failure::TooMany);
            }
            let cells = cells(&row)?;
            held += cells.iter().map(|c| 8 + c.text_len() as u64).sum::<u64>();
            if held > most {
                return Err(Failure::TooLarge);
            }
            rows.push(cells);
        }
        Ok(ResultSet { columns, rows })
    })
}

/// The number of rows `sql` returns.
pub fn count(conn: &PgConn, sql: &str, params: &Params, bounds: Bounds) -> Result<u64, QueryError> {
    let body = body(sql)?;
    read_only(conn, bounds, |tx| {
        let text = format!("SELECT count(*) FROM (\n{body}\n) AS quire_q");
        let (stmt, values) = prepare(tx, &text, params, None)?;
        let row = tx.query_one(&stmt, &refs(&values))?;
        Ok(row.try_get::<_, i64>(0)? as u64)
    })
}

/// Prepares `sql` without running it: its columns, or why it cannot run.
pub fn validate(conn: &PgConn, sql: &str, bounds: Bounds) -> Result<Vec<String>, QueryError> {
    let body = body(sql)?;
    read_only(conn, bounds, |tx| {
        let numbered = sql::number(&paged(body)).map_err(Failure::Refused)?;
        let stmt = tx.prepare(&numbered.sql)?;
        Ok(stmt.columns().iter().map(|c| c.name().into()).collect())
    })
}

/// Runs `sql` and hands its first `limit` rows to `row` as they arrive, a batch at a time, so
/// a large result never sits in memory. `columns` is told the column names first; `row`
/// returns false to stop. Returns the rows handed over.
pub fn for_each_row(
    conn: &PgConn,
    sql: &str,
    params: &Params,
    limit: u64,
    bounds: Bounds,
    columns: impl FnOnce(&[String]),
    mut row: impl FnMut(&[Cell]) -> bool,
) -> Result<u64, QueryError> {
    const BATCH: i32 = 1000;
    let body = body(sql)?;
    read_only(conn, bounds, |tx| {
        let limit = limit.min(i64::MAX as u64) as i64;
        let (stmt, values) = prepare(tx, &paged(body), params, Some((limit, 0)))?;
        let names: Vec<String> = stmt.columns().iter().map(|c| c.name().into()).collect();
        columns(&names);
        let portal = tx.bind(&stmt, &refs(&values))?;
        let mut n = 0;
        loop {
            let batch = tx.query_portal(&portal, BATCH)?;
            for r in &batch {
                n += 1;
                if !row(&cells(r)?) {
                    return Ok(n);
                }
            }
            if batch.len() < BATCH as usize {
                return Ok(n);
            }
        }
    })
}

/// Whether the server answers within `wait`, and how long that took.
pub fn ping(pool: &Pool, wait: Duration) -> Result<Duration, String> {
    let start = std::time::Instant::now();
    let mut c = pool.get_timeout(wait).map_err(|e| e.to_string())?;
    c.simple_query("SELECT 1").map_err(|e| e.to_string())?;
    Ok(start.elapsed())
}
