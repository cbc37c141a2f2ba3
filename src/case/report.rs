//! The SLA attainment report: per metric and tier, how many clocks were
//! met, met late, breached, still open or cancelled, and how long the met
//! ones took, read from stored events.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::{Event, EventKind};
use crate::customer::PromiseId;
use crate::ids::{CaseId, Tier};
use crate::sla::{ClockId, Metric, format_span};

/// An SLA attainment report: for each [`Metric`] and tier, how many clocks
/// were met, met late, breached, are still open, or were cancelled; the
/// attainment percentage; and percentiles of the business time the met
/// clocks took (time to response for the response metrics).
///
/// Build it from stored events: one case's log ([`from_events`](Self::from_events)),
/// many ([`from_cases`](Self::from_cases), [`add_case`](Self::add_case)),
/// or by merging reports ([`merge`](Self::merge)): the report of many cases
/// is the sum of their reports. It reads events only, in one pass, and
/// needs no policy. Its JSON form (serde) carries the counts, the figures
/// derived from them and every met clock's time, so that reports merged
/// after a round trip through JSON are exact; [`Display`](fmt::Display)
/// writes a table.
///
/// # Outcomes
/// Each clock a case started counts once, in the outcome it has at the end
/// of the log:
/// - **met**: stopped by what it waits for (a response stops the response
///   metrics, resolving stops resolution, keeping a promise stops its
///   clock) before its due instant;
/// - **met late**: so stopped after it breached (or with a `late_by`);
/// - **breached**: it breached and has not been met: it is still running or
///   paused, or the case was resolved, closed or moved to a policy without
///   the metric after the breach; a broken promise counts here too, also
///   when the `break_promise` command came before the promise was due;
/// - **open**: still running or paused, and not breached (yet);
/// - **cancelled**: stopped without being met and before any breach:
///   resolving stops the response clocks (no reply was given), closing
///   stops every clock, adopting a policy stops the metrics it lacks, a
///   priority change stops the metrics with no target at the new priority.
///
/// A stop is "met" unless resolving, closing, adopting a policy or changing
/// the priority caused it
/// (or it is a promise's, which is met only when the promise was kept):
/// a metric added to [`Metric`] needs nothing here to be reported.
///
/// A clock past its due instant whose breach is not in the log (the host
/// has not ticked since) is open: tick the case (`Case::tick`) and keep the
/// events before reporting on it "as of now".
///
/// # JSON
/// `{"cases": 3, "rows": [...]}`, each row with its `metric`, its `tier`
/// (`null` for unowned), the counts (`met`, `met_late`, `breached`, `open`,
/// `cancelled`), the figures derived from them (`attainment_percent`,
/// `p50_seconds`, `p90_seconds`; `null` when there is none) and
/// `met_after_seconds`, the business time of every met and met-late clock,
/// shortest first. On input the derived figures may be left out; given,
/// they must agree with the counts, and `met_after_seconds` must hold one
/// time per met or met-late clock ([`ReportError::Inconsistent`]).
///
/// # Tiers
/// A clock counts for the tier of the case's owner when its outcome was
/// decided: when it was met, met late or cancelled (its stop), when it
/// breached (for a breached clock), or at the end of the log (for an open
/// one). A case without an owner then counts as unowned (`None`; `null` in
/// JSON, `(unowned)` in the table). A
/// [tier-ownership](Metric::TierOwnership) clock counts for the tier it
/// measures instead: the escalation that meets it hands the case to
/// another tier.
///
/// # Attainment and percentiles
/// Attainment is met / (met + met late + breached), as a percentage: open
/// and cancelled clocks are not counted, and with nothing decided there is
/// none. The percentiles are over the business time (`consumed_seconds`)
/// of the met and met-late clocks, by nearest rank: the p-th percentile of
/// n times is the ⌈p·n/100⌉-th shortest, a time some clock really took.
/// Breached clocks never met are left out (their time is unknown).
///
/// # Example
/// Three emails on Monday 2021-03-01 to a desk that answers within 4
/// business hours (weekdays 09:00-17:00 UTC): one answered in 1 hour, one
/// answered late after its breach, one not answered yet.
/// ```
/// use chrono::{DateTime, Utc};
/// use escalate::{Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue};
/// use escalate::{Origin, Priority, ResponseKind, SlaReport};
/// use escalate::policy::Policy;
/// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target};
/// let hours = BusinessCalendar::builder("UTC".parse()?).weekdays(&["09:00-17:00"]).build()?;
/// let policy = Policy::new("desk", ["frontline", "supervisor"])?
///     .with_calendar("business".parse()?, hours)?
///     .with_sla(MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "business".parse()?)))?;
/// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
/// let mut report = SlaReport::new();
/// for (id, answered) in [("A-1", Some("2021-03-01T10:00:00Z")), ("A-2", Some("2021-03-01T15:00:00Z")), ("A-3", None)] {
///     let mut case = Case::new(id.parse()?);
///     let mut log = Vec::new();
///     let mut steps = vec![
///         (Actor::Customer, "2021-03-01T09:00:00Z", CommandKind::Open {
///             customer: Customer::new("cust".parse()?, CustomerValue::Standard),
///             origin: Origin::Contact { channel: Channel::Email },
///             summary: "it broke".into(), priority: Priority::Normal }),
///         (Actor::System, "2021-03-01T09:05:00Z", CommandKind::Assign { to: sam.clone() }),
///     ];
///     if let Some(at) = answered {
///         steps.push((Actor::Agent(sam.clone()), at, CommandKind::Respond {
///             channel: Channel::Email, note: "fixed".into(), kind: ResponseKind::Answer }));
///     }
///     for (n, (actor, at, kind)) in steps.into_iter().enumerate() {
///         let now: DateTime<Utc> = at.parse()?;
///         for e in case.handle(&policy, Command::new(format!("c-{n}").parse()?, actor, now, kind), now)? {
///             case.apply(&e)?;
///             log.push(e);
///         }
///     }
///     report.add_case(&log)?;
/// }
/// let row = report.row(Metric::FirstResponse, Some(&"frontline".parse()?)).unwrap();
/// let tally = row.tally();
/// assert_eq!((tally.met(), tally.met_late(), tally.breached(), tally.open()), (1, 1, 0, 1));
/// assert_eq!(tally.attainment_percent(), Some(50.0));
/// assert_eq!(tally.p50(), Some(chrono::TimeDelta::hours(1)));
/// assert_eq!(tally.p90(), Some(chrono::TimeDelta::hours(6))); // 09:00 to 15:00
/// assert_eq!(report.to_string(), "\
/// metric          tier       met  late  breached  open  cancelled  attained  p50  p90
/// first response  frontline    1     1         0     1          0     50.0%  1h   6h
/// ");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReportJson", into = "ReportJson")]
pub struct SlaReport {
    cases: u64,
    /// Ordered by metric ([`rank`]), then tier (unowned first).
    rows: Vec<SlaRow>,
}

