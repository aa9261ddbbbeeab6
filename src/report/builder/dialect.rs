//! The SQL that differs between databases, in one place: SQLite (the embedded store and
//! `[[sources]]` files, dates as `YYYY-MM-DD` text) and PostgreSQL (real `date` and `timestamp`
//! columns, `date_trunc`, `ILIKE`). Both keep `:name` placeholders: the PostgreSQL runner
//! numbers them (`data/pg/sql.rs`). A bucket is a date in PostgreSQL and its text in SQLite; both
//! read back as `YYYY-MM-DD`. The columnar engine (DataFusion, `data/columnar`) answers as SQLite
//! does: its sums are `total`'s doubles, its date helpers give `YYYY-MM-DD` text (compared as
//! SQLite compares text), its buckets are dates read back as that text, `LIKE` ignores case,
//! and NULL sorts first; it binds `$name`.

use crate::model::report::{Aggregation, Bucket};

/// A database's spelling of the operations the builder needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Columnar,
}

impl Dialect {
    /// The dialect of a source's engine.
    pub fn of(engine: crate::data::source::Engine) -> Dialect {
        match engine {
            crate::data::source::Engine::Sqlite => Dialect::Sqlite,
            crate::data::source::Engine::Postgres => Dialect::Postgres,
            crate::data::source::Engine::Columnar => Dialect::Columnar,
        }
    }

    /// A table name, quoted: PostgreSQL's `schema.table` as two names.
    pub fn table(self, name: &str) -> String {
        match (self, name.split_once('.')) {
            (Dialect::Postgres, Some((schema, table))) => {
                format!("{}.{}", self.quote(schema), self.quote(table))
            }
            _ => self.quote(name),
        }
    }

