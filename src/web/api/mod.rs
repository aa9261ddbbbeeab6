//! JSON API under /api/v1, one file per resource.

pub mod cron;
pub mod schedules;
