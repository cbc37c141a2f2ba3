//! The PostgreSQL store: the store's rules (the same checks run on
//! `MemoryStore`, the reference), writers on several connections, a worker
//! killed mid-write, and four worker processes sharing 10,000 cases.
//!
//! The database is `ESCALATE_POSTGRES_URL` (default
//! `host=127.0.0.1 port=5432 user=postgres dbname=test`); each test works in
//! a schema of its own, dropped at its end. The tests marked `#[ignore]` are
//! the child processes the others start (the test binary runs itself); run
//! by hand they do nothing.

#![cfg(feature = "postgres")]
#![allow(
    clippy::too_many_lines,           // each check reads best as one story
    clippy::cast_possible_truncation  // versions index logs of a few hundred events
)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use escalate::policy::Policy;
use escalate::store::{EventStore, PostgresStore, StoreError, StoredDesk};
use escalate::{
    Actor, Agent, Case, CaseId, Channel, Command, CommandKind, Customer, CustomerValue, Event,
    EventKind, Origin, Outcome, Priority, ResponseKind,
};

// ---------------------------------------------------------------------------
// The database and a schema per test.

/// The database the tests use.
fn url() -> String {
    std::env::var("ESCALATE_POSTGRES_URL")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_owned())
}

/// A raw connection, to look at and damage the tables.
fn admin() -> postgres::Client {
    postgres::Client::connect(&url(), postgres::NoTls).unwrap()
}

/// A schema of the test's own, dropped when the test ends.
struct Schema {
    name: String,
}

impl Schema {
    /// A fresh schema named after the test (and the process, so that runs
    /// at once do not meet).
    fn fresh(test: &str) -> Schema {
        Schema::named(format!("escalate_test_{test}_{}", std::process::id()))
    }

    /// A fresh schema named `name`.
    fn named(name: String) -> Schema {
        let schema = Schema { name };
        admin()
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                schema.quoted()
            ))
            .unwrap();
        schema
    }

    /// The name, quoted for SQL.
    fn quoted(&self) -> String {
        format!("\"{}\"", self.name.replace('"', "\"\""))
    }

    /// A store on a connection of its own.
    fn store(&self) -> PostgresStore {
        PostgresStore::connect_in(&url(), &self.name).unwrap()
    }

    /// Runs `sql` with `{s}` standing for the quoted schema name.
    fn execute(&self, sql: &str) {
        admin()
            .batch_execute(&sql.replace("{s}", &self.quoted()))
            .unwrap();
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&url(), postgres::NoTls) {
            let _ =
                client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.quoted()));
        }
    }
}

// ---------------------------------------------------------------------------
// Cases, commands and events.

/// `h:mi` UTC on 2021-03-`d` (2021-03-01 was a Monday).
fn day(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, d, h, mi, 0).unwrap()
}

fn id(text: &str) -> CaseId {
    text.parse().unwrap()
}

fn agent(name: &str, tier: &str) -> Agent {
    Agent::new(name.parse().unwrap(), tier.parse().unwrap())
}

fn command(id: &str, actor: Actor, at: DateTime<Utc>, kind: CommandKind) -> Command {
    Command::new(id.parse().unwrap(), actor, at, kind)
}

fn open(id: &str, at: DateTime<Utc>) -> Command {
    command(
        id,
        Actor::Customer,
        at,
        CommandKind::Open {
            customer: Customer::new("cust-9".parse().unwrap(), CustomerValue::Standard),
            origin: Origin::Contact {
                channel: Channel::Email,
            },
            summary: "wrong cabinet delivered".into(),
            priority: Priority::Normal,
        },
    )
}

fn contact(id: &str, at: DateTime<Utc>) -> Command {
    command(
        id,
        Actor::Customer,
        at,
        CommandKind::Contact {
            channel: Channel::Phone,
            note: "still waiting".into(),
        },
    )
}

/// A case driven through the recommended policy, as a writer would: it
/// decides, and the test appends.
struct Writer {
    policy: Policy,
    case: Case,
}

impl Writer {
    /// A case opened by command `c-1` at `at`: the writer and the events.
    fn opened(case: &str, at: DateTime<Utc>) -> (Writer, Vec<Event>) {
        let mut writer = Writer {
            policy: Policy::recommended(),
            case: Case::new(id(case)),
        };
        let events = writer.run(open("c-1", at), at);
        (writer, events)
    }

    /// Handles `command` at `now` and applies the events.
    fn run(&mut self, command: Command, now: DateTime<Utc>) -> Vec<Event> {
        let events = self.case.handle(&self.policy, command, now).unwrap();
        for event in &events {
            self.case.apply(event).unwrap();
        }
        events
    }
}

