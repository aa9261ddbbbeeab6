//! Filters: each a condition on one field with its values bound. A range on a date field also
//! tells where the period it selects starts and ends, for `compare`.

use super::fields::is_date;
use super::fields::Column;
use super::{plain, shown, Dialect, Field, FieldKind};
use crate::data::query::{ParamValue, Params};
use crate::data::source::Reader;
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
    /// Who the SQL is for on the main store, and the day their policies' relative dates count
    /// from: the tables they read are cut to the rows their row policies allow.
    pub reader: Option<(&'a Reader, NaiveDate)>,
    /// Values are literals only (a row policy's): `"{name}"` is text, not a parameter.
    pub literal_only: bool,
    /// The saved question the spec reads instead of a dataset, compiled.
    pub inner: Option<&'a super::Inner>,
}

impl<'a> Binder<'a> {
    /// A binder with no value bound yet, for a compilation in `d` with the report's `params`.
    pub fn new(d: Dialect, params: &'a [ParameterDef]) -> Binder<'a> {
        Binder {
            d,
            params,
            values: Params::new(),
            reader: None,
            literal_only: false,
            inner: None,
        }
    }

    /// `v` bound under the next `quire_b<N>`; its placeholder.
    pub fn literal(&mut self, v: ParamValue) -> String {
        let name = format!("quire_b{}", self.values.len());
        self.values.insert(name.clone(), v);
        self.d.placeholder(&name)
    }

    /// The report parameter `v` names (`"{name}"` or `{"param": "name"}`): its placeholder and
    /// type. None when `v` names none.
    fn param(&self, v: &Value, at: &str) -> Result<Option<(String, ParamType)>, String> {
        if self.literal_only {
            return Ok(None);
        }
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

/// Compiles filter `i` on `column` (already checked to be the spec's); `today` is the
/// report's day.
pub(super) fn condition(
    b: &mut Binder,
    f: &Filter,
    column: &Column,
    i: usize,
    today: NaiveDate,
) -> Result<Condition, String> {
    let at = format!("builder.filters[{i}].value");
    let d = b.d;
    let field = &column.field;
    let c = column.sql.clone();
    let date = field.kind == FieldKind::Date;
    let plain_sql = |sql: String| Ok(Condition { sql, bound: None });
    match f.op {
        // An empty text is as empty as NULL: charts show both as `(blank)`.
        FilterOp::IsNull if field.kind == FieldKind::Text => {
            plain_sql(format!("({c} IS NULL OR trim({c}) = '')"))
        }
        FilterOp::NotNull if field.kind == FieldKind::Text => {
            plain_sql(format!("({c} IS NOT NULL AND trim({c}) <> '')"))
        }
        FilterOp::IsNull => plain_sql(format!("{c} IS NULL")),
        FilterOp::NotNull => plain_sql(format!("{c} IS NOT NULL")),
        FilterOp::In | FilterOp::NotIn => {
            let not = if f.op == FilterOp::NotIn { "NOT " } else { "" };
            // One parameter stands for a list of its one value.
            if let Some((p, _)) = b.param(&f.value, &at)? {
                return plain_sql(format!("{c} {not}IN ({p})"));
            }
            let list = f
                .value
                .as_array()
                .filter(|l| (1..=MAX_IN).contains(&l.len()))
                .ok_or_else(|| match f.value.as_array().map(Vec::len) {
                    Some(n) if n > MAX_IN => format!(
                        "{at}: Choose at most {MAX_IN} values for {} ({n} given)",
                        shown(&f.field)
                    ),
                    _ => format!("{at}: Choose at least one value for {}", shown(&f.field)),
                })?;
            let mut bound = Vec::with_capacity(list.len());
            for (j, v) in list.iter().enumerate() {
                bound.push(b.operand(v, field, &format!("{at}[{j}]"))?);
            }
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
                                "{at}: Write the text {} should contain",
                                shown(&f.field)
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
            let pair = f.value.as_array().filter(|l| l.len() == 2).ok_or_else(|| {
                format!("{at}: Give both ends of the range for {}", shown(&f.field))
            })?;
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
                        "{at}: The number of days for {} must come from a number parameter",
                        shown(&f.field)
                    ))
                }
                None => {
                    let n = f
                        .value
                        .as_i64()
                        .filter(|n| (1..=MAX_DAYS).contains(n))
                        .ok_or_else(|| {
                            format!(
                                "{at}: Give {} a whole number of days, from 1 to {MAX_DAYS}",
                                shown(&f.field)
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

/// Whether filter `f` has no value yet (a field just dropped into Filters: an empty list, an
/// empty text, a range missing an end). The builder's page previews without it, marked
/// incomplete; a report is never saved with one (it compiles to a refusal in words).
pub fn incomplete(f: &Filter) -> bool {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(l) => l.is_empty(),
        _ => false,
    };
    match f.op {
        FilterOp::IsNull | FilterOp::NotNull => false,
        FilterOp::Between => match f.value.as_array() {
            Some(pair) => pair.len() != 2 || pair.iter().any(empty),
            None => empty(&f.value),
        },
        _ => empty(&f.value),
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
            "{at}: Give a value for {} (or choose “is empty” to match empty cells)",
            shown(&field.name)
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;

    #[test]
    fn between_includes_both_ends_and_the_whole_last_day() {
        let sum = |filter: Value| {
            let r = rows(
                json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "filters": [filter] }),
            );
            num(&r[0][0]).unwrap()
        };
        // 2025-04-01 10:30 is on the last day.
        assert_eq!(
            sum(
                json!({ "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-04-01"] })
            ),
            200.0
        );
        assert_eq!(
            sum(json!({ "field": "units", "op": "between", "value": [2, 4] })),
            90.0
        );
        assert_eq!(
            sum(json!({ "field": "units", "op": "between", "value": ["2", "4"] })),
            90.0
        );
        for bad in [
            json!("2025-01-01"),
            json!(["2025-01-01"]),
            json!(["2025-01-01", "soon"]),
            json!([1, 2, 3]),
        ] {
            refused(
                json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }], "filters": [{ "field": "order_date", "op": "between", "value": bad }] }),
                &[],
                "builder.filters[0].value",
            );
        }
    }

