//! Quire's integration tests: one binary (each test file would be another binary to link).

mod access;
mod bad_input;
mod browser;
mod builder;
mod builder_page;
mod cli;
mod dashboard;
mod datasets;
mod delivery;
mod email;
mod expected;
mod exports;
mod generate;
mod hardening;
mod helpers;
mod layout;
mod pdf;
mod queries;
mod receiver;
mod reports_api;
mod reports_page;
mod restart;
mod schedules;
mod schedules_page;
mod smtp;
mod xlsx;
