//! A data source whatever its engine: the embedded store or a `[[sources]]` SQLite file, or a
//! PostgreSQL database. Reports, previews, the builder and the tables listing go through
//! here; each function hands the work to `query` (SQLite), `pg` (PostgreSQL) or, for a
//! builder question the compiler wrote for it, `columnar` (the main store's columnar engine).

use super::catalog::TableInfo;
use super::columnar;
use super::pg;
use super::query::{self, Bounds, Cell, Params, QueryError, ResultSet};
use crate::model::access::Sight;
use crate::model::report::Filter;
use r2d2_sqlite::SqliteConnectionManager;
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

/// The database engine behind a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
    Columnar,
}

impl Engine {
    /// The engine's name in `/metrics`.
    pub fn label(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
            Engine::Columnar => "columnar",
        }
    }
}

/// The first words of SQL the builder compiled for the columnar engine: where the main store
/// sends it (`Db::Store`). Nothing else writes them: the comment holds a random word drawn at
/// start, so no SQL a person writes can send itself to the engine (SQL reports stay on
/// SQLite, under its guard).
pub fn columnar_tag() -> &'static str {
    static TAG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut word = [0u8; 8];
        getrandom::getrandom(&mut word).expect("the system's random source");
        let hex: String = word.iter().map(|b| format!("{b:02x}")).collect();
        format!("/* quire:columnar {hex} */ ")
    });
    &TAG
}

/// The first words of SQL the builder compiled for a reader of the main store with that
/// reader's row policies applied (`report::builder`): the store lets a limited reader run
/// only such SQL on a policed dataset. Random per process, like [`columnar_tag`].
pub fn sighted_tag() -> &'static str {
    static TAG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut word = [0u8; 8];
        getrandom::getrandom(&mut word).expect("the system's random source");
        let hex: String = word.iter().map(|b| format!("{b:02x}")).collect();
        format!("/* quire:sighted {hex} */ ")
    });
    &TAG
}

/// `sql` without the tags the compiler starts it with, to show to a person.
pub fn untagged(sql: &str) -> &str {
    let sql = sql.strip_prefix(columnar_tag()).unwrap_or(sql);
    sql.strip_prefix(sighted_tag()).unwrap_or(sql)
}

/// The main store's datasets that have a row policy: kept by the store
/// (`Store::set_policed`), read by every connection to the main store as it is taken.
#[derive(Clone, Default)]
pub struct Policed(Arc<RwLock<Arc<BTreeSet<String>>>>);

impl Policed {
    /// The datasets policed now.
    pub fn now(&self) -> Arc<BTreeSet<String>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the set.
    pub fn set(&self, datasets: BTreeSet<String>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(datasets);
    }
}

/// Who reads through a connection to the main store: their sight and the datasets policed
/// when the connection was taken.
#[derive(Clone, Debug)]
pub struct Reader {
    pub sight: Sight,
    pub policed: Arc<BTreeSet<String>>,
}

impl Reader {
    /// The filters of `dataset` if rows of it are hidden from this reader (see `Sight::rows`).
    pub fn rows(&self, dataset: &str) -> Option<&[Filter]> {
        // SQLite finds a table whatever the case of its name: so does this.
        let named = self
            .policed
            .iter()
            .find(|d| d.eq_ignore_ascii_case(dataset))?;
        self.sight.rows(named, &self.policed)
    }

    /// Whether rows of the table `name` (as SQLite reads names: any case) are hidden from
    /// this reader.
    pub fn hides(&self, name: &str) -> bool {
        self.rows(name).is_some()
    }

    /// Whether some dataset hides rows from this reader.
    pub fn is_limited(&self) -> bool {
        self.sight.is_limited(&self.policed)
    }
}

/// A pool of connections to one source.
#[derive(Clone)]
pub enum SourcePool {
    Sqlite(r2d2::Pool<SqliteConnectionManager>),
    Postgres(pg::Pool),
    /// The main store, with its columnar engine if it has one, and its row policies.
    Store(
        r2d2::Pool<SqliteConnectionManager>,
        Option<columnar::Engine>,
        Policed,
    ),
}

impl SourcePool {
    /// A connection from the pool (waits for one to come free, up to the pool's timeout) for
    /// a reader with `sight` (the main store's row policies apply to it).
    pub fn get(&self, sight: &Sight) -> Result<SourceConn, r2d2::Error> {
        Ok(match self {
            SourcePool::Sqlite(p) => SourceConn::Sqlite(p.get()?),
            SourcePool::Postgres(p) => SourceConn::Postgres(pg::PgConn::new(p.get()?)),
            SourcePool::Store(p, e, policed) => {
                SourceConn::Store(p.get()?, e.clone(), reader(sight, policed))
            }
        })
    }

