//! Each rule action at work (owner, escalation, call, apology, gesture,
//! review, notice), how actions of several rules combine, and the deflection
//! policy.

mod support;

use chrono::{DateTime, Utc};
use escalate::policy::Call;
use escalate::policy::{Action, Condition, DeflectionPolicy, LintLevel, Notice, Policy, Rule};
use escalate::recovery::GestureKind;
use escalate::sla::{Metric, Within};
use escalate::{
    Actor, Agent, Case, Channel, CommandKind, Event, EventKind, FailureKind, PromiseId, Refusal,
    ResponseKind,
};
use support::{HEAD, bare_without_default, cal};
use support::{
    Story, agent, bare, day, fired, hours, mon, review, rule_events, sam, tier, with_rules,
};

/// A policy whose one rule `r` does `then` on each public contact.
fn on_public(then: impl IntoIterator<Item = Action>) -> Policy {
    with_rules(bare(), [Rule::new("r", Condition::PublicContact, then)])
}

/// Rule `r` firing on a public contact.
fn public_fired() -> EventKind {
    fired("r", &Condition::PublicContact)
}

/// Opens by email at 09:00, optionally assigns `owner` at 09:05, then posts
/// publicly at 10:00; the events of the post.
#[track_caller]
fn public_post(policy: Policy, owner: Option<Agent>) -> (Story, Vec<Event>) {
    let mut s = Story::new(policy);
    s.open(mon(9, 0));
    if let Some(owner) = owner {
        s.assign(mon(9, 5), owner);
    }
    let events = s.contact(mon(10, 0), Channel::SocialPublic);
    (s, events)
}

/// `kinds`, each at Monday 10:00.
fn at10(kinds: impl IntoIterator<Item = EventKind>) -> Vec<(DateTime<Utc>, EventKind)> {
    kinds.into_iter().map(|k| (mon(10, 0), k)).collect()
}

#[test]
fn require_owner_asks_for_an_owner_or_an_escalation_or_nothing() {
    let policy = on_public([Action::RequireOwner(tier("supervisor"))]);
    let required = |kind: fn(String) -> EventKind| kind("supervisor".into());
    let owner_required = |t: String| EventKind::OwnerRequired {
        rule: "r".into(),
        tier: tier(&t),
    };
    let escalation_required = |t: String| EventKind::EscalationRequired {
        rule: "r".into(),
        tier: tier(&t),
    };
    let (_, unowned) = public_post(policy.clone(), None);
    assert_eq!(
        rule_events(&unowned),
        at10([public_fired(), required(owner_required)])
    );
    let (_, junior) = public_post(policy.clone(), Some(sam()));
    assert_eq!(
        rule_events(&junior),
        at10([public_fired(), required(escalation_required)])
    );
    let (_, senior) = public_post(policy.clone(), Some(agent("max", "supervisor")));
    assert_eq!(rule_events(&senior), at10([public_fired()]));
    let (_, more_senior) = public_post(policy, Some(agent("mia", "manager")));
    assert_eq!(rule_events(&more_senior), at10([public_fired()]));
    let (_, none) = public_post(bare(), Some(sam()));
    assert_eq!(rule_events(&none), []);
}

/// Rule `r` requiring an escalation to tier `t`.
fn escalation_to(t: &str) -> EventKind {
    EventKind::EscalationRequired {
        rule: "r".into(),
        tier: tier(t),
    }
}

#[test]
fn escalate_to_a_named_tier() {
    let policy = on_public([Action::EscalateTo(tier("manager"))]);
    let (s, junior) = public_post(policy.clone(), Some(sam()));
    assert_eq!(
        rule_events(&junior),
        at10([public_fired(), escalation_to("manager")])
    );
    assert_eq!(Case::replay(s.log.clone()).unwrap(), s.case);
    let (_, unowned) = public_post(policy.clone(), None);
    assert_eq!(
        rule_events(&unowned),
        at10([public_fired(), escalation_to("manager")])
    );
    let (_, already) = public_post(policy, Some(agent("mia", "manager")));
    assert_eq!(rule_events(&already), at10([public_fired()]));
}

