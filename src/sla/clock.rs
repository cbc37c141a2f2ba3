//! SLA clocks: one timer for one metric on one calendar, with pauses,
//! warnings, a breach, and a record of how late it was met.

use chrono::{DateTime, TimeDelta, Utc};

use super::{BusinessCalendar, CalendarName, Metric, Threshold};
use crate::memo::Memo;
use crate::{Channel, PromiseId, Tier};

crate::ids::numbered!(
    /// Numbers an SLA clock within its case, from 1 in the order clocks started.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::ClockId;
    /// assert_eq!(ClockId::new(1).to_string(), "clock #1");
    /// ```
    ClockId,
    "escalate::sla::ClockId",
    "clock"
);

/// An SLA clock as the case records it.
///
/// Clocks are started, paused, resumed and stopped by the case's own events
/// (a contact starts one, a response stops it, waiting on the customer pauses
/// it); [`Case::tick`](crate::Case::tick) records their warnings and breaches.
/// The due instant is fixed when the clock starts or resumes, so a policy
/// edited later does not move running clocks.
///
/// # Example
/// ```
/// use chrono::TimeDelta;
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
/// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
/// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
/// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
///     .with_warning(Threshold::Percent(75));
/// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
///     .with_calendar("seller".parse()?, hours)?
///     .with_sla(first_response)?;
/// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
/// let mut case = Case::new("MKT-1".parse()?);
/// let now = open.at();
/// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
/// let clock = &case.clocks()[0];
/// assert_eq!(clock.metric(), Metric::FirstResponse);
/// assert_eq!(clock.due(), Some("2021-06-22T16:00:00Z".parse()?)); // Tue 12:00 New York
/// // At Tue 09:30 New York, 90 business minutes have passed since the 08:00 opening.
/// let cal = policy.calendar(clock.calendar()).unwrap();
/// let t = "2021-06-22T13:30:00Z".parse()?;
/// assert_eq!(clock.elapsed(cal, t), TimeDelta::minutes(90));
/// assert_eq!(clock.remaining(cal, t), TimeDelta::minutes(150));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlaClock {
    id: ClockId,
    metric: Metric,
    promise: Option<PromiseId>,
    /// The channel its target was chosen for (read again when the case's
    /// priority changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channel: Option<Channel>,
    /// The owner's tier a [`Metric::TierOwnership`] clock measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tier: Option<Tier>,
    #[serde(with = "seconds")]
    target: TimeDelta,
    calendar: CalendarName,
    started_at: DateTime<Utc>,
    state: ClockState,
    warned: Vec<Threshold>,
    breached_at: Option<DateTime<Utc>>,
    /// Its earliest warning still to fire (the instant, and the threshold's
    /// place among the policy's warnings), worked out under the policy of
    /// this fingerprint; emptied whenever the clock changes.
    #[serde(skip)]
    next_warning: Memo<(u64, NextWarning)>,
}

/// A clock's earliest warning still to fire: when, and the threshold's place
/// among its policy's warnings for the metric.
pub(crate) type NextWarning = Option<(DateTime<Utc>, u16)>;

/// Whether a clock is running, paused or stopped, with what each state needs.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::sla::{BusinessCalendar, ClockState, Metric, MetricPolicy, Target, Threshold};
/// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
/// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
/// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
///     .with_warning(Threshold::Percent(75));
/// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
///     .with_calendar("seller".parse()?, hours)?
///     .with_sla(first_response)?;
/// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
/// let mut case = Case::new("MKT-1".parse()?);
/// let now = open.at();
/// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
/// assert!(matches!(case.clocks()[0].state(), ClockState::Running { .. }));
/// // The answer at Tue 10:00 New York stops the clock, on time.
/// let reply: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "system", "at": "2021-06-22T14:00:00Z",
///     "kind": {"type": "respond", "channel": "email", "note": "here is how", "kind": "answer"}}"#)?;
/// let now = reply.at();
/// for event in case.handle(&policy, reply, now)? { case.apply(&event)?; }
/// assert!(matches!(case.clocks()[0].state(), ClockState::Stopped { late_by: None, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClockState {
    /// Counting business time.
    Running {
        /// Since when (the start or the last resume).
        since: DateTime<Utc>,
        /// Business time used before `since`.
        #[serde(with = "seconds")]
        consumed: TimeDelta,
        /// When it is due; `None` when its calendar cannot supply the time
        /// left (it never opens again): it never breaches.
        due: Option<DateTime<Utc>>,
    },
    /// Not counting (the company is waiting on the customer).
    Paused {
        /// Since when.
        since: DateTime<Utc>,
        /// Business time used before the pause.
        #[serde(with = "seconds")]
        consumed: TimeDelta,
        /// The due instant, kept when the pause began at or after it: a pause
        /// after the breach instant does not move the breach.
        due: Option<DateTime<Utc>>,
    },
    /// Done: met (on time or late), or ended by resolving or closing.
    Stopped {
        /// When.
        at: DateTime<Utc>,
        /// Business time used in all.
        #[serde(with = "seconds")]
        consumed: TimeDelta,
        /// The due instant in force when it stopped, if one was.
        due: Option<DateTime<Utc>>,
        /// Business time past the due instant, when it was met late.
        #[serde(with = "seconds::option")]
        late_by: Option<TimeDelta>,
    },
}

