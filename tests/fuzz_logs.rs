//! No panic on any log: a bounded mutation fuzzer over event logs, on stable
//! Rust and without new dependencies.
//!
//! Seed logs are real: cases driven through `handle` and `tick` under the
//! recommended policy, a policy with calls and delayed rules, and a few
//! random valid policies. Each iteration takes one seed's JSON, mutates it at
//! the `serde_json::Value` level with a xorshift generator seeded by the
//! iteration number (extreme numbers, times and durations, changed tags and
//! versions, swapped, duplicated, deleted and forged events, truncated strings,
//! swapped ids), deserializes it, and runs it under `catch_unwind` through
//! the body of the `log` fuzz target (`escalate::testing::fuzz::log_under`,
//! which the libFuzzer target and `tests/fuzz_targets.rs` run too; its docs
//! list what it does and checks): it replays the log, and if it replays
//! ticks it at instants up to chrono's extremes, follows its wake-ups,
//! handles commands at times in and out of range, reads its timeline,
//! clocks, ledger and recommendations, audits it, and applies every event
//! `tick` and `handle` returned (an `Err` there is a bug: the case refused
//! its own events). It also checks that a second tick at the same instant
//! records nothing more, that every wake-up is within the times a case
//! works with and moves time on, and that the host's log replays to the
//! live case. A finding is shown with the smallest log (by removing
//! events) that still gives it.
//!
//! `every_mutated_log_is_handled_without_panic` runs a bounded number of
//! iterations; the ignored `fuzz_logs_for_figures` runs
//! `FUZZ_LOGS_ITERATIONS` (default 1,000,000) of them and prints the figures:
//!
//! ```text
//! cargo test --release --test fuzz_logs -- --ignored --nocapture
//! ```
//!
//! `FUZZ_LOGS_FROM` sets the first iteration number (to run disjoint ranges).

mod support;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use escalate::policy::{
    Action, Call, Condition, DeflectionPolicy, Delay, DelayFrom, Notice, Policy, Rule,
};
use escalate::recovery::{
    CreditForm, Currency, Entitlement, Gesture, GestureKind, Manner, Money, OfferId, Review,
};
use escalate::sla::{
    BusinessCalendar, CalendarName, Match, Metric, MetricPolicy, Reopen, Target, TargetRule,
    Threshold, Within,
};
use escalate::testing::fuzz::{Depth, log_under};
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, Event, FailureId,
    FailureKind, Origin, Outcome, Priority, PromiseId, ResponseKind, SurveyScore,
};
use serde_json::{Value, json};
use support::{Schedule, Story, recommended_in_new_york};

// ---------------------------------------------------------------------------
// A tiny deterministic generator.

/// xorshift64*, seeded through splitmix64 so that nearby seeds diverge.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    /// True with probability `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next() % den < num
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo).unwrap_or(0) + 1;
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------
// Instants and values at the edges.

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Times as the JSON of a log may spell them, most of them at an edge.
fn time_strings() -> &'static [String] {
    static STRINGS: OnceLock<Vec<String>> = OnceLock::new();
    STRINGS.get_or_init(|| {
        let mut v: Vec<String> = [
            "1900-01-01T00:00:00Z",
            "1899-12-31T23:59:59Z",
            "1899-12-31T23:59:59.999999999Z",
            "1900-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59.999999999Z",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:00:00Z",
            "9999-12-24T00:00:00Z",
            "9989-12-31T23:59:59Z",
            "9990-01-01T00:00:00Z",
            "9999-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z",
            "10000-01-01T00:00:00Z",
            "+262143-12-31T23:59:59Z",
            "+262144-01-01T00:00:00Z",
            "-262143-01-01T00:00:00Z",
            "-262144-12-31T23:59:59Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "2021-03-01T09:00:00.999999999Z",
            "2021-03-14T07:00:00Z",
            "2021-11-07T05:30:00Z",
            "2021-02-29T00:00:00Z",
            "2021-03-01T24:00:00Z",
            "2021-03-01T09:00:00",
            "2021-03-01",
            "",
            "soon",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for d in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            v.push(d.to_rfc3339_opts(SecondsFormat::AutoSi, true));
            v.push(d.to_rfc3339_opts(SecondsFormat::Secs, true));
        }
        v
    })
}

/// 10,000 years of 365.25 days, in seconds: the longest duration an event
/// may carry.
const LONGEST: i64 = 10_000 * 31_557_600;

/// The largest whole seconds a `TimeDelta` holds.
const DELTA_MAX_SECS: i64 = i64::MAX / 1000;

/// Durations (in seconds) at the edges.
const DURATIONS: [i64; 16] = [
    0,
    1,
    -1,
    59,
    3_600,
    LONGEST,
    LONGEST + 1,
    LONGEST - 1,
    LONGEST / 2,
    253_402_300_799,
    DELTA_MAX_SECS,
    -DELTA_MAX_SECS,
    DELTA_MAX_SECS + 1,
    i64::MAX,
    i64::MIN,
    4_294_967_295,
];

/// A number at an edge, or near `old`.
fn extreme_number(rng: &mut Rng, old: &serde_json::Number) -> Value {
    let base = old.as_i64().unwrap_or(1);
    match rng.below(24) {
        0 => json!(i64::MIN),
        1 => json!(i64::MAX),
        2 => json!(u64::MAX),
        3 => json!(0),
        4 => json!(-1),
        5 => json!(1),
        6 => json!(u32::MAX),
        7 => json!(u64::from(u32::MAX) + 1),
        8 => json!(i32::MAX),
        9 => json!(u16::MAX),
        10 => json!(255),
        11 => json!(1e300),
        12 => json!(-1e300),
        13 => json!(1e-300),
        14 => json!(0.5),
        15 => json!(base.saturating_add(1)),
        16 => json!(base.saturating_sub(1)),
        17 => json!(base.saturating_mul(2)),
        18 => json!(base.saturating_neg()),
        19 => json!(9_007_199_254_740_993_i64),
        _ => json!(*rng.pick(&DURATIONS)),
    }
}

/// Every event type, and the other tags an event's JSON carries.
const TAGS: [&str; 50] = [
    "opened",
    "contacted",
    "responded",
    "assigned",
    "handoff_offered",
    "handoff_accepted",
    "handoff_declined",
    "escalated",
    "failure_recorded",
    "promise_made",
    "promise_kept",
    "promise_broken",
    "awaiting_customer",
    "survey_answered",
    "churn_signalled",
    "resolved",
    "reopened",
    "resolution_confirmed",
    "closed",
    "gesture_offered",
    "offer_accepted",
    "offer_declined",
    "gesture_granted",
    "clock_started",
    "clock_paused",
    "clock_resumed",
    "clock_stopped",
    "sla_warned",
    "sla_breached",
    "rule_fired",
    "owner_required",
    "escalation_required",
    "apology_required",
    "gesture_recommended",
    "review_required",
    "notified",
    "rule_armed",
    "rule_disarmed",
    "policy_adopted",
    "contact",
    "referral",
    "survey",
    "internal_detection",
    "apology",
    "repair",
    "waive",
    "credit",
    "partial_refund",
    "full_refund",
    "keep_item",
];

/// Words the enums of an event spell, and a few they do not.
const WORDS: [&str; 48] = [
    "phone",
    "voicemail",
    "email",
    "chat",
    "social_public",
    "social_private",
    "in_person",
    "survey",
    "standard",
    "high_value",
    "low",
    "normal",
    "high",
    "urgent",
    "monetary",
    "product",
    "service",
    "attention",
    "retained",
    "won_back",
    "lost",
    "answer",
    "deflection",
    "first_response",
    "next_response",
    "periodic_update",
    "resolution",
    "promise",
    "personal",
    "form",
    "gift_card",
    "store_credit",
    "owed",
    "discretionary",
    "reperform",
    "expedite",
    "exchange",
    "charges",
    "fees",
    "demand",
    "customer",
    "system",
    "USD",
    "EUR",
    "usd",
    "always",
    "business",
    "",
];

