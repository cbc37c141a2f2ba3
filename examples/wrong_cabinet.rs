//! The wrong-cabinet story (event log `examples/data/wrong_cabinet.json`): nobody
//! owned the case; a bad survey and phone calls were read but not acted on;
//! a gift card, a refund and a second delivery arrived after the customer
//! had already left.
//!
//! Run with `cargo run --example wrong_cabinet`.

#[path = "common/mod.rs"]
#[allow(dead_code)] // the shared story module; each example uses a part of it
mod common;

fn main() -> Result<(), common::Error> {
    common::tell("wrong_cabinet")
}
