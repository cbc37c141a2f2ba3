//! SLA targets as policy data: which metric, how long, on which calendar,
//! with which warnings, and what reopening does.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::CalendarName;
use crate::{Channel, CustomerValue, Priority, ResponseKind, Tier};

/// What an SLA clock measures.
///
/// # Example
/// ```
/// use escalate::sla::Metric;
/// assert_eq!(Metric::FirstResponse.to_string(), "first response");
/// assert_eq!(serde_json::to_string(&Metric::NextResponse)?, r#""next_response""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// From opening to the company's first response; once per case. A case
    /// opened from a referral has none: the customer has not spoken yet.
    FirstResponse,
    /// From the oldest unanswered customer contact to the next response. A
    /// voicemail's callback is this metric on the voicemail channel.
    NextResponse,
    /// Between company updates while the case is open.
    PeriodicUpdate,
    /// From opening to resolved.
    Resolution,
    /// To a time promised to the customer (wall-clock: the promise says
    /// when). Its breach breaks the promise.
    Promise,
    /// How long the case stays owned at one tier (an operational-level
    /// agreement, Zendesk's group SLA): a clock starts when the case gets an
    /// owner or its owner changes tier, for the new owner's tier, and stops
    /// when the owner's tier changes again or the case is resolved or
    /// closed. A handoff or escalation within the tier keeps it running.
    /// Its targets may differ per tier: a target rule's
    /// [`when.tier`](Match::tier) matches the tier the clock measures.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::{Channel, CustomerValue, Priority, Tier};
    /// use escalate::sla::{Match, Metric, MetricPolicy, Target, Within};
    /// // Frontline hands a case on within 2 business hours; other tiers within 4.
    /// let frontline: Tier = "frontline".parse()?;
    /// let ola = MetricPolicy::new(Metric::TierOwnership, Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?))
    ///     .with_rule(Match { tier: Some(frontline.clone()), ..Match::default() },
    ///                Target::new(Within::Time(TimeDelta::hours(2)), "desk".parse()?));
    /// let target = |tier: &Tier| ola.target_for_tier(Priority::Normal, Some(Channel::Email), CustomerValue::Standard, Some(tier));
    /// assert_eq!(target(&frontline).map(|t| t.within.to_string()), Some("2h".into()));
    /// assert_eq!(target(&"supervisor".parse()?).map(|t| t.within.to_string()), Some("4h".into()));
    /// assert_eq!(Metric::TierOwnership.to_string(), "tier ownership");
    /// assert_eq!(serde_json::to_string(&Metric::TierOwnership)?, r#""tier_ownership""#);
    /// assert!(!Metric::TierOwnership.is_response());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    TierOwnership,
}

impl Metric {
    /// Whether a company response stops this metric's clock (first
    /// response, next response, periodic update), as the policy's
    /// [`MetricPolicy::stopped_by`] says.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::Metric;
    /// assert!(Metric::NextResponse.is_response());
    /// assert!(!Metric::Resolution.is_response());
    /// ```
    #[must_use]
    pub fn is_response(self) -> bool {
        matches!(
            self,
            Metric::FirstResponse | Metric::NextResponse | Metric::PeriodicUpdate
        )
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Metric::FirstResponse => "first response",
            Metric::NextResponse => "next response",
            Metric::PeriodicUpdate => "periodic update",
            Metric::Resolution => "resolution",
            Metric::Promise => "promise",
            Metric::TierOwnership => "tier ownership",
        })
    }
}

