//! Rebuilding what the outside world did from a case's stored events
//! ([`History::from_events`]), and resolving the references of such a
//! history while it replays ([`Numbering::ByCommand`]).

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::History;
use crate::recovery::{Gesture, OfferId};
use crate::{
    Actor, CaseId, Command, CommandId, CommandKind, Event, EventKind, FailureId, Origin, PromiseId,
};

/// How the promise, failure and offer numbers in a [`History`]'s commands
/// are read.
///
/// # Example
/// ```
/// use escalate::replay::Numbering;
/// assert_eq!(Numbering::default(), Numbering::AsCase);
/// assert_eq!(serde_json::to_string(&Numbering::ByCommand)?, r#""by_command""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Numbering {
    /// As the case numbers them: `promise` 2 is the case's promise #2
    /// (what a host sends).
    #[default]
    AsCase,
    /// By the command that made them, so that they stay valid under another
    /// policy ([`History::from_events`] writes these). With `n` commands in
    /// the history:
    /// - a promise number `k` of at most `n` names the promise made by the
    ///   `k`-th command (a `promise`); a number `n + j` names the `j`-th
    ///   promise made by none of the history's commands (a call a rule
    ///   required), in the order the replay makes them;
    /// - a failure number `k` names the failure made by the `k`-th command
    ///   (a `record_failure`, or a `resolve` that recorded one because the
    ///   customer was only deflected);
    /// - an offer number `k` names the offer made by the `k`-th command.
    ///
    /// A number whose command was refused, or made nothing under the replay's
    /// policy, or a rule's call the replay never made, is number 0 for the
    /// case, which knows no such thing: the command naming it is refused
    /// (for example [`Refusal::UnknownPromise`](crate::Refusal)), and the
    /// [`Refused`](super::Refused) entry shows the command with the numbers
    /// the case saw.
    ///
    /// Limits: a promise a rule made is named by its order among the
    /// promises no command made, so under a policy whose rules call more or
    /// less often it may name another rule's call; a failure or offer the
    /// case did not make under the replay's policy cannot be granted.
    ByCommand,
}

impl Numbering {
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
    pub(super) fn is_as_case(&self) -> bool {
        *self == Numbering::AsCase
    }
}

/// Why [`History::from_events`] cannot rebuild the commands of a log: the
/// case (when the log got as far as naming it), the version of the event,
/// and what is wrong with it.
///
/// # Example
/// ```
/// use escalate::replay::History;
/// let err = History::from_events(&[]).unwrap_err();
/// assert_eq!(err.to_string(), "cannot rebuild the commands of a log: there are no events");
/// assert_eq!(err.case(), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromEventsError {
    case: Option<CaseId>,
    version: u64,
    problem: Problem,
}

/// What is wrong with the event a [`FromEventsError`] names.
///
/// # Example
/// ```
/// use escalate::replay::{History, Problem};
/// let err = History::from_events(&[]).unwrap_err();
/// assert_eq!(err.problem(), &Problem::Empty);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The log has no events.
    Empty,
    /// The first event is not `opened`.
    NotOpened {
        /// The kind of the first event (its JSON `type`).
        kind: &'static str,
    },
    /// An event that `tick` does not record carries no command id.
    NoCommand {
        /// The kind (its JSON `type`).
        kind: &'static str,
    },
    /// A command's first event is not one a command makes first.
    NotACommand {
        /// The command.
        command: CommandId,
        /// The kind (its JSON `type`).
        kind: &'static str,
    },
    /// A command's events are not what that command makes.
    Unexpected {
        /// The command.
        command: CommandId,
        /// What the command makes here.
        expected: &'static str,
        /// The kind found (its JSON `type`), or `end` for none.
        found: &'static str,
    },
    /// A command refers to a promise, failure or offer the log did not make
    /// before it.
    UnknownReference {
        /// The command.
        command: CommandId,
        /// What it refers to, in words (`promise #3`).
        what: String,
    },
    /// A promise made by a command without a due time (commands always give one).
    PromiseWithoutDue {
        /// The command.
        command: CommandId,
    },
}

