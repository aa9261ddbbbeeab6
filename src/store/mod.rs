//! SQLite storage: the application database and the dataset store, each behind an r2d2 pool.

pub mod access;
pub mod alert;
pub mod app_pool;
pub mod audit;
pub mod bundle;
pub mod collection;
pub mod dashboard;
pub mod dataset;
pub mod dataset_column;
pub mod delivery;
pub mod export;
pub mod job;
pub mod meta;
pub mod migrate;
pub mod oidc;
pub mod relationship;
pub mod report;
pub mod run;
pub mod schedule;
pub mod secret;
pub mod session;
pub mod share;
pub mod token;
pub mod user;
pub mod version;

pub use crate::data::source::{SourceConn, SourcePool};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::OpenFlags;
use std::path::Path;
use std::time::Duration;

/// A pool of SQLite connections.
pub type Pool = r2d2::Pool<SqliteConnectionManager>;
/// A connection of the app database.
pub type Conn = app_pool::AppConn;

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
    #[error("source `{name}`: {message}")]
    Source { name: String, message: String },
    #[error("cannot create data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

/// Every connection: foreign keys, a busy timeout so writers wait instead of failing. (WAL is
/// a property of the file, set once per database: switching it from every new connection of
/// a pool at once made them queue on the lock for up to half a second.)
const PRAGMAS: &str = "PRAGMA synchronous = NORMAL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;";

/// Write-ahead logging: readers never wait for the writer.
const WAL: &str = "PRAGMA journal_mode = WAL;";

/// A `[[sources]]` entry, opened.
pub struct Source {
    pub pool: SourcePool,
    /// SQLite: the file (its modification time versions cached results).
    pub path: Option<std::path::PathBuf>,
    /// PostgreSQL: how long a result is reused.
    pub cache_seconds: u64,
}

/// The two databases Quire keeps.
#[derive(Clone)]
pub struct Store {
    /// Quire's own state (reports, schedules, runs, ...).
    pub app: app_pool::AppPool,
    /// The dataset store, read-write (imports).
    pub data: Pool,
    /// The dataset store opened read-only, for report queries.
    pub data_ro: Pool,
    /// `data_ro` as a data source (`main`).
    pub main: SourcePool,
    /// Read-only pools for previews of `main` and of each source, apart from those pages and
    /// renders use: a burst of slow previews waits on its own connections, never on theirs.
    pub previews: std::sync::Arc<std::collections::BTreeMap<String, SourcePool>>,
    /// `[[sources]]`: other SQLite files (read-only) and PostgreSQL databases, by name.
    pub sources: std::sync::Arc<std::collections::BTreeMap<String, Source>>,
    /// Query results, invalidated per table by imports.
    pub cache: std::sync::Arc<crate::data::cache::QueryCache>,
    /// The installation's keys, from files in the data folder.
    pub secrets: std::sync::Arc<secret::Secrets>,
    /// The columnar engine under builder questions on `main`'s datasets (`with_engine`).
    pub engine: Option<crate::data::columnar::Engine>,
    /// `main`'s datasets that have a row policy (`set_policed`), read by its connections.
    pub policed: crate::data::source::Policed,
}

