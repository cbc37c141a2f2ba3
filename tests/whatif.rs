//! `tools::whatif`: a what-if under the recording's own policy changes
//! nothing; a laxer first-response target lowers first-response breaches
//! and a tighter one raises them, whichever the baseline and the instant;
//! logs that do not rebuild are skipped with the reason; the JSON keys.

use chrono::{DateTime, TimeDelta, Utc};
use escalate::policy::Policy;
use escalate::replay::Host;
use escalate::sla::{Metric, MetricPolicy, Target};
use escalate::testing::{Knobs, Schedule, commands, policies, run};
use escalate::tools::whatif::{self, Comparison, Options, Until};
use escalate::{
    Actor, Agent, Case, CaseId, Channel, Command, CommandKind, Customer, CustomerValue, Event,
    Origin, Priority, ResponseKind,
};
use proptest::prelude::*;

/// A policy whose only target is a first response within `within`, around
/// the clock.
#[track_caller]
fn first_response_within(within: &str) -> Policy {
    Policy::new(format!("fr-{within}"), ["frontline", "supervisor"])
        .unwrap()
        .with_sla(MetricPolicy::new(
            Metric::FirstResponse,
            Target::new(within.parse().unwrap(), "always".parse().unwrap()),
        ))
        .unwrap()
}

/// Drives one case through `steps` as a host that never ticks (`handle`
/// catches up with time), keeping the events.
#[track_caller]
fn record(
    policy: &Policy,
    id: &str,
    steps: Vec<(Actor, DateTime<Utc>, CommandKind)>,
) -> Vec<Event> {
    let mut case = Case::new(id.parse().unwrap());
    let mut log = Vec::new();
    for (n, (actor, at, kind)) in steps.into_iter().enumerate() {
        let command = Command::new(format!("{id}-{n}").parse().unwrap(), actor, at, kind);
        for event in case.handle(policy, command, at).unwrap() {
            case.apply(&event).unwrap();
            log.push(event);
        }
    }
    log
}

/// Forty emails, one every half hour from Monday 2021-03-01 09:00, each
/// assigned after 5 minutes; case `i` is answered after `i % 10` hours,
/// except every tenth, never answered. Recorded under `policy`.
fn population(policy: &Policy) -> Vec<(CaseId, Vec<Event>)> {
    let start: DateTime<Utc> = "2021-03-01T09:00:00Z".parse().unwrap();
    let sam = Agent::new("sam".parse().unwrap(), "frontline".parse().unwrap());
    (0..40i64)
        .map(|i| {
            let id = format!("E-{i}");
            let opened = start + TimeDelta::minutes(30 * i);
            let mut steps = vec![
                (
                    Actor::Customer,
                    opened,
                    CommandKind::Open {
                        customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
                        origin: Origin::Contact {
                            channel: Channel::Email,
                        },
                        summary: "it broke".into(),
                        priority: Priority::Normal,
                    },
                ),
                (
                    Actor::System,
                    opened + TimeDelta::minutes(5),
                    CommandKind::Assign { to: sam.clone() },
                ),
            ];
            if i % 10 != 9 {
                steps.push((
                    Actor::Agent(sam.clone()),
                    opened + TimeDelta::hours(i % 10) + TimeDelta::minutes(10),
                    CommandKind::Respond {
                        channel: Channel::Email,
                        note: "fixed".into(),
                        kind: ResponseKind::Answer,
                    },
                ));
            }
            let log = record(policy, &id, steps);
            (id.parse().unwrap(), log)
        })
        .collect()
}

fn first_response_breaches(c: &Comparison) -> (u64, u64) {
    (
        c.baseline.breaches.first_response,
        c.candidate.breaches.first_response,
    )
}

