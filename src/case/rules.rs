//! Escalation rules evaluated on the case: which rules an event makes fire,
//! the events their actions become, and delayed rules in `tick`.

use chrono::{DateTime, Utc};

use super::clocks::Horizon;
use super::{Case, Event, EventKind, StateName};
use crate::customer::{Origin, ResponseKind};
use crate::policy::{Action, Call, Condition, DelayFrom, During, Policy, Rule};
use crate::policy::{Leaf, Reads};
use crate::sla::{Metric, Within};
use crate::{CustomerValue, Priority, PromiseId, Text, Tier};

/// The facts rules are evaluated on, kept small so that evaluating a policy
/// on every event is cheap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // independent facts, not a state machine in disguise
pub(crate) struct Facts {
    /// Opened and not closed: no condition holds before opening or after
    /// closing, so opening is a rising edge (a case opens unowned) and
    /// closing is not (it leaves the case without an owner).
    open: bool,
    contacts_in_cycle: u32,
    unanswered: u32,
    owner_rank: Option<usize>,
    churned: bool,
    surveys_at_most: [u32; 5],
    failures: u32,
    public_contacts: u32,
    deflections: u32,
    escalations: u32,
    /// The tier a rule required an escalation to, until someone of it owns the case.
    escalation_pending: Option<Tier>,
    warnings: [u32; super::METRICS],
    breaches: [u32; super::METRICS],
    handoff_since: Option<DateTime<Utc>>,
    priority: Priority,
    high_value: bool,
    internal: bool,
}

pub(super) fn metric_index(m: Metric) -> usize {
    match m {
        Metric::FirstResponse => 0,
        Metric::NextResponse => 1,
        Metric::PeriodicUpdate => 2,
        Metric::Resolution => 3,
        Metric::Promise => 4,
        Metric::TierOwnership => 5,
    }
}

impl Facts {
    pub(crate) fn of(case: &Case, policy: &Policy) -> Facts {
        Facts {
            open: !matches!(
                case.status(),
                super::Status::Unopened | super::Status::Closed { .. }
            ),
            unanswered: u32::try_from(case.unanswered().len()).unwrap_or(u32::MAX),
            contacts_in_cycle: case.contacts_in_cycle,
            owner_rank: case.owner().and_then(|o| policy.rank(o.tier())),
            churned: case.churned_at().is_some(),
            failures: u32::try_from(case.failures().len()).unwrap_or(u32::MAX),
            public_contacts: case.public_contacts,
            deflections: case.deflections,
            escalations: case.escalations,
            escalation_pending: case.escalation_pending.clone(),
            handoff_since: case
                .status()
                .ownership()
                .and_then(|o| o.handoff())
                .map(super::Handoff::offered_at),
            priority: case.priority(),
            high_value: case
                .customer()
                .is_some_and(|c| c.value() == CustomerValue::HighValue),
            internal: matches!(case.origin(), Some(Origin::InternalDetection)),
            surveys_at_most: case.surveys_at_most,
            warnings: case.warnings,
            breaches: case.breaches,
        }
    }

    /// The kinds of leaf (as in [`Condition::reads`]) whose value may
    /// differ between `before` and `self`. A pending handoff always counts:
    /// whether it waited too long depends on the time.
    fn changed(&self, before: &Facts) -> Reads {
        if self.open != before.open {
            return Reads::ALL;
        }
        let promise = metric_index(Metric::Promise);
        [
            (Leaf::SlaWarning, self.warnings != before.warnings),
            (Leaf::SlaBreach, self.breaches != before.breaches),
            (
                Leaf::PromiseAtRisk,
                self.warnings[promise] != before.warnings[promise],
            ),
            (
                Leaf::PromiseBroken,
                self.breaches[promise] != before.breaches[promise],
            ),
            (
                Leaf::RepeatContact,
                self.contacts_in_cycle != before.contacts_in_cycle,
            ),
            (Leaf::Unanswered, self.unanswered != before.unanswered),
            (Leaf::Unowned, self.owner_rank != before.owner_rank),
            (Leaf::ChurnSignal, self.churned != before.churned),
            (
                Leaf::SurveyScoreAtMost,
                self.surveys_at_most != before.surveys_at_most,
            ),
            (Leaf::FailuresAtLeast, self.failures != before.failures),
            (
                Leaf::PublicContact,
                self.public_contacts != before.public_contacts,
            ),
            (Leaf::Deflection, self.deflections != before.deflections),
            (Leaf::Escalated, self.escalations != before.escalations),
            (
                Leaf::HandoffNotAccepted,
                self.handoff_since.is_some() || before.handoff_since.is_some(),
            ),
            (Leaf::SeverityAtLeast, self.priority != before.priority),
            (
                Leaf::HighValueCustomer,
                self.high_value != before.high_value,
            ),
            (Leaf::InternalDetection, self.internal != before.internal),
        ]
        .into_iter()
        .filter(|(_, differs)| *differs)
        .fold(Reads::NONE, |set, (leaf, _)| set.with(Reads::of(leaf)))
    }

