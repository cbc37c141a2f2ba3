//! `History::from_events`: the commands rebuilt from a case's log are the
//! ones sent (without expected versions), their references name the
//! commands that made what they refer to, a malformed log is a typed error,
//! and replaying the rebuilt history under the recording's policy gives the
//! recorded log again.

use chrono::{DateTime, TimeDelta, Utc};
use escalate::policy::{DeflectionPolicy, Policy};
use escalate::replay::{History, Host, Numbering, Problem};
use escalate::testing::{Knobs, Schedule, commands, policies, run};
use escalate::{Actor, Case, Command, CommandKind, Event, EventKind, PromiseId, Refusal};
use proptest::prelude::*;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Drives a case through `commands` as a host that never ticks, keeping the
/// events; every command must be accepted.
fn record(policy: &Policy, commands: &[Command]) -> Vec<Event> {
    let mut case = Case::new("CAB-1".parse().unwrap());
    let mut log = Vec::new();
    for command in commands {
        // As sent, but without the expected version (the story's are made up).
        let command = Command::new(
            command.id().clone(),
            command.actor().clone(),
            command.at(),
            command.kind().clone(),
        );
        let now = command.at();
        let events = case
            .handle(policy, command.clone(), now)
            .unwrap_or_else(|r| panic!("{} refused: {r}", command.id()));
        for event in events {
            case.apply(&event).unwrap();
            log.push(event);
        }
    }
    log
}

fn story() -> Vec<Command> {
    serde_json::from_str(
        r#"[
  {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
   "customer": {"id": "cust-9", "value": "standard"},
   "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
  {"id": "c-2", "actor": "system", "at": "2021-03-04T15:11:00Z", "expected_version": 2,
   "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
  {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:20:00Z",
   "kind": {"type": "respond", "channel": "phone", "note": "a new one is on its way", "kind": "answer"}},
  {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:21:00Z",
   "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
            "loss": {"minor": 24999, "currency": "USD"}}},
  {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:22:00Z",
   "kind": {"type": "promise", "what": "a call when it ships", "due": "2021-03-05T17:00:00Z"}},
  {"id": "c-6", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:30:00Z",
   "expected_version": 99,
   "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
       {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}},
  {"id": "c-7", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T15:40:00Z",
   "kind": {"type": "change_priority", "priority": "high"}},
  {"id": "c-8", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-05T14:00:00Z",
   "kind": {"type": "keep_promise", "promise": 1}},
  {"id": "c-9", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-05T14:05:00Z",
   "kind": {"type": "pause", "reason": "awaiting_customer", "note": "is the new one right?",
            "until": "2021-03-08T14:00:00Z"}},
  {"id": "c-10", "actor": "customer", "at": "2021-03-06T10:00:00Z",
   "kind": {"type": "contact", "channel": "email", "note": "yes, thanks"}},
  {"id": "c-11", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-06T11:00:00Z",
   "kind": {"type": "resolve", "summary": "right cabinet delivered"}},
  {"id": "c-12", "actor": "customer", "at": "2021-03-06T12:00:00Z",
   "kind": {"type": "confirm_resolution"}}
]"#,
    )
    .unwrap()
}

