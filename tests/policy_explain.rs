//! `Policy::explain`: the policy in plain sentences, each naming the path
//! in the policy file it explains.

use std::collections::BTreeSet;

use escalate::policy::{Explanation, Policy};
use escalate::sla::Metric;
use escalate::testing::{Knobs, policies};
use proptest::prelude::*;

const RECOMMENDED: &str = include_str!("../examples/policies/recommended.toml");

#[track_caller]
fn sentence<'a>(explanation: &'a Explanation, path: &str) -> &'a str {
    match explanation.sentences.iter().find(|s| s.path == path) {
        Some(s) => &s.text,
        None => panic!("no sentence at {path}: {explanation}"),
    }
}

/// Whether `path` is `sla[i]` followed by `tail` and an index (`.targets[`).
fn is_indexed(path: &str, tail: &str) -> bool {
    path.starts_with("sla[")
        && path
            .split_once(']')
            .is_some_and(|(_, rest)| rest.starts_with(tail) && rest.ends_with(']'))
}

#[test]
fn every_row_rule_pause_and_authority_has_its_sentence() {
    let policy = Policy::recommended();
    let explanation = policy.explain();
    for (i, rule) in policy.rules().iter().enumerate() {
        let text = sentence(&explanation, &format!("rules[{i}]"));
        assert!(text.contains(&format!("\"{}\"", rule.name)), "{text}");
        assert!(text.contains(&rule.when.to_string()), "{text}");
        for action in &rule.then {
            assert!(text.contains(&action.to_string()), "{text}");
        }
    }
    for (i, reason) in policy.pauses().iter().enumerate() {
        let text = sentence(&explanation, &format!("pauses[{i}]"));
        assert!(text.contains(reason.name.as_str()), "{text}");
    }
    for (i, authority) in policy.recovery().authorities().iter().enumerate() {
        let text = sentence(&explanation, &format!("recovery.authority[{i}]"));
        assert!(
            text.starts_with(&format!("The {} tier may grant", authority.tier())),
            "{text}"
        );
    }
    let metrics = [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
        Metric::Promise,
        Metric::TierOwnership,
    ];
    let tracked: Vec<_> = metrics.iter().filter_map(|m| policy.sla(*m)).collect();
    let rows: usize = tracked.iter().map(|m| m.targets.len()).sum();
    let warnings: usize = tracked.iter().map(|m| m.warnings.len()).sum();
    let count = |tail: &str| {
        explanation
            .sentences
            .iter()
            .filter(|s| is_indexed(&s.path, tail))
            .count()
    };
    assert_eq!(count(".targets["), rows);
    assert_eq!(count(".warnings["), warnings);
    // Paths are unique: one sentence per part.
    let paths: BTreeSet<&str> = explanation
        .sentences
        .iter()
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(paths.len(), explanation.sentences.len());
}

#[test]
fn sentences_say_what_the_policy_says() {
    let e = Policy::recommended().explain();
    assert_eq!(
        sentence(&e, "rules[0]"),
        "Rule \"public complaint gets a manager\": when the case has a public contact, \
         require an owner of tier manager or higher."
    );
    assert_eq!(
        sentence(&e, "sla[0].targets[0]"),
        "First response, when the contact came by public social post: due within 1h, around \
         the clock."
    );
    assert_eq!(
        sentence(&e, "calendars.business"),
        "The business calendar is in UTC: open Monday to Friday 09:00-17:00; closed Saturday \
         and Sunday; no holidays."
    );
    let delayed = sentence(&e, "rules[5]");
    assert!(
        delayed.contains(
            "it still holds after 2 business days on the business calendar, \
         counted from when the condition started to hold"
        ) && delayed.contains("then again up to 1 more time, 2 business days apart"),
        "{delayed}"
    );
    assert!(
        sentence(&e, "rules[7]").ends_with(
            "it acts only while the business calendar is open, else at its next opening."
        )
    );
    assert_eq!(
        sentence(&e, "recovery.soft_cap"),
        "Compensation past 120% of the customer's loss needs the executive tier or higher."
    );
    assert_eq!(
        sentence(&e, "deflection"),
        "A case answered only with deflections cannot be resolved until someone really answers."
    );
}

#[test]
fn an_edited_calendar_reads_in_words() {
    let edited = RECOMMENDED.replace(
        r#"fri = ["09:00-17:00"] }"#,
        r#"fri = ["09:00-17:00"], sat = ["10:00-12:00", "13:00-16:00"] }
holidays = ["2021-12-25", "2022-01-01"]"#,
    );
    let policy = Policy::from_toml_str(&edited).unwrap();
    assert_eq!(
        sentence(&policy.explain(), "calendars.business"),
        "The business calendar is in UTC: open Monday to Friday 09:00-17:00; Saturday \
         10:00-12:00 and 13:00-16:00; closed Sunday; 2 holidays."
    );
}

#[test]
fn the_same_policy_gives_the_same_sentences_and_json_round_trips() {
    let a = Policy::recommended().explain();
    let b = Policy::from_toml_str(RECOMMENDED).unwrap().explain();
    assert_eq!(a, b);
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<Explanation>(&json).unwrap(), a);
    let text = a.to_string();
    assert!(
        text.starts_with("Policy \"recommended-1\"\n- This is policy"),
        "{text}"
    );
    assert_eq!(text.lines().count(), a.sentences.len() + 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any valid policy explains: one sentence per rule naming it, unique
    /// paths, and the same sentences for the policy read back from TOML.
    #[test]
    fn any_policy_explains(policy in policies(Knobs::default())) {
        let explanation = policy.explain();
        for (i, rule) in policy.rules().iter().enumerate() {
            let path = format!("rules[{i}]");
            let s = explanation.sentences.iter().find(|s| s.path == path);
            prop_assert!(s.is_some_and(|s| s.text.contains(&rule.name)), "{}", explanation);
        }
        let paths: BTreeSet<&str> = explanation.sentences.iter().map(|s| s.path.as_str()).collect();
        prop_assert_eq!(paths.len(), explanation.sentences.len());
        let back = Policy::from_toml_str(&policy.to_toml_string().unwrap()).unwrap();
        prop_assert_eq!(back.explain(), explanation);
    }
}
