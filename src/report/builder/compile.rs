//! A builder spec to one SELECT: dimensions (bucketed dates among them) and measures grouped,
//! filters bound, `compare` by conditional aggregation over both periods, and show-as forms
//! by window functions over the grouped rows.

use super::columns::{find, scope};
use super::fields::Column;
use super::filter::{condition, Binder, Bound};
use super::{expr, shown, Compiled, Dialect, Field, FieldKind};
use crate::model::report::{Aggregation, BuilderSpec, Measure, ParameterDef, ShowAs, SortDir};
use chrono::NaiveDate;

/// Largest `limit`.
const MAX_LIMIT: u32 = 1_000_000;

/// A grouped column of the result.
struct Dim<'a> {
    /// The grouping expression (the column, or its bucket).
    expr: String,
    name: &'a str,
    bucketed: bool,
    /// Read by an expression (calculated, or qualified by its dataset): selected under its name.
    aliased: bool,
    kind: FieldKind,
}

/// An aggregated column of the result.
struct Agg<'a> {
    /// The column aggregated, or None for `count(*)`.
    field: Option<&'a Column>,
    agg: Aggregation,
    /// A calculated measure's expression (instead of `field` and `agg`).
    expr: Option<&'a str>,
    name: String,
    show: ShowAs,
}

/// The period `compare` measures: its bounds and the date column they apply to.
struct Period {
    column: String,
    /// The SQL reading the column.
    sql: String,
    start: String,
    end: String,
}

/// Compiles `spec` over a dataset with `fields`; `params` are the report's parameters and
/// `today` its day (for `last_n_days`).
pub fn compile(
    spec: &BuilderSpec,
    fields: &[Field],
    params: &[ParameterDef],
    today: NaiveDate,
) -> Result<Compiled, String> {
    compile_for(Dialect::Sqlite, spec, fields, params, today)
}

/// [`compile`] in the SQL of dialect `d`.
pub fn compile_for(
    d: Dialect,
    spec: &BuilderSpec,
    fields: &[Field],
    params: &[ParameterDef],
    today: NaiveDate,
) -> Result<Compiled, String> {
    compile_joined(d, spec, fields, &[], params, today)
}

/// [`compile_for`] with the fields of the datasets `spec` joins (`joined[i]` those of
/// `spec.joins[i]`).
pub fn compile_joined(
    d: Dialect,
    spec: &BuilderSpec,
    fields: &[Field],
    joined: &[Vec<Field>],
    params: &[ParameterDef],
    today: NaiveDate,
) -> Result<Compiled, String> {
    compile_read(d, spec, (fields, joined), params, today, None, None)
}

