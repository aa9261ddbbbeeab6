//! The builder page's draft as it posts it, read into a `Draft`.

use crate::app::builder::{Draft, DraftQuery};
use crate::model::report::{ParameterDef, VizType};
use serde::Deserialize;

/// The draft as the page posts it.
#[derive(Deserialize)]
pub struct DraftForm {
    source: String,
    mode: String,
    #[serde(default)]
    spec: String,
    #[serde(default)]
    sql: String,
    #[serde(default)]
    chart: String,
    #[serde(default)]
    params: String,
    /// Measures on the second axis, comma-separated.
    #[serde(default)]
    axis2: String,
    /// Periods a line or area chart forecasts (empty: none).
    #[serde(default)]
    forecast: String,
    /// `true`: a line or area chart marks its unexpected points.
    #[serde(default)]
    anomalies: String,
    /// A pivot table's dimension across: empty, the last; `-`, none.
    #[serde(default)]
    across: String,
}

impl DraftForm {
    /// The draft, or (field, message) naming what is wrong.
    pub fn parse(&self) -> Result<Draft, (String, String)> {
        let bad = |f: &str, m: String| (f.to_string(), m);
        let query = match self.mode.as_str() {
            "sql" => {
                let sql = self.sql.trim();
                if sql.is_empty() {
                    return Err(bad("sql", "write a SELECT query".into()));
                }
                DraftQuery::Sql(sql.to_string())
            }
            _ => {
                let spec =
                    serde_json::from_str(&self.spec).map_err(|e| bad("builder", e.to_string()))?;
                DraftQuery::Builder(spec)
            }
        };
        let chart = match self.chart.as_str() {
            "" | "auto" => None,
            c => Some(serde_json::from_value::<VizType>(c.into()).map_err(|_| {
                bad(
                    "chart",
                    format!(
                        "`{}` is not a chart type",
                        crate::model::text::truncate(c, 40)
                    ),
                )
            })?),
        };
        let parameters: Vec<ParameterDef> = match self.params.trim() {
            "" => Vec::new(),
            p => serde_json::from_str(p).map_err(|e| bad("parameters", e.to_string()))?,
        };
        Ok(Draft {
            source: self.source.clone(),
            query,
            chart,
            parameters,
            axis2: self
                .axis2
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect(),
            forecast: match self.forecast.trim() {
                "" | "0" => None,
                n => Some(n.parse::<u32>().map_err(|_| {
                    bad(
                        "forecast",
                        format!(
                            "`{}` is not a number of periods",
                            crate::model::text::truncate(n, 20)
                        ),
                    )
                })?),
            },
            anomalies: self.anomalies.trim() == "true",
            across: match self.across.trim() {
                "" => None,
                "-" => Some(String::new()),
                a => Some(a.to_string()),
            },
        })
    }
}
