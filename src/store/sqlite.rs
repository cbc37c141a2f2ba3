//! A store in one SQLite file (feature `sqlite`).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior};

use super::codec::{RawCase, decode_all};
use super::{
    Append, Due, EVENT_SCHEMA, EventStore, Loaded, LoadedCases, StoreError, check_append,
    commands_of, decode_event, decode_snapshot, encode_event, encode_snapshot,
};
use crate::{CaseId, Event, Snapshot};

/// An [`EventStore`] in one SQLite file, with SQLite compiled in:
/// embedded, for a host that runs on one machine. Available with the crate
/// feature `sqlite`.
///
/// The store keeps its tables, all named `escalate_*`, in the file it is
/// given (a host may keep its own tables beside them), and creates and
/// migrates them itself: the table `escalate_schema` records each
/// migration applied, and a file whose schema is newer than this build
/// knows is refused ([`StoreError::DatabaseTooNew`]) and left as it is.
///
/// | table | key | holds |
/// |---|---|---|
/// | `escalate_events` | `(case_id, version)` | each event's JSON (`body`), its [`EVENT_SCHEMA`] (`schema`) and its time (`at`, RFC 3339, for people reading the file) |
/// | `escalate_commands` | `(case_id, command_id)` | the command ids each case recorded |
/// | `escalate_snapshots` | `case_id` | each case's latest snapshot and its version |
/// | `escalate_wakeups` | `case_id` | each case's next wake-up (`due` seconds and `due_nanos` since 1970, indexed in that order) and the end of its claim (`claimed_until`, microseconds since 1970 by the machine's clock) |
///
/// Every time chrono represents is stored exactly, so wake-ups come back
/// as they went in and in their order, from chrono's earliest to its
/// latest.
///
/// # Throughput
/// A transaction costs much more than the rows in it: a host that appends
/// for many cases at once writes them with
/// [`append_many`](EventStore::append_many), one transaction for the
/// batch, rather than one [`append`](EventStore::append) each.
///
/// # Durability and concurrency
/// The file is in WAL mode: readers do not block the writer. By default
/// ([`Durability::ProcessCrash`]) an acknowledged append survives the
/// process being killed at any moment, and a power loss or an operating
/// system crash may lose the last appends acknowledged before it (never a
/// part of one: the file stays consistent); [`Durability::PowerLoss`]
/// survives those too, at one disk sync per append.
///
/// Any number of stores, in one process or several on the same machine,
/// may open the same file: each append, claim and migration is one
/// transaction that takes the file's write lock first, and a store waits
/// up to [`BUSY_TIMEOUT`](Self::BUSY_TIMEOUT) for another one's
/// transaction before failing with [`StoreError::Backend`]. Leases run on
/// the machine's wall clock (`SystemTime`): set back, it lengthens the
/// claims held.
///
/// # Example
/// ```
/// use escalate::Command;
/// use escalate::policy::Policy;
/// use escalate::store::{EventStore, SqliteStore, StoredDesk};
/// let path = std::env::temp_dir().join(format!("escalate-doc-{}.db", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let mut desk = StoredDesk::new(SqliteStore::open(&path)?, Policy::recommended());
/// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
/// let now = open.at();
/// let case = "CAB-1".parse()?;
/// desk.handle(&case, open, now)?;
/// drop(desk);
/// // The host restarts: the case is in the file.
/// let mut store = SqliteStore::open(&path)?;
/// assert_eq!(store.cases()?, [case.clone()]);
/// assert_eq!(store.load(&case)?.version(), 4);
/// # drop(store);
/// # for end in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{end}", path.display())); }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    /// The file's path, or `:memory:`, for error messages.
    database: String,
}

/// How much an acknowledged append survives, for
/// [`SqliteStore::open_with`].
///
/// # Example
/// ```
/// use escalate::store::Durability;
/// assert_eq!(Durability::default(), Durability::ProcessCrash);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Durability {
    /// An acknowledged append survives the process being killed at any
    /// moment; a power loss or an operating system crash may roll back
    /// the appends acknowledged since the last checkpoint, whole, and the
    /// file stays consistent. SQLite's `synchronous = NORMAL` in WAL mode:
    /// a commit is written to the log file, and the disk is synced at
    /// checkpoints only.
    #[default]
    ProcessCrash,
    /// An acknowledged append also survives a power loss or an operating
    /// system crash. SQLite's `synchronous = FULL`: the log file is synced
    /// to disk at every commit, one sync per append (or per batch, with
    /// [`append_many`](EventStore::append_many)).
    PowerLoss,
}

