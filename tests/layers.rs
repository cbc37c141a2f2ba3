//! The crate's modules form layers, and every import points down.
//!
//! Reads the library's sources (not its unit tests, which sit after
//! `#[cfg(test)]` in each file) and resolves each `crate::` path to the
//! top-level module that defines it, through the crate root's re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, bottom first. A module may use modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["text", "error", "par", "memo"],
    &["ids", "money"],
    &["owner", "customer"],
    &["sla", "recovery"],
    &["policy"],
    &["case"],
    &["replay", "desk"],
    &["store", "tools"],
    &["testing", "guide"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`, with the top-level module it belongs to.
fn sources(dir: &Path, top: Option<&str>, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && top.is_none() && name == "bin" {
            // The `escalate` command is a crate of its own, over the library.
            continue;
        }
        if path.is_dir() {
            sources(&path, Some(top.unwrap_or(&name)), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let module = match top {
                Some(top) => top.to_owned(),
                None if name == "mod" => continue,
                None => name,
            };
            let text = fs::read_to_string(&path).unwrap();
            // The library's code only: unit tests come after `#[cfg(test)]`.
            let code = text.split("\n#[cfg(test)]").next().unwrap_or("").to_owned();
            out.push((module, code));
        }
    }
}

/// Names the crate root re-exports, with the module each comes from.
fn root_exports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in lib.split("pub use ").skip(1) {
        let item = item.split(';').next().unwrap_or("");
        let Some((module, names)) = item.split_once("::") else {
            continue;
        };
        for name in names
            .trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace())
            .split(',')
        {
            let name = name.trim();
            if !name.is_empty() {
                out.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    out
}

/// The first segment of every path that follows `crate::` in `code`
/// (`crate::{a::B, C}` gives `a` and `C`), outside comments.
fn crate_paths(code: &str) -> Vec<String> {
    let code: String = code
        .lines()
        .map(|l| match l.trim_start() {
            t if t.starts_with("//") => "",
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for rest in code.split("crate::").skip(1) {
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && c == ',') {
                    out.push(first_segment(&item));
                    item.clear();
                    if depth == 0 {
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
        } else {
            out.push(first_segment(rest));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn first_segment(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn every_import_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let exports = root_exports(&lib);
    let mut files = Vec::new();
    sources(&src, None, &mut files);
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    let mut wrong = Vec::new();
    for (module, code) in &files {
        // The crate root re-exports; `test_support` is compiled for unit tests only.
        if module == "lib" || module == "test_support" {
            continue;
        }
        let Some(from) = layer_of(module) else {
            wrong.push(format!("module {module} is in no layer"));
            continue;
        };
        for segment in crate_paths(code) {
            let target = exports.get(&segment).cloned().unwrap_or(segment);
            if target == *module || target == "ids" && module == "ids" {
                continue;
            }
            match layer_of(&target) {
                Some(to) if to < from => {
                    edges.insert((module.clone(), target));
                }
                Some(_) => wrong.push(format!("{module} uses {target}, which is not below it")),
                None if target.chars().next().is_some_and(char::is_uppercase) => {
                    wrong.push(format!(
                        "{module} uses crate::{target}, which the root does not re-export"
                    ));
                }
                None => wrong.push(format!(
                    "{module} uses crate::{target}, a module in no layer"
                )),
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports that do not point down:\n{}",
        wrong.join("\n")
    );
    // The test reads real imports: the case layer uses most of the others.
    for lower in ["policy", "sla", "recovery", "customer", "owner", "ids"] {
        assert!(
            edges.contains(&("case".to_owned(), lower.to_owned())),
            "case does not use {lower}"
        );
    }
}

#[test]
fn the_reader_finds_paths_in_groups() {
    let code = "use crate::{a::B, C};\n// crate::commented\nlet x = crate::d::e();";
    assert_eq!(crate_paths(code), ["a", "C", "d"]);
    let exports = root_exports("pub use case::{Case, Event};\npub use text::Text;");
    assert_eq!(exports.get("Event").map(String::as_str), Some("case"));
    assert_eq!(exports.get("Text").map(String::as_str), Some("text"));
}
