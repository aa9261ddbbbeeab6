//! Insights: what a series is expected to do next and where it did something else
//! (`series.rs`).

pub mod narrative;
pub mod series;
#[cfg(test)]
mod tests;
