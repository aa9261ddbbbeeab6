//! Expressions compiled over the compiler's test sales and run on SQLite; the other engines
//! give the same rows in `tests/it/expressions.rs`.

use super::super::testing::*;
use super::super::*;

fn calc(exprs: Value, rest: Value) -> Value {
    let mut spec = json!({ "dataset": "sales", "expressions": exprs });
    for (k, v) in rest.as_object().unwrap() {
        spec[k] = v.clone();
    }
    spec
}

fn texts(rows: &[Vec<Cell>], col: usize) -> Vec<String> {
    rows.iter().map(|r| text(&r[col])).collect()
}

#[test]
fn a_calculated_column_groups_filters_and_is_measured_like_a_field() {
    let size = json!([{ "name": "size", "expr": "if(units > 4, \"bulk\", 'retail')" }]);
    let r = rows(calc(
        size.clone(),
        json!({ "dimensions": ["size"], "measures": [{ "field": "revenue", "agg": "sum" }] }),
    ));
    assert_eq!(texts(&r, 0), ["bulk", "retail"]);
    assert_eq!(num(&r[0][1]), Some(260.0));
    assert_eq!(num(&r[1][1]), Some(100.0));

    let r = rows(calc(
        size,
        json!({ "measures": [{ "field": "revenue", "agg": "sum" }],
                "filters": [{ "field": "size", "op": "eq", "value": "bulk" }] }),
    ));
    assert_eq!(num(&r[0][0]), Some(260.0));

    // A number column from others, summed; a condition column, filtered on.
    let r = rows(calc(
        json!([{ "name": "price", "expr": "revenue / units" },
               { "name": "big", "expr": "units >= 5 and not region = \"East\"" }]),
        json!({ "measures": [{ "field": "price", "agg": "max" }, { "field": "big", "agg": "sum" }],
                "filters": [{ "field": "big", "op": "eq", "value": true }] }),
    ));
    assert_eq!((num(&r[0][0]), num(&r[0][1])), (Some(10.0), Some(2.0)));
}

#[test]
fn calculated_measures_add_up_rows_and_a_zero_divisor_gives_empty() {
    let m = |expr: &str, name: &str| json!({ "expr": expr, "as": name });
    let r = rows(json!({ "dataset": "sales", "measures": [
        m("sum(revenue) / count()", "average"),
        m("countif(units > 4)", "big"),
        m("share(region = \"North\")", "north"),
        m("sumif(revenue, region = 'East')", "east"),
        m("sum(revenue) / sum(units * 0)", "nothing"),
        m("round(avg(revenue) / 3, 2)", "third"),
        m("count_distinct(region) + count(order_date)", "mixed"),
        m("max(order_date)", "last"),
    ] }));
    let got: Vec<Option<f64>> = r[0][..7].iter().map(num).collect();
    assert_eq!(
        got,
        [
            Some(40.0),
            Some(4.0),
            Some(4.0 / 9.0),
            Some(130.0),
            None,
            Some(13.33),
            Some(12.0)
        ]
    );
    assert_eq!(text(&r[0][7]), "2025-12-31");
}

#[test]
fn date_parts_concat_and_coalesce_read_empty_values_as_every_engine_does() {
    let r = rows(calc(
        json!([{ "name": "m", "expr": "month(order_date)" }]),
        json!({ "dimensions": ["m"], "measures": [{ "field": "*", "agg": "count" }] }),
    ));
    let months: Vec<(Option<f64>, Option<f64>)> =
        r.iter().map(|row| (num(&row[0]), num(&row[1]))).collect();
    assert_eq!(
        months,
        [
            (None, Some(1.0)),
            (Some(1.0), Some(3.0)),
            (Some(2.0), Some(1.0)),
            (Some(3.0), Some(1.0)),
            (Some(4.0), Some(1.0)),
            (Some(12.0), Some(2.0)),
        ]
    );
    let r = rows(calc(
        json!([
            { "name": "label", "expr": "concat(region, '-', year(order_date), '/Q', quarter(order_date))" },
            { "name": "lab2", "expr": "coalesce(concat(lower(region), \"|\"), 'x') " },
        ]),
        json!({ "dimensions": ["label", "lab2"], "filters": [{ "field": "region", "op": "in", "value": ["West", "East"] }] }),
    ));
    let mut got = texts(&r, 0);
    got.sort();
    assert_eq!(got, ["East-2025/Q2", "East-2025/Q4", "West-/Q"]);
    assert!(texts(&r, 1).iter().all(|t| t == "east|" || t == "west|"));
}

