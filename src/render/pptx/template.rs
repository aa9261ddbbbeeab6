//! A brand template (`[branding] pptx_template`, a .pptx or .potx): its first slide master with
//! everything that master reaches through its relationships (its layouts, theme, pictures),
//! copied into the deck as they are, so the slides sit on the company's master. The slides
//! use its blank layout (else its first); the template's own slides are left out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Read;

/// Largest template file, and largest part read from it.
pub const MAX_TEMPLATE_BYTES: u64 = 20 << 20;

/// The parts taken from a template.
pub struct Template {
    /// Part names (no leading `/`) and their bytes.
    pub parts: Vec<(String, Vec<u8>)>,
    /// Content types of the parts taken: by part name, and by extension.
    pub overrides: Vec<(String, String)>,
    pub defaults: Vec<(String, String)>,
    /// The master's part name, its id in the presentation, its theme's, the layout slides use.
    pub master: String,
    pub master_id: String,
    pub theme: String,
    pub layout: String,
}

/// The value of attribute `name` in the tag starting at `tag` (`<Relationship Id=… …/>`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let end = tag.find('>').unwrap_or(tag.len());
    let tag = &tag[..end];
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &tag[at..];
    Some(&rest[..rest.find('"')?])
}

/// Every `<element …>` of `xml`.
fn elements<'a>(xml: &'a str, element: &str) -> Vec<&'a str> {
    let open = format!("<{element} ");
    xml.match_indices(&open).map(|(i, _)| &xml[i..]).collect()
}

/// `target` relative to the folder of part `from` (`ppt/slideMasters/x.xml` + `../theme/t.xml`).
fn resolve(from: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut path: Vec<&str> = from.split('/').collect();
    path.pop();
    for piece in target.split('/') {
        match piece {
            ".." => {
                path.pop();
            }
            "." | "" => {}
            p => path.push(p),
        }
    }
    path.join("/")
}

