//! Decide: what a command does to a case, or why not. Pure: it reads the
//! case and the policy and returns events or a refusal.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    Case, Command, CommandKind, CommandName, Event, EventKind, Opened, Ownership, Refusal,
    StateName, Status,
};
use crate::customer::{FailureId, FailureKind, Origin, PromiseId, PromiseState};
use crate::ids::CommandId;
use crate::owner::{Actor, Agent};
use crate::policy::{DeflectionPolicy, PauseName, Policy};

/// What a host knows of what is due on a case by a command's time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing: the command comes before the case's
    /// [`next_wakeup`](Case::next_wakeup) under the policy (as of the case's
    /// current version), or the case has none; nothing is due before it.
    Nothing,
    /// Not known: time catches up first.
    Unknown,
}

impl Case {
    /// Decides what a command does to the case: the events to apply, or why
    /// not. Pure: it never changes the case; apply the events it returns.
    ///
    /// In order, it checks: a command id already applied yields no events
    /// (idempotency); an expected version other than the case's is
    /// [`Refusal::StaleVersion`]; a command time outside 1900 to 9989 is
    /// [`Refusal::TimeOutOfRange`]; a command time after `now` is
    /// [`Refusal::InTheFuture`]; an agent whose tier the policy does not name
    /// is [`Refusal::UnknownTier`]; then who may do what in which state.
    ///
    /// # Time first
    /// Before the command, `handle` accounts for everything time made due
    /// by the command's time that is not recorded yet: warnings, breaches,
    /// delayed rules, handoff timeouts, and what rules make of them. Those
    /// events come first in the result, from no command (the events
    /// [`tick`](Self::tick) at the command's time would give), then the
    /// command's own, decided on the case as time left it. So the log is
    /// the same whether the host ticked at every wake-up, on a cron, or
    /// never.
    ///
    /// ```
    /// use escalate::{Case, Command, EventKind};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{Metric, MetricPolicy, Target};
    /// // First response within 4 hours, around the clock.
    /// let policy = Policy::new("v1", ["frontline", "supervisor"])?
    ///     .with_sla(MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "always".parse()?)))?;
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T09:00:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T13:30:00Z",
    ///    "kind": {"type": "respond", "channel": "email", "note": "a new one is on its way", "kind": "answer"}}
    /// ]"#)?;
    /// let mut last = Vec::new();
    /// for command in commands {
    ///     let now = command.at();
    ///     last = case.handle(&policy, command, now)?; // nobody ticks
    ///     for event in &last { case.apply(event)?; }
    /// }
    /// // The reply came half an hour late: the breach at 13:00 comes first.
    /// assert!(matches!(last[0].kind(), EventKind::SlaBreached { .. }));
    /// assert_eq!(last[0].at(), "2021-03-04T13:00:00Z".parse::<chrono::DateTime<chrono::Utc>>()?);
    /// assert!(last[0].command().is_none());
    /// assert!(matches!(last[1].kind(), EventKind::Responded { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Only the owner, an agent of a higher tier than the owner, or the
    /// system may act for the company; on a case with no owner yet any agent
    /// may. An owner whose tier the policy does not name (an imported log)
    /// is outranked by nobody: only they or the system may act
    /// ([`Refusal::OwnerTierUnknown`]), and adopting a policy that lacks the
    /// owner's tier is refused. Nobody escalates a case to its owner, and a
    /// handoff is accepted only by the agent, at the tier, it was offered to. Customers may only open a case by contacting or answering a
    /// survey, contact, answer surveys, confirm a resolution, accept or
    /// decline an offered gesture, or say they are leaving.
    ///
    /// Offers and grants of gestures also pass the recovery guards (too
    /// late, double remedy, apology first, the caps, tier authority), in the
    /// order [`check_grant`](crate::recovery::check_grant) documents; the
    /// first one broken is the refusal.
    ///
    /// # Errors
    /// A [`Refusal`] naming the state and the command, or the rule broken.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Agent, Case, Command, CommandKind, EventKind};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // The case is owned by sam (frontline): another frontline agent may not resolve it.
    /// let t = "2021-03-05T10:00:00Z".parse()?;
    /// let kim = Agent::new("kim".parse()?, "frontline".parse()?);
    /// let cmd = Command::new("c-7".parse()?, Actor::Agent(kim), t,
    ///     CommandKind::Resolve { summary: "done".into() });
    /// let refusal = case.handle(&policy, cmd, t).unwrap_err();
    /// assert_eq!(refusal.to_string(), "kim (frontline) may not resolve a case owned by \
    ///     sam (frontline): only the owner, an agent of a higher tier or the system may");
    /// // The owner may; `handle` returns the events and leaves the case as it was.
    /// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    /// let cmd = Command::new("c-8".parse()?, Actor::Agent(sam), t,
    ///     CommandKind::Resolve { summary: "right cabinet delivered".into() });
    /// let events = case.handle(&policy, cmd, t)?;
    /// assert!(matches!(events[0].kind(), EventKind::Resolved { .. }));
    /// assert_eq!(case.version(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle(
        &self,
        policy: &Policy,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, Refusal> {
        self.handle_known(policy, command, now, Due::Unknown)
    }

