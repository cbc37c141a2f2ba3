//! Pauses as policy data: each reason names the clocks it stops; pausing
//! while the customer waits for a reply is refused by default; a pause ends
//! by a customer contact (when its reason says so), by the company, or at
//! its scheduled end.
//!
//! The desk in these examples is open Monday to Friday 09:00-17:00 UTC;
//! 2021-03-01 was a Monday.

mod support;

use chrono::TimeDelta;
use escalate::policy::{PauseName, PauseReason, Policy};
use escalate::sla::{ClockId, ClockState, Metric, MetricPolicy, Target, Within};
use escalate::{
    Actor, Channel, Command, CommandKind, Event, EventKind, Refusal, ResponseKind, StateName,
};
use support::{Story, bare, cal, day, hours, mon, sam};

fn within(h: i64) -> Target {
    Target::new(Within::Time(hours(h)), cal("business"))
}

fn name(s: &str) -> PauseName {
    s.parse().unwrap()
}

/// First and next response in 4 business hours, periodic updates every 8,
/// resolution in 16. Besides `awaiting_customer` (every clock, ended by a
/// contact): `awaiting_third_party` stops only the resolution clock and a
/// contact does not end it; `scheduled` stops resolution and updates.
fn desk() -> Policy {
    bare()
        .with_sla(MetricPolicy::new(Metric::FirstResponse, within(4)))
        .unwrap()
        .with_sla(MetricPolicy::new(Metric::NextResponse, within(4)))
        .unwrap()
        .with_sla(MetricPolicy::new(Metric::PeriodicUpdate, within(8)))
        .unwrap()
        .with_sla(MetricPolicy::new(Metric::Resolution, within(16)))
        .unwrap()
        .with_pause(
            PauseReason::new(name("awaiting_third_party"), [Metric::Resolution])
                .ending_on_contact(false),
        )
        .unwrap()
        .with_pause(
            PauseReason::new(
                name("scheduled"),
                [Metric::Resolution, Metric::PeriodicUpdate],
            )
            .ending_on_contact(false),
        )
        .unwrap()
}

const RESOLUTION: ClockId = ClockId::new(2);

fn pause(reason: &str, until: Option<chrono::DateTime<chrono::Utc>>) -> CommandKind {
    CommandKind::Pause {
        reason: name(reason),
        note: "the carrier's report".into(),
        until,
    }
}

/// Opened Monday 09:00 by email, owned by sam, answered at 10:00.
fn answered() -> Story {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    s.assign(mon(9, 30), sam());
    s.respond(mon(10, 0), ResponseKind::Answer);
    s
}

fn paused_clocks(events: &[Event]) -> Vec<(ClockId, TimeDelta)> {
    events
        .iter()
        .filter_map(|e| match e.kind() {
            EventKind::ClockPaused { clock, consumed } => Some((*clock, *consumed)),
            _ => None,
        })
        .collect()
}

#[test]
fn pausing_while_a_contact_is_unanswered_is_refused_naming_it() {
    let mut s = Story::new(desk());
    s.open(mon(9, 0));
    s.assign(mon(9, 30), sam());
    s.now = mon(11, 0);
    let refusal = s.refused(
        Actor::Agent(sam()),
        CommandKind::WaitOnCustomer {
            reason: "more details".into(),
        },
    );
    assert_eq!(
        refusal,
        Refusal::UnansweredContact {
            reason: PauseName::awaiting_customer(),
            contact: 1,
            channel: Channel::Email,
            at: mon(9, 0),
        }
    );
    assert_eq!(
        refusal.to_string(),
        "cannot pause for \"awaiting_customer\" while contact #1 (email, at 2021-03-01 09:00:00 UTC) \
         is unanswered: reply to the customer first"
    );
    // Answered, then a second contact: that one is named.
    s.respond(mon(11, 30), ResponseKind::Answer);
    s.contact(mon(12, 0), Channel::Phone);
    let refusal = s.refused(Actor::Agent(sam()), pause("awaiting_third_party", None));
    assert!(
        matches!(
            refusal,
            Refusal::UnansweredContact {
                contact: 2,
                channel: Channel::Phone,
                ..
            }
        ),
        "{refusal}"
    );
    // An automatic acknowledgement does not answer it.
    s.respond(mon(12, 30), ResponseKind::Automated);
    let refusal = s.refused(Actor::Agent(sam()), pause("awaiting_third_party", None));
    assert!(
        matches!(refusal, Refusal::UnansweredContact { .. }),
        "{refusal}"
    );
}

