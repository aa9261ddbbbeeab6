//! Static assets embedded in the binary, served under a content hash with long cache headers.

use crate::render::pdf::FONT_FILES;
use actix_web::{http::header, web, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Everything under static/ but the font files, which the PDF renderer embeds already
/// (`FONT_FILES`): embedded twice they made the binary 1.4 MB larger.
#[derive(RustEmbed)]
#[folder = "static/"]
#[exclude = "fonts/*.ttf"]
struct Assets;

/// The fonts the pages' CSS names, by their path under static/.
const FONTS: [(&str, usize); 2] = [
    ("fonts/DejaVuSans.ttf", 0),
    ("fonts/DejaVuSans-Bold.ttf", 1),
];

/// An asset's bytes and media type.
fn get(name: &str) -> Option<(Cow<'static, [u8]>, String)> {
    if let Some((_, i)) = FONTS.iter().find(|(path, _)| *path == name) {
        return Some((Cow::Borrowed(FONT_FILES[*i]), "font/ttf".into()));
    }
    let file = Assets::get(name)?;
    let mime = file.metadata.mimetype().to_string();
    Some((file.data, mime))
}

static HASHES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Assets::iter()
        .chain(FONTS.iter().map(|(path, _)| Cow::Borrowed(*path)))
        .filter_map(|name| {
            let (data, _) = get(&name)?;
            let hash = hex::encode(&Sha256::digest(&data)[..6]);
            Some((name.to_string(), hash))
        })
        .collect()
});

/// The URL of an asset, with its content hash so browsers can cache it forever.
pub fn url(name: &str) -> String {
    match HASHES.get(name) {
        Some(h) => format!("/static/{name}?v={h}"),
        None => format!("/static/{name}"),
    }
}

/// GET /static/{path}
pub async fn serve(path: web::Path<String>) -> HttpResponse {
    match get(&path) {
        Some((data, mime)) => HttpResponse::Ok()
            .content_type(mime)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(data.into_owned()),
        None => HttpResponse::NotFound()
            .content_type("text/plain")
            .body("no such asset"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fonts_the_css_names_are_served_from_the_pdf_renderers_copy() {
        let css = get("app.css").expect("app.css").0;
        let css = std::str::from_utf8(&css).expect("utf-8");
        for (path, _) in FONTS {
            assert!(css.contains(&format!("url(\"{path}\")")), "{path}");
            let (data, mime) = get(path).expect(path);
            let file = std::fs::read(format!("{}/static/{path}", env!("CARGO_MANIFEST_DIR")));
            assert_eq!(data.as_ref(), file.expect(path).as_slice(), "{path}");
            assert_eq!(mime, "font/ttf");
            assert!(url(path).contains("?v="), "{path}");
        }
        // Only once in the binary: rust-embed leaves them out.
        assert!(Assets::get("fonts/DejaVuSans.ttf").is_none());
        assert!(get("fonts/none.ttf").is_none());
    }
}
