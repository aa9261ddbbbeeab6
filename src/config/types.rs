//! The configuration sections and their defaults.

use super::branding::BrandingConfig;
use super::secret::Secret;
use super::server::ServerConfig;
use crate::model::dashboard::DashboardDefinition;
use crate::model::report::ReportDefinition;
use crate::model::schedule::ScheduleDefinition;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub smtp: SmtpConfig,
    pub branding: BrandingConfig,
    pub limits: LimitsConfig,
    pub delivery: DeliveryConfig,
    pub auth: AuthConfig,
    pub audit: AuditConfig,
    pub datasets: Vec<DatasetConfig>,
    pub sources: Vec<SourceConfig>,
    pub reports: Vec<ReportDefinition>,
    pub dashboards: Vec<DashboardDefinition>,
    pub schedules: Vec<ScheduleDefinition>,
    pub exports: ExportsConfig,
    pub insights: super::insights::InsightsConfig,
}

/// `[exports]`: how export files are written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportsConfig {
    /// CSV: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
    /// leading `'`, so a spreadsheet opening the file shows it instead of running it as a
    /// formula (CSV injection). Numbers are left alone.
    pub csv_formula_escape: bool,
    /// Days a file a person made (a download, a result's export) is kept; a schedule's files
    /// keep `[delivery] export_retention_days`.
    pub download_retention_days: u64,
    /// MB of kept files per person: past it, their oldest go first (the newest always stays).
    pub download_quota_mb: u64,
}

impl Default for ExportsConfig {
    fn default() -> Self {
        ExportsConfig {
            csv_formula_escape: true,
            download_retention_days: 7,
            download_quota_mb: 1024,
        }
    }
}

/// `[storage]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub data_dir: PathBuf,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from("./quire-data"),
        }
    }
}

/// `[smtp]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    pub from: String,
    pub timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "localhost".into(),
            port: 25,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: "Quire <quire@localhost>".into(),
            timeout_secs: 30,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

/// `[limits]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub query_timeout_ms: u64,
    pub max_rows: u32,
    /// Rows per page of a table on screen.
    pub page_size: u32,
    /// Reports rendered at the same time (PDF, XLSX); more wait their turn.
    pub render_workers: u32,
    /// Downloads that may wait for a render worker; one more is refused with 503 and
    /// Retry-After (generation jobs and schedule runs always wait their turn).
    pub render_queue: u32,
    /// Requests worked on at once (pages, API calls, downloads); more wait their turn.
    pub requests: u32,
    /// Requests that may wait for a turn (each at most 3 s); one more is refused with 503 and
    /// Retry-After at once.
    pub request_queue: u32,
    /// Largest file accepted by an upload, in MB.
    pub upload_max_mb: u64,
    /// Memory for cached query results, in MB (0 = no cache).
    pub cache_mb: u64,
    /// Largest string or blob one report query may build, in MB (SQLite's length limit on
    /// the read-only connections): `printf('%.*c', 900000000, 'x')` fails instead of taking
    /// a gigabyte.
    pub query_memory_mb: u64,
    /// The most a query's rows may hold in memory, in MB (text, and 8 bytes a number): more is
    /// refused naming this limit instead of building a huge answer.
    pub result_mb: u64,
    /// Memory the columnar engine's queries may hold together, in MB (0 = no columnar
    /// engine: every builder question on SQLite). A query that needs more is refused naming
    /// this limit.
    pub engine_memory_mb: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            query_timeout_ms: 10_000,
            max_rows: 100_000,
            page_size: 25,
            render_workers: 2,
            render_queue: 16,
            requests: 64,
            request_queue: 512,
            upload_max_mb: 50,
            cache_mb: 64,
            query_memory_mb: 64,
            result_mb: 128,
            engine_memory_mb: 256,
        }
    }
}

