//! One field of a cron expression checked in plain words ("minute 61 is out of range 0–59"):
//! numbers, names, lists, ranges and steps. Forms the library knows and this does not
//! (`L`, `W`, `#`) are left to the library.

/// The range of a field and the names it takes (`JAN`, `MON`), numbered from `names_from`.
fn bounds(field: &str) -> (u32, u32, &'static [&'static str], u32) {
    const MONTHS: &[&str] = &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    match field {
        "second" | "minute" => (0, 59, &[], 0),
        "hour" => (0, 23, &[], 0),
        "day-of-month" => (1, 31, &[], 0),
        "month" => (1, 12, MONTHS, 1),
        _ => (0, 7, DAYS, 0),
    }
}

/// Checks `part`, the text of `field`; the error is a sentence naming the field.
pub fn check(field: &str, part: &str) -> Result<(), String> {
    let (lo, hi, names, names_from) = bounds(field);
    let value = |v: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
            return Ok(i as u32 + names_from);
        }
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{field} `{v}` is not a number"));
        }
        match v.parse::<u32>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n),
            _ => Err(format!("{field} {v} is out of range {lo}–{hi}")),
        }
    };
    for item in part.split(',') {
        // Special forms (`L`, `15W`, `5#2`, `5L`): the library's to judge.
        let upper = item.to_ascii_uppercase();
        if ["L", "W", "#"].iter().any(|c| upper.contains(c))
            && matches!(field, "day-of-month" | "day-of-week")
            && !names.iter().any(|n| upper.contains(n))
        {
            continue;
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(s) = step {
            if !matches!(s.parse::<u32>(), Ok(n) if n >= 1) {
                return Err(format!(
                    "{field} step `/{s}` must be a whole number from 1 up"
                ));
            }
        }
        if range == "*" || (range == "?" && matches!(field, "day-of-month" | "day-of-week")) {
            continue;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a_n, b_n) = (value(a)?, value(b)?);
                if a_n > b_n {
                    return Err(format!("{field} range {a}-{b} runs backwards"));
                }
            }
            None => {
                value(range)?;
            }
        }
    }
    Ok(())
}
