//! Each rule trigger at work: the instants a condition starts to hold, checked
//! with a rule that requires a review, and without it.

mod support;

use chrono::{DateTime, Utc};
use escalate::policy::{Action, Condition, Policy, Rule};
use escalate::sla::{Metric, MetricPolicy, Target, Threshold, Within};
use escalate::{
    Actor, Case, Channel, CommandKind, CustomerValue, FailureKind, Origin, Outcome, Priority,
    PromiseId, ResponseKind, SurveyScore,
};
use support::cal;
use support::{
    Story, agent, bare, fired, hours, kim, mon, review, rule_events, sam, via, with_rules,
};

/// `bare` with first and next response tracked (4 business hours, warning
/// at 50%) and promises warned 1 hour before they fall due.
fn with_sla() -> Policy {
    let response = |m| {
        MetricPolicy::new(m, Target::new(Within::Time(hours(4)), cal("business")))
            .with_warning(Threshold::Percent(50))
    };
    bare()
        .with_sla(response(Metric::FirstResponse))
        .unwrap()
        .with_sla(response(Metric::NextResponse))
        .unwrap()
        .with_sla(MetricPolicy {
            metric: Metric::Promise,
            targets: Vec::new(),
            fallback: None,
            no_target: Vec::new(),
            warnings: vec![Threshold::Before(hours(1))],
            reopen: escalate::sla::Reopen::NewCycle,
            stopped_by: ResponseKind::REPLIES.to_vec(),
        })
        .unwrap()
}

/// Runs `story` under `policy` with one rule, `when` -> require a review, and
/// checks it fires exactly at `expected` (once each); without the rule, no
/// rule event at all.
#[track_caller]
fn check_trigger(
    policy: &Policy,
    when: &Condition,
    story: impl Fn(&mut Story),
    expected: &[DateTime<Utc>],
) {
    let mut with = Story::new(with_rules(
        policy.clone(),
        [Rule::new("r", when.clone(), [Action::RequireReview])],
    ));
    story(&mut with);
    let want: Vec<_> = expected
        .iter()
        .flat_map(|t| [(*t, fired("r", when)), (*t, review("r"))])
        .collect();
    assert_eq!(rule_events(&with.log), want, "with the rule, when {when}");
    let mut without = Story::new(policy.clone());
    story(&mut without);
    assert_eq!(rule_events(&without.log), [], "without the rule");
    assert_eq!(Case::replay(with.log.clone()).unwrap(), with.case);
}

#[test]
fn sla_warning_and_breach_of_first_response() {
    // Opened Monday 09:00: 4 business hours, warned at 11:00, due at 13:00.
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.tick(mon(18, 0));
    };
    let p = with_sla();
    check_trigger(
        &p,
        &Condition::SlaWarning(Metric::FirstResponse),
        story,
        &[mon(11, 0)],
    );
    check_trigger(
        &p,
        &Condition::SlaBreach(Metric::FirstResponse),
        story,
        &[mon(13, 0)],
    );
    check_trigger(&p, &Condition::SlaBreach(Metric::NextResponse), story, &[]);
}

#[test]
fn sla_warning_and_breach_of_next_response() {
    // Answered at 09:30; the customer writes again at 10:00: warned at 12:00,
    // due at 14:00.
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.respond(mon(9, 30), ResponseKind::Answer);
        s.contact(mon(10, 0), Channel::Email);
        s.tick(mon(18, 0));
    };
    let p = with_sla();
    check_trigger(
        &p,
        &Condition::SlaWarning(Metric::NextResponse),
        story,
        &[mon(12, 0)],
    );
    check_trigger(
        &p,
        &Condition::SlaBreach(Metric::NextResponse),
        story,
        &[mon(14, 0)],
    );
    check_trigger(
        &p,
        &Condition::SlaWarning(Metric::FirstResponse),
        story,
        &[],
    );
    check_trigger(&p, &Condition::SlaBreach(Metric::FirstResponse), story, &[]);
}

