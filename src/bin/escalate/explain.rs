//! `escalate explain POLICY`: the policy in plain sentences.

use crate::fail::{self, CliError, Outcome};
use crate::input;

/// The arguments of `escalate explain`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy file: JSON when its name ends in `.json`, TOML otherwise.
    policy: String,
    /// Print the sentences as JSON (`{"version", "sentences": [{"path",
    /// "text"}]}`) instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `escalate explain`: exit code 0, or 2 when the policy does not load.
pub fn run(args: &Args) -> Result<Outcome, CliError> {
    let policy = input::policy(&args.policy)?;
    let explanation = policy.explain();
    if args.json {
        let text = serde_json::to_string_pretty(&explanation)
            .map_err(|e| CliError::Input(format!("the explanation does not write as JSON: {e}")))?;
        fail::print(&format!("{text}\n"))?;
    } else {
        fail::print(&explanation.to_string())?;
    }
    Ok(Outcome::Clean)
}
