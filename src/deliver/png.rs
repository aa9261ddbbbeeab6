//! Charts as PNG for email bodies: mail clients block SVG, so the same SVG is rasterised with
//! resvg (which typst already brings) using the same embedded fonts.

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};
use std::sync::{Arc, LazyLock};

static FONTS: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    for data in crate::render::pdf::FONT_FILES.iter() {
        db.load_font_source(fontdb::Source::Binary(Arc::new(*data)));
    }
    db.set_sans_serif_family(crate::report::chart::FONT);
    Arc::new(db)
});

/// Rasterises an SVG at its own size.
pub fn from_svg(svg: &str) -> Result<Vec<u8>, String> {
    let options = usvg::Options {
        fontdb: FONTS.clone(),
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

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(super::from_svg("<not svg").is_err());
    }
}
