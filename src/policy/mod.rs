//! Policies: the tiers of seniority and the rules a case runs under.
//!
//! A policy is data: tiers, calendars, SLA targets, escalation rules and what
//! to do about deflections, and the recovery rules ([`RecoveryPolicy`]: each
//! tier's authority, the compensation caps, the ladder, when closing needs a
//! review). Load it from TOML or JSON
//! ([`Policy::from_toml_str`], [`Policy::from_json_str`]) with errors that
//! name the field, lint it ([`Policy::lint`]), or start from
//! [`Policy::recommended`].

use std::collections::{BTreeMap, HashSet};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

mod diff;
mod explain;
mod fingerprint;
mod lint;
mod load;
mod pause;
mod recommended;
mod rule;
pub(crate) use rule::{Leaf, Reads};

pub use diff::{Change, ChangeKind, PolicyDiff, diff};
pub use explain::{Explanation, Sentence};
pub use fingerprint::{FingerprintError, PolicyFingerprint};
pub use lint::{Lint, LintLevel, WorkBound};
pub use pause::{PauseName, PauseReason};
pub use rule::{Action, Call, Condition, DeflectionPolicy, Delay, DelayFrom, During, Notice, Rule};

use crate::recovery::RecoveryPolicy;
use crate::sla::{BusinessCalendar, CalendarName, Metric, MetricPolicy};
use crate::{PolicyError, Text, Tier};

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
///
/// # Bounds
///
/// Every valid policy gives a case a bounded amount of work; building or
/// loading refuses a policy beyond these bounds, naming the field, and
/// loading takes time linear in the size of the file:
/// - at most [`MAX_TIERS`](Self::MAX_TIERS) (64) tiers,
///   [`MAX_RULES`](Self::MAX_RULES) (64) rules and
///   [`MAX_WARNINGS`](Self::MAX_WARNINGS) (10) warnings per SLA metric;
/// - a rule repeats at most [`Rule::MAX_REPEAT`] (100) times and takes at
///   most [`Rule::MAX_ACTIONS`] (8) actions;
/// - every span (SLA targets, warnings, delays, calls, notices, handoff
///   waits) is at most [`MAX_SPAN`](Self::MAX_SPAN) (10 years: 3,660 days)
///   or [`MAX_BUSINESS_DAYS`](Self::MAX_BUSINESS_DAYS) (2,610 business
///   days), so instant arithmetic never overflows;
/// - no call cycles: a required call is a promise, whose warning and breach
///   are facts rules read (`promise_at_risk`, `promise_broken`, and the
///   promise metric's `sla_warning` and `sla_breach`). A rule that requires
///   a call must not be made to fire by a promise, directly or through a
///   rule that escalates on a promise while it fires on `escalated`: every
///   unanswered call would make another, without end;
/// - escalation chains (a rule on `escalated` that escalates) are allowed:
///   each escalation moves the case strictly up, so a chain has at most as
///   many links as the policy has tiers;
/// - a rule lists each action once, and every calendar keeps opening (one
///   with only dated shifts closes for good after its last one);
/// - at most [`MAX_RULES_PER_FACT`](Self::MAX_RULES_PER_FACT) (16) rules
///   read one kind of fact, and a chain of escalations fires at most
///   [`MAX_CHAIN_FIRINGS`](Self::MAX_CHAIN_FIRINGS) (64) rules:
///   `T·E ≤ 64`.
///
/// From these, the work of one [`Case::handle`](crate::Case::handle) or
/// [`Case::tick`](crate::Case::tick) is bounded by the policy and what the
/// call records:
/// - **rule firings** ≤ `R·(c + t) + T·E` plus the `t` timed
///   firings, where `R` is the number of rules, `c` the events of the call
///   that are not a rule's (a cause fires each rule at most once; a timed
///   firing is a cause too, as its actions change what other rules read),
///   `T` the tiers and `E`
///   the rules that read `escalated` (a rule escalates only to a higher
///   level than the case has reached, so there are at most `T` such
///   escalations in a case's life: to the first tier from none, then one
///   per tier above it; each fires at most the `E` rules);
/// - **timed firings**: a delayed rule fires at most `repeat + 1` (≤ 101)
///   times each time its condition starts to hold; a rule on an unaccepted
///   handoff, once per handoff; a rule deferred to working hours
///   ([`Rule::during`]), once each time its condition starts to hold while
///   its calendar is closed (at the opening);
/// - **causes** `c`: a command makes at most three events of its own and
///   starts, re-targets, pauses, resumes or stops each clock at most once
///   (a clock started during a pause also pauses at once; a scheduled
///   pause's end resumes each paused clock once); a clock
///   warns at most once per warning of its metric and breaches once; a
///   firing makes at most two events per action (a call: its promise and
///   its clock), and a call's clock cannot lead to another call.
///
/// So a call's events are at most `c + F·(1 + 2A) + 2R·c`, where `F` is the
/// firings above and `A` the most actions of one rule; since an event
/// changes at most a few kinds of fact, each read by at most 16 rules, a
/// cause fires far fewer than `R` rules in practice. A property test
/// checks the firing bound under adversarial policies (64 tiers, chains of
/// escalations, 1-second delays repeated 100 times).
///
/// A call that comes late records everything time made due since the
/// case's latest event (that is what makes the log independent of the
/// host), so its work is the bound above for each cause time brought,
/// about 0.3 µs per recorded event. A host that calls at every
/// [`Case::next_wakeup`](crate::Case::next_wakeup) pays one wake-up's work
/// per call; under the slowest valid policy in `benches/rules.rs` that is
/// at most 0.63 ms (BENCHMARKS.md), while a call two minutes late under the
/// same policy records 18,855 events in about 5 ms.
///
/// ```
/// use escalate::policy::Policy;
/// let err = Policy::from_toml_str(r#"
///     version = "shop-1"
///     tiers = ["frontline", "supervisor"]
///     [[rules]]
///     name = "chase"
///     when = "promise_broken"
///     then = { require_call = "1h" }
/// "#).unwrap_err();
/// assert_eq!(err.path(), "rules[0].then");
/// assert_eq!(err.problem(), "rule \"chase\" requires a call, and a call's own promise can make it \
///     require another: every unanswered call would make another, without end; escalate or notify instead");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicySpec", into = "PolicySpec")]
pub struct Policy {
    /// Shared by every case opened under the policy.
    version: Text,
    tiers: Vec<Tier>,
    time_zone: Tz,
    calendars: BTreeMap<CalendarName, BusinessCalendar>,
    /// Where a required call that names no calendar is counted.
    default_calendar: CalendarName,
    sla: Vec<MetricPolicy>,
    rules: Vec<Rule>,
    /// Each rule's name and condition in words, as its `RuleFired` events
    /// carry them, and the facts it reads (made once, not on every firing).
    labels: Vec<RuleLabel>,
    /// What adding a rule is checked against, so that the check does not
    /// scan the rules already there.
    index: RuleIndex,
    deflection: DeflectionPolicy,
    /// Whether a contact starts the next-response clock only once the
    /// first response has been given.
    next_response_after_first: bool,
    /// Why a case may pause, and what each reason pauses.
    pauses: Vec<PauseReason>,
    recovery: RecoveryPolicy,
    /// The content fingerprint, computed once when first read.
    fingerprint: fingerprint::Cached,
}

