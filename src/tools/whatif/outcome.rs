//! What one case came to ([`CaseOutcome`]), and a population's summary
//! ([`Side`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{Case, Event, EventKind, SlaReport};
use crate::replay::Refused;
use crate::sla::Metric;

/// One value per SLA metric, under fixed keys (every key is always there,
/// also for a metric no policy measures): `first_response`,
/// `next_response`, `periodic_update`, `resolution`, `promise` and
/// `tier_ownership`.
///
/// # Example
/// ```
/// use escalate::sla::Metric;
/// use escalate::tools::whatif::ByMetric;
/// let mut breaches = ByMetric::<u64>::default();
/// *breaches.get_mut(Metric::Promise) += 2;
/// assert_eq!(*breaches.get(Metric::Promise), 2);
/// let json = serde_json::to_value(&breaches)?;
/// assert_eq!(json["first_response"], 0);
/// assert_eq!(json["promise"], 2);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByMetric<T> {
    /// [`Metric::FirstResponse`].
    pub first_response: T,
    /// [`Metric::NextResponse`].
    pub next_response: T,
    /// [`Metric::PeriodicUpdate`].
    pub periodic_update: T,
    /// [`Metric::Resolution`].
    pub resolution: T,
    /// [`Metric::Promise`].
    pub promise: T,
    /// [`Metric::TierOwnership`].
    pub tier_ownership: T,
}

impl<T> ByMetric<T> {
    /// Every metric, in the order a case meets them (the order of the keys).
    ///
    /// # Example
    /// ```
    /// use escalate::sla::Metric;
    /// use escalate::tools::whatif::ByMetric;
    /// assert_eq!(ByMetric::<u64>::METRICS[0], Metric::FirstResponse);
    /// assert_eq!(ByMetric::<u64>::METRICS.len(), 6);
    /// ```
    pub const METRICS: [Metric; 6] = [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
        Metric::Promise,
        Metric::TierOwnership,
    ];

    /// The value of `metric`.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::Metric;
    /// use escalate::tools::whatif::ByMetric;
    /// assert_eq!(*ByMetric::<u64>::default().get(Metric::Resolution), 0);
    /// ```
    pub fn get(&self, metric: Metric) -> &T {
        match metric {
            Metric::FirstResponse => &self.first_response,
            Metric::NextResponse => &self.next_response,
            Metric::PeriodicUpdate => &self.periodic_update,
            Metric::Resolution => &self.resolution,
            Metric::Promise => &self.promise,
            Metric::TierOwnership => &self.tier_ownership,
        }
    }

    /// The value of `metric`, to change.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::Metric;
    /// use escalate::tools::whatif::ByMetric;
    /// let mut counts = ByMetric::<u64>::default();
    /// *counts.get_mut(Metric::Resolution) = 3;
    /// assert_eq!(counts.resolution, 3);
    /// ```
    pub fn get_mut(&mut self, metric: Metric) -> &mut T {
        match metric {
            Metric::FirstResponse => &mut self.first_response,
            Metric::NextResponse => &mut self.next_response,
            Metric::PeriodicUpdate => &mut self.periodic_update,
            Metric::Resolution => &mut self.resolution,
            Metric::Promise => &mut self.promise,
            Metric::TierOwnership => &mut self.tier_ownership,
        }
    }
}

/// How a metric's clocks ended, counted as the
/// [SLA report](crate::SlaReport#outcomes) counts them: met on time, met
/// after their breach, or breached and not met. Open and cancelled clocks
/// are left out.
///
/// # Example
/// ```
/// use escalate::tools::whatif::Clocks;
/// let clocks = Clocks { met: 3, met_late: 1, breached: 0 };
/// assert_eq!(clocks.breaches(), 1);
/// assert_eq!(clocks.attainment_percent(), Some(75.0));
/// assert_eq!(Clocks::default().attainment_percent(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clocks {
    /// Met before their due instant.
    pub met: u64,
    /// Met after they breached.
    pub met_late: u64,
    /// Breached and not met (still running, or the case ended without it).
    pub breached: u64,
}

