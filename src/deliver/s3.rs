//! A schedule's file written to S3-compatible storage (`s3://bucket/prefix/` recipients,
//! `[delivery.s3]`): requests signed with AWS Signature V4 by `rusty-s3` (pre-signed URLs,
//! sent with reqwest), one PUT up to [`PART_BYTES`], a multipart upload above it. The key comes
//! from the schedule's name, the run's day and the file's name, so a delivery retried (or sent
//! again after a crash) writes the same object: written twice, it is still one. The endpoint
//! passes the same checks as a webhook's URL (no private addresses unless
//! `allow_private_targets`, no redirects).

use super::{target, SendError};
use crate::config::S3Config;
use crate::model::schedule::{s3_address, RecipientKind};
use rusty_s3::actions::{
    AbortMultipartUpload, CompleteMultipartUpload, CreateMultipartUpload, PutObject, UploadPart,
};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::time::Duration;

/// Largest object sent in one PUT, and the size of each part above it.
pub const PART_BYTES: usize = 8 << 20;
/// How long a signed request is good for.
const SIGNED_FOR: Duration = Duration::from_secs(900);

/// What an object is named after.
pub struct Object<'a> {
    pub schedule: &'a str,
    /// The run's day, `YYYY-MM-DD`.
    pub date: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
}

/// The key an object gets under `prefix`: the pattern's `{schedule}`, `{date}` and `{file}`
/// filled with names safe in a key.
pub fn key(pattern: &str, prefix: &str, o: &Object) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .trim_matches('-')
            .replace("..", "-")
    };
    let schedule = crate::model::export::slug(o.schedule);
    let name = pattern
        .replace("{schedule}", &schedule)
        .replace("{date}", &safe(o.date))
        .replace("{file}", &safe(o.file_name));
    let prefix = match prefix {
        "" => String::new(),
        p if p.ends_with('/') => p.to_string(),
        p => format!("{p}/"),
    };
    format!("{prefix}{name}")
}

/// Writes `body` as an object under the `s3://bucket/prefix/` `address`. Returns its key.
/// 2xx is delivered; 408, 429, 5xx and network errors are retried; other 4xx (no such bucket,
/// access denied) are final. Errors name the status, never the reply's text.
pub async fn put(
    cfg: &S3Config,
    allow_private: bool,
    address: &str,
    o: &Object<'_>,
    body: Vec<u8>,
) -> Result<String, SendError> {
    let (bucket_name, prefix) = s3_address(address).map_err(SendError::permanent)?;
    let (id, secret) = cfg.credentials().map_err(SendError::permanent)?;
    let endpoint = cfg.endpoint_url();
    let style = if cfg.path_style {
        UrlStyle::Path
    } else {
        UrlStyle::VirtualHost
    };
    let url = endpoint
        .parse()
        .map_err(|e| SendError::permanent(format!("[delivery.s3] endpoint: {e}")))?;
    let bucket = Bucket::new(url, style, bucket_name, cfg.region.clone())
        .map_err(|e| SendError::permanent(format!("[delivery.s3] endpoint: {e}")))?;
    let creds = Credentials::new(id, secret);
    let key = key(&cfg.key_pattern, &prefix, o);
    // The bucket's own URL is where every request goes: vetted once, the client pinned to it.
    let base = bucket
        .object_url("")
        .map_err(|e| SendError::permanent(format!("[delivery.s3] endpoint: {e}")))?;
    let vetted = target::vet(RecipientKind::Webhook, base.as_str(), allow_private)
        .await
        .map_err(|e| SendError {
            message: format!("[delivery.s3] endpoint: {}", e.message),
            retryable: e.retryable,
        })?;
    let client = vetted.client()?;
    let sse = cfg.server_side_encryption.as_deref();
    if body.len() <= PART_BYTES {
        let mut put = PutObject::new(&bucket, Some(&creds), &key);
        if let Some(s) = sse {
            put.headers_mut().insert("x-amz-server-side-encryption", s);
        }
        let mut req = client
            .put(put.sign(SIGNED_FOR))
            .header("Content-Type", o.content_type);
        if let Some(s) = sse {
            req = req.header("x-amz-server-side-encryption", s);
        }
        let res = req.body(body).send().await.map_err(network)?;
        check(res.status(), "PUT")?;
        return Ok(key);
    }
    multipart(&client, &bucket, &creds, &key, o.content_type, sse, body).await?;
    Ok(key)
}

