//! A bundle: a dashboard with its reports (and optionally its schedules) as one portable JSON
//! document, with no data and no secrets; ids are the ones they had where they were exported
//! (an import gives them new ones). A template of the gallery is a bundle with a `template`
//! section: the fields it needs and their roles.

use super::dashboard::{DashboardDefinition, WidgetKind};
use super::export::ExportFormat;
use super::report::ReportDefinition;
use super::schedule::ScheduleDefinition;
use serde::{Deserialize, Serialize};

/// The `format` of every bundle.
pub const FORMAT: &str = "quire-bundle";
/// The `formatVersion` this Quire writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Most reports in one bundle.
pub const MAX_REPORTS: usize = 100;
/// Most schedules in one bundle.
pub const MAX_SCHEDULES: usize = 50;
/// Most fields of a template.
pub const MAX_FIELDS: usize = 40;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bundle {
    /// Always `quire-bundle`.
    pub format: String,
    /// 1.
    pub format_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<String>,
    /// Set on a template of the gallery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateInfo>,
    pub dashboard: DashboardDefinition,
    /// Each with the `id` its widgets name.
    pub reports: Vec<ReportDefinition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<ScheduleDefinition>,
    /// The data it reads, written on export for the reader (an import checks again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Need>,
    /// What the export left out, in words (a webhook's URL is a secret).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<String>,
}

/// A dataset (or table) a bundle reads, and the fields it reads of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Need {
    pub data_source: String,
    /// The dataset or table; empty for a SQL query (whose tables are its own business).
    #[serde(default)]
    pub dataset: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// What a template says about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateInfo {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub fields: Vec<TemplateField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<SuggestedSchedule>,
}

/// A field a template needs: its name in the template's reports and what it must hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateField {
    pub name: String,
    pub role: FieldRole,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
    /// Whether the template needs it (default); without an optional field, the widgets that
    /// read it are left out.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
}

impl TemplateField {
    /// Its label, else its name.
    pub fn label_or_name(&self) -> &str {
        if self.label.is_empty() {
            &self.name
        } else {
            &self.label
        }
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

super::status! {
    /// What a template's field means.
    FieldRole {
        Date = "date",
        Amount = "amount",
        Quantity = "quantity",
        Category = "category",
        Customer = "customer",
        Id = "id",
        Status = "status",
        Number = "number",
        Text = "text",
    }
}

super::status! {
    /// What a template's field holds.
    FieldType {
        Date = "date",
        Number = "number",
        Integer = "integer",
        Text = "text",
    }
}

/// The schedule a template suggests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuggestedSchedule {
    pub name: String,
    pub cron: String,
    #[serde(default)]
    pub format: ExportFormat,
}

impl Bundle {
    /// Checks what needs no store: the format, the counts, that every report has an id once and
    /// every widget and schedule names a report (or the dashboard) of the bundle. The error is
    /// `(field, message)`.
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |f: &str, m: String| Err((f.to_string(), m));
        if self.format != FORMAT {
            return err("format", format!("must be `{FORMAT}`"));
        }
        if self.format_version != FORMAT_VERSION {
            return err(
                "formatVersion",
                format!("this Quire reads version {FORMAT_VERSION}"),
            );
        }
        if self.reports.len() > MAX_REPORTS {
            return err("reports", format!("at most {MAX_REPORTS} reports"));
        }
        if self.schedules.len() > MAX_SCHEDULES {
            return err("schedules", format!("at most {MAX_SCHEDULES} schedules"));
        }
        let mut ids: Vec<&str> = Vec::new();
        for (i, r) in self.reports.iter().enumerate() {
            match r.id.as_deref().map(str::trim) {
                None | Some("") => {
                    return err(
                        &format!("reports[{i}].id"),
                        "every report of a bundle has the id its widgets name".into(),
                    )
                }
                Some(id) if ids.contains(&id) => {
                    return err(&format!("reports[{i}].id"), format!("`{id}` is twice"))
                }
                Some(id) => ids.push(id),
            }
        }
        for (i, w) in self.dashboard.widgets.iter().enumerate() {
            if w.kind != WidgetKind::Visualization {
                continue;
            }
            let r = w.report_id.as_deref().unwrap_or_default();
            if !ids.contains(&r) {
                return err(
                    &format!("dashboard.widgets[{i}].reportId"),
                    format!(
                        "`{}` is not a report of the bundle",
                        crate::model::text::truncate(r, 80)
                    ),
                );
            }
        }
        let dashboard = self.dashboard.id.as_deref().unwrap_or_default();
        for (i, s) in self.schedules.iter().enumerate() {
            let ok = match &s.dashboard_id {
                Some(d) => d == dashboard || d == &self.dashboard.name,
                None => ids.contains(&s.report_id.as_str()),
            };
            if !ok {
                return err(
                    &format!("schedules[{i}]"),
                    "a bundle's schedule sends its dashboard or one of its reports".into(),
                );
            }
        }
        if let Some(t) = &self.template {
            if t.fields.len() > MAX_FIELDS {
                return err("template.fields", format!("at most {MAX_FIELDS} fields"));
            }
        }
        Ok(())
    }
}
