//! How events and snapshots are stored: the crate's JSON, with a schema
//! version beside each event so that a later build reads older rows.

use serde_json::Value;

use super::StoreError;
use crate::{CaseId, Event, Snapshot};

/// The schema version of the event JSON this build writes.
///
/// Stores keep it beside each event. When the event JSON changes in a way
/// an older row would not read, the number goes up and [`decode_event`]
/// upcasts rows of every older schema to today's form; rows of a newer
/// schema are refused ([`StoreError::UnknownSchema`]).
///
/// | schema | since | form |
/// |---|---|---|
/// | 1 | 0.2 | the event JSON of [`Event`]'s serde form |
pub const EVENT_SCHEMA: u32 = 1;

/// An event as a store keeps it: its JSON, to store with [`EVENT_SCHEMA`].
///
/// # Errors
/// [`StoreError::Backend`] if the event cannot be written as JSON (not
/// seen: every event can).
///
/// # Example
/// ```
/// use escalate::{Actor, Event, EventKind, Outcome};
/// use escalate::store::{decode_event, encode_event, EVENT_SCHEMA};
/// let event = Event::new(9, "2021-03-26T16:00:00Z".parse()?, Actor::System, None,
///     EventKind::Closed { outcome: Outcome::Lost, review: None });
/// let text = encode_event(&event)?;
/// assert_eq!(decode_event(&"CAB-1".parse()?, 9, EVENT_SCHEMA, &text)?, event);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode_event(event: &Event) -> Result<String, StoreError> {
    serde_json::to_string(event).map_err(StoreError::backend)
}

/// Reads a stored event: `text` written under `schema`, stored as the
/// case's `version`. Older schemas are upcast to today's form.
///
/// # Errors
/// [`StoreError::UnknownSchema`] for a schema newer than
/// [`EVENT_SCHEMA`]; [`StoreError::Corrupt`] for text that is not an
/// event, a schema 0, or an event whose version is not the row's.
///
/// # Example
/// ```
/// use escalate::store::{decode_event, StoreError};
/// let case = "CAB-1".parse()?;
/// let err = decode_event(&case, 4, 1, "{\"version\": 4").unwrap_err();
/// assert!(matches!(err, StoreError::Corrupt { version: 4, what: "event", .. }));
/// assert!(err.to_string().starts_with("case CAB-1, version 4: the stored event does not read: "));
/// let err = decode_event(&case, 4, 7, "{}").unwrap_err();
/// assert_eq!(err.to_string(),
///     "case CAB-1, version 4: event schema 7 is newer than this build of escalate reads (up to 1)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_event(
    case: &CaseId,
    version: u64,
    schema: u32,
    text: &str,
) -> Result<Event, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        case: case.clone(),
        version,
        what: "event",
        reason,
    };
    if schema > EVENT_SCHEMA {
        return Err(StoreError::UnknownSchema {
            case: case.clone(),
            version,
            schema,
            known: EVENT_SCHEMA,
        });
    }
    if schema == 0 {
        return Err(corrupt("schema 0 was never written".to_owned()));
    }
    let event: Event = if schema == EVENT_SCHEMA {
        // Today's form reads directly, without a JSON tree in between.
        serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?
    } else {
        let value: Value = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
        serde_json::from_value(upcast(schema, value)).map_err(|e| corrupt(e.to_string()))?
    };
    if event.version() != version {
        return Err(corrupt(format!(
            "the event says version {}",
            event.version()
        )));
    }
    Ok(event)
}

/// Rewrites an event's JSON of schema `from` into today's form, one schema
/// at a time. Schema 1 is today's.
fn upcast(from: u32, value: Value) -> Value {
    // Each later schema adds a step here: `if from < 2 { value = v1_to_v2(value) }`.
    let _ = from;
    value
}

/// A snapshot as a store keeps it: its JSON (it carries its own format
/// number, [`Snapshot::FORMAT`]).
///
/// # Errors
/// [`StoreError::Backend`] if the snapshot cannot be written as JSON (not
/// seen).
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::store::{decode_snapshot, encode_snapshot};
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let now = open.at();
/// let mut case = Case::new("CAB-1".parse()?);
/// for event in case.handle(&Policy::recommended(), open, now)? { case.apply(&event)?; }
/// let text = encode_snapshot(&case.snapshot())?;
/// assert_eq!(decode_snapshot(case.id(), case.version(), &text)?.case(), &case);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode_snapshot(snapshot: &Snapshot) -> Result<String, StoreError> {
    serde_json::to_string(snapshot).map_err(StoreError::backend)
}

