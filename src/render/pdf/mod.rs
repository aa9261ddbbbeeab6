//! PDF through typst compiled in-process, one part at a time.
//!
//! A report is cut into parts (`plan`): flowing sections, and long tables already split into
//! pages. Each part is a compile of its own whose pages are kept as finished frames while
//! typst's working memory is dropped; the cover is laid out once the contents' page numbers
//! are known, and "Page x of y" footers are laid out last, over every page. So no compile
//! needs the page count (typst would lay everything out twice for it), and typst's working
//! memory follows the largest part. The finished pages of the whole document stay in memory
//! until the file is written (about 0.5 MB per page of a 6-column table).

mod plan;
mod world;

pub use world::{warm_up, FONT_FILES};

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
    let parts = plan::parts(out, &mut |svg| {
        // Fixed names: typst interns file ids for the life of the process.
        let path = format!("/chart-{chart_no}.svg");
        chart_no += 1;
        files.insert(file_id(&path), Bytes::from_string(svg.to_string()));
        path
    })?;
    let logo = match branding
        .read_logo()
        .map_err(|m| RenderError(format!("branding.logo: {m}")))?
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
        "branding": {"name": branding.name, "color": branding.color, "logo": logo},
        "watermark": out.options.watermark,
        "classification": out.options.classification,
        "generated": out.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        "parameters": out.parameters,
        "geometry": plan::GEOMETRY,
    });
    let layout = Layout {
        files: &files,
        base: &base,
        today: out.generated_at.date_naive(),
    };

    // The body, part by part; contents entries keep their page within the body.
    let mut body: Vec<Page> = Vec::new();
    let mut contents: Vec<(String, usize)> = Vec::new();
    for part in &parts {
        super::cancel::check()?;
        let start = body.len();
        match part {
            Part::Flow { sections, headings } => {
                let doc = layout.compile(json!({"part": "flow", "sections": sections}))?;
                for (title, page) in headings.iter().zip(heading_pages(&doc)) {
                    contents.push((title.clone(), start + page));
                }
                body.extend(finished(&doc));
            }
            Part::Table {
                heading,
                table,
                pages,
            } => {
                contents.extend(heading.iter().map(|h| (h.clone(), start)));
                for (i, chunk) in pages.chunks(TABLE_PAGES_PER_COMPILE).enumerate() {
                    super::cancel::check()?;
                    let doc = layout.compile(json!({
                        "part": "table", "first": i == 0, "heading": heading,
                        "top": plan::table_top(heading.is_some()),
                        "table": table, "pages": chunk,
                    }))?;
                    body.extend(finished(&doc));
                }
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
    // Title, author and language as the template sets them.
    let info = cover.info().clone();
    let mut pages: Vec<Page> = cover.pages().to_vec();
    drop(cover);
    pages.append(&mut body);

    // "Page x of y" over every page.
    let footers = layout.compile(json!({"part": "footers", "total": pages.len()}))?;
    for (page, footer) in pages.iter_mut().zip(footers.pages()) {
        page.frame.push_frame(Point::zero(), footer.frame.clone());
    }
    drop(footers);

    let doc = PagedDocument::new(pages.into_iter().collect(), info);
    let options = typst_pdf::PdfOptions {
        // Untagged: tagged PDF is about 5× larger for table-heavy reports.
        tagged: false,
        ..Default::default()
    };
    typst_pdf::pdf(&doc, &options).map_err(|errors| world::messages(&errors))
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
        let data = serde_json::to_vec(&data).map_err(|e| RenderError(e.to_string()))?;
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
