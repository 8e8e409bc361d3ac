//! Fuzz target: `verdict_fuzz::openpgp`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verdict_fuzz::openpgp(data));
