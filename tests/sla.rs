//! SLA clocks wired into the case: worked examples and the law that every
//! warning and breach fires exactly once, however `tick` is called.

mod support;

use chrono::{TimeDelta, TimeZone, Utc};
use chrono_tz::America::{Los_Angeles, New_York};
use escalate::policy::{Action, Call, Condition, Policy, Rule};
use escalate::sla::{
    BusinessCalendar, ClockId, ClockState, Match, Metric, MetricPolicy, Reopen, Target, Threshold,
    Within,
};
use escalate::{
    Actor, Case, Channel, CommandKind, Event, EventKind, Origin, ResponseKind, Timeline,
};
use proptest::prelude::*;
use support::{Story, cal, contact, hours, local, resolve, respond, sam, via, weekdays};

/// The seller's policy: a first response within 4 business hours on the
/// seller's New York weekdays, 08:00-17:00, warned at 75%.
fn seller_policy() -> Policy {
    let seller = weekdays(New_York, &["08:00-17:00"]);
    Policy::new("marketplace", ["seller", "marketplace"])
        .unwrap()
        .with_time_zone(New_York)
        .with_calendar(cal("seller"), seller)
        .unwrap()
        .with_sla(
            MetricPolicy::new(
                Metric::FirstResponse,
                Target::new(Within::Time(hours(4)), cal("seller")),
            )
            .with_warning(Threshold::Percent(75)),
        )
        .unwrap()
}

#[test]
fn marketplace_reply_at_0930_met_the_four_business_hour_target() {
    let mut story = Story::new(seller_policy());
    // Mon 2021-06-21 20:00, after hours: the clock starts counting at Tue 08:00.
    story.open_by(local(New_York, 2021, 6, 21, 20, 0), via(Channel::Email));
    let clock = &story.case.clocks()[0];
    assert_eq!(clock.metric(), Metric::FirstResponse);
    assert_eq!(clock.due(), Some(local(New_York, 2021, 6, 22, 12, 0)));
    // The seller's deflecting reply at Tue 09:30 still stops the clock.
    story.run(
        local(New_York, 2021, 6, 22, 9, 30),
        Actor::System,
        respond(ResponseKind::Deflection),
    );
    let clock = &story.case.clocks()[0];
    assert_eq!(
        clock.state(),
        ClockState::Stopped {
            at: local(New_York, 2021, 6, 22, 9, 30),
            consumed: TimeDelta::minutes(90),
            due: Some(local(New_York, 2021, 6, 22, 12, 0)),
            late_by: None,
        }
    );
    assert_eq!(clock.lateness(), None);
    assert_eq!(clock.breached_at(), None);
    assert!(
        story
            .case
            .tick(&story.policy, local(New_York, 2021, 7, 1, 0, 0))
            .is_empty()
    );
    assert_eq!(story.case.next_wakeup(&story.policy), None);
}

#[test]
fn warning_and_breach_fire_once_at_their_instants() {
    let mut story = Story::new(seller_policy());
    story.open_by(local(New_York, 2021, 6, 21, 20, 0), via(Channel::Email));
    assert_eq!(
        story.case.next_wakeup(&story.policy),
        Some(local(New_York, 2021, 6, 22, 11, 0))
    );
    assert!(story.tick(local(New_York, 2021, 6, 22, 10, 59)).is_empty());
    let warned = story.tick(local(New_York, 2021, 6, 22, 11, 30));
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].at(), local(New_York, 2021, 6, 22, 11, 0));
    assert!(story.tick(local(New_York, 2021, 6, 22, 11, 45)).is_empty());
    let breached = story.tick(local(New_York, 2021, 6, 23, 9, 0));
    assert_eq!(breached.len(), 1);
    assert!(matches!(breached[0].kind(), EventKind::SlaBreached { .. }));
    assert_eq!(breached[0].at(), local(New_York, 2021, 6, 22, 12, 0));
    // A reply a day later is met late by 6 business hours (12:00-17:00, 08:00-09:00).
    story.run(
        local(New_York, 2021, 6, 23, 9, 0),
        Actor::System,
        respond(ResponseKind::Answer),
    );
    assert_eq!(story.case.clocks()[0].lateness(), Some(hours(6)));
    assert!(
        story
            .timeline()
            .contains("met late, by 6h of business time")
    );
}

