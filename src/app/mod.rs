//! The application core every service and page goes through: the context (`Ctx`), the one
//! report pipeline (run, preview, render, stream), and the checked edits of stored objects.
//! Nothing here knows HTTP.

pub mod access;
pub mod alert;
pub mod builder;
pub mod bundle;
pub mod collection;
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
use crate::model::access::Sight;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

pub use pipeline::{PipelineError, RunSpec};

/// What every part of the process shares, and whose eyes it reads data with.
#[derive(Clone)]
pub struct Ctx {
    pub config: Arc<Config>,
    pub store: Store,
    /// The rows of the main store's policed datasets this work may read
    /// (`model::access`): the caller's for a request, a schedule's owner's for its run; the
    /// server's own context sees none (fail closed) until told whose work it does.
    pub sight: Sight,
    /// What this work may do in each collection: the caller's for a request, everything for
    /// the server's own work.
    pub grants: crate::model::collection::Grants,
}

impl Ctx {
    /// The same context for a caller with `sight` and `grants`.
    pub fn acting(&self, sight: Sight, grants: crate::model::collection::Grants) -> Ctx {
        Ctx {
            sight,
            grants,
            ..self.clone()
        }
    }

    /// The same context reading with `sight`.
    pub fn seeing(&self, sight: Sight) -> Ctx {
        Ctx {
            sight,
            ..self.clone()
        }
    }

    /// The same context reading with the sight of user `id` (`role`) now.
    pub fn seeing_user(
        &self,
        id: &str,
        role: crate::model::user::Role,
    ) -> Result<Ctx, crate::store::StoreError> {
        let sight = crate::store::access::sight_of(&*self.store.app.get()?, id, role)?;
        Ok(self.seeing(sight))
    }

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
