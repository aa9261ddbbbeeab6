//! Reports streamed as CSV: rows go from the source to the receiver in chunks as they are read.

use super::{Ctx, PipelineError};
use crate::data::source::RowRef;
use crate::render::RenderError;
use crate::report::run::RunError;
use std::collections::BTreeMap;
use std::time::Duration;

/// Bytes of a streamed download, sent as they are made.
pub type Chunks = tokio::sync::mpsc::Sender<Vec<u8>>;

/// A CSV sent whole: what the export of it records.
pub struct Streamed {
    pub report_id: String,
    pub name: String,
    /// The parameters as shown (label, value).
    pub parameters: Vec<(String, String)>,
    pub rows: u64,
    pub bytes: u64,
    /// Every byte was also written to the copy (false: there was none, or it failed).
    pub copied: bool,
}

/// Collects written bytes and sends them on in chunks, a copy of each written to `copy` first
/// when there is one; a gone receiver is a broken pipe.
struct ChunkSink {
    buf: Vec<u8>,
    out: Chunks,
    copy: Option<std::fs::File>,
    copy_lost: bool,
    sent: u64,
}

impl ChunkSink {
    const CHUNK: usize = 64 << 10;

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(Self::CHUNK));
        // A copy that cannot be written (a full disk) is dropped; the download goes on.
        if let Some(Err(e)) = self
            .copy
            .as_mut()
            .map(|f| std::io::Write::write_all(f, &chunk))
        {
            tracing::warn!(error = %e, "the copy of a CSV download stopped");
            self.copy = None;
            self.copy_lost = true;
        }
        self.sent += chunk.len() as u64;
        self.out
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl Ctx {
    /// The first table of a report as CSV, streamed: rows go from SQLite into `out` in chunks
    /// as they are read, so a million rows never sit in memory. `ready` gets the report's name
    /// once the query is prepared (or why it could not be), before any byte is sent. Each chunk
    /// is also written to `copy` before it is sent (a copy that fails is dropped, the stream
    /// goes on). What was sent when every byte of the file
    /// went out; None when it stopped short (an error, the client gone). Blocking.
    pub fn stream_csv(
        &self,
        report: &str,
        params: &BTreeMap<String, String>,
        today: chrono::NaiveDate,
        ready: tokio::sync::oneshot::Sender<Result<String, PipelineError>>,
        out: Chunks,
        copy: Option<std::fs::File>,
    ) -> Option<Streamed> {
        let mut ready = Some(ready);
        let result = (|| -> Result<Option<Streamed>, PipelineError> {
            let stored = self.report(report)?;
            let def = &stored.definition;
            let table = def.first_table().cloned().ok_or_else(|| {
                PipelineError::Render(RenderError::Failed(
                    "this report has no table to export as CSV".into(),
                ))
            })?;
            let (conn, sql, values) =
                self.prepare(def, table.query.as_deref(), &table.id, params, today)?;
            // A slow client holds the rows back: give the stream more time than a query in
            // all; the query itself must give a row at least every `query_timeout_ms` (the
            // watch the caller puts on the thread, `data::watch`).
            let mut bounds = self.bounds();
            bounds.timeout = bounds.timeout.max(Duration::from_secs(600));
            let w = std::cell::RefCell::new(csv::Writer::from_writer(ChunkSink {
                buf: Vec::with_capacity(ChunkSink::CHUNK),
                out,
                copy,
                copy_lost: false,
                sent: 0,
            }));
            let width = std::cell::Cell::new(0);
            let (rows, whole) = (std::cell::Cell::new(0u64), std::cell::Cell::new(true));
            let escape = self.config.exports.csv_formula_escape;
            conn.db()
                .for_each_row(
                    &sql,
                    &values,
                    def.row_limit as u64,
                    bounds,
                    |columns| {
                        width.set(columns.len());
                        let _ =
                            crate::render::csv::write_header(&mut w.borrow_mut(), columns, escape);
                        if let Some(r) = ready.take() {
                            let _ = r.send(Ok(def.name.clone()));
                        }
                    },
                    |row| {
                        let mut w = w.borrow_mut();
                        rows.set(rows.get() + 1);
                        let written = match row {
                            RowRef::Sqlite(row) => crate::render::csv::write_sqlite_row(
                                &mut w,
                                row,
                                width.get(),
                                escape,
                            ),
                            RowRef::Cells(cells) => {
                                crate::render::csv::write_cells(&mut w, cells, width.get(), escape)
                            }
                        }
                        .is_ok();
                        whole.set(whole.get() && written);
                        written
                    },
                )
                .map_err(|source| RunError::Query {
                    viz: table.id.clone(),
                    source,
                })?;
            // The end of the file; a client gone by now is no error of ours.
            let mut w = w.into_inner();
            let flushed = w.flush().is_ok();
            let (sent, copied) = {
                let sink = w.get_ref();
                (sink.sent, sink.copy.is_some() && !sink.copy_lost)
            };
            let parameters = crate::report::params::resolve(&def.parameters, params, today)
                .map(|r| r.shown)
                .unwrap_or_default();
            Ok((whole.get() && flushed).then(|| Streamed {
                report_id: stored.id.clone(),
                name: def.name.clone(),
                parameters,
                rows: rows.get(),
                bytes: sent,
                copied,
            }))
        })();
        match (result, ready.take()) {
            (Err(e), Some(r)) => {
                let _ = r.send(Err(e));
                None
            }
            // Too late for a status: the response ends short, which the client sees.
            (Err(e), None) => {
                tracing::warn!(error = %e, "CSV stream stopped");
                None
            }
            (Ok(sent), _) => sent,
        }
    }
}