/// What [`Policy::with_rule`] checks a new rule against without scanning
/// the rules: the names taken, and the first rule of each kind that can
/// close a call cycle with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RuleIndex {
    names: HashSet<String>,
    /// The first rule that escalates when a promise is at risk or broken.
    promise_escalator: Option<usize>,
    /// The first rule that requires a call when the case is escalated.
    escalation_caller: Option<usize>,
    /// How many rules read each kind of fact, by [`Leaf`](rule::Leaf) order.
    readers: [usize; 17],
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    calendars: BTreeMap<String, BusinessCalendar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_calendar: Option<CalendarName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sla: Vec<MetricPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rules: Vec<Rule>,
    #[serde(default)]
    deflection: DeflectionPolicy,
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    next_response_after_first: bool,
    #[serde(default = "default_pauses", skip_serializing_if = "is_default_pauses")]
    pauses: Vec<PauseReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recovery: Option<RecoveryPolicy>,
}

fn default_pauses() -> Vec<PauseReason> {
    vec![PauseReason::awaiting_customer()]
}

fn is_default_pauses(pauses: &[PauseReason]) -> bool {
    pauses == [PauseReason::awaiting_customer()]
}

fn utc() -> Tz {
    Tz::UTC
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_yes(b: &bool) -> bool {
    *b
}

/// The refusal of a rule beyond [`Policy::MAX_RULES`].
pub(super) fn too_many_rules() -> PolicyError {
    PolicyError::new(
        "rules",
        format!(
            "a policy has at most {} rules: merge rules that share a condition",
            Policy::MAX_RULES
        ),
    )
}

impl TryFrom<PolicySpec> for Policy {
    type Error = PolicyError;
    fn try_from(spec: PolicySpec) -> Result<Self, PolicyError> {
        let mut policy = Policy::new(spec.version, spec.tiers)?.with_time_zone(spec.time_zone);
        for (name, calendar) in spec.calendars {
            policy = policy.with_calendar(calendar_name(&name)?, calendar)?;
        }
        if let Some(name) = spec.default_calendar {
            policy = policy.with_default_calendar(name)?;
        }
        for (i, metric) in spec.sla.into_iter().enumerate() {
            policy = policy
                .with_sla(metric)
                .map_err(|e| e.within(&format!("sla[{i}]")))?;
        }
        if spec.rules.len() > Policy::MAX_RULES {
            return Err(too_many_rules());
        }
        for (i, rule) in spec.rules.into_iter().enumerate() {
            policy = policy
                .with_rule(rule)
                .map_err(|e| e.within(&format!("rules[{i}]")))?;
        }
        let mut policy = policy
            .with_deflection(spec.deflection)
            .with_next_response_after_first(spec.next_response_after_first);
        policy.pauses = Vec::with_capacity(spec.pauses.len());
        policy.fingerprint = fingerprint::Cached::default();
        for (i, reason) in spec.pauses.into_iter().enumerate() {
            if policy.pause_reason(&reason.name).is_some() {
                return Err(PolicyError::new(
                    format!("pauses[{i}].name"),
                    format!(
                        "pause reason \"{}\" is named twice: give each reason its own name",
                        reason.name
                    ),
                ));
            }
            policy = policy
                .with_pause(reason)
                .map_err(|e| e.within(&format!("pauses[{i}]")))?;
        }
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
            version: p.version.as_str().to_owned(),
            tiers: p.tiers.iter().map(|t| t.as_str().to_owned()).collect(),
            time_zone: p.time_zone,
            calendars: p
                .calendars
                .into_iter()
                .map(|(name, calendar)| (name.into(), calendar))
                .collect(),
            default_calendar: (!p.default_calendar.is_always()).then_some(p.default_calendar),
            sla: p.sla,
            rules: p.rules,
            deflection: p.deflection,
            next_response_after_first: p.next_response_after_first,
            pauses: p.pauses,
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
            version: "default".into(),
            recovery: RecoveryPolicy::standard(&tiers),
            tiers,
            time_zone: Tz::UTC,
            calendars: BTreeMap::new(),
            default_calendar: CalendarName::always(),
            sla: Vec::new(),
            rules: Vec::new(),
            labels: Vec::new(),
            index: RuleIndex::default(),
            deflection: DeflectionPolicy::Allow,
            next_response_after_first: true,
            pauses: default_pauses(),
            fingerprint: fingerprint::Cached::default(),
        }
    }
}

