//! HTTP: every route is listed here with who may use it; handlers live in a folder per feature
//! (pages) or a file per API resource.

pub mod account;
pub mod admin;
pub mod admission;
pub mod alerts;
pub mod api;
pub mod assets;
pub mod builder;
pub mod client;
pub mod collections;
pub mod dashboards;
pub mod datasets;
pub mod error;
pub mod exports;
pub mod frame;
pub mod gallery;
pub mod gate;
pub mod headers;
pub mod health;
pub mod htmx;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod reports;
pub mod schedules;
pub mod shares;
pub mod versions;

use crate::app::Ctx;
use crate::auth::{Principal, Via};
use crate::model::time::{ViewZone, ZoneFrom};
use crate::model::user::Role;
use actix_web::{web, HttpRequest};
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
    /// Failed logins, per account and address.
    pub limiter: crate::auth::limiter::Limiter,
    /// The one-time setup link, while no user exists.
    pub setup: crate::auth::Setup,
    /// Requests worked on at once, and the queue before them (`admission`).
    pub door: Arc<admission::Door>,
    /// The OpenID Connect provider (`[auth.oidc]`), its discovery document and keys.
    pub oidc: Option<Arc<crate::auth::oidc::Provider>>,
}

impl AppState {
    /// The context a request reads data with: its caller's sight (the server's own context
    /// sees no row of a policed dataset).
    pub fn ctx_for(&self, req: &actix_web::HttpRequest) -> Ctx {
        let who = gate::principal(req);
        self.ctx.acting(who.sight(), who.grants())
    }
}

impl AppState {
    /// A render slot for a request (schedules and jobs share the slots): it waits its turn,
    /// or gets 503 with Retry-After when `[limits] render_queue` others already wait. A
    /// request whose client leaves while it waits leaves the queue.
    pub async fn render_slot(
        &self,
        req: &HttpRequest,
    ) -> Result<crate::app::queue::Ticket, error::Problem> {
        let ticket = tokio::select! {
            ticket = self.runner.queue.try_wait() => ticket?,
            () = client::gone(req) => return Err(error::Problem::client_gone()),
        };
        // Its turn came after the client left (and before the watch saw it): not started.
        if client::is_gone(req) {
            ticket.abandon();
            return Err(error::Problem::client_gone());
        }
        Ok(ticket)
    }

    /// Runs `f` (a render) on a blocking thread once the render queue gives it a slot, held
    /// until `f` returns. If the client goes away while it runs, `f` stops at its next stage
    /// (`render::cancel`).
    pub async fn render_blocking<T: Send + 'static>(
        &self,
        req: &HttpRequest,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, error::Problem> {
        let ticket = self.render_slot(req).await?;
        let cancel = ticket.cancel_on_drop();
        let flag = ticket.cancel_flag();
        let work = web::block(move || {
            let done = crate::render::cancel::scoped(flag, f);
            ticket.note_if_cancelled();
            done
        });
        tokio::select! {
            done = work => Ok(done?),
            () = client::gone(req) => {
                drop(cancel);
                Err(error::Problem::client_gone())
            }
        }
    }
}

/// One route: method, path pattern (actix syntax) and who may use it.
#[derive(Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub policy: gate::Policy,
}

/// Lists every route once: the table the gate reads (`ROUTES`) and the registration
/// (`routes`) come from the same lines, so a route cannot exist without a policy. Order
/// matters where patterns overlap (`/schedules/new` before `/schedules/{id}`).
macro_rules! route_table {
    ($($method:ident $path:literal $policy:ident => $handler:path;)*) => {
        /// Every route with its policy.
        pub const ROUTES: &[Route] = &[
            $(Route { method: stringify!($method), path: $path, policy: route_table!(@policy $policy) },)*
        ];

        /// Registers every route.
        pub fn routes(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, route_table!(@method $method).to($handler));)*
        }
    };
    (@policy public) => { gate::Policy::Public };
    (@policy viewer) => { gate::Policy::Role(Role::Viewer) };
    (@policy editor) => { gate::Policy::Role(Role::Editor) };
    (@policy admin) => { gate::Policy::Role(Role::Admin) };
    (@method GET) => { web::get() };
    (@method POST) => { web::post() };
    (@method PUT) => { web::put() };
    (@method PATCH) => { web::patch() };
    (@method DELETE) => { web::delete() };
}

