//! Policies as data: loading, the recommended policy, broken inputs with
//! their exact messages, round trips, and each trigger and action at work.

use escalate::policy::Policy;

#[test]
fn the_recommended_file_equals_recommended() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/recommended.toml"
    ))
    .unwrap();
    let from_file = Policy::from_toml_str(&text).unwrap();
    assert_eq!(from_file, Policy::recommended());
    assert!(from_file.lint().is_empty(), "{:?}", from_file.lint());
}

// ---------------------------------------------------------------------------
// Broken inputs, each with its exact message.

/// The head of every TOML input in the table.
const HEAD: &str = r#"version = "v"
tiers = ["frontline", "supervisor", "manager"]
"#;

/// Three valid rules, so that a broken fourth one is `rules[3]`.
const THREE_RULES: &str = r#"
[[rules]]
name = "a"
when = "public_contact"
then = "require_review"

[[rules]]
name = "b"
when = "churn_signal"
then = "require_review"

[[rules]]
name = "c"
when = "deflection"
then = "require_review"
"#;

fn toml_rule(body: &str) -> String {
    format!("{HEAD}\n[[rules]]\n{body}\n")
}

enum Input {
    Toml(String),
    Json(&'static str),
}

#[allow(clippy::too_many_lines)] // the table, one row per broken input
fn broken_inputs() -> Vec<(Input, &'static str)> {
    use Input::{Json, Toml};
    vec![
        (
            Toml(format!(
                "{HEAD}{THREE_RULES}\n[[rules]]\nname = \"d\"\nwhen = {{ failures_at_least = 2 }}\nthen = {{ escalate_to = \"regionl\" }}\n"
            )),
            r#"rules[3].then.escalate_to: no tier named "regionl"; tiers are frontline, supervisor, manager"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = [\"require_review\", { require_owner = \"boss\" }]",
            )),
            r#"rules[0].then[1].require_owner: no tier named "boss"; tiers are frontline, supervisor, manager"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = { require_apology = \"Manager\" }",
            )),
            r#"rules[0].then.require_apology: no tier named "Manager"; tiers are frontline, supervisor, manager"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[[sla]]\nmetric = \"first_response\"\ntargets = [{{ when = {{ channel = \"email\" }}, target = {{ within = \"4h\", calendar = \"desk\" }} }}]\n"
            )),
            r#"sla[0].targets[0].target.calendar: no calendar named "desk"; calendars are always"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[calendars.store]\ntime_zone = \"UTC\"\nhours = {{ mon = [\"09:00-17:00\"] }}\n\n[[sla]]\nmetric = \"resolution\"\nfallback = {{ within = \"2 business days\", calendar = \"shop\" }}\n"
            )),
            r#"sla[0].fallback.calendar: no calendar named "shop"; calendars are always, store"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = \"escalate_one_tier\"\ndelay = { after = \"2h\", from = \"level\", calendar = \"desk\" }",
            )),
            r#"rules[0].delay.calendar: no calendar named "desk"; calendars are always"#,
        ),
        (
            Toml(
                "version = \"v\"\ntiers = [\"frontline\", \"supervisor\", \"frontline\"]\n".into(),
            ),
            r#"tiers[2]: tier "frontline" is named twice"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[[rules]]\nname = \"x\"\nwhen = \"public_contact\"\nthen = \"require_review\"\n\n[[rules]]\nname = \"x\"\nwhen = \"churn_signal\"\nthen = \"require_review\"\n"
            )),
            r#"rules[1].name: rule "x" is defined twice"#,
        ),
        (
            Toml(format!(
                "{HEAD}\n[[sla]]\nmetric = \"first_response\"\nfallback = {{ within = \"4h\" }}\n\n[[sla]]\nmetric = \"first_response\"\nfallback = {{ within = \"1h\" }}\n"
            )),
            "sla[1].metric: metric first response is configured twice",
        ),
        (
            Toml(toml_rule(
                "name = \"  \"\nwhen = \"public_contact\"\nthen = \"require_review\"",
            )),
            "rules[0].name: a rule needs a name",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = []",
            )),
            "rules[0].then: a rule needs at least one action",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { survey_score_at_most = 6 }\nthen = \"require_review\"",
            )),
            "rules[0].when.survey_score_at_most: a survey score is 1 to 5, not 6",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { survey_score_at_most = 0 }\nthen = \"require_review\"",
            )),
            "rules[0].when.survey_score_at_most: a survey score is 1 to 5, not 0",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { all = [\"high_value_customer\", { any = [\"churn_signal\", { survey_score_at_most = 7 }] }] }\nthen = \"require_review\"",
            )),
            "rules[0].when.all[1].any[1].survey_score_at_most: a survey score is 1 to 5, not 7",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { repeat_contact = 0 }\nthen = \"require_review\"",
            )),
            "rules[0].when.repeat_contact: count contacts from 1",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { any = [\"churn_signal\", { failures_at_least = 0 }] }\nthen = \"require_review\"",
            )),
            "rules[0].when.any[1].failures_at_least: count failures from 1",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = \"escalate_one_tier\"\nrepeat = 2",
            )),
            "rules[0].repeat: repeating needs a delay",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = { all = [] }\nthen = \"require_review\"",
            )),
            "rules[0].when.all: needs at least one condition",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"teleport\"\nthen = \"require_review\"",
            )),
            "rules[0].when: unknown variant `teleport`, expected one of `all`, `any`, `sla_warning`, `sla_breach`, `repeat_contact`, `public_contact`, `survey_score_at_most`, `churn_signal`, `failures_at_least`, `severity_at_least`, `high_value_customer`, `internal_detection`, `deflection`, `promise_at_risk`, `promise_broken`, `handoff_not_accepted`, `escalated`, `unowned`, `unanswered`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = { escalate_too = \"manager\" }",
            )),
            "rules[0].then.escalate_too: unknown variant `escalate_too`, expected one of `require_owner`, `escalate_to`, `escalate_one_tier`, `require_call`, `require_apology`, `recommend`, `require_review`, `notify`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = [\"require_review\", \"page_the_ceo\"]",
            )),
            "rules[0].then[1]: unknown variant `page_the_ceo`, expected one of `require_owner`, `escalate_to`, `escalate_one_tier`, `require_call`, `require_apology`, `recommend`, `require_review`, `notify`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"public_contact\"\nthen = \"require_review\"\nafter = \"2h\"",
            )),
            "rules[0].after: unknown field `after`, expected one of `name`, `when`, `then`, `delay`, `repeat`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = \"require_review\"\ndelay = { after = \"4 hours\", from = \"condition\" }",
            )),
            r#"rules[0].delay.after: invalid span "4 hours": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = \"4 hours\" }",
            )),
            r#"rules[0].then.require_call: invalid span "4 hours": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = { within = \"4 hours\", calendar = \"always\" } }",
            )),
            r#"rules[0].then.require_call.within: invalid span "4 hours": expected a duration such as "4h", "15m", "1h30m" or "2 business days""#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = { within = \"4h\", calendar = \"shop\" } }",
            )),
            r#"rules[0].then.require_call.calendar: no calendar named "shop"; calendars are always"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = { within = \"4h\", on = \"always\" } }",
            )),
            "rules[0].then.require_call.on: unknown field `on`, expected `within` or `calendar`",
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { require_call = 4 }",
            )),
            r#"rules[0].then.require_call: invalid type: integer `4`, expected a span such as "2h", or a table such as { within = "2h", calendar = "store" }"#,
        ),
        (
            Toml(format!("{HEAD}default_calendar = \"shop\"\n")),
            r#"default_calendar: no calendar named "shop"; calendars are always"#,
        ),
        (
            Toml(format!("{HEAD}default_calendar = \"\"\n")),
            r#"default_calendar: invalid calendar name "": it is empty"#,
        ),
        (
            Toml(toml_rule(
                "name = \"x\"\nwhen = \"unanswered\"\nthen = { notify = { who = \"lead\", why = \"slow\", by = \"1h\" } }",
            )),
            "rules[0].then.notify.by: unknown field `by`, expected one of `who`, `why`, `within`",
        ),
        (
            Toml(format!("{HEAD}deflection = \"ignore\"\n")),
            "deflection: unknown variant `ignore`, expected one of `refuse`, `record_failure`, `allow`",
        ),
        (
            Toml(format!("{HEAD}rulez = []\n")),
            "rulez: unknown field `rulez`, expected one of `version`, `tiers`, `time_zone`, `calendars`, `default_calendar`, `sla`, `rules`, `deflection`, `recovery`",
        ),
        (
            Toml("version = \"v\"\ntiers = [\"frontline\"\n".into()),
            "toml: TOML parse error at line 2, column 21\n  |\n2 | tiers = [\"frontline\"\n  |                     ^\nunclosed array, expected `]`",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline", "supervisor"], "rules": [{"name": "x", "when": "public_contact", "then": {"escalate_to": "regionl"}}]}"#,
            ),
            r#"rules[0].then.escalate_to: no tier named "regionl"; tiers are frontline, supervisor"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "public_contact", "then": {"require_owner": ""}}]}"#,
            ),
            r#"rules[0].then.require_owner: invalid tier name "": it is empty"#,
        ),
        (
            Json(r#"{"version": "v", "tiers": ["frontline"]} {"#),
            "json: trailing characters at line 1 column 42",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "calendars": {"desk": {"time_zone": "UTC", "hours": {"mon": ["9-17"]}}}}"#,
            ),
            r#"calendars.desk.hours.mon[0]: invalid time "9": expected HH:MM between 00:00 and 24:00"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "calendars": {"desk": {"time_zone": "Mars/Olympus", "hours": {"mon": ["09:00-17:00"]}}}}"#,
            ),
            r#"calendars.desk.time_zone: unknown time zone "Mars/Olympus": expected an IANA name such as "America/New_York""#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": {"any": []}, "then": "require_review"}]}"#,
            ),
            "rules[0].when.any: needs at least one condition",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": {"survey_score_at_most": 300}, "then": "require_review"}]}"#,
            ),
            "rules[0].when.survey_score_at_most: invalid value: integer `300`, expected u8",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "unanswered"}]}"#,
            ),
            "rules[0]: missing field `then`",
        ),
        (
            Json(r#"{"version": "", "tiers": ["frontline"]}"#),
            "version: the version label is empty",
        ),
        (
            Json(r#"{"version": "v", "tiers": "frontline"}"#),
            r#"tiers: invalid type: string "frontline", expected a sequence"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "calendars": {"always": {"time_zone": "UTC", "hours": {"mon": ["09:00-17:00"]}}}}"#,
            ),
            r#"calendars.always: the name "always" is built in (open around the clock)"#,
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": "unanswered", "then": {"recommend": " "}}]}"#,
            ),
            "rules[0].then.recommend: unknown variant ` `, expected one of `apology`, `reperform`, `expedite`, `exchange`, `waive`, `credit`, `partial_refund`, `full_refund`, `keep_item`",
        ),
        (
            Json(
                r#"{"version": "v", "tiers": ["frontline"], "rules": [{"name": "x", "when": {"sla_breach": "first_reply"}, "then": "require_review"}]}"#,
            ),
            "rules[0].when.sla_breach: unknown variant `first_reply`, expected one of `first_response`, `next_response`, `periodic_update`, `resolution`, `promise`",
        ),
    ]
}

