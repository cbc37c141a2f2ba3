//! Money through the recovery guards: owed refunds never pay more than a
//! failure's loss in total, and every sum of money is checked (nothing
//! saturates at the ends of `i64`). Regression tests for issue 10
//! ("Money"), each with its message verbatim, and a property test of the
//! hard cap at the extremes.

mod support;

use chrono::{DateTime, TimeDelta, Utc};
use escalate::policy::Policy;
use escalate::recovery::{
    Audit, AuditStep, CreditForm, Currency, Entitlement, Gesture, GestureKind, GrantRefusal,
    Ledger, Manner, Money, MoneyError, MoneySum, Totals, Verdict, check_grant, recommend,
};
use escalate::{
    Actor, Case, Channel, CommandKind, CustomerValue, Event, EventKind, Failure, FailureId,
    FailureKind, Priority, Refusal,
};
use proptest::prelude::*;
use support::{Story, acting, agent, apology, at, f, grant, opening, usd, via};

/// A partial refund of `minor` US cents for `failures`, owed to the customer.
fn owed(failures: Vec<FailureId>, minor: i64) -> Gesture {
    Gesture::PartialRefund {
        failures,
        amount: usd(minor),
        due: Entitlement::Owed,
    }
}

/// A store credit of `minor` US cents for failure #1.
fn store_credit(minor: i64) -> Gesture {
    Gesture::Credit {
        failures: f(1),
        form: CreditForm::StoreCredit,
        amount: usd(minor),
    }
}

/// A case under the default policy, owned by ann (frontline), with one
/// failure recorded per loss in `losses` (US cents), the first a wrong
/// product, the others overcharges.
#[track_caller]
fn case_with_losses(losses: &[i64]) -> Story {
    let mut h = Story::starting("M-1", Policy::default(), at("2021-03-04T20:10:00Z"));
    h.ok(
        Actor::Customer,
        opening(
            "cust-9",
            CustomerValue::Standard,
            via(Channel::Phone),
            "charged twice",
            Priority::Normal,
        ),
    );
    h.ok(
        Actor::System,
        CommandKind::Assign {
            to: agent("ann", "frontline"),
        },
    );
    for (i, loss) in losses.iter().enumerate() {
        h.ok(
            Actor::System,
            CommandKind::RecordFailure {
                kind: if i == 0 {
                    FailureKind::Product
                } else {
                    FailureKind::Monetary
                },
                description: "charged twice".into(),
                loss: Some(usd(*loss)),
            },
        );
    }
    h
}

/// The refusal of a grant, which must be a guard's.
#[track_caller]
fn guard(r: Refusal) -> GrantRefusal {
    match r {
        Refusal::Grant(g) => g,
        other => panic!("not a guard's refusal: {other}"),
    }
}

// ------------------------------------------------------------ owed money

#[test]
fn owed_refunds_after_churn_stop_at_the_loss() {
    let mut h = case_with_losses(&[10_000]);
    h.ok(acting("ann", "frontline"), grant(vec![apology(f(1))]));
    h.ok(
        Actor::Customer,
        CommandKind::SignalChurn {
            note: "bought elsewhere".into(),
        },
    );
    let sue = acting("sue", "supervisor");
    // The loss itself is still owed after the customer left...
    h.ok(sue.clone(), grant(vec![owed(f(1), 10_000)]));
    // ...but only once: five more owed refunds of it are refused.
    for _ in 0..5 {
        let r = guard(h.refused(sue.clone(), grant(vec![owed(f(1), 10_000)])));
        assert_eq!(
            r.to_string(),
            "cannot grant an owed refund of USD 100.00 for failure #1: the customer's loss on it is USD 100.00, of which USD 100.00 was already refunded as owed; nothing more is owed"
        );
        assert_eq!(
            r,
            GrantRefusal::OwedBeyondLoss {
                failures: f(1),
                loss: usd(10_000),
                paid: usd(10_000),
                amount: usd(10_000),
            }
        );
    }
    assert_eq!(h.case.money_granted().to_string(), "USD 100.00");
    assert!(h.case.money_wasted().is_zero());
}

