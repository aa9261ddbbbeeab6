//! The one render pipeline behind every output: find the report, run it, render it.
//! Blocking: call it from `spawn_blocking`/`web::block`, never on an async thread.

use crate::config::{Config, ExportFormat};
use crate::data::query::{self, Bounds};
use crate::render::{self, RenderError};
use crate::report::run::{self, Output, RunError, TableRows};
use crate::store::{self, Store, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What every part of the process shares.
#[derive(Clone)]
pub struct Ctx {
    pub config: Arc<Config>,
    pub store: Store,
}

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("no report with id or name `{0}`")]
    NotFound(String),
    #[error("query: this report has no query named `{0}`")]
    NoQuery(String),
    #[error("dataSource: no data source named `{0}`")]
    NoSource(String),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<r2d2::Error> for PipelineError {
    fn from(e: r2d2::Error) -> Self {
        PipelineError::Store(e.into())
    }
}

/// A page of a query's rows.
pub struct Preview {
    pub result: std::sync::Arc<crate::data::query::ResultSet>,
    pub total_rows: u64,
}

/// Options of one run.
pub struct RunSpec<'a> {
    pub report: &'a str,
    pub params: &'a BTreeMap<String, String>,
    pub rows: TableRows,
    pub only: Option<&'a [String]>,
    /// The day date expressions are relative to (a schedule's fire date in its zone).
    pub today: chrono::NaiveDate,
}

impl Ctx {
    /// Query limits from `[limits]`.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            timeout: Duration::from_millis(self.config.limits.query_timeout_ms),
            max_rows: self.config.limits.max_rows,
        }
    }

    /// Runs a report.
    pub fn run(&self, spec: &RunSpec) -> Result<Output, PipelineError> {
        self.run_with_progress(spec, None)
    }

    /// Runs a report, telling `progress` (built, total) before each visualization.
    pub fn run_with_progress(
        &self,
        spec: &RunSpec,
        progress: Option<&dyn Fn(usize, usize)>,
    ) -> Result<Output, PipelineError> {
        let stored = self.report(spec.report)?;
        let source = &stored.definition.data_source;
        let conn = self
            .store
            .source(source)
            .ok_or_else(|| PipelineError::NoSource(source.clone()))?
            .get()?;
        Ok(run::run(
            &conn,
            &run::Request {
                report_id: &stored.id,
                definition: &stored.definition,
                params: spec.params,
                rows: spec.rows,
                only: spec.only,
                today: spec.today,
                bounds: self.bounds(),
                cache: (self.config.limits.cache_mb > 0).then(|| self.store.cache_scope(source)),
                progress,
            },
        )?)
    }

    /// The report whose id or name is `key`.
    fn report(&self, key: &str) -> Result<store::report::StoredReport, PipelineError> {
        store::report::find(&*self.store.app.get()?, key)?
            .ok_or_else(|| PipelineError::NotFound(key.to_string()))
    }

    /// A query of `def` ready to run: a connection to its source, its SQL (a builder compiled)
    /// and the values to bind. `label` names it in errors.
    fn prepare(
        &self,
        def: &crate::report::definition::ReportDefinition,
        name: Option<&str>,
        label: &str,
        params: &BTreeMap<String, String>,
        today: chrono::NaiveDate,
    ) -> Result<(store::Conn, String, query::Params), PipelineError> {
        let source = def
            .query_source(name)
            .ok_or_else(|| PipelineError::NoQuery(name.unwrap_or("(default)").to_string()))?;
        let resolved = crate::report::params::resolve(&def.parameters, params, today)
            .map_err(RunError::from)?;
        let conn = self
            .store
            .source(&def.data_source)
            .ok_or_else(|| PipelineError::NoSource(def.data_source.clone()))?
            .get()?;
        let (sql, literals) = crate::report::builder::sql_of(&conn, source, &def.parameters)
            .map_err(|message| RunError::Mapping {
                viz: label.to_string(),
                message,
            })?;
        let values = run::with_literals(&resolved.values, literals).into_owned();
        Ok((conn, sql.into_owned(), values))
    }

    /// One page of the rows of a report's query (`query` names one of several).
    pub fn preview(
        &self,
        report: &str,
        params: &BTreeMap<String, String>,
        query: Option<&str>,
        page: u32,
        page_size: u32,
        today: chrono::NaiveDate,
    ) -> Result<Preview, PipelineError> {
        let stored = self.report(report)?;
        let def = &stored.definition;
        let name = query.or_else(|| match (&def.query, def.queries.len()) {
            (None, n) if n > 1 => def.visualizations.iter().find_map(|v| v.query.as_deref()),
            _ => None,
        });
        let (conn, sql, values) =
            self.prepare(def, name, name.unwrap_or("query"), params, today)?;
        let sql = sql.as_str();
        let qerr = |source| {
            PipelineError::Run(RunError::Query {
                viz: name.unwrap_or("query").to_string(),
                source,
            })
        };
        let scope =
            (self.config.limits.cache_mb > 0).then(|| self.store.cache_scope(&def.data_source));
        let total =
            crate::data::cache::count(&conn, scope, sql, &values, self.bounds()).map_err(qerr)?;
        let offset = (page as u64 - 1) * page_size as u64;
        let result = crate::data::cache::fetch(
            &conn,
            scope,
            sql,
            &values,
            Some((offset, page_size)),
            self.bounds(),
        )
        .map_err(qerr)?;
        Ok(Preview {
            result,
            total_rows: total,
        })
    }

    /// Runs a report with whole tables (up to `cap` rows) and renders it as `format`. With
    /// `lean`, a CSV runs its first table only (when nothing else will quote the result's KPIs,
    /// as a message does).
    pub fn render(
        &self,
        report: &str,
        params: &BTreeMap<String, String>,
        format: ExportFormat,
        cap: Option<u32>,
        today: chrono::NaiveDate,
        lean: bool,
    ) -> Result<(Output, Vec<u8>), PipelineError> {
        let tables: Option<Vec<String>> = match format {
            ExportFormat::Csv if lean => self
                .report(report)?
                .definition
                .first_table()
                .map(|t| vec![t.id.clone()]),
            _ => None,
        };
        let out = self.run(&RunSpec {
            report,
            params,
            rows: TableRows::All {
                cap: cap.unwrap_or(u32::MAX),
            },
            only: tables.as_deref(),
            today,
        })?;
        let bytes = render::render(&out, format, &self.config.branding)?;
        Ok((out, bytes))
    }
}