#[test]
fn broken_inputs_have_exact_messages() {
    let mut wrong = Vec::new();
    let table = broken_inputs();
    assert!(table.len() >= 20);
    for (i, (input, expected)) in table.iter().enumerate() {
        let (text, result) = match input {
            Input::Toml(t) => (t.as_str(), Policy::from_toml_str(t)),
            Input::Json(j) => (*j, Policy::from_json_str(j)),
        };
        match result {
            Ok(_) => wrong.push(format!("#{i}: accepted:\n{text}")),
            Err(e) if e.to_string() != *expected => {
                wrong.push(format!("#{i}: got\n{e}\nwanted\n{expected}\n"));
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------
// Each trigger and each action at work.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use escalate::policy::{
    Action, Call, Condition, DeflectionPolicy, Delay, DelayFrom, LintLevel, Notice, Rule,
};
use escalate::recovery::GestureKind;
use escalate::sla::{BusinessCalendar, Metric, MetricPolicy, Target, Threshold, Within};
use escalate::{
    Actor, Agent, Case, Channel, Command, CommandKind, Customer, CustomerValue, Event, EventKind,
    FailureKind, Origin, Outcome, Priority, PromiseId, Refusal, ResponseKind, SurveyScore, Tier,
};

/// 2021-03-01 was a Monday.
fn mon(h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 1, h, mi, 0).unwrap()
}

fn day(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, d, h, mi, 0).unwrap()
}

/// A calendar name (test input, known valid).
fn cal(name: &str) -> escalate::sla::CalendarName {
    name.parse().unwrap()
}

fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

/// Three tiers and a Monday-to-Friday 09:00-17:00 calendar named `business`
/// (the default calendar), no SLA and no rules.
fn bare() -> Policy {
    bare_without_default()
        .with_default_calendar(cal("business"))
        .unwrap()
}

/// `bare` without a default calendar: calls are counted on `always`.
fn bare_without_default() -> Policy {
    let business = BusinessCalendar::builder(chrono_tz::UTC)
        .weekdays(&["09:00-17:00"])
        .build()
        .unwrap();
    Policy::new("test", ["frontline", "supervisor", "manager"])
        .unwrap()
        .with_calendar(cal("business"), business)
        .unwrap()
}

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
            warnings: vec![Threshold::Before(hours(1))],
            reopen: escalate::sla::Reopen::NewCycle,
        })
        .unwrap()
}

