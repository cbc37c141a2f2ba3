//! The fuzz targets on stable Rust: every committed seed (and every crash
//! kept as a regression) under `fuzz/corpus/<target>/` run through its
//! target, and a bounded mutation runner over the same bodies the
//! libFuzzer targets under `fuzz/` run (`escalate::testing::fuzz`).
//!
//! The runner mutates the seeds with a deterministic xorshift generator
//! (bit flips, interesting bytes and numbers, cuts, copies, splices of two
//! inputs, tokens from `fuzz/dict/<target>.dict`, steering bytes appended),
//! runs each mutant under `catch_unwind`, and reports the executions, how
//! deep the inputs got, and every finding (a broken law or a panic) with
//! the first input that gave it, saved under `fuzz/artifacts/stable/`.
//!
//! ```text
//! # each target for 5 seconds (CI):
//! FUZZ_SECONDS=5 cargo test --test fuzz_targets -- --ignored --nocapture fuzz_for_a_while
//! # one target, a number of executions, in release:
//! FUZZ_TARGETS=calendar FUZZ_ITERATIONS=1000000 FUZZ_SECONDS=0 \
//!     cargo test --release --test fuzz_targets -- --ignored --nocapture fuzz_for_a_while
//! ```
//!
//! `FUZZ_TARGETS` (comma-separated names, default all), `FUZZ_SECONDS` per
//! target (default 5; 0 for no limit), `FUZZ_ITERATIONS` per target
//! (default no limit) and `FUZZ_SEED` (default 1) set the run.
//! `write_seed_corpora` (ignored) rewrites the seed corpora and
//! dictionaries from the examples.

#[path = "../examples/common/mod.rs"]
#[allow(dead_code)] // the seeds use the stories only
mod common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use escalate::testing::fuzz::{Depth, Target};

// ---------------------------------------------------------------------------
// The corpora and dictionaries.

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The committed inputs of `target`, by file name.
fn corpus(target: Target) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target.name());
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// The tokens of `fuzz/dict/<target>.dict` (libFuzzer's format: one
/// `"token"` a line, `\\`, `\"` and `\xNN` escaped; `#` comments).
fn dictionary(target: Target) -> Vec<Vec<u8>> {
    let path = fuzz_dir()
        .join("dict")
        .join(format!("{}.dict", target.name()));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let start = line.find('"')?;
            if line.starts_with('#') || !line.ends_with('"') || line.len() < start + 2 {
                return None;
            }
            Some(unescape(&line[start + 1..line.len() - 1]))
        })
        .collect()
}

fn unescape(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            if bytes[i + 1] == b'x'
                && i + 3 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&s[i + 2..i + 4], 16)
            {
                out.push(b);
                i += 4;
                continue;
            }
            out.push(bytes[i + 1]);
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn escape(token: &[u8]) -> String {
    let mut out = String::new();
    for &b in token {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Running one input.

thread_local! {
    /// Whether a panic now is the runner's to record (else the default hook reports it).
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// The message and place of the last panic recorded.
    static PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".to_owned());
                let place = info
                    .location()
                    .map_or_else(String::new, |l| format!("{}:{}", l.file(), l.line()));
                PANIC.with(|p| *p.borrow_mut() = Some((message, place)));
            } else {
                default(info);
            }
        }));
    });
}

/// Something wrong: the law broken (or where the panic was), and how.
#[derive(Clone, Debug)]
struct Bad {
    signature: String,
    message: String,
}

/// Runs `data` through `target`, catching panics.
fn run_one(target: Target, data: &[u8]) -> Result<Depth, Bad> {
    install_hook();
    CATCHING.with(|c| c.set(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| target.run(data)));
    CATCHING.with(|c| c.set(false));
    match outcome {
        Ok(Ok(depth)) => Ok(depth),
        Ok(Err(finding)) => Err(Bad {
            signature: finding.law().to_owned(),
            message: finding.to_string(),
        }),
        Err(_) => {
            let (message, place) = PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| ("(no message)".into(), String::new()));
            Err(Bad {
                signature: format!("panic at {place}"),
                message,
            })
        }
    }
}

// ---------------------------------------------------------------------------
// Mutations.

/// xorshift64*, seeded through splitmix64 so that nearby seeds diverge.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The largest input a mutation makes.
const MAX_LEN: usize = 64 * 1024;