#[test]
fn a_reason_may_allow_pausing_while_a_contact_waits() {
    let policy = desk()
        .with_pause(
            PauseReason::new(name("outage"), [Metric::Resolution]).allowed_while_unanswered(true),
        )
        .unwrap();
    let mut s = Story::new(policy);
    s.open(mon(9, 0));
    s.assign(mon(9, 30), sam());
    let events = s.run(mon(10, 0), Actor::Agent(sam()), pause("outage", None));
    // Only the resolution clock stops; first response still runs.
    assert_eq!(paused_clocks(&events), [(RESOLUTION, hours(1))]);
}

#[test]
fn a_third_party_wait_stops_only_its_clocks_and_outlasts_a_customer_contact() {
    let mut s = answered();
    let events = s.run(
        mon(11, 0),
        Actor::Agent(sam()),
        pause("awaiting_third_party", None),
    );
    assert_eq!(
        events[0].kind(),
        &EventKind::Paused {
            reason: name("awaiting_third_party"),
            note: "the carrier's report".into(),
            until: None,
            ends_on_contact: false,
        }
    );
    // Resolution stops after 2 business hours; the periodic update runs on.
    assert_eq!(paused_clocks(&events), [(RESOLUTION, hours(2))]);
    assert_eq!(s.case.status().name(), StateName::AwaitingCustomer);
    // The customer writes: the next-response clock runs, the wait goes on.
    s.contact(mon(13, 0), Channel::Email);
    let next = s.case.clocks().last().unwrap();
    assert_eq!(next.metric(), Metric::NextResponse);
    // 4 business hours from 13:00 end at the close: due as the desk opens.
    assert_eq!(next.due(), Some(day(2, 9, 0)));
    assert_eq!(s.case.pause().unwrap().reason, name("awaiting_third_party"));
    assert!(matches!(
        s.case.clock(RESOLUTION).unwrap().state(),
        ClockState::Paused { .. }
    ));
    // The company resumes Tuesday 10:00: 14 business hours left, due Wednesday 16:00.
    let events = s.run(day(2, 10, 0), Actor::Agent(sam()), CommandKind::Resume);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind() == &EventKind::Resumed)
            .count(),
        1
    );
    assert_eq!(s.case.status().name(), StateName::Working);
    assert_eq!(s.case.pause(), None);
    assert_eq!(s.case.clock(RESOLUTION).unwrap().due(), Some(day(3, 16, 0)));
}

#[test]
fn a_scheduled_pause_ends_by_itself_whenever_the_host_ticks() {
    // Paused Monday 11:00 until Wednesday 09:00 (a visit is booked).
    let schedule = |s: &mut Story| {
        s.run(
            mon(11, 0),
            Actor::Agent(sam()),
            pause("scheduled", Some(day(3, 9, 0))),
        );
    };
    let mut early = answered();
    schedule(&mut early);
    assert_eq!(early.case.next_wakeup(&early.policy), Some(day(3, 9, 0)));
    // A contact on Tuesday does not end a scheduled pause; its reply is due.
    early.contact(day(2, 10, 0), Channel::Phone);
    early.respond(day(2, 11, 0), ResponseKind::Answer);
    assert_eq!(early.case.status().name(), StateName::AwaitingCustomer);
    // Ticked at the scheduled end.
    let ended = early.tick(day(3, 9, 0));
    assert_eq!(ended[0].kind(), &EventKind::Resumed);
    assert_eq!(ended[0].at(), day(3, 9, 0));
    assert_eq!(ended[0].actor(), &Actor::System);
    assert_eq!(early.case.status().name(), StateName::Working);
    // 2 of 16 business hours used: due Thursday 15:00.
    assert_eq!(
        early.case.clock(RESOLUTION).unwrap().due(),
        Some(day(4, 15, 0))
    );
    early.tick(day(4, 16, 0));

    // The same commands, ticked only once, late: the same log.
    let mut late = answered();
    schedule(&mut late);
    late.contact(day(2, 10, 0), Channel::Phone);
    late.respond(day(2, 11, 0), ResponseKind::Answer);
    late.tick(day(4, 16, 0));
    assert_eq!(late.log, early.log);
    // The resolution clock breached Thursday 15:00.
    assert_eq!(
        late.case.clock(RESOLUTION).unwrap().breached_at(),
        Some(day(4, 15, 0))
    );
}

