//! The whole story of a case as plain text.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::{Case, Event, EventKind, ReplayError, Retention};
use crate::customer::PromiseState;
use crate::customer::{Contact, Promise, SurveyScore};
use crate::owner::Actor;
use crate::sla::SlaClock;
use crate::sla::{ClockId, format_span};
use crate::text::local;

/// A case's whole story, read from its events: every clock, contact,
/// promise and survey answer (a [`Case`] keeps only what deciding needs),
/// and the story as text, one line an event.
///
/// The text is in the time zone of the policy the case was opened under:
/// who owned it when, every contact and whether it was answered, every
/// failure, every promise and whether it was kept. Events that arrived after
/// a later-dated event are marked `(logged late)`.
///
/// # Example
/// ```
/// use escalate::{Case, Command, Timeline};
/// use escalate::policy::Policy;
/// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
/// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
/// ]"#)?;
/// let mut log = Vec::new(); // the host keeps the events
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
/// }
/// let timeline = Timeline::from_events(&log)?;
/// assert_eq!(timeline.to_string(), "\
/// 2021-03-04 10:10 EST  opened by the customer from a phone contact: \"wrong cabinet delivered\" (customer cust-9, standard; policy default)
/// 2021-03-04 10:10 EST  the customer contacted by phone: \"wrong cabinet delivered\" (answered 2021-03-04 15:10 EST, after 5h)
/// 2021-03-04 15:11 EST  the system assigned the case to sam (frontline); owner: sam (frontline)
/// 2021-03-04 15:10 EST  sam (frontline) responded by phone: \"the right one is on its way\" (logged late)
/// 2021-03-04 15:10 EST  sam (frontline) promised \"deliver the right cabinet\" by 2021-03-06 12:00 EST (promise #1: open) (logged late)
/// 2021-03-04 15:10 EST  clock #1 (promise #1) started: due 2021-03-06 12:00 EST (44h50m on the always calendar) (logged late)
/// ");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// The case, replayed keeping everything.
    case: Case,
    text: String,
}

impl Timeline {
    /// Reads a case's events (as [`Case::replay`] takes them) into its story.
    ///
    /// # Errors
    /// [`ReplayError`] when the events do not replay.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Timeline};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let timeline = Timeline::from_events(&log)?;
    /// assert_eq!(timeline.to_string(), "\
    /// 2021-03-04 10:10 EST  opened by the customer from a phone contact: \"wrong cabinet delivered\" (customer cust-9, standard; policy default)
    /// 2021-03-04 10:10 EST  the customer contacted by phone: \"wrong cabinet delivered\" (answered 2021-03-04 15:10 EST, after 5h)
    /// 2021-03-04 15:11 EST  the system assigned the case to sam (frontline); owner: sam (frontline)
    /// 2021-03-04 15:10 EST  sam (frontline) responded by phone: \"the right one is on its way\" (logged late)
    /// 2021-03-04 15:10 EST  sam (frontline) promised \"deliver the right cabinet\" by 2021-03-06 12:00 EST (promise #1: open) (logged late)
    /// 2021-03-04 15:10 EST  clock #1 (promise #1) started: due 2021-03-06 12:00 EST (44h50m on the always calendar) (logged late)
    /// ");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_events(events: &[Event]) -> Result<Timeline, ReplayError> {
        let case = Case::replay_keeping(events, Retention::Everything)?;
        let tz = case.time_zone();
        let mut text = String::new();
        let mut latest: Option<DateTime<Utc>> = None;
        let mut contact = 0usize;
        for event in events {
            let _ = write!(text, "{}  ", local(tz, event.at));
            case.describe(&mut text, tz, event.actor(), event.kind(), &mut contact);
            if latest.is_some_and(|l| event.at < l) {
                text.push_str(" (logged late)");
            }
            latest = Some(latest.map_or(event.at, |l| l.max(event.at)));
            text.push('\n');
        }
        Ok(Timeline { case, text })
    }

    /// The story as text, one line an event.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Timeline};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let timeline = Timeline::from_events(&log)?;
    /// assert_eq!(timeline.as_str().lines().count(), log.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Every SLA clock the case started, in order, as it ended up.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Timeline};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let timeline = Timeline::from_events(&log)?;
    /// assert_eq!(timeline.clocks().len(), 1); // the promise's
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn clocks(&self) -> &[SlaClock] {
        self.case.clocks()
    }

    /// The clock with this id, as it ended up.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Timeline};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let timeline = Timeline::from_events(&log)?;
    /// let clock = timeline.clock(escalate::sla::ClockId::new(1)).ok_or("no clock #1")?;
    /// assert_eq!(clock.metric(), escalate::sla::Metric::Promise);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn clock(&self, id: ClockId) -> Option<&SlaClock> {
        self.case.clock(id)
    }

    /// Every customer contact, in arrival order, with when it was answered.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Timeline};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let timeline = Timeline::from_events(&log)?;
    /// assert_eq!(timeline.contacts().len(), 1); // the opening call
    /// assert!(timeline.contacts()[0].answered_at().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn contacts(&self) -> &[Contact] {
        &self.case.contacts
    }

    /// Every promise made, in order, with how it ended.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Timeline};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let timeline = Timeline::from_events(&log)?;
    /// assert_eq!(timeline.promises().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn promises(&self) -> &[Promise] {
        &self.case.promises
    }

    /// Every survey answer: when, and the score.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, Timeline};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default().with_time_zone("America/New_York".parse()?);
    /// // sam logs his 20:10 call and its promise after the 20:11 assignment: they arrive late.
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "respond", "channel": "phone", "note": "the right one is on its way", "kind": "answer"}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:10:00Z",
    ///    "kind": {"type": "promise", "what": "deliver the right cabinet", "due": "2021-03-06T17:00:00Z"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// let timeline = Timeline::from_events(&log)?;
    /// assert!(timeline.surveys().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn surveys(&self) -> &[(DateTime<Utc>, SurveyScore)] {
        &self.case.surveys
    }
}