/// [`compile_joined`] for `reader` on the main store: each table it reads cut to the rows
/// their row policies allow, the SQL tagged as written for them (`source::sighted_tag`);
/// `inner` the saved question it reads instead of a dataset (see [`super::inner`]).
pub fn compile_read(
    d: Dialect,
    spec: &BuilderSpec,
    (fields, joined): (&[Field], &[Vec<Field>]),
    params: &[ParameterDef],
    today: NaiveDate,
    reader: Option<&crate::data::source::Reader>,
    inner: Option<&super::Inner>,
) -> Result<Compiled, String> {
    let mut b = Binder::new(d, params);
    b.reader = reader.map(|r| (r, today));
    b.inner = inner;
    // Calculated columns first: the builder's page checks them as they are typed, before
    // anything is grouped or measured.
    let read = scope(&mut b, spec, fields, joined)?;
    let cols = read.columns;
    if spec.dimensions.is_empty() && spec.measures.is_empty() {
        return Err("builder: give at least one dimension or measure".into());
    }
    let field = |name: &str, at: &str| find(&cols, &spec.dataset, name, at);
    let mut outputs: Vec<String> = Vec::new();
    let taken = |outputs: &[String], name: &str, at: &str| match outputs.iter().any(|o| o == name) {
        true => Err(format!(
            "{at}: `{}` is already a column of the result",
            shown(name)
        )),
        false => Ok(()),
    };

    let mut dims = Vec::with_capacity(spec.dimensions.len());
    for (i, dim) in spec.dimensions.iter().enumerate() {
        let at = format!("builder.dimensions[{i}]");
        let col = field(&dim.field, &at)?;
        let f = &col.field;
        let expr = match dim.bucket {
            None => col.sql.clone(),
            Some(_) if f.kind != FieldKind::Date => {
                return Err(format!(
                    "{at}.bucket: `{}` is a {} column; buckets group dates",
                    shown(&f.name),
                    f.kind.word()
                ))
            }
            Some(b) => d.bucket(&col.sql, b),
        };
        taken(&outputs, &f.name, &at)?;
        outputs.push(f.name.clone());
        dims.push(Dim {
            expr,
            name: &f.name,
            bucketed: dim.bucket.is_some(),
            aliased: col.sql != d.quote(&col.field.name),
            kind: match dim.bucket {
                Some(_) => FieldKind::Date,
                None => f.kind,
            },
        });
    }

    let mut aggs = Vec::with_capacity(spec.measures.len());
    // Default names never clash: amount twice is `sum_amount` and `sum_amount_change`.
    let names = spec.measure_names();
    for (i, m) in spec.measures.iter().enumerate() {
        let a = measure(d, params, &cols, m, i, &names[i], &field)?;
        taken(&outputs, &a.name, &format!("builder.measures[{i}].as"))?;
        outputs.push(a.name.clone());
        aggs.push(a);
    }

    let mut conditions = Vec::with_capacity(spec.filters.len());
    for (i, f) in spec.filters.iter().enumerate() {
        let col = field(&f.field, &format!("builder.filters[{i}].field"))?;
        let c = condition(&mut b, f, col, i, today)?;
        conditions.push((col.field.name.as_str(), col.sql.as_str(), c));
    }

    let comparing = spec.compare.is_some_and(|c| c.previous_period);
    let period = if comparing {
        let p = period(&conditions, &dims, &aggs)?;
        // The period's own filters give way to one range over both periods.
        conditions.retain(|(name, _, c)| *name != p.column || c.bound.is_none());
        let c = &p.sql;
        conditions.push((
            "",
            "",
            super::filter::Condition {
                sql: format!(
                    "{c} >= {} AND {c} < {}",
                    d.period_before(&p.start, &p.end),
                    p.end
                ),
                bound: None,
            },
        ));
        for (i, a) in aggs.iter().enumerate() {
            let name = format!("{}_prev", a.name);
            taken(&outputs, &name, &format!("builder.measures[{i}].as"))?;
        }
        // Each `_prev` right after its measure.
        outputs.retain(|o| !aggs.iter().any(|a| &a.name == o));
        for a in &aggs {
            outputs.push(a.name.clone());
            outputs.push(format!("{}_prev", a.name));
        }
        Some(p)
    } else {
        None
    };

    // The grouped SELECT.
    let mut select: Vec<String> = dims
        .iter()
        .map(|dim| match dim.bucketed || dim.aliased {
            true if dim.bucketed => {
                format!("{} AS {}", d.bucket_shown(&dim.expr), d.quote(dim.name))
            }
            true => format!("{} AS {}", dim.expr, d.quote(dim.name)),
            false => dim.expr.clone(),
        })
        .collect();
    for a in &aggs {
        match &period {
            None => select.push(format!(
                "{} AS {}",
                aggregate(&mut b, &cols, a, None)?,
                d.quote(&a.name)
            )),
            Some(p) => {
                let c = &p.sql;
                let current = format!("{c} >= {}", p.start);
                let previous = format!("{c} < {}", p.start);
                select.push(format!(
                    "{} AS {}",
                    aggregate(&mut b, &cols, a, Some(&current))?,
                    d.quote(&a.name)
                ));
                select.push(format!(
                    "{} AS {}",
                    aggregate(&mut b, &cols, a, Some(&previous))?,
                    d.quote(&format!("{}_prev", a.name))
                ));
            }
        }
    }
    let distinct = if aggs.is_empty() { "DISTINCT " } else { "" };
    let mut sql = format!("SELECT {distinct}{} FROM {}", select.join(", "), read.from);
    if !conditions.is_empty() {
        let all: Vec<&str> = conditions.iter().map(|(_, _, c)| c.sql.as_str()).collect();
        sql.push_str(&format!(" WHERE {}", all.join(" AND ")));
    }
    if !dims.is_empty() && !aggs.is_empty() {
        let group: Vec<&str> = dims.iter().map(|dim| dim.expr.as_str()).collect();
        sql.push_str(&format!(" GROUP BY {}", group.join(", ")));
    }

    // Show-as forms are computed over the grouped rows, by their names.
    let shown_forms = aggs.iter().any(|a| a.show != ShowAs::Value);
    if shown_forms {
        let mut outer: Vec<String> = dims.iter().map(|dim| d.quote(dim.name)).collect();
        for a in &aggs {
            outer.push(show(d, a.show, &a.name, &dims));
            if period.is_some() {
                outer.push(show(d, a.show, &format!("{}_prev", a.name), &dims));
            }
        }
        sql = format!(
            "SELECT {} FROM ({sql}) AS {}",
            outer.join(", "),
            d.quote("quire_grouped")
        );
    }

    let mut order = Vec::with_capacity(spec.sort.len());
    for (i, s) in spec.sort.iter().enumerate() {
        if !outputs.contains(&s.field) {
            return Err(format!(
                "builder.sort[{i}].field: `{}` is not a column of the result (it has {})",
                shown(&s.field),
                outputs.join(", ")
            ));
        }
        let dir = if s.dir == SortDir::Desc {
            "DESC"
        } else {
            "ASC"
        };
        order.push(d.order(&d.quote(&s.field), dir));
    }
    if order.is_empty() && (shown_forms || d.orders_groups()) {
        // Running totals and changes read in the order of the dimensions; so do groups where
        // the engine would not give them in that order itself.
        order = dims
            .iter()
            .map(|dim| d.order(&d.quote(dim.name), "ASC"))
            .collect();
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
    if b.reader.is_some() {
        sql.insert_str(0, crate::data::source::sighted_tag());
    }
    if d == Dialect::Columnar {
        sql.insert_str(0, crate::data::source::columnar_tag());
    }
    // The result's columns: the dimensions' kinds, numbers for the rest.
    let columns = outputs
        .iter()
        .map(|name| Field {
            name: name.clone(),
            kind: dims
                .iter()
                .find(|dim| dim.name == name)
                .map_or(FieldKind::Number, |dim| dim.kind),
        })
        .collect();
    Ok(Compiled {
        sql,
        values: b.values,
        columns,
    })
}

/// Measure `i` checked: its field, an aggregate that fits the field's kind, its name.
fn measure<'a>(
    d: Dialect,
    params: &[ParameterDef],
    cols: &[Column],
    m: &'a Measure,
    i: usize,
    name: &str,
    field: &impl Fn(&str, &str) -> Result<&'a Column, String>,
) -> Result<Agg<'a>, String> {
    let at = format!("builder.measures[{i}]");
    if let Some(text) = &m.expr {
        return calculated(d, params, cols, m, text, &at);
    }
    if m.field.is_empty() {
        return Err(format!(
            "{at}.field: give a field and an aggregate, or an expr"
        ));
    }
    let Some(agg) = m.agg else {
        return Err(format!(
            "{at}.agg: choose how to add up `{}` (sum, avg, min, max, count, count_distinct)",
            shown(&m.field)
        ));
    };
    if m.label
        .as_ref()
        .is_some_and(|l| l.chars().count() > crate::model::report::MAX_LABEL_CHARS)
    {
        return Err(format!(
            "{at}.label: longer than {} characters",
            crate::model::report::MAX_LABEL_CHARS
        ));
    }
    let col = match (agg, m.field.as_str()) {
        (Aggregation::Count, "*") => None,
        (_, name) => Some(field(name, &format!("{at}.field"))?),
    };
    let f = col.map(|c| &c.field);
    let agg_word = agg.word();
    if let Some(f) = f {
        let fits = match agg {
            Aggregation::Count | Aggregation::CountDistinct => true,
            Aggregation::Sum | Aggregation::Avg => {
                matches!(f.kind, FieldKind::Number | FieldKind::Boolean)
            }
            Aggregation::Min | Aggregation::Max => {
                matches!(
                    f.kind,
                    FieldKind::Number | FieldKind::Date | FieldKind::Boolean
                )
            }
        };
        if !fits {
            let needs = match agg {
                Aggregation::Min | Aggregation::Max => "a number or date column",
                _ => "a number column",
            };
            return Err(format!(
                "{at}.agg: `{agg_word}` needs {needs}; `{}` is a {} column",
                shown(&f.name),
                f.kind.word()
            ));
        }
    }
    if let (Some(f), ShowAs::PercentOfTotal | ShowAs::RunningTotal | ShowAs::ChangeVsPrevious) =
        (f, m.show)
    {
        if f.kind == FieldKind::Date && matches!(agg, Aggregation::Min | Aggregation::Max) {
            let show = serde_json::to_value(m.show).expect("an enum serialises");
            return Err(format!(
                "{at}.show: `{}` works on numbers; `{agg_word}` of `{}` is a date",
                show.as_str().unwrap_or("show"),
                shown(&f.name)
            ));
        }
    }
    let name = match &m.alias {
        Some(a) if !super::plain(a) => {
            return Err(format!(
                "{at}.as: `{}` is not a plain name (letters, digits, _)",
                shown(a)
            ))
        }
        _ => name.to_string(),
    };
    Ok(Agg {
        field: col,
        agg,
        expr: None,
        name,
        show: m.show,
    })
}

