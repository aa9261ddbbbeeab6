//! Static assets embedded in the binary, served under a content hash with long cache headers.

use actix_web::{http::header, web, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

static HASHES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Assets::iter()
        .filter_map(|name| {
            let file = Assets::get(&name)?;
            let hash = hex::encode(&Sha256::digest(&file.data)[..6]);
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
    match Assets::get(&path) {
        Some(file) => HttpResponse::Ok()
            .content_type(file.metadata.mimetype())
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound()
            .content_type("text/plain")
            .body("no such asset"),
    }
}