#[test]
fn repeat_contact_fires_at_its_count_and_restarts_on_reopening() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0)); // contact 1
        s.contact(mon(10, 0), Channel::Phone); // 2
        s.contact(mon(11, 0), Channel::Phone); // 3
        s.assign(mon(11, 30), sam());
        s.resolve(mon(12, 0));
        s.contact(mon(13, 0), Channel::Phone); // reopens: 1
        s.contact(mon(14, 0), Channel::Phone); // 2
    };
    check_trigger(
        &bare(),
        &Condition::RepeatContact(2),
        story,
        &[mon(10, 0), mon(14, 0)],
    );
    check_trigger(&bare(), &Condition::RepeatContact(3), story, &[mon(11, 0)]);
    check_trigger(&bare(), &Condition::RepeatContact(4), story, &[]);
}

#[test]
fn public_contact_fires_for_each_public_post() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.contact(mon(10, 0), Channel::SocialPrivate);
        s.contact(mon(11, 0), Channel::SocialPublic);
        s.contact(mon(12, 0), Channel::SocialPublic);
    };
    check_trigger(
        &bare(),
        &Condition::PublicContact,
        story,
        &[mon(11, 0), mon(12, 0)],
    );
}

#[test]
fn survey_score_at_or_below_a_value() {
    let survey = |s: &mut Story, at, score| {
        s.run(
            at,
            Actor::Customer,
            CommandKind::AnswerSurvey {
                score: SurveyScore::new(score).unwrap(),
                comment: "meh".into(),
            },
        );
    };
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        survey(s, mon(10, 0), 3);
        survey(s, mon(11, 0), 2);
        survey(s, mon(12, 0), 1);
    };
    check_trigger(
        &bare(),
        &Condition::SurveyScoreAtMost(2),
        story,
        &[mon(11, 0), mon(12, 0)],
    );
    check_trigger(
        &bare(),
        &Condition::SurveyScoreAtMost(1),
        story,
        &[mon(12, 0)],
    );
    // A case opened by a bad survey fires at once.
    let opened_by_survey = |s: &mut Story| {
        s.open_by(
            mon(9, 0),
            Origin::Survey {
                score: SurveyScore::new(1).unwrap(),
            },
        );
    };
    check_trigger(
        &bare(),
        &Condition::SurveyScoreAtMost(2),
        opened_by_survey,
        &[mon(9, 0)],
    );
}

#[test]
fn churn_signal() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.run(
            mon(10, 0),
            Actor::Customer,
            CommandKind::SignalChurn {
                note: "I'm done".into(),
            },
        );
    };
    check_trigger(&bare(), &Condition::ChurnSignal, story, &[mon(10, 0)]);
}

/// The system records a service failure at `at`.
#[track_caller]
fn record_failure(s: &mut Story, at: DateTime<Utc>) {
    s.run(
        at,
        Actor::System,
        CommandKind::RecordFailure {
            kind: FailureKind::Service,
            description: "wrong cabinet".into(),
            loss: None,
        },
    );
}

#[test]
fn a_second_failure() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        record_failure(s, mon(10, 0));
        record_failure(s, mon(11, 0));
        record_failure(s, mon(12, 0));
    };
    check_trigger(
        &bare(),
        &Condition::FailuresAtLeast(2),
        story,
        &[mon(11, 0)],
    );
}

#[test]
fn severity_at_or_above_a_level() {
    let open = |priority| {
        move |s: &mut Story| {
            s.open_with(
                mon(9, 0),
                via(Channel::Email),
                CustomerValue::Standard,
                priority,
            );
        }
    };
    let high = Condition::SeverityAtLeast(Priority::High);
    check_trigger(&bare(), &high, open(Priority::Urgent), &[mon(9, 0)]);
    check_trigger(&bare(), &high, open(Priority::High), &[mon(9, 0)]);
    check_trigger(&bare(), &high, open(Priority::Normal), &[]);
    // Normal is the default priority: a case opened at normal priority still
    // starts to hold the condition when it opens.
    let normal = Condition::SeverityAtLeast(Priority::Normal);
    check_trigger(&bare(), &normal, open(Priority::Normal), &[mon(9, 0)]);
    check_trigger(&bare(), &normal, open(Priority::Low), &[]);
    // A priority change starts the condition holding when it raises the
    // priority to the level, and not when it lowers it.
    let raised = |to: Priority| {
        move |s: &mut Story| {
            s.open(mon(9, 0));
            s.run(
                mon(10, 0),
                Actor::System,
                CommandKind::ChangePriority { priority: to },
            );
        }
    };
    check_trigger(&bare(), &high, raised(Priority::Urgent), &[mon(10, 0)]);
    check_trigger(&bare(), &high, raised(Priority::Low), &[]);
}

