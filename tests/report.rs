//! The SLA attainment report (`SlaReport`): worked examples on Monday
//! 2021-03-01 with a weekday 09:00-17:00 UTC calendar, under small policies
//! and the recommended one; the outcomes of every kind of stop; errors on
//! logs that do not read; JSON; and, over generated cases, that every clock
//! counts once and that reports add up.

mod support;

use chrono::TimeDelta;
use escalate::policy::Policy;
use escalate::sla::{Metric, MetricPolicy, Target, Within};
use escalate::testing::{Schedule, commands, run};
use escalate::{
    Actor, CommandKind, Event, EventKind, Outcome, ReportError, ResponseKind, SlaReport, SlaTally,
};
use proptest::prelude::*;
use support::{Story, acting, agent, bare, cal, hours, mon, sam, tier};

/// Within `h` business hours on the `business` calendar.
fn within(h: i64) -> Target {
    Target::new(Within::Time(hours(h)), cal("business"))
}

/// `bare()` with a first response within 4 business hours.
fn four_hours() -> Policy {
    bare()
        .with_sla(MetricPolicy::new(Metric::FirstResponse, within(4)))
        .unwrap()
}

fn answer() -> CommandKind {
    CommandKind::Respond {
        channel: escalate::Channel::Email,
        note: "here is the fix".into(),
        kind: ResponseKind::Answer,
    }
}

/// Counts of a tally: (met, met late, breached, open, cancelled).
fn counts(t: &SlaTally) -> (u64, u64, u64, u64, u64) {
    (t.met(), t.met_late(), t.breached(), t.open(), t.cancelled())
}

/// The tally of `metric` at tier `t` ("" for unowned).
#[track_caller]
fn tally<'a>(report: &'a SlaReport, metric: Metric, t: &str) -> &'a SlaTally {
    let t = (!t.is_empty()).then(|| tier(t));
    report
        .row(metric, t.as_ref())
        .unwrap_or_else(|| panic!("no row for {metric} at {t:?}:\n{report}"))
        .tally()
}

/// The four cases of the worked example, each opened by an email on
/// Monday at 09:00 under [`four_hours`] (due 13:00).
fn four_cases() -> Vec<Vec<Event>> {
    let dana = agent("dana", "supervisor");
    // A-1: sam answers at 10:00: met after 1h, at frontline.
    let mut a1 = Story::starting("A-1", four_hours(), mon(0, 0));
    a1.open(mon(9, 0));
    a1.assign(mon(9, 5), sam());
    a1.run(mon(10, 0), Actor::Agent(sam()), answer());
    // A-2: breaches at 13:00 under sam; dana takes it at 14:00 and answers
    // at 15:00: met late after 6h, at supervisor.
    let mut a2 = Story::starting("A-2", four_hours(), mon(0, 0));
    a2.open(mon(9, 0));
    a2.assign(mon(9, 5), sam());
    a2.run(
        mon(14, 0),
        Actor::System,
        CommandKind::Escalate {
            to: dana.clone(),
            reason: "late".into(),
        },
    );
    a2.run(mon(15, 0), Actor::Agent(dana), answer());
    // A-3: kim takes it at 09:30 and the log ends there: open, at frontline.
    let mut a3 = Story::starting("A-3", four_hours(), mon(0, 0));
    a3.open(mon(9, 0));
    a3.assign(mon(9, 30), agent("kim", "frontline"));
    // A-4: nobody takes it; ticked at 18:00: breached at 13:00, unowned.
    let mut a4 = Story::starting("A-4", four_hours(), mon(0, 0));
    a4.open(mon(9, 0));
    a4.tick(mon(18, 0));
    vec![a1.log, a2.log, a3.log, a4.log]
}

