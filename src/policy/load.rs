//! Loading policies from TOML and JSON, checking rules, and linting.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::rule::{Leaf, Reads};
use super::{
    Action, Condition, DeflectionPolicy, PauseName, PauseReason, Policy, PolicySpec, Rule,
};
use crate::PolicyError;
use crate::sla::{Metric, Within};

impl Policy {
    /// Reads a policy from TOML, checking it as it goes.
    ///
    /// # Errors
    /// [`PolicyError`] naming the path of the offending field and the
    /// problem: `rules[3].then.escalate_to: no tier named "regionl"; tiers are
    /// frontline, supervisor, manager`. Malformed TOML is reported with its
    /// line and column under the path `toml`.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let policy = Policy::from_toml_str(r#"
    ///     version = "shop-1"
    ///     tiers = ["frontline", "supervisor", "manager"]
    ///     [[rules]]
    ///     name = "second failure"
    ///     when = { failures_at_least = 2 }
    ///     then = { escalate_to = "manager" }
    /// "#)?;
    /// assert_eq!(policy.rules().len(), 1);
    /// let err = Policy::from_toml_str(r#"
    ///     version = "shop-1"
    ///     tiers = ["frontline", "supervisor", "manager"]
    ///     [[rules]]
    ///     name = "second failure"
    ///     when = { failures_at_least = 2 }
    ///     then = { escalate_to = "regionl" }
    /// "#).unwrap_err();
    /// assert_eq!(err.to_string(), r#"rules[0].then.escalate_to: no tier named "regionl"; tiers are frontline, supervisor, manager"#);
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Policy, PolicyError> {
        let de = toml::Deserializer::parse(text)
            .map_err(|e| PolicyError::new("toml", e.to_string().trim_end().to_owned()))?;
        let spec: PolicySpec = serde_path_to_error::deserialize(de)
            .map_err(|e| serde_error(&e.path().to_string(), e.inner().message()))?;
        Policy::try_from(spec)
    }