impl SlaClock {
    /// Starts a clock at `at`, running with nothing used yet: `target` of
    /// business time on the named calendar, due at `due` (`None` when the
    /// calendar cannot supply the target: it never breaches).
    ///
    /// The case starts its clocks from its `ClockStarted` events; hosts
    /// read them through [`Case::clocks`](crate::Case::clocks).
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{ClockId, ClockState, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let clock = SlaClock::start(ClockId::new(1), Metric::Resolution, TimeDelta::hours(40),
    ///     "seller".parse()?, at, None);
    /// assert_eq!(clock.state(), ClockState::Running { since: at, consumed: TimeDelta::zero(), due: None });
    /// assert_eq!((clock.due(), clock.promise(), clock.started_at()), (None, None, at));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn start(
        id: ClockId,
        metric: Metric,
        target: TimeDelta,
        calendar: CalendarName,
        at: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
    ) -> SlaClock {
        SlaClock {
            id,
            metric,
            promise: None,
            channel: None,
            tier: None,
            target,
            calendar,
            started_at: at,
            state: ClockState::Running {
                since: at,
                consumed: TimeDelta::zero(),
                due,
            },
            warned: Vec::new(),
            breached_at: None,
            next_warning: Memo::default(),
        }
    }

    /// The same clock, tracking a promise (a [`Metric::Promise`] clock).
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::PromiseId;
    /// use escalate::sla::{CalendarName, ClockId, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 3, 4, 20, 10, 0).unwrap();
    /// let clock = SlaClock::start(ClockId::new(2), Metric::Promise, TimeDelta::hours(2),
    ///     CalendarName::always(), at, Some(at + TimeDelta::hours(2)))
    ///     .tracking(PromiseId::new(1));
    /// assert_eq!(clock.promise(), Some(PromiseId::new(1)));
    /// ```
    #[must_use]
    pub fn tracking(self, promise: PromiseId) -> SlaClock {
        SlaClock {
            promise: Some(promise),
            next_warning: Memo::default(),
            ..self
        }
    }

    /// The same clock, its target chosen for a case on `channel` (what the
    /// case reads again to re-target the clock when its priority changes).
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::Channel;
    /// use escalate::sla::{CalendarName, ClockId, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 3, 4, 20, 10, 0).unwrap();
    /// let clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     CalendarName::always(), at, Some(at + TimeDelta::hours(4)))
    ///     .on_channel(Channel::Phone);
    /// assert_eq!(clock.channel(), Some(Channel::Phone));
    /// ```
    #[must_use]
    pub fn on_channel(self, channel: Channel) -> SlaClock {
        SlaClock {
            channel: Some(channel),
            next_warning: Memo::default(),
            ..self
        }
    }

    /// The same clock, measuring how long the case is owned at `tier` (a
    /// [`Metric::TierOwnership`] clock; what the case reads again to
    /// re-target it when its priority changes).
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{CalendarName, ClockId, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 3, 1, 9, 0, 0).unwrap();
    /// let clock = SlaClock::start(ClockId::new(3), Metric::TierOwnership, TimeDelta::hours(2),
    ///     CalendarName::always(), at, Some(at + TimeDelta::hours(2)))
    ///     .at_tier("frontline".parse()?);
    /// assert_eq!(clock.tier().map(|t| t.as_str()), Some("frontline"));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn at_tier(self, tier: Tier) -> SlaClock {
        SlaClock {
            tier: Some(tier),
            next_warning: Memo::default(),
            ..self
        }
    }

