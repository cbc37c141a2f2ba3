//! Model-based test: random command sequences run against the case and a
//! small naive model, compared after every step.

#![allow(
    clippy::too_many_lines,        // the model is one match per command kind, clearest whole
    clippy::match_same_arms,       // arms mirror the case's rules one by one
    clippy::cast_possible_truncation
)]

mod support;

use std::collections::HashSet;

use chrono::TimeDelta;
use escalate::testing::commands;
use escalate::{
    Actor, Agent, Case, Command, CommandKind, CommandName, Origin, PromiseState, Refusal, StateName,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use support::{TIERS, agent, three_tiers};

fn rank(a: &Agent) -> Option<usize> {
    TIERS.iter().position(|t| *t == a.tier().as_str())
}

/// What the model test does to a generated command to reach the refusals
/// that well-formed commands rarely meet: send it again under an earlier
/// command's id, expect a version (the right one or a stale one), date it
/// after the host's clock or before the last command, or have someone else
/// send it (the customer, the system, an agent of each tier, or one of a
/// tier the policy does not know).
#[derive(Clone, Debug)]
struct Twist {
    reuse: Option<prop::sample::Index>,
    expect: Option<u8>,
    future: bool,
    earlier: Option<i64>,
    actor: Option<u8>,
}

fn twist() -> impl Strategy<Value = Twist> {
    (
        prop::option::weighted(0.08, any::<prop::sample::Index>()),
        prop::option::weighted(0.1, 0u8..3),
        prop::bool::weighted(0.03),
        prop::option::weighted(0.1, 1i64..30),
        prop::option::weighted(0.15, 0u8..6),
    )
        .prop_map(|(reuse, expect, future, earlier, actor)| Twist {
            reuse,
            expect,
            future,
            earlier,
            actor,
        })
}

/// Actor `n` of a twist: the customer, the system, an agent of each of the
/// three tiers, or one of a tier the policy does not know.
fn stand_in(n: u8) -> Actor {
    match n {
        0 => Actor::Customer,
        1 => Actor::System,
        2 => Actor::Agent(agent("ann-0", "frontline")),
        3 => Actor::Agent(agent("ann-1", "supervisor")),
        4 => Actor::Agent(agent("ann-2", "manager")),
        _ => Actor::Agent(agent("ghost", "regional")),
    }
}

/// The naive model: what the case should look like, computed independently.
#[derive(Clone, Debug, Default)]
struct Model {
    state: Option<StateName>,
    owner: Option<Agent>,
    handoff: Option<Agent>,
    ever_owned: bool,
    version: u64,
    /// The ids of the latest commands accepted (the case remembers as many).
    ids: std::collections::VecDeque<String>,
    contacts: usize,
    unanswered: usize,
    promises: Vec<&'static str>,
    /// Whether each promise's clock is still running.
    promise_clocks: Vec<bool>,
    /// When each promise falls due.
    promise_due: Vec<chrono::DateTime<chrono::Utc>>,
    churned: bool,
    priority: escalate::Priority,
}

#[derive(Debug, PartialEq)]
enum Verdict {
    /// Accepted, producing this many events.
    Accept(u64),
    /// Refused, with the refusal's variant.
    Refuse(&'static str),
    /// An offer, a grant or an answer to an offer that the state and the
    /// actor allow: accepted with at least one event, or refused by the
    /// recovery guards or for the offer's state (the model does not follow
    /// money).
    Gesture,
}

/// Whether a refusal is one of those a gesture command meets past the
/// state and the actor.
fn gesture_refusal(r: &Refusal) -> bool {
    matches!(
        r,
        Refusal::Grant(_)
            | Refusal::UnknownOffer { .. }
            | Refusal::OfferNotAccepted { .. }
            | Refusal::OfferNotOpen { .. }
            | Refusal::NoGesture
    )
}

fn variant(r: &Refusal) -> &'static str {
    match r {
        Refusal::InvalidTransition { .. } => "InvalidTransition",
        Refusal::NotOwner { .. } => "NotOwner",
        Refusal::CustomerNotAllowed { .. } => "CustomerNotAllowed",
        Refusal::CustomerOnly { .. } => "CustomerOnly",
        Refusal::UnknownTier { .. } => "UnknownTier",
        Refusal::StaleVersion { .. } => "StaleVersion",
        Refusal::InTheFuture { .. } => "InTheFuture",
        Refusal::NotHigherTier { .. } => "NotHigherTier",
        Refusal::AlreadyOwner { .. } => "AlreadyOwner",
        Refusal::NoHandoffPending => "NoHandoffPending",
        Refusal::NotOfferedTo { .. } => "NotOfferedTo",
        Refusal::UnknownPromise { .. } => "UnknownPromise",
        Refusal::PromiseSettled { .. } => "PromiseSettled",
        Refusal::NegativeLoss { .. } => "NegativeLoss",
        Refusal::PriorityUnchanged { .. } => "PriorityUnchanged",
        Refusal::UnansweredContact { .. } => "UnansweredContact",
        Refusal::UnknownPauseReason { .. } => "UnknownPauseReason",
        _ => "other",
    }
}

impl Model {
    /// Time passes to `now`: an open promise whose clock runs past its due
    /// instant is broken, and its clock stopped.
    fn until(&self, now: chrono::DateTime<chrono::Utc>) -> Model {
        let mut m = self.clone();
        for (i, due) in self.promise_due.iter().enumerate() {
            if m.promises[i] == "open" && m.promise_clocks[i] && *due <= now {
                m.promises[i] = "broken";
                m.promise_clocks[i] = false;
            }
        }
        m
    }

    fn state(&self) -> StateName {
        self.state.unwrap_or(StateName::Unopened)
    }

    /// May this actor act for the company?
    fn company(&self, actor: &Actor) -> Result<(), &'static str> {
        match actor {
            Actor::Customer => Err("CustomerNotAllowed"),
            Actor::System => Ok(()),
            Actor::Agent(a) => match &self.owner {
                None => Ok(()),
                Some(o) if o.id() == a.id() => Ok(()),
                Some(o) if rank(a) > rank(o) => Ok(()),
                Some(_) => Err("NotOwner"),
            },
        }
    }

    fn verdict(&self, command: &Command, t: &Twist) -> Verdict {
        use StateName::*;
        let (actor, kind) = (command.actor(), command.kind());
        if self.ids.iter().any(|id| id == command.id().as_str()) {
            return Verdict::Accept(0);
        }
        if t.expect.is_some_and(|e| e != 0) {
            return Verdict::Refuse("StaleVersion");
        }
        if t.future {
            return Verdict::Refuse("InTheFuture");
        }
        if let Actor::Agent(a) = actor
            && rank(a).is_none()
        {
            return Verdict::Refuse("UnknownTier");
        }
        let st = self.state();
        let open = matches!(st, New | Working | AwaitingCustomer | Resolved);
        let active = matches!(st, Working | AwaitingCustomer);
        let company = || self.company(actor);
        let r: Result<u64, &'static str> = (|| match kind {
            CommandKind::Open { origin, .. } => {
                if st != Unopened {
                    return Err("InvalidTransition");
                }
                let by_customer = matches!(origin, Origin::Contact { .. } | Origin::Survey { .. });
                if *actor == Actor::Customer && !by_customer {
                    return Err("CustomerNotAllowed");
                }
                let extra = match (origin, actor) {
                    (Origin::Contact { .. } | Origin::Survey { .. }, _) => 1,
                    (Origin::InternalDetection, Actor::Agent(_)) => 1,
                    _ => 0,
                };
                Ok(1 + extra)
            }
            CommandKind::Contact { .. } | CommandKind::AnswerSurvey { .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                if matches!(actor, Actor::Agent(_)) {
                    return Err("CustomerOnly");
                }
                Ok(
                    if st == Resolved && matches!(kind, CommandKind::Contact { .. }) {
                        2
                    } else {
                        1
                    },
                )
            }
            CommandKind::SignalChurn { .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                if *actor != Actor::Customer {
                    company()?;
                }
                Ok(1)
            }
            CommandKind::ConfirmResolution => {
                if st != Resolved {
                    return Err("InvalidTransition");
                }
                if *actor != Actor::Customer {
                    return Err("CustomerOnly");
                }
                Ok(1)
            }
            CommandKind::Respond { .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                company()?;
                Ok(1)
            }
            CommandKind::Close { .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                company()?;
                // Closing stops every running promise clock.
                Ok(1 + self.promise_clocks.iter().filter(|live| **live).count() as u64)
            }
            CommandKind::RecordFailure { loss, .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                company()?;
                if loss.is_some_and(|l| l.minor() < 0) {
                    return Err("NegativeLoss");
                }
                Ok(1)
            }
            CommandKind::Promise { .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                company()?;
                // The promise, and its clock starting.
                Ok(2)
            }
            CommandKind::KeepPromise { promise } | CommandKind::BreakPromise { promise } => {
                if !open {
                    return Err("InvalidTransition");
                }
                company()?;
                let n = promise.get() as usize;
                if n == 0 || n > self.promises.len() {
                    return Err("UnknownPromise");
                }
                if self.promises[n - 1] != "open" {
                    return Err("PromiseSettled");
                }
                // Settling it stops its clock.
                Ok(1 + u64::from(self.promise_clocks[n - 1]))
            }
            CommandKind::Assign { to } => {
                if st != New {
                    return Err("InvalidTransition");
                }
                company()?;
                if rank(to).is_none() {
                    return Err("UnknownTier");
                }
                Ok(1)
            }
            CommandKind::HandOff { to } => {
                if !active {
                    return Err("InvalidTransition");
                }
                company()?;
                if rank(to).is_none() {
                    return Err("UnknownTier");
                }
                if Some(to.id()) == self.owner.as_ref().map(Agent::id) {
                    return Err("AlreadyOwner");
                }
                Ok(1)
            }
            CommandKind::AcceptHandoff | CommandKind::DeclineHandoff => {
                if !active {
                    return Err("InvalidTransition");
                }
                let Some(h) = &self.handoff else {
                    return Err("NoHandoffPending");
                };
                match actor {
                    // The agent offered, at the tier offered.
                    Actor::Agent(a) if a == h => Ok(1),
                    Actor::Customer => Err("CustomerNotAllowed"),
                    _ => Err("NotOfferedTo"),
                }
            }
            CommandKind::Escalate { to, .. } => {
                if !active {
                    return Err("InvalidTransition");
                }
                company()?;
                let Some(to_rank) = rank(to) else {
                    return Err("UnknownTier");
                };
                if Some(to.id()) == self.owner.as_ref().map(Agent::id) {
                    return Err("AlreadyOwner");
                }
                if Some(to_rank) <= self.owner.as_ref().and_then(rank) {
                    return Err("NotHigherTier");
                }
                Ok(1)
            }
            CommandKind::ChangePriority { priority } => {
                if !open {
                    return Err("InvalidTransition");
                }
                company()?;
                if *priority == self.priority {
                    return Err("PriorityUnchanged");
                }
                // The policy tracks no SLA: no clock to retarget.
                Ok(1)
            }
            CommandKind::WaitOnCustomer { .. } => {
                if st != Working {
                    return Err("InvalidTransition");
                }
                company()?;
                // Not while the customer waits for a reply.
                if self.unanswered > 0 {
                    return Err("UnansweredContact");
                }
                Ok(1)
            }
            CommandKind::Pause { reason, .. } => {
                if st != Working {
                    return Err("InvalidTransition");
                }
                company()?;
                // The model's policy has only the default reason.
                if reason.as_str() != "awaiting_customer" {
                    return Err("UnknownPauseReason");
                }
                if self.unanswered > 0 {
                    return Err("UnansweredContact");
                }
                Ok(1)
            }
            CommandKind::Resume => {
                if st != AwaitingCustomer {
                    return Err("InvalidTransition");
                }
                company()?;
                Ok(1)
            }
            CommandKind::Resolve { .. } => {
                if !active {
                    return Err("InvalidTransition");
                }
                company()?;
                Ok(1)
            }
            CommandKind::Offer { .. }
            | CommandKind::Grant { .. }
            | CommandKind::GrantOffer { .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                company()?;
                Ok(0)
            }
            CommandKind::AcceptOffer { .. } | CommandKind::DeclineOffer { .. } => {
                if !open {
                    return Err("InvalidTransition");
                }
                if matches!(actor, Actor::Agent(_)) {
                    return Err("CustomerOnly");
                }
                Ok(0)
            }
            _ => unreachable!("the strategy makes no other command"),
        })();
        match r {
            // Past the state and the actor, gestures are the guards' to decide.
            Ok(0) => Verdict::Gesture,
            Ok(n) => Verdict::Accept(n),
            Err(v) => Verdict::Refuse(v),
        }
    }

    /// Evolves the model after an accepted command.
    fn accept(&mut self, command: &Command, events: u64) {
        use StateName::*;
        let (actor, kind) = (command.actor(), command.kind());
        if self.ids.len() == Case::COMMAND_WINDOW {
            self.ids.pop_front();
        }
        self.ids.push_back(command.id().as_str().to_owned());
        self.version += events;
        let st = self.state();
        let take = |m: &mut Model, a: &Agent| {
            m.owner = Some(a.clone());
            m.handoff = None;
            m.ever_owned = true;
            if m.state() == New {
                m.state = Some(Working);
            }
        };
        match kind {
            CommandKind::ChangePriority { priority } => self.priority = *priority,
            CommandKind::Open {
                origin, priority, ..
            } => {
                self.priority = *priority;
                self.state = Some(New);
                if matches!(origin, Origin::Contact { .. }) {
                    self.contacts += 1;
                    self.unanswered += 1;
                }
                if let (Origin::InternalDetection, Actor::Agent(a)) = (origin, actor) {
                    take(self, a);
                }
            }
            CommandKind::Contact { .. } => {
                self.contacts += 1;
                self.unanswered += 1;
                if matches!(st, Resolved | AwaitingCustomer) {
                    self.state = Some(Working);
                }
            }
            // An automatic acknowledgement or an internal note answers nothing.
            CommandKind::Respond { kind, .. } if kind.is_reply() => self.unanswered = 0,
            CommandKind::Assign { to } | CommandKind::Escalate { to, .. } => take(self, to),
            CommandKind::HandOff { to } => self.handoff = Some(to.clone()),
            CommandKind::AcceptHandoff => {
                if let Actor::Agent(a) = actor {
                    take(self, a);
                }
            }
            CommandKind::DeclineHandoff => self.handoff = None,
            CommandKind::Promise { due, .. } => {
                self.promises.push("open");
                self.promise_clocks.push(true);
                self.promise_due.push(*due);
            }
            CommandKind::KeepPromise { promise } => {
                self.promises[promise.get() as usize - 1] = "kept";
                self.promise_clocks[promise.get() as usize - 1] = false;
            }
            CommandKind::BreakPromise { promise } => {
                self.promises[promise.get() as usize - 1] = "broken";
                self.promise_clocks[promise.get() as usize - 1] = false;
            }
            CommandKind::WaitOnCustomer { .. } | CommandKind::Pause { .. } => {
                self.state = Some(AwaitingCustomer);
            }
            CommandKind::Resume => self.state = Some(Working),
            CommandKind::SignalChurn { .. } => self.churned = true,
            CommandKind::Resolve { .. } => {
                self.state = Some(Resolved);
                self.handoff = None;
            }
            CommandKind::Close { .. } => {
                self.promise_clocks
                    .iter_mut()
                    .for_each(|live| *live = false);
                self.state = Some(Closed);
                self.owner = None;
                self.handoff = None;
            }
            _ => {}
        }
    }
}

