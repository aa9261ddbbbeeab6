//! Which files of `src/` use which, read from the sources (paths from `crate::`, `super::` and
//! `self::`, resolved to files), for `layout` to find files that import each other.

use super::{sources, src};
use std::collections::{BTreeMap, VecDeque};

/// Where the comment, string or character literal starting at `c[i]` ends, if one does.
fn literal_end(c: &[char], i: usize) -> Option<usize> {
    let at = |j: usize| c.get(j).copied().unwrap_or('\0');
    let word = |n: usize| {
        i.checked_sub(n)
            .is_some_and(|j| c[j].is_alphanumeric() || c[j] == '_')
    };
    let after = |from: usize, s: &[char]| (from..c.len()).find(|&j| c[j..].starts_with(s));
    match (at(i), at(i + 1)) {
        ('/', '/') => Some(after(i, &['\n']).unwrap_or(c.len())),
        ('/', '*') => {
            let (mut depth, mut j) = (0, i);
            while j < c.len() {
                match (c[j], at(j + 1)) {
                    ('/', '*') => (depth, j) = (depth + 1, j + 2),
                    ('*', '/') if depth == 1 => return Some(j + 2),
                    ('*', '/') => (depth, j) = (depth - 1, j + 2),
                    _ => j += 1,
                }
            }
            Some(c.len())
        }
        ('"', _) => {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            Some((j + 1).min(c.len()))
        }
        // `r"…"`, `r#"…"#`, `br"…"` (not `r#ident`, nor a word ending in r).
        ('r', '"' | '#') if !word(1) || (at(i - 1) == 'b' && !word(2)) => {
            let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
            if at(i + 1 + hashes) != '"' {
                return None;
            }
            let close: Vec<char> = std::iter::once('"').chain(vec!['#'; hashes]).collect();
            Some(after(i + 2 + hashes, &close).map_or(c.len(), |j| j + close.len()))
        }
        ('\'', '\\') => Some(after(i + 3, &['\'']).map_or(c.len(), |j| j + 1)),
        ('\'', _) if at(i + 2) == '\'' => Some(i + 3),
        _ => None,
    }
}

