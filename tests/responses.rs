//! What counts as a response: the kinds of response, which of them stop
//! the response clocks (policy, per metric), and the next-response clock
//! waiting for the first response. Worked examples on a Monday, with a
//! 4-business-hour first and next response on weekdays 09:00-17:00 UTC.

mod support;

use escalate::policy::Policy;
use escalate::sla::{ClockState, Metric, MetricPolicy, Target, Within};
use escalate::{Channel, EventKind, ResponseKind, Timeline};
use support::{Story, bare, cal, hours, mon};

/// First and next response within 4 business hours (weekdays 09:00-17:00),
/// periodic updates every 2 business hours.
fn policy() -> Policy {
    let within = |h| Target::new(Within::Time(hours(h)), cal("business"));
    bare()
        .with_sla(MetricPolicy::new(Metric::FirstResponse, within(4)))
        .unwrap()
        .with_sla(MetricPolicy::new(Metric::NextResponse, within(4)))
        .unwrap()
        .with_sla(MetricPolicy::new(Metric::PeriodicUpdate, within(2)))
        .unwrap()
}

/// The breaches in the log: (metric, instant).
fn breaches(s: &Story) -> Vec<(Metric, chrono::DateTime<chrono::Utc>)> {
    let metric = |clock| {
        s.log.iter().find_map(|e| match e.kind() {
            EventKind::ClockStarted {
                clock: c, metric, ..
            } if *c == clock => Some(*metric),
            _ => None,
        })
    };
    s.log
        .iter()
        .filter_map(|e| match e.kind() {
            EventKind::SlaBreached { clock } => metric(*clock).map(|m| (m, e.at())),
            _ => None,
        })
        .collect()
}

/// Whether the first-response clock is still running.
fn first_response_running(s: &Story) -> bool {
    s.case.clocks().iter().any(|c| {
        c.metric() == Metric::FirstResponse && matches!(c.state(), ClockState::Running { .. })
    })
}

#[test]
fn an_automatic_acknowledgement_meets_no_target_and_answers_nothing() {
    // Zammad #1620: an auto-reply 5 seconds after the email met the first
    // response. Here it is recorded, shown, and the clock runs on.
    let mut s = Story::new(policy());
    s.open(mon(9, 0));
    s.respond(
        mon(9, 0) + chrono::TimeDelta::seconds(5),
        ResponseKind::Automated,
    );
    assert!(first_response_running(&s));
    assert_eq!(s.case.unanswered().len(), 1, "the email still waits");
    s.tick(mon(14, 0));
    assert_eq!(breaches(&s), [(Metric::FirstResponse, mon(13, 0))]);
    let timeline = Timeline::from_events(&s.log).unwrap().to_string();
    assert!(
        timeline.contains("sent an automatic acknowledgement by email (not a reply)"),
        "{timeline}"
    );
}

#[test]
fn an_internal_note_stops_nothing_and_is_not_an_update() {
    let mut s = Story::new(policy());
    s.open(mon(9, 0));
    s.respond(mon(9, 30), ResponseKind::Answer);
    // The answer started a periodic-update clock due at 11:30.
    s.respond(mon(10, 0), ResponseKind::InternalNote);
    s.tick(mon(12, 0));
    assert_eq!(breaches(&s), [(Metric::PeriodicUpdate, mon(11, 30))]);
    let timeline = Timeline::from_events(&s.log).unwrap().to_string();
    assert!(
        timeline.contains("wrote an internal note (the customer does not see it)"),
        "{timeline}"
    );
}

#[test]
fn a_policy_may_let_an_acknowledgement_stop_the_first_response() {
    let within = Target::new(Within::Time(hours(4)), cal("business"));
    let p = bare()
        .with_sla(
            MetricPolicy::new(Metric::FirstResponse, within).with_stopped_by([
                ResponseKind::Answer,
                ResponseKind::Deflection,
                ResponseKind::Automated,
            ]),
        )
        .unwrap();
    let mut s = Story::new(p);
    s.open(mon(9, 0));
    s.respond(mon(9, 1), ResponseKind::Automated);
    assert!(!first_response_running(&s));
    // Still not an answer: the contact waits.
    assert_eq!(s.case.unanswered().len(), 1);
    s.tick(mon(17, 0));
    assert!(breaches(&s).is_empty());
}

#[test]
fn a_deflection_still_meets_the_first_response() {
    // As in the marketplace story: "ask the marketplace for a return".
    let mut s = Story::new(policy());
    s.open(mon(9, 0));
    s.respond(mon(9, 30), ResponseKind::Deflection);
    assert!(!first_response_running(&s));
    assert!(s.case.unanswered().is_empty());
}

