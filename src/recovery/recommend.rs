//! The next gestures a policy suggests for a case.

use std::fmt;

use chrono::{DateTime, Utc};

use super::authority::{part_of, share_bps};
use super::guard::{Ranks, slot};
use super::ledger::{MoneyIn, Owed};
use super::{Currency, GestureKind, Ledger, Money, RecoveryPolicy, Resource};
use crate::customer::{FailureId, FailureKind};
use crate::ids::Tier;

/// A gesture the policy suggests, with why, how much, who must give it, and
/// whether the moment for it has passed.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{GestureKind, Reason};
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
///             "loss": {"minor": 24999, "currency": "USD"}}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
/// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
/// assert_eq!(next[0].gesture(), GestureKind::Apology);
/// assert_eq!(next[0].reason(), Reason::ApologiseFirst);
/// assert_eq!(next[1].gesture(), GestureKind::Exchange);
/// assert_eq!(next[1].to_string(),
///     "replacement for failure #1 worth USD 249.99 (a product failure calls for exchange), by supervisor");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recommendation {
    gesture: GestureKind,
    failures: Vec<FailureId>,
    reason: Reason,
    share: Option<Share>,
    tier: Option<Tier>,
    moment: Moment,
}

/// Why a gesture is suggested.
///
/// # Example
/// ```
/// use escalate::FailureKind;
/// use escalate::recovery::{Reason, Resource};
/// let r = Reason::Matches { failure: FailureKind::Monetary, resource: Resource::MoneyNow };
/// assert_eq!(r.to_string(), "a monetary failure calls for money now");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// A specific apology comes first, naming the failures not yet named
    /// (Roschk & Kaiser 2013; Wirtz & Mattila 2004).
    ApologiseFirst,
    /// The rung matches the kind of failure (Roschk & Gelbrich 2014).
    Matches {
        /// The kind of failure.
        failure: FailureKind,
        /// The resource that matches it.
        resource: Resource,
    },
    /// The customer keeps a faulty item: part of its price back instead of
    /// an exchange.
    KeepsItem,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ApologiseFirst => f.write_str("apologise specifically first"),
            Reason::Matches { failure, resource } => {
                write!(f, "a {failure} failure calls for {resource}")
            }
            Reason::KeepsItem => f.write_str("if the customer keeps the item"),
        }
    }
}

/// How much to give, as a range of basis points of the failure's loss and
/// the amounts they come to. For a gesture that is not money it is the
/// worth of what it makes good. A replacement is given at that worth (the
/// item sent is its cost): it counts toward the caps and the tier's
/// authority as the guards count a repair's cost, and the recommendation's
/// tier is one that may give it at that cost. The service done again or
/// faster is the company's own work, given without a cost: its worth does
/// not count.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{GestureKind};
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
///             "loss": {"minor": 24999, "currency": "USD"}}}
/// ]"#)?;
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
/// }
/// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
/// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
/// let keep = next.iter().find(|r| r.gesture() == GestureKind::PartialRefund).unwrap();
/// let share = keep.share().unwrap();
/// assert_eq!((share.min_bps(), share.max_bps()), (2_500, 5_000));
/// assert_eq!(share.max().to_string(), "USD 124.99");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Share {
    min_bps: u32,
    max_bps: u32,
    min: Money,
    max: Money,
}

impl Share {
    /// The lower bound, in basis points of the loss.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{GestureKind};
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// let keep = next.iter().find(|r| r.gesture() == GestureKind::PartialRefund).unwrap();
    /// // 25% to 50% of the loss back if the customer keeps the wrong cabinet:
    /// assert_eq!(keep.share().unwrap().min_bps(), 2_500);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn min_bps(&self) -> u32 {
        self.min_bps
    }

    /// The upper bound, in basis points of the loss.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{GestureKind};
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// let keep = next.iter().find(|r| r.gesture() == GestureKind::PartialRefund).unwrap();
    /// // 25% to 50% of the loss back if the customer keeps the wrong cabinet:
    /// assert_eq!(keep.share().unwrap().max_bps(), 5_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_bps(&self) -> u32 {
        self.max_bps
    }

    /// The lower bound as money.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{GestureKind};
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// let keep = next.iter().find(|r| r.gesture() == GestureKind::PartialRefund).unwrap();
    /// // 25% to 50% of the loss back if the customer keeps the wrong cabinet:
    /// assert_eq!(keep.share().unwrap().min().to_string(), "USD 62.49");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn min(&self) -> Money {
        self.min
    }

    /// The upper bound as money.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{GestureKind};
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// let keep = next.iter().find(|r| r.gesture() == GestureKind::PartialRefund).unwrap();
    /// // 25% to 50% of the loss back if the customer keeps the wrong cabinet:
    /// assert_eq!(keep.share().unwrap().max().to_string(), "USD 124.99");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max(&self) -> Money {
        self.max
    }
}

