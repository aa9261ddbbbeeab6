//! XLSX of a report. A Summary sheet: title, parameters, the KPIs as numbers with their
//! formats, and a native Excel chart (not a picture) for each line, area, bar, hbar, stacked
//! bar, pie, donut, scatter (its points' rows), candlestick (a stock chart) and histogram
//! (columns without gaps over its bins' counts) chart, drawn from its numbers written beside
//! it; a heatmap's numbers are its grid, coloured by value (a colour scale), a waterfall's its
//! changes and running totals. One Data sheet per table with typed cells: numbers are
//! numbers, ISO dates are dates; frozen header, autofilter, fitted columns. Text from data or
//! definitions is always written as a string cell, never as a formula, so a value like
//! `=HYPERLINK(...)` shows as itself (no CSV-style escaping is needed). A pivot table gets a
//! sheet of its own with outline groups and its totals as formulas (`pivot.rs`).
//! A dashboard is laid out by the same writers with one sheet per widget (`dashboard.rs`).

mod dashboard;
mod pivot;

pub use dashboard::render_sheets;

use super::RenderError;
use crate::data::query::{Cell, ResultSet};
use crate::model::report::{DateOrder, DatePattern, FormatKind, Placement, ValueFormat, VizType};
use crate::report::format;
use crate::report::run::{Categories, ChartData, ChartOut, Kpi, Output, TableOut};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartType, ConditionalFormat3ColorScale, ExcelDateTime, Format, Workbook,
    Worksheet, XlsxError,
};

/// The report as a workbook.
pub fn render(out: &Output) -> Result<Vec<u8>, RenderError> {
    build(out).map_err(|e| RenderError::Failed(e.to_string()))
}

/// Column of the Summary sheet where the charts' numbers start (H).
const DATA_COL: u16 = 7;
/// Rows a chart takes on the Summary sheet (at the default 20 px a row).
const CHART_ROWS: u32 = 17;
/// Rows looked at to fit a column's width.
const FIT_ROWS: usize = 500;

/// A cell's number format for a value format in the thread's locale: `#,##0.00 "€"`,
/// `"$"#,##0.00`, `0.0%`, `+0.0%;-0.0%;0.0%`. Separators are the reader's Excel's own.
fn number_format(f: Option<ValueFormat>, whole: bool) -> Format {
    Format::new().set_num_format(number_code(f, whole))
}

pub(super) fn number_code(f: Option<ValueFormat>, whole: bool) -> String {
    let places = |d: u8| match d {
        0 => String::new(),
        d => format!(".{}", "0".repeat(d as usize)),
    };
    let Some(f) = f else {
        return if whole { "#,##0" } else { "#,##0.00" }.into();
    };
    let body = match f.kind {
        FormatKind::Percent => format!("0{}%", places(f.decimals.unwrap_or(1))),
        FormatKind::Integer => format!("#,##0{}", places(f.decimals.unwrap_or(0))),
        FormatKind::Currency => {
            let locale = format::locale();
            let currency = f.currency.unwrap_or_else(|| locale.currency());
            let digits = format!(
                "#,##0{}",
                places(f.decimals.unwrap_or_else(|| currency.decimals()))
            );
            let symbol = format!("\"{}\"", currency.symbol().replace('"', ""));
            match f.placement.unwrap_or_else(|| locale.placement()) {
                Placement::Before => format!("{symbol}{digits}"),
                Placement::After => format!("{digits} {symbol}"),
            }
        }
        FormatKind::Number | FormatKind::Date => match f.decimals {
            Some(d) => format!("#,##0{}", places(d)),
            None if whole => "#,##0".into(),
            None => "#,##0.00".into(),
        },
    };
    if f.signed {
        let zero = body.replace('#', "").trim_start_matches(',').to_string();
        format!("+{body};-{body};{zero}")
    } else {
        body
    }
}

