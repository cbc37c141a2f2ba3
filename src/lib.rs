//! # escalate
//!
//! Customer-service escalation as a typed, event-sourced state machine: one
//! accountable owner per case, response SLAs on real business calendars,
//! escalation to more senior people by rule, and a recovery-gesture ladder
//! with authority limits and guards. Pure, deterministic, no I/O: your
//! service stores the events and schedules the wake-ups.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use escalate::{Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, Origin};
//! use escalate::policy::Policy;
//!
//! let policy = Policy::new("2021-03", ["frontline", "supervisor", "manager"])?
//!     .with_time_zone("America/New_York".parse()?);
//! let mut case = Case::new("CAB-1042".parse()?);
//! let sam = Agent::new("sam".parse()?, "frontline".parse()?);
//! let dana = Agent::new("dana".parse()?, "supervisor".parse()?);
//!
//! let steps = [
//!     (Actor::Customer, "2021-03-04T20:10:00Z", CommandKind::Open {
//!         customer: Customer::new("cust-9".parse()?, CustomerValue::Standard),
//!         origin: Origin::Contact { channel: Channel::Phone },
//!         summary: "wrong cabinet delivered".into(),
//!         priority: escalate::Priority::Normal,
//!     }),
//!     (Actor::System, "2021-03-04T20:12:00Z", CommandKind::Assign { to: sam.clone() }),
//!     (Actor::System, "2021-03-08T16:00:00Z", CommandKind::Escalate {
//!         to: dana.clone(), reason: "second contact".into() }),
//! ];
//! let mut log = Vec::new(); // the host stores the events; the case keeps what it needs to decide
//! for (n, (actor, when, kind)) in steps.into_iter().enumerate() {
//!     let now: DateTime<Utc> = when.parse()?;
//!     let cmd = Command::new(format!("c-{n}").parse()?, actor, now, kind);
//!     for event in case.handle(&policy, cmd, now)? {
//!         case.apply(&event)?;
//!         log.push(event);
//!     }
//! }
//! assert_eq!(case.owner(), Some(&dana));
//! assert_eq!(Case::replay(&log)?, case);
//! print!("{}", escalate::Timeline::from_events(&log)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Overview
//!
//! The module tree follows the glossary:
//!
//! - **case** (re-exported at the root): [`Case`], its [`Status`],
//!   [`Command`]s in, [`Event`]s out, [`Refusal`]s when a command breaks a
//!   rule. [`Case::handle`] decides (pure), [`Case::apply`] evolves (total),
//!   [`Case::replay`] rebuilds. Time is always an argument.
//! - **owner** (at the root): [`Agent`]s with a [`Tier`], and the [`Actor`]
//!   who sends a command.
//! - [`sla`]: business calendars and SLA clocks. Contacts start clocks,
//!   responses stop them, waiting on the customer pauses them;
//!   [`Case::tick`] records warnings and breaches at the instants they fall
//!   due and [`Case::next_wakeup`] says when to call it next.
//! - [`policy`]: all of the above as data: tiers, calendars, SLA targets,
//!   escalation rules (a condition, actions, an optional delay) and the
//!   recovery rules; loaded from TOML or JSON with errors that name the
//!   field, linted, or taken from [`Policy::recommended`](policy::Policy::recommended).
//!   Rules act through events on the case (an escalation required, a call
//!   owed as a tracked promise, an apology owed, a review required).
//! - [`recovery`]: [`Money`](recovery::Money), [`Gesture`](recovery::Gesture)s
//!   offered and granted through the case, each tier's
//!   [`Authority`](recovery::Authority) and the compensation caps, the
//!   [`Ladder`](recovery::Ladder), the guards
//!   ([`check_grant`](recovery::check_grant)), what to do next
//!   ([`recommend`](recovery::recommend)) and what a history spent against
//!   what the policy would have allowed ([`audit`](replay::audit)).
//!   The rules live in the policy ([`Policy::recovery`](policy::Policy::recovery)).
//! - [`replay`]: a recorded history replayed under any policy, to see what it
//!   would have refused and required.
//! - [`desk`]: many cases at once: commands routed by case id, one wake-up
//!   index, [`advance`](desk::Desk::advance) for every case due, and what
//!   each case owes ([`obligations`](desk::Desk::obligations)).
//! - [`store`]: where a service keeps events, snapshots and wake-ups (an
//!   in-memory store; SQLite and PostgreSQL behind the `sqlite` and
//!   `postgres` features), and [`StoredDesk`](store::StoredDesk), a desk
//!   that works through one, for one process or many.
//! - [`guide`]: embedding the crate in a service, step by step.
//!
//! A [`Case`] keeps what it needs to decide, not its history: the host
//! stores the events `handle` and `tick` return, [`Timeline::from_events`]
//! reads them back into a story, and a [`Snapshot`] stores a case's state
//! so that loading it does not replay every event.
//!
//! The case's states carry their data: a case that has an owner is in a
//! state that holds the owner ([`Status::Working`]); a new case has none.
//! From the first assignment until closing there is exactly one owner; a
//! handoff is warm (the old owner stays accountable until the new one
//! accepts); escalation moves the case to an owner of a higher tier.
//!
//! ```text
//!               Open                      Assign / internal detection
//!  Unopened ───────────▶ New (no owner) ─────────────────────────────▶ Working ◀──┐
//!                          │                                          │  ▲        │ Contact
//!                          │ Close                     WaitOnCustomer │  │Contact │ (reopens)
//!                          ▼                                          ▼  │        │
//!                        Closed ◀──────── Close ──────────── AwaitingCustomer     │
//!                          ▲                                          │ Resolve   │
//!                          └──────────────── Close ─────────── Resolved ──────────┘
//! ```
//! (`Resolve` is accepted from `Working` and `AwaitingCustomer`; `Close` from
//! every state but Unopened and Closed. A closed case is final.)
//!
//! ## Cookbook
//!
//! Most examples here and in the items' docs start from a short log of
//! commands in their JSON form (the form a host stores them in and
//! [`replay::History`] reads), run through [`Case::handle`] and
//! [`Case::apply`]: the log is the case the example starts from.
//!
//! ### Refusals say what was wrong
//! ```
//! use escalate::{Actor, Agent, Case, Command, CommandKind, Refusal};
//! use escalate::policy::Policy;
//! let policy = Policy::default();
//! let mut case = Case::new("CAB-1".parse()?);
//! let commands: Vec<Command> = serde_json::from_str(r#"[
//!   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
//!    "customer": {"id": "cust-9", "value": "standard"},
//!    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
//!   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
//!    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
//! ]"#)?;
//! for command in commands {
//!     let now = command.at();
//!     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
//! }
//! // The case is owned by sam (frontline); escalating it to another frontline agent:
//! let kim = Agent::new("kim".parse()?, "frontline".parse()?);
//! let t = "2021-03-05T10:00:00Z".parse()?;
//! let cmd = Command::new("c-5".parse()?, Actor::System, t,
//!     CommandKind::Escalate { to: kim, reason: "busy".into() });
//! let refusal = case.handle(&policy, cmd, t).unwrap_err();
//! assert!(matches!(refusal, Refusal::NotHigherTier { .. }));
//! assert_eq!(refusal.to_string(),
//!     "cannot escalate from sam (frontline) to kim (frontline): tier frontline is not above tier frontline");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ### Commands are idempotent and can carry the version they expect
//! ```
//! use chrono::{DateTime, Utc};
//! use escalate::{Actor, Case, Command, CommandKind, Refusal};
//! use escalate::policy::Policy;
//! let policy = Policy::default();
//! let mut case = Case::new("CAB-1".parse()?);
//! let commands: Vec<Command> = serde_json::from_str(r#"[
//!   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
//!    "customer": {"id": "cust-9", "value": "standard"},
//!    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
//!   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
//!    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
//! ]"#)?;
//! for command in commands {
//!     let now = command.at();
//!     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
//! }
//! let (t1, t2): (DateTime<Utc>, DateTime<Utc>) = ("2021-03-04T20:11:00Z".parse()?, "2021-03-05T00:00:00Z".parse()?);
//! // "c-2" assigned the case already: sending it again changes nothing.
//! let again = Command::new("c-2".parse()?, Actor::System, t1,
//!     CommandKind::Resolve { summary: "ignored".into() });
//! assert!(case.handle(&policy, again, t2)?.is_empty());
//! let stale = Command::new("c-3".parse()?, Actor::System, t2,
//!     CommandKind::Resolve { summary: "done".into() }).expecting(1);
//! assert_eq!(case.handle(&policy, stale, t2),
//!     Err(Refusal::StaleVersion { expected: 1, actual: 3 }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ### SLA clocks run on business calendars
//! ```
//! use escalate::{Case, Command};
//! use escalate::policy::Policy;
//! use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
//! // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
//! let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
//! let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
//!     .with_warning(Threshold::Percent(75));
//! let policy = Policy::new("marketplace", ["seller", "marketplace"])?
//!     .with_calendar("seller".parse()?, hours)?
//!     .with_sla(first_response)?;
//! // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
//! let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
//!     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
//!              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
//! let mut case = Case::new("MKT-1".parse()?);
//! let now = open.at();
//! for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
//! assert_eq!(case.clocks()[0].due(), Some("2021-06-22T16:00:00Z".parse()?)); // Tue 12:00
//! assert_eq!(case.next_wakeup(&policy), Some("2021-06-22T15:00:00Z".parse()?)); // the 75% warning
//! // Nobody answers; the host calls `tick` at Tue 13:00.
//! for event in case.tick(&policy, "2021-06-22T17:00:00Z".parse()?) {
//!     case.apply(&event)?;
//! }
//! assert_eq!(case.clocks()[0].breached_at(), Some("2021-06-22T16:00:00Z".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ### Events are JSON
//! ```
//! use escalate::{Case, Command};
//! use escalate::policy::Policy;
//! let policy = Policy::default();
//! let mut case = Case::new("CAB-1".parse()?);
//! let commands: Vec<Command> = serde_json::from_str(r#"[
//!   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
//!    "customer": {"id": "cust-9", "value": "standard"},
//!    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
//!   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
//!    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
//! ]"#)?;
//! let mut log = Vec::new(); // the host keeps the events
//! for command in commands {
//!     let now = command.at();
//!     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
//! }
//! let json = serde_json::to_string(&log[2])?;
//! assert_eq!(json, r#"{"version":3,"at":"2021-03-04T20:11:00Z","actor":"system","command":"c-2","kind":{"type":"assigned","to":{"id":"sam","tier":"frontline"}}}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ### Money needs a specific apology, and authority
//! ```
//! use chrono::{DateTime, Utc};
//! use escalate::{Actor, Agent, Case, Command, CommandKind, FailureId, Refusal};
//! use escalate::recovery::GrantRefusal;
//! use escalate::policy::Policy;
//! use escalate::recovery::{CreditForm, Currency, Gesture, Manner, Money};
//! let policy = Policy::default();
//! let mut case = Case::new("CAB-1".parse()?);
//! let commands: Vec<Command> = serde_json::from_str(r#"[
//!   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
//!    "customer": {"id": "cust-9", "value": "standard"},
//!    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
//!   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
//!    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
//!   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
//!    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
//!             "loss": {"minor": 24999, "currency": "USD"}}}
//! ]"#)?;
//! for command in commands {
//!     let now = command.at();
//!     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
//! }
//! // A wrong cabinet (USD 249.99), owned by sam (frontline).
//! let sam = Actor::Agent(Agent::new("sam".parse()?, "frontline".parse()?));
//! let card = |minor| Gesture::Credit { failures: vec![FailureId::new(1)],
//!     form: CreditForm::GiftCard, amount: Money::new(minor, Currency::USD) };
//! let sorry = Gesture::Apology { failures: vec![FailureId::new(1)], manner: Manner::Personal };
//! let now: DateTime<Utc> = "2021-03-05T10:00:00Z".parse()?;
//! let grant = |id: &str, gestures| -> Result<Command, escalate::InvalidId> {
//!     Ok(Command::new(id.parse()?, sam.clone(), now, CommandKind::Grant { gestures }))
//! };
//! let r = case.handle(&policy, grant("g-1", vec![card(3_000)])?, now).unwrap_err();
//! assert!(matches!(r, Refusal::Grant(GrantRefusal::ApologyRequired { .. })));
//! let r = case.handle(&policy, grant("g-2", vec![sorry.clone(), card(10_000)])?, now).unwrap_err();
//! assert_eq!(r.to_string(), "sam (frontline) may not grant a credit of USD 100.00: beyond the \
//!     authority of tier frontline (compensation up to 25.00% of the customer's loss of \
//!     USD 249.99); the lowest tier that may is supervisor");
//! assert_eq!(case.handle(&policy, grant("g-3", vec![sorry, card(3_000)])?, now)?.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ### What did a history spend, and what would the policy have allowed?
//! ```
//! use escalate::{Case, Command};
//! use escalate::policy::Policy;
//! use escalate::replay::audit;
//! let policy = Policy::default();
//! let mut case = Case::new("CAB-1".parse()?);
//! let commands: Vec<Command> = serde_json::from_str(r#"[
//!   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
//!    "customer": {"id": "cust-9", "value": "standard"},
//!    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
//!   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
//!    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
//!   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
//!    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
//!             "loss": {"minor": 24999, "currency": "USD"}}},
//!   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
//!    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
//!        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
//! ]"#)?;
//! let mut log = Vec::new(); // the host keeps the events
//! for command in commands {
//!     let now = command.at();
//!     for event in case.handle(&policy, command, now)? { case.apply(&event)?; log.push(event); }
//! }
//! // sam granted an apology and a USD 20.00 store credit.
//! let report = audit(log.clone(), &policy)?;
//! assert!(report.to_string().ends_with(
//!     "spent USD 20.00; the policy would have allowed USD 20.00; wasted after the customer left nothing\n"));
//! let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
//! assert_eq!(next[0].to_string(),
//!     "replacement for failure #1 worth USD 249.99 (a product failure calls for exchange), by supervisor");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ### Policies are data
//! ```
//! use escalate::policy::{LintLevel, Policy};
//! let policy = Policy::from_toml_str(r#"
//!     version = "shop-2"
//!     tiers = ["frontline", "supervisor", "manager"]
//!     [[rules]]
//!     name = "a bad survey wakes the case"
//!     when = { survey_score_at_most = 2 }
//!     then = ["escalate_one_tier", { require_call = "2 business days" }]
//! "#)?;
//! assert!(policy.lint().is_empty());
//! let err = Policy::from_toml_str(r#"
//!     version = "shop-2"
//!     tiers = ["frontline", "supervisor", "manager"]
//!     [[rules]]
//!     name = "second failure"
//!     when = { failures_at_least = 2 }
//!     then = { escalate_to = "regionl" }
//! "#).unwrap_err();
//! assert_eq!(err.to_string(),
//!     r#"rules[0].then.escalate_to: no tier named "regionl"; tiers are frontline, supervisor, manager"#);
//! # Ok::<(), escalate::PolicyError>(())
//! ```
//!
//! ### Replaying a history under another policy
//! ```
//! use escalate::policy::{DeflectionPolicy, Policy};
//! use escalate::replay::{History, Host};
//! // A seller answers an email with a redirect, then resolves the case.
//! let history: History = serde_json::from_str(r#"{"case": "MKT-2", "commands": [
//!   {"id": "1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
//!    "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
//!             "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}},
//!   {"id": "2", "actor": "system", "at": "2021-06-22T13:30:00Z",
//!    "kind": {"type": "assign", "to": {"id": "seller", "tier": "frontline"}}},
//!   {"id": "3", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:30:00Z",
//!    "kind": {"type": "respond", "channel": "email", "note": "call us 8-5 or return it", "kind": "deflection"}},
//!   {"id": "4", "actor": {"agent": {"id": "seller", "tier": "frontline"}}, "at": "2021-06-22T13:31:00Z",
//!    "kind": {"type": "resolve", "summary": "told them"}}
//! ]}"#)?;
//! let strict = Policy::default().with_deflection(DeflectionPolicy::Refuse);
//! let replay = history.replay(&strict, Host::AsRecorded, None);
//! assert_eq!(replay.refused().len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The stories behind it
//!
//! The examples replay six real service failures kept as event logs in
//! `examples/data/`: a wrong cabinet nobody owned, a company head's threat
//! and personal apology over a poster, a waiter who caught his own mistake
//! at brunch, a price error on ink cartridges, voicemails about shoes left
//! unanswered for weeks, and a marketplace seller who answered a fault with
//! a redirect. `cargo run --example tour` replays each as it happened and
//! under [`Policy::recommended`](policy::Policy::recommended). The defaults
//! of that policy and of
//! [`RecoveryPolicy::standard`](recovery::RecoveryPolicy::standard) come
//! from published research on complaint handling; their docs name the
//! source of each.
//!
//! ## Architecture
//!
//! Decide, then apply: [`Case::handle`] reads the case and the policy and
//! returns events or a [`Refusal`]; [`Case::apply`] evolves the case by one
//! event. Time is always an argument; nothing reads a clock.
//!
//! The modules form layers, and every import points down (`tests/layers.rs`
//! reads the sources and fails on any import that points up):
//!
//! 1. text and errors of input and configuration ([`Text`], [`InvalidId`],
//!    [`PolicyError`]);
//! 2. identifiers and money ([`CaseId`], [`Tier`], [`recovery::Money`]);
//! 3. owners and the customer vocabulary ([`Agent`], [`Actor`],
//!    [`Channel`], [`Priority`], [`Failure`], [`Promise`], ...);
//! 4. [`sla`] (calendars, targets, clocks) and [`recovery`] (gestures,
//!    authority, the guards on a [`recovery::Ledger`]), which do not know
//!    each other;
//! 5. [`policy`]: tiers, calendars, SLA targets, rules and recovery as data;
//! 6. the case: [`Case`], its commands, events and refusals;
//! 7. [`replay`]: histories replayed under a policy, and audits.
//!
//! The recovery guards never see a case: the case hands them its
//! [`Ledger`](recovery::Ledger) of failures, grants and the churn signal.
//!
//! ## Crate features
//!
//! - `proptest` (off by default): exports `escalate::testing`, a testing
//!   kit for embedders: proptest strategies for calendars, valid policies,
//!   customers, command sequences and tick schedules, and `check_laws`,
//!   which runs commands through a case and checks its laws (replay, one
//!   owner, authority, money, churn, host independence, bounded work) after
//!   every step. An embedder's own property test checks its policy file in
//!   ten lines; see the module's docs.
//!
//! ## FAQ
//!
//! **When does a rule fire?** When its condition starts to hold, and again
//! each time a counting fact in it grows while it holds (a second breach,
//! another bad survey): one cause never fires a rule twice, however often
//! `tick` is called. When several rules rise on the same event, each acts,
//! but only the first may escalate.
//!
//! **Why does a rule require an escalation instead of escalating?** Escalation
//! needs a person, and the crate does not know who is on duty: the rule
//! records the requirement as an event and the host assigns someone (see
//! [`replay::Host::Obedient`] for a host that does).
//!
//! **Why not typestate (`Case<Working>`)?** A host loads cases of every state
//! from storage and routes commands to them; one `Case` type whose states are
//! an enum keeps that simple, and refusals carry the state by name.
//!
//! **Why chrono and chrono-tz?** Business calendars need IANA zones with their
//! DST rules compiled in, and no I/O: chrono-tz embeds the database.
//!
//! **Which authority does the system have?** That of the most junior tier:
//! automation may do what anyone may do, and no more. A host that wants an
//! approval flow sends the command as the approving agent.
//!
//! **Why does `handle` report one refusal but `check_grant` all of them?** A
//! host acting on a refusal needs one reason to act on: the first that
//! [`check_grant`](recovery::check_grant) finds, gesture by gesture in the
//! grant's order and, for each gesture, the most fundamental first (too late
//! before "ask a supervisor"); a report on a history wants every reason.
//!
//! **Is an accepted offer granted whatever happens?** No: granting it runs
//! the guards again, so a churn signal between the acceptance and the grant
//! makes discretionary money too late. Money the customer is owed is paid.
//!
//! **What if events arrive out of order?** They are applied in arrival
//! order, each keeping its own time; see [`Case`]'s "Ordering of events".

mod case;
mod customer;
pub mod desk;
mod error;
pub mod guide;
mod ids;
mod memo;
mod money;
mod owner;
mod par;
pub mod policy;
pub mod recovery;
pub mod replay;
pub mod sla;
pub mod store;
#[cfg(feature = "proptest")]
pub mod testing;
mod text;
pub mod tools;

#[cfg(test)]
mod test_support;

pub use case::{
    ApologyOwed, ApplyError, Case, Command, CommandKind, CommandName, Event, EventKind, Handoff,
    Opened, Ownership, Pause, Refusal, ReplayError, Snapshot, StateName, Status, Timeline,
};
pub use case::{ReportError, SlaReport, SlaRow, SlaTally};
pub use customer::{
    Channel, Contact, Customer, CustomerValue, Failure, FailureId, FailureKind, Origin, Outcome,
    Priority, Promise, PromiseId, PromiseState, ResponseKind, SurveyScore,
};
pub use error::{InvalidId, InvalidScore, PolicyError};
pub use ids::{AgentId, CaseId, CommandId, CustomerId, Tier};
pub use owner::{Actor, Agent};
pub use text::Text;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
