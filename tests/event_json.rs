//! Reading events from JSON: `Event`'s reader, which reads an event kind
//! whose `"type"` comes first without buffering it, accepts exactly what
//! serde's derived reader for the internally tagged `EventKind` accepted,
//! with the same result.
//!
//! The oracle is that derived reader, kept here as a `remote` definition
//! of `EventKind` with the attributes `src/case/event.rs` had. Events come
//! from the golden log, from generated command sequences run under the
//! recommended policy and random ones, and from a hand-written event of
//! every kind the others may miss. Each is read as written, with its keys
//! in other orders (the tag last, shuffled, unknown fields added), and
//! mutated into malformed JSON (tag missing, unknown or repeated, fields
//! missing or of the wrong type, the text cut short): the reader and the
//! oracle agree on every one, and neither panics.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use escalate::policy::{PauseName, Policy, PolicyFingerprint};
use escalate::recovery::{Gesture, GestureKind, Money, OfferId, Review};
use escalate::sla::{CalendarName, ClockId, Metric, Threshold};
use escalate::testing::{Knobs, Schedule, commands, policies, run};
use escalate::{
    Actor, Agent, AgentId, CaseId, Channel, CommandId, Customer, CustomerId, Event, EventKind,
    FailureId, FailureKind, Opened, Outcome, Priority, PromiseId, ResponseKind, SurveyScore, Text,
    Tier,
};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde::Deserialize;
use serde_json::Value;

/// The derived reader of `EventKind` before it read the tag first: serde's
/// internally tagged enum, which buffers the object.
#[derive(Deserialize)]
#[serde(remote = "EventKind", rename_all = "snake_case", tag = "type")]
#[allow(dead_code)] // only its deserializer is used
enum RefKind {
    Opened(Arc<Opened>),
    Contacted {
        channel: Channel,
        note: Text,
    },
    Responded {
        channel: Channel,
        note: Text,
        kind: ResponseKind,
    },
    Assigned {
        to: Agent,
    },
    HandoffOffered {
        to: Agent,
    },
    HandoffAccepted {
        by: Agent,
    },
    HandoffDeclined {
        by: Agent,
    },
    Escalated {
        to: Agent,
        reason: Text,
    },
    FailureRecorded {
        failure: FailureId,
        kind: FailureKind,
        description: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loss: Option<Money>,
    },
    PromiseMade {
        promise: PromiseId,
        what: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
    },
    PromiseKept {
        promise: PromiseId,
    },
    PromiseBroken {
        promise: PromiseId,
    },
    PriorityChanged {
        priority: Priority,
    },
    AwaitingCustomer {
        reason: Text,
    },
    Paused {
        reason: PauseName,
        note: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<Utc>>,
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        ends_on_contact: bool,
    },
    Resumed,
    SurveyAnswered {
        score: SurveyScore,
        comment: Text,
    },
    ChurnSignalled {
        note: Text,
    },
    Resolved {
        summary: Text,
    },
    Reopened,
    ResolutionConfirmed,
    Closed {
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        review: Option<Review>,
    },
    GestureOffered {
        offer: OfferId,
        gesture: Gesture,
    },
    OfferAccepted {
        offer: OfferId,
    },
    OfferDeclined {
        offer: OfferId,
    },
    GestureGranted {
        gesture: Gesture,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offer: Option<OfferId>,
    },
    ClockStarted {
        clock: ClockId,
        metric: Metric,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        promise: Option<PromiseId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<Channel>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tier: Option<Tier>,
        #[serde(rename = "target_seconds", with = "seconds")]
        target: TimeDelta,
        calendar: CalendarName,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
    },
    ClockRetargeted {
        clock: ClockId,
        #[serde(rename = "target_seconds", with = "seconds")]
        target: TimeDelta,
        calendar: CalendarName,
        #[serde(rename = "consumed_seconds", with = "seconds")]
        consumed: TimeDelta,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
    },
    ClockPaused {
        clock: ClockId,
        #[serde(rename = "consumed_seconds", with = "seconds")]
        consumed: TimeDelta,
    },
    ClockResumed {
        clock: ClockId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
    },
    ClockStopped {
        clock: ClockId,
        #[serde(rename = "consumed_seconds", with = "seconds")]
        consumed: TimeDelta,
        #[serde(
            rename = "late_by_seconds",
            default,
            skip_serializing_if = "Option::is_none",
            with = "seconds::option"
        )]
        late_by: Option<TimeDelta>,
    },
    SlaWarned {
        clock: ClockId,
        threshold: Threshold,
    },
    SlaBreached {
        clock: ClockId,
    },
    RuleFired {
        rule: Text,
        when: Text,
    },
    OwnerRequired {
        rule: Text,
        tier: Tier,
    },
    EscalationRequired {
        rule: Text,
        tier: Tier,
    },
    ApologyRequired {
        rule: Text,
        tier: Tier,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tiers: Vec<Tier>,
    },
    GestureRecommended {
        rule: Text,
        gesture: GestureKind,
    },
    ReviewRequired {
        rule: Text,
    },
    Notified {
        rule: Text,
        who: Text,
        why: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<DateTime<Utc>>,
    },
    RuleArmed {
        rule: Text,
    },
    RuleDisarmed {
        rule: Text,
    },
    PolicyAdopted {
        policy: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fingerprint: Option<PolicyFingerprint>,
    },
}