route_table! {
    GET "/healthz" public => health::get;
    GET "/metrics" public => metrics::get;
    GET "/static/{path:.*}" public => assets::serve;
    GET "/login" public => account::login_page;
    POST "/login" public => account::login_form;
    GET "/auth/oidc/login" public => account::oidc::login;
    GET "/auth/oidc/callback" public => account::oidc::callback;
    POST "/logout" viewer => account::logout_form;
    GET "/setup" public => account::setup_page;
    POST "/setup" public => account::setup_form;
    GET "/welcome" public => account::welcome_page;
    POST "/welcome" public => account::welcome_form;
    GET "/account/settings" viewer => account::settings::show;
    POST "/account/settings" viewer => account::settings::save;
    GET "/account/tokens" viewer => account::tokens::page;
    POST "/account/tokens" viewer => account::tokens::create;
    POST "/account/tokens/{id}/revoke" viewer => account::tokens::revoke;
    GET "/admin/users" admin => admin::users::page;
    GET "/admin/access" admin => admin::access::page;
    POST "/admin/access/groups" admin => admin::access::create_group;
    POST "/admin/access/groups/{id}/delete" admin => admin::access::delete_group;
    POST "/admin/access/groups/{id}/members" admin => admin::access::add_member;
    POST "/admin/access/groups/{id}/members/{userId}/delete" admin => admin::access::remove_member;
    POST "/admin/access/users/{id}/attributes" admin => admin::access::set_attributes;
    POST "/admin/access/policies" admin => admin::access::create_policy;
    POST "/admin/access/policies/{id}/delete" admin => admin::access::delete_policy;
    POST "/admin/view-as" admin => admin::view_as::start;
    POST "/view-as/stop" viewer => admin::view_as::stop;
    POST "/admin/users" admin => admin::users::invite;
    POST "/admin/users/{id}" admin => admin::users::update;
    GET "/admin/audit" admin => admin::audit::page;
    POST "/api/v1/auth/login" public => api::auth::login;
    POST "/api/v1/auth/logout" viewer => api::auth::logout;
    GET "/api/v1/auth/me" viewer => api::auth::me;
    GET "/api/v1/users" admin => api::users::list;
    POST "/api/v1/users" admin => api::users::create;
    GET "/api/v1/users/{id}" admin => api::users::get;
    PATCH "/api/v1/users/{id}" admin => api::users::update;
    DELETE "/api/v1/users/{id}" admin => api::users::delete;
    GET "/collections" viewer => collections::page;
    POST "/collections" editor => collections::create;
    POST "/collections/move" editor => collections::move_to;
    POST "/collections/share" editor => collections::share;
    POST "/collections/unshare" editor => collections::unshare;
    POST "/collections/{id}/permissions" admin => collections::permissions;
    POST "/collections/{id}/delete" editor => collections::delete;
    GET "/api/v1/collections" viewer => api::collections::list;
    GET "/api/v1/reports/{id}/access" editor => api::object_access::list;
    POST "/api/v1/reports/{id}/access" editor => api::object_access::create;
    DELETE "/api/v1/reports/{id}/access/{shareId}" editor => api::object_access::revoke;
    GET "/api/v1/dashboards/{id}/access" editor => api::object_access::list;
    POST "/api/v1/dashboards/{id}/access" editor => api::object_access::create;
    DELETE "/api/v1/dashboards/{id}/access/{shareId}" editor => api::object_access::revoke;
    POST "/api/v1/collections" editor => api::collections::create;
    GET "/api/v1/collections/{id}" viewer => api::collections::get;
    PUT "/api/v1/collections/{id}" editor => api::collections::update;
    DELETE "/api/v1/collections/{id}" editor => api::collections::delete;
    GET "/api/v1/groups" admin => api::access::groups;
    POST "/api/v1/groups" admin => api::access::create_group;
    GET "/api/v1/groups/{id}" admin => api::access::group;
    DELETE "/api/v1/groups/{id}" admin => api::access::delete_group;
    POST "/api/v1/groups/{id}/members/{userId}" admin => api::access::add_member;
    DELETE "/api/v1/groups/{id}/members/{userId}" admin => api::access::remove_member;
    GET "/api/v1/row-policies" admin => api::access::policies;
    POST "/api/v1/row-policies" admin => api::access::create_policy;
    GET "/api/v1/row-policies/{id}" admin => api::access::policy;
    DELETE "/api/v1/row-policies/{id}" admin => api::access::delete_policy;
    GET "/api/v1/tokens" viewer => api::tokens::list;
    POST "/api/v1/tokens" viewer => api::tokens::create;
    DELETE "/api/v1/tokens/{id}" viewer => api::tokens::revoke;
    GET "/api/v1/audit" admin => api::audit::list;
    GET "/api/v1/shares" editor => api::shares::list;
    POST "/api/v1/shares" editor => api::shares::create;
    DELETE "/api/v1/shares/{id}" editor => api::shares::revoke;
    GET "/dashboards/{id}/share" editor => shares::dialog::dashboard;
    POST "/dashboards/{id}/shares" editor => shares::dialog::create_for_dashboard;
    GET "/reports/{id}/share" editor => shares::dialog::report;
    POST "/reports/{id}/shares" editor => shares::dialog::create_for_report;
    POST "/shares/{id}/revoke" editor => shares::dialog::revoke;
    GET "/s/{token}" public => shares::view;
    GET "/s/{token}/widgets/{wid}" public => shares::widget;
    GET "/s/{token}/table/{wid}" public => shares::table;
    GET "/embed/{token}" public => shares::embed;
    GET "/embed/{token}/widgets/{wid}" public => shares::widget;
    GET "/embed/{token}/table/{wid}" public => shares::table;
    GET "/api/openapi.json" viewer => openapi::get;
    GET "/" viewer => dashboards::home;
    GET "/dashboards" viewer => dashboards::list;
    POST "/dashboards" editor => dashboards::create;
    GET "/dashboards/{id}" viewer => dashboards::view;
    GET "/dashboards/{id}/widgets/{wid}" viewer => dashboards::widget;
    GET "/dashboards/{id}/table/{wid}" viewer => dashboards::table;
    GET "/dashboards/{id}/widgets/{wid}/download" viewer => dashboards::download;
    GET "/dashboards/{id}/widgets/{wid}/rows" viewer => dashboards::drill::rows;
    GET "/dashboards/{id}/edit" editor => dashboards::edit::page;
    POST "/dashboards/{id}/edit" editor => dashboards::edit::save;
    GET "/dashboards/{id}/edit/widget" editor => dashboards::edit::widget;
    POST "/dashboards/{id}/duplicate" editor => dashboards::duplicate;
    POST "/dashboards/{id}/delete" editor => dashboards::delete;
    POST "/dashboards/{id}/default" editor => dashboards::list::make_default;
    GET "/builder" editor => builder::page;
    GET "/builder/fields" editor => builder::fields;
    GET "/builder/values" editor => builder::values;
    GET "/builder/join" editor => builder::join;
    POST "/builder/relationship" editor => builder::remember;
    POST "/builder/preview" editor => builder::preview;
    POST "/builder/save" editor => builder::save;
    POST "/api/v1/builder/preview" editor => api::builder::preview;
    GET "/reports" viewer => reports::list;
    GET "/reports/{id}" viewer => reports::view::report;
    GET "/reports/{id}/table/{viz}" viewer => reports::view::report_table;
    GET "/reports/{id}/versions" viewer => versions::page;
    GET "/reports/{id}/versions/{v}" viewer => reports::view::version;
    GET "/reports/{id}/versions/{v}/table/{viz}" viewer => reports::view::version_table;
    POST "/reports/{id}/versions/{v}/restore" editor => versions::restore;
    POST "/reports/{id}/versions/{v}/name" editor => versions::name;
    POST "/reports/{id}/delete" editor => versions::delete_report;
    GET "/dashboards/{id}/versions" viewer => versions::page;
    POST "/dashboards/{id}/versions/{v}/restore" editor => versions::restore;
    GET "/dashboards/{id}/versions/{v}" viewer => versions::dashboard::page;
    GET "/dashboards/{id}/versions/{v}/widgets/{wid}" viewer => versions::dashboard::widget;
    GET "/dashboards/{id}/versions/{v}/table/{wid}" viewer => versions::dashboard::table;
    POST "/dashboards/{id}/versions/{v}/name" editor => versions::name;
    GET "/schedules/{id}/versions" editor => versions::page;
    POST "/schedules/{id}/versions/{v}/restore" editor => versions::restore;
    POST "/schedules/{id}/versions/{v}/name" editor => versions::name;
    GET "/trash" editor => versions::trash;
    GET "/templates" editor => gallery::page;
    GET "/templates/{id}/use" editor => gallery::use_form;
    POST "/templates/{id}/use" editor => gallery::use_submit;
    POST "/templates/{id}/sample" editor => gallery::sample;
    POST "/templates/import" editor => gallery::import::upload;
    POST "/templates/import/{token}" editor => gallery::import::confirm;
    POST "/datasets/{name}/explore" editor => gallery::explore;
    POST "/trash/{kind}/{id}/restore" editor => versions::untrash;
    GET "/reports/{id}/download" viewer => reports::download::get;
    POST "/reports/{id}/generate" viewer => reports::generate::start;
    POST "/reports/{id}/add-to-dashboard" editor => dashboards::list::add_report;
    GET "/reports/jobs/{id}" viewer => reports::generate::status;
    GET "/exports/{id}/download" public => exports::link::get;
    GET "/exports" viewer => exports::list;
    POST "/exports/{id}/retry" viewer => exports::retry;
    POST "/exports/{id}/delete" editor => exports::delete;
    GET "/api/v1/exports" viewer => api::exports::list;
    GET "/api/v1/exports/{id}" viewer => api::exports::get;
    DELETE "/api/v1/exports/{id}" editor => api::exports::delete;
    POST "/api/v1/exports/{id}/retry" viewer => api::exports::retry;
    GET "/api/v1/exports/{id}/download" viewer => api::exports::download;
    GET "/api/v1/alerts" editor => api::alerts::list;
    POST "/api/v1/alerts" editor => api::alerts::create;
    GET "/api/v1/alerts/{id}" editor => api::alerts::get;
    PUT "/api/v1/alerts/{id}" editor => api::alerts::update;
    DELETE "/api/v1/alerts/{id}" editor => api::alerts::delete;
    POST "/api/v1/alerts/{id}/evaluate" editor => api::alerts::evaluate;
    GET "/api/v1/alerts/{id}/history" editor => api::alerts::history;
    GET "/api/v1/schedules" editor => api::schedules::list;
    POST "/api/v1/schedules" editor => api::schedules::create;
    GET "/api/v1/schedules/{id}" editor => api::schedules::get;
    PUT "/api/v1/schedules/{id}" editor => api::schedules::update;
    DELETE "/api/v1/schedules/{id}" editor => api::schedules::delete;
    PATCH "/api/v1/schedules/{id}/toggle" editor => api::schedules::toggle;
    POST "/api/v1/schedules/{id}/run" editor => api::schedules::run;
    GET "/api/v1/schedules/{id}/executions" editor => api::schedules::executions;
    GET "/api/v1/cron/preview" editor => api::cron::preview;
    GET "/datasets" viewer => datasets::page;
    POST "/datasets/upload" editor => datasets::upload;
    GET "/datasets/{name}" viewer => datasets::list::preview;
    POST "/datasets/{name}/delete" editor => datasets::list::delete;
    GET "/datasets/{name}/columns" viewer => datasets::columns::page;
    GET "/datasets/{name}/columns/{column}/check" editor => datasets::columns::check;
    POST "/datasets/{name}/columns/{column}/type" editor => datasets::columns::retype;
    GET "/datasets/{name}/names" viewer => datasets::names::page;
    POST "/datasets/{name}/columns/{column}/name" editor => datasets::names::save;
    GET "/api/v1/datasets" viewer => api::datasets::list;
    POST "/api/v1/datasets" editor => api::datasets::create;
    GET "/api/v1/datasets/{name}" viewer => api::datasets::get;
    DELETE "/api/v1/datasets/{name}" editor => api::datasets::delete;
    PATCH "/api/v1/datasets/{name}/columns/{column}" editor => api::datasets::retype_column;
    GET "/api/v1/tables" editor => api::tables::list;
    POST "/api/v1/validate-query" editor => api::tables::validate;
    GET "/api/v1/reports/jobs/{id}" viewer => api::jobs::job;
    GET "/api/v1/reports/results/{id}" viewer => api::jobs::result;
    GET "/api/v1/reports/results/{id}/export" viewer => api::jobs::export;
    POST "/api/v1/reports/{id}/generate" viewer => api::jobs::generate;
    GET "/api/v1/reports" viewer => api::reports::list;
    POST "/api/v1/reports" editor => api::reports::create;
    GET "/api/v1/reports/{id}" viewer => api::reports::get;
    PUT "/api/v1/reports/{id}" editor => api::reports::update;
    DELETE "/api/v1/reports/{id}" editor => api::reports::delete;
    GET "/api/v1/reports/{id}/preview" viewer => api::reports::preview;
    GET "/api/v1/reports/{id}/insights" viewer => api::reports::insights;
    GET "/api/v1/dashboards/{id}/insights" viewer => api::dashboards::insights;
    GET "/api/v1/dashboards" viewer => api::dashboards::list;
    POST "/api/v1/dashboards" editor => api::dashboards::create;
    GET "/api/v1/dashboards/{id}" viewer => api::dashboards::get;
    PUT "/api/v1/dashboards/{id}" editor => api::dashboards::update;
    DELETE "/api/v1/dashboards/{id}" editor => api::dashboards::delete;
    POST "/api/v1/dashboards/{id}/duplicate" editor => api::dashboards::duplicate;
    GET "/api/v1/dashboards/{id}/export" viewer => api::dashboards::export;
    GET "/api/v1/reports/{id}/versions" viewer => api::versions::list;
    GET "/api/v1/reports/{id}/versions/{v}" viewer => api::versions::get;
    PATCH "/api/v1/reports/{id}/versions/{v}" editor => api::versions::name;
    GET "/api/v1/reports/{id}/versions/{v}/changes" viewer => api::versions::changes;
    POST "/api/v1/reports/{id}/versions/{v}/restore" editor => api::versions::restore;
    GET "/api/v1/dashboards/{id}/versions" viewer => api::versions::list;
    GET "/api/v1/dashboards/{id}/versions/{v}" viewer => api::versions::get;
    PATCH "/api/v1/dashboards/{id}/versions/{v}" editor => api::versions::name;
    GET "/api/v1/dashboards/{id}/versions/{v}/changes" viewer => api::versions::changes;
    POST "/api/v1/dashboards/{id}/versions/{v}/restore" editor => api::versions::restore;
    GET "/api/v1/schedules/{id}/versions" editor => api::versions::list;
    GET "/api/v1/schedules/{id}/versions/{v}" editor => api::versions::get;
    PATCH "/api/v1/schedules/{id}/versions/{v}" editor => api::versions::name;
    GET "/api/v1/schedules/{id}/versions/{v}/changes" editor => api::versions::changes;
    POST "/api/v1/schedules/{id}/versions/{v}/restore" editor => api::versions::restore;
    GET "/api/v1/trash" editor => api::versions::trash;
    GET "/api/v1/dashboards/{id}/bundle" editor => api::bundles::export;
    POST "/api/v1/bundles" editor => api::bundles::import;
    GET "/api/v1/templates" editor => api::templates::list;
    GET "/api/v1/templates/{id}/fit" editor => api::templates::fit;
    POST "/api/v1/templates/{id}/apply" editor => api::templates::apply;
    POST "/api/v1/templates/{id}/sample" editor => api::templates::sample;
    POST "/api/v1/datasets/{name}/autodash" editor => api::templates::autodash;
    POST "/api/v1/trash/{kind}/{id}/restore" editor => api::versions::untrash;
    GET "/alerts" editor => alerts::list;
    POST "/alerts" editor => alerts::create;
    GET "/alerts/{id}" editor => alerts::detail;
    POST "/alerts/{id}/evaluate" editor => alerts::evaluate;
    POST "/alerts/{id}/toggle" editor => alerts::toggle;
    POST "/alerts/{id}/edit" editor => alerts::update;
    GET "/schedules" editor => schedules::list;
    POST "/schedules" editor => schedules::editor::create;
    GET "/schedules/new" editor => schedules::editor::new_form;
    GET "/schedules/preview" editor => schedules::editor::preview;
    POST "/schedules/form" editor => schedules::editor::rows;
    POST "/schedules/test-email" editor => schedules::mail::send;
    GET "/schedules/{id}" editor => schedules::detail::detail;
    POST "/schedules/{id}" editor => schedules::editor::update;
    GET "/schedules/{id}/edit" editor => schedules::editor::edit_form;
    GET "/schedules/{id}/history" editor => schedules::detail::history;
    GET "/schedules/{id}/row" editor => schedules::row_get;
    POST "/schedules/{id}/run" editor => schedules::run;
    POST "/schedules/{id}/toggle" editor => schedules::toggle;
    POST "/schedules/{id}/delete" editor => schedules::delete;
}

