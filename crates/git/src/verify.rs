//! Verifying an object's embedded signature with a key file, as Buildx's
//! `verify_git_signature` does through BuildKit `util/gitutil/gitsign/gitsign.go`.

use verdict_openpgp::{Keyring, VerifiedBy, armor};

use crate::error::{Error, ErrorCode, Result};
use crate::object::GitObject;
use crate::ssh::{SshSignature, parse_authorized_key};

/// The signature embedded in a commit or tag.
#[derive(Debug, Clone)]
pub enum EmbeddedSignature {
    /// An armored OpenPGP signature (`-----BEGIN PGP SIGNATURE-----`).
    Pgp(verdict_openpgp::Signature),
    /// An SSH signature (`-----BEGIN SSH SIGNATURE-----`).
    Ssh(Box<SshSignature>),
}

impl EmbeddedSignature {
    /// Parses a signature by its first line, as gitsign's `ParseSignature` does: it must start
    /// with `-----BEGIN PGP SIGNATURE-----` or `-----BEGIN SSH SIGNATURE-----`.
    pub fn parse(signature: &[u8]) -> Result<EmbeddedSignature> {
        if signature.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
            verdict_openpgp::Signature::parse(signature)
                .map(EmbeddedSignature::Pgp)
                .map_err(|e| Error::from_pgp(e, true))
        } else if signature.starts_with(b"-----BEGIN SSH SIGNATURE-----") {
            SshSignature::parse_armored(signature).map(|s| EmbeddedSignature::Ssh(Box::new(s)))
        } else {
            Err(Error::new(
                ErrorCode::MalformedSignature,
                "invalid signature format",
            ))
        }
    }
}

/// Who verified an object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verified {
    /// An OpenPGP key of the keyring.
    Pgp(VerifiedBy),
    /// The SSH key of the key file; its `SHA256:` fingerprint.
    Ssh {
        /// `SHA256:` fingerprint of the signing key.
        fingerprint: String,
    },
}

/// Checks that `signature` is exactly one armored block, as both git and Buildx would read it:
/// its first line is exactly `-----BEGIN PGP SIGNATURE-----` or `-----BEGIN SSH SIGNATURE-----`,
/// its last line (before at most one final line break) the matching END line, and no line in
/// between starts with `-----`. Git hands everything from its signature marker to the end of the
/// object to gpg / ssh-keygen, which skip what follows a block (measured: text after END, a second
/// SSH block), while Buildx parses the first block only; refusing anything more keeps the two
/// readings the same (fail closed). Returns whether the block is OpenPGP.
fn check_single_block(signature: &[u8]) -> Result<bool> {
    let text = signature.strip_suffix(b"\n").unwrap_or(signature);
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let (pgp, end): (bool, &[u8]) = match lines.first() {
        Some(&b"-----BEGIN PGP SIGNATURE-----") => (true, b"-----END PGP SIGNATURE-----"),
        Some(&b"-----BEGIN SSH SIGNATURE-----") => (false, b"-----END SSH SIGNATURE-----"),
        _ => {
            return Err(Error::new(
                ErrorCode::MalformedSignature,
                "the signature does not start with exactly one PGP or SSH SIGNATURE line",
            ));
        }
    };
    if lines.len() < 2 || lines[lines.len() - 1] != end {
        return Err(Error::new(
            ErrorCode::MalformedSignature,
            "the signature block does not end with its END line (data after it?)",
        ));
    }
    if lines[1..lines.len() - 1]
        .iter()
        .any(|l| l.starts_with(b"-----"))
    {
        return Err(Error::new(
            ErrorCode::MalformedSignature,
            "more than one armor line in the signature block",
        ));
    }
    Ok(pgp)
}

/// Verifies the signature embedded in raw commit or tag content with `key_file`: for a PGP
/// signature an armored keyring (one or more `PGP PUBLIC KEY BLOCK`s), for an SSH signature an
/// authorized-keys / allowed-signers style file whose first key is used (as Buildx does).
pub fn verify_signature(object_content: &[u8], key_file: &[u8]) -> Result<Verified> {
    verify_object(&GitObject::parse(object_content)?, key_file, None)
}

