//! Tier clocks (an operational-level agreement, Zendesk's group SLA): how
//! long a case stays owned at one tier. A clock starts when the case gets
//! an owner or its owner changes tier, for the new owner's tier, and stops
//! when the tier changes again, or the case is resolved or closed.
//!
//! The desk in these examples is open Monday to Friday 09:00-17:00 UTC;
//! 2021-03-01 was a Monday. Frontline must hand a case on within 2
//! business hours, every other tier within 4, each warned at 75%.

mod support;

use chrono::TimeDelta;
use escalate::policy::{Action, Condition, PauseName, PauseReason, Policy, Rule};
use escalate::sla::{ClockId, ClockState, Match, Metric, MetricPolicy, Target, Threshold, Within};
use escalate::{
    Actor, Channel, CommandKind, EventKind, Priority, ResponseKind, SlaReport, Snapshot,
};
use support::{HEAD, Story, agent, bare, cal, contact, day, hours, kim, mon, sam, tier};

fn within(h: i64) -> Target {
    Target::new(Within::Time(hours(h)), cal("business"))
}

fn at_tier(name: &str) -> Match {
    Match {
        tier: Some(tier(name)),
        ..Match::default()
    }
}

/// Frontline within 2 business hours, the other tiers within 4; 75% warnings.
fn ola() -> MetricPolicy {
    MetricPolicy::new(Metric::TierOwnership, within(4))
        .with_rule(at_tier("frontline"), within(2))
        .with_warning(Threshold::Percent(75))
}

fn desk() -> Policy {
    bare().with_sla(ola()).unwrap()
}

fn dana() -> escalate::Agent {
    agent("dana", "supervisor")
}

fn escalate_to(to: escalate::Agent) -> CommandKind {
    CommandKind::Escalate {
        to,
        reason: "needs a supervisor".into(),
    }
}

/// The clock events among `events`, with their instants.
fn clock_events(events: &[escalate::Event]) -> Vec<(chrono::DateTime<chrono::Utc>, EventKind)> {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind(),
                EventKind::ClockStarted { .. }
                    | EventKind::ClockStopped { .. }
                    | EventKind::ClockRetargeted { .. }
                    | EventKind::ClockPaused { .. }
                    | EventKind::ClockResumed { .. }
                    | EventKind::SlaWarned { .. }
                    | EventKind::SlaBreached { .. }
            )
        })
        .map(|e| (e.at(), e.kind().clone()))
        .collect()
}

fn started(
    clock: u32,
    tier_name: &str,
    target: i64,
    due: chrono::DateTime<chrono::Utc>,
) -> EventKind {
    EventKind::ClockStarted {
        clock: ClockId::new(clock),
        metric: Metric::TierOwnership,
        promise: None,
        channel: Some(Channel::Email),
        tier: Some(tier(tier_name)),
        target: hours(target),
        calendar: cal("business"),
        due: Some(due),
    }
}

fn stopped(clock: u32, consumed: TimeDelta, late_by: Option<TimeDelta>) -> EventKind {
    EventKind::ClockStopped {
        clock: ClockId::new(clock),
        consumed,
        late_by,
    }
}

/// Opened by an email at Monday 08:00 (before opening), assigned to sam
/// (frontline) at 09:00: frontline's clock runs, due 11:00.
fn assigned_at_nine(policy: Policy) -> Story {
    let mut s = Story::new(policy);
    s.open(mon(8, 0));
    assert!(
        s.case.clocks().is_empty(),
        "an unowned case has no tier clock"
    );
    s.assign(mon(9, 0), sam());
    assert_eq!(
        clock_events(&s.log),
        [(mon(9, 0), started(1, "frontline", 2, mon(11, 0)))]
    );
    s
}

#[test]
fn an_escalation_meets_frontlines_clock_and_starts_the_supervisors() {
    let mut s = assigned_at_nine(desk());
    // Frontline's 75% warning falls at 10:30 (1.5 of 2 hours), the instant
    // sam escalates: it fires, and the escalation meets the clock on time.
    let events = s.run(mon(10, 30), Actor::Agent(sam()), escalate_to(dana()));
    assert_eq!(
        clock_events(&events),
        [
            (
                mon(10, 30),
                EventKind::SlaWarned {
                    clock: ClockId::new(1),
                    threshold: Threshold::Percent(75),
                }
            ),
            (mon(10, 30), stopped(1, TimeDelta::minutes(90), None)),
            (mon(10, 30), started(2, "supervisor", 4, mon(14, 30))),
        ]
    );
    let supervisor = s.case.clock(ClockId::new(2)).unwrap();
    assert_eq!(supervisor.tier(), Some(&tier("supervisor")));
    assert!(matches!(supervisor.state(), ClockState::Running { .. }));
    // The supervisor's warning: 3 of 4 business hours, at 13:30.
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(13, 30)));
}