/// The commands as sent, without expected versions, with the references
/// renumbered by the command that made what they name.
#[test]
fn a_story_comes_back_as_the_commands_sent() {
    let policy = Policy::recommended();
    let sent = story();
    let log = record(&policy, &sent);
    // Rules and clocks made events of their own in between.
    assert!(log.len() > 20, "{} events", log.len());
    assert!(
        log.iter()
            .any(|e| matches!(e.kind(), EventKind::ClockStarted { .. }))
    );

    let history = History::from_events(&log).unwrap();
    assert_eq!(history.case.as_str(), "CAB-1");
    assert_eq!(history.numbering, Numbering::ByCommand);
    let expected: Vec<Command> = story()
        .into_iter()
        .map(|c| {
            let kind = match c.kind() {
                // The promise made by the fifth command; the failure by the fourth.
                CommandKind::KeepPromise { .. } => CommandKind::KeepPromise {
                    promise: PromiseId::new(5),
                },
                CommandKind::Grant { .. } => serde_json::from_str(
                    r#"{"type": "grant", "gestures": [
                        {"type": "apology", "failures": [4], "manner": "personal"},
                        {"type": "credit", "failures": [4], "form": "store_credit",
                         "amount": {"minor": 2000, "currency": "USD"}}]}"#,
                )
                .unwrap(),
                other => other.clone(),
            };
            Command::new(c.id().clone(), c.actor().clone(), c.at(), kind)
        })
        .collect();
    assert_eq!(history.commands, expected);
    assert!(
        history
            .commands
            .iter()
            .all(|c| c.expected_version().is_none())
    );

    // The JSON says how its numbers are read.
    let json = serde_json::to_value(&history).unwrap();
    assert_eq!(json["numbering"], "by_command");
    let back: History = serde_json::from_value(json).unwrap();
    assert_eq!(back, history);

    // Replayed under the recording's policy: the same log, nothing refused.
    let replay = history.replay(&policy, Host::AsRecorded, None);
    assert!(replay.refused().is_empty(), "{:?}", replay.refused());
    assert_eq!(replay.events(), log.as_slice());
}

