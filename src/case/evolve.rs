//! Apply: a case evolves by one event at a time, never failing and never
//! reading a clock.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    ApplyError, Case, Event, EventKind, Handoff, Life, Ownership, Pause, Retention, Stage, Status,
};
use crate::customer::{Contact, Failure, Promise, PromiseId, PromiseState, ResponseKind};
use crate::owner::Agent;
use crate::policy::PauseName;
use crate::recovery::{Ledger, Money};

impl Case {
    /// Evolves the case by one event, after checking that it fits: its
    /// version is the case's next one (`version() + 1`), an `opened` event
    /// comes first and only once and names this case, and its times,
    /// durations and amounts are in range (times from 1900 to 9999 UTC,
    /// durations from 0 to 10,000 years, losses and costs not negative). An
    /// event that does not fit is refused and the case is left unchanged.
    /// A `clock_started` event must take the case's next clock number.
    ///
    /// Apply never reads a clock. Events that fit the log but not the state
    /// (which `handle` never produces, but an imported history might hold)
    /// are recorded and change what they can.
    ///
    /// # Errors
    /// [`ApplyError`] naming what does not fit.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, TimeDelta, Utc};
    /// use escalate::{Actor, ApplyError, Case, Command, Event, EventKind};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // An event imported from another system: apply takes it as it is.
    /// let v = case.version();
    /// let t: DateTime<Utc> = "2021-03-05T09:00:00Z".parse()?;
    /// let left = Event::new(v + 1, t, Actor::Customer, None,
    ///     EventKind::ChurnSignalled { note: "bought elsewhere".into() });
    /// case.apply(&left)?;
    /// assert_eq!(case.version(), v + 1);
    /// assert_eq!(case.churned_at(), Some(t));
    /// // The same event again does not follow the case's version: refused.
    /// assert_eq!(case.apply(&left), Err(ApplyError::Version { current: v + 1, expected: v + 2, found: v + 1 }));
    /// assert_eq!(case.version(), v + 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyError> {
        self.check(event, self.version())?;
        self.record(event);
        Ok(())
    }

    /// Applies an event this case made itself (in `handle` or `tick`),
    /// which fits it by construction: `apply` without the checks.
    pub(super) fn record(&mut self, event: &Event) {
        if let Some(id) = &event.command
            && self.last_command.as_ref() != Some(id)
        {
            self.recent_commands.push(id.clone());
        }
        self.last_command.clone_from(&event.command);
        self.version = self.version.saturating_add(1);
        self.evolve(event);
    }

    pub(super) fn check(&self, event: &Event, current: u64) -> Result<(), ApplyError> {
        if event.version != current.saturating_add(1) {
            return Err(ApplyError::Version {
                current,
                expected: current.saturating_add(1),
                found: event.version,
            });
        }
        match (&self.stage, &event.kind) {
            (_, EventKind::Opened(opened)) if opened.case != self.id => {
                return Err(ApplyError::OtherCase {
                    case: self.id.clone(),
                    other: opened.case.clone(),
                });
            }
            (Stage::Opened(_), EventKind::Opened(_)) => {
                return Err(ApplyError::AlreadyOpened {
                    case: self.id.clone(),
                });
            }
            (Stage::Unopened, kind) if !matches!(kind, EventKind::Opened(_)) => {
                return Err(ApplyError::NotOpened {
                    case: self.id.clone(),
                });
            }
            _ => {}
        }
        if let EventKind::ClockStarted { clock, .. } = &event.kind {
            let expected = crate::sla::ClockId::next_after(self.clock_count as usize);
            if *clock != expected {
                return Err(ApplyError::ClockNumber {
                    expected,
                    found: *clock,
                });
            }
        }
        check_ranges(event)
    }

    /// Every state change an event makes, except recording the event itself.
    #[allow(clippy::too_many_lines)] // one arm per event kind reads best as one match
    pub(super) fn evolve(&mut self, event: &Event) {
        let at = event.at;
        let life = match (&mut self.stage, &event.kind) {
            (Stage::Opened(life), _) => life,
            (Stage::Unopened, EventKind::Opened(opened)) => {
                self.ledger = Ledger::new(opened.time_zone);
                self.stage = Stage::Opened(Life {
                    opened: Arc::clone(opened),
                    opened_at: at,
                    status: Status::New,
                    policy: opened.policy.clone(),
                    policy_fingerprint: opened.policy_fingerprint,
                    latest: at,
                    priority: None,
                    pause: None,
                });
                return;
            }
            // `apply` refuses anything else before opening.
            (Stage::Unopened, _) => return,
        };
        life.latest = life.latest.max(at);
        let status = &mut life.status;
        match &event.kind {
            // `apply` refuses a second opening.
            EventKind::Opened(_) => {}
            EventKind::Contacted { channel, .. } => {
                self.contacts_in_cycle += 1;
                self.contact_count = self.contact_count.saturating_add(1);
                self.public_contacts += u32::from(channel.is_public());
                self.contacts.reserve_exact(1);
                self.contacts.push(Contact {
                    channel: *channel,
                    at,
                    answered_at: None,
                });
                if let Status::AwaitingCustomer { owner, .. } = status
                    && life.pause.as_ref().is_none_or(|p| p.ends_on_contact)
                {
                    *status = Status::Working {
                        owner: owner.clone(),
                    };
                }
            }
            // An automatic acknowledgement or an internal note answers nothing.
            EventKind::Responded { kind, .. } if !kind.is_reply() => {}
            EventKind::Responded { kind, .. } => {
                match kind {
                    ResponseKind::Deflection => self.deflections += 1,
                    _ => self.answers += 1,
                }
                for contact in self
                    .contacts
                    .get_mut(self.unanswered_from..)
                    .unwrap_or(&mut [])
                {
                    contact.answered_at = Some(at);
                }
                self.unanswered_from = self.contacts.len();
                if self.retention == Retention::Compact {
                    // Answered contacts are counted, not kept.
                    // Answered contacts are counted, not kept (nor their room).
                    self.contacts = Vec::new();
                    self.unanswered_from = 0;
                }
            }
            EventKind::Assigned { to } | EventKind::Escalated { to, .. } => {
                // Carrying out a required escalation is the same escalation.
                if self.escalation_pending.as_ref() == Some(to.tier()) {
                    self.escalation_pending = None;
                } else if matches!(event.kind, EventKind::Escalated { .. }) {
                    self.escalations += 1;
                }
                self.escalated |= matches!(event.kind, EventKind::Escalated { .. });
                self.take_ownership(to, at);
            }
            EventKind::HandoffAccepted { by } => {
                if self.escalation_pending.as_ref() == Some(by.tier()) {
                    self.escalation_pending = None;
                }
                self.take_ownership(by, at);
            }
            EventKind::HandoffOffered { to } => {
                if let Some(owner) = status.ownership_mut() {
                    owner.handoff = Some(Handoff {
                        to: to.clone(),
                        offered_at: at,
                    });
                }
            }
            EventKind::HandoffDeclined { .. } => {
                if let Some(owner) = status.ownership_mut() {
                    owner.handoff = None;
                }
            }
            EventKind::FailureRecorded {
                failure,
                kind,
                description,
                loss,
            } => self.ledger.record_failure(Failure::new(
                *failure,
                *kind,
                description.clone(),
                *loss,
                at,
            )),
            EventKind::PromiseMade { promise, what, due } => {
                self.promise_count = self.promise_count.saturating_add(1);
                self.promises.reserve_exact(1);
                self.promises.push(Promise {
                    id: *promise,
                    what: what.clone(),
                    due: *due,
                    made_at: at,
                    state: PromiseState::Open,
                });
            }
            EventKind::PromiseKept { promise } => {
                self.settle(*promise, PromiseState::Kept { at });
            }
            EventKind::PromiseBroken { promise } => {
                self.settle(*promise, PromiseState::Broken { at });
            }
            EventKind::AwaitingCustomer { .. } | EventKind::Paused { .. } => {
                if let Status::Working { owner } = status {
                    *status = Status::AwaitingCustomer {
                        owner: owner.clone(),
                        since: at,
                    };
                    life.pause = Some(Box::new(match &event.kind {
                        EventKind::Paused {
                            reason,
                            until,
                            ends_on_contact,
                            ..
                        } => Pause {
                            reason: reason.clone(),
                            since: at,
                            until: *until,
                            ends_on_contact: *ends_on_contact,
                        },
                        _ => Pause {
                            reason: PauseName::awaiting_customer(),
                            since: at,
                            until: None,
                            ends_on_contact: true,
                        },
                    }));
                }
            }
            EventKind::Resumed => {
                if let Status::AwaitingCustomer { owner, .. } = status {
                    *status = Status::Working {
                        owner: owner.clone(),
                    };
                }
            }
            EventKind::SurveyAnswered { score, .. } => {
                for at_most in usize::from(score.get().max(1))..=5 {
                    self.surveys_at_most[at_most - 1] += 1;
                }
                self.last_survey = Some((at, *score));
                if self.retention == Retention::Everything {
                    self.surveys.push((at, *score));
                }
            }
            EventKind::ChurnSignalled { .. } => {
                self.ledger.record_churn(at);
            }
            EventKind::Resolved { .. } => {
                if let Some(owner) = status.ownership() {
                    let mut owner = owner.clone();
                    owner.handoff = None;
                    *status = Status::Resolved {
                        owner,
                        at,
                        confirmed_at: None,
                    };
                }
            }
            EventKind::Reopened => {
                self.contacts_in_cycle = 0;
                if let Status::Resolved { owner, .. } = status {
                    *status = Status::Working {
                        owner: owner.clone(),
                    };
                }
            }
            EventKind::ResolutionConfirmed => {
                if let Status::Resolved { confirmed_at, .. } = status {
                    confirmed_at.get_or_insert(at);
                }
            }
            EventKind::PriorityChanged { priority } => life.priority = Some(*priority),
            EventKind::ClockStarted { .. }
            | EventKind::ClockRetargeted { .. }
            | EventKind::ClockPaused { .. }
            | EventKind::ClockResumed { .. }
            | EventKind::ClockStopped { .. }
            | EventKind::SlaWarned { .. }
            | EventKind::SlaBreached { .. } => self.evolve_clock(at, &event.kind),
            EventKind::RuleFired { .. }
            | EventKind::OwnerRequired { .. }
            | EventKind::EscalationRequired { .. }
            | EventKind::ApologyRequired { .. }
            | EventKind::GestureRecommended { .. }
            | EventKind::ReviewRequired { .. }
            | EventKind::Notified { .. }
            | EventKind::RuleArmed { .. }
            | EventKind::RuleDisarmed { .. } => self.evolve_rules(at, &event.kind),
            EventKind::PolicyAdopted {
                policy,
                fingerprint,
            } => {
                life.policy = policy.clone();
                life.policy_fingerprint = *fingerprint;
            }
            EventKind::Closed { outcome, review } => {
                if !matches!(status, Status::Closed { .. }) {
                    *status = Status::Closed {
                        last_owner: status.ownership().map(|o| o.agent.clone()),
                        outcome: *outcome,
                        at,
                        review: review.clone(),
                    };
                }
            }
            EventKind::GestureOffered { .. }
            | EventKind::OfferAccepted { .. }
            | EventKind::OfferDeclined { .. }
            | EventKind::GestureGranted { .. } => self.evolve_gesture(event),
        }
        // A pause is recorded only while the case waits: whatever ended the
        // wait (a contact, a resumption, resolving, closing) ends it.
        if let Stage::Opened(life) = &mut self.stage
            && !matches!(life.status, Status::AwaitingCustomer { .. })
        {
            life.pause = None;
        }
    }

    fn take_ownership(&mut self, agent: &Agent, at: DateTime<Utc>) {
        // An owner of the tier required meets the requirement: a later one
        // dates from its own rule. (One of a higher tier meets it too; the
        // desk, which knows the ranks, does not list it then.)
        if self.required_tier.as_ref() == Some(agent.tier()) {
            self.required_since = None;
        }
        let ownership = Ownership {
            agent: agent.clone(),
            since: at,
            handoff: None,
        };
        let Stage::Opened(life) = &mut self.stage else {
            return;
        };
        match &mut life.status {
            Status::Working { owner }
            | Status::AwaitingCustomer { owner, .. }
            | Status::Resolved { owner, .. } => *owner = ownership,
            Status::New | Status::Unopened => life.status = Status::Working { owner: ownership },
            Status::Closed { .. } => {}
        }
    }

    fn settle(&mut self, id: PromiseId, state: PromiseState) {
        let Some(index) = self
            .promises
            .iter()
            .position(|p| p.id == id && p.state == PromiseState::Open)
        else {
            return;
        };
        match self.retention {
            Retention::Everything => {
                if let Some(p) = self.promises.get_mut(index) {
                    p.state = state;
                }
            }
            // A settled promise is remembered by how it ended, not kept.
            Retention::Compact => {
                self.promises.remove(index);
                self.promises.shrink_to_fit();
                self.settled.push((id, state));
            }
        }
    }
}