const TIME_ZONES: [&str; 9] = [
    "UTC",
    "America/New_York",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Etc/GMT+12",
    "Mars/Olympus",
];

/// Thresholds as `sla_warned` spells them.
fn thresholds(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => json!({"percent": 0}),
        1 => json!({"percent": 100}),
        2 => json!({"percent": 101}),
        3 => json!({"percent": u16::MAX}),
        4 => json!({"percent": 65536}),
        5 => json!({"before": "1s"}),
        6 => json!({"before": "0s"}),
        7 => json!({"before": "87660000h"}),
        8 => json!({"before": "2562047788015h"}),
        9 => json!({"before": "2562047788015215h"}),
        10 => json!({"before": "25"}),
        _ => json!({"percent": 25}),
    }
}

// ---------------------------------------------------------------------------
// Policies and seed logs.

/// The tiers random policies choose from, most junior first.
const TIER_POOL: [&str; 6] = [
    "frontline",
    "supervisor",
    "manager",
    "regional",
    "executive",
    "board",
];

fn cal(name: &str) -> CalendarName {
    name.parse().unwrap()
}

fn tier(name: &str) -> escalate::Tier {
    name.parse().unwrap()
}

fn agent(id: &str, t: &str) -> Agent {
    Agent::new(id.parse().unwrap(), tier(t))
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

/// A policy with promises, required calls, delayed and repeated rules, a
/// handoff timeout, warnings of both kinds and deflections recorded as
/// failures.
#[allow(clippy::too_many_lines)] // the whole policy, rule by rule, in one place
fn calls_policy() -> Policy {
    let business = BusinessCalendar::builder(chrono_tz::Europe::Berlin)
        .weekdays(&["08:00-12:00", "13:00-18:30"])
        .holiday(chrono::NaiveDate::from_ymd_opt(2021, 3, 8).unwrap())
        .build()
        .unwrap();
    let nights = BusinessCalendar::builder(chrono_tz::Australia::Lord_Howe)
        .weekdays(&["22:00-06:00"])
        .build()
        .unwrap();
    let sla = |metric, within, calendar: &str| {
        MetricPolicy::new(metric, Target::new(within, cal(calendar)))
            .with_warning(Threshold::Percent(50))
            .with_warning(Threshold::Before(TimeDelta::minutes(30)))
    };
    let rules = [
        Rule::new(
            "third contact: a call",
            Condition::RepeatContact(3),
            [
                Action::RequireOwner(tier("supervisor")),
                Action::RequireCall(Call::new(Within::Time(TimeDelta::hours(1)))),
            ],
        ),
        Rule::new(
            "low score: a call on the night line",
            Condition::SurveyScoreAtMost(2),
            [
                Action::EscalateOneTier,
                Action::RequireCall(Call::new(Within::BusinessDays(1)).on(cal("nights"))),
                Action::Recommend(GestureKind::Credit),
            ],
        ),
        Rule::new(
            "broken promise",
            Condition::PromiseBroken,
            [
                Action::EscalateOneTier,
                Action::RequireApology(tier("manager")),
            ],
        ),
        Rule::new(
            "promise at risk",
            Condition::PromiseAtRisk,
            [Action::Notify(Notice {
                who: "owner".into(),
                why: "due soon".into(),
                within: Some(Within::Time(TimeDelta::minutes(30))),
            })],
        ),
        Rule::new(
            "handoff pending",
            Condition::HandoffNotAccepted(Within::Time(TimeDelta::hours(2))),
            [Action::EscalateOneTier],
        ),
        Rule::new(
            "unanswered, again and again",
            Condition::Unanswered,
            [Action::Notify(Notice {
                who: "lead".into(),
                why: "still waiting".into(),
                within: None,
            })],
        )
        .with_delay(
            Delay {
                after: Within::Time(TimeDelta::hours(3)),
                from: DelayFrom::Condition,
                calendar: cal("business"),
            },
            3,
        ),
        Rule::new(
            "a week since opening",
            Condition::Unowned,
            [Action::RequireOwner(tier("manager"))],
        )
        .with_delay(
            Delay {
                after: Within::BusinessDays(5),
                from: DelayFrom::Opening,
                calendar: cal("business"),
            },
            0,
        ),
        Rule::new(
            "resolution warning",
            Condition::All(vec![
                Condition::SlaWarning(Metric::Resolution),
                Condition::Any(vec![Condition::HighValueCustomer, Condition::Escalated]),
            ]),
            [Action::RequireReview],
        ),
        Rule::new(
            "level too long",
            Condition::SeverityAtLeast(Priority::High),
            [Action::EscalateTo(tier("manager"))],
        )
        .with_delay(
            Delay {
                after: Within::Time(TimeDelta::hours(8)),
                from: DelayFrom::Level,
                calendar: CalendarName::always(),
            },
            1,
        ),
    ];
    let mut p = Policy::new("calls-1", TIER_POOL[..4].iter().copied())
        .unwrap()
        .with_time_zone(chrono_tz::Europe::Berlin)
        .with_calendar(cal("business"), business)
        .unwrap()
        .with_calendar(cal("nights"), nights)
        .unwrap()
        .with_default_calendar(cal("business"))
        .unwrap()
        .with_sla(
            sla(
                Metric::FirstResponse,
                Within::Time(TimeDelta::hours(2)),
                "business",
            )
            .with_rule(
                Match {
                    channel: Some(Channel::SocialPublic),
                    ..Match::default()
                },
                Target::new(Within::Time(TimeDelta::minutes(20)), CalendarName::always()),
            ),
        )
        .unwrap()
        .with_sla(sla(
            Metric::NextResponse,
            Within::BusinessDays(1),
            "business",
        ))
        .unwrap()
        .with_sla(
            sla(
                Metric::PeriodicUpdate,
                Within::Time(TimeDelta::hours(8)),
                "nights",
            )
            .with_reopen(Reopen::Continue),
        )
        .unwrap()
        .with_sla(
            sla(Metric::Resolution, Within::BusinessDays(3), "business")
                .with_reopen(Reopen::Continue),
        )
        .unwrap()
        .with_sla(MetricPolicy {
            metric: Metric::Promise,
            targets: Vec::new(),
            fallback: None,
            no_target: Vec::new(),
            warnings: vec![
                Threshold::Before(TimeDelta::hours(1)),
                Threshold::Percent(75),
            ],
            reopen: Reopen::NewCycle,
            stopped_by: escalate::ResponseKind::REPLIES.to_vec(),
        })
        .unwrap()
        .with_deflection(DeflectionPolicy::RecordFailure);
    for rule in rules {
        p = p.with_rule(rule).unwrap();
    }
    p
}

/// A random valid policy: tiers, calendars, SLA metrics, rules. Rules on a
/// promise never require a call (a call is itself a promise: such a policy
/// is the bounded-work issue's, not this fuzzer's).
#[allow(clippy::too_many_lines)] // one policy, section by section
fn random_policy(seed: u64) -> Policy {
    let mut rng = Rng::new(seed);
    let n = 1 + rng.below(TIER_POOL.len());
    let tiers: Vec<&str> = TIER_POOL[..n].to_vec();
    let zones = [
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::Europe::Berlin,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Kiritimati,
    ];
    let hours: [&[&str]; 6] = [
        &[],
        &["09:00-17:00"],
        &["08:00-12:00", "13:00-18:30"],
        &["22:00-06:00"],
        &["00:00-24:00"],
        &["07:15:30-11:45"],
    ];
    let days = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    let mut names = vec!["always".to_owned()];
    let mut p = Policy::new(format!("random-{seed}"), &tiers)
        .unwrap()
        .with_time_zone(*rng.pick(&zones));
    for c in 0..rng.below(3) {
        let mut b = BusinessCalendar::builder(*rng.pick(&zones)).hours(days[0], &["09:00-17:00"]);
        for d in &days[1..] {
            b = b.hours(*d, rng.pick::<&[&str]>(&hours));
        }
        if rng.chance(1, 2) {
            let date =
                chrono::NaiveDate::from_ymd_opt(2021, 3, 1 + u32::try_from(rng.below(28)).unwrap())
                    .unwrap();
            b = b.holiday(date);
        }
        let name = format!("cal{c}");
        p = p.with_calendar(cal(&name), b.build().unwrap()).unwrap();
        names.push(name);
    }
    p = p
        .with_default_calendar(cal(rng.pick::<String>(&names)))
        .unwrap();
    let within = |rng: &mut Rng| {
        if rng.chance(1, 3) {
            Within::BusinessDays(1 + u32::try_from(rng.below(10)).unwrap())
        } else {
            Within::Time(TimeDelta::seconds(rng.range(1, 200_000)))
        }
    };
    for metric in [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
        Metric::Promise,
    ] {
        if rng.chance(1, 4) {
            continue;
        }
        let fallback = Target::new(within(&mut rng), cal(rng.pick::<String>(&names)));
        let mut m = if metric == Metric::Promise {
            MetricPolicy {
                metric,
                targets: Vec::new(),
                fallback: None,
                no_target: Vec::new(),
                warnings: Vec::new(),
                reopen: Reopen::NewCycle,
                stopped_by: escalate::ResponseKind::REPLIES.to_vec(),
            }
        } else {
            MetricPolicy::new(metric, fallback)
        };
        if metric != Metric::Promise && rng.chance(1, 2) {
            m.targets.push(TargetRule {
                when: Match {
                    channel: Some(*rng.pick(&[Channel::SocialPublic, Channel::Voicemail])),
                    ..Match::default()
                },
                target: Target::new(within(&mut rng), cal(rng.pick::<String>(&names))),
            });
        }
        for _ in 0..rng.below(3) {
            m.warnings.push(if rng.chance(1, 2) {
                Threshold::Percent(u16::try_from(rng.range(1, 150)).unwrap())
            } else {
                Threshold::Before(TimeDelta::seconds(rng.range(1, 100_000)))
            });
        }
        m.reopen = *rng.pick(&[Reopen::NewCycle, Reopen::Continue, Reopen::FirstOnly]);
        p = p.with_sla(m).unwrap();
    }
    let leaf = |rng: &mut Rng| -> Condition {
        let metric = *rng.pick(&[
            Metric::FirstResponse,
            Metric::NextResponse,
            Metric::PeriodicUpdate,
            Metric::Resolution,
        ]);
        match rng.below(15) {
            0 => Condition::SlaWarning(metric),
            1 => Condition::SlaBreach(metric),
            2 => Condition::RepeatContact(1 + u32::try_from(rng.below(4)).unwrap()),
            3 => Condition::PublicContact,
            4 => Condition::SurveyScoreAtMost(2),
            5 => Condition::ChurnSignal,
            6 => Condition::FailuresAtLeast(1 + u32::try_from(rng.below(3)).unwrap()),
            7 => Condition::SeverityAtLeast(Priority::High),
            8 => Condition::HighValueCustomer,
            9 => Condition::Deflection,
            10 => Condition::PromiseBroken,
            11 => Condition::HandoffNotAccepted(within(rng)),
            12 => Condition::Escalated,
            13 => Condition::Unowned,
            _ => Condition::Unanswered,
        }
    };
    for r in 0..rng.below(6) {
        let when = if rng.chance(1, 3) {
            Condition::Any(vec![leaf(&mut rng), leaf(&mut rng)])
        } else {
            leaf(&mut rng)
        };
        let on_promise = format!("{when:?}").contains("Promise");
        let mut then = Vec::new();
        for _ in 0..=rng.below(2) {
            then.push(match rng.below(7) {
                0 => Action::RequireOwner(tier(rng.pick::<&str>(&tiers))),
                1 => Action::EscalateTo(tier(rng.pick::<&str>(&tiers))),
                2 => Action::EscalateOneTier,
                3 if !on_promise => Action::RequireCall(Call::new(within(&mut rng))),
                4 => Action::RequireApology(tier(rng.pick::<&str>(&tiers))),
                5 => Action::Recommend(*rng.pick(&GestureKind::ALL)),
                _ => Action::Notify(Notice {
                    who: "owner".into(),
                    why: "look".into(),
                    within: Some(within(&mut rng)),
                }),
            });
        }
        let mut rule = Rule::new(format!("rule {r}"), when, then);
        if rng.chance(1, 3) {
            let delay = Delay {
                after: within(&mut rng),
                from: *rng.pick(&[DelayFrom::Condition, DelayFrom::Level, DelayFrom::Opening]),
                calendar: cal(rng.pick::<String>(&names)),
            };
            rule = rule.with_delay(delay, u32::try_from(rng.below(4)).unwrap());
        }
        if let Ok(next) = p.clone().with_rule(rule) {
            p = next;
        }
    }
    p.with_deflection(*rng.pick(&[
        DeflectionPolicy::Refuse,
        DeflectionPolicy::RecordFailure,
        DeflectionPolicy::Allow,
    ]))
}

/// The command of step kind `k` with parameter `param` at `t`, with agents at
/// the policy's first and `param`-th tiers.
#[allow(clippy::too_many_lines)] // one arm per step kind reads best as one match
fn step(k: u8, param: u32, t: DateTime<Utc>, tiers: &[String]) -> (Actor, CommandKind) {
    let first = &tiers[0];
    let some = &tiers[param as usize % tiers.len()];
    let sam = || agent("sam", first);
    let kim = || agent("kim", first);
    let promise = PromiseId::new(param % 3 + 1);
    let f1 = || vec![FailureId::new(1)];
    let contact = |channel| CommandKind::Contact {
        channel,
        note: "?".into(),
    };
    let respond = |kind| CommandKind::Respond {
        channel: Channel::Email,
        note: "reply".into(),
        kind,
    };
    match k {
        0 | 1 => (Actor::Customer, contact(Channel::Email)),
        2 => (Actor::Customer, contact(Channel::SocialPublic)),
        3 => (Actor::Customer, contact(Channel::Voicemail)),
        4 | 5 => (Actor::System, respond(ResponseKind::Answer)),
        6 => (Actor::System, respond(ResponseKind::Deflection)),
        7 => (Actor::System, CommandKind::Assign { to: sam() }),
        8 => (
            Actor::System,
            CommandKind::Escalate {
                to: agent("max", some),
                reason: "why not".into(),
            },
        ),
        9 => (
            Actor::System,
            CommandKind::RecordFailure {
                kind: FailureKind::Product,
                description: "again".into(),
                loss: Some(usd(i64::from(param) * 7 + 1)),
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
                due: t
                    .checked_add_signed(TimeDelta::minutes(i64::from(param % 900)))
                    .unwrap_or(t),
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
        16 => (
            Actor::System,
            CommandKind::Resolve {
                summary: "done".into(),
            },
        ),
        17 => (Actor::System, CommandKind::HandOff { to: kim() }),
        18 => (Actor::Agent(kim()), CommandKind::AcceptHandoff),
        19 => (
            Actor::System,
            CommandKind::Grant {
                gestures: vec![
                    Gesture::Apology {
                        failures: f1(),
                        manner: Manner::Personal,
                    },
                    Gesture::Credit {
                        failures: f1(),
                        form: CreditForm::StoreCredit,
                        amount: usd(i64::from(param % 5000)),
                    },
                ],
            },
        ),
        20 => (
            Actor::System,
            CommandKind::Offer {
                gesture: Gesture::FullRefund {
                    failures: f1(),
                    amount: usd(i64::from(param)),
                    due: Entitlement::Owed,
                },
            },
        ),
        21 => (
            Actor::Customer,
            CommandKind::AcceptOffer {
                offer: OfferId::new(param % 2 + 1),
            },
        ),
        22 => (
            Actor::System,
            CommandKind::GrantOffer {
                offer: OfferId::new(param % 2 + 1),
            },
        ),
        23 => (Actor::Customer, CommandKind::ConfirmResolution),
        _ => (
            Actor::System,
            CommandKind::Close {
                outcome: Outcome::Lost,
                review: Review::new("nobody owned it", "one owner").ok(),
            },
        ),
    }
}

/// The policies the fuzzer runs under, by name.
struct Corpus {
    policies: Vec<(String, Policy)>,
    seeds: Vec<Seed>,
    /// Names of every rule of every policy.
    rules: Vec<String>,
}

/// A real log, as JSON, and the policy it was made under.
struct Seed {
    name: String,
    policy: usize,
    log: Value,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(build_corpus)
}

fn build_corpus() -> Corpus {
    let mut policies = vec![
        (
            "recommended in New York".to_owned(),
            recommended_in_new_york(),
        ),
        ("recommended".to_owned(), Policy::recommended()),
        ("calls".to_owned(), calls_policy()),
    ];
    for seed in [3, 17, 29, 41] {
        policies.push((format!("random {seed}"), random_policy(seed)));
    }
    let rules = policies
        .iter()
        .flat_map(|(_, p)| p.rules().iter().map(|r| r.name.clone()))
        .collect();
    let mut seeds = Vec::new();
    let starts = [
        t("2021-03-05T19:00:00Z"), // Friday 14:00 in New York
        t("2021-11-07T05:30:00Z"), // New York's clocks go back at 06:00 UTC
        t("2024-02-29T12:00:00Z"),
        t("2021-03-28T00:30:00Z"), // Berlin's clocks go forward at 01:00 UTC
    ];
    let origins = [
        Origin::Contact {
            channel: Channel::Email,
        },
        Origin::Contact {
            channel: Channel::SocialPublic,
        },
        Origin::Contact {
            channel: Channel::Voicemail,
        },
        Origin::Survey {
            score: SurveyScore::new(1).unwrap(),
        },
        Origin::Referral {
            from: "partner".into(),
        },
        Origin::InternalDetection,
    ];
    for (pi, (pname, policy)) in policies.iter().enumerate() {
        let tiers: Vec<String> = policy.tiers().iter().map(ToString::to_string).collect();
        for s in 0..8u64 {
            let mut rng = Rng::new(1000 * pi as u64 + s);
            let start = *rng.pick(&starts);
            let origin = rng.pick(&origins).clone();
            let value = *rng.pick(&[CustomerValue::Standard, CustomerValue::HighValue]);
            let priority = *rng.pick(&[Priority::Low, Priority::Normal, Priority::Urgent]);
            let mut story = Story::starting(&format!("FZ-{pi}-{s}"), policy.clone(), start);
            let actor = match origin {
                Origin::Contact { .. } | Origin::Survey { .. } => Actor::Customer,
                Origin::InternalDetection => Actor::Agent(agent("sam", &tiers[0])),
                Origin::Referral { .. } => Actor::System,
            };
            story.run(
                start,
                actor,
                CommandKind::Open {
                    customer: Customer::new("cust".parse().unwrap(), value),
                    origin,
                    summary: "problem".into(),
                    priority,
                },
            );
            let steps: Vec<(i64, (u8, u32))> = (0..5 + rng.below(35))
                .map(|_| {
                    let minutes = *rng.pick(&[1, 5, 30, 61, 240, 600, 1500, 2900]);
                    let k = u8::try_from(rng.below(25)).unwrap();
                    let param = u32::try_from(rng.below(10_000)).unwrap();
                    (minutes, (k, param))
                })
                .collect();
            let schedule = *rng.pick(&[Schedule::BeforeEach, Schedule::Never, Schedule::Wakeups]);
            story.drive_on(&schedule, start, steps, |(k, param), at| {
                step(k, param, at, &tiers)
            });
            seeds.push(Seed {
                name: format!("{pname} #{s}"),
                policy: pi,
                log: serde_json::to_value(&story.log).unwrap(),
            });
        }
    }
    Corpus {
        policies,
        seeds,
        rules,
    }
}

// ---------------------------------------------------------------------------
// Mutations of a log's JSON.

/// The JSON pointer of every node under `v`, with the key it sits under.
fn nodes(v: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, at: &mut String, key: &str, out: &mut Vec<(String, String)>) {
        out.push((at.clone(), key.to_owned()));
        let len = at.len();
        match v {
            Value::Array(xs) => {
                for (i, x) in xs.iter().enumerate() {
                    let _ = write!(at, "/{i}");
                    walk(x, at, key, out);
                    at.truncate(len);
                }
            }
            Value::Object(map) => {
                for (k, x) in map {
                    at.push('/');
                    at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(x, at, k, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut String::new(), "", &mut out);
    out
}

/// The pointers of the nodes for which `keep(key, node)` holds.
fn select(log: &Value, keep: impl Fn(&str, &Value) -> bool) -> Vec<String> {
    nodes(log)
        .into_iter()
        .filter(|(p, k)| log.pointer(p).is_some_and(|v| keep(k, v)))
        .map(|(p, _)| p)
        .collect()
}

fn is_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.parse::<DateTime<Utc>>().is_ok())
}

/// The events of a log (empty when it is not an array).
fn events_of(log: &mut Value) -> &mut Vec<Value> {
    if !log.is_array() {
        *log = Value::Array(Vec::new());
    }
    log.as_array_mut().unwrap()
}

/// Versions 1, 2, 3, ... in order, as `apply` wants them.
fn renumber(log: &mut Value) {
    for (i, e) in events_of(log).iter_mut().enumerate() {
        if let Some(obj) = e.as_object_mut() {
            obj.insert("version".into(), json!(i + 1));
        }
    }
}

/// Clock numbers 1, 2, 3, ... in the order clocks start, as `apply` wants
/// them (events that name a clock keep their numbers).
fn renumber_clocks(log: &mut Value) {
    let mut n = 0;
    for e in events_of(log).iter_mut() {
        if e.pointer("/kind/type").and_then(Value::as_str) == Some("clock_started") {
            n += 1;
            e["kind"]["clock"] = json!(n);
        }
    }
}

/// A forged event at `at`, of a kind that carries times, durations, ids or
/// amounts, or changes what a case owes.
fn forged(rng: &mut Rng, at: &Value, corpus: &Corpus) -> Value {
    let clock = json!(1 + rng.below(8));
    let duration = |rng: &mut Rng| json!(*rng.pick(&DURATIONS));
    let time = |rng: &mut Rng| json!(rng.pick(time_strings()));
    let metric = *rng.pick(&[
        "first_response",
        "next_response",
        "periodic_update",
        "resolution",
        "promise",
    ]);
    let rule = rng.pick(&corpus.rules).clone();
    let amount = |rng: &mut Rng| json!({"minor": rng.pick(&[i64::MAX, i64::MIN, -1, 0, 1, i64::MAX / 2]), "currency": "USD"});
    let who = |rng: &mut Rng| json!({"id": *rng.pick(&["sam", "kim", "max"]), "tier": *rng.pick(&TIER_POOL)});
    let kind = match rng.below(20) {
        0 => {
            let mut k = json!({"type": "clock_started", "clock": clock, "metric": metric,
                "target_seconds": duration(rng), "calendar": *rng.pick(&["always", "business", "nights", "cal0", "nope"])});
            if rng.chance(3, 4) {
                k["due"] = time(rng);
            }
            if metric == "promise" || rng.chance(1, 4) {
                k["promise"] = json!(1 + rng.below(3));
            }
            k
        }
        1 => json!({"type": "clock_paused", "clock": clock, "consumed_seconds": duration(rng)}),
        2 => {
            let mut k = json!({"type": "clock_resumed", "clock": clock});
            if rng.chance(3, 4) {
                k["due"] = time(rng);
            }
            k
        }
        3 => {
            let mut k =
                json!({"type": "clock_stopped", "clock": clock, "consumed_seconds": duration(rng)});
            if rng.chance(1, 2) {
                k["late_by_seconds"] = duration(rng);
            }
            k
        }
        4 => json!({"type": "sla_warned", "clock": clock, "threshold": thresholds(rng)}),
        5 => json!({"type": "sla_breached", "clock": clock}),
        6 => {
            let mut k =
                json!({"type": "promise_made", "promise": 1 + rng.below(4), "what": "call"});
            if rng.chance(3, 4) {
                k["due"] = time(rng);
            }
            k
        }
        7 => {
            json!({"type": *rng.pick(&["promise_broken", "promise_kept"]), "promise": 1 + rng.below(4)})
        }
        8 => {
            let mut k = json!({"type": "notified", "rule": rule, "who": "owner", "why": "x"});
            if rng.chance(3, 4) {
                k["by"] = time(rng);
            }
            k
        }
        9 => {
            json!({"type": *rng.pick(&["rule_armed", "rule_disarmed", "rule_fired"]), "rule": rule, "when": "x"})
        }
        10 => json!({"type": "failure_recorded", "failure": 1 + rng.below(3), "kind": "monetary",
            "description": "x", "loss": amount(rng)}),
        11 => json!({"type": "gesture_granted", "gesture": {"type": "credit", "failures": [1],
            "form": "gift_card", "amount": amount(rng)}}),
        12 => {
            json!({"type": "gesture_offered", "offer": 1 + rng.below(2), "gesture": {"type": "full_refund",
            "failures": [1], "amount": amount(rng), "due": "owed"}})
        }
        13 => {
            json!({"type": *rng.pick(&["offer_accepted", "offer_declined"]), "offer": 1 + rng.below(2)})
        }
        14 => json!({"type": *rng.pick(&["handoff_offered", "assigned"]), "to": who(rng)}),
        15 => json!({"type": "escalated", "to": who(rng), "reason": "x"}),
        16 => {
            json!({"type": *rng.pick(&["reopened", "resolution_confirmed", "churn_signalled"]), "note": "x"})
        }
        17 => {
            json!({"type": "policy_adopted", "policy": corpus.policies[rng.below(corpus.policies.len())].1.version()})
        }
        18 => {
            json!({"type": *rng.pick(&["awaiting_customer", "resolved", "contacted"]), "reason": "x",
            "summary": "x", "channel": "email", "note": "x"})
        }
        _ => json!({"type": "escalation_required", "rule": rule, "tier": *rng.pick(&TIER_POOL)}),
    };
    json!({"version": 0, "at": at, "actor": "system", "kind": kind})
}

/// Applies one random mutation to `log`; returns its name, and whether it
/// set a version on purpose (then versions are not renumbered).
#[allow(clippy::too_many_lines)] // one arm per mutation reads best as one match
fn mutate(log: &mut Value, rng: &mut Rng, corpus: &Corpus) -> (&'static str, bool) {
    let pick_node = |log: &Value, rng: &mut Rng, keep: &dyn Fn(&str, &Value) -> bool| {
        let found = select(log, keep);
        (!found.is_empty()).then(|| found[rng.below(found.len())].clone())
    };
    match rng.below(20) {
        0 | 1 => {
            if let Some(p) = pick_node(log, rng, &|_, v| v.is_number()) {
                let old = log.pointer(&p).and_then(Value::as_number).cloned().unwrap();
                *log.pointer_mut(&p).unwrap() = extreme_number(rng, &old);
            }
            ("number", false)
        }
        2 | 3 => {
            if let Some(p) = pick_node(log, rng, &|k, v| k.ends_with("_seconds") && v.is_number()) {
                *log.pointer_mut(&p).unwrap() = json!(*rng.pick(&DURATIONS));
            } else if let Some(p) = pick_node(log, rng, &|_, v| {
                v.get("type").and_then(Value::as_str) == Some("clock_stopped")
            }) {
                log.pointer_mut(&p).unwrap()["late_by_seconds"] = json!(*rng.pick(&DURATIONS));
            }
            ("duration", false)
        }
        4 | 5 => {
            if let Some(p) = pick_node(log, rng, &|_, v| is_time(v)) {
                *log.pointer_mut(&p).unwrap() = json!(rng.pick(time_strings()));
            }
            ("time", false)
        }
        6 => {
            // A time moved by a span, within chrono's range.
            if let Some(p) = pick_node(log, rng, &|_, v| is_time(v)) {
                let old: DateTime<Utc> =
                    log.pointer(&p).unwrap().as_str().unwrap().parse().unwrap();
                let span = TimeDelta::seconds(*rng.pick(&[
                    1,
                    -1,
                    3_600,
                    -86_400,
                    31_557_600 * 400,
                    -31_557_600 * 400,
                    31_557_600 * 8_000,
                    -31_557_600 * 8_000,
                    LONGEST,
                ]));
                if let Some(new) = old.checked_add_signed(span) {
                    *log.pointer_mut(&p).unwrap() =
                        json!(new.to_rfc3339_opts(SecondsFormat::AutoSi, true));
                }
            }
            ("shifted time", false)
        }
        7 => {
            if let Some(p) = pick_node(log, rng, &|k, v| k == "type" && v.is_string()) {
                *log.pointer_mut(&p).unwrap() = json!(*rng.pick(&TAGS));
            }
            ("tag", false)
        }
        8 => {
            if let Some(p) = pick_node(log, rng, &|k, v| {
                v.is_string() && !matches!(k, "type" | "at" | "due" | "by" | "note" | "summary")
            }) {
                *log.pointer_mut(&p).unwrap() = json!(*rng.pick(&WORDS));
            }
            ("word", false)
        }
        9 => {
            let events = events_of(log);
            if !events.is_empty() {
                let i = rng.below(events.len());
                let v = match rng.below(7) {
                    0 => json!(0),
                    1 => json!(u64::MAX),
                    2 => json!(i),
                    3 => json!(i + 2),
                    4 => json!(-1),
                    5 => json!(i64::MAX),
                    _ => json!(1),
                };
                events[i]["version"] = v;
            }
            ("version", true)
        }
        10 => {
            let events = events_of(log);
            if events.len() >= 2 {
                let (i, j) = (rng.below(events.len()), rng.below(events.len()));
                match rng.below(6) {
                    0 => events.swap(i, j),
                    1 => {
                        let e = events[i].clone();
                        events.insert(j, e);
                    }
                    2 => {
                        events.remove(i);
                    }
                    3 => {
                        let e = events.remove(i);
                        events.insert(j.min(events.len()), e);
                    }
                    4 => events[i.min(j)..=i.max(j)].reverse(),
                    _ => events.truncate(i.max(1)),
                }
            }
            ("structure", false)
        }
        11 => {
            // An event of another seed.
            let other = &rng.pick(&corpus.seeds).log;
            if let Some(xs) = other.as_array().filter(|xs| !xs.is_empty()) {
                let e = rng.pick(xs).clone();
                let events = events_of(log);
                let at = rng.below(events.len() + 1);
                events.insert(at, e);
            }
            ("crossover", false)
        }
        12 => {
            if let Some(p) = pick_node(log, rng, &|_, v| v.is_string()) {
                let s = log.pointer(&p).unwrap().as_str().unwrap().to_owned();
                let cut = rng.below(s.chars().count() + 1);
                let mut new: String = s.chars().take(cut).collect();
                match rng.below(4) {
                    0 => new.push('é'),
                    1 => new.push_str(" \u{0}✓"),
                    2 => new = " ".repeat(rng.below(3)),
                    _ => {}
                }
                *log.pointer_mut(&p).unwrap() = json!(new);
            }
            ("string", false)
        }
        13 => {
            // Ids swapped or copied between events.
            let key = *rng.pick(&[
                "clock",
                "promise",
                "offer",
                "failure",
                "failures",
                "case",
                "id",
                "tier",
                "rule",
                "calendar",
                "policy",
                "time_zone",
                "customer",
                "to",
                "by",
                "actor",
                "command",
                "at",
                "due",
            ]);
            let found = select(log, |k, _| k == key);
            if found.len() >= 2 {
                let a = found[rng.below(found.len())].clone();
                let b = found[rng.below(found.len())].clone();
                let va = log.pointer(&a).unwrap().clone();
                let vb = log.pointer(&b).unwrap().clone();
                // A node may contain the other: copy then, never swap.
                if a.starts_with(&b) || b.starts_with(&a) || rng.chance(1, 2) {
                    *log.pointer_mut(&a).unwrap() = vb;
                } else {
                    *log.pointer_mut(&a).unwrap() = vb;
                    *log.pointer_mut(&b).unwrap() = va;
                }
            }
            ("ids", false)
        }
        14 => {
            if let Some(p) = pick_node(log, rng, &|_, v| v.is_object()) {
                let obj = log.pointer_mut(&p).unwrap().as_object_mut().unwrap();
                let keys: Vec<String> = obj.keys().cloned().collect();
                if !keys.is_empty() {
                    let k = rng.pick(&keys).clone();
                    if rng.chance(1, 2) {
                        obj.remove(&k);
                    } else {
                        obj.insert(k, Value::Null);
                    }
                }
            }
            ("field", false)
        }
        15 => {
            if let Some(p) = pick_node(log, rng, &|k, _| k == "threshold") {
                *log.pointer_mut(&p).unwrap() = thresholds(rng);
            }
            ("threshold", false)
        }
        16 => {
            if let Some(p) = pick_node(log, rng, &|k, _| k == "time_zone") {
                *log.pointer_mut(&p).unwrap() = json!(*rng.pick(&TIME_ZONES));
            }
            ("time zone", false)
        }
        17 => {
            // An optional time added where it was left out.
            if let Some(p) = pick_node(log, rng, &|_, v| {
                matches!(
                    v.get("type").and_then(Value::as_str),
                    Some("clock_started" | "clock_resumed" | "promise_made" | "notified")
                )
            }) {
                let node = log.pointer_mut(&p).unwrap();
                let key = if node["type"] == "notified" {
                    "by"
                } else {
                    "due"
                };
                node[key] = json!(rng.pick(time_strings()));
            }
            ("due", false)
        }
        _ => {
            // A forged event, at a time of the log or at an edge.
            let times = select(log, |k, v| k == "at" && is_time(v));
            let at = if !times.is_empty() && rng.chance(1, 2) {
                log.pointer(rng.pick::<String>(&times)).unwrap().clone()
            } else {
                json!(rng.pick(time_strings()))
            };
            let e = forged(rng, &at, corpus);
            let events = events_of(log);
            let i = if rng.chance(1, 2) {
                events.len()
            } else {
                rng.below(events.len() + 1)
            };
            events.insert(i, e);
            ("forged", false)
        }
    }
}

// ---------------------------------------------------------------------------
// Running a log.

thread_local! {
    /// Whether a panic now is the fuzzer's to record (else the default hook reports it).
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    /// The message and place of the last panic recorded.
    static PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if FUZZING.with(Cell::get) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".to_owned());
                let place = info
                    .location()
                    .map_or_else(String::new, |l| format!("{}:{}", l.file(), l.line()));
                PANIC.with(|p| *p.borrow_mut() = Some((message, place)));
            } else {
                default(info);
            }
        }));
    });
}

