//! The five stories, replayed from their event logs under examples/data
//! (each story is walked through in its example under examples/): every "Acceptance" bullet is an assertion here, with
//! the times and amounts the stories give.

#[path = "../examples/common/mod.rs"]
#[allow(dead_code)] // each test uses a part of the shared module
mod common;
mod support;

use chrono::{DateTime, TimeDelta, Utc};
use common::{Story, Summary};
use escalate::recovery::GrantRefusal;
use escalate::recovery::{Currency, Gesture, GestureKind, Money, Waived};
use escalate::replay::{Host, Replay};
use escalate::sla::{ClockState, Metric};
use escalate::{CommandKind, EventKind, Outcome, Refusal, StateName, Timeline};
use support::{local, usd};

#[track_caller]
fn load(name: &str) -> (Story, Replay, Replay) {
    let story = Story::load(name).unwrap();
    let actual = story.actual().unwrap();
    let policy = story.under_policy().unwrap();
    (story, actual, policy)
}

fn events_at(replay: &Replay, at: DateTime<Utc>) -> impl Iterator<Item = &EventKind> {
    replay
        .events()
        .iter()
        .filter(move |e| e.at() == at)
        .map(escalate::Event::kind)
}

/// The refusal of the recorded command with this id.
#[track_caller]
fn refusal_of<'a>(replay: &'a Replay, id: &str) -> &'a Refusal {
    &replay
        .refused()
        .iter()
        .find(|r| r.command.id().as_str() == id)
        .unwrap_or_else(|| panic!("command {id} was not refused: {:?}", replay.refused()))
        .refusal
}

mod wrong_cabinet {
    use super::*;
    use chrono_tz::America::New_York as NY;

