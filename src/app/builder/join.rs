//! Joins in the builder: what joining another table offers (its fields, likely keys) and how
//! many rows a question has before and after its joins (a repeated key shows as more rows).

use crate::app::{Ctx, PipelineError};
use crate::model::report::{JoinKey, JoinKind};
use crate::report::builder::Field;
use crate::report::run::RunError;
use serde::Serialize;

/// An error about `viz` (`with`, `builder`) in words.
fn refused(viz: &str, message: impl std::fmt::Display) -> PipelineError {
    PipelineError::Run(RunError::Mapping {
        viz: viz.into(),
        message: message.to_string(),
    })
}

/// The fields of `table` and of `other` in `source`, as the compiler sees them.
fn both_fields(
    ctx: &Ctx,
    source: &str,
    (table, other): (&str, &str),
) -> Result<(Vec<Field>, Vec<Field>), PipelineError> {
    use crate::report::builder::fields as kinds;
    let conn = ctx
        .store
        .preview_source(source)
        .ok_or_else(|| PipelineError::NoSource(source.to_string()))?
        .get(&ctx.sight)?;
    let own = kinds(&conn, table).map_err(|m| refused("table", m))?;
    let theirs = kinds(&conn, other).map_err(|m| refused("with", m))?;
    Ok((own, theirs))
}

/// What joining `other` to `table` offers: `other`'s fields, and the keys that likely join
/// the two, best first: `<other, singular>_id` ↔ `id`, then fields of one name and kind.
pub fn join_options(
    ctx: &Ctx,
    source: &str,
    table: &str,
    other: &str,
) -> Result<JoinOptions, PipelineError> {
    let (own, theirs) = both_fields(ctx, source, (table, other))?;
    let one = other
        .rsplit('.')
        .next()
        .unwrap_or(other)
        .to_ascii_lowercase();
    let one = match one.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => one.strip_suffix('s').unwrap_or(&one).to_string(),
    };
    let mut keys: Vec<(u8, String, String)> = Vec::new();
    for f in &own {
        for g in &theirs {
            let lower = f.name.to_ascii_lowercase();
            let score = if f.kind != g.kind {
                0
            } else if g.name.eq_ignore_ascii_case("id")
                && (lower == format!("{one}_id") || lower == format!("{one}id"))
            {
                3
            } else if f.name == g.name && lower != "id" {
                if lower == one || lower.ends_with("_id") {
                    2
                } else {
                    1
                }
            } else {
                0
            };
            if score > 0 {
                keys.push((score, f.name.clone(), g.name.clone()));
            }
        }
    }
    keys.sort_by(|a, b| b.0.cmp(&a.0));
    let mut hints: Vec<JoinKeyHint> = keys
        .into_iter()
        .map(|(_, left, right)| JoinKeyHint { left, right })
        .collect();
    // The join remembered for these two tables comes first.
    let saved = crate::store::relationship::get(&*ctx.store.app.get()?, source, table, other)?;
    let kind = saved.as_ref().map(|(kind, _)| *kind);
    if let Some((_, saved_keys)) = saved {
        let first: Vec<JoinKeyHint> = saved_keys
            .into_iter()
            .map(|k| JoinKeyHint {
                left: k.left,
                right: k.right,
            })
            .collect();
        hints.retain(|h| !first.iter().any(|f| f.left == h.left && f.right == h.right));
        hints.splice(0..0, first);
    }
    Ok(JoinOptions {
        fields: theirs,
        keys: hints,
        remembered: kind,
    })
}

/// Remembers the join of `other` to `table` in `source` (its rows to keep and keys), offered
/// first the next time; the keys must be fields of the two tables, of one kind each pair.
pub fn remember(
    ctx: &Ctx,
    source: &str,
    (table, other): (&str, &str),
    kind: JoinKind,
    keys: &[JoinKey],
    by: &str,
) -> Result<(), PipelineError> {
    let (own, theirs) = both_fields(ctx, source, (table, other))?;
    if keys.is_empty() || keys.len() > 4 {
        return Err(refused("left", "join by 1 to 4 key columns"));
    }
    for k in keys {
        let l = own.iter().find(|f| f.name == k.left);
        let r = theirs.iter().find(|f| f.name == k.right);
        match (l, r) {
            (None, _) => {
                return Err(refused(
                    "left",
                    format!(
                        "`{table}` has no column `{}`",
                        crate::model::text::truncate(&k.left, 60)
                    ),
                ))
            }
            (_, None) => {
                return Err(refused(
                    "right",
                    format!(
                        "`{other}` has no column `{}`",
                        crate::model::text::truncate(&k.right, 60)
                    ),
                ))
            }
            (Some(l), Some(r)) if l.kind != r.kind => {
                return Err(refused(
                    "right",
                    format!(
                        "`{}` is {} and `{}` {}; keys join values of one kind",
                        l.name,
                        l.kind.word(),
                        r.name,
                        r.kind.word()
                    ),
                ))
            }
            _ => {}
        }
    }
    crate::store::relationship::save(
        &*ctx.store.app.get()?,
        source,
        (table, other),
        kind,
        keys,
        by,
    )?;
    Ok(())
}

/// See [`join_options`].
#[derive(Debug, Serialize)]
pub struct JoinOptions {
    pub fields: Vec<Field>,
    pub keys: Vec<JoinKeyHint>,
    /// The rows to keep of the join remembered for these tables (its keys come first).
    pub remembered: Option<JoinKind>,
}

#[derive(Debug, Serialize)]
pub struct JoinKeyHint {
    pub left: String,
    pub right: String,
}

/// How many rows `spec`'s dataset has, and how many after its joins (None without joins).
pub fn rows(
    ctx: &Ctx,
    conn: &crate::store::SourceConn,
    spec: &crate::model::report::BuilderSpec,
) -> Result<Option<(u64, u64)>, PipelineError> {
    let Some(sqls) =
        crate::report::builder::join_counts(conn.db(), spec).map_err(|m| refused("builder", m))?
    else {
        return Ok(None);
    };
    let mut counts = [0u64; 2];
    for (n, sql) in counts.iter_mut().zip(&sqls) {
        *n = conn
            .db()
            .fetch(sql, &crate::data::query::Params::new(), None, ctx.bounds())
            .map_err(|e| refused("builder", e))?
            .rows
            .first()
            .and_then(|r| r.first())
            .and_then(|c| c.as_f64())
            .unwrap_or(0.0) as u64;
    }
    Ok(Some((counts[0], counts[1])))
}
