//! JSON API under /api/v1, one file per resource.

pub mod access;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod builder;
pub mod bundles;
pub mod collections;
pub mod cron;
pub mod dashboards;
pub mod datasets;
pub mod exports;
pub mod jobs;
pub mod object_access;
pub mod reports;
pub mod schedules;
pub mod shares;
pub mod tables;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod versions;
