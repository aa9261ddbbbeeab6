//! A dataset's Parquet copy, written from its SQLite table: integers and booleans as 64-bit
//! integers (SQLite's 1 and 0), reals as doubles, dates as dates, datetimes and text as text,
//! so every answer is the one SQLite gives. A stored value that does not fit its column's
//! type (a table changed behind Quire's back) stops the copy: the dataset stays on SQLite.

use crate::data::import::ColType;
use crate::model::dataset::DatasetInfo;
use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use rusqlite::types::ValueRef;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

/// Rows per batch written (and per row group: 4 of these).
const BATCH: usize = 65_536;

/// A fingerprint of `info`'s import (when, how many rows, from what, which columns of which
/// types): a copy is read only when it has the fingerprint of the dataset as it is now.
pub fn version(info: &DatasetInfo) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&info.imported_at, info.row_count, &info.source_hash).hash(&mut h);
    for c in &info.columns {
        (&c.name, &c.kind).hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// The Arrow type a column of `kind` is kept as.
fn arrow_type(kind: ColType) -> DataType {
    match kind {
        ColType::Integer | ColType::Boolean => DataType::Int64,
        ColType::Real => DataType::Float64,
        ColType::Date => DataType::Date32,
        ColType::Datetime | ColType::Text => DataType::Utf8,
    }
}

/// One column's values as they are read.
enum Builder {
    Int(Int64Builder),
    Real(Float64Builder),
    Date(Date32Builder),
    Text(StringBuilder),
}

impl Builder {
    fn new(kind: ColType) -> Builder {
        match arrow_type(kind) {
            DataType::Int64 => Builder::Int(Int64Builder::with_capacity(BATCH)),
            DataType::Float64 => Builder::Real(Float64Builder::with_capacity(BATCH)),
            DataType::Date32 => Builder::Date(Date32Builder::with_capacity(BATCH)),
            _ => Builder::Text(StringBuilder::with_capacity(BATCH, BATCH * 8)),
        }
    }

    /// Adds `v`; false when it does not fit.
    fn push(&mut self, v: ValueRef<'_>) -> bool {
        match (self, v) {
            (Builder::Int(b), ValueRef::Null) => b.append_null(),
            (Builder::Real(b), ValueRef::Null) => b.append_null(),
            (Builder::Date(b), ValueRef::Null) => b.append_null(),
            (Builder::Text(b), ValueRef::Null) => b.append_null(),
            (Builder::Int(b), ValueRef::Integer(i)) => b.append_value(i),
            (Builder::Real(b), ValueRef::Real(f)) => b.append_value(f),
            (Builder::Date(b), ValueRef::Text(t)) => match day_number(t) {
                Some(d) => b.append_value(d),
                None => return false,
            },
            (Builder::Text(b), ValueRef::Text(t)) => match std::str::from_utf8(t) {
                Ok(s) => b.append_value(s),
                Err(_) => return false,
            },
            _ => return false,
        }
        true
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Real(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
        }
    }
}

/// Days since 1970-01-01 of a stored `YYYY-MM-DD` (exactly that form, as imports store dates).
fn day_number(t: &[u8]) -> Option<i32> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *t else {
        return None;
    };
    let num = |ds: &[u8]| {
        ds.iter().try_fold(0u32, |n, c| match c {
            b'0'..=b'9' => Some(n * 10 + u32::from(c - b'0')),
            _ => None,
        })
    };
    let d = NaiveDate::from_ymd_opt(
        i32::try_from(num(&[y0, y1, y2, y3])?).ok()?,
        num(&[m0, m1])?,
        num(&[d0, d1])?,
    )?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((d - epoch).num_days()).ok()
}

/// Writes `info`'s table, read from `conn`, to `path` (through a temporary file renamed at
/// the end, so a copy is whole or absent).
pub fn write(conn: &rusqlite::Connection, info: &DatasetInfo, path: &Path) -> Result<(), String> {
    let kinds: Vec<ColType> = info
        .columns
        .iter()
        .map(|c| ColType::parse(&c.kind).unwrap_or(ColType::Text))
        .collect();
    let schema: SchemaRef = Arc::new(Schema::new(
        info.columns
            .iter()
            .zip(&kinds)
            .map(|(c, k)| Field::new(&c.name, arrow_type(*k), true))
            .collect::<Vec<_>>(),
    ));
    let tmp = path.with_extension("tmp");
    let result = write_to(conn, info, &kinds, schema, &tmp);
    match result.and_then(|()| std::fs::rename(&tmp, path).map_err(|e| e.to_string())) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(format!(
                "the columnar copy of `{}` was not written: {e}",
                info.name
            ))
        }
    }
}