/// How far a log got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reached {
    /// It did not deserialize.
    Rejected,
    /// It deserialized but did not replay.
    NotReplayed,
    /// It replayed and was run.
    Replayed,
}

/// Something wrong found while running a log.
#[derive(Clone, Debug)]
struct Finding {
    /// Groups findings: the panic's place, or the law broken.
    signature: String,
    /// The panic message, or what broke the law.
    message: String,
}

/// Runs `log` under policy `policy` of the corpus through the `log` fuzz
/// target's body ([`log_under`]), adopting another of the corpus's policies,
/// catching panics.
fn run(log: &Value, policy: usize) -> Result<Reached, Finding> {
    let corpus = corpus();
    let Ok(events) = serde_json::from_value::<Vec<Event>>(log.clone()) else {
        return Ok(Reached::Rejected);
    };
    let other = &corpus.policies[events.len() % corpus.policies.len()].1;
    FUZZING.with(|f| f.set(true));
    PANIC.with(|p| *p.borrow_mut() = None);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        log_under(&events, &corpus.policies[policy].1, other, &[])
    }));
    FUZZING.with(|f| f.set(false));
    match outcome {
        Ok(Ok(Depth::Exercised)) => Ok(Reached::Replayed),
        Ok(Ok(_)) => Ok(Reached::NotReplayed),
        Ok(Err(finding)) => Err(Finding {
            signature: finding.law().to_owned(),
            message: finding.detail().to_owned(),
        }),
        Err(_) => {
            let (message, place) = PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| ("(no message)".into(), String::new()));
            Err(Finding {
                signature: format!("panic at {place}"),
                message,
            })
        }
    }
}