/// Reads a stored snapshot of `case` at `version`.
///
/// # Errors
/// [`StoreError::Corrupt`] for text that is not a snapshot, a snapshot of
/// another format, of another case or at another version.
///
/// # Example
/// ```
/// use escalate::store::{decode_snapshot, StoreError};
/// let err = decode_snapshot(&"CAB-1".parse()?, 12, r#"{"format": 99, "case": {}}"#).unwrap_err();
/// assert!(matches!(err, StoreError::Corrupt { what: "snapshot", version: 12, .. }));
/// assert!(err.to_string().contains("snapshot format 99 is not supported"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_snapshot(case: &CaseId, version: u64, text: &str) -> Result<Snapshot, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        case: case.clone(),
        version,
        what: "snapshot",
        reason,
    };
    let snapshot: Snapshot = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    if snapshot.case().id() != case {
        return Err(corrupt(format!(
            "it is a snapshot of case {}",
            snapshot.case().id()
        )));
    }
    if snapshot.version() != version {
        return Err(corrupt(format!(
            "it is a snapshot at version {}",
            snapshot.version()
        )));
    }
    Ok(snapshot)
}

/// A case's rows as a store read them for [`load_all`](super::EventStore::load_all),
/// not yet decoded: a store reads every case's rows first, then decodes
/// them all with [`decode_all`], on every core.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct RawCase<S> {
    /// The latest snapshot: its version and body.
    pub(crate) snapshot: Option<(u64, S)>,
    /// The events after it: version, schema and body, in any order.
    pub(crate) events: Vec<(u64, u32, S)>,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<S> Default for RawCase<S> {
    fn default() -> Self {
        RawCase {
            snapshot: None,
            events: Vec::new(),
        }
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<S: AsRef<str>> RawCase<S> {
    /// The rows decoded: the snapshot, and the events after it in order.
    fn decode(&self, case: &CaseId) -> Result<super::Loaded, StoreError> {
        // The events to keep: those after the snapshot (every one without).
        let after = self.snapshot.as_ref().map_or(0, |(version, _)| *version);
        let snapshot = self
            .snapshot
            .as_ref()
            .map(|(version, body)| decode_snapshot(case, *version, body.as_ref()))
            .transpose()?;
        let mut rows: Vec<&(u64, u32, S)> = self
            .events
            .iter()
            .filter(|(version, _, _)| *version > after)
            .collect();
        if !rows.is_sorted_by_key(|(version, _, _)| *version) {
            rows.sort_unstable_by_key(|(version, _, _)| *version);
        }
        let events = rows
            .into_iter()
            .map(|(version, schema, body)| decode_event(case, *version, *schema, body.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(super::Loaded { snapshot, events })
    }
}

/// Decodes the rows of every case, on every core (see `crate::par`), in
/// the order given; a case whose rows do not read gets its error.
///
/// The threads read the rows and do not drop them: they are dropped here,
/// on the thread that read them, after the others are done. (Memory freed
/// on another thread than the one that took it makes the threads wait on
/// each other's allocator: it cost as much as the threads saved.)
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn decode_all<S: AsRef<str> + Sync>(
    cases: Vec<(CaseId, Result<RawCase<S>, StoreError>)>,
) -> super::LoadedCases {
    let rows: Vec<(&CaseId, Option<&RawCase<S>>)> = cases
        .iter()
        .map(|(case, raw)| (case, raw.as_ref().ok()))
        .collect();
    let decoded = crate::par::map(rows, |(case, raw)| raw.map(|raw| raw.decode(case)));
    cases
        .into_iter()
        .zip(decoded)
        .map(|((case, raw), decoded)| {
            let loaded = match raw {
                Err(error) => Err(error),
                Ok(raw) => decoded.unwrap_or_else(|| raw.decode(&case)),
            };
            (case, loaded)
        })
        .collect()
}
