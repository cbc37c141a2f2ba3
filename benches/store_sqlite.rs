//! `SqliteStore` benchmarks (feature `sqlite`): appends per second, one
//! event per transaction, a whole opening (4 events) per transaction, and
//! 64 or 512 openings per transaction (`append_many`), with each
//! durability; a `StoredDesk` handling openings; and a restart:
//! a new desk loading 10,000 cases from their snapshots.
//!
//! The files are under the temporary directory and removed at the end.

mod common;

use common::email_open as open;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use escalate::policy::Policy;
use escalate::store::{Append, Durability, EventStore, SqliteStore, StoredDesk};
use escalate::{Actor, Agent, Case, CaseId, Command, CommandKind, Event};

/// Monday 2021-03-08 09:00 UTC.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 8, 9, 0, 0).unwrap()
}

fn assign(at: DateTime<Utc>) -> Command {
    let sam = Agent::new("sam".parse().unwrap(), "frontline".parse().unwrap());
    Command::new(
        "assign".parse().unwrap(),
        Actor::System,
        at,
        CommandKind::Assign { to: sam },
    )
}

/// A case `<prefix>-<i>`, its id and the command that opens it.
fn opening_command(prefix: &str, i: usize) -> (CaseId, Command) {
    let at = start() + TimeDelta::seconds(i64::try_from(i % 100_000).unwrap());
    (format!("{prefix}-{i}").parse().unwrap(), open(at))
}

/// The case opened, its events and its next wake-up.
fn opened(policy: &Policy, prefix: &str, i: usize) -> (Case, Vec<Event>, Option<DateTime<Utc>>) {
    let (id, command) = opening_command(prefix, i);
    let now = command.at();
    let mut case = Case::new(id);
    let events = case.handle(policy, command, now).unwrap();
    for event in &events {
        case.apply(event).unwrap();
    }
    let wakeup = case.next_wakeup(policy);
    (case, events, wakeup)
}

/// `event` with a command id of its own.
fn own_command(event: &Event) -> Event {
    Event::new(
        event.version(),
        event.at(),
        event.actor().clone(),
        Some(format!("c-{}", event.version()).parse().unwrap()),
        event.kind().clone(),
    )
}

/// A file under the temporary directory, removed with its `-wal` and
/// `-shm` on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str) -> TempFile {
        let file = TempFile(
            std::env::temp_dir().join(format!("escalate-bench-{}-{tag}.db", std::process::id())),
        );
        file.remove();
        file
    }

    fn remove(&self) {
        for end in ["", "-wal", "-shm"] {
            let mut name = self.0.clone().into_os_string();
            name.push(end);
            let _ = std::fs::remove_file(name);
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.remove();
    }
}