impl Policy {
    /// The most tiers a policy has. Escalation chains are at most this long,
    /// and no per-case work grows faster than the number of tiers.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let names: Vec<String> = (0..=Policy::MAX_TIERS).map(|i| format!("t{i}")).collect();
    /// assert!(Policy::new("v1", &names[..Policy::MAX_TIERS]).is_ok());
    /// let err = Policy::new("v1", &names).unwrap_err();
    /// assert_eq!(err.to_string(), "tiers: a policy has at most 64 tiers, not 65: \
    ///     merge some (a tier is a level of seniority, not a team)");
    /// ```
    pub const MAX_TIERS: usize = 64;

    /// The most escalation rules a policy has. With [`MAX_TIERS`](Self::MAX_TIERS)
    /// and [`Rule::MAX_REPEAT`] it bounds the rule work of one call (see
    /// [Bounds](Self#bounds)).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Policy, Rule};
    /// let facts = [Condition::PublicContact, Condition::ChurnSignal, Condition::Deflection,
    ///     Condition::Unowned, Condition::Unanswered];
    /// let rule = |i: usize| Rule::new(format!("r{i}"), facts[i % 5].clone(), [Action::RequireReview]);
    /// let full = (0..Policy::MAX_RULES).try_fold(Policy::default(), |p, i| p.with_rule(rule(i)))?;
    /// let err = full.with_rule(rule(Policy::MAX_RULES)).unwrap_err();
    /// assert_eq!(err.to_string(), "rules: a policy has at most 64 rules: merge rules that share a condition");
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    pub const MAX_RULES: usize = 64;