    #[test]
    fn one_named_owner_by_the_second_contact_and_the_bad_survey_escalates_at_once() {
        let (_, actual, policy) = load("wrong_cabinet");
        // As it happened: nobody ever owned the case.
        assert!(
            actual
                .events()
                .iter()
                .all(|e| !matches!(e.kind(), EventKind::Assigned { .. }))
        );
        // Under the policy: an owner by 03-08 11:00 at the latest.
        let (owned_at, owner) = Summary::of(&policy).first_owner.unwrap();
        assert!(
            owned_at <= local(NY, 2021, 3, 8, 11, 0),
            "owned at {owned_at}"
        );
        assert_eq!(owner.tier().as_str(), "supervisor");
        // The survey score of 1 at 03-09 19:30 escalates one tier at once.
        let survey = local(NY, 2021, 3, 9, 19, 30);
        let tier = events_at(&policy, survey)
            .find_map(|k| match k {
                EventKind::EscalationRequired { tier, .. } => Some(tier.as_str().to_owned()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            tier, "manager",
            "the tier above the supervisor who owned it"
        );
        assert!(events_at(&policy, survey).any(
            |k| matches!(k, EventKind::Escalated { to, .. } if to.tier().as_str() == "manager")
        ));
    }

    #[test]
    fn response_clocks_run_on_the_business_calendar_and_sunday_does_not_count() {
        let (story, actual, policy) = load("wrong_cabinet");
        let recommended = story.recommended().unwrap();
        let business = recommended.calendar(&"business".parse().unwrap()).unwrap();
        for case in [actual.case(), policy.case()] {
            let response_clocks: Vec<_> = case
                .clocks()
                .iter()
                .filter(|c| matches!(c.metric(), Metric::FirstResponse | Metric::NextResponse))
                .collect();
            assert!(!response_clocks.is_empty());
            for clock in response_clocks {
                if clock.calendar() != "always" {
                    assert_eq!(clock.calendar(), "business");
                }
            }
        }
        // Saturday 17:00 to Monday 08:00: no business time at all.
        assert_eq!(
            business.elapsed(local(NY, 2021, 3, 6, 17, 0), local(NY, 2021, 3, 8, 8, 0)),
            TimeDelta::zero()
        );
        // The first-response clock of the 03-04 call: 4 business hours, met in 5 minutes.
        let first = &actual.case().clocks()[0];
        assert_eq!(first.metric(), Metric::FirstResponse);
        assert_eq!(first.due(), Some(local(NY, 2021, 3, 4, 19, 10)));
        assert!(matches!(
            first.state(),
            ClockState::Stopped { late_by: None, .. }
        ));
    }

    #[test]
    fn money_needs_a_specific_apology_before_or_with_it() {
        let (story, _, _) = load("wrong_cabinet");
        let policy = story.recommended().unwrap();
        // The gift card with its form apology, before the customer left (03-12 14:00).
        let mut history = story.history.clone();
        history.commands.truncate(11);
        let gift = story
            .history
            .commands
            .iter()
            .find(|c| c.id().as_str() == "w15")
            .unwrap();
        let early = escalate::Command::new(
            "early-gift".parse().unwrap(),
            gift.actor().clone(),
            local(NY, 2021, 3, 12, 14, 0),
            gift.kind().clone(),
        );
        history.commands.push(early.clone());
        let replay = history.replay(&policy, Host::Obedient, None);
        assert_eq!(
            refusal_of(&replay, "early-gift").to_string(),
            "cannot grant a credit of USD 30.00 without a specific apology: apologise first, or in the same command, naming at least one recorded failure"
        );
        // The same gift card with an apology that names the wrong cabinet is granted.
        let CommandKind::Grant { gestures } = early.kind() else {
            panic!("a grant")
        };
        let mut gestures = gestures.clone();
        gestures[0] = Gesture::Apology {
            failures: vec![escalate::FailureId::new(1)],
            manner: escalate::recovery::Manner::Personal,
        };
        history.commands.pop();
        history.commands.push(escalate::Command::new(
            "specific".parse().unwrap(),
            early.actor().clone(),
            early.at(),
            CommandKind::Grant { gestures },
        ));
        let replay = history.replay(&policy, Host::Obedient, None);
        assert!(
            replay
                .refused()
                .iter()
                .all(|r| r.command.id().as_str() != "specific"),
            "{:?}",
            replay.refused()
        );
        assert_eq!(
            replay.case().money_granted().get(Currency::USD).unwrap(),
            usd(3000)
        );
    }

    #[test]
    fn after_the_churn_signal_no_money_leaves_and_the_waste_is_reported() {
        let (story, actual, policy) = load("wrong_cabinet");
        assert_eq!(
            actual.case().churned_at(),
            Some(local(NY, 2021, 3, 15, 9, 0))
        );
        for (id, message) in [
            (
                "w15",
                "cannot grant a credit of USD 30.00: the customer left at 2021-03-15 09:00 EDT (too late)",
            ),
            (
                "w16",
                "cannot grant a full refund of USD 249.99: the customer left at 2021-03-15 09:00 EDT (too late)",
            ),
            (
                "w17",
                "cannot grant a replacement costing USD 60.00: the customer left at 2021-03-15 09:00 EDT (too late)",
            ),
        ] {
            let refusal = refusal_of(&policy, id);
            assert!(
                matches!(refusal, Refusal::Grant(GrantRefusal::TooLate { .. })),
                "{refusal:?}"
            );
            assert_eq!(refusal.to_string(), message);
        }
        assert!(policy.case().money_granted().is_zero());
        // The gift card is also refused for lack of a specific apology: its
        // apology named no failure. Every guard it breaks, at its time:
        let gift = story
            .history
            .commands
            .iter()
            .find(|c| c.id().as_str() == "w15")
            .unwrap();
        let CommandKind::Grant { gestures } = gift.kind() else {
            panic!("a grant")
        };
        let reasons =
            policy
                .case()
                .check_grant(&story.recommended().unwrap(), gift.actor(), gestures);
        assert!(
            reasons
                .iter()
                .any(|r| matches!(r, GrantRefusal::TooLate { .. })),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| matches!(r, GrantRefusal::ApologyRequired { .. })),
            "{reasons:?}"
        );
        // As it happened: $30.00 + $249.99 + $60.00 = $339.99 wasted.
        assert_eq!(
            actual.case().money_wasted().get(Currency::USD).unwrap(),
            usd(33_999)
        );
        assert_eq!(Summary::of(&actual).wasted_minor, 33_999);
        assert_eq!(Summary::of(&policy).wasted_minor, 0);
        let report = common::differences(&story, &actual, &policy).unwrap();
        assert!(
            report.contains("money wasted after the churn signal: actual $339.99; policy $0.00"),
            "{report}"
        );
        // Side by side, what was spent and what the policy would have spent.
        assert_eq!(
            actual.case().money_granted().get(Currency::USD).unwrap(),
            usd(33_999)
        );
        assert_eq!(
            policy
                .case()
                .money_granted()
                .get(Currency::USD)
                .unwrap()
                .minor(),
            0
        );
    }

    #[test]
    fn closing_after_a_loss_needs_a_review() {
        let (story, actual, policy) = load("wrong_cabinet");
        assert_eq!(actual.case().outcome(), Some(Outcome::Lost));
        assert!(matches!(
            refusal_of(&policy, "w18"),
            Refusal::ReviewRequired {
                outcome: Outcome::Lost,
                ..
            }
        ));
        assert_eq!(policy.case().status().name(), StateName::Working);
        // With a review it closes.
        let mut history = story.history.clone();
        let last = history.commands.pop().unwrap();
        let review = escalate::recovery::Review::new(
            "nobody owned the case",
            "one owner by the second contact",
        )
        .unwrap();
        history.commands.push(escalate::Command::new(
            last.id().clone(),
            last.actor().clone(),
            last.at(),
            CommandKind::Close {
                outcome: Outcome::Lost,
                review: Some(review),
            },
        ));
        let closed = history.replay(&story.recommended().unwrap(), Host::Obedient, None);
        assert_eq!(closed.case().outcome(), Some(Outcome::Lost));
    }
}

mod shoe_callbacks {
    use super::*;
    use chrono_tz::America::Los_Angeles as LA;