/// A date cell's format: the column's pattern, else the locale's (`dd.mm.yyyy` in `de-DE`).
fn date_code(f: Option<ValueFormat>) -> &'static str {
    let locale = format::locale();
    let pattern = f
        .filter(|f| f.kind == FormatKind::Date)
        .map(|f| f.date.unwrap_or(DatePattern::Short))
        .unwrap_or_else(|| locale.default_date());
    let (order, sep) = locale.date_order();
    match (pattern, order, sep) {
        (DatePattern::Iso, _, _) => "yyyy-mm-dd",
        (DatePattern::Short, DateOrder::Mdy, _) => "m/d/yyyy",
        (DatePattern::Short, DateOrder::Dmy, '.') => "dd.mm.yyyy",
        (DatePattern::Short, DateOrder::Dmy, _) => "dd/mm/yyyy",
        (DatePattern::Long, DateOrder::Mdy, _) => "mmm d, yyyy",
        (DatePattern::Long, DateOrder::Dmy, _) => "d mmm yyyy",
        (DatePattern::Month, _, _) => "mmm yyyy",
    }
}

fn build(out: &Output) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(16);
    let summary = wb.add_worksheet().set_name("Summary")?;
    summary.write_with_format(0, 0, &out.name, &title)?;
    summary.write(1, 0, format!("Generated {}", out.generated()))?;
    let mut row = 3;
    for (k, v) in &out.parameters {
        summary.write_string(row, 0, k)?;
        summary.write_string(row, 1, v)?;
        row += 1;
    }
    if out.kpis().next().is_some() {
        row = write_kpis(summary, row + 1, out.kpis(), &bold)?;
    }
    summary.set_column_width(0, 28)?;
    summary.set_column_width(1, 18)?;
    summary.set_column_width(2, 18)?;
    summary.set_column_width(3, 10)?;

    // Each chart: its numbers at H.., the chart itself below the KPIs.
    let mut data_row = 3;
    let mut chart_row = row + 2;
    for c in out.charts() {
        let Some(data) = c.data.as_ref().filter(|d| !d.categories.is_empty()) else {
            continue;
        };
        let (first, last) = write_chart_data(summary, data_row, DATA_COL, c, data, &bold)?;
        if let Some(chart) = draw("Summary", summary, DATA_COL, c, data, (first, last))? {
            summary.insert_chart(chart_row, 0, &chart)?;
            chart_row += CHART_ROWS + 1;
        }
        data_row = last + 3;
    }
    summary.set_column_width(DATA_COL, 14)?;

    for (n, t) in out.tables().enumerate() {
        let name = if n == 0 {
            "Data".to_string()
        } else {
            format!("Data {}", n + 1)
        };
        // Rows go to a temporary file as they are written: a big table does not sit in
        // memory twice.
        let sheet = wb.add_worksheet_with_constant_memory()?.set_name(&name)?;
        write_table(sheet, t, &bold)?;
    }
    for (n, p) in out.pivots().enumerate() {
        let name = match n {
            0 => "Pivot".to_string(),
            n => format!("Pivot {}", n + 1),
        };
        let sheet = wb.add_worksheet().set_name(&name)?;
        pivot::write_pivot(sheet, p)?;
    }
    wb.save_to_buffer()
}

/// Writes KPI rows under a header row at `at` (Metric, Value, Previous, Change), numbers with
/// their formats and the change as a fraction; returns the last row written.
fn write_kpis<'a>(
    sheet: &mut Worksheet,
    at: u32,
    kpis: impl Iterator<Item = &'a Kpi>,
    bold: &Format,
) -> Result<u32, XlsxError> {
    let mut row = at;
    for (c, h) in ["Metric", "Value", "Previous", "Change"].iter().enumerate() {
        sheet.write_with_format(row, c as u16, *h, bold)?;
    }
    let change = Format::new().set_num_format("+0.0%;-0.0%;0.0%");
    for k in kpis {
        row += 1;
        let whole = k.number.fract() == 0.0 && k.previous_number.is_none_or(|p| p.fract() == 0.0);
        let f = number_format(k.format, whole);
        sheet.write_string(row, 0, &k.title)?;
        sheet.write_number_with_format(row, 1, k.number, &f)?;
        if let Some(p) = k.previous_number {
            sheet.write_number_with_format(row, 2, p, &f)?;
        }
        if let Some(c) = k.change_fraction() {
            sheet.write_number_with_format(row, 3, c, &change)?;
        }
    }
    Ok(row)
}

