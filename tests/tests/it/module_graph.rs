//! No import cycle between the modules of any host crate (and the SDK): each crate reads top to
//! bottom, so a module can be understood from the ones below it.
//!
//! The graph is built from the sources: an edge from module `a` to module `b` for every
//! `crate::b…` or `super::…` path in `a`'s code (test modules excluded). The crate root is left out
//! (it only declares modules and re-exports them); a folder module's own re-exports count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use plimsoll_tests::workspace_root;

const CRATES: [&str; 6] = ["host/model", "host/runtime", "host/check", "host/report", "host/cli", "sdk"];

/// Module path (`a::b`) of every `.rs` file below `src`, except the crate roots.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                let mut inner = prefix.to_vec();
                inner.push(name);
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.to_vec();
                if name != "mod" {
                    module.push(name.clone());
                }
                if module.is_empty() || (prefix.is_empty() && (name == "lib" || name == "main")) {
                    continue;
                }
                out.insert(module.join("::"), path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, &[], &mut out);
    out
}

/// The code of a module file: without comments and without its `#[cfg(test)]` module.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every path that follows `prefix` (`crate::` or `super::`) in `code`, with `{a, b::c}` groups expanded.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut base = Vec::new();
        let mut chars = rest;
        loop {
            let ident: String = chars.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if ident.is_empty() {
                break;
            }
            base.push(ident.clone());
            chars = &chars[ident.len()..];
            if let Some(next) = chars.strip_prefix("::") {
                chars = next;
            } else {
                break;
            }
        }
        if let Some(group) = chars.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let mut path = base.clone();
                path.extend(item.trim().split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
                out.push(path);
            }
        } else {
            out.push(base);
        }
    }
    out
}

/// The longest module prefix of `path` (a module path split in parts).
fn resolve(path: &[String], known: &BTreeMap<String, PathBuf>) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| known.contains_key(m))
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|n| n == next).unwrap();
                    let mut found = stack[start..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                0 => {
                    if let Some(found) = visit(next, graph, state, stack) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0
            && let Some(found) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(found);
        }
    }
    None
}

fn graph_of(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let known = modules(src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &known {
        let code = code(file);
        let parts: Vec<String> = module.split("::").map(str::to_string).collect();
        // `super` of `a::b` is `a`, whether `b` is a file or a folder's `mod.rs`.
        let parent: Vec<String> = parts[..parts.len() - 1].to_vec();
        let mut targets: Vec<Vec<String>> = paths_after(&code, "crate::");
        for path in paths_after(&code, "super::") {
            let mut full = parent.clone();
            full.extend(path);
            targets.push(full);
        }
        let edges = graph.entry(module.clone()).or_default();
        for target in targets {
            if let Some(to) = resolve(&target, &known).filter(|to| to != module) {
                edges.insert(to);
            }
        }
    }
    graph
}

#[test]
fn no_host_crate_has_an_import_cycle_between_modules() {
    let mut checked = 0;
    for krate in CRATES {
        let src = workspace_root().join(krate).join("src");
        let graph = graph_of(&src);
        assert!(graph.len() >= 2, "{krate}: only {} modules found", graph.len());
        checked += graph.values().map(BTreeSet::len).sum::<usize>();
        if let Some(found) = cycle(&graph) {
            panic!("{krate}: modules import each other in a circle: {}", found.join(" → "));
        }
    }
    assert!(checked > 50, "only {checked} imports seen: the scan finds nothing");
}

#[test]
fn the_scan_finds_a_cycle_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(dir.path().join("a.rs"), "use crate::b::thing;\n").unwrap();
    std::fs::write(dir.path().join("b.rs"), "use crate::{a::other, c};\n").unwrap();
    let graph = graph_of(dir.path());
    assert_eq!(cycle(&graph), Some(vec!["a".to_string(), "b".to_string(), "a".to_string()]));
}
