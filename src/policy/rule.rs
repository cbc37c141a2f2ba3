//! Escalation rules: when a condition starts to hold, do these actions.

use std::fmt;

use serde::{Deserialize, Serialize, de};

use crate::recovery::GestureKind;
use crate::sla::{CalendarName, Metric, Within};
use crate::{Priority, Tier};

/// When a rule applies. Leaves are facts about the case; `all` and `any`
/// combine them.
///
/// A rule fires when its condition *starts* to hold, and again each time one
/// of its counting facts grows while it holds (a second breach, another bad
/// survey), so the same cause never fires a rule twice.
///
/// In policy files a fact without data is a string (`"public_contact"`) and a
/// fact with data is a one-key table (`{ survey_score_at_most = 2 }`).
///
/// # Example
/// ```
/// use escalate::policy::Condition;
/// use escalate::sla::Metric;
/// let c: Condition = serde_json::from_str(r#"{"all": ["high_value_customer", {"sla_breach": "first_response"}]}"#)?;
/// assert_eq!(c, Condition::All(vec![Condition::HighValueCustomer, Condition::SlaBreach(Metric::FirstResponse)]));
/// assert_eq!(c.to_string(), "all of (a high-value customer, a first response breach)");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Condition {
    /// Every one of these holds.
    All(Vec<Condition>),
    /// At least one of these holds.
    Any(Vec<Condition>),
    /// A warning of an SLA clock of this metric fired (counts warnings).
    SlaWarning(Metric),
    /// An SLA clock of this metric was breached (counts breaches).
    SlaBreach(Metric),
    /// The n-th customer contact while the problem is still open: an earlier
    /// contact counts as unanswered until the case is resolved, since a reply
    /// that does not fix the problem does not answer it (reopening starts the
    /// count again).
    RepeatContact(u32),
    /// The customer posted on a public channel (counts public contacts).
    PublicContact,
    /// A survey answer scored at most this (counts such answers).
    SurveyScoreAtMost(u8),
    /// The customer signalled they have left.
    ChurnSignal,
    /// At least this many failures are recorded (2: a failed recovery).
    FailuresAtLeast(u32),
    /// The case's priority is at least this.
    SeverityAtLeast(Priority),
    /// The customer is high-value.
    HighValueCustomer,
    /// Staff detected the failure before the customer complained.
    InternalDetection,
    /// The company answered with a deflection: a reply that only points the
    /// customer elsewhere (counts deflections).
    Deflection,
    /// A promise's clock warned that it is about to be broken (counts warnings).
    PromiseAtRisk,
    /// A promise's due time passed unkept (counts such breaches).
    PromiseBroken,
    /// A handoff has waited this long (wall-clock) without being accepted.
    HandoffNotAccepted(Within),
    /// The case has been escalated, by hand or by rule (counts escalations).
    Escalated,
    /// The case has no owner.
    Unowned,
    /// A customer contact waits for a reply.
    Unanswered,
}

impl Condition {
    /// Every leaf of the condition, depth first.
    pub(crate) fn leaves(&self) -> Vec<&Condition> {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().flat_map(Condition::leaves).collect()
            }
            leaf => vec![leaf],
        }
    }
}

impl Condition {
    /// The kinds of fact the condition reads, so that evaluation can skip
    /// a rule none of whose facts changed.
    pub(crate) fn reads(&self) -> Reads {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().fold(Reads::NONE, |m, c| m.with(c.reads()))
            }
            leaf => leaf.leaf().map_or(Reads::NONE, Reads::of),
        }
    }

    /// The kind of a leaf condition; `None` for `All` and `Any`.
    pub(crate) fn leaf(&self) -> Option<Leaf> {
        Some(match self {
            Condition::All(_) | Condition::Any(_) => return None,
            Condition::SlaWarning(_) => Leaf::SlaWarning,
            Condition::SlaBreach(_) => Leaf::SlaBreach,
            Condition::RepeatContact(_) => Leaf::RepeatContact,
            Condition::PublicContact => Leaf::PublicContact,
            Condition::SurveyScoreAtMost(_) => Leaf::SurveyScoreAtMost,
            Condition::ChurnSignal => Leaf::ChurnSignal,
            Condition::FailuresAtLeast(_) => Leaf::FailuresAtLeast,
            Condition::SeverityAtLeast(_) => Leaf::SeverityAtLeast,
            Condition::HighValueCustomer => Leaf::HighValueCustomer,
            Condition::InternalDetection => Leaf::InternalDetection,
            Condition::Deflection => Leaf::Deflection,
            Condition::PromiseAtRisk => Leaf::PromiseAtRisk,
            Condition::PromiseBroken => Leaf::PromiseBroken,
            Condition::HandoffNotAccepted(_) => Leaf::HandoffNotAccepted,
            Condition::Escalated => Leaf::Escalated,
            Condition::Unowned => Leaf::Unowned,
            Condition::Unanswered => Leaf::Unanswered,
        })
    }
}

