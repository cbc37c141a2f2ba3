//! A tour of escalate: the five stories of ../shared/scenarios replayed as
//! they happened and under `Policy::recommended()`, ending with a summary.
//!
//! Run with `cargo run --example tour`; each story has its own example with
//! the whole timeline (`cargo run --example wrong_cabinet`, ...).

#[path = "common/mod.rs"]
#[allow(dead_code)] // the shared story module; each example uses a part of it
mod common;

use common::{Error, Story, Summary, short};

const STORIES: [&str; 6] = [
    "wrong_cabinet",
    "poster_apology",
    "brunch",
    "ink_cartridges",
    "shoe_callbacks",
    "marketplace_deflection",
];

fn main() -> Result<(), Error> {
    let mut rows = Vec::new();
    for name in STORIES {
        let story = Story::load(name)?;
        let actual = story.actual()?;
        let policy = story.under_policy()?;
        let (a, p) = (Summary::of(&actual), Summary::of(&policy));
        println!(
            "== {} ({} events as it happened, {} under the recommended policy)",
            story.title,
            actual.case().version(),
            policy.case().version()
        );
        for refused in policy.refused().iter().take(3) {
            println!(
                "   refused {}: {}",
                short(story.time_zone, refused.command.at()),
                refused.refusal
            );
        }
        if policy.refused().len() > 3 {
            println!("   ... and {} more refusals", policy.refused().len() - 3);
        }
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
    println!();
    println!("Each cell: as it happened / under Policy::recommended() (local times)");
    let header = [
        "story",
        "first owner",
        "first escalation",
        "wasted $",
        "outcome",
    ];
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
        format!("| {} |", padded.join(" | "))
    };
    println!("{}", line(&header.map(str::to_owned)));
    println!(
        "|{}|",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in &rows {
        println!("{}", line(row));
    }
    Ok(())
}