    /// [`handle`](Self::handle), for a host that may know that nothing is
    /// due by the command's time ([`Due::Nothing`]): then time's catching
    /// up is skipped, with the same events.
    pub(crate) fn handle_known(
        &self,
        policy: &Policy,
        command: Command,
        now: DateTime<Utc>,
        due: Due,
    ) -> Result<Vec<Event>, Refusal> {
        if self.has_applied(&command.id) {
            return Ok(Vec::new());
        }
        if let Some(expected) = command.expected_version
            && expected != self.version()
        {
            return Err(Refusal::StaleVersion {
                expected,
                actual: self.version(),
            });
        }
        if !super::evolve::command_time_in_range(command.at) {
            return Err(Refusal::TimeOutOfRange {
                field: "at",
                value: command.at,
            });
        }
        if let CommandKind::Promise { due, .. } = &command.kind
            && !super::evolve::time_in_range(*due)
        {
            return Err(Refusal::TimeOutOfRange {
                field: "due",
                value: *due,
            });
        }
        if let CommandKind::Pause {
            until: Some(until), ..
        } = &command.kind
        {
            if !super::evolve::time_in_range(*until) {
                return Err(Refusal::TimeOutOfRange {
                    field: "until",
                    value: *until,
                });
            }
            if *until <= command.at {
                return Err(Refusal::PauseEndsBeforeItBegins {
                    until: *until,
                    at: command.at,
                });
            }
        }
        if command.at > now {
            return Err(Refusal::InTheFuture {
                at: command.at,
                now,
            });
        }
        if let Actor::Agent(agent) = &command.actor {
            known_tier(policy, agent)?;
        }
        if let Some(current) = self.policy_version()
            && current != policy.version()
            && command.kind != CommandKind::AdoptPolicy
        {
            return Err(Refusal::PolicyMismatch {
                case: current.into(),
                given: policy.version().into(),
            });
        }
        self.same_content(policy)?;
        // Time first: what is due by the command's time is recorded before
        // it, as a tick then would record it, so that the log does not
        // depend on when the host ticks.
        let due = match due {
            Due::Nothing => Vec::new(),
            Due::Unknown => self.tick(policy, command.at),
        };
        if due.is_empty() {
            return self.decide_command(policy, command);
        }
        let mut after = self.clone();
        for event in &due {
            after.record(event);
        }
        let mut events = due;
        events.extend(after.decide_command(policy, command)?);
        Ok(events)
    }

    /// Refuses a policy under the case's label whose content differs from
    /// the one the case recorded (a case without a recorded fingerprint
    /// accepts any content under its label).
    pub(super) fn same_content(&self, policy: &Policy) -> Result<(), Refusal> {
        match (self.policy_version(), self.policy_fingerprint()) {
            (Some(label), Some(case)) if label == policy.version() => {
                let given = policy.fingerprint();
                if case == given {
                    Ok(())
                } else {
                    Err(Refusal::PolicyContentMismatch {
                        policy: label.into(),
                        case,
                        given,
                    })
                }
            }
            _ => Ok(()),
        }
    }

    /// The events of the command itself, on a case that time has caught up with.
    fn decide_command(&self, policy: &Policy, command: Command) -> Result<Vec<Event>, Refusal> {
        let Command {
            id,
            actor,
            at,
            kind,
            ..
        } = command;
        let version = self.version();
        let event = |version, actor, command, kind| Event {
            version,
            at,
            actor,
            command: Some(command),
            kind,
        };
        let kinds = self.decide(policy, &actor, kind)?;
        let mut events = Vec::with_capacity(kinds.len() + 2);
        for kind in kinds {
            let version = version + events.len() as u64 + 1;
            events.push(event(version, actor.clone(), id.clone(), kind));
        }
        for (when, kind) in self.clock_effects(policy, at, &events) {
            let version = version + events.len() as u64 + 1;
            events.push(Event {
                at: when,
                ..event(version, Actor::System, id.clone(), kind)
            });
        }
        for (_, kind) in self.rule_effects(policy, &events) {
            let version = version + events.len() as u64 + 1;
            events.push(event(version, Actor::System, id.clone(), kind));
        }
        Ok(events)
    }

