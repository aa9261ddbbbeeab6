//! Calculated columns and measures give the same rows on SQLite and on the columnar engine
//! (hand-written specs, then generated expressions); PostgreSQL's are in `postgres.rs`.

use crate::columnar::{check, store, Lcg};
use serde_json::{json, Value};

fn with(exprs: &[(&str, &str)], rest: Value) -> Value {
    let mut spec = json!({ "dataset": "sales" });
    spec["expressions"] = exprs
        .iter()
        .map(|(name, expr)| json!({ "name": name, "expr": expr }))
        .collect();
    for (k, v) in rest.as_object().unwrap() {
        spec[k] = v.clone();
    }
    spec
}

#[test]
fn every_function_answers_the_same_on_both_engines() {
    let (_dir, store) = store();
    let columns: &[(&str, &str)] = &[
        ("margin", "revenue - units"),
        ("price", "revenue / units"),
        ("size", "if(units > 10, \"bulk\", 'retail')"),
        (
            "label",
            "concat(region, '/', year(order_date), '-Q', quarter(order_date))",
        ),
        ("big", "units >= 10 and paid = 1"),
        ("shipped_month", "month(shipped_at)"),
        ("day_of", "day(order_date)"),
        ("low", "lower(product)"),
        ("up", "upper(region)"),
        ("len", "length(trim(product))"),
        ("third", "round(revenue / 3, 2)"),
        ("whole", "round(revenue)"),
        ("a", "abs(units)"),
        ("named", "coalesce(region, \"(none)\")"),
        (
            "band",
            "case(units > 20, \"high\", units > 5, \"mid\", \"low\")",
        ),
        ("band2", "case(units > 20, 3, units > 5, 2)"),
        ("unpaid", "not paid = 1"),
        ("undated", "order_date = null"),
        (
            "recent",
            "order_date >= \"2024-06-01\" or shipped_at < '2024-03-01'",
        ),
        ("neg", "-units * 2 + 1"),
        ("mixed", "if(paid > 0, order_date, '2000-01-01')"),
    ];
    for (name, _) in columns {
        // Each as the dimension, counted and summed.
        assert!(
            check(
                &store,
                with(
                    columns,
                    json!({ "dimensions": [name], "measures": [{ "field": "*", "agg": "count" }, { "field": "revenue", "agg": "sum" }] }),
                ),
            ),
            "{name}"
        );
    }
    let m = |expr: &str, name: &str| json!({ "expr": expr, "as": name });
    let measures = [
        m("sum(revenue) - sum(units)", "net"),
        m("sum(revenue) / count_distinct(region)", "per_region"),
        m("countif(units > 10)", "big"),
        m("share(paid = 0)", "paid_share"),
        m("sumif(revenue, region = \"North\")", "north"),
        m("round(avg(revenue), 2)", "average"),
        m("max(order_date)", "last"),
        m("min(units) * 2", "least"),
        m("count(shipped_at) + count()", "counts"),
        m("sum(margin) / nullif_guard", "bad"),
    ];
    let good: Vec<Value> = measures[..9].to_vec();
    for dims in [json!([]), json!(["region"]), json!(["size", "paid"])] {
        assert!(check(
            &store,
            with(
                columns,
                json!({ "dimensions": dims, "measures": good.clone() }),
            ),
        ));
    }
    // A calculated column filtered on, and a compared period.
    assert!(check(
        &store,
        with(
            columns,
            json!({ "dimensions": ["band"], "measures": [m("sum(revenue) / sum(units)", "ratio")],
                "filters": [{ "field": "size", "op": "eq", "value": "bulk" },
                            { "field": "third", "op": "gt", "value": 10 },
                            { "field": "order_date", "op": "between", "value": ["2024-07-01", "2024-09-30"] }],
                "compare": { "previousPeriod": true } }),
        ),
    ));
    assert!(check(
        &store,
        with(
            columns,
            json!({ "dimensions": ["region"], "measures": [{ "expr": "sum(revenue)", "as": "r", "show": "percent_of_total" }],
                "filters": [{ "field": "big", "op": "eq", "value": true }, { "field": "label", "op": "contains", "value": "/2024" }] }),
        ),
    ));
    // Refused the same way on both.
    assert!(!check(
        &store,
        with(columns, json!({ "measures": [measures[9].clone()] })),
    ));
}