impl Store {
    /// Opens (creating if needed) both databases under `dir`, migrates the app database and
    /// opens each source read-only.
    pub fn open(
        dir: &Path,
        sources: &[crate::config::SourceConfig],
        cache_bytes: usize,
    ) -> Result<Store, StoreError> {
        private_folder(dir)?;
        for sub in ["secrets", "exports", "uploads"] {
            private_folder(&dir.join(sub))?;
        }
        private_file(&dir.join("quire.db"))?;
        let manager = || {
            SqliteConnectionManager::file(dir.join("quire.db"))
                .with_init(|c| c.execute_batch(PRAGMAS))
        };
        // No thread holds two (`app_pool`) and each holds one briefly: 16 serve the 64
        // requests `[limits] requests` lets in at once.
        let app = app_pool::AppPool::new(pool(manager(), 16)?, manager());
        app.get()?.execute_batch(WAL)?;
        migrate::migrate(&mut *app.get()?)?;
        let secrets = secret::Secrets::load(dir, &*app.get()?)?;
        let data_path = dir.join("datasets.db");
        private_file(&data_path)?;
        let data = pool(
            SqliteConnectionManager::file(&data_path).with_init(|c| c.execute_batch(PRAGMAS)),
            2,
        )?;
        // Create the file and switch it to WAL before read-only connections open it.
        data.get()?.execute_batch(WAL)?;
        let data_ro = pool(read_only(&data_path), 8)?;
        // SQLite makes a database's -wal and -shm files with the database file's mode; ones
        // an older version left are tightened here.
        for file in [
            "quire.db-wal",
            "quire.db-shm",
            "datasets.db-wal",
            "datasets.db-shm",
        ] {
            tighten(&dir.join(file), 0o600);
        }
        for key in std::fs::read_dir(dir.join("secrets")).into_iter().flatten() {
            tighten(
                &key.map_err(|source| StoreError::DataDir {
                    path: dir.join("secrets").display().to_string(),
                    source,
                })?
                .path(),
                0o600,
            );
        }
        let mut previews = std::collections::BTreeMap::new();
        let policed = crate::data::source::Policed::default();
        previews.insert(
            "main".to_string(),
            SourcePool::Store(pool(read_only(&data_path), 4)?, None, policed.clone()),
        );
        let mut by_name = std::collections::BTreeMap::new();
        for src in sources {
            let source_error = |message: String| StoreError::Source {
                name: src.name.clone(),
                message,
            };
            let (pool, preview, path) = match (src.kind, &src.path) {
                (crate::config::SourceKind::Sqlite, Some(path)) => {
                    if !path.is_file() {
                        return Err(source_error(format!("{} is not a file", path.display())));
                    }
                    let open = |n| {
                        pool(read_only(path), n)
                            .map(SourcePool::Sqlite)
                            .map_err(|e| source_error(e.to_string()))
                    };
                    (open(4)?, open(2)?, Some(path.clone()))
                }
                (crate::config::SourceKind::Sqlite, None) => {
                    return Err(source_error("a sqlite source needs `path`".into()))
                }
                (crate::config::SourceKind::Postgres, _) => {
                    let url = src.postgres_url().map_err(|(_, m)| source_error(m))?;
                    let open = |n| {
                        crate::data::pg::pool(&url, n)
                            .map(SourcePool::Postgres)
                            .map_err(source_error)
                    };
                    (open(src.pool_size)?, open(2)?, None)
                }
            };
            previews.insert(src.name.clone(), preview);
            by_name.insert(
                src.name.clone(),
                Source {
                    pool,
                    path,
                    cache_seconds: src.cache_seconds,
                },
            );
        }
        let store = Store {
            app,
            data,
            main: SourcePool::Store(data_ro.clone(), None, policed.clone()),
            data_ro,
            previews: std::sync::Arc::new(previews),
            sources: std::sync::Arc::new(by_name),
            cache: std::sync::Arc::new(crate::data::cache::QueryCache::new(cache_bytes)),
            secrets: std::sync::Arc::new(secrets),
            engine: None,
            policed,
        };
        store.set_policed()?;
        Ok(store)
    }

    /// The store with a columnar engine under `main` (and its previews), keeping its copies in
    /// `dir/columnar` and its queries within `memory_mb` together.
    pub fn with_engine(mut self, dir: &Path, memory_mb: u64) -> Result<Store, StoreError> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
        let folder = dir.join("columnar");
        private_folder(&folder)?;
        let engine =
            crate::data::columnar::Engine::open(&folder, memory_mb, threads).map_err(|source| {
                StoreError::DataDir {
                    path: folder.display().to_string(),
                    source,
                }
            })?;
        self.main = SourcePool::Store(
            self.data_ro.clone(),
            Some(engine.clone()),
            self.policed.clone(),
        );
        let mut previews = (*self.previews).clone();
        if let Some(SourcePool::Store(p, _, policed)) = previews.get("main") {
            let p = SourcePool::Store(p.clone(), Some(engine.clone()), policed.clone());
            previews.insert("main".into(), p);
        }
        self.previews = std::sync::Arc::new(previews);
        self.engine = Some(engine);
        Ok(self)
    }

    /// Reads which of `main`'s datasets have a row policy again (at start and after every
    /// change of a policy): connections taken from then on apply them.
    pub fn set_policed(&self) -> Result<(), StoreError> {
        let datasets = access::policed(&*self.app.get()?)?;
        self.policed.set(datasets);
        Ok(())
    }

    /// The read-only pool of a data source (`main` or a `[[sources]]` name).
    pub fn source(&self, name: &str) -> Option<&SourcePool> {
        if name == "main" {
            Some(&self.main)
        } else {
            self.sources.get(name).map(|s| &s.pool)
        }
    }

    /// The read-only pool previews of a data source use (see `previews`).
    pub fn preview_source(&self, name: &str) -> Option<&SourcePool> {
        self.previews.get(name)
    }

    /// The cache scope of a source: `main` is versioned per table by imports, an attached file
    /// by its modification time, a PostgreSQL database by time (a new version every
    /// `cache_seconds`); None when its results are not to be kept.
    pub fn cache_scope<'a>(&'a self, name: &'a str) -> Option<crate::data::cache::Scope<'a>> {
        let source = self.sources.get(name);
        let source_version = match source {
            None => 0,
            Some(Source {
                path: Some(path), ..
            }) => std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0),
            Some(Source {
                path: None,
                cache_seconds: 0,
                ..
            }) => return None,
            Some(Source {
                path: None,
                cache_seconds,
                ..
            }) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                now / cache_seconds
            }
        };
        Some(crate::data::cache::Scope {
            cache: &self.cache,
            source: name,
            source_version,
        })
    }
}

