//! `builder` specs compiled to SQL. Every identifier is checked against the dataset's fields
//! (and the result's column names) and then quoted; every value is bound, never spliced:
//! literals as `:quire_b<N>`, a report parameter (`"{name}"` or `{"param": "name"}`) as the
//! report's `:name`. Errors are `field.path: message` (`builder.filters[2].value: …`).
//!
//! The SQL is spelled through a [`Dialect`] (SQLite today) so another database changes only
//! `dialect.rs`.
//!
//! Dates: `last_n_days` counts back from the report's day, which is bound as a value (never
//! SQLite's `date('now')`): a run as of a given day gives the same rows whenever it runs, and
//! the result cache, keyed by SQL and values, cannot serve yesterday's window today.

mod compile;
mod dialect;
mod fields;
mod filter;
#[cfg(test)]
mod tests;

pub use compile::compile;
use dialect::Dialect;
pub use fields::{fields, Field, FieldKind};

use crate::data::query::Params;
use crate::model::report::{ParameterDef, QuerySource};
use chrono::NaiveDate;
use rusqlite::Connection;
use std::borrow::Cow;

/// A compiled query: its SQL and the values of its literals.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub values: Params,
}

/// The SQL of a query and the values it binds besides the report's parameters, as of today
/// (UTC), the day interactive runs use. See [`sql_of_as_of`].
pub fn sql_of<'a>(
    conn: &Connection,
    source: QuerySource<'a>,
    params: &[ParameterDef],
) -> Result<(Cow<'a, str>, Params), String> {
    sql_of_as_of(conn, source, params, chrono::Utc::now().date_naive())
}

/// The SQL of a query and the values it binds besides the report's parameters. A builder is
/// compiled against the fields its dataset has on `conn` now; `today` is the report's day,
/// which `last_n_days` counts back from. Errors name the field.
pub fn sql_of_as_of<'a>(
    conn: &Connection,
    source: QuerySource<'a>,
    params: &[ParameterDef],
    today: NaiveDate,
) -> Result<(Cow<'a, str>, Params), String> {
    match source {
        QuerySource::Sql(sql) => Ok((Cow::Borrowed(sql), Params::new())),
        QuerySource::Builder(spec) => {
            let fields = fields(conn, &spec.dataset)?;
            let c = compile(spec, &fields, params, today)?;
            Ok((Cow::Owned(c.sql), c.values))
        }
    }
}

/// A plain SQL identifier: letters, digits and `_`, not starting with a digit.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// User text quoted back in an error: at most 60 characters, control characters replaced.
fn shown(text: &str) -> String {
    let head: String = text
        .chars()
        .take(61)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    crate::model::text::truncate(&head, 60)
}
