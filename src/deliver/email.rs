//! Email through SMTP (lettre): subject `<report> — <date>`, a plain-text part and an HTML part
//! with the KPI summary and the main chart as an inline PNG, the export attached.

use super::summary::Summary;
use super::{Attachment, SendError};
use crate::config::{SmtpConfig, SmtpSecurity};
use crate::model::text::escape_html;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The content id of the inline chart image.
const CHART_CID: &str = "chart";

/// Builds the message of one delivery. `message_id` is the delivery's id: a retry after a crash
/// carries the same Message-ID, so mail systems that deduplicate see one message.
pub fn build(
    smtp: &SmtpConfig,
    brand: &str,
    to: &str,
    message_id: &str,
    summary: &Summary,
    file: &Attachment,
    chart_png: Option<&[u8]>,
) -> Result<Message, SendError> {
    let from: Mailbox = smtp.from.parse().map_err(|_| {
        SendError::permanent(format!("smtp.from: `{}` is not an address", smtp.from))
    })?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| SendError::permanent(format!("`{to}` is not an email address")))?;
    // Always base64: a CSV or JSON file left as 7bit keeps its bare LF line ends and lines past
    // 998 octets, which standards-following servers refuse ("500 Line too long").
    let body = lettre::message::Body::new_with_encoding(
        file.bytes.clone(),
        lettre::message::header::ContentTransferEncoding::Base64,
    )
    .map_err(|_| SendError::permanent("the attachment could not be encoded"))?;
    let attachment = lettre::message::Attachment::new(file.name.clone()).body(
        body,
        ContentType::parse(file.format.mime()).map_err(|e| SendError::permanent(e.to_string()))?,
    );
    let html = SinglePart::html(html_body(summary, brand, chart_png.is_some()));
    let html_part = match chart_png {
        Some(png) => MultiPart::related().singlepart(html).singlepart(
            lettre::message::Attachment::new_inline(CHART_CID.to_string()).body(
                png.to_vec(),
                ContentType::parse("image/png").expect("valid"),
            ),
        ),
        None => MultiPart::related().singlepart(html),
    };
    Message::builder()
        .from(from)
        .to(to)
        .message_id(Some(format!("<{message_id}@quire>")))
        .subject(summary.subject())
        .multipart(
            MultiPart::mixed()
                .multipart(
                    MultiPart::alternative()
                        .singlepart(SinglePart::plain(text_body(summary, brand)))
                        .multipart(html_part),
                )
                .singlepart(attachment),
        )
        .map_err(|e| SendError::permanent(format!("building the message: {e}")))
}

/// Sends one message.
pub async fn send(smtp: &SmtpConfig, message: Message) -> Result<(), SendError> {
    send_with_reply(smtp, message).await.map(|_| ())
}

/// A plain text message to `to`.
pub fn plain(smtp: &SmtpConfig, to: &str, subject: &str, body: &str) -> Result<Message, SendError> {
    let from: Mailbox = smtp.from.parse().map_err(|_| {
        SendError::permanent(format!("smtp.from: `{}` is not an address", smtp.from))
    })?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| SendError::permanent(format!("`{to}` is not an email address")))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .singlepart(SinglePart::plain(body.to_string()))
        .map_err(|e| SendError::permanent(format!("building the message: {e}")))
}

/// A plain test message to `to`, for `quire smtp test`.
pub fn test_message(smtp: &SmtpConfig, brand: &str, to: &str) -> Result<Message, SendError> {
    plain(
        smtp,
        to,
        &format!("{brand}: test email"),
        &format!(
            "This is a test email from {brand}. If you read it, scheduled reports can reach you.\n"
        ),
    )
}

/// Sends the test message to `to`: what happened, in one sentence for a person (`quire smtp
/// test`, the /schedules page). A bad address is a permanent error before anything is sent.
pub async fn send_test(smtp: &SmtpConfig, brand: &str, to: &str) -> Result<String, SendError> {
    let message = test_message(smtp, brand, to)?;
    let reply = send_with_reply(smtp, message).await?;
    Ok(format!(
        "sent to {to} through {}:{}; the server answered: {reply}",
        smtp.host, smtp.port
    ))
}

/// Sends one message and returns the server's final reply (`250 OK ...`).
pub async fn send_with_reply(smtp: &SmtpConfig, message: Message) -> Result<String, SendError> {
    let err =
        |message: String| SendError::retry(format!("SMTP {}:{}: {message}", smtp.host, smtp.port));
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
    match builder.build().send(message).await {
        Ok(reply) => Ok(format!(
            "{} {}",
            reply.code(),
            reply.message().collect::<Vec<_>>().join(" ")
        )),
        // A 5xx reply (e.g. unknown mailbox) will not change by retrying.
        Err(e) if e.is_permanent() => Err(SendError::permanent(format!(
            "SMTP {}:{}: {e}",
            smtp.host, smtp.port
        ))),
        Err(e) => Err(err(e.to_string())),
    }
}

