//! # verdict-openpgp
//!
//! A minimal OpenPGP reader for **verifying** detached signatures, written for verdict on the
//! RustCrypto crates the workspace already uses. No I/O, no clock, no randomness.
//!
//! What it owns:
//! - ASCII armor: RFC 4880 §6 / RFC 9580 §6 — `BEGIN`/`END` lines, headers skipped, base64
//!   body; the optional CRC-24 is computed and reported, and (as RFC 9580 §6.1 asks and as
//!   go-crypto, which Buildx runs, does) a mismatch does not reject the object ([`armor`]).
//! - Packet framing: RFC 9580 §4.2 — old and new formats, definite lengths only (partial and
//!   indeterminate lengths are refused with `unsupported-packet`).
//! - Public keys: RFC 9580 §5.5.2 version 4 key and subkey packets; fingerprints and key IDs per
//!   RFC 4880 §12.2 (SHA-1 over `0x99 ‖ len16 ‖ body`; key ID = low 64 bits); transferable public
//!   keys and keyrings (§10.1). Verifies with RSA (1, 3; PKCS#1 v1.5), ECDSA (19) on NIST P-256,
//!   P-384, P-521, and EdDSA legacy (22) on Ed25519. Other algorithms parse (their keys get
//!   fingerprints) but never verify (`unsupported-algorithm`).
//! - Signatures: RFC 9580 §5.2.3 version 4 signature packets; document types binary (0x00) and
//!   text (0x01, line endings canonicalised to CRLF, §5.2.1.2); SHA-256/384/512 only (§5.2.4;
//!   SHA-1 and others give `unsupported-hash`); the issuer key ID (§5.2.3.12) and issuer
//!   fingerprint (§5.2.3.35) subpackets; unknown *critical* hashed subpackets invalidate
//!   (§5.2.3.7); the left-16-bits quick check (§5.2.3) is enforced.
//!
//! What is checked when a signature [`verify`]s: the hash algorithm, the signature type, the
//! issuer (a key or subkey of the keyring with the signature's issuer key ID — and, when the
//! signature carries an issuer fingerprint, that exact fingerprint); that a primary key has a
//! user ID with a valid self-certification (0x10–0x13) whose key flags, if present, allow
//! signing; that a signing subkey has a valid subkey binding signature (0x18) from its primary
//! key with an embedded primary key binding signature (0x19) and, if key flags are present, the
//! sign flag (RFC 9580 §5.2.1, §5.2.3.29, §10.1); the left 16 bits of the digest; the
//! cryptographic signature; and, at the signature's own creation time (the only clock there
//! is), that neither the primary key nor the signing subkey was created after it or had expired
//! (key expiration time, §5.2.3.13, of the chosen self-signature / latest valid binding).
//! Certifications and bindings may use SHA-1 (older keys); document signatures may not.
//!
//! What is **not** checked (there is no clock, and the keyring is the trust decision): expiry
//! at the current time, signature expiration, revocations (a verified key revocation of the
//! primary key is *reported* in [`VerifiedBy::primary_revoked`] for the caller to decide;
//! subkey and user ID revocations are not read), and third-party certifications. Version 3, 5
//! and 6 keys are skipped and such signatures refused (`unsupported-version`); DSA, Ed25519
//! (algorithm 27) and Ed448 signatures parse but do not verify (`unsupported-algorithm`).
//!
//! ```
//! # fn main() -> Result<(), verdict_openpgp::Error> {
//! let keyring = verdict_openpgp::Keyring::parse(include_bytes!("../testdata/key-ed25519.asc"))?;
//! let sig = verdict_openpgp::Signature::parse(include_bytes!("../testdata/sig-ed25519-sha256.asc"))?;
//! let by = verdict_openpgp::verify(&keyring, &sig, include_bytes!("../testdata/content.txt"))?;
//! assert_eq!(Some(by.key_id), sig.issuer_key_id());
//! # Ok(()) }
//! ```
//!
//! ## Buildx's `verify_http_pgp_signature`
//!
//! Buildx (`policy/funcs.go`, BuildKit `util/pgpsign/pgpsign.go` `VerifySignatureWithDigest`)
//! has BuildKit compute `hash(content ‖ HashSuffix)` — `HashSuffix` is exactly
//! [`Signature::hashed_trailer`] — with the signature's hash (SHA-256/384/512 only), then tries
//! every primary key and subkey of the keyring. [`verify_prehashed`] is that step, with three
//! differences to know: Buildx hashes the raw content even for text signatures (so a caller that
//! mirrors Buildx hashes the raw content, not [`canonical_text`]); Buildx ignores the issuer
//! (a signature without an issuer subpacket verifies there, here it is `missing-issuer`); and it
//! checks neither key flags nor key validity at the signature's time there (go-crypto's keyring
//! reader does drop badly bound subkeys and user IDs), where this crate does.
#![forbid(unsafe_code)]

pub mod armor;
mod error;
mod key;
mod packet;
mod signature;

pub use error::{Error, ErrorCode, Result};
pub use key::{Binding, Certificate, Keyring, PublicKey, PublicKeyAlgorithm, Subkey};
pub use signature::{HashAlgorithm, Signature, canonical_text};

