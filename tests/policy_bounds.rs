//! The bounds every valid policy keeps (see `Policy`'s "Bounds" docs): each
//! refusal with its exact message, built in code and loaded from a file,
//! where the path must be the full one.

mod support;

use escalate::policy::Policy;
use escalate::sla::BusinessCalendar;
use support::{HEAD, cal, three_tiers};

/// Loads `text` and expects a refusal with exactly `message`.
#[track_caller]
fn refused_toml(text: &str, message: &str) {
    match Policy::from_toml_str(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => assert_eq!(e.to_string(), message, "file:\n{text}"),
    }
}

// ---------------------------------------------------------------------------
// Calendars that close for good.

#[test]
fn a_calendar_open_only_on_dated_shifts_is_refused_with_its_last_date() {
    let message = "calendars.support: the calendar never opens after 2027-01-05 (its last shift): give weekly hours";
    let dated: BusinessCalendar = serde_json::from_str(
        r#"{"time_zone": "Europe/Paris", "shifts": {"2026-12-24": ["09:00-12:00"], "2027-01-05": ["09:00-17:00"], "2027-02-01": []}}"#,
    )
    .unwrap();
    let err = three_tiers("v")
        .with_calendar(cal("support"), dated)
        .unwrap_err();
    assert_eq!(err.to_string(), message);
    refused_toml(
        &format!(
            "{HEAD}\n[calendars.support]\ntime_zone = \"Europe/Paris\"\nshifts = {{ \"2026-12-24\" = [\"09:00-12:00\"], \"2027-01-05\" = [\"09:00-17:00\"], \"2027-02-01\" = [] }}\n"
        ),
        message,
    );
    // With weekly hours the same shifts are fine: the calendar keeps opening.
    let weekly = format!(
        "{HEAD}\n[calendars.support]\nhours = {{ sat = [\"10:00-12:00\"] }}\nshifts = {{ \"2027-01-05\" = [\"09:00-17:00\"] }}\n"
    );
    assert!(Policy::from_toml_str(&weekly).is_ok());
}
