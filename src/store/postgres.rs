//! A store in PostgreSQL: many workers on many machines share one database.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};

use super::codec::{RawCase, decode_all};
use super::{
    Append, Due, EVENT_SCHEMA, EventStore, Loaded, LoadedCases, StoreError, check_append,
    commands_of, decode_event, decode_snapshot, encode_event, encode_snapshot,
};
use crate::{CaseId, Event, Snapshot};

/// An [`EventStore`] in PostgreSQL, for any number of worker processes on
/// any number of machines sharing one database.
///
/// # Tables
/// The store keeps its tables in one PostgreSQL schema (`escalate` unless
/// [`connect_in`](Self::connect_in) names another), creates it on first
/// connect and migrates it; creating or migrating it from several
/// processes at once is safe (a transaction-level advisory lock). In it:
///
/// | table | key | holds |
/// |---|---|---|
/// | `events` | `(case_id, version)` | each event: its [`EVENT_SCHEMA`], time and JSON ([`encode_event`]) |
/// | `commands` | `(case_id, command_id)` | the command ids each case recorded |
/// | `snapshots` | `case_id` | the latest snapshot of each case ([`encode_snapshot`]) |
/// | `cases` | `case_id` | each case's version, next wake-up (`due`, indexed) and claim (`claimed_until`) |
/// | `schema_version` | `version` | the migrations applied |
///
/// The role connecting needs to create the schema and its tables the
/// first time (or a newer build's migration); after that, only to read and
/// write the tables.
///
/// # Concurrency
/// An append is one statement (one round trip, one transaction): it moves
/// the case's row in `cases` from the expected version to the new one,
/// which locks the row, so of two writers that saw the same version one
/// appends and the other gets [`StoreError::Conflict`]; in the same
/// statement it records the command ids (a repeat is
/// [`StoreError::DuplicateCommand`]), the events and the next wake-up, and
/// ends any claim. [`claim_due`](EventStore::claim_due) takes due cases
/// with `FOR UPDATE SKIP LOCKED`, so workers claiming at once get disjoint
/// cases; leases run on the database server's clock, so the workers'
/// clocks need not agree.
///
/// # Times
/// PostgreSQL keeps times from 4714-11-24 BC on, to the microsecond;
/// chrono's reach back to 262144 BC, to the nanosecond. Wake-ups are kept
/// to the nanosecond (the nanoseconds below the microsecond in a column
/// of their own), so [`next_wakeup`](EventStore::next_wakeup) and
/// [`claim_due`](EventStore::claim_due) give back exactly what was
/// appended. An event time or a wake-up before 4714-11-24 BC, or on a
/// leap second, is refused with [`StoreError::Backend`] naming the case
/// and the time; nothing is written. A claim at any time works (nothing
/// is due before 4714-11-24 BC).
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::store::{EventStore, PostgresStore, StoreError};
/// let url = std::env::var("ESCALATE_POSTGRES_URL")
///     .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned());
/// # let mut admin = postgres::Client::connect(&url, postgres::NoTls)?;
/// # admin.batch_execute("DROP SCHEMA IF EXISTS escalate_doc_store CASCADE")?;
/// let mut store = PostgresStore::connect_in(&url, "escalate_doc_store")?;
/// let policy = Policy::recommended();
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let now = open.at();
/// let mut case = Case::new("CAB-1".parse()?);
/// let events = case.handle(&policy, open, now)?;
/// for event in &events { case.apply(event)?; }
/// store.append(case.id(), 0, &events, case.next_wakeup(&policy))?;
/// // A second writer that also saw version 0 is refused.
/// let err = store.append(case.id(), 0, &events, None).unwrap_err();
/// assert!(matches!(err, StoreError::Conflict { expected: 0, found: 4, .. }));
/// assert_eq!(store.load(case.id())?.into_case(case.id())?, Some(case));
/// # admin.batch_execute("DROP SCHEMA escalate_doc_store CASCADE")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PostgresStore {
    client: Client,
    schema: String,
    statements: Statements,
}

/// The statements the store runs, prepared once per connection.
struct Statements {
    append_new: Statement,
    append_at: Statement,
    append_many: Statement,
    version: Statement,
    commands_held: Statement,
    load: Statement,
    load_all: Statement,
    events: Statement,
    save_snapshot: Statement,
    claim_due: Statement,
    next_wakeup: Statement,
    cases: Statement,
}

/// The key of the advisory lock taken while creating or migrating a
/// schema (its first half; the second is a hash of the schema's name).
const MIGRATION_LOCK: i32 = 0x6573_6361;

