//! Shared by the story examples and the scenario tests: a story file (its
//! calendars and its history as the crate's own serde types), the two
//! policies it is replayed under, and a one-line summary of each replay.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use escalate::policy::Policy;
use escalate::replay::{History, Host, Replay};
use escalate::sla::{BusinessCalendar, CalendarName, MetricPolicy};
use escalate::{Agent, EventKind, Outcome, Tier, Timeline};
use serde::Deserialize;

/// The stories, by the names of their files under `examples/data/`.
pub const STORIES: [&str; 6] = [
    "wrong_cabinet",
    "poster_apology",
    "brunch",
    "ink_cartridges",
    "shoe_callbacks",
    "marketplace_deflection",
];

/// The error type of the examples.
pub type Error = Box<dyn std::error::Error>;

/// A story: where it happened, its calendars, and what happened.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    /// Its short name.
    #[serde(rename = "story")]
    pub title: String,
    /// Where it happened.
    pub time_zone: Tz,
    /// Who is who.
    pub note: String,
    /// Its calendars; `business` replaces the recommended policy's.
    pub calendars: BTreeMap<CalendarName, BusinessCalendar>,
    /// SLA settings that replace the recommended policy's for these metrics.
    #[serde(default)]
    pub sla: Vec<MetricPolicy>,
    /// When the story ends (clocks and delayed rules are ticked up to it).
    pub until: DateTime<Utc>,
    /// What actually happened.
    pub history: History,
}

impl Story {
    /// Loads `examples/data/<name>.json`.
    pub fn load(name: &str) -> Result<Story, Error> {
        let path = format!("{}/examples/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        Ok(serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?)
    }

    /// `Policy::recommended()` with the story's time zone, calendars and SLA settings.
    pub fn recommended(&self) -> Result<Policy, Error> {
        let mut policy = Policy::recommended().with_time_zone(self.time_zone);
        for (name, calendar) in &self.calendars {
            policy = policy.with_calendar(name.clone(), calendar.clone())?;
        }
        for metric in &self.sla {
            policy = policy.without_sla(metric.metric).with_sla(metric.clone())?;
        }
        Ok(policy)
    }

    /// The policy the story actually ran under: the same tiers, calendars and
    /// clocks, but no escalation rules, no deflection check, and every tier
    /// allowed every gesture without caps, so that the history replays as it
    /// happened.
    pub fn as_recorded(&self) -> Result<Policy, Error> {
        let recommended = self.recommended()?;
        Ok(recommended.as_recorded())
    }

    /// The history replayed as it happened.
    pub fn actual(&self) -> Result<Replay, Error> {
        Ok(self
            .history
            .replay(&self.as_recorded()?, Host::AsRecorded, Some(self.until)))
    }

    /// The history replayed under the recommended policy, with a host that
    /// does what the policy asks (an agent on duty takes the case when a rule
    /// requires an owner or an escalation).
    pub fn under_policy(&self) -> Result<Replay, Error> {
        Ok(self
            .history
            .replay(&self.recommended()?, Host::Obedient, Some(self.until)))
    }
}

/// The facts the tour's table compares.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    /// The first owner and when.
    pub first_owner: Option<(DateTime<Utc>, Agent)>,
    /// The first escalation (by hand, or required by a rule) and to which tier.
    pub first_escalation: Option<(DateTime<Utc>, Tier)>,
    /// Money granted after the customer's churn signal, in minor units.
    pub wasted_minor: i64,
    /// How it ended.
    pub outcome: Option<Outcome>,
}

impl Summary {
    /// Summarises a replay.
    pub fn of(replay: &Replay) -> Summary {
        let case = replay.case();
        let first_owner = replay.events().iter().find_map(|e| match e.kind() {
            EventKind::Assigned { to } => Some((e.at(), to.clone())),
            _ => None,
        });
        let first_escalation = replay.events().iter().find_map(|e| match e.kind() {
            EventKind::Escalated { to, .. } => Some((e.at(), to.tier().clone())),
            EventKind::EscalationRequired { tier, .. } => Some((e.at(), tier.clone())),
            _ => None,
        });
        Summary {
            first_owner,
            first_escalation,
            wasted_minor: case
                .money_wasted()
                .amounts()
                .iter()
                .map(escalate::recovery::Money::minor)
                .sum(),
            outcome: case.outcome(),
        }
    }
}

/// A time in the story's zone: `03-08 11:00`.
pub fn short(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz).format("%m-%d %H:%M").to_string()
}

