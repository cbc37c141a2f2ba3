//! The marketplace-deflection story
//! (event log `examples/data/marketplace_deflection.json`): a vendor answered a
//! product fault with "call during office hours or return it".
//!
//! Run with `cargo run --example marketplace_deflection`.

#[path = "common/mod.rs"]
#[allow(dead_code)] // the shared story module; each example uses a part of it
mod common;

fn main() -> Result<(), common::Error> {
    common::tell("marketplace_deflection")
}
