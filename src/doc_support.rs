//! Small fixtures for the documentation's examples. Not part of the API.

use chrono::{DateTime, Utc};

use crate::policy::Policy;
use crate::recovery::{CreditForm, Currency, Gesture, Manner, Money};
use crate::{Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue};
use crate::{FailureId, FailureKind, Origin, ResponseKind};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Parses an RFC 3339 time; panics on a bad literal (doc examples only).
#[must_use]
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map_or_else(
        |e| panic!("bad time literal {s:?}: {e}"),
        |t| t.with_timezone(&Utc),
    )
}

fn run(case: &mut Case, id: &str, actor: Actor, when: &str, kind: CommandKind) -> Result<()> {
    let policy = Policy::default().with_time_zone(chrono_tz::America::New_York);
    let cmd = Command::new(id.parse()?, actor, at(when), kind);
    for event in case.handle(&policy, cmd, at(when))? {
        case.apply(&event);
    }
    Ok(())
}

/// Case CAB-1 opened by a phone call at 2021-03-04 15:10 UTC, no owner.
pub fn opened_case() -> Result<Case> {
    let mut case = Case::new("CAB-1".parse()?);
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
pub fn owned_case() -> Result<Case> {
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
pub fn case_with_failure() -> Result<Case> {
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

/// [`owned_case`] where sam answered by phone at 20:10 UTC (logged late) and
/// promised the right cabinet by 2021-03-06 17:00 UTC.
pub fn case_with_promise() -> Result<Case> {
    let mut case = owned_case()?;
    let sam = Actor::Agent(Agent::new("sam".parse()?, "frontline".parse()?));
    run(
        &mut case,
        "c-3",
        sam.clone(),
        "2021-03-04T20:10:00Z",
        CommandKind::Respond {
            channel: Channel::Phone,
            note: "the right one is on its way".into(),
            kind: ResponseKind::Answer,
        },
    )?;
    run(
        &mut case,
        "c-4",
        sam,
        "2021-03-04T20:10:00Z",
        CommandKind::Promise {
            what: "deliver the right cabinet".into(),
            due: at("2021-03-06T17:00:00Z"),
        },
    )?;
    Ok(case)
}

/// The marketplace story's policy: seller hours Mon-Fri 08:00-17:00 in New
/// York ("seller"), first response within 4 business hours with a warning at
/// 75%; and a case opened by an email on Mon 2021-06-21 20:00 New York time.
pub fn sla_case() -> Result<(Case, Policy)> {
    use crate::sla::{
        BusinessCalendar, CalendarName, Metric, MetricPolicy, Target, Threshold, Within,
    };
    let seller = BusinessCalendar::builder(chrono_tz::America::New_York)
        .weekdays(&["08:00-17:00"])
        .build()?;
    let name: CalendarName = "seller".parse()?;
    let policy = Policy::new("marketplace", ["seller", "marketplace"])?
        .with_time_zone(chrono_tz::America::New_York)
        .with_calendar(name.clone(), seller)?
        .with_sla(
            MetricPolicy::new(
                Metric::FirstResponse,
                Target::new(Within::Time(chrono::TimeDelta::hours(4)), name),
            )
            .with_warning(Threshold::Percent(75)),
        )?;
    let mut case = Case::new("MKT-1".parse()?);
    let open = Command::new(
        "c-1".parse()?,
        Actor::Customer,
        at("2021-06-22T00:00:00Z"),
        CommandKind::Open {
            customer: Customer::new("buyer".parse()?, CustomerValue::Standard),
            origin: Origin::Contact {
                channel: Channel::Email,
            },
            summary: "the product does not work as described".into(),
            priority: crate::Priority::Normal,
        },
    );
    for event in case.handle(&policy, open, at("2021-06-22T00:00:00Z"))? {
        case.apply(&event);
    }
    Ok((case, policy))
}

/// A marketplace-style history: an email, a deflecting reply by the owner,
/// and an attempt to resolve.
pub fn deflection_history() -> Result<crate::replay::History> {
    Ok(serde_json::from_str(
        r#"{"case": "MKT-2", "commands": [
        {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
         "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
                  "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
        {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
         "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
        {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
         "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
        {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
         "kind": {"type": "resolve", "summary": "told them"}}
    ]}"#,
    )?)
}

/// [`deflection_history`] replayed under a default policy that refuses
/// resolving after only deflections.
pub fn replayed_deflection() -> Result<crate::replay::Replay> {
    let policy = Policy::default().with_deflection(crate::policy::DeflectionPolicy::Refuse);
    Ok(deflection_history()?.replay(&policy, crate::replay::Host::AsRecorded, None))
}

/// [`case_with_failure`] where sam (frontline) apologised for failure #1 at
/// 20:25 UTC and offered a USD 20.00 store credit for it at 20:30 UTC
/// (offer #1, open).
pub fn case_with_offer() -> Result<Case> {
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
pub fn case_with_grant() -> Result<Case> {
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
