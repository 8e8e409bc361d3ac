//! Sigstore bundles supplied with an evaluation as evidence: verified here, in the same pure
//! pipeline, and exposed to Rego only when they verify.
//!
//! Each bundle is verified against the given trusted root and the digest of what it signs (for
//! Buildx, an attestation manifest). The verified ones appear in the policy input as
//! `input.signatures` — Buildx's `AttestationSignature` view (`type`, `signer`, `timestamps`) —
//! and, when the input describes an image, as `input.image.signatures` (with `kind`, as Buildx
//! shows them). Once evidence is in play the input document may not assert anything Buildx
//! derives from verified material ([`bind_input`]): its signatures, `hasProvenance`,
//! `provenance` and git signature summaries are replaced or removed, and the verdict's `facts`
//! say which fields came from the evidence and which were removed. A bundle that fails is
//! omitted (as Buildx omits signatures on any failure) and the canonical verdict records, for
//! every bundle, its digest, the artifact digest and whether it verified or which check failed.

use serde_json::{Map, Value as Json, json};
use verdict_input::Facts;
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

impl BundleEvidence {
    /// A bundle over the artifact digest `digest` of `algorithm` (`sha256`, `sha384`,
    /// `sha512`): an unknown algorithm or a digest of the wrong length is an error message.
    pub fn new(bundle: Vec<u8>, algorithm: &str, digest: Vec<u8>) -> Result<Self, String> {
        let Some(algorithm) = crate::verify::hash_algorithm(algorithm) else {
            return Err(format!("unknown digest algorithm {algorithm:?}"));
        };
        if digest.len() != algorithm.digest_len() {
            return Err(format!(
                "a {} digest is {} bytes",
                algorithm.name(),
                algorithm.digest_len()
            ));
        }
        Ok(BundleEvidence {
            bundle,
            algorithm,
            digest,
        })
    }
}

/// Evidence for one evaluation: bundles and the trusted root to verify them with.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The prepared trusted root.
    pub trust: TrustMaterial,
    /// The bundles, in order.
    pub bundles: Vec<BundleEvidence>,
}

