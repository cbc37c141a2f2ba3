//! The case's SLA clocks: what each event does to them, and `tick`.

use chrono::{DateTime, TimeDelta, Utc};

use super::{ApplyError, Case, Event, EventKind, Refusal, Status};
use crate::customer::Origin;
use crate::policy::{PauseReason, Policy};
use crate::sla::{CalendarName, ClockId, ClockState, Metric, Reopen, SlaClock, Threshold, Within};
use crate::{Actor, Channel, CustomerValue, Priority, Tier};

impl Case {
    /// The case's SLA clocks, in the order they started.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clocks().len(), 1); // the email's first response
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn clocks(&self) -> &[SlaClock] {
        &self.clocks
    }

    /// A clock by number.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, ClockId, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// assert_eq!(case.clock(ClockId::new(1)).map(|c| c.metric()), Some(Metric::FirstResponse));
    /// assert!(case.clock(ClockId::new(9)).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn clock(&self, id: ClockId) -> Option<&SlaClock> {
        let index = self.clocks.binary_search_by_key(&id, SlaClock::id).ok()?;
        self.clocks.get(index)
    }

    /// How urgent the case is (normal before it is opened).
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
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // The opening command named no priority.
    /// assert_eq!(case.priority(), escalate::Priority::Normal);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn priority(&self) -> Priority {
        self.life().map_or(Priority::Normal, |l| {
            l.priority.unwrap_or(l.opened.priority)
        })
    }

    /// The events that time alone causes by `now`: SLA warnings at their
    /// thresholds and breaches at their due instants, each at most once
    /// (a clock records what has fired), delayed rules, and what rules make
    /// of them, in time order. Each event carries the instant it fired, so
    /// calling `tick` late, or often, or never gives the same log:
    /// [`handle`](Self::handle) records what time made due by a command's
    /// time before the command. Tick at [`next_wakeup`](Self::next_wakeup)
    /// to record what falls between commands when it happens (to notify
    /// people). Apply the events like `handle`'s. Warnings whose instant
    /// falls after the clock's due instant never fire.
    ///
    /// A clock's calendar is looked up in `policy` by name; a name the policy
    /// no longer has counts as open around the clock. A policy other than the
    /// one the case runs under (another label than [`Case::policy_version`],
    /// or the same label with content other than
    /// [`Case::policy_fingerprint`]) gives no events until the case adopts
    /// it; [`try_tick`](Self::try_tick) refuses it instead.
    ///
    /// # Example
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use escalate::{Case, Command, EventKind};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// // Due Tue 12:00 New York, warning at 75%. Nobody answers; at 14:00:
    /// let events = case.tick(&policy, "2021-06-22T18:00:00Z".parse()?);
    /// assert!(matches!(events[0].kind(), EventKind::SlaWarned { .. }));
    /// assert_eq!(events[0].at(), "2021-06-22T15:00:00Z".parse::<DateTime<Utc>>()?); // Tue 11:00
    /// assert!(matches!(events[1].kind(), EventKind::SlaBreached { .. }));
    /// assert_eq!(events[1].at(), "2021-06-22T16:00:00Z".parse::<DateTime<Utc>>()?);
    /// for e in &events { case.apply(e)?; }
    /// assert!(case.tick(&policy, "2021-06-23T18:00:00Z".parse()?).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn tick(&self, policy: &Policy, now: DateTime<Utc>) -> Vec<Event> {
        if !self.runs_under(policy) {
            return Vec::new();
        }
        let events = self.tick_once(policy, now);
        if round_end(&events, 0).is_none() {
            return events;
        }
        let mut case = self.clone();
        case.rounds(policy, now, events, |case, e| {
            case.record(e);
            Ok(())
        })
        .0
    }

    /// [`tick`](Self::tick), with every event applied to this case as it
    /// goes (the desk's wake-up: no copy of the case for the rounds).
    /// Each event is checked as [`apply`](Self::apply) checks it; on a
    /// refusal (a bug in this crate: a case's own events fit it) the events
    /// applied before it are returned with the error, and the case holds
    /// exactly those.
    pub(crate) fn tick_applied(
        &mut self,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> (Vec<Event>, Option<ApplyError>) {
        if !self.runs_under(policy) {
            return (Vec::new(), None);
        }
        let events = self.tick_once(policy, now);
        self.rounds(policy, now, events, Case::apply)
    }

    /// Goes on from `events`, a first pass of [`tick_once`](Self::tick_once),
    /// applying each event to this case by `apply`, and returns every event.
    ///
    /// A rule that fires in this tick may start new work due by `now`: a
    /// required call's clock, a delayed rule armed or disarmed by a breach.
    /// Keep the events up to the first instant that does, apply them, and go
    /// on from there, so that the case sees everything in time order however
    /// often it is ticked. Each round applies at least one event that starts
    /// work, and a valid policy starts finitely many (it has no rule cycle
    /// through a required call, and escalation chains end at the top tier:
    /// see `Policy`'s bounds), so the rounds end; the cap only guards a case
    /// whose state no valid log makes. On a refusal, the events before the
    /// refused one and the error.
    fn rounds(
        &mut self,
        policy: &Policy,
        now: DateTime<Utc>,
        mut events: Vec<Event>,
        apply: impl Fn(&mut Case, &Event) -> Result<(), ApplyError>,
    ) -> (Vec<Event>, Option<ApplyError>) {
        // Applies `events[from..]`; on a refusal, drops the refused event
        // and those after it.
        let apply_from = |case: &mut Case, events: &mut Vec<Event>, from: usize| {
            for k in from..events.len() {
                if let Err(refused) = apply(case, &events[k]) {
                    events.truncate(k);
                    return Err(refused);
                }
            }
            Ok(())
        };
        let mut from = 0;
        for _ in 0..MAX_ROUNDS {
            let Some(keep) = round_end(&events, from) else {
                break;
            };
            events.truncate(keep);
            if let Err(refused) = apply_from(self, &mut events, from) {
                return (events, Some(refused));
            }
            from = events.len();
            events.extend(self.tick_once(policy, now));
        }
        match apply_from(self, &mut events, from) {
            Ok(()) => (events, None),
            Err(refused) => (events, Some(refused)),
        }
    }

    /// One pass of [`tick`](Self::tick): every clock event due by `now` and
    /// the rules they cause, and the time-driven rules due by `now`, in time
    /// order, as of the case's state now.
    fn tick_once(&self, policy: &Policy, now: DateTime<Utc>) -> Vec<Event> {
        let mut fired: Vec<(DateTime<Utc>, EventKind)> = Vec::new();
        self.pending(policy, Horizon::Until(now), |at, kind| {
            if at <= now {
                fired.push((at, kind));
            }
        });
        fired.sort_by_key(|(at, kind)| (*at, order(kind)));
        self.break_promises(policy, &mut fired);
        if !policy.rules().is_empty() {
            // In time order: each clock event and the rules it causes, and
            // the time-driven rules due at or before it.
            let timed = self.timed_rules(policy, now);
            if fired.is_empty() && timed.is_empty() {
                // Nothing is due: no facts to evaluate.
                return Vec::new();
            }
            let mut timed = timed.into_iter().peekable();
            let mut evaluator = super::rules::Evaluator::new(self, policy);
            let mut out = Vec::with_capacity(fired.len());
            for (at, kind) in fired {
                while let Some((t, rule)) = timed.next_if(|(t, _)| *t < at) {
                    evaluator.timed(rule, t);
                    out.append(&mut evaluator.take());
                }
                evaluator.event(at, &kind);
                out.push((at, kind));
                out.append(&mut evaluator.take());
            }
            for (t, rule) in timed {
                evaluator.timed(rule, t);
                out.append(&mut evaluator.take());
            }
            fired = out;
        }
        let version = self.version();
        (version + 1..)
            .zip(fired)
            .map(|(version, (at, kind))| Event {
                version,
                at,
                actor: Actor::System,
                command: None,
                kind,
            })
            .collect()
    }

    /// A promise whose clock breaches is broken: after each breach of a
    /// promise's clock in `fired`, the promise broken and its clock stopped,
    /// at the breach.
    fn break_promises(&self, policy: &Policy, fired: &mut Vec<(DateTime<Utc>, EventKind)>) {
        let breaks_promise = |kind: &EventKind| match kind {
            EventKind::SlaBreached { clock } => self.clock(*clock).and_then(SlaClock::promise),
            _ => None,
        };
        if !fired.iter().any(|(_, kind)| breaks_promise(kind).is_some()) {
            return;
        }
        let mut out = Vec::with_capacity(fired.len() + 2);
        for (at, kind) in fired.drain(..) {
            let broken = breaks_promise(&kind);
            out.push((at, kind));
            let Some(promise) = broken else {
                continue;
            };
            let open = self
                .promises
                .iter()
                .any(|p| p.id == promise && p.state == crate::PromiseState::Open);
            if !open {
                continue;
            }
            let mut effects = Effects {
                case: self,
                policy,
                at,
                started: self.clock_count as usize,
                out: vec![(at, EventKind::PromiseBroken { promise })],
                paused: Vec::new(),
            };
            effects.stop_promise(promise);
            out.append(&mut effects.out);
        }
        *fired = out;
    }

    /// The next instant at which [`tick`](Self::tick) would emit something,
    /// so a host can schedule one wake-up instead of polling; `None` when no
    /// clock can warn or breach. Nothing is due before it: a tick at an
    /// earlier instant records nothing (the testing kit's laws check this),
    /// so a command before it needs no catching up
    /// ([`Desk`](crate::desk::Desk) skips it).
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold};
    /// // A seller open Mon-Fri 08:00-17:00 in New York answers within 4 business hours, warned at 75%.
    /// let hours = BusinessCalendar::builder("America/New_York".parse()?).weekdays(&["08:00-17:00"]).build()?;
    /// let first_response = MetricPolicy::new(Metric::FirstResponse, Target::new("4h".parse()?, "seller".parse()?))
    ///     .with_warning(Threshold::Percent(75));
    /// let policy = Policy::new("marketplace", ["seller", "marketplace"])?
    ///     .with_calendar("seller".parse()?, hours)?
    ///     .with_sla(first_response)?;
    /// // An email on Monday 2021-06-21 at 20:00 in New York (Tuesday 00:00 UTC) opens a case.
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-06-22T00:00:00Z",
    ///     "kind": {"type": "open", "customer": {"id": "buyer", "value": "standard"},
    ///              "origin": {"type": "contact", "channel": "email"}, "summary": "it does not work"}}"#)?;
    /// let mut case = Case::new("MKT-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// // The 75% warning, Tue 11:00 New York: call `tick` then.
    /// assert_eq!(case.next_wakeup(&policy), Some("2021-06-22T15:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn next_wakeup(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        if !self.runs_under(policy) {
            return None;
        }
        let mut next: Option<DateTime<Utc>> = self.next_rule_instant(policy);
        self.pending(policy, Horizon::Earliest, |at, _| {
            next = Some(next.map_or(at, |n| n.min(at)));
        });
        next
    }

    /// Calls `emit` with warnings and breaches not yet recorded, at the
    /// instant each fires: all of those due by `now` ([`Horizon::Until`]),
    /// or for each clock only its earliest ([`Horizon::Earliest`]).
    fn pending(
        &self,
        policy: &Policy,
        horizon: Horizon,
        mut emit: impl FnMut(DateTime<Utc>, EventKind),
    ) {
        // A scheduled pause ends by itself: its paused clocks run again.
        if let Some(until) = self.pause().and_then(|p| p.until)
            && horizon.reaches(until)
        {
            emit(until, EventKind::Resumed);
            for clock in &self.clocks {
                if matches!(clock.state(), ClockState::Paused { .. }) {
                    let calendar = policy.calendar_or_always(clock.calendar());
                    emit(
                        until,
                        EventKind::ClockResumed {
                            clock: clock.id(),
                            due: clock.due_on_resume(calendar, until),
                        },
                    );
                }
            }
        }
        let key = policy.fingerprint().key();
        for clock in self.clocks.iter().filter(|c| c.is_live()) {
            // A clock without a due instant never breaches, nor warns.
            let Some(due) = clock.due() else {
                continue;
            };
            if let Some(settings) = policy.sla(clock.metric()).filter(|_| clock.is_running()) {
                let calendar = policy.calendar_or_always(clock.calendar());
                let unfired = settings
                    .warnings
                    .iter()
                    .filter(|t| !clock.warned().contains(t))
                    .map(|&t| (t.consumed_at(clock.target()), t));
                // The earliest warning to fire: that of the unfired
                // threshold used up first (a threshold needing more business
                // time is never used up sooner). Kept on the clock until it
                // changes.
                let next = clock.next_warning(key, || {
                    let (i, &t) = settings
                        .warnings
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| !clock.warned().contains(t))
                        .min_by_key(|(_, t)| t.consumed_at(clock.target()))?;
                    Some((clock.warns_at(calendar, t)?, u16::try_from(i).ok()?))
                });
                let mut fire = |threshold: Threshold| {
                    if let Some(at) = clock.warns_at(calendar, threshold) {
                        emit(
                            at,
                            EventKind::SlaWarned {
                                clock: clock.id(),
                                threshold,
                            },
                        );
                    }
                };
                match horizon {
                    Horizon::Until(now) => {
                        // Business time never runs faster than the wall
                        // clock: if no unfired threshold is used up in wall
                        // time, none is, and the calendar need not be asked.
                        if let ClockState::Running {
                            since, consumed, ..
                        } = clock.state()
                            && let Some(upper) =
                                consumed.checked_add(&(now - since).max(TimeDelta::zero()))
                            && unfired.clone().all(|(need, _)| need > upper)
                        {
                            breach_unless_recorded(clock, due, &mut emit);
                            continue;
                        }
                        // Nor if the earliest warning comes after `now`.
                        if next.is_none_or(|(at, _)| at > now) {
                            breach_unless_recorded(clock, due, &mut emit);
                            continue;
                        }
                        // Only thresholds already used up by `now` can fire.
                        let used = clock.elapsed(calendar, now);
                        unfired
                            .filter(|(need, _)| *need <= used)
                            .for_each(|(_, t)| fire(t));
                    }
                    Horizon::Earliest => {
                        // The smallest threshold fires first.
                        if let Some((at, i)) = next
                            && let Some(&threshold) = settings.warnings.get(usize::from(i))
                        {
                            emit(
                                at,
                                EventKind::SlaWarned {
                                    clock: clock.id(),
                                    threshold,
                                },
                            );
                        }
                    }
                }
            }
            breach_unless_recorded(clock, due, &mut emit);
        }
    }

    /// What a command's events do to the clocks: the clock events to add.
    pub(crate) fn clock_effects(
        &self,
        policy: &Policy,
        at: DateTime<Utc>,
        primary: &[Event],
    ) -> Vec<(DateTime<Utc>, EventKind)> {
        let mut effects = Effects {
            case: self,
            policy,
            at,
            started: self.clock_count as usize,
            out: Vec::new(),
            paused: self.paused_metrics(policy),
        };
        let opening = primary
            .iter()
            .any(|e| matches!(e.kind, EventKind::Opened(_)));
        // The owner's tier as the command's events go: a tier-ownership
        // clock follows its changes.
        let mut owned: Option<Tier> = self.owner().map(|o| o.tier().clone());
        // What a tier-ownership clock's target is chosen by: the case's
        // priority, origin channel and customer (those of the opening when
        // the same command opens the case).
        let mut case_keys = (
            self.priority(),
            self.origin().and_then(origin_channel),
            self.customer()
                .map_or(CustomerValue::Standard, crate::Customer::value),
        );
        for event in primary {
            match &event.kind {
                EventKind::Opened(opened) => {
                    let channel = origin_channel(&opened.origin);
                    let value = opened.customer.value();
                    case_keys = (opened.priority, channel, value);
                    // A referral is not the customer speaking: their first
                    // contact starts a next-response clock instead.
                    if !matches!(opened.origin, Origin::Referral { .. }) {
                        effects.start(Metric::FirstResponse, opened.priority, channel, value);
                    }
                    effects.start(Metric::Resolution, opened.priority, channel, value);
                }
                EventKind::Reopened => {
                    // The contact that reopens the case picks the targets.
                    let channel = primary.iter().find_map(|e| match e.kind {
                        EventKind::Contacted { channel, .. } => Some(channel),
                        _ => None,
                    });
                    effects.reopen(channel);
                    if let Some(tier) = &owned {
                        effects.reopen_tier(tier, case_keys);
                    }
                }
                EventKind::Contacted { channel, .. } if !opening => {
                    if matches!(self.status(), Status::AwaitingCustomer { .. })
                        && self.pause().is_none_or(|p| p.ends_on_contact)
                    {
                        effects.resume_paused();
                    }
                    // While the first response is awaited, another contact
                    // waits on that clock (unless the policy says otherwise).
                    let first_awaited =
                        policy.next_response_after_first() && self.live(Metric::FirstResponse);
                    if !self.live(Metric::NextResponse) && !first_awaited {
                        effects.start_for_case(Metric::NextResponse, Some(*channel));
                    }
                }
                EventKind::Responded { channel, kind, .. } => {
                    // Each response metric is stopped by the kinds its
                    // policy names (a person's reply by default).
                    let stops =
                        |m: Metric| policy.sla(m).map_or(kind.is_reply(), |s| s.stops_on(*kind));
                    effects.stop_live(|m| {
                        matches!(m, Metric::FirstResponse | Metric::NextResponse) && stops(m)
                    });
                    if stops(Metric::PeriodicUpdate) {
                        effects.stop_live(|m| m == Metric::PeriodicUpdate);
                        effects.start_for_case(Metric::PeriodicUpdate, Some(*channel));
                    }
                }
                EventKind::Assigned { to } | EventKind::Escalated { to, .. } => {
                    effects.owner_tier(&mut owned, to.tier(), case_keys);
                }
                EventKind::HandoffAccepted { by } => {
                    effects.owner_tier(&mut owned, by.tier(), case_keys);
                }
                EventKind::PriorityChanged { priority } => effects.retarget(*priority),
                EventKind::AwaitingCustomer { .. } => {
                    effects.pause_running(&PauseReason::awaiting_customer());
                }
                EventKind::Paused { reason, .. } => {
                    if let Some(reason) = policy.pause_reason(reason) {
                        effects.pause_running(reason);
                    }
                }
                EventKind::Resumed => effects.resume_paused(),
                EventKind::Resolved { .. } => effects.stop_live(|m| m != Metric::Promise),
                EventKind::Closed { .. } => effects.stop_live(|_| true),
                EventKind::PromiseMade { promise, due, .. } => {
                    effects.start_promise(*promise, *due);
                }
                EventKind::PromiseKept { promise } | EventKind::PromiseBroken { promise } => {
                    effects.stop_promise(*promise);
                }
                // A metric the adopted policy no longer tracks stops: it
                // would otherwise breach and escalate under a policy that
                // has no target for it. Promises are kept whatever the policy.
                EventKind::PolicyAdopted { .. } => {
                    effects.stop_live(|m| m != Metric::Promise && policy.sla(m).is_none());
                }
                _ => {}
            }
        }
        effects.out
    }

    /// Whether `policy` is the one the case runs under (any policy before
    /// the case is opened).
    fn runs_under(&self, policy: &Policy) -> bool {
        self.policy_version().is_none_or(|v| v == policy.version())
            && self.same_content(policy).is_ok()
    }

    /// [`tick`](Self::tick), refusing a policy the case does not run under
    /// instead of giving no events: hosts that want to know call this.
    ///
    /// # Errors
    ///
    /// [`Refusal::PolicyMismatch`] for a policy under another label;
    /// [`Refusal::PolicyContentMismatch`] for one under the case's label
    /// whose content differs from what the case recorded (its message
    /// names both fingerprints).
    ///
    /// # Example
    /// ```
    /// use chrono::TimeDelta;
    /// use escalate::{Case, Command, Refusal};
    /// use escalate::policy::Policy;
    /// use escalate::sla::{CalendarName, Metric, MetricPolicy, Target, Within};
    /// let target = |h| MetricPolicy::new(Metric::FirstResponse,
    ///     Target::new(Within::Time(TimeDelta::hours(h)), CalendarName::always()));
    /// let policy = Policy::new("shop-1", ["frontline", "supervisor"])?.with_sla(target(4))?;
    /// let open: Command = serde_json::from_str(r#"{"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z",
    ///   "kind": {"type": "open", "customer": {"id": "cust-9", "value": "standard"},
    ///            "origin": {"type": "contact", "channel": "email"}, "summary": "late parcel"}}"#)?;
    /// let mut case = Case::new("SHOP-1".parse()?);
    /// let now = open.at();
    /// for event in case.handle(&policy, open, now)? { case.apply(&event)?; }
    /// let later = "2021-03-04T20:00:00Z".parse()?;
    /// assert_eq!(case.try_tick(&policy, later)?.len(), 1); // the breach at 19:10
    /// // The same label with a 2-hour target is another policy.
    /// let edited = Policy::new("shop-1", ["frontline", "supervisor"])?.with_sla(target(2))?;
    /// let refusal = case.try_tick(&edited, later).unwrap_err();
    /// assert!(matches!(refusal, Refusal::PolicyContentMismatch { .. }));
    /// assert!(case.tick(&edited, later).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_tick(&self, policy: &Policy, now: DateTime<Utc>) -> Result<Vec<Event>, Refusal> {
        if let Some(current) = self.policy_version()
            && current != policy.version()
        {
            return Err(Refusal::PolicyMismatch {
                case: current.into(),
                given: policy.version().into(),
            });
        }
        self.same_content(policy)?;
        Ok(self.tick(policy, now))
    }

    /// The metrics whose new clocks start paused: those the pause in force
    /// stops (every one but promises for a pause from a log written before
    /// pause reasons).
    fn paused_metrics(&self, policy: &Policy) -> Vec<Metric> {
        if !matches!(self.status(), Status::AwaitingCustomer { .. }) {
            return Vec::new();
        }
        match self.pause() {
            Some(pause) => policy
                .pause_reason(&pause.reason)
                .map_or_else(Vec::new, |r| r.pauses.clone()),
            None => PauseReason::awaiting_customer().pauses,
        }
    }

    /// Whether a clock of this metric is running or paused.
    fn live(&self, metric: Metric) -> bool {
        self.clocks
            .iter()
            .any(|c| c.metric() == metric && c.is_live())
    }

    /// The state change a clock event makes.
    pub(crate) fn evolve_clock(&mut self, at: DateTime<Utc>, kind: &EventKind) {
        if let EventKind::ClockStarted {
            clock,
            metric,
            promise,
            channel,
            tier,
            target,
            calendar,
            due,
        } = kind
        {
            let mut started = SlaClock::start(*clock, *metric, *target, calendar.clone(), at, *due);
            if let Some(channel) = channel {
                started = started.on_channel(*channel);
            }
            if let Some(tier) = tier {
                started = started.at_tier(tier.clone());
            }
            self.clock_count = self.clock_count.saturating_add(1);
            if self.retention == super::Retention::Compact {
                // A stopped clock is kept only while it is the latest of its
                // metric (a reopening may resume it).
                self.clocks.retain(|c| c.is_live() || c.metric() != *metric);
                // Kept at its length: a case holds few clocks for long.
                self.clocks.shrink_to_fit();
            }
            // A case holds few clocks for long: room for exactly one more.
            self.clocks.reserve_exact(1);
            self.clocks.push(match promise {
                Some(promise) => started.tracking(*promise),
                None => started,
            });
            return;
        }
        let id = match kind {
            EventKind::ClockRetargeted { clock, .. }
            | EventKind::ClockPaused { clock, .. }
            | EventKind::ClockResumed { clock, .. }
            | EventKind::ClockStopped { clock, .. }
            | EventKind::SlaWarned { clock, .. }
            | EventKind::SlaBreached { clock } => *clock,
            _ => return,
        };
        let Ok(index) = self.clocks.binary_search_by_key(&id, SlaClock::id) else {
            return;
        };
        let Some(clock) = self.clocks.get_mut(index) else {
            return;
        };
        let metric = super::rules::metric_index(clock.metric());
        let (warned, breached) = (clock.warned().len(), clock.breached_at().is_some());
        match kind {
            EventKind::ClockRetargeted {
                target,
                calendar,
                consumed,
                due,
                ..
            } => clock.retarget(at, *target, calendar.clone(), *consumed, *due),
            EventKind::ClockPaused { consumed, .. } => clock.pause(at, *consumed),
            EventKind::ClockResumed { due, .. } => clock.resume(at, *due),
            EventKind::ClockStopped {
                consumed, late_by, ..
            } => clock.stop(at, *consumed, *late_by),
            EventKind::SlaWarned { threshold, .. } => clock.warn(*threshold),
            EventKind::SlaBreached { .. } => clock.breach(at),
            _ => {}
        }
        let warnings = clock.warned().len().saturating_sub(warned);
        let breach = clock.breached_at().is_some() && !breached;
        let stopped = !clock.is_live();
        self.warnings[metric] =
            self.warnings[metric].saturating_add(u32::try_from(warnings).unwrap_or(u32::MAX));
        self.breaches[metric] = self.breaches[metric].saturating_add(u32::from(breach));
        if stopped && self.retention == super::Retention::Compact {
            // A stopped clock is kept only while it is the latest of its
            // metric (a reopening may resume it); the rest are counted.
            let mut latest = [None; super::METRICS];
            for clock in &self.clocks {
                latest[super::rules::metric_index(clock.metric())] = Some(clock.id());
            }
            self.clocks.retain(|c| {
                c.is_live() || latest[super::rules::metric_index(c.metric())] == Some(c.id())
            });
            self.clocks.shrink_to_fit();
        }
    }
}

