//! Apply: a case evolves by one event at a time, never failing and never
//! reading a clock.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Case, Event, EventKind, Handoff, Ownership, Status};
use crate::customer::{Contact, Failure, Promise, PromiseId, PromiseState, ResponseKind};
use crate::owner::Agent;
use crate::recovery::Ledger;

impl Case {
    /// Evolves the case by one event. Total: it never fails and never reads
    /// a clock. Events that do not fit the state (which `handle` never
    /// produces, but an imported history might hold) are recorded and change
    /// what they can; the version always advances by one.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Actor, Case, Command, Event, EventKind};
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
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
    /// }
    /// // An event imported from another system: apply takes it as it is.
    /// let v = case.version();
    /// let t: DateTime<Utc> = "2021-03-05T09:00:00Z".parse()?;
    /// case.apply(&Event::new(v + 1, t, Actor::Customer, None,
    ///     EventKind::ChurnSignalled { note: "bought elsewhere".into() }));
    /// assert_eq!(case.version(), v + 1);
    /// assert_eq!(case.churned_at(), Some(t));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&mut self, event: &Event) {
        if let Some(id) = &event.command
            && self.events.last().and_then(|e| e.command.as_ref()) != Some(id)
        {
            self.command_ids.insert(id.clone());
        }
        self.evolve(event);
        self.events.push(event.clone());
    }

    /// Every state change an event makes, except recording the event itself.
    #[allow(clippy::too_many_lines)] // one arm per event kind reads best as one match
    pub(super) fn evolve(&mut self, event: &Event) {
        let at = event.at;
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        match &event.kind {
            EventKind::Opened(opened) => {
                if self.opening.is_none() {
                    self.opening = Some((Arc::clone(opened), at));
                    self.ledger = Ledger::new(opened.time_zone);
                }
                if self.status == Status::Unopened {
                    self.status = Status::New;
                }
            }
            EventKind::Contacted { channel, .. } => {
                self.contacts_in_cycle += 1;
                self.public_contacts += u32::from(channel.is_public());
                self.contacts.push(Contact {
                    channel: *channel,
                    at,
                    answered_at: None,
                });
                if let Status::AwaitingCustomer { owner, .. } = &self.status {
                    self.status = Status::Working {
                        owner: owner.clone(),
                    };
                }
            }
            EventKind::Responded { kind, .. } => {
                match kind {
                    ResponseKind::Answer => self.answers += 1,
                    ResponseKind::Deflection => self.deflections += 1,
                }
                for contact in self
                    .contacts
                    .get_mut(self.unanswered_from..)
                    .unwrap_or(&mut [])
                {
                    contact.answered_at = Some(at);
                }
                self.unanswered_from = self.contacts.len();
            }
            EventKind::Assigned { to } | EventKind::Escalated { to, .. } => {
                // Carrying out a required escalation is the same escalation.
                if self.escalation_pending.as_ref() == Some(to.tier()) {
                    self.escalation_pending = None;
                } else if matches!(event.kind, EventKind::Escalated { .. }) {
                    self.escalations += 1;
                }
                self.take_ownership(to, at);
            }
            EventKind::HandoffAccepted { by } => {
                if self.escalation_pending.as_ref() == Some(by.tier()) {
                    self.escalation_pending = None;
                }
                self.take_ownership(by, at);
            }
            EventKind::HandoffOffered { to } => {
                if let Some(owner) = self.status.ownership_mut() {
                    owner.handoff = Some(Handoff {
                        to: to.clone(),
                        offered_at: at,
                    });
                }
            }
            EventKind::HandoffDeclined { .. } => {
                if let Some(owner) = self.status.ownership_mut() {
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
            EventKind::PromiseMade { promise, what, due } => self.promises.push(Promise {
                id: *promise,
                what: what.clone(),
                due: *due,
                made_at: at,
                state: PromiseState::Open,
            }),
            EventKind::PromiseKept { promise } => {
                self.settle(*promise, PromiseState::Kept { at });
            }
            EventKind::PromiseBroken { promise } => {
                self.settle(*promise, PromiseState::Broken { at });
            }
            EventKind::AwaitingCustomer { .. } => {
                if let Status::Working { owner } = &self.status {
                    self.status = Status::AwaitingCustomer {
                        owner: owner.clone(),
                        since: at,
                    };
                }
            }
            EventKind::SurveyAnswered { score, .. } => self.surveys.push((at, *score)),
            EventKind::ChurnSignalled { .. } => {
                self.ledger.record_churn(at);
            }
            EventKind::Resolved { .. } => {
                if let Some(owner) = self.status.ownership() {
                    let mut owner = owner.clone();
                    owner.handoff = None;
                    self.status = Status::Resolved {
                        owner,
                        at,
                        confirmed_at: None,
                    };
                }
            }
            EventKind::Reopened => {
                self.contacts_in_cycle = 0;
                if let Status::Resolved { owner, .. } = &self.status {
                    self.status = Status::Working {
                        owner: owner.clone(),
                    };
                }
            }
            EventKind::ResolutionConfirmed => {
                if let Status::Resolved { confirmed_at, .. } = &mut self.status {
                    confirmed_at.get_or_insert(at);
                }
            }
            EventKind::ClockStarted { .. }
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
            EventKind::PolicyAdopted { policy } => self.adopted_policy = Some(policy.clone()),
            EventKind::Closed { outcome, review } => {
                if !matches!(self.status, Status::Closed { .. }) {
                    self.status = Status::Closed {
                        last_owner: self.owner().cloned(),
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
    }

    fn take_ownership(&mut self, agent: &Agent, at: DateTime<Utc>) {
        let ownership = Ownership {
            agent: agent.clone(),
            since: at,
            handoff: None,
        };
        match &mut self.status {
            Status::Working { owner }
            | Status::AwaitingCustomer { owner, .. }
            | Status::Resolved { owner, .. } => *owner = ownership,
            Status::New | Status::Unopened => self.status = Status::Working { owner: ownership },
            Status::Closed { .. } => {}
        }
    }

    fn settle(&mut self, id: PromiseId, state: PromiseState) {
        if let Some(p) = self
            .promises
            .iter_mut()
            .find(|p| p.id == id && p.state == PromiseState::Open)
        {
            p.state = state;
        }
    }
}