impl FromEventsError {
    /// The case, when the log got as far as naming it.
    ///
    /// # Example
    /// ```
    /// use escalate::replay::History;
    /// assert_eq!(History::from_events(&[]).unwrap_err().case(), None);
    /// ```
    #[must_use]
    pub fn case(&self) -> Option<&CaseId> {
        self.case.as_ref()
    }

    /// The version of the event at fault (0 for an empty log).
    ///
    /// # Example
    /// ```
    /// use escalate::replay::History;
    /// assert_eq!(History::from_events(&[]).unwrap_err().version(), 0);
    /// ```
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// What is wrong.
    ///
    /// # Example
    /// ```
    /// use escalate::replay::{History, Problem};
    /// assert_eq!(History::from_events(&[]).unwrap_err().problem(), &Problem::Empty);
    /// ```
    #[must_use]
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

impl fmt::Display for FromEventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot rebuild the commands of ")?;
        match &self.case {
            Some(case) => write!(f, "case {case}")?,
            None => f.write_str("a log")?,
        }
        if self.problem != Problem::Empty {
            write!(f, " at event version {}", self.version)?;
        }
        f.write_str(": ")?;
        match &self.problem {
            Problem::Empty => f.write_str("there are no events"),
            Problem::NotOpened { kind } => {
                write!(f, "the first event is `{kind}`, not `opened`")
            }
            Problem::NoCommand { kind } => write!(
                f,
                "a `{kind}` event has no command id, and `tick` does not record `{kind}`"
            ),
            Problem::NotACommand { command, kind } => write!(
                f,
                "command {command} begins with `{kind}`, which no command makes first"
            ),
            Problem::Unexpected {
                command,
                expected,
                found,
            } => write!(
                f,
                "command {command} should make `{expected}` here, but the log has `{found}`"
            ),
            Problem::UnknownReference { command, what } => write!(
                f,
                "command {command} refers to {what}, which no earlier event made"
            ),
            Problem::PromiseWithoutDue { command } => write!(
                f,
                "command {command} made a promise without a due time, which no command does"
            ),
        }
    }
}

impl std::error::Error for FromEventsError {}

/// The JSON `type` of an event kind.
fn name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Opened(_) => "opened",
        EventKind::Contacted { .. } => "contacted",
        EventKind::Responded { .. } => "responded",
        EventKind::Assigned { .. } => "assigned",
        EventKind::HandoffOffered { .. } => "handoff_offered",
        EventKind::HandoffAccepted { .. } => "handoff_accepted",
        EventKind::HandoffDeclined { .. } => "handoff_declined",
        EventKind::Escalated { .. } => "escalated",
        EventKind::FailureRecorded { .. } => "failure_recorded",
        EventKind::PromiseMade { .. } => "promise_made",
        EventKind::PromiseKept { .. } => "promise_kept",
        EventKind::PromiseBroken { .. } => "promise_broken",
        EventKind::PriorityChanged { .. } => "priority_changed",
        EventKind::AwaitingCustomer { .. } => "awaiting_customer",
        EventKind::Paused { .. } => "paused",
        EventKind::Resumed => "resumed",
        EventKind::SurveyAnswered { .. } => "survey_answered",
        EventKind::ChurnSignalled { .. } => "churn_signalled",
        EventKind::Resolved { .. } => "resolved",
        EventKind::Reopened => "reopened",
        EventKind::ResolutionConfirmed => "resolution_confirmed",
        EventKind::Closed { .. } => "closed",
        EventKind::GestureOffered { .. } => "gesture_offered",
        EventKind::OfferAccepted { .. } => "offer_accepted",
        EventKind::OfferDeclined { .. } => "offer_declined",
        EventKind::GestureGranted { .. } => "gesture_granted",
        EventKind::ClockStarted { .. } => "clock_started",
        EventKind::ClockRetargeted { .. } => "clock_retargeted",
        EventKind::ClockPaused { .. } => "clock_paused",
        EventKind::ClockResumed { .. } => "clock_resumed",
        EventKind::ClockStopped { .. } => "clock_stopped",
        EventKind::SlaWarned { .. } => "sla_warned",
        EventKind::SlaBreached { .. } => "sla_breached",
        EventKind::RuleFired { .. } => "rule_fired",
        EventKind::OwnerRequired { .. } => "owner_required",
        EventKind::EscalationRequired { .. } => "escalation_required",
        EventKind::ApologyRequired { .. } => "apology_required",
        EventKind::GestureRecommended { .. } => "gesture_recommended",
        EventKind::ReviewRequired { .. } => "review_required",
        EventKind::Notified { .. } => "notified",
        EventKind::RuleArmed { .. } => "rule_armed",
        EventKind::RuleDisarmed { .. } => "rule_disarmed",
        EventKind::PolicyAdopted { .. } => "policy_adopted",
    }
}

