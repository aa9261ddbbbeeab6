//! Datasets: getting data in (import) and reading it safely (query, parameters).

pub mod date_expr;
pub mod import;
pub mod query;
