//! The provider's side of sign-in: its discovery document and keys (fetched when first needed,
//! kept an hour, the keys fetched again when a token names one Quire has not seen), the
//! authorization URL, the code exchange, and the ID token's checks (signature against the
//! provider's keys, issuer, audience, expiry, nonce).

use super::OidcError;
use crate::config::{provider_url, OidcConfig};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a discovery document and keys are kept.
const KEEP: Duration = Duration::from_secs(3600);
/// The keys are fetched again for an unknown key id at most this often.
const REFETCH: Duration = Duration::from_secs(30);
/// The largest answer read from the provider.
const MAX_ANSWER: usize = 1 << 20;
/// Clock difference allowed on `exp`, `nbf` and `iat`.
const LEEWAY_SECS: u64 = 60;

/// What the provider's discovery document says, as far as Quire uses it.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// The claims of an ID token Quire reads; the rest (groups, attributes) in `other`.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub email: Option<String>,
    /// A boolean, or the text "true"/"false" some providers send.
    #[serde(default)]
    pub email_verified: Option<serde_json::Value>,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub aud: serde_json::Value,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Claims {
    /// Whether the provider says the email address is not verified.
    pub fn email_unverified(&self) -> bool {
        matches!(&self.email_verified, Some(serde_json::Value::Bool(false)))
            || matches!(&self.email_verified, Some(serde_json::Value::String(s)) if s == "false")
    }
}

struct Keys {
    set: JwkSet,
    fetched: Instant,
    /// When they were last fetched again for a key id they lacked.
    refetched: Option<Instant>,
}

/// One configured provider, shared by every request.
pub struct Provider {
    pub config: OidcConfig,
    http: reqwest::Client,
    discovery: Mutex<Option<(Discovery, Instant)>>,
    keys: Mutex<Option<Keys>>,
}

impl Provider {
    pub fn new(config: OidcConfig) -> Provider {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Quire/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with rustls");
        Provider {
            config,
            http,
            discovery: Mutex::new(None),
            keys: Mutex::new(None),
        }
    }

    /// The configured issuer, without a trailing slash (as ID tokens name it).
    pub fn issuer(&self) -> &str {
        self.config.issuer.trim_end_matches('/')
    }

