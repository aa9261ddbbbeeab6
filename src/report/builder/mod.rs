//! `builder` specs compiled to SQL. Every identifier is checked against the dataset's fields
//! (and the result's column names) and then quoted; every value is bound, never spliced:
//! literals as `:quire_b<N>`, a report parameter (`"{name}"` or `{"param": "name"}`) as the
//! report's `:name`. Errors are `field.path: message` (`builder.filters[2].value: …`).
//!
//! The SQL is spelled through a [`Dialect`] (SQLite or PostgreSQL, by the source's engine) so
//! another database changes only `dialect.rs`.
//!
//! Dates: `last_n_days` counts back from the report's day, which is bound as a value (never
//! SQLite's `date('now')`): a run as of a given day gives the same rows whenever it runs, and
//! the result cache, keyed by SQL and values, cannot serve yesterday's window today.

mod columns;
mod compile;
mod dialect;
mod expr;
mod fields;
mod filter;
mod rows;

pub use columns::NESTED;
pub use compile::{compile, compile_for, compile_joined, compile_read};
pub use dialect::Dialect;
pub use expr::{names as expr_names, rename as rename_in_expr};
pub use fields::{fields, Field, FieldKind};
pub use filter::incomplete;
pub use rows::compile_rows;

use crate::data::query::Params;
use crate::data::source::Db;
use crate::model::report::{ParameterDef, QuerySource};
use chrono::NaiveDate;
#[cfg(test)]
use rusqlite::Connection;
use std::borrow::Cow;

/// A compiled query: its SQL, the values of its literals and the columns it returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub values: Params,
    pub columns: Vec<Field>,
}

/// A saved question compiled for the question built on it (`builder.source`): the SELECT its
/// FROM reads, with the values it binds, and its columns, which are that question's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Inner {
    pub sql: String,
    pub values: Params,
    pub fields: Vec<Field>,
}

/// The saved question `spec` reads (`spec.source`), compiled in `d` on `db` for its reader
/// (row policies apply inside it as anywhere), as of `today`; None when `spec` reads a
/// dataset. `params` are the parameters of the question built on it: a value `"{name}"` in
/// `source.parameters` passes that one on; None when only the columns are wanted (they do
/// not depend on what is passed on, which is then taken as given). The inner question's own
/// placeholders are renamed (`quire_n_…`) so that they never meet the outer one's.
pub fn inner(
    db: Db<'_>,
    spec: &crate::model::report::BuilderSpec,
    d: Dialect,
    params: Option<&[ParameterDef]>,
    today: NaiveDate,
) -> Result<Option<Inner>, String> {
    let Some(source) = &spec.source else {
        return Ok(None);
    };
    if !spec.dataset.is_empty() {
        return Err(
            "builder.source: a question reads a dataset or a saved question, not both".into(),
        );
    }
    let n = source.nested()?;
    let at = |e: String| match e.strip_prefix("builder.") {
        Some(rest) => format!("builder.source.report: in `{}`: {rest}", n.name),
        None => format!("builder.source.report: in `{}`: {e}", n.name),
    };
    let deeper = inner(db, &n.spec, d, Some(&n.parameters), today).map_err(at)?;
    let fields = match &deeper {
        Some(q) => q.fields.clone(),
        None => fields(db, &n.spec.dataset).map_err(at)?,
    };
    let joined = joined_fields(db, &n.spec).map_err(at)?;
    let c = compile_read(
        d,
        &n.spec,
        (&fields, &joined),
        &n.parameters,
        today,
        db.reader(),
        deeper.as_ref(),
    )
    .map_err(at)?;
    // Its parameters: passed on, given, or their defaults.
    let mut given = std::collections::BTreeMap::new();
    let mut passed = std::collections::BTreeMap::new();
    for (name, value) in &source.parameters {
        let here = format!("builder.source.parameters.{}", shown(name));
        if !n.parameters.iter().any(|p| &p.name == name) {
            return Err(format!("{here}: `{}` has no such parameter", n.name));
        }
        match value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
            Some(outer) if params.is_none_or(|ps| ps.iter().any(|p| p.name == outer)) => {
                passed.insert(name.clone(), outer.to_string());
            }
            Some(outer) => {
                return Err(format!(
                    "{here}: this question has no parameter `{}` to pass on",
                    shown(outer)
                ))
            }
            None => {
                given.insert(name.clone(), value.clone());
            }
        }
    }
    let resolved = crate::report::params::resolve(&n.parameters, &given, today).or_else(|e| {
        match passed.contains_key(&e.name) {
            // Required, and passed on: resolved without it.
            true => {
                let mut defs = n.parameters.clone();
                defs.retain(|p| !passed.contains_key(&p.name));
                crate::report::params::resolve(&defs, &given, today)
            }
            false => Err(e),
        }
    });
    let resolved = resolved.map_err(|e| {
        format!(
            "builder.source.parameters.{}: {}",
            shown(&e.name),
            e.message
        )
    })?;
    let mut values = Params::new();
    let sql = crate::data::placeholders::map(crate::data::source::untagged(&c.sql), |name| {
        if let Some(outer) = passed.get(name) {
            return d.placeholder(outer);
        }
        let renamed = format!("quire_n_{name}");
        let value = c
            .values
            .get(name)
            .or_else(|| resolved.values.get(name))
            .cloned()
            .unwrap_or(crate::data::query::ParamValue::Null);
        values.insert(renamed.clone(), value);
        d.placeholder(&renamed)
    });
    Ok(Some(Inner {
        sql,
        values,
        fields: c.columns,
    }))
}