/// The newest schema version of the store's tables this build knows.
const SCHEMA: i64 = 2;

/// Migration `k + 1` takes the tables from schema `k` to `k + 1`.
const MIGRATIONS: [&str; 2] = [
    "
    CREATE TABLE escalate_events (
        case_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        schema INTEGER NOT NULL,
        at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (case_id, version)
    );
    CREATE TABLE escalate_commands (
        case_id TEXT NOT NULL,
        command_id TEXT NOT NULL,
        PRIMARY KEY (case_id, command_id)
    ) WITHOUT ROWID;
    CREATE TABLE escalate_snapshots (
        case_id TEXT NOT NULL PRIMARY KEY,
        version INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE escalate_wakeups (
        case_id TEXT NOT NULL PRIMARY KEY,
        due INTEGER NOT NULL,
        due_nanos INTEGER NOT NULL,
        claimed_until INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX escalate_wakeups_due ON escalate_wakeups (due, due_nanos, case_id);
",
    "
    -- Every case and its version, so that listing the cases and loading
    -- them all read one row per case, not every event ever stored.
    CREATE TABLE escalate_cases (
        case_id TEXT NOT NULL PRIMARY KEY,
        version INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO escalate_cases (case_id, version)
        SELECT case_id, MAX(version) FROM escalate_events GROUP BY case_id;
",
];

impl SqliteStore {
    /// How long a store waits for another connection's transaction on
    /// the same file before failing.
    pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

    /// Opens the store in the SQLite file at `path`, creating the file
    /// and the store's tables when missing, with
    /// [`Durability::ProcessCrash`].
    ///
    /// # Errors
    /// [`StoreError::DatabaseTooNew`] for a file written by a newer build
    /// of escalate; [`StoreError::Backend`] when the file cannot be opened
    /// or created, is not an SQLite database, or cannot be put in WAL mode
    /// (a file system without shared memory).
    ///
    /// # Example
    /// ```
    /// use escalate::store::{EventStore, SqliteStore};
    /// let path = std::env::temp_dir().join(format!("escalate-doc-open-{}.db", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let mut store = SqliteStore::open(&path)?;
    /// assert!(store.cases()?.is_empty());
    /// assert!(path.exists());
    /// # drop(store);
    /// # for end in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{end}", path.display())); }
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, Durability::default())
    }

    /// Opens the store in the SQLite file at `path` as [`open`](Self::open)
    /// does, with the durability given.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    ///
    /// # Example
    /// ```
    /// use escalate::store::{Durability, EventStore, SqliteStore};
    /// let path = std::env::temp_dir().join(format!("escalate-doc-full-{}.db", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let mut store = SqliteStore::open_with(&path, Durability::PowerLoss)?;
    /// assert_eq!(store.next_wakeup()?, None);
    /// # drop(store);
    /// # for end in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{end}", path.display())); }
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn open_with(
        path: impl AsRef<Path>,
        durability: Durability,
    ) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref();
        let database = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| failed(&database, "cannot open", e))?;
        SqliteStore::setup(conn, database, durability, "wal")
    }

    /// A store in memory, gone with the value: for tests.
    ///
    /// # Errors
    /// [`StoreError::Backend`] if SQLite cannot allocate it.
    ///
    /// # Example
    /// ```
    /// use escalate::store::{EventStore, SqliteStore};
    /// let mut store = SqliteStore::open_in_memory()?;
    /// assert!(store.cases()?.is_empty());
    /// # Ok::<(), escalate::store::StoreError>(())
    /// ```
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let database = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|e| failed(&database, "cannot open", e))?;
        // In memory, the journal stays in memory: there is no file to share.
        SqliteStore::setup(conn, database, Durability::default(), "memory")
    }

    /// Sets the connection up (the journal mode must end up `journal`) and
    /// brings the tables to [`SCHEMA`].
    fn setup(
        mut conn: Connection,
        database: String,
        durability: Durability,
        journal: &str,
    ) -> Result<SqliteStore, StoreError> {
        let fail = |e: rusqlite::Error| failed(&database, "cannot set up", e);
        conn.busy_timeout(SqliteStore::BUSY_TIMEOUT).map_err(fail)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case(journal) {
            // A file system without the shared memory WAL needs: the
            // guarantees above would not hold.
            return Err(invalid(format!(
                "{database}: cannot set up the database: its journal mode stays {mode:?}, not {journal:?}"
            )));
        }
        let synchronous = match durability {
            Durability::ProcessCrash => "NORMAL",
            Durability::PowerLoss => "FULL",
        };
        conn.pragma_update(None, "synchronous", synchronous)
            .map_err(fail)?;
        migrate(&mut conn, &database)?;
        Ok(SqliteStore { conn, database })
    }
}

