//! Policies as data: the recommended file, broken inputs with their exact
//! messages, and spans built in code that a file could not hold.

mod support;

use chrono::TimeDelta;
use escalate::policy::{Action, Call, Condition, Delay, DelayFrom, Notice, Policy, Rule};
use escalate::sla::{Metric, MetricPolicy, Target, Threshold, Within};
use support::{HEAD, bare, cal, hours};

#[test]
fn the_recommended_file_equals_recommended() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/recommended.toml"
    ))
    .unwrap();
    let from_file = Policy::from_toml_str(&text).unwrap();
    assert_eq!(from_file, Policy::recommended());
    assert!(from_file.lint().is_empty(), "{:?}", from_file.lint());
}

// ---------------------------------------------------------------------------
// Broken inputs, each with its exact message.

/// Three valid rules, so that a broken fourth one is `rules[3]`.
const THREE_RULES: &str = r#"
[[rules]]
name = "a"
when = "public_contact"
then = "require_review"

[[rules]]
name = "b"
when = "churn_signal"
then = "require_review"

[[rules]]
name = "c"
when = "deflection"
then = "require_review"
"#;

/// `HEAD` and one rule with `body`.
fn toml_rule(body: &str) -> String {
    format!("{HEAD}\n[[rules]]\n{body}\n")
}

