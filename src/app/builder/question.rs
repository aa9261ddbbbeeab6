//! Questions on saved questions in the builder: a draft's `builder.source` read from the store
//! (as the caller may see it), the saved questions a page offers, and their columns as fields.

use super::{connection, mapping, plain, Draft, DraftQuery, Field, PipelineError};
use crate::app::Ctx;

/// `draft` with the saved question its builder reads (`builder.source`) read from the store
/// (see `app::report::read_source`); as it is when it reads a dataset or was read already.
pub(super) fn sourced<'d>(
    ctx: &Ctx,
    draft: &'d Draft,
) -> Result<std::borrow::Cow<'d, Draft>, PipelineError> {
    match &draft.query {
        DraftQuery::Builder(b) if b.source.as_ref().is_some_and(|s| s.resolved.is_none()) => {
            let mut d = draft.clone();
            if let DraftQuery::Builder(b) = &mut d.query {
                crate::app::report::read_source(ctx, None, &draft.source, b)
                    .map_err(|e| match e {
                        crate::app::edit::EditError::Store(e) => PipelineError::Store(e),
                        e => mapping("builder", e.to_string()),
                    })?
                    .map_err(|m| mapping("builder", m))?;
            }
            Ok(std::borrow::Cow::Owned(d))
        }
        _ => Ok(std::borrow::Cow::Borrowed(draft)),
    }
}

/// How the builder page names a saved question among tables: `question:<report id>`.
pub const QUESTION: &str = "question:";

/// The columns of the saved question `report` (a builder report on `source` the caller may
/// see), as a dataset's fields; distinct counts are not read (each would run the question).
pub(super) fn question_fields(
    ctx: &Ctx,
    source: &str,
    report: &str,
) -> Result<Vec<Field>, PipelineError> {
    let spec: crate::model::report::BuilderSpec = serde_json::from_value(
        serde_json::json!({ "source": { "report": report }, "dimensions": [] }),
    )
    .map_err(|e| mapping("table", e.to_string()))?;
    let draft = on(source, spec);
    let draft = sourced(ctx, &draft)?;
    let DraftQuery::Builder(spec) = &draft.query else {
        return Ok(Vec::new());
    };
    let conn = connection(ctx, source)?;
    let d = crate::report::builder::Dialect::of(conn.db().engine());
    let today = chrono::Utc::now().date_naive();
    let fields = crate::report::builder::spec_fields(conn.db(), spec, d, today)
        .map_err(|m| mapping("table", m))?;
    Ok(fields
        .into_iter()
        .filter(|f| plain(&f.name))
        .map(|f| Field {
            name: f.name,
            kind: f.kind,
            distinct: None,
        })
        .collect())
}

/// The saved builder questions on `source` the caller may see (a question can be built on
/// each), by name: `(question:<id>, name)`, `but` (the report being edited) left out.
pub fn questions(
    ctx: &Ctx,
    source: &str,
    but: Option<&str>,
) -> Result<Vec<(String, String)>, PipelineError> {
    let conn = ctx.store.app.get()?;
    Ok(crate::store::report::list(&conn)?
        .into_iter()
        .filter(|r| {
            let d = &r.definition;
            d.builder.is_some()
                && d.data_source == source
                && Some(r.id.as_str()) != but
                && ctx.grants.sees_report(&r.id, d.collection_id.as_deref())
        })
        .map(|r| (format!("{QUESTION}{}", r.id), r.definition.name))
        .collect())
}

/// Up to 50 values of `field` among the rows of the saved question `spec` reads (its
/// `source`, with the values it gives that question's parameters), most frequent first; with
/// a `prefix`, values containing it. Asked as a builder question of its own, so row policies
/// and the engine apply as to any other.
pub fn question_values(
    ctx: &Ctx,
    source: &str,
    spec: &crate::model::report::BuilderSpec,
    field: &str,
    prefix: &str,
) -> Result<Vec<String>, PipelineError> {
    let mut filters = Vec::new();
    if !prefix.is_empty() {
        filters.push(serde_json::json!({ "field": field, "op": "contains",
            "value": prefix.chars().take(200).collect::<String>() }));
    }
    let mut asked: crate::model::report::BuilderSpec = serde_json::from_value(serde_json::json!({
        "dimensions": [field],
        "measures": [{ "field": "*", "agg": "count", "as": "quire_rows" }],
        "filters": filters,
        "sort": [{ "field": "quire_rows", "dir": "desc" }, { "field": field, "dir": "asc" }],
        "limit": super::PICKER_VALUES,
    }))
    .map_err(|e| mapping("field", e.to_string()))?;
    asked.source = spec.source.clone();
    let draft = on(source, asked);
    let draft = sourced(ctx, &draft)?;
    let DraftQuery::Builder(asked) = &draft.query else {
        return Ok(Vec::new());
    };
    let conn = connection(ctx, source)?;
    let (sql, values) = crate::report::builder::sql_of(
        &conn,
        crate::model::report::QuerySource::Builder(asked),
        &[],
    )
    .map_err(|m| mapping("field", m))?;
    let rs = conn
        .db()
        .fetch(&sql, &values, None, ctx.bounds())
        .map_err(|e| crate::report::run::RunError::Query {
            viz: "values".into(),
            source: e,
        })?;
    Ok(rs
        .rows
        .iter()
        .filter(|r| !matches!(r[0], crate::data::query::Cell::Null))
        .map(|r| crate::report::run::cell_text(&r[0], None))
        .collect())
}

/// A draft of `spec` on `source`, drawn as the builder would choose.
fn on(source: &str, spec: crate::model::report::BuilderSpec) -> Draft {
    Draft {
        source: source.to_string(),
        query: DraftQuery::Builder(spec),
        chart: None,
        parameters: Vec::new(),
        axis2: Vec::new(),
        forecast: None,
        anomalies: false,
        across: None,
    }
}
