//! Sigstore bundles supplied with an evaluation as evidence: verified here, in the same pure
//! pipeline, and exposed to Rego only when they verify.
//!
//! Each bundle is verified against the given trusted root and the digest of what it signs (for
//! Buildx, an attestation manifest). The verified ones appear in the policy input as
//! `input.signatures` — Buildx's `AttestationSignature` view (`type`, `signer`, `timestamps`) —
//! and any `signatures` the caller put into the input is replaced, so a host cannot assert a
//! signature it did not prove. A bundle that fails is omitted (as Buildx omits signatures on any
//! failure) and the canonical verdict records, for every bundle, its digest, the artifact digest
//! and whether it verified or which check failed.

use serde_json::{Value as Json, json};
use verdict_verify::{Artifact, HashAlgorithm, Identity, Policy, TrustMaterial};

/// One Sigstore bundle and the digest of the artifact it should sign.
#[derive(Debug, Clone)]
pub struct BundleEvidence {
    /// The bundle JSON.
    pub bundle: Vec<u8>,
    /// The artifact digest's algorithm.
    pub algorithm: HashAlgorithm,
    /// The artifact digest.
    pub digest: Vec<u8>,
}

/// Evidence for one evaluation: bundles and the trusted root to verify them with.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The prepared trusted root.
    pub trust: TrustMaterial,
    /// The bundles, in order.
    pub bundles: Vec<BundleEvidence>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Verifies every bundle; returns the `input.signatures` array and the verdict's record of the
/// evidence.
pub(crate) fn verify_all(evidence: &Evidence) -> (Json, Json) {
    let policy = Policy::new(Identity::AnyCertificate);
    let mut signatures = Vec::new();
    let mut record = Vec::new();
    for b in &evidence.bundles {
        let artifact = Artifact::Digest {
            algorithm: b.algorithm,
            digest: &b.digest,
        };
        let mut entry = json!({
            "bundle": crate::sha256(&b.bundle),
            "artifact": format!("{}:{}", b.algorithm.name(), hex(&b.digest)),
        });
        match verdict_verify::verify(&evidence.trust, &b.bundle, artifact, &policy) {
            Ok(facts) => {
                signatures.push(facts.buildx_signature());
                entry["verified"] = json!(true);
            }
            Err(e) => {
                entry["verified"] = json!(false);
                entry["error"] = json!({"code": e.code().as_str(), "message": e.message()});
            }
        }
        record.push(entry);
    }
    (
        Json::Array(signatures),
        json!({"trustRoot": evidence.trust.digest(), "bundles": record}),
    )
}
