//! Values for people: numbers, money, percentages and dates in a `ValueFormat` and the
//! installation's `Locale` (`[branding] locale`). Pages, charts, PDFs and emails show what
//! these functions write; spreadsheets get the same formats as number formats
//! (`render::xlsx`); CSV and JSON keep plain values.
//!
//! The locale is the thread's ([`in_locale`]): a run is wrapped once by whoever starts it, so
//! the many places a value is written need not carry it.

mod columns;
mod date;

pub use columns::{
    columns, dataset_columns, dressed, dressed_as_dataset, with_columns, DatasetColumns,
};
pub use date::{date, date_text};

use crate::model::report::{FormatKind, Locale, Placement, ValueFormat};

thread_local! {
    static LOCALE: std::cell::Cell<Locale> = const { std::cell::Cell::new(Locale::EnUs) };
}

/// Runs `f` with values written in `locale`.
pub fn in_locale<T>(locale: Locale, f: impl FnOnce() -> T) -> T {
    struct Restore(Locale);
    impl Drop for Restore {
        fn drop(&mut self) {
            LOCALE.set(self.0);
        }
    }
    let _restore = Restore(LOCALE.replace(locale));
    f()
}

/// The locale values are written in now (see [`in_locale`]).
pub fn locale() -> Locale {
    LOCALE.get()
}

/// `1234567.891` → `1,234,567.89` with `decimals` places (half away from zero), always with
/// a comma and a point: counts in Quire's own pages. Values use [`grouped`].
pub fn thousands(v: f64, decimals: usize) -> String {
    digits(v, decimals, ',', '.')
}

/// `v` with `decimals` places and the locale's separators (`1.234,56` in `de-DE`).
pub fn grouped(v: f64, decimals: usize) -> String {
    let l = locale();
    digits(v, decimals, l.group(), l.decimal())
}

fn digits(v: f64, decimals: usize, group: char, point: char) -> String {
    let decimals = decimals.min(15);
    let scale = 10f64.powi(decimals as i32);
    let scaled = (v.abs() * scale).round();
    let int_part = (scaled / scale).trunc() as u128;
    let frac = (scaled - (int_part as f64) * scale).round() as u128;
    let digits = int_part.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(ch);
    }
    if decimals > 0 {
        out.push(point);
        out.push_str(&format!("{:0width$}", frac, width = decimals));
    }
    if v < 0.0 && scaled > 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A value shown in the given format, in the thread's locale.
pub fn value(v: f64, format: Option<ValueFormat>) -> String {
    let f = format.unwrap_or(ValueFormat::Number);
    let body = match f.kind {
        FormatKind::Currency => {
            let d = f.decimals.unwrap_or_else(|| currency(f).decimals());
            grouped(v, d as usize)
        }
        FormatKind::Integer => grouped(v, f.decimals.unwrap_or(0) as usize),
        FormatKind::Percent => grouped(v * 100.0, f.decimals.unwrap_or(1) as usize),
        FormatKind::Number | FormatKind::Date => match f.decimals {
            Some(d) => grouped(v, d as usize),
            None if v.fract() == 0.0 && v.abs() < 1e15 => grouped(v, 0),
            None => grouped(v, 2),
        },
    };
    let body = match (f.signed, body.starts_with('-')) {
        (true, false) if body.bytes().any(|b| (b'1'..=b'9').contains(&b)) => format!("+{body}"),
        _ => body,
    };
    dress(&body, Some(f))
}

/// The currency a format shows: its own or the locale's.
fn currency(f: ValueFormat) -> crate::model::report::Currency {
    f.currency.unwrap_or_else(|| locale().currency())
}

/// Digits already written (`1.5k`, `-20`) given the format's symbol: the currency before or
/// after them (after any minus sign), or `%`.
pub fn dress(body: &str, format: Option<ValueFormat>) -> String {
    let l = locale();
    let Some(f) = format else {
        return body.to_string();
    };
    match f.kind {
        FormatKind::Currency => {
            let code = currency(f);
            let symbol = code.symbol();
            let (sign, digits) = match body.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => match body.strip_prefix('+') {
                    Some(rest) => ("+", rest),
                    None => ("", body),
                },
            };
            match f.placement.unwrap_or_else(|| l.placement()) {
                // A code (`CHF`) keeps a space from the digits; `$` does not.
                Placement::Before if symbol.chars().all(|c| c.is_ascii_alphabetic()) => {
                    format!("{sign}{symbol}\u{a0}{digits}")
                }
                Placement::Before => format!("{sign}{symbol}{digits}"),
                Placement::After => format!("{sign}{digits}\u{a0}{symbol}"),
            }
        }
        FormatKind::Percent if l.percent_space() => format!("{body}\u{a0}%"),
        FormatKind::Percent => format!("{body}%"),
        _ => body.to_string(),
    }
}

/// Short axis labels: `1.2M`, `350k`, with the currency's symbol for money.
pub fn compact(v: f64, format: Option<ValueFormat>) -> String {
    if format.is_some_and(|f| f.kind == FormatKind::Percent) {
        return dress(&compact(v * 100.0, None), format);
    }
    let (n, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "B"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let body = if suffix.is_empty() && n.fract() != 0.0 {
        grouped(n, 2)
    } else if (n * 10.0).round() % 10.0 == 0.0 {
        grouped(n, 0)
    } else {
        grouped(n, 1)
    };
    let body = format!("{body}{suffix}");
    match format {
        Some(f) if f.kind == FormatKind::Currency => dress(&body, format),
        _ => body,
    }
}

/// `(current - previous) / previous` as `+15.4%`; `n/a` when previous is 0.
pub fn change(current: f64, previous: f64) -> String {
    if previous == 0.0 {
        "n/a".into()
    } else {
        value((current - previous) / previous, Some(ValueFormat::change()))
    }
}

/// A text value in a format: a date (`2025-12-31`, a time after it allowed) in the format's
/// pattern or, without a format, the locale's default one; a number's text in a number's
/// format; other text as it is.
pub fn text(s: &str, format: Option<ValueFormat>) -> String {
    let pattern = match format {
        Some(f) if f.kind == FormatKind::Date => {
            f.date.unwrap_or(crate::model::report::DatePattern::Short)
        }
        Some(f) => {
            return match s.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => value(v, Some(f)),
                _ => s.to_string(),
            }
        }
        None => locale().default_date(),
    };
    date_text(s, pattern).unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests;