/// What every page's frame needs.
pub struct Layout {
    pub brand: String,
    pub accent: String,
    pub css: String,
    pub icon: String,
    pub htmx: String,
    /// The script that scrolls the phone-width menu to the current page.
    pub menu_script: String,
    /// Charts' tooltips on hover, focus and tap (`static/tooltip.js`).
    pub tooltip_script: String,
    /// Pivot tables' folding groups (`static/pivot.js`).
    pub pivot_script: String,
    pub dashboards: Vec<(String, String)>,
    /// The admin looking at pages as this user, if one is ("View as").
    pub viewing_as: Option<String>,
    /// The signed-in user's email and role (None on the login and setup pages).
    pub user: Option<(String, Role)>,
    /// The session's CSRF token, sent by htmx (`hx-headers`) and in every form.
    pub csrf: String,
    /// The zone the page shows times in (see `gate::view_zone`).
    pub zone: ViewZone,
    /// The script that tells the server the browser's zone (a `tz` cookie), unless the user
    /// chose a zone.
    pub zone_script: Option<String>,
}

impl Layout {
    /// Fills the frame: branding, asset URLs, the dashboard menu and who is signed in.
    pub fn new(ctx: &Ctx, who: &Principal) -> Result<Layout, crate::store::StoreError> {
        let dashboards = match who {
            Principal::User(c) => crate::store::dashboard::list(&*ctx.store.app.get()?)?
                .into_iter()
                .filter(|d| {
                    c.grants
                        .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
                })
                .map(|d| (d.id.clone(), d.name().to_string()))
                .collect(),
            Principal::Anonymous => Vec::new(),
        };
        Ok(Layout {
            dashboards,
            ..Layout::bare(ctx, who)
        })
    }

