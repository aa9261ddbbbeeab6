//! A pivot table's definition: `dataMapping {rows, columns, values}` (result columns) and
//! `options {subtotals, grandTotals, sort}`; what a saved definition may ask for.

use super::Visualization;
use serde::{Deserialize, Serialize};

/// Most fields a pivot groups its rows by.
pub const MAX_PIVOT_ROW_FIELDS: usize = 4;
/// Most fields a pivot groups its columns by.
pub const MAX_PIVOT_COLUMN_FIELDS: usize = 3;
/// Most values in each cell.
pub const MAX_PIVOT_VALUES: usize = 12;

/// The order of a pivot's row groups: by `label` (the default), or by a value's total of
/// each group (`{"by": "revenue", "desc": true}`: the biggest group first, at every level).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PivotSort {
    pub by: String,
    #[serde(default)]
    pub desc: bool,
}

impl PivotSort {
    /// The value sorted by; None when the groups go by their labels.
    pub fn value(&self) -> Option<&str> {
        (self.by != "label").then_some(self.by.as_str())
    }
}

impl Visualization {
    /// Whether a pivot shows a subtotal per group (default yes).
    pub fn subtotals(&self) -> bool {
        self.options.subtotals.unwrap_or(true)
    }

    /// Whether a pivot shows grand totals (default yes).
    pub fn grand_totals(&self) -> bool {
        self.options.grand_totals.unwrap_or(true)
    }

    /// A pivot's mapping and options as a definition may give them: the error names the key.
    pub(super) fn check_pivot(&self) -> Result<(), String> {
        let m = &self.data_mapping;
        let at = |key: &str| format!("visualizations.{}.dataMapping.{key}", self.id);
        if m.values.is_empty() {
            return Err(format!(
                "{}: a pivot needs at least one value (a measure) in its cells",
                at("values")
            ));
        }
        if m.rows.is_empty() && m.columns.is_empty() {
            return Err(format!(
                "{}: a pivot needs a field in `rows` or `columns` to group by",
                at("rows")
            ));
        }
        for (key, list, most) in [
            ("rows", &m.rows, MAX_PIVOT_ROW_FIELDS),
            ("columns", &m.columns, MAX_PIVOT_COLUMN_FIELDS),
            ("values", &m.values, MAX_PIVOT_VALUES),
        ] {
            if list.len() > most {
                return Err(format!("{}: at most {most}", at(key)));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for name in m.rows.iter().chain(&m.columns).chain(&m.values) {
            if !seen.insert(name.as_str()) {
                return Err(format!(
                    "{}: `{name}` is used twice; a field goes in rows, columns or values once",
                    at("values")
                ));
            }
        }
        if let Some(v) = self.options.sort.as_ref().and_then(PivotSort::value) {
            if !m.values.iter().any(|x| x == v) {
                return Err(format!(
                    "visualizations.{}.options.sort.by: `{v}` is not one of the pivot's values; give `label` or one of {}",
                    self.id,
                    m.values.join(", ")
                ));
            }
        }
        Ok(())
    }
}
