//! Recovery: what a company does after it fails a customer.
//!
//! - [`Money`] in integer minor units, never added across currencies.
//! - [`Gesture`]s (apology, repair, waiver, credit, refunds, keep-the-item),
//!   each with a cost, a [`Resource`] and the failures it names.
//! - [`RecoveryPolicy`]: each tier's [`Authority`], the soft and hard caps,
//!   the [`Ladder`] and when closing needs a [`Review`].
//! - The guards a grant must pass ([`check_grant`]), the next gestures the
//!   policy suggests ([`recommend`]), and what an actual history spent
//!   against what the policy would have allowed ([`audit`]).
//!
//! # Example
//! ```
//! use escalate::{Actor, Agent, Command, CommandKind, FailureId};
//! use escalate::policy::Policy;
//! use escalate::recovery::{CreditForm, Currency, Gesture, Manner, Money};
//! # use escalate::doc_support::{case_with_failure, at};
//! let mut case = case_with_failure()?; // a wrong cabinet, USD 249.99
//! let sam = Agent::new("sam".parse()?, "frontline".parse()?);
//! let grant = Command::new("g-1".parse()?, Actor::Agent(sam), at("2021-03-05T10:00:00Z"),
//!     CommandKind::Grant { gestures: vec![
//!         Gesture::Apology { failures: vec![FailureId::new(1)], manner: Manner::Personal },
//!         Gesture::Credit { failures: vec![FailureId::new(1)], form: CreditForm::StoreCredit,
//!             amount: Money::new(2_000, Currency::USD) },
//!     ]});
//! for event in case.handle(&Policy::default(), grant, at("2021-03-05T10:00:00Z"))? {
//!     case.apply(&event);
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

pub use crate::money::{Currency, Money, MoneyError};
pub use audit::{Audit, AuditLine, AuditStep, Verdict};
pub use authority::{Authority, Guards, Limit, RecoveryPolicy, ReviewRule};
pub use gesture::{
    CreditForm, Entitlement, Gesture, GestureKind, Manner, OfferId, Repair, Resource, Waived,
};
pub use guard::check_grant;
pub use ladder::Ladder;
pub use ledger::Ledger;
pub use recommend::{Moment, Reason, Recommendation, Share, recommend};
pub use record::{EmptyReview, Granted, Offer, OfferState, Review, Totals};
pub use refusal::GrantRefusal;

pub(crate) use gesture::phrase;
pub(crate) use guard::compensation;
pub(crate) use record::share_of_loss;