#[test]
fn owed_refunds_count_across_grants_and_within_one() {
    let mut h = case_with_losses(&[10_000]);
    let sue = acting("sue", "supervisor");
    h.ok(sue.clone(), grant(vec![owed(f(1), 6_000)]));
    let r = guard(h.refused(sue.clone(), grant(vec![owed(f(1), 6_000)])));
    assert_eq!(
        r.to_string(),
        "cannot grant an owed refund of USD 60.00 for failure #1: the customer's loss on it is USD 100.00, of which USD 60.00 was already refunded as owed; at most USD 40.00 more is owed"
    );
    // Two owed refunds in one command count together.
    let r = guard(h.refused(
        sue.clone(),
        grant(vec![owed(f(1), 2_000), owed(f(1), 3_000)]),
    ));
    assert_eq!(
        r,
        GrantRefusal::OwedBeyondLoss {
            failures: f(1),
            loss: usd(10_000),
            paid: usd(8_000),
            amount: usd(3_000),
        }
    );
    // What is left is still owed.
    h.ok(sue.clone(), grant(vec![owed(f(1), 4_000)]));
    assert_eq!(h.case.money_granted().to_string(), "USD 100.00");
    // However large the amount, the message says what is left.
    let r = guard(h.refused(sue, grant(vec![owed(f(1), 100_000_000)])));
    assert_eq!(
        r.to_string(),
        "cannot grant an owed refund of USD 1000000.00 for failure #1: the customer's loss on it is USD 100.00, of which USD 100.00 was already refunded as owed; nothing more is owed"
    );
}

#[test]
fn an_owed_refund_for_several_failures_pays_them_in_the_order_named() {
    // Failure #1 lost USD 100.00, #2 USD 50.00.
    let mut h = case_with_losses(&[10_000, 5_000]);
    let sue = acting("sue", "supervisor");
    // USD 120.00 for #1 and #2: USD 100.00 of it on #1, USD 20.00 on #2.
    h.ok(
        sue.clone(),
        grant(vec![owed(
            vec![FailureId::new(1), FailureId::new(2)],
            12_000,
        )]),
    );
    let r = guard(h.refused(
        sue.clone(),
        grant(vec![owed(vec![FailureId::new(2)], 4_000)]),
    ));
    assert_eq!(
        r.to_string(),
        "cannot grant an owed refund of USD 40.00 for failure #2: the customer's loss on it is USD 50.00, of which USD 20.00 was already refunded as owed; at most USD 30.00 more is owed"
    );
    let r = guard(h.refused(sue.clone(), grant(vec![owed(f(2), 3_001)])));
    assert_eq!(
        r.to_string(),
        "cannot grant an owed refund of USD 30.01 for failures #1 and #2: the customer's loss on them is USD 150.00, of which USD 120.00 was already refunded as owed; at most USD 30.00 more is owed"
    );
    h.ok(sue, grant(vec![owed(vec![FailureId::new(2)], 3_000)]));
    assert_eq!(h.case.money_granted().to_string(), "USD 150.00");
}

#[test]
fn the_audit_refuses_owed_money_beyond_the_loss_in_an_old_log() {
    let t: DateTime<Utc> = at("2021-03-05T10:00:00Z");
    let sue = acting("sue", "supervisor");
    let mut steps = vec![
        AuditStep::Failure(Failure::new(
            FailureId::new(1),
            FailureKind::Monetary,
            "charged twice",
            Some(usd(10_000)),
            t,
        )),
        AuditStep::Grant {
            by: sue.clone(),
            at: t,
            gestures: vec![apology(f(1))],
        },
        AuditStep::Churn(t + TimeDelta::hours(1)),
    ];
    // Six owed refunds of the USD 100.00 loss, as an older version let through.
    for i in 0..6 {
        steps.push(AuditStep::Grant {
            by: sue.clone(),
            at: t + TimeDelta::hours(2 + i),
            gestures: vec![owed(f(1), 10_000)],
        });
    }
    let policy = Policy::default();
    let report = Audit::of(chrono_tz::UTC, steps, policy.recovery(), policy.tiers());
    let verdicts: Vec<bool> = report
        .lines()
        .iter()
        .map(|l| l.verdict().is_allowed())
        .collect();
    assert_eq!(verdicts, [true, true, false, false, false, false, false]);
    assert_eq!(
        report.lines()[2].verdict(),
        &Verdict::Refused(vec![GrantRefusal::OwedBeyondLoss {
            failures: f(1),
            loss: usd(10_000),
            paid: usd(10_000),
            amount: usd(10_000),
        }])
    );
    assert_eq!(report.spent().get(Currency::USD).unwrap(), usd(60_000));
    assert_eq!(report.allowed().get(Currency::USD).unwrap(), usd(10_000));
    assert!(report.to_string().contains(
        "2021-03-05 13:00 UTC  sue (supervisor) granted a partial refund of USD 100.00: refused: cannot grant an owed refund of USD 100.00 for failure #1: the customer's loss on it is USD 100.00, of which USD 100.00 was already refunded as owed; nothing more is owed\n"
    ));
}