impl Clocks {
    /// The clocks that went past their due instant: met late or breached.
    ///
    /// # Example
    /// ```
    /// use escalate::tools::whatif::Clocks;
    /// assert_eq!(Clocks { met: 1, met_late: 2, breached: 3 }.breaches(), 5);
    /// ```
    #[must_use]
    pub fn breaches(&self) -> u64 {
        self.met_late.saturating_add(self.breached)
    }

    /// Met on time out of all decided (met, met late or breached), as a
    /// percentage; `None` with nothing decided.
    ///
    /// # Example
    /// ```
    /// use escalate::tools::whatif::Clocks;
    /// assert_eq!(Clocks { met: 1, met_late: 0, breached: 1 }.attainment_percent(), Some(50.0));
    /// ```
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    pub fn attainment_percent(&self) -> Option<f64> {
        let decided = self.met.saturating_add(self.breaches());
        (decided > 0).then(|| self.met as f64 * 100.0 / decided as f64)
    }

    fn add(&mut self, other: &Clocks) {
        self.met = self.met.saturating_add(other.met);
        self.met_late = self.met_late.saturating_add(other.met_late);
        self.breached = self.breached.saturating_add(other.breached);
    }
}

/// Which time a case's time to first response is.
///
/// # Example
/// ```
/// use escalate::tools::whatif::Basis;
/// assert_eq!(serde_json::to_string(&Basis::Business)?, r#""business""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Business time: the `consumed_seconds` of the first-response clock
    /// the response stopped (its calendar's time, pauses left out).
    Business,
    /// Wall time from opening to the first `responded` event: the policy
    /// had no first-response clock for the case.
    Wall,
}

/// What one case came to, read from its log (and the commands a replay
/// refused).
///
/// # Example
/// ```
/// use escalate::tools::whatif::CaseOutcome;
/// let nothing = CaseOutcome::default();
/// assert_eq!(nothing.breaches().first_response, 0);
/// assert!(nothing.escalations.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CaseOutcome {
    /// How each metric's clocks ended.
    pub clocks: ByMetric<Clocks>,
    /// Escalations (`escalated` events), by the tier escalated to. Under
    /// [`Host::AsRecorded`](crate::replay::Host::AsRecorded) these are the
    /// recorded people's, whatever the policy asked.
    pub escalations: BTreeMap<String, u64>,
    /// What the policy's rules asked for: `escalation_required` and
    /// `owner_required` events, by the tier named.
    #[serde(default)]
    pub escalations_required: BTreeMap<String, u64>,
    /// Commands refused, by kind: the [`Refusal`](crate::Refusal) variant
    /// in snake case (`not_owner`; a grant's as `grant_<reason>`).
    pub refusals: BTreeMap<String, u64>,
    /// Money granted, in minor units, by currency code.
    pub money_granted_minor: BTreeMap<String, i64>,
    /// Money wasted (granted after the customer left), in minor units, by
    /// currency code.
    pub money_wasted_minor: BTreeMap<String, i64>,
    /// Seconds from opening to the case's first owner (wall time: no
    /// clock measures it); `None` if it never had one.
    pub first_owner_seconds: Option<i64>,
    /// Seconds from opening to the first response, in the time
    /// [`first_response_basis`](Self::first_response_basis) says; `None`
    /// before any response.
    pub first_response_seconds: Option<i64>,
    /// Which time `first_response_seconds` is.
    pub first_response_basis: Option<Basis>,
}