/// The kind of a leaf condition, without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Leaf {
    SlaWarning,
    SlaBreach,
    RepeatContact,
    PublicContact,
    SurveyScoreAtMost,
    ChurnSignal,
    FailuresAtLeast,
    SeverityAtLeast,
    HighValueCustomer,
    InternalDetection,
    Deflection,
    PromiseAtRisk,
    PromiseBroken,
    HandoffNotAccepted,
    Escalated,
    Unowned,
    Unanswered,
}

impl Leaf {
    /// Every kind, in declaration order.
    pub(crate) const ALL: [Leaf; 17] = [
        Leaf::SlaWarning,
        Leaf::SlaBreach,
        Leaf::RepeatContact,
        Leaf::PublicContact,
        Leaf::SurveyScoreAtMost,
        Leaf::ChurnSignal,
        Leaf::FailuresAtLeast,
        Leaf::SeverityAtLeast,
        Leaf::HighValueCustomer,
        Leaf::InternalDetection,
        Leaf::Deflection,
        Leaf::PromiseAtRisk,
        Leaf::PromiseBroken,
        Leaf::HandoffNotAccepted,
        Leaf::Escalated,
        Leaf::Unowned,
        Leaf::Unanswered,
    ];

    /// The name policy files give the fact.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Leaf::SlaWarning => "sla_warning",
            Leaf::SlaBreach => "sla_breach",
            Leaf::RepeatContact => "repeat_contact",
            Leaf::PublicContact => "public_contact",
            Leaf::SurveyScoreAtMost => "survey_score_at_most",
            Leaf::ChurnSignal => "churn_signal",
            Leaf::FailuresAtLeast => "failures_at_least",
            Leaf::SeverityAtLeast => "severity_at_least",
            Leaf::HighValueCustomer => "high_value_customer",
            Leaf::InternalDetection => "internal_detection",
            Leaf::Deflection => "deflection",
            Leaf::PromiseAtRisk => "promise_at_risk",
            Leaf::PromiseBroken => "promise_broken",
            Leaf::HandoffNotAccepted => "handoff_not_accepted",
            Leaf::Escalated => "escalated",
            Leaf::Unowned => "unowned",
            Leaf::Unanswered => "unanswered",
        }
    }
}

/// A set of [`Leaf`] kinds: the facts a rule reads, or the facts an event
/// changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reads(u32);

impl Reads {
    /// No fact.
    pub(crate) const NONE: Reads = Reads(0);
    /// Every fact.
    pub(crate) const ALL: Reads = Reads(u32::MAX);

    /// Just this kind.
    pub(crate) fn of(leaf: Leaf) -> Reads {
        Reads(1 << leaf as u32)
    }

    /// Both sets.
    #[must_use]
    pub(crate) fn with(self, other: Reads) -> Reads {
        Reads(self.0 | other.0)
    }

    /// Whether the two sets share a kind.
    pub(crate) fn meets(self, other: Reads) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether the set is empty.
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, word: &str, cs: &[Condition]| {
            let parts: Vec<String> = cs.iter().map(ToString::to_string).collect();
            write!(f, "{word} of ({})", parts.join(", "))
        };
        match self {
            Condition::All(cs) => list(f, "all", cs),
            Condition::Any(cs) => list(f, "any", cs),
            Condition::SlaWarning(m) => write!(f, "a {m} warning"),
            Condition::SlaBreach(m) => write!(f, "a {m} breach"),
            Condition::RepeatContact(n) => write!(f, "contact number {n} while earlier ones wait"),
            Condition::PublicContact => f.write_str("a public contact"),
            Condition::SurveyScoreAtMost(s) => write!(f, "a survey score of {s} or less"),
            Condition::ChurnSignal => f.write_str("a churn signal"),
            Condition::FailuresAtLeast(n) => write!(f, "{n} or more failures"),
            Condition::SeverityAtLeast(p) => write!(f, "priority {p} or higher"),
            Condition::HighValueCustomer => f.write_str("a high-value customer"),
            Condition::InternalDetection => f.write_str("a failure detected internally"),
            Condition::Deflection => f.write_str("a deflection"),
            Condition::PromiseAtRisk => f.write_str("a promise about to be broken"),
            Condition::PromiseBroken => f.write_str("a broken promise"),
            Condition::HandoffNotAccepted(w) => write!(f, "a handoff not accepted within {w}"),
            Condition::Escalated => f.write_str("an escalation"),
            Condition::Unowned => f.write_str("no owner"),
            Condition::Unanswered => f.write_str("a contact waiting for a reply"),
        }
    }
}