#[test]
fn four_emails_one_met_one_met_late_one_open_one_breached() {
    let report = SlaReport::from_cases(four_cases()).unwrap();
    assert_eq!(report.cases(), 4);
    let fr = Metric::FirstResponse;
    assert_eq!(counts(tally(&report, fr, "")), (0, 0, 1, 0, 0));
    assert_eq!(counts(tally(&report, fr, "frontline")), (1, 0, 0, 1, 0));
    assert_eq!(counts(tally(&report, fr, "supervisor")), (0, 1, 0, 0, 0));
    assert_eq!(report.rows().len(), 3);
    let all = report.total(fr).unwrap();
    assert_eq!(counts(&all), (1, 1, 1, 1, 0));
    // 1 met of 3 decided; the open one does not count.
    assert_eq!(all.attainment_percent(), Some(100.0 / 3.0));
    // Met after 1h and 6h (09:00 to 15:00): p50 is the 1st (⌈0.5·2⌉ = 1),
    // p90 the 2nd (⌈0.9·2⌉ = 2).
    assert_eq!(all.met_after().collect::<Vec<_>>(), [hours(1), hours(6)]);
    assert_eq!(all.p50(), Some(hours(1)));
    assert_eq!(all.p90(), Some(hours(6)));
    assert_eq!(
        report.to_string(),
        "\
metric          tier        met  late  breached  open  cancelled  attained  p50  p90
first response  (unowned)     0     0         1     0          0      0.0%  -    -
first response  frontline     1     0         0     1          0    100.0%  1h   1h
first response  supervisor    0     1         0     0          0      0.0%  6h   6h
first response  (all)         1     1         1     1          0     33.3%  1h   6h
"
    );
}

#[test]
fn a_report_of_many_cases_is_the_sum_of_their_reports() {
    let logs = four_cases();
    let all = SlaReport::from_cases(&logs).unwrap();
    let mut summed = SlaReport::new();
    for log in logs.iter().rev() {
        summed.merge(&SlaReport::from_events(log).unwrap());
    }
    assert_eq!(summed, all);
}

#[test]
fn the_recommended_policy_two_emails() {
    let policy = Policy::recommended();
    let dana = agent("dana", "supervisor");
    // R-1: sam answers at 10:30 (1h30m), the customer writes again at
    // 11:00, sam answers at 11:45 (45m) and resolves on Tuesday at 10:00
    // (Monday 09:00-17:00 and Tuesday 09:00-10:00: 9 business hours).
    let mut r1 = Story::starting("R-1", policy.clone(), mon(0, 0));
    r1.open(mon(9, 0));
    r1.assign(mon(9, 10), sam());
    r1.run(mon(10, 30), Actor::Agent(sam()), answer());
    r1.contact(mon(11, 0), escalate::Channel::Email);
    r1.run(mon(11, 45), Actor::Agent(sam()), answer());
    r1.run(
        support::day(2, 10, 0),
        Actor::Agent(sam()),
        support::resolve("fixed"),
    );
    // R-2: nobody answers; the first response breaches at 13:00 (the
    // policy then requires a supervisor); dana takes it at 14:00 and
    // answers at 15:00: 6 business hours, late. Its resolution runs on.
    let mut r2 = Story::starting("R-2", policy, mon(0, 0));
    r2.open(mon(9, 0));
    r2.assign(mon(14, 0), dana.clone());
    r2.run(mon(15, 0), Actor::Agent(dana), answer());
    assert!(
        r2.log
            .iter()
            .any(|e| matches!(e.kind(), EventKind::SlaBreached { .. }))
    );

    let report = SlaReport::from_cases([&r1.log, &r2.log]).unwrap();
    let fr = Metric::FirstResponse;
    assert_eq!(counts(tally(&report, fr, "frontline")), (1, 0, 0, 0, 0));
    assert_eq!(counts(tally(&report, fr, "supervisor")), (0, 1, 0, 0, 0));
    assert_eq!(
        tally(&report, fr, "frontline").p50(),
        Some(TimeDelta::minutes(90))
    );
    let nr = tally(&report, Metric::NextResponse, "frontline");
    assert_eq!(counts(nr), (1, 0, 0, 0, 0));
    assert_eq!(nr.p90(), Some(TimeDelta::minutes(45)));
    let resolution = tally(&report, Metric::Resolution, "frontline");
    assert_eq!(counts(resolution), (1, 0, 0, 0, 0));
    assert_eq!(resolution.p50(), Some(hours(9)));
    assert_eq!(
        counts(tally(&report, Metric::Resolution, "supervisor")),
        (0, 0, 0, 1, 0)
    );
    let total = report.total(fr).unwrap();
    assert_eq!(total.attainment_percent(), Some(50.0));
    assert_eq!(total.p50(), Some(TimeDelta::minutes(90)));
    assert_eq!(total.p90(), Some(hours(6)));
}

