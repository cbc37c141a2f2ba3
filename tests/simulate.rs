//! `tools::simulate`: a population is deterministic by seed, every case's
//! log is one the policy produced (it replays, and the commands rebuilt
//! from it replay to the same log), and the mix follows the knobs.

use std::collections::BTreeMap;

use escalate::policy::Policy;
use escalate::replay::{History, Host};
use escalate::testing::{Knobs as PolicyKnobs, policies};
use escalate::tools::simulate::{SimulatedCase, Simulation};
use escalate::{Case, Channel, CustomerValue, EventKind, Origin};
use proptest::prelude::*;

fn simulate(simulation: &Simulation, policy: &Policy) -> Vec<SimulatedCase> {
    simulation.generate(policy).unwrap().collect()
}

/// Each case's log replays; `History::from_events` rebuilds its commands,
/// and replaying them under the same policy up to the simulation's end
/// gives the log again, refusing nothing.
#[track_caller]
fn assert_valid(simulation: &Simulation, policy: &Policy, cases: &[SimulatedCase]) {
    let end = simulation.end().unwrap();
    for case in cases {
        let replayed = Case::replay(&case.events)
            .unwrap_or_else(|e| panic!("{}: does not replay: {e}", case.id));
        assert_eq!(replayed.id(), &case.id);
        let history =
            History::from_events(&case.events).unwrap_or_else(|e| panic!("{}: {e}", case.id));
        let replay = history.replay(policy, Host::AsRecorded, Some(end));
        assert!(
            replay.refused().is_empty(),
            "{}: refused {:?}",
            case.id,
            replay.refused()
        );
        assert_eq!(replay.events(), case.events.as_slice(), "{}", case.id);
    }
}

#[test]
fn the_recommended_policy_gives_valid_logs() {
    let policy = Policy::recommended();
    let simulation = Simulation {
        cases: 400,
        days: 14,
        seed: 11,
        ..Simulation::default()
    };
    let cases = simulate(&simulation, &policy);
    assert_eq!(cases.len(), 400);
    assert_valid(&simulation, &policy, &cases);
    let events: usize = cases.iter().map(|c| c.events.len()).sum();
    assert!((10 * 400..=40 * 400).contains(&events), "{events} events");
    // The host acts on what the policy requires: some cases escalate.
    assert!(cases.iter().any(|c| {
        c.events
            .iter()
            .any(|e| matches!(e.kind(), EventKind::Escalated { .. }))
    }));
}

#[test]
fn the_same_seed_gives_the_same_cases_and_another_seed_others() {
    let policy = Policy::recommended();
    let simulation = Simulation {
        cases: 300,
        days: 10,
        seed: 42,
        ..Simulation::default()
    };
    let a = simulate(&simulation, &policy);
    let b = simulate(&simulation, &policy);
    assert_eq!(a, b);
    let json = |cases: &[SimulatedCase]| {
        serde_json::to_string(&cases.iter().map(|c| &c.events).collect::<Vec<_>>()).unwrap()
    };
    assert_eq!(json(&a), json(&b));
    let other = simulate(
        &Simulation {
            seed: 43,
            ..simulation.clone()
        },
        &policy,
    );
    assert_ne!(json(&a), json(&other));
    // More cases do not change the arrival streams of the behaviour: the
    // ids still run in order of arrival.
    let ids: Vec<String> = a.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(ids[0], "SIM-000001");
    assert_eq!(ids[299], "SIM-000300");
    let opened: Vec<_> = a.iter().map(|c| c.events[0].at()).collect();
    assert!(opened.windows(2).all(|w| w[0] <= w[1]));
}

