//! Policies: the tiers of seniority and the rules a case runs under.
//!
//! A version label, the ordered tiers, the time zone in which timelines are
//! written, and the recovery rules ([`RecoveryPolicy`]: each tier's
//! authority, the compensation caps, the ladder, when closing needs a
//! review).

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::recovery::RecoveryPolicy;
use crate::{PolicyError, Tier};

/// The rules a case runs under.
///
/// Tiers are ordered from the most junior to the most senior; an agent may act
/// on a case owned by someone of a *lower* tier, and escalation moves a case
/// to a *higher* tier.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// let policy = Policy::new("2021-03", ["frontline", "supervisor", "manager"])?;
/// assert_eq!(policy.rank(&"supervisor".parse()?), Some(1));
/// assert_eq!(policy.rank(&"regional".parse()?), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicySpec", into = "PolicySpec")]
pub struct Policy {
    version: String,
    tiers: Vec<Tier>,
    time_zone: Tz,
    recovery: RecoveryPolicy,
}

/// The serialized form of a [`Policy`]; deserializing goes through
/// [`Policy::new`]'s checks.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    version: String,
    tiers: Vec<String>,
    #[serde(default = "utc")]
    time_zone: Tz,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recovery: Option<RecoveryPolicy>,
}

fn utc() -> Tz {
    Tz::UTC
}

impl TryFrom<PolicySpec> for Policy {
    type Error = PolicyError;
    fn try_from(spec: PolicySpec) -> Result<Self, PolicyError> {
        let policy = Policy::new(spec.version, spec.tiers)?.with_time_zone(spec.time_zone);
        match spec.recovery {
            Some(recovery) => policy.with_recovery(recovery),
            None => Ok(policy),
        }
    }
}

impl From<Policy> for PolicySpec {
    fn from(p: Policy) -> Self {
        let standard = p.recovery == RecoveryPolicy::standard(&p.tiers);
        PolicySpec {
            version: p.version,
            tiers: p.tiers.iter().map(|t| t.as_str().to_owned()).collect(),
            time_zone: p.time_zone,
            recovery: (!standard).then_some(p.recovery),
        }
    }
}

impl Default for Policy {
    /// Five tiers: frontline, supervisor, manager, regional, executive; UTC;
    /// the [standard recovery rules](RecoveryPolicy::standard) for them.
    fn default() -> Self {
        let tiers: Vec<Tier> = [
            "frontline",
            "supervisor",
            "manager",
            "regional",
            "executive",
        ]
        .into_iter()
        .map(|name| Tier::new(name).unwrap_or_else(|_| unreachable!("valid tier names")))
        .collect();
        Policy {
            version: "default".to_owned(),
            recovery: RecoveryPolicy::standard(&tiers),
            tiers,
            time_zone: Tz::UTC,
        }
    }
}

impl Policy {
    /// Creates a policy with a version label and tiers ordered from the most
    /// junior to the most senior. Timelines are written in UTC until
    /// [`with_time_zone`](Self::with_time_zone) says otherwise.
    ///
    /// # Errors
    /// [`PolicyError`] when the version is empty, there are no tiers, a tier
    /// name is invalid, or a tier is named twice.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let err = Policy::new("v1", ["frontline", "frontline"]).unwrap_err();
    /// assert_eq!(err.to_string(), r#"tiers[1]: tier "frontline" is named twice"#);
    /// ```
    pub fn new<S: AsRef<str>>(
        version: impl Into<String>,
        tiers: impl IntoIterator<Item = S>,
    ) -> Result<Self, PolicyError> {
        let version = version.into();
        if version.trim().is_empty() {
            return Err(PolicyError::new("version", "the version label is empty"));
        }
        let mut out: Vec<Tier> = Vec::new();
        for (i, name) in tiers.into_iter().enumerate() {
            let tier = Tier::new(name.as_ref())
                .map_err(|e| PolicyError::new(format!("tiers[{i}]"), e.to_string()))?;
            if out.contains(&tier) {
                return Err(PolicyError::new(
                    format!("tiers[{i}]"),
                    format!("tier \"{tier}\" is named twice"),
                ));
            }
            out.push(tier);
        }
        if out.is_empty() {
            return Err(PolicyError::new(
                "tiers",
                "a policy needs at least one tier",
            ));
        }
        Ok(Policy {
            version,
            recovery: RecoveryPolicy::standard(&out),
            tiers: out,
            time_zone: Tz::UTC,
        })
    }