#[test]
fn a_calculated_measure_compares_periods_and_is_shown_as_a_share() {
    let r = rows(json!({ "dataset": "sales",
        "measures": [{ "expr": "sum(revenue) - sum(units)", "as": "net" }],
        "filters": [{ "field": "order_date", "op": "between", "value": ["2025-01-01", "2025-01-06"] }],
        "compare": { "previousPeriod": true } }));
    assert_eq!((num(&r[0][0]), num(&r[0][1])), (Some(81.0), Some(9.0)));
    let r = rows(json!({ "dataset": "sales", "dimensions": ["region"],
        "measures": [{ "expr": "sum(revenue)", "as": "r", "show": "percent_of_total" }] }));
    let north = r.iter().find(|row| text(&row[0]) == "North").unwrap();
    assert!(close(num(&north[1]), Some(80.0 / 360.0)));
}

#[test]
fn hostile_text_in_an_expression_is_a_bound_value() {
    let evil = "'; DROP TABLE sales; --\" ) UNION SELECT sql FROM sqlite_schema --";
    let c = compiled(
        calc(
            json!([{ "name": "x", "expr": format!("concat(region, {})", serde_json::to_string(evil).unwrap()) }]),
            json!({ "dimensions": ["x"] }),
        ),
        &[],
    )
    .unwrap();
    assert!(!c.sql.contains("DROP"), "{}", c.sql);
    assert!(c
        .values
        .values()
        .any(|v| *v == ParamValue::Text(evil.into())));
    let r = rows(calc(
        json!([{ "name": "x", "expr": format!("concat(region, {})", serde_json::to_string(evil).unwrap()) }]),
        json!({ "dimensions": ["x"], "filters": [{ "field": "region", "op": "eq", "value": "West" }] }),
    ));
    assert_eq!(texts(&r, 0), [format!("West{evil}")]);
    assert_eq!(
        rows(json!({ "dataset": "sales", "measures": [{ "field": "*", "agg": "count" }] }))[0][0],
        Cell::Int(9)
    );
}

#[test]
fn mistakes_are_refused_naming_the_expression_and_the_character() {
    let col = |expr: &str| {
        calc(
            json!([{ "name": "x", "expr": expr }]),
            json!({ "dimensions": ["x"] }),
        )
    };
    let measure = |m: Value| json!({ "dataset": "sales", "measures": [m] });
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            col("revenue - costs"),
            "builder.expressions[0].expr",
            "no field named `costs` (there are order_date",
        ),
        (
            col("revenue - costs"),
            "builder.expressions[0].expr",
            "(at character 11)",
        ),
        (
            col("sum(revenue)"),
            "builder.expressions[0].expr",
            "adds up rows: use it in a measure",
        ),
        (
            col("region + 1"),
            "builder.expressions[0].expr",
            "`+` needs a number; this is text",
        ),
        (
            col("region = 1"),
            "builder.expressions[0].expr",
            "compares values of one kind",
        ),
        (
            col("if(units, 1, 2)"),
            "builder.expressions[0].expr",
            "should be a condition",
        ),
        (
            col("if(units > 1, 1, 'a')"),
            "builder.expressions[0].expr",
            "gives one kind of value",
        ),
        (
            col("foo(1)"),
            "builder.expressions[0].expr",
            "no function named `foo`",
        ),
        (
            col("round(revenue, units)"),
            "builder.expressions[0].expr",
            "digits are a whole number",
        ),
        (
            col("concat(region, revenue)"),
            "builder.expressions[0].expr",
            "may have decimals",
        ),
        (col("null"), "builder.expressions[0].expr", "always empty"),
        (
            col("sum"),
            "builder.expressions[0].expr",
            "`sum` is a function",
        ),
        (
            col(""),
            "builder.expressions[0].expr",
            "write an expression",
        ),
        (
            col("year(region)"),
            "builder.expressions[0].expr",
            "year needs a date; this is text",
        ),
        (
            calc(
                json!([{ "name": "revenue", "expr": "1" }]),
                json!({ "dimensions": ["revenue"] }),
            ),
            "builder.expressions[0].name",
            "already a column of the dataset",
        ),
        (
            calc(
                json!([{ "name": "a b", "expr": "1" }]),
                json!({ "dimensions": ["region"] }),
            ),
            "builder.expressions[0].name",
            "not a plain name",
        ),
        (
            calc(
                json!([{ "name": "a", "expr": "b" }, { "name": "b", "expr": "1" }]),
                json!({ "dimensions": ["a"] }),
            ),
            "builder.expressions[0].expr",
            "no field named `b`",
        ),
        (
            measure(json!({ "expr": "sum(revenue) - units", "as": "m" })),
            "builder.measures[0].expr",
            "(at character 16)",
        ),
        (
            measure(json!({ "expr": "sum(revenue) - units", "as": "m" })),
            "builder.measures[0].expr",
            "inside an aggregate, as in sum(units)",
        ),
        (
            measure(json!({ "expr": "sum(count())", "as": "m" })),
            "builder.measures[0].expr",
            "do not nest",
        ),
        (
            measure(json!({ "expr": "1 + 2", "as": "m" })),
            "builder.measures[0].expr",
            "a measure adds up rows",
        ),
        (
            measure(json!({ "expr": "count()" })),
            "builder.measures[0].as",
            "name the calculated measure",
        ),
        (
            measure(json!({ "expr": "count()", "as": "x y" })),
            "builder.measures[0].as",
            "not a plain name",
        ),
        (
            measure(json!({ "expr": "count()", "as": "m", "field": "revenue" })),
            "builder.measures[0].expr",
            "no field or agg of its own",
        ),
        (
            measure(json!({ "expr": "max(order_date)", "as": "m", "show": "running_total" })),
            "builder.measures[0].show",
            "work on numbers",
        ),
        (
            measure(json!({ "field": "revenue" })),
            "builder.measures[0].agg",
            "choose how to add up",
        ),
        (
            measure(json!({ "agg": "sum" })),
            "builder.measures[0].field",
            "give a field",
        ),
    ];
    for (spec, path, words) in cases {
        let e = refused(spec.clone(), &[], path);
        assert!(e.contains(words), "{spec}: {e}");
    }
    let many: Vec<Value> = (0..51)
        .map(|i| json!({ "name": format!("c{i}"), "expr": "1" }))
        .collect();
    refused(
        calc(json!(many), json!({ "dimensions": ["region"] })),
        &[],
        "builder.expressions",
    );
}