#[test]
fn a_clock_started_during_a_pause_of_its_metric_starts_paused() {
    let mut s = answered();
    s.run(
        mon(11, 0),
        Actor::Agent(sam()),
        CommandKind::WaitOnCustomer {
            reason: "a photo".into(),
        },
    );
    // A status note to the customer while waiting: the next periodic-update
    // clock starts, and stops at once, as the pause says.
    let events = s.run(
        mon(12, 0),
        Actor::Agent(sam()),
        support::respond(ResponseKind::Answer),
    );
    let started = events
        .iter()
        .find_map(|e| match e.kind() {
            EventKind::ClockStarted {
                clock,
                metric: Metric::PeriodicUpdate,
                ..
            } => Some(*clock),
            _ => None,
        })
        .unwrap();
    assert!(paused_clocks(&events).contains(&(started, TimeDelta::zero())));
    // The customer's answer ends the wait: it runs, with its whole 8 hours.
    s.contact(mon(13, 0), Channel::Email);
    assert_eq!(s.case.clock(started).unwrap().due(), Some(day(2, 13, 0)));
}

#[test]
fn wait_on_customer_is_the_awaiting_customer_pause_and_reads_in_json_and_the_timeline() {
    let mut s = answered();
    let events = s.run(
        mon(11, 0),
        Actor::Agent(sam()),
        CommandKind::WaitOnCustomer {
            reason: "a photo".into(),
        },
    );
    assert_eq!(
        serde_json::to_string(events[0].kind()).unwrap(),
        r#"{"type":"paused","reason":"awaiting_customer","note":"a photo"}"#
    );
    let events = s.run(mon(12, 0), Actor::Agent(sam()), CommandKind::Resume);
    assert_eq!(
        serde_json::to_string(events[0].kind()).unwrap(),
        r#"{"type":"resumed"}"#
    );
    s.run(
        mon(13, 0),
        Actor::Agent(sam()),
        pause("scheduled", Some(day(3, 9, 0))),
    );
    assert_eq!(
        serde_json::to_string(
            s.log
                .iter()
                .rev()
                .find(|e| matches!(e.kind(), EventKind::Paused { .. }))
                .unwrap()
                .kind()
        )
        .unwrap(),
        r#"{"type":"paused","reason":"scheduled","note":"the carrier's report","until":"2021-03-03T09:00:00Z","ends_on_contact":false}"#
    );
    s.tick(day(3, 9, 0));
    let timeline = s.timeline();
    for line in [
        "sam (frontline) is waiting on the customer: a photo",
        "sam (frontline) ended the pause",
        "sam (frontline) paused the case (scheduled): the carrier's report; until 2021-03-03 09:00 UTC",
        "2021-03-03 09:00 UTC  the system ended the pause",
    ] {
        assert!(timeline.contains(line), "{line}\n{timeline}");
    }
}

#[test]
fn an_old_log_that_waited_on_the_customer_still_resumes_on_a_contact() {
    // A log written before pause reasons: `awaiting_customer` events.
    let mut s = answered();
    let mut log = s.log.clone();
    let version = s.case.version();
    let paused_at = mon(11, 0);
    log.push(Event::new(
        version + 1,
        paused_at,
        Actor::Agent(sam()),
        Some("c-old".parse().unwrap()),
        EventKind::AwaitingCustomer {
            reason: "a photo".into(),
        },
    ));
    log.push(Event::new(
        version + 2,
        paused_at,
        Actor::System,
        Some("c-old".parse().unwrap()),
        EventKind::ClockPaused {
            clock: RESOLUTION,
            consumed: hours(2),
        },
    ));
    let case = escalate::Case::replay(&log).unwrap();
    assert_eq!(case.status().name(), StateName::AwaitingCustomer);
    assert_eq!(case.pause().unwrap().reason, PauseName::awaiting_customer());
    assert!(case.pause().unwrap().ends_on_contact);
    s.case = case;
    s.log = log;
    s.contact(mon(13, 0), Channel::Email);
    assert_eq!(s.case.status().name(), StateName::Working);
    assert!(matches!(
        s.case.clock(RESOLUTION).unwrap().state(),
        ClockState::Running { .. }
    ));
}

