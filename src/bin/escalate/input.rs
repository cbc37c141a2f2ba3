//! Reading what the subcommands work on: policy files, and events from a
//! JSON-lines file, a SQLite file or a PostgreSQL database.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use escalate::policy::Policy;
use escalate::store::{EventStore, PostgresStore, SqliteStore};
use escalate::tools::lines;
use escalate::{CaseId, Event};

use crate::fail::CliError;
use crate::progress::Progress;

/// Reads a policy file: JSON when its name ends in `.json`, TOML otherwise.
pub fn policy(path: &str) -> Result<Policy, CliError> {
    let text = std::fs::read_to_string(path).map_err(|error| CliError::File {
        path: path.to_owned(),
        error,
    })?;
    let loaded = if Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        Policy::from_json_str(&text)
    } else {
        Policy::from_toml_str(&text)
    };
    loaded.map_err(|error| CliError::Policy {
        path: path.to_owned(),
        error,
    })
}

/// The cases of a source of events, each with its events in order, in the
/// order the source first names them.
pub struct Cases {
    /// Each case's id and events.
    pub cases: Vec<(CaseId, Vec<Event>)>,
    /// Lines skipped because they did not read (`--skip-bad`); the first
    /// 20 are reported on standard error as they are read.
    pub skipped: usize,
}

/// Reads every case's events from `source`: a PostgreSQL URL
/// (`postgres://...`; the store's tables in the schema `escalate`, or in
/// the one a `schema=NAME` parameter names), a SQLite file (by its
/// header), `-` for JSON lines on
/// standard input, or a JSON-lines file. A line that does not read stops
/// the run, naming its number, unless `skip_bad`: then it is reported on
/// standard error and skipped.
pub fn events(source: &str, skip_bad: bool) -> Result<Cases, CliError> {
    if source.starts_with("postgres://") || source.starts_with("postgresql://") {
        let (url, schema) = schema_of(source);
        let store = PostgresStore::connect_in(&url, &schema)
            .map_err(|e| CliError::Input(format!("{}: {e}", redact(source))))?;
        return from_store(store, &redact(source));
    }
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| CliError::File {
                path: "standard input".to_owned(),
                error,
            })?;
        text
    } else {
        let bytes = std::fs::read(source).map_err(|error| CliError::File {
            path: source.to_owned(),
            error,
        })?;
        if bytes.starts_with(b"SQLite format 3\0") {
            let store =
                SqliteStore::open(source).map_err(|e| CliError::Input(format!("{source}: {e}")))?;
            return from_store(store, source);
        }
        String::from_utf8(bytes).map_err(|e| {
            let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
                .split(|b| *b == b'\n')
                .count();
            CliError::Input(format!("{source} line {line}: not UTF-8 text"))
        })?
    };
    from_lines(&text, source, skip_bad)
}

/// A line as decoded: nothing for a blank line.
type Decoded = Option<Result<(CaseId, Event), lines::LineError>>;

/// The cases of JSON lines, decoded on every core.
fn from_lines(text: &str, source: &str, skip_bad: bool) -> Result<Cases, CliError> {
    let all: Vec<&str> = text.lines().collect();
    let progress = Progress::new("reading", all.len() as u64);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = all.len().div_ceil(threads.max(1)).max(1);
    let decoded: Vec<Vec<Decoded>> = std::thread::scope(|scope| {
        let handles: Vec<_> = all
            .chunks(chunk)
            .map(|part| {
                let progress = &progress;
                scope.spawn(move || {
                    let out: Vec<_> = part
                        .iter()
                        .map(|line| {
                            let line = line.trim();
                            (!line.is_empty()).then(|| lines::decode(line))
                        })
                        .collect();
                    progress.advance(part.len() as u64);
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|_| {
                    CliError::Input(format!("{source}: a thread reading the lines failed"))
                })
            })
            .collect::<Result<_, _>>()
    })?;
    progress.finish();
    let mut index: HashMap<CaseId, usize> = HashMap::new();
    let mut cases: Vec<(CaseId, Vec<Event>)> = Vec::new();
    let mut skipped = 0;
    for (number, line) in decoded.into_iter().flatten().enumerate() {
        match line {
            None => {}
            Some(Ok((case, event))) => {
                let slot = *index.entry(case.clone()).or_insert_with(|| {
                    cases.push((case, Vec::new()));
                    cases.len() - 1
                });
                cases[slot].1.push(event);
            }
            Some(Err(error)) => {
                let message = format!("{source} line {}: {error}", number + 1);
                if !skip_bad {
                    return Err(CliError::Input(format!(
                        "{message} (--skip-bad skips such lines)"
                    )));
                }
                skipped += 1;
                if skipped <= 20 {
                    eprintln!("escalate: {message}; skipped");
                }
            }
        }
    }
    Ok(Cases { cases, skipped })
}

/// Every case of a store, with all its events: the store reads them in a
/// few queries; a case kept with a snapshot has its early events read too.
fn from_store(mut store: impl EventStore, shown: &str) -> Result<Cases, CliError> {
    let fail = |e: escalate::store::StoreError| CliError::Input(format!("{shown}: {e}"));
    let loaded = store.load_all().map_err(fail)?;
    let progress = Progress::new("reading", loaded.len() as u64);
    let mut cases = Vec::with_capacity(loaded.len());
    for (id, case) in loaded {
        let case = case.map_err(fail)?;
        let events = if case.snapshot.is_some() {
            store.events(&id, 0).map_err(fail)?
        } else {
            case.events
        };
        progress.advance(1);
        cases.push((id, events));
    }
    progress.finish();
    Ok(Cases { cases, skipped: 0 })
}

/// The URL without a `schema=NAME` parameter, and that schema
/// (`escalate` without one).
fn schema_of(url: &str) -> (String, String) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), "escalate".to_owned());
    };
    let mut schema = "escalate".to_owned();
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.strip_prefix("schema=") {
            Some(name) => {
                name.clone_into(&mut schema);
                false
            }
            None => true,
        })
        .collect();
    if rest.is_empty() {
        (base.to_owned(), schema)
    } else {
        (format!("{base}?{}", rest.join("&")), schema)
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            match user.split_once(':') {
                Some((name, _)) => format!("{}{name}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_parameter_is_taken_out_of_the_url() {
        assert_eq!(
            schema_of("postgres://u@h/db?schema=ops&connect_timeout=5"),
            (
                "postgres://u@h/db?connect_timeout=5".to_owned(),
                "ops".to_owned()
            )
        );
        assert_eq!(
            schema_of("postgres://u@h/db?schema=ops"),
            ("postgres://u@h/db".to_owned(), "ops".to_owned())
        );
        assert_eq!(
            schema_of("postgres://u@h/db"),
            ("postgres://u@h/db".to_owned(), "escalate".to_owned())
        );
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://ann:secret@h/db"),
            "postgres://ann:***@h/db"
        );
        assert_eq!(redact("postgres://ann@h/db"), "postgres://ann@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
