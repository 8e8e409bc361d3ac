//! The pipeline: parse, establish verified times, validate the certificate at each, check the
//! signature and the log entries (client-spec §4, in its order).

use verdict_bundle::{Bundle, BundleVersion, Content, HashAlgorithm, Material};

use crate::error::{Error, ErrorCode, Result};
use crate::facts::VerifiedBundle;
use crate::identity::Identity;
use crate::trust::TrustMaterial;
use crate::{chain, dsse, identity, leaf, sct, signature, time, timestamp, tlog};

/// The artifact a bundle is verified against: its bytes, or a digest of it (for DSSE bundles, a
/// digest of one of the statement's subjects).
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// A digest of the artifact.
    Digest {
        /// Its algorithm.
        algorithm: HashAlgorithm,
        /// The raw digest bytes.
        digest: &'a [u8],
    },
}

/// How many independent pieces of evidence are required (checklist item 41). The defaults are
/// the anchors': one tlog entry, one SCT, one verified time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Verified tlog entries from distinct logs.
    pub tlog: usize,
    /// Verified SCTs from distinct CT logs (certificate bundles only).
    pub ctlog: usize,
    /// Verified times (SET-proven integrated times and RFC 3161 timestamps), at most one per
    /// log and one per TSA.
    pub timestamps: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            tlog: 1,
            ctlog: 1,
            timestamps: 1,
        }
    }
}

/// What is required of a bundle beyond cryptographic validity.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Who must have signed.
    pub identity: Identity,
    /// Evidence thresholds.
    pub thresholds: Thresholds,
    /// Accept v0.1 bundles whose Rekor v1 entries carry a SET but no inclusion proof. Off by
    /// default: the media type is not signed, so a relabelled bundle must not get weaker checks.
    pub allow_v01_set_only: bool,
}

impl Policy {
    /// A policy with the given identity and default thresholds.
    pub fn new(identity: Identity) -> Self {
        Policy {
            identity,
            thresholds: Thresholds::default(),
            allow_v01_set_only: false,
        }
    }
}

/// Parses and verifies a bundle given as JSON bytes.
pub fn verify(
    trust: &TrustMaterial,
    bundle: &[u8],
    artifact: Artifact<'_>,
    policy: &Policy,
) -> Result<VerifiedBundle> {
    check_digest_length(&artifact)?;
    let bundle = Bundle::parse(bundle)?;
    verify_bundle(trust, &bundle, artifact, policy)
}

/// A digest of the wrong length is the caller's mistake, refused before anything is parsed or
/// checked — as the component and the browser build refuse it when they read the request.
fn check_digest_length(artifact: &Artifact<'_>) -> Result<()> {
    if let Artifact::Digest { algorithm, digest } = artifact
        && digest.len() != algorithm.digest_len()
    {
        return Err(Error::new(
            ErrorCode::InvalidRequest,
            format!(
                "a {} digest is {} bytes, not {}",
                algorithm.name(),
                algorithm.digest_len(),
                digest.len()
            ),
        ));
    }
    Ok(())
}

/// Verifies a parsed bundle.
pub fn verify_bundle(
    trust: &TrustMaterial,
    bundle: &Bundle,
    artifact: Artifact<'_>,
    policy: &Policy,
) -> Result<VerifiedBundle> {
    check_digest_length(&artifact)?;
    // The signing key: the leaf certificate's, or the caller's managed key (item 22).
    let (leaf, key) = match (&bundle.material, &policy.identity) {
        (Material::PublicKey { .. }, Identity::Key(key)) => (None, key.clone()),
        (Material::PublicKey { .. }, _) => {
            return Err(Error::new(
                ErrorCode::KeyMismatch,
                "the bundle is signed by a key, but no key was given to verify it",
            ));
        }
        (_, Identity::Key(_)) => {
            return Err(Error::new(
                ErrorCode::KeyMismatch,
                "a key was given, but the bundle is signed with a certificate",
            ));
        }
        (m, _) => {
            let der = m
                .leaf()
                .ok_or_else(|| Error::new(ErrorCode::MalformedBundle, "no leaf certificate"))?;
            let leaf = crate::x509::Cert::parse(der).map_err(|e| e.context("leaf certificate"))?;
            let key = leaf.public_key()?;
            (Some(leaf), key)
        }
    };

    // The artifact signature and what it covers (items 23–25).
    let signed = match &bundle.content {
        Content::Message(ms) => signature::verify_message(ms, &key, artifact)?,
        Content::Dsse(env) => dsse::verify_envelope(env, &key, artifact)?,
    };

    // Transparency-log entries (items 26–35): body consistency, SET, inclusion proof, checkpoint.
    let require_proof = !(bundle.version == BundleVersion::V0_1 && policy.allow_v01_set_only);
    let logs = tlog::verify_entries(
        trust,
        bundle,
        &signed,
        leaf.as_ref(),
        &key,
        require_proof,
        policy.thresholds.tlog,
    )?;

    // RFC 3161 timestamps over the signature (items 12, 36–40).
    let tsa = timestamp::verify_all(trust, &bundle.rfc3161_timestamps, &signed.signature)?;

    // Verified times and their threshold (items 13–15).
    let times = time::collect(&logs, &tsa, policy.thresholds.timestamps)?;

    let mut ignored = logs.ignored.clone();
    ignored.extend(tsa.ignored.iter().cloned());

    let signer = match &leaf {
        None => {
            // Managed key: the key's own validity is the caller's; nothing more to check.
            None
        }
        Some(leaf) => {
            // Certificate path at every verified time (item 16), leaf profile and validity
            // (items 17–18), SCTs (item 19), identity (items 20–21).
            for t in &times.times {
                leaf::check_validity(leaf, t.time)?;
            }
            let issuer = chain::verify(trust, leaf, &times.times)?;
            leaf::check_profile(leaf)?;
            sct::verify(trust, leaf, &issuer, policy.thresholds.ctlog)?;
            let signer = identity::signer(leaf)?;
            identity::check(&policy.identity, &signer)?;
            Some(signer)
        }
    };

    Ok(VerifiedBundle {
        bundle_type: bundle.version.name(),
        media_type: bundle.media_type.clone(),
        signer,
        timestamps: times.times,
        tlog_entries: logs.entries,
        artifact_digest: signed.artifact_digest,
        payload_type: signed.payload_type,
        statement: signed.statement,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_of_the_wrong_length_is_refused_before_the_bundle_is_read() {
        let trust = TrustMaterial::public_good();
        let policy = Policy::new(Identity::AnyCertificate);
        let short = Artifact::Digest {
            algorithm: HashAlgorithm::Sha256,
            digest: &[0xab, 0xc1, 0x23],
        };
        let err = verify(&trust, b"not a bundle", short, &policy).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
        assert_eq!(err.message(), "a sha256 digest is 32 bytes, not 3");
        let right = Artifact::Digest {
            algorithm: HashAlgorithm::Sha256,
            digest: &[0; 32],
        };
        let err = verify(&trust, b"not a bundle", right, &policy).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MalformedBundle);
    }
}
