//! Priority changes: live clocks take the new priority's targets, keeping
//! the business time they have used and their pauses; a clock the new target
//! leaves overdue breaches at the change (as Zendesk re-targets a ticket's
//! SLA when its priority changes and shows the breach at once).
//!
//! The desk in these examples is open Monday to Friday 09:00-17:00 UTC;
//! 2021-03-01 was a Monday.

mod support;

use chrono::TimeDelta;
use escalate::sla::{ClockId, ClockState, Match, Metric, MetricPolicy, Target, Threshold, Within};
use escalate::{Actor, CommandKind, EventKind, Priority, Refusal, ResponseKind};
use support::{Story, bare, cal, day, hours, mon, sam};

fn within(h: i64) -> Target {
    Target::new(Within::Time(hours(h)), cal("business"))
}

fn when(priority: Priority) -> Match {
    Match {
        priority: Some(priority),
        ..Match::default()
    }
}

/// First response: 8 business hours, 4 when high, 1 when urgent, warned at
/// 75%. Resolution: 16 business hours, 8 when high, 4 when urgent, and no
/// target at low priority.
fn desk() -> escalate::policy::Policy {
    let first = MetricPolicy::new(Metric::FirstResponse, within(8))
        .with_rule(when(Priority::Urgent), within(1))
        .with_rule(when(Priority::High), within(4))
        .with_warning(Threshold::Percent(75));
    let mut resolution = MetricPolicy::new(Metric::Resolution, within(16))
        .with_rule(when(Priority::Urgent), within(4))
        .with_rule(when(Priority::High), within(8))
        .with_rule(when(Priority::Normal), within(16));
    resolution.fallback = None;
    bare()
        .with_sla(first)
        .unwrap()
        .with_sla(resolution)
        .unwrap()
}

fn change(priority: Priority) -> CommandKind {
    CommandKind::ChangePriority { priority }
}

/// What the command made, without the actor and the command's own event.
fn retargets(events: &[escalate::Event]) -> Vec<(chrono::DateTime<chrono::Utc>, EventKind)> {
    events
        .iter()
        .filter(|e| !matches!(e.kind(), EventKind::PriorityChanged { .. }))
        .map(|e| (e.at(), e.kind().clone()))
        .collect()
}

const FIRST: ClockId = ClockId::new(1);
const RESOLUTION: ClockId = ClockId::new(2);

#[test]
fn a_shorter_target_keeps_the_time_used_and_moves_the_due_instant() {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    // 8 business hours from Monday 09:00 end at Monday's close: due as the
    // desk opens again, Tuesday 09:00.
    assert_eq!(s.case.clock(FIRST).unwrap().due(), Some(day(2, 9, 0)));
    // An hour in, the case becomes high: 4 hours to first response, 1 used.
    let events = s.run(mon(10, 0), Actor::System, change(Priority::High));
    assert_eq!(
        events[0].kind(),
        &EventKind::PriorityChanged {
            priority: Priority::High
        }
    );
    assert_eq!(
        retargets(&events),
        [
            (
                mon(10, 0),
                EventKind::ClockRetargeted {
                    clock: FIRST,
                    target: hours(4),
                    calendar: cal("business"),
                    consumed: hours(1),
                    due: Some(mon(13, 0)),
                }
            ),
            (
                mon(10, 0),
                EventKind::ClockRetargeted {
                    clock: RESOLUTION,
                    target: hours(8),
                    calendar: cal("business"),
                    consumed: hours(1),
                    due: Some(day(2, 9, 0)),
                }
            ),
        ]
    );
    assert_eq!(s.case.priority(), Priority::High);
    // 75% of the new 4 hours is used at 12:00, not at 75% of the old 8.
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(12, 0)));
    let warned = s.tick(mon(12, 30));
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].at(), mon(12, 0));
    // Answered at 12:30: met, 3.5 business hours used in all.
    s.respond(mon(12, 30), ResponseKind::Answer);
    assert!(matches!(
        s.case.clock(FIRST).unwrap().state(),
        ClockState::Stopped { consumed, late_by: None, .. } if consumed == TimeDelta::minutes(210)
    ));
}

#[test]
fn a_change_that_leaves_a_clock_overdue_breaches_it_at_the_change() {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    // 2.5 business hours in, the case becomes urgent: first response had 1 hour.
    let events = s.run(mon(11, 30), Actor::System, change(Priority::Urgent));
    assert_eq!(
        retargets(&events),
        [
            (
                mon(11, 30),
                EventKind::ClockRetargeted {
                    clock: FIRST,
                    target: hours(1),
                    calendar: cal("business"),
                    consumed: TimeDelta::minutes(150),
                    due: Some(mon(11, 30)),
                }
            ),
            (
                mon(11, 30),
                EventKind::SlaWarned {
                    clock: FIRST,
                    threshold: Threshold::Percent(75)
                }
            ),
            (mon(11, 30), EventKind::SlaBreached { clock: FIRST }),
            (
                mon(11, 30),
                EventKind::ClockRetargeted {
                    clock: RESOLUTION,
                    target: hours(4),
                    calendar: cal("business"),
                    consumed: TimeDelta::minutes(150),
                    due: Some(mon(13, 0)),
                }
            ),
        ]
    );
    assert_eq!(
        s.case.clock(FIRST).unwrap().breached_at(),
        Some(mon(11, 30))
    );
    // Nothing more is due for the first response; the resolution is due at 13:00.
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(13, 0)));
    assert!(s.tick(mon(12, 0)).is_empty());
    // Answered at 12:00: met 30 business minutes late.
    s.respond(mon(12, 0), ResponseKind::Answer);
    assert_eq!(
        s.case.clock(FIRST).unwrap().lateness(),
        Some(TimeDelta::minutes(30))
    );
}

