//! Fuzz target bodies: each takes the fuzzer's bytes, runs the crate on
//! them, and checks its laws.
//!
//! These are the bodies of the crate's fuzz targets, in one place for both
//! drivers: the libFuzzer targets under `fuzz/` (`cargo fuzz run policy`)
//! and the stable mutation runner in `tests/fuzz_targets.rs`. `FUZZING.md`
//! says how to run them. A body returns how far the input got ([`Depth`]),
//! or a [`Finding`] when a law breaks; a panic is a finding too (the body
//! lets it through, and the driver reports it).
//!
//! The targets ([`Target`]) and their inputs:
//! - [`policy`]: the bytes as a policy file, loaded as TOML and as JSON;
//! - [`log`]: a JSON array of events (a log), replayed, then ticked and
//!   handled; bytes after the array steer the policy and the instants;
//! - [`commands`]: a JSON document `{"policy": ..., "commands": [...]}`, or
//!   any other bytes, which then drive the testing kit's strategies to a
//!   policy and its commands; the commands are run through [`check_laws`];
//! - [`calendar`]: a business calendar as JSON (or bytes that drive the
//!   [`calendars`] strategy), then bytes that steer the instants and
//!   durations its arithmetic is checked on.
//!
//! Where an input is "a JSON document, then bytes", the bytes are whatever
//! follows the document's closing bracket; missing bytes read as zeros, so
//! the document alone is a valid input.
//!
//! ```
//! use escalate::testing::fuzz::{Depth, Target};
//! let policy = br#"version = "v1"
//! tiers = ["frontline", "manager"]"#;
//! assert_eq!(Target::Policy.run(policy)?, Depth::Exercised);
//! assert_eq!(Target::Log.run(b"not a log")?, Depth::Rejected);
//! # Ok::<(), escalate::testing::fuzz::Finding>(())
//! ```
//!
//! [`check_laws`]: super::check_laws
//! [`calendars`]: super::calendars

mod calendar;
mod commands;
mod log;
mod policy;
mod steer;

use std::fmt;

pub use calendar::calendar;
pub use commands::commands;
pub use log::{log, log_under};
pub use policy::policy;

/// A fuzz target: which of the crate's inputs it fuzzes.
///
/// # Example
/// ```
/// use escalate::testing::fuzz::Target;
/// let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
/// assert_eq!(names, ["policy", "log", "commands", "calendar"]);
/// assert_eq!("log".parse::<Target>(), Ok(Target::Log));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Target {
    /// Policy files, TOML and JSON ([`policy`]).
    Policy,
    /// Event logs: replay, then tick, then handle ([`log`]).
    Log,
    /// Command sequences under fuzzed policies ([`commands`]).
    Commands,
    /// Business-calendar arithmetic ([`calendar`]).
    Calendar,
}

impl Target {
    /// Every target, in the order `FUZZING.md` lists them.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::fuzz::Target;
    /// assert_eq!(Target::ALL.len(), 4);
    /// ```
    pub const ALL: [Target; 4] = [
        Target::Policy,
        Target::Log,
        Target::Commands,
        Target::Calendar,
    ];

    /// The target's name: that of its libFuzzer binary and of its corpus
    /// directory, `fuzz/corpus/<name>`.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::fuzz::Target;
    /// assert_eq!(Target::Commands.name(), "commands");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Target::Policy => "policy",
            Target::Log => "log",
            Target::Commands => "commands",
            Target::Calendar => "calendar",
        }
    }

    /// Runs the target's body on `data`.
    ///
    /// # Errors
    /// The [`Finding`] of the first law the input breaks.
    ///
    /// # Panics
    /// When the crate panics on the input (a bug: the drivers report it).
    ///
    /// # Example
    /// ```
    /// use escalate::testing::fuzz::{Depth, Target};
    /// let calendar = br#"{"time_zone": "Europe/Berlin", "hours": {"mon": ["09:00-17:00"]}}"#;
    /// assert_eq!(Target::Calendar.run(calendar)?, Depth::Exercised);
    /// # Ok::<(), escalate::testing::fuzz::Finding>(())
    /// ```
    pub fn run(self, data: &[u8]) -> Result<Depth, Finding> {
        match self {
            Target::Policy => policy(data),
            Target::Log => log(data),
            Target::Commands => commands(data),
            Target::Calendar => calendar(data),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!(
                    "no fuzz target named \"{s}\"; the targets are policy, log, commands, calendar"
                )
            })
    }
}

/// How far an input got: the drivers count these to show that the inputs
/// reach the code under test.
///
/// # Example
/// ```
/// use escalate::testing::fuzz::{Depth, Target};
/// assert_eq!(Target::Policy.run(b"version = ")?, Depth::Rejected);
/// assert!(Depth::Rejected < Depth::Exercised);
/// # Ok::<(), escalate::testing::fuzz::Finding>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Depth {
    /// The input did not parse (a policy the loader refused, a log that is
    /// not a list of events).
    Rejected,
    /// It parsed, and a later check refused it as it should (a log that
    /// does not replay, a calendar that is never open at the instants
    /// asked about).
    Parsed,
    /// It was run through everything the target does.
    Exercised,
}

/// A law broken by an input: the target, the law, and what happened.
///
/// # Example
/// ```
/// use escalate::testing::fuzz::{Finding, Target};
/// let finding = Finding::new(Target::Calendar, "add then elapsed", "elapsed 59s, not 60s");
/// assert_eq!(finding.to_string(), "calendar: add then elapsed: elapsed 59s, not 60s");
/// assert_eq!(finding.law(), "add then elapsed");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    target: Target,
    law: String,
    detail: String,
}

impl Finding {
    /// A finding of `target`: `law` names the law broken (findings with
    /// the same target and law are the same bug), `detail` says how.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::fuzz::{Finding, Target};
    /// let finding = Finding::new(Target::Log, "a second tick records more", "2 events");
    /// assert_eq!(finding.target(), Target::Log);
    /// ```
    #[must_use]
    pub fn new(target: Target, law: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            target,
            law: law.into(),
            detail: detail.into(),
        }
    }

    /// The target that found it.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::fuzz::{Finding, Target};
    /// assert_eq!(Finding::new(Target::Policy, "round trip", "").target(), Target::Policy);
    /// ```
    #[must_use]
    pub fn target(&self) -> Target {
        self.target
    }

    /// The law broken, short and the same for every input that breaks it.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::fuzz::{Finding, Target};
    /// assert_eq!(Finding::new(Target::Policy, "round trip", "").law(), "round trip");
    /// ```
    #[must_use]
    pub fn law(&self) -> &str {
        &self.law
    }

    /// What happened.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::fuzz::{Finding, Target};
    /// assert_eq!(Finding::new(Target::Policy, "round trip", "rules differ").detail(), "rules differ");
    /// ```
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.target, self.law, self.detail)
    }
}

impl std::error::Error for Finding {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_from_their_names() {
        for target in Target::ALL {
            assert_eq!(target.name().parse::<Target>(), Ok(target));
            assert_eq!(target.to_string(), target.name());
        }
        assert_eq!(
            "logs".parse::<Target>(),
            Err(
                "no fuzz target named \"logs\"; the targets are policy, log, commands, calendar"
                    .to_owned()
            )
        );
    }

    #[test]
    fn empty_inputs_are_handled_by_every_target() {
        for target in Target::ALL {
            assert!(target.run(b"").is_ok(), "{target}");
            assert!(target.run(&[0xff; 3]).is_ok(), "{target}");
        }
    }
}
