//! SQLite storage: the application database and the dataset store, each behind an r2d2 pool.

pub mod dashboard;
pub mod dataset;
pub mod meta;
pub mod migrate;
pub mod report;
pub mod run;
pub mod schedule;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::OpenFlags;
use std::path::Path;
use std::time::Duration;

/// A pool of SQLite connections.
pub type Pool = r2d2::Pool<SqliteConnectionManager>;
/// One pooled connection.
pub type Conn = r2d2::PooledConnection<SqliteConnectionManager>;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error(transparent)]
    Migrate(#[from] migrate::MigrateError),
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot create data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

/// Every connection: WAL, foreign keys, a busy timeout so writers wait instead of failing.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;";

/// The two databases Quire keeps.
#[derive(Clone)]
pub struct Store {
    /// Quire's own state (reports, schedules, runs, ...).
    pub app: Pool,
    /// The dataset store, read-write (imports).
    pub data: Pool,
    /// The dataset store opened read-only, for report queries.
    pub data_ro: Pool,
}

impl Store {
    /// Opens (creating if needed) both databases under `dir` and migrates the app database.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let app = pool(
            SqliteConnectionManager::file(dir.join("quire.db"))
                .with_init(|c| c.execute_batch(PRAGMAS)),
            8,
        )?;
        migrate::migrate(&mut *app.get()?)?;
        let data_path = dir.join("datasets.db");
        let data = pool(
            SqliteConnectionManager::file(&data_path).with_init(|c| c.execute_batch(PRAGMAS)),
            2,
        )?;
        // Create the file and switch it to WAL before read-only connections open it.
        data.get()?.execute_batch("SELECT 1")?;
        let data_ro = pool(
            SqliteConnectionManager::file(&data_path)
                .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .with_init(|c| {
                    c.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;")
                }),
            8,
        )?;
        Ok(Store { app, data, data_ro })
    }
}

fn pool(manager: SqliteConnectionManager, size: u32) -> Result<Pool, StoreError> {
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?)
}

/// Now, as stored: RFC 3339 UTC with seconds.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
