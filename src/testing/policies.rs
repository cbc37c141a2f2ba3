//! Strategies for calendars and valid policies.

use std::ops::RangeInclusive;

use chrono::{NaiveDate, TimeDelta, Weekday};
use proptest::prelude::*;

use crate::policy::{
    Action, Call, Condition, DeflectionPolicy, Delay, DelayFrom, During, Notice, PauseName,
    PauseReason, Policy, Rule,
};
use crate::recovery::GestureKind;
use crate::sla::{
    BusinessCalendar, CalendarName, Match, Metric, MetricPolicy, Reopen, Target, TargetRule,
    Threshold, Within,
};
use crate::{Channel, CustomerValue, Priority, ResponseKind, Tier};

/// The tiers ordinary policies choose from, most junior first; tiers past
/// these are named `t6`, `t7`, ...
const TIER_POOL: [&str; 6] = [
    "frontline",
    "supervisor",
    "manager",
    "regional",
    "executive",
    "board",
];

/// The shape of the policies [`policies`] generates.
///
/// Ranges are clamped to what a valid policy may have (1 to
/// [`Policy::MAX_TIERS`] tiers, at most [`Policy::MAX_RULES`] rules); an
/// empty range counts as its start. The rule count is the number of rules
/// generated: rules that [`Policy::with_rule`] refuses (a call cycle, too
/// many rules on one fact, a chain of escalations that fires too often) are
/// left out, so a policy may have fewer.
///
/// # Example
/// ```
/// use escalate::testing::Knobs;
/// let small = Knobs { tiers: 2..=3, rules: 0..=2, ..Knobs::default() };
/// assert!(!small.adversarial);
/// assert_eq!(Knobs::adversarial().tiers, 2..=64);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Knobs {
    /// How many tiers (default 1 to 6).
    pub tiers: RangeInclusive<usize>,
    /// How many rules to generate (default 0 to 5).
    pub rules: RangeInclusive<usize>,
    /// Whether policies may track SLA metrics (default `true`). Ordinary
    /// policies then track zero to four metrics on random calendars;
    /// adversarial ones a 2-second first response and a 1-second promise
    /// metric warned at 50%.
    pub slas: bool,
    /// Adversarial shapes within the bounds (default `false`): rules that
    /// answer escalations with escalations, 1-second delays repeated up to
    /// 100 times, calls required within seconds, the same condition in
    /// many rules, up to 64 tiers. Adversarial policies use the `always`
    /// calendar only.
    pub adversarial: bool,
}

impl Default for Knobs {
    /// Ordinary policies: 1 to 6 tiers, 0 to 5 rules, SLA metrics, random
    /// calendars, time zones and deflection rules.
    fn default() -> Self {
        Knobs {
            tiers: 1..=6,
            rules: 0..=5,
            slas: true,
            adversarial: false,
        }
    }
}

impl Knobs {
    /// Adversarial policies: 2 to 64 tiers, 1 to 15 rules, SLA metrics of
    /// a second or two.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::Knobs;
    /// let knobs = Knobs::adversarial();
    /// assert!(knobs.adversarial && knobs.slas);
    /// assert_eq!(knobs.rules, 1..=15);
    /// ```
    #[must_use]
    pub fn adversarial() -> Self {
        Knobs {
            tiers: 2..=64,
            rules: 1..=15,
            slas: true,
            adversarial: true,
        }
    }

    /// The tier range, clamped to what a policy may have.
    fn tier_range(&self) -> RangeInclusive<usize> {
        clamp(&self.tiers, 1, Policy::MAX_TIERS)
    }

    /// The rule range, clamped to what a policy may have.
    fn rule_range(&self) -> RangeInclusive<usize> {
        clamp(&self.rules, 0, Policy::MAX_RULES)
    }
}

/// `range` within `lo..=hi`; an empty range counts as its start.
fn clamp(range: &RangeInclusive<usize>, lo: usize, hi: usize) -> RangeInclusive<usize> {
    let start = (*range.start()).clamp(lo, hi);
    let end = (*range.end()).clamp(start, hi);
    start..=end
}

/// Tier `name`, which the strategies built themselves.
fn tier(name: &str) -> Tier {
    Tier::new(name).expect("generated tier names are valid")
}

