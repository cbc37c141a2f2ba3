//! What a policy guarantees a case nobody touches, found by running it.
//!
//! For every channel (phone, voicemail, email, chat, `social_public`,
//! `social_private`), priority and customer value, a case is opened by a
//! customer's contact and left alone: nobody answers, owns or escalates
//! it. It is ticked at each [`Case::next_wakeup`] up to a horizon, and its
//! events say when the customer must first hear back (the first-response
//! clock's due instant), when the policy first requires an owner (and of
//! which tier), when it first requires an escalation (to which tier), and
//! when a clock first breaches. This is done for openings across one week
//! (every hour from Monday 00:00 in the policy's time zone, by default,
//! and at every closing of the weekly hours of the policy's calendars: a
//! case opened as the desk closes waits longest, and a short target's
//! worst opening falls between the hours), and each guarantee is the worst case: the longest wall-clock delay from
//! opening over the week.
//!
//! Nothing is read from the policy's text: the table is what the engine
//! does, calendars, holidays and rules included.
//!
//! # Example
//! ```
//! use escalate::policy::Policy;
//! use escalate::tools::guarantees::{guarantees, Guarantees};
//! use escalate::{Channel, CustomerValue, Priority};
//! let table: Guarantees = guarantees(&Policy::recommended())?;
//! assert_eq!(table.rows.len(), 6 * 4 * 2);
//! let email = table.row(Channel::Email, Priority::Normal, CustomerValue::Standard).unwrap();
//! // 4 business hours on Mon-Fri 09:00-17:00: opened on Friday just after
//! // 13:00, the customer hears back on Monday at 09:00 at the latest.
//! assert_eq!(email.first_response.as_ref().map(|w| w.after.num_hours()), Some(68));
//! // Nobody answers: the breach escalates one tier, to supervisor.
//! let escalation = email.escalation.as_ref().unwrap();
//! assert_eq!(escalation.tier.as_ref().map(|t| t.as_str()), Some("supervisor"));
//! # Ok::<(), escalate::tools::guarantees::GuaranteeError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::sla::Metric;
use crate::{
    Actor, Case, CaseId, Channel, Command, CommandId, CommandKind, Customer, CustomerId,
    CustomerValue, Event, EventKind, Origin, Priority, Tier,
};

/// The channels a case opens on, in table order (a survey opens no case).
///
/// # Example
/// ```
/// use escalate::Channel;
/// use escalate::policy::Policy;
/// use escalate::tools::guarantees::{guarantees, CHANNELS};
/// assert_eq!(CHANNELS[0], Channel::Phone);
/// assert!(!CHANNELS.contains(&Channel::Survey));
/// let table = guarantees(&Policy::recommended())?;
/// assert_eq!(table.rows[0].channel, CHANNELS[0]);
/// # Ok::<(), escalate::tools::guarantees::GuaranteeError>(())
/// ```
pub const CHANNELS: [Channel; 6] = Channel::CONTACTS;

/// The most wake-ups one opening is followed through (a valid policy
/// needs far fewer before its horizon).
const MAX_WAKEUPS: usize = 10_000;

/// How the table is computed: the week of openings and how far each case
/// is followed.
///
/// # Example
/// ```
/// use chrono::TimeDelta;
/// use escalate::tools::guarantees::Settings;
/// let s = Settings::default();
/// assert_eq!(s.step, TimeDelta::hours(1));
/// assert_eq!(s.horizon, TimeDelta::days(30));
/// assert_eq!(s.week_of.to_string(), "2021-06-07");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// A date in the week of openings: they start on the Monday of its
    /// week, at 00:00 in the policy's time zone.
    pub week_of: NaiveDate,
    /// The time between two openings (an hour: 168 openings a week); the
    /// closings of the policy's calendars are openings as well.
    pub step: TimeDelta,
    /// How long after opening each case is followed (30 days): what has
    /// not happened by then is not guaranteed.
    pub horizon: TimeDelta,
}

impl Default for Settings {
    /// The week of Monday 7 June 2021 (no common public holiday), hourly,
    /// followed for 30 days.
    fn default() -> Self {
        Settings {
            week_of: NaiveDate::from_ymd_opt(2021, 6, 7).unwrap_or_default(),
            step: TimeDelta::hours(1),
            horizon: TimeDelta::days(30),
        }
    }
}

