//! Parser fuzzing (issue 17 item 4): the contract parser and the monitoring payload parsers
//! never panic and never allocate out of proportion to their input, on mutations of the real
//! sample files in `tests/corpus/` (docs/reliability.md, "Parser fuzzing").
//!
//! `cargo test -p yunwei-domain --test parser_fuzz` runs a few hundred cases per parser;
//! `YUNWEI_FUZZ_CASES=100000 cargo test --release -p yunwei-domain --test parser_fuzz -- --nocapture`
//! runs a long campaign and prints what the parsers spent at most.

mod mutate;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestRunner;
use yunwei_domain::calendar::HolidayTable;
use yunwei_domain::contract::{self, CompiledContract};
use yunwei_domain::monitoring::{self, AlertmanagerPayload, BackupPayload, ZabbixPayload};

use mutate::{Budget, Spent};

const DIR: &str = env!("CARGO_MANIFEST_DIR");

/// A contract is small; parsing it and compiling its calendars (at most
/// `contract::MAX_CALENDARS`, each over at most `MAX_PERIOD_YEARS` + 2 years) is bounded by
/// the fixed part, the document by the part per byte.
const CONTRACT: Budget = Budget { per_byte: 2_048, fixed: 64 << 20, time: Duration::from_secs(20) };
/// A JSON payload (at most the server's 2 MiB request body) and the alerts made of it.
const PAYLOAD: Budget = Budget { per_byte: 256, fixed: 1 << 20, time: Duration::from_secs(5) };

/// What the app does with a contract document: parse it, compile its calendars (with no extra
/// holiday years), and compute every severity's deadlines for a fault reported now.
fn contract_pipeline(text: &str) {
    let Ok(c) = contract::parse(text) else { return };
    let severities: Vec<String> = c.severities.keys().cloned().collect();
    let compiled = CompiledContract::compile(c, &HolidayTable::default());
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).single().unwrap_or_default();
    for s in &severities {
        let _ = compiled.contract.preview(&compiled.calendars, s, at);
    }
}

fn json_pipeline(bytes: &[u8]) {
    let tz = chrono_tz::Asia::Shanghai;
    if let Ok(p) = serde_json::from_slice::<AlertmanagerPayload>(bytes) {
        let _ = monitoring::from_alertmanager(p);
    }
    if let Ok(p) = serde_json::from_slice::<ZabbixPayload>(bytes) {
        let _ = monitoring::from_zabbix(p, tz);
    }
    if let Ok(p) = serde_json::from_slice::<BackupPayload>(bytes) {
        let _ = monitoring::backup_report(p).map(|r| r.alert());
    }
}

fn run(name: &str, budget: Budget, corpus: &[&str], pipeline: fn(&[u8])) {
    let _lock = mutate::exclusive();
    let seeds: Vec<_> = corpus.iter().flat_map(|c| mutate::corpus(DIR, c)).collect();
    let spent = Spent::default();
    // Every seed as it is first: the regression cases kept in the corpus run on every `cargo test`.
    for (path, bytes) in &seeds {
        budget.check(&spent, bytes.len(), || pipeline(bytes)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let mut runner = TestRunner::new(mutate::config());
    let result = runner.run(&mutate::case(), |(seed, mutations)| {
        let bytes = mutate::apply(&seeds, &seed, &mutations);
        budget.check(&spent, bytes.len(), || pipeline(&bytes))
    });
    spent.report(name);
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

#[test]
fn the_contract_parser_survives_mutated_contracts() {
    run("contract", CONTRACT, &["contract"], |b| contract_pipeline(&String::from_utf8_lossy(b)));
}

#[test]
fn the_payload_parsers_survive_mutated_payloads() {
    run("payloads", PAYLOAD, &["alertmanager", "zabbix", "backup"], json_pipeline);
}

/// A value to put in place of one leaf of a document.
#[derive(Debug, Clone)]
enum Leaf {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(u16, u8, u8),
    Empty,
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "", " ", "0", "-1", "P1", "P9", "24h", "0h", "99999999h", "4h30m", "1d", "08:00-12:00", "00:00-24:00",
            "12:00-08:00", "25:00-26:00", "09:00-09:00", "mon", "sun", "工作日", "cn", "Asia/Shanghai", "UTC",
            "Nowhere/Else", "2026-01-01", "0001-01-01", "9999-12-31", "2026-02-30", "month", "quarter",
            "{EVENT.ID}", "firing", "resolved", "0001-01-01T00:00:00Z", "2026-03-02T01:00:00Z",
            "2026.03.02 09:00:00", "-262143-01-01T00:00:00Z",
        ]).prop_map(|s| Leaf::Str(s.to_owned())),
        2 => "\\PC{0,24}".prop_map(Leaf::Str),
        2 => prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0i64), Just(-1), Just(1_000_000_000), any::<i64>(), -100i64..1000].prop_map(Leaf::Int),
        1 => prop_oneof![Just(f64::MAX), Just(-0.0), Just(1e-300), Just(0.5), Just(f64::MIN_POSITIVE), any::<f64>()].prop_map(Leaf::Float),
        1 => any::<bool>().prop_map(Leaf::Bool),
        1 => (prop_oneof![Just(1u16), Just(1900), Just(2026), Just(9999), 1u16..9999], 1u8..13, 1u8..29).prop_map(|(y, m, d)| Leaf::Date(y, m, d)),
        1 => Just(Leaf::Empty),
    ]
}

