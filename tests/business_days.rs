//! Business-day targets count from the first open instant at or after the
//! start: worked examples on a Mon-Fri 08:00-18:00 desk in London with the
//! Easter holidays, the lint on targets shorter than a closing inside the
//! working day, and the laws on generated calendars.

mod support;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Europe::London;
use escalate::policy::Policy;
use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold, Within};
use escalate::{Channel, EventKind};
use proptest::prelude::*;
use support::{Story, cal, hours, local, via};

/// The IT desk: Mon-Fri 08:00-18:00 in London, closed on Good Friday and
/// Easter Monday 2021.
fn desk() -> BusinessCalendar {
    BusinessCalendar::builder(London)
        .weekdays(&["08:00-18:00"])
        .holiday(NaiveDate::from_ymd_opt(2021, 4, 2).unwrap())
        .holiday(NaiveDate::from_ymd_opt(2021, 4, 5).unwrap())
        .build()
        .unwrap()
}

/// A P2 policy: first response within 4 business hours, resolution within
/// 1 business day warned at 75%, both on the desk.
fn p2_policy() -> Policy {
    Policy::new("it-desk", ["frontline", "supervisor"])
        .unwrap()
        .with_time_zone(London)
        .with_calendar(cal("desk"), desk())
        .unwrap()
        .with_sla(MetricPolicy::new(
            Metric::FirstResponse,
            Target::new(Within::Time(hours(4)), cal("desk")),
        ))
        .unwrap()
        .with_sla(
            MetricPolicy::new(
                Metric::Resolution,
                Target::new(Within::BusinessDays(1), cal("desk")),
            )
            .with_warning(Threshold::Percent(75)),
        )
        .unwrap()
}

fn london(m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local(London, 2021, m, d, h, mi)
}

/// The case's clock for `metric`: its business-time target and due instant.
fn clock(story: &Story, metric: Metric) -> (TimeDelta, Option<DateTime<Utc>>) {
    let c = story
        .case
        .clocks()
        .iter()
        .find(|c| c.metric() == metric)
        .unwrap();
    (c.target(), c.due())
}

#[test]
fn a_saturday_0300_contact_gets_a_whole_business_day() {
    let mut story = Story::starting("IT-1", p2_policy(), london(6, 19, 3, 0));
    // Saturday 19 June 2021, 03:00: the count starts at Monday 08:00.
    story.open_by(london(6, 19, 3, 0), via(Channel::Email));
    assert_eq!(
        clock(&story, Metric::Resolution),
        (hours(10), Some(london(6, 22, 8, 0)))
    );
    assert_eq!(
        clock(&story, Metric::FirstResponse),
        (hours(4), Some(london(6, 21, 12, 0)))
    );
    // Its 75% warning waits for 7h30 of business time: Monday 15:30, not
    // the moment the case opens.
    assert_eq!(
        story.case.next_wakeup(&story.policy),
        Some(london(6, 21, 12, 0))
    );
    let events = story.tick(london(6, 21, 16, 0));
    let warned: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind(), EventKind::SlaWarned { .. }))
        .map(escalate::Event::at)
        .collect();
    assert_eq!(warned, [london(6, 21, 15, 30)]);
}

#[test]
fn a_p2_opened_on_easter_sunday_is_resolved_after_its_first_response_is_due() {
    let mut story = Story::starting("IT-2", p2_policy(), london(4, 4, 10, 0));
    story.open_by(london(4, 4, 10, 0), via(Channel::Email));
    // The desk reopens on Tuesday 6 April at 08:00 (Easter Monday is a
    // holiday): first response by 12:00, resolution by Wednesday 08:00.
    let (_, first) = clock(&story, Metric::FirstResponse);
    let (target, resolution) = clock(&story, Metric::Resolution);
    assert_eq!(first, Some(london(4, 6, 12, 0)));
    assert_eq!(resolution, Some(london(4, 7, 8, 0)));
    assert_eq!(target, hours(10));
    assert!(resolution > first);
}

