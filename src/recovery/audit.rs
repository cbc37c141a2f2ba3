//! Outcome and economics: what an actual history spent, side by side with
//! what a policy would have allowed.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Gesture, GestureKind, GrantRefusal, Ledger, RecoveryPolicy, Totals, check_grant};
use crate::customer::Failure;
use crate::ids::Tier;
use crate::owner::Actor;
use crate::text::local;

/// One granted gesture of an actual history, with the policy's verdict.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{Currency};
/// use escalate::replay::audit;
/// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
/// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
/// let lax = Policy::default().as_recorded();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
///             "loss": {"minor": 24999, "currency": "USD"}}},
///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
/// ]"#)?;
/// let mut log = Vec::new(); // the host keeps the events
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
/// }
/// // What the default policy would have allowed:
/// let report = audit(log.clone(), &Policy::default())?;
/// let sorry = &report.lines()[0];
/// assert_eq!(sorry.gesture().to_string(), "a personal apology");
/// assert!(sorry.verdict().is_allowed());
/// let card = &report.lines()[1];
/// assert_eq!(card.gesture().to_string(), "a gift card of USD 100.00");
/// assert!(!card.verdict().is_allowed()); // beyond sam's authority
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    at: DateTime<Utc>,
    actor: Actor,
    gesture: Gesture,
    verdict: Verdict,
}

impl AuditLine {
    /// When it was granted.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// let t: DateTime<Utc> = "2021-03-04T20:30:00Z".parse()?;
    /// assert_eq!(report.lines()[0].at(), t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who granted it.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// assert_eq!(report.lines()[1].actor().to_string(), "sam (frontline)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// What was granted.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency, GestureKind};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// assert_eq!(report.lines()[1].gesture().kind(), GestureKind::Credit);
    /// assert_eq!(report.lines()[1].gesture().cost().map(|m| m.minor()), Some(10_000));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn gesture(&self) -> &Gesture {
        &self.gesture
    }

    /// Whether the policy would have allowed it.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency, GrantRefusal, Verdict};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// assert_eq!(report.lines()[0].verdict(), &Verdict::Allowed); // the apology
    /// // The gift card was beyond sam's authority: a supervisor could have granted it.
    /// let Verdict::Refused(reasons) = report.lines()[1].verdict() else { panic!("allowed") };
    /// assert!(matches!(&reasons[..], [GrantRefusal::ExceedsAuthority { needs: Some(tier), .. }]
    ///     if tier.as_str() == "supervisor"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }
}

/// The policy's verdict on a gesture of an actual history.
///
/// # Example
/// ```
/// use escalate::recovery::Verdict;
/// assert!(Verdict::Allowed.is_allowed());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The policy would have allowed it.
    Allowed,
    /// The policy would have refused it, for these reasons (every guard it
    /// breaks, in the guards' order).
    Refused(Vec<GrantRefusal>),
}

impl Verdict {
    /// Whether the policy would have allowed it.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Verdict;
    /// assert!(!Verdict::Refused(vec![]).is_allowed());
    /// ```
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        matches!(self, Verdict::Allowed)
    }
}

/// What an actual history spent on recovery and what a policy would have
/// allowed, gesture by gesture. Built by [`Audit::of`] or [`replay::audit`](crate::replay::audit).
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{Currency};
/// use escalate::replay::audit;
/// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
/// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
/// let lax = Policy::default().as_recorded();
/// let mut case = Case::new("CAB-1".parse()?);
/// let commands: Vec<Command> = serde_json::from_str(r#"[
///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
///    "customer": {"id": "cust-9", "value": "standard"},
///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
///             "loss": {"minor": 24999, "currency": "USD"}}},
///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
/// ]"#)?;
/// let mut log = Vec::new(); // the host keeps the events
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
/// }
/// // What the default policy would have allowed:
/// let report = audit(log.clone(), &Policy::default())?;
/// assert_eq!(report.to_string(), "\
/// 2021-03-04 20:30 UTC  sam (frontline) granted a personal apology: allowed
/// 2021-03-04 20:30 UTC  sam (frontline) granted a gift card of USD 100.00: refused: sam (frontline) \
/// may not grant a credit of USD 100.00: beyond the authority of tier frontline (compensation up to \
/// 25.00% of the customer's loss of USD 249.99); the lowest tier that may is supervisor
/// spent USD 100.00; the policy would have allowed nothing; wasted after the customer left USD 100.00
/// ");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    time_zone: Tz,
    lines: Vec<AuditLine>,
    spent: Totals,
    allowed: Totals,
    wasted: Totals,
}