/// Bytes of a streamed download, sent as they are made.
pub type Chunks = tokio::sync::mpsc::Sender<actix_web::web::Bytes>;

/// Collects written bytes and sends them on in chunks; a gone receiver is a broken pipe.
struct ChunkSink {
    buf: Vec<u8>,
    out: Chunks,
}

impl ChunkSink {
    const CHUNK: usize = 64 << 10;

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(Self::CHUNK));
        self.out
            .blocking_send(chunk.into())
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
    /// once the query is prepared (or why it could not be), before any byte is sent. Blocking.
    pub fn stream_csv(
        &self,
        report: &str,
        params: &BTreeMap<String, String>,
        today: chrono::NaiveDate,
        ready: tokio::sync::oneshot::Sender<Result<String, PipelineError>>,
        out: Chunks,
    ) {
        let mut ready = Some(ready);
        let result = (|| -> Result<(), PipelineError> {
            let stored = self.report(report)?;
            let def = &stored.definition;
            let table = def.first_table().cloned().ok_or_else(|| {
                PipelineError::Render(RenderError(
                    "this report has no table to export as CSV".into(),
                ))
            })?;
            let (conn, sql, values) =
                self.prepare(def, table.query.as_deref(), &table.id, params, today)?;
            // A slow client holds the rows back: give the stream more time than a query.
            let mut bounds = self.bounds();
            bounds.timeout = bounds.timeout.max(Duration::from_secs(600));
            let w = std::cell::RefCell::new(csv::Writer::from_writer(ChunkSink {
                buf: Vec::with_capacity(ChunkSink::CHUNK),
                out,
            }));
            let width = std::cell::Cell::new(0);
            query::for_each_row(
                &conn,
                &sql,
                &values,
                def.row_limit as u64,
                bounds,
                |columns| {
                    width.set(columns.len());
                    let _ = w.borrow_mut().write_record(columns);
                    if let Some(r) = ready.take() {
                        let _ = r.send(Ok(def.name.clone()));
                    }
                },
                |row| {
                    crate::render::csv::write_sqlite_row(&mut w.borrow_mut(), row, width.get())
                        .is_ok()
                },
            )
            .map_err(|source| RunError::Query {
                viz: table.id.clone(),
                source,
            })?;
            // The end of the file; a client gone by now is no error of ours.
            let _ = w.borrow_mut().flush();
            Ok(())
        })();
        match (result, ready.take()) {
            (Err(e), Some(r)) => {
                let _ = r.send(Err(e));
            }
            // Too late for a status: the response ends short, which the client sees.
            (Err(e), None) => tracing::warn!(error = %e, "CSV stream stopped"),
            (Ok(()), _) => {}
        }
    }
}