/// What a rule does. Each action becomes an event on the case; nothing
/// happens outside the event log.
///
/// Tiers and gesture kinds are typed: a name that is not one fails to load.
/// Whether a tier is one of the policy's is checked when the rule is added
/// ([`Policy::with_rule`](super::Policy::with_rule)).
///
/// # Example
/// ```
/// use escalate::policy::Action;
/// use escalate::recovery::GestureKind;
/// let a: Action = serde_json::from_str(r#"{"escalate_to": "manager"}"#)?;
/// assert_eq!(a, Action::EscalateTo("manager".parse()?));
/// let b: Action = serde_json::from_str(r#""escalate_one_tier""#)?;
/// assert_eq!(b, Action::EscalateOneTier);
/// let c: Action = serde_json::from_str(r#"{"recommend": "partial_refund"}"#)?;
/// assert_eq!(c, Action::Recommend(GestureKind::PartialRefund));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// The case must have an owner of at least this tier now: one is
    /// required if it has none, an escalation if its owner is more junior.
    RequireOwner(Tier),
    /// Escalate to this tier (if the owner is more junior).
    EscalateTo(Tier),
    /// Escalate one tier above the owner (the second tier for an unowned case).
    EscalateOneTier,
    /// The owner must call the customer within this time, counted on the
    /// call's calendar or the policy's
    /// [default calendar](super::Policy::default_calendar): a tracked promise.
    RequireCall(Call),
    /// An apology is owed, from at least this tier.
    RequireApology(Tier),
    /// Recommend a rung of the recovery ladder.
    Recommend(GestureKind),
    /// A root-cause review is required before closing.
    RequireReview,
    /// Tell the host someone must act.
    Notify(Notice),
}

/// A personal call the owner must make: how soon, and on which calendar of
/// the policy that is counted. A call that names no calendar is counted on
/// the policy's [default calendar](super::Policy::default_calendar).
///
/// In policy files a call is its span alone, counted on the default calendar
/// (`{ require_call = "2h" }`), or a table that names the calendar
/// (`{ require_call = { within = "2 business days", calendar = "store" } }`).
///
/// # Example
/// ```
/// use escalate::policy::{Action, Call};
/// use escalate::sla::Within;
/// let short: Action = serde_json::from_str(r#"{"require_call": "2h"}"#)?;
/// assert_eq!(short, Action::RequireCall(Call::new("2h".parse()?)));
/// let table: Action = serde_json::from_str(
///     r#"{"require_call": {"within": "2 business days", "calendar": "store"}}"#)?;
/// assert_eq!(table, Action::RequireCall(Call::new(Within::BusinessDays(2)).on("store".parse()?)));
/// assert_eq!(table.to_string(), "require a personal call within 2 business days on the store calendar");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Call {
    /// How soon.
    pub within: Within,
    /// The calendar it is counted on; `None` for the policy's default
    /// calendar.
    pub calendar: Option<CalendarName>,
}

impl Call {
    /// A call within this time, counted on the policy's default calendar.
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::policy::Call;
    /// use escalate::sla::Within;
    /// assert_eq!(Call::new(Within::Time(TimeDelta::hours(2))).calendar, None);
    /// ```
    #[must_use]
    pub fn new(within: Within) -> Call {
        Call {
            within,
            calendar: None,
        }
    }

    /// The same call, counted on this calendar.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Call;
    /// use escalate::sla::Within;
    /// let call = Call::new(Within::BusinessDays(1)).on("store".parse()?);
    /// assert_eq!(call.calendar.map(String::from), Some("store".to_owned()));
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn on(self, calendar: CalendarName) -> Call {
        Call {
            calendar: Some(calendar),
            ..self
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.calendar {
            Some(calendar) => write!(f, "{} on the {calendar} calendar", self.within),
            None => write!(f, "{}", self.within),
        }
    }
}

/// The table form of a [`Call`] in policy files.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallTable {
    within: Within,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calendar: Option<CalendarName>,
}