/// One line of an [`SlaReport`]: a metric, a tier, and its [`SlaTally`].
///
/// # Example
/// ```
/// use escalate::SlaReport;
/// use escalate::sla::Metric;
/// let report: SlaReport = serde_json::from_str(r#"{"cases": 1, "rows": [{"metric": "resolution",
///   "tier": null, "met": 0, "met_late": 0, "breached": 0, "open": 1, "cancelled": 0,
///   "attainment_percent": null, "p50_seconds": null, "p90_seconds": null, "met_after_seconds": []}]}"#)?;
/// let row = &report.rows()[0];
/// assert_eq!(row.metric(), Metric::Resolution);
/// assert_eq!(row.tier(), None); // nobody owned the case
/// assert_eq!(row.tally().open(), 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RowJson", into = "RowJson")]
pub struct SlaRow {
    metric: Metric,
    tier: Option<Tier>,
    tally: SlaTally,
}

/// The counts of one metric (at one tier, or all of them): clocks met, met
/// late, breached, open and cancelled (see [`SlaReport`]'s "Outcomes"), and
/// the business time each met or met-late clock took.
///
/// # Example
/// ```
/// use chrono::TimeDelta;
/// use escalate::SlaTally;
/// // Five clocks met after 1h, 2h, 3h, 4h and 10h; one breached.
/// let tally: SlaTally = serde_json::from_str(r#"{"met": 4, "met_late": 1, "breached": 1, "open": 0,
///   "cancelled": 0, "met_after_seconds": [3600, 7200, 10800, 14400, 36000]}"#)?;
/// assert_eq!(tally.decided(), 6);
/// assert_eq!(tally.attainment_percent(), Some(400.0 / 6.0));
/// // Nearest rank: p50 is the 3rd of 5 (⌈2.5⌉), p90 the 5th (⌈4.5⌉).
/// assert_eq!(tally.p50(), Some(TimeDelta::hours(3)));
/// assert_eq!(tally.p90(), Some(TimeDelta::hours(10)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TallyJson", into = "TallyJson")]
pub struct SlaTally {
    met: u64,
    met_late: u64,
    breached: u64,
    open: u64,
    cancelled: u64,
    /// Business seconds to the stop of each met or met-late clock: how many
    /// clocks took each.
    met_after: BTreeMap<u64, u64>,
}

/// A log an [`SlaReport`] cannot read, or a report's JSON that does not
/// add up.
///
/// # Example
/// ```
/// use escalate::{ReportError, SlaReport};
/// assert_eq!(SlaReport::from_events(&[]), Err(ReportError::Empty));
/// assert_eq!(ReportError::Empty.to_string(),
///     "cannot report on an empty log: its first event must be `opened`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// No events at all.
    #[error("cannot report on an empty log: its first event must be `opened`")]
    Empty,
    /// The first event does not open a case.
    #[error("cannot report on a log whose first event (version {version}) is not `opened`")]
    NotOpened {
        /// The first event's version.
        version: u64,
    },
    /// An event's version does not follow the one before it (1, 2, 3, ...).
    #[error("case {case}: event version {found} follows version {previous}: expected {expected}")]
    Version {
        /// The case.
        case: CaseId,
        /// The version before it (0 before the first event).
        previous: u64,
        /// The version it should have.
        expected: u64,
        /// The version it has.
        found: u64,
    },
    /// A second `opened` event.
    #[error(
        "case {case}: event version {version} opens case {opens}: an `opened` event comes first and only once"
    )]
    OpenedAgain {
        /// The case of the log.
        case: CaseId,
        /// The event's version.
        version: u64,
        /// The case it opens.
        opens: CaseId,
    },
    /// A clock started with another number than the case's next one.
    #[error("case {case}: event version {version} starts {found}: expected {expected}")]
    ClockNumber {
        /// The case.
        case: CaseId,
        /// The event's version.
        version: u64,
        /// The number the clock should have.
        expected: ClockId,
        /// The number it has.
        found: ClockId,
    },
    /// An event about a clock that has not started.
    #[error("case {case}: event version {version} names {clock}, which has not started")]
    UnknownClock {
        /// The case.
        case: CaseId,
        /// The event's version.
        version: u64,
        /// The clock it names.
        clock: ClockId,
    },
    /// A negative business time.
    #[error(
        "case {case}: event version {version} stops {clock} after {consumed}s, a negative time"
    )]
    NegativeTime {
        /// The case.
        case: CaseId,
        /// The event's version.
        version: u64,
        /// The clock.
        clock: ClockId,
        /// The business time it carries, in seconds.
        consumed: i64,
    },
    /// A report's JSON whose figures do not add up.
    #[error("{row}: {problem}")]
    Inconsistent {
        /// Which row (`rows[2]`, or `tally` for a tally alone).
        row: String,
        /// What does not add up.
        problem: String,
    },
}

