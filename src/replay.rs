//! Replaying a recorded history under a policy: what happens, what is
//! refused, and what the policy would have done instead.
//!
//! A [`History`] is what actually happened to a case, as the commands people
//! and systems sent, in the order they were logged. [`History::replay`] runs
//! them through [`Case::handle`] under a policy, ticking the case's clocks and
//! delayed rules up to each command's time, and keeps every refusal instead
//! of stopping. With [`Host::Obedient`] the replay also does what the policy
//! asks of the host: when a rule requires an owner or an escalation, an agent
//! on duty at that tier takes the case at once, and from then on the owner
//! does the recorded work that others may no longer do.
//!
//! Hosts store events, not commands: [`History::from_events`] rebuilds the
//! commands from a case's log (without expected versions, and with their
//! promise, failure and offer numbers naming the commands that made them,
//! [`Numbering::ByCommand`]), so that a what-if can replay a stored case
//! under another policy.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::customer::Failure;
use crate::policy::Policy;
use crate::recovery::{Audit, AuditStep};
use crate::{
    Actor, Agent, AgentId, Case, CaseId, Command, CommandId, CommandKind, Event, EventKind,
    Refusal, Tier,
};

mod from_events;

pub use from_events::{FromEventsError, Numbering, Problem};

/// What actually happened to one case: the commands, in the order logged.
///
/// # Example
/// ```
/// use escalate::replay::History;
/// let history: History = serde_json::from_str(r#"{"case": "C-1", "commands": [
///   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
///    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
///             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}
/// ]}"#)?;
/// assert_eq!(history.case.as_str(), "C-1");
/// assert_eq!(history.commands.len(), 1);
/// assert!(serde_json::from_str::<History>(r#"{"case": "C-1", "commands": [], "notes": ""}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// The case.
    pub case: CaseId,
    /// The commands, in the order they were logged (not always in time order).
    pub commands: Vec<Command>,
    /// How the commands' promise, failure and offer numbers are read: as
    /// the case numbers them (the default, left out of the JSON), or by the
    /// command that made them (`"numbering": "by_command"`, what
    /// [`History::from_events`] writes).
    #[serde(default, skip_serializing_if = "Numbering::is_as_case")]
    pub numbering: Numbering,
}

/// How the replay's host behaves.
///
/// # Example
/// ```
/// use escalate::replay::Host;
/// assert_ne!(Host::AsRecorded, Host::Obedient);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// Only the recorded commands are sent.
    AsRecorded,
    /// Also, when a rule requires an owner or an escalation, an agent on duty
    /// at that tier (id `on-duty-<tier>`) takes the case at once; and when a
    /// recorded command is refused because its agent does not own the case,
    /// the owner sends it instead (the accountable owner does the work); a
    /// recorded assignment to a real agent becomes a handoff from the agent
    /// on duty.
    Obedient,
}

/// A command the case refused during a replay.
///
/// # Example
/// ```
/// use escalate::policy::{DeflectionPolicy, Policy};
/// use escalate::replay::{History, Host};
/// // A seller answers an email with a redirect, then resolves the case.
/// let history: History = serde_json::from_str(r#"{"case": "MKT-2", "commands": [
///   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
///    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
///             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
///   {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
///    "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
///   {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
///    "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
///   {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
///    "kind": {"type": "resolve", "summary": "told them"}}
/// ]}"#)?;
/// let strict = Policy::default().with_deflection(DeflectionPolicy::Refuse);
/// let replay = history.replay(&strict, Host::AsRecorded, None);
/// assert_eq!(replay.refused()[0].command.id().as_str(), "4"); // the resolve
/// assert_eq!(replay.refused()[0].refusal.to_string(),
///     "cannot resolve a case answered only with deflections (1 so far): the customer was pointed elsewhere, not helped");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The command.
    pub command: Command,
    /// Why it was refused.
    pub refusal: Refusal,
}

