//! Entry points for fuzzing (`fuzz/fuzz_targets/*.rs`) and for the smoke run in the test suite.
//! Each takes arbitrary bytes and must return — never panic — whatever they are.

use crate::{Artifact, HashAlgorithm, Identity, Policy, TrustMaterial};

/// A whole bundle verified against the public-good root with any certificate identity.
pub fn bundle_json(trust: &TrustMaterial, data: &[u8]) {
    let policy = Policy::new(Identity::AnyCertificate);
    let digest = [0u8; 32];
    let _ = crate::verify(
        trust,
        data,
        Artifact::Digest {
            algorithm: HashAlgorithm::Sha256,
            digest: &digest,
        },
        &policy,
    );
    let _ = crate::verify(trust, data, Artifact::Bytes(data), &policy);
}

/// A trusted root parsed and prepared.
pub fn trusted_root(data: &[u8]) {
    if let Ok(t) = TrustMaterial::from_json(data) {
        let _ = t.summary();
    }
}

/// A DER certificate (or the first of a concatenated chain) validated against the root's CAs and
/// profiled like a Fulcio leaf.
pub fn der_chain(trust: &TrustMaterial, data: &[u8]) {
    let Ok(cert) = crate::x509::Cert::parse(data) else {
        return;
    };
    let _ = cert.public_key();
    let _ = crate::identity::signer(&cert);
    let _ = crate::leaf::check_profile(&cert);
    let t = cert.not_before();
    let times = [crate::VerifiedTime {
        source: crate::TimeSource::Tlog,
        uri: String::new(),
        time: t,
    }];
    if let Ok(issuer) = crate::chain::verify(trust, &cert, &times) {
        let _ = crate::sct::verify(trust, &cert, &issuer, 1);
    }
}

/// A checkpoint parsed and checked against every log of the root.
pub fn checkpoint(trust: &TrustMaterial, data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(cp) = crate::checkpoint::Checkpoint::parse(text) {
        for log in trust.tlogs() {
            let _ = crate::checkpoint::verify(text, log, &cp.root_hash, cp.size);
        }
    }
}

/// An RFC 3161 token verified over a fixed signature.
pub fn rfc3161(trust: &TrustMaterial, data: &[u8]) {
    let _ = crate::timestamp::verify_one(trust, data, b"signature");
}
