//! Mutation of real sample files for the parser fuzz tests (issue 17 item 4), shared by the
//! fuzz tests of `yunwei-domain` and `yunwei-app` (the app's includes this file by path).
//!
//! A case is a seed from a corpus folder and a few byte-level mutations (bit flips, inserts of
//! random bytes or of tokens the formats use, deletes, splices from another seed, truncation,
//! repeated chunks), generated and shrunk by proptest. The number of cases is
//! `YUNWEI_FUZZ_CASES` (default [`DEFAULT_CASES`], which keeps `cargo test` fast).
//!
//! Every parse runs inside [`Budget::check`], which fails the case when the parse allocated more
//! bytes in total than the parser's budget allows for the input's size (so an input that makes a
//! parser allocate out of proportion is found, not only one that makes it panic), or ran longer
//! than a generous time bound.

#![allow(dead_code)]

use std::alloc::System;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Cases per parser when `YUNWEI_FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 256;

/// The proptest configuration of a fuzz test: `YUNWEI_FUZZ_CASES` cases, no persisted failure
/// files (a failure found is kept as a file in the corpus instead, see the corpus README).
pub fn config() -> Config {
    let cases = std::env::var("YUNWEI_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_CASES);
    Config { cases, failure_persistence: None, max_shrink_iters: 2048, ..Config::default() }
}

/// The seeds of one corpus folder (`tests/corpus/<name>` of the calling crate), sorted by name.
pub fn corpus(manifest_dir: &str, name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(manifest_dir).join("tests/corpus").join(name);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x != "md"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "corpus {} is empty", dir.display());
    out
}

/// Tokens worth inserting into TOML, JSON and CSV: syntax, extreme numbers, odd dates and text.
const TOKENS: &[&str] = &[
    "\"",
    "'",
    "\\",
    "{",
    "}",
    "[",
    "]",
    "[[",
    "]]",
    "=",
    ",",
    ":",
    ".",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\0",
    "#",
    "\"\"\"",
    "'''",
    "true",
    "null",
    "-0",
    "0",
    "1",
    "-1",
    "4",
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "1e309",
    "-1e309",
    "nan",
    "inf",
    "0.000001",
    "1.5",
    "0001-01-01",
    "9999-12-31",
    "262143-12-31",
    "2026-02-30",
    "2026-03-08T02:30:00",
    "1979-05-27T07:32:00-08:00",
    "24:00",
    "00:00-24:00",
    "23:59-00:01",
    "99999h",
    "0m",
    "1d",
    "\\u0000",
    "\\ud800",
    "\u{feff}",
    "\u{202e}",
    "中文",
    "PK\u{3}\u{4}",
    "\u{ff}\u{fe}",
    "Asia/Shanghai",
    "UTC",
    "Mars/Olympus",
    "firing",
    "resolved",
    "P1",
    "P9",
    ",,,,,,,,",
    "\"\",\"\"",
    "name=value;",
    "=;=;",
    "10.0.0.0/8",
    "::1",
    "300.1.1.1",
];

/// One byte-level mutation; positions are [`Index`]es so they fit any length.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flip one bit.
    Flip(Index, u8),
    /// Insert random bytes.
    Insert(Index, Vec<u8>),
    /// Insert a token of [`TOKENS`].
    Token(Index, Index),
    /// Delete up to `n` bytes.
    Delete(Index, usize),
    /// Overwrite with a chunk of another seed.
    Splice(Index, Index, Index, usize),
    /// Cut the input short.
    Truncate(Index),
    /// Repeat a chunk up to `times` times in place.
    Repeat(Index, usize, usize),
    /// Set a byte to a boundary value.
    Byte(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        2 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::Token(i, t)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        2 => (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(i, s, f, n)| Mutation::Splice(i, s, f, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1usize..64, 2usize..64).prop_map(|(i, n, t)| Mutation::Repeat(i, n, t)),
        1 => (any::<Index>(), prop::sample::select(vec![0u8, 0x7f, 0x80, 0xff, b'"', b'\n'])).prop_map(|(i, b)| Mutation::Byte(i, b)),
    ]
}

/// A case: which seed, and the mutations to apply to it in order (none: the seed itself).
pub fn case() -> impl Strategy<Value = (Index, Vec<Mutation>)> {
    (any::<Index>(), proptest::collection::vec(mutation(), 0..6))
}

/// The bytes of a case.
pub fn apply(seeds: &[(PathBuf, Vec<u8>)], seed: &Index, mutations: &[Mutation]) -> Vec<u8> {
    mutated(seeds[seed.index(seeds.len())].1.clone(), seeds, mutations)
}

/// `b` mutated, splicing from `seeds`.
pub fn mutated(mut b: Vec<u8>, seeds: &[(PathBuf, Vec<u8>)], mutations: &[Mutation]) -> Vec<u8> {
    let at = |b: &Vec<u8>, i: &Index| i.index(b.len() + 1);
    for m in mutations {
        match m {
            Mutation::Flip(i, bit) if !b.is_empty() => {
                let k = i.index(b.len());
                b[k] ^= 1 << bit;
            }
            Mutation::Insert(i, bytes) => {
                let k = at(&b, i);
                b.splice(k..k, bytes.iter().copied());
            }
            Mutation::Token(i, t) => {
                let k = at(&b, i);
                b.splice(k..k, TOKENS[t.index(TOKENS.len())].bytes());
            }
            Mutation::Delete(i, n) => {
                let k = at(&b, i);
                let end = (k + n).min(b.len());
                b.drain(k..end);
            }
            Mutation::Splice(i, s, f, n) => {
                let other = &seeds[s.index(seeds.len())].1;
                let from = f.index(other.len() + 1);
                let chunk = &other[from..(from + n).min(other.len())];
                let k = at(&b, i);
                let end = (k + chunk.len()).min(b.len());
                b.splice(k..end, chunk.iter().copied());
            }
            Mutation::Truncate(i) => {
                let k = at(&b, i);
                b.truncate(k);
            }
            Mutation::Repeat(i, n, times) => {
                let k = at(&b, i);
                let chunk: Vec<u8> = b[k..(k + n).min(b.len())].to_vec();
                let copies: Vec<u8> = chunk.iter().copied().cycle().take(chunk.len() * (times - 1)).collect();
                b.splice(k..k, copies);
            }
            Mutation::Byte(i, v) if !b.is_empty() => {
                let k = i.index(b.len());
                b[k] = *v;
            }
            _ => {}
        }
    }
    b
}

/// Only one measured parse at a time in a test binary: the allocation counter is global.
static MEASURE: Mutex<()> = Mutex::new(());

/// Holds the measuring lock for a whole fuzz test.
pub fn exclusive() -> MutexGuard<'static, ()> {
    MEASURE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a parser may spend on one input: `per_byte` bytes of allocation per input byte plus
/// `fixed`, in total over the parse (an upper bound of its peak), and `time` of wall clock.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub per_byte: usize,
    pub fixed: usize,
    pub time: Duration,
}

/// The most a parse spent, for the report of a long run.
#[derive(Debug, Default)]
pub struct Spent {
    pub cases: Cell<u64>,
    pub max_bytes: Cell<usize>,
    pub max_ratio: Cell<f64>,
    pub max_time: Cell<Duration>,
}

impl Budget {
    /// Runs `parse` on an input of `len` bytes and fails when it spent more than the budget.
    pub fn check<T>(&self, spent: &Spent, len: usize, parse: impl FnOnce() -> T) -> Result<T, TestCaseError> {
        let started = Instant::now();
        let region = Region::new(GLOBAL);
        let out = parse();
        let bytes = region.change().bytes_allocated;
        let took = started.elapsed();
        let allowed = self.per_byte.saturating_mul(len).saturating_add(self.fixed);
        spent.cases.set(spent.cases.get() + 1);
        spent.max_bytes.set(spent.max_bytes.get().max(bytes));
        spent.max_ratio.set(spent.max_ratio.get().max(bytes as f64 / len.max(1) as f64));
        spent.max_time.set(spent.max_time.get().max(took));
        prop_assert!(bytes <= allowed, "allocated {bytes} bytes for {len} input bytes (budget {allowed})");
        prop_assert!(took <= self.time, "took {took:?} for {len} input bytes (budget {:?})", self.time);
        Ok(out)
    }
}

impl Spent {
    /// One line for the log of a long run (`--nocapture`).
    pub fn report(&self, parser: &str) {
        eprintln!(
            "fuzz {parser}: {} parses, most allocated {} bytes ({:.0} per input byte), slowest {:?}",
            self.cases.get(),
            self.max_bytes.get(),
            self.max_ratio.get(),
            self.max_time.get()
        );
    }
}