#[test]
fn each_dialect_spells_the_expression_its_own_way() {
    let conn = db();
    let fields = fields(&conn, "sales").unwrap();
    let s = spec(calc(
        json!([{ "name": "x", "expr": "concat(region, '!') = 'a' or units / 2 > round(revenue, 1) or paid" }]),
        json!({ "dimensions": ["x"], "measures": [{ "expr": "sum(paid) + share(month(order_date) = 1)", "as": "m" }] }),
    ));
    let pg = compile_for(Dialect::Postgres, &s, &fields, &[], today())
        .unwrap()
        .sql;
    for piece in [
        "CAST(:quire_b0 AS text)",
        "CAST(round(CAST(\"revenue\" AS numeric), 1) AS double precision)",
        "extract(month FROM \"order_date\")",
        "(\"paid\")::integer",
        "NULLIF(2, 0)",
    ] {
        assert!(pg.contains(piece), "{piece}\n{pg}");
    }
    let col = compile_for(Dialect::Columnar, &s, &fields, &[], today())
        .unwrap()
        .sql;
    for piece in [
        "$quire_b0",
        "(\"paid\" <> 0)",
        "CAST(",
        "AS BIGINT)",
        "round(CAST(\"revenue\" AS DOUBLE), 1)",
        "date_part('month', TRY_CAST(\"order_date\" AS TIMESTAMP))",
    ] {
        assert!(col.contains(piece), "{piece}\n{col}");
    }
}

#[test]
fn names_are_renamed_but_functions_and_texts_are_not() {
    let map: std::collections::HashMap<String, String> = [
        ("amount".to_string(), "total".to_string()),
        ("year".to_string(), "fiscal year".to_string()),
        ("status".to_string(), "state".to_string()),
    ]
    .into();
    assert_eq!(
        super::rename(
            "sum(amount) / count(year(day)) + countif(status = \"amount\") + year",
            &map
        )
        .unwrap(),
        "sum(total) / count(year(day)) + countif(state = \"amount\") + [fiscal year]"
    );
    assert_eq!(
        super::names("if([unit price] > 3, amount, amount * 2)").unwrap(),
        ["unit price", "amount"]
    );
    assert!(super::rename("sum(", &map).is_err());
}
