//! A text card's markdown (issue 23, item 1): rendered on the dashboard page, on its share
//! page and in its PDF, from one place (`report::markdown`), and hostile input comes out inert.

use crate::helpers::{pdf_pages, spawn_app, TestApp};
use serde_json::{json, Value};

const CARD: &str = "## Notes\n\nFigures are **net** of returns; see [the guide](https://example.com/guide).\n\n- one\n- two\n\n<script>alert('s')</script>\n\nHi <img src=x onerror=alert('i')> there\n\n[click](javascript:alert('j')) and [also](JaVaScRiPt&#58;alert('k'))";

async fn board_with_card(app: &TestApp) -> String {
    let report = app.report_id().await;
    let def = json!({
        "name": "Notes board",
        "widgets": [
            { "id": "notes", "kind": "text", "text": CARD, "x": 0, "y": 0, "w": 6, "h": 4 },
            { "id": "revenue", "reportId": report, "visualizationId": "revenue", "x": 6, "y": 0, "w": 3, "h": 2 }
        ]
    });
    let r = app
        .client
        .post(format!("{}/api/v1/dashboards", app.address))
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The card as HTML: rendered, and nothing in it runs.
fn assert_rendered_and_inert(html: &str) {
    let card = &html[html.find("text-card").expect("a text card")..];
    let card = &card[..card.find("</div>").unwrap()];
    assert!(card.contains("<h2>Notes</h2>"), "{card}");
    assert!(!card.contains("## Notes"), "{card}");
    assert!(card.contains("<strong>net</strong>"), "{card}");
    assert!(
        card.contains("<a href=\"https://example.com/guide\">the guide</a>"),
        "{card}"
    );
    assert!(card.contains("<li>one</li>"), "{card}");
    // Raw HTML is shown as text, script links keep only their words.
    assert!(card.contains("&lt;script&gt;"), "{card}");
    assert!(!card.contains("<script"), "{card}");
    assert!(!card.contains("<img"), "{card}");
    assert!(!card.to_ascii_lowercase().contains("javascript"), "{card}");
    assert!(card.contains("click"), "{card}");
}

#[tokio::test]
async fn a_text_cards_markdown_is_rendered_on_the_dashboard_and_share_pages_and_hostile_html_is_inert(
) {
    let app = spawn_app().await;
    let board = board_with_card(&app).await;
    let page = app.dashboard_html(&format!("/dashboards/{board}")).await;
    assert_rendered_and_inert(&page);

    let r = app
        .client
        .post(format!("{}/api/v1/shares", app.address))
        .json(&json!({ "dashboardId": board }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let url = r.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = &url[url.find("/s/").unwrap()..];
    let widget = app
        .anon
        .get(format!("{}{path}/widgets/notes", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(widget.status(), 200, "{path}");
    assert_rendered_and_inert(&widget.text().await.unwrap());
}

#[tokio::test]
async fn a_text_cards_markdown_is_words_in_the_dashboards_pdf() {
    let app = spawn_app().await;
    let board = board_with_card(&app).await;
    let r = app
        .get(&format!("/api/v1/dashboards/{board}/export?format=pdf"))
        .await;
    assert_eq!(r.status(), 200);
    let text = pdf_pages(&r.bytes().await.unwrap()).join("\n");
    assert!(text.contains("Notes"), "{text}");
    assert!(!text.contains("##") && !text.contains("**"), "{text}");
    assert!(text.contains("Figures are net of returns"), "{text}");
    // Raw HTML shows as its characters, and did nothing.
    assert!(text.contains("<script>alert('s')</script>"), "{text}");
}