    /// A boolean as 1 or 0, to add up or average (the columnar copy keeps SQLite's 1 and 0).
    pub fn bool_number(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite | Dialect::Columnar => expr.to_string(),
            Dialect::Postgres => format!("({expr})::integer"),
        }
    }

    /// An identifier, quoted (a `"` inside doubled).
    pub fn quote(self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// The placeholder of a named value.
    pub fn placeholder(self, name: &str) -> String {
        match self {
            Dialect::Sqlite | Dialect::Postgres => format!(":{name}"),
            Dialect::Columnar => format!("${name}"),
        }
    }

    /// Whether grouped rows need an ORDER BY to come in the order of their groups (SQLite's
    /// GROUP BY gives them so; the columnar engine groups by hashing).
    pub fn orders_groups(self) -> bool {
        self == Dialect::Columnar
    }

    /// The aggregate function: SQLite's `total` sums to 0.0 over no rows, as a sum should.
    pub fn aggregate(self, agg: Aggregation, operand: &str) -> String {
        match (self, agg) {
            (Dialect::Sqlite, Aggregation::Sum) => format!("total({operand})"),
            (Dialect::Sqlite, Aggregation::Avg) => format!("avg({operand})"),
            (Dialect::Sqlite, Aggregation::Min) => format!("min({operand})"),
            (Dialect::Sqlite, Aggregation::Max) => format!("max({operand})"),
            (Dialect::Sqlite, Aggregation::Count) => format!("count({operand})"),
            (Dialect::Sqlite, Aggregation::CountDistinct) => format!("count(DISTINCT {operand})"),
            (Dialect::Postgres, Aggregation::Sum) => format!("coalesce(sum({operand}), 0)"),
            (Dialect::Postgres, Aggregation::Avg) => format!("avg({operand})"),
            (Dialect::Postgres, Aggregation::Min) => format!("min({operand})"),
            (Dialect::Postgres, Aggregation::Max) => format!("max({operand})"),
            (Dialect::Postgres, Aggregation::Count) => format!("count({operand})"),
            (Dialect::Postgres, Aggregation::CountDistinct) => {
                format!("count(DISTINCT {operand})")
            }
            // `total`: a double, 0.0 over no rows.
            (Dialect::Columnar, Aggregation::Sum) => {
                format!("coalesce(sum(CAST({operand} AS DOUBLE)), 0.0)")
            }
            (Dialect::Columnar, Aggregation::Avg) => format!("avg(CAST({operand} AS DOUBLE))"),
            (Dialect::Columnar, Aggregation::Min) => format!("min({operand})"),
            (Dialect::Columnar, Aggregation::Max) => format!("max({operand})"),
            (Dialect::Columnar, Aggregation::Count) => format!("count({operand})"),
            (Dialect::Columnar, Aggregation::CountDistinct) => {
                format!("count(DISTINCT {operand})")
            }
        }
    }

    /// The first day of `expr`'s bucket as `YYYY-MM-DD` (NULL for what is not a date).
    pub fn bucket(self, expr: &str, bucket: Bucket) -> String {
        match (self, bucket) {
            (Dialect::Sqlite, Bucket::Day) => format!("date({expr})"),
            // Six days back, then forward to the next Monday (or stay on it).
            (Dialect::Sqlite, Bucket::Week) => format!("date({expr}, '-6 days', 'weekday 1')"),
            (Dialect::Sqlite, Bucket::Month) => format!("date({expr}, 'start of month')"),
            (Dialect::Sqlite, Bucket::Quarter) => format!(
                "date({expr}, 'start of month', printf('-%d months', (CAST(strftime('%m', {expr}) AS INTEGER) - 1) % 3))"
            ),
            (Dialect::Sqlite, Bucket::Year) => format!("date({expr}, 'start of year')"),
            (Dialect::Postgres, Bucket::Day) => format!("(({expr})::date)"),
            (Dialect::Postgres, b) => {
                let unit = match b {
                    Bucket::Week => "week",
                    Bucket::Month => "month",
                    Bucket::Quarter => "quarter",
                    _ => "year",
                };
                format!("((date_trunc('{unit}', ({expr})::timestamp))::date)")
            }
            (Dialect::Columnar, b) => {
                let unit = match b {
                    Bucket::Day => "day",
                    Bucket::Week => "week",
                    Bucket::Month => "month",
                    Bucket::Quarter => "quarter",
                    Bucket::Year => "year",
                };
                // A timestamp to group by: cast to a date only once per group (`bucket_shown`),
                // not once per row.
                format!("date_trunc('{unit}', TRY_CAST({expr} AS TIMESTAMP))")
            }
        }
    }

    /// A bucket grouped by (`bucket`) as the result shows it: the columnar engine's timestamp
    /// as a date, after the rows are grouped.
    pub fn bucket_shown(self, grouped: &str) -> String {
        match self {
            Dialect::Columnar => format!("CAST({grouped} AS DATE)"),
            _ => grouped.to_string(),
        }
    }

    /// The day after the date `expr`.
    pub fn next_day(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("date({expr}, '+1 day')"),
            Dialect::Postgres => format!("(({expr})::date + 1)"),
            Dialect::Columnar => days_text(&format!("{} + 1", day_number(expr))),
        }
    }

    /// The date `days` (an integer expression) days before the date `expr`.
    pub fn days_before(self, expr: &str, days: &str) -> String {
        match self {
            Dialect::Sqlite => format!("date({expr}, printf('-%d days', {days}))"),
            Dialect::Postgres => format!("(({expr})::date - ({days})::integer)"),
            Dialect::Columnar => days_text(&format!("{} - CAST({days} AS INT)", day_number(expr))),
        }
    }

    /// The start of the period as long as `[start, end)` that ends where it starts.
    pub fn period_before(self, start: &str, end: &str) -> String {
        match self {
            Dialect::Sqlite => format!("date(2 * julianday({start}) - julianday({end}))"),
            Dialect::Postgres => {
                format!("(({start})::date - (({end})::date - ({start})::date))")
            }
            Dialect::Columnar => {
                days_text(&format!("2 * {} - {}", day_number(start), day_number(end)))
            }
        }
    }

    /// `expr` as text, for matching a substring of a column that is not text.
    pub fn as_text(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite | Dialect::Postgres => format!("CAST({expr} AS TEXT)"),
            Dialect::Columnar => format!("CAST({expr} AS VARCHAR)"),
        }
    }

    /// `text` contains `pattern` (a LIKE pattern escaped with `\`), ignoring ASCII case.
    pub fn like(self, text: &str, pattern: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{text} LIKE {pattern} ESCAPE '\\'"),
            // A date column is text only once cast.
            Dialect::Postgres => format!("CAST({text} AS TEXT) ILIKE {pattern} ESCAPE '\\'"),
            Dialect::Columnar => format!("CAST({text} AS VARCHAR) ILIKE {pattern} ESCAPE '\\'"),
        }
    }

    /// The LIKE pattern matching the value of `expr` anywhere, its wildcards escaped (for a
    /// parameter, whose value is known only when the query runs).
    pub fn contains_pattern(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite | Dialect::Postgres | Dialect::Columnar => format!(
                "'%' || replace(replace(replace({expr}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"
            ),
        }
    }

    /// `expr` as a floating-point number, so a ratio of integers keeps its fraction.
    pub fn real(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST({expr} AS REAL)"),
            Dialect::Postgres => format!("CAST({expr} AS double precision)"),
            Dialect::Columnar => format!("CAST({expr} AS DOUBLE)"),
        }
    }
}

