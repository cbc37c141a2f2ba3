//! Benchmarks for `escalate::recovery`: `recommend` on a case with 10
//! failures and 10 granted gestures.
//!
//! Run: `cargo bench --bench recovery -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use escalate::policy::Policy;
use escalate::recovery::{
    CreditForm, Currency, Entitlement, Gesture, Manner, Money, Repair, Waived,
};
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, FailureId,
    FailureKind, Origin,
};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 4, 15, 0, 0).unwrap()
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

/// An owned case with 10 failures of every kind (USD 100.00 each where
/// money was lost) and 10 gestures granted by an executive, some failures
/// still unremedied so that `recommend` has work to do.
fn case() -> (Case, Policy, DateTime<Utc>) {
    let policy = Policy::default();
    let exec = Agent::new("eve".parse().unwrap(), "executive".parse().unwrap());
    let mut case = Case::new("B-1".parse().unwrap());
    let mut t = start();
    let mut n = 0;
    let mut run = |case: &mut Case, actor: Actor, kind: CommandKind| {
        n += 1;
        t += TimeDelta::minutes(1);
        let cmd = Command::new(format!("c{n}").parse().unwrap(), actor, t, kind);
        for event in case.handle(&policy, cmd, t).unwrap() {
            case.apply(&event).unwrap();
        }
        t
    };
    run(
        &mut case,
        Actor::Customer,
        CommandKind::Open {
            customer: Customer::new("cust".parse().unwrap(), CustomerValue::Standard),
            origin: Origin::Contact {
                channel: Channel::Email,
            },
            summary: "everything went wrong".into(),
            priority: escalate::Priority::Normal,
        },
    );
    run(
        &mut case,
        Actor::System,
        CommandKind::Assign { to: exec.clone() },
    );
    let kinds = [
        FailureKind::Product,
        FailureKind::Service,
        FailureKind::Monetary,
        FailureKind::Attention,
    ];
    for i in 0..10 {
        let kind = kinds[i % 4];
        run(
            &mut case,
            Actor::System,
            CommandKind::RecordFailure {
                kind,
                description: "failure".into(),
                loss: (kind != FailureKind::Attention).then(|| usd(10_000)),
            },
        );
    }
    let gestures = gestures();
    let now = run(
        &mut case,
        Actor::Agent(exec),
        CommandKind::Grant { gestures },
    );
    assert_eq!(case.failures().len(), 10);
    assert_eq!(case.granted().len(), 10);
    (case, policy, now)
}

/// Ten gestures over the first nine failures; #5, #8, #9 and #10 stay
/// unremedied.
fn gestures() -> Vec<Gesture> {
    let id = FailureId::new;
    vec![
        Gesture::Apology {
            failures: (1..=6).map(id).collect(),
            manner: Manner::Personal,
        },
        Gesture::Repair {
            failures: vec![id(1)],
            repair: Repair::Exchange,
            cost: Some(usd(1_500)),
        },
        Gesture::Repair {
            failures: vec![id(2)],
            repair: Repair::Reperform,
            cost: None,
        },
        Gesture::PartialRefund {
            failures: vec![id(3)],
            amount: usd(10_000),
            due: Entitlement::Discretionary,
        },
        Gesture::Waive {
            failures: vec![id(4)],
            waived: Waived::Demand,
            note: "withdrawn".into(),
        },
        Gesture::Credit {
            failures: vec![id(5)],
            form: CreditForm::GiftCard,
            amount: usd(2_000),
        },
        Gesture::Credit {
            failures: vec![id(6)],
            form: CreditForm::StoreCredit,
            amount: usd(1_000),
        },
        Gesture::Repair {
            failures: vec![id(6)],
            repair: Repair::Expedite,
            cost: None,
        },
        Gesture::FullRefund {
            failures: vec![id(7)],
            amount: usd(10_000),
            due: Entitlement::Owed,
        },
        Gesture::KeepItem {
            failures: vec![id(9)],
            value: usd(5_000),
        },
    ]
}

fn recommend_bench(c: &mut Criterion) {
    let (case, policy, now) = case();
    assert!(!case.recommend(&policy, now).is_empty());
    c.bench_function("recovery/recommend_10_failures_10_gestures", |b| {
        b.iter(|| black_box(&case).recommend(black_box(&policy), black_box(now)));
    });
}

criterion_group!(benches, recommend_bench);
criterion_main!(benches);
