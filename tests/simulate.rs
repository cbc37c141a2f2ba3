//! `tools::simulate`: a population is deterministic by seed, every case's
//! log is one the policy produced (it replays, and the commands rebuilt
//! from it replay to the same log), and the mix follows the knobs.

use std::collections::BTreeMap;

use escalate::policy::Policy;
use escalate::replay::{History, Host};
use escalate::testing::{Knobs as PolicyKnobs, policies};
use escalate::tools::simulate::{Simulation, SimulatedCase};
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
        let history = History::from_events(&case.events)
            .unwrap_or_else(|e| panic!("{}: {e}", case.id));
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
    let refused: u32 = cases.iter().map(|c| c.refused).sum();
    eprintln!("{events} events, {refused} refused");
}
