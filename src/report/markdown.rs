//! The markdown of a dashboard's text card and of a report's text block, in one place for every
//! reader: HTML for pages (dashboard, report, share and embed pages), typst markup for PDFs,
//! plain text for spreadsheets. All three are made from the same pulldown-cmark events.
//!
//! Safe by construction: raw HTML in the source is shown as text (escaped), a link is kept only
//! when it goes to http(s), mailto or a relative address (`javascript:`, `data:`, ... keep their
//! text and lose the link), and images are shown as their alt text (a page never loads what a
//! card names). Headings, emphasis, lists, links, code, block quotes and tables.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn parser(source: &str) -> Parser<'_> {
    Parser::new_ext(
        source,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
}

/// Whether a link to `url` may be followed: http, https, mailto, or no scheme at all (a
/// relative address, `#anchor`, `/path`, `?query`).
pub fn safe_url(url: &str) -> bool {
    let Some(colon) = url.find(':') else {
        return true;
    };
    let head = &url[..colon];
    // A colon after a path, query or fragment starts no scheme: `/a:b`, `?t=10:30`.
    if head.contains(['/', '?', '#']) {
        return true;
    }
    // Anything else before the colon (spaces, control characters a browser would strip,
    // `java\tscript`) must spell one of the allowed schemes exactly.
    matches!(
        head.to_ascii_lowercase().as_str(),
        "http" | "https" | "mailto"
    )
}

/// The events of `source` made safe: raw HTML becomes text, unsafe links and every image
/// become their text alone.
fn safe_events(source: &str) -> impl Iterator<Item = Event<'_>> {
    // For each open link: whether it was kept (links do not nest, images may sit inside).
    let mut links: Vec<bool> = Vec::new();
    parser(source).filter_map(move |event| match event {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let keep = safe_url(dest_url);
            links.push(keep);
            keep.then_some(event)
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false).then_some(event),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    })
}

/// `source` as HTML, safe to place in a page as it is.
pub fn to_html(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 3 / 2 + 16);
    pulldown_cmark::html::push_html(&mut out, safe_events(source));
    out
}

/// `source` as plain text: the words without the markup (`## Notes` is `Notes`), one line a
/// paragraph, heading, list item or table row.
pub fn to_plain(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for event in safe_events(source) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::End(TagEnd::TableCell) => out.push_str("  "),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::CodeBlock,
            ) => {
                let trimmed = out.trim_end_matches([' ', '\n']).len();
                out.truncate(trimmed);
                out.push('\n');
            }
            _ => {}
        }
    }
    out.trim_end().to_string()
}

/// `s` as typst markup showing exactly these characters: every ASCII punctuation escaped, so
/// nothing in it is syntax (no `#` code, `*` strong, `=` heading, `//` comment, `1.` list).
fn escape_markup(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// `s` as a typst string literal.
fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn heading_size(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "13pt",
        HeadingLevel::H2 => "12pt",
        HeadingLevel::H3 => "11pt",
        _ => "10pt",
    }
}

