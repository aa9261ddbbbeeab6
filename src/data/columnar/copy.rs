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
use datafusion::parquet::basic::{Compression, ZstdLevel};
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
    let s = std::str::from_utf8(t).ok()?;
    if s.len() != 10 {
        return None;
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
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
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).map_err(|e| e.to_string())?,
        ))
        .set_max_row_group_row_count(Some(BATCH * 4))
        .build();
    let mut writer =
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
    let mut stmt = conn.prepare(&sql).map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut builders: Vec<Builder> = kinds.iter().map(|k| Builder::new(*k)).collect();
    let mut pending = 0;
    let flush = |builders: &mut [Builder], writer: &mut ArrowWriter<std::fs::File>| {
        let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())
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
            flush(&mut builders, &mut writer)?;
            pending = 0;
        }
    }
    if pending > 0 {
        flush(&mut builders, &mut writer)?;
    }
    let file = writer.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())
}
