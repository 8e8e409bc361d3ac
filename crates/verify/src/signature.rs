//! Message signatures over an artifact digest (checklist item 23; client-spec §4.5: "the
//! verifier MUST verify the signature over the artifact … `message_digest` is a hint and MUST
//! match the artifact's digest when present").

use verdict_bundle::{HashAlgorithm, MessageSignature};

use crate::crypto::{PublicKey, hash};
use crate::error::{Error, ErrorCode, Result};
use crate::trust::hex;
use crate::verifier::Artifact;

/// What a verified signature covers; the input of the tlog and timestamp checks.
#[derive(Debug, Clone)]
pub(crate) struct Signed {
    /// The signature bytes (what RFC 3161 timestamps imprint and tlog bodies record).
    pub(crate) signature: Vec<u8>,
    /// The verified artifact digest, `(algorithm name, hex)`.
    pub(crate) artifact_digest: (String, String),
    /// For message signatures: the signed digest; for DSSE: SHA-256 of the PAE (what a Rekor v2
    /// hashedrekord entry records for a DSSE bundle).
    pub(crate) signed_digest: (HashAlgorithm, Vec<u8>),
    /// For DSSE: the envelope.
    pub(crate) envelope: Option<verdict_bundle::Envelope>,
    pub(crate) payload_type: Option<String>,
    pub(crate) statement: Option<verdict_bundle::Statement>,
}

/// Verifies a `messageSignature` against the artifact.
pub(crate) fn verify_message(
    ms: &MessageSignature,
    key: &PublicKey,
    artifact: Artifact<'_>,
) -> Result<Signed> {
    let (alg, digest) = match artifact {
        Artifact::Bytes(bytes) => {
            let alg = ms
                .digest
                .as_ref()
                .map_or(HashAlgorithm::Sha256, |(a, _)| *a);
            (alg, hash(alg, bytes))
        }
        Artifact::Digest { algorithm, digest } => (algorithm, digest.to_vec()),
    };
    if let Some((hint_alg, hint)) = &ms.digest
        && (*hint_alg != alg || *hint != digest)
    {
        return Err(Error::new(
            ErrorCode::ArtifactMismatch,
            format!(
                "the bundle's messageDigest {}:{} is not the artifact's digest {}:{}",
                hint_alg.name(),
                hex(hint),
                alg.name(),
                hex(&digest)
            ),
        ));
    }
    let ok = if key.is_ed25519() {
        match artifact {
            Artifact::Bytes(bytes) => key.verify_message(None, bytes, &ms.signature),
            Artifact::Digest { .. } => {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlgorithm,
                    "an Ed25519 message signature can only be verified against the artifact's bytes",
                ));
            }
        }
    } else {
        key.verify_digest(alg, &digest, &ms.signature)
    };
    if !ok {
        return Err(Error::new(
            ErrorCode::Signature,
            format!(
                "the {} signature does not verify over {}:{}",
                key.algorithm(),
                alg.name(),
                hex(&digest)
            ),
        ));
    }
    Ok(Signed {
        signature: ms.signature.clone(),
        artifact_digest: (alg.name().to_string(), hex(&digest)),
        signed_digest: (alg, digest),
        envelope: None,
        payload_type: None,
        statement: None,
    })
}
