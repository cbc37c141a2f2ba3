//! What the benches share: the opening of a case by a standard customer's
//! email.

use chrono::{DateTime, Utc};
use escalate::{Actor, Channel, Command, CommandKind, Customer, CustomerValue, Origin, Priority};

/// `open` by a standard customer's email, "order late", normal priority.
pub fn email_opening() -> CommandKind {
    CommandKind::Open {
        customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
        origin: Origin::Contact {
            channel: Channel::Email,
        },
        summary: "order late".into(),
        priority: Priority::Normal,
    }
}

/// The command `open` (id "open") of [`email_opening`], sent at `at`.
#[allow(dead_code)] // not every bench opens its cases by command
pub fn email_open(at: DateTime<Utc>) -> Command {
    Command::new(
        "open".parse().unwrap(),
        Actor::Customer,
        at,
        email_opening(),
    )
}
