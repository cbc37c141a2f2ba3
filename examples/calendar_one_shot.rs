//! A one-shot process: build a business calendar, add 8 business hours to
//! one instant, print the answer, exit.
//!
//! This is what a command-line tool or a serverless function does on every
//! call, so the whole process time counts, calendar setup included.
//! `bash benches/peers/run.sh` times it against the same program written
//! with the `workclock` crate and with Python's `businesstimedelta`.
//!
//! Inputs (the same as `benches/sla.rs` and the peers): `America/New_York`,
//! Monday to Friday 09:00-17:00, the eleven 2021 US federal holidays;
//! 8 business hours from Friday 2021-07-02 13:00 EDT. The answer is
//! Tuesday 2021-07-06 13:00 EDT (the weekend and the Independence Day
//! holiday on Monday are skipped).
//!
//! Run with `cargo run --release --example calendar_one_shot`.

use chrono::{NaiveDate, TimeDelta, TimeZone};
use chrono_tz::America::New_York;
use escalate::sla::BusinessCalendar;

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = BusinessCalendar::builder(New_York).weekdays(&["09:00-17:00"]);
    for (y, m, d) in HOLIDAYS {
        builder = builder.holiday(NaiveDate::from_ymd_opt(y, m, d).ok_or("invalid holiday")?);
    }
    let calendar = builder.build()?;
    let start = New_York
        .with_ymd_and_hms(2021, 7, 2, 13, 0, 0)
        .single()
        .ok_or("ambiguous start")?
        .to_utc();
    let due = calendar.add(start, TimeDelta::hours(8))?;
    println!(
        "{}",
        due.with_timezone(&New_York).format("%Y-%m-%d %H:%M %Z")
    );
    Ok(())
}