/// Whether the moment for a gesture has passed.
///
/// # Example
/// ```
/// use escalate::recovery::Moment;
/// assert_eq!(Moment::Open.to_string(), "open");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Moment {
    /// It can still help.
    Open,
    /// The customer left: only an apology (and a note of what was fixed) is
    /// still worth giving; discretionary money would be refused as too late.
    Passed {
        /// When the customer signalled they had left.
        left_at: DateTime<Utc>,
    },
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Moment::Open => f.write_str("open"),
            Moment::Passed { left_at } => write!(f, "passed (the customer left at {left_at})"),
        }
    }
}

impl Recommendation {
    /// The suggested kind of gesture.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{GestureKind};
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// assert_eq!(next[0].gesture(), GestureKind::Apology); // first, a specific apology
    /// assert_eq!(next[1].gesture(), GestureKind::Exchange); // then the right cabinet
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn gesture(&self) -> GestureKind {
        self.gesture
    }

    /// The failures it should name.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, FailureId};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::recommend;
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// assert_eq!(next[0].failures(), &[FailureId::new(1)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn failures(&self) -> &[FailureId] {
        &self.failures
    }

    /// Why.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command, FailureKind};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Reason};
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// assert_eq!(next[0].reason(), Reason::ApologiseFirst);
    /// // The exchange matches the failure: a product failure calls for exchange.
    /// assert!(matches!(next[1].reason(), Reason::Matches { failure: FailureKind::Product, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// How much, for gestures that give money.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::recommend;
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// assert_eq!(next[0].share(), None); // an apology gives no money
    /// let exchange = next[1].share().unwrap(); // the whole loss, in kind
    /// assert_eq!((exchange.min_bps(), exchange.max_bps()), (10_000, 10_000));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn share(&self) -> Option<Share> {
        self.share
    }

    /// The least senior tier that may give it (at its largest amount, with
    /// the apology the guards require before money when none was given):
    /// an agent of it granting it passes [`check_grant`](super::check_grant)
    /// (see [`recommend`](super::recommend) for the exact grant); `None` if
    /// no tier may.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::recommend;
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// assert_eq!(next[2].tier().map(|t| t.as_str()), Some("supervisor")); // 25-50% back
    /// // The replacement worth USD 249.99 is 100% of the loss: beyond frontline's 25%.
    /// assert_eq!(next[1].tier().map(|t| t.as_str()), Some("supervisor"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn tier(&self) -> Option<&Tier> {
        self.tier.as_ref()
    }

    /// Whether the moment has passed (the customer left).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Moment};
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
    ///             "loss": {"minor": 24999, "currency": "USD"}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam (frontline) owns a case with a wrong cabinet delivered (USD 249.99), nothing granted.
    /// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
    /// assert_eq!(next[0].moment(), Moment::Open);
    /// // The customer leaves: only the apology is still worth making.
    /// let left: Command = serde_json::from_str(r#"{"id": "c-9", "actor": "customer",
    ///     "at": "2021-03-06T10:00:00Z", "kind": {"type": "signal_churn", "note": "bought elsewhere"}}"#)?;
    /// let left_at = left.at();
    /// for event in case.handle(&policy, left, left_at)? { case.apply(&event)?; }
    /// let next = case.recommend(&policy, "2021-03-07T10:00:00Z".parse()?);
    /// assert_eq!(next[0].moment(), Moment::Open);
    /// assert_eq!(next[1].moment(), Moment::Passed { left_at });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn moment(&self) -> Moment {
        self.moment
    }
}

