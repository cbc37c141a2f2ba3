//! Laws of `Policy::lint` over generated policies.

use escalate::testing::{Knobs, policies};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every lint of any policy says where, what and how to fix it, and
    /// lint is deterministic.
    #[test]
    fn every_lint_has_a_path_a_message_and_a_fix(policy in policies(Knobs::default())) {
        let lints = policy.lint();
        for lint in &lints {
            prop_assert!(!lint.path.is_empty());
            prop_assert!(!lint.message.is_empty());
            prop_assert!(!lint.fix.is_empty(), "{lint}");
        }
        prop_assert_eq!(lints, policy.lint());
    }

    /// A policy written out and read back lints the same (`no_target` and
    /// the rest survive the round trip).
    #[test]
    fn lint_survives_a_round_trip(policy in policies(Knobs::default())) {
        let back = escalate::policy::Policy::from_toml_str(&policy.to_toml_string().unwrap()).unwrap();
        prop_assert_eq!(back.lint(), policy.lint());
    }
}
