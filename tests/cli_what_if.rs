//! `escalate what-if`, run as a command: the JSON's fixed keys, the
//! direction of a laxer and a tighter target, the same policy changing
//! nothing, a malformed line stopping the run with its number unless
//! `--skip-bad`, the changed cases with their first diverging event, and
//! the HTML report.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, TimeDelta, Utc};
use escalate::policy::Policy;
use escalate::tools::lines;
use escalate::{
    Actor, Agent, Case, Channel, CommandKind, Customer, CustomerValue, Origin, Priority,
    ResponseKind,
};

/// A fresh directory for one test's files.
fn dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-what-if-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn policy_text(within: &str) -> String {
    format!(
        "version = \"fr-{within}\"\ntiers = [\"frontline\", \"supervisor\"]\n[[sla]]\nmetric = \"first_response\"\nfallback = {{ within = \"{within}\", calendar = \"always\" }}\n"
    )
}

/// Writes the policies with first-response targets of 2, 4 and 8 hours,
/// and twenty emails recorded under 4 hours as JSON lines: case `i`
/// answered after `i % 10` hours and 10 minutes, every tenth never.
fn setup(test: &str) -> PathBuf {
    let dir = dir(test);
    for within in ["2h", "4h", "8h"] {
        std::fs::write(dir.join(format!("fr-{within}.toml")), policy_text(within)).unwrap();
    }
    let policy = Policy::from_toml_str(&policy_text("4h")).unwrap();
    let start: DateTime<Utc> = "2021-03-01T09:00:00Z".parse().unwrap();
    let sam = Agent::new("sam".parse().unwrap(), "frontline".parse().unwrap());
    let mut jsonl = String::new();
    for i in 0..20i64 {
        let id = format!("E-{i}");
        let opened = start + TimeDelta::minutes(30 * i);
        let mut steps = vec![
            (
                Actor::Customer,
                opened,
                CommandKind::Open {
                    customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
                    origin: Origin::Contact {
                        channel: Channel::Email,
                    },
                    summary: "it broke".into(),
                    priority: Priority::Normal,
                },
            ),
            (
                Actor::System,
                opened + TimeDelta::minutes(5),
                CommandKind::Assign { to: sam.clone() },
            ),
        ];
        if i % 10 != 9 {
            steps.push((
                Actor::Agent(sam.clone()),
                opened + TimeDelta::hours(i % 10) + TimeDelta::minutes(10),
                CommandKind::Respond {
                    channel: Channel::Email,
                    note: "fixed".into(),
                    kind: ResponseKind::Answer,
                },
            ));
        }
        let mut case = Case::new(id.parse().unwrap());
        for (n, (actor, at, kind)) in steps.into_iter().enumerate() {
            let command =
                escalate::Command::new(format!("{id}-{n}").parse().unwrap(), actor, at, kind);
            for event in case.handle(&policy, command, at).unwrap() {
                case.apply(&event).unwrap();
                jsonl.push_str(&lines::encode(case.id(), &event).unwrap());
                jsonl.push('\n');
            }
        }
    }
    std::fs::write(dir.join("events.jsonl"), jsonl).unwrap();
    dir
}

fn what_if(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalate"))
        .current_dir(dir)
        .arg("what-if")
        .args(args)
        .output()
        .unwrap()
}

#[track_caller]
fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_json_has_the_fixed_keys_and_a_laxer_target_lowers_breaches() {
    let dir = setup("json");
    let lax = json(&what_if(
        &dir,
        &["--policy", "fr-8h.toml", "events.jsonl", "--json"],
    ));
    assert_eq!(lax["cases"], 20);
    for side in ["baseline", "candidate"] {
        for metric in [
            "first_response",
            "next_response",
            "periodic_update",
            "resolution",
            "promise",
        ] {
            assert!(
                lax[side]["breaches"][metric].is_u64(),
                "{side} {metric}: {lax}"
            );
        }
        for key in [
            "escalations",
            "refusals",
            "money_granted_minor",
            "money_wasted_minor",
        ] {
            assert!(lax[side][key].is_object(), "{side} {key}");
        }
    }
    // Answered after 4h10m .. 8h10m: 10 late under 4 hours, 2 under 8.
    assert_eq!(lax["baseline"]["breaches"]["first_response"], 10);
    assert_eq!(lax["candidate"]["breaches"]["first_response"], 2);
    assert_eq!(lax["changed_cases"], 8);
    // Without --cases the lists are left empty.
    assert_eq!(lax["changed"], serde_json::json!([]));

    // Tighter: more; and the same against a replayed baseline.
    let tight = json(&what_if(
        &dir,
        &[
            "--policy",
            "fr-2h.toml",
            "--baseline",
            "fr-4h.toml",
            "events.jsonl",
            "--json",
        ],
    ));
    assert_eq!(tight["baseline"]["breaches"]["first_response"], 10);
    assert_eq!(tight["candidate"]["breaches"]["first_response"], 14);
    assert_eq!(tight["baseline_source"], "replayed");
}

#[test]
fn the_recording_policy_changes_nothing() {
    let dir = setup("same");
    for args in [
        &["--policy", "fr-4h.toml", "events.jsonl", "--json"][..],
        &[
            "--policy",
            "fr-4h.toml",
            "--baseline",
            "fr-4h.toml",
            "events.jsonl",
            "--json",
        ],
        &[
            "--policy",
            "fr-4h.toml",
            "--baseline",
            "fr-4h.toml",
            "events.jsonl",
            "--json",
            "--host",
            "obedient",
            "--until",
            "latest",
        ],
    ] {
        let out = json(&what_if(&dir, args));
        assert_eq!(out["changed_cases"], 0, "{args:?}");
        assert_eq!(out["cases"], 20);
        assert_eq!(out["baseline"], out["candidate"], "{args:?}");
    }
}

