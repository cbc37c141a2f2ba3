//! Model-based test: random command sequences run against the case and a
//! small naive model, compared after every step.

#![allow(
    clippy::too_many_lines,        // the model is one match per command kind, clearest whole
    clippy::match_same_arms,       // arms mirror the case's rules one by one
    clippy::cast_possible_truncation
)]

mod support;

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use escalate::recovery::{Currency, Money};
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, CommandName, Customer, CustomerValue,
    FailureKind, Origin, Outcome, PromiseId, PromiseState, Refusal, ResponseKind, StateName,
    SurveyScore,
};
use proptest::prelude::*;
use support::{TIERS, agent, day, three_tiers};

/// Agents: two frontline, one supervisor, one manager, and one whose tier
/// the policy does not know.
fn agents() -> Vec<Agent> {
    vec![
        agent("ann", "frontline"),
        agent("abe", "frontline"),
        agent("sue", "supervisor"),
        agent("max", "manager"),
        agent("ghost", "regional"),
    ]
}

fn rank(a: &Agent) -> Option<usize> {
    TIERS.iter().position(|t| *t == a.tier().as_str())
}

#[derive(Clone, Debug)]
struct Step {
    id: u8,
    actor: u8,
    dt_minutes: i64,
    future: bool,
    expect: Option<u8>,
    kind: u8,
    target: u8,
    param: u8,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0u8..24,
        0u8..7,
        -30i64..240,
        prop::bool::weighted(0.03),
        prop::option::weighted(0.1, 0u8..3),
        0u8..18,
        0u8..5,
        0u8..6,
    )
        .prop_map(
            |(id, actor, dt_minutes, future, expect, kind, target, param)| Step {
                id,
                actor,
                dt_minutes,
                future,
                expect,
                kind,
                target,
                param,
            },
        )
}

/// Actor `n`: the customer, the system, or one of [`agents`].
#[track_caller]
fn actor_of(n: u8) -> Actor {
    support::actor_of(n, &agents())
}

fn kind_of(s: &Step) -> CommandKind {
    let target = agents()[usize::from(s.target)].clone();
    let channel = [
        Channel::Phone,
        Channel::Voicemail,
        Channel::Email,
        Channel::SocialPublic,
        Channel::Survey,
        Channel::Chat,
    ][usize::from(s.param)];
    match s.kind {
        0 => CommandKind::Open {
            customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
            origin: match s.param {
                0 | 1 => Origin::Contact { channel },
                2 => Origin::Referral {
                    from: "doctor".into(),
                },
                3 => Origin::Survey {
                    score: SurveyScore::new(1).unwrap(),
                },
                _ => Origin::InternalDetection,
            },
            summary: "problem".into(),
            priority: escalate::Priority::Normal,
        },
        1 => CommandKind::Contact {
            channel,
            note: "hello".into(),
        },
        2 => CommandKind::Respond {
            channel,
            note: "reply".into(),
            kind: if s.param == 0 {
                ResponseKind::Deflection
            } else {
                ResponseKind::Answer
            },
        },
        3 => CommandKind::Assign { to: target },
        4 => CommandKind::HandOff { to: target },
        5 => CommandKind::AcceptHandoff,
        6 => CommandKind::DeclineHandoff,
        7 => CommandKind::Escalate {
            to: target,
            reason: "why".into(),
        },
        8 => CommandKind::RecordFailure {
            kind: FailureKind::Product,
            description: "broken".into(),
            loss: (s.param > 0)
                .then(|| Money::new(i64::from(s.param) * 1000 - 1500, Currency::USD)),
        },
        9 => CommandKind::Promise {
            what: "call back".into(),
            due: base() + TimeDelta::hours(i64::from(s.param)),
        },
        10 => CommandKind::KeepPromise {
            promise: PromiseId::new(u32::from(s.param % 3)),
        },
        11 => CommandKind::BreakPromise {
            promise: PromiseId::new(u32::from(s.param % 3)),
        },
        12 => CommandKind::WaitOnCustomer {
            reason: "photos".into(),
        },
        13 => CommandKind::AnswerSurvey {
            score: SurveyScore::new(s.param % 5 + 1).unwrap(),
            comment: "meh".into(),
        },
        14 => CommandKind::SignalChurn { note: "bye".into() },
        15 => CommandKind::Resolve {
            summary: "fixed".into(),
        },
        16 => CommandKind::ConfirmResolution,
        _ => CommandKind::Close {
            outcome: [Outcome::Retained, Outcome::WonBack, Outcome::Lost][usize::from(s.param % 3)],
            review: None,
        },
    }
}