    #[test]
    fn last_n_days_counts_back_from_the_report_s_day_bound_as_a_date() {
        let spec = |value: Value| {
            json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }],
                    "filters": [{ "field": "order_date", "op": "last_n_days", "value": value }] })
        };
        // The report's day is 2025-01-06: five days back is 2025-01-01, and later days are out.
        let c = compiled(spec(json!(5)), &[]).unwrap();
        assert!(!c.sql.contains("now"), "{}", c.sql);
        assert_eq!(c.values["quire_b0"], ParamValue::Text("2025-01-01".into()));
        assert_eq!(c.values["quire_b1"], ParamValue::Text("2025-01-07".into()));
        assert_eq!(num(&rows(spec(json!(5)))[0][0]), Some(90.0));
        assert_eq!(num(&rows(spec(json!(4)))[0][0]), Some(70.0));
        // N as a number parameter.
        let days = [param("days", "number")];
        let (_, r) = rows_with(
            spec(json!("{days}")),
            &days,
            &[("days", ParamValue::Int(7))],
        );
        assert_eq!(num(&r[0][0]), Some(100.0));
        for bad in [
            json!(0),
            json!(-3),
            json!(1.5),
            json!("7"),
            json!([7]),
            json!(null),
        ] {
            refused(spec(bad), &[], "builder.filters[0].value");
        }
        refused(
            spec(json!("{label}")),
            &[param("label", "string")],
            "builder.filters[0].value",
        );
        let e = refused(
            json!({ "dataset": "sales", "measures": [{ "field": "revenue", "agg": "sum" }],
                    "filters": [{ "field": "units", "op": "last_n_days", "value": 3 }] }),
            &[],
            "builder.filters[0].op",
        );
        assert!(e.contains("number column"), "{e}");
    }

    #[test]
    fn a_filter_without_a_value_is_incomplete_and_refused_in_words() {
        let f = |op: &str, value: Value| -> crate::model::report::Filter {
            serde_json::from_value(json!({ "field": "region", "op": op, "value": value })).unwrap()
        };
        for (op, v) in [
            ("in", json!([])),
            ("eq", json!("")),
            ("eq", json!(null)),
            ("between", json!(["2025-01-01", ""])),
            ("between", json!([])),
            ("contains", json!("  ")),
        ] {
            assert!(super::incomplete(&f(op, v.clone())), "{op} {v}");
        }
        for (op, v) in [
            ("in", json!(["North"])),
            ("eq", json!(0)),
            ("is_null", json!(null)),
            ("between", json!([1, 2])),
        ] {
            assert!(!super::incomplete(&f(op, v.clone())), "{op} {v}");
        }
        let e = refused(
            json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "region", "op": "in", "value": [] }] }),
            &[],
            "builder.filters[0].value",
        );
        assert!(e.ends_with("Choose at least one value for region"), "{e}");
    }

    #[test]
    fn in_and_not_in_take_lists() {
        let regions = |op: &str, value: Value| {
            rows(json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "region", "op": op, "value": value }], "sort": [{ "field": "region" }] }))
                .iter()
                .map(|r| text(&r[0]))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            regions("in", json!(["North", "East", "Nowhere"])),
            ["East", "North"]
        );
        assert_eq!(
            regions("not_in", json!(["North", "East"])),
            ["South", "West"]
        );
        let region = [param("region", "string")];
        let (_, r) = rows_with(
            json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "region", "op": "in", "value": "{region}" }] }),
            &region,
            &[("region", ParamValue::Text("South".into()))],
        );
        assert_eq!(r, [[Cell::Text("South".into())]]);
        let units = rows(
            json!({ "dataset": "sales", "measures": [{ "field": "*", "agg": "count" }], "filters": [{ "field": "units", "op": "in", "value": [1, "2", 3.0] }] }),
        );
        assert_eq!(num(&units[0][0]), Some(3.0));
        for bad in [json!([]), json!("North"), json!(vec![1; 1001])] {
            refused(
                json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "region", "op": "not_in", "value": bad }] }),
                &[],
                "builder.filters[0].value",
            );
        }
        refused(
            json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": "units", "op": "in", "value": [1, "two"] }] }),
            &[],
            "builder.filters[0].value[1]",
        );
    }

    #[test]
    fn contains_matches_wildcards_in_the_value_literally_and_ignores_case() {
        let products = |value: Value, params: &[ParameterDef], bound: &[(&str, ParamValue)]| {
            rows_with(
                json!({ "dataset": "sales", "dimensions": ["product"], "filters": [{ "field": "product", "op": "contains", "value": value }], "sort": [{ "field": "product" }] }),
                params,
                bound,
            )
            .1
            .iter()
            .map(|r| text(&r[0]))
            .collect::<Vec<_>>()
        };
        assert_eq!(products(json!("%"), &[], &[]), ["50% off"]);
        assert_eq!(products(json!("_"), &[], &[]), ["a_b"]);
        assert_eq!(products(json!("\\"), &[], &[]), ["back\\slash"]);
        assert_eq!(products(json!("PLAIN"), &[], &[]), ["Plain Again", "plain"]);
        assert_eq!(products(json!("%_\\"), &[], &[]), Vec::<String>::new());
        // A parameter's value is escaped when the query runs.
        let q = [param("q", "string")];
        assert_eq!(
            products(json!("{q}"), &q, &[("q", ParamValue::Text("0%".into()))]),
            ["50% off"]
        );
        assert_eq!(
            products(
                json!({ "param": "q" }),
                &q,
                &[("q", ParamValue::Text("_".into()))]
            ),
            ["a_b"]
        );
        // A number column is matched as text.
        let r = rows(
            json!({ "dataset": "sales", "measures": [{ "field": "*", "agg": "count" }], "filters": [{ "field": "revenue", "op": "contains", "value": 5 }] }),
        );
        assert_eq!(num(&r[0][0]), Some(1.0));
    }

    #[test]
    fn comparison_values_are_checked_against_the_column_s_kind() {
        let f = |field: &str, value: Value| json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": field, "op": "eq", "value": value }] });
        let e = refused(f("units", json!("many")), &[], "builder.filters[0].value");
        assert!(
            e.contains("not a number") && e.contains("`units` is a number column"),
            "{e}"
        );
        refused(
            f("order_date", json!("yesterday")),
            &[],
            "builder.filters[0].value",
        );
        refused(
            f("order_date", json!(20250101)),
            &[],
            "builder.filters[0].value",
        );
        refused(
            f("order_date", json!("2025-02-30")),
            &[],
            "builder.filters[0].value",
        );
        refused(f("paid", json!("maybe")), &[], "builder.filters[0].value");
        refused(f("region", json!(null)), &[], "builder.filters[0].value");
        refused(
            f("region", json!({ "param": "x", "extra": 1 })),
            &[param("x", "string")],
            "builder.filters[0].value",
        );
        let e = refused(
            f("region", json!("{nope}")),
            &[],
            "builder.filters[0].value",
        );
        assert!(e.contains("no parameter `nope`"), "{e}");
        assert!(compiled(f("order_date", json!("2025-01-01 10:00:00")), &[]).is_ok());
        assert!(compiled(f("paid", json!(true)), &[]).is_ok());
        // A string in braces names a parameter; one that is not a plain name is a literal.
        let c = compiled(f("region", json!("{region}")), &[param("region", "string")]).unwrap();
        assert!(c.sql.ends_with("\"region\" = :region"), "{}", c.sql);
        let c = compiled(f("region", json!("{not a name}")), &[]).unwrap();
        assert_eq!(
            c.values["quire_b0"],
            ParamValue::Text("{not a name}".into())
        );
    }

    #[test]
    fn hostile_values_are_bound_never_spliced_and_leave_the_data_whole() {
        let conn = db();
        let f = fields(&conn, "sales").unwrap();
        let count = |conn: &Connection| {
            conn.query_row("SELECT count(*) FROM sales", [], |r| r.get::<_, i64>(0))
                .unwrap()
        };
        let before = count(&conn);
        let bounds = query::Bounds {
            timeout: std::time::Duration::from_secs(5),
            max_rows: 10_000,
            memory_mb: 16,
            result_mb: 16,
        };
        for h in hostile() {
            let filters = |h: &str| {
                [
                    json!({ "field": "region", "op": "eq", "value": h }),
                    json!({ "field": "region", "op": "ne", "value": h }),
                    json!({ "field": "product", "op": "contains", "value": h }),
                    json!({ "field": "region", "op": "in", "value": [h, "North"] }),
                    json!({ "field": "region", "op": "not_in", "value": [h] }),
                    json!({ "field": "region", "op": "between", "value": [h, h] }),
                ]
            };
            let with = |filter: &Value| json!({ "dataset": "sales", "dimensions": ["region"], "measures": [{ "field": "*", "agg": "count" }], "filters": [filter] });
            for (filter, benign) in filters(&h).iter().zip(filters("benign")) {
                let v = with(filter);
                // The SQL is the same as with a harmless value: the value is not in it.
                let benign = compile(&spec(with(&benign)), &f, &[], today()).unwrap();
                match compile(&spec(v.clone()), &f, &[], today()) {
                    Ok(c) => {
                        assert_eq!(c.sql, benign.sql, "{v}");
                        let escaped = super::super::dialect::contains_pattern(&h);
                        assert!(c.values.values().any(|b| matches!(b, ParamValue::Text(t) if t.contains(h.as_str()) || *t == escaped)));
                        query::fetch(&conn, &c.sql, &c.values, None, bounds)
                            .unwrap_or_else(|e| panic!("{v}: {e}"));
                    }
                    // Braces name a parameter, which this report does not have.
                    Err(e) => assert!(
                        h == "{region}" && e.starts_with("builder.filters[0].value"),
                        "{e}"
                    ),
                }
            }
            // Where a number or a date belongs, text is refused naming the value.
            for (field, op) in [
                ("units", "eq"),
                ("order_date", "ge"),
                ("order_date", "last_n_days"),
            ] {
                let v = json!({ "dataset": "sales", "dimensions": ["region"], "filters": [{ "field": field, "op": op, "value": h }] });
                let e = compile(&spec(v), &f, &[], today()).unwrap_err();
                assert!(
                    e.starts_with("builder.filters[0].value: ") && e.len() < 600,
                    "{e}"
                );
            }
        }
        assert_eq!(count(&conn), before);
        assert_eq!(fields(&conn, "sales").unwrap(), f);
    }
}
