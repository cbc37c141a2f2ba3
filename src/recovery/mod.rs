//! Recovery: what a company does after it fails a customer.
//!
//! - [`Money`] in integer minor units, never added across currencies, and
//!   summed with checked arithmetic: a sum beyond 64 bits is refused or
//!   reported out of range ([`Totals`]), never saturated.
//! - [`Gesture`]s (apology, repair, waiver, credit, refunds, keep-the-item),
//!   each with a cost, a [`Resource`] and the failures it names.
//! - [`RecoveryPolicy`]: each tier's [`Authority`], the soft and hard caps,
//!   the [`Ladder`] and when closing needs a [`Review`].
//! - The guards a grant must pass ([`check_grant`]), the next gestures the
//!   policy suggests ([`recommend`]), and what an actual history spent
//!   against what the policy would have allowed ([`Audit::of`], or [`replay::audit`](crate::replay::audit) over events).
//!
//! # Example
//! ```
//! use escalate::{Actor, Agent, Case, Command, CommandKind, FailureId};
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
//! // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99).
//! let sam = Agent::new("sam".parse()?, "frontline".parse()?);
//! let t = "2021-03-05T10:00:00Z".parse()?;
//! let grant = Command::new("g-1".parse()?, Actor::Agent(sam), t,
//!     CommandKind::Grant { gestures: vec![
//!         Gesture::Apology { failures: vec![FailureId::new(1)], manner: Manner::Personal },
//!         Gesture::Credit { failures: vec![FailureId::new(1)], form: CreditForm::StoreCredit,
//!             amount: Money::new(2_000, Currency::USD) },
//!     ]});
//! for event in case.handle(&policy, grant, t)? {
//!     case.apply(&event)?;
//! }
//! assert_eq!(case.money_granted().to_string(), "USD 20.00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod audit;
mod authority;
mod gesture;
mod guard;
mod ladder;
mod ledger;
mod recommend;
mod record;
mod refusal;
mod rules;

pub use crate::money::{Currency, Money, MoneyError};
pub use audit::{Audit, AuditLine, AuditStep, Verdict};
pub use authority::{Authority, Limit};
pub use gesture::{
    CreditForm, Entitlement, Gesture, GestureKind, Manner, OfferId, Repair, Resource, Waived,
};
pub use guard::check_grant;
pub use ladder::Ladder;
pub use ledger::Ledger;
pub use recommend::{Moment, Reason, Recommendation, Share, recommend};
pub use record::{EmptyReview, Granted, Offer, OfferState, Review, Totals};
pub use refusal::{GrantRefusal, MoneySum};
pub use rules::{Guards, RecoveryPolicy, ReviewRule};

pub(crate) use gesture::phrase;
pub(crate) use guard::compensation;
pub(crate) use record::share_of_loss;