/// Calendar `name`, which the strategies built themselves.
fn cal(name: &str) -> CalendarName {
    CalendarName::new(name).expect("generated calendar names are valid")
}

/// The names of `n` tiers: the pool's, then `t6`, `t7`, ...
fn tier_names(n: usize) -> Vec<String> {
    TIER_POOL
        .iter()
        .map(|t| (*t).to_owned())
        .chain((TIER_POOL.len()..).map(|k| format!("t{k}")))
        .take(n)
        .collect()
}

/// Random spans: seconds or business days.
fn within() -> impl Strategy<Value = Within> + Clone {
    prop_oneof![
        (1i64..200_000).prop_map(|s| Within::Time(TimeDelta::seconds(s))),
        (1u32..15).prop_map(Within::BusinessDays),
    ]
}

/// Valid business calendars: weekly hours in one of four time zones (UTC,
/// New York, Berlin, Lord Howe with its half-hour DST), some days closed,
/// overnight and split hours, and at times a holiday, a break and a dated
/// shift in 2021. Every calendar keeps opening, so
/// [`Policy::with_calendar`] accepts it.
///
/// # Panics
/// Never: every calendar it builds is valid.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::testing::calendars;
/// use proptest::prelude::*;
/// proptest!(ProptestConfig::with_cases(8), |(calendar in calendars())| {
///     prop_assert!(Policy::default().with_calendar("desk".parse()?, calendar).is_ok());
/// });
/// ```
pub fn calendars() -> impl Strategy<Value = BusinessCalendar> {
    let zones = prop::sample::select(vec![
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::Europe::Berlin,
        chrono_tz::Australia::Lord_Howe,
    ]);
    let day_hours = prop::sample::select(vec![
        vec![],
        vec!["09:00-17:00"],
        vec!["08:00-12:00", "13:00-18:30"],
        vec!["22:00-06:00"],
        vec!["00:00-24:00"],
        vec!["07:15:30-11:45"],
    ]);
    let date = (1u32..28, 1u32..13).prop_map(|(d, m)| {
        NaiveDate::from_ymd_opt(2021, m, d).expect("days 1 to 27 exist in every month")
    });
    (
        zones,
        prop::collection::vec(day_hours, 7),
        prop::option::of(date.clone()),
        prop::option::of(date.clone()),
        prop::option::of(date),
    )
        .prop_map(|(tz, mut week, holiday, break_on, shift)| {
            // A calendar that is never open is refused.
            if week.iter().all(Vec::is_empty) {
                week[0] = vec!["09:00-17:00"];
            }
            let days = [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ];
            let mut b = BusinessCalendar::builder(tz);
            for (d, spans) in days.iter().zip(&week) {
                b = b.hours(*d, spans);
            }
            if let Some(h) = holiday {
                b = b.holiday(h);
            }
            if let Some(d) = break_on {
                b = b.break_on(d, &["12:00-13:00"]);
            }
            // A shift on a holiday is refused; keep the holiday.
            if let Some(d) = shift.filter(|d| Some(*d) != holiday) {
                b = b.shift(d, &["10:00-14:00"]);
            }
            b.build()
                .expect("weekly hours, a holiday, a break and a shift off the holiday build")
        })
}

/// Random conditions, nested up to three levels.
fn condition() -> impl Strategy<Value = Condition> {
    let metric = prop::sample::select(vec![
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
        Metric::Promise,
    ]);
    let priority = prop::sample::select(vec![
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ]);
    let leaf = prop_oneof![
        metric.clone().prop_map(Condition::SlaWarning),
        metric.prop_map(Condition::SlaBreach),
        (1u32..6).prop_map(Condition::RepeatContact),
        Just(Condition::PublicContact),
        (1u8..=5).prop_map(Condition::SurveyScoreAtMost),
        Just(Condition::ChurnSignal),
        (1u32..4).prop_map(Condition::FailuresAtLeast),
        priority.prop_map(Condition::SeverityAtLeast),
        Just(Condition::HighValueCustomer),
        Just(Condition::InternalDetection),
        Just(Condition::Deflection),
        Just(Condition::PromiseAtRisk),
        Just(Condition::PromiseBroken),
        within().prop_map(Condition::HandoffNotAccepted),
        Just(Condition::Escalated),
        Just(Condition::Unowned),
        Just(Condition::Unanswered),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Condition::All),
            prop::collection::vec(inner, 1..4).prop_map(Condition::Any),
        ]
    })
}

