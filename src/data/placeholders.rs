//! The `:name` (or `$name`) placeholders of SQL text, found outside strings, quoted names and
//! comments (`::` casts and `12:30` are not placeholders), and written anew: a SQL report's
//! made ready for the columnar engine, which writes them `$name`; a saved question's renamed
//! inside the question built on it.

/// `sql` with each `:name` outside strings, quoted names and comments as `$name` (the
/// columnar engine's placeholders).
pub fn engine(sql: &str) -> String {
    map(sql, |name| format!("${name}"))
}

/// `sql` with each placeholder (`:name` or `$name`) outside strings, quoted names and
/// comments replaced by `to(name)`, which writes the whole new placeholder.
pub fn map(sql: &str, mut to: impl FnMut(&str) -> String) -> String {
    let b: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut i = 0;
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match c {
            '\'' | '"' => {
                // To the closing quote; a doubled one stays inside.
                out.push(c);
                i += 1;
                while i < b.len() {
                    out.push(b[i]);
                    if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            out.push(c);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
            '-' if next == Some('-') => {
                while i < b.len() && b[i] != '\n' {
                    out.push(b[i]);
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                while i < b.len() && !(b[i] == '*' && b.get(i + 1) == Some(&'/')) {
                    out.push(b[i]);
                    i += 1;
                }
                out.extend(b[i..(i + 2).min(b.len())].iter());
                i += 2;
            }
            ':' if next == Some(':') => {
                out.push_str("::");
                i += 2;
            }
            ':' | '$'
                if next.is_some_and(|n| n.is_ascii_alphabetic() || n == '_')
                    && !(i > 0 && word(b[i - 1])) =>
            {
                let end = (i + 1..b.len()).find(|&j| !word(b[j])).unwrap_or(b.len());
                let name: String = b[i + 1..end].iter().collect();
                out.push_str(&to(&name));
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_the_engines_and_nothing_else_changes() {
        let cases = [
            (
                "SELECT * FROM sales WHERE region = :region",
                "SELECT * FROM sales WHERE region = $region",
            ),
            (
                "SELECT x::text, ':no' AS \":not\" -- :nor\nFROM t WHERE d >= :since",
                "SELECT x::text, ':no' AS \":not\" -- :nor\nFROM t WHERE d >= $since",
            ),
            (
                "SELECT /* :skip */ 'it''s :x' WHERE a=:a AND b=:b_2",
                "SELECT /* :skip */ 'it''s :x' WHERE a=$a AND b=$b_2",
            ),
            ("SELECT 'open", "SELECT 'open"),
            ("SELECT 1 /* open", "SELECT 1 /* open"),
            ("SELECT 12:30", "SELECT 12:30"),
        ];
        for (sql, want) in cases {
            assert_eq!(engine(sql), want, "{sql}");
        }
    }

    #[test]
    fn placeholders_are_renamed_whole_and_nothing_else() {
        let sql = "SELECT \"a:b\", ':c' FROM t WHERE x = :quire_b0 AND y = $region -- :z\n AND w::text = :quire_b10";
        let renamed = map(sql, |n| format!(":quire_q1_{n}"));
        assert_eq!(
            renamed,
            "SELECT \"a:b\", ':c' FROM t WHERE x = :quire_q1_quire_b0 AND y = :quire_q1_region -- :z\n AND w::text = :quire_q1_quire_b10"
        );
    }
}
