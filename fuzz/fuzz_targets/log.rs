//! The `log` target: the body is `escalate::testing::fuzz::log`, shared
//! with the stable runner (`tests/fuzz_targets.rs`).
#![no_main]

use escalate::testing::fuzz::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::Log.run(data) {
        panic!("{finding}");
    }
});
