//! Rolling a new policy out to the open cases: which adopt it, and when.

use std::num::NonZeroUsize;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{Desk, DeskError};
use crate::policy::Policy;
use crate::{Actor, Case, CaseId, Command, CommandId, CommandKind, Refusal, StateName};

/// When the open cases adopt the desk's current policy: all at one
/// instant, or in batches of cases some time apart (to spread the work of
/// a large desk, or to watch the first batch before the rest).
///
/// # Example
/// ```
/// use std::num::NonZeroUsize;
/// use chrono::{DateTime, TimeDelta, Utc};
/// use escalate::desk::Rollout;
/// let t: DateTime<Utc> = "2021-03-08T14:00:00Z".parse()?;
/// let staged = Rollout::at_once(t).in_batches(NonZeroUsize::new(1_000).unwrap(), TimeDelta::minutes(5));
/// assert_eq!(staged.instant(0), t);
/// assert_eq!(staged.instant(999), t);
/// assert_eq!(staged.instant(1_000), t + TimeDelta::minutes(5));
/// assert_eq!(Rollout::at_once(t).instant(1_000_000), t);
/// # Ok::<(), chrono::ParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rollout {
    start: DateTime<Utc>,
    /// Cases per batch, and the time between batches; all at once if none.
    batches: Option<(NonZeroUsize, TimeDelta)>,
}

impl Rollout {
    /// Every case adopts the policy at `start`.
    ///
    /// # Example
    /// ```
    /// use escalate::desk::Rollout;
    /// let t = "2021-03-08T14:00:00Z".parse()?;
    /// assert_eq!(Rollout::at_once(t).instant(7), t);
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    #[must_use]
    pub fn at_once(start: DateTime<Utc>) -> Rollout {
        Rollout {
            start,
            batches: None,
        }
    }

    /// The cases adopt the policy `size` at a time, the first batch at the
    /// start and each next one `every` later (a negative `every` counts as
    /// zero).
    ///
    /// # Example
    /// ```
    /// use std::num::NonZeroUsize;
    /// use chrono::TimeDelta;
    /// use escalate::desk::Rollout;
    /// let t = "2021-03-08T14:00:00Z".parse()?;
    /// let pairs = Rollout::at_once(t).in_batches(NonZeroUsize::MIN.saturating_add(1), TimeDelta::hours(1));
    /// assert_eq!(pairs.instant(3), t + TimeDelta::hours(1));
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    #[must_use]
    pub fn in_batches(self, size: NonZeroUsize, every: TimeDelta) -> Rollout {
        Rollout {
            batches: Some((size, every.max(TimeDelta::zero()))),
            ..self
        }
    }

    /// When the `n`th case (from 0) adopts the policy; the last instant
    /// chrono can hold if the batches run past it.
    ///
    /// # Example
    /// ```
    /// use std::num::NonZeroUsize;
    /// use chrono::TimeDelta;
    /// use escalate::desk::Rollout;
    /// let t = "2021-03-08T14:00:00Z".parse()?;
    /// let day_after: chrono::DateTime<chrono::Utc> = "2021-03-10T14:00:00Z".parse()?;
    /// let daily = Rollout::at_once(t).in_batches(NonZeroUsize::MIN, TimeDelta::days(1));
    /// assert_eq!(daily.instant(2), day_after);
    /// # Ok::<(), chrono::ParseError>(())
    /// ```
    #[must_use]
    pub fn instant(&self, n: usize) -> DateTime<Utc> {
        let Some((size, every)) = self.batches else {
            return self.start;
        };
        i32::try_from(n / size.get())
            .ok()
            .and_then(|batch| every.checked_mul(batch))
            .and_then(|offset| self.start.checked_add_signed(offset))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Which open cases adopt the desk's current policy, and when: the
/// commands to send, and the cases that would refuse.
///
/// # Example
/// ```
/// use escalate::desk::{Desk, Rollout};
/// use escalate::policy::Policy;
/// let mut desk = Desk::new(Policy::default());
/// let plan = desk.roll_out(Policy::recommended(), &Rollout::at_once("2021-03-08T14:00:00Z".parse()?))?;
/// assert_eq!(plan.policy, "recommended-1");
/// assert!(plan.adoptions.is_empty() && plan.held.is_empty()); // no cases yet
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutPlan {
    /// The version label of the policy adopted.
    pub policy: String,
    /// The commands to send, in the order of their instants (and of case
    /// ids within an instant).
    pub adoptions: Vec<Adoption>,
    /// The open cases that would refuse to adopt it now, and why.
    pub held: Vec<Held>,
}

/// One case's adoption: send `command` to `case` through
/// [`Desk::handle`] once its instant has come.
///
/// # Example
/// ```
/// use escalate::desk::Adoption;
/// let adoption: Adoption = serde_json::from_str(r#"{"case": "CAB-1", "command": {"id": "adopt v2 after 4",
///     "actor": "system", "at": "2021-03-08T14:00:00Z", "kind": {"type": "adopt_policy"}}}"#)?;
/// assert_eq!(adoption.command.kind(), &escalate::CommandKind::AdoptPolicy);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    /// The case.
    pub case: CaseId,
    /// The `AdoptPolicy` command, from the system, at its instant.
    pub command: Command,
}

/// An open case that would refuse the new policy (say, one owned by an
/// agent of a tier the policy drops), with the refusal.
///
/// # Example
/// ```
/// use escalate::Refusal;
/// use escalate::desk::Held;
/// let held = Held { case: "CAB-1".parse()?, refusal: Refusal::PolicyUnchanged { policy: "v2".into() } };
/// assert_eq!(held.case.as_str(), "CAB-1");
/// # Ok::<(), escalate::InvalidId>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// The case.
    pub case: CaseId,
    /// Why it would refuse.
    pub refusal: Refusal,
}