/// Creates the tables or migrates them to [`SCHEMA`], in one transaction.
fn migrate(conn: &mut Connection, database: &str) -> Result<(), StoreError> {
    let fail = |e: rusqlite::Error| failed(database, "cannot migrate", e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS escalate_schema (
            version INTEGER NOT NULL PRIMARY KEY,
            applied TEXT NOT NULL
        );",
    )
    .map_err(fail)?;
    let found: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM escalate_schema",
            [],
            |row| row.get(0),
        )
        .map_err(fail)?;
    if found > SCHEMA {
        return Err(StoreError::DatabaseTooNew {
            database: database.to_owned(),
            found,
            known: SCHEMA,
        });
    }
    let wall = wall_micros();
    let applied = DateTime::from_timestamp_micros(wall).map_or_else(
        || format!("{wall} µs after 1970"),
        |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    for (version, sql) in (1..).zip(MIGRATIONS) {
        if version <= found {
            continue;
        }
        tx.execute_batch(sql).map_err(fail)?;
        tx.execute(
            "INSERT INTO escalate_schema (version, applied) VALUES (?1, ?2)",
            (version, &applied),
        )
        .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}

impl EventStore for SqliteStore {
    fn append(
        &mut self,
        case: &CaseId,
        expected: u64,
        events: &[Event],
        wakeup: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let db = &self.database;
        let tx = write(&mut self.conn, db)?;
        check_in(&tx, db, case, expected, events)?;
        write_in(&tx, db, case, events, wakeup)?;
        tx.commit().map_err(backend(db))
    }

    /// Writes the whole batch in one transaction: each append is checked
    /// before anything of it is written, so that a refused one is skipped
    /// and the others go on.
    fn append_many(
        &mut self,
        batch: &[Append<'_>],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let db = &self.database;
        let tx = write(&mut self.conn, db)?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for append in batch {
            match check_in(&tx, db, append.case, append.expected, append.events) {
                Ok(()) => {
                    // Any error here is the database's: nothing of the
                    // batch is written (the transaction rolls back on drop).
                    write_in(&tx, db, append.case, append.events, append.wakeup)?;
                    outcomes.push(Ok(()));
                }
                Err(
                    refused @ (StoreError::Conflict { .. }
                    | StoreError::DuplicateCommand { .. }
                    | StoreError::InvalidAppend { .. }),
                ) => outcomes.push(Err(refused)),
                Err(error) => return Err(error),
            }
        }
        tx.commit().map_err(backend(db))?;
        Ok(outcomes)
    }

    fn load(&mut self, case: &CaseId) -> Result<Loaded, StoreError> {
        let db = &self.database;
        let tx = self.conn.transaction().map_err(backend(db))?;
        let snapshot = {
            let mut select = tx
                .prepare_cached("SELECT version, body FROM escalate_snapshots WHERE case_id = ?1")
                .map_err(backend(db))?;
            let row = select
                .query_row([case.as_str()], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        text(row.get_ref(1)?).map(str::to_owned),
                    ))
                })
                .optional()
                .map_err(backend(db))?;
            match row {
                None => None,
                Some((version, body)) => {
                    let version = stored_version(case, version, "snapshot")?;
                    let body = body.map_err(|reason| corrupt(case, version, "snapshot", reason))?;
                    Some(decode_snapshot(case, version, &body)?)
                }
            }
        };
        let after = snapshot.as_ref().map_or(0, Snapshot::version);
        let events = events_in(&tx, db, case, after)?;
        tx.commit().map_err(backend(db))?;
        Ok(Loaded { snapshot, events })
    }

    fn events(&mut self, case: &CaseId, after: u64) -> Result<Vec<Event>, StoreError> {
        events_in(&self.conn, &self.database, case, after)
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let case = snapshot.case().id();
        let version = sql_version(case, snapshot.version())?;
        let body = encode_snapshot(snapshot)?;
        let db = &self.database;
        self.conn
            .prepare_cached(
                "INSERT INTO escalate_snapshots (case_id, version, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (case_id) DO UPDATE SET version = excluded.version, body = excluded.body
                 WHERE excluded.version > escalate_snapshots.version",
            )
            .and_then(|mut upsert| upsert.execute((case.as_str(), version, body)))
            .map_err(backend(db))?;
        Ok(())
    }

    fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Due>, StoreError> {
        let wall = wall_micros();
        let lease = i64::try_from(lease.as_nanos().div_ceil(1000)).unwrap_or(i64::MAX);
        let until = wall.saturating_add(lease);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let db = &self.database;
        let tx = write(&mut self.conn, db)?;
        let mut due = Vec::new();
        {
            let mut select = tx
                .prepare_cached(
                    "SELECT case_id, due, due_nanos FROM escalate_wakeups
                     WHERE due <= ?1 AND (due < ?1 OR due_nanos <= ?2)
                       AND (claimed_until IS NULL OR claimed_until <= ?3)
                     ORDER BY due, due_nanos, case_id LIMIT ?4",
                )
                .map_err(backend(db))?;
            let mut rows = select
                .query((now.timestamp(), now.timestamp_subsec_nanos(), wall, limit))
                .map_err(backend(db))?;
            while let Some(row) = rows.next().map_err(backend(db))? {
                let case = stored_case(row.get_ref(0).map_err(backend(db))?)?;
                let at = stored_time(
                    &case,
                    row.get(1).map_err(backend(db))?,
                    row.get(2).map_err(backend(db))?,
                )?;
                due.push(Due { case, at });
            }
        }
        {
            let mut claim = tx
                .prepare_cached("UPDATE escalate_wakeups SET claimed_until = ?1 WHERE case_id = ?2")
                .map_err(backend(db))?;
            for Due { case, .. } in &due {
                claim.execute((until, case.as_str())).map_err(backend(db))?;
            }
        }
        tx.commit().map_err(backend(db))?;
        Ok(due)
    }

    fn next_wakeup(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let db = &self.database;
        let mut select = self
            .conn
            .prepare_cached(
                "SELECT case_id, due, due_nanos FROM escalate_wakeups
                 ORDER BY due, due_nanos LIMIT 1",
            )
            .map_err(backend(db))?;
        let mut rows = select.query([]).map_err(backend(db))?;
        let Some(row) = rows.next().map_err(backend(db))? else {
            return Ok(None);
        };
        let case = stored_case(row.get_ref(0).map_err(backend(db))?)?;
        stored_time(
            &case,
            row.get(1).map_err(backend(db))?,
            row.get(2).map_err(backend(db))?,
        )
        .map(Some)
    }

    fn cases(&mut self) -> Result<Vec<CaseId>, StoreError> {
        let db = &self.database;
        let mut select = self
            .conn
            .prepare_cached("SELECT case_id FROM escalate_cases ORDER BY case_id")
            .map_err(backend(db))?;
        let mut rows = select.query([]).map_err(backend(db))?;
        let mut cases = Vec::new();
        while let Some(row) = rows.next().map_err(backend(db))? {
            cases.push(stored_case(row.get_ref(0).map_err(backend(db))?)?);
        }
        Ok(cases)
    }

    /// Two queries in one read transaction, each reading one row per case
    /// and the events after its snapshot, however long its history: every
    /// case with its latest snapshot, then the events after each snapshot;
    /// then the rows decoded on every core.
    fn load_all(&mut self) -> Result<LoadedCases, StoreError> {
        let db = &self.database;
        let tx = self.conn.transaction().map_err(backend(db))?;
        let mut index: HashMap<Box<str>, usize> = HashMap::new();
        let mut all: Vec<(CaseId, Result<RawCase<String>, StoreError>)> = Vec::new();
        {
            let mut select = tx
                .prepare(
                    "SELECT c.case_id, s.version, s.body FROM escalate_cases c
                     LEFT JOIN escalate_snapshots s ON s.case_id = c.case_id
                     ORDER BY c.case_id",
                )
                .map_err(backend(db))?;
            let mut rows = select.query([]).map_err(backend(db))?;
            while let Some(row) = rows.next().map_err(backend(db))? {
                let value = row.get_ref(0).map_err(backend(db))?;
                let case = stored_case(value)?;
                let name = case.as_str();
                index.insert(name.into(), all.len());
                let snapshot = match row.get::<_, Option<i64>>(1).map_err(backend(db))? {
                    None => Ok(None),
                    Some(version) => {
                        stored_version(&case, version, "snapshot").and_then(|version| {
                            let body = text(row.get_ref(2).map_err(backend(db))?)
                                .map_err(|reason| corrupt(&case, version, "snapshot", reason))?;
                            Ok(Some((version, body.to_owned())))
                        })
                    }
                };
                let raw = snapshot.map(|snapshot| RawCase {
                    snapshot,
                    events: Vec::new(),
                });
                all.push((case, raw));
            }
        }
        {
            let mut select = tx
                .prepare(
                    "SELECT e.case_id, e.version, e.schema, e.body FROM escalate_cases c
                     CROSS JOIN escalate_events e ON e.case_id = c.case_id
                         AND e.version > COALESCE((SELECT s.version FROM escalate_snapshots s
                                                   WHERE s.case_id = c.case_id), 0)",
                )
                .map_err(backend(db))?;
            let mut rows = select.query([]).map_err(backend(db))?;
            while let Some(row) = rows.next().map_err(backend(db))? {
                let name = text(row.get_ref(0).map_err(backend(db))?)
                    .map_err(|reason| invalid(format!("a stored case id: {reason}")))?;
                let Some(&at) = index.get(name) else {
                    continue; // not listed: the case has no row of its own
                };
                let (case, raw) = &mut all[at];
                let Ok(rows_read) = raw else {
                    continue; // a row of this case did not read already
                };
                let read = stored_version(case, row.get(1).map_err(backend(db))?, "event")
                    .and_then(|version| {
                        let schema = schema_of(row.get_ref(2).map_err(backend(db))?)
                            .map_err(|reason| corrupt(case, version, "event", reason))?;
                        let body = text(row.get_ref(3).map_err(backend(db))?)
                            .map_err(|reason| corrupt(case, version, "event", reason))?;
                        Ok((version, schema, body.to_owned()))
                    });
                match read {
                    Ok(event) => rows_read.events.push(event),
                    Err(error) => *raw = Err(error),
                }
            }
        }
        tx.commit().map_err(backend(db))?;
        Ok(decode_all(all))
    }
}

