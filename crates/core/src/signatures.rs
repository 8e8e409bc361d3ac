//! Git object signatures and detached OpenPGP signatures, for `verify_git_signature` and
//! `verify_http_pgp_signature`.
//!
//! Until the git / OpenPGP verifiers land, no signature can be checked: every check is
//! unusable (the call is undefined, as in Buildx when a key cannot be used).

use verdict_policy::Check;

/// Verifies the signature embedded in a raw git commit or tag object with a key file.
pub(crate) fn verify_git(content: &[u8], key: &[u8]) -> Check {
    let _ = (content, key);
    Check::Unusable
}

/// Verifies a detached OpenPGP signature over `content` with an armored keyring.
pub(crate) fn verify_pgp_detached(content: &[u8], signature: &[u8], key: &[u8]) -> Check {
    let _ = (content, signature, key);
    Check::Unusable
}
