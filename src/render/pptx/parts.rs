//! The fixed parts of a deck: content types, relationships, the presentation, one slide master
//! with one blank layout, the theme (the brand colour as accent 1), document properties.

/// Text for an XML element or attribute (characters XML cannot hold dropped).
pub fn esc(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => None,
            c => Some(c),
        })
        .collect();
    crate::model::text::escape_html(&clean)
}

pub const NS_A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
pub const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
pub const NS_P: &str = "http://schemas.openxmlformats.org/presentationml/2006/main";
pub const NS_C: &str = "http://schemas.openxmlformats.org/drawingml/2006/chart";
const NS_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Slide width and height (16:9), in EMU.
pub const SLIDE_W: i64 = 12_192_000;
pub const SLIDE_H: i64 = 6_858_000;

/// What the deck holds, for the content types: slides, charts, pictures.
pub struct Counts {
    pub slides: usize,
    pub charts: usize,
}

/// The content types; with a template, its master's parts' instead of the built-in ones.
pub fn content_types(n: &Counts, template: Option<&super::template::Template>) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Default Extension="jpeg" ContentType="image/jpeg"/><Default Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/><Override PartName="/ppt/presProps.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presProps+xml"/><Override PartName="/ppt/viewProps.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.viewProps+xml"/><Override PartName="/ppt/tableStyles.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.tableStyles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#,
    );
    match template {
        None => {
            s += r#"<Override PartName="/ppt/slideMasters/slideMaster1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml"/><Override PartName="/ppt/slideLayouts/slideLayout1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml"/><Override PartName="/ppt/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>"#
        }
        Some(t) => {
            for (part, kind) in &t.overrides {
                s += &format!(
                    r#"<Override PartName="/{}" ContentType="{}"/>"#,
                    esc(part),
                    esc(kind)
                );
            }
            let ours = ["rels", "xml", "png", "jpeg", "xlsx"];
            for (ext, kind) in t
                .defaults
                .iter()
                .filter(|(e, _)| !ours.contains(&e.as_str()))
            {
                s += &format!(
                    r#"<Default Extension="{}" ContentType="{}"/>"#,
                    esc(ext),
                    esc(kind)
                );
            }
        }
    }
    for i in 1..=n.slides {
        s += &format!(
            r#"<Override PartName="/ppt/slides/slide{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>"#
        );
    }
    for i in 1..=n.charts {
        s += &format!(
            r#"<Override PartName="/ppt/charts/chart{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>"#
        );
    }
    s + "</Types>"
}

/// A relationships part of `(id, type, target)`; a type without `/` is under officeDocument's.
pub fn rels(items: &[(String, &str, String)]) -> String {
    let mut s = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{NS_RELS}">"#
    );
    for (id, kind, target) in items {
        let kind = if kind.contains('/') {
            kind.to_string()
        } else {
            format!("{REL}/{kind}")
        };
        s += &format!(
            r#"<Relationship Id="{id}" Type="{kind}" Target="{}"/>"#,
            esc(target)
        );
    }
    s + "</Relationships>"
}

pub fn root_rels() -> String {
    rels(&[
        (
            "rId1".into(),
            "officeDocument",
            "ppt/presentation.xml".into(),
        ),
        (
            "rId2".into(),
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "docProps/core.xml".into(),
        ),
        (
            "rId3".into(),
            "extended-properties",
            "docProps/app.xml".into(),
        ),
    ])
}

/// `ppt/presentation.xml`: the master (`master_id`) is rId1, slide i is rId(i+1), then the
/// theme and props.
pub fn presentation(slides: usize, master_id: &str) -> String {
    let mut ids = String::new();
    for i in 1..=slides {
        ids += &format!(r#"<p:sldId id="{}" r:id="rId{}"/>"#, 255 + i, i + 1);
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:presentation xmlns:a="{NS_A}" xmlns:r="{NS_R}" xmlns:p="{NS_P}" saveSubsetFonts="1"><p:sldMasterIdLst><p:sldMasterId id="{master_id}" r:id="rId1"/></p:sldMasterIdLst><p:sldIdLst>{ids}</p:sldIdLst><p:sldSz cx="{SLIDE_W}" cy="{SLIDE_H}"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>"#
    )
}

/// The presentation's relationships: `master` and `theme` are part names under `ppt/`.
pub fn presentation_rels(slides: usize, master: &str, theme: &str) -> String {
    let under = |p: &str| p.strip_prefix("ppt/").unwrap_or(p).to_string();
    let mut items = vec![("rId1".to_string(), "slideMaster", under(master))];
    for i in 1..=slides {
        items.push((
            format!("rId{}", i + 1),
            "slide",
            format!("slides/slide{i}.xml"),
        ));
    }
    let n = slides + 2;
    items.push((format!("rId{n}"), "theme", under(theme)));
    items.push((format!("rId{}", n + 1), "presProps", "presProps.xml".into()));
    items.push((format!("rId{}", n + 2), "viewProps", "viewProps.xml".into()));
    items.push((
        format!("rId{}", n + 3),
        "tableStyles",
        "tableStyles.xml".into(),
    ));
    rels(&items)
}

pub fn pres_props() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:presentationPr xmlns:a="{NS_A}" xmlns:r="{NS_R}" xmlns:p="{NS_P}"/>"#
    )
}

