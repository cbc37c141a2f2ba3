//! `policy::diff`: a semantic diff of two policies.

use escalate::policy::{Change, ChangeKind, Policy, PolicyDiff, diff};
use escalate::testing::{Knobs, policies};
use proptest::prelude::*;

const RECOMMENDED: &str = include_str!("../examples/policies/recommended.toml");

#[track_caller]
fn edited(from: &str, to: &str) -> Policy {
    assert!(RECOMMENDED.contains(from), "the example has no {from:?}");
    Policy::from_toml_str(&RECOMMENDED.replacen(from, to, 1)).unwrap()
}

#[track_caller]
fn change<'a>(d: &'a PolicyDiff, path: &str) -> &'a Change {
    match d.changes.iter().find(|c| c.path == path) {
        Some(c) => c,
        None => panic!("no change at {path}:\n{d}"),
    }
}

fn paths(d: &PolicyDiff) -> Vec<(&str, ChangeKind)> {
    d.changes
        .iter()
        .map(|c| (c.path.as_str(), c.kind))
        .collect()
}

#[test]
fn identical_policies_have_no_changes() {
    let p = Policy::recommended();
    let d = diff(&p, &Policy::from_toml_str(RECOMMENDED).unwrap());
    assert!(d.is_empty(), "{d}");
    assert!(diff(&Policy::default(), &Policy::default()).is_empty());
}

#[test]
fn a_changed_target_names_its_row_by_its_when() {
    let new = edited(
        r#"{ when = { channel = "email" }, target = { within = "4h", calendar = "business" } },"#,
        r#"{ when = { channel = "email" }, target = { within = "8h", calendar = "business" } },"#,
    );
    let d = diff(&Policy::recommended(), &new);
    assert_eq!(
        paths(&d),
        [(
            "sla.first_response.targets[channel=email].target",
            ChangeKind::Changed
        )]
    );
    let c = &d.changes[0];
    assert_eq!(
        c.before.as_deref(),
        Some("due within 4h on the business calendar")
    );
    assert_eq!(
        c.after.as_deref(),
        Some("due within 8h on the business calendar")
    );
}

#[test]
fn a_reordered_row_is_moved_not_removed_and_added() {
    let social = r#"  { when = { channel = "social_public" }, target = { within = "1h", calendar = "always" } },
  { when = { channel = "email" }, target = { within = "4h", calendar = "business" } },"#;
    let swapped = r#"  { when = { channel = "email" }, target = { within = "4h", calendar = "business" } },
  { when = { channel = "social_public" }, target = { within = "1h", calendar = "always" } },"#;
    let d = diff(&Policy::recommended(), &edited(social, swapped));
    assert_eq!(
        paths(&d),
        [
            (
                "sla.first_response.targets[channel=email]",
                ChangeKind::Moved
            ),
            (
                "sla.first_response.targets[channel=social_public]",
                ChangeKind::Moved
            ),
        ]
    );
    let email = change(&d, "sla.first_response.targets[channel=email]");
    assert_eq!(email.before.as_deref(), Some("position 2 of 3"));
    assert_eq!(email.after.as_deref(), Some("position 1 of 3"));
}

#[test]
fn rules_are_matched_by_name() {
    let old = Policy::recommended();
    // A rule's condition changes.
    let new = edited(
        "when = { failures_at_least = 2 }",
        "when = { failures_at_least = 3 }",
    );
    let d = diff(&old, &new);
    assert_eq!(
        paths(&d),
        [(
            "rules[\"second failure goes to a manager\"].when",
            ChangeKind::Changed
        )]
    );
    assert_eq!(
        d.changes[0].sentence,
        "The condition of rule \"second failure goes to a manager\" changes from 2 or more \
         failures to 3 or more failures."
    );
    // Renamed: one removed, one added, nothing else.
    let new = edited(
        r#"name = "second failure goes to a manager""#,
        r#"name = "second failure: a manager""#,
    );
    let kinds: Vec<ChangeKind> = diff(&old, &new).changes.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::Removed, ChangeKind::Added]);
    // Actions, delay and repeat.
    let new = edited(
        "then = \"escalate_one_tier\"\ndelay",
        "then = \"require_review\"\ndelay",
    );
    let new = Policy::from_toml_str(&new.to_toml_string().unwrap().replacen(
        "repeat = 1",
        "repeat = 2",
        1,
    ))
    .unwrap();
    let d = diff(&old, &new);
    let rule = "rules[\"still unanswered two business days after a missed deadline\"]";
    assert_eq!(
        paths(&d),
        [
            (format!("{rule}.then").as_str(), ChangeKind::Changed),
            (format!("{rule}.repeat").as_str(), ChangeKind::Changed),
        ]
    );
}

