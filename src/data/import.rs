//! Importing a CSV file into the dataset store: types inferred from the whole file, rows
//! streamed in prepared-statement batches, the new table swapped in atomically.

use crate::store::dataset::{ColumnInfo, DatasetInfo};
use chrono::NaiveDate;
use rusqlite::{params_from_iter, Connection};
use sha2::{Digest, Sha256};
use std::io::Read;

/// A dataset name: a lowercase SQL identifier that is safe to use as a table name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetName(String);

impl DatasetName {
    /// Checks `s` is 1–63 of `[a-z0-9_]`, starting with a letter, not reserved.
    pub fn parse(s: &str) -> Result<DatasetName, ImportError> {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !s.starts_with("sqlite_");
        if ok {
            Ok(DatasetName(s.to_string()))
        } else {
            Err(ImportError::BadName(s.to_string()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an import failed. The previous data of the dataset is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("dataset name `{0}` is invalid: use lowercase letters, digits and _, starting with a letter")]
    BadName(String),
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: line {line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("storing the dataset failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The SQL type of a column, inferred from every value in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    /// No value seen yet.
    Unknown,
    Integer,
    Real,
    Date,
    Text,
}

impl ColType {
    fn name(self) -> &'static str {
        match self {
            ColType::Unknown | ColType::Text => "text",
            ColType::Integer => "integer",
            ColType::Real => "real",
            ColType::Date => "date",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            ColType::Integer => "INTEGER",
            ColType::Real => "REAL",
            ColType::Unknown | ColType::Date | ColType::Text => "TEXT",
        }
    }

    /// The narrowest type that holds both.
    fn widen(self, value: &str) -> ColType {
        let v = value.trim();
        if v.is_empty() {
            return self;
        }
        let fits = |t: ColType| match t {
            ColType::Integer => v.parse::<i64>().is_ok(),
            ColType::Real => v.parse::<f64>().map(|f| f.is_finite()).unwrap_or(false),
            ColType::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
            ColType::Text | ColType::Unknown => true,
        };
        let order: &[ColType] = match self {
            ColType::Unknown => &[
                ColType::Integer,
                ColType::Real,
                ColType::Date,
                ColType::Text,
            ],
            ColType::Integer => &[ColType::Integer, ColType::Real, ColType::Text],
            ColType::Real => &[ColType::Real, ColType::Text],
            ColType::Date => &[ColType::Date, ColType::Text],
            ColType::Text => &[ColType::Text],
        };
        order
            .iter()
            .copied()
            .find(|t| fits(*t))
            .unwrap_or(ColType::Text)
    }
}

const BATCH: usize = 5_000;

/// Imports CSV read from `open()` (called twice: once to infer types, once to load) as dataset
/// `name`, replacing its rows in one transaction.
pub fn import_csv<R: Read>(
    conn: &mut Connection,
    name: &DatasetName,
    file: &str,
    open: impl Fn() -> std::io::Result<R>,
) -> Result<DatasetInfo, ImportError> {
    let io = |source| ImportError::Io {
        file: file.to_string(),
        source,
    };
    let csv_err = |e: csv::Error| ImportError::Csv {
        file: file.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or(0),
        message: e.to_string(),
    };

    // Pass 1: header and types, hashing the bytes on the way.
    let mut hasher = Sha256::new();
    let mut reader = csv::ReaderBuilder::new().from_reader(HashingReader {
        inner: open().map_err(io)?,
        hasher: &mut hasher,
    });
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(str::to_string)
        .collect();
    if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
        return Err(ImportError::Empty {
            file: file.to_string(),
        });
    }
    let mut types = vec![ColType::Unknown; headers.len()];
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_err)? {
        for (i, v) in record.iter().enumerate() {
            if let Some(t) = types.get_mut(i) {
                *t = t.widen(v);
            }
        }
    }
    drop(reader);
    let hash = hex::encode(hasher.finalize());
    for t in types.iter_mut().filter(|t| **t == ColType::Unknown) {
        *t = ColType::Text; // A column with no values at all.
    }
    let columns = identifiers(&headers);

    // Pass 2: load into a fresh table and swap it in, all in one transaction.
    let tx = conn.transaction()?;
    let staging = format!("quire_import_{}", name.as_str());
    tx.execute_batch(&format!("DROP TABLE IF EXISTS \"{staging}\""))?;
    let defs: Vec<String> = columns
        .iter()
        .zip(&types)
        .map(|(c, t)| format!("\"{c}\" {}", t.sql()))
        .collect();
    tx.execute_batch(&format!("CREATE TABLE \"{staging}\" ({})", defs.join(", ")))?;
    let mut rows: u64 = 0;
    {
        let one = format!("({})", vec!["?"; columns.len()].join(","));
        let per_batch = (BATCH).min(30_000 / columns.len().max(1)).max(1);
        let insert_sql = |n: usize| {
            format!(
                "INSERT INTO \"{staging}\" VALUES {}",
                vec![one.as_str(); n].join(",")
            )
        };
        let mut full = tx.prepare(&insert_sql(per_batch))?;
        let mut reader = csv::ReaderBuilder::new().from_reader(open().map_err(io)?);
        let mut pending: Vec<rusqlite::types::Value> =
            Vec::with_capacity(per_batch * columns.len());
        let mut in_batch = 0;
        while reader.read_record(&mut record).map_err(csv_err)? {
            for (i, t) in types.iter().enumerate() {
                pending.push(typed(record.get(i).unwrap_or(""), *t));
            }
            in_batch += 1;
            rows += 1;
            if in_batch == per_batch {
                full.execute(params_from_iter(pending.drain(..)))?;
                in_batch = 0;
            }
        }
        if in_batch > 0 {
            tx.prepare(&insert_sql(in_batch))?
                .execute(params_from_iter(pending.drain(..)))?;
        }
    }
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS \"{0}\"; ALTER TABLE \"{staging}\" RENAME TO \"{0}\";",
        name.as_str()
    ))?;
    tx.commit()?;

