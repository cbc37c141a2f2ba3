//! Outcome and economics: what an actual history spent, side by side with
//! what a policy would have allowed.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::record::local;
use super::{Gesture, Totals, check_grant};
use crate::policy::Policy;
use crate::{Actor, Case, Event, EventKind, Refusal, ReplayError};

/// One granted gesture of an actual history, with the policy's verdict.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{audit, Currency};
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
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
/// }
/// // What the default policy would have allowed:
/// let report = audit(case.events().to_vec(), &Policy::default())?;
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
    /// use escalate::recovery::{audit, Currency};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
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
    /// use escalate::recovery::{audit, Currency};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
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
    /// use escalate::recovery::{audit, Currency, GestureKind};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
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
    /// use escalate::{Case, Command, Refusal};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{audit, Currency, Verdict};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
    /// assert_eq!(report.lines()[0].verdict(), &Verdict::Allowed); // the apology
    /// // The gift card was beyond sam's authority: a supervisor could have granted it.
    /// let Verdict::Refused(reasons) = report.lines()[1].verdict() else { panic!("allowed") };
    /// assert!(matches!(&reasons[..], [Refusal::ExceedsAuthority { needs: Some(tier), .. }]
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
    Refused(Vec<Refusal>),
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
/// allowed, gesture by gesture. Built by [`audit`].
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{audit, Currency};
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
/// for command in commands {
///     let now = command.at();
///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
/// }
/// // What the default policy would have allowed:
/// let report = audit(case.events().to_vec(), &Policy::default())?;
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
    /// use escalate::recovery::{audit, Currency};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
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
    /// use escalate::recovery::{audit, Currency};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
    /// assert_eq!(report.spent().get(Currency::USD).minor(), 10_000);
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
    /// use escalate::recovery::{audit, Currency};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
    /// // The apology costs nothing and the gift card would have been refused.
    /// assert!(report.allowed().is_zero());
    /// assert_eq!(report.allowed().get(Currency::USD).minor(), 0);
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
    /// use escalate::recovery::{audit, Currency};
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
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&lax, command, now)? { case.apply(&event); }
    /// }
    /// // What the default policy would have allowed:
    /// let report = audit(case.events().to_vec(), &Policy::default())?;
    /// // The gift card came after the customer had left.
    /// assert_eq!(report.wasted().get(Currency::USD).minor(), 10_000);
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

/// Replays an actual history event by event and asks, at each granted
/// gesture, whether the policy's guards ([`check_grant`]) would have
/// allowed it at that point, by that actor, at that time.
///
/// The policy's case evolves with every event except the gestures it would
/// have refused, so later gestures are judged against what the policy would
/// have granted before them. Each gesture is judged on its own; the
/// apologies granted by the same command are judged (and, when allowed,
/// count) before its other gestures, as [`Case::handle`] lets an apology
/// come with the money it opens the way to.
///
/// # Errors
/// [`ReplayError`] when the history cannot be replayed.
///
/// # Example
/// ```
/// use escalate::{Case, Command};
/// use escalate::policy::Policy;
/// use escalate::recovery::{audit, Currency};
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
///     for event in case.handle(&policy, command, now)? { case.apply(&event); }
/// }
/// // sam granted an apology and a USD 20.00 store credit: all within his authority.
/// let report = audit(case.events().to_vec(), &Policy::default())?;
/// assert_eq!(report.lines().len(), 2);
/// assert!(report.lines().iter().all(|l| l.verdict().is_allowed()));
/// assert_eq!(report.spent().get(Currency::USD).minor(), 2_000);
/// assert_eq!(report.allowed(), report.spent());
/// assert!(report.wasted().is_zero());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn audit(
    events: impl IntoIterator<Item = Event>,
    policy: &Policy,
) -> Result<Audit, ReplayError> {
    let events: Vec<Event> = events.into_iter().collect();
    let actual = Case::replay(events.as_slice())?;
    let mut shadow = Case::new(actual.id().clone());
    let mut lines = Vec::new();
    let (mut spent, mut allowed) = (Totals::default(), Totals::default());
    let mut i = 0;
    while let Some(event) = events.get(i) {
        if !matches!(event.kind, EventKind::GestureGranted { .. }) {
            apply_renumbered(&mut shadow, event);
            i += 1;
            continue;
        }
        // The gestures granted by one command, apologies first.
        let mut group: Vec<&Event> = events[i..]
            .iter()
            .take_while(|e| {
                matches!(e.kind, EventKind::GestureGranted { .. })
                    && e.command.is_some()
                    && e.command == event.command
            })
            .collect();
        if group.is_empty() {
            group.push(event);
        }
        i += group.len();
        group.sort_by_key(|e| !is_apology(e));
        for granted in group {
            let EventKind::GestureGranted { gesture, .. } = &granted.kind else {
                continue;
            };
            let breaches = check_grant(
                &shadow,
                policy,
                &granted.actor,
                granted.at,
                std::slice::from_ref(gesture),
            );
            if let Some(cost) = gesture.cost() {
                spent.add(cost);
            }
            let verdict = if breaches.is_empty() {
                if let Some(cost) = gesture.cost() {
                    allowed.add(cost);
                }
                apply_renumbered(&mut shadow, granted);
                Verdict::Allowed
            } else {
                Verdict::Refused(breaches)
            };
            lines.push(AuditLine {
                at: granted.at,
                actor: granted.actor.clone(),
                gesture: gesture.clone(),
                verdict,
            });
        }
    }
    Ok(Audit {
        time_zone: actual.time_zone(),
        lines,
        spent,
        allowed,
        wasted: actual.money_wasted(),
    })
}

