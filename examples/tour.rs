//! A tour of escalate: open a case, assign it, escalate it, resolve it, and
//! print its timeline.
//!
//! Run with `cargo run --example tour`.

#![allow(clippy::too_many_lines)] // the tour reads top to bottom as one story

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York;
use escalate::policy::Policy;
use escalate::recovery::{Currency, Money};
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, FailureKind,
    Origin, Outcome, PromiseId, ResponseKind, Status,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let policy =
        Policy::new("tour-1", ["frontline", "supervisor", "manager"])?.with_time_zone(New_York);
    let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    let dana = Agent::new("dana".parse()?, "supervisor".parse()?);
    let mut case = Case::new("CAB-1042".parse()?);

    // Times are UTC; the timeline prints them in New York time.
    let steps: Vec<(&str, Actor, CommandKind)> = vec![
        (
            "2021-03-04T20:10:00Z",
            Actor::Customer,
            CommandKind::Open {
                customer: Customer::new("cust-9".parse()?, CustomerValue::Standard),
                origin: Origin::Contact {
                    channel: Channel::Phone,
                },
                summary: "the wrong file cabinet was delivered".into(),
                priority: escalate::Priority::Normal,
            },
        ),
        (
            "2021-03-04T20:12:00Z",
            Actor::System,
            CommandKind::Assign { to: sam.clone() },
        ),
        (
            "2021-03-04T20:15:00Z",
            Actor::Agent(sam.clone()),
            CommandKind::RecordFailure {
                kind: FailureKind::Product,
                description: "wrong cabinet delivered".into(),
                loss: Some(Money::new(24_999, Currency::USD)),
            },
        ),
        (
            "2021-03-04T20:16:00Z",
            Actor::Agent(sam.clone()),
            CommandKind::Respond {
                channel: Channel::Phone,
                note: "sorry: we sent the wrong cabinet; the right one is coming".into(),
                kind: ResponseKind::Answer,
            },
        ),
        (
            "2021-03-04T20:17:00Z",
            Actor::Agent(sam.clone()),
            CommandKind::Promise {
                what: "deliver the right cabinet".into(),
                due: "2021-03-06T22:00:00Z".parse()?,
            },
        ),
        (
            "2021-03-08T16:00:00Z",
            Actor::Customer,
            CommandKind::Contact {
                channel: Channel::Phone,
                note: "still no cabinet".into(),
            },
        ),
        (
            "2021-03-08T16:05:00Z",
            Actor::System,
            CommandKind::Escalate {
                to: dana.clone(),
                reason: "second contact about the same problem".into(),
            },
        ),
        // A frontline agent may not act on a supervisor's case: refused.
        (
            "2021-03-08T16:10:00Z",
            Actor::Agent(sam.clone()),
            CommandKind::Resolve {
                summary: "told the customer to wait".into(),
            },
        ),
        (
            "2021-03-08T16:20:00Z",
            Actor::Agent(dana.clone()),
            CommandKind::Respond {
                channel: Channel::Phone,
                note: "I own this now; the cabinet arrives Friday".into(),
                kind: ResponseKind::Answer,
            },
        ),
        (
            "2021-03-12T18:00:00Z",
            Actor::Agent(dana.clone()),
            CommandKind::KeepPromise {
                promise: PromiseId::new(1),
            },
        ),
        (
            "2021-03-12T18:05:00Z",
            Actor::Agent(dana.clone()),
            CommandKind::Resolve {
                summary: "right cabinet delivered".into(),
            },
        ),
        (
            "2021-03-13T15:00:00Z",
            Actor::Customer,
            CommandKind::ConfirmResolution,
        ),
        (
            "2021-03-13T15:10:00Z",
            Actor::Agent(dana.clone()),
            CommandKind::Close {
                outcome: Outcome::Retained,
                review: None,
            },
        ),
    ];

    let mut refusals = Vec::new();
    for (n, (when, actor, kind)) in steps.into_iter().enumerate() {
        let at: DateTime<Utc> = when.parse()?;
        let command = Command::new(format!("cmd-{n}").parse()?, actor, at, kind);
        match case.handle(&policy, command, at) {
            Ok(events) => events.iter().for_each(|e| case.apply(e)),
            Err(refusal) => refusals.push(format!("{when}: refused: {refusal}")),
        }
    }

    let last_owner = match case.status() {
        Status::Closed {
            last_owner: Some(owner),
            ..
        } => owner.to_string(),
        _ => "none".to_owned(),
    };
    let outcome = case
        .outcome()
        .map_or_else(|| "open".to_owned(), |o| o.to_string());
    println!(
        "Case {}: last owner {last_owner}, outcome {outcome}\n",
        case.id()
    );
    print!("{}", case.timeline());
    println!();
    for line in &refusals {
        println!("{line}");
    }
    assert_eq!(
        Case::replay(case.events().to_vec())?,
        case,
        "replay equals the live case"
    );
    println!("replayed {} events: identical case", case.version());
    Ok(())
}
