//! Writing a slide's shapes as PresentationML: text boxes, filled rectangles, native tables,
//! chart frames and pictures. Every text is escaped here, and characters XML cannot hold are
//! dropped.

use super::parts::{esc, rels, NS_A, NS_C, NS_P, NS_R};

/// One run of text: its words, size (points), bold, colour (`RRGGBB`).
pub struct Run<'a> {
    pub text: &'a str,
    pub size: u32,
    pub bold: bool,
    pub color: &'a str,
}

/// How a paragraph is aligned.
#[derive(Clone, Copy)]
pub enum Align {
    Left,
    Right,
}

impl Align {
    fn attr(self) -> &'static str {
        match self {
            Align::Left => "l",
            Align::Right => "r",
        }
    }
}

fn run(r: &Run) -> String {
    format!(
        r#"<a:r><a:rPr lang="en-US" sz="{}" b="{}" dirty="0"><a:solidFill><a:srgbClr val="{}"/></a:solidFill></a:rPr><a:t>{}</a:t></a:r>"#,
        r.size * 100,
        u8::from(r.bold),
        r.color,
        esc(r.text)
    )
}

fn paragraph(runs: &[Run], align: Align) -> String {
    let body: String = runs.iter().map(run).collect();
    format!(
        r#"<a:p><a:pPr algn="{}"><a:spcBef><a:spcPts val="300"/></a:spcBef></a:pPr>{body}</a:p>"#,
        align.attr()
    )
}

/// Where a shape is: x, y, width, height in EMU.
#[derive(Clone, Copy)]
pub struct Rect(pub i64, pub i64, pub i64, pub i64);

impl Rect {
    fn xfrm(self, tag: &str) -> String {
        let Rect(x, y, w, h) = self;
        format!(r#"<{tag}><a:off x="{x}" y="{y}"/><a:ext cx="{w}" cy="{h}"/></{tag}>"#)
    }
}

/// A slide being written: its shapes and its relationships (the layout is rId1).
pub struct Slide {
    body: String,
    next_id: u32,
    rels: Vec<(String, &'static str, String)>,
}

impl Slide {
    /// A slide on `layout` (its part name).
    pub fn new(layout: &str) -> Slide {
        let target = format!("../{}", layout.strip_prefix("ppt/").unwrap_or(layout));
        Slide {
            body: String::new(),
            next_id: 2,
            rels: vec![("rId1".into(), "slideLayout", target)],
        }
    }

    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// Adds a relationship; its id.
    pub fn relate(&mut self, kind: &'static str, target: String) -> String {
        let id = format!("rId{}", self.rels.len() + 1);
        self.rels.push((id.clone(), kind, target));
        id
    }

    /// A text box of paragraphs (each a list of runs), anchored at the top (`middle`: centred).
    pub fn text(&mut self, at: Rect, paragraphs: &[(Vec<Run>, Align)], middle: bool) {
        let id = self.id();
        let paras: String = paragraphs.iter().map(|(r, a)| paragraph(r, *a)).collect();
        let anchor = if middle { "ctr" } else { "t" };
        self.body += &format!(
            r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="Text {id}"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr>{}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/></p:spPr><p:txBody><a:bodyPr wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="{anchor}"><a:normAutofit/></a:bodyPr><a:lstStyle/>{paras}</p:txBody></p:sp>"#,
            at.xfrm("a:xfrm")
        );
    }

    /// A filled rectangle (`round`: rounded corners), with a line of `line` colour if given.
    pub fn rect(&mut self, at: Rect, fill: &str, line: Option<&str>, round: bool) {
        let id = self.id();
        let geom = if round { "roundRect" } else { "rect" };
        let ln = match line {
            Some(c) => format!(
                r#"<a:ln w="9525"><a:solidFill><a:srgbClr val="{c}"/></a:solidFill></a:ln>"#
            ),
            None => "<a:ln><a:noFill/></a:ln>".into(),
        };
        let adj = if round {
            r#"<a:gd name="adj" fmla="val 6000"/>"#
        } else {
            ""
        };
        self.body += &format!(
            r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="Shape {id}"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr>{}<a:prstGeom prst="{geom}"><a:avLst>{adj}</a:avLst></a:prstGeom><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>{ln}</p:spPr></p:sp>"#,
            at.xfrm("a:xfrm")
        );
    }