#[test]
fn resolving_or_closing_without_a_reply_cancels_and_a_breach_stays_a_breach() {
    let policy = four_hours()
        .with_sla(MetricPolicy::new(Metric::Resolution, within(16)))
        .unwrap();
    // C-1: sam resolves at 10:00 without replying: the first response is
    // cancelled, the resolution met after 1h.
    let mut c1 = Story::starting("C-1", policy.clone(), mon(0, 0));
    c1.open(mon(9, 0));
    c1.assign(mon(9, 5), sam());
    c1.resolve(mon(10, 0));
    // C-2: the first response breaches at 13:00, then sam resolves at 14:00:
    // breached (not met late), the resolution met after 5h.
    let mut c2 = Story::starting("C-2", policy.clone(), mon(0, 0));
    c2.open(mon(9, 0));
    c2.assign(mon(9, 5), sam());
    c2.resolve(mon(14, 0));
    // C-3: closed as lost at 10:00 without resolving: both clocks cancelled.
    let mut c3 = Story::starting("C-3", policy, mon(0, 0));
    c3.open(mon(9, 0));
    c3.assign(mon(9, 5), sam());
    c3.run(
        mon(10, 0),
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
    );
    let report = SlaReport::from_cases([&c1.log, &c2.log, &c3.log]).unwrap();
    let fr = tally(&report, Metric::FirstResponse, "frontline");
    assert_eq!(counts(fr), (0, 0, 1, 0, 2));
    assert_eq!(fr.attainment_percent(), Some(0.0));
    assert_eq!(fr.p50(), None);
    let resolution = tally(&report, Metric::Resolution, "frontline");
    assert_eq!(counts(resolution), (2, 0, 0, 0, 1));
    assert_eq!(
        resolution.met_after().collect::<Vec<_>>(),
        [hours(1), hours(5)]
    );
}

#[test]
fn adopting_a_policy_without_the_metric_cancels_its_clock() {
    let mut s = Story::starting("P-1", four_hours(), mon(0, 0));
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    s.policy = Policy::new("test-2", support::TIERS).unwrap();
    s.run(mon(10, 0), Actor::System, CommandKind::AdoptPolicy);
    let report = SlaReport::from_events(&s.log).unwrap();
    assert_eq!(
        counts(tally(&report, Metric::FirstResponse, "frontline")),
        (0, 0, 0, 0, 1)
    );
}