fn check_against_model(case: &Case, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(case.status().name(), model.state());
    prop_assert_eq!(case.owner(), model.owner.as_ref());
    let handoff = case
        .status()
        .ownership()
        .and_then(|o| o.handoff())
        .map(escalate::Handoff::to);
    prop_assert_eq!(handoff, model.handoff.as_ref());
    prop_assert_eq!(case.version(), model.version);
    prop_assert_eq!(case.contact_count() as usize, model.contacts);
    prop_assert_eq!(case.unanswered().len(), model.unanswered);
    // The case keeps its open promises and counts the rest.
    let promises: Vec<(u32, &str)> = case
        .promises()
        .iter()
        .map(|p| {
            (
                p.id().get(),
                match p.state() {
                    PromiseState::Open => "open",
                    PromiseState::Kept { .. } => "kept",
                    PromiseState::Broken { .. } => "broken",
                },
            )
        })
        .collect();
    let open: Vec<(u32, &str)> = (1..)
        .zip(model.promises.iter().copied())
        .filter(|(_, state)| *state == "open")
        .collect();
    prop_assert_eq!(promises, open);
    prop_assert_eq!(case.promise_count() as usize, model.promises.len());
    prop_assert_eq!(case.churned_at().is_some(), model.churned);
    // The case keeps its running clocks and the latest stopped one (a
    // reopening may resume it), and counts the rest.
    let kept: Vec<(u32, bool)> = case
        .clocks()
        .iter()
        .map(|c| {
            (
                c.id().get(),
                !matches!(c.state(), escalate::sla::ClockState::Stopped { .. }),
            )
        })
        .collect();
    let latest = model.promise_clocks.len() as u32;
    let expected: Vec<(u32, bool)> = (1..)
        .zip(model.promise_clocks.iter().copied())
        .filter(|(id, live)| *live || *id == latest)
        .collect();
    prop_assert_eq!(kept, expected);
    prop_assert_eq!(case.clock_count() as usize, model.promise_clocks.len());
    Ok(())
}

