//! Email through SMTP (lettre): subject with report name and date, text + HTML body with the
//! KPI summary, the export attached.

use crate::config::{ExportFormat, SmtpConfig, SmtpSecurity};
use crate::report::run::Output;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("invalid address `{0}`")]
    Address(String),
    #[error("building the message: {0}")]
    Build(String),
    #[error("SMTP {host}:{port}: {message}")]
    Smtp {
        host: String,
        port: u16,
        message: String,
    },
}

/// The rendered file to attach.
pub struct AttachmentFile<'a> {
    pub format: ExportFormat,
    pub bytes: &'a [u8],
}

/// The subject line: `<report> — <date>`.
pub fn subject(out: &Output, date: chrono::NaiveDate) -> String {
    format!("{} — {}", out.name, date.format("%Y-%m-%d"))
}

/// Builds one message to `to`.
pub fn build(
    smtp: &SmtpConfig,
    brand: &str,
    to: &str,
    out: &Output,
    date: chrono::NaiveDate,
    file: &AttachmentFile,
) -> Result<Message, EmailError> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|_| EmailError::Address(smtp.from.clone()))?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| EmailError::Address(to.to_string()))?;
    let filename = format!(
        "{}-{}.{}",
        slug(&out.name),
        date.format("%Y-%m-%d"),
        file.format.extension()
    );
    let attachment = Attachment::new(filename).body(
        file.bytes.to_vec(),
        ContentType::parse(file.format.mime()).map_err(|e| EmailError::Build(e.to_string()))?,
    );
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject(out, date))
        .multipart(
            MultiPart::mixed()
                .multipart(
                    MultiPart::alternative()
                        .singlepart(SinglePart::plain(text_body(out, brand)))
                        .singlepart(SinglePart::html(html_body(out, brand))),
                )
                .singlepart(attachment),
        )
        .map_err(|e| EmailError::Build(e.to_string()))
}

/// Sends messages over one SMTP connection pool.
pub async fn send(smtp: &SmtpConfig, messages: Vec<Message>) -> Result<u32, EmailError> {
    let err = |message: String| EmailError::Smtp {
        host: smtp.host.clone(),
        port: smtp.port,
        message,
    };
    let builder = match smtp.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| err(e.to_string()))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| err(e.to_string()))?,
    };
    let mut builder = builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_secs)));
    if let (Some(user), Some(pass)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.expose().to_string()));
    }
    let transport = builder.build();
    let mut sent = 0;
    for m in messages {
        transport.send(m).await.map_err(|e| err(e.to_string()))?;
        sent += 1;
    }
    Ok(sent)
}

fn text_body(out: &Output, brand: &str) -> String {
    let mut s = format!("{}\n\n", out.name);
    for (k, v) in &out.parameters {
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    for k in out.kpis() {
        match (&k.change, &k.previous) {
            (Some(c), Some(p)) => s.push_str(&format!("{}: {} ({c} vs {p})\n", k.title, k.value)),
            _ => s.push_str(&format!("{}: {}\n", k.title, k.value)),
        }
    }
    s.push_str(&format!("\nThe full report is attached.\n-- \n{brand}\n"));
    s
}

fn html_body(out: &Output, brand: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut rows = String::new();
    for k in out.kpis() {
        let colour = match k.direction {
            "up" => "#1b7f3b",
            "down" => "#b3261e",
            _ => "#555",
        };
        rows.push_str(&format!(
            "<tr><td style=\"padding:6px 12px 6px 0;color:#555\">{}</td><td style=\"padding:6px 12px;font-weight:bold;font-size:16px\">{}</td><td style=\"padding:6px 0;color:{colour}\">{}</td></tr>",
            esc(&k.title),
            esc(&k.value),
            esc(k.change.as_deref().unwrap_or(""))
        ));
    }
    let params: Vec<String> = out
        .parameters
        .iter()
        .map(|(k, v)| format!("{}: {}", esc(k), esc(v)))
        .collect();
    format!(
        "<!doctype html><html><body style=\"font-family:Helvetica,Arial,sans-serif;color:#222\">\
         <h2 style=\"margin:0 0 4px\">{}</h2><p style=\"color:#666;margin:0 0 12px\">{}</p>\
         <table style=\"border-collapse:collapse\">{rows}</table>\
         <p>The full report is attached.</p><p style=\"color:#888\">{}</p></body></html>",
        esc(&out.name),
        params.join(" · "),
        esc(brand)
    )
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}