/// The worst case of one guarantee: the longest wall-clock delay from
/// opening over the week, and what it concerns at that opening.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::tools::guarantees::guarantees;
/// use escalate::{Channel, CustomerValue, Priority};
/// let table = guarantees(&Policy::recommended())?;
/// let post = table.row(Channel::SocialPublic, Priority::Normal, CustomerValue::Standard).unwrap();
/// let owner = post.owner.as_ref().unwrap();
/// assert_eq!(owner.after.num_seconds(), 0); // at once
/// assert_eq!(owner.tier.as_ref().map(|t| t.as_str()), Some("manager"));
/// assert_eq!(serde_json::to_string(owner)?, r#"{"after_seconds":0,"tier":"manager"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Worst {
    /// The delay from opening.
    #[serde(rename = "after_seconds", with = "crate::sla::seconds")]
    pub after: TimeDelta,
    /// The tier required (owner, escalation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// The metric that breached (breach).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
}

/// What the policy guarantees a case opened on one channel, at one
/// priority, for one customer value. Each field is the [worst case](Worst)
/// over the week's openings, and `None` when at least one opening did not
/// get it within the horizon (it is not guaranteed).
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::tools::guarantees::guarantees;
/// use escalate::{Channel, CustomerValue, Priority};
/// let table = guarantees(&Policy::recommended())?;
/// let post = table.row(Channel::SocialPublic, Priority::Urgent, CustomerValue::HighValue).unwrap();
/// // One hour around the clock: the breach comes an hour after opening.
/// assert_eq!(post.first_response.as_ref().map(|w| w.after.num_minutes()), Some(60));
/// assert_eq!(post.breach.as_ref().map(|w| w.after.num_minutes()), Some(60));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guarantee {
    /// The channel the case opened on.
    pub channel: Channel,
    /// Its priority.
    pub priority: Priority,
    /// The customer's value.
    pub customer: CustomerValue,
    /// When the customer must first hear back: the first-response clock's
    /// due instant.
    pub first_response: Option<Worst>,
    /// When the policy first requires an owner, and of which tier.
    pub owner: Option<Worst>,
    /// When the policy first requires an escalation, and to which tier.
    pub escalation: Option<Worst>,
    /// When a clock first breaches, and which.
    pub breach: Option<Worst>,
}

/// The guarantees table of a policy: one [`Guarantee`] per channel,
/// priority and customer value.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::tools::guarantees::guarantees;
/// let table = guarantees(&Policy::recommended())?;
/// assert_eq!(table.openings, 168);
/// let shown = table.to_string();
/// assert!(shown.starts_with("what a case nobody touches is guaranteed"), "{shown}");
/// assert!(shown.contains("worst case (longest delay from opening) over 168 openings"), "{shown}");
/// assert!(shown.contains("social_public"), "{shown}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guarantees {
    /// The openings each row is the worst case of.
    pub openings: usize,
    /// How long each case was followed.
    #[serde(rename = "horizon_seconds", with = "crate::sla::seconds")]
    pub horizon: TimeDelta,
    /// The rows, by channel, priority and value.
    pub rows: Vec<Guarantee>,
}

impl Guarantees {
    /// The row of one combination.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::tools::guarantees::guarantees;
    /// use escalate::{Channel, CustomerValue, Priority};
    /// let table = guarantees(&Policy::default())?;
    /// let row = table.row(Channel::Phone, Priority::Low, CustomerValue::Standard).unwrap();
    /// assert_eq!(row.first_response, None); // the default policy has no targets
    /// assert!(table.row(Channel::Survey, Priority::Low, CustomerValue::Standard).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn row(
        &self,
        channel: Channel,
        priority: Priority,
        customer: CustomerValue,
    ) -> Option<&Guarantee> {
        self.rows
            .iter()
            .find(|r| r.channel == channel && r.priority == priority && r.customer == customer)
    }
}

/// A case the engine refused to open, or an event it refused to apply.
///
/// # Example
/// ```
/// use escalate::tools::guarantees::GuaranteeError;
/// fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
/// is_error::<GuaranteeError>();
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a case opened on {channel} at {at}: {problem}")]
pub struct GuaranteeError {
    channel: String,
    at: DateTime<Utc>,
    problem: String,
}