#[test]
fn a_frontline_that_holds_on_breaches_at_eleven_and_a_rule_escalates() {
    let breach = Condition::SlaBreach(Metric::TierOwnership);
    let policy = desk()
        .with_rule(Rule::new(
            "frontline held too long",
            breach.clone(),
            vec![Action::EscalateOneTier],
        ))
        .unwrap();
    let mut s = assigned_at_nine(policy);
    let events = s.tick(mon(12, 0));
    let kinds: Vec<_> = events.iter().map(|e| (e.at(), e.kind().clone())).collect();
    assert_eq!(
        kinds,
        [
            (
                mon(10, 30),
                EventKind::SlaWarned {
                    clock: ClockId::new(1),
                    threshold: Threshold::Percent(75),
                }
            ),
            (
                mon(11, 0),
                EventKind::SlaBreached {
                    clock: ClockId::new(1)
                }
            ),
            (
                mon(11, 0),
                support::fired("frontline held too long", &breach)
            ),
            (
                mon(11, 0),
                EventKind::EscalationRequired {
                    rule: "frontline held too long".into(),
                    tier: tier("supervisor"),
                }
            ),
        ]
    );
    // Dana takes the case at 11:15: frontline's clock was 15 minutes late.
    let events = s.run(mon(11, 15), Actor::System, escalate_to(dana()));
    assert_eq!(
        clock_events(&events),
        [
            (
                mon(11, 15),
                stopped(1, TimeDelta::minutes(135), Some(TimeDelta::minutes(15)))
            ),
            (mon(11, 15), started(2, "supervisor", 4, mon(15, 15))),
        ]
    );
}

#[test]
fn a_handoff_within_the_tier_keeps_the_clock_and_one_across_tiers_restarts_it() {
    let mut s = assigned_at_nine(desk());
    s.run(
        mon(9, 30),
        Actor::Agent(sam()),
        CommandKind::HandOff { to: kim() },
    );
    let events = s.run(mon(9, 45), Actor::Agent(kim()), CommandKind::AcceptHandoff);
    assert_eq!(clock_events(&events), []);
    assert_eq!(s.case.owner(), Some(&kim()));
    let frontline = s.case.clock(ClockId::new(1)).unwrap();
    assert!(matches!(frontline.state(), ClockState::Running { .. }));
    assert_eq!(frontline.due(), Some(mon(11, 0)));
    // Kim hands it to dana, a supervisor, who accepts at 10:00.
    s.run(
        mon(9, 50),
        Actor::Agent(kim()),
        CommandKind::HandOff { to: dana() },
    );
    let events = s.run(mon(10, 0), Actor::Agent(dana()), CommandKind::AcceptHandoff);
    assert_eq!(
        clock_events(&events),
        [
            (mon(10, 0), stopped(1, hours(1), None)),
            (mon(10, 0), started(2, "supervisor", 4, mon(14, 0))),
        ]
    );
}

#[test]
fn resolving_stops_the_clock_and_reopening_starts_one_for_the_owners_tier() {
    let mut s = assigned_at_nine(desk());
    let events = s.resolve(mon(10, 0));
    assert_eq!(
        clock_events(&events),
        [(mon(10, 0), stopped(1, hours(1), None))]
    );
    assert!(s.case.next_wakeup(&s.policy).is_none());
    // The customer writes back at 16:00: a new cycle for sam's tier, due
    // Tuesday 10:00 (1 business hour Monday, 1 Tuesday).
    let events = s.run(
        mon(16, 0),
        Actor::Customer,
        contact(Channel::Email, "still broken"),
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind(), EventKind::Reopened))
    );
    assert_eq!(
        clock_events(&events),
        [(mon(16, 0), started(2, "frontline", 2, day(2, 10, 0)))]
    );
}

