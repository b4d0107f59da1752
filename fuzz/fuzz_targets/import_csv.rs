#![no_main]
//! Fuzz target: see `apdir::fuzzing::import_csv` for what it parses and which promises it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| apdir::fuzzing::import_csv(data));
