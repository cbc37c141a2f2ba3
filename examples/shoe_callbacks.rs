//! The shoe-callbacks story (event log `examples/data/shoe_callbacks.json`):
//! voicemails unanswered for weeks, a requirement nobody told the customer
//! about, then corporate took ownership and a regional manager called.
//!
//! Run with `cargo run --example shoe_callbacks`.

#[path = "common/mod.rs"]
#[allow(dead_code)] // the shared story module; each example uses a part of it
mod common;

fn main() -> Result<(), common::Error> {
    common::tell("shoe_callbacks")
}