#[test]
fn closing_stops_it_and_a_priority_change_retargets_it_for_its_tier() {
    // Urgent cases leave frontline within 1 business hour.
    let urgent = Match {
        priority: Some(Priority::Urgent),
        ..at_tier("frontline")
    };
    let mut metric = ola();
    metric.targets.insert(
        0,
        escalate::sla::TargetRule {
            when: urgent,
            target: within(1),
        },
    );
    let mut s = assigned_at_nine(bare().with_sla(metric).unwrap());
    // At 10:15 the case becomes urgent: frontline's clock, 1h15m used, is
    // past its new 1-hour target: it warns and breaches at the change.
    let events = s.run(
        mon(10, 15),
        Actor::System,
        CommandKind::ChangePriority {
            priority: Priority::Urgent,
        },
    );
    assert_eq!(
        clock_events(&events),
        [
            (
                mon(10, 15),
                EventKind::ClockRetargeted {
                    clock: ClockId::new(1),
                    target: hours(1),
                    calendar: cal("business"),
                    consumed: TimeDelta::minutes(75),
                    due: Some(mon(10, 15)),
                }
            ),
            (
                mon(10, 15),
                EventKind::SlaWarned {
                    clock: ClockId::new(1),
                    threshold: Threshold::Percent(75),
                }
            ),
            (
                mon(10, 15),
                EventKind::SlaBreached {
                    clock: ClockId::new(1)
                }
            ),
        ]
    );
    // Closing stops it, late by 15 minutes.
    let events = s.run(
        mon(10, 30),
        Actor::System,
        CommandKind::Close {
            outcome: escalate::Outcome::Retained,
            review: None,
        },
    );
    assert_eq!(
        clock_events(&events),
        [(
            mon(10, 30),
            stopped(1, TimeDelta::minutes(90), Some(TimeDelta::minutes(15)))
        )]
    );
}

#[test]
fn a_pause_reason_that_names_it_pauses_it() {
    let scheduled = PauseReason::new(
        PauseName::new("scheduled").unwrap(),
        [Metric::TierOwnership],
    );
    let mut s = assigned_at_nine(desk().with_pause(scheduled).unwrap());
    // A pause waits for the customer's contact to be answered.
    s.respond(mon(9, 30), ResponseKind::Answer);
    let events = s.run(
        mon(10, 0),
        Actor::Agent(sam()),
        CommandKind::Pause {
            reason: PauseName::new("scheduled").unwrap(),
            note: "the engineer comes at 14:00".into(),
            until: Some(mon(14, 0)),
        },
    );
    assert_eq!(
        clock_events(&events),
        [(
            mon(10, 0),
            EventKind::ClockPaused {
                clock: ClockId::new(1),
                consumed: hours(1),
            }
        )]
    );
    assert!(matches!(
        s.case.clock(ClockId::new(1)).unwrap().state(),
        ClockState::Paused { .. }
    ));
    // The pause ends at 14:00: one business hour left, due 15:00.
    s.tick(mon(14, 0));
    assert_eq!(
        s.case.clock(ClockId::new(1)).unwrap().due(),
        Some(mon(15, 0))
    );
}

#[test]
fn the_json_of_a_tier_clock() {
    let s = assigned_at_nine(desk());
    let json = serde_json::to_string(s.log.last().unwrap().kind()).unwrap();
    assert_eq!(
        json,
        r#"{"type":"clock_started","clock":1,"metric":"tier_ownership","channel":"email","tier":"frontline","target_seconds":7200,"calendar":"business","due":"2021-03-01T11:00:00Z"}"#
    );
    let back: EventKind = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, s.log.last().unwrap().kind());
}

#[test]
fn the_report_counts_each_clock_for_the_tier_it_measures() {
    let mut s = assigned_at_nine(desk());
    s.run(mon(10, 30), Actor::Agent(sam()), escalate_to(dana()));
    // Dana resolves at 12:30: 2 of her 4 hours.
    s.resolve(mon(12, 30));
    let report = SlaReport::from_events(&s.log).unwrap();
    let frontline = report
        .row(Metric::TierOwnership, Some(&tier("frontline")))
        .unwrap();
    assert_eq!(
        (
            frontline.tally().met(),
            frontline.tally().met_late(),
            frontline.tally().breached()
        ),
        (1, 0, 0)
    );
    assert_eq!(frontline.tally().p50(), Some(TimeDelta::minutes(90)));
    let supervisor = report
        .row(Metric::TierOwnership, Some(&tier("supervisor")))
        .unwrap();
    assert_eq!(
        (supervisor.tally().met(), supervisor.tally().clocks()),
        (1, 1)
    );
    assert_eq!(supervisor.tally().p50(), Some(hours(2)));
    assert_eq!(report.rows().len(), 2);
}