#[test]
fn promises_kept_broken_at_their_breach_and_broken_early() {
    let policy = bare();
    let promise = |s: &mut Story| {
        s.open(mon(9, 0));
        s.assign(mon(9, 5), sam());
        s.run(
            mon(9, 30),
            Actor::Agent(sam()),
            CommandKind::Promise {
                what: "call back".into(),
                due: mon(12, 0),
            },
        );
    };
    let first = escalate::PromiseId::new(1);
    // K-1: kept at 11:00: met after 1h30m of wall time.
    let mut k1 = Story::starting("K-1", policy.clone(), mon(0, 0));
    promise(&mut k1);
    k1.run(
        mon(11, 0),
        Actor::Agent(sam()),
        CommandKind::KeepPromise { promise: first },
    );
    // K-2: its clock breaches at 12:00, which breaks it (late_by none).
    let mut k2 = Story::starting("K-2", policy.clone(), mon(0, 0));
    promise(&mut k2);
    k2.tick(mon(13, 0));
    assert!(
        k2.log
            .iter()
            .any(|e| matches!(e.kind(), EventKind::ClockStopped { late_by: None, .. }))
    );
    // K-3: broken by sam at 10:00, before it was due.
    let mut k3 = Story::starting("K-3", policy, mon(0, 0));
    promise(&mut k3);
    k3.run(
        mon(10, 0),
        Actor::Agent(sam()),
        CommandKind::BreakPromise { promise: first },
    );
    let report = SlaReport::from_cases([&k1.log, &k2.log, &k3.log]).unwrap();
    let kept = tally(&report, Metric::Promise, "frontline");
    assert_eq!(counts(kept), (1, 0, 2, 0, 0));
    assert_eq!(kept.p50(), Some(TimeDelta::minutes(90)));
}

#[test]
fn a_breached_clock_counts_at_the_tier_it_breached_under() {
    // The breach at 13:00 under sam; dana owns the case when the log ends.
    let mut s = Story::starting("T-1", four_hours(), mon(0, 0));
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    s.run(
        mon(14, 0),
        Actor::System,
        CommandKind::Escalate {
            to: agent("dana", "supervisor"),
            reason: "late".into(),
        },
    );
    let report = SlaReport::from_events(&s.log).unwrap();
    assert_eq!(
        counts(tally(&report, Metric::FirstResponse, "frontline")),
        (0, 0, 1, 0, 0)
    );
    assert!(
        report
            .row(Metric::FirstResponse, Some(&tier("supervisor")))
            .is_none()
    );
}

#[test]
fn logs_that_do_not_read_are_refused_with_the_case_and_the_version() {
    let mut s = Story::starting("E-1", four_hours(), mon(0, 0));
    s.open(mon(9, 0));
    s.run(mon(10, 0), acting("sam", "frontline"), answer());
    let log = s.log.clone();
    // Clock #1 starts at version 3 (after the opening and the contact).
    assert!(matches!(log[2].kind(), EventKind::ClockStarted { .. }));
    let renumber = |events: Vec<Event>| -> Vec<Event> {
        events
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                Event::new(
                    i as u64 + 1,
                    e.at(),
                    e.actor().clone(),
                    e.command().cloned(),
                    e.kind().clone(),
                )
            })
            .collect()
    };
    let error = |events: &[Event]| SlaReport::from_events(events).unwrap_err().to_string();

    assert_eq!(SlaReport::from_events(&[]), Err(ReportError::Empty));
    assert_eq!(
        error(&log[1..]),
        "cannot report on a log whose first event (version 2) is not `opened`"
    );
    let gap: Vec<Event> = log
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, e)| e.clone())
        .collect();
    assert_eq!(
        error(&gap),
        "case E-1: event version 3 follows version 1: expected 2"
    );
    let mut swapped = log.clone();
    swapped.swap(2, 3);
    assert_eq!(
        error(&swapped),
        "case E-1: event version 4 follows version 2: expected 3"
    );
    let without_start = renumber(
        log.iter()
            .filter(|e| !matches!(e.kind(), EventKind::ClockStarted { .. }))
            .cloned()
            .collect(),
    );
    let stop = without_start
        .iter()
        .find(|e| matches!(e.kind(), EventKind::ClockStopped { .. }))
        .unwrap();
    assert_eq!(
        error(&without_start),
        format!(
            "case E-1: event version {} names clock #1, which has not started",
            stop.version()
        )
    );
    let mut twice = log.clone();
    twice.insert(3, log[2].clone());
    assert_eq!(
        error(&renumber(twice)),
        "case E-1: event version 4 starts clock #1: expected clock #2"
    );
    let mut reopened = log.clone();
    reopened.push(log[0].clone());
    assert_eq!(
        error(&renumber(reopened)),
        format!(
            "case E-1: event version {} opens case E-1: an `opened` event comes first and only once",
            log.len() + 1
        )
    );
    let mut negative = log.clone();
    negative.push(Event::new(
        log.len() as u64 + 1,
        mon(11, 0),
        Actor::System,
        None,
        EventKind::ClockStopped {
            clock: escalate::sla::ClockId::new(1),
            consumed: TimeDelta::seconds(-5),
            late_by: None,
        },
    ));
    assert_eq!(
        error(&negative),
        format!(
            "case E-1: event version {} stops clock #1 after -5s, a negative time",
            log.len() + 1
        )
    );
    // A report is left as it was by a log it refuses.
    let mut report = SlaReport::from_events(&log).unwrap();
    let before = report.clone();
    assert!(report.add_case(&negative).is_err());
    assert_eq!(report, before);
}