#[test]
fn the_audit_of_a_forged_event_log_refuses_the_extra_owed_refunds() {
    let mut h = case_with_losses(&[10_000]);
    let sue = acting("sue", "supervisor");
    h.ok(sue.clone(), grant(vec![owed(f(1), 10_000)]));
    // The grant's event, copied five times with the next version numbers.
    let mut log = h.log.clone();
    let last = log.last().cloned().unwrap();
    for n in 1..=5u64 {
        log.push(Event::new(
            last.version() + n,
            last.at() + TimeDelta::minutes(i64::try_from(n).unwrap()),
            sue.clone(),
            None,
            last.kind().clone(),
        ));
    }
    assert!(matches!(
        log.last().unwrap().kind(),
        EventKind::GestureGranted { .. }
    ));
    let report = escalate::replay::audit(log, &Policy::default()).unwrap();
    assert_eq!(report.spent().get(Currency::USD).unwrap(), usd(60_000));
    assert_eq!(report.allowed().get(Currency::USD).unwrap(), usd(10_000));
    let refused = report
        .lines()
        .iter()
        .filter(|l| {
            matches!(l.verdict(), Verdict::Refused(r)
                if matches!(r[..], [GrantRefusal::OwedBeyondLoss { .. }]))
        })
        .count();
    assert_eq!(refused, 5);
}

#[test]
fn recommend_never_suggests_money_beyond_what_is_still_owed() {
    // The wrong cabinet: USD 249.99; USD 200.00 of it was refunded as owed.
    let mut h = case_with_losses(&[24_999]);
    let sue = acting("sue", "supervisor");
    h.ok(sue.clone(), grant(vec![apology(f(1)), owed(f(1), 20_000)]));
    let next = h.case.recommend(&h.policy, at("2021-03-06T10:00:00Z"));
    let keep = next
        .iter()
        .find(|r| r.gesture() == GestureKind::PartialRefund)
        .unwrap();
    // 25-50% of the loss would be USD 62.49-124.99: only USD 49.99 is left.
    let share = keep.share().unwrap();
    assert_eq!((share.min(), share.max()), (usd(4_999), usd(4_999)));
    assert_eq!((share.min_bps(), share.max_bps()), (1_999, 1_999));
    assert_eq!(
        keep.to_string(),
        "partial refund for failure #1 worth USD 49.99 (if the customer keeps the item), by supervisor"
    );
    // Once the whole loss is refunded, no money is suggested for it.
    h.ok(sue, grant(vec![owed(f(1), 4_999)]));
    let next = h.case.recommend(&h.policy, at("2021-03-06T10:00:00Z"));
    assert!(next.iter().all(|r| !r.gesture().is_monetary()), "{next:?}");
}

// ------------------------------------------------------ checked arithmetic

/// A hand-built ledger with one failure per loss (US cents), and an
/// apology naming the first.
fn ledger_with_losses(losses: &[i64]) -> Ledger {
    let t = at("2021-03-05T10:00:00Z");
    let mut ledger = Ledger::default();
    for (i, loss) in losses.iter().enumerate() {
        let id = FailureId::new(u32::try_from(i + 1).unwrap());
        ledger.record_failure(Failure::new(
            id,
            FailureKind::Monetary,
            "lost",
            Some(usd(*loss)),
            t,
        ));
    }
    ledger.record_grant(apology(f(1)), Actor::System, t, None);
    ledger
}

