//! Datasets in the store: import (every way in goes through here), list, delete. Imports and
//! deletes of one dataset store take turns (`Turn`), and give back the space they free.

use crate::data::import::{self, DatasetName, ImportError, Input, Options};
use crate::model::dataset::DatasetInfo;
use crate::store::{self, Store, StoreError};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Why a dataset operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no dataset named `{0}`")]
    NotFound(String),
    /// Row policies hide rows of it from the caller: what reads it whole is not for them.
    #[error("`{0}` has row policies, so its column statistics and type checks (read over every row) are for admins; its reports, dashboards and rows show you the rows you may see")]
    Hidden(String),
}

impl From<r2d2::Error> for DatasetError {
    fn from(e: r2d2::Error) -> Self {
        DatasetError::Store(e.into())
    }
}

impl From<rusqlite::Error> for DatasetError {
    fn from(e: rusqlite::Error) -> Self {
        DatasetError::Store(e.into())
    }
}

impl DatasetError {
    /// Whether the dataset store was busy with another writer: nothing was changed, and the
    /// same request may succeed later.
    pub fn is_busy(&self) -> bool {
        let locked = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        };
        match self {
            DatasetError::Import(ImportError::Busy) => true,
            DatasetError::Import(ImportError::Sqlite(e)) => locked(e),
            DatasetError::Store(StoreError::Sqlite(e)) => locked(e),
            _ => false,
        }
    }
}

/// How long an import or delete waits for the one before it before giving up
/// (`ImportError::Busy`).
const TURN_WAIT: Duration = Duration::from_secs(120);

/// One writer of a dataset store at a time. SQLite allows one anyway, but a second writer
/// waiting on its lock gives up after the busy timeout, or at once when the first commits
/// under a transaction it began reading ("database is locked"); waiting here it takes its
/// turn, and two large imports never hold their memory at once.
#[derive(Default)]
struct Turn {
    taken: Mutex<bool>,
    freed: Condvar,
}

/// The turns, by dataset store file (each test app has its own).
static TURNS: Mutex<BTreeMap<PathBuf, Arc<Turn>>> = Mutex::new(BTreeMap::new());

/// A writer's turn, given to the next when dropped.
pub(crate) struct Taken(Arc<Turn>);

impl Drop for Taken {
    fn drop(&mut self) {
        *relock(self.0.taken.lock()) = false;
        self.0.freed.notify_one();
    }
}

/// A lock's guard even when a panicking holder poisoned it: what it keeps is a plain flag.
fn relock<'a, T>(
    r: Result<MutexGuard<'a, T>, PoisonError<MutexGuard<'a, T>>>,
) -> MutexGuard<'a, T> {
    r.unwrap_or_else(PoisonError::into_inner)
}

