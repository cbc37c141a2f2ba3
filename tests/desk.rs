//! The desk: routing commands to cases, the wake-up index and `advance`,
//! what a case owes under the recommended policy, rolling a policy out, and
//! the desk's errors, word for word.

use std::num::NonZeroUsize;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use escalate::desk::{Desk, DeskError, Obligation, Owed, Rollout};
use escalate::policy::Policy;
use escalate::recovery::{Gesture, Manner};
use escalate::sla::Metric;
use escalate::{
    Actor, Agent, Case, CaseId, Channel, Command, CommandKind, Customer, CustomerValue, Event,
    EventKind, Origin, Outcome, Priority, PromiseId, Refusal, ResponseKind, StateName,
};

/// `h:mi` UTC on 2021-03-`d` (2021-03-08 was a Monday; the recommended
/// policy's business hours are 09:00-17:00 UTC on weekdays).
#[track_caller]
fn day(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, d, h, mi, 0).unwrap()
}

#[track_caller]
fn id(s: &str) -> CaseId {
    s.parse().unwrap()
}

#[track_caller]
fn agent(name: &str, tier: &str) -> Agent {
    Agent::new(name.parse().unwrap(), tier.parse().unwrap())
}

fn sam() -> Agent {
    agent("sam", "frontline")
}

fn dana() -> Agent {
    agent("dana", "supervisor")
}

/// A host that numbers its commands and sends each at its own time.
struct Host {
    desk: Desk,
    next: u32,
    /// Every event the desk returned, per case, as a host would store them.
    stored: Vec<(CaseId, Event)>,
}

impl Host {
    fn new(policy: Policy) -> Self {
        Host {
            desk: Desk::new(policy),
            next: 0,
            stored: Vec::new(),
        }
    }

    #[track_caller]
    fn command(&mut self, at: DateTime<Utc>, actor: Actor, kind: CommandKind) -> Command {
        self.next += 1;
        Command::new(format!("c-{}", self.next).parse().unwrap(), actor, at, kind)
    }

    fn send(
        &mut self,
        case: &str,
        at: DateTime<Utc>,
        actor: Actor,
        kind: CommandKind,
    ) -> Result<Vec<Event>, DeskError> {
        let command = self.command(at, actor, kind);
        let events = self.desk.handle(&id(case), command, at)?;
        self.stored
            .extend(events.iter().map(|e| (id(case), e.clone())));
        Ok(events)
    }

    #[track_caller]
    fn ok(&mut self, case: &str, at: DateTime<Utc>, actor: Actor, kind: CommandKind) -> Vec<Event> {
        self.send(case, at, actor, kind).unwrap()
    }

    #[track_caller]
    fn open(&mut self, case: &str, at: DateTime<Utc>, channel: Channel) -> Vec<Event> {
        self.ok(case, at, Actor::Customer, open(channel))
    }

    #[track_caller]
    fn advance(&mut self, now: DateTime<Utc>) -> Vec<(CaseId, Vec<Event>)> {
        let woken = self.desk.advance(now).unwrap();
        for w in &woken {
            self.stored
                .extend(w.events.iter().map(|e| (w.case.clone(), e.clone())));
        }
        woken.into_iter().map(|w| (w.case, w.events)).collect()
    }

    /// The events stored for a case, in order.
    fn log(&self, case: &str) -> Vec<Event> {
        self.stored
            .iter()
            .filter(|(c, _)| c.as_str() == case)
            .map(|(_, e)| e.clone())
            .collect()
    }

    #[track_caller]
    fn owed(&self, case: &str) -> Vec<Obligation> {
        self.desk.obligations(&id(case)).unwrap()
    }
}

fn open(channel: Channel) -> CommandKind {
    CommandKind::Open {
        customer: Customer::new("cust-9".parse().unwrap(), CustomerValue::Standard),
        origin: Origin::Contact { channel },
        summary: "wrong cabinet delivered".into(),
        priority: Priority::Normal,
    }
}

fn contact(channel: Channel) -> CommandKind {
    CommandKind::Contact {
        channel,
        note: "again".into(),
    }
}

fn assign(to: Agent) -> CommandKind {
    CommandKind::Assign { to }
}

fn apology() -> CommandKind {
    CommandKind::Grant {
        gestures: vec![Gesture::Apology {
            failures: Vec::new(),
            manner: Manner::Personal,
        }],
    }
}

fn kinds(owed: &[Obligation]) -> Vec<&Owed> {
    owed.iter().map(|o| &o.owed).collect()
}