/// The desk's policy: resolution within 8 business hours on New York
/// weekdays, 09:00-17:00, reopening as `reopen` says.
fn desk_policy(reopen: Reopen) -> Policy {
    let desk = weekdays(New_York, &["09:00-17:00"]);
    Policy::new("desk", ["frontline", "supervisor"])
        .unwrap()
        .with_time_zone(New_York)
        .with_calendar(cal("desk"), desk)
        .unwrap()
        .with_sla(
            MetricPolicy::new(
                Metric::Resolution,
                Target::new(Within::Time(hours(8)), cal("desk")),
            )
            .with_reopen(reopen),
        )
        .unwrap()
}

/// A case opened by phone Monday 2021-03-01 09:00 New York, owned by sam
/// from 09:01 and answered at 09:02, under [`desk_policy`].
fn owned_desk_case(reopen: Reopen) -> Story {
    let mut story = Story::new(desk_policy(reopen));
    story.open_by(local(New_York, 2021, 3, 1, 9, 0), via(Channel::Phone));
    story.run(
        local(New_York, 2021, 3, 1, 9, 1),
        Actor::System,
        CommandKind::Assign { to: sam() },
    );
    // Answered at once (a pause must not hide an unanswered contact).
    story.run(
        local(New_York, 2021, 3, 1, 9, 2),
        Actor::System,
        support::respond(ResponseKind::Answer),
    );
    story
}

#[test]
fn a_pause_after_the_breach_leaves_the_breach_where_it_was() {
    let mut story = owned_desk_case(Reopen::Continue);
    // 8 business hours run out at Monday's closing time: due at Tuesday's opening.
    let due = local(New_York, 2021, 3, 2, 9, 0);
    assert_eq!(story.case.clocks()[0].due(), Some(due));
    // Waiting on the customer from 10:00 Tuesday, after the due instant.
    story.run(
        local(New_York, 2021, 3, 2, 10, 0),
        Actor::System,
        CommandKind::WaitOnCustomer {
            reason: "photos".into(),
        },
    );
    assert!(
        matches!(story.case.clocks()[0].state(), ClockState::Paused { due: Some(d), .. } if d == due)
    );
    assert_eq!(
        story.case.clocks()[0].breached_at(),
        Some(due),
        "the tick before the pause recorded it"
    );
    // The customer answers on Thursday: the due instant does not move.
    story.run(
        local(New_York, 2021, 3, 4, 10, 0),
        Actor::Customer,
        contact(Channel::Email, "photos attached"),
    );
    assert_eq!(story.case.clocks()[0].due(), Some(due));
}

#[test]
fn a_pause_before_the_due_instant_moves_it_and_breach_stays_pending() {
    let mut story = owned_desk_case(Reopen::Continue);
    story.run(
        local(New_York, 2021, 3, 1, 11, 0),
        Actor::System,
        CommandKind::WaitOnCustomer {
            reason: "photos".into(),
        },
    );
    assert_eq!(story.case.clocks()[0].due(), None);
    assert_eq!(
        story.case.next_wakeup(&story.policy),
        None,
        "a paused clock cannot breach"
    );
    // Thursday 10:00: 6 business hours left, so due Thursday 16:00.
    story.run(
        local(New_York, 2021, 3, 4, 10, 0),
        Actor::Customer,
        contact(Channel::Email, "photos attached"),
    );
    assert_eq!(
        story.case.clocks()[0].due(),
        Some(local(New_York, 2021, 3, 4, 16, 0))
    );
    let cal = story.policy.calendar(&cal("desk")).unwrap();
    let clock = &story.case.clocks()[0];
    assert_eq!(
        clock.elapsed(cal, local(New_York, 2021, 3, 4, 12, 0)),
        hours(4)
    );
    assert_eq!(
        clock.remaining(cal, local(New_York, 2021, 3, 4, 12, 0)),
        hours(4)
    );
}