#[test]
fn the_table_and_the_changed_cases() {
    let dir = setup("table");
    let out = what_if(&dir, &["--policy", "fr-8h.toml", "events.jsonl", "--cases"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("breaches: first response"))
        .unwrap_or_else(|| panic!("{text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[cells.len() - 3..], ["10", "2", "-8"], "{row}");
    assert!(
        text.contains("20 cases compared, 8 changed, 0 skipped"),
        "{text}"
    );
    assert!(text.contains("time to first response p50"), "{text}");
    // Case 4 answered after 4h10m: late under 4 hours, in time under 8.
    assert!(
        text.contains("E-4: first_response met/late/breached 0/1/0 -> 1/0/0"),
        "{text}"
    );
    assert!(text.contains("first difference at event 3:"), "{text}");
    assert!(text.contains("due 2021-03-01 15:00 UTC"), "{text}");
}

#[test]
fn a_malformed_line_stops_with_its_number_unless_skipped() {
    let dir = setup("malformed");
    let mut text = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let good = text.lines().count();
    text.push_str("{\"case\": \"E-99\", \"version\": \n");
    std::fs::write(dir.join("events.jsonl"), text).unwrap();
    let out = what_if(&dir, &["--policy", "fr-8h.toml", "events.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("events.jsonl line {}:", good + 1)),
        "{err}"
    );
    assert!(err.contains("--skip-bad"), "{err}");

    let out = what_if(
        &dir,
        &["--policy", "fr-8h.toml", "events.jsonl", "--skip-bad"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1 input lines skipped"), "{text}");
    assert!(text.contains("20 cases compared"), "{text}");
}

#[test]
fn bad_arguments_exit_2() {
    let dir = setup("usage");
    let out = what_if(&dir, &["--policy", "missing.toml", "events.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
    let out = what_if(
        &dir,
        &["--policy", "fr-8h.toml", "events.jsonl", "--until", "soon"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid instant \"soon\""));
}

#[test]
fn the_html_report_has_charts_and_no_script() {
    let dir = setup("html");
    // A file name with markup in it, shown in the report.
    std::fs::copy(dir.join("fr-8h.toml"), dir.join("lax<b>&.toml")).unwrap();
    let out = what_if(
        &dir,
        &[
            "--policy",
            "lax<b>&.toml",
            "events.jsonl",
            "--html",
            "report.html",
            "--cases",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.matches("<svg").count() >= 3, "{page}");
    assert!(!page.to_lowercase().contains("<script"));
    assert!(page.contains("Breaches per metric"));
    assert!(page.contains("Time to first response"));
    // Names are escaped.
    assert!(page.contains("lax&lt;b&gt;&amp;.toml"), "{page}");
    assert!(!page.contains("lax<b>"));
    // The changed cases, with where their logs part.
    assert!(page.contains("first difference at event 3"), "{page}");
}

/// The README's example, end to end: a simulated month under the
/// recommended policy, then the same cases under 8-hour email targets.
/// Fewer first- and next-response breaches, and the rules ask for fewer
/// escalations; the recommended policy against itself changes nothing.
#[test]
fn a_simulated_month_under_laxer_email_targets() {
    let dir = dir("simulated");
    let events = dir.join("cases.jsonl");
    let bin = env!("CARGO_BIN_EXE_escalate");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies");
    let recommended = root.join("recommended.toml");
    let lax = root.join("email-8h.toml");
    let simulated = Command::new(bin)
        .args(["simulate", "--policy"])
        .arg(&recommended)
        .args(["--cases", "600", "--days", "30", "--seed", "7", "--out"])
        .arg(&events)
        .output()
        .unwrap();
    assert_eq!(simulated.status.code(), Some(0), "{simulated:?}");
    let what_if = |candidate: &Path| -> serde_json::Value {
        let out = Command::new(bin)
            .args(["what-if", "--json", "--policy"])
            .arg(candidate)
            .arg("--baseline")
            .arg(&recommended)
            .arg(&events)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let same = what_if(&recommended);
    assert_eq!(same["cases"], 600);
    assert_eq!(same["changed_cases"], 0);
    assert_eq!(same["baseline"], same["candidate"]);

    let laxer = what_if(&lax);
    assert!(laxer["changed_cases"].as_u64().unwrap() > 0);
    let breaches = |side: &str, metric: &str| laxer[side]["breaches"][metric].as_u64().unwrap();
    for metric in ["first_response", "next_response"] {
        assert!(
            breaches("candidate", metric) < breaches("baseline", metric),
            "{metric}: {laxer}"
        );
    }
    // Resolution and promises do not depend on the email targets.
    for metric in ["resolution", "promise"] {
        assert_eq!(breaches("candidate", metric), breaches("baseline", metric));
    }
    let required = |side: &str| -> u64 {
        laxer[side]["escalations_required"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum()
    };
    assert!(required("candidate") < required("baseline"), "{laxer}");
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let dir = setup("twice");
    let run = |n: usize| {
        let html = format!("report-{n}.html");
        let args = [
            "--policy",
            "fr-2h.toml",
            "--baseline",
            "fr-8h.toml",
            "events.jsonl",
            "--cases",
            "--html",
            &html,
        ];
        let table = what_if(&dir, &args);
        assert!(table.status.success());
        let json = what_if(&dir, &[&args[..], &["--json"]].concat());
        assert!(json.status.success());
        (
            table.stdout,
            json.stdout,
            std::fs::read(dir.join(&html)).unwrap(),
        )
    };
    let first = run(1);
    assert!(!first.0.is_empty() && !first.1.is_empty() && !first.2.is_empty());
    assert_eq!(run(2), first);
}
