//! Strategies for customers, command sequences and tick schedules.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use crate::policy::{PauseName, Policy};
use crate::recovery::{
    CreditForm, Currency, Entitlement, Gesture, Manner, Money, OfferId, Repair, Review, Waived,
};
use crate::{
    Actor, Agent, AgentId, Channel, Command, CommandId, CommandKind, Customer, CustomerId,
    CustomerValue, FailureId, FailureKind, Origin, Outcome, Priority, PromiseId, ResponseKind,
    SurveyScore, Tier,
};

/// Where generated command sequences start: Friday 2021-03-05 19:00 UTC
/// (14:00 in New York), three hours before the close of a business day.
pub(super) fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0)
        .single()
        .expect("2021-03-05 19:00 UTC exists")
}

/// Customers: ids `cust-1` to `cust-9`, standard or high-value.
///
/// # Panics
/// Never: the ids it builds are valid.
///
/// # Example
/// ```
/// use escalate::testing::customers;
/// use proptest::prelude::*;
/// proptest!(ProptestConfig::with_cases(8), |(customer in customers())| {
///     prop_assert!(customer.id().as_str().starts_with("cust-"));
/// });
/// ```
pub fn customers() -> impl Strategy<Value = Customer> {
    (
        1u8..10,
        prop::sample::select(vec![CustomerValue::Standard, CustomerValue::HighValue]),
    )
        .prop_map(|(n, value)| {
            let id =
                CustomerId::new(format!("cust-{n}")).expect("generated customer ids are valid");
            Customer::new(id, value)
        })
}

/// How a generated case opens: the origin, the actor, the priority.
#[derive(Clone, Debug)]
struct Opening {
    customer: Customer,
    origin: u8,
    agent: u8,
    priority: Priority,
}

/// One generated command, described small so that it shrinks well: the
/// seconds since the previous command, what kind of command (a weighted
/// pick out of 100), who sends it (a pick out of 10: mostly whoever should),
/// whom it names, and a parameter for amounts, scores and ids.
#[derive(Clone, Copy, Debug)]
struct Step {
    gap: i64,
    kind: u8,
    who: u8,
    target: u8,
    param: u16,
}

fn opening() -> impl Strategy<Value = Opening> {
    (
        customers(),
        0u8..10,
        any::<u8>(),
        prop::sample::select(vec![
            Priority::Normal,
            Priority::Low,
            Priority::High,
            Priority::Urgent,
        ]),
    )
        .prop_map(|(customer, origin, agent, priority)| Opening {
            customer,
            origin,
            agent,
            priority,
        })
}

fn step() -> impl Strategy<Value = Step> {
    let gap = prop_oneof![0i64..120, 120i64..7_200, 7_200i64..259_200];
    (gap, 0u8..100, 0u8..10, any::<u8>(), 0u16..1000).prop_map(|(gap, kind, who, target, param)| {
        Step {
            gap,
            kind,
            who,
            target,
            param,
        }
    })
}

/// The agents of a policy: two for each tier, `ann-R` and `bob-R` at rank `R`.
#[derive(Clone, Debug)]
struct Cast {
    agents: Vec<Agent>,
}

impl Cast {
    fn of(tiers: &[Tier]) -> Cast {
        let agents = tiers
            .iter()
            .enumerate()
            .flat_map(|(r, t)| {
                ["ann", "bob"].into_iter().map(move |name| {
                    let id =
                        AgentId::new(format!("{name}-{r}")).expect("generated agent ids are valid");
                    Agent::new(id, t.clone())
                })
            })
            .collect();
        Cast { agents }
    }

    fn any(&self, n: u8) -> Agent {
        self.agents[usize::from(n) % self.agents.len()].clone()
    }

    fn rank(&self, agent: &Agent) -> usize {
        self.agents
            .iter()
            .position(|a| a == agent)
            .map_or(0, |i| i / 2)
    }

    /// An agent of a tier above `agent`'s, if there is one.
    fn above(&self, agent: &Agent, n: u8) -> Option<Agent> {
        let from = (self.rank(agent) + 1) * 2;
        let above = self.agents.get(from..).filter(|a| !a.is_empty())?;
        Some(above[usize::from(n) % above.len()].clone())
    }

