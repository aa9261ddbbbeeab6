//! Report SQL for PostgreSQL, read before it is sent: named parameters `:name` become `$n`,
//! and what cannot be a read-only report query is refused with a reason (one statement that
//! starts as a SELECT, nothing that writes, locks, copies, changes a setting or reaches files).
//!
//! A lexer, not a parser: it knows strings (`'…'`, `E'…'`, `$tag$…$tag$`), quoted identifiers,
//! comments and casts (`::`), so words inside them are not mistaken for keywords. It is the
//! first line only: every query also runs in a `READ ONLY` transaction that is rolled back.

/// A query ready for PostgreSQL: its text with `$n` placeholders and the parameter each stands
/// for (`names[0]` is `$1`).
#[derive(Debug, Clone, PartialEq)]
pub struct Numbered {
    pub sql: String,
    pub names: Vec<String>,
}

/// Words that change data or lock rows even inside a SELECT or WITH (data-modifying CTEs,
/// `SELECT … INTO`, `FOR UPDATE`).
const WRITING_WORDS: &[&str] = &["insert", "update", "delete", "merge", "into", "copy"];

/// Functions refused by name: they change settings, read or write files and large objects,
/// run SQL given as text, signal other sessions, take session locks or advance sequences.
const FUNCTIONS: &[&str] = &[
    "set_config",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_stat_file",
    "pg_logdir_ls",
    "loread",
    "lowrite",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "ts_stat",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_promote",
    "pg_switch_wal",
    "pg_notify",
    "nextval",
    "setval",
    "pg_import_system_collations",
];

/// Families of functions refused by prefix.
const FUNCTION_PREFIXES: &[&str] = &[
    "lo_",
    "pg_ls_",
    "pg_file_",
    "dblink",
    "pg_advisory_",
    "pg_try_advisory_",
    "pg_create_",
    "pg_drop_",
    "pg_replication_",
    "pg_logical_",
    "pg_backup_",
    "pg_start_backup",
    "pg_stop_backup",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An unquoted word, lower-cased.
    Word(String),
    /// A quoted identifier, as written between the quotes.
    Quoted(String),
    Literal,
    Punct(u8),
}

