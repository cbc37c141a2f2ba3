//! `escalate lint POLICY [--json]`: the policy's findings, each with a fix,
//! then its rule-work bound and its guarantees table.
//!
//! A policy that does not load is one finding, printed as the library
//! reports it (`FILE: PATH: PROBLEM`), and the exit code is 1, as for any
//! finding; a file that cannot be read is exit code 2.

use escalate::policy::{Lint, Policy, WorkBound};
use escalate::tools::guarantees::{self, Guarantees};
use serde::Serialize;

use crate::fail::{CliError, Outcome, print};

/// The arguments of `escalate lint`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy file (TOML, or JSON when its name ends in `.json`).
    policy: String,
    /// One JSON object: `findings` (file, path, level, message, fix),
    /// `work_bound` and `guarantees` (null when the policy does not load).
    #[arg(long)]
    json: bool,
}

/// One finding, as `--json` writes it.
#[derive(Serialize)]
struct Finding<'a> {
    file: &'a str,
    path: String,
    level: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

/// What `--json` writes.
#[derive(Serialize)]
struct Report<'a> {
    findings: Vec<Finding<'a>>,
    work_bound: Option<WorkBound>,
    guarantees: Option<Guarantees>,
}

/// Runs the subcommand.
pub fn run(args: &Args) -> Result<Outcome, CliError> {
    let file = args.policy.as_str();
    let policy = match crate::input::policy(file) {
        Ok(policy) => policy,
        Err(CliError::Policy { path, error }) => {
            if args.json {
                let report = Report {
                    findings: vec![Finding {
                        file,
                        path: error.path().to_owned(),
                        level: "error",
                        message: error.problem().to_owned(),
                        fix: None,
                    }],
                    work_bound: None,
                    guarantees: None,
                };
                print(&json(&report)?)?;
            } else {
                print(&format!("{path}: {error}\n"))?;
            }
            return Ok(Outcome::Findings);
        }
        Err(other) => return Err(other),
    };
    let lints = policy.lint();
    let table = guarantees::guarantees(&policy)
        .map_err(|e| CliError::Input(format!("{file}: guarantees: {e}")))?;
    if args.json {
        let report = Report {
            findings: lints.iter().map(|l| finding(file, l)).collect(),
            work_bound: Some(policy.work_bound()),
            guarantees: Some(table),
        };
        print(&json(&report)?)?;
    } else {
        print(&text(file, &policy, &lints, &table))?;
    }
    Ok(if lints.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

fn finding<'a>(file: &'a str, lint: &Lint) -> Finding<'a> {
    Finding {
        file,
        path: lint.path.clone(),
        level: "warning",
        message: lint.message.clone(),
        fix: Some(lint.fix.clone()),
    }
}

fn json(report: &Report<'_>) -> Result<String, CliError> {
    serde_json::to_string_pretty(report)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| CliError::Input(format!("writing JSON: {e}")))
}

fn text(file: &str, policy: &Policy, lints: &[Lint], table: &Guarantees) -> String {
    let mut out: Vec<String> = lints
        .iter()
        .map(|lint| {
            format!(
                "{file}: {}: {}: {}\n    fix: {}",
                lint.path, lint.level, lint.message, lint.fix
            )
        })
        .collect();
    out.push(match lints.len() {
        0 => format!("{file}: no findings"),
        1 => format!("{file}: 1 finding"),
        n => format!("{file}: {n} findings"),
    });
    out.push(String::new());
    out.push(format!("rule work: {}", policy.work_bound()));
    out.push(String::new());
    out.push(table.to_string());
    out.join("\n")
}