/// Only the account Quire runs as may open its data folder (0700): made so, or tightened.
fn private_folder(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| StoreError::DataDir {
        path: dir.display().to_string(),
        source,
    })?;
    tighten(dir, 0o700);
    Ok(())
}

/// A database file only the account Quire runs as may read (0600): made empty with that mode
/// before SQLite opens it (SQLite would make it with the process's umask), or tightened.
fn private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    drop(options.open(path).map_err(|source| StoreError::DataDir {
        path: path.display().to_string(),
        source,
    })?);
    tighten(path, 0o600);
    Ok(())
}

/// Takes group and others' access away from `path` (to `mode`), if it exists and they have
/// some. A failure (a folder of another owner) is logged: Quire still starts.
fn tighten(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        if meta.permissions().mode() & 0o077 == 0 {
            return;
        }
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(path = %path.display(), error = %e, "cannot make it private to Quire's account");
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// The longest string or blob a read-only connection builds until a query sets its own limit
/// (`data::query` applies `[limits] query_memory_mb` to each query).
const READ_ONLY_LENGTH_LIMIT: i32 = 64 << 20;

/// A read-only connection to a dataset file, for report queries.
fn read_only(path: &Path) -> SqliteConnectionManager {
    SqliteConnectionManager::file(path)
        .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_init(|c| {
            c.set_limit(
                rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH,
                READ_ONLY_LENGTH_LIMIT,
            )?;
            c.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;")
        })
}

fn pool(manager: SqliteConnectionManager, size: u32) -> Result<Pool, StoreError> {
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?)
}

/// Whether the row `id` of `table` (`reports` or `schedules`) was changed through the API or
/// the pages since it was provisioned from config: then config no longer overwrites it.
pub fn edited_since_provisioned(
    conn: &rusqlite::Connection,
    table: Provisionable,
    id: &str,
) -> Result<bool, StoreError> {
    use rusqlite::OptionalExtension;
    let table = match table {
        Provisionable::Report => "reports",
        Provisionable::Schedule => "schedules",
    };
    let flag: Option<bool> = conn
        .query_row(
            &format!("SELECT provisioned FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(flag == Some(false))
}

/// The tables whose rows config provisions and users may edit.
#[derive(Debug, Clone, Copy)]
pub enum Provisionable {
    Report,
    Schedule,
}

/// Statuses, formats and ids are stored as their words.
macro_rules! stored_as_word {
    ($($t:ty),+) => {$(
        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $t {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let word = v.as_str()?;
                <$t>::parse(word).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(format!("unknown word `{word}`").into())
                })
            }
        }
    )+};
}

stored_as_word!(
    crate::model::id::ReportId,
    crate::model::id::DashboardId,
    crate::model::id::WidgetId,
    crate::model::id::ScheduleId,
    crate::model::id::ExportId,
    crate::model::id::JobId,
    crate::model::id::ResultId,
    crate::model::id::UserId,
    crate::model::export::ExportFormat,
    crate::model::export::ExportStatus,
    crate::model::job::JobStatus,
    crate::model::schedule::RunStatus,
    crate::model::schedule::DeliveryStatus,
    crate::model::user::Role
);