/// Checks an append inside the caller's transaction, which holds the
/// write lock, writing nothing: the same checks as
/// [`MemoryStore`](super::MemoryStore), in the same order (the version,
/// the numbering, the command ids).
fn check_in(
    tx: &Connection,
    db: &str,
    case: &CaseId,
    expected: u64,
    events: &[Event],
) -> Result<(), StoreError> {
    let found: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM escalate_events WHERE case_id = ?1")
        .and_then(|mut select| select.query_row([case.as_str()], |row| row.get(0)))
        .map_err(backend(db))?;
    let found = stored_version(case, found, "event")?;
    if found != expected {
        return Err(StoreError::Conflict {
            case: case.clone(),
            expected,
            found,
        });
    }
    check_append(case, expected, events)?;
    let mut recorded = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM escalate_commands WHERE case_id = ?1 AND command_id = ?2)",
        )
        .map_err(backend(db))?;
    for command in commands_of(events) {
        let found: bool = recorded
            .query_row((case.as_str(), command.as_str()), |row| row.get(0))
            .map_err(backend(db))?;
        if found {
            return Err(StoreError::DuplicateCommand {
                case: case.clone(),
                command: command.clone(),
            });
        }
    }
    Ok(())
}

/// Writes an append [`check_in`] passed, in the same transaction: its
/// command ids (a key violation there is still a duplicate command), its
/// events, and its wake-up, which ends any claim.
fn write_in(
    tx: &Connection,
    db: &str,
    case: &CaseId,
    events: &[Event],
    wakeup: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    {
        let mut insert = tx
            .prepare_cached("INSERT INTO escalate_commands (case_id, command_id) VALUES (?1, ?2)")
            .map_err(backend(db))?;
        for command in commands_of(events) {
            match insert.execute((case.as_str(), command.as_str())) {
                Ok(_) => {}
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                    return Err(StoreError::DuplicateCommand {
                        case: case.clone(),
                        command: command.clone(),
                    });
                }
                Err(e) => return Err(backend(db)(e)),
            }
        }
    }
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO escalate_events (case_id, version, schema, at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(backend(db))?;
        for event in events {
            let body = encode_event(event)?;
            let at = event.at().to_rfc3339_opts(SecondsFormat::AutoSi, true);
            let version = sql_version(case, event.version())?;
            insert
                .execute((case.as_str(), version, EVENT_SCHEMA, at, body))
                .map_err(backend(db))?;
        }
    }
    if let Some(last) = events.last() {
        let version = sql_version(case, last.version())?;
        tx.prepare_cached(
            "INSERT INTO escalate_cases (case_id, version) VALUES (?1, ?2)
             ON CONFLICT (case_id) DO UPDATE SET version = excluded.version",
        )
        .and_then(|mut upsert| upsert.execute((case.as_str(), version)))
        .map_err(backend(db))?;
    }
    match wakeup {
        Some(at) => tx
            .prepare_cached(
                "INSERT INTO escalate_wakeups (case_id, due, due_nanos, claimed_until)
                 VALUES (?1, ?2, ?3, NULL)
                 ON CONFLICT (case_id) DO UPDATE SET due = excluded.due,
                     due_nanos = excluded.due_nanos, claimed_until = NULL",
            )
            .and_then(|mut upsert| {
                upsert.execute((case.as_str(), at.timestamp(), at.timestamp_subsec_nanos()))
            }),
        None => tx
            .prepare_cached("DELETE FROM escalate_wakeups WHERE case_id = ?1")
            .and_then(|mut delete| delete.execute([case.as_str()])),
    }
    .map_err(backend(db))?;
    Ok(())
}

