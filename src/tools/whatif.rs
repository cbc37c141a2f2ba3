//! What a policy change would have done to past cases: each case's stored
//! log rebuilt into the commands people sent ([`History::from_events`]),
//! replayed under a candidate policy, and compared with a baseline.
//!
//! The baseline is either the recorded log as it is, or (given a baseline
//! policy) the same commands replayed under that policy. Each side is read
//! into a [`CaseOutcome`] per case (clock outcomes, escalations, refusals,
//! money, times to first owner and first response) and summed into a
//! [`Side`]; a case whose outcome differs is listed with the first event
//! where its two logs part ([`Changed`]). A log that does not rebuild is
//! [skipped](Skipped) with the reason.
//!
//! # Host and instant
//! - **Host**: [`Host::AsRecorded`] by default: the people do what the log
//!   says they did, no more. Under it, replaying the recording's own policy
//!   gives the recorded log back, so a what-if with the same policy changes
//!   nothing; a candidate's rules that require an owner or an escalation the
//!   recorded people never gave show as `owner_required` /
//!   `escalation_required` events, and nobody acts on them.
//!   [`Host::Obedient`] has an agent on duty act at once instead (and the
//!   owner do the recorded work): use it to see what the rules would cause,
//!   knowing that it also changes cases under the recording's own policy
//!   wherever people acted later than asked.
//! - **Instant** ([`Until`]): by default each case is replayed up to its
//!   own latest recorded event ([`Until::Recorded`]), on both sides: the
//!   log says nothing about later, and a side ticked further than the other
//!   shows breaches the other had no time for. (That is how a laxer target
//!   came out with *more* breaches: the candidate was ticked to "now" and
//!   the recorded log was not.) [`Until::Latest`] (the latest event of the
//!   whole input) or [`Until::At`] tick both replayed sides further; a
//!   recorded baseline cannot be ticked and is read as it is.
//!
//! # Example
//! One email at 09:00 answered at 15:00: late under a 4-hour target, in
//! time under an 8-hour one.
//! ```
//! use chrono::{DateTime, Utc};
//! use escalate::{Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue};
//! use escalate::{Origin, Priority, ResponseKind};
//! use escalate::policy::Policy;
//! use escalate::sla::{Metric, MetricPolicy, Target};
//! use escalate::tools::whatif::{self, Options};
//! let target = |h: &str| -> Result<Policy, Box<dyn std::error::Error>> {
//!     Ok(Policy::new(format!("fr-{h}"), ["frontline", "supervisor"])?
//!         .with_sla(MetricPolicy::new(Metric::FirstResponse, Target::new(h.parse()?, "always".parse()?)))?)
//! };
//! let (four, eight) = (target("4h")?, target("8h")?);
//! let sam = Agent::new("sam".parse()?, "frontline".parse()?);
//! let mut case = Case::new("A-1".parse()?);
//! let mut log = Vec::new();
//! for (n, (actor, at, kind)) in [
//!     (Actor::Customer, "2021-03-01T09:00:00Z", CommandKind::Open {
//!         customer: Customer::new("cust".parse()?, CustomerValue::Standard),
//!         origin: Origin::Contact { channel: Channel::Email },
//!         summary: "it broke".into(), priority: Priority::Normal }),
//!     (Actor::System, "2021-03-01T09:05:00Z", CommandKind::Assign { to: sam.clone() }),
//!     (Actor::Agent(sam), "2021-03-01T15:00:00Z", CommandKind::Respond {
//!         channel: Channel::Email, note: "fixed".into(), kind: ResponseKind::Answer }),
//! ].into_iter().enumerate() {
//!     let now: DateTime<Utc> = at.parse()?;
//!     for e in case.handle(&four, Command::new(format!("c-{n}").parse()?, actor, now, kind), now)? {
//!         case.apply(&e)?;
//!         log.push(e);
//!     }
//! }
//! let cases = vec![("A-1".parse()?, log)];
//! // The recorded log (under 4 hours) against a replay under 8 hours.
//! let result = whatif::compare(&cases, None, &eight, &Options::default());
//! assert_eq!(result.cases, 1);
//! assert_eq!(result.baseline.breaches.first_response, 1);
//! assert_eq!(result.candidate.breaches.first_response, 0);
//! assert_eq!(result.changed_cases, 1);
//! let changed = &result.changed[0];
//! assert_eq!(changed.differences, ["first_response met/late/breached 0/1/0 -> 1/0/0"]);
//! // The logs part at the clock's start: due at 13:00 against 17:00.
//! let divergence = changed.divergence.as_ref().unwrap();
//! assert_eq!(divergence.version, 3);
//! assert!(divergence.baseline.as_deref().unwrap().contains("due 2021-03-01 13:00 UTC"));
//! assert!(divergence.candidate.as_deref().unwrap().contains("due 2021-03-01 17:00 UTC"));
//! // Under its own policy, nothing changes.
//! assert_eq!(whatif::compare(&cases, None, &four, &Options::default()).changed_cases, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{Case, Event, EventKind};
use crate::ids::CaseId;
use crate::policy::Policy;
use crate::replay::{History, Host};