/// The earliest and latest times a case works with, in seconds since 1970:
/// 1900-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const TIMES: std::ops::RangeInclusive<i64> = -2_208_988_800..=253_402_300_799;

/// The longest duration an event may carry: 10,000 years of 365.25 days.
pub(super) const LONGEST: i64 = 10_000 * 31_557_600;

/// The latest time a command may carry, in seconds since 1970
/// (9989-12-31T23:59:59Z): ten years before the last time an event may carry,
/// since a command starts deadlines at most ten years ahead.
const LATEST_COMMAND: i64 = 253_086_767_999;

/// Whether a command may carry `at`.
pub(crate) fn command_time_in_range(at: DateTime<Utc>) -> bool {
    (*TIMES.start()..=LATEST_COMMAND).contains(&at.timestamp())
}

/// Whether `at` is within the times a case works with.
pub(crate) fn time_in_range(at: DateTime<Utc>) -> bool {
    TIMES.contains(&at.timestamp())
}

/// Checks the times, durations and amounts an event carries.
fn check_ranges(event: &Event) -> Result<(), ApplyError> {
    let time = |field: &'static str, value: DateTime<Utc>| {
        if time_in_range(value) {
            Ok(())
        } else {
            Err(ApplyError::TimeOutOfRange { field, value })
        }
    };
    let maybe_time = |field: &'static str, value: Option<DateTime<Utc>>| {
        value.map_or(Ok(()), |v| time(field, v))
    };
    let span = |field: &'static str, value: TimeDelta| {
        if value >= TimeDelta::zero() && value.num_seconds() <= LONGEST {
            Ok(())
        } else {
            Err(ApplyError::DurationOutOfRange {
                field,
                value: value.to_string(),
            })
        }
    };
    let money = |field: &'static str, value: Option<Money>| match value {
        Some(value) if value.minor() < 0 => Err(ApplyError::NegativeAmount { field, value }),
        _ => Ok(()),
    };
    time("at", event.at)?;
    match &event.kind {
        EventKind::ClockStarted { target, due, .. } => {
            span("target", *target)?;
            maybe_time("due", *due)
        }
        EventKind::ClockRetargeted {
            target,
            consumed,
            due,
            ..
        } => {
            span("target", *target)?;
            span("consumed", *consumed)?;
            maybe_time("due", *due)
        }
        EventKind::ClockPaused { consumed, .. } => span("consumed", *consumed),
        EventKind::ClockResumed { due, .. } | EventKind::PromiseMade { due, .. } => {
            maybe_time("due", *due)
        }
        EventKind::ClockStopped {
            consumed, late_by, ..
        } => {
            span("consumed", *consumed)?;
            late_by.map_or(Ok(()), |l| span("late_by", l))
        }
        EventKind::Notified { by, .. } => maybe_time("by", *by),
        EventKind::FailureRecorded { loss, .. } => money("loss", *loss),
        EventKind::GestureOffered { gesture, .. } | EventKind::GestureGranted { gesture, .. } => {
            money("cost", gesture.cost())
        }
        _ => Ok(()),
    }
}
