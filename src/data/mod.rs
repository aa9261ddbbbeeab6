//! Datasets: getting data in (import) and reading it safely (query, parameters).

pub mod cache;
pub mod catalog;
pub mod columnar;
pub mod date_expr;
pub mod guard;
pub mod import;
pub mod pg;
pub mod placeholders;
pub mod query;
pub mod retype;
pub mod source;
pub mod stats;
pub mod timing;
pub mod watch;