impl SlaReport {
    /// An empty report: no cases, no rows.
    ///
    /// # Example
    /// ```
    /// let report = escalate::SlaReport::new();
    /// assert_eq!(report.cases(), 0);
    /// assert!(report.rows().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> SlaReport {
        SlaReport::default()
    }

    /// The report of one case, from its whole log (as `Case::replay` takes
    /// it: from `opened`, versions 1, 2, 3, ...).
    ///
    /// # Errors
    /// [`ReportError`] naming the case and the event's version when the log
    /// is empty, does not start with `opened`, skips or repeats a version,
    /// numbers a clock out of order, names a clock that has not started, or
    /// carries a negative business time.
    ///
    /// # Example
    /// ```
    /// use escalate::{Event, ReportError, SlaReport};
    /// use escalate::sla::Metric;
    /// // A stored log: an email at 09:00, a 4-business-hour first-response
    /// // clock, sam's answer at 10:00.
    /// let log: Vec<Event> = serde_json::from_str(r#"[
    ///   {"version": 1, "at": "2021-03-01T09:00:00Z", "actor": "customer", "kind": {"type": "opened",
    ///    "case": "A-1", "customer": {"id": "cust", "value": "standard"}, "origin": {"type": "contact", "channel": "email"},
    ///    "summary": "it broke", "policy": "desk", "time_zone": "UTC"}},
    ///   {"version": 2, "at": "2021-03-01T09:00:00Z", "actor": "system", "kind": {"type": "clock_started",
    ///    "clock": 1, "metric": "first_response", "target_seconds": 14400, "calendar": "business", "due": "2021-03-01T13:00:00Z"}},
    ///   {"version": 3, "at": "2021-03-01T10:00:00Z", "actor": {"agent": {"id": "sam", "tier": "frontline"}},
    ///    "kind": {"type": "responded", "channel": "email", "note": "fixed", "kind": "answer"}},
    ///   {"version": 4, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "clock_stopped",
    ///    "clock": 1, "consumed_seconds": 3600}}
    /// ]"#)?;
    /// let report = SlaReport::from_events(&log)?;
    /// let tally = report.row(Metric::FirstResponse, None).unwrap().tally(); // never assigned
    /// assert_eq!(tally.met(), 1);
    /// assert_eq!(tally.p50(), Some(chrono::TimeDelta::hours(1)));
    /// // Without its clock's start, the stop names an unknown clock.
    /// let forged = [log[0].clone(), escalate::Event::new(2, log[3].at(), escalate::Actor::System, None, log[3].kind().clone())];
    /// assert_eq!(SlaReport::from_events(&forged).unwrap_err().to_string(),
    ///     "case A-1: event version 2 names clock #1, which has not started");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_events(events: &[Event]) -> Result<SlaReport, ReportError> {
        let mut report = SlaReport::new();
        report.add_case(events)?;
        Ok(report)
    }

    /// The report of many cases, one log each (in any order).
    ///
    /// # Errors
    /// The first [`ReportError`] of any log, as [`from_events`](Self::from_events).
    ///
    /// # Example
    /// ```
    /// use escalate::{Event, SlaReport};
    /// let opened = |case: &str| format!(r#"[{{"version": 1, "at": "2021-03-01T09:00:00Z", "actor": "customer",
    ///   "kind": {{"type": "opened", "case": "{case}", "customer": {{"id": "cust", "value": "standard"}},
    ///   "origin": {{"type": "contact", "channel": "email"}}, "summary": "it broke", "policy": "desk", "time_zone": "UTC"}}}}]"#);
    /// let logs: Vec<Vec<Event>> = vec![serde_json::from_str(&opened("A-1"))?, serde_json::from_str(&opened("A-2"))?];
    /// let report = SlaReport::from_cases(&logs)?;
    /// assert_eq!(report.cases(), 2);
    /// assert!(report.rows().is_empty()); // the policy started no clock
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_cases<L: AsRef<[Event]>>(
        logs: impl IntoIterator<Item = L>,
    ) -> Result<SlaReport, ReportError> {
        let mut report = SlaReport::new();
        for log in logs {
            report.add_case(log.as_ref())?;
        }
        Ok(report)
    }

    /// Adds one case's whole log to the report. Each case's log is added
    /// once: a log added twice counts twice.
    ///
    /// # Errors
    /// [`ReportError`] as [`from_events`](Self::from_events); the report
    /// is then left as it was.
    ///
    /// # Example
    /// ```
    /// use escalate::{Event, SlaReport};
    /// let log: Vec<Event> = serde_json::from_str(r#"[{"version": 1, "at": "2021-03-01T09:00:00Z", "actor": "customer",
    ///   "kind": {"type": "opened", "case": "A-1", "customer": {"id": "cust", "value": "standard"},
    ///   "origin": {"type": "contact", "channel": "email"}, "summary": "it broke", "policy": "desk", "time_zone": "UTC"}},
    ///   {"version": 3, "at": "2021-03-01T10:00:00Z", "actor": "customer", "kind": {"type": "reopened"}}]"#)?;
    /// let mut report = SlaReport::new();
    /// let err = report.add_case(&log).unwrap_err();
    /// assert_eq!(err.to_string(), "case A-1: event version 3 follows version 1: expected 2");
    /// assert_eq!(report, SlaReport::new());
    /// report.add_case(&log[..1])?;
    /// assert_eq!(report.cases(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_case(&mut self, events: &[Event]) -> Result<(), ReportError> {
        let outcomes = read_case(events)?;
        self.cases = self.cases.saturating_add(1);
        for (metric, tier, outcome) in outcomes {
            self.row_mut(metric, tier).tally.count(outcome);
        }
        Ok(())
    }

    /// Adds another report's cases and counts to this one: reporting on
    /// cases in parts and merging gives the report of all of them.
    ///
    /// # Example
    /// ```
    /// use escalate::SlaReport;
    /// // Two cases answered by frontline, in 1h and in 2h, reported apart.
    /// let json = |secs: u64| format!(r#"{{"cases": 1, "rows": [{{"metric": "first_response",
    ///   "tier": "frontline", "met": 1, "met_late": 0, "breached": 0, "open": 0, "cancelled": 0,
    ///   "met_after_seconds": [{secs}]}}]}}"#);
    /// let mut report: SlaReport = serde_json::from_str(&json(3600))?;
    /// report.merge(&serde_json::from_str(&json(7200))?);
    /// assert_eq!(report.cases(), 2);
    /// assert_eq!(report.rows()[0].tally().met(), 2);
    /// assert_eq!(report.rows()[0].tally().p50(), Some(chrono::TimeDelta::hours(1)));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn merge(&mut self, other: &SlaReport) {
        self.cases = self.cases.saturating_add(other.cases);
        for row in &other.rows {
            self.row_mut(row.metric, row.tier.clone())
                .tally
                .merge(&row.tally);
        }
    }

    /// How many cases the report counts.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaReport::new().cases(), 0);
    /// ```
    #[must_use]
    pub fn cases(&self) -> u64 {
        self.cases
    }

    /// The rows: by metric (first response, next response, periodic update,
    /// resolution, promise, tier ownership), then by tier (unowned first,
    /// then by name).
    /// Only metrics and tiers with at least one clock have a row.
    ///
    /// # Example
    /// ```
    /// assert!(escalate::SlaReport::new().rows().is_empty());
    /// ```
    #[must_use]
    pub fn rows(&self) -> &[SlaRow] {
        &self.rows
    }

    /// The row of a metric at a tier (`None`: unowned), if it has clocks.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::Metric;
    /// assert!(escalate::SlaReport::new().row(Metric::FirstResponse, None).is_none());
    /// ```
    #[must_use]
    pub fn row(&self, metric: Metric, tier: Option<&Tier>) -> Option<&SlaRow> {
        let index = self.find(metric, tier).ok()?;
        self.rows.get(index)
    }

    /// A metric's counts over all tiers, if it has clocks.
    ///
    /// # Example
    /// ```
    /// use escalate::SlaReport;
    /// use escalate::sla::Metric;
    /// // Frontline answered in 1h and 3h; a supervisor late, after 5h.
    /// let report: SlaReport = serde_json::from_str(r#"{"cases": 3, "rows": [
    ///   {"metric": "next_response", "tier": "frontline", "met": 2, "met_late": 0, "breached": 0,
    ///    "open": 0, "cancelled": 0, "met_after_seconds": [3600, 10800]},
    ///   {"metric": "next_response", "tier": "supervisor", "met": 0, "met_late": 1, "breached": 0,
    ///    "open": 0, "cancelled": 0, "met_after_seconds": [18000]}]}"#)?;
    /// let all = report.total(Metric::NextResponse).unwrap();
    /// assert_eq!((all.met(), all.met_late()), (2, 1));
    /// assert_eq!(all.p50(), Some(chrono::TimeDelta::hours(3)));
    /// assert!(report.total(Metric::Resolution).is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn total(&self, metric: Metric) -> Option<SlaTally> {
        let mut rows = self.rows.iter().filter(|r| r.metric == metric).peekable();
        rows.peek()?;
        let mut total = SlaTally::default();
        for row in rows {
            total.merge(&row.tally);
        }
        Some(total)
    }

    /// Where the row of `metric` at `tier` is, or would go.
    fn find(&self, metric: Metric, tier: Option<&Tier>) -> Result<usize, usize> {
        self.rows.binary_search_by(|row| {
            (rank(row.metric), row.tier.as_ref()).cmp(&(rank(metric), tier))
        })
    }

    fn row_mut(&mut self, metric: Metric, tier: Option<Tier>) -> &mut SlaRow {
        let index = match self.find(metric, tier.as_ref()) {
            Ok(index) => index,
            Err(index) => {
                self.rows.insert(
                    index,
                    SlaRow {
                        metric,
                        tier,
                        tally: SlaTally::default(),
                    },
                );
                index
            }
        };
        &mut self.rows[index]
    }
}

