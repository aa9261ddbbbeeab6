//! Text helpers shared by every layer.

/// Shortens labels that would overflow, with an ellipsis.
pub fn truncate(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Text made safe inside HTML or XML (SVG), in an element or a quoted attribute: `&`, `<`,
/// `>`, `"` and `'` as references. `'` is `&#39;` (as askama writes it), which HTML 4 e-mail
/// readers, HTML 5 and XML all read, where `&apos;` is not HTML 4.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The text `escape_html` was given back from what it made (`&apos;` read as well).
pub fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Refuses text with a control character (NUL, escape, DEL, C1, ...): `field: holds a control
/// character (U+0000)`. With `lines`, tab, line feed and carriage return are text (a
/// description); without, a name is one line.
pub fn no_control(field: &str, text: &str, lines: bool) -> Result<(), String> {
    let allowed = |c: char| lines && matches!(c, '\t' | '\n' | '\r');
    match text.chars().find(|&c| c.is_control() && !allowed(c)) {
        Some(c) => Err(format!(
            "{field}: holds a control character (U+{:04X}); use plain text",
            c as u32
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_naming_the_field_and_the_character() {
        assert_eq!(
            no_control("name", "a\u{0}b", true).unwrap_err(),
            "name: holds a control character (U+0000); use plain text"
        );
        assert!(no_control("name", "a\nb", false).is_err());
        assert!(no_control("name", "a\u{85}", true).is_err());
        assert!(no_control("description", "a\n\tb\r\n", true).is_ok());
        assert!(no_control("name", "Ventes été ✓", false).is_ok());
    }

    #[test]
    fn labels_are_truncated_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }

    #[test]
    fn html_escaping_covers_markup_and_both_quotes_and_comes_back() {
        let raw = r#"<a href="x?a=1&b='2'">Tom & Jerry's</a>"#;
        let escaped = escape_html(raw);
        assert_eq!(
            escaped,
            "&lt;a href=&quot;x?a=1&amp;b=&#39;2&#39;&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(unescape_html(&escaped), raw);
        assert_eq!(unescape_html("&amp;lt; &apos;"), "&lt; '");
        assert_eq!(escape_html("plain ü…"), "plain ü…");
    }
}
