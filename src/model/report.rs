//! The report definition: the same shape in the JSON API and in `[[reports]]` of reports.toml.

use super::text::no_control;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod builder;
mod engine;
mod format;
mod insight;
mod mapping;
mod parameter;
mod pivot;
pub use builder::*;
pub use engine::ReportEngine;
pub use format::*;
pub use insight::{ForecastOptions, MAX_FORECAST_PERIODS};
pub use mapping::DataMapping;
pub use parameter::*;
pub use pivot::{PivotSort, MAX_PIVOT_COLUMN_FIELDS, MAX_PIVOT_ROW_FIELDS, MAX_PIVOT_VALUES};

/// What a report is: its queries, parameters, visualizations and layout.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportDefinition {
    /// A UUID; provisioned reports without one get a stable id derived from the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The collection (folder) it is kept in; none: the root, which everyone may see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<String>,
    #[serde(default = "main_source")]
    pub data_source: String,
    /// The single query of a report (`query` as SQL or `builder`), or several named ones
    /// (`queries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder: Option<BuilderSpec>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub queries: BTreeMap<String, NamedQuery>,
    #[serde(default)]
    pub parameters: Vec<ParameterDef>,
    #[serde(default)]
    pub visualizations: Vec<Visualization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
    #[serde(default = "default_row_limit")]
    pub row_limit: u32,
    #[serde(default, skip_serializing_if = "ReportOptions::is_empty")]
    pub options: ReportOptions,
    /// `columnar`: the report's SQL runs on the columnar engine (see `ReportEngine`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<ReportEngine>,
}

/// How the report's documents are marked.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportOptions {
    /// Large faint text across every PDF page (`DRAFT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<String>,
    /// A marking at the top of every PDF page and on the cover (`Internal — finance only`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// PDF pages on their side (A4 landscape): room for wide tables and charts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub landscape: bool,
    /// The narrative of what changed (`report::insight`) on the PDF's cover and at the top of
    /// a scheduled email.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insights: bool,
}

impl ReportOptions {
    fn is_empty(&self) -> bool {
        self.watermark.is_none()
            && self.classification.is_none()
            && !self.landscape
            && !self.insights
    }
}

/// Longest watermark or classification text.
const MAX_MARKING_CHARS: usize = 60;

/// Longest report name, visualization or section title.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Longest category.
pub const MAX_CATEGORY_CHARS: usize = 100;
/// Most tags, and the longest tag.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_CHARS: usize = 50;
/// Longest visualization id (ids appear in field names, URLs and dashboards).
pub const MAX_ID_CHARS: usize = 100;
/// Longest SQL text a draft may be run or checked with (`validate-query`, builder previews).
pub const MAX_QUERY_CHARS: usize = 100_000;

/// `field: is longer than N characters` when `text` is.
fn too_long(field: &str, text: &str, max: usize) -> Result<(), String> {
    match text.chars().count() > max {
        true => Err(format!("{field}: is longer than {max} characters")),
        false => Ok(()),
    }
}

fn main_source() -> String {
    "main".into()
}

fn default_row_limit() -> u32 {
    10_000
}

/// One named query of a multi-query report: SQL or a builder spec.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamedQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder: Option<BuilderSpec>,
}

/// Where a query's rows come from.
#[derive(Debug, Clone, Copy)]
pub enum QuerySource<'a> {
    Sql(&'a str),
    Builder(&'a BuilderSpec),
}

impl NamedQuery {
    fn source(&self) -> Option<QuerySource<'_>> {
        match (&self.query, &self.builder) {
            (Some(sql), None) => Some(QuerySource::Sql(sql)),
            (None, Some(b)) => Some(QuerySource::Builder(b)),
            _ => None,
        }
    }
}

/// One visualization: a KPI card, a chart or a table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Visualization {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: VizType,
    #[serde(default)]
    pub title: String,
    /// The named query it reads (default: the only one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default)]
    pub data_mapping: DataMapping,
    #[serde(default)]
    pub options: VizOptions,
}

