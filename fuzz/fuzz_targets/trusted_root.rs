//! Fuzz target: `verdict_verify::fuzzing::trusted_root`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verdict_verify::fuzzing::trusted_root(data));
