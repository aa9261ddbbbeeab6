//! typst in-process: the fonts and standard library, loaded once per process, and the world
//! one compile sees (the template, its data as JSON, chart and logo files).

use super::RenderError;
use std::collections::HashMap;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

const TEMPLATE: &str = include_str!("../../../templates/report.typ");
/// The embedded fonts: DejaVu Sans and its bold face, named in every chart.
pub const FONT_FILES: [&[u8]; 2] = [
    include_bytes!("../../../static/fonts/DejaVuSans.ttf"),
    include_bytes!("../../../static/fonts/DejaVuSans-Bold.ttf"),
];

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    template: Source,
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
        template: Source::new(file_id("/main.typ"), TEMPLATE.to_string()),
    }
});

/// Loads the fonts and library now, so the first render is not the slow one.
pub fn warm_up() {
    LazyLock::force(&SHARED);
}

/// The id of a file the template names. Ids are interned for the life of the process, so
/// callers reuse a fixed set of names.
pub(super) fn file_id(path: &str) -> FileId {
    FileId::new(RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("static path is valid"),
    ))
}

/// What one compile sees: the template as `/main.typ`, its part of the report as
/// `/data.json`, and the files (charts, logo) shared by every part.
pub(super) struct ReportWorld<'a> {
    pub files: &'a HashMap<FileId, Bytes>,
    pub data: Bytes,
    pub today: chrono::NaiveDate,
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }
    fn main(&self) -> FileId {
        SHARED.template.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == SHARED.template.id() {
            Ok(SHARED.template.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_without_slash().into()))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == SHARED.template.id() {
            return Ok(Bytes::from_string(TEMPLATE));
        }
        if id == file_id("/data.json") {
            return Ok(self.data.clone());
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

impl ReportWorld<'_> {
    /// Lays the template out over this world's data.
    pub fn compile(&self) -> Result<PagedDocument, RenderError> {
        typst::compile::<PagedDocument>(self)
            .output
            .map_err(|errors| messages(&errors))
    }
}

/// typst's diagnostics as one message.
pub(super) fn messages(errors: &[SourceDiagnostic]) -> RenderError {
    RenderError(
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}
