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
/// See [`audit`].
/// ```
/// # let _ = escalate::recovery::AuditLine::verdict;
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
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::AuditLine::at;
    /// ```
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who granted it.
    ///
    /// # Example
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::AuditLine::actor;
    /// ```
    #[must_use]
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// What was granted.
    ///
    /// # Example
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::AuditLine::gesture;
    /// ```
    #[must_use]
    pub fn gesture(&self) -> &Gesture {
        &self.gesture
    }

    /// Whether the policy would have allowed it.
    ///
    /// # Example
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::AuditLine::verdict;
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
/// See [`audit`].
/// ```
/// # let _ = escalate::recovery::Audit::lines;
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
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::Audit::lines;
    /// ```
    #[must_use]
    pub fn lines(&self) -> &[AuditLine] {
        &self.lines
    }

    /// The money the actual history granted.
    ///
    /// # Example
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::Audit::spent;
    /// ```
    #[must_use]
    pub fn spent(&self) -> &Totals {
        &self.spent
    }

    /// The money of the gestures the policy would have allowed.
    ///
    /// # Example
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::Audit::allowed;
    /// ```
    #[must_use]
    pub fn allowed(&self) -> &Totals {
        &self.allowed
    }

    /// The discretionary money the actual history granted at or after the
    /// customer's churn signal.
    ///
    /// # Example
    /// See [`audit`].
    /// ```
    /// # let _ = escalate::recovery::Audit::wasted;
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
/// use escalate::recovery::{audit, Currency};
/// use escalate::policy::Policy;
/// # use escalate::doc_support::case_with_grant;
/// let case = case_with_grant()?; // an apology and a USD 20.00 credit by sam
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
    use crate::doc_support::{at, case_with_failure};
    use crate::recovery::{CreditForm, Currency, Manner, Money};
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
