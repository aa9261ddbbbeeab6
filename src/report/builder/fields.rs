//! The fields of a dataset and what each holds, read from the data source itself so that the
//! same answer serves the main store and `[[sources]]` files.

use super::shown;
use crate::data::source::Db;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde::Serialize;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Number,
    Text,
    /// `YYYY-MM-DD` text (a time after it is allowed: datetimes are dates here too).
    Date,
    Boolean,
}

impl FieldKind {
    /// The word shown to users and in errors.
    pub fn word(self) -> &'static str {
        match self {
            FieldKind::Number => "number",
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Boolean => "boolean",
        }
    }
}

/// A column of a dataset and its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
}

/// A column a spec can use (a field, a joined field, a calculated column): what it is and
/// the SQL that reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub field: Field,
    pub sql: String,
    /// A calculated column (its SQL is an expression, not the column's name).
    pub calculated: bool,
}

/// Rows read to recognise dates in a column declared as text.
const SAMPLE_ROWS: u32 = 200;

/// Whether `name` may be a dataset: a plain identifier, not SQLite's or Quire's own table.
fn dataset_name(name: &str) -> bool {
    super::plain(name) && !name.starts_with("sqlite_") && !name.starts_with("quire_")
}

/// The fields of `dataset` on `conn`, in table order. A column's kind comes from its declared
/// type (`INTEGER`, `REAL`, `NUMERIC`… are numbers, `DATE`, `DATETIME`, `TIMESTAMP` dates,
/// `BOOLEAN` booleans); a text or untyped column is a date when imports marked it so (the main
/// store stores dates as `YYYY-MM-DD` text and indexes each date column as `quire_ix_…`) or when
/// every value of its first 200 rows is such a date, and an untyped one (a view's expression)
/// is a number when every value sampled is one. Errors name `builder.dataset`.
///
/// On PostgreSQL the kinds come from the column types (numbers, `date` and `timestamp[tz]`,
/// `boolean`, the rest text); `dataset` is a table or view on the search path, or
/// `schema.table`.
pub fn fields<'c>(db: impl Into<Db<'c>>, dataset: &str) -> Result<Vec<Field>, String> {
    match db.into() {
        Db::Sqlite(conn) | Db::Store(conn, ..) => sqlite_fields(conn, dataset),
        Db::Postgres(conn) => postgres_fields(conn, dataset),
    }
}

fn postgres_fields(conn: &crate::data::pg::PgConn, dataset: &str) -> Result<Vec<Field>, String> {
    use crate::data::pg::catalog::ColumnKind;
    if !postgres_name(dataset) {
        return Err(format!(
            "builder.dataset: `{}` is not a table name (table or schema.table)",
            shown(dataset)
        ));
    }
    let bounds = crate::data::query::Bounds {
        timeout: std::time::Duration::from_secs(10),
        max_rows: 10_000,
        memory_mb: 64,
        result_mb: 64,
    };
    let relation = super::Dialect::Postgres.table(dataset);
    let columns = crate::data::pg::catalog::columns(conn, &relation, bounds)
        .map_err(|e| format!("builder.dataset: {e}"))?;
    if columns.is_empty() {
        return Err(format!("builder.dataset: no dataset named `{dataset}`"));
    }
    Ok(columns
        .into_iter()
        .map(|(name, kind)| Field {
            name,
            kind: match kind {
                ColumnKind::Number => FieldKind::Number,
                ColumnKind::Text => FieldKind::Text,
                ColumnKind::Date => FieldKind::Date,
                ColumnKind::Boolean => FieldKind::Boolean,
            },
        })
        .collect())
}

/// A PostgreSQL dataset: `table` or `schema.table`, plain names, not a system schema's.
pub(super) fn postgres_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2
        && parts.iter().all(|p| super::plain(p))
        && !(parts.len() == 2 && (parts[0].starts_with("pg_") || parts[0] == "information_schema"))
}