/// The relationships part of `part` (`ppt/x/_rels/y.xml.rels`).
fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// Reads the template at `path`; the error says what is wrong with it.
pub fn read(path: &std::path::Path) -> Result<Template, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("`{shown}`: {e}"))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|_| format!("`{shown}` is not a .pptx or .potx file"))?;
    let mut get = |name: &str| -> Result<Option<Vec<u8>>, String> {
        let Ok(entry) = zip.by_name(name) else {
            return Ok(None);
        };
        if entry.size() > MAX_TEMPLATE_BYTES {
            return Err(format!("`{shown}`: its part {name} is larger than 20 MB"));
        }
        let mut bytes = Vec::new();
        entry
            .take(MAX_TEMPLATE_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("`{shown}`: {name}: {e}"))?;
        Ok(Some(bytes))
    };
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    let no_master = || format!("`{shown}` has no slide master (is it a PowerPoint file?)");
    let pres_rels = get("ppt/_rels/presentation.xml.rels")?
        .map(text)
        .ok_or_else(no_master)?;
    let presentation = get("ppt/presentation.xml")?
        .map(text)
        .ok_or_else(no_master)?;
    let (rid, master) = elements(&pres_rels, "Relationship")
        .into_iter()
        .find(|r| attr(r, "Type").is_some_and(|t| t.ends_with("/slideMaster")))
        .and_then(|r| {
            Some((
                attr(r, "Id")?,
                resolve("ppt/presentation.xml", attr(r, "Target")?),
            ))
        })
        .ok_or_else(no_master)?;
    let master_id = elements(&presentation, "p:sldMasterId")
        .into_iter()
        .find(|m| attr(m, "r:id") == Some(rid))
        .and_then(|m| attr(m, "id"))
        .unwrap_or("2147483648")
        .to_string();
    // Everything the master reaches, but slides, notes and charts of its own.
    let mut parts = Vec::new();
    let mut seen = BTreeSet::from([master.clone()]);
    let mut queue = VecDeque::from([master.clone()]);
    let (mut theme, mut layouts) = (None, Vec::new());
    while let Some(part) = queue.pop_front() {
        let bytes = get(&part)?.ok_or_else(|| format!("`{shown}` lacks its part {part}"))?;
        if part.starts_with("ppt/slideLayouts/") && part.ends_with(".xml") {
            layouts.push((part.clone(), text(bytes.clone()).contains("type=\"blank\"")));
        }
        parts.push((part.clone(), bytes));
        let rels_name = rels_of(&part);
        let Some(rels) = get(&rels_name)?.map(text) else {
            continue;
        };
        for r in elements(&rels, "Relationship") {
            if attr(r, "TargetMode") == Some("External") {
                continue;
            }
            let Some(target) = attr(r, "Target").map(|t| resolve(&part, t)) else {
                continue;
            };
            let kind = attr(r, "Type").unwrap_or("");
            if part == master && kind.ends_with("/theme") {
                theme = Some(target.clone());
            }
            let skipped = ["ppt/slides/", "ppt/notesSlides/", "ppt/charts/"];
            if !skipped.iter().any(|s| target.starts_with(s)) && seen.insert(target.clone()) {
                queue.push_back(target);
            }
        }
        parts.push((rels_name, rels.into_bytes()));
        if parts.len() > 2000 {
            return Err(format!(
                "`{shown}`: its master reaches more than 1000 parts"
            ));
        }
    }
    let theme = theme.ok_or_else(|| format!("`{shown}`: its master has no theme"))?;
    let layout = layouts
        .iter()
        .find(|(_, blank)| *blank)
        .or(layouts.first())
        .map(|(p, _)| p.clone())
        .ok_or_else(|| format!("`{shown}`: its master has no layout"))?;
    let types = get("[Content_Types].xml")?
        .map(text)
        .ok_or_else(|| format!("`{shown}` has no [Content_Types].xml"))?;
    let taken: BTreeSet<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
    let overrides = elements(&types, "Override")
        .into_iter()
        .filter_map(|o| {
            Some((
                attr(o, "PartName")?.trim_start_matches('/'),
                attr(o, "ContentType")?,
            ))
        })
        .filter(|(p, _)| taken.contains(p))
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let defaults: BTreeMap<String, String> = elements(&types, "Default")
        .into_iter()
        .filter_map(|d| {
            Some((
                attr(d, "Extension")?.to_lowercase(),
                attr(d, "ContentType")?.to_string(),
            ))
        })
        .collect();
    Ok(Template {
        parts,
        overrides,
        defaults: defaults.into_iter().collect(),
        master,
        master_id,
        theme,
        layout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_from_their_parts_folder() {
        assert_eq!(
            resolve("ppt/slideMasters/slideMaster1.xml", "../theme/theme1.xml"),
            "ppt/theme/theme1.xml"
        );
        assert_eq!(
            resolve("ppt/presentation.xml", "slideMasters/m.xml"),
            "ppt/slideMasters/m.xml"
        );
        assert_eq!(
            resolve("ppt/x/y.xml", "/ppt/media/a.png"),
            "ppt/media/a.png"
        );
        assert_eq!(
            rels_of("ppt/slideLayouts/slideLayout2.xml"),
            "ppt/slideLayouts/_rels/slideLayout2.xml.rels"
        );
        let tag = r#"<Relationship Id="rId3" Type="http://x/slideMaster" Target="a.xml"/>"#;
        assert_eq!(attr(tag, "Id"), Some("rId3"));
        assert_eq!(attr(tag, "Target"), Some("a.xml"));
        assert_eq!(attr(tag, "TargetMode"), None);
    }

    #[test]
    fn a_file_that_is_no_deck_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pptx");
        std::fs::write(&path, b"not a zip").unwrap();
        let e = read(&path).err().unwrap();
        assert!(e.contains("not a .pptx or .potx"), "{e}");
    }
}