/// The guarantees table of `policy` with the default [`Settings`].
///
/// # Errors
/// [`GuaranteeError`] when the engine refuses to open a case or apply one
/// of its events (it does not for a valid policy).
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// let table = escalate::tools::guarantees::guarantees(&Policy::recommended())?;
/// assert!(table.rows.iter().all(|r| r.first_response.is_some()));
/// # Ok::<(), escalate::tools::guarantees::GuaranteeError>(())
/// ```
pub fn guarantees(policy: &Policy) -> Result<Guarantees, GuaranteeError> {
    guarantees_with(policy, &Settings::default())
}

/// The guarantees table of `policy`, computed as `settings` say.
///
/// # Errors
/// As [`guarantees`].
///
/// # Example
/// ```
/// use chrono::TimeDelta;
/// use escalate::policy::Policy;
/// use escalate::tools::guarantees::{guarantees_with, Settings};
/// let daily = Settings { step: TimeDelta::days(1), ..Settings::default() };
/// let table = guarantees_with(&Policy::recommended(), &daily)?;
/// // Each midnight, and each closing of the business calendar (17:00 on
/// // weekdays): the worst openings are there.
/// assert_eq!(table.openings, 7 + 5);
/// # Ok::<(), escalate::tools::guarantees::GuaranteeError>(())
/// ```
pub fn guarantees_with(policy: &Policy, settings: &Settings) -> Result<Guarantees, GuaranteeError> {
    let openings = openings(policy, settings);
    let mut combos = Vec::new();
    for channel in CHANNELS {
        for priority in Priority::ALL {
            for customer in CustomerValue::ALL {
                combos.push((channel, priority, customer));
            }
        }
    }
    let runs: Vec<(usize, DateTime<Utc>)> = (0..combos.len())
        .flat_map(|c| openings.iter().map(move |at| (c, *at)))
        .collect();
    let observed = crate::par::map(runs, |(c, at)| {
        let (channel, priority, customer) = combos[c];
        observe(policy, channel, priority, customer, at, settings.horizon).map(|o| (c, o))
    });
    let mut worst: Vec<Option<Seen>> = vec![None; combos.len()];
    for seen in observed {
        let (c, seen) = seen?;
        if let Some(slot) = worst.get_mut(c) {
            *slot = Some(match slot.take() {
                None => seen,
                Some(so_far) => so_far.worst(seen),
            });
        }
    }
    let rows = combos
        .into_iter()
        .zip(worst)
        .map(|((channel, priority, customer), seen)| {
            let seen = seen.unwrap_or_default();
            Guarantee {
                channel,
                priority,
                customer,
                first_response: seen.first_response,
                owner: seen.owner,
                escalation: seen.escalation,
                breach: seen.breach,
            }
        })
        .collect();
    Ok(Guarantees {
        openings: openings.len(),
        horizon: settings.horizon,
        rows,
    })
}

