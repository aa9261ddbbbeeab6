//! Dashboards: pages of widgets, each a visualization of a report.

use serde::{Deserialize, Serialize};

/// A dashboard (`[[dashboards]]`): a page of widgets, each a visualization of a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
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

/// Longest dashboard name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most widgets on one dashboard.
pub const MAX_WIDGETS: usize = 200;
/// Longest widget (visualization) id.
pub const MAX_WIDGET_CHARS: usize = 100;

impl DashboardDefinition {
    /// Checks what serde cannot; the error is "field: message", like a report's.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        if self.name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("name: is longer than {MAX_NAME_CHARS} characters"));
        }
        if self.widgets.len() > MAX_WIDGETS {
            return Err(format!("widgets: at most {MAX_WIDGETS} widgets"));
        }
        for (i, w) in self.widgets.iter().enumerate() {
            if w.chars().count() > MAX_WIDGET_CHARS {
                return Err(format!(
                    "widgets[{i}]: is longer than {MAX_WIDGET_CHARS} characters"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dashboard(name: &str) -> DashboardDefinition {
        DashboardDefinition {
            id: None,
            name: name.into(),
            report_id: "r".into(),
            widgets: vec!["kpi".into()],
        }
    }

    #[test]
    fn names_and_widgets_are_bounded() {
        assert_eq!(dashboard(&"n".repeat(200)).validate(), Ok(()));
        let e = dashboard(&"n".repeat(201)).validate().unwrap_err();
        assert!(e.starts_with("name: ") && e.contains("200"), "{e}");
        assert!(dashboard(" ").validate().unwrap_err().starts_with("name: "));
        let mut d = dashboard("ok");
        d.widgets = vec!["w".repeat(101)];
        assert!(d.validate().unwrap_err().starts_with("widgets[0]: "));
        d.widgets = vec!["w".into(); 201];
        assert!(d.validate().unwrap_err().starts_with("widgets: "));
    }
}