/// A source as code alone: comments and literals blanked (lines kept), and the items under
/// `#[cfg(test)]` too (a test module may reach anywhere; what ships is what must not knot).
fn code_only(source: &str) -> Vec<char> {
    let c: Vec<char> = source.chars().collect();
    let mut code = Vec::with_capacity(c.len());
    let mut i = 0;
    while i < c.len() {
        match literal_end(&c, i) {
            Some(end) => {
                code.extend(c[i..end].iter().map(|&x| if x == '\n' { x } else { ' ' }));
                i = end;
            }
            None => {
                code.push(c[i]);
                i += 1;
            }
        }
    }
    let test: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while let Some(at) = (i..code.len()).find(|&j| code[j..].starts_with(&test)) {
        // The item ends at `;` or at the `}` that closes it, before anything that closes its
        // parent (an item inside a block).
        let (mut j, mut depth) = (at + test.len(), 0);
        while j < code.len() {
            match code[j] {
                '{' | '(' | '[' => depth += 1,
                '}' | ')' | ']' | ',' if depth == 0 => break,
                '}' if depth == 1 => {
                    j += 1;
                    break;
                }
                '}' | ')' | ']' => depth -= 1,
                ';' if depth == 0 => {
                    j += 1;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        for x in &mut code[at..j] {
            if *x != '\n' {
                *x = ' ';
            }
        }
        i = j;
    }
    code
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Sep,
    Open,
    Close,
    Comma,
    Star,
    Other,
}

fn tokens(code: &[char]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let start = i;
        while i < code.len() && (code[i].is_alphanumeric() || code[i] == '_') {
            i += 1;
        }
        if i > start {
            out.push(Tok::Word(code[start..i].iter().collect()));
            continue;
        }
        match code[i] {
            ':' if code.get(i + 1) == Some(&':') => {
                out.push(Tok::Sep);
                i += 1;
            }
            '{' => out.push(Tok::Open),
            '}' => out.push(Tok::Close),
            ',' => out.push(Tok::Comma),
            '*' => out.push(Tok::Star),
            x if x.is_whitespace() => {}
            _ => out.push(Tok::Other),
        }
        i += 1;
    }
    out
}

/// The paths of the path or use tree at `toks[i]`, after `prefix` (`a::{b, c::{self, d}}` →
/// `a::b`, `a::c`, `a::c::d`), and the token after it.
fn paths_at(toks: &[Tok], mut i: usize, mut path: Vec<String>) -> (Vec<Vec<String>>, usize) {
    loop {
        match toks.get(i) {
            Some(Tok::Word(w)) if w == "self" && !path.is_empty() => i += 1,
            Some(Tok::Word(w)) => {
                path.push(w.clone());
                i += 1;
            }
            Some(Tok::Open) => {
                let mut all = Vec::new();
                i += 1;
                while let Some(t) = toks.get(i) {
                    match t {
                        Tok::Close => return (all, i + 1),
                        Tok::Comma => i += 1,
                        _ => {
                            let (paths, next) = paths_at(toks, i, path.clone());
                            all.extend(paths);
                            i = next.max(i + 1);
                        }
                    }
                }
                return (all, i);
            }
            Some(Tok::Star) => return (vec![path], i + 1),
            _ => return (vec![path], i),
        }
        if toks.get(i) != Some(&Tok::Sep) {
            if toks.get(i) == Some(&Tok::Word("as".into())) {
                i += 2;
            }
            return (vec![path], i);
        }
        i += 1;
    }
}

/// The module of each file of `src/` (`src/web/error.rs` → `web::error`, `src/web/mod.rs` →
/// `web`, `src/lib.rs` → the crate), the binary's `main.rs` left out (another crate).
fn file_modules() -> BTreeMap<Vec<String>, String> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let root = src().parent().unwrap().to_path_buf();
    files
        .iter()
        .filter(|f| !f.ends_with("src/main.rs"))
        .map(|f| {
            let rel = f.strip_prefix(src()).unwrap().with_extension("");
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let shown = f.strip_prefix(&root).unwrap().to_string_lossy().to_string();
            (module, shown)
        })
        .collect()
}

/// The files a source in `module` uses, each with the first path that says so: paths from
/// `crate::`, `super::` or `self::`, resolved to the file of their longest module
/// (`crate::app::dashboard_run::document` → `src/app/dashboard_run.rs`). A file's own children
/// do not count, declared (`mod rows;`) or named (`rows::parse()`, `pub use self::rows::Row`):
/// a parent is the front of its parts (a `mod.rs` re-exports them, `web/mod.rs` routes to every
/// handler) and its children use it freely (`super::Problem`), so only peers can knot.
fn file_uses(
    source: &str,
    module: &[String],
    modules: &BTreeMap<Vec<String>, String>,
) -> BTreeMap<String, String> {
    let toks = tokens(&code_only(source));
    let mut uses = BTreeMap::new();
    // Inline modules (`mod x { … }`) we are in, with the brace depth inside each.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let (mut depth, mut i) = (0, 0);
    while i < toks.len() {
        match &toks[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            Tok::Word(m) if m == "mod" => {
                if let (Some(Tok::Word(name)), Some(Tok::Open)) = (toks.get(i + 1), toks.get(i + 2))
                {
                    depth += 1;
                    inline.push((name.clone(), depth));
                    i += 3;
                    continue;
                }
            }
            Tok::Word(w) => {
                let anchored = matches!(w.as_str(), "crate" | "super" | "self");
                let starts = i == 0 || toks[i - 1] != Tok::Sep;
                if anchored && starts && toks.get(i + 1) == Some(&Tok::Sep) {
                    let scope: Vec<String> = module
                        .iter()
                        .cloned()
                        .chain(inline.iter().map(|(n, _)| n.clone()))
                        .collect();
                    let (paths, next) = paths_at(&toks, i, Vec::new());
                    for path in paths {
                        let ups = path.iter().take_while(|s| *s == "super").count();
                        let mut full = match path[0].as_str() {
                            "crate" => path[1..].to_vec(),
                            "self" => [&scope[..], &path[1..]].concat(),
                            "super" if ups <= scope.len() => {
                                [&scope[..scope.len() - ups], &path[ups..]].concat()
                            }
                            _ => continue,
                        };
                        while !full.is_empty() && !modules.contains_key(&full) {
                            full.pop();
                        }
                        if full.starts_with(module) {
                            continue;
                        }
                        if let Some(file) = modules.get(&full) {
                            uses.entry(file.clone()).or_insert_with(|| path.join("::"));
                        }
                    }
                    i = next;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    uses
}

/// Every file of `src/` and the files it uses, each with the path that says so.
pub fn file_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let modules = file_modules();
    modules
        .iter()
        .map(|(module, file)| {
            let root = src().parent().unwrap().join(file);
            let source = std::fs::read_to_string(root).unwrap();
            (file.clone(), file_uses(&source, module, &modules))
        })
        .collect()
}

/// The knots of `graph`: each set of two or more nodes that all reach one another (Tarjan's
/// strongly connected components).
pub fn knots<T: Clone>(graph: &BTreeMap<String, BTreeMap<String, T>>) -> Vec<Vec<String>> {
    struct Walk<'a, T> {
        graph: &'a BTreeMap<String, BTreeMap<String, T>>,
        index: BTreeMap<&'a str, (usize, usize)>,
        stack: Vec<&'a str>,
        knots: Vec<Vec<String>>,
    }
    fn visit<'a, T>(w: &mut Walk<'a, T>, node: &'a str) {
        let n = w.index.len();
        w.index.insert(node, (n, n));
        w.stack.push(node);
        for next in w.graph.get(node).into_iter().flat_map(|m| m.keys()) {
            let low = match w.index.get(next.as_str()) {
                None => {
                    visit(w, next);
                    w.index[next.as_str()].1
                }
                Some(_) if w.stack.contains(&next.as_str()) => w.index[next.as_str()].0,
                Some(_) => continue,
            };
            let entry = w.index.get_mut(node).unwrap();
            entry.1 = entry.1.min(low);
        }
        if w.index[node].0 == w.index[node].1 {
            let at = w.stack.iter().rposition(|x| *x == node).unwrap();
            let knot: Vec<String> = w.stack.drain(at..).map(String::from).collect();
            if knot.len() > 1 {
                w.knots.push(knot);
            }
        }
    }
    let mut w = Walk {
        graph,
        index: BTreeMap::new(),
        stack: Vec::new(),
        knots: Vec::new(),
    };
    for node in graph.keys() {
        if !w.index.contains_key(node.as_str()) {
            visit(&mut w, node);
        }
    }
    w.knots.iter_mut().for_each(|k| k.sort());
    w.knots.sort();
    w.knots
}

/// A shortest cycle through the first file of `knot`, each step with the path that makes it:
/// `a.rs → b.rs (crate::b::x) → a.rs (super::a::y)`.
pub fn shown_cycle(graph: &BTreeMap<String, BTreeMap<String, String>>, knot: &[String]) -> String {
    let start = &knot[0];
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    'search: while let Some(node) = queue.pop_front() {
        for next in graph[node].keys().filter(|n| knot.contains(n)) {
            if !came_from.contains_key(next) {
                came_from.insert(next, node);
                if next == start {
                    break 'search;
                }
                queue.push_back(next);
            }
        }
    }
    // Back from the step that closes the cycle, through the search's tree, to the start.
    let mut steps = vec![start];
    let mut at = came_from[start];
    while at != start {
        steps.push(at);
        at = came_from[at];
    }
    steps.push(start);
    steps.reverse();
    let mut shown = start.clone();
    for pair in steps.windows(2) {
        shown += &format!(" → {} ({})", pair[1], graph[pair[0]][pair[1]]);
    }
    if knot.len() + 1 > steps.len() {
        // More files than one cycle shows: name the rest.
        shown += &format!(
            "; the knot also holds {}",
            knot.iter()
                .filter(|f| !steps.contains(f))
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    shown
}

#[test]
fn the_file_reader_resolves_crate_super_and_self_paths_to_files_but_not_a_parents_own() {
    let modules: BTreeMap<Vec<String>, String> = [
        "",
        "app",
        "app::dashboard_run",
        "model",
        "web",
        "web::error",
        "web::schedules",
        "web::schedules::form",
        "web::schedules::rows",
    ]
    .iter()
    .map(|m| {
        let module: Vec<String> = m
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        (module, format!("{m}.rs"))
    })
    .collect();
    let uses = |module: &str, source: &str| -> Vec<String> {
        let module: Vec<String> = module.split("::").map(String::from).collect();
        file_uses(source, &module, &modules).into_keys().collect()
    };
    let form =
        "use super::rows::{self, Row};\nuse crate::{app::{dashboard_run::document, Ctx}, model};\n\
        // crate::web::error\nlet s = \"super::super::error\"; let c = '{';\n\
        pub(super) fn f() -> Result<(), super::super::error::Problem> { todo!() }\n\
        #[cfg(test)]\nmod tests { use crate::web::error::Problem; }";
    assert_eq!(
        uses("web::schedules::form", form),
        [
            "app.rs",
            "app::dashboard_run.rs",
            "model.rs",
            "web::error.rs",
            "web::schedules::rows.rs"
        ]
    );
    // A parent's own children are its parts, declared or named; a macro's `$crate` is the crate.
    let parent = "pub mod form;\nmod rows;\npub use self::form::Form;\n\
        fn f() { rows::parse(); crate::web::schedules::rows::x(); $crate::model::X; }";
    assert_eq!(uses("web::schedules", parent), ["model.rs"]);
    // `super` in an inline module is the file itself.
    assert_eq!(
        uses("web::error", "mod inner { use super::Problem; }"),
        Vec::<String>::new()
    );
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "a"), ("b", "c"), ("c", "d")] {
        g.entry(a.into())
            .or_default()
            .insert(b.into(), format!("crate::{b}"));
    }
    g.entry("d".into()).or_default();
    assert_eq!(knots(&g), [["a", "b"]]);
    assert_eq!(
        shown_cycle(&g, &knots(&g)[0]),
        "a → b (crate::b) → a (crate::a)"
    );
}
