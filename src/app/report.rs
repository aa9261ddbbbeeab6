//! Creating, changing and deleting reports through the API. A definition is checked against
//! its data before anything is written: each query is prepared (never run) on its data source,
//! and every column a visualization maps must be one the query returns.

use crate::app::edit::{invalid, Author, EditError};
use crate::app::Ctx;
use crate::model::report::{QuerySource, ReportDefinition, Visualization};
use crate::model::version::Kept;
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
    author: &Author,
) -> Result<StoredReport, EditError> {
    def.name = def.name.trim().to_string();
    if let Some(id) = id {
        // Known before the check: a question built on itself is found by its id.
        def.id = Some(id.to_string());
    }
    check(ctx, &def)?;
    let conn = ctx.store.app.get()?;
    let stays = |before: &Option<String>| *before == def.collection_id;
    let id = match id {
        Some(id) => {
            let before = store::report::get(&conn, id)?.ok_or_else(|| not_found(id))?;
            let was = &before.definition.collection_id;
            crate::app::collection::check_edit(("report", id), was.as_deref(), &ctx.grants)?;
            // Moved (not saved where it is): they must be able to add to where it goes.
            if !stays(was) {
                crate::app::collection::check_target(
                    &conn,
                    def.collection_id.as_deref(),
                    &ctx.grants,
                )?;
            }
            id.to_string()
        }
        None if def.collection_id.is_some() => {
            crate::app::collection::check_target(&conn, def.collection_id.as_deref(), &ctx.grants)?;
            match def.id.as_deref().map(uuid::Uuid::parse_str) {
                Some(Ok(u)) if store::report::get(&conn, &u.to_string())?.is_some() => {
                    return Err(EditError::Conflict(format!(
                        "a report with id `{u}` exists: PUT to change it"
                    )))
                }
                Some(Ok(u)) => u.to_string(),
                Some(Err(_)) => return Err(invalid("id", "must be a UUID (or left out)")),
                None => uuid::Uuid::new_v4().to_string(),
            }
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
    let tx = conn
        .unchecked_transaction()
        .map_err(store::StoreError::from)?;
    let body = store::report::upsert(&tx, &id, &def, false)?;
    author.keep(&tx, Kept::Report, &id, &body, None)?;
    tx.commit().map_err(store::StoreError::from)?;
    store::report::get(&conn, &id)?.ok_or_else(|| not_found(&id))
}

/// Checks a definition as a save does before writing: what needs no data, then each query
/// prepared on its source and each visualization's columns.
pub fn check(ctx: &Ctx, def: &ReportDefinition) -> Result<(), EditError> {
    def.validate().map_err(split)?;
    let mut def = def.clone();
    let id = def.id.clone();
    let source = def.data_source.clone();
    let specs = def
        .builder
        .iter_mut()
        .map(|b| ("builder".to_string(), b))
        .chain(def.queries.iter_mut().filter_map(|(name, q)| {
            q.builder
                .as_mut()
                .map(|b| (format!("queries.{name}.builder"), b))
        }));
    for (field, spec) in specs {
        read_source(ctx, id.as_deref(), &source, spec)?
            .map_err(|m| split(m.replacen("builder", &field, 1)))?;
    }
    check_queries(ctx, &def)
}

/// Reads the saved question `spec` is built on (`builder.source`) into it, as loading a
/// stored report does (`store::report::resolve_spec`), once the caller may see that report
/// and it reads `data_source` as `spec` does. `id`: the report `spec` belongs to, if saved
/// (a question built on itself is refused). The inner result: what is wrong, to show.
pub fn read_source(
    ctx: &Ctx,
    id: Option<&str>,
    data_source: &str,
    spec: &mut crate::model::report::BuilderSpec,
) -> Result<Result<(), String>, EditError> {
    let Some(source) = &spec.source else {
        return Ok(Ok(()));
    };
    let conn = ctx.store.app.get()?;
    // A report they may not see is one that is not there.
    let missing = format!(
        "builder.source.report: no report with id `{}`",
        crate::model::text::truncate(&source.report, 80)
    );
    let Some(stored) = store::report::get(&conn, &source.report)? else {
        return Ok(Err(missing));
    };
    let inner = &stored.definition;
    if !ctx
        .grants
        .sees_report(&stored.id, inner.collection_id.as_deref())
    {
        return Ok(Err(missing));
    }
    if inner.data_source != data_source {
        return Ok(Err(format!(
            "builder.source.report: `{}` reads the data source `{}`; this question reads `{}`",
            inner.name, inner.data_source, data_source
        )));
    }
    store::report::resolve_spec(&conn, &mut vec![id.unwrap_or_default().to_string()], spec);
    Ok(spec
        .source
        .as_ref()
        .map_or(Ok(()), |s| s.nested().map(drop)))
}

/// Moves a report no schedule or dashboard uses to the trash.
pub fn delete(ctx: &Ctx, id: &str, author: &Author) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    let report = store::report::get(&conn, id)?.ok_or_else(|| not_found(id))?;
    let mut users: Vec<String> = store::schedule::list(&conn)?
        .into_iter()
        .filter(|s| s.report_id == id)
        .map(|s| format!("schedule `{}`", s.name))
        .collect();
    users.extend(
        super::dashboard::users_of(&conn, id)?
            .into_iter()
            .map(|(name, _)| format!("dashboard `{name}`")),
    );
    users.extend(
        store::report::list(&conn)?
            .into_iter()
            .filter(|r| r.definition.reads_question(id))
            .map(|r| format!("report `{}` (a question built on it)", r.definition.name)),
    );
    if !users.is_empty() {
        return Err(EditError::Conflict(format!(
            "the report is used by {}: delete or change them first",
            users.join(", ")
        )));
    }
    let body = serde_json::to_string(&report.definition).map_err(store::StoreError::from)?;
    let tx = conn
        .unchecked_transaction()
        .map_err(store::StoreError::from)?;
    store::version::trash(
        &tx,
        Kept::Report,
        id,
        &report.definition.name,
        &body,
        author.by.as_deref(),
    )?;
    store::report::delete(&tx, id)?;
    tx.commit().map_err(store::StoreError::from)?;
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
    let conn = pool.get(&ctx.sight)?;
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
        let sql = crate::report::run::engine_sql(conn.db(), def, source, sql).map_err(split)?;
        let cols = conn
            .db()
            .validate(&sql, bounds)
            .map_err(|e| invalid(field, e.to_string()))?;
        columns.insert(name, cols);
    }
    for (i, v) in def.visualizations.iter().enumerate() {
        let key = match v.query.as_deref() {
            Some(n) => Some(n),
            None if top_level => None,
            None => def.queries.keys().next().map(String::as_str),
        };
        check_mapping(i, v, columns.get(&key).map(Vec::as_slice))?;
    }
    Ok(())
}

