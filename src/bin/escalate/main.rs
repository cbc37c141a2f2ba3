//! `escalate`: the policy tools for the people who write policies.
//!
//! ```text
//! escalate lint POLICY                          checks a policy, with the guarantees table
//! escalate explain POLICY                       the policy in plain sentences
//! escalate diff OLD NEW                         what changes between two policies
//! escalate what-if --policy NEW [--baseline OLD] EVENTS
//!                                               past cases replayed under another policy
//! escalate report EVENTS                        the SLA attainment report
//! escalate simulate --policy P --cases N --days D --seed S --out FILE
//!                                               a synthetic population, as events
//! ```
//!
//! Exit codes: 0 ok, 1 findings (lint), 2 usage or input error.
//! Built with the `cli` feature: `cargo install escalate --features cli`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod diff;
mod explain;
mod fail;
mod html;
mod input;
mod lint;
mod progress;
mod report;
mod simulate;
mod what_if;

use fail::{CliError, Outcome};

/// Policy tools: lint, explain, diff, what-if over past cases, report and
/// simulate.
#[derive(Parser)]
#[command(name = "escalate", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checks a policy: each finding with its file, path and a fix, then
    /// what the policy guarantees a case nobody touches. Exit code 1 when
    /// there are findings.
    Lint(lint::Args),
    /// The policy in plain sentences, one per target and rule.
    Explain(explain::Args),
    /// What changes between two policies: targets, calendars, rules, the
    /// ladder and authority.
    Diff(diff::Args),
    /// Replays past cases (their events) under another policy and compares.
    #[command(name = "what-if")]
    WhatIf(what_if::Args),
    /// The SLA attainment report of a file of events.
    Report(report::Args),
    /// Writes a synthetic population of cases under a policy, as events.
    Simulate(simulate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lint(args) => lint::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::WhatIf(args) => what_if::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Simulate(args) => simulate::run(&args),
    };
    match result {
        // A closed pipe (`escalate ... | head`) is the reader's choice.
        Ok(Outcome::Clean) | Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(error) => {
            eprintln!("escalate: {error}");
            ExitCode::from(2)
        }
    }
}