/// The migrations, in order: migration `k` (from 1) takes the schema from
/// version `k - 1` to `k`. `{s}` stands for the quoted schema name.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE {s}.events (
    case_id text COLLATE "C" NOT NULL,
    version bigint NOT NULL CHECK (version > 0),
    schema integer NOT NULL,
    at timestamptz NOT NULL,
    body text NOT NULL,
    CONSTRAINT events_key PRIMARY KEY (case_id, version)
);
CREATE TABLE {s}.commands (
    case_id text COLLATE "C" NOT NULL,
    command_id text COLLATE "C" NOT NULL,
    CONSTRAINT commands_key PRIMARY KEY (case_id, command_id)
);
CREATE TABLE {s}.snapshots (
    case_id text COLLATE "C" NOT NULL,
    version bigint NOT NULL CHECK (version >= 0),
    body text NOT NULL,
    CONSTRAINT snapshots_key PRIMARY KEY (case_id)
);
CREATE TABLE {s}.cases (
    case_id text COLLATE "C" NOT NULL,
    version bigint NOT NULL CHECK (version >= 0),
    due timestamptz,
    due_ns smallint NOT NULL DEFAULT 0 CHECK (due_ns BETWEEN 0 AND 999),
    claimed_until timestamptz,
    CONSTRAINT cases_key PRIMARY KEY (case_id)
);
CREATE INDEX cases_due ON {s}.cases (due, due_ns, case_id);
"#];

/// The earliest time PostgreSQL stores, in seconds since 1970: 4714-11-24
/// 00:00:00 BC.
const EARLIEST_SECOND: i64 = -210_866_803_200;
/// The first second after the latest time PostgreSQL stores: 294277-01-01
/// (later than chrono's latest).
const END_SECOND: i64 = 9_224_318_016_000;
/// Leases longer than this (in microseconds, about 100,000 years) last
/// for ever: the end of one would be past what PostgreSQL stores.
const FOREVER_MICROS: u128 = 100_000 * 366 * 86_400 * 1_000_000;

impl PostgresStore {
    /// Connects to the database at `url` (a libpq-style connection
    /// string or URL, without TLS) and keeps the tables in the schema
    /// `escalate`, creating or migrating it if needed.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database cannot be reached, the
    /// schema cannot be created, or it was migrated by a newer build of
    /// escalate.
    ///
    /// # Example
    /// ```
    /// use escalate::store::{EventStore, PostgresStore};
    /// let url = std::env::var("ESCALATE_POSTGRES_URL")
    ///     .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned());
    /// let store = PostgresStore::connect(&url)?;
    /// assert_eq!(store.schema(), "escalate");
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::connect_in(url, "escalate")
    }

    /// Connects to the database at `url` and keeps the tables in the
    /// PostgreSQL schema `schema` (created and migrated if needed): one
    /// database can hold several stores, each in its own schema.
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    ///
    /// # Example
    /// ```
    /// use escalate::store::{EventStore, PostgresStore};
    /// let url = std::env::var("ESCALATE_POSTGRES_URL")
    ///     .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned());
    /// # let mut admin = postgres::Client::connect(&url, postgres::NoTls)?;
    /// # admin.batch_execute("DROP SCHEMA IF EXISTS escalate_doc_connect_in CASCADE")?;
    /// let mut store = PostgresStore::connect_in(&url, "escalate_doc_connect_in")?;
    /// assert!(store.cases()?.is_empty());
    /// # admin.batch_execute("DROP SCHEMA escalate_doc_connect_in CASCADE")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect_in(url: &str, schema: &str) -> Result<PostgresStore, StoreError> {
        let client = Client::connect(url, NoTls).map_err(StoreError::backend)?;
        PostgresStore::with_client(client, schema)
    }

    /// A store over a connection the host opened (with TLS, say), keeping
    /// the tables in the schema `schema` (created and migrated if needed).
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    ///
    /// # Example
    /// ```
    /// use escalate::store::PostgresStore;
    /// let url = std::env::var("ESCALATE_POSTGRES_URL")
    ///     .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned());
    /// let client = postgres::Client::connect(&url, postgres::NoTls)?;
    /// let store = PostgresStore::with_client(client, "escalate")?;
    /// assert_eq!(store.schema(), "escalate");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_client(mut client: Client, schema: &str) -> Result<PostgresStore, StoreError> {
        let quoted = quote(schema);
        migrate(&mut client, schema, &quoted)?;
        let statements = Statements::prepare(&mut client, &quoted).map_err(StoreError::backend)?;
        Ok(PostgresStore {
            client,
            schema: schema.to_owned(),
            statements,
        })
    }

    /// The PostgreSQL schema holding the store's tables.
    ///
    /// # Example
    /// ```
    /// use escalate::store::PostgresStore;
    /// let url = std::env::var("ESCALATE_POSTGRES_URL")
    ///     .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned());
    /// assert_eq!(PostgresStore::connect(&url)?.schema(), "escalate");
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The version the store holds for `case` (0 for an unknown case).
    fn version_of(&mut self, case: &CaseId) -> Result<u64, StoreError> {
        let row = self
            .client
            .query_opt(&self.statements.version, &[&case.as_str()])
            .map_err(StoreError::backend)?;
        let version: i64 = match row {
            Some(row) => row.try_get(0).map_err(StoreError::backend)?,
            None => 0,
        };
        Ok(u64::try_from(version).unwrap_or(0))
    }

    /// The conflict for an append at `expected` to `case`, with the
    /// version stored now.
    fn conflict(&mut self, case: &CaseId, expected: u64) -> Result<StoreError, StoreError> {
        Ok(StoreError::Conflict {
            case: case.clone(),
            expected,
            found: self.version_of(case)?,
        })
    }

    /// What an append refused before the database means: a conflict if
    /// the case is at another version (a writer at the wrong version hears
    /// of that first), else `error`.
    fn refused(&mut self, case: &CaseId, expected: u64, error: StoreError) -> StoreError {
        match self.version_of(case) {
            Ok(found) if found != expected => StoreError::Conflict {
                case: case.clone(),
                expected,
                found,
            },
            Ok(_) => error,
            Err(failed) => failed,
        }
    }

    /// What a failed append statement means: a conflict, a repeated
    /// command, or a failure of the database.
    fn append_failed(
        &mut self,
        case: &CaseId,
        expected: u64,
        commands: &[String],
        error: postgres::Error,
    ) -> StoreError {
        let Some(db) = error.as_db_error() else {
            return StoreError::backend(error);
        };
        if *db.code() != SqlState::UNIQUE_VIOLATION {
            return StoreError::backend(error);
        }
        match db.constraint() {
            Some("commands_key") => {
                let held = self
                    .client
                    .query(&self.statements.commands_held, &[&case.as_str(), &commands])
                    .map_err(StoreError::backend);
                let held: Vec<String> = match held {
                    Ok(rows) => rows.iter().filter_map(|row| row.try_get(0).ok()).collect(),
                    Err(error) => return error,
                };
                let repeated = commands
                    .iter()
                    .find(|c| held.contains(c))
                    .or(commands.first());
                match repeated.and_then(|c| c.parse().ok()) {
                    Some(command) => StoreError::DuplicateCommand {
                        case: case.clone(),
                        command,
                    },
                    None => StoreError::backend(error),
                }
            }
            Some("events_key") => self.conflict(case, expected).unwrap_or_else(|e| e),
            _ => StoreError::backend(error),
        }
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field("closed", &self.client.is_closed())
            .finish_non_exhaustive()
    }
}