    /// Pauses a running clock at `at`, having used `consumed` of business
    /// time in all (the company is waiting on the customer). A pause that
    /// begins at or after the due instant keeps it: it does not move the
    /// breach. A clock that is not running is left as it is.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{ClockId, ClockState, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let due = Utc.with_ymd_and_hms(2021, 6, 22, 16, 0, 0).unwrap();
    /// let mut clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "seller".parse()?, at, Some(due));
    /// let later = Utc.with_ymd_and_hms(2021, 6, 22, 13, 0, 0).unwrap();
    /// clock.pause(later, TimeDelta::hours(1));
    /// assert_eq!(clock.state(), ClockState::Paused { since: later, consumed: TimeDelta::hours(1), due: None });
    /// assert_eq!(clock.due(), None); // the pause moves it
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    pub fn pause(&mut self, at: DateTime<Utc>, consumed: TimeDelta) {
        self.next_warning.clear();
        if let ClockState::Running { due, .. } = self.state {
            self.state = ClockState::Paused {
                since: at,
                consumed,
                due: due.filter(|due| at >= *due),
            };
        }
    }

    /// Runs a paused or stopped clock again from `at`, due at `due` (see
    /// [`due_on_resume`](Self::due_on_resume)), with the business time it
    /// had used.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{ClockId, ClockState, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let mut clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "seller".parse()?, at, None);
    /// clock.pause(at + TimeDelta::hours(13), TimeDelta::hours(1));
    /// let back = at + TimeDelta::hours(20);
    /// clock.resume(back, Some(back + TimeDelta::hours(3)));
    /// assert_eq!(clock.state(),
    ///     ClockState::Running { since: back, consumed: TimeDelta::hours(1), due: Some(back + TimeDelta::hours(3)) });
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    pub fn resume(&mut self, at: DateTime<Utc>, due: Option<DateTime<Utc>>) {
        self.next_warning.clear();
        self.state = ClockState::Running {
            since: at,
            consumed: self.consumed(),
            due,
        };
    }

    /// Stops the clock at `at`, having used `consumed` of business time in
    /// all and met its target `late_by` late, if it was (see
    /// [`late_by`](Self::late_by)). The due instant in force is kept.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{ClockId, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let due = at + TimeDelta::hours(16);
    /// let mut clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "seller".parse()?, at, Some(due));
    /// clock.stop(due + TimeDelta::hours(1), TimeDelta::hours(5), Some(TimeDelta::hours(1)));
    /// assert_eq!(clock.lateness(), Some(TimeDelta::hours(1)));
    /// assert_eq!(clock.due(), Some(due));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    pub fn stop(&mut self, at: DateTime<Utc>, consumed: TimeDelta, late_by: Option<TimeDelta>) {
        self.next_warning.clear();
        self.state = ClockState::Stopped {
            at,
            consumed,
            due: self.due(),
            late_by,
        };
    }

    /// Records that a warning fired (once per threshold and cycle).
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{ClockId, Metric, SlaClock, Threshold};
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let mut clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "seller".parse()?, at, None);
    /// clock.warn(Threshold::Percent(75));
    /// clock.warn(Threshold::Percent(75));
    /// assert_eq!(clock.warned(), [Threshold::Percent(75)]);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    pub fn warn(&mut self, threshold: Threshold) {
        self.next_warning.clear();
        if !self.warned.contains(&threshold) {
            self.warned.reserve_exact(1);
            self.warned.push(threshold);
        }
    }

    /// Records the breach at `at` (the due instant); a clock breaches once.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{ClockId, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let due = at + TimeDelta::hours(16);
    /// let mut clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "seller".parse()?, at, Some(due));
    /// clock.breach(due);
    /// clock.breach(due + TimeDelta::hours(1));
    /// assert_eq!(clock.breached_at(), Some(due));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    pub fn breach(&mut self, at: DateTime<Utc>) {
        self.next_warning.clear();
        self.breached_at.get_or_insert(at);
    }

    /// Gives a live clock a new target at `at` (the case's priority
    /// changed), having used `consumed` of business time in all: a running
    /// clock runs on from `at` towards `due`; a paused clock stays paused,
    /// keeping `due` only when the new target is used up already. A stopped
    /// clock is left as it is.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{CalendarName, ClockId, ClockState, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 3, 4, 12, 0, 0).unwrap();
    /// let mut clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(8),
    ///     CalendarName::always(), at, Some(at + TimeDelta::hours(8)));
    /// // Two hours later the case becomes urgent: a 4-hour target, 2 hours left.
    /// let change = at + TimeDelta::hours(2);
    /// clock.retarget(change, TimeDelta::hours(4), CalendarName::always(), TimeDelta::hours(2),
    ///     Some(change + TimeDelta::hours(2)));
    /// assert_eq!(clock.target(), TimeDelta::hours(4));
    /// assert_eq!(clock.due(), Some(at + TimeDelta::hours(4)));
    /// assert!(matches!(clock.state(), ClockState::Running { since, .. } if since == change));
    /// ```
    pub fn retarget(
        &mut self,
        at: DateTime<Utc>,
        target: TimeDelta,
        calendar: CalendarName,
        consumed: TimeDelta,
        due: Option<DateTime<Utc>>,
    ) {
        self.next_warning.clear();
        match self.state {
            ClockState::Running { .. } => {
                self.state = ClockState::Running {
                    since: at,
                    consumed,
                    due,
                };
            }
            ClockState::Paused { since, .. } => {
                self.state = ClockState::Paused {
                    since,
                    consumed,
                    due: due.filter(|due| *due <= at),
                };
            }
            ClockState::Stopped { .. } => return,
        }
        self.target = target;
        self.calendar = calendar;
    }
}

