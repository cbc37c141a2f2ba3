//! A small helpdesk service on escalate's stores: it reads commands as JSON
//! lines, keeps every case in a database, works the wake-ups as time goes
//! by, and says what it did.
//!
//! ```text
//! cargo run --example helpdesk --features sqlite -- [--db FILE] [--policy FILE] [INPUT]
//! cargo run --example helpdesk --features sqlite,postgres -- --postgres URL [--schema NAME] [--workers N] [INPUT]
//! ```
//!
//! INPUT is a file of JSON lines (`-` for stdin; by default
//! `examples/data/helpdesk.jsonl`, the commands of the crate's stories in
//! time order), one command per line with its case:
//!
//! ```text
//! {"case": "CAB-0301", "command": {"id": "w1", "actor": "customer", "at": "2021-03-04T15:10:00-05:00", "kind": {...}}}
//! ```
//!
//! Before each command the service works every case due by the command's
//! time (the wake-ups), then handles the command; at the end it works what
//! is due by the last command's time. State lives in the SQLite file
//! (default `helpdesk.sqlite3` in the working directory) or the PostgreSQL
//! database, so the service can be killed at any point and started again
//! on the same input: commands recorded already are recognised by their id
//! and recorded once. `--fresh` starts from an empty SQLite file.
//!
//! With `--postgres URL --workers N`, N workers (threads, each with its own
//! connection; processes on other machines work the same way) share the
//! database (its tables in the schema `--schema`, default `escalate`): each
//! handles the commands of its share of the cases, and all of them work
//! due cases, each claimed by one worker at a time. As the input is a
//! record of the past, not commands arriving now, a worker works due cases
//! only up to the time of the earliest command another worker has yet to
//! send, so that the logs are those one worker would make.
//!
//! The policy is `examples/policies/recommended.toml` unless `--policy`
//! names another TOML or JSON file.

use std::collections::BTreeSet;
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use escalate::policy::Policy;
use escalate::store::{EventStore, StoreError, StoredDesk};
use escalate::{CaseId, Command, Event, EventKind};
use serde::Deserialize;

/// One line of input.
#[derive(Deserialize)]
struct Line {
    case: CaseId,
    command: Command,
}

/// The command line.
struct Args {
    db: PathBuf,
    policy: PathBuf,
    input: String,
    postgres: Option<String>,
    schema: String,
    workers: usize,
    fresh: bool,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse(std::env::args().skip(1))?;
    let policy = load_policy(&args.policy)?;
    let lines = read(&args.input)?;
    let tally = match &args.postgres {
        Some(url) => postgres(url, &args.schema, &policy, lines, args.workers)?,
        None => sqlite(&args, &policy, &lines)?,
    };
    println!();
    print!("{tally}");
    Ok(())
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, Box<dyn Error>> {
    let mut parsed = Args {
        db: PathBuf::from("helpdesk.sqlite3"),
        policy: PathBuf::from("examples/policies/recommended.toml"),
        input: String::from("examples/data/helpdesk.jsonl"),
        postgres: None,
        schema: String::from("escalate"),
        workers: 1,
        fresh: false,
    };
    let value = |name: &str, args: &mut dyn Iterator<Item = String>| {
        args.next()
            .ok_or_else(|| format!("{name} needs a value (see the top of examples/helpdesk.rs)"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => parsed.db = value("--db", &mut args)?.into(),
            "--policy" => parsed.policy = value("--policy", &mut args)?.into(),
            "--postgres" => parsed.postgres = Some(value("--postgres", &mut args)?),
            "--schema" => parsed.schema = value("--schema", &mut args)?,
            "--workers" => {
                let n = value("--workers", &mut args)?;
                parsed.workers =
                    n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("--workers {n}: give a number of workers, 1 or more")
                    })?;
            }
            "--fresh" => parsed.fresh = true,
            "-h" | "--help" => {
                println!(
                    "usage: helpdesk [--db FILE] [--policy FILE] [--fresh] [--postgres URL [--schema NAME] [--workers N]] [INPUT|-]"
                );
                std::process::exit(0);
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other} (try --help)").into());
            }
            other => other.clone_into(&mut parsed.input),
        }
    }
    Ok(parsed)
}

fn load_policy(path: &PathBuf) -> Result<Policy, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the policy {}: {e}", path.display()))?;
    let is_json = path.extension().is_some_and(|e| e == "json");
    let policy = if is_json {
        Policy::from_json_str(&text)
    } else {
        Policy::from_toml_str(&text)
    };
    Ok(policy.map_err(|e| format!("{}: {e}", path.display()))?)
}