// ---------------------------------------------------------------------------
// Routing.

#[test]
fn an_open_command_to_an_unknown_id_creates_the_case_and_others_are_refused() {
    let mut host = Host::new(Policy::recommended());
    let err = host
        .send("CAB-1", day(8, 9, 0), Actor::System, assign(sam()))
        .unwrap_err();
    assert_eq!(err, DeskError::UnknownCase { case: id("CAB-1") });
    assert_eq!(
        err.to_string(),
        "no case CAB-1 on the desk: only an `open` command creates a case"
    );
    assert!(host.desk.is_empty());

    let events = host.open("CAB-1", day(8, 9, 0), Channel::Email);
    assert!(matches!(events[0].kind(), EventKind::Opened(_)));
    assert_eq!(host.desk.len(), 1);
    // The same id again goes to the same case: a second opening is refused.
    let err = host
        .send("CAB-1", day(8, 9, 1), Actor::Customer, open(Channel::Phone))
        .unwrap_err();
    assert_eq!(
        err,
        DeskError::Refused {
            case: id("CAB-1"),
            refusal: Refusal::InvalidTransition {
                state: StateName::New,
                command: escalate::CommandName::Open
            }
        }
    );
    assert_eq!(
        err.to_string(),
        "case CAB-1 refused the command: cannot open a case that is new (no owner)"
    );
    assert_eq!(host.desk.len(), 1);
    assert_eq!(host.desk.case(&id("CAB-1")).unwrap().version(), 4);
}

#[test]
fn commands_reach_only_their_own_case() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.open("CAB-2", day(8, 9, 0), Channel::Phone);
    host.ok("CAB-2", day(8, 9, 5), Actor::System, assign(sam()));
    assert!(host.desk.case(&id("CAB-1")).unwrap().owner().is_none());
    assert_eq!(host.desk.case(&id("CAB-2")).unwrap().owner(), Some(&sam()));
    // What the host stored for each case rebuilds exactly that case.
    for case in ["CAB-1", "CAB-2"] {
        let replayed = Case::replay(host.log(case)).unwrap();
        assert_eq!(&replayed, host.desk.case(&id(case)).unwrap());
    }
}

#[test]
fn a_command_sent_twice_is_applied_once() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    let assign = host.command(day(8, 9, 5), Actor::System, assign(sam()));
    let first = host
        .desk
        .handle(&id("CAB-1"), assign.clone(), day(8, 9, 5))
        .unwrap();
    assert_eq!(first.len(), 1);
    let again = host
        .desk
        .handle(&id("CAB-1"), assign, day(8, 9, 6))
        .unwrap();
    assert!(again.is_empty());
    assert_eq!(host.desk.case(&id("CAB-1")).unwrap().version(), 5);
}

#[test]
fn a_refused_command_leaves_the_case_and_its_wakeup_as_they_were() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok("CAB-1", day(8, 9, 1), Actor::System, assign(sam()));
    let before = host.desk.case(&id("CAB-1")).unwrap().clone();
    let wakeup = host.desk.next_wakeup();
    let err = host
        .send(
            "CAB-1",
            day(8, 9, 5),
            Actor::Customer,
            CommandKind::Resolve {
                summary: "done".into(),
            },
        )
        .unwrap_err();
    assert!(matches!(
        err,
        DeskError::Refused {
            refusal: Refusal::CustomerNotAllowed { .. },
            ..
        }
    ));
    assert_eq!(host.desk.case(&id("CAB-1")).unwrap(), &before);
    assert_eq!(host.desk.next_wakeup(), wakeup);
}

#[test]
fn a_refused_opening_leaves_no_case() {
    let mut host = Host::new(Policy::recommended());
    let referral = CommandKind::Open {
        customer: Customer::new("cust-9".parse().unwrap(), CustomerValue::Standard),
        origin: Origin::Referral {
            from: "a partner".into(),
        },
        summary: "wrong cabinet".into(),
        priority: Priority::Normal,
    };
    let err = host
        .send("CAB-1", day(8, 9, 0), Actor::Customer, referral)
        .unwrap_err();
    assert!(matches!(err, DeskError::Refused { .. }));
    assert!(host.desk.is_empty());
    assert_eq!(host.desk.next_wakeup(), None);
}

// ---------------------------------------------------------------------------
// The wake-up index and advance.