/// A span of business time written for people: `"4h"`, `"15m"`,
/// `"1h30m"`, `"90s"`, or whole business days: `"1 business day"`,
/// `"2 business days"`.
///
/// Hours and minutes are counted on the target's calendar (4 business hours);
/// business days are counted from the first open instant at or after the
/// start, keeping its local time of day (see [`Within::BusinessDays`]).
///
/// # Example
/// ```
/// use chrono::TimeDelta;
/// use escalate::sla::Within;
/// assert_eq!("1h30m".parse::<Within>()?, Within::Time(TimeDelta::minutes(90)));
/// assert_eq!("1 business day".parse::<Within>()?, Within::BusinessDays(1));
/// assert_eq!(Within::Time(TimeDelta::minutes(90)).to_string(), "1h30m");
/// assert!("4 hours".parse::<Within>().is_err());
/// # Ok::<(), escalate::sla::SpanError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Within {
    /// A duration of business time.
    Time(TimeDelta),
    /// A number of business days, counted from the first open instant at
    /// or after the start.
    ///
    /// # Counting
    ///
    /// The count is anchored at the first open instant at or after the
    /// start (the start itself when the calendar is open), and `n` business
    /// days are then [added](crate::sla::BusinessCalendar::add_days) to that
    /// anchor: the same local time of day on the `n`th date after it that
    /// owns open hours, or the first opening after that time. So the due
    /// instant is strictly after the start and the business time between
    /// them is never zero, whenever the calendar opens again (one that never
    /// does gives no due instant: the clock never breaches).
    ///
    /// On Mon-Fri 08:00-18:00, `1 business day` is due:
    ///
    /// | start | anchor | due | business time |
    /// |---|---|---|---|
    /// | Monday 09:00 | Monday 09:00 | Tuesday 09:00 | 10 h |
    /// | Friday 17:00 | Friday 17:00 | Monday 17:00 | 10 h |
    /// | Friday 18:00 (closed) | Monday 08:00 | Tuesday 08:00 | 10 h |
    /// | Saturday 03:00 | Monday 08:00 | Tuesday 08:00 | 10 h |
    /// | Easter Sunday, Good Friday and Easter Monday holidays | Tuesday 08:00 | Wednesday 08:00 | 10 h |
    ///
    /// Counting from the start's own date instead (the earlier rule)
    /// made a Saturday 03:00 contact due Monday 08:00: zero business hours,
    /// with every warning firing at once.
    ///
    /// *Why this rule.* The helpdesks people compare with count a target
    /// only while the business hours are open, so a ticket that arrives
    /// after hours starts its count at the next opening: Freshdesk converts
    /// a target in days into the working hours of a business day and counts
    /// those from the next opening; Jira Service Management and Zendesk
    /// count SLA goals only within the calendar's hours. On a calendar whose
    /// business days have the same hours, `n` business days here are
    /// exactly `n` days' worth of open hours from the anchor (Monday 08:00
    /// plus 10 h runs out at Monday's closing and lands on Tuesday 08:00, as
    /// any business-time target does). Keeping the local time of day
    /// (rather than adding hours) keeps the due instant on the clock face
    /// people expect when days have different hours or a day is short.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeDelta, TimeZone};
    /// use escalate::sla::{BusinessCalendar, Within};
    /// let date = |m, d| NaiveDate::from_ymd_opt(2021, m, d).ok_or("date");
    /// let cal = BusinessCalendar::builder("Europe/London".parse()?)
    ///     .weekdays(&["08:00-18:00"])
    ///     .holiday(date(4, 2)?) // Good Friday
    ///     .holiday(date(4, 5)?) // Easter Monday
    ///     .build()?;
    /// let london = cal.time_zone();
    /// let at = |m, d, h| london.with_ymd_and_hms(2021, m, d, h, 0, 0).unwrap().to_utc();
    /// let one_day = Within::BusinessDays(1);
    /// // Saturday 19 June 03:00: counted from Monday 08:00, due Tuesday 08:00.
    /// assert_eq!(one_day.due_after(&cal, at(6, 19, 3))?, at(6, 22, 8));
    /// assert_eq!(cal.elapsed(at(6, 19, 3), at(6, 22, 8)), TimeDelta::hours(10));
    /// // Friday 17:00, open: due Monday 17:00.
    /// assert_eq!(one_day.due_after(&cal, at(6, 18, 17))?, at(6, 21, 17));
    /// // Monday 09:00: due Tuesday 09:00.
    /// assert_eq!(one_day.due_after(&cal, at(6, 21, 9))?, at(6, 22, 9));
    /// // Easter Sunday 10:00: the desk reopens Tuesday 08:00; due Wednesday 08:00.
    /// assert_eq!(one_day.due_after(&cal, at(4, 4, 10))?, at(4, 7, 8));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    BusinessDays(u32),
}

/// A span that could not be read.
///
/// # Example
/// ```
/// use escalate::sla::Within;
/// let err = "4 hours".parse::<Within>().unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid span "4 hours": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid span {0:?}: expected a duration such as \"4h\", \"15m\", \"1h30m\" or \"2 business days\""
)]
pub struct SpanError(String);