/// Under a policy whose rule requires a call at the first contact, the
/// case's promise #1 is the rule's; the promise the agent made is #2 there
/// but stays "the fifth command's" in the history, so a what-if under the
/// recommended policy (no such rule) keeps the right promise.
#[test]
fn a_promise_named_by_its_command_survives_a_policy_with_other_promises() {
    let calls = Policy::from_toml_str(
        r#"
        version = "calls"
        tiers = ["frontline", "supervisor"]
        [[rules]]
        name = "call every new case"
        when = "unowned"
        then = [{ require_call = "1 business day" }]
        "#,
    );
    let calls = match calls {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let mut sent = story();
    sent.truncate(8); // up to keeping the promise
    let kept = CommandKind::KeepPromise {
        promise: PromiseId::new(2),
    };
    let c = &sent[7];
    sent[7] = Command::new(c.id().clone(), c.actor().clone(), c.at(), kept);
    let log = record(&calls, &sent);
    let made: Vec<(Option<&str>, &Actor)> = log
        .iter()
        .filter(|e| matches!(e.kind(), EventKind::PromiseMade { .. }))
        .map(|e| (e.command().map(escalate::CommandId::as_str), e.actor()))
        .collect();
    assert_eq!(made[0], (Some("c-1"), &Actor::System), "{made:?}");
    let history = History::from_events(&log).unwrap();
    assert_eq!(
        history.commands[7].kind(),
        &CommandKind::KeepPromise {
            promise: PromiseId::new(5)
        }
    );
    // The same policy gives the same log.
    assert_eq!(
        history.replay(&calls, Host::AsRecorded, None).events(),
        log.as_slice()
    );
    // Under the recommended policy the agent's promise is the case's #1,
    // and the keep finds it.
    let what_if = history.replay(&Policy::recommended(), Host::AsRecorded, None);
    assert!(what_if.refused().is_empty(), "{:?}", what_if.refused());
    assert!(what_if.events().iter().any(|e| {
        e.command().map(escalate::CommandId::as_str) == Some("c-8")
            && e.kind()
                == &EventKind::PromiseKept {
                    promise: PromiseId::new(1),
                }
    }));
}

/// A resolve of a case only deflected records a failure under a policy that
/// says so: it comes back as one `resolve`, and a later gesture for that
/// failure names the resolve. Under a policy that records none, the gesture
/// is refused as naming an unknown failure (number 0), not another one.
#[test]
fn a_deflection_only_resolve_is_one_resolve() {
    let policy = Policy::default().with_deflection(DeflectionPolicy::RecordFailure);
    let sent: Vec<Command> = serde_json::from_str(r#"[
      {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
       "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
                "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
      {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
       "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
      {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
       "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
      {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
       "kind": {"type": "resolve", "summary": "told them"}},
      {"id": "5", "actor": "customer", "at": "2021-06-23T09:00:00Z",
       "kind": {"type": "contact", "channel": "email", "note": "that did not help"}},
      {"id": "6", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-23T09:30:00Z",
       "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}}
    ]"#).unwrap();
    let log = record(&policy, &sent);
    let history = History::from_events(&log).unwrap();
    assert_eq!(history.commands.len(), 6);
    assert_eq!(history.commands[3].kind(), sent[3].kind());
    assert_eq!(
        serde_json::to_value(history.commands[5].kind()).unwrap()["gestures"][0]["failures"],
        serde_json::json!([4])
    );
    assert_eq!(
        history.replay(&policy, Host::AsRecorded, None).events(),
        log.as_slice()
    );
    let lenient = Policy::default().with_deflection(DeflectionPolicy::Allow);
    let what_if = history.replay(&lenient, Host::AsRecorded, None);
    assert_eq!(what_if.refused().len(), 1);
    assert_eq!(what_if.refused()[0].command.id().as_str(), "6");
    assert!(
        what_if.refused()[0]
            .refusal
            .to_string()
            .contains("failure #0"),
        "{}",
        what_if.refused()[0].refusal
    );
}

#[test]
fn malformed_logs_are_typed_errors_naming_the_case_and_the_event() {
    let policy = Policy::recommended();
    let mut sent = story();
    sent.truncate(5);
    let log = record(&policy, &sent);

    let empty = History::from_events(&[]).unwrap_err();
    assert_eq!(empty.problem(), &Problem::Empty);

    // A log that does not start with `opened`.
    let err = History::from_events(&log[1..]).unwrap_err();
    assert_eq!(err.problem(), &Problem::NotOpened { kind: "contacted" });
    assert_eq!(err.version(), 2);
    assert_eq!(
        err.to_string(),
        "cannot rebuild the commands of a log at event version 2: the first event is `contacted`, not `opened`"
    );

    // A command whose first event is a clock's.
    let responded = log
        .iter()
        .position(|e| matches!(e.kind(), EventKind::Responded { .. }))
        .unwrap();
    let mut cut = log.clone();
    cut.remove(responded);
    let err = History::from_events(&cut).unwrap_err();
    assert_eq!(err.case().map(escalate::CaseId::as_str), Some("CAB-1"));
    assert!(
        matches!(err.problem(), Problem::NotACommand { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("cannot rebuild the commands of case CAB-1 at event version"),
        "{err}"
    );

    // The contact an `open` by phone makes, missing.
    let mut cut = log.clone();
    cut.remove(1);
    let err = History::from_events(&cut).unwrap_err();
    assert_eq!(err.version(), 3, "{err}");
    assert!(
        matches!(
            err.problem(),
            Problem::Unexpected {
                expected: "contacted",
                ..
            }
        ),
        "{err}"
    );

    // A customer's contact without a command id.
    let stray = Event::new(
        99,
        t("2021-03-05T10:00:00Z"),
        Actor::Customer,
        None,
        EventKind::Contacted {
            channel: escalate::Channel::Email,
            note: "hello".into(),
        },
    );
    let mut more = log.clone();
    more.push(stray);
    let err = History::from_events(&more).unwrap_err();
    assert_eq!(err.version(), 99);
    assert_eq!(
        err.to_string(),
        "cannot rebuild the commands of case CAB-1 at event version 99: a `contacted` event has no command id, and `tick` does not record `contacted`"
    );

    // Keeping a promise never made.
    let keep = Event::new(
        99,
        t("2021-03-05T10:00:00Z"),
        Actor::System,
        Some("k".parse().unwrap()),
        EventKind::PromiseKept {
            promise: PromiseId::new(7),
        },
    );
    let mut more = log.clone();
    more.push(keep);
    let err = History::from_events(&more).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot rebuild the commands of case CAB-1 at event version 99: command k refers to promise #7, which no earlier event made"
    );
}

/// A promise a rule's call made (not a command) is numbered after the
/// commands, and a keep of it replays to the same log.
#[test]
fn keeping_a_rules_promise_replays() {
    let calls = Policy::from_toml_str(
        r#"
        version = "calls"
        tiers = ["frontline", "supervisor"]
        [[rules]]
        name = "call every new case"
        when = "unowned"
        then = [{ require_call = "1 business day" }]
        "#,
    )
    .unwrap();
    let sent: Vec<Command> = serde_json::from_str(r#"[
      {"id": "1", "actor": "customer", "at": "2021-06-22T12:00:00Z",
       "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
                "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
      {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
       "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
      {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T14:00:00Z",
       "kind": {"type": "keep_promise", "promise": 1}}
    ]"#).unwrap();
    let log = record(&calls, &sent);
    let history = History::from_events(&log).unwrap();
    assert_eq!(
        history.commands[2].kind(),
        &CommandKind::KeepPromise {
            promise: PromiseId::new(4)
        }
    );
    assert_eq!(
        history.replay(&calls, Host::AsRecorded, None).events(),
        log.as_slice()
    );
    // A policy without the rule makes no such promise: the keep is refused.
    let what_if = history.replay(&Policy::recommended(), Host::AsRecorded, None);
    assert_eq!(
        what_if.refused()[0].refusal,
        Refusal::UnknownPromise {
            promise: PromiseId::new(0)
        }
    );
}

/// The last command's time plus 30 days: where `testing::run` ticks last.
fn end(commands: &[Command]) -> Option<DateTime<Utc>> {
    commands
        .iter()
        .map(Command::at)
        .max()
        .map(|last| last.checked_add_signed(TimeDelta::days(30)).unwrap_or(last))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// what-if(P, history recorded under P) reproduces the log: the host
    /// ticks on a schedule that never overtakes a command still to come
    /// (as `testing::run` does) and finally 30 days after the last command;
    /// the replay ticks at each command's time and to the same end.
    #[test]
    fn replaying_the_rebuilt_history_under_its_policy_gives_the_log(
        (policy, commands) in policies(Knobs { tiers: 1..=6, rules: 0..=8, ..Knobs::default() })
            .prop_flat_map(|p| (Just(p.clone()), commands(&p))),
        schedule in prop_oneof![
            Just(Schedule::Never), Just(Schedule::BeforeEach), Just(Schedule::AfterEach), Just(Schedule::Wakeups),
        ],
    ) {
        let (_, log) = run(&policy, &commands, &schedule)?;
        let history = History::from_events(&log)?;
        let replay = history.replay(&policy, Host::AsRecorded, end(&commands));
        prop_assert!(replay.refused().is_empty(), "refused: {:?}", replay.refused());
        prop_assert_eq!(replay.events(), log.as_slice());
    }

    /// The same under the recommended policy.
    #[test]
    fn replaying_under_the_recommended_policy_gives_the_log(commands in commands(&Policy::recommended())) {
        let policy = Policy::recommended();
        let (_, log) = run(&policy, &commands, &Schedule::Never)?;
        let history = History::from_events(&log)?;
        let replay = history.replay(&policy, Host::AsRecorded, end(&commands));
        prop_assert!(replay.refused().is_empty(), "refused: {:?}", replay.refused());
        prop_assert_eq!(replay.events(), log.as_slice());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The same under adversarial policies (every bound pushed).
    #[test]
    fn replaying_under_adversarial_policies_gives_the_log(
        (policy, commands) in policies(Knobs { adversarial: true, ..Knobs::default() })
            .prop_flat_map(|p| (Just(p.clone()), commands(&p)))
    ) {
        let (_, log) = run(&policy, &commands, &Schedule::Never)?;
        let history = History::from_events(&log)?;
        let replay = history.replay(&policy, Host::AsRecorded, end(&commands));
        prop_assert!(replay.refused().is_empty(), "refused: {:?}", replay.refused());
        prop_assert_eq!(replay.events(), log.as_slice());
    }
}

/// The generated sequences the laws above run over do exercise references:
/// promises kept or broken, gestures for failures, offers granted.
#[test]
fn the_generated_histories_carry_references() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let policy = Policy::recommended();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let commands = commands(&policy).new_tree(&mut runner).unwrap().current();
        let (_, log) = run(&policy, &commands, &Schedule::Never).unwrap();
        for command in History::from_events(&log).unwrap().commands {
            match command.kind() {
                CommandKind::KeepPromise { .. } | CommandKind::BreakPromise { .. } => {
                    seen.insert("promise");
                }
                CommandKind::Grant { gestures }
                    if gestures.iter().any(|g| !g.failures().is_empty()) =>
                {
                    seen.insert("failure");
                }
                CommandKind::GrantOffer { .. } => {
                    seen.insert("offer");
                }
                _ => {}
            }
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
}