#[test]
fn advance_visits_only_the_cases_that_are_due() {
    let mut host = Host::new(Policy::recommended());
    // A public post (warned at 14:15, due 15:00) and an email at 16:00
    // (its hour to the warning runs out at closing: Tuesday 09:00).
    host.open("POST", day(8, 14, 0), Channel::SocialPublic);
    host.open("MAIL", day(8, 16, 0), Channel::Email);
    assert_eq!(host.desk.wakeup(&id("POST")), Some(day(8, 14, 15)));
    assert_eq!(host.desk.wakeup(&id("MAIL")), Some(day(9, 9, 0)));
    assert_eq!(host.desk.next_wakeup(), Some(day(8, 14, 15)));

    assert!(host.advance(day(8, 14, 14)).is_empty());
    let woken = host.advance(day(8, 14, 15));
    assert_eq!(woken.len(), 1);
    assert_eq!(woken[0].0, id("POST"));
    assert!(matches!(
        woken[0].1[..],
        [Event { .. }] if matches!(woken[0].1[0].kind(), EventKind::SlaWarned { .. })
    ));
    // The same instant again: nothing more is due.
    assert!(host.advance(day(8, 14, 15)).is_empty());
    assert_eq!(host.desk.next_wakeup(), Some(day(8, 15, 0)));
    // The email's case was not touched.
    assert_eq!(host.desk.case(&id("MAIL")).unwrap().version(), 4);
}

#[test]
fn many_due_cases_come_back_in_the_order_they_fell_due() {
    // 300 public posts, each opened a minute before the one before it:
    // the last case made is the first due. Enough to tick them on every
    // core, whose threads take the cases in the order they were made.
    let mut host = Host::new(Policy::recommended());
    let names: Vec<String> = (0..300).map(|i| format!("POST-{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        let minutes = i64::try_from(i).unwrap();
        host.open(
            name,
            day(8, 14, 0) - TimeDelta::minutes(minutes),
            Channel::SocialPublic,
        );
    }
    let mut due: Vec<(DateTime<Utc>, CaseId)> = names
        .iter()
        .map(|n| (host.desk.wakeup(&id(n)).unwrap(), id(n)))
        .collect();
    due.sort();
    let woken = host.advance(day(8, 14, 20));
    let order: Vec<CaseId> = woken.iter().map(|(case, _)| case.clone()).collect();
    let expected: Vec<CaseId> = due
        .into_iter()
        .filter(|(at, _)| *at <= day(8, 14, 20))
        .map(|(_, case)| case)
        .collect();
    assert_eq!(order.len(), 300);
    assert_eq!(order, expected);
    assert_eq!(order[0], id("POST-299"));
}

#[test]
fn advance_gives_each_case_the_log_it_gets_from_its_own_ticks() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    // By hand, from what the host stored: tick once at Wednesday noon.
    let mut by_hand = Case::replay(host.log("CAB-1")).unwrap();
    let policy = Policy::recommended();
    for e in by_hand.tick(&policy, day(10, 12, 0)) {
        by_hand.apply(&e).unwrap();
    }
    // The desk, woken at every wake-up on the way.
    while let Some(w) = host.desk.next_wakeup().filter(|w| *w <= day(10, 12, 0)) {
        assert!(!host.advance(w).is_empty());
    }
    host.advance(day(10, 12, 0));
    assert_eq!(host.desk.case(&id("CAB-1")).unwrap(), &by_hand);
    assert_eq!(Case::replay(host.log("CAB-1")).unwrap(), by_hand);
    assert_eq!(host.desk.next_wakeup(), by_hand.next_wakeup(&policy));
}

#[test]
fn cases_under_the_default_policy_never_wake() {
    let mut host = Host::new(Policy::default());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    assert_eq!(host.desk.next_wakeup(), None);
    assert!(host.advance(day(31, 0, 0)).is_empty());
}

#[test]
fn answering_moves_the_wakeup_and_closing_removes_it() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    assert_eq!(host.desk.next_wakeup(), Some(day(8, 10, 0)));
    host.ok(
        "CAB-1",
        day(8, 9, 30),
        Actor::Agent(sam()),
        CommandKind::Respond {
            channel: Channel::Email,
            note: "a new one is on its way".into(),
            kind: ResponseKind::Answer,
        },
    );
    // Only the resolution clock runs: warned at 80% of 5 business days
    // (32 business hours run out at Thursday's closing: Friday 09:00).
    assert_eq!(host.desk.next_wakeup(), Some(day(12, 9, 0)));
    host.ok(
        "CAB-1",
        day(8, 9, 40),
        Actor::Agent(sam()),
        CommandKind::Close {
            outcome: Outcome::Retained,
            review: None,
        },
    );
    assert_eq!(host.desk.next_wakeup(), None);
    assert!(host.advance(day(31, 0, 0)).is_empty());
}

