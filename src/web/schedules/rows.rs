//! The repeatable rows of the schedule form: recipients (a type and an address) and parameters
//! (a name picked from the report's and a value), kept as posted so a refused form comes back
//! row for row, and their parsing with errors that name the row as the user sees it.

use super::form_error::{fail, FormError};
use crate::model::schedule::{Recipient, RecipientKind};
use crate::model::text::truncate;
use std::collections::BTreeMap;

/// Most non-blank rows of each kind (the API's limit on recipients).
pub const MAX_ROWS: usize = 100;
/// Longest parameter value.
const MAX_VALUE: usize = 1000;

/// The recipient types a row can pick, as the API names them, with their labels.
pub const RECIPIENT_KINDS: [(&str, &str); 5] = [
    ("email", "Email"),
    ("slack", "Slack"),
    ("teams", "Teams"),
    ("webhook", "Webhook"),
    ("s3", "S3 storage"),
];

/// One recipient row: its type picker and its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    pub kind: String,
    pub address: String,
}

/// One parameter row: the parameter's name (picked from the report's) and its value, which may
/// hold a date expression.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamRow {
    pub name: String,
    pub value: String,
}

impl Default for RecipientRow {
    fn default() -> RecipientRow {
        RecipientRow {
            kind: "email".into(),
            address: String::new(),
        }
    }
}

impl RecipientRow {
    /// A saved recipient's row: a hook's URL as its host only (`https://host/…`), which the
    /// save keeps as the stored URL when it comes back unchanged.
    pub fn of(r: &Recipient) -> RecipientRow {
        RecipientRow {
            kind: r.kind.as_str().into(),
            address: r.shown(),
        }
    }

    /// A line of the old one-a-line text field: `type:URL`, else an email address.
    pub fn from_line(line: &str) -> RecipientRow {
        let typed = line.split_once(':').and_then(|(k, rest)| {
            RecipientKind::parse(&k.trim().to_ascii_lowercase()).map(|k| (k, rest.trim()))
        });
        match typed {
            Some((kind, address)) => RecipientRow {
                kind: kind.as_str().into(),
                address: address.into(),
            },
            None => RecipientRow {
                kind: "email".into(),
                address: line.trim().into(),
            },
        }
    }

    pub fn is_blank(&self) -> bool {
        self.address.trim().is_empty()
    }

    /// Whether the type option `value` is this row's.
    pub fn is_kind(&self, value: &str) -> bool {
        self.kind.eq_ignore_ascii_case(value)
    }
}

impl ParamRow {
    /// A line of the old `name=value` text field (a line without `=` is a value without a name).
    pub fn from_line(line: &str) -> ParamRow {
        match line.split_once('=') {
            Some((name, value)) => ParamRow {
                name: name.trim().into(),
                value: value.trim().into(),
            },
            None => ParamRow {
                name: String::new(),
                value: line.trim().into(),
            },
        }
    }

    pub fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.value.trim().is_empty()
    }
}

/// The non-blank lines of an old text field.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// A row's error: the message says which row, as numbered on the page (from 1).
fn row_error(field: &'static str, row: usize, message: String) -> FormError {
    FormError {
        field,
        row: Some(row),
        message: format!("{field} row {}: {message}", row + 1),
    }
}

/// More rows than allowed: one error for the whole list.
fn too_many(field: &'static str, given: usize) -> Result<(), FormError> {
    match given > MAX_ROWS {
        true => fail(
            field,
            format!("{field}: at most {MAX_ROWS} rows ({given} given)"),
        ),
        false => Ok(()),
    }
}

/// The recipients of the non-blank rows, or every bad row's error.
pub fn parse_recipients(rows: &[RecipientRow]) -> Result<Vec<Recipient>, Vec<FormError>> {
    let filled = rows.iter().filter(|r| !r.is_blank()).count();
    too_many("recipients", filled).map_err(|e| vec![e])?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let Some(kind) = RecipientKind::parse(&row.kind.trim().to_ascii_lowercase()) else {
            errors.push(row_error(
                "recipients",
                i,
                format!(
                    "type `{}` is not email, slack, teams, webhook or s3",
                    truncate(&row.kind, 20)
                ),
            ));
            continue;
        };
        let r = Recipient {
            kind,
            address: row.address.trim().to_string(),
        };
        match r.validate() {
            Ok(()) => out.push(r),
            Err(m) => errors.push(row_error("recipients", i, truncate(&m, 200))),
        }
    }
    match errors.is_empty() {
        true => Ok(out),
        false => Err(errors),
    }
}

