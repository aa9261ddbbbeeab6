//! Report parameters: raw strings from a form, a URL or a schedule, parsed by their declared type.

use crate::data::date_expr;
use crate::data::query::{ParamValue, Params};
use crate::model::report::{ParamType, ParameterDef};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A parameter whose value is wrong; `name` is the parameter.
#[derive(Debug, Clone, thiserror::Error)]
#[error("parameter `{name}`: {message}")]
pub struct ParamError {
    pub name: String,
    pub message: String,
}

/// Parameter values to bind, and the same as text for title blocks.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub values: Params,
    pub shown: Vec<(String, String)>,
}

/// Parses `raw` against `defs`; `today` anchors date expressions.
pub fn resolve(
    defs: &[ParameterDef],
    raw: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Resolved, ParamError> {
    if let Some(unknown) = raw.keys().find(|k| !defs.iter().any(|d| &d.name == *k)) {
        return Err(ParamError {
            name: unknown.clone(),
            message: "this report has no such parameter".into(),
        });
    }
    let mut out = Resolved::default();
    for def in defs {
        let err = |message: String| ParamError {
            name: def.name.clone(),
            message,
        };
        let text = raw
            .get(&def.name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .or(def.default_value.as_deref());
        let Some(text) = text else {
            if def.required {
                return Err(err("is required".into()));
            }
            out.values.insert(def.name.clone(), ParamValue::Null);
            continue;
        };
        if text.len() > 1000 {
            return Err(err("value is longer than 1000 characters".into()));
        }
        let value = match def.kind {
            ParamType::String => ParamValue::Text(text.to_string()),
            ParamType::Number => {
                let v = match text.parse::<i64>() {
                    Ok(i) => ParamValue::Int(i),
                    Err(_) => match text.parse::<f64>() {
                        Ok(f) if f.is_finite() => ParamValue::Real(f),
                        _ => {
                            return Err(err(format!(
                                "`{}` is not a number",
                                crate::model::text::truncate(text, 40)
                            )))
                        }
                    },
                };
                let n = match v {
                    ParamValue::Int(i) => i as f64,
                    ParamValue::Real(f) => f,
                    _ => 0.0,
                };
                if let Some(min) = def.min.filter(|m| n < *m) {
                    return Err(err(format!("{text} is below the least value, {min}")));
                }
                if let Some(max) = def.max.filter(|m| n > *m) {
                    return Err(err(format!("{text} is above the greatest value, {max}")));
                }
                v
            }
            ParamType::Date => {
                let date = match date_expr::evaluate(text, today) {
                    Some(r) => r.map_err(err)?,
                    None => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                        err(format!(
                            "`{text}` is not a date (YYYY-MM-DD, now() or {{{{ today - 7d }}}})"
                        ))
                    })?,
                };
                ParamValue::Text(date.format("%Y-%m-%d").to_string())
            }
            ParamType::Boolean => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => ParamValue::Int(1),
                "false" | "0" | "no" | "off" => ParamValue::Int(0),
                _ => return Err(err(format!("`{text}` is not true or false"))),
            },
            ParamType::Enum => {
                if !def.options.iter().any(|o| o == text) {
                    return Err(err(format!(
                        "`{text}` is not one of {}",
                        def.options.join(", ")
                    )));
                }
                ParamValue::Text(text.to_string())
            }
        };
        let label = if def.label.is_empty() {
            def.name.clone()
        } else {
            def.label.clone()
        };
        let shown = match &value {
            ParamValue::Int(i) if def.kind == ParamType::Boolean => (*i == 1).to_string(),
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Real(f) => f.to_string(),
            ParamValue::Text(s) => s.clone(),
            ParamValue::Null => String::new(),
        };
        out.shown.push((label, shown));
        out.values.insert(def.name.clone(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, kind: ParamType, required: bool, default: Option<&str>) -> ParameterDef {
        ParameterDef {
            min: None,
            max: None,
            name: name.into(),
            label: String::new(),
            kind,
            required,
            default_value: default.map(String::from),
            options: vec!["North".into(), "South".into()],
        }
    }

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_are_typed_and_wrong_types_name_the_parameter() {
        let today = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap();
        let defs = vec![
            def("days", ParamType::Number, true, Some("90")),
            def(
                "from",
                ParamType::Date,
                false,
                Some("{{ start_of_month - 1m }}"),
            ),
            def("region", ParamType::Enum, false, None),
            def("flag", ParamType::Boolean, false, Some("yes")),
        ];
        let r = resolve(&defs, &raw(&[("region", "North")]), today).unwrap();
        assert_eq!(r.values["days"], ParamValue::Int(90));
        assert_eq!(r.values["from"], ParamValue::Text("2026-12-01".into()));
        assert_eq!(r.values["region"], ParamValue::Text("North".into()));
        assert_eq!(r.values["flag"], ParamValue::Int(1));

        for (k, v) in [
            ("days", "ninety"),
            ("from", "2026-13-01"),
            ("region", "Mars"),
            ("flag", "maybe"),
        ] {
            let e = resolve(&defs, &raw(&[(k, v)]), today).unwrap_err();
            assert_eq!(e.name, k, "{e}");
        }
        let e = resolve(&defs, &raw(&[("nope", "1")]), today).unwrap_err();
        assert_eq!(e.name, "nope");
        let required = vec![def("x", ParamType::String, true, None)];
        assert_eq!(resolve(&required, &raw(&[]), today).unwrap_err().name, "x");
    }
}
