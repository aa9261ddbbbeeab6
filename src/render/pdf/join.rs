//! One PDF from the PDFs of consecutive runs of pages (lopdf): their pages in order under one
//! page tree, the first one's catalog and document information, and bookmarks for the
//! contents entries (each run's own outline covers only its pages, so it is left out).

use super::RenderError;
use lopdf::{Bookmark, Document, Object, ObjectId};

fn failed(e: lopdf::Error) -> RenderError {
    RenderError::Failed(format!("joining the PDF's parts: {e}"))
}

/// Joins `runs` in order; `bookmarks` are (title, page from 0) of the whole document.
pub fn join(runs: &[Vec<u8>], bookmarks: &[(String, usize)]) -> Result<Vec<u8>, RenderError> {
    let mut out = Document::with_version("1.7");
    let mut pages: Vec<ObjectId> = Vec::new();
    let mut root: Option<(ObjectId, lopdf::Dictionary)> = None;
    let mut tree: Option<ObjectId> = None;
    let mut info: Option<Object> = None;
    let mut next_id = 1;
    for bytes in runs {
        let mut doc = Document::load_mem(bytes).map_err(failed)?;
        doc.renumber_objects_with(next_id);
        next_id = doc.max_id + 1;
        pages.extend(doc.get_pages().into_values());
        if root.is_none() {
            let catalog_id = doc
                .trailer
                .get(b"Root")
                .and_then(Object::as_reference)
                .map_err(failed)?;
            let catalog = doc.get_dictionary(catalog_id).map_err(failed)?.clone();
            tree = Some(
                catalog
                    .get(b"Pages")
                    .and_then(Object::as_reference)
                    .map_err(failed)?,
            );
            root = Some((catalog_id, catalog));
            info = doc.trailer.get(b"Info").ok().cloned();
        }
        for (id, object) in doc.objects {
            // Each run's catalog, page tree and outline give way to the joined ones.
            match object.type_name().unwrap_or(b"") {
                b"Catalog" | b"Pages" | b"Outlines" | b"Outline" => {}
                _ => {
                    out.objects.insert(id, object);
                }
            }
        }
    }
    let (Some((catalog_id, mut catalog)), Some(tree_id)) = (root, tree) else {
        return Err(RenderError::Failed(
            "joining the PDF's parts: no page tree".into(),
        ));
    };
    // Pages inherit nothing from the tree: typst sets their box and resources on each one.
    for id in &pages {
        if let Ok(Object::Dictionary(page)) = out.get_object_mut(*id) {
            page.set("Parent", tree_id);
        }
    }
    out.objects.insert(
        tree_id,
        Object::Dictionary(lopdf::Dictionary::from_iter([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Count", Object::Integer(pages.len() as i64)),
            (
                "Kids",
                Object::Array(pages.iter().map(|id| Object::Reference(*id)).collect()),
            ),
        ])),
    );
    out.max_id = next_id;
    for (title, page) in bookmarks {
        if let Some(id) = pages.get(*page) {
            out.add_bookmark(Bookmark::new(title.clone(), [0.0, 0.0, 0.0], 0, *id), None);
        }
    }
    catalog.remove(b"Outlines");
    if let Some(outline) = out.build_outline() {
        catalog.set("Outlines", outline);
    }
    out.objects.insert(catalog_id, Object::Dictionary(catalog));
    out.trailer.set("Root", catalog_id);
    if let Some(info) = info {
        out.trailer.set("Info", info);
    }
    // What only the left-out outlines and catalogs pointed at.
    out.prune_objects();
    let mut bytes = Vec::new();
    out.save_to(&mut bytes)
        .map_err(|e| RenderError::Failed(format!("writing the joined PDF: {e}")))?;
    Ok(bytes)
}
