//! What can go wrong between a desk and its store.

use crate::desk::DeskError;
use crate::{CaseId, CommandId, ReplayError};

/// An error from an [`EventStore`](super::EventStore) or a
/// [`StoredDesk`](super::StoredDesk).
///
/// Every variant about stored data names the case (and the version where
/// there is one); nothing stored is overwritten on an error.
///
/// # Example
/// ```
/// use escalate::store::{EventStore, MemoryStore, StoreError};
/// let mut store = MemoryStore::new();
/// let case = "CAB-1".parse()?;
/// // Appending at version 3 to a case that has no events is a conflict.
/// let err = store.append(&case, 3, &[], None).unwrap_err();
/// assert!(matches!(err, StoreError::Conflict { expected: 3, found: 0, .. }));
/// assert_eq!(err.to_string(),
///     "case CAB-1 is at version 0, not 3: another writer appended first; load it again and retry");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The case is not at the version the writer expected: another writer
    /// appended first. Load the case again, decide again, retry.
    #[error(
        "case {case} is at version {found}, not {expected}: another writer appended first; load it again and retry"
    )]
    Conflict {
        /// The case.
        case: CaseId,
        /// The version the writer expected.
        expected: u64,
        /// The version the store holds.
        found: u64,
    },
    /// A command id the case has recorded already: the command was
    /// applied before (stores keep a `(case, command id)` key, which
    /// catches repeats older than [`Case::COMMAND_WINDOW`](crate::Case::COMMAND_WINDOW)).
    #[error("case {case} has recorded command {command} already")]
    DuplicateCommand {
        /// The case.
        case: CaseId,
        /// The command id.
        command: CommandId,
    },
    /// Events that do not follow the version they are appended at (a bug
    /// in the writer).
    #[error(
        "case {case}: cannot append event version {found} at version {at}: expected version {want}"
    )]
    InvalidAppend {
        /// The case.
        case: CaseId,
        /// The version appended at.
        at: u64,
        /// The version of the event out of place.
        found: u64,
        /// The version it should have.
        want: u64,
    },
    /// A stored row that does not read as what it should be.
    #[error("case {case}, version {version}: the stored {what} does not read: {reason}")]
    Corrupt {
        /// The case.
        case: CaseId,
        /// The version of the event or snapshot.
        version: u64,
        /// What was read: "event" or "snapshot".
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An event stored under a schema version this build does not know
    /// (written by a newer build of escalate).
    #[error(
        "case {case}, version {version}: event schema {schema} is newer than this build of escalate reads (up to {known})"
    )]
    UnknownSchema {
        /// The case.
        case: CaseId,
        /// The version of the event.
        version: u64,
        /// The schema version stored.
        schema: u32,
        /// The newest schema version this build reads.
        known: u32,
    },
    /// A case's stored events that do not replay.
    #[error("case {case}: the stored events do not replay: {error}")]
    Replay {
        /// The case.
        case: CaseId,
        /// Why.
        error: ReplayError,
    },
    /// A stored case under a policy the desk does not hold.
    #[error(
        "case {case} runs under policy {policy:?}, which this desk does not hold: add it to the desk (it holds {known})"
    )]
    UnknownPolicy {
        /// The case.
        case: CaseId,
        /// The policy's version label.
        policy: String,
        /// The labels the desk holds, quoted and joined.
        known: String,
    },
    /// The desk refused: an unknown case or policy, a refused command, ...
    #[error(transparent)]
    Desk(#[from] DeskError),
    /// A conflict that did not go away after retrying.
    #[error("case {case}: gave up after {attempts} conflicting appends")]
    Contended {
        /// The case.
        case: CaseId,
        /// How many times the desk tried.
        attempts: u32,
    },
    /// A database written by a newer build of escalate: its schema
    /// version is one this build does not know. The database is left as
    /// it is; open it with a newer build.
    #[error(
        "{database}: the database schema is at version {found}, newer than this build of escalate knows (up to {known})"
    )]
    DatabaseTooNew {
        /// The database (a path, or a name).
        database: String,
        /// Its schema version.
        found: i64,
        /// The newest schema version this build knows.
        known: i64,
    },
    /// The database failed (connection, I/O, a constraint the store did
    /// not expect).
    #[error("the store failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps a database's own error.
    ///
    /// # Example
    /// ```
    /// use escalate::store::StoreError;
    /// let err = StoreError::backend(std::io::Error::other("disk full"));
    /// assert_eq!(err.to_string(), "the store failed: disk full");
    /// ```
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        StoreError::Backend(Box::new(error))
    }

    /// The case the error is about, if it is about one.
    ///
    /// # Example
    /// ```
    /// use escalate::store::StoreError;
    /// let err = StoreError::Contended { case: "CAB-1".parse()?, attempts: 8 };
    /// assert_eq!(err.case().map(|c| c.as_str()), Some("CAB-1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn case(&self) -> Option<&CaseId> {
        match self {
            StoreError::Conflict { case, .. }
            | StoreError::DuplicateCommand { case, .. }
            | StoreError::InvalidAppend { case, .. }
            | StoreError::Corrupt { case, .. }
            | StoreError::UnknownSchema { case, .. }
            | StoreError::Replay { case, .. }
            | StoreError::Contended { case, .. }
            | StoreError::UnknownPolicy { case, .. }
            | StoreError::Desk(
                DeskError::UnknownCase { case }
                | DeskError::CaseExists { case }
                | DeskError::NotOpened { case }
                | DeskError::Refused { case, .. }
                | DeskError::PolicyChanged { case, .. }
                | DeskError::Apply { case, .. },
            ) => Some(case),
            StoreError::Desk(_) | StoreError::DatabaseTooNew { .. } | StoreError::Backend(_) => {
                None
            }
        }
    }
}