/// Whether `tick` records events of this kind (with no command id): what
/// clocks and rules make, a promise broken at its clock's breach, a pause
/// ended at its scheduled end.
fn by_time(kind: &EventKind) -> bool {
    kind.by_rule()
        || matches!(
            kind,
            EventKind::ClockStarted { .. }
                | EventKind::ClockRetargeted { .. }
                | EventKind::ClockPaused { .. }
                | EventKind::ClockResumed { .. }
                | EventKind::ClockStopped { .. }
                | EventKind::SlaWarned { .. }
                | EventKind::SlaBreached { .. }
                | EventKind::PromiseMade { .. }
                | EventKind::PromiseBroken { .. }
                | EventKind::Resumed
        )
}

/// Who made a promise the log records.
#[derive(Clone, Copy)]
enum PromiseRef {
    /// The command at this index.
    Command(usize),
    /// The `j`-th (from 1) promise made by no command.
    Other(usize),
}

/// The state of one rebuild.
struct Rebuild {
    case: Option<CaseId>,
    commands: Vec<Command>,
    promises: HashMap<PromiseId, PromiseRef>,
    others: usize,
    failures: HashMap<FailureId, usize>,
    offers: HashMap<OfferId, usize>,
    /// Commands whose promise number names a promise made by no command:
    /// (command index, `j`), fixed up once the number of commands is known.
    fixups: Vec<(usize, usize)>,
}

impl Rebuild {
    fn error(&self, version: u64, problem: Problem) -> FromEventsError {
        FromEventsError {
            case: self.case.clone(),
            version,
            problem,
        }
    }

    /// Notes a promise made by no command.
    fn other_promise(&mut self, kind: &EventKind) {
        if let EventKind::PromiseMade { promise, .. } = kind {
            self.others += 1;
            self.promises
                .insert(*promise, PromiseRef::Other(self.others));
        }
    }

