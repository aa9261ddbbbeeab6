//! Marks: each bar, slice or point of a chart is an SVG `<a class="mark">` holding a `<title>`
//! (its label and exact value, shown on hover by browsers, read by screen readers) and its
//! shapes. `data-key` holds the category it stands for, so a page can make it a link
//! ([`link_marks`]); without `href` an `<a>` is a plain group (typst and resvg draw it as one).
//!
//! Plotters has no groups, so a mark is bracketed by two invisible marker texts while drawing and
//! the SVG is rewritten once drawn ([`finish`]).

use super::{err, Drawn, Pen, FONT};
use crate::model::text::{escape_html, unescape_html};
use plotters::prelude::*;

/// A marker's text: the start of mark N (`OPEN` then N) or the end of the open mark.
const OPEN: char = '\u{E000}';
const CLOSE: &str = "\u{E001}";
/// The first character of a text to be turned ([`Pen::turned_text`]).
const TURN: char = '\u{E002}';
/// How far turned category labels are turned, anticlockwise, in degrees.
pub(super) const TURN_DEGREES: f64 = 35.0;

/// What a mark says: the category it stands for (None: not one to drill into) and its title.
pub(super) struct Mark {
    pub key: Option<String>,
    pub title: String,
    /// Drawn invisible, only to be hovered and clicked (`data-hit`; pages show it on hover).
    pub hit: bool,
}

impl Pen<'_, '_> {
    /// Draws `draw` as one mark with `title` (hover text), standing for category `key`.
    pub(super) fn mark(
        &self,
        key: Option<&str>,
        title: &str,
        draw: impl FnOnce() -> Drawn,
    ) -> Drawn {
        self.mark_as(key, title, false, draw)
    }

    /// Draws `draw` as one mark that is an invisible target (see `Mark::hit`).
    pub(super) fn hit_mark(
        &self,
        key: Option<&str>,
        title: &str,
        draw: impl FnOnce() -> Drawn,
    ) -> Drawn {
        self.mark_as(key, title, true, draw)
    }

    fn mark_as(
        &self,
        key: Option<&str>,
        title: &str,
        hit: bool,
        draw: impl FnOnce() -> Drawn,
    ) -> Drawn {
        let n = {
            let mut marks = self.marks.borrow_mut();
            marks.push(Mark {
                key: key.map(super::clean),
                title: super::clean(title),
                hit,
            });
            marks.len() - 1
        };
        self.marker(&format!("{OPEN}{n}"))?;
        draw()?;
        self.marker(CLOSE)
    }

    /// `s` turned by [`TURN_DEGREES`] about `at`, where it ends (a category label hanging
    /// from its tick). Plotters turns text only by quarter turns: the SVG's text is given its
    /// `transform` by [`finish`].
    pub(super) fn turned_text(&self, s: &str, at: (i32, i32), px: f64, colour: RGBColor) -> Drawn {
        use plotters::style::text_anchor::{HPos, VPos};
        self.text(
            &format!("{TURN}{s}"),
            at,
            px,
            colour,
            HPos::Right,
            VPos::Center,
        )
    }

    fn marker(&self, s: &str) -> Drawn {
        let style = TextStyle::from((FONT, 10.0).into_font()).color(&BLACK);
        self.area.draw(&Text::new(s, (0, 0), style)).map_err(err)
    }
}

/// The SVG as Plotters wrote it (one element per line, a text's content on its own line) with
/// each pair of marker texts turned into the mark's `<a>` and its `</a>`.
/// A mark also carries its title as `data-tip`, for `static/tooltip.js` (a styled tooltip on
/// hover and on tap: phones never show a `<title>`); a turned text gets its `transform`.
pub(super) fn finish(svg: &str, marks: &[Mark]) -> String {
    if marks.is_empty() && !svg.contains(TURN) {
        return svg.to_string();
    }
    let lines: Vec<&str> = svg.lines().collect();
    let mut out = String::with_capacity(svg.len() + marks.len() * 80);
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with("<text") && lines.get(i + 2) == Some(&"</text>") {
            let content = lines[i + 1];
            if let Some(text) = content.strip_prefix(TURN) {
                out.push_str(&turned(lines[i]));
                out.push('\n');
                out.push_str(text);
                out.push_str("\n</text>\n");
                i += 3;
                continue;
            }
            if let Some(m) = content
                .strip_prefix(OPEN)
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| marks.get(n))
            {
                out.push_str("<a class=\"mark\"");
                if let Some(k) = &m.key {
                    out.push_str(&format!(" data-key=\"{}\"", escape_html(k)));
                }
                if m.hit {
                    out.push_str(" data-hit=\"\"");
                }
                let title = escape_html(&m.title);
                out.push_str(&format!(" data-tip=\"{title}\"><title>{title}</title>\n"));
                i += 3;
                continue;
            }
            if content == CLOSE {
                out.push_str("</a>\n");
                i += 3;
                continue;
            }
        }
        out.push_str(lines[i]);
        out.push('\n');
        i += 1;
    }
    out
}

/// A `<text ...>` opening tag turned by [`TURN_DEGREES`] about its own `x`, `y`.
fn turned(tag: &str) -> String {
    let attr = |name: &str| {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = tag[at..].find('"')?;
        tag[at..at + end].parse::<f64>().ok()
    };
    match (attr("x"), attr("y")) {
        (Some(x), Some(y)) => format!(
            "<text transform=\"rotate(-{TURN_DEGREES} {x} {y})\"{}",
            &tag["<text".len()..]
        ),
        _ => tag.to_string(),
    }
}

/// `svg` with each mark that stands for a category made a link to `href(category)` (none where
/// it answers None).
pub fn link_marks(svg: &str, href: impl Fn(&str) -> Option<String>) -> String {
    const AT: &str = "<a class=\"mark\" data-key=\"";
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut rest = svg;
    while let Some(i) = rest.find(AT) {
        let after = &rest[i + AT.len()..];
        let Some(end) = after.find('"') else { break };
        out.push_str(&rest[..i + AT.len() + end + 1]);
        if let Some(h) = href(&unescape_html(&after[..end])) {
            out.push_str(&format!(" href=\"{}\"", escape_html(&h)));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// `svg` without its invisible targets (`Mark::hit`): a document has nothing to hover or click,
/// and each target would cost it a transparency group.
pub fn without_hits(svg: &str) -> String {
    if !svg.contains(" data-hit=\"\"") {
        return svg.to_string();
    }
    let mut out = String::with_capacity(svg.len());
    let mut skipping = false;
    for line in svg.lines() {
        if skipping {
            skipping = line != "</a>";
            continue;
        }
        if line.starts_with("<a class=\"mark\"") && line.contains(" data-hit=\"\"") {
            skipping = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The title of a category's value: `East: $1,234.50`.
pub(super) fn title(label: &str, v: f64, fmt: Option<crate::model::report::ValueFormat>) -> String {
    format!("{label}: {}", super::format::value(v, fmt))
}