/// A closing event at `version` from command `command`.
fn closed(version: u64, command: Option<&str>) -> Event {
    Event::new(
        version,
        day(26, 16, 0),
        Actor::System,
        command.map(|c| c.parse().unwrap()),
        EventKind::Closed {
            outcome: Outcome::Lost,
            review: None,
        },
    )
}

// ---------------------------------------------------------------------------
// The store's rules, shared with every store (tests/store_conformance).

#[path = "store_conformance/mod.rs"]
#[macro_use]
mod store_conformance;

/// Stores each in a fresh schema of its own, dropped when the test ends.
fn fresh_stores() -> impl FnMut() -> PostgresStore {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut schemas = Vec::new();
    move || {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let schema = Schema::fresh(&format!("rules_{n}"));
        let store = schema.store();
        schemas.push(schema);
        store
    }
}

store_conformance_tests!(fresh_stores());

// ---------------------------------------------------------------------------
// What only a database has.

#[test]
fn schemas_are_separate_and_migrated_once_by_many_at_once() {
    let schema = Schema::fresh("migrate");
    let other = Schema::fresh("migrate_other");
    let start = Arc::new(Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let start = Arc::clone(&start);
            let name = schema.name.clone();
            thread::spawn(move || {
                start.wait();
                PostgresStore::connect_in(&url(), &name).map(|s| s.schema().to_owned())
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap().unwrap(), schema.name);
    }
    let versions: Vec<i32> = admin()
        .query(
            &format!(
                "SELECT version FROM \"{}\".schema_version ORDER BY version",
                schema.name
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [1]);
    // Two schemas, two stores.
    let (writer, events) = Writer::opened("CAB-1", day(8, 14, 0));
    let mut one = schema.store();
    one.append(writer.case.id(), 0, &events, None).unwrap();
    assert!(other.store().cases().unwrap().is_empty());
    assert_eq!(one.cases().unwrap().len(), 1);
    // A schema a newer build migrated is refused.
    schema.execute("INSERT INTO {s}.schema_version (version) VALUES (2)");
    let err = PostgresStore::connect_in(&url(), &schema.name).unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)));
    assert_eq!(
        err.to_string(),
        format!(
            "the store failed: schema {}: the tables are at version 2, newer than this build of escalate knows (up to 1)",
            schema.name
        )
    );
}

#[test]
fn a_lease_too_long_for_any_clock_lasts() {
    let schema = Schema::fresh("lease");
    let mut store = schema.store();
    let t = day(8, 14, 0);
    store
        .append(&id("C-1"), 0, &[closed(1, None)], Some(t))
        .unwrap();
    assert_eq!(store.claim_due(t, 10, Duration::MAX).unwrap().len(), 1);
    assert!(
        store
            .claim_due(t, 10, Duration::from_secs(1))
            .unwrap()
            .is_empty()
    );
    // Its next append ends it.
    store.append(&id("C-1"), 1, &[], Some(t)).unwrap();
    assert_eq!(
        store
            .claim_due(t, 10, Duration::from_secs(1))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_role_that_only_reads_and_writes_works_in_a_migrated_schema() {
    let schema = Schema::fresh("role");
    drop(schema.store());
    let role = format!("escalate_test_writer_{}", std::process::id());
    let grant = format!(
        "DROP ROLE IF EXISTS {role};
         CREATE ROLE {role} LOGIN;
         GRANT USAGE ON SCHEMA {{s}} TO {role};
         GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {{s}} TO {role};"
    );
    schema.execute(&grant);
    let mut config: postgres::Config = url().parse().unwrap();
    config.user(&role);
    let worked = config
        .connect(postgres::NoTls)
        .map_err(StoreError::backend)
        .and_then(|client| PostgresStore::with_client(client, &schema.name))
        .and_then(|mut store| {
            store.append(&id("CAB-1"), 0, &[closed(1, None)], None)?;
            store.cases()
        });
    schema.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role};"));
    assert_eq!(worked.unwrap(), [id("CAB-1")]);
}

#[test]
fn a_schema_name_is_quoted() {
    let schema = Schema::named(format!("Escalate \"odd\"; name {}", std::process::id()));
    let mut store = schema.store();
    store
        .append(&id("CAB-1"), 0, &[closed(1, None)], None)
        .unwrap();
    assert_eq!(store.cases().unwrap(), [id("CAB-1")]);
}

#[test]
fn times_beyond_postgres_are_refused_and_never_panic() {
    let schema = Schema::fresh("times");
    let mut store = schema.store();
    let case = id("CAB-1");
    // The earliest time PostgreSQL keeps and chrono's latest (PostgreSQL
    // reaches further) are kept exactly, to the nanosecond.
    let last = DateTime::<Utc>::MAX_UTC;
    let first = Utc.with_ymd_and_hms(-4713, 11, 24, 0, 0, 0).unwrap();
    store
        .append(&case, 0, &[closed(1, None)], Some(last))
        .unwrap();
    assert_eq!(store.next_wakeup().unwrap(), Some(last));
    assert_eq!(
        store.claim_due(last, 10, Duration::from_secs(600)).unwrap()[0].at,
        last
    );
    store.append(&case, 1, &[], Some(first)).unwrap();
    assert_eq!(store.next_wakeup().unwrap(), Some(first));
    // Before it: refused, naming the case, nothing written.
    for beyond in [DateTime::<Utc>::MIN_UTC, first - TimeDelta::nanoseconds(1)] {
        let err = store.append(&case, 1, &[], Some(beyond)).unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "the store failed: case CAB-1: cannot store the wake-up {beyond}: PostgreSQL keeps times from 4714-11-24 BC on"
            )
        );
        let event = Event::new(
            2,
            beyond,
            Actor::System,
            None,
            EventKind::Closed {
                outcome: Outcome::Lost,
                review: None,
            },
        );
        let err = store.append(&case, 1, &[event], None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the store failed: case CAB-1, version 2: cannot store the event time {beyond}: PostgreSQL keeps times from 4714-11-24 BC on"
            )
        );
        // A claim at a time before it finds nothing due.
        assert!(
            store
                .claim_due(beyond, 10, Duration::from_secs(600))
                .unwrap()
                .is_empty()
        );
    }
    // A claim at chrono's latest time finds every due case.
    let due = store.claim_due(last, 10, Duration::from_secs(600)).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].at, first);
    assert_eq!(store.events(&case, 0).unwrap(), [closed(1, None)]);
    assert_eq!(store.next_wakeup().unwrap(), Some(first));
    // A leap second is not kept either.
    let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_milli_opt(23, 59, 59, 1_500)
        .unwrap()
        .and_utc();
    let err = store.append(&case, 1, &[], Some(leap)).unwrap_err();
    assert!(err.to_string().contains("it is a leap second"), "{err}");
    assert!(
        store
            .claim_due(leap, 10, Duration::from_secs(600))
            .unwrap()
            .len()
            <= 1
    );
}

