//! PostgreSQL store benchmarks (feature `postgres`; the database is
//! `ESCALATE_POSTGRES_URL`, default `host=127.0.0.1 port=5432 user=postgres
//! dbname=test`, in a schema of its own dropped at the end):
//!
//! - `store_postgres/append`: events per second appended by 1 and 4
//!   workers (threads, a connection each), one append (one opened case,
//!   4 events) per commit, and 64 appends per commit through
//!   `EventStore::append_many`;
//! - `store_postgres/restart`: `StoredDesk::load_all` on a fresh desk over
//!   10,000 cases stored with snapshots;
//! - `store_postgres/due`: 1,000 due cases worked by 1 and 4 workers,
//!   64 claimed at a time, through `StoredDesk::advance` (an append per
//!   case), and claiming, ticking and writing each claimed batch with one
//!   `append_many`.
//!
//! Commits wait for the disk as configured (`synchronous_commit` as the
//! server has it), except while filling the tables before a measurement.
//!
//! Run: `cargo bench --features postgres --bench store_postgres`.

mod common;

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use escalate::policy::Policy;
use escalate::store::{Append, EventStore, PostgresStore, StoredDesk};
use escalate::{Actor, Case, CaseId, Command, Event};

const SCHEMA: &str = "escalate_bench";

fn url() -> String {
    std::env::var("ESCALATE_POSTGRES_URL")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned())
}

/// A store on a connection of its own.
fn store() -> PostgresStore {
    PostgresStore::connect_in(&url(), SCHEMA).unwrap()
}

/// A store whose commits do not wait for the disk: to fill tables.
fn filling_store() -> PostgresStore {
    let mut client = postgres::Client::connect(&url(), postgres::NoTls).unwrap();
    client
        .batch_execute("SET synchronous_commit = off")
        .unwrap();
    PostgresStore::with_client(client, SCHEMA).unwrap()
}

/// Empties the tables.
fn empty() {
    let mut client = postgres::Client::connect(&url(), postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "TRUNCATE {SCHEMA}.events, {SCHEMA}.commands, {SCHEMA}.snapshots, {SCHEMA}.cases"
        ))
        .unwrap();
}

/// Monday 2021-03-08 09:00 UTC, when the recommended policy's business
/// hours open.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 8, 9, 0, 0).unwrap()
}

/// A case opened by email at `at`: the case and its events (4).
fn opened(id: &CaseId, policy: &Policy, at: DateTime<Utc>) -> (Case, Vec<Event>) {
    let mut case = Case::new(id.clone());
    let open = Command::new(
        "open".parse().unwrap(),
        Actor::Customer,
        at,
        common::email_opening(),
    );
    let events = case.handle(policy, open, at).unwrap();
    for event in &events {
        case.apply(event).unwrap();
    }
    (case, events)
}

/// Fresh case ids: no two measurements meet.
static NEXT: AtomicU64 = AtomicU64::new(0);

fn fresh_ids(n: usize) -> Vec<CaseId> {
    let first = NEXT.fetch_add(n as u64, Ordering::Relaxed);
    (first..first + n as u64)
        .map(|k| format!("B-{k}").parse().unwrap())
        .collect()
}

/// Runs `work` on `workers` threads, each with its own store and its share
/// of `items`, and gives the wall time from when all are ready.
fn on_workers<T: Send + 'static>(
    workers: usize,
    items: Vec<T>,
    work: impl Fn(PostgresStore, Vec<T>) + Send + Sync + Clone + 'static,
) -> Duration {
    let mut shares: Vec<Vec<T>> = (0..workers).map(|_| Vec::new()).collect();
    for (k, item) in items.into_iter().enumerate() {
        shares[k % workers].push(item);
    }
    let ready = Arc::new(Barrier::new(workers + 1));
    let threads: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let ready = Arc::clone(&ready);
            let work = work.clone();
            let store = store();
            thread::spawn(move || {
                ready.wait();
                work(store, share);
            })
        })
        .collect();
    ready.wait();
    let began = Instant::now();
    for thread in threads {
        thread.join().unwrap();
    }
    began.elapsed()
}

/// Appends per second, one per commit and 64 per commit.
fn bench_append(c: &mut Criterion) {
    drop(store());
    let policy = Policy::recommended();
    let (case, events) = opened(&"template".parse().unwrap(), &policy, start());
    let wakeup = case.next_wakeup(&policy);
    let events = Arc::new(events);
    let mut group = c.benchmark_group("store_postgres/append");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    group.warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(events.len() as u64));
    for workers in [1, 4] {
        let events = Arc::clone(&events);
        group.bench_function(format!("single/{workers}_workers"), move |b| {
            b.iter_custom(|iters| {
                let ids = fresh_ids(usize::try_from(iters).unwrap());
                let events = Arc::clone(&events);
                on_workers(workers, ids, move |mut store, ids| {
                    for id in ids {
                        store.append(&id, 0, &events, wakeup).unwrap();
                    }
                })
            });
        });
    }
    let per_commit = 64;
    group.throughput(Throughput::Elements((events.len() * per_commit) as u64));
    for workers in [1, 4] {
        let events = Arc::clone(&events);
        group.bench_function(format!("batched_64/{workers}_workers"), move |b| {
            b.iter_custom(|iters| {
                let batches: Vec<Vec<CaseId>> = (0..iters).map(|_| fresh_ids(per_commit)).collect();
                let events = Arc::clone(&events);
                on_workers(workers, batches, move |mut store, batches| {
                    for ids in batches {
                        let appends: Vec<Append<'_>> = ids
                            .iter()
                            .map(|case| Append {
                                case,
                                expected: 0,
                                events: &events,
                                wakeup,
                            })
                            .collect();
                        for result in store.append_many(&appends).unwrap() {
                            result.unwrap();
                        }
                    }
                })
            });
        });
    }
    group.finish();
    empty();
}

