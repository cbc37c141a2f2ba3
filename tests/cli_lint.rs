//! `escalate lint`, run as a binary on policy files in a temporary directory.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A file in a fresh temporary directory of this test process.
#[track_caller]
fn write(name: &str, text: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "escalate-cli-lint-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[track_caller]
fn lint(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .arg("lint")
        .args(args)
        .output()
        .unwrap();
    (
        status.code().unwrap(),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

const BAD: &str = r#"
version = "v1"
tiers = ["frontline", "supervisor"]

[[sla]]
metric = "first_response"
targets = [
  { when = { channel = "email" }, target = { within = "4h" } },
  { when = { channel = "chat" }, target = { within = "1h" } },
  { when = { channel = "voicemail" }, target = { within = "1h" } },
  { when = { channel = "social_public" }, target = { within = "1h" } },
  { when = { channel = "social_private" }, target = { within = "1h" } },
]
warnings = [{ percent = 0 }]

[[rules]]
name = "nag"
when = "unanswered"
then = { notify = { who = "lead", why = "still waiting" } }
delay = { after = "1m", from = "condition" }
repeat = 100

[recovery]
hard_cap_bps = 15000
soft_cap = { bps = 12000, tier = "supervisor" }
authority = []
"#;

#[test]
fn the_recommended_policy_is_clean() {
    let (code, out, err) = lint(&["examples/policies/recommended.toml"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("examples/policies/recommended.toml: no findings"),
        "{out}"
    );
    assert!(out.contains("rule work: one cause fires at most"), "{out}");
    assert!(out.contains("social_public"), "{out}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn each_mistake_is_named_with_its_fix() {
    let path = write("bad.toml", BAD);
    let file = path.to_str().unwrap();
    let (code, out, err) = lint(&[file]);
    assert_eq!(code, 1, "{out}{err}");
    let has = |needle: &str| assert!(out.contains(needle), "{needle:?} not in:\n{out}");
    has(&format!(
        "{file}: sla[0].warnings[0]: warning: 0% of the target used"
    ));
    has(&format!(
        "{file}: rules[0].repeat: warning: large rule work"
    ));
    has(&format!(
        "{file}: recovery.authority: warning: no tier has any authority"
    ));
    has(&format!(
        "{file}: sla[0].targets: warning: no first response target for phone at every \
         priority and value"
    ));
    has(
        "    fix: add a target row for them or a fallback; if they have no target on purpose, \
         say so: no_target = [{ channel = \"phone\" }]",
    );
    has("    fix: rule \"nag\" repeats 100 times");
    // Every finding has a fix line under it.
    let findings = out.lines().filter(|l| l.contains(": warning: ")).count();
    let fixes = out.lines().filter(|l| l.starts_with("    fix: ")).count();
    assert_eq!(findings, 4, "{out}");
    assert_eq!(fixes, findings, "{out}");
}

#[test]
fn an_explicit_no_target_quiets_the_coverage_check() {
    let quiet = BAD.replace(
        "warnings = [{ percent = 0 }]",
        "warnings = [{ percent = 0 }]\nno_target = [{ channel = \"phone\" }]",
    );
    let path = write("quiet.toml", &quiet);
    let (code, out, _) = lint(&[path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(!out.contains("no first response target"), "{out}");
    assert!(out.contains("0% of the target used"), "{out}");
}

#[test]
fn json_has_findings_bound_and_guarantees() {
    let path = write("bad.toml", BAD);
    let file = path.to_str().unwrap();
    let (code, out, _) = lint(&[file, "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4, "{out}");
    for f in findings {
        assert_eq!(f["file"], file);
        assert_eq!(f["level"], "warning");
        assert!(!f["fix"].as_str().unwrap().is_empty());
    }
    let paths: Vec<&str> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "sla[0].targets",
            "sla[0].warnings[0]",
            "recovery.authority",
            "rules[0].repeat"
        ]
    );
    assert_eq!(v["work_bound"]["timed_firings"], 101);
    let rows = v["guarantees"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 48);
    // Phone has no target: no first response is guaranteed.
    let phone = rows.iter().find(|r| r["channel"] == "phone").unwrap();
    assert!(phone["first_response"].is_null());
    let email = rows.iter().find(|r| r["channel"] == "email").unwrap();
    assert_eq!(email["first_response"]["after_seconds"], 4 * 3600);
}

#[test]
fn a_broken_policy_is_a_finding_in_the_librarys_words() {
    let path = write(
        "broken.toml",
        "version = \"v1\"\ntiers = [\"frontline\"]\n[[rules]]\nname = \"x\"\nwhen = \"public_contact\"\nthen = { escalate_to = \"regionl\" }\n",
    );
    let file = path.to_str().unwrap();
    let (code, out, _) = lint(&[file]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        format!(
            "{file}: rules[0].then.escalate_to: no tier named \"regionl\"; tiers are frontline\n"
        )
    );
    let (code, out, _) = lint(&[file, "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"][0]["path"], "rules[0].then.escalate_to");
    assert_eq!(v["findings"][0]["level"], "error");
    assert!(v["guarantees"].is_null());
}

#[test]
fn a_missing_file_is_exit_code_2() {
    let path = std::env::temp_dir().join(format!("escalate-no-such-{}.toml", std::process::id()));
    let (code, out, err) = lint(&[path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.starts_with("escalate: "), "{err}");
}

#[test]
fn the_same_policy_lints_to_the_same_bytes() {
    let path = write("bad-twice.toml", BAD);
    let file = path.to_str().unwrap();
    for args in [vec![file], vec![file, "--json"]] {
        let first = lint(&args);
        assert_eq!(first.0, 1, "{}", first.1);
        assert_eq!(lint(&args), first);
    }
}