#[test]
fn escalate_one_tier_twice_goes_up_twice() {
    let policy = on_public([Action::EscalateOneTier]);
    let (mut s, first) = public_post(policy, Some(sam()));
    assert_eq!(
        rule_events(&first),
        at10([public_fired(), escalation_to("supervisor")])
    );
    let second = s.contact(mon(11, 0), Channel::SocialPublic);
    assert_eq!(
        rule_events(&second),
        [
            (mon(11, 0), public_fired()),
            (mon(11, 0), escalation_to("manager"))
        ]
    );
    // There is no tier above manager.
    let third = s.contact(mon(12, 0), Channel::SocialPublic);
    assert_eq!(rule_events(&third), [(mon(12, 0), public_fired())]);
}

#[test]
fn require_call_makes_a_tracked_promise_with_a_clock() {
    let policy = on_public([Action::RequireCall(Call::new(Within::Time(hours(2))))]);
    let mut s = Story::new(policy);
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    // Posted at 16:00: two business hours on the `business` calendar (the
    // policy's default) end Tuesday 10:00.
    let events = s.contact(mon(16, 0), Channel::SocialPublic);
    let due = day(2, 10, 0);
    let kinds: Vec<_> = events.iter().skip(1).map(|e| e.kind().clone()).collect();
    assert_eq!(
        kinds,
        [
            public_fired(),
            EventKind::PromiseMade {
                promise: PromiseId::new(1),
                what: "a personal call from the owner (rule \"r\")".into(),
                due: Some(due),
            },
            EventKind::ClockStarted {
                clock: escalate::sla::ClockId::new(1),
                metric: Metric::Promise,
                promise: Some(PromiseId::new(1)),
                channel: None,
                tier: None,
                target: hours(18),
                calendar: cal("always"),
                due: Some(due),
            },
        ]
    );
    assert_eq!(s.case.promises().len(), 1);
    assert_eq!(s.case.promises()[0].due(), Some(due));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(due));
    // Unkept, the promise's clock breaches at the due instant, which breaks
    // the promise and stops its clock.
    let late = s.tick(day(2, 11, 0));
    let kinds: Vec<_> = late.iter().map(|e| (e.at(), e.kind().clone())).collect();
    assert_eq!(
        kinds,
        [
            (
                due,
                EventKind::SlaBreached {
                    clock: escalate::sla::ClockId::new(1)
                }
            ),
            (
                due,
                EventKind::PromiseBroken {
                    promise: PromiseId::new(1)
                }
            ),
            (
                due,
                EventKind::ClockStopped {
                    clock: escalate::sla::ClockId::new(1),
                    consumed: hours(18),
                    // Stopped at its due instant: the breach says it was
                    // missed; it ran no later than that.
                    late_by: None,
                }
            ),
        ]
    );
    assert!(s.case.promises().is_empty(), "settled: counted, not kept");
    assert_eq!(s.case.next_wakeup(&s.policy), None);
}

#[test]
fn require_apology_recommend_require_review_and_notify() {
    let notice = |within| Notice {
        who: "store manager".into(),
        why: "public complaint".into(),
        within,
    };
    let policy = on_public([
        Action::RequireApology(tier("supervisor")),
        Action::Recommend(GestureKind::Waive),
        Action::RequireReview,
        Action::Notify(notice(Some(Within::Time(hours(1))))),
        Action::Notify(notice(None)),
    ]);
    let (s, events) = public_post(policy, Some(sam()));
    assert_eq!(
        rule_events(&events),
        at10([
            public_fired(),
            EventKind::ApologyRequired {
                rule: "r".into(),
                tier: tier("supervisor"),
                tiers: s.policy.tiers().to_vec(),
            },
            EventKind::GestureRecommended {
                rule: "r".into(),
                gesture: GestureKind::Waive,
            },
            review("r"),
            EventKind::Notified {
                rule: "r".into(),
                who: "store manager".into(),
                why: "public complaint".into(),
                by: Some(mon(11, 0)),
            },
            EventKind::Notified {
                rule: "r".into(),
                who: "store manager".into(),
                why: "public complaint".into(),
                by: None,
            },
        ])
    );
    assert_eq!(Case::replay(s.log.clone()).unwrap(), s.case);
}

