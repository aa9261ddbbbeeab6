//! `[delivery.s3]`: where schedule recipients of type `s3` write their files (AWS S3, MinIO,
//! Cloudflare R2, Backblaze B2: any S3-compatible API).

use super::secret::Secret;
use serde::{Deserialize, Serialize};

/// `[delivery.s3]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    /// The API's base URL (`https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`,
    /// `https://<account>.r2.cloudflarestorage.com`); empty: AWS in `region`.
    pub endpoint: String,
    pub region: String,
    /// Buckets in the path (`endpoint/bucket/key`, MinIO's way) rather than the host name.
    pub path_style: bool,
    /// The access key id, or the variable that holds it.
    pub access_key_id: Option<String>,
    pub access_key_id_env: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub secret_access_key_env: Option<String>,
    /// `AES256` or `aws:kms`: asks the storage to encrypt each object it keeps.
    pub server_side_encryption: Option<String>,
    /// The object's key after the address's prefix: `{schedule}` (the schedule's name as a
    /// file name), `{date}` (the run's day), `{file}` (the export's file name).
    pub key_pattern: String,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            endpoint: String::new(),
            region: "us-east-1".into(),
            path_style: false,
            access_key_id: None,
            access_key_id_env: None,
            secret_access_key: None,
            secret_access_key_env: None,
            server_side_encryption: None,
            key_pattern: "{schedule}/{date}/{file}".into(),
        }
    }
}

impl S3Config {
    /// Checks what serde cannot; the error is (key, message).
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((format!("delivery.s3.{k}"), m));
        if !self.endpoint.is_empty() {
            let ok = reqwest::Url::parse(&self.endpoint).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.query().is_none()
                    && u.username().is_empty()
                    && u.password().is_none()
            });
            if !ok {
                return err(
                    "endpoint",
                    format!(
                        "`{}` is not an http(s) URL like https://s3.eu-west-1.amazonaws.com (keys go in access_key_id and secret_access_key)",
                        crate::model::text::truncate(&self.endpoint, 80)
                    ),
                );
            }
        }
        let region_ok = !self.region.is_empty()
            && self.region.len() <= 64
            && self
                .region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !region_ok {
            return err("region", "a region name such as eu-west-1".into());
        }
        if let Some(s) = &self.server_side_encryption {
            if !matches!(s.as_str(), "AES256" | "aws:kms") {
                return err("server_side_encryption", "AES256 or aws:kms".into());
            }
        }
        if self.access_key_id.is_some() && self.access_key_id_env.is_some() {
            return err(
                "access_key_id",
                "give access_key_id or access_key_id_env, not both".into(),
            );
        }
        if self.secret_access_key.is_some() && self.secret_access_key_env.is_some() {
            return err(
                "secret_access_key",
                "give secret_access_key or secret_access_key_env, not both".into(),
            );
        }
        let placeholders = ["{schedule}", "{date}", "{file}"];
        let mut rest = self.key_pattern.clone();
        for p in placeholders {
            rest = rest.replace(p, "");
        }
        if !self.key_pattern.contains("{file}")
            || rest.contains(['{', '}'])
            || self.key_pattern.starts_with('/')
            || self.key_pattern.split('/').any(|s| s == ".." || s == ".")
            || self.key_pattern.chars().any(char::is_control)
        {
            return err(
                "key_pattern",
                "a path of {schedule}, {date} and {file} (which it must hold), without `..`".into(),
            );
        }
        Ok(())
    }

    /// The API's base URL.
    pub fn endpoint_url(&self) -> String {
        if self.endpoint.is_empty() {
            format!("https://s3.{}.amazonaws.com", self.region)
        } else {
            self.endpoint.trim_end_matches('/').to_string()
        }
    }

    /// The access key id and secret: given, or read from their variables; the error says which
    /// is missing.
    pub fn credentials(&self) -> Result<(String, String), String> {
        let id = self
            .access_key_id
            .clone()
            .or_else(|| std::env::var(self.access_key_id_env.as_deref()?).ok())
            .ok_or(
                "[delivery.s3] has no access_key_id (or access_key_id_env naming a set variable)",
            )?;
        let secret = self
            .secret_access_key
            .as_ref()
            .map(|s| s.expose().to_string())
            .or_else(|| std::env::var(self.secret_access_key_env.as_deref()?).ok())
            .ok_or("[delivery.s3] has no secret_access_key (or secret_access_key_env naming a set variable)")?;
        Ok((id, secret))
    }
}