fn yes() -> bool {
    true
}

/// `crate::sla::seconds` as the crate has it.
mod seconds {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let secs = i64::deserialize(d)?;
        TimeDelta::try_seconds(secs)
            .ok_or_else(|| serde::de::Error::custom(format!("{secs} seconds is out of range")))
    }

    pub mod option {
        use chrono::TimeDelta;
        use serde::{Deserialize, Deserializer};

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeDelta>, D::Error> {
            Option::<i64>::deserialize(d)?
                .map(|secs| {
                    TimeDelta::try_seconds(secs).ok_or_else(|| {
                        serde::de::Error::custom(format!("{secs} seconds is out of range"))
                    })
                })
                .transpose()
        }
    }
}

/// The derived reader of `Event` around [`RefKind`] (named `Event`, as
/// serde's messages name the type).
mod derived {
    use chrono::{DateTime, Utc};
    use escalate::{Actor, CommandId, EventKind};
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Event {
        pub version: u64,
        pub at: DateTime<Utc>,
        pub actor: Actor,
        #[serde(default)]
        pub command: Option<CommandId>,
        #[serde(with = "super::RefKind")]
        pub kind: EventKind,
    }
}

/// `json` read by the oracle.
fn oracle(json: &str) -> Result<Event, String> {
    serde_json::from_str::<derived::Event>(json)
        .map(|e| Event::new(e.version, e.at, e.actor, e.command, e.kind))
        .map_err(|e| e.to_string())
}

/// `json` read by the crate.
fn read(json: &str) -> Result<Event, String> {
    serde_json::from_str::<Event>(json).map_err(|e| e.to_string())
}

/// An error message without `serde_json`'s position (the reader that does
/// not buffer reports a place inside the event kind where the buffering
/// one reported its end).
fn without_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

/// Whether the reader's error message is the oracle's, but for the
/// position, or for the differences between `serde_json` reading a value
/// straight from the text and serde reading it from its buffer:
///
/// - an enum (a channel, a metric) from a value that is neither a string
///   nor an object with one key: `serde_json` says "expected value" (or
///   which character it expected, at the value) where the buffer said
///   "invalid type: ..., expected string or map" or "invalid value: map,
///   expected map with a single key";
/// - a struct (an agent) from an array longer than its fields: `serde_json`
///   says "trailing characters" where the buffer said "invalid length 3,
///   expected 2 elements in sequence".
fn same_error(ours: &str, theirs: &str) -> bool {
    let (ours, theirs) = (without_position(ours), without_position(theirs));
    let enum_shape = theirs.ends_with(", expected string or map")
        || theirs.ends_with(", expected map with a single key");
    let long_array = theirs.starts_with("invalid length ")
        && theirs.ends_with(" elements in sequence")
        && ours == "trailing characters";
    ours == theirs || (enum_shape && ours.starts_with("expected ")) || long_array
}

/// The reader and the oracle agree on `json`: the same event, or both an
/// error (with the same message, as [`same_error`] says, when
/// `same_message`).
fn agree(json: &str, same_message: bool) -> Result<Option<Event>, TestCaseError> {
    match (read(json), oracle(json)) {
        (Ok(ours), Ok(theirs)) => {
            prop_assert_eq!(&ours, &theirs, "{}", json);
            Ok(Some(ours))
        }
        (Err(ours), Err(theirs)) => {
            prop_assert!(!ours.is_empty());
            if same_message {
                prop_assert!(
                    same_error(&ours, &theirs),
                    "{}: {} / {}",
                    json,
                    ours,
                    theirs
                );
            }
            Ok(None)
        }
        (ours, theirs) => Err(TestCaseError::fail(format!(
            "{json}\nread: {ours:?}\noracle: {theirs:?}"
        ))),
    }
}