/// The order of metrics in a report: the order a case meets them. The one
/// place a report lists the metrics: a new one is added here.
fn rank(metric: Metric) -> u8 {
    match metric {
        Metric::FirstResponse => 0,
        Metric::NextResponse => 1,
        Metric::PeriodicUpdate => 2,
        Metric::Resolution => 3,
        Metric::Promise => 4,
        Metric::TierOwnership => 5,
    }
}

impl SlaRow {
    /// The metric.
    ///
    /// # Example
    /// ```
    /// use escalate::SlaReport;
    /// use escalate::sla::Metric;
    /// let report: SlaReport = serde_json::from_str(r#"{"cases": 1, "rows": [{"metric": "promise",
    ///   "tier": "supervisor", "met": 1, "met_late": 0, "breached": 0, "open": 0, "cancelled": 0,
    ///   "attainment_percent": 100, "p50_seconds": 60, "p90_seconds": 60, "met_after_seconds": [60]}]}"#)?;
    /// assert_eq!(report.rows()[0].metric(), Metric::Promise);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The tier of the owner when each clock's outcome was decided; `None`
    /// for a case nobody owned then (see [`SlaReport`]'s "Tiers").
    ///
    /// # Example
    /// ```
    /// use escalate::SlaReport;
    /// let report: SlaReport = serde_json::from_str(r#"{"cases": 1, "rows": [{"metric": "promise",
    ///   "tier": "supervisor", "met": 1, "met_late": 0, "breached": 0, "open": 0, "cancelled": 0,
    ///   "attainment_percent": 100, "p50_seconds": 60, "p90_seconds": 60, "met_after_seconds": [60]}]}"#)?;
    /// assert_eq!(report.rows()[0].tier().map(|t| t.as_str()), Some("supervisor"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn tier(&self) -> Option<&Tier> {
        self.tier.as_ref()
    }

    /// The counts.
    ///
    /// # Example
    /// ```
    /// use escalate::SlaReport;
    /// let report: SlaReport = serde_json::from_str(r#"{"cases": 1, "rows": [{"metric": "promise",
    ///   "tier": "supervisor", "met": 1, "met_late": 0, "breached": 0, "open": 0, "cancelled": 0,
    ///   "attainment_percent": 100, "p50_seconds": 60, "p90_seconds": 60, "met_after_seconds": [60]}]}"#)?;
    /// assert_eq!(report.rows()[0].tally().met(), 1);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn tally(&self) -> &SlaTally {
        &self.tally
    }
}

impl SlaTally {
    /// Clocks met on time.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaTally::default().met(), 0);
    /// ```
    #[must_use]
    pub fn met(&self) -> u64 {
        self.met
    }

    /// Clocks met after they breached.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaTally::default().met_late(), 0);
    /// ```
    #[must_use]
    pub fn met_late(&self) -> u64 {
        self.met_late
    }