#[test]
fn json_round_trip_and_shape() {
    let report = SlaReport::from_cases(four_cases()).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<SlaReport>(&json).unwrap(), report);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["rows"][1],
        serde_json::json!({
            "metric": "first_response", "tier": "frontline",
            "met": 1, "met_late": 0, "breached": 0, "open": 1, "cancelled": 0,
            "attainment_percent": 100.0, "p50_seconds": 3600, "p90_seconds": 3600,
            "met_after_seconds": [3600]
        })
    );
    assert_eq!(value["rows"][0]["tier"], serde_json::Value::Null);
    assert_eq!(value["rows"][0]["p50_seconds"], serde_json::Value::Null);
    assert_eq!(value["cases"], 4);
}

#[test]
fn json_that_does_not_add_up_is_refused() {
    let row = |fields: &str| {
        format!(
            r#"{{"cases": 1, "rows": [{{"metric": "first_response", "tier": "frontline", {fields}}}]}}"#
        )
    };
    let error = |fields: &str| {
        serde_json::from_str::<SlaReport>(&row(fields))
            .unwrap_err()
            .to_string()
    };
    assert!(
        error(r#""met": 2, "met_late": 0, "breached": 0, "open": 0, "cancelled": 0, "met_after_seconds": [60]"#)
            .starts_with("first response (frontline): met_after_seconds has 1 times for 2 met and 0 met late clocks")
    );
    assert!(
        error(r#""met": 1, "met_late": 0, "breached": 1, "open": 0, "cancelled": 0, "attainment_percent": 100, "met_after_seconds": [60]"#)
            .starts_with("first response (frontline): attainment_percent Some(100.0) does not match 1 met of 2 decided")
    );
    assert!(
        error(r#""met": 2, "met_late": 0, "breached": 0, "open": 0, "cancelled": 0, "p90_seconds": 60, "met_after_seconds": [60, 120]"#)
            .starts_with("first response (frontline): p90_seconds Some(60) is not the nearest-rank percentile of met_after_seconds (Some(120))")
    );
    let one = r#"{"metric": "first_response", "tier": null, "met": 0, "met_late": 0, "breached": 0, "open": 1, "cancelled": 0, "met_after_seconds": []}"#;
    assert!(
        serde_json::from_str::<SlaReport>(&format!(r#"{{"cases": 1, "rows": [{one}, {one}]}}"#))
            .unwrap_err()
            .to_string()
            .starts_with("first response (unowned): the row appears twice")
    );
}

// ---------------------------------------------------------------------------
// Laws over generated cases.

/// The log of one generated case under `policy`, ticked 30 days on.
fn log_of(policy: &Policy, commands: &[escalate::Command]) -> Vec<Event> {
    run(policy, commands, &Schedule::Never).unwrap().1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every clock a case starts counts once, under the metric it measures;
    /// each met or met-late clock has its time; the JSON reads back.
    #[test]
    fn every_clock_counts_once(commands in commands(&Policy::recommended())) {
        let policy = Policy::recommended();
        let log = log_of(&policy, &commands);
        let report = SlaReport::from_events(&log).unwrap();
        let mut started: Vec<(Metric, u64)> = Vec::new();
        for e in &log {
            if let EventKind::ClockStarted { metric, .. } = e.kind() {
                match started.iter_mut().find(|(m, _)| m == metric) {
                    Some((_, n)) => *n += 1,
                    None => started.push((*metric, 1)),
                }
            }
        }
        for (metric, n) in &started {
            let total = report.total(*metric).unwrap();
            prop_assert_eq!(total.clocks(), *n, "{}", metric);
            prop_assert_eq!(total.met_after().count() as u64, total.met() + total.met_late());
        }
        prop_assert_eq!(report.rows().iter().map(|r| r.tally().clocks()).sum::<u64>(),
            started.iter().map(|(_, n)| n).sum::<u64>());
        let json = serde_json::to_string(&report).unwrap();
        prop_assert_eq!(serde_json::from_str::<SlaReport>(&json).unwrap(), report);
    }

    /// The report of several cases is the sum of their reports, in any
    /// order, and merging reports read back from JSON gives the same.
    #[test]
    fn reports_add_up(cases in prop::collection::vec(commands(&Policy::recommended()), 1..4)) {
        let policy = Policy::recommended();
        let logs: Vec<Vec<Event>> = cases.iter().map(|c| log_of(&policy, c)).collect();
        let all = SlaReport::from_cases(&logs).unwrap();
        let mut backwards = SlaReport::new();
        for log in logs.iter().rev() {
            let part = SlaReport::from_events(log).unwrap();
            let json = serde_json::to_string(&part).unwrap();
            backwards.merge(&serde_json::from_str(&json).unwrap());
        }
        prop_assert_eq!(&backwards, &all);
        prop_assert_eq!(all.cases(), logs.len() as u64);
    }

    /// Under generated policies too, every clock counts once.
    #[test]
    fn every_clock_counts_once_under_generated_policies(
        (policy, commands) in escalate::testing::policies(escalate::testing::Knobs::default())
            .prop_flat_map(|p| (Just(p.clone()), commands(&p)))
    ) {
        let log = log_of(&policy, &commands);
        let report = SlaReport::from_events(&log).unwrap();
        let started = log.iter().filter(|e| matches!(e.kind(), EventKind::ClockStarted { .. })).count() as u64;
        prop_assert_eq!(report.rows().iter().map(|r| r.tally().clocks()).sum::<u64>(), started);
    }
}

#[test]
fn a_resolution_clock_continued_after_reopening_counts_once_with_its_whole_time() {
    // The recommended policy continues the resolution clock on reopening:
    // resolved at 10:00 (1h), reopened by an email at 11:00, resolved again
    // at 12:00: one clock, met after 2 business hours.
    let mut s = Story::starting("O-1", Policy::recommended(), mon(0, 0));
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    s.run(mon(9, 30), Actor::Agent(sam()), answer());
    s.run(mon(10, 0), Actor::Agent(sam()), support::resolve("fixed"));
    s.contact(mon(11, 0), escalate::Channel::Email);
    s.run(mon(11, 30), Actor::Agent(sam()), answer());
    let open = SlaReport::from_events(&s.log).unwrap();
    assert_eq!(
        counts(tally(&open, Metric::Resolution, "frontline")),
        (0, 0, 0, 1, 0)
    );
    s.run(mon(12, 0), Actor::Agent(sam()), support::resolve("fixed"));
    let report = SlaReport::from_events(&s.log).unwrap();
    let resolution = tally(&report, Metric::Resolution, "frontline");
    assert_eq!(counts(resolution), (1, 0, 0, 0, 0));
    assert_eq!(resolution.p50(), Some(hours(2)));
    // The reply to the reopening email met its next response after 30m.
    let nr = tally(&report, Metric::NextResponse, "frontline");
    assert_eq!(counts(nr), (1, 0, 0, 0, 0));
    assert_eq!(nr.p50(), Some(TimeDelta::minutes(30)));
}