/// A calculated measure checked: its expression compiles (on a scratch binding), it has a
/// plain `as`, and a show form only on numbers.
fn calculated<'a>(
    d: Dialect,
    params: &[ParameterDef],
    cols: &[Column],
    m: &'a Measure,
    text: &'a str,
    at: &str,
) -> Result<Agg<'a>, String> {
    if !m.field.is_empty() || m.agg.is_some() {
        return Err(format!(
            "{at}.expr: a calculated measure has no field or agg of its own (they go inside the expression)"
        ));
    }
    let name = match &m.alias {
        Some(a) if super::plain(a) => a.clone(),
        Some(a) => {
            return Err(format!(
                "{at}.as: `{}` is not a plain name (letters, digits, _)",
                shown(a)
            ))
        }
        None => {
            return Err(format!(
                "{at}.as: name the calculated measure (letters, digits, _)"
            ))
        }
    };
    let mut scratch = Binder::new(d, params);
    let c =
        expr::measure(&mut scratch, cols, text, None).map_err(|e| e.at(&format!("{at}.expr")))?;
    if m.show != ShowAs::Value && c.kind != FieldKind::Number {
        return Err(format!(
            "{at}.show: shown forms work on numbers; this expression gives a {}",
            c.kind.word()
        ));
    }
    Ok(Agg {
        field: None,
        agg: Aggregation::Sum,
        expr: Some(text),
        name,
        show: m.show,
    })
}