/// Free text with characters that need escaping in TOML and JSON.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 \"'\\\\.:#=\\[\\]{},é✓\t-]{0,16}"
}

/// Random actions naming tiers among `tiers` and calendars among `calendars`.
fn action(tiers: Vec<String>, calendars: Vec<String>) -> impl Strategy<Value = Action> {
    let tier = prop::sample::select(tiers).prop_map(|t| tier(&t));
    let call = (within(), prop::option::of(prop::sample::select(calendars))).prop_map(
        |(within, calendar)| Call {
            within,
            calendar: calendar.map(|c| cal(&c)),
        },
    );
    let notice = (text(), text(), prop::option::of(within()))
        .prop_map(|(who, why, within)| Notice { who, why, within });
    prop_oneof![
        tier.clone().prop_map(Action::RequireOwner),
        tier.clone().prop_map(Action::EscalateTo),
        Just(Action::EscalateOneTier),
        call.prop_map(Action::RequireCall),
        tier.prop_map(Action::RequireApology),
        prop::sample::select(GestureKind::ALL.to_vec()).prop_map(Action::Recommend),
        Just(Action::RequireReview),
        notice.prop_map(Action::Notify),
    ]
}

/// Random rules, with a delay on one of `calendars` at times.
fn rule(tiers: Vec<String>, calendars: Vec<String>) -> impl Strategy<Value = Rule> {
    let from = prop::sample::select(vec![
        DelayFrom::Condition,
        DelayFrom::Level,
        DelayFrom::Opening,
    ]);
    let delay = (within(), from, prop::sample::select(calendars.clone())).prop_map(
        |(after, from, calendar)| Delay {
            after,
            from,
            calendar: cal(&calendar),
        },
    );
    (
        text(),
        condition(),
        prop::collection::vec(action(tiers, calendars), 1..4),
        prop::option::of((delay, 0u32..4)),
    )
        .prop_map(|(name, when, mut then, delay)| {
            // A rule lists each action once.
            let mut seen = Vec::new();
            then.retain(|a| {
                let fresh = !seen.contains(a);
                seen.push(a.clone());
                fresh
            });
            let rule = Rule::new(name, when, then);
            match delay {
                Some((delay, repeat)) => rule.with_delay(delay, repeat),
                None => rule,
            }
        })
}

/// Random first-response SLA settings on `calendars` (the caller sets the metric).
fn metric_policy(calendars: Vec<String>) -> impl Strategy<Value = MetricPolicy> {
    let target = (within(), prop::sample::select(calendars))
        .prop_map(|(within, calendar)| Target::new(within, cal(&calendar)));
    let matcher = (
        prop::option::of(prop::sample::select(vec![Priority::Low, Priority::High])),
        prop::option::of(prop::sample::select(vec![
            Channel::Email,
            Channel::SocialPublic,
            Channel::Voicemail,
        ])),
        prop::option::of(prop::sample::select(vec![
            CustomerValue::Standard,
            CustomerValue::HighValue,
        ])),
    )
        .prop_map(|(priority, channel, customer)| Match {
            priority,
            channel,
            customer,
            tier: None,
        });
    let threshold = prop_oneof![
        (1u16..150).prop_map(Threshold::Percent),
        (1i64..100_000).prop_map(|s| Threshold::Before(TimeDelta::seconds(s))),
    ];
    (
        prop::collection::vec((matcher, target.clone()), 0..3),
        prop::option::of(target),
        prop::collection::vec(threshold, 0..3),
        prop::sample::select(vec![Reopen::NewCycle, Reopen::Continue, Reopen::FirstOnly]),
    )
        .prop_map(|(rows, fallback, warnings, reopen)| {
            // Which responses stop the clock: chosen from the draws above
            // rather than drawn, so that a seed makes the same policy and
            // commands as before the choice existed. Mostly the default.
            let stopped_by = match (rows.len() + warnings.len()) % 5 {
                3 => vec![
                    ResponseKind::Answer,
                    ResponseKind::Deflection,
                    ResponseKind::Automated,
                ],
                4 => vec![ResponseKind::Answer],
                _ => ResponseKind::REPLIES.to_vec(),
            };
            MetricPolicy {
                metric: Metric::FirstResponse,
                targets: rows
                    .into_iter()
                    .map(|(when, target)| TargetRule { when, target })
                    .collect(),
                fallback,
                no_target: Vec::new(),
                warnings,
                reopen,
                stopped_by,
            }
        })
}