#[test]
fn rule_order_is_a_change() {
    let old = Policy::default()
        .with_rule(escalate::policy::Rule::new(
            "a",
            escalate::policy::Condition::PublicContact,
            [escalate::policy::Action::EscalateOneTier],
        ))
        .unwrap()
        .with_rule(escalate::policy::Rule::new(
            "b",
            escalate::policy::Condition::ChurnSignal,
            [escalate::policy::Action::RequireReview],
        ))
        .unwrap();
    let rules = old.rules().to_vec();
    let new = Policy::default()
        .with_rule(rules[1].clone())
        .unwrap()
        .with_rule(rules[0].clone())
        .unwrap();
    let d = diff(&old, &new);
    assert_eq!(
        paths(&d),
        [
            ("rules[\"a\"]", ChangeKind::Moved),
            ("rules[\"b\"]", ChangeKind::Moved)
        ]
    );
    assert_eq!(
        d.changes[0].sentence,
        "Rule \"a\" moves from position 1 of 2 to position 2 of 2."
    );
}

#[test]
fn calendars_change_by_day_holiday_and_zone() {
    let new = edited(
        r#"time_zone = "UTC"
hours = { mon"#,
        r#"time_zone = "Europe/Paris"
holidays = ["2021-12-25"]
hours = { sat = ["10:00-12:00"], mon"#,
    );
    let d = diff(&Policy::recommended(), &new);
    assert_eq!(
        paths(&d),
        [
            ("calendars.business.time_zone", ChangeKind::Changed),
            ("calendars.business.hours.sat", ChangeKind::Changed),
            ("calendars.business.holidays.2021-12-25", ChangeKind::Added),
        ]
    );
    assert_eq!(
        change(&d, "calendars.business.hours.sat").sentence,
        "Saturday's hours on the business calendar changes from closed to 10:00-12:00."
    );
}

#[test]
fn recovery_pauses_and_tiers_are_compared() {
    let new = edited(
        r#"{ tier = "frontline", kinds = ["apology", "reperform", "expedite", "exchange", "waive", "credit"], max_bps = 2500 },"#,
        r#"{ tier = "frontline", kinds = ["apology", "reperform", "expedite", "exchange", "waive", "credit"], max_bps = 5000 },"#,
    );
    let d = diff(&Policy::recommended(), &new);
    let c = change(&d, "recovery.authority.frontline");
    assert_eq!(c.kind, ChangeKind::Changed);
    assert!(
        c.after
            .as_deref()
            .is_some_and(|a| a.ends_with("up to 50% of the customer's loss in total")),
        "{c:?}"
    );
    let new = edited("hard_cap_bps = 15000", "hard_cap_bps = 14000");
    let d = diff(&Policy::recommended(), &new);
    assert_eq!(paths(&d), [("recovery.hard_cap_bps", ChangeKind::Changed)]);
    let new = edited(
        "[[pauses]]\nname = \"scheduled\"\npauses = [\"periodic_update\", \"resolution\"]",
        "[[pauses]]\nname = \"scheduled\"\npauses = [\"resolution\"]",
    );
    let d = diff(&Policy::recommended(), &new);
    assert_eq!(paths(&d), [("pauses.scheduled", ChangeKind::Changed)]);
    let old = Policy::new("v", ["frontline", "manager"]).unwrap();
    let new = Policy::new("v", ["frontline", "supervisor", "manager"]).unwrap();
    let d = diff(&old, &new);
    assert!(
        paths(&d).contains(&("tiers.supervisor", ChangeKind::Added)),
        "{d}"
    );
    assert!(
        paths(&d).contains(&("recovery.authority.supervisor", ChangeKind::Added)),
        "{d}"
    );
}

#[test]
fn the_diff_prints_and_round_trips_as_json() {
    let new = edited("hard_cap_bps = 15000", "hard_cap_bps = 14000");
    let d = diff(&Policy::recommended(), &new);
    assert_eq!(
        d.to_string(),
        "1 change from \"recommended-1\" to \"recommended-1\":\n- The hard cap on compensation \
         changes from 150% of the customer's loss to 140% of the customer's loss. \
         [recovery.hard_cap_bps]\n"
    );
    let json = serde_json::to_string(&d).unwrap();
    assert!(json.contains(r#""kind":"changed""#), "{json}");
    assert_eq!(serde_json::from_str::<PolicyDiff>(&json).unwrap(), d);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// `diff(b, a)` mirrors `diff(a, b)`; a policy has no changes from
    /// itself, and two policies have none only when they are equal.
    #[test]
    fn diffs_mirror_and_are_empty_only_for_equal_policies(
        a in policies(Knobs::default()),
        b in policies(Knobs::default()),
    ) {
        prop_assert!(diff(&a, &a).is_empty(), "{}", diff(&a, &a));
        let forward = diff(&a, &b);
        prop_assert_eq!(forward.mirrored(), diff(&b, &a));
        prop_assert_eq!(forward.is_empty(), a == b, "{}", forward);
    }

    /// A policy edited in one place (its deflection or a rule removed)
    /// differs from the original exactly there.
    #[test]
    fn one_edit_is_one_change(a in policies(Knobs::default())) {
        let other = match a.deflection() {
            escalate::policy::DeflectionPolicy::Allow => escalate::policy::DeflectionPolicy::Refuse,
            _ => escalate::policy::DeflectionPolicy::Allow,
        };
        let b = a.clone().with_deflection(other);
        let d = diff(&a, &b);
        prop_assert_eq!(paths(&d), [("deflection", ChangeKind::Changed)]);
    }
}