    Ok(DatasetInfo {
        name: name.as_str().to_string(),
        source: file.to_string(),
        source_hash: hash,
        row_count: rows,
        columns: columns
            .into_iter()
            .zip(headers)
            .zip(&types)
            .map(|((name, original), t)| ColumnInfo {
                name,
                original,
                kind: t.name().to_string(),
            })
            .collect(),
        imported_at: crate::store::now_text(),
    })
}

fn typed(v: &str, t: ColType) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    let v = v.trim();
    if v.is_empty() {
        return Value::Null;
    }
    match t {
        ColType::Integer => v.parse().map(Value::Integer).unwrap_or(Value::Null),
        ColType::Real => v.parse().map(Value::Real).unwrap_or(Value::Null),
        ColType::Unknown | ColType::Date | ColType::Text => Value::Text(v.to_string()),
    }
}

/// Header cells turned into distinct lowercase identifiers.
fn identifiers(headers: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let mut id = String::new();
        for c in h.trim().chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c.to_ascii_lowercase());
            } else if !id.ends_with('_') {
                id.push('_');
            }
        }
        let mut id = id.trim_matches('_').to_string();
        if id.is_empty() {
            id = format!("column_{}", i + 1);
        } else if id.starts_with(|c: char| c.is_ascii_digit()) {
            id = format!("c_{id}");
        }
        let base = id.clone();
        let mut n = 2;
        while out.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        out.push(id);
    }
    out
}

struct HashingReader<'a, R> {
    inner: R,
    hasher: &'a mut Sha256,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(text: &'static str) -> Result<(Connection, DatasetInfo), ImportError> {
        let mut c = Connection::open_in_memory().unwrap();
        let info = import_csv(&mut c, &DatasetName::parse("t").unwrap(), "t.csv", || {
            Ok(text.as_bytes())
        })?;
        Ok((c, info))
    }

    #[test]
    fn types_are_inferred_from_every_row() {
        let (c, info) =
            import("Id,Day,Amount ($),Note\n1,2025-01-02,3,a\n2,2025-01-03,4.5,\n").unwrap();
        let kinds: Vec<_> = info
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("id", "integer"),
                ("day", "date"),
                ("amount", "real"),
                ("note", "text")
            ]
        );
        let sum: f64 = c
            .query_row("SELECT sum(amount) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sum, 7.5);
        assert_eq!(info.row_count, 2);
    }

    #[test]
    fn a_failed_import_leaves_the_previous_rows() {
        let mut c = Connection::open_in_memory().unwrap();
        let name = DatasetName::parse("t").unwrap();
        import_csv(&mut c, &name, "a.csv", || Ok("a\n1\n2\n".as_bytes())).unwrap();
        let err =
            import_csv(&mut c, &name, "b.csv", || Ok("a,b\n1,2\n3\n".as_bytes())).unwrap_err();
        assert!(err.to_string().contains("b.csv: line 3"), "{err}");
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn bad_names_and_empty_files_are_refused() {
        for bad in ["", "Sales", "1x", "a-b", "sqlite_master", &"x".repeat(64)] {
            assert!(DatasetName::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(import(""), Err(ImportError::Empty { .. })));
    }

    #[test]
    fn odd_headers_become_distinct_identifiers() {
        let h = ["Order ID", "order_id", "", "2024", "  "].map(String::from);
        assert_eq!(
            identifiers(&h),
            ["order_id", "order_id_2", "column_3", "c_2024", "column_5"]
        );
    }
}