/// Valid policies of the shape `knobs` asks for.
///
/// Ordinary policies have tiers, calendars from [`calendars`], a default
/// calendar, SLA metrics with targets, warnings and matchers, rules with
/// nested conditions, actions and delays, a deflection rule and a time
/// zone. [Adversarial](Knobs::adversarial) ones push every bound a policy
/// has (see [`Policy`]'s "Bounds"). Every rule [`Policy::with_rule`]
/// refuses is left out, so every policy generated is valid and reads back
/// from its TOML and JSON. The recovery rules are the
/// [standard ones](crate::recovery::RecoveryPolicy::standard) for the
/// tiers.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::testing::{policies, Knobs};
/// use proptest::prelude::*;
/// let knobs = Knobs { tiers: 2..=4, ..Knobs::default() };
/// proptest!(ProptestConfig::with_cases(16), |(policy in policies(knobs.clone()))| {
///     prop_assert!((2..=4).contains(&policy.tiers().len()));
///     let toml = policy.to_toml_string()?;
///     prop_assert_eq!(Policy::from_toml_str(&toml)?, policy);
/// });
/// ```
#[allow(clippy::needless_pass_by_value)] // `policies(Knobs::default())` reads best
pub fn policies(knobs: Knobs) -> BoxedStrategy<Policy> {
    if knobs.adversarial {
        adversarial(&knobs).boxed()
    } else {
        ordinary(&knobs).boxed()
    }
}

/// Tier names for a policy of `n` tiers: a subsequence of the pool when it
/// has that many, the pool and `t6`, `t7`, ... otherwise.
fn tiers_of(n: usize) -> BoxedStrategy<Vec<String>> {
    if n <= TIER_POOL.len() {
        prop::sample::subsequence(TIER_POOL.to_vec(), n)
            .prop_map(|t| t.into_iter().map(str::to_owned).collect())
            .boxed()
    } else {
        Just(tier_names(n)).boxed()
    }
}

/// Ordinary valid policies: tiers, calendars, SLA metrics, rules, deflection.
fn ordinary(knobs: &Knobs) -> impl Strategy<Value = Policy> + use<> {
    let tiers = knobs.tier_range().prop_flat_map(tiers_of);
    let names = prop::collection::btree_set("[a-z][a-z0-9_ .-]{0,8}", 0..3).prop_map(|set| {
        set.into_iter()
            .filter(|n| n != "always")
            .collect::<Vec<_>>()
    });
    let rules = knobs.rule_range();
    let metrics = if knobs.slas { 0..4 } else { 0..1 };
    (tiers, names, "[a-z0-9][a-z0-9.-]{0,10}")
        .prop_flat_map(move |(tiers, names, version)| {
            let usable: Vec<String> = std::iter::once("always".to_owned())
                .chain(names.iter().cloned())
                .collect();
            (
                Just(version),
                Just(tiers.clone()),
                prop::collection::vec(calendars(), names.len())
                    .prop_map(move |cals| names.clone().into_iter().zip(cals).collect::<Vec<_>>()),
                prop::collection::vec(metric_policy(usable.clone()), metrics.clone()),
                prop::sample::select(usable.clone()),
                prop::collection::vec(rule(tiers, usable), rules.clone()),
                prop::sample::select(vec![
                    DeflectionPolicy::Refuse,
                    DeflectionPolicy::RecordFailure,
                    DeflectionPolicy::Allow,
                ]),
                prop::sample::select(vec![chrono_tz::UTC, chrono_tz::Asia::Kolkata]),
            )
        })
        .prop_map(
            |(version, tiers, calendars, sla, default, rules, deflection, tz)| {
                let mut p = Policy::new(version, &tiers)
                    .expect("generated versions and tiers are valid")
                    .with_time_zone(tz);
                for (name, calendar) in calendars {
                    p = p
                        .with_calendar(cal(&name), calendar)
                        .expect("generated calendars keep opening");
                }
                p = p
                    .with_default_calendar(cal(&default))
                    .expect("the default calendar is one of the policy's");
                let (with, tiered) = with_slas(p, sla, &tiers);
                p = with;
                let rules: Vec<Rule> = if tiered {
                    // Its breaches and warnings stand in for the periodic
                    // update's in the rules.
                    rules.into_iter().map(read_tier_ownership).collect()
                } else {
                    rules
                };
                // Rules the policy refuses (a cycle through a required call,
                // too many rules on one fact) are not valid: leave them out.
                for (i, mut r) in rules.into_iter().enumerate() {
                    r.name = format!("{i}: {}", r.name);
                    // One rule in three waits for the default calendar's
                    // working hours (from its position, so that the random
                    // stream is drawn as before).
                    if i % 3 == 2 {
                        r.during = Some(During::BusinessHours);
                    }
                    if let Ok(with) = p.clone().with_rule(r) {
                        p = with;
                    }
                }
                // Next-response clocks before the first response in one
                // policy in four, chosen from the version label drawn above.
                let after_first = !p.version().len().is_multiple_of(4);
                // Pause reasons besides waiting on the customer, in one
                // policy in three (from the label too): one that stops only
                // the resolution clock and outlasts a contact, one that may
                // begin while a contact waits.
                if p.version().len() % 3 == 1 {
                    p = p
                        .with_pause(
                            PauseReason::new(third_party(), [Metric::Resolution])
                                .ending_on_contact(false),
                        )
                        .and_then(|p| {
                            p.with_pause(
                                PauseReason::new(
                                    outage(),
                                    [Metric::Resolution, Metric::PeriodicUpdate],
                                )
                                .allowed_while_unanswered(true),
                            )
                        })
                        .expect("the generated pause reasons are valid");
                }
                p.with_deflection(deflection)
                    .with_next_response_after_first(after_first)
            },
        )
}

