//! An alert's message: what fired (or resolved), the value, the threshold or expected range,
//! the member, and a link to the report; as an email, a Slack or Teams message, or a webhook's
//! JSON. Written with its evaluation (`store::alert::record`) so a retry sends the same words.

use super::SendError;
use crate::config::SmtpConfig;
use crate::model::alert::Notice;
use crate::model::schedule::RecipientKind;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

/// The Content-ID of the chart inside the message.
const CHART_CID: &str = "alert-chart";
use lettre::Message;
use serde_json::{json, Value};

/// The email of a notice.
pub fn email(
    smtp: &SmtpConfig,
    brand: &str,
    to: &str,
    message_id: &str,
    n: &Notice,
) -> Result<Message, SendError> {
    let from: Mailbox = smtp.from.parse().map_err(|_| {
        SendError::permanent(format!("smtp.from: `{}` is not an address", smtp.from))
    })?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| SendError::permanent(format!("`{to}` is not an email address")))?;
    let mut text = format!("{}\n\n", n.subject);
    for l in &n.lines {
        text.push_str(&format!("- {l}\n"));
    }
    text.push_str(&format!("\nOpen the report: {}\n-- \n{brand}\n", n.link));
    let colour = if n.state == "firing" {
        "#b3261e"
    } else {
        "#1b7f3b"
    };
    let items: String = n
        .lines
        .iter()
        .map(|l| format!("<li>{}</li>", crate::model::text::escape_html(l)))
        .collect();
    // The chart as a PNG (mail clients block SVG); a chart that does not rasterise is left out.
    let png = n
        .chart
        .as_deref()
        .and_then(|svg| crate::render::png::from_svg(svg).ok());
    let img = match png {
        Some(_) => format!(
            "<img src=\"cid:{CHART_CID}\" alt=\"The watched values\" width=\"520\" style=\"max-width:100%;height:auto\">"
        ),
        None => String::new(),
    };
    let html = format!(
        "<!doctype html><html><body style=\"font-family:Helvetica,Arial,sans-serif;color:#222\">\
         <h2 style=\"margin:0 0 8px;color:{colour}\">{}</h2><ul>{items}</ul>{img}\
         <p><a href=\"{}\">Open the report</a></p><p style=\"color:#888\">{}</p></body></html>",
        crate::model::text::escape_html(&n.subject),
        crate::model::text::escape_html(&n.link),
        crate::model::text::escape_html(brand)
    );
    let html = SinglePart::html(html);
    let html_part = match png {
        Some(png) => MultiPart::related().singlepart(html).singlepart(
            lettre::message::Attachment::new_inline(CHART_CID.to_string())
                .body(png, ContentType::parse("image/png").expect("valid")),
        ),
        None => MultiPart::related().singlepart(html),
    };
    Message::builder()
        .from(from)
        .to(to)
        .message_id(Some(format!("<{message_id}@quire>")))
        .subject(&n.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(text))
                .multipart(html_part),
        )
        .map_err(|e| SendError::permanent(format!("building the message: {e}")))
}

/// The body a Slack, Teams or webhook recipient gets.
pub fn payload(kind: RecipientKind, n: &Notice, delivery_id: &str) -> Value {
    match kind {
        RecipientKind::Slack => {
            let mut text = format!("*{}*\n", n.subject);
            for l in &n.lines {
                text.push_str(&format!("• {l}\n"));
            }
            text.push_str(&format!("<{}|Open the report>", n.link));
            json!({ "text": text })
        }
        RecipientKind::Teams => json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": std::iter::once(json!({"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true, "text": n.subject}))
                        .chain(n.lines.iter().map(|l| json!({"type": "TextBlock", "wrap": true, "text": l})))
                        .collect::<Vec<_>>(),
                    "actions": [{ "type": "Action.OpenUrl", "title": "Open the report", "url": n.link }],
                },
            }],
        }),
        RecipientKind::Webhook | RecipientKind::Email | RecipientKind::S3 => json!({
            "event": format!("alert.{}", n.state),
            "deliveryId": delivery_id,
            "alert": { "id": n.alert_id, "name": n.alert },
            "subject": n.subject,
            "lines": n.lines,
            "link": n.link,
        }),
    }
}
