//! The template language of text blocks (Jinja, by minijinja): strict names, no escaping (the
//! output is plain text, escaped where it is shown), bounded by fuel. Checked when a report is
//! saved; rendered by `report::text`.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

/// Longest text block source.
pub const MAX_CHARS: usize = 10_000;
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // A misspelt name is an error that says which, not an empty gap in a sentence.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(50_000));
    env.add_filter("date", long_date);
    env
}

/// `{{ x|date }}`: `2025-10-06` → `6 Oct 2025` (the year always said); other text as it is.
fn long_date(value: String) -> String {
    match chrono::NaiveDate::parse_from_str(value.get(..10).unwrap_or(&value), "%Y-%m-%d") {
        Ok(d) => d.format("%-d %b %Y").to_string(),
        Err(_) => value,
    }
}

/// Checks a text block's syntax (its names can only be checked against a result).
pub fn check(source: &str) -> Result<(), String> {
    if source.chars().count() > MAX_CHARS {
        return Err(format!("longer than {MAX_CHARS} characters"));
    }
    environment()
        .template_from_str(source)
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// A template error in words, with its line.
pub fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!(
            "line {line}: {}",
            e.detail().unwrap_or(&e.kind().to_string())
        ),
        None => e
            .detail()
            .map(String::from)
            .unwrap_or_else(|| e.kind().to_string()),
    }
}