    fn number(index: usize) -> u32 {
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    fn promise(
        &mut self,
        e: &Event,
        id: &CommandId,
        promise: PromiseId,
    ) -> Result<PromiseId, FromEventsError> {
        match self.promises.get(&promise) {
            Some(PromiseRef::Command(i)) => Ok(PromiseId::new(Self::number(*i))),
            Some(PromiseRef::Other(j)) => {
                self.fixups.push((self.commands.len(), *j));
                Ok(PromiseId::new(0))
            }
            None => Err(self.error(
                e.version,
                Problem::UnknownReference {
                    command: id.clone(),
                    what: promise.to_string(),
                },
            )),
        }
    }

    fn offer(&self, e: &Event, id: &CommandId, offer: OfferId) -> Result<OfferId, FromEventsError> {
        self.offers
            .get(&offer)
            .map(|i| OfferId::new(Self::number(*i)))
            .ok_or_else(|| {
                self.error(
                    e.version,
                    Problem::UnknownReference {
                        command: id.clone(),
                        what: offer.to_string(),
                    },
                )
            })
    }

    fn gesture(
        &self,
        e: &Event,
        id: &CommandId,
        gesture: &Gesture,
    ) -> Result<Gesture, FromEventsError> {
        let mut gesture = gesture.clone();
        for failure in gesture.failures_mut() {
            let Some(i) = self.failures.get(failure) else {
                return Err(self.error(
                    e.version,
                    Problem::UnknownReference {
                        command: id.clone(),
                        what: failure.to_string(),
                    },
                ));
            };
            *failure = FailureId::new(Self::number(*i));
        }
        Ok(gesture)
    }

    /// The command a group of events with one command id stands for, and
    /// how many of the group's events are its own.
    #[allow(clippy::too_many_lines)] // one arm per event kind reads best as one match
    fn command(
        &mut self,
        id: &CommandId,
        group: &[Event],
    ) -> Result<(CommandKind, usize), FromEventsError> {
        let Some(first) = group.first() else {
            return Err(self.error(0, Problem::Empty));
        };
        let index = self.commands.len();
        let next = |n: usize| group.get(n).filter(|e| e.actor == first.actor);
        let unexpected = |this: &Self, n: usize, expected: &'static str| {
            let (version, found) = group.get(n).map_or((group[n - 1].version, "end"), |e| {
                (e.version, name(&e.kind))
            });
            this.error(
                version,
                Problem::Unexpected {
                    command: id.clone(),
                    expected,
                    found,
                },
            )
        };
        Ok(match &first.kind {
            EventKind::Opened(opened) => {
                let follow = match (&opened.origin, &first.actor) {
                    (Origin::Contact { channel }, _) => Some((
                        "contacted",
                        EventKind::Contacted {
                            channel: *channel,
                            note: opened.summary.clone(),
                        },
                    )),
                    (Origin::Survey { score }, _) => Some((
                        "survey_answered",
                        EventKind::SurveyAnswered {
                            score: *score,
                            comment: opened.summary.clone(),
                        },
                    )),
                    (Origin::InternalDetection, Actor::Agent(agent)) => {
                        Some(("assigned", EventKind::Assigned { to: agent.clone() }))
                    }
                    _ => None,
                };
                if self.case.is_none() {
                    self.case = Some(opened.case.clone());
                }
                let kind = CommandKind::Open {
                    customer: opened.customer.clone(),
                    origin: opened.origin.clone(),
                    summary: opened.summary.clone(),
                    priority: opened.priority,
                };
                match follow {
                    None => (kind, 1),
                    Some((_, expected)) if next(1).is_some_and(|e| e.kind == expected) => (kind, 2),
                    Some((what, _)) => return Err(unexpected(self, 1, what)),
                }
            }
            EventKind::Reopened => match next(1).map(|e| &e.kind) {
                Some(EventKind::Contacted { channel, note }) => (
                    CommandKind::Contact {
                        channel: *channel,
                        note: note.clone(),
                    },
                    2,
                ),
                _ => return Err(unexpected(self, 1, "contacted")),
            },
            EventKind::Contacted { channel, note } => (
                CommandKind::Contact {
                    channel: *channel,
                    note: note.clone(),
                },
                1,
            ),
            EventKind::Responded {
                channel,
                note,
                kind,
            } => (
                CommandKind::Respond {
                    channel: *channel,
                    note: note.clone(),
                    kind: *kind,
                },
                1,
            ),
            EventKind::Assigned { to } => (CommandKind::Assign { to: to.clone() }, 1),
            EventKind::HandoffOffered { to } => (CommandKind::HandOff { to: to.clone() }, 1),
            EventKind::HandoffAccepted { .. } => (CommandKind::AcceptHandoff, 1),
            EventKind::HandoffDeclined { .. } => (CommandKind::DeclineHandoff, 1),
            EventKind::Escalated { to, reason } => (
                CommandKind::Escalate {
                    to: to.clone(),
                    reason: reason.clone(),
                },
                1,
            ),
            EventKind::FailureRecorded {
                failure,
                kind,
                description,
                loss,
            } => {
                self.failures.insert(*failure, index);
                match next(1).map(|e| &e.kind) {
                    // A resolve of a case only deflected records the failure itself.
                    Some(EventKind::Resolved { summary }) => (
                        CommandKind::Resolve {
                            summary: summary.clone(),
                        },
                        2,
                    ),
                    _ => (
                        CommandKind::RecordFailure {
                            kind: *kind,
                            description: description.clone(),
                            loss: *loss,
                        },
                        1,
                    ),
                }
            }
            EventKind::PromiseMade { promise, what, due } => {
                let Some(due) = due else {
                    return Err(self.error(
                        first.version,
                        Problem::PromiseWithoutDue {
                            command: id.clone(),
                        },
                    ));
                };
                self.promises.insert(*promise, PromiseRef::Command(index));
                (
                    CommandKind::Promise {
                        what: what.clone(),
                        due: *due,
                    },
                    1,
                )
            }
            EventKind::PromiseKept { promise } => (
                CommandKind::KeepPromise {
                    promise: self.promise(first, id, *promise)?,
                },
                1,
            ),
            EventKind::PromiseBroken { promise } => (
                CommandKind::BreakPromise {
                    promise: self.promise(first, id, *promise)?,
                },
                1,
            ),
            EventKind::PriorityChanged { priority } => (
                CommandKind::ChangePriority {
                    priority: *priority,
                },
                1,
            ),
            EventKind::AwaitingCustomer { reason } => (
                CommandKind::WaitOnCustomer {
                    reason: reason.clone(),
                },
                1,
            ),
            EventKind::Paused {
                reason,
                note,
                until,
                ..
            } => (
                CommandKind::Pause {
                    reason: reason.clone(),
                    note: note.clone(),
                    until: *until,
                },
                1,
            ),
            EventKind::Resumed => (CommandKind::Resume, 1),
            EventKind::SurveyAnswered { score, comment } => (
                CommandKind::AnswerSurvey {
                    score: *score,
                    comment: comment.clone(),
                },
                1,
            ),
            EventKind::ChurnSignalled { note } => {
                (CommandKind::SignalChurn { note: note.clone() }, 1)
            }
            EventKind::Resolved { summary } => (
                CommandKind::Resolve {
                    summary: summary.clone(),
                },
                1,
            ),
            EventKind::ResolutionConfirmed => (CommandKind::ConfirmResolution, 1),
            EventKind::Closed { outcome, review } => (
                CommandKind::Close {
                    outcome: *outcome,
                    review: review.clone(),
                },
                1,
            ),
            EventKind::GestureOffered { offer, gesture } => {
                let gesture = self.gesture(first, id, gesture)?;
                self.offers.insert(*offer, index);
                (CommandKind::Offer { gesture }, 1)
            }
            EventKind::OfferAccepted { offer } => (
                CommandKind::AcceptOffer {
                    offer: self.offer(first, id, *offer)?,
                },
                1,
            ),
            EventKind::OfferDeclined { offer } => (
                CommandKind::DeclineOffer {
                    offer: self.offer(first, id, *offer)?,
                },
                1,
            ),
            EventKind::GestureGranted {
                offer: Some(offer), ..
            } => (
                CommandKind::GrantOffer {
                    offer: self.offer(first, id, *offer)?,
                },
                1,
            ),
            EventKind::GestureGranted { offer: None, .. } => {
                let mut gestures = Vec::new();
                for e in group {
                    match &e.kind {
                        EventKind::GestureGranted {
                            gesture,
                            offer: None,
                        } if e.actor == first.actor => {
                            gestures.push(self.gesture(e, id, gesture)?);
                        }
                        _ => break,
                    }
                }
                let n = gestures.len();
                (CommandKind::Grant { gestures }, n)
            }
            EventKind::PolicyAdopted { .. } => (CommandKind::AdoptPolicy, 1),
            other => {
                return Err(self.error(
                    first.version,
                    Problem::NotACommand {
                        command: id.clone(),
                        kind: name(other),
                    },
                ));
            }
        })
    }
}