/// The visualization types of the contract, each drawn by `report::chart`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VizType {
    Table,
    Kpi,
    Line,
    Area,
    Bar,
    Hbar,
    StackedBar,
    Pie,
    Donut,
    Scatter,
    Heatmap,
    Candlestick,
    Histogram,
    Waterfall,
    /// Rows × columns × values with subtotals (`report::run::pivot`).
    Pivot,
}

impl VizType {
    /// Whether this build can draw the type.
    pub fn is_drawn(self) -> bool {
        // Every type is drawn; a new variant must be placed here knowingly.
        match self {
            VizType::Table
            | VizType::Kpi
            | VizType::Line
            | VizType::Area
            | VizType::Bar
            | VizType::Hbar
            | VizType::StackedBar
            | VizType::Pie
            | VizType::Donut
            | VizType::Scatter
            | VizType::Heatmap
            | VizType::Candlestick
            | VizType::Histogram
            | VizType::Waterfall
            | VizType::Pivot => true,
        }
    }

    /// The `dataMapping` keys the type needs and those it may also use, in the contract's
    /// words (a candlestick's prices may be given in `options` instead). A table needs none.
    pub fn mapping_keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            VizType::Table => (&[], &[]),
            VizType::Kpi => (&["value"], &[]),
            VizType::Pie | VizType::Donut => (&["label", "value"], &[]),
            // Stacks need a series until `y` may list several columns.
            VizType::StackedBar => (&["x", "y", "series"], &[]),
            VizType::Line | VizType::Area | VizType::Bar | VizType::Hbar | VizType::Scatter => {
                (&["x", "y"], &["series"])
            }
            VizType::Histogram => (&["x"], &[]),
            VizType::Heatmap => (&["x", "y", "value"], &[]),
            VizType::Candlestick => (&["x", "open", "high", "low", "close"], &[]),
            VizType::Waterfall => (&["x", "y"], &[]),
            // Its lists (`rows`, `columns`, `values`) are checked by `check_pivot`.
            VizType::Pivot => (&[], &[]),
        }
    }

    /// Other `dataMapping` keys accepted for `key`: a pie's or donut's `label` may be given as
    /// `x` and its `value` as `y`; a histogram's `x` as `value` or `y` (its words before the
    /// contract named it `x`).
    pub fn mapping_aliases(self, key: &str) -> &'static [&'static str] {
        match (self, key) {
            (VizType::Pie | VizType::Donut, "label") => &["x"],
            (VizType::Pie | VizType::Donut, "value") => &["y"],
            (VizType::Histogram, "x") => &["value", "y"],
            _ => &[],
        }
    }
}

impl Visualization {
    /// The column drawn as `key` (one of the type's `mapping_keys`) and where it was given:
    /// `dataMapping.<key>`, else `dataMapping.<alias>`, else for a candlestick's prices
    /// `options.<key>`. A histogram's `value` or `y` wins over its `x` when both are given, as
    /// the definitions written before the contract expect.
    pub fn mapped(&self, key: &str) -> Option<(String, &str)> {
        let m = &self.data_mapping;
        let aliases = self.kind.mapping_aliases(key);
        let mut keys: Vec<&str> = Vec::with_capacity(aliases.len() + 1);
        match self.kind {
            VizType::Histogram => keys.extend(aliases.iter().copied().chain([key])),
            _ => keys.extend([key].into_iter().chain(aliases.iter().copied())),
        }
        let given = keys
            .into_iter()
            .find_map(|k| m.get(k).map(|c| (format!("dataMapping.{k}"), c)));
        let option = || match (self.kind, key) {
            (VizType::Candlestick, "open" | "high" | "low" | "close") => self
                .options
                .price(key)
                .map(|c| (format!("options.{key}"), c)),
            _ => None,
        };
        given.or_else(option)
    }