/// `source` as typst markup for a PDF (evaluated by `templates/report.typ` in markup mode):
/// the same events as the page's HTML. Headings are bold lines, not typst headings, so a card's
/// `## Notes` never enters the document's contents or bookmarks.
pub fn to_typst(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 2 + 16);
    // Open lists: the next number of an ordered one, None for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut code: Option<String> = None;
    let mut in_head = false;
    for event in safe_events(source) {
        if let Some(buf) = code.as_mut() {
            match event {
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let text = code.take().unwrap_or_default();
                    out.push_str("#raw(block: true, ");
                    out.push_str(&string_literal(text.trim_end_matches('\n')));
                    out.push_str(")\n\n");
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Text(t) => escape_markup(&t, &mut out),
            Event::Code(t) => {
                out.push_str("#raw(");
                out.push_str(&string_literal(&t));
                out.push(')');
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push_str("#linebreak()"),
            Event::Rule => out.push_str("#line(length: 100%, stroke: 0.5pt + luma(180))\n\n"),
            Event::Start(tag) => match tag {
                Tag::Paragraph => {}
                Tag::Heading { level, .. } => {
                    out.push_str("#block(above: 8pt, below: 4pt, text(weight: \"bold\", size: ");
                    out.push_str(heading_size(level));
                    out.push_str(")[");
                }
                Tag::BlockQuote(_) => out.push_str("#quote(block: true)["),
                Tag::CodeBlock(_) => code = Some(String::new()),
                Tag::List(first) => {
                    if lists.is_empty() {
                        out.push_str("\n\n");
                    }
                    lists.push(first);
                }
                Tag::Item => {
                    out.push('\n');
                    out.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                    match lists.last_mut() {
                        Some(Some(n)) => {
                            out.push_str(&format!("{n}. "));
                            *n += 1;
                        }
                        _ => out.push_str("- "),
                    }
                }
                Tag::Emphasis => out.push_str("#emph["),
                Tag::Strong => out.push_str("#strong["),
                Tag::Strikethrough => out.push_str("#strike["),
                Tag::Link { dest_url, .. } => {
                    out.push_str("#link(");
                    out.push_str(&string_literal(&dest_url));
                    out.push_str(")[");
                }
                Tag::Table(aligns) => {
                    out.push_str(&format!(
                        "#table(columns: {}, stroke: 0.5pt + luma(200), inset: 4pt, ",
                        aligns.len().max(1)
                    ));
                }
                Tag::TableHead => in_head = true,
                Tag::TableCell => out.push_str(if in_head { "[#strong[" } else { "[" }),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => {
                    if lists.is_empty() {
                        out.push_str("\n\n");
                    } else {
                        out.push(' ');
                    }
                }
                TagEnd::Heading(_) => out.push_str("])\n\n"),
                TagEnd::BlockQuote(_) => out.push_str("]\n\n"),
                TagEnd::List(_) => {
                    lists.pop();
                    if lists.is_empty() {
                        out.push_str("\n\n");
                    }
                }
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link => {
                    out.push(']')
                }
                TagEnd::Table => out.push_str(")\n\n"),
                TagEnd::TableHead => in_head = false,
                TagEnd::TableCell => out.push_str(if in_head { "]], " } else { "], " }),
                _ => {}
            },
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_lists_emphasis_links_code_and_tables_render() {
        let html = to_html(
            "## Notes\n\n- one *two* **three**\n- [site](https://example.com) `x<y`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h2>Notes</h2>"), "{html}");
        assert!(
            html.contains("<li>one <em>two</em> <strong>three</strong></li>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://example.com\">site</a>"),
            "{html}"
        );
        assert!(html.contains("<code>x&lt;y</code>"), "{html}");
        assert!(
            html.contains("<table>") && html.contains("<td>2</td>"),
            "{html}"
        );
    }

    #[test]
    fn raw_html_scripts_handlers_and_script_links_come_out_inert() {
        let html = to_html(
            "<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> there\n\n[x](javascript:alert(1)) [y](JaVaScRiPt&#58;alert(1)) [z](<java\tscript:alert(1)>) ![i](https://example.com/a.png) [ok](/reports) [m](mailto:a@b.c)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(!html.to_ascii_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("script:"), "{html}");
        assert!(html.contains("<a href=\"/reports\">ok</a>"), "{html}");
        assert!(html.contains("<a href=\"mailto:a@b.c\">m</a>"), "{html}");
        // The links' words stay.
        assert!(html.contains(">x ") || html.contains("x "), "{html}");
    }

    #[test]
    fn only_http_mailto_and_relative_urls_are_safe() {
        for ok in [
            "https://a.b",
            "HTTP://a",
            "mailto:x@y",
            "/a:b",
            "rel/x",
            "#top",
            "?t=1:2",
            "x.html",
        ] {
            assert!(safe_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            " javascript:x",
            "data:text/html,x",
            "vbscript:x",
            "java\tscript:x",
            "\u{1}javascript:x",
            "file:///etc/passwd",
        ] {
            assert!(!safe_url(bad), "{bad:?}");
        }
    }

    #[test]
    fn plain_text_has_no_markup() {
        assert_eq!(
            to_plain("## Notes\n\nSome *good* news.\n\n- a\n- b"),
            "Notes\nSome good news.\n- a\n- b"
        );
    }

    #[test]
    fn typst_markup_escapes_everything_the_source_says() {
        let t = to_typst("## Notes #1\n\nCosts *up* 5% = $3 // not a comment #read(\"/etc/passwd\")\n\n1. first\n2. [link](https://x.y/\"a)\n\n<b>x</b>");
        assert!(
            t.starts_with(
                "#block(above: 8pt, below: 4pt, text(weight: \"bold\", size: 12pt)[Notes \\#1])"
            ),
            "{t}"
        );
        assert!(t.contains("Costs #emph[up] 5\\% \\= \\$3 \\/\\/ not a comment \\#read\\(\\\"\\/etc\\/passwd\\\"\\)"), "{t}");
        assert!(
            t.contains("\n1. first\n2. #link(\"https://x.y/%22a\")[link]")
                || t.contains("#link(\"https://x.y/\\\"a\")[link]"),
            "{t}"
        );
        assert!(t.contains("\\<b\\>x\\<\\/b\\>"), "{t}");
        // Every `#` the source wrote is escaped: only Quire's own calls remain.
        let calls: Vec<&str> = t
            .match_indices('#')
            .filter(|(i, _)| *i == 0 || t.as_bytes()[i - 1] != b'\\')
            .map(|(i, _)| &t[i..])
            .collect();
        assert!(
            calls
                .iter()
                .all(|c| ["#block(", "#emph[", "#link(", "#strong["]
                    .iter()
                    .any(|p| c.starts_with(p))),
            "{calls:?}"
        );
    }
}
