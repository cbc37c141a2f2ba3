//! Properties of policies: any valid policy round-trips through TOML and
//! JSON, and rule evaluation is deterministic and independent of how often
//! `tick` is called, under the recommended policy and random ones. The
//! policies, commands and tick schedules come from the crate's testing kit
//! (`escalate::testing`), and so do the law checkers.

mod support;

use escalate::policy::Policy;
use escalate::testing::{
    Knobs, Schedule, check_laws, check_laws_on, commands, policies, run, schedules,
};
use escalate::{Case, Command, EventKind};
use proptest::prelude::*;
use support::{is_rule_event, recommended_in_new_york};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any valid policy reads back unchanged from its TOML and its JSON.
    #[test]
    fn valid_policies_round_trip_through_toml_and_json(p in policies(Knobs::default())) {
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

/// Random valid policies of `knobs`, each with command sequences for it.
fn policies_with_commands(knobs: Knobs) -> impl Strategy<Value = (Policy, Vec<Command>)> {
    policies(knobs).prop_flat_map(|p| (Just(p.clone()), commands(&p)))
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
        commands in commands(&recommended_in_new_york()),
        extra in prop::collection::vec(0i64..60 * 86_400, 30),
    ) {
        let policy = recommended_in_new_york();
        let (sparse, log) = run(&policy, &commands, &Schedule::BeforeEach)?;
        // Before each command, and at 30 random instants besides.
        let start = commands[0].at();
        let mut instants: Vec<_> = commands.iter().map(Command::at)
            .chain(extra.iter().map(|s| start + chrono::TimeDelta::seconds(*s)))
            .collect();
        instants.sort();
        let dense = run(&policy, &commands, &Schedule::At(instants))?;
        prop_assert_eq!(&dense.0, &sparse);
        prop_assert_eq!(&dense.1, &log);
        let mut causes = std::collections::HashMap::new();
        let mut escalations = std::collections::HashMap::new();
        for event in &log {
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
        prop_assert_eq!(&Case::replay(&log).unwrap(), &sparse);
        // Everything due has fired.
        prop_assert_eq!(sparse.next_wakeup(&policy), None);
    }

    /// The same inputs give the same events.
    #[test]
    fn evaluation_is_deterministic(commands in commands(&recommended_in_new_york())) {
        let policy = recommended_in_new_york();
        prop_assert_eq!(
            run(&policy, &commands, &Schedule::Never)?,
            run(&policy, &commands, &Schedule::Never)?
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The host cannot change the decision: under random valid policies, for
    /// any tick schedule (never, before or after each command, at every
    /// wake-up, halfway between commands, at random instants), the logs after
    /// a final tick at the same instant are identical, event for event, and
    /// in time order; and every other law holds.
    #[test]
    fn ticks_change_nothing_under_random_policies(
        (policy, commands) in policies_with_commands(Knobs::default()),
        random in schedules(),
    ) {
        let mut every = Schedule::standard(&commands);
        every.push(random);
        check_laws_on(&policy, &commands, &every)?;
        let (never, log) = run(&policy, &commands, &Schedule::Never)?;
        for pair in log.windows(2) {
            prop_assert!(pair[0].at() <= pair[1].at(), "out of time order: {:?} then {:?}", pair[0], pair[1]);
        }
        prop_assert_eq!(&Case::replay(&log).unwrap(), &never);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every call is bounded for every valid policy: under adversarial
    /// policies (up to 64 tiers, chains of escalations, 1-second delays
    /// repeated up to 100 times), no `handle` or `tick` fires more rules than
    /// the bound `Policy`'s docs state, a wake-up always moves time on, and
    /// every host gets the same log (`check_laws`' `BoundedWork` and
    /// `SameLog`).
    #[test]
    fn rule_work_is_bounded_under_adversarial_policies(
        (policy, commands) in policies_with_commands(Knobs::adversarial()),
    ) {
        check_laws(&policy, &commands)?;
        let (case, log) = run(&policy, &commands, &Schedule::Never)?;
        prop_assert_eq!(case.next_wakeup(&policy), None);
        prop_assert_eq!(&Case::replay(&log).unwrap(), &case);
    }
}