/// The fields `spec` reads: its dataset's on `db`, or the columns of the saved question it is
/// built on, compiled in `d`.
pub fn spec_fields(
    db: Db<'_>,
    spec: &crate::model::report::BuilderSpec,
    d: Dialect,
    today: NaiveDate,
) -> Result<Vec<Field>, String> {
    match inner(db, spec, d, None, today)? {
        Some(q) => Ok(q.fields),
        None => fields(db, &spec.dataset),
    }
}

/// The SQL of a query and the values it binds besides the report's parameters, as of today
/// (UTC), the day interactive runs use. See [`sql_of_as_of`].
pub fn sql_of<'a, 'c>(
    conn: impl Into<Db<'c>>,
    source: QuerySource<'a>,
    params: &[ParameterDef],
) -> Result<(Cow<'a, str>, Params), String> {
    sql_of_as_of(conn, source, params, chrono::Utc::now().date_naive())
}

/// The SQL of a query and the values it binds besides the report's parameters. A builder is
/// compiled against the fields its dataset has on `conn` now, in the SQL of `conn`'s engine;
/// `today` is the report's day, which `last_n_days` counts back from. Errors name the field.
pub fn sql_of_as_of<'a, 'c>(
    conn: impl Into<Db<'c>>,
    source: QuerySource<'a>,
    params: &[ParameterDef],
    today: NaiveDate,
) -> Result<(Cow<'a, str>, Params), String> {
    let db = conn.into();
    match source {
        QuerySource::Sql(sql) => Ok((Cow::Borrowed(sql), Params::new())),
        QuerySource::Builder(spec) => {
            let d = Dialect::of(engine(db, spec));
            let nested = inner(db, spec, d, Some(params), today)?;
            let fields = match &nested {
                Some(q) => q.fields.clone(),
                None => fields(db, &spec.dataset)?,
            };
            let joined = joined_fields(db, spec)?;
            let c = compile_read(
                d,
                spec,
                (&fields, &joined),
                params,
                today,
                db.reader(),
                nested.as_ref(),
            )?;
            Ok((Cow::Owned(c.sql), c.values))
        }
    }
}

/// The SQL of the dataset rows behind a builder spec (see [`compile_rows`]) and its values.
pub fn rows_sql(
    db: Db<'_>,
    spec: &crate::model::report::BuilderSpec,
    params: &[ParameterDef],
    today: NaiveDate,
) -> Result<Compiled, String> {
    // Rows in the table's order, a page at a time: SQLite's, on its indexes.
    let d = Dialect::of(db.engine());
    let nested = inner(db, spec, d, Some(params), today)?;
    let fields = match &nested {
        Some(q) => q.fields.clone(),
        None => fields(db, &spec.dataset)?,
    };
    let joined = joined_fields(db, spec)?;
    compile_rows(
        d,
        spec,
        &fields,
        &joined,
        params,
        today,
        db.reader(),
        nested.as_ref(),
    )
}