impl fmt::Display for Recommendation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.gesture)?;
        for (i, failure) in self.failures.iter().enumerate() {
            f.write_str(if i == 0 { " for " } else { ", " })?;
            write!(f, "{failure}")?;
        }
        if let Some(share) = &self.share {
            if share.min == share.max {
                write!(f, " worth {}", share.max)?;
            } else {
                write!(f, " of {} to {}", share.min, share.max)?;
            }
        }
        write!(f, " ({})", self.reason)?;
        match &self.tier {
            Some(tier) => write!(f, ", by {tier}")?,
            None => f.write_str(", beyond every tier")?,
        }
        if let Moment::Passed { left_at } = self.moment {
            write!(f, "; too late: the customer left at {left_at}")?;
        }
        Ok(())
    }
}

/// Marks: a failure named by an apology, remedied by a matching gesture.
/// What the granted gestures did for one failure.
#[derive(Clone, Copy, Default)]
struct Answered {
    /// An apology named it.
    apologised: bool,
    /// A gesture that fits its kind made it good.
    remedied: bool,
}

/// What the granted gestures did for each failure, in recording order: one
/// pass over them. Failure numbers run from 1 in recording order, so #n is
/// at index n - 1.
fn answered(ledger: &Ledger) -> Vec<Answered> {
    let failures = ledger.failures();
    let mut marks = vec![Answered::default(); failures.len()];
    for granted in ledger.granted() {
        let gesture = granted.gesture();
        let apology = gesture.kind() == GestureKind::Apology;
        for id in gesture.failures() {
            let index = (id.get() as usize).wrapping_sub(1);
            if let (Some(mark), Some(failure)) = (marks.get_mut(index), failures.get(index)) {
                if apology {
                    mark.apologised = true;
                }
                // A matching gesture makes it good; so does one that
                // restores the whole loss (a full refund of a bad product):
                // a second would be refused as a double remedy.
                if gesture.fits(failure.kind()) || gesture.restores() {
                    mark.remedied = true;
                }
            }
        }
    }
    marks
}

