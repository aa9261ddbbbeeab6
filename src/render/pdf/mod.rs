//! PDF through typst compiled in-process, one part at a time.
//!
//! A report is cut into parts (`plan`): flowing sections, and long tables already split into
//! pages. Each part is a compile of its own whose working memory is dropped. The flowing
//! parts are laid out first, for their page counts and headings; then the cover, once the
//! contents' page numbers are known, and the "Page x of y" footers, laid over every page. So
//! no compile needs the page count (typst would lay everything out twice for it). Pages are
//! written to PDF in runs as they are laid out and the runs joined (`join`), so memory follows
//! one run and one part, not the whole document.

mod join;
mod plan;
mod world;

pub use world::{font_dirs, use_fonts, warm_up, FONT_FILES};

use super::RenderError;
use crate::config::BrandingConfig;
use crate::report::run::Output;
use plan::Part;
use serde_json::{json, Value};
use std::collections::HashMap;
use typst::foundations::{Bytes, NativeElement, Selector};
use typst::introspection::Introspector;
use typst::layout::Point;
use typst::model::{Document, HeadingElem};
use typst_layout::{Page, PagedDocument};
use world::{file_id, ReportWorld};

/// Pages of a long table laid out per compile: enough to amortise a compile, few enough to
/// keep its working memory small. typst lays the pages of one compile out in parallel.
const TABLE_PAGES_PER_COMPILE: usize = 8;
/// Pages written to PDF at once: a run's frames are all that is held of the finished pages,
/// and each run carries its own subset of the fonts (a few KB), joined at the end.
const PAGES_PER_RUN: usize = 32;

/// The report as a PDF.
pub fn render(out: &Output, branding: &BrandingConfig) -> Result<Vec<u8>, RenderError> {
    let result = render_parts(out, branding);
    // Hand the memory a large layout took back to the system (glibc keeps freed pages).
    trim();
    result
}

fn render_parts(out: &Output, branding: &BrandingConfig) -> Result<Vec<u8>, RenderError> {
    let mut files = HashMap::new();
    let mut chart_no = 0;
    let landscape = out.options.landscape;
    let parts = plan::parts(out, plan::PageSize::a4(landscape), &mut |svg| {
        // Fixed names: typst interns file ids for the life of the process.
        let path = format!("/chart-{chart_no}.svg");
        chart_no += 1;
        let svg = crate::report::chart::without_hits(svg);
        files.insert(file_id(&path), Bytes::from_string(svg));
        path
    })?;
    let logo = match branding
        .read_logo()
        .map_err(|m| RenderError::Failed(format!("branding.logo: {m}")))?
    {
        Some((bytes, kind)) => {
            let path = format!("/logo.{kind}");
            files.insert(file_id(&path), Bytes::new(bytes));
            Some(path)
        }
        None => None,
    };
    let base = json!({
        "name": out.name,
        "description": out.description,
        "narrative": out.narrative,
        "branding": {"name": branding.name, "color": branding.color, "logo": logo},
        "watermark": out.options.watermark,
        "classification": out.options.classification,
        "generated": out.generated(),
        "parameters": out.parameters,
        "geometry": plan::GEOMETRY,
        "landscape": landscape,
    });
    let layout = Layout {
        files: &files,
        base: &base,
        today: out.generated_at.with_timezone(&out.time_zone).date_naive(),
    };

    // The flowing parts first (they are small: cards, charts, short tables): their page
    // counts and the pages of their headings. A long table's pages are counted by the plan.
    let mut flows: Vec<Option<Vec<Page>>> = Vec::with_capacity(parts.len());
    let mut contents: Vec<(String, usize)> = Vec::new();
    let mut body = 0;
    for part in &parts {
        super::cancel::check()?;
        match part {
            Part::Flow { sections, headings } => {
                let doc = layout.compile(json!({"part": "flow", "sections": sections}))?;
                for (title, page) in headings.iter().zip(heading_pages(&doc)) {
                    contents.push((title.clone(), body + page));
                }
                body += doc.pages().len();
                flows.push(Some(finished(&doc).collect()));
            }
            Part::Table { heading, pages, .. } => {
                contents.extend(heading.iter().map(|h| (h.clone(), body)));
                body += pages.len();
                flows.push(None);
            }
        }
    }

    // The cover, with the contents' page numbers (once more if it took another page count).
    let mut cover_pages = 1;
    let mut tries = 0;
    let cover = loop {
        tries += 1;
        let entries: Vec<Value> = contents
            .iter()
            .map(|(title, page)| json!({"title": title, "page": cover_pages + page + 1}))
            .collect();
        let doc = layout.compile(json!({"part": "cover", "contents": entries}))?;
        // The page count settles at once in practice; three tries bound the pathological case.
        if doc.pages().len() == cover_pages || entries.len() < 2 || tries == 3 {
            break doc;
        }
        cover_pages = doc.pages().len();
    };
    cover_pages = cover.pages().len();
    // Title, author and language as the template sets them.
    let info = cover.info().clone();
    let total = cover_pages + body;
    let footers = layout.compile(json!({"part": "footers", "total": total}))?;
    let mut out = Writer {
        info,
        footers: footers.pages(),
        done: 0,
        pending: finished(&cover).collect(),
        runs: Vec::new(),
    };
    drop(cover);

    // Then every page in order, written to PDF a run at a time.
    for (part, flow) in parts.iter().zip(flows) {
        if let Some(pages) = flow {
            out.add(pages)?;
            continue;
        }
        let Part::Table {
            heading,
            table,
            pages,
        } = part
        else {
            unreachable!("a part without laid-out pages is a table");
        };
        for (i, chunk) in pages.chunks(TABLE_PAGES_PER_COMPILE).enumerate() {
            super::cancel::check()?;
            let doc = layout.compile(json!({
                "part": "table", "first": i == 0, "heading": heading,
                "top": plan::table_top(heading.is_some()),
                "table": table, "pages": chunk,
            }))?;
            if doc.pages().len() != chunk.len() {
                // The footers and contents count the planned pages.
                tracing::warn!(
                    planned = chunk.len(),
                    laid_out = doc.pages().len(),
                    "a table page overflowed; page numbers after it are off"
                );
            }
            out.add(finished(&doc).collect())?;
        }
    }
    let runs = out.finish()?;
    if runs.len() == 1 {
        return Ok(runs.into_iter().next().expect("one run"));
    }
    let bookmarks: Vec<(String, usize)> = contents
        .into_iter()
        .map(|(title, page)| (title, cover_pages + page))
        .collect();
    join::join(&runs, &bookmarks)
}