/// The executive of the default policy, who may grant up to the hard cap.
fn eve() -> Actor {
    acting("eve", "executive")
}

#[test]
fn the_hard_cap_holds_at_the_top_of_i64() {
    let policy = Policy::default();
    let check = |ledger: &Ledger, g: Gesture| {
        check_grant(ledger, policy.recovery(), policy.tiers(), &eve(), &[g])
    };
    let mut ledger = ledger_with_losses(&[i64::MAX]);
    assert!(check(&ledger, store_credit(i64::MAX)).is_empty());
    ledger.record_grant(
        store_credit(i64::MAX),
        eve(),
        at("2021-03-05T11:00:00Z"),
        None,
    );
    // The total would be twice i64::MAX: it used to saturate at i64::MAX,
    // which is within 150% of the loss, and pass.
    let breaches = check(&ledger, store_credit(i64::MAX));
    assert_eq!(
        breaches,
        [GrantRefusal::OutOfRange {
            gesture: GestureKind::Credit,
            amount: usd(i64::MAX),
            sum: MoneySum::Compensation,
        }]
    );
    assert_eq!(
        breaches[0].to_string(),
        "cannot grant a credit of USD 92233720368547758.07: the total compensation in USD would not fit in 64-bit minor units (out of range)"
    );
    assert!(!check(&ledger, store_credit(1)).is_empty());
    // Read-only summaries say so rather than report a saturated number.
    ledger.record_grant(
        store_credit(i64::MAX),
        eve(),
        at("2021-03-05T12:00:00Z"),
        None,
    );
    let comp = ledger.compensation();
    assert_eq!(comp.out_of_range(), [Currency::USD]);
    assert_eq!(
        comp.get(Currency::USD),
        Err(MoneyError::TotalOutOfRange(Currency::USD))
    );
    assert_eq!(comp.to_string(), "USD out of range");
    assert!(!comp.is_zero());
    assert_eq!(
        ledger.money_granted().get(Currency::USD),
        Err(MoneyError::TotalOutOfRange(Currency::USD))
    );
}

#[test]
fn a_loss_beyond_i64_refuses_money_and_is_reported_out_of_range() {
    let policy = Policy::default();
    let ledger = ledger_with_losses(&[i64::MAX, i64::MAX]);
    // The loss used to saturate at i64::MAX.
    assert_eq!(
        ledger.loss(Currency::USD),
        Err(MoneyError::TotalOutOfRange(Currency::USD))
    );
    assert_eq!(
        MoneyError::TotalOutOfRange(Currency::USD).to_string(),
        "the total in USD does not fit in 64-bit minor units"
    );
    let breaches = check_grant(
        &ledger,
        policy.recovery(),
        policy.tiers(),
        &eve(),
        &[store_credit(1)],
    );
    assert_eq!(
        breaches[0].to_string(),
        "cannot grant a credit of USD 0.01: the customer's loss in USD does not fit in 64-bit minor units (out of range)"
    );
    // An owed refund on two failures whose losses do not add up in 64 bits.
    let two = owed(vec![FailureId::new(1), FailureId::new(2)], 1);
    let breaches = check_grant(&ledger, policy.recovery(), policy.tiers(), &eve(), &[two]);
    assert_eq!(
        breaches,
        [GrantRefusal::OutOfRange {
            gesture: GestureKind::PartialRefund,
            amount: usd(1),
            sum: MoneySum::Loss,
        }]
    );
    // Recommendations do not name a tier for money that cannot be counted.
    let next = recommend(
        &ledger,
        policy.recovery(),
        policy.tiers(),
        at("2021-03-06T10:00:00Z"),
    );
    assert!(
        next.iter()
            .filter(|r| r.gesture().is_monetary())
            .all(|r| r.tier().is_none())
    );
}

#[test]
fn owed_refunds_at_the_top_of_i64() {
    let policy = Policy::default();
    let mut ledger = ledger_with_losses(&[i64::MAX]);
    let check = |ledger: &Ledger, g: Gesture| {
        check_grant(ledger, policy.recovery(), policy.tiers(), &eve(), &[g])
    };
    assert!(check(&ledger, owed(f(1), i64::MAX)).is_empty());
    ledger.record_grant(
        owed(f(1), i64::MAX),
        eve(),
        at("2021-03-05T11:00:00Z"),
        None,
    );
    assert!(matches!(
        check(&ledger, owed(f(1), 1))[..],
        [GrantRefusal::OwedBeyondLoss { .. }]
    ));
}

