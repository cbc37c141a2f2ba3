//! SLA clocks: one timer for one metric on one calendar, with pauses,
//! warnings, a breach, and a record of how late it was met.

use chrono::{DateTime, TimeDelta, Utc};

use super::{BusinessCalendar, CalendarName, Metric, Threshold};
use crate::PromiseId;

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
/// use escalate::sla::{ClockState, Metric};
/// # use escalate::doc_support::{sla_case, at};
/// let (case, policy) = sla_case()?; // an email at Mon 20:00 New York, 4 business hours
/// let clock = &case.clocks()[0];
/// assert_eq!(clock.metric(), Metric::FirstResponse);
/// assert_eq!(clock.due(), Some(at("2021-06-22T16:00:00Z"))); // Tue 12:00 New York
/// let cal = policy.calendar(clock.calendar()).unwrap();
/// assert_eq!(clock.elapsed(cal, at("2021-06-22T13:30:00Z")), chrono::TimeDelta::minutes(90));
/// assert_eq!(clock.remaining(cal, at("2021-06-22T13:30:00Z")), chrono::TimeDelta::minutes(150));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlaClock {
    pub(crate) id: ClockId,
    pub(crate) metric: Metric,
    pub(crate) promise: Option<PromiseId>,
    pub(crate) target: TimeDelta,
    pub(crate) calendar: CalendarName,
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) state: ClockState,
    pub(crate) warned: Vec<Threshold>,
    pub(crate) breached_at: Option<DateTime<Utc>>,
}

/// Whether a clock is running, paused or stopped, with what each state needs.
///
/// # Example
/// ```
/// use escalate::sla::ClockState;
/// # use escalate::doc_support::sla_case;
/// let (case, _) = sla_case()?;
/// assert!(matches!(case.clocks()[0].state(), ClockState::Running { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockState {
    /// Counting business time.
    Running {
        /// Since when (the start or the last resume).
        since: DateTime<Utc>,
        /// Business time used before `since`.
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
        consumed: TimeDelta,
        /// The due instant in force when it stopped, if one was.
        due: Option<DateTime<Utc>>,
        /// Business time past the due instant, when it was met late.
        late_by: Option<TimeDelta>,
    },
}

impl SlaClock {
    /// The clock's number within the case.
    ///
    /// # Example
    /// ```
    /// # use escalate::doc_support::sla_case;
    /// assert_eq!(sla_case()?.0.clocks()[0].id(), escalate::sla::ClockId::new(1));
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
    /// # use escalate::doc_support::sla_case;
    /// assert_eq!(sla_case()?.0.clocks()[0].metric(), escalate::sla::Metric::FirstResponse);
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
    /// # use escalate::doc_support::sla_case;
    /// assert_eq!(sla_case()?.0.clocks()[0].promise(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn promise(&self) -> Option<PromiseId> {
        self.promise
    }

    /// The target, in business time on the clock's calendar.
    ///
    /// # Example
    /// ```
    /// # use escalate::doc_support::sla_case;
    /// assert_eq!(sla_case()?.0.clocks()[0].target(), chrono::TimeDelta::hours(4));
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
    /// # use escalate::doc_support::sla_case;
    /// assert_eq!(sla_case()?.0.clocks()[0].calendar(), "seller");
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
    /// # use escalate::doc_support::{sla_case, at};
    /// assert_eq!(sla_case()?.0.clocks()[0].started_at(), at("2021-06-22T00:00:00Z"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// Running, paused or stopped.
    ///
    /// # Example
    /// See [`ClockState`].
    /// ```
    /// # let _ = escalate::sla::SlaClock::state;
    /// ```
    #[must_use]
    pub fn state(&self) -> ClockState {
        self.state
    }

    /// The warnings fired so far in this cycle.
    ///
    /// # Example
    /// ```
    /// # use escalate::doc_support::sla_case;
    /// assert!(sla_case()?.0.clocks()[0].warned().is_empty());
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
    /// # use escalate::doc_support::sla_case;
    /// assert_eq!(sla_case()?.0.clocks()[0].breached_at(), None);
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
    /// # use escalate::doc_support::{sla_case, at};
    /// assert_eq!(sla_case()?.0.clocks()[0].due(), Some(at("2021-06-22T16:00:00Z")));
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

    /// Business time used at `now` (for a stopped clock, in all).
    ///
    /// # Example
    /// See [`SlaClock`].
    /// ```
    /// # let _ = escalate::sla::SlaClock::elapsed;
    /// ```
    #[must_use]
    pub fn elapsed(&self, calendar: &BusinessCalendar, now: DateTime<Utc>) -> TimeDelta {
        match self.state {
            ClockState::Running {
                since, consumed, ..
            } => consumed + calendar.elapsed(since, now),
            ClockState::Paused { consumed, .. } | ClockState::Stopped { consumed, .. } => consumed,
        }
    }

    /// Business time left at `now`: the target less the time used; negative
    /// once overdue.
    ///
    /// # Example
    /// See [`SlaClock`].
    /// ```
    /// # let _ = escalate::sla::SlaClock::remaining;
    /// ```
    #[must_use]
    pub fn remaining(&self, calendar: &BusinessCalendar, now: DateTime<Utc>) -> TimeDelta {
        self.target - self.elapsed(calendar, now)
    }

    /// How late it was met, in business time, if it was met late.
    ///
    /// # Example
    /// ```
    /// # use escalate::doc_support::sla_case;
    /// assert_eq!(sla_case()?.0.clocks()[0].lateness(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lateness(&self) -> Option<TimeDelta> {
        match self.state {
            ClockState::Stopped { late_by, .. } => late_by,
            _ => None,
        }
    }

    /// Whether it still counts or can still breach (not stopped).
    pub(crate) fn is_live(&self) -> bool {
        !matches!(self.state, ClockState::Stopped { .. })
    }
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
