//! Bytes as a content file, checked with the whole shipped set (see
//! `tests/it/fuzz_targets.rs`, which the test suite shares).
#![no_main]

#[path = "../../tests/it/fuzz_targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::content(data));