#[test]
fn reopening_continues_or_restarts_per_policy() {
    for (reopen, clocks, due) in [
        // 3 of 8 hours used before resolving: 5 left from Wednesday 10:00.
        (Reopen::Continue, 1, local(New_York, 2021, 3, 3, 15, 0)),
        // A fresh 8 hours from Wednesday 10:00: 7 on Wednesday, 1 on Thursday.
        (Reopen::NewCycle, 2, local(New_York, 2021, 3, 4, 10, 0)),
        // The first clock stays stopped with the due instant it had.
        (Reopen::FirstOnly, 1, local(New_York, 2021, 3, 2, 9, 0)),
    ] {
        let mut story = owned_desk_case(reopen);
        story.run(
            local(New_York, 2021, 3, 1, 12, 0),
            Actor::System,
            resolve("fixed"),
        );
        story.run(
            local(New_York, 2021, 3, 3, 10, 0),
            Actor::Customer,
            contact(Channel::Phone, "broken again"),
        );
        let timeline = Timeline::from_events(&story.log).unwrap();
        let resolution: Vec<_> = timeline
            .clocks()
            .iter()
            .filter(|c| c.metric() == Metric::Resolution)
            .collect();
        assert_eq!(resolution.len(), clocks, "{reopen:?}");
        // The case itself keeps the latest clock of the metric only.
        let kept = story
            .case
            .clocks()
            .iter()
            .filter(|c| c.metric() == Metric::Resolution);
        assert_eq!(
            kept.map(escalate::sla::SlaClock::id).collect::<Vec<_>>(),
            [resolution.last().unwrap().id()]
        );
        assert_eq!(resolution.last().unwrap().due(), Some(due), "{reopen:?}");
    }
}

#[test]
fn shoe_voicemail_callback_due_next_business_day_and_breached_then() {
    let store = weekdays(Los_Angeles, &["09:00-17:00"]);
    let policy = Policy::new("shoes", ["store", "store_manager", "regional", "corporate"])
        .unwrap()
        .with_time_zone(Los_Angeles)
        .with_calendar(cal("store"), store)
        .unwrap()
        .with_sla(
            MetricPolicy::new(
                Metric::NextResponse,
                Target::new(Within::Time(hours(4)), cal("store")),
            )
            .with_rule(
                Match {
                    channel: Some(Channel::Voicemail),
                    ..Match::default()
                },
                Target::new(Within::BusinessDays(1), cal("store")),
            ),
        )
        .unwrap();
    let mut shoes = Story::new(policy);
    shoes.open_by(
        local(Los_Angeles, 2021, 5, 25, 10, 0),
        Origin::Referral {
            from: "doctor's office".into(),
        },
    );
    shoes.run(
        local(Los_Angeles, 2021, 6, 1, 11, 0),
        Actor::Customer,
        contact(Channel::Voicemail, "please call back"),
    );
    let clock = &shoes.case.clocks()[0];
    assert_eq!(clock.metric(), Metric::NextResponse);
    assert_eq!(clock.due(), Some(local(Los_Angeles, 2021, 6, 2, 11, 0)));
    assert_eq!(
        shoes.case.next_wakeup(&shoes.policy),
        Some(local(Los_Angeles, 2021, 6, 2, 11, 0))
    );
    let events = shoes.tick(local(Los_Angeles, 2021, 6, 2, 11, 0));
    assert_eq!(events.len(), 1);
    assert!(matches!(events[0].kind(), EventKind::SlaBreached { .. }));
    // The second voicemail does not start a second clock: the oldest unanswered contact counts.
    shoes.run(
        local(Los_Angeles, 2021, 6, 17, 15, 0),
        Actor::Customer,
        contact(Channel::Voicemail, "called three weeks ago"),
    );
    assert_eq!(shoes.case.clocks().len(), 1);
}

