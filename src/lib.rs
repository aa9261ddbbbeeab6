//! Quire: a self-hosted reporting server in one process — dashboards, PDF/XLSX reports,
//! scheduled email — on embedded SQLite.

pub mod auth;
pub mod cli;
pub mod config;
pub mod data;
pub mod deliver;
pub mod demo;
pub mod edit;
pub mod exports;
pub mod generate;
pub mod pipeline;
pub mod provision;
pub mod render;
pub mod report;
pub mod schedule;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
