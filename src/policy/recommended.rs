//! `Policy::recommended()`: defaults drawn from published research on
//! complaint handling; each default's source is named in the method's docs.

use chrono::TimeDelta;

use super::{
    Action, Call, Condition, DeflectionPolicy, Delay, DelayFrom, During, Notice, PauseName,
    PauseReason, Policy, Rule,
};
use crate::Channel;
use crate::sla::{
    BusinessCalendar, CalendarName, Match, Metric, MetricPolicy, Reopen, Target, Threshold, Within,
};

impl Policy {
    /// The recommended policy, each default with its source:
    ///
    /// - **Tiers**: frontline, supervisor, manager, regional, executive.
    /// - **Calendar** `business`: Monday to Friday 09:00-17:00 (UTC until
    ///   you replace it with your own through
    ///   [`with_calendar`](Policy::with_calendar)`("business", ..)`). It is
    ///   the [default calendar](Policy::default_calendar): required calls
    ///   are counted on it.
    /// - **First and next response** (the same matrix): a public social post
    ///   60 minutes hard on the always-open calendar, with a warning at 25%
    ///   (the 15-minute target; most complainants expect a reply within the
    ///   hour, Lithium 2013); email 4 business hours hard with the warning at
    ///   25% (the 1-hour target); a voicemail, which owes a callback, 1
    ///   business hour (a design choice: no study found); anything else 4
    ///   business hours.
    /// - **Resolution**: 5 business days, warning at 80%, continued on
    ///   reopening. **Promises**: warn 1 hour before they fall due.
    /// - **Public complaint**: an owner of at least manager tier (listed first
    ///   so that it wins over the repeat-contact rule a public post also
    ///   trips: one escalation per event, the first rule wins).
    /// - **Repeat contact**: the second contact locks one owner at the
    ///   supervisor tier; the third brings that owner's personal call within
    ///   2 hours (contact-centre studies: defection intent rises from 5% to
    ///   25% as contacts repeat).
    /// - **Low survey score** (2 of 5 or less): escalate one tier at once and
    ///   get a human on the phone within 2 business days (the research says
    ///   48 hours; business days keep the call inside opening hours).
    /// - **SLA breach** (first or next response, or a broken promise):
    ///   escalate one tier and require an apology for the delay (a slow
    ///   response without apology cannot be bought back with money, Wirtz &
    ///   Mattila 2004; apologise early, Roschk & Kaiser 2013); still
    ///   unanswered two business days after a missed response deadline,
    ///   escalate again (twice at most, two business days apart).
    /// - **Second failure**: escalate to a manager (the recovery paradox
    ///   vanishes after a second failure, Maxham & Netemeyer 2002).
    /// - **Churn signal**: tell the owner (discretionary money is now
    ///   refused; apologise and fix), in working hours: the notice waits for
    ///   the `business` calendar to open (a person must act on it).
    /// - **Pauses**: waiting on the customer (`awaiting_customer`) stops
    ///   every clock but promises until the customer writes; waiting on a
    ///   third party (`awaiting_third_party`: a carrier, a supplier) stops
    ///   only the resolution clock, so the customer still hears back on time;
    ///   a booked visit (`scheduled`, usually with an end) stops resolution
    ///   and periodic updates. Only a customer contact ends the first; none
    ///   may begin while the customer waits for a reply.
    /// - **Review**: closing after an escalation or a churn signal, or closing
    ///   a case as lost, requires a root-cause review.
    /// - **Recovery**: the standard authority, caps and ladder of
    ///   [`RecoveryPolicy::standard`](crate::recovery::RecoveryPolicy::standard).
    /// - **Deflection**: a case answered only with redirects cannot be
    ///   resolved.
    ///
    /// The same policy ships as `examples/policies/recommended.toml`.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// use escalate::sla::Metric;
    /// let p = Policy::recommended();
    /// assert_eq!(p.tiers().len(), 5);
    /// assert!(p.sla(Metric::FirstResponse).is_some());
    /// assert!(p.lint().is_empty());
    /// ```
    #[must_use]
    pub fn recommended() -> Policy {
        build().unwrap_or_else(|e| unreachable!("the recommended policy is valid: {e}"))
    }
}

fn response(metric: Metric, business: &CalendarName) -> MetricPolicy {
    let on = |channel| Match {
        channel: Some(channel),
        ..Match::default()
    };
    let business = |d| Target::new(Within::Time(d), business.clone());
    MetricPolicy::new(metric, business(TimeDelta::hours(4)))
        .with_rule(
            on(Channel::SocialPublic),
            Target::new(Within::Time(TimeDelta::minutes(60)), CalendarName::always()),
        )
        .with_rule(on(Channel::Email), business(TimeDelta::hours(4)))
        .with_rule(on(Channel::Voicemail), business(TimeDelta::hours(1)))
        .with_warning(Threshold::Percent(25))
        .with_reopen(Reopen::NewCycle)
}