    /// The frame without the dashboard menu (no database needed).
    pub fn bare(ctx: &Ctx, who: &Principal) -> Layout {
        let caller = who.caller();
        Layout {
            brand: ctx.config.branding.name.clone(),
            accent: ctx.config.branding.color.clone(),
            css: assets::url("app.css"),
            icon: assets::url("favicon.svg"),
            htmx: assets::url(HTMX),
            menu_script: assets::url("menu.js"),
            tooltip_script: assets::url("tooltip.js"),
            pivot_script: assets::url("pivot.js"),
            dashboards: Vec::new(),
            viewing_as: caller.and_then(|c| c.viewing_as.clone()),
            user: caller.map(|c| (c.email.clone(), c.role)),
            csrf: Layout::bare_csrf(who),
            zone: who.zone(),
            zone_script: match caller.map(|c| c.zone.from) {
                Some(ZoneFrom::Setting) => None,
                _ => Some(assets::url("zone.js")),
            },
        }
    }

    /// A stored timestamp as this page shows times: in the viewer's zone, named.
    pub fn time(&self, stored: &str) -> String {
        self.zone.show_text(stored)
    }

    /// The CSRF token of a session principal (empty for token callers and anonymous ones).
    pub fn bare_csrf(who: &Principal) -> String {
        match who.caller().map(|c| &c.via) {
            Some(Via::Session { csrf }) => csrf.clone(),
            _ => String::new(),
        }
    }

