//! Aggregates in a calculated measure: `sum`, `avg`, `min`, `max`, `count`,
//! `count_distinct`, `countif`, `sumif` and `share`, each over the compared period's rows when
//! there is one.

use super::{err, Cx, Expr, ExprError, Span, K, T};
use crate::model::report::Aggregation;

impl Cx<'_, '_, '_> {
    pub(super) fn aggregate(&mut self, f: &str, args: &[Expr], span: Span) -> Result<T, ExprError> {
        if !self.measure {
            return Err(err(
                span,
                format!("`{f}` adds up rows: use it in a measure (a calculated column works row by row)"),
            ));
        }
        if self.in_agg {
            return Err(err(
                span,
                format!("`{f}` is inside another aggregate; aggregates do not nest"),
            ));
        }
        self.aggs += 1;
        self.in_agg = true;
        let out = self.aggregate_inner(f, args, span);
        self.in_agg = false;
        out
    }

    fn aggregate_inner(&mut self, f: &str, args: &[Expr], span: Span) -> Result<T, ExprError> {
        let d = self.d();
        let only = self.only.map(str::to_string);
        // The value aggregated, over the compared period's rows when there is one.
        let over = |value: &str, when: Option<&str>| -> String {
            let cond = match (when, only.as_deref()) {
                (None, None) => return value.to_string(),
                (Some(c), None) | (None, Some(c)) => c.to_string(),
                (Some(c), Some(o)) => format!("{c} AND {o}"),
            };
            format!("CASE WHEN {cond} THEN {value} END")
        };
        let usage = |u: &str| err(span, format!("write it as {u}"));
        let counted = |sql: String| {
            let mut t = T::new(sql, K::Number);
            t.int = true;
            t
        };
        let all_rows = match &only {
            None => "count(*)".to_string(),
            Some(_) => d.aggregate(Aggregation::Count, &over("1", None)),
        };
        match (f, args) {
            ("count", []) => Ok(counted(all_rows)),
            ("count" | "count_distinct", [x]) => {
                let t = self.expr(x)?;
                let agg = match f {
                    "count" => Aggregation::Count,
                    _ => Aggregation::CountDistinct,
                };
                Ok(counted(d.aggregate(agg, &over(&self.value(&t), None))))
            }
            ("sum" | "avg", [x]) => {
                let t = self.expr(x)?;
                let v = match t.kind {
                    K::Boolean => d.bool_number(&self.value(&t)),
                    _ => {
                        self.number(&t, x, f)?;
                        t.sql.clone()
                    }
                };
                let agg = match f {
                    "sum" => Aggregation::Sum,
                    _ => Aggregation::Avg,
                };
                Ok(T::new(d.aggregate(agg, &over(&v, None)), K::Number))
            }
            ("min" | "max", [x]) => {
                let t = self.expr(x)?;
                if !matches!(t.kind, K::Number | K::Date | K::Null) {
                    return Err(err(
                        x.span,
                        format!("{f} needs a number or a date; this is {}", t.kind.word()),
                    ));
                }
                let agg = match f {
                    "min" => Aggregation::Min,
                    _ => Aggregation::Max,
                };
                let mut out = T::new(d.aggregate(agg, &over(&t.sql, None)), t.kind);
                out.int = t.int;
                Ok(out)
            }
            ("countif" | "share", [c]) => {
                let t = self.expr(c)?;
                let cond = self.cond(&t, c)?;
                let hits = d.aggregate(Aggregation::Count, &over("1", Some(&cond)));
                Ok(match f {
                    "countif" => counted(hits),
                    _ => T::new(
                        format!("({} / NULLIF({all_rows}, 0))", d.real(&hits)),
                        K::Number,
                    ),
                })
            }
            ("sumif", [x, c]) => {
                let t = self.expr(x)?;
                self.number(&t, x, "sumif")?;
                let ct = self.expr(c)?;
                let cond = self.cond(&ct, c)?;
                Ok(T::new(
                    d.aggregate(Aggregation::Sum, &over(&t.sql, Some(&cond))),
                    K::Number,
                ))
            }
            ("count", _) => Err(usage("count() or count(field)")),
            ("sumif", _) => Err(usage("sumif(number, condition)")),
            ("countif" | "share", _) => Err(usage(&format!("{f}(condition)"))),
            (f, _) => Err(usage(&format!("{f}(field)"))),
        }
    }
}