/// Emits a clock's breach at its due instant, unless recorded already.
fn breach_unless_recorded(
    clock: &SlaClock,
    due: DateTime<Utc>,
    emit: &mut impl FnMut(DateTime<Utc>, EventKind),
) {
    if clock.breached_at().is_none() {
        emit(due, EventKind::SlaBreached { clock: clock.id() });
    }
}

/// A guard on the rounds of one `tick` (see [`Case::tick`]): far above what
/// any valid policy needs (each round starts work, and the work a call can
/// start is bounded by the policy).
const MAX_ROUNDS: usize = 100_000;

/// Where a round of [`Case::tick`] ends: after the events at the instant of
/// the first event from `from` on that starts work (which may make more due
/// by the same tick); `None` when none does.
fn round_end(events: &[Event], from: usize) -> Option<usize> {
    let cut = events[from..]
        .iter()
        .find(|e| makes_work(&e.kind))
        .map(|e| e.at)?;
    Some(
        events[from..]
            .iter()
            .position(|e| e.at > cut)
            .map_or(events.len(), |i| from + i),
    )
}

/// Whether an event `tick` emits starts work that may itself be due by the
/// same tick.
fn makes_work(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::ClockStarted { .. }
            // A scheduled pause's end runs its clocks again.
            | EventKind::ClockResumed { .. }
            | EventKind::RuleArmed { .. }
            | EventKind::RuleDisarmed { .. }
            // A warning or a breach changes facts a rule on a handoff left
            // waiting reads at its own instant.
            | EventKind::SlaWarned { .. }
            | EventKind::SlaBreached { .. }
    )
}