    /// Sets the time zone in which case timelines are written.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let p = Policy::default().with_time_zone(chrono_tz::America::New_York);
    /// assert_eq!(p.time_zone(), chrono_tz::America::New_York);
    /// ```
    #[must_use]
    pub fn with_time_zone(mut self, tz: Tz) -> Self {
        self.time_zone = tz;
        self
    }

    /// Sets the recovery rules: tier authority, caps, the ladder, reviews.
    ///
    /// # Errors
    /// [`PolicyError`] naming the path under `recovery` when a rule names a
    /// tier the policy does not have, or the soft cap is above the hard cap.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Authority, GestureKind};
    /// let policy = Policy::new("v1", ["frontline", "supervisor", "manager"])?;
    /// let typo = policy.recovery().clone()
    ///     .with_authority(Authority::new("regionl".parse()?, [GestureKind::Apology]));
    /// assert_eq!(policy.with_recovery(typo).unwrap_err().to_string(),
    ///     r#"recovery.authority[3].tier: no tier named "regionl"; tiers are frontline, supervisor, manager"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_recovery(mut self, recovery: RecoveryPolicy) -> Result<Self, PolicyError> {
        recovery.validate(&self.tiers)?;
        self.recovery = recovery;
        Ok(self)
    }

    /// The recovery rules.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().recovery().hard_cap_bps(), 15_000);
    /// ```
    #[must_use]
    pub fn recovery(&self) -> &RecoveryPolicy {
        &self.recovery
    }

    /// The version label recorded on every case opened under this policy.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().version(), "default");
    /// ```
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The tiers, from the most junior to the most senior.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().tiers()[0].as_str(), "frontline");
    /// ```
    #[must_use]
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// The position of a tier, 0 being the most junior; `None` for a tier the
    /// policy does not name.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().rank(&"executive".parse()?), Some(4));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn rank(&self, tier: &Tier) -> Option<usize> {
        self.tiers.iter().position(|t| t == tier)
    }

    /// The time zone in which case timelines are written.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().time_zone(), chrono_tz::UTC);
    /// ```
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The tier names joined for messages: `frontline, supervisor, manager`.
    pub(crate) fn tier_list(&self) -> String {
        self.tiers
            .iter()
            .map(Tier::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            Policy::new(" ", ["a"]).unwrap_err().to_string(),
            "version: the version label is empty"
        );
        assert_eq!(
            Policy::new("v", Vec::<String>::new())
                .unwrap_err()
                .to_string(),
            "tiers: a policy needs at least one tier"
        );
        assert_eq!(
            Policy::new("v", ["ok", ""]).unwrap_err().to_string(),
            r#"tiers[1]: invalid tier name "": it is empty"#
        );
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let p = Policy::default().with_time_zone(chrono_tz::America::Chicago);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"version":"default","tiers":["frontline","supervisor","manager","regional","executive"],"time_zone":"America/Chicago"}"#
        );
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
        let bad = r#"{"version":"v","tiers":["a","a"]}"#;
        // Recovery rules load from JSON and are checked against the tiers.
        let json = r#"{"version":"v","tiers":["front","boss"],"recovery":{
            "authority":[{"tier":"front","kinds":["apology"]},{"tier":"boss","kinds":["apology","credit"],"max_bps":15000}],
            "soft_cap":{"bps":12000,"tier":"boss"},"hard_cap_bps":15000,"ladder":["apology","credit"],
            "review":"after_loss"}}"#;
        let loaded: Policy = serde_json::from_str(json).unwrap();
        assert_eq!(
            loaded.recovery().review(),
            crate::recovery::ReviewRule::AfterLoss
        );
        let json = json.replace(r#""tier":"boss"}"#, r#""tier":"bos"}"#);
        assert_eq!(
            serde_json::from_str::<Policy>(&json)
                .unwrap_err()
                .to_string(),
            r#"recovery.soft_cap.tier: no tier named "bos"; tiers are front, boss"#
        );
        let json = json.replace(r#""ladder":["apology","#, r#""ladder":["#);
        let err = serde_json::from_str::<Policy>(&json)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "recovery.ladder[0]: the ladder must start with an apology, not credit"
            ),
            "{err}"
        );
        assert_eq!(
            serde_json::from_str::<Policy>(bad).unwrap_err().to_string(),
            r#"tiers[1]: tier "a" is named twice"#
        );
    }
}