impl Desk {
    /// Plans the adoption of the [current policy](Self::current_policy) by
    /// every open case (new, working, waiting on the customer, or resolved)
    /// that runs under another one, in the order of their ids, at the
    /// instants of `rollout`. Each adoption is decided now on the case as
    /// it is: those the case would refuse are held, with the refusal
    /// ([`Refusal::AdoptionDropsOwnerTier`] for an owner of a tier the
    /// policy does not name). Closed cases keep their policy. Nothing is
    /// changed: send the commands with [`handle`](Self::handle).
    ///
    /// Each command's id names the policy and the case's version
    /// (`adopt recommended-1 after 6`), so sending it twice adopts once.
    ///
    /// # Example
    /// ```
    /// use escalate::{Command, EventKind, Refusal};
    /// use escalate::desk::{Desk, Rollout};
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::default());
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-08T14:05:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}}
    /// ]"#)?;
    /// for (case, command) in [("CAB-1", commands[0].clone()), ("CAB-2", commands[0].clone()),
    ///                         ("CAB-2", commands[1].clone())] {
    ///     let now = command.at();
    ///     desk.handle(&case.parse()?, command, now)?;
    /// }
    /// // A policy whose tiers are agents and leads: CAB-2's owner is frontline.
    /// desk.add_policy(Policy::new("v2", ["agent", "lead"])?)?;
    /// desk.set_current_policy("v2")?;
    /// let plan = desk.plan_rollout(&Rollout::at_once("2021-03-09T09:00:00Z".parse()?));
    /// assert_eq!(plan.adoptions.len(), 1);
    /// assert_eq!(plan.adoptions[0].case.as_str(), "CAB-1");
    /// assert_eq!(plan.adoptions[0].command.id().as_str(), "adopt v2 after 2");
    /// assert!(matches!(plan.held[0].refusal, Refusal::AdoptionDropsOwnerTier { .. }));
    /// // Send the adoptions when their time comes.
    /// for adoption in plan.adoptions {
    ///     let now = adoption.command.at();
    ///     let events = desk.handle(&adoption.case, adoption.command, now)?;
    ///     assert!(matches!(events.last().unwrap().kind(), EventKind::PolicyAdopted { .. }));
    /// }
    /// assert_eq!(desk.case(&"CAB-1".parse()?).unwrap().policy_version(), Some("v2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn plan_rollout(&self, rollout: &Rollout) -> RolloutPlan {
        plan(
            self.policies.current(),
            self.slots.iter().map(|s| &*s.case),
            rollout,
        )
    }

    /// Adds `policy` to the desk, makes it the current one (new cases open
    /// under it) and plans its adoption by the open cases
    /// ([`plan_rollout`](Self::plan_rollout)).
    ///
    /// # Errors
    /// [`DeskError::PolicyConflict`] when the desk holds another policy
    /// under the same version label (nothing changes then).
    ///
    /// # Example
    /// ```
    /// use escalate::Command;
    /// use escalate::desk::{Desk, Rollout};
    /// use escalate::policy::Policy;
    /// let mut desk = Desk::new(Policy::default());
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-08T14:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "wrong cabinet delivered"}}"#)?;
    /// let now = open.at();
    /// desk.handle(&"CAB-1".parse()?, open, now)?;
    /// let plan = desk.roll_out(Policy::recommended(), &Rollout::at_once("2021-03-09T09:00:00Z".parse()?))?;
    /// assert_eq!(desk.current_policy().version(), "recommended-1");
    /// assert_eq!(plan.adoptions.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn roll_out(
        &mut self,
        policy: Policy,
        rollout: &Rollout,
    ) -> Result<RolloutPlan, DeskError> {
        self.policies.current = self.add(policy)?;
        Ok(self.plan_rollout(rollout))
    }
}

/// The plan for `cases` not under `policy` to adopt it (see
/// [`Desk::plan_rollout`]).
pub(crate) fn plan<'a>(
    policy: &Policy,
    cases: impl IntoIterator<Item = &'a Case>,
    rollout: &Rollout,
) -> RolloutPlan {
    let mut open: Vec<&Case> = cases
        .into_iter()
        .filter(|c| c.policy_version() != Some(policy.version()))
        .filter(|c| {
            matches!(
                c.status().name(),
                StateName::New
                    | StateName::Working
                    | StateName::AwaitingCustomer
                    | StateName::Resolved
            )
        })
        .collect();
    open.sort_unstable_by(|a, b| a.id().cmp(b.id()));
    let mut plan = RolloutPlan {
        policy: policy.version().to_owned(),
        adoptions: Vec::new(),
        held: Vec::new(),
    };
    for case in open {
        let at = rollout.instant(plan.adoptions.len());
        let Some(id) = command_id(policy.version(), case.version()) else {
            continue;
        };
        let command = Command::new(id, Actor::System, at, CommandKind::AdoptPolicy);
        match case.handle(policy, command.clone(), at) {
            Ok(_) => plan.adoptions.push(Adoption {
                case: case.id().clone(),
                command,
            }),
            Err(refusal) => plan.held.push(Held {
                case: case.id().clone(),
                refusal,
            }),
        }
    }
    plan
}

/// `adopt <label> after <version>`, cut to the longest command id.
fn command_id(label: &str, version: u64) -> Option<CommandId> {
    let tail = format!(" after {version}");
    let mut id = String::from("adopt ");
    for c in label.chars().filter(|c| !c.is_control()) {
        if id.len() + c.len_utf8() + tail.len() > 128 {
            break;
        }
        id.push(c);
    }
    id.push_str(&tail);
    CommandId::new(id).ok()
}
