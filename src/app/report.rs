//! Creating, changing and deleting reports through the API. A definition is checked against
//! its data before anything is written: each query is prepared (never run) on its data source,
//! and every column a visualization maps must be one the query returns.

use crate::app::edit::{invalid, EditError};
use crate::app::Ctx;
use crate::data::query;
use crate::model::report::{QuerySource, ReportDefinition, Visualization};
use crate::store::{self, report::StoredReport};
use std::collections::HashMap;

fn not_found(id: &str) -> EditError {
    EditError::NotFound(format!(
        "no report with id `{}`",
        crate::model::text::truncate(id, 80)
    ))
}

/// Creates (`id` None) or replaces a report after checking it. A new report keeps the `id` of
/// its body when that is a free UUID, else gets a new one.
pub fn save(
    ctx: &Ctx,
    id: Option<&str>,
    mut def: ReportDefinition,
) -> Result<StoredReport, EditError> {
    def.name = def.name.trim().to_string();
    def.validate().map_err(split)?;
    check_queries(ctx, &def)?;
    let conn = ctx.store.app.get()?;
    let id = match id {
        Some(id) => {
            store::report::get(&conn, id)?.ok_or_else(|| not_found(id))?;
            id.to_string()
        }
        None => match def.id.as_deref().map(uuid::Uuid::parse_str) {
            None => uuid::Uuid::new_v4().to_string(),
            Some(Ok(u)) => {
                let id = u.to_string();
                if store::report::get(&conn, &id)?.is_some() {
                    return Err(EditError::Conflict(format!(
                        "a report with id `{id}` exists: PUT to change it"
                    )));
                }
                id
            }
            Some(Err(_)) => return Err(invalid("id", "must be a UUID (or left out)")),
        },
    };
    if let Some(other) = store::report::find(&conn, &def.name)? {
        if other.id != id {
            return Err(invalid(
                "name",
                format!("a report named `{}` exists already", def.name),
            ));
        }
    }
    check_dashboards(&conn, &id, &def)?;
    def.id = Some(id.clone());
    store::report::upsert(&conn, &id, &def, false)?;
    store::report::get(&conn, &id)?.ok_or_else(|| not_found(&id))
}

/// Deletes a report no schedule or dashboard uses.
pub fn delete(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    store::report::get(&conn, id)?.ok_or_else(|| not_found(id))?;
    let mut users: Vec<String> = store::schedule::list(&conn)?
        .into_iter()
        .filter(|s| s.report_id == id)
        .map(|s| format!("schedule `{}`", s.name))
        .collect();
    users.extend(
        store::dashboard::list(&conn)?
            .into_iter()
            .filter(|d| d.report_id == id)
            .map(|d| format!("dashboard `{}`", d.name)),
    );
    if !users.is_empty() {
        return Err(EditError::Conflict(format!(
            "the report is used by {}: delete or change them first",
            users.join(", ")
        )));
    }
    store::report::delete(&conn, id)?;
    Ok(())
}

/// `validate()` says "field: message".
fn split(e: String) -> EditError {
    match e.split_once(": ") {
        Some((field, message)) => invalid(field, message),
        None => invalid("definition", e),
    }
}

/// Prepares every query on the report's data source and checks each visualization's columns.
fn check_queries(ctx: &Ctx, def: &ReportDefinition) -> Result<(), EditError> {
    let pool = ctx.store.source(&def.data_source).ok_or_else(|| {
        invalid(
            "dataSource",
            format!("no data source named `{}`", def.data_source),
        )
    })?;
    let conn = pool.get()?;
    let bounds = ctx.bounds();
    let mut columns: HashMap<Option<&str>, Vec<String>> = HashMap::new();
    let mut named: Vec<(Option<&str>, QuerySource, String)> = Vec::new();
    let top_level = def.query.is_some() || def.builder.is_some();
    if let Some(source) = def.query_source(None).filter(|_| top_level) {
        let field = if def.builder.is_some() {
            "builder"
        } else {
            "query"
        };
        named.push((None, source, field.into()));
    }
    for name in def.queries.keys() {
        if let Some(source) = def.query_source(Some(name)) {
            let field = match source {
                QuerySource::Sql(_) => format!("queries.{name}.query"),
                QuerySource::Builder(_) => format!("queries.{name}.builder"),
            };
            named.push((Some(name), source, field));
        }
    }
    for (name, source, field) in named {
        // A builder's errors name their own field (`builder.measures[0].field`).
        let (sql, _) =
            crate::report::builder::sql_of(&conn, source, &def.parameters).map_err(|e| {
                let e = match field.strip_suffix(".builder") {
                    Some(prefix) => format!("{prefix}.{e}"),
                    None => e,
                };
                split(e)
            })?;
        let cols =
            query::validate(&conn, &sql, bounds).map_err(|e| invalid(field, e.to_string()))?;
        columns.insert(name, cols);
    }
    for v in &def.visualizations {
        let key = match v.query.as_deref() {
            Some(n) => Some(n),
            None if top_level => None,
            None => def.queries.keys().next().map(String::as_str),
        };
        if let Some(cols) = columns.get(&key) {
            check_mapping(v, cols)?;
        }
    }
    Ok(())
}

/// Every column a visualization names must be one its query returns.
fn check_mapping(v: &Visualization, columns: &[String]) -> Result<(), EditError> {
    let m = &v.data_mapping;
    let mapped = [
        ("x", &m.x),
        ("y", &m.y),
        ("series", &m.series),
        ("value", &m.value),
        ("label", &m.label),
        ("open", &m.open),
        ("high", &m.high),
        ("low", &m.low),
        ("close", &m.close),
    ];
    let fields = mapped
        .into_iter()
        .filter_map(|(k, c)| c.as_deref().map(|c| (format!("dataMapping.{k}"), c)))
        .chain(
            v.options
                .compare
                .as_deref()
                .map(|c| ("options.compare".to_string(), c)),
        )
        .chain(
            v.options
                .column_formats
                .keys()
                .map(|c| (format!("options.columnFormats.{c}"), c.as_str())),
        )
        .chain(
            v.options
                .column_labels
                .keys()
                .map(|c| (format!("options.columnLabels.{c}"), c.as_str())),
        );
    for (field, column) in fields {
        if !columns.iter().any(|c| c == column) {
            return Err(invalid(
                format!("visualizations.{}.{field}", v.id),
                format!(
                    "the query returns no column `{column}` (it returns {})",
                    columns.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A dashboard shows visualizations of its report by id: a change must keep them.
fn check_dashboards(
    conn: &rusqlite::Connection,
    id: &str,
    def: &ReportDefinition,
) -> Result<(), EditError> {
    for d in store::dashboard::list(conn)?
        .into_iter()
        .filter(|d| d.report_id == id)
    {
        if let Some(w) = d.widgets.iter().find(|w| def.visualization(w).is_none()) {
            return Err(invalid(
                "visualizations",
                format!(
                    "`{w}` is shown on dashboard `{}` and cannot be removed",
                    d.name
                ),
            ));
        }
    }
    Ok(())
}
