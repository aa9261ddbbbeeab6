//! Where a webhook, Slack or Teams message may go. Server-side requests to addresses chosen by
//! users are a classic way into the network behind the server (SSRF): the URL is checked again
//! at send (it may have been saved while `[delivery] allow_private_targets` was on), its host
//! is resolved, every address it resolves to is vetted, and the request is pinned to those
//! addresses, so a DNS answer that changes between the check and the connection (a rebind)
//! cannot move it. Redirects are never followed (a 3xx is a failed delivery).

use super::SendError;
use crate::model::schedule::{self, Recipient, RecipientKind};
use std::net::SocketAddr;
use std::time::Duration;

/// `https://host/…`: a webhook URL as logs, errors and pages show it. Its path and query are
/// the secret (a Slack or Teams hook is its own credential), so only the scheme and host show.
pub fn redact(url: &str) -> String {
    schedule::redact_url(url)
}

/// A URL cleared for sending.
#[derive(Debug)]
pub struct Target {
    pub url: reqwest::Url,
    /// The host name and the vetted addresses it resolved to; None when the host is an
    /// address itself (checked without DNS).
    pub pinned: Option<(String, Vec<SocketAddr>)>,
}

/// Checks `url` as a `kind` recipient, resolves its host and vets every address. A refused
/// target is a permanent failure (it will not become public by waiting); a name that does not
/// resolve is retried.
pub async fn vet(kind: RecipientKind, url: &str, allow_private: bool) -> Result<Target, SendError> {
    let shown = redact(url);
    Recipient {
        kind,
        address: url.to_string(),
    }
    .validate_with(allow_private)
    .map_err(SendError::permanent)?;
    let url = reqwest::Url::parse(url.trim())
        .map_err(|e| SendError::permanent(format!("`{shown}`: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| SendError::permanent(format!("`{shown}` has no host")))?
        .to_string();
    if schedule::host_ip(&host).is_some() {
        return Ok(Target { url, pinned: None });
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| SendError::retry(format!("`{shown}`: cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(SendError::retry(format!(
            "`{shown}`: {host} resolves to no address"
        )));
    }
    check_resolved(&host, &addrs, &shown, allow_private)?;
    Ok(Target {
        url,
        pinned: Some((host, addrs)),
    })
}

/// Every address a name resolves to must pass (`schedule::refuse_resolved`).
fn check_resolved(
    host: &str,
    addrs: &[SocketAddr],
    shown: &str,
    allow_private: bool,
) -> Result<(), SendError> {
    let ips = addrs.iter().map(|a| a.ip());
    match schedule::refuse_resolved(host, ips, shown, allow_private) {
        Some(refusal) => Err(SendError::permanent(refusal)),
        None => Ok(()),
    }
}

impl Target {
    /// A client that connects only to the vetted addresses and follows no redirect.
    pub fn client(&self) -> Result<reqwest::Client, SendError> {
        let mut b = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Quire/", env!("CARGO_PKG_VERSION")));
        if let Some((host, addrs)) = &self.pinned {
            b = b.resolve_to_addrs(host, addrs);
        }
        b.build()
            .map_err(|e| SendError::retry(format!("the HTTP client does not build: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn literal_and_named_private_targets_are_refused_before_any_connection() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://2130706433/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:9/",
            "http://169.254.169.254/",
        ] {
            let e = vet(RecipientKind::Webhook, url, false).await.unwrap_err();
            assert!(!e.retryable, "{url}: a refused target is final: {e}");
        }
        // The metadata address is refused even when private targets are allowed.
        let e = vet(RecipientKind::Webhook, "http://169.254.169.254/", true)
            .await
            .unwrap_err();
        assert!(e.message.contains("metadata"), "{e}");
    }

    #[test]
    fn a_name_is_judged_by_every_address_it_resolves_to() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let public = [
            a("93.184.215.14:443"),
            a("[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443"),
        ];
        assert!(check_resolved("example.com", &public, "https://example.com/…", false).is_ok());
        for sneaky in [
            vec![a("93.184.215.14:443"), a("10.0.0.7:443")],
            vec![a("127.0.0.1:443")],
            vec![a("[::ffff:192.168.0.1]:443")],
            vec![a("[fd00:ec2::254]:80")],
        ] {
            let e = check_resolved("rebind.example", &sneaky, "https://rebind.example/…", false)
                .unwrap_err();
            assert!(!e.retryable && e.message.contains("rebind.example"), "{e}");
        }
        let loopback = [a("127.0.0.1:443")];
        assert!(check_resolved("intranet", &loopback, "http://intranet/…", true).is_ok());
        let metadata = [a("169.254.169.254:80")];
        assert!(check_resolved("meta", &metadata, "http://meta/…", true).is_err());
    }

    #[tokio::test]
    async fn a_resolved_name_is_pinned_to_its_vetted_addresses() {
        let e = vet(RecipientKind::Webhook, "http://localhost./x", false)
            .await
            .unwrap_err();
        assert!(e.message.contains("localhost"), "{e}");
        let ok = vet(RecipientKind::Webhook, "http://localhost:9/x", true)
            .await
            .unwrap();
        let (host, addrs) = ok.pinned.expect("a name is pinned");
        assert_eq!(host, "localhost");
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert!(ok.url.as_str().ends_with("/x"));
    }

    #[test]
    fn redact_keeps_scheme_and_host() {
        assert_eq!(
            redact("https://hooks.slack.com/services/T/B/SECRET"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(redact("http://[::1]:8080/a?b=c"), "http://[::1]/…");
    }
}
