//! `[auth.oidc]`: sign-in with an OpenID Connect provider (Google, Microsoft Entra, Okta,
//! Keycloak, Authentik…): the authorization code flow with PKCE (`auth/oidc`).

use super::secret::Secret;
use crate::model::access::is_attribute_key;
use crate::model::user::Role;
use serde::{Deserialize, Serialize};

/// `[auth.oidc]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer URL (`https://accounts.google.com`); its discovery document is
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// The client secret, or the variable that holds it (none: a public client, PKCE only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    /// What is asked for; must hold `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The ID token claim listing the user's groups (`groups`); set: the user's groups are
    /// those it names at every sign-in (a group named there that does not exist is made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_claim: Option<String>,
    /// Claims copied into the user's attributes at every sign-in (`["region"]`), for row
    /// policies' `{{user.<key>}}`.
    #[serde(default)]
    pub attribute_claims: Vec<String>,
    /// The role of a user made at their first sign-in: `viewer` or `editor`.
    #[serde(default = "default_role")]
    pub default_role: Role,
    /// Whether email and password still sign in (false: only the provider does; API tokens
    /// and `quire` commands still work).
    #[serde(default = "yes")]
    pub password_login: bool,
    /// The button's words: "Sign in with <name>" (none: the issuer's host name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only addresses of these domains sign in (`["acme.com"]`; empty: any the provider
    /// vouches for). A provider such as Google signs in every account it has, not only the
    /// company's: this keeps the others out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_domains: Vec<String>,
    /// Whether a first sign-in makes the user (false: only users that exist here sign in).
    #[serde(default = "yes")]
    pub create_users: bool,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}

fn default_role() -> Role {
    Role::Viewer
}

fn yes() -> bool {
    true
}

/// Whether `url` may be a provider's address: https, or http to this machine only (a
/// provider for development or tests); no credentials, query or fragment.
pub fn provider_url(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| {
        let host = u.host_str().unwrap_or("");
        let loopback = host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        // A cloud metadata address is never a provider (the SSRF guard's one absolute rule).
        let metadata = crate::model::schedule::host_ip(host)
            .and_then(crate::model::schedule::blocked_ip)
            .is_some_and(|b| b.always);
        (u.scheme() == "https" || (u.scheme() == "http" && loopback))
            && !metadata
            && u.host().is_some()
            && u.username().is_empty()
            && u.password().is_none()
            && u.query().is_none()
            && u.fragment().is_none()
    })
}