    /// The other agent of `agent`'s tier.
    fn peer(&self, agent: &Agent) -> Agent {
        let i = self.agents.iter().position(|a| a == agent).unwrap_or(0);
        self.agents[i ^ 1].clone()
    }
}

/// What the generator believes about the case, to pick actors who may
/// act: the case itself decides.
#[derive(Debug, Default)]
struct Belief {
    owner: Option<Agent>,
    handoff: Option<Agent>,
    awaiting: bool,
    resolved: bool,
    failures: u32,
    /// Whether each promise is still open.
    promises: Vec<bool>,
    /// Each offer's state: open, accepted, or settled otherwise.
    offers: Vec<OfferBelief>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OfferBelief {
    Open,
    Accepted,
    Settled,
}

impl Belief {
    /// The kind of command to send instead of `kind`, so that it mostly
    /// succeeds on the case as the generator believes it to be: nothing to
    /// hand off or escalate before an owner, no promise kept before one is
    /// made, no grant before a failure, no closing before the last quarter.
    fn redirect(&self, kind: Kind, cast: &Cast, late: bool) -> Kind {
        let mut kind = kind;
        // Each rewrite moves towards commands that need less; three suffice.
        for _ in 0..3 {
            kind = match kind {
                Kind::HandOff | Kind::Escalate | Kind::Resolve | Kind::WaitOnCustomer
                    if self.owner.is_none() =>
                {
                    Kind::Assign
                }
                Kind::Assign => match &self.owner {
                    Some(owner) if cast.above(owner, 0).is_some() => Kind::Escalate,
                    Some(_) => Kind::Respond,
                    None => Kind::Assign,
                },
                Kind::AcceptHandoff | Kind::DeclineHandoff if self.handoff.is_none() => {
                    Kind::HandOff
                }
                Kind::KeepPromise | Kind::BreakPromise if !self.promises.contains(&true) => {
                    Kind::Promise
                }
                Kind::Offer | Kind::Grant if self.failures == 0 => Kind::RecordFailure,
                Kind::GrantOffer if !self.offers.contains(&OfferBelief::Accepted) => {
                    Kind::AnswerOffer
                }
                Kind::AnswerOffer if !self.offers.contains(&OfferBelief::Open) => Kind::Offer,
                Kind::ConfirmResolution if !self.resolved => Kind::Resolve,
                Kind::WaitOnCustomer if self.awaiting || self.resolved => Kind::Respond,
                Kind::Close if !late => Kind::Resolve,
                kind => return kind,
            };
        }
        kind
    }

    /// The index of the first open promise, or now and then (and when none
    /// is open) of any, perhaps settled already.
    fn promise(&self, param: u16) -> usize {
        let any = usize::from(param) % self.promises.len().max(1);
        match self.promises.iter().position(|open| *open) {
            Some(open) if !param.is_multiple_of(3) => open,
            _ => any,
        }
    }

    /// The index of the first offer in state `state` (or the first one).
    fn offer(&self, state: OfferBelief) -> usize {
        self.offers.iter().position(|o| *o == state).unwrap_or(0)
    }
}

/// The number of the item at `index`, counted from 1.
fn number(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX - 1) + 1
}

/// The kinds of command, with their weights out of 100.
const KINDS: [(u8, Kind); 22] = [
    (12, Kind::Contact),
    (12, Kind::Respond),
    (8, Kind::Assign),
    (4, Kind::HandOff),
    (3, Kind::AcceptHandoff),
    (2, Kind::DeclineHandoff),
    (5, Kind::Escalate),
    (6, Kind::RecordFailure),
    (5, Kind::Promise),
    (3, Kind::KeepPromise),
    (2, Kind::BreakPromise),
    (3, Kind::WaitOnCustomer),
    (4, Kind::AnswerSurvey),
    (2, Kind::SignalChurn),
    (4, Kind::Resolve),
    (2, Kind::ConfirmResolution),
    (4, Kind::Close),
    (4, Kind::Offer),
    (6, Kind::Grant),
    (3, Kind::GrantOffer),
    (5, Kind::AnswerOffer),
    (1, Kind::Open),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Contact,
    Respond,
    Assign,
    HandOff,
    AcceptHandoff,
    DeclineHandoff,
    Escalate,
    RecordFailure,
    Promise,
    KeepPromise,
    BreakPromise,
    WaitOnCustomer,
    AnswerSurvey,
    SignalChurn,
    Resolve,
    ConfirmResolution,
    Close,
    Offer,
    Grant,
    GrantOffer,
    AnswerOffer,
    Open,
}

