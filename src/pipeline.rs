//! The one render pipeline behind every output: find the report, run it, render it.
//! Blocking: call it from `spawn_blocking`/`web::block`, never on an async thread.

use crate::config::{Config, ExportFormat};
use crate::data::query::Bounds;
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
        let stored = {
            let conn = self.store.app.get()?;
            store::report::find(&conn, spec.report)?
        }
        .ok_or_else(|| PipelineError::NotFound(spec.report.to_string()))?;
        let conn = self.store.data_ro.get()?;
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
            },
        )?)
    }

    /// Runs a report with whole tables (up to `cap` rows) and renders it as `format`.
    pub fn render(
        &self,
        report: &str,
        params: &BTreeMap<String, String>,
        format: ExportFormat,
        cap: Option<u32>,
        today: chrono::NaiveDate,
    ) -> Result<(Output, Vec<u8>), PipelineError> {
        let out = self.run(&RunSpec {
            report,
            params,
            rows: TableRows::All {
                cap: cap.unwrap_or(u32::MAX),
            },
            only: None,
            today,
        })?;
        let bytes = render::render(&out, format, &self.config.branding)?;
        Ok((out, bytes))
    }
}
