//! What the case owes that its rules required: the tier rules require and
//! since when, the apologies they require (public:
//! [`Case::apologies_owed`]), and the rule that requires a review. The desk
//! reads them to list a case's obligations
//! ([`Desk::obligations`](crate::desk::Desk::obligations)).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Case;
use crate::ids::Tier;
use crate::owner::Actor;
use crate::text::Text;

/// An apology a rule requires and nobody of the tier or above has granted
/// since: what is owed, from whom, by which rule, since when.
///
/// # Example
/// ```
/// use escalate::ApologyOwed;
/// let owed: ApologyOwed = serde_json::from_str(
///     r#"{"tier": "supervisor", "rule": "breach", "since": "2021-03-06T22:00:00Z"}"#)?;
/// assert_eq!(owed.tier.as_str(), "supervisor");
/// assert_eq!(owed.to_string(),
///     "an apology from supervisor or higher, required by rule \"breach\" since 2021-03-06 22:00:00 UTC");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApologyOwed {
    /// The least senior tier whose apology settles it.
    pub tier: Tier,
    /// The rule that requires it.
    pub rule: Text,
    /// When the rule first required it (since the last apology that
    /// settled one of this tier).
    pub since: DateTime<Utc>,
}

impl std::fmt::Display for ApologyOwed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "an apology from {} or higher, required by rule \"{}\" since {}",
            self.tier, self.rule, self.since
        )
    }
}

impl Case {
    /// The apologies rules require (`require_apology`) that are still
    /// owed, oldest first: one per tier, from the first rule that required
    /// it since the last apology that settled it.
    ///
    /// An apology granted by an agent of the owed tier, or of a more senior
    /// tier, settles it; one by a more junior tier leaves it owed (the
    /// customer was promised someone more senior). Seniority is the
    /// policy's tier order as the requirement's event recorded it (its
    /// `tiers`), so replay gives the same answer under any policy; a
    /// requirement logged without it is settled only by its own tier. The
    /// system counts as the most junior tier, as in the recovery guards.
    /// [`Desk::obligations`](crate::desk::Desk::obligations) lists the same
    /// apologies as [`Owed::Apology`](crate::desk::Owed::Apology).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// // A rule requires a supervisor's apology once a failure is recorded.
    /// let policy = Policy::from_toml_str(r#"
    ///     version = "shop-1"
    ///     tiers = ["frontline", "supervisor", "manager"]
    ///     [[rules]]
    ///     name = "a failure"
    ///     when = { failures_at_least = 1 }
    ///     then = { require_apology = "supervisor" }
    /// "#)?;
    /// let mut case = Case::new("POSTER-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "poster arrived torn"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T15:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:20:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "poster arrived torn"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) apologised: the supervisor's apology is still owed.
    /// let owed = case.apologies_owed();
    /// assert_eq!(owed.len(), 1);
    /// assert_eq!(owed[0].tier.as_str(), "supervisor");
    /// assert_eq!(owed[0].rule.as_str(), "a failure");
    /// assert_eq!(owed[0].since, "2021-03-04T15:20:00Z".parse::<chrono::DateTime<chrono::Utc>>()?);
    /// // A manager (above supervisor) apologises: settled.
    /// let manager: Command = serde_json::from_str(r#"{"id": "c-5",
    ///     "actor": {"agent": {"id": "mia", "tier": "manager"}}, "at": "2021-03-04T16:00:00Z",
    ///     "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}}"#)?;
    /// let now = manager.at();
    /// for event in case.handle(&policy, manager, now)? { case.apply(&event)?; }
    /// assert!(case.apologies_owed().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn apologies_owed(&self) -> Vec<ApologyOwed> {
        self.apologies_owed
            .iter()
            .map(|(tier, rule, since)| ApologyOwed {
                tier: tier.clone(),
                rule: rule.clone(),
                since: *since,
            })
            .collect()
    }

    /// Whether an apology granted by `by` settles one owed from `tier`: an
    /// agent of that tier, or (when the requirement carried the ranks) of
    /// a tier at or after it; the system ranks as the most junior tier.
    pub(crate) fn settles(&self, by: &Actor, tier: &Tier) -> bool {
        let ranks = &self.apology_tiers;
        let rank = |t: &Tier| ranks.iter().position(|r| r == t);
        match by {
            Actor::Agent(agent) if agent.tier() == tier => true,
            Actor::Agent(agent) => rank(agent.tier())
                .zip(rank(tier))
                .is_some_and(|(a, n)| a >= n),
            Actor::System => rank(tier) == Some(0),
            Actor::Customer => false,
        }
    }

    /// The highest tier a rule has required an owner of (by
    /// `owner_required` or `escalation_required`), and since when.
    pub(crate) fn required_tier(&self) -> Option<(&Tier, Option<DateTime<Utc>>)> {
        self.required_tier
            .as_ref()
            .map(|t| (t, self.required_since))
    }

    /// The rule that requires a review before closing, if one does, and
    /// since when.
    pub(crate) fn review_required_by(&self) -> Option<(&Text, Option<DateTime<Utc>>)> {
        self.review_required
            .as_ref()
            .map(|r| (r, self.review_since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owner::Agent;

    fn agent(tier: &str) -> Actor {
        Actor::Agent(Agent::new("ann".parse().unwrap(), tier.parse().unwrap()))
    }

    #[test]
    fn the_tier_owed_or_above_settles_by_the_recorded_ranks() {
        let tier = |t: &str| -> Tier { t.parse().unwrap() };
        let mut case = Case::new("CAB-1".parse().unwrap());
        // Without ranks (an old log): only the tier itself.
        assert!(case.settles(&agent("supervisor"), &tier("supervisor")));
        assert!(!case.settles(&agent("manager"), &tier("supervisor")));
        assert!(!case.settles(&Actor::System, &tier("frontline")));
        case.apology_tiers = ["frontline", "supervisor", "manager"].map(tier).to_vec();
        assert!(case.settles(&agent("supervisor"), &tier("supervisor")));
        assert!(case.settles(&agent("manager"), &tier("supervisor")));
        assert!(!case.settles(&agent("frontline"), &tier("supervisor")));
        // A tier the ranks do not know settles only a requirement of itself.
        assert!(!case.settles(&agent("regional"), &tier("supervisor")));
        // The system ranks as the most junior tier; the customer as none.
        assert!(case.settles(&Actor::System, &tier("frontline")));
        assert!(!case.settles(&Actor::System, &tier("supervisor")));
        assert!(!case.settles(&Actor::Customer, &tier("frontline")));
    }
}