impl Evidence {
    /// The bytes of the bundles (and their digests) the call was given.
    pub fn bytes(&self) -> usize {
        self.bundles
            .iter()
            .map(|b| b.bundle.len().saturating_add(b.digest.len()))
            .fold(0, usize::saturating_add)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The outcome of verifying an evaluation's bundles.
#[derive(Debug)]
pub(crate) struct VerifiedEvidence {
    /// `input.signatures`: the verified bundles in the verifier's view (`type`, `signer`,
    /// `timestamps`), in order.
    pub(crate) signatures: Vec<Json>,
    /// `input.image.signatures[0]`: the first verified bundle as Buildx shows an attestation
    /// signature (with its `kind`); Buildx shows one.
    pub(crate) image_signature: Option<Json>,
    /// `(bundle digest, artifact digest)` of each verified bundle, in order.
    pub(crate) verified: Vec<(String, String)>,
    /// Each bundle's outcome, in order: `bundle … verified over …`, or `bundle … over … not
    /// verified: the <code> check failed: <message>`.
    pub(crate) outcomes: Vec<String>,
    /// The verdict's record of the evidence.
    pub(crate) record: Json,
}

/// Verifies every bundle.
pub(crate) fn verify_all(evidence: &Evidence) -> VerifiedEvidence {
    let policy = Policy::new(Identity::AnyCertificate);
    let mut out = VerifiedEvidence {
        signatures: Vec::new(),
        image_signature: None,
        verified: Vec::new(),
        outcomes: Vec::new(),
        record: Json::Null,
    };
    let mut record = Vec::new();
    for b in &evidence.bundles {
        let artifact = Artifact::Digest {
            algorithm: b.algorithm,
            digest: &b.digest,
        };
        let bundle_digest = crate::sha256(&b.bundle);
        let artifact_digest = format!("{}:{}", b.algorithm.name(), hex(&b.digest));
        let mut entry = json!({"bundle": bundle_digest, "artifact": artifact_digest});
        match verdict_verify::verify(&evidence.trust, &b.bundle, artifact, &policy) {
            Ok(facts) => {
                out.signatures.push(facts.buildx_signature());
                out.image_signature
                    .get_or_insert_with(|| verdict_input::signature::attestation_signature(&facts));
                out.outcomes
                    .push(verified_how(&bundle_digest, &artifact_digest));
                out.verified.push((bundle_digest, artifact_digest));
                entry["verified"] = json!(true);
            }
            Err(e) => {
                out.outcomes.push(format!(
                    "bundle {bundle_digest} over {artifact_digest} not verified: the {} check \
                     failed: {}",
                    e.code().as_str(),
                    e.message()
                ));
                entry["verified"] = json!(false);
                entry["error"] = json!({"code": e.code().as_str(), "message": e.message()});
            }
        }
        record.push(entry);
    }
    out.record = json!({
        "trustRoot": evidence.trust.digest(),
        "trustRootOrigin": evidence.trust.origin(),
        "bundles": record,
    });
    out
}

/// How a verified bundle is named in facts.
fn verified_how(bundle: &str, artifact: &str) -> String {
    format!("bundle {bundle} verified over {artifact}")
}

/// The fields of Buildx's input that Buildx derives from verified material, below `image`,
/// that no bundle given to `eval` can prove: an input document may not assert them when evidence
/// is in play, so they are removed.
const IMAGE_UNPROVABLE: &[&str] = &["provenance"];

/// Git objects' signature summaries (`input.git.commit` / `input.git.tag`): derived by Buildx
/// from the verified objects, never provable from an input document.
const GIT_SIGNATURES: &[&str] = &["pgpSignature", "sshSignature"];

/// Binds an input document to verified evidence (the bundles of `eval --bundle`): every field
/// Buildx derives from verified material either comes from `verified` or is removed, so an input
/// document cannot assert a signature, a provenance or a git signature summary. Returns the
/// facts: which fields came from the evidence, which were removed, and that the rest is the
/// input document's word.
///
/// - `signatures`: the verified bundles; `image.signatures`, when the input has an `image`: the
///   first verified bundle, as Buildx shows one signature (absent when none verified) — a
///   signature over the digest the caller names, whose link to the image is the caller's word;
/// - `image.hasProvenance`: `true`, asserted, when a bundle verified over the digest the caller
///   names as the attestation manifest, else absent;
/// - `image.provenance` (with its materials) and the git objects' `pgpSignature` /
///   `sshSignature`: removed.
pub(crate) fn bind_input(input: &mut Map<String, Json>, verified: &VerifiedEvidence) -> Facts {
    let mut facts = Facts::default();
    input.insert(
        "signatures".into(),
        Json::Array(verified.signatures.clone()),
    );
    let how = |(bundle, artifact): &(String, String)| verified_how(bundle, artifact);
    // Each bundle's outcome, in order, with why a bundle that failed failed.
    let all = match (verified.verified.is_empty(), verified.outcomes.is_empty()) {
        (_, true) => "no bundle verified".to_owned(),
        (true, false) => format!("no bundle verified: {}", verified.outcomes.join("; ")),
        (false, false) => verified.outcomes.join("; "),
    };
    facts.verified("signatures", all);
    if let Some(Json::Object(image)) = input.get_mut("image") {
        let had_signatures = image.remove("signatures").is_some();
        let had_provenance = image.remove("hasProvenance").is_some();
        match (&verified.image_signature, verified.verified.first()) {
            (Some(signature), Some(first)) => {
                image.insert("signatures".into(), Json::Array(vec![signature.clone()]));
                facts.verified(
                    "image.signatures",
                    format!(
                        "{} (a signature over the digest the caller names; its link to the image is the caller's word)",
                        how(first)
                    ),
                );
                image.insert("hasProvenance".into(), json!(true));
                facts.asserted(
                    "image.hasProvenance",
                    format!(
                        "the caller names {} as the image's attestation manifest",
                        first.1
                    ),
                );
            }
            _ => {
                if had_signatures {
                    facts.failed(
                        "image.signatures",
                        "removed: no bundle verified (the input document's value is not evidence)",
                    );
                }
                if had_provenance {
                    facts.failed(
                        "image.hasProvenance",
                        "removed: no bundle verified over an attestation manifest",
                    );
                }
            }
        }
        for field in IMAGE_UNPROVABLE {
            if image.remove(*field).is_some() {
                facts.failed(
                    &format!("image.{field}"),
                    "removed: evidence is in play and no evidence proves it",
                );
            }
        }
    }
    if let Some(Json::Object(git)) = input.get_mut("git") {
        for object in ["commit", "tag"] {
            if let Some(Json::Object(o)) = git.get_mut(object) {
                for field in GIT_SIGNATURES {
                    if o.remove(*field).is_some() {
                        facts.failed(
                            &format!("git.{object}.{field}"),
                            "removed: evidence is in play and no git object was supplied",
                        );
                    }
                }
            }
        }
    }
    facts.asserted("input", "every other field is the input document's word");
    facts
}