/// The mutated log of iteration `i`, with the policy it runs under and the
/// mutations made.
fn mutant(i: u64) -> (Value, usize, String) {
    let corpus = corpus();
    let mut rng = Rng::new(i);
    let seed = rng.pick(&corpus.seeds);
    let mut log = seed.log.clone();
    let mut names = vec![seed.name.clone()];
    let mut versioned = false;
    // One mutation half the time, up to four.
    let n = if rng.chance(1, 2) {
        1
    } else {
        2 + rng.below(3)
    };
    for _ in 0..n {
        let (name, version) = mutate(&mut log, &mut rng, corpus);
        names.push(name.to_owned());
        versioned |= version;
    }
    if !versioned && rng.chance(4, 5) {
        renumber(&mut log);
        if rng.chance(1, 2) {
            renumber_clocks(&mut log);
        }
    }
    let policy = if rng.chance(1, 10) {
        rng.below(corpus.policies.len())
    } else {
        seed.policy
    };
    (log, policy, names.join(" + "))
}

/// The smallest log, by removing events, that still gives a finding with
/// the same signature.
fn minimize(log: &Value, policy: usize, signature: &str) -> Value {
    let same = |candidate: &Value| run(candidate, policy).is_err_and(|f| f.signature == signature);
    let mut best = log.clone();
    for _ in 0..4 {
        let mut shrunk = false;
        let mut i = best.as_array().map_or(0, Vec::len);
        while i > 0 {
            i -= 1;
            let mut candidate = best.clone();
            events_of(&mut candidate).remove(i);
            let mut renumbered = candidate.clone();
            renumber(&mut renumbered);
            if same(&renumbered) {
                best = renumbered;
                shrunk = true;
            } else if same(&candidate) {
                best = candidate;
                shrunk = true;
            }
        }
        if !shrunk {
            break;
        }
    }
    best
}

