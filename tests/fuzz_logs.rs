//! Logs at the edges: cases that made events their own `apply` refused,
//! one test each (found by fuzzing mutated logs).

use chrono::{DateTime, TimeDelta, Utc};
use escalate::policy::{Action, Call, Condition, Delay, DelayFrom, Notice, Policy, Rule};
use escalate::sla::{BusinessCalendar, CalendarName, Metric, MetricPolicy, Target, Within};
use escalate::{
    Actor, Case, Channel, Command, CommandKind, Customer, CustomerValue, Event, Origin, Priority,
    ResponseKind,
};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn cal(name: &str) -> CalendarName {
    name.parse().unwrap()
}

fn tier(name: &str) -> escalate::Tier {
    name.parse().unwrap()
}

/// 10,000 years of 365.25 days, in seconds: the longest duration an event
/// may carry.
const LONGEST: i64 = 10_000 * 31_557_600;

// ---------------------------------------------------------------------------
// What the fuzzer found, one test each: the case made events its own `apply`
// refused.

/// A policy labelled `edge` with two tiers, first-response, next-response
/// and resolution targets of `within` on `calendar`, and `rules`.
fn edge_policy(within: Within, calendar: &str, rules: Vec<Rule>) -> Policy {
    let mut p = Policy::new("edge", ["frontline", "supervisor"])
        .unwrap()
        .with_calendar(
            cal("business"),
            BusinessCalendar::builder(chrono_tz::UTC)
                .weekdays(&["09:00-17:00"])
                .build()
                .unwrap(),
        )
        .unwrap();
    for metric in [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::Resolution,
    ] {
        p = p
            .with_sla(MetricPolicy::new(
                metric,
                Target::new(within, cal(calendar)),
            ))
            .unwrap();
    }
    for rule in rules {
        p = p.with_rule(rule).unwrap();
    }
    p
}

/// The `opened` event of case `E-1` under the `edge` policy, at `at`.
fn opened_at(at: &str) -> Value {
    json!({"version": 1, "at": at, "actor": "customer", "kind": {"type": "opened", "case": "E-1",
        "customer": {"id": "cust", "value": "standard"}, "origin": {"type": "contact", "channel": "email"},
        "summary": "broken", "priority": "normal", "policy": "edge", "time_zone": "UTC"}})
}

/// The case `events` (JSON, numbered in order) replay to.
fn replayed(mut events: Vec<Value>) -> Case {
    for (i, e) in events.iter_mut().enumerate() {
        e["version"] = json!(i + 1);
    }
    Case::replay(serde_json::from_value::<Vec<Event>>(Value::Array(events)).unwrap()).unwrap()
}

/// `case` handles `kind` from `actor` at `at`; every event it returns must apply.
fn handled(
    case: &mut Case,
    policy: &Policy,
    actor: Actor,
    kind: CommandKind,
    at: &str,
) -> Vec<Event> {
    let n = case.version();
    let command = Command::new(format!("r-{n}").parse().unwrap(), actor, t(at), kind);
    let events = case.handle(policy, command, t(at)).unwrap();
    for e in &events {
        case.apply(e)
            .unwrap_or_else(|err| panic!("own event refused: {err}: {e:?}"));
    }
    events
}

/// `case` ticks at `now`; every event it returns must apply.
fn ticked(case: &mut Case, policy: &Policy, now: DateTime<Utc>) -> Vec<Event> {
    let events = case.tick(policy, now);
    for e in &events {
        case.apply(e)
            .unwrap_or_else(|err| panic!("own event refused: {err}: {e:?}"));
    }
    events
}

fn assigned_sam(at: &str) -> Value {
    json!({"version": 0, "at": at, "actor": "system", "kind": {"type": "assigned", "to": {"id": "sam", "tier": "frontline"}}})
}