/// A visualization must map every key its type draws (`VizType::mapping_keys`), and every
/// column it names must be one its query returns (when the query's columns are known).
/// Mapping errors name `visualizations[i].dataMapping.<key>` (the contract's words).
fn check_mapping(i: usize, v: &Visualization, columns: Option<&[String]>) -> Result<(), EditError> {
    if let Some((key, message)) = v.missing_mapping() {
        return Err(invalid(
            format!("visualizations[{i}].dataMapping.{key}"),
            format!("{message} (visualization `{}`)", v.id),
        ));
    }
    let Some(columns) = columns else {
        return Ok(());
    };
    for (k, c) in v.data_mapping.keys() {
        if !columns.iter().any(|have| have == c) {
            // The field by index (the contract's), the message by id (the reader's).
            return Err(invalid(
                format!("visualizations[{i}].dataMapping.{k}"),
                format!(
                    "`visualizations.{}.dataMapping.{k}` names `{c}`, a column the query does not return (it returns {})",
                    v.id,
                    columns.join(", ")
                ),
            ));
        }
    }
    let prices = ["open", "high", "low", "close"]
        .into_iter()
        .filter_map(|k| v.options.price(k).map(|c| (format!("options.{k}"), c)));
    let fields = prices
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
    for (name, vizs) in super::dashboard::users_of(conn, id)? {
        if let Some(w) = vizs.iter().find(|w| def.visualization(w).is_none()) {
            return Err(invalid(
                "visualizations",
                format!("`{w}` is shown on dashboard `{name}` and cannot be removed"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::VizType;
    use serde_json::json;

    const TYPES: [&str; 14] = [
        "table",
        "kpi",
        "line",
        "area",
        "bar",
        "hbar",
        "stacked_bar",
        "pie",
        "donut",
        "scatter",
        "heatmap",
        "candlestick",
        "histogram",
        "waterfall",
    ];

    fn viz(kind: &str, mapping: serde_json::Value, options: serde_json::Value) -> Visualization {
        serde_json::from_value(
            json!({ "id": "v", "type": kind, "dataMapping": mapping, "options": options }),
        )
        .unwrap()
    }

    fn columns() -> Vec<String> {
        [
            "day", "region", "channel", "revenue", "open", "high", "low", "close",
        ]
        .map(String::from)
        .to_vec()
    }

    /// A full mapping for `kind` in the contract's words.
    fn full(kind: VizType) -> serde_json::Value {
        let (required, optional) = kind.mapping_keys();
        fn column(k: &str) -> &str {
            match k {
                "x" => "day",
                "y" | "value" => "revenue",
                "label" => "region",
                "series" => "channel",
                other => other,
            }
        }
        required
            .iter()
            .chain(optional)
            .map(|k| (k.to_string(), json!(column(k))))
            .collect()
    }

    fn refused_field(v: &Visualization, columns: Option<&[String]>) -> Option<String> {
        match check_mapping(3, v, columns) {
            Err(EditError::Invalid { field, .. }) => Some(field),
            Err(e) => panic!("{e}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn each_type_needs_its_keys_and_names_the_one_left_out() {
        for t in TYPES {
            let kind: VizType = serde_json::from_value(json!(t)).unwrap();
            let v = viz(t, full(kind), json!({}));
            assert_eq!(refused_field(&v, Some(&columns())), None, "{t}");
            let (required, _) = kind.mapping_keys();
            for key in required {
                let mut m = full(kind);
                m.as_object_mut().unwrap().remove(*key);
                let v = viz(t, m, json!({}));
                assert_eq!(
                    refused_field(&v, None).as_deref(),
                    Some(format!("visualizations[3].dataMapping.{key}").as_str()),
                    "{t} without {key}"
                );
                // A misnamed key is refused by the model (`deny_unknown_fields`).
                let mut m = full(kind);
                let c = m.as_object_mut().unwrap().remove(*key).unwrap();
                m[format!("{key}s")] = c;
                let parsed: Result<Visualization, _> =
                    serde_json::from_value(json!({ "id": "v", "type": t, "dataMapping": m }));
                assert!(parsed.is_err(), "{t} {key}s");
            }
        }
    }

    #[test]
    fn several_measures_only_on_the_kinds_that_draw_them() {
        let ys = json!({ "x": "region", "y": ["revenue", "open"] });
        for t in ["bar", "stacked_bar", "line", "area"] {
            assert_eq!(
                refused_field(&viz(t, ys.clone(), json!({})), Some(&columns())),
                None,
                "{t}"
            );
        }
        for t in ["hbar", "pie", "waterfall"] {
            assert_eq!(
                refused_field(&viz(t, ys.clone(), json!({})), None).as_deref(),
                Some("visualizations[3].dataMapping.y"),
                "{t}"
            );
        }
    }

    #[test]
    fn pies_take_label_and_value_or_x_and_y() {
        for m in [
            json!({ "label": "region", "value": "revenue" }),
            json!({ "x": "region", "y": "revenue" }),
            json!({ "label": "region", "y": "revenue" }),
        ] {
            assert_eq!(
                refused_field(&viz("pie", m.clone(), json!({})), Some(&columns())),
                None,
                "{m}"
            );
        }
        assert_eq!(
            refused_field(
                &viz("donut", json!({ "value": "revenue" }), json!({})),
                None
            )
            .as_deref(),
            Some("visualizations[3].dataMapping.label")
        );
        assert_eq!(
            refused_field(
                &viz(
                    "pie",
                    json!({ "label": "region", "value": "profit" }),
                    json!({})
                ),
                Some(&columns())
            )
            .as_deref(),
            Some("visualizations[3].dataMapping.value")
        );
    }

    #[test]
    fn a_histogram_takes_x_or_value_and_a_candlestick_its_prices_from_options() {
        for m in [
            json!({ "x": "revenue" }),
            json!({ "value": "revenue" }),
            json!({ "y": "revenue" }),
        ] {
            assert_eq!(
                refused_field(&viz("histogram", m, json!({})), Some(&columns())),
                None
            );
        }
        let prices = json!({ "open": "open", "high": "high", "low": "low", "close": "close" });
        assert_eq!(
            refused_field(
                &viz("candlestick", json!({ "x": "day" }), prices.clone()),
                Some(&columns())
            ),
            None
        );
        let mut bad = prices;
        bad["close"] = json!("nope");
        assert_eq!(
            refused_field(
                &viz("candlestick", json!({ "x": "day" }), bad),
                Some(&columns())
            )
            .as_deref(),
            Some("visualizations.v.options.close")
        );
    }

    #[test]
    fn a_mapped_column_the_query_does_not_return_is_named_by_index_and_id() {
        let v = viz("bar", json!({ "x": "region", "y": "profit" }), json!({}));
        match check_mapping(0, &v, Some(&columns())) {
            Err(EditError::Invalid { field, message }) => {
                assert_eq!(field, "visualizations[0].dataMapping.y");
                assert!(
                    message.contains("`visualizations.v.dataMapping.y` names `profit`"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
