//! Charts drawn with Plotters as SVG strings. The same SVG goes into the page, the PDF and (as a
//! PNG) the email. This file holds the theme and what every chart shares: the frame, scales, nice
//! ticks, axes, legends and label fitting; one file per family of charts draws on top of it,
//! and reads its rows from a query's result (`mapping.rs`) into its numbers (`data.rs`).

mod ahead;
mod axis;
mod bar;
mod candlestick;
mod combo;
mod data;
mod heatmap;
mod legend;
mod line;
mod mapping;
mod mark;
mod pie;
mod scatter;

pub use bar::{bar, bars_from, combo_from, hbar, stacked_bar, stacked_bar_from, waterfall};
pub use candlestick::{candlestick, candlestick_from, Candle};
pub use data::{category_label, is_blank, names_blank, Categories, Chart, ChartData, BLANK};
pub use heatmap::{heatmap, heatmap_from};
pub use line::{line, lines, lines_axes_from, lines_from};
pub use mapping::Built;
pub(crate) use mapping::{cell, column};
pub use mark::{link_marks, without_hits};
pub use pie::{donut, pie_from};
pub use scatter::{histogram, histogram_from, scatter, scatter_from};

use super::format;
use crate::model::report::ValueFormat;
use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pixel size of a chart as documents (PDF, email, XLSX, downloads) and wide pages get it; the
/// SVG scales through its viewBox.
pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 340;
/// The narrowest a chart is drawn ([`at_width`]): a phone's card.
pub const MIN_WIDTH: u32 = 320;
/// The width a page that cannot ask its screen draws a chart for phones (a 390 px screen's
/// card), beside the standard one.
pub const PHONE_WIDTH: u32 = 340;

thread_local! {
    /// The canvas charts are drawn on in this thread: `(WIDTH, HEIGHT)` unless inside [`at_width`].
    static CANVAS: std::cell::Cell<(u32, u32)> = const { std::cell::Cell::new((WIDTH, HEIGHT)) };
}

/// Runs `f` with every chart drawn for a space `width` CSS px wide (clamped to
/// `MIN_WIDTH..=WIDTH`; None: the standard size), so that a page showing it at that width shows
/// its text at the theme's sizes instead of scaled down (a 900 px chart in a phone's 340 px
/// card has 4 px text). Axes take fewer ticks and labels are cut to the room there is; the
/// height follows (`0.75 × width`, between 260 and `HEIGHT`).
pub fn at_width<T>(width: Option<u32>, f: impl FnOnce() -> T) -> T {
    struct Restore((u32, u32));
    impl Drop for Restore {
        fn drop(&mut self) {
            CANVAS.set(self.0);
        }
    }
    let size = match width {
        None => (WIDTH, HEIGHT),
        Some(w) => {
            let w = w.clamp(MIN_WIDTH, WIDTH);
            (w, (w * 3 / 4).clamp(260, HEIGHT))
        }
    };
    let _restore = Restore(CANVAS.replace(size));
    f()
}

/// The width of the canvas charts are drawn on now (see [`at_width`]).
fn width() -> u32 {
    CANVAS.get().0
}

/// The height of the canvas charts are drawn on now.
fn height() -> u32 {
    CANVAS.get().1
}
/// The font named in the SVG text; embedded in the PDF and served to browsers.
pub const FONT: &str = "DejaVu Sans";

/// Okabe–Ito: a palette readable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(90, 90, 90),
];

/// Text of tick labels, legends and value labels.
const INK: RGBColor = RGBColor(60, 60, 60);
/// Notes, axis titles and the empty state.
const MUTED: RGBColor = RGBColor(115, 115, 115);
const GRID: RGBColor = RGBColor(228, 228, 228);
const AXIS: RGBColor = RGBColor(160, 160, 160);
/// Rising and falling (candles, waterfall steps): Okabe–Ito bluish green and vermillion.
const UP: RGBColor = PALETTE[2];
const DOWN: RGBColor = PALETTE[5];
/// The colour shared by series past the seventh.
const OTHER: RGBColor = PALETTE[7];
/// Font sizes in px.
const LABEL_PX: f64 = 12.0;
const NOTE_PX: f64 = 11.0;
/// A category label never takes more than this, whatever the room.
const MAX_LABEL: f64 = 150.0;

type Result = std::result::Result<String, String>;
type Drawn = std::result::Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("chart drawing failed: {e}")
}

