//! The recovery part of a policy: each tier's authority, the caps, the
//! ladder and when closing needs a review. It lives here, below the policy,
//! because the guards read it; the policy holds one and validates it
//! against its tiers.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::authority::Percent;
use super::{Authority, GestureKind, Ladder};
use crate::{PolicyError, Tier};

/// When closing a case needs a review (root cause and what changes).
///
/// # Example
/// ```
/// use escalate::recovery::ReviewRule;
/// assert_eq!(ReviewRule::default(), ReviewRule::Optional);
/// assert_eq!(ReviewRule::AfterEscalationOrLoss.to_string(), "after an escalation or a loss");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReviewRule {
    /// A review may be given but is never required.
    #[default]
    Optional,
    /// Closing a case whose outcome is "lost" needs a review.
    AfterLoss,
    /// Closing a case that was lost or was ever escalated needs a review: a
    /// case that went that wrong should leave a root cause and a change
    /// behind, not only an outcome.
    AfterEscalationOrLoss,
}

impl fmt::Display for ReviewRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReviewRule::Optional => "never",
            ReviewRule::AfterLoss => "after a loss",
            ReviewRule::AfterEscalationOrLoss => "after an escalation or a loss",
        })
    }
}

/// The recovery part of a [`Policy`](crate::policy::Policy): each tier's
/// authority, the soft and hard compensation caps, the ladder, and when a
/// closing needs a review.
///
/// Compensation is the discretionary money granted on a case (credits,
/// discretionary refunds, keep-the-item at the item's value, the cost of
/// repairs); money the customer is owed is not compensation. Caps are
/// shares of the customer's loss: the sum of the losses recorded on the
/// case's failures, in the gesture's currency.
///
/// # Defaults
/// [`standard`](Self::standard) gives, by the policy's tier order:
/// - the most junior tier: apologies, repairs, waivers and credits up to 25%
///   of the loss in total. A prompt specific apology plus a small gesture
///   within front-line authority is the whole remedy for a small failure
///   (the brunch story, `examples/data/brunch.json`: $3.00 of coffee on a
///   $12.00 bill); money matched to the failure beats vouchers, so refunds
///   start one tier up (Roschk & Gelbrich 2014).
/// - the tiers between: every gesture up to the soft cap, 120% of the loss:
///   compensation helps up to about the customer's loss and little beyond
///   (Gelbrich, Gäthke & Grégoire 2015).
/// - the most senior tier: every gesture up to the hard cap, 150% of the
///   loss: loyalty falls above about 150% (Haesevoets et al. 2017).
/// - soft cap 120%, above which only the most senior tier may go; hard cap
///   150%, above which nobody may (the two findings above).
/// - the [`Ladder::standard`] ladder; reviews optional.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::recovery::{GestureKind, ReviewRule};
/// let policy = Policy::default();
/// let recovery = policy.recovery();
/// assert_eq!(recovery.soft_cap_bps(), 12_000);
/// assert_eq!(recovery.soft_cap_tier().as_str(), "executive");
/// assert_eq!(recovery.hard_cap_bps(), 15_000);
/// let frontline = recovery.authority(&"frontline".parse()?).unwrap();
/// assert!(!frontline.allows(GestureKind::FullRefund));
/// let strict = recovery.clone().with_review(ReviewRule::AfterLoss);
/// assert_eq!(strict.review(), ReviewRule::AfterLoss);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RecoverySpec", into = "RecoverySpec")]
pub struct RecoveryPolicy {
    authority: Vec<Authority>,
    soft_cap: SoftCap,
    hard_cap_bps: u32,
    ladder: Ladder,
    review: ReviewRule,
    guards: Guards,
}

/// Whether the recovery guards refuse the grants that break them.
///
/// # Example
/// ```
/// use escalate::recovery::Guards;
/// assert_eq!(Guards::default(), Guards::Enforced);
/// assert_eq!(serde_json::to_string(&Guards::Off)?, r#""off""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guards {
    /// Authority, caps, apology first, double remedy and too late are enforced.
    #[default]
    Enforced,
    /// Nothing is refused but malformed gestures: for replaying a history as
    /// it happened (see [`Policy::as_recorded`](crate::policy::Policy::as_recorded)).
    Off,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // the signature serde's skip_serializing_if expects