/// The fields of each dataset `spec` joins, in order. Errors name the join.
pub fn joined_fields(
    db: Db<'_>,
    spec: &crate::model::report::BuilderSpec,
) -> Result<Vec<Vec<Field>>, String> {
    spec.joins
        .iter()
        .enumerate()
        .map(|(i, j)| {
            fields(db, &j.dataset).map_err(|e| {
                let why = e
                    .strip_prefix("builder.dataset: ")
                    .unwrap_or(&e)
                    .to_string();
                format!("builder.joins[{i}].dataset: {why}")
            })
        })
        .collect()
}

/// The engine that answers `spec`: the columnar engine when it has every dataset the spec
/// reads, else the source's own.
fn engine(db: Db<'_>, spec: &crate::model::report::BuilderSpec) -> crate::data::source::Engine {
    let first = match spec.source.as_ref().map(|s| s.nested()) {
        Some(Ok(n)) => engine(db, &n.spec),
        Some(Err(_)) => db.engine(),
        None => db.engine_for(&spec.dataset),
    };
    match spec
        .joins
        .iter()
        .all(|j| db.engine_for(&j.dataset) == first)
    {
        true => first,
        false => db.engine(),
    }
}

/// A table of `db` as its reader may see it (see [`readable`]).
pub struct Readable {
    /// A FROM item: the table, or the rows of it their row policies allow (named as the table).
    pub from: String,
    /// The values `from` binds.
    pub values: Params,
    /// What SQL reading `from` starts with: it was written for this reader.
    pub tag: &'static str,
}

/// The table `name` of `db` as the connection's reader may see it, in `db`'s own SQL (the
/// builder's helpers read a table's values this way: the hints and pickers of a restricted
/// reader show only the values of their rows).
pub fn readable(db: Db<'_>, name: &str) -> Result<Readable, String> {
    let d = Dialect::of(db.engine());
    let Some(reader) = db.reader() else {
        return Ok(Readable {
            from: d.table(name),
            values: Params::new(),
            tag: "",
        });
    };
    let fields = fields(db, name)?;
    let mut b = filter::Binder::new(d, &[]);
    b.reader = Some((reader, chrono::Utc::now().date_naive()));
    let from = match columns::relation(&mut b, name, &fields) {
        Some(rows) => format!("{rows} AS {}", d.quote(name)),
        None => d.table(name),
    };
    Ok(Readable {
        from,
        values: b.values,
        tag: crate::data::source::sighted_tag(),
    })
}

