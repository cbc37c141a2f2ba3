//! `escalate simulate`: a synthetic population of cases under a policy,
//! written as JSON lines of events (`escalate::tools::simulate`).

use std::fs::File;
use std::io::{self, BufWriter, Write};

use escalate::tools::lines;
use escalate::tools::simulate::Simulation;

use crate::fail::{CliError, Outcome};
use crate::input;
use crate::progress::Progress;

/// The arguments of `escalate simulate`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy the cases run under (TOML, or JSON when the name ends in
    /// `.json`).
    #[arg(long)]
    policy: String,
    /// How many cases: 0 to 1,000,000 (more is refused; for more, run
    /// several seeds).
    #[arg(long)]
    cases: u32,
    /// Over how many days they arrive (from Monday 2021-03-01): 1 to 3,660
    /// (ten years).
    #[arg(long)]
    days: u32,
    /// The seed: the same seed gives the same file.
    #[arg(long)]
    seed: u64,
    /// Where to write the events (standard output when left out).
    #[arg(long)]
    out: Option<String>,
}

/// Runs the subcommand: the events on standard output or in `--out`, a
/// summary line on standard error.
pub fn run(args: &Args) -> Result<Outcome, CliError> {
    let policy = input::policy(&args.policy)?;
    let simulation = Simulation {
        cases: args.cases,
        days: args.days,
        seed: args.seed,
        ..Simulation::default()
    };
    let cases = simulation
        .generate(&policy)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let (mut out, name): (Box<dyn Write>, &str) = match &args.out {
        Some(path) => {
            let file = File::create(path).map_err(|error| CliError::File {
                path: path.clone(),
                error,
            })?;
            (Box::new(BufWriter::with_capacity(1 << 20, file)), path)
        }
        None => (
            Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
            "standard output",
        ),
    };
    let failed = |error: io::Error| {
        if args.out.is_none() {
            CliError::from(error)
        } else {
            CliError::File {
                path: name.to_owned(),
                error,
            }
        }
    };
    let progress = Progress::new("simulating", u64::from(args.cases));
    let (mut count, mut events, mut refused) = (0u64, 0u64, 0u64);
    let mut line = String::new();
    for case in cases {
        for event in &case.events {
            line.clear();
            line.push_str(&lines::encode(&case.id, event).map_err(|e| {
                CliError::Input(format!("case {} event {}: {e}", case.id, event.version()))
            })?);
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(failed)?;
        }
        count += 1;
        events += case.events.len() as u64;
        refused += u64::from(case.refused);
        progress.advance(1);
    }
    out.flush().map_err(failed)?;
    drop(out);
    progress.finish();
    eprintln!(
        "escalate: simulated {count} cases under policy {}: {events} events, {refused} refused commands, written to {name}",
        policy.version()
    );
    Ok(Outcome::Clean)
}