    fn count_survey(&mut self, score: u8) {
        for at_most in usize::from(score.max(1))..=5 {
            self.surveys_at_most[at_most - 1] += 1;
        }
    }

    /// The facts after one more event. `metric_of` finds a clock's metric.
    pub(crate) fn update(
        &mut self,
        at: DateTime<Utc>,
        kind: &EventKind,
        policy: &Policy,
        metric_of: impl Fn(crate::sla::ClockId) -> Option<Metric>,
    ) {
        match kind {
            EventKind::Opened(o) => {
                self.open = true;
                self.priority = o.priority;
                self.high_value = o.customer.value() == CustomerValue::HighValue;
                self.internal = matches!(o.origin, Origin::InternalDetection);
            }
            EventKind::PriorityChanged { priority } => self.priority = *priority,
            EventKind::Contacted { channel, .. } => {
                self.contacts_in_cycle += 1;
                self.unanswered += 1;
                if channel.is_public() {
                    self.public_contacts += 1;
                }
            }
            EventKind::Responded { kind, .. } if kind.is_reply() => {
                self.unanswered = 0;
                if *kind == ResponseKind::Deflection {
                    self.deflections += 1;
                }
            }
            EventKind::Reopened => self.contacts_in_cycle = 0,
            EventKind::Assigned { to } | EventKind::HandoffAccepted { by: to } => {
                self.owner_rank = policy.rank(to.tier());
                self.handoff_since = None;
                if self.escalation_pending.as_ref() == Some(to.tier()) {
                    self.escalation_pending = None;
                }
            }
            EventKind::Escalated { to, .. } => {
                self.owner_rank = policy.rank(to.tier());
                self.handoff_since = None;
                // Carrying out a required escalation is the same escalation.
                if self.escalation_pending.as_ref() == Some(to.tier()) {
                    self.escalation_pending = None;
                } else {
                    self.escalations += 1;
                }
            }
            EventKind::EscalationRequired { tier, .. } => {
                self.escalations += 1;
                self.escalation_pending = Some(tier.clone());
            }
            EventKind::HandoffOffered { .. } => self.handoff_since = Some(at),
            // Resolving ends a pending handoff, as declining it does.
            EventKind::HandoffDeclined { .. } | EventKind::Resolved { .. } => {
                self.handoff_since = None;
            }
            EventKind::FailureRecorded { .. } => self.failures += 1,
            EventKind::SurveyAnswered { score, .. } => self.count_survey(score.get()),
            EventKind::ChurnSignalled { .. } => self.churned = true,
            EventKind::Closed { .. } => {
                self.open = false;
                self.owner_rank = None;
                // A closed case has no owner, so no handoff pending.
                self.handoff_since = None;
            }
            EventKind::SlaWarned { clock, .. } => {
                if let Some(m) = metric_of(*clock) {
                    self.warnings[metric_index(m)] += 1;
                }
            }
            EventKind::SlaBreached { clock } => {
                if let Some(m) = metric_of(*clock) {
                    self.breaches[metric_index(m)] += 1;
                }
            }
            _ => {}
        }
    }

    /// Whether the condition holds at `now`.
    fn holds(&self, c: &Condition, now: DateTime<Utc>) -> bool {
        self.open && self.holds_open(c, now)
    }

    fn holds_open(&self, c: &Condition, now: DateTime<Utc>) -> bool {
        match c {
            Condition::All(cs) => cs.iter().all(|c| self.holds_open(c, now)),
            Condition::Any(cs) => cs.iter().any(|c| self.holds_open(c, now)),
            Condition::HandoffNotAccepted(w) => self
                .handoff_since
                .and_then(|since| handoff_deadline(since, *w))
                .is_some_and(|deadline| deadline <= now),
            leaf => self.count(leaf).map_or_else(|| self.flag(leaf), |n| n > 0),
        }
    }

    /// The counter behind a counting fact, if the fact counts.
    fn count(&self, c: &Condition) -> Option<u32> {
        Some(match c {
            Condition::SlaWarning(m) => self.warnings[metric_index(*m)],
            Condition::SlaBreach(m) => self.breaches[metric_index(*m)],
            Condition::PublicContact => self.public_contacts,
            Condition::SurveyScoreAtMost(s) => {
                self.surveys_at_most[usize::from((*s).clamp(1, 5)) - 1]
            }
            Condition::Deflection => self.deflections,
            Condition::PromiseAtRisk => self.warnings[metric_index(Metric::Promise)],
            Condition::PromiseBroken => self.breaches[metric_index(Metric::Promise)],
            Condition::Escalated => self.escalations,
            _ => return None,
        })
    }