/// A random expression of `kind` over the test sales, `depth` levels deep at most.
fn generate(r: &mut Lcg, kind: &str, depth: u32) -> String {
    let leaf = depth == 0 || r.below(3) == 0;
    match kind {
        "number" if leaf => r
            .pick(&[
                "units",
                "revenue",
                "3",
                "2.5",
                "0",
                "year(order_date)",
                "month(shipped_at)",
            ])
            .to_string(),
        "number" => match r.below(6) {
            0 => format!(
                "({} + {})",
                generate(r, "number", depth - 1),
                generate(r, "number", depth - 1)
            ),
            1 => format!(
                "({} - {})",
                generate(r, "number", depth - 1),
                generate(r, "number", depth - 1)
            ),
            2 => format!(
                "({} * {})",
                generate(r, "number", depth - 1),
                generate(r, "number", depth - 1)
            ),
            3 => format!(
                "({} / {})",
                generate(r, "number", depth - 1),
                generate(r, "number", depth - 1)
            ),
            4 => format!(
                "if({}, {}, {})",
                generate(r, "bool", depth - 1),
                generate(r, "number", depth - 1),
                generate(r, "number", depth - 1)
            ),
            _ => format!(
                "coalesce({}, {})",
                generate(r, "number", depth - 1),
                generate(r, "number", depth - 1)
            ),
        },
        "text" if leaf => r
            .pick(&["region", "product", "\"North\"", "'x''"])
            .replace("x''", "x'")
            .replace("'x'", "\"x'\""),
        "text" => match r.below(4) {
            0 => format!(
                "concat({}, {})",
                generate(r, "text", depth - 1),
                generate(r, "text", depth - 1)
            ),
            1 => format!("upper({})", generate(r, "text", depth - 1)),
            2 => format!(
                "if({}, {}, {})",
                generate(r, "bool", depth - 1),
                generate(r, "text", depth - 1),
                generate(r, "text", depth - 1)
            ),
            _ => format!("coalesce({}, '?')", generate(r, "text", depth - 1)),
        },
        _ if leaf => r
            .pick(&[
                "paid = 1",
                "true",
                "units > 5",
                "region = 'North'",
                "order_date < '2024-09-01'",
            ])
            .to_string(),
        _ => match r.below(5) {
            0 => format!(
                "({} and {})",
                generate(r, "bool", depth - 1),
                generate(r, "bool", depth - 1)
            ),
            1 => format!(
                "({} or {})",
                generate(r, "bool", depth - 1),
                generate(r, "bool", depth - 1)
            ),
            2 => format!("not {}", generate(r, "bool", depth - 1)),
            3 => format!(
                "{} >= {}",
                generate(r, "number", depth - 1),
                generate(r, "number", depth - 1)
            ),
            _ => format!(
                "{} = {}",
                generate(r, "text", depth - 1),
                generate(r, "text", depth - 1)
            ),
        },
    }
}

#[test]
fn generated_expressions_answer_the_same_on_both_engines() {
    let (_dir, store) = store();
    let mut r = Lcg(2025);
    let mut answered = 0;
    for _ in 0..150 {
        let kind = *r.pick(&["number", "text", "bool"]);
        let expr = generate(&mut r, kind, 3);
        let spec = match (kind, r.below(3)) {
            // As a column: grouped by, or summed, or filtered on.
            (_, 0) => with(
                &[("x", &expr)],
                json!({ "dimensions": ["x"], "measures": [{ "field": "*", "agg": "count" }] }),
            ),
            ("number", 1) => with(
                &[("x", &expr)],
                json!({ "dimensions": ["region"], "measures": [{ "field": "x", "agg": "sum" }, { "field": "x", "agg": "max" }] }),
            ),
            ("bool", 1) => with(
                &[("x", &expr)],
                json!({ "dimensions": ["region"], "measures": [{ "field": "*", "agg": "count" }], "filters": [{ "field": "x", "op": "eq", "value": true }] }),
            ),
            // Inside a measure.
            ("number", _) => {
                json!({ "dataset": "sales", "dimensions": ["paid"], "measures": [{ "expr": format!("sum({expr}) / count()"), "as": "m" }] })
            }
            ("bool", _) => {
                json!({ "dataset": "sales", "dimensions": ["region"], "measures": [{ "expr": format!("countif({expr})"), "as": "m" }, { "expr": format!("share({expr})"), "as": "s" }] })
            }
            _ => {
                json!({ "dataset": "sales", "measures": [{ "expr": format!("count_distinct({expr})"), "as": "m" }] })
            }
        };
        answered += check(&store, spec) as u32;
    }
    // Every generated expression is well typed: all are answered.
    assert_eq!(answered, 150);
}