/// Parses `"1h30m"`-style spans (hours, minutes, seconds; at least one part;
/// each part a whole number); the total must be positive.
pub(crate) fn parse_span(text: &str) -> Option<TimeDelta> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = TimeDelta::zero();
    let mut last_unit = 0u8;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let (rank, part) = match unit {
            'h' => (1, TimeDelta::try_hours(n)?),
            'm' => (2, TimeDelta::try_minutes(n)?),
            's' => (3, TimeDelta::try_seconds(n)?),
            _ => return None,
        };
        if rank <= last_unit {
            return None;
        }
        last_unit = rank;
        total = total.checked_add(&part)?;
        rest = &rest[digits + 1..];
    }
    (total > TimeDelta::zero()).then_some(total)
}

/// Formats a duration as `"1h30m"` (whole seconds; `"0s"` for zero).
pub(crate) fn format_span(d: TimeDelta) -> String {
    let total = d.num_seconds();
    let sign = if total < 0 { "-" } else { "" };
    let total = total.unsigned_abs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut out = String::from(sign);
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 || (unit == 's' && h == 0 && m == 0) {
            out.push_str(&n.to_string());
            out.push(unit);
        }
    }
    out
}

impl Within {
    /// When this span, counted on `calendar` from `start`, runs out: `start`
    /// plus the business time ([`BusinessCalendar::add`](crate::sla::BusinessCalendar::add)),
    /// or business days counted from the first open instant at or after
    /// `start` (see [`Within::BusinessDays`]).
    ///
    /// # Errors
    ///
    /// A [`CalendarError`](crate::sla::CalendarError) when the calendar
    /// cannot supply the span (it never opens again, or runs out of open
    /// hours or business days) or the answer is beyond chrono's dates.
    ///
    /// # Example
    /// ```
    /// use chrono::{TimeDelta, TimeZone};
    /// use escalate::sla::{BusinessCalendar, Within};
    /// let cal = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["09:00-17:00"]).build()?;
    /// let new_york = cal.time_zone();
    /// let fri_16 = new_york.with_ymd_and_hms(2021, 6, 25, 16, 0, 0).unwrap().to_utc();
    /// let mon_11 = new_york.with_ymd_and_hms(2021, 6, 28, 11, 0, 0).unwrap();
    /// assert_eq!(Within::Time(TimeDelta::hours(3)).due_after(&cal, fri_16)?, mon_11);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn due_after(
        self,
        calendar: &super::BusinessCalendar,
        start: chrono::DateTime<chrono::Utc>,
    ) -> Result<chrono::DateTime<chrono::Utc>, super::CalendarError> {
        match self {
            Within::Time(d) => calendar.add(start, d),
            Within::BusinessDays(n) => calendar
                .next_open(start)
                .and_then(|anchor| calendar.add_days(anchor, n)),
        }
    }

    /// When this span, counted on `calendar` from `start`, runs out; `None`
    /// when the calendar cannot supply it (it runs out of open hours, or past
    /// chrono's dates) or when it runs out after the last time a case works
    /// with (9999-12-31 23:59:59 UTC, the last an event may carry): never.
    /// Clocks, delayed rules, notices and calls all take their due instants
    /// from here, so none of their events carries a time `apply` refuses.
    pub(crate) fn due_from(
        self,
        calendar: &super::BusinessCalendar,
        start: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.due_after(calendar, start)
            .ok()
            .and_then(by_the_end_of_9999)
    }
}

/// The last second a due instant may fall in, in seconds since 1970:
/// 9999-12-31 23:59:59 UTC, the last time an event may carry
/// ([`Case::apply`](crate::Case::apply) refuses later ones).
const LAST_SECOND: i64 = 253_402_300_799;

/// `due`, or `None` (never) when it falls after the end of 9999 UTC.
pub(crate) fn by_the_end_of_9999(
    due: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    (due.timestamp() <= LAST_SECOND).then_some(due)
}

impl std::str::FromStr for Within {
    type Err = SpanError;
    fn from_str(text: &str) -> Result<Self, SpanError> {
        let bad = || SpanError(text.chars().take(40).collect());
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            [n, "business", "day" | "days"] => {
                let n: u32 = n.parse().map_err(|_| bad())?;
                if n == 0 {
                    return Err(bad());
                }
                Ok(Within::BusinessDays(n))
            }
            _ => parse_span(text).map(Within::Time).ok_or_else(bad),
        }
    }
}

