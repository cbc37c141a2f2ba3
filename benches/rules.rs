//! `rules/worst_case`: the slowest valid policy we can build against the
//! bounds `Policy` documents, and the cost of one `handle`, `tick` and
//! `next_wakeup` under it.
//!
//! The policy ([`worst_case`]) fills every bound at once:
//! - 64 tiers, and one rule on `escalated` that escalates one tier (a chain
//!   of 63 escalations, the most `MAX_CHAIN_FIRINGS` allows with 64 tiers);
//! - 64 rules, 16 on each of four kinds of fact (the most
//!   `MAX_RULES_PER_FACT` allows), 8 actions each (the most `MAX_ACTIONS`
//!   allows): 16 on SLA warnings of any metric, 16 on SLA breaches, 16 on a
//!   public post (each requiring a call, which is a promise with its own
//!   clock), 15 delayed rules on an unanswered contact, 1 second apart,
//!   repeating 100 times;
//! - every metric tracked with a 10-minute target and 10 warnings (the most
//!   `MAX_WARNINGS` allows).
//!
//! The case: a high-value customer's public post at 14:00 (opening), assigned
//! at once. Measured:
//! - `handle/public_post`: a second public post at 14:00:30, which first
//!   records the 30 seconds of delayed rules due (time first), then fires the
//!   16 rules on a public post and their 16 calls;
//! - `handle/public_post_kept_up`: the same post on the case a host kept up
//!   to date by ticking at every wake-up until then;
//! - `tick/wakeup`: one tick at the case's next wake-up (what a host that
//!   ticks at every wake-up pays per call);
//! - `tick/busiest_wakeup`: the tick that records the most events among all
//!   the wake-ups of the case left alone (every wake-up ticked in turn);
//! - `tick/two_minutes`: one tick two minutes after opening, recording every
//!   delayed rule's 100 repeats and every warning and breach at once;
//! - `next_wakeup`.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use escalate::policy::{Action, Call, Condition, Delay, DelayFrom, Notice, Policy, Rule};
use escalate::recovery::GestureKind;
use escalate::sla::{Metric, MetricPolicy, Target, Threshold, Within};
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, Event, Origin,
    Priority,
};

/// Monday 2021-03-01 14:00 UTC.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 1, 14, 0, 0).unwrap()
}

fn tier(i: usize) -> escalate::Tier {
    format!("t{i}").parse().unwrap()
}

/// Eight distinct actions that start no clock.
fn eight(i: usize) -> Vec<Action> {
    let mut actions: Vec<Action> = (0..5)
        .map(|k| {
            Action::Notify(Notice {
                who: format!("lead {k}"),
                why: format!("rule {i}"),
                within: Some(Within::Time(TimeDelta::minutes(5))),
            })
        })
        .collect();
    actions.push(Action::RequireApology(tier(1)));
    actions.push(Action::Recommend(GestureKind::Apology));
    actions.push(Action::RequireReview);
    actions
}

/// The slowest valid policy we can build (see the module docs).
fn worst_case() -> Policy {
    let tiers: Vec<String> = (0..Policy::MAX_TIERS).map(|i| format!("t{i}")).collect();
    let mut policy = Policy::new("worst", &tiers).unwrap();
    for metric in [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
        Metric::Promise,
    ] {
        let mut m = MetricPolicy::new(
            metric,
            Target::new(
                Within::Time(TimeDelta::minutes(10)),
                "always".parse().unwrap(),
            ),
        );
        for k in 0..u16::try_from(Policy::MAX_WARNINGS).unwrap() {
            m = m.with_warning(Threshold::Percent(5 + 9 * k));
        }
        policy = policy.with_sla(m).unwrap();
    }
    let any = |leaf: fn(Metric) -> Condition| {
        Condition::Any(
            [
                Metric::FirstResponse,
                Metric::NextResponse,
                Metric::PeriodicUpdate,
                Metric::Resolution,
                Metric::Promise,
            ]
            .into_iter()
            .map(leaf)
            .collect(),
        )
    };
    let mut rules = vec![Rule::new(
        "chain",
        Condition::Escalated,
        [
            Action::EscalateOneTier,
            Action::RequireReview,
            Action::Recommend(GestureKind::Apology),
        ],
    )];
    for i in 0..16 {
        rules.push(Rule::new(
            format!("warned {i}"),
            any(Condition::SlaWarning),
            eight(i),
        ));
        rules.push(Rule::new(
            format!("breached {i}"),
            any(Condition::SlaBreach),
            eight(i),
        ));
        let mut call = eight(i);
        call[0] = Action::RequireCall(Call::new(Within::Time(TimeDelta::minutes(10))));
        rules.push(Rule::new(
            format!("public {i}"),
            Condition::PublicContact,
            call,
        ));
    }
    for i in 0..15 {
        rules.push(
            Rule::new(format!("nag {i}"), Condition::Unanswered, eight(i)).with_delay(
                Delay {
                    after: Within::Time(TimeDelta::seconds(1)),
                    from: DelayFrom::Condition,
                    calendar: "always".parse().unwrap(),
                },
                Rule::MAX_REPEAT,
            ),
        );
    }
    for rule in rules {
        policy = policy.with_rule(rule).unwrap();
    }
    assert_eq!(policy.rules().len(), Policy::MAX_RULES);
    policy
}

