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
    /// Distinct values that are not blank.
    pub distinct: u64,
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

/// Rows the distinct counts read: every row, or the first `EXACT_ROWS`.
fn sample(t: &Table) -> String {
    if t.rows > EXACT_ROWS {
        format!("(SELECT * FROM {} LIMIT {EXACT_ROWS})", ident(t.name))
    } else {
        ident(t.name)
    }
}

/// The first cell of `row` at `i` as a count.
fn count(c: Option<&Cell>) -> u64 {
    match c {
        Some(Cell::Int(n)) => (*n).max(0) as u64,
        Some(Cell::Real(f)) => f.max(0.0) as u64,
        _ => 0,
    }
}

/// Every column's figures: one scan for blanks, min and max (and distinct counts when the table
/// is small enough to count exactly in the same scan), then one grouped query per text or
/// boolean column for its most frequent values.
pub fn columns(
    conn: &Connection,
    scope: Option<Scope<'_>>,
    t: &Table,
    bounds: Bounds,
) -> Result<Vec<ColumnStats>, QueryError> {
    let exact = t.rows <= EXACT_ROWS;
    let tag = format!("/* quire stats {} */", t.source_hash.replace("*/", ""));
    let mut parts = Vec::new();
    for (name, _) in t.columns {
        let c = ident(name);
        parts.push(format!(
            "sum(CASE WHEN {c} IS NULL OR {c} = '' THEN 1 ELSE 0 END), min(NULLIF({c}, '')), max(NULLIF({c}, ''))"
        ));
        if exact {
            parts.push(format!("count(DISTINCT NULLIF({c}, ''))"));
        }
    }
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let one = Params::new();
    let sql = format!("{tag} SELECT {} FROM {}", parts.join(", "), ident(t.name));
    let scan = cache::fetch(conn, scope, &sql, &one, None, bounds)?;
    let row = scan.rows.first().cloned().unwrap_or_default();
    let per = if exact { 4 } else { 3 };
    let distinct_sampled = if exact {
        None
    } else {
        let parts: Vec<String> = t
            .columns
            .iter()
            .map(|(n, _)| format!("count(DISTINCT NULLIF({}, ''))", ident(n)))
            .collect();
        let sql = format!("{tag} SELECT {} FROM {}", parts.join(", "), sample(t));
        Some(cache::fetch(conn, scope, &sql, &one, None, bounds)?)
    };
    let mut out = Vec::with_capacity(t.columns.len());
    for (i, (name, kind)) in t.columns.iter().enumerate() {
        let at = |k: usize| row.get(i * per + k);
        let some = |c: Option<&Cell>| c.filter(|c| **c != Cell::Null).cloned();
        let distinct = match &distinct_sampled {
            None => count(at(3)),
            Some(s) => count(s.rows.first().and_then(|r| r.get(i))),
        };
        let top = if matches!(kind, ColType::Text | ColType::Boolean) && distinct > 0 {
            let c = ident(name);
            let sql = format!(
                "{tag} SELECT {c} AS value, count(*) AS n FROM {} WHERE {c} IS NOT NULL AND {c} <> '' \
                 GROUP BY {c} ORDER BY n DESC, value LIMIT {TOP}",
                sample(t)
            );
            cache::fetch(conn, scope, &sql, &one, None, bounds)?
                .rows
                .iter()
                .map(|r| (r[0].clone(), count(r.get(1))))
                .collect()
        } else {
            Vec::new()
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
        let s = columns(&conn, None, &t, bounds()).unwrap();
        assert_eq!(s[0].blanks, 1);
        assert_eq!(s[0].min, Some(Cell::Int(1)));
        assert_eq!(s[0].max, Some(Cell::Int(7)));
        assert_eq!(s[0].distinct, 3);
        assert!(s[0].top.is_empty());
        assert_eq!(s[1].blanks, 2);
        assert_eq!(s[1].min, Some(Cell::Text("a".into())));
        assert_eq!(s[1].distinct, 2);
        assert_eq!(
            s[1].top,
            vec![(Cell::Text("b".into()), 2), (Cell::Text("a".into()), 1)]
        );
        assert!(s[1].exact);
    }
}