/// What a fuzzing run found.
#[derive(Default)]
struct Figures {
    executions: u64,
    reached: BTreeMap<String, u64>,
    /// Findings by signature: how many, and the first iteration that gave one.
    findings: BTreeMap<String, (u64, u64, Finding, String)>,
    /// The slowest iteration, and how long it took.
    slowest: (u64, Duration),
    elapsed: Duration,
}

impl Figures {
    fn failures(&self) -> u64 {
        self.findings.values().map(|(n, ..)| n).sum()
    }

    fn panics(&self) -> u64 {
        self.findings
            .iter()
            .filter(|(s, _)| s.starts_with("panic"))
            .map(|(_, (n, ..))| n)
            .sum()
    }

    fn report(&self, shown: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} executions in {:.1?} ({:.0}/s); reached: {:?}; {} panics, {} other failures",
            self.executions,
            self.elapsed,
            f64::from(u32::try_from(self.executions).unwrap_or(u32::MAX))
                / self.elapsed.as_secs_f64().max(1e-9),
            self.reached,
            self.panics(),
            self.failures() - self.panics(),
        );
        let _ = writeln!(
            out,
            "slowest: iteration {} in {:.1?}",
            self.slowest.0, self.slowest.1
        );
        for (k, (signature, (n, first, finding, mutations))) in self.findings.iter().enumerate() {
            let _ = writeln!(
                out,
                "\n{n} x {signature}\n  message: {}\n  first: iteration {first} ({mutations})",
                finding.message
            );
            if k < shown {
                let (log, policy, _) = mutant(*first);
                let small = minimize(&log, policy, signature);
                let _ = writeln!(
                    out,
                    "  under the policy '{}', the smallest log found:\n  {}",
                    corpus().policies[policy].0,
                    serde_json::to_string(&small).unwrap()
                );
            }
        }
        out
    }
}

