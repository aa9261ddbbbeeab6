//! The audit log: logins, logouts, account and token changes, and every create, update and
//! delete of reports, dashboards, schedules, datasets and exports, and schedule runs.

use crate::model::time::now_text;
use crate::store::audit::{self, AuditEvent};

/// Longest detail kept.
const MAX_DETAIL: usize = 500;

/// Appends an event. A failure to write it is logged, not returned: the action it describes
/// has happened already.
pub fn record(
    conn: &rusqlite::Connection,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    ip: Option<&str>,
    detail: Option<&str>,
) {
    let event = AuditEvent {
        at: now_text(),
        actor: actor.map(String::from),
        action: action.to_string(),
        target: target.map(|t| crate::model::text::truncate(t, 200)),
        ip: ip.map(String::from),
        detail: detail.map(|d| crate::model::text::truncate(d, MAX_DETAIL)),
    };
    tracing::info!(actor = ?event.actor, action, target = ?event.target, ip = ?event.ip, "audit");
    if let Err(e) = audit::insert(conn, &event) {
        tracing::error!(error = %e, action, "audit event not recorded");
    }
}
