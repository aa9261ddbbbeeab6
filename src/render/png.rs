//! Charts as PNG, for email bodies (mail clients block SVG) and PowerPoint pictures: the same
//! SVG rasterised with resvg (which typst already brings) using the PDF's fonts: the embedded
//! DejaVu faces, then those of `[branding] font_dirs` (and the system's when asked) for the
//! characters DejaVu lacks (Chinese, Japanese, Korean, ...).

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

static FONTS: LazyLock<Arc<fontdb::Database>> =
    LazyLock::new(|| Arc::new(database(crate::render::pdf::font_dirs())));

/// DejaVu first (the charts name it), then the faces under `dirs`, which usvg falls back to
/// for a character DejaVu does not have. Font files are mapped, not read into memory.
fn database(dirs: &[PathBuf]) -> fontdb::Database {
    let mut db = fontdb::Database::new();
    for data in crate::render::pdf::FONT_FILES.iter() {
        db.load_font_source(fontdb::Source::Binary(Arc::new(*data)));
    }
    for dir in dirs {
        db.load_fonts_dir(dir);
    }
    db.set_sans_serif_family(crate::report::chart::FONT);
    db
}

/// Rasterises an SVG at its own size.
pub fn from_svg(svg: &str) -> Result<Vec<u8>, String> {
    rasterise(svg, FONTS.clone())
}

fn rasterise(svg: &str, fontdb: Arc<fontdb::Database>) -> Result<Vec<u8>, String> {
    let options = usvg::Options {
        fontdb,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("chart SVG: {e}"))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "chart has no size".to_string())?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("chart PNG: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_chart_rasterises_to_a_png_of_its_size_with_ink_on_it() {
        let svg =
            crate::report::chart::bar(&[("North".into(), 10.0), ("South".into(), 4.0)], None, true)
                .unwrap();
        let png = super::from_svg(&svg).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!(pixmap.width(), crate::report::chart::WIDTH);
        // Not a blank canvas: some pixels are far from white (bars and text).
        let dark = pixmap
            .pixels()
            .iter()
            .filter(|p| p.red() < 128 || p.blue() < 128)
            .count();
        assert!(dark > 1000, "{dark} dark pixels");
    }

    /// The bottom `rows` rows of a PNG (where a bar chart's category labels are), as pixels.
    fn bottom(png: &[u8], rows: u32) -> Vec<resvg::tiny_skia::PremultipliedColorU8> {
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).unwrap();
        let from = ((pixmap.height() - rows) * pixmap.width()) as usize;
        pixmap.pixels()[from..].to_vec()
    }

    #[test]
    fn labels_dejavu_lacks_are_drawn_from_the_font_folders() {
        const NOTO: &str = "/usr/share/fonts/opentype/noto";
        if !std::path::Path::new(NOTO)
            .join("NotoSansCJK-Regular.ttc")
            .exists()
        {
            assert!(
                std::env::var("QUIRE_CJK_TESTS").is_err(),
                "QUIRE_CJK_TESTS is set but {NOTO} has no Noto CJK (apt-get install fonts-noto-cjk)"
            );
            eprintln!("skipped: no Noto CJK fonts in {NOTO}");
            return;
        }
        let labels = |a: &str, b: &str| {
            let svg = crate::report::chart::bar(&[(a.into(), 10.0), (b.into(), 4.0)], None, false);
            svg.unwrap()
        };
        let dejavu = std::sync::Arc::new(super::database(&[]));
        let noto = std::sync::Arc::new(super::database(&[NOTO.into()]));
        let draw = |svg: &str, db: &std::sync::Arc<super::fontdb::Database>| {
            bottom(&super::rasterise(svg, db.clone()).unwrap(), 40)
        };
        let ink = |px: &[resvg::tiny_skia::PremultipliedColorU8]| {
            px.iter()
                .filter(|p| p.red() < 160 && p.green() < 160 && p.blue() < 160)
                .count()
        };
        // Latin labels: the same pixels with or without the folders (DejaVu draws them).
        let latin = labels("North", "South");
        assert_eq!(draw(&latin, &dejavu), draw(&latin, &noto));
        // CJK labels: DejaVu alone draws empty boxes; with the folders, the glyphs (more ink,
        // many pixels changed).
        let cjk = labels("東京都", "대한민국");
        let (boxes, glyphs) = (draw(&cjk, &dejavu), draw(&cjk, &noto));
        let changed = boxes.iter().zip(&glyphs).filter(|(a, b)| a != b).count();
        assert!(changed > 150, "{changed} pixels changed");
        assert!(
            ink(&glyphs) > ink(&boxes),
            "{} → {}",
            ink(&boxes),
            ink(&glyphs)
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(super::from_svg("<not svg").is_err());
    }
}