fn toml_leaves(v: &toml::Value) -> usize {
    match v {
        toml::Value::Table(t) => t.values().map(toml_leaves).sum(),
        toml::Value::Array(a) => a.iter().map(toml_leaves).sum(),
        _ => 1,
    }
}

fn set_toml_leaf(doc: &mut toml::Value, at: &Index, to: &Leaf) {
    fn walk<'a>(v: &'a mut toml::Value, k: &mut usize) -> Option<&'a mut toml::Value> {
        match v {
            toml::Value::Table(t) => t.iter_mut().find_map(|(_, v)| walk(v, k)),
            toml::Value::Array(a) => a.iter_mut().find_map(|v| walk(v, k)),
            leaf if *k == 0 => Some(leaf),
            _ => {
                *k -= 1;
                None
            }
        }
    }
    let n = toml_leaves(doc);
    if n == 0 {
        return;
    }
    let mut k = at.index(n);
    let Some(slot) = walk(doc, &mut k) else { return };
    *slot = match to {
        Leaf::Str(s) => toml::Value::String(s.clone()),
        Leaf::Int(i) => toml::Value::Integer(*i),
        Leaf::Float(f) => toml::Value::Float(*f),
        Leaf::Bool(b) => toml::Value::Boolean(*b),
        Leaf::Date(y, m, d) => {
            format!("{y:04}-{m:02}-{d:02}").parse().map(toml::Value::Datetime).unwrap_or(toml::Value::Boolean(false))
        }
        Leaf::Empty => toml::Value::Array(Vec::new()),
    };
}

fn set_json_leaf(doc: &mut serde_json::Value, at: &Index, to: &Leaf) {
    fn walk<'a>(v: &'a mut serde_json::Value, k: &mut usize) -> Option<&'a mut serde_json::Value> {
        match v {
            serde_json::Value::Object(o) => o.iter_mut().find_map(|(_, v)| walk(v, k)),
            serde_json::Value::Array(a) => a.iter_mut().find_map(|v| walk(v, k)),
            leaf if *k == 0 => Some(leaf),
            _ => {
                *k -= 1;
                None
            }
        }
    }
    fn count(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(o) => o.values().map(count).sum(),
            serde_json::Value::Array(a) => a.iter().map(count).sum(),
            _ => 1,
        }
    }
    let n = count(doc);
    if n == 0 {
        return;
    }
    let mut k = at.index(n);
    let Some(slot) = walk(doc, &mut k) else { return };
    *slot = match to {
        Leaf::Str(s) => s.clone().into(),
        Leaf::Int(i) => (*i).into(),
        Leaf::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Leaf::Bool(b) => (*b).into(),
        Leaf::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}T00:00:00Z").into(),
        Leaf::Empty => serde_json::Value::Null,
    };
}

/// Structure-aware: valid TOML, the real contracts with random values in random places.
#[test]
fn the_contract_parser_survives_valid_toml_with_random_values() {
    let _lock = mutate::exclusive();
    let docs: Vec<toml::Value> = mutate::corpus(DIR, "contract")
        .iter()
        .filter_map(|(_, b)| std::str::from_utf8(b).ok().and_then(|s| s.parse::<toml::Table>().ok()))
        .map(toml::Value::Table)
        .collect();
    let spent = Spent::default();
    let mut runner = TestRunner::new(mutate::config());
    let result =
        runner.run(&(any::<Index>(), prop::collection::vec((any::<Index>(), leaf()), 1..6)), |(d, changes)| {
            let mut doc = docs[d.index(docs.len())].clone();
            for (at, to) in &changes {
                set_toml_leaf(&mut doc, at, to);
            }
            let Ok(text) = toml::to_string(&doc) else { return Ok(()) };
            CONTRACT.check(&spent, text.len(), || contract_pipeline(&text))
        });
    spent.report("contract values");
    if let Err(e) = result {
        panic!("contract values: {e}");
    }
}

/// Structure-aware: valid JSON, the sample payloads with random values in random places.
#[test]
fn the_payload_parsers_survive_valid_json_with_random_values() {
    let _lock = mutate::exclusive();
    let docs: Vec<serde_json::Value> = ["alertmanager", "zabbix", "backup"]
        .iter()
        .flat_map(|c| mutate::corpus(DIR, c))
        .filter_map(|(_, b)| serde_json::from_slice(&b).ok())
        .collect();
    let spent = Spent::default();
    let mut runner = TestRunner::new(mutate::config());
    let result =
        runner.run(&(any::<Index>(), prop::collection::vec((any::<Index>(), leaf()), 1..6)), |(d, changes)| {
            let mut doc = docs[d.index(docs.len())].clone();
            for (at, to) in &changes {
                set_json_leaf(&mut doc, at, to);
            }
            let bytes = serde_json::to_vec(&doc).unwrap_or_default();
            PAYLOAD.check(&spent, bytes.len(), || json_pipeline(&bytes))
        });
    spent.report("payload values");
    if let Err(e) = result {
        panic!("payload values: {e}");
    }
}