mod outcome;

pub use outcome::{Basis, ByMetric, CaseOutcome, Clocks, Distribution, Side};

/// Up to which instant the replays tick the cases' clocks and delayed
/// rules. Written `recorded`, `latest` or an RFC 3339 instant
/// ([`FromStr`]).
///
/// # Example
/// ```
/// use escalate::tools::whatif::Until;
/// assert_eq!(Until::default(), Until::Recorded);
/// assert_eq!("latest".parse::<Until>()?, Until::Latest);
/// assert_eq!("2021-04-01T00:00:00Z".parse::<Until>()?, Until::At("2021-04-01T00:00:00Z".parse()?));
/// assert_eq!("soon".parse::<Until>().unwrap_err().to_string(),
///     "invalid instant \"soon\": expected `recorded`, `latest` or an RFC 3339 time like 2021-04-01T00:00:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Until {
    /// Each case up to its own latest recorded event, on both sides.
    #[default]
    Recorded,
    /// Every case up to the latest event of the whole input.
    Latest,
    /// Every case up to this instant (an instant before a case's latest
    /// event ticks nothing more).
    At(DateTime<Utc>),
}

/// Why a text is not an [`Until`].
///
/// # Example
/// ```
/// use escalate::tools::whatif::Until;
/// assert!("yesterday".parse::<Until>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidUntil(String);

impl fmt::Display for InvalidUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid instant {:?}: expected `recorded`, `latest` or an RFC 3339 time like 2021-04-01T00:00:00Z",
            self.0
        )
    }
}

impl std::error::Error for InvalidUntil {}

impl FromStr for Until {
    type Err = InvalidUntil;

    fn from_str(s: &str) -> Result<Until, InvalidUntil> {
        match s {
            "recorded" => Ok(Until::Recorded),
            "latest" => Ok(Until::Latest),
            _ => s
                .parse::<DateTime<Utc>>()
                .map(Until::At)
                .map_err(|_| InvalidUntil(s.to_owned())),
        }
    }
}

/// How the replays run: the host and the instant (see the
/// [module docs](self#host-and-instant)).
///
/// # Example
/// ```
/// use escalate::replay::Host;
/// use escalate::tools::whatif::{Options, Until};
/// let options = Options::default();
/// assert_eq!((options.host, options.until), (Host::AsRecorded, Until::Recorded));
/// let obedient = Options { host: Host::Obedient, ..Options::default() };
/// assert_eq!(obedient.until, Until::Recorded);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Who acts in the replays.
    pub host: Host,
    /// Up to when the replays tick.
    pub until: Until,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            host: Host::AsRecorded,
            until: Until::Recorded,
        }
    }
}

/// Where a changed case's two logs first part.
///
/// # Example
/// ```
/// use escalate::tools::whatif::Divergence;
/// let d: Divergence = serde_json::from_str(r#"{"index": 4, "version": 5,
///     "baseline": "2021-03-01 13:00 UTC  clock #1 breached", "candidate": null}"#)?;
/// assert_eq!(d.version, 5);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Divergence {
    /// The position of the first event that differs (from 0).
    pub index: usize,
    /// Its version in the logs (the position from 1).
    pub version: u64,
    /// The baseline's event there, in words (`None`: its log ended).
    pub baseline: Option<String>,
    /// The candidate's event there, in words (`None`: its log ended).
    pub candidate: Option<String>,
}

/// A case whose outcome differs between the two sides.
///
/// # Example
/// ```
/// use escalate::tools::whatif::Changed;
/// let c: Changed = serde_json::from_str(r#"{"case": "A-1",
///     "differences": ["escalations supervisor 0 -> 1"], "divergence": null}"#)?;
/// assert_eq!(c.case, "A-1");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Changed {
    /// The case's id.
    pub case: String,
    /// What differs, one phrase a figure ([`CaseOutcome::differences`]).
    pub differences: Vec<String>,
    /// Where the logs first part (`None` when the logs are the same and only
    /// the refusals differ).
    pub divergence: Option<Divergence>,
}