/// Runs iterations `from..from + n`.
fn fuzz(from: u64, n: u64) -> Figures {
    install_hook();
    let corpus = corpus();
    assert!(!corpus.seeds.is_empty());
    let started = Instant::now();
    let mut figures = Figures::default();
    for i in from..from + n {
        let (log, policy, mutations) = mutant(i);
        figures.executions += 1;
        let began = Instant::now();
        let outcome = run(&log, policy);
        let took = began.elapsed();
        if took > figures.slowest.1 {
            figures.slowest = (i, took);
        }
        match outcome {
            Ok(reached) => *figures.reached.entry(format!("{reached:?}")).or_default() += 1,
            Err(finding) => {
                let entry = figures
                    .findings
                    .entry(finding.signature.clone())
                    .or_insert((0, i, finding, mutations));
                entry.0 += 1;
            }
        }
    }
    figures.elapsed = started.elapsed();
    figures
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

#[test]
fn seed_logs_replay_and_run_clean() {
    install_hook();
    let corpus = corpus();
    for seed in &corpus.seeds {
        let events: Vec<Event> = serde_json::from_value(seed.log.clone()).unwrap();
        assert!(!events.is_empty(), "{}", seed.name);
        Case::replay(events).unwrap();
        if let Err(f) = run(&seed.log, seed.policy) {
            panic!("{}: {}: {}", seed.name, f.signature, f.message);
        }
    }
}

/// A bounded run: every mutated log deserializes or not, replays or not,
/// and then runs without a panic and without the case refusing its own
/// events.
#[test]
fn every_mutated_log_is_handled_without_panic() {
    let n = env_u64("FUZZ_LOGS_QUICK", 2_000);
    let figures = fuzz(0, n);
    println!("{}", figures.report(3));
    assert!(
        figures.reached.get("Replayed").copied().unwrap_or(0) > n / 10,
        "too few mutated logs replay to test anything: {:?}",
        figures.reached
    );
    assert_eq!(figures.failures(), 0, "{}", figures.report(3));
}

/// The figures: `FUZZ_LOGS_ITERATIONS` iterations (default 1,000,000) from
/// `FUZZ_LOGS_FROM` (default 0).
#[test]
#[ignore = "long: run with --release -- --ignored --nocapture to record figures"]
fn fuzz_logs_for_figures() {
    let n = env_u64("FUZZ_LOGS_ITERATIONS", 1_000_000);
    let from = env_u64("FUZZ_LOGS_FROM", 0);
    let figures = fuzz(from, n);
    println!("iterations {from}..{}", from + n);
    println!("{}", figures.report(8));
    assert_eq!(figures.failures(), 0);
}

// ---------------------------------------------------------------------------
// What the fuzzer found, one test each: the case made events its own `apply`
// refused.

/// A policy labelled `edge` with two tiers, first-response, next-response
/// and resolution targets of `within` on `calendar`, and `rules`.
fn edge_policy(within: Within, calendar: &str, rules: Vec<Rule>) -> Policy {
    let mut p = Policy::new("edge", ["frontline", "supervisor"])
        .unwrap()
        .with_calendar(
            cal("business"),
            BusinessCalendar::builder(chrono_tz::UTC)
                .weekdays(&["09:00-17:00"])
                .build()
                .unwrap(),
        )
        .unwrap();
    for metric in [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::Resolution,
    ] {
        p = p
            .with_sla(MetricPolicy::new(
                metric,
                Target::new(within, cal(calendar)),
            ))
            .unwrap();
    }
    for rule in rules {
        p = p.with_rule(rule).unwrap();
    }
    p
}

/// The `opened` event of case `E-1` under the `edge` policy, at `at`.
fn opened_at(at: &str) -> Value {
    json!({"version": 1, "at": at, "actor": "customer", "kind": {"type": "opened", "case": "E-1",
        "customer": {"id": "cust", "value": "standard"}, "origin": {"type": "contact", "channel": "email"},
        "summary": "broken", "priority": "normal", "policy": "edge", "time_zone": "UTC"}})
}

/// The case `events` (JSON, numbered in order) replay to.
fn replayed(mut events: Vec<Value>) -> Case {
    for (i, e) in events.iter_mut().enumerate() {
        e["version"] = json!(i + 1);
    }
    Case::replay(serde_json::from_value::<Vec<Event>>(Value::Array(events)).unwrap()).unwrap()
}

/// `case` handles `kind` from `actor` at `at`; every event it returns must apply.
fn handled(
    case: &mut Case,
    policy: &Policy,
    actor: Actor,
    kind: CommandKind,
    at: &str,
) -> Vec<Event> {
    let n = case.version();
    let command = Command::new(format!("r-{n}").parse().unwrap(), actor, t(at), kind);
    let events = case.handle(policy, command, t(at)).unwrap();
    for e in &events {
        case.apply(e)
            .unwrap_or_else(|err| panic!("own event refused: {err}: {e:?}"));
    }
    events
}

/// `case` ticks at `now`; every event it returns must apply.
fn ticked(case: &mut Case, policy: &Policy, now: DateTime<Utc>) -> Vec<Event> {
    let events = case.tick(policy, now);
    for e in &events {
        case.apply(e)
            .unwrap_or_else(|err| panic!("own event refused: {err}: {e:?}"));
    }
    events
}

fn assigned_sam(at: &str) -> Value {
    json!({"version": 0, "at": at, "actor": "system", "kind": {"type": "assigned", "to": {"id": "sam", "tier": "frontline"}}})
}

/// A clock paused with the most business time an event may carry, run again
/// and stopped: the business time it used in all is more than an event may
/// carry. The stop records the most (durations in events saturate), not a
/// duration `apply` refuses.
#[test]
fn a_stop_after_ten_thousand_years_of_business_time_records_the_most_an_event_carries() {
    let policy = edge_policy(Within::Time(TimeDelta::hours(4)), "always", Vec::new());
    let mut case = replayed(vec![
        opened_at("2021-03-01T09:00:00Z"),
        json!({"version": 0, "at": "2021-03-01T09:00:00Z", "actor": "system", "kind": {"type": "clock_started",
            "clock": 1, "metric": "next_response", "target_seconds": 14_400, "calendar": "always", "due": "2021-03-01T13:00:00Z"}}),
        assigned_sam("2021-03-01T09:30:00Z"),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "awaiting_customer", "reason": "photos"}}),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "clock_paused",
            "clock": 1, "consumed_seconds": LONGEST}}),
    ]);
    let contact = CommandKind::Contact {
        channel: Channel::Email,
        note: "here they are".into(),
    };
    handled(
        &mut case,
        &policy,
        Actor::Customer,
        contact,
        "2021-03-01T11:00:00Z",
    );
    let reply = CommandKind::Respond {
        channel: Channel::Email,
        note: "thanks".into(),
        kind: ResponseKind::Answer,
    };
    handled(
        &mut case,
        &policy,
        Actor::System,
        reply,
        "2021-03-01T12:00:00Z",
    );
    let clock = case.clocks().first().unwrap();
    assert!(
        matches!(clock.state(), escalate::sla::ClockState::Stopped { consumed, .. } if consumed == TimeDelta::seconds(LONGEST))
    );
}

