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

#[cfg(test)]
mod tests;