/// Checks `sql` (one statement, its trailing `;` allowed) and numbers its parameters.
pub fn number(sql: &str) -> Result<Numbered, String> {
    let b = sql.as_bytes();
    let n = b.len();
    let mut toks: Vec<Tok> = Vec::new();
    let mut out = String::with_capacity(n + 16);
    let mut names: Vec<String> = Vec::new();
    let mut copied = 0;
    let mut ended = false;
    let mut i = 0;
    let ident_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
    let ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    while i < n {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'-' && next == b'-' {
            while i < n && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && next == b'*' {
            let mut depth = 0;
            loop {
                if i >= n {
                    return Err("a comment is not closed (`/*` without `*/`)".into());
                }
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if ended {
            return Err("only one statement is allowed".into());
        }
        match c {
            b';' => {
                ended = true;
                i += 1;
            }
            b'\'' => {
                i = string_end(b, i, false)?;
                toks.push(Tok::Literal);
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                loop {
                    match b.get(j) {
                        None => return Err("a quoted name is not closed (`\"`)".into()),
                        Some(b'"') if b.get(j + 1) == Some(&b'"') => j += 2,
                        Some(b'"') => break,
                        Some(_) => j += 1,
                    }
                }
                toks.push(Tok::Quoted(sql[start..j].replace("\"\"", "\"")));
                i = j + 1;
            }
            b'$' if next.is_ascii_digit() => {
                return Err(
                    "positional parameters ($1) cannot be used: write parameters as :name".into(),
                )
            }
            b'$' => {
                // A dollar-quoted string: `$$…$$` or `$tag$…$tag$`.
                let mut j = i + 1;
                while j < n && ident_char(b[j]) && b[j] != b'$' {
                    j += 1;
                }
                if b.get(j) == Some(&b'$') {
                    let tag = &sql[i..=j];
                    match sql[j + 1..].find(tag) {
                        Some(k) => i = j + 1 + k + tag.len(),
                        None => return Err(format!("a string opened with {tag} is not closed")),
                    }
                    toks.push(Tok::Literal);
                } else {
                    toks.push(Tok::Punct(b'$'));
                    i += 1;
                }
            }
            b':' if next == b':' => {
                toks.push(Tok::Punct(b':'));
                i += 2;
            }
            b':' if ident_start(next) && (i == 0 || b[i - 1] != b':') => {
                let mut j = i + 1;
                while j < n && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let name = &sql[i + 1..j];
                let k = match names.iter().position(|x| x == name) {
                    Some(k) => k,
                    None => {
                        names.push(name.to_string());
                        names.len() - 1
                    }
                };
                out.push_str(&sql[copied..i]);
                out.push_str(&format!("${}", k + 1));
                copied = j;
                toks.push(Tok::Literal);
                i = j;
            }
            c if ident_start(c) => {
                let mut j = i;
                while j < n && ident_char(b[j]) {
                    j += 1;
                }
                let word = sql[i..j].to_ascii_lowercase();
                if (word == "e" || word == "x" || word == "b" || word == "n")
                    && b.get(j) == Some(&b'\'')
                {
                    i = string_end(b, j, word == "e")?;
                    toks.push(Tok::Literal);
                    continue;
                }
                if word == "u" && b.get(j) == Some(&b'&') {
                    return Err("Unicode escapes (U&'…', U&\"…\") cannot be used".into());
                }
                toks.push(Tok::Word(word));
                i = j;
            }
            c if c.is_ascii_digit() || (c == b'.' && next.is_ascii_digit()) => {
                let mut j = i;
                while j < n && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'_') {
                    j += 1;
                }
                toks.push(Tok::Literal);
                i = j;
            }
            c => {
                toks.push(Tok::Punct(c));
                i += 1;
            }
        }
    }
    out.push_str(&sql[copied..]);
    check(&toks)?;
    Ok(Numbered { sql: out, names })
}

/// The index just past the string literal starting at `i` (a `'`); `escapes` for `E'…'`.
fn string_end(b: &[u8], i: usize, escapes: bool) -> Result<usize, String> {
    let mut j = i + 1;
    loop {
        match b.get(j) {
            None => return Err("a string is not closed (`'`)".into()),
            Some(b'\\') if escapes => j += 2,
            Some(b'\'') if b.get(j + 1) == Some(&b'\'') => j += 2,
            Some(b'\'') => return Ok(j + 1),
            Some(_) => j += 1,
        }
    }
}

/// The refusals that need the tokens: what the statement is, what it calls.
fn check(toks: &[Tok]) -> Result<(), String> {
    match toks.first() {
        None => return Err("the query is empty".into()),
        Some(Tok::Word(w)) if ["select", "with", "values", "table"].contains(&w.as_str()) => {}
        Some(Tok::Punct(b'(')) => {}
        Some(_) => {
            return Err(
                "a report query is one SELECT (or WITH … SELECT): other statements cannot be used"
                    .into(),
            )
        }
    }
    for (k, t) in toks.iter().enumerate() {
        let Tok::Word(w) = t else {
            // A quoted name called as a function is still that function.
            if let (Tok::Quoted(q), Some(Tok::Punct(b'('))) = (t, toks.get(k + 1)) {
                refused_function(&q.to_ascii_lowercase())?;
            }
            continue;
        };
        if WRITING_WORDS.contains(&w.as_str()) {
            return Err(format!(
                "the statement would change data or lock rows (`{}`): only SELECT is allowed",
                w.to_ascii_uppercase()
            ));
        }
        if w == "for" {
            if let Some(Tok::Word(next)) = toks.get(k + 1) {
                if ["share", "key", "no"].contains(&next.as_str()) {
                    return Err(
                        "row locks (`FOR SHARE`, `FOR UPDATE`) cannot be taken: only SELECT is allowed"
                            .into(),
                    );
                }
            }
        }
        if toks.get(k + 1) == Some(&Tok::Punct(b'(')) {
            refused_function(w)?;
        }
    }
    Ok(())
}

fn refused_function(name: &str) -> Result<(), String> {
    if FUNCTIONS.contains(&name) || FUNCTION_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return Err(format!(
            "the function `{name}` cannot be used in a report query (it changes settings, \
             reaches files or other sessions, or runs SQL given as text)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_parameters_become_numbered_ones_outside_strings_comments_and_casts() {
        let n = number(
            "SELECT a::date, ':not' AS \":x\", $$ :nor $$ -- :no\nFROM t WHERE a > :from AND b < :to AND c = :from",
        )
        .unwrap();
        assert_eq!(
            n.sql,
            "SELECT a::date, ':not' AS \":x\", $$ :nor $$ -- :no\nFROM t WHERE a > $1 AND b < $2 AND c = $1"
        );
        assert_eq!(n.names, ["from", "to"]);
        assert_eq!(number("SELECT :a::int;").unwrap().sql, "SELECT $1::int;");
    }

    #[test]
    fn the_hostile_list_is_refused_with_a_reason() {
        for (sql, why) in [
            ("SELECT 1; SELECT 2", "one statement"),
            ("SELECT 1; DROP TABLE t", "one statement"),
            ("DELETE FROM t", "one SELECT"),
            (
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "DELETE",
            ),
            (
                "WITH d AS (INSERT INTO t VALUES (1) RETURNING *) SELECT 1",
                "INSERT",
            ),
            (
                "WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT 1",
                "UPDATE",
            ),
            ("SELECT * INTO copy_of_t FROM t", "INTO"),
            ("COPY t TO '/tmp/x'", "one SELECT"),
            ("SELECT * FROM t FOR UPDATE", "UPDATE"),
            ("SELECT * FROM t FOR SHARE", "row locks"),
            (
                "SELECT set_config('statement_timeout', '0', false)",
                "set_config",
            ),
            ("SELECT pg_catalog.set_config('a', 'b', true)", "set_config"),
            ("SELECT \"set_config\"('a', 'b', true)", "set_config"),
            ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
            (
                "SELECT PG_READ_BINARY_FILE('/etc/passwd')",
                "pg_read_binary_file",
            ),
            ("SELECT lo_import('/etc/passwd')", "lo_import"),
            ("SELECT pg_ls_dir('.')", "pg_ls_dir"),
            (
                "SELECT query_to_xml('delete from t', true, true, '')",
                "query_to_xml",
            ),
            ("SELECT dblink_exec('x', 'drop table t')", "dblink_exec"),
            ("SELECT nextval('s')", "nextval"),
            ("SELECT pg_advisory_lock(1)", "pg_advisory_lock"),
            ("SELECT U&\"\\0070g_read_file\"('x')", "Unicode"),
            ("SELECT * FROM t WHERE a = $1", "positional"),
            ("SET statement_timeout = 0", "one SELECT"),
            ("EXPLAIN ANALYZE DELETE FROM t", "one SELECT"),
            ("SELECT 'unclosed", "not closed"),
            ("", "empty"),
            ("  -- only a comment", "empty"),
        ] {
            let e = number(sql).unwrap_err();
            assert!(e.contains(why), "{sql}: {e}");
        }
    }

    #[test]
    fn words_in_strings_names_and_comments_are_not_keywords() {
        for sql in [
            "SELECT 'delete; insert' AS x",
            "SELECT \"update\" FROM t",
            "SELECT E'it\\'s; delete' AS x",
            "SELECT $body$ copy ; into $body$",
            "/* delete */ SELECT 1 -- ; drop\n",
            "SELECT last_update, pg_sleep(0.1) FROM t;  ",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "(SELECT 1) UNION (SELECT 2)",
            "SELECT for_x FROM t",
        ] {
            number(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}
