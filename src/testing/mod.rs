//! A testing kit for embedders: proptest strategies and law checkers
//! (the `proptest` feature).
//!
//! An embedder who writes its own policy checks in its own property test
//! that the policy keeps the case's laws for any workload: generate command
//! sequences for the policy with [`commands`], and run them through
//! [`check_laws`], which drives a case as a host would and checks after
//! every step that the log replays to the live case, that the case has one
//! owner from the first assignment until closing, that nobody acts without
//! authority, that no money goes beyond authority or caps or after the
//! customer left, that every tick schedule gives the same log, and that
//! each call's work stays within the policy's bounds ([`Law`] lists them).
//! A broken law comes back as a [`Violation`] naming the law and the step,
//! and proptest shrinks the commands to a few.
//!
//! ```
//! use escalate::policy::Policy;
//! use escalate::testing::{check_laws, commands};
//! use proptest::prelude::*;
//! // The embedder's policy file (here inline; `include_str!` it in a real test).
//! let policy = Policy::from_toml_str(r#"
//!     version = "shop-2"
//!     tiers = ["frontline", "supervisor", "manager"]
//!     [[rules]]
//!     name = "a bad survey wakes the case"
//!     when = { survey_score_at_most = 2 }
//!     then = ["escalate_one_tier", { require_call = "2 business days" }]
//! "#)?;
//! proptest!(ProptestConfig::with_cases(32), |(commands in commands(&policy))| {
//!     check_laws(&policy, &commands)?;
//! });
//! # Ok::<(), escalate::PolicyError>(())
//! ```
//!
//! The strategies:
//! - [`calendars`]: valid business calendars in several time zones;
//! - [`policies`]: valid policies of the shape [`Knobs`] asks for, ordinary
//!   or adversarial (every bound pushed);
//! - [`customers`];
//! - [`commands`]: command sequences for a policy that mostly succeed,
//!   built from small descriptions so that a failing one shrinks to a few
//!   commands;
//! - [`schedules`]: when a host ticks ([`Schedule`]).
//!
//! Add `proptest` (the same major version as this crate's) to your
//! dev-dependencies for its macros, and this crate with the `proptest`
//! feature.

mod commands;
pub mod fuzz;
mod laws;
mod policies;

pub use commands::{Schedule, commands, customers, schedules};
pub use laws::{Law, Report, Violation, check_laws, check_laws_on, run};
pub use policies::{Knobs, calendars, policies};