impl Dialect {
    /// A date part (`year`, `quarter`, `month`, `day`) of the date `x` as an integer.
    pub fn date_part(self, part: &str, x: &str) -> String {
        match self {
            Dialect::Sqlite => {
                let f = match part {
                    "year" => "%Y",
                    "month" | "quarter" => "%m",
                    _ => "%d",
                };
                let n = format!("CAST(strftime('{f}', {x}) AS INTEGER)");
                match part {
                    "quarter" => format!("(({n} + 2) / 3)"),
                    _ => n,
                }
            }
            Dialect::Postgres => format!("CAST(extract({part} FROM {x}) AS integer)"),
            Dialect::Columnar => {
                format!("CAST(date_part('{part}', TRY_CAST({x} AS TIMESTAMP)) AS BIGINT)")
            }
        }
    }

    /// `expr` ordered `dir` (`ASC` or `DESC`) with NULL the smallest value, as SQLite orders
    /// (PostgreSQL puts NULL last going up; the columnar engine's session says `nulls_min`).
    pub fn order(self, expr: &str, dir: &str) -> String {
        match (self, dir) {
            (Dialect::Postgres, "DESC") => format!("{expr} DESC NULLS LAST"),
            (Dialect::Postgres, _) => format!("{expr} {dir} NULLS FIRST"),
            (_, "ASC") => expr.to_string(),
            _ => format!("{expr} {dir}"),
        }
    }

    /// The text `x` in lower (or upper) case, ASCII letters only: SQLite's `lower` and
    /// `upper`, spelled so for the others.
    pub fn ascii_case(self, x: &str, upper: bool) -> String {
        const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
        match (self, upper) {
            (Dialect::Sqlite, false) => format!("lower({x})"),
            (Dialect::Sqlite, true) => format!("upper({x})"),
            (_, false) => format!("translate({x}, '{UPPER}', '{LOWER}')"),
            (_, true) => format!("translate({x}, '{LOWER}', '{UPPER}')"),
        }
    }
}

/// The columnar engine's day number (days since 1970) of a date or its text.
fn day_number(expr: &str) -> String {
    format!("CAST(TRY_CAST({expr} AS DATE) AS INT)")
}

/// The columnar engine's `YYYY-MM-DD` text of a day number.
fn days_text(days: &str) -> String {
    format!("CAST(CAST({days} AS DATE) AS VARCHAR)")
}

/// `value`'s LIKE wildcards and escape character escaped with `\`, inside `%…%`.
pub fn contains_pattern(value: &str) -> String {
    let mut p = String::with_capacity(value.len() + 2);
    p.push('%');
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::*;

    #[test]
    fn the_postgres_dialect_spells_buckets_sums_and_periods_its_own_way_and_passes_its_guard() {
        let conn = db();
        let fields = fields(&conn, "sales").unwrap();
        let compile = |v: Value| {
            compile_for(Dialect::Postgres, &spec(v), &fields, &[], today())
                .unwrap()
                .sql
        };
        let sql = compile(json!({"dataset": "sales",
            "dimensions": [{"field": "order_date", "bucket": "quarter"}],
            "measures": [{"field": "revenue", "agg": "sum", "as": "r", "show": "percent_of_total"},
                         {"field": "paid", "agg": "sum", "as": "paid"}],
            "filters": [{"field": "product", "op": "contains", "value": "50%"}]}));
        assert!(
            sql.contains("((date_trunc('quarter', (\"order_date\")::timestamp))::date)"),
            "{sql}"
        );
        assert!(sql.contains("coalesce(sum(\"revenue\"), 0)"), "{sql}");
        assert!(
            sql.contains("coalesce(sum((\"paid\")::integer), 0)"),
            "{sql}"
        );
        assert!(sql.contains("CAST(\"r\" AS double precision)"), "{sql}");
        assert!(sql.contains("ILIKE :quire_b0 ESCAPE"), "{sql}");
        crate::data::pg::sql::number(&sql).expect(&sql);
        let sql = compile(
            json!({"dataset": "crm.sales", "measures": [{"field": "units", "agg": "sum"}],
            "filters": [{"field": "order_date", "op": "last_n_days", "value": 7}],
            "compare": {"previousPeriod": true}}),
        );
        assert!(sql.contains("FROM \"crm\".\"sales\""), "{sql}");
        assert!(
            sql.contains("::date - ((:quire_b1)::date - (:quire_b0)::date))"),
            "{sql}"
        );
        crate::data::pg::sql::number(&sql).expect(&sql);
    }
}
