//! Cost does not grow with history: `handle`, `tick` (nothing due),
//! `next_wakeup` and a repeated command id on a case of 10 events and on one
//! of 100,000, under `Policy::recommended()` and under the recommended
//! policy with rules added up to 50.
//!
//! A case's history here is an owned email case with customer contacts each
//! answered by the owner ten minutes later (under the recommended policy
//! every pair also starts and stops SLA clocks and arms and disarms rules).
//!
//! ```text
//! cargo bench --bench history
//! ```

mod common;

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use escalate::policy::{Action, Condition, Delay, DelayFrom, Notice, Policy, Rule};
use escalate::sla::Within;
use escalate::{Actor, Agent, Case, Channel, Command, CommandKind, ResponseKind};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 1, 14, 0, 0).unwrap()
}

/// The recommended policy with notification rules added up to 50 rules:
/// immediate ones on public contacts and deflections, delayed ones on an
/// unanswered customer (armed and disarmed by every contact and reply).
fn fifty_rules() -> Policy {
    let mut policy = Policy::recommended();
    let mut i = 0;
    while policy.rules().len() < 50 {
        let notice = Action::Notify(Notice {
            who: format!("lead {i}"),
            why: "watch".into(),
            within: None,
        });
        let rule = match i % 3 {
            0 => Rule::new(format!("public {i}"), Condition::PublicContact, [notice]),
            1 => Rule::new(format!("deflected {i}"), Condition::Deflection, [notice]),
            _ => Rule::new(format!("waiting {i}"), Condition::Unanswered, [notice]).with_delay(
                Delay {
                    after: Within::Time(TimeDelta::hours(2 + i64::from(i))),
                    from: DelayFrom::Condition,
                    calendar: "always".parse().unwrap(),
                },
                3,
            ),
        };
        policy = policy.with_rule(rule).unwrap();
        i += 1;
    }
    policy
}

fn sam() -> Agent {
    Agent::new("sam".parse().unwrap(), "frontline".parse().unwrap())
}

fn contact(i: usize, at: DateTime<Utc>) -> Command {
    Command::new(
        format!("contact-{i}").parse().unwrap(),
        Actor::Customer,
        at,
        CommandKind::Contact {
            channel: Channel::Email,
            note: "any news?".into(),
        },
    )
}

fn reply(i: usize, at: DateTime<Utc>) -> Command {
    Command::new(
        format!("reply-{i}").parse().unwrap(),
        Actor::Agent(sam()),
        at,
        CommandKind::Respond {
            channel: Channel::Email,
            note: "on its way".into(),
            kind: ResponseKind::Answer,
        },
    )
}

fn run(case: &mut Case, policy: &Policy, command: Command) {
    let now = command.at();
    for event in case.handle(policy, command, now).unwrap() {
        case.apply(&event).unwrap();
    }
}

/// An owned case with at least `events` events, and the id of its last command.
fn history(policy: &Policy, events: u64) -> (Case, Command) {
    let mut case = Case::new("H-1".parse().unwrap());
    let mut t = start();
    let open = Command::new(
        "open".parse().unwrap(),
        Actor::Customer,
        t,
        common::email_opening(),
    );
    run(&mut case, policy, open);
    let assign = Command::new(
        "assign".parse().unwrap(),
        Actor::System,
        t,
        CommandKind::Assign { to: sam() },
    );
    run(&mut case, policy, assign);
    let mut last = reply(0, t);
    let mut i = 0;
    while i == 0 || case.version() < events {
        t += TimeDelta::minutes(10);
        run(&mut case, policy, contact(i, t));
        t += TimeDelta::minutes(10);
        last = reply(i, t);
        run(&mut case, policy, last.clone());
        i += 1;
    }
    (case, last)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("history");
    for (name, policy) in [
        ("recommended", Policy::recommended()),
        ("fifty_rules", fifty_rules()),
    ] {
        for events in [10, 100_000] {
            let (case, last) = history(&policy, events);
            let at = case.latest().unwrap();
            let next = contact(usize::MAX, at + TimeDelta::minutes(1));
            group.bench_with_input(
                BenchmarkId::new(format!("{name}/handle"), events),
                &case,
                |b, case| {
                    b.iter(|| {
                        black_box(
                            case.handle(&policy, black_box(next.clone()), next.at())
                                .unwrap(),
                        )
                    });
                },
            );
            group.bench_with_input(
                BenchmarkId::new(format!("{name}/tick_nothing_due"), events),
                &case,
                |b, case| b.iter(|| black_box(case.tick(&policy, black_box(at)))),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("{name}/next_wakeup"), events),
                &case,
                |b, case| b.iter(|| black_box(case.next_wakeup(&policy))),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("{name}/repeated_id"), events),
                &case,
                |b, case| {
                    b.iter(|| {
                        let events = case.handle(&policy, black_box(last.clone()), at).unwrap();
                        assert!(events.is_empty());
                        black_box(events)
                    });
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
