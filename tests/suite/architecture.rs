//! The library's modules sit in layers and import only downward (docs/architecture.md): a
//! module may use its own layer or a lower one, and no two top-level modules may need each
//! other, directly or round a longer loop. This reads every `src/**/*.rs` and checks each
//! `crate::<module>` it names, in `use` lines and in paths.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module's layer, lowest first. `lib` is `src/lib.rs` itself (the crate root,
/// which re-exports); `main.rs` is the binary and reaches the library only as `apdir::`.
const LAYERS: &[(&str, u8)] = &[
    // 0 foundation: types, vocabularies, dates, slugs, text formatting, problems, errors.
    ("model", 0),
    ("diagnostics", 0),
    ("markdown", 0),
    ("audit", 0),
    ("error", 0),
    // 1 load: reading the site folder.
    ("load", 1),
    ("config", 1),
    ("geo", 1),
    // 2 rules: checking it and the validated model.
    ("validate", 2),
    ("rules", 2),
    ("guide_checks", 2),
    ("disclosure", 2),
    ("site", 2),
    ("guide_checks", 2),
    // 3 analyse: the gap report.
    ("analyse", 3),
    // 4 render: pages.
    ("render", 4),
    // 5 write: the output folder and the build cache.
    ("output", 5),
    ("cache", 5),
    // 6 features built on the layers below.
    ("search", 6),
    ("export", 6),
    ("dashboard", 6),
    ("tracking", 6),
    ("import", 6),
    ("scaffold", 6),
    ("fuzzing", 6),
    ("inspections", 6),
    ("history", 6),
    ("scenarios", 6),
    // 7 the orchestrator, the preview (which runs the orchestrator's stages again on each
    // change) and the crate root.
    ("build", 7),
    ("serve", 7),
    ("lib", 7),
];

/// Names at the crate root that are not modules but belong to one: exported macros and the
/// root's re-exports.
const ROOT_ITEMS: &[(&str, &str)] = &[("path", "load"), ("Error", "error"), ("Diagnostic", "diagnostics"), ("Diagnostics", "diagnostics")];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/render/view.rs` → `render`).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

/// A line's code, without a trailing `//` comment or the contents of string literals.
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => {
                in_str = !in_str;
                out.push(c);
            }
            '/' if !in_str && chars.peek() == Some(&'/') => break,
            _ if in_str => {}
            _ => out.push(c),
        }
    }
    out
}

/// Every `crate::name` on a line (`crate::{a, b::c}` counts `a` and `b`).
fn crate_refs(line: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = line[from..].find("crate::") {
        let start = from + at;
        from = start + "crate::".len();
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_' || bytes[start - 1] == b'$') {
            continue;
        }
        let rest = &line[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

/// (from module, to module, file:line) for every reference between two top-level modules.
fn imports() -> Vec<(String, String, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let from = module_of(&file);
        if from == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for name in crate_refs(&code(line)) {
                let to = ROOT_ITEMS.iter().find(|(item, _)| *item == name).map_or(name.clone(), |(_, m)| m.to_string());
                let to = if layer(&to).is_some() { to } else { "lib".to_string() };
                if to != from {
                    let rel = file.strip_prefix(src().parent().unwrap()).unwrap().display().to_string();
                    out.push((from.clone(), to, format!("{rel}:{}", n + 1)));
                }
            }
        }
    }
    out
}

#[test]
fn every_module_has_a_layer() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let missing: BTreeSet<String> = files.iter().map(|f| module_of(f)).filter(|m| m != "main" && layer(m).is_none()).collect();
    assert!(missing.is_empty(), "give these modules a layer in tests/suite/architecture.rs and docs/architecture.md: {missing:?}");
}

#[test]
fn modules_import_only_their_own_layer_or_lower() {
    let upward: Vec<String> = imports()
        .into_iter()
        .filter_map(|(from, to, at)| {
            let (lf, lt) = (layer(&from)?, layer(&to)?);
            (lt > lf).then(|| format!("{at}: {from} (layer {lf}) uses {to} (layer {lt})"))
        })
        .collect();
    assert!(upward.is_empty(), "{} upward imports:\n{}", upward.len(), upward.join("\n"));
}

#[test]
fn no_two_modules_need_each_other() {
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (from, to, at) in imports() {
        graph.entry(from).or_default().entry(to).or_insert(at);
    }
    // A cycle is an edge a → b with a path b → … → a; report each edge on one.
    let reaches = |start: &str, goal: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.to_string()];
        while let Some(m) = stack.pop() {
            if m == goal {
                return true;
            }
            if seen.insert(m.clone()) {
                stack.extend(graph.get(&m).into_iter().flat_map(|e| e.keys().cloned()));
            }
        }
        false
    };
    let mut cycles = Vec::new();
    for (from, edges) in &graph {
        for (to, at) in edges {
            if reaches(to, from) {
                cycles.push(format!("{at}: {from} uses {to}, and {to} leads back to {from}"));
            }
        }
    }
    assert!(cycles.is_empty(), "{} imports on a cycle:\n{}", cycles.len(), cycles.join("\n"));
}
