//! escalate vs workclock on identical inputs, in one run.
//!
//! Inputs (the same as escalate's `benches/sla.rs` and
//! `benches/peers/businesstimedelta_bench.py`): America/New_York, Monday to
//! Friday 09:00-17:00, the eleven 2021 US federal holidays.
//! - add: 8 business hours from Friday 2021-07-02 13:00 (weekend, then the
//!   Independence Day holiday on Monday 07-05);
//! - elapsed: 2021-01-04 10:00 to 2022-01-04 10:00.
//!
//! Before timing, the answers of both libraries are printed side by side,
//! with a few extra cases where their documented semantics differ.

use std::hint::black_box;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::America::New_York;
use criterion::{Criterion, criterion_group, criterion_main};
use escalate::sla::BusinessCalendar;
use jiff::civil::{Date, time};
use jiff::{SignedDuration, Timestamp};
use workclock::{Holidays, Schedule, Weekdays, WorkDay};

const HOLIDAYS: [(i16, i8, i8); 11] = [
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

fn escalate_office() -> BusinessCalendar {
    let mut b = BusinessCalendar::builder(New_York).weekdays(&["09:00-17:00"]);
    for (y, m, d) in HOLIDAYS {
        let date = NaiveDate::from_ymd_opt(y.into(), m.try_into().unwrap(), d.try_into().unwrap());
        b = b.holiday(date.expect("valid holiday"));
    }
    b.build().expect("valid calendar")
}

fn workclock_office() -> Schedule {
    Schedule::builder()
        .time_zone("America/New_York")
        .rule(WorkDay::new(
            time(9, 0, 0, 0),
            time(17, 0, 0, 0),
            Weekdays::MON_TO_FRI,
        ))
        .rule(Holidays::new(
            HOLIDAYS.map(|(y, m, d)| Date::new(y, m, d).expect("valid holiday")),
        ))
        .build()
        .expect("valid schedule")
}

fn ny(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    New_York
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("unambiguous")
        .to_utc()
}

fn ts(t: DateTime<Utc>) -> Timestamp {
    Timestamp::new(t.timestamp(), 0).expect("in range")
}

fn show(t: Result<DateTime<Utc>, String>) -> String {
    t.map(|t| {
        t.with_timezone(&New_York)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    })
    .unwrap_or_else(|e| format!("error: {e}"))
}

fn show_wc(t: Result<Timestamp, workclock::Error>) -> String {
    show(
        t.map_err(|e| e.to_string()).and_then(|t| {
            DateTime::from_timestamp(t.as_second(), 0).ok_or_else(|| "range".to_owned())
        }),
    )
}

fn compare(label: &str, ours: String, theirs: String, why: &str) {
    let verdict = if ours == theirs {
        "agree".to_owned()
    } else {
        format!("DIFFER: {why}")
    };
    println!("{label:<44} escalate {ours:<24} workclock {theirs:<24} {verdict}");
}

fn answers() {
    let cal = escalate_office();
    let wc = workclock_office();
    println!("answers (America/New_York, Mon-Fri 09-17, 2021 US holidays)");
    let fri = ny(2021, 7, 2, 13, 0);
    compare(
        "add 8h from Fri 2021-07-02 13:00",
        show(cal.add(fri, TimeDelta::hours(8)).map_err(|e| e.to_string())),
        show_wc(wc.add(ts(fri), SignedDuration::from_hours(8))),
        "",
    );
    let (a, b) = (ny(2021, 1, 4, 10, 0), ny(2022, 1, 4, 10, 0));
    compare(
        "elapsed 2021-01-04 10:00 .. 2022-01-04 10:00",
        format!("{}s", cal.elapsed(a, b).num_seconds()),
        format!("{}s", wc.between(ts(a), ts(b)).as_secs()),
        "",
    );
    let mon = ny(2021, 6, 21, 16, 0);
    compare(
        "add 1h from Mon 16:00 (runs out at closing)",
        show(cal.add(mon, TimeDelta::hours(1)).map_err(|e| e.to_string())),
        show_wc(wc.add(ts(mon), SignedDuration::from_hours(1))),
        "escalate lands on the next opening, workclock on the closing time",
    );
    let sat = ny(2021, 6, 26, 12, 0);
    compare(
        "add 0 from Sat 12:00",
        show(cal.add(sat, TimeDelta::zero()).map_err(|e| e.to_string())),
        show_wc(wc.add(ts(sat), SignedDuration::ZERO)),
        "escalate gives the first open instant, workclock the start itself",
    );
    compare(
        "elapsed backwards (to < from)",
        format!("{}s", cal.elapsed(b, a).num_seconds()),
        format!("{}s", wc.between(ts(b), ts(a)).as_secs()),
        "escalate is zero, workclock negative",
    );
    // Night desk: Fri 22:00-06:00, holiday on Saturday 2021-12-25.
    let night = BusinessCalendar::builder(New_York)
        .hours(Weekday::Fri, &["22:00-06:00"])
        .holiday(NaiveDate::from_ymd_opt(2021, 12, 25).expect("date"))
        .build()
        .expect("valid");
    let wc_night = Schedule::builder()
        .time_zone("America/New_York")
        .rule(WorkDay::new(
            time(22, 0, 0, 0),
            time(6, 0, 0, 0),
            [jiff::civil::Weekday::Friday]
                .into_iter()
                .collect::<Weekdays>(),
        ))
        .rule(Holidays::new([Date::new(2021, 12, 25).expect("date")]))
        .build()
        .expect("valid");
    let (c, d) = (ny(2021, 12, 24, 12, 0), ny(2021, 12, 26, 12, 0));
    compare(
        "overnight Fri 22-06 into a Sat holiday",
        format!("{}s", night.elapsed(c, d).num_seconds()),
        format!("{}s", wc_night.between(ts(c), ts(d)).as_secs()),
        "escalate keeps a shift that starts before the holiday, workclock cuts at midnight",
    );
    println!();
}

fn peers(c: &mut Criterion) {
    answers();
    let cal = escalate_office();
    let wc = workclock_office();
    let fri = ny(2021, 7, 2, 13, 0);
    let (a, b) = (ny(2021, 1, 4, 10, 0), ny(2022, 1, 4, 10, 0));
    let (wfri, wa, wb) = (ts(fri), ts(a), ts(b));
    let eight = TimeDelta::hours(8);
    let weight = SignedDuration::from_hours(8);

    let mut g = c.benchmark_group("peers");
    g.bench_function("escalate/add_8h_weekend_holiday", |bn| {
        bn.iter(|| black_box(&cal).add(black_box(fri), black_box(eight)));
    });
    g.bench_function("workclock/add_8h_weekend_holiday", |bn| {
        bn.iter(|| black_box(&wc).add(black_box(wfri), black_box(weight)));
    });
    g.bench_function("escalate/elapsed_one_year", |bn| {
        bn.iter(|| black_box(&cal).elapsed(black_box(a), black_box(b)));
    });
    g.bench_function("workclock/elapsed_one_year", |bn| {
        bn.iter(|| black_box(&wc).between(black_box(wa), black_box(wb)));
    });
    // Setup: building the calendar (the zone's tables are per process in
    // both libraries, so after the first iteration this is the cost of
    // every further calendar), then building and adding once.
    g.bench_function("escalate/build", |bn| bn.iter(escalate_office));
    g.bench_function("workclock/build", |bn| bn.iter(workclock_office));
    g.bench_function("escalate/build_then_add_8h", |bn| {
        bn.iter(|| escalate_office().add(black_box(fri), black_box(eight)));
    });
    g.bench_function("workclock/build_then_add_8h", |bn| {
        bn.iter(|| workclock_office().add(black_box(wfri), black_box(weight)));
    });
    g.finish();
}

criterion_group!(benches, peers);
criterion_main!(benches);
