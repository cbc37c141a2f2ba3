//! `escalate simulate`: the file it writes reads back as the library's
//! cases, the same seed writes the same bytes, and a bad policy path is a
//! usage error (exit code 2).
#![cfg(feature = "cli")]

use std::process::Command;

use escalate::policy::Policy;
use escalate::tools::lines;
use escalate::tools::simulate::Simulation;

fn simulate(out: &std::path::Path, seed: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["simulate", "--policy", "examples/policies/recommended.toml"])
        .args(["--cases", "60", "--days", "7", "--seed", seed, "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn the_file_reads_back_as_the_simulated_cases() {
    let dir = std::env::temp_dir().join(format!("escalate-cli-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, c) = (
        dir.join("a.jsonl"),
        dir.join("b.jsonl"),
        dir.join("c.jsonl"),
    );
    let run = simulate(&a, "5");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&a).unwrap();
    let read: Vec<_> = text.lines().map(|l| lines::decode(l).unwrap()).collect();

    let policy = Policy::recommended();
    let simulation = Simulation {
        cases: 60,
        days: 7,
        seed: 5,
        ..Simulation::default()
    };
    let expected: Vec<_> = simulation
        .generate(&policy)
        .unwrap()
        .flat_map(|case| case.events.into_iter().map(move |e| (case.id.clone(), e)))
        .collect();
    assert_eq!(read, expected);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!(
            "simulated 60 cases under policy recommended-1: {} events",
            expected.len()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("refused commands"), "{stderr}");

    assert!(simulate(&b, "5").status.success());
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(simulate(&c, "6").status.success());
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_out_the_events_go_to_standard_output() {
    let run = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["simulate", "--policy", "examples/policies/recommended.toml"])
        .args(["--cases", "3", "--days", "2", "--seed", "1"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let text = String::from_utf8(run.stdout).unwrap();
    let first = lines::decode(text.lines().next().unwrap()).unwrap();
    assert_eq!(first.0.as_str(), "SIM-000001");
    assert!(String::from_utf8_lossy(&run.stderr).contains("written to standard output"));
}

#[test]
fn a_bad_policy_path_or_zero_days_exit_2() {
    let run = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["simulate", "--policy", "no/such/policy.toml"])
        .args(["--cases", "3", "--days", "2", "--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with("escalate: no/such/policy.toml: "),
        "{stderr}"
    );
    assert!(run.stdout.is_empty());

    let run = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["simulate", "--policy", "examples/policies/recommended.toml"])
        .args(["--cases", "3", "--days", "0", "--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "escalate: days: 0; at least 1 day\n"
    );
}

#[test]
fn huge_counts_are_refused_at_once_with_the_bound() {
    for (flag, value, message) in [
        (
            "--cases",
            "4294967295",
            "escalate: cases: 4294967295 is more than 1000000, the most one simulation generates\n",
        ),
        (
            "--days",
            "2000000",
            "escalate: days: 2000000 is more than 3660 (ten years), the most one simulation spans\n",
        ),
    ] {
        let mut args = vec!["--cases", "3", "--days", "2"];
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = value;
        let run = Command::new(env!("CARGO_BIN_EXE_escalate"))
            .args(["simulate", "--policy", "examples/policies/recommended.toml"])
            .args(&args)
            .args(["--seed", "1"])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&run.stderr), message);
        assert!(run.stdout.is_empty());
    }
    // The bounds are in the help.
    let help = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["simulate", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("0 to 1,000,000"), "{help}");
    assert!(help.contains("1 to 3,660"), "{help}");
}
