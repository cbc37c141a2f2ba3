//! Tools for the people who write policies, and the `escalate` command's
//! library half: what a policy guarantees a case nobody touches
//! ([`guarantees`]), what a policy change would have done to past cases
//! ([`whatif`]), synthetic populations to try it on ([`simulate`]), and the
//! JSON-lines file of events they read and write ([`lines`]).
//!
//! Everything here is pure: it reads policies and events and gives values;
//! the command (feature `cli`) adds files, tables and charts.

pub mod guarantees;
pub mod lines;
pub mod simulate;
pub mod whatif;