impl EventStore for PostgresStore {
    fn append(
        &mut self,
        case: &CaseId,
        expected: u64,
        events: &[Event],
        wakeup: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let rows = match Rows::of(case, expected, events, wakeup) {
            Ok(rows) => rows,
            Err(error) => return Err(self.refused(case, expected, error)),
        };
        let case_id = case.as_str();
        let Rows {
            expected: at,
            version,
            due,
            due_ns,
            commands,
            versions,
            times,
            bodies,
        } = &rows;
        let schemas = vec![event_schema(); versions.len()];
        let result = if expected == 0 {
            self.client.query_one(
                &self.statements.append_new,
                &[
                    &case_id, version, due, due_ns, commands, versions, &schemas, times, bodies,
                ],
            )
        } else {
            self.client.query_one(
                &self.statements.append_at,
                &[
                    &case_id, version, due, due_ns, commands, versions, &schemas, times, bodies, at,
                ],
            )
        };
        let appended: i64 = match result.and_then(|row| row.try_get(0)) {
            Ok(appended) => appended,
            Err(error) => return Err(self.append_failed(case, expected, commands, error)),
        };
        if appended == 0 {
            return Err(self.conflict(case, expected)?);
        }
        Ok(())
    }

    /// Writes the appends in one statement, so one transaction and one
    /// commit: those whose case is at the expected version go in, the
    /// others are conflicts. A case named twice, an append that would be
    /// refused before the database (events out of place, a time PostgreSQL
    /// does not keep), or a statement that fails (a repeated command id)
    /// falls back to appending one at a time, for each append's own result.
    fn append_many(
        &mut self,
        appends: &[Append<'_>],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let mut named = HashSet::new();
        if appends.len() < 2 || !appends.iter().all(|a| named.insert(a.case)) {
            return Ok(appends
                .iter()
                .map(|a| self.append(a.case, a.expected, a.events, a.wakeup))
                .collect());
        }
        let mut results: Vec<Result<(), StoreError>> = appends.iter().map(|_| Ok(())).collect();
        let mut batch = Vec::with_capacity(appends.len());
        for (k, a) in appends.iter().enumerate() {
            match Rows::of(a.case, a.expected, a.events, a.wakeup) {
                Ok(rows) => batch.push((k, a, rows)),
                Err(error) => results[k] = Err(self.refused(a.case, a.expected, error)),
            }
        }
        if batch.is_empty() {
            return Ok(results);
        }
        let mut input = Input::default();
        for (_, a, rows) in &batch {
            input.add(a.case.as_str(), rows);
        }
        let schemas = vec![event_schema(); input.versions.len()];
        let moved = self.client.query(
            &self.statements.append_many,
            &[
                &input.cases,
                &input.expected,
                &input.version,
                &input.due,
                &input.due_ns,
                &input.command_cases,
                &input.commands,
                &input.event_cases,
                &input.versions,
                &schemas,
                &input.times,
                &input.bodies,
            ],
        );
        let Ok(moved) = moved else {
            for (k, a, _) in &batch {
                results[*k] = self.append(a.case, a.expected, a.events, a.wakeup);
            }
            return Ok(results);
        };
        let moved: HashSet<String> = moved.iter().filter_map(|row| row.try_get(0).ok()).collect();
        for (k, a, _) in &batch {
            if !moved.contains(a.case.as_str()) {
                results[*k] = Err(self
                    .conflict(a.case, a.expected)
                    .unwrap_or_else(|error| error));
            }
        }
        Ok(results)
    }

    fn load(&mut self, case: &CaseId) -> Result<Loaded, StoreError> {
        let rows = self
            .client
            .query(&self.statements.load, &[&case.as_str()])
            .map_err(StoreError::backend)?;
        let mut loaded = Loaded::default();
        for row in &rows {
            let part: i32 = row.try_get(0).map_err(StoreError::backend)?;
            let version: i64 = row.try_get(1).map_err(StoreError::backend)?;
            let body: &str = row.try_get(3).map_err(StoreError::backend)?;
            if part == 0 {
                let version = stored_version(case, version, "snapshot")?;
                loaded.snapshot = Some(decode_snapshot(case, version, body)?);
            } else {
                let schema: i32 = row.try_get(2).map_err(StoreError::backend)?;
                loaded.events.push(event_of(case, version, schema, body)?);
            }
        }
        Ok(loaded)
    }

    fn events(&mut self, case: &CaseId, after: u64) -> Result<Vec<Event>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let rows = self
            .client
            .query(&self.statements.events, &[&case.as_str(), &after])
            .map_err(StoreError::backend)?;
        rows.iter()
            .map(|row| {
                let version: i64 = row.try_get(0).map_err(StoreError::backend)?;
                let schema: i32 = row.try_get(1).map_err(StoreError::backend)?;
                let body: &str = row.try_get(2).map_err(StoreError::backend)?;
                event_of(case, version, schema, body)
            })
            .collect()
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let case = snapshot.case().id();
        let Ok(version) = i64::try_from(snapshot.version()) else {
            return Err(StoreError::backend(std::io::Error::other(format!(
                "case {case}: cannot store a snapshot at version {}: PostgreSQL keeps versions up to {}",
                snapshot.version(),
                i64::MAX
            ))));
        };
        let body = encode_snapshot(snapshot)?;
        self.client
            .execute(
                &self.statements.save_snapshot,
                &[&case.as_str(), &version, &body],
            )
            .map_err(StoreError::backend)?;
        Ok(())
    }

    fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Due>, StoreError> {
        let Some((until, until_ns)) = bound(now) else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let micros = lease.as_nanos().div_ceil(1000);
        let lease: Option<i64> = if micros > FOREVER_MICROS {
            None
        } else {
            i64::try_from(micros).ok()
        };
        let rows = self
            .client
            .query(
                &self.statements.claim_due,
                &[&until, &until_ns, &limit, &lease],
            )
            .map_err(StoreError::backend)?;
        let mut due = rows
            .iter()
            .map(|row| {
                let case: &str = row.try_get(0).map_err(StoreError::backend)?;
                let case = stored_case(case)?;
                let at = stored_due(&case, row.try_get(1), row.try_get(2))?;
                Ok(Due { case, at })
            })
            .collect::<Result<Vec<Due>, StoreError>>()?;
        due.sort_by(|a, b| (a.at, &a.case).cmp(&(b.at, &b.case)));
        Ok(due)
    }

    fn next_wakeup(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = self
            .client
            .query_opt(&self.statements.next_wakeup, &[])
            .map_err(StoreError::backend)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let case: &str = row.try_get(0).map_err(StoreError::backend)?;
        let case = stored_case(case)?;
        stored_due(&case, row.try_get(1), row.try_get(2)).map(Some)
    }

    /// Two queries in one read-only transaction: the cases, then every
    /// snapshot and every event after it, in case and version order.
    fn load_all(&mut self) -> Result<LoadedCases, StoreError> {
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .map_err(StoreError::backend)?;
        let ids = tx
            .query(&self.statements.cases, &[])
            .map_err(StoreError::backend)?;
        let mut all: Vec<(CaseId, Result<RawCase<&str>, StoreError>)> =
            Vec::with_capacity(ids.len());
        let mut index: HashMap<CaseId, usize> = HashMap::with_capacity(ids.len());
        for row in &ids {
            let case: &str = row.try_get(0).map_err(StoreError::backend)?;
            let case = stored_case(case)?;
            index.insert(case.clone(), all.len());
            all.push((case, Ok(RawCase::default())));
        }
        let rows = tx
            .query(&self.statements.load_all, &[])
            .map_err(StoreError::backend)?;
        tx.commit().map_err(StoreError::backend)?;
        for row in &rows {
            let case: &str = row.try_get(0).map_err(StoreError::backend)?;
            let case = stored_case(case)?;
            let Some(&at) = index.get(&case) else {
                continue; // appended after the list of cases was read
            };
            let Ok(raw) = &mut all[at].1 else {
                continue; // a row of this case did not read already
            };
            let part: i32 = row.try_get(1).map_err(StoreError::backend)?;
            let version: i64 = row.try_get(2).map_err(StoreError::backend)?;
            let body: &str = row.try_get(4).map_err(StoreError::backend)?;
            let read = if part == 0 {
                stored_version(&case, version, "snapshot")
                    .map(|version| raw.snapshot = Some((version, body)))
            } else {
                let schema: i32 = row.try_get(3).map_err(StoreError::backend)?;
                stored_schema(&case, version, schema)
                    .map(|(version, schema)| raw.events.push((version, schema, body)))
            };
            if let Err(error) = read {
                all[at].1 = Err(error);
            }
        }
        Ok(decode_all(all))
    }