impl Audit {
    /// One line per granted gesture, in the history's order.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// assert_eq!(report.lines().len(), 2); // the apology, the gift card
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lines(&self) -> &[AuditLine] {
        &self.lines
    }

    /// The money the actual history granted.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// assert_eq!(report.spent().get(Currency::USD)?.minor(), 10_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn spent(&self) -> &Totals {
        &self.spent
    }

    /// The money of the gestures the policy would have allowed.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// // The apology costs nothing and the gift card would have been refused.
    /// assert!(report.allowed().is_zero());
    /// assert_eq!(report.allowed().get(Currency::USD)?.minor(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn allowed(&self) -> &Totals {
        &self.allowed
    }

    /// The discretionary money the actual history granted at or after the
    /// customer's churn signal.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency};
    /// use escalate::replay::audit;
    /// // What happened, recorded under a policy that enforced nothing: sam granted an apology and
    /// // a USD 100.00 gift card for a USD 249.99 loss; the customer had left at 20:20 (logged later).
    /// let lax = Policy::default().as_recorded();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "gift_card", "amount": {"minor": 10000, "currency": "USD"}}]}},
    ///   {"id": "c-4", "actor": "customer", "at": "2021-03-04T20:20:00Z",
    ///    "kind": {"type": "signal_churn", "note": "bought elsewhere"}}
    /// ]"#)?;
    /// let mut log = Vec::new(); // the host keeps the events
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event)?; log.push(event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(log.clone(), &Policy::default())?;
    /// // The gift card came after the customer had left.
    /// assert_eq!(report.wasted().get(Currency::USD)?.minor(), 10_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn wasted(&self) -> &Totals {
        &self.wasted
    }
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            write!(
                f,
                "{}  {} granted {}: ",
                local(self.time_zone, line.at),
                line.actor,
                line.gesture
            )?;
            match &line.verdict {
                Verdict::Allowed => f.write_str("allowed")?,
                Verdict::Refused(reasons) => {
                    f.write_str("refused")?;
                    for (i, reason) in reasons.iter().enumerate() {
                        f.write_str(if i == 0 { ": " } else { "; " })?;
                        write!(f, "{reason}")?;
                    }
                }
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "spent {}; the policy would have allowed {}; wasted after the customer left {}",
            self.spent, self.allowed, self.wasted
        )
    }
}

/// One step of a case's history, as the audit reads it: a failure
/// recorded, the customer's churn signal, or the gestures granted by one
/// command.
///
/// # Example
/// ```
/// use escalate::Actor;
/// use escalate::recovery::{AuditStep, Gesture, Manner};
/// let step = AuditStep::Grant {
///     by: Actor::System,
///     at: "2021-03-05T10:00:00Z".parse()?,
///     gestures: vec![Gesture::Apology { failures: vec![], manner: Manner::Form }],
/// };
/// assert!(matches!(step, AuditStep::Grant { .. }));
/// # Ok::<(), chrono::ParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditStep {
    /// A failure was recorded.
    Failure(Failure),
    /// The customer said they had left, at this time.
    Churn(DateTime<Utc>),
    /// One command granted these gestures.
    Grant {
        /// Who granted them.
        by: Actor,
        /// When.
        at: DateTime<Utc>,
        /// The gestures, in the command's order.
        gestures: Vec<Gesture>,
    },
}