#[test]
fn a_corrupt_row_is_named_and_nothing_is_overwritten() {
    let schema = Schema::fresh("corrupt");
    let mut desk = StoredDesk::new(schema.store(), Policy::recommended());
    let case = id("CAB-1");
    let t = day(8, 14, 0);
    desk.handle(&case, open("c-1", t), t).unwrap();
    desk.handle(
        &case,
        contact("c-2", t + TimeDelta::hours(1)),
        t + TimeDelta::hours(1),
    )
    .unwrap();
    let mut store = schema.store();
    let stored = store.events(&case, 0).unwrap();
    assert!(stored.len() > 4);

    // Not JSON.
    schema.execute(
        "UPDATE {s}.events SET body = '{\"version\": 2' WHERE case_id = 'CAB-1' AND version = 2",
    );
    let err = store.load(&case).unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { case: c, version: 2, what: "event", .. } if *c == case),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("case CAB-1, version 2: the stored event does not read: "),
        "{err}"
    );
    assert!(matches!(
        store.events(&case, 0).unwrap_err(),
        StoreError::Corrupt { version: 2, .. }
    ));
    assert_eq!(store.events(&case, 2).unwrap(), stored[2..].to_vec());
    // A fresh desk cannot work the case and writes nothing.
    let mut fresh = StoredDesk::new(schema.store(), Policy::recommended());
    let later = t + TimeDelta::hours(2);
    let err = fresh
        .handle(&case, contact("c-3", later), later)
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { version: 2, .. }),
        "{err}"
    );
    let advanced = fresh.advance(day(20, 0, 0)).unwrap();
    assert!(advanced.woken.is_empty());
    assert!(matches!(
        advanced.failed[..],
        [StoreError::Corrupt { version: 2, .. }]
    ));
    let body: String = admin()
        .query_one(
            &format!(
                "SELECT body FROM \"{}\".events WHERE version = 2",
                schema.name
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(body, "{\"version\": 2");
    assert_eq!(store.events(&case, 2).unwrap(), stored[2..].to_vec());

    // Another event's JSON, a schema from the future, a bad schema.
    let third = serde_json::to_string(&stored[2])
        .unwrap()
        .replace('\'', "''");
    schema.execute(&format!(
        "UPDATE {{s}}.events SET body = '{third}' WHERE case_id = 'CAB-1' AND version = 2"
    ));
    let err = store.load(&case).unwrap_err();
    assert!(
        err.to_string().ends_with("the event says version 3"),
        "{err}"
    );
    schema.execute("UPDATE {s}.events SET schema = 7 WHERE case_id = 'CAB-1' AND version = 2");
    let err = store.load(&case).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::UnknownSchema {
                version: 2,
                schema: 7,
                known: 1,
                ..
            }
        ),
        "{err}"
    );
    schema.execute("UPDATE {s}.events SET schema = -1 WHERE case_id = 'CAB-1' AND version = 2");
    let err = store.load(&case).unwrap_err();
    assert_eq!(
        err.to_string(),
        "case CAB-1, version 2: the stored event does not read: the stored schema is -1"
    );

    // A snapshot that does not read.
    let second = serde_json::to_string(&stored[1])
        .unwrap()
        .replace('\'', "''");
    schema.execute(&format!(
        "UPDATE {{s}}.events SET schema = 1, body = '{second}' WHERE case_id = 'CAB-1' AND version = 2"
    ));
    assert_eq!(store.events(&case, 0).unwrap(), stored);
    schema.execute("INSERT INTO {s}.snapshots VALUES ('CAB-1', 3, '{\"format\": 1}')");
    let err = store.load(&case).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                version: 3,
                what: "snapshot",
                ..
            }
        ),
        "{err}"
    );
    // A later snapshot replaces it (the store keeps the latest); an
    // earlier one does not.
    let mut replayed = Case::replay(&stored).unwrap();
    store.save_snapshot(&replayed.snapshot()).unwrap();
    assert_eq!(
        store.load(&case).unwrap().into_case(&case).unwrap(),
        Some(replayed.clone())
    );
    replayed = Case::replay(&stored[..2]).unwrap();
    store.save_snapshot(&replayed.snapshot()).unwrap();
    assert_eq!(
        store.load(&case).unwrap().snapshot.map(|s| s.version()),
        Some(stored.len() as u64)
    );
}