pub fn view_props() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:viewPr xmlns:a="{NS_A}" xmlns:r="{NS_R}" xmlns:p="{NS_P}"><p:normalViewPr><p:restoredLeft sz="15620"/><p:restoredTop sz="94660"/></p:normalViewPr><p:gridSpacing cx="76200" cy="76200"/></p:viewPr>"#
    )
}

pub fn table_styles() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<a:tblStyleLst xmlns:a="{NS_A}" def="{{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}}"/>"#
    )
}

const EMPTY_TREE: &str = r#"<p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr></p:spTree>"#;

pub fn master() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sldMaster xmlns:a="{NS_A}" xmlns:r="{NS_R}" xmlns:p="{NS_P}"><p:cSld><p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/></p:bgRef></p:bg>{EMPTY_TREE}</p:cSld><p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/><p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst><p:txStyles><p:titleStyle><a:lvl1pPr><a:defRPr sz="3200"><a:solidFill><a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mj-lt"/></a:defRPr></a:lvl1pPr></p:titleStyle><p:bodyStyle><a:lvl1pPr><a:defRPr sz="1800"><a:solidFill><a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mn-lt"/></a:defRPr></a:lvl1pPr></p:bodyStyle><p:otherStyle><a:lvl1pPr><a:defRPr sz="1800"><a:solidFill><a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mn-lt"/></a:defRPr></a:lvl1pPr></p:otherStyle></p:txStyles></p:sldMaster>"#
    )
}

pub fn master_rels() -> String {
    rels(&[
        (
            "rId1".into(),
            "slideLayout",
            "../slideLayouts/slideLayout1.xml".into(),
        ),
        ("rId2".into(), "theme", "../theme/theme1.xml".into()),
    ])
}

pub fn layout() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sldLayout xmlns:a="{NS_A}" xmlns:r="{NS_R}" xmlns:p="{NS_P}" type="blank" preserve="1"><p:cSld name="Blank">{EMPTY_TREE}</p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"#
    )
}

pub fn layout_rels() -> String {
    rels(&[(
        "rId1".into(),
        "slideMaster",
        "../slideMasters/slideMaster1.xml".into(),
    )])
}

/// The theme: the brand colour as accent 1 (charts' first series, headings), `font` for text.
pub fn theme(accent: &str, font: &str) -> String {
    let font = esc(font);
    let fill = r#"<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>"#;
    let line = |w: u32| {
        format!(r#"<a:ln w="{w}"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln>"#)
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<a:theme xmlns:a="{NS_A}" name="Quire"><a:themeElements><a:clrScheme name="Quire"><a:dk1><a:srgbClr val="1D2329"/></a:dk1><a:lt1><a:srgbClr val="FFFFFF"/></a:lt1><a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="F3F5F7"/></a:lt2><a:accent1><a:srgbClr val="{accent}"/></a:accent1><a:accent2><a:srgbClr val="E07B39"/></a:accent2><a:accent3><a:srgbClr val="3A9D6B"/></a:accent3><a:accent4><a:srgbClr val="8E6BBF"/></a:accent4><a:accent5><a:srgbClr val="D1495B"/></a:accent5><a:accent6><a:srgbClr val="6C8EAD"/></a:accent6><a:hlink><a:srgbClr val="{accent}"/></a:hlink><a:folHlink><a:srgbClr val="8E6BBF"/></a:folHlink></a:clrScheme><a:fontScheme name="Quire"><a:majorFont><a:latin typeface="{font}"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont><a:minorFont><a:latin typeface="{font}"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont></a:fontScheme><a:fmtScheme name="Quire"><a:fillStyleLst>{fill}{fill}{fill}</a:fillStyleLst><a:lnStyleLst>{}{}{}</a:lnStyleLst><a:effectStyleLst><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle></a:effectStyleLst><a:bgFillStyleLst>{fill}{fill}{fill}</a:bgFillStyleLst></a:fmtScheme></a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"#,
        line(6350),
        line(12700),
        line(19050)
    )
}

pub fn core(title: &str, created: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>Quire</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified></cp:coreProperties>"#,
        esc(title)
    )
}

pub fn app(slides: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Quire</Application><Slides>{slides}</Slides><PresentationFormat>Widescreen</PresentationFormat></Properties>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_characters_xml_cannot_hold_are_dropped() {
        assert_eq!(esc("a<b & \"c\"\u{1}\u{7}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(esc("x\ty"), "x y");
    }
}