fn kind_of(pick: u8) -> Kind {
    let mut left = pick;
    for (weight, kind) in KINDS {
        if left < weight {
            return kind;
        }
        left -= weight;
    }
    Kind::Open
}

/// Command sequences for a case under `policy` that mostly succeed.
///
/// The first command opens the case (from a contact or a survey by the
/// customer, a referral by the system, or an internal detection by an
/// agent); then come up to 39 commands of every kind but `AdoptPolicy`.
/// Ids are unique (`c1`, `c2`, ...); times start at Friday 2021-03-05
/// 19:00 UTC and never decrease (seconds, hours or days apart); agents are
/// two of each of the policy's tiers (`ann-0`, `bob-0` at the most junior
/// tier, `ann-1`, `bob-1` at the next, ...). Each command is mostly sent by
/// whoever may send it: the customer for the customer's commands, the
/// owner (or the system, or someone senior) for the company's, the agent
/// offered a handoff for its answer. Some are refused on purpose: a
/// non-owner acting, an escalation that is not upward, a grant before an
/// apology or after the customer left, a second opening.
///
/// Sequences shrink to a few commands: each command is generated from a
/// small description (gap, kind, sender, target, parameter) and the list of
/// descriptions shrinks by dropping commands; actors are chosen again for
/// what is left.
///
/// # Example
/// ```
/// use escalate::{Actor, CommandKind};
/// use escalate::policy::Policy;
/// use escalate::testing::commands;
/// use proptest::prelude::*;
/// let policy = Policy::default();
/// proptest!(ProptestConfig::with_cases(16), |(commands in commands(&policy))| {
///     let opens = matches!(commands[0].kind(), CommandKind::Open { .. });
///     prop_assert!(opens);
///     prop_assert!(commands.windows(2).all(|w| w[0].at() <= w[1].at()));
///     for command in &commands {
///         if let Actor::Agent(agent) = command.actor() {
///             prop_assert!(policy.rank(agent.tier()).is_some());
///         }
///     }
/// });
/// ```
pub fn commands(policy: &Policy) -> impl Strategy<Value = Vec<Command>> + use<> {
    let cast = Cast::of(policy.tiers());
    (opening(), prop::collection::vec(step(), 0..40))
        .prop_map(move |(open, steps)| script(&cast, &open, &steps))
}

/// The commands the descriptions stand for.
fn script(cast: &Cast, open: &Opening, steps: &[Step]) -> Vec<Command> {
    let mut belief = Belief::default();
    let mut at = start();
    let mut out = Vec::with_capacity(steps.len() + 1);
    let (actor, kind) = opening_command(cast, open, &mut belief);
    out.push(command(1, actor, at, kind));
    for (n, s) in steps.iter().enumerate() {
        at += TimeDelta::seconds(s.gap);
        // Closing comes in the last quarter of the sequence only.
        let late = (n + 1) * 4 >= steps.len() * 3;
        let (actor, kind) = step_command(cast, &mut belief, s, at, late);
        out.push(command(n + 2, actor, at, kind));
    }
    out
}

fn command(n: usize, actor: Actor, at: DateTime<Utc>, kind: CommandKind) -> Command {
    let id = CommandId::new(format!("c{n}")).expect("generated command ids are valid");
    Command::new(id, actor, at, kind)
}

