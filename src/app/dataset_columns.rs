//! A dataset's columns: their statistics (blanks, min and max, distinct and frequent values),
//! and a column given another type (checked first: how many values would not convert; then
//! rewritten in one transaction, the registry updated and the dataset's cached results
//! dropped). Retypes take their turn with imports and deletes (`dataset::take_turn`).

use super::dataset::{reclaim_logged, take_turn, DatasetError};
use super::Ctx;
use crate::data::import::ColType;
use crate::data::query::QueryError;
use crate::data::retype::{self, Check, RewriteError, Rewritten};
use crate::data::stats::{self, ColumnStats};
use crate::model::dataset::DatasetInfo;
use crate::model::text::truncate;
use crate::store;

/// Why a column could not be read or retyped; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ColumnError {
    #[error("column: the dataset has no column `{0}`")]
    NoColumn(String),
    #[error("type: `{0}` is not a type: use text, integer, real, date, datetime or boolean")]
    UnknownType(String),
    #[error("type: `{column}` is {kind} already")]
    Same { column: String, kind: &'static str },
    /// Values that do not convert, and converting them to blank was not asked for.
    #[error("{}", unconvertible(.column, *.to, .check))]
    Unconvertible {
        column: String,
        to: ColType,
        check: Check,
    },
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Dataset(#[from] DatasetError),
}

impl From<r2d2::Error> for ColumnError {
    fn from(e: r2d2::Error) -> Self {
        ColumnError::Dataset(e.into())
    }
}

impl From<rusqlite::Error> for ColumnError {
    fn from(e: rusqlite::Error) -> Self {
        ColumnError::Dataset(e.into())
    }
}

impl From<store::StoreError> for ColumnError {
    fn from(e: store::StoreError) -> Self {
        ColumnError::Dataset(e.into())
    }
}

/// What a value of each type is, for people: "312 values are not dates".
fn noun(t: ColType, n: u64) -> &'static str {
    match (t, n == 1) {
        (ColType::Integer, true) => "a whole number",
        (ColType::Integer, false) => "whole numbers",
        (ColType::Real, true) => "a number",
        (ColType::Real, false) => "numbers",
        (ColType::Date, true) => "a date (YYYY-MM-DD)",
        (ColType::Date, false) => "dates (YYYY-MM-DD)",
        (ColType::Datetime, true) => "a date and time (YYYY-MM-DD HH:MM:SS)",
        (ColType::Datetime, false) => "dates and times (YYYY-MM-DD HH:MM:SS)",
        (ColType::Boolean, true) => "true or false (yes/no, 1/0)",
        (ColType::Boolean, false) => "true or false (yes/no, 1/0)",
        (ColType::Text, _) => "text",
    }
}

/// "312 values of `when` are not dates (YYYY-MM-DD), e.g. 'n/a', '31/02/2025'".
pub fn unconvertible(column: &str, to: ColType, check: &Check) -> String {
    let n = check.bad;
    let examples: Vec<String> = check.examples.iter().map(|e| format!("'{e}'")).collect();
    format!(
        "{} {} of `{column}` {} not {}, e.g. {}",
        crate::report::format::thousands(n as f64, 0),
        if n == 1 { "value" } else { "values" },
        if n == 1 { "is" } else { "are" },
        noun(to, n),
        examples.join(", ")
    )
}

/// A dataset and its columns with their types.
fn dataset(ctx: &Ctx, name: &str) -> Result<(DatasetInfo, Vec<(String, ColType)>), ColumnError> {
    let info = store::dataset::get(&*ctx.store.app.get()?, name)?
        .ok_or_else(|| DatasetError::NotFound(truncate(name, 60)))?;
    let cols = info
        .columns
        .iter()
        .map(|c| {
            let t = ColType::parse(&c.kind).unwrap_or(ColType::Text);
            (c.name.clone(), t)
        })
        .collect();
    Ok((info, cols))
}

/// The position of `column` among `cols`.
fn find(cols: &[(String, ColType)], column: &str) -> Result<usize, ColumnError> {
    cols.iter()
        .position(|(n, _)| n == column)
        .ok_or_else(|| ColumnError::NoColumn(truncate(column, 60)))
}

/// A type by name.
fn parse_type(to: &str) -> Result<ColType, ColumnError> {
    ColType::parse(to).ok_or_else(|| ColumnError::UnknownType(truncate(to, 40)))
}