    /// A connection if one is free now, without waiting (for work that can do without).
    pub fn try_get(&self, sight: &Sight) -> Option<SourceConn> {
        Some(match self {
            SourcePool::Sqlite(p) => SourceConn::Sqlite(p.try_get()?),
            SourcePool::Postgres(p) => SourceConn::Postgres(pg::PgConn::new(p.try_get()?)),
            SourcePool::Store(p, e, policed) => {
                SourceConn::Store(p.try_get()?, e.clone(), reader(sight, policed))
            }
        })
    }

    /// Whether the source answers within `wait`, and how long that took.
    pub fn ping(&self, wait: std::time::Duration) -> Result<std::time::Duration, String> {
        match self {
            SourcePool::Sqlite(p) | SourcePool::Store(p, ..) => {
                let start = std::time::Instant::now();
                let c = p.get_timeout(wait).map_err(|e| e.to_string())?;
                c.query_row("SELECT 1", [], |_| Ok(()))
                    .map_err(|e| e.to_string())?;
                Ok(start.elapsed())
            }
            SourcePool::Postgres(p) => pg::ping(p, wait),
        }
    }

    /// Connections open and idle.
    pub fn connections(&self) -> (u32, u32) {
        let s = match self {
            SourcePool::Sqlite(p) | SourcePool::Store(p, ..) => p.state(),
            SourcePool::Postgres(p) => p.state(),
        };
        (s.connections, s.idle_connections)
    }

    /// The engine behind the pool.
    pub fn engine(&self) -> Engine {
        match self {
            SourcePool::Sqlite(_) | SourcePool::Store(..) => Engine::Sqlite,
            SourcePool::Postgres(_) => Engine::Postgres,
        }
    }
}

fn reader(sight: &Sight, policed: &Policed) -> Reader {
    Reader {
        sight: sight.clone(),
        policed: policed.now(),
    }
}

/// A connection taken from a [`SourcePool`]; back to the pool when dropped.
pub enum SourceConn {
    Sqlite(r2d2::PooledConnection<SqliteConnectionManager>),
    Postgres(pg::PgConn),
    Store(
        r2d2::PooledConnection<SqliteConnectionManager>,
        Option<columnar::Engine>,
        Reader,
    ),
}

impl SourceConn {
    /// The connection, to query.
    pub fn db(&self) -> Db<'_> {
        self.into()
    }
}

/// A connection to query, borrowed.
#[derive(Clone, Copy)]
pub enum Db<'c> {
    Sqlite(&'c rusqlite::Connection),
    Postgres(&'c pg::PgConn),
    /// The main store: SQL runs on SQLite, SQL starting with [`columnar_tag`] on the engine;
    /// SQL the compiler did not write for this reader ([`sighted_tag`]) may not read a
    /// dataset whose rows are hidden from them.
    Store(
        &'c rusqlite::Connection,
        Option<&'c columnar::Engine>,
        &'c Reader,
    ),
}

impl<'c> From<&'c rusqlite::Connection> for Db<'c> {
    fn from(c: &'c rusqlite::Connection) -> Self {
        Db::Sqlite(c)
    }
}

impl<'c> From<&'c SourceConn> for Db<'c> {
    fn from(c: &'c SourceConn) -> Self {
        match c {
            SourceConn::Sqlite(c) => Db::Sqlite(c),
            SourceConn::Postgres(c) => Db::Postgres(c),
            SourceConn::Store(c, e, r) => Db::Store(c, e.as_ref(), r),
        }
    }
}

impl<'c> From<&'c r2d2::PooledConnection<SqliteConnectionManager>> for Db<'c> {
    fn from(c: &'c r2d2::PooledConnection<SqliteConnectionManager>) -> Self {
        Db::Sqlite(c)
    }
}

/// A row handed to [`for_each_row`]'s callback: SQLite's own, or PostgreSQL's read into cells.
pub enum RowRef<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Cells(&'r [Cell]),
}

