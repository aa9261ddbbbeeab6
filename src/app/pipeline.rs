//! Running a report: find it, run it (a page, a preview, a document for `export` to render).
//! Blocking: call it from `spawn_blocking`/`web::block`, never on an async thread.

use super::Ctx;
use crate::data::query::{self};
use crate::render::RenderError;
use crate::report::run::{self, Output, RunError, TableRows};
use crate::store::{self, StoreError};
use std::collections::BTreeMap;

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
    /// The tables' chosen order, if any.
    pub sort: Option<&'a run::TableSort>,
    /// The day date expressions are relative to (a schedule's fire date in its zone).
    pub today: chrono::NaiveDate,
    /// Also draw each chart this wide, for a page on a phone (`run::Request::narrow`).
    pub narrow: Option<u32>,
    /// The reader's zone, for the times inside the files (`run::Request::zone`).
    pub zone: chrono_tz::Tz,
    /// The report as found already (or an old version of it, shown without being restored);
    /// None: found by `report`.
    pub stored: Option<&'a store::report::StoredReport>,
}

impl Ctx {
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
        let found;
        let stored = match spec.stored {
            Some(s) => s,
            None => {
                found = self.report(spec.report)?;
                &found
            }
        };
        let source = &stored.definition.data_source;
        let pool = self
            .store
            .source(source)
            .ok_or_else(|| PipelineError::NoSource(source.clone()))?;
        let conn = pool.get(&self.sight)?;
        let spare = || pool.try_get(&self.sight);
        Ok(super::column_meta::shown(self, || {
            run::run(
                &conn,
                &run::Request {
                    report_id: &stored.id,
                    definition: &stored.definition,
                    params: spec.params,
                    rows: spec.rows,
                    only: spec.only,
                    sort: spec.sort,
                    today: spec.today,
                    zone: spec.zone,
                    bounds: self.bounds(),
                    cache: (self.config.limits.cache_mb > 0)
                        .then(|| self.store.cache_scope(source))
                        .flatten(),
                    progress,
                    narrow: spec.narrow,
                    spare: Some(&spare),
                },
            )
        })?)
    }

    /// The report whose id or name is `key`.
    pub fn report(&self, key: &str) -> Result<store::report::StoredReport, PipelineError> {
        store::report::find(&*self.store.app.get()?, key)?
            .ok_or_else(|| PipelineError::NotFound(key.to_string()))
    }

    /// A query of `def` ready to run: a connection to its source, its SQL (a builder compiled)
    /// and the values to bind. `label` names it in errors.
    pub(super) fn prepare(
        &self,
        def: &crate::model::report::ReportDefinition,
        name: Option<&str>,
        label: &str,
        params: &BTreeMap<String, String>,
        today: chrono::NaiveDate,
    ) -> Result<(store::SourceConn, String, query::Params), PipelineError> {
        let pool = self.store.source(&def.data_source);
        self.prepare_on(pool, def, name, label, params, today)
    }

    /// [`Ctx::prepare`] on a connection from `pool` (the source's, or its previews').
    fn prepare_on(
        &self,
        pool: Option<&store::SourcePool>,
        def: &crate::model::report::ReportDefinition,
        name: Option<&str>,
        label: &str,
        params: &BTreeMap<String, String>,
        today: chrono::NaiveDate,
    ) -> Result<(store::SourceConn, String, query::Params), PipelineError> {
        let source = def
            .query_source(name)
            .ok_or_else(|| PipelineError::NoQuery(name.unwrap_or("(default)").to_string()))?;
        let resolved = crate::report::params::resolve(&def.parameters, params, today)
            .map_err(RunError::from)?;
        let conn = pool
            .ok_or_else(|| PipelineError::NoSource(def.data_source.clone()))?
            .get(&self.sight)?;
        let (sql, values) = run::prepare(&conn, def, source, &resolved.values, today, label)?;
        let (sql, values) = (sql.into_owned(), values.into_owned());
        Ok((conn, sql, values))
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
        // Previews have connections of their own: a burst of slow ones cannot starve pages.
        let pool = self.store.preview_source(&def.data_source);
        let (conn, sql, values) =
            self.prepare_on(pool, def, name, name.unwrap_or("query"), params, today)?;
        let sql = sql.as_str();
        let qerr = |source| {
            PipelineError::Run(RunError::Query {
                viz: name.unwrap_or("query").to_string(),
                source,
            })
        };
        let scope = (self.config.limits.cache_mb > 0)
            .then(|| self.store.cache_scope(&def.data_source))
            .flatten();
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
}