// ---------------------------------------------------------------------------
// Writers on several connections.

#[test]
fn of_two_connections_appending_at_one_version_one_wins() {
    let schema = Schema::fresh("race");
    let rounds = 40;
    let start = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let start = Arc::clone(&start);
            let mut store = schema.store();
            thread::spawn(move || {
                let mut results = Vec::new();
                for k in 0..rounds {
                    let case = id(&format!("R-{k}"));
                    start.wait();
                    let new = store.append(&case, 0, &[closed(1, None)], None);
                    start.wait();
                    let next = store.append(&case, 1, &[closed(2, None)], None);
                    results.push((new, next));
                }
                results
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for k in 0..rounds {
        for step in 0..2u64 {
            let outcomes: Vec<&Result<(), StoreError>> = results
                .iter()
                .map(|r| if step == 0 { &r[k].0 } else { &r[k].1 })
                .collect();
            assert_eq!(
                outcomes.iter().filter(|r| r.is_ok()).count(),
                1,
                "R-{k} step {step}"
            );
            let lost = outcomes.iter().find(|r| r.is_err()).unwrap();
            assert!(
                matches!(lost, Err(StoreError::Conflict { expected, found, .. }) if *expected == step && *found == step + 1),
                "R-{k} step {step}: {lost:?}"
            );
        }
    }
    let mut store = schema.store();
    assert_eq!(store.cases().unwrap().len(), rounds);
    for k in 0..rounds {
        assert_eq!(
            store.events(&id(&format!("R-{k}")), 0).unwrap(),
            [closed(1, None), closed(2, None)]
        );
    }
}

#[test]
fn two_desks_on_two_connections_lose_no_command() {
    let schema = Schema::fresh("two_desks");
    let case = id("CAB-1");
    let t = day(8, 14, 0);
    let mut first = StoredDesk::new(schema.store(), Policy::recommended());
    first.handle(&case, open("c-0", t), t).unwrap();
    let commands = 30;
    let start = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|w| {
            let start = Arc::clone(&start);
            let store = schema.store();
            let case = case.clone();
            thread::spawn(move || {
                let mut desk = StoredDesk::new(store, Policy::recommended());
                // Both desks know the case before either writes.
                desk.case(&case).unwrap();
                start.wait();
                let mut recorded = Vec::new();
                for k in 0..commands {
                    // Each command races the other desk's: one appends
                    // first, the other conflicts, loads and retries.
                    start.wait();
                    let now = t + TimeDelta::minutes(1);
                    let name = format!("w{w}-{k}");
                    let command = if k % 2 == 0 {
                        contact(&name, now)
                    } else {
                        command(
                            &name,
                            Actor::System,
                            now,
                            CommandKind::Respond {
                                channel: Channel::Email,
                                note: "on its way".into(),
                                kind: ResponseKind::Answer,
                            },
                        )
                    };
                    let events = desk.handle(&case, command, now).unwrap();
                    assert!(!events.is_empty(), "{name}");
                    recorded.push((name, events));
                }
                recorded
            })
        })
        .collect();
    let recorded: Vec<(String, Vec<Event>)> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let mut store = schema.store();
    let stored = store.events(&case, 0).unwrap();
    for (k, event) in stored.iter().enumerate() {
        assert_eq!(event.version(), k as u64 + 1);
    }
    for (name, events) in &recorded {
        for event in events {
            assert_eq!(&stored[event.version() as usize - 1], event, "{name}");
        }
        assert!(
            stored
                .iter()
                .any(|e| e.command().is_some_and(|c| c.as_str() == name))
        );
    }
    let commanded: HashSet<&str> = stored
        .iter()
        .filter_map(|e| e.command())
        .map(escalate::CommandId::as_str)
        .collect();
    assert_eq!(commanded.len(), 2 * commands + 1);
    let replayed = Case::replay(&stored).unwrap();
    assert_eq!(
        store.load(&case).unwrap().into_case(&case).unwrap(),
        Some(replayed)
    );
}

// ---------------------------------------------------------------------------
// Child processes: the test binary runs one of its ignored tests.

/// Starts this test binary running only the ignored test `name`, with
/// `vars` in its environment, its output piped.
fn child(name: &str, vars: &[(&str, String)]) -> Child {
    let mut process = Process::new(std::env::current_exe().unwrap());
    process
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("ESCALATE_POSTGRES_URL", url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (key, value) in vars {
        process.env(key, value);
    }
    process.spawn().unwrap()
}

/// Children killed when the test ends, however it ends.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A line the child printed, from its marker on (the test harness may
/// print on the same line).
fn marked<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    line.find(marker).map(|at| &line[at + marker.len()..])
}

/// Prints a line and flushes it: what is printed was acknowledged.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// Checks a stored log: numbered from 1 without a gap, and it replays as
/// the store loads it.
#[track_caller]
fn check_log<S: EventStore>(store: &mut S, case: &CaseId) -> Vec<Event> {
    let events = store.events(case, 0).unwrap();
    for (k, event) in events.iter().enumerate() {
        assert_eq!(event.version(), k as u64 + 1, "case {case}");
    }
    let replayed = Case::replay(&events).unwrap();
    assert_eq!(
        store.load(case).unwrap().into_case(case).unwrap(),
        Some(replayed),
        "case {case}"
    );
    events
}

#[test]
fn a_worker_killed_mid_write_loses_no_acknowledged_event() {
    let schema = Schema::fresh("crash");
    let mut children = Children(vec![child(
        "crash_worker",
        &[("ESCALATE_TEST_SCHEMA", schema.name.clone())],
    )]);
    // The reader stays open until the worker is killed: it dies writing,
    // not for want of a reader.
    let mut reader = BufReader::new(children.0[0].stdout.take().unwrap());
    let mut acknowledged: Vec<(CaseId, String, u64)> = Vec::new();
    for _ in 0..10_000 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(ack) = marked(&line, "ACK ") {
            let parts: Vec<&str> = ack.trim_end().split(' ').collect();
            acknowledged.push((id(parts[0]), parts[1].to_owned(), parts[2].parse().unwrap()));
            if acknowledged.len() == 300 {
                break;
            }
        }
    }
    assert_eq!(acknowledged.len(), 300, "the worker stopped early");
    children.0[0].kill().unwrap();
    let status = children.0[0].wait().unwrap();
    assert!(!status.success(), "the worker was killed, not done");
    drop(reader);

    let mut store = schema.store();
    let cases = store.cases().unwrap();
    let mut logs = HashMap::new();
    for case in &cases {
        logs.insert(case.clone(), check_log(&mut store, case));
    }
    for (case, command, last) in &acknowledged {
        let log = &logs[case];
        assert!(
            log.len() as u64 >= *last,
            "case {case}: {last} acknowledged"
        );
        assert!(
            log.iter()
                .any(|e| e.command().is_some_and(|c| c.as_str() == command)),
            "case {case}: command {command} acknowledged, not stored"
        );
    }
    // The store takes writes after the kill: a desk goes on.
    let mut desk = StoredDesk::new(schema.store(), Policy::recommended());
    let later = day(31, 12, 0);
    desk.handle(&cases[0], contact("after-the-kill", later), later)
        .unwrap();
    assert!(desk.advance(later).unwrap().failed.is_empty());
}

