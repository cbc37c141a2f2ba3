//! Rules in time: delays counted from the condition, the level or the opening
//! on a business calendar, bounded repeats, disarming, and work that rules
//! start inside a command or a tick.

mod support;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use escalate::policy::Call;
use escalate::policy::{Action, Condition, Delay, DelayFrom, Policy, Rule};
use escalate::sla::Within;
use escalate::{Actor, Case, Channel, CommandKind, EventKind, Origin, Outcome, ResponseKind};
use support::cal;
use support::{
    Story, agent, bare, day, fired, hours, mon, recommended_in_new_york, review, rule_events, sam,
    with_rules,
};

/// Rule `late`: a review while a contact is unanswered, `after` from `from` on `business`, repeated up to `repeat` times.
fn delayed(from: DelayFrom, after: Within, repeat: u32) -> Rule {
    Rule::new("late", Condition::Unanswered, [Action::RequireReview]).with_delay(
        Delay {
            after,
            from,
            calendar: cal("business"),
        },
        repeat,
    )
}

/// Rule `late` armed at `at`.
fn armed(at: DateTime<Utc>) -> (DateTime<Utc>, EventKind) {
    (
        at,
        EventKind::RuleArmed {
            rule: "late".into(),
        },
    )
}

/// Rule `late` disarmed at `at`.
fn disarmed(at: DateTime<Utc>) -> (DateTime<Utc>, EventKind) {
    (
        at,
        EventKind::RuleDisarmed {
            rule: "late".into(),
        },
    )
}

/// Rule `late` firing at `at`, and its review.
fn late_fired(at: DateTime<Utc>) -> [(DateTime<Utc>, EventKind); 2] {
    [
        (at, fired("late", &Condition::Unanswered)),
        (at, review("late")),
    ]
}

/// Opened under `policy` by a store's referral at Monday 09:00 (nothing
/// unanswered), then the customer writes by email at `at`.
#[track_caller]
fn referred_then_written(policy: Policy, at: DateTime<Utc>) -> Story {
    let mut s = Story::new(policy);
    s.open_by(
        mon(9, 0),
        Origin::Referral {
            from: "store".into(),
        },
    );
    s.contact(at, Channel::Email);
    s
}

#[test]
fn a_delayed_rule_from_its_condition_fires_at_business_instants_and_repeats_a_bounded_number_of_times()
 {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Condition, Within::Time(hours(2)), 1)],
    );
    let mut s = Story::new(policy);
    s.open(mon(16, 0)); // unanswered from Monday 16:00
    assert_eq!(rule_events(&s.log), [armed(mon(16, 0))]);
    // 1 business hour on Monday, 1 on Tuesday: Tuesday 10:00, then 12:00.
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(2, 10, 0)));
    assert_eq!(s.tick(day(2, 9, 59)), []);
    let first = s.tick(day(2, 11, 0));
    assert_eq!(rule_events(&first), late_fired(day(2, 10, 0)));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(2, 12, 0)));
    let second = s.tick(day(5, 0, 0));
    assert_eq!(rule_events(&second), late_fired(day(2, 12, 0)));
    // Repeated once: done.
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(12, 0, 0)), []);
    // An answer disarms it.
    let answered = s.respond(day(12, 9, 0), ResponseKind::Answer);
    assert_eq!(rule_events(&answered), [disarmed(day(12, 9, 0))]);
    assert_eq!(Case::replay(s.log.clone()).unwrap(), s.case);
}

#[test]
fn a_delayed_rule_is_disarmed_when_its_condition_stops_holding() {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Condition, Within::Time(hours(2)), 3)],
    );
    let mut s = Story::new(policy.clone());
    s.open(mon(16, 0));
    let answered = s.respond(day(2, 9, 30), ResponseKind::Answer);
    assert_eq!(rule_events(&answered), [disarmed(day(2, 9, 30))]);
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(9, 0, 0)), []);
    // Unanswered again from Tuesday 10:00: armed anew, due Tuesday 12:00.
    let again = s.contact(day(2, 10, 0), Channel::Email);
    assert_eq!(rule_events(&again), [armed(day(2, 10, 0))]);
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(2, 12, 0)));
    // Closing disarms it too, and nothing fires after.
    let closed = s.run(
        day(2, 11, 0),
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
    );
    assert_eq!(rule_events(&closed), [disarmed(day(2, 11, 0))]);
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(9, 0, 0)), []);
}

