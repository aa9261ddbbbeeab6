//! Number formatting for people: thousands separators, money, percent change.

use crate::model::report::ValueFormat;

/// `1234567.891` → `1,234,567.89` with `decimals` places (half away from zero).
pub fn thousands(v: f64, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    let scaled = (v.abs() * scale).round();
    let int_part = (scaled / scale).trunc() as u128;
    let frac = (scaled - (int_part as f64) * scale).round() as u128;
    let digits = int_part.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if decimals > 0 {
        out.push('.');
        out.push_str(&format!("{:0width$}", frac, width = decimals));
    }
    if v < 0.0 && scaled > 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A value shown in the given format.
pub fn value(v: f64, format: Option<ValueFormat>) -> String {
    match format {
        Some(ValueFormat::Currency) => {
            let s = thousands(v, 2);
            match s.strip_prefix('-') {
                Some(rest) => format!("-${rest}"),
                None => format!("${s}"),
            }
        }
        Some(ValueFormat::Integer) => thousands(v, 0),
        Some(ValueFormat::Percent) => format!("{}%", thousands(v * 100.0, 1)),
        Some(ValueFormat::Number) | None => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                thousands(v, 0)
            } else {
                thousands(v, 2)
            }
        }
    }
}

/// Short axis labels: `1.2M`, `350k`, with `$` for money.
pub fn compact(v: f64, format: Option<ValueFormat>) -> String {
    let (n, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "B"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let body = if suffix.is_empty() && n.fract() != 0.0 {
        format!("{n:.2}")
    } else if (n * 10.0).round() % 10.0 == 0.0 {
        format!("{n:.0}{suffix}")
    } else {
        format!("{n:.1}{suffix}")
    };
    match format {
        Some(ValueFormat::Currency) => format!("${body}"),
        Some(ValueFormat::Percent) => format!("{}%", compact(v * 100.0, None)),
        _ => body,
    }
}

/// `(current - previous) / previous` as `+15.4%`; `n/a` when previous is 0.
pub fn change(current: f64, previous: f64) -> String {
    if previous == 0.0 {
        "n/a".into()
    } else {
        format!("{:+.1}%", (current - previous) / previous * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_counts() {
        assert_eq!(
            value(15202253.49, Some(ValueFormat::Currency)),
            "$15,202,253.49"
        );
        assert_eq!(value(-1952.3, Some(ValueFormat::Currency)), "-$1,952.30");
        assert_eq!(value(15967.0, Some(ValueFormat::Integer)), "15,967");
        assert_eq!(value(999.999, Some(ValueFormat::Currency)), "$1,000.00");
        assert_eq!(value(0.0, None), "0");
        assert_eq!(value(-0.001, Some(ValueFormat::Currency)), "$0.00");
    }

    #[test]
    fn change_is_signed_with_one_decimal() {
        assert_eq!(change(15202253.49, 13170692.56), "+15.4%");
        assert_eq!(change(952.10, 964.25), "-1.3%");
        assert_eq!(change(1.0, 0.0), "n/a");
    }

    #[test]
    fn compact_axis_labels() {
        assert_eq!(compact(1_200_000.0, Some(ValueFormat::Currency)), "$1.2M");
        assert_eq!(compact(350_000.0, None), "350k");
        assert_eq!(compact(0.0, None), "0");
    }
}
