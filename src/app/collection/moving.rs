//! A report or dashboard moved to another collection: saved through its own service, so the
//! move is a version and both collections are checked.

use crate::app::edit::{Author, EditError};
use crate::app::Ctx;
use crate::model::text::truncate;
use crate::store;

/// A report or dashboard to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Report,
    Dashboard,
}

/// Moves report or dashboard `id` into collection `to` (none: the root), saved as any change
/// (a version; the caller may edit where it is and where it goes).
pub fn move_to(
    ctx: &Ctx,
    kind: Object,
    id: &str,
    to: Option<&str>,
    author: &Author,
) -> Result<(), EditError> {
    let to = to.filter(|c| !c.is_empty()).map(str::to_string);
    match kind {
        Object::Report => {
            let r = store::report::get(&*ctx.store.app.get()?, id)?
                .filter(|r| {
                    ctx.grants
                        .sees_report(&r.id, r.definition.collection_id.as_deref())
                })
                .ok_or_else(|| {
                    EditError::NotFound(format!("no report with id `{}`", truncate(id, 80)))
                })?;
            let mut def = r.definition;
            def.collection_id = to;
            crate::app::report::save(ctx, Some(id), def, author)?;
        }
        Object::Dashboard => {
            let d = store::dashboard::get(&*ctx.store.app.get()?, id)?
                .filter(|d| {
                    ctx.grants
                        .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
                })
                .ok_or_else(|| {
                    EditError::NotFound(format!("no dashboard with id `{}`", truncate(id, 80)))
                })?;
            let mut def = d.definition;
            def.collection_id = to;
            crate::app::dashboard::save(ctx, Some(id), def, author)?;
        }
    }
    Ok(())
}
