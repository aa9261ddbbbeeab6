//! A dataset column given another type: how many of its values would not convert (with a few
//! of them), and the table rewritten with the column converted, in one transaction.

use super::import::ColType;
use super::query::{self, Bounds, Params, QueryError};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params_from_iter, Connection, TransactionBehavior};

/// Values shown as examples of those that do not convert.
const EXAMPLES: usize = 3;

/// What converting a column would do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Check {
    /// Values that are not blank.
    pub values: u64,
    /// Of those, the ones that do not fit the new type.
    pub bad: u64,
    /// A few different ones of them, as stored.
    pub examples: Vec<String>,
}

/// `v` (a value of a `from` column) as a value of type `to`; None if it does not fit. A blank
/// stays blank (NULL).
pub fn convert(v: ValueRef<'_>, from: ColType, to: ColType) -> Option<Value> {
    let text = match v {
        ValueRef::Null => return Some(Value::Null),
        // A boolean is stored as 1 or 0: as a number it stays one, as text it is a word.
        ValueRef::Integer(i) if from == ColType::Boolean => match to {
            ColType::Integer | ColType::Boolean => return Some(Value::Integer(i)),
            ColType::Real => return Some(Value::Real(i as f64)),
            _ => (if i != 0 { "true" } else { "false" }).to_string(),
        },
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(_) => return None,
    };
    let t = text.trim();
    match to {
        ColType::Boolean => match t.to_ascii_lowercase().as_str() {
            "" => Some(Value::Null),
            "1" | "true" | "yes" => Some(Value::Integer(1)),
            "0" | "false" | "no" => Some(Value::Integer(0)),
            _ => None,
        },
        // A date is a datetime at midnight.
        ColType::Datetime if from == ColType::Date => to
            .convert(&format!("{t} 00:00:00"))
            .or_else(|| to.convert(t)),
        _ => to.convert(t),
    }
}

/// Whether `v` is blank (NULL or empty text).
fn blank(v: ValueRef<'_>) -> bool {
    match v {
        ValueRef::Null => true,
        ValueRef::Text(t) => t.iter().all(u8::is_ascii_whitespace),
        _ => false,
    }
}

/// `v` as it is shown in an example.
fn shown(v: ValueRef<'_>) -> String {
    let s = match v {
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Null | ValueRef::Blob(_) => String::new(),
    };
    crate::model::text::truncate(&s, 40)
}

/// `v` as a value of its own.
fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// `name` as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads every value of `column` (bounded like any query) and counts those that would not
/// convert from `from` to `to`.
pub fn check(
    conn: &Connection,
    table: &str,
    column: &str,
    from: ColType,
    to: ColType,
    bounds: Bounds,
) -> Result<Check, QueryError> {
    let mut out = Check::default();
    let sql = format!("SELECT {} FROM {}", ident(column), ident(table));
    query::for_each_row(
        conn,
        &sql,
        &Params::new(),
        u64::MAX >> 1,
        bounds,
        |_| {},
        |row| {
            let Ok(v) = row.get_ref(0) else { return true };
            if blank(v) {
                return true;
            }
            out.values += 1;
            if convert(v, from, to).is_none() {
                out.bad += 1;
                let s = shown(v);
                if out.examples.len() < EXAMPLES && !out.examples.contains(&s) {
                    out.examples.push(s);
                }
            }
            true
        },
    )?;
    Ok(out)
}

/// What a rewrite did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rewritten {
    /// Values converted (not blank before nor after).
    pub converted: u64,
    /// Values that did not convert and were made blank.
    pub blanked: u64,
}