/// The input's lines, numbered from 1; a line that does not read is an
/// error naming it.
fn read(input: &str) -> Result<Vec<(usize, Line)>, Box<dyn Error>> {
    let reader: Box<dyn BufRead> = if input == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(input).map_err(|e| format!("cannot read {input}: {e}"))?;
        Box::new(BufReader::new(file))
    };
    let mut lines = Vec::new();
    for (n, text) in reader.lines().enumerate() {
        let text = text?;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line =
            serde_json::from_str(&text).map_err(|e| format!("{input}, line {}: {e}", n + 1))?;
        lines.push((n + 1, line));
    }
    Ok(lines)
}

#[cfg(feature = "sqlite")]
fn sqlite(args: &Args, policy: &Policy, lines: &[(usize, Line)]) -> Result<Tally, Box<dyn Error>> {
    use escalate::store::SqliteStore;
    if args.fresh {
        // The database, and its write-ahead log and shared memory beside it.
        for suffix in ["", "-wal", "-shm"] {
            let mut path = args.db.clone().into_os_string();
            path.push(suffix);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
    }
    let store = SqliteStore::open(&args.db)?;
    let mut desk = StoredDesk::new(store, policy.clone());
    let report = desk.load_all()?;
    println!(
        "helpdesk: {} ({} cases stored{})",
        args.db.display(),
        report.cases,
        if report.failed.is_empty() {
            String::new()
        } else {
            format!(", {} do not load", report.failed.len())
        }
    );
    for error in &report.failed {
        println!("  not loaded: {error}");
    }
    let mut tally = Tally::default();
    work(&mut desk, lines, &mut tally, "", &|_, at| at)?;
    Ok(tally)
}

#[cfg(not(feature = "sqlite"))]
fn sqlite(_: &Args, _: &Policy, _: &[(usize, Line)]) -> Result<Tally, Box<dyn Error>> {
    Err("this build has no SQLite store: run with --features sqlite".into())
}

#[cfg(feature = "postgres")]
fn postgres(
    url: &str,
    schema: &str,
    policy: &Policy,
    lines: Vec<(usize, Line)>,
    workers: usize,
) -> Result<Tally, Box<dyn Error>> {
    use escalate::store::PostgresStore;
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::sync::Mutex;
    let last = lines.last().map(|(_, line)| line.command.at());
    // Each worker takes the commands of its share of the cases, in order.
    let mut shares: Vec<Vec<(usize, Line)>> = (0..workers).map(|_| Vec::new()).collect();
    for (n, line) in lines {
        let mut hasher = DefaultHasher::new();
        line.case.hash(&mut hasher);
        let share = usize::try_from(hasher.finish() % workers as u64).unwrap_or(0);
        shares[share].push((n, line));
    }
    println!("helpdesk: PostgreSQL, {workers} worker(s)");
    // Where each worker is: the time of its next command (None when done).
    // A worker works due cases only up to the earliest of them, so that no
    // case is woken past a command another worker has yet to send it: the
    // log is the one a single worker would make.
    let positions: Mutex<Vec<Option<DateTime<Utc>>>> = Mutex::new(
        shares
            .iter()
            .map(|share| share.first().map(|(_, line)| line.command.at()))
            .collect(),
    );
    let positions = &positions;
    let results: Vec<Result<Tally, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .enumerate()
            .map(|(w, share)| {
                scope.spawn(move || -> Result<Tally, String> {
                    let store =
                        PostgresStore::connect_in(url, schema).map_err(|e| e.to_string())?;
                    let mut desk = StoredDesk::new(store, policy.clone());
                    let mut tally = Tally::default();
                    let moved = |next: Option<DateTime<Utc>>, at: DateTime<Utc>| {
                        let mut all = positions
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        all[w] = next;
                        all.iter().flatten().fold(at, |limit, p| limit.min(*p))
                    };
                    let result = work(&mut desk, &share, &mut tally, &format!("[{w}] "), &moved)
                        .map_err(|e| e.to_string());
                    moved(None, DateTime::<Utc>::MAX_UTC);
                    result?;
                    Ok(tally)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a worker panicked".to_owned()))
            })
            .collect()
    });
    // What is due by the last command's time, now that every worker is done.
    let mut tally = Tally::default();
    if let Some(last) = last {
        let store = PostgresStore::connect_in(url, schema)?;
        let mut desk = StoredDesk::new(store, policy.clone());
        advance(&mut desk, last, &mut tally, "")?;
    }
    let mut total = tally;
    for result in results {
        total.add(result?);
    }
    Ok(total)
}

#[cfg(not(feature = "postgres"))]
fn postgres(
    _: &str,
    _: &str,
    _: &Policy,
    _: Vec<(usize, Line)>,
    _: usize,
) -> Result<Tally, Box<dyn Error>> {
    Err("this build has no PostgreSQL store: run with --features postgres".into())
}

/// Works the lines through the desk: before each command, every case due
/// by its time (or by the earlier time `limit` gives, told where this
/// worker is: the time of its next command); then the command; at the
/// end, what is due by the last.
fn work<S: EventStore>(
    desk: &mut StoredDesk<S>,
    lines: &[(usize, Line)],
    tally: &mut Tally,
    who: &str,
    limit: &dyn Fn(Option<DateTime<Utc>>, DateTime<Utc>) -> DateTime<Utc>,
) -> Result<(), StoreError> {
    for (n, line) in lines {
        let at = line.command.at();
        advance(desk, limit(Some(at), at), tally, who)?;
        let id = line.command.id().clone();
        match desk.handle(&line.case, line.command.clone(), at) {
            Ok(events) if events.is_empty() => {
                tally.repeated += 1;
                println!("{who}line {n}: {} {id}: recorded already", line.case);
            }
            Ok(events) => {
                tally.commands += 1;
                tally.count(&line.case, &events);
                println!(
                    "{who}line {n}: {} {id}: {} event(s): {}",
                    line.case,
                    events.len(),
                    kinds(&events)
                );
            }
            Err(StoreError::Desk(refused)) => {
                tally.refused += 1;
                println!("{who}line {n}: {} {id}: refused: {refused}", line.case);
            }
            Err(other) => return Err(other),
        }
    }
    if let Some((_, last)) = lines.last() {
        let at = last.command.at();
        advance(desk, limit(None, at), tally, who)?;
    }
    Ok(())
}

fn advance<S: EventStore>(
    desk: &mut StoredDesk<S>,
    at: DateTime<Utc>,
    tally: &mut Tally,
    who: &str,
) -> Result<(), StoreError> {
    let advanced = desk.advance(at)?;
    for woken in &advanced.woken {
        tally.count(&woken.case, &woken.events);
        println!(
            "{who}  time: {} {} event(s): {}",
            woken.case,
            woken.events.len(),
            kinds(&woken.events)
        );
    }
    for failed in &advanced.failed {
        tally.failed += 1;
        println!("{who}  not worked: {failed}");
    }
    Ok(())
}

/// The events' kinds, in short.
fn kinds(events: &[Event]) -> String {
    let names: Vec<String> = events
        .iter()
        .map(|e| {
            serde_json::to_value(e.kind())
                .ok()
                .and_then(|v| v.get("type").and_then(|t| t.as_str().map(str::to_owned)))
                .unwrap_or_else(|| "event".to_owned())
        })
        .collect();
    names.join(", ")
}

/// What the service did.
#[derive(Default)]
struct Tally {
    cases: BTreeSet<CaseId>,
    commands: usize,
    repeated: usize,
    refused: usize,
    failed: usize,
    events: usize,
    breaches: usize,
    escalations: usize,
}

impl Tally {
    fn count(&mut self, case: &CaseId, events: &[Event]) {
        self.cases.insert(case.clone());
        self.events += events.len();
        for event in events {
            match event.kind() {
                EventKind::SlaBreached { .. } => self.breaches += 1,
                EventKind::Escalated { .. } => self.escalations += 1,
                _ => {}
            }
        }
    }

    fn add(&mut self, other: Tally) {
        self.cases.extend(other.cases);
        self.commands += other.commands;
        self.repeated += other.repeated;
        self.refused += other.refused;
        self.failed += other.failed;
        self.events += other.events;
        self.breaches += other.breaches;
        self.escalations += other.escalations;
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "cases touched        {}", self.cases.len())?;
        writeln!(f, "commands recorded    {}", self.commands)?;
        writeln!(f, "recorded already     {}", self.repeated)?;
        writeln!(f, "commands refused     {}", self.refused)?;
        writeln!(f, "events stored        {}", self.events)?;
        writeln!(f, "SLA breaches         {}", self.breaches)?;
        writeln!(f, "escalations          {}", self.escalations)?;
        writeln!(f, "cases not worked     {}", self.failed)
    }
}
