//! The desk gives every case the events it gets when driven by hand: under
//! random valid policies (and the recommended one), for several cases whose
//! commands interleave, and whatever the schedule on which the host wakes
//! the desk, each case's log, state and refusals are those of a case driven
//! alone with `handle`, `apply` and a final `tick`. The policies, commands
//! and schedules come from the crate's testing kit (`escalate::testing`).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use escalate::desk::{Desk, DeskError};
use escalate::policy::Policy;
use escalate::testing::{Knobs, Schedule, commands, policies, schedules};
use escalate::{Case, CaseId, Command, Event};
use proptest::prelude::*;

/// One case driven alone: each command handled at its own time, the events
/// applied, then one tick at `end`. Its log, the case, and whether each
/// command was accepted.
fn by_hand(policy: &Policy, id: &CaseId, commands: &[Command], end: DateTime<Utc>) -> Alone {
    let mut case = Case::new(id.clone());
    let mut log = Vec::new();
    let mut accepted = Vec::new();
    for command in commands {
        let now = command.at();
        match case.handle(policy, command.clone(), now) {
            Ok(events) => {
                for e in &events {
                    case.apply(e).unwrap();
                }
                log.extend(events);
                accepted.push(true);
            }
            Err(_) => accepted.push(false),
        }
    }
    let events = case.tick(policy, end);
    for e in &events {
        case.apply(e).unwrap();
    }
    log.extend(events);
    Alone {
        case,
        log,
        accepted,
    }
}

struct Alone {
    case: Case,
    log: Vec<Event>,
    accepted: Vec<bool>,
}

/// What the desk gave each case.
#[derive(Default)]
struct Seen {
    log: Vec<Event>,
    accepted: Vec<bool>,
}

/// The cases' commands merged in time order (ties by case, then by
/// position), through one desk woken on `schedule`, then advanced to `end`.
fn through_the_desk(
    policy: &Policy,
    streams: &[(CaseId, Vec<Command>)],
    schedule: &Schedule,
    end: DateTime<Utc>,
) -> Result<(Desk, BTreeMap<CaseId, Seen>), TestCaseError> {
    let mut merged: Vec<(DateTime<Utc>, usize, usize)> = streams
        .iter()
        .enumerate()
        .flat_map(|(c, (_, cmds))| {
            cmds.iter()
                .enumerate()
                .map(move |(i, cmd)| (cmd.at(), c, i))
        })
        .collect();
    merged.sort();
    let mut desk = Desk::new(policy.clone());
    let mut seen: BTreeMap<CaseId, Seen> = BTreeMap::new();
    let mut instants: &[DateTime<Utc>] = match schedule {
        Schedule::At(instants) => instants,
        _ => &[],
    };
    let advance = |desk: &mut Desk,
                   seen: &mut BTreeMap<CaseId, Seen>,
                   now: DateTime<Utc>|
     -> Result<(), TestCaseError> {
        let woken = desk
            .advance(now)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        for w in woken {
            prop_assert!(!w.events.is_empty(), "a case woken for nothing");
            seen.entry(w.case).or_default().log.extend(w.events);
        }
        Ok(())
    };
    for (t, c, i) in merged {
        let (case, cmds) = &streams[c];
        match schedule {
            Schedule::BeforeEach => advance(&mut desk, &mut seen, t)?,
            Schedule::Wakeups => {
                while let Some(w) = desk.next_wakeup().filter(|w| *w <= t) {
                    advance(&mut desk, &mut seen, w)?;
                }
            }
            Schedule::At(_) => {
                while let Some((&first, rest)) = instants.split_first() {
                    if first > t {
                        break;
                    }
                    advance(&mut desk, &mut seen, first)?;
                    instants = rest;
                }
            }
            _ => {}
        }
        let entry = seen.entry(case.clone()).or_default();
        match desk.handle(case, cmds[i].clone(), t) {
            Ok(events) => {
                entry.log.extend(events);
                entry.accepted.push(true);
            }
            Err(DeskError::Refused { .. } | DeskError::UnknownCase { .. }) => {
                entry.accepted.push(false);
            }
            Err(other) => return Err(TestCaseError::fail(other.to_string())),
        }
        if *schedule == Schedule::AfterEach {
            advance(&mut desk, &mut seen, t)?;
        }
    }
    for &at in instants.iter().filter(|at| **at <= end) {
        advance(&mut desk, &mut seen, at)?;
    }
    advance(&mut desk, &mut seen, end)?;
    Ok((desk, seen))
}