/// The motivating case: a laxer target must lower the breaches,
/// and a tighter one raise them, against the recorded logs and against a
/// replayed baseline, up to each case's last event or to the input's.
#[test]
fn a_laxer_target_lowers_first_response_breaches_and_a_tighter_one_raises_them() {
    let recorded_under = first_response_within("4h");
    let cases = population(&recorded_under);
    let lax = first_response_within("8h");
    let tight = first_response_within("2h");
    // Answered after 4h10m .. 8h10m: 5 of every 10 cases, 20 in all.
    for (baseline, until) in [
        (None, Until::Recorded),
        (Some(&recorded_under), Until::Recorded),
        (Some(&recorded_under), Until::Latest),
    ] {
        let options = Options {
            until,
            ..Options::default()
        };
        let laxer = whatif::compare(&cases, baseline, &lax, &options);
        let (before, after) = first_response_breaches(&laxer);
        assert!(after < before, "laxer: {before} -> {after} ({until:?})");
        let tighter = whatif::compare(&cases, baseline, &tight, &options);
        let (before_t, after_t) = first_response_breaches(&tighter);
        assert_eq!(before_t, before, "the same baseline ({until:?})");
        assert!(
            after_t > before,
            "tighter: {before} -> {after_t} ({until:?})"
        );
        assert_eq!(laxer.cases, 40);
        assert!(laxer.changed_cases > 0);
        assert!(laxer.skipped.is_empty(), "{:?}", laxer.skipped);
        if until == Until::Recorded {
            // Up to each case's last event, the unanswered ones are not due yet.
            assert_eq!(before, 20, "{until:?}");
            // 8h10m is late under 8 hours: 4 cases.
            assert_eq!(after, 4);
            // Past 2 hours: answered after 2h10m .. 8h10m, 7 of every 10.
            assert_eq!(after_t, 28);
        } else {
            // Up to the input's last event (the day after, 12:10), the 4
            // unanswered cases breach too; under 8 hours the last of them
            // (opened at 04:30) is not due yet.
            assert_eq!((before, after, after_t), (24, 7, 32));
        }
        // Every changed case names where its logs part: the clock's due time.
        for changed in &laxer.changed {
            let d = changed.divergence.as_ref().unwrap();
            assert!(
                d.baseline.as_deref().unwrap_or("").contains("clock #1"),
                "{changed:?}"
            );
        }
        // Attainment moves the same way.
        let attained = |c: &Comparison| {
            (
                c.baseline.attainment_percent.first_response.unwrap(),
                c.candidate.attainment_percent.first_response.unwrap(),
            )
        };
        let (a, b) = attained(&laxer);
        assert!(b > a, "{a} -> {b}");
    }
}

/// Time to first response is business time (the clock's) here, and the
/// same on both sides: the commands are the same, only the targets differ.
#[test]
fn times_to_first_owner_and_response_do_not_depend_on_the_target() {
    let cases = population(&first_response_within("4h"));
    let c = whatif::compare(
        &cases,
        None,
        &first_response_within("8h"),
        &Options::default(),
    );
    assert_eq!(
        c.baseline.time_to_first_response,
        c.candidate.time_to_first_response
    );
    assert_eq!(c.candidate.time_to_first_response.count, 36);
    assert_eq!(c.candidate.first_response_business, 36);
    assert_eq!(c.candidate.time_to_first_owner.count, 40);
    assert_eq!(c.candidate.time_to_first_owner.p90_seconds, Some(300));
    // Answered after 10m, 1h10m, ..., 8h10m, four times each: the median is 4h10m.
    assert_eq!(
        c.candidate.time_to_first_response.p50_seconds,
        Some(4 * 3600 + 600)
    );
}

#[test]
fn logs_that_do_not_rebuild_are_skipped_with_the_reason() {
    let policy = first_response_within("4h");
    let mut cases = population(&policy);
    cases.truncate(3);
    // Case 1 loses its `opened` event.
    cases[1].1.remove(0);
    cases.push(("EMPTY".parse().unwrap(), Vec::new()));
    let c = whatif::compare(&cases, None, &policy, &Options::default());
    assert_eq!((c.cases, c.skipped_cases, c.changed_cases), (2, 2, 0));
    assert_eq!(c.skipped[0].case, "E-1");
    assert!(
        c.skipped[0]
            .reason
            .contains("the first event is `contacted`, not `opened`"),
        "{}",
        c.skipped[0].reason
    );
    assert_eq!(c.skipped[1].case, "EMPTY");
}