/// The explicit empty state.
pub fn no_data() -> String {
    render(|pen| {
        pen.text(
            "No data",
            ((width() / 2) as i32, (height() / 2) as i32),
            18.0,
            MUTED,
            HPos::Center,
            VPos::Center,
        )
    })
    .unwrap_or_default()
}

/// Draws on a blank canvas of the chart size and returns the SVG.
fn render(draw: impl FnOnce(&Pen) -> Drawn) -> Result {
    render_sized((width(), height()), draw)
}

/// Draws on a blank canvas of `size` (a chart that needs more height than others, such as a
/// donut with its legend under it) and returns the SVG.
fn render_sized(size: (u32, u32), draw: impl FnOnce(&Pen) -> Drawn) -> Result {
    let mut svg = String::new();
    let marks = std::cell::RefCell::new(Vec::new());
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&Pen {
            area: &root,
            marks: &marks,
        })?;
        root.present().map_err(err)?;
    }
    Ok(mark::finish(&svg, &marks.into_inner()))
}

/// Drawing in pixels, with the theme's font.
struct Pen<'p, 'a> {
    area: &'p DrawingArea<SVGBackend<'a>, Shift>,
    /// The marks drawn so far (see `mark.rs`).
    marks: &'p std::cell::RefCell<Vec<mark::Mark>>,
}

impl Pen<'_, '_> {
    /// A rectangle between two corners, in any order.
    fn rect(&self, a: (i32, i32), b: (i32, i32), style: ShapeStyle) -> Drawn {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], style))
            .map_err(err)
    }

    fn path(&self, points: Vec<(i32, i32)>, style: ShapeStyle) -> Drawn {
        self.area
            .draw(&PathElement::new(points, style))
            .map_err(err)
    }

    /// A line of 6 px dashes 4 px apart.
    fn dashed(&self, points: Vec<(i32, i32)>, style: ShapeStyle) -> Drawn {
        self.area
            .draw(&plotters::element::DashedPathElement::new(
                points, 6, 4, style,
            ))
            .map_err(err)
    }

    fn polygon(&self, points: Vec<(i32, i32)>, style: ShapeStyle) -> Drawn {
        self.area.draw(&Polygon::new(points, style)).map_err(err)
    }

    fn circle(&self, at: (i32, i32), radius: i32, style: ShapeStyle) -> Drawn {
        self.area.draw(&Circle::new(at, radius, style)).map_err(err)
    }

    /// Text of `px` pixels; control characters (invalid in XML) become spaces.
    fn text(&self, s: &str, at: (i32, i32), px: f64, colour: RGBColor, h: HPos, v: VPos) -> Drawn {
        // Plotters writes font-size as size / 1.24.
        let style = TextStyle::from((FONT, px * 1.24).into_font())
            .color(&colour)
            .pos(Pos::new(h, v));
        self.area.draw(&Text::new(clean(s), at, style)).map_err(err)
    }
}

/// A label as drawn: characters XML cannot hold become spaces.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The name of a category or series as shown; a blank one is named so.
/// Category labels that are all first days of months (`2025-01-01`: a builder's month,
/// quarter or year bucket) said as people say them: `Jan 2025`, or `2025` when every one is a
/// year's first day. Other labels stay as they are; a mark keeps its raw value for drilling.
fn period_labels(labels: &mut [String]) {
    let dates: Option<Vec<chrono::NaiveDate>> = labels
        .iter()
        .map(|l| {
            (l.len() == 10)
                .then(|| chrono::NaiveDate::parse_from_str(l, "%Y-%m-%d").ok())
                .flatten()
        })
        .collect();
    use chrono::Datelike;
    let Some(dates) = dates.filter(|d| !d.is_empty() && d.iter().all(|d| d.day() == 1)) else {
        return;
    };
    let years = dates.len() > 1 && dates.iter().all(|d| d.month() == 1);
    for (l, d) in labels.iter_mut().zip(&dates) {
        *l = d.format(if years { "%Y" } else { "%b %Y" }).to_string();
    }
}

fn shown(s: &str) -> String {
    let s = clean(s);
    if s.trim().is_empty() {
        "(blank)".into()
    } else {
        s.trim().to_string()
    }
}

/// DejaVu Sans advance widths of ASCII 32..=126, in thousandths of an em.
const ASCII_EM: [u16; 95] = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
    575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
    611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];

