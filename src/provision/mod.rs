//! Provisioning: reports, dashboards, schedules and datasets declared in config (or the demo)
//! written into the store at start. Ids are stable so re-provisioning updates in place.

pub mod demo;

use crate::app::dataset;
use crate::config::{Config, DatasetConfig};
use crate::data::import::{self, DatasetName};
use crate::model::cron::{parse_timezone, CronSchedule};
use crate::model::dashboard::DashboardDefinition;
use crate::model::report::ReportDefinition;
use crate::model::schedule::ScheduleDefinition;
use crate::model::version::Kept;
use crate::store::{self, Store};
use anyhow::{anyhow, Context};
use chrono::Utc;

/// A stable UUID for a provisioned item without an explicit id.
pub fn stable_id(kind: &str, name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("quire:{kind}:{name}").as_bytes(),
    )
    .to_string()
}

fn id_of(kind: &str, id: &Option<String>, name: &str) -> anyhow::Result<String> {
    match id {
        Some(id) => uuid::Uuid::parse_str(id)
            .map(|u| u.to_string())
            .map_err(|_| anyhow!("{kind} `{name}`: id `{id}` is not a UUID")),
        None => Ok(stable_id(kind, name)),
    }
}

/// The declarative part of a config: what to write into the store.
pub struct Provisioned<'a> {
    pub reports: &'a [ReportDefinition],
    pub dashboards: &'a [DashboardDefinition],
    pub schedules: &'a [ScheduleDefinition],
}

impl<'a> From<&'a Config> for Provisioned<'a> {
    fn from(c: &'a Config) -> Self {
        Provisioned {
            reports: &c.reports,
            dashboards: &c.dashboards,
            schedules: &c.schedules,
        }
    }
}

/// Who wrote a version that came from config.
const CONFIG: &str = "reports.toml";

/// Writes reports, dashboards and schedules into the app database, in one transaction (each
/// report's and dashboard's definition a version by `reports.toml` when it changed).
pub fn apply(store: &Store, p: &Provisioned) -> anyhow::Result<()> {
    let mut conn = store.app.get()?;
    let tx = conn.transaction()?;
    for r in p.reports {
        let id = id_of("report", &r.id, &r.name)?;
        if store::edited_since_provisioned(&tx, store::Provisionable::Report, &id)? {
            tracing::warn!(report = %r.name, "changed through Quire since it was provisioned: reports.toml's version is not applied");
            continue;
        }
        let mut def = r.clone();
        def.id = Some(id.clone());
        let body = store::report::upsert(&tx, &id, &def, true)?;
        store::version::record(&tx, Kept::Report, &id, &body, Some(CONFIG), None, None)?;
    }
    for d in p.dashboards {
        let id = id_of("dashboard", &d.id, &d.name)?;
        let mut def = d.clone();
        crate::app::dashboard::place(&tx, &mut def)
            .map_err(|e| anyhow!("dashboard `{}`: {e}", d.name))?;
        // The widgets' visualizations must exist (reports are written above, in this transaction).
        for w in &def.widgets {
            if let (Some(r), Some(v)) = (&w.report_id, &w.visualization_id) {
                let report = store::report::get(&tx, r)?;
                if report
                    .as_ref()
                    .and_then(|r| r.definition.visualization(v))
                    .is_none()
                {
                    return Err(anyhow!(
                        "dashboard `{}`: report `{r}` has no visualization `{v}`",
                        d.name
                    ));
                }
            }
        }
        let body = store::dashboard::upsert(&tx, &id, &def, true)?;
        store::version::record(&tx, Kept::Dashboard, &id, &body, Some(CONFIG), None, None)?;
    }
    for s in p.schedules {
        let id = id_of("schedule", &s.id, &s.name)?;
        if store::edited_since_provisioned(&tx, store::Provisionable::Schedule, &id)? {
            tracing::warn!(schedule = %s.name, "changed through Quire since it was provisioned: reports.toml's version is not applied");
            continue;
        }
        let (report_id, dashboard_id) = match &s.dashboard_id {
            Some(d) => {
                let d = store::dashboard::find(&tx, d)?
                    .ok_or_else(|| anyhow!("schedule `{}`: no dashboard `{d}`", s.name))?;
                (String::new(), Some(d.id))
            }
            None => {
                let r = store::report::find(&tx, &s.report_id)?
                    .ok_or_else(|| anyhow!("schedule `{}`: no report `{}`", s.name, s.report_id))?;
                (r.id, None)
            }
        };
        let cron =
            CronSchedule::parse(&s.schedule).map_err(|e| anyhow!("schedule `{}`: {e}", s.name))?;
        let tz = parse_timezone(&s.timezone).map_err(|e| anyhow!("schedule `{}`: {e}", s.name))?;
        store::schedule::upsert(
            &tx,
            &store::schedule::StoredSchedule {
                id,
                name: s.name.clone(),
                report_id,
                dashboard_id,
                cron: cron.as_str().to_string(),
                timezone: s.timezone.clone(),
                parameters: s.parameters.clone(),
                recipients: s.recipients.clone(),
                export_format: s.export_format,
                row_limit: s.row_limit,
                enabled: s.enabled,
                next_run_at: cron
                    .next_after(Utc::now(), tz)
                    .map(|t| crate::model::time::rfc3339(t)),
                last_run_at: None,
                last_run_status: None,
            },
            true,
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Imports `[[datasets]]` files whose content changed since the last import.
pub fn import_datasets(store: &Store, datasets: &[DatasetConfig]) -> anyhow::Result<()> {
    for d in datasets {
        let name = DatasetName::parse(&d.name)?;
        let opts = import::Options {
            sheet: d.sheet.clone(),
            ..Default::default()
        };
        let file = d.path.display().to_string();
        dataset::import(
            store,
            &name,
            &file,
            &import::Input::Path(d.path.clone()),
            &opts,
            true,
            &|_| {},
        )
        .with_context(|| format!("dataset `{}`", d.name))?;
    }
    Ok(())
}