impl<'c> Db<'c> {
    /// The engine behind the connection.
    pub fn engine(self) -> Engine {
        match self {
            Db::Sqlite(_) | Db::Store(..) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// The engine a builder question on `dataset` is compiled for: the columnar engine when
    /// this is the main store and the dataset has a columnar copy.
    pub fn engine_for(self, dataset: &str) -> Engine {
        match self {
            Db::Store(_, Some(e), _) if e.has(dataset) => Engine::Columnar,
            _ => self.engine(),
        }
    }

    /// Who reads through this connection, on the main store.
    pub fn reader(self) -> Option<&'c Reader> {
        match self {
            Db::Store(_, _, r) => Some(r),
            _ => None,
        }
    }

    /// The engine `sql` goes to, and `sql` without the tags that chose it. A limited reader's
    /// SQL that the compiler did not write for them is refused if it reads a dataset whose
    /// rows are hidden from them: a query of one's own can read around a row filter.
    fn route(
        self,
        sql: &str,
        bounds: Bounds,
    ) -> Result<(Option<&'c columnar::Engine>, &str), QueryError> {
        let Db::Store(c, engine, reader) = self else {
            return Ok((None, sql));
        };
        let (engine, sql) = match (engine, sql.strip_prefix(columnar_tag())) {
            (Some(e), Some(rest)) => (Some(e), rest),
            _ => (None, sql),
        };
        if let Some(rest) = sql.strip_prefix(sighted_tag()) {
            return Ok((engine, rest));
        }
        if reader.is_limited() {
            let read = match engine {
                Some(e) => e.tables_read(sql)?,
                None => query::tables_read(c, sql, bounds)?,
            };
            if let Some(t) = read.iter().find(|t| reader.hides(t)) {
                return Err(QueryError::Refused(format!(
                    "`{t}` has row policies, so SQL written by hand may not read it for you (a \
                     query can read around a row filter): use the builder, or ask an admin"
                )));
            }
        }
        Ok((engine, sql))
    }

    /// Runs `sql` and returns at most `limit` rows from `offset` (see `query::fetch`).
    pub fn fetch(
        self,
        sql: &str,
        params: &Params,
        window: Option<(u64, u32)>,
        bounds: Bounds,
    ) -> Result<ResultSet, QueryError> {
        let started = std::time::Instant::now();
        let (engine, out) = match (self, self.route(sql, bounds)?) {
            (_, (Some(e), sql)) => (Engine::Columnar, e.fetch(sql, params, window, bounds)),
            (Db::Sqlite(c) | Db::Store(c, ..), _) => {
                (Engine::Sqlite, query::fetch(c, sql, params, window, bounds))
            }
            (Db::Postgres(c), _) => (Engine::Postgres, pg::fetch(c, sql, params, window, bounds)),
        };
        super::timing::record(engine.label(), started.elapsed());
        out
    }

    /// The number of rows `sql` returns.
    pub fn count(self, sql: &str, params: &Params, bounds: Bounds) -> Result<u64, QueryError> {
        let started = std::time::Instant::now();
        let (engine, out) = match (self, self.route(sql, bounds)?) {
            (_, (Some(e), sql)) => (Engine::Columnar, e.count(sql, params, bounds)),
            (Db::Sqlite(c) | Db::Store(c, ..), _) => {
                (Engine::Sqlite, query::count(c, sql, params, bounds))
            }
            (Db::Postgres(c), _) => (Engine::Postgres, pg::count(c, sql, params, bounds)),
        };
        super::timing::record(engine.label(), started.elapsed());
        out
    }

    /// Prepares `sql` without running it: its columns, or why it cannot run.
    pub fn validate(self, sql: &str, bounds: Bounds) -> Result<Vec<String>, QueryError> {
        let (engine, sql) = self.route(sql, bounds)?;
        if let Some(e) = engine {
            return e.validate(sql, bounds);
        }
        match self {
            Db::Sqlite(c) | Db::Store(c, ..) => query::validate(c, sql, bounds),
            Db::Postgres(c) => pg::validate(c, sql, bounds),
        }
    }

    /// The tables `sql` reads, for cache keys (PostgreSQL: none; its results are kept by time).
    pub fn tables_read(
        self,
        sql: &str,
        bounds: Bounds,
    ) -> Result<std::collections::BTreeSet<String>, QueryError> {
        let (engine, sql) = self.route(sql, bounds)?;
        if let Some(e) = engine {
            return e.tables_read(sql);
        }
        match self {
            Db::Sqlite(c) | Db::Store(c, ..) => query::tables_read(c, sql, bounds),
            Db::Postgres(_) => pg::sql::number(sql.trim_end().trim_end_matches(';'))
                .map(|_| Default::default())
                .map_err(QueryError::Refused),
        }
    }

    /// Every table and view of the source and its columns.
    pub fn tables(self, bounds: Bounds) -> Result<Vec<TableInfo>, QueryError> {
        match self {
            Db::Sqlite(c) | Db::Store(c, ..) => super::catalog::tables(c).map_err(QueryError::Sql),
            Db::Postgres(c) => pg::catalog::tables(c, bounds),
        }
    }

    /// Runs `sql` and hands its first `limit` rows to `row` one at a time (see
    /// `query::for_each_row`).
    pub fn for_each_row(
        self,
        sql: &str,
        params: &Params,
        limit: u64,
        bounds: Bounds,
        columns: impl FnOnce(&[String]),
        mut row: impl FnMut(RowRef<'_>) -> bool,
    ) -> Result<u64, QueryError> {
        let (engine, sql) = self.route(sql, bounds)?;
        if let Some(e) = engine {
            return e.for_each_row(sql, params, limit, bounds, columns, |r| {
                row(RowRef::Cells(r))
            });
        }
        match self {
            Db::Sqlite(c) | Db::Store(c, ..) => {
                query::for_each_row(c, sql, params, limit, bounds, columns, |r| {
                    row(RowRef::Sqlite(r))
                })
            }
            Db::Postgres(c) => pg::for_each_row(c, sql, params, limit, bounds, columns, |r| {
                row(RowRef::Cells(r))
            }),
        }
    }
}
