//! A builder spec to one SELECT: dimensions (bucketed dates among them) and measures grouped,
//! filters bound, `compare` by conditional aggregation over both periods, and show-as forms
//! by window functions over the grouped rows.

use super::filter::{condition, Binder, Bound};
use super::{shown, Compiled, Dialect, Field, FieldKind};
use crate::data::query::Params;
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
}

/// An aggregated column of the result.
struct Agg<'a> {
    /// `(field, kind)`, or None for `count(*)`.
    field: Option<&'a Field>,
    agg: Aggregation,
    name: String,
    show: ShowAs,
}

/// The period `compare` measures: its bounds and the date column they apply to.
struct Period {
    column: String,
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
    let d = Dialect::Sqlite;
    let field = |name: &str, at: &str| -> Result<&Field, String> {
        fields.iter().find(|f| f.name == name).ok_or_else(|| {
            format!(
                "{at}: the dataset `{}` has no column `{}` (it has {})",
                shown(&spec.dataset),
                shown(name),
                fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    };
    if spec.dimensions.is_empty() && spec.measures.is_empty() {
        return Err("builder: give at least one dimension or measure".into());
    }
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
        let f = field(&dim.field, &at)?;
        let c = d.quote(&f.name);
        let expr = match dim.bucket {
            None => c,
            Some(_) if f.kind != FieldKind::Date => {
                return Err(format!(
                    "{at}.bucket: `{}` is a {} column; buckets group dates",
                    shown(&f.name),
                    f.kind.word()
                ))
            }
            Some(b) => d.bucket(&c, b),
        };
        taken(&outputs, &f.name, &at)?;
        outputs.push(f.name.clone());
        dims.push(Dim {
            expr,
            name: &f.name,
            bucketed: dim.bucket.is_some(),
        });
    }

    let mut aggs = Vec::with_capacity(spec.measures.len());
    for (i, m) in spec.measures.iter().enumerate() {
        let a = measure(m, i, &field)?;
        taken(&outputs, &a.name, &format!("builder.measures[{i}].as"))?;
        outputs.push(a.name.clone());
        aggs.push(a);
    }

    let mut b = Binder {
        d,
        params,
        values: Params::new(),
    };
    let mut conditions = Vec::with_capacity(spec.filters.len());
    for (i, f) in spec.filters.iter().enumerate() {
        let fd = field(&f.field, &format!("builder.filters[{i}].field"))?;
        let c = condition(&mut b, f, fd, i, today)?;
        conditions.push((fd.name.as_str(), c));
    }

    let comparing = spec.compare.is_some_and(|c| c.previous_period);
    let period = if comparing {
        let p = period(&conditions, &dims, &aggs)?;
        // The period's own filters give way to one range over both periods.
        conditions.retain(|(name, c)| *name != p.column || c.bound.is_none());
        let c = d.quote(&p.column);
        conditions.push((
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
        .map(|dim| match dim.bucketed {
            true => format!("{} AS {}", dim.expr, d.quote(dim.name)),
            false => dim.expr.clone(),
        })
        .collect();
    for a in &aggs {
        match &period {
            None => select.push(format!("{} AS {}", aggregate(d, a, None), d.quote(&a.name))),
            Some(p) => {
                let c = d.quote(&p.column);
                let current = format!("{c} >= {}", p.start);
                let previous = format!("{c} < {}", p.start);
                select.push(format!(
                    "{} AS {}",
                    aggregate(d, a, Some(&current)),
                    d.quote(&a.name)
                ));
                select.push(format!(
                    "{} AS {}",
                    aggregate(d, a, Some(&previous)),
                    d.quote(&format!("{}_prev", a.name))
                ));
            }
        }
    }
    let distinct = if aggs.is_empty() { "DISTINCT " } else { "" };
    let mut sql = format!(
        "SELECT {distinct}{} FROM {}",
        select.join(", "),
        d.quote(&spec.dataset)
    );
    if !conditions.is_empty() {
        let all: Vec<&str> = conditions.iter().map(|(_, c)| c.sql.as_str()).collect();
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
        order.push(format!("{} {dir}", d.quote(&s.field)));
    }
    if order.is_empty() && shown_forms {
        // Running totals and changes read in the order of the dimensions.
        order = dims.iter().map(|dim| d.quote(dim.name)).collect();
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
    Ok(Compiled {
        sql,
        values: b.values,
    })
}

/// Measure `i` checked: its field, an aggregate that fits the field's kind, its name.
fn measure<'a>(
    m: &Measure,
    i: usize,
    field: &impl Fn(&str, &str) -> Result<&'a Field, String>,
) -> Result<Agg<'a>, String> {
    let at = format!("builder.measures[{i}]");
    let f = match (m.agg, m.field.as_str()) {
        (Aggregation::Count, "*") => None,
        (_, name) => Some(field(name, &format!("{at}.field"))?),
    };
    let agg_word = serde_json::to_value(m.agg).expect("an enum serialises");
    let agg_word = agg_word.as_str().unwrap_or("agg");
    if let Some(f) = f {
        let fits = match m.agg {
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
            let needs = match m.agg {
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
    let name = match &m.alias {
        Some(a) if super::plain(a) => a.clone(),
        Some(a) => {
            return Err(format!(
                "{at}.as: `{}` is not a plain name (letters, digits, _)",
                shown(a)
            ))
        }
        None => format!("{agg_word}_{}", f.map_or("all", |f| f.name.as_str())),
    };
    Ok(Agg {
        field: f,
        agg: m.agg,
        name,
        show: m.show,
    })
}

/// The aggregate of `a`, over the rows where `only` holds when given.
fn aggregate(d: Dialect, a: &Agg, only: Option<&str>) -> String {
    let operand = match (a.field, only) {
        (None, None) => return "count(*)".into(),
        (None, Some(cond)) => format!("CASE WHEN {cond} THEN 1 END"),
        (Some(f), None) => d.quote(&f.name),
        (Some(f), Some(cond)) => format!("CASE WHEN {cond} THEN {} END", d.quote(&f.name)),
    };
    let agg = match a.field {
        None => Aggregation::Count,
        Some(_) => a.agg,
    };
    d.aggregate(agg, &operand)
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
        .map(|dim| format!("ORDER BY {}", d.quote(dim.name)))
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
    conditions: &[(&str, super::filter::Condition)],
    dims: &[Dim],
    aggs: &[Agg],
) -> Result<Period, String> {
    if aggs.is_empty() {
        return Err("builder.compare: comparing periods needs at least one measure".into());
    }
    let mut columns: Vec<(&str, Vec<&Bound>)> = Vec::new();
    for (name, c) in conditions {
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
    Ok(Period {
        column: column.to_string(),
        start: starts[0].clone(),
        end: ends[0].clone(),
    })
}
