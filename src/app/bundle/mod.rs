//! Bundles: a dashboard with its reports (and, asked, its schedules) written as one portable
//! document (`export`), and such a document made into objects on this server (`import`): a
//! dry run lists what it would create or update and what data it needs; ids are new, and a
//! second import of the same bundle updates what the first made.

pub mod import;
pub mod needs;

use super::edit::EditError;
use super::Ctx;
use crate::model::bundle::{Bundle, FORMAT, FORMAT_VERSION};
use crate::model::schedule::RecipientKind;
use crate::store;

/// The dashboard `id` as a bundle: its reports in the order its widgets first show them, its
/// schedules and its reports' when `with_schedules` (email recipients only: a hook's URL is a
/// secret, and is said to be left out).
pub fn export(ctx: &Ctx, id: &str, with_schedules: bool) -> Result<Bundle, EditError> {
    let conn = ctx.store.app.get()?;
    let d = store::dashboard::get(&conn, id)?.ok_or_else(|| {
        EditError::NotFound(format!(
            "no dashboard with id `{}`",
            crate::model::text::truncate(id, 80)
        ))
    })?;
    let mut dashboard = d.definition;
    dashboard.id = Some(d.id.clone());
    dashboard.default = false;
    let mut reports = Vec::new();
    for w in &dashboard.widgets {
        let Some(rid) = &w.report_id else { continue };
        if reports
            .iter()
            .any(|r: &crate::model::report::ReportDefinition| r.id.as_deref() == Some(rid))
        {
            continue;
        }
        if let Some(r) = store::report::get(&conn, rid)? {
            let mut def = r.definition;
            def.id = Some(r.id);
            reports.push(def);
        }
    }
    let mut schedules = Vec::new();
    let mut omitted = Vec::new();
    if with_schedules {
        for s in store::schedule::list(&conn)? {
            let ours = s.dashboard_id.as_deref() == Some(id)
                || reports
                    .iter()
                    .any(|r| r.id.as_deref() == Some(&s.report_id));
            if !ours {
                continue;
            }
            let mut cfg = super::schedule::to_config(&s);
            let hooks = cfg
                .recipients
                .iter()
                .filter(|r| r.kind != RecipientKind::Email)
                .count();
            if hooks > 0 {
                omitted.push(format!(
                    "schedule `{}`: {hooks} webhook recipient(s) (their URLs are secrets: add them again after the import)",
                    cfg.name
                ));
                cfg.recipients.retain(|r| r.kind == RecipientKind::Email);
            }
            schedules.push(cfg);
        }
    }
    Ok(Bundle {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        exported_at: Some(crate::model::time::now_text()),
        template: None,
        needs: needs::of(&reports),
        dashboard,
        reports,
        schedules,
        omitted,
    })
}
