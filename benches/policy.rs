//! Policy benchmarks: evaluating a 50-rule policy on each command and on
//! `tick`, against the same policy with no rules, and loading the
//! recommended policy from TOML.

mod common;

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use escalate::policy::{Action, Call, Condition, Delay, DelayFrom, Notice, Policy, Rule};
use escalate::recovery::GestureKind;
use escalate::sla::{Metric, Within};
use escalate::{Actor, Agent, Case, Channel, Command, CommandKind, Priority, ResponseKind};

/// Monday 2021-03-01 14:00 UTC.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 1, 14, 0, 0).unwrap()
}

/// The recommended policy's tiers, calendar and SLA, with no rules.
fn no_rules() -> Policy {
    let r = Policy::recommended();
    let mut spec: toml::Table = toml::from_str(&r.to_toml_string().unwrap()).unwrap();
    spec.remove("rules");
    Policy::from_toml_str(&toml::to_string(&spec).unwrap()).unwrap()
}

/// 50 rules with varied conditions (leaves, `all`, `any`), 10 of them
/// delayed, with every kind of action. A rule that would close a cycle
/// through a required call (refused at load) requires a review instead.
fn fifty_rules() -> Policy {
    let leaves = [
        Condition::SlaWarning(Metric::FirstResponse),
        Condition::SlaBreach(Metric::NextResponse),
        Condition::RepeatContact(3),
        Condition::PublicContact,
        Condition::SurveyScoreAtMost(2),
        Condition::ChurnSignal,
        Condition::FailuresAtLeast(2),
        Condition::SeverityAtLeast(Priority::High),
        Condition::HighValueCustomer,
        Condition::InternalDetection,
        Condition::Deflection,
        Condition::PromiseAtRisk,
        Condition::PromiseBroken,
        Condition::HandoffNotAccepted(Within::Time(TimeDelta::hours(2))),
        Condition::Escalated,
        Condition::Unowned,
        Condition::Unanswered,
    ];
    let tier = |name: &str| -> escalate::Tier { name.parse().expect("a valid tier name") };
    let actions = |i: usize| -> Vec<Action> {
        match i % 8 {
            0 => vec![Action::RequireReview],
            1 => vec![Action::Recommend(GestureKind::Apology)],
            2 => vec![Action::RequireApology(tier("supervisor"))],
            3 => vec![Action::Notify(Notice {
                who: "lead".into(),
                why: "rule".into(),
                within: Some(Within::Time(TimeDelta::hours(1))),
            })],
            4 => vec![Action::EscalateOneTier],
            5 => vec![Action::RequireOwner(tier("manager"))],
            6 => vec![Action::EscalateTo(tier("regional")), Action::RequireReview],
            _ => vec![Action::RequireCall(Call::new(Within::Time(
                TimeDelta::hours(4),
            )))],
        }
    };
    let mut policy = no_rules();
    for i in 0..50 {
        let a = leaves[i % leaves.len()].clone();
        let b = leaves[(i * 7 + 3) % leaves.len()].clone();
        let when = match i % 3 {
            0 => a,
            1 => Condition::All(vec![a, b]),
            _ => Condition::Any(vec![
                a,
                Condition::All(vec![b, leaves[(i * 3 + 1) % leaves.len()].clone()]),
            ]),
        };
        let mut rule = Rule::new(format!("rule {i}"), when.clone(), actions(i));
        if i % 5 == 4 {
            let from = [DelayFrom::Condition, DelayFrom::Level, DelayFrom::Opening][i % 3];
            rule = rule.with_delay(
                Delay {
                    after: Within::BusinessDays(u32::try_from(i % 3 + 1).unwrap()),
                    from,
                    calendar: "business".parse().expect("a valid calendar name"),
                },
                1,
            );
        }
        policy = match policy.clone().with_rule(rule.clone()) {
            Ok(with) => with,
            Err(_) => policy
                .with_rule(Rule {
                    then: vec![Action::RequireReview],
                    ..rule
                })
                .unwrap(),
        };
    }
    assert_eq!(policy.rules().len(), 50);
    policy
}

fn run(
    case: &mut Case,
    policy: &Policy,
    n: &mut u32,
    at: DateTime<Utc>,
    actor: Actor,
    kind: CommandKind,
) {
    for e in case.tick(policy, at) {
        case.apply(&e).unwrap();
    }
    *n += 1;
    let cmd = Command::new(format!("c{n}").parse().unwrap(), actor, at, kind);
    for e in case.handle(policy, cmd, at).unwrap() {
        case.apply(&e).unwrap();
    }
}

