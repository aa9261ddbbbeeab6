//! Column statistics of a dataset table: blanks, smallest and largest value, distinct values and
//! the most frequent ones. Every figure comes from bounded queries through the query path
//! (`query_timeout_ms`, the request's watch) and the result cache, so a page asking again reads
//! them from memory until the table changes (an import or retype bumps its version; the
//! dataset's source hash is part of each query, so an import by another process counts too).

use super::cache::{self, Scope};
use super::import::ColType;
use super::query::{Bounds, Cell, Params, QueryError};
use rusqlite::Connection;

/// Distinct values are counted exactly up to this many rows; past it, over the first this many
/// rows only (and said so).
pub const EXACT_ROWS: u64 = 1_000_000;
/// Most frequent values shown for a text or boolean column.
pub const TOP: u32 = 3;

/// The table asked about.
pub struct Table<'a> {
    pub name: &'a str,
    /// The dataset's source hash: a re-import under the same name is another table.
    pub source_hash: &'a str,
    pub rows: u64,
    pub columns: &'a [(String, ColType)],
}

/// One column's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    pub name: String,
    pub kind: ColType,
    /// NULL or the empty text.
    pub blanks: u64,
    /// Smallest and largest value that is not blank (None when all are).
    pub min: Option<Cell>,
    pub max: Option<Cell>,
    /// Distinct values that are not blank; None when counting them took too long.
    pub distinct: Option<u64>,
    /// Whether `distinct` and `top` were counted over every row (else over the first
    /// `EXACT_ROWS`).
    pub exact: bool,
    /// The most frequent values and how often they occur (text and boolean columns).
    pub top: Vec<(Cell, u64)>,
}

/// `name` as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The rows of `column` the distinct counts read: every row, or the first `EXACT_ROWS`.
fn sample(t: &Table, column: &str) -> String {
    let c = ident(column);
    if t.rows > EXACT_ROWS {
        // In the table's order: the column's index would give its smallest values.
        format!(
            "(SELECT {c} FROM {} ORDER BY rowid LIMIT {EXACT_ROWS})",
            ident(t.name)
        )
    } else {
        ident(t.name)
    }
}

/// A cell as a count.
fn count(c: Option<&Cell>) -> u64 {
    match c {
        Some(Cell::Int(n)) => (*n).max(0) as u64,
        Some(Cell::Real(f)) => f.max(0.0) as u64,
        _ => 0,
    }
}

/// Every column's figures: one scan for blanks, min and max of all columns, and one query per
/// column for its distinct values (for a text or boolean column, with its most frequent ones),
/// run on `conn` and the `extra` connections at once (each query bounded, under the caller's
/// watch). A column whose own query runs past the time limit has no distinct count
/// (`distinct` None); the others keep theirs.
pub fn columns<C>(
    conn: &Connection,
    extra: Vec<C>,
    scope: Option<Scope<'_>>,
    t: &Table,
    bounds: Bounds,
) -> Result<Vec<ColumnStats>, QueryError>
where
    C: std::ops::Deref<Target = Connection> + Send,
{
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    if t.columns.is_empty() {
        return Ok(Vec::new());
    }
    let exact = t.rows <= EXACT_ROWS;
    let tag = format!("/* quire stats {} */", t.source_hash.replace("*/", ""));
    let parts: Vec<String> = t
        .columns
        .iter()
        .map(|(name, _)| {
            let c = ident(name);
            format!(
                "sum(CASE WHEN {c} IS NULL OR {c} = '' THEN 1 ELSE 0 END), min(NULLIF({c}, '')), max(NULLIF({c}, ''))"
            )
        })
        .collect();
    let mut jobs = vec![format!(
        "{tag} SELECT {} FROM {}",
        parts.join(", "),
        ident(t.name)
    )];
    for (name, kind) in t.columns {
        let c = ident(name);
        let from = sample(t, name);
        jobs.push(if grouped(*kind) {
            // The groups: how many (counted before the LIMIT) and the largest.
            format!(
                "{tag} SELECT value, n, count(*) OVER () AS groups FROM \
                 (SELECT {c} AS value, count(*) AS n FROM {from} WHERE {c} IS NOT NULL AND {c} <> '' GROUP BY {c}) \
                 ORDER BY n DESC, value LIMIT {TOP}"
            )
        } else {
            format!("{tag} SELECT count(DISTINCT NULLIF({c}, '')) FROM {from}")
        });
    }
    let one = Params::new();
    let next = AtomicUsize::new(0);
    let found = Mutex::new((0..jobs.len()).map(|_| None).collect::<Vec<_>>());
    let work = |db: &Connection| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(sql) = jobs.get(i) else { break };
        let result = cache::fetch(db, scope, sql, &one, None, bounds);
        found.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
    };
    let work = &work;
    let watch = super::watch::current();
    std::thread::scope(|s| {
        for c in extra {
            let watch = watch.clone();
            // Each connection moves to its thread: a connection is used by one at a time.
            s.spawn(move || match watch {
                Some(w) => super::watch::scoped(w, || work(&c)),
                None => work(&c),
            });
        }
        work(conn);
    });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    let scan = found[0].take().unwrap_or(Err(QueryError::Cancelled))?;
    let row = scan.rows.first().cloned().unwrap_or_default();
    let mut out = Vec::with_capacity(t.columns.len());
    for (i, (name, kind)) in t.columns.iter().enumerate() {
        let at = |k: usize| row.get(i * 3 + k);
        let some = |c: Option<&Cell>| c.filter(|c| **c != Cell::Null).cloned();
        let (distinct, top) = match found[i + 1].take() {
            Some(Ok(r)) if grouped(*kind) => (
                Some(count(r.rows.first().and_then(|r| r.get(2)))),
                r.rows
                    .iter()
                    .map(|r| (r[0].clone(), count(r.get(1))))
                    .collect(),
            ),
            Some(Ok(r)) => (
                Some(count(r.rows.first().and_then(|r| r.first()))),
                Vec::new(),
            ),
            Some(Err(QueryError::Timeout(_))) => (None, Vec::new()),
            Some(Err(e)) => return Err(e),
            None => return Err(QueryError::Cancelled),
        };
        out.push(ColumnStats {
            name: name.clone(),
            kind: *kind,
            blanks: count(at(0)),
            min: some(at(1)),
            max: some(at(2)),
            distinct,
            exact,
            top,
        });
    }
    Ok(out)
}

