//! Properties of policies: any valid policy round-trips through TOML and
//! JSON, and rule evaluation is deterministic and independent of how often
//! `tick` is called, under the recommended policy and random ones.

mod support;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use escalate::policy::Call;
use escalate::policy::{
    Action, Condition, DeflectionPolicy, Delay, DelayFrom, Notice, Policy, Rule,
};
use escalate::recovery::GestureKind;
use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold, Within};
use escalate::{
    Actor, Case, Channel, CommandKind, CustomerValue, Event, EventKind, FailureKind, Outcome,
    Priority, PromiseId, ResponseKind, SurveyScore,
};
use proptest::prelude::*;
use support::{
    DEFAULT_TIERS, Story, agent, contact, is_rule_event, kim, recommended_in_new_york, resolve,
    respond, sam, via,
};
use support::{Schedule, cal, tier};

/// The tiers random policies choose from, most junior first.
const TIER_POOL: [&str; 6] = [
    "frontline",
    "supervisor",
    "manager",
    "regional",
    "executive",
    "board",
];

/// Random spans: seconds or business days.
fn within() -> impl Strategy<Value = Within> + Clone {
    prop_oneof![
        (1i64..200_000).prop_map(|s| Within::Time(TimeDelta::seconds(s))),
        (1u32..15).prop_map(Within::BusinessDays),
    ]
}

/// Random valid business calendars, with a holiday, a break and a shift at times.
fn calendar() -> impl Strategy<Value = BusinessCalendar> {
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
    let date = (1u32..28, 1u32..13)
        .prop_map(|(d, m)| chrono::NaiveDate::from_ymd_opt(2021, m, d).unwrap());
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
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
                chrono::Weekday::Sat,
                chrono::Weekday::Sun,
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
            b.build().unwrap()
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

/// Random actions naming tiers among `tiers`.
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

/// Random first-response SLA settings on `calendars`.
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
        .prop_map(|(priority, channel, customer)| escalate::sla::Match {
            priority,
            channel,
            customer,
        });
    let threshold = prop_oneof![
        (1u16..150).prop_map(Threshold::Percent),
        (1i64..100_000).prop_map(|s| Threshold::Before(TimeDelta::seconds(s))),
    ];
    (
        prop::collection::vec((matcher, target.clone()), 0..3),
        prop::option::of(target),
        prop::collection::vec(threshold, 0..3),
        prop::sample::select(vec![
            escalate::sla::Reopen::NewCycle,
            escalate::sla::Reopen::Continue,
            escalate::sla::Reopen::FirstOnly,
        ]),
    )
        .prop_map(|(rows, fallback, warnings, reopen)| MetricPolicy {
            metric: Metric::FirstResponse,
            targets: rows
                .into_iter()
                .map(|(when, target)| escalate::sla::TargetRule { when, target })
                .collect(),
            fallback,
            warnings,
            reopen,
        })
}

