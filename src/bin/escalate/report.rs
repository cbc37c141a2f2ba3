//! `escalate report EVENTS`: the SLA attainment report of a file of events.

use escalate::SlaReport;

use crate::fail::{self, CliError, Outcome};
use crate::input;

/// The arguments of `escalate report`.
#[derive(clap::Args)]
pub struct Args {
    /// The events: a JSON-lines file (one event per line with its case id,
    /// as `escalate simulate --out` writes), `-` for standard input, a
    /// SQLite file or a PostgreSQL URL.
    events: String,
    /// Skip lines that do not read (each reported with its line number)
    /// instead of stopping at the first.
    #[arg(long)]
    skip_bad: bool,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Skip cases whose log does not read as a case (reported) instead of
    /// stopping at the first.
    #[arg(long)]
    skip_bad_cases: bool,
}

/// Runs `escalate report`.
pub fn run(args: &Args) -> Result<Outcome, CliError> {
    let cases = input::events(&args.events, args.skip_bad)?;
    if cases.skipped > 0 {
        eprintln!("escalate: {}: {} lines skipped", args.events, cases.skipped);
    }
    let mut report = SlaReport::new();
    let mut bad = 0usize;
    for (id, events) in &cases.cases {
        if let Err(error) = report.add_case(events) {
            // Named once: some of the library's messages name the case.
            let error = error.to_string();
            let what = if error.starts_with(&format!("case {id}:")) {
                error
            } else {
                format!("case {id}: {error}")
            };
            if !args.skip_bad_cases {
                return Err(CliError::Input(format!(
                    "{}: {what} (--skip-bad-cases skips such cases)",
                    args.events
                )));
            }
            bad += 1;
            if bad <= 20 {
                eprintln!("escalate: {}: {what}; case skipped", args.events);
            }
        }
    }
    if bad > 20 {
        eprintln!("escalate: {}: {bad} cases skipped", args.events);
    }
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::Input(format!("the report does not write as JSON: {e}")))?;
        fail::print(&format!("{text}\n"))?;
    } else {
        fail::print(&format!("{report}"))?;
    }
    Ok(Outcome::Clean)
}
