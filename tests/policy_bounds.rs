//! The bounds every valid policy keeps (see `Policy`'s "Bounds" docs): each
//! refusal with its exact message, built in code and loaded from a file,
//! where the path must be the full one.

mod support;

use std::fmt::Write as _;

use chrono::TimeDelta;
use escalate::policy::{Action, Call, Condition, Delay, DelayFrom, Notice, Policy, Rule};
use escalate::sla::{
    BusinessCalendar, CalendarName, Metric, MetricPolicy, Target, Threshold, Within,
};
use proptest::prelude::*;
use support::{HEAD, cal, hours, three_tiers};

/// Loads `text` and expects a refusal with exactly `message`.
#[track_caller]
fn refused_toml(text: &str, message: &str) {
    match Policy::from_toml_str(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => assert_eq!(e.to_string(), message, "file:\n{text}"),
    }
}

// ---------------------------------------------------------------------------
// Calendars that close for good.

#[test]
fn a_calendar_open_only_on_dated_shifts_is_refused_with_its_last_date() {
    let message = "calendars.support: the calendar never opens after 2027-01-05 (its last shift): give weekly hours";
    let dated: BusinessCalendar = serde_json::from_str(
        r#"{"time_zone": "Europe/Paris", "shifts": {"2026-12-24": ["09:00-12:00"], "2027-01-05": ["09:00-17:00"], "2027-02-01": []}}"#,
    )
    .unwrap();
    let err = three_tiers("v")
        .with_calendar(cal("support"), dated)
        .unwrap_err();
    assert_eq!(err.to_string(), message);
    refused_toml(
        &format!(
            "{HEAD}\n[calendars.support]\ntime_zone = \"Europe/Paris\"\nshifts = {{ \"2026-12-24\" = [\"09:00-12:00\"], \"2027-01-05\" = [\"09:00-17:00\"], \"2027-02-01\" = [] }}\n"
        ),
        message,
    );
    // With weekly hours the same shifts are fine: the calendar keeps opening.
    let weekly = format!(
        "{HEAD}\n[calendars.support]\nhours = {{ sat = [\"10:00-12:00\"] }}\nshifts = {{ \"2027-01-05\" = [\"09:00-17:00\"] }}\n"
    );
    assert!(Policy::from_toml_str(&weekly).is_ok());
}

/// `HEAD` with `body` as its only rule.
fn one_rule(body: &str) -> String {
    format!("{HEAD}\n[[rules]]\n{body}\n")
}

/// Two valid rules, so that a third is `rules[2]`.
const TWO_RULES: &str = r#"
[[rules]]
name = "a"
when = "public_contact"
then = "require_review"

[[rules]]
name = "b"
when = "churn_signal"
then = "escalate_one_tier"
"#;

/// The rules `a` and `b` of [`TWO_RULES`], built in code.
fn two_rules() -> Policy {
    three_tiers("v")
        .with_rule(Rule::new(
            "a",
            Condition::PublicContact,
            [Action::RequireReview],
        ))
        .unwrap()
        .with_rule(Rule::new(
            "b",
            Condition::ChurnSignal,
            [Action::EscalateOneTier],
        ))
        .unwrap()
}

// ---------------------------------------------------------------------------
// Repeats.

fn nag(repeat: u32) -> Rule {
    Rule::new("nag", Condition::Unanswered, [Action::RequireReview]).with_delay(
        Delay {
            after: Within::Time(TimeDelta::seconds(1)),
            from: DelayFrom::Condition,
            calendar: CalendarName::always(),
        },
        repeat,
    )
}

