//! The `policy` target: policy files, TOML and JSON.

use chrono::TimeDelta;

use super::log::{Host, first_tier};
use super::{Depth, Finding, Target};
use crate::policy::Policy;
use crate::{Actor, Agent, Channel, Command, CommandKind, Customer, CustomerValue, Origin};

fn finding(law: &str, detail: impl Into<String>) -> Finding {
    Finding::new(Target::Policy, law, detail)
}

/// The `policy` target: `data` (as UTF-8, invalid sequences replaced) is
/// loaded as a TOML policy file ([`Policy::from_toml_str`]) and as a JSON
/// one ([`Policy::from_json_str`]).
///
/// Neither loader may panic, and a refusal must say what is wrong. A
/// policy loaded is checked further: it writes to TOML and to JSON, and
/// reads back from each to an equal policy; [`Policy::lint`] runs; and a
/// case opened under it by an email, assigned, and ticked (at three
/// instants and at each of its first wake-ups) keeps the laws the `log`
/// target checks: every event `tick` returns applies, a second tick at the
/// same instant records nothing, each wake-up moves time on, and the
/// case's log replays to the case.
///
/// # Errors
/// The [`Finding`] of the first law broken.
///
/// # Example
/// ```
/// use escalate::testing::fuzz::{policy, Depth};
/// let toml = include_bytes!("../../../examples/policies/recommended.toml");
/// assert_eq!(policy(toml)?, Depth::Exercised);
/// assert_eq!(policy(br#"{"version": "v", "tiers": []}"#)?, Depth::Rejected);
/// # Ok::<(), escalate::testing::fuzz::Finding>(())
/// ```
pub fn policy(data: &[u8]) -> Result<Depth, Finding> {
    let text = String::from_utf8_lossy(data);
    let mut depth = Depth::Rejected;
    for (format, loaded) in [
        ("toml", Policy::from_toml_str(&text)),
        ("json", Policy::from_json_str(&text)),
    ] {
        match loaded {
            Ok(policy) => {
                depth = Depth::Exercised;
                loaded_policy(&policy, format)?;
            }
            Err(error) => {
                if error.problem().trim().is_empty() {
                    return Err(finding(
                        "a refusal says what is wrong",
                        format!("{format}: the problem at {:?} is empty", error.path()),
                    ));
                }
            }
        }
    }
    Ok(depth)
}

/// The laws of a policy loaded from `format`.
fn loaded_policy(policy: &Policy, format: &str) -> Result<(), Finding> {
    let toml = policy
        .to_toml_string()
        .map_err(|e| finding("a loaded policy writes to toml", format!("{format}: {e}")))?;
    match Policy::from_toml_str(&toml) {
        Ok(again) if again == *policy => {}
        Ok(_) => {
            return Err(finding(
                "toml round trip",
                format!("loaded from {format}, written and read back, the policy differs:\n{toml}"),
            ));
        }
        Err(e) => {
            return Err(finding(
                "toml round trip",
                format!("loaded from {format}, written, then refused: {e}\n{toml}"),
            ));
        }
    }
    let json = serde_json::to_string(policy)
        .map_err(|e| finding("a loaded policy writes to json", format!("{format}: {e}")))?;
    match Policy::from_json_str(&json) {
        Ok(again) if again == *policy => {}
        Ok(_) => {
            return Err(finding(
                "json round trip",
                format!("loaded from {format}, written and read back, the policy differs:\n{json}"),
            ));
        }
        Err(e) => {
            return Err(finding(
                "json round trip",
                format!("loaded from {format}, written, then refused: {e}\n{json}"),
            ));
        }
    }
    for lint in policy.lint() {
        if lint.to_string().trim().is_empty() {
            return Err(finding("a lint says what is wrong", format!("{lint:?}")));
        }
    }
    a_case_under(policy)
}

/// A case opened by an email under `policy` at a fixed time, assigned to
/// an agent of the first tier, ticked, and woken up.
fn a_case_under(policy: &Policy) -> Result<(), Finding> {
    let start = super::steer::base();
    let mut host = Host::new(Target::Policy);
    let customer = Customer::new(
        "cust-1"
            .parse()
            .map_err(|e| finding("setup", format!("{e}")))?,
        CustomerValue::HighValue,
    );
    let sam = Agent::new(
        "sam"
            .parse()
            .map_err(|e| finding("setup", format!("{e}")))?,
        first_tier(policy),
    );
    let commands = [
        (
            Actor::Customer,
            CommandKind::Open {
                customer,
                origin: Origin::Contact {
                    channel: Channel::Email,
                },
                summary: "the wrong cabinet came".into(),
                priority: crate::Priority::Normal,
            },
        ),
        (Actor::System, CommandKind::Assign { to: sam }),
    ];
    for (i, (actor, kind)) in commands.into_iter().enumerate() {
        let id = format!("p-{i}")
            .parse()
            .map_err(|e| finding("setup", format!("{e}")))?;
        host.handle(policy, Command::new(id, actor, start, kind), start)?;
    }
    host.tick_twice(policy, start + TimeDelta::hours(1))?;
    host.wake_up(policy, 6)?;
    host.tick_twice(policy, start + TimeDelta::days(40))?;
    host.replays("the case opened under the policy")
}