impl SlaClock {
    /// The clock's number within the case.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].id(), escalate::sla::ClockId::new(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> ClockId {
        self.id
    }

    /// What it measures.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].metric(), Metric::FirstResponse);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The promise it tracks, for [`Metric::Promise`] clocks.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].promise(), None);
    /// // A promise starts a clock of its own, due when the promise is.
    /// let promise: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "system", "at": "2021-06-22T13:00:00Z",
    ///     "kind": {"type": "promise", "what": "a call back", "due": "2021-06-22T18:00:00Z"}}"#)?;
    /// let now = promise.at();
    /// for event in case.handle(&policy, promise, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[1].metric(), Metric::Promise);
    /// assert_eq!(case.clocks()[1].promise(), Some(escalate::PromiseId::new(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn promise(&self) -> Option<PromiseId> {
        self.promise
    }

    /// The channel its target was chosen for; `None` for a promise, for a
    /// case opened without one, or in a log written before it was recorded.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{CalendarName, ClockId, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 3, 4, 20, 10, 0).unwrap();
    /// let clock = SlaClock::start(ClockId::new(1), Metric::Resolution, TimeDelta::hours(40),
    ///     CalendarName::always(), at, Some(at + TimeDelta::hours(40)));
    /// assert_eq!(clock.channel(), None);
    /// ```
    #[must_use]
    pub fn channel(&self) -> Option<Channel> {
        self.channel
    }

    /// The owner's tier a [`Metric::TierOwnership`] clock measures; `None`
    /// for the other metrics.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{CalendarName, ClockId, Metric, SlaClock};
    /// let at = Utc.with_ymd_and_hms(2021, 3, 4, 20, 10, 0).unwrap();
    /// let clock = SlaClock::start(ClockId::new(1), Metric::Resolution, TimeDelta::hours(40),
    ///     CalendarName::always(), at, Some(at + TimeDelta::hours(40)));
    /// assert_eq!(clock.tier(), None);
    /// ```
    #[must_use]
    pub fn tier(&self) -> Option<&Tier> {
        self.tier.as_ref()
    }

    /// The target, in business time on the clock's calendar.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].target(), chrono::TimeDelta::hours(4));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn target(&self) -> TimeDelta {
        self.target
    }

    /// The name of the policy calendar it runs on.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].calendar(), "seller");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn calendar(&self) -> &CalendarName {
        &self.calendar
    }

    /// When it started.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].started_at(), now); // when the email arrived
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// Running, paused or stopped.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, ClockState, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// // Running since the email, due Tue 12:00 New York.
    /// let ClockState::Running { since, consumed, due } = case.clocks()[0].state() else { panic!() };
    /// assert_eq!((since, consumed), (now, chrono::TimeDelta::zero()));
    /// let t: DateTime<Utc> = "2021-06-22T16:00:00Z".parse()?;
    /// assert_eq!(due, Some(t));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn state(&self) -> ClockState {
        self.state
    }

    /// The warnings fired so far in this cycle.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert!(case.clocks()[0].warned().is_empty());
    /// // Tue 11:30 New York: past the 75% warning (11:00), before the due instant (12:00).
    /// for event in case.tick(&policy, "2021-06-22T15:30:00Z".parse()?) { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].warned(), &[Threshold::Percent(75)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn warned(&self) -> &[Threshold] {
        &self.warned
    }

    /// When the breach was recorded (the due instant), if it was.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].breached_at(), None);
    /// // Nobody answers; the host ticks the case at Tue 13:00 New York.
    /// for event in case.tick(&policy, "2021-06-22T17:00:00Z".parse()?) { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].breached_at(), Some("2021-06-22T16:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn breached_at(&self) -> Option<DateTime<Utc>> {
        self.breached_at
    }

    /// When it is due; `None` while paused before the due instant (the
    /// pause moves it), or for a calendar that never opens again.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// // 4 business hours from Mon 20:00: Tue 08:00 to 12:00 New York.
    /// assert_eq!(case.clocks()[0].due(), Some("2021-06-22T16:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn due(&self) -> Option<DateTime<Utc>> {
        match self.state {
            ClockState::Running { due, .. }
            | ClockState::Paused { due, .. }
            | ClockState::Stopped { due, .. } => due,
        }
    }

    /// Business time used at `now` (for a stopped clock, in all), saturating
    /// at `TimeDelta::MAX` (only a clock built with such extremes, never one
    /// a case replays from its events, gets near it).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// let clock = &case.clocks()[0];
    /// let cal = policy.calendar(clock.calendar()).unwrap();
    /// // The night and the time before the 08:00 opening do not count.
    /// assert_eq!(clock.elapsed(cal, "2021-06-22T12:00:00Z".parse()?), chrono::TimeDelta::zero());
    /// assert_eq!(clock.elapsed(cal, "2021-06-22T13:30:00Z".parse()?), chrono::TimeDelta::minutes(90));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn elapsed(&self, calendar: &BusinessCalendar, now: DateTime<Utc>) -> TimeDelta {
        match self.state {
            ClockState::Running {
                since, consumed, ..
            } => saturating_add(consumed, calendar.elapsed(since, now)),
            ClockState::Paused { .. } | ClockState::Stopped { .. } => self.consumed(),
        }
    }

    /// Business time left at `now`: the target less the time used; negative
    /// once overdue. Saturates at the ends of `TimeDelta`'s range instead of
    /// overflowing (a clock built with such extremes).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// let clock = &case.clocks()[0];
    /// let cal = policy.calendar(clock.calendar()).unwrap();
    /// assert_eq!(clock.remaining(cal, "2021-06-22T13:30:00Z".parse()?), chrono::TimeDelta::minutes(150));
    /// // An hour past the due instant (Tue 13:00 New York):
    /// assert_eq!(clock.remaining(cal, "2021-06-22T17:00:00Z".parse()?), chrono::TimeDelta::hours(-1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn remaining(&self, calendar: &BusinessCalendar, now: DateTime<Utc>) -> TimeDelta {
        saturating_sub(self.target, self.elapsed(calendar, now))
    }

    /// How late it was met, in business time, if it was met late.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].lateness(), None);
    /// // The answer comes at Tue 13:00 New York, an hour after the due instant.
    /// let reply: Command = serde_json::from_str(r#"{"id": "c-2", "actor": "system", "at": "2021-06-22T17:00:00Z",
    ///     "kind": {"type": "respond", "channel": "email", "note": "here is how", "kind": "answer"}}"#)?;
    /// let now = reply.at();
    /// for event in case.handle(&policy, reply, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks()[0].lateness(), Some(chrono::TimeDelta::hours(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lateness(&self) -> Option<TimeDelta> {
        match self.state {
            ClockState::Stopped { late_by, .. } => late_by,
            _ => None,
        }
    }

    /// How late it would be met if it stopped at `at`, in business time on
    /// `calendar`: a running clock past its due instant by the business
    /// time since then; a clock paused at or after its due instant by the
    /// business time between the two; otherwise `None`. For a stopped clock,
    /// its [`lateness`](Self::lateness).
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{BusinessCalendar, ClockId, Metric, SlaClock};
    /// let seller = BusinessCalendar::builder(chrono_tz::America::New_York)
    ///     .weekdays(&["08:00-17:00"]).build()?;
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let due = seller.add(at, TimeDelta::hours(4))?; // Tue 12:00 New York
    /// let clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "seller".parse()?, at, Some(due));
    /// assert_eq!(clock.late_by(&seller, due), None);
    /// assert_eq!(clock.late_by(&seller, due + TimeDelta::minutes(90)), Some(TimeDelta::minutes(90)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn late_by(&self, calendar: &BusinessCalendar, at: DateTime<Utc>) -> Option<TimeDelta> {
        match self.state {
            ClockState::Running { due, .. } => due
                .filter(|due| at > *due)
                .map(|due| calendar.elapsed(due, at)),
            ClockState::Paused { since, due, .. } => due.map(|due| calendar.elapsed(due, since)),
            ClockState::Stopped { late_by, .. } => late_by,
        }
    }

    /// When the clock is due if it runs again from `at`: a paused clock that
    /// kept its due instant keeps it; otherwise the target less the time
    /// used, counted on `calendar` from `at` (`None` when the calendar cannot
    /// supply it, or only after 9999-12-31 23:59:59 UTC, the last time an
    /// event may carry: the clock is never due). A running clock's due
    /// instant does not change.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{BusinessCalendar, ClockId, Metric, SlaClock};
    /// let always = BusinessCalendar::always();
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
    /// let mut clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "always".parse()?, at, Some(at + TimeDelta::hours(4)));
    /// clock.pause(at + TimeDelta::hours(1), TimeDelta::hours(1));
    /// let back = at + TimeDelta::hours(10);
    /// assert_eq!(clock.due_on_resume(&always, back), Some(back + TimeDelta::hours(3)));
    /// // Three hours left from 23:00 on the last day of 9999: never due.
    /// let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 0, 0).unwrap();
    /// assert_eq!(clock.due_on_resume(&always, last), None);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn due_on_resume(
        &self,
        calendar: &BusinessCalendar,
        at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match self.state {
            ClockState::Running { due, .. }
            | ClockState::Paused {
                due: due @ Some(_), ..
            } => due,
            ClockState::Paused { consumed, .. } | ClockState::Stopped { consumed, .. } => {
                let left = saturating_sub(self.target, consumed).max(TimeDelta::zero());
                calendar
                    .add(at, left)
                    .ok()
                    .and_then(super::by_the_end_of_9999)
            }
        }
    }

    /// When a warning at `threshold` fires for this clock as it runs now, on
    /// `calendar`; `None` when it is not running, when the calendar cannot
    /// supply the time, or when that instant falls after the due instant
    /// (or the clock is never due): such warnings never fire. A threshold
    /// already used up fires at once (at the start or the resume).
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use escalate::sla::{BusinessCalendar, ClockId, Metric, SlaClock, Threshold};
    /// let seller = BusinessCalendar::builder(chrono_tz::America::New_York)
    ///     .weekdays(&["08:00-17:00"]).build()?;
    /// let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap(); // Mon 20:00 New York
    /// let due = seller.add(at, TimeDelta::hours(4))?;
    /// let clock = SlaClock::start(ClockId::new(1), Metric::FirstResponse, TimeDelta::hours(4),
    ///     "seller".parse()?, at, Some(due));
    /// // 75% of four business hours: Tuesday 11:00 New York.
    /// assert_eq!(clock.warns_at(&seller, Threshold::Percent(75)),
    ///     Some(Utc.with_ymd_and_hms(2021, 6, 22, 15, 0, 0).unwrap()));
    /// assert_eq!(clock.warns_at(&seller, Threshold::Percent(120)), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn warns_at(
        &self,
        calendar: &BusinessCalendar,
        threshold: Threshold,
    ) -> Option<DateTime<Utc>> {
        let ClockState::Running {
            since,
            consumed,
            due: Some(due),
        } = self.state
        else {
            return None;
        };
        let need = threshold.consumed_at(self.target);
        let at = if need <= consumed {
            Some(since)
        } else {
            calendar.add(since, saturating_sub(need, consumed)).ok()
        };
        at.filter(|at| *at <= due)
    }

    /// Business time used before the current run (in all, once stopped).
    fn consumed(&self) -> TimeDelta {
        match self.state {
            ClockState::Running { consumed, .. }
            | ClockState::Paused { consumed, .. }
            | ClockState::Stopped { consumed, .. } => consumed,
        }
    }

    /// Its earliest warning still to fire under the policy of fingerprint
    /// `policy`: kept from the last time it was worked out (by `make`) while
    /// the clock has not changed since.
    pub(crate) fn next_warning(
        &self,
        policy: u64,
        make: impl FnOnce() -> NextWarning,
    ) -> NextWarning {
        self.next_warning
            .get_or(|(p, _)| *p == policy, || (policy, make()))
            .1
    }

    /// Whether it still counts or can still breach (not stopped).
    pub(crate) fn is_live(&self) -> bool {
        !matches!(self.state, ClockState::Stopped { .. })
    }

    /// Whether it is counting business time now.
    pub(crate) fn is_running(&self) -> bool {
        matches!(self.state, ClockState::Running { .. })
    }
}