const INTERESTING_BYTES: [u8; 16] = [
    0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b'-', b'"', b'{', b'}', b'[', b']', b',', b':', b'\\',
];

const INTERESTING_NUMBERS: [&str; 20] = [
    "0",
    "-1",
    "1",
    "2",
    "255",
    "256",
    "65535",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "253402300799",
    "315537897599",
    "8210266876799",
    "1e308",
    "-0",
    "0.5",
    "99999999999999999999",
    "100",
];

/// The places of the string literals of a JSON or TOML text.
fn quoted(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut escaped = false;
    for (i, &b) in data.iter().enumerate() {
        match (b, start, escaped) {
            (b'\\', Some(_), false) => escaped = true,
            (b'"', None, _) => start = Some(i),
            (b'"', Some(s), false) => {
                out.push((s, i + 1));
                start = None;
            }
            _ => escaped = false,
        }
    }
    out
}

/// The places of the runs of digits.
fn numbers(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if data[i].is_ascii_digit() {
            let s = i;
            while i < data.len() && data[i].is_ascii_digit() {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

/// One mutation of `input`; its name.
#[allow(clippy::too_many_lines)] // one arm per kind of mutation reads best as one match
fn mutate_once(
    input: &mut Vec<u8>,
    rng: &mut Rng,
    pool: &[Vec<u8>],
    dict: &[Vec<u8>],
) -> &'static str {
    let len = input.len();
    let at = rng.below(len + 1);
    match rng.below(13) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
            "flip"
        }
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = if rng.below(2) == 0 {
                *rng.pick(&INTERESTING_BYTES)
            } else {
                rng.byte()
            };
            "byte"
        }
        2 if len > 0 => {
            let most = if rng.below(4) == 0 { len / 4 + 1 } else { 16 };
            let n = 1 + rng.below(most);
            let s = rng.below(len);
            input.drain(s..(s + n).min(len));
            "cut"
        }
        3 => {
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
            input.splice(at..at, bytes);
            "insert"
        }
        4 if len > 0 => {
            let s = rng.below(len);
            let n = 1 + rng.below((len - s).min(256));
            let chunk = input[s..s + n].to_vec();
            input.splice(at..at, chunk);
            "copy"
        }
        5 if !dict.is_empty() => {
            input.splice(at..at, rng.pick(dict).iter().copied());
            "token"
        }
        6 if !dict.is_empty() && len > 0 => {
            let token = rng.pick(dict);
            let s = rng.below(len);
            let e = (s + token.len()).min(len);
            input.splice(s..e, token.iter().copied());
            "token over"
        }
        7 if !dict.is_empty() => {
            let strings = quoted(input);
            if strings.is_empty() {
                return "none";
            }
            let (s, e) = *rng.pick(&strings);
            let token = rng.pick(dict);
            let token = if token.first() == Some(&b'"') {
                token.clone()
            } else {
                [b"\"".as_slice(), token, b"\""].concat()
            };
            input.splice(s..e, token);
            "string"
        }
        8 => {
            let runs = numbers(input);
            if runs.is_empty() {
                return "none";
            }
            let (s, e) = *rng.pick(&runs);
            input.splice(s..e, rng.pick(&INTERESTING_NUMBERS).bytes());
            "number"
        }
        9 if !pool.is_empty() => {
            let other = rng.pick(pool);
            let cut_a = rng.below(len + 1);
            let cut_b = rng.below(other.len() + 1);
            input.truncate(cut_a);
            input.extend_from_slice(&other[cut_b..]);
            "splice"
        }
        10 => {
            let n = 1 + rng.below(32);
            input.extend((0..n).map(|_| rng.byte()));
            "steer"
        }
        11 if len > 1 => {
            input.truncate(rng.below(len));
            "truncate"
        }
        12 if len > 1 => {
            // Swap two lines (events or commands of a pretty-printed input).
            let lines: Vec<usize> = input
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i)
                .collect();
            if lines.len() < 3 {
                return "none";
            }
            let a = rng.below(lines.len() - 1);
            let b = rng.below(lines.len() - 1);
            let (a, b) = (a.min(b), a.max(b));
            if a == b {
                return "none";
            }
            let first = input[lines[a] + 1..=lines[a + 1]].to_vec();
            let second = input[lines[b] + 1..=lines[b + 1]].to_vec();
            input.splice(lines[b] + 1..=lines[b + 1], first);
            input.splice(lines[a] + 1..=lines[a + 1], second);
            "swap lines"
        }
        _ => "none",
    }
}