/// The outcome of a replay: the case it built and what it refused.
///
/// # Example
/// ```
/// use escalate::policy::{DeflectionPolicy, Policy};
/// use escalate::replay::{History, Host};
/// // A seller answers an email with a redirect, then resolves the case.
/// let history: History = serde_json::from_str(r#"{"case": "MKT-2", "commands": [
///   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
///    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
///             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
///   {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
///    "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
///   {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
///    "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
///   {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
///    "kind": {"type": "resolve", "summary": "told them"}}
/// ]}"#)?;
/// let strict = Policy::default().with_deflection(DeflectionPolicy::Refuse);
/// let replay = history.replay(&strict, Host::AsRecorded, None);
/// assert_eq!(replay.events().len() as u64, replay.case().version());
/// // The resolve was refused: the case is still being worked on.
/// assert_eq!(replay.case().status().name(), escalate::StateName::Working);
/// assert_eq!(replay.refused().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    case: Case,
    events: Vec<Event>,
    refused: Vec<Refused>,
}

impl Replay {
    /// The case the replay built.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{DeflectionPolicy, Policy};
    /// use escalate::replay::{History, Host};
    /// // A seller answers an email with a redirect, then resolves the case.
    /// let history: History = serde_json::from_str(r#"{"case": "MKT-2", "commands": [
    ///   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
    ///   {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
    ///   {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
    ///   {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
    ///    "kind": {"type": "resolve", "summary": "told them"}}
    /// ]}"#)?;
    /// let strict = Policy::default().with_deflection(DeflectionPolicy::Refuse);
    /// let replay = history.replay(&strict, Host::AsRecorded, None);
    /// // Every accepted command is in the case; the refused resolve is not.
    /// assert_eq!(replay.case().status().name(), escalate::StateName::Working);
    /// assert_eq!(replay.case().owner().unwrap().id().as_str(), "seller");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn case(&self) -> &Case {
        &self.case
    }

    /// The commands refused, in order.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{DeflectionPolicy, Policy};
    /// use escalate::replay::{History, Host};
    /// use escalate::Refusal;
    /// // A seller answers an email with a redirect, then resolves the case.
    /// let history: History = serde_json::from_str(r#"{"case": "MKT-2", "commands": [
    ///   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
    ///   {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
    ///   {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
    ///   {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
    ///    "kind": {"type": "resolve", "summary": "told them"}}
    /// ]}"#)?;
    /// let strict = Policy::default().with_deflection(DeflectionPolicy::Refuse);
    /// let replay = history.replay(&strict, Host::AsRecorded, None);
    /// let refused = replay.refused();
    /// assert_eq!(refused.len(), 1);
    /// assert_eq!(refused[0].refusal, Refusal::DeflectionOnly { deflections: 1 });
    /// // Under the default policy, which allows it, nothing is refused.
    /// assert!(history.replay(&Policy::default(), Host::AsRecorded, None).refused().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    /// The first event of a kind the predicate picks, if any.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{DeflectionPolicy, Policy};
    /// use escalate::replay::{History, Host};
    /// use escalate::EventKind;
    /// // A seller answers an email with a redirect, then resolves the case.
    /// let history: History = serde_json::from_str(r#"{"case": "MKT-2", "commands": [
    ///   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
    ///   {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
    ///   {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
    ///   {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
    ///    "kind": {"type": "resolve", "summary": "told them"}}
    /// ]}"#)?;
    /// let strict = Policy::default().with_deflection(DeflectionPolicy::Refuse);
    /// let replay = history.replay(&strict, Host::AsRecorded, None);
    /// let opened = replay.first(|k| matches!(k, EventKind::Opened(_))).unwrap();
    /// assert_eq!(opened.version(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn first(&self, pick: impl Fn(&EventKind) -> bool) -> Option<&Event> {
        self.events.iter().find(|e| pick(e.kind()))
    }

    /// Every event the replay applied, in order: the case's log.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// use escalate::policy::Policy;
    /// use escalate::replay::{History, Host};
    /// let history: History = serde_json::from_str(r#"{"case": "CAB-1", "commands": [
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]}"#)?;
    /// let replay = history.replay(&Policy::default(), Host::AsRecorded, None);
    /// assert_eq!(replay.events().len(), 2); // opened, contacted
    /// assert_eq!(&Case::replay(replay.events())?, replay.case());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