#[track_caller]
fn with_rules(policy: Policy, rules: impl IntoIterator<Item = Rule>) -> Policy {
    rules
        .into_iter()
        .fold(policy, |p, r| p.with_rule(r).unwrap())
}

fn tier(name: &str) -> Tier {
    name.parse().unwrap()
}

fn agent(id: &str, t: &str) -> Agent {
    Agent::new(id.parse().unwrap(), tier(t))
}

fn sam() -> Agent {
    agent("sam", "frontline")
}

struct Story {
    case: Case,
    policy: Policy,
    n: u32,
    /// Every event applied, in order.
    log: Vec<Event>,
}

impl Story {
    fn new(policy: Policy) -> Self {
        Story {
            case: Case::new("P-1".parse().unwrap()),
            policy,
            n: 0,
            log: Vec::new(),
        }
    }

    /// Ticks up to `at`, then handles the command at `at`.
    #[track_caller]
    fn run(&mut self, at: DateTime<Utc>, actor: Actor, kind: CommandKind) -> Vec<Event> {
        let mut all = self.tick(at);
        all.extend(self.handle(at, actor, kind).unwrap());
        all
    }

    /// Handles the command at `at` without ticking first.
    fn handle(
        &mut self,
        at: DateTime<Utc>,
        actor: Actor,
        kind: CommandKind,
    ) -> Result<Vec<Event>, Refusal> {
        self.n += 1;
        let cmd = Command::new(format!("c{}", self.n).parse().unwrap(), actor, at, kind);
        let events = self.case.handle(&self.policy, cmd, at)?;
        self.apply(&events);
        Ok(events)
    }

    fn apply(&mut self, events: &[Event]) {
        for e in events {
            self.case.apply(e);
        }
        self.log.extend_from_slice(events);
    }

    fn tick(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let events = self.case.tick(&self.policy, now);
        self.apply(&events);
        events
    }

    #[track_caller]
    fn open_with(
        &mut self,
        at: DateTime<Utc>,
        origin: Origin,
        value: CustomerValue,
        priority: Priority,
    ) {
        let actor = match origin {
            Origin::Contact { .. } | Origin::Survey { .. } => Actor::Customer,
            Origin::InternalDetection => Actor::Agent(sam()),
            Origin::Referral { .. } => Actor::System,
        };
        self.run(
            at,
            actor,
            CommandKind::Open {
                customer: Customer::new("cust".parse().unwrap(), value),
                origin,
                summary: "problem".into(),
                priority,
            },
        );
    }

    /// Opens by an email from a standard customer at normal priority.
    #[track_caller]
    fn open(&mut self, at: DateTime<Utc>) {
        self.open_with(
            at,
            Origin::Contact {
                channel: Channel::Email,
            },
            CustomerValue::Standard,
            Priority::Normal,
        );
    }

    #[track_caller]
    fn assign(&mut self, at: DateTime<Utc>, to: Agent) {
        self.run(at, Actor::System, CommandKind::Assign { to });
    }

    #[track_caller]
    fn contact(&mut self, at: DateTime<Utc>, channel: Channel) -> Vec<Event> {
        self.run(
            at,
            Actor::Customer,
            CommandKind::Contact {
                channel,
                note: "again".into(),
            },
        )
    }

    #[track_caller]
    fn respond(&mut self, at: DateTime<Utc>, kind: ResponseKind) -> Vec<Event> {
        self.run(
            at,
            Actor::System,
            CommandKind::Respond {
                channel: Channel::Email,
                note: "reply".into(),
                kind,
            },
        )
    }

    #[track_caller]
    fn resolve(&mut self, at: DateTime<Utc>) -> Vec<Event> {
        self.run(
            at,
            Actor::System,
            CommandKind::Resolve {
                summary: "fixed".into(),
            },
        )
    }
}

/// Whether an event is one that rules produce.
fn is_rule_event(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::RuleFired { .. }
            | EventKind::OwnerRequired { .. }
            | EventKind::EscalationRequired { .. }
            | EventKind::ApologyRequired { .. }
            | EventKind::GestureRecommended { .. }
            | EventKind::ReviewRequired { .. }
            | EventKind::Notified { .. }
            | EventKind::RuleArmed { .. }
            | EventKind::RuleDisarmed { .. }
    )
}

/// The rule events among `events`, with their instants.
fn rule_events(events: &[Event]) -> Vec<(DateTime<Utc>, EventKind)> {
    events
        .iter()
        .filter(|e| is_rule_event(e.kind()))
        .map(|e| (e.at(), e.kind().clone()))
        .collect()
}

fn fired(rule: &str, when: &Condition) -> EventKind {
    EventKind::RuleFired {
        rule: rule.into(),
        when: when.to_string().into(),
    }
}