#[test]
fn promises_have_wall_clock_clocks() {
    let promised = || {
        let mut story = Story::new(Policy::default());
        story.open_by(local(New_York, 2021, 3, 4, 15, 10), via(Channel::Phone));
        story.run(
            local(New_York, 2021, 3, 4, 15, 12),
            Actor::System,
            CommandKind::Promise {
                what: "call back by 3 pm tomorrow".into(),
                due: local(New_York, 2021, 3, 5, 15, 0),
            },
        );
        story
    };
    let mut story = promised();
    let clock = &story.case.clocks()[0];
    assert_eq!(clock.metric(), Metric::Promise);
    assert_eq!(clock.promise(), Some(escalate::PromiseId::new(1)));
    assert_eq!(clock.target(), TimeDelta::minutes(23 * 60 + 48));
    // Kept at 2 pm: on time.
    let mut kept = promised();
    kept.run(
        local(New_York, 2021, 3, 5, 14, 0),
        Actor::System,
        CommandKind::KeepPromise {
            promise: escalate::PromiseId::new(1),
        },
    );
    assert_eq!(kept.case.clocks()[0].lateness(), None);
    // Not kept by 3 pm: the clock breaches, which breaks the promise; a
    // "kept" the next morning is refused.
    let due = local(New_York, 2021, 3, 5, 15, 0);
    let events = story.tick(local(New_York, 2021, 3, 6, 0, 0));
    let kinds: Vec<_> = events.iter().map(|e| (e.at(), e.kind())).collect();
    assert!(matches!(kinds[0], (at, EventKind::SlaBreached { .. }) if at == due));
    assert!(matches!(kinds[1], (at, EventKind::PromiseBroken { .. }) if at == due));
    assert!(matches!(kinds[2], (at, EventKind::ClockStopped { .. }) if at == due));
    assert_eq!(events.len(), 3);
    let refusal = story
        .handle(
            local(New_York, 2021, 3, 6, 9, 0),
            Actor::System,
            CommandKind::KeepPromise {
                promise: escalate::PromiseId::new(1),
            },
        )
        .unwrap_err();
    assert_eq!(
        refusal,
        escalate::Refusal::PromiseSettled {
            promise: escalate::PromiseId::new(1),
            state: escalate::PromiseState::Broken { at: due },
        }
    );
}

/// A policy with every metric, warnings of both kinds, on a calendar with
/// nights and weekends off.
fn full_policy() -> Policy {
    let desk = weekdays(New_York, &["08:00-12:00", "13:00-18:00"]);
    let warn = |p: MetricPolicy| {
        p.with_warning(Threshold::Percent(50))
            .with_warning(Threshold::Before(TimeDelta::minutes(30)))
    };
    Policy::new("full", ["frontline", "supervisor"])
        .unwrap()
        .with_time_zone(New_York)
        .with_calendar(cal("desk"), desk)
        .unwrap()
        .with_sla(warn(MetricPolicy::new(
            Metric::FirstResponse,
            Target::new(Within::Time(hours(2)), cal("desk")),
        )))
        .unwrap()
        .with_sla(warn(MetricPolicy::new(
            Metric::NextResponse,
            Target::new(Within::Time(hours(3)), cal("desk")),
        )))
        .unwrap()
        .with_sla(warn(MetricPolicy::new(
            Metric::PeriodicUpdate,
            Target::new(Within::BusinessDays(1), cal("desk")),
        )))
        .unwrap()
        .with_sla(
            warn(MetricPolicy::new(
                Metric::Resolution,
                Target::new(Within::Time(hours(16)), cal("desk")),
            ))
            .with_reopen(Reopen::Continue),
        )
        .unwrap()
        .with_sla(warn(MetricPolicy::new(
            Metric::Promise,
            Target::new(Within::Time(hours(1)), cal("always")),
        )))
        .unwrap()
}