#[test]
fn the_json_has_the_fixed_keys() {
    let cases = population(&first_response_within("4h"));
    let c = whatif::compare(
        &cases,
        None,
        &first_response_within("8h"),
        &Options::default(),
    );
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["cases"], 40);
    assert!(json["changed_cases"].as_u64().unwrap() > 0);
    for side in ["baseline", "candidate"] {
        for metric in [
            "first_response",
            "next_response",
            "periodic_update",
            "resolution",
            "promise",
        ] {
            assert!(json[side]["breaches"][metric].is_u64(), "{side} {metric}");
        }
        for key in [
            "escalations",
            "refusals",
            "money_granted_minor",
            "money_wasted_minor",
        ] {
            assert!(json[side][key].is_object(), "{side} {key}");
        }
    }
    // The JSON reads back to the same comparison.
    let back: Comparison = serde_json::from_value(json).unwrap();
    assert_eq!(back, c);
}

/// The same input gives the same result, whatever the threads did.
#[test]
fn the_result_is_deterministic() {
    let mut cases = Vec::new();
    for _ in 0..10 {
        cases.extend(population(&first_response_within("4h")));
    }
    let a = whatif::compare(
        &cases,
        None,
        &first_response_within("8h"),
        &Options::default(),
    );
    let b = whatif::compare(
        &cases,
        None,
        &first_response_within("8h"),
        &Options::default(),
    );
    assert_eq!(a, b);
    assert_eq!(a.cases, 400);
}

fn id() -> CaseId {
    "CAB-1".parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// what-if(P, logs recorded under P) changes nothing: against the
    /// recorded logs (the host ticks on any schedule, then 30 days after
    /// the last command), and with P as the baseline too, under either host.
    #[test]
    fn the_recording_policy_changes_no_case(
        (policy, commands) in policies(Knobs { tiers: 1..=6, rules: 0..=8, ..Knobs::default() })
            .prop_flat_map(|p| (Just(p.clone()), commands(&p))),
        schedule in prop_oneof![
            Just(Schedule::Never), Just(Schedule::BeforeEach), Just(Schedule::AfterEach), Just(Schedule::Wakeups),
        ],
    ) {
        let (_, log) = run(&policy, &commands, &schedule)?;
        let cases = vec![(id(), log)];
        let recorded = whatif::compare(&cases, None, &policy, &Options::default());
        prop_assert_eq!(recorded.cases, 1, "{:?}", recorded.skipped);
        prop_assert_eq!(recorded.changed_cases, 0, "{:?}", recorded.changed);
        prop_assert_eq!(&recorded.baseline, &recorded.candidate);
        for host in [Host::AsRecorded, Host::Obedient] {
            for until in [Until::Recorded, Until::Latest] {
                let replayed = whatif::compare(&cases, Some(&policy), &policy, &Options { host, until });
                prop_assert_eq!(replayed.changed_cases, 0);
                prop_assert_eq!(&replayed.baseline, &replayed.candidate);
            }
        }
    }

    /// The same with the recommended policy (rules, ladder, many metrics).
    #[test]
    fn the_recommended_policy_changes_no_case(commands in commands(&Policy::recommended())) {
        let policy = Policy::recommended();
        let (_, log) = run(&policy, &commands, &Schedule::Never)?;
        let recorded = whatif::compare(&[(id(), log)], None, &policy, &Options::default());
        prop_assert_eq!(recorded.cases, 1, "{:?}", recorded.skipped);
        prop_assert_eq!(recorded.changed_cases, 0, "{:?}", recorded.changed);
    }
}
