//! Quire: a self-hosted reporting server in one process — dashboards, PDF/XLSX reports,
//! scheduled email — on embedded SQLite.
//!
//! Layers, each depending only on those below it (ARCHITECTURE.md):
//! `web`, `cli`, `startup` → services (`schedule`, `deliver`, `job`, `export`, `provision`) →
//! `app` (the context, the report pipeline, checked edits) → `report`, `render` →
//! `store`, `data`, `config` → `model`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod data;
pub mod deliver;
pub mod export;
pub mod job;
pub mod model;
pub mod provision;
pub mod render;
pub mod report;
pub mod schedule;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