/// A case left out because its log does not rebuild or read.
///
/// # Example
/// ```
/// use escalate::tools::whatif::{self, Options};
/// use escalate::policy::Policy;
/// let result = whatif::compare(&[("A-1".parse()?, vec![])], None, &Policy::default(), &Options::default());
/// assert_eq!(result.cases, 0);
/// assert_eq!(result.skipped[0].case, "A-1");
/// assert_eq!(result.skipped[0].reason, "cannot rebuild the commands of a log: there are no events");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Skipped {
    /// The case's id, as the input names it.
    pub case: String,
    /// Why, in words.
    pub reason: String,
}

/// A baseline and a candidate over the same cases.
///
/// # JSON
/// `cases` (compared), `changed_cases`, `skipped_cases`; `baseline` and
/// `candidate` ([`Side`]: `breaches` keyed by metric, `escalations`,
/// `refusals`, `money_granted_minor`, `money_wasted_minor`, ...);
/// `baseline_source` (`"recorded"` or `"replayed"`), `host`
/// (`"as_recorded"` or `"obedient"`), `until`; `changed` ([`Changed`]) and
/// `skipped` ([`Skipped`]), in input order.
///
/// # Example
/// ```
/// use escalate::tools::whatif::{self, Options};
/// use escalate::policy::Policy;
/// let result = whatif::compare(&[], None, &Policy::default(), &Options::default());
/// let json = serde_json::to_value(&result)?;
/// assert_eq!(json["cases"], 0);
/// assert_eq!(json["changed_cases"], 0);
/// assert_eq!(json["baseline"]["breaches"]["first_response"], 0);
/// assert_eq!(json["candidate"]["money_wasted_minor"], serde_json::json!({}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Comparison {
    /// Cases compared (skipped ones left out).
    pub cases: u64,
    /// Cases whose outcome differs.
    pub changed_cases: u64,
    /// Cases skipped.
    pub skipped_cases: u64,
    /// The baseline's summary.
    pub baseline: Side,
    /// The candidate's summary.
    pub candidate: Side,
    /// `recorded` (the logs as they are) or `replayed` (under a baseline
    /// policy).
    pub baseline_source: String,
    /// `as_recorded` or `obedient`.
    pub host: String,
    /// Up to when the replays ticked.
    pub until: Until,
    /// The changed cases, in input order.
    pub changed: Vec<Changed>,
    /// The skipped cases, in input order.
    pub skipped: Vec<Skipped>,
}

/// What happened to one case.
enum One {
    Skipped(Skipped),
    Compared(Box<Compared>),
}

/// A case's two outcomes, and how they differ.
struct Compared {
    baseline: CaseOutcome,
    candidate: CaseOutcome,
    changed: Option<Changed>,
}

/// Compares `candidate` with the baseline over `cases` (each case's id and
/// its log, in version order), on every core. Without a `baseline` policy
/// the baseline is the recorded logs as they are. Same input, same result.
///
/// # Example
/// ```
/// use escalate::tools::whatif::{self, Options};
/// use escalate::policy::Policy;
/// let result = whatif::compare(&[], Some(&Policy::default()), &Policy::recommended(), &Options::default());
/// assert_eq!((result.cases, result.changed_cases), (0, 0));
/// assert_eq!(result.baseline_source, "replayed");
/// ```
#[must_use]
pub fn compare(
    cases: &[(CaseId, Vec<Event>)],
    baseline: Option<&Policy>,
    candidate: &Policy,
    options: &Options,
) -> Comparison {
    compare_with_progress(cases, baseline, candidate, options, &|_| {})
}