    /// The first key the type needs that the mapping leaves out, and why it is needed.
    pub fn missing_mapping(&self) -> Option<(&'static str, String)> {
        let several = matches!(
            self.kind,
            VizType::Bar | VizType::StackedBar | VizType::Line | VizType::Area
        );
        if !self.data_mapping.more_y.is_empty() && !several {
            let kind = serde_json::to_value(self.kind).expect("an enum serialises");
            return Some((
                "y",
                format!(
                    "several measures are drawn by bar, stacked_bar, line and area charts, not {}: map one `y`",
                    kind.as_str().unwrap_or("this chart")
                ),
            ));
        }
        let (required, _) = self.kind.mapping_keys();
        // Several measures are the series of a stacked bar: it needs no series column then.
        let key = required
            .iter()
            .filter(|k| self.data_mapping.more_y.is_empty() || **k != "series")
            .find(|k| self.mapped(k).is_none())?;
        let kind = serde_json::to_value(self.kind).expect("an enum serialises");
        let kind = kind.as_str().unwrap_or("chart");
        let aliases = self.kind.mapping_aliases(key);
        let also = match (aliases, self.kind) {
            ([], VizType::Candlestick) if *key != "x" => format!(" (or `options.{key}`)"),
            ([], _) => String::new(),
            (a, _) => format!(
                " (or {})",
                a.iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        Some((
            key,
            format!(
                "a {kind} needs the column for `{key}`{also}; it maps {}",
                required
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

/// Display options of a visualization.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VizOptions {
    /// Format of the value or y axis: `number`, `integer`, `currency`, `percent`, `date`, or
    /// `{kind, decimals, currency, placement, date, signed}` (`ValueFormat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ValueFormat>,
    /// KPI: the column holding the previous period's value, for the % change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<String>,
    /// Per-column formats (tables, and the columns a chart or KPI shows).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub column_formats: BTreeMap<String, ValueFormat>,
    /// Column headers and axis titles to show instead of the column names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub column_labels: BTreeMap<String, String>,
    /// Bar charts: print the value on each bar.
    #[serde(default)]
    pub value_labels: bool,
    /// Bar charts of several measures: these measures drawn as lines on a second axis (a
    /// measure of another unit: revenue in bars, margin % as a line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub axis2: Vec<String>,
    /// Histogram: about how many bins (1 to 200); by default chosen from the number of values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<u32>,
    /// Candlestick: the column of opening prices (or `dataMapping.open`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<String>,
    /// Candlestick: the column of highest prices (or `dataMapping.high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
    /// Candlestick: the column of lowest prices (or `dataMapping.low`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<String>,
    /// Candlestick: the column of closing prices (or `dataMapping.close`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<String>,
    /// Pivot: a subtotal per row and column group (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotals: Option<bool>,
    /// Pivot: the grand total row and columns (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grand_totals: Option<bool>,
    /// Pivot: the order of the row groups (by label by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<PivotSort>,
    /// Line and area charts: the next periods forecast, with 80 % and 95 % bands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<ForecastOptions>,
    /// Line and area charts: the points outside the expected band marked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anomalies: bool,
}

impl VizOptions {
    /// A candlestick's price column given in the options (`open`, `high`, `low`, `close`).
    pub fn price(&self, key: &str) -> Option<&str> {
        match key {
            "open" => self.open.as_deref(),
            "high" => self.high.as_deref(),
            "low" => self.low.as_deref(),
            "close" => self.close.as_deref(),
            _ => None,
        }
    }
}

/// The order of sections and items in the report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Layout {
    pub sections: Vec<Section>,
}

/// One section of the layout.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Section {
    #[serde(default)]
    pub title: String,
    /// Visualization ids and text blocks, in order.
    pub items: Vec<LayoutItem>,
}

/// An item of a section: a visualization's id, or `{text = "..."}` with values from the result
/// (see `report::text`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LayoutItem {
    Viz(String),
    Text { text: String },
}

impl LayoutItem {
    /// The visualization's id, for a visualization.
    pub fn viz(&self) -> Option<&String> {
        match self {
            LayoutItem::Viz(id) => Some(id),
            LayoutItem::Text { .. } => None,
        }
    }
}

impl ReportDefinition {
    /// A named query, or the only query when `name` is None.
    pub fn query_source(&self, name: Option<&str>) -> Option<QuerySource<'_>> {
        match name {
            Some(n) => self.queries.get(n).and_then(NamedQuery::source),
            None => match (&self.query, &self.builder) {
                (Some(sql), None) => Some(QuerySource::Sql(sql)),
                (None, Some(b)) => Some(QuerySource::Builder(b)),
                (None, None) if self.queries.len() == 1 => {
                    self.queries.values().next().and_then(NamedQuery::source)
                }
                _ => None,
            },
        }
    }

    /// The sections to render: the layout's, or every visualization in one untitled section.
    pub fn sections(&self) -> Vec<Section> {
        match &self.layout {
            Some(l) => l.sections.clone(),
            None => vec![Section {
                title: String::new(),
                items: self
                    .visualizations
                    .iter()
                    .map(|v| LayoutItem::Viz(v.id.clone()))
                    .collect(),
            }],
        }
    }

    /// The first table or pivot table in layout order: what a CSV holds (a pivot's as the
    /// query's rows, one line per cell).
    pub fn first_table(&self) -> Option<&Visualization> {
        self.sections()
            .iter()
            .flat_map(|s| s.items.iter().filter_map(LayoutItem::viz))
            .filter_map(|id| self.visualization(id))
            .find(|v| matches!(v.kind, VizType::Table | VizType::Pivot))
    }

    /// Whether a builder query of this report reads the saved question of report `id`.
    pub fn reads_question(&self, id: &str) -> bool {
        self.builder
            .iter()
            .chain(self.queries.values().filter_map(|q| q.builder.as_ref()))
            .any(|b| b.source.as_ref().is_some_and(|s| s.report == id))
    }

    /// The visualization with this id.
    pub fn visualization(&self, id: &str) -> Option<&Visualization> {
        self.visualizations.iter().find(|v| v.id == id)
    }

    /// Checks the references inside the definition; the error names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        too_long("name", &self.name, MAX_NAME_CHARS)?;
        too_long("description", &self.description, MAX_DESCRIPTION_CHARS)?;
        too_long("category", &self.category, MAX_CATEGORY_CHARS)?;
        no_control("name", &self.name, false)?;
        no_control("description", &self.description, true)?;
        no_control("category", &self.category, false)?;
        if self.tags.len() > MAX_TAGS {
            return Err(format!("tags: at most {MAX_TAGS} tags"));
        }
        for (i, tag) in self.tags.iter().enumerate() {
            too_long(&format!("tags[{i}]"), tag, MAX_TAG_CHARS)?;
            no_control(&format!("tags[{i}]"), tag, false)?;
        }
        for (i, v) in self.visualizations.iter().enumerate() {
            too_long(&format!("visualizations[{i}].id"), &v.id, MAX_ID_CHARS)?;
            too_long(
                &format!("visualizations.{}.title", v.id),
                &v.title,
                MAX_NAME_CHARS,
            )?;
            no_control(&format!("visualizations.{}.title", v.id), &v.title, false)?;
        }
        for (i, s) in self.sections().iter().enumerate() {
            too_long(
                &format!("layout.sections[{i}].title"),
                &s.title,
                MAX_NAME_CHARS,
            )?;
        }
        for (field, text) in [
            ("options.watermark", &self.options.watermark),
            ("options.classification", &self.options.classification),
        ] {
            if let Some(t) = text {
                if t.trim().is_empty() || t.chars().count() > MAX_MARKING_CHARS {
                    return Err(format!(
                        "{field}: must be 1 to {MAX_MARKING_CHARS} characters"
                    ));
                }
            }
        }
        if self.query.is_some() && self.builder.is_some() {
            return Err("builder: a report has `query` or `builder`, not both".into());
        }
        if self.query.is_none() && self.builder.is_none() && self.queries.is_empty() {
            return Err("query: a report needs `query`, `builder` or `queries`".into());
        }
        for (name, q) in &self.queries {
            if q.source().is_none() {
                return Err(format!(
                    "queries.{name}: give `query` or `builder`, exactly one"
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.parameters {
            if !seen.insert(p.name.as_str()) {
                return Err(format!("parameters: duplicate parameter `{}`", p.name));
            }
            p.check_bounds()?;
            if p.kind == ParamType::Enum && p.options.is_empty() {
                return Err(format!(
                    "parameters.{}.options: an enum needs options",
                    p.name
                ));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for v in &self.visualizations {
            if !ids.insert(v.id.as_str()) {
                return Err(format!("visualizations: duplicate id `{}`", v.id));
            }
            if !v.kind.is_drawn() {
                return Err(format!(
                    "visualizations.{}.type: `{:?}` is not supported yet",
                    v.id, v.kind
                ));
            }
            if v.kind == VizType::Pivot {
                v.check_pivot()?;
            }
            v.check_insights()?;
            if self.query_source(v.query.as_deref()).is_none() {
                return Err(format!(
                    "visualizations.{}.query: no query named `{}`",
                    v.id,
                    v.query.as_deref().unwrap_or("(default)")
                ));
            }
        }
        super::template::check(&self.description).map_err(|m| format!("description: {m}"))?;
        for (i, s) in self.sections().iter().enumerate() {
            for (j, item) in s.items.iter().enumerate() {
                match item {
                    LayoutItem::Viz(id) if !ids.contains(id.as_str()) => {
                        return Err(format!("layout.sections: unknown visualization `{id}`"));
                    }
                    LayoutItem::Text { text } => super::template::check(text)
                        .map_err(|m| format!("layout.sections[{i}].items[{j}].text: {m}"))?,
                    LayoutItem::Viz(_) => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod length_tests {
    use super::*;

    fn report() -> ReportDefinition {
        serde_json::from_value(serde_json::json!({
            "name": "Sales",
            "query": "SELECT 1 AS n",
            "visualizations": [{"id": "t", "type": "table", "title": "Rows"}],
        }))
        .unwrap()
    }

    /// The field an error names (before `: `).
    fn refused(f: impl FnOnce(&mut ReportDefinition)) -> String {
        let mut r = report();
        f(&mut r);
        let e = r.validate().unwrap_err();
        assert!(e.contains("longer than") || e.contains("at most"), "{e}");
        e.split_once(": ").unwrap().0.to_string()
    }

    #[test]
    fn a_definition_at_every_limit_passes() {
        let mut r = report();
        r.name = "n".repeat(MAX_NAME_CHARS);
        r.description = "d".repeat(MAX_DESCRIPTION_CHARS);
        r.category = "c".repeat(MAX_CATEGORY_CHARS);
        r.tags = vec!["t".repeat(MAX_TAG_CHARS); MAX_TAGS];
        r.visualizations[0].title = "é".repeat(MAX_NAME_CHARS);
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn each_text_past_its_limit_is_refused_naming_its_field() {
        assert_eq!(refused(|r| r.name = "n".repeat(201)), "name");
        assert_eq!(
            refused(|r| r.description = "d".repeat(2_001)),
            "description"
        );
        assert_eq!(refused(|r| r.category = "c".repeat(101)), "category");
        assert_eq!(refused(|r| r.tags = vec!["t".into(); 51]), "tags");
        assert_eq!(
            refused(|r| r.tags = vec!["ok".into(), "t".repeat(51)]),
            "tags[1]"
        );
        assert_eq!(
            refused(|r| r.visualizations[0].title = "x".repeat(201)),
            "visualizations.t.title"
        );
        assert_eq!(
            refused(|r| r.visualizations[0].id = "v".repeat(101)),
            "visualizations[0].id"
        );
        assert_eq!(
            refused(|r| {
                r.layout = Some(Layout {
                    sections: vec![Section {
                        title: "s".repeat(201),
                        items: vec![LayoutItem::Viz("t".into())],
                    }],
                })
            }),
            "layout.sections[0].title"
        );
    }

    #[test]
    fn a_megabyte_name_is_refused_without_echoing_it() {
        let mut r = report();
        r.name = "x".repeat(1 << 20);
        let e = r.validate().unwrap_err();
        assert!(e.len() < 100, "{}", e.len());
    }
}