#[test]
fn a_paused_clock_takes_the_new_target_and_stays_paused() {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    s.assign(mon(9, 30), sam());
    s.respond(mon(10, 0), ResponseKind::Answer);
    s.run(
        mon(11, 0),
        Actor::Agent(sam()),
        CommandKind::WaitOnCustomer {
            reason: "a photo of the label".into(),
        },
    );
    // While waiting, the case becomes urgent: 4 hours, 2 used, still paused.
    let events = s.run(mon(14, 0), Actor::Agent(sam()), change(Priority::Urgent));
    assert_eq!(
        retargets(&events),
        [(
            mon(14, 0),
            EventKind::ClockRetargeted {
                clock: RESOLUTION,
                target: hours(4),
                calendar: cal("business"),
                consumed: hours(2),
                due: None,
            }
        )]
    );
    let resolution = s.case.clock(RESOLUTION).unwrap();
    assert!(
        matches!(resolution.state(), ClockState::Paused { consumed, .. } if consumed == hours(2))
    );
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    // The customer answers Tuesday 09:00: 2 hours left, due 11:00.
    s.contact(day(2, 9, 0), escalate::Channel::Email);
    assert_eq!(s.case.clock(RESOLUTION).unwrap().due(), Some(day(2, 11, 0)));
}

#[test]
fn a_metric_without_a_target_at_the_new_priority_stops_and_an_unchanged_one_is_left() {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    let events = s.run(mon(10, 0), Actor::System, change(Priority::Low));
    // First response is 8 hours at low as at normal: untouched. Resolution
    // has no target at low: its clock stops, met by no one, not late.
    assert_eq!(
        retargets(&events),
        [(
            mon(10, 0),
            EventKind::ClockStopped {
                clock: RESOLUTION,
                consumed: hours(1),
                late_by: None,
            }
        )]
    );
    assert_eq!(s.case.clock(FIRST).unwrap().due(), Some(day(2, 9, 0)));
}

#[test]
fn an_unchanged_priority_and_a_customer_are_refused() {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    s.now = mon(10, 0);
    let refusal = s.refused(Actor::System, change(Priority::Normal));
    assert_eq!(
        refusal,
        Refusal::PriorityUnchanged {
            priority: Priority::Normal
        }
    );
    assert_eq!(refusal.to_string(), "the case's priority is normal already");
    let refusal = s.refused(Actor::Customer, change(Priority::Urgent));
    assert!(
        matches!(refusal, Refusal::CustomerNotAllowed { .. }),
        "{refusal}"
    );
}

#[test]
fn the_change_and_the_retarget_read_in_json_and_in_the_timeline() {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    let events = s.run(mon(10, 0), Actor::System, change(Priority::High));
    assert_eq!(
        serde_json::to_string(events[0].kind()).unwrap(),
        r#"{"type":"priority_changed","priority":"high"}"#
    );
    assert_eq!(
        serde_json::to_string(events[1].kind()).unwrap(),
        r#"{"type":"clock_retargeted","clock":1,"target_seconds":14400,"calendar":"business","consumed_seconds":3600,"due":"2021-03-01T13:00:00Z"}"#
    );
    let timeline = s.timeline();
    assert!(
        timeline.contains("changed the priority to high"),
        "{timeline}"
    );
    assert!(
        timeline.contains(
            "clock #1 (first response) retargeted to 4h on the business calendar, 1h used: due"
        ),
        "{timeline}"
    );
}

#[test]
fn a_clock_breached_already_stays_late_from_its_due_instant() {
    let always = |h| {
        Target::new(
            Within::Time(hours(h)),
            escalate::sla::CalendarName::always(),
        )
    };
    let first = MetricPolicy::new(Metric::FirstResponse, always(8))
        .with_rule(when(Priority::High), always(4))
        .with_rule(when(Priority::Low), always(24));
    let mut s = Story::new(bare().with_sla(first).unwrap());
    s.open(mon(0, 0));
    s.tick(mon(9, 0));
    assert_eq!(s.case.clock(FIRST).unwrap().breached_at(), Some(mon(8, 0)));
    // Made high at 10:00: the 4-hour target was used up at 04:00, but the
    // breach at 08:00 stands and is not recorded again.
    let events = s.run(mon(10, 0), Actor::System, change(Priority::High));
    assert_eq!(
        retargets(&events),
        [(
            mon(10, 0),
            EventKind::ClockRetargeted {
                clock: FIRST,
                target: hours(4),
                calendar: escalate::sla::CalendarName::always(),
                consumed: hours(10),
                due: Some(mon(8, 0)),
            }
        )]
    );
    // Made low (24 hours) at 11:00: still breached, still late from 08:00.
    s.run(mon(11, 0), Actor::System, change(Priority::Low));
    s.respond(mon(12, 0), ResponseKind::Answer);
    assert_eq!(s.case.clock(FIRST).unwrap().lateness(), Some(hours(4)));
}
