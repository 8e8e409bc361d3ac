//! Fuzz target: `verdict_verify::fuzzing::rfc3161`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use verdict_verify::TrustMaterial;

static TRUST: OnceLock<TrustMaterial> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    verdict_verify::fuzzing::rfc3161(TRUST.get_or_init(TrustMaterial::public_good), data);
});
