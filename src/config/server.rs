//! `[server]`: where Quire listens and the address its links start with.

use super::secret::Secret;
use serde::{Deserialize, Serialize};

/// `[server]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: String,
    /// The address users reach Quire at, used in links sent out; empty: the address the
    /// server is bound to (`public_url`).
    pub base_url: String,
    pub log_format: LogFormat,
    /// How long a stopping server waits for running requests and renders.
    pub shutdown_timeout_secs: u64,
    /// When set, `GET /metrics` needs `Authorization: Bearer <metrics_token>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<Secret>,
    /// Sites that may show `/embed/{token}` links in an iframe (`https://intranet.example`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embed_origins: Vec<String>,
}

impl ServerConfig {
    /// The address links sent out and shown start with: `base_url`, or, when it is not set,
    /// `http://` and the address bound (all addresses, `0.0.0.0` or `[::]`, as `127.0.0.1`),
    /// without a trailing `/`.
    pub fn public_url(&self) -> String {
        let set = self.base_url.trim().trim_end_matches('/');
        if !set.is_empty() {
            return set.to_string();
        }
        let bind = self.bind.trim();
        let bind = match bind.rsplit_once(':') {
            Some(("0.0.0.0" | "[::]" | "", port)) => format!("127.0.0.1:{port}"),
            _ => bind.to_string(),
        };
        format!("http://{bind}")
    }

    /// Whether the address bound is this machine's only (no one else can follow a link to it).
    pub fn binds_loopback(&self) -> bool {
        let host = self
            .bind
            .rsplit_once(':')
            .map_or(self.bind.as_str(), |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            base_url: String::new(),
            log_format: LogFormat::Text,
            shutdown_timeout_secs: 60,
            metrics_token: None,
            embed_origins: Vec::new(),
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}
