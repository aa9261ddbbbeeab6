//! Text blocks of a layout: a sentence with values from the result, e.g.
//! `Revenue was {{ kpis.revenue.value }} ({{ kpis.revenue.change }} on the period before).`
//! A run fills them from what it built (`run::context`, rendered by `template.rs`); here, a
//! description filled from a report's queries without running it all (a dashboard's).

pub use super::template::describe_report;
use serde_json::{json, Value};

/// The names `source` quotes as `queries.<name>`.
fn quoted_queries(source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, _) in source.match_indices("queries.") {
        let name: String = source[i + 8..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// `source` (a dashboard's description) filled from the report of `req` without running it
/// all: its resolved parameters as `params`, and the first row of each of its named queries
/// that `source` quotes as `queries.<name>`, each run once (through the cache). Where a
/// query cannot run, `queries` lacks it (a template can ask `queries.x is defined`); a
/// parameter that cannot be resolved leaves `params` as given.
pub fn describe_from_queries<'c>(
    conn: impl Into<crate::data::source::Db<'c>>,
    req: &super::run::Request,
    source: &str,
) -> String {
    if !source.contains("{{") && !source.contains("{%") {
        return source.to_string();
    }
    let conn = conn.into();
    let def = req.definition;
    let mut results = std::collections::HashMap::new();
    let params = match super::params::resolve(&def.parameters, req.params, req.today) {
        Ok(resolved) => {
            for name in quoted_queries(source) {
                let Some(q) = def.query_source(Some(&name)) else {
                    continue;
                };
                let Ok((sql, values)) =
                    super::run::prepare(conn, def, q, &resolved.values, req.today, &name)
                else {
                    continue;
                };
                if let Ok(rs) =
                    crate::data::cache::fetch(conn, req.cache, &sql, &values, None, req.bounds)
                {
                    results.insert(Some(name), rs);
                }
            }
            serde_json::to_value(&resolved.values).unwrap_or_default()
        }
        Err(_) => json!(req.params),
    };
    let mut ctx = json!({
        "report": { "name": def.name },
        "params": params,
        "kpis": {},
        "tables": {},
    });
    ctx["queries"] = Value::Object(super::run::first_rows(&results));
    describe_report(source, &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queries_a_description_quotes_are_named_once_each() {
        assert_eq!(
            quoted_queries("{{ queries.kpis.a }} {{ queries.kpis.b }} {{ queries.daily_2.c }}"),
            ["kpis", "daily_2"]
        );
    }
}
