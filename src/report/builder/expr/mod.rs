//! Custom expressions: calculated columns (`revenue - cost`, `if(units > 10, "bulk",
//! "retail")`) and calculated measures (`sum(revenue) / count_distinct(customer_id)`).
//!
//! A small language with a real parser (`parse.rs`), typed and compiled to SQL per dialect
//! (`sql.rs`): every name is resolved against the dataset's fields and the calculated columns
//! before it, every text is bound as a value, numbers are written from their parsed value, and
//! the SQL comes from the tree, never from the text. Errors carry the characters they name so
//! the builder can underline them as the user types.
//!
//! The same expression gives the same rows on SQLite, PostgreSQL and the columnar engine:
//! division is real and NULL on a zero divisor, `concat` reads an empty value as empty text,
//! `round` gives a real, date parts are integers, a condition that is unknown (NULL) is not
//! true.

mod parse;
mod sql;

pub(super) use sql::{column, measure};

/// What an expression's text does wrong, and where: `[start, end)` in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

impl ExprError {
    /// The error as the builder's others read: `<path>: <message> (at character N)`.
    pub fn at(&self, path: &str) -> String {
        format!("{path}: {} (at character {})", self.message, self.start + 1)
    }
}

/// The functions an expression may call, for help texts and errors: row functions, then
/// aggregates (measures only).
pub const ROW_FUNCTIONS: &[&str] = &[
    "if", "case", "coalesce", "concat", "lower", "upper", "trim", "length", "round", "abs", "year",
    "quarter", "month", "day",
];
pub const AGGREGATES: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "count_distinct",
    "countif",
    "sumif",
    "share",
];

/// The names an expression reads (fields and calculated columns), in order, each once.
pub fn names(text: &str) -> Result<Vec<String>, ExprError> {
    let mut out = Vec::new();
    collect(&parse::parse(text)?, &mut |e| {
        if let parse::Node::Name(n) = &e.node {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
    });
    Ok(out)
}

/// The expression with the names `map` has renamed (a template's fields to a dataset's
/// columns): only names, never a function or a text that reads the same. A new name that is
/// not a plain word is written in brackets.
pub fn rename(
    text: &str,
    map: &std::collections::HashMap<String, String>,
) -> Result<String, ExprError> {
    let mut spans = Vec::new();
    collect(&parse::parse(text)?, &mut |e| {
        if let parse::Node::Name(n) = &e.node {
            if let Some(to) = map.get(n) {
                spans.push((e.span, to.clone()));
            }
        }
    });
    let mut chars: Vec<char> = text.chars().collect();
    spans.sort_by_key(|((start, _), _)| std::cmp::Reverse(*start));
    for ((start, end), to) in spans {
        let plain = to.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && to.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let to = if plain { to } else { format!("[{to}]") };
        chars.splice(start..end, to.chars());
    }
    Ok(chars.into_iter().collect())
}

fn collect(e: &parse::Expr, f: &mut impl FnMut(&parse::Expr)) {
    f(e);
    match &e.node {
        parse::Node::Neg(x) | parse::Node::Not(x) => collect(x, f),
        parse::Node::Binary(_, a, b) => {
            collect(a, f);
            collect(b, f);
        }
        parse::Node::Call(_, args) => args.iter().for_each(|a| collect(a, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