/// Pages written to PDF as they come, a run of `PAGES_PER_RUN` at a time, each with its
/// "Page x of y" footer laid over it.
struct Writer<'a> {
    info: typst::model::DocumentInfo,
    footers: &'a [Page],
    /// Pages written so far.
    done: usize,
    pending: Vec<Page>,
    runs: Vec<Vec<u8>>,
}

impl Writer<'_> {
    fn add(&mut self, pages: Vec<Page>) -> Result<(), RenderError> {
        self.pending.extend(pages);
        if self.pending.len() >= PAGES_PER_RUN {
            self.write()?;
        }
        Ok(())
    }

    fn write(&mut self) -> Result<(), RenderError> {
        let mut pages = std::mem::take(&mut self.pending);
        for (page, footer) in pages
            .iter_mut()
            .zip(&self.footers[self.done.min(self.footers.len())..])
        {
            page.frame.push_frame(Point::zero(), footer.frame.clone());
        }
        self.done += pages.len();
        let doc = PagedDocument::new(pages.into_iter().collect(), self.info.clone());
        let options = typst_pdf::PdfOptions {
            // Untagged: tagged PDF is about 5× larger for table-heavy reports.
            tagged: false,
            ..Default::default()
        };
        let bytes = typst_pdf::pdf(&doc, &options).map_err(|errors| world::messages(&errors))?;
        drop(doc);
        self.runs.push(bytes);
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<Vec<u8>>, RenderError> {
        if !self.pending.is_empty() || self.runs.is_empty() {
            self.write()?;
        }
        Ok(self.runs)
    }
}

/// What every compile of one report shares.
struct Layout<'a> {
    files: &'a HashMap<typst::syntax::FileId, Bytes>,
    base: &'a Value,
    today: chrono::NaiveDate,
}

impl Layout<'_> {
    /// Lays out one part: the shared fields plus `part`'s. typst's working memory for it is
    /// dropped when this returns; only the finished pages stay.
    fn compile(&self, part: Value) -> Result<PagedDocument, RenderError> {
        let mut data = self.base.clone();
        if let (Some(d), Value::Object(p)) = (data.as_object_mut(), part) {
            d.extend(p);
        }
        let data = serde_json::to_vec(&data).map_err(|e| RenderError::Failed(e.to_string()))?;
        let world = ReportWorld {
            files: self.files,
            data: Bytes::new(data),
            today: self.today,
        };
        let doc = world.compile();
        // Keep comemo's cache to this compile: what one part memoised is rarely of use to the
        // next, and the cache would otherwise hold every page's layout until the end.
        typst::comemo::evict(0);
        doc
    }
}

/// The page (from 0) of each heading in the document, in order.
fn heading_pages(doc: &PagedDocument) -> Vec<usize> {
    let introspector = doc.introspector();
    introspector
        .query(&Selector::Elem(HeadingElem::ELEM, None))
        .iter()
        .filter_map(|h| h.location())
        .filter_map(|loc| introspector.page(loc))
        .map(|p| p.get() - 1)
        .collect()
}

fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A part's pages, as the finished document keeps them.
fn finished(doc: &PagedDocument) -> impl Iterator<Item = Page> + '_ {
    doc.pages().iter().map(|page| {
        let mut page = page.clone();
        strip_tags(&mut page.frame, &mut Vec::new());
        page
    })
}

/// Drops the introspection tags from a laid-out page, but a heading's (its PDF bookmark).
/// A tag holds its element, cell text and styles included: kept, they are most of a
/// finished table page's memory, and nothing reads them once the part is laid out.
fn strip_tags(frame: &mut typst::layout::Frame, kept: &mut Vec<typst::introspection::Location>) {
    use typst::introspection::Tag;
    use typst::layout::FrameItem;
    frame.retain(|item| match item {
        FrameItem::Group(g) => {
            strip_tags(&mut g.frame, kept);
            true
        }
        FrameItem::Tag(Tag::Start(content, _)) if content.elem() == HeadingElem::ELEM => {
            kept.extend(content.location());
            true
        }
        FrameItem::Tag(Tag::End(loc, ..)) => kept.contains(loc),
        FrameItem::Tag(_) => false,
        _ => true,
    });
}
