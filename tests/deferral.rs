//! Rules deferred to working hours (`during = "business_hours"`): actions
//! that need a person wait for the next instant the calendar is open.
//!
//! The desk in these examples is open Monday to Friday 09:00-17:00 UTC;
//! 2021-03-01 was a Monday, 2021-03-06 a Saturday.

mod support;

use chrono::TimeDelta;
use escalate::policy::{Action, Condition, Delay, DelayFrom, During, Notice, Policy, Rule};
use escalate::sla::{CalendarName, Within};
use escalate::{Actor, Event, EventKind};
use support::{Story, bare, day, mon, sam};

fn page() -> Rule {
    Rule::new(
        "page the lead",
        Condition::Unowned,
        [Action::Notify(Notice {
            who: "the team lead".into(),
            why: "nobody owns the case".into(),
            within: None,
        })],
    )
    .during(During::BusinessHours)
}

fn policy(rule: Rule) -> Policy {
    bare().with_rule(rule).unwrap()
}

fn rule_events(events: &[Event]) -> Vec<(chrono::DateTime<chrono::Utc>, &'static str)> {
    events
        .iter()
        .filter_map(|e| {
            let name = match e.kind() {
                EventKind::RuleArmed { .. } => "armed",
                EventKind::RuleDisarmed { .. } => "disarmed",
                EventKind::RuleFired { .. } => "fired",
                EventKind::Notified { .. } => "notified",
                _ => return None,
            };
            Some((e.at(), name))
        })
        .collect()
}

#[test]
fn a_rule_that_starts_to_hold_at_night_acts_when_the_desk_opens() {
    let mut s = Story::new(policy(page()));
    // Saturday 03:00: nobody owns the new case, but nobody is paged now.
    s.open(day(6, 3, 0));
    assert_eq!(rule_events(&s.log), [(day(6, 3, 0), "armed")]);
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(8, 9, 0)));
    // Monday 09:00, the desk opens: the lead is paged, and the rule waits no more.
    let events = s.tick(day(8, 12, 0));
    assert_eq!(
        rule_events(&events),
        [
            (day(8, 9, 0), "fired"),
            (day(8, 9, 0), "notified"),
            (day(8, 9, 0), "disarmed")
        ]
    );
    assert_eq!(s.case.next_wakeup(&s.policy), None);
}

#[test]
fn a_deferred_rule_whose_condition_ends_before_the_opening_never_acts() {
    let mut s = Story::new(policy(page()));
    s.open(day(6, 3, 0));
    // Someone takes the case on Sunday.
    let events = s.run(
        day(7, 11, 0),
        Actor::System,
        escalate::CommandKind::Assign { to: sam() },
    );
    assert_eq!(rule_events(&events), [(day(7, 11, 0), "disarmed")]);
    assert!(rule_events(&s.tick(day(8, 12, 0))).is_empty());
}

#[test]
fn in_working_hours_a_deferred_rule_acts_at_once() {
    let mut s = Story::new(policy(page()));
    s.open(mon(10, 0));
    assert_eq!(
        rule_events(&s.log),
        [(mon(10, 0), "fired"), (mon(10, 0), "notified")]
    );
}

#[test]
fn a_delay_that_runs_out_at_night_acts_at_the_next_opening() {
    // Two wall-clock hours after the case opens unowned, on the `always` calendar.
    let rule = page().with_delay(
        Delay {
            after: Within::Time(TimeDelta::hours(2)),
            from: DelayFrom::Condition,
            calendar: CalendarName::always(),
        },
        1,
    );
    let mut s = Story::new(policy(rule));
    // Friday 16:00: the delay runs out Friday 18:00, after closing.
    s.open(day(5, 16, 0));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(8, 9, 0)));
    let events = s.tick(day(8, 12, 0));
    // It acts at Monday's opening, and repeats two hours after it acted.
    assert_eq!(
        rule_events(&events),
        [
            (day(8, 9, 0), "fired"),
            (day(8, 9, 0), "notified"),
            (day(8, 11, 0), "fired"),
            (day(8, 11, 0), "notified")
        ]
    );
}