#[test]
fn a_rule_repeats_at_most_100_times() {
    assert_eq!(Rule::MAX_REPEAT, 100);
    assert!(two_rules().with_rule(nag(100)).is_ok());
    for (repeat, message) in [
        (
            101,
            "a rule repeats at most 100 times, not 101: use a longer delay",
        ),
        (
            u32::MAX,
            "a rule repeats at most 100 times, not 4294967295: use a longer delay",
        ),
    ] {
        let err = two_rules().with_rule(nag(repeat)).unwrap_err();
        assert_eq!(err.to_string(), format!("repeat: {message}"));
        let body = format!(
            "\n[[rules]]\nname = \"nag\"\nwhen = \"unanswered\"\nthen = \"require_review\"\ndelay = {{ after = \"1s\", from = \"condition\" }}\nrepeat = {repeat}\n"
        );
        refused_toml(
            &format!("{HEAD}{TWO_RULES}{body}"),
            &format!("rules[2].repeat: {message}"),
        );
    }
    let fine = format!(
        "{HEAD}{TWO_RULES}\n[[rules]]\nname = \"nag\"\nwhen = \"unanswered\"\nthen = \"require_review\"\ndelay = {{ after = \"1s\", from = \"condition\" }}\nrepeat = 100\n"
    );
    assert_eq!(Policy::from_toml_str(&fine).unwrap().rules()[2].repeat, 100);
}

// ---------------------------------------------------------------------------
// Spans.

const TOO_LONG: &str = "a span is at most 10 years (87840h), not 87841h: shorten it";
const TOO_MANY_DAYS: &str =
    "a span is at most 2610 business days (10 years), not 2611 business days: shorten it";

#[test]
fn the_bounds_on_spans_are_ten_years() {
    assert_eq!(Policy::MAX_SPAN, TimeDelta::days(3_660));
    assert_eq!(Policy::MAX_SPAN, hours(87_840));
    assert_eq!(Policy::MAX_BUSINESS_DAYS, 2_610);
}

#[test]
fn every_span_in_a_rule_is_at_most_ten_years() {
    let long = Within::Time(hours(87_841));
    let many = Within::BusinessDays(2_611);
    let notify = |within| {
        Action::Notify(Notice {
            who: "lead".into(),
            why: "slow".into(),
            within: Some(within),
        })
    };
    let delayed = |after| {
        Rule::new("x", Condition::Unanswered, [Action::RequireReview]).with_delay(
            Delay {
                after,
                from: DelayFrom::Level,
                calendar: CalendarName::always(),
            },
            0,
        )
    };
    let cases: Vec<(Rule, &str, &str, String)> = vec![
        (
            delayed(long),
            "delay.after",
            TOO_LONG,
            "when = \"unanswered\"\nthen = \"require_review\"\ndelay = { after = \"87841h\", from = \"level\" }".into(),
        ),
        (
            delayed(many),
            "delay.after",
            TOO_MANY_DAYS,
            "when = \"unanswered\"\nthen = \"require_review\"\ndelay = { after = \"2611 business days\", from = \"level\" }".into(),
        ),
        (
            Rule::new("x", Condition::Unanswered, [Action::RequireCall(Call::new(long))]),
            "then.require_call",
            TOO_LONG,
            "when = \"unanswered\"\nthen = { require_call = \"87841h\" }".into(),
        ),
        (
            Rule::new(
                "x",
                Condition::Unanswered,
                [Action::RequireReview, Action::RequireCall(Call::new(many).on(cal("always")))],
            ),
            "then[1].require_call.within",
            TOO_MANY_DAYS,
            "when = \"unanswered\"\nthen = [\"require_review\", { require_call = { within = \"2611 business days\", calendar = \"always\" } }]".into(),
        ),
        (
            Rule::new("x", Condition::Unanswered, [Action::RequireReview, notify(long)]),
            "then[1].notify.within",
            TOO_LONG,
            "when = \"unanswered\"\nthen = [\"require_review\", { notify = { who = \"lead\", why = \"slow\", within = \"87841h\" } }]".into(),
        ),
        (
            Rule::new(
                "x",
                Condition::All(vec![Condition::Unanswered, Condition::HandoffNotAccepted(long)]),
                [Action::RequireReview],
            ),
            "when.all[1].handoff_not_accepted",
            TOO_LONG,
            "when = { all = [\"unanswered\", { handoff_not_accepted = \"87841h\" }] }\nthen = \"require_review\"".into(),
        ),
    ];
    for (rule, path, message, body) in cases {
        let err = two_rules().with_rule(rule).unwrap_err();
        assert_eq!(err.to_string(), format!("{path}: {message}"));
        refused_toml(
            &format!("{HEAD}{TWO_RULES}\n[[rules]]\nname = \"x\"\n{body}\n"),
            &format!("rules[2].{path}: {message}"),
        );
    }
}

