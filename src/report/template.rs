//! Templates (text blocks, a report's description) rendered against what a run can quote
//! (`run::context`), with minijinja (Jinja syntax) as plain text: the page escapes it like any
//! text, the PDF and spreadsheet take it as data, so no value can inject markup. Templates are
//! checked when a report is saved; loops are bounded by fuel, output by `MAX_OUTPUT`.

use crate::model::template::{describe, environment};
use serde_json::Value;

/// Longest rendered text.
const MAX_OUTPUT: usize = 50_000;

/// A description with its `{{ ... }}` filled from `ctx`; where that cannot be done (a list of
/// reports has no result to quote), each expression is left out as `…`.
pub fn describe_report(source: &str, ctx: &Value) -> String {
    if !source.contains("{{") && !source.contains("{%") {
        return source.to_string();
    }
    render(source, ctx).unwrap_or_else(|_| {
        let mut out = String::new();
        let mut rest = source;
        while let Some(i) = rest.find("{{") {
            out.push_str(&rest[..i]);
            let Some(j) = rest[i..].find("}}") else {
                rest = "";
                break;
            };
            // Each expression alone: what the context knows is filled, the rest is `…`.
            let expr = &rest[i..i + j + 2];
            out.push_str(&render(expr, ctx).unwrap_or_else(|_| "…".into()));
            rest = &rest[i + j + 2..];
        }
        out.push_str(rest);
        out
    })
}

/// Renders a text block against `ctx`.
pub fn render(source: &str, ctx: &Value) -> Result<String, String> {
    let out = environment()
        .render_str(source, ctx)
        .map_err(|e| describe(&e))?;
    if out.len() > MAX_OUTPUT {
        return Err(format!("renders to more than {MAX_OUTPUT} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::template::{check, MAX_CHARS};
    use serde_json::json;

    fn ctx() -> Value {
        json!({
            "report": { "name": "Sales", "generated": "2026-11-29 10:00 UTC" },
            "params": { "days": 30 },
            "kpis": { "revenue": { "value": "$1,234.00", "change": "+5.0%", "direction": "up", "number": 1234.0 } },
            "tables": {},
        })
    }

    #[test]
    fn values_from_the_result_fill_the_sentence() {
        let s = "Revenue was {{ kpis.revenue.value }} ({{ kpis.revenue.change }}){% if kpis.revenue.direction == 'up' %}, up{% endif %}.";
        assert_eq!(
            render(s, &ctx()).unwrap(),
            "Revenue was $1,234.00 (+5.0%), up."
        );
    }

    #[test]
    fn a_description_quotes_the_run_or_leaves_a_gap_where_it_cannot() {
        let d = "Over the last {{ params.days }} days, to {{ queries.kpis.end|date }}.";
        let mut c = ctx();
        c["queries"] = json!({ "kpis": { "end": "2025-12-29" } });
        assert_eq!(
            describe_report(d, &c),
            "Over the last 30 days, to 29 Dec 2025."
        );
        assert_eq!(
            describe_report(d, &json!({ "params": { "days": 30 } })),
            "Over the last 30 days, to …."
        );
        assert_eq!(describe_report("Plain {text}", &c), "Plain {text}");
        // Without a run `queries` is empty, and a description can say only what it knows.
        let d = "{% if queries.kpis is defined %}To {{ queries.kpis.end|date }}{% else %}The last {{ params.days }} days{% endif %}.";
        assert_eq!(describe_report(d, &c), "To 29 Dec 2025.");
        assert_eq!(
            describe_report(d, &json!({ "params": { "days": 30 }, "queries": {} })),
            "The last 30 days."
        );
    }

    #[test]
    fn markup_in_values_stays_text_and_bad_templates_say_where() {
        let c = json!({ "kpis": { "x": { "value": "<script>alert(1)</script>" } } });
        // Plain text out: the page escapes it when it shows it.
        assert_eq!(
            render("{{ kpis.x.value }}", &c).unwrap(),
            "<script>alert(1)</script>"
        );
        assert!(check("{{ kpis.revenue.value ")
            .unwrap_err()
            .contains("line 1"));
        assert!(check("{% for %}").is_err());
        assert!(
            render("{{ kpis.nope.value }}", &ctx()).is_err(),
            "a misspelt name is an error"
        );
        assert!(check(&"x".repeat(MAX_CHARS + 1)).is_err());
        // An endless loop runs out of fuel.
        let e = render(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            &ctx(),
        );
        assert!(e.is_err());
    }
}