/// A policy file in one of the two formats.
enum Input {
    Toml(String),
    Json(&'static str),
}

#[allow(clippy::too_many_lines)] // the table, one row per broken input
fn broken_inputs() -> Vec<(Input, &'static str)> {
    use Input::{Json, Toml};
    vec![
        (
            Toml(format!(
                "{HEAD}{THREE_RULES}\n[[rules]]\nname = \"d\"\nwhen = {{ failures_at_least = 2 }}\nthen = {{ escalate_to = \"regionl\" }}\n"
            )),
            r#"rules[3].then.escalate_to: no tier named "regionl"; tiers are frontline, supervisor, manager"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = [\"require_review\", { require_owner = \"boss\" }]",
            )),
            r#"rules[0].then[1].require_owner: no tier named "boss"; tiers are frontline, supervisor, manager"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = { require_apology = \"Manager\" }",
            )),
            r#"rules[0].then.require_apology: no tier named "Manager"; tiers are frontline, supervisor, manager"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[[sla]]\nmetric = \"first_response\"\ntargets = [{{ when = {{ channel = \"email\" }}, target = {{ within = \"4h\", calendar = \"desk\" }} }}]\n"
            )),
            r#"sla[0].targets[0].target.calendar: no calendar named "desk"; calendars are always"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[calendars.store]\ntime_zone = \"UTC\"\nhours = {{ mon = [\"09:00-17:00\"] }}\n\n[[sla]]\nmetric = \"resolution\"\nfallback = {{ within = \"2 business days\", calendar = \"shop\" }}\n"
            )),
            r#"sla[0].fallback.calendar: no calendar named "shop"; calendars are always, store"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = \"escalate_one_tier\"\ndelay = { after = \"2h\", from = \"level\", calendar = \"desk\" }",
            )),
            r#"rules[0].delay.calendar: no calendar named "desk"; calendars are always"#,
        ),
        (
            Toml(
                "version = \"v\"\ntiers = [\"frontline\", \"supervisor\", \"frontline\"]\n".into(),
            ),
            r#"tiers[2]: tier "frontline" is named twice"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[[rules]]\nname = \"x\"\nwhen = \"public_contact\"\nthen = \"require_review\"\n\n[[rules]]\nname = \"x\"\nwhen = \"churn_signal\"\nthen = \"require_review\"\n"
            )),
            r#"rules[1].name: rule "x" is defined twice"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[[sla]]\nmetric = \"first_response\"\nfallback = {{ within = \"4h\" }}\n\n[[sla]]\nmetric = \"first_response\"\nfallback = {{ within = \"1h\" }}\n"
            )),
            "sla[1].metric: metric first response is configured twice",
        ),
        (
            Toml(toml_rule(
                "name = \"  \"\nwhen = \"public_contact\"\nthen = \"require_review\"",
            )),
            "rules[0].name: a rule needs a name",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = []",
            )),
            "rules[0].then: a rule needs at least one action",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { survey_score_at_most = 6 }\nthen = \"require_review\"",
            )),
            "rules[0].when.survey_score_at_most: a survey score is 1 to 5, not 6",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { survey_score_at_most = 0 }\nthen = \"require_review\"",
            )),
            "rules[0].when.survey_score_at_most: a survey score is 1 to 5, not 0",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { all = [\"high_value_customer\", { any = [\"churn_signal\", { survey_score_at_most = 7 }] }] }\nthen = \"require_review\"",
            )),
            "rules[0].when.all[1].any[1].survey_score_at_most: a survey score is 1 to 5, not 7",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { repeat_contact = 0 }\nthen = \"require_review\"",
            )),
            "rules[0].when.repeat_contact: count contacts from 1",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { any = [\"churn_signal\", { failures_at_least = 0 }] }\nthen = \"require_review\"",
            )),
            "rules[0].when.any[1].failures_at_least: count failures from 1",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = \"escalate_one_tier\"\nrepeat = 2",
            )),
            "rules[0].repeat: repeating needs a delay",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { all = [] }\nthen = \"require_review\"",
            )),
            "rules[0].when.all: needs at least one condition",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"teleport\"\nthen = \"require_review\"",
            )),
            "rules[0].when: unknown variant `teleport`, expected one of `all`, `any`, `sla_warning`, `sla_breach`, `repeat_contact`, `public_contact`, `survey_score_at_most`, `churn_signal`, `failures_at_least`, `severity_at_least`, `high_value_customer`, `internal_detection`, `deflection`, `promise_at_risk`, `promise_broken`, `handoff_not_accepted`, `escalated`, `unowned`, `unanswered`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = { escalate_too = \"manager\" }",
            )),
            "rules[0].then.escalate_too: unknown variant `escalate_too`, expected one of `require_owner`, `escalate_to`, `escalate_one_tier`, `require_call`, `require_apology`, `recommend`, `require_review`, `notify`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = [\"require_review\", \"page_the_ceo\"]",
            )),
            "rules[0].then[1]: unknown variant `page_the_ceo`, expected one of `require_owner`, `escalate_to`, `escalate_one_tier`, `require_call`, `require_apology`, `recommend`, `require_review`, `notify`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = \"require_review\"\nafter = \"2h\"",
            )),
            "rules[0].after: unknown field `after`, expected one of `name`, `when`, `then`, `delay`, `repeat`, `during`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = \"require_review\"\ndelay = { after = \"4 hours\", from = \"condition\" }",
            )),
            r#"rules[0].delay.after: invalid span "4 hours": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = \"4 hours\" }",
            )),
            r#"rules[0].then.require_call: invalid span "4 hours": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = { within = \"4 hours\", calendar = \"always\" } }",
            )),
            r#"rules[0].then.require_call.within: invalid span "4 hours": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = { within = \"4h\", calendar = \"shop\" } }",
            )),
            r#"rules[0].then.require_call.calendar: no calendar named "shop"; calendars are always"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = { within = \"4h\", on = \"always\" } }",
            )),
            "rules[0].then.require_call.on: unknown field `on`, expected `within` or `calendar`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = 4 }",
            )),
            r#"rules[0].then.require_call: invalid type: integer `4`, expected a span such as "2h", or a table such as { within = "2h", calendar = "store" }"#,
        ),
        (
            Toml(format!("{HEAD}default_calendar = \"shop\"\n")),
            r#"default_calendar: no calendar named "shop"; calendars are always"#,
        ),
        (
            Toml(format!("{HEAD}default_calendar = \"\"\n")),
            r#"default_calendar: invalid calendar name "": it is empty"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { notify = { who = \"lead\", why = \"slow\", by = \"1h\" } }",
            )),
            "rules[0].then.notify.by: unknown field `by`, expected one of `who`, `why`, `within`",
        ),
        (
            Toml(format!("{HEAD}deflection = \"ignore\"\n")),
            "deflection: unknown variant `ignore`, expected one of `refuse`, `record_failure`, `allow`",
        ),
        (
            Toml(format!("{HEAD}rulez = []\n")),
            "rulez: unknown field `rulez`, expected one of `version`, `tiers`, `time_zone`, `calendars`, `default_calendar`, `sla`, `rules`, `deflection`, `next_response_after_first`, `pauses`, `recovery`",
        ),
        (
            Toml("version = \"v\"\ntiers = [\"frontline\"\n".into()),
            "toml: TOML parse error at line 2, column 21\n  |\n2 | tiers = [\"frontline\"\n  |                     ^\nunclosed array, expected `]`",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline", "supervisor"], "rules": [{"name": "x", "when": "public_contact", "then": {"escalate_to": "regionl"}}]}"#,
            ),
            r#"rules[0].then.escalate_to: no tier named "regionl"; tiers are frontline, supervisor"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "public_contact", "then": {"require_owner": ""}}]}"#,
            ),
            r#"rules[0].then.require_owner: invalid tier name "": it is empty"#,
        ),
        (
            Json(r#"{"version": "v", "tiers": ["frontline"]} {"#),
            "json: trailing characters at line 1 column 42",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "calendars": {"desk": {"time_zone": "UTC", "hours": {"mon": ["9-17"]}}}}"#,
            ),
            r#"calendars.desk.hours.mon[0]: invalid time "9": expected HH:MM between 00:00 and 24:00"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "calendars": {"desk": {"time_zone": "Mars/Olympus", "hours": {"mon": ["09:00-17:00"]}}}}"#,
            ),
            r#"calendars.desk.time_zone: unknown time zone "Mars/Olympus": expected an IANA name such as "America/New_York""#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": {"any": []}, "then": "require_review"}]}"#,
            ),
            "rules[0].when.any: needs at least one condition",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": {"survey_score_at_most": 300}, "then": "require_review"}]}"#,
            ),
            "rules[0].when.survey_score_at_most: invalid value: integer `300`, expected u8",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "unanswered"}]}"#,
            ),
            "rules[0]: missing field `then`",
        ),
        (
            Json(r#"{"version": "", "tiers": ["frontline"]}"#),
            "version: the version label is empty",
        ),
        (
            Json(r#"{"version": "v", "tiers": "frontline"}"#),
            r#"tiers: invalid type: string "frontline", expected a sequence"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "calendars": {"always": {"time_zone": "UTC", "hours": {"mon": ["09:00-17:00"]}}}}"#,
            ),
            r#"calendars.always: the name "always" is built in (open around the clock)"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "unanswered", "then": {"recommend": " "}}]}"#,
            ),
            "rules[0].then.recommend: unknown variant ` `, expected one of `apology`, `reperform`, `expedite`, `exchange`, `waive`, `credit`, `partial_refund`, `full_refund`, `keep_item`",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": {"sla_breach": "first_reply"}, "then": "require_review"}]}"#,
            ),
            "rules[0].when.sla_breach: unknown variant `first_reply`, expected one of `first_response`, `next_response`, `periodic_update`, `resolution`, `promise`, `tier_ownership`",
        ),
        // The bounds of every policy (tests/policy_bounds.rs has them all).
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "unanswered", "then": "require_review", "delay": {"after": "1s", "from": "condition"}, "repeat": 4294967295}]}"#,
            ),
            "rules[0].repeat: a rule repeats at most 100 times, not 4294967295: use a longer delay",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "unanswered", "then": "require_review", "delay": {"after": "100000h", "from": "condition"}}]}"#,
            ),
            "rules[0].delay.after: a span is at most 10 years (87840h), not 100000h: shorten it",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "public_contact", "then": ["require_review", "require_review"]}]}"#,
            ),
            "rules[0].then[1]: the same action as then[0]: list each action once",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "chase", "when": "promise_at_risk", "then": {"require_call": "1h"}}]}"#,
            ),
            r#"rules[0].then: rule "chase" requires a call, and a call's own promise can make it require another: every unanswered call would make another, without end; escalate or notify instead"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "calendars": {"support": {"shifts": {"2027-01-05": ["09:00-17:00"]}}}}"#,
            ),
            "calendars.support: the calendar never opens after 2027-01-05 (its last shift): give weekly hours",
        ),
    ]
}