/// Every column's statistics (cached with the dataset's query results).
pub fn stats(ctx: &Ctx, name: &str) -> Result<(DatasetInfo, Vec<ColumnStats>), ColumnError> {
    crate::app::dataset::whole(ctx, name)?;
    let (info, cols) = dataset(ctx, name)?;
    let conn = ctx.store.data_ro.get()?;
    // Two more connections when they are free: the columns are counted three at a time.
    let extra: Vec<_> = (0..2).filter_map(|_| ctx.store.data_ro.try_get()).collect();
    let table = stats::Table {
        name: &info.name,
        source_hash: &info.source_hash,
        rows: info.row_count,
        columns: &cols,
    };
    let figures = stats::columns(
        &conn,
        extra,
        ctx.store.cache_scope("main"),
        &table,
        ctx.bounds(),
    )?;
    Ok((info, figures))
}

/// What giving `column` type `to` would do: the type it has, and the values that would not
/// convert.
pub fn check(
    ctx: &Ctx,
    name: &str,
    column: &str,
    to: &str,
) -> Result<(ColType, ColType, Check), ColumnError> {
    let to = parse_type(to)?;
    crate::app::dataset::whole(ctx, name)?;
    let (info, cols) = dataset(ctx, name)?;
    let at = find(&cols, column)?;
    let from = cols[at].1;
    if from == to {
        return Err(ColumnError::Same {
            column: column.to_string(),
            kind: to.name(),
        });
    }
    let conn = ctx.store.data_ro.get()?;
    let check = retype::check(&conn, &info.name, column, from, to, ctx.bounds())?;
    Ok((from, to, check))
}

/// What a retype did.
#[derive(Debug, Clone)]
pub struct Retyped {
    pub column: String,
    pub from: ColType,
    pub to: ColType,
    pub done: Rewritten,
}

/// Gives `column` type `to`. Values that do not convert refuse it (`Unconvertible`, naming how
/// many and a few of them) unless `blank_bad`, which makes them blank. The data is untouched
/// on any error.
pub fn retype(
    ctx: &Ctx,
    name: &str,
    column: &str,
    to: &str,
    blank_bad: bool,
) -> Result<Retyped, ColumnError> {
    let to = parse_type(to)?;
    let (_, cols) = dataset(ctx, name)?;
    find(&cols, column)?;
    let turn = take_turn(&ctx.store)?;
    // Read again under the turn: an import may have changed the columns meanwhile.
    let (info, cols) = dataset(ctx, name)?;
    let at = find(&cols, column)?;
    let from = cols[at].1;
    if from == to {
        return Err(ColumnError::Same {
            column: column.to_string(),
            kind: to.name(),
        });
    }
    if !blank_bad {
        let conn = ctx.store.data_ro.get()?;
        let check = retype::check(&conn, &info.name, column, from, to, ctx.bounds())?;
        if check.bad > 0 {
            return Err(ColumnError::Unconvertible {
                column: column.to_string(),
                to,
                check,
            });
        }
    }
    let mut data = ctx.store.data.get()?;
    // The old copy has the old type: questions go to SQLite until the new one is written.
    if let Some(engine) = &ctx.store.engine {
        engine.forget(&info.name);
    }
    let done = match retype::rewrite(&mut data, &info.name, &cols, at, to, blank_bad) {
        Ok(done) => done,
        Err(RewriteError::Unconvertible { bad }) => {
            return Err(ColumnError::Unconvertible {
                column: column.to_string(),
                to,
                check: Check {
                    values: 0,
                    bad,
                    examples: Vec::new(),
                },
            })
        }
        Err(RewriteError::Sql(e)) => return Err(e.into()),
    };
    let mut columns = info.columns.clone();
    columns[at].kind = to.name().to_string();
    if let Err(e) = store::dataset::set_columns(&*ctx.store.app.get()?, &info.name, &columns) {
        // The table has the new type but the registry not: put the table back as it was.
        let _ = retype::rewrite(
            &mut data,
            &info.name,
            &cols_with(&cols, at, to),
            at,
            from,
            true,
        );
        ctx.store.cache.bump("main", &info.name);
        return Err(e.into());
    }
    ctx.store.cache.bump("main", &info.name);
    if let Ok(Some(now)) = store::dataset::get(&*ctx.store.app.get()?, &info.name) {
        super::dataset::copy_columnar(&ctx.store, &data, &now);
    }
    reclaim_logged(&data, &info.name);
    drop((data, turn));
    tracing::info!(
        dataset = info.name.as_str(),
        column,
        from = from.name(),
        to = to.name(),
        converted = done.converted,
        blanked = done.blanked,
        "column retyped"
    );
    Ok(Retyped {
        column: column.to_string(),
        from,
        to,
        done,
    })
}

/// `cols` with column `at` of type `to`.
fn cols_with(cols: &[(String, ColType)], at: usize, to: ColType) -> Vec<(String, ColType)> {
    let mut c = cols.to_vec();
    c[at].1 = to;
    c
}