impl Serialize for Call {
    /// The span alone when the call names no calendar (the shape older
    /// policy files have), else the table.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.calendar {
            None => self.within.serialize(s),
            Some(calendar) => CallTable {
                within: self.within,
                calendar: Some(calendar.clone()),
            }
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Call {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Call, D::Error> {
        struct CallVisitor;

        impl<'de> de::Visitor<'de> for CallVisitor {
            type Value = Call;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a span such as \"2h\", or a table such as { within = \"2h\", calendar = \"store\" }",
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Call, E> {
                text.parse::<Within>().map(Call::new).map_err(E::custom)
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Call, A::Error> {
                let table = CallTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Call {
                    within: table.within,
                    calendar: table.calendar,
                })
            }
        }

        d.deserialize_any(CallVisitor)
    }
}

/// A notification for the host: who must act, why, and by when.
///
/// # Example
/// ```
/// use escalate::policy::Notice;
/// let n: Notice = serde_json::from_str(r#"{"who": "store manager", "why": "public complaint", "within": "1h"}"#)?;
/// assert_eq!(n.who, "store manager");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Who must act (a role or a name; the host routes it).
    pub who: String,
    /// Why.
    pub why: String,
    /// By when, counted on the always-open calendar from the firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Within>,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::RequireOwner(t) => write!(f, "require an owner of tier {t} or higher"),
            Action::EscalateTo(t) => write!(f, "escalate to {t}"),
            Action::EscalateOneTier => f.write_str("escalate one tier"),
            Action::RequireCall(call) => write!(f, "require a personal call within {call}"),
            Action::RequireApology(t) => write!(f, "require an apology from {t} or higher"),
            Action::Recommend(g) => write!(f, "recommend {}", g.as_str()),
            Action::RequireReview => f.write_str("require a root-cause review before closing"),
            Action::Notify(n) => write!(f, "notify {}: {}", n.who, n.why),
        }
    }
}

/// Where a rule's delay counts from. A delay from the level or the opening
/// that has already run out when the condition starts to hold makes the rule
/// act at once; it never acts before its condition holds.
///
/// # Example
/// ```
/// use escalate::policy::DelayFrom;
/// assert_eq!(serde_json::to_string(&DelayFrom::Level)?, r#""level""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayFrom {
    /// From when the condition started to hold.
    Condition,
    /// From when the case entered its current level: its last assignment or
    /// escalation (or opening, if none).
    Level,
    /// From when the case was opened.
    Opening,
}

/// A wait before a rule acts, in business time on a policy calendar.
///
/// # Example
/// ```
/// use escalate::policy::{Delay, DelayFrom};
/// let d: Delay = serde_json::from_str(r#"{"after": "2 business days", "from": "level", "calendar": "store"}"#)?;
/// assert_eq!(d.from, DelayFrom::Level);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delay {
    /// How long.
    pub after: Within,
    /// Counted from when.
    pub from: DelayFrom,
    /// On which calendar (the built-in `always` when left out).
    #[serde(default = "CalendarName::always")]
    pub calendar: CalendarName,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // the signature serde's skip_serializing_if expects
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// An escalation rule: a name, a condition, actions, and optionally a delay
/// and a bounded number of repeats.
///
/// # Example
/// ```
/// use escalate::policy::{Action, Condition, Rule};
/// let rule: Rule = toml::from_str(r#"
///     name = "a bad survey wakes the case"
///     when = { survey_score_at_most = 2 }
///     then = ["escalate_one_tier", { require_call = "48h" }]
/// "#)?;
/// assert_eq!(rule.when, Condition::SurveyScoreAtMost(2));
/// assert_eq!(rule.then[0], Action::EscalateOneTier);
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A unique name; events say which rule fired.
    pub name: String,
    /// When it applies.
    pub when: Condition,
    /// What it does: one action or a list of them.
    #[serde(deserialize_with = "super::load::one_or_many")]
    pub then: Vec<Action>,
    /// Wait this long (the condition still holding) before acting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Delay>,
    /// After acting, act again this many more times, one delay apart, while
    /// the condition holds (needs a delay; at most [`Rule::MAX_REPEAT`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub repeat: u32,
    /// When its actions may happen: `None`, at once; with
    /// [`During::BusinessHours`], they wait for the next instant the
    /// calendar is open (see [`During`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub during: Option<During>,
}