    /// The dashboards the menu's "Dashboards" list shows: the first few, the rest are one click
    /// away under "All dashboards" (`dashboards` keeps them all, for pickers).
    pub fn menu_dashboards(&self) -> &[(String, String)] {
        &self.dashboards[..self.dashboards.len().min(MENU_DASHBOARDS)]
    }

    /// Whether the signed-in user may do what `role` may (pages show only what is allowed).
    pub fn can(&self, role: &str) -> bool {
        let needed = Role::parse(role).unwrap_or(Role::Admin);
        self.user.as_ref().is_some_and(|(_, r)| r.allows(needed))
    }
}

/// How many dashboards the menu lists by name.
pub const MENU_DASHBOARDS: usize = 12;

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

pub use crate::model::text::urlencode;

/// A place to send the browser after an action (`?next=`), if it is a path of this site: one
/// `/` first (not `//` or `/\`, which browsers read as another host), no backslash and no
/// control character (a tab or newline is dropped by browsers, so `/\t/evil.example` is
/// `//evil.example`; CR and LF would split the header). Other characters, non-ASCII or a space,
/// are percent-encoded so the `Location` header holds them.
pub fn local_path(next: &str) -> Option<String> {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() < 2000
        && !next.chars().any(|c| c == '\\' || c.is_control());
    safe.then(|| {
        next.chars()
            .map(|c| match c {
                '!'..='~' => c.to_string(),
                c => urlencode(c.encode_utf8(&mut [0; 4])),
            })
            .collect()
    })
}