#[test]
fn unknown_reasons_past_ends_and_resuming_what_is_not_paused_are_refused() {
    let mut s = answered();
    s.now = mon(11, 0);
    let refusal = s.refused(Actor::Agent(sam()), pause("holiday", None));
    assert_eq!(
        refusal.to_string(),
        "the policy has no pause reason \"holiday\": it has awaiting_customer, awaiting_third_party, scheduled"
    );
    let refusal = s.refused(Actor::Agent(sam()), pause("scheduled", Some(mon(10, 0))));
    assert!(
        matches!(refusal, Refusal::PauseEndsBeforeItBegins { .. }),
        "{refusal}"
    );
    let refusal = s.refused(Actor::Agent(sam()), CommandKind::Resume);
    assert!(
        matches!(refusal, Refusal::InvalidTransition { .. }),
        "{refusal}"
    );
    let refusal = s.refused(Actor::Customer, CommandKind::Resume);
    assert!(
        !matches!(refusal, Refusal::PauseEndsBeforeItBegins { .. }),
        "{refusal}"
    );
    // A command as JSON.
    let command: Command = serde_json::from_str(
        r#"{"id": "c-9", "actor": "system", "at": "2021-03-01T11:00:00Z",
            "kind": {"type": "pause", "reason": "scheduled", "note": "visit booked", "until": "2021-03-03T09:00:00Z"}}"#,
    )
    .unwrap();
    assert!(matches!(
        command.kind(),
        CommandKind::Pause { until: Some(_), .. }
    ));
}

#[test]
fn pause_reasons_are_checked_where_a_policy_file_names_them() {
    let err = Policy::from_toml_str(
        r#"
        version = "v"
        tiers = ["frontline"]
        [[pauses]]
        name = "scheduled"
        pauses = ["resolution"]
        [[pauses]]
        name = "scheduled"
        pauses = ["periodic_update"]
        "#,
    )
    .unwrap_err();
    assert_eq!(err.path(), "pauses[1].name");
    let err = Policy::from_toml_str(
        r#"
        version = "v"
        tiers = ["frontline"]
        [[pauses]]
        name = "scheduled"
        pauses = ["resolution", "promise"]
        "#,
    )
    .unwrap_err();
    assert_eq!(err.path(), "pauses[0].pauses[1]");
    assert!(err.problem().contains("wall-clock commitment"), "{err}");
    let err = Policy::from_toml_str(
        "version = \"v\"\ntiers = [\"frontline\"]\n[[pauses]]\nname = \"x\"\npauses = []\n",
    )
    .unwrap_err();
    assert_eq!(err.path(), "pauses[0].pauses");
    // A policy round-trips its reasons; the default list is left out.
    let policy = desk();
    let json = serde_json::to_string(&policy).unwrap();
    assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), policy);
    assert!(!serde_json::to_string(&bare()).unwrap().contains("pauses"));
}

#[test]
fn lint_warns_when_a_pause_would_hide_a_message_sent_during_it() {
    let policy = bare()
        .with_pause(
            PauseReason::new(name("vendor"), [Metric::NextResponse, Metric::Resolution])
                .ending_on_contact(false),
        )
        .unwrap();
    let lints = policy.lint();
    assert_eq!(lints.len(), 1, "{lints:?}");
    assert_eq!(lints[0].path, "pauses[1].pauses");
    assert!(desk().lint().is_empty(), "{:?}", desk().lint());
    assert!(Policy::recommended().lint().is_empty());
}

#[test]
fn a_pause_reason_is_part_of_the_policy_fingerprint() {
    let p = bare();
    let before = p.fingerprint();
    let q = p
        .clone()
        .with_pause(PauseReason::new(name("vendor"), [Metric::Resolution]))
        .unwrap();
    assert_ne!(q.fingerprint(), before);
    let rebuilt: Policy = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
    assert_eq!(rebuilt.fingerprint(), q.fingerprint());
}

#[test]
fn resolving_a_waiting_case_ends_its_pause() {
    let mut s = answered();
    s.run(
        mon(11, 0),
        Actor::Agent(sam()),
        pause("awaiting_third_party", None),
    );
    assert!(s.case.pause().is_some());
    s.resolve(mon(12, 0));
    assert_eq!(s.case.status().name(), StateName::Resolved);
    assert_eq!(s.case.pause(), None);
    // The snapshot holds no pause either.
    let json = serde_json::to_string(&s.case.snapshot()).unwrap();
    assert!(!json.contains("awaiting_third_party"), "{json}");
}