impl TryFrom<String> for Within {
    type Error = SpanError;
    fn try_from(s: String) -> Result<Self, SpanError> {
        s.parse()
    }
}

impl From<Within> for String {
    fn from(w: Within) -> String {
        w.to_string()
    }
}

impl fmt::Display for Within {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Within::Time(d) => f.write_str(&format_span(*d)),
            Within::BusinessDays(1) => f.write_str("1 business day"),
            Within::BusinessDays(n) => write!(f, "{n} business days"),
        }
    }
}

/// A target: how long, on which calendar of the policy.
///
/// The calendar named `"always"` is built in: open around the clock in UTC.
///
/// # Example
/// ```
/// use escalate::sla::Target;
/// let t: Target = serde_json::from_str(r#"{"within": "4h", "calendar": "desk"}"#)?;
/// assert_eq!(t.within.to_string(), "4h");
/// assert_eq!(t.calendar, "desk");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// How long.
    pub within: Within,
    /// The name of the calendar it is measured on (the built-in `always`
    /// when left out).
    #[serde(default = "CalendarName::always")]
    pub calendar: CalendarName,
}

impl Target {
    /// A target on a named calendar.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::sla::{Target, Within};
    /// let t = Target::new(Within::Time(TimeDelta::hours(1)), "social".parse()?);
    /// assert_eq!(t.calendar, "social");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn new(within: Within, calendar: CalendarName) -> Self {
        Target { within, calendar }
    }
}

/// What a target rule matches: every field given must equal the case's
/// value; a field left out matches anything.
///
/// # Example
/// ```
/// use escalate::Channel;
/// use escalate::sla::Match;
/// let m = Match { channel: Some(Channel::Voicemail), ..Match::default() };
/// assert!(m.matches(escalate::Priority::Normal, Some(Channel::Voicemail), escalate::CustomerValue::Standard));
/// assert!(!m.matches(escalate::Priority::Normal, Some(Channel::Email), escalate::CustomerValue::Standard));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    /// The case's priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// The channel of the contact that started the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The customer's value tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerValue>,
    /// The owner's tier the clock measures: only for
    /// [`Metric::TierOwnership`] (a policy refuses it on other metrics). A
    /// rule with a tier matches only through [`Match::matches_tier`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
}

impl Match {
    /// Whether the rule applies to a clock that measures no tier: a rule
    /// naming a tier never does.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::Match;
    /// assert!(Match::default().matches(escalate::Priority::Low, None, escalate::CustomerValue::HighValue));
    /// let frontline = Match { tier: Some("frontline".parse()?), ..Match::default() };
    /// assert!(!frontline.matches(escalate::Priority::Low, None, escalate::CustomerValue::HighValue));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn matches(
        &self,
        priority: Priority,
        channel: Option<Channel>,
        customer: CustomerValue,
    ) -> bool {
        self.matches_tier(priority, channel, customer, None)
    }

    /// Whether the rule applies to a clock measuring the ownership of
    /// `tier` (`None`: a clock that measures no tier): as
    /// [`matches`](Self::matches), and the rule's tier, if it names one,
    /// must be `tier`.
    ///
    /// # Example
    /// ```
    /// use escalate::{CustomerValue, Priority, Tier};
    /// use escalate::sla::Match;
    /// let frontline: Tier = "frontline".parse()?;
    /// let m = Match { tier: Some(frontline.clone()), ..Match::default() };
    /// assert!(m.matches_tier(Priority::Normal, None, CustomerValue::Standard, Some(&frontline)));
    /// assert!(!m.matches_tier(Priority::Normal, None, CustomerValue::Standard, Some(&"supervisor".parse()?)));
    /// assert!(!m.matches_tier(Priority::Normal, None, CustomerValue::Standard, None));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn matches_tier(
        &self,
        priority: Priority,
        channel: Option<Channel>,
        customer: CustomerValue,
        tier: Option<&Tier>,
    ) -> bool {
        self.priority.is_none_or(|p| p == priority)
            && self.channel.is_none_or(|c| Some(c) == channel)
            && self.customer.is_none_or(|c| c == customer)
            && self.tier.as_ref().is_none_or(|t| Some(t) == tier)
    }
}