    fn cases(&mut self) -> Result<Vec<CaseId>, StoreError> {
        let rows = self
            .client
            .query(&self.statements.cases, &[])
            .map_err(StoreError::backend)?;
        rows.iter()
            .map(|row| {
                let case: &str = row.try_get(0).map_err(StoreError::backend)?;
                stored_case(case)
            })
            .collect()
    }
}

impl Statements {
    fn prepare(client: &mut Client, s: &str) -> Result<Statements, postgres::Error> {
        let mut prepare = |sql: &str| client.prepare(&sql.replace("{s}", s));
        Ok(Statements {
            append_new: prepare(&format!("{APPEND_NEW} {APPEND_REST}"))?,
            append_at: prepare(&format!("{APPEND_AT} {APPEND_REST}"))?,
            append_many: prepare(APPEND_MANY)?,
            version: prepare("SELECT version FROM {s}.cases WHERE case_id = $1")?,
            commands_held: prepare(
                "SELECT command_id FROM {s}.commands WHERE case_id = $1 AND command_id = ANY($2)",
            )?,
            load: prepare(LOAD)?,
            load_all: prepare(LOAD_ALL)?,
            events: prepare(
                "SELECT version, schema, body FROM {s}.events
                 WHERE case_id = $1 AND version > $2 ORDER BY version",
            )?,
            save_snapshot: prepare(SAVE_SNAPSHOT)?,
            claim_due: prepare(CLAIM_DUE)?,
            next_wakeup: prepare(
                "SELECT case_id, due, due_ns FROM {s}.cases WHERE due IS NOT NULL
                 ORDER BY due, due_ns, case_id LIMIT 1",
            )?,
            cases: prepare("SELECT case_id FROM {s}.cases WHERE version > 0 ORDER BY case_id")?,
        })
    }
}

// The statements; `{s}` stands for the quoted schema name.

/// An append to a new case (at version 0): its row in `cases` is created,
/// or moved from version 0 (a case with a wake-up only).
const APPEND_NEW: &str = "WITH head AS (
    INSERT INTO {s}.cases AS c (case_id, version, due, due_ns, claimed_until)
    VALUES ($1, $2, $3, $4, NULL)
    ON CONFLICT (case_id) DO UPDATE
    SET version = EXCLUDED.version, due = EXCLUDED.due, due_ns = EXCLUDED.due_ns,
        claimed_until = NULL
    WHERE c.version = 0
    RETURNING 1
),";

/// An append to a case at version `$10`: its row in `cases` moves from it.
const APPEND_AT: &str = "WITH head AS (
    UPDATE {s}.cases
    SET version = $2, due = $3, due_ns = $4, claimed_until = NULL
    WHERE case_id = $1 AND version = $10
    RETURNING 1
),";

