//! A tour of escalate: the stories of real service failures kept as event
//! logs in `examples/data/`, replayed as they happened and under
//! `Policy::recommended()`, ending with a summary.
//!
//! Run with `cargo run --example tour`; each story has its own example with
//! the whole timeline (`cargo run --example wrong_cabinet`, ...).

#[path = "common/mod.rs"]
#[allow(dead_code)] // the shared story module; each example uses a part of it
mod common;

use common::{Error, STORIES, Story, short, summary_table};

fn main() -> Result<(), Error> {
    for name in STORIES {
        let story = Story::load(name)?;
        let actual = story.actual()?;
        let policy = story.under_policy()?;
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
    }
    println!();
    print!("{}", summary_table(&STORIES)?);
    Ok(())
}