/// A typical case under the 50-rule policy: opened by email, assigned, a few
/// contacts and replies, so that rules have fired and delayed ones are armed.
fn typical_case(policy: &Policy) -> Case {
    let mut case = Case::new("B-1".parse().unwrap());
    let mut n = 0;
    let mut t = start();
    let contact = |channel| CommandKind::Contact {
        channel,
        note: "any news?".into(),
    };
    run(
        &mut case,
        policy,
        &mut n,
        t,
        Actor::Customer,
        common::email_opening(),
    );
    let sam = Agent::new("sam".parse().unwrap(), "frontline".parse().unwrap());
    run(
        &mut case,
        policy,
        &mut n,
        t,
        Actor::System,
        CommandKind::Assign { to: sam },
    );
    for _ in 0..3 {
        t += TimeDelta::minutes(30);
        run(
            &mut case,
            policy,
            &mut n,
            t,
            Actor::Customer,
            contact(Channel::Email),
        );
        t += TimeDelta::minutes(30);
        run(
            &mut case,
            policy,
            &mut n,
            t,
            Actor::System,
            CommandKind::Respond {
                channel: Channel::Email,
                note: "looking".into(),
                kind: ResponseKind::Answer,
            },
        );
    }
    t += TimeDelta::minutes(10);
    run(
        &mut case,
        policy,
        &mut n,
        t,
        Actor::Customer,
        contact(Channel::Email),
    );
    case
}

/// The typical case under `policy`, kept up to `now`: a host that keeps up
/// ticks at every wake-up, so what is due by `now` is recorded and `handle`
/// measures the command itself. (A case records its policy's content: each
/// policy gets its own case.)
fn kept_up(policy: &Policy, now: DateTime<Utc>) -> Case {
    let mut case = typical_case(policy);
    while let Some(w) = case.next_wakeup(policy).filter(|w| *w <= now) {
        for e in case.tick(policy, w) {
            case.apply(&e).unwrap();
        }
    }
    case
}

fn bench(c: &mut Criterion) {
    let fifty = fifty_rules();
    let none = no_rules();
    let now = typical_case(&fifty).latest().unwrap() + TimeDelta::minutes(5);
    let with_fifty = kept_up(&fifty, now);
    let with_none = kept_up(&none, now);
    let cases = [
        ("no_rules", &none, &with_none),
        ("50_rules", &fifty, &with_fifty),
    ];
    let reply = Command::new(
        "reply".parse().unwrap(),
        Actor::System,
        now,
        CommandKind::Respond {
            channel: Channel::Email,
            note: "here is the fix".into(),
            kind: ResponseKind::Answer,
        },
    );
    let contact = Command::new(
        "contact".parse().unwrap(),
        Actor::Customer,
        now,
        CommandKind::Contact {
            channel: Channel::SocialPublic,
            note: "still nothing".into(),
        },
    );
    // Both policies decide the same primary events; the rules add to them.
    assert!(
        with_fifty
            .handle(&fifty, contact.clone(), now)
            .unwrap()
            .len()
            > with_none.handle(&none, contact.clone(), now).unwrap().len()
    );
    let mut g = c.benchmark_group("policy");
    for (name, cmd) in [("respond", &reply), ("public_contact", &contact)] {
        for (rules, policy, case) in cases {
            g.bench_function(format!("handle/{name}/{rules}"), |b| {
                b.iter(|| black_box(case).handle(black_box(policy), cmd.clone(), now));
            });
        }
    }
    // A week later: warnings, breaches and delayed rules are due.
    let later = now + TimeDelta::days(7);
    assert!(!with_fifty.tick(&fifty, later).is_empty());
    for (when, at) in [("nothing_due", now), ("week_later", later)] {
        for (rules, policy, case) in cases {
            g.bench_function(format!("tick/{when}/{rules}"), |b| {
                b.iter(|| black_box(case).tick(black_box(policy), at));
            });
        }
    }
    for (rules, policy, case) in cases {
        g.bench_function(format!("next_wakeup/{rules}"), |b| {
            b.iter(|| black_box(case).next_wakeup(black_box(policy)));
        });
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/recommended.toml"
    ))
    .unwrap();
    assert_eq!(Policy::from_toml_str(&text).unwrap(), Policy::recommended());
    g.bench_function("load/recommended_toml", |b| {
        b.iter(|| Policy::from_toml_str(black_box(&text)).unwrap());
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
