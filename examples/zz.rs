//! temp
#[path = "common/mod.rs"]
mod common;
fn main() -> Result<(), common::Error> {
    let story = common::Story::load(&std::env::args().nth(1).unwrap())?;
    print!("{}", story.under_policy()?.case().timeline());
    Ok(())
}