#[test]
fn a_delayed_rule_from_the_level_counts_from_the_last_assignment_or_escalation() {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Level, Within::Time(hours(2)), 1)],
    );
    let mut s = Story::new(policy.clone());
    s.open(mon(9, 0)); // armed at 09:00
    s.assign(mon(9, 30), sam()); // level from 09:30
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(11, 30)));
    let first = s.tick(mon(11, 45));
    assert_eq!(rule_events(&first), late_fired(mon(11, 30)));
    s.run(
        mon(12, 0),
        Actor::System,
        CommandKind::Escalate {
            to: agent("max", "supervisor"),
            reason: "slow".into(),
        },
    );
    // The repeat counts from the new level: 12:00 + 2h.
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(14, 0)));
    let second = s.tick(day(3, 0, 0));
    assert_eq!(rule_events(&second), late_fired(mon(14, 0)));
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    // A case with no owner yet is at the level it was opened at: opened by a
    // referral at 09:00, unanswered from 10:00, due at 11:00.
    let mut s = referred_then_written(policy, mon(10, 0));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(11, 0)));
    assert_eq!(rule_events(&s.tick(mon(12, 0))), late_fired(mon(11, 0)));
}

#[test]
fn a_delayed_rule_from_opening() {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Opening, Within::Time(hours(3)), 0)],
    );
    // Opened by a referral (nothing unanswered) at 09:00; the customer
    // writes at 10:00: due at opening + 3 business hours = 12:00.
    let mut s = referred_then_written(policy.clone(), mon(10, 0));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(12, 0)));
    assert_eq!(rule_events(&s.tick(day(3, 0, 0))), late_fired(mon(12, 0)));
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(4, 0, 0)), []);
    // The customer writes only at 13:00, after the delay has run out: the
    // rule fires when its condition starts to hold, never before, and once.
    let mut s = referred_then_written(policy, mon(13, 0));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(13, 0)));
    assert_eq!(rule_events(&s.tick(mon(14, 0))), late_fired(mon(13, 0)));
    assert_eq!(s.tick(mon(15, 0)), []);
    assert_eq!(s.tick(day(4, 0, 0)), []);
    assert_eq!(s.case.next_wakeup(&s.policy), None);
}

#[test]
fn a_call_required_by_the_command_that_starts_a_clock_gets_its_own_clock() {
    // The third contact starts a next-response clock and, by rule, a
    // promise's clock: two clocks, two ids.
    let mut s = Story::new(recommended_in_new_york());
    let start = Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0).unwrap();
    s.open(start);
    s.contact(start + TimeDelta::minutes(1), Channel::Email);
    s.respond(start + TimeDelta::minutes(2), ResponseKind::Answer);
    s.contact(start + TimeDelta::minutes(3), Channel::Email);
    let ids: Vec<_> = s
        .case
        .clocks()
        .iter()
        .map(escalate::sla::SlaClock::id)
        .collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().map(|id| id.get()).collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    // Everything fires once, then nothing is left.
    s.tick(start + TimeDelta::days(30));
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(start + TimeDelta::days(31)), []);
}

#[test]
fn work_a_rule_starts_in_a_tick_is_done_in_the_same_tick() {
    // A contact unanswered for a business hour requires a call within the
    // next hour: a delayed rule, fired by a tick. That call, unkept, breaks,
    // and a second rule escalates on it. One late tick and a tick every half
    // hour give the same log: the call, its breach and the escalation in
    // their places. (A broken call requiring another call would never end:
    // such a policy is refused at load.)
    let policy = with_rules(
        bare(),
        [
            Rule::new(
                "call",
                Condition::Unanswered,
                [Action::RequireCall(Call::new(Within::Time(hours(1))))],
            )
            .with_delay(
                Delay {
                    after: Within::Time(hours(1)),
                    from: DelayFrom::Condition,
                    calendar: cal("business"),
                },
                0,
            ),
            Rule::new(
                "escalate",
                Condition::PromiseBroken,
                [Action::EscalateTo(agent("x", "supervisor").tier().clone())],
            ),
        ],
    );
    let story = |ticks: &[DateTime<Utc>]| {
        let mut s = Story::new(policy.clone());
        s.open(mon(9, 0));
        for t in ticks {
            s.tick(*t);
        }
        (s.case, s.log)
    };
    let late = story(&[mon(16, 30)]);
    let every_half_hour: Vec<_> = (0..15)
        .map(|i| mon(9, 30) + TimeDelta::minutes(30 * i))
        .collect();
    assert_eq!(story(&every_half_hour), late);
    let firings: Vec<_> = late
        .1
        .iter()
        .filter_map(|e| match e.kind() {
            EventKind::RuleFired { rule, .. } => Some((rule.as_str().to_owned(), e.at())),
            _ => None,
        })
        .collect();
    assert_eq!(
        firings,
        [
            ("call".to_owned(), mon(10, 0)),
            ("escalate".to_owned(), mon(11, 0)),
        ]
    );
    assert!(
        late.1
            .iter()
            .any(|e| matches!(e.kind(), EventKind::SlaBreached { .. }) && e.at() == mon(11, 0))
    );
    assert_eq!(late.0.next_wakeup(&policy), None);
}
