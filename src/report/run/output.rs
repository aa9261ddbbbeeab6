//! What a run produces: sections of KPI cards, charts (SVG and their numbers) and tables.

use crate::data::query::ResultSet;
use crate::model::report::{ReportOptions, ValueFormat};
pub use crate::report::chart::{Categories, ChartData};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A finished run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub report_id: String,
    pub name: String,
    pub description: String,
    pub parameters: Vec<(String, String)>,
    pub generated_at: DateTime<Utc>,
    /// The zone the times inside its files are in (the cover's, the workbook's): the reader's
    /// for a download, the schedule's for a scheduled run. JSON keeps `generatedAt` in UTC.
    #[serde(skip, default = "utc")]
    pub time_zone: chrono_tz::Tz,
    pub sections: Vec<SectionOut>,
    /// What changed, in words (`options.insights`): its cover and email open with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(skip)]
    pub options: ReportOptions,
}

/// A section of the layout with its built items.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectionOut {
    pub title: String,
    pub items: Vec<Item>,
}

/// A built visualization.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Item {
    Kpi(Kpi),
    Chart(ChartOut),
    Table(TableOut),
    Text(TextOut),
    Pivot(super::pivot::PivotOut),
}

impl Item {
    /// Its title ("" for a text block).
    pub fn title(&self) -> &str {
        match self {
            Item::Kpi(k) => &k.title,
            Item::Chart(c) => &c.title,
            Item::Table(t) => &t.title,
            Item::Pivot(p) => &p.title,
            Item::Text(_) => "",
        }
    }

    /// Gives it another title (a dashboard widget's own); a text block has none.
    pub fn set_title(&mut self, title: String) {
        match self {
            Item::Kpi(k) => k.title = title,
            Item::Chart(c) => c.title = title,
            Item::Table(t) => t.title = title,
            Item::Pivot(p) => p.title = title,
            Item::Text(_) => {}
        }
    }
}

fn utc() -> chrono_tz::Tz {
    chrono_tz::UTC
}

/// A text block, rendered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextOut {
    pub text: String,
}

/// A KPI card.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kpi {
    pub id: String,
    pub title: String,
    pub value: String,
    pub previous: Option<String>,
    /// `+15.4%`, `-1.3%` or `n/a`.
    pub change: Option<String>,
    /// `up`, `down` or `flat`.
    /// (Read back from a stored result by `snapshot::join`.)
    #[serde(skip_deserializing)]
    pub direction: &'static str,
    /// The numbers behind the texts, for spreadsheets.
    #[serde(skip)]
    pub number: f64,
    #[serde(skip)]
    pub previous_number: Option<f64>,
    #[serde(skip)]
    pub format: Option<ValueFormat>,
}

impl Kpi {
    /// The change as a fraction (0.154 = +15.4 %); None without a previous value or when it is 0.
    pub fn change_fraction(&self) -> Option<f64> {
        self.previous_number
            .filter(|p| *p != 0.0)
            .map(|p| (self.number - p) / p)
    }
}

/// A chart, as SVG.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChartOut {
    pub id: String,
    pub title: String,
    pub svg: String,
    /// The chart drawn again for a phone's width, when the run was asked for it
    /// (`Request::narrow`): a page shows it instead of `svg` on a narrow screen.
    #[serde(skip)]
    pub narrow: Option<String>,
    /// The numbers drawn, for spreadsheets that draw the chart themselves; None for the kinds
    /// spreadsheets have no plain equivalent of.
    #[serde(skip)]
    pub data: Option<ChartData>,
}

/// A table: formatted cells for people and the typed result for files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableOut {
    pub id: String,
    pub title: String,
    pub headers: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// Rows shown across all pages: the query's rows, capped by the row limit.
    pub total_rows: u64,
    /// Rows the query returned before the cap.
    pub available_rows: u64,
    pub page: u32,
    pub page_count: u32,
    #[serde(skip)]
    pub result: Arc<ResultSet>,
    #[serde(skip)]
    pub formats: Vec<Option<ValueFormat>>,
    /// Its columns can be sorted by a person (a visualization's table, not drill-down rows).
    #[serde(skip)]
    pub sortable: bool,
    /// The order a person chose, when this table has that column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<super::TableSort>,
}

impl TableOut {
    /// `aria-sort` of column `i`.
    pub fn aria_sort(&self, i: &usize) -> &'static str {
        match &self.sort {
            Some(s) if self.result.columns.get(*i) == Some(&s.column) => {
                if s.desc {
                    "descending"
                } else {
                    "ascending"
                }
            }
            _ => "none",
        }
    }

    /// The query of the link that sorts by column `i`: ascending, or descending when it is
    /// already ascending (`sort=region&dir=asc`).
    pub fn sort_link(&self, i: &usize) -> String {
        let column = self
            .result
            .columns
            .get(*i)
            .map(String::as_str)
            .unwrap_or("");
        let dir = if self.aria_sort(i) == "ascending" {
            "desc"
        } else {
            "asc"
        };
        format!("sort={}&dir={dir}", crate::model::text::urlencode(column))
    }

    /// The current order as the start of a query (`sort=region&dir=asc&`), for the pager.
    pub fn sort_query(&self) -> String {
        match &self.sort {
            Some(s) => format!(
                "sort={}&dir={}&",
                crate::model::text::urlencode(&s.column),
                if s.desc { "desc" } else { "asc" }
            ),
            None => String::new(),
        }
    }

    /// The rows in all, with thousands separators (`3,165`).
    pub fn total_text(&self) -> String {
        crate::report::format::thousands(self.total_rows as f64, 0)
    }
}

impl Output {
    /// When it was generated, as its files show it: in its zone, to the minute, zone named.
    pub fn generated(&self) -> String {
        crate::model::time::stamp(self.generated_at, self.time_zone)
    }

    /// Every KPI card, in layout order.
    pub fn kpis(&self) -> impl Iterator<Item = &Kpi> {
        self.items().filter_map(|i| match i {
            Item::Kpi(k) => Some(k),
            _ => None,
        })
    }

    /// Every chart, in layout order.
    pub fn charts(&self) -> impl Iterator<Item = &ChartOut> {
        self.items().filter_map(|i| match i {
            Item::Chart(c) => Some(c),
            _ => None,
        })
    }

    /// Every pivot table, in layout order.
    pub fn pivots(&self) -> impl Iterator<Item = &super::pivot::PivotOut> {
        self.items().filter_map(|i| match i {
            Item::Pivot(p) => Some(p),
            _ => None,
        })
    }

    /// Every table, in layout order.
    pub fn tables(&self) -> impl Iterator<Item = &TableOut> {
        self.items().filter_map(|i| match i {
            Item::Table(t) => Some(t),
            _ => None,
        })
    }

    fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }
}
