//! A chart's numbers, beside its SVG: one value per category and series, for spreadsheets that
//! draw the chart themselves (`render/xlsx`), and the ways a chart's rows become them; and
//! the label of an empty category, `(blank)`, wherever a category is shown.

use crate::data::query::Cell;
use crate::model::report::{ValueFormat, VizType};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What charts, their workbooks, tables and drills call an empty category: NULL or blank
/// text. Display only: CSV and JSON keep the null or the empty text.
pub const BLANK: &str = "(blank)";

/// Whether a cell is an empty category: NULL, or text of nothing but spaces.
pub fn is_blank(c: &Cell) -> bool {
    match c {
        Cell::Null => true,
        Cell::Text(t) => t.trim().is_empty(),
        _ => false,
    }
}

/// A category (or series name) as people see it: its text, or `(blank)` for an empty one.
/// The one place that label is made.
pub fn category_label(c: &Cell) -> String {
    match is_blank(c) {
        true => BLANK.to_string(),
        false => c.as_text(),
    }
}

/// Whether a mark's key (a category's label) stands for the empty category.
pub fn names_blank(key: &str) -> bool {
    key == BLANK
}

/// A chart built from its rows: the SVG and the numbers drawn.
#[derive(Debug, Clone)]
pub struct Chart {
    pub svg: String,
    /// None for the kinds spreadsheets have no plain equivalent of.
    pub data: Option<ChartData>,
}

/// A chart's numbers: one value per category and series.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChartData {
    pub kind: VizType,
    pub categories: Categories,
    /// Series name (empty for a single unnamed series) and its values, one per category.
    pub series: Vec<(String, Vec<Option<f64>>)>,
    pub format: Option<ValueFormat>,
    /// The series drawn as lines on a second axis (`options.axis2`), over the others' bars.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub axis2: Vec<String>,
}

/// The category axis of a chart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Categories {
    Dates(Vec<NaiveDate>),
    Labels(Vec<String>),
    /// A scatter plot's x of each point (its series' columns hold the y, blank elsewhere).
    Numbers(Vec<f64>),
}

impl Categories {
    pub fn len(&self) -> usize {
        match self {
            Categories::Dates(d) => d.len(),
            Categories::Labels(l) => l.len(),
            Categories::Numbers(n) => n.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A series' name and its value at each category.
pub(super) type NamedSeries = (String, Vec<Option<f64>>);

/// Most series a spreadsheet chart is given (Excel draws at most 255).
pub(super) const MAX_SERIES: usize = 255;

/// The index of series `name` in `series`, added (`len` blanks) when it is not there yet.
fn series_of(series: &mut Vec<NamedSeries>, name: &str, len: usize) -> usize {
    match series.iter().position(|s| s.0 == name) {
        Some(i) => i,
        None => {
            series.push((name.to_string(), vec![None; len]));
            series.len() - 1
        }
    }
}

/// Series over dates from (series, date, value) points, dates ascending, series in order of
/// first appearance.
pub(super) fn date_series(
    points: &[(String, NaiveDate, Option<f64>)],
) -> (Vec<NaiveDate>, Vec<NamedSeries>) {
    let dates: Vec<NaiveDate> = points
        .iter()
        .map(|p| p.1)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let at: HashMap<NaiveDate, usize> = dates.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut series: Vec<NamedSeries> = Vec::new();
    for (name, d, v) in points {
        let i = series_of(&mut series, name, dates.len());
        if let Some(v) = v {
            let slot = &mut series[i].1[at[d]];
            *slot = Some(slot.unwrap_or(0.0) + v);
        }
    }
    (dates, series)
}

/// Series over categories from (category, series, value) cells, both in order of first
/// appearance; a category's repeated values in one series add up.
fn label_series(cells: &[(String, String, Option<f64>)]) -> (Vec<String>, Vec<NamedSeries>) {
    let mut labels: Vec<String> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (x, ..) in cells {
        at.entry(x.as_str()).or_insert_with(|| {
            labels.push(x.clone());
            labels.len() - 1
        });
    }
    let mut series: Vec<NamedSeries> = Vec::new();
    for (x, name, v) in cells {
        let i = series_of(&mut series, name, labels.len());
        if let Some(v) = v.filter(|v| v.is_finite()) {
            let slot = &mut series[i].1[at[x.as_str()]];
            *slot = Some(slot.unwrap_or(0.0) + v);
        }
    }
    (labels, series)
}

/// The numbers of (category, series, value) cells as a grid: a column a series, a row a
/// category; None past the series a spreadsheet chart takes.
pub(super) fn grid_numbers(
    kind: VizType,
    cells: &[(String, String, Option<f64>)],
    fmt: Option<ValueFormat>,
) -> Option<ChartData> {
    let (labels, series) = label_series(cells);
    (series.len() <= MAX_SERIES).then_some(ChartData {
        axis2: Vec::new(),
        kind,
        categories: Categories::Labels(labels),
        series,
        format: fmt,
    })
}

/// The numbers of (category, value) items: one series named `name`.
pub(super) fn labelled_numbers(
    kind: VizType,
    items: &[(String, Option<f64>)],
    name: &str,
    fmt: Option<ValueFormat>,
) -> ChartData {
    ChartData {
        axis2: Vec::new(),
        kind,
        categories: Categories::Labels(items.iter().map(|i| i.0.clone()).collect()),
        series: vec![(name.to_string(), items.iter().map(|i| i.1).collect())],
        format: fmt,
    }
}

/// A scatter plot's points as rows: each point's x, and its y in its series' column.
pub(super) fn point_series(
    points: &[(String, Option<f64>, Option<f64>)],
) -> (Vec<f64>, Vec<NamedSeries>) {
    let valued: Vec<(&str, f64, f64)> = points
        .iter()
        .filter_map(|(s, x, y)| {
            Some((
                s.as_str(),
                x.filter(|x| x.is_finite())?,
                y.filter(|y| y.is_finite())?,
            ))
        })
        .collect();
    let mut series: Vec<NamedSeries> = Vec::new();
    for (k, (name, _, y)) in valued.iter().enumerate() {
        let i = series_of(&mut series, name, valued.len());
        series[i].1[k] = Some(*y);
    }
    (valued.iter().map(|p| p.1).collect(), series)
}