    fn host(&self) -> String {
        reqwest::Url::parse(&self.config.issuer)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// GETs or POSTs and reads a JSON answer of at most 1 MB.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<(reqwest::StatusCode, Result<T, String>), OidcError> {
        let mut resp = req
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, what, "the sign-in provider could not be reached");
                OidcError::Unreachable(self.host())
            })?;
        let status = resp.status();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            tracing::warn!(error = %e, what, "the sign-in provider's answer broke off");
            OidcError::Unreachable(self.host())
        })? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_ANSWER {
                return Err(OidcError::Provider(format!(
                    "its {what} is larger than 1 MB"
                )));
            }
        }
        Ok((
            status,
            serde_json::from_slice(&body).map_err(|e| e.to_string()),
        ))
    }

    /// The discovery document, fetched when missing or an hour old; its issuer must be the
    /// configured one and its endpoints https (http only to this machine).
    pub async fn discovery(&self) -> Result<Discovery, OidcError> {
        let mut held = self.discovery.lock().await;
        if let Some((d, at)) = held.as_ref() {
            if at.elapsed() < KEEP {
                return Ok(d.clone());
            }
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer());
        let (status, doc) = self
            .json::<Discovery>(self.http.get(&url), "discovery document")
            .await?;
        let d = match (status.is_success(), doc) {
            (true, Ok(d)) => d,
            (true, Err(e)) => {
                tracing::warn!(error = %e, "the provider's discovery document is not usable");
                return Err(OidcError::Provider(
                    "its discovery document lacks an endpoint Quire needs".into(),
                ));
            }
            (false, _) => {
                return Err(OidcError::Provider(format!(
                    "{url} answered {status}: is auth.oidc.issuer right?"
                )))
            }
        };
        if d.issuer.trim_end_matches('/') != self.issuer() {
            return Err(OidcError::Provider(format!(
                "its discovery document names the issuer `{}`, not `{}` (auth.oidc.issuer)",
                crate::model::text::truncate(&d.issuer, 80),
                self.issuer()
            )));
        }
        for (name, u) in [
            ("authorization_endpoint", &d.authorization_endpoint),
            ("token_endpoint", &d.token_endpoint),
            ("jwks_uri", &d.jwks_uri),
        ] {
            if !provider_url_with_query(u) {
                return Err(OidcError::Provider(format!(
                    "its {name} is not an https URL"
                )));
            }
        }
        *held = Some((d.clone(), Instant::now()));
        Ok(d)
    }

    /// Where the browser goes to sign in.
    pub fn authorize_url(
        &self,
        d: &Discovery,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        challenge: &str,
    ) -> String {
        let mut url = reqwest::Url::parse(&d.authorization_endpoint)
            .expect("checked when the discovery document was read");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &self.config.scopes.join(" "))
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        url.into()
    }

    /// Trades the code for tokens; the ID token.
    pub async fn exchange(
        &self,
        d: &Discovery,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<String, OidcError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let secret = self.config.secret();
        let basic = secret.is_some()
            && d.token_endpoint_auth_methods_supported
                .as_ref()
                .is_none_or(|m| m.iter().any(|m| m == "client_secret_basic"));
        if !basic {
            form.push(("client_id", &self.config.client_id));
        }
        if let (Some(s), false) = (&secret, basic) {
            form.push(("client_secret", s));
        }
        let mut req = self.http.post(&d.token_endpoint).form(&form);
        if let (Some(s), true) = (&secret, basic) {
            // RFC 6749 2.3.1: both form-encoded before they are joined.
            let enc = |v: &str| {
                serde_urlencoded::to_string([("", v)]).unwrap_or_default()[1..].to_string()
            };
            req = req.basic_auth(enc(&self.config.client_id), Some(enc(s)));
        }
        #[derive(Deserialize)]
        struct Answer {
            id_token: Option<String>,
            error: Option<String>,
            error_description: Option<String>,
        }
        let (status, answer) = self.json::<Answer>(req, "token answer").await?;
        let answer = answer.map_err(|_| {
            OidcError::Provider(format!("its token endpoint answered {status} without JSON"))
        })?;
        if let Some(e) = answer.error {
            let why = answer.error_description.unwrap_or(e);
            return Err(OidcError::Denied(crate::model::text::truncate(&why, 200)));
        }
        match answer.id_token {
            Some(t) if status.is_success() => Ok(t),
            _ => Err(OidcError::Provider(format!(
                "its token endpoint answered {status} without an ID token (is `openid` in auth.oidc.scopes?)"
            ))),
        }
    }

    /// The provider's keys: those held (an hour at most), or fetched again when `refresh` (a
    /// token named a key they lack: the provider rotated its keys) unless that was done in the
    /// last 30 seconds.
    async fn keys(&self, d: &Discovery, refresh: bool) -> Result<JwkSet, OidcError> {
        let mut held = self.keys.lock().await;
        let mut refetched = None;
        if let Some(k) = held.as_ref() {
            let fresh = k.fetched.elapsed() < KEEP;
            let recently = k.refetched.is_some_and(|t| t.elapsed() < REFETCH);
            if fresh && (!refresh || recently) {
                return Ok(k.set.clone());
            }
            refetched = refresh.then(Instant::now);
        }
        let (status, set) = self
            .json::<JwkSet>(self.http.get(&d.jwks_uri), "keys")
            .await?;
        let set = match (status.is_success(), set) {
            (true, Ok(s)) => s,
            _ => {
                return Err(OidcError::Provider(format!(
                    "its keys (jwks_uri) answered {status} without a key set"
                )))
            }
        };
        *held = Some(Keys {
            set: set.clone(),
            fetched: Instant::now(),
            refetched,
        });
        Ok(set)
    }

    /// Checks an ID token: signed by one of the provider's keys with an asymmetric algorithm,
    /// issued by the configured issuer for this client, not expired, carrying this sign-in's
    /// nonce. Its claims.
    pub async fn verify(
        &self,
        d: &Discovery,
        id_token: &str,
        nonce: &str,
    ) -> Result<Claims, OidcError> {
        let bad = |m: &str| OidcError::Token(m.to_string());
        let header =
            jsonwebtoken::decode_header(id_token).map_err(|_| bad("it is not a signed JWT"))?;
        if !ASYMMETRIC.contains(&header.alg) {
            return Err(bad(
                "it is not signed with the provider's keys (a shared-secret or unknown algorithm)",
            ));
        }
        let mut set = self.keys(d, false).await?;
        if pick(&set, header.kid.as_deref()).is_none() {
            set = self.keys(d, true).await?;
        }
        if pick(&set, header.kid.as_deref()).is_none() {
            return Err(bad("it is signed with a key the provider does not publish"));
        }
        let claims = match self.check(d, &set, &header, id_token) {
            // A token naming no key id (or one reused) may be signed by a key rotated in since.
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
                let again = self.keys(d, true).await?;
                self.check(d, &again, &header, id_token)
            }
            other => other,
        }
        .map_err(|e| bad(&reason(&e)))?;
        let many = claims.aud.as_array().is_some_and(|a| a.len() > 1);
        if many && claims.azp.as_deref() != Some(self.config.client_id.as_str()) {
            return Err(bad("it was issued to another application (azp)"));
        }
        let same = claims
            .nonce
            .as_deref()
            .is_some_and(|n| crate::auth::constant_time_eq(n.as_bytes(), nonce.as_bytes()));
        if !same {
            return Err(bad("its nonce is not this sign-in's (a replayed token?)"));
        }
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(bad(
                "its subject (sub) is empty or longer than 255 characters",
            ));
        }
        Ok(claims)
    }

    /// The token's signature (by the key of `set` it names, or the only one) and its
    /// registered claims.
    fn check(
        &self,
        d: &Discovery,
        set: &JwkSet,
        header: &jsonwebtoken::Header,
        id_token: &str,
    ) -> Result<Claims, jsonwebtoken::errors::Error> {
        use jsonwebtoken::errors::ErrorKind as K;
        let jwk = pick(set, header.kid.as_deref()).ok_or(K::InvalidSignature)?;
        let alg = format!("{:?}", header.alg);
        if jwk
            .common
            .key_algorithm
            .is_some_and(|a| a.to_string() != alg)
        {
            return Err(K::InvalidAlgorithm.into());
        }
        let key = DecodingKey::from_jwk(jwk)?;
        let mut v = Validation::new(header.alg);
        v.set_audience(&[&self.config.client_id]);
        v.set_issuer(&[self.issuer(), d.issuer.as_str()]);
        v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        Ok(jsonwebtoken::decode::<Claims>(id_token, &key, &v)?.claims)
    }
}