/// A small deterministic generator (xorshift), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap()).unwrap()
    }
}

/// How [`write`] orders an object's keys.
#[derive(Clone, Copy, Debug)]
enum Order {
    /// `serde_json`'s (sorted) order.
    Sorted,
    /// The tag (if any) first, the others shuffled.
    TagFirst,
    /// The tag (if any) last.
    TagLast,
    /// Shuffled.
    Shuffled,
}

/// `value` as JSON with the keys of every object in `order`.
fn write(value: &Value, order: Order, rng: &mut Rng) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            match order {
                Order::Sorted => {}
                Order::TagFirst | Order::Shuffled => {
                    for i in (1..entries.len()).rev() {
                        entries.swap(i, rng.below(i + 1));
                    }
                    if matches!(order, Order::TagFirst) {
                        entries.sort_by_key(|(k, _)| *k != "type");
                    }
                }
                Order::TagLast => entries.sort_by_key(|(k, _)| *k == "type"),
            }
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        serde_json::to_string(k).unwrap(),
                        write(v, order, rng)
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|v| write(v, order, rng)).collect();
            format!("[{}]", inner.join(","))
        }
        other => serde_json::to_string(other).unwrap(),
    }
}

/// Values of the wrong type, or of the right type but invalid.
fn odd_value(rng: &mut Rng) -> Value {
    let odd = [
        Value::Null,
        Value::Bool(true),
        serde_json::json!(-1),
        serde_json::json!(1.5),
        serde_json::json!(u64::MAX),
        serde_json::json!(""),
        serde_json::json!("x"),
        serde_json::json!("type"),
        serde_json::json!("2021-02-30T00:00:00Z"),
        serde_json::json!([]),
        serde_json::json!(["contacted", "phone", "hi"]),
        serde_json::json!({}),
        serde_json::json!({"type": "resumed"}),
    ];
    odd[rng.below(odd.len())].clone()
}