/// The case's events numbered after `after`, in order.
fn events_in(
    conn: &Connection,
    db: &str,
    case: &CaseId,
    after: u64,
) -> Result<Vec<Event>, StoreError> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let mut select = conn
        .prepare_cached(
            "SELECT version, schema, body FROM escalate_events
             WHERE case_id = ?1 AND version > ?2 ORDER BY version",
        )
        .map_err(backend(db))?;
    let mut rows = select.query((case.as_str(), after)).map_err(backend(db))?;
    let mut events = Vec::new();
    while let Some(row) = rows.next().map_err(backend(db))? {
        events.push(event_of_at(row, 0, db, case)?);
    }
    Ok(events)
}

/// The event in a row whose columns from `first` are `(version, schema,
/// body)`.
fn event_of_at(
    row: &rusqlite::Row<'_>,
    first: usize,
    db: &str,
    case: &CaseId,
) -> Result<Event, StoreError> {
    let version = stored_version(case, row.get(first).map_err(backend(db))?, "event")?;
    let schema = schema_of(row.get_ref(first + 1).map_err(backend(db))?)
        .map_err(|reason| corrupt(case, version, "event", reason))?;
    let body = text(row.get_ref(first + 2).map_err(backend(db))?)
        .map_err(|reason| corrupt(case, version, "event", reason))?;
    decode_event(case, version, schema, body)
}