#[test]
fn the_host_cannot_change_when_a_deferred_rule_acts() {
    let run = |ticks: &[chrono::DateTime<chrono::Utc>]| {
        let mut s = Story::new(policy(page()));
        s.open(day(6, 3, 0));
        for t in ticks {
            s.tick(*t);
        }
        s.run(
            day(8, 10, 0),
            Actor::System,
            escalate::CommandKind::Assign { to: sam() },
        );
        s.log
    };
    let eager = run(&[day(6, 4, 0), day(7, 0, 0), day(8, 9, 0), day(8, 9, 30)]);
    let lazy = run(&[]);
    assert_eq!(eager, lazy);
    assert_eq!(
        rule_events(&lazy),
        [
            (day(6, 3, 0), "armed"),
            (day(8, 9, 0), "fired"),
            (day(8, 9, 0), "notified"),
            (day(8, 9, 0), "disarmed")
        ]
    );
}

#[test]
fn deferral_reads_in_a_policy_file_and_names_a_known_calendar() {
    let head = r#"
        version = "v"
        tiers = ["frontline", "supervisor"]
        [calendars.store]
        time_zone = "UTC"
        hours = { mon = ["09:00-17:00"] }
    "#;
    let policy = Policy::from_toml_str(&format!(
        "{head}\n[[rules]]\nname = \"r\"\nwhen = \"unowned\"\nthen = \"escalate_one_tier\"\nduring = {{ business_hours_of = \"store\" }}\n"
    ))
    .unwrap();
    assert_eq!(
        policy.rules()[0].during,
        Some(During::BusinessHoursOf("store".parse().unwrap()))
    );
    let err = Policy::from_toml_str(&format!(
        "{head}\n[[rules]]\nname = \"r\"\nwhen = \"unowned\"\nthen = \"escalate_one_tier\"\nduring = {{ business_hours_of = \"shop\" }}\n"
    ))
    .unwrap_err();
    assert_eq!(err.path(), "rules[0].during.business_hours_of");
}

#[test]
fn lint_warns_when_business_hours_defer_nothing() {
    let policy = support::three_tiers("v").with_rule(page()).unwrap();
    let lints = policy.lint();
    assert_eq!(lints.len(), 1, "{lints:?}");
    assert_eq!(lints[0].path, "rules[0].during");
    assert!(policy_lints_clean(&bare().with_rule(page()).unwrap()));
}

fn policy_lints_clean(policy: &Policy) -> bool {
    policy.lint().is_empty()
}

#[test]
fn a_deferred_rule_that_grows_at_the_opening_acts_once() {
    use escalate::sla::{Metric, MetricPolicy, Target};
    // First response in 4 wall-clock hours, next response in 1 business
    // hour; a breach of either escalates, in working hours.
    let rule = Rule::new(
        "breach",
        Condition::Any(vec![
            Condition::SlaBreach(Metric::FirstResponse),
            Condition::SlaBreach(Metric::NextResponse),
        ]),
        [Action::EscalateOneTier],
    )
    .during(During::BusinessHours);
    let policy = bare()
        .with_sla(MetricPolicy::new(
            Metric::FirstResponse,
            Target::new(Within::Time(TimeDelta::hours(4)), CalendarName::always()),
        ))
        .unwrap()
        .with_sla(MetricPolicy::new(
            Metric::NextResponse,
            Target::new(Within::Time(TimeDelta::hours(1)), support::cal("business")),
        ))
        .unwrap()
        .with_next_response_after_first(false)
        .with_rule(rule)
        .unwrap();
    let run = |ticks: &[chrono::DateTime<chrono::Utc>]| {
        let mut s = Story::new(policy.clone());
        // Friday 16:00: opened, owned, and written to again; the next
        // response is due as the desk opens Monday 09:00.
        s.open(day(5, 16, 0));
        s.assign(day(5, 16, 0), sam());
        s.contact(day(5, 16, 0), escalate::Channel::Email);
        for t in ticks {
            s.tick(*t);
        }
        s.tick(day(8, 10, 0));
        s.log
    };
    let lazy = run(&[]);
    // The first response breaches Friday 20:00 (armed); the next response
    // Monday 09:00, as the desk opens: the rule acts once, at 09:00.
    let fired: Vec<_> = rule_events(&lazy)
        .into_iter()
        .filter(|(_, e)| *e == "fired")
        .collect();
    assert_eq!(fired, [(day(8, 9, 0), "fired")]);
    assert_eq!(run(&[day(5, 20, 0), day(8, 9, 0)]), lazy);
}