#[allow(clippy::too_many_lines)] // the whole policy, rule by rule, in one place
fn build() -> Result<Policy, crate::PolicyError> {
    let name = CalendarName::new("business")
        .map_err(|e| crate::PolicyError::new("calendars", e.to_string()))?;
    let business = BusinessCalendar::builder(chrono_tz::UTC)
        .weekdays(&["09:00-17:00"])
        .build()
        .map_err(|e| crate::PolicyError::new("calendars.business", e.to_string()))?;
    let tier =
        |t: &str| crate::Tier::new(t).map_err(|e| crate::PolicyError::new("tiers", e.to_string()));
    let breach = Condition::Any(vec![
        Condition::SlaBreach(Metric::FirstResponse),
        Condition::SlaBreach(Metric::NextResponse),
        Condition::PromiseBroken,
    ]);
    Policy::new(
        "recommended-1",
        ["frontline", "supervisor", "manager", "regional", "executive"],
    )?
    .with_calendar(name.clone(), business)?
    .with_default_calendar(name.clone())?
    .with_sla(response(Metric::FirstResponse, &name).with_reopen(Reopen::FirstOnly))?
    .with_sla(response(Metric::NextResponse, &name))?
    .with_sla(
        MetricPolicy::new(
            Metric::Resolution,
            Target::new(Within::BusinessDays(5), name.clone()),
        )
        .with_warning(Threshold::Percent(80))
        .with_reopen(Reopen::Continue),
    )?
    .with_sla(MetricPolicy {
        metric: Metric::Promise,
        targets: Vec::new(),
        fallback: None,
        no_target: Vec::new(),
        warnings: vec![Threshold::Before(TimeDelta::hours(1))],
        reopen: Reopen::NewCycle,
        stopped_by: crate::ResponseKind::REPLIES.to_vec(),
    })?
    .with_rule(Rule::new(
        "public complaint gets a manager",
        Condition::PublicContact,
        [Action::RequireOwner(tier("manager")?)],
    ))?
    .with_rule(Rule::new(
        "second contact: one owner at the senior tier",
        Condition::RepeatContact(2),
        [Action::RequireOwner(tier("supervisor")?)],
    ))?
    .with_rule(Rule::new(
        "third contact: the owner calls personally",
        Condition::RepeatContact(3),
        [
            Action::RequireOwner(tier("supervisor")?),
            Action::RequireCall(Call::new(Within::Time(TimeDelta::hours(2)))),
        ],
    ))?
    .with_rule(Rule::new(
        "low survey score wakes the case",
        Condition::SurveyScoreAtMost(2),
        [
            Action::EscalateOneTier,
            Action::RequireCall(Call::new(Within::BusinessDays(2))),
        ],
    ))?
    .with_rule(Rule::new(
        "SLA breach: escalate and apologise for the delay",
        breach,
        [
            Action::EscalateOneTier,
            Action::RequireApology(tier("supervisor")?),
        ],
    ))?
    .with_rule(
        Rule::new(
            "still unanswered two business days after a missed deadline",
            Condition::All(vec![
                Condition::Any(vec![
                    Condition::SlaBreach(Metric::FirstResponse),
                    Condition::SlaBreach(Metric::NextResponse),
                ]),
                Condition::Unanswered,
            ]),
            [Action::EscalateOneTier],
        )
        .with_delay(
            Delay {
                after: Within::BusinessDays(2),
                from: DelayFrom::Condition,
                calendar: name.clone(),
            },
            1,
        ),
    )?
    .with_rule(Rule::new(
        "second failure goes to a manager",
        Condition::FailuresAtLeast(2),
        [Action::EscalateTo(tier("manager")?)],
    ))?

    .with_rule(Rule::new(
        "churn signal: stop paying, start fixing",
        Condition::ChurnSignal,
        [Action::Notify(Notice {
            who: "owner".to_owned(),
            why: "the customer says they have left: apologise, fix, record the lesson; discretionary money is refused".to_owned(),
            within: Some(Within::Time(TimeDelta::hours(24))),
        })],
    ).during(During::BusinessHours))?
    .with_rule(Rule::new(
        "review after escalation or loss",
        Condition::Any(vec![Condition::Escalated, Condition::ChurnSignal]),
        [Action::RequireReview],
    ))
    .and_then(|p| {
        p.with_pause(
            PauseReason::new(third_party()?, [Metric::Resolution]).ending_on_contact(false),
        )
    })
    .and_then(|p| {
        p.with_pause(
            PauseReason::new(scheduled()?, [Metric::PeriodicUpdate, Metric::Resolution])
                .ending_on_contact(false),
        )
    })
    .and_then(|p| {
        let recovery = crate::recovery::RecoveryPolicy::standard(p.tiers())
            .with_review(crate::recovery::ReviewRule::AfterLoss);
        p.with_recovery(recovery)
    })
    .map(|p| p.with_deflection(DeflectionPolicy::Refuse))
}

fn third_party() -> Result<PauseName, crate::PolicyError> {
    PauseName::new("awaiting_third_party")
        .map_err(|e| crate::PolicyError::new("pauses", e.to_string()))
}

fn scheduled() -> Result<PauseName, crate::PolicyError> {
    PauseName::new("scheduled").map_err(|e| crate::PolicyError::new("pauses", e.to_string()))
}