#[test]
fn removing_a_case_keeps_the_others_indexed() {
    let mut host = Host::new(Policy::recommended());
    host.open("A", day(8, 9, 0), Channel::SocialPublic); // warned 09:15
    host.open("B", day(8, 9, 1), Channel::SocialPublic); // warned 09:16
    host.open("C", day(8, 9, 2), Channel::SocialPublic); // warned 09:17
    let a = host.desk.remove(&id("A")).unwrap();
    assert_eq!(a.id(), &id("A"));
    assert!(host.desk.remove(&id("A")).is_none());
    assert_eq!(host.desk.len(), 2);
    // C moved into A's place: its entries follow it.
    assert_eq!(host.desk.wakeup(&id("C")), Some(day(8, 9, 17)));
    assert_eq!(host.desk.next_wakeup(), Some(day(8, 9, 16)));
    let woken = host.advance(day(8, 9, 17));
    let mut cases: Vec<&str> = woken.iter().map(|(c, _)| c.as_str()).collect();
    cases.sort_unstable();
    assert_eq!(cases, ["B", "C"]);
    host.ok("C", day(8, 9, 20), Actor::System, assign(sam()));
    assert_eq!(host.desk.case(&id("C")).unwrap().owner(), Some(&sam()));
    // A can come back.
    host.desk.insert(a).unwrap();
    assert_eq!(host.desk.wakeup(&id("A")), Some(day(8, 9, 15)));
}

// ---------------------------------------------------------------------------
// Restarting from stored events.

#[test]
fn a_desk_rebuilt_from_stored_json_matches_the_live_one() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.open("CAB-2", day(8, 10, 0), Channel::Voicemail);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    host.advance(day(9, 12, 0));
    let mut restarted = Desk::new(Policy::recommended());
    for case in ["CAB-1", "CAB-2"] {
        let json = serde_json::to_string(&host.log(case)).unwrap();
        let events: Vec<Event> = serde_json::from_str(&json).unwrap();
        restarted.replay(events).unwrap();
    }
    for case in ["CAB-1", "CAB-2"] {
        assert_eq!(restarted.case(&id(case)), host.desk.case(&id(case)));
        assert_eq!(restarted.wakeup(&id(case)), host.desk.wakeup(&id(case)));
    }
    assert_eq!(restarted.next_wakeup(), host.desk.next_wakeup());
}

#[test]
fn the_desk_errors_say_what_was_wrong() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    let case = host.desk.case(&id("CAB-1")).unwrap().clone();

    let err = host.desk.insert(case.clone()).unwrap_err();
    assert_eq!(err, DeskError::CaseExists { case: id("CAB-1") });
    assert_eq!(err.to_string(), "case CAB-1 is on the desk already");

    let err = host.desk.insert(Case::new(id("CAB-9"))).unwrap_err();
    assert_eq!(err, DeskError::NotOpened { case: id("CAB-9") });
    assert_eq!(
        err.to_string(),
        "case CAB-9 is not opened: only an opened case goes on the desk"
    );

    let mut other = Desk::new(Policy::default());
    let err = other.insert(case).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no policy labelled \"recommended-1\" on the desk: add it first; the desk holds \"default\""
    );

    let err = other
        .add_policy(Policy::new("default", ["agent"]).unwrap())
        .unwrap_err();
    assert_eq!(
        err,
        DeskError::PolicyConflict {
            policy: "default".into(),
            held: Policy::default().fingerprint(),
            given: Policy::new("default", ["agent"]).unwrap().fingerprint(),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the desk holds another policy labelled \"default\" (fingerprint {}; the one given has \
             fingerprint {}): give a changed policy its own version label",
            Policy::default().fingerprint(),
            Policy::new("default", ["agent"]).unwrap().fingerprint()
        )
    );

    let err = other.replay(Vec::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot put the history on the desk: cannot replay an empty history: the first event must be `opened`"
    );
    let err = other.obligations(&id("CAB-1")).unwrap_err();
    assert_eq!(err, DeskError::UnknownCase { case: id("CAB-1") });
    assert_eq!(
        DeskError::Full.to_string(),
        "the desk is full: it holds at most 4294967295 cases"
    );
}

#[test]
fn the_error_is_send_sync_and_static() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<DeskError>();
}

// ---------------------------------------------------------------------------
// Obligations under the recommended policy.

