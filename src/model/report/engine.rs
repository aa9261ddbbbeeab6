//! Which engine runs a report's SQL: SQLite (the store's own, by default), or the columnar
//! engine when the report asks for it, never by surprise.

use serde::{Deserialize, Serialize};

/// `"engine": "columnar"` on a report: its SQL queries run on the columnar engine (DataFusion's
/// SQL, over the main store's datasets), not on SQLite. Builder questions use the engine on
/// their own whenever it holds their datasets.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportEngine {
    Columnar,
}
