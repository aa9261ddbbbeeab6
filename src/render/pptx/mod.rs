//! A report or dashboard as a PowerPoint deck (16:9): a title slide (name, description,
//! parameters, when, the narrative, the logo), key-figure slides (cards with the change), a
//! slide per chart as a **native chart** with its data in an embedded workbook (a picture for
//! the kinds PowerPoint has no chart for: heatmap, candlestick, waterfall), tables and pivot
//! tables as native tables split across slides with the header repeated, text blocks. The brand
//! colour is the theme's first accent.
//!
//! Written with the `zip` crate as OOXML parts (`parts`, `xml`, `chart`). The slides are
//! planned first (cheap: references into the output), then each is written into the archive
//! and dropped, so memory does not grow with the slide count beyond the file itself.

mod chart;
mod parts;
mod pictures;
mod slides;
mod template;
mod xml;

use super::RenderError;
use crate::config::BrandingConfig;
use crate::report::run::{ChartOut, Item, Kpi, Output, TableOut};
use parts::{SLIDE_H, SLIDE_W};
use std::borrow::Cow;
use std::io::{Cursor, Write};
use xml::{Rect, Slide};

/// One inch in EMU.
const IN: i64 = 914_400;
const MARGIN: i64 = IN / 2;
/// Body rows of a table slide (the header is repeated above them).
const TABLE_ROWS: usize = 14;
/// Most table rows a deck holds (30 slides); the rest is said, and is in XLSX and CSV.
const MAX_TABLE_ROWS: usize = 420;
/// Most columns a table slide shows.
const MAX_COLUMNS: usize = 10;
/// Key-figure cards a slide holds (3 × 2).
const KPIS_PER_SLIDE: usize = 6;

/// The theme's typeface (PowerPoint has it; LibreOffice draws it with a metric twin).
const FONT: &str = "Calibri";
const DARK: &str = "1D2329";
const GREY: &str = "5B6670";

/// What a slide shows.
enum Plan<'a> {
    Title,
    Kpis(Vec<&'a Kpi>),
    Chart(&'a ChartOut),
    Table {
        table: std::rc::Rc<Cow<'a, TableOut>>,
        from: usize,
        part: usize,
        parts: usize,
    },
    Text(&'a str),
}

/// The deck of `out`.
pub fn render(out: &Output, branding: &BrandingConfig) -> Result<Vec<u8>, RenderError> {
    let failed = |e: String| RenderError::Failed(format!("PowerPoint: {e}"));
    Deck::new(out, branding).write().map_err(failed)
}

struct Deck<'a> {
    out: &'a Output,
    /// The installation's name (`[branding] name`), above the title.
    brand: String,
    accent: String,
    logo: Option<(Vec<u8>, &'static str)>,
    /// `[branding] pptx_template`.
    template: Option<std::path::PathBuf>,
    plan: Vec<Plan<'a>>,
}

fn plan(out: &Output) -> Vec<Plan<'_>> {
    let mut plan = vec![Plan::Title];
    let mut kpis: Vec<&Kpi> = Vec::new();
    for item in out.sections.iter().flat_map(|s| s.items.iter()) {
        // Consecutive key figures share slides.
        if let Item::Kpi(k) = item {
            kpis.push(k);
            continue;
        }
        flush_into(&mut kpis, &mut plan);
        match item {
            Item::Chart(c) => plan.push(Plan::Chart(c)),
            Item::Table(t) => tables(Cow::Borrowed(t), &mut plan),
            Item::Pivot(p) => tables(Cow::Owned(p.as_table()), &mut plan),
            Item::Text(t) if !t.text.trim().is_empty() => plan.push(Plan::Text(&t.text)),
            _ => {}
        }
    }
    flush_into(&mut kpis, &mut plan);
    plan
}

fn flush_into<'a>(kpis: &mut Vec<&'a Kpi>, plan: &mut Vec<Plan<'a>>) {
    for chunk in kpis.chunks(KPIS_PER_SLIDE) {
        plan.push(Plan::Kpis(chunk.to_vec()));
    }
    kpis.clear();
}

