//! How long queries take, per engine (SQLite, PostgreSQL, the columnar engine): a histogram
//! for `/metrics` (`quire_query_seconds`), counted where every query passes (`source::Db`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the histogram's buckets, in seconds.
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

const fn histogram() -> Histogram {
    Histogram {
        buckets: [const { AtomicU64::new(0) }; BUCKETS.len()],
        count: AtomicU64::new(0),
        micros: AtomicU64::new(0),
    }
}

static TIMES: [Histogram; 3] = [histogram(), histogram(), histogram()];

/// The engines' labels, in the order of `TIMES`.
pub const ENGINES: [&str; 3] = ["sqlite", "postgres", "columnar"];

/// Counts a query of the engine labelled `engine` (one of [`ENGINES`]) that took `took`.
pub fn record(engine: &str, took: Duration) {
    let slot = ENGINES.iter().position(|e| *e == engine).unwrap_or(0);
    let h = &TIMES[slot];
    let secs = took.as_secs_f64();
    for (i, le) in BUCKETS.iter().enumerate() {
        if secs <= *le {
            h.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    h.count.fetch_add(1, Ordering::Relaxed);
    h.micros.fetch_add(
        took.as_micros().min(u64::MAX as u128) as u64,
        Ordering::Relaxed,
    );
}

/// One engine's histogram: its label, the cumulative count under each bucket, the count and
/// the sum of seconds.
pub struct Times {
    pub engine: &'static str,
    pub buckets: Vec<u64>,
    pub count: u64,
    pub seconds: f64,
}

/// Every engine's histogram.
pub fn snapshot() -> Vec<Times> {
    ENGINES
        .iter()
        .zip(&TIMES)
        .map(|(label, h)| Times {
            engine: label,
            buckets: h
                .buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect(),
            count: h.count.load(Ordering::Relaxed),
            seconds: h.micros.load(Ordering::Relaxed) as f64 / 1e6,
        })
        .collect()
}
