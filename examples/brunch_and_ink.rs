//! The brunch-and-ink story (event logs `examples/data/brunch.json` and
//! `examples/data/ink_cartridges.json`), two short cases: (a) a waiter
//! caught his own mistake and apologised before any complaint; (b) a price
//! error, an unhelpful clerk, a public post, then a fast social reply, a
//! manager's call, a small discount and a promise to coach staff.
//!
//! Run with `cargo run --example brunch_and_ink`.

#[path = "common/mod.rs"]
#[allow(dead_code)] // the shared story module; each example uses a part of it
mod common;

fn main() -> Result<(), common::Error> {
    common::tell("brunch")?;
    common::tell("ink_cartridges")
}