    /// Clocks that breached and were not met.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaTally::default().breached(), 0);
    /// ```
    #[must_use]
    pub fn breached(&self) -> u64 {
        self.breached
    }

    /// Clocks still running or paused, not breached.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaTally::default().open(), 0);
    /// ```
    #[must_use]
    pub fn open(&self) -> u64 {
        self.open
    }

    /// Clocks stopped without being met, before any breach (the case was
    /// resolved or closed first, or its new policy dropped the metric).
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaTally::default().cancelled(), 0);
    /// ```
    #[must_use]
    pub fn cancelled(&self) -> u64 {
        self.cancelled
    }

    /// Every clock counted: met, met late, breached, open and cancelled.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaTally::default().clocks(), 0);
    /// ```
    #[must_use]
    pub fn clocks(&self) -> u64 {
        self.decided()
            .saturating_add(self.open)
            .saturating_add(self.cancelled)
    }

    /// The clocks whose outcome counts toward attainment: met, met late
    /// and breached.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::SlaTally::default().decided(), 0);
    /// ```
    #[must_use]
    pub fn decided(&self) -> u64 {
        self.met
            .saturating_add(self.met_late)
            .saturating_add(self.breached)
    }

    /// Met as a percentage of decided (met + met late + breached); `None`
    /// when nothing is decided.
    ///
    /// # Example
    /// ```
    /// use escalate::SlaTally;
    /// let tally: SlaTally = serde_json::from_str(r#"{"met": 3, "met_late": 1, "breached": 0, "open": 2,
    ///   "cancelled": 1, "met_after_seconds": [60, 60, 120, 900]}"#)?;
    /// assert_eq!(tally.attainment_percent(), Some(75.0)); // open and cancelled do not count
    /// assert_eq!(SlaTally::default().attainment_percent(), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    pub fn attainment_percent(&self) -> Option<f64> {
        let decided = self.decided();
        (decided > 0).then(|| self.met as f64 * 100.0 / decided as f64)
    }

    /// The `p`-th percentile (nearest rank) of the business time the met
    /// and met-late clocks took: the ⌈p·n/100⌉-th shortest of the n times
    /// (the shortest for `p` = 0; `p` above 100 counts as 100). `None` when
    /// no clock was met.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::SlaTally;
    /// let tally: SlaTally = serde_json::from_str(r#"{"met": 4, "met_late": 0, "breached": 0, "open": 0,
    ///   "cancelled": 0, "met_after_seconds": [600, 60, 120, 300]}"#)?;
    /// assert_eq!(tally.percentile(25), Some(TimeDelta::seconds(60)));   // ⌈1⌉: the 1st
    /// assert_eq!(tally.percentile(26), Some(TimeDelta::seconds(120)));  // ⌈1.04⌉: the 2nd
    /// assert_eq!(tally.percentile(100), Some(TimeDelta::seconds(600)));
    /// assert_eq!(SlaTally::default().percentile(50), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn percentile(&self, p: u8) -> Option<TimeDelta> {
        let n: u64 = self.met_after.values().sum();
        if n == 0 {
            return None;
        }
        let p = u64::from(p.min(100));
        // ⌈p·n/100⌉, at least 1; p·n does not overflow (n < 2^64 / 100 in practice).
        let rank = p.saturating_mul(n).div_ceil(100).max(1);
        let mut seen = 0u64;
        for (&seconds, &count) in &self.met_after {
            seen = seen.saturating_add(count);
            if seen >= rank {
                return Some(TimeDelta::seconds(
                    i64::try_from(seconds).unwrap_or(i64::MAX),
                ));
            }
        }
        None
    }

    /// The median business time of the met and met-late clocks
    /// ([`percentile`](Self::percentile) 50).
    ///
    /// # Example
    /// ```
    /// use escalate::SlaTally;
    /// let tally: SlaTally = serde_json::from_str(r#"{"met": 2, "met_late": 0, "breached": 0, "open": 0,
    ///   "cancelled": 0, "met_after_seconds": [60, 120]}"#)?;
    /// assert_eq!(tally.p50(), Some(chrono::TimeDelta::seconds(60))); // the 1st of 2
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn p50(&self) -> Option<TimeDelta> {
        self.percentile(50)
    }

    /// The 90th percentile of the business time of the met and met-late
    /// clocks ([`percentile`](Self::percentile) 90).
    ///
    /// # Example
    /// ```
    /// use escalate::SlaTally;
    /// let tally: SlaTally = serde_json::from_str(r#"{"met": 2, "met_late": 0, "breached": 0, "open": 0,
    ///   "cancelled": 0, "met_after_seconds": [60, 120]}"#)?;
    /// assert_eq!(tally.p90(), Some(chrono::TimeDelta::seconds(120))); // the 2nd of 2
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn p90(&self) -> Option<TimeDelta> {
        self.percentile(90)
    }

    /// The business time each met or met-late clock took, shortest first.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::SlaTally;
    /// let tally: SlaTally = serde_json::from_str(r#"{"met": 2, "met_late": 1, "breached": 0, "open": 0,
    ///   "cancelled": 0, "met_after_seconds": [120, 60, 60]}"#)?;
    /// let times: Vec<TimeDelta> = tally.met_after().collect();
    /// assert_eq!(times, [TimeDelta::seconds(60), TimeDelta::seconds(60), TimeDelta::seconds(120)]);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn met_after(&self) -> impl Iterator<Item = TimeDelta> + '_ {
        self.met_after.iter().flat_map(|(&seconds, &count)| {
            let span = TimeDelta::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
            (0..count).map(move |_| span)
        })
    }

    /// Adds another tally's counts and times to this one.
    ///
    /// # Example
    /// ```
    /// use escalate::SlaTally;
    /// let mut tally: SlaTally = serde_json::from_str(r#"{"met": 1, "met_late": 0, "breached": 0, "open": 0,
    ///   "cancelled": 0, "met_after_seconds": [60]}"#)?;
    /// let open: SlaTally = serde_json::from_str(r#"{"met": 0, "met_late": 0, "breached": 0, "open": 1,
    ///   "cancelled": 0, "met_after_seconds": []}"#)?;
    /// tally.merge(&open);
    /// assert_eq!((tally.met(), tally.open(), tally.clocks()), (1, 1, 2));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn merge(&mut self, other: &SlaTally) {
        self.met = self.met.saturating_add(other.met);
        self.met_late = self.met_late.saturating_add(other.met_late);
        self.breached = self.breached.saturating_add(other.breached);
        self.open = self.open.saturating_add(other.open);
        self.cancelled = self.cancelled.saturating_add(other.cancelled);
        for (&seconds, &count) in &other.met_after {
            let entry = self.met_after.entry(seconds).or_default();
            *entry = entry.saturating_add(count);
        }
    }

    fn count(&mut self, outcome: Outcome) {
        let (counter, took) = match outcome {
            Outcome::Met(took) => (&mut self.met, Some(took)),
            Outcome::MetLate(took) => (&mut self.met_late, Some(took)),
            Outcome::Breached => (&mut self.breached, None),
            Outcome::Open => (&mut self.open, None),
            Outcome::Cancelled => (&mut self.cancelled, None),
        };
        *counter = counter.saturating_add(1);
        if let Some(seconds) = took {
            let entry = self.met_after.entry(seconds).or_default();
            *entry = entry.saturating_add(1);
        }
    }
}

