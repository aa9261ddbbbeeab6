//! Two versions of a definition compared in words: each change says where (a measure, a
//! widget, a filter by its id or name), what it was and what it is; widgets moved or resized
//! say so; a long text (SQL, a text block) changed is shown as a line diff.

use serde::Serialize;
use serde_json::{Map, Value};

/// One change between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Where, in words: "Measure `revenue` › agg".
    pub what: String,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// A changed text line by line: `-` only before, `+` only after, ` ` in both.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    Moved,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub sign: String,
    pub text: String,
}

/// Longest value shown in a change; longer ones are cut with "…".
const SHOWN_CHARS: usize = 160;
/// Texts longer than this many lines are not diffed line by line.
const MAX_DIFF_LINES: usize = 800;

/// What changed from `old` to `new`, in the order the definition reads.
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out
}

fn walk(at: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => objects(at, a, b, out),
        (Value::Array(a), Value::Array(b)) => arrays(at, a, b, out),
        (Value::String(a), Value::String(b)) if is_long(a) || is_long(b) => out.push(Change {
            what: name_of(at),
            kind: ChangeKind::Changed,
            before: None,
            after: None,
            lines: line_diff(a, b),
        }),
        (Value::Null, b) => out.push(change(at, ChangeKind::Added, None, Some(b))),
        (a, Value::Null) => out.push(change(at, ChangeKind::Removed, Some(a), None)),
        (a, b) => out.push(change(at, ChangeKind::Changed, Some(a), Some(b))),
    }
}

fn change(at: &str, kind: ChangeKind, before: Option<&Value>, after: Option<&Value>) -> Change {
    Change {
        what: name_of(at),
        kind,
        before: before.map(summary),
        after: after.map(summary),
        lines: Vec::new(),
    }
}

fn is_long(s: &str) -> bool {
    s.contains('\n') || s.chars().count() > 100
}

const GRID: [&str; 4] = ["x", "y", "w", "h"];

/// Keys in the order a definition is read (the rest after them, alphabetically).
const READING_ORDER: [&str; 24] = [
    "name",
    "description",
    "category",
    "tags",
    "dataSource",
    "dataset",
    "joins",
    "expressions",
    "dimensions",
    "measures",
    "filters",
    "sort",
    "limit",
    "compare",
    "query",
    "builder",
    "queries",
    "parameters",
    "visualizations",
    "widgets",
    "layout",
    "schedule",
    "timezone",
    "recipients",
];

fn objects(at: &str, a: &Map<String, Value>, b: &Map<String, Value>, out: &mut Vec<Change>) {
    let grid = |m: &Map<String, Value>| GRID.map(|k| m.get(k).and_then(Value::as_i64));
    let (ga, gb) = (grid(a), grid(b));
    let on_grid = ga.iter().chain(&gb).all(Option::is_some);
    if on_grid && ga != gb {
        let [x0, y0, w0, h0] = ga.map(Option::unwrap_or_default);
        let [x1, y1, w1, h1] = gb.map(Option::unwrap_or_default);
        if (x0, y0) != (x1, y1) {
            out.push(Change {
                what: name_of(at),
                kind: ChangeKind::Moved,
                before: Some(format!("column {}, row {}", x0 + 1, y0 + 1)),
                after: Some(format!("column {}, row {}", x1 + 1, y1 + 1)),
                lines: Vec::new(),
            });
        }
        if (w0, h0) != (w1, h1) {
            out.push(Change {
                what: format!("{} › size", name_of(at)),
                kind: ChangeKind::Changed,
                before: Some(format!("{w0} × {h0}")),
                after: Some(format!("{w1} × {h1}")),
                lines: Vec::new(),
            });
        }
    }
    let mut keys: Vec<&String> = a.keys().collect();
    keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
    keys.sort_by_key(|k| {
        (
            READING_ORDER
                .iter()
                .position(|r| r == k)
                .unwrap_or(usize::MAX),
            *k,
        )
    });
    for k in keys {
        if on_grid && GRID.contains(&k.as_str()) {
            continue;
        }
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}\u{1}{k}")
        };
        walk(
            &path,
            a.get(k).unwrap_or(&Value::Null),
            b.get(k).unwrap_or(&Value::Null),
            out,
        );
    }
}

/// What identifies an element of a list across versions: its id, name, alias, or itself.
fn identity(v: &Value) -> String {
    if let Value::Object(m) = v {
        for k in ["id", "name", "as", "address"] {
            if let Some(Value::String(s)) = m.get(k) {
                return s.clone();
            }
        }
        if let (Some(Value::String(f)), Some(Value::String(g))) = (m.get("field"), m.get("agg")) {
            return format!("{g}({f})");
        }
        if let Some(Value::String(f)) = m.get("field") {
            if m.get("op").is_none() {
                return f.clone();
            }
        }
    }
    summary(v)
}