#[test]
fn broken_inputs_have_exact_messages() {
    let mut wrong = Vec::new();
    let table = broken_inputs();
    assert!(table.len() >= 20);
    for (i, (input, expected)) in table.iter().enumerate() {
        let (text, result) = match input {
            Input::Toml(t) => (t.as_str(), Policy::from_toml_str(t)),
            Input::Json(j) => (*j, Policy::from_json_str(j)),
        };
        match result {
            Ok(_) => wrong.push(format!("#{i}: accepted:\n{text}")),
            Err(e) if e.to_string() != *expected => {
                wrong.push(format!("#{i}: got\n{e}\nwanted\n{expected}\n"));
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn spans_built_in_code_must_be_ones_a_file_can_hold() {
    // A file spells spans in whole seconds and never zero: a policy built in
    // code with any other span could be written out but not read back.
    let zero = Within::Time(TimeDelta::zero());
    let rule = |when, then: Vec<Action>| Rule::new("x", when, then);
    let cases: Vec<(Rule, &str)> = vec![
        (
            rule(Condition::Unanswered, vec![Action::RequireReview]).with_delay(
                Delay {
                    after: zero,
                    from: DelayFrom::Condition,
                    calendar: cal("always"),
                },
                0,
            ),
            "delay.after: a span is a positive whole number of seconds, not 0s",
        ),
        (
            rule(
                Condition::Unanswered,
                vec![Action::RequireCall(Call::new(Within::Time(
                    TimeDelta::milliseconds(1500),
                )))],
            ),
            "then.require_call: a span is a positive whole number of seconds, not 1.5s",
        ),
        (
            rule(
                Condition::Unanswered,
                vec![
                    Action::RequireReview,
                    Action::Notify(Notice {
                        who: "lead".into(),
                        why: "slow".into(),
                        within: Some(Within::BusinessDays(0)),
                    }),
                ],
            ),
            "then[1].notify.within: a span of business days counts from 1",
        ),
        (
            rule(
                Condition::Any(vec![Condition::HandoffNotAccepted(Within::Time(hours(-1)))]),
                vec![Action::RequireReview],
            ),
            "when.any[0].handoff_not_accepted: a span is a positive whole number of seconds, not -1h",
        ),
    ];
    for (rule, message) in cases {
        assert_eq!(bare().with_rule(rule).unwrap_err().to_string(), message);
    }
    let fallback = MetricPolicy::new(Metric::Resolution, Target::new(zero, cal("business")));
    assert_eq!(
        bare().with_sla(fallback).unwrap_err().to_string(),
        "fallback.within: a span is a positive whole number of seconds, not 0s"
    );
    let warning = MetricPolicy::new(
        Metric::Resolution,
        Target::new(Within::Time(hours(4)), cal("business")),
    )
    .with_warning(Threshold::Before(TimeDelta::zero()));
    assert_eq!(
        bare().with_sla(warning).unwrap_err().to_string(),
        "warnings[0].before: a span is a positive whole number of seconds, not 0s"
    );
}