/// `[delivery]`: how scheduled reports reach their recipients.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Wait before the first retry of a failed delivery; each retry doubles it.
    pub retry_initial_secs: u64,
    /// The longest wait between two retries.
    pub retry_max_interval_secs: u64,
    /// A delivery still failing this long after its run is given up and marked failed.
    pub give_up_after_hours: u64,
    /// Deliveries sent at the same time.
    pub workers: u32,
    /// How long a download link in a Slack, Teams or webhook message works.
    pub link_ttl_hours: u64,
    /// How long delivered files are kept before they are deleted.
    pub export_retention_days: u64,
    /// Whether webhook, Slack and Teams deliveries may go to loopback, private, link-local
    /// and other non-public addresses (an intranet receiver). Off, such URLs are refused at
    /// save and, once a name resolves to one, at send. Cloud metadata addresses never pass.
    pub allow_private_targets: bool,
    /// `[delivery.s3]`: S3-compatible storage for recipients of type `s3`.
    pub s3: super::S3Config,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            retry_initial_secs: 60,
            retry_max_interval_secs: 3600,
            give_up_after_hours: 24,
            workers: 4,
            link_ttl_hours: 168,
            export_retention_days: 30,
            allow_private_targets: false,
            s3: Default::default(),
        }
    }
}

/// `[auth]`: login sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// A session unused this long ends.
    pub session_idle_minutes: u64,
    /// A session ends this long after login, however busy.
    pub session_max_hours: u64,
    /// How long an invite or password-reset link works.
    pub link_ttl_hours: u64,
    /// Sign-in with an OpenID Connect provider (none: email and password only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<super::OidcConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_idle_minutes: 8 * 60,
            session_max_hours: 7 * 24,
            link_ttl_hours: 72,
            oidc: None,
        }
    }
}

impl AuthConfig {
    /// Whether email and password sign in (`[auth.oidc] password_login`, true without it).
    pub fn password_login(&self) -> bool {
        self.oidc.as_ref().is_none_or(|o| o.password_login)
    }
}

/// `[audit]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Audit events older than this are deleted.
    pub retention_days: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            retention_days: 365,
        }
    }
}

/// `[[datasets]]`: a file imported at start when it changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    pub name: String,
    pub path: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

/// `[[sources]]`: another database, selectable as a report's `dataSource`: a SQLite file
/// opened read-only, or a PostgreSQL database queried in read-only transactions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: SourceKind,
    /// SQLite: the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// PostgreSQL: `postgres://user:password@host:port/database[?sslmode=verify-full]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Secret>,
    /// PostgreSQL: the environment variable holding the URL (instead of `url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// PostgreSQL: how long a query's result is reused (Quire cannot see the data change);
    /// 0 = never cached.
    #[serde(default = "default_cache_seconds")]
    pub cache_seconds: u64,
    /// PostgreSQL: connections to keep open at most (plus 2 for previews).
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
}

fn default_cache_seconds() -> u64 {
    60
}

fn default_pool_size() -> u32 {
    4
}

/// The engine of a `[[sources]]` entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    #[default]
    Sqlite,
    Postgres,
}

impl SourceConfig {
    /// The PostgreSQL URL, from `url` or the variable `url_env` names; errors are
    /// `(field, message)`.
    pub fn postgres_url(&self) -> Result<String, (&'static str, String)> {
        match (&self.url, &self.url_env) {
            (Some(u), None) => Ok(u.expose().to_string()),
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                (
                    "url_env",
                    format!("the environment variable `{var}` is not set (or not UTF-8)"),
                )
            }),
            (Some(_), Some(_)) => Err(("url", "give `url` or `url_env`, not both".into())),
            (None, None) => Err((
                "url",
                "a postgres source needs `url` (postgres://user:password@host:port/db) or `url_env`"
                    .into(),
            )),
        }
    }

    /// Checks the fields of its kind; errors are `(field, message)`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        match self.kind {
            SourceKind::Sqlite => {
                if self.path.is_none() {
                    return Err(("path", "a sqlite source needs `path`".into()));
                }
                if self.url.is_some() || self.url_env.is_some() {
                    return Err(("url", "`url` is for type = \"postgres\"".into()));
                }
            }
            SourceKind::Postgres => {
                if self.path.is_some() {
                    return Err(("path", "`path` is for type = \"sqlite\"".into()));
                }
                let field = if self.url.is_some() { "url" } else { "url_env" };
                let url = self.postgres_url()?;
                crate::data::pg::parse_url(&url).map_err(|m| (field, m))?;
                if self.pool_size == 0 || self.pool_size > 64 {
                    return Err(("pool_size", "must be between 1 and 64".into()));
                }
            }
        }
        Ok(())
    }
}