/// `p` with the generated SLA metrics: first response, next response,
/// periodic update and resolution in turn, and (see [`tier_ownership`]) a
/// tier-ownership metric in the policies whose version label has an even
/// length and that drew a next-response metric; whether it has that one.
fn with_slas(mut p: Policy, sla: Vec<MetricPolicy>, tiers: &[String]) -> (Policy, bool) {
    let metrics = [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
    ];
    // A copy of the next-response metric, so that the random stream is
    // drawn as before.
    let tier_ownership = sla
        .get(1)
        .filter(|_| p.version().len().is_multiple_of(2))
        .map(|next| tier_ownership(next, tiers));
    for (mut m, metric) in sla.into_iter().zip(metrics) {
        m.metric = metric;
        if !metric.is_response() {
            m.stopped_by = ResponseKind::REPLIES.to_vec();
        }
        p = p
            .with_sla(m)
            .expect("generated SLA spans and calendars are valid");
    }
    match tier_ownership {
        Some(m) => (
            p.with_sla(m)
                .expect("generated SLA spans, calendars and tiers are valid"),
            true,
        ),
        None => (p, false),
    }
}

/// A tier-ownership metric made from a generated one: the same targets,
/// warnings and reopening, and before them a target for the first tier (its
/// first row's target, else its fallback).
fn tier_ownership(from: &MetricPolicy, tiers: &[String]) -> MetricPolicy {
    let mut m = from.clone();
    m.metric = Metric::TierOwnership;
    m.stopped_by = ResponseKind::REPLIES.to_vec();
    let first = m
        .targets
        .first()
        .map(|row| row.target.clone())
        .or_else(|| m.fallback.clone());
    if let (Some(target), Some(name)) = (first, tiers.first()) {
        m.targets.insert(
            0,
            TargetRule {
                when: Match {
                    tier: Some(tier(name)),
                    ..Match::default()
                },
                target,
            },
        );
    }
    m
}

/// A rule whose conditions on periodic-update warnings and breaches read
/// those of tier-ownership clocks instead.
fn read_tier_ownership(mut rule: Rule) -> Rule {
    fn swap(c: Condition) -> Condition {
        match c {
            Condition::All(cs) => Condition::All(cs.into_iter().map(swap).collect()),
            Condition::Any(cs) => Condition::Any(cs.into_iter().map(swap).collect()),
            Condition::SlaWarning(Metric::PeriodicUpdate) => {
                Condition::SlaWarning(Metric::TierOwnership)
            }
            Condition::SlaBreach(Metric::PeriodicUpdate) => {
                Condition::SlaBreach(Metric::TierOwnership)
            }
            c => c,
        }
    }
    rule.when = swap(rule.when);
    rule
}