/// A clock paused with the most business time an event may carry, run again
/// and stopped: the business time it used in all is more than an event may
/// carry. The stop records the most (durations in events saturate), not a
/// duration `apply` refuses.
#[test]
fn a_stop_after_ten_thousand_years_of_business_time_records_the_most_an_event_carries() {
    let policy = edge_policy(Within::Time(TimeDelta::hours(4)), "always", Vec::new());
    let mut case = replayed(vec![
        opened_at("2021-03-01T09:00:00Z"),
        json!({"version": 0, "at": "2021-03-01T09:00:00Z", "actor": "system", "kind": {"type": "clock_started",
            "clock": 1, "metric": "next_response", "target_seconds": 14_400, "calendar": "always", "due": "2021-03-01T13:00:00Z"}}),
        assigned_sam("2021-03-01T09:30:00Z"),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "awaiting_customer", "reason": "photos"}}),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "clock_paused",
            "clock": 1, "consumed_seconds": LONGEST}}),
    ]);
    let contact = CommandKind::Contact {
        channel: Channel::Email,
        note: "here they are".into(),
    };
    handled(
        &mut case,
        &policy,
        Actor::Customer,
        contact,
        "2021-03-01T11:00:00Z",
    );
    let reply = CommandKind::Respond {
        channel: Channel::Email,
        note: "thanks".into(),
        kind: ResponseKind::Answer,
    };
    handled(
        &mut case,
        &policy,
        Actor::System,
        reply,
        "2021-03-01T12:00:00Z",
    );
    let clock = case.clocks().first().unwrap();
    assert!(
        matches!(clock.state(), escalate::sla::ClockState::Stopped { consumed, .. } if consumed == TimeDelta::seconds(LONGEST))
    );
}

/// A paused clock with a target of 10,000 years runs again: its due instant
/// would be after 9999. The clock runs without one (it never breaches), as
/// on a calendar that cannot supply the time.
#[test]
fn a_clock_resumed_with_a_due_instant_after_9999_is_never_due() {
    let policy = edge_policy(Within::Time(TimeDelta::hours(4)), "always", Vec::new());
    let mut case = replayed(vec![
        opened_at("2021-03-01T09:00:00Z"),
        json!({"version": 0, "at": "2021-03-01T09:00:00Z", "actor": "system", "kind": {"type": "clock_started",
            "clock": 1, "metric": "next_response", "target_seconds": LONGEST, "calendar": "always", "due": "9999-12-31T23:59:59Z"}}),
        assigned_sam("2021-03-01T09:30:00Z"),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "awaiting_customer", "reason": "photos"}}),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "clock_paused",
            "clock": 1, "consumed_seconds": 3_600}}),
    ]);
    let contact = CommandKind::Contact {
        channel: Channel::Email,
        note: "here they are".into(),
    };
    let events = handled(
        &mut case,
        &policy,
        Actor::Customer,
        contact,
        "2021-03-01T11:00:00Z",
    );
    assert!(
        events.iter().any(|e| matches!(
            e.kind(),
            escalate::EventKind::ClockResumed { due: None, .. }
        )),
        "{events:?}"
    );
    assert_eq!(case.clocks()[0].due(), None);
    assert_eq!(case.next_wakeup(&policy), None);
}

/// A delayed rule armed an hour before the end of 9999 would fire after
/// it: it never fires, as when its calendar cannot supply the delay.
#[test]
fn a_delayed_rule_due_after_9999_never_fires() {
    let rule = Rule::new(
        "nobody took it",
        Condition::Unowned,
        [Action::RequireOwner(tier("supervisor"))],
    )
    .with_delay(
        Delay {
            after: Within::Time(TimeDelta::hours(2)),
            from: DelayFrom::Condition,
            calendar: CalendarName::always(),
        },
        0,
    );
    let policy = edge_policy(Within::Time(TimeDelta::hours(4)), "always", vec![rule]);
    let mut case = replayed(vec![
        opened_at("9999-12-31T23:00:00Z"),
        json!({"version": 0, "at": "9999-12-31T23:00:00Z", "actor": "system", "kind": {"type": "rule_armed", "rule": "nobody took it"}}),
    ]);
    assert_eq!(case.next_wakeup(&policy), None);
    assert!(ticked(&mut case, &policy, DateTime::<Utc>::MAX_UTC).is_empty());
}