#[test]
fn one_escalation_per_event_the_first_rule_wins_and_lint_says_so() {
    let policy = with_rules(
        bare(),
        [
            Rule::new(
                "a",
                Condition::PublicContact,
                [Action::EscalateTo(tier("manager"))],
            ),
            Rule::new(
                "b",
                Condition::PublicContact,
                [Action::EscalateOneTier, Action::RequireReview],
            ),
        ],
    );
    let (_, events) = public_post(policy.clone(), Some(sam()));
    assert_eq!(
        rule_events(&events),
        at10([
            fired("a", &Condition::PublicContact),
            EventKind::EscalationRequired {
                rule: "a".into(),
                tier: tier("manager"),
            },
            fired("b", &Condition::PublicContact),
            review("b"),
        ])
    );
    let lints = policy.lint();
    assert_eq!(lints.len(), 1);
    assert_eq!(lints[0].level, LintLevel::Warning);
    assert_eq!(lints[0].path, "rules[1]");
    assert_eq!(
        lints[0].to_string(),
        r#"warning: rules[1]: never escalates: rule "a" has the same condition and comes first"#
    );
}

/// Opens by email, assigns sam, deflects, then tries to resolve.
#[track_caller]
fn deflect_then_resolve(deflection: DeflectionPolicy) -> (Story, Result<Vec<Event>, Refusal>) {
    let mut s = Story::new(bare().with_deflection(deflection));
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    s.respond(mon(10, 0), ResponseKind::Deflection);
    let resolved = s.handle(
        mon(11, 0),
        Actor::System,
        CommandKind::Resolve {
            summary: "told them to ask the marketplace".into(),
        },
    );
    (s, resolved)
}

#[test]
fn deflection_policy_refuse_record_failure_allow() {
    let (_, refused) = deflect_then_resolve(DeflectionPolicy::Refuse);
    let refusal = refused.unwrap_err();
    assert_eq!(refusal, Refusal::DeflectionOnly { deflections: 1 });
    assert_eq!(
        refusal.to_string(),
        "cannot resolve a case answered only with deflections (1 so far): the customer was pointed elsewhere, not helped"
    );
    let (s, recorded) = deflect_then_resolve(DeflectionPolicy::RecordFailure);
    let kinds: Vec<_> = recorded.unwrap().iter().map(|e| e.kind().clone()).collect();
    assert_eq!(
        kinds[..2],
        [
            EventKind::FailureRecorded {
                failure: escalate::FailureId::new(1),
                kind: FailureKind::Attention,
                description:
                    "resolved with only a deflection: the customer was pointed elsewhere, not helped"
                        .into(),
                loss: None,
            },
            EventKind::Resolved {
                summary: "told them to ask the marketplace".into(),
            },
        ]
    );
    assert_eq!(s.case.failures().len(), 1);
    assert_eq!(s.case.status().name(), escalate::StateName::Resolved);
    let (s, allowed) = deflect_then_resolve(DeflectionPolicy::Allow);
    let kinds: Vec<_> = allowed.unwrap().iter().map(|e| e.kind().clone()).collect();
    assert!(matches!(kinds[0], EventKind::Resolved { .. }), "{kinds:?}");
    assert!(s.case.failures().is_empty());
    // A real answer after the deflection lifts the refusal.
    let mut s = Story::new(bare().with_deflection(DeflectionPolicy::Refuse));
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    s.respond(mon(10, 0), ResponseKind::Deflection);
    s.respond(mon(10, 30), ResponseKind::Answer);
    assert!(
        s.resolve(mon(11, 0))
            .iter()
            .any(|e| matches!(e.kind(), EventKind::Resolved { .. }))
    );
}

#[test]
fn an_escalation_required_by_a_rule_is_an_escalation_for_other_rules() {
    let policy = with_rules(
        bare(),
        [
            Rule::new(
                "r",
                Condition::PublicContact,
                [Action::EscalateTo(tier("manager"))],
            ),
            Rule::new("review", Condition::Escalated, [Action::RequireReview]),
        ],
    );
    let (_, events) = public_post(policy, Some(sam()));
    assert_eq!(
        rule_events(&events),
        at10([
            public_fired(),
            escalation_to("manager"),
            fired("review", &Condition::Escalated),
            review("review"),
        ])
    );
}

