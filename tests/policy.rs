//! Policies as data: loading, the recommended policy, broken inputs with
//! their exact messages, round trips, and each trigger and action at work.

use escalate::policy::Policy;

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