impl History {
    /// Runs the history under `policy`, then ticks the case up to `until`
    /// (if given). Before each command the case is ticked to the command's
    /// time; a command logged late (dated before the case's latest event)
    /// is handled as of the latest time.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{DeflectionPolicy, Policy};
    /// use escalate::replay::{History, Host};
    /// // A seller answers an email with a redirect, then resolves the case.
    /// let history: History = serde_json::from_str(r#"{"case": "MKT-2", "commands": [
    ///   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
    ///   {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
    ///   {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
    ///    "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
    ///   {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
    ///    "kind": {"type": "resolve", "summary": "told them"}}
    /// ]}"#)?;
    /// let lenient = history.replay(&Policy::default(), Host::AsRecorded, None);
    /// assert!(lenient.refused().is_empty());
    /// let strict = Policy::default().with_deflection(DeflectionPolicy::Refuse);
    /// assert_eq!(history.replay(&strict, Host::AsRecorded, None).refused().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn replay(&self, policy: &Policy, host: Host, until: Option<DateTime<Utc>>) -> Replay {
        let mut run = Replay {
            case: Case::new(self.case.clone()),
            events: Vec::new(),
            refused: Vec::new(),
        };
        let mut duty = 0u32;
        let mut made = (self.numbering == Numbering::ByCommand)
            .then(|| from_events::Made::new(self.commands.len()));
        for (index, sent) in self.commands.iter().enumerate() {
            let before = run.events.len();
            let now = run.case.latest().map_or(sent.at(), |l| l.max(sent.at()));
            // Time first: a call a rule requires at a tick before the
            // command is one the command may name.
            run.tick(policy, host, now, &mut duty);
            if let Some(made) = &mut made {
                // No command's: what they made is the rules' (calls).
                made.note(index, sent.id(), &run.events[before..]);
            }
            let before = run.events.len();
            let resolved;
            let command = match &made {
                Some(made) => {
                    resolved = Command {
                        kind: made.resolve(sent.kind()),
                        ..sent.clone()
                    };
                    &resolved
                }
                None => sent,
            };
            run.handle(policy, host, command, now, &mut duty);
            if let Some(made) = &mut made {
                made.note(index, command.id(), &run.events[before..]);
            }
        }
        if let Some(until) = until {
            run.tick(policy, host, until, &mut duty);
        }
        run
    }
}

impl Replay {
    /// Handles one recorded command, as the host would.
    fn handle(
        &mut self,
        policy: &Policy,
        host: Host,
        command: &Command,
        now: DateTime<Utc>,
        duty: &mut u32,
    ) {
        let run = self;
        {
            match run.case.handle(policy, command.clone(), now) {
                Ok(events) => run.apply(policy, host, &events, duty),
                Err(Refusal::NotOwner { owner, .. }) if host == Host::Obedient => {
                    // The accountable owner does the work instead.
                    run.by_owner(policy, command, owner, now, duty);
                }
                Err(refusal)
                    if host == Host::Obedient && run.hand_over_from_duty(policy, command, now) =>
                {
                    let _ = refusal;
                }
                Err(refusal) => run.refused.push(Refused {
                    command: command.clone(),
                    refusal,
                }),
            }
        }
    }
}

impl Replay {
    /// Ticks up to `now`, one wake-up at a time, so that an obedient host's
    /// reactions land before the next timed event.
    fn tick(&mut self, policy: &Policy, host: Host, now: DateTime<Utc>, duty: &mut u32) {
        // Bounded: each round applies at least one event.
        for _ in 0..10_000 {
            let Some(next) = self.case.next_wakeup(policy).filter(|w| *w <= now) else {
                return;
            };
            let events = self.case.tick(policy, next);
            if events.is_empty() {
                return;
            }
            self.apply(policy, host, &events, duty);
        }
    }

    fn apply(&mut self, policy: &Policy, host: Host, events: &[Event], duty: &mut u32) {
        if !self.apply_all(events) {
            return;
        }
        if host == Host::Obedient {
            for event in events {
                let (EventKind::OwnerRequired { tier, .. }
                | EventKind::EscalationRequired { tier, .. }) = event.kind()
                else {
                    continue;
                };
                self.take_over(policy, tier, event.at(), duty);
            }
        }
    }

    /// Applies events the case itself produced, which always fit it; should
    /// one not, the rest of the batch is dropped and the case stays as it
    /// was before it. Whether all applied.
    fn apply_all(&mut self, events: &[Event]) -> bool {
        for event in events {
            if self.case.apply(event).is_err() {
                return false;
            }
            self.events.push(event.clone());
        }
        true
    }