/// A mutant: one to eight stacked mutations of a pool input.
fn mutant(rng: &mut Rng, pool: &[Vec<u8>], dict: &[Vec<u8>]) -> Vec<u8> {
    let mut input = rng.pick(pool).clone();
    let most = if rng.below(2) == 0 { 2 } else { 8 };
    let n = 1 + rng.below(most);
    for _ in 0..n {
        mutate_once(&mut input, rng, pool, dict);
    }
    input.truncate(MAX_LEN);
    input
}

// ---------------------------------------------------------------------------
// A run.

/// What a run of one target found.
struct Figures {
    target: Target,
    executions: u64,
    depths: BTreeMap<Depth, u64>,
    /// By signature: how many, and the first input.
    findings: BTreeMap<String, (u64, Bad, Vec<u8>)>,
    slowest: Duration,
    elapsed: Duration,
}

impl Figures {
    fn failures(&self) -> u64 {
        self.findings.values().map(|(n, ..)| n).sum()
    }

    fn report(&self) -> String {
        let mut out = String::new();
        let rate = f64::from(u32::try_from(self.executions).unwrap_or(u32::MAX))
            / self.elapsed.as_secs_f64().max(1e-9);
        let _ = write!(
            out,
            "{}: {} executions in {:.1?} ({rate:.0}/s); depth:",
            self.target, self.executions, self.elapsed
        );
        for (depth, n) in &self.depths {
            let _ = write!(out, " {depth:?} {n}");
        }
        let _ = write!(
            out,
            "; slowest {:.1?}; {} findings",
            self.slowest,
            self.failures()
        );
        for (signature, (n, bad, input)) in &self.findings {
            let _ = write!(
                out,
                "\n  {n} x {signature}\n    {}\n    first input ({} bytes): {}",
                bad.message,
                input.len(),
                escape(&input[..input.len().min(600)])
            );
        }
        out
    }

    /// Saves the first input of each finding under `fuzz/artifacts/stable/<target>/`.
    fn save(&self) {
        let dir = fuzz_dir()
            .join("artifacts")
            .join("stable")
            .join(self.target.name());
        for (signature, (_, _, input)) in &self.findings {
            let name: String = signature
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .take(60)
                .collect();
            if std::fs::create_dir_all(&dir).is_ok() {
                let _ = std::fs::write(dir.join(format!("crash-{name}")), input);
            }
        }
    }
}

/// Runs mutants of `target`'s corpus until `limit` time or `iterations`.
fn fuzz(target: Target, seed: u64, limit: Option<Duration>, iterations: Option<u64>) -> Figures {
    let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, d)| d).collect();
    assert!(!seeds.is_empty(), "{target}: no seeds");
    let dict = dictionary(target);
    let mut pool = seeds.clone();
    let mut rng = Rng::new(seed ^ (target as u64) << 32);
    let mut figures = Figures {
        target,
        executions: 0,
        depths: BTreeMap::new(),
        findings: BTreeMap::new(),
        slowest: Duration::ZERO,
        elapsed: Duration::ZERO,
    };
    let started = Instant::now();
    loop {
        if iterations.is_some_and(|n| figures.executions >= n)
            || limit.is_some_and(|l| started.elapsed() >= l)
        {
            break;
        }
        let input = mutant(&mut rng, &pool, &dict);
        let began = Instant::now();
        let outcome = run_one(target, &input);
        figures.slowest = figures.slowest.max(began.elapsed());
        figures.executions += 1;
        match outcome {
            Ok(depth) => {
                *figures.depths.entry(depth).or_default() += 1;
                // Mutants that get all the way in breed (a pool of at most
                // 256 besides the seeds, replaced at random).
                if depth == Depth::Exercised && rng.below(8) == 0 {
                    if pool.len() < seeds.len() + 256 {
                        pool.push(input);
                    } else {
                        let i = seeds.len() + rng.below(256);
                        pool[i] = input;
                    }
                }
            }
            Err(bad) => {
                let entry = figures
                    .findings
                    .entry(bad.signature.clone())
                    .or_insert((0, bad, input));
                entry.0 += 1;
            }
        }
    }
    figures.elapsed = started.elapsed();
    figures
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
}