/// One row of a metric's target matrix: when it matches, the target.
///
/// # Example
/// ```
/// use escalate::sla::TargetRule;
/// let rule: TargetRule = serde_json::from_str(
///     r#"{"when": {"channel": "social_public"}, "target": {"within": "15m"}}"#)?;
/// assert_eq!(rule.target.within.to_string(), "15m");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRule {
    /// What it matches.
    #[serde(default)]
    pub when: Match,
    /// The target when it does.
    pub target: Target,
}

/// A warning before a clock is due.
///
/// # Example
/// ```
/// use chrono::TimeDelta;
/// use escalate::sla::Threshold;
/// assert_eq!(Threshold::Percent(75).consumed_at(TimeDelta::hours(4)), TimeDelta::hours(3));
/// assert_eq!(Threshold::Before(TimeDelta::minutes(30)).consumed_at(TimeDelta::hours(4)),
///            TimeDelta::minutes(210));
/// let t: Threshold = serde_json::from_str(r#"{"before": "30m"}"#)?;
/// assert_eq!(t, Threshold::Before(TimeDelta::minutes(30)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// When this percentage of the target has been used.
    Percent(u16),
    /// This long (business time) before the clock is due.
    Before(#[serde(with = "span_string")] TimeDelta),
}

impl Threshold {
    /// How much business time will have been used when the warning fires,
    /// for a clock with this target (never negative).
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::sla::Threshold;
    /// assert_eq!(Threshold::Before(TimeDelta::hours(9)).consumed_at(TimeDelta::hours(4)), TimeDelta::zero());
    /// ```
    #[must_use]
    pub fn consumed_at(self, target: TimeDelta) -> TimeDelta {
        let at = match self {
            Threshold::Percent(p) => {
                let secs = i128::from(target.num_seconds()) * i128::from(p) / 100;
                TimeDelta::try_seconds(i64::try_from(secs).unwrap_or(i64::MAX))
                    .unwrap_or(TimeDelta::MAX)
            }
            Threshold::Before(d) => target.checked_sub(&d).unwrap_or(TimeDelta::zero()),
        };
        at.max(TimeDelta::zero())
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Percent(p) => write!(f, "{p}% of the target used"),
            Threshold::Before(d) => write!(f, "{} before due", format_span(*d)),
        }
    }
}

/// Serde for a duration as a span string (`"30m"`).
mod span_string {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_span(*d))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_span(&text).ok_or_else(|| serde::de::Error::custom(super::SpanError(text)))
    }
}

/// What reopening a resolved case does to a metric's clock.
///
/// # Example
/// ```
/// use escalate::sla::Reopen;
/// assert_eq!(serde_json::to_string(&Reopen::NewCycle)?, r#""new_cycle""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reopen {
    /// Start a new clock, with fresh warnings.
    NewCycle,
    /// Resume the last clock where it stopped.
    Continue,
    /// Only the first cycle counts: nothing restarts.
    FirstOnly,
}

/// The SLA settings of one metric: its target matrix (first match wins,
/// then the explicit fallback), warnings, reopening, and for the response
/// metrics which kinds of response stop the clock.
///
/// # Example
/// ```
/// use escalate::sla::{Metric, MetricPolicy};
/// let p: MetricPolicy = serde_json::from_str(r#"{
///     "metric": "first_response",
///     "targets": [{"when": {"channel": "social_public"}, "target": {"within": "15m", "calendar": "social"}}],
///     "fallback": {"within": "4h", "calendar": "desk"},
///     "warnings": [{"percent": 75}]
/// }"#)?;
/// assert_eq!(p.metric, Metric::FirstResponse);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricPolicy {
    /// The metric.
    pub metric: Metric,
    /// Rules tried in order; the first that matches gives the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetRule>,
    /// The target when no rule matches; without one the metric is not
    /// tracked for such cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Target>,
    /// Cases with no target on purpose: a case one of these matches gets
    /// no clock for the metric, whatever `targets` and `fallback` say (they
    /// are tried before the targets). [`Policy::lint`](crate::policy::Policy::lint)
    /// reports the combinations of channel, priority and customer value
    /// that no target covers; listing them here says the gap is meant. In a
    /// policy file: `no_target = [{ channel = "voicemail" }]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_target: Vec<Match>,
    /// Warnings before the clock is due, each fired once per cycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Threshold>,
    /// What reopening a resolved case does.
    #[serde(default = "Reopen::default_for_serde")]
    pub reopen: Reopen,
    /// The kinds of response that stop the clock of a response metric
    /// (first response, next response, periodic update: a response that
    /// stops a periodic-update clock starts the next one). By default
    /// [`ResponseKind::REPLIES`]: a person's answer or deflection the
    /// customer sees, not an automatic acknowledgement or an internal
    /// note. Other metrics are not stopped by a response and keep the
    /// default. In a policy file: `stopped_by = ["answer", "deflection",
    /// "automated"]`.
    #[serde(default = "replies", skip_serializing_if = "is_replies")]
    pub stopped_by: Vec<ResponseKind>,
}