/// The parameters of the non-blank rows by name, or every bad row's error.
pub fn parse_parameters(rows: &[ParamRow]) -> Result<BTreeMap<String, String>, Vec<FormError>> {
    let filled = rows.iter().filter(|r| !r.is_blank()).count();
    too_many("parameters", filled).map_err(|e| vec![e])?;
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let name = row.name.trim();
        let value = row.value.trim();
        let problem = if name.is_empty() {
            Some("choose a parameter".to_string())
        } else if name.chars().count() > 200 {
            Some("the name is longer than 200 characters".into())
        } else if value.chars().count() > MAX_VALUE {
            Some(format!("the value is longer than {MAX_VALUE} characters"))
        } else if out.insert(name.to_string(), value.to_string()).is_some() {
            Some(format!("`{}` is given twice", truncate(name, 80)))
        } else {
            None
        };
        if let Some(m) = problem {
            errors.push(row_error("parameters", i, m));
        }
    }
    match errors.is_empty() {
        true => Ok(out),
        false => Err(errors),
    }
}

/// The index of the `n`th non-blank recipient row (the API numbers only those).
pub fn recipient_row(rows: &[RecipientRow], n: usize) -> Option<usize> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .nth(n)
        .map(|(i, _)| i)
}

/// The index of the row naming parameter `name`.
pub fn parameter_row(rows: &[ParamRow], name: &str) -> Option<usize> {
    rows.iter().position(|r| r.name.trim() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: &str, address: &str) -> RecipientRow {
        RecipientRow {
            kind: kind.into(),
            address: address.into(),
        }
    }

    #[test]
    fn recipient_rows_are_typed_blank_ones_skipped_and_every_bad_one_named_by_its_row() {
        let rows = [
            rec("email", "a@example.com"),
            rec("email", " "),
            rec("slack", "https://hooks.example/x"),
        ];
        let r = parse_recipients(&rows).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].kind, RecipientKind::Slack);
        assert_eq!(r[1].address, "https://hooks.example/x");
        let e = parse_recipients(&[
            rec("email", "a@example.com"),
            rec("email", "foo"),
            rec("fax", "123"),
        ])
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].row, Some(1));
        assert!(
            e[0].message.starts_with("recipients row 2: `foo`"),
            "{}",
            e[0].message
        );
        assert!(e[1].message.contains("type `fax`"), "{}", e[1].message);
        let many: Vec<RecipientRow> = (0..200)
            .map(|i| rec("email", &format!("a{i}@x.org")))
            .collect();
        let e = parse_recipients(&many).unwrap_err();
        assert_eq!(e[0].row, None);
        assert!(e[0].message.contains("at most 100"), "{}", e[0].message);
    }

    #[test]
    fn old_lines_become_rows() {
        assert_eq!(
            RecipientRow::from_line("teams: https://x.example/h"),
            rec("teams", "https://x.example/h")
        );
        assert_eq!(RecipientRow::from_line("a@b.org"), rec("email", "a@b.org"));
        let p = ParamRow::from_line("from = {{ start_of_month - 1m }}");
        assert_eq!(p.name, "from");
        assert_eq!(p.value, "{{ start_of_month - 1m }}");
        assert_eq!(ParamRow::from_line("days").name, "");
    }

    #[test]
    fn parameter_rows_keep_date_expressions_and_name_a_repeat() {
        let row = |n: &str, v: &str| ParamRow {
            name: n.into(),
            value: v.into(),
        };
        let p = parse_parameters(&[row("days", " 30 "), row("", ""), row("from", "{{ today }}")])
            .unwrap();
        assert_eq!(p["days"], "30");
        assert_eq!(p["from"], "{{ today }}");
        let e = parse_parameters(&[row("days", "1"), row("days", "2"), row("", "3")]).unwrap_err();
        assert_eq!(e[0].row, Some(1));
        assert!(e[0]
            .message
            .starts_with("parameters row 2: `days` is given twice"));
        assert_eq!(e[1].message, "parameters row 3: choose a parameter");
    }
}
