//! The shape of `src/` (ARCHITECTURE.md): top-level modules depend on each other one way only,
//! and so do files (`files`), the model depends on nothing, few loose files, no long files. Read from the sources, so a
//! change that bends the layers fails here, not in review.

mod files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Most lines of code a source file may have before its tests.
const MAX_LINES: usize = 600;
/// Most `.rs` files directly in `src/`.
const MAX_LOOSE: usize = 6;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a file belongs to (`src/web/api/jobs.rs` → `web`); None for the root.
fn top_module(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .to_string();
    match first.strip_suffix(".rs") {
        Some("lib" | "main") => None,
        Some(m) => Some(m.to_string()),
        None => Some(first),
    }
}

/// The top-level modules a source names through `crate::` paths, grouped imports included
/// (`use crate::{a::b, c}`). Comments are left out.
fn crate_refs(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut refs = BTreeSet::new();
    let bytes = code.as_bytes();
    let ident = |at: usize| -> String {
        code[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut at = 0;
    while let Some(i) = code[at..].find("crate::") {
        let start = at + i + "crate::".len();
        at = start;
        // `quire::crate::` cannot happen; `$crate::` in macros is the crate too.
        if bytes.get(start) == Some(&b'{') {
            let mut depth = 0;
            let mut segment_start = true;
            for (j, c) in code[start..].char_indices() {
                match c {
                    '{' => {
                        depth += 1;
                        segment_start = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => segment_start = true,
                    c if c.is_whitespace() => {}
                    _ if segment_start && depth == 1 => {
                        refs.insert(ident(start + j));
                        segment_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            refs.insert(ident(start));
        }
    }
    refs.retain(|r| !r.is_empty() && r != "self");
    refs
}

/// Every top-level module and the others it names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = top_module(&file) else {
            continue;
        };
        let refs = crate_refs(&std::fs::read_to_string(&file).unwrap());
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(refs.into_iter().filter(|r| *r != module));
    }
    graph
}

/// A cycle in `graph`, as the path that closes it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_reference_reader_sees_grouped_and_plain_paths() {
    let refs = crate_refs(
        "use crate::{app::Ctx, model::{report, time}};\nuse crate::store;\n// crate::web\nlet x = crate::data::query::run();",
    );
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        ["app", "data", "model", "store"]
    );
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "a"]);
}

#[test]
fn top_level_modules_depend_on_each_other_one_way_only() {
    let graph = module_graph();
    assert!(graph.len() > 10, "modules found: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn no_two_files_of_src_import_each_other() {
    let graph = files::file_graph();
    assert!(graph.len() > 100, "files found: {}", graph.len());
    let found: Vec<String> = files::knots(&graph)
        .iter()
        .map(|k| format!("  {}", files::shown_cycle(&graph, k)))
        .collect();
    assert!(
        found.is_empty(),
        "files that import each other (move what both need to one side or a file of its own):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_model_depends_on_no_other_module_and_the_core_knows_no_http() {
    let graph = module_graph();
    assert_eq!(graph["model"], BTreeSet::new());
    for (module, deps) in &graph {
        if !["web", "startup", "cli"].contains(&module.as_str()) {
            assert!(!deps.contains("web"), "{module} depends on web");
        }
    }
    let mut files = Vec::new();
    sources(&src(), &mut files);
    for file in files {
        let module = top_module(&file);
        if matches!(module.as_deref(), Some("web" | "startup" | "cli") | None) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("actix_web"),
            "{} uses actix: HTTP belongs in web/",
            file.display()
        );
    }
}

#[test]
fn src_has_few_loose_files_and_no_long_ones() {
    let loose: Vec<_> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert!(loose.len() <= MAX_LOOSE, "loose files in src/: {loose:?}");
    let mut files = Vec::new();
    sources(&src(), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text
            .lines()
            .take_while(|l| !l.starts_with("#[cfg(test)]"))
            .count();
        assert!(
            code <= MAX_LINES,
            "{} has {code} lines before its tests (at most {MAX_LINES})",
            file.display()
        );
    }
}