#[test]
fn a_new_email_owes_its_first_response_and_its_resolution() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    let owed = host.owed("CAB-1");
    assert_eq!(owed.len(), 2);
    assert!(matches!(
        owed[0].owed,
        Owed::Sla {
            metric: Metric::FirstResponse,
            ..
        }
    ));
    assert_eq!(owed[0].since, Some(day(8, 9, 0)));
    assert_eq!(owed[0].late_at, Some(day(8, 13, 0)));
    assert!(matches!(
        owed[1].owed,
        Owed::Sla {
            metric: Metric::Resolution,
            ..
        }
    ));
    assert_eq!(owed[1].late_at, Some(day(15, 9, 0)));
    assert!(!owed[0].is_late(day(8, 12, 59)));
    assert!(owed[0].is_late(day(8, 13, 0)));
}

#[test]
fn a_second_contact_owes_a_supervisor_until_one_owns_the_case() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Phone);
    host.ok(
        "CAB-1",
        day(8, 9, 30),
        Actor::Customer,
        contact(Channel::Phone),
    );
    let owed = host.owed("CAB-1");
    let owner = owed
        .iter()
        .find(|o| matches!(o.owed, Owed::Owner { .. }))
        .unwrap();
    assert_eq!(
        owner.owed,
        Owed::Owner {
            tier: "supervisor".parse().unwrap()
        }
    );
    assert_eq!(
        (owner.since, owner.late_at),
        (Some(day(8, 9, 30)), Some(day(8, 9, 30)))
    );
    // A frontline owner does not meet it: an escalation is owed, since the rule fired.
    host.ok("CAB-1", day(8, 9, 40), Actor::System, assign(sam()));
    let owed = host.owed("CAB-1");
    assert!(!owed.iter().any(|o| matches!(o.owed, Owed::Owner { .. })));
    let escalation = owed
        .iter()
        .find(|o| matches!(o.owed, Owed::Escalation { .. }))
        .unwrap();
    assert_eq!(
        escalation.owed,
        Owed::Escalation {
            tier: "supervisor".parse().unwrap()
        }
    );
    assert_eq!(escalation.since, Some(day(8, 9, 30)));
    // Escalating to a supervisor meets it; the escalation requires a review.
    host.ok(
        "CAB-1",
        day(8, 9, 50),
        Actor::System,
        CommandKind::Escalate {
            to: dana(),
            reason: "second contact".into(),
        },
    );
    let owed = host.owed("CAB-1");
    assert!(
        !owed
            .iter()
            .any(|o| matches!(o.owed, Owed::Escalation { .. } | Owed::Owner { .. }))
    );
    let review = owed.last().unwrap();
    assert_eq!(
        review.owed,
        Owed::Review {
            rule: "review after escalation or loss".into()
        }
    );
    assert_eq!((review.since, review.late_at), (Some(day(8, 9, 50)), None));
}

#[test]
fn a_third_contact_owes_a_personal_call_within_two_business_hours() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 14, 0), Channel::Phone);
    host.ok("CAB-1", day(8, 14, 5), Actor::System, assign(sam()));
    host.ok(
        "CAB-1",
        day(8, 14, 10),
        Actor::Customer,
        contact(Channel::Phone),
    );
    host.ok(
        "CAB-1",
        day(8, 14, 20),
        Actor::Customer,
        contact(Channel::Phone),
    );
    let owed = host.owed("CAB-1");
    let call = owed
        .iter()
        .find(|o| matches!(o.owed, Owed::Call { .. }))
        .unwrap();
    assert_eq!(
        call.owed,
        Owed::Call {
            promise: PromiseId::new(1),
            rule: "third contact: the owner calls personally".into()
        }
    );
    assert_eq!(
        (call.since, call.late_at),
        (Some(day(8, 14, 20)), Some(day(8, 16, 20)))
    );
    // The second contact required a supervisor while sam (frontline) owns it.
    let escalation = owed
        .iter()
        .find(|o| matches!(o.owed, Owed::Escalation { .. }))
        .unwrap();
    assert_eq!(escalation.since, Some(day(8, 14, 10)));
    // Keeping the promise settles the call.
    host.ok(
        "CAB-1",
        day(8, 15, 0),
        Actor::Agent(sam()),
        CommandKind::KeepPromise {
            promise: PromiseId::new(1),
        },
    );
    assert!(
        !host
            .owed("CAB-1")
            .iter()
            .any(|o| matches!(o.owed, Owed::Call { .. }))
    );
}