/// The rest of an append once its row moved (`head` has a row): the
/// command ids and the events; then whether the row moved.
const APPEND_REST: &str = "cmds AS (
    INSERT INTO {s}.commands (case_id, command_id)
    SELECT $1, c FROM head, unnest($5::text[]) AS c
), evs AS (
    INSERT INTO {s}.events (case_id, version, schema, at, body)
    SELECT $1, e.v, e.s, e.a, e.b
    FROM head, unnest($6::bigint[], $7::integer[], $8::timestamptz[], $9::text[]) AS e(v, s, a, b)
)
SELECT count(*) FROM head";

/// Appends to several distinct cases: those whose row moves from the
/// expected version get their command ids and events; their ids come back.
const APPEND_MANY: &str = "WITH input AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::smallint[])
        AS i(case_id, expected, version, due, due_ns)
), moved AS (
    UPDATE {s}.cases AS c
    SET version = i.version, due = i.due, due_ns = i.due_ns, claimed_until = NULL
    FROM input AS i
    WHERE c.case_id = i.case_id AND c.version = i.expected AND i.expected > 0
    RETURNING c.case_id
), created AS (
    INSERT INTO {s}.cases AS c (case_id, version, due, due_ns, claimed_until)
    SELECT case_id, version, due, due_ns, NULL FROM input WHERE expected = 0
    ON CONFLICT (case_id) DO UPDATE
    SET version = EXCLUDED.version, due = EXCLUDED.due, due_ns = EXCLUDED.due_ns,
        claimed_until = NULL
    WHERE c.version = 0
    RETURNING c.case_id
), head AS (
    SELECT case_id FROM moved UNION ALL SELECT case_id FROM created
), cmds AS (
    INSERT INTO {s}.commands (case_id, command_id)
    SELECT x.case_id, x.command_id
    FROM unnest($6::text[], $7::text[]) AS x(case_id, command_id)
    JOIN head ON head.case_id = x.case_id
), evs AS (
    INSERT INTO {s}.events (case_id, version, schema, at, body)
    SELECT e.case_id, e.v, e.s, e.a, e.b
    FROM unnest($8::text[], $9::bigint[], $10::integer[], $11::timestamptz[], $12::text[])
        AS e(case_id, v, s, a, b)
    JOIN head ON head.case_id = e.case_id
)
SELECT case_id FROM head";

/// A case's snapshot and the events after it, read at one instant.
const LOAD: &str =
    "SELECT 0 AS part, version, 0 AS schema, body FROM {s}.snapshots WHERE case_id = $1
UNION ALL
SELECT 1, version, schema, body FROM {s}.events
WHERE case_id = $1 AND version > coalesce((SELECT version FROM {s}.snapshots WHERE case_id = $1), 0)
ORDER BY 1, 2";

/// Every case (with events) in id order: its snapshot (part 0), then its
/// events after the snapshot (part 1), in version order. Case ids sort in
/// byte order, as in Rust.
const LOAD_ALL: &str = "SELECT case_id, part, version, schema, body FROM (
SELECT c.case_id, 0 AS part, k.version, 0 AS schema, k.body
FROM {s}.cases c JOIN {s}.snapshots k ON k.case_id = c.case_id WHERE c.version > 0
UNION ALL
SELECT e.case_id, 1, e.version, e.schema, e.body
FROM {s}.events e LEFT JOIN {s}.snapshots k ON k.case_id = e.case_id
WHERE e.version > coalesce(k.version, 0)
) AS rows ORDER BY case_id COLLATE \"C\", part, version";

/// Keeps a snapshot unless a later one is kept.
const SAVE_SNAPSHOT: &str = "INSERT INTO {s}.snapshots AS k (case_id, version, body)
VALUES ($1, $2, $3)
ON CONFLICT (case_id) DO UPDATE SET version = EXCLUDED.version, body = EXCLUDED.body
WHERE k.version < EXCLUDED.version";

/// Claims up to `$3` cases due by `($1, $2)` with no live claim, for `$4`
/// microseconds of the server's clock (NULL: for ever); rows another
/// transaction holds are skipped.
const CLAIM_DUE: &str = "WITH picked AS (
    SELECT case_id FROM {s}.cases
    WHERE (due, due_ns) <= ($1, $2) AND (claimed_until IS NULL OR claimed_until <= now())
    ORDER BY due, due_ns, case_id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE {s}.cases AS c
SET claimed_until = CASE WHEN $4::bigint IS NULL THEN 'infinity'::timestamptz
                         ELSE now() + $4::bigint * interval '1 microsecond' END
FROM picked
WHERE c.case_id = picked.case_id
RETURNING c.case_id, c.due, c.due_ns";

/// An append's rows, checked and ready to bind.
struct Rows {
    expected: i64,
    version: i64,
    due: Option<DateTime<Utc>>,
    due_ns: i16,
    commands: Vec<String>,
    versions: Vec<i64>,
    times: Vec<DateTime<Utc>>,
    bodies: Vec<String>,
}