/// Where the model's clock starts: Thursday 2021-03-04 15:00 UTC.
fn base() -> DateTime<Utc> {
    day(4, 15, 0)
}

/// The naive model: what the case should look like, computed independently.
#[derive(Debug, Default)]
struct Model {
    state: Option<StateName>,
    owner: Option<Agent>,
    handoff: Option<Agent>,
    ever_owned: bool,
    version: u64,
    ids: HashSet<u8>,
    contacts: usize,
    unanswered: usize,
    promises: Vec<&'static str>,
    /// Whether each promise's clock is still running.
    promise_clocks: Vec<bool>,
    churned: bool,
}

#[derive(Debug, PartialEq)]
enum Verdict {
    /// Accepted, producing this many events.
    Accept(u64),
    /// Refused, with the refusal's variant.
    Refuse(&'static str),
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
        _ => "other",
    }
}

impl Model {
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

    fn verdict(&self, s: &Step, actor: &Actor, kind: &CommandKind) -> Verdict {
        use StateName::*;
        if self.ids.contains(&s.id) {
            return Verdict::Accept(0);
        }
        if s.expect.is_some_and(|e| e != 0) {
            return Verdict::Refuse("StaleVersion");
        }
        if s.future {
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
            CommandKind::WaitOnCustomer { .. } => {
                if st != Working {
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
            _ => unreachable!("the strategy makes no other command"),
        })();
        match r {
            Ok(n) => Verdict::Accept(n),
            Err(v) => Verdict::Refuse(v),
        }
    }

    /// Evolves the model after an accepted command.
    fn accept(&mut self, s: &Step, actor: &Actor, kind: &CommandKind, events: u64) {
        use StateName::*;
        self.ids.insert(s.id);
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
            CommandKind::Open { origin, .. } => {
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
            CommandKind::Respond { .. } => self.unanswered = 0,
            CommandKind::Assign { to } | CommandKind::Escalate { to, .. } => take(self, to),
            CommandKind::HandOff { to } => self.handoff = Some(to.clone()),
            CommandKind::AcceptHandoff => {
                if let Actor::Agent(a) = actor {
                    take(self, a);
                }
            }
            CommandKind::DeclineHandoff => self.handoff = None,
            CommandKind::Promise { .. } => {
                self.promises.push("open");
                self.promise_clocks.push(true);
            }
            CommandKind::KeepPromise { promise } => {
                self.promises[promise.get() as usize - 1] = "kept";
                self.promise_clocks[promise.get() as usize - 1] = false;
            }
            CommandKind::BreakPromise { promise } => {
                self.promises[promise.get() as usize - 1] = "broken";
                self.promise_clocks[promise.get() as usize - 1] = false;
            }
            CommandKind::WaitOnCustomer { .. } => self.state = Some(AwaitingCustomer),
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
    prop_assert_eq!(case.contacts().len(), model.contacts);
    prop_assert_eq!(case.unanswered().len(), model.unanswered);
    let promises: Vec<&str> = case
        .promises()
        .iter()
        .map(|p| match p.state() {
            PromiseState::Open => "open",
            PromiseState::Kept { .. } => "kept",
            PromiseState::Broken { .. } => "broken",
        })
        .collect();
    prop_assert_eq!(promises, model.promises.clone());
    prop_assert_eq!(case.churned_at().is_some(), model.churned);
    let live: Vec<bool> = case
        .clocks()
        .iter()
        .map(|c| !matches!(c.state(), escalate::sla::ClockState::Stopped { .. }))
        .collect();
    prop_assert_eq!(live, model.promise_clocks.clone());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn case_matches_the_naive_model(first_open in 0u8..5, steps in prop::collection::vec(step(), 1..60)) {
        let policy = three_tiers("model");
        let mut case = Case::new("M-1".parse().unwrap());
        let mut model = Model::default();
        let mut clock = base();
        // Usually start with an open so that most steps exercise an opened case.
        let opening = Step { id: 99, actor: 0, dt_minutes: 0, future: false, expect: None, kind: 0, target: 0, param: first_open };
        for s in std::iter::once(opening).chain(steps) {
            let actor = actor_of(s.actor);
            let kind = kind_of(&s);
            let at = clock + TimeDelta::minutes(s.dt_minutes);
            clock = clock.max(at);
            let now = if s.future { at - TimeDelta::seconds(1) } else { clock };
            let mut cmd = Command::new(format!("c{}", s.id).parse().unwrap(), actor.clone(), at, kind.clone());
            if let Some(e) = s.expect {
                // 0: the right version; 1 and 2: stale ones.
                cmd = cmd.expecting(case.version() + u64::from(e));
            }
            let expected_verdict = model.verdict(&s, &actor, &kind);
            let owner_before = case.owner().cloned();
            let before = case.clone();
            match case.handle(&policy, cmd, now) {
                Ok(events) => {
                    // Law: a repeated command id changes nothing.
                    if model.ids.contains(&s.id) {
                        prop_assert!(events.is_empty());
                    }
                    // What time made due by the command's time comes first, from no command.
                    let timed = events.iter().take_while(|e| e.command().is_none()).count();
                    prop_assert!(events[timed..].iter().all(|e| e.command().is_some()));
                    let made = (events.len() - timed) as u64;
                    prop_assert_eq!(&expected_verdict, &Verdict::Accept(made));
                    // Law: no company action from a non-owner of lower or equal tier.
                    let company_side = !matches!(kind, CommandKind::Open { .. } | CommandKind::Contact { .. }
                        | CommandKind::AnswerSurvey { .. } | CommandKind::SignalChurn { .. }
                        | CommandKind::ConfirmResolution | CommandKind::AcceptHandoff | CommandKind::DeclineHandoff);
                    if let (true, false, Actor::Agent(a), Some(o)) = (company_side, events.is_empty(), &actor, &owner_before) {
                        prop_assert!(a.id() == o.id() || rank(a) > rank(o), "{a} acted on {o}'s case");
                    }
                    for e in &events {
                        case.apply(e).unwrap();
                    }
                    model.version += timed as u64;
                    if made > 0 {
                        model.accept(&s, &actor, &kind, made);
                    }
                }
                Err(refusal) => {
                    prop_assert_eq!(&expected_verdict, &Verdict::Refuse(variant(&refusal)), "{}", refusal);
                    prop_assert_eq!(&case, &before);
                }
            }
            check_against_model(&case, &model)?;
            // Law: replay of the emitted events equals the live case.
            if case.version() > 0 {
                prop_assert_eq!(&Case::replay(case.events().to_vec()).unwrap(), &case);
            }
            // Law: version equals the number of events, numbered 1..=n.
            prop_assert_eq!(case.version(), case.events().len() as u64);
            for (i, e) in case.events().iter().enumerate() {
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
fn command_names_cover_every_kind() {
    // A guard for the model: the strategy produces every command kind.
    let names: HashSet<CommandName> = (0u8..18)
        .map(|k| {
            kind_of(&Step {
                id: 0,
                actor: 0,
                dt_minutes: 0,
                future: false,
                expect: None,
                kind: k,
                target: 0,
                param: 1,
            })
            .name()
        })
        .collect();
    assert_eq!(names.len(), 18);
}
