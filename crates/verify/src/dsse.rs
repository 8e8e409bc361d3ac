//! DSSE envelopes and in-toto subject matching (checklist items 24–25; client-spec §4.5: "the
//! verifier MUST verify the signature over PAE(payloadType, payload) … and MUST check that the
//! artifact's digest matches a subject of the in-toto statement").

use verdict_bundle::{Envelope, HashAlgorithm, IN_TOTO_PAYLOAD_TYPE, Statement};

use crate::crypto::{PublicKey, hash, sha256};
use crate::error::{Error, ErrorCode, Result};
use crate::signature::Signed;
use crate::trust::hex;
use crate::verifier::Artifact;

/// Verifies a DSSE envelope's single signature and matches the artifact to the payload.
pub(crate) fn verify_envelope(
    env: &Envelope,
    key: &PublicKey,
    artifact: Artifact<'_>,
) -> Result<Signed> {
    if env.signatures.len() != 1 {
        return Err(Error::new(
            ErrorCode::Envelope,
            format!(
                "a bundle's DSSE envelope must carry exactly one signature, not {}",
                env.signatures.len()
            ),
        ));
    }
    let sig = &env.signatures[0].sig;
    let pae = env.pae();
    if !key.verify_message(None, &pae, sig) {
        return Err(Error::new(
            ErrorCode::Signature,
            format!("the {} DSSE signature does not verify", key.algorithm()),
        ));
    }
    let (statement, artifact_digest) = if env.payload_type == IN_TOTO_PAYLOAD_TYPE {
        let statement = Statement::parse(&env.payload)
            .map_err(|e| Error::new(ErrorCode::Envelope, e.to_string()))?;
        let digest = match_subject(&statement, artifact)?;
        (Some(statement), digest)
    } else {
        // Not in-toto: the artifact is the payload itself.
        let (alg, want) = match artifact {
            Artifact::Bytes(b) => (HashAlgorithm::Sha256, hash(HashAlgorithm::Sha256, b)),
            Artifact::Digest { algorithm, digest } => (algorithm, digest.to_vec()),
        };
        if hash(alg, &env.payload) != want {
            return Err(Error::new(
                ErrorCode::ArtifactMismatch,
                "the artifact is not the DSSE payload",
            ));
        }
        (None, (alg.name().to_string(), hex(&want)))
    };
    Ok(Signed {
        signature: sig.clone(),
        artifact_digest,
        signed_digest: (HashAlgorithm::Sha256, sha256(&pae).to_vec()),
        envelope: Some(env.clone()),
        payload_type: Some(env.payload_type.clone()),
        statement,
    })
}

/// Finds a subject whose digest equals the artifact's, for sha256, sha384 or sha512.
fn match_subject(statement: &Statement, artifact: Artifact<'_>) -> Result<(String, String)> {
    let candidates: Vec<(HashAlgorithm, String)> = match artifact {
        Artifact::Bytes(b) => [
            HashAlgorithm::Sha256,
            HashAlgorithm::Sha384,
            HashAlgorithm::Sha512,
        ]
        .into_iter()
        .map(|a| (a, hex(&hash(a, b))))
        .collect(),
        Artifact::Digest { algorithm, digest } => vec![(algorithm, hex(digest))],
    };
    for subject in &statement.subjects {
        for (alg, want) in &candidates {
            if subject.digest(alg.name()) == Some(want.as_str()) {
                return Ok((alg.name().to_string(), want.clone()));
            }
        }
    }
    let shown: Vec<String> = candidates
        .iter()
        .map(|(a, d)| format!("{}:{d}", a.name()))
        .collect();
    Err(Error::new(
        ErrorCode::ArtifactMismatch,
        format!(
            "no subject of the in-toto statement has the artifact's digest ({})",
            shown.join(", ")
        ),
    ))
}
