//! typst in-process: the fonts and standard library, loaded once per process, and the world
//! one compile sees (the template, its data as JSON, chart and logo files).

use super::RenderError;
use crate::config::BrandingConfig;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

const TEMPLATE: &str = include_str!("../../../templates/report.typ");
/// The embedded fonts: DejaVu Sans and its bold face, named in every chart. Packed in the
/// binary; inflated once, for the life of the process.
pub static FONT_FILES: LazyLock<[&'static [u8]; 2]> = LazyLock::new(|| {
    [
        crate::packed!("static/fonts/DejaVuSans.ttf").leak(),
        crate::packed!("static/fonts/DejaVuSans-Bold.ttf").leak(),
    ]
});

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<FontSlot>,
    template: Source,
}

/// A face typst may use: an embedded one, or one in a font folder read when first used.
struct FontSlot {
    path: Option<PathBuf>,
    index: u32,
    font: OnceLock<Option<Font>>,
}

/// Font files larger than this in a font folder are skipped.
const MAX_FONT_FILE: u64 = 64 << 20;
/// Folders searched for fonts, set once per process before the first render (`use_fonts`).
static FONT_DIRS: OnceLock<Vec<PathBuf>> = OnceLock::new();

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let mut book = FontBook::new();
    let mut fonts = Vec::new();
    for font in FONT_FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
    {
        book.push(font.info().clone());
        fonts.push(FontSlot {
            path: None,
            index: font.index(),
            font: OnceLock::from(Some(font)),
        });
    }
    for dir in FONT_DIRS.get().into_iter().flatten() {
        index_dir(dir, 0, &mut book, &mut fonts);
    }
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(book),
        fonts,
        template: Source::new(file_id("/main.typ"), TEMPLATE.to_string()),
    }
});

/// Adds the faces of the font files under `dir` (four levels deep) to the book; each file is
/// read again only when typst first needs one of its faces.
fn index_dir(dir: &Path, depth: u32, book: &mut FontBook, fonts: &mut Vec<FontSlot>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "font folder not readable");
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth < 4 {
                index_dir(&path, depth + 1, book, fonts);
            }
            continue;
        }
        let font_file = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        });
        if !font_file || meta.len() > MAX_FONT_FILE {
            continue;
        }
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let before = fonts.len();
        for (index, info) in typst::text::FontInfo::iter(&data).enumerate() {
            book.push(info);
            fonts.push(FontSlot {
                path: Some(path.clone()),
                index: index as u32,
                font: OnceLock::new(),
            });
        }
        if fonts.len() == before {
            tracing::warn!(file = %path.display(), "not a font file typst can read; skipped");
        }
    }
}

/// The font folders to search besides the embedded fonts: `[branding] font_dirs`, and the
/// system's font folders when `system_fonts` is set. The first call in a process decides.
pub fn use_fonts(branding: &BrandingConfig) {
    let mut dirs = branding.font_dirs.clone();
    if branding.system_fonts {
        for d in ["/usr/share/fonts", "/usr/local/share/fonts"] {
            if Path::new(d).is_dir() {
                dirs.push(d.into());
            }
        }
    }
    let _ = FONT_DIRS.set(dirs);
}

/// The font folders `use_fonts` chose (none before it is called).
pub fn font_dirs() -> &'static [PathBuf] {
    FONT_DIRS.get().map(Vec::as_slice).unwrap_or_default()
}

/// Loads the fonts and library now, so the first render is not the slow one.
pub fn warm_up() {
    let shared = LazyLock::force(&SHARED);
    tracing::info!(faces = shared.fonts.len(), "PDF fonts indexed");
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
        let slot = SHARED.fonts.get(index)?;
        slot.font
            .get_or_init(|| {
                let path = slot.path.as_ref()?;
                let data = std::fs::read(path).ok()?;
                Font::new(Bytes::new(data), slot.index)
            })
            .clone()
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
    RenderError::Failed(
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}