#[test]
fn a_breach_owes_an_escalation_and_an_apology_from_a_supervisor() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    host.advance(day(8, 13, 30)); // the first response breached at 13:00
    let owed = host.owed("CAB-1");
    let supervisor: escalate::Tier = "supervisor".parse().unwrap();
    let breach_rule = "SLA breach: escalate and apologise for the delay";
    assert_eq!(
        kinds(&owed),
        [
            &Owed::Sla {
                clock: escalate::sla::ClockId::new(1),
                metric: Metric::FirstResponse
            },
            &Owed::Escalation {
                tier: supervisor.clone()
            },
            &Owed::Apology {
                tier: supervisor.clone(),
                rule: breach_rule.into()
            },
            &Owed::Sla {
                clock: escalate::sla::ClockId::new(2),
                metric: Metric::Resolution
            },
            &Owed::Review {
                rule: "review after escalation or loss".into()
            },
        ]
    );
    assert!(owed[..3].iter().all(|o| o.late_at == Some(day(8, 13, 0))));
    assert!(owed.iter().take(3).all(|o| o.is_late(day(8, 13, 30))));
    // sam (frontline) apologises and answers: not enough for the apology.
    host.ok("CAB-1", day(8, 13, 40), Actor::Agent(sam()), apology());
    host.ok(
        "CAB-1",
        day(8, 13, 41),
        Actor::Agent(sam()),
        CommandKind::Respond {
            channel: Channel::Email,
            note: "sorry, on its way".into(),
            kind: ResponseKind::Answer,
        },
    );
    let owed = host.owed("CAB-1");
    assert!(owed.iter().any(|o| matches!(o.owed, Owed::Apology { .. })));
    assert!(!owed.iter().any(|o| matches!(
        o.owed,
        Owed::Sla {
            metric: Metric::FirstResponse,
            ..
        }
    )));
    // dana (supervisor) takes the case and apologises: both are met.
    host.ok(
        "CAB-1",
        day(8, 14, 0),
        Actor::System,
        CommandKind::Escalate {
            to: dana(),
            reason: "breach".into(),
        },
    );
    host.ok("CAB-1", day(8, 14, 5), Actor::Agent(dana()), apology());
    assert_eq!(
        kinds(&host.owed("CAB-1")),
        [
            &Owed::Sla {
                clock: escalate::sla::ClockId::new(2),
                metric: Metric::Resolution
            },
            &Owed::Review {
                rule: "review after escalation or loss".into()
            },
        ]
    );
}

/// The recommended policy's breach rule requires an apology from a
/// supervisor (tiers: frontline < supervisor < manager < regional <
/// executive). A frontline apology leaves it owed, on the case and on the
/// desk; a manager's, who does not own the case, settles it on both.
#[test]
fn a_required_apology_is_settled_by_its_tier_or_above_never_below() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    host.advance(day(8, 13, 30)); // the first response breached at 13:00
    let supervisor: escalate::Tier = "supervisor".parse().unwrap();
    let rule = "SLA breach: escalate and apologise for the delay";
    // The requirement names its tier and carries the policy's ranks.
    let required: Vec<_> = host
        .log("CAB-1")
        .into_iter()
        .filter(|e| matches!(e.kind(), EventKind::ApologyRequired { .. }))
        .collect();
    assert_eq!(required.len(), 1);
    assert_eq!(required[0].at(), day(8, 13, 0));
    assert_eq!(
        required[0].kind(),
        &EventKind::ApologyRequired {
            rule: rule.into(),
            tier: supervisor.clone(),
            tiers: Policy::recommended().tiers().to_vec(),
        }
    );
    let owed_on_case = |host: &Host| host.desk.case(&id("CAB-1")).unwrap().apologies_owed();
    let owed_on_desk = |host: &Host| {
        host.owed("CAB-1")
            .into_iter()
            .filter(|o| matches!(o.owed, Owed::Apology { .. }))
            .collect::<Vec<_>>()
    };
    let expected = escalate::ApologyOwed {
        tier: supervisor.clone(),
        rule: rule.into(),
        since: day(8, 13, 0),
    };
    assert_eq!(owed_on_case(&host), std::slice::from_ref(&expected));
    // sam (frontline) apologises at 13:40: below the tier, still owed.
    host.ok("CAB-1", day(8, 13, 40), Actor::Agent(sam()), apology());
    assert_eq!(owed_on_case(&host), [expected]);
    let desk = owed_on_desk(&host);
    assert_eq!(desk.len(), 1);
    assert_eq!(
        desk[0].owed,
        Owed::Apology {
            tier: supervisor,
            rule: rule.into()
        }
    );
    assert_eq!(desk[0].since, Some(day(8, 13, 0)));
    // mia (manager) apologises at 14:05 without taking the case: above the
    // tier, settled on both.
    host.ok(
        "CAB-1",
        day(8, 14, 5),
        Actor::Agent(agent("mia", "manager")),
        apology(),
    );
    assert_eq!(owed_on_case(&host), []);
    assert_eq!(owed_on_desk(&host), []);
    // Replay gives the same; a log written before requirements carried the
    // ranks (no `tiers`) is settled only by the tier itself: the manager's
    // apology leaves it owed there, as it did on the case then.
    let log = host.log("CAB-1");
    assert_eq!(Case::replay(log.clone()).unwrap().apologies_owed(), []);
    let old: Vec<Event> = log
        .iter()
        .map(|e| {
            let mut json = serde_json::to_value(e).unwrap();
            if let Some(kind) = json.get_mut("kind").and_then(|k| k.as_object_mut()) {
                kind.remove("tiers");
            }
            serde_json::from_value(json).unwrap()
        })
        .collect();
    assert_eq!(
        Case::replay(old)
            .unwrap()
            .apologies_owed()
            .iter()
            .map(|o| (o.tier.as_str(), o.since))
            .collect::<Vec<_>>(),
        [("supervisor", day(8, 13, 0))]
    );
}

