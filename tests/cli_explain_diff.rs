//! `escalate explain` and `escalate diff`, run as the built binary on the
//! recommended policy and an edited copy.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

const RECOMMENDED: &str = "examples/policies/recommended.toml";

fn escalate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// Writes `text` to a file of its own under the temp dir.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "escalate-cli-explain-diff-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn edited_recommended(name: &str) -> PathBuf {
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(RECOMMENDED))
        .unwrap();
    let edited = text
        .replacen("hard_cap_bps = 15000", "hard_cap_bps = 14000", 1)
        .replacen(
            "when = { failures_at_least = 2 }",
            "when = { failures_at_least = 3 }",
            1,
        );
    assert_ne!(edited, text);
    temp_file(name, &edited)
}

#[test]
fn explain_prints_one_sentence_per_part() {
    let out = escalate(&["explain", RECOMMENDED]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Policy \"recommended-1\"\n"), "{text}");
    assert!(
        text.contains(
            "- Rule \"public complaint gets a manager\": when the case has a public contact, \
             require an owner of tier manager or higher. [rules[0]]\n"
        ),
        "{text}"
    );
    assert!(text.contains("[sla[0].targets[1]]"), "{text}");
}

#[test]
fn explain_json_reads_back() {
    let out = escalate(&["explain", RECOMMENDED, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let explanation: escalate::policy::Explanation = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        explanation,
        escalate::policy::Policy::recommended().explain()
    );
}

#[test]
fn diff_of_an_edited_copy_lists_its_changes_and_exits_0() {
    let new = edited_recommended("new.toml");
    let new = new.to_str().unwrap();
    let out = escalate(&["diff", RECOMMENDED, new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("2 changes from \"recommended-1\" to \"recommended-1\":\n"),
        "{text}"
    );
    assert!(
        text.contains("[rules[\"second failure goes to a manager\"].when]"),
        "{text}"
    );
    assert!(text.contains("[recovery.hard_cap_bps]"), "{text}");
    // The same as JSON, and the mirror the other way round.
    let out = escalate(&["diff", RECOMMENDED, new, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let forward: escalate::policy::PolicyDiff = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(forward.changes.len(), 2);
    let out = escalate(&["diff", new, RECOMMENDED, "--json"]);
    let backward: escalate::policy::PolicyDiff = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(forward.mirrored(), backward);
}

#[test]
fn diff_of_a_policy_with_itself_says_so() {
    let out = escalate(&["diff", RECOMMENDED, RECOMMENDED]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "No changes from \"recommended-1\" to \"recommended-1\".\n"
    );
}

#[test]
fn a_policy_that_does_not_load_exits_2_with_the_library_message() {
    let bad = temp_file(
        "bad.toml",
        "version = \"v\"\ntiers = [\"frontline\"]\n[[rules]]\nname = \"r\"\nwhen = \"public_contact\"\nthen = { escalate_to = \"boss\" }\n",
    );
    let bad = bad.to_str().unwrap();
    for args in [vec!["explain", bad], vec!["diff", RECOMMENDED, bad]] {
        let out = escalate(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("escalate: {bad}: rules[0].then")),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = escalate(&["diff", RECOMMENDED, "no/such/policy.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("escalate: no/such/policy.toml: "),
        "{}",
        stderr(&out)
    );
}
