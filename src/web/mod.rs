//! HTTP: every route is listed here; handlers live in a file per page or API resource.

pub mod api;
pub mod assets;
pub mod dashboards;
pub mod datasets;
pub mod error;
pub mod exports;
pub mod health;
pub mod json;
pub mod metrics;
pub mod reports;
pub mod schedules;

use crate::app::Ctx;
use actix_web::web;
use std::sync::Arc;
use tokio::sync::Notify;

/// What handlers share.
pub struct AppState {
    pub ctx: Ctx,
    /// Runs of schedules and renders share its pool of slots; runs wake its outbox.
    pub runner: crate::schedule::execute::Runner,
    /// Wakes the scheduler after a change.
    pub scheduler_wake: Arc<Notify>,
    /// Report generation jobs.
    pub generator: crate::job::Generator,
}

impl AppState {
    /// A render slot: renders wait for one instead of piling up (schedules share them).
    pub async fn render_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, error::Problem> {
        self.runner
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(error::Problem::internal)
    }
}

/// The routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::get))
        .route("/metrics", web::get().to(metrics::get))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .route("/", web::get().to(dashboards::home))
        .route("/dashboards/{id}", web::get().to(dashboards::view))
        .route(
            "/dashboards/{id}/table/{viz}",
            web::get().to(dashboards::dashboard_table),
        )
        .route("/reports", web::get().to(reports::list))
        .route("/reports/{id}", web::get().to(reports::view::report))
        .route(
            "/reports/{id}/table/{viz}",
            web::get().to(reports::view::report_table),
        )
        .route(
            "/reports/{id}/download",
            web::get().to(reports::download::get),
        )
        .route("/exports/{id}/download", web::get().to(exports::link::get))
        .route("/api/v1/exports", web::get().to(api::exports::list))
        .route("/api/v1/exports/{id}", web::get().to(api::exports::get))
        .route(
            "/api/v1/exports/{id}",
            web::delete().to(api::exports::delete),
        )
        .route(
            "/api/v1/exports/{id}/retry",
            web::post().to(api::exports::retry),
        )
        .route("/exports", web::get().to(exports::list))
        .route("/exports/{id}/retry", web::post().to(exports::retry))
        .route("/exports/{id}/delete", web::post().to(exports::delete))
        .route(
            "/api/v1/exports/{id}/download",
            web::get().to(api::exports::download),
        )
        .route("/api/v1/schedules", web::get().to(api::schedules::list))
        .route("/api/v1/schedules", web::post().to(api::schedules::create))
        .route("/api/v1/schedules/{id}", web::get().to(api::schedules::get))
        .route(
            "/api/v1/schedules/{id}",
            web::put().to(api::schedules::update),
        )
        .route(
            "/api/v1/schedules/{id}",
            web::delete().to(api::schedules::delete),
        )
        .route(
            "/api/v1/schedules/{id}/toggle",
            web::patch().to(api::schedules::toggle),
        )
        .route(
            "/api/v1/schedules/{id}/run",
            web::post().to(api::schedules::run),
        )
        .route(
            "/api/v1/schedules/{id}/executions",
            web::get().to(api::schedules::executions),
        )
        .route("/api/v1/cron/preview", web::get().to(api::cron::preview))
        .route("/datasets", web::get().to(datasets::page))
        .route("/datasets/upload", web::post().to(datasets::upload))
        .route("/api/v1/datasets", web::get().to(api::datasets::list))
        .route("/api/v1/datasets", web::post().to(api::datasets::create))
        .route("/api/v1/datasets/{name}", web::get().to(api::datasets::get))
        .route(
            "/api/v1/datasets/{name}",
            web::delete().to(api::datasets::delete),
        )
        .route("/api/v1/tables", web::get().to(api::tables::list))
        .route(
            "/api/v1/validate-query",
            web::post().to(api::tables::validate),
        )
        .route("/api/v1/reports/jobs/{id}", web::get().to(api::jobs::job))
        .route(
            "/api/v1/reports/results/{id}",
            web::get().to(api::jobs::result),
        )
        .route(
            "/api/v1/reports/results/{id}/export",
            web::get().to(api::jobs::export),
        )
        .route(
            "/api/v1/reports/{id}/generate",
            web::post().to(api::jobs::generate),
        )
        .route(
            "/reports/{id}/generate",
            web::post().to(reports::generate::start),
        )
        .route(
            "/reports/jobs/{id}",
            web::get().to(reports::generate::status),
        )
        .route("/api/v1/reports", web::get().to(api::reports::list))
        .route("/api/v1/reports", web::post().to(api::reports::create))
        .route("/api/v1/reports/{id}", web::get().to(api::reports::get))
        .route("/api/v1/reports/{id}", web::put().to(api::reports::update))
        .route(
            "/api/v1/reports/{id}",
            web::delete().to(api::reports::delete),
        )
        .route(
            "/api/v1/reports/{id}/preview",
            web::get().to(api::reports::preview),
        );
    // The schedules pages; their form errors are pages too. `new` and `preview` before `{id}`.
    cfg.service(
        web::scope("/schedules")
            .app_data(
                web::FormConfig::default()
                    .limit(256 << 10)
                    .error_handler(schedules::form_error),
            )
            .route("", web::get().to(schedules::list))
            .route("", web::post().to(schedules::create))
            .route("/new", web::get().to(schedules::new_form))
            .route("/preview", web::get().to(schedules::preview))
            .route("/{id}", web::get().to(schedules::detail::detail))
            .route("/{id}", web::post().to(schedules::update))
            .route("/{id}/edit", web::get().to(schedules::edit_form))
            .route("/{id}/history", web::get().to(schedules::detail::history))
            .route("/{id}/row", web::get().to(schedules::row_get))
            .route("/{id}/run", web::post().to(schedules::run))
            .route("/{id}/toggle", web::post().to(schedules::toggle))
            .route("/{id}/delete", web::post().to(schedules::delete)),
    );
}

/// What every page's frame needs.
pub struct Layout {
    pub brand: String,
    pub accent: String,
    pub css: String,
    pub htmx: String,
    pub dashboards: Vec<(String, String)>,
}

impl Layout {
    /// Fills the frame: branding, asset URLs and the dashboard menu.
    pub fn new(ctx: &Ctx) -> Result<Layout, crate::store::StoreError> {
        let conn = ctx.store.app.get()?;
        Ok(Layout {
            brand: ctx.config.branding.name.clone(),
            accent: ctx.config.branding.color.clone(),
            css: assets::url("app.css"),
            htmx: assets::url(HTMX),
            dashboards: crate::store::dashboard::list(&conn)?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
        })
    }
}

/// The vendored htmx file.
pub const HTMX: &str = "htmx-2.0.11.min.js";

/// Parses a `page` query value: a positive integer.
pub fn parse_page(raw: Option<&str>) -> Result<u32, error::Problem> {
    match raw {
        None => Ok(1),
        Some(s) => match s.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(error::Problem::bad_request(format!(
                "page: `{}` is not a page number (1, 2, ...)",
                crate::model::text::truncate(s, 40)
            ))),
        },
    }
}