/// A paused clock with a target of 10,000 years runs again: its due instant
/// would be after 9999. The clock runs without one (it never breaches), as
/// on a calendar that cannot supply the time.
#[test]
fn a_clock_resumed_with_a_due_instant_after_9999_is_never_due() {
    let policy = edge_policy(Within::Time(TimeDelta::hours(4)), "always", Vec::new());
    let mut case = replayed(vec![
        opened_at("2021-03-01T09:00:00Z"),
        json!({"version": 0, "at": "2021-03-01T09:00:00Z", "actor": "system", "kind": {"type": "clock_started",
            "clock": 1, "metric": "next_response", "target_seconds": LONGEST, "calendar": "always", "due": "9999-12-31T23:59:59Z"}}),
        assigned_sam("2021-03-01T09:30:00Z"),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "awaiting_customer", "reason": "photos"}}),
        json!({"version": 0, "at": "2021-03-01T10:00:00Z", "actor": "system", "kind": {"type": "clock_paused",
            "clock": 1, "consumed_seconds": 3_600}}),
    ]);
    let contact = CommandKind::Contact {
        channel: Channel::Email,
        note: "here they are".into(),
    };
    let events = handled(
        &mut case,
        &policy,
        Actor::Customer,
        contact,
        "2021-03-01T11:00:00Z",
    );
    assert!(
        events.iter().any(|e| matches!(
            e.kind(),
            escalate::EventKind::ClockResumed { due: None, .. }
        )),
        "{events:?}"
    );
    assert_eq!(case.clocks()[0].due(), None);
    assert_eq!(case.next_wakeup(&policy), None);
}