    /// The most warnings one SLA metric has: each is an event per clock.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::{Metric, MetricPolicy, Target, Threshold};
    /// let mut metric = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "always".parse()?));
    /// for p in 1..=11 { metric = metric.with_warning(Threshold::Percent(p * 5)); }
    /// let err = Policy::default().with_sla(metric).unwrap_err();
    /// assert_eq!(err.to_string(), "warnings: a metric has at most 10 warnings, not 11");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const MAX_WARNINGS: usize = 10;

    /// The most rules that read one kind of fact (`sla_warning`,
    /// `public_contact`, ...): one event changes few facts, so it fires at
    /// most a few times this many rules.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Policy, Rule};
    /// let rule = |i: usize| Rule::new(format!("r{i}"), Condition::PublicContact, [Action::RequireReview]);
    /// let full = (0..Policy::MAX_RULES_PER_FACT).try_fold(Policy::default(), |p, i| p.with_rule(rule(i)))?;
    /// let err = full.with_rule(rule(16)).unwrap_err();
    /// assert_eq!(err.to_string(), "when: 16 rules already read public_contact; \
    ///     at most 16 rules read one fact: merge rules that share a condition");
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    pub const MAX_RULES_PER_FACT: usize = 16;

    /// The most rules one chain of escalations fires: tiers × the rules
    /// that read `escalated`. Each escalation a rule makes raises the
    /// case's level (from none, for a case nobody owns, to the first tier,
    /// then up), and fires every rule on `escalated` again.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Policy, Rule};
    /// let tiers: Vec<String> = (0..16).map(|i| format!("t{i}")).collect();
    /// let rule = |i: usize| Rule::new(format!("r{i}"), Condition::Escalated, [Action::EscalateOneTier]);
    /// let four = (0..4).try_fold(Policy::new("v1", &tiers)?, |p, i| p.with_rule(rule(i)))?;
    /// let err = four.with_rule(rule(4)).unwrap_err();
    /// assert_eq!(err.to_string(), "when: with 16 tiers, 5 rules on escalated could fire 80 times \
    ///     in one chain of escalations; at most 64: fewer rules on escalated, or fewer tiers");
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    pub const MAX_CHAIN_FIRINGS: usize = 64;

    /// The longest span of time a policy holds (10 years, 3,660 days): SLA
    /// targets, warnings, rule delays, required calls, notices and handoff
    /// waits. Instants a case computes from them stay far from the limits of
    /// chrono's dates, even after [`Rule::MAX_REPEAT`] repeats.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::policy::{Action, Call, Condition, Policy, Rule};
    /// use escalate::sla::Within;
    /// assert_eq!(Policy::MAX_SPAN, TimeDelta::days(3_660));
    /// let call = |d| Rule::new("call", Condition::PublicContact, [Action::RequireCall(Call::new(Within::Time(d)))]);
    /// assert!(Policy::default().with_rule(call(Policy::MAX_SPAN)).is_ok());
    /// let err = Policy::default().with_rule(call(Policy::MAX_SPAN + TimeDelta::hours(1))).unwrap_err();
    /// assert_eq!(err.to_string(), "then.require_call: a span is at most 10 years (87840h), not 87841h: shorten it");
    /// ```
    pub const MAX_SPAN: chrono::TimeDelta = chrono::TimeDelta::days(3_660);

    /// The most business days a span of a policy counts (2,610: 10 years of
    /// five-day weeks).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::{CalendarName, Metric, MetricPolicy, Target, Within};
    /// let resolution = |n| MetricPolicy::new(Metric::Resolution, Target::new(Within::BusinessDays(n), CalendarName::always()));
    /// assert!(Policy::default().with_sla(resolution(Policy::MAX_BUSINESS_DAYS)).is_ok());
    /// let err = Policy::default().with_sla(resolution(3_000)).unwrap_err();
    /// assert_eq!(err.to_string(), "fallback.within: a span is at most 2610 business days (10 years), not 3000 business days: shorten it");
    /// ```
    pub const MAX_BUSINESS_DAYS: u32 = 2_610;

