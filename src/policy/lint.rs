//! Linting: what loading does not refuse but is likely a mistake, each
//! finding with a fix; and the rule-work bound of a policy.

use std::fmt;

use serde::Serialize;

use super::{Action, Call, Condition, Policy, Rule};
use crate::sla::{Metric, MetricPolicy, Threshold, Within};
use crate::{Channel, CustomerValue, Priority, Tier};

impl Policy {
    /// Checks the policy for mistakes that loading does not reject, each
    /// with a [fix](Lint::fix):
    /// - **shadowed rules**: a rule that never escalates because an earlier
    ///   rule with the same condition always wins; an escalation to the
    ///   lowest tier;
    /// - **unreachable rules**: a condition that can never hold under this
    ///   policy (`sla_breach` or `sla_warning` on a metric with no targets,
    ///   `sla_warning` or `promise_at_risk` on a metric with no warnings).
    ///   A rule is reported when its whole condition is dead, a branch of
    ///   `any` when only it is. `escalated` is never dead: agents escalate
    ///   by hand;
    /// - **SLA coverage**: for each metric with targets, the combinations of
    ///   channel (phone, voicemail, email, chat, `social_public`,
    ///   `social_private`), priority and customer value that no target row
    ///   and no fallback covers, said compactly ("phone at every priority
    ///   and value"). A gap meant on purpose is written as a
    ///   [`no_target`](crate::sla::MetricPolicy::no_target) row and not
    ///   reported. Tier-ownership targets are checked for each tier;
    /// - **warnings** that never warn: 0% (fires as the clock starts), 100%
    ///   or more, or a `before` at or past the shortest target;
    /// - an SLA target shorter than a closing inside its calendar's working
    ///   day (a lunch break, the gap of a split shift: a clock started just
    ///   before it is due only after reopening; closings overnight and over
    ///   weekends are what business-hours targets are written to span, and
    ///   are not flagged); a required call or a deferral counted on the
    ///   always-open calendar when the policy has calendars; a pause that
    ///   hides a contact;
    /// - **recovery authority**: a tier's authority that grants nothing (no
    ///   kinds, or monetary kinds with `max_bps = 0`), a tier with no
    ///   authority at all, and a ladder rung no tier may grant
    ///   ("unclimbable");
    /// - **rule work**: the policy's [`work_bound`](Self::work_bound) when
    ///   its firings exceed [`WorkBound::LARGE_FIRINGS`].
    ///
    /// Fatal mistakes are refused when the policy is built or loaded, and
    /// are not repeated here: zero or negative spans (targets, warnings,
    /// delays), warnings beyond [`MAX_WARNINGS`](Self::MAX_WARNINGS),
    /// repeats beyond [`Rule::MAX_REPEAT`], call cycles.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, LintLevel, Policy, Rule};
    /// let policy = Policy::default()
    ///     .with_rule(Rule::new("a", Condition::PublicContact, [Action::EscalateTo("manager".parse()?)]))?
    ///     .with_rule(Rule::new("b", Condition::PublicContact, [Action::EscalateTo("regional".parse()?)]))?;
    /// let lints = policy.lint();
    /// assert_eq!(lints.len(), 1);
    /// assert_eq!(lints[0].level, LintLevel::Warning);
    /// assert_eq!(lints[0].to_string(), r#"warning: rules[1]: never escalates: rule "a" has the same condition and comes first"#);
    /// assert_eq!(lints[0].fix, r#"merge rule "b" into rule "a", or give it another condition or a delay"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lint(&self) -> Vec<Lint> {
        let mut lints = Vec::new();
        self.lint_rules(&mut lints);
        self.lint_pauses(&mut lints);
        for (i, metric) in self.sla.iter().enumerate() {
            let targets = metric
                .targets
                .iter()
                .enumerate()
                .map(|(k, r)| (format!("sla[{i}].targets[{k}].target.within"), &r.target))
                .chain(
                    metric
                        .fallback
                        .iter()
                        .map(|t| (format!("sla[{i}].fallback.within"), t)),
                );
            self.lint_gaps(targets, &mut lints);
            self.lint_coverage(i, metric, &mut lints);
            lint_warnings(i, metric, &mut lints);
        }
        self.lint_authority(&mut lints);
        self.lint_work(&mut lints);
        lints
    }

    /// The bound on the rule work of one call under this policy, in the
    /// terms of [Bounds](Self#bounds), for tools to show.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let bound = Policy::recommended().work_bound();
    /// assert_eq!(bound.rules, 9);
    /// assert_eq!(bound.tiers, 5);
    /// assert_eq!(bound.rules_on_escalated, 1);
    /// assert_eq!(bound.firings_per_cause, 9 + 5 * 1);
    /// assert!(bound.firings() < escalate::policy::WorkBound::LARGE_FIRINGS);
    /// ```
    #[must_use]
    pub fn work_bound(&self) -> WorkBound {
        let rules = self.rules.len();
        let tiers = self.tiers.len();
        let rules_on_escalated = self
            .rules
            .iter()
            .filter(|r| r.when.leaves().contains(&&Condition::Escalated))
            .count();
        let chain_firings = tiers.saturating_mul(rules_on_escalated);
        let timed_firings = self
            .rules
            .iter()
            .filter(|r| r.delay.is_some())
            .map(|r| {
                usize::try_from(r.repeat)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1)
            })
            .fold(0usize, usize::saturating_add);
        let most_actions = self.rules.iter().map(|r| r.then.len()).max().unwrap_or(0);
        WorkBound {
            rules,
            tiers,
            rules_on_escalated,
            chain_firings,
            firings_per_cause: rules.saturating_add(chain_firings),
            timed_firings,
            most_actions,
            events_per_firing: most_actions.saturating_mul(2).saturating_add(1),
        }
    }

    fn lint_rules(&self, lints: &mut Vec<Lint>) {
        let escalates = |r: &Rule| r.then.iter().any(Action::escalates);
        for (j, later) in self.rules.iter().enumerate() {
            if later.delay.is_none() && escalates(later) {
                let winner = self.rules[..j]
                    .iter()
                    .find(|r| r.delay.is_none() && escalates(r) && r.when == later.when);
                if let Some(earlier) = winner {
                    lints.push(Lint::warning(
                        format!("rules[{j}]"),
                        format!(
                            "never escalates: rule \"{}\" has the same condition and comes first",
                            earlier.name
                        ),
                        format!(
                            "merge rule \"{}\" into rule \"{}\", or give it another condition or \
                             a delay",
                            later.name, earlier.name
                        ),
                    ));
                }
            }
            self.lint_reach(j, later, lints);
            for (i, action) in later.then.iter().enumerate() {
                let at = format!("then[{i}]");
                if let Action::EscalateTo(t) = action
                    && self.rank(t) == Some(0)
                {
                    lints.push(Lint::warning(
                        format!("rules[{j}].{at}.escalate_to"),
                        format!("{t} is the lowest tier: escalating to it never moves a case up"),
                        format!(
                            "escalate to a higher tier, or require_owner = \"{t}\" to get the \
                             case an owner"
                        ),
                    ));
                }
                if let Action::RequireCall(Call { calendar: None, .. }) = action
                    && self.default_calendar.is_always()
                    && !self.calendars.is_empty()
                {
                    lints.push(Lint::warning(
                        format!("rules[{j}].{at}.require_call"),
                        "counted on the always-open calendar: the policy has calendars but no \
                         default_calendar; name the call's calendar or set default_calendar"
                            .to_owned(),
                        format!(
                            "set default_calendar = \"{}\", or give the call a calendar",
                            self.calendar_names_hint()
                        ),
                    ));
                }
            }
            if later.during == Some(super::During::BusinessHours)
                && self.default_calendar.is_always()
            {
                lints.push(Lint::warning(
                    format!("rules[{j}].during"),
                    "business hours of the always-open calendar defer nothing: set \
                     default_calendar or name one with business_hours_of"
                        .to_owned(),
                    format!(
                        "set default_calendar = \"{0}\", or during = {{ business_hours_of = \"{0}\" }}",
                        self.calendar_names_hint()
                    ),
                ));
            }
        }
    }

    /// A calendar name for fixes: the first of the policy's own, or a
    /// placeholder.
    fn calendar_names_hint(&self) -> String {
        self.calendars
            .keys()
            .next()
            .map_or_else(|| "NAME".to_owned(), |c| c.as_str().to_owned())
    }

    /// Why a leaf of a condition can never hold under this policy, if it
    /// cannot.
    fn dead_leaf(&self, leaf: &Condition) -> Option<String> {
        let untargeted = |m: Metric| -> Option<String> {
            match self.sla(m) {
                None => Some(format!("the policy does not track the {m} metric")),
                Some(p) if m != Metric::Promise && p.targets.is_empty() && p.fallback.is_none() => {
                    Some(format!("the {m} metric has no targets"))
                }
                Some(_) => None,
            }
        };
        match leaf {
            Condition::SlaBreach(m) if *m != Metric::Promise => untargeted(*m),
            Condition::SlaWarning(m) => untargeted(*m).or_else(|| {
                self.sla(*m)
                    .filter(|p| p.warnings.is_empty())
                    .map(|_| format!("the {m} metric has no warnings"))
            }),
            Condition::PromiseAtRisk => self.dead_leaf(&Condition::SlaWarning(Metric::Promise)),
            _ => None,
        }
    }

    /// Whether the condition can hold; the dead leaves (path, why) are
    /// added to `dead`.
    fn reachable(&self, c: &Condition, at: &str, dead: &mut Vec<(String, String)>) -> bool {
        match c {
            Condition::All(cs) | Condition::Any(cs) => {
                let all = matches!(c, Condition::All(_));
                let word = if all { "all" } else { "any" };
                let mut live = Vec::with_capacity(cs.len());
                for (i, c) in cs.iter().enumerate() {
                    live.push(self.reachable(c, &format!("{at}.{word}[{i}]"), dead));
                }
                if all {
                    live.iter().all(|l| *l)
                } else {
                    live.iter().any(|l| *l)
                }
            }
            leaf => match self.dead_leaf(leaf) {
                Some(why) => {
                    dead.push((at.to_owned(), why));
                    false
                }
                None => true,
            },
        }
    }

    fn lint_reach(&self, j: usize, rule: &Rule, lints: &mut Vec<Lint>) {
        let mut dead = Vec::new();
        let at = format!("rules[{j}].when");
        let fix = "add targets (and warnings) for the metric it reads, or read another fact";
        if self.reachable(&rule.when, &at, &mut dead) {
            for (path, why) in dead {
                lints.push(Lint::warning(
                    path,
                    format!("never holds: {why}; the rest of the condition still can"),
                    format!("remove it, or {fix}"),
                ));
            }
        } else {
            let why: Vec<String> = dead.into_iter().map(|(_, why)| why).collect();
            lints.push(Lint::warning(
                at,
                format!(
                    "rule \"{}\" never fires: {} can never hold ({})",
                    rule.name,
                    rule.when,
                    why.join("; ")
                ),
                format!("remove the rule, or {fix}"),
            ));
        }
    }

    /// The lints of time targets shorter than a closing inside their
    /// calendar's working day.
    fn lint_gaps<'t>(
        &self,
        targets: impl Iterator<Item = (String, &'t crate::sla::Target)>,
        lints: &mut Vec<Lint>,
    ) {
        for (path, target) in targets {
            let Within::Time(d) = target.within else {
                continue;
            };
            let calendar = self.calendar_or_always(&target.calendar);
            if let Some((gap, from)) = calendar.shortest_gap()
                && d < gap
            {
                lints.push(Lint::warning(
                    path,
                    format!(
                        "{} is shorter than calendar \"{}\"'s closing of {} from {from}: a \
                             clock started just before it closes is due only after it reopens, \
                             up to {} later by the wall clock",
                        target.within,
                        target.calendar,
                        crate::sla::format_span(gap),
                        crate::sla::format_span(gap + d),
                    ),
                    format!(
                        "make the target at least {}, or count it on a calendar without that \
                         closing",
                        crate::sla::format_span(gap)
                    ),
                ));
            }
        }
    }

    /// The lints of the pause reasons: one that stops the next-response
    /// clock and outlasts a contact hides a message sent during it.
    fn lint_pauses(&self, lints: &mut Vec<Lint>) {
        for (i, reason) in self.pauses.iter().enumerate() {
            if !reason.ends_on_contact && reason.pauses(Metric::NextResponse) {
                lints.push(Lint::warning(
                    format!("pauses[{i}].pauses"),
                    format!(
                        "pause reason \"{}\" stops the next-response clock and outlasts a \
                     customer contact: a message during the pause waits unanswered with its \
                     clock stopped; leave next_response out or let a contact end the pause",
                        reason.name
                    ),
                    "remove next_response from its pauses, or set ends_on_contact = true"
                        .to_owned(),
                ));
            }
        }
    }

    /// The lints of combinations of channel, priority and customer value no
    /// target covers.
    fn lint_coverage(&self, i: usize, metric: &MetricPolicy, lints: &mut Vec<Lint>) {
        if metric.fallback.is_some() || metric.targets.is_empty() {
            return;
        }
        let tiers: Vec<Option<&Tier>> = if metric.metric == Metric::TierOwnership {
            self.tiers.iter().map(Some).collect()
        } else {
            vec![None]
        };
        for tier in tiers {
            // For each channel, the uncovered (priority, value) pairs as bits.
            let mut groups: Vec<(u8, Vec<Channel>)> = Vec::new();
            for channel in Channel::CONTACTS {
                let mut mask = 0u8;
                for (p, priority) in Priority::ALL.into_iter().enumerate() {
                    for (v, value) in CustomerValue::ALL.into_iter().enumerate() {
                        let covered = metric
                            .target_for_tier(priority, Some(channel), value, tier)
                            .is_some()
                            || metric
                                .no_target
                                .iter()
                                .any(|m| m.matches_tier(priority, Some(channel), value, tier));
                        if !covered {
                            mask |= 1 << (p * 2 + v);
                        }
                    }
                }
                if mask == 0 {
                    continue;
                }
                match groups.iter_mut().find(|(m, _)| *m == mask) {
                    Some((_, channels)) => channels.push(channel),
                    None => groups.push((mask, vec![channel])),
                }
            }
            if groups.is_empty() {
                continue;
            }
            let mut said = Vec::new();
            let mut rows = Vec::new();
            for (mask, channels) in &groups {
                let names: Vec<&str> = channels.iter().map(|c| c.key()).collect();
                let parts = split(*mask);
                let words: Vec<String> = parts.iter().map(Part::words).collect();
                said.push(format!("{} {}", join_and(&names), words.join(", ")));
                for channel in &names {
                    for part in &parts {
                        rows.push(part.row(channel, tier));
                    }
                }
            }
            let at_tier = tier.map(|t| format!(" at tier {t}")).unwrap_or_default();
            let shown = rows.len().min(3);
            let more = if rows.len() > shown { ", ..." } else { "" };
            lints.push(Lint::warning(
                format!("sla[{i}].targets"),
                format!(
                    "no {} target{at_tier} for {}: such cases get no {} clock",
                    metric.metric,
                    said.join("; "),
                    metric.metric
                ),
                format!(
                    "add a target row for them or a fallback; if they have no target on \
                     purpose, say so: no_target = [{}{more}]",
                    rows[..shown].join(", ")
                ),
            ));
        }
    }

    fn lint_authority(&self, lints: &mut Vec<Lint>) {
        let recovery = &self.recovery;
        let authorities = recovery.authorities();
        if authorities.is_empty() {
            lints.push(Lint::warning(
                "recovery.authority".to_owned(),
                "no tier has any authority: every gesture, even an apology, is refused".to_owned(),
                "give each tier an entry, such as { tier = \"frontline\", kinds = [\"apology\"] }"
                    .to_owned(),
            ));
            return;
        }
        for (i, a) in authorities.iter().enumerate() {
            if a.kinds().is_empty() {
                lints.push(Lint::warning(
                    format!("recovery.authority[{i}].kinds"),
                    format!(
                        "tier {}'s authority grants nothing: it lists no kind of gesture",
                        a.tier()
                    ),
                    "list what the tier may grant (at least \"apology\"), or remove the entry"
                        .to_owned(),
                ));
            } else if a.max_bps() == Some(0) && a.kinds().iter().any(|k| k.is_monetary()) {
                let money: Vec<String> = a
                    .kinds()
                    .iter()
                    .filter(|k| k.is_monetary())
                    .map(ToString::to_string)
                    .collect();
                lints.push(Lint::warning(
                    format!("recovery.authority[{i}].max_bps"),
                    format!(
                        "tier {} may grant {} but no share of the loss (max_bps = 0): it can \
                         never grant them",
                        a.tier(),
                        join_and(&money)
                    ),
                    "raise max_bps, or drop the monetary kinds".to_owned(),
                ));
            }
        }
        for tier in &self.tiers {
            if recovery.authority(tier).is_none() {
                lints.push(Lint::warning(
                    "recovery.authority".to_owned(),
                    format!(
                        "tier {tier} has no authority: its agents cannot grant anything, not \
                         even an apology"
                    ),
                    format!("add {{ tier = \"{tier}\", kinds = [\"apology\"] }} or more"),
                ));
            }
        }
        for (r, rung) in recovery.ladder().rungs().iter().enumerate() {
            let grantable = authorities
                .iter()
                .any(|a| a.allows(*rung) && !(rung.is_monetary() && a.max_bps() == Some(0)));
            if !grantable {
                lints.push(Lint::warning(
                    format!("recovery.ladder[{r}]"),
                    format!("unclimbable ladder: no tier may grant {rung}"),
                    format!(
                        "add it to the kinds of a senior tier (such as {}), or remove it from \
                         the ladder",
                        recovery.soft_cap_tier()
                    ),
                ));
            }
        }
    }

    fn lint_work(&self, lints: &mut Vec<Lint>) {
        let bound = self.work_bound();
        if bound.firings() <= WorkBound::LARGE_FIRINGS {
            return;
        }
        let most = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.delay.is_some())
            .max_by_key(|(j, r)| (r.repeat, usize::MAX - j));
        let (path, fix) = match most {
            Some((j, r)) if bound.timed_firings > bound.firings_per_cause => (
                format!("rules[{j}].repeat"),
                format!(
                    "rule \"{}\" repeats {} times: repeat fewer times with a longer delay",
                    r.name, r.repeat
                ),
            ),
            _ => (
                "rules".to_owned(),
                "merge rules that share a condition, and have fewer rules read escalated"
                    .to_owned(),
            ),
        };
        lints.push(Lint::warning(
            path,
            format!(
                "large rule work: {bound}; more than {} firings",
                WorkBound::LARGE_FIRINGS
            ),
            fix,
        ));
    }
}