/// The width of one character in em: DejaVu's for ASCII, full width for CJK, about 0.66 otherwise.
fn char_em(c: char) -> f64 {
    match c as u32 {
        n @ 32..=126 => ASCII_EM[(n - 32) as usize] as f64 / 1000.0,
        0x0300..=0x036F | 0x200B..=0x200F => 0.0,
        0x1100..=0x115F
        | 0x2026
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD => 1.0,
        _ => 0.66,
    }
}

/// About how wide `s` is at `px` pixels (SVG text cannot be measured before a browser draws it).
fn text_width(s: &str, px: f64) -> f64 {
    s.chars().map(char_em).sum::<f64>() * px
}

/// `s` cut to fit `room` pixels at `px`, with an ellipsis when cut.
fn fit(s: &str, room: f64, px: f64) -> String {
    let s = clean(s);
    if text_width(&s, px) <= room {
        return s;
    }
    let mut out = String::new();
    let mut width = char_em('…') * px;
    for c in s.chars() {
        width += char_em(c) * px;
        if width > room {
            break;
        }
        out.push(c);
    }
    if out.trim().is_empty() {
        "…".into()
    } else {
        format!("{}…", out.trim_end())
    }
}

/// `s` cut to fit `room` pixels at `px` with an ellipsis in the middle, keeping its end (where
/// names that share a long prefix differ).
fn fit_middle(s: &str, room: f64, px: f64) -> String {
    let s = clean(s);
    if text_width(&s, px) <= room {
        return s;
    }
    let budget = room - char_em('…') * px;
    let chars: Vec<char> = s.chars().collect();
    let (mut tail, mut tail_w) = (0, 0.0);
    while tail < chars.len() {
        let w = char_em(chars[chars.len() - 1 - tail]) * px;
        if tail_w + w > budget * 0.4 {
            break;
        }
        tail_w += w;
        tail += 1;
    }
    let (mut head, mut head_w) = (0, 0.0);
    while head < chars.len() - tail {
        let w = char_em(chars[head]) * px;
        if head_w + w + tail_w > budget {
            break;
        }
        head_w += w;
        head += 1;
    }
    let head: String = chars[..head].iter().collect();
    let tail: String = chars[chars.len() - tail..].iter().collect();
    format!("{}…{}", head.trim_end(), tail.trim_start())
}

/// Each label fitted to `room`; labels that would then read the same (a long shared prefix)
/// are cut in the middle instead, keeping the ends that tell them apart.
fn fit_all<'a>(labels: impl Iterator<Item = &'a str>, room: f64, px: f64) -> Vec<String> {
    let labels: Vec<&str> = labels.collect();
    let fitted: Vec<String> = labels.iter().map(|l| fit(l, room, px)).collect();
    let mut seen = std::collections::HashMap::new();
    for f in &fitted {
        *seen.entry(f.as_str()).or_insert(0) += 1;
    }
    fitted
        .iter()
        .zip(&labels)
        .map(|(f, l)| {
            if seen[f.as_str()] > 1 && f.ends_with('…') {
                fit_middle(l, room, px)
            } else {
                f.clone()
            }
        })
        .collect()
}