/// Why a rewrite did not happen (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error("{bad} values do not convert")]
    Unconvertible { bad: u64 },
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// Rewrites `table` (whose columns are `columns`, in order) with column `at` converted to
/// `to`: a new table filled in one transaction and swapped in, so an error leaves the data as
/// it was. A value that does not convert refuses it, or is made blank with `blank_bad`. Date
/// columns get their index again, as an import makes them.
pub fn rewrite(
    conn: &mut Connection,
    table: &str,
    columns: &[(String, ColType)],
    at: usize,
    to: ColType,
    blank_bad: bool,
) -> Result<Rewritten, RewriteError> {
    let from = columns[at].1;
    conn.busy_timeout(std::time::Duration::from_secs(60))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let staging = format!("quire_retype_{table}");
    let types: Vec<ColType> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, t))| if i == at { to } else { *t })
        .collect();
    let defs: Vec<String> = columns
        .iter()
        .zip(&types)
        .map(|((n, _), t)| format!("{} {}", ident(n), t.sql()))
        .collect();
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS {0}; CREATE TABLE {0} ({1})",
        ident(&staging),
        defs.join(", ")
    ))?;
    let mut done = Rewritten::default();
    {
        let names: Vec<String> = columns.iter().map(|(n, _)| ident(n)).collect();
        let mut read = tx.prepare(&format!(
            "SELECT {} FROM {} ORDER BY rowid",
            names.join(", "),
            ident(table)
        ))?;
        let mut write = tx.prepare(&format!(
            "INSERT INTO {} VALUES ({})",
            ident(&staging),
            vec!["?"; columns.len()].join(", ")
        ))?;
        let mut rows = read.query([])?;
        let mut values: Vec<Value> = Vec::with_capacity(columns.len());
        while let Some(row) = rows.next()? {
            values.clear();
            for i in 0..columns.len() {
                let v = row.get_ref(i)?;
                if i != at {
                    values.push(owned(v));
                    continue;
                }
                match convert(v, from, to) {
                    Some(c) => {
                        if c != Value::Null {
                            done.converted += 1;
                        }
                        values.push(c);
                    }
                    None if blank_bad => {
                        done.blanked += 1;
                        values.push(Value::Null);
                    }
                    None => done.blanked += 1,
                }
            }
            if values.len() == columns.len() {
                write.execute(params_from_iter(values.iter()))?;
            }
        }
    }
    if done.blanked > 0 && !blank_bad {
        // Dropped with the transaction: the table is as it was.
        return Err(RewriteError::Unconvertible { bad: done.blanked });
    }
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for ((n, _), t) in columns.iter().zip(&types) {
        if matches!(t, ColType::Date | ColType::Datetime) {
            tx.execute_batch(&format!(
                "CREATE INDEX {} ON {} ({})",
                ident(&format!("quire_ix_{nonce}_{n}")),
                ident(&staging),
                ident(n)
            ))?;
        }
    }
    tx.execute_batch(&format!(
        "DROP TABLE {0}; ALTER TABLE {1} RENAME TO {0};",
        ident(table),
        ident(&staging)
    ))?;
    tx.commit()?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(v: Value, from: ColType, to: ColType) -> Option<Value> {
        convert(ValueRef::from(&v), from, to)
    }

    #[test]
    fn values_convert_between_types_or_say_they_do_not() {
        use ColType::*;
        assert_eq!(
            conv(Value::Text(" 12 ".into()), Text, Integer),
            Some(Value::Integer(12))
        );
        assert_eq!(conv(Value::Text("n/a".into()), Text, Integer), None);
        assert_eq!(
            conv(Value::Real(2.0), Real, Integer),
            Some(Value::Integer(2))
        );
        assert_eq!(conv(Value::Real(2.5), Real, Integer), None);
        assert_eq!(
            conv(Value::Integer(1), Boolean, Text),
            Some(Value::Text("true".into()))
        );
        assert_eq!(
            conv(Value::Integer(0), Integer, Boolean),
            Some(Value::Integer(0))
        );
        assert_eq!(conv(Value::Integer(2), Integer, Boolean), None);
        assert_eq!(conv(Value::Text("31/02/2025".into()), Text, Date), None);
        assert_eq!(
            conv(Value::Text("2025-01-02".into()), Date, Datetime),
            Some(Value::Text("2025-01-02 00:00:00".into()))
        );
        assert_eq!(conv(Value::Text("".into()), Text, Real), Some(Value::Null));
        assert_eq!(conv(Value::Null, Text, Date), Some(Value::Null));
    }

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER, v TEXT);
             INSERT INTO t VALUES (1, '10'), (2, 'n/a'), (3, ''), (4, '7');",
        )
        .unwrap();
        conn
    }

    fn cols() -> Vec<(String, ColType)> {
        vec![
            ("id".to_string(), ColType::Integer),
            ("v".to_string(), ColType::Text),
        ]
    }

    #[test]
    fn a_column_with_values_that_do_not_convert_is_refused_and_left_as_it_was() {
        let mut conn = table();
        let b = Bounds {
            timeout: std::time::Duration::from_secs(5),
            max_rows: 100,
            memory_mb: 64,
            result_mb: 64,
        };
        let c = check(&conn, "t", "v", ColType::Text, ColType::Integer, b).unwrap();
        assert_eq!(
            (c.values, c.bad, c.examples),
            (3, 1, vec!["n/a".to_string()])
        );
        let e = rewrite(&mut conn, "t", &cols(), 1, ColType::Integer, false).unwrap_err();
        assert!(matches!(e, RewriteError::Unconvertible { bad: 1 }), "{e}");
        let v: String = conn
            .query_row("SELECT v FROM t WHERE id = 2", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, "n/a");
        let staging: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'quire_retype%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(staging, 0);
    }

    #[test]
    fn with_blanks_allowed_the_column_is_rewritten_with_its_new_type() {
        let mut conn = table();
        let done = rewrite(&mut conn, "t", &cols(), 1, ColType::Integer, true).unwrap();
        assert_eq!(
            done,
            Rewritten {
                converted: 2,
                blanked: 1
            }
        );
        let typed: Vec<(Option<i64>, String)> = conn
            .prepare("SELECT v, typeof(v) FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            typed,
            vec![
                (Some(10), "integer".into()),
                (None, "null".into()),
                (None, "null".into()),
                (Some(7), "integer".into())
            ]
        );
    }
}
