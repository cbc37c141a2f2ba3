//! What a case records about recovery: offers, granted gestures, the review,
//! and money totals.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::authority::{Percent, share_bps};
use super::{Currency, Gesture, Money, MoneyError, OfferId};
use crate::{Actor, Text};

/// A gesture offered to the customer, and where the offer stands.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::OfferState;
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
///             "loss": {"minor": 24999, "currency": "USD"}}},
///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
///                                          "amount": {"minor": 2000, "currency": "USD"}}}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// // sam apologised for failure #1, then offered a store credit; the customer has not answered.
/// let offer = &case.offers()[0];
/// assert_eq!(offer.id().to_string(), "offer #1");
/// assert_eq!(offer.state(), OfferState::Open);
/// assert_eq!(offer.gesture().to_string(), "a store credit of USD 20.00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Offer {
    pub(crate) id: OfferId,
    pub(crate) gesture: Gesture,
    pub(crate) by: Actor,
    pub(crate) at: DateTime<Utc>,
    pub(crate) state: OfferState,
}

impl Offer {
    /// The offer's number within the case.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
    ///                                          "amount": {"minor": 2000, "currency": "USD"}}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.offers()[0].id().get(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> OfferId {
        self.id
    }

    /// What is offered.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
    ///                                          "amount": {"minor": 2000, "currency": "USD"}}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.offers()[0].gesture().kind(), escalate::recovery::GestureKind::Credit);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn gesture(&self) -> &Gesture {
        &self.gesture
    }

    /// Who offered it.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
    ///                                          "amount": {"minor": 2000, "currency": "USD"}}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.offers()[0].by().to_string(), "sam (frontline)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn by(&self) -> &Actor {
        &self.by
    }

    /// When it was offered.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
    ///                                          "amount": {"minor": 2000, "currency": "USD"}}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// let offered_at: DateTime<Utc> = "2021-03-04T20:30:00Z".parse()?;
    /// assert_eq!(case.offers()[0].at(), offered_at);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Where it stands.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::OfferState;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
    ///                                          "amount": {"minor": 2000, "currency": "USD"}}}},
    ///   {"id": "c-6", "actor": "customer", "at": "2021-03-04T20:40:00Z",
    ///    "kind": {"type": "accept_offer", "offer": 1}},
    ///   {"id": "c-7", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:45:00Z",
    ///    "kind": {"type": "grant_offer", "offer": 1}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     if command.id().as_str() == "c-6" {
    ///         assert_eq!(case.offers()[0].state().to_string(), "open"); // before the customer answers
    ///     }
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // The customer accepted the store credit and sam granted it.
    /// assert_eq!(case.offers()[0].state(), OfferState::Granted);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn state(&self) -> OfferState {
        self.state
    }
}

/// Where an offer stands.
///
/// # Example
/// ```
/// use escalate::recovery::OfferState;
/// assert_eq!(OfferState::Declined.to_string(), "declined");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum OfferState {
    /// Waiting for the customer.
    Open,
    /// The customer accepted; the company has yet to grant it.
    Accepted,
    /// The customer declined.
    Declined,
    /// Granted.
    Granted,
}

impl fmt::Display for OfferState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OfferState::Open => "open",
            OfferState::Accepted => "accepted",
            OfferState::Declined => "declined",
            OfferState::Granted => "granted",
        })
    }
}

/// A gesture granted on a case: what, by whom, when, and from which offer.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// let policy = Policy::default();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
///             "loss": {"minor": 24999, "currency": "USD"}}},
///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// // sam granted an apology and a store credit together.
/// let granted = &case.granted()[1];
/// assert_eq!(granted.gesture().to_string(), "a store credit of USD 20.00");
/// assert_eq!(granted.by().to_string(), "sam (frontline)");
/// assert_eq!(granted.offer(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Granted {
    pub(crate) gesture: Gesture,
    pub(crate) by: Actor,
    pub(crate) at: DateTime<Utc>,
    pub(crate) offer: Option<OfferId>,
}

impl Granted {
    /// The gesture.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert!(case.granted()[0].gesture().is_specific_apology());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn gesture(&self) -> &Gesture {
        &self.gesture
    }

    /// Who granted it.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.granted()[0].by().to_string(), "sam (frontline)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn by(&self) -> &Actor {
        &self.by
    }

    /// When.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// let granted_at: DateTime<Utc> = "2021-03-04T20:30:00Z".parse()?;
    /// assert_eq!(case.granted()[0].at(), granted_at);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The offer it granted, if it came from one.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::OfferId;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
    ///                                          "amount": {"minor": 2000, "currency": "USD"}}}},
    ///   {"id": "c-6", "actor": "customer", "at": "2021-03-04T20:40:00Z",
    ///    "kind": {"type": "accept_offer", "offer": 1}},
    ///   {"id": "c-7", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:45:00Z",
    ///    "kind": {"type": "grant_offer", "offer": 1}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.granted()[0].offer(), None); // the apology, granted outright
    /// // The store credit was offered, accepted, then granted:
    /// assert_eq!(case.granted()[1].offer(), Some(OfferId::new(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn offer(&self) -> Option<OfferId> {
        self.offer
    }
}

