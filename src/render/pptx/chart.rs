//! A native, editable PowerPoint chart (DrawingML `c:chartSpace`) of a Quire chart's numbers,
//! with the workbook "Edit data" opens embedded beside it: its Sheet1 holds the categories in
//! column A and a series a column from B, and the chart's formulas point there, their cached
//! values filled in so the slide draws without opening it.

use super::parts::{esc, NS_A, NS_C, NS_R};
use crate::model::report::VizType;
use crate::report::run::{Categories, ChartData};
use rust_xlsxwriter::{Workbook, XlsxError};

/// Whether PowerPoint has a chart for this kind (others are pictures).
pub fn is_native(kind: VizType) -> bool {
    matches!(
        kind,
        VizType::Line
            | VizType::Area
            | VizType::Bar
            | VizType::Hbar
            | VizType::StackedBar
            | VizType::Pie
            | VizType::Donut
            | VizType::Scatter
            | VizType::Histogram
    )
}

/// The category labels: dates in one year as "Nov 1", else ISO.
fn labels(c: &Categories) -> Vec<String> {
    match c {
        Categories::Labels(l) => l.clone(),
        Categories::Numbers(n) => n.iter().map(|x| x.to_string()).collect(),
        Categories::Dates(d) => {
            use chrono::Datelike;
            let one_year = d.first().map(|f| f.year()) == d.last().map(|l| l.year());
            let pattern = if one_year { "%b %-d" } else { "%Y-%m-%d" };
            d.iter().map(|x| x.format(pattern).to_string()).collect()
        }
    }
}

/// Excel's name of column `i` (0 = A).
fn column(i: usize) -> String {
    let (mut n, mut s) = (i + 1, String::new());
    while n > 0 {
        let r = (n - 1) % 26;
        s.insert(0, (b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    s
}

/// The embedded workbook: categories in A, each series in its column, names in row 1.
pub fn workbook(data: &ChartData) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet().set_name("Sheet1")?;
    let cats = labels(&data.categories);
    for (r, label) in cats.iter().enumerate() {
        let row = r as u32 + 1;
        match &data.categories {
            Categories::Numbers(n) => sheet.write_number(row, 0, n[r])?,
            _ => sheet.write_string(row, 0, label)?,
        };
    }
    for (i, (name, values)) in data.series.iter().enumerate() {
        let col = i as u16 + 1;
        sheet.write_string(0, col, series_name(name, i))?;
        for (r, v) in values.iter().enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                sheet.write_number(r as u32 + 1, col, v)?;
            }
        }
    }
    sheet.set_column_width(0, 18)?;
    wb.save_to_buffer()
}

fn series_name(name: &str, i: usize) -> String {
    match name.is_empty() {
        true if i == 0 => "Value".into(),
        true => format!("Series {}", i + 1),
        false => name.to_string(),
    }
}