/// Checks the desk against every case driven by hand.
fn same_as_by_hand(
    policy: &Policy,
    command_lists: Vec<Vec<Command>>,
    schedule: &Schedule,
) -> Result<(), TestCaseError> {
    let streams: Vec<(CaseId, Vec<Command>)> = command_lists
        .into_iter()
        .enumerate()
        .map(|(n, cmds)| (format!("case-{n}").parse().unwrap(), cmds))
        .collect();
    let last = streams
        .iter()
        .flat_map(|(_, cmds)| cmds.iter().map(Command::at))
        .chain(match schedule {
            Schedule::At(instants) => instants.clone(),
            _ => Vec::new(),
        })
        .max()
        .unwrap();
    let end = last + TimeDelta::days(7);
    let (desk, seen) = through_the_desk(policy, &streams, schedule, end)?;
    let mut earliest: Option<DateTime<Utc>> = None;
    for (id, cmds) in &streams {
        let alone = by_hand(policy, id, cmds, end);
        let found = seen.get(id).map(|s| (&s.log[..], &s.accepted[..]));
        prop_assert_eq!(
            found,
            Some((&alone.log[..], &alone.accepted[..])),
            "case {} differs",
            id
        );
        if let Some(case) = desk.case(id) {
            prop_assert_eq!(case, &alone.case);
            prop_assert_eq!(desk.wakeup(id), alone.case.next_wakeup(policy));
        } else {
            // A case whose opening was refused is not on the desk.
            prop_assert_eq!(alone.case.version(), 0);
        }
        if let Some(w) = alone.case.next_wakeup(policy) {
            earliest = Some(earliest.map_or(w, |e| e.min(w)));
        }
    }
    prop_assert_eq!(desk.next_wakeup(), earliest);
    Ok(())
}

/// A random valid policy with up to four command lists for it.
fn workload(knobs: Knobs) -> impl Strategy<Value = (Policy, Vec<Vec<Command>>)> {
    policies(knobs).prop_flat_map(|p| {
        let lists = prop::collection::vec(commands(&p), 1..5);
        (Just(p), lists)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Under random valid policies, for any wake-up schedule.
    #[test]
    fn the_desk_gives_each_case_the_events_it_gets_by_hand(
        (policy, lists) in workload(Knobs::default()),
        schedule in schedules(),
    ) {
        same_as_by_hand(&policy, lists, &schedule)?;
    }

    /// Under the recommended policy, on the schedules a host uses.
    #[test]
    fn the_desk_gives_each_case_the_events_it_gets_by_hand_under_the_recommended_policy(
        lists in prop::collection::vec(commands(&Policy::recommended()), 1..5),
        schedule in prop_oneof![Just(Schedule::Never), Just(Schedule::Wakeups), Just(Schedule::AfterEach)],
    ) {
        same_as_by_hand(&Policy::recommended(), lists, &schedule)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// Hundreds of cases due in one `advance` (ticked on every core) get
    /// what each gets by hand (the order across cases: `tests/desk.rs`).
    #[test]
    fn many_cases_due_at_once_get_the_events_they_get_by_hand(
        lists in prop::collection::vec(commands(&Policy::recommended()), 400..450),
    ) {
        same_as_by_hand(&Policy::recommended(), lists, &Schedule::Never)?;
    }
}
