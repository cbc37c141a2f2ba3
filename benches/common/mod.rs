//! What the benches share: the opening of a case by a standard customer's
//! email.

use escalate::{Channel, CommandKind, Customer, CustomerValue, Origin, Priority};

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