fn opening_command(cast: &Cast, open: &Opening, belief: &mut Belief) -> (Actor, CommandKind) {
    let channels = [
        Channel::Email,
        Channel::Phone,
        Channel::Chat,
        Channel::SocialPublic,
        Channel::Voicemail,
        Channel::SocialPrivate,
    ];
    let (actor, origin) = match open.origin {
        0..=5 => (
            Actor::Customer,
            Origin::Contact {
                channel: channels[usize::from(open.origin)],
            },
        ),
        6 => (
            Actor::Customer,
            Origin::Survey {
                score: score(u16::from(open.agent)),
            },
        ),
        7 => (
            Actor::System,
            Origin::Referral {
                from: "a partner".into(),
            },
        ),
        _ => {
            let agent = cast.any(open.agent);
            belief.owner = Some(agent.clone());
            (Actor::Agent(agent), Origin::InternalDetection)
        }
    };
    let kind = CommandKind::Open {
        customer: open.customer.clone(),
        origin,
        summary: "something went wrong".into(),
        priority: open.priority,
    };
    (actor, kind)
}

/// A survey score of 1 to 5.
fn score(param: u16) -> SurveyScore {
    let n = u8::try_from(param % 5).unwrap_or(0) + 1;
    SurveyScore::new(n).expect("scores 1 to 5 are valid")
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

/// Who sends a company command: mostly the owner, else the system, someone
/// senior, or anyone.
fn company(cast: &Cast, belief: &Belief, s: &Step) -> Actor {
    match (s.who, &belief.owner) {
        (0..=5, Some(owner)) => Actor::Agent(owner.clone()),
        (0..=3, None) | (9, _) => Actor::Agent(cast.any(s.target)),
        (8, Some(owner)) => cast
            .above(owner, s.target)
            .map_or(Actor::System, Actor::Agent),
        _ => Actor::System,
    }
}

/// Who sends a customer's command: mostly the customer.
fn customer(cast: &Cast, s: &Step) -> Actor {
    match s.who {
        0..=7 => Actor::Customer,
        8 => Actor::System,
        _ => Actor::Agent(cast.any(s.target)),
    }
}

/// The gestures of a grant (or, the last of them, an offer).
fn gestures(belief: &Belief, param: u16) -> Vec<Gesture> {
    let failure = FailureId::new(u32::from(param) % belief.failures.max(1) + 1);
    let failures = vec![failure];
    let amount = usd((i64::from(param) % 20 + 1) * 250);
    let sorry = Gesture::Apology {
        failures: failures.clone(),
        manner: Manner::Personal,
    };
    match param % 9 {
        0 => vec![sorry],
        1 => vec![
            sorry,
            Gesture::Credit {
                failures,
                form: CreditForm::GiftCard,
                amount,
            },
        ],
        2 => vec![Gesture::Credit {
            failures,
            form: CreditForm::StoreCredit,
            amount,
        }],
        3 => vec![
            sorry,
            Gesture::PartialRefund {
                failures,
                amount,
                due: Entitlement::Discretionary,
            },
        ],
        4 => vec![Gesture::PartialRefund {
            failures,
            amount,
            due: Entitlement::Owed,
        }],
        5 => vec![Gesture::Repair {
            failures,
            repair: Repair::Exchange,
            cost: Some(amount),
        }],
        6 => vec![Gesture::Waive {
            failures,
            waived: Waived::Fees,
            note: "late fee".into(),
        }],
        7 => vec![
            sorry,
            Gesture::FullRefund {
                failures,
                amount: usd(amount.minor() * 4),
                due: Entitlement::Discretionary,
            },
        ],
        _ => vec![
            sorry,
            Gesture::KeepItem {
                failures,
                value: amount,
            },
        ],
    }
}

#[allow(clippy::too_many_lines)] // one arm per kind of command reads best as one match
fn step_command(
    cast: &Cast,
    belief: &mut Belief,
    s: &Step,
    at: DateTime<Utc>,
    late: bool,
) -> (Actor, CommandKind) {
    let p = s.param;
    let kind = belief.redirect(kind_of(s.kind), cast, late);
    match kind {
        Kind::Contact => {
            belief.resolved = false;
            belief.awaiting = false;
            let channel = [
                Channel::Email,
                Channel::Phone,
                Channel::SocialPublic,
                Channel::Voicemail,
            ][usize::from(p % 4)];
            (
                customer(cast, s),
                CommandKind::Contact {
                    channel,
                    note: "any news?".into(),
                },
            )
        }
        // Now and then a priority change instead of a response (derived
        // from the values drawn for a response, so that the stream of
        // random values, and each seed's case, stays as it was elsewhere).
        Kind::Respond if p % 13 == 4 && belief.awaiting => {
            belief.awaiting = false;
            (company(cast, belief, s), CommandKind::Resume)
        }
        Kind::Respond if p % 13 == 3 => (
            company(cast, belief, s),
            CommandKind::ChangePriority {
                priority: [
                    Priority::Low,
                    Priority::Normal,
                    Priority::High,
                    Priority::Urgent,
                ][usize::from(p / 13 % 4)],
            },
        ),
        Kind::Respond => (
            company(cast, belief, s),
            CommandKind::Respond {
                channel: Channel::Email,
                note: "here is where it stands".into(),
                // Mostly answers; a deflection one time in five, now and
                // then an automatic acknowledgement or an internal note.
                kind: if p.is_multiple_of(5) {
                    ResponseKind::Deflection
                } else if p % 13 == 1 {
                    ResponseKind::Automated
                } else if p % 13 == 2 {
                    ResponseKind::InternalNote
                } else {
                    ResponseKind::Answer
                },
            },
        ),
        Kind::Assign => {
            let to = cast.any(s.target);
            let actor = company(cast, belief, s);
            if belief.owner.is_none() {
                belief.owner = Some(to.clone());
            }
            (actor, CommandKind::Assign { to })
        }
        Kind::HandOff => {
            let actor = company(cast, belief, s);
            let to = match &belief.owner {
                Some(owner) if !s.target.is_multiple_of(4) => cast.peer(owner),
                _ => cast.any(s.target),
            };
            if belief.owner.as_ref() != Some(&to) {
                belief.handoff = Some(to.clone());
            }
            (actor, CommandKind::HandOff { to })
        }
        Kind::AcceptHandoff | Kind::DeclineHandoff => {
            let accept = kind == Kind::AcceptHandoff;
            let actor = match (&belief.handoff, s.who) {
                (Some(to), 0..=7) => Actor::Agent(to.clone()),
                _ => Actor::Agent(cast.any(s.target)),
            };
            if let (Some(to), Actor::Agent(by)) = (&belief.handoff, &actor)
                && to == by
            {
                if accept {
                    belief.owner = Some(by.clone());
                }
                belief.handoff = None;
            }
            let kind = if accept {
                CommandKind::AcceptHandoff
            } else {
                CommandKind::DeclineHandoff
            };
            (actor, kind)
        }
        Kind::Escalate => {
            let actor = company(cast, belief, s);
            let to = belief
                .owner
                .as_ref()
                .and_then(|o| cast.above(o, s.target))
                .unwrap_or_else(|| cast.any(s.target));
            if belief
                .owner
                .as_ref()
                .is_some_and(|o| cast.rank(&to) > cast.rank(o))
            {
                belief.owner = Some(to.clone());
                belief.handoff = None;
            }
            (
                actor,
                CommandKind::Escalate {
                    to,
                    reason: "needs someone senior".into(),
                },
            )
        }
        Kind::RecordFailure => {
            let kind = [
                FailureKind::Product,
                FailureKind::Service,
                FailureKind::Monetary,
                FailureKind::Attention,
            ][usize::from(p % 4)];
            let loss = match p % 8 {
                0 => None,
                // Now and then a negative loss, which is refused.
                _ if p % 97 == 3 => Some(usd(-500)),
                _ => Some(usd((i64::from(p) % 200 + 20) * 500)),
            };
            if loss.is_none_or(|l| l.minor() >= 0) {
                belief.failures += 1;
            }
            (
                company(cast, belief, s),
                CommandKind::RecordFailure {
                    kind,
                    description: "it broke".into(),
                    loss,
                },
            )
        }
        Kind::Promise => {
            belief.promises.push(true);
            (
                company(cast, belief, s),
                CommandKind::Promise {
                    what: "a call back".into(),
                    due: at + TimeDelta::minutes(i64::from(p % 900)),
                },
            )
        }
        Kind::KeepPromise | Kind::BreakPromise => {
            let i = belief.promise(p);
            if let Some(open) = belief.promises.get_mut(i) {
                *open = false;
            }
            let promise = PromiseId::new(number(i));
            let kind = if kind == Kind::KeepPromise {
                CommandKind::KeepPromise { promise }
            } else {
                CommandKind::BreakPromise { promise }
            };
            (company(cast, belief, s), kind)
        }
        Kind::WaitOnCustomer => {
            belief.awaiting = true;
            // Mostly waiting on the customer; now and then one of the pause
            // reasons the kit's policies may have (a policy without it
            // refuses the command), the second scheduled to end.
            let kind = match p % 4 {
                1 => CommandKind::Pause {
                    reason: PauseName::new("awaiting_third_party").expect("a valid pause name"),
                    note: "the carrier's report".into(),
                    until: None,
                },
                2 => CommandKind::Pause {
                    reason: PauseName::new("outage").expect("a valid pause name"),
                    note: "the outage".into(),
                    until: Some(at + TimeDelta::minutes(1 + i64::from(p % 600))),
                },
                _ => CommandKind::WaitOnCustomer {
                    reason: "photos of the damage".into(),
                },
            };
            (company(cast, belief, s), kind)
        }
        Kind::AnswerSurvey => (
            customer(cast, s),
            CommandKind::AnswerSurvey {
                score: score(p),
                comment: "so-so".into(),
            },
        ),
        Kind::SignalChurn => {
            let actor = if s.who < 8 {
                Actor::Customer
            } else {
                company(cast, belief, s)
            };
            (
                actor,
                CommandKind::SignalChurn {
                    note: "closed the account".into(),
                },
            )
        }
        Kind::Resolve => {
            belief.resolved = true;
            belief.awaiting = false;
            belief.handoff = None;
            (
                company(cast, belief, s),
                CommandKind::Resolve {
                    summary: "fixed".into(),
                },
            )
        }
        Kind::ConfirmResolution => (customer(cast, s), CommandKind::ConfirmResolution),
        Kind::Close => {
            let outcome = [Outcome::Retained, Outcome::WonBack, Outcome::Lost][usize::from(p % 3)];
            let review = p.is_multiple_of(2).then(|| {
                Review::new(
                    "nobody owned the case",
                    "a named owner from the first contact",
                )
                .expect("the review names a root cause")
            });
            (
                company(cast, belief, s),
                CommandKind::Close { outcome, review },
            )
        }
        Kind::Offer => {
            belief.offers.push(OfferBelief::Open);
            let gesture = gestures(belief, p).pop().unwrap_or(Gesture::Apology {
                failures: vec![FailureId::new(1)],
                manner: Manner::Personal,
            });
            (company(cast, belief, s), CommandKind::Offer { gesture })
        }
        Kind::Grant => (
            company(cast, belief, s),
            CommandKind::Grant {
                gestures: gestures(belief, p),
            },
        ),
        Kind::GrantOffer => {
            let i = belief.offer(OfferBelief::Accepted);
            if let Some(state) = belief.offers.get_mut(i) {
                *state = OfferBelief::Settled;
            }
            let offer = OfferId::new(number(i));
            (company(cast, belief, s), CommandKind::GrantOffer { offer })
        }
        Kind::AnswerOffer => {
            let i = belief.offer(OfferBelief::Open);
            let offer = OfferId::new(number(i));
            let decline = p.is_multiple_of(3);
            if let Some(state) = belief.offers.get_mut(i) {
                *state = if decline {
                    OfferBelief::Settled
                } else {
                    OfferBelief::Accepted
                };
            }
            let kind = if decline {
                CommandKind::DeclineOffer { offer }
            } else {
                CommandKind::AcceptOffer { offer }
            };
            (customer(cast, s), kind)
        }
        Kind::Open => (
            Actor::Customer,
            CommandKind::Open {
                customer: Customer::new(
                    CustomerId::new("cust-1").expect("a valid customer id"),
                    CustomerValue::Standard,
                ),
                origin: Origin::Contact {
                    channel: Channel::Email,
                },
                summary: "again".into(),
                priority: Priority::Normal,
            },
        ),
    }
}

/// When a host ticks between the commands it handles. Whatever the
/// schedule, [`Case::handle`](crate::Case::handle) first records what time
/// made due by a command's time, so every schedule gives the same log once
/// a final tick at the same instant has caught up (the law
/// [`check_laws`](super::check_laws) checks as
/// [`Law::SameLog`](super::Law::SameLog)). Ticks never overtake a command
/// still to come: before a command, a host ticks at most up to the earliest
/// time of the commands from it on (for commands in time order, the
/// command's own time).
///
/// # Example
/// ```
/// use escalate::testing::Schedule;
/// let cron = Schedule::At(vec!["2021-03-05T20:00:00Z".parse()?, "2021-03-05T21:00:00Z".parse()?]);
/// assert_ne!(cron, Schedule::Never);
/// # Ok::<(), chrono::ParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Schedule {
    /// Never, until the final tick: `handle` alone catches up with time.
    Never,
    /// At each command's time, before handling it.
    BeforeEach,
    /// At each command's time, after handling it.
    AfterEach,
    /// At every wake-up the case asks for ([`Case::next_wakeup`](crate::Case::next_wakeup)),
    /// one at a time, up to each command's time.
    Wakeups,
    /// At these instants, in time order: each before the first command at or
    /// after it; those after the last command before the final tick, and
    /// those after the final tick not at all.
    At(Vec<DateTime<Utc>>),
}

