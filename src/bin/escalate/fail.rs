//! What a subcommand ends with, and how it fails.

use std::fmt;
use std::io::{self, Write};

/// How a subcommand that ran ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit code 0.
    Clean,
    /// Findings (lint): exit code 1.
    Findings,
}

/// Why a subcommand stopped: exit code 2, the message on standard error.
#[derive(Debug)]
pub enum CliError {
    /// A file that cannot be read or written.
    File { path: String, error: io::Error },
    /// A policy that does not load: the library's message, unchanged.
    Policy {
        path: String,
        error: escalate::PolicyError,
    },
    /// Input that does not read (a line of events, a store).
    Input(String),
    /// Arguments that do not fit together.
    Usage(String),
    /// Standard output was closed (`escalate ... | head`): stop quietly.
    BrokenPipe,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::File { path, error } => write!(f, "{path}: {error}"),
            CliError::Policy { path, error } => write!(f, "{path}: {error}"),
            CliError::Input(message) | CliError::Usage(message) => f.write_str(message),
            CliError::BrokenPipe => f.write_str("standard output closed"),
        }
    }
}

impl From<io::Error> for CliError {
    /// An error writing standard output.
    fn from(error: io::Error) -> CliError {
        if error.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::File {
                path: "standard output".to_owned(),
                error,
            }
        }
    }
}

/// Writes `text` to standard output (a closed pipe is [`CliError::BrokenPipe`]).
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