    fn flag(&self, c: &Condition) -> bool {
        match c {
            Condition::RepeatContact(n) => {
                self.contacts_in_cycle >= *n && self.contacts_in_cycle > 0
            }
            Condition::ChurnSignal => self.churned,
            Condition::FailuresAtLeast(n) => self.failures >= *n,
            Condition::SeverityAtLeast(p) => rank(self.priority) >= rank(*p),
            Condition::HighValueCustomer => self.high_value,
            Condition::InternalDetection => self.internal,
            Condition::Unowned => self.owner_rank.is_none(),
            Condition::Unanswered => self.unanswered > 0,
            _ => false,
        }
    }

    /// Whether a counting fact in the condition grew from `before`.
    fn grew(&self, before: &Facts, c: &Condition) -> bool {
        match c {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().any(|c| self.grew(before, c)),
            leaf => matches!((self.count(leaf), before.count(leaf)), (Some(a), Some(b)) if a > b),
        }
    }
}

fn rank(p: Priority) -> u8 {
    match p {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Urgent => 3,
    }
}

/// When a wall-clock span from `since` runs out; `None` past chrono's dates.
fn handoff_deadline(since: DateTime<Utc>, within: Within) -> Option<DateTime<Utc>> {
    within.due_from(crate::policy::always_calendar(), since)
}

/// Builds the events a rule's actions become.
pub(crate) struct Firing<'a> {
    pub(crate) case: &'a Case,
    pub(crate) policy: &'a Policy,
    /// The owner's tier rank, as of the events evaluated so far.
    owned: Option<usize>,
    /// The highest tier rank required by a rule so far, including by earlier
    /// firings in the same batch.
    required: Option<usize>,
    /// Promises and clocks so far, so that those a rule makes get the next ids.
    promises: usize,
    clocks: usize,
    pub(crate) out: Vec<(DateTime<Utc>, EventKind)>,
}

impl<'a> Firing<'a> {
    pub(crate) fn new(case: &'a Case, policy: &'a Policy) -> Firing<'a> {
        Firing {
            case,
            policy,
            owned: case.owner().and_then(|o| policy.rank(o.tier())),
            required: case.required_tier.as_ref().and_then(|t| policy.rank(t)),
            promises: case.promise_count as usize,
            clocks: case.clock_count as usize,
            out: Vec::new(),
        }
    }

    /// The highest tier rank owned or required.
    fn level(&self) -> Option<usize> {
        self.owned.max(self.required)
    }

    /// Fires `rule` at `at`. With `escalation_taken`, its escalating actions
    /// are skipped: one escalation per event, the first rule wins.
    #[allow(clippy::too_many_lines)] // one arm per action reads best as one match
    pub(crate) fn fire(&mut self, rule: &Rule, at: DateTime<Utc>, escalation_taken: bool) -> bool {
        let mut escalated = false;
        let (name, when) = self.policy.rule_label(rule);
        self.out.push((
            at,
            EventKind::RuleFired {
                rule: name.clone(),
                when,
            },
        ));
        // A resolved or closed case is not escalated.
        let settled = matches!(
            self.case.status().name(),
            StateName::Resolved | StateName::Closed
        );
        for action in &rule.then {
            if action.escalates() && (escalation_taken || settled) {
                continue;
            }
            match action {
                Action::RequireOwner(tier) => {
                    let Some(target) = self.tier(tier) else {
                        continue;
                    };
                    if self.level().is_some_and(|l| l >= target.0) {
                        continue;
                    }
                    let kind = if self.level().is_none() {
                        EventKind::OwnerRequired {
                            rule: name.clone(),
                            tier: target.1,
                        }
                    } else {
                        EventKind::EscalationRequired {
                            rule: name.clone(),
                            tier: target.1,
                        }
                    };
                    self.required = Some(target.0);
                    self.out.push((at, kind));
                    escalated = true;
                }
                Action::EscalateTo(tier) => {
                    let Some(target) = self.tier(tier) else {
                        continue;
                    };
                    if self.level().is_some_and(|l| l >= target.0) {
                        continue;
                    }
                    self.required = Some(target.0);
                    self.out.push((
                        at,
                        EventKind::EscalationRequired {
                            rule: name.clone(),
                            tier: target.1,
                        },
                    ));
                    escalated = true;
                }
                Action::EscalateOneTier => {
                    let next = self.level().map_or(1, |l| l + 1);
                    let Some(tier) = self.policy.tiers().get(next).cloned() else {
                        continue;
                    };
                    self.required = Some(next);
                    self.out.push((
                        at,
                        EventKind::EscalationRequired {
                            rule: name.clone(),
                            tier,
                        },
                    ));
                    escalated = true;
                }
                Action::RequireCall(call) => self.require_call(&name, at, call),
                Action::RequireApology(tier) => {
                    if let Some((_, tier)) = self.tier(tier) {
                        self.out.push((
                            at,
                            EventKind::ApologyRequired {
                                rule: name.clone(),
                                tier,
                                tiers: self.policy.tiers().to_vec(),
                            },
                        ));
                    }
                }
                Action::Recommend(gesture) => self.out.push((
                    at,
                    EventKind::GestureRecommended {
                        rule: name.clone(),
                        gesture: *gesture,
                    },
                )),
                Action::RequireReview => self
                    .out
                    .push((at, EventKind::ReviewRequired { rule: name.clone() })),
                Action::Notify(notice) => self.out.push((
                    at,
                    EventKind::Notified {
                        rule: name.clone(),
                        who: notice.who.as_str().into(),
                        why: notice.why.as_str().into(),
                        by: notice.within.and_then(|w| handoff_deadline(at, w)),
                    },
                )),
            }
        }
        escalated
    }

    fn tier(&self, tier: &Tier) -> Option<(usize, Tier)> {
        Some((self.policy.rank(tier)?, tier.clone()))
    }

    /// A required call is a promise to the customer, with its clock.
    fn require_call(&mut self, rule: &Text, at: DateTime<Utc>, call: &Call) {
        let due = call.within.due_from(self.policy.call_calendar(call), at);
        let promise = PromiseId::next_after(self.promises);
        self.promises += 1;
        self.out.push((
            at,
            EventKind::PromiseMade {
                promise,
                what: format!("a personal call from the owner (rule \"{rule}\")").into(),
                due,
            },
        ));
        let clock = crate::sla::ClockId::next_after(self.clocks);
        self.clocks += 1;
        self.out.push((
            at,
            EventKind::ClockStarted {
                clock,
                metric: Metric::Promise,
                promise: Some(promise),
                channel: None,
                tier: None,
                target: super::clocks::promise_target(at, due),
                calendar: crate::sla::CalendarName::always(),
                due,
            },
        ));
    }
}