/// [`compare`], calling `progress` with the number of cases done as it
/// goes (from several threads at once).
///
/// # Example
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use escalate::tools::whatif::{self, Options};
/// use escalate::policy::Policy;
/// let done = AtomicU64::new(0);
/// let cases = vec![("A-1".parse()?, vec![]), ("A-2".parse()?, vec![])];
/// let result = whatif::compare_with_progress(&cases, None, &Policy::default(), &Options::default(),
///     &|n| { done.fetch_add(n, Ordering::Relaxed); });
/// assert_eq!(done.load(Ordering::Relaxed), 2);
/// assert_eq!(result.skipped_cases, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn compare_with_progress(
    cases: &[(CaseId, Vec<Event>)],
    baseline: Option<&Policy>,
    candidate: &Policy,
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Comparison {
    let latest = cases
        .iter()
        .flat_map(|(_, events)| events.iter().map(Event::at))
        .max();
    let all: Vec<&(CaseId, Vec<Event>)> = cases.iter().collect();
    let results = crate::par::map(all, |(id, events)| {
        let until = match options.until {
            Until::Recorded => events.iter().map(Event::at).max(),
            Until::Latest => latest,
            Until::At(at) => Some(at),
        };
        let one = one(id, events, baseline, candidate, options.host, until);
        progress(1);
        one
    });
    let mut base = Vec::with_capacity(results.len());
    let mut cand = Vec::with_capacity(results.len());
    let mut changed = Vec::new();
    let mut skipped = Vec::new();
    for result in results {
        match result {
            One::Skipped(s) => skipped.push(s),
            One::Compared(compared) => {
                let Compared {
                    baseline,
                    candidate,
                    changed: c,
                } = *compared;
                base.push(baseline);
                cand.push(candidate);
                changed.extend(c);
            }
        }
    }
    Comparison {
        cases: base.len() as u64,
        changed_cases: changed.len() as u64,
        skipped_cases: skipped.len() as u64,
        baseline: Side::of(&base),
        candidate: Side::of(&cand),
        baseline_source: if baseline.is_some() {
            "replayed"
        } else {
            "recorded"
        }
        .to_owned(),
        host: match options.host {
            Host::AsRecorded => "as_recorded",
            Host::Obedient => "obedient",
        }
        .to_owned(),
        until: options.until,
        changed,
        skipped,
    }
}

/// One case: rebuilt, replayed on both sides, read and compared.
fn one(
    id: &CaseId,
    events: &[Event],
    baseline: Option<&Policy>,
    candidate: &Policy,
    host: Host,
    until: Option<DateTime<Utc>>,
) -> One {
    let skip = |reason: String| {
        One::Skipped(Skipped {
            case: id.to_string(),
            reason,
        })
    };
    let history = match History::from_events(events) {
        Ok(history) => history,
        Err(e) => return skip(e.to_string()),
    };
    let cand = history.replay(candidate, host, until);
    let cand_outcome = match CaseOutcome::read(cand.case(), cand.events(), cand.refused()) {
        Ok(o) => o,
        Err(e) => return skip(format!("the candidate's replay does not read: {e}")),
    };
    let base_replay = baseline.map(|policy| history.replay(policy, host, until));
    let (base_outcome, base_events): (CaseOutcome, &[Event]) = if let Some(base) = &base_replay {
        match CaseOutcome::read(base.case(), base.events(), base.refused()) {
            Ok(o) => (o, base.events()),
            Err(e) => return skip(format!("the baseline's replay does not read: {e}")),
        }
    } else {
        let case = match Case::replay(events) {
            Ok(case) => case,
            Err(e) => return skip(format!("the recorded log does not replay: {e}")),
        };
        match CaseOutcome::read(&case, events, &[]) {
            Ok(o) => (o, events),
            Err(e) => return skip(format!("the recorded log does not read: {e}")),
        }
    };
    let changed = (base_outcome != cand_outcome).then(|| Changed {
        case: id.to_string(),
        differences: base_outcome.differences(&cand_outcome),
        divergence: divergence(base_events, cand.events()),
    });
    One::Compared(Box::new(Compared {
        baseline: base_outcome,
        candidate: cand_outcome,
        changed,
    }))
}

/// The first position where two logs differ, with both events in words.
fn divergence(baseline: &[Event], candidate: &[Event]) -> Option<Divergence> {
    let index = (0..baseline.len().max(candidate.len())).find(|&i| {
        match (baseline.get(i), candidate.get(i)) {
            (Some(a), Some(b)) => !same(a, b),
            _ => true,
        }
    })?;
    Some(Divergence {
        index,
        version: index as u64 + 1,
        baseline: in_words(baseline, index),
        candidate: in_words(candidate, index),
    })
}

/// Whether two events are the same but for the policy an `opened` event
/// names (every replay under another policy differs there).
fn same(a: &Event, b: &Event) -> bool {
    match (a.kind(), b.kind()) {
        (EventKind::Opened(x), EventKind::Opened(y)) => {
            let mut y = (**y).clone();
            y.policy.clone_from(&x.policy);
            y.policy_fingerprint.clone_from(&x.policy_fingerprint);
            **x == y
                && a.version() == b.version()
                && a.at() == b.at()
                && a.actor() == b.actor()
                && a.command() == b.command()
        }
        _ => a == b,
    }
}

/// The event at `index` as a line of the case's story (its JSON when the
/// log up to it does not replay).
fn in_words(events: &[Event], index: usize) -> Option<String> {
    let event = events.get(index)?;
    match crate::Timeline::from_events(&events[..=index]) {
        Ok(timeline) => timeline.as_str().lines().last().map(str::to_owned),
        Err(_) => serde_json::to_string(event).ok(),
    }
}
