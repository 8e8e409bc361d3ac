//! Fuzz target: `verdict_fuzz::rego`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verdict_fuzz::rego(data));