// ---------------------------------------------------------------------------
// Tests.

/// Every committed input (seeds and the crashes kept as regressions) keeps
/// every law, and most seeds get all the way through their target.
#[test]
fn every_committed_input_keeps_the_laws() {
    for target in Target::ALL {
        let inputs = corpus(target);
        assert!(!inputs.is_empty(), "{target}: no seeds");
        let mut exercised = 0;
        for (name, data) in &inputs {
            match run_one(target, data) {
                Ok(depth) => exercised += usize::from(depth == Depth::Exercised),
                Err(bad) => panic!("{target}/{name}: {}: {}", bad.signature, bad.message),
            }
        }
        assert!(
            exercised * 4 >= inputs.len() * 3,
            "{target}: only {exercised} of {} seeds get all the way through",
            inputs.len()
        );
    }
}

/// The dictionaries read back as tokens.
#[test]
fn the_dictionaries_hold_tokens() {
    for target in Target::ALL {
        let dict = dictionary(target);
        assert!(dict.len() >= 20, "{target}: {} tokens", dict.len());
        assert!(dict.iter().all(|t| !t.is_empty()), "{target}");
    }
    assert_eq!(unescape(r#"a\"b\\c\x00"#), b"a\"b\\c\x00");
    assert_eq!(escape(b"a\"b\\c\x00"), r#"a\"b\\c\x00"#);
}

/// A few mutants of each target, as part of `cargo test`.
#[test]
fn a_few_mutants_of_every_target_keep_the_laws() {
    for target in Target::ALL {
        let figures = fuzz(target, 7, None, Some(40));
        println!("{}", figures.report());
        assert_eq!(figures.failures(), 0, "{}", figures.report());
    }
}

/// The bounded run (CI runs it for a few seconds a target).
#[test]
#[ignore = "long: FUZZ_SECONDS per target (default 5); run with -- --ignored --nocapture"]
fn fuzz_for_a_while() {
    let targets: Vec<Target> = match std::env::var("FUZZ_TARGETS") {
        Ok(names) if !names.trim().is_empty() => names
            .split(',')
            .map(|n| n.trim().parse().unwrap())
            .collect(),
        _ => Target::ALL.to_vec(),
    };
    let seconds = env_u64("FUZZ_SECONDS").unwrap_or(5);
    let limit = (seconds > 0).then(|| Duration::from_secs(seconds));
    let iterations = env_u64("FUZZ_ITERATIONS");
    let seed = env_u64("FUZZ_SEED").unwrap_or(1);
    let mut failures = 0;
    for target in targets {
        let figures = fuzz(target, seed, limit, iterations);
        println!("{}", figures.report());
        figures.save();
        failures += figures.failures();
    }
    assert_eq!(
        failures, 0,
        "findings: see above and fuzz/artifacts/stable/"
    );
}

// ---------------------------------------------------------------------------
// The seed corpora, from the examples.

mod seeds {
    use std::collections::BTreeSet;

    use chrono::{DateTime, Utc};
    use escalate::policy::Policy;
    use escalate::testing::{Knobs, commands, policies};
    use escalate::{Case, Command, Event};
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use serde_json::Value;

    use super::common::{STORIES, Story};
    use super::{Target, escape, fuzz_dir};

    /// Values at the edges: times (chrono's extremes, the years a case
    /// works with, leap seconds, clock changes, malformed), spans.
    const EDGES: [&str; 36] = [
        "1900-01-01T00:00:00Z",
        "1899-12-31T23:59:59.999999999Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59.999999999Z",
        "9999-12-31T23:59:59-23:59",
        "9989-12-31T23:59:59Z",
        "9990-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
        "+262142-12-31T23:59:59Z",
        "-262143-01-01T00:00:00Z",
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60.5Z",
        "2021-03-14T07:00:00Z",
        "2021-11-07T05:30:00Z",
        "2021-03-28T01:00:00Z",
        "2021-02-29T00:00:00Z",
        "2021-03-01T24:00:00Z",
        "2021-03-01T09:00:00",
        "2021-12-25",
        "00:00-24:00",
        "22:00-06:00",
        "24:00-01:00",
        "09:00:30-17:00:59",
        "0s",
        "1s",
        "59m",
        "10000 business days",
        "1 business day",
        "87600000h",
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "always",
    ];

    /// The policies the `log` target chooses from, by its first byte after the log.
    const LOG_POLICIES: [(&str, u8); 3] = [("recommended", 0), ("new_york", 1), ("calls", 2)];

    fn runner() -> TestRunner {
        TestRunner::new_with_rng(
            Config::default(),
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        )
    }

    /// The events of `commands` under `policy`, ticked before each command
    /// and at `until`, as a host keeps them.
    fn drive(policy: &Policy, id: &str, commands: &[Command], until: DateTime<Utc>) -> Vec<Event> {
        let mut case = Case::new(id.parse().unwrap());
        let mut log = Vec::new();
        let mut now = commands.first().map_or(until, Command::at);
        let mut step = |case: &mut Case, events: Vec<Event>| {
            for e in events {
                case.apply(&e).unwrap();
                log.push(e);
            }
        };
        for command in commands {
            now = now.max(command.at());
            let ticked = case.tick(policy, now);
            step(&mut case, ticked);
            if let Ok(events) = case.handle(policy, command.clone(), now) {
                step(&mut case, events);
            }
        }
        let ticked = case.tick(policy, until.max(now));
        step(&mut case, ticked);
        log
    }

    fn compact(value: &impl serde::Serialize) -> Vec<u8> {
        let mut out = serde_json::to_vec(value).unwrap();
        out.push(b'\n');
        out
    }

    /// A log, one event a line.
    fn lines(log: &[Event]) -> Vec<u8> {
        let events: Vec<String> = log
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        format!("[\n{}\n]\n", events.join(",\n")).into_bytes()
    }

    /// Writes `fuzz/corpus/<target>/` and `fuzz/dict/<target>.dict`.
    /// What the seeds are made from.
    struct Sources {
        stories: Vec<(&'static str, Story)>,
        /// The fuzz module's policy files, by name, and their text.
        by_name: Vec<(&'static str, Policy, Vec<u8>)>,
        runner: TestRunner,
    }

    /// A seed: the target, the file name, the bytes.
    type Seed = (Target, String, Vec<u8>);

    fn policy_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/testing/fuzz/policies")
    }

    /// Writes `fuzz/corpus/<target>/` and `fuzz/dict/<target>.dict`.
    pub(super) fn write() {
        let mut sources = Sources {
            stories: STORIES
                .iter()
                .map(|name| (*name, Story::load(name).unwrap()))
                .collect(),
            by_name: ["new_york", "calls", "random_3", "random_17"]
                .into_iter()
                .map(|name| {
                    let text = std::fs::read(policy_dir().join(format!("{name}.toml"))).unwrap();
                    let policy =
                        Policy::from_toml_str(std::str::from_utf8(&text).unwrap()).unwrap();
                    (name, policy, text)
                })
                .collect(),
            runner: runner(),
        };
        let mut files = policy_seeds(&mut sources);
        files.extend(log_seeds(&mut sources));
        files.extend(command_seeds(&sources));
        files.extend(calendar_seeds(&sources));
        write_files(&files);
    }

    /// Policies: the example file, the fuzz policies, each story's policy
    /// as TOML and JSON, and policies of the testing kit.
    fn policy_seeds(sources: &mut Sources) -> Vec<Seed> {
        let mut files: Vec<Seed> = Vec::new();

        files.push((
            Target::Policy,
            "example-recommended.toml".into(),
            std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("examples/policies/recommended.toml"),
            )
            .unwrap(),
        ));
        for (name, _, text) in &sources.by_name {
            files.push((Target::Policy, format!("fuzz-{name}.toml"), text.clone()));
        }
        for (name, story) in &sources.stories {
            let policy = story.recommended().unwrap();
            files.push((
                Target::Policy,
                format!("story-{name}.toml"),
                policy.to_toml_string().unwrap().into_bytes(),
            ));
            files.push((
                Target::Policy,
                format!("story-{name}.json"),
                compact(&policy),
            ));
        }
        for (i, knobs) in [Knobs::default(), Knobs::adversarial()]
            .into_iter()
            .enumerate()
        {
            for k in 0..2 {
                let policy = policies(knobs.clone())
                    .new_tree(&mut sources.runner)
                    .unwrap()
                    .current();
                let kind = if i == 0 { "ordinary" } else { "adversarial" };
                files.push((
                    Target::Policy,
                    format!("kit-{kind}-{k}.toml"),
                    policy.to_toml_string().unwrap().into_bytes(),
                ));
            }
        }
        files
    }

    /// Logs: each story's commands as recorded and under its policy, and
    /// the kit's commands under the log target's policies.
    fn log_seeds(sources: &mut Sources) -> Vec<Seed> {
        let mut files: Vec<Seed> = Vec::new();
        for (name, story) in &sources.stories {
            let commands = &story.history.commands;
            for (how, policy, byte) in [
                ("as-recorded", story.as_recorded().unwrap(), 5u8),
                ("recommended", story.recommended().unwrap(), 1u8),
            ] {
                let log = drive(&policy, story.history.case.as_str(), commands, story.until);
                let mut data = lines(&log);
                data.extend([byte, 0]);
                files.push((Target::Log, format!("story-{name}-{how}.json"), data));
            }
        }
        let all: Vec<(&str, Policy, u8)> = LOG_POLICIES
            .iter()
            .map(|(name, byte)| {
                let policy = if *name == "recommended" {
                    Policy::recommended()
                } else {
                    let found = sources.by_name.iter().find(|(n, ..)| n == name);
                    found.unwrap().1.clone()
                };
                (*name, policy, *byte)
            })
            .collect();
        for (name, policy, byte) in &all {
            for k in 0..3 {
                let commands = commands(policy)
                    .new_tree(&mut sources.runner)
                    .unwrap()
                    .current();
                let until = commands.last().unwrap().at() + chrono::TimeDelta::days(30);
                let log = drive(policy, "KIT-1", &commands, until);
                let mut data = lines(&log);
                data.extend([*byte, (*byte + 1) % 6]);
                files.push((Target::Log, format!("kit-{name}-{k}.json"), data));
            }
        }
        files
    }

    /// Commands: each story's commands under its policy (as JSON), one
    /// under a TOML policy, and bytes that drive the kit.
    fn command_seeds(sources: &Sources) -> Vec<Seed> {
        let mut files: Vec<Seed> = Vec::new();
        let stories = &sources.stories;
        for (name, story) in stories {
            let policy: Value = serde_json::to_value(story.recommended().unwrap()).unwrap();
            let doc = serde_json::json!({"policy": policy, "commands": story.history.commands});
            files.push((
                Target::Commands,
                format!("story-{name}.json"),
                compact(&doc),
            ));
        }
        let calls = std::fs::read_to_string(policy_dir().join("calls.toml")).unwrap();
        let doc = serde_json::json!({"policy": calls, "commands": stories[0].1.history.commands});
        files.push((
            Target::Commands,
            "story-wrong_cabinet-calls.json".into(),
            compact(&doc),
        ));
        for k in 0u8..8 {
            // Knobs: ordinary or adversarial, tiers, rules, SLA metrics; then bytes to hash.
            let bytes = vec![k % 4, k * 3, k * 5 + 1, k, 0x5a ^ k, k.wrapping_mul(77)];
            files.push((Target::Commands, format!("kit-{k}.bin"), bytes));
        }
        files
    }

    /// Calendars: every calendar of the stories and the fuzz policies, each
    /// followed by steering bytes, and bytes that drive the kit.
    fn calendar_seeds(sources: &Sources) -> Vec<Seed> {
        let mut files: Vec<Seed> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut calendars_json = Vec::new();
        for (name, story) in &sources.stories {
            for (cal_name, calendar) in &story.calendars {
                let json = serde_json::to_vec(calendar).unwrap();
                if seen.insert(json.clone()) {
                    calendars_json.push((format!("story-{name}-{cal_name}"), json));
                }
            }
        }
        for (name, policy, _) in &sources.by_name {
            for cal_name in ["business", "nights"] {
                if let Some(calendar) = policy.calendar(&cal_name.parse().unwrap()) {
                    let json = serde_json::to_vec(calendar).unwrap();
                    if seen.insert(json.clone()) {
                        calendars_json.push((format!("fuzz-{name}-{cal_name}"), json));
                    }
                }
            }
        }
        for (k, text) in [
            r#"{"time_zone": "America/New_York", "hours": {"mon": ["09:00-17:00"], "sat": ["09:00-12:00", "13:00-17:00"], "sun": ["22:00-06:00"]}, "holidays": ["2021-12-25"], "breaks": {"2021-03-05": ["12:00-13:00"]}, "shifts": {"2021-12-24": ["09:00-12:00"]}}"#,
            r#"{"time_zone": "Australia/Lord_Howe", "hours": "always"}"#,
            r#"{"time_zone": "UTC", "shifts": {"2021-12-24": ["09:00-12:00"]}}"#,
            r#"{"time_zone": "Europe/Berlin", "hours": {"fri": ["23:00-01:00", "00:30-02:00"]}, "breaks": {"2021-03-27": ["23:30-00:30"]}}"#,
        ]
        .into_iter()
        .enumerate()
        {
            calendars_json.push((format!("docs-{k}"), text.as_bytes().to_vec()));
        }
        for (k, (name, json)) in calendars_json.into_iter().enumerate() {
            let mut data = json;
            data.push(b'\n');
            // Rounds of steering: near clock changes, near the base, at the extremes.
            let k = u8::try_from(k).unwrap();
            data.extend([
                k % 10,
                1,
                2,
                3,
                4,
                0,
                9,
                k,
                0,
                0,
                3,
                7,
                1,
                0,
                0,
                0,
                2,
                5,
                0,
                1,
            ]);
            data.extend([6, 0, 0, 0, 0, 0, 0, 7, 1, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0, 250]);
            files.push((Target::Calendar, format!("{name}.json"), data));
        }
        let mut rng = super::Rng::new(6);
        for k in 0..6 {
            let bytes: Vec<u8> = (0..80).map(|_| rng.byte()).collect();
            files.push((Target::Calendar, format!("kit-{k}.bin"), bytes));
        }
        files
    }

    /// Writes the seeds and the dictionaries of their tokens.
    fn write_files(files: &[Seed]) {
        for target in Target::ALL {
            let dir = fuzz_dir().join("corpus").join(target.name());
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
        }
        let mut tokens: std::collections::BTreeMap<Target, BTreeSet<Vec<u8>>> =
            std::collections::BTreeMap::new();
        for (target, name, data) in files {
            std::fs::write(
                fuzz_dir().join("corpus").join(target.name()).join(name),
                data,
            )
            .unwrap();
            tokens.entry(*target).or_default().extend(tokens_of(data));
        }
        std::fs::create_dir_all(fuzz_dir().join("dict")).unwrap();
        for tokens in tokens.values_mut() {
            tokens.extend(EDGES.iter().map(|t| format!("\"{t}\"").into_bytes()));
        }
        for (target, tokens) in tokens {
            let mut text = format!(
                "# Tokens of the `{target}` seeds (written by tests/fuzz_targets.rs, write_seed_corpora).\n"
            );
            for token in tokens {
                text.push('"');
                text.push_str(&escape(&token));
                text.push_str("\"\n");
            }
            std::fs::write(fuzz_dir().join("dict").join(format!("{target}.dict")), text).unwrap();
        }
    }

    /// The short string literals without spaces (quotes included: keys,
    /// tags, names, times) and the TOML keys of a text: a dictionary for
    /// mutations.
    fn tokens_of(data: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (s, e) in super::quoted(data) {
            let token = &data[s..e];
            let time = token.len() > 12 && token.contains(&b'T') && token.contains(&b':');
            if e - s <= 40 && !token.contains(&b' ') && !time {
                out.push(token.to_vec());
            }
        }
        let text = String::from_utf8_lossy(data);
        for line in text.lines() {
            if let Some((key, _)) = line.split_once(" = ") {
                let key = key.trim();
                if !key.is_empty() && key.len() <= 24 && !key.contains(' ') {
                    out.push(format!("{key} = ").into_bytes());
                }
            }
        }
        out
    }
}

/// Rewrites the seed corpora and dictionaries from the examples.
#[test]
#[ignore = "writes fuzz/corpus and fuzz/dict"]
fn write_seed_corpora() {
    seeds::write();
}