impl Schedule {
    /// The schedules [`check_laws`](super::check_laws) compares for these
    /// commands: never, before each, after each, at every wake-up, and at
    /// the instant halfway between each two commands.
    ///
    /// # Example
    /// ```
    /// use escalate::testing::Schedule;
    /// assert_eq!(Schedule::standard(&[]).len(), 5);
    /// ```
    #[must_use]
    pub fn standard(commands: &[crate::Command]) -> Vec<Schedule> {
        let halfway = commands
            .windows(2)
            .filter_map(|w| {
                let (a, b) = (w[0].at(), w[1].at());
                (a < b).then(|| a + (b - a) / 2)
            })
            .collect();
        vec![
            Schedule::Never,
            Schedule::BeforeEach,
            Schedule::AfterEach,
            Schedule::Wakeups,
            Schedule::At(halfway),
        ]
    }
}

/// Tick schedules: never, before or after each command, at every wake-up,
/// or at up to 30 instants in the 60 days from where [`commands`] start.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// use escalate::testing::{check_laws_on, commands, schedules};
/// use proptest::prelude::*;
/// let policy = Policy::recommended();
/// proptest!(ProptestConfig::with_cases(8), |(
///     commands in commands(&policy),
///     schedules in prop::collection::vec(schedules(), 1..3),
/// )| {
///     check_laws_on(&policy, &commands, &schedules)?;
/// });
/// ```
pub fn schedules() -> impl Strategy<Value = Schedule> {
    let instants = prop::collection::vec(0i64..60 * 86_400, 0..30).prop_map(|mut offsets| {
        offsets.sort_unstable();
        Schedule::At(
            offsets
                .into_iter()
                .map(|s| start() + TimeDelta::seconds(s))
                .collect(),
        )
    });
    prop_oneof![
        Just(Schedule::Never),
        Just(Schedule::BeforeEach),
        Just(Schedule::AfterEach),
        Just(Schedule::Wakeups),
        instants,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weights_add_up_to_a_hundred() {
        assert_eq!(KINDS.iter().map(|(w, _)| u32::from(*w)).sum::<u32>(), 100);
        assert_eq!(kind_of(0), Kind::Contact);
        assert_eq!(kind_of(99), Kind::Open);
    }

    #[test]
    fn the_cast_has_two_agents_per_tier() {
        let tiers: Vec<Tier> = ["a", "b", "c"].iter().map(|t| t.parse().unwrap()).collect();
        let cast = Cast::of(&tiers);
        assert_eq!(cast.agents.len(), 6);
        let ann0 = cast.any(0);
        assert_eq!(cast.rank(&ann0), 0);
        assert_eq!(cast.peer(&ann0).id().as_str(), "bob-0");
        assert!(cast.above(&ann0, 0).is_some_and(|a| cast.rank(&a) > 0));
        assert!(cast.above(&cast.any(5), 0).is_none());
    }
}
