//! The JSON wire format: one event of each kind pinned verbatim, and round
//! trips of every event and command kind.

#![allow(clippy::too_many_lines)] // the golden list is one table, clearest in one function

mod support;

use escalate::recovery::{
    CreditForm, Currency, Entitlement, Gesture, Manner, Money, OfferId, Repair, Review, Waived,
};
use escalate::{
    Actor, Channel, Command, CommandKind, Customer, CustomerValue, Event, EventKind, FailureId,
    FailureKind, Opened, Origin, Outcome, Priority, PromiseId, ResponseKind, SurveyScore,
};
use support::{at, sam, usd};

/// One event of each kind, with the JSON it must serialize to.
fn golden() -> Vec<(EventKind, &'static str)> {
    vec![
        (
            EventKind::Opened(
                Opened {
                    case: "CAB-1".parse().unwrap(),
                    customer: Customer::new("cust-9".parse().unwrap(), CustomerValue::HighValue),
                    origin: Origin::Contact {
                        channel: Channel::Phone,
                    },
                    summary: "wrong cabinet".into(),
                    priority: Priority::High,
                    policy: "2021-03".into(),
                    policy_fingerprint: None,
                    time_zone: chrono_tz::America::New_York,
                }
                .into(),
            ),
            r#"{"type":"opened","case":"CAB-1","customer":{"id":"cust-9","value":"high_value"},"origin":{"type":"contact","channel":"phone"},"summary":"wrong cabinet","priority":"high","policy":"2021-03","time_zone":"America/New_York"}"#,
        ),
        // Since fingerprints: the policy's content fingerprint, after the label.
        (
            EventKind::Opened(
                Opened {
                    case: "CAB-1".parse().unwrap(),
                    customer: Customer::new("cust-9".parse().unwrap(), CustomerValue::HighValue),
                    origin: Origin::Contact {
                        channel: Channel::Phone,
                    },
                    summary: "wrong cabinet".into(),
                    priority: Priority::High,
                    policy: "2021-03".into(),
                    policy_fingerprint: Some("0123456789abcdef".parse().unwrap()),
                    time_zone: chrono_tz::America::New_York,
                }
                .into(),
            ),
            r#"{"type":"opened","case":"CAB-1","customer":{"id":"cust-9","value":"high_value"},"origin":{"type":"contact","channel":"phone"},"summary":"wrong cabinet","priority":"high","policy":"2021-03","policy_fingerprint":"0123456789abcdef","time_zone":"America/New_York"}"#,
        ),
        (
            EventKind::Contacted {
                channel: Channel::SocialPublic,
                note: "I now buy elsewhere".into(),
            },
            r#"{"type":"contacted","channel":"social_public","note":"I now buy elsewhere"}"#,
        ),
        (
            EventKind::Responded {
                channel: Channel::Email,
                note: "call us 8-5".into(),
                kind: ResponseKind::Deflection,
            },
            r#"{"type":"responded","channel":"email","note":"call us 8-5","kind":"deflection"}"#,
        ),
        (
            EventKind::Assigned { to: sam() },
            r#"{"type":"assigned","to":{"id":"sam","tier":"frontline"}}"#,
        ),
        (
            EventKind::HandoffOffered { to: sam() },
            r#"{"type":"handoff_offered","to":{"id":"sam","tier":"frontline"}}"#,
        ),
        (
            EventKind::HandoffAccepted { by: sam() },
            r#"{"type":"handoff_accepted","by":{"id":"sam","tier":"frontline"}}"#,
        ),
        (
            EventKind::HandoffDeclined { by: sam() },
            r#"{"type":"handoff_declined","by":{"id":"sam","tier":"frontline"}}"#,
        ),
        (
            EventKind::Escalated {
                to: sam(),
                reason: "second contact".into(),
            },
            r#"{"type":"escalated","to":{"id":"sam","tier":"frontline"},"reason":"second contact"}"#,
        ),
        (
            EventKind::FailureRecorded {
                failure: FailureId::new(1),
                kind: FailureKind::Product,
                description: "wrong item".into(),
                loss: Some(Money::new(24_999, Currency::USD)),
            },
            r#"{"type":"failure_recorded","failure":1,"kind":"product","description":"wrong item","loss":{"minor":24999,"currency":"USD"}}"#,
        ),
        (
            EventKind::PromiseMade {
                promise: PromiseId::new(1),
                what: "call back".into(),
                due: Some(at("2021-06-02T18:00:00Z")),
            },
            r#"{"type":"promise_made","promise":1,"what":"call back","due":"2021-06-02T18:00:00Z"}"#,
        ),
        (
            EventKind::PromiseKept {
                promise: PromiseId::new(1),
            },
            r#"{"type":"promise_kept","promise":1}"#,
        ),
        (
            EventKind::PromiseBroken {
                promise: PromiseId::new(2),
            },
            r#"{"type":"promise_broken","promise":2}"#,
        ),
        (
            EventKind::AwaitingCustomer {
                reason: "photos".into(),
            },
            r#"{"type":"awaiting_customer","reason":"photos"}"#,
        ),
        (
            EventKind::Paused {
                reason: "awaiting_third_party".parse().unwrap(),
                note: "the carrier's report".into(),
                until: Some(at("2021-03-08T14:00:00Z")),
                ends_on_contact: false,
            },
            r#"{"type":"paused","reason":"awaiting_third_party","note":"the carrier's report","until":"2021-03-08T14:00:00Z","ends_on_contact":false}"#,
        ),
        (EventKind::Resumed, r#"{"type":"resumed"}"#),
        (
            EventKind::PriorityChanged {
                priority: Priority::Urgent,
            },
            r#"{"type":"priority_changed","priority":"urgent"}"#,
        ),
        (
            EventKind::SurveyAnswered {
                score: SurveyScore::new(1).unwrap(),
                comment: "nobody helps".into(),
            },
            r#"{"type":"survey_answered","score":1,"comment":"nobody helps"}"#,
        ),
        (
            EventKind::ChurnSignalled {
                note: "switched".into(),
            },
            r#"{"type":"churn_signalled","note":"switched"}"#,
        ),
        (
            EventKind::Resolved {
                summary: "delivered".into(),
            },
            r#"{"type":"resolved","summary":"delivered"}"#,
        ),
        (EventKind::Reopened, r#"{"type":"reopened"}"#),
        (
            EventKind::ResolutionConfirmed,
            r#"{"type":"resolution_confirmed"}"#,
        ),
        (
            EventKind::Closed {
                outcome: Outcome::WonBack,
                review: None,
            },
            r#"{"type":"closed","outcome":"won_back"}"#,
        ),
        (
            EventKind::GestureOffered {
                offer: OfferId::new(1),
                gesture: Gesture::FullRefund {
                    failures: vec![FailureId::new(1)],
                    amount: Money::new(12_000, Currency::USD),
                    due: Entitlement::Owed,
                },
            },
            r#"{"type":"gesture_offered","offer":1,"gesture":{"type":"full_refund","failures":[1],"amount":{"minor":12000,"currency":"USD"},"due":"owed"}}"#,
        ),
        (
            EventKind::OfferAccepted {
                offer: OfferId::new(1),
            },
            r#"{"type":"offer_accepted","offer":1}"#,
        ),
        (
            EventKind::OfferDeclined {
                offer: OfferId::new(2),
            },
            r#"{"type":"offer_declined","offer":2}"#,
        ),
        (
            EventKind::GestureGranted {
                gesture: Gesture::Apology {
                    failures: vec![FailureId::new(1), FailureId::new(2)],
                    manner: Manner::Personal,
                },
                offer: None,
            },
            r#"{"type":"gesture_granted","gesture":{"type":"apology","failures":[1,2],"manner":"personal"}}"#,
        ),
    ]
}

/// Further pinned forms of new data inside events: every gesture kind, a
/// grant from an offer, a closing with a review.
fn golden_more() -> Vec<(EventKind, &'static str)> {
    let granted = |gesture| EventKind::GestureGranted {
        gesture,
        offer: None,
    };
    vec![
        (
            EventKind::GestureGranted {
                gesture: Gesture::KeepItem {
                    failures: vec![FailureId::new(1)],
                    value: usd(12_000),
                },
                offer: Some(OfferId::new(3)),
            },
            r#"{"type":"gesture_granted","gesture":{"type":"keep_item","failures":[1],"value":{"minor":12000,"currency":"USD"}},"offer":3}"#,
        ),
        (
            granted(Gesture::Repair {
                failures: vec![FailureId::new(1)],
                repair: Repair::Exchange,
                cost: Some(usd(6_000)),
            }),
            r#"{"type":"gesture_granted","gesture":{"type":"repair","failures":[1],"repair":"exchange","cost":{"minor":6000,"currency":"USD"}}}"#,
        ),
        (
            granted(Gesture::Repair {
                failures: vec![FailureId::new(1)],
                repair: Repair::Reperform,
                cost: None,
            }),
            r#"{"type":"gesture_granted","gesture":{"type":"repair","failures":[1],"repair":"reperform"}}"#,
        ),
        (
            granted(Gesture::Waive {
                failures: vec![FailureId::new(2)],
                waived: Waived::Demand,
                note: "lawsuit threat withdrawn".into(),
            }),
            r#"{"type":"gesture_granted","gesture":{"type":"waive","failures":[2],"waived":"demand","note":"lawsuit threat withdrawn"}}"#,
        ),
        (
            granted(Gesture::Credit {
                failures: vec![FailureId::new(1)],
                form: CreditForm::GiftCard,
                amount: usd(3_000),
            }),
            r#"{"type":"gesture_granted","gesture":{"type":"credit","failures":[1],"form":"gift_card","amount":{"minor":3000,"currency":"USD"}}}"#,
        ),
        (
            granted(Gesture::PartialRefund {
                failures: vec![FailureId::new(1)],
                amount: usd(1_500),
                due: Entitlement::Discretionary,
            }),
            r#"{"type":"gesture_granted","gesture":{"type":"partial_refund","failures":[1],"amount":{"minor":1500,"currency":"USD"},"due":"discretionary"}}"#,
        ),
        (
            EventKind::Closed {
                outcome: Outcome::Lost,
                review: Some(
                    Review::new("nobody owned the case", "one owner by the second contact")
                        .unwrap(),
                ),
            },
            r#"{"type":"closed","outcome":"lost","review":{"root_cause":"nobody owned the case","changes":"one owner by the second contact"}}"#,
        ),
    ]
}

#[test]
fn gestures_and_reviews_have_pinned_json() {
    for (kind, expected) in golden_more() {
        assert_eq!(serde_json::to_string(&kind).unwrap(), expected);
        let back: EventKind = serde_json::from_str(expected).unwrap();
        assert_eq!(back, kind);
    }
    // Validation holds when deserializing: a review needs a root cause.
    let bad = r#"{"type":"closed","outcome":"lost","review":{"root_cause":" ","changes":""}}"#;
    let err = serde_json::from_str::<EventKind>(bad)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("a review needs a root cause"), "{err}");
}

#[test]
fn every_event_kind_has_pinned_json() {
    for (kind, expected) in golden() {
        assert_eq!(serde_json::to_string(&kind).unwrap(), expected);
        let back: EventKind = serde_json::from_str(expected).unwrap();
        assert_eq!(back, kind);
    }
}

/// One event of each SLA-clock, rule and policy kind, with its JSON.
fn golden_sla_and_rules() -> Vec<(EventKind, &'static str)> {
    use escalate::sla::{ClockId, Metric, Threshold};
    let tier = || "manager".parse().unwrap();
    vec![
        (
            EventKind::ClockStarted {
                clock: ClockId::new(3),
                metric: Metric::NextResponse,
                promise: None,
                channel: Some(Channel::Voicemail),
                tier: None,
                target: chrono::TimeDelta::hours(8),
                calendar: "store".parse().unwrap(),
                due: Some(at("2021-06-02T18:00:00Z")),
            },
            r#"{"type":"clock_started","clock":3,"metric":"next_response","channel":"voicemail","target_seconds":28800,"calendar":"store","due":"2021-06-02T18:00:00Z"}"#,
        ),
        (
            EventKind::ClockStarted {
                clock: ClockId::new(4),
                metric: Metric::TierOwnership,
                promise: None,
                channel: Some(Channel::Email),
                tier: Some("supervisor".parse().unwrap()),
                target: chrono::TimeDelta::hours(4),
                calendar: "store".parse().unwrap(),
                due: Some(at("2021-06-02T18:00:00Z")),
            },
            r#"{"type":"clock_started","clock":4,"metric":"tier_ownership","channel":"email","tier":"supervisor","target_seconds":14400,"calendar":"store","due":"2021-06-02T18:00:00Z"}"#,
        ),
        (
            EventKind::ClockRetargeted {
                clock: ClockId::new(3),
                target: chrono::TimeDelta::hours(4),
                calendar: "store".parse().unwrap(),
                consumed: chrono::TimeDelta::minutes(90),
                due: Some(at("2021-06-01T20:30:00Z")),
            },
            r#"{"type":"clock_retargeted","clock":3,"target_seconds":14400,"calendar":"store","consumed_seconds":5400,"due":"2021-06-01T20:30:00Z"}"#,
        ),
        (
            EventKind::ClockPaused {
                clock: ClockId::new(1),
                consumed: chrono::TimeDelta::minutes(90),
            },
            r#"{"type":"clock_paused","clock":1,"consumed_seconds":5400}"#,
        ),
        (
            EventKind::ClockResumed {
                clock: ClockId::new(1),
                due: Some(at("2021-03-04T21:00:00Z")),
            },
            r#"{"type":"clock_resumed","clock":1,"due":"2021-03-04T21:00:00Z"}"#,
        ),
        (
            EventKind::ClockStopped {
                clock: ClockId::new(3),
                consumed: chrono::TimeDelta::hours(169),
                late_by: Some(chrono::TimeDelta::hours(161)),
            },
            r#"{"type":"clock_stopped","clock":3,"consumed_seconds":608400,"late_by_seconds":579600}"#,
        ),
        (
            EventKind::SlaWarned {
                clock: ClockId::new(2),
                threshold: Threshold::Percent(75),
            },
            r#"{"type":"sla_warned","clock":2,"threshold":{"percent":75}}"#,
        ),
        (
            EventKind::SlaBreached {
                clock: ClockId::new(2),
            },
            r#"{"type":"sla_breached","clock":2}"#,
        ),
        (
            EventKind::RuleFired {
                rule: "second failure".into(),
                when: "2 or more failures".into(),
            },
            r#"{"type":"rule_fired","rule":"second failure","when":"2 or more failures"}"#,
        ),
        (
            EventKind::OwnerRequired {
                rule: "public".into(),
                tier: tier(),
            },
            r#"{"type":"owner_required","rule":"public","tier":"manager"}"#,
        ),
        (
            EventKind::EscalationRequired {
                rule: "breach".into(),
                tier: tier(),
            },
            r#"{"type":"escalation_required","rule":"breach","tier":"manager"}"#,
        ),
        (
            EventKind::ApologyRequired {
                rule: "breach".into(),
                tier: tier(),
                tiers: ["frontline", "manager", "executive"]
                    .map(|t| t.parse().unwrap())
                    .to_vec(),
            },
            r#"{"type":"apology_required","rule":"breach","tier":"manager","tiers":["frontline","manager","executive"]}"#,
        ),
        // Written before requirements carried the ranks: `tiers` is
        // optional, and an empty list is left out.
        (
            EventKind::ApologyRequired {
                rule: "breach".into(),
                tier: tier(),
                tiers: vec![],
            },
            r#"{"type":"apology_required","rule":"breach","tier":"manager"}"#,
        ),
        (
            EventKind::GestureRecommended {
                rule: "r".into(),
                gesture: escalate::recovery::GestureKind::Credit,
            },
            r#"{"type":"gesture_recommended","rule":"r","gesture":"credit"}"#,
        ),
        (
            EventKind::ReviewRequired { rule: "r".into() },
            r#"{"type":"review_required","rule":"r"}"#,
        ),
        (
            EventKind::Notified {
                rule: "churn".into(),
                who: "owner".into(),
                why: "left".into(),
                by: Some(at("2021-03-16T13:00:00Z")),
            },
            r#"{"type":"notified","rule":"churn","who":"owner","why":"left","by":"2021-03-16T13:00:00Z"}"#,
        ),
        (
            EventKind::RuleArmed {
                rule: "still".into(),
            },
            r#"{"type":"rule_armed","rule":"still"}"#,
        ),
        (
            EventKind::RuleDisarmed {
                rule: "still".into(),
            },
            r#"{"type":"rule_disarmed","rule":"still"}"#,
        ),
        (
            EventKind::PolicyAdopted {
                policy: "recommended-2".into(),
                fingerprint: None,
            },
            r#"{"type":"policy_adopted","policy":"recommended-2"}"#,
        ),
        (
            EventKind::PolicyAdopted {
                policy: "recommended-2".into(),
                fingerprint: Some("fedcba9876543210".parse().unwrap()),
            },
            r#"{"type":"policy_adopted","policy":"recommended-2","fingerprint":"fedcba9876543210"}"#,
        ),
    ]
}

#[test]
fn sla_rule_and_policy_events_have_pinned_json() {
    for (kind, expected) in golden_sla_and_rules() {
        assert_eq!(serde_json::to_string(&kind).unwrap(), expected);
        let back: EventKind = serde_json::from_str(expected).unwrap();
        assert_eq!(back, kind);
    }
}

#[test]
fn the_golden_lists_cover_every_event_kind() {
    // The names are read from the JSON tags; the expected list names every
    // kind, so a new kind needs a golden entry above and a name here.
    let seen: std::collections::BTreeSet<String> = golden()
        .into_iter()
        .chain(golden_sla_and_rules())
        .map(|(kind, _)| {
            serde_json::to_value(&kind).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected = [
        "opened",
        "contacted",
        "responded",
        "assigned",
        "handoff_offered",
        "handoff_accepted",
        "handoff_declined",
        "escalated",
        "failure_recorded",
        "promise_made",
        "promise_kept",
        "promise_broken",
        "awaiting_customer",
        "survey_answered",
        "priority_changed",
        "paused",
        "resumed",
        "churn_signalled",
        "resolved",
        "reopened",
        "resolution_confirmed",
        "closed",
        "gesture_offered",
        "offer_accepted",
        "offer_declined",
        "gesture_granted",
        "clock_started",
        "clock_retargeted",
        "clock_paused",
        "clock_resumed",
        "clock_stopped",
        "sla_warned",
        "sla_breached",
        "rule_fired",
        "owner_required",
        "escalation_required",
        "apology_required",
        "gesture_recommended",
        "review_required",
        "notified",
        "rule_armed",
        "rule_disarmed",
        "policy_adopted",
    ];
    assert_eq!(seen, expected.iter().map(|s| (*s).to_owned()).collect());
}

#[test]
fn event_envelope_json() {
    let event = Event::new(
        4,
        at("2021-03-08T16:00:00Z"),
        Actor::Agent(sam()),
        Some("c-4".parse().unwrap()),
        EventKind::Escalated {
            to: sam(),
            reason: "r".into(),
        },
    );
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(
        json,
        r#"{"version":4,"at":"2021-03-08T16:00:00Z","actor":{"agent":{"id":"sam","tier":"frontline"}},"command":"c-4","kind":{"type":"escalated","to":{"id":"sam","tier":"frontline"},"reason":"r"}}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
    let tick = Event::new(
        5,
        at("2021-03-08T16:00:00Z"),
        Actor::System,
        None,
        EventKind::Reopened,
    );
    let json = serde_json::to_string(&tick).unwrap();
    assert_eq!(
        json,
        r#"{"version":5,"at":"2021-03-08T16:00:00Z","actor":"system","kind":{"type":"reopened"}}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), tick);
}

#[test]
fn invalid_values_are_rejected_when_deserializing() {
    let bad_score = r#"{"type":"survey_answered","score":9,"comment":""}"#;
    let err = serde_json::from_str::<EventKind>(bad_score)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("invalid survey score 9: expected 1 to 5"),
        "{err}"
    );
    let bad_agent = r#"{"type":"assigned","to":{"id":"","tier":"frontline"}}"#;
    let err = serde_json::from_str::<EventKind>(bad_agent)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(r#"invalid agent id "": it is empty"#),
        "{err}"
    );
}

#[test]
fn every_command_kind_round_trips() {
    let kinds = vec![
        CommandKind::Open {
            customer: Customer::new("c".parse().unwrap(), CustomerValue::Standard),
            origin: Origin::Referral {
                from: "doctor's office".into(),
            },
            summary: "prescription".into(),
            priority: Priority::Normal,
        },
        CommandKind::Contact {
            channel: Channel::Voicemail,
            note: "call me".into(),
        },
        CommandKind::Respond {
            channel: Channel::Phone,
            note: "hi".into(),
            kind: ResponseKind::Answer,
        },
        CommandKind::Assign { to: sam() },
        CommandKind::HandOff { to: sam() },
        CommandKind::AcceptHandoff,
        CommandKind::DeclineHandoff,
        CommandKind::Escalate {
            to: sam(),
            reason: "breach".into(),
        },
        CommandKind::RecordFailure {
            kind: FailureKind::Attention,
            description: "no callback".into(),
            loss: None,
        },
        CommandKind::Promise {
            what: "coach staff".into(),
            due: at("2021-06-30T00:00:00Z"),
        },
        CommandKind::KeepPromise {
            promise: PromiseId::new(1),
        },
        CommandKind::BreakPromise {
            promise: PromiseId::new(1),
        },
        CommandKind::WaitOnCustomer {
            reason: "exam".into(),
        },
        CommandKind::AnswerSurvey {
            score: SurveyScore::new(2).unwrap(),
            comment: "".into(),
        },
        CommandKind::SignalChurn {
            note: "gone".into(),
        },
        CommandKind::Resolve {
            summary: "ok".into(),
        },
        CommandKind::ConfirmResolution,
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: Some(Review::new("no owner", "owner by the second contact").unwrap()),
        },
        CommandKind::Offer {
            gesture: Gesture::Credit {
                failures: vec![FailureId::new(1)],
                form: CreditForm::StoreCredit,
                amount: Money::new(2_000, Currency::USD),
            },
        },
        CommandKind::Grant {
            gestures: vec![
                Gesture::Apology {
                    failures: vec![FailureId::new(1)],
                    manner: Manner::Form,
                },
                Gesture::FullRefund {
                    failures: vec![FailureId::new(1)],
                    amount: Money::new(24_999, Currency::USD),
                    due: Entitlement::Owed,
                },
            ],
        },
        CommandKind::GrantOffer {
            offer: OfferId::new(1),
        },
        CommandKind::AcceptOffer {
            offer: OfferId::new(1),
        },
        CommandKind::DeclineOffer {
            offer: OfferId::new(1),
        },
        CommandKind::AdoptPolicy,
    ];
    for kind in kinds {
        let cmd = Command::new(
            "c-1".parse().unwrap(),
            Actor::System,
            at("2021-06-01T18:00:00Z"),
            kind,
        )
        .expecting(3);
        let json = serde_json::to_string(&cmd).unwrap();
        assert_eq!(
            serde_json::from_str::<Command>(&json).unwrap(),
            cmd,
            "{json}"
        );
    }
    let json = r#"{"id":"c-1","actor":"customer","at":"2021-06-01T18:00:00Z","kind":{"type":"contact","channel":"voicemail","note":"x"}}"#;
    let cmd: Command = serde_json::from_str(json).unwrap();
    assert_eq!(cmd.expected_version(), None);
    assert_eq!(serde_json::to_string(&cmd).unwrap(), json);
}