    /// A native table: a header row (white on `accent`), then `rows`, banded; `numeric`
    /// columns right-aligned; `widths` in EMU.
    pub fn table(
        &mut self,
        at: Rect,
        headers: &[String],
        rows: &[Vec<String>],
        numeric: &[bool],
        widths: &[i64],
        (accent, size): (&str, u32),
    ) {
        let id = self.id();
        let row_h = at.3 / (rows.len() as i64 + 1).max(1);
        let grid: String = widths
            .iter()
            .map(|w| format!(r#"<a:gridCol w="{w}"/>"#))
            .collect();
        let cell = |text: &str, right: bool, head: bool, band: bool| {
            let (color, fill) = match (head, band) {
                (true, _) => ("FFFFFF", accent.to_string()),
                (false, true) => ("1D2329", "F3F5F7".to_string()),
                (false, false) => ("1D2329", "FFFFFF".to_string()),
            };
            let align = if right { Align::Right } else { Align::Left };
            let p = paragraph(
                &[Run {
                    text,
                    size,
                    bold: head,
                    color,
                }],
                align,
            );
            format!(
                r#"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>{p}</a:txBody><a:tcPr marL="68580" marR="68580" marT="22860" marB="22860" anchor="ctr"><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill></a:tcPr></a:tc>"#
            )
        };
        let mut trs = format!(r#"<a:tr h="{row_h}">"#);
        for (i, h) in headers.iter().enumerate() {
            trs += &cell(h, numeric.get(i).copied().unwrap_or(false), true, false);
        }
        trs += "</a:tr>";
        for (n, r) in rows.iter().enumerate() {
            trs += &format!(r#"<a:tr h="{row_h}">"#);
            for i in 0..headers.len() {
                let text = r.get(i).map(String::as_str).unwrap_or("");
                trs += &cell(
                    text,
                    numeric.get(i).copied().unwrap_or(false),
                    false,
                    n % 2 == 1,
                );
            }
            trs += "</a:tr>";
        }
        self.body += &format!(
            r#"<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="{id}" name="Table {id}"/><p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/></p:nvGraphicFramePr>{}<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl><a:tblPr firstRow="1" bandRow="1"/><a:tblGrid>{grid}</a:tblGrid>{trs}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"#,
            at.xfrm("p:xfrm")
        );
    }

    /// A chart part (`ppt/charts/chartN.xml`) drawn at `at`.
    pub fn chart(&mut self, at: Rect, n: usize, title: &str) {
        let id = self.id();
        let rel = self.relate("chart", format!("../charts/chart{n}.xml"));
        self.body += &format!(
            r#"<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="{id}" name="Chart {id}" descr="{}"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>{}<a:graphic><a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" r:id="{rel}"/></a:graphicData></a:graphic></p:graphicFrame>"#,
            esc(title),
            at.xfrm("p:xfrm")
        );
    }

    /// A picture (`ppt/media/<file>`) drawn at `at`, described for screen readers.
    pub fn picture(&mut self, at: Rect, file: &str, description: &str) {
        let id = self.id();
        let rel = self.relate("image", format!("../media/{file}"));
        self.body += &format!(
            r#"<p:pic><p:nvPicPr><p:cNvPr id="{id}" name="Picture {id}" descr="{}"/><p:cNvPicPr><a:picLocks noChangeAspect="1"/></p:cNvPicPr><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="{rel}"/><a:stretch><a:fillRect/></a:stretch></p:blipFill><p:spPr>{}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>"#,
            esc(description),
            at.xfrm("a:xfrm")
        );
    }

    /// The slide's XML and its relationships'.
    pub fn finish(self) -> (String, String) {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sld xmlns:a="{NS_A}" xmlns:r="{NS_R}" xmlns:p="{NS_P}"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>{}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"#,
            self.body
        );
        (xml, rels(&self.rels))
    }
}
