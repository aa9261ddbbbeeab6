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

/// How long an uploaded bundle waits for its import to be confirmed.
const UPLOAD_HOURS: u64 = 24;

fn upload_path(ctx: &Ctx, token: &str) -> Option<std::path::PathBuf> {
    let token = uuid::Uuid::parse_str(token).ok()?;
    Some(
        ctx.config
            .storage
            .data_dir
            .join("uploads")
            .join(format!("bundle-{token}.json")),
    )
}

/// Keeps an uploaded bundle until its import is confirmed (`take_upload`); returns its token.
pub fn keep_upload(ctx: &Ctx, bytes: &[u8]) -> std::io::Result<String> {
    let token = uuid::Uuid::new_v4().to_string();
    let path = upload_path(ctx, &token).expect("a new token is a UUID");
    std::fs::create_dir_all(path.parent().expect("a folder"))?;
    std::fs::write(&path, bytes)?;
    Ok(token)
}

/// The bundle kept under `token`, taken away (None: no such upload, or it has gone).
pub fn take_upload(ctx: &Ctx, token: &str) -> Option<Vec<u8>> {
    let path = upload_path(ctx, token)?;
    let bytes = std::fs::read(&path).ok()?;
    let _ = std::fs::remove_file(&path);
    Some(bytes)
}

/// Removes uploaded bundles nobody confirmed within a day (the ten-minute sweep).
pub fn sweep_uploads(ctx: &Ctx) {
    let dir = ctx.config.storage.data_dir.join("uploads");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let old = std::time::Duration::from_secs(UPLOAD_HOURS * 3600);
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().to_string();
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > old);
        if name.starts_with("bundle-") && name.ends_with(".json") && stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
