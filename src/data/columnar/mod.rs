//! The columnar engine: each dataset of the main store also kept as a Parquet file beside
//! `datasets.db` (`columnar/<dataset>.<version>.parquet`), and builder questions on it answered
//! by Apache DataFusion, vectorised over the columns a question reads instead of SQLite walking
//! every row (ARCHITECTURE.md, "The columnar engine"). SQL reports never come here.
//!
//! The copy is written after an import has committed (`copy`), from the table itself, so it
//! holds what SQLite holds; until it is there (during an import, or for a dataset whose values
//! do not fit their column types) questions go to SQLite, with the same answers. Its file name
//! carries a fingerprint of the dataset's import (`version`): a copy left by an import that
//! did not finish is never read.
//!
//! Queries share one memory pool (`[limits] engine_memory_mb`): one that would take more fails
//! with [`crate::data::query::QueryError::EngineMemory`], naming the limit; the server stays up.

mod cells;
mod copy;
mod run;

pub use copy::version;

use crate::model::dataset::DatasetInfo;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// The engine: the copies it has and the session that reads them. Cheap to clone.
#[derive(Clone)]
pub struct Engine(Arc<Inner>);

struct Inner {
    dir: PathBuf,
    ctx: SessionContext,
    /// Taken only when the engine is dropped (`Drop`).
    runtime: Option<tokio::runtime::Runtime>,
    memory_mb: u64,
    /// Dataset → the file of its copy now registered.
    tables: RwLock<BTreeMap<String, PathBuf>>,
    /// Queries run (each `fetch`; a count is one).
    queries: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("dir", &self.0.dir)
            .field("memory_mb", &self.0.memory_mb)
            .finish()
    }
}

impl Inner {
    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the engine")
    }
}

impl Drop for Inner {
    /// The engine's threads are let go without waiting: the last handle may be dropped on an
    /// async thread (the server's shutdown), where waiting for them is not allowed.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Engine {
    /// An engine keeping its copies in `dir` (made if missing), its queries within
    /// `memory_mb` together, on `threads` threads.
    pub fn open(dir: &Path, memory_mb: u64, threads: usize) -> std::io::Result<Engine> {
        std::fs::create_dir_all(dir)?;
        let threads = threads.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("quire-engine")
            .enable_time()
            .build()?;
        let pool = FairSpillPool::new((memory_mb.max(16) as usize) << 20);
        let env = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(pool))
            .build_arc()
            .map_err(std::io::Error::other)?;
        let mut config = SessionConfig::new()
            .with_target_partitions(threads)
            .with_information_schema(false);
        // SQLite's order: NULL is the smallest value (first ascending, last descending).
        config.options_mut().sql_parser.default_null_ordering = "nulls_min".into();
        // Strings read as plain UTF-8 arrays: the results are turned into cells anyway.
        config
            .options_mut()
            .execution
            .parquet
            .schema_force_view_types = false;
        Ok(Engine(Arc::new(Inner {
            dir: dir.to_path_buf(),
            ctx: SessionContext::new_with_config_rt(config, env),
            runtime: Some(runtime),
            memory_mb,
            tables: RwLock::new(BTreeMap::new()),
            queries: Default::default(),
        })))
    }

    /// The engine's limit on the memory its queries hold together, in MB.
    pub fn memory_mb(&self) -> u64 {
        self.0.memory_mb
    }

    /// The queries this engine ran.
    pub fn queries(&self) -> u64 {
        self.0.queries.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether `dataset` has a copy to answer from. A copy whose file went away (another
    /// process, `quire import`, imported the dataset again) is forgotten: SQLite answers
    /// until the next start registers the new one.
    pub fn has(&self, dataset: &str) -> bool {
        let present = match self.tables().get(dataset) {
            None => return false,
            Some(path) => path.is_file(),
        };
        if !present {
            self.forget(dataset);
        }
        present
    }

    /// The datasets with a copy.
    pub fn datasets(&self) -> Vec<String> {
        self.tables().keys().cloned().collect()
    }

    fn tables(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, PathBuf>> {
        self.0.tables.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops answering for `dataset` (it is being imported again or deleted): questions go to
    /// SQLite until `copy` registers a new copy. The file stays for queries already reading
    /// it; the next copy or `sync` removes it.
    pub fn forget(&self, dataset: &str) {
        let mut tables = self.0.tables.write().unwrap_or_else(|e| e.into_inner());
        if tables.remove(dataset).is_some() {
            let _ = self.0.ctx.deregister_table(dataset);
        }
    }

    /// Stops answering for `dataset` and removes its copies (the dataset is deleted).
    pub fn remove(&self, dataset: &str) {
        self.forget(dataset);
        self.remove_others(dataset, Path::new(""));
    }

    /// Writes the copy of `info`'s table from `conn` and answers from it. An error leaves
    /// the dataset to SQLite (its text says why: a value that does not fit its column's type).
    pub fn copy(&self, conn: &rusqlite::Connection, info: &DatasetInfo) -> Result<(), String> {
        let path = self.path_of(info);
        if let Err(e) = copy::write(conn, info, &path) {
            self.forget(&info.name);
            return Err(e);
        }
        self.register(&info.name, &path)?;
        self.remove_others(&info.name, &path);
        Ok(())
    }

    /// At startup: registers each dataset's copy when it is of the dataset's current import,
    /// and returns the datasets that have none (to `copy` in the background). Files of
    /// datasets that are gone, and older copies, are removed.
    pub fn sync(&self, datasets: &[DatasetInfo]) -> Vec<String> {
        let mut missing = Vec::new();
        let mut keep = Vec::new();
        for info in datasets {
            let path = self.path_of(info);
            if path.is_file() && self.register(&info.name, &path).is_ok() {
                keep.push(path);
            } else {
                missing.push(info.name.clone());
            }
        }
        for file in self.files() {
            if !keep.contains(&file) {
                let _ = std::fs::remove_file(&file);
            }
        }
        missing
    }

    /// The file `info`'s copy is written to: its name and the fingerprint of its import.
    fn path_of(&self, info: &DatasetInfo) -> PathBuf {
        self.0
            .dir
            .join(format!("{}.{}.parquet", info.name, version(info)))
    }

    fn files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.0.dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// Removes `dataset`'s files other than `current`.
    fn remove_others(&self, dataset: &str, current: &Path) {
        let prefix = format!("{dataset}.");
        for file in self.files() {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let rest = name.strip_prefix(&prefix).unwrap_or("");
            // `<dataset>.<version>.parquet` (another dataset may start with this one's name).
            let ours = rest.split('.').count() == 2 && rest.ends_with(".parquet");
            if ours && file != current {
                let _ = std::fs::remove_file(&file);
            }
        }
    }

    fn register(&self, dataset: &str, path: &Path) -> Result<(), String> {
        let url = path.to_string_lossy().into_owned();
        let (ctx, name) = (self.0.ctx.clone(), dataset.to_string());
        // On the engine's threads: the caller may be on another runtime's.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.0.runtime().spawn(async move {
            let _ = ctx.deregister_table(&name);
            let read = ctx.register_parquet(&name, &url, ParquetReadOptions::default());
            let _ = tx.send(read.await);
        });
        rx.recv()
            .map_err(|_| "the engine stopped".to_string())?
            .map_err(|e| format!("the columnar copy of `{dataset}` cannot be read: {e}"))?;
        self.0
            .tables
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dataset.to_string(), path.to_path_buf());
        Ok(())
    }
}