    /// Whether a command with this id has already been applied.
    fn has_applied(&self, id: &CommandId) -> bool {
        self.recent_commands.contains(id)
    }

    /// The event kinds a command produces, or the refusal.
    #[allow(clippy::too_many_lines)] // one arm per command kind reads best as one match
    fn decide(
        &self,
        policy: &Policy,
        actor: &Actor,
        kind: CommandKind,
    ) -> Result<Vec<EventKind>, Refusal> {
        let name = kind.name();
        let state = self.status().name();
        let invalid = || Refusal::InvalidTransition {
            state,
            command: name,
        };
        let open_states = matches!(
            state,
            StateName::New | StateName::Working | StateName::AwaitingCustomer | StateName::Resolved
        );
        match kind {
            CommandKind::Open {
                customer,
                origin,
                summary,
                priority,
            } => {
                if state != StateName::Unopened {
                    return Err(invalid());
                }
                let from_customer =
                    matches!(origin, Origin::Contact { .. } | Origin::Survey { .. });
                if *actor == Actor::Customer && !from_customer {
                    return Err(Refusal::CustomerNotAllowed { command: name });
                }
                let follow_up = match (&origin, actor) {
                    (Origin::Contact { channel }, _) => Some(EventKind::Contacted {
                        channel: *channel,
                        note: summary.clone(),
                    }),
                    (Origin::Survey { score }, _) => Some(EventKind::SurveyAnswered {
                        score: *score,
                        comment: summary.clone(),
                    }),
                    (Origin::InternalDetection, Actor::Agent(agent)) => {
                        Some(EventKind::Assigned { to: agent.clone() })
                    }
                    _ => None,
                };
                let opened = EventKind::Opened(Arc::new(Opened {
                    case: self.id.clone(),
                    customer,
                    origin,
                    summary,
                    priority,
                    policy: policy.label(),
                    policy_fingerprint: Some(policy.fingerprint()),
                    time_zone: policy.time_zone(),
                }));
                Ok(match follow_up {
                    Some(second) => vec![opened, second],
                    None => vec![opened],
                })
            }
            CommandKind::Contact { channel, note } => {
                if !open_states {
                    return Err(invalid());
                }
                customer_or_system(actor, name)?;
                let contacted = EventKind::Contacted { channel, note };
                if state == StateName::Resolved {
                    Ok(vec![EventKind::Reopened, contacted])
                } else {
                    Ok(vec![contacted])
                }
            }
            CommandKind::AnswerSurvey { score, comment } => {
                if !open_states {
                    return Err(invalid());
                }
                customer_or_system(actor, name)?;
                Ok(vec![EventKind::SurveyAnswered { score, comment }])
            }
            CommandKind::SignalChurn { note } => {
                if !open_states {
                    return Err(invalid());
                }
                if *actor != Actor::Customer {
                    self.for_company(policy, actor, name)?;
                }
                Ok(vec![EventKind::ChurnSignalled { note }])
            }
            CommandKind::ConfirmResolution => {
                if state != StateName::Resolved {
                    return Err(invalid());
                }
                if *actor != Actor::Customer {
                    return Err(Refusal::CustomerOnly {
                        actor: actor.clone(),
                        command: name,
                    });
                }
                Ok(vec![EventKind::ResolutionConfirmed])
            }
            CommandKind::Respond {
                channel,
                note,
                kind,
            } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                Ok(vec![EventKind::Responded {
                    channel,
                    note,
                    kind,
                }])
            }
            CommandKind::Assign { to } => {
                if state != StateName::New {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                known_tier(policy, &to)?;
                Ok(vec![EventKind::Assigned { to }])
            }
            CommandKind::HandOff { to } => {
                let Some(owner) = self.active_owner() else {
                    return Err(invalid());
                };
                self.for_company(policy, actor, name)?;
                known_tier(policy, &to)?;
                if to.id() == owner.agent.id() {
                    return Err(Refusal::AlreadyOwner {
                        agent: owner.agent.clone(),
                    });
                }
                Ok(vec![EventKind::HandoffOffered { to }])
            }
            CommandKind::AcceptHandoff | CommandKind::DeclineHandoff => {
                let Some(owner) = self.active_owner() else {
                    return Err(invalid());
                };
                let Some(handoff) = &owner.handoff else {
                    return Err(Refusal::NoHandoffPending);
                };
                match actor {
                    // The tier offered is the tier taken: the same agent at
                    // another tier is not who the case was offered to.
                    Actor::Agent(agent) if *agent == handoff.to => {
                        let by = agent.clone();
                        if name == CommandName::AcceptHandoff {
                            Ok(vec![EventKind::HandoffAccepted { by }])
                        } else {
                            Ok(vec![EventKind::HandoffDeclined { by }])
                        }
                    }
                    Actor::Customer => Err(Refusal::CustomerNotAllowed { command: name }),
                    _ => Err(Refusal::NotOfferedTo {
                        actor: actor.clone(),
                        offered_to: handoff.to.clone(),
                    }),
                }
            }
            CommandKind::Escalate { to, reason } => {
                let Some(owner) = self.active_owner() else {
                    return Err(invalid());
                };
                self.for_company(policy, actor, name)?;
                let to_rank = known_tier(policy, &to)?;
                if to.id() == owner.agent.id() {
                    return Err(Refusal::AlreadyOwner {
                        agent: owner.agent.clone(),
                    });
                }
                // An owner of an unknown tier is not below anyone that can
                // be shown: hand the case off instead.
                let Some(from_rank) = policy.rank(owner.agent.tier()) else {
                    return Err(Refusal::OwnerTierUnknown {
                        owner: owner.agent.clone(),
                        known: policy.tier_list(),
                    });
                };
                if to_rank <= from_rank {
                    return Err(Refusal::NotHigherTier {
                        from: owner.agent.clone(),
                        to,
                    });
                }
                Ok(vec![EventKind::Escalated { to, reason }])
            }
            CommandKind::RecordFailure {
                kind,
                description,
                loss,
            } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                if let Some(loss) = loss.filter(|l| l.minor() < 0) {
                    return Err(Refusal::NegativeLoss { loss });
                }
                Ok(vec![EventKind::FailureRecorded {
                    failure: FailureId::next_after(self.ledger.failures().len()),
                    kind,
                    description,
                    loss,
                }])
            }
            CommandKind::Promise { what, due } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                Ok(vec![EventKind::PromiseMade {
                    promise: PromiseId::next_after(self.promise_count as usize),
                    what,
                    due: Some(due),
                }])
            }
            CommandKind::KeepPromise { promise } | CommandKind::BreakPromise { promise } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                let state = self
                    .promises
                    .iter()
                    .find(|p| p.id == promise)
                    .map(|p| p.state)
                    .or_else(|| {
                        self.settled
                            .iter()
                            .find(|(id, _)| *id == promise)
                            .map(|(_, state)| *state)
                    })
                    .ok_or(Refusal::UnknownPromise { promise })?;
                if state != PromiseState::Open {
                    return Err(Refusal::PromiseSettled { promise, state });
                }
                if name == CommandName::KeepPromise {
                    Ok(vec![EventKind::PromiseKept { promise }])
                } else {
                    Ok(vec![EventKind::PromiseBroken { promise }])
                }
            }
            CommandKind::ChangePriority { priority } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                if priority == self.priority() {
                    return Err(Refusal::PriorityUnchanged { priority });
                }
                Ok(vec![EventKind::PriorityChanged { priority }])
            }
            CommandKind::WaitOnCustomer { reason } => self.pause_for(
                policy,
                actor,
                name,
                PauseName::awaiting_customer(),
                reason,
                None,
            ),
            CommandKind::Pause {
                reason,
                note,
                until,
            } => self.pause_for(policy, actor, name, reason, note, until),
            CommandKind::Resume => {
                if state != StateName::AwaitingCustomer {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                Ok(vec![EventKind::Resumed])
            }
            CommandKind::Resolve { summary } => {
                if self.active_owner().is_none() {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                let deflected_only = self.deflections > 0 && self.answers == 0;
                match policy.deflection() {
                    DeflectionPolicy::Refuse if deflected_only => Err(Refusal::DeflectionOnly {
                        deflections: self.deflections,
                    }),
                    DeflectionPolicy::RecordFailure if deflected_only => Ok(vec![
                        EventKind::FailureRecorded {
                            failure: FailureId::next_after(self.ledger.failures().len()),
                            kind: FailureKind::Attention,
                            description: "resolved with only a deflection: the customer was pointed elsewhere, not helped".into(),
                            loss: None,
                        },
                        EventKind::Resolved { summary },
                    ]),
                    _ => Ok(vec![EventKind::Resolved { summary }]),
                }
            }
            CommandKind::Close { outcome, review } => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                self.check_review(policy, outcome, review.as_ref())?;
                Ok(vec![EventKind::Closed { outcome, review }])
            }
            CommandKind::AdoptPolicy => {
                if !open_states {
                    return Err(invalid());
                }
                self.for_company(policy, actor, name)?;
                if self.policy_version() == Some(policy.version()) {
                    return Err(Refusal::PolicyUnchanged {
                        policy: policy.version().into(),
                    });
                }
                if let Some(owner) = self.owner()
                    && policy.rank(owner.tier()).is_none()
                {
                    return Err(Refusal::AdoptionDropsOwnerTier {
                        policy: policy.version().into(),
                        owner: owner.clone(),
                        known: policy.tier_list(),
                    });
                }
                Ok(vec![EventKind::PolicyAdopted {
                    policy: policy.label(),
                    fingerprint: Some(policy.fingerprint()),
                }])
            }
            CommandKind::Offer { .. }
            | CommandKind::Grant { .. }
            | CommandKind::GrantOffer { .. }
            | CommandKind::AcceptOffer { .. }
            | CommandKind::DeclineOffer { .. } => {
                if !open_states {
                    return Err(invalid());
                }
                self.decide_gesture(policy, actor, kind)
            }
        }
    }

    /// The pause a `wait_on_customer` or `pause` command asks for, or the
    /// refusal: the case must be worked on, the reason the policy's, the end
    /// after the command, and no customer contact unanswered unless the
    /// reason allows it.
    fn pause_for(
        &self,
        policy: &Policy,
        actor: &Actor,
        name: CommandName,
        reason: PauseName,
        note: crate::Text,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<EventKind>, Refusal> {
        if self.status().name() != StateName::Working {
            return Err(Refusal::InvalidTransition {
                state: self.status().name(),
                command: name,
            });
        }
        self.for_company(policy, actor, name)?;
        let Some(settings) = policy.pause_reason(&reason) else {
            return Err(Refusal::UnknownPauseReason {
                reason,
                known: policy
                    .pauses()
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            });
        };
        if !settings.while_unanswered
            && let Some(contact) = self.unanswered().first()
        {
            let number = (self.contact_count as usize)
                .saturating_sub(self.unanswered().len())
                .saturating_add(1);
            return Err(Refusal::UnansweredContact {
                reason,
                contact: u32::try_from(number).unwrap_or(u32::MAX),
                channel: contact.channel,
                at: contact.at,
            });
        }
        Ok(vec![EventKind::Paused {
            reason,
            note,
            until,
            ends_on_contact: settings.ends_on_contact,
        }])
    }

    /// The ownership of a case that is being worked on or waiting on the customer.
    fn active_owner(&self) -> Option<&Ownership> {
        match self.status() {
            Status::Working { owner } | Status::AwaitingCustomer { owner, .. } => Some(owner),
            _ => None,
        }
    }

    /// Checks that `actor` may act for the company on this case.
    pub(super) fn for_company(
        &self,
        policy: &Policy,
        actor: &Actor,
        command: CommandName,
    ) -> Result<(), Refusal> {
        match actor {
            Actor::Customer => Err(Refusal::CustomerNotAllowed { command }),
            Actor::System => Ok(()),
            Actor::Agent(agent) => {
                let Some(owner) = self.owner() else {
                    return Ok(());
                };
                if agent.id() == owner.id() {
                    return Ok(());
                }
                let rank = known_tier(policy, agent)?;
                match policy.rank(owner.tier()) {
                    Some(owner_rank) if rank <= owner_rank => Err(Refusal::NotOwner {
                        actor: agent.clone(),
                        owner: owner.clone(),
                        command,
                    }),
                    Some(_) => Ok(()),
                    // An unknown tier grants no authority, and nobody can be
                    // shown to outrank it.
                    None => Err(Refusal::OwnerTierUnknown {
                        owner: owner.clone(),
                        known: policy.tier_list(),
                    }),
                }
            }
        }
    }
}

/// Checks that `actor` is the customer or the system (customer-side commands).
pub(super) fn customer_or_system(actor: &Actor, command: CommandName) -> Result<(), Refusal> {
    match actor {
        Actor::Customer | Actor::System => Ok(()),
        Actor::Agent(_) => Err(Refusal::CustomerOnly {
            actor: actor.clone(),
            command,
        }),
    }
}

/// The agent's tier rank, or the refusal naming the policy's tiers.
fn known_tier(policy: &Policy, agent: &Agent) -> Result<usize, Refusal> {
    policy
        .rank(agent.tier())
        .ok_or_else(|| Refusal::UnknownTier {
            tier: agent.tier().clone(),
            known: policy.tier_list(),
        })
}