/// A stored event schema, or why it is not one.
fn schema_of(value: ValueRef<'_>) -> Result<u32, String> {
    match value {
        ValueRef::Integer(n) => {
            u32::try_from(n).map_err(|_| format!("schema {n} is not a schema version"))
        }
        other => Err(format!(
            "its schema is stored as {}, not an integer",
            type_of(other)
        )),
    }
}

/// A stored body as text, or why it is not.
fn text(value: ValueRef<'_>) -> Result<&str, String> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map_err(|e| e.to_string()),
        other => Err(format!("it is stored as {}, not text", type_of(other))),
    }
}

/// The SQLite type of a stored value, in words.
fn type_of(value: ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Null => "null",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real number",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    }
}

/// A stored case id.
fn stored_case(value: ValueRef<'_>) -> Result<CaseId, StoreError> {
    let text = text(value).map_err(|reason| invalid(format!("a stored case id: {reason}")))?;
    text.parse()
        .map_err(|e| invalid(format!("a stored case id does not read: {e}")))
}

/// A stored version, which is never negative.
fn stored_version(case: &CaseId, version: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(version).map_err(|_| {
        invalid(format!(
            "case {case}: a stored {what} has version {version}"
        ))
    })
}

/// A version as SQLite stores it: a 64-bit signed integer.
fn sql_version(case: &CaseId, version: u64) -> Result<i64, StoreError> {
    i64::try_from(version).map_err(|_| {
        invalid(format!(
            "case {case}: version {version} is past the largest SQLite stores ({})",
            i64::MAX
        ))
    })
}