fn lint_warnings(i: usize, metric: &MetricPolicy, lints: &mut Vec<Lint>) {
    let shortest = metric
        .targets
        .iter()
        .map(|r| &r.target)
        .chain(metric.fallback.iter())
        .filter_map(|t| match t.within {
            Within::Time(d) => Some(d),
            Within::BusinessDays(_) => None,
        })
        .min();
    for (k, threshold) in metric.warnings.iter().enumerate() {
        let path = format!("sla[{i}].warnings[{k}]");
        match (threshold, shortest) {
            (Threshold::Percent(0), _) => lints.push(Lint::warning(
                path,
                "0% of the target used fires as the clock starts: it warns of nothing".to_owned(),
                "use a share between 1 and 99, such as { percent = 75 }".to_owned(),
            )),
            (Threshold::Percent(p), _) if *p >= 100 => lints.push(Lint::warning(
                path,
                format!("{threshold} is at or past the target: it never fires before the breach"),
                "use a share between 1 and 99, such as { percent = 75 }".to_owned(),
            )),
            (Threshold::Before(d), Some(shortest)) if *d >= shortest => {
                lints.push(Lint::warning(
                    path,
                    format!(
                        "{threshold} is at or past the target: it never fires before the breach"
                    ),
                    format!(
                        "warn less than {} before due, the shortest target",
                        crate::sla::format_span(shortest)
                    ),
                ));
            }
            _ => {}
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// A part of an uncovered set of (priority, value) pairs.
struct Part {
    priority: Option<Priority>,
    value: Option<CustomerValue>,
}

impl Part {
    fn words(&self) -> String {
        match (self.priority, self.value) {
            (None, None) => "at every priority and value".to_owned(),
            (Some(p), None) => format!("at {p} priority"),
            (None, Some(v)) => format!("for {} customers", v.key()),
            (Some(p), Some(v)) => format!("at {p} priority for {} customers", v.key()),
        }
    }

    fn row(&self, channel: &str, tier: Option<&Tier>) -> String {
        let mut fields = vec![format!("channel = \"{channel}\"")];
        if let Some(p) = self.priority {
            fields.push(format!("priority = \"{p}\""));
        }
        if let Some(v) = self.value {
            fields.push(format!("customer = \"{}\"", v.key()));
        }
        if let Some(t) = tier {
            fields.push(format!("tier = \"{t}\""));
        }
        format!("{{ {} }}", fields.join(", "))
    }
}

/// Splits a set of (priority, value) pairs (bit `p * 2 + v`) into few parts.
fn split(mut mask: u8) -> Vec<Part> {
    if mask == 0xFF {
        return vec![Part {
            priority: None,
            value: None,
        }];
    }
    let mut parts = Vec::new();
    for (v, value) in CustomerValue::ALL.into_iter().enumerate() {
        let column: u8 = (0..Priority::ALL.len()).map(|p| 1u8 << (p * 2 + v)).sum();
        if mask & column == column {
            parts.push(Part {
                priority: None,
                value: Some(value),
            });
            mask &= !column;
        }
    }
    for (p, priority) in Priority::ALL.into_iter().enumerate() {
        let row = 0b11u8 << (p * 2);
        if mask & row == row {
            parts.push(Part {
                priority: Some(priority),
                value: None,
            });
        } else {
            for (v, value) in CustomerValue::ALL.into_iter().enumerate() {
                if mask & (1 << (p * 2 + v)) != 0 {
                    parts.push(Part {
                        priority: Some(priority),
                        value: Some(value),
                    });
                }
            }
        }
    }
    parts
}

/// How much rule work one call can do under a policy: the terms of the
/// bound in [`Policy`]'s [Bounds](Policy#bounds) section, from
/// [`Policy::work_bound`].
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// let bound = Policy::recommended().work_bound();
/// assert_eq!(bound.firings(), bound.firings_per_cause + bound.timed_firings);
/// assert_eq!(bound.to_string(), "one cause fires at most 14 rules (9 rules, and 5 tiers × 1 \
///     rule on escalated), delayed rules at most 2 times each time their conditions start to \
///     hold; each firing makes at most 5 events");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WorkBound {
    /// `R`: the rules.
    pub rules: usize,
    /// `T`: the tiers.
    pub tiers: usize,
    /// `E`: the rules whose condition reads `escalated`.
    pub rules_on_escalated: usize,
    /// `T·E`: the most firings of one chain of escalations.
    pub chain_firings: usize,
    /// `R + T·E`: the most firings one cause makes (each rule once, and a
    /// chain of escalations).
    pub firings_per_cause: usize,
    /// The timed firings of every delayed rule, `repeat + 1` each, each
    /// time its condition starts to hold.
    pub timed_firings: usize,
    /// `A`: the most actions of one rule.
    pub most_actions: usize,
    /// `1 + 2A`: the most events of one firing.
    pub events_per_firing: usize,
}

impl WorkBound {
    /// Above this many [firings](Self::firings), [`Policy::lint`] reports
    /// the bound: the recommended policy has 16, the refusal limits allow
    /// thousands (64 rules, 64 chain firings, 101 timed firings per
    /// delayed rule). 100 firings of 8 actions is a few thousand events for
    /// one call, about a millisecond.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Policy, WorkBound};
    /// let policy = Policy::from_toml_str(r#"
    ///     version = "v1"
    ///     tiers = ["frontline", "supervisor"]
    ///     [[rules]]
    ///     name = "nag"
    ///     when = "unanswered"
    ///     then = { notify = { who = "lead", why = "still waiting" } }
    ///     delay = { after = "1m", from = "condition" }
    ///     repeat = 100
    /// "#)?;
    /// assert!(policy.work_bound().firings() > WorkBound::LARGE_FIRINGS);
    /// let lint = policy.lint().into_iter().find(|l| l.path == "rules[0].repeat").unwrap();
    /// assert!(lint.message.starts_with("large rule work"), "{lint}");
    /// # Ok::<(), escalate::PolicyError>(())
    /// ```
    pub const LARGE_FIRINGS: usize = 100;

    /// The firings one cause and the delayed rules it arms can make:
    /// [`firings_per_cause`](Self::firings_per_cause) plus
    /// [`timed_firings`](Self::timed_firings).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// assert_eq!(Policy::default().work_bound().firings(), 0);
    /// ```
    #[must_use]
    pub fn firings(&self) -> usize {
        self.firings_per_cause.saturating_add(self.timed_firings)
    }
}

impl fmt::Display for WorkBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        write!(
            f,
            "one cause fires at most {} ({}, and {} × {} on escalated), delayed rules at most {} \
             each time their conditions start to hold; each firing makes at most {}",
            plural(self.firings_per_cause, "rule", "rules"),
            plural(self.rules, "rule", "rules"),
            plural(self.tiers, "tier", "tiers"),
            plural(self.rules_on_escalated, "rule", "rules"),
            plural(self.timed_firings, "time", "times"),
            plural(self.events_per_firing, "event", "events"),
        )
    }
}