/// A delayed rule armed an hour before the end of 9999 would fire after
/// it: it never fires, as when its calendar cannot supply the delay.
#[test]
fn a_delayed_rule_due_after_9999_never_fires() {
    let rule = Rule::new(
        "nobody took it",
        Condition::Unowned,
        [Action::RequireOwner(tier("supervisor"))],
    )
    .with_delay(
        Delay {
            after: Within::Time(TimeDelta::hours(2)),
            from: DelayFrom::Condition,
            calendar: CalendarName::always(),
        },
        0,
    );
    let policy = edge_policy(Within::Time(TimeDelta::hours(4)), "always", vec![rule]);
    let mut case = replayed(vec![
        opened_at("9999-12-31T23:00:00Z"),
        json!({"version": 0, "at": "9999-12-31T23:00:00Z", "actor": "system", "kind": {"type": "rule_armed", "rule": "nobody took it"}}),
    ]);
    assert_eq!(case.next_wakeup(&policy), None);
    assert!(ticked(&mut case, &policy, DateTime::<Utc>::MAX_UTC).is_empty());
}

/// A breach at 23:30 on the last day of 9999 fires a rule whose notice and
/// call would be due after 9999: they are recorded without a due instant.
#[test]
fn a_notice_and_a_call_due_after_9999_have_no_due_instant() {
    let rule = Rule::new(
        "late",
        Condition::SlaBreach(Metric::FirstResponse),
        [
            Action::Notify(Notice {
                who: "lead".into(),
                why: "late".into(),
                within: Some(Within::Time(TimeDelta::hours(24))),
            }),
            Action::RequireCall(Call::new(Within::Time(TimeDelta::hours(2)))),
        ],
    );
    let policy = edge_policy(Within::Time(TimeDelta::hours(1)), "always", vec![rule]);
    let mut case = replayed(vec![
        opened_at("9999-12-31T22:30:00Z"),
        json!({"version": 0, "at": "9999-12-31T22:30:00Z", "actor": "system", "kind": {"type": "clock_started",
            "clock": 1, "metric": "first_response", "target_seconds": 3_600, "calendar": "always", "due": "9999-12-31T23:30:00Z"}}),
    ]);
    let events = ticked(&mut case, &policy, DateTime::<Utc>::MAX_UTC);
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind(), escalate::EventKind::Notified { by: None, .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind(), escalate::EventKind::PromiseMade { due: None, .. })),
        "{events:?}"
    );
    assert_eq!(case.promises()[0].due(), None);
}

/// Ten years of business time on a weekday calendar from a command in 9989:
/// the clock would be due long after 9999. A valid command under a valid
/// policy; the clock starts without a due instant.
#[test]
fn a_clock_due_after_9999_starts_without_a_due_instant() {
    let policy = edge_policy(
        Within::Time(TimeDelta::hours(87_600)),
        "business",
        Vec::new(),
    );
    let mut case = Case::new("E-1".parse().unwrap());
    let open = CommandKind::Open {
        customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
        origin: Origin::Contact {
            channel: Channel::Email,
        },
        summary: "broken".into(),
        priority: Priority::Normal,
    };
    handled(
        &mut case,
        &policy,
        Actor::Customer,
        open,
        "9989-06-01T12:00:00Z",
    );
    assert!(!case.clocks().is_empty());
    assert!(case.clocks().iter().all(|c| c.due().is_none()));
}

/// Two clocks with one number: events name a clock by its number, so the
/// first could never be warned, breached or stopped, and every tick warned it
/// again (under a rule requiring a call on a breach, a tick made 64 rounds
/// of calls at one instant). A clock that does not take the case's next
/// number is refused, as a version out of sequence is.
#[test]
fn a_clock_numbered_out_of_sequence_is_refused() {
    let started = |at: &str, clock: u32, metric: &str| {
        json!({"version": 0, "at": at, "actor": "system", "kind": {"type": "clock_started", "clock": clock,
            "metric": metric, "target_seconds": 3_600, "calendar": "always", "due": "2021-03-01T10:00:00Z"}})
    };
    let log = |numbers: [u32; 2]| {
        let mut events = vec![
            opened_at("2021-03-01T09:00:00Z"),
            started("2021-03-01T09:00:00Z", numbers[0], "resolution"),
            started("2021-03-01T09:10:00Z", numbers[1], "next_response"),
        ];
        for (i, e) in events.iter_mut().enumerate() {
            e["version"] = json!(i + 1);
        }
        serde_json::from_value::<Vec<Event>>(Value::Array(events)).unwrap()
    };
    assert!(Case::replay(log([1, 2])).is_ok());
    let err = Case::replay(log([1, 1])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event 2: clock #1 does not take the case's next number: expected clock #2"
    );
    let mut case = Case::replay(log([1, 2])[..2].to_vec()).unwrap();
    let gap = log([1, 3]).pop().unwrap();
    let before = case.clone();
    assert_eq!(
        case.apply(&gap).unwrap_err().to_string(),
        "clock #3 does not take the case's next number: expected clock #2"
    );
    assert_eq!(case, before);
}