/// The next gestures the policy suggests for a case at `now`, most urgent
/// first:
///
/// 1. an apology naming every recorded failure no granted apology has named
///    yet (a specific apology first; it is never too late for one);
/// 2. for each failure not yet remedied by a granted gesture that names it
///    and matches its kind, the lowest rung of the ladder whose resource
///    matches the kind: money now for a money loss (100% of the loss), an
///    exchange for a bad product (the customer returns it: the whole loss
///    made good), the service done again for a bad service; neglect is
///    answered by the apology. For a bad product the customer keeps, the
///    lowest money-now rung at 25-50% of its loss follows.
///
/// Money is never suggested beyond what is left of a failure's loss after
/// the refunds owed on it were paid: a money suggestion's share is capped
/// there (its basis points rounded down), and a failure whose loss was all
/// refunded as owed gets none.
///
/// Money worth nothing (a share rounded down to zero) is not suggested.
/// A failure already made good by a gesture that restores it (a full
/// refund, a replacement, the service done again) gets no remedy: a second
/// one would be refused as a double remedy.
///
/// Each comes with the least senior tier that may give it at its largest
/// amount, as [`check_grant`](super::check_grant) judges it: the gesture
/// with the largest amount of its share (money at that amount, a
/// replacement at that cost, the service done again or faster without a
/// cost; see [`Share`]), together with a specific
/// apology naming its failures when it is money and the case has no
/// specific apology yet (the guards refuse money before one, so that tier
/// must be allowed to apologise too). None when no tier may: over the hard
/// cap, or the compensation it would bring the case to, or the loss, does
/// not fit in 64-bit minor units. A recommendation that names no amount (a
/// money rung for a failure with no loss recorded) gets the least senior
/// tier allowed its kind. And whether the moment has passed: after the
/// churn signal only the apology is still open (a grant of the rest would
/// be refused as too late).
///
/// The law, tested over generated ledgers and recovery policies
/// (`tests/recovery_recommend.rs`): for a ledger as of `now`, every
/// recommendation with a tier passes `check_grant` for an agent of that
/// tier, granted as above, with no refusal but "too late" once the moment
/// has passed, and no tier below it passes; one with no tier passes for no
/// tier (guards enforced).
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{GestureKind};
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
/// // Apologised, with a USD 20.00 credit: the wrong cabinet still needs replacing.
/// let next = case.recommend(&policy, "2021-03-05T10:00:00Z".parse()?);
/// assert_eq!(next[0].gesture(), GestureKind::Exchange);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn recommend(
    ledger: &Ledger,
    rules: &RecoveryPolicy,
    tiers: &[Tier],
    now: DateTime<Utc>,
) -> Vec<Recommendation> {
    let ladder = rules.ladder();
    let passed = match ledger.churned_at() {
        Some(left_at) if left_at <= now => Moment::Passed { left_at },
        _ => Moment::Open,
    };
    let ranks = Ranks::new(rules, tiers);
    let failures = ledger.failures();
    let marks = answered(ledger);
    let mut out = Vec::with_capacity(failures.len() + 1);
    let unnamed: Vec<FailureId> = failures
        .iter()
        .zip(&marks)
        .filter(|(_, mark)| !mark.apologised)
        .map(|(f, _)| f.id())
        .collect();
    if !unnamed.is_empty() && ladder.position(GestureKind::Apology).is_some() {
        out.push(Recommendation {
            gesture: GestureKind::Apology,
            failures: unnamed,
            reason: Reason::ApologiseFirst,
            share: None,
            tier: ranks.lowest(GestureKind::Apology, None),
            moment: Moment::Open,
        });
    }
    let apologised = ledger.has_specific_apology();
    let mut money = MoneyBook::new(ledger);
    for (failure, mark) in failures.iter().zip(&marks) {
        let (id, kind) = (failure.id(), failure.kind());
        let remedied = mark.remedied;
        let resource = Resource::matching(kind);
        if remedied || resource == Resource::Psychological {
            continue;
        }
        let mut suggest = |gesture: GestureKind, reason: Reason, bps: Option<(u32, u32)>| {
            let mut share = bps.and_then(|(min_bps, max_bps)| {
                // A negative loss (only a forged log holds one) sizes nothing.
                let loss = failure.loss().filter(|loss| loss.minor() >= 0)?;
                Some(Share {
                    min_bps,
                    max_bps,
                    min: part_of(loss, min_bps)?,
                    max: part_of(loss, max_bps)?,
                })
            });
            if gesture.is_monetary()
                && let (Some(s), Some(loss)) = (share.as_mut(), failure.loss())
            {
                // Never more money than is left of the loss after the owed
                // refunds on it; nothing when none is left.
                let left = money.unpaid(id, loss);
                if left.minor() <= 0 {
                    return;
                }
                s.cap(left, loss);
                // Money worth nothing (a share of a few cents rounded down
                // to zero) is no gesture: the guard refuses a zero amount.
                if s.max.minor() <= 0 {
                    return;
                }
            }
            // What the guard counts toward the caps and authority limits:
            // the gesture's discretionary cost at its largest, money or a
            // replacement's worth (a replacement worth the loss is
            // compensation worth the loss); a total or a loss beyond 64-bit
            // minor units is beyond every tier.
            let cost = share
                .map(|s| s.max)
                .filter(|max| given_at_share(gesture) && max.minor() != 0);
            // Discretionary money needs a specific apology first or with it:
            // when none was granted, the tier gives both.
            let with_apology = gesture.is_monetary() && cost.is_some() && !apologised;
            let tier = match cost.map(|cost| money.with(cost)) {
                Some(None) => None,
                Some(Some(total)) => ranks.lowest_giving(gesture, Some(total), with_apology),
                None => ranks.lowest_giving(gesture, None, false),
            };
            out.push(Recommendation {
                gesture,
                failures: vec![id],
                reason,
                share,
                tier,
                moment: passed,
            });
        };
        let Some(rung) = ladder.lowest(resource) else {
            continue;
        };
        // The matched remedy makes good the whole loss (the customer returns
        // a bad item: 100%).
        let full = Some((10_000, 10_000));
        suggest(
            rung,
            Reason::Matches {
                failure: kind,
                resource,
            },
            full,
        );
        if kind == FailureKind::Product
            && let Some(money) = ladder.lowest(Resource::MoneyNow)
        {
            suggest(money, Reason::KeepsItem, Some((2_500, 5_000)));
        }
    }
    out
}