impl CaseOutcome {
    /// Reads a case's outcome from its log, the case built from it, and
    /// the commands refused on the way (none for a recorded log).
    ///
    /// # Errors
    /// The [SLA report](crate::SlaReport)'s message when the log's clocks
    /// do not read.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// use escalate::tools::whatif::CaseOutcome;
    /// # use escalate::Command;
    /// # use escalate::policy::Policy;
    /// # let policy = Policy::default();
    /// # let commands: Vec<Command> = serde_json::from_str(r#"[
    /// #   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    /// #    "customer": {"id": "cust-9", "value": "standard"},
    /// #    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    /// #   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    /// #    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// # ]"#)?;
    /// # let mut case = Case::new("CAB-1".parse()?);
    /// # let mut log = Vec::new();
    /// # for command in commands {
    /// #     let now = command.at();
    /// #     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
    /// # }
    /// // `log`: a case opened by phone at 15:10 and assigned at 20:11.
    /// let outcome = CaseOutcome::read(&Case::replay(&log)?, &log, &[])?;
    /// assert_eq!(outcome.first_owner_seconds, Some(5 * 3600 + 60));
    /// assert!(outcome.refusals.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read(case: &Case, events: &[Event], refused: &[Refused]) -> Result<CaseOutcome, String> {
        let report = SlaReport::from_events(events).map_err(|e| e.to_string())?;
        let mut out = CaseOutcome::default();
        for metric in ByMetric::<Clocks>::METRICS {
            if let Some(tally) = report.total(metric) {
                *out.clocks.get_mut(metric) = Clocks {
                    met: tally.met(),
                    met_late: tally.met_late(),
                    breached: tally.breached(),
                };
            }
        }
        let opened: Option<DateTime<Utc>> = events
            .iter()
            .find(|e| matches!(e.kind(), EventKind::Opened(_)))
            .map(Event::at);
        let mut first_response_wall = None;
        for event in events {
            match event.kind() {
                EventKind::Escalated { to, .. } => {
                    count(&mut out.escalations, to.tier().to_string(), 1);
                }
                EventKind::EscalationRequired { tier, .. }
                | EventKind::OwnerRequired { tier, .. } => {
                    count(&mut out.escalations_required, tier.to_string(), 1);
                }
                EventKind::Assigned { .. } | EventKind::HandoffAccepted { .. }
                    if out.first_owner_seconds.is_none() =>
                {
                    out.first_owner_seconds = since(opened, event.at());
                }
                EventKind::Responded { .. } if first_response_wall.is_none() => {
                    first_response_wall = since(opened, event.at());
                }
                _ => {}
            }
            if out.first_owner_seconds.is_none()
                && matches!(event.kind(), EventKind::Escalated { .. })
            {
                out.first_owner_seconds = since(opened, event.at());
            }
        }
        let business = report
            .total(Metric::FirstResponse)
            .and_then(|t| t.met_after().next())
            .map(|d| d.num_seconds());
        (out.first_response_seconds, out.first_response_basis) = match business {
            Some(seconds) => (Some(seconds), Some(Basis::Business)),
            None => (
                first_response_wall,
                first_response_wall.map(|_| Basis::Wall),
            ),
        };
        for r in refused {
            count(&mut out.refusals, refusal_kind(&r.refusal), 1);
        }
        for money in case.money_granted().amounts() {
            bump(
                &mut out.money_granted_minor,
                money.currency().to_string(),
                money.minor(),
            );
        }
        for money in case.money_wasted().amounts() {
            bump(
                &mut out.money_wasted_minor,
                money.currency().to_string(),
                money.minor(),
            );
        }
        Ok(out)
    }

    /// Breaches per metric: clocks met late or breached.
    ///
    /// # Example
    /// ```
    /// use escalate::tools::whatif::CaseOutcome;
    /// assert_eq!(CaseOutcome::default().breaches().resolution, 0);
    /// ```
    #[must_use]
    pub fn breaches(&self) -> ByMetric<u64> {
        let mut out = ByMetric::default();
        for metric in ByMetric::<u64>::METRICS {
            *out.get_mut(metric) = self.clocks.get(metric).breaches();
        }
        out
    }

    /// How `candidate` differs from `self`, one phrase per figure that
    /// changed (`first_response breaches 1 -> 0`); empty when they agree.
    ///
    /// # Example
    /// ```
    /// use escalate::tools::whatif::CaseOutcome;
    /// let before = CaseOutcome::default();
    /// let mut after = CaseOutcome::default();
    /// after.first_owner_seconds = Some(60);
    /// assert_eq!(before.differences(&after), ["time to first owner none -> 1m"]);
    /// assert!(before.differences(&before).is_empty());
    /// ```
    #[must_use]
    pub fn differences(&self, candidate: &CaseOutcome) -> Vec<String> {
        let mut out = Vec::new();
        for metric in ByMetric::<u64>::METRICS {
            let (a, b) = (self.clocks.get(metric), candidate.clocks.get(metric));
            if a != b {
                out.push(format!(
                    "{} met/late/breached {}/{}/{} -> {}/{}/{}",
                    key(metric),
                    a.met,
                    a.met_late,
                    a.breached,
                    b.met,
                    b.met_late,
                    b.breached
                ));
            }
        }
        for (name, a, b) in [
            ("escalations", &self.escalations, &candidate.escalations),
            (
                "escalations required",
                &self.escalations_required,
                &candidate.escalations_required,
            ),
            ("refusals", &self.refusals, &candidate.refusals),
        ] {
            map_differences(&mut out, name, a, b);
        }
        for (name, a, b) in [
            (
                "money granted",
                &self.money_granted_minor,
                &candidate.money_granted_minor,
            ),
            (
                "money wasted",
                &self.money_wasted_minor,
                &candidate.money_wasted_minor,
            ),
        ] {
            map_differences(&mut out, name, a, b);
        }
        for (name, a, b) in [
            (
                "time to first owner",
                self.first_owner_seconds,
                candidate.first_owner_seconds,
            ),
            (
                "time to first response",
                self.first_response_seconds,
                candidate.first_response_seconds,
            ),
        ] {
            if a != b {
                out.push(format!("{name} {} -> {}", span(a), span(b)));
            }
        }
        if self.first_response_basis != candidate.first_response_basis {
            out.push("time to first response measured otherwise".to_owned());
        }
        out
    }
}

