//! One series' expected values: an MSTL decomposition (its seasonality, when the series is long
//! enough for two cycles of it; robust, so a spike does not bend it) with an AutoETS trend
//! (augurs), fitted to the values, or to their logarithms when all are above zero (a business's
//! weekly pattern grows with its sales: a multiplicative season, additive in logs); its
//! forecast of the next periods with 80 % and 95 % bands; and the points far outside what it
//! expected (anomalies), judged against a robust spread of its misses so a spike does not widen
//! the band that should catch it.

use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Predict};
use chrono::NaiveDate;

/// Fewest values a series needs before anything is said about it.
pub const MIN_POINTS: usize = 8;
/// How far from the expected value, in robust standard deviations of the misses, a point is an
/// anomaly (a normal miss goes this far about once in 15,000 points: an alarm must be rare to
/// be read).
const ANOMALY_Z: f64 = 4.0;

/// The forecast of the next periods: each value with its 80 % and 95 % bands.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub point: Vec<f64>,
    pub low80: Vec<f64>,
    pub high80: Vec<f64>,
    pub low95: Vec<f64>,
    pub high95: Vec<f64>,
}

/// A point outside what was expected of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    /// Its index in the series.
    pub at: usize,
    pub value: f64,
    pub expected: f64,
    pub low: f64,
    pub high: f64,
}

/// The season of a series over these dates: a week of days, a year of months or quarters; None
/// for any other spacing, or when the series does not hold two whole cycles.
pub fn season_for(dates: &[NaiveDate]) -> Option<usize> {
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let season = match gaps[gaps.len() / 2] {
        1 => 7,
        28..=31 => 12,
        89..=92 => 4,
        _ => return None,
    };
    (dates.len() >= 2 * season + 1).then_some(season)
}

enum Fitted {
    Seasonal(augurs::mstl::FittedMSTLModel),
    Plain(augurs::ets::FittedAutoETS),
}

impl Fitted {
    fn predict(&self, horizon: usize, level: f64) -> Result<augurs::Forecast, String> {
        match self {
            Fitted::Seasonal(m) => m.predict(horizon, level).map_err(|e| e.to_string()),
            Fitted::Plain(m) => m.predict(horizon, level).map_err(|e| e.to_string()),
        }
    }

    fn in_sample(&self) -> Result<Vec<f64>, String> {
        let f = match self {
            Fitted::Seasonal(m) => m.predict_in_sample(None).map_err(|e| e.to_string()),
            Fitted::Plain(m) => m.predict_in_sample(None).map_err(|e| e.to_string()),
        }?;
        Ok(f.point)
    }
}

/// The model of `y` (with `season` when given).
fn fit(y: &[f64], season: Option<usize>) -> Result<Fitted, String> {
    if y.len() < MIN_POINTS || y.iter().any(|v| !v.is_finite()) {
        return Err(format!(
            "a forecast needs at least {MIN_POINTS} numbers, without gaps"
        ));
    }
    match season {
        Some(p) => {
            let mut stl = augurs::mstl::stlrs::params();
            stl.robust(true);
            let mut params = augurs::mstl::stlrs::MstlParams::new();
            params.stl_params(stl);
            MSTLModel::new(vec![p], AutoETS::non_seasonal().into_trend_model())
                .mstl_params(params)
                .fit(y)
                .map(Fitted::Seasonal)
                .map_err(|e| e.to_string())
        }
        None => AutoETS::non_seasonal()
            .fit(y)
            .map(Fitted::Plain)
            .map_err(|e| e.to_string()),
    }
}

/// Whether `y` is modelled in logarithms: every value above zero.
fn logs(y: &[f64]) -> bool {
    y.iter().all(|v| *v > 0.0)
}

/// `y` as it is modelled, and the way back.
fn scaled(y: &[f64]) -> (Vec<f64>, fn(f64) -> f64) {
    if logs(y) {
        (y.iter().map(|v| v.ln()).collect(), f64::exp)
    } else {
        (y.to_vec(), |v| v)
    }
}

/// The next `horizon` values of `y` with their bands.
pub fn forecast(y: &[f64], season: Option<usize>, horizon: usize) -> Result<Forecast, String> {
    if y.len() < MIN_POINTS || y.iter().any(|v| !v.is_finite()) {
        return Err(format!(
            "a forecast needs at least {MIN_POINTS} numbers, without gaps"
        ));
    }
    let (y, back) = scaled(y);
    let model = fit(&y, season)?;
    let f80 = model.predict(horizon, 0.8)?;
    let f95 = model.predict(horizon, 0.95)?;
    let all = |v: &[f64]| v.iter().map(|x| back(*x)).collect::<Vec<f64>>();
    let bands = |f: &augurs::Forecast| match &f.intervals {
        Some(i) => (all(&i.lower), all(&i.upper)),
        None => (all(&f.point), all(&f.point)),
    };
    let (low80, high80) = bands(&f80);
    let (low95, high95) = bands(&f95);
    Ok(Forecast {
        point: all(&f95.point),
        low80,
        high80,
        low95,
        high95,
    })
}

/// What the model expected of each value of `y` (modelled as `fit` models it), and the half
/// width of the band a value may stray within before it is an anomaly, in the model's terms.
fn expected(y: &[f64], season: Option<usize>) -> Result<(Vec<f64>, f64), String> {
    let fitted = fit(y, season)?.in_sample()?;
    let mut misses: Vec<f64> = y.iter().zip(&fitted).map(|(v, e)| v - e).collect();
    let median = middle(&mut misses);
    let mut spread: Vec<f64> = misses.iter().map(|m| (m - median).abs()).collect();
    // The median absolute deviation, as a normal distribution's standard deviation.
    let sigma = 1.4826 * middle(&mut spread);
    // A miss under 1 % of the series' usual size is never news, however steady the series.
    let mut sizes: Vec<f64> = y.iter().map(|v| v.abs()).collect();
    let floor = 0.01 * middle(&mut sizes);
    Ok((fitted, (ANOMALY_Z * sigma).max(floor)))
}

fn middle(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The points of `y` outside their expected band.
pub fn anomalies(y: &[f64], season: Option<usize>) -> Result<Vec<Anomaly>, String> {
    if y.iter().any(|v| !v.is_finite()) {
        return Err("anomalies need numbers without gaps".into());
    }
    // In the values' own terms: in logs a quiet day's ordinary noise looks like an anomaly.
    let (modelled, back): (Vec<f64>, fn(f64) -> f64) = (y.to_vec(), |v| v);
    let (fitted, half) = expected(&modelled, season)?;
    if half <= 0.0 {
        return Ok(Vec::new());
    }
    Ok(modelled
        .iter()
        .zip(&fitted)
        .enumerate()
        .filter(|(_, (v, e))| (*v - *e).abs() > half)
        .map(|(at, (_, e))| Anomaly {
            at,
            value: y[at],
            expected: back(*e),
            low: back(e - half),
            high: back(e + half),
        })
        .collect())
}