fn sqlite_fields(conn: &Connection, dataset: &str) -> Result<Vec<Field>, String> {
    if !dataset_name(dataset) {
        return Err(format!(
            "builder.dataset: `{}` is not a dataset name",
            shown(dataset)
        ));
    }
    let missing = || format!("builder.dataset: no dataset named `{dataset}`");
    let declared: Vec<(String, String)> = conn
        .prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")
        .and_then(|mut s| {
            s.query_map([dataset], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .map_err(|_| missing())?;
    if declared.is_empty() {
        return Err(missing());
    }
    let marked = import_marked_dates(conn, dataset);
    let mut out: Vec<(Field, Option<Guess>)> = declared
        .into_iter()
        .map(|(name, ty)| {
            let (kind, guess) = match declared_kind(&ty) {
                Declared::Kind(k) => (k, None),
                Declared::Text if marked.contains(&name) => (FieldKind::Date, None),
                Declared::Text => (FieldKind::Text, Some(Guess::text())),
                Declared::Unknown => (FieldKind::Text, Some(Guess::untyped())),
            };
            (Field { name, kind }, guess)
        })
        .collect();
    let sampled: Vec<usize> = (0..out.len()).filter(|&i| out[i].1.is_some()).collect();
    if !sampled.is_empty() {
        let q = |i: &usize| super::Dialect::Sqlite.quote(&out[*i].0.name);
        let sql = format!(
            "SELECT {} FROM {} LIMIT {SAMPLE_ROWS}",
            sampled.iter().map(q).collect::<Vec<_>>().join(", "),
            super::Dialect::Sqlite.quote(dataset)
        );
        let mut stmt = conn.prepare(&sql).map_err(|_| missing())?;
        let mut rows = stmt.query([]).map_err(|_| missing())?;
        while let Ok(Some(row)) = rows.next() {
            for (j, &i) in sampled.iter().enumerate() {
                if let (Ok(v), Some(g)) = (row.get_ref(j), out[i].1.as_mut()) {
                    g.see(v);
                }
            }
        }
        for &i in &sampled {
            if let Some(g) = out[i].1 {
                out[i].0.kind = g.kind();
            }
        }
    }
    Ok(out.into_iter().map(|(f, _)| f).collect())
}

enum Declared {
    Kind(FieldKind),
    /// Declared as text: a date or text, by its values.
    Text,
    /// No declared type: by its values.
    Unknown,
}

/// SQLite's affinity rules, with the date words added.
fn declared_kind(ty: &str) -> Declared {
    let t = ty.to_ascii_uppercase();
    let has = |w: &str| t.contains(w);
    if t.trim().is_empty() {
        Declared::Unknown
    } else if has("BOOL") {
        Declared::Kind(FieldKind::Boolean)
    } else if has("DATE") || has("TIME") {
        Declared::Kind(FieldKind::Date)
    } else if has("INT") || has("REAL") || has("FLOA") || has("DOUB") || has("NUM") || has("DEC") {
        Declared::Kind(FieldKind::Number)
    } else if has("CHAR") || has("CLOB") || has("TEXT") {
        Declared::Text
    } else {
        Declared::Kind(FieldKind::Text)
    }
}

/// The columns of `table` an import indexed as dates (`quire_ix_<nonce>_<column>`).
fn import_marked_dates(conn: &Connection, table: &str) -> Vec<String> {
    conn.prepare(
        "SELECT ii.name FROM sqlite_schema AS s, pragma_index_info(s.name) AS ii
         WHERE s.type = 'index' AND s.tbl_name = ?1 COLLATE NOCASE
         AND s.name LIKE 'quire\\_ix\\_%' ESCAPE '\\'",
    )
    .and_then(|mut s| {
        s.query_map([table], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap_or_default()
}

/// What the sampled values of a column allow it to be.
#[derive(Debug, Clone, Copy)]
struct Guess {
    seen: bool,
    date: bool,
    number: bool,
}

impl Guess {
    fn text() -> Guess {
        Guess {
            seen: false,
            date: true,
            number: false,
        }
    }

    fn untyped() -> Guess {
        Guess {
            seen: false,
            date: true,
            number: true,
        }
    }

    fn see(&mut self, v: ValueRef) {
        match v {
            ValueRef::Null => return,
            ValueRef::Integer(_) | ValueRef::Real(_) => self.date = false,
            ValueRef::Text(t) => {
                self.number = false;
                self.date &= std::str::from_utf8(t).is_ok_and(is_date);
            }
            ValueRef::Blob(_) => {
                self.number = false;
                self.date = false;
            }
        }
        self.seen = true;
    }

    fn kind(self) -> FieldKind {
        match self {
            Guess { seen: false, .. } => FieldKind::Text,
            Guess { date: true, .. } => FieldKind::Date,
            Guess { number: true, .. } => FieldKind::Number,
            _ => FieldKind::Text,
        }
    }
}

/// `YYYY-MM-DD`, a real day, alone or followed by a time (`T` or a space).
pub(super) fn is_date(text: &str) -> bool {
    let (day, rest) = match text.get(..10).zip(text.get(10..)) {
        Some(split) => split,
        None => return false,
    };
    (rest.is_empty() || rest.starts_with(['T', ' ']))
        && day.as_bytes()[4] == b'-'
        && day.as_bytes()[7] == b'-'
        && chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;

    #[test]
    fn fields_have_kinds_from_declared_types_import_marks_and_values() {
        let conn = db();
        let kinds: Vec<(String, FieldKind)> = fields(&conn, "sales")
            .unwrap()
            .into_iter()
            .map(|f| (f.name, f.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("order_date", FieldKind::Date),
                ("region", FieldKind::Text),
                ("product", FieldKind::Text),
                ("units", FieldKind::Number),
                ("revenue", FieldKind::Number),
                ("shipped", FieldKind::Date),
                ("paid", FieldKind::Boolean),
            ]
            .map(|(n, k)| (n.to_string(), k))
        );
        // A view's columns: the sum has no declared type and is recognised by its values.
        let view: Vec<FieldKind> = fields(&conn, "per_region")
            .unwrap()
            .into_iter()
            .map(|f| f.kind)
            .collect();
        assert_eq!(view, [FieldKind::Text, FieldKind::Number, FieldKind::Date]);
        for (name, says) in [
            ("nope", "no dataset named `nope`"),
            ("sqlite_schema", "not a dataset name"),
            ("quire_import_sales", "not a dataset name"),
            ("sales; DROP TABLE sales", "not a dataset name"),
            ("", "not a dataset name"),
        ] {
            let e = fields(&conn, name).unwrap_err();
            assert!(
                e.starts_with("builder.dataset: ") && e.contains(says),
                "{e}"
            );
        }
    }
}