#[test]
fn a_promise_is_owed_by_its_due_instant_and_a_closed_case_owes_nothing() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Phone);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    host.ok(
        "CAB-1",
        day(8, 9, 10),
        Actor::Agent(sam()),
        CommandKind::Promise {
            what: "deliver the right cabinet".into(),
            due: day(10, 17, 0),
        },
    );
    let promise = host
        .owed("CAB-1")
        .into_iter()
        .find(|o| matches!(o.owed, Owed::Promise { .. }))
        .unwrap();
    assert_eq!(
        promise,
        Obligation {
            owed: Owed::Promise {
                promise: PromiseId::new(1),
                what: "deliver the right cabinet".into()
            },
            since: Some(day(8, 9, 10)),
            late_at: Some(day(10, 17, 0)),
        }
    );
    host.ok(
        "CAB-1",
        day(8, 9, 20),
        Actor::Agent(sam()),
        CommandKind::Close {
            outcome: Outcome::Retained,
            review: None,
        },
    );
    assert!(host.owed("CAB-1").is_empty());
}

#[test]
fn obligations_round_trip_through_json() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    host.advance(day(8, 13, 30));
    let owed = host.owed("CAB-1");
    let json = serde_json::to_string(&owed).unwrap();
    assert!(json.contains(r#"{"owed":{"type":"apology","tier":"supervisor","rule":"SLA breach: escalate and apologise for the delay"},"since":"2021-03-08T13:00:00Z","late_at":"2021-03-08T13:00:00Z"}"#), "{json}");
    let back: Vec<Obligation> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, owed);
}

// ---------------------------------------------------------------------------
// Rolling a policy out.

fn v2() -> Policy {
    Policy::new(
        "v2",
        [
            "frontline",
            "supervisor",
            "manager",
            "regional",
            "executive",
        ],
    )
    .unwrap()
}

#[test]
fn a_rollout_adopts_open_cases_in_batches_and_holds_those_that_would_refuse() {
    let mut host = Host::new(Policy::recommended());
    for case in ["D", "B", "A", "C"] {
        host.open(case, day(8, 9, 0), Channel::Email);
    }
    host.ok("A", day(8, 9, 1), Actor::System, assign(sam()));
    host.ok(
        "B",
        day(8, 9, 1),
        Actor::System,
        assign(agent("lee", "executive")),
    );
    host.ok(
        "C",
        day(8, 9, 2),
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Retained,
            review: None,
        },
    );
    // v2 has no executive tier: B's owner would not be known.
    let policy = Policy::new("v2", ["frontline", "supervisor", "manager"]).unwrap();
    let start = day(9, 9, 0);
    let rollout = Rollout::at_once(start).in_batches(NonZeroUsize::MIN, TimeDelta::hours(1));
    let plan = host.desk.roll_out(policy, &rollout).unwrap();
    assert_eq!(plan.policy, "v2");
    let adopted: Vec<(&str, DateTime<Utc>, &str)> = plan
        .adoptions
        .iter()
        .map(|a| (a.case.as_str(), a.command.at(), a.command.id().as_str()))
        .collect();
    assert_eq!(
        adopted,
        [
            ("A", start, "adopt v2 after 5"),
            ("D", start + TimeDelta::hours(1), "adopt v2 after 4"),
        ]
    );
    assert!(
        plan.adoptions
            .iter()
            .all(|a| *a.command.actor() == Actor::System
                && *a.command.kind() == CommandKind::AdoptPolicy)
    );
    assert_eq!(plan.held.len(), 1);
    assert_eq!(plan.held[0].case, id("B"));
    assert_eq!(
        plan.held[0].refusal.to_string(),
        Refusal::AdoptionDropsOwnerTier {
            policy: "v2".into(),
            owner: agent("lee", "executive"),
            known: "frontline, supervisor, manager".into(),
        }
        .to_string()
    );
    // New cases open under v2 now.
    host.open("E", day(9, 8, 0), Channel::Email);
    assert_eq!(
        host.desk.case(&id("E")).unwrap().policy_version(),
        Some("v2")
    );
    // Nothing changed until the commands are sent.
    assert_eq!(
        host.desk.case(&id("A")).unwrap().policy_version(),
        Some("recommended-1")
    );
}

