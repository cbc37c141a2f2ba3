//! What a case owes now, and when each thing becomes late.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::recovery::Gesture;
use crate::sla::{ClockId, ClockState, Metric};
use crate::{Actor, Case, PromiseId, PromiseState, Status, Text, Tier};

/// Something a case owes, since when, and the instant it is late.
///
/// [`Desk::obligations`](super::Desk::obligations) lists them, earliest
/// deadline first. What rules require (an owner, an escalation, an
/// apology, a review) is owed at once: late from the instant it was
/// required. A promise or a required call is late at its due instant, an
/// SLA clock at its due instant (none while it is paused before it). A
/// review is needed before closing and is never late by itself.
///
/// # Example
/// ```
/// use escalate::desk::{Obligation, Owed};
/// let call: Obligation = serde_json::from_str(r#"{"owed": {"type": "call", "promise": 1,
///     "rule": "third contact: the owner calls personally"},
///     "since": "2021-03-08T14:10:00Z", "late_at": "2021-03-08T16:10:00Z"}"#)?;
/// assert!(matches!(call.owed, Owed::Call { .. }));
/// assert!(!call.is_late("2021-03-08T16:09:59Z".parse()?));
/// assert!(call.is_late("2021-03-08T16:10:00Z".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    /// What is owed.
    pub owed: Owed,
    /// Since when it is owed, when the case tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// The instant it is late; `None` for what has no deadline (a review,
    /// a paused clock, a promise with no due instant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_at: Option<DateTime<Utc>>,
}

impl Obligation {
    /// Whether it is late at `now`: its deadline has come.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::{Obligation, Owed};
    /// let review = Obligation { owed: Owed::Review { rule: "review after escalation or loss".into() },
    ///     since: None, late_at: None };
    /// assert!(!review.is_late("2031-01-01T00:00:00Z".parse()?));
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    #[must_use]
    pub fn is_late(&self, now: DateTime<Utc>) -> bool {
        self.late_at.is_some_and(|at| at <= now)
    }
}

/// What a case owes.
///
/// # Example
/// ```
/// use escalate::desk::Owed;
/// let owed = Owed::Escalation { tier: "manager".parse()? };
/// assert_eq!(serde_json::to_string(&owed)?, r#"{"type":"escalation","tier":"manager"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum Owed {
    /// The case has no owner, and a rule requires one of at least this tier.
    Owner {
        /// The tier.
        tier: Tier,
    },
    /// The owner is more junior than a rule requires: escalate the case to
    /// someone of at least this tier.
    Escalation {
        /// The tier.
        tier: Tier,
    },
    /// A rule requires an apology from someone of at least this tier, and
    /// none has been granted since.
    Apology {
        /// The tier.
        tier: Tier,
        /// The rule.
        rule: Text,
    },
    /// A personal call a rule requires (an open promise).
    Call {
        /// The promise that tracks it.
        promise: PromiseId,
        /// The rule.
        rule: Text,
    },
    /// A promise made to the customer, neither kept nor broken yet.
    Promise {
        /// The promise.
        promise: PromiseId,
        /// What was promised.
        what: Text,
    },
    /// An SLA clock running or paused: a response, an update or the
    /// resolution owed.
    Sla {
        /// The clock.
        clock: ClockId,
        /// What it measures.
        metric: Metric,
    },
    /// A rule requires a root-cause review before closing.
    Review {
        /// The rule.
        rule: Text,
    },
}

/// What `case` owes under `policy`, earliest deadline first.
pub(crate) fn owed(case: &Case, policy: &Policy) -> Vec<Obligation> {
    let mut out = Vec::new();
    let status = case.status();
    if matches!(status, Status::Unopened | Status::Closed { .. }) {
        return out;
    }
    // An owner or an escalation: a settled case is not escalated. What a
    // rule requires is owed from the instant it first required the tier.
    if !matches!(status, Status::Resolved { .. })
        && let Some((tier, since)) = case.required_tier()
        && let Some(need) = policy.rank(tier)
    {
        match case.owner().map(|o| policy.rank(o.tier())) {
            None => out.push(at_once(Owed::Owner { tier: tier.clone() }, since)),
            Some(Some(rank)) if rank < need => {
                out.push(at_once(Owed::Escalation { tier: tier.clone() }, since));
            }
            _ => {}
        }
    }
    apologies(case, policy, &mut out);
    for promise in case.promises() {
        if promise.state() != PromiseState::Open {
            continue;
        }
        let owed = match call_rule(promise.what()) {
            Some(rule) => Owed::Call {
                promise: promise.id(),
                rule: rule.into(),
            },
            None => Owed::Promise {
                promise: promise.id(),
                what: promise.what().into(),
            },
        };
        out.push(Obligation {
            owed,
            since: Some(promise.made_at()),
            late_at: promise.due(),
        });
    }
    for clock in case.clocks() {
        let live = matches!(
            clock.state(),
            ClockState::Running { .. } | ClockState::Paused { .. }
        );
        if live && clock.metric() != Metric::Promise {
            out.push(Obligation {
                owed: Owed::Sla {
                    clock: clock.id(),
                    metric: clock.metric(),
                },
                since: Some(clock.started_at()),
                late_at: clock.due(),
            });
        }
    }
    if let Some((by, since)) = case.review_required_by() {
        out.push(Obligation {
            owed: Owed::Review { rule: by.clone() },
            since,
            late_at: None,
        });
    }
    out.sort_by_key(|o| (o.late_at.is_none(), o.late_at, o.since));
    out
}

/// Owed at once: late from the instant it was required.
fn at_once(owed: Owed, since: Option<DateTime<Utc>>) -> Obligation {
    Obligation {
        owed,
        since,
        late_at: since,
    }
}

/// The apologies rules required and nobody of the tier (or above) has
/// granted since: one per tier, the oldest. The case settles them by the
/// ranks its requirements recorded ([`Case::apologies_owed`]); the desk's
/// policy ranks the grants again for requirements logged without them.
fn apologies(case: &Case, policy: &Policy, out: &mut Vec<Obligation>) {
    let granted: Vec<(DateTime<Utc>, Option<usize>)> = case
        .granted()
        .iter()
        .filter(|g| matches!(g.gesture(), Gesture::Apology { .. }))
        .map(|g| {
            let rank = match g.by() {
                Actor::Agent(agent) => policy.rank(agent.tier()),
                // The system has the authority of the most junior tier.
                Actor::System => Some(0),
                Actor::Customer => None,
            };
            (g.at(), rank)
        })
        .collect();
    for owed in case.apologies_owed() {
        let Some(need) = policy.rank(&owed.tier) else {
            continue;
        };
        let given = granted
            .iter()
            .any(|(g, rank)| *g >= owed.since && rank.is_some_and(|r| r >= need));
        if !given {
            out.push(at_once(
                Owed::Apology {
                    tier: owed.tier,
                    rule: owed.rule,
                },
                Some(owed.since),
            ));
        }
    }
}

/// The rule that required a call, from the promise a call is recorded as.
fn call_rule(what: &str) -> Option<&str> {
    what.strip_prefix("a personal call from the owner (rule \"")?
        .strip_suffix("\")")
}