impl History {
    /// Rebuilds what the outside world did to a case from its stored events
    /// (the log of one case, in version order): one command per command id,
    /// with the actor, time, id and kind it was sent with, and no expected
    /// version. What clocks and rules made (`clock_*`, `sla_*`, what
    /// [`EventKind::by_rule`] picks, a rule's required call and its clock,
    /// a promise broken or a pause ended by `tick`) is dropped: a replay
    /// makes it again under its own policy. So is a refused command, which
    /// left no event.
    ///
    /// The history reads its references [`Numbering::ByCommand`]: a
    /// `keep_promise`, a gesture's failures, a `grant_offer` name the command
    /// that made the promise, failure or offer, so that they stay valid
    /// under a policy whose rules make other promises or whose deflection
    /// setting records other failures. [`History::replay`] under the
    /// recording's policy gives the recorded log again (when the host never
    /// ticked past a command still to come; tick the replay `until` the
    /// recording's last tick).
    ///
    /// A command's own events come first among its events, from its actor,
    /// at its time: `opened` (with the `contacted`, `survey_answered` or
    /// `assigned` its origin makes) is an `open`; `contacted` (after a
    /// `reopened`) a `contact`; `failure_recorded` then `resolved` a
    /// `resolve` of a case only deflected; `paused` a `pause` (a
    /// `wait_on_customer` makes the same event: it comes back as a `pause`
    /// for the reason `awaiting_customer`, which does the same);
    /// `awaiting_customer` (older logs) a `wait_on_customer`; the
    /// consecutive `gesture_granted` of one command a `grant`, or a
    /// `grant_offer` when it names an offer; and each other kind a command
    /// makes, the command of that name.
    ///
    /// # Errors
    /// A [`FromEventsError`] naming the case, the version of the event and
    /// the [`Problem`]: no events, a first event other than `opened`, an
    /// event that needs a command id and has none, a command whose first
    /// event no command makes first, a command's events out of shape, a
    /// reference to something not made before.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::replay::{History, Host, Numbering};
    /// let policy = Policy::recommended();
    /// let sent: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T15:11:00Z", "expected_version": 4,
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:20:00Z",
    ///    "kind": {"type": "promise", "what": "a call back", "due": "2021-03-05T15:00:00Z"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-05T09:00:00Z",
    ///    "kind": {"type": "keep_promise", "promise": 1}}
    /// ]"#)?;
    /// // The host stores the events, not the commands.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let mut log = Vec::new();
    /// for command in sent.clone() {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let history = History::from_events(&log)?;
    /// assert_eq!(history.case.as_str(), "CAB-1");
    /// assert_eq!(history.numbering, Numbering::ByCommand);
    /// // The commands as sent, without the expected version; the promise
    /// // kept is named by the command that made it, the third.
    /// assert_eq!(history.commands[1], Command::new("c-2".parse()?, sent[1].actor().clone(),
    ///     sent[1].at(), sent[1].kind().clone()));
    /// assert_eq!(serde_json::to_value(history.commands[3].kind())?,
    ///     serde_json::json!({"type": "keep_promise", "promise": 3}));
    /// // Replayed under the same policy, it gives the same log.
    /// let replay = history.replay(&policy, Host::AsRecorded, None);
    /// assert!(replay.refused().is_empty());
    /// assert_eq!(replay.events(), log.as_slice());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_events(events: &[Event]) -> Result<History, FromEventsError> {
        let mut rebuild = Rebuild {
            case: None,
            commands: Vec::new(),
            promises: HashMap::new(),
            others: 0,
            failures: HashMap::new(),
            offers: HashMap::new(),
            fixups: Vec::new(),
        };
        let Some(first) = events.first() else {
            return Err(rebuild.error(0, Problem::Empty));
        };
        let EventKind::Opened(opened) = &first.kind else {
            return Err(rebuild.error(
                first.version,
                Problem::NotOpened {
                    kind: name(&first.kind),
                },
            ));
        };
        let mut i = 0;
        while let Some(event) = events.get(i) {
            let Some(id) = &event.command else {
                if event.actor != Actor::System || !by_time(&event.kind) {
                    return Err(rebuild.error(
                        event.version,
                        Problem::NoCommand {
                            kind: name(&event.kind),
                        },
                    ));
                }
                rebuild.other_promise(&event.kind);
                i += 1;
                continue;
            };
            let end = events[i..]
                .iter()
                .position(|e| e.command.as_ref() != Some(id))
                .map_or(events.len(), |n| i + n);
            let group = &events[i..end];
            let (kind, own) = rebuild.command(id, group)?;
            // What the command's clocks and rules made is the system's.
            for e in &group[own..] {
                if e.actor != Actor::System {
                    return Err(rebuild.error(
                        e.version,
                        Problem::Unexpected {
                            command: id.clone(),
                            expected: "an event of the system (what clocks and rules make)",
                            found: name(&e.kind),
                        },
                    ));
                }
                rebuild.other_promise(&e.kind);
            }
            rebuild.commands.push(Command::new(
                id.clone(),
                event.actor.clone(),
                event.at,
                kind,
            ));
            i = end;
        }
        let n = rebuild.commands.len();
        for (index, j) in std::mem::take(&mut rebuild.fixups) {
            let number = u32::try_from(n + j).unwrap_or(u32::MAX);
            if let Some(command) = rebuild.commands.get_mut(index)
                && let CommandKind::KeepPromise { promise } | CommandKind::BreakPromise { promise } =
                    &mut command.kind
            {
                *promise = PromiseId::new(number);
            }
        }
        Ok(History {
            case: rebuild.case.unwrap_or_else(|| opened.case.clone()),
            commands: rebuild.commands,
            numbering: Numbering::ByCommand,
        })
    }
}

