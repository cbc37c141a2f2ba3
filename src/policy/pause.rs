//! Pause reasons: why a case may stop its clocks, which clocks stop, and
//! what ends the pause.

use serde::{Deserialize, Serialize};

use super::PolicyError;
use crate::sla::Metric;

crate::ids::identifier!(
    /// The name of a pause reason in a policy (`awaiting_customer`,
    /// `awaiting_third_party`, `scheduled`, or one of the policy's own).
    ///
    /// # Example
    /// ```
    /// use escalate::policy::PauseName;
    /// let name: PauseName = "awaiting_third_party".parse()?;
    /// assert_eq!(name.as_str(), "awaiting_third_party");
    /// assert_eq!(PauseName::awaiting_customer().as_str(), "awaiting_customer");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    PauseName,
    "pause reason"
);

impl PauseName {
    /// `awaiting_customer`: the reason a
    /// [`WaitOnCustomer`](crate::CommandKind::WaitOnCustomer) command pauses
    /// under.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::PauseName;
    /// assert_eq!(PauseName::awaiting_customer().to_string(), "awaiting_customer");
    /// ```
    #[must_use]
    pub fn awaiting_customer() -> PauseName {
        PauseName(std::sync::Arc::from("awaiting_customer"))
    }
}

/// Why a case may pause, as policy data: the metrics whose clocks the pause
/// stops, whether it may begin while a customer contact is unanswered, and
/// whether a customer contact ends it. A pause also ends when the company
/// resumes ([`Resume`](crate::CommandKind::Resume)) and, when it was given
/// one, at its scheduled end.
///
/// Promises are never paused: they are wall-clock commitments.
///
/// # Example
/// ```
/// use escalate::policy::PauseReason;
/// use escalate::sla::Metric;
/// // Waiting on a carrier: the resolution clock stops, the customer still
/// // hears back on time, and a customer's message does not end the wait.
/// let carrier: PauseReason = toml::from_str(r#"
///     name = "awaiting_third_party"
///     pauses = ["resolution"]
///     ends_on_contact = false
/// "#)?;
/// assert_eq!(carrier.pauses, [Metric::Resolution]);
/// assert!(!carrier.while_unanswered);
/// assert!(!carrier.ends_on_contact);
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseReason {
    /// Its name, unique in the policy.
    pub name: PauseName,
    /// The metrics whose running clocks it pauses (and whose clocks started
    /// during it start paused).
    pub pauses: Vec<Metric>,
    /// Whether the company may pause for this reason while a customer
    /// contact is unanswered (by default not: answer first, so that a pause
    /// cannot hide a late reply).
    #[serde(default, skip_serializing_if = "is_false")]
    pub while_unanswered: bool,
    /// Whether a customer contact ends the pause (by default it does).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub ends_on_contact: bool,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_true(b: &bool) -> bool {
    *b
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

impl PauseReason {
    /// A reason that pauses `metrics`, refused while a contact is
    /// unanswered and ended by a customer contact.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::PauseReason;
    /// use escalate::sla::Metric;
    /// let scheduled = PauseReason::new("scheduled".parse()?, [Metric::Resolution, Metric::PeriodicUpdate])
    ///     .ending_on_contact(false);
    /// assert_eq!(scheduled.pauses, [Metric::Resolution, Metric::PeriodicUpdate]);
    /// assert!(!scheduled.ends_on_contact);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn new(name: PauseName, metrics: impl IntoIterator<Item = Metric>) -> PauseReason {
        PauseReason {
            name,
            pauses: metrics.into_iter().collect(),
            while_unanswered: false,
            ends_on_contact: true,
        }
    }

    /// The reason that [`WaitOnCustomer`](crate::CommandKind::WaitOnCustomer)
    /// pauses under when a policy names none: `awaiting_customer`, pausing
    /// every metric but promises, ended by a customer contact.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{PauseName, PauseReason};
    /// let reason = PauseReason::awaiting_customer();
    /// assert_eq!(reason.name, PauseName::awaiting_customer());
    /// assert_eq!(reason.pauses.len(), 4);
    /// assert!(reason.ends_on_contact);
    /// ```
    #[must_use]
    pub fn awaiting_customer() -> PauseReason {
        PauseReason::new(
            PauseName::awaiting_customer(),
            [
                Metric::FirstResponse,
                Metric::NextResponse,
                Metric::PeriodicUpdate,
                Metric::Resolution,
            ],
        )
    }

    /// Sets whether the pause may begin while a contact is unanswered.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::PauseReason;
    /// assert!(PauseReason::awaiting_customer().allowed_while_unanswered(true).while_unanswered);
    /// ```
    #[must_use]
    pub fn allowed_while_unanswered(mut self, allowed: bool) -> PauseReason {
        self.while_unanswered = allowed;
        self
    }

    /// Sets whether a customer contact ends the pause.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::PauseReason;
    /// assert!(!PauseReason::awaiting_customer().ending_on_contact(false).ends_on_contact);
    /// ```
    #[must_use]
    pub fn ending_on_contact(mut self, ends: bool) -> PauseReason {
        self.ends_on_contact = ends;
        self
    }

    /// Whether it pauses `metric`'s clocks.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::PauseReason;
    /// use escalate::sla::Metric;
    /// assert!(PauseReason::awaiting_customer().pauses(Metric::Resolution));
    /// assert!(!PauseReason::awaiting_customer().pauses(Metric::Promise));
    /// ```
    #[must_use]
    pub fn pauses(&self, metric: Metric) -> bool {
        self.pauses.contains(&metric)
    }

    /// Checks the reason on its own: it pauses something, no metric twice,
    /// and never a promise.
    pub(super) fn check(&self) -> Result<(), PolicyError> {
        if self.pauses.is_empty() {
            return Err(PolicyError::new(
                "pauses",
                format!(
                    "pause reason \"{}\" pauses no metric: name the clocks it stops, such as [\"resolution\"]",
                    self.name
                ),
            ));
        }
        for (j, metric) in self.pauses.iter().enumerate() {
            if *metric == Metric::Promise {
                return Err(PolicyError::new(
                    format!("pauses[{j}]"),
                    format!(
                        "pause reason \"{}\" pauses promises: a promise is a wall-clock commitment to the customer and runs through every pause; remove \"promise\"",
                        self.name
                    ),
                ));
            }
            if self.pauses[..j].contains(metric) {
                return Err(PolicyError::new(
                    format!("pauses[{j}]"),
                    format!(
                        "pause reason \"{}\" names {metric} twice: remove the repeat",
                        self.name
                    ),
                ));
            }
        }
        Ok(())
    }
}