    /// Creates a policy with a version label and tiers ordered from the most
    /// junior to the most senior. Timelines are written in UTC until
    /// [`with_time_zone`](Self::with_time_zone) says otherwise.
    ///
    /// # Errors
    /// [`PolicyError`] when the version is empty, there are no tiers or more
    /// than [`MAX_TIERS`](Self::MAX_TIERS), a tier name is invalid, or a tier
    /// is named twice.
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
        let names: Vec<S> = tiers.into_iter().collect();
        if names.len() > Self::MAX_TIERS {
            return Err(PolicyError::new(
                "tiers",
                format!(
                    "a policy has at most {} tiers, not {}: merge some (a tier is a level of \
                     seniority, not a team)",
                    Self::MAX_TIERS,
                    names.len()
                ),
            ));
        }
        let mut out: Vec<Tier> = Vec::with_capacity(names.len());
        let mut seen: HashSet<Tier> = HashSet::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let tier = Tier::new(name.as_ref())
                .map_err(|e| PolicyError::new(format!("tiers[{i}]"), e.to_string()))?;
            if !seen.insert(tier.clone()) {
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
            version: version.as_str().into(),
            recovery: RecoveryPolicy::standard(&out),
            tiers: out,
            time_zone: Tz::UTC,
            calendars: BTreeMap::new(),
            default_calendar: CalendarName::always(),
            sla: Vec::new(),
            rules: Vec::new(),
            labels: Vec::new(),
            index: RuleIndex::default(),
            deflection: DeflectionPolicy::Allow,
            next_response_after_first: true,
            pauses: default_pauses(),
            fingerprint: fingerprint::Cached::default(),
        })
    }

    /// Sets the time zone in which case timelines are written.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let p = Policy::default().with_time_zone("America/New_York".parse()?);
    /// assert_eq!(p.time_zone().name(), "America/New_York");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_time_zone(mut self, tz: Tz) -> Self {
        self.fingerprint = fingerprint::Cached::default();
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
        self.fingerprint = fingerprint::Cached::default();
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

    /// The fingerprint of the policy's content: everything that affects
    /// decisions (tiers, time zone, calendars, the default calendar, SLA
    /// metrics, rules, deflection, the next-response switch, recovery
    /// rules), not the [version label](Self::version). See
    /// [`PolicyFingerprint`] for how it is computed; it is stable across
    /// runs, platforms and Rust versions.
    ///
    /// It is computed the first time it is read and kept with the policy,
    /// so reading it on every [`Case::handle`](crate::Case::handle) costs
    /// nothing.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::policy::Policy;
    /// use escalate::sla::{CalendarName, Metric, MetricPolicy, Target, Within};
    /// let tiers = ["frontline", "supervisor"];
    /// // The label is not content: the same content under two labels.
    /// let a = Policy::new("shop-1", tiers)?;
    /// let b = Policy::new("shop-2", tiers)?;
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// // A target is content.
    /// let hour = MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(1)), CalendarName::always()));
    /// assert_ne!(a.clone().with_sla(hour)?.fingerprint(), a.fingerprint());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> PolicyFingerprint {
        self.fingerprint.get_or_init(|| {
            let mut spec = PolicySpec::from(self.clone());
            spec.version = String::new();
            // Serializing plain data to a vector does not fail; were it
            // to, the empty text would be hashed.
            let json = serde_json::to_vec(&spec).unwrap_or_default();
            PolicyFingerprint::of(&json)
        })
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
        self.version.as_str()
    }

    /// The version label as cases record it: one shared text.
    pub(crate) fn label(&self) -> Text {
        self.version.clone()
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
    /// assert_eq!(Policy::default().time_zone().name(), "UTC");
    /// ```
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// Adds a named calendar for SLA targets, rule delays and required
    /// calls to refer to, or replaces the calendar of that name. The name
    /// `always` is built in (open around the clock) and cannot be replaced.
    ///
    /// # Errors
    /// [`PolicyError`] for the name `always` or a blank name, and for a
    /// calendar that closes for good: one with no weekly hours, open only on
    /// the dates of its shifts, never opens after the last, and clocks on it
    /// would never be due.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, CalendarName};
    /// let desk = BusinessCalendar::builder("America/New_York".parse()?)
    ///     .weekdays(&["08:00-20:00"]).build()?;
    /// let policy = Policy::default().with_calendar("desk".parse()?, desk)?;
    /// assert!(policy.calendar(&"desk".parse()?).is_some());
    /// assert!(policy.calendar(&CalendarName::always()).is_some());
    /// let once: BusinessCalendar = serde_json::from_str(r#"{"shifts": {"2027-01-05": ["09:00-17:00"]}}"#)?;
    /// let err = policy.with_calendar("support".parse()?, once).unwrap_err();
    /// assert_eq!(err.to_string(), "calendars.support: the calendar never opens after 2027-01-05 \
    ///     (its last shift): give weekly hours");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_calendar(
        mut self,
        name: CalendarName,
        calendar: BusinessCalendar,
    ) -> Result<Self, PolicyError> {
        self.fingerprint = fingerprint::Cached::default();
        if name.as_str().trim().is_empty() {
            return Err(blank_calendar_name());
        }
        if name.is_always() {
            return Err(PolicyError::new(
                format!("calendars.{name}"),
                "the name \"always\" is built in (open around the clock)",
            ));
        }
        if let Some(last) = calendar.last_open_date() {
            return Err(PolicyError::new(
                format!("calendars.{name}"),
                format!(
                    "the calendar never opens after {} (its last shift): give weekly hours",
                    last.format("%Y-%m-%d")
                ),
            ));
        }
        self.calendars.insert(name, calendar);
        Ok(self)
    }

    /// A calendar by name; `always` is the built-in 24/7 calendar.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::CalendarName;
    /// assert!(Policy::default().calendar(&CalendarName::always()).is_some());
    /// assert!(Policy::default().calendar(&"desk".parse()?).is_none());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn calendar(&self, name: &CalendarName) -> Option<&BusinessCalendar> {
        if name.is_always() {
            return Some(always_calendar());
        }
        self.calendars.get(name)
    }

    /// Sets the policy's default calendar: where a required call that names
    /// no calendar ([`Call`]) is counted. Without one, such calls are counted
    /// on the built-in `always` calendar. In policy files this is
    /// `default_calendar = "business"`.
    ///
    /// # Errors
    /// [`PolicyError`] at `default_calendar` when the policy has no calendar
    /// of that name (add calendars first).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::BusinessCalendar;
    /// let store = BusinessCalendar::builder(chrono_tz::Europe::Paris)
    ///     .weekdays(&["10:00-19:00"]).build()?;
    /// let policy = Policy::default()
    ///     .with_calendar("store".parse()?, store)?
    ///     .with_default_calendar("store".parse()?)?;
    /// assert_eq!(policy.default_calendar().as_str(), "store");
    /// let err = policy.with_default_calendar("desk".parse()?).unwrap_err();
    /// assert_eq!(err.to_string(), r#"default_calendar: no calendar named "desk"; calendars are always, store"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_default_calendar(mut self, name: CalendarName) -> Result<Self, PolicyError> {
        self.fingerprint = fingerprint::Cached::default();
        self.check_calendar(&name, "default_calendar")?;
        self.default_calendar = name;
        Ok(self)
    }

    /// The policy's default calendar: where a required call that names no
    /// calendar is counted. It is the one set by
    /// [`with_default_calendar`](Self::with_default_calendar) (in files,
    /// `default_calendar`), else the built-in `always`; the
    /// [recommended policy](Self::recommended)'s is `business`.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert!(Policy::default().default_calendar().is_always());
    /// assert_eq!(Policy::recommended().default_calendar().as_str(), "business");
    /// ```
    #[must_use]
    pub fn default_calendar(&self) -> &CalendarName {
        &self.default_calendar
    }

    /// The calendar a required call is counted on: its own, else the
    /// default.
    pub(crate) fn call_calendar(&self, call: &Call) -> &BusinessCalendar {
        self.calendar_or_always(call.calendar.as_ref().unwrap_or(&self.default_calendar))
    }

    /// The calendar of that name, or the built-in 24/7 calendar for a name
    /// the policy does not have (a clock recorded under another policy).
    /// Every calendar the policy names.
    pub(crate) fn calendars(&self) -> impl Iterator<Item = &BusinessCalendar> {
        self.calendars.values()
    }

    pub(crate) fn calendar_or_always(&self, name: &CalendarName) -> &BusinessCalendar {
        self.calendar(name).unwrap_or_else(|| always_calendar())
    }

    /// Checks that `name` is a calendar of the policy: the error names the
    /// field at `path` and lists the calendars there are.
    pub(crate) fn check_calendar(
        &self,
        name: &CalendarName,
        path: impl Into<String>,
    ) -> Result<(), PolicyError> {
        if self.calendar(name).is_some() {
            return Ok(());
        }
        let known = std::iter::once(CalendarName::always().as_str())
            .chain(self.calendars.keys().map(CalendarName::as_str))
            .collect::<Vec<_>>()
            .join(", ");
        Err(PolicyError::new(
            path,
            format!("no calendar named \"{name}\"; calendars are {known}"),
        ))
    }

    /// Tracks a metric with these SLA settings.
    ///
    /// # Errors
    /// [`PolicyError`] when the metric is already tracked, a target names a
    /// calendar the policy does not have (add calendars first), a target
    /// rule names a tier the policy does not have (add tiers first) or names
    /// one for a metric other than [`Metric::TierOwnership`], or a target
    /// or warning span is one a policy file cannot hold (zero, negative,
    /// finer than a second, or longer than [`MAX_SPAN`](Self::MAX_SPAN) or
    /// [`MAX_BUSINESS_DAYS`](Self::MAX_BUSINESS_DAYS)).
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::policy::Policy;
    /// use escalate::sla::{CalendarName, Metric, MetricPolicy, Target, Within};
    /// let policy = Policy::default()
    ///     .with_sla(MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(1)), CalendarName::always())))?;
    /// assert!(policy.sla(Metric::FirstResponse).is_some());
    /// let err = policy.with_sla(MetricPolicy::new(Metric::Resolution, Target::new(Within::BusinessDays(2), "desk".parse()?))).unwrap_err();
    /// assert_eq!(err.to_string(), r#"fallback.calendar: no calendar named "desk"; calendars are always"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_sla(mut self, metric: MetricPolicy) -> Result<Self, PolicyError> {
        self.fingerprint = fingerprint::Cached::default();
        if self.sla(metric.metric).is_some() {
            return Err(PolicyError::new(
                "metric",
                format!("metric {} is configured twice", metric.metric),
            ));
        }
        let targets = metric
            .targets
            .iter()
            .enumerate()
            .map(|(i, rule)| (format!("targets[{i}].target.calendar"), &rule.target))
            .chain(
                metric
                    .fallback
                    .iter()
                    .map(|t| ("fallback.calendar".to_owned(), t)),
            );
        if metric.metric.is_response() {
            if metric.stopped_by.is_empty() {
                return Err(PolicyError::new(
                    "stopped_by",
                    format!(
                        "no kind of response would stop the {} clock: name at least one \
                         (answer, deflection, automated, internal_note), or leave it out for \
                         answers and deflections",
                        metric.metric
                    ),
                ));
            }
            for (k, kind) in metric.stopped_by.iter().enumerate() {
                if metric.stopped_by[..k].contains(kind) {
                    return Err(PolicyError::new(
                        format!("stopped_by[{k}]"),
                        format!("{kind} is listed twice"),
                    ));
                }
            }
        } else if metric.stopped_by != crate::ResponseKind::REPLIES {
            return Err(PolicyError::new(
                "stopped_by",
                format!(
                    "a response does not stop the {} clock: leave `stopped_by` out",
                    metric.metric
                ),
            ));
        }
        self.check_target_tiers(&metric)?;
        if metric.warnings.len() > Policy::MAX_WARNINGS {
            return Err(PolicyError::new(
                "warnings",
                format!(
                    "a metric has at most {} warnings, not {}",
                    Policy::MAX_WARNINGS,
                    metric.warnings.len()
                ),
            ));
        }
        for (k, threshold) in metric.warnings.iter().enumerate() {
            if let crate::sla::Threshold::Before(d) = threshold {
                load::check_span(
                    crate::sla::Within::Time(*d),
                    &format!("warnings[{k}].before"),
                )?;
            }
        }
        for (path, target) in targets {
            let within = path.replace(".calendar", ".within");
            load::check_span(target.within, &within)?;
            self.check_calendar(&target.calendar, path)?;
        }
        self.sla.push(metric);
        Ok(self)
    }

    /// Checks the tiers target rules and `no_target` rows name: only on
    /// tier-ownership metrics, and only the policy's.
    fn check_target_tiers(&self, metric: &MetricPolicy) -> Result<(), PolicyError> {
        let tiers = metric
            .targets
            .iter()
            .enumerate()
            .map(|(k, rule)| (format!("targets[{k}].when.tier"), &rule.when.tier))
            .chain(
                metric
                    .no_target
                    .iter()
                    .enumerate()
                    .map(|(k, m)| (format!("no_target[{k}].tier"), &m.tier)),
            );
        for (path, tier) in tiers {
            let Some(tier) = tier else {
                continue;
            };
            if metric.metric != Metric::TierOwnership {
                return Err(PolicyError::new(
                    path,
                    format!(
                        "only tier_ownership targets may name a tier: the {} clock measures no \
                         tier",
                        metric.metric
                    ),
                ));
            }
            if self.rank(tier).is_none() {
                return Err(PolicyError::new(
                    path,
                    format!("no tier named \"{tier}\"; tiers are {}", self.tier_list()),
                ));
            }
        }
        Ok(())
    }

    /// Stops tracking a metric (to replace its settings with
    /// [`with_sla`](Self::with_sla)).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::Metric;
    /// assert!(Policy::recommended().sla(Metric::NextResponse).is_some());
    /// let p = Policy::recommended().without_sla(Metric::NextResponse);
    /// assert!(p.sla(Metric::NextResponse).is_none());
    /// ```
    #[must_use]
    pub fn without_sla(mut self, metric: Metric) -> Self {
        self.fingerprint = fingerprint::Cached::default();
        self.sla.retain(|m| m.metric != metric);
        self
    }

    /// The SLA settings of a metric, if the policy tracks it.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::{Metric, Threshold};
    /// assert!(Policy::default().sla(Metric::Resolution).is_none());
    /// let recommended = Policy::recommended();
    /// let resolution = recommended.sla(Metric::Resolution).unwrap();
    /// assert_eq!(resolution.warnings, [Threshold::Percent(80)]);
    /// ```
    #[must_use]
    pub fn sla(&self, metric: Metric) -> Option<&MetricPolicy> {
        self.sla.iter().find(|m| m.metric == metric)
    }

    /// A rule's name, shared by every event that names it.
    pub(crate) fn rule_name(&self, rule: &Rule) -> Text {
        self.label_of(rule)
            .map_or_else(|| rule.name.as_str().into(), |label| label.name.clone())
    }

    /// A rule's name and condition in words, for its `RuleFired` events.
    pub(crate) fn rule_label(&self, rule: &Rule) -> (Text, Text) {
        match self.label_of(rule) {
            Some(label) => (label.name.clone(), label.when.clone()),
            None => (rule.name.as_str().into(), rule.when.to_string().into()),
        }
    }

    /// The label made for `rule`, one of this policy's rules.
    fn label_of(&self, rule: &Rule) -> Option<&RuleLabel> {
        let i = self.rules.iter().position(|r| std::ptr::eq(r, rule))?;
        self.labels.get(i)
    }

    /// The rules, each with the facts its condition reads
    /// ([`Condition::reads`]).
    pub(crate) fn rules_with_reads(&self) -> impl Iterator<Item = (&Rule, Reads)> {
        self.rules
            .iter()
            .zip(&self.labels)
            .map(|(r, l)| (r, l.reads))
    }

    /// The rules time alone can make act (a delay, working hours, a wait
    /// for a handoff), each with its shared name.
    pub(crate) fn timed_rules(&self) -> impl Iterator<Item = (&Rule, &Text)> {
        self.rules
            .iter()
            .zip(&self.labels)
            .filter(|(_, l)| l.timed)
            .map(|(r, l)| (r, &l.name))
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

/// What a rule's events say about it, and what it reads, made once.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RuleLabel {
    name: Text,
    when: Text,
    reads: Reads,
    /// Whether time alone can make it act: a delay, working hours, or a
    /// wait for a handoff.
    timed: bool,
}