/// Adversarial valid policies: many tiers, rules that answer escalations
/// with escalations, 1-second delays repeated up to 100 times, calls
/// required at once, the same condition in many rules. Rules the policy
/// refuses are left out: what remains is valid.
fn adversarial(knobs: &Knobs) -> impl Strategy<Value = Policy> + use<> {
    let condition = prop::sample::select(vec![
        Condition::Escalated,
        Condition::Unowned,
        Condition::Unanswered,
        Condition::PublicContact,
        Condition::PromiseBroken,
        Condition::PromiseAtRisk,
        Condition::SlaBreach(Metric::FirstResponse),
        Condition::SlaWarning(Metric::Promise),
        Condition::RepeatContact(2),
        Condition::HandoffNotAccepted(Within::Time(TimeDelta::seconds(1))),
    ]);
    let action = prop_oneof![
        Just(Action::EscalateOneTier),
        (0usize..Policy::MAX_TIERS).prop_map(|k| Action::EscalateTo(tier(&format!("t{k}")))),
        (0usize..Policy::MAX_TIERS).prop_map(|k| Action::RequireOwner(tier(&format!("t{k}")))),
        (1i64..5).prop_map(|s| Action::RequireCall(Call::new(Within::Time(TimeDelta::seconds(s))))),
        Just(Action::RequireReview),
        Just(Action::Notify(Notice {
            who: "lead".into(),
            why: "x".into(),
            within: None
        })),
    ];
    let rule = (
        condition,
        prop::collection::vec(action, 1..4),
        prop::option::of((1i64..3, 0u32..=Rule::MAX_REPEAT)),
    );
    let slas = knobs.slas;
    (
        knobs.tier_range(),
        prop::collection::vec(rule, knobs.rule_range()),
    )
        .prop_map(move |(tiers, rules)| {
            let names = tier_names(tiers);
            let mut p = Policy::new("adversarial", &names).expect("generated tiers are valid");
            if slas {
                p = p
                    .with_sla(MetricPolicy::new(
                        Metric::FirstResponse,
                        Target::new(Within::Time(TimeDelta::seconds(2)), CalendarName::always()),
                    ))
                    .expect("a 2-second target on the built-in calendar is valid")
                    .with_sla(
                        MetricPolicy::new(
                            Metric::Promise,
                            Target::new(
                                Within::Time(TimeDelta::seconds(1)),
                                CalendarName::always(),
                            ),
                        )
                        .with_warning(Threshold::Percent(50)),
                    )
                    .expect("a 1-second target on the built-in calendar is valid");
            }
            let last = names.len().saturating_sub(1);
            let known = |t: &Tier| names.iter().any(|n| n == t.as_str());
            for (i, (when, then, delay)) in rules.into_iter().enumerate() {
                // Tiers past the policy's own are not named: use the last one.
                let then: Vec<Action> = then
                    .into_iter()
                    .map(|a| match a {
                        Action::EscalateTo(t) if !known(&t) => {
                            Action::EscalateTo(tier(&names[last]))
                        }
                        Action::RequireOwner(t) if !known(&t) => {
                            Action::RequireOwner(tier(&names[last]))
                        }
                        a => a,
                    })
                    .collect();
                let mut rule = Rule::new(format!("r{i}"), when, then);
                // One rule in three waits for working hours (from its
                // position, so that the random stream is drawn as before).
                if i % 3 == 2 {
                    rule = rule.during(During::BusinessHours);
                }
                if let Some((seconds, repeat)) = delay {
                    rule = rule.with_delay(
                        Delay {
                            after: Within::Time(TimeDelta::seconds(seconds)),
                            from: DelayFrom::Condition,
                            calendar: CalendarName::always(),
                        },
                        repeat,
                    );
                }
                if let Ok(with) = p.clone().with_rule(rule) {
                    p = with;
                }
            }
            p
        })
}

/// The name of the generated third-party pause reason.
fn third_party() -> PauseName {
    PauseName::new("awaiting_third_party").expect("a valid pause name")
}

/// The name of the generated pause reason allowed while a contact waits.
fn outage() -> PauseName {
    PauseName::new("outage").expect("a valid pause name")
}