/// How serious a lint is.
///
/// # Example
/// ```
/// use escalate::policy::LintLevel;
/// assert_eq!(LintLevel::Warning.to_string(), "warning");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LintLevel {
    /// Likely a mistake; the policy still works.
    Warning,
}

impl fmt::Display for LintLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LintLevel::Warning => "warning",
        })
    }
}

/// A finding of [`Policy::lint`]: how serious, where, what, and how to fix
/// it.
///
/// # Example
/// ```
/// use escalate::policy::{Action, Condition, LintLevel, Policy, Rule};
/// assert!(Policy::recommended().lint().is_empty());
/// // Escalating to the lowest tier never moves a case up:
/// let policy = Policy::default()
///     .with_rule(Rule::new("public post", Condition::PublicContact, [Action::EscalateTo("frontline".parse()?)]))?;
/// let lint = &policy.lint()[0];
/// assert_eq!(lint.level, LintLevel::Warning);
/// assert_eq!(lint.path, "rules[0].then[0].escalate_to");
/// assert_eq!(lint.message, "frontline is the lowest tier: escalating to it never moves a case up");
/// assert_eq!(lint.fix, "escalate to a higher tier, or require_owner = \"frontline\" to get the case an owner");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// How serious.
    pub level: LintLevel,
    /// The path of the field.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to change: a concrete edit to the policy file.
    pub fix: String,
}