impl RuleLabel {
    fn of(rule: &Rule) -> RuleLabel {
        RuleLabel {
            name: rule.name.as_str().into(),
            when: rule.when.to_string().into(),
            reads: rule.when.reads(),
            timed: rule.delay.is_some()
                || rule.during.is_some()
                || rule
                    .when
                    .leaves()
                    .iter()
                    .any(|leaf| matches!(leaf, Condition::HandoffNotAccepted(_))),
        }
    }
}

/// A calendar name read from a policy file, with the messages the file's
/// readers have always had.
fn calendar_name(name: &str) -> Result<CalendarName, PolicyError> {
    if name.trim().is_empty() {
        return Err(blank_calendar_name());
    }
    CalendarName::new(name).map_err(|e| PolicyError::new("calendars", e.to_string()))
}

fn blank_calendar_name() -> PolicyError {
    PolicyError::new("calendars", "a calendar name is empty")
}

pub(crate) fn always_calendar() -> &'static BusinessCalendar {
    static ALWAYS_OPEN: std::sync::OnceLock<BusinessCalendar> = std::sync::OnceLock::new();
    ALWAYS_OPEN.get_or_init(BusinessCalendar::always)
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
    fn a_recorded_policy_keeps_nothing_of_its_rules_and_round_trips() {
        let recorded = Policy::recommended().as_recorded();
        assert!(recorded.labels.is_empty());
        assert_eq!(recorded.index, RuleIndex::default());
        let json = serde_json::to_string(&recorded).unwrap();
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), recorded);
        // Its rule names are free again.
        let name = Policy::recommended().rules()[0].name.clone();
        let rule = Rule::new(name, Condition::ChurnSignal, [Action::RequireReview]);
        assert!(recorded.with_rule(rule).is_ok());
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let p = Policy::default().with_time_zone(chrono_tz::America::Chicago);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"version":"default","tiers":["frontline","supervisor","manager","regional","executive"],"time_zone":"America/Chicago","deflection":"allow"}"#
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