#[test]
fn every_span_of_an_sla_is_at_most_ten_years() {
    let metric = |target: Within| {
        MetricPolicy::new(
            Metric::Resolution,
            Target::new(Within::BusinessDays(5), CalendarName::always()),
        )
        .with_rule(
            escalate::sla::Match::default(),
            Target::new(target, CalendarName::always()),
        )
    };
    let err = three_tiers("v")
        .with_sla(metric(Within::Time(hours(87_841))))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("targets[0].target.within: {TOO_LONG}")
    );
    let fallback = MetricPolicy::new(
        Metric::Resolution,
        Target::new(Within::BusinessDays(2_611), CalendarName::always()),
    );
    let err = three_tiers("v").with_sla(fallback).unwrap_err();
    assert_eq!(err.to_string(), format!("fallback.within: {TOO_MANY_DAYS}"));
    let warning = metric(Within::Time(hours(4))).with_warning(Threshold::Before(hours(87_841)));
    let err = three_tiers("v").with_sla(warning).unwrap_err();
    assert_eq!(err.to_string(), format!("warnings[0].before: {TOO_LONG}"));

    let ok = "\n[[sla]]\nmetric = \"first_response\"\nfallback = { within = \"4h\" }\n";
    for (sla, message) in [
        (
            "metric = \"resolution\"\ntargets = [{ target = { within = \"87841h\" } }]",
            format!("sla[1].targets[0].target.within: {TOO_LONG}"),
        ),
        (
            "metric = \"resolution\"\nfallback = { within = \"2611 business days\" }",
            format!("sla[1].fallback.within: {TOO_MANY_DAYS}"),
        ),
        (
            "metric = \"resolution\"\nfallback = { within = \"4h\" }\nwarnings = [{ percent = 50 }, { before = \"87841h\" }]",
            format!("sla[1].warnings[1].before: {TOO_LONG}"),
        ),
    ] {
        refused_toml(&format!("{HEAD}{ok}\n[[sla]]\n{sla}\n"), &message);
    }
    // Exactly ten years is within the bounds.
    let edge = format!(
        "{HEAD}\n[[sla]]\nmetric = \"resolution\"\nfallback = {{ within = \"87840h\" }}\n\n[[sla]]\nmetric = \"first_response\"\nfallback = {{ within = \"2610 business days\" }}\n"
    );
    assert!(Policy::from_toml_str(&edge).is_ok());
}

#[test]
fn huge_numbers_in_spans_are_errors_not_panics() {
    for (span, message) in [
        (
            "99999999999999999999h",
            r#"invalid span "99999999999999999999h": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#.to_owned(),
        ),
        (
            "9223372036854775807s",
            r#"invalid span "9223372036854775807s": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#.to_owned(),
        ),
        (
            "4294967296 business days",
            r#"invalid span "4294967296 business days": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#.to_owned(),
        ),
        (
            "2562047788015h",
            "a span is at most 10 years (87840h), not 2562047788015h: shorten it".to_owned(),
        ),
        (
            "4294967295 business days",
            "a span is at most 2610 business days (10 years), not 4294967295 business days: shorten it".to_owned(),
        ),
    ] {
        refused_toml(
            &one_rule(&format!(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = {{ require_call = \"{span}\" }}"
            )),
            &format!("rules[0].then.require_call: {message}"),
        );
    }
}

// ---------------------------------------------------------------------------
// Tiers, and loading in time linear in the file.

const TOO_MANY_TIERS: &str = "tiers: a policy has at most 64 tiers, not 65: merge some (a tier is a level of seniority, not a team)";

/// `n` distinct tier names.
fn tier_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("t{i}")).collect()
}

