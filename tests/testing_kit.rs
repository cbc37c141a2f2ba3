//! The testing kit (`escalate::testing`) as an embedder uses it: the laws
//! hold for the crate's own policies, a policy that breaks one is caught,
//! and a failing command sequence shrinks to a few commands.

use escalate::policy::Policy;
use escalate::recovery::Guards;
use escalate::testing::{Knobs, Law, Schedule, check_laws, commands, policies, run};
use escalate::{Case, Command, CommandKind};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

/// A runner with a fixed seed, that saves no failures: the demonstrations
/// below fail on purpose.
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every law holds under the recommended policy.
    #[test]
    fn the_laws_hold_under_the_recommended_policy(commands in commands(&Policy::recommended())) {
        check_laws(&Policy::recommended(), &commands)?;
    }

    /// Most generated commands succeed.
    #[test]
    fn generated_commands_mostly_succeed(commands in commands(&Policy::recommended())) {
        let report = check_laws(&Policy::recommended(), &commands)?;
        prop_assert!(report.accepted() >= 1);
        prop_assert_eq!(report.repeated(), 0, "ids are unique");
    }
}

#[test]
fn most_generated_commands_are_accepted() {
    let policy = Policy::recommended();
    let mut runner = runner(1);
    let (mut accepted, mut all) = (0, 0);
    for _ in 0..100 {
        let commands = commands(&policy).new_tree(&mut runner).unwrap().current();
        let report = check_laws(&policy, &commands).unwrap();
        accepted += report.accepted();
        all += commands.len();
    }
    assert!(accepted * 10 >= all * 7, "{accepted} of {all} accepted");
}

#[test]
fn every_kind_of_command_but_adopting_a_policy_is_generated() {
    let policy = Policy::new("v1", ["frontline", "supervisor", "manager"]).unwrap();
    let mut runner = runner(1);
    let mut names = std::collections::BTreeSet::new();
    for _ in 0..200 {
        for command in commands(&policy).new_tree(&mut runner).unwrap().current() {
            names.insert(command.kind().name().to_string());
        }
    }
    assert_eq!(names.len(), 26, "{names:?}");
    assert!(!names.contains(&CommandKind::AdoptPolicy.name().to_string()));
}

/// A law broken on purpose ("a case never has three contacts") fails, and
/// proptest shrinks the failing sequence to the few commands that break it:
/// the opening contact and two more.
#[test]
fn a_failing_sequence_shrinks_to_a_few_commands() {
    let policy = Policy::recommended();
    let law = |case: &Case| case.contact_count() < 3;
    let result = runner(256).run(&commands(&policy), |commands| {
        let (case, _) = run(&policy, &commands, &Schedule::Never)?;
        prop_assert!(law(&case), "{} contacts", case.contact_count());
        Ok(())
    });
    let Err(TestError::Fail(why, minimal)) = result else {
        panic!("the broken law held: {result:?}");
    };
    let shown: Vec<String> = minimal.iter().map(describe).collect();
    eprintln!("{why}; shrunk to:\n{}", shown.join("\n"));
    assert!(minimal.len() <= 4, "{} commands: {shown:#?}", minimal.len());
    assert!(!law(&run(&policy, &minimal, &Schedule::Never).unwrap().0));
}

/// A policy whose recovery guards are off grants what the guards refuse:
/// `check_laws` names the law, and the sequence shrinks to a few commands.
#[test]
fn a_policy_without_guards_breaks_a_money_law_in_a_few_commands() {
    let recommended = Policy::recommended();
    let recovery = recommended.recovery().clone().with_guards(Guards::Off);
    let policy = recommended.with_recovery(recovery).unwrap();
    let result = runner(256).run(&commands(&policy), |commands| {
        check_laws(&policy, &commands)?;
        Ok(())
    });
    let Err(TestError::Fail(why, minimal)) = result else {
        panic!("no law broken: {result:?}");
    };
    let shown: Vec<String> = minimal.iter().map(describe).collect();
    eprintln!("{why}; shrunk to:\n{}", shown.join("\n"));
    assert!(minimal.len() <= 4, "{} commands: {shown:#?}", minimal.len());
    let violation = check_laws(&policy, &minimal).unwrap_err();
    assert!(
        matches!(violation.law(), Law::Money | Law::Churn),
        "{violation}"
    );
    assert_eq!(violation.step(), minimal.len() - 1);
}

fn describe(command: &Command) -> String {
    format!(
        "{} {} by {}: {}",
        command.id(),
        command.at(),
        command.actor(),
        serde_json::to_string(command.kind()).unwrap()
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Every law holds under random valid policies of every size.
    #[test]
    fn the_laws_hold_under_random_policies(
        (policy, commands) in policies(Knobs { tiers: 1..=12, rules: 0..=12, ..Knobs::default() })
            .prop_flat_map(|p| (Just(p.clone()), commands(&p)))
    ) {
        check_laws(&policy, &commands)?;
    }

    /// `check_laws` answers whatever the commands: shuffled, at any time,
    /// with repeated ids.
    #[test]
    fn check_laws_answers_any_commands(
        commands in commands(&Policy::default()),
        order in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        times in prop::collection::vec((
            any::<prop::sample::Index>(),
            // Seconds around 1970 (1843 to 2096), or anywhere chrono reaches.
            prop_oneof![-4_000_000_000i64..4_000_000_000, -8_334_601_228_800i64..8_210_266_876_799],
        ), 0..4),
    ) {
        let mut commands = commands;
        for i in &order {
            let j = i.index(commands.len());
            let c = commands[j].clone();
            commands.push(c);
        }
        for (i, seconds) in &times {
            let j = i.index(commands.len());
            let c = &commands[j];
            let Some(at) = chrono::DateTime::from_timestamp(*seconds, 0) else { continue };
            commands[j] = Command::new(c.id().clone(), c.actor().clone(), at, c.kind().clone());
        }
        let report = check_laws(&Policy::default(), &commands)?;
        prop_assert_eq!(report.accepted() + report.repeated() + report.refused(), commands.len());
    }
}

/// Some generated policies track tier ownership, with a target for one
/// tier, so the laws run over tier clocks too; and generated commands start
/// such clocks (an assignment or an escalation).
#[test]
fn generated_policies_include_tier_clocks() {
    use escalate::sla::Metric;
    let mut runner = runner(1);
    let (mut tracked, mut started) = (0, 0);
    for _ in 0..64 {
        let policy = policies(Knobs::default())
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let Some(ola) = policy.sla(Metric::TierOwnership) else {
            continue;
        };
        tracked += 1;
        // A target for the first tier, unless the metric has none at all.
        let first = policy.tiers().first().cloned();
        assert!(
            ola.targets.is_empty() && ola.fallback.is_none() || ola.targets[0].when.tier == first,
            "{ola:?}"
        );
        let commands = commands(&policy).new_tree(&mut runner).unwrap().current();
        let (_, log) = run(&policy, &commands, &Schedule::BeforeEach).unwrap();
        started += log
            .iter()
            .filter(|e| {
                matches!(
                    e.kind(),
                    escalate::EventKind::ClockStarted {
                        metric: Metric::TierOwnership,
                        tier: Some(_),
                        ..
                    }
                )
            })
            .count();
    }
    assert!(
        tracked >= 8,
        "{tracked} of 64 policies track tier ownership"
    );
    assert!(started > 0, "no tier clock started");
}