/// The openings: from Monday 00:00 of the week (policy time zone), every
/// `step`, for seven days; none past the range of time (a week at the
/// edge of the calendar has fewer, or none).
fn openings(policy: &Policy, settings: &Settings) -> Vec<DateTime<Utc>> {
    let back = TimeDelta::days(i64::from(settings.week_of.weekday().num_days_from_monday()));
    let Some(monday) = settings.week_of.checked_sub_signed(back) else {
        return Vec::new();
    };
    let tz = policy.time_zone();
    let start = monday
        .and_hms_opt(0, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map_or_else(
            || monday.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.to_utc(),
        );
    let end = start
        .checked_add_signed(TimeDelta::days(7))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let step = settings.step.max(TimeDelta::seconds(1));
    let mut out = Vec::new();
    let mut at = Some(start);
    while let Some(now) = at.filter(|now| *now < end) {
        out.push(now);
        at = now.checked_add_signed(step);
    }
    // The worst openings are at a closing (the case waits the whole night
    // or weekend): each closing of the week is an opening too, whatever
    // the step.
    for calendar in policy.calendars() {
        let ctz = calendar.time_zone();
        for (day, seconds) in calendar.weekly_closings() {
            let local = monday
                .checked_add_signed(TimeDelta::days(i64::from(day)))
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t + TimeDelta::seconds(i64::from(seconds)))
                .and_then(|t| ctz.from_local_datetime(&t).earliest());
            if let Some(at) = local.map(|t| t.to_utc())
                && at >= start
                && at < end
            {
                out.push(at);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// What one opening (or the worst of several) saw: `None` for what did
/// not happen within the horizon.
#[derive(Clone, Debug, Default)]
struct Seen {
    first_response: Option<Worst>,
    owner: Option<Worst>,
    escalation: Option<Worst>,
    breach: Option<Worst>,
}

impl Seen {
    /// The worse of two: a guarantee missing from either is missing.
    fn worst(self, other: Seen) -> Seen {
        fn pick(a: Option<Worst>, b: Option<Worst>) -> Option<Worst> {
            match (a, b) {
                (Some(a), Some(b)) => Some(if b.after > a.after { b } else { a }),
                _ => None,
            }
        }
        Seen {
            first_response: pick(self.first_response, other.first_response),
            owner: pick(self.owner, other.owner),
            escalation: pick(self.escalation, other.escalation),
            breach: pick(self.breach, other.breach),
        }
    }
}

/// Opens one case and follows it, untouched, to the horizon.
fn observe(
    policy: &Policy,
    channel: Channel,
    priority: Priority,
    customer: CustomerValue,
    at: DateTime<Utc>,
    horizon: TimeDelta,
) -> Result<Seen, GuaranteeError> {
    let fail = |problem: String| GuaranteeError {
        channel: channel.to_string(),
        at,
        problem,
    };
    let id = |text: &str| text.to_owned();
    let case_id: CaseId = id("guarantee").parse().map_err(|e| fail(format!("{e}")))?;
    let command_id: CommandId = id("open").parse().map_err(|e| fail(format!("{e}")))?;
    let customer_id: CustomerId = id("customer").parse().map_err(|e| fail(format!("{e}")))?;
    let open = Command::new(
        command_id,
        Actor::Customer,
        at,
        CommandKind::Open {
            customer: Customer::new(customer_id, customer),
            origin: Origin::Contact { channel },
            summary: "left alone".into(),
            priority,
        },
    );
    let mut case = Case::new(case_id);
    let mut watch = Watch::new(at);
    let events = case
        .handle(policy, open, at)
        .map_err(|e| fail(e.to_string()))?;
    watch.apply(&mut case, &events).map_err(&fail)?;
    let end = at
        .checked_add_signed(horizon)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    for _ in 0..MAX_WAKEUPS {
        if watch.done() {
            break;
        }
        let Some(next) = case.next_wakeup(policy).filter(|next| *next <= end) else {
            break;
        };
        let events = case.tick(policy, next);
        if events.is_empty() {
            break;
        }
        watch.apply(&mut case, &events).map_err(&fail)?;
    }
    Ok(watch.seen())
}

/// The first of each kind of event, as a case is followed.
struct Watch {
    opened: DateTime<Utc>,
    metrics: BTreeMap<u32, Metric>,
    first_response: Option<Worst>,
    owner: Option<Worst>,
    escalation: Option<Worst>,
    breach: Option<Worst>,
}

impl Watch {
    fn new(opened: DateTime<Utc>) -> Watch {
        Watch {
            opened,
            metrics: BTreeMap::new(),
            first_response: None,
            owner: None,
            escalation: None,
            breach: None,
        }
    }

    fn done(&self) -> bool {
        self.first_response.is_some()
            && self.owner.is_some()
            && self.escalation.is_some()
            && self.breach.is_some()
    }

    fn apply(&mut self, case: &mut Case, events: &[Event]) -> Result<(), String> {
        for event in events {
            self.see(event);
            case.apply(event).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn see(&mut self, event: &Event) {
        let after = event.at() - self.opened;
        let worst = |tier: Option<&Tier>, metric: Option<Metric>| Worst {
            after,
            tier: tier.cloned(),
            metric,
        };
        match event.kind() {
            EventKind::ClockStarted {
                clock, metric, due, ..
            } => {
                self.metrics.insert(clock.get(), *metric);
                if *metric == Metric::FirstResponse
                    && self.first_response.is_none()
                    && let Some(due) = due
                {
                    self.first_response = Some(Worst {
                        after: *due - self.opened,
                        tier: None,
                        metric: None,
                    });
                }
            }
            EventKind::OwnerRequired { tier, .. } if self.owner.is_none() => {
                self.owner = Some(worst(Some(tier), None));
            }
            EventKind::EscalationRequired { tier, .. } if self.escalation.is_none() => {
                self.escalation = Some(worst(Some(tier), None));
            }
            EventKind::SlaBreached { clock } if self.breach.is_none() => {
                let metric = self.metrics.get(&clock.get()).copied();
                self.breach = Some(worst(None, metric));
            }
            _ => {}
        }
    }

    fn seen(self) -> Seen {
        Seen {
            first_response: self.first_response,
            owner: self.owner,
            escalation: self.escalation,
            breach: self.breach,
        }
    }
}

/// A delay for people: `68h`, `1h`, `at once`.
fn delay(d: TimeDelta) -> String {
    if d <= TimeDelta::zero() {
        "at once".to_owned()
    } else {
        crate::sla::format_span(d)
    }
}

fn cell(w: Option<&Worst>) -> String {
    match w {
        None => "-".to_owned(),
        Some(w) => {
            let what = w
                .tier
                .as_ref()
                .map(ToString::to_string)
                .or_else(|| w.metric.map(|m| m.to_string()));
            match what {
                Some(what) => format!("{} ({what})", delay(w.after)),
                None => delay(w.after),
            }
        }
    }
}

impl fmt::Display for Guarantees {
    /// One line per group of combinations with the same guarantees: the
    /// channels, priorities and values, then the worst delays from opening
    /// (`-`: not at every opening within the horizon).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "what a case nobody touches is guaranteed, found by running the policy: the worst \
             case (longest delay from opening) over {} openings in a week, each followed for {}; \
             -: not at every opening within that time",
            self.openings,
            delay(self.horizon)
        )?;
        // Group rows whose guarantees are the same, in first-seen order.
        let mut groups: Vec<([String; 4], Vec<&Guarantee>)> = Vec::new();
        for row in &self.rows {
            let key = [
                cell(row.first_response.as_ref()),
                cell(row.owner.as_ref()),
                cell(row.escalation.as_ref()),
                cell(row.breach.as_ref()),
            ];
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((key, vec![row])),
            }
        }
        let header = [
            "cases".to_owned(),
            "first response".to_owned(),
            "owner required".to_owned(),
            "escalation required".to_owned(),
            "first breach".to_owned(),
        ];
        let lines: Vec<[String; 5]> = std::iter::once(header)
            .chain(groups.iter().map(|(key, rows)| {
                let [first, owner, escalation, breach] = key.clone();
                [describe(rows), first, owner, escalation, breach]
            }))
            .collect();
        let mut widths = [0usize; 5];
        for line in &lines {
            for (w, cell) in widths.iter_mut().zip(line) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for line in &lines {
            let mut text = String::new();
            for (i, (w, cell)) in widths.iter().zip(line).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                if i + 1 < line.len() {
                    text.push_str(&" ".repeat(w - cell.chars().count()));
                }
            }
            writeln!(f, "  {text}")?;
        }
        Ok(())
    }
}

/// The combinations of a group, compactly: `phone, chat`, `email urgent`,
/// `email low/high_value`.
fn describe(rows: &[&Guarantee]) -> String {
    if rows.len() == CHANNELS.len() * Priority::ALL.len() * CustomerValue::ALL.len() {
        return "all".to_owned();
    }
    let mut parts = Vec::new();
    for channel in CHANNELS {
        let mine: Vec<&&Guarantee> = rows.iter().filter(|r| r.channel == channel).collect();
        if mine.is_empty() {
            continue;
        }
        if mine.len() == Priority::ALL.len() * CustomerValue::ALL.len() {
            parts.push(channel.key().to_owned());
            continue;
        }
        let mut bits = Vec::new();
        for priority in Priority::ALL {
            let at: Vec<&&&Guarantee> = mine.iter().filter(|r| r.priority == priority).collect();
            match at.as_slice() {
                [] => {}
                [one] => bits.push(format!("{priority}/{}", one.customer.key())),
                _ => bits.push(priority.to_string()),
            }
        }
        parts.push(format!("{} {}", channel.key(), bits.join(" ")));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_at_the_edges_of_time_do_not_panic() {
        let policy = Policy::recommended();
        for settings in [
            Settings {
                week_of: NaiveDate::MAX,
                step: TimeDelta::days(1),
                ..Settings::default()
            },
            Settings {
                week_of: NaiveDate::MIN,
                step: TimeDelta::days(1),
                ..Settings::default()
            },
            Settings {
                step: TimeDelta::MAX,
                horizon: TimeDelta::MAX,
                ..Settings::default()
            },
            Settings {
                step: TimeDelta::days(1),
                horizon: TimeDelta::MIN,
                ..Settings::default()
            },
        ] {
            // A table or an error, not a panic: at most a daily opening
            // and the five closings of the business calendar.
            if let Ok(table) = guarantees_with(&policy, &settings) {
                assert!(table.openings <= 7 + 5, "{settings:?}");
            }
        }
    }

    #[test]
    fn the_recommended_policy_guarantees_what_its_targets_say() {
        let table = guarantees(&Policy::recommended()).unwrap();
        assert_eq!(table.rows.len(), 48);
        assert_eq!(table.openings, 168);
        for row in &table.rows {
            let first = row.first_response.as_ref().unwrap();
            let breach = row.breach.as_ref().unwrap();
            // Nobody answers: the earliest clock to breach is at or before
            // the first response's due instant, at every opening.
            assert!(breach.after <= first.after, "{row:?}");
            match row.channel {
                // One hour on the always-open calendar.
                Channel::SocialPublic => {
                    assert_eq!(first.after, TimeDelta::hours(1));
                    assert_eq!(
                        row.owner.as_ref().unwrap().tier.as_ref().unwrap().as_str(),
                        "manager"
                    );
                }
                // One business hour: Friday 16:00 to Monday 09:00 plus.
                Channel::Voicemail => assert_eq!(first.after, TimeDelta::hours(65)),
                // Four business hours: Friday 13:00 to Monday 09:00.
                _ => assert_eq!(first.after, TimeDelta::hours(68)),
            }
            // The breach rule escalates one tier from none: to frontline's
            // next, supervisor (an unowned case escalates from the bottom).
            assert!(row.escalation.is_some(), "{row:?}");
        }
    }

    /// A 15-minute target on a desk closing at 17:30: the worst opening
    /// is the closing itself (Friday 17:30 to Monday 09:15), which no
    /// hourly opening catches (Friday 18:00 gives 63h15m).
    #[test]
    fn the_closings_of_the_calendars_are_openings_too() {
        let policy = Policy::from_toml_str(
            r#"
            version = "late-close"
            tiers = ["frontline", "supervisor"]
            [calendars.desk]
            hours = { mon = ["09:00-17:30"], tue = ["09:00-17:30"], wed = ["09:00-17:30"], thu = ["09:00-17:30"], fri = ["09:00-17:30"] }
            [[sla]]
            metric = "first_response"
            fallback = { within = "15m", calendar = "desk" }
            "#,
        )
        .unwrap();
        let table = guarantees(&policy).unwrap();
        assert_eq!(table.openings, 168 + 5);
        let row = table
            .row(Channel::Email, Priority::Normal, CustomerValue::Standard)
            .unwrap();
        assert_eq!(
            row.first_response.as_ref().unwrap().after,
            TimeDelta::hours(63) + TimeDelta::minutes(45)
        );
    }

    #[test]
    fn a_channel_with_no_target_guarantees_no_response() {
        let policy = Policy::from_toml_str(
            r#"
            version = "v1"
            tiers = ["frontline", "supervisor"]
            [[sla]]
            metric = "first_response"
            targets = [{ when = { channel = "email" }, target = { within = "2h" } }]
            "#,
        )
        .unwrap();
        let daily = Settings {
            step: TimeDelta::hours(6),
            ..Settings::default()
        };
        let table = guarantees_with(&policy, &daily).unwrap();
        for row in &table.rows {
            let first = row.first_response.as_ref().map(|w| w.after);
            if row.channel == Channel::Email {
                assert_eq!(first, Some(TimeDelta::hours(2)));
                assert_eq!(
                    row.breach.as_ref().and_then(|w| w.metric),
                    Some(Metric::FirstResponse)
                );
            } else {
                assert_eq!(first, None, "{row:?}");
                assert_eq!(row.breach, None);
            }
            assert_eq!(row.owner, None);
            assert_eq!(row.escalation, None);
        }
        let shown = table.to_string();
        assert!(shown.contains("email  "), "{shown}");
        assert!(
            shown.contains("phone, voicemail, chat, social_public, social_private"),
            "{shown}"
        );
    }

    #[test]
    fn the_table_round_trips_through_json() {
        let daily = Settings {
            step: TimeDelta::days(1),
            ..Settings::default()
        };
        let table = guarantees_with(&Policy::recommended(), &daily).unwrap();
        let json = serde_json::to_string(&table).unwrap();
        assert_eq!(serde_json::from_str::<Guarantees>(&json).unwrap(), table);
    }
}