/// The first instant at or after `at` at which `rule` may act: `at` for a
/// rule that may act at any time, the next open instant of its calendar for
/// one deferred to working hours, `None` when that calendar never opens
/// again.
fn deferred_to(policy: &Policy, rule: &Rule, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let name = match &rule.during {
        None => return Some(at),
        Some(During::BusinessHours) => policy.default_calendar(),
        Some(During::BusinessHoursOf(name)) => name,
    };
    policy.calendar_or_always(name).next_open(at).ok()
}

/// Evaluates the rules over events in the order they happen, and fires
/// time-driven rules, with one view of the facts, the owner's level and the
/// ids given out, so that rules see what earlier events and firings did.
pub(crate) struct Evaluator<'a> {
    policy: &'a Policy,
    facts: Facts,
    firing: Firing<'a>,
    /// Delayed rules whose condition holds.
    armed: Vec<&'a str>,
    /// Clocks started by events evaluated so far (not yet on the case).
    started: Vec<(crate::sla::ClockId, Metric)>,
    /// The instant of the last escalation by a time-driven rule.
    timed_escalation: Option<DateTime<Utc>>,
    /// The rules fired so far in this evaluation, with the instant of each
    /// one's last firing: a rule waiting on a handoff that fired at or after
    /// the wait ran out has had it.
    fired: Vec<(&'a str, DateTime<Utc>)>,
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(case: &'a Case, policy: &'a Policy) -> Evaluator<'a> {
        Evaluator {
            policy,
            facts: Facts::of(case, policy),
            firing: Firing::new(case, policy),
            armed: case.armed.iter().map(|armed| armed.rule.as_str()).collect(),
            started: Vec::new(),
            timed_escalation: None,
            fired: Vec::new(),
        }
    }

    /// Promises and clocks that `events` make come before any a rule makes.
    pub(crate) fn reserve_ids(&mut self, events: &[Event]) {
        for event in events {
            match event.kind {
                EventKind::ClockStarted { .. } => self.firing.clocks += 1,
                EventKind::PromiseMade { .. } => self.firing.promises += 1,
                _ => {}
            }
        }
    }

    /// The rule events caused so far, taken out.
    pub(crate) fn take(&mut self) -> Vec<(DateTime<Utc>, EventKind)> {
        std::mem::take(&mut self.firing.out)
    }

    /// Evaluates the rules on one more event, and on the escalations they
    /// make.
    pub(crate) fn event(&mut self, at: DateTime<Utc>, kind: &EventKind) {
        let from = self.firing.out.len();
        self.evaluate(at, kind);
        self.escalations_since(from);
    }

    /// Evaluates the rules on one event, not on the escalations they make.
    fn evaluate(&mut self, at: DateTime<Utc>, kind: &EventKind) {
        let before = self.facts.clone();
        let case = self.firing.case;
        let started = &self.started;
        self.facts.update(at, kind, self.policy, |id| {
            case.clock(id)
                .map(crate::sla::SlaClock::metric)
                .or_else(|| started.iter().find(|(c, _)| *c == id).map(|(_, m)| *m))
        });
        match kind {
            EventKind::ClockStarted { clock, metric, .. } => self.started.push((*clock, *metric)),
            EventKind::Assigned { to }
            | EventKind::HandoffAccepted { by: to }
            | EventKind::Escalated { to, .. } => self.firing.owned = self.policy.rank(to.tier()),
            _ => {}
        }
        // Most events (clocks starting and stopping, notes) change no fact,
        // and most rules read none of the facts an event changes: a rule
        // whose facts did not change neither starts to hold nor grows.
        let changed = self.facts.changed(&before);
        if changed.is_empty() {
            return;
        }
        let mut escalation_taken = false;
        for (rule, reads) in self.policy.rules_with_reads() {
            if !reads.meets(changed) {
                continue;
            }
            let was = before.holds(&rule.when, at);
            let is = self.facts.holds(&rule.when, at);
            if rule.delay.is_some() {
                let is_armed = self.armed.contains(&rule.name.as_str());
                if is && !is_armed {
                    self.armed.push(&rule.name);
                    self.firing.out.push((
                        at,
                        EventKind::RuleArmed {
                            rule: self.policy.rule_name(rule),
                        },
                    ));
                } else if !is && is_armed {
                    self.armed.retain(|n| *n != rule.name);
                    self.firing.out.push((
                        at,
                        EventKind::RuleDisarmed {
                            rule: self.policy.rule_name(rule),
                        },
                    ));
                }
            } else if is && (!was || self.facts.grew(&before, &rule.when)) {
                match deferred_to(self.policy, rule, at) {
                    Some(opens) if opens == at => {
                        escalation_taken |= self.fire(rule, at, escalation_taken);
                        // It waited for this opening: it has acted, and
                        // waits no more (its timed firing would be a second).
                        if self.armed.contains(&rule.name.as_str()) {
                            self.disarm(rule, at);
                        }
                    }
                    // Deferred to working hours: armed until the calendar
                    // opens (a rule waiting already waits on; one whose
                    // calendar never opens again waits for good).
                    _ => {
                        if !self.armed.contains(&rule.name.as_str()) {
                            self.armed.push(&rule.name);
                            self.firing.out.push((
                                at,
                                EventKind::RuleArmed {
                                    rule: self.policy.rule_name(rule),
                                },
                            ));
                        }
                    }
                }
            } else if !is && self.armed.contains(&rule.name.as_str()) {
                // A deferred rule whose condition stopped holding before
                // the calendar opened.
                self.disarm(rule, at);
            }
        }
    }

    /// Forgets that `rule` waits, with the event that says so.
    fn disarm(&mut self, rule: &Rule, at: DateTime<Utc>) {
        self.armed.retain(|n| *n != rule.name);
        self.firing.out.push((
            at,
            EventKind::RuleDisarmed {
                rule: self.policy.rule_name(rule),
            },
        ));
    }

    /// Fires `rule` at `at`, and remembers when it did.
    fn fire(&mut self, rule: &'a Rule, at: DateTime<Utc>, escalation_taken: bool) -> bool {
        match self
            .fired
            .iter_mut()
            .find(|(n, _)| *n == rule.name.as_str())
        {
            Some((_, last)) => *last = at,
            None => self.fired.push((&rule.name, at)),
        }
        self.firing.fire(rule, at, escalation_taken)
    }

    /// Fires a time-driven rule at its instant. Rules firing at one instant
    /// escalate once, the first wins.
    ///
    /// A rule waiting on an unaccepted handoff fires when the wait runs out
    /// only if its whole condition holds then, as of the facts at that
    /// instant: those of the case plus the events evaluated before it in
    /// this pass (an escalation earlier in the same tick counts, however
    /// often the host ticks), and only if it has not fired at or after that
    /// instant in this pass.
    pub(crate) fn timed(&mut self, rule: &'a Rule, at: DateTime<Utc>) {
        if rule.delay.is_none()
            && (!self.facts.holds(&rule.when, at)
                || self
                    .fired
                    .iter()
                    .any(|(n, t)| *n == rule.name.as_str() && *t >= at))
        {
            return;
        }
        let from = self.firing.out.len();
        let taken = self.timed_escalation == Some(at);
        if self.fire(rule, at, taken) {
            self.timed_escalation = Some(at);
        }
        // A rule deferred to working hours has acted: it waits no more.
        if rule.delay.is_none() && self.armed.contains(&rule.name.as_str()) {
            self.disarm(rule, at);
        }
        self.escalations_since(from);
    }

    /// An escalation a rule required is itself a fact (`escalated`) for the
    /// rules: evaluates them on each one made since `from`, depth first (each
    /// escalation's own consequences before the next one's). Iterative, not
    /// recursive, so the depth costs no stack. This ends: each escalation
    /// moves the level up, and there are finitely many tiers, so a chain is
    /// at most as long as the policy has tiers.
    fn escalations_since(&mut self, from: usize) {
        let made = |out: &[(DateTime<Utc>, EventKind)], from: usize| {
            out[from..]
                .iter()
                .filter(|(_, k)| k.is_escalation())
                .cloned()
                .collect::<Vec<_>>()
                .into_iter()
        };
        let mut stack = vec![made(&self.firing.out, from)];
        while let Some(pending) = stack.last_mut() {
            let Some((at, kind)) = pending.next() else {
                stack.pop();
                continue;
            };
            let from = self.firing.out.len();
            self.evaluate(at, &kind);
            stack.push(made(&self.firing.out, from));
        }
    }
}