impl Lint {
    fn warning(path: String, message: String, fix: String) -> Lint {
        Lint {
            level: LintLevel::Warning,
            path,
            message,
            fix,
        }
    }
}

impl fmt::Display for Lint {
    /// `warning: PATH: MESSAGE` (the fix is in [`Lint::fix`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.level, self.path, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::{Authority, GestureKind, RecoveryPolicy};

    #[track_caller]
    fn load(text: &str) -> Policy {
        Policy::from_toml_str(text).unwrap()
    }

    fn paths(policy: &Policy) -> Vec<String> {
        policy.lint().into_iter().map(|l| l.path).collect()
    }

    const HEAD: &str = "version = \"v1\"\ntiers = [\"frontline\", \"supervisor\"]\n";

    #[test]
    fn the_recommended_policy_is_lint_clean() {
        assert_eq!(Policy::recommended().lint(), []);
    }

    #[test]
    fn coverage_gaps_are_said_compactly_and_no_target_quiets_them() {
        let text = format!(
            "{HEAD}[[sla]]\nmetric = \"first_response\"\ntargets = [\n\
             {{ when = {{ channel = \"email\" }}, target = {{ within = \"4h\" }} }},\n\
             {{ when = {{ channel = \"chat\", priority = \"low\" }}, target = {{ within = \"4h\" }} }},\n\
             {{ when = {{ channel = \"chat\", priority = \"normal\" }}, target = {{ within = \"4h\" }} }},\n\
             {{ when = {{ channel = \"chat\", priority = \"high\" }}, target = {{ within = \"4h\" }} }},\n\
             {{ when = {{ channel = \"chat\", customer = \"standard\" }}, target = {{ within = \"4h\" }} }},\n\
             {{ when = {{ channel = \"voicemail\" }}, target = {{ within = \"4h\" }} }},\n\
             {{ when = {{ channel = \"social_public\" }}, target = {{ within = \"4h\" }} }},\n\
             {{ when = {{ channel = \"social_private\" }}, target = {{ within = \"4h\" }} }},\n]\n"
        );
        let lints = load(&text).lint();
        assert_eq!(lints.len(), 1, "{lints:?}");
        assert_eq!(lints[0].path, "sla[0].targets");
        assert_eq!(
            lints[0].message,
            "no first response target for phone at every priority and value; chat at urgent \
             priority for high_value customers: such cases get no first response clock"
        );
        assert!(lints[0].fix.contains(
            "no_target = [{ channel = \"phone\" }, { channel = \"chat\", priority = \"urgent\", \
             customer = \"high_value\" }]"
        ));
        // The fix's rows, written into the file, quiet the lint.
        let quiet = format!(
            "{text}no_target = [{{ channel = \"phone\" }}, {{ channel = \"chat\", priority = \
             \"urgent\", customer = \"high_value\" }}]\n"
        );
        let policy = load(&quiet);
        assert_eq!(policy.lint(), []);
        // ... and round-trip through TOML and JSON.
        let toml = policy.to_toml_string().unwrap();
        assert!(toml.contains("no_target"), "{toml}");
        assert_eq!(Policy::from_toml_str(&toml).unwrap(), policy);
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), policy);
        // A fallback covers everything.
        let covered = format!("{text}fallback = {{ within = \"1h\" }}\n");
        assert_eq!(load(&covered).lint(), []);
    }

    #[test]
    fn no_target_names_only_tiers_of_the_policy() {
        let text = format!(
            "{HEAD}[[sla]]\nmetric = \"tier_ownership\"\nfallback = {{ within = \"4h\" }}\n\
             no_target = [{{ tier = \"boss\" }}]\n"
        );
        let err = Policy::from_toml_str(&text).unwrap_err();
        assert_eq!(err.path(), "sla[0].no_target[0].tier");
    }

    #[test]
    fn warnings_at_zero_percent_are_flagged() {
        let text = format!(
            "{HEAD}[[sla]]\nmetric = \"resolution\"\nfallback = {{ within = \"4h\" }}\n\
             warnings = [{{ percent = 0 }}, {{ percent = 50 }}, {{ percent = 100 }}]\n"
        );
        assert_eq!(
            paths(&load(&text)),
            ["sla[0].warnings[0]", "sla[0].warnings[2]"]
        );
    }

    #[test]
    fn rules_that_cannot_fire_are_flagged() {
        let text = format!(
            "{HEAD}[[sla]]\nmetric = \"resolution\"\nfallback = {{ within = \"4h\" }}\n\
             [[rules]]\nname = \"dead\"\nwhen = {{ sla_breach = \"first_response\" }}\n\
             then = \"escalate_one_tier\"\n\
             [[rules]]\nname = \"half\"\nwhen = {{ any = [{{ sla_warning = \"resolution\" }}, \
             {{ sla_breach = \"resolution\" }}] }}\nthen = \"require_review\"\n\
             [[rules]]\nname = \"promises\"\nwhen = {{ any = [\"promise_broken\", \
             \"promise_at_risk\"] }}\nthen = \"require_review\"\n"
        );
        let lints = load(&text).lint();
        let got: Vec<(&str, &str)> = lints
            .iter()
            .map(|l| (l.path.as_str(), l.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "rules[0].when",
                    "rule \"dead\" never fires: a first response breach can never hold (the \
                     policy does not track the first response metric)"
                ),
                (
                    "rules[1].when.any[0]",
                    "never holds: the resolution metric has no warnings; the rest of the \
                     condition still can"
                ),
                (
                    "rules[2].when.any[1]",
                    "never holds: the policy does not track the promise metric; the rest of the \
                     condition still can"
                ),
            ]
        );
    }

    #[test]
    fn authority_that_grants_nothing_and_unclimbable_ladders_are_flagged() {
        let tiers: Vec<Tier> = ["frontline", "supervisor"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        let recovery = RecoveryPolicy::standard(&[])
            .with_authority(Authority::new(tiers[0].clone(), []))
            .with_authority(
                Authority::new(
                    tiers[1].clone(),
                    [GestureKind::Apology, GestureKind::Credit],
                )
                .with_max_bps(0),
            )
            .with_soft_cap(12_000, tiers[1].clone());
        let policy = Policy::new("v1", ["frontline", "supervisor"])
            .unwrap()
            .with_recovery(recovery)
            .unwrap();
        let lints = policy.lint();
        let got: Vec<&str> = lints.iter().map(|l| l.path.as_str()).collect();
        // Every rung but the apology is beyond every tier.
        let mut want = vec![
            "recovery.authority[0].kinds".to_owned(),
            "recovery.authority[1].max_bps".to_owned(),
        ];
        want.extend((1..9).map(|r| format!("recovery.ladder[{r}]")));
        assert_eq!(got, want);
        assert!(
            lints[2]
                .message
                .starts_with("unclimbable ladder: no tier may grant")
        );
        // With no authority at all, one finding says so.
        let none = Policy::new("v1", ["frontline"])
            .unwrap()
            .with_recovery(RecoveryPolicy::standard(&[]).with_soft_cap(12_000, tiers[0].clone()))
            .unwrap();
        assert_eq!(paths(&none), ["recovery.authority"]);
    }

    #[test]
    fn a_tier_without_authority_is_flagged() {
        let tiers: Vec<Tier> = ["frontline", "supervisor"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        let recovery = RecoveryPolicy::standard(&tiers[1..]);
        let policy = Policy::new("v1", ["frontline", "supervisor"])
            .unwrap()
            .with_recovery(recovery)
            .unwrap();
        let lints = policy.lint();
        assert_eq!(lints.len(), 1, "{lints:?}");
        assert!(
            lints[0]
                .message
                .starts_with("tier frontline has no authority")
        );
    }

    #[test]
    fn the_work_bound_counts_rules_tiers_and_repeats() {
        let text = format!(
            "{HEAD}[[rules]]\nname = \"a\"\nwhen = \"escalated\"\nthen = \"require_review\"\n\
             [[rules]]\nname = \"b\"\nwhen = \"unanswered\"\nthen = [\"require_review\", \
             \"escalate_one_tier\"]\ndelay = {{ after = \"1h\", from = \"condition\" }}\nrepeat = 3\n"
        );
        let policy = load(&text);
        let bound = policy.work_bound();
        assert_eq!(bound.rules, 2);
        assert_eq!(bound.tiers, 2);
        assert_eq!(bound.rules_on_escalated, 1);
        assert_eq!(bound.chain_firings, 2);
        assert_eq!(bound.firings_per_cause, 4);
        assert_eq!(bound.timed_firings, 4);
        assert_eq!(bound.events_per_firing, 5);
        assert_eq!(policy.lint(), []);
        let large = load(&text.replace("repeat = 3", "repeat = 99"));
        assert_eq!(large.work_bound().firings(), 4 + 100);
        assert_eq!(paths(&large), ["rules[1].repeat"]);
    }
}
