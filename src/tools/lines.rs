//! JSON lines of events: one event per line, the crate's event JSON with
//! the case's id added under `"case"` (written first):
//!
//! ```text
//! {"case":"CAB-1","version":1,"at":"2021-03-04T20:10:00Z","actor":"customer","command":"w1","kind":{"type":"opened",...}}
//! ```
//!
//! This is what `escalate simulate --out FILE` writes and what
//! `escalate what-if` and `escalate report` read. Lines of many cases may be
//! interleaved; each case's lines are in version order.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::{Actor, CaseId, CommandId, Event, EventKind};

/// One event as a line: the case's id, then the event's own fields.
///
/// # Example
/// ```
/// use escalate::{Actor, Event, EventKind, Outcome};
/// use escalate::tools::lines;
/// let event = Event::new(9, "2021-03-26T16:00:00Z".parse()?, Actor::System, None,
///     EventKind::Closed { outcome: Outcome::Lost, review: None });
/// let line = lines::encode(&"CAB-1".parse()?, &event)?;
/// assert!(line.starts_with(r#"{"case":"CAB-1","version":9,"#), "{line}");
/// assert_eq!(lines::decode(&line)?, ("CAB-1".parse()?, event));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LineError`] if the event cannot be written as JSON (not seen: every
/// event can).
pub fn encode(case: &CaseId, event: &Event) -> Result<String, LineError> {
    let body = serde_json::to_string(event).map_err(|e| LineError(e.to_string()))?;
    let id = serde_json::to_string(case.as_str()).map_err(|e| LineError(e.to_string()))?;
    // An event is a JSON object: its text starts with `{`.
    let rest = body.strip_prefix('{').unwrap_or(&body);
    let mut line = String::with_capacity(body.len() + id.len() + 10);
    line.push_str("{\"case\":");
    line.push_str(&id);
    if rest != "}" {
        line.push(',');
    }
    line.push_str(rest);
    Ok(line)
}

/// Reads one line: the case's id and the event.
///
/// # Errors
/// [`LineError`] saying what is wrong and at which column: not JSON, no
/// `"case"`, an event field missing or malformed.
///
/// # Example
/// ```
/// use escalate::tools::lines;
/// let err = lines::decode(r#"{"version":1}"#).unwrap_err();
/// assert_eq!(err.to_string(), "missing field `case` at line 1 column 13");
/// // A line cut short: serde_json's words, with the column.
/// let err = lines::decode("{\"case\":\"A-1\",").unwrap_err().to_string();
/// assert!(err.starts_with("EOF while parsing"), "{err}");
/// assert!(err.ends_with(" at line 1 column 14"), "{err}");
/// ```
pub fn decode(line: &str) -> Result<(CaseId, Event), LineError> {
    let line: Line = serde_json::from_str(line).map_err(|e| LineError(e.to_string()))?;
    Ok((
        line.case,
        Event::new(line.version, line.at, line.actor, line.command, line.kind),
    ))
}

/// A line as read: the case's id beside the event's fields.
#[derive(Deserialize)]
struct Line {
    case: CaseId,
    version: u64,
    at: DateTime<Utc>,
    actor: Actor,
    #[serde(default)]
    command: Option<CommandId>,
    kind: EventKind,
}

/// A line that does not read as an event of a case, or an event that does
/// not write: serde's message, with the column.
///
/// # Example
/// ```
/// use escalate::tools::lines;
/// let err = lines::decode("not json").unwrap_err();
/// assert_eq!(err.to_string(), "expected ident at line 1 column 2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError(String);

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LineError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    #[test]
    fn a_line_reads_back_with_ids_that_need_escaping() {
        let event = Event::new(
            3,
            "2021-03-26T16:00:00Z".parse().unwrap(),
            Actor::Customer,
            Some("c \"7\"".parse().unwrap()),
            EventKind::Closed {
                outcome: Outcome::Lost,
                review: None,
            },
        );
        let case: CaseId = "CAB \"1\" \\ é".parse().unwrap();
        let line = encode(&case, &event).unwrap();
        assert_eq!(decode(&line).unwrap(), (case, event));
    }

    #[test]
    fn a_line_without_a_valid_case_id_is_refused() {
        let err = decode(r#"{"case":"","version":1}"#).unwrap_err();
        assert!(err.to_string().contains("case"), "{err}");
    }
}
