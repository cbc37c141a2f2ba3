//! Benchmarks for `escalate::sla`, one function per group.
//!
//! Run: `cargo bench --bench sla -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::America::New_York;
use criterion::{Criterion, criterion_group, criterion_main};
use escalate::sla::BusinessCalendar;

/// Mon-Fri 09:00-17:00 in New York with the 2021 US federal holidays.
fn us_office() -> BusinessCalendar {
    let json = r#"{
        "time_zone": "America/New_York",
        "hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                  "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
        "holidays": ["2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18",
                     "2021-07-05", "2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25",
                     "2021-12-24"]
    }"#;
    serde_json::from_str(json).expect("the bench calendar is valid")
}

/// The same calendar as [`us_office`], through the builder, as a one-shot
/// program builds it (`examples/calendar_one_shot.rs`).
fn us_office_built() -> BusinessCalendar {
    const HOLIDAYS: [(i32, u32, u32); 11] = [
        (2021, 1, 1),
        (2021, 1, 18),
        (2021, 2, 15),
        (2021, 5, 31),
        (2021, 6, 18),
        (2021, 7, 5),
        (2021, 9, 6),
        (2021, 10, 11),
        (2021, 11, 11),
        (2021, 11, 25),
        (2021, 12, 24),
    ];
    let mut builder = BusinessCalendar::builder(New_York).weekdays(&["09:00-17:00"]);
    for (y, m, d) in HOLIDAYS {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("a valid holiday");
        builder = builder.holiday(date);
    }
    builder.build().expect("the bench calendar is valid")
}

fn new_york(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    New_York
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("an unambiguous local time")
        .to_utc()
}

/// `calendar/*`: business-time arithmetic.
fn calendar(c: &mut Criterion) {
    let cal = us_office();
    let mut group = c.benchmark_group("calendar");

    // Friday 2 July 2021 13:00: 4 h on Friday, the weekend, the Monday
    // holiday (Independence Day observed), 4 h on Tuesday.
    let fri = new_york(2021, 7, 2, 13);
    let eight = TimeDelta::hours(8);
    assert_eq!(cal.add(fri, eight).ok(), Some(new_york(2021, 7, 6, 13)));
    group.bench_function("add_8h_weekend_holiday", |b| {
        b.iter(|| black_box(&cal).add(black_box(fri), black_box(eight)));
    });

    let from = new_york(2021, 1, 4, 10);
    let to = new_york(2022, 1, 4, 10);
    // 261 weekdays, 10 of the holidays fall inside the range.
    assert_eq!(cal.elapsed(from, to), TimeDelta::hours(8 * (261 - 10)));
    group.bench_function("elapsed_one_year", |b| {
        b.iter(|| black_box(&cal).elapsed(black_box(from), black_box(to)));
    });

    // Evidence that the cost does not grow with the range: a century.
    let later = new_york(2121, 1, 4, 10);
    group.bench_function("elapsed_one_century", |b| {
        b.iter(|| black_box(&cal).elapsed(black_box(from), black_box(later)));
    });

    // Setup: what a one-shot process pays before its first answer. The
    // zone's tables are shared per process, so after the first iteration
    // these measure what every further calendar in the zone costs.
    assert_eq!(us_office_built(), cal);
    group.bench_function("build", |b| b.iter(us_office_built));
    group.bench_function("build_then_add_8h", |b| {
        b.iter(|| us_office_built().add(black_box(fri), black_box(eight)));
    });

    group.finish();
}

/// A case with five live clocks (first response, resolution, next
/// response and two promises) under a policy with two warnings per metric.
fn five_clock_case() -> (escalate::Case, escalate::policy::Policy) {
    use escalate::sla::{CalendarName, Metric, MetricPolicy, Target, Threshold, Within};
    use escalate::{
        Actor, Case, Channel, Command, CommandKind, Customer, CustomerValue, Origin, Priority,
    };
    let office: CalendarName = "office".parse().expect("a valid calendar name");
    let warn = |m: Metric, within: Within| {
        MetricPolicy::new(m, Target::new(within, office.clone()))
            .with_warning(Threshold::Percent(50))
            .with_warning(Threshold::Before(TimeDelta::minutes(30)))
    };
    let mut policy = escalate::policy::Policy::default()
        .with_calendar(office.clone(), us_office())
        .expect("a valid calendar name");
    for (metric, within) in [
        (Metric::FirstResponse, Within::Time(TimeDelta::hours(4))),
        (Metric::NextResponse, Within::Time(TimeDelta::hours(8))),
        (Metric::Resolution, Within::BusinessDays(5)),
        (Metric::Promise, Within::Time(TimeDelta::hours(1))),
    ] {
        policy = policy
            .with_sla(warn(metric, within))
            .expect("each metric once");
    }
    // The second contact starts its own next-response clock (the fifth)
    // before the first response, as it did when these figures were taken.
    let policy = policy.with_next_response_after_first(false);
    let mut case = Case::new("BENCH".parse().expect("an id"));
    let at = new_york(2021, 7, 2, 13);
    let commands = [
        (
            Actor::Customer,
            CommandKind::Open {
                customer: Customer::new("c".parse().expect("an id"), CustomerValue::Standard),
                origin: Origin::Contact {
                    channel: Channel::Email,
                },
                summary: "late order".into(),
                priority: Priority::Normal,
            },
        ),
        (
            Actor::System,
            CommandKind::Promise {
                what: "call back".into(),
                due: new_york(2021, 7, 6, 10),
            },
        ),
        (
            Actor::System,
            CommandKind::Promise {
                what: "refund".into(),
                due: new_york(2021, 7, 9, 10),
            },
        ),
        (
            Actor::Customer,
            CommandKind::Contact {
                channel: Channel::Chat,
                note: "any news?".into(),
            },
        ),
    ];
    for (n, (actor, kind)) in commands.into_iter().enumerate() {
        let cmd = Command::new(format!("c{n}").parse().expect("an id"), actor, at, kind);
        for event in case.handle(&policy, cmd, at).expect("accepted") {
            case.apply(&event).unwrap();
        }
    }
    (case, policy)
}

/// `clocks/*`: the case's SLA clocks.
fn clocks(c: &mut Criterion) {
    let (case, policy) = five_clock_case();
    assert_eq!(case.clocks().len(), 5);
    assert!(case.next_wakeup(&policy).is_some());
    let mut group = c.benchmark_group("clocks");
    group.bench_function("next_wakeup_five_clocks", |b| {
        b.iter(|| black_box(&case).next_wakeup(black_box(&policy)));
    });
    group.bench_function("tick_five_clocks_nothing_due", |b| {
        let now = new_york(2021, 7, 2, 13);
        b.iter(|| black_box(&case).tick(black_box(&policy), black_box(now)));
    });
    group.finish();
}

criterion_group!(benches, calendar, clocks);
criterion_main!(benches);
