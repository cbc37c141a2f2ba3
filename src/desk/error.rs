//! Why the desk did not carry out a call.

use super::CaseEvents;
use crate::policy::PolicyFingerprint;
use crate::{ApplyError, CaseId, Refusal, ReplayError};

/// Why the desk did not carry out a call: a case or a policy it does not
/// hold, or the case's own refusal, passed through.
///
/// # Example
/// ```
/// use escalate::{Command, Refusal};
/// use escalate::desk::{Desk, DeskError};
/// use escalate::policy::Policy;
/// let mut desk = Desk::new(Policy::default());
/// // A referral opened by the customer: only the company may open one.
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///              "origin": {"type": "referral", "from": "a partner"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let now = open.at();
/// let err = desk.handle(&"CAB-1".parse()?, open, now).unwrap_err();
/// assert!(matches!(err, DeskError::Refused { refusal: Refusal::CustomerNotAllowed { .. }, .. }));
/// assert_eq!(err.to_string(), "case CAB-1 refused the command: the customer may not open a case: \
///     customers may only contact, answer surveys, confirm a resolution, accept or decline an offer, \
///     or say they are leaving");
/// assert!(desk.is_empty()); // a refused opening leaves no case behind
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// A command other than `open` to a case the desk does not hold, or a
    /// case asked for by an id it does not hold.
    #[error("no case {case} on the desk: only an `open` command creates a case")]
    UnknownCase {
        /// The id asked for.
        case: CaseId,
    },
    /// A policy version label the desk holds no policy for.
    #[error("no policy labelled {policy:?} on the desk: add it first; the desk holds {known}")]
    UnknownPolicy {
        /// The label asked for.
        policy: String,
        /// The labels the desk holds, quoted and joined.
        known: String,
    },
    /// Another policy under a label the desk holds already: the desk tells
    /// policies apart by their label, and a label names one content.
    #[error(
        "the desk holds another policy labelled {policy:?} (fingerprint {held}; the one given has fingerprint {given}): give a changed policy its own version label"
    )]
    PolicyConflict {
        /// The label.
        policy: String,
        /// The fingerprint of the policy the desk holds under it.
        held: PolicyFingerprint,
        /// The fingerprint of the policy given.
        given: PolicyFingerprint,
    },
    /// A case put on the desk (or read from a store) that recorded a
    /// policy whose content differs from the desk's policy under the same
    /// label: the policy changed without a new label. A case whose log
    /// records no fingerprint (written before fingerprints) is not checked.
    #[error(
        "case {case} runs under policy {policy:?} with fingerprint {recorded}, but the desk's policy under that label has fingerprint {held}: hold the case's policy under its label, and give the changed policy a new label"
    )]
    PolicyChanged {
        /// The case.
        case: CaseId,
        /// The label.
        policy: String,
        /// The fingerprint the case recorded.
        recorded: PolicyFingerprint,
        /// The fingerprint of the desk's policy under that label.
        held: PolicyFingerprint,
    },
    /// A case put on the desk twice.
    #[error("case {case} is on the desk already")]
    CaseExists {
        /// The case.
        case: CaseId,
    },
    /// A case with no events put on the desk: it runs under no policy yet.
    #[error("case {case} is not opened: only an opened case goes on the desk")]
    NotOpened {
        /// The case.
        case: CaseId,
    },
    /// The case refused the command (its [`Refusal`]); the case is left as
    /// it was.
    #[error("case {case} refused the command: {refusal}")]
    Refused {
        /// The case.
        case: CaseId,
        /// Why.
        refusal: Refusal,
    },
    /// A stored history that does not replay.
    #[error("cannot put the history on the desk: {0}")]
    Replay(ReplayError),
    /// The desk holds as many cases as it can number (`u32::MAX`).
    #[error("the desk is full: it holds at most 4294967295 cases")]
    Full,
    /// A case refused an event it made itself: a bug in this crate, never
    /// seen. The events applied before it (and, from
    /// [`Desk::advance`](super::Desk::advance), every other due case's)
    /// are here, to store.
    #[error(
        "case {case} refused an event it made itself: {error} (a bug in escalate: store the events applied and report it)"
    )]
    Apply {
        /// The case.
        case: CaseId,
        /// What the case refused.
        error: ApplyError,
        /// The events applied, per case, to store.
        applied: Vec<CaseEvents>,
    },
}