fn review(rule: &str) -> EventKind {
    EventKind::ReviewRequired { rule: rule.into() }
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

fn email() -> Origin {
    Origin::Contact {
        channel: Channel::Email,
    }
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
        s.open_with(
            mon(9, 0),
            Origin::Survey {
                score: SurveyScore::new(1).unwrap(),
            },
            CustomerValue::Standard,
            Priority::Normal,
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
            s.open_with(mon(9, 0), email(), CustomerValue::Standard, priority);
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
}

#[test]
fn high_value_customer() {
    let open = |value| {
        move |s: &mut Story| {
            s.open_with(mon(9, 0), email(), value, Priority::Normal);
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
            s.open_with(
                mon(9, 0),
                origin.clone(),
                CustomerValue::Standard,
                Priority::Normal,
            );
        }
    };
    let c = Condition::InternalDetection;
    check_trigger(&bare(), &c, open(Origin::InternalDetection), &[mon(9, 0)]);
    check_trigger(&bare(), &c, open(email()), &[]);
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

fn kim() -> Agent {
    agent("kim", "frontline")
}

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
            s.open_with(mon(9, 0), email(), value, Priority::Normal);
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

fn delayed(from: DelayFrom, after: Within, repeat: u32) -> Rule {
    Rule::new("late", Condition::Unanswered, [Action::RequireReview]).with_delay(
        Delay {
            after,
            from,
            calendar: cal("business"),
        },
        repeat,
    )
}

fn armed(at: DateTime<Utc>) -> (DateTime<Utc>, EventKind) {
    (
        at,
        EventKind::RuleArmed {
            rule: "late".into(),
        },
    )
}

fn disarmed(at: DateTime<Utc>) -> (DateTime<Utc>, EventKind) {
    (
        at,
        EventKind::RuleDisarmed {
            rule: "late".into(),
        },
    )
}

fn late_fired(at: DateTime<Utc>) -> [(DateTime<Utc>, EventKind); 2] {
    [
        (at, fired("late", &Condition::Unanswered)),
        (at, review("late")),
    ]
}

#[test]
fn a_delayed_rule_from_its_condition_fires_at_business_instants_and_repeats_a_bounded_number_of_times()
 {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Condition, Within::Time(hours(2)), 1)],
    );
    let mut s = Story::new(policy);
    s.open(mon(16, 0)); // unanswered from Monday 16:00
    assert_eq!(rule_events(&s.log), [armed(mon(16, 0))]);
    // 1 business hour on Monday, 1 on Tuesday: Tuesday 10:00, then 12:00.
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(2, 10, 0)));
    assert_eq!(s.tick(day(2, 9, 59)), []);
    let first = s.tick(day(2, 11, 0));
    assert_eq!(rule_events(&first), late_fired(day(2, 10, 0)));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(2, 12, 0)));
    let second = s.tick(day(5, 0, 0));
    assert_eq!(rule_events(&second), late_fired(day(2, 12, 0)));
    // Repeated once: done.
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(12, 0, 0)), []);
    // An answer disarms it.
    let answered = s.respond(day(12, 9, 0), ResponseKind::Answer);
    assert_eq!(rule_events(&answered), [disarmed(day(12, 9, 0))]);
    assert_eq!(Case::replay(s.log.clone()).unwrap(), s.case);
}

#[test]
fn a_delayed_rule_is_disarmed_when_its_condition_stops_holding() {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Condition, Within::Time(hours(2)), 3)],
    );
    let mut s = Story::new(policy.clone());
    s.open(mon(16, 0));
    let answered = s.respond(day(2, 9, 30), ResponseKind::Answer);
    assert_eq!(rule_events(&answered), [disarmed(day(2, 9, 30))]);
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(9, 0, 0)), []);
    // Unanswered again from Tuesday 10:00: armed anew, due Tuesday 12:00.
    let again = s.contact(day(2, 10, 0), Channel::Email);
    assert_eq!(rule_events(&again), [armed(day(2, 10, 0))]);
    assert_eq!(s.case.next_wakeup(&s.policy), Some(day(2, 12, 0)));
    // Closing disarms it too, and nothing fires after.
    let closed = s.run(
        day(2, 11, 0),
        Actor::System,
        CommandKind::Close {
            outcome: Outcome::Lost,
            review: None,
        },
    );
    assert_eq!(rule_events(&closed), [disarmed(day(2, 11, 0))]);
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(9, 0, 0)), []);
}

#[test]
fn a_delayed_rule_from_the_level_counts_from_the_last_assignment_or_escalation() {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Level, Within::Time(hours(2)), 1)],
    );
    let mut s = Story::new(policy.clone());
    s.open(mon(9, 0)); // armed at 09:00
    s.assign(mon(9, 30), sam()); // level from 09:30
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(11, 30)));
    let first = s.tick(mon(11, 45));
    assert_eq!(rule_events(&first), late_fired(mon(11, 30)));
    s.run(
        mon(12, 0),
        Actor::System,
        CommandKind::Escalate {
            to: agent("max", "supervisor"),
            reason: "slow".into(),
        },
    );
    // The repeat counts from the new level: 12:00 + 2h.
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(14, 0)));
    let second = s.tick(day(3, 0, 0));
    assert_eq!(rule_events(&second), late_fired(mon(14, 0)));
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    // A case with no owner yet is at the level it was opened at: opened by a
    // referral at 09:00, unanswered from 10:00, due at 11:00.
    let mut s = Story::new(policy);
    s.open_with(
        mon(9, 0),
        Origin::Referral {
            from: "store".into(),
        },
        CustomerValue::Standard,
        Priority::Normal,
    );
    s.contact(mon(10, 0), Channel::Email);
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(11, 0)));
    assert_eq!(rule_events(&s.tick(mon(12, 0))), late_fired(mon(11, 0)));
}

