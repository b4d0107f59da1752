#![no_main]
//! Fuzz target: see `apdir::fuzzing::guide_page` for what it parses and which promises it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| apdir::fuzzing::guide_page(data));