impl Config {
    /// Checks values serde cannot: addresses, cron strings, time zones, references.
    /// The error is `(key, message)`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        self.insights.check()?;
        self.delivery.s3.check()?;
        if let Some(o) = &self.auth.oidc {
            o.check()?;
        }
        if self.server.bind.parse::<std::net::SocketAddr>().is_err() {
            return err(
                "server.bind",
                format!(
                    "`{}` is not an address like 127.0.0.1:8080",
                    self.server.bind
                ),
            );
        }
        for (i, o) in self.server.embed_origins.iter().enumerate() {
            let ok = reqwest::Url::parse(o).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.path() == "/"
                    && u.query().is_none()
                    && u.username().is_empty()
                    && o.chars().all(|c| c.is_ascii_graphic())
            });
            if !ok {
                return err(
                    &format!("server.embed_origins[{i}]"),
                    format!(
                        "`{}` is not an origin like https://intranet.example",
                        crate::model::text::truncate(o, 80)
                    ),
                );
            }
        }
        if self.smtp.from.parse::<lettre::message::Mailbox>().is_err() {
            return err(
                "smtp.from",
                format!("`{}` is not an email address", self.smtp.from),
            );
        }
        self.branding.check()?;
        if self.limits.page_size == 0 || self.limits.page_size > 1000 {
            return err("limits.page_size", "must be between 1 and 1000".into());
        }
        if !(1..=10_000).contains(&self.limits.requests) {
            return err("limits.requests", "must be between 1 and 10000".into());
        }
        if self.limits.request_queue > 100_000 {
            return err("limits.request_queue", "must be at most 100000".into());
        }
        if self.limits.render_workers == 0 {
            return err("limits.render_workers", "must be at least 1".into());
        }
        if self.limits.render_workers > 64 {
            return err("limits.render_workers", "must be at most 64".into());
        }
        if self.limits.render_queue > 10_000 {
            return err("limits.render_queue", "must be at most 10000".into());
        }
        let mut names = std::collections::HashSet::new();
        for (i, src) in self.sources.iter().enumerate() {
            if let Err((field, message)) = src.check() {
                return err(&format!("sources[{i}].{field}"), message);
            }
            if src.name == "main" || !names.insert(src.name.as_str()) {
                return err(
                    &format!("sources[{i}].name"),
                    format!(
                        "`{}` is taken: `main` is the dataset store and names must be unique",
                        src.name
                    ),
                );
            }
        }
        for (i, r) in self.reports.iter().enumerate() {
            if r.data_source != "main" && !names.contains(r.data_source.as_str()) {
                return err(
                    &format!("reports[{i}].dataSource"),
                    format!(
                        "no source named `{}` (declare it under [[sources]])",
                        r.data_source
                    ),
                );
            }
            if let Err(m) = r.validate() {
                return err(&format!("reports[{i}]"), m);
            }
        }
        if self.delivery.workers == 0 {
            return err("delivery.workers", "must be at least 1".into());
        }
        if self.delivery.retry_initial_secs == 0 {
            return err("delivery.retry_initial_secs", "must be at least 1".into());
        }
        for (i, d) in self.dashboards.iter().enumerate() {
            if let Err(m) = d.validate() {
                return err(&format!("dashboards[{i}]"), m);
            }
        }
        if !(1..=3_650).contains(&self.exports.download_retention_days) {
            return err(
                "exports.download_retention_days",
                "must be between 1 and 3650".into(),
            );
        }
        if !(1..=1_000_000).contains(&self.exports.download_quota_mb) {
            return err(
                "exports.download_quota_mb",
                "must be between 1 and 1000000".into(),
            );
        }
        if !(1..=4_096).contains(&self.limits.result_mb) {
            return err("limits.result_mb", "must be between 1 and 4096".into());
        }
        if self.limits.query_memory_mb == 0 || self.limits.query_memory_mb > 2_000 {
            return err(
                "limits.query_memory_mb",
                "must be between 1 and 2000".into(),
            );
        }
        let engine_mb = self.limits.engine_memory_mb;
        if engine_mb != 0 && !(32..=65_536).contains(&engine_mb) {
            return err(
                "limits.engine_memory_mb",
                "must be 0 (no columnar engine) or between 32 and 65536".into(),
            );
        }
        for (i, s) in self.schedules.iter().enumerate() {
            if let Err((key, message)) = s.validate(self.delivery.allow_private_targets) {
                return err(&format!("schedules[{i}].{key}"), message);
            }
        }
        Ok(())
    }
}