fn is_enforced(g: &Guards) -> bool {
    *g == Guards::Enforced
}

/// The serialized form of a [`RecoveryPolicy`]: the ladder is checked on
/// the way in, and its errors name the path under `recovery`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoverySpec {
    authority: Vec<Authority>,
    soft_cap: SoftCap,
    hard_cap_bps: u32,
    #[serde(default = "standard_rungs")]
    ladder: Vec<GestureKind>,
    #[serde(default)]
    review: ReviewRule,
    #[serde(default, skip_serializing_if = "is_enforced")]
    guards: Guards,
}

fn standard_rungs() -> Vec<GestureKind> {
    Ladder::standard().into()
}

impl TryFrom<RecoverySpec> for RecoveryPolicy {
    type Error = PolicyError;
    fn try_from(spec: RecoverySpec) -> Result<Self, PolicyError> {
        let ladder = Ladder::new(spec.ladder).map_err(|e| e.within("recovery"))?;
        Ok(RecoveryPolicy {
            authority: spec.authority,
            soft_cap: spec.soft_cap,
            hard_cap_bps: spec.hard_cap_bps,
            ladder,
            review: spec.review,
            guards: spec.guards,
        })
    }
}

impl From<RecoveryPolicy> for RecoverySpec {
    fn from(r: RecoveryPolicy) -> Self {
        RecoverySpec {
            authority: r.authority,
            soft_cap: r.soft_cap,
            hard_cap_bps: r.hard_cap_bps,
            ladder: r.ladder.into(),
            review: r.review,
            guards: r.guards,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SoftCap {
    bps: u32,
    tier: Tier,
}

impl RecoveryPolicy {
    /// The default recovery rules for tiers ordered from the most junior to
    /// the most senior (see "Defaults" above). An empty list gives no
    /// authority to anyone.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{GestureKind, RecoveryPolicy};
    /// let tiers = ["frontline".parse()?, "supervisor".parse()?, "manager".parse()?];
    /// let r = RecoveryPolicy::standard(&tiers);
    /// assert_eq!(r.authority(&tiers[1]).unwrap().max_bps(), Some(12_000));
    /// assert_eq!(r.authority(&tiers[2]).unwrap().max_bps(), Some(15_000));
    /// assert_eq!(r.soft_cap_tier(), &tiers[2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn standard(tiers: &[Tier]) -> Self {
        let last = tiers.len().saturating_sub(1);
        let authority = tiers
            .iter()
            .enumerate()
            .map(|(rank, tier)| {
                if rank == last {
                    Authority::new(tier.clone(), GestureKind::ALL).with_max_bps(15_000)
                } else if rank == 0 {
                    Authority::new(
                        tier.clone(),
                        [
                            GestureKind::Apology,
                            GestureKind::Reperform,
                            GestureKind::Expedite,
                            GestureKind::Exchange,
                            GestureKind::Waive,
                            GestureKind::Credit,
                        ],
                    )
                    .with_max_bps(2_500)
                } else {
                    Authority::new(tier.clone(), GestureKind::ALL).with_max_bps(12_000)
                }
            })
            .collect();
        let senior = tiers
            .last()
            .cloned()
            .unwrap_or_else(|| Tier::new("executive").unwrap_or_else(|_| unreachable!()));
        RecoveryPolicy {
            authority,
            soft_cap: SoftCap {
                bps: 12_000,
                tier: senior,
            },
            hard_cap_bps: 15_000,
            ladder: Ladder::standard(),
            review: ReviewRule::Optional,
            guards: Guards::Enforced,
        }
    }

    /// Sets a tier's authority, replacing any it had.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Authority, GestureKind};
    /// let frontline = Authority::new("frontline".parse()?, [GestureKind::Apology]);
    /// let r = Policy::default().recovery().clone().with_authority(frontline.clone());
    /// assert_eq!(r.authority(&"frontline".parse()?), Some(&frontline));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_authority(mut self, authority: Authority) -> Self {
        match self.authority.iter_mut().find(|a| a.tier == authority.tier) {
            Some(slot) => *slot = authority,
            None => self.authority.push(authority),
        }
        self
    }

    /// Sets the soft cap: total compensation above `bps` of the loss needs
    /// `tier` or a more senior one.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let r = Policy::default().recovery().clone().with_soft_cap(10_000, "regional".parse()?);
    /// assert_eq!(r.soft_cap_bps(), 10_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_soft_cap(mut self, bps: u32, tier: Tier) -> Self {
        self.soft_cap = SoftCap { bps, tier };
        self
    }