// ---------------------------------------------------------------------------
// Reading one case's log.

/// How a clock ended, as far as the report is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Met on time, after this many business seconds.
    Met(u64),
    /// Met after its breach, after this many business seconds.
    MetLate(u64),
    Breached,
    Open,
    Cancelled,
}

/// What a stop means for its clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// What the clock waits for happened.
    Met,
    /// The promise was broken.
    Failed,
    /// The case ended the clock: resolved, closed, or a policy without it.
    Ended,
}

/// The last event before a stop that is not itself a clock's: what the
/// stop of a clock (other than a promise's) follows from. `handle` emits a
/// command's clock events right after the command's own event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    Resolved,
    Closed,
    PolicyAdopted,
    PriorityChanged,
    Other,
}

/// Where a promise stands, as far as its clock is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settled {
    Not,
    Kept,
    Broken,
}

/// The case's owner's tier at some instant (`None`: unowned).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Under(Option<Tier>);

/// One clock as the log goes.
struct Tracked {
    metric: Metric,
    promise: Option<PromiseId>,
    /// The tier a tier-ownership clock measures: what it counts for,
    /// whoever owns the case when its outcome is decided (an escalation
    /// that stops it hands the case to another tier).
    measures: Option<Tier>,
    /// Breached, or stopped with a `late_by`.
    late: bool,
    /// The owner's tier at the breach, once it breached.
    breach: Option<Under>,
    /// How it stopped, after how long, under which owner's tier; `None`
    /// while it runs or is paused.
    stopped: Option<(Verdict, u64, Under)>,
}

impl Tracked {
    /// The clock's outcome at the end of the log, and the tier it counts
    /// for, `owner` being the owner's tier then.
    fn outcome(self, owner: &Under) -> (Metric, Option<Tier>, Outcome) {
        let breach = self.breach;
        let at_breach = |fallback: Under| breach.unwrap_or(fallback);
        let (Under(tier), outcome) = match self.stopped {
            None if self.late => (at_breach(owner.clone()), Outcome::Breached),
            None => (owner.clone(), Outcome::Open),
            Some((Verdict::Met, took, tier)) if self.late => (tier, Outcome::MetLate(took)),
            Some((Verdict::Met, took, tier)) => (tier, Outcome::Met(took)),
            Some((Verdict::Failed, _, tier)) => (at_breach(tier), Outcome::Breached),
            Some((Verdict::Ended, _, tier)) if self.late => (at_breach(tier), Outcome::Breached),
            Some((Verdict::Ended, _, tier)) => (tier, Outcome::Cancelled),
        };
        (self.metric, self.measures.or(tier), outcome)
    }
}

/// Every clock of one case's log with the tier it counts for and its
/// outcome, in the order the clocks started.
fn read_case(events: &[Event]) -> Result<Vec<(Metric, Option<Tier>, Outcome)>, ReportError> {
    let first = events.first().ok_or(ReportError::Empty)?;
    let EventKind::Opened(opened) = &first.kind else {
        return Err(ReportError::NotOpened {
            version: first.version,
        });
    };
    let mut reader = Reader {
        case: &opened.case,
        clocks: Vec::new(),
        promises: Vec::new(),
        owner: Under(None),
        closed: false,
        last: Cause::Other,
        previous: 0,
    };
    for event in events {
        reader.read(event)?;
    }
    let owner = reader.owner;
    Ok(reader
        .clocks
        .into_iter()
        .map(|clock| clock.outcome(&owner))
        .collect())
}

/// One case's log, read so far.
struct Reader<'a> {
    case: &'a CaseId,
    /// The clocks, in the order they started (clock #1 first).
    clocks: Vec<Tracked>,
    promises: Vec<(PromiseId, Settled)>,
    owner: Under,
    closed: bool,
    /// What the next stop follows from.
    last: Cause,
    /// The version of the last event read.
    previous: u64,
}