#[test]
fn high_value_customer() {
    let open = |value| {
        move |s: &mut Story| {
            s.open_with(mon(9, 0), via(Channel::Email), value, Priority::Normal);
            s.contact(mon(10, 0), Channel::Phone);
        }
    };
    let c = Condition::HighValueCustomer;
    check_trigger(&bare(), &c, open(CustomerValue::HighValue), &[mon(9, 0)]);
    check_trigger(&bare(), &c, open(CustomerValue::Standard), &[]);
}

#[test]
fn internal_detection() {
    let open = |origin: Origin| {
        move |s: &mut Story| {
            s.open_by(mon(9, 0), origin.clone());
        }
    };
    let c = Condition::InternalDetection;
    check_trigger(&bare(), &c, open(Origin::InternalDetection), &[mon(9, 0)]);
    check_trigger(&bare(), &c, open(via(Channel::Email)), &[]);
}

#[test]
fn deflection_fires_for_each_deflecting_reply() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.respond(mon(10, 0), ResponseKind::Deflection);
        s.respond(mon(11, 0), ResponseKind::Answer);
        s.respond(mon(12, 0), ResponseKind::Deflection);
    };
    check_trigger(
        &bare(),
        &Condition::Deflection,
        story,
        &[mon(10, 0), mon(12, 0)],
    );
}

#[test]
fn a_promise_about_to_be_and_already_broken() {
    // Promised at 09:30 for 12:00: warned an hour before, broken at 12:00.
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.run(
            mon(9, 30),
            Actor::System,
            CommandKind::Promise {
                what: "call back by noon".into(),
                due: mon(12, 0),
            },
        );
        s.tick(mon(18, 0));
    };
    let p = with_sla();
    check_trigger(&p, &Condition::PromiseAtRisk, story, &[mon(11, 0)]);
    check_trigger(&p, &Condition::PromiseBroken, story, &[mon(12, 0)]);
    // Kept in time: neither.
    let kept = |s: &mut Story| {
        s.open(mon(9, 0));
        s.run(
            mon(9, 30),
            Actor::System,
            CommandKind::Promise {
                what: "call back by noon".into(),
                due: mon(12, 0),
            },
        );
        s.run(
            mon(10, 0),
            Actor::System,
            CommandKind::KeepPromise {
                promise: PromiseId::new(1),
            },
        );
        s.tick(mon(18, 0));
    };
    check_trigger(&p, &Condition::PromiseAtRisk, kept, &[]);
    check_trigger(&p, &Condition::PromiseBroken, kept, &[]);
}

/// The system hands the case off to kim at `at`.
#[track_caller]
fn hand_off(s: &mut Story, at: DateTime<Utc>) {
    s.run(at, Actor::System, CommandKind::HandOff { to: kim() });
}

#[test]
fn a_handoff_not_accepted_in_time_fires_in_tick() {
    let c = Condition::HandoffNotAccepted(Within::Time(hours(1)));
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.assign(mon(9, 5), sam());
        hand_off(s, mon(10, 0));
        assert_eq!(
            s.case.next_wakeup(&s.policy).is_some(),
            !s.policy.rules().is_empty()
        );
        s.tick(mon(10, 59));
        s.tick(mon(12, 0));
        s.tick(mon(13, 0));
    };
    check_trigger(&bare(), &c, story, &[mon(11, 0)]);
    // Accepted in time: nothing.
    let accepted = |s: &mut Story| {
        s.open(mon(9, 0));
        s.assign(mon(9, 5), sam());
        hand_off(s, mon(10, 0));
        s.run(mon(10, 30), Actor::Agent(kim()), CommandKind::AcceptHandoff);
        s.tick(mon(13, 0));
    };
    check_trigger(&bare(), &c, accepted, &[]);
    // next_wakeup names the instant.
    let mut s = Story::new(with_rules(
        bare(),
        [Rule::new("r", c, [Action::RequireReview])],
    ));
    s.open(mon(9, 0));
    s.assign(mon(9, 5), sam());
    hand_off(&mut s, mon(10, 0));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(11, 0)));
    s.tick(mon(11, 0));
    assert_eq!(s.case.next_wakeup(&s.policy), None);
}