#[test]
fn adopting_records_what_was_due_under_the_old_policy_first() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok("CAB-1", day(8, 9, 5), Actor::System, assign(sam()));
    // The host never woke the desk: the warning (10:00) and the breach
    // (13:00) are not recorded yet when v2 is adopted at 14:00.
    let plan = host
        .desk
        .roll_out(v2(), &Rollout::at_once(day(8, 14, 0)))
        .unwrap();
    let adoption = plan.adoptions[0].clone();
    let expected = {
        let mut case = host.desk.case(&id("CAB-1")).unwrap().clone();
        let mut events = case.tick(&Policy::recommended(), day(8, 14, 0));
        for e in &events {
            case.apply(e).unwrap();
        }
        let own = case
            .handle(&v2(), adoption.command.clone(), day(8, 14, 0))
            .unwrap();
        for e in &own {
            case.apply(e).unwrap();
        }
        events.extend(own);
        (events, case)
    };
    let events = host
        .desk
        .handle(&adoption.case, adoption.command.clone(), day(8, 14, 0))
        .unwrap();
    assert_eq!(events, expected.0);
    assert!(matches!(events[0].kind(), EventKind::SlaWarned { .. }));
    assert_eq!(events[0].at(), day(8, 10, 0));
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind(), EventKind::SlaBreached { .. }) && e.at() == day(8, 13, 0))
    );
    // The adoption, then the stops of the clocks v2 does not track.
    let adopted = events
        .iter()
        .position(
            |e| matches!(e.kind(), EventKind::PolicyAdopted { policy, .. } if policy.as_str() == "v2"),
        )
        .unwrap();
    assert!(
        events[adopted + 1..]
            .iter()
            .all(|e| matches!(e.kind(), EventKind::ClockStopped { .. }))
    );
    let case = host.desk.case(&id("CAB-1")).unwrap();
    assert_eq!(case, &expected.1);
    assert_eq!(host.desk.wakeup(&id("CAB-1")), case.next_wakeup(&v2()));
    // Sending it again adopts nothing more; commands now run under v2.
    assert!(
        host.desk
            .handle(&adoption.case, adoption.command, day(8, 14, 1))
            .unwrap()
            .is_empty()
    );
    host.ok(
        "CAB-1",
        day(8, 14, 2),
        Actor::Customer,
        contact(Channel::Email),
    );
    assert!(
        host.desk
            .plan_rollout(&Rollout::at_once(day(8, 15, 0)))
            .adoptions
            .is_empty()
    );
}

#[test]
fn an_adoption_the_case_refuses_changes_nothing() {
    let mut host = Host::new(Policy::recommended());
    host.open("CAB-1", day(8, 9, 0), Channel::Email);
    host.ok(
        "CAB-1",
        day(8, 9, 5),
        Actor::System,
        assign(agent("lee", "executive")),
    );
    let before = host.desk.case(&id("CAB-1")).unwrap().clone();
    host.desk
        .roll_out(
            Policy::new("v2", ["frontline", "supervisor"]).unwrap(),
            &Rollout::at_once(day(8, 14, 0)),
        )
        .unwrap();
    let err = host
        .send(
            "CAB-1",
            day(8, 14, 0),
            Actor::System,
            CommandKind::AdoptPolicy,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        DeskError::Refused {
            refusal: Refusal::AdoptionDropsOwnerTier { .. },
            ..
        }
    ));
    assert_eq!(host.desk.case(&id("CAB-1")).unwrap(), &before);
}
