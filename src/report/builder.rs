//! `builder` specs compiled to SQL. Every identifier is checked against the dataset's columns
//! (and the measures' names) and then quoted; every value is bound as a parameter, never
//! spliced: literals as `:quire_b<N>`, `{"param": "name"}` as the report's `:name`.

use crate::data::query::{ParamValue, Params};
use crate::model::report::{
    Aggregation, BuilderSpec, FilterOp, ParameterDef, QuerySource, SortDir,
};
use rusqlite::Connection;
use serde_json::Value;
use std::borrow::Cow;

/// Most values an `in` filter may list.
const MAX_IN: usize = 1000;
/// Largest `limit`.
const MAX_LIMIT: u32 = 1_000_000;

/// A compiled query: its SQL and the values of its literals.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub values: Params,
}

/// The SQL of a query and the values it binds besides the report's parameters. A builder is
/// compiled against the columns its dataset has on `conn` now. Errors name the field.
pub fn sql_of<'a>(
    conn: &Connection,
    source: QuerySource<'a>,
    params: &[ParameterDef],
) -> Result<(Cow<'a, str>, Params), String> {
    match source {
        QuerySource::Sql(sql) => Ok((Cow::Borrowed(sql), Params::new())),
        QuerySource::Builder(spec) => {
            let columns = dataset_columns(conn, &spec.dataset)?;
            let c = compile(spec, &columns, params)?;
            Ok((Cow::Owned(c.sql), c.values))
        }
    }
}

/// A plain SQL identifier: letters, digits and `_`, not starting with a digit.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

/// The columns of a dataset, read from the table itself.
pub fn dataset_columns(conn: &Connection, dataset: &str) -> Result<Vec<String>, String> {
    if !plain(dataset) || dataset.starts_with("sqlite_") || dataset.starts_with("quire_") {
        return Err(format!(
            "builder.dataset: `{}` is not a dataset name",
            crate::model::text::truncate(dataset, 60)
        ));
    }
    let stmt = conn
        .prepare(&format!("SELECT * FROM {} LIMIT 0", quote(dataset)))
        .map_err(|_| format!("builder.dataset: no dataset named `{dataset}`"))?;
    Ok(stmt.column_names().iter().map(|c| c.to_string()).collect())
}