fn tables<'a>(t: Cow<'a, TableOut>, plan: &mut Vec<Plan<'a>>) {
    let rows = t.rows.len().min(MAX_TABLE_ROWS);
    let parts = rows.div_ceil(TABLE_ROWS).max(1);
    let table = std::rc::Rc::new(t);
    for part in 0..parts {
        plan.push(Plan::Table {
            table: table.clone(),
            from: part * TABLE_ROWS,
            part: part + 1,
            parts,
        });
    }
}

impl<'a> Deck<'a> {
    fn new(out: &'a Output, branding: &BrandingConfig) -> Deck<'a> {
        Deck {
            out,
            brand: branding.name.clone(),
            accent: branding.color.trim_start_matches('#').to_uppercase(),
            logo: branding.read_logo().ok().flatten(),
            template: branding.pptx_template.clone(),
            plan: plan(out),
        }
    }

    fn native(c: &ChartOut) -> bool {
        c.data.as_ref().is_some_and(|d| {
            chart::is_native(d.kind) && !d.categories.is_empty() && !d.series.is_empty()
        })
    }

    fn write(&self) -> Result<Vec<u8>, String> {
        let slides = self.plan.len();
        let charts = self
            .plan
            .iter()
            .filter(|p| matches!(p, Plan::Chart(c) if Self::native(c)))
            .count();
        let template = match &self.template {
            Some(path) => {
                Some(template::read(path).map_err(|e| format!("[branding] pptx_template: {e}"))?)
            }
            None => None,
        };
        let mut zip = Archive::new();
        let counts = parts::Counts { slides, charts };
        zip.put(
            "[Content_Types].xml",
            parts::content_types(&counts, template.as_ref()),
        )?;
        zip.put("_rels/.rels", parts::root_rels())?;
        let created = self
            .out
            .generated_at
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        zip.put("docProps/core.xml", parts::core(&self.out.name, &created))?;
        zip.put("docProps/app.xml", parts::app(slides))?;
        zip.put("ppt/presProps.xml", parts::pres_props())?;
        zip.put("ppt/viewProps.xml", parts::view_props())?;
        zip.put("ppt/tableStyles.xml", parts::table_styles())?;
        let (master, master_id, theme, layout) = match template {
            // The company's master, as it is.
            Some(t) => {
                for (name, bytes) in &t.parts {
                    zip.put_bytes(name, bytes)?;
                }
                (t.master, t.master_id, t.theme, t.layout)
            }
            None => {
                zip.put("ppt/slideMasters/slideMaster1.xml", parts::master())?;
                zip.put(
                    "ppt/slideMasters/_rels/slideMaster1.xml.rels",
                    parts::master_rels(),
                )?;
                zip.put("ppt/slideLayouts/slideLayout1.xml", parts::layout())?;
                zip.put(
                    "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
                    parts::layout_rels(),
                )?;
                zip.put("ppt/theme/theme1.xml", parts::theme(&self.accent, FONT))?;
                (
                    "ppt/slideMasters/slideMaster1.xml".to_string(),
                    "2147483648".to_string(),
                    "ppt/theme/theme1.xml".to_string(),
                    "ppt/slideLayouts/slideLayout1.xml".to_string(),
                )
            }
        };
        zip.put(
            "ppt/presentation.xml",
            parts::presentation(slides, &master_id),
        )?;
        zip.put(
            "ppt/_rels/presentation.xml.rels",
            parts::presentation_rels(slides, &master, &theme),
        )?;
        for (i, p) in self.plan.iter().enumerate() {
            super::cancel::check().map_err(|e| e.to_string())?;
            let n = i + 1;
            let mut slide = Slide::new(&layout);
            match p {
                Plan::Title => self.title_slide(&mut slide, &mut zip)?,
                Plan::Kpis(k) => self.kpi_slide(&mut slide, k),
                Plan::Chart(c) => self.chart_slide(&mut slide, &mut zip, c)?,
                Plan::Table {
                    table,
                    from,
                    part,
                    parts,
                } => self.table_slide(&mut slide, table, *from, (*part, *parts)),
                Plan::Text(t) => self.text_slide(&mut slide, t),
            }
            if !matches!(p, Plan::Title) {
                self.footer(&mut slide, n, slides);
            }
            let (xml, rels) = slide.finish();
            zip.put(&format!("ppt/slides/slide{n}.xml"), xml)?;
            zip.put(&format!("ppt/slides/_rels/slide{n}.xml.rels"), rels)?;
        }
        zip.finish()
    }

    /// A chart's slide: native (its part, its workbook) or a picture of it.
    fn chart_slide(
        &self,
        slide: &mut Slide,
        zip: &mut Archive,
        c: &ChartOut,
    ) -> Result<(), String> {
        self.heading(slide, &c.title, None);
        let area = Rect(
            MARGIN,
            IN * 13 / 10,
            SLIDE_W - 2 * MARGIN,
            SLIDE_H - IN * 13 / 10 - IN * 7 / 10,
        );
        match c.data.as_ref().filter(|_| Self::native(c)) {
            Some(data) => {
                zip.charts += 1;
                let n = zip.charts;
                let whole = data
                    .series
                    .iter()
                    .flat_map(|s| s.1.iter().flatten())
                    .all(|v| v.fract() == 0.0);
                let code = super::xlsx::number_code(data.format, whole);
                zip.put(
                    &format!("ppt/charts/chart{n}.xml"),
                    chart::chart_xml(data, &self.accent, &code),
                )?;
                let book = chart::workbook(data).map_err(|e| e.to_string())?;
                let embedded = format!("Quire_Chart_Data{n}.xlsx");
                zip.put_bytes(&format!("ppt/embeddings/{embedded}"), &book)?;
                let rels = parts::rels(&[(
                    "rId1".into(),
                    "package",
                    format!("../embeddings/{embedded}"),
                )]);
                zip.put(&format!("ppt/charts/_rels/chart{n}.xml.rels"), rels)?;
                slide.chart(area, n, &c.title);
            }
            None => {
                let png = super::png::from_svg(&c.svg)?;
                let file = zip.picture(&png, "png")?;
                slide.picture(pictures::fit(&png, area).unwrap_or(area), &file, &c.title);
            }
        }
        Ok(())
    }
}

/// The archive being written, and how many charts and pictures it holds so far.
struct Archive {
    zip: zip::ZipWriter<Cursor<Vec<u8>>>,
    options: zip::write::SimpleFileOptions,
    charts: usize,
    pictures: usize,
}

impl Archive {
    fn new() -> Archive {
        Archive {
            zip: zip::ZipWriter::new(Cursor::new(Vec::new())),
            options: zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(6)),
            charts: 0,
            pictures: 0,
        }
    }

    fn put_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        self.zip
            .start_file(name, self.options)
            .map_err(|e| e.to_string())?;
        self.zip.write_all(bytes).map_err(|e| e.to_string())
    }

    fn put(&mut self, name: &str, text: String) -> Result<(), String> {
        self.put_bytes(name, text.as_bytes())
    }

    /// Adds a picture to `ppt/media`; its file name.
    fn picture(&mut self, bytes: &[u8], extension: &str) -> Result<String, String> {
        self.pictures += 1;
        // Named apart from a template's own pictures.
        let file = format!("quire-image{}.{extension}", self.pictures);
        self.put_bytes(&format!("ppt/media/{file}"), bytes)?;
        Ok(file)
    }

    fn finish(self) -> Result<Vec<u8>, String> {
        Ok(self.zip.finish().map_err(|e| e.to_string())?.into_inner())
    }
}