/// How far [`Case::pending`] and the time-driven rules look.
#[derive(Clone, Copy)]
pub(super) enum Horizon {
    /// Everything that fires by this instant.
    Until(DateTime<Utc>),
    /// The first thing each clock or rule will fire, however far off.
    Earliest,
}

impl Horizon {
    /// Whether something that fires at `at` is within the horizon.
    pub(super) fn reaches(self, at: DateTime<Utc>) -> bool {
        match self {
            Horizon::Until(now) => at <= now,
            Horizon::Earliest => true,
        }
    }
}

/// Collects the clock events one command causes.
struct Effects<'a> {
    case: &'a Case,
    policy: &'a Policy,
    at: DateTime<Utc>,
    /// The number of clocks so far, including those started by this command.
    started: usize,
    /// The events, each with its time (the command's, but for a breach).
    out: Vec<(DateTime<Utc>, EventKind)>,
    /// The metrics the pause in force stops, as the command's events leave
    /// it: a clock of one of them starts paused.
    paused: Vec<Metric>,
}

impl Effects<'_> {
    fn start_for_case(&mut self, metric: Metric, channel: Option<Channel>) {
        let value = self
            .case
            .customer()
            .map_or(CustomerValue::Standard, crate::Customer::value);
        self.start(metric, self.case.priority(), channel, value);
    }

    /// Starts a clock for `metric` if the policy has a target for the case.
    fn start(
        &mut self,
        metric: Metric,
        priority: Priority,
        channel: Option<Channel>,
        value: CustomerValue,
    ) {
        let Some(target) = self
            .policy
            .sla(metric)
            .and_then(|settings| settings.target_for(priority, channel, value))
        else {
            return;
        };
        let calendar = self.policy.calendar_or_always(&target.calendar);
        let (length, due) = target_from(target.within, calendar, self.at);
        self.push_start(
            metric,
            None,
            channel,
            None,
            length,
            target.calendar.clone(),
            due,
        );
    }

    /// The owner's tier becomes `tier` (from `owned`): unless it stays
    /// the same, the live tier-ownership clock stops (met: the tier handed
    /// the case on) and one starts for `tier`, if the policy has a target
    /// for it.
    fn owner_tier(
        &mut self,
        owned: &mut Option<Tier>,
        tier: &Tier,
        (priority, channel, value): (Priority, Option<Channel>, CustomerValue),
    ) {
        if owned.as_ref() == Some(tier) {
            return;
        }
        *owned = Some(tier.clone());
        self.stop_live(|m| m == Metric::TierOwnership);
        self.start_tier(tier, priority, channel, value);
    }

    /// Starts a tier-ownership clock for `tier` if the policy has a target
    /// for it.
    fn start_tier(
        &mut self,
        tier: &Tier,
        priority: Priority,
        channel: Option<Channel>,
        value: CustomerValue,
    ) {
        let Some(target) = self
            .policy
            .sla(Metric::TierOwnership)
            .and_then(|settings| settings.target_for_tier(priority, channel, value, Some(tier)))
        else {
            return;
        };
        let calendar = self.policy.calendar_or_always(&target.calendar);
        let (length, due) = target_from(target.within, calendar, self.at);
        self.push_start(
            Metric::TierOwnership,
            None,
            channel,
            Some(tier.clone()),
            length,
            target.calendar.clone(),
            due,
        );
    }

    /// Reopening a resolved case owned at `tier`: as for the other metrics
    /// ([`reopen`](Self::reopen)), a new cycle starts a clock for `tier`,
    /// continuing resumes the last clock if it measured `tier` (else starts
    /// one), and first-only does nothing.
    fn reopen_tier(
        &mut self,
        tier: &Tier,
        (priority, channel, value): (Priority, Option<Channel>, CustomerValue),
    ) {
        let Some(settings) = self.policy.sla(Metric::TierOwnership) else {
            return;
        };
        let last = self
            .case
            .clocks
            .iter()
            .rev()
            .find(|c| c.metric() == Metric::TierOwnership);
        match (settings.reopen, last) {
            (_, Some(clock)) if clock.is_live() => {}
            (Reopen::FirstOnly, _) => {}
            (Reopen::Continue, Some(clock)) if clock.tier() == Some(tier) => self.resume(clock),
            (Reopen::NewCycle | Reopen::Continue, _) => {
                self.start_tier(tier, priority, channel, value);
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // one field of the event each
    fn push_start(
        &mut self,
        metric: Metric,
        promise: Option<crate::PromiseId>,
        channel: Option<Channel>,
        tier: Option<Tier>,
        target: TimeDelta,
        calendar: CalendarName,
        due: Option<DateTime<Utc>>,
    ) {
        let clock = ClockId::next_after(self.started);
        self.started += 1;
        self.out.push((
            self.at,
            EventKind::ClockStarted {
                clock,
                metric,
                promise,
                channel,
                tier,
                target,
                calendar,
                due,
            },
        ));
        if self.paused.contains(&metric) {
            self.out.push((
                self.at,
                EventKind::ClockPaused {
                    clock,
                    consumed: TimeDelta::zero(),
                },
            ));
        }
    }

    /// The case's priority changed to `priority`: each live clock but a
    /// promise's takes the target its metric has at that priority (for the
    /// channel and customer it was started for), keeping the business time
    /// it has used; one the new target leaves overdue warns (thresholds not
    /// yet reached) and breaches at the change; one whose metric has no
    /// target at that priority stops.
    fn retarget(&mut self, priority: Priority) {
        let value = self
            .case
            .customer()
            .map_or(CustomerValue::Standard, crate::Customer::value);
        for clock in &self.case.clocks {
            if !clock.is_live() || clock.metric() == Metric::Promise {
                continue;
            }
            let Some(settings) = self.policy.sla(clock.metric()) else {
                continue;
            };
            // A tier-ownership clock keeps the tier it measures.
            let Some(target) =
                settings.target_for_tier(priority, clock.channel(), value, clock.tier())
            else {
                self.stop(clock);
                continue;
            };
            let calendar = self.policy.calendar_or_always(&target.calendar);
            // A days-target counts from the clock's start, as it did.
            let (length, start_due) = target_from(target.within, calendar, clock.started_at());
            let old = self.policy.calendar_or_always(clock.calendar());
            let consumed = whole_seconds(clock.elapsed(old, self.at));
            if length == clock.target() && target.calendar == *clock.calendar() {
                continue;
            }
            // A target its calendar cannot supply is never due (as at start).
            let never_due = start_due.is_none();
            let breached = clock.breached_at().is_some();
            let overdue = !never_due && consumed >= length;
            let due = if breached {
                // A breach stands: the clock stays late from its due instant.
                clock.due()
            } else if never_due {
                None
            } else if overdue {
                Some(self.at)
            } else if clock.is_running() {
                calendar
                    .add(self.at, length - consumed)
                    .ok()
                    .and_then(crate::sla::by_the_end_of_9999)
            } else {
                None
            };
            self.out.push((
                self.at,
                EventKind::ClockRetargeted {
                    clock: clock.id(),
                    target: length,
                    calendar: target.calendar.clone(),
                    consumed,
                    due,
                },
            ));
            // What the new target has used up already happens at the change.
            for threshold in &settings.warnings {
                let need = threshold.consumed_at(length);
                if !never_due
                    && !clock.warned().contains(threshold)
                    && need <= consumed
                    && need <= length
                {
                    self.out.push((
                        self.at,
                        EventKind::SlaWarned {
                            clock: clock.id(),
                            threshold: *threshold,
                        },
                    ));
                }
            }
            if overdue && !breached {
                self.out
                    .push((self.at, EventKind::SlaBreached { clock: clock.id() }));
            }
        }
    }

    /// A promise is a wall-clock commitment: its clock runs on the built-in
    /// `always` calendar and is due when the promise is.
    fn start_promise(&mut self, promise: crate::PromiseId, due: Option<DateTime<Utc>>) {
        let due = due.map(|due| due.max(self.at));
        self.push_start(
            Metric::Promise,
            Some(promise),
            None,
            None,
            promise_target(self.at, due),
            CalendarName::always(),
            due,
        );
    }

    fn stop_promise(&mut self, promise: crate::PromiseId) {
        for clock in &self.case.clocks {
            if clock.promise() == Some(promise) && clock.is_live() {
                self.stop(clock);
            }
        }
    }

    fn stop_live(&mut self, which: impl Fn(Metric) -> bool) {
        for clock in &self.case.clocks {
            if which(clock.metric()) && clock.is_live() {
                self.stop(clock);
            }
        }
    }

    fn stop(&mut self, clock: &SlaClock) {
        if !clock.is_live() {
            return;
        }
        let calendar = self.policy.calendar_or_always(clock.calendar());
        self.out.push((
            self.at,
            EventKind::ClockStopped {
                clock: clock.id(),
                consumed: whole_seconds(clock.elapsed(calendar, self.at)),
                late_by: clock.late_by(calendar, self.at).map(whole_seconds),
            },
        ));
    }

    /// A pause stops the running clocks of the metrics its reason names
    /// (never a promise's), and those started while it lasts.
    fn pause_running(&mut self, reason: &PauseReason) {
        self.paused.clone_from(&reason.pauses);
        for clock in &self.case.clocks {
            if clock.is_running()
                && reason.pauses(clock.metric())
                && clock.metric() != Metric::Promise
            {
                let calendar = self.policy.calendar_or_always(clock.calendar());
                self.out.push((
                    self.at,
                    EventKind::ClockPaused {
                        clock: clock.id(),
                        consumed: whole_seconds(clock.elapsed(calendar, self.at)),
                    },
                ));
            }
        }
    }

    /// The customer answered: paused clocks run again. A clock paused after
    /// its due instant keeps that due instant.
    fn resume_paused(&mut self) {
        self.paused.clear();
        for clock in &self.case.clocks {
            if matches!(clock.state(), ClockState::Paused { .. }) {
                self.resume(clock);
            }
        }
    }

    /// Runs a paused or stopped clock again from now.
    fn resume(&mut self, clock: &SlaClock) {
        let calendar = self.policy.calendar_or_always(clock.calendar());
        self.out.push((
            self.at,
            EventKind::ClockResumed {
                clock: clock.id(),
                due: clock.due_on_resume(calendar, self.at),
            },
        ));
    }

    /// Reopening a resolved case: per metric, a new cycle, continue the last
    /// clock, or nothing.
    fn reopen(&mut self, channel: Option<Channel>) {
        for metric in [
            Metric::FirstResponse,
            Metric::Resolution,
            Metric::PeriodicUpdate,
        ] {
            let Some(settings) = self.policy.sla(metric) else {
                continue;
            };
            let last = self.case.clocks.iter().rev().find(|c| c.metric() == metric);
            match (settings.reopen, last) {
                (Reopen::Continue, Some(clock)) if !clock.is_live() => self.resume(clock),
                // Only the first cycle counts, or the last clock still runs.
                (Reopen::FirstOnly, _) | (Reopen::Continue, Some(_)) => {}
                (Reopen::NewCycle | Reopen::Continue, _) => {
                    if metric != Metric::PeriodicUpdate {
                        self.start_for_case(metric, channel);
                    }
                }
            }
        }
    }
}

/// The channel a case's own clocks (first response, resolution, tier
/// ownership) choose their targets by: the channel of the contact or survey
/// that opened it; none for a referral or an internal detection.
fn origin_channel(origin: &Origin) -> Option<Channel> {
    match origin {
        Origin::Contact { channel } => Some(*channel),
        Origin::Survey { .. } => Some(Channel::Survey),
        Origin::Referral { .. } | Origin::InternalDetection => None,
    }
}

/// A target's length in whole seconds of business time and its due
/// instant, for a clock started at `from` on `calendar` (a days-target's
/// length is the business time to its due instant; zero for a calendar that
/// never opens again, whose clock is never due).
fn target_from(
    within: Within,
    calendar: &crate::sla::BusinessCalendar,
    from: DateTime<Utc>,
) -> (TimeDelta, Option<DateTime<Utc>>) {
    let due = within.due_from(calendar, from);
    // A days-target counts from the first open instant at or after the
    // start (see `Within::BusinessDays`), so its business time is never
    // zero when the calendar opens again; a second is the least a clock
    // records (events carry whole seconds). A calendar that never opens
    // again gives no due instant and a zero target: the clock never
    // breaches.
    let length = match (within, due) {
        (Within::Time(d), _) => whole_seconds(d),
        (Within::BusinessDays(_), None) => TimeDelta::zero(),
        (Within::BusinessDays(_), Some(due)) => {
            whole_seconds(calendar.elapsed(from, due)).max(TimeDelta::seconds(1))
        }
    };
    (length, due)
}

/// The target of a promise's clock made at `at`: the wall-clock time to its
/// due instant in whole seconds; zero for a promise that is never due.
pub(crate) fn promise_target(at: DateTime<Utc>, due: Option<DateTime<Utc>>) -> TimeDelta {
    due.map_or(TimeDelta::zero(), |due| {
        whole_seconds((due - at).max(TimeDelta::zero()))
    })
}

/// Durations in events are whole seconds, within what `apply` accepts (0
/// to 10,000 years; only a forged log's clock gets past it).
fn whole_seconds(d: TimeDelta) -> TimeDelta {
    TimeDelta::seconds(d.num_seconds().clamp(0, super::evolve::LONGEST))
}

/// Warnings before breaches at the same instant.
fn order(kind: &EventKind) -> (u8, u32) {
    match kind {
        EventKind::SlaWarned { clock, .. } => (0, clock.get()),
        EventKind::SlaBreached { clock } => (1, clock.get()),
        _ => (2, 0),
    }
}