/// Writes a chart's numbers with a title and header row; returns its first and last data row.
fn write_chart_data(
    sheet: &mut Worksheet,
    at: u32,
    col: u16,
    c: &ChartOut,
    data: &ChartData,
    bold: &Format,
) -> Result<(u32, u32), XlsxError> {
    sheet.write_with_format(at, col, &c.title, bold)?;
    let header = at + 1;
    let head = match data.categories {
        Categories::Dates(_) => "Date",
        Categories::Labels(_) => "Label",
        Categories::Numbers(_) => "X",
    };
    sheet.write_with_format(header, col, head, bold)?;
    for (i, (name, _)) in data.series.iter().enumerate() {
        let name = if name.is_empty() { &c.title } else { name };
        sheet.write_with_format(header, col + 1 + i as u16, name, bold)?;
    }
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let f = number_format(data.format, false);
    let first = header + 1;
    for i in 0..data.categories.len() {
        let r = first + i as u32;
        match &data.categories {
            Categories::Dates(d) => {
                sheet.write_datetime_with_format(r, col, excel_date(d[i])?, &date_format)?;
            }
            Categories::Labels(l) => {
                sheet.write_string(r, col, &l[i])?;
            }
            Categories::Numbers(n) => {
                sheet.write_number(r, col, n[i])?;
            }
        }
        for (s, (_, values)) in data.series.iter().enumerate() {
            if let Some(v) = values[i] {
                sheet.write_number_with_format(r, col + 1 + s as u16, v, &f)?;
            }
        }
    }
    Ok((first, first + data.categories.len() as u32 - 1))
}

/// What a spreadsheet shows of a chart whose numbers are at rows `first..=last` of `sheet`
/// (named `sheet_name`) from column `col` on: its native Excel chart, or for a heatmap its
/// grid coloured by value (no chart).
fn draw(
    sheet_name: &str,
    sheet: &mut Worksheet,
    col: u16,
    c: &ChartOut,
    data: &ChartData,
    (first, last): (u32, u32),
) -> Result<Option<Chart>, XlsxError> {
    // No native waterfall chart to write (rust_xlsxwriter has none): its changes and
    // running totals are the numbers.
    if data.kind == VizType::Waterfall {
        return Ok(None);
    }
    if data.kind == VizType::Heatmap {
        let right = col + data.series.len() as u16;
        // Light blues, so the figures stay readable on the darkest cell.
        let scale = ConditionalFormat3ColorScale::new()
            .set_minimum_color("F7FBFF")
            .set_midpoint_color("C6DBEF")
            .set_maximum_color("6BAED6");
        sheet.add_conditional_format(first, col + 1, last, right, &scale)?;
        return Ok(None);
    }
    Ok(Some(native_chart(sheet_name, col, c, data, first, last)))
}