#[test]
fn a_delayed_rule_from_opening() {
    let policy = with_rules(
        bare(),
        [delayed(DelayFrom::Opening, Within::Time(hours(3)), 0)],
    );
    // Opened by a referral (nothing unanswered) at 09:00; the customer
    // writes at 10:00: due at opening + 3 business hours = 12:00.
    let mut s = Story::new(policy.clone());
    s.open_with(
        mon(9, 0),
        Origin::Referral {
            from: "store".into(),
        },
        CustomerValue::Standard,
        Priority::Normal,
    );
    s.contact(mon(10, 0), Channel::Email);
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(12, 0)));
    assert_eq!(rule_events(&s.tick(day(3, 0, 0))), late_fired(mon(12, 0)));
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(day(4, 0, 0)), []);
    // The customer writes only at 13:00, after the delay has run out: the
    // rule fires when its condition starts to hold, never before, and once.
    let mut s = Story::new(policy);
    s.open_with(
        mon(9, 0),
        Origin::Referral {
            from: "store".into(),
        },
        CustomerValue::Standard,
        Priority::Normal,
    );
    s.contact(mon(13, 0), Channel::Email);
    assert_eq!(s.case.next_wakeup(&s.policy), Some(mon(13, 0)));
    assert_eq!(rule_events(&s.tick(mon(14, 0))), late_fired(mon(13, 0)));
    assert_eq!(s.tick(mon(15, 0)), []);
    assert_eq!(s.tick(day(4, 0, 0)), []);
    assert_eq!(s.case.next_wakeup(&s.policy), None);
}

/// A policy whose one rule `r` does `then` on each public contact.
fn on_public(then: impl IntoIterator<Item = Action>) -> Policy {
    with_rules(bare(), [Rule::new("r", Condition::PublicContact, then)])
}

fn public_fired() -> EventKind {
    fired("r", &Condition::PublicContact)
}

/// Opens by email at 09:00, optionally assigns `owner` at 09:05, then posts
/// publicly at 10:00; the events of the post.
fn public_post(policy: Policy, owner: Option<Agent>) -> (Story, Vec<Event>) {
    let mut s = Story::new(policy);
    s.open(mon(9, 0));
    if let Some(owner) = owner {
        s.assign(mon(9, 5), owner);
    }
    let events = s.contact(mon(10, 0), Channel::SocialPublic);
    (s, events)
}

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
                target: hours(18),
                calendar: cal("always"),
                due: Some(due),
            },
        ]
    );
    assert_eq!(s.case.promises().len(), 1);
    assert_eq!(s.case.promises()[0].due(), Some(due));
    assert_eq!(s.case.next_wakeup(&s.policy), Some(due));
    // Unkept, the promise's clock breaches at the due instant.
    let late = s.tick(day(2, 11, 0));
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].at(), due);
    assert!(matches!(late[0].kind(), EventKind::SlaBreached { .. }));
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
            },
            EventKind::GestureRecommended {
                rule: "r".into(),
                gesture: "waive".into(),
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

// ---------------------------------------------------------------------------
// Properties.

use proptest::prelude::*;

const TIER_POOL: [&str; 6] = [
    "frontline",
    "supervisor",
    "manager",
    "regional",
    "executive",
    "board",
];

fn within() -> impl Strategy<Value = Within> + Clone {
    prop_oneof![
        (1i64..200_000).prop_map(|s| Within::Time(TimeDelta::seconds(s))),
        (1u32..15).prop_map(Within::BusinessDays),
    ]
}

fn calendar() -> impl Strategy<Value = BusinessCalendar> {
    let zones = prop::sample::select(vec![
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::Europe::Berlin,
        chrono_tz::Australia::Lord_Howe,
    ]);
    let day_hours = prop::sample::select(vec![
        vec![],
        vec!["09:00-17:00"],
        vec!["08:00-12:00", "13:00-18:30"],
        vec!["22:00-06:00"],
        vec!["00:00-24:00"],
        vec!["07:15:30-11:45"],
    ]);
    let date = (1u32..28, 1u32..13)
        .prop_map(|(d, m)| chrono::NaiveDate::from_ymd_opt(2021, m, d).unwrap());
    (
        zones,
        prop::collection::vec(day_hours, 7),
        prop::option::of(date.clone()),
        prop::option::of(date.clone()),
        prop::option::of(date),
    )
        .prop_map(|(tz, mut week, holiday, break_on, shift)| {
            // A calendar that is never open is refused.
            if week.iter().all(Vec::is_empty) {
                week[0] = vec!["09:00-17:00"];
            }
            let days = [
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
                chrono::Weekday::Sat,
                chrono::Weekday::Sun,
            ];
            let mut b = BusinessCalendar::builder(tz);
            for (d, spans) in days.iter().zip(&week) {
                b = b.hours(*d, spans);
            }
            if let Some(h) = holiday {
                b = b.holiday(h);
            }
            if let Some(d) = break_on {
                b = b.break_on(d, &["12:00-13:00"]);
            }
            // A shift on a holiday is refused; keep the holiday.
            if let Some(d) = shift.filter(|d| Some(*d) != holiday) {
                b = b.shift(d, &["10:00-14:00"]);
            }
            b.build().unwrap()
        })
}

fn condition() -> impl Strategy<Value = Condition> {
    let metric = prop::sample::select(vec![
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::PeriodicUpdate,
        Metric::Resolution,
        Metric::Promise,
    ]);
    let priority = prop::sample::select(vec![
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ]);
    let leaf = prop_oneof![
        metric.clone().prop_map(Condition::SlaWarning),
        metric.prop_map(Condition::SlaBreach),
        (1u32..6).prop_map(Condition::RepeatContact),
        Just(Condition::PublicContact),
        (1u8..=5).prop_map(Condition::SurveyScoreAtMost),
        Just(Condition::ChurnSignal),
        (1u32..4).prop_map(Condition::FailuresAtLeast),
        priority.prop_map(Condition::SeverityAtLeast),
        Just(Condition::HighValueCustomer),
        Just(Condition::InternalDetection),
        Just(Condition::Deflection),
        Just(Condition::PromiseAtRisk),
        Just(Condition::PromiseBroken),
        within().prop_map(Condition::HandoffNotAccepted),
        Just(Condition::Escalated),
        Just(Condition::Unowned),
        Just(Condition::Unanswered),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Condition::All),
            prop::collection::vec(inner, 1..4).prop_map(Condition::Any),
        ]
    })
}

/// Free text with characters that need escaping in TOML and JSON.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 \"'\\\\.:#=\\[\\]{},é✓\t-]{0,16}"
}

