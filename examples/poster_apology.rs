//! The poster-apology story (event log `examples/data/poster_apology.json`): the
//! company head threatened the customer, then apologised personally,
//! refunded in full, let him keep the item and withdrew the threat.
//!
//! Run with `cargo run --example poster_apology`.

#[path = "common/mod.rs"]
#[allow(dead_code)] // the shared story module; each example uses a part of it
mod common;

fn main() -> Result<(), common::Error> {
    common::tell("poster_apology")
}