/// The lessons learned when a case closes: the root cause and what will
/// change. The root cause may not be empty.
///
/// # Example
/// ```
/// use escalate::recovery::Review;
/// let review = Review::new("nobody owned the case", "one named owner from the second contact")?;
/// assert_eq!(review.root_cause(), "nobody owned the case");
/// assert_eq!(Review::new(" ", "x").unwrap_err().to_string(),
///     "a review needs a root cause");
/// let json = serde_json::to_string(&review)?;
/// assert_eq!(json, r#"{"root_cause":"nobody owned the case","changes":"one named owner from the second contact"}"#);
/// assert!(serde_json::from_str::<Review>(r#"{"root_cause":"","changes":""}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ReviewSpec", into = "ReviewSpec")]
pub struct Review {
    root_cause: Text,
    changes: Text,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewSpec {
    root_cause: Text,
    changes: Text,
}

/// A review without a root cause.
///
/// # Example
/// ```
/// use escalate::recovery::Review;
/// assert!(Review::new("", "").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a review needs a root cause")]
pub struct EmptyReview;

impl Review {
    /// Creates a review.
    ///
    /// # Errors
    /// [`EmptyReview`] when the root cause is blank.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Review;
    /// let r = Review::new("rude reply", "the president no longer answers complaints")?;
    /// assert_eq!(r.changes(), "the president no longer answers complaints");
    /// # Ok::<(), escalate::recovery::EmptyReview>(())
    /// ```
    pub fn new(root_cause: impl Into<Text>, changes: impl Into<Text>) -> Result<Self, EmptyReview> {
        let root_cause = root_cause.into();
        if root_cause.trim().is_empty() {
            return Err(EmptyReview);
        }
        Ok(Review {
            root_cause,
            changes: changes.into(),
        })
    }

    /// The root cause.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Review;
    /// assert_eq!(Review::new("a", "b")?.root_cause(), "a");
    /// # Ok::<(), escalate::recovery::EmptyReview>(())
    /// ```
    #[must_use]
    pub fn root_cause(&self) -> &str {
        &self.root_cause
    }

    /// What will change.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Review;
    /// assert_eq!(Review::new("a", "b")?.changes(), "b");
    /// # Ok::<(), escalate::recovery::EmptyReview>(())
    /// ```
    #[must_use]
    pub fn changes(&self) -> &str {
        &self.changes
    }
}

impl TryFrom<ReviewSpec> for Review {
    type Error = EmptyReview;
    fn try_from(spec: ReviewSpec) -> Result<Self, EmptyReview> {
        Review::new(spec.root_cause, spec.changes)
    }
}

impl From<Review> for ReviewSpec {
    fn from(r: Review) -> Self {
        ReviewSpec {
            root_cause: r.root_cause,
            changes: r.changes,
        }
    }
}

/// Sums of money, one per currency (amounts of two currencies are never
/// added together).
///
/// # Overflow
/// Sums are checked, never saturated: a total that would not fit in 64-bit
/// minor units is *out of range* from then on. It has no exact amount, so it
/// is left out of [`amounts`](Self::amounts), [`get`](Self::get)
/// refuses it with [`MoneyError::TotalOutOfRange`], it is listed by
/// [`out_of_range`](Self::out_of_range), and it displays as `USD out of
/// range`. Such sums are far beyond any real amount (a forged log, a
/// mistyped loss, a history recorded under a policy that enforced nothing);
/// the guards refuse a grant that would take compensation out of range.
///
/// # Example
/// ```
/// use escalate::recovery::{Currency, Money, Totals};
/// let mut t = Totals::default();
/// t.add(Money::new(3_000, Currency::USD));
/// t.add(Money::new(24_999, Currency::USD));
/// t.add(Money::new(500, Currency::EUR));
/// assert_eq!(t.get(Currency::USD), Ok(Money::new(27_999, Currency::USD)));
/// assert_eq!(t.to_string(), "USD 279.99 + EUR 5.00");
/// assert_eq!(Totals::default().to_string(), "nothing");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Totals {
    exact: Vec<Money>,
    out_of_range: Vec<Currency>,
}