/// Random valid policies: tiers, calendars, SLA metrics, rules, deflection.
fn policy() -> impl Strategy<Value = Policy> {
    let tiers = prop::sample::subsequence(TIER_POOL.to_vec(), 1..=TIER_POOL.len());
    let names = prop::collection::btree_set("[a-z][a-z0-9_ .-]{0,8}", 0..3).prop_map(|set| {
        set.into_iter()
            .filter(|n| n != "always")
            .collect::<Vec<_>>()
    });
    (tiers, names, "[a-z0-9][a-z0-9.-]{0,10}")
        .prop_flat_map(|(tiers, names, version)| {
            let tiers: Vec<String> = tiers.into_iter().map(str::to_owned).collect();
            let usable: Vec<String> = std::iter::once("always".to_owned())
                .chain(names.iter().cloned())
                .collect();
            (
                Just(version),
                Just(tiers.clone()),
                prop::collection::vec(calendar(), names.len())
                    .prop_map(move |cals| names.clone().into_iter().zip(cals).collect::<Vec<_>>()),
                prop::collection::vec(metric_policy(usable.clone()), 0..4),
                prop::sample::select(usable.clone()),
                prop::collection::vec(rule(tiers, usable), 0..6),
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
                let mut p = Policy::new(version, &tiers).unwrap().with_time_zone(tz);
                for (name, calendar) in calendars {
                    p = p.with_calendar(name.parse().unwrap(), calendar).unwrap();
                }
                p = p.with_default_calendar(cal(&default)).unwrap();
                let metrics = [
                    Metric::FirstResponse,
                    Metric::NextResponse,
                    Metric::PeriodicUpdate,
                    Metric::Resolution,
                ];
                for (mut m, metric) in sla.into_iter().zip(metrics) {
                    m.metric = metric;
                    p = p.with_sla(m).unwrap();
                }
                // Rules that would close a cycle through a required call are
                // refused at load: such policies are not valid, so skip them.
                for (i, mut r) in rules.into_iter().enumerate() {
                    r.name = format!("{i}: {}", r.name);
                    if let Ok(with) = p.clone().with_rule(r) {
                        p = with;
                    }
                }
                p.with_deflection(deflection)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any valid policy reads back unchanged from its TOML and its JSON.
    #[test]
    fn valid_policies_round_trip_through_toml_and_json(p in policy()) {
        let toml = p.to_toml_string().unwrap();
        let back = Policy::from_toml_str(&toml);
        prop_assert_eq!(back.as_ref(), Ok(&p), "TOML:\n{}", toml);
        let json = serde_json::to_string(&p).unwrap();
        let back = Policy::from_json_str(&json);
        prop_assert_eq!(back.as_ref(), Ok(&p), "JSON:\n{}", json);
        // And the TOML written again is the same text.
        prop_assert_eq!(Policy::from_toml_str(&toml).unwrap().to_toml_string().unwrap(), toml);
    }
}

/// The command of generated step kind `k` with parameter `param` at `t`.
fn step(k: u8, param: u32, t: DateTime<Utc>) -> (Actor, CommandKind) {
    let tier_of = |n: u32| DEFAULT_TIERS[n as usize % DEFAULT_TIERS.len()];
    let promise = PromiseId::new(param % 3 + 1);
    match k {
        0 | 1 => (Actor::Customer, contact(Channel::Email, "?")),
        2 => (Actor::Customer, contact(Channel::SocialPublic, "?")),
        3 => (Actor::Customer, contact(Channel::Voicemail, "?")),
        4 | 5 => (Actor::System, respond(ResponseKind::Answer)),
        6 => (Actor::System, respond(ResponseKind::Deflection)),
        7 => (Actor::System, CommandKind::Assign { to: sam() }),
        8 => (
            Actor::System,
            CommandKind::Escalate {
                to: agent("max", tier_of(param)),
                reason: "why not".into(),
            },
        ),
        9 => (
            Actor::System,
            CommandKind::RecordFailure {
                kind: FailureKind::Service,
                description: "again".into(),
                loss: None,
            },
        ),
        10 => (
            Actor::Customer,
            CommandKind::AnswerSurvey {
                score: SurveyScore::new(u8::try_from(param % 5).unwrap() + 1).unwrap(),
                comment: "".into(),
            },
        ),
        11 => (
            Actor::Customer,
            CommandKind::SignalChurn { note: "bye".into() },
        ),
        12 => (
            Actor::System,
            CommandKind::Promise {
                what: "call".into(),
                due: t + TimeDelta::minutes(i64::from(param % 900)),
            },
        ),
        13 => (Actor::System, CommandKind::KeepPromise { promise }),
        14 => (Actor::System, CommandKind::BreakPromise { promise }),
        15 => (
            Actor::System,
            CommandKind::WaitOnCustomer {
                reason: "info".into(),
            },
        ),
        16 => (Actor::System, resolve("done")),
        17 => (Actor::System, CommandKind::HandOff { to: kim() }),
        18 => (Actor::Agent(kim()), CommandKind::AcceptHandoff),
        _ => (
            Actor::System,
            CommandKind::Close {
                outcome: Outcome::Retained,
                review: None,
            },
        ),
    }
}

/// The generated story from Friday 2021-03-05 14:00 in New York under
/// `policy`, opened by an email from a customer of `value` at `priority`:
/// ticking before each command at the command's time and, with `extra`, also
/// at those instants in between. Returns the case with every event of every
/// command and tick, in order.
fn run_under(
    policy: &Policy,
    value: CustomerValue,
    priority: Priority,
    steps: &[(i64, u8, u32)],
    extra: Option<&[i64]>,
) -> Case {
    let start = Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0).unwrap(); // Friday 14:00 in New York
    let mut s = Story::new(policy.clone());
    s.open_with(start, via(Channel::Email), value, priority);
    s.drive(
        start,
        steps
            .iter()
            .map(|&(minutes, k, param)| (minutes, (k, param))),
        extra,
        |(k, param), t| step(k, param, t),
    );
    s.case
}

/// The generated story of [`run_under`], ticked on `schedule`.
fn run_on(
    policy: &Policy,
    value: CustomerValue,
    priority: Priority,
    steps: &[(i64, u8, u32)],
    schedule: &Schedule<'_>,
) -> Case {
    let start = Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0).unwrap(); // Friday 14:00 in New York
    let mut s = Story::new(policy.clone());
    s.open_with(start, via(Channel::Email), value, priority);
    s.drive_on(
        schedule,
        start,
        steps
            .iter()
            .map(|&(minutes, k, param)| (minutes, (k, param))),
        |(k, param), t| step(k, param, t),
    );
    s.case
}

/// `run_under` the recommended policy, for a standard customer at normal priority.
fn run_recommended(steps: &[(i64, u8, u32)], extra: Option<&[i64]>) -> Case {
    run_under(
        &recommended_in_new_york(),
        CustomerValue::Standard,
        Priority::Normal,
        steps,
        extra,
    )
}

/// Random steps: minutes since the last, step kind, parameter.
fn steps() -> impl Strategy<Value = Vec<(i64, u8, u32)>> {
    prop::collection::vec((1i64..3000, 0u8..20, 0u32..10_000), 1..30)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Ticking more often changes nothing under the recommended policy: the
    /// same events in the same order; and a rule escalates at one instant at
    /// most once per cause: per event at that instant, plus the instant itself
    /// for a delayed rule (two breaches at 09:00 may escalate twice, a breach
    /// ticked twice may not).
    #[test]
    fn ticks_never_fire_a_rule_twice_for_one_cause(
        steps in steps(),
        extra in prop::collection::vec(0i64..100_000, 30),
    ) {
        let sparse = run_recommended(&steps, None);
        let dense = run_recommended(&steps, Some(&extra));
        prop_assert_eq!(&dense, &sparse);
        let mut causes = std::collections::HashMap::new();
        let mut escalations = std::collections::HashMap::new();
        for event in sparse.events() {
            match event.kind() {
                EventKind::EscalationRequired { rule, .. } | EventKind::OwnerRequired { rule, .. } => {
                    *escalations.entry((rule.clone(), event.at())).or_insert(0) += 1;
                }
                kind if !is_rule_event(kind) => *causes.entry(event.at()).or_insert(0) += 1,
                _ => {}
            }
        }
        for ((rule, at), n) in escalations {
            let causes = causes.get(&at).copied().unwrap_or(0) + 1;
            prop_assert!(n <= causes, "{} escalated {} times at {} for {} events", rule, n, at, causes);
        }
        prop_assert_eq!(&Case::replay(sparse.events().to_vec()).unwrap(), &sparse);
        // Everything due has fired.
        prop_assert_eq!(sparse.next_wakeup(&recommended_in_new_york()), None);
    }

    /// The same inputs give the same events.
    #[test]
    fn evaluation_is_deterministic(steps in steps()) {
        prop_assert_eq!(run_recommended(&steps, None), run_recommended(&steps, None));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The host cannot change the decision: under random valid policies, for
    /// any tick schedule (never, before or after each command, at every
    /// wake-up, at random instants in between), the logs after a final tick
    /// at the same instant are identical, event for event, and in time order.
    #[test]
    fn ticks_change_nothing_under_random_policies(
        policy in policy(),
        steps in steps(),
        extra in prop::collection::vec(0i64..100_000, 30),
    ) {
        let run = |schedule: &Schedule<'_>| {
            run_on(&policy, CustomerValue::HighValue, Priority::High, &steps, schedule)
        };
        let never = run(&Schedule::Never);
        for schedule in [Schedule::BeforeEach, Schedule::AfterEach, Schedule::Wakeups, Schedule::Between(&extra)] {
            let other = run(&schedule);
            prop_assert_eq!(other.events(), never.events(), "{:?}", schedule);
        }
        for pair in never.events().windows(2) {
            prop_assert!(pair[0].at() <= pair[1].at(), "out of time order: {:?} then {:?}", pair[0], pair[1]);
        }
        prop_assert_eq!(&Case::replay(never.events().to_vec()).unwrap(), &never);
    }
}

/// Adversarial valid policies: up to 64 tiers, rules that answer
/// escalations with escalations, 1-second delays repeated up to 100 times,
/// calls required at once, the same condition in many rules. Rules the
/// policy refuses (a cycle through a required call, a repeated action) are
/// left out: what remains is valid.
fn adversarial_policy() -> impl Strategy<Value = Policy> {
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
        (0usize..64).prop_map(|k| Action::EscalateTo(tier(&format!("t{k}")))),
        (0usize..64).prop_map(|k| Action::RequireOwner(tier(&format!("t{k}")))),
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
        prop::option::of((1i64..3, 0u32..=100)),
    );
    (2usize..=64, prop::collection::vec(rule, 1..16)).prop_map(|(tiers, rules)| {
        let names: Vec<String> = DEFAULT_TIERS
            .iter()
            .map(|t| (*t).to_owned())
            .chain((DEFAULT_TIERS.len()..tiers.max(DEFAULT_TIERS.len())).map(|k| format!("t{k}")))
            .collect();
        let mut p = Policy::new("adversarial", &names)
            .unwrap()
            .with_sla(MetricPolicy::new(
                Metric::FirstResponse,
                Target::new(Within::Time(TimeDelta::seconds(2)), cal("always")),
            ))
            .unwrap()
            .with_sla(
                MetricPolicy::new(
                    Metric::Promise,
                    Target::new(Within::Time(TimeDelta::seconds(1)), cal("always")),
                )
                .with_warning(Threshold::Percent(50)),
            )
            .unwrap();
        for (i, (when, then, delay)) in rules.into_iter().enumerate() {
            // Tiers past the policy's own are not named: use the last one.
            let last = names.len() - 1;
            let then: Vec<Action> = then
                .into_iter()
                .map(|a| match a {
                    Action::EscalateTo(t) if names.iter().all(|n| *n != t.as_str()) => {
                        Action::EscalateTo(tier(&names[last]))
                    }
                    Action::RequireOwner(t) if names.iter().all(|n| *n != t.as_str()) => {
                        Action::RequireOwner(tier(&names[last]))
                    }
                    a => a,
                })
                .collect();
            let mut rule = Rule::new(format!("r{i}"), when, then);
            if let Some((seconds, repeat)) = delay {
                rule = rule.with_delay(
                    Delay {
                        after: Within::Time(TimeDelta::seconds(seconds)),
                        from: DelayFrom::Condition,
                        calendar: cal("always"),
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

/// Whether a rule fires at instants of its own (a delay, or a handoff left
/// waiting) rather than on an event.
fn is_timed(rule: &Rule) -> bool {
    rule.delay.is_some()
        || reads(&rule.when, &|c| {
            matches!(c, Condition::HandoffNotAccepted(_))
        })
}

/// Whether a leaf of `condition` meets `leaf`.
fn reads(condition: &Condition, leaf: &dyn Fn(&Condition) -> bool) -> bool {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().any(|c| reads(c, leaf)),
        c => leaf(c),
    }
}

/// Checks the documented bound on the rule work of one call: apart from
/// the rules that fire at their own instants, at most `R` firings per event
/// that is not a rule's, plus `(T - 1) * E` over the whole call (escalations
/// by rules raise the level, so there are at most `T - 1` of them, each
/// firing at most the `E` rules that read `escalated`).
fn check_rule_work(policy: &Policy, events: &[Event]) -> Result<(), TestCaseError> {
    let rules = policy.rules().len();
    let on_escalated = policy
        .rules()
        .iter()
        .filter(|r| reads(&r.when, &|c| *c == Condition::Escalated))
        .count();
    let causes = events.iter().filter(|e| !is_rule_event(e.kind())).count();
    let mut fired = 0;
    for event in events {
        if let EventKind::RuleFired { rule, .. } = event.kind() {
            let timed = policy
                .rules()
                .iter()
                .find(|r| r.name == rule.as_str())
                .is_some_and(is_timed);
            if !timed {
                fired += 1;
            }
        }
    }
    let bound = rules * causes + (policy.tiers().len() - 1) * on_escalated;
    prop_assert!(
        fired <= bound,
        "{} firings for {} causes, bound {}",
        fired,
        causes,
        bound
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every call is bounded for every valid policy: under adversarial
    /// policies, no `handle` or `tick` fires more rules than the bound, a
    /// wake-up always moves time on, and every host gets the same log.
    #[test]
    fn rule_work_is_bounded_under_adversarial_policies(
        policy in adversarial_policy(),
        steps in prop::collection::vec((1i64..600, 0u8..20, 0u32..10_000), 1..20),
    ) {
        let start = Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0).unwrap();
        let mut s = Story::new(policy.clone());
        s.open_with(start, via(Channel::SocialPublic), CustomerValue::HighValue, Priority::High);
        check_rule_work(&policy, s.case.events())?;
        let mut t = start;
        for &(seconds, k, param) in &steps {
            t += TimeDelta::seconds(seconds);
            let (actor, kind) = step(k, param, t);
            if let Ok(events) = s.handle(t, actor, kind) {
                check_rule_work(&policy, &events)?;
            }
            // A wake-up moves time on: never the same instant twice.
            if let Some(w) = s.case.next_wakeup(&policy).filter(|w| *w <= t) {
                let events = s.tick(w);
                prop_assert!(!events.is_empty());
                check_rule_work(&policy, &events)?;
                prop_assert!(s.case.next_wakeup(&policy).is_none_or(|next| next > w));
            }
        }
        let last = s.tick(t + TimeDelta::days(30));
        check_rule_work(&policy, &last)?;
        prop_assert_eq!(s.case.next_wakeup(&policy), None);
        prop_assert_eq!(&Case::replay(s.case.events().to_vec()).unwrap(), &s.case);
    }
}
