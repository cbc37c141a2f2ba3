//! Desk benchmarks: `Desk::advance` per due case (a warning, and a breach
//! with the rules it fires, under the recommended policy), and handle+apply
//! through the desk under the recommended and the default policy, beside
//! the same commands sent to the cases directly.

mod common;

use common::email_open as open;

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use escalate::desk::Desk;
use escalate::policy::Policy;
use escalate::{Actor, Agent, Case, CaseId, Channel, Command, CommandKind, ResponseKind};

/// Monday 2021-03-08 09:00 UTC, when the recommended policy's business
/// hours open.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 8, 9, 0, 0).unwrap()
}

fn sam() -> Agent {
    Agent::new("sam".parse().unwrap(), "frontline".parse().unwrap())
}

fn case_id(i: usize) -> CaseId {
    format!("case-{i}").parse().unwrap()
}

fn assign(at: DateTime<Utc>) -> Command {
    Command::new(
        "assign".parse().unwrap(),
        Actor::System,
        at,
        CommandKind::Assign { to: sam() },
    )
}

/// `n` cases opened by email one second apart from 09:00 and assigned at
/// once: each is warned one business hour after opening and breaches four.
fn desk_of(policy: &Policy, n: usize) -> Desk {
    let mut desk = Desk::new(policy.clone());
    for i in 0..n {
        let at = start() + TimeDelta::seconds(i64::try_from(i).unwrap());
        desk.handle(&case_id(i), open(at), at).unwrap();
        desk.handle(&case_id(i), assign(at), at).unwrap();
    }
    desk
}

fn bench_advance(c: &mut Criterion) {
    let policy = Policy::recommended();
    // 2,000 cases; the first 1,000 are due: at their warning (one business
    // hour after opening), or, on a desk already woken just before, at
    // their breach (four business hours), which fires the breach rules.
    let fresh = desk_of(&policy, 2_000);
    let due = 1_000;
    let last = TimeDelta::seconds(due - 1);
    let breach = start() + TimeDelta::hours(4);
    let mut warned = fresh.clone();
    warned.advance(breach - TimeDelta::seconds(1)).unwrap();
    let mut group = c.benchmark_group("desk/advance");
    group.sample_size(20);
    group.throughput(Throughput::Elements(u64::try_from(due).unwrap()));
    for (name, desk, at) in [
        (
            "warning/recommended",
            &fresh,
            start() + TimeDelta::hours(1) + last,
        ),
        ("breach/recommended", &warned, breach + last),
    ] {
        // Check the workload: each due case records something.
        let woken = desk.clone().advance(at).unwrap();
        assert_eq!(woken.len(), 1_000, "{name}");
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || desk.clone(),
                |desk| black_box(desk.advance(at).unwrap()),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

/// The `n`th command of a conversation over `cases` open cases: in each
/// round every case gets a contact and, a second later, the owner's answer;
/// rounds are ten minutes apart (nothing falls due in between).
fn conversation(n: usize, cases: usize) -> (usize, Command) {
    let round = n / (2 * cases);
    let case = (n / 2) % cases;
    let at = start()
        + TimeDelta::hours(1)
        + TimeDelta::minutes(10 * i64::try_from(round).unwrap())
        + TimeDelta::seconds(i64::try_from(n % 2).unwrap());
    let id = format!("b-{n}").parse().unwrap();
    let command = if n.is_multiple_of(2) {
        Command::new(
            id,
            Actor::Customer,
            at,
            CommandKind::Contact {
                channel: Channel::Chat,
                note: "where is my order?".into(),
            },
        )
    } else {
        Command::new(
            id,
            Actor::Agent(sam()),
            at,
            CommandKind::Respond {
                channel: Channel::Chat,
                note: "arriving today".into(),
                kind: ResponseKind::Answer,
            },
        )
    };
    (case, command)
}

/// `iters` commands over fresh cases, four per case: every case stays at a
/// short history (6 to 16 events), as on a desk of cases a few days old.
fn workload(iters: u64) -> (usize, Vec<(usize, Command)>) {
    let n = usize::try_from(iters).unwrap();
    let cases = n.div_ceil(4).max(1);
    (cases, (0..n).map(|k| conversation(k, cases)).collect())
}

fn bench_handle(c: &mut Criterion) {
    let mut group = c.benchmark_group("desk/handle_apply");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    for policy in [Policy::recommended(), Policy::default()] {
        group.bench_function(format!("desk/{}", policy.version()), |b| {
            b.iter_custom(|iters| {
                let (cases, commands) = workload(iters);
                let mut desk = desk_of(&policy, cases);
                let ids: Vec<CaseId> = (0..cases).map(case_id).collect();
                let began = Instant::now();
                for (case, command) in commands {
                    let now = command.at();
                    black_box(desk.handle(&ids[case], command, now).unwrap());
                }
                let elapsed = began.elapsed();
                drop(black_box(desk));
                elapsed
            });
        });
        // The same commands sent to the cases directly, without the desk.
        group.bench_function(format!("case/{}", policy.version()), |b| {
            b.iter_custom(|iters| {
                let (cases, commands) = workload(iters);
                let mut alone: Vec<Case> = (0..cases)
                    .map(|i| {
                        let at = start() + TimeDelta::seconds(i64::try_from(i).unwrap());
                        let mut case = Case::new(case_id(i));
                        for command in [open(at), assign(at)] {
                            for e in case.handle(&policy, command, at).unwrap() {
                                case.apply(&e).unwrap();
                            }
                        }
                        case
                    })
                    .collect();
                let began = Instant::now();
                for (i, command) in commands {
                    let now = command.at();
                    let case = &mut alone[i];
                    let events = case.handle(&policy, command, now).unwrap();
                    for e in &events {
                        case.apply(e).unwrap();
                    }
                    black_box(events);
                }
                let elapsed = began.elapsed();
                drop(black_box(alone));
                elapsed
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_advance, bench_handle);
criterion_main!(benches);
