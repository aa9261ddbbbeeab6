//! A finished run kept to make its files later: a generated result. Its public JSON (what
//! `GET /api/v1/reports/results/{id}` answers) leaves out what only files need (a table's typed
//! rows, a chart's numbers, a KPI's number and format, the report's options); those are kept
//! beside it, item by item, so the result renders to the same PDF, workbook or CSV as when it
//! was made, whatever happened to the data since.

use super::output::{ChartData, Item, Output};
use super::pivot::{PivotExtra, Rollup};
use crate::data::query::ResultSet;
use crate::model::report::{Bucket, ReportOptions, ValueFormat};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the public JSON of an output leaves out.
#[derive(Debug, Serialize, Deserialize)]
pub struct Extra {
    options: ReportOptions,
    /// One per item, in layout order.
    items: Vec<ItemExtra>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum ItemExtra {
    Kpi {
        number: f64,
        previous: Option<f64>,
        format: Option<ValueFormat>,
        direction: String,
    },
    Chart {
        data: Option<ChartData>,
    },
    Table {
        result: ResultSet,
        formats: Vec<Option<ValueFormat>>,
        sortable: bool,
    },
    Text,
    Pivot {
        formats: Vec<Option<ValueFormat>>,
        whole: Vec<bool>,
        member_formats: Vec<Option<ValueFormat>>,
        buckets: Vec<Option<Bucket>>,
        rollups: Vec<Rollup>,
        result: ResultSet,
    },
}

/// Why a stored result cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("the stored result cannot be read: {0}")]
pub struct SnapshotError(String);

/// The public JSON of `out` and what it leaves out, as two JSON texts.
pub fn split(out: &Output) -> serde_json::Result<(String, String)> {
    let items = out
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .map(|item| match item {
            Item::Kpi(k) => ItemExtra::Kpi {
                number: k.number,
                previous: k.previous_number,
                format: k.format,
                direction: k.direction.to_string(),
            },
            Item::Chart(c) => ItemExtra::Chart {
                data: c.data.clone(),
            },
            Item::Table(t) => ItemExtra::Table {
                result: (*t.result).clone(),
                formats: t.formats.clone(),
                sortable: t.sortable,
            },
            Item::Text(_) => ItemExtra::Text,
            Item::Pivot(p) => ItemExtra::Pivot {
                formats: p.extra.formats.clone(),
                whole: p.extra.whole.clone(),
                member_formats: p.extra.member_formats.clone(),
                buckets: p.extra.buckets.clone(),
                rollups: p.extra.rollups.clone(),
                result: (*p.extra.result).clone(),
            },
        })
        .collect();
    let extra = Extra {
        options: out.options.clone(),
        items,
    };
    Ok((serde_json::to_string(out)?, serde_json::to_string(&extra)?))
}

/// The output `split` was given, read back from its two texts.
pub fn join(public: &str, extra: &str) -> Result<Output, SnapshotError> {
    let bad = |e: serde_json::Error| SnapshotError(e.to_string());
    let mut out: Output = serde_json::from_str(public).map_err(bad)?;
    let extra: Extra = serde_json::from_str(extra).map_err(bad)?;
    out.options = extra.options;
    let items = out.sections.iter_mut().flat_map(|s| s.items.iter_mut());
    let mut extras = extra.items.into_iter();
    for item in items {
        let e = extras
            .next()
            .ok_or_else(|| SnapshotError("fewer items kept than shown".into()))?;
        match (item, e) {
            (
                Item::Kpi(k),
                ItemExtra::Kpi {
                    number,
                    previous,
                    format,
                    direction,
                },
            ) => {
                k.direction = match direction.as_str() {
                    "up" => "up",
                    "down" => "down",
                    _ => "flat",
                };
                k.number = number;
                k.previous_number = previous;
                k.format = format;
            }
            (Item::Chart(c), ItemExtra::Chart { data }) => c.data = data,
            (
                Item::Table(t),
                ItemExtra::Table {
                    result,
                    formats,
                    sortable,
                },
            ) => {
                t.result = Arc::new(result);
                t.formats = formats;
                t.sortable = sortable;
            }
            (Item::Text(_), ItemExtra::Text) => {}
            (
                Item::Pivot(p),
                ItemExtra::Pivot {
                    formats,
                    whole,
                    member_formats,
                    buckets,
                    rollups,
                    result,
                },
            ) => {
                p.extra = PivotExtra {
                    formats,
                    whole,
                    member_formats,
                    buckets,
                    rollups,
                    result: Arc::new(result),
                }
            }
            _ => return Err(SnapshotError("the kept items do not match".into())),
        }
    }
    match extras.next() {
        Some(_) => Err(SnapshotError("more items kept than shown".into())),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::query::Cell;
    use crate::report::run::{Categories, ChartOut, Kpi, SectionOut, TableOut, TextOut};

    fn output() -> Output {
        let result = ResultSet {
            columns: vec!["region".into(), "revenue".into(), "orders".into()],
            rows: vec![
                vec![Cell::Text("North".into()), Cell::Real(10.5), Cell::Int(3)],
                vec![Cell::Null, Cell::Real(2.0), Cell::Int(-1)],
            ],
        };
        Output {
            report_id: "r".into(),
            name: "Sales".into(),
            description: "d".into(),
            parameters: vec![("days".into(), "30".into())],
            generated_at: chrono::Utc::now(),
            time_zone: chrono_tz::UTC,
            sections: vec![SectionOut {
                title: "S".into(),
                items: vec![
                    Item::Kpi(Kpi {
                        id: "k".into(),
                        title: "Revenue".into(),
                        value: "$12.50".into(),
                        previous: Some("$10.00".into()),
                        change: Some("+25.0%".into()),
                        direction: "up",
                        number: 12.5,
                        previous_number: Some(10.0),
                        format: Some(ValueFormat::Currency),
                    }),
                    Item::Chart(ChartOut {
                        id: "c".into(),
                        title: "By region".into(),
                        svg: "<svg/>".into(),
                        narrow: None,
                        data: Some(ChartData {
                            axis2: Vec::new(),
                            kind: crate::model::report::VizType::Bar,
                            categories: Categories::Labels(vec!["North".into(), "".into()]),
                            series: vec![("".into(), vec![Some(10.5), None])],
                            format: None,
                        }),
                    }),
                    Item::Text(TextOut { text: "t".into() }),
                    Item::Table(TableOut {
                        id: "t".into(),
                        title: "Rows".into(),
                        headers: vec!["Region".into(), "Revenue".into(), "Orders".into()],
                        numeric: vec![false, true, true],
                        rows: vec![],
                        total_rows: 2,
                        available_rows: 2,
                        page: 1,
                        page_count: 1,
                        result: Arc::new(result),
                        formats: vec![None, Some(ValueFormat::Currency), None],
                        sortable: true,
                        sort: None,
                    }),
                ],
            }],
            narrative: Some("Sales +3 %.".into()),
            options: ReportOptions {
                landscape: true,
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_split_output_joins_back_to_the_same_files() {
        let out = output();
        let (public, extra) = split(&out).unwrap();
        assert!(!public.contains("previous_number") && !public.contains("sortable"));
        let back = join(&public, &extra).unwrap();
        // The JSON shown is the same, and so is what only files use.
        assert_eq!(serde_json::to_string(&back).unwrap(), public);
        assert_eq!(split(&back).unwrap().1, extra);
        let t = back.tables().next().unwrap();
        assert_eq!(t.result.rows, out.tables().next().unwrap().result.rows);
        assert!(matches!(t.result.rows[0][2], Cell::Int(3)));
        assert!(matches!(t.result.rows[0][1], Cell::Real(_)));
        let k = back.kpis().next().unwrap();
        assert_eq!(
            (k.number, k.previous_number, k.direction),
            (12.5, Some(10.0), "up")
        );
        assert!(back.options.landscape);
        assert!(back.charts().next().unwrap().data.is_some());
    }

    #[test]
    fn mismatched_or_broken_extras_are_refused() {
        let (public, extra) = split(&output()).unwrap();
        assert!(join(&public, "{").is_err());
        let short = extra.replace("{\"kind\":\"text\"},", "");
        assert!(join(&public, &short).is_err(), "{short}");
        assert!(join("{\"reportId\": 1}", &extra).is_err());
    }
}