/// Finite values only: NULLs (`None`) and NaN are skipped, never drawn as 0.
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    #[test]
    fn month_and_year_buckets_are_said_as_people_say_them() {
        let mut months = vec![
            "2025-01-01".to_string(),
            "2025-02-01".into(),
            "2026-11-01".into(),
        ];
        period_labels(&mut months);
        assert_eq!(months, ["Jan 2025", "Feb 2025", "Nov 2026"]);
        let mut years = vec!["2024-01-01".to_string(), "2025-01-01".into()];
        period_labels(&mut years);
        assert_eq!(years, ["2024", "2025"]);
        for kept in [
            vec!["2025-01-01".to_string(), "2025-01-02".into()],
            vec!["2025-01-01".to_string(), "North".into()],
            vec!["(blank)".to_string()],
        ] {
            let mut l = kept.clone();
            period_labels(&mut l);
            assert_eq!(l, kept);
        }
    }

    use super::*;

    #[test]
    fn labels_are_fitted_with_an_ellipsis() {
        assert_eq!(fit("abc", 100.0, 12.0), "abc");
        let cut = fit(LONG, 100.0, 12.0);
        assert!(
            cut.ends_with('…') && text_width(&cut, 12.0) <= 100.0,
            "{cut}"
        );
        let middle = fit_middle("Region with a long shared prefix 17", 120.0, 12.0);
        assert!(middle.contains('…') && middle.ends_with("17"), "{middle}");
    }

    use std::collections::BTreeMap;

    /// A label longer than any chart has room for.
    pub(super) const LONG: &str =
        "A very long label that keeps going well past any room a chart could ever give it";
    /// Greek, Cyrillic, CJK and accented Latin.
    pub(super) const WORLD: [&str; 4] = ["Ελληνικά", "Кириллица", "漢字かな", "Café Zürich"];

    /// Every text of the SVG, parsed by a real XML parser (which panics the test if invalid).
    pub(super) fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("invalid SVG: {e}\n{}", &svg[..svg.len().min(3000)]));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        doc.descendants()
            .filter(|n| n.tag_name().name() == "text")
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    }

    /// Whether some text of the SVG is exactly `s`.
    pub(super) fn has_text(svg: &str, s: &str) -> bool {
        texts(svg).iter().any(|t| t == s)
    }

    /// The attributes of each `tag` element whose `attr` is `value`.
    pub(super) fn elements(
        svg: &str,
        tag: &str,
        attr: &str,
        value: &str,
    ) -> Vec<BTreeMap<String, String>> {
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        doc.descendants()
            .filter(|n| n.tag_name().name() == tag && n.attribute(attr) == Some(value))
            .map(|n| {
                n.attributes()
                    .map(|a| (a.name().to_string(), a.value().to_string()))
                    .collect()
            })
            .collect()
    }

    /// A colour as the SVG writes it.
    pub(super) fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn characters_xml_cannot_hold_are_drawn_as_spaces() {
        assert_eq!(clean("a\u{0}b\u{1b}c\u{FFFF}"), "a b c ");
        assert_eq!(shown("  \t"), "(blank)");
    }

    #[test]
    fn the_empty_state_says_no_data() {
        assert_eq!(texts(&no_data()), ["No data"]);
    }

    #[test]
    fn every_chart_survives_hostile_values_and_labels() {
        hostile_charts();
    }

    #[test]
    fn every_chart_drawn_at_the_narrowest_width_survives_them_too_on_a_canvas_that_wide() {
        at_width(Some(1), || {
            assert_eq!(width(), MIN_WIDTH);
            hostile_charts();
        });
        assert_eq!(
            (width(), height()),
            (WIDTH, HEIGHT),
            "the standard size is back"
        );
        let svg = at_width(Some(360), || bar(&[("a".to_string(), 1.0)], None, true)).unwrap();
        assert!(svg.contains("viewBox=\"0 0 360 270\""), "{}", &svg[..200]);
    }

    fn hostile_charts() {
        let labels = ["", "\u{0}\u{7}<&>\"'", "\u{FFFF}", LONG, "漢字"];
        let values = [
            Some(f64::MAX),
            Some(-f64::MAX),
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(f64::MIN_POSITIVE),
            Some(0.0),
            None,
        ];
        let date = |i: usize| NaiveDate::MIN + chrono::Days::new(i as u64 * 1_000_000);
        let mut cat = Vec::new();
        let mut triples = Vec::new();
        let mut dated = Vec::new();
        let mut candles = Vec::new();
        for (i, l) in labels.iter().enumerate() {
            for (k, v) in values.iter().enumerate() {
                cat.push((l.to_string(), *v));
                triples.push((l.to_string(), labels[k % labels.len()].to_string(), *v));
                dated.push((l.to_string(), date(i * 7 + k), *v));
                candles.push(Candle {
                    date: date(i * 7 + k),
                    open: *v,
                    high: values[(k + 1) % values.len()],
                    low: values[(k + 2) % values.len()],
                    close: values[(k + 3) % values.len()],
                });
            }
        }
        let points: Vec<(String, Option<f64>, Option<f64>)> = triples
            .iter()
            .map(|(a, _, v)| (a.clone(), *v, v.map(|v| -v)))
            .collect();
        let all = [
            lines(&dated, None, false),
            lines(&dated, Some(ValueFormat::Percent), true),
            bar(&cat, Some(ValueFormat::Currency), true),
            hbar(&cat, None, true),
            stacked_bar(&triples, None),
            waterfall(&cat, None, true),
            donut(&cat, 0.0),
            donut(&cat, 0.55),
            scatter(&points, (labels[1], labels[3]), None),
            histogram(
                &cat.iter().map(|c| c.1).collect::<Vec<_>>(),
                labels[1],
                Some(0),
                None,
            ),
            heatmap(&triples, Some(ValueFormat::Integer)),
            candlestick(&candles, None),
        ];
        for svg in all {
            texts(&svg.expect("drawn"));
        }
    }
}