/// Checks a row policy's filter against the fields of `dataset` on `db`, as it will be
/// compiled (`"{name}"` is text there, not a parameter). A value quoting an attribute
/// (`{{user.<key>}}`) is checked with `sample` in its place. Errors name `filter.<key>`.
pub fn check_row_filter(
    db: Db<'_>,
    dataset: &str,
    filter: &crate::model::report::Filter,
    sample: &serde_json::Value,
) -> Result<(), String> {
    let fields = fields(db, dataset).map_err(|m| {
        m.strip_prefix("builder.")
            .map(|rest| rest.to_string())
            .unwrap_or(m)
    })?;
    let field = fields
        .iter()
        .find(|f| f.name == filter.field)
        .ok_or_else(|| {
            format!(
                "filter.field: `{dataset}` has no column `{}` (it has {})",
                shown(&filter.field),
                fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let col = fields::Column {
        field: field.clone(),
        sql: Dialect::Sqlite.quote(&field.name),
        calculated: false,
    };
    let mut b = filter::Binder::new(Dialect::Sqlite, &[]);
    b.literal_only = true;
    let checked = crate::model::report::Filter {
        value: sample.clone(),
        ..filter.clone()
    };
    filter::condition(&mut b, &checked, &col, 0, chrono::Utc::now().date_naive())
        .map(drop)
        .map_err(|m| m.replacen("builder.filters[0]", "filter", 1))
}

/// For a spec with joins, the SQL that counts its dataset's rows and the rows after its joins
/// (filters apart), in the SQL of the engine that answers the spec.
pub fn join_counts<'c>(
    db: impl Into<Db<'c>>,
    spec: &crate::model::report::BuilderSpec,
) -> Result<Option<[String; 2]>, String> {
    if spec.joins.is_empty() || spec.source.is_some() {
        return Ok(None);
    }
    let db = db.into();
    let hidden = |t: &str| db.reader().is_some_and(|r| r.rows(t).is_some());
    if hidden(&spec.dataset) || spec.joins.iter().any(|j| hidden(&j.dataset)) {
        // Counted under row policies these would need their values: not shown.
        return Ok(None);
    }
    let d = Dialect::of(engine(db, spec));
    let read = scope_on(db, spec, d)?;
    let tag = match d {
        Dialect::Columnar => crate::data::source::columnar_tag(),
        _ => "",
    };
    Ok(Some([
        format!("{tag}SELECT count(*) FROM {}", d.table(&spec.dataset)),
        format!("{tag}SELECT count(*) FROM {}", read.from),
    ]))
}

/// The calculated columns of `spec` and what each holds, its dataset's fields read on `db`.
pub fn calculated<'c>(
    db: impl Into<Db<'c>>,
    spec: &crate::model::report::BuilderSpec,
) -> Result<Vec<Field>, String> {
    if spec.expressions.is_empty() {
        return Ok(Vec::new());
    }
    let db = db.into();
    Ok(scope_on(db, spec, Dialect::of(db.engine()))?
        .columns
        .into_iter()
        .filter(|c| c.calculated)
        .map(|c| c.field)
        .collect())
}

/// The columns and FROM of `spec` over the fields its datasets have on `db`, in `d`.
fn scope_on(
    db: Db<'_>,
    spec: &crate::model::report::BuilderSpec,
    d: Dialect,
) -> Result<columns::Scope, String> {
    let nested = inner(db, spec, d, None, chrono::Utc::now().date_naive())?;
    let fields = match &nested {
        Some(q) => q.fields.clone(),
        None => fields(db, &spec.dataset)?,
    };
    let joined = joined_fields(db, spec)?;
    let mut b = filter::Binder::new(d, &[]);
    b.inner = nested.as_ref();
    columns::scope(&mut b, spec, &fields, &joined)
}

/// A plain SQL identifier: letters, digits and `_`, not starting with a digit.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// User text quoted back in an error: at most 60 characters, control characters replaced.
fn shown(text: &str) -> String {
    let head: String = text
        .chars()
        .take(61)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    crate::model::text::truncate(&head, 60)
}

/// What the tests of the compiler share: a small sales table in memory, the specs compiled
/// over it and the rows they return.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    pub(crate) use crate::data::query::{self, Cell, ParamValue};
    pub(crate) use crate::model::report::BuilderSpec;
    pub(crate) use serde_json::{json, Value};

    /// The orders: (day, region, product, units, revenue). One day has a time, one is missing;
    /// 2025-01-01 is a Wednesday, 2025-01-06 a Monday.
    pub(crate) const ROWS: &[(Option<&str>, &str, &str, i64, f64)] = &[
        (Some("2024-12-30"), "North", "plain", 1, 10.0),
        (Some("2025-01-01"), "North", "50% off", 2, 20.0),
        (Some("2025-01-05"), "South", "a_b", 3, 30.0),
        (Some("2025-01-06"), "South", "back\\slash", 4, 40.0),
        (Some("2025-02-15"), "North", "Plain Again", 5, 50.0),
        (Some("2025-03-10"), "North", "zero", 0, 0.0),
        (Some("2025-04-01 10:30:00"), "East", "x", 6, 60.0),
        (Some("2025-12-31"), "East", "y", 7, 70.0),
        (None, "West", "z", 8, 80.0),
    ];

    /// The table as an import makes it: dates as text, each date column indexed `quire_ix_…`.
    pub(crate) fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE sales (order_date TEXT, region TEXT, product TEXT, units INTEGER, revenue REAL,
                                 shipped TEXT, paid BOOLEAN);
             CREATE INDEX quire_ix_1_order_date ON sales (order_date);
             CREATE VIEW per_region AS SELECT region, sum(revenue) AS revenue, max(order_date) AS last FROM sales GROUP BY region;
             CREATE TABLE products (product TEXT, category TEXT, cost REAL);
             INSERT INTO products VALUES ('plain', 'basic', 1.0), ('50% off', 'promo', 2.0),
               ('a_b', 'basic', 3.0), ('x', 'other', 4.0), ('y', 'dup1', 5.0), ('y', 'dup2', 6.0),
               ('unsold', 'basic', 7.0);",
        )
        .unwrap();
        for (day, region, product, units, revenue) in ROWS {
            c.execute(
                "INSERT INTO sales VALUES (?1, ?2, ?3, ?4, ?5, ?1, 1)",
                rusqlite::params![day, region, product, units, revenue],
            )
            .unwrap();
        }
        c
    }

    pub(crate) fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()
    }

    pub(crate) fn spec(v: Value) -> BuilderSpec {
        serde_json::from_value(v).unwrap()
    }

    pub(crate) fn param(name: &str, kind: &str) -> ParameterDef {
        serde_json::from_value(json!({ "name": name, "type": kind })).unwrap()
    }

    /// Compiles `v` over `db()`'s sales.
    pub(crate) fn compiled(v: Value, params: &[ParameterDef]) -> Result<Compiled, String> {
        let conn = db();
        compile(&spec(v), &fields(&conn, "sales").unwrap(), params, today())
    }

    /// Runs `v` with `values` for the report's parameters: the result's columns and rows.
    pub(crate) fn rows_with(
        v: Value,
        params: &[ParameterDef],
        values: &[(&str, ParamValue)],
    ) -> (Vec<String>, Vec<Vec<Cell>>) {
        let conn = db();
        let c = compile(&spec(v), &fields(&conn, "sales").unwrap(), params, today()).unwrap();
        let mut all = c.values.clone();
        for (k, v) in values {
            all.insert(k.to_string(), v.clone());
        }
        let bounds = query::Bounds {
            timeout: std::time::Duration::from_secs(5),
            max_rows: 10_000,
            memory_mb: 16,
            result_mb: 16,
        };
        let rs = query::fetch(&conn, &c.sql, &all, None, bounds)
            .unwrap_or_else(|e| panic!("{e}: {}", c.sql));
        (rs.columns, rs.rows)
    }

    pub(crate) fn rows(v: Value) -> Vec<Vec<Cell>> {
        rows_with(v, &[], &[]).1
    }

    pub(crate) fn num(c: &Cell) -> Option<f64> {
        match c {
            Cell::Null => None,
            c => Some(c.as_f64().unwrap()),
        }
    }

    pub(crate) fn text(c: &Cell) -> String {
        c.as_text()
    }

    pub(crate) fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        }
    }

    /// The error of `v`, which must start with `field`.
    pub(crate) fn refused(v: Value, params: &[ParameterDef], field: &str) -> String {
        let e = compiled(v.clone(), params).expect_err(&v.to_string());
        let rest = e
            .strip_prefix(field)
            .unwrap_or_else(|| panic!("{field} ⟵ {e}"));
        assert!(
            rest.starts_with(": ") || rest.starts_with('['),
            "{field} ⟵ {e}"
        );
        e
    }

    /// Identifiers and values meant to break out of the SQL, or to overwhelm it.
    pub(crate) fn hostile() -> Vec<String> {
        vec![
            "a\"; DROP TABLE sales; --".into(),
            "sales) UNION SELECT * FROM sqlite_schema --".into(),
            "region\" FROM sales; --".into(),
            "' OR 1=1 --".into(),
            "売上 ✓ région".into(),
            "x".repeat(10_000),
            "re\0gion".into(),
            "region\0".into(),
            "".into(),
            "*".into(),
            "\"".into(),
            "`region`".into(),
            "[region]".into(),
            "{region}".into(),
            "region ".into(),
        ]
    }
}

#[cfg(test)]
mod join_tests;

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn sql_of_compiles_against_the_dataset_on_the_connection() {
        let conn = db();
        let s = spec(
            json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "filters": [{ "field": "order_date", "op": "last_n_days", "value": 1 }] }),
        );
        let (sql, values) = sql_of_as_of(&conn, QuerySource::Builder(&s), &[], today()).unwrap();
        assert!(sql.contains("\"order_date\" >= :quire_b0"), "{sql}");
        assert_eq!(values["quire_b0"], ParamValue::Text("2025-01-05".into()));
        let (sql, values) = sql_of(&conn, QuerySource::Sql("SELECT 1"), &[]).unwrap();
        assert_eq!((sql.as_ref(), values.len()), ("SELECT 1", 0));
        let s =
            spec(json!({ "dataset": "nope", "measures": [{ "field": "revenue", "agg": "sum" }] }));
        assert!(sql_of(&conn, QuerySource::Builder(&s), &[])
            .unwrap_err()
            .starts_with("builder.dataset: "));
    }
}