/// [`verify_signature`] plus the one check of Buildx that needs a clock: a PGP signature whose
/// creation time is more than 5 minutes after `now_unix` (seconds since the epoch) is refused
/// with `future-signature` (BuildKit `pgpsign.checkCreationTime`; SSH signatures carry no time).
pub fn verify_signature_at(
    object_content: &[u8],
    key_file: &[u8],
    now_unix: i64,
) -> Result<Verified> {
    verify_object(&GitObject::parse(object_content)?, key_file, Some(now_unix))
}

/// [`verify_signature`] (or with `now_unix`, [`verify_signature_at`]) on a parsed object.
///
/// PGP (gitsign `verifyPGPSignature` → BuildKit `pgpsign.VerifyArmoredDetachedSignature`): the
/// key file must be armored; the hash must be SHA-256/384/512; the signature must verify with a
/// key or validly bound subkey of the keyring whose key ID is the issuer's (see
/// `verdict_openpgp::verify`, which also checks key validity at the signature's time); the
/// certificate's primary key must not carry a verified key revocation and must not be RSA below
/// 2048 bits; with a time, the signature may not be more than 5 minutes in its future.
///
/// SSH (gitsign `verifySSHSignature`): version 1, hash sha256/sha512, namespace `git`, the
/// signature's key equal to the key file's first key, and the signature valid.
pub fn verify_object(obj: &GitObject, key_file: &[u8], now_unix: Option<i64>) -> Result<Verified> {
    if !obj.is_signed() {
        return Err(Error::new(ErrorCode::NotSigned, "git object is not signed"));
    }
    if let Some(why) = obj.signature_ambiguity() {
        return Err(Error::new(ErrorCode::MalformedSignature, why));
    }
    let pgp = check_single_block(obj.signature())?;
    if pgp {
        // The single-packet rule (gpg verifies every packet; git refuses more than one).
        verdict_openpgp::Signature::parse_single(obj.signature())
            .map_err(|e| Error::from_pgp(e, true))?;
    }
    match EmbeddedSignature::parse(obj.signature())? {
        EmbeddedSignature::Pgp(sig) => {
            if !armor::is_armored(key_file) {
                return Err(Error::new(
                    ErrorCode::MalformedKeyFile,
                    "key file is not an armored OpenPGP public key block",
                ));
            }
            let keyring = Keyring::parse(key_file).map_err(|e| Error::from_pgp(e, false))?;
            let by = verdict_openpgp::verify(&keyring, &sig, obj.signed_data())
                .map_err(|e| Error::from_pgp(e, true))?;
            if by.primary_revoked {
                return Err(Error::new(ErrorCode::RevokedKey, "key revoked"));
            }
            if let Some(bits) = by.primary_rsa_bits.filter(|&b| b < 2048) {
                return Err(Error::new(
                    ErrorCode::WeakKey,
                    format!("RSA key too short: {bits} bits"),
                ));
            }
            if let Some(now) = now_unix
                && i64::from(sig.creation_time()) > now.saturating_add(300)
            {
                return Err(Error::new(
                    ErrorCode::FutureSignature,
                    "signature creation time is in the future",
                ));
            }
            Ok(Verified::Pgp(by))
        }
        EmbeddedSignature::Ssh(sig) => {
            if sig.namespace() != "git" {
                return Err(Error::new(
                    ErrorCode::WrongNamespace,
                    format!("unexpected SSH signature namespace {:?}", sig.namespace()),
                ));
            }
            let key = parse_authorized_key(key_file)?;
            sig.verify(obj.signed_data(), &key)?;
            Ok(Verified::Ssh {
                fingerprint: key.fingerprint_sha256(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMIT: &[u8] = include_bytes!("../testdata/objects/commit-pgp-ed25519.commit");
    const KEY: &[u8] = include_bytes!("../testdata/keys/pgp-ed25519.asc");

    #[test]
    fn future_signatures() {
        let EmbeddedSignature::Pgp(sig) =
            EmbeddedSignature::parse(GitObject::parse(COMMIT).unwrap().signature()).unwrap()
        else {
            panic!("a PGP signature");
        };
        let at = i64::from(sig.creation_time());
        verify_signature_at(COMMIT, KEY, at - 300).unwrap();
        let e = verify_signature_at(COMMIT, KEY, at - 301).unwrap_err();
        assert_eq!(e.code(), ErrorCode::FutureSignature);
    }
}