fn replies() -> Vec<ResponseKind> {
    ResponseKind::REPLIES.to_vec()
}

fn is_replies(kinds: &[ResponseKind]) -> bool {
    kinds == ResponseKind::REPLIES
}

impl Reopen {
    fn default_for_serde() -> Reopen {
        Reopen::NewCycle
    }
}

impl MetricPolicy {
    /// A metric with only a fallback target, no warnings, and a new cycle on
    /// reopening.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::sla::{Metric, MetricPolicy, Target, Within};
    /// use escalate::sla::Reopen;
    /// let five_days = Target::new(Within::BusinessDays(5), "desk".parse()?);
    /// let p = MetricPolicy::new(Metric::Resolution, five_days.clone());
    /// assert_eq!(p.fallback, Some(five_days));
    /// assert!(p.targets.is_empty());
    /// assert!(p.warnings.is_empty());
    /// assert_eq!(p.reopen, Reopen::NewCycle);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn new(metric: Metric, fallback: Target) -> Self {
        MetricPolicy {
            metric,
            targets: Vec::new(),
            fallback: Some(fallback),
            no_target: Vec::new(),
            warnings: Vec::new(),
            reopen: Reopen::NewCycle,
            stopped_by: replies(),
        }
    }

    /// Sets the kinds of response that stop the clock (see
    /// [`stopped_by`](Self::stopped_by)).
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::ResponseKind;
    /// use escalate::sla::{Metric, MetricPolicy, Target, Within};
    /// // An automatic acknowledgement meets this first-response target too.
    /// let p = MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?))
    ///     .with_stopped_by([ResponseKind::Answer, ResponseKind::Deflection, ResponseKind::Automated]);
    /// assert!(p.stops_on(ResponseKind::Automated));
    /// assert!(!p.stops_on(ResponseKind::InternalNote));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn with_stopped_by(mut self, kinds: impl IntoIterator<Item = ResponseKind>) -> Self {
        self.stopped_by = kinds.into_iter().collect();
        self
    }

    /// Whether a response of this kind stops the metric's clock: never for
    /// a metric a response does not stop (resolution, promises).
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::ResponseKind;
    /// use escalate::sla::{Metric, MetricPolicy, Target, Within};
    /// let first = MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?));
    /// assert!(first.stops_on(ResponseKind::Deflection));
    /// assert!(!first.stops_on(ResponseKind::Automated));
    /// let resolution = MetricPolicy::new(Metric::Resolution, Target::new(Within::BusinessDays(5), "desk".parse()?));
    /// assert!(!resolution.stops_on(ResponseKind::Answer));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn stops_on(&self, kind: ResponseKind) -> bool {
        self.metric.is_response() && self.stopped_by.contains(&kind)
    }

    /// Adds a target rule after the existing ones.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::Channel;
    /// use escalate::sla::{Match, Metric, MetricPolicy, Target, Within};
    /// let p = MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?))
    ///     .with_rule(Match { channel: Some(Channel::SocialPublic), ..Match::default() },
    ///                Target::new(Within::Time(TimeDelta::minutes(15)), "social".parse()?));
    /// assert_eq!(p.targets.len(), 1);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn with_rule(mut self, when: Match, target: Target) -> Self {
        self.targets.push(TargetRule { when, target });
        self
    }

    /// Says that cases this matches have no target on purpose (see
    /// [`no_target`](Self::no_target)): they get no clock for the metric,
    /// and lint does not report them as a gap.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::{Channel, CustomerValue, Priority};
    /// use escalate::sla::{Match, Metric, MetricPolicy, Target, Within};
    /// let p = MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?))
    ///     .with_no_target(Match { channel: Some(Channel::SocialPublic), ..Match::default() });
    /// assert!(p.target_for(Priority::Normal, Some(Channel::SocialPublic), CustomerValue::Standard).is_none());
    /// assert!(p.target_for(Priority::Normal, Some(Channel::Email), CustomerValue::Standard).is_some());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn with_no_target(mut self, when: Match) -> Self {
        self.no_target.push(when);
        self
    }

    /// Adds a warning.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::sla::{Metric, MetricPolicy, Target, Threshold, Within};
    /// let p = MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// assert_eq!(p.warnings, [Threshold::Percent(75)]);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn with_warning(mut self, threshold: Threshold) -> Self {
        self.warnings.push(threshold);
        self
    }

    /// Sets what reopening does.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::sla::{Metric, MetricPolicy, Reopen, Target, Within};
    /// let p = MetricPolicy::new(Metric::Resolution, Target::new(Within::BusinessDays(5), "desk".parse()?))
    ///     .with_reopen(Reopen::Continue);
    /// assert_eq!(p.reopen, Reopen::Continue);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn with_reopen(mut self, reopen: Reopen) -> Self {
        self.reopen = reopen;
        self
    }

    /// The target for a case: none when a [`no_target`](Self::no_target)
    /// row matches, else the first matching rule, else the fallback.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::{Channel, CustomerValue, Priority};
    /// use escalate::sla::{Match, Metric, MetricPolicy, Target, Within};
    /// let p = MetricPolicy::new(Metric::FirstResponse, Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?))
    ///     .with_rule(Match { channel: Some(Channel::SocialPublic), ..Match::default() },
    ///                Target::new(Within::Time(TimeDelta::minutes(15)), "social".parse()?));
    /// let t = p.target_for(Priority::Normal, Some(Channel::SocialPublic), CustomerValue::Standard).unwrap();
    /// assert_eq!(t.calendar, "social");
    /// let t = p.target_for(Priority::Normal, Some(Channel::Email), CustomerValue::Standard).unwrap();
    /// assert_eq!(t.calendar, "desk");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn target_for(
        &self,
        priority: Priority,
        channel: Option<Channel>,
        customer: CustomerValue,
    ) -> Option<&Target> {
        self.target_for_tier(priority, channel, customer, None)
    }

    /// The target for a clock measuring the ownership of `tier` (`None`: a
    /// clock that measures no tier): none when a [`no_target`](Self::no_target)
    /// row matches, else the first rule that
    /// [matches it](Match::matches_tier), else the fallback. What
    /// [`Metric::TierOwnership`] clocks use.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::{Channel, CustomerValue, Priority, Tier};
    /// use escalate::sla::{Match, Metric, MetricPolicy, Target, Within};
    /// let supervisor: Tier = "supervisor".parse()?;
    /// let p = MetricPolicy::new(Metric::TierOwnership, Target::new(Within::Time(TimeDelta::hours(2)), "desk".parse()?))
    ///     .with_rule(Match { tier: Some(supervisor.clone()), ..Match::default() },
    ///                Target::new(Within::Time(TimeDelta::hours(4)), "desk".parse()?));
    /// let t = p.target_for_tier(Priority::Normal, None, CustomerValue::Standard, Some(&supervisor)).unwrap();
    /// assert_eq!(t.within.to_string(), "4h");
    /// let t = p.target_for_tier(Priority::Normal, None, CustomerValue::Standard, Some(&"frontline".parse()?)).unwrap();
    /// assert_eq!(t.within.to_string(), "2h");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn target_for_tier(
        &self,
        priority: Priority,
        channel: Option<Channel>,
        customer: CustomerValue,
        tier: Option<&Tier>,
    ) -> Option<&Target> {
        if self
            .no_target
            .iter()
            .any(|m| m.matches_tier(priority, channel, customer, tier))
        {
            return None;
        }
        self.targets
            .iter()
            .find(|rule| rule.when.matches_tier(priority, channel, customer, tier))
            .map(|rule| &rule.target)
            .or(self.fallback.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(name: &str) -> CalendarName {
        name.parse().unwrap()
    }

    #[test]
    fn spans_parse_and_print() {
        for (text, secs) in [
            ("4h", 14_400),
            ("15m", 900),
            ("1h30m", 5400),
            ("90s", 90),
            ("1h0m5s", 3605),
        ] {
            assert_eq!(parse_span(text), Some(TimeDelta::seconds(secs)), "{text}");
        }
        for bad in [
            "",
            "4",
            "h",
            "4x",
            "30m1h",
            "1h1h",
            "0m",
            "-1h",
            "4 h",
            "99999999999999999h",
        ] {
            assert_eq!(parse_span(bad), None, "{bad}");
        }
        assert_eq!(format_span(TimeDelta::seconds(3605)), "1h5s");
        assert_eq!(format_span(TimeDelta::zero()), "0s");
        assert_eq!(
            "2 business days".parse::<Within>().unwrap(),
            Within::BusinessDays(2)
        );
        assert!("0 business days".parse::<Within>().is_err());
        assert_eq!(Within::BusinessDays(3).to_string(), "3 business days");
    }

    #[test]
    fn nothing_is_due_after_9999() {
        let always = super::super::BusinessCalendar::always();
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(
            chrono::DateTime::from_timestamp(LAST_SECOND, 0),
            Some(at("9999-12-31T23:59:59Z"))
        );
        let hour = Within::Time(TimeDelta::hours(1));
        assert_eq!(
            hour.due_from(&always, at("9999-12-31T22:59:59Z")),
            Some(at("9999-12-31T23:59:59Z"))
        );
        assert_eq!(hour.due_from(&always, at("9999-12-31T23:00:00Z")), None);
        assert_eq!(
            Within::BusinessDays(1).due_from(&always, at("9999-12-31T00:00:00Z")),
            None
        );
    }

    #[test]
    fn thresholds_and_serde() {
        assert_eq!(
            Threshold::Percent(50).consumed_at(TimeDelta::seconds(7)),
            TimeDelta::seconds(3)
        );
        let json = serde_json::to_string(&Threshold::Before(TimeDelta::minutes(90))).unwrap();
        assert_eq!(json, r#"{"before":"1h30m"}"#);
        let err = serde_json::from_str::<Threshold>(r#"{"before":"soon"}"#).unwrap_err();
        assert!(
            err.to_string().starts_with(r#"invalid span "soon""#),
            "{err}"
        );
        let p = MetricPolicy::new(
            Metric::NextResponse,
            Target::new(Within::BusinessDays(1), cal("store")),
        )
        .with_warning(Threshold::Percent(80))
        .with_reopen(Reopen::FirstOnly);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"metric":"next_response","fallback":{"within":"1 business day","calendar":"store"},"warnings":[{"percent":80}],"reopen":"first_only"}"#
        );
        assert_eq!(serde_json::from_str::<MetricPolicy>(&json).unwrap(), p);
    }

    #[test]
    fn first_match_wins_then_fallback() {
        let hv = Match {
            customer: Some(CustomerValue::HighValue),
            ..Match::default()
        };
        let urgent = Match {
            priority: Some(Priority::Urgent),
            ..Match::default()
        };
        let p = MetricPolicy {
            metric: Metric::FirstResponse,
            targets: vec![
                TargetRule {
                    when: hv,
                    target: Target::new(Within::Time(TimeDelta::hours(1)), cal("a")),
                },
                TargetRule {
                    when: urgent,
                    target: Target::new(Within::Time(TimeDelta::hours(2)), cal("b")),
                },
            ],
            fallback: None,
            no_target: Vec::new(),
            warnings: vec![],
            reopen: Reopen::FirstOnly,
            stopped_by: replies(),
        };
        let t = p
            .target_for(Priority::Urgent, None, CustomerValue::HighValue)
            .unwrap();
        assert_eq!(t.calendar, "a");
        let t = p
            .target_for(Priority::Urgent, None, CustomerValue::Standard)
            .unwrap();
        assert_eq!(t.calendar, "b");
        assert!(
            p.target_for(Priority::Normal, None, CustomerValue::Standard)
                .is_none()
        );
    }
}