impl std::fmt::Display for Timeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Case {
    #[allow(clippy::too_many_lines)] // one arm per event kind reads best as one match
    fn describe(
        &self,
        out: &mut String,
        tz: Tz,
        actor: &Actor,
        kind: &EventKind,
        contact: &mut usize,
    ) {
        let owner_now = |out: &mut String, who: &dyn std::fmt::Display| {
            let _ = write!(out, "; owner: {who}");
        };
        let _ = match kind {
            EventKind::Opened(opened) => write!(
                out,
                "opened by {actor} from {}: {:?} (customer {}, {}; policy {})",
                opened.origin,
                opened.summary,
                opened.customer.id(),
                opened.customer.value(),
                opened.policy
            ),
            EventKind::Contacted { channel, note } => {
                let answered = self
                    .contacts
                    .get(*contact)
                    .and_then(|c| c.answered_at.map(|a| (c.at, a)));
                *contact += 1;
                let _ = write!(out, "{actor} contacted by {channel}: {note:?}");
                match answered {
                    Some((asked, answered)) => write!(
                        out,
                        " (answered {}, after {})",
                        local(tz, answered),
                        span(answered - asked)
                    ),
                    None => write!(out, " (unanswered)"),
                }
            }
            EventKind::Responded {
                channel,
                note,
                kind,
            } => match kind {
                crate::ResponseKind::Answer => {
                    write!(out, "{actor} responded by {channel}: {note:?}")
                }
                crate::ResponseKind::Deflection => write!(
                    out,
                    "{actor} deflected by {channel} (pointed the customer elsewhere): {note:?}"
                ),
                crate::ResponseKind::Automated => write!(
                    out,
                    "{actor} sent an automatic acknowledgement by {channel} (not a reply): {note:?}"
                ),
                crate::ResponseKind::InternalNote => write!(
                    out,
                    "{actor} wrote an internal note (the customer does not see it): {note:?}"
                ),
            },
            EventKind::Assigned { to } => {
                let _ = write!(out, "{actor} assigned the case to {to}");
                owner_now(out, to);
                Ok(())
            }
            EventKind::HandoffOffered { to } => write!(
                out,
                "{actor} offered the case to {to}; the owner stays accountable until {} accepts",
                to.id()
            ),
            EventKind::HandoffAccepted { by } => {
                let _ = write!(out, "{by} accepted the handoff");
                owner_now(out, by);
                Ok(())
            }
            EventKind::HandoffDeclined { by } => write!(out, "{by} declined the handoff"),
            EventKind::Escalated { to, reason } => {
                let _ = write!(out, "{actor} escalated the case to {to}: {reason}");
                owner_now(out, to);
                Ok(())
            }
            EventKind::FailureRecorded {
                failure,
                kind,
                description,
                loss,
            } => {
                let _ = write!(out, "{failure} ({kind}) recorded by {actor}: {description}");
                match loss {
                    Some(loss) => write!(out, "; customer's loss {loss}"),
                    None => Ok(()),
                }
            }
            EventKind::PromiseMade { promise, what, due } => {
                let by = due.map_or_else(
                    || "with no due time".to_owned(),
                    |due| format!("by {}", local(tz, due)),
                );
                let _ = write!(out, "{actor} promised {what:?} {by} ({promise}: ");
                let state = self
                    .promises
                    .iter()
                    .find(|p| p.id == *promise)
                    .map(|p| p.state);
                match (state, *due) {
                    (Some(PromiseState::Kept { at }), Some(due)) if at > due => write!(
                        out,
                        "kept late {}, {} after it was due)",
                        local(tz, at),
                        span(at - due)
                    ),
                    (Some(PromiseState::Kept { at }), _) => write!(out, "kept {})", local(tz, at)),
                    (Some(PromiseState::Broken { at }), _) => {
                        write!(out, "broken {})", local(tz, at))
                    }
                    (Some(PromiseState::Open) | None, _) => write!(out, "open)"),
                }
            }
            EventKind::PromiseKept { promise } => write!(out, "{actor} kept {promise}"),
            EventKind::PromiseBroken { promise } => write!(out, "{promise} was broken"),
            EventKind::PriorityChanged { priority } => {
                write!(out, "{actor} changed the priority to {priority}")
            }
            EventKind::AwaitingCustomer { reason } => {
                write!(out, "{actor} is waiting on the customer: {reason}")
            }
            EventKind::Paused {
                reason,
                note,
                until,
                ..
            } => {
                let _ = if *reason == crate::policy::PauseName::awaiting_customer() {
                    write!(out, "{actor} is waiting on the customer: {note}")
                } else {
                    write!(out, "{actor} paused the case ({reason}): {note}")
                };
                match until {
                    Some(until) => write!(out, "; until {}", local(tz, *until)),
                    None => Ok(()),
                }
            }
            EventKind::Resumed => write!(out, "{actor} ended the pause"),
            EventKind::SurveyAnswered { score, comment } => write!(
                out,
                "{actor} answered the survey: {} of 5: {comment:?}",
                score.get()
            ),
            EventKind::ChurnSignalled { note } => {
                write!(out, "churn signal from {actor}: {note:?}")
            }
            EventKind::Resolved { summary } => write!(out, "{actor} resolved the case: {summary}"),
            EventKind::Reopened => write!(out, "the case reopened on a new contact"),
            EventKind::ResolutionConfirmed => write!(out, "{actor} confirmed the resolution"),
            EventKind::Closed { outcome, review } => {
                let _ = write!(out, "{actor} closed the case: {outcome}");
                Case::describe_review(out, review.as_ref());
                Ok(())
            }
            EventKind::GestureOffered { .. }
            | EventKind::OfferAccepted { .. }
            | EventKind::OfferDeclined { .. }
            | EventKind::GestureGranted { .. } => {
                Case::describe_gesture(out, actor, kind);
                Ok(())
            }
            EventKind::ClockStarted {
                clock,
                target,
                calendar,
                due,
                ..
            } => write!(
                out,
                "{} started: {} ({} on the {calendar} calendar)",
                self.clock_name(*clock),
                due_text(tz, *due),
                format_span(*target)
            ),
            EventKind::ClockRetargeted {
                clock,
                target,
                calendar,
                consumed,
                due,
            } => write!(
                out,
                "{} retargeted to {} on the {calendar} calendar, {} used: {}",
                self.clock_name(*clock),
                format_span(*target),
                format_span(*consumed),
                due.map_or_else(
                    || "no due instant while paused".to_owned(),
                    |due| format!("due {}", local(tz, due))
                )
            ),
            EventKind::ClockPaused { clock, consumed } => write!(
                out,
                "{} paused after {} of business time",
                self.clock_name(*clock),
                format_span(*consumed)
            ),
            EventKind::ClockResumed { clock, due } => write!(
                out,
                "{} resumed: {}",
                self.clock_name(*clock),
                due_text(tz, *due)
            ),
            EventKind::ClockStopped {
                clock,
                consumed,
                late_by,
            } => {
                let _ = write!(
                    out,
                    "{} stopped after {} of business time",
                    self.clock_name(*clock),
                    format_span(*consumed)
                );
                match late_by {
                    Some(late) => write!(
                        out,
                        ": met late, by {} of business time",
                        format_span(*late)
                    ),
                    None => Ok(()),
                }
            }
            EventKind::SlaWarned { clock, threshold } => {
                write!(out, "{} warning: {threshold}", self.clock_name(*clock))
            }
            EventKind::RuleFired { rule, when } => write!(out, "rule {rule:?} fired on {when}"),
            EventKind::OwnerRequired { tier, .. } => {
                write!(
                    out,
                    "the policy requires an owner of tier {tier} or higher now"
                )
            }
            EventKind::EscalationRequired { tier, .. } => {
                write!(out, "the policy requires escalation to tier {tier}")
            }
            EventKind::ApologyRequired { tier, .. } => write!(
                out,
                "the policy requires an apology naming the failure, from tier {tier} or higher"
            ),
            EventKind::GestureRecommended { gesture, .. } => {
                write!(out, "the policy recommends: {}", gesture.as_str())
            }
            EventKind::ReviewRequired { .. } => {
                write!(
                    out,
                    "the policy requires a root-cause review before closing"
                )
            }
            EventKind::Notified { who, why, by, .. } => {
                let _ = write!(out, "notify {who}: {why}");
                match by {
                    Some(by) => write!(out, " (by {})", local(tz, *by)),
                    None => Ok(()),
                }
            }
            EventKind::PolicyAdopted { policy, .. } => {
                write!(out, "{actor} moved the case to policy {policy}")
            }
            EventKind::RuleArmed { rule } => write!(out, "rule {rule:?} is waiting out its delay"),
            EventKind::RuleDisarmed { rule } => {
                write!(
                    out,
                    "rule {rule:?} no longer applies; its delay is cancelled"
                )
            }
            EventKind::SlaBreached { clock } => {
                write!(
                    out,
                    "{} breached: due now and not met",
                    self.clock_name(*clock)
                )
            }
        };
    }
}

