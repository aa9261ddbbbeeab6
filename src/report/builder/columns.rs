//! The columns a spec may name wherever it names a field: the dataset's own, then its
//! calculated columns (`expressions[]`), each an expression over the ones before it.

use super::expr;
use super::filter::Binder;
use super::{plain, shown, Field};
use crate::model::report::BuilderSpec;

/// Most calculated columns one spec may define.
const MAX_EXPRESSIONS: usize = 50;

/// A column a spec can use: what it is and the SQL that reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub field: Field,
    pub sql: String,
    /// A calculated column (its SQL is an expression, not the column's name).
    pub calculated: bool,
}

/// The dataset's fields, then `spec`'s calculated columns compiled in the dialect of `b`.
/// Errors name the expression (`builder.expressions[1].expr: … (at character 9)`).
pub fn columns(
    b: &mut Binder,
    spec: &BuilderSpec,
    fields: &[Field],
) -> Result<Vec<Column>, String> {
    let mut out: Vec<Column> = fields
        .iter()
        .map(|f| Column {
            field: f.clone(),
            sql: b.d.quote(&f.name),
            calculated: false,
        })
        .collect();
    if spec.expressions.len() > MAX_EXPRESSIONS {
        return Err(format!(
            "builder.expressions: at most {MAX_EXPRESSIONS} calculated columns ({} given)",
            spec.expressions.len()
        ));
    }
    for (i, e) in spec.expressions.iter().enumerate() {
        let at = format!("builder.expressions[{i}]");
        if !plain(&e.name) || e.name.len() > 64 {
            return Err(format!(
                "{at}.name: `{}` is not a plain name (letters, digits, _; at most 64)",
                shown(&e.name)
            ));
        }
        if let Some(c) = out.iter().find(|c| c.field.name == e.name) {
            let what = match c.calculated {
                true => "another calculated column",
                false => "a column of the dataset",
            };
            return Err(format!(
                "{at}.name: `{}` is already {what}; choose another name",
                e.name
            ));
        }
        let c = expr::column(b, &out, &e.expr).map_err(|x| x.at(&format!("{at}.expr")))?;
        out.push(Column {
            field: Field {
                name: e.name.clone(),
                kind: c.kind,
            },
            sql: format!("({})", c.sql),
            calculated: true,
        });
    }
    Ok(out)
}

/// The column `name` of `columns`, or an error at `at` listing them.
pub fn find<'c>(
    columns: &'c [Column],
    dataset: &str,
    name: &str,
    at: &str,
) -> Result<&'c Column, String> {
    columns
        .iter()
        .find(|c| c.field.name == name)
        .ok_or_else(|| {
            format!(
                "{at}: the dataset `{}` has no column `{}` (it has {})",
                shown(dataset),
                shown(name),
                columns
                    .iter()
                    .map(|c| c.field.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}