/// The algorithms an ID token may be signed with: never HS* (a key the client knows).
const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The key a token names, or the only signing key when it names none.
fn pick<'a>(set: &'a JwkSet, kid: Option<&str>) -> Option<&'a Jwk> {
    let signing = |k: &&Jwk| {
        !matches!(
            k.common.public_key_use,
            Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
        ) && !matches!(
            k.algorithm,
            jsonwebtoken::jwk::AlgorithmParameters::OctetKey(_)
        )
    };
    match kid {
        Some(kid) => set
            .keys
            .iter()
            .filter(signing)
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let mut all = set.keys.iter().filter(signing);
            match (all.next(), all.next()) {
                (Some(k), None) => Some(k),
                _ => None,
            }
        }
    }
}

/// Why jsonwebtoken refused a token, in words.
fn reason(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::InvalidSignature => "its signature does not match the provider's key".into(),
        K::ExpiredSignature => "it has expired".into(),
        K::InvalidAudience => {
            "it was issued to another application (its audience is not auth.oidc.client_id)".into()
        }
        K::InvalidIssuer => "it was issued by another provider (iss)".into(),
        K::ImmatureSignature => "it is not valid yet (nbf)".into(),
        K::MissingRequiredClaim(c) => format!("it has no `{c}` claim"),
        K::InvalidAlgorithm => "its algorithm is not its key's".into(),
        _ => "it is malformed".into(),
    }
}

/// [`provider_url`], allowing a query (some authorization endpoints carry one).
fn provider_url_with_query(u: &str) -> bool {
    let bare = u.split_once('?').map_or(u, |(b, _)| b);
    provider_url(bare)
}
