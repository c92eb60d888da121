//! The modules of the service crates, durable-local and local-guard (`service`, `lambdas`, `local`, `durable-local`,
//! `local-guard`, and each binary of theirs) depend on each other without cycles. Every `crate::a::b::c` path in a module's (non-test) code is an edge from that module to the
//! deepest module the path names; an edge between two modules is lifted to the two sibling modules that contain them
//! (the children of their closest common ancestor), and the lifted graph of every parent must be acyclic. A parent
//! and its own children may name each other (re-exports, `super::`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModulePath = Vec<String>;

/// One compilation unit: its root directory (`src` of a library, or a binary's folder) and its module files.
struct Unit {
    name: String,
    modules: BTreeMap<ModulePath, String>,
}

fn rust_files(dir: &Path, skip_bin: bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !(skip_bin && path.file_name().is_some_and(|n| n == "bin")) {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The code of a file without its `#[cfg(test)]` items (test modules may use anything).
fn production_code(text: &str) -> String {
    let mut kept = String::new();
    let mut skip_next_item = false;
    let mut depth_at_skip: Option<i32> = None;
    let mut depth = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if depth_at_skip.is_none() && trimmed.starts_with("#[cfg(test)]") {
            skip_next_item = true;
            continue;
        }
        let opens = line.matches('{').count() as i32;
        let closes = line.matches('}').count() as i32;
        if skip_next_item {
            skip_next_item = false;
            if trimmed.ends_with(';') {
                continue;
            }
            depth_at_skip = Some(depth);
        }
        depth += opens - closes;
        if let Some(start) = depth_at_skip {
            if depth <= start {
                depth_at_skip = None;
            }
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

fn module_path(root: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(root).unwrap();
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_str().unwrap().to_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

fn unit(name: &str, root: &Path, skip_bin: bool) -> Unit {
    let modules = rust_files(root, skip_bin)
        .into_iter()
        .filter(|file| {
            let name = file.file_name().unwrap().to_str().unwrap();
            !name.ends_with("_tests.rs")
                && !file.components().any(|c| c.as_os_str() == "use_case_tests")
        })
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            (module_path(root, &file), production_code(&text))
        })
        .collect();
    Unit {
        name: name.to_owned(),
        modules,
    }
}

fn units() -> Vec<Unit> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut units = Vec::new();
    for krate in [
        "service",
        "lambdas",
        "local",
        "durable-local",
        "local-guard",
    ] {
        let src = workspace.join(krate).join("src");
        units.push(unit(krate, &src, true));
        let bin = src.join("bin");
        if bin.is_dir() {
            for entry in std::fs::read_dir(&bin).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    let name = format!(
                        "{krate} bin {}",
                        path.file_name().unwrap().to_str().unwrap()
                    );
                    units.push(unit(&name, &path, false));
                }
            }
        }
    }
    units
}

/// The deepest module of `unit` that `crate::<path>` names.
fn target(unit: &Unit, path: &[String]) -> Option<ModulePath> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|candidate| unit.modules.contains_key(candidate))
}

/// Parent module -> (child -> children it names): every edge lifted to the children of the common ancestor.
fn lifted_graphs(unit: &Unit) -> BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> {
    let mut graphs: BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (from, code) in &unit.modules {
        for rest in code.split("crate::").skip(1) {
            let path: Vec<String> = rest
                .split("::")
                .map(|segment| {
                    segment
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|segment| !segment.is_empty())
                .collect();
            let Some(to) = target(unit, &path) else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // an ancestor and its descendant
            }
            graphs
                .entry(from[..common].to_vec())
                .or_default()
                .entry(from[common].clone())
                .or_default()
                .insert(to[common].clone());
        }
    }
    graphs
}

fn find_cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    module: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|m| m == module) {
        let mut cycle = path[start..].to_vec();
        cycle.push(module.to_owned());
        return Some(cycle);
    }
    if !done.insert(module.to_owned()) {
        return None;
    }
    path.push(module.to_owned());
    for used in graph.get(module).into_iter().flatten() {
        if let Some(cycle) = find_cycle(graph, used, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    None
}

fn cycles(unit: &Unit) -> Vec<String> {
    let mut found = Vec::new();
    for (parent, graph) in lifted_graphs(unit) {
        let mut done = BTreeSet::new();
        for module in graph.keys() {
            if let Some(cycle) = find_cycle(&graph, module, &mut Vec::new(), &mut done) {
                found.push(format!(
                    "{}: in `crate::{}`: {}",
                    unit.name,
                    parent.join("::"),
                    cycle.join(" -> ")
                ));
                break;
            }
        }
    }
    found
}

#[test]
fn the_modules_of_every_service_crate_and_durable_local_depend_on_each_other_without_cycles() {
    let units = units();
    assert!(units.iter().any(|u| u.name == "local bin loyalty-local"));
    assert!(units.iter().any(|u| u.name == "durable-local"));
    assert!(units.iter().all(|u| !u.modules.is_empty()));
    let found: Vec<String> = units.iter().flat_map(cycles).collect();
    assert!(found.is_empty(), "module cycles:\n{}", found.join("\n"));
}

#[test]
fn a_cycle_between_two_sibling_modules_is_found() {
    let unit = Unit {
        name: "example".into(),
        modules: BTreeMap::from([
            (vec![], String::new()),
            (vec!["http".into()], String::new()),
            (
                vec!["http".into(), "api".into()],
                "use crate::http::auth::Caller;".into(),
            ),
            (
                vec!["http".into(), "auth".into()],
                "use crate::http::api::State;".into(),
            ),
            (vec!["core".into()], "use crate::http::Router;".into()),
        ]),
    };
    assert_eq!(
        cycles(&unit),
        ["example: in `crate::http`: api -> auth -> api"]
    );
}

#[test]
fn test_only_code_is_left_out() {
    let code = "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\nfn after() {}\n#[cfg(test)]\nmod more;\n";
    assert_eq!(production_code(code), "use crate::a;\nfn after() {}\n");
}
