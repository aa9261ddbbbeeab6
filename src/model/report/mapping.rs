//! A data mapping as JSON: `y` is one column or, for several measures on one chart, a list of
//! them (`"y": ["revenue", "cost"]`), which `DataMapping` keeps as `y` (the first) and `more_y`
//! (the others), so everything that draws one measure reads `y` as before.

use super::DataMapping;
use serde::{Deserialize, Serialize};

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