/// What the recommended policy does differently, for people.
pub fn differences(story: &Story, actual: &Replay, policy: &Replay) -> Result<String, Error> {
    let tz = story.time_zone;
    let mut out = String::new();
    let (a, p) = (Summary::of(actual), Summary::of(policy));
    let owner = |s: &Summary| {
        s.first_owner.as_ref().map_or_else(
            || "never".to_owned(),
            |(t, agent)| format!("{} at {}", agent, short(tz, *t)),
        )
    };
    let escalation = |s: &Summary| {
        s.first_escalation.as_ref().map_or_else(
            || "never".to_owned(),
            |(t, tier)| format!("to {tier} at {}", short(tz, *t)),
        )
    };
    writeln!(
        out,
        "first owner:      actual {}; policy {}",
        owner(&a),
        owner(&p)
    )?;
    writeln!(
        out,
        "first escalation: actual {}; policy {}",
        escalation(&a),
        escalation(&p)
    )?;
    let mut rule = String::new();
    let mut review_shown = false;
    let clocks = Timeline::from_events(policy.events())?;
    for event in policy.events() {
        let line = match event.kind() {
            EventKind::RuleFired { rule: name, .. } => {
                rule = name.to_string();
                continue;
            }
            EventKind::OwnerRequired { tier, .. } => {
                format!("an owner of tier {tier} is required ({rule})")
            }
            EventKind::EscalationRequired { tier, .. } => {
                format!("escalation to {tier} is required ({rule})")
            }
            EventKind::ApologyRequired { tier, .. } => {
                format!("an apology from {tier} or higher is owed ({rule})")
            }
            EventKind::ReviewRequired { .. } if !review_shown => {
                review_shown = true;
                format!("a root-cause review is required before closing ({rule})")
            }
            EventKind::PromiseMade { what, due, .. } if what.starts_with("a personal call") => {
                match due {
                    Some(due) => format!("a personal call is due by {} ({rule})", short(tz, *due)),
                    None => format!("a personal call is owed ({rule})"),
                }
            }
            EventKind::Assigned { to } | EventKind::Escalated { to, .. }
                if to.id().as_str().starts_with("on-duty") =>
            {
                format!("{to} takes the case")
            }
            EventKind::SlaBreached { clock } => {
                let metric = clocks
                    .clock(*clock)
                    .map(|c| c.metric().to_string())
                    .unwrap_or_default();
                format!("{metric} SLA breached")
            }
            _ => continue,
        };
        writeln!(out, "  {}  {line}", short(tz, event.at()))?;
    }
    for refused in policy.refused() {
        writeln!(
            out,
            "refused at {}: {}",
            short(tz, refused.command.at()),
            refused.refusal
        )?;
    }
    let money = |minor: i64| format!("${}.{:02}", minor / 100, minor % 100);
    writeln!(
        out,
        "money wasted after the churn signal: actual {}; policy {}",
        money(a.wasted_minor),
        money(p.wasted_minor)
    )?;
    let outcome = |s: &Summary| {
        s.outcome
            .map_or_else(|| "still open".to_owned(), |o| o.to_string())
    };
    writeln!(
        out,
        "outcome: actual {}; policy {}",
        outcome(&a),
        outcome(&p)
    )?;
    Ok(out)
}

/// Prints a story: the timeline as it happened, the gestures the policy
/// recommends at the end, and what the recommended policy does differently.
pub fn tell(name: &str) -> Result<(), Error> {
    let story = Story::load(name)?;
    let actual = story.actual()?;
    let policy = story.under_policy()?;
    println!("=== {}: {}\n", story.title, story.note);
    println!("--- what happened");
    print!("{}", Timeline::from_events(actual.events())?);
    let recommended = story.recommended()?;
    let suggestions = actual.case().recommend(&recommended, story.until);
    if !suggestions.is_empty() {
        println!("\n--- what the recommended policy suggests at the end");
        for suggestion in suggestions {
            println!("{suggestion}");
        }
    }
    println!("\n--- what the recommended policy does differently");
    print!("{}", differences(&story, &actual, &policy)?);
    println!();
    Ok(())
}

/// The tour's summary table: for each story, as it happened and under the
/// recommended policy.
pub fn summary_table(names: &[&str]) -> Result<String, Error> {
    let mut rows = Vec::new();
    for name in names {
        let story = Story::load(name)?;
        let (a, p) = (
            Summary::of(&story.actual()?),
            Summary::of(&story.under_policy()?),
        );
        let tz = story.time_zone;
        let owner = |s: &Summary| {
            s.first_owner.as_ref().map_or_else(
                || "never".to_owned(),
                |(t, agent)| format!("{} {}", short(tz, *t), agent.tier()),
            )
        };
        let escalation = |s: &Summary| {
            s.first_escalation.as_ref().map_or_else(
                || "never".to_owned(),
                |(t, tier)| format!("{} {tier}", short(tz, *t)),
            )
        };
        let money = |minor: i64| format!("{}.{:02}", minor / 100, minor % 100);
        let outcome = |s: &Summary| {
            s.outcome
                .map_or_else(|| "open".to_owned(), |o| o.to_string())
        };
        rows.push([
            story.title.clone(),
            format!("{} / {}", owner(&a), owner(&p)),
            format!("{} / {}", escalation(&a), escalation(&p)),
            format!("{} / {}", money(a.wasted_minor), money(p.wasted_minor)),
            format!("{} / {}", outcome(&a), outcome(&p)),
        ]);
    }
    let header = [
        "story",
        "first owner",
        "first escalation",
        "wasted $",
        "outcome",
    ]
    .map(str::to_owned);
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out =
        String::from("Each cell: as it happened / under Policy::recommended() (local times)\n");
    out.push_str(&line(&header));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    writeln!(out, "|{}|", rule.join("|"))?;
    for row in &rows {
        out.push_str(&line(row));
    }
    Ok(out)
}