    #[test]
    fn the_voicemail_owes_a_callback_by_the_next_business_day_and_its_breach_escalates() {
        let (_, _, policy) = load("shoe_callbacks");
        let timeline = Timeline::from_events(policy.events()).unwrap();
        let callback = timeline
            .clocks()
            .iter()
            .find(|c| c.metric() == Metric::NextResponse)
            .unwrap();
        assert_eq!(callback.started_at(), local(LA, 2021, 6, 1, 11, 0));
        assert_eq!(callback.due(), Some(local(LA, 2021, 6, 2, 11, 0)));
        assert_eq!(callback.breached_at(), Some(local(LA, 2021, 6, 2, 11, 0)));
        // The store manager sits at the supervisor tier.
        let at_breach: Vec<_> = events_at(&policy, local(LA, 2021, 6, 2, 11, 0)).collect();
        assert!(at_breach.iter().any(|k| matches!(k, EventKind::EscalationRequired { tier, .. } if tier.as_str() == "supervisor")), "{at_breach:?}");
    }

    #[test]
    fn still_unanswered_it_escalates_again_by_policy_not_weeks_later() {
        let (_, _, policy) = load("shoe_callbacks");
        let escalations: Vec<(DateTime<Utc>, String)> = policy
            .events()
            .iter()
            .filter_map(|e| match e.kind() {
                EventKind::EscalationRequired { tier, .. } => {
                    Some((e.at(), tier.as_str().to_owned()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            escalations[0],
            (local(LA, 2021, 6, 2, 11, 0), "supervisor".to_owned())
        );
        assert_eq!(
            escalations[1],
            (local(LA, 2021, 6, 4, 11, 0), "manager".to_owned()),
            "two business days later"
        );
        assert_eq!(
            escalations[2],
            (local(LA, 2021, 6, 8, 11, 0), "regional".to_owned()),
            "two more business days"
        );
    }

    #[test]
    fn the_repeat_contact_is_counted_and_every_missed_deadline_shows_its_lateness() {
        let (_, actual, policy) = load("shoe_callbacks");
        let case = Timeline::from_events(actual.events()).unwrap();
        assert_eq!(case.contacts()[1].at(), local(LA, 2021, 6, 17, 15, 0));
        // Under the policy the repeat-contact rule counts it (its owner is
        // already senior enough, so it asks for nothing more).
        let second = local(LA, 2021, 6, 17, 15, 0);
        assert!(events_at(&policy, second).any(
            |k| matches!(k, EventKind::RuleFired { rule, .. } if rule.starts_with("second contact"))
        ));
        assert_eq!(case.contacts()[1].channel(), escalate::Channel::Voicemail);
        let timeline = case.to_string();
        for clock in case.clocks() {
            if let Some(due) = clock.breached_at() {
                let line = format!(
                    "{} {} breached",
                    due.with_timezone(&LA).format("%Y-%m-%d %H:%M %Z"),
                    clock.id()
                );
                assert!(
                    timeline.lines().any(|l| l.starts_with(&line[..20])
                        && l.contains(&format!("{} (", clock.id()))
                        && l.contains("breached")),
                    "{line}\n{timeline}"
                );
            }
            if let Some(late) = clock.lateness() {
                let hours = escalate::sla::Within::Time(late).to_string();
                assert!(
                    timeline.contains(&format!("met late, by {hours} of business time")),
                    "{hours}\n{timeline}"
                );
            }
        }
        // The callback was met 161 business hours late.
        let callback = case
            .clocks()
            .iter()
            .find(|c| c.metric() == Metric::NextResponse)
            .unwrap();
        assert_eq!(callback.lateness(), Some(TimeDelta::minutes(161 * 60 + 5)));
    }

    #[test]
    fn corporate_owns_and_the_regional_manager_calls_within_the_same_business_day() {
        let (story, actual, _) = load("shoe_callbacks");
        let corporate = story
            .recommended()
            .unwrap()
            .calendar(&"corporate".parse().unwrap())
            .unwrap()
            .clone();
        let call = local(LA, 2021, 6, 30, 14, 0);
        let clock = actual
            .case()
            .clocks()
            .iter()
            .find(|c| c.started_at() == call)
            .unwrap();
        assert_eq!(clock.calendar(), "corporate");
        assert!(
            matches!(clock.state(), ClockState::Stopped { late_by: None, .. }),
            "{:?}",
            clock.state()
        );
        let regional = local(LA, 2021, 6, 30, 17, 30);
        assert!(corporate.elapsed(call, regional) < clock.target());
        assert_eq!(
            corporate.elapsed(call, regional),
            TimeDelta::minutes(210),
            "same business day"
        );
        assert_eq!(
            actual.case().owner().map(|o| o.tier().as_str()),
            Some("regional")
        );
    }

    #[test]
    fn the_policy_would_have_escalated_on_06_02_not_06_30() {
        let (_, actual, policy) = load("shoe_callbacks");
        let (at, _) = Summary::of(&policy).first_escalation.unwrap();
        assert_eq!(at, local(LA, 2021, 6, 2, 11, 0));
        let manager_actually = actual
            .events()
            .iter()
            .find(|e| matches!(e.kind(), EventKind::Assigned { to } | EventKind::Escalated { to, .. } if to.tier().as_str() != "frontline"))
            .unwrap();
        assert_eq!(manager_actually.at(), local(LA, 2021, 6, 30, 14, 0));
    }
}

mod marketplace_deflection {
    use super::*;
    use chrono_tz::America::New_York as NY;

    #[test]
    fn the_after_hours_email_clock_starts_at_eight_and_the_0930_reply_met_it() {
        let (_, actual, policy) = load("marketplace_deflection");
        for replay in [&actual, &policy] {
            let first = &replay.case().clocks()[0];
            assert_eq!(first.metric(), Metric::FirstResponse);
            assert_eq!(first.target(), TimeDelta::hours(4));
            assert_eq!(first.due(), Some(local(NY, 2021, 6, 22, 12, 0)));
            assert_eq!(
                first.state(),
                ClockState::Stopped {
                    at: local(NY, 2021, 6, 22, 9, 30),
                    consumed: TimeDelta::minutes(90),
                    due: Some(local(NY, 2021, 6, 22, 12, 0)),
                    late_by: None
                }
            );
        }
    }

    #[test]
    fn resolving_with_a_deflection_alone_is_refused() {
        let (_, actual, policy) = load("marketplace_deflection");
        assert!(actual.refused().is_empty(), "{:?}", actual.refused());
        let refusal = refusal_of(&policy, "m4");
        assert_eq!(*refusal, Refusal::DeflectionOnly { deflections: 1 });
        assert_eq!(
            refusal.to_string(),
            "cannot resolve a case answered only with deflections (1 so far): the customer was pointed elsewhere, not helped"
        );
        // The deflection assigned nobody new: the only owner is the seller
        // the marketplace assigned.
        let owners: Vec<_> = policy
            .events()
            .iter()
            .filter_map(|e| match e.kind() {
                EventKind::Assigned { to } | EventKind::Escalated { to, .. } => {
                    Some(to.id().as_str())
                }
                _ => None,
            })
            .collect();
        assert_eq!(owners, ["seller"]);
    }

    #[test]
    fn the_outcome_is_lost_and_the_timeline_says_why() {
        let (_, actual, policy) = load("marketplace_deflection");
        for replay in [&actual, &policy] {
            assert_eq!(replay.case().outcome(), Some(Outcome::Lost));
            let timeline = Timeline::from_events(replay.events()).unwrap().to_string();
            assert!(
                timeline.contains("deflected by email (pointed the customer elsewhere)"),
                "{timeline}"
            );
            assert!(timeline.contains("churn signal from the customer: \"starts a return through the marketplace; the seller loses the sale\""));
            assert!(timeline.contains("closed the case: lost; review: root cause \"a product fault was answered with a redirect, not help\""));
        }
    }
}

mod poster_apology {
    use super::*;

    #[test]
    fn the_executive_tier_owns_it_and_may_refund_in_full_and_let_him_keep_the_item() {
        let (story, _, policy) = load("poster_apology");
        assert_eq!(
            policy.case().owner().map(|o| o.tier().as_str()),
            None,
            "closed"
        );
        let last_owner = policy.events().iter().rev().find_map(|e| match e.kind() {
            EventKind::Assigned { to } | EventKind::Escalated { to, .. } => Some(to.clone()),
            _ => None,
        });
        assert_eq!(last_owner.unwrap().tier().as_str(), "executive");
        let recommended = story.recommended().unwrap();
        let executive = recommended
            .recovery()
            .authority(&"executive".parse().unwrap())
            .unwrap();
        assert!(
            executive.allows(GestureKind::FullRefund) && executive.allows(GestureKind::KeepItem)
        );
    }

    #[test]
    fn refund_plus_keep_the_item_passes_the_cap_and_the_threat_is_waived_at_no_cost() {
        let (_, _, policy) = load("poster_apology");
        assert!(policy.refused().is_empty(), "{:?}", policy.refused());
        let granted: Vec<&Gesture> = policy
            .case()
            .granted()
            .iter()
            .map(escalate::recovery::Granted::gesture)
            .collect();
        assert!(
            granted
                .iter()
                .any(|g| matches!(g, Gesture::FullRefund { amount, .. } if *amount == usd(12_000)))
        );
        assert!(
            granted
                .iter()
                .any(|g| matches!(g, Gesture::KeepItem { value, .. } if *value == usd(12_000)))
        );
        // $240.00 against a loss of $180.00: 133%, under the 150% hard cap.
        assert_eq!(
            policy.case().compensation().get(Currency::USD).unwrap(),
            usd(24_000)
        );
        let waiver = granted
            .iter()
            .find(|g| {
                matches!(
                    g,
                    Gesture::Waive {
                        waived: Waived::Demand,
                        ..
                    }
                )
            })
            .unwrap();
        assert_eq!(waiver.cost(), None);
        assert!(
            policy.case().churned_at().is_none(),
            "the customer was not yet lost"
        );
    }

    #[test]
    fn it_closes_won_back() {
        let (_, actual, policy) = load("poster_apology");
        assert_eq!(actual.case().outcome(), Some(Outcome::WonBack));
        assert_eq!(policy.case().outcome(), Some(Outcome::WonBack));
    }
}

mod brunch_and_ink {
    use super::*;
    use chrono_tz::America::Toronto as TO;

    #[test]
    fn brunch_internal_detection_owner_from_the_start_two_minute_response_coffee_within_authority()
    {
        let (_, actual, policy) = load("brunch");
        for replay in [&actual, &policy] {
            let log = replay.events();
            assert!(
                matches!(log[1].kind(), EventKind::Assigned { to } if to.id().as_str() == "waiter")
            );
            assert_eq!(log[1].at(), log[0].at());
            let case = replay.case();
            let first = case
                .clocks()
                .iter()
                .find(|c| c.metric() == Metric::FirstResponse)
                .unwrap();
            assert!(
                matches!(first.state(), ClockState::Stopped { consumed, late_by: None, .. } if consumed == TimeDelta::minutes(2)),
                "{:?}",
                first.state()
            );
            assert_eq!(case.outcome(), Some(Outcome::Retained));
        }
        assert!(policy.refused().is_empty(), "{:?}", policy.refused());
        let coffee = policy
            .case()
            .granted()
            .iter()
            .find(|g| g.gesture().kind() == GestureKind::Credit)
            .unwrap();
        assert_eq!(
            coffee.gesture().cost(),
            Some(Money::new(300, Currency::CAD))
        );
        assert_eq!(coffee.by().to_string(), "waiter (frontline)");
    }

    #[test]
    fn ink_public_post_answered_in_25_minutes_against_the_social_hour() {
        // The post is the first contact on the social channel, after the
        // in-store question: its clock is the next-response clock, with the
        // social channel's first-response target (one hour on the social
        // team's calendar).
        let (_, actual, policy) = load("ink_cartridges");
        for replay in [&actual, &policy] {
            let timeline = Timeline::from_events(replay.events()).unwrap();
            let social = timeline
                .clocks()
                .iter()
                .find(|c| c.started_at() == local(TO, 2011, 6, 18, 14, 40))
                .unwrap();
            assert_eq!(social.metric(), Metric::NextResponse);
            assert_eq!(social.calendar(), "social");
            assert_eq!(social.target(), TimeDelta::hours(1));
            assert!(
                matches!(social.state(), ClockState::Stopped { consumed, late_by: None, .. } if consumed == TimeDelta::minutes(25)),
                "{:?}",
                social.state()
            );
        }
    }

    #[test]
    fn ink_goes_to_the_store_manager_tier() {
        let (_, actual, policy) = load("ink_cartridges");
        let post = local(TO, 2011, 6, 18, 14, 40);
        assert!(events_at(&policy, post).any(
            |k| matches!(k, EventKind::OwnerRequired { tier, .. } if tier.as_str() == "manager")
        ));
        for replay in [&actual, &policy] {
            let owner = replay.events().iter().rev().find_map(|e| match e.kind() {
                EventKind::Assigned { to } | EventKind::HandoffAccepted { by: to } => {
                    Some(to.clone())
                }
                _ => None,
            });
            assert_eq!(owner.unwrap().to_string(), "store-manager (manager)");
        }
    }

    #[test]
    fn ink_compensation_of_35_is_inside_the_cap_and_coaching_is_tracked_until_done() {
        let (story, actual, policy) = load("ink_cartridges");
        assert!(policy.refused().is_empty(), "{:?}", policy.refused());
        let cad = |minor| Money::new(minor, Currency::CAD);
        assert_eq!(
            policy.case().compensation().get(Currency::CAD).unwrap(),
            cad(3500)
        );
        let soft_cap = story.recommended().unwrap().recovery().soft_cap_bps();
        assert!(3500 * 10_000 <= 17_400 * i64::from(soft_cap));
        for replay in [&actual, &policy] {
            let timeline = Timeline::from_events(replay.events()).unwrap();
            let coaching = &timeline.promises()[0];
            assert!(coaching.what().starts_with("coach the staff"));
            assert_eq!(
                coaching.state(),
                escalate::PromiseState::Kept {
                    at: local(TO, 2011, 6, 27, 16, 0)
                }
            );
            assert_eq!(replay.case().outcome(), Some(Outcome::Retained));
        }
    }
}

#[test]
fn the_readme_shows_the_tours_summary_table() {
    let table = common::summary_table(&common::STORIES).unwrap();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md is out of date; the tour now prints:\n{table}"
    );
    assert!(table.contains("| wrong cabinet "));
    assert!(table.contains("339.99 / 0.00"));
}
