//! The wrong-cabinet story's money: what the retailer actually granted,
//! side by side with what the default policy would have allowed, and what
//! the policy suggests instead.
//!
//! Run with `cargo run --example recovery_audit`.

#![allow(clippy::too_many_lines)] // the story reads top to bottom as one history

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;
use escalate::policy::Policy;
use escalate::recovery::{CreditForm, Currency, Entitlement, Gesture, Manner, Money, Repair};
use escalate::{
    Actor, Agent, Case, Channel, Customer, CustomerValue, Event, EventKind, FailureId, FailureKind,
    Opened, Origin, Priority, Timeline,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let policy = Policy::default().with_time_zone(New_York);
    let erin = Actor::Agent(Agent::new("erin".parse()?, "executive".parse()?));
    let usd = |minor| Money::new(minor, Currency::USD);
    let cabinet = vec![FailureId::new(1)];
    let opened = Opened {
        case: "CAB-1042".parse()?,
        customer: Customer::new("cust-9".parse()?, CustomerValue::Standard),
        origin: Origin::Contact {
            channel: Channel::Phone,
        },
        summary: "wrong cabinet delivered".into(),
        priority: Priority::Normal,
        policy: "default".into(),
        policy_fingerprint: None,
        time_zone: New_York,
    };
    // What happened, as the retailer's systems logged it (times in UTC).
    let history: Vec<(&str, Actor, &str, EventKind)> = vec![
        (
            "2021-03-04T20:10:00Z",
            Actor::Customer,
            "c1",
            EventKind::Opened(opened.into()),
        ),
        (
            "2021-03-04T20:11:00Z",
            Actor::System,
            "c2",
            EventKind::FailureRecorded {
                failure: FailureId::new(1),
                kind: FailureKind::Product,
                description: "wrong cabinet delivered".into(),
                loss: Some(usd(24_999)),
            },
        ),
        (
            "2021-03-12T18:00:00Z",
            Actor::System,
            "c3",
            EventKind::GestureGranted {
                gesture: Gesture::Repair {
                    failures: cabinet.clone(),
                    repair: Repair::Exchange,
                    cost: None,
                },
                offer: None,
            },
        ),
        (
            "2021-03-15T13:00:00Z",
            Actor::Customer,
            "c4",
            EventKind::ChurnSignalled {
                note: "I now buy from a competitor".into(),
            },
        ),
        (
            "2021-03-17T14:00:00Z",
            erin.clone(),
            "c5",
            EventKind::GestureGranted {
                gesture: Gesture::Apology {
                    failures: vec![],
                    manner: Manner::Form,
                },
                offer: None,
            },
        ),
        (
            "2021-03-17T14:00:00Z",
            erin,
            "c5",
            EventKind::GestureGranted {
                gesture: Gesture::Credit {
                    failures: cabinet.clone(),
                    form: CreditForm::GiftCard,
                    amount: usd(3_000),
                },
                offer: None,
            },
        ),
        (
            "2021-03-26T16:00:00Z",
            Actor::System,
            "c6",
            EventKind::GestureGranted {
                gesture: Gesture::FullRefund {
                    failures: cabinet.clone(),
                    amount: usd(24_999),
                    due: Entitlement::Discretionary,
                },
                offer: None,
            },
        ),
        (
            "2021-03-24T19:00:00Z",
            Actor::System,
            "c7",
            EventKind::GestureGranted {
                gesture: Gesture::Repair {
                    failures: cabinet,
                    repair: Repair::Exchange,
                    cost: Some(usd(6_000)),
                },
                offer: None,
            },
        ),
    ];
    let mut events = Vec::new();
    for (n, (when, actor, command, kind)) in history.into_iter().enumerate() {
        let at: DateTime<Utc> = when.parse()?;
        events.push(Event::new(
            n as u64 + 1,
            at,
            actor,
            Some(command.parse()?),
            kind,
        ));
    }

    println!("== timeline\n{}", Timeline::from_events(&events)?);
    println!(
        "== spent against the policy\n{}",
        escalate::replay::audit(events.iter().cloned(), &policy)?
    );
    println!("== what the policy suggested on 2021-03-08 (before the churn signal)");
    let early = Case::replay(events.get(..2).unwrap_or_default())?;
    for next in early.recommend(&policy, "2021-03-08T16:00:00Z".parse()?) {
        println!("{next}");
    }
    Ok(())
}