#[test]
fn escalate_one_tier_counts_from_an_owner_taken_in_the_same_command() {
    // Escalated by hand to a manager: a rule on that escalation that
    // escalates one tier asks for the tier above manager, not above sam.
    let policy = with_rules(
        Policy::default(),
        [Rule::new(
            "r",
            Condition::Escalated,
            [Action::EscalateOneTier],
        )],
    );
    let mut s = Story::new(policy);
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    let events = s.run(
        mon(10, 0),
        Actor::System,
        CommandKind::Escalate {
            to: agent("mia", "manager"),
            reason: "angry".into(),
        },
    );
    assert_eq!(
        rule_events(&events),
        at10([
            fired("r", &Condition::Escalated),
            escalation_to("regional"),
            // Which is itself an escalation: up once more, and then no tier is left.
            fired("r", &Condition::Escalated),
            escalation_to("executive"),
            fired("r", &Condition::Escalated),
        ])
    );
}

#[test]
fn a_call_is_counted_on_its_own_calendar_or_the_default_calendar() {
    // Posted Monday 16:00: two hours on `business` (the default) end Tuesday
    // 10:00, two hours on `always` at 18:00.
    let due = |base: Policy, call: Call| {
        let policy = with_rules(
            base,
            [Rule::new(
                "r",
                Condition::PublicContact,
                [Action::RequireCall(call)],
            )],
        );
        let mut s = Story::new(policy);
        s.open(mon(9, 0));
        s.contact(mon(16, 0), Channel::SocialPublic);
        s.case.promises()[0].due().unwrap()
    };
    let two_hours = Call::new(Within::Time(hours(2)));
    assert_eq!(due(bare(), two_hours.clone()), day(2, 10, 0));
    assert_eq!(due(bare(), two_hours.clone().on(cal("always"))), mon(18, 0));
    assert_eq!(
        due(
            bare_without_default(),
            two_hours.clone().on(cal("business"))
        ),
        day(2, 10, 0)
    );
    // Without a default calendar a call is counted around the clock, and
    // the lint points at it: a policy that relied on a calendar being named
    // `business` finds out.
    assert_eq!(due(bare_without_default(), two_hours.clone()), mon(18, 0));
    let lints = with_rules(
        bare_without_default(),
        [Rule::new(
            "r",
            Condition::PublicContact,
            [Action::RequireCall(two_hours)],
        )],
    )
    .lint();
    assert_eq!(
        lints.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "warning: rules[0].then[0].require_call: counted on the always-open calendar: the policy \
          has calendars but no default_calendar; name the call's calendar or set default_calendar"
        ]
    );
    // In files: the short form, the table form, and the default.
    let file = format!(
        "{HEAD}default_calendar = \"business\"\n\
         [calendars.business]\nhours = {{ mon = [\"09:00-17:00\"] }}\n\
         [[rules]]\nname = \"r\"\nwhen = \"public_contact\"\n\
         then = [{{ require_call = \"2h\" }}, {{ require_call = {{ within = \"2h\", calendar = \"always\" }} }}]\n"
    );
    let policy = Policy::from_toml_str(&file).unwrap();
    assert_eq!(policy.default_calendar().as_str(), "business");
    assert_eq!(
        policy.rules()[0].then,
        [
            Action::RequireCall(Call::new(Within::Time(hours(2)))),
            Action::RequireCall(Call::new(Within::Time(hours(2))).on(cal("always"))),
        ]
    );
    let json = serde_json::to_string(&policy).unwrap();
    assert!(
        json.contains(r#""default_calendar":"business""#)
            && json.contains(r#""then":[{"require_call":"2h"},{"require_call":{"within":"2h","calendar":"always"}}]"#),
        "{json}"
    );
    assert_eq!(Policy::from_json_str(&json).unwrap(), policy);
    assert_eq!(
        Policy::from_toml_str(&policy.to_toml_string().unwrap()).unwrap(),
        policy
    );
}