/// Whether a column's distinct values are counted by grouping, which also finds its most
/// frequent ones (text and boolean columns).
fn grouped(kind: ColType) -> bool {
    matches!(kind, ColType::Text | ColType::Boolean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds {
            timeout: std::time::Duration::from_secs(5),
            max_rows: 1000,
            memory_mb: 64,
            result_mb: 64,
        }
    }

    #[test]
    fn blanks_min_max_distinct_and_top_values() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (n INTEGER, s TEXT);
             INSERT INTO t VALUES (3, 'b'), (1, 'a'), (NULL, ''), (3, 'b'), (7, NULL);",
        )
        .unwrap();
        let cols = [
            ("n".to_string(), ColType::Integer),
            ("s".to_string(), ColType::Text),
        ];
        let t = Table {
            name: "t",
            source_hash: "x",
            rows: 5,
            columns: &cols,
        };
        let s = columns::<Box<Connection>>(&conn, Vec::new(), None, &t, bounds()).unwrap();
        assert_eq!(s[0].blanks, 1);
        assert_eq!(s[0].min, Some(Cell::Int(1)));
        assert_eq!(s[0].max, Some(Cell::Int(7)));
        assert_eq!(s[0].distinct, Some(3));
        assert!(s[0].top.is_empty());
        assert_eq!(s[1].blanks, 2);
        assert_eq!(s[1].min, Some(Cell::Text("a".into())));
        assert_eq!(s[1].distinct, Some(2));
        assert_eq!(
            s[1].top,
            vec![(Cell::Text("b".into()), 2), (Cell::Text("a".into()), 1)]
        );
        assert!(s[1].exact);
    }

    #[test]
    fn past_a_million_rows_distinct_values_are_counted_in_the_first_million_and_said_so() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (d TEXT, s TEXT); CREATE INDEX ix ON t (d);
             INSERT INTO t VALUES ('2025-02-01', 'x'), ('2025-01-01', 'x'), (NULL, 'y');",
        )
        .unwrap();
        let cols = [
            ("d".to_string(), ColType::Date),
            ("s".to_string(), ColType::Text),
        ];
        let t = Table {
            name: "t",
            source_hash: "x",
            rows: EXACT_ROWS + 1,
            columns: &cols,
        };
        let extra: Vec<Box<Connection>> = Vec::new();
        let s = columns(&conn, extra, None, &t, bounds()).unwrap();
        assert!(!s[0].exact);
        assert_eq!((s[0].distinct, s[0].blanks), (Some(2), 1));
        assert_eq!(
            s[1].top,
            vec![(Cell::Text("x".into()), 2), (Cell::Text("y".into()), 1)]
        );
        assert_eq!(s[1].distinct, Some(2));
    }
}