impl Reader<'_> {
    fn read(&mut self, event: &Event) -> Result<(), ReportError> {
        let version = event.version;
        let expected = self.previous.saturating_add(1);
        if version != expected {
            return Err(ReportError::Version {
                case: self.case.clone(),
                previous: self.previous,
                expected,
                found: version,
            });
        }
        self.previous = version;
        match &event.kind {
            EventKind::Opened(other) if version > 1 => Err(ReportError::OpenedAgain {
                case: self.case.clone(),
                version,
                opens: other.case.clone(),
            }),
            EventKind::ClockStarted {
                clock,
                metric,
                promise,
                tier,
                ..
            } => {
                let expected = ClockId::next_after(self.clocks.len());
                if *clock != expected {
                    return Err(ReportError::ClockNumber {
                        case: self.case.clone(),
                        version,
                        expected,
                        found: *clock,
                    });
                }
                self.clocks.push(Tracked {
                    metric: *metric,
                    promise: *promise,
                    measures: tier.clone(),
                    late: false,
                    breach: None,
                    stopped: None,
                });
                Ok(())
            }
            EventKind::ClockPaused { clock, .. } | EventKind::SlaWarned { clock, .. } => {
                self.clock(version, *clock).map(|_| ())
            }
            EventKind::ClockResumed { clock, .. } => {
                self.clock(version, *clock)?.stopped = None;
                Ok(())
            }
            EventKind::SlaBreached { clock } => {
                let owner = self.owner.clone();
                let tracked = self.clock(version, *clock)?;
                tracked.late = true;
                tracked.breach.get_or_insert(owner);
                Ok(())
            }
            EventKind::ClockStopped {
                clock,
                consumed,
                late_by,
            } => {
                let took = u64::try_from(consumed.num_seconds()).map_err(|_| {
                    ReportError::NegativeTime {
                        case: self.case.clone(),
                        version,
                        clock: *clock,
                        consumed: consumed.num_seconds(),
                    }
                })?;
                let (owner, last) = (self.owner.clone(), self.last);
                let tracked = self.clock(version, *clock)?;
                let (metric, promise) = (tracked.metric, tracked.promise);
                let verdict = match promise {
                    Some(promise) => match self.promises.iter().find(|(p, _)| *p == promise) {
                        Some((_, Settled::Kept)) => Verdict::Met,
                        Some((_, Settled::Broken)) => Verdict::Failed,
                        Some((_, Settled::Not)) | None => Verdict::Ended,
                    },
                    None => verdict(metric, last),
                };
                let tracked = self.clock(version, *clock)?;
                tracked.late |= late_by.is_some();
                tracked.stopped = Some((verdict, took, owner));
                Ok(())
            }
            kind => {
                self.other(kind);
                Ok(())
            }
        }
    }

    /// An event that is not a clock's.
    fn other(&mut self, kind: &EventKind) {
        self.last = Cause::Other;
        match kind {
            EventKind::Assigned { to } | EventKind::Escalated { to, .. } if !self.closed => {
                self.owner = Under(Some(to.tier().clone()));
            }
            EventKind::HandoffAccepted { by } if !self.closed => {
                self.owner = Under(Some(by.tier().clone()));
            }
            EventKind::PromiseMade { promise, .. } => self.promises.push((*promise, Settled::Not)),
            EventKind::PromiseKept { promise } => self.settle(*promise, Settled::Kept),
            EventKind::PromiseBroken { promise } => self.settle(*promise, Settled::Broken),
            EventKind::Resolved { .. } => self.last = Cause::Resolved,
            EventKind::Closed { .. } => {
                self.closed = true;
                self.last = Cause::Closed;
            }
            EventKind::PolicyAdopted { .. } => self.last = Cause::PolicyAdopted,
            EventKind::PriorityChanged { .. } => self.last = Cause::PriorityChanged,
            _ => {}
        }
    }

    /// The clock numbered `id`: an error if it has not started.
    fn clock(&mut self, version: u64, id: ClockId) -> Result<&mut Tracked, ReportError> {
        let index = usize::try_from(id.get())
            .ok()
            .and_then(|n| n.checked_sub(1));
        match index.and_then(|i| self.clocks.get_mut(i)) {
            Some(clock) => Ok(clock),
            None => Err(ReportError::UnknownClock {
                case: self.case.clone(),
                version,
                clock: id,
            }),
        }
    }

    /// Records how an unsettled promise ended (the first settlement counts).
    fn settle(&mut self, id: PromiseId, settled: Settled) {
        if let Some((_, state)) = self
            .promises
            .iter_mut()
            .find(|(p, state)| *p == id && *state == Settled::Not)
        {
            *state = settled;
        }
    }
}

/// What the stop of a clock other than a promise's means: met, unless
/// resolving stopped a response clock (nobody replied) or closing, a new
/// policy or a new priority without a target for its metric stopped it.
fn verdict(metric: Metric, cause: Cause) -> Verdict {
    match cause {
        Cause::Resolved if metric.is_response() => Verdict::Ended,
        Cause::Closed | Cause::PolicyAdopted | Cause::PriorityChanged => Verdict::Ended,
        Cause::Resolved | Cause::Other => Verdict::Met,
    }
}

// ---------------------------------------------------------------------------
// The table.

impl fmt::Display for SlaReport {
    /// A table, one line a row, and for a metric counted at more than one
    /// tier a line `(all)` with its totals; business times as in the
    /// crate's other spans (`1h30m`), `-` where there is none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEAD: [&str; 10] = [
            "metric",
            "tier",
            "met",
            "late",
            "breached",
            "open",
            "cancelled",
            "attained",
            "p50",
            "p90",
        ];
        let mut lines: Vec<[String; 10]> = vec![HEAD.map(str::to_owned)];
        let line = |metric: Metric, tier: String, tally: &SlaTally| {
            let span = |d: Option<TimeDelta>| d.map_or_else(|| "-".to_owned(), format_span);
            [
                metric.to_string(),
                tier,
                tally.met.to_string(),
                tally.met_late.to_string(),
                tally.breached.to_string(),
                tally.open.to_string(),
                tally.cancelled.to_string(),
                tally
                    .attainment_percent()
                    .map_or_else(|| "-".to_owned(), |p| format!("{p:.1}%")),
                span(tally.p50()),
                span(tally.p90()),
            ]
        };
        for (i, row) in self.rows.iter().enumerate() {
            let tier = row
                .tier
                .as_ref()
                .map_or_else(|| "(unowned)".to_owned(), Tier::to_string);
            lines.push(line(row.metric, tier, &row.tally));
            let next = self.rows.get(i + 1).map(|r| r.metric);
            let first = self.rows.iter().position(|r| r.metric == row.metric);
            if next != Some(row.metric)
                && first != Some(i)
                && let Some(total) = self.total(row.metric)
            {
                lines.push(line(row.metric, "(all)".to_owned(), &total));
            }
        }
        let mut widths = [0usize; 10];
        for cells in &lines {
            for (width, cell) in widths.iter_mut().zip(cells) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for cells in &lines {
            let mut text = String::new();
            for (i, (cell, &width)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                // Names and spans to the left, counts and percentages to the right.
                if (2..=7).contains(&i) {
                    let _ = write!(text, "{cell:>width$}");
                } else {
                    let _ = write!(text, "{cell:<width$}");
                }
            }
            writeln!(f, "{}", text.trim_end())?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// JSON.

/// The JSON form of a report.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportJson {
    cases: u64,
    rows: Vec<SlaRow>,
}

/// The JSON form of a row: the metric, the tier and the tally's fields.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowJson {
    metric: Metric,
    tier: Option<Tier>,
    met: u64,
    met_late: u64,
    breached: u64,
    open: u64,
    cancelled: u64,
    #[serde(default)]
    attainment_percent: Option<f64>,
    #[serde(default)]
    p50_seconds: Option<u64>,
    #[serde(default)]
    p90_seconds: Option<u64>,
    met_after_seconds: Vec<u64>,
}

