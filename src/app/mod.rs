//! The application core every service and page goes through: the context (`Ctx`), the one
//! report pipeline (run, preview, render, stream), and the checked edits of stored objects.
//! Nothing here knows HTTP.

pub mod alert;
pub mod builder;
pub mod bundle;
pub mod column_meta;
pub mod dashboard;
pub mod dataset;
pub mod dataset_columns;
pub mod edit;
pub mod first_run;
pub mod gallery;
pub mod insights;
pub mod pipeline;
pub mod queue;
pub mod report;
pub mod schedule;
pub mod share;
pub mod stream;
pub mod version;

use crate::config::Config;
use crate::data::query::Bounds;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

pub use pipeline::{PipelineError, RunSpec};

/// What every part of the process shares.
#[derive(Clone)]
pub struct Ctx {
    pub config: Arc<Config>,
    pub store: Store,
}

impl Ctx {
    /// Query limits from `[limits]`.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            timeout: Duration::from_millis(self.config.limits.query_timeout_ms),
            max_rows: self.config.limits.max_rows,
            memory_mb: self.config.limits.query_memory_mb,
            result_mb: self.config.limits.result_mb,
        }
    }
}
