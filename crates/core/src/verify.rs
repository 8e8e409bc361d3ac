//! Sigstore bundle verification, as every host reaches it.
//!
//! A thin re-export of `verdict-verify`, so that the component (and the
//! browser build) depend on one crate, `verdict-core`, for both halves of a
//! verdict. Like the rest of this crate it is pure: no I/O, no clock; the
//! verified times come from the bundle's own signed evidence.
//!
//! ```
//! use verdict_core::verify::{Artifact, ErrorCode, Identity, Policy, TrustMaterial, verify};
//!
//! let trust = TrustMaterial::public_good();
//! let policy = Policy::new(Identity::AnyCertificate);
//! let err = verify(&trust, b"{}", Artifact::Bytes(b"hello"), &policy).unwrap_err();
//! assert_eq!(err.code(), ErrorCode::MalformedBundle);
//! ```

pub use verdict_verify::{
    Artifact, Error, ErrorCode, GITHUB_TRUSTED_ROOT, HashAlgorithm, Identity, LogEntryFacts,
    Matcher, ORIGIN_EMBEDDED, ORIGIN_GIVEN, PUBLIC_GOOD_TRUSTED_ROOT, Policy, Result, Signer,
    Statement, Thresholds, TimeSource, TrustMaterial, VerifiedBundle, VerifiedTime, tuf, verify,
};

/// The digest algorithm named `name` (`sha256`, `sha384` or `sha512`).
pub fn hash_algorithm(name: &str) -> Option<HashAlgorithm> {
    [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ]
    .into_iter()
    .find(|a| a.name() == name)
}

/// The compact JSON text of a verified bundle's facts
/// ([`VerifiedBundle::to_json`]).
pub fn facts_json(verified: &VerifiedBundle) -> String {
    verified.to_json().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_algorithms_by_name() {
        assert_eq!(hash_algorithm("sha256"), Some(HashAlgorithm::Sha256));
        assert_eq!(hash_algorithm("sha384"), Some(HashAlgorithm::Sha384));
        assert_eq!(hash_algorithm("sha512"), Some(HashAlgorithm::Sha512));
        assert_eq!(hash_algorithm("SHA256"), None);
        assert_eq!(hash_algorithm("md5"), None);
    }
}