/// The Excel chart of a Quire chart, reading the numbers at rows `first..=last` of `sheet_name`
/// from column `col` (categories) on (one column a series).
fn native_chart(
    sheet_name: &str,
    col: u16,
    c: &ChartOut,
    data: &ChartData,
    first: u32,
    last: u32,
) -> Chart {
    let kind = match data.kind {
        VizType::Line => ChartType::Line,
        VizType::Area => ChartType::Area,
        VizType::Hbar => ChartType::Bar,
        VizType::Pie => ChartType::Pie,
        VizType::Donut => ChartType::Doughnut,
        VizType::StackedBar => ChartType::ColumnStacked,
        VizType::Scatter => ChartType::Scatter,
        VizType::Candlestick => ChartType::Stock,
        _ => ChartType::Column,
    };
    let stock = data.kind == VizType::Candlestick;
    let mut chart = Chart::new(kind);
    chart.title().set_name(&c.title);
    chart.set_width(640).set_height(CHART_ROWS * 20);
    // Measures on a second axis: a line chart combined with the bars, on the right axis.
    let mut second = Chart::new(ChartType::Line);
    for (i, (name, _)) in data.series.iter().enumerate() {
        let values = col + 1 + i as u16;
        let on_second = data.axis2.contains(name);
        let target = match on_second {
            true => &mut second,
            false => &mut chart,
        };
        let series = target
            .add_series()
            .set_categories((sheet_name, first, col, last, col))
            .set_values((sheet_name, first, values, last, values));
        if !name.is_empty() {
            series.set_name((sheet_name, first - 1, values));
        }
        if on_second {
            series.set_secondary_axis(true);
        }
        if stock {
            // Open, high, low, close: no lines of their own, drawn as candles.
            series.set_format(ChartFormat::new().set_no_line());
        }
        if data.kind == VizType::Histogram {
            // Bins side by side, as the histogram draws them.
            series.set_gap(0);
        }
    }
    if !data.axis2.is_empty() {
        chart.combine(&second);
    }
    if stock {
        chart.set_high_low_lines(true).set_up_down_bars(true);
        chart.legend().set_hidden();
    }
    if data.series.len() == 1 && !matches!(data.kind, VizType::Pie | VizType::Donut) {
        chart.legend().set_hidden();
    }
    if matches!(data.categories, Categories::Dates(_)) {
        chart.x_axis().set_date_axis(true).set_num_format("mmm d");
    }
    chart
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn excel_datetime(t: NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    excel_date(t.date())?.and_hms(t.hour() as u16, t.minute() as u8, t.second() as f64)
}

/// How a text column is written: as it is, or as dates when every value is one.
#[derive(Clone, Copy, PartialEq)]
enum TextKind {
    Text,
    Date,
    DateTime,
}

fn text_kind(rs: &ResultSet, col: usize) -> TextKind {
    let mut kind = None;
    for r in &rs.rows {
        let Some(Cell::Text(s)) = r.get(col) else {
            if matches!(r.get(col), Some(Cell::Null) | None) {
                continue;
            }
            return TextKind::Text;
        };
        let this = if parse_date(s).is_some() {
            TextKind::Date
        } else if parse_datetime(s).is_some() {
            TextKind::DateTime
        } else {
            return TextKind::Text;
        };
        if kind.is_some_and(|k| k != this) {
            return TextKind::Text;
        }
        kind = Some(this);
    }
    kind.unwrap_or(TextKind::Text)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// One table on its own sheet, typed and formatted.
fn write_table(sheet: &mut Worksheet, t: &TableOut, bold: &Format) -> Result<(), XlsxError> {
    let rs = &t.result;
    for (c, h) in t.headers.iter().enumerate() {
        sheet.write_with_format(0, c as u16, h, bold)?;
    }
    let columns: Vec<(TextKind, Format, Format, Format)> = (0..t.headers.len())
        .map(|c| {
            let f = t.formats.get(c).copied().flatten();
            let whole = rs
                .rows
                .iter()
                .all(|r| !matches!(r.get(c), Some(Cell::Real(_))));
            let date = date_code(f);
            (
                text_kind(rs, c),
                number_format(f, whole),
                Format::new().set_num_format(date),
                Format::new().set_num_format(format!("{date} hh:mm:ss")),
            )
        })
        .collect();
    for (r, cells) in rs.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in cells.iter().enumerate().take(columns.len()) {
            let (kind, number, date, datetime) = &columns[c];
            let col = c as u16;
            match cell {
                Cell::Null => {}
                // Integers keep Excel's general format (ids must not get separators) unless
                // the report gives the column a format.
                Cell::Int(i) if t.formats.get(c).copied().flatten().is_none() => {
                    sheet.write_number(r, col, *i as f64)?;
                }
                Cell::Int(i) => {
                    sheet.write_number_with_format(r, col, *i as f64, number)?;
                }
                Cell::Real(f) => {
                    sheet.write_number_with_format(r, col, *f, number)?;
                }
                Cell::Text(s) => {
                    let typed = match kind {
                        TextKind::Date => parse_date(s)
                            .map(excel_date)
                            .transpose()?
                            .map(|d| (d, date)),
                        TextKind::DateTime => parse_datetime(s)
                            .map(excel_datetime)
                            .transpose()?
                            .map(|d| (d, datetime)),
                        TextKind::Text => None,
                    };
                    match typed {
                        Some((d, f)) => sheet.write_datetime_with_format(r, col, d, f)?,
                        None => sheet.write_string(r, col, s)?,
                    };
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !t.headers.is_empty() {
        sheet.autofilter(0, 0, rs.rows.len() as u32, t.headers.len() as u16 - 1)?;
    }
    // Widths from the header and the first rows' text, within reason.
    for (c, h) in t.headers.iter().enumerate() {
        let widest = rs
            .rows
            .iter()
            .take(FIT_ROWS)
            .filter_map(|r| r.get(c))
            .map(|cell| match (cell, columns[c].0) {
                (Cell::Text(_), TextKind::Date) => 10,
                (Cell::Text(_), TextKind::DateTime) => 19,
                (Cell::Real(f), _) => crate::report::format::thousands(*f, 2).len() + 1,
                (cell, _) => cell.as_text().chars().count(),
            })
            .max()
            .unwrap_or(0)
            .max(h.chars().count() + 3); // room for the autofilter button
        sheet.set_column_width(c as u16, widest.clamp(6, 60) as f64 + 1.0)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::run::{Item, SectionOut};
    use calamine::{Data, Reader, Xlsx};
    use std::sync::Arc;

    fn output(cells: Vec<Cell>) -> Output {
        let result = ResultSet {
            columns: vec!["=cmd".into(), "n".into()],
            rows: vec![cells],
        };
        Output {
            report_id: "r".into(),
            name: "=1+1".into(),
            description: String::new(),
            parameters: vec![("region".into(), "@SUM(A1)".into())],
            generated_at: chrono::Utc::now(),
            time_zone: chrono_tz::UTC,
            sections: vec![SectionOut {
                title: String::new(),
                items: vec![Item::Table(TableOut {
                    id: "t".into(),
                    title: "Rows".into(),
                    headers: result.columns.clone(),
                    numeric: vec![false, true],
                    rows: vec![],
                    total_rows: 1,
                    available_rows: 1,
                    page: 1,
                    page_count: 1,
                    result: Arc::new(result),
                    formats: vec![None, None],
                    sortable: false,
                    sort: None,
                })],
            }],
            narrative: None,
            options: Default::default(),
        }
    }

    #[test]
    fn formula_like_text_is_read_back_as_a_string_not_a_formula() {
        let bytes = render(&output(vec![
            Cell::Text("=HYPERLINK(\"http://x\",\"y\")".into()),
            Cell::Int(-5),
        ]))
        .unwrap();
        let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let data = wb.worksheet_range("Data").unwrap();
        assert_eq!(data.get((0, 0)), Some(&Data::String("=cmd".into())));
        assert_eq!(
            data.get((1, 0)),
            Some(&Data::String("=HYPERLINK(\"http://x\",\"y\")".into()))
        );
        assert_eq!(data.get((1, 1)), Some(&Data::Float(-5.0)));
        let formulas = wb.worksheet_formula("Data").unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no formula cells: {formulas:?}"
        );
        let summary = wb.worksheet_range("Summary").unwrap();
        assert_eq!(summary.get((0, 0)), Some(&Data::String("=1+1".into())));
        assert_eq!(summary.get((3, 1)), Some(&Data::String("@SUM(A1)".into())));
        let formulas = wb.worksheet_formula("Summary").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    }

    #[test]
    fn text_that_starts_like_a_formula_in_every_way_stays_text() {
        for s in ["+1+1", "-2+3", "@A1", "\t=1", "\r=1", "=1"] {
            let bytes = render(&output(vec![Cell::Text(s.into()), Cell::Null])).unwrap();
            let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let data = wb.worksheet_range("Data").unwrap();
            assert_eq!(data.get((1, 0)), Some(&Data::String(s.into())), "{s:?}");
        }
    }
}
