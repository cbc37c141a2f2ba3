//! `escalate what-if`: past cases replayed under another policy, compared
//! with the recorded logs or with a baseline policy.

use std::fmt::Write as _;

use escalate::replay::Host;
use escalate::tools::whatif::{self, Comparison, Options, Until};

use crate::fail::{CliError, Outcome, print};
use crate::html;
use crate::input;
use crate::progress::Progress;

/// Who acts in the replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HostArg {
    /// Only what the log records is done (the recording's own policy then
    /// gives the log back).
    AsRecorded,
    /// Also, an agent on duty takes the case at once when a rule requires
    /// an owner or an escalation, and the owner does the recorded work.
    Obedient,
}

/// The arguments of `escalate what-if`.
#[derive(clap::Args)]
pub struct Args {
    /// The candidate policy (TOML; JSON when the name ends in `.json`).
    #[arg(long, value_name = "NEW")]
    policy: String,
    /// The baseline policy: the cases are replayed under it too. Without
    /// it the baseline is the recorded logs as they are.
    #[arg(long, value_name = "OLD")]
    baseline: Option<String>,
    /// The events: a JSON-lines file (`-` for standard input), a SQLite
    /// file or a PostgreSQL URL.
    #[arg(value_name = "EVENTS")]
    events: String,
    /// Skips lines that do not read (reported on standard error) instead
    /// of stopping at the first.
    #[arg(long)]
    skip_bad: bool,
    /// Lists the changed cases, each with its first diverging event (and
    /// the skipped ones with the reason).
    #[arg(long)]
    cases: bool,
    /// Also writes a self-contained HTML report with charts to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<String>,
    /// Prints one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Up to when the replays tick clocks and delayed rules: `recorded`
    /// (each case's latest recorded event), `latest` (the input's latest
    /// event) or an RFC 3339 instant.
    #[arg(long, value_name = "WHEN", default_value = "recorded")]
    until: Until,
    /// Who acts in the replays.
    #[arg(long, value_enum, default_value_t = HostArg::AsRecorded)]
    host: HostArg,
}

/// Runs the subcommand.
pub fn run(args: &Args) -> Result<Outcome, CliError> {
    let candidate = input::policy(&args.policy)?;
    let baseline = args.baseline.as_deref().map(input::policy).transpose()?;
    let read = input::events(&args.events, args.skip_bad)?;
    let options = Options {
        host: match args.host {
            HostArg::AsRecorded => Host::AsRecorded,
            HostArg::Obedient => Host::Obedient,
        },
        until: args.until,
    };
    let progress = Progress::new("replaying", read.cases.len() as u64);
    let mut comparison =
        whatif::compare_with_progress(&read.cases, baseline.as_ref(), &candidate, &options, &|n| {
            progress.advance(n);
        });
    progress.finish();
    let baseline_name = match (&args.baseline, &baseline) {
        (Some(path), Some(policy)) => format!("{path} (policy {})", policy.version()),
        _ => "the recorded logs".to_owned(),
    };
    let candidate_name = format!("{} (policy {})", args.policy, candidate.version());
    if let Some(path) = &args.html {
        let page = html::what_if(&comparison, &baseline_name, &candidate_name);
        std::fs::write(path, page).map_err(|error| CliError::File {
            path: path.clone(),
            error,
        })?;
    }
    if args.json {
        if !args.cases {
            comparison.changed.clear();
            comparison.skipped.clear();
        }
        let mut text = serde_json::to_string_pretty(&comparison)
            .map_err(|e| CliError::Input(format!("cannot write the result as JSON: {e}")))?;
        text.push('\n');
        print(&text)?;
    } else {
        let mut text = table(&comparison, &baseline_name, &candidate_name, args.cases);
        if read.skipped > 0 {
            let _ = writeln!(text, "{} input lines skipped (--skip-bad)", read.skipped);
        }
        print(&text)?;
    }
    Ok(Outcome::Clean)
}

/// The readable report: the summary table, then (with `--cases`) the
/// changed and skipped cases.
fn table(c: &Comparison, baseline: &str, candidate: &str, cases: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "what-if: {candidate} against {baseline}\n{} compared, {} changed, {} skipped; host {}, replayed up to {}\n",
        html::count(c.cases, "case"),
        c.changed_cases,
        c.skipped_cases,
        c.host,
        html::until_words(c)
    );
    let mut rows = vec![[
        String::new(),
        "baseline".to_owned(),
        "candidate".to_owned(),
        "difference".to_owned(),
    ]];
    rows.extend(html::rows(c));
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = format!("{:<w$}", row[0], w = widths[0]);
        for i in 1..4 {
            let _ = write!(line, "  {:>w$}", row[i], w = widths[i]);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if c.candidate.first_response_wall + c.baseline.first_response_wall > 0 {
        let _ = writeln!(
            out,
            "\ntime to first response: business time where a first-response clock measured it ({} baseline, {} candidate), wall time otherwise ({} baseline, {} candidate)",
            c.baseline.first_response_business,
            c.candidate.first_response_business,
            c.baseline.first_response_wall,
            c.candidate.first_response_wall
        );
    }
    if cases {
        if !c.changed.is_empty() {
            out.push_str("\nchanged cases:\n");
        }
        for changed in &c.changed {
            let _ = writeln!(out, "{}: {}", changed.case, changed.differences.join("; "));
            if let Some(d) = &changed.divergence {
                let _ = writeln!(
                    out,
                    "  first difference at event {}:\n    baseline:  {}\n    candidate: {}",
                    d.version,
                    d.baseline.as_deref().unwrap_or("(log ended)"),
                    d.candidate.as_deref().unwrap_or("(log ended)")
                );
            }
        }
        if !c.skipped.is_empty() {
            out.push_str("\nskipped cases:\n");
        }
        for s in &c.skipped {
            let _ = writeln!(out, "{}: {}", s.case, s.reason);
        }
    } else if c.skipped_cases > 0 {
        let _ = writeln!(
            out,
            "\n{} skipped (--cases lists them)",
            html::count(c.skipped_cases, "case")
        );
    }
    out
}
