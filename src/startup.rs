//! Building the server: storage, provisioning, HTTP and the scheduler in one process.

use crate::app::Ctx;
use crate::config::Config;
use crate::schedule::Scheduler;
use crate::store::Store;
use crate::web::{self, AppState};
use actix_web::{middleware, App, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// A built, not yet running server.
pub struct Application {
    port: u16,
    setup_url: Option<String>,
    server: actix_web::dev::Server,
    scheduler: Scheduler,
    grace: Duration,
}

/// Opens the store and writes config-provisioned (and, with `demo`, the demo) definitions.
pub fn prepare(config: &Config, demo: bool) -> anyhow::Result<Store> {
    // The font folders of PDFs and emailed charts, before anything renders.
    crate::render::pdf::use_fonts(&config.branding);
    let store = Store::open(
        &config.storage.data_dir,
        &config.sources,
        (config.limits.cache_mb * 1024 * 1024) as usize,
    )
    .with_context(|| {
        format!(
            "opening the data folder {}",
            config.storage.data_dir.display()
        )
    })?;
    let store = match config.limits.engine_memory_mb {
        0 => store,
        mb => store
            .with_engine(&config.storage.data_dir, mb)
            .context("opening the columnar engine")?,
    };
    if demo {
        crate::provision::demo::load(&store)?;
    }
    crate::provision::import_datasets(&store, &config.datasets)?;
    crate::provision::apply(&store, &crate::provision::Provisioned::from(config))?;
    crate::app::dashboard::place_stored(&*store.app.get()?)?;
    crate::app::dataset::sync_columnar(&store)?;
    Ok(store)
}

impl Application {
    /// Prepares storage, binds the listener (port 0 picks a free port) and starts the scheduler.
    pub async fn build(config: Config, demo: bool) -> anyhow::Result<Application> {
        let config = Arc::new(config);
        let c = config.clone();
        let store = tokio::task::spawn_blocking(move || prepare(&c, demo)).await??;
        // Files a crash left unrecorded (an hour old at least: another process may be writing).
        let (s, dir) = (store.clone(), config.storage.data_dir.join("exports"));
        let swept = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
            Ok(crate::export::sweep_orphans(
                &dir,
                &*s.app.get()?,
                Duration::from_secs(3600),
            )?)
        })
        .await?;
        if let Err(e) = swept {
            tracing::warn!(error = %e, "unrecorded export files not swept");
        }
        // Index the PDF fonts now rather than on the first download.
        tokio::task::spawn_blocking(crate::render::pdf::warm_up);
        let listener = TcpListener::bind(&config.server.bind)
            .with_context(|| format!("cannot listen on {}", config.server.bind))?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        // Links name the address actually bound (port 0 is a real port now) unless `base_url`
        // says where users reach Quire.
        let config = {
            let mut c = (*config).clone();
            c.server.bind = bound.to_string();
            Arc::new(c)
        };
        if config.server.base_url.trim().is_empty() && !config.server.binds_loopback() {
            tracing::warn!(
                address = %config.server.bind,
                "[server] base_url is not set: links in emails, invitations and shares will \
                 name {}, which other machines may not reach; set it to the address users use",
                config.server.public_url()
            );
        }
        // The server's own work sees no row of a policed dataset until told whose it does.
        let ctx = Ctx {
            config: config.clone(),
            store,
            sight: Default::default(),
            grants: crate::model::collection::Grants::all(),
        };
        let scheduler = Scheduler::start(ctx.clone());
        let runner = scheduler.runner();
        let generator = crate::job::Generator::new(ctx.clone(), runner.queue.clone());
        generator.resume().await?;
        let c = ctx.clone();
        let setup =
            tokio::task::spawn_blocking(move || crate::auth::Setup::open_if_needed(&c)).await??;
        let setup_url = setup
            .token()
            .map(|token| format!("{}/setup?token={token}", config.server.public_url()));
        if let Some(url) = &setup_url {
            tracing::warn!(
                "no user yet: open {url} to make the first administrator (a one-time link), \
                 or run `quire users add EMAIL --role admin`"
            );
        }
        tokio::spawn(expire_sessions(ctx.clone()));
        warn_if_mail_is_not_set_up(&ctx).await;
        let state = actix_web::web::Data::new(AppState {
            ctx,
            runner,
            scheduler_wake: scheduler.wake_handle(),
            generator,
            limiter: Default::default(),
            setup,
            door: std::sync::Arc::new(web::admission::Door::new(
                config.limits.requests as usize,
                config.limits.request_queue as usize,
            )),
            oidc: config
                .auth
                .oidc
                .clone()
                .map(|o| std::sync::Arc::new(crate::auth::oidc::Provider::new(o))),
        });
        let grace = Duration::from_secs(config.server.shutdown_timeout_secs);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::from_fn(web::error::htmx_errors))
                .wrap(middleware::from_fn(web::gate::gate))
                .wrap(middleware::from_fn(web::frame::page_frame))
                .wrap(middleware::from_fn(web::admission::admit))
                .wrap(middleware::from_fn(web::headers::security_headers))
                .wrap(
                    middleware::Logger::new("%{r}xi %s %b %Dms")
                        .custom_request_replace("r", web::logged_request),
                )
                .app_data(state.clone())
                .app_data(actix_web::web::PayloadConfig::new(1 << 20))
                .app_data(
                    actix_web::web::JsonConfig::default()
                        .limit(1 << 20)
                        .error_handler(web::error::json_error),
                )
                .app_data(
                    actix_web::web::QueryConfig::default().error_handler(web::error::query_error),
                )
                .app_data(
                    actix_web::web::FormConfig::default()
                        .limit(256 << 10)
                        .error_handler(web::error::form_error),
                )
                .configure(web::routes)
                .default_service(actix_web::web::to(web::error::not_found))
        })
        .on_connect(web::client::on_connect)
        .listen(listener)?
        .shutdown_timeout(grace.as_secs())
        .run();
        tracing::info!(address = %config.server.bind, port, "Quire is listening");
        Ok(Application {
            port,
            setup_url,
            server,
            scheduler,
            grace,
        })
    }

    /// The one-time setup link, when the server started with no user.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/Ctrl-C, then lets running requests and schedule runs finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await?;
        tracing::info!("HTTP stopped; waiting for schedule runs");
        self.scheduler.shutdown(self.grace).await;
        Ok(())
    }
}

/// Every ten minutes: sessions past their end, audit events past their retention, bundles
/// uploaded and not imported within a day, and what has been in the trash for 30 days go.
async fn expire_sessions(ctx: Ctx) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        let c = ctx.clone();
        match tokio::task::spawn_blocking(move || {
            crate::auth::expire(&c)?;
            crate::app::bundle::sweep_uploads(&c);
            crate::app::version::purge(&c)
        })
        .await
        {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "expiring sessions failed"),
            Err(e) => tracing::warn!(error = %e, "expiring sessions panicked"),
        }
    }
}

/// A schedule that emails while `[smtp]` is still the default (localhost:25) will fail for every
/// recipient: say so at start, with the way to check it.
async fn warn_if_mail_is_not_set_up(ctx: &Ctx) {
    let c = ctx.clone();
    let warning = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<String>> {
        let conn = c.store.app.get()?;
        Ok(crate::app::schedule::mail_warning(&c, &conn)?)
    })
    .await;
    if let Ok(Ok(Some(warning))) = warning {
        tracing::warn!("{warning} (`quire smtp test you@example.com`)");
    }
}
