//! Pass 2 of an import: the rows converted to their columns' types and written in one
//! transaction, into a new table swapped in at the end (replace) or into the dataset's own
//! (append).

use super::{ColType, DatasetName, ImportError, RowSource};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, TransactionBehavior};
use std::sync::mpsc::SyncSender;

/// Cells per INSERT statement.
const BATCH_CELLS: usize = 30_000;
/// Bytes of text per batch at most: a batch of 30,000 cells of 1 MB each would be 30 GB.
const BATCH_BYTES: usize = 8 << 20;
/// How long the write waits for another process writing the dataset store (`quire import`
/// while serving) before it gives up with SQLITE_BUSY.
const BUSY_TIMEOUT_MS: u32 = 60_000;

/// The file's columns: identifiers, types and the header cells they were made from.
pub(super) type Columns<'a> = (&'a [String], &'a [ColType], &'a [String]);

/// Writes the data rows of `src` (its header first) as dataset `name`, appending when
/// `append`; returns the dataset's row count after the commit.
pub(super) fn write(
    conn: &mut Connection,
    name: &DatasetName,
    file: &str,
    (columns, types, headers): Columns<'_>,
    append: bool,
    src: Box<dyn RowSource>,
    progress: &dyn Fn(u64),
) -> Result<u64, ImportError> {
    // A larger page cache keeps the new table's pages in memory until the commit instead of
    // spilling them midway.
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS.into()))?;
    // IMMEDIATE: the write lock is taken (or waited for) at the start. A deferred transaction
    // that first reads may be refused at its first write without waiting ("database is
    // locked") when another writer committed in between.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let target = if append {
        name.as_str().to_string()
    } else {
        let staging = format!("quire_import_{}", name.as_str());
        tx.execute_batch(&format!("DROP TABLE IF EXISTS \"{staging}\""))?;
        let defs: Vec<String> = columns
            .iter()
            .zip(types)
            .map(|(c, t)| format!("\"{c}\" {}", t.sql()))
            .collect();
        tx.execute_batch(&format!("CREATE TABLE \"{staging}\" ({})", defs.join(", ")))?;
        staging
    };
    let width = columns.len().max(1);
    let per_batch = (BATCH_CELLS / width).max(1);
    let one = format!("({})", vec!["?"; columns.len()].join(","));
    let insert = |n: usize| {
        format!(
            "INSERT INTO \"{target}\" VALUES {}",
            vec![one.as_str(); n].join(",")
        )
    };
    // Two threads: this one inserts batches while the other reads and converts the next ones.
    let mut rows_loaded: u64 = 0;
    let mut next_progress = per_batch as u64 * 20;
    std::thread::scope(|scope| -> Result<(), ImportError> {
        let (send, batches) = std::sync::mpsc::sync_channel(4);
        scope.spawn(move || {
            let result = convert_rows(src, types, headers, file, per_batch, &send);
            if let Err(e) = result {
                let _ = send.send(Err(e));
            }
        });
        let mut full = tx.prepare(&insert(per_batch))?;
        for batch in batches {
            let batch: Vec<Value> = batch?;
            let n = batch.len() / width;
            if n == per_batch {
                full.execute(params_from_iter(batch))?;
            } else {
                tx.prepare_cached(&insert(n))?
                    .execute(params_from_iter(batch))?;
            }
            rows_loaded += n as u64;
            if rows_loaded >= next_progress {
                progress(rows_loaded);
                next_progress += per_batch as u64 * 20;
            }
        }
        Ok(())
    })?;
    if rows_loaded == 0 {
        // Replacing a dataset with nothing is more likely a broken export than intent.
        return Err(ImportError::Format {
            file: file.into(),
            message: "the file has a header but no data rows; nothing was imported".into(),
        });
    }
    if target != name.as_str() {
        // Reports filter and group by dates: each date column gets an index, built once here
        // rather than scanned on every query. Names carry a nonce: the old table's indexes
        // still exist until the swap below.
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        for (c, t) in columns.iter().zip(types) {
            if matches!(t, ColType::Date | ColType::Datetime) {
                tx.execute_batch(&format!(
                    "CREATE INDEX \"quire_ix_{nonce}_{c}\" ON \"{target}\" (\"{c}\")"
                ))?;
            }
        }
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS \"{0}\"; ALTER TABLE \"{target}\" RENAME TO \"{0}\";",
            name.as_str()
        ))?;
    }
    let total: i64 = tx.query_row(
        &format!("SELECT count(*) FROM \"{}\"", name.as_str()),
        [],
        |r| r.get(0),
    )?;
    tx.commit()?;
    progress(rows_loaded);
    Ok(total as u64)
}

/// Reads the data rows of `src` (after its header), converts each cell to its column's type and
/// sends them in batches of `per_batch` rows or `BATCH_BYTES` of text, whichever comes first;
/// the first bad row or cell ends it with the error.
fn convert_rows(
    mut src: Box<dyn RowSource>,
    types: &[ColType],
    headers: &[String],
    file: &str,
    per_batch: usize,
    send: &SyncSender<Result<Vec<Value>, ImportError>>,
) -> Result<(), ImportError> {
    let mut row = Vec::new();
    src.next_row(&mut row)?; // the header
    let width = types.len();
    let mut batch = Vec::with_capacity(per_batch * width);
    let mut bytes = 0;
    while src.next_row(&mut row)? {
        if row.len() > width {
            return Err(ImportError::Row {
                file: file.into(),
                row: src.row_number(),
                message: format!("has {} fields where the header has {width}", row.len()),
            });
        }
        for (i, t) in types.iter().enumerate() {
            let text = row.get(i).map(String::as_str).unwrap_or("");
            let value = t.convert(text).ok_or_else(|| ImportError::Cell {
                file: file.into(),
                row: src.row_number(),
                column: headers[i].clone(),
                message: format!(
                    "`{}` is not {}",
                    crate::model::text::truncate(text, 60),
                    t.name()
                ),
            })?;
            bytes += text.len();
            batch.push(value);
        }
        if batch.len() == per_batch * width || bytes >= BATCH_BYTES {
            let next = Vec::with_capacity(per_batch * width);
            bytes = 0;
            if send.send(Ok(std::mem::replace(&mut batch, next))).is_err() {
                return Ok(()); // The inserting side stopped on an error of its own.
            }
        }
    }
    if !batch.is_empty() {
        let _ = send.send(Ok(batch));
    }
    Ok(())
}
