//! Imports inside the core go one way: no unit imports, through any chain, a unit that imports it.
//!
//! A unit is a top-level module of `src/` (a guard's folder, `db`, `error`, …); the `webhooks` folder is a
//! namespace for three units of its own (`webhooks::inbound`, `webhooks::outbound`,
//! `webhooks::signature`), since inbound events record payments and payments write outbound events. The
//! graph is read from the `crate::…` paths in code (comments stripped), which is how every module in
//! the core names another.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const NAMESPACES: &[&str] = &["webhooks"];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The unit a path such as `["webhooks", "inbound", "sqlite"]` or `["exports", "diff"]` belongs to.
fn unit(segments: &[&str]) -> String {
    match segments {
        [namespace, sub, ..] if NAMESPACES.contains(namespace) && *sub != "mod" => format!("{namespace}::{sub}"),
        [first, ..] => first.to_string(),
        [] => String::new(),
    }
}

fn without_comments(source: &str) -> String {
    source.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::a::b` path in the source, `use crate::{a::x, b::{…}}` groups included, as segments.
fn crate_paths(source: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find(';').unwrap_or(group.len());
            for item in group[..end].split([',', '{', '}']) {
                let segments: Vec<String> = item.trim().split("::").map(str::to_owned).collect();
                if segments.len() > 1 || !segments[0].is_empty() {
                    paths.push(segments);
                }
            }
        } else {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            paths.push(rest[..end].split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect());
        }
    }
    paths
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let top_level: BTreeSet<String> = std::fs::read_dir(&src)
        .expect("src/ is readable")
        .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().trim_end_matches(".rs").to_owned())
        .filter(|name| name != "lib")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src/").with_extension("");
        let segments: Vec<&str> = relative.iter().map(|s| s.to_str().expect("a UTF-8 path")).collect();
        if segments == ["lib"] {
            continue;
        }
        let from = unit(&segments);
        let source = without_comments(&std::fs::read_to_string(&file).expect("a readable source file"));
        for path in crate_paths(&source) {
            let names: Vec<&str> = path.iter().map(String::as_str).collect();
            if !names.first().is_some_and(|first| top_level.contains(*first)) {
                continue;
            }
            let to = unit(&names);
            if to != from {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
        graph.entry(from).or_default();
    }
    graph
}

/// One cycle, if there is any (depth-first search, colouring the units on the current path).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn imports_inside_the_core_go_one_way() {
    let graph = import_graph();
    let drawn: Vec<String> = graph
        .iter()
        .map(|(from, to)| format!("{from} -> {}", to.iter().cloned().collect::<Vec<_>>().join(" ")))
        .collect();
    println!("{}", drawn.join("\n"));
    assert!(graph.contains_key("exports") && graph.contains_key("webhooks::inbound"), "the graph was read: {drawn:#?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import circle: {}\n{}", cycle.join(" -> "), drawn.join("\n"));
    }
}

#[test]
fn db_and_error_import_no_guard() {
    let graph = import_graph();
    for plumbing in ["db", "error"] {
        let imports = &graph[plumbing];
        assert!(imports.iter().all(|to| to == "error"), "{plumbing} imports {imports:?}");
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]
    .into();
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}