/// A policy file with these tiers and nothing else.
fn tiers_file(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    format!("version = \"v\"\ntiers = [{}]\n", quoted.join(", "))
}

#[test]
fn a_policy_has_at_most_64_tiers() {
    assert_eq!(Policy::MAX_TIERS, 64);
    let names = tier_names(64);
    assert_eq!(Policy::new("v", &names).unwrap().tiers().len(), 64);
    assert_eq!(
        Policy::from_toml_str(&tiers_file(&names))
            .unwrap()
            .tiers()
            .len(),
        64
    );
    let names = tier_names(65);
    assert_eq!(
        Policy::new("v", &names).unwrap_err().to_string(),
        TOO_MANY_TIERS
    );
    refused_toml(&tiers_file(&names), TOO_MANY_TIERS);
    // The count comes before any other check of the names.
    let mut bad = tier_names(65);
    bad[3] = "t1".to_owned();
    assert_eq!(
        Policy::new("v", &bad).unwrap_err().to_string(),
        TOO_MANY_TIERS
    );
}

#[test]
fn a_file_of_sixty_thousand_tiers_is_refused_by_its_count() {
    // Quadratic loading took 5 s for this; counting is linear.
    let names = tier_names(60_000);
    refused_toml(
        &tiers_file(&names),
        "tiers: a policy has at most 64 tiers, not 60000: merge some (a tier is a level of seniority, not a team)",
    );
}