fn map_differences<V: PartialEq + std::fmt::Display + Default + Copy>(
    out: &mut Vec<String>,
    name: &str,
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
) {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (
            a.get(k).copied().unwrap_or_default(),
            b.get(k).copied().unwrap_or_default(),
        );
        if x != y {
            out.push(format!("{name} {k} {x} -> {y}"));
        }
    }
}

/// A number of seconds as a short span (`1h30m`), or `none`.
pub(super) fn span(seconds: Option<i64>) -> String {
    match seconds {
        None => "none".to_owned(),
        Some(s) => crate::sla::format_span(chrono::TimeDelta::seconds(s)),
    }
}

/// The metric's JSON key.
pub(super) fn key(metric: Metric) -> &'static str {
    match metric {
        Metric::FirstResponse => "first_response",
        Metric::NextResponse => "next_response",
        Metric::PeriodicUpdate => "periodic_update",
        Metric::Resolution => "resolution",
        Metric::Promise => "promise",
        Metric::TierOwnership => "tier_ownership",
    }
}

fn since(opened: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Option<i64> {
    opened.map(|o| (at - o).num_seconds().max(0))
}

fn bump(map: &mut BTreeMap<String, i64>, key: String, by: i64) {
    let slot = map.entry(key).or_insert(0);
    *slot = slot.saturating_add(by);
}

fn count(map: &mut BTreeMap<String, u64>, key: String, by: u64) {
    let slot = map.entry(key).or_insert(0);
    *slot = slot.saturating_add(by);
}

/// The kind of a refusal: its variant's name in snake case (a grant's
/// reason after `grant_`), read from its `Debug` form so that a new
/// variant needs nothing here.
pub(super) fn refusal_kind(refusal: &crate::Refusal) -> String {
    let debug = format!("{refusal:?}");
    let mut out = String::new();
    let mut names = debug.split(|c: char| !c.is_ascii_alphanumeric());
    let first = names.next().unwrap_or("");
    snake(first, &mut out);
    if first == "Grant"
        && let Some(inner) = names.find(|n| !n.is_empty())
    {
        out.push('_');
        snake(inner, &mut out);
    }
    out
}

fn snake(name: &str, out: &mut String) {
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// A distribution of times in seconds: how many, the p50 and p90 by
/// nearest rank (the ⌈p·n/100⌉-th shortest, as the
/// [SLA report](crate::SlaReport#attainment-and-percentiles) takes them),
/// and a histogram over [`Distribution::BUCKETS`].
///
/// # Example
/// ```
/// use escalate::tools::whatif::Distribution;
/// let d = Distribution::of(vec![60, 7_200, 600, 30]);
/// assert_eq!((d.count, d.p50_seconds, d.p90_seconds), (4, Some(60), Some(7_200)));
/// assert_eq!(d.histogram[0], 3); // under 15 minutes
/// assert_eq!(d.histogram.len(), Distribution::BUCKETS.len());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Distribution {
    /// How many times.
    pub count: u64,
    /// The median, by nearest rank.
    pub p50_seconds: Option<i64>,
    /// The 90th percentile, by nearest rank.
    pub p90_seconds: Option<i64>,
    /// How many times fall in each of [`Distribution::BUCKETS`].
    pub histogram: Vec<u64>,
}

impl Distribution {
    /// The histogram's buckets: a label and the exclusive upper bound in
    /// seconds (`None`: no bound).
    ///
    /// # Example
    /// ```
    /// use escalate::tools::whatif::Distribution;
    /// assert_eq!(Distribution::BUCKETS[0], ("<15m", Some(900)));
    /// assert_eq!(Distribution::BUCKETS.last().map(|b| b.1), Some(None));
    /// ```
    pub const BUCKETS: [(&'static str, Option<i64>); 8] = [
        ("<15m", Some(900)),
        ("15m-1h", Some(3_600)),
        ("1h-4h", Some(4 * 3_600)),
        ("4h-8h", Some(8 * 3_600)),
        ("8h-1d", Some(86_400)),
        ("1d-3d", Some(3 * 86_400)),
        ("3d-7d", Some(7 * 86_400)),
        (">=7d", None),
    ];

    /// The distribution of these times (in any order).
    ///
    /// # Example
    /// ```
    /// use escalate::tools::whatif::Distribution;
    /// assert_eq!(Distribution::of(vec![]).p50_seconds, None);
    /// assert_eq!(Distribution::of(vec![5]).p90_seconds, Some(5));
    /// ```
    #[must_use]
    pub fn of(mut times: Vec<i64>) -> Distribution {
        times.sort_unstable();
        let mut histogram = vec![0u64; Self::BUCKETS.len()];
        for t in &times {
            let bucket = Self::BUCKETS
                .iter()
                .position(|(_, bound)| bound.is_none_or(|b| *t < b))
                .unwrap_or(Self::BUCKETS.len() - 1);
            histogram[bucket] += 1;
        }
        Distribution {
            count: times.len() as u64,
            p50_seconds: rank(&times, 50),
            p90_seconds: rank(&times, 90),
            histogram,
        }
    }
}

/// The `p`-th percentile of sorted times, by nearest rank.
fn rank(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(n - 1).copied()
}

/// One side of a comparison (the baseline or the candidate): what its
/// cases came to, summed.
///
/// # JSON
/// `cases`; `breaches` and `attainment_percent` keyed by metric (the six
/// keys of [`ByMetric`], always present; attainment `null` with nothing
/// decided); `clocks` (per metric `met`, `met_late`, `breached`);
/// `escalations` by tier; `refusals` by kind; `money_granted_minor` and
/// `money_wasted_minor` by currency code in minor units (`{"USD": 2000}`
/// is USD 20.00; sums saturate at the limits of a 64-bit integer);
/// `time_to_first_owner` and `time_to_first_response` as
/// [`Distribution`]s; `first_response_business` and `first_response_wall`,
/// how many first-response times are business and wall time ([`Basis`]).
///
/// # Example
/// ```
/// use escalate::tools::whatif::{CaseOutcome, Side};
/// let mut outcome = CaseOutcome::default();
/// outcome.escalations.insert("supervisor".into(), 1);
/// let side = Side::of(&[outcome.clone(), outcome]);
/// assert_eq!(side.cases, 2);
/// assert_eq!(side.escalations["supervisor"], 2);
/// let json = serde_json::to_value(&side)?;
/// assert_eq!(json["breaches"]["first_response"], 0);
/// assert_eq!(json["money_granted_minor"], serde_json::json!({}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Side {
    /// How many cases.
    pub cases: u64,
    /// Breaches per metric: clocks met late or breached.
    pub breaches: ByMetric<u64>,
    /// Attainment per metric (met on time out of decided), as a percentage.
    pub attainment_percent: ByMetric<Option<f64>>,
    /// How each metric's clocks ended.
    pub clocks: ByMetric<Clocks>,
    /// Escalations by the tier escalated to.
    pub escalations: BTreeMap<String, u64>,
    /// Escalations and owners the rules required, by the tier named.
    #[serde(default)]
    pub escalations_required: BTreeMap<String, u64>,
    /// Commands refused, by kind.
    pub refusals: BTreeMap<String, u64>,
    /// Money granted, in minor units, by currency code.
    pub money_granted_minor: BTreeMap<String, i64>,
    /// Money wasted, in minor units, by currency code.
    pub money_wasted_minor: BTreeMap<String, i64>,
    /// Time from opening to the first owner (wall time).
    pub time_to_first_owner: Distribution,
    /// Time from opening to the first response (business time where a
    /// first-response clock measured it, wall time otherwise).
    pub time_to_first_response: Distribution,
    /// First-response times that are business time.
    pub first_response_business: u64,
    /// First-response times that are wall time.
    pub first_response_wall: u64,
}

impl Side {
    /// The summary of these cases' outcomes.
    ///
    /// # Example
    /// ```
    /// use escalate::tools::whatif::{CaseOutcome, Side};
    /// let mut answered = CaseOutcome::default();
    /// answered.first_response_seconds = Some(600);
    /// let side = Side::of(&[answered, CaseOutcome::default()]);
    /// assert_eq!(side.time_to_first_response.count, 1);
    /// assert_eq!(side.time_to_first_response.p50_seconds, Some(600));
    /// ```
    #[must_use]
    pub fn of(outcomes: &[CaseOutcome]) -> Side {
        let mut side = Side {
            cases: outcomes.len() as u64,
            ..Side::default()
        };
        let mut owner = Vec::new();
        let mut response = Vec::new();
        for o in outcomes {
            for metric in ByMetric::<Clocks>::METRICS {
                side.clocks.get_mut(metric).add(o.clocks.get(metric));
            }
            for (k, v) in &o.escalations {
                count(&mut side.escalations, k.clone(), *v);
            }
            for (k, v) in &o.escalations_required {
                count(&mut side.escalations_required, k.clone(), *v);
            }
            for (k, v) in &o.refusals {
                count(&mut side.refusals, k.clone(), *v);
            }
            for (k, v) in &o.money_granted_minor {
                bump(&mut side.money_granted_minor, k.clone(), *v);
            }
            for (k, v) in &o.money_wasted_minor {
                bump(&mut side.money_wasted_minor, k.clone(), *v);
            }
            owner.extend(o.first_owner_seconds);
            response.extend(o.first_response_seconds);
            match o.first_response_basis {
                Some(Basis::Business) => side.first_response_business += 1,
                Some(Basis::Wall) => side.first_response_wall += 1,
                None => {}
            }
        }
        for metric in ByMetric::<Clocks>::METRICS {
            let clocks = side.clocks.get(metric);
            *side.breaches.get_mut(metric) = clocks.breaches();
            *side.attainment_percent.get_mut(metric) = clocks.attainment_percent();
        }
        side.time_to_first_owner = Distribution::of(owner);
        side.time_to_first_response = Distribution::of(response);
        side
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_a_time_some_case_took() {
        let times: Vec<i64> = (1..=10).collect();
        assert_eq!(rank(&times, 50), Some(5));
        assert_eq!(rank(&times, 90), Some(9));
        assert_eq!(rank(&[7], 90), Some(7));
        assert_eq!(rank(&[3, 9], 50), Some(3));
    }

    #[test]
    fn refusal_kinds_are_snake_case_variant_names() {
        let r = crate::Refusal::NoHandoffPending;
        assert_eq!(refusal_kind(&r), "no_handoff_pending");
        let r = crate::Refusal::DeflectionOnly { deflections: 2 };
        assert_eq!(refusal_kind(&r), "deflection_only");
    }

    #[test]
    fn histogram_bounds_are_exclusive() {
        let d = Distribution::of(vec![899, 900, 3_599, 3_600, 10 * 86_400]);
        assert_eq!(d.histogram, [1, 2, 1, 0, 0, 0, 0, 1]);
    }
}