/// `event` (an object) with one mutation, mostly in its kind.
fn mutate(event: &Value, rng: &mut Rng) -> Value {
    let mut event = event.clone();
    let in_kind = rng.below(4) != 0;
    let target = if in_kind {
        event.get_mut("kind").unwrap()
    } else {
        &mut event
    };
    let Value::Object(map) = target else {
        return event;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    let key = keys[rng.below(keys.len())].clone();
    match rng.below(6) {
        0 => {
            map.remove(&key);
        }
        1 => {
            map.insert(key, odd_value(rng));
        }
        2 => {
            let tags = ["teleported", "Contacted", "opened", "resumed", "closed", ""];
            map.insert("type".into(), tags[rng.below(tags.len())].into());
        }
        3 => {
            map.insert("unknown_field".into(), odd_value(rng));
        }
        4 => {
            // A nested value changed.
            if let Some(Value::Object(inner)) = map.get_mut(&key) {
                if let Some(k) = inner.keys().next().cloned() {
                    inner.insert(k, odd_value(rng));
                }
            } else {
                map.insert(key, odd_value(rng));
            }
        }
        _ => {
            *target_of(&mut event, in_kind) = odd_value(rng);
        }
    }
    event
}

fn target_of(event: &mut Value, in_kind: bool) -> &mut Value {
    if in_kind {
        event.get_mut("kind").unwrap()
    } else {
        event
    }
}

/// Every check on one stored line: read as written, in other orders, and
/// mutated.
fn check_line(line: &str, seed: u64) -> Result<(), TestCaseError> {
    let mut rng = Rng(seed | 1);
    let event = agree(line, true)?;
    let event = event.ok_or_else(|| TestCaseError::fail(format!("{line} does not read")))?;
    // Writing it again gives the same line.
    prop_assert_eq!(serde_json::to_string(&event).unwrap(), line);
    let value: Value = serde_json::from_str(line).unwrap();
    for order in [
        Order::Sorted,
        Order::TagFirst,
        Order::TagLast,
        Order::Shuffled,
    ] {
        let json = write(&value, order, &mut rng);
        let read_again = agree(&json, true)?;
        prop_assert_eq!(read_again.as_ref(), Some(&event), "{}", json);
    }
    // An unknown field anywhere in the kind is ignored.
    let mut extra = value.clone();
    extra["kind"]["zz_unknown"] = serde_json::json!({"a": [1, 2]});
    for order in [Order::TagFirst, Order::Shuffled] {
        let json = write(&extra, order, &mut rng);
        prop_assert_eq!(agree(&json, true)?, Some(event.clone()), "{}", json);
    }
    // Mutated: the same verdict; the same message but for its position
    // when the tag comes last (both read the kind from a buffer then).
    for _ in 0..8 {
        let mutated = mutate(&value, &mut rng);
        for order in [Order::TagFirst, Order::TagLast, Order::Shuffled] {
            agree(&write(&mutated, order, &mut rng), true)?;
        }
    }
    // A second tag, before the first or after it.
    let kind_at = line.find(r#""kind":{"#).unwrap() + r#""kind":{"#.len();
    let tag = format!(r#""type":{}"#, value["kind"]["type"]);
    prop_assert!(line[kind_at..].starts_with(&tag));
    let after_tag = kind_at + tag.len();
    for second in [r#""type":"resumed""#, r#""type":5"#] {
        let before = format!("{}{second},{}", &line[..kind_at], &line[kind_at..]);
        agree(&before, true)?;
        let after = format!("{},{second}{}", &line[..after_tag], &line[after_tag..]);
        let error = read(&after).unwrap_err();
        prop_assert!(
            error.contains("duplicate field `type`"),
            "{}: {}",
            after,
            error
        );
        agree(&after, true)?;
    }
    // Cut short anywhere.
    for _ in 0..4 {
        let mut cut = rng.below(line.len());
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        agree(&line[..cut], true)?;
    }
    Ok(())
}

/// The event kinds of the lines.
fn kinds<'a>(lines: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    lines
        .into_iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["kind"]["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn golden() -> Vec<String> {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/golden-events-v1.jsonl"
    ))
    .unwrap()
    .lines()
    .map(str::to_owned)
    .collect()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// One event of every kind, with every optional field given (and some
/// without them).
#[allow(clippy::too_many_lines)] // one event per kind
fn every_kind() -> Vec<Event> {
    let agent = Agent::new("dana".parse().unwrap(), "supervisor".parse().unwrap());
    let tier: Tier = "supervisor".parse().unwrap();
    let t = at("2021-03-08T14:00:00Z");
    let due = Some(at("2021-03-08T18:00:00.250Z"));
    let clock = ClockId::new(3);
    let calendar: CalendarName = "business".parse().unwrap();
    let money = Money::new(24_999, escalate::recovery::Currency::USD);
    let fingerprint: PolicyFingerprint = Policy::recommended().fingerprint();
    let gesture = Gesture::Apology {
        failures: vec![FailureId::new(1), FailureId::new(2)],
        manner: escalate::recovery::Manner::Personal,
    };
    let opened = Opened {
        case: CaseId::new("CAB-1").unwrap(),
        customer: Customer::new(
            CustomerId::new("cust-9").unwrap(),
            escalate::CustomerValue::HighValue,
        ),
        origin: escalate::Origin::Referral {
            from: "the doctor's office".into(),
        },
        summary: "wrong cabinet \"delivered\" \u{e9}".into(),
        priority: Priority::High,
        policy: "2021-03".into(),
        policy_fingerprint: Some(fingerprint),
        time_zone: "America/New_York".parse().unwrap(),
    };
    let kinds = vec![
        EventKind::Opened(Arc::new(opened)),
        EventKind::Contacted {
            channel: Channel::Voicemail,
            note: "call back".into(),
        },
        EventKind::Responded {
            channel: Channel::Email,
            note: "see the FAQ".into(),
            kind: ResponseKind::Deflection,
        },
        EventKind::Assigned { to: agent.clone() },
        EventKind::HandoffOffered { to: agent.clone() },
        EventKind::HandoffAccepted { by: agent.clone() },
        EventKind::HandoffDeclined { by: agent.clone() },
        EventKind::Escalated {
            to: agent.clone(),
            reason: "breach".into(),
        },
        EventKind::FailureRecorded {
            failure: FailureId::new(1),
            kind: FailureKind::Product,
            description: "wrong cabinet".into(),
            loss: Some(money),
        },
        EventKind::FailureRecorded {
            failure: FailureId::new(2),
            kind: FailureKind::Product,
            description: "late".into(),
            loss: None,
        },
        EventKind::PromiseMade {
            promise: PromiseId::new(1),
            what: "call".into(),
            due,
        },
        EventKind::PromiseMade {
            promise: PromiseId::new(2),
            what: "call".into(),
            due: None,
        },
        EventKind::PromiseKept {
            promise: PromiseId::new(1),
        },
        EventKind::PromiseBroken {
            promise: PromiseId::new(2),
        },
        EventKind::PriorityChanged {
            priority: Priority::Urgent,
        },
        EventKind::AwaitingCustomer {
            reason: "photos".into(),
        },
        EventKind::Paused {
            reason: PauseName::new("awaiting_customer").unwrap(),
            note: "photos".into(),
            until: due,
            ends_on_contact: false,
        },
        EventKind::Paused {
            reason: PauseName::new("vendor").unwrap(),
            note: "parts".into(),
            until: None,
            ends_on_contact: true,
        },
        EventKind::Resumed,
        EventKind::SurveyAnswered {
            score: SurveyScore::new(2).unwrap(),
            comment: "meh".into(),
        },
        EventKind::ChurnSignalled {
            note: "cancelled".into(),
        },
        EventKind::Resolved {
            summary: "replaced".into(),
        },
        EventKind::Reopened,
        EventKind::ResolutionConfirmed,
        EventKind::Closed {
            outcome: Outcome::Lost,
            review: Some(Review::new("the warehouse", "label bins").unwrap()),
        },
        EventKind::Closed {
            outcome: Outcome::Retained,
            review: None,
        },
        EventKind::GestureOffered {
            offer: OfferId::new(1),
            gesture: gesture.clone(),
        },
        EventKind::OfferAccepted {
            offer: OfferId::new(1),
        },
        EventKind::OfferDeclined {
            offer: OfferId::new(2),
        },
        EventKind::GestureGranted {
            gesture: gesture.clone(),
            offer: Some(OfferId::new(1)),
        },
        EventKind::GestureGranted {
            gesture,
            offer: None,
        },
        EventKind::ClockStarted {
            clock,
            metric: Metric::TierOwnership,
            promise: Some(PromiseId::new(1)),
            channel: Some(Channel::Chat),
            tier: Some(tier.clone()),
            target: TimeDelta::seconds(14_400),
            calendar: calendar.clone(),
            due,
        },
        EventKind::ClockStarted {
            clock,
            metric: Metric::Resolution,
            promise: None,
            channel: None,
            tier: None,
            target: TimeDelta::seconds(1),
            calendar: calendar.clone(),
            due: None,
        },
        EventKind::ClockRetargeted {
            clock,
            target: TimeDelta::seconds(7200),
            calendar: calendar.clone(),
            consumed: TimeDelta::seconds(60),
            due,
        },
        EventKind::ClockPaused {
            clock,
            consumed: TimeDelta::seconds(60),
        },
        EventKind::ClockResumed { clock, due },
        EventKind::ClockStopped {
            clock,
            consumed: TimeDelta::seconds(90),
            late_by: Some(TimeDelta::seconds(30)),
        },
        EventKind::ClockStopped {
            clock,
            consumed: TimeDelta::seconds(90),
            late_by: None,
        },
        EventKind::SlaWarned {
            clock,
            threshold: Threshold::Before(TimeDelta::minutes(30)),
        },
        EventKind::SlaWarned {
            clock,
            threshold: Threshold::Percent(80),
        },
        EventKind::SlaBreached { clock },
        EventKind::RuleFired {
            rule: "breach".into(),
            when: "a breach".into(),
        },
        EventKind::OwnerRequired {
            rule: "vip".into(),
            tier: tier.clone(),
        },
        EventKind::EscalationRequired {
            rule: "breach".into(),
            tier: tier.clone(),
        },
        EventKind::ApologyRequired {
            rule: "breach".into(),
            tier: tier.clone(),
            tiers: vec!["frontline".parse().unwrap(), tier.clone()],
        },
        EventKind::ApologyRequired {
            rule: "breach".into(),
            tier,
            tiers: Vec::new(),
        },
        EventKind::GestureRecommended {
            rule: "loss".into(),
            gesture: GestureKind::Credit,
        },
        EventKind::ReviewRequired {
            rule: "breach".into(),
        },
        EventKind::Notified {
            rule: "public".into(),
            who: "social team".into(),
            why: "public post".into(),
            by: due,
        },
        EventKind::Notified {
            rule: "public".into(),
            who: "social team".into(),
            why: "public post".into(),
            by: None,
        },
        EventKind::RuleArmed {
            rule: "waiting".into(),
        },
        EventKind::RuleDisarmed {
            rule: "waiting".into(),
        },
        EventKind::PolicyAdopted {
            policy: "2021-04".into(),
            fingerprint: Some(fingerprint),
        },
        EventKind::PolicyAdopted {
            policy: "2021-01".into(),
            fingerprint: None,
        },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| {
            let actor = if i % 2 == 0 {
                Actor::Agent(agent.clone())
            } else {
                Actor::System
            };
            let command = (i % 3 != 0).then(|| CommandId::new(format!("c-{i}")).unwrap());
            Event::new(u64::try_from(i).unwrap() + 1, t, actor, command, kind)
        })
        .collect()
}

#[test]
fn every_kind_is_covered_and_reads_back() {
    let lines: Vec<String> = every_kind()
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    // Every kind there is (as the error for an unknown one lists them) is
    // among these.
    let unknown =
        oracle(r#"{"version":1,"at":"2021-03-08T14:00:00Z","actor":"system","kind":{"type":"?"}}"#)
            .unwrap_err();
    let all: BTreeSet<String> = unknown
        .split("expected one of ")
        .nth(1)
        .unwrap()
        .split(", ")
        .map(|k| k.split('`').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 43);
    assert_eq!(kinds(&lines), all);
    for (i, line) in lines.iter().enumerate() {
        check_line(line, u64::try_from(i).unwrap() * 7919).unwrap();
    }
}

#[test]
fn the_golden_log_reads_as_the_derived_reader_read_it() {
    for (i, line) in golden().iter().enumerate() {
        check_line(line, u64::try_from(i).unwrap() * 104_729).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_logs_read_back_whatever_the_key_order(
        commands in commands(&Policy::recommended()),
        seed in any::<u64>(),
    ) {
        let (_, log) = run(&Policy::recommended(), &commands, &Schedule::Wakeups).unwrap();
        for (i, event) in log.iter().enumerate() {
            let line = serde_json::to_string(event).unwrap();
            prop_assert_eq!(read(&line), Ok(event.clone()));
            check_line(&line, seed.wrapping_add(u64::try_from(i).unwrap()))?;
        }
    }

    #[test]
    fn logs_under_random_policies_read_back(
        (policy, commands) in policies(Knobs::default())
            .prop_flat_map(|p| (Just(p.clone()), commands(&p))),
        seed in any::<u64>(),
    ) {
        let Ok((_, log)) = run(&policy, &commands, &Schedule::Wakeups) else {
            return Ok(());
        };
        for (i, event) in log.iter().enumerate() {
            let line = serde_json::to_string(event).unwrap();
            prop_assert_eq!(read(&line), Ok(event.clone()));
            check_line(&line, seed.wrapping_add(u64::try_from(i).unwrap()))?;
        }
    }

    /// Times near the form the crate writes read as chrono reads them.
    #[test]
    fn times_read_as_chrono_reads_them(
        secs in -62_000_000_000_i64..253_000_000_000,
        nanos in 0_u32..1_000_000_000,
        precision in 0_usize..4,
        edits in prop::collection::vec((0_usize..40, prop::sample::select(
            b"0123456789-:.TtZz+ 6".to_vec())), 0..3),
    ) {
        let nanos = [0, nanos / 1_000_000 * 1_000_000, nanos / 1_000 * 1_000, nanos][precision];
        let time = DateTime::from_timestamp(secs, nanos).unwrap();
        let mut text = serde_json::to_string(&time).unwrap().trim_matches('"').to_owned();
        for (i, c) in edits {
            let mut bytes = text.into_bytes();
            if i < bytes.len() {
                bytes[i] = c;
            } else {
                bytes.push(c);
            }
            text = String::from_utf8(bytes).unwrap();
        }
        let line = format!(
            r#"{{"version":1,"at":"{text}","actor":"system","kind":{{"type":"promise_made","promise":1,"what":"call","due":"{text}"}}}}"#
        );
        agree(&line, true)?;
    }
}

/// Ids and texts read as `try_from = "String"` and `from = "String"` did.
#[test]
fn ids_and_texts_read_as_through_a_string() {
    let mut runner = TestRunner::default();
    let strings = prop_oneof![
        any::<String>(),
        "[a-z\\-0-9\u{7}\u{e9}\"\\\\]{0,140}",
        Just(String::new()),
        Just("x".repeat(128)),
        Just("x".repeat(129)),
    ];
    runner
        .run(&strings, |s| {
            let json = serde_json::to_string(&s).unwrap();
            let through_string = serde_json::from_str::<String>(&json)
                .map_err(|e| e.to_string())
                .and_then(|s| CaseId::try_from(s).map_err(|e| e.to_string()));
            prop_assert_eq!(
                serde_json::from_str::<CaseId>(&json).map_err(|e| e.to_string()),
                through_string
            );
            let value = Value::String(s.clone());
            prop_assert_eq!(
                AgentId::deserialize(&value).map_err(|e| e.to_string()),
                AgentId::new(&s).map_err(|e| e.to_string())
            );
            let text: Text = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(text.as_str(), s.as_str());
            prop_assert_eq!(Text::deserialize(&value).unwrap(), Text::from(s));
            Ok(())
        })
        .unwrap();
    for wrong in ["5", "null", "[]", "{}", "true"] {
        assert_eq!(
            serde_json::from_str::<CaseId>(wrong)
                .unwrap_err()
                .to_string(),
            serde_json::from_str::<String>(wrong)
                .unwrap_err()
                .to_string()
        );
        assert_eq!(
            serde_json::from_str::<Text>(wrong).unwrap_err().to_string(),
            serde_json::from_str::<String>(wrong)
                .unwrap_err()
                .to_string()
        );
    }
}

/// Shared ids and texts compare equal without comparing their text, and
/// equal ones are equal however they were made, hashing the same.
#[test]
fn shared_and_equal_ids_and_texts() {
    use std::hash::BuildHasher;
    let hasher = std::collections::hash_map::RandomState::new();
    let cab1 = CaseId::new("CAB-1").unwrap();
    let shared = cab1.clone();
    let read: CaseId = serde_json::from_str(r#""CAB-1""#).unwrap();
    let cab2 = CaseId::new("CAB-2").unwrap();
    assert_eq!(cab1, shared);
    assert_eq!(cab1, read);
    assert_ne!(cab1, cab2);
    assert_eq!(hasher.hash_one(&cab1), hasher.hash_one(&read));
    assert_eq!(cab1.cmp(&read), std::cmp::Ordering::Equal);
    let note = Text::from("note");
    let read_note: Text = serde_json::from_str(r#""note""#).unwrap();
    assert_eq!(note, note.clone());
    assert_eq!(note, read_note);
    assert_ne!(note, Text::from("other"));
    assert_eq!(hasher.hash_one(&note), hasher.hash_one(&read_note));
    assert_eq!(
        hasher.hash_one(&note),
        hasher.hash_one(Text::from(String::from("note")))
    );
}

/// Malformed events: an error naming what is wrong, as the derived reader
/// gave (but for the position).
#[test]
fn malformed_events_are_errors_that_say_what_is_wrong() {
    let event = |kind: &str| {
        format!(r#"{{"version":1,"at":"2021-03-08T14:00:00Z","actor":"system","kind":{kind}}}"#)
    };
    let cases = [
        (
            event(r#"{"channel":"phone","note":"x"}"#),
            "missing field `type`",
        ),
        (event("{}"), "missing field `type`"),
        (
            event(r#"{"type":"teleported"}"#),
            "unknown variant `teleported`, expected one of `opened`",
        ),
        (
            event(r#"{"type":5}"#),
            "invalid type: integer `5`, expected variant identifier",
        ),
        (
            event(r#"{"type":"contacted","channel":5,"note":"x"}"#),
            "expected value at line 1 column 96",
        ),
        (
            event(r#"{"type":"contacted","channel":"fax","note":"x"}"#),
            "unknown variant `fax`",
        ),
        (
            event(r#"{"type":"contacted","channel":"phone"}"#),
            "missing field `note`",
        ),
        (
            event(r#"{"type":"contacted","note":"a","channel":"phone","note":"b"}"#),
            "duplicate field `note`",
        ),
        (
            event(r#"{"type":"resumed","type":"resumed"}"#),
            "duplicate field `type`",
        ),
        (
            event(r#"{"type":"sla_breached","clock":1,"type":"x"}"#),
            "duplicate field `type`",
        ),
        (
            event(r#"{"type":"assigned","to":{"id":"","tier":"x"}}"#),
            r#"invalid agent id "": it is empty"#,
        ),
        (
            event(r#"{"type":"promise_made","promise":1,"what":"x","due":"2021-13-01T00:00:00Z"}"#),
            "input is out of range",
        ),
        (
            event(r#"{"type":"promise_made","promise":1,"what":"x","due":"soon"}"#),
            "input contains invalid characters",
        ),
        (
            event(r#"{"type":"clock_paused","clock":1,"consumed_seconds":9223372036854775807}"#),
            "seconds is out of range",
        ),
        (
            event(r#"{"type":"survey_answered","score":9,"comment":"x"}"#),
            "invalid survey score 9",
        ),
        (
            event("5"),
            "invalid type: integer `5`, expected internally tagged enum EventKind",
        ),
        (
            event(r#""contacted""#),
            "expected internally tagged enum EventKind",
        ),
        (
            event(r#"{"type":"contacted","channel":"ph"#),
            "EOF while parsing",
        ),
        (
            r#"{"version":1,"at":"2021-03-08T14:00:00Z","actor":"system"}"#.to_owned(),
            "missing field `kind`",
        ),
        (
            r#"{"version":1,"at":"2021-03-08T14:00:00Z","actor":"system","kind":{"#.to_owned(),
            "EOF while parsing",
        ),
    ];
    for (json, wanted) in cases {
        let ours = read(&json).unwrap_err();
        let theirs = oracle(&json).unwrap_err();
        assert!(ours.contains(wanted), "{json}: {ours}");
        assert!(same_error(&ours, &theirs), "{json}: {ours} / {theirs}");
    }
}

/// A variant's index as the tag of an origin or a gesture in an event
/// kind was read (serde read the kind from its buffer, where an integer
/// names a variant by its index), whatever the order of the kind's keys;
/// an `Opened` read on its own refuses it, as before.
#[test]
fn nested_tags_given_as_indexes_read_as_before() {
    let opened = r#"{"type":"opened","case":"A-1","customer":{"id":"c","value":"standard"},"origin":{"type":0,"channel":"phone"},"summary":"s","policy":"p","time_zone":"UTC"}"#;
    let granted =
        r#"{"type":"gesture_granted","gesture":{"type":0,"failures":[1],"manner":"personal"}}"#;
    let out_of_range =
        r#"{"type":"gesture_granted","gesture":{"type":99,"failures":[1],"manner":"personal"}}"#;
    for kind in [opened, granted, out_of_range] {
        let value: Value = serde_json::from_str(kind).unwrap();
        let mut rng = Rng(7);
        for json in [
            kind.to_owned(),
            write(&value, Order::TagLast, &mut rng),
            write(&value, Order::Shuffled, &mut rng),
        ] {
            let line = format!(
                r#"{{"version":1,"at":"2021-03-08T14:00:00Z","actor":"system","kind":{json}}}"#
            );
            let read_as = agree(&line, true).unwrap();
            assert_eq!(read_as.is_some(), kind != out_of_range, "{line}");
        }
    }
    let alone = opened.replacen(r#""type":"opened","#, "", 1);
    let error = serde_json::from_str::<Opened>(&alone)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("invalid type: integer `0`, expected variant identifier"),
        "{alone}: {error}"
    );
}

/// What the derived reader also accepted, read the same: the tag after
/// other keys, a sequence with the tag first, a unit kind with other keys.
#[test]
fn the_less_usual_forms_still_read() {
    let event = |kind: &str| {
        format!(r#"{{"version":1,"at":"2021-03-08T14:00:00Z","actor":"system","kind":{kind}}}"#)
    };
    for (kind, wanted) in [
        (
            r#"{"note":"x","type":"contacted","channel":"phone"}"#,
            EventKind::Contacted {
                channel: Channel::Phone,
                note: "x".into(),
            },
        ),
        (
            r#"["contacted","phone","x"]"#,
            EventKind::Contacted {
                channel: Channel::Phone,
                note: "x".into(),
            },
        ),
        (r#"{"type":"resumed","note":"ignored"}"#, EventKind::Resumed),
        (r#"{"extra":1,"type":"reopened"}"#, EventKind::Reopened),
        (
            r#"{"type":"contacted","channel":"phone","note":"x","due":null}"#,
            EventKind::Contacted {
                channel: Channel::Phone,
                note: "x".into(),
            },
        ),
        (
            r#"{"type":"promise_made","promise":1,"what":"x","due":null}"#,
            EventKind::PromiseMade {
                promise: PromiseId::new(1),
                what: "x".into(),
                due: None,
            },
        ),
        (
            r#"{"due":null,"type":"promise_made","promise":1,"what":"x"}"#,
            EventKind::PromiseMade {
                promise: PromiseId::new(1),
                what: "x".into(),
                due: None,
            },
        ),
        (
            r#"{"type":"contacted","channel":"phone","note":"\u0078"}"#,
            EventKind::Contacted {
                channel: Channel::Phone,
                note: "x".into(),
            },
        ),
        (
            r#"{"\u0074ype":"contacted","channel":"phone","note":"x"}"#,
            EventKind::Contacted {
                channel: Channel::Phone,
                note: "x".into(),
            },
        ),
        (
            r#"{"type":"contacted","channel":"phone","note":"x","type2":"y"}"#,
            EventKind::Contacted {
                channel: Channel::Phone,
                note: "x".into(),
            },
        ),
    ] {
        let json = event(kind);
        let ours = read(&json).unwrap();
        assert_eq!(Ok(&ours), oracle(&json).as_ref(), "{json}");
        assert_eq!(ours.kind(), &wanted, "{json}");
    }
}
