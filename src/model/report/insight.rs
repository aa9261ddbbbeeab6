//! What a line or area chart may ask of Quire's insights: the next periods forecast
//! (`options.forecast: {periods}`) and the points outside the expected band marked
//! (`options.anomalies: true`).

use super::{Visualization, VizType};
use serde::{Deserialize, Serialize};

/// Most periods a forecast reaches.
pub const MAX_FORECAST_PERIODS: u32 = 366;

/// `options.forecast`: how many periods past the last one to forecast.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastOptions {
    pub periods: u32,
}

impl Visualization {
    /// A forecast or anomalies asked of a chart that can show them; the error names the key.
    pub(super) fn check_insights(&self) -> Result<(), String> {
        let o = &self.options;
        let at = |key: &str| format!("visualizations.{}.options.{key}", self.id);
        if o.forecast.is_none() && !o.anomalies {
            return Ok(());
        }
        let key = if o.forecast.is_some() {
            "forecast"
        } else {
            "anomalies"
        };
        if !matches!(self.kind, VizType::Line | VizType::Area) {
            return Err(format!(
                "{}: only a line or area chart shows a forecast or anomalies",
                at(key)
            ));
        }
        if self.data_mapping.series.is_some() || !self.data_mapping.more_y.is_empty() {
            return Err(format!(
                "{}: a forecast or anomalies are drawn for one line; this chart draws several",
                at(key)
            ));
        }
        if let Some(f) = o.forecast {
            if f.periods == 0 || f.periods > MAX_FORECAST_PERIODS {
                return Err(format!(
                    "{}.periods: from 1 to {MAX_FORECAST_PERIODS} ({} given)",
                    at("forecast"),
                    f.periods
                ));
            }
        }
        Ok(())
    }
}