impl OidcConfig {
    /// Checks what serde cannot; the error is (key, message).
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((format!("auth.oidc.{k}"), m));
        if !provider_url(&self.issuer) {
            return err(
                "issuer",
                format!(
                    "`{}` is not an https URL like https://accounts.google.com (http only to localhost)",
                    crate::model::text::truncate(&self.issuer, 80)
                ),
            );
        }
        let printable =
            |s: &str| !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_graphic());
        if !printable(&self.client_id) {
            return err(
                "client_id",
                "the id the provider gave this server: 1 to 255 printable characters, no spaces"
                    .into(),
            );
        }
        if self.client_secret.is_some() && self.client_secret_env.is_some() {
            return err(
                "client_secret",
                "give client_secret or client_secret_env, not both".into(),
            );
        }
        if let Some(v) = &self.client_secret_env {
            if std::env::var(v).map_or(true, |s| s.is_empty()) {
                return err(
                    "client_secret_env",
                    format!(
                        "the variable `{}` is not set",
                        crate::model::text::truncate(v, 60)
                    ),
                );
            }
        }
        let scope_ok = |s: &String| printable(s) && !s.contains(['"', '\\']);
        if !self.scopes.iter().any(|s| s == "openid") || !self.scopes.iter().all(scope_ok) {
            return err(
                "scopes",
                "a list of scopes that holds \"openid\" (like [\"openid\", \"email\", \"profile\"])".into(),
            );
        }
        if self.scopes.len() > 20 {
            return err("scopes", "at most 20".into());
        }
        if let Some(c) = &self.groups_claim {
            if !is_attribute_key(c) {
                return err(
                    "groups_claim",
                    "a claim name: 1 to 64 letters, digits, _, - or .".into(),
                );
            }
        }
        if self.attribute_claims.len() > 20 {
            return err("attribute_claims", "at most 20".into());
        }
        for c in &self.attribute_claims {
            if !is_attribute_key(c) {
                return err(
                    "attribute_claims",
                    format!(
                        "`{}` is not a claim name: 1 to 64 letters, digits, _, - or .",
                        crate::model::text::truncate(c, 40)
                    ),
                );
            }
        }
        if self.default_role == Role::Admin {
            return err(
                "default_role",
                "viewer or editor: everyone the provider signs in would be an administrator (make one with `quire users set-role`)".into(),
            );
        }
        for d in &self.allowed_domains {
            let ok = !d.is_empty()
                && d.len() <= 253
                && d.contains('.')
                && d.split('.').all(|l| {
                    !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !ok {
                return err(
                    "allowed_domains",
                    format!(
                        "`{}` is not a domain like acme.com",
                        crate::model::text::truncate(d, 60)
                    ),
                );
            }
        }
        if let Some(n) = &self.name {
            if n.trim().is_empty() || n.chars().count() > 60 || n.chars().any(char::is_control) {
                return err("name", "1 to 60 characters".into());
            }
        }
        Ok(())
    }

    /// The secret, given or read from its variable (None: a public client).
    pub fn secret(&self) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|s| s.expose().to_string())
            .or_else(|| std::env::var(self.client_secret_env.as_deref()?).ok())
            .filter(|s| !s.is_empty())
    }

    /// Whether `email` (lowercase) may sign in under `allowed_domains`.
    pub fn allows(&self, email: &str) -> bool {
        let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
        self.allowed_domains.is_empty()
            || self
                .allowed_domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(domain))
    }

    /// What the sign-in button calls the provider.
    pub fn display_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.trim().to_string();
        }
        reqwest::Url::parse(&self.issuer)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "your company's account".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(issuer: &str) -> OidcConfig {
        toml::from_str(&format!("issuer = \"{issuer}\"\nclient_id = \"quire\"")).unwrap()
    }

    #[test]
    fn a_provider_is_https_or_this_machine() {
        assert!(config("https://accounts.google.com").check().is_ok());
        assert!(config("http://127.0.0.1:9400").check().is_ok());
        assert!(config("http://localhost:9400/realms/x").check().is_ok());
        for bad in [
            "http://idp.example.com",
            "ftp://idp.example.com",
            "https://user:pw@idp.example.com",
            "https://idp.example.com/?x=1",
            "https://169.254.169.254/",
            "https://[fd00:ec2::254]/",
            "idp.example.com",
            "",
        ] {
            let e = config(bad).check().unwrap_err();
            assert_eq!(e.0, "auth.oidc.issuer", "{bad}");
        }
    }

    #[test]
    fn hostile_settings_are_refused_naming_the_key() {
        let base = "issuer = \"https://idp.example\"\nclient_id = \"quire\"\n";
        for (extra, key) in [
            ("scopes = [\"email\"]", "auth.oidc.scopes"),
            ("scopes = [\"openid\", \"a b\"]", "auth.oidc.scopes"),
            ("default_role = \"admin\"", "auth.oidc.default_role"),
            ("groups_claim = \"gr oups\"", "auth.oidc.groups_claim"),
            (
                "attribute_claims = [\"../x\"]",
                "auth.oidc.attribute_claims",
            ),
            (
                "client_secret = \"a\"\nclient_secret_env = \"B\"",
                "auth.oidc.client_secret",
            ),
            (
                "client_secret_env = \"QUIRE_NO_SUCH_VARIABLE_X\"",
                "auth.oidc.client_secret_env",
            ),
            ("name = \"\"", "auth.oidc.name"),
            (
                "allowed_domains = [\"@acme.com\"]",
                "auth.oidc.allowed_domains",
            ),
            (
                "allowed_domains = [\"localhost\"]",
                "auth.oidc.allowed_domains",
            ),
        ] {
            let c: OidcConfig = toml::from_str(&format!("{base}{extra}")).unwrap();
            assert_eq!(c.check().unwrap_err().0, key, "{extra}");
        }
        assert!(toml::from_str::<OidcConfig>(&format!("{base}client_id_x = 1")).is_err());
        assert!(toml::from_str::<OidcConfig>("issuer = \"https://x\"").is_err());
    }

    #[test]
    fn the_button_names_the_provider() {
        assert_eq!(
            config("https://login.acme.example/x").display_name(),
            "login.acme.example"
        );
        let mut c = config("https://x.example");
        c.name = Some(" Acme ".into());
        assert_eq!(c.display_name(), "Acme");
    }
}
