//! Dashboards: pages of widgets, each a visualization of a report.

use serde::{Deserialize, Serialize};

/// A dashboard (`[[dashboards]]`): a page of widgets, each a visualization of a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardDefinition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// Report id or name.
    pub report_id: String,
    /// Visualization ids to show, in order; empty = all of the report's.
    #[serde(default)]
    pub widgets: Vec<String>,
}
