//! Bytes as a sequence of residents', librarians' and admins' updates through
//! the application layer (see `tests/it/fuzz_targets.rs`, which the test
//! suite shares).
#![no_main]

#[path = "../../tests/it/fuzz_targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::updates(data));