impl Audit {
    /// Walks an actual history step by step and asks, at each granted
    /// gesture, whether the recovery `rules` ([`check_grant`], for a policy
    /// whose tiers, most junior first, are `tiers`) would have allowed it at
    /// that point, by that actor.
    ///
    /// The policy's ledger takes every step except the gestures it would
    /// have refused, so later gestures are judged against what the policy
    /// would have granted before them. Each gesture is judged on its own;
    /// the apologies granted by the same command are judged (and, when
    /// allowed, count) before its other gestures, as a case lets an apology
    /// come with the money it opens the way to. Times in the report are
    /// shown in `time_zone`.
    ///
    /// [`replay::audit`](crate::replay::audit) builds the steps from a
    /// case's events.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Actor, Agent, Failure, FailureId, FailureKind};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Audit, AuditStep, CreditForm, Currency, Gesture, Manner, Money};
    /// let t: DateTime<Utc> = "2021-03-05T10:00:00Z".parse()?;
    /// let usd = |minor| Money::new(minor, Currency::USD);
    /// let sam = Actor::Agent(Agent::new("sam".parse()?, "frontline".parse()?));
    /// let one = vec![FailureId::new(1)];
    /// let steps = [
    ///     AuditStep::Failure(Failure::new(FailureId::new(1), FailureKind::Product,
    ///         "wrong cabinet", Some(usd(24_999)), t)),
    ///     AuditStep::Grant { by: sam, at: t, gestures: vec![
    ///         Gesture::Credit { failures: one.clone(), form: CreditForm::StoreCredit, amount: usd(2_000) },
    ///         Gesture::Apology { failures: one, manner: Manner::Personal },
    ///     ]},
    /// ];
    /// let policy = Policy::default();
    /// let report = Audit::of(chrono_tz::UTC, steps, policy.recovery(), policy.tiers());
    /// assert_eq!(report.lines().len(), 2); // the apology first, then the credit
    /// assert!(report.lines().iter().all(|l| l.verdict().is_allowed()));
    /// assert_eq!(report.spent().get(Currency::USD)?, usd(2_000));
    /// assert!(report.wasted().is_zero());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn of(
        time_zone: Tz,
        steps: impl IntoIterator<Item = AuditStep>,
        rules: &RecoveryPolicy,
        tiers: &[Tier],
    ) -> Audit {
        let mut actual = Ledger::new(time_zone);
        let mut shadow = Ledger::new(time_zone);
        let mut lines = Vec::new();
        let (mut spent, mut allowed) = (Totals::default(), Totals::default());
        for step in steps {
            match step {
                AuditStep::Failure(failure) => {
                    actual.record_failure(failure.clone());
                    shadow.record_failure(failure);
                }
                AuditStep::Churn(at) => {
                    actual.record_churn(at);
                    shadow.record_churn(at);
                }
                AuditStep::Grant { by, at, gestures } => {
                    let (mut first, rest): (Vec<Gesture>, Vec<Gesture>) = gestures
                        .into_iter()
                        .partition(|g| g.kind() == GestureKind::Apology);
                    first.extend(rest);
                    for gesture in first {
                        let breaches =
                            check_grant(&shadow, rules, tiers, &by, std::slice::from_ref(&gesture));
                        if let Some(cost) = gesture.cost() {
                            spent.add(cost);
                        }
                        actual.record_grant(gesture.clone(), by.clone(), at, None);
                        let verdict = if breaches.is_empty() {
                            if let Some(cost) = gesture.cost() {
                                allowed.add(cost);
                            }
                            shadow.record_grant(gesture.clone(), by.clone(), at, None);
                            Verdict::Allowed
                        } else {
                            Verdict::Refused(breaches)
                        };
                        lines.push(AuditLine {
                            at,
                            actor: by.clone(),
                            gesture,
                            verdict,
                        });
                    }
                }
            }
        }
        Audit {
            time_zone,
            lines,
            spent,
            allowed,
            wasted: actual.money_wasted(),
        }
    }
}