fn str_cache(f: &str, items: &[String]) -> String {
    let pts: String = items
        .iter()
        .enumerate()
        .map(|(i, v)| format!(r#"<c:pt idx="{i}"><c:v>{}</c:v></c:pt>"#, esc(v)))
        .collect();
    format!(
        r#"<c:strRef><c:f>{f}</c:f><c:strCache><c:ptCount val="{}"/>{pts}</c:strCache></c:strRef>"#,
        items.len()
    )
}

fn num_cache(f: &str, values: &[Option<f64>], code: &str) -> String {
    let pts: String = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let v = v.filter(|v| v.is_finite())?;
            Some(format!(r#"<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>"#))
        })
        .collect();
    format!(
        r#"<c:numRef><c:f>{f}</c:f><c:numCache><c:formatCode>{}</c:formatCode><c:ptCount val="{}"/>{pts}</c:numCache></c:numRef>"#,
        esc(code),
        values.len()
    )
}

const PALETTE: [&str; 6] = ["", "E07B39", "3A9D6B", "8E6BBF", "D1495B", "6C8EAD"];

/// A series' colour: the brand colour first, then the theme's other accents.
fn colour(i: usize, accent: &str) -> String {
    match i % PALETTE.len() {
        0 => accent.to_string(),
        k => PALETTE[k].to_string(),
    }
}

/// The chart part for `data` (a kind `is_native` accepts), its number format `code`.
pub fn chart_xml(data: &ChartData, accent: &str, code: &str) -> String {
    let n = data.categories.len();
    // Axes are read at a glance: no decimals there ($80,000, 12%).
    let axis_code = code.replace(".00", "").replace(".0", "");
    let axis_code = axis_code.as_str();
    let cats = labels(&data.categories);
    let cat_ref = format!("Sheet1!$A$2:$A${}", n + 1);
    let series = |i: usize, name: &str, values: &[Option<f64>], line: bool| {
        let col = column(i + 1);
        let name_ref = str_cache(&format!("Sheet1!${col}$1"), &[series_name(name, i)]);
        let vals = num_cache(&format!("Sheet1!${col}$2:${col}${}", n + 1), values, code);
        let fill = colour(i, accent);
        let sp = if line {
            format!(
                r#"<c:spPr><a:ln w="28575" cap="rnd"><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill><a:round/></a:ln></c:spPr><c:marker><c:symbol val="none"/></c:marker>"#
            )
        } else {
            format!(r#"<c:spPr><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill></c:spPr>"#)
        };
        (name_ref, sp, vals)
    };
    let mut body = String::new();
    let pie = matches!(data.kind, VizType::Pie | VizType::Donut);
    let (second, first): (Vec<usize>, Vec<usize>) =
        (0..data.series.len()).partition(|i| !pie && data.axis2.contains(&data.series[*i].0));
    let cat = format!("<c:cat>{}</c:cat>", str_cache(&cat_ref, &cats));
    let group = |idx: &[usize], line: bool| -> String {
        idx.iter()
            .map(|&i| {
                let (name, values) = &data.series[i];
                let (tx, sp, vals) = series(i, name, values, line);
                let extra = if line { "" } else { r#"<c:invertIfNegative val="0"/>"# };
                let smooth = if line { r#"<c:smooth val="0"/>"# } else { "" };
                format!(
                    r#"<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx>{tx}</c:tx>{sp}{extra}{cat}<c:val>{vals}</c:val>{smooth}</c:ser>"#
                )
            })
            .collect()
    };
    let axes = |cat_id: u32, val_id: u32, right: bool, dir_bar: bool| {
        let (cat_pos, val_pos) = match (right, dir_bar) {
            (true, _) => ("b", "r"),
            (false, true) => ("l", "b"),
            (false, false) => ("b", "l"),
        };
        let hidden = u8::from(right);
        let crosses = if right { "max" } else { "autoZero" };
        format!(
            r#"<c:catAx><c:axId val="{cat_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="{hidden}"/><c:axPos val="{cat_pos}"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="{val_id}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx><c:valAx><c:axId val="{val_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="{val_pos}"/>{}<c:numFmt formatCode="{}" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:spPr><a:ln><a:noFill/></a:ln></c:spPr><c:crossAx val="{cat_id}"/><c:crosses val="{crosses}"/><c:crossBetween val="between"/></c:valAx>"#,
            if right {
                ""
            } else {
                r#"<c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="E3E7EB"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>"#
            },
            esc(axis_code)
        )
    };
    match data.kind {
        VizType::Pie | VizType::Donut => {
            // One series, a colour per slice (the theme's accents, varyColors).
            let (name, values) = &data.series[0];
            let (tx, _, vals) = series(0, name, values, false);
            let ser = format!(
                r#"<c:ser><c:idx val="0"/><c:order val="0"/><c:tx>{tx}</c:tx><c:dLbls><c:numFmt formatCode="0%" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr><c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1200" b="1"><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></a:defRPr></a:pPr><a:endParaRPr lang="en-US"/></a:p></c:txPr><c:showLegendKey val="0"/><c:showVal val="0"/><c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="1"/><c:showBubbleSize val="0"/><c:showLeaderLines val="1"/></c:dLbls>{cat}<c:val>{vals}</c:val></c:ser>"#
            );
            body += &match data.kind {
                VizType::Donut => format!(
                    r#"<c:doughnutChart><c:varyColors val="1"/>{ser}<c:firstSliceAng val="0"/><c:holeSize val="55"/></c:doughnutChart>"#
                ),
                _ => format!(
                    r#"<c:pieChart><c:varyColors val="1"/>{ser}<c:firstSliceAng val="0"/></c:pieChart>"#
                ),
            };
        }
        VizType::Scatter => {
            let x_ref = format!("Sheet1!$A$2:$A${}", n + 1);
            let xs: Vec<Option<f64>> = match &data.categories {
                Categories::Numbers(x) => x.iter().map(|v| Some(*v)).collect(),
                _ => (0..n).map(|i| Some(i as f64)).collect(),
            };
            let sers: String = (0..data.series.len())
                .map(|i| {
                    let (name, values) = &data.series[i];
                    let (tx, _, vals) = series(i, name, values, false);
                    let fill = colour(i, accent);
                    format!(
                        r#"<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx>{tx}</c:tx><c:spPr><a:ln w="19050"><a:noFill/></a:ln></c:spPr><c:marker><c:symbol val="circle"/><c:size val="6"/><c:spPr><a:solidFill><a:srgbClr val="{fill}"/></a:solidFill><a:ln><a:noFill/></a:ln></c:spPr></c:marker><c:xVal>{}</c:xVal><c:yVal>{vals}</c:yVal><c:smooth val="0"/></c:ser>"#,
                        num_cache(&x_ref, &xs, "General")
                    )
                })
                .collect();
            body += &format!(
                r#"<c:scatterChart><c:scatterStyle val="lineMarker"/><c:varyColors val="0"/>{sers}<c:axId val="1001"/><c:axId val="1002"/></c:scatterChart><c:valAx><c:axId val="1001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="1002"/><c:crosses val="autoZero"/><c:crossBetween val="midCat"/></c:valAx><c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="E3E7EB"/></a:solidFill></a:ln></c:spPr></c:majorGridlines><c:numFmt formatCode="{}" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="1001"/><c:crosses val="autoZero"/><c:crossBetween val="midCat"/></c:valAx>"#,
                esc(axis_code)
            );
        }
        VizType::Line | VizType::Area => {
            let line = data.kind == VizType::Line;
            let tag = if line { "lineChart" } else { "areaChart" };
            let marker = if line { r#"<c:marker val="1"/>"# } else { "" };
            body += &format!(
                r#"<c:{tag}><c:grouping val="standard"/><c:varyColors val="0"/>{}{marker}<c:axId val="1001"/><c:axId val="1002"/></c:{tag}>"#,
                group(&first, line)
            );
            body += &axes(1001, 1002, false, false);
        }
        _ => {
            let (dir, grouping, overlap, gap) = match data.kind {
                VizType::Hbar => ("bar", "clustered", "", 60),
                VizType::StackedBar => ("col", "stacked", r#"<c:overlap val="100"/>"#, 60),
                VizType::Histogram => ("col", "clustered", "", 0),
                _ => ("col", "clustered", "", 60),
            };
            body += &format!(
                r#"<c:barChart><c:barDir val="{dir}"/><c:grouping val="{grouping}"/><c:varyColors val="0"/>{}<c:gapWidth val="{gap}"/>{overlap}<c:axId val="1001"/><c:axId val="1002"/></c:barChart>"#,
                group(&first, false)
            );
            if !second.is_empty() {
                body += &format!(
                    r#"<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{}<c:marker val="1"/><c:axId val="1003"/><c:axId val="1004"/></c:lineChart>"#,
                    group(&second, true)
                );
            }
            body += &axes(1001, 1002, false, dir == "bar");
            if !second.is_empty() {
                body += &axes(1003, 1004, true, false);
            }
        }
    }
    let legend = if data.series.len() > 1 || pie {
        r#"<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>"#
    } else {
        ""
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}"><c:roundedCorners val="0"/><c:chart><c:autoTitleDeleted val="1"/><c:plotArea><c:layout/>{body}</c:plotArea>{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart><c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1200"><a:solidFill><a:srgbClr val="44546A"/></a:solidFill></a:defRPr></a:pPr><a:endParaRPr lang="en-US"/></a:p></c:txPr><c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        assert_eq!(column(0), "A");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
        assert_eq!(column(255), "IV");
    }
}