/// The command of generated step kind `k`; `promise` names the promise to keep.
fn step_kind(k: u8, promise: u32) -> (Actor, CommandKind) {
    match k {
        0 | 1 => (Actor::Customer, contact(Channel::Email, "?")),
        2 | 3 => (Actor::System, respond(ResponseKind::Answer)),
        4 => (
            Actor::System,
            CommandKind::WaitOnCustomer {
                reason: "info".into(),
            },
        ),
        5 => (Actor::System, resolve("done")),
        6 => (
            Actor::System,
            CommandKind::Promise {
                what: "call".into(),
                due: Utc.timestamp_opt(0, 0).unwrap(),
            },
        ),
        _ => (
            Actor::System,
            CommandKind::KeepPromise {
                promise: escalate::PromiseId::new(promise),
            },
        ),
    }
}

/// Runs a story from Friday 2021-03-05 16:00 in New York, ticking before each
/// command at the command's time, and, when `extra` is given, also at those
/// extra instants in between.
fn run_story(steps: &[(i64, u8, u32, i64)], extra: Option<&[i64]>) -> (Case, Vec<Event>) {
    let start = local(New_York, 2021, 3, 5, 16, 0); // a Friday afternoon
    let mut story = Story::new(full_policy());
    story.open_by(start, via(Channel::Chat));
    story.run(start, Actor::System, CommandKind::Assign { to: sam() });
    story.drive(
        start,
        steps
            .iter()
            .map(|&(minutes, k, promise, promise_in)| (minutes, (k, promise, promise_in))),
        extra,
        |(k, promise, promise_in), t| {
            let (actor, mut kind) = step_kind(k, promise);
            if let CommandKind::Promise { due, .. } = &mut kind {
                *due = t + TimeDelta::minutes(promise_in);
            }
            (actor, kind)
        },
    );
    (story.case, story.log)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Ticking more often changes nothing: every warning and every breach
    /// fires exactly once, at its own instant.
    #[test]
    fn ticks_fire_each_warning_and_breach_exactly_once(
        steps in prop::collection::vec((1i64..2000, 0u8..8, 1u32..4, 0i64..600), 1..25),
        extra in prop::collection::vec(0i64..100_000, 25),
    ) {
        let (sparse, log) = run_story(&steps, None);
        let dense = run_story(&steps, Some(&extra));
        prop_assert_eq!(&dense.0, &sparse);
        prop_assert_eq!(&dense.1, &log);
        let mut seen = std::collections::HashSet::new();
        for event in &log {
            let key = match event.kind() {
                EventKind::SlaWarned { clock, threshold } => format!("{clock} {threshold}"),
                EventKind::SlaBreached { clock } => format!("{clock} breach"),
                _ => continue,
            };
            prop_assert!(seen.insert(key.clone()), "fired twice: {}", key);
        }
        // Every clock that ran past its due instant has its breach recorded.
        for clock in Timeline::from_events(&log).unwrap().clocks() {
            if let ClockState::Stopped { late_by: Some(_), .. } = clock.state() {
                prop_assert!(clock.breached_at().is_some());
            }
        }
        prop_assert_eq!(&Case::replay(&log).unwrap(), &sparse);
        // Nothing is left to fire.
        prop_assert_eq!(sparse.next_wakeup(&full_policy()), None);
    }
}

#[test]
fn a_reply_handled_late_before_any_tick_records_the_breach_first() {
    let mut story = Story::new(seller_policy());
    story.open_by(local(New_York, 2021, 6, 21, 20, 0), via(Channel::Email));
    // The host never ticked: the reply comes a day late. Handling it first
    // records what time made due by then (the warning and the breach, at
    // their own instants, from no command), then the reply.
    let reply_at = local(New_York, 2021, 6, 23, 9, 0);
    let events = story
        .handle(reply_at, Actor::System, respond(ResponseKind::Answer))
        .unwrap();
    let due = local(New_York, 2021, 6, 22, 12, 0);
    let timed: Vec<(&EventKind, _)> = events
        .iter()
        .take_while(|e| e.command().is_none())
        .map(|e| (e.kind(), e.at()))
        .collect();
    assert!(matches!(timed[0].0, EventKind::SlaWarned { .. }));
    assert_eq!(
        timed[1],
        (
            &EventKind::SlaBreached {
                clock: ClockId::new(1)
            },
            due
        )
    );
    assert!(matches!(
        events[timed.len()].kind(),
        EventKind::Responded { .. }
    ));
    let clock = &story.case.clocks()[0];
    assert_eq!(clock.lateness(), Some(hours(6)));
    assert_eq!(clock.breached_at(), Some(due));
    assert!(story.tick(reply_at + TimeDelta::days(30)).is_empty());
}