/// Lists longer than this are compared whole (matching their items would take too long).
const MAX_MATCHED: usize = 500;

fn arrays(at: &str, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    if a.len() > MAX_MATCHED || b.len() > MAX_MATCHED {
        out.push(Change {
            what: name_of(at),
            kind: ChangeKind::Changed,
            before: Some(format!("{} items", a.len())),
            after: Some(format!("{} items", b.len())),
            lines: Vec::new(),
        });
        return;
    }
    let ka: Vec<String> = a.iter().map(identity).collect();
    let kb: Vec<String> = b.iter().map(identity).collect();
    let item = |k: &str| format!("{at}\u{2}{k}");
    for (k, v) in ka.iter().zip(a) {
        match kb.iter().position(|x| x == k) {
            Some(j) => walk(&item(k), v, &b[j], out),
            None => out.push(change(&item(k), ChangeKind::Removed, Some(v), None)),
        }
    }
    for (k, v) in kb.iter().zip(b) {
        if !ka.contains(k) {
            out.push(change(&item(k), ChangeKind::Added, None, Some(v)));
        }
    }
    let kept_a: Vec<&String> = ka.iter().filter(|k| kb.contains(k)).collect();
    let kept_b: Vec<&String> = kb.iter().filter(|k| ka.contains(k)).collect();
    if kept_a != kept_b {
        out.push(Change {
            what: format!("{} › order", name_of(at)),
            kind: ChangeKind::Changed,
            before: Some(cut(&join(&kept_a))),
            after: Some(cut(&join(&kept_b))),
            lines: Vec::new(),
        });
    }
}