/// A rule waiting on a handoff sees what happened earlier in the same tick:
/// an escalation required at 11:00 makes "escalated and the handoff waited
/// 2 hours" hold when the 2 hours run out at 12:00, whether the host ticked
/// at 11:00 or only once at 13:00 (found by the `commands` fuzz target).
#[test]
fn a_handoff_wait_sees_an_escalation_earlier_in_the_same_tick() {
    let wait = |h| Condition::HandoffNotAccepted(Within::Time(hours(h)));
    let late = Condition::All(vec![Condition::Escalated, wait(2)]);
    let policy = with_rules(
        bare(),
        [
            Rule::new("one hour", wait(1), [Action::EscalateOneTier]),
            Rule::new("late", late.clone(), [Action::RequireReview]),
        ],
    );
    let log = |ticks: &[DateTime<Utc>]| {
        let mut s = Story::new(policy.clone());
        s.open(mon(9, 0));
        s.assign(mon(9, 5), sam());
        hand_off(&mut s, mon(10, 0));
        for &t in ticks {
            s.tick(t);
        }
        rule_events(&s.log)
    };
    let every_wakeup = log(&[mon(11, 0), mon(12, 0), mon(13, 0)]);
    assert_eq!(log(&[mon(13, 0)]), every_wakeup);
    assert_eq!(log(&[mon(11, 30), mon(13, 0)]), every_wakeup);
    let late_firings: Vec<_> = every_wakeup
        .iter()
        .filter(|(_, k)| *k == fired("late", &late))
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(late_firings, [mon(12, 0)]);
}

#[test]
fn escalated_by_hand() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.assign(mon(9, 5), sam());
        s.run(
            mon(10, 0),
            Actor::System,
            CommandKind::Escalate {
                to: agent("max", "supervisor"),
                reason: "angry".into(),
            },
        );
    };
    check_trigger(&bare(), &Condition::Escalated, story, &[mon(10, 0)]);
}

#[test]
fn unowned_holds_from_opening_to_assignment_and_not_on_closing() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.assign(mon(9, 5), sam());
        // The marker action requires a review, so the closing gives one.
        let review = escalate::recovery::Review::new("why", "what changes").unwrap();
        s.run(
            mon(10, 0),
            Actor::System,
            CommandKind::Close {
                outcome: Outcome::Retained,
                review: Some(review),
            },
        );
    };
    check_trigger(&bare(), &Condition::Unowned, story, &[mon(9, 0)]);
}

#[test]
fn unanswered_fires_each_time_a_contact_waits() {
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.contact(mon(9, 10), Channel::Phone);
        s.respond(mon(9, 30), ResponseKind::Answer);
        s.contact(mon(10, 0), Channel::Phone);
    };
    check_trigger(
        &bare(),
        &Condition::Unanswered,
        story,
        &[mon(9, 0), mon(10, 0)],
    );
}

#[test]
fn all_and_any_combine_conditions() {
    let public_from = |value| {
        move |s: &mut Story| {
            s.open_with(mon(9, 0), via(Channel::Email), value, Priority::Normal);
            s.contact(mon(10, 0), Channel::SocialPublic);
        }
    };
    let all = Condition::All(vec![Condition::HighValueCustomer, Condition::PublicContact]);
    check_trigger(
        &bare(),
        &all,
        public_from(CustomerValue::HighValue),
        &[mon(10, 0)],
    );
    check_trigger(&bare(), &all, public_from(CustomerValue::Standard), &[]);
    let any = Condition::Any(vec![
        Condition::ChurnSignal,
        Condition::SurveyScoreAtMost(1),
    ]);
    let story = |s: &mut Story| {
        s.open(mon(9, 0));
        s.run(
            mon(10, 0),
            Actor::Customer,
            CommandKind::AnswerSurvey {
                score: SurveyScore::new(1).unwrap(),
                comment: "awful".into(),
            },
        );
        // Already holding, and a churn signal is no counting fact: no second firing.
        s.run(
            mon(11, 0),
            Actor::Customer,
            CommandKind::SignalChurn { note: "bye".into() },
        );
    };
    check_trigger(&bare(), &any, story, &[mon(10, 0)]);
}
