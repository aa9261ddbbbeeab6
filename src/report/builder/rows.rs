//! The dataset rows a spec's filters select, every column ungrouped: what a chart's category
//! stands for when someone drills into it.

use super::columns::{find, scope};
use super::filter::{condition, Binder};
use super::{Compiled, Dialect, Field};
use crate::model::report::{BuilderSpec, ParameterDef};
use chrono::NaiveDate;

/// `SELECT` every field of `spec`'s dataset `WHERE` its filters (bound as `compile` binds
/// them); dimensions, measures, sort and limit play no part.
pub fn compile_rows(
    d: Dialect,
    spec: &BuilderSpec,
    fields: &[Field],
    joined: &[Vec<Field>],
    params: &[ParameterDef],
    today: NaiveDate,
    reader: Option<&crate::data::source::Reader>,
    inner: Option<&super::Inner>,
) -> Result<Compiled, String> {
    let mut b = Binder::new(d, params);
    b.reader = reader.map(|r| (r, today));
    b.inner = inner;
    // Filters may name joined and calculated columns; the rows are the dataset's own.
    let read = scope(&mut b, spec, fields, joined)?;
    let cols = &read.columns;
    let mut conditions = Vec::with_capacity(spec.filters.len());
    for (i, f) in spec.filters.iter().enumerate() {
        let col = find(
            cols,
            &spec.dataset,
            &f.field,
            &format!("builder.filters[{i}].field"),
        )?;
        conditions.push(condition(&mut b, f, col, i, today)?.sql);
    }
    let columns: Vec<&str> = cols[..read.own].iter().map(|c| c.sql.as_str()).collect();
    let mut sql = format!("SELECT {} FROM {}", columns.join(", "), read.from);
    if !conditions.is_empty() {
        sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    if b.reader.is_some() {
        sql.insert_str(0, crate::data::source::sighted_tag());
    }
    let fields = cols[..read.own].iter().map(|c| c.field.clone()).collect();
    Ok(Compiled {
        sql,
        values: b.values,
        columns: fields,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn the_rows_behind_a_region_are_the_dataset_rows_its_filters_select() {
        let conn = db();
        let s = spec(json!({ "dataset": "sales", "dimensions": ["region"],
            "measures": [{ "field": "revenue", "agg": "sum" }],
            "filters": [{ "field": "region", "op": "eq", "value": "North" },
                        { "field": "units", "op": "ge", "value": 2 }] }));
        let fields = super::super::fields(&conn, "sales").unwrap();
        let c = compile_rows(Dialect::Sqlite, &s, &fields, &[], &[], today(), None, None).unwrap();
        let bounds = query::Bounds {
            timeout: std::time::Duration::from_secs(5),
            max_rows: 100,
            memory_mb: 16,
            result_mb: 16,
        };
        let rs = query::fetch(&conn, &c.sql, &c.values, None, bounds).unwrap();
        assert_eq!(rs.columns.len(), 7, "{:?}", rs.columns);
        let want: Vec<&str> = ROWS
            .iter()
            .filter(|r| r.1 == "North" && r.3 >= 2)
            .map(|r| r.2)
            .collect();
        let got: Vec<String> = rs.rows.iter().map(|r| r[2].as_text()).collect();
        assert_eq!(got, want);
    }
}
