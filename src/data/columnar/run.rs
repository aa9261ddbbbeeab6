//! Running a query on the engine: planned from SQL with its values bound as `$name`
//! placeholders (never spliced), read-only, within `[limits] query_timeout_ms`, stopped when
//! the person who asked goes away, and its rows read back as SQLite's cells.

use super::cells;
use super::Engine;
use crate::data::query::{Bounds, Cell, ParamValue, Params, QueryError, ResultSet};
use crate::data::watch;
use datafusion::arrow::array::RecordBatch;
use datafusion::common::{DataFusionError, ParamValues, ScalarValue};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::DataFrame;
use datafusion::sql::parser::DFParser;
use futures_util::StreamExt;
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

/// How often a running query looks whether its requester went away.
const WATCH_EVERY: Duration = Duration::from_millis(50);

impl Engine {
    /// Runs `sql` and returns at most `limit` rows from `offset` (as `query::fetch`).
    pub fn fetch(
        &self,
        sql: &str,
        params: &Params,
        window: Option<(u64, u32)>,
        bounds: Bounds,
    ) -> Result<ResultSet, QueryError> {
        self.0
            .queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (ctx, sql, values) = (self.clone(), sql.to_string(), values(params));
        let batches = self.block(bounds, async move {
            let mut df = ctx.plan(&sql, values).await?;
            if let Some((offset, limit)) = window {
                df = df.limit(offset as usize, Some(limit as usize))?;
            }
            let columns = names(&df);
            let mut stream = df.execute_stream().await?;
            let mut out = Vec::new();
            let (mut rows, mut held) = (0u64, 0u64);
            while let Some(b) = stream.next().await {
                let b = b?;
                rows += b.num_rows() as u64;
                held += b.get_array_memory_size() as u64;
                if rows > u64::from(bounds.max_rows) {
                    return Err(Stop::TooMany);
                }
                if held > bounds.result_mb.saturating_mul(1 << 20) {
                    return Err(Stop::TooLarge);
                }
                out.push(b);
            }
            Ok((columns, out))
        })?;
        let (columns, batches) = batches;
        let mut rows = Vec::new();
        for b in &batches {
            rows.extend(batch_rows(b).map_err(QueryError::Engine)?);
        }
        Ok(ResultSet { columns, rows })
    }

    /// The number of rows `sql` returns.
    pub fn count(&self, sql: &str, params: &Params, bounds: Bounds) -> Result<u64, QueryError> {
        let body = sql.trim_end().trim_end_matches(';');
        let counted = format!("SELECT count(*) FROM ({body}) AS quire_counted");
        let rs = self.fetch(&counted, params, None, bounds)?;
        match rs.rows.first().and_then(|r| r.first()) {
            Some(Cell::Int(n)) => Ok((*n).max(0) as u64),
            _ => Err(QueryError::Engine("the count returned no number".into())),
        }
    }

    /// Plans `sql` without running it: its columns, or why it cannot run.
    pub fn validate(&self, sql: &str, bounds: Bounds) -> Result<Vec<String>, QueryError> {
        let (ctx, sql) = (self.clone(), sql.to_string());
        self.block(bounds, async move {
            let df = ctx.plan(&sql, None).await?;
            Ok(names(&df))
        })
    }

    /// The datasets `sql` reads (for the result cache's keys).
    pub fn tables_read(&self, sql: &str) -> Result<BTreeSet<String>, QueryError> {
        let statements =
            DFParser::parse_sql(sql).map_err(|e| QueryError::Refused(e.to_string()))?;
        let state = self.0.ctx.state();
        let mut out = BTreeSet::new();
        for s in &statements {
            let refs = state
                .resolve_table_references(s)
                .map_err(|e| QueryError::Refused(e.to_string()))?;
            out.extend(refs.into_iter().map(|r| r.table().to_string()));
        }
        Ok(out)
    }

    /// Runs `sql` and hands its first `limit` rows to `row` one at a time, a batch in memory
    /// at most (as `query::for_each_row`).
    pub fn for_each_row(
        &self,
        sql: &str,
        params: &Params,
        limit: u64,
        bounds: Bounds,
        columns: impl FnOnce(&[String]),
        mut row: impl FnMut(&[Cell]) -> bool,
    ) -> Result<u64, QueryError> {
        let (ctx, sql, values) = (self.clone(), sql.to_string(), values(params));
        let (names, stream) = self.block(bounds, async move {
            let df = ctx.plan(&sql, values).await?;
            let df = df.limit(0, Some(limit.min(usize::MAX as u64) as usize))?;
            let names = names(&df);
            Ok((names, df.execute_stream().await?))
        })?;
        columns(&names);
        let mut stream: SendableRecordBatchStream = stream;
        let mut n = 0;
        loop {
            let next = self.block(bounds, async move {
                let b = stream.next().await.transpose()?;
                Ok((b, stream))
            })?;
            let (batch, rest) = next;
            stream = rest;
            let Some(batch) = batch else { break };
            for cells in batch_rows(&batch).map_err(QueryError::Engine)? {
                n += 1;
                watch::touch();
                if !row(&cells) {
                    return Ok(n);
                }
            }
        }
        Ok(n)
    }

