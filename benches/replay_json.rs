//! Restarting from stored JSON: the per-event cost of parsing a stored
//! `Event` (one JSON line), of parsing it and replaying the case
//! (`Case::replay`), and of parsing it and replaying the case onto a desk
//! (`Desk::replay`, as `examples/scale.rs` does), under
//! `Policy::recommended()`. The figures are per history set: divide by the
//! number of events (criterion prints events per second as the
//! throughput).
//!
//! The log is realistic: 200 cases on one desk, each opened by a customer
//! contact during a Monday, assigned five minutes later, every other one
//! contacted again after half an hour, then the desk woken at every wake-up
//! for a week. The events are as the desk returned them: openings, contacts,
//! clocks started, warned, breached, stopped and retargeted, rules fired,
//! armed and disarmed, what they required, promises, assignments.
//!
//! ```text
//! cargo bench --bench replay_json
//! ```

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use escalate::desk::Desk;
use escalate::policy::Policy;
use escalate::{
    Actor, Agent, Case, CaseId, Channel, Command, CommandKind, Customer, CustomerValue, Event,
    Origin, Priority,
};

const CASES: usize = 200;

const CHANNELS: [Channel; 5] = [
    Channel::Email,
    Channel::Phone,
    Channel::Chat,
    Channel::SocialPublic,
    Channel::Voicemail,
];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 8, 0, 0, 0).unwrap()
}

fn commands_of(i: usize, agents: &[Agent]) -> Vec<Command> {
    let offset = i64::try_from(i * 86_400 / CASES).unwrap();
    let opened = start() + TimeDelta::seconds(offset);
    let mut out = vec![
        Command::new(
            "open".parse().unwrap(),
            Actor::Customer,
            opened,
            CommandKind::Open {
                customer: Customer::new(
                    format!("cust-{i}").parse().unwrap(),
                    CustomerValue::Standard,
                ),
                origin: Origin::Contact {
                    channel: CHANNELS[i % CHANNELS.len()],
                },
                summary: "the order arrived damaged".into(),
                priority: Priority::Normal,
            },
        ),
        Command::new(
            "assign".parse().unwrap(),
            Actor::System,
            opened + TimeDelta::minutes(5),
            CommandKind::Assign {
                to: agents[i % agents.len()].clone(),
            },
        ),
    ];
    if i.is_multiple_of(2) {
        out.push(Command::new(
            "again".parse().unwrap(),
            Actor::Customer,
            opened + TimeDelta::minutes(30),
            CommandKind::Contact {
                channel: CHANNELS[(i + 1) % CHANNELS.len()],
                note: "any news?".into(),
            },
        ));
    }
    out
}

/// Each case's history as stored JSON lines, in the order of the cases.
fn stored_histories() -> Vec<Vec<String>> {
    let policy = Policy::recommended();
    let agents: Vec<Agent> = (0..10)
        .map(|a| {
            Agent::new(
                format!("agent-{a}").parse().unwrap(),
                "frontline".parse().unwrap(),
            )
        })
        .collect();
    let ids: Vec<CaseId> = (0..CASES)
        .map(|i| format!("case-{i}").parse().unwrap())
        .collect();
    let mut desk = Desk::new(policy);
    let mut logs: Vec<Vec<String>> = vec![Vec::new(); CASES];
    let keep = |log: &mut Vec<String>, events: &[Event]| {
        log.extend(events.iter().map(|e| serde_json::to_string(e).unwrap()));
    };
    let mut commands: Vec<(usize, Command)> = (0..CASES)
        .flat_map(|i| commands_of(i, &agents).into_iter().map(move |c| (i, c)))
        .collect();
    commands.sort_by_key(|(_, c)| c.at());
    for (i, command) in commands {
        let now = command.at();
        let out = desk.handle(&ids[i], command, now).unwrap();
        keep(&mut logs[i], &out);
    }
    let end = start() + TimeDelta::days(7);
    while let Some(at) = desk.next_wakeup().filter(|at| *at <= end) {
        for woken in desk.advance(at).unwrap() {
            let i = ids.iter().position(|id| *id == woken.case).unwrap();
            keep(&mut logs[i], &woken.events);
        }
    }
    // Every history replays to the case the desk holds.
    for (i, log) in logs.iter().enumerate() {
        let events: Vec<Event> = log
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(Some(&Case::replay(&events).unwrap()), desk.case(&ids[i]));
    }
    logs
}

fn replay_json(c: &mut Criterion) {
    let logs = stored_histories();
    let events = logs.iter().map(Vec::len).sum::<usize>();
    let mut group = c.benchmark_group("replay_json");
    // Per-event time is the reported time divided by the element count.
    group.throughput(Throughput::Elements(u64::try_from(events).unwrap()));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for log in &logs {
                for line in log {
                    black_box(serde_json::from_str::<Event>(black_box(line)).unwrap());
                }
            }
        });
    });
    group.bench_function("parse_and_replay", |b| {
        b.iter(|| {
            for log in &logs {
                let history: Vec<Event> = log
                    .iter()
                    .map(|line| serde_json::from_str(black_box(line)).unwrap())
                    .collect();
                black_box(Case::replay(&history).unwrap());
            }
        });
    });
    // As a restarting host does (and `examples/scale.rs` measures): each
    // history onto a new desk, which indexes the case's wake-ups too.
    let policy = Policy::recommended();
    group.bench_function("parse_and_desk_replay", |b| {
        b.iter_batched(
            || Desk::new(policy.clone()),
            |mut desk| {
                for log in &logs {
                    let history: Vec<Event> = log
                        .iter()
                        .map(|line| serde_json::from_str(black_box(line)).unwrap())
                        .collect();
                    desk.replay(history).unwrap();
                }
                desk
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, replay_json);
criterion_main!(benches);
