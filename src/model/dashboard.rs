//! Dashboards: widgets on a 12-column grid (a visualization of a report with fixed parameters,
//! a text card, the filter bar) and filters that drive many widgets. The short form of
//! `[[dashboards]]` (`reportId` and a list of visualization ids) is read too: its widgets come
//! unplaced, and `app::dashboard` lays them out.

use super::text::no_control;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Columns of the grid.
pub const COLUMNS: u32 = 12;
/// Tallest widget, in row units.
pub const MAX_HEIGHT: u32 = 40;
/// Longest dashboard name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Most widgets on one dashboard.
pub const MAX_WIDGETS: usize = 200;
/// Most filters on one dashboard.
pub const MAX_FILTERS: usize = 30;
/// Longest id (widget, filter) or label.
pub const MAX_ID_CHARS: usize = 100;
/// Longest text card.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// A dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardDefinition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The collection (folder) it is kept in; none: the root, which everyone may see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<String>,
    /// Reload the widgets this often (seconds); none: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_seconds: Option<u32>,
    /// The dashboard `/` opens.
    #[serde(default)]
    pub default: bool,
    /// Its PDF's cover and its scheduled email open with what changed (the narrative of its
    /// first chart over dates, `app::dashboard::insights`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insights: bool,
    #[serde(default)]
    pub filters: Vec<DashboardFilter>,
    #[serde(default)]
    pub widgets: Vec<Widget>,
    /// Short form: the report every unplaced widget shows a visualization of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
}

/// What a widget is.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WidgetKind {
    #[default]
    Visualization,
    Text,
    FilterBar,
}

/// A widget on the grid: `x` 0..11, `w` 1..12, `y` and `h` in row units.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", from = "RawWidget")]
pub struct Widget {
    pub id: String,
    #[serde(default)]
    pub x: u32,
    #[serde(default)]
    pub y: u32,
    #[serde(default)]
    pub w: u32,
    #[serde(default)]
    pub h: u32,
    #[serde(default)]
    pub kind: WidgetKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visualization_id: Option<String>,
    /// The report's parameters this widget fixes (filters targeting them override).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// Markdown of a text card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Widget {
    /// Not laid out yet (the short form's widgets).
    pub fn unplaced(&self) -> bool {
        self.w == 0 || self.h == 0
    }

    /// Whether the columns of the two share one (rows aside).
    pub fn beside(&self, o: &Widget) -> bool {
        self.x < o.x.saturating_add(o.w) && o.x < self.x.saturating_add(self.w)
    }

    /// Whether the two are placed and share a cell of the grid.
    pub fn overlaps(&self, o: &Widget) -> bool {
        !self.unplaced()
            && !o.unplaced()
            && self.beside(o)
            && self.y < o.y.saturating_add(o.h)
            && o.y < self.y.saturating_add(self.h)
    }
}

/// A widget as written: a visualization id (short form) or the whole widget.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawWidget {
    Viz(String),
    Full(FullWidget),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FullWidget {
    id: String,
    #[serde(default)]
    x: u32,
    #[serde(default)]
    y: u32,
    #[serde(default)]
    w: u32,
    #[serde(default)]
    h: u32,
    #[serde(default)]
    kind: WidgetKind,
    #[serde(default)]
    report_id: Option<String>,
    #[serde(default)]
    visualization_id: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

impl From<RawWidget> for Widget {
    fn from(raw: RawWidget) -> Widget {
        match raw {
            RawWidget::Viz(id) => Widget {
                id: id.clone(),
                x: 0,
                y: 0,
                w: 0,
                h: 0,
                kind: WidgetKind::Visualization,
                report_id: None,
                visualization_id: Some(id),
                parameters: BTreeMap::new(),
                text: None,
                title: None,
            },
            RawWidget::Full(f) => Widget {
                id: f.id,
                x: f.x,
                y: f.y,
                w: f.w,
                h: f.h,
                kind: f.kind,
                report_id: f.report_id,
                visualization_id: f.visualization_id,
                parameters: f.parameters,
                text: f.text,
                title: f.title,
            },
        }
    }
}

/// The kinds of dashboard filter.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    DateRange,
    Select,
    MultiSelect,
    NumberRange,
    Text,
}

/// A filter: one value (or range) in the URL as `?f.<id>=`, applied to its targets.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardFilter {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FilterKind,
    /// The value when the URL has none (`last_30_days`, `2025-01-01..2025-03-31`, `North`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    pub targets: Vec<FilterTarget>,
}

/// Where a filter's value goes: a widget's report parameter, or a field of its builder query.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilterTarget {
    pub widget_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `field: is longer than N characters` when `text` is.
fn too_long(field: &str, text: &str, max: usize) -> Result<(), String> {
    match text.chars().count() > max {
        true => Err(format!("{field}: is longer than {max} characters")),
        false => Ok(()),
    }
}

impl DashboardDefinition {
    /// The widget with this id.
    pub fn widget(&self, id: &str) -> Option<&Widget> {
        self.widgets.iter().find(|w| w.id == id)
    }

    /// The first two placed widgets (by index, the earlier first) that share a cell.
    pub fn overlapping(&self) -> Option<(usize, usize)> {
        (0..self.widgets.len()).find_map(|b| {
            (0..b)
                .find(|&a| self.widgets[a].overlaps(&self.widgets[b]))
                .map(|a| (a, b))
        })
    }