    /// `sql` planned (SELECT only: no DDL, DML or settings) with `values` bound.
    async fn plan(&self, sql: &str, values: Option<ParamValues>) -> Result<DataFrame, Stop> {
        let options = datafusion::execution::context::SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let df = self.0.ctx.sql_with_options(sql, options).await?;
        Ok(match values {
            Some(v) => df.with_param_values(v)?,
            None => df,
        })
    }

    /// Runs `fut` on the engine's threads and waits for it, within the bounds' time and while
    /// the requester (the calling thread's watch) is there.
    fn block<T: Send + 'static>(
        &self,
        bounds: Bounds,
        fut: impl Future<Output = Result<T, Stop>> + Send + 'static,
    ) -> Result<T, QueryError> {
        let watch = watch::current();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let task = self.0.runtime().spawn(async move {
            let out = tokio::time::timeout(bounds.timeout, fut).await;
            let _ = tx.send(out);
        });
        loop {
            match rx.recv_timeout(WATCH_EVERY) {
                Ok(Ok(r)) => return r.map_err(|e| e.into_query(bounds, self.memory_mb())),
                Ok(Err(_elapsed)) => {
                    return Err(QueryError::Timeout(bounds.timeout.as_millis() as u64))
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if watch.as_ref().is_some_and(|w| w.is_gone()) {
                        task.abort();
                        return Err(QueryError::Cancelled);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(QueryError::Engine("the query stopped unexpectedly".into()))
                }
            }
        }
    }
}

/// Why a run stopped early.
enum Stop {
    Engine(DataFusionError),
    TooMany,
    TooLarge,
}

impl From<DataFusionError> for Stop {
    fn from(e: DataFusionError) -> Stop {
        Stop::Engine(e)
    }
}

impl Stop {
    fn into_query(self, bounds: Bounds, memory_mb: u64) -> QueryError {
        match self {
            Stop::TooMany => QueryError::TooManyRows(bounds.max_rows),
            Stop::TooLarge => QueryError::ResultTooBig(bounds.result_mb),
            Stop::Engine(e) => match e.find_root() {
                DataFusionError::ResourcesExhausted(_) => QueryError::EngineMemory(memory_mb),
                DataFusionError::SQL(..)
                | DataFusionError::Plan(_)
                | DataFusionError::SchemaError(..)
                | DataFusionError::NotImplemented(_) => QueryError::Refused(e.to_string()),
                // Reading errors may name files on the server: logged, not shown.
                other => {
                    tracing::warn!(error = %other, "a columnar query failed");
                    QueryError::Engine("the query failed while reading the dataset's columnar copy (the server log says why)".into())
                }
            },
        }
    }
}

/// The values to bind, by name.
fn values(params: &Params) -> Option<ParamValues> {
    let map: HashMap<String, ScalarValue> = params
        .iter()
        .map(|(k, v)| {
            let s = match v {
                ParamValue::Null => ScalarValue::Null,
                ParamValue::Int(i) => ScalarValue::Int64(Some(*i)),
                ParamValue::Real(f) => ScalarValue::Float64(Some(*f)),
                ParamValue::Text(t) => ScalarValue::Utf8(Some(t.clone())),
            };
            (k.clone(), s)
        })
        .collect();
    Some(ParamValues::from(map))
}

fn names(df: &DataFrame) -> Vec<String> {
    df.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// A batch's rows as cells.
fn batch_rows(b: &RecordBatch) -> Result<Vec<Vec<Cell>>, String> {
    let columns: Vec<Vec<Cell>> = b
        .columns()
        .iter()
        .map(cells::column)
        .collect::<Result<_, _>>()?;
    let mut rows: Vec<Vec<Cell>> = (0..b.num_rows())
        .map(|_| Vec::with_capacity(columns.len()))
        .collect();
    for col in columns {
        for (r, cell) in rows.iter_mut().zip(col) {
            r.push(cell);
        }
    }
    Ok(rows)
}
