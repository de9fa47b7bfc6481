//! The app layer's shape, checked from its source: no import circle between its modules, and a
//! shared bottom layer that uses no feature module. A feature module may use another only through
//! the interfaces listed in `FEATURE_INTERFACES` (docs/ARCHITECTURE.md names them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The shared layer every module is written on; it uses nothing else of the crate.
const BOTTOM: &[&str] = &[
    "lib", "access", "actor", "audit", "cache", "clock", "error", "files", "holidays", "settings", "tabular", "terms",
    "worker",
];

/// The documented ways one feature module uses another: (user, used, why).
const FEATURE_INTERFACES: &[(&str, &str, &str)] = &[
    ("inspection", "incident", "an abnormal item raises an incident"),
    ("monitoring", "incident", "an alert raises an incident or adds to it"),
    ("report", "incident", "the incident report reads an incident with its clocks and events"),
    ("incident", "notify", "an incident's change recomputes its escalation ladder"),
    ("inspection", "notify", "overdue inspections are announced through the escalation channels"),
    ("inspection_plan", "inspection", "a plan generates inspections"),
    ("contract", "project", "applying a contract creates its project"),
    ("project", "identity", "a new project's hospital and vendor organisations are made sure of"),
    ("backup", "audit_trail", "a restored copy is accepted only when its audit trail verifies"),
    ("demo", "*", "the demo installation uses every module"),
    ("background", "*", "the serve loop runs every module's background pass"),
    ("testing", "identity", "a test's session token is stored hashed, as a login's is"),
];

/// The top-level module a file belongs to (`cmdb/sheet.rs` → `cmdb`, `lib.rs` → `lib`).
fn module_of(rel: &Path) -> String {
    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// The crate modules a source text names through `crate::…` (an item of the crate root, such as
/// `crate::App`, names `lib`).
fn uses(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end].split(',').map(|s| s.trim().split("::").next().unwrap_or_default()).collect()
        } else {
            vec![rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default()]
        };
        for n in names {
            if modules.contains(n) {
                out.insert(n.to_owned());
            } else if n.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.insert("lib".to_owned());
            }
        }
    }
    out
}

fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, files);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f.strip_prefix(src).expect("under src"))).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let m = module_of(f.strip_prefix(src).expect("under src"));
        let text = std::fs::read_to_string(f).expect("read file");
        // `#[cfg(test)]` code may reach anywhere; only what ships counts.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut used = uses(text, &modules);
        used.remove(&m);
        g.entry(m).or_default().extend(used);
    }
    g
}

fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut c = stack[from..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, g, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn app_graph() -> BTreeMap<String, BTreeSet<String>> {
    graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn the_modules_of_app_import_each_other_without_a_circle() {
    let g = app_graph();
    assert!(g.len() > 10, "the scan found the modules: {g:?}");
    if let Some(c) = cycle(&g) {
        panic!("import circle in crates/app/src: {}", c.join(" → "));
    }
}

#[test]
fn the_shared_layer_uses_no_feature_module() {
    for (m, used) in app_graph() {
        if BOTTOM.contains(&m.as_str()) {
            let outside: Vec<_> = used.iter().filter(|u| !BOTTOM.contains(&u.as_str())).collect();
            assert!(outside.is_empty(), "shared module `{m}` uses feature modules {outside:?}");
        }
    }
}

#[test]
fn feature_modules_use_each_other_only_through_documented_interfaces() {
    let mut undocumented = Vec::new();
    for (m, used) in app_graph() {
        if BOTTOM.contains(&m.as_str()) {
            continue;
        }
        for u in used.iter().filter(|u| !BOTTOM.contains(&u.as_str())) {
            let documented =
                FEATURE_INTERFACES.iter().any(|(from, to, _)| *from == m && (*to == u.as_str() || *to == "*"));
            if !documented {
                undocumented.push(format!("{m} → {u}"));
            }
        }
    }
    assert!(undocumented.is_empty(), "not documented interfaces (FEATURE_INTERFACES): {undocumented:?}");
}

#[test]
fn a_circle_is_found_when_there_is_one() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    g.get_mut("c").expect("c").clear();
    assert_eq!(cycle(&g), None);
}

#[test]
fn uses_reads_paths_groups_and_root_items() {
    let modules: BTreeSet<String> = ["access", "audit", "terms"].iter().map(|s| s.to_string()).collect();
    let text = "use crate::access::authorize;\nuse crate::{App, terms};\nlet x = crate::audit::record;";
    let got: Vec<String> = uses(text, &modules).into_iter().collect();
    assert_eq!(got, vec!["access", "audit", "lib", "terms"]);
}

/// The `yunwei-*` crates a crate's manifest names in `section` (`[dependencies]`,
/// `[dev-dependencies]`).
fn dependencies(krate: &str, section: &str) -> BTreeSet<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(krate).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let mut out = BTreeSet::new();
    let mut in_deps = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == section;
        } else if in_deps && let Some(name) = line.split(['.', ' ', '=']).next().filter(|n| n.starts_with("yunwei-")) {
            out.insert(name.trim_start_matches("yunwei-").to_owned());
        }
    }
    out
}

#[test]
fn the_crates_depend_one_way_and_web_reaches_the_database_only_through_app() {
    let deps = |k: &str| dependencies(k, "[dependencies]").into_iter().collect::<Vec<_>>();
    assert_eq!(deps("domain"), Vec::<String>::new(), "domain is pure");
    assert_eq!(deps("store"), ["domain"]);
    assert_eq!(deps("app"), ["domain", "store"]);
    assert_eq!(deps("web"), ["app", "domain"], "web calls app only (issue 16, item 5)");
    // Its tests too: set-up no use case offers is in `yunwei_app::testing` (feature `testing`).
    let dev = dependencies("web", "[dev-dependencies]");
    assert!(!dev.contains("store"), "web's tests reach the database through app: {dev:?}");
    assert!(dev.contains("app"), "web's tests enable app's `testing` feature: {dev:?}");
    // …and names no store item in its source either (a re-export through app is a typed view).
    let mut files = Vec::new();
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, files);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src"), &mut files);
    assert!(!files.is_empty());
    let offenders: Vec<String> = files
        .iter()
        .filter(|p| std::fs::read_to_string(p).expect("source").contains("yunwei_store"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "web source naming yunwei_store: {offenders:?}");
}
