//! Snapshots: a case's state stored as data, so that loading it does not
//! replay its whole history.

use std::borrow::Borrow;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::{Case, Event, ReplayError};

/// A case's state at one version, to store beside its events and load
/// instead of replaying them all: `snapshot + events after it` gives the
/// same case as replaying every event.
///
/// A snapshot serializes (with serde) as `{"format": 1, "case": {...}}`. The
/// format number names the layout of the case's state; it changes whenever
/// that layout does, and a snapshot of another format is refused when read
/// (replay the events instead, and take a new snapshot). The events stay
/// the record: a snapshot is a cache of them.
///
/// # Example
/// ```
/// use escalate::{Case, Command, Snapshot};
/// use escalate::policy::Policy;
/// let policy = Policy::recommended();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T15:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
/// ]"#)?;
/// let mut log = Vec::new();
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
/// }
/// // Store a snapshot after the opening (two events), then load it with the rest.
/// let stored = serde_json::to_string(&Case::replay(&log[..2])?.snapshot())?;
/// let snapshot: Snapshot = serde_json::from_str(&stored)?;
/// assert_eq!(snapshot.version(), 2);
/// assert_eq!(snapshot.resume(&log[2..])?, case);
/// // Another format is refused with a clear message.
/// let err = serde_json::from_str::<Snapshot>(r#"{"format": 99, "case": {}}"#).unwrap_err();
/// assert!(err.to_string().starts_with(
///     "snapshot format 99 is not supported: this build of escalate reads format 1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    format: u32,
    case: Case,
}

impl Snapshot {
    /// The snapshot format this build writes and reads.
    ///
    /// # Example
    /// ```
    /// assert_eq!(escalate::Snapshot::FORMAT, 1);
    /// ```
    pub const FORMAT: u32 = 1;

    /// The version of the case when the snapshot was taken: the events to
    /// apply after it are those numbered from `version() + 1`.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// assert_eq!(Case::new("CAB-1".parse()?).snapshot().version(), 0);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> u64 {
        self.case.version()
    }

    /// The case as it was when the snapshot was taken.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// let case = Case::new("CAB-1".parse()?);
    /// assert_eq!(case.snapshot().case(), &case);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn case(&self) -> &Case {
        &self.case
    }

    /// The case, with the events recorded after the snapshot applied in
    /// order (the first must be numbered `version() + 1`).
    ///
    /// # Errors
    /// [`ReplayError`] naming the position (in `events`, from 0) of the
    /// first event that does not apply.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Event, ReplayError};
    /// let snapshot = Case::new("CAB-1".parse()?).snapshot();
    /// // No events after it: the case as it was.
    /// assert_eq!(snapshot.clone().resume(Vec::<Event>::new())?, Case::new("CAB-1".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resume<E: Borrow<Event>>(
        self,
        events: impl IntoIterator<Item = E>,
    ) -> Result<Case, ReplayError> {
        let mut case = self.case;
        for (position, event) in events.into_iter().enumerate() {
            case.apply(event.borrow())
                .map_err(|error| ReplayError::at(position, error))?;
        }
        Ok(case)
    }
}

impl Case {
    /// The case's state as a [`Snapshot`], to store and load instead of
    /// replaying every event.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Snapshot};
    /// let case = Case::new("CAB-1".parse()?);
    /// let json = serde_json::to_string(&case.snapshot())?;
    /// let back: Snapshot = serde_json::from_str(&json)?;
    /// assert_eq!(back.case(), &case);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            format: Snapshot::FORMAT,
            case: self.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for Snapshot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Snapshot", &["format", "case"], SnapshotVisitor)
    }
}

/// Reads `format` first, and the case only in a format this build knows.
struct SnapshotVisitor;

impl<'de> Visitor<'de> for SnapshotVisitor {
    type Value = Snapshot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a snapshot: {\"format\": 1, \"case\": {...}}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Snapshot, A::Error> {
        let mut format = None;
        let mut case = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => {
                    let found: u32 = map.next_value()?;
                    if found != Snapshot::FORMAT {
                        return Err(de::Error::custom(format!(
                            "snapshot format {found} is not supported: this build of escalate \
                             reads format {}; replay the case's events instead",
                            Snapshot::FORMAT
                        )));
                    }
                    format = Some(found);
                }
                "case" if format.is_none() => {
                    return Err(de::Error::custom(
                        "a snapshot's `format` must come before its `case`",
                    ));
                }
                "case" => case = Some(map.next_value::<Case>()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let format = format.ok_or_else(|| de::Error::missing_field("format"))?;
        let case = case.ok_or_else(|| de::Error::missing_field("case"))?;
        Ok(Snapshot { format, case })
    }
}