/// The worker `a_worker_killed_mid_write_loses_no_acknowledged_event`
/// kills: it writes through a desk until killed, printing each append as
/// it is acknowledged.
#[test]
#[ignore = "a child process of a_worker_killed_mid_write_loses_no_acknowledged_event"]
fn crash_worker() {
    let Ok(schema) = std::env::var("ESCALATE_TEST_SCHEMA") else {
        return;
    };
    let store = PostgresStore::connect_in(&url(), &schema).unwrap();
    let mut desk = StoredDesk::new(store, Policy::recommended())
        .snapshot_every(std::num::NonZeroU64::new(8).unwrap());
    let t = day(8, 14, 0);
    for k in 0..100_000u32 {
        let case = id(&format!("K-{}", k % 20));
        let now = t + TimeDelta::seconds(i64::from(k));
        let name = format!("k-{k}");
        let command = if k < 20 {
            open(&name, now)
        } else {
            contact(&name, now)
        };
        let events = desk.handle(&case, command, now).unwrap();
        let last = events.last().map_or(0, Event::version);
        say(&format!("ACK {case} {name} {last}"));
        if k % 7 == 0 {
            desk.advance(now).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------
// Four worker processes, 10,000 cases.

/// Cases in the four-worker run.
const CASES: usize = 10_000;
/// Rounds after the opening one.
const ROUNDS: u32 = 8;
/// Commands each worker sends per round.
const PER_ROUND: usize = 300;
/// Workers.
const WORKERS: usize = 4;

/// The logical time of round `r`: the clocks of every worker agree.
fn round_time(r: u32) -> DateTime<Utc> {
    day(1, 13, 0) + TimeDelta::hours(3) * i32::try_from(r).unwrap()
}

fn case_name(k: usize) -> CaseId {
    id(&format!("W-{k:05}"))
}

/// A small deterministic generator (xorshift), seeded per worker.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A random command of many kinds, sent by whoever might send it.
fn random_command(rng: &mut Rng, name: &str, at: DateTime<Utc>) -> Command {
    let people = [
        agent("sam", "frontline"),
        agent("kim", "frontline"),
        agent("dana", "supervisor"),
        agent("lee", "manager"),
    ];
    let who = people[rng.below(people.len())].clone();
    let (actor, kind) = match rng.below(10) {
        0..=2 => (
            Actor::Customer,
            CommandKind::Contact {
                channel: Channel::Chat,
                note: "any news?".into(),
            },
        ),
        3 | 4 => (Actor::System, CommandKind::Assign { to: who }),
        5 | 6 => (
            Actor::Agent(who),
            CommandKind::Respond {
                channel: Channel::Email,
                note: "looking into it".into(),
                kind: ResponseKind::Answer,
            },
        ),
        7 => (
            Actor::System,
            CommandKind::Escalate {
                to: people[2 + rng.below(2)].clone(),
                reason: "taking too long".into(),
            },
        ),
        8 => (
            Actor::Agent(who),
            CommandKind::Resolve {
                summary: "sorted".into(),
            },
        ),
        _ => (Actor::System, CommandKind::AcceptHandoff),
    };
    command(name, actor, at, kind)
}

/// What the parent learns from a worker's line.
enum Report {
    /// A command's events were appended (case, first and last version, the command).
    Ack(CaseId, u64, u64, Command),
    /// A wake-up's events were appended (case, first and last version).
    Tick(CaseId, u64, u64),
    /// The worker finished a round.
    Round(u32),
}

fn report_of(line: &str) -> Option<Report> {
    if let Some(rest) = marked(line, "ACK ") {
        let mut parts = rest.splitn(4, ' ');
        let case = id(parts.next()?);
        let first = parts.next()?.parse().ok()?;
        let last = parts.next()?.parse().ok()?;
        let command = serde_json::from_str(parts.next()?).ok()?;
        return Some(Report::Ack(case, first, last, command));
    }
    if let Some(rest) = marked(line, "TICK ") {
        let mut parts = rest.split(' ');
        let case = id(parts.next()?);
        return Some(Report::Tick(
            case,
            parts.next()?.parse().ok()?,
            parts.next()?.parse().ok()?,
        ));
    }
    marked(line, "ROUND ")
        .and_then(|r| r.trim().parse().ok())
        .map(Report::Round)
}

#[test]
fn four_worker_processes_share_ten_thousand_cases() {
    let schema = Schema::fresh("workers");
    // The schema exists before the workers start.
    drop(schema.store());
    let (lines, reports) = mpsc::channel::<(usize, Option<String>)>();
    let mut children = Children(Vec::new());
    let mut inputs: Vec<ChildStdin> = Vec::new();
    for w in 0..WORKERS {
        let mut worker = child(
            "concurrency_worker",
            &[
                ("ESCALATE_TEST_SCHEMA", schema.name.clone()),
                ("ESCALATE_TEST_WORKER", w.to_string()),
            ],
        );
        inputs.push(worker.stdin.take().unwrap());
        let stdout = worker.stdout.take().unwrap();
        let lines = lines.clone();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send((w, Some(line))).is_err() {
                    return;
                }
            }
            let _ = lines.send((w, None));
        });
        children.0.push(worker);
    }
    drop(lines);

    // Lockstep: every worker finishes round r before any starts round r + 1.
    let mut acks: Vec<(CaseId, u64, u64, Command, u32)> = Vec::new();
    let mut ticks: Vec<(CaseId, u64, u64)> = Vec::new();
    let mut round_of = [0u32; WORKERS];
    let mut done = [false; WORKERS];
    let mut finished = 0;
    while finished < WORKERS {
        let (w, line) = reports.recv_timeout(Duration::from_secs(600)).unwrap();
        let Some(line) = line else {
            assert!(done[w], "worker {w} stopped in round {}", round_of[w]);
            finished += 1;
            continue;
        };
        match report_of(&line) {
            Some(Report::Ack(case, first, last, command)) => {
                acks.push((case, first, last, command, round_of[w]));
            }
            Some(Report::Tick(case, first, last)) => ticks.push((case, first, last)),
            Some(Report::Round(r)) => {
                assert_eq!(r, round_of[w]);
                round_of[w] += 1;
                if r == ROUNDS {
                    done[w] = true;
                }
                if round_of.iter().all(|&n| n == r + 1) {
                    for input in &mut inputs {
                        let _ = writeln!(input, "go");
                    }
                }
            }
            None => {}
        }
    }
    for child in &mut children.0 {
        assert!(child.wait().unwrap().success());
    }

    // Every case checked, on two threads (a connection each).
    let cases = schema.store().cases().unwrap();
    assert_eq!(cases.len(), CASES);
    let mut reports: HashMap<&CaseId, Reported> = HashMap::new();
    for (case, first, last, command, round) in &acks {
        let reported = reports.entry(case).or_default();
        reported.commands.push((*first, *last, command, *round));
    }
    for (case, first, last) in &ticks {
        reports.entry(case).or_default().ticks.push((*first, *last));
    }
    let ticked: usize = thread::scope(|scope| {
        let halves: Vec<_> = cases
            .chunks(CASES / 2)
            .map(|half| {
                let mut store = schema.store();
                let reports = &reports;
                scope.spawn(move || {
                    half.iter()
                        .map(|case| check_case(&mut store, case, reports.get(case)))
                        .sum::<usize>()
                })
            })
            .collect();
        halves.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert!(
        ticked > CASES,
        "the run woke few cases: {ticked} events from time"
    );
}

/// What the workers reported of one case: each command's appended events
/// (first and last version, the command, its round) and each wake-up's.
#[derive(Default)]
struct Reported<'a> {
    commands: Vec<(u64, u64, &'a Command, u32)>,
    ticks: Vec<(u64, u64)>,
}

/// Checks one case of the four-worker run: its events are numbered from 1
/// without a gap; each was reported acknowledged once, by the command it
/// carries or by a wake-up; no warning or breach twice; the same commands
/// sent round by round to one case in one process give the same log; the
/// log loads and replays. Gives the number of events from time.
#[track_caller]
fn check_case(store: &mut PostgresStore, case: &CaseId, reported: Option<&Reported<'_>>) -> usize {
    let log = store.events(case, 0).unwrap();
    for (k, event) in log.iter().enumerate() {
        assert_eq!(event.version(), k as u64 + 1, "case {case}");
    }
    let empty = Reported::default();
    let reported = reported.unwrap_or(&empty);
    let mut ranges = Vec::new();
    for (first, last, command, _) in &reported.commands {
        let range = &log[*first as usize - 1..*last as usize];
        let own = |e: &Event| e.command() == Some(command.id());
        assert!(
            range.iter().all(|e| e.command().is_none() || own(e)),
            "case {case}"
        );
        assert!(
            range.iter().any(own),
            "case {case}: {} not stored",
            command.id()
        );
        ranges.push((*first, *last));
    }
    for (first, last) in &reported.ticks {
        let range = &log[*first as usize - 1..*last as usize];
        assert!(range.iter().all(|e| e.command().is_none()), "case {case}");
        ranges.push((*first, *last));
    }
    ranges.sort_unstable();
    let mut next = 1;
    for (first, last) in ranges {
        assert_eq!(
            first, next,
            "case {case}: events reported twice or not at all"
        );
        next = last + 1;
    }
    assert_eq!(
        next,
        log.len() as u64 + 1,
        "case {case}: events stored, not reported"
    );
    // Each warning and breach recorded once: no two alike at one instant.
    let mut seen = HashSet::new();
    let clocked = |e: &&Event| {
        matches!(
            e.kind(),
            EventKind::SlaWarned { .. } | EventKind::SlaBreached { .. }
        )
    };
    for event in log.iter().filter(clocked) {
        let key = (event.at(), serde_json::to_string(event.kind()).unwrap());
        assert!(seen.insert(key), "case {case}: {event:?} twice");
    }

    // The same commands in one process, in the order stored, round by
    // round, with a tick at the end of each round.
    let policy = Policy::recommended();
    let mut commands: Vec<(u64, u32, &Command)> = reported
        .commands
        .iter()
        .map(|(first, last, command, round)| {
            let own = log[*first as usize - 1..*last as usize]
                .iter()
                .find(|e| e.command() == Some(command.id()))
                .map(Event::version)
                .unwrap();
            (own, *round, *command)
        })
        .collect();
    commands.sort_unstable_by_key(|(own, _, _)| *own);
    let mut single = Case::new(case.clone());
    let mut replayed = Vec::new();
    let mut ticked = 0;
    let mut pending = commands.iter().peekable();
    for r in 0..=ROUNDS {
        let now = round_time(r);
        while let Some((_, _, command)) = pending.next_if(|(_, round, _)| *round == r) {
            let events = single.handle(&policy, (*command).clone(), now).unwrap();
            for event in &events {
                single.apply(event).unwrap();
            }
            replayed.extend(events);
        }
        let events = single.tick(&policy, now);
        ticked += events.len();
        for event in &events {
            single.apply(event).unwrap();
        }
        replayed.extend(events);
    }
    assert!(
        pending.next().is_none(),
        "case {case}: commands out of round order"
    );
    assert_eq!(replayed, log, "case {case}");
    // The stored log replays, as the store loads it.
    assert_eq!(
        store.load(case).unwrap().into_case(case).unwrap(),
        Some(single),
        "case {case}"
    );
    ticked
}

/// A worker of `four_worker_processes_share_ten_thousand_cases`: opens its
/// share of the cases, then each round sends random commands to random
/// cases and advances the desk to the round's time, printing what was
/// appended, and waits for the word to go on.
#[test]
#[ignore = "a child process of four_worker_processes_share_ten_thousand_cases"]
fn concurrency_worker() {
    let (Ok(schema), Ok(worker)) = (
        std::env::var("ESCALATE_TEST_SCHEMA"),
        std::env::var("ESCALATE_TEST_WORKER"),
    ) else {
        return;
    };
    let worker: usize = worker.parse().unwrap();
    // Commits do not wait for the disk here: this test is about workers
    // sharing cases, not durability (the killed worker's test waits).
    let mut client = admin();
    client
        .batch_execute("SET synchronous_commit = off")
        .unwrap();
    let store = PostgresStore::with_client(client, &schema).unwrap();
    let mut desk = StoredDesk::new(store, Policy::recommended());
    let mut rng =
        Rng(0x9E37_79B9_7F4A_7C15 ^ (worker as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut go = BufReader::new(std::io::stdin().lock()).lines();
    let mut sent: Vec<(CaseId, Command)> = Vec::new();
    let mut refused = 0;
    for r in 0..=ROUNDS {
        let now = round_time(r);
        if r == 0 {
            for k in (worker..CASES).step_by(WORKERS) {
                let case = case_name(k);
                let command = open(&format!("w{worker}-open-{k}"), now);
                let events = desk.handle(&case, command.clone(), now).unwrap();
                ack(&case, &events, &command);
            }
        } else {
            for n in 0..PER_ROUND {
                // Now and then a command sent before comes again: it records nothing.
                if n % 50 == 49 && !sent.is_empty() {
                    let (case, command) = sent[rng.below(sent.len())].clone();
                    let events = desk.handle(&case, command, now).unwrap();
                    assert!(events.is_empty(), "a repeated command recorded {events:?}");
                    continue;
                }
                let case = case_name(rng.below(CASES));
                let command = random_command(&mut rng, &format!("w{worker}-{r}-{n}"), now);
                match desk.handle(&case, command.clone(), now) {
                    Ok(events) => {
                        ack(&case, &events, &command);
                        sent.push((case, command));
                    }
                    Err(StoreError::Desk(escalate::desk::DeskError::Refused { .. })) => {
                        refused += 1;
                    }
                    Err(error) => panic!("worker {worker}, round {r}: {error}"),
                }
            }
        }
        let advanced = desk.advance(now).unwrap();
        assert!(advanced.failed.is_empty(), "{:?}", advanced.failed);
        for woken in &advanced.woken {
            let first = woken.events[0].version();
            let last = woken.events[woken.events.len() - 1].version();
            say(&format!("TICK {} {first} {last}", woken.case));
        }
        say(&format!("ROUND {r}"));
        if r < ROUNDS {
            assert!(go.next().is_some_and(|l| l.is_ok()), "no word to go on");
        }
    }
    eprintln!(
        "worker {worker}: {} commands recorded, {refused} refused",
        sent.len()
    );
}

/// Prints a command's appended events.
fn ack(case: &CaseId, events: &[Event], command: &Command) {
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return;
    };
    say(&format!(
        "ACK {case} {} {} {}",
        first.version(),
        last.version(),
        serde_json::to_string(command).unwrap()
    ));
}
