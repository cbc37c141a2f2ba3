//! The `commands` target: command sequences under fuzzed policies, checked
//! against the case's laws.

use serde::Deserialize;

use super::steer::{Steer, document, draw, runner};
use super::{Depth, Finding, Target};
use crate::Command;
use crate::policy::Policy;
use crate::testing::{Knobs, Schedule, check_laws_on, policies};

/// The most commands a document's sequence is cut to, so that one input
/// costs at most a few milliseconds (the laws are checked after every
/// command, the log replayed each time).
pub(super) const MAX_COMMANDS: usize = 64;

/// A document of the `commands` target.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    /// A policy file: a JSON object, or TOML text in a string; the
    /// recommended policy when left out.
    #[serde(default)]
    policy: Option<serde_json::Value>,
    /// The commands, in the order they arrive.
    commands: Vec<Command>,
}

/// The `commands` target: a policy and commands, checked with
/// [`check_laws_on`](crate::testing::check_laws_on) under one of the
/// standard tick schedules (which one, a hash of the input chooses) and one
/// more that the input steers.
///
/// Two kinds of input:
/// - a JSON document `{"policy": ..., "commands": [...]}` (the policy as a
///   JSON object or as TOML text in a string, the recommended one when left
///   out; the commands cut to the first 64), then bytes that give the
///   instants of one more tick schedule;
/// - anything else: a case of the testing kit's strategies: the first four
///   bytes choose the [`Knobs`](crate::testing::Knobs) (ordinary or
///   adversarial, the number of tiers and rules, SLA metrics or none), and
///   a hash of all the bytes seeds the random choices of
///   [`policies`](crate::testing::policies), then of
///   [`commands`](crate::testing::commands) for the policy, and of one
///   more tick schedule ([`schedules`](crate::testing::schedules)).
///
/// The laws are [`check_laws`](crate::testing::check_laws)'s ([`Law`](crate::testing::Law)
/// lists them): the log replays to the live case and every event applies,
/// one owner from the first assignment to closing, no company action
/// without authority, no money beyond authority or caps or after the churn
/// signal, the same log under every tick schedule, and bounded work.
///
/// # Errors
/// The [`Finding`] of the first law broken: its law is the name of the
/// [`Law`](crate::testing::Law), its detail the violation.
///
/// # Example
/// ```
/// use escalate::testing::fuzz::{commands, Depth};
/// let document = br#"{"commands": [
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}]}"#;
/// assert_eq!(commands(document)?, Depth::Exercised);
/// // Any bytes make a policy and commands (zeros once they run out).
/// assert_eq!(commands(&[3, 250, 17, 4, 99])?, Depth::Exercised);
/// # Ok::<(), escalate::testing::fuzz::Finding>(())
/// ```
pub fn commands(data: &[u8]) -> Result<Depth, Finding> {
    let (policy, commands, rest, generated) = match document::<Document>(data) {
        Some((Ok(doc), rest)) => {
            let policy = match doc.policy {
                None => Ok(Policy::recommended()),
                Some(serde_json::Value::String(toml)) => Policy::from_toml_str(&toml),
                Some(json) => Policy::from_json_str(&json.to_string()),
            };
            let Ok(policy) = policy else {
                return Ok(Depth::Rejected);
            };
            let mut commands = doc.commands;
            commands.truncate(MAX_COMMANDS);
            (policy, commands, rest, None)
        }
        Some((Err(_), _)) => return Ok(Depth::Rejected),
        None => {
            let mut steer = Steer::new(data);
            let knobs = knobs(&mut steer);
            let mut runner = runner(data);
            let Some(policy) = draw(&policies(knobs), &mut runner) else {
                return Ok(Depth::Rejected);
            };
            let Some(commands) = draw(&crate::testing::commands(&policy), &mut runner) else {
                return Ok(Depth::Rejected);
            };
            let schedules = draw(&crate::testing::schedules(), &mut runner);
            (policy, commands, &[][..], schedules)
        }
    };
    // One standard schedule per input (chosen by a hash of it), besides the
    // one the input steers: each execution costs three runs instead of
    // seven, and across executions every standard schedule is compared.
    let mut standard = Schedule::standard(&commands);
    let pick = usize::try_from(super::steer::hash(data)).unwrap_or(0) % standard.len();
    let mut schedules = vec![standard.swap_remove(pick)];
    schedules.extend(generated);
    if !rest.is_empty() {
        let mut steer = Steer::new(rest);
        let near = commands
            .first()
            .map_or_else(super::steer::base, Command::at);
        let mut instants = Vec::new();
        while instants.len() < 16 && !steer.is_empty() {
            instants.push(steer.instant(near));
        }
        instants.sort_unstable();
        schedules.push(Schedule::At(instants));
    }
    check_laws_on(&policy, &commands, &schedules)
        .map_err(|v| Finding::new(Target::Commands, v.law().to_string(), v.to_string()))?;
    Ok(Depth::Exercised)
}

/// The knobs the first four bytes choose: ordinary or adversarial (one in
/// four), then exactly so many tiers and rules, and SLA metrics or none.
fn knobs(steer: &mut Steer<'_>) -> Knobs {
    let adversarial = steer.byte() % 4 == 3;
    let base = if adversarial {
        Knobs::adversarial()
    } else {
        Knobs::default()
    };
    let span = |range: &std::ops::RangeInclusive<usize>, b: u8| {
        let n = range.start() + usize::from(b) % (range.end() - range.start() + 1);
        n..=n
    };
    let tiers = span(&base.tiers, steer.byte());
    let rules = span(&base.rules, steer.byte());
    Knobs {
        tiers,
        rules,
        slas: steer.byte() % 5 != 4,
        ..base
    }
}