/// The JSON form of a tally.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TallyJson {
    met: u64,
    met_late: u64,
    breached: u64,
    open: u64,
    cancelled: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attainment_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p50_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p90_seconds: Option<u64>,
    met_after_seconds: Vec<u64>,
}

impl From<SlaTally> for TallyJson {
    fn from(tally: SlaTally) -> TallyJson {
        let seconds = |d: Option<TimeDelta>| d.and_then(|d| u64::try_from(d.num_seconds()).ok());
        TallyJson {
            met: tally.met,
            met_late: tally.met_late,
            breached: tally.breached,
            open: tally.open,
            cancelled: tally.cancelled,
            attainment_percent: tally.attainment_percent(),
            p50_seconds: seconds(tally.p50()),
            p90_seconds: seconds(tally.p90()),
            met_after_seconds: tally
                .met_after
                .iter()
                .flat_map(|(&s, &count)| (0..count).map(move |_| s))
                .collect(),
        }
    }
}

impl TallyJson {
    /// The tally, if its figures add up; `row` names it in errors.
    fn into_tally(self, row: &str) -> Result<SlaTally, ReportError> {
        let problem = |problem: String| ReportError::Inconsistent {
            row: row.to_owned(),
            problem,
        };
        let mut met_after = BTreeMap::new();
        for &s in &self.met_after_seconds {
            *met_after.entry(s).or_insert(0u64) += 1;
        }
        let tally = SlaTally {
            met: self.met,
            met_late: self.met_late,
            breached: self.breached,
            open: self.open,
            cancelled: self.cancelled,
            met_after,
        };
        let times = self.met_after_seconds.len() as u64;
        if Some(times) != self.met.checked_add(self.met_late) {
            return Err(problem(format!(
                "met_after_seconds has {times} times for {} met and {} met late clocks",
                self.met, self.met_late
            )));
        }
        // The derived figures may be left out; given, they must agree.
        let agrees = match (self.attainment_percent, tally.attainment_percent()) {
            (None, _) => true,
            (Some(given), Some(counted)) => (given - counted).abs() <= 1e-9,
            (Some(_), None) => false,
        };
        if !agrees {
            return Err(problem(format!(
                "attainment_percent {:?} does not match {} met of {} decided",
                self.attainment_percent,
                tally.met,
                tally.decided()
            )));
        }
        let seconds = |d: Option<TimeDelta>| d.and_then(|d| u64::try_from(d.num_seconds()).ok());
        for (name, given, counted) in [
            ("p50_seconds", self.p50_seconds, seconds(tally.p50())),
            ("p90_seconds", self.p90_seconds, seconds(tally.p90())),
        ] {
            if given.is_some() && given != counted {
                return Err(problem(format!(
                    "{name} {given:?} is not the nearest-rank percentile of met_after_seconds ({counted:?})"
                )));
            }
        }
        Ok(tally)
    }
}

impl TryFrom<TallyJson> for SlaTally {
    type Error = ReportError;
    fn try_from(json: TallyJson) -> Result<SlaTally, ReportError> {
        json.into_tally("tally")
    }
}

impl From<SlaRow> for RowJson {
    fn from(row: SlaRow) -> RowJson {
        let t = TallyJson::from(row.tally);
        RowJson {
            metric: row.metric,
            tier: row.tier,
            met: t.met,
            met_late: t.met_late,
            breached: t.breached,
            open: t.open,
            cancelled: t.cancelled,
            attainment_percent: t.attainment_percent,
            p50_seconds: t.p50_seconds,
            p90_seconds: t.p90_seconds,
            met_after_seconds: t.met_after_seconds,
        }
    }
}

impl TryFrom<RowJson> for SlaRow {
    type Error = ReportError;
    fn try_from(json: RowJson) -> Result<SlaRow, ReportError> {
        let name = format!(
            "{} ({})",
            json.metric,
            json.tier.as_ref().map_or("unowned", Tier::as_str)
        );
        let tally = TallyJson {
            met: json.met,
            met_late: json.met_late,
            breached: json.breached,
            open: json.open,
            cancelled: json.cancelled,
            attainment_percent: json.attainment_percent,
            p50_seconds: json.p50_seconds,
            p90_seconds: json.p90_seconds,
            met_after_seconds: json.met_after_seconds,
        }
        .into_tally(&name)?;
        Ok(SlaRow {
            metric: json.metric,
            tier: json.tier,
            tally,
        })
    }
}

impl From<SlaReport> for ReportJson {
    fn from(report: SlaReport) -> ReportJson {
        ReportJson {
            cases: report.cases,
            rows: report.rows,
        }
    }
}

impl TryFrom<ReportJson> for SlaReport {
    type Error = ReportError;
    fn try_from(json: ReportJson) -> Result<SlaReport, ReportError> {
        let mut rows = json.rows;
        rows.sort_by(|a, b| (rank(a.metric), &a.tier).cmp(&(rank(b.metric), &b.tier)));
        if let Some(pair) = rows
            .windows(2)
            .find(|w| w[0].metric == w[1].metric && w[0].tier == w[1].tier)
        {
            return Err(ReportError::Inconsistent {
                row: format!(
                    "{} ({})",
                    pair[0].metric,
                    pair[0].tier.as_ref().map_or("unowned", Tier::as_str)
                ),
                problem: "the row appears twice".to_owned(),
            });
        }
        Ok(SlaReport {
            cases: json.cases,
            rows,
        })
    }
}