fn is_apology(event: &Event) -> bool {
    matches!(
        &event.kind,
        EventKind::GestureGranted {
            gesture: Gesture::Apology { .. },
            ..
        }
    )
}

/// Applies an event to the policy's case as its next version.
fn apply_renumbered(case: &mut Case, event: &Event) {
    let mut event = event.clone();
    event.version = case.version() + 1;
    case.apply(&event);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::{CreditForm, Currency, Manner, Money};
    use crate::test_support::{at, case_with_failure};
    use crate::{Agent, FailureId};

    fn granted(
        case: &Case,
        who: &str,
        tier: &str,
        when: &str,
        cmd: &str,
        gesture: Gesture,
    ) -> Event {
        Event::new(
            case.version() + 1,
            at(when),
            Actor::Agent(Agent::new(who.parse().unwrap(), tier.parse().unwrap())),
            Some(cmd.parse().unwrap()),
            EventKind::GestureGranted {
                gesture,
                offer: None,
            },
        )
    }

    fn credit(minor: i64) -> Gesture {
        Gesture::Credit {
            failures: vec![FailureId::new(1)],
            form: CreditForm::GiftCard,
            amount: Money::new(minor, Currency::USD),
        }
    }

    #[test]
    fn apologies_of_a_command_count_first_and_refused_gestures_do_not_count() {
        let mut case = case_with_failure().unwrap();
        // One command: the money, then the apology that opens the way to it.
        for gesture in [
            credit(2_000),
            Gesture::Apology {
                failures: vec![FailureId::new(1)],
                manner: Manner::Personal,
            },
        ] {
            let e = granted(
                &case,
                "sam",
                "frontline",
                "2021-03-05T10:00:00Z",
                "g1",
                gesture,
            );
            case.apply(&e);
        }
        // Beyond frontline: refused, so it does not count against the next.
        let e = granted(
            &case,
            "sam",
            "frontline",
            "2021-03-05T11:00:00Z",
            "g2",
            credit(5_000),
        );
        case.apply(&e);
        let e = granted(
            &case,
            "sue",
            "supervisor",
            "2021-03-05T12:00:00Z",
            "g3",
            credit(5_000),
        );
        case.apply(&e);
        let report = audit(case.events().to_vec(), &Policy::default()).unwrap();
        let allowed: Vec<bool> = report
            .lines()
            .iter()
            .map(|l| l.verdict().is_allowed())
            .collect();
        assert_eq!(allowed, [true, true, false, true]);
        assert_eq!(
            report.lines()[0].gesture().kind(),
            crate::recovery::GestureKind::Apology
        );
        assert_eq!(report.spent().get(Currency::USD).minor(), 12_000);
        assert_eq!(report.allowed().get(Currency::USD).minor(), 7_000);
        assert!(report.to_string().contains(
            "sam (frontline) granted a gift card of USD 50.00: refused: sam (frontline) may not grant a credit of USD 50.00"
        ));
    }
}