    /// Reads a policy from JSON, checking it as it goes.
    ///
    /// # Errors
    /// [`PolicyError`] naming the path of the offending field and the problem.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let err = Policy::from_json_str(r#"{"version": "v", "tiers": ["a"], "rules": [
    ///     {"name": "x", "when": "teleport", "then": "require_review"}]}"#).unwrap_err();
    /// assert!(err.to_string().starts_with("rules[0].when: unknown variant `teleport`"), "{err}");
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    pub fn from_json_str(text: &str) -> Result<Policy, PolicyError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let spec: PolicySpec = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let message = e.inner().to_string();
            // serde_json appends " at line L column C"; the path says where.
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            serde_error(&e.path().to_string(), &message)
        })?;
        de.end()
            .map_err(|e| PolicyError::new("json", e.to_string()))?;
        Policy::try_from(spec)
    }

    /// Writes the policy as TOML (the shape [`from_toml_str`](Self::from_toml_str) reads).
    ///
    /// # Errors
    /// [`PolicyError`] if the TOML writer fails (it does not for policies this
    /// crate builds).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let p = Policy::recommended();
    /// assert_eq!(Policy::from_toml_str(&p.to_toml_string()?)?, p);
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    pub fn to_toml_string(&self) -> Result<String, PolicyError> {
        toml::to_string(self).map_err(|e| PolicyError::new("toml", e.to_string()))
    }

    /// The same tiers, time zone, calendars, clocks and ladder, with nothing
    /// enforced: no escalation rules, deflections allowed, the recovery
    /// guards off and reviews optional. Replaying a recorded history under
    /// it rebuilds the case as it happened, mistakes included.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::recovery::Guards;
    /// let lenient = Policy::recommended().as_recorded();
    /// assert!(lenient.rules().is_empty());
    /// assert_eq!(lenient.recovery().guards(), Guards::Off);
    /// assert_eq!(lenient.tiers(), Policy::recommended().tiers());
    /// ```
    #[must_use]
    pub fn as_recorded(&self) -> Policy {
        let mut policy = self.clone();
        policy.version = format!("{} (as recorded)", self.version).as_str().into();
        policy.rules.clear();
        policy.labels.clear();
        policy.index = super::RuleIndex::default();
        policy.deflection = DeflectionPolicy::Allow;
        policy.recovery = self
            .recovery
            .clone()
            .with_guards(crate::recovery::Guards::Off)
            .with_review(crate::recovery::ReviewRule::Optional);
        policy
    }

    /// Adds an escalation rule after the existing ones.
    ///
    /// # Errors
    /// [`PolicyError`] with the path inside the rule: a duplicate or empty
    /// name, no actions or the same action twice, a tier or calendar the
    /// policy does not have, a count of zero, a survey score outside 1 to 5,
    /// a span a policy file cannot hold (zero, negative, finer than a second,
    /// or longer than [`MAX_SPAN`](Self::MAX_SPAN) or
    /// [`MAX_BUSINESS_DAYS`](Self::MAX_BUSINESS_DAYS)), a repeat without a
    /// delay or beyond [`Rule::MAX_REPEAT`], or a call cycle (see
    /// [Bounds](Policy#bounds)): a rule that requires a call and that a
    /// promise can make fire, itself or through a rule already there.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Policy, Rule};
    /// let policy = Policy::default()
    ///     .with_rule(Rule::new("second failure", Condition::FailuresAtLeast(2), [Action::EscalateTo("manager".parse()?)]))?;
    /// assert_eq!(policy.rules()[0].name, "second failure");
    /// let err = policy.clone().with_rule(Rule::new("bad", Condition::SurveyScoreAtMost(9), [Action::RequireReview])).unwrap_err();
    /// assert_eq!(err.to_string(), "when.survey_score_at_most: a survey score is 1 to 5, not 9");
    /// let twice = Rule::new("twice", Condition::PublicContact, [Action::RequireReview, Action::RequireReview]);
    /// let err = policy.with_rule(twice).unwrap_err();
    /// assert_eq!(err.to_string(), "then[1]: the same action as then[0]: list each action once");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_rule(mut self, rule: Rule) -> Result<Policy, PolicyError> {
        self.fingerprint = super::fingerprint::Cached::default();
        if self.rules.len() >= Policy::MAX_RULES {
            return Err(super::too_many_rules());
        }
        if rule.name.trim().is_empty() {
            return Err(PolicyError::new("name", "a rule needs a name"));
        }
        if self.index.names.contains(&rule.name) {
            return Err(PolicyError::new(
                "name",
                format!("rule \"{}\" is defined twice", rule.name),
            ));
        }
        check_condition(&rule.when, "when")?;
        if rule.then.is_empty() {
            return Err(PolicyError::new("then", "a rule needs at least one action"));
        }
        if rule.then.len() > Rule::MAX_ACTIONS {
            return Err(PolicyError::new(
                "then",
                format!(
                    "a rule has at most {} actions, not {}: split it into rules",
                    Rule::MAX_ACTIONS,
                    rule.then.len()
                ),
            ));
        }
        let mut first: HashMap<&Action, usize> = HashMap::with_capacity(rule.then.len());
        for (i, action) in rule.then.iter().enumerate() {
            let at = if rule.then.len() == 1 {
                "then".to_owned()
            } else {
                format!("then[{i}]")
            };
            self.check_action(action, &at)?;
            if let Some(k) = first.insert(action, i) {
                return Err(PolicyError::new(
                    at,
                    format!("the same action as then[{k}]: list each action once"),
                ));
            }
        }
        if let Some(delay) = &rule.delay {
            check_span(delay.after, "delay.after")?;
        }
        match &rule.delay {
            Some(delay) => self.check_calendar(&delay.calendar, "delay.calendar")?,
            None if rule.repeat > 0 => {
                return Err(PolicyError::new("repeat", "repeating needs a delay"));
            }
            None => {}
        }
        if let Some(super::During::BusinessHoursOf(calendar)) = &rule.during {
            self.check_calendar(calendar, "during.business_hours_of")?;
        }
        if rule.repeat > Rule::MAX_REPEAT {
            return Err(PolicyError::new(
                "repeat",
                format!(
                    "a rule repeats at most {} times, not {}: use a longer delay",
                    Rule::MAX_REPEAT,
                    rule.repeat
                ),
            ));
        }
        let feeds = Feeds::of(&rule);
        self.check_call_cycle(&rule, feeds)?;
        let reads = rule.when.reads();
        self.check_fan_out(reads)?;
        for (k, leaf) in Leaf::ALL.into_iter().enumerate() {
            if reads.meets(Reads::of(leaf)) {
                self.index.readers[k] += 1;
            }
        }
        let i = self.rules.len();
        if feeds.escalates && feeds.on_promise {
            self.index.promise_escalator.get_or_insert(i);
        }
        if feeds.calls && feeds.on_escalation {
            self.index.escalation_caller.get_or_insert(i);
        }
        self.index.names.insert(rule.name.clone());
        self.labels.push(super::RuleLabel::of(&rule));
        self.rules.push(rule);
        Ok(self)
    }

    /// Refuses a rule that would let one event fire too many rules: more
    /// than [`MAX_RULES_PER_FACT`](Policy::MAX_RULES_PER_FACT) on one kind
    /// of fact, or a chain of escalations firing more than
    /// [`MAX_CHAIN_FIRINGS`](Policy::MAX_CHAIN_FIRINGS).
    fn check_fan_out(&self, reads: Reads) -> Result<(), PolicyError> {
        for (k, leaf) in Leaf::ALL.into_iter().enumerate() {
            if !reads.meets(Reads::of(leaf)) {
                continue;
            }
            let readers = self.index.readers[k];
            if readers >= Policy::MAX_RULES_PER_FACT {
                return Err(PolicyError::new(
                    "when",
                    format!(
                        "{readers} rules already read {}; at most {} rules read one fact: merge \
                         rules that share a condition",
                        leaf.name(),
                        Policy::MAX_RULES_PER_FACT
                    ),
                ));
            }
            if leaf == Leaf::Escalated {
                let rules = readers + 1;
                let tiers = self.tiers().len();
                let firings = tiers.saturating_mul(rules);
                if firings > Policy::MAX_CHAIN_FIRINGS {
                    return Err(PolicyError::new(
                        "when",
                        format!(
                            "with {tiers} tiers, {rules} rules on escalated could fire {firings} \
                             times in one chain of escalations; at most {}: fewer rules on \
                             escalated, or fewer tiers",
                            Policy::MAX_CHAIN_FIRINGS
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Refuses a rule that closes a call cycle: a call is a promise, and a
    /// rule that a promise makes fire, directly or through an escalation
    /// that another rule answers with a call, would make a call for every
    /// unanswered call. Cycles through escalations alone are bounded (each
    /// moves the case up a tier) and allowed.
    ///
    /// Rules feed each other only through the facts their actions make: an
    /// escalation (`escalated`) and a call's promise clock (`promise_at_risk`,
    /// `promise_broken`, the promise metric's `sla_warning` and
    /// `sla_breach`). So a cycle through a call exists exactly when a rule
    /// on a promise requires a call, or a rule on a promise escalates and a
    /// rule on `escalated` requires a call; the policy keeps the first rule
    /// of each of these two kinds, and the check takes constant time.
    fn check_call_cycle(&self, rule: &Rule, feeds: Feeds) -> Result<(), PolicyError> {
        const ENDLESS: &str = "every unanswered call would make another, without end";
        let name = |i: usize| self.rules.get(i).map_or("", |r| r.name.as_str());
        if feeds.calls && feeds.on_promise {
            return Err(PolicyError::new(
                "then",
                format!(
                    "rule \"{}\" requires a call, and a call's own promise can make it require \
                     another: {ENDLESS}; escalate or notify instead",
                    rule.name
                ),
            ));
        }
        if feeds.calls
            && feeds.on_escalation
            && let Some(i) = self.index.promise_escalator
        {
            return Err(PolicyError::new(
                "then",
                format!(
                    "rule \"{}\" requires a call, and a call's own promise can make it (through \
                     rule \"{}\") require another: {ENDLESS}; escalate or notify instead",
                    rule.name,
                    name(i)
                ),
            ));
        }
        if feeds.escalates
            && feeds.on_promise
            && let Some(i) = self.index.escalation_caller
        {
            return Err(PolicyError::new(
                "then",
                format!(
                    "rule \"{}\" escalates when a promise is at risk or broken, and an escalation \
                     makes rule \"{}\" require a call, which is a promise: {ENDLESS}; notify \
                     instead of escalating, or have rule \"{}\" escalate or notify instead of \
                     calling",
                    rule.name,
                    name(i),
                    name(i)
                ),
            ));
        }
        Ok(())
    }

    fn check_action(&self, action: &Action, at: &str) -> Result<(), PolicyError> {
        let (field, tier) = match action {
            Action::RequireCall(call) => {
                return match &call.calendar {
                    None => check_span(call.within, &format!("{at}.require_call")),
                    Some(calendar) => {
                        check_span(call.within, &format!("{at}.require_call.within"))?;
                        self.check_calendar(calendar, format!("{at}.require_call.calendar"))
                    }
                };
            }
            Action::Notify(notice) => {
                return notice
                    .within
                    .map_or(Ok(()), |w| check_span(w, &format!("{at}.notify.within")));
            }
            Action::RequireOwner(t) => ("require_owner", t),
            Action::EscalateTo(t) => ("escalate_to", t),
            Action::RequireApology(t) => ("require_apology", t),
            Action::EscalateOneTier | Action::Recommend(_) | Action::RequireReview => {
                return Ok(());
            }
        };
        if self.rank(tier).is_some() {
            Ok(())
        } else {
            Err(PolicyError::new(
                format!("{at}.{field}"),
                format!("no tier named \"{tier}\"; tiers are {}", self.tier_list()),
            ))
        }
    }

    /// The escalation rules, in order.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert!(Policy::default().rules().is_empty());
    /// assert!(!Policy::recommended().rules().is_empty());
    /// ```
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Sets what resolving a case answered only with deflections does.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{DeflectionPolicy, Policy};
    /// let p = Policy::default().with_deflection(DeflectionPolicy::Refuse);
    /// assert_eq!(p.deflection(), DeflectionPolicy::Refuse);
    /// ```
    #[must_use]
    pub fn with_deflection(mut self, deflection: DeflectionPolicy) -> Policy {
        self.fingerprint = super::fingerprint::Cached::default();
        self.deflection = deflection;
        self
    }

    /// Sets whether a customer's contact starts the next-response clock
    /// only once the first response has been given (the default, `true`):
    /// while the first-response clock runs, more contacts from the customer
    /// wait on it, so one late case is one breach, not two. With `false`,
    /// each contact with no next-response clock running starts one, even
    /// before the first response.
    ///
    /// In a policy file: `next_response_after_first = false`.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert!(Policy::recommended().next_response_after_first());
    /// let p = Policy::default().with_next_response_after_first(false);
    /// assert!(!p.next_response_after_first());
    /// let toml = "version = \"v1\"\ntiers = [\"frontline\"]\nnext_response_after_first = false\n";
    /// assert!(!Policy::from_toml_str(toml)?.next_response_after_first());
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    #[must_use]
    pub fn with_next_response_after_first(mut self, after_first: bool) -> Policy {
        self.fingerprint = super::fingerprint::Cached::default();
        self.next_response_after_first = after_first;
        self
    }

    /// Whether a contact starts the next-response clock only once the first
    /// response has been given (see
    /// [`with_next_response_after_first`](Self::with_next_response_after_first)).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert!(Policy::default().next_response_after_first());
    /// ```
    #[must_use]
    pub fn next_response_after_first(&self) -> bool {
        self.next_response_after_first
    }

    /// Adds a pause reason, or replaces the reason of the same name. Every
    /// policy starts with [`PauseReason::awaiting_customer`], the reason
    /// [`WaitOnCustomer`](crate::CommandKind::WaitOnCustomer) pauses under;
    /// a policy file's `pauses` list replaces it (keep an
    /// `awaiting_customer` entry for `WaitOnCustomer`).
    ///
    /// # Errors
    /// [`PolicyError`] at `pauses` when the reason pauses no metric, or at
    /// `pauses[j]` when it pauses promises or names a metric twice.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{PauseReason, Policy};
    /// use escalate::sla::Metric;
    /// let carrier = PauseReason::new("awaiting_third_party".parse()?, [Metric::Resolution])
    ///     .ending_on_contact(false);
    /// let policy = Policy::default().with_pause(carrier)?;
    /// assert_eq!(policy.pauses().len(), 2);
    /// assert!(policy.pause_reason(&"awaiting_third_party".parse()?).is_some());
    /// let err = Policy::default()
    ///     .with_pause(PauseReason::new("forever".parse()?, [Metric::Promise]))
    ///     .unwrap_err();
    /// assert_eq!(err.path(), "pauses[0]");
    /// // In a policy file:
    /// let policy = Policy::from_toml_str(r#"
    ///     version = "v1"
    ///     tiers = ["frontline"]
    ///     [[pauses]]
    ///     name = "awaiting_customer"
    ///     pauses = ["next_response", "periodic_update", "resolution"]
    ///     [[pauses]]
    ///     name = "scheduled"
    ///     pauses = ["periodic_update", "resolution"]
    ///     ends_on_contact = false
    /// "#)?;
    /// assert_eq!(policy.pauses().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_pause(mut self, reason: PauseReason) -> Result<Policy, PolicyError> {
        reason.check()?;
        self.fingerprint = super::fingerprint::Cached::default();
        match self.pauses.iter_mut().find(|r| r.name == reason.name) {
            Some(same) => *same = reason,
            None => self.pauses.push(reason),
        }
        Ok(self)
    }

    /// The pause reasons, in the order they were added.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{PauseName, Policy};
    /// assert_eq!(Policy::default().pauses()[0].name, PauseName::awaiting_customer());
    /// ```
    #[must_use]
    pub fn pauses(&self) -> &[PauseReason] {
        &self.pauses
    }

    /// The pause reason of this name, if the policy has one.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{PauseName, Policy};
    /// assert!(Policy::default().pause_reason(&PauseName::awaiting_customer()).is_some());
    /// assert!(Policy::default().pause_reason(&"scheduled".parse()?).is_none());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn pause_reason(&self, name: &PauseName) -> Option<&PauseReason> {
        self.pauses.iter().find(|r| &r.name == name)
    }

    /// What resolving a case answered only with deflections does.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{DeflectionPolicy, Policy};
    /// assert_eq!(Policy::recommended().deflection(), DeflectionPolicy::Refuse);
    /// ```
    #[must_use]
    pub fn deflection(&self) -> DeflectionPolicy {
        self.deflection
    }
}

/// How a rule can make rules fire: what its actions make, and which of
/// those its condition reads.
#[derive(Clone, Copy, Debug)]
#[allow(clippy::struct_excessive_bools)] // four independent facts about one rule
struct Feeds {
    /// It requires a call: a promise with its own clock.
    calls: bool,
    /// It escalates (or requires an owner), which `escalated` counts.
    escalates: bool,
    /// Its condition reads a promise's warning or breach.
    on_promise: bool,
    /// Its condition reads `escalated`.
    on_escalation: bool,
}

impl Feeds {
    fn of(rule: &Rule) -> Feeds {
        let leaves = rule.when.leaves();
        Feeds {
            calls: rule
                .then
                .iter()
                .any(|a| matches!(a, Action::RequireCall(_))),
            escalates: rule.then.iter().any(Action::escalates),
            on_promise: leaves.iter().any(|c| {
                matches!(
                    c,
                    Condition::PromiseAtRisk
                        | Condition::PromiseBroken
                        | Condition::SlaWarning(Metric::Promise)
                        | Condition::SlaBreach(Metric::Promise)
                )
            }),
            on_escalation: leaves.iter().any(|c| matches!(c, Condition::Escalated)),
        }
    }
}

impl Action {
    /// Whether the action moves the case up (or requires an owner).
    pub(crate) fn escalates(&self) -> bool {
        matches!(
            self,
            Action::RequireOwner(_) | Action::EscalateTo(_) | Action::EscalateOneTier
        )
    }
}

fn check_condition(condition: &Condition, at: &str) -> Result<(), PolicyError> {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => {
            let word = if matches!(condition, Condition::All(_)) {
                "all"
            } else {
                "any"
            };
            if cs.is_empty() {
                return Err(PolicyError::new(
                    format!("{at}.{word}"),
                    "needs at least one condition",
                ));
            }
            for (i, c) in cs.iter().enumerate() {
                check_condition(c, &format!("{at}.{word}[{i}]"))?;
            }
            Ok(())
        }
        Condition::SurveyScoreAtMost(s) if !(1..=5).contains(s) => Err(PolicyError::new(
            format!("{at}.survey_score_at_most"),
            format!("a survey score is 1 to 5, not {s}"),
        )),
        Condition::RepeatContact(0) => Err(PolicyError::new(
            format!("{at}.repeat_contact"),
            "count contacts from 1",
        )),
        Condition::FailuresAtLeast(0) => Err(PolicyError::new(
            format!("{at}.failures_at_least"),
            "count failures from 1",
        )),
        Condition::HandoffNotAccepted(w) => check_span(*w, &format!("{at}.handoff_not_accepted")),
        _ => Ok(()),
    }
}

/// Checks that a span built in code can be written to a policy file and read
/// back (files spell spans in whole seconds, and a span is positive), and
/// that it is within the policy bounds ([`Policy::MAX_SPAN`],
/// [`Policy::MAX_BUSINESS_DAYS`]).
pub(super) fn check_span(within: Within, at: &str) -> Result<(), PolicyError> {
    let too_long = |shown: String, max: String| {
        Err(PolicyError::new(
            at,
            format!("a span is at most {max}, not {shown}: shorten it"),
        ))
    };
    match within {
        Within::Time(d) if d > Policy::MAX_SPAN && d.subsec_nanos() == 0 => {
            return too_long(
                crate::sla::format_span(d),
                format!("10 years ({})", crate::sla::format_span(Policy::MAX_SPAN)),
            );
        }
        Within::BusinessDays(n) if n > Policy::MAX_BUSINESS_DAYS => {
            return too_long(
                within.to_string(),
                format!("{} business days (10 years)", Policy::MAX_BUSINESS_DAYS),
            );
        }
        _ => {}
    }
    match within {
        Within::Time(d) if d <= chrono::TimeDelta::zero() || d.subsec_nanos() != 0 => {
            let shown = if d.subsec_nanos() == 0 {
                crate::sla::format_span(d)
            } else {
                format!("{}s", d.as_seconds_f64())
            };
            Err(PolicyError::new(
                at,
                format!("a span is a positive whole number of seconds, not {shown}"),
            ))
        }
        Within::BusinessDays(0) => Err(PolicyError::new(
            at,
            "a span of business days counts from 1",
        )),
        _ => Ok(()),
    }
}

/// A structural error from serde at a path (`.` is the root).
///
/// Errors raised by a validating constructor (the policy's own checks, a
/// calendar's) already carry their own path as `path: problem`; that path
/// is placed inside the serde path.
fn serde_error(path: &str, message: &str) -> PolicyError {
    let inner = message.split_once(": ").filter(|(p, _)| is_path(p));
    let root = path == "." || path.is_empty();
    match (root, inner) {
        (true, Some((p, m))) => PolicyError::new(p, m),
        (true, None) => PolicyError::new("policy", message),
        (false, Some((p, m))) => PolicyError::new(format!("{path}.{p}"), m),
        (false, None) => PolicyError::new(path, message),
    }
}

/// Whether `text` reads as a field path such as `hours.mon[0]` or `tiers[1]`.
fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
}

/// Deserializes `then` from one action or a list of them, keeping serde's
/// own message (and the path) when an action is wrong.
pub(crate) fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Action>, D::Error> {
    struct OneOrMany;
    impl<'de> Visitor<'de> for OneOrMany {
        type Value = Vec<Action>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "an action or a list of actions, such as \"escalate_one_tier\" or { escalate_to = \"manager\" }",
            )
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<Vec<Action>, E> {
            Action::deserialize(de::value::StrDeserializer::new(name)).map(|a| vec![a])
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<Action>, A::Error> {
            Action::deserialize(de::value::MapAccessDeserializer::new(map)).map(|a| vec![a])
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Action>, A::Error> {
            let mut actions = Vec::new();
            while let Some(action) = seq.next_element()? {
                actions.push(action);
            }
            Ok(actions)
        }
    }
    d.deserialize_any(OneOrMany)
}