/// `a + b`, or the end of `TimeDelta`'s range it overflows towards.
fn saturating_add(a: TimeDelta, b: TimeDelta) -> TimeDelta {
    a.checked_add(&b).unwrap_or(if b < TimeDelta::zero() {
        TimeDelta::MIN
    } else {
        TimeDelta::MAX
    })
}

/// `a - b`, or the end of `TimeDelta`'s range it overflows towards.
fn saturating_sub(a: TimeDelta, b: TimeDelta) -> TimeDelta {
    a.checked_sub(&b).unwrap_or(if b < TimeDelta::zero() {
        TimeDelta::MAX
    } else {
        TimeDelta::MIN
    })
}

/// Serde for durations in events: whole seconds as an integer.
pub(crate) mod seconds {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let secs = i64::deserialize(d)?;
        TimeDelta::try_seconds(secs)
            .ok_or_else(|| serde::de::Error::custom(format!("{secs} seconds is out of range")))
    }

    /// The same for an optional duration.
    pub(crate) mod option {
        use chrono::TimeDelta;
        use serde::{Deserialize, Deserializer, Serializer};

        #[allow(clippy::ref_option)] // the signature serde's `with` expects
        pub(crate) fn serialize<S: Serializer>(
            d: &Option<TimeDelta>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_some(&d.num_seconds()),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<TimeDelta>, D::Error> {
            Option::<i64>::deserialize(d)?
                .map(|secs| {
                    TimeDelta::try_seconds(secs).ok_or_else(|| {
                        serde::de::Error::custom(format!("{secs} seconds is out of range"))
                    })
                })
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone, Utc};

    use super::{ClockId, SlaClock};
    use crate::sla::{BusinessCalendar, CalendarName, Metric, Threshold};

    /// Clocks built through the public API with the extremes of `TimeDelta`
    /// (no case replays such a clock from its events: `apply` refuses the
    /// durations) answer without overflowing.
    #[test]
    fn arithmetic_at_the_ends_of_time_delta_saturates() {
        let always = BusinessCalendar::always();
        let at = Utc.with_ymd_and_hms(2021, 6, 22, 0, 0, 0).unwrap();
        let later = at + TimeDelta::hours(1);
        let clock = |target, consumed| {
            let mut c = SlaClock::start(
                ClockId::new(1),
                Metric::Resolution,
                target,
                CalendarName::always(),
                at,
                Some(later),
            );
            c.pause(at, consumed);
            c.resume(at, Some(later));
            c
        };
        let full = clock(TimeDelta::MAX, TimeDelta::MAX);
        assert_eq!(full.elapsed(&always, later), TimeDelta::MAX);
        assert_eq!(full.remaining(&always, later), TimeDelta::zero());
        let owed = clock(TimeDelta::MIN, TimeDelta::hours(1));
        assert_eq!(owed.remaining(&always, later), TimeDelta::MIN);
        let credit = clock(TimeDelta::MAX, TimeDelta::MIN);
        assert_eq!(credit.remaining(&always, later), TimeDelta::MAX);
        assert_eq!(credit.warns_at(&always, Threshold::Percent(75)), None);
        let mut paused = clock(TimeDelta::MAX, TimeDelta::MIN);
        paused.pause(at, TimeDelta::MIN);
        assert_eq!(paused.due_on_resume(&always, later), None);
    }
}