fn text_body(s: &Summary, brand: &str) -> String {
    let mut t = format!("{}\n\n", s.report_name);
    if let Some(n) = &s.narrative {
        t.push_str(&format!("{n}\n\n"));
    }
    for (k, v) in &s.parameters {
        t.push_str(&format!("{k}: {v}\n"));
    }
    t.push('\n');
    for k in &s.kpis {
        t.push_str(&Summary::kpi_text(k));
        t.push('\n');
    }
    if let Some(line) = s.run_line() {
        t.push_str(&format!("\n{line}.\n"));
    }
    t.push_str(&format!("\nThe full report is attached.\n-- \n{brand}\n"));
    t
}

fn html_body(s: &Summary, brand: &str, chart: bool) -> String {
    let mut rows = String::new();
    for k in &s.kpis {
        let colour = match k.direction.as_str() {
            "up" => "#1b7f3b",
            "down" => "#b3261e",
            _ => "#555",
        };
        rows.push_str(&format!(
            "<tr><td style=\"padding:6px 12px 6px 0;color:#555\">{}</td><td style=\"padding:6px 12px;font-weight:bold;font-size:16px\">{}</td><td style=\"padding:6px 0;color:{colour}\">{}</td></tr>",
            escape_html(&k.title),
            escape_html(&k.value),
            escape_html(k.change.as_deref().unwrap_or(""))
        ));
    }
    let params: Vec<String> = s
        .parameters
        .iter()
        .map(|(k, v)| format!("{}: {}", escape_html(k), escape_html(v)))
        .collect();
    let image = if chart {
        let alt = escape_html(s.chart_title.as_deref().unwrap_or("Chart"));
        format!(
            "<p style=\"margin:16px 0 4px;font-weight:bold\">{alt}</p>\
             <img src=\"cid:{CHART_CID}\" alt=\"{alt}\" width=\"600\" style=\"max-width:100%;height:auto\">"
        )
    } else {
        String::new()
    };
    format!(
        "<!doctype html><html><body style=\"font-family:Helvetica,Arial,sans-serif;color:#222\">\
         <h2 style=\"margin:0 0 4px\">{}</h2><p style=\"color:#666;margin:0 0 12px\">{}</p>{}\
         <table style=\"border-collapse:collapse\">{rows}</table>{image}\
         <p>The full report is attached.</p>{}<p style=\"color:#888\">{}</p></body></html>",
        escape_html(&s.report_name),
        params.join(" · "),
        s.narrative
            .as_deref()
            .map(|n| format!(
                "<p style=\"margin:0 0 14px;padding:10px 12px;background:#f3f5f8;border-left:3px solid #1f5fa8\">{}</p>",
                escape_html(n)
            ))
            .unwrap_or_default(),
        s.run_line()
            .map(|l| format!("<p style=\"color:#666\">{}.</p>", escape_html(&l)))
            .unwrap_or_default(),
        escape_html(brand)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::export::ExportFormat;
    use crate::report::run::Output;

    #[test]
    fn a_text_attachment_reaches_the_wire_in_short_crlf_lines_and_decodes_back() {
        let out = Output {
            report_id: "r".into(),
            name: "Sales".into(),
            description: String::new(),
            parameters: vec![],
            generated_at: chrono::Utc::now(),
            time_zone: chrono_tz::UTC,
            sections: vec![],
            narrative: None,
            options: Default::default(),
        };
        let summary = Summary::new(
            &out,
            "Weekly",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        );
        // A CSV with bare LF ends and one line of 5,000 characters.
        let csv = format!("a,b\n1,{}\n2,x\n", "y".repeat(5000)).into_bytes();
        for format in [ExportFormat::Csv, ExportFormat::Json] {
            let file = Attachment {
                name: "sales.csv".into(),
                format,
                bytes: csv.clone(),
            };
            let m = build(
                &SmtpConfig::default(),
                "Quire",
                "ann@example.com",
                "id1",
                &summary,
                &file,
                None,
            )
            .unwrap();
            let wire = m.formatted();
            for line in wire.split(|b| *b == b'\n') {
                assert!(line.len() <= 999, "a line of {} octets", line.len());
                if !line.is_empty() {
                    assert_eq!(
                        line.last(),
                        Some(&b'\r'),
                        "bare LF in {:?}",
                        String::from_utf8_lossy(line)
                    );
                }
            }
            let text = String::from_utf8_lossy(&wire).to_string();
            let start = text
                .find("filename=\"sales.csv\"")
                .expect("the attachment part");
            let body_start = start + text[start..].find("\r\n\r\n").unwrap() + 4;
            let body_end = body_start + text[body_start..].find("\r\n--").unwrap();
            let b64: String = text[body_start..body_end].split("\r\n").collect();
            assert!(text[..body_start].contains("Content-Transfer-Encoding: base64"));
            use base64_check::decode;
            assert_eq!(decode(&b64), csv);
        }
    }

    /// A small standard base64 decoder, so the test checks the wire without lettre's help.
    mod base64_check {
        pub fn decode(s: &str) -> Vec<u8> {
            let val = |c: u8| match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => panic!("not base64: {c}"),
            };
            let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').collect();
            let mut out = Vec::new();
            for chunk in bytes.chunks(4) {
                let v: Vec<u32> = chunk.iter().map(|c| val(*c) as u32).collect();
                let n = v.iter().fold(0u32, |acc, x| (acc << 6) | x) << (6 * (4 - v.len()));
                let take = v.len() * 6 / 8;
                out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
            }
            out
        }
    }
}