/// What the commands of a [`Numbering::ByCommand`] history made while it
/// replays, to resolve their references.
#[derive(Default)]
pub(super) struct Made {
    promises: Vec<Option<PromiseId>>,
    others: Vec<PromiseId>,
    failures: Vec<Option<FailureId>>,
    offers: Vec<Option<OfferId>>,
}

impl Made {
    pub(super) fn new(n: usize) -> Self {
        Made {
            promises: vec![None; n],
            others: Vec::new(),
            failures: vec![None; n],
            offers: vec![None; n],
        }
    }

    /// Notes what `events` made, those of command `index` (with id `id`, or
    /// sent again by the owner) as its own.
    pub(super) fn note(&mut self, index: usize, id: &CommandId, events: &[Event]) {
        let by_owner = format!("{id}-by-owner");
        let mut first_own = true;
        for e in events {
            let own = e
                .command
                .as_ref()
                .is_some_and(|c| c == id || c.as_str() == by_owner);
            // A `promise` command's promise is its first event; any other
            // is a rule's call.
            let first = own && std::mem::replace(&mut first_own, false);
            match &e.kind {
                EventKind::PromiseMade { promise, .. } => match self.promises.get_mut(index) {
                    Some(slot) if first && slot.is_none() => *slot = Some(*promise),
                    _ => self.others.push(*promise),
                },
                EventKind::FailureRecorded { failure, .. } if own => {
                    if let Some(slot) = self.failures.get_mut(index) {
                        *slot = Some(*failure);
                    }
                }
                EventKind::GestureOffered { offer, .. } if own => {
                    if let Some(slot) = self.offers.get_mut(index) {
                        *slot = Some(*offer);
                    }
                }
                _ => {}
            }
        }
    }

