//! Case benchmarks: one typical command decided and applied, and replay of a
//! 10,000-event history.

mod common;

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use escalate::policy::Policy;
use escalate::{Actor, Agent, Case, Channel, Command, CommandKind, Event, ResponseKind};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 4, 15, 0, 0).unwrap()
}

fn run(case: &mut Case, log: &mut Vec<Event>, policy: &Policy, cmd: Command) {
    let now = cmd.at();
    for event in case.handle(policy, cmd, now).unwrap() {
        case.apply(&event).unwrap();
        log.push(event);
    }
}

/// An owned case, plus `pairs` customer contacts each answered by the owner.
fn history(pairs: usize) -> (Case, Policy, Agent, Vec<Event>) {
    let policy = Policy::default();
    let sam = Agent::new("sam".parse().unwrap(), "frontline".parse().unwrap());
    let mut case = Case::new("B-1".parse().unwrap());
    let mut log = Vec::new();
    let mut t = start();
    run(
        &mut case,
        &mut log,
        &policy,
        Command::new(
            "open".parse().unwrap(),
            Actor::Customer,
            t,
            common::email_opening(),
        ),
    );
    run(
        &mut case,
        &mut log,
        &policy,
        Command::new(
            "assign".parse().unwrap(),
            Actor::System,
            t,
            CommandKind::Assign { to: sam.clone() },
        ),
    );
    for i in 0..pairs {
        t += TimeDelta::minutes(10);
        run(
            &mut case,
            &mut log,
            &policy,
            Command::new(
                format!("contact-{i}").parse().unwrap(),
                Actor::Customer,
                t,
                CommandKind::Contact {
                    channel: Channel::Email,
                    note: "any news?".into(),
                },
            ),
        );
        run(
            &mut case,
            &mut log,
            &policy,
            Command::new(
                format!("reply-{i}").parse().unwrap(),
                Actor::Agent(sam.clone()),
                t,
                CommandKind::Respond {
                    channel: Channel::Email,
                    note: "on its way".into(),
                    kind: ResponseKind::Answer,
                },
            ),
        );
    }
    (case, policy, sam, log)
}

fn bench_command(c: &mut Criterion) {
    let (case, policy, sam, _) = history(50);
    let t0 = case.latest().unwrap();
    // Alternating customer contacts and owner replies, each a new command id.
    let command = |i: u64| {
        let t = t0 + TimeDelta::seconds(i64::try_from(i).unwrap());
        if i.is_multiple_of(2) {
            Command::new(
                format!("b-{i}").parse().unwrap(),
                Actor::Customer,
                t,
                CommandKind::Contact {
                    channel: Channel::Chat,
                    note: "where is my order?".into(),
                },
            )
        } else {
            Command::new(
                format!("b-{i}").parse().unwrap(),
                Actor::Agent(sam.clone()),
                t,
                CommandKind::Respond {
                    channel: Channel::Chat,
                    note: "arriving today".into(),
                    kind: ResponseKind::Answer,
                },
            )
        }
    };
    let mut group = c.benchmark_group("case");
    group.throughput(Throughput::Elements(1));
    // A typical case is short-lived: each batch of up to 1,000 commands runs
    // on a fresh copy of the 100-event case (copied outside the timing), so
    // the figure is not that of an ever-growing history.
    group.bench_function("handle_and_apply", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(1_000);
                left -= n;
                let commands: Vec<Command> = (0..n).map(command).collect();
                let now = t0 + TimeDelta::seconds(i64::try_from(n).unwrap());
                let mut live = case.clone();
                let started = std::time::Instant::now();
                for cmd in commands {
                    for e in &live.handle(&policy, cmd, now).unwrap() {
                        live.apply(e).unwrap();
                    }
                }
                total += started.elapsed();
                black_box(live);
            }
            total
        });
    });
    let one = command(1);
    group.bench_function("handle_only", |b| {
        b.iter(|| {
            black_box(
                case.handle(&policy, black_box(one.clone()), t0 + TimeDelta::hours(1))
                    .unwrap(),
            )
        });
    });
    group.finish();
}

fn bench_replay(c: &mut Criterion) {
    let (_, _, _, log) = history(4999);
    let events: Vec<Event> = log[..10_000].to_vec();
    assert_eq!(events.len(), 10_000);
    let mut group = c.benchmark_group("case");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("replay_10k_events", |b| {
        b.iter_batched(
            || events.clone(),
            |events| black_box(Case::replay(events).unwrap()),
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_command, bench_replay);
criterion_main!(benches);
