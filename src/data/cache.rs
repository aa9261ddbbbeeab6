//! Query results kept in memory, keyed by the query, its parameters and the data version of every
//! table it reads: an import bumps its table's version, so exactly the results that read it go
//! stale. Bounded by size, least recently used first out.

use super::query::{Params, ResultSet};
use lru::LruCache;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The cache.
pub struct QueryCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

struct Inner {
    lru: LruCache<String, Entry>,
    bytes: usize,
    versions: HashMap<(String, String), u64>,
}

#[derive(Clone)]
enum Entry {
    Rows(Arc<ResultSet>, usize),
    Count(u64),
}

impl Entry {
    fn size(&self, key: &str) -> usize {
        key.len()
            + match self {
                Entry::Rows(_, n) => *n,
                Entry::Count(_) => 8,
            }
    }
}

/// Hit and miss counts, and the bytes held.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
    pub bytes: usize,
    pub entries: usize,
}

impl QueryCache {
    /// A cache holding at most `max_bytes` (approximately) of results.
    pub fn new(max_bytes: usize) -> QueryCache {
        QueryCache {
            inner: Mutex::new(Inner {
                lru: LruCache::unbounded(),
                bytes: 0,
                versions: HashMap::new(),
            }),
            max_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks a table's data as changed.
    pub fn bump(&self, source: &str, table: &str) {
        *self
            .lock()
            .versions
            .entry((source.to_string(), table.to_string()))
            .or_default() += 1;
    }

    /// The key of a query over `tables` of `source` (whose own version is `source_version`).
    pub fn key(
        &self,
        source: &str,
        source_version: u64,
        tables: &BTreeSet<String>,
        sql: &str,
        params: &Params,
        what: &str,
    ) -> String {
        let inner = self.lock();
        let versions: Vec<String> = tables
            .iter()
            .map(|t| {
                let v = inner
                    .versions
                    .get(&(source.to_string(), t.clone()))
                    .copied()
                    .unwrap_or(0);
                format!("{t}@{v}")
            })
            .collect();
        format!(
            "{source}@{source_version}|{}|{what}|{}|{sql}",
            versions.join(","),
            serde_json::to_string(params).unwrap_or_default()
        )
    }

    /// Cached rows for `key`.
    pub fn rows(&self, key: &str) -> Option<Arc<ResultSet>> {
        let found = match self.lock().lru.get(key) {
            Some(Entry::Rows(r, _)) => Some(r.clone()),
            _ => None,
        };
        self.count_lookup(found.is_some());
        found
    }

    /// A cached row count for `key`.
    pub fn count(&self, key: &str) -> Option<u64> {
        let found = match self.lock().lru.get(key) {
            Some(Entry::Count(n)) => Some(*n),
            _ => None,
        };
        self.count_lookup(found.is_some());
        found
    }

    fn count_lookup(&self, hit: bool) {
        if hit {
            self.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Keeps rows.
    pub fn put_rows(&self, key: String, rows: Arc<ResultSet>) {
        let size = approx_size(&rows);
        self.put(key, Entry::Rows(rows, size));
    }

    /// Keeps a row count.
    pub fn put_count(&self, key: String, n: u64) {
        self.put(key, Entry::Count(n));
    }

    fn put(&self, key: String, entry: Entry) {
        let size = entry.size(&key);
        if size > self.max_bytes / 4 {
            return; // One result may not push out everything else.
        }
        let mut inner = self.lock();
        if let Some(old) = inner.lru.put(key.clone(), entry) {
            inner.bytes -= old.size(&key);
        }
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            match inner.lru.pop_lru() {
                Some((k, e)) => inner.bytes -= e.size(&k),
                None => break,
            }
        }
    }

    /// Counters for /metrics.
    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: inner.bytes,
            entries: inner.lru.len(),
        }
    }
}

fn approx_size(rs: &ResultSet) -> usize {
    use super::query::Cell;
    let cells: usize = rs
        .rows
        .iter()
        .flatten()
        .map(|c| 24 + if let Cell::Text(s) = c { s.len() } else { 0 })
        .sum();
    cells + rs.columns.iter().map(|c| c.len() + 24).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bump_changes_only_the_keys_of_queries_reading_that_table() {
        let c = QueryCache::new(1 << 20);
        let t = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let a = c.key("main", 0, &t(&["sales"]), "q", &Params::new(), "rows");
        let b = c.key("main", 0, &t(&["other"]), "q", &Params::new(), "rows");
        c.put_rows(a.clone(), Arc::new(ResultSet::default()));
        assert!(c.rows(&a).is_some());
        c.bump("main", "sales");
        assert_ne!(
            c.key("main", 0, &t(&["sales"]), "q", &Params::new(), "rows"),
            a
        );
        assert_eq!(
            c.key("main", 0, &t(&["other"]), "q", &Params::new(), "rows"),
            b
        );
    }

    #[test]
    fn the_cache_stays_within_its_size() {
        let c = QueryCache::new(10_000);
        for i in 0..100 {
            let rs = ResultSet {
                columns: vec!["x".into()],
                rows: vec![vec![super::super::query::Cell::Text("y".repeat(100))]; 5],
            };
            c.put_rows(format!("k{i}"), Arc::new(rs));
        }
        let s = c.stats();
        assert!(s.bytes <= 10_000 && s.entries < 100, "{s:?}");
        assert!(c.rows("k99").is_some() && c.rows("k0").is_none());
    }
}

/// Which cache a run uses and the data source it reads.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub cache: &'a QueryCache,
    pub source: &'a str,
    /// Changes when the source changes outside Quire (an attached file's mtime; for
    /// PostgreSQL, every `cache_seconds`, so results are kept that long); 0 for `main`.
    pub source_version: u64,
}

/// `query::fetch` through the cache (when there is one).
pub fn fetch<'c>(
    conn: impl Into<super::source::Db<'c>>,
    scope: Option<Scope<'_>>,
    sql: &str,
    params: &Params,
    window: Option<(u64, u32)>,
    bounds: super::query::Bounds,
) -> Result<Arc<ResultSet>, super::query::QueryError> {
    let db = conn.into();
    let Some(s) = scope else {
        return db.fetch(sql, params, window, bounds).map(Arc::new);
    };
    let tables = db.tables_read(sql, bounds)?;
    let what = format!("rows {window:?} max {}", bounds.max_rows);
    let key = s
        .cache
        .key(s.source, s.source_version, &tables, sql, params, &what);
    if let Some(hit) = s.cache.rows(&key) {
        return Ok(hit);
    }
    let rows = Arc::new(db.fetch(sql, params, window, bounds)?);
    s.cache.put_rows(key, rows.clone());
    Ok(rows)
}

/// `query::count` through the cache (when there is one).
pub fn count<'c>(
    conn: impl Into<super::source::Db<'c>>,
    scope: Option<Scope<'_>>,
    sql: &str,
    params: &Params,
    bounds: super::query::Bounds,
) -> Result<u64, super::query::QueryError> {
    let db = conn.into();
    let Some(s) = scope else {
        return db.count(sql, params, bounds);
    };
    let tables = db.tables_read(sql, bounds)?;
    let key = s
        .cache
        .key(s.source, s.source_version, &tables, sql, params, "count");
    if let Some(n) = s.cache.count(&key) {
        return Ok(n);
    }
    let n = db.count(sql, params, bounds)?;
    s.cache.put_count(key, n);
    Ok(n)
}
