//! The one-shot program of escalate's `examples/calendar_one_shot.rs`,
//! written with workclock: build the schedule, add 8 business hours to one
//! instant, print the answer, exit. `bash benches/peers/run.sh` times the
//! whole process of both.
//!
//! Inputs: America/New_York, Monday to Friday 09:00-17:00, the eleven 2021
//! US federal holidays; 8 business hours from Friday 2021-07-02 13:00 EDT.
//! The answer is Tuesday 2021-07-06 13:00 EDT.

use jiff::civil::{Date, date, time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Zoned};
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let holidays = HOLIDAYS
        .iter()
        .map(|&(y, m, d)| Date::new(y, m, d))
        .collect::<Result<Vec<_>, _>>()?;
    let schedule = Schedule::builder()
        .time_zone("America/New_York")
        .rule(WorkDay::new(
            time(9, 0, 0, 0),
            time(17, 0, 0, 0),
            Weekdays::MON_TO_FRI,
        ))
        .rule(Holidays::new(holidays))
        .build()?;
    let new_york = TimeZone::get("America/New_York")?;
    let start = date(2021, 7, 2).at(13, 0, 0, 0).to_zoned(new_york.clone())?;
    let due = schedule.add(start.timestamp(), SignedDuration::from_hours(8))?;
    println!("{}", Zoned::new(due, new_york).strftime("%Y-%m-%d %H:%M %Z"));
    Ok(())
}