/// `n` cases opened a second apart from Monday 09:00, written with
/// `append_many` (and a snapshot each if `snapshots`), commits not
/// waiting for the disk.
fn fill(n: usize, snapshots: bool) -> Vec<CaseId> {
    let policy = Policy::recommended();
    let mut store = filling_store();
    let ids = fresh_ids(n);
    for (n, chunk) in ids.chunks(500).enumerate() {
        let cases: Vec<(Case, Vec<Event>)> = chunk
            .iter()
            .enumerate()
            .map(|(k, id)| {
                let second = i64::try_from(n * 500 + k).unwrap();
                opened(id, &policy, start() + TimeDelta::seconds(second))
            })
            .collect();
        let appends: Vec<Append<'_>> = cases
            .iter()
            .map(|(case, events)| Append {
                case: case.id(),
                expected: 0,
                events,
                wakeup: case.next_wakeup(&policy),
            })
            .collect();
        for result in store.append_many(&appends).unwrap() {
            result.unwrap();
        }
        if snapshots {
            for (case, _) in &cases {
                store.save_snapshot(&case.snapshot()).unwrap();
            }
        }
    }
    ids
}

/// A host restarting: every case loaded from its snapshot.
fn bench_restart(c: &mut Criterion) {
    drop(store());
    let cases = 10_000;
    fill(cases, true);
    let mut group = c.benchmark_group("store_postgres/restart");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    group.warm_up_time(Duration::from_secs(1));
    group.bench_function("load_all_10000_cases", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut desk = StoredDesk::new(store(), Policy::recommended());
                let began = Instant::now();
                let restart = desk.load_all().unwrap();
                total += began.elapsed();
                assert_eq!(restart.cases, cases);
                assert!(restart.failed.is_empty());
                drop(black_box(desk));
            }
            total
        });
    });
    group.finish();
    empty();
}

/// Cases due in each measurement of `store_postgres/due`.
const DUE: usize = 1_000;
/// Due cases claimed at a time: small enough that four workers share
/// `DUE` cases.
const CLAIM: usize = 64;

/// Due cases per second: `DUE` cases due (warned and breached), worked by
/// 1 or 4 workers until none is due.
fn bench_due(c: &mut Criterion) {
    drop(store());
    // By 17:00 every case opened that day before 16:00 is warned.
    let now = start() + TimeDelta::hours(8);
    let mut group = c.benchmark_group("store_postgres/due");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(10));
    group.warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(DUE as u64));
    for workers in [1, 4] {
        for batched in [false, true] {
            let name = if batched { "append_many" } else { "advance" };
            group.bench_function(format!("{name}/{workers}_workers"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        empty();
                        fill(DUE, false);
                        let worked = Arc::new(AtomicU64::new(0));
                        let counted = Arc::clone(&worked);
                        total += on_workers(workers, vec![(); workers], move |store, _| {
                            let n = if batched {
                                work_due(store, now)
                            } else {
                                advance(store, now)
                            };
                            counted.fetch_add(n, Ordering::Relaxed);
                        });
                        assert_eq!(worked.load(Ordering::Relaxed), DUE as u64);
                    }
                    total
                });
            });
        }
    }
    group.finish();
    empty();
}

/// Works every due case through `StoredDesk::advance`: how many cases it
/// worked.
fn advance(store: PostgresStore, now: DateTime<Utc>) -> u64 {
    let mut desk =
        StoredDesk::new(store, Policy::recommended()).batch(NonZeroUsize::new(CLAIM).unwrap());
    let advanced = desk.advance(now).unwrap();
    assert!(advanced.failed.is_empty());
    advanced.woken.len() as u64
}

/// Works every due case as `StoredDesk::advance` does, a claimed batch at
/// a time, but writes each batch with one `append_many`: how many cases
/// it worked.
fn work_due(mut store: PostgresStore, now: DateTime<Utc>) -> u64 {
    let policy = Policy::recommended();
    let mut worked = 0;
    loop {
        let due = store
            .claim_due(now, CLAIM, Duration::from_secs(30))
            .unwrap();
        if due.is_empty() {
            return worked;
        }
        let mut ticked = Vec::with_capacity(due.len());
        for d in &due {
            let loaded = store.load(&d.case).unwrap();
            let before = loaded.version();
            let mut case = loaded.into_case(&d.case).unwrap().unwrap();
            let events = case.tick(&policy, now);
            for event in &events {
                case.apply(event).unwrap();
            }
            ticked.push((case, before, events));
        }
        let appends: Vec<Append<'_>> = ticked
            .iter()
            .map(|(case, before, events)| Append {
                case: case.id(),
                expected: *before,
                events,
                wakeup: case.next_wakeup(&policy),
            })
            .collect();
        for result in store.append_many(&appends).unwrap() {
            result.unwrap();
        }
        worked += due.len() as u64;
    }
}

fn drop_schema() {
    if let Ok(mut client) = postgres::Client::connect(&url(), postgres::NoTls) {
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"));
    }
}

fn bench_all(c: &mut Criterion) {
    drop_schema();
    bench_append(c);
    bench_restart(c);
    bench_due(c);
    drop_schema();
}

criterion_group!(benches, bench_all);
criterion_main!(benches);