#[test]
fn a_policy_file_names_per_tier_targets() {
    let toml = format!(
        r#"{HEAD}
[calendars.business]
time_zone = "UTC"
hours = {{ mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }}

[[sla]]
metric = "tier_ownership"
targets = [{{ when = {{ tier = "frontline" }}, target = {{ within = "2h", calendar = "business" }} }}]
fallback = {{ within = "4h", calendar = "business" }}
warnings = [{{ percent = 75 }}]
"#
    );
    let policy = Policy::from_toml_str(&toml).unwrap();
    assert_eq!(policy.sla(Metric::TierOwnership), Some(&ola()));
    // A tier the policy does not name, and a tier on another metric.
    let unknown = toml.replace(r#"tier = "frontline""#, r#"tier = "frontlin""#);
    assert_eq!(
        Policy::from_toml_str(&unknown).unwrap_err().to_string(),
        r#"sla[0].targets[0].when.tier: no tier named "frontlin"; tiers are frontline, supervisor, manager"#
    );
    let other = toml.replace("tier_ownership", "resolution");
    assert_eq!(
        Policy::from_toml_str(&other).unwrap_err().to_string(),
        "sla[0].targets[0].when.tier: only tier_ownership targets may name a tier: the resolution clock measures no tier"
    );
}

#[test]
fn a_rule_with_a_tier_never_matches_a_clock_without_one() {
    let m = ola();
    let frontline = tier("frontline");
    let standard = escalate::CustomerValue::Standard;
    assert_eq!(
        m.target_for(Priority::Normal, None, standard),
        Some(&within(4))
    );
    assert_eq!(
        m.target_for_tier(Priority::Normal, None, standard, Some(&frontline)),
        Some(&within(2))
    );
}

#[test]
fn a_snapshot_with_five_counts_per_metric_still_loads() {
    let mut s = assigned_at_nine(desk());
    s.tick(mon(12, 0)); // a warning and a breach of the tier clock
    let json = serde_json::to_value(s.case.snapshot()).unwrap();
    assert_eq!(
        json["case"]["warnings"],
        serde_json::json!([0, 0, 0, 0, 0, 1])
    );
    assert_eq!(
        json["case"]["breaches"],
        serde_json::json!([0, 0, 0, 0, 0, 1])
    );
    // An older snapshot (of a case without tier clocks) holds five counts.
    let mut s = Story::new(bare());
    s.open(mon(8, 0));
    s.assign(mon(9, 0), sam());
    let now = serde_json::to_string(&s.case.snapshot()).unwrap();
    let counts = r#""warnings":[0,0,0,0,0,0],"breaches":[0,0,0,0,0,0]"#;
    assert_eq!(now.matches(counts).count(), 1, "{now}");
    let with = |text: &str| now.replace(counts, text);
    let old = with(r#""warnings":[1,0,0,2,0],"breaches":[0,0,0,1,0]"#);
    let loaded: Snapshot = serde_json::from_str(&old).unwrap();
    let back = serde_json::to_value(loaded.case()).unwrap();
    assert_eq!(back["warnings"], serde_json::json!([1, 0, 0, 2, 0, 0]));
    assert_eq!(back["breaches"], serde_json::json!([0, 0, 0, 1, 0, 0]));
    assert_eq!(loaded.version(), s.case.version());
    // Four counts, or seven, are not a snapshot any build wrote.
    for bad in [
        r#""warnings":[1,0,0,2],"breaches":[0,0,0,1,0]"#,
        r#""warnings":[1,0,0,2,0,0,0],"breaches":[0,0,0,1,0]"#,
    ] {
        let err = serde_json::from_str::<Snapshot>(&with(bad)).unwrap_err();
        assert!(
            err.to_string().contains("5 or 6 per-metric counts"),
            "{err}"
        );
    }
}