impl Case {
    /// The rule events that `events` (about to be applied, in order) cause.
    pub(crate) fn rule_effects(
        &self,
        policy: &Policy,
        events: &[Event],
    ) -> Vec<(DateTime<Utc>, EventKind)> {
        if policy.rules().is_empty() {
            return Vec::new();
        }
        let mut evaluator = Evaluator::new(self, policy);
        evaluator.reserve_ids(events);
        for event in events {
            evaluator.event(event.at, &event.kind);
        }
        evaluator.take()
    }

    /// Time-driven rules due by `now` (delayed rules, and rules waiting on an
    /// unaccepted handoff), in the order of their instants.
    pub(crate) fn timed_rules<'p>(
        &self,
        policy: &'p Policy,
        now: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, &'p Rule)> {
        let mut due: Vec<(DateTime<Utc>, &Rule)> = policy
            .timed_rules()
            .flat_map(|(rule, name)| {
                self.rule_instants(policy, rule, name, Horizon::Until(now))
                    .into_iter()
                    .map(move |at| (at, rule))
            })
            .collect();
        due.sort_by_key(|(at, _)| *at);
        due
    }

    /// The instants within `horizon` at which a time-driven rule fires and
    /// has not fired yet.
    fn rule_instants(
        &self,
        policy: &Policy,
        rule: &Rule,
        name: &Text,
        horizon: Horizon,
    ) -> Vec<DateTime<Utc>> {
        let mut out = self.rule_instants_undeferred(policy, rule, name, horizon);
        if rule.during.is_some() && rule.delay.is_none() {
            // Each instant moves to the next open one (a calendar that
            // never opens again never lets the rule act). A delayed rule's
            // instants moved already, each counted from the last.
            out = out
                .into_iter()
                .filter_map(|at| deferred_to(policy, rule, at))
                .filter(|at| horizon.reaches(*at))
                .collect();
            out.dedup();
        }
        out
    }

    /// [`rule_instants`](Self::rule_instants) before deferral to working
    /// hours; a rule deferred with no delay waits for its opening.
    fn rule_instants_undeferred(
        &self,
        policy: &Policy,
        rule: &Rule,
        name: &Text,
        horizon: Horizon,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        if rule.delay.is_none()
            && rule.during.is_some()
            && let Some(armed) = self.armed.iter().find(|a| a.rule == *name)
        {
            // A rule armed under an adopted policy's delay, or one that has
            // acted already, is not waiting for an opening; nothing acts
            // before the case's latest event.
            if armed.fired == 0 {
                out.push(armed.since.max(self.latest().unwrap_or(armed.since)));
            }
            return out;
        }
        if let Some(delay) = &rule.delay {
            let Some(armed) = self.armed.iter().find(|a| a.rule == *name) else {
                return out;
            };
            let armed_at = &armed.since;
            let calendar = policy.calendar_or_always(&delay.calendar);
            let base = match delay.from {
                DelayFrom::Condition => *armed_at,
                DelayFrom::Opening => self.opened_at().unwrap_or(*armed_at),
                // The level starts when its owner took the case (assignment,
                // escalation or accepted handoff); a case with no owner yet
                // is at the level it opened at.
                DelayFrom::Level => self
                    .status()
                    .ownership()
                    .map(super::Ownership::since)
                    .or_else(|| self.opened_at())
                    .unwrap_or(*armed_at),
            };
            let mut last = armed.last.map_or(base, |f| f.max(base));
            let mut count = armed.fired as usize;
            // The first instant is kept on the armed rule until it fires.
            let key = policy.fingerprint().key();
            while count <= rule.repeat as usize {
                // Business time never runs faster than the wall clock: a
                // delay of time not over in wall time is not over, and the
                // calendar need not be asked.
                if let (Horizon::Until(now), Within::Time(d)) = (horizon, delay.after)
                    && last
                        .checked_add_signed(d)
                        .is_some_and(|earliest| earliest > now)
                {
                    break;
                }
                let from = last;
                let next_from = || {
                    // A calendar that cannot supply the delay never fires
                    // the rule.
                    let next = delay.after.due_from(calendar, from)?;
                    // A delay counted from opening or the level may have run
                    // out before the condition started to hold: the rule
                    // acts when it starts to hold, never before (an instant
                    // before `armed_at` would also not count as fired, and
                    // fire again each tick). Deferred to working hours: the
                    // next repeat counts from when it acted, as the case
                    // records it.
                    deferred_to(policy, rule, next.max(*armed_at))
                };
                let next = if count == armed.fired as usize {
                    armed
                        .next
                        .get_or(
                            |(k, f, _)| *k == key && *f == from,
                            || (key, from, next_from()),
                        )
                        .2
                } else {
                    next_from()
                };
                let Some(next) = next else {
                    break;
                };
                if !horizon.reaches(next) {
                    break;
                }
                out.push(next);
                // `next_wakeup` wants only the first: never a list of repeats.
                if matches!(horizon, Horizon::Earliest) {
                    break;
                }
                last = next;
                count += 1;
            }
        } else if let Some(since) = self
            .status()
            .ownership()
            .and_then(|o| o.handoff())
            .map(super::Handoff::offered_at)
        {
            for leaf in rule.when.leaves() {
                if let Condition::HandoffNotAccepted(w) = leaf
                    && let Some(at) = handoff_deadline(since, *w)
                {
                    // Waits end in the order of their lengths, and a rule
                    // fires at each in turn: one that fired at or after
                    // this end has had it.
                    let already = self
                        .last_fired
                        .iter()
                        .any(|(n, t)| n == name && *t >= at && *t >= since);
                    if !horizon.reaches(at) || already {
                        continue;
                    }
                    match horizon {
                        // Whether the condition holds at `at` depends on
                        // what happens before it in the same tick (an
                        // escalation, a breach): the evaluator decides, on
                        // the facts at that instant (`Evaluator::timed`).
                        Horizon::Until(_) => out.push(at),
                        // For the next wake-up, the facts as they stand:
                        // anything due earlier that would change them has
                        // an earlier wake-up of its own, and the case is
                        // asked again after it.
                        Horizon::Earliest => {
                            if Facts::of(self, policy).holds(&rule.when, at) {
                                out.push(at);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The next instant a time-driven rule fires, for `next_wakeup`.
    pub(crate) fn next_rule_instant(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        policy
            .timed_rules()
            .filter_map(|(rule, name)| {
                // A rule on two handoff waits lists an instant per wait, in
                // the order of its leaves: the earliest is the next.
                self.rule_instants(policy, rule, name, Horizon::Earliest)
                    .into_iter()
                    .min()
            })
            .min()
    }

    /// Evolves the case's rule bookkeeping.
    pub(crate) fn evolve_rules(&mut self, at: DateTime<Utc>, kind: &EventKind) {
        match kind {
            EventKind::RuleArmed { rule } if !self.armed.iter().any(|a| &a.rule == rule) => {
                self.armed.reserve_exact(1);
                self.armed.push(super::Armed {
                    rule: rule.clone(),
                    since: at,
                    fired: 0,
                    last: None,
                    next: crate::memo::Memo::default(),
                });
            }
            EventKind::RuleDisarmed { rule } => {
                self.armed.retain(|a| &a.rule != rule);
                self.armed.shrink_to_fit();
            }
            EventKind::RuleFired { rule, .. } => {
                if let Some(armed) = self
                    .armed
                    .iter_mut()
                    .find(|a| &a.rule == rule && at >= a.since)
                {
                    armed.fired = armed.fired.saturating_add(1);
                    armed.last = Some(at);
                    armed.next.clear();
                }
                if let Some((_, last)) = self.last_fired.iter_mut().find(|(n, _)| n == rule) {
                    *last = at;
                } else {
                    self.last_fired.reserve_exact(1);
                    self.last_fired.push((rule.clone(), at));
                }
            }
            EventKind::OwnerRequired { tier, .. } => self.require_tier(tier, at),
            EventKind::EscalationRequired { tier, .. } => {
                self.require_tier(tier, at);
                self.escalation_pending = Some(tier.clone());
                self.escalations += 1;
            }
            EventKind::ApologyRequired { rule, tier, tiers } => {
                if !tiers.is_empty() && self.apology_tiers != *tiers {
                    self.apology_tiers.clone_from(tiers);
                }
                if !self.apologies_owed.iter().any(|(t, _, _)| t == tier) {
                    self.apologies_owed.reserve_exact(1);
                    self.apologies_owed.push((tier.clone(), rule.clone(), at));
                }
            }
            EventKind::ReviewRequired { rule } => {
                if self.review_required.is_none() {
                    self.review_since = Some(at);
                }
                self.review_required = Some(rule.clone());
            }
            _ => {}
        }
    }
}

impl Case {
    /// A rule requires an owner of `tier`. The requirement dates from the
    /// first rule that required an owner since one of the required tier
    /// last took the case (or since opening): raising the tier does not
    /// restart it.
    fn require_tier(&mut self, tier: &Tier, at: DateTime<Utc>) {
        if self.required_since.is_none() {
            self.required_since = Some(at);
        }
        self.required_tier = Some(tier.clone());
    }
}

impl EventKind {
    fn is_escalation(&self) -> bool {
        matches!(
            self,
            EventKind::OwnerRequired { .. } | EventKind::EscalationRequired { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::{Currency, Money};
    use crate::test_support::at;
    use crate::{Actor, Agent, Channel, Command, CommandKind, Customer, FailureKind, SurveyScore};
    use proptest::prelude::*;

    /// The commands the law is checked on: customers and the company, by
    /// the system (which may act for the company) or named agents.
    #[allow(clippy::too_many_lines)] // one arm per command of the menu
    fn menu(n: u8, t: DateTime<Utc>) -> (Actor, CommandKind) {
        let agent = |id: &str, tier: &str| Agent::new(id.parse().unwrap(), tier.parse().unwrap());
        let channel = [Channel::Email, Channel::Phone, Channel::SocialPublic][usize::from(n % 3)];
        match n % 16 {
            0 | 1 => (
                Actor::Customer,
                CommandKind::Contact {
                    channel,
                    note: "again".into(),
                },
            ),
            2 => (
                Actor::System,
                CommandKind::Assign {
                    to: agent("sam", "frontline"),
                },
            ),
            3 => (
                Actor::System,
                CommandKind::Respond {
                    channel,
                    note: "reply".into(),
                    kind: ResponseKind::Answer,
                },
            ),
            4 => (
                Actor::System,
                CommandKind::Respond {
                    channel,
                    note: "elsewhere".into(),
                    kind: ResponseKind::Deflection,
                },
            ),
            5 => (
                Actor::System,
                CommandKind::Escalate {
                    to: agent("max", "manager"),
                    reason: "why".into(),
                },
            ),
            6 => (
                Actor::System,
                CommandKind::HandOff {
                    to: agent("sue", "supervisor"),
                },
            ),
            7 => (
                Actor::Agent(agent("sue", "supervisor")),
                CommandKind::AcceptHandoff,
            ),
            8 => (
                Actor::Agent(agent("sue", "supervisor")),
                CommandKind::DeclineHandoff,
            ),
            9 => (
                Actor::System,
                CommandKind::RecordFailure {
                    kind: FailureKind::Product,
                    description: "broken".into(),
                    loss: Some(Money::new(1_000, Currency::USD)),
                },
            ),
            10 => (
                Actor::System,
                CommandKind::Promise {
                    what: "call".into(),
                    due: t + chrono::TimeDelta::hours(1),
                },
            ),
            11 => (
                Actor::Customer,
                CommandKind::AnswerSurvey {
                    score: SurveyScore::new(n % 5 + 1).unwrap(),
                    comment: "meh".into(),
                },
            ),
            12 => (
                Actor::Customer,
                CommandKind::SignalChurn {
                    note: "gone".into(),
                },
            ),
            13 => (
                Actor::System,
                CommandKind::WaitOnCustomer {
                    reason: "photos".into(),
                },
            ),
            14 => (
                Actor::System,
                CommandKind::Resolve {
                    summary: "done".into(),
                },
            ),
            _ => (
                Actor::System,
                CommandKind::Close {
                    outcome: crate::Outcome::Retained,
                    review: None,
                },
            ),
        }
    }

    /// Applies events one by one, checking after each that the facts the
    /// rules maintain while deciding equal the facts derived from the case.
    fn apply_checked(
        case: &mut Case,
        policy: &Policy,
        events: &[Event],
    ) -> Result<(), TestCaseError> {
        let mut live = Facts::of(case, policy);
        for event in events {
            live.update(event.at, &event.kind, policy, |id| {
                case.clock(id).map(crate::sla::SlaClock::metric)
            });
            case.apply(event).unwrap();
            prop_assert_eq!(&Facts::of(case, policy), &live, "after {:?}", event.kind);
        }
        Ok(())
    }

    proptest! {
        /// One truth for rule facts: updating them event by event (as
        /// `handle` and `tick` do while deciding) gives the facts derived
        /// from the case after the events are applied.
        #[test]
        fn facts_maintained_live_equal_facts_derived(
            steps in prop::collection::vec((1i64..600, any::<u8>()), 1..40),
        ) {
            let policy = Policy::recommended();
            let mut case = Case::new("F-1".parse().unwrap());
            let mut t = at("2021-03-01T09:00:00Z");
            let open = Command::new("c-0".parse().unwrap(), Actor::Customer, t, CommandKind::Open {
                customer: Customer::new("cust".parse().unwrap(), crate::CustomerValue::HighValue),
                origin: crate::Origin::Contact { channel: Channel::Email },
                summary: "problem".into(),
                priority: crate::Priority::High,
            });
            let events = case.handle(&policy, open, t).unwrap();
            apply_checked(&mut case, &policy, &events)?;
            for (i, (minutes, n)) in steps.into_iter().enumerate() {
                t += chrono::TimeDelta::minutes(minutes);
                let events = case.tick(&policy, t);
                apply_checked(&mut case, &policy, &events)?;
                let (actor, kind) = menu(n, t);
                let id = format!("c-{}", i + 1).parse().unwrap();
                if let Ok(events) = case.handle(&policy, Command::new(id, actor, t, kind), t) {
                    apply_checked(&mut case, &policy, &events)?;
                }
            }
        }
    }
}