fn bench_append(c: &mut Criterion) {
    let policy = Policy::recommended();
    let mut group = c.benchmark_group("store_sqlite/append");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    for (name, durability) in [
        ("process_crash", Durability::ProcessCrash),
        ("power_loss", Durability::PowerLoss),
    ] {
        let file = TempFile::new(&format!("append-{name}"));
        let mut store = SqliteStore::open_with(&file.0, durability).unwrap();
        let mut next = 0;
        // One event per transaction: each opening's events one at a time,
        // each as if a command of its own.
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("one_event/{name}"), |b| {
            b.iter_custom(|iters| {
                let events = usize::try_from(iters).unwrap();
                let openings: Vec<_> = (next..next + events.div_ceil(4))
                    .map(|i| {
                        let (case, events, wakeup) = opened(&policy, "one", i);
                        (
                            case,
                            events.iter().map(own_command).collect::<Vec<_>>(),
                            wakeup,
                        )
                    })
                    .collect();
                next += openings.len();
                let began = Instant::now();
                let mut done = 0;
                'all: for (case, events, wakeup) in &openings {
                    for (k, event) in events.iter().enumerate() {
                        if done == iters {
                            break 'all;
                        }
                        store
                            .append(case.id(), k as u64, std::slice::from_ref(event), *wakeup)
                            .unwrap();
                        done += 1;
                    }
                }
                began.elapsed()
            });
        });
        // A whole opening per transaction.
        let events = opened(&policy, "x", 0).1.len();
        group.throughput(Throughput::Elements(events as u64));
        group.bench_function(format!("opening/{name}"), |b| {
            b.iter_custom(|iters| {
                let openings: Vec<_> = (next..next + usize::try_from(iters).unwrap())
                    .map(|i| opened(&policy, "open", i))
                    .collect();
                next += openings.len();
                let began = Instant::now();
                for (case, events, wakeup) in &openings {
                    store.append(case.id(), 0, events, *wakeup).unwrap();
                }
                began.elapsed()
            });
        });
        // Many openings per transaction.
        for cases in [64, 512] {
            group.throughput(Throughput::Elements((events * cases) as u64));
            group.bench_function(format!("many_openings_{cases}/{name}"), |b| {
                b.iter_custom(|iters| {
                    let batches: Vec<Vec<_>> = (0..iters)
                        .map(|_| {
                            let batch = (next..next + cases)
                                .map(|i| opened(&policy, "many", i))
                                .collect();
                            next += cases;
                            batch
                        })
                        .collect();
                    let began = Instant::now();
                    for batch in &batches {
                        let appends: Vec<Append> = batch
                            .iter()
                            .map(|(case, events, wakeup)| Append {
                                case: case.id(),
                                expected: 0,
                                events,
                                wakeup: *wakeup,
                            })
                            .collect();
                        let outcomes = store.append_many(&appends).unwrap();
                        assert!(outcomes.iter().all(Result::is_ok));
                    }
                    began.elapsed()
                });
            });
        }
        drop(store);
    }
    group.finish();
}

fn bench_desk(c: &mut Criterion) {
    let policy = Policy::recommended();
    let mut group = c.benchmark_group("store_sqlite/desk");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    let file = TempFile::new("desk");
    let mut desk = StoredDesk::new(SqliteStore::open(&file.0).unwrap(), policy.clone());
    let events = opened(&policy, "x", 0).1.len();
    let mut next = 0;
    // Decide, then append the opening's events (one transaction per command).
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function("handle_open", |b| {
        b.iter_custom(|iters| {
            let commands: Vec<_> = (next..next + usize::try_from(iters).unwrap())
                .map(|i| opening_command("desk", i))
                .collect();
            next += commands.len();
            let began = Instant::now();
            for (case, command) in commands {
                let now = command.at();
                black_box(desk.handle(&case, command, now).unwrap());
            }
            began.elapsed()
        });
    });
    group.finish();
}

/// 10,000 cases, each with a snapshot after its opening and the
/// assignment's events after it.
const RESTART_CASES: usize = 10_000;

fn bench_restart(c: &mut Criterion) {
    let policy = Policy::recommended();
    let file = TempFile::new("restart");
    {
        let mut store = SqliteStore::open(&file.0).unwrap();
        for i in 0..RESTART_CASES {
            let (mut case, events, wakeup) = opened(&policy, "restart", i);
            store.append(case.id(), 0, &events, wakeup).unwrap();
            store.save_snapshot(&case.snapshot()).unwrap();
            let at = case.version();
            let now = start() + TimeDelta::hours(30);
            let more = case.handle(&policy, assign(now), now).unwrap();
            for event in &more {
                case.apply(event).unwrap();
            }
            store
                .append(case.id(), at, &more, case.next_wakeup(&policy))
                .unwrap();
        }
    }
    let mut group = c.benchmark_group("store_sqlite/restart");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(RESTART_CASES as u64));
    // Timed: opening the file and loading every case (what a restart
    // pays); not dropping the desk afterwards.
    group.bench_function("load_all_10k", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let began = Instant::now();
                let store = SqliteStore::open(&file.0).unwrap();
                let mut desk = StoredDesk::new(store, policy.clone());
                let restart = desk.load_all().unwrap();
                total += began.elapsed();
                assert_eq!(restart.cases, RESTART_CASES);
                assert!(restart.failed.is_empty());
                drop(black_box(desk));
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, bench_append, bench_desk, bench_restart);
criterion_main!(benches);
