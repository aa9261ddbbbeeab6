//! Date expressions of the contract: `{{ start_of_month - 1m }}`, `{{ today + 7d }}`, ...

use chrono::{Datelike, Days, Months, NaiveDate};

/// Evaluates `text` if it is a date expression (`{{ ... }}`, `now()`, `today`) relative to
/// `today`; returns None if it is not one, an error if it is one but malformed.
pub fn evaluate(text: &str, today: NaiveDate) -> Option<Result<NaiveDate, String>> {
    let t = text.trim();
    if t == "now()" {
        return Some(Ok(today));
    }
    let inner = t.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    Some(eval_inner(inner, today))
}

/// `value` with its date expressions (the whole value, or either side of a range's `..`)
/// replaced by their dates as of `today` (`YYYY-MM-DD`); other text as it is. An error names
/// a malformed expression.
pub fn evaluate_in(value: &str, today: NaiveDate) -> Result<String, String> {
    let parts = value
        .split("..")
        .map(|p| match evaluate(p.trim(), today) {
            Some(Ok(d)) => Ok(d.to_string()),
            Some(Err(m)) => Err(m),
            None => Ok(p.to_string()),
        })
        .collect::<Result<Vec<String>, String>>()?;
    Ok(parts.join(".."))
}

fn eval_inner(expr: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let (base, offset) = match expr.find(['+', '-']) {
        Some(i) => (
            expr[..i].trim(),
            Some((&expr[i..i + 1], expr[i + 1..].trim())),
        ),
        None => (expr.trim(), None),
    };
    let start = match base {
        "today" | "now" => today,
        "start_of_week" => today - Days::new(today.weekday().num_days_from_monday() as u64),
        "start_of_month" => today.with_day(1).expect("day 1 exists"),
        "start_of_quarter" => {
            NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1).expect("valid")
        }
        "start_of_year" => NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("valid"),
        "end_of_month" => {
            today.with_day(1).expect("valid") + Months::new(1) - Days::new(1)
        }
        other => {
            return Err(format!(
                "unknown date `{other}`: use today, now, start_of_week, start_of_month, start_of_quarter, start_of_year or end_of_month"
            ))
        }
    };
    let Some((sign, amount)) = offset else {
        return Ok(start);
    };
    let split = amount
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(amount.len());
    let (n, unit) = (&amount[..split], amount[split..].trim());
    let n: u32 = n
        .parse()
        .map_err(|_| format!("`{amount}` is not an amount like 7d, 2w, 1m, 1q or 1y"))?;
    let shifted = match unit {
        "d" => shift_days(start, sign, n as u64),
        "w" => shift_days(start, sign, n as u64 * 7),
        "m" => shift_months(start, sign, n),
        "q" => shift_months(start, sign, n.saturating_mul(3)),
        "y" => shift_months(start, sign, n.saturating_mul(12)),
        _ => return Err(format!("unknown unit `{unit}`: use d, w, m, q or y")),
    };
    shifted.ok_or_else(|| format!("`{expr}` is out of range"))
}

fn shift_days(d: NaiveDate, sign: &str, n: u64) -> Option<NaiveDate> {
    if sign == "+" {
        d.checked_add_days(Days::new(n))
    } else {
        d.checked_sub_days(Days::new(n))
    }
}

fn shift_months(d: NaiveDate, sign: &str, n: u32) -> Option<NaiveDate> {
    if sign == "+" {
        d.checked_add_months(Months::new(n))
    } else {
        d.checked_sub_months(Months::new(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(e: &str, today: &str) -> Result<String, String> {
        let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
        evaluate(e, today)
            .expect("is an expression")
            .map(|d| d.to_string())
    }

    #[test]
    fn start_of_month_minus_one_month_crosses_the_year() {
        assert_eq!(
            eval("{{ start_of_month - 1m }}", "2027-01-15").unwrap(),
            "2026-12-01"
        );
        assert_eq!(
            eval("{{start_of_month-1m}}", "2026-03-31").unwrap(),
            "2026-02-01"
        );
    }

    #[test]
    fn every_base_and_unit() {
        // 2026-11-22 is a Sunday.
        let t = "2026-11-22";
        assert_eq!(eval("{{ today }}", t).unwrap(), "2026-11-22");
        assert_eq!(eval("{{ now }}", t).unwrap(), "2026-11-22");
        assert_eq!(eval("now()", t).unwrap(), "2026-11-22");
        assert_eq!(eval("{{ start_of_week }}", t).unwrap(), "2026-11-16");
        assert_eq!(eval("{{ start_of_quarter }}", t).unwrap(), "2026-10-01");
        assert_eq!(eval("{{ start_of_year - 1y }}", t).unwrap(), "2025-01-01");
        assert_eq!(
            eval("{{ end_of_month }}", "2028-02-10").unwrap(),
            "2028-02-29"
        );
        assert_eq!(eval("{{ today + 2w }}", t).unwrap(), "2026-12-06");
        assert_eq!(eval("{{ today - 10d }}", t).unwrap(), "2026-11-12");
        assert_eq!(
            eval("{{ start_of_quarter + 1q }}", t).unwrap(),
            "2027-01-01"
        );
    }

    #[test]
    fn a_value_has_its_expressions_replaced_and_keeps_the_rest() {
        let t = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(
            evaluate_in("{{ start_of_month - 1m }}..{{ start_of_month - 1d }}", t).unwrap(),
            "2026-10-01..2026-10-31"
        );
        assert_eq!(
            evaluate_in("2026-01-01..{{ today }}", t).unwrap(),
            "2026-01-01..2026-11-22"
        );
        assert_eq!(evaluate_in("last_30_days", t).unwrap(), "last_30_days");
        assert_eq!(evaluate_in("a..b", t).unwrap(), "a..b");
        assert!(evaluate_in("{{ yesterday }}..{{ today }}", t).is_err());
    }

    #[test]
    fn malformed_expressions_say_what_is_wrong() {
        assert!(eval("{{ yesterday }}", "2026-01-01")
            .unwrap_err()
            .contains("yesterday"));
        assert!(eval("{{ today + 3x }}", "2026-01-01")
            .unwrap_err()
            .contains("unit"));
        assert!(eval("{{ today + d }}", "2026-01-01")
            .unwrap_err()
            .contains("amount"));
        assert!(eval("{{ today + 99999999y }}", "2026-01-01").is_err());
        assert!(evaluate("2026-01-01", NaiveDate::MIN).is_none());
    }
}