impl Rows {
    /// The rows of an append, or why it cannot go in whatever the
    /// database holds: events out of place ([`check_append`]), a time
    /// PostgreSQL does not keep, a version past PostgreSQL's integers.
    fn of(
        case: &CaseId,
        expected: u64,
        events: &[Event],
        wakeup: Option<DateTime<Utc>>,
    ) -> Result<Rows, StoreError> {
        check_append(case, expected, events)?;
        let too_far = || {
            StoreError::backend(std::io::Error::other(format!(
                "case {case}: cannot store versions past {}",
                i64::MAX
            )))
        };
        let expected_row = i64::try_from(expected).map_err(|_| too_far())?;
        let version =
            i64::try_from(expected.saturating_add(events.len() as u64)).map_err(|_| too_far())?;
        let (due, due_ns) = match wakeup {
            None => (None, 0),
            Some(wakeup) => {
                let (due, ns) = split(wakeup).map_err(|problem| {
                    StoreError::backend(Unstorable {
                        place: format!("case {case}"),
                        what: "wake-up",
                        at: wakeup,
                        problem,
                    })
                })?;
                (Some(due), ns)
            }
        };
        let mut versions = Vec::with_capacity(events.len());
        let mut times = Vec::with_capacity(events.len());
        let mut bodies = Vec::with_capacity(events.len());
        for event in events {
            if let Err(problem) = split(event.at()) {
                return Err(StoreError::backend(Unstorable {
                    place: format!("case {case}, version {}", event.version()),
                    what: "event time",
                    at: event.at(),
                    problem,
                }));
            }
            versions.push(i64::try_from(event.version()).map_err(|_| too_far())?);
            times.push(event.at());
            bodies.push(encode_event(event)?);
        }
        let commands = commands_of(events)
            .into_iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        Ok(Rows {
            expected: expected_row,
            version,
            due,
            due_ns,
            commands,
            versions,
            times,
            bodies,
        })
    }
}

/// The rows of several appends, as the arrays one statement takes.
#[derive(Default)]
struct Input<'a> {
    cases: Vec<&'a str>,
    expected: Vec<i64>,
    version: Vec<i64>,
    due: Vec<Option<DateTime<Utc>>>,
    due_ns: Vec<i16>,
    command_cases: Vec<&'a str>,
    commands: Vec<&'a str>,
    event_cases: Vec<&'a str>,
    versions: Vec<i64>,
    times: Vec<DateTime<Utc>>,
    bodies: Vec<&'a str>,
}

impl<'a> Input<'a> {
    fn add(&mut self, case: &'a str, rows: &'a Rows) {
        self.cases.push(case);
        self.expected.push(rows.expected);
        self.version.push(rows.version);
        self.due.push(rows.due);
        self.due_ns.push(rows.due_ns);
        for command in &rows.commands {
            self.command_cases.push(case);
            self.commands.push(command);
        }
        for ((version, time), body) in rows.versions.iter().zip(&rows.times).zip(&rows.bodies) {
            self.event_cases.push(case);
            self.versions.push(*version);
            self.times.push(*time);
            self.bodies.push(body);
        }
    }
}

/// [`EVENT_SCHEMA`] as PostgreSQL's integer.
fn event_schema() -> i32 {
    i32::try_from(EVENT_SCHEMA).unwrap_or(i32::MAX)
}

/// Creates the schema and its tables if needed and applies the migrations
/// it lacks, under an advisory lock so that processes starting together
/// take turns.
fn migrate(client: &mut Client, schema: &str, s: &str) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(StoreError::backend)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&MIGRATION_LOCK, &schema],
    )
    .map_err(StoreError::backend)?;
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .map_err(StoreError::backend)?
        .is_some();
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {s}"))
            .map_err(StoreError::backend)?;
    }
    // Created only when missing, so that a role without CREATE can work
    // in a schema made for it.
    let versioned = tx
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("{s}.schema_version")],
        )
        .and_then(|row| row.try_get::<_, bool>(0))
        .map_err(StoreError::backend)?;
    if !versioned {
        tx.batch_execute(&format!(
            "CREATE TABLE {s}.schema_version (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )"
        ))
        .map_err(StoreError::backend)?;
    }
    let current: Option<i32> = tx
        .query_one(&format!("SELECT max(version) FROM {s}.schema_version"), &[])
        .and_then(|row| row.try_get(0))
        .map_err(StoreError::backend)?;
    let current = usize::try_from(current.unwrap_or(0)).unwrap_or(0);
    if current > MIGRATIONS.len() {
        return Err(StoreError::backend(std::io::Error::other(format!(
            "schema {schema}: the tables are at version {current}, newer than this build of escalate knows (up to {})",
            MIGRATIONS.len()
        ))));
    }
    for (k, migration) in MIGRATIONS.iter().enumerate().skip(current) {
        let version = i32::try_from(k + 1).unwrap_or(i32::MAX);
        tx.batch_execute(&migration.replace("{s}", s))
            .map_err(StoreError::backend)?;
        tx.execute(
            &format!("INSERT INTO {s}.schema_version (version) VALUES ($1)"),
            &[&version],
        )
        .map_err(StoreError::backend)?;
    }
    tx.commit().map_err(StoreError::backend)
}

