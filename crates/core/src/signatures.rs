//! Git object signatures and detached OpenPGP signatures, for `verify_git_signature` and
//! `verify_http_pgp_signature`, with Buildx's semantics (BX `policy/funcs.go`, BuildKit
//! `util/gitutil/gitsign`, `util/pgpsign`).

use sha2::{Digest, Sha256, Sha384, Sha512};
use verdict_openpgp::{HashAlgorithm, Keyring, Signature};
use verdict_policy::Check;

/// Verifies the signature embedded in a raw git commit or tag object with a key file (an armored
/// OpenPGP keyring, or SSH public keys), at evaluation time `now_unix` (a PGP signature from more
/// than 5 minutes in the future is refused, as BuildKit's `pgpsign` does). Any failure is
/// [`Check::Failed`]: the call is then undefined, as in Buildx.
pub(crate) fn verify_git(content: &[u8], key: &[u8], now_unix: i64) -> Check {
    match verdict_git::verify_signature_at(content, key, now_unix) {
        Ok(_) => Check::Verified,
        Err(_) => Check::Failed,
    }
}

/// Verifies a detached OpenPGP signature over `content` with an armored keyring, as Buildx's
/// `verify_http_pgp_signature`: the signature's hash (SHA-256/384/512 only) over the raw content
/// and the signature's hashed trailer, checked against the keyring's keys. Unparsable files or
/// an unsupported hash are [`Check::Unusable`] (undefined); a signature that does not verify is
/// [`Check::Failed`] (`false`).
pub(crate) fn verify_pgp_detached(content: &[u8], signature: &[u8], key: &[u8]) -> Check {
    let (Ok(keyring), Ok(sig)) = (Keyring::parse(key), Signature::parse(signature)) else {
        return Check::Unusable;
    };
    let trailer = sig.hashed_trailer();
    let digest = match sig.hash_algorithm() {
        HashAlgorithm::Sha256 => Sha256::new()
            .chain_update(content)
            .chain_update(&trailer)
            .finalize()
            .to_vec(),
        HashAlgorithm::Sha384 => Sha384::new()
            .chain_update(content)
            .chain_update(&trailer)
            .finalize()
            .to_vec(),
        HashAlgorithm::Sha512 => Sha512::new()
            .chain_update(content)
            .chain_update(&trailer)
            .finalize()
            .to_vec(),
        _ => return Check::Unusable,
    };
    match verdict_openpgp::verify_prehashed(&keyring, &sig, &digest) {
        Ok(_) => Check::Verified,
        Err(_) => Check::Failed,
    }
}