/// Whether a suggestion of this kind is given at the amount of its share,
/// which the guards then count as compensation: money (keep-the-item at the
/// item's value) and a replacement (the item sent is worth the loss, and
/// that is its cost). The service done again or faster is the company's own
/// work: its share is the worth of what it makes good, and it is given
/// without a cost.
fn given_at_share(kind: GestureKind) -> bool {
    kind.is_monetary() || kind == GestureKind::Exchange
}

impl Share {
    /// Lowers the share to at most `left` of `loss` (both of one currency,
    /// `left` above zero and at most the loss), its basis points rounded down.
    fn cap(&mut self, left: Money, loss: Money) {
        if self.max.minor() > left.minor() {
            self.max = left;
            self.max_bps = share_bps(left, loss)
                .and_then(|bps| u32::try_from(bps).ok())
                .map_or(self.max_bps, |bps| bps.min(self.max_bps));
        }
        if self.min.minor() > self.max.minor() {
            self.min = self.max;
            self.min_bps = self.min_bps.min(self.max_bps);
        }
    }
}

/// What `recommend` reads of the ledger's money, per currency, looked up
/// once: compensation and loss summed exactly, and the owed refunds counted
/// against each failure.
struct MoneyBook<'a> {
    ledger: &'a Ledger,
    /// Per currency: compensation, loss (`None` past `i128`) and owed money.
    sums: Vec<(Currency, (MoneyIn, Owed))>,
}

impl<'a> MoneyBook<'a> {
    fn new(ledger: &'a Ledger) -> Self {
        MoneyBook {
            ledger,
            sums: Vec::new(),
        }
    }

    fn of(&mut self, currency: Currency) -> Option<&(MoneyIn, Owed)> {
        let ledger = self.ledger;
        slot(&mut self.sums, currency, || {
            (ledger.money_in(currency), ledger.owed(currency))
        })
        .map(|sums| &*sums)
    }

    /// What is left of one failure's `loss` after the owed refunds counted
    /// against it (at most the loss, at least zero).
    fn unpaid(&mut self, failure: FailureId, loss: Money) -> Money {
        let paid = self
            .of(loss.currency())
            .map_or(0, |(_, owed)| owed.paid_on(failure));
        let left = i128::from(loss.minor())
            .checked_sub(paid)
            .map_or(0, |left| left.clamp(0, i128::from(loss.minor().max(0))));
        Money::new(i64::try_from(left).unwrap_or(0), loss.currency())
    }

    /// The compensation `amount` would bring the case to, and the loss it
    /// is measured against; `None` when either does not fit in 64-bit
    /// minor units.
    fn with(&mut self, amount: Money) -> Option<(Money, Money)> {
        let currency = amount.currency();
        let (sums, _) = self.of(currency)?;
        let fits = |minor: i128| i64::try_from(minor).ok().map(|m| Money::new(m, currency));
        let total = fits(sums.compensation?.checked_add(amount.minor().into())?)?;
        Some((total, fits(sums.loss?)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::Ladder;
    use crate::test_support::{at, cabinet_ledger as ledger, default_tiers as tiers};

    #[test]
    fn after_churn_only_the_apology_is_open() {
        let mut ledger = ledger();
        let left = at("2021-03-06T10:00:00Z");
        ledger.record_churn(left);
        let (tiers, rules) = (tiers(), RecoveryPolicy::standard(&tiers()));
        let next = recommend(&ledger, &rules, &tiers, at("2021-03-07T10:00:00Z"));
        assert_eq!(next[0].moment(), Moment::Open);
        assert_eq!(next.len(), 3);
        assert!(
            next[1..]
                .iter()
                .all(|r| r.moment() == Moment::Passed { left_at: left })
        );
        // Before the churn signal's time, the moment is still open.
        let next = recommend(&ledger, &rules, &tiers, at("2021-03-05T10:00:00Z"));
        assert!(next.iter().all(|r| r.moment() == Moment::Open));
    }

    #[test]
    fn the_ladder_decides_the_rung() {
        let ladder = Ladder::new([GestureKind::Apology, GestureKind::FullRefund]).unwrap();
        let tiers = tiers();
        let rules = RecoveryPolicy::standard(&tiers).with_ladder(ladder);
        // No exchange on this ladder: only the apology is suggested.
        let next = recommend(&ledger(), &rules, &tiers, at("2021-03-05T10:00:00Z"));
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].gesture(), GestureKind::Apology);
    }
}