#[test]
fn negative_money_in_a_forged_ledger_does_not_make_room_under_the_caps() {
    let policy = Policy::default();
    let mut ledger = ledger_with_losses(&[10_000]);
    // A credit of minus one million dollars, as only a forged log holds.
    ledger.record_grant(
        store_credit(-100_000_000),
        eve(),
        at("2021-03-05T11:00:00Z"),
        None,
    );
    let breaches = check_grant(
        &ledger,
        policy.recovery(),
        policy.tiers(),
        &eve(),
        &[store_credit(500_000)],
    );
    assert_eq!(
        breaches[0].to_string(),
        "cannot bring total compensation to USD 5000.00: the hard cap is 150.00% of the customer's loss of USD 100.00, USD 150.00 at most"
    );
}

#[test]
fn totals_never_saturate() {
    let mut t = Totals::default();
    t.add(Money::new(i64::MAX, Currency::USD));
    t.add(Money::new(500, Currency::EUR));
    assert_eq!(t.get(Currency::USD), Ok(usd(i64::MAX)));
    t.add(usd(1));
    assert_eq!(
        t.get(Currency::USD),
        Err(MoneyError::TotalOutOfRange(Currency::USD))
    );
    // Out of range stays out of range, even if a later amount would bring it back.
    t.add(usd(-1));
    assert_eq!(t.out_of_range(), [Currency::USD]);
    assert_eq!(t.amounts(), [Money::new(500, Currency::EUR)]);
    assert_eq!(t.to_string(), "EUR 5.00 + USD out of range");
    let mut low = Totals::default();
    low.add(Money::new(i64::MIN, Currency::CAD));
    low.add(Money::new(-1, Currency::CAD));
    assert_eq!(low.out_of_range(), [Currency::CAD]);
}

#[test]
fn the_audit_of_extreme_amounts_does_not_panic_and_says_out_of_range() {
    let t = at("2021-03-05T10:00:00Z");
    let steps = [
        AuditStep::Failure(Failure::new(
            FailureId::new(1),
            FailureKind::Monetary,
            "lost",
            Some(usd(i64::MAX)),
            t,
        )),
        AuditStep::Churn(t),
        AuditStep::Grant {
            by: eve(),
            at: t,
            gestures: vec![
                apology(f(1)),
                store_credit(i64::MAX),
                store_credit(i64::MAX),
            ],
        },
    ];
    let policy = Policy::default();
    let report = Audit::of(chrono_tz::UTC, steps, policy.recovery(), policy.tiers());
    assert_eq!(report.spent().out_of_range(), [Currency::USD]);
    assert_eq!(report.wasted().out_of_range(), [Currency::USD]);
    assert!(report.allowed().is_zero());
    assert!(report.to_string().ends_with(
        "spent USD out of range; the policy would have allowed nothing; wasted after the customer left USD out of range\n"
    ));
}

// ------------------------------------------------------------ properties

/// Amounts anywhere in `i64`, most near the ends or near zero.
fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => (0i64..1_000).prop_map(|d| i64::MAX - d),
        1 => (0i64..1_000).prop_map(|d| i64::MIN + d),
        2 => (i64::MAX / 4 - 1_000)..(i64::MAX / 4 + 1_000),
        2 => -10i64..100_000,
        1 => any::<i64>(),
    ]
}

/// Money-bearing gestures for failures #1 and #2, owed or not.
fn gesture() -> impl Strategy<Value = Gesture> {
    (0u8..6, 1u32..3, amount()).prop_map(|(kind, failure, minor)| {
        let failures = vec![FailureId::new(failure)];
        match kind {
            0 => Gesture::Credit {
                failures,
                form: CreditForm::GiftCard,
                amount: usd(minor),
            },
            1 => Gesture::PartialRefund {
                failures,
                amount: usd(minor),
                due: Entitlement::Discretionary,
            },
            2 => Gesture::PartialRefund {
                failures,
                amount: usd(minor),
                due: Entitlement::Owed,
            },
            3 => Gesture::FullRefund {
                failures: vec![FailureId::new(1), FailureId::new(2)],
                amount: usd(minor),
                due: Entitlement::Owed,
            },
            4 => Gesture::KeepItem {
                failures,
                value: usd(minor),
            },
            _ => Gesture::Apology {
                failures,
                manner: Manner::Personal,
            },
        }
    })
}

