//! A data mapping as JSON: `y` is one column or, for several measures on one chart, a list of
//! them (`"y": ["revenue", "cost"]`), which `DataMapping` keeps as `y` (the first) and `more_y`
//! (the others), so everything that draws one measure reads `y` as before. A pivot's `rows`,
//! `columns` and `values` are lists.

use serde::{Deserialize, Serialize};

/// Which result columns feed which part of a visualization. `y` may be a list: several
/// measures on one chart (see `mapping.rs`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(from = "Shape", into = "Shape")]
pub struct DataMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// The measure drawn, or the first of several (`"y": ["revenue", "cost"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<OneOrMany>)]
    pub y: Option<String>,
    /// The other measures drawn when `y` is a list.
    #[serde(skip)]
    #[schema(ignore)]
    pub more_y: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Candlestick: the column of opening prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<String>,
    /// Candlestick: the column of highest prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
    /// Candlestick: the column of lowest prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<String>,
    /// Candlestick: the column of closing prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<String>,
    /// Pivot: the fields whose members are its row groups, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<String>,
    /// Pivot: the fields whose members are its column groups, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Pivot: the measures in each cell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl DataMapping {
    /// The column under a `dataMapping` key (`x`, `y`, `series`, `value`, `label`, `open`,
    /// `high`, `low`, `close`).
    pub fn get(&self, key: &str) -> Option<&str> {
        match key {
            "x" => self.x.as_deref(),
            "y" => self.y.as_deref(),
            "series" => self.series.as_deref(),
            "value" => self.value.as_deref(),
            "label" => self.label.as_deref(),
            "open" => self.open.as_deref(),
            "high" => self.high.as_deref(),
            "low" => self.low.as_deref(),
            "close" => self.close.as_deref(),
            _ => None,
        }
    }

    /// Every key that names a column, with it.
    pub fn keys(&self) -> impl Iterator<Item = (&'static str, &str)> {
        const KEYS: [&str; 9] = [
            "x", "y", "series", "value", "label", "open", "high", "low", "close",
        ];
        KEYS.into_iter()
            .filter_map(move |k| self.get(k).map(|c| (k, c)))
    }
}

/// `y`: one column, or a list of them.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Shape {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    y: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    series: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    high: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    low: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    close: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rows: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    values: Vec<String>,
}

impl From<Shape> for DataMapping {
    fn from(s: Shape) -> DataMapping {
        let (y, more_y) = match s.y {
            None => (None, Vec::new()),
            Some(OneOrMany::One(y)) => (Some(y), Vec::new()),
            Some(OneOrMany::Many(mut all)) => match all.is_empty() {
                true => (None, Vec::new()),
                false => {
                    let first = all.remove(0);
                    (Some(first), all)
                }
            },
        };
        DataMapping {
            x: s.x,
            y,
            more_y,
            series: s.series,
            value: s.value,
            label: s.label,
            open: s.open,
            high: s.high,
            low: s.low,
            close: s.close,
            rows: s.rows,
            columns: s.columns,
            values: s.values,
        }
    }
}

impl From<DataMapping> for Shape {
    fn from(m: DataMapping) -> Shape {
        let y = match (m.y, m.more_y.is_empty()) {
            (None, _) => None,
            (Some(y), true) => Some(OneOrMany::One(y)),
            (Some(y), false) => Some(OneOrMany::Many(
                std::iter::once(y).chain(m.more_y).collect(),
            )),
        };
        Shape {
            x: m.x,
            y,
            series: m.series,
            value: m.value,
            label: m.label,
            open: m.open,
            high: m.high,
            low: m.low,
            close: m.close,
            rows: m.rows,
            columns: m.columns,
            values: m.values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_is_one_column_or_a_list_and_reads_back_as_written() {
        for text in [
            r#"{"x":"month","y":"revenue"}"#,
            r#"{"x":"month","y":["revenue","cost","units"]}"#,
            r#"{"value":"n"}"#,
            r#"{"rows":["region","product"],"columns":["month"],"values":["revenue","units"]}"#,
        ] {
            let m: DataMapping = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&m).unwrap(), text);
        }
        let m: DataMapping = serde_json::from_str(r#"{"y":["a","b"]}"#).unwrap();
        assert_eq!(
            (m.y.as_deref(), m.more_y.as_slice()),
            (Some("a"), &["b".to_string()][..])
        );
        assert!(serde_json::from_str::<DataMapping>(r#"{"y":[1]}"#).is_err());
        assert!(serde_json::from_str::<DataMapping>(r#"{"why":"a"}"#).is_err());
    }
}
