//! The host cannot change the decision: the findings that showed it could,
//! as regression tests. (The general law, under random policies and tick
//! schedules, is `ticks_change_nothing_under_random_policies` in
//! `policy_properties.rs`.)

mod support;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::America::New_York;
use escalate::{Actor, Channel, CommandKind, Event, EventKind, ResponseKind};
use support::{Story, local, recommended_in_new_york, respond, sam, via};

/// An email on Monday 2021-03-08 at 09:03:17 in New York under the
/// recommended policy (first response due 13:03:17), assigned to sam at
/// 09:05, answered at 13:04:00: one minute late. `host` decides when to
/// tick before each command; every host ticks at the end.
fn late_reply(host: impl Fn(&mut Story, DateTime<Utc>)) -> Vec<Event> {
    let opened = local(New_York, 2021, 3, 8, 9, 3) + TimeDelta::seconds(17);
    let mut story = Story::new(recommended_in_new_york());
    story.open_by(opened, via(Channel::Email));
    let assign_at = local(New_York, 2021, 3, 8, 9, 5);
    host(&mut story, assign_at);
    story
        .handle(assign_at, Actor::System, CommandKind::Assign { to: sam() })
        .unwrap();
    let reply_at = local(New_York, 2021, 3, 8, 13, 4);
    host(&mut story, reply_at);
    story
        .handle(reply_at, Actor::Agent(sam()), respond(ResponseKind::Answer))
        .unwrap();
    host(&mut story, reply_at);
    story.tick(reply_at + TimeDelta::days(30));
    story.log
}

#[test]
fn a_late_reply_gives_one_log_whatever_the_tick_schedule() {
    // A host that ticks at every wake-up.
    let at_wakeups = late_reply(|story, until| {
        while let Some(w) = story
            .case
            .next_wakeup(&story.policy)
            .filter(|w| *w <= until)
        {
            assert!(!story.tick(w).is_empty());
        }
    });
    // A host on a 5-minute cron: it ticks at 09:05 and 13:00, 13:05, ...
    let cron = late_reply(|story, until| {
        let mut t = local(New_York, 2021, 3, 8, 9, 0);
        while t <= until {
            story.tick(t);
            t += TimeDelta::minutes(5);
        }
    });
    // A host that never ticks between commands.
    let never = late_reply(|_, _| {});
    assert_eq!(cron, at_wakeups);
    assert_eq!(never, at_wakeups);
    // The log holds the breach at 13:03:17, and what the rules make of it.
    let due = local(New_York, 2021, 3, 8, 13, 3) + TimeDelta::seconds(17);
    let breach = never
        .iter()
        .find(|e| matches!(e.kind(), EventKind::SlaBreached { .. }))
        .expect("the first response breached");
    assert_eq!(breach.at(), due);
    assert!(breach.command().is_none());
    assert!(
        never
            .iter()
            .any(|e| matches!(e.kind(), EventKind::SlaWarned { .. }))
    );
    assert!(
        never
            .iter()
            .any(|e| matches!(e.kind(), EventKind::RuleFired { .. }))
    );
    // In time order.
    assert!(never.windows(2).all(|p| p[0].at() <= p[1].at()));
}
