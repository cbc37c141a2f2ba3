//! Business calendars.
