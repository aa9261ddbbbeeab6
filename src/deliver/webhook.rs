//! Slack, Microsoft Teams and generic JSON webhooks: the KPI summary and a signed, expiring
//! download link to the export.

use super::summary::Summary;
use super::{target, SendError};
use crate::model::schedule::RecipientKind;
use crate::model::time::parse_time;
use serde_json::{json, Value};

/// What a message links to.
pub struct Link<'a> {
    pub url: &'a str,
    pub expires_at: &'a str,
    pub export_id: &'a str,
    pub format: &'a str,
    pub file_name: &'a str,
    pub size: i64,
}

/// The JSON body for a recipient of this kind.
pub fn payload(kind: RecipientKind, s: &Summary, link: &Link, delivery_id: &str) -> Value {
    let kpis: Vec<String> = s.kpis.iter().map(Summary::kpi_text).collect();
    let params: Vec<String> = s
        .parameters
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    match kind {
        RecipientKind::Slack => {
            let mut text = format!("*{}*\n", s.subject());
            if !params.is_empty() {
                text.push_str(&format!("_{}_\n", params.join(" · ")));
            }
            for k in &kpis {
                text.push_str(&format!("• {k}\n"));
            }
            if let Some(line) = s.run_line() {
                text.push_str(&format!("_{line}_\n"));
            }
            text.push_str(&format!(
                "<{}|Download the {} report> (link valid until {})",
                link.url,
                link.format.to_uppercase(),
                parse_time(link.expires_at)
                    .map(|t| s.time(t))
                    .unwrap_or_else(|| link.expires_at.to_string())
            ));
            json!({ "text": text })
        }
        RecipientKind::Teams => {
            let mut body = vec![json!({
                "type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": s.subject()
            })];
            if !params.is_empty() {
                body.push(json!({"type": "TextBlock", "isSubtle": true, "wrap": true, "text": params.join(" · ")}));
            }
            if let Some(line) = s.run_line() {
                body.push(
                    json!({"type": "TextBlock", "isSubtle": true, "wrap": true, "text": line}),
                );
            }
            body.push(json!({
                "type": "FactSet",
                "facts": s.kpis.iter().map(|k| json!({
                    "title": k.title,
                    "value": match &k.change { Some(c) => format!("{} ({c})", k.value), None => k.value.clone() },
                })).collect::<Vec<_>>(),
            }));
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": body,
                        "actions": [{
                            "type": "Action.OpenUrl",
                            "title": format!("Download the {} report", link.format.to_uppercase()),
                            "url": link.url,
                        }],
                    },
                }],
            })
        }
        RecipientKind::Webhook | RecipientKind::Email | RecipientKind::S3 => json!({
            "event": "report.delivered",
            "deliveryId": delivery_id,
            "schedule": s.schedule_name,
            "report": { "id": s.report_id, "name": s.report_name },
            "date": s.date,
            "timeZone": s.time_zone,
            "subject": s.subject(),
            "parameters": s.parameters.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
            "kpis": s.kpis,
            "export": {
                "id": link.export_id,
                "format": link.format,
                "fileName": link.file_name,
                "size": link.size,
                "url": link.url,
                "expiresAt": link.expires_at,
            },
        }),
    }
}

/// POSTs `body` to the `kind` recipient at `url`, once its target is vetted (`target.rs`;
/// `allow_private` is `[delivery] allow_private_targets`). 2xx is delivered; 408, 429 and 5xx
/// are retried; 3xx (never followed) and other 4xx are final (a wrong or revoked webhook URL
/// does not heal by waiting). The error names the status only: the reply's body is neither
/// read nor kept (it may echo anything, secrets included).
pub async fn post(
    kind: RecipientKind,
    url: &str,
    body: &Value,
    delivery_id: &str,
    allow_private: bool,
) -> Result<(), SendError> {
    let shown = target::redact(url);
    let target = target::vet(kind, url, allow_private).await?;
    let response = target
        .client()?
        .post(target.url.clone())
        .header("Idempotency-Key", delivery_id)
        .json(body)
        .send()
        .await
        .map_err(|e| SendError::retry(format!("POST {shown}: {}", without_url(&e))))?;
    let status = response.status();
    drop(response);
    if status.is_success() {
        return Ok(());
    }
    let mut message = format!("POST {shown}: {}", status_text(status));
    if status.is_redirection() {
        message.push_str(" (redirects are not followed: use the final URL)");
    }
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(SendError::retry(message))
    } else {
        Err(SendError::permanent(message))
    }
}

/// `HTTP 500 Internal Server Error`: the code and its standard reason, never the server's text.
fn status_text(status: reqwest::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// reqwest's message without the URL (it may hold a secret token; ours is shown shortened).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "…");
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{s}: {cause}"),
        None => s,
    }
}