/// `name` as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Why a time cannot be stored.
#[derive(Clone, Copy, Debug)]
enum TimeProblem {
    OutOfRange,
    LeapSecond,
}

/// A time that PostgreSQL cannot store.
#[derive(Debug)]
struct Unstorable {
    place: String,
    what: &'static str,
    at: DateTime<Utc>,
    problem: TimeProblem,
}

impl fmt::Display for Unstorable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Unstorable {
            place, what, at, ..
        } = self;
        match self.problem {
            TimeProblem::OutOfRange => write!(
                f,
                "{place}: cannot store the {what} {at}: PostgreSQL keeps times from 4714-11-24 BC on"
            ),
            TimeProblem::LeapSecond => write!(
                f,
                "{place}: cannot store the {what} {at}: it is a leap second, which PostgreSQL does not keep"
            ),
        }
    }
}

impl std::error::Error for Unstorable {}

/// A time as the store keeps it: whole microseconds (a `timestamptz`) and
/// the nanoseconds below them.
fn split(at: DateTime<Utc>) -> Result<(DateTime<Utc>, i16), TimeProblem> {
    if !(EARLIEST_SECOND..END_SECOND).contains(&at.timestamp()) {
        return Err(TimeProblem::OutOfRange);
    }
    let nanos = at.timestamp_subsec_nanos();
    if nanos >= 1_000_000_000 {
        return Err(TimeProblem::LeapSecond);
    }
    let below = nanos % 1000;
    let micros = at
        .checked_sub_signed(TimeDelta::nanoseconds(i64::from(below)))
        .ok_or(TimeProblem::OutOfRange)?;
    Ok((micros, i16::try_from(below).unwrap_or(0)))
}

/// `now` as a bound for due wake-ups: the latest stored time at or before
/// it (`None`: before every time PostgreSQL keeps, so nothing is due).
fn bound(now: DateTime<Utc>) -> Option<(DateTime<Utc>, i16)> {
    let second = now.timestamp();
    if second < EARLIEST_SECOND {
        return None;
    }
    let last =
        |second: i64| DateTime::from_timestamp(second, 999_999_000).map(|micros| (micros, 999));
    if second >= END_SECOND {
        return last(END_SECOND - 1);
    }
    match split(now) {
        Ok(split) => Some(split),
        // A leap second: after every other instant of its second.
        Err(_) => last(second),
    }
}

/// A case id read from the database.
fn stored_case(text: &str) -> Result<CaseId, StoreError> {
    text.parse::<CaseId>().map_err(|error| {
        StoreError::backend(std::io::Error::other(format!(
            "the stored case id {text:?} does not read: {error}"
        )))
    })
}

/// A wake-up read from the database: its microseconds and nanoseconds.
fn stored_due(
    case: &CaseId,
    due: Result<DateTime<Utc>, postgres::Error>,
    ns: Result<i16, postgres::Error>,
) -> Result<DateTime<Utc>, StoreError> {
    let due = due.map_err(StoreError::backend)?;
    let ns = ns.map_err(StoreError::backend)?;
    due.checked_add_signed(TimeDelta::nanoseconds(i64::from(ns)))
        .ok_or_else(|| {
            StoreError::backend(std::io::Error::other(format!(
                "case {case}: the stored wake-up {due} and {ns} ns does not read"
            )))
        })
}

/// A stored version, which is never negative in a table the store wrote.
fn stored_version(case: &CaseId, version: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(version).map_err(|_| StoreError::Corrupt {
        case: case.clone(),
        version: 0,
        what,
        reason: format!("the stored version is {version}"),
    })
}

/// An event read from a row.
fn event_of(case: &CaseId, version: i64, schema: i32, body: &str) -> Result<Event, StoreError> {
    let (version, schema) = stored_schema(case, version, schema)?;
    decode_event(case, version, schema, body)
}

/// A stored event's version and schema, which are never negative.
fn stored_schema(case: &CaseId, version: i64, schema: i32) -> Result<(u64, u32), StoreError> {
    let version = stored_version(case, version, "event")?;
    let schema = u32::try_from(schema).map_err(|_| StoreError::Corrupt {
        case: case.clone(),
        version,
        what: "event",
        reason: format!("the stored schema is {schema}"),
    })?;
    Ok((version, schema))
}