/// Which key verified a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBy {
    /// The fingerprint of the key that made the signature (primary key or subkey).
    pub fingerprint: [u8; 20],
    /// Its key ID.
    pub key_id: [u8; 8],
    /// The fingerprint of the certificate's primary key.
    pub primary_fingerprint: [u8; 20],
    /// Whether a subkey made the signature.
    pub by_subkey: bool,
    /// The RSA modulus size of the primary key, in bits, for RSA primary keys.
    pub primary_rsa_bits: Option<usize>,
    /// Whether the certificate carries a verified key revocation ([`Certificate::is_revoked`]);
    /// [`verify`] reports it and leaves the decision to the caller.
    pub primary_revoked: bool,
}

/// Checks what any document signature must satisfy before hashing, in the order of BuildKit's
/// `checkAlgoPolicy` then go-crypto: a supported hash, a supported public-key algorithm, a
/// document signature type.
fn check_document_signature(sig: &Signature) -> Result<()> {
    let alg = sig.hash_algorithm();
    if !alg.is_supported() {
        return Err(Error::new(
            ErrorCode::UnsupportedHash,
            format!(
                "hash algorithm {} ({}) is not supported",
                alg.name(),
                alg.id()
            ),
        ));
    }
    if let PublicKeyAlgorithm::Other(id) = sig.public_key_algorithm() {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            format!("signature public-key algorithm {id} is not supported"),
        ));
    }
    match sig.signature_type() {
        0x00 | 0x01 => Ok(()),
        t => Err(Error::new(
            ErrorCode::UnsupportedSignatureType,
            format!("signature type {t:#04x} is not a binary or text document signature"),
        )),
    }
}

/// go-crypto's `checkMessageSignatureDetails` with the clock set to the signature's creation time
/// (as Buildx's `pgpsign` does): neither the primary key nor the signing subkey may be created
/// after the signature or have expired before it.
fn check_key_times(
    sig: &Signature,
    primary: (&PublicKey, Option<u32>),
    subkey: Option<(&PublicKey, Option<u32>)>,
) -> Result<()> {
    let at = u64::from(sig.creation_time());
    for (key, lifetime) in core::iter::once(primary).chain(subkey) {
        let created = u64::from(key.creation_time());
        if created > at {
            return Err(Error::new(
                ErrorCode::ExpiredKey,
                "key created after the signature",
            ));
        }
        if let Some(l) = lifetime
            && at > created + u64::from(l)
        {
            return Err(Error::new(
                ErrorCode::ExpiredKey,
                "key expired before the signature was made",
            ));
        }
    }
    Ok(())
}

/// Verifies a detached signature over `content` with the keyring (see the crate docs for what
/// is checked). Text signatures (type 0x01) hash `content` with line endings made CRLF.
pub fn verify(keyring: &Keyring, sig: &Signature, content: &[u8]) -> Result<VerifiedBy> {
    check_document_signature(sig)?;
    let mut h = sig.hasher(false)?;
    if sig.signature_type() == 0x01 {
        signature::update_canonical_text(&mut h, content);
    } else {
        h.update(content);
    }
    h.update(&sig.hashed_trailer());
    verify_prehashed(keyring, sig, &h.finalize())
}

/// Verifies a detached signature given `digest` = hash(content ‖ [`Signature::hashed_trailer`])
/// computed by the caller with [`Signature::hash_algorithm`] (for a text signature, over
/// [`canonical_text`] of the content). Same checks as [`verify`].
pub fn verify_prehashed(keyring: &Keyring, sig: &Signature, digest: &[u8]) -> Result<VerifiedBy> {
    check_document_signature(sig)?;
    if Some(digest.len()) != sig.hash_algorithm().digest_len() {
        return Err(Error::new(
            ErrorCode::InvalidDigest,
            format!(
                "digest is {} bytes, {} needs {:?}",
                digest.len(),
                sig.hash_algorithm().name(),
                sig.hash_algorithm().digest_len()
            ),
        ));
    }
    let Some(key_id) = sig.issuer_key_id() else {
        return Err(Error::new(
            ErrorCode::MissingIssuer,
            "signature names no issuer",
        ));
    };
    let matches = |k: &PublicKey| {
        k.key_id() == key_id
            && sig
                .issuer_fingerprint()
                .is_none_or(|fp| fp == k.fingerprint())
    };
    let mut last: Option<Error> = None;
    for cert in keyring.certificates() {
        let primary = cert.primary();
        // (key, validity, the subkey's lifetime if it is a subkey)
        let found = core::iter::once((primary, cert.primary_validity(), None))
            .chain(
                cert.subkeys()
                    .iter()
                    .map(|s| (s.key(), s.binding(), Some(s.lifetime()))),
            )
            .filter(|(k, _, _)| matches(k));
        for (k, validity, subkey_lifetime) in found {
            if let Binding::Invalid(e) = validity {
                last = Some(e.clone());
                continue;
            }
            let checked = k.verify_digest(sig, digest).and_then(|()| {
                let subkey = subkey_lifetime.map(|l| (k, l));
                check_key_times(sig, (primary, cert.primary_lifetime()), subkey)
            });
            match checked {
                Ok(()) => {
                    return Ok(VerifiedBy {
                        fingerprint: k.fingerprint(),
                        key_id: k.key_id(),
                        primary_fingerprint: primary.fingerprint(),
                        by_subkey: subkey_lifetime.is_some(),
                        primary_rsa_bits: primary.rsa_bits(),
                        primary_revoked: cert.is_revoked(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::new(
            ErrorCode::NoMatchingKey,
            format!("no key in the keyring has key ID {}", key::hex(&key_id)),
        )
    }))
}
