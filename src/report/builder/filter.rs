//! Filters: each a condition on one field with its values bound. A range on a date field also
//! tells where the period it selects starts and ends, for `compare`.

use super::fields::is_date;
use super::{plain, shown, Dialect, Field, FieldKind};
use crate::data::query::{ParamValue, Params};
use crate::model::report::{Filter, FilterOp, ParamType, ParameterDef};
use chrono::{Duration, NaiveDate};
use serde_json::Value;

/// Most values an `in` or `not_in` list may hold.
const MAX_IN: usize = 1000;
/// Most days `last_n_days` may reach back (a century).
const MAX_DAYS: i64 = 36_600;

/// Binds the values of one compilation.
pub(super) struct Binder<'a> {
    pub d: Dialect,
    pub params: &'a [ParameterDef],
    pub values: Params,
}

impl Binder<'_> {
    /// `v` bound under the next `quire_b<N>`; its placeholder.
    pub fn literal(&mut self, v: ParamValue) -> String {
        let name = format!("quire_b{}", self.values.len());
        self.values.insert(name.clone(), v);
        self.d.placeholder(&name)
    }

    /// The report parameter `v` names (`"{name}"` or `{"param": "name"}`): its placeholder and
    /// type. None when `v` names none.
    fn param(&self, v: &Value, at: &str) -> Result<Option<(String, ParamType)>, String> {
        let name = match v {
            Value::Object(o) if o.contains_key("param") => match (o.len(), o.get("param")) {
                (1, Some(Value::String(n))) => n.as_str(),
                _ => {
                    return Err(format!(
                        "{at}: write a parameter as \"{{name}}\" or {{\"param\": \"name\"}}"
                    ))
                }
            },
            Value::String(s) if s.len() > 2 && s.starts_with('{') && s.ends_with('}') => {
                match &s[1..s.len() - 1] {
                    inner if plain(inner) => inner,
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        match self.params.iter().find(|p| p.name == name) {
            Some(p) if plain(name) => Ok(Some((self.d.placeholder(name), p.kind))),
            Some(_) => Err(format!(
                "{at}: the parameter name `{}` is not a plain name (letters, digits, _)",
                shown(name)
            )),
            None => Err(format!(
                "{at}: the report has no parameter `{}`",
                shown(name)
            )),
        }
    }

    /// A value compared with `field`: a parameter, or a literal of the field's kind, bound.
    pub fn operand(&mut self, v: &Value, field: &Field, at: &str) -> Result<String, String> {
        if let Some((p, _)) = self.param(v, at)? {
            return Ok(p);
        }
        let value = literal(v, field, at)?;
        Ok(self.literal(value))
    }
}

/// What a filter on a date field says about the period it selects: SQL expressions of its
/// first day and of the first day after it.
#[derive(Debug, Clone, Default)]
pub(super) struct Bound {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A filter compiled: its condition, and for a range on a date field, its bound.
pub(super) struct Condition {
    pub sql: String,
    pub bound: Option<Bound>,
}

/// Compiles filter `i` on `field` (already checked to be the dataset's); `today` is the
/// report's day.
pub(super) fn condition(
    b: &mut Binder,
    f: &Filter,
    field: &Field,
    i: usize,
    today: NaiveDate,
) -> Result<Condition, String> {
    let at = format!("builder.filters[{i}].value");
    let d = b.d;
    let c = d.quote(&field.name);
    let date = field.kind == FieldKind::Date;
    let plain_sql = |sql: String| Ok(Condition { sql, bound: None });
    match f.op {
        FilterOp::IsNull => plain_sql(format!("{c} IS NULL")),
        FilterOp::NotNull => plain_sql(format!("{c} IS NOT NULL")),
        FilterOp::In | FilterOp::NotIn => {
            let list = f
                .value
                .as_array()
                .filter(|l| (1..=MAX_IN).contains(&l.len()))
                .ok_or_else(|| {
                    format!("{at}: `in` and `not_in` take a list of 1 to {MAX_IN} values")
                })?;
            let mut bound = Vec::with_capacity(list.len());
            for (j, v) in list.iter().enumerate() {
                bound.push(b.operand(v, field, &format!("{at}[{j}]"))?);
            }
            let not = if f.op == FilterOp::NotIn { "NOT " } else { "" };
            plain_sql(format!("{c} {not}IN ({})", bound.join(", ")))
        }
        FilterOp::Contains => {
            let pattern = match b.param(&f.value, &at)? {
                Some((p, _)) => d.contains_pattern(&p),
                None => {
                    let text = match &f.value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(v) => v.to_string(),
                        _ => {
                            return Err(format!(
                                "{at}: `contains` takes a text, a number or a parameter"
                            ))
                        }
                    };
                    b.literal(ParamValue::Text(super::dialect::contains_pattern(&text)))
                }
            };
            let text = match field.kind {
                FieldKind::Text | FieldKind::Date => c,
                _ => d.as_text(&c),
            };
            plain_sql(d.like(&text, &pattern))
        }
        FilterOp::Between => {
            let pair = f
                .value
                .as_array()
                .filter(|l| l.len() == 2)
                .ok_or_else(|| format!("{at}: `between` takes [from, to]"))?;
            let from = b.operand(&pair[0], field, &format!("{at}[0]"))?;
            let to = b.operand(&pair[1], field, &format!("{at}[1]"))?;
            if date {
                // The whole `to` day, also for values with a time.
                let end = d.next_day(&to);
                Ok(Condition {
                    sql: format!("{c} >= {from} AND {c} < {end}"),
                    bound: Some(Bound {
                        start: Some(from),
                        end: Some(end),
                    }),
                })
            } else {
                plain_sql(format!("{c} BETWEEN {from} AND {to}"))
            }
        }
        FilterOp::LastNDays => {
            if !date {
                return Err(format!(
                    "builder.filters[{i}].op: `last_n_days` needs a date column; `{}` is a {} column",
                    shown(&field.name),
                    field.kind.word()
                ));
            }
            let start = match b.param(&f.value, &at)? {
                Some((p, ParamType::Number)) => {
                    let day = b.literal(ParamValue::Text(day_text(today)));
                    d.days_before(&day, &p)
                }
                Some(_) => {
                    return Err(format!(
                        "{at}: `last_n_days` takes a number of days; the parameter is not a number"
                    ))
                }
                None => {
                    let n = f
                        .value
                        .as_i64()
                        .filter(|n| (1..=MAX_DAYS).contains(n))
                        .ok_or_else(|| {
                            format!(
                                "{at}: `last_n_days` takes a whole number of days from 1 to {MAX_DAYS}, or a number parameter"
                            )
                        })?;
                    b.literal(ParamValue::Text(day_text(today - Duration::days(n))))
                }
            };
            let end = b.literal(ParamValue::Text(day_text(today + Duration::days(1))));
            Ok(Condition {
                sql: format!("{c} >= {start} AND {c} < {end}"),
                bound: Some(Bound {
                    start: Some(start),
                    end: Some(end),
                }),
            })
        }
        op => {
            let v = b.operand(&f.value, field, &at)?;
            let (sign, bound) = match op {
                FilterOp::Eq => ("=", None),
                FilterOp::Ne => ("<>", None),
                FilterOp::Lt => ("<", Some((None, Some(v.clone())))),
                FilterOp::Le => ("<=", Some((None, Some(d.next_day(&v))))),
                FilterOp::Gt => (">", Some((Some(d.next_day(&v)), None))),
                _ => (">=", Some((Some(v.clone()), None))),
            };
            Ok(Condition {
                sql: format!("{c} {sign} {v}"),
                bound: bound
                    .filter(|_| date)
                    .map(|(start, end)| Bound { start, end }),
            })
        }
    }
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A literal compared with `field`, as the value to bind: a number for a number column, a
/// `YYYY-MM-DD` date for a date column, true/false (1/0) for a boolean one.
fn literal(v: &Value, field: &Field, at: &str) -> Result<ParamValue, String> {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let wrong = |what: &str| {
        Err(format!(
            "{at}: `{}` is not {what} (`{}` is a {} column)",
            shown(&text),
            shown(&field.name),
            field.kind.word()
        ))
    };
    let number = |n: &serde_json::Number| match n.as_i64() {
        Some(i) => ParamValue::Int(i),
        None => ParamValue::Real(n.as_f64().unwrap_or(0.0)),
    };
    match (field.kind, v) {
        (_, Value::Null) => Err(format!(
            "{at}: give a value (the ops `is_null` and `not_null` match empty cells)"
        )),
        (_, Value::Array(_) | Value::Object(_)) => Err(format!(
            "{at}: give a string, a number, a boolean or a parameter (\"{{name}}\")"
        )),
        (FieldKind::Number, Value::Number(n)) => Ok(number(n)),
        (FieldKind::Number | FieldKind::Text, Value::Bool(b)) => Ok(ParamValue::Int(*b as i64)),
        (FieldKind::Number, Value::String(s)) => {
            match (s.trim().parse::<i64>(), s.trim().parse::<f64>()) {
                (Ok(i), _) => Ok(ParamValue::Int(i)),
                (_, Ok(f)) if f.is_finite() => Ok(ParamValue::Real(f)),
                _ => wrong("a number"),
            }
        }
        (FieldKind::Date, Value::String(s)) if is_date(s) => Ok(ParamValue::Text(s.clone())),
        (FieldKind::Date, _) => wrong("a date (YYYY-MM-DD)"),
        (FieldKind::Boolean, Value::Bool(b)) => Ok(ParamValue::Int(*b as i64)),
        (FieldKind::Boolean, _) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(ParamValue::Int(1)),
            "false" | "0" | "no" => Ok(ParamValue::Int(0)),
            _ => wrong("true or false"),
        },
        (FieldKind::Text, Value::String(s)) => Ok(ParamValue::Text(s.clone())),
        (FieldKind::Text, Value::Number(n)) => Ok(number(n)),
    }
}