    /// Sets the hard cap: total compensation above `bps` of the loss is refused.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let r = Policy::default().recovery().clone().with_hard_cap(20_000);
    /// assert_eq!(r.hard_cap_bps(), 20_000);
    /// ```
    #[must_use]
    pub fn with_hard_cap(mut self, bps: u32) -> Self {
        self.hard_cap_bps = bps;
        self
    }

    /// Sets the ladder.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{GestureKind, Ladder};
    /// let ladder = Ladder::new([GestureKind::Apology, GestureKind::FullRefund])?;
    /// let r = Policy::default().recovery().clone().with_ladder(ladder.clone());
    /// assert_eq!(r.ladder(), &ladder);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_ladder(mut self, ladder: Ladder) -> Self {
        self.ladder = ladder;
        self
    }

    /// Sets when closing needs a review.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::ReviewRule;
    /// let r = Policy::default().recovery().clone().with_review(ReviewRule::AfterLoss);
    /// assert_eq!(r.review(), ReviewRule::AfterLoss);
    /// ```
    #[must_use]
    pub fn with_review(mut self, rule: ReviewRule) -> Self {
        self.review = rule;
        self
    }

    /// Turns the guards on or off.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::Guards;
    /// let off = Policy::default().recovery().clone().with_guards(Guards::Off);
    /// assert_eq!(off.guards(), Guards::Off);
    /// ```
    #[must_use]
    pub fn with_guards(mut self, guards: Guards) -> Self {
        self.guards = guards;
        self
    }

    /// Whether the guards are enforced.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::Guards;
    /// assert_eq!(Policy::default().recovery().guards(), Guards::Enforced);
    /// ```
    #[must_use]
    pub fn guards(&self) -> Guards {
        self.guards
    }

    /// The authority of a tier; `None` for a tier that may grant nothing.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::GestureKind;
    /// let recovery = Policy::default().recovery().clone();
    /// let supervisor = recovery.authority(&"supervisor".parse()?).unwrap();
    /// assert!(supervisor.allows(GestureKind::PartialRefund));
    /// assert!(recovery.authority(&"regionl".parse()?).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn authority(&self, tier: &Tier) -> Option<&Authority> {
        self.authority.iter().find(|a| &a.tier == tier)
    }

    /// Every tier's authority, as configured.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().recovery().authorities().len(), 5);
    /// ```
    #[must_use]
    pub fn authorities(&self) -> &[Authority] {
        &self.authority
    }

    /// The soft cap in basis points of the loss.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().recovery().soft_cap_bps(), 12_000);
    /// ```
    #[must_use]
    pub fn soft_cap_bps(&self) -> u32 {
        self.soft_cap.bps
    }

    /// The least senior tier that may go above the soft cap.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().recovery().soft_cap_tier().as_str(), "executive");
    /// ```
    #[must_use]
    pub fn soft_cap_tier(&self) -> &Tier {
        &self.soft_cap.tier
    }

    /// The hard cap in basis points of the loss.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().recovery().hard_cap_bps(), 15_000);
    /// ```
    #[must_use]
    pub fn hard_cap_bps(&self) -> u32 {
        self.hard_cap_bps
    }

    /// The ladder.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::GestureKind;
    /// assert_eq!(Policy::default().recovery().ladder().rungs()[0], GestureKind::Apology);
    /// ```
    #[must_use]
    pub fn ladder(&self) -> &Ladder {
        &self.ladder
    }

    /// When closing needs a review.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::ReviewRule;
    /// assert_eq!(Policy::default().recovery().review(), ReviewRule::Optional);
    /// ```
    #[must_use]
    pub fn review(&self) -> ReviewRule {
        self.review
    }

    /// Checks the rules against the policy's tiers; errors name the path
    /// under `recovery`.
    pub(crate) fn validate(&self, tiers: &[Tier]) -> Result<(), PolicyError> {
        let known = || {
            tiers
                .iter()
                .map(Tier::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let unknown = |path: String, tier: &Tier| {
            PolicyError::new(
                path,
                format!("no tier named \"{tier}\"; tiers are {}", known()),
            )
        };
        for (i, a) in self.authority.iter().enumerate() {
            if !tiers.contains(&a.tier) {
                return Err(unknown(format!("recovery.authority[{i}].tier"), &a.tier));
            }
            if self.authority[..i].iter().any(|b| b.tier == a.tier) {
                return Err(PolicyError::new(
                    format!("recovery.authority[{i}].tier"),
                    format!("tier \"{}\" is given authority twice", a.tier),
                ));
            }
        }
        if !tiers.contains(&self.soft_cap.tier) {
            return Err(unknown(
                "recovery.soft_cap.tier".to_owned(),
                &self.soft_cap.tier,
            ));
        }
        if self.soft_cap.bps > self.hard_cap_bps {
            return Err(PolicyError::new(
                "recovery.soft_cap.bps",
                format!(
                    "the soft cap ({}) is above the hard cap ({})",
                    Percent(i128::from(self.soft_cap.bps)),
                    Percent(i128::from(self.hard_cap_bps))
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers(names: &[&str]) -> Vec<Tier> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn standard_authority_by_rank() {
        let t = tiers(&["a", "b", "c", "d"]);
        let r = RecoveryPolicy::standard(&t);
        assert_eq!(r.authority(&t[0]).unwrap().max_bps(), Some(2_500));
        assert!(!r.authority(&t[0]).unwrap().allows(GestureKind::KeepItem));
        assert_eq!(r.authority(&t[1]).unwrap().max_bps(), Some(12_000));
        assert_eq!(r.authority(&t[2]).unwrap().max_bps(), Some(12_000));
        assert_eq!(r.authority(&t[3]).unwrap().max_bps(), Some(15_000));
        assert_eq!(r.soft_cap_tier(), &t[3]);
        r.validate(&t).unwrap();
        // A single tier is the most senior.
        let one = tiers(&["owner"]);
        let r = RecoveryPolicy::standard(&one);
        assert!(r.authority(&one[0]).unwrap().allows(GestureKind::KeepItem));
    }

    #[test]
    fn validation_names_the_path() {
        let t = tiers(&["frontline", "supervisor", "manager"]);
        let r = RecoveryPolicy::standard(&t).with_authority(Authority::new(
            "regionl".parse().unwrap(),
            [GestureKind::Apology],
        ));
        assert_eq!(
            r.validate(&t).unwrap_err().to_string(),
            r#"recovery.authority[3].tier: no tier named "regionl"; tiers are frontline, supervisor, manager"#
        );
        let r = RecoveryPolicy::standard(&t).with_soft_cap(16_000, "manager".parse().unwrap());
        assert_eq!(
            r.validate(&t).unwrap_err().to_string(),
            "recovery.soft_cap.bps: the soft cap (160.00%) is above the hard cap (150.00%)"
        );
        let r = RecoveryPolicy::standard(&t).with_soft_cap(12_000, "boss".parse().unwrap());
        assert_eq!(r.validate(&t).unwrap_err().path(), "recovery.soft_cap.tier");
    }
}