    /// Checks what needs no store: names, sizes, the grid, ids, filter targets' widgets. The
    /// error is "field: message" (`widgets[2].w: ...`). Reports and visualizations are checked
    /// against the store by `app::dashboard`.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        too_long("name", &self.name, MAX_NAME_CHARS)?;
        too_long("description", &self.description, MAX_DESCRIPTION_CHARS)?;
        no_control("name", &self.name, false)?;
        no_control("description", &self.description, true)?;
        // It may quote its reports' queries like a report's description (`app::dashboard::text`).
        super::template::check(&self.description).map_err(|m| format!("description: {m}"))?;
        if self.widgets.len() > MAX_WIDGETS {
            return Err(format!("widgets: at most {MAX_WIDGETS} widgets"));
        }
        if self.filters.len() > MAX_FILTERS {
            return Err(format!("filters: at most {MAX_FILTERS} filters"));
        }
        if self.refresh_seconds.is_some_and(|s| s < 10) {
            return Err("refreshSeconds: at least 10".into());
        }
        let mut ids = std::collections::HashSet::new();
        for (i, w) in self.widgets.iter().enumerate() {
            let at = format!("widgets[{i}]");
            if w.id.trim().is_empty() || !ids.insert(w.id.as_str()) {
                return Err(format!("{at}.id: must be set and unique"));
            }
            too_long(&format!("{at}.id"), &w.id, MAX_ID_CHARS)?;
            if let Some(t) = &w.title {
                too_long(&format!("{at}.title"), t, MAX_NAME_CHARS)?;
                no_control(&format!("{at}.title"), t, false)?;
            }
            if !w.unplaced() {
                if w.x >= COLUMNS {
                    return Err(format!("{at}.x: must be 0 to {}", COLUMNS - 1));
                }
                if w.w == 0 || w.w > COLUMNS - w.x {
                    return Err(format!("{at}.w: x + w must be at most {COLUMNS}"));
                }
                if w.h > MAX_HEIGHT {
                    return Err(format!("{at}.h: must be 1 to {MAX_HEIGHT}"));
                }
                if w.y > 10_000 {
                    return Err(format!("{at}.y: must be at most 10000"));
                }
            }
            match w.kind {
                WidgetKind::Visualization if w.visualization_id.is_none() => {
                    return Err(format!(
                        "{at}.visualizationId: a visualization widget names one"
                    ));
                }
                WidgetKind::Text => too_long(
                    &format!("{at}.text"),
                    w.text.as_deref().unwrap_or(""),
                    MAX_TEXT_CHARS,
                )?,
                _ => {}
            }
        }
        let mut fids = std::collections::HashSet::new();
        for (i, f) in self.filters.iter().enumerate() {
            let at = format!("filters[{i}]");
            let plain =
                !f.id.is_empty() && f.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !plain || !fids.insert(f.id.as_str()) {
                return Err(format!("{at}.id: letters, digits and _, unique"));
            }
            too_long(&format!("{at}.id"), &f.id, MAX_ID_CHARS)?;
            too_long(&format!("{at}.label"), &f.label, MAX_NAME_CHARS)?;
            no_control(&format!("{at}.label"), &f.label, false)?;
            if f.targets.is_empty() {
                return Err(format!("{at}.targets: a filter drives at least one widget"));
            }
            for (j, t) in f.targets.iter().enumerate() {
                if self.widget(&t.widget_id).is_none() {
                    return Err(format!(
                        "{at}.targets[{j}].widgetId: no widget `{}`",
                        super::text::truncate(&t.widget_id, 60)
                    ));
                }
                if t.parameter.is_some() == t.field.is_some() {
                    return Err(format!(
                        "{at}.targets[{j}]: name a parameter or a field, one of them"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_form_reads_as_unplaced_widgets() {
        let d: DashboardDefinition = serde_json::from_value(
            serde_json::json!({ "name": "S", "reportId": "r", "widgets": ["kpi", "trend"] }),
        )
        .unwrap();
        assert_eq!(d.report_id.as_deref(), Some("r"));
        assert!(d.widgets.iter().all(Widget::unplaced));
        assert_eq!(d.widgets[1].visualization_id.as_deref(), Some("trend"));
        assert_eq!(d.validate(), Ok(()));
    }

    #[test]
    fn the_grid_ids_and_targets_are_checked_naming_the_field() {
        let base = serde_json::json!({ "name": "D", "widgets": [
            { "id": "a", "x": 0, "y": 0, "w": 6, "h": 4, "reportId": "r", "visualizationId": "v" },
            { "id": "b", "x": 6, "y": 0, "w": 6, "h": 4, "kind": "text", "text": "hi" } ],
            "filters": [{ "id": "period", "type": "date_range", "targets": [{ "widgetId": "a", "parameter": "days" }] }] });
        let ok: DashboardDefinition = serde_json::from_value(base.clone()).unwrap();
        assert_eq!(ok.validate(), Ok(()));
        let bad = |path: &str, v: serde_json::Value| {
            let mut j = base.clone();
            let mut at = &mut j;
            for k in path.split('.') {
                at = match k.parse::<usize>() {
                    Ok(i) => &mut at[i],
                    Err(_) => &mut at[k],
                };
            }
            *at = v;
            serde_json::from_value::<DashboardDefinition>(j)
                .unwrap()
                .validate()
                .unwrap_err()
        };
        assert!(bad("widgets.1.x", 12.into()).starts_with("widgets[1].x"));
        assert!(bad("widgets.1.w", 7.into()).starts_with("widgets[1].w"));
        assert!(bad("widgets.1.id", "a".into()).starts_with("widgets[1].id"));
        assert!(bad("filters.0.targets.0.widgetId", "zz".into())
            .starts_with("filters[0].targets[0].widgetId"));
        assert!(bad("filters.0.id", "a b".into()).starts_with("filters[0].id"));
        assert!(bad("name", "n".repeat(201).into()).starts_with("name"));
    }
}