/// Generated commands, each with a twist (mostly none).
fn twisted() -> impl Strategy<Value = Vec<(Command, Twist)>> {
    commands(&three_tiers("model")).prop_flat_map(|commands| {
        let n = commands.len();
        (Just(commands), prop::collection::vec(twist(), n))
            .prop_map(|(commands, twists)| commands.into_iter().zip(twists).collect())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn case_matches_the_naive_model(steps in twisted()) {
        let policy = three_tiers("model");
        let mut case = Case::new("M-1".parse().unwrap());
        let mut log: Vec<escalate::Event> = Vec::new();
        let mut model = Model::default();
        let mut clock = steps[0].0.at();
        let mut sent: Vec<escalate::CommandId> = Vec::new();
        for (generated, t) in steps {
            let id = match &t.reuse {
                Some(i) if !sent.is_empty() => sent[i.index(sent.len())].clone(),
                _ => generated.id().clone(),
            };
            let actor = t.actor.map_or_else(|| generated.actor().clone(), stand_in);
            let at = generated.at() - TimeDelta::minutes(t.earlier.unwrap_or(0));
            clock = clock.max(at);
            let now = if t.future { at - TimeDelta::seconds(1) } else { clock };
            let mut cmd = Command::new(id.clone(), actor.clone(), at, generated.kind().clone());
            if let Some(e) = t.expect {
                // 0: the right version; 1 and 2: stale ones.
                cmd = cmd.expecting(case.version() + u64::from(e));
            }
            sent.push(id);
            let kind = cmd.kind().clone();
            // What time does by the command's time: what a refused command
            // leaves unrecorded.
            let timed_model = model.until(at);
            let expected_verdict = timed_model.verdict(&cmd, &t);
            let repeated = model.ids.iter().any(|id| id == cmd.id().as_str());
            let owner_before = case.owner().cloned();
            let before = case.clone();
            match case.handle(&policy, cmd.clone(), now) {
                Ok(events) => {
                    // Law: a repeated command id changes nothing.
                    if repeated {
                        prop_assert!(events.is_empty());
                    }
                    // What time made due by the command's time comes first, from no command.
                    let timed = events.iter().take_while(|e| e.command().is_none()).count();
                    prop_assert!(events[timed..].iter().all(|e| e.command().is_some()));
                    let made = (events.len() - timed) as u64;
                    if expected_verdict == Verdict::Gesture {
                        prop_assert!(made > 0);
                    } else {
                        prop_assert_eq!(&expected_verdict, &Verdict::Accept(made));
                    }
                    // Law: no company action from a non-owner of lower or equal tier.
                    let company_side = !matches!(kind, CommandKind::Open { .. } | CommandKind::Contact { .. }
                        | CommandKind::AnswerSurvey { .. } | CommandKind::SignalChurn { .. }
                        | CommandKind::ConfirmResolution | CommandKind::AcceptHandoff | CommandKind::DeclineHandoff
                        | CommandKind::AcceptOffer { .. } | CommandKind::DeclineOffer { .. });
                    if let (true, false, Actor::Agent(a), Some(o)) = (company_side, events.is_empty(), &actor, &owner_before) {
                        prop_assert!(a.id() == o.id() || rank(a) > rank(o), "{a} acted on {o}'s case");
                    }
                    for e in &events {
                        case.apply(e).unwrap();
                    }
                    log.extend(events.iter().cloned());
                    if timed > 0 {
                        model = timed_model;
                    }
                    model.version += timed as u64;
                    if made > 0 {
                        model.accept(&cmd, made);
                    }
                }
                Err(refusal) => {
                    if expected_verdict == Verdict::Gesture {
                        prop_assert!(gesture_refusal(&refusal), "{}", refusal);
                    } else {
                        prop_assert_eq!(&expected_verdict, &Verdict::Refuse(variant(&refusal)), "{}", refusal);
                    }
                    prop_assert_eq!(&case, &before);
                }
            }
            check_against_model(&case, &model)?;
            // Law: replay of the emitted events equals the live case.
            if case.version() > 0 {
                prop_assert_eq!(&Case::replay(&log).unwrap(), &case);
            }
            // Law: version equals the number of events, numbered 1..=n.
            prop_assert_eq!(case.version(), log.len() as u64);
            for (i, e) in log.iter().enumerate() {
                prop_assert_eq!(e.version(), i as u64 + 1);
            }
            // Law: exactly one owner from the first assignment until closing.
            if model.ever_owned && case.status().name() != StateName::Closed {
                prop_assert!(case.owner().is_some());
            }
        }
    }
}

#[test]
fn the_commands_cover_every_kind_the_model_knows() {
    // A guard for the model: the kit's commands include every kind of
    // command the model has an arm for (all but adopting a policy).
    let mut runner = TestRunner::deterministic();
    let mut names: HashSet<CommandName> = HashSet::new();
    for _ in 0..200 {
        let tree = twisted().new_tree(&mut runner).unwrap();
        names.extend(tree.current().iter().map(|(c, _)| c.kind().name()));
    }
    assert_eq!(names.len(), 26);
    assert!(!names.contains(&CommandName::AdoptPolicy));
}