/// A stored wake-up.
fn stored_time(case: &CaseId, seconds: i64, nanos: i64) -> Result<DateTime<Utc>, StoreError> {
    u32::try_from(nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(seconds, nanos))
        .ok_or_else(|| {
            invalid(format!(
                "case {case}: the stored wake-up ({seconds} s and {nanos} ns after 1970) is not a time chrono represents"
            ))
        })
}

/// Microseconds since 1970 by the machine's clock.
fn wall_micros() -> i64 {
    let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => micros(since),
        Err(before) => -micros(before.duration()),
    }
}

fn corrupt(case: &CaseId, version: u64, what: &'static str, reason: String) -> StoreError {
    StoreError::Corrupt {
        case: case.clone(),
        version,
        what,
        reason,
    }
}

/// Begins a transaction that holds the file's write lock.
fn write<'c>(conn: &'c mut Connection, db: &str) -> Result<Transaction<'c>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend(db))
}

/// SQLite failing on the database `db`.
fn backend(db: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |error| {
        StoreError::backend(Failed {
            database: db.to_owned(),
            doing: None,
            error,
        })
    }
}

/// SQLite failing on `database` while doing `what`.
fn failed(database: &str, doing: &'static str, error: rusqlite::Error) -> StoreError {
    StoreError::backend(Failed {
        database: database.to_owned(),
        doing: Some(doing),
        error,
    })
}

fn invalid(message: String) -> StoreError {
    StoreError::backend(Invalid(message))
}

/// What the store found wrong, in words.
#[derive(Debug)]
struct Invalid(String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

/// SQLite's own error, and the database it came from.
#[derive(Debug)]
struct Failed {
    database: String,
    doing: Option<&'static str>,
    error: rusqlite::Error,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.doing {
            Some(doing) => write!(f, "{}: {doing} the database: {}", self.database, self.error),
            None => write!(f, "{}: {}", self.database, self.error),
        }
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_migration_per_schema_version() {
        assert_eq!(i64::try_from(MIGRATIONS.len()), Ok(SCHEMA));
    }

    #[test]
    fn a_stored_time_out_of_chrono_range_is_an_error_naming_the_case() {
        let case: CaseId = "CAB-1".parse().unwrap();
        for (seconds, nanos) in [(i64::MAX, 0), (0, -1), (0, 2_000_000_000)] {
            let err = stored_time(&case, seconds, nanos).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "the store failed: case CAB-1: the stored wake-up ({seconds} s and {nanos} ns after 1970) is not a time chrono represents"
                )
            );
        }
        let max = DateTime::<Utc>::MAX_UTC;
        assert_eq!(
            stored_time(
                &case,
                max.timestamp(),
                i64::from(max.timestamp_subsec_nanos())
            )
            .unwrap(),
            max
        );
    }

    #[test]
    fn a_version_past_sqlite_integers_is_an_error() {
        let case: CaseId = "CAB-1".parse().unwrap();
        assert_eq!(sql_version(&case, 7).unwrap(), 7);
        let err = sql_version(&case, u64::MAX).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the store failed: case CAB-1: version {} is past the largest SQLite stores (9223372036854775807)",
                u64::MAX
            )
        );
        assert!(stored_version(&case, -1, "event").is_err());
    }

    #[test]
    fn stored_values_of_another_type_are_named() {
        assert_eq!(text(ValueRef::Text(b"ok")), Ok("ok"));
        assert_eq!(
            text(ValueRef::Integer(3)),
            Err("it is stored as an integer, not text".to_owned())
        );
        assert!(text(ValueRef::Text(&[0xff])).is_err());
        assert!(stored_case(ValueRef::Text(b"")).is_err());
        assert_eq!(
            stored_case(ValueRef::Text(b"CAB-1")).unwrap().as_str(),
            "CAB-1"
        );
    }
}