/// The request line the access log writes (`GET /s/… HTTP/1.1`), with the secrets an address
/// may carry replaced by `…`: a share's token (`/s/{token}`, `/embed/{token}`, the database
/// keeps only its hash) and the query's `token` (setup and welcome links), `sig` (signed
/// downloads) and `_csrf` (an upload form's).
pub fn logged_request(req: &actix_web::dev::ServiceRequest) -> String {
    let (method, version) = (req.method(), req.version());
    let path = logged_path(req.path());
    match req.query_string() {
        "" => format!("{method} {path} {version:?}"),
        q => format!("{method} {path}?{} {version:?}", logged_query(q)),
    }
}

/// A path with a share's token hidden (however its prefix is percent-encoded).
fn logged_path(path: &str) -> String {
    let decoded = percent_decoded(path);
    for prefix in ["/s/", "/embed/"] {
        if let Some(rest) = decoded.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{tail}");
        }
    }
    path.to_string()
}

/// A query with the values of secret keys hidden (a key is read as handlers read it, decoded).
fn logged_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            match percent_decoded(&key.replace('+', " ")).as_str() {
                "token" | "sig" | "_csrf" => format!("{key}=…"),
                _ => pair.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{local_path, logged_path, logged_query};

    #[test]
    fn the_access_log_hides_share_tokens_and_link_secrets() {
        assert_eq!(logged_path("/s/abc"), "/s/…");
        assert_eq!(logged_path("/s/abc/table/t"), "/s/…/table/t");
        assert_eq!(logged_path("/%73/abc"), "/s/…");
        assert_eq!(logged_path("/embed/abc"), "/embed/…");
        assert_eq!(logged_path("/reports/abc"), "/reports/abc");
        assert_eq!(
            logged_query("token=a&x=1&sig=b&expires=2&_csrf=c&%74oken=d"),
            "token=…&x=1&sig=…&expires=2&_csrf=…&%74oken=…"
        );
        assert_eq!(logged_query("q=token"), "q=token");
    }

    #[test]
    fn next_is_a_printable_path_of_this_site_or_nothing() {
        for bad in [
            "",
            "x",
            "//a.example",
            "/\\a.example",
            "/\t/a.example",
            "/\r\nX: y",
            "/\u{0}",
            "/\u{85}",
            "https://a.example",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path("/r?q=a%20b").as_deref(), Some("/r?q=a%20b"));
        assert_eq!(local_path("/été x").as_deref(), Some("/%C3%A9t%C3%A9%20x"));
    }
}