fn write_to(
    conn: &rusqlite::Connection,
    info: &DatasetInfo,
    kinds: &[ColType],
    schema: SchemaRef,
    tmp: &Path,
) -> Result<(), String> {
    // The data is the user's: for Quire's account only, as `datasets.db`.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(tmp).map_err(|e| e.to_string())?;
    // LZ4: a 5M-row copy a third larger than with zstd, quicker to decompress (DataFusion via
    // pyarrow on it: region 67 → 29 ms; through Quire's preview the gain is within the noise of
    // the rest of a request, tests/bench/RESULTS.md) and quicker to write.
    let props = WriterProperties::builder()
        .set_compression(Compression::LZ4_RAW)
        .set_max_row_group_row_count(Some(BATCH * 4))
        .build();
    let writer =
        ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| e.to_string())?;
    let columns: Vec<String> = info
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name.replace('"', "\"\"")))
        .collect();
    let sql = format!(
        "SELECT {} FROM \"{}\"",
        columns.join(", "),
        info.name.replace('"', "\"\"")
    );
    // Rows are read here and encoded on a second thread, a batch apart: reading SQLite and
    // compressing columns take about as long each, so the copy takes about the longer of the two.
    let (send, batches) = std::sync::mpsc::sync_channel::<RecordBatch>(1);
    std::thread::scope(|scope| {
        let encoder = scope.spawn(move || encode(writer, batches));
        let read = read_batches(conn, info, kinds, &schema, &sql, send);
        let written = encoder
            .join()
            .unwrap_or_else(|_| Err("the copy's encoder stopped".to_string()));
        // An encoder that failed drops its receiver, which ends the reading with a vaguer
        // error: its own says why.
        written.and(read)
    })
}

/// Reads `sql` from `conn` as record batches of `BATCH` rows, each sent to `send`.
fn read_batches(
    conn: &rusqlite::Connection,
    info: &DatasetInfo,
    kinds: &[ColType],
    schema: &SchemaRef,
    sql: &str,
    send: std::sync::mpsc::SyncSender<RecordBatch>,
) -> Result<(), String> {
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut builders: Vec<Builder> = kinds.iter().map(|k| Builder::new(*k)).collect();
    let mut pending = 0;
    let flush = |builders: &mut [Builder]| {
        let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
        send.send(batch)
            .map_err(|_| "the copy's encoder stopped".to_string())
    };
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        for (i, b) in builders.iter_mut().enumerate() {
            let v = row.get_ref(i).map_err(|e| e.to_string())?;
            if !b.push(v) {
                return Err(format!(
                    "a value of column `{}` is not a {} as its type says",
                    info.columns[i].name, info.columns[i].kind
                ));
            }
        }
        pending += 1;
        if pending == BATCH {
            flush(&mut builders)?;
            pending = 0;
        }
    }
    if pending > 0 {
        flush(&mut builders)?;
    }
    Ok(())
}

/// Writes every batch received to `writer`, then the file's footer, and syncs it. Stops at
/// the first error (the sender's next send then fails). When the reading fails, `write`
/// removes the file.
fn encode(
    mut writer: ArrowWriter<std::fs::File>,
    batches: std::sync::mpsc::Receiver<RecordBatch>,
) -> Result<(), String> {
    for batch in batches {
        writer.write(&batch).map_err(|e| e.to_string())?;
    }
    let file = writer.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::day_number;

    #[test]
    fn day_numbers_of_stored_dates_only() {
        assert_eq!(day_number(b"1970-01-01"), Some(0));
        assert_eq!(day_number(b"2024-02-29"), Some(19_782));
        assert_eq!(day_number(b"1969-12-31"), Some(-1));
        for bad in [
            &b"2023-02-29"[..],
            b"2024-13-01",
            b"2024-2-01",
            b"2024-02-1 ",
            b"+024-01-01",
            b"2024/01/01",
            b"2024-01-01T00",
            b"",
        ] {
            assert_eq!(day_number(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}
