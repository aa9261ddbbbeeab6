//! Datasets: imported tables and their columns.

use serde::{Deserialize, Serialize};

/// A column of a dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ColumnInfo {
    /// The identifier used in SQL.
    pub name: String,
    /// The header as it was in the file.
    pub original: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A dataset as registered.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetInfo {
    pub name: String,
    pub source: String,
    pub source_hash: String,
    pub row_count: u64,
    pub columns: Vec<ColumnInfo>,
    pub imported_at: String,
}

/// What a dataset's column is called for people and how its values are shown (set on the
/// dataset page); a builder measure or a visualization may say otherwise.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<super::report::ValueFormat>,
}
