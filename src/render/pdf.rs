//! PDF through typst compiled in-process. Fonts are embedded and indexed once per process;
//! the template is static and receives the report as JSON, charts as SVG files.

use super::RenderError;
use crate::config::BrandingConfig;
use crate::report::run::{Item, Output};
use serde_json::json;
use std::collections::HashMap;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

const TEMPLATE: &str = include_str!("../../templates/report.typ");
/// The embedded fonts: DejaVu Sans and its bold face, named in every chart.
pub const FONT_FILES: [&[u8]; 2] = [
    include_bytes!("../../static/fonts/DejaVuSans.ttf"),
    include_bytes!("../../static/fonts/DejaVuSans-Bold.ttf"),
];
/// Table rows per document: beyond this a PDF is not the right format.
pub const MAX_TABLE_ROWS: usize = 20_000;

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// Loads the fonts and library now, so the first render is not the slow one.
pub fn warm_up() {
    LazyLock::force(&SHARED);
}

fn file_id(path: &str) -> FileId {
    FileId::new(RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("static path is valid"),
    ))
}

struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: chrono::NaiveDate,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_without_slash().into()))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        use chrono::Datelike;
        Datetime::from_ymd(
            self.today.year(),
            self.today.month() as u8,
            self.today.day() as u8,
        )
    }
}

/// The report as a PDF.
pub fn render(out: &Output, branding: &BrandingConfig) -> Result<Vec<u8>, RenderError> {
    let mut files = HashMap::new();
    let mut sections = Vec::new();
    let mut chart_no = 0;
    for s in &out.sections {
        let mut items: Vec<serde_json::Value> = Vec::new();
        for item in &s.items {
            match item {
                Item::Kpi(k) => {
                    // Consecutive KPI cards share one row of the grid.
                    match items.last_mut() {
                        Some(last) if last["kind"] == "kpis" => {
                            last["cards"].as_array_mut().expect("cards").push(json!(k))
                        }
                        _ => items.push(json!({"kind": "kpis", "cards": [k]})),
                    }
                }
                Item::Text(t) => items.push(json!({"kind": "text", "text": t.text})),
                Item::Chart(c) => {
                    // Fixed names: typst interns file ids for the life of the process.
                    let path = format!("/chart-{chart_no}.svg");
                    chart_no += 1;
                    files.insert(file_id(&path), Bytes::from_string(c.svg.clone()));
                    items.push(json!({"kind": "chart", "title": c.title, "file": path}));
                }
                Item::Table(t) => {
                    if t.rows.len() > MAX_TABLE_ROWS {
                        return Err(RenderError(format!(
                            "table `{}` has {} rows; a PDF holds at most {MAX_TABLE_ROWS}: lower the row limit or export XLSX/CSV",
                            t.id,
                            t.rows.len()
                        )));
                    }
                    let count = |n: u64| crate::report::format::thousands(n as f64, 0);
                    let note = if t.rows.len() as u64 >= t.available_rows {
                        format!("{} rows", count(t.available_rows))
                    } else {
                        format!(
                            "First {} of {} rows",
                            count(t.rows.len() as u64),
                            count(t.available_rows)
                        )
                    };
                    items.push(json!({
                        "kind": "table", "title": t.title, "headers": t.headers,
                        "numeric": t.numeric, "rows": t.rows, "note": note,
                    }));
                }
            }
        }
        sections.push(json!({"title": s.title, "items": items}));
    }
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
    let data = json!({
        "name": out.name,
        "description": out.description,
        "branding": {"name": branding.name, "color": branding.color, "logo": logo},
        "watermark": out.options.watermark,
        "classification": out.options.classification,
        "generated": out.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        "parameters": out.parameters,
        "sections": sections,
    });
    files.insert(
        file_id("/data.json"),
        Bytes::new(serde_json::to_vec(&data).map_err(|e| RenderError(e.to_string()))?),
    );
    let world = ReportWorld {
        main: Source::new(file_id("/main.typ"), TEMPLATE.to_string()),
        files,
        today: out.generated_at.date_naive(),
    };
    // Everything typst made (the world, both layout passes, the document) is dropped inside
    // `compile`, before the cache is evicted and the heap trimmed: trimming while they were
    // alive could not give their memory back.
    let pdf = compile(world);
    // Keep comemo's cache from growing without bound across renders, and hand the memory a
    // large layout took back to the system (glibc keeps freed pages otherwise).
    typst::comemo::evict(0);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
    pdf
}

/// Lays out and writes the PDF; every typst structure is dropped when this returns.
fn compile(world: ReportWorld) -> Result<Vec<u8>, RenderError> {
    let compiled = typst::compile::<typst_layout::PagedDocument>(&world);
    let doc = compiled.output.map_err(|errors| {
        RenderError(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let options = typst_pdf::PdfOptions {
        // Untagged: tagged PDF is about 5× larger for table-heavy reports.
        tagged: false,
        ..Default::default()
    };
    typst_pdf::pdf(&doc, &options).map_err(|errors| {
        RenderError(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