/// The aggregate of `a`, over the rows where `only` holds when given.
fn aggregate(
    b: &mut Binder,
    cols: &[Column],
    a: &Agg,
    only: Option<&str>,
) -> Result<String, String> {
    let d = b.d;
    if let Some(text) = a.expr {
        // Checked when the measure was.
        return expr::measure(b, cols, text, only)
            .map(|c| c.sql)
            .map_err(|e| e.at("builder.measures"));
    }
    let column = |c: &Column| match (c.field.kind, a.agg) {
        // PostgreSQL cannot add or average booleans: they count as 1 and 0.
        (FieldKind::Boolean, Aggregation::Sum | Aggregation::Avg) => d.bool_number(&c.sql),
        _ => c.sql.clone(),
    };
    let operand = match (a.field, only) {
        (None, None) => return Ok("count(*)".into()),
        (None, Some(cond)) => format!("CASE WHEN {cond} THEN 1 END"),
        (Some(f), None) => column(f),
        (Some(f), Some(cond)) => format!("CASE WHEN {cond} THEN {} END", column(f)),
    };
    let agg = match a.field {
        None => Aggregation::Count,
        Some(_) => a.agg,
    };
    Ok(d.aggregate(agg, &operand))
}

/// The column `name` of the grouped rows shown as `how`, named `name`. Running totals and
/// changes follow the first dimension within each combination of the others.
fn show(d: Dialect, how: ShowAs, name: &str, dims: &[Dim]) -> String {
    let m = d.quote(name);
    let partition = match dims.get(1..).unwrap_or_default() {
        [] => String::new(),
        rest => format!(
            "PARTITION BY {} ",
            rest.iter()
                .map(|dim| d.quote(dim.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let order = dims
        .first()
        .map(|dim| format!("ORDER BY {}", d.order(&d.quote(dim.name), "ASC")))
        .unwrap_or_default();
    let expr = match how {
        ShowAs::Value => return m,
        ShowAs::PercentOfTotal => format!("{} / NULLIF(SUM({m}) OVER (), 0)", d.real(&m)),
        ShowAs::RunningTotal => match order.is_empty() {
            true => format!("SUM({m}) OVER ({partition})"),
            false => format!(
                "SUM({m}) OVER ({partition}{order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
            ),
        },
        ShowAs::ChangeVsPrevious => {
            let previous = format!("LAG({m}) OVER ({partition}{order})");
            format!("({m} - {previous}) / NULLIF({}, 0)", d.real(&previous))
        }
    };
    format!("{expr} AS {m}")
}

/// The period a compare measures: the one date column bounded by the filters both from
/// below and from above. Bucketed or date dimensions have no value in both periods.
fn period(
    conditions: &[(&str, &str, super::filter::Condition)],
    dims: &[Dim],
    aggs: &[Agg],
) -> Result<Period, String> {
    if aggs.is_empty() {
        return Err("builder.compare: comparing periods needs at least one measure".into());
    }
    let mut columns: Vec<(&str, Vec<&Bound>)> = Vec::new();
    for (name, _, c) in conditions {
        if let Some(b) = &c.bound {
            match columns.iter_mut().find(|(n, _)| n == name) {
                Some((_, bounds)) => bounds.push(b),
                None => columns.push((name, vec![b])),
            }
        }
    }
    let ranged: Vec<_> = columns
        .iter()
        .filter(|(_, bs)| {
            bs.iter().any(|b| b.start.is_some()) && bs.iter().any(|b| b.end.is_some())
        })
        .collect();
    let (column, bounds) = match ranged.as_slice() {
        [one] => one,
        [] => {
            return Err("builder.compare: the previous period is the one before the period a date filter selects: add a filter `between`, `last_n_days`, or `ge`/`gt` with `le`/`lt` on one date column".into())
        }
        many => {
            return Err(format!(
                "builder.compare: filters select periods on several date columns ({}); keep one",
                many.iter().map(|(n, _)| format!("`{}`", shown(n))).collect::<Vec<_>>().join(", ")
            ))
        }
    };
    let starts: Vec<&String> = bounds.iter().filter_map(|b| b.start.as_ref()).collect();
    let ends: Vec<&String> = bounds.iter().filter_map(|b| b.end.as_ref()).collect();
    if starts.len() > 1 || ends.len() > 1 {
        return Err(format!(
            "builder.compare: several filters bound `{}` on the same side; keep one range",
            shown(column)
        ));
    }
    if let Some(dim) = dims.iter().find(|dim| dim.bucketed || dim.name == *column) {
        let how = if dim.bucketed {
            "bucketed"
        } else {
            "the compared date"
        };
        return Err(format!(
            "builder.compare: the dimension `{}` is {how}: its values differ between the two periods, so there is nothing to compare a row with; remove the dimension or the compare",
            shown(dim.name)
        ));
    }
    // A dimension on another date column is kept: its values can occur in both periods.
    let sql = conditions
        .iter()
        .find(|(n, _, _)| n == column)
        .map(|(_, sql, _)| sql.to_string())
        .unwrap_or_default();
    Ok(Period {
        column: column.to_string(),
        sql,
        start: starts[0].clone(),
        end: ends[0].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;

    #[test]
    fn a_spec_of_before_compiles_to_the_same_bound_sql() {
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
        let c = compile(
            &s,
            &fields(&db(), "sales").unwrap(),
            &[param("since", "date")],
            today(),
        )
        .unwrap();
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
        // `gte` is read as the contract's `ge`, and written so.
        assert_eq!(serde_json::to_value(&s).unwrap()["filters"][0]["op"], "ge");
        // Dimensions alone give the distinct combinations.
        assert_eq!(
            compiled(json!({ "dataset": "sales", "dimensions": ["region"] }), &[])
                .unwrap()
                .sql,
            "SELECT DISTINCT \"region\" FROM \"sales\""
        );
    }

    #[test]
    fn dimensions_are_written_as_a_name_or_with_their_bucket() {
        let s = spec(
            json!({ "dataset": "sales", "dimensions": ["region", { "field": "order_date", "bucket": "month" }, { "field": "product" }] }),
        );
        assert_eq!(
            s.dimensions[1].bucket,
            Some(crate::model::report::Bucket::Month)
        );
        assert_eq!(
            serde_json::to_value(&s).unwrap()["dimensions"],
            json!(["region", { "field": "order_date", "bucket": "month" }, "product"])
        );
        for bad in [
            json!({ "field": "order_date", "bucket": "fortnight" }),
            json!({ "field": "order_date", "colour": "red" }),
            json!({ "bucket": "day" }),
            json!(7),
        ] {
            let r: Result<BuilderSpec, _> =
                serde_json::from_value(json!({ "dataset": "sales", "dimensions": [bad] }));
            assert!(r.is_err(), "{bad}");
        }
    }

    #[test]
    fn buckets_give_the_first_day_of_each_period_under_the_field_s_name() {
        let by = |bucket: &str| {
            let (columns, rows) = rows_with(
                json!({
                    "dataset": "sales",
                    "dimensions": [{ "field": "order_date", "bucket": bucket }],
                    "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
                    "filters": [{ "field": "order_date", "op": "not_null" }],
                    "sort": [{ "field": "order_date" }]
                }),
                &[],
                &[],
            );
            assert_eq!(columns, ["order_date", "revenue"]);
            rows.iter()
                .map(|r| (text(&r[0]), num(&r[1]).unwrap()))
                .collect::<Vec<_>>()
        };
        let pairs = |v: &[(&str, f64)]| {
            v.iter()
                .map(|(d, n)| (d.to_string(), *n))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            by("day"),
            pairs(&[
                ("2024-12-30", 10.0),
                ("2025-01-01", 20.0),
                ("2025-01-05", 30.0),
                ("2025-01-06", 40.0),
                ("2025-02-15", 50.0),
                ("2025-03-10", 0.0),
                ("2025-04-01", 60.0),
                ("2025-12-31", 70.0),
            ])
        );
        // Weeks start on Monday: Monday 30 December holds Wednesday 1 and Sunday 5 January.
        assert_eq!(
            by("week"),
            pairs(&[
                ("2024-12-30", 60.0),
                ("2025-01-06", 40.0),
                ("2025-02-10", 50.0),
                ("2025-03-10", 0.0),
                ("2025-03-31", 60.0),
                ("2025-12-29", 70.0),
            ])
        );
        assert_eq!(
            by("month"),
            pairs(&[
                ("2024-12-01", 10.0),
                ("2025-01-01", 90.0),
                ("2025-02-01", 50.0),
                ("2025-03-01", 0.0),
                ("2025-04-01", 60.0),
                ("2025-12-01", 70.0),
            ])
        );
        assert_eq!(
            by("quarter"),
            pairs(&[
                ("2024-10-01", 10.0),
                ("2025-01-01", 140.0),
                ("2025-04-01", 60.0),
                ("2025-10-01", 70.0)
            ])
        );
        assert_eq!(
            by("year"),
            pairs(&[("2024-01-01", 10.0), ("2025-01-01", 270.0)])
        );
        // Only dates have buckets.
        let e = refused(
            json!({ "dataset": "sales", "dimensions": [{ "field": "region", "bucket": "month" }] }),
            &[],
            "builder.dimensions[0].bucket",
        );
        assert!(e.contains("text column"), "{e}");
        refused(
            json!({ "dataset": "sales", "dimensions": ["order_date", { "field": "order_date", "bucket": "year" }] }),
            &[],
            "builder.dimensions[1]",
        );
    }

    #[test]
    fn percent_of_total_is_a_fraction_of_the_whole_result() {
        let rows = rows(json!({
            "dataset": "sales",
            "dimensions": ["region"],
            "measures": [
                { "field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total" },
                { "field": "*", "agg": "count", "as": "orders", "show": "percent_of_total" }
            ],
            "sort": [{ "field": "region" }]
        }));
        let got: Vec<(String, f64, f64)> = rows
            .iter()
            .map(|r| (text(&r[0]), num(&r[1]).unwrap(), num(&r[2]).unwrap()))
            .collect();
        let want = [
            ("East", 130.0, 2.0),
            ("North", 80.0, 4.0),
            ("South", 70.0, 2.0),
            ("West", 80.0, 1.0),
        ];
        for ((region, share, orders), (r, revenue, n)) in got.iter().zip(want) {
            assert_eq!(region, r);
            assert!(close(Some(*share), Some(revenue / 360.0)), "{share}");
            // Counts are integers: the share keeps its fraction.
            assert!(close(Some(*orders), Some(n / 9.0)), "{orders}");
        }
        assert!(close(Some(got.iter().map(|g| g.1).sum()), Some(1.0)));
        // Sorting by the measure sorts by the share; a limit keeps the share of the whole.
        let top = rows_with(
            json!({
                "dataset": "sales", "dimensions": ["region"],
                "measures": [{ "field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total" }],
                "sort": [{ "field": "share", "dir": "desc" }], "limit": 1
            }),
            &[],
            &[],
        )
        .1;
        assert_eq!(text(&top[0][0]), "East");
        assert!(close(num(&top[0][1]), Some(130.0 / 360.0)));
    }

    #[test]
    fn running_total_adds_up_in_the_order_of_the_first_dimension_per_series() {
        let month = json!({ "field": "order_date", "bucket": "month" });
        let by_month = rows(json!({
            "dataset": "sales",
            "dimensions": [month],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue", "show": "running_total" }],
            "filters": [{ "field": "order_date", "op": "not_null" }]
        }));
        // Ordered by the dimension without being asked; the last value is the total.
        let got: Vec<(String, f64)> = by_month
            .iter()
            .map(|r| (text(&r[0]), num(&r[1]).unwrap()))
            .collect();
        let want = [
            ("2024-12-01", 10.0),
            ("2025-01-01", 100.0),
            ("2025-02-01", 150.0),
            ("2025-03-01", 150.0),
            ("2025-04-01", 210.0),
            ("2025-12-01", 280.0),
        ];
        assert_eq!(got, want.map(|(d, n)| (d.to_string(), n)));
        // A second dimension makes separate series.
        let by_region = rows(json!({
            "dataset": "sales",
            "dimensions": [month, "region"],
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue", "show": "running_total" }],
            "filters": [{ "field": "region", "op": "eq", "value": "North" }]
        }));
        let north: Vec<f64> = by_region.iter().map(|r| num(&r[2]).unwrap()).collect();
        assert_eq!(north, [10.0, 30.0, 80.0, 80.0]);
    }

    #[test]
    fn change_vs_previous_is_a_fraction_null_first_and_after_a_zero() {
        let rows = rows(json!({
            "dataset": "sales",
            "dimensions": [{ "field": "order_date", "bucket": "month" }],
            "measures": [
                { "field": "revenue", "agg": "sum", "as": "revenue" },
                { "field": "revenue", "agg": "sum", "as": "change", "show": "change_vs_previous" }
            ],
            "filters": [{ "field": "order_date", "op": "not_null" }],
            "sort": [{ "field": "order_date" }]
        }));
        let change: Vec<Option<f64>> = rows.iter().map(|r| num(&r[2])).collect();
        let want = [
            None,
            Some(8.0),
            Some(-40.0 / 90.0),
            Some(-1.0),
            None,
            Some(10.0 / 60.0),
        ];
        assert_eq!(change.len(), want.len());
        for (g, w) in change.iter().zip(want) {
            assert!(close(*g, w), "{change:?}");
        }
        // The plain value beside it is untouched.
        assert_eq!(num(&rows[1][1]), Some(90.0));
    }

    #[test]
    fn aggregates_fit_the_kind_of_their_column() {
        let m = |field: &str, agg: &str| json!({ "dataset": "sales", "measures": [{ "field": field, "agg": agg }] });
        for (field, agg) in [
            ("region", "sum"),
            ("region", "avg"),
            ("order_date", "sum"),
            ("region", "max"),
            ("product", "min"),
        ] {
            let e = refused(m(field, agg), &[], "builder.measures[0].agg");
            assert!(
                e.contains("text column") || e.contains("date column"),
                "{e}"
            );
            assert!(e.contains(&format!("`{agg}`")), "{e}");
        }
        for (field, agg) in [
            ("region", "count"),
            ("region", "count_distinct"),
            ("order_date", "max"),
            ("order_date", "min"),
            ("units", "avg"),
            ("paid", "sum"),
        ] {
            assert!(compiled(m(field, agg), &[]).is_ok(), "{field} {agg}");
        }
        let r = rows(m("order_date", "max"));
        assert_eq!(text(&r[0][0]), "2025-12-31");
        refused(m("*", "sum"), &[], "builder.measures[0].field");
    }

    /// Each measure beside its `_prev`: (region, revenue, revenue_prev, orders, orders_prev).
    fn compared(
        filters: Value,
        dimensions: Value,
    ) -> Result<(Vec<String>, Vec<Vec<Cell>>), String> {
        let v = json!({
            "dataset": "sales",
            "dimensions": dimensions,
            "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }, { "field": "*", "agg": "count", "as": "orders" }],
            "filters": filters,
            "compare": { "previousPeriod": true },
            "sort": [{ "field": "revenue_prev", "dir": "desc" }]
        });
        compiled(v.clone(), &[])?;
        Ok(rows_with(v, &[], &[]))
    }

    #[test]
    fn compare_measures_the_period_of_the_same_length_just_before() {
        // 1–6 January (six days) against 26–31 December.
        let periods = [
            json!([{ "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] }]),
            json!([{ "field": "order_date", "op": "last_n_days", "value": 5 }]),
            json!([{ "field": "order_date", "op": "ge", "value": "2025-01-01" }, { "field": "order_date", "op": "lt", "value": "2025-01-07" }]),
            json!([{ "field": "order_date", "op": "gt", "value": "2024-12-31" }, { "field": "order_date", "op": "le", "value": "2025-01-06" }]),
        ];
        for filters in periods {
            let (columns, r) = compared(filters.clone(), json!([])).unwrap();
            assert_eq!(
                columns,
                ["revenue", "revenue_prev", "orders", "orders_prev"],
                "{filters}"
            );
            assert_eq!(
                r.iter()
                    .map(|r| r.iter().map(num).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
                [[Some(90.0), Some(10.0), Some(3.0), Some(1.0)]],
                "{filters}"
            );
        }
        // Per region: North sold in both periods, South only in the current one.
        let (columns, r) = compared(periods_between(), json!(["region"])).unwrap();
        assert_eq!(
            columns,
            ["region", "revenue", "revenue_prev", "orders", "orders_prev"]
        );
        let got: Vec<(String, Vec<Option<f64>>)> = r
            .iter()
            .map(|r| (text(&r[0]), r[1..].iter().map(num).collect()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "North".to_string(),
                    vec![Some(20.0), Some(10.0), Some(1.0), Some(1.0)]
                ),
                (
                    "South".to_string(),
                    vec![Some(70.0), Some(0.0), Some(2.0), Some(0.0)]
                ),
            ]
        );
        // Other filters still apply to both periods.
        let mut filters = periods_between();
        filters
            .as_array_mut()
            .unwrap()
            .push(json!({ "field": "region", "op": "eq", "value": "South" }));
        let (_, r) = compared(filters, json!([])).unwrap();
        assert_eq!(
            r[0].iter().map(num).collect::<Vec<_>>(),
            [Some(70.0), Some(0.0), Some(2.0), Some(0.0)]
        );
    }

    fn periods_between() -> Value {
        json!([{ "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] }])
    }

    #[test]
    fn compare_is_refused_without_one_date_period_or_with_a_date_dimension() {
        let e = |filters: Value, dims: Value| {
            let e = compared(filters, dims).unwrap_err();
            assert!(e.starts_with("builder.compare: "), "{e}");
            e
        };
        e(json!([]), json!([]));
        e(
            json!([{ "field": "order_date", "op": "ge", "value": "2025-01-01" }]),
            json!([]),
        );
        e(
            json!([{ "field": "units", "op": "between", "value": [1, 3] }]),
            json!([]),
        );
        e(
            json!([
                { "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] },
                { "field": "order_date", "op": "ge", "value": "2025-01-03" }
            ]),
            json!([]),
        );
        e(
            json!([
                { "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] },
                { "field": "shipped", "op": "last_n_days", "value": 3 }
            ]),
            json!([]),
        );
        let msg = e(
            periods_between(),
            json!([{ "field": "order_date", "bucket": "week" }]),
        );
        assert!(msg.contains("bucketed"), "{msg}");
        e(periods_between(), json!(["order_date"]));
        // Another date column may be a dimension.
        assert!(compared(periods_between(), json!(["shipped"])).is_ok());
        // `_prev` names must be free.
        let v = json!({
            "dataset": "sales",
            "measures": [{ "field": "revenue", "agg": "sum", "as": "r" }, { "field": "units", "agg": "sum", "as": "r_prev" }],
            "filters": periods_between(),
            "compare": { "previousPeriod": true }
        });
        refused(v, &[], "builder.measures[0].as");
        // `previousPeriod: false` compares nothing.
        let v = json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "compare": { "previousPeriod": false } });
        assert!(!compiled(v, &[]).unwrap().sql.contains("CASE"));
    }

    #[test]
    fn show_as_applies_to_the_previous_period_too() {
        let (columns, r) = rows_with(
            json!({
                "dataset": "sales",
                "dimensions": ["region"],
                "measures": [{ "field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total" }],
                "filters": periods_between(),
                "compare": { "previousPeriod": true }
            }),
            &[],
            &[],
        );
        assert_eq!(columns, ["region", "share", "share_prev"]);
        let shares: Vec<Vec<Option<f64>>> =
            r.iter().map(|r| r[1..].iter().map(num).collect()).collect();
        assert!(
            close(shares[0][0], Some(20.0 / 90.0)) && close(shares[0][1], Some(1.0)),
            "{shares:?}"
        );
        assert!(
            close(shares[1][0], Some(70.0 / 90.0)) && close(shares[1][1], Some(0.0)),
            "{shares:?}"
        );
    }

    #[test]
    fn hostile_identifiers_are_refused_naming_the_field_in_every_position() {
        let base = || {
            json!({
                "dataset": "sales",
                "dimensions": ["region"],
                "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
                "filters": [{ "field": "units", "op": "ge", "value": 1 }],
                "sort": [{ "field": "revenue" }]
            })
        };
        for h in hostile() {
            let positions: [(&str, Value, &str); 6] = [
                ("/dataset", json!(h), "builder.dataset"),
                ("/dimensions/0", json!(h), "builder.dimensions[0]"),
                (
                    "/dimensions/0",
                    json!({ "field": h, "bucket": "month" }),
                    "builder.dimensions[0]",
                ),
                ("/measures/0/field", json!(h), "builder.measures[0].field"),
                ("/filters/0/field", json!(h), "builder.filters[0].field"),
                ("/sort/0/field", json!(h), "builder.sort[0].field"),
            ];
            for (pointer, value, field) in positions {
                let mut v = base();
                *v.pointer_mut(pointer).unwrap() = value;
                let conn = db();
                let e = match fields(&conn, v["dataset"].as_str().unwrap()) {
                    Err(e) => e,
                    Ok(f) => compile(&spec(v.clone()), &f, &[], today()).expect_err(pointer),
                };
                assert!(e.starts_with(&format!("{field}: ")), "{pointer} {h:?}: {e}");
                assert!(
                    e.len() < 600 && !e.contains('\0'),
                    "{pointer}: {} bytes",
                    e.len()
                );
            }
            if !h.is_empty() && !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                let mut v = base();
                v["measures"][0]["as"] = json!(h);
                refused(v, &[], "builder.measures[0].as");
            }
            let mut v = base();
            v["filters"][0]["value"] = json!({ "param": h });
            refused(v, &[], "builder.filters[0].value");
        }
    }

    #[test]
    fn column_names_that_need_quoting_are_quoted() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (\"unit \"\"price\"\"\" REAL, \"a b\" TEXT); INSERT INTO t VALUES (2.5, 'x'), (1.5, 'x');").unwrap();
        let f = fields(&conn, "t").unwrap();
        assert_eq!(f[0].name, "unit \"price\"");
        let s = spec(
            json!({ "dataset": "t", "dimensions": ["a b"], "measures": [{ "field": "unit \"price\"", "agg": "sum" }] }),
        );
        let c = compile(&s, &f, &[], today()).unwrap();
        assert_eq!(c.sql, "SELECT \"a b\", total(\"unit \"\"price\"\"\") AS \"sum_unit \"\"price\"\"\" FROM \"t\" GROUP BY \"a b\"");
        let bounds = query::Bounds {
            timeout: std::time::Duration::from_secs(5),
            max_rows: 10,
            memory_mb: 16,
            result_mb: 16,
        };
        let rs = query::fetch(&conn, &c.sql, &c.values, None, bounds).unwrap();
        assert_eq!(rs.columns, ["a b", "sum_unit \"price\""]);
        assert_eq!(num(&rs.rows[0][1]), Some(4.0));
    }
}
