//! Fuzz target: `verdict_fuzz::ssh`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verdict_fuzz::ssh(data));