async fn multipart(
    client: &reqwest::Client,
    bucket: &Bucket,
    creds: &Credentials,
    key: &str,
    content_type: &str,
    sse: Option<&str>,
    body: Vec<u8>,
) -> Result<(), SendError> {
    let mut create = CreateMultipartUpload::new(bucket, Some(creds), key);
    if let Some(s) = sse {
        create
            .headers_mut()
            .insert("x-amz-server-side-encryption", s);
    }
    let mut req = client
        .post(create.sign(SIGNED_FOR))
        .header("Content-Type", content_type);
    if let Some(s) = sse {
        req = req.header("x-amz-server-side-encryption", s);
    }
    let res = req.send().await.map_err(network)?;
    check(res.status(), "CreateMultipartUpload")?;
    let text = res.text().await.map_err(network)?;
    let created = CreateMultipartUpload::parse_response(&text).map_err(|_| {
        SendError::retry("CreateMultipartUpload: the storage's answer is not the XML S3 sends")
    })?;
    let upload_id = created.upload_id().to_string();
    let mut etags: Vec<String> = Vec::new();
    for (i, chunk) in body.chunks(PART_BYTES).enumerate() {
        let part = UploadPart::new(bucket, Some(creds), key, (i + 1) as u16, &upload_id);
        let sent = client
            .put(part.sign(SIGNED_FOR))
            .body(chunk.to_vec())
            .send()
            .await
            .map_err(network)
            .and_then(|res| {
                check(res.status(), "UploadPart")?;
                res.headers()
                    .get("ETag")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                    .ok_or_else(|| SendError::retry("UploadPart: no ETag in the answer"))
            });
        match sent {
            Ok(etag) => etags.push(etag),
            Err(e) => {
                abort(client, bucket, creds, key, &upload_id).await;
                return Err(e);
            }
        }
    }
    let complete = CompleteMultipartUpload::new(
        bucket,
        Some(creds),
        key,
        &upload_id,
        etags.iter().map(String::as_str),
    );
    let url = complete.sign(SIGNED_FOR);
    let res = client
        .post(url)
        .body(complete.body())
        .send()
        .await
        .map_err(network)?;
    if let Err(e) = check(res.status(), "CompleteMultipartUpload") {
        abort(client, bucket, creds, key, &upload_id).await;
        return Err(e);
    }
    Ok(())
}

/// Gives a failed multipart upload's parts back (best effort: storage also expires them).
async fn abort(
    client: &reqwest::Client,
    bucket: &Bucket,
    creds: &Credentials,
    key: &str,
    id: &str,
) {
    let a = AbortMultipartUpload::new(bucket, Some(creds), key, id);
    let _ = client.delete(a.sign(SIGNED_FOR)).send().await;
}

fn network(e: reqwest::Error) -> SendError {
    // The URL is pre-signed: its query is a credential for 15 minutes, never shown.
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "…");
    }
    SendError::retry(format!("S3: {s}"))
}

fn check(status: reqwest::StatusCode, what: &str) -> Result<(), SendError> {
    if status.is_success() {
        return Ok(());
    }
    let reason = status.canonical_reason().unwrap_or("");
    let message = format!("S3 {what}: HTTP {} {reason}", status.as_u16());
    if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
        Err(SendError::retry(message))
    } else {
        Err(SendError::permanent(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_of_safe_names_under_the_prefix() {
        let o = Object {
            schedule: "Weekly sales / EU",
            date: "2026-12-07",
            file_name: "sales-overview-2026-12-07.pdf",
            content_type: "application/pdf",
        };
        let p = "{schedule}/{date}/{file}";
        assert_eq!(
            key(p, "reports/", &o),
            "reports/weekly-sales-eu/2026-12-07/sales-overview-2026-12-07.pdf"
        );
        assert_eq!(
            key(p, "", &o),
            "weekly-sales-eu/2026-12-07/sales-overview-2026-12-07.pdf"
        );
        assert_eq!(
            key("{file}", "a/b", &o),
            "a/b/sales-overview-2026-12-07.pdf"
        );
        let hostile = Object {
            schedule: "../../etc",
            file_name: "../passwd",
            ..o
        };
        assert!(
            !key(p, "", &hostile).contains(".."),
            "{}",
            key(p, "", &hostile)
        );
    }
}
