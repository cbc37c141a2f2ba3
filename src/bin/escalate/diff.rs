//! `escalate diff OLD NEW`: what changes between two policies.

use escalate::policy;

use crate::fail::{self, CliError, Outcome};
use crate::input;

/// The arguments of `escalate diff`.
///
/// Exit code 0 whether or not the policies differ (the diff is a report,
/// not a finding); 2 when a policy does not load.
#[derive(clap::Args)]
pub struct Args {
    /// The old policy file (JSON when its name ends in `.json`, TOML
    /// otherwise).
    old: String,
    /// The new policy file.
    new: String,
    /// Print the changes as JSON (`{"old_version", "new_version",
    /// "changes": [{"path", "kind", "subject", "before", "after",
    /// "sentence"}]}`) instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `escalate diff`: exit code 0 with or without changes, 2 when a
/// policy does not load.
pub fn run(args: &Args) -> Result<Outcome, CliError> {
    let old = input::policy(&args.old)?;
    let new = input::policy(&args.new)?;
    let changes = policy::diff(&old, &new);
    if args.json {
        let text = serde_json::to_string_pretty(&changes)
            .map_err(|e| CliError::Input(format!("the diff does not write as JSON: {e}")))?;
        fail::print(&format!("{text}\n"))?;
    } else {
        fail::print(&changes.to_string())?;
    }
    Ok(Outcome::Clean)
}
