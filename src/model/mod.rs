//! The model: the definitions and values every layer shares (reports, schedules, dashboards,
//! datasets, export formats, cron, stored times). Pure data and its checks: no IO, and no
//! `crate::` module below it, so everything else may depend on it.

pub mod cron;
pub mod dashboard;
pub mod dataset;
pub mod export;
pub mod report;
pub mod schedule;
pub mod template;
pub mod text;
pub mod time;