/// Compiles `spec` over a dataset with `columns`; `params` are the report's parameters.
pub fn compile(
    spec: &BuilderSpec,
    columns: &[String],
    params: &[ParameterDef],
) -> Result<Compiled, String> {
    let column = |field: &str, at: String| -> Result<String, String> {
        if columns.iter().any(|c| c == field) {
            Ok(quote(field))
        } else {
            Err(format!(
                "{at}: the dataset `{}` has no column `{}` (it has {})",
                spec.dataset,
                crate::model::text::truncate(field, 60),
                columns.join(", ")
            ))
        }
    };
    if spec.dimensions.is_empty() && spec.measures.is_empty() {
        return Err("builder: give at least one dimension or measure".into());
    }
    let mut select = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    let mut group = Vec::new();
    for (i, d) in spec.dimensions.iter().enumerate() {
        let c = column(d, format!("builder.dimensions[{i}]"))?;
        select.push(c.clone());
        group.push(c);
        outputs.push(d.clone());
    }
    for (i, m) in spec.measures.iter().enumerate() {
        let at = format!("builder.measures[{i}]");
        let agg = match m.agg {
            Aggregation::Sum => "total",
            Aggregation::Avg => "avg",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
            Aggregation::Count | Aggregation::CountDistinct => "count",
        };
        let expr = match (m.agg, m.field.as_str()) {
            (Aggregation::Count, "*") => "count(*)".to_string(),
            (Aggregation::CountDistinct, f) => {
                format!("count(DISTINCT {})", column(f, format!("{at}.field"))?)
            }
            (_, f) => format!("{agg}({})", column(f, format!("{at}.field"))?),
        };
        let name = match &m.alias {
            Some(a) if plain(a) => a.clone(),
            Some(a) => {
                return Err(format!(
                    "{at}.as: `{}` is not a plain name (letters, digits, _)",
                    crate::model::text::truncate(a, 60)
                ))
            }
            None => {
                let field = if m.field == "*" {
                    "all"
                } else {
                    m.field.as_str()
                };
                let agg = serde_json::to_value(m.agg).expect("an enum serialises");
                format!("{}_{field}", agg.as_str().unwrap_or("agg"))
            }
        };
        if outputs.contains(&name) {
            return Err(format!(
                "{at}.as: `{name}` is already a column of the result"
            ));
        }
        select.push(format!("{expr} AS {}", quote(&name)));
        outputs.push(name);
    }

    let mut values = Params::new();
    let mut conditions = Vec::new();
    for (i, f) in spec.filters.iter().enumerate() {
        let at = format!("builder.filters[{i}]");
        let c = column(&f.field, format!("{at}.field"))?;
        let mut bind = |v: &Value| -> Result<String, String> {
            if let Some(name) = v.get("param").and_then(Value::as_str) {
                return if params.iter().any(|p| p.name == name) {
                    Ok(format!(":{name}"))
                } else {
                    Err(format!("{at}.value: the report has no parameter `{name}`"))
                };
            }
            let value = match v {
                Value::String(s) => ParamValue::Text(s.clone()),
                Value::Bool(b) => ParamValue::Int(*b as i64),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => ParamValue::Int(i),
                    None => ParamValue::Real(n.as_f64().unwrap_or(0.0)),
                },
                _ => {
                    return Err(format!(
                        "{at}.value: give a string, a number, a boolean or {{\"param\": name}}"
                    ))
                }
            };
            let name = format!("quire_b{}", values.len());
            values.insert(name.clone(), value);
            Ok(format!(":{name}"))
        };
        let cond = match f.op {
            FilterOp::IsNull => format!("{c} IS NULL"),
            FilterOp::NotNull => format!("{c} IS NOT NULL"),
            FilterOp::In => {
                let list = f
                    .value
                    .as_array()
                    .filter(|l| (1..=MAX_IN).contains(&l.len()))
                    .ok_or_else(|| {
                        format!("{at}.value: `in` takes a list of 1 to {MAX_IN} values")
                    })?;
                let bound: Result<Vec<String>, String> = list.iter().map(&mut bind).collect();
                format!("{c} IN ({})", bound?.join(", "))
            }
            FilterOp::Contains => format!("instr(CAST({c} AS TEXT), {}) > 0", bind(&f.value)?),
            op => {
                let sign = match op {
                    FilterOp::Eq => "=",
                    FilterOp::Ne => "<>",
                    FilterOp::Lt => "<",
                    FilterOp::Lte => "<=",
                    FilterOp::Gt => ">",
                    _ => ">=",
                };
                format!("{c} {sign} {}", bind(&f.value)?)
            }
        };
        conditions.push(cond);
    }

    let mut order = Vec::new();
    for (i, s) in spec.sort.iter().enumerate() {
        if !outputs.contains(&s.field) {
            return Err(format!(
                "builder.sort[{i}].field: `{}` is not a column of the result (it has {})",
                crate::model::text::truncate(&s.field, 60),
                outputs.join(", ")
            ));
        }
        let dir = if s.dir == SortDir::Desc {
            "DESC"
        } else {
            "ASC"
        };
        order.push(format!("{} {dir}", quote(&s.field)));
    }

    let mut sql = format!("SELECT {} FROM {}", select.join(", "), quote(&spec.dataset));
    if !conditions.is_empty() {
        sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    if !group.is_empty() && !spec.measures.is_empty() {
        sql.push_str(&format!(" GROUP BY {}", group.join(", ")));
    } else if !group.is_empty() {
        sql = sql.replacen("SELECT ", "SELECT DISTINCT ", 1);
    }
    if !order.is_empty() {
        sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
    }
    if let Some(limit) = spec.limit {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(format!("builder.limit: must be 1 to {MAX_LIMIT}"));
        }
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    Ok(Compiled { sql, values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::{Filter, Measure, SortKey};
    use serde_json::json;

    fn columns() -> Vec<String> {
        ["region", "product", "revenue", "units", "order_date"]
            .map(String::from)
            .to_vec()
    }

    fn spec(v: Value) -> BuilderSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn dimensions_measures_filters_sort_and_limit_become_bound_sql() {
        let s = spec(json!({
            "dataset": "sales",
            "dimensions": ["region"],
            "measures": [
                { "field": "revenue", "agg": "sum", "as": "revenue" },
                { "field": "*", "agg": "count" },
                { "field": "product", "agg": "count_distinct" }
            ],
            "filters": [
                { "field": "units", "op": "gte", "value": 2 },
                { "field": "region", "op": "in", "value": ["North", "O'Brien\"; DROP TABLE x"] },
                { "field": "order_date", "op": "gte", "value": { "param": "since" } }
            ],
            "sort": [{ "field": "revenue", "dir": "desc" }],
            "limit": 5
        }));
        let since: ParameterDef =
            serde_json::from_value(json!({ "name": "since", "type": "date" })).unwrap();
        let c = compile(&s, &columns(), &[since]).unwrap();
        assert_eq!(
            c.sql,
            "SELECT \"region\", total(\"revenue\") AS \"revenue\", count(*) AS \"count_all\", \
             count(DISTINCT \"product\") AS \"count_distinct_product\" FROM \"sales\" \
             WHERE \"units\" >= :quire_b0 AND \"region\" IN (:quire_b1, :quire_b2) \
             AND \"order_date\" >= :since GROUP BY \"region\" ORDER BY \"revenue\" DESC LIMIT 5"
        );
        assert_eq!(c.values["quire_b0"], ParamValue::Int(2));
        assert_eq!(
            c.values["quire_b2"],
            ParamValue::Text("O'Brien\"; DROP TABLE x".into())
        );
    }

    #[test]
    fn unknown_identifiers_and_bad_values_name_the_field() {
        let base = || BuilderSpec {
            dataset: "sales".into(),
            dimensions: vec!["region".into()],
            measures: vec![Measure {
                field: "revenue".into(),
                agg: Aggregation::Sum,
                alias: None,
            }],
            filters: vec![],
            sort: vec![],
            limit: None,
        };
        let mut s = base();
        s.dimensions = vec!["region\" FROM x; --".into()];
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .starts_with("builder.dimensions[0]"));
        let mut s = base();
        s.measures[0].field = "profit".into();
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .contains("no column `profit`"));
        let mut s = base();
        s.measures[0].alias = Some("a b".into());
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .starts_with("builder.measures[0].as"));
        let mut s = base();
        s.sort = vec![SortKey {
            field: "units".into(),
            dir: SortDir::Asc,
        }];
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .starts_with("builder.sort[0].field"));
        let mut s = base();
        s.filters = vec![Filter {
            field: "units".into(),
            op: FilterOp::In,
            value: json!([]),
        }];
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .starts_with("builder.filters[0].value"));
        let mut s = base();
        s.filters = vec![Filter {
            field: "units".into(),
            op: FilterOp::Eq,
            value: json!({ "param": "nope" }),
        }];
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .contains("no parameter `nope`"));
        let mut s = base();
        s.filters = vec![Filter {
            field: "units".into(),
            op: FilterOp::Eq,
            value: json!([1]),
        }];
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .starts_with("builder.filters[0].value"));
        let mut s = base();
        s.limit = Some(0);
        assert!(compile(&s, &columns(), &[])
            .unwrap_err()
            .starts_with("builder.limit"));
        let mut s = base();
        s.dimensions.clear();
        s.measures.clear();
        assert!(compile(&s, &columns(), &[]).is_err());
        // Dimensions alone give the distinct combinations.
        let mut s = base();
        s.measures.clear();
        assert_eq!(
            compile(&s, &columns(), &[]).unwrap().sql,
            "SELECT DISTINCT \"region\" FROM \"sales\""
        );
    }
}