/// The gesture's money as an exact number, and whether it is owed.
fn money_of(g: &Gesture) -> Option<(i128, bool)> {
    g.cost()
        .map(|m| (i128::from(m.minor()), g.entitlement() == Entitlement::Owed))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Whatever the amounts, `check_grant` refuses, or the compensation
    /// granted stays within the hard cap and the owed money on each failure
    /// within its loss, computed exactly in `i128`; nothing panics, and the
    /// summaries either hold the exact totals or say they are out of range.
    #[test]
    fn the_caps_hold_exactly_whatever_the_amounts(
        losses in prop::collection::vec(amount(), 1..3),
        grants in prop::collection::vec((prop::sample::select(vec!["supervisor", "manager", "executive"]), any::<bool>(), prop::collection::vec(gesture(), 1..4)), 1..12),
        churn_after in 0usize..12,
    ) {
        let policy = Policy::default();
        let t = at("2021-03-05T10:00:00Z");
        let mut ledger = Ledger::default();
        for (i, loss) in losses.iter().enumerate() {
            ledger.record_failure(Failure::new(
                FailureId::new(u32::try_from(i + 1).unwrap()), FailureKind::Monetary, "lost", Some(usd(*loss)), t,
            ));
        }
        let total_loss: i128 = losses.iter().map(|l| i128::from(*l)).sum();
        let owed_room: i128 = losses.iter().map(|l| i128::from(*l).max(0)).sum();
        let (mut discretionary, mut owed_total) = (0i128, 0i128);
        for (n, (tier, sorry, mut gestures)) in grants.into_iter().enumerate() {
            if n == churn_after {
                ledger.record_churn(t);
            }
            if sorry {
                gestures.insert(0, apology(f(1)));
            }
            let actor = Actor::Agent(agent("x", tier));
            let breaches = check_grant(&ledger, policy.recovery(), policy.tiers(), &actor, &gestures);
            if !breaches.is_empty() {
                for b in &breaches {
                    prop_assert!(!b.to_string().is_empty());
                }
                continue;
            }
            for g in gestures {
                if let Some((minor, is_owed)) = money_of(&g) {
                    prop_assert!(minor > 0);
                    if is_owed { owed_total += minor } else { discretionary += minor }
                }
                ledger.record_grant(g, actor.clone(), t, None);
            }
            // Compensation never exceeds the hard cap of the loss.
            prop_assert!(discretionary == 0
                || discretionary * 10_000 <= total_loss * i128::from(policy.recovery().hard_cap_bps()),
                "compensation {} on a loss of {}", discretionary, total_loss);
            // Owed money never exceeds the losses it is owed on.
            prop_assert!(owed_total <= owed_room, "owed {} on losses of {}", owed_total, owed_room);
            // Summaries hold the exact totals, or say they are out of range.
            let exact = |sum: i128| i64::try_from(sum).map(usd).map_err(|_| MoneyError::TotalOutOfRange(Currency::USD));
            prop_assert_eq!(ledger.compensation().get(Currency::USD), exact(discretionary));
            prop_assert_eq!(ledger.money_granted().get(Currency::USD), exact(discretionary + owed_total));
            let _ = ledger.money_wasted().to_string();
            let _ = recommend(&ledger, policy.recovery(), policy.tiers(), t);
        }
        let _ = ledger.loss(Currency::USD);
    }
}

#[test]
fn case_summaries_read_the_same_totals() {
    let mut h = case_with_losses(&[10_000]);
    let sue = acting("sue", "supervisor");
    h.ok(sue, grant(vec![apology(f(1)), store_credit(2_000)]));
    let case: &Case = &h.case;
    assert_eq!(case.compensation().get(Currency::USD), Ok(usd(2_000)));
    assert_eq!(case.ledger().loss(Currency::USD), Ok(usd(10_000)));
}