fn action(tiers: Vec<String>, calendars: Vec<String>) -> impl Strategy<Value = Action> {
    let tier = prop::sample::select(tiers).prop_map(|t| tier(&t));
    let call = (within(), prop::option::of(prop::sample::select(calendars))).prop_map(
        |(within, calendar)| Call {
            within,
            calendar: calendar.map(|c| cal(&c)),
        },
    );
    let notice = (text(), text(), prop::option::of(within()))
        .prop_map(|(who, why, within)| Notice { who, why, within });
    prop_oneof![
        tier.clone().prop_map(Action::RequireOwner),
        tier.clone().prop_map(Action::EscalateTo),
        Just(Action::EscalateOneTier),
        call.prop_map(Action::RequireCall),
        tier.prop_map(Action::RequireApology),
        prop::sample::select(GestureKind::ALL.to_vec()).prop_map(Action::Recommend),
        Just(Action::RequireReview),
        notice.prop_map(Action::Notify),
    ]
}

fn rule(tiers: Vec<String>, calendars: Vec<String>) -> impl Strategy<Value = Rule> {
    let from = prop::sample::select(vec![
        DelayFrom::Condition,
        DelayFrom::Level,
        DelayFrom::Opening,
    ]);
    let delay = (within(), from, prop::sample::select(calendars.clone())).prop_map(
        |(after, from, calendar)| Delay {
            after,
            from,
            calendar: cal(&calendar),
        },
    );
    (
        text(),
        condition(),
        prop::collection::vec(action(tiers, calendars), 1..4),
        prop::option::of((delay, 0u32..4)),
    )
        .prop_map(|(name, when, then, delay)| {
            let rule = Rule::new(name, when, then);
            match delay {
                Some((delay, repeat)) => rule.with_delay(delay, repeat),
                None => rule,
            }
        })
}

fn metric_policy(calendars: Vec<String>) -> impl Strategy<Value = MetricPolicy> {
    let target = (within(), prop::sample::select(calendars))
        .prop_map(|(within, calendar)| Target::new(within, cal(&calendar)));
    let matcher = (
        prop::option::of(prop::sample::select(vec![Priority::Low, Priority::High])),
        prop::option::of(prop::sample::select(vec![
            Channel::Email,
            Channel::SocialPublic,
            Channel::Voicemail,
        ])),
        prop::option::of(prop::sample::select(vec![
            CustomerValue::Standard,
            CustomerValue::HighValue,
        ])),
    )
        .prop_map(|(priority, channel, customer)| escalate::sla::Match {
            priority,
            channel,
            customer,
        });
    let threshold = prop_oneof![
        (1u16..150).prop_map(Threshold::Percent),
        (1i64..100_000).prop_map(|s| Threshold::Before(TimeDelta::seconds(s))),
    ];
    (
        prop::collection::vec((matcher, target.clone()), 0..3),
        prop::option::of(target),
        prop::collection::vec(threshold, 0..3),
        prop::sample::select(vec![
            escalate::sla::Reopen::NewCycle,
            escalate::sla::Reopen::Continue,
            escalate::sla::Reopen::FirstOnly,
        ]),
    )
        .prop_map(|(rows, fallback, warnings, reopen)| MetricPolicy {
            metric: Metric::FirstResponse,
            targets: rows
                .into_iter()
                .map(|(when, target)| escalate::sla::TargetRule { when, target })
                .collect(),
            fallback,
            warnings,
            reopen,
        })
}