/// Waits (at most `TURN_WAIT`) for the turn to write `store`'s datasets.
pub(crate) fn take_turn(store: &Store) -> Result<Taken, DatasetError> {
    let file = store
        .data
        .get()?
        .path()
        .map(PathBuf::from)
        .unwrap_or_default();
    let turn = relock(TURNS.lock()).entry(file).or_default().clone();
    let deadline = Instant::now() + TURN_WAIT;
    let mut taken = relock(turn.taken.lock());
    while *taken {
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or(ImportError::Busy)?;
        taken = turn
            .freed
            .wait_timeout(taken, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    *taken = true;
    drop(taken);
    Ok(Taken(turn))
}

/// A new, empty dataset store is set to give freed pages back (`reclaim`) before its first
/// table; an older one is rebuilt so by the first `reclaim` with pages to free.
fn prepare(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if mode != 2 && tables == 0 {
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
    }
    Ok(())
}

/// Gives the pages a dropped or replaced table left back to the file system, and empties the
/// write-ahead log into the file (a deleted 850 MB dataset otherwise left the file at 850 MB
/// and its log at 420 MB).
fn reclaim(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    if free > 0 && mode != 2 {
        // The mode of a file with tables changes only by rebuilding it, which frees every
        // free page on the way (once: later calls free them incrementally).
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
    } else if free > 0 {
        // One page a step: run to the end.
        let mut stmt = conn.prepare("PRAGMA incremental_vacuum")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
    }
    // Readers still on the log (a long report query) keep it; give them a few seconds.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

/// `reclaim`, whose failure leaves only space unclaimed: logged, never the caller's error.
pub(crate) fn reclaim_logged(conn: &rusqlite::Connection, dataset: &str) {
    if let Err(e) = reclaim(conn) {
        tracing::warn!(dataset, error = %e, "the dataset store's free space was not given back");
    }
}

/// Imports `input` as `name` and records it. With `skip_unchanged`, a file whose content was
/// imported last time is left alone (returns None).
pub fn import(
    store: &Store,
    name: &DatasetName,
    file: &str,
    input: &Input,
    opts: &Options,
    skip_unchanged: bool,
    progress: &dyn Fn(u64),
) -> Result<Option<DatasetInfo>, DatasetError> {
    let turn = take_turn(store)?;
    let existing = store::dataset::get(&*store.app.get()?, name.as_str())?;
    if skip_unchanged {
        let hash = input.hash().map_err(|e| ImportError::Io {
            file: file.to_string(),
            source: e,
        })?;
        if existing.as_ref().is_some_and(|d| d.source_hash == hash) {
            return Ok(None);
        }
    }
    let mut data = store.data.get()?;
    prepare(&data)?;
    let info = import::import(
        &mut data,
        name,
        file,
        input,
        opts,
        existing.as_ref().map(|d| d.columns.as_slice()),
        progress,
    )?;
    store::dataset::record(&*store.app.get()?, &info)?;
    copy_columnar(store, &data, &info);
    reclaim_logged(&data, name.as_str());
    drop((data, turn));
    store.cache.bump("main", name.as_str());
    tracing::info!(
        dataset = name.as_str(),
        rows = info.row_count,
        file,
        "imported dataset"
    );
    Ok(Some(info))
}

/// Drops a dataset's table, forgets it and gives its space back.
pub fn delete(store: &Store, name: &str) -> Result<(), DatasetError> {
    if store::dataset::get(&*store.app.get()?, name)?.is_none() {
        return Err(DatasetError::NotFound(name.to_string()));
    }
    let name = DatasetName::parse(name)?;
    let _turn = take_turn(store)?;
    let data = store.data.get()?;
    data.busy_timeout(Duration::from_secs(60))?;
    if let Some(engine) = &store.engine {
        engine.remove(name.as_str());
    }
    data.execute_batch(&format!("DROP TABLE IF EXISTS \"{}\"", name.as_str()))?;
    store::dataset::remove(&*store.app.get()?, name.as_str())?;
    store::dataset_column::forget(&*store.app.get()?, name.as_str())?;
    store.cache.bump("main", name.as_str());
    reclaim_logged(&data, name.as_str());
    Ok(())
}

/// Writes `info`'s columnar copy (when the store has an engine) from `conn`; until it is
/// written, and if it cannot be, the dataset's questions go to SQLite (logged, never the
/// caller's error). Results cached from the previous copy are dropped.
pub(crate) fn copy_columnar(store: &Store, conn: &rusqlite::Connection, info: &DatasetInfo) {
    let Some(engine) = &store.engine else { return };
    let started = Instant::now();
    match engine.copy(conn, info) {
        Ok(()) => tracing::info!(
            dataset = info.name.as_str(),
            rows = info.row_count,
            millis = started.elapsed().as_millis() as u64,
            "columnar copy written"
        ),
        Err(e) => {
            tracing::warn!(dataset = info.name.as_str(), error = %e, "questions on this dataset stay on SQLite")
        }
    }
    store.cache.bump("main", &info.name);
}

/// At startup: answers from the columnar copies that match their datasets, and writes the
/// missing ones (a first start with the engine, an import that stopped half-way) in the
/// background; meanwhile those datasets are answered by SQLite.
pub fn sync_columnar(store: &Store) -> Result<(), DatasetError> {
    let Some(engine) = &store.engine else {
        return Ok(());
    };
    let datasets = store::dataset::list(&*store.app.get()?)?;
    let missing: Vec<DatasetInfo> = {
        let names = engine.sync(&datasets);
        datasets
            .into_iter()
            .filter(|d| names.contains(&d.name))
            .collect()
    };
    if missing.is_empty() {
        return Ok(());
    }
    let store = store.clone();
    std::thread::spawn(move || {
        for info in missing {
            // Under the import turn: an import of the same dataset writes its own copy.
            let Ok(turn) = take_turn(&store) else { return };
            let current = store
                .app
                .get()
                .ok()
                .and_then(|c| store::dataset::get(&c, &info.name).ok().flatten());
            if let (Some(info), Ok(conn)) = (current, store.data_ro.get()) {
                copy_columnar(&store, &conn, &info);
            }
            drop(turn);
        }
    });
    Ok(())
}

/// Refuses what reads every row of dataset `name` (its statistics, a type check's values) to
/// a caller from whom row policies hide some.
pub fn whole(ctx: &crate::app::Ctx, name: &str) -> Result<(), DatasetError> {
    let reader = crate::data::source::Reader {
        sight: ctx.sight.clone(),
        policed: ctx.store.policed.now(),
    };
    match reader.hides(name) {
        true => Err(DatasetError::Hidden(name.to_string())),
        false => Ok(()),
    }
}

/// The datasets in the store, each with the rows its reader may see: a dataset whose rows row
/// policies hide from them counts only theirs (its total would say how many they may not see).
pub fn list_seen(ctx: &crate::app::Ctx) -> Result<Vec<DatasetInfo>, DatasetError> {
    let mut all = store::dataset::list(&*ctx.store.app.get()?)?;
    for d in &mut all {
        if let Some(n) = seen_rows(ctx, &d.name)? {
            d.row_count = n;
        }
    }
    Ok(all)
}

/// How many rows of dataset `name` its reader may see; None: all of them.
pub fn seen_rows(ctx: &crate::app::Ctx, name: &str) -> Result<Option<u64>, DatasetError> {
    let conn = ctx
        .store
        .source("main")
        .expect("the main store")
        .get(&ctx.sight)?;
    if !conn.db().reader().is_some_and(|r| r.hides(name)) {
        return Ok(None);
    }
    let failed = |message: String| {
        DatasetError::Store(StoreError::Source {
            name: name.to_string(),
            message,
        })
    };
    let rows = crate::report::builder::readable(conn.db(), name).map_err(failed)?;
    let bounds = crate::data::query::Bounds {
        max_rows: 1,
        ..ctx.bounds()
    };
    let counted = conn
        .db()
        .fetch(
            &format!("{}SELECT count(*) FROM {}", rows.tag, rows.from),
            &rows.values,
            None,
            bounds,
        )
        .map_err(|e| failed(e.to_string()))?;
    let n = counted
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(|c| c.as_f64())
        .unwrap_or(0.0);
    Ok(Some(n as u64))
}

/// The first `n` rows of a dataset that the caller may see.
pub fn preview(
    ctx: &crate::app::Ctx,
    name: &str,
    n: u32,
) -> Result<crate::data::query::ResultSet, DatasetError> {
    let name = DatasetName::parse(name)?;
    let conn = ctx
        .store
        .source("main")
        .expect("the main store")
        .get(&ctx.sight)?;
    let bounds = crate::data::query::Bounds {
        timeout: std::time::Duration::from_secs(10),
        max_rows: n,
        memory_mb: crate::config::LimitsConfig::default().query_memory_mb,
        result_mb: crate::config::LimitsConfig::default().result_mb,
    };
    let source_error = |message: String| {
        DatasetError::Store(StoreError::Source {
            name: name.as_str().to_string(),
            message,
        })
    };
    let rows = crate::report::builder::readable(conn.db(), name.as_str()).map_err(source_error)?;
    conn.db()
        .fetch(
            &format!("{}SELECT * FROM {}", rows.tag, rows.from),
            &rows.values,
            Some((0, n)),
            bounds,
        )
        .map_err(|e| {
            DatasetError::Store(StoreError::Source {
                name: name.as_str().to_string(),
                message: e.to_string(),
            })
        })
}