#[test]
fn a_calendar_that_runs_out_is_refused_and_logs_with_no_due_times_never_fire() {
    // Open on one date only, 09:00-12:00: a policy refuses such a calendar,
    // which would start clocks and calls that are never due.
    let once: BusinessCalendar =
        serde_json::from_str(r#"{"time_zone": "UTC", "shifts": {"2021-12-24": ["09:00-12:00"]}}"#)
            .unwrap();
    let refused = Policy::new("v", ["frontline", "supervisor"])
        .unwrap()
        .with_calendar(cal("once"), once)
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "calendars.once: the calendar never opens after 2021-12-24 (its last shift): give weekly hours"
    );
    // A log written by an older version under such a calendar has clocks
    // and a call with no due instant: they never fire. Make one by leaving
    // the due times out of a log of a public post at 10:00 (a 4-hour
    // first-response clock, and a rule requiring a 2-hour call).
    let policy = Policy::new("v", ["frontline", "supervisor"])
        .unwrap()
        .with_calendar(cal("hours"), weekdays(chrono_tz::UTC, &["09:00-12:00"]))
        .unwrap()
        .with_default_calendar(cal("hours"))
        .unwrap()
        .with_sla(
            MetricPolicy::new(
                Metric::FirstResponse,
                Target::new(Within::Time(hours(4)), cal("hours")),
            )
            .with_warning(Threshold::Percent(25)),
        )
        .unwrap()
        .with_rule(Rule::new(
            "call",
            Condition::PublicContact,
            [Action::RequireCall(Call::new(Within::Time(hours(2))))],
        ))
        .unwrap();
    let mut story = Story::new(policy);
    let post = Utc.with_ymd_and_hms(2021, 12, 24, 10, 0, 0).unwrap();
    story.open_by(post, via(Channel::SocialPublic));
    let mut log = serde_json::to_value(&story.log).unwrap();
    for event in log.as_array_mut().unwrap() {
        if let Some(kind) = event.get_mut("kind").and_then(|k| k.as_object_mut()) {
            kind.remove("due");
        }
    }
    let events: Vec<Event> = serde_json::from_value(log).unwrap();
    let case = Case::replay(events.clone()).unwrap();
    let first = &case.clocks()[0];
    assert_eq!(first.metric(), Metric::FirstResponse);
    assert_eq!(first.due(), None);
    let promise = &case.promises()[0];
    assert_eq!(promise.due(), None);
    let call = case
        .clocks()
        .iter()
        .find(|c| c.promise().is_some())
        .unwrap();
    assert_eq!((call.promise(), call.due()), (Some(promise.id()), None));
    // Nothing is ever due: no wake-up, nothing in a tick years later.
    assert_eq!(case.next_wakeup(&story.policy), None);
    assert_eq!(case.tick(&story.policy, post + TimeDelta::days(3650)), []);
    // The events leave the due instant out; the timeline says so.
    let timeline = Timeline::from_events(&events).unwrap().to_string();
    assert!(timeline.contains("started: never due"), "{timeline}");
    assert!(timeline.contains("with no due time"), "{timeline}");
    // The JSON reads back to the same case.
    let again: Vec<Event> = serde_json::from_str(&serde_json::to_string(&events).unwrap()).unwrap();
    assert_eq!(Case::replay(again).unwrap(), case);
}
