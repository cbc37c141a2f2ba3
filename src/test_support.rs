//! Fixtures for the unit tests; compiled only for `cargo test`. The
//! documentation's examples build their cases visibly instead.

use chrono::{DateTime, Utc};

use crate::policy::Policy;
use crate::recovery::{CreditForm, Currency, Gesture, Manner, Money};
use crate::{Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue};
use crate::{FailureId, FailureKind, Origin};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Parses an RFC 3339 time; panics on a bad literal (tests only).
#[must_use]
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map_or_else(
        |e| panic!("bad time literal {s:?}: {e}"),
        |t| t.with_timezone(&Utc),
    )
}

/// A case and its log: the events applied to it, in order.
pub type Logged = (Case, Vec<crate::Event>);

fn run(
    (case, log): &mut Logged,
    id: &str,
    actor: Actor,
    when: &str,
    kind: CommandKind,
) -> Result<()> {
    let policy = Policy::default().with_time_zone(chrono_tz::America::New_York);
    let cmd = Command::new(id.parse()?, actor, at(when), kind);
    for event in case.handle(&policy, cmd, at(when))? {
        case.apply(&event)?;
        log.push(event);
    }
    Ok(())
}

/// Case CAB-1 opened by a phone call at 2021-03-04 15:10 UTC, no owner.
pub fn opened_case() -> Result<Logged> {
    let mut case = (Case::new("CAB-1".parse()?), Vec::new());
    run(
        &mut case,
        "c-1",
        Actor::Customer,
        "2021-03-04T15:10:00Z",
        CommandKind::Open {
            customer: Customer::new("cust-9".parse()?, CustomerValue::Standard),
            origin: Origin::Contact {
                channel: Channel::Phone,
            },
            summary: "wrong cabinet delivered".into(),
            priority: crate::Priority::Normal,
        },
    )?;
    Ok(case)
}

/// [`opened_case`] assigned to sam (frontline) at 20:11 UTC by the system.
pub fn owned_case() -> Result<Logged> {
    let mut case = opened_case()?;
    let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    run(
        &mut case,
        "c-2",
        Actor::System,
        "2021-03-04T20:11:00Z",
        CommandKind::Assign { to: sam },
    )?;
    Ok(case)
}

/// [`owned_case`] with a product failure (loss USD 249.99) at 19:00 UTC.
pub fn case_with_failure() -> Result<Logged> {
    let mut case = owned_case()?;
    let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    run(
        &mut case,
        "c-3",
        Actor::Agent(sam),
        "2021-03-04T19:00:00Z",
        CommandKind::RecordFailure {
            kind: FailureKind::Product,
            description: "wrong cabinet delivered".into(),
            loss: Some(Money::new(24_999, Currency::USD)),
        },
    )?;
    Ok(case)
}

/// [`case_with_failure`] where sam (frontline) apologised for failure #1 at
/// 20:25 UTC and offered a USD 20.00 store credit for it at 20:30 UTC
/// (offer #1, open).
pub fn case_with_offer() -> Result<Logged> {
    let mut case = case_with_failure()?;
    let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    run(
        &mut case,
        "c-4",
        Actor::Agent(sam.clone()),
        "2021-03-04T20:25:00Z",
        CommandKind::Grant {
            gestures: vec![Gesture::Apology {
                failures: vec![FailureId::new(1)],
                manner: Manner::Personal,
            }],
        },
    )?;
    run(
        &mut case,
        "c-5",
        Actor::Agent(sam),
        "2021-03-04T20:30:00Z",
        CommandKind::Offer {
            gesture: store_credit(2_000),
        },
    )?;
    Ok(case)
}

/// [`case_with_failure`] where sam (frontline) granted, at 20:30 UTC and in
/// one command, a personal apology naming failure #1 and a USD 20.00 store
/// credit for it.
pub fn case_with_grant() -> Result<Logged> {
    let mut case = case_with_failure()?;
    let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    run(
        &mut case,
        "c-4",
        Actor::Agent(sam),
        "2021-03-04T20:30:00Z",
        CommandKind::Grant {
            gestures: vec![
                Gesture::Apology {
                    failures: vec![FailureId::new(1)],
                    manner: Manner::Personal,
                },
                store_credit(2_000),
            ],
        },
    )?;
    Ok(case)
}

fn store_credit(minor: i64) -> Gesture {
    Gesture::Credit {
        failures: vec![FailureId::new(1)],
        form: CreditForm::StoreCredit,
        amount: Money::new(minor, Currency::USD),
    }
}

/// The default policy's tiers, most junior first.
pub fn default_tiers() -> Vec<crate::Tier> {
    Policy::default().tiers().to_vec()
}

/// A ledger with failure #1: a wrong cabinet, USD 249.99, in New York.
pub fn cabinet_ledger() -> crate::recovery::Ledger {
    let mut ledger = crate::recovery::Ledger::new(chrono_tz::America::New_York);
    ledger.record_failure(crate::Failure::new(
        FailureId::new(1),
        FailureKind::Product,
        "wrong cabinet",
        Some(Money::new(24_999, Currency::USD)),
        at("2021-03-04T19:00:00Z"),
    ));
    ledger
}