#[test]
fn one_late_case_is_one_breach_not_two() {
    // Zammad #5177's pattern: an email at 09:00, the customer writes again
    // at 10:00, nobody answers. The second email waits on the first
    // response, so the case breaches once (13:00), not also at 14:00.
    let story = |p: Policy| {
        let mut s = Story::new(p);
        s.open(mon(9, 0));
        s.contact(mon(10, 0), Channel::Email);
        s.tick(mon(16, 0));
        s
    };
    let s = story(policy());
    assert_eq!(breaches(&s), [(Metric::FirstResponse, mon(13, 0))]);
    // The answer at 16:00 answers both emails; a later contact starts the
    // next-response clock as before.
    let mut s = s;
    s.respond(mon(16, 0), ResponseKind::Answer);
    s.contact(mon(16, 30), Channel::Email);
    assert!(
        s.case
            .clocks()
            .iter()
            .any(|c| c.metric() == Metric::NextResponse
                && matches!(c.state(), ClockState::Running { .. }))
    );
    // The policy switch off: the second email starts its own clock.
    let s = story(policy().with_next_response_after_first(false));
    assert_eq!(
        breaches(&s),
        [
            (Metric::FirstResponse, mon(13, 0)),
            (Metric::NextResponse, mon(14, 0))
        ]
    );
}

#[test]
fn stopped_by_is_checked_where_it_is_written() {
    let refused = |toml: &str, expected: &str| {
        let text = format!("version = \"v\"\ntiers = [\"frontline\"]\n{toml}");
        let err = Policy::from_toml_str(&text).unwrap_err();
        assert_eq!(err.to_string(), expected);
    };
    refused(
        "[[sla]]\nmetric = \"first_response\"\nstopped_by = []\nfallback = { within = \"4h\", calendar = \"always\" }\n",
        "sla[0].stopped_by: no kind of response would stop the first response clock: name at \
         least one (answer, deflection, automated, internal_note), or leave it out for answers \
         and deflections",
    );
    refused(
        "[[sla]]\nmetric = \"next_response\"\nstopped_by = [\"answer\", \"answer\"]\nfallback = { within = \"4h\", calendar = \"always\" }\n",
        "sla[0].stopped_by[1]: answer is listed twice",
    );
    refused(
        "[[sla]]\nmetric = \"resolution\"\nstopped_by = [\"answer\"]\nfallback = { within = \"4h\", calendar = \"always\" }\n",
        "sla[0].stopped_by: a response does not stop the resolution clock: leave `stopped_by` out",
    );
    refused(
        "[[sla]]\nmetric = \"first_response\"\nstopped_by = [\"telepathy\"]\nfallback = { within = \"4h\", calendar = \"always\" }\n",
        "sla[0].stopped_by[0]: unknown variant `telepathy`, expected one of `answer`, `deflection`, `automated`, `internal_note`",
    );
    // Written and read back: the default is left out of the file.
    let p = policy();
    let toml = p.to_toml_string().unwrap();
    assert!(!toml.contains("stopped_by"), "{toml}");
    assert!(!toml.contains("next_response_after_first"), "{toml}");
    let custom = p.with_next_response_after_first(false);
    let back = Policy::from_toml_str(&custom.to_toml_string().unwrap()).unwrap();
    assert_eq!(back, custom);
}

#[test]
fn adopting_a_policy_without_a_metric_stops_its_clock() {
    // Zammad #4353: clocks of a metric the new policy dropped went on
    // breaching. Opened under first and next response; the new policy
    // tracks resolution only.
    let mut s = Story::new(policy());
    s.open(mon(9, 0));
    let resolution_only = Policy::new("resolution-only", ["frontline", "supervisor", "manager"])
        .unwrap()
        .with_calendar(
            cal("business"),
            support::weekdays(chrono_tz::UTC, &["09:00-17:00"]),
        )
        .unwrap()
        .with_sla(MetricPolicy::new(
            Metric::Resolution,
            Target::new(Within::BusinessDays(5), cal("business")),
        ))
        .unwrap();
    s.policy = resolution_only;
    let events = s.run(
        mon(10, 0),
        escalate::Actor::System,
        escalate::CommandKind::AdoptPolicy,
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind(), EventKind::ClockStopped { .. })),
        "{events:?}"
    );
    assert!(!first_response_running(&s));
    s.tick(mon(17, 0));
    assert!(breaches(&s).is_empty());
}
