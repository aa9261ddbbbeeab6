//! The columns a spec may name wherever it names a field: the dataset's own, then the fields
//! of the datasets it joins (`<dataset>.<field>`), then its calculated columns
//! (`expressions[]`), each an expression over the ones before it; and the FROM that reads them.

use super::expr;
use super::fields::Column;
use super::filter::{condition, Binder};
use super::{plain, shown, Field};
use crate::model::report::{BuilderSpec, JoinKind};

/// Most calculated columns one spec may define.
const MAX_EXPRESSIONS: usize = 50;
/// Most datasets one spec may join, and keys per join.
const MAX_JOINS: usize = 4;
const MAX_KEYS: usize = 4;

/// The name a saved question's rows are read under (`FROM (…) AS "question"`).
pub const NESTED: &str = "question";

/// What a spec reads: its columns and the FROM clause that has them.
pub struct Scope {
    pub columns: Vec<Column>,
    pub from: String,
    /// How many of `columns` are the dataset's own (they come first).
    pub own: usize,
}

/// The rows of table `name` its reader may see, as a subquery, when row policies hide some
/// from them (see `model::access`): the rows any of their policies' filters pass, none when
/// no policy of theirs applies. A filter that no longer fits the table (its field gone, a
/// value of the wrong kind) allows nothing. None: the table is read whole.
pub(super) fn relation(b: &mut Binder, name: &str, fields: &[Field]) -> Option<String> {
    let (reader, today) = b.reader?;
    let filters = reader.rows(name)?;
    let d = b.d;
    let was = std::mem::replace(&mut b.literal_only, true);
    let mut allowed = Vec::with_capacity(filters.len());
    for (i, f) in filters.iter().enumerate() {
        let Some(field) = fields.iter().find(|x| x.name == f.field) else {
            continue;
        };
        let col = Column {
            field: field.clone(),
            sql: d.quote(&field.name),
            calculated: false,
        };
        let kept = b.values.clone();
        match condition(b, f, &col, i, today) {
            Ok(c) => allowed.push(format!("({})", c.sql)),
            Err(why) => {
                b.values = kept;
                tracing::warn!(table = name, %why, "a row policy allows nothing");
            }
        }
    }
    b.literal_only = was;
    let rows = match allowed.is_empty() {
        true => "1 = 0".to_string(),
        false => allowed.join(" OR "),
    };
    Some(format!("(SELECT * FROM {} WHERE {rows})", d.table(name)))
}

/// The columns of `spec` (see [`columns`]) and its FROM: the dataset, then each join.
/// `joined[i]` are the fields of `spec.joins[i].dataset`.
pub fn scope(
    b: &mut Binder,
    spec: &BuilderSpec,
    fields: &[Field],
    joined: &[Vec<Field>],
) -> Result<Scope, String> {
    let d = b.d;
    let inner = b.inner;
    if let Some(q) = inner {
        b.values
            .extend(q.values.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let base_name = match inner {
        Some(_) => NESTED,
        None => spec.dataset.as_str(),
    };
    if spec.joins.is_empty() {
        let from = match inner {
            Some(q) => format!("({}) AS {}", q.sql, d.quote(NESTED)),
            None => match relation(b, &spec.dataset, fields) {
                Some(rows) => format!("{rows} AS {}", d.quote(&spec.dataset)),
                None => d.table(&spec.dataset),
            },
        };
        return Ok(Scope {
            columns: columns(b, spec, fields, Vec::new())?,
            from,
            own: fields.len(),
        });
    }
    if spec.joins.len() > MAX_JOINS {
        return Err(format!(
            "builder.joins: at most {MAX_JOINS} joins ({} given)",
            spec.joins.len()
        ));
    }
    let base = d.quote(base_name);
    let mut cols: Vec<Column> = fields
        .iter()
        .map(|f| Column {
            field: f.clone(),
            sql: format!("{base}.{}", d.quote(&f.name)),
            calculated: false,
        })
        .collect();
    let table = |b: &mut Binder, name: &str, fields: &[Field]| {
        relation(b, name, fields).unwrap_or_else(|| d.table(name))
    };
    let first = match inner {
        Some(q) => format!("({})", q.sql),
        None => table(b, &spec.dataset, fields),
    };
    let mut from = format!("{first} AS {base}");
    let mut seen = vec![base_name];
    for (i, j) in spec.joins.iter().enumerate() {
        let at = format!("builder.joins[{i}]");
        if seen.contains(&j.dataset.as_str()) {
            return Err(format!(
                "{at}.dataset: `{}` is already in the question",
                shown(&j.dataset)
            ));
        }
        seen.push(&j.dataset);
        let theirs = joined
            .get(i)
            .ok_or_else(|| format!("{at}.dataset: no dataset named `{}`", shown(&j.dataset)))?;
        if j.on.is_empty() || j.on.len() > MAX_KEYS {
            return Err(format!(
                "{at}.on: join by 1 to {MAX_KEYS} key columns ({} given)",
                j.on.len()
            ));
        }
        let alias = d.quote(&j.dataset);
        let mut keys = Vec::with_capacity(j.on.len());
        for (k, key) in j.on.iter().enumerate() {
            let left = find(
                &cols,
                &spec.dataset,
                &key.left,
                &format!("{at}.on[{k}].left"),
            )?;
            let right = theirs.iter().find(|f| f.name == key.right).ok_or_else(|| {
                format!(
                    "{at}.on[{k}].right: the dataset `{}` has no column `{}` (it has {})",
                    shown(&j.dataset),
                    shown(&key.right),
                    theirs
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            if left.field.kind != right.kind {
                return Err(format!(
                    "{at}.on[{k}]: `{}` is {} and `{}.{}` {}; keys join values of one kind",
                    shown(&left.field.name),
                    article(left.field.kind.word()),
                    shown(&j.dataset),
                    shown(&right.name),
                    article(right.kind.word())
                ));
            }
            keys.push(format!("{} = {alias}.{}", left.sql, d.quote(&right.name)));
        }
        let how = match j.kind {
            JoinKind::Inner => "INNER",
            JoinKind::Left => "LEFT",
        };
        let rel = table(b, &j.dataset, theirs);
        from.push_str(&format!(
            " {how} JOIN {rel} AS {alias} ON {}",
            keys.join(" AND ")
        ));
        cols.extend(theirs.iter().map(|f| Column {
            field: Field {
                name: format!("{}.{}", j.dataset, f.name),
                kind: f.kind,
            },
            sql: format!("{alias}.{}", d.quote(&f.name)),
            calculated: false,
        }));
    }
    Ok(Scope {
        columns: columns(b, spec, fields, cols)?,
        from,
        own: fields.len(),
    })
}

fn article(word: &str) -> String {
    match word {
        "text" => "text".into(),
        w => format!("a {w}"),
    }
}

/// The dataset's fields (or `read`, with the fields of its joins), then `spec`'s calculated
/// columns compiled in the dialect of `b`. Errors name the expression
/// (`builder.expressions[1].expr: … (at character 9)`).
fn columns(
    b: &mut Binder,
    spec: &BuilderSpec,
    fields: &[Field],
    read: Vec<Column>,
) -> Result<Vec<Column>, String> {
    let mut out: Vec<Column> = match read.is_empty() {
        false => read,
        true => fields
            .iter()
            .map(|f| Column {
                field: f.clone(),
                sql: b.d.quote(&f.name),
                calculated: false,
            })
            .collect(),
    };
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