/// When a rule's actions may happen (`during = "business_hours"` in a
/// policy file, or `during = { business_hours_of = "store" }`).
///
/// A rule that would act while the calendar is closed waits for the next
/// instant it opens: one that acts when its condition starts to hold is
/// armed (`rule_armed`) and fires at the opening if the condition still
/// holds then (`rule_disarmed` after it fires, or when the condition stops
/// holding first); a delayed rule, or one waiting on an unaccepted handoff,
/// fires at the first open instant at or after its own. Nobody is paged at
/// 03:00 on a Saturday for what a person must do in working hours.
///
/// # Example
/// ```
/// use escalate::policy::{During, Rule};
/// let rule: Rule = toml::from_str(r#"
///     name = "a supervisor calls back"
///     when = { sla_breach = "next_response" }
///     then = "escalate_one_tier"
///     during = "business_hours"
/// "#)?;
/// assert_eq!(rule.during, Some(During::BusinessHours));
/// let rule: Rule = toml::from_str(r#"
///     name = "the store calls back"
///     when = "unanswered"
///     then = "escalate_one_tier"
///     during = { business_hours_of = "store" }
/// "#)?;
/// assert_eq!(rule.during, Some(During::BusinessHoursOf("store".parse()?)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum During {
    /// While the policy's default calendar is open (the built-in `always`
    /// calendar, which defers nothing, when the policy names none).
    BusinessHours,
    /// While the named calendar is open.
    BusinessHoursOf(CalendarName),
}

impl Rule {
    /// The most repeats a rule has: a policy refuses a rule with more
    /// ([`Policy::with_rule`](super::Policy::with_rule)), so a rule acts at
    /// most 101 times per time its condition starts to hold.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Delay, DelayFrom, Policy, Rule};
    /// use escalate::sla::{CalendarName, Within};
    /// let daily = Delay { after: "24h".parse()?, from: DelayFrom::Condition, calendar: CalendarName::always() };
    /// let nag = |repeat| Rule::new("nag", Condition::Unanswered, [Action::RequireReview])
    ///     .with_delay(daily.clone(), repeat);
    /// assert!(Policy::default().with_rule(nag(Rule::MAX_REPEAT)).is_ok());
    /// let err = Policy::default().with_rule(nag(101)).unwrap_err();
    /// assert_eq!(err.to_string(), "repeat: a rule repeats at most 100 times, not 101: use a longer delay");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const MAX_REPEAT: u32 = 100;

    /// The most actions one rule takes.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Notice, Policy, Rule};
    /// let notify = |i: usize| Action::Notify(Notice { who: format!("lead {i}"), why: "late".into(), within: None });
    /// let rule = Rule::new("many", Condition::PublicContact, (0..=Rule::MAX_ACTIONS).map(notify));
    /// let err = Policy::default().with_rule(rule).unwrap_err();
    /// assert_eq!(err.to_string(), "then: a rule has at most 8 actions, not 9: split it into rules");
    /// ```
    pub const MAX_ACTIONS: usize = 8;

    /// A rule that acts as soon as its condition starts to hold.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Rule};
    /// let r = Rule::new("public complaints get a manager", Condition::PublicContact,
    ///     [Action::RequireOwner("manager".parse()?)]);
    /// assert_eq!(r.repeat, 0);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn new(
        name: impl Into<String>,
        when: Condition,
        then: impl IntoIterator<Item = Action>,
    ) -> Self {
        Rule {
            name: name.into(),
            when,
            then: then.into_iter().collect(),
            delay: None,
            repeat: 0,
            during: None,
        }
    }

    /// Lets the rule act only while a calendar is open (see [`During`]).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, During, Rule};
    /// let r = Rule::new("page the lead", Condition::Unowned, [Action::EscalateOneTier])
    ///     .during(During::BusinessHoursOf("store".parse()?));
    /// assert!(r.during.is_some());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn during(mut self, during: During) -> Self {
        self.during = Some(during);
        self
    }

    /// Waits before acting, and repeats `repeat` more times (at most
    /// [`Rule::MAX_REPEAT`]: a policy refuses a rule with more).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{Action, Condition, Delay, DelayFrom, Rule};
    /// use escalate::sla::Within;
    /// let r = Rule::new("still unanswered", Condition::RepeatContact(1), [Action::EscalateOneTier])
    ///     .with_delay(Delay { after: Within::BusinessDays(2), from: DelayFrom::Level, calendar: "store".parse()? }, 1);
    /// assert_eq!(r.repeat, 1);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn with_delay(mut self, delay: Delay, repeat: u32) -> Self {
        self.delay = Some(delay);
        self.repeat = repeat;
        self
    }
}

/// What resolving a case answered only with deflections does.
///
/// # Example
/// ```
/// use escalate::policy::DeflectionPolicy;
/// assert_eq!(serde_json::to_string(&DeflectionPolicy::Refuse)?, r#""refuse""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeflectionPolicy {
    /// Resolving is refused until someone really answers.
    Refuse,
    /// Resolving is accepted and the deflection is recorded as a failure.
    RecordFailure,
    /// Deflections are not checked.
    #[default]
    Allow,
}