    /// A recorded assignment or escalation to a real agent, refused because an
    /// agent on duty already holds the case at that tier or above: the duty
    /// agent hands the case over instead (a warm handoff, accepted at once).
    fn hand_over_from_duty(
        &mut self,
        policy: &Policy,
        command: &Command,
        now: DateTime<Utc>,
    ) -> bool {
        let (CommandKind::Assign { to } | CommandKind::Escalate { to, .. }) = command.kind() else {
            return false;
        };
        let Some(owner) = self.case.owner().cloned() else {
            return false;
        };
        if !owner.id().as_str().starts_with("on-duty-") || to.id() == owner.id() {
            return false;
        }
        let steps = [
            (Actor::System, CommandKind::HandOff { to: to.clone() }),
            (Actor::Agent(to.clone()), CommandKind::AcceptHandoff),
        ];
        for (n, (actor, kind)) in steps.into_iter().enumerate() {
            let Ok(id) = CommandId::new(format!("{}-handoff-{n}", command.id())) else {
                return false;
            };
            match self
                .case
                .handle(policy, Command::new(id, actor, command.at(), kind), now)
            {
                Ok(events) => {
                    if !self.apply_all(&events) {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
        true
    }

    /// Sends a recorded command again with the case's owner as its actor.
    fn by_owner(
        &mut self,
        policy: &Policy,
        command: &Command,
        owner: Agent,
        now: DateTime<Utc>,
        duty: &mut u32,
    ) {
        let Ok(id) = CommandId::new(format!("{}-by-owner", command.id())) else {
            return;
        };
        let again = Command::new(
            id,
            Actor::Agent(owner),
            command.at(),
            command.kind().clone(),
        );
        match self.case.handle(policy, again, now) {
            Ok(events) => self.apply(policy, Host::Obedient, &events, duty),
            Err(refusal) => self.refused.push(Refused {
                command: command.clone(),
                refusal,
            }),
        }
    }

    /// An agent on duty at `tier` takes the case (not once it is resolved).
    fn take_over(&mut self, policy: &Policy, tier: &Tier, at: DateTime<Utc>, duty: &mut u32) {
        if matches!(
            self.case.status().name(),
            crate::StateName::Resolved | crate::StateName::Closed
        ) {
            return;
        }
        let Ok(id) = AgentId::new(format!("on-duty-{tier}")) else {
            return;
        };
        let agent = Agent::new(id, tier.clone());
        let kind = if self.case.owner().is_some() {
            CommandKind::Escalate {
                to: agent,
                reason: "the policy required it".into(),
            }
        } else {
            CommandKind::Assign { to: agent }
        };
        *duty += 1;
        let Ok(id) = CommandId::new(format!("host-{duty}")) else {
            return;
        };
        let now = self.case.latest().map_or(at, |l| l.max(at));
        let command = Command::new(id, Actor::System, at, kind);
        match self.case.handle(policy, command.clone(), now) {
            Ok(events) => {
                self.apply_all(&events);
            }
            Err(refusal) => self.refused.push(Refused { command, refusal }),
        }
    }
}
/// Walks a case's events and asks, at each granted gesture, whether the
/// policy's recovery guards would have allowed it at that point, by that
/// actor: [`Audit::of`] over the steps the events record. The gestures
/// granted by one command (consecutive grants with the same command id)
/// form one step.
///
/// # Errors
/// [`ReplayError`](crate::ReplayError) when the events do not replay.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::Currency;
/// use escalate::replay::audit;
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
///             "loss": {"minor": 24999, "currency": "USD"}}},
///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
/// ]"#)?;
/// let mut log = Vec::new(); // the host keeps the events
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
/// }
/// // sam granted an apology and a USD 20.00 store credit: all within his authority.
/// let report = audit(log.clone(), &Policy::default())?;
/// assert_eq!(report.lines().len(), 2);
/// assert!(report.lines().iter().all(|l| l.verdict().is_allowed()));
/// assert_eq!(report.spent().get(Currency::USD)?.minor(), 2_000);
/// assert_eq!(report.allowed(), report.spent());
/// assert!(report.wasted().is_zero());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn audit(
    events: impl IntoIterator<Item = Event>,
    policy: &Policy,
) -> Result<Audit, crate::ReplayError> {
    let events: Vec<Event> = events.into_iter().collect();
    let actual = Case::replay(events.as_slice())?;
    let mut steps = Vec::new();
    let mut i = 0;
    while let Some(event) = events.get(i) {
        i += 1;
        match &event.kind {
            EventKind::FailureRecorded {
                failure,
                kind,
                description,
                loss,
            } => steps.push(AuditStep::Failure(Failure::new(
                *failure,
                *kind,
                description.clone(),
                *loss,
                event.at,
            ))),
            EventKind::ChurnSignalled { .. } => steps.push(AuditStep::Churn(event.at)),
            EventKind::GestureGranted { gesture, .. } => {
                let mut gestures = vec![gesture.clone()];
                while let Some(next) = events.get(i) {
                    match &next.kind {
                        EventKind::GestureGranted { gesture, .. }
                            if next.command.is_some() && next.command == event.command =>
                        {
                            gestures.push(gesture.clone());
                            i += 1;
                        }
                        _ => break,
                    }
                }
                steps.push(AuditStep::Grant {
                    by: event.actor.clone(),
                    at: event.at,
                    gestures,
                });
            }
            _ => {}
        }
    }
    Ok(Audit::of(
        actual.time_zone(),
        steps,
        policy.recovery(),
        policy.tiers(),
    ))
}

#[cfg(test)]
mod audit_tests {
    use super::*;
    use crate::recovery::{CreditForm, Currency, Gesture, Manner, Money};
    use crate::test_support::{at, case_with_failure};
    use crate::{Actor, Agent, Case, Event, EventKind, FailureId};

    fn granted(
        case: &Case,
        who: &str,
        tier: &str,
        when: &str,
        cmd: &str,
        gesture: Gesture,
    ) -> Event {
        Event::new(
            case.version() + 1,
            at(when),
            Actor::Agent(Agent::new(who.parse().unwrap(), tier.parse().unwrap())),
            Some(cmd.parse().unwrap()),
            EventKind::GestureGranted {
                gesture,
                offer: None,
            },
        )
    }

    fn credit(minor: i64) -> Gesture {
        Gesture::Credit {
            failures: vec![FailureId::new(1)],
            form: CreditForm::GiftCard,
            amount: Money::new(minor, Currency::USD),
        }
    }

    #[test]
    fn apologies_of_a_command_count_first_and_refused_gestures_do_not_count() {
        let (mut case, mut log) = case_with_failure().unwrap();
        // One command: the money, then the apology that opens the way to it.
        for gesture in [
            credit(2_000),
            Gesture::Apology {
                failures: vec![FailureId::new(1)],
                manner: Manner::Personal,
            },
        ] {
            let e = granted(
                &case,
                "sam",
                "frontline",
                "2021-03-05T10:00:00Z",
                "g1",
                gesture,
            );
            case.apply(&e).unwrap();
            log.push(e);
        }
        // Beyond frontline: refused, so it does not count against the next.
        let e = granted(
            &case,
            "sam",
            "frontline",
            "2021-03-05T11:00:00Z",
            "g2",
            credit(5_000),
        );
        case.apply(&e).unwrap();
        log.push(e);
        let e = granted(
            &case,
            "sue",
            "supervisor",
            "2021-03-05T12:00:00Z",
            "g3",
            credit(5_000),
        );
        case.apply(&e).unwrap();
        log.push(e);
        let report = audit(log, &Policy::default()).unwrap();
        let allowed: Vec<bool> = report
            .lines()
            .iter()
            .map(|l| l.verdict().is_allowed())
            .collect();
        assert_eq!(allowed, [true, true, false, true]);
        assert_eq!(
            report.lines()[0].gesture().kind(),
            crate::recovery::GestureKind::Apology
        );
        assert_eq!(report.spent().get(Currency::USD).unwrap().minor(), 12_000);
        assert_eq!(report.allowed().get(Currency::USD).unwrap().minor(), 7_000);
        assert!(report.to_string().contains(
            "sam (frontline) granted a gift card of USD 50.00: refused: sam (frontline) may not grant a credit of USD 50.00"
        ));
    }
}