/// Applies `events` to `case`.
fn apply(case: &mut Case, events: &[Event]) {
    for e in events {
        case.apply(e).unwrap();
    }
}

/// The case right after opening: a high-value customer's public post at
/// 14:00, assigned to an agent of the first tier at once.
fn opened(policy: &Policy) -> Case {
    let mut case = Case::new("W-1".parse().unwrap());
    let t = start();
    let open = Command::new(
        "c1".parse().unwrap(),
        Actor::Customer,
        t,
        CommandKind::Open {
            customer: Customer::new("vip".parse().unwrap(), CustomerValue::HighValue),
            origin: Origin::Contact {
                channel: Channel::SocialPublic,
            },
            summary: "broken on arrival".into(),
            priority: Priority::Urgent,
        },
    );
    let events = case.handle(policy, open, t).unwrap();
    apply(&mut case, &events);
    let assign = Command::new(
        "c2".parse().unwrap(),
        Actor::System,
        t,
        CommandKind::Assign {
            to: Agent::new("sam".parse().unwrap(), tier(0)),
        },
    );
    let events = case.handle(policy, assign, t).unwrap();
    apply(&mut case, &events);
    case
}

/// The second public post, 30 seconds after opening.
fn second_post() -> (Command, DateTime<Utc>) {
    let at = start() + TimeDelta::seconds(30);
    let cmd = Command::new(
        "c3".parse().unwrap(),
        Actor::Customer,
        at,
        CommandKind::Contact {
            channel: Channel::SocialPublic,
            note: "still broken".into(),
        },
    );
    (cmd, at)
}

/// Ticks `case` at every wake-up until none is left, and returns the case
/// as it was before the wake-up that recorded the most events, that
/// instant, and the number of wake-ups.
fn busiest_wakeup(policy: &Policy, mut case: Case) -> (Case, DateTime<Utc>, usize) {
    let mut busiest: Option<(usize, Case, DateTime<Utc>)> = None;
    let mut wakeups = 0;
    while let Some(w) = case.next_wakeup(policy) {
        wakeups += 1;
        assert!(wakeups < 100_000, "wake-ups never end");
        let events = case.tick(policy, w);
        if busiest.as_ref().is_none_or(|(n, _, _)| events.len() > *n) {
            busiest = Some((events.len(), case.clone(), w));
        }
        apply(&mut case, &events);
    }
    let (_, before, at) = busiest.expect("at least one wake-up");
    (before, at, wakeups)
}

/// `case` ticked at every wake-up up to `until`.
fn caught_up(policy: &Policy, mut case: Case, until: DateTime<Utc>) -> Case {
    while let Some(w) = case.next_wakeup(policy).filter(|w| *w <= until) {
        let events = case.tick(policy, w);
        apply(&mut case, &events);
    }
    case
}

fn bench(c: &mut Criterion) {
    let policy = worst_case();
    let case = opened(&policy);
    let (busy, busy_at, wakeups) = busiest_wakeup(&policy, case.clone());
    let wakeup = case.next_wakeup(&policy).unwrap();
    let later = start() + TimeDelta::minutes(2);
    // The sizes, printed once so the figures can be read per event.
    let (post, at) = second_post();
    let kept_up = caught_up(&policy, case.clone(), at);
    println!(
        "rules/worst_case: opening {} events; handle/public_post {} events ({} after ticking at every wake-up); tick/wakeup {} events; \
         tick/busiest_wakeup {} events (the busiest of {wakeups} wake-ups, at {busy_at}); tick/two_minutes {} events",
        case.version(),
        case.handle(&policy, post.clone(), at).unwrap().len(),
        kept_up.handle(&policy, post, at).unwrap().len(),
        case.tick(&policy, wakeup).len(),
        busy.tick(&policy, busy_at).len(),
        case.tick(&policy, later).len(),
    );
    let mut g = c.benchmark_group("rules/worst_case");
    g.bench_function("handle/public_post", |b| {
        b.iter_batched(
            second_post,
            |(cmd, at)| black_box(case.handle(&policy, cmd, at).unwrap()),
            criterion::BatchSize::SmallInput,
        );
    });
    g.bench_function("handle/public_post_kept_up", |b| {
        b.iter_batched(
            second_post,
            |(cmd, at)| black_box(kept_up.handle(&policy, cmd, at).unwrap()),
            criterion::BatchSize::SmallInput,
        );
    });
    g.bench_function("tick/wakeup", |b| {
        b.iter(|| black_box(case.tick(&policy, wakeup)));
    });
    g.bench_function("tick/busiest_wakeup", |b| {
        b.iter(|| black_box(busy.tick(&policy, busy_at)));
    });
    g.bench_function("tick/two_minutes", |b| {
        b.iter(|| black_box(case.tick(&policy, later)));
    });
    g.bench_function("next_wakeup", |b| {
        b.iter(|| black_box(case.next_wakeup(&policy)));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
