//! A report's insights for `GET /api/v1/reports/{id}/insights`: the report run with the
//! caller's parameters, then `report::run::insight` on its charts.

use super::pipeline::{PipelineError, RunSpec};
use super::Ctx;
use crate::report::insight::narrative::Insights;
use crate::report::run::{self, TableRows};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The report's insights with these parameters, as of `today`.
pub fn report_insights(
    ctx: &Ctx,
    report: &str,
    params: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Insights, PipelineError> {
    let stored = ctx.report(report)?;
    let def = &stored.definition;
    let out = ctx.run(&RunSpec {
        report,
        params,
        rows: TableRows::Page {
            page: 1,
            page_size: 1,
        },
        only: None,
        sort: None,
        today,
        narrow: None,
        zone: chrono_tz::UTC,
    })?;
    let resolved = crate::report::params::resolve(&def.parameters, params, today)
        .map_err(run::RunError::from)?;
    let conn = ctx
        .store
        .source(&def.data_source)
        .ok_or_else(|| PipelineError::NoSource(def.data_source.clone()))?
        .get()?;
    let req = run::Request {
        report_id: &stored.id,
        definition: def,
        params,
        rows: TableRows::Page {
            page: 1,
            page_size: 1,
        },
        only: None,
        sort: None,
        today,
        zone: chrono_tz::UTC,
        bounds: ctx.bounds(),
        cache: None,
        progress: None,
        narrow: None,
        spare: None,
    };
    let at = run::insight::At {
        conn: conn.db(),
        def,
        resolved: &resolved.values,
        req: &req,
    };
    Ok(run::insight::insights(&at, &out.sections))
}