impl Totals {
    /// Adds an amount to the total of its currency. The sum is checked: a
    /// total that would not fit in 64-bit minor units becomes out of range
    /// and stays so (see [Overflow](Self#overflow)).
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money, Totals};
    /// let mut t = Totals::default();
    /// t.add(Money::new(1, Currency::USD));
    /// assert!(!t.is_zero());
    /// t.add(Money::new(i64::MAX, Currency::USD));
    /// assert_eq!(t.out_of_range(), [Currency::USD]);
    /// ```
    pub fn add(&mut self, amount: Money) {
        let currency = amount.currency();
        if self.out_of_range.contains(&currency) {
            return;
        }
        let Some(i) = self.exact.iter().position(|m| m.currency() == currency) else {
            self.exact.push(amount);
            return;
        };
        let Some(total) = self.exact.get_mut(i) else {
            return;
        };
        if let Ok(sum) = total.checked_add(amount) {
            *total = sum;
        } else {
            self.exact.remove(i);
            self.out_of_range.push(currency);
        }
    }

    /// The exact total in one currency (zero when nothing in it was added).
    ///
    /// # Errors
    /// [`MoneyError::TotalOutOfRange`] when the total does not fit in 64-bit
    /// minor units: it is never reported as a saturated amount.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money, MoneyError, Totals};
    /// let mut t = Totals::default();
    /// t.add(Money::new(2_000, Currency::USD));
    /// assert_eq!(t.get(Currency::USD), Ok(Money::new(2_000, Currency::USD)));
    /// assert_eq!(t.get(Currency::EUR), Ok(Money::new(0, Currency::EUR)));
    /// t.add(Money::new(i64::MAX, Currency::USD));
    /// assert_eq!(t.get(Currency::USD), Err(MoneyError::TotalOutOfRange(Currency::USD)));
    /// ```
    pub fn get(&self, currency: Currency) -> Result<Money, MoneyError> {
        if self.out_of_range.contains(&currency) {
            return Err(MoneyError::TotalOutOfRange(currency));
        }
        Ok(self
            .exact
            .iter()
            .copied()
            .find(|m| m.currency() == currency)
            .unwrap_or(Money::new(0, currency)))
    }

    /// Whether every total is zero (a total out of range is not).
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money, Totals};
    /// let mut t = Totals::default();
    /// assert!(t.is_zero());
    /// t.add(Money::new(0, Currency::USD));
    /// assert!(t.is_zero());
    /// t.add(Money::new(1_000, Currency::USD));
    /// assert!(!t.is_zero());
    /// ```
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.out_of_range.is_empty() && self.exact.iter().all(|m| m.minor() == 0)
    }

    /// The exact totals, one per currency, in the order currencies first
    /// appeared; a total out of range is not among them.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money, Totals};
    /// let mut t = Totals::default();
    /// t.add(Money::new(5, Currency::EUR));
    /// assert_eq!(t.amounts(), &[Money::new(5, Currency::EUR)]);
    /// ```
    #[must_use]
    pub fn amounts(&self) -> &[Money] {
        &self.exact
    }

    /// The currencies whose totals are out of range, in the order they went
    /// out of range.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{Currency, Money, Totals};
    /// let mut t = Totals::default();
    /// t.add(Money::new(i64::MIN, Currency::CAD));
    /// assert!(t.out_of_range().is_empty());
    /// t.add(Money::new(-1, Currency::CAD));
    /// assert_eq!(t.out_of_range(), [Currency::CAD]);
    /// assert_eq!(t.to_string(), "CAD out of range");
    /// ```
    #[must_use]
    pub fn out_of_range(&self) -> &[Currency] {
        &self.out_of_range
    }
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exact.is_empty() && self.out_of_range.is_empty() {
            return f.write_str("nothing");
        }
        let exact = self.exact.iter().map(|m| (m.currency(), Some(m)));
        let beyond = self.out_of_range.iter().map(|c| (*c, None));
        for (i, (currency, total)) in exact.chain(beyond).enumerate() {
            if i > 0 {
                f.write_str(" + ")?;
            }
            match total {
                Some(m) => write!(f, "{m}")?,
                None => write!(f, "{currency} out of range")?,
            }
        }
        Ok(())
    }
}

/// `total` as a share of `loss` in words: `133.33% of the customer's loss of
/// USD 180.00`, or `with no recorded loss in USD`.
pub(crate) fn share_of_loss(total: Money, loss: Money) -> String {
    match share_bps(total, loss) {
        Some(bps) => format!("{} of the customer's loss of {loss}", Percent(bps)),
        None => format!("with no recorded loss in {}", loss.currency()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::local;

    #[test]
    fn words() {
        let usd = |m| Money::new(m, Currency::USD);
        assert_eq!(
            share_of_loss(usd(24_000), usd(18_000)),
            "133.33% of the customer's loss of USD 180.00"
        );
        assert_eq!(
            share_of_loss(usd(1), usd(0)),
            "with no recorded loss in USD"
        );
        assert_eq!(
            local(
                chrono_tz::America::New_York,
                "2021-03-15T13:00:00Z".parse().unwrap()
            ),
            "2021-03-15 09:00 EDT"
        );
        // A total never saturates: beyond i64 it is out of range.
        let mut t = Totals::default();
        t.add(Money::new(i64::MAX, Currency::USD));
        t.add(usd(1));
        assert_eq!(
            t.get(Currency::USD),
            Err(MoneyError::TotalOutOfRange(Currency::USD))
        );
        assert!(t.amounts().is_empty());
        assert_eq!(t.to_string(), "USD out of range");
    }
}