impl Case {
    /// `clock #2 (next response)`, or `clock #3 (promise #1)`.
    fn clock_name(&self, id: ClockId) -> String {
        match self.clock(id) {
            Some(clock) => match clock.promise() {
                Some(promise) => format!("{id} ({promise})"),
                None => match clock.tier() {
                    Some(tier) => format!("{id} ({} at {tier})", clock.metric()),
                    None => format!("{id} ({})", clock.metric()),
                },
            },
            None => id.to_string(),
        }
    }
}

/// A clock's due instant for people: `due 2021-03-06 12:00 EST`, or `never
/// due` when its calendar cannot supply the time.
fn due_text(tz: Tz, due: Option<DateTime<Utc>>) -> String {
    due.map_or_else(
        || "never due".to_owned(),
        |due| format!("due {}", local(tz, due)),
    )
}

/// A wall-clock duration for people: `2d 3h`, `5h`, `25m`, `40s`.
pub(crate) fn span(d: TimeDelta) -> String {
    let sign = if d < TimeDelta::zero() { "-" } else { "" };
    let d = d.abs();
    let days = d.num_days();
    let rest = d - TimeDelta::days(days);
    match (days, rest.num_seconds()) {
        (0, _) => format!("{sign}{}", format_span(rest)),
        (_, 0) => format!("{sign}{days}d"),
        _ => format!("{sign}{days}d {}", format_span(rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_well() {
        assert_eq!(span(TimeDelta::seconds(0)), "0s");
        assert_eq!(span(TimeDelta::minutes(25)), "25m");
        assert_eq!(
            span(TimeDelta::hours(49) + TimeDelta::seconds(5)),
            "2d 1h5s"
        );
        assert_eq!(span(TimeDelta::hours(48)), "2d");
        assert_eq!(span(TimeDelta::hours(-3)), "-3h");
    }
}