    /// `kind` with its references resolved to what the replay made.
    pub(super) fn resolve(&self, kind: &CommandKind) -> CommandKind {
        let n = self.promises.len();
        let promise = |p: PromiseId| {
            let k = p.get() as usize;
            let found = if k == 0 {
                None
            } else if k <= n {
                self.promises.get(k - 1).copied().flatten()
            } else {
                self.others.get(k - n - 1).copied()
            };
            found.unwrap_or(PromiseId::new(0))
        };
        let offer = |o: OfferId| {
            (o.get() as usize)
                .checked_sub(1)
                .and_then(|i| self.offers.get(i).copied().flatten())
                .unwrap_or(OfferId::new(0))
        };
        let gesture = |g: &Gesture| {
            let mut g = g.clone();
            for f in g.failures_mut() {
                *f = (f.get() as usize)
                    .checked_sub(1)
                    .and_then(|i| self.failures.get(i).copied().flatten())
                    .unwrap_or(FailureId::new(0));
            }
            g
        };
        match kind {
            CommandKind::KeepPromise { promise: p } => CommandKind::KeepPromise {
                promise: promise(*p),
            },
            CommandKind::BreakPromise { promise: p } => CommandKind::BreakPromise {
                promise: promise(*p),
            },
            CommandKind::GrantOffer { offer: o } => CommandKind::GrantOffer { offer: offer(*o) },
            CommandKind::AcceptOffer { offer: o } => CommandKind::AcceptOffer { offer: offer(*o) },
            CommandKind::DeclineOffer { offer: o } => {
                CommandKind::DeclineOffer { offer: offer(*o) }
            }
            CommandKind::Offer { gesture: g } => CommandKind::Offer {
                gesture: gesture(g),
            },
            CommandKind::Grant { gestures } => CommandKind::Grant {
                gestures: gestures.iter().map(gesture).collect(),
            },
            other => other.clone(),
        }
    }
}