#[test]
fn worked_examples_of_one_business_day() {
    let cal = desk();
    let one = Within::BusinessDays(1);
    let cases = [
        // Monday 09:00: Tuesday 09:00.
        (london(6, 21, 9, 0), london(6, 22, 9, 0)),
        // Friday 17:00, an hour before closing: Monday 17:00.
        (london(6, 18, 17, 0), london(6, 21, 17, 0)),
        // Friday 18:00, closed: counted from Monday 08:00.
        (london(6, 18, 18, 0), london(6, 22, 8, 0)),
        // Saturday 03:00: counted from Monday 08:00.
        (london(6, 19, 3, 0), london(6, 22, 8, 0)),
        // Thursday before Easter at 19:00: Good Friday and the weekend and
        // Easter Monday are closed; counted from Tuesday 08:00.
        (london(4, 1, 19, 0), london(4, 7, 8, 0)),
    ];
    for (start, due) in cases {
        assert_eq!(one.due_after(&cal, start).unwrap(), due, "from {start}");
        assert_eq!(cal.elapsed(start, due), hours(10), "from {start}");
    }
    // Two business days from Saturday: Wednesday 08:00.
    assert_eq!(
        Within::BusinessDays(2)
            .due_after(&cal, london(6, 19, 3, 0))
            .unwrap(),
        london(6, 23, 8, 0)
    );
}

#[test]
fn a_target_shorter_than_a_lunch_break_is_linted() {
    let lunch = BusinessCalendar::builder(London)
        .weekdays(&["09:00-12:00", "13:00-17:00"])
        .build()
        .unwrap();
    let policy = Policy::new("shop", ["frontline", "supervisor"])
        .unwrap()
        .with_calendar(cal("shop"), lunch)
        .unwrap()
        .with_sla(MetricPolicy::new(
            Metric::FirstResponse,
            Target::new(Within::Time(TimeDelta::minutes(15)), cal("shop")),
        ))
        .unwrap()
        .with_sla(MetricPolicy::new(
            Metric::Resolution,
            Target::new(Within::Time(hours(4)), cal("shop")),
        ))
        .unwrap();
    let lints = policy.lint();
    assert_eq!(lints.len(), 1, "{lints:?}");
    assert_eq!(lints[0].path, "sla[0].fallback.within");
    assert_eq!(
        lints[0].message,
        "15m is shorter than calendar \"shop\"'s closing of 1h from Monday 12:00: a clock \
         started just before it closes is due only after it reopens, up to 1h15m later by \
         the wall clock"
    );
    // A 15-minute target at 11:55 on Monday is due at 13:10.
    let shop = policy.calendar(&cal("shop")).unwrap().clone();
    assert_eq!(
        Within::Time(TimeDelta::minutes(15))
            .due_after(&shop, london(6, 21, 11, 55))
            .unwrap(),
        london(6, 21, 13, 10)
    );
    // Overnight and weekend closings are what business-hours targets span:
    // a 4-hour target on the 08:00-18:00 desk is not linted.
    assert!(p2_policy().lint().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// On any calendar and from any instant, `n` business days are due
    /// strictly after the start with business time in between, and `n + 1`
    /// days are due no earlier than `n`.
    #[test]
    fn business_days_are_never_zero(
        calendar in escalate::testing::calendars(),
        offset in 0i64..(60 * 86_400),
        n in 1u32..12,
    ) {
        let start = DateTime::from_timestamp(1_609_459_200 + offset, 0).unwrap(); // 2021-01-01 + offset
        let due = Within::BusinessDays(n).due_after(&calendar, start).unwrap();
        prop_assert!(due > start);
        prop_assert!(calendar.elapsed(start, due) > TimeDelta::zero());
        prop_assert!(calendar.is_open(due));
        let more = Within::BusinessDays(n + 1).due_after(&calendar, start).unwrap();
        prop_assert!(more >= due);
        prop_assert!(calendar.elapsed(start, more) >= calendar.elapsed(start, due));
    }

    /// A case's clocks all start with a positive business-time target, on
    /// generated policies and at any opening instant.
    #[test]
    fn no_clock_starts_with_a_zero_target(
        calendar in escalate::testing::calendars(),
        offset in 0i64..(60 * 86_400),
        n in 1u32..12,
    ) {
        let policy = Policy::new("p", ["frontline", "supervisor"])
            .unwrap()
            .with_calendar(cal("desk"), calendar)
            .unwrap()
            .with_sla(MetricPolicy::new(
                Metric::Resolution,
                Target::new(Within::BusinessDays(n), cal("desk")),
            ))
            .unwrap();
        let at = DateTime::from_timestamp(1_609_459_200 + offset, 0).unwrap();
        let mut story = Story::starting("P-1", policy, at);
        story.open_by(at, via(Channel::Email));
        let (target, due) = clock(&story, Metric::Resolution);
        prop_assert!(target > TimeDelta::zero());
        prop_assert!(due.is_some_and(|d| d > at));
    }
}
