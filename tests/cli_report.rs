//! `escalate report`: the attainment report of a file of events, read from
//! JSON lines, a SQLite file or PostgreSQL, with bad lines stopping the run
//! (naming the line) or skipped.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

use escalate::store::{EventStore, PostgresStore, SqliteStore};
use escalate::tools::lines;
use escalate::{CaseId, Event, SlaReport};

/// The golden file's six stories, each event with its case id.
fn golden_cases() -> Vec<(CaseId, Vec<Event>)> {
    let text = include_str!("data/golden-events-v1.jsonl");
    let mut cases: Vec<(CaseId, Vec<Event>)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let event: Event = serde_json::from_str(line).unwrap();
        if let escalate::EventKind::Opened(opened) = event.kind() {
            cases.push((opened.case.clone(), Vec::new()));
        }
        cases.last_mut().unwrap().1.push(event);
    }
    assert_eq!(cases.len(), 6);
    cases
}

fn as_lines(cases: &[(CaseId, Vec<Event>)]) -> Vec<String> {
    cases
        .iter()
        .flat_map(|(id, events)| events.iter().map(move |e| lines::encode(id, e).unwrap()))
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-cli-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn escalate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .output()
        .unwrap()
}

fn report_of(output: &Output) -> SlaReport {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_report_of_a_file_is_the_library_s_report_of_its_cases() {
    let cases = golden_cases();
    let path = scratch("golden.jsonl");
    std::fs::write(&path, as_lines(&cases).join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let expected = SlaReport::from_cases(cases.iter().map(|(_, e)| e)).unwrap();
    assert_eq!(report_of(&escalate(&["report", "--json", path])), expected);
    // The table is the report's own.
    let table = escalate(&["report", path]);
    assert_eq!(table.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(table.stdout).unwrap(),
        expected.to_string()
    );
}

#[test]
fn interleaved_cases_read_as_the_same_cases() {
    let cases = golden_cases();
    // Round-robin over the cases: each case's lines stay in order.
    let mut mixed = Vec::new();
    let longest = cases.iter().map(|(_, e)| e.len()).max().unwrap();
    for i in 0..longest {
        for (id, events) in &cases {
            if let Some(e) = events.get(i) {
                mixed.push(lines::encode(id, e).unwrap());
            }
        }
    }
    let path = scratch("mixed.jsonl");
    std::fs::write(&path, mixed.join("\n")).unwrap();
    let expected = SlaReport::from_cases(cases.iter().map(|(_, e)| e)).unwrap();
    assert_eq!(
        report_of(&escalate(&["report", "--json", path.to_str().unwrap()])),
        expected
    );
}

#[test]
fn a_bad_line_stops_the_run_with_its_number_unless_skipped() {
    let cases = golden_cases();
    let mut text = as_lines(&cases);
    text.insert(4, "{\"case\": \"CAB-1\", \"version\": \"five\"}".to_owned());
    let path = scratch("bad.jsonl");
    std::fs::write(&path, text.join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let stopped = escalate(&["report", path]);
    assert_eq!(stopped.status.code(), Some(2));
    let stderr = String::from_utf8(stopped.stderr).unwrap();
    assert!(stderr.contains(&format!("{path} line 5: ")), "{stderr}");
    assert!(stopped.stdout.is_empty());

    let skipped = escalate(&["report", "--json", "--skip-bad", path]);
    let stderr = String::from_utf8_lossy(&skipped.stderr).into_owned();
    assert!(
        stderr.contains("line 5: ") && stderr.contains("skipped"),
        "{stderr}"
    );
    let expected = SlaReport::from_cases(cases.iter().map(|(_, e)| e)).unwrap();
    assert_eq!(report_of(&skipped), expected);
}

#[test]
fn a_case_whose_log_does_not_read_is_named() {
    let mut cases = golden_cases();
    // Drop the second event of the first case: versions skip.
    cases[0].1.remove(1);
    let path = scratch("gap.jsonl");
    std::fs::write(&path, as_lines(&cases).join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let stopped = escalate(&["report", path]);
    assert_eq!(stopped.status.code(), Some(2));
    let stderr = String::from_utf8(stopped.stderr).unwrap();
    let named = format!("case {}", cases[0].0);
    // Named once, whether or not the library's message names it.
    assert_eq!(stderr.matches(&named).count(), 1, "{stderr}");
    let skipped = escalate(&["report", "--json", "--skip-bad-cases", path]);
    let stderr = String::from_utf8_lossy(&skipped.stderr).into_owned();
    assert_eq!(stderr.matches(&named).count(), 1, "{stderr}");
    assert!(stderr.contains("case skipped"), "{stderr}");
    let expected = SlaReport::from_cases(cases[1..].iter().map(|(_, e)| e)).unwrap();
    assert_eq!(report_of(&skipped), expected);
}

#[test]
fn a_case_without_its_opening_is_named_when_skipped() {
    let mut cases = golden_cases();
    cases[0].1.remove(0);
    let path = scratch("no-opening.jsonl");
    std::fs::write(&path, as_lines(&cases).join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let skipped = escalate(&["report", "--skip-bad-cases", path]);
    assert_eq!(skipped.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&skipped.stderr).into_owned();
    assert!(
        stderr.contains(&format!("case {}: ", cases[0].0)) && stderr.contains("case skipped"),
        "{stderr}"
    );
}

#[test]
fn missing_files_and_bad_arguments_exit_2() {
    let missing = escalate(&["report", "/nonexistent/escalate/events.jsonl"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/escalate/events.jsonl")
    );
    assert_eq!(escalate(&["report"]).status.code(), Some(2));
    assert_eq!(escalate(&["no-such-command"]).status.code(), Some(2));
}

fn store_cases(store: &mut impl EventStore, cases: &[(CaseId, Vec<Event>)]) {
    for (id, events) in cases {
        store.append(id, 0, events, None).unwrap();
    }
}

#[test]
fn a_sqlite_file_reads_as_its_cases() {
    let cases = golden_cases();
    let path = scratch("golden.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store_cases(&mut store, &cases);
    // A snapshot does not hide the events before it.
    let case = escalate::Case::replay(cases[0].1.clone()).unwrap();
    store.save_snapshot(&case.snapshot()).unwrap();
    drop(store);
    let expected = SlaReport::from_cases(cases.iter().map(|(_, e)| e)).unwrap();
    assert_eq!(
        report_of(&escalate(&["report", "--json", path.to_str().unwrap()])),
        expected
    );
}

#[test]
fn a_postgres_url_reads_as_its_cases() {
    let url = std::env::var("ESCALATE_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = "escalate_cli_report";
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .unwrap();
    let cases = golden_cases();
    let mut store = PostgresStore::connect_in(&url, schema).unwrap();
    store_cases(&mut store, &cases);
    drop(store);
    let source = format!("{url}?schema={schema}");
    let expected = SlaReport::from_cases(cases.iter().map(|(_, e)| e)).unwrap();
    assert_eq!(
        report_of(&escalate(&["report", "--json", &source])),
        expected
    );
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}