/// A breach at 23:30 on the last day of 9999 fires a rule whose notice and
/// call would be due after 9999: they are recorded without a due instant.
#[test]
fn a_notice_and_a_call_due_after_9999_have_no_due_instant() {
    let rule = Rule::new(
        "late",
        Condition::SlaBreach(Metric::FirstResponse),
        [
            Action::Notify(Notice {
                who: "lead".into(),
                why: "late".into(),
                within: Some(Within::Time(TimeDelta::hours(24))),
            }),
            Action::RequireCall(Call::new(Within::Time(TimeDelta::hours(2)))),
        ],
    );
    let policy = edge_policy(Within::Time(TimeDelta::hours(1)), "always", vec![rule]);
    let mut case = replayed(vec![
        opened_at("9999-12-31T22:30:00Z"),
        json!({"version": 0, "at": "9999-12-31T22:30:00Z", "actor": "system", "kind": {"type": "clock_started",
            "clock": 1, "metric": "first_response", "target_seconds": 3_600, "calendar": "always", "due": "9999-12-31T23:30:00Z"}}),
    ]);
    let events = ticked(&mut case, &policy, DateTime::<Utc>::MAX_UTC);
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind(), escalate::EventKind::Notified { by: None, .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind(), escalate::EventKind::PromiseMade { due: None, .. })),
        "{events:?}"
    );
    assert_eq!(case.promises()[0].due(), None);
}

/// Ten years of business time on a weekday calendar from a command in 9989:
/// the clock would be due long after 9999. A valid command under a valid
/// policy; the clock starts without a due instant.
#[test]
fn a_clock_due_after_9999_starts_without_a_due_instant() {
    let policy = edge_policy(
        Within::Time(TimeDelta::hours(87_600)),
        "business",
        Vec::new(),
    );
    let mut case = Case::new("E-1".parse().unwrap());
    let open = CommandKind::Open {
        customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
        origin: Origin::Contact {
            channel: Channel::Email,
        },
        summary: "broken".into(),
        priority: Priority::Normal,
    };
    handled(
        &mut case,
        &policy,
        Actor::Customer,
        open,
        "9989-06-01T12:00:00Z",
    );
    assert!(!case.clocks().is_empty());
    assert!(case.clocks().iter().all(|c| c.due().is_none()));
}

/// Two clocks with one number: events name a clock by its number, so the
/// first could never be warned, breached or stopped, and every tick warned it
/// again (under a rule requiring a call on a breach, a tick made 64 rounds
/// of calls at one instant). A clock that does not take the case's next
/// number is refused, as a version out of sequence is.
#[test]
fn a_clock_numbered_out_of_sequence_is_refused() {
    let started = |at: &str, clock: u32, metric: &str| {
        json!({"version": 0, "at": at, "actor": "system", "kind": {"type": "clock_started", "clock": clock,
            "metric": metric, "target_seconds": 3_600, "calendar": "always", "due": "2021-03-01T10:00:00Z"}})
    };
    let log = |numbers: [u32; 2]| {
        let mut events = vec![
            opened_at("2021-03-01T09:00:00Z"),
            started("2021-03-01T09:00:00Z", numbers[0], "resolution"),
            started("2021-03-01T09:10:00Z", numbers[1], "next_response"),
        ];
        for (i, e) in events.iter_mut().enumerate() {
            e["version"] = json!(i + 1);
        }
        serde_json::from_value::<Vec<Event>>(Value::Array(events)).unwrap()
    };
    assert!(Case::replay(log([1, 2])).is_ok());
    let err = Case::replay(log([1, 1])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event 2: clock #1 does not take the case's next number: expected clock #2"
    );
    let mut case = Case::replay(log([1, 2])[..2].to_vec()).unwrap();
    let gap = log([1, 3]).pop().unwrap();
    let before = case.clone();
    assert_eq!(
        case.apply(&gap).unwrap_err().to_string(),
        "clock #3 does not take the case's next number: expected clock #2"
    );
    assert_eq!(case, before);
}
