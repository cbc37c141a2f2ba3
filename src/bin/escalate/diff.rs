//! `escalate diff` (being built).

use crate::fail::{CliError, Outcome};

/// The arguments of `escalate diff`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: &Args) -> Result<Outcome, CliError> {
    Err(CliError::Usage("not built yet".to_owned()))
}