#[test]
fn many_rules_load_and_a_duplicate_name_is_found_among_them() {
    // Rule names are checked against a set, not by scanning the rules.
    let mut text = HEAD.to_owned();
    for i in 0..63 {
        writeln!(
            text,
            "\n[[rules]]\nname = \"r{i}\"\nwhen = {}\nthen = \"escalate_one_tier\"",
            [
                "{ repeat_contact = 2 }",
                "{ failures_at_least = 2 }",
                "{ survey_score_at_most = 2 }",
                "\"public_contact\"",
                "\"churn_signal\"",
            ][i % 5]
        )
        .unwrap();
    }
    let policy = Policy::from_toml_str(&text).unwrap();
    assert_eq!(policy.rules().len(), 63);
    text.push_str(
        "\n[[rules]]\nname = \"r17\"\nwhen = \"churn_signal\"\nthen = \"require_review\"\n",
    );
    refused_toml(&text, r#"rules[63].name: rule "r17" is defined twice"#);
    // Tiers named twice are still found, at the second.
    let mut names = tier_names(64);
    names[40] = "t7".to_owned();
    assert_eq!(
        Policy::new("v", &names).unwrap_err().to_string(),
        r#"tiers[40]: tier "t7" is named twice"#
    );
}

// ---------------------------------------------------------------------------
// The same action twice.

#[test]
fn a_rule_lists_each_action_once() {
    let call = |h| Action::RequireCall(Call::new(Within::Time(hours(h))));
    let cases: Vec<(Vec<Action>, &str, &str)> = vec![
        (
            vec![Action::EscalateOneTier, Action::EscalateOneTier],
            "then[1]: the same action as then[0]: list each action once",
            r#"["escalate_one_tier", "escalate_one_tier"]"#,
        ),
        (
            vec![
                Action::RequireReview,
                call(1),
                Action::EscalateOneTier,
                call(1),
            ],
            "then[3]: the same action as then[1]: list each action once",
            r#"["require_review", { require_call = "1h" }, "escalate_one_tier", { require_call = "1h" }]"#,
        ),
    ];
    for (then, message, toml) in cases {
        let rule = Rule::new("x", Condition::PublicContact, then);
        assert_eq!(
            two_rules().with_rule(rule).unwrap_err().to_string(),
            message
        );
        refused_toml(
            &format!(
                "{HEAD}{TWO_RULES}\n[[rules]]\nname = \"x\"\nwhen = \"public_contact\"\nthen = {toml}\n"
            ),
            &format!("rules[2].{message}"),
        );
    }
    // Two calls of different lengths are two actions.
    let rule = Rule::new("x", Condition::PublicContact, [call(1), call(2)]);
    assert!(two_rules().with_rule(rule).is_ok());
}

// ---------------------------------------------------------------------------
// Call cycles.

/// The refusal of rule `name` that requires a call on a promise.
fn calls_on_a_promise(name: &str) -> String {
    format!(
        "then: rule \"{name}\" requires a call, and a call's own promise can make it require another: every unanswered call would make another, without end; escalate or notify instead"
    )
}

fn call_1h() -> Action {
    Action::RequireCall(Call::new(Within::Time(hours(1))))
}

#[test]
fn a_rule_on_a_promise_that_requires_a_call_is_refused() {
    let conditions: Vec<(Condition, &str)> = vec![
        (Condition::PromiseBroken, "\"promise_broken\""),
        (Condition::PromiseAtRisk, "\"promise_at_risk\""),
        (
            Condition::SlaWarning(Metric::Promise),
            "{ sla_warning = \"promise\" }",
        ),
        (
            Condition::SlaBreach(Metric::Promise),
            "{ sla_breach = \"promise\" }",
        ),
        (
            Condition::All(vec![
                Condition::HighValueCustomer,
                Condition::Any(vec![Condition::Unowned, Condition::PromiseAtRisk]),
            ]),
            "{ all = [\"high_value_customer\", { any = [\"unowned\", \"promise_at_risk\"] }] }",
        ),
    ];
    let message = calls_on_a_promise("chase");
    for (when, toml) in conditions {
        let rule = Rule::new("chase", when, [Action::RequireReview, call_1h()]);
        assert_eq!(
            two_rules().with_rule(rule).unwrap_err().to_string(),
            message
        );
        refused_toml(
            &format!(
                "{HEAD}{TWO_RULES}\n[[rules]]\nname = \"chase\"\nwhen = {toml}\nthen = [\"require_review\", {{ require_call = \"1h\" }}]\n"
            ),
            &format!("rules[2].{message}"),
        );
    }
    // The example of the brief, as a one-rule file, and with a delay.
    refused_toml(
        &one_rule(
            "name = \"chase\"\nwhen = \"promise_broken\"\nthen = [{ require_call = \"1h\" }]",
        ),
        &format!("rules[0].{message}"),
    );
    refused_toml(
        &one_rule(
            "name = \"chase\"\nwhen = \"promise_broken\"\nthen = { require_call = \"1h\" }\ndelay = { after = \"1h\", from = \"condition\" }\nrepeat = 3",
        ),
        &format!("rules[0].{message}"),
    );
    // Two calls per broken call (the policy that doubled the log every
    // hour) is refused too, first for listing the call twice.
    refused_toml(
        &one_rule(
            "name = \"chase\"\nwhen = \"promise_broken\"\nthen = [{ require_call = \"1h\" }, { require_call = \"1h\" }]",
        ),
        "rules[0].then[1]: the same action as then[0]: list each action once",
    );
}

const ESCALATE_ON_BROKEN: &str = "\n[[rules]]\nname = \"escalate broken\"\nwhen = \"promise_broken\"\nthen = \"escalate_one_tier\"\n";
const CALL_ON_ESCALATION: &str = "\n[[rules]]\nname = \"call on escalation\"\nwhen = { any = [\"escalated\", \"churn_signal\"] }\nthen = [\"require_review\", { require_call = \"2h\" }]\n";

fn escalate_on_broken() -> Rule {
    Rule::new(
        "escalate broken",
        Condition::PromiseBroken,
        [Action::EscalateOneTier],
    )
}

fn call_on_escalation() -> Rule {
    Rule::new(
        "call on escalation",
        Condition::Any(vec![Condition::Escalated, Condition::ChurnSignal]),
        [
            Action::RequireReview,
            Action::RequireCall(Call::new(Within::Time(hours(2)))),
        ],
    )
}

#[test]
fn a_call_that_comes_back_through_an_escalation_is_refused_at_the_rule_that_closes_the_cycle() {
    // The caller comes last: it is the rule named first.
    let message = "then: rule \"call on escalation\" requires a call, and a call's own promise can make it (through rule \"escalate broken\") require another: every unanswered call would make another, without end; escalate or notify instead";
    let err = two_rules()
        .with_rule(escalate_on_broken())
        .unwrap()
        .with_rule(call_on_escalation())
        .unwrap_err();
    assert_eq!(err.to_string(), message);
    refused_toml(
        &format!("{HEAD}{TWO_RULES}{ESCALATE_ON_BROKEN}{CALL_ON_ESCALATION}"),
        &format!("rules[3].{message}"),
    );
    // The escalation comes last.
    let message = "then: rule \"escalate broken\" escalates when a promise is at risk or broken, and an escalation makes rule \"call on escalation\" require a call, which is a promise: every unanswered call would make another, without end; notify instead of escalating, or have rule \"call on escalation\" escalate or notify instead of calling";
    let err = two_rules()
        .with_rule(call_on_escalation())
        .unwrap()
        .with_rule(escalate_on_broken())
        .unwrap_err();
    assert_eq!(err.to_string(), message);
    refused_toml(
        &format!("{HEAD}{TWO_RULES}{CALL_ON_ESCALATION}{ESCALATE_ON_BROKEN}"),
        &format!("rules[3].{message}"),
    );
    // Any escalating action counts: requiring an owner, or a named tier.
    for action in [
        Action::RequireOwner("manager".parse().unwrap()),
        Action::EscalateTo("manager".parse().unwrap()),
    ] {
        let rule = Rule::new("escalate broken", Condition::PromiseAtRisk, [action]);
        let err = two_rules()
            .with_rule(call_on_escalation())
            .unwrap()
            .with_rule(rule)
            .unwrap_err();
        assert_eq!(err.path(), "then");
    }
}

#[test]
fn rules_that_do_not_make_a_call_cycle_load() {
    let allowed: Vec<Vec<Rule>> = vec![
        // An escalation chain is bounded by the tiers.
        vec![
            Rule::new("up", Condition::Escalated, [Action::EscalateOneTier]),
            escalate_on_broken(),
        ],
        // A broken promise escalates and notifies; an escalation notifies.
        vec![
            escalate_on_broken(),
            Rule::new(
                "tell",
                Condition::Escalated,
                [Action::Notify(Notice {
                    who: "lead".into(),
                    why: "escalated".into(),
                    within: None,
                })],
            ),
        ],
        // A call on a public post, and escalations on escalations.
        vec![
            Rule::new("call", Condition::PublicContact, [call_1h()]),
            Rule::new("up", Condition::Escalated, [Action::EscalateOneTier]),
        ],
        // A call on an escalation, when no promise escalates.
        vec![
            call_on_escalation(),
            Rule::new(
                "up",
                Condition::FailuresAtLeast(2),
                [Action::EscalateOneTier],
            ),
            Rule::new("review", Condition::PromiseBroken, [Action::RequireReview]),
        ],
    ];
    for rules in allowed {
        let policy = rules
            .into_iter()
            .fold(two_rules(), |p, r| p.with_rule(r).unwrap());
        let back = Policy::from_toml_str(&policy.to_toml_string().unwrap()).unwrap();
        assert_eq!(back, policy);
    }
}

#[test]
fn the_recommended_policy_stays_valid_and_refuses_a_call_on_a_promise() {
    let recommended = Policy::recommended();
    assert!(recommended.lint().is_empty());
    let toml = recommended.to_toml_string().unwrap();
    assert_eq!(Policy::from_toml_str(&toml).unwrap(), recommended);
    // The natural rule that never settled: a call when a promise is at risk.
    let at_risk = Rule::new("call at risk", Condition::PromiseAtRisk, [call_1h()]);
    assert_eq!(
        recommended
            .clone()
            .with_rule(at_risk)
            .unwrap_err()
            .to_string(),
        calls_on_a_promise("call at risk")
    );
    // A call on every escalation comes back through the recommended
    // escalation on a broken promise.
    let n = recommended.rules().len();
    let call = Rule::new("call on escalation", Condition::Escalated, [call_1h()]);
    let message = "then: rule \"call on escalation\" requires a call, and a call's own promise can make it (through rule \"SLA breach: escalate and apologise for the delay\") require another: every unanswered call would make another, without end; escalate or notify instead";
    assert_eq!(
        recommended.clone().with_rule(call).unwrap_err().to_string(),
        message
    );
    refused_toml(
        &format!(
            "{toml}\n[[rules]]\nname = \"call on escalation\"\nwhen = \"escalated\"\nthen = {{ require_call = \"1h\" }}\n"
        ),
        &format!("rules[{n}].{message}"),
    );
    // An escalation on every escalation is a bounded chain.
    let chain = Rule::new("up", Condition::Escalated, [Action::EscalateOneTier]);
    assert!(recommended.with_rule(chain).is_ok());
}

/// The rule graph spelled out: rule `r` feeds rule `s` when `r` requires a
/// call and `s` reads a promise (a call edge), or `r` escalates and `s`
/// reads `escalated`. Whether some cycle passes through a call edge.
fn has_call_cycle(rules: &[Rule]) -> bool {
    fn reads(c: &Condition, f: &dyn Fn(&Condition) -> bool) -> bool {
        match c {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().any(|c| reads(c, f)),
            leaf => f(leaf),
        }
    }
    let on_promise = |c: &Condition| {
        matches!(
            c,
            Condition::PromiseAtRisk
                | Condition::PromiseBroken
                | Condition::SlaWarning(Metric::Promise)
                | Condition::SlaBreach(Metric::Promise)
        )
    };
    let on_escalation = |c: &Condition| matches!(c, Condition::Escalated);
    let calls = |r: &Rule| r.then.iter().any(|a| matches!(a, Action::RequireCall(_)));
    let escalates = |r: &Rule| {
        r.then.iter().any(|a| {
            matches!(
                a,
                Action::RequireOwner(_) | Action::EscalateTo(_) | Action::EscalateOneTier
            )
        })
    };
    let n = rules.len();
    let edge = |r: usize, s: usize| {
        (calls(&rules[r]) && reads(&rules[s].when, &on_promise))
            || (escalates(&rules[r]) && reads(&rules[s].when, &on_escalation))
    };
    // reach[a][b]: a path of one edge or more from a to b.
    let mut reach = vec![vec![false; n]; n];
    for (r, row) in reach.iter_mut().enumerate() {
        for (s, cell) in row.iter_mut().enumerate() {
            *cell = edge(r, s);
        }
    }
    for k in 0..n {
        let via = reach[k].clone();
        for row in &mut reach {
            if row[k] {
                for (cell, through) in row.iter_mut().zip(&via) {
                    *cell |= *through;
                }
            }
        }
    }
    (0..n).any(|r| {
        (0..n).any(|s| {
            calls(&rules[r]) && reads(&rules[s].when, &on_promise) && (s == r || reach[s][r])
        })
    })
}

fn arbitrary_rule() -> impl Strategy<Value = (Condition, Vec<Action>)> {
    let leaf = prop::sample::select(vec![
        Condition::PromiseBroken,
        Condition::PromiseAtRisk,
        Condition::SlaWarning(Metric::Promise),
        Condition::SlaBreach(Metric::FirstResponse),
        Condition::Escalated,
        Condition::PublicContact,
        Condition::Unowned,
    ]);
    let when = prop_oneof![
        leaf.clone(),
        prop::collection::vec(leaf.clone(), 1..3).prop_map(Condition::Any),
        prop::collection::vec(leaf, 1..3).prop_map(Condition::All),
    ];
    let action = prop::sample::select(vec![
        Action::EscalateOneTier,
        Action::EscalateTo("manager".parse().unwrap()),
        Action::RequireOwner("supervisor".parse().unwrap()),
        Action::RequireCall(Call::new(Within::Time(hours(1)))),
        Action::RequireReview,
        Action::RequireApology("frontline".parse().unwrap()),
    ]);
    (when, prop::collection::vec(action, 1..3))
}

proptest! {
    /// Adding rules one by one is refused exactly at the first rule that
    /// makes the spelled-out rule graph have a cycle through a call, and the
    /// refusal names that rule's `then`.
    #[test]
    fn the_call_cycle_check_agrees_with_the_rule_graph(
        rules in prop::collection::vec(arbitrary_rule(), 1..7),
    ) {
        let mut policy = three_tiers("v");
        let mut added: Vec<Rule> = Vec::new();
        for (i, (when, mut then)) in rules.into_iter().enumerate() {
            let mut seen = std::collections::HashSet::new();
            then.retain(|a| seen.insert(a.clone()));
            let rule = Rule::new(format!("r{i}"), when, then);
            added.push(rule.clone());
            let cycle = has_call_cycle(&added);
            match policy.clone().with_rule(rule) {
                Ok(next) => {
                    prop_assert!(!cycle, "accepted a cycle: {:?}", added);
                    policy = next;
                }
                Err(e) => {
                    prop_assert!(cycle, "refused without a cycle: {e}: {:?}", added);
                    prop_assert_eq!(e.path(), "then");
                    break;
                }
            }
        }
    }
}

#[test]
fn a_policy_has_at_most_64_rules_and_10_warnings_per_metric() {
    let rules = |n: usize| -> String {
        let mut text = String::from("version = \"v1\"\ntiers = [\"frontline\"]\n");
        for i in 0..n {
            writeln!(
                text,
                "[[rules]]\nname = \"r{i}\"\nwhen = \"{}\"\nthen = \"require_review\"",
                [
                    "public_contact",
                    "churn_signal",
                    "deflection",
                    "unowned",
                    "unanswered"
                ][i % 5]
            )
            .unwrap();
        }
        text
    };
    assert_eq!(
        Policy::from_toml_str(&rules(Policy::MAX_RULES))
            .unwrap()
            .rules()
            .len(),
        64
    );
    refused_toml(
        &rules(Policy::MAX_RULES + 1),
        "rules: a policy has at most 64 rules: merge rules that share a condition",
    );
    let warnings = |n: usize| -> String {
        let list: Vec<String> = (1..=n)
            .map(|p| format!("{{ percent = {} }}", p * 5))
            .collect();
        format!(
            "version = \"v1\"\ntiers = [\"frontline\"]\n[[sla]]\nmetric = \"first_response\"\nfallback = {{ within = \"4h\", calendar = \"always\" }}\nwarnings = [{}]\n",
            list.join(", ")
        )
    };
    assert_eq!(
        Policy::from_toml_str(&warnings(Policy::MAX_WARNINGS)).map(|p| p
            .sla(escalate::sla::Metric::FirstResponse)
            .map(|m| m.warnings.len())),
        Ok(Some(10))
    );
    refused_toml(
        &warnings(Policy::MAX_WARNINGS + 1),
        "sla[0].warnings: a metric has at most 10 warnings, not 11",
    );
}

#[test]
fn one_fact_fires_at_most_16_rules_and_a_chain_at_most_64() {
    let mut text = HEAD.to_owned();
    for i in 0..17 {
        writeln!(
            text,
            "\n[[rules]]\nname = \"r{i}\"\nwhen = {{ any = [\"churn_signal\", {{ sla_breach = \"first_response\" }}] }}\nthen = \"require_review\""
        )
        .unwrap();
    }
    refused_toml(
        &text,
        "rules[16].when: 16 rules already read sla_breach; at most 16 rules read one fact: merge rules that share a condition",
    );
    let tiers: Vec<String> = (0..32).map(|i| format!("\"t{i}\"")).collect();
    let mut text = format!("version = \"v1\"\ntiers = [{}]\n", tiers.join(", "));
    for i in 0..3 {
        writeln!(
            text,
            "\n[[rules]]\nname = \"r{i}\"\nwhen = \"escalated\"\nthen = \"escalate_one_tier\""
        )
        .unwrap();
    }
    refused_toml(
        &text,
        "rules[2].when: with 32 tiers, 3 rules on escalated could fire 96 times in one chain of escalations; at most 64: fewer rules on escalated, or fewer tiers",
    );
}