/// Random valid policies: tiers, calendars, SLA metrics, rules, deflection.
fn policy() -> impl Strategy<Value = Policy> {
    let tiers = prop::sample::subsequence(TIER_POOL.to_vec(), 1..=TIER_POOL.len());
    let names = prop::collection::btree_set("[a-z][a-z0-9_ .-]{0,8}", 0..3).prop_map(|set| {
        set.into_iter()
            .filter(|n| n != "always")
            .collect::<Vec<_>>()
    });
    (tiers, names, "[a-z0-9][a-z0-9.-]{0,10}")
        .prop_flat_map(|(tiers, names, version)| {
            let tiers: Vec<String> = tiers.into_iter().map(str::to_owned).collect();
            let usable: Vec<String> = std::iter::once("always".to_owned())
                .chain(names.iter().cloned())
                .collect();
            (
                Just(version),
                Just(tiers.clone()),
                prop::collection::vec(calendar(), names.len())
                    .prop_map(move |cals| names.clone().into_iter().zip(cals).collect::<Vec<_>>()),
                prop::collection::vec(metric_policy(usable.clone()), 0..4),
                prop::sample::select(usable.clone()),
                prop::collection::vec(rule(tiers, usable), 0..6),
                prop::sample::select(vec![
                    DeflectionPolicy::Refuse,
                    DeflectionPolicy::RecordFailure,
                    DeflectionPolicy::Allow,
                ]),
                prop::sample::select(vec![chrono_tz::UTC, chrono_tz::Asia::Kolkata]),
            )
        })
        .prop_map(
            |(version, tiers, calendars, sla, default, rules, deflection, tz)| {
                let mut p = Policy::new(version, &tiers).unwrap().with_time_zone(tz);
                for (name, cal) in calendars {
                    p = p.with_calendar(name.parse().unwrap(), cal).unwrap();
                }
                p = p.with_default_calendar(cal(&default)).unwrap();
                let metrics = [
                    Metric::FirstResponse,
                    Metric::NextResponse,
                    Metric::PeriodicUpdate,
                    Metric::Resolution,
                ];
                for (mut m, metric) in sla.into_iter().zip(metrics) {
                    m.metric = metric;
                    p = p.with_sla(m).unwrap();
                }
                for (i, mut r) in rules.into_iter().enumerate() {
                    r.name = format!("{i}: {}", r.name);
                    p = p.with_rule(r).unwrap();
                }
                p.with_deflection(deflection)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any valid policy reads back unchanged from its TOML and its JSON.
    #[test]
    fn valid_policies_round_trip_through_toml_and_json(p in policy()) {
        let toml = p.to_toml_string().unwrap();
        let back = Policy::from_toml_str(&toml);
        prop_assert_eq!(back.as_ref(), Ok(&p), "TOML:\n{}", toml);
        let json = serde_json::to_string(&p).unwrap();
        let back = Policy::from_json_str(&json);
        prop_assert_eq!(back.as_ref(), Ok(&p), "JSON:\n{}", json);
        // And the TOML written again is the same text.
        prop_assert_eq!(Policy::from_toml_str(&toml).unwrap().to_toml_string().unwrap(), toml);
    }
}

fn step(k: u8, param: u32, t: DateTime<Utc>) -> (Actor, CommandKind) {
    let contact = |channel| CommandKind::Contact {
        channel,
        note: "?".into(),
    };
    let respond = |kind| CommandKind::Respond {
        channel: Channel::Email,
        note: "reply".into(),
        kind,
    };
    let tier_of = |n: u32| {
        [
            "frontline",
            "supervisor",
            "manager",
            "regional",
            "executive",
        ][n as usize % 5]
    };
    let promise = PromiseId::new(param % 3 + 1);
    match k {
        0 | 1 => (Actor::Customer, contact(Channel::Email)),
        2 => (Actor::Customer, contact(Channel::SocialPublic)),
        3 => (Actor::Customer, contact(Channel::Voicemail)),
        4 | 5 => (Actor::System, respond(ResponseKind::Answer)),
        6 => (Actor::System, respond(ResponseKind::Deflection)),
        7 => (Actor::System, CommandKind::Assign { to: sam() }),
        8 => (
            Actor::System,
            CommandKind::Escalate {
                to: agent("max", tier_of(param)),
                reason: "why not".into(),
            },
        ),
        9 => (
            Actor::System,
            CommandKind::RecordFailure {
                kind: FailureKind::Service,
                description: "again".into(),
                loss: None,
            },
        ),
        10 => (
            Actor::Customer,
            CommandKind::AnswerSurvey {
                score: SurveyScore::new(u8::try_from(param % 5).unwrap() + 1).unwrap(),
                comment: "".into(),
            },
        ),
        11 => (
            Actor::Customer,
            CommandKind::SignalChurn { note: "bye".into() },
        ),
        12 => (
            Actor::System,
            CommandKind::Promise {
                what: "call".into(),
                due: t + TimeDelta::minutes(i64::from(param % 900)),
            },
        ),
        13 => (Actor::System, CommandKind::KeepPromise { promise }),
        14 => (Actor::System, CommandKind::BreakPromise { promise }),
        15 => (
            Actor::System,
            CommandKind::WaitOnCustomer {
                reason: "info".into(),
            },
        ),
        16 => (
            Actor::System,
            CommandKind::Resolve {
                summary: "done".into(),
            },
        ),
        17 => (Actor::System, CommandKind::HandOff { to: kim() }),
        18 => (Actor::Agent(kim()), CommandKind::AcceptHandoff),
        _ => (
            Actor::System,
            CommandKind::Close {
                outcome: Outcome::Retained,
                review: None,
            },
        ),
    }
}

/// The recommended policy on a New York business calendar.
fn recommended_in_new_york() -> Policy {
    let business = BusinessCalendar::builder(chrono_tz::America::New_York)
        .weekdays(&["09:00-17:00"])
        .build()
        .unwrap();
    Policy::recommended()
        .with_calendar(cal("business"), business)
        .unwrap()
}

/// Runs a story under the recommended policy, ticking before each command at
/// the command's time and, with `extra`, also at those instants in between.
/// Returns the case and every event of every command and tick, in order.
fn run_recommended(steps: &[(i64, u8, u32)], extra: Option<&[i64]>) -> Case {
    let start = Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0).unwrap(); // Friday 14:00 in New York
    let mut s = Story::new(recommended_in_new_york());
    s.open_with(start, email(), CustomerValue::Standard, Priority::Normal);
    let mut t = start;
    let mut extra_ticks = extra.unwrap_or(&[]).iter();
    for &(minutes, k, param) in steps {
        if let Some(e) = extra_ticks.next() {
            s.tick(t + TimeDelta::minutes(e.rem_euclid(minutes.max(1))));
        }
        t += TimeDelta::minutes(minutes);
        let (actor, kind) = step(k, param, t);
        s.tick(t);
        let _refused = s.handle(t, actor, kind);
    }
    s.tick(t + TimeDelta::days(30));
    s.case
}

fn steps() -> impl Strategy<Value = Vec<(i64, u8, u32)>> {
    prop::collection::vec((1i64..3000, 0u8..20, 0u32..10_000), 1..30)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Ticking more often changes nothing under the recommended policy: the
    /// same events in the same order; and a rule escalates at one instant at
    /// most once per cause: per event at that instant, plus the instant itself
    /// for a delayed rule (two breaches at 09:00 may escalate twice, a breach
    /// ticked twice may not).
    #[test]
    fn ticks_never_fire_a_rule_twice_for_one_cause(
        steps in steps(),
        extra in prop::collection::vec(0i64..100_000, 30),
    ) {
        let sparse = run_recommended(&steps, None);
        let dense = run_recommended(&steps, Some(&extra));
        prop_assert_eq!(&dense, &sparse);
        let mut causes = std::collections::HashMap::new();
        let mut escalations = std::collections::HashMap::new();
        for event in sparse.events() {
            match event.kind() {
                EventKind::EscalationRequired { rule, .. } | EventKind::OwnerRequired { rule, .. } => {
                    *escalations.entry((rule.clone(), event.at())).or_insert(0) += 1;
                }
                kind if !is_rule_event(kind) => *causes.entry(event.at()).or_insert(0) += 1,
                _ => {}
            }
        }
        for ((rule, at), n) in escalations {
            let causes = causes.get(&at).copied().unwrap_or(0) + 1;
            prop_assert!(n <= causes, "{} escalated {} times at {} for {} events", rule, n, at, causes);
        }
        prop_assert_eq!(&Case::replay(sparse.events().to_vec()).unwrap(), &sparse);
        // Everything due has fired.
        prop_assert_eq!(sparse.next_wakeup(&recommended_in_new_york()), None);
    }

    /// The same inputs give the same events.
    #[test]
    fn evaluation_is_deterministic(steps in steps()) {
        prop_assert_eq!(run_recommended(&steps, None), run_recommended(&steps, None));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The same law under random valid policies.
    #[test]
    fn ticks_change_nothing_under_random_policies(
        policy in policy(),
        steps in steps(),
        extra in prop::collection::vec(0i64..100_000, 30),
    ) {
        let sparse = run_under(&policy, &steps, None);
        let dense = run_under(&policy, &steps, Some(&extra));
        prop_assert_eq!(&dense, &sparse);
        prop_assert_eq!(&Case::replay(sparse.events().to_vec()).unwrap(), &sparse);
    }
}

#[test]
fn a_call_required_by_the_command_that_starts_a_clock_gets_its_own_clock() {
    // The third contact starts a next-response clock and, by rule, a
    // promise's clock: two clocks, two ids.
    let mut s = Story::new(recommended_in_new_york());
    let start = Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0).unwrap();
    s.open_with(start, email(), CustomerValue::Standard, Priority::Normal);
    s.contact(start + TimeDelta::minutes(1), Channel::Email);
    s.respond(start + TimeDelta::minutes(2), ResponseKind::Answer);
    s.contact(start + TimeDelta::minutes(3), Channel::Email);
    let ids: Vec<_> = s
        .case
        .clocks()
        .iter()
        .map(escalate::sla::SlaClock::id)
        .collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().map(|id| id.get()).collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    // Everything fires once, then nothing is left.
    s.tick(start + TimeDelta::days(30));
    assert_eq!(s.case.next_wakeup(&s.policy), None);
    assert_eq!(s.tick(start + TimeDelta::days(31)), []);
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
fn spans_built_in_code_must_be_ones_a_file_can_hold() {
    // A file spells spans in whole seconds and never zero: a policy built in
    // code with any other span could be written out but not read back.
    let zero = Within::Time(TimeDelta::zero());
    let rule = |when, then: Vec<Action>| Rule::new("x", when, then);
    let cases: Vec<(Rule, &str)> = vec![
        (
            rule(Condition::Unanswered, vec![Action::RequireReview]).with_delay(
                Delay {
                    after: zero,
                    from: DelayFrom::Condition,
                    calendar: cal("always"),
                },
                0,
            ),
            "delay.after: a span is a positive whole number of seconds, not 0s",
        ),
        (
            rule(
                Condition::Unanswered,
                vec![Action::RequireCall(Call::new(Within::Time(
                    TimeDelta::milliseconds(1500),
                )))],
            ),
            "then.require_call: a span is a positive whole number of seconds, not 1.5s",
        ),
        (
            rule(
                Condition::Unanswered,
                vec![
                    Action::RequireReview,
                    Action::Notify(Notice {
                        who: "lead".into(),
                        why: "slow".into(),
                        within: Some(Within::BusinessDays(0)),
                    }),
                ],
            ),
            "then[1].notify.within: a span of business days counts from 1",
        ),
        (
            rule(
                Condition::Any(vec![Condition::HandoffNotAccepted(Within::Time(hours(-1)))]),
                vec![Action::RequireReview],
            ),
            "when.any[0].handoff_not_accepted: a span is a positive whole number of seconds, not -1h",
        ),
    ];
    for (rule, message) in cases {
        assert_eq!(bare().with_rule(rule).unwrap_err().to_string(), message);
    }
    let fallback = MetricPolicy::new(Metric::Resolution, Target::new(zero, cal("business")));
    assert_eq!(
        bare().with_sla(fallback).unwrap_err().to_string(),
        "fallback.within: a span is a positive whole number of seconds, not 0s"
    );
    let warning = MetricPolicy::new(
        Metric::Resolution,
        Target::new(Within::Time(hours(4)), cal("business")),
    )
    .with_warning(Threshold::Before(TimeDelta::zero()));
    assert_eq!(
        bare().with_sla(warning).unwrap_err().to_string(),
        "warnings[0].before: a span is a positive whole number of seconds, not 0s"
    );
}

/// `run_recommended`'s story under any policy.
fn run_under(policy: &Policy, steps: &[(i64, u8, u32)], extra: Option<&[i64]>) -> Case {
    let start = Utc.with_ymd_and_hms(2021, 3, 5, 19, 0, 0).unwrap();
    let mut s = Story::new(policy.clone());
    s.open_with(start, email(), CustomerValue::HighValue, Priority::High);
    let mut t = start;
    let mut extra_ticks = extra.unwrap_or(&[]).iter();
    for &(minutes, k, param) in steps {
        if let Some(e) = extra_ticks.next() {
            s.tick(t + TimeDelta::minutes(e.rem_euclid(minutes.max(1))));
        }
        t += TimeDelta::minutes(minutes);
        let (actor, kind) = step(k, param, t);
        s.tick(t);
        let _refused = s.handle(t, actor, kind);
    }
    s.tick(t + TimeDelta::days(30));
    s.case
}

#[test]
fn work_a_rule_starts_in_a_tick_is_done_in_the_same_tick() {
    // A broken promise requires a call within a business hour; that call,
    // unkept, is itself a broken promise. One late tick and a tick every half
    // hour give the same log: each call's breach in its place.
    let policy = with_rules(
        bare(),
        [Rule::new(
            "r",
            Condition::PromiseBroken,
            [Action::RequireCall(Call::new(Within::Time(hours(1))))],
        )],
    );
    let story = |ticks: &[DateTime<Utc>]| {
        let mut s = Story::new(policy.clone());
        s.open(mon(9, 0));
        s.run(
            mon(9, 0),
            Actor::System,
            CommandKind::Promise {
                what: "call back by ten".into(),
                due: mon(10, 0),
            },
        );
        for t in ticks {
            s.tick(*t);
        }
        s.case
    };
    let late = story(&[mon(16, 30)]);
    let every_half_hour: Vec<_> = (0..15)
        .map(|i| mon(9, 30) + TimeDelta::minutes(30 * i))
        .collect();
    assert_eq!(story(&every_half_hour), late);
    let firings: Vec<_> = late
        .events()
        .iter()
        .filter(|e| matches!(e.kind(), EventKind::RuleFired { .. }))
        .map(Event::at)
        .collect();
    assert_eq!(firings, (10..=16).map(|h| mon(h, 0)).collect::<Vec<_>>());
    assert_eq!(
        late.next_wakeup(&policy),
        Some(mon(17, 0) + TimeDelta::hours(16))
    );
}