fn join(keys: &[&String]) -> String {
    keys.iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A path in words: `visualizations␂trend␁dataMapping␁y` → "Visualization `trend` › mapping › y".
fn name_of(at: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for part in at.split('\u{1}') {
        match part.split_once('\u{2}') {
            Some((list, key)) => words.push(format!("{} `{}`", singular(list), cut(key))),
            None => words.push(word(part).to_string()),
        }
    }
    let mut s = words.join(" › ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

fn singular(list: &str) -> String {
    match list {
        "dimensions" => "dimension".into(),
        "measures" => "measure".into(),
        "filters" => "filter".into(),
        "visualizations" => "visualization".into(),
        "widgets" => "widget".into(),
        "parameters" => "parameter".into(),
        "recipients" => "recipient".into(),
        "expressions" => "calculated column".into(),
        "joins" => "join".into(),
        "targets" => "target".into(),
        "sections" => "section".into(),
        "items" => "item".into(),
        "tags" => "tag".into(),
        other => word(other).to_string(),
    }
}

fn word(key: &str) -> &str {
    match key {
        "query" => "SQL",
        "dataMapping" => "mapping",
        "dataSource" => "data source",
        "rowLimit" => "row limit",
        "exportFormat" => "format",
        "schedule" => "cron",
        "timezone" => "time zone",
        "refreshSeconds" => "refresh",
        "reportId" => "report",
        "visualizationId" => "visualization",
        "defaultValue" => "default",
        other => other,
    }
}

/// A value in a few words: `sum(revenue) as total`, `region in [West, North]`, `bar "Sales"`.
fn summary(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => {
            let s = |k: &str| m.get(k).map(plain);
            match (s("field"), s("agg"), s("op"), s("expr")) {
                (Some(f), Some(g), _, _) => match s("as") {
                    Some(a) => format!("{g}({f}) as {a}"),
                    None => format!("{g}({f})"),
                },
                (Some(f), None, Some(op), _) => match m.get("value") {
                    Some(v) if !v.is_null() => format!("{f} {op} {}", plain(v)),
                    _ => format!("{f} {op}"),
                },
                (Some(f), None, None, None) => match s("bucket") {
                    Some(b) => format!("{f} by {b}"),
                    None => v.to_string(),
                },
                (None, _, _, Some(e)) => match s("as").or(s("name")) {
                    Some(a) => format!("{a} = {e}"),
                    None => e,
                },
                _ => match (s("type"), s("title").or(s("address"))) {
                    (Some(t), Some(title)) if m.contains_key("address") => format!("{t} {title}"),
                    (Some(t), Some(title)) => format!("{t} \"{title}\""),
                    _ => v.to_string(),
                },
            }
        }
        other => plain(other),
    };
    cut(&text)
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(plain).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

fn cut(s: &str) -> String {
    crate::model::text::truncate(s, SHOWN_CHARS).to_string()
}

/// Lines of `a` and `b` with what was taken out and put in (longest common subsequence).
fn line_diff(a: &str, b: &str) -> Vec<Line> {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let line = |sign: &str, t: &str| Line {
        sign: sign.into(),
        text: t.to_string(),
    };
    if la.len() > MAX_DIFF_LINES || lb.len() > MAX_DIFF_LINES {
        return la
            .iter()
            .map(|t| line("-", t))
            .chain(lb.iter().map(|t| line("+", t)))
            .collect();
    }
    // lcs[i][j]: the longest common run of la[i..] and lb[j..].
    let mut lcs = vec![vec![0u16; lb.len() + 1]; la.len() + 1];
    for i in (0..la.len()).rev() {
        for j in (0..lb.len()).rev() {
            lcs[i][j] = if la[i] == lb[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < la.len() || j < lb.len() {
        if i < la.len() && j < lb.len() && la[i] == lb[j] {
            out.push(line(" ", la[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < la.len() && (j == lb.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(line("-", la[i]));
            i += 1;
        } else {
            out.push(line("+", lb[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn said(c: &[Change]) -> Vec<String> {
        c.iter()
            .map(|c| {
                format!(
                    "{:?} {}: {} -> {}",
                    c.kind,
                    c.what,
                    c.before.as_deref().unwrap_or("-"),
                    c.after.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }

    #[test]
    fn a_builder_change_names_the_measure_and_filter() {
        let old = json!({"name": "Sales", "builder": {"dataset": "sales",
            "dimensions": ["region"],
            "measures": [{"field": "revenue", "agg": "sum", "as": "revenue"}],
            "filters": [{"field": "region", "op": "eq", "value": "West"}]}});
        let new = json!({"name": "Sales by region", "builder": {"dataset": "sales",
            "dimensions": ["region", {"field": "order_date", "bucket": "month"}],
            "measures": [{"field": "revenue", "agg": "avg", "as": "revenue"}],
            "filters": [{"field": "region", "op": "in", "value": ["West", "North"]}]}});
        assert_eq!(
            said(&changes(&old, &new)),
            [
                "Changed Name: Sales -> Sales by region",
                "Added Builder › dimension `order_date`: - -> order_date by month",
                "Changed Builder › measure `revenue` › agg: sum -> avg",
                "Removed Builder › filter `region eq West`: region eq West -> -",
                "Added Builder › filter `region in [West, North]`: - -> region in [West, North]",
            ]
        );
    }

    #[test]
    fn widgets_moved_and_resized_say_so_and_sql_is_a_line_diff() {
        let old = json!({"widgets": [{"id": "a", "x": 0, "y": 0, "w": 6, "h": 4},
                                     {"id": "b", "x": 6, "y": 0, "w": 6, "h": 4}],
                         "query": "SELECT region,\n  sum(revenue)\nFROM sales\nGROUP BY 1"});
        let new = json!({"widgets": [{"id": "a", "x": 0, "y": 4, "w": 12, "h": 4},
                                     {"id": "b", "x": 6, "y": 0, "w": 6, "h": 4}],
                         "query": "SELECT region,\n  avg(revenue)\nFROM sales\nGROUP BY 1"});
        let c = changes(&old, &new);
        assert_eq!(
            said(&c)[1..],
            [
                "Moved Widget `a`: column 1, row 1 -> column 1, row 5",
                "Changed Widget `a` › size: 6 × 4 -> 12 × 4",
            ]
        );
        let sql = &c[0];
        assert_eq!(sql.what, "SQL");
        let signs: Vec<String> = sql
            .lines
            .iter()
            .map(|l| format!("{}{}", l.sign, l.text))
            .collect();
        assert_eq!(
            signs,
            [
                " SELECT region,",
                "-  sum(revenue)",
                "+  avg(revenue)",
                " FROM sales",
                " GROUP BY 1"
            ]
        );
    }

    #[test]
    fn a_long_list_is_compared_whole() {
        let a = json!({"tags": (0..5000).collect::<Vec<_>>()});
        let b = json!({"tags": (1..5001).collect::<Vec<_>>()});
        let started = std::time::Instant::now();
        let c = changes(&a, &b);
        assert!(started.elapsed().as_secs() < 2);
        assert_eq!(said(&c), ["Changed Tags: 5000 items -> 5000 items"]);
    }

    #[test]
    fn the_same_definition_has_no_changes_and_reordering_is_one() {
        let v = json!({"widgets": [{"id": "a"}, {"id": "b"}]});
        assert!(changes(&v, &v).is_empty());
        let w = json!({"widgets": [{"id": "b"}, {"id": "a"}]});
        assert_eq!(
            said(&changes(&v, &w)),
            ["Changed Widgets › order: a, b -> b, a"]
        );
    }
}