/// Counts per channel, customer value and behaviour follow the knobs
/// (counts, not timings).
#[test]
fn the_mix_follows_the_knobs() {
    let policy = Policy::recommended();
    let mut simulation = Simulation {
        cases: 3_000,
        days: 60,
        seed: 7,
        ..Simulation::default()
    };
    simulation.knobs.high_value_percent = 30;
    simulation.knobs.failure_percent = 40;
    simulation.knobs.churn_percent = 0;
    let cases = simulate(&simulation, &policy);
    let mut channels: BTreeMap<String, usize> = BTreeMap::new();
    let (mut high, mut failed, mut churned, mut surveyed) = (0, 0, 0, 0);
    for case in &cases {
        let EventKind::Opened(opened) = case.events[0].kind() else {
            panic!("{} does not start with opened", case.id);
        };
        if let Origin::Contact { channel } = &opened.origin {
            *channels.entry(channel.to_string()).or_default() += 1;
        }
        if opened.customer.value() == CustomerValue::HighValue {
            high += 1;
        }
        let has = |pick: fn(&EventKind) -> bool| case.events.iter().any(|e| pick(e.kind()));
        failed += usize::from(has(|k| matches!(k, EventKind::FailureRecorded { .. })));
        churned += usize::from(has(|k| matches!(k, EventKind::ChurnSignalled { .. })));
        surveyed += usize::from(has(|k| matches!(k, EventKind::SurveyAnswered { .. })));
    }
    let share = |n: usize| n * 100 / cases.len();
    // Email is 40% of the default arrivals, phone 27%, chat 15%.
    assert!(
        (36..=44).contains(&share(channels[&Channel::Email.to_string()])),
        "{channels:?}"
    );
    assert!(
        (23..=31).contains(&share(channels[&Channel::Phone.to_string()])),
        "{channels:?}"
    );
    assert!(
        (12..=18).contains(&share(channels[&Channel::Chat.to_string()])),
        "{channels:?}"
    );
    assert!((26..=34).contains(&share(high)), "{high} high-value");
    // Failures are recorded after the first reply: nearly all of the 40%.
    assert!((33..=44).contains(&share(failed)), "{failed} with failures");
    assert_eq!(churned, 0);
    // Surveys come after resolution, for 30% of the resolved cases.
    assert!((15..=32).contains(&share(surveyed)), "{surveyed} surveyed");

    // Only email arrivals: every case opens by email.
    simulation
        .knobs
        .arrivals
        .retain(|a| a.channel == Channel::Email);
    simulation.cases = 200;
    for case in simulate(&simulation, &policy) {
        let EventKind::Opened(opened) = case.events[0].kind() else {
            panic!()
        };
        assert_eq!(
            opened.origin,
            Origin::Contact {
                channel: Channel::Email
            }
        );
    }
}

#[test]
fn knobs_that_cannot_run_name_their_field() {
    let policy = Policy::recommended();
    let error = |simulation: Simulation| simulation.generate(&policy).err().unwrap().to_string();
    let mut s = Simulation::default();
    s.knobs.arrivals.iter_mut().for_each(|a| a.weight = 0);
    assert_eq!(error(s), "knobs.arrivals: no arrival has a weight above 0");
    let mut s = Simulation::default();
    s.knobs.office_hours = [17, 9];
    assert_eq!(
        error(s),
        "knobs.office_hours: [17, 9] is not an opening hour before a closing hour (0 to 24)"
    );
    let mut s = Simulation::default();
    s.knobs.churn_percent = 101;
    assert_eq!(
        error(s),
        "knobs.churn_percent: 101 is not a percentage (0 to 100)"
    );
    assert_eq!(
        error(Simulation {
            days: 0,
            ..Simulation::default()
        }),
        "days: 0; at least 1 day"
    );
    // Bounded, so that a typo cannot run for hours or exhaust memory.
    assert_eq!(
        error(Simulation {
            days: u32::MAX,
            ..Simulation::default()
        }),
        "days: 4294967295 is more than 3660 (ten years), the most one simulation spans"
    );
    assert_eq!(
        error(Simulation {
            cases: u32::MAX,
            ..Simulation::default()
        }),
        "cases: 4294967295 is more than 1000000, the most one simulation generates"
    );
    assert!(
        error(Simulation {
            start: "8999-06-01T00:00:00Z".parse().unwrap(),
            days: Simulation::MAX_DAYS,
            ..Simulation::default()
        })
        .starts_with("days: 3660 days from")
    );
    // No cases: nothing, and no error.
    assert_eq!(
        Simulation {
            cases: 0,
            ..Simulation::default()
        }
        .generate(&policy)
        .unwrap()
        .count(),
        0
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Under any valid policy and seed, every simulated log replays and
    /// what-if(P, history recorded under P) reproduces it.
    #[test]
    fn any_policy_gives_logs_that_replay_to_themselves(
        policy in policies(PolicyKnobs { tiers: 1..=6, rules: 0..=8, ..PolicyKnobs::default() }),
        seed in any::<u64>(),
        days in 1u32..=20,
    ) {
        let simulation = Simulation { cases: 25, days, seed, ..Simulation::default() };
        let cases = simulate(&simulation, &policy);
        prop_assert_eq!(cases.len(), 25);
        assert_valid(&simulation, &policy, &cases);
    }
}
