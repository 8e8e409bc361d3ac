//! Public keys and signature verification over RustCrypto: ECDSA P-256/P-384/P-521, Ed25519,
//! RSA PKCS#1 v1.5 and PSS; SHA-256/384/512 (algorithm-registry.md).

use der::{Decode, Encode, Tagged};
use ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1::DecodeRsaPublicKey;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;
use verdict_bundle::HashAlgorithm;

use std::sync::Arc;

use crate::error::{Error, ErrorCode, Result};
use verdict_ecdsa::KeyTable;

const EC_PUBLIC_KEY: der::asn1::ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier = const_oid::db::rfc5912::RSA_ENCRYPTION;
const ED25519: der::asn1::ObjectIdentifier = const_oid::db::rfc8410::ID_ED_25519;
const SECP256R1: der::asn1::ObjectIdentifier = const_oid::db::rfc5912::SECP_256_R_1;
const SECP384R1: der::asn1::ObjectIdentifier = const_oid::db::rfc5912::SECP_384_R_1;
const SECP521R1: der::asn1::ObjectIdentifier = const_oid::db::rfc5912::SECP_521_R_1;

/// Hashes `data` with `alg`.
pub(crate) fn hash(alg: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match alg {
        HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        _ => Sha256::digest(data).to_vec(),
    }
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[derive(Clone)]
enum Kind {
    P256(
        p256::ecdsa::VerifyingKey,
        Arc<KeyTable<verdict_ecdsa::p256::Table>>,
    ),
    P384(
        p384::ecdsa::VerifyingKey,
        Arc<KeyTable<verdict_ecdsa::p384::Table>>,
    ),
    P521(Box<p521::ecdsa::VerifyingKey>),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(Box<rsa::RsaPublicKey>),
}

/// A parsed public key, with the DER SubjectPublicKeyInfo it came from.
#[derive(Clone)]
pub struct PublicKey {
    kind: Kind,
    spki: Vec<u8>,
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey({})", self.algorithm())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki == other.spki
    }
}

fn bad_key(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedCertificate, msg)
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let info = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| bad_key(format!("public key: {e}")))?;
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| bad_key("public key: unaligned bit string"))?;
        let oid = info.algorithm.oid;
        let kind = if oid == EC_PUBLIC_KEY {
            let curve: der::asn1::ObjectIdentifier = info
                .algorithm
                .parameters
                .ok_or_else(|| bad_key("EC public key without a named curve"))?
                .decode_as()
                .map_err(|e| bad_key(format!("EC curve: {e}")))?;
            let err = |e: ecdsa::Error| bad_key(format!("EC point: {e}"));
            if curve == SECP256R1 {
                Kind::P256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(bits).map_err(err)?,
                    Arc::new(KeyTable::new(verdict_ecdsa::KEY_USES)),
                )
            } else if curve == SECP384R1 {
                Kind::P384(
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(bits).map_err(err)?,
                    Arc::new(KeyTable::new(verdict_ecdsa::KEY_USES)),
                )
            } else if curve == SECP521R1 {
                Kind::P521(Box::new(
                    p521::ecdsa::VerifyingKey::from_sec1_bytes(bits).map_err(err)?,
                ))
            } else {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlgorithm,
                    format!("unsupported EC curve {curve}"),
                ));
            }
        } else if oid == ED25519 {
            let bytes: &[u8; 32] = bits
                .try_into()
                .map_err(|_| bad_key("Ed25519 key is not 32 bytes"))?;
            Kind::Ed25519(
                ed25519_dalek::VerifyingKey::from_bytes(bytes)
                    .map_err(|e| bad_key(format!("Ed25519 key: {e}")))?,
            )
        } else if oid == RSA_ENCRYPTION {
            let key = rsa::RsaPublicKey::from_pkcs1_der(bits)
                .map_err(|e| bad_key(format!("RSA key: {e}")))?;
            Kind::Rsa(Box::new(key))
        } else {
            return Err(Error::new(
                ErrorCode::UnsupportedAlgorithm,
                format!("unsupported key algorithm {oid}"),
            ));
        };
        Ok(PublicKey {
            kind,
            spki: der.to_vec(),
        })
    }

    /// Parses a bare PKCS#1 `RSAPublicKey` (trusted roots with `keyDetails` `PKCS1_RSA_PKCS1V5`).
    pub(crate) fn from_pkcs1_rsa_der(der: &[u8]) -> Result<Self> {
        let key =
            rsa::RsaPublicKey::from_pkcs1_der(der).map_err(|e| bad_key(format!("RSA key: {e}")))?;
        Ok(PublicKey {
            kind: Kind::Rsa(Box::new(key)),
            spki: der.to_vec(),
        })
    }

    /// Parses a PEM `PUBLIC KEY` block, or DER SubjectPublicKeyInfo.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        if let Ok(text) = core::str::from_utf8(bytes)
            && text.contains("-----BEGIN")
        {
            let der = pem_decode(text, "PUBLIC KEY")
                .ok_or_else(|| bad_key("not a PEM PUBLIC KEY block"))?;
            return Self::from_spki_der(&der);
        }
        Self::from_spki_der(bytes)
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The key itself, one encoding per key whatever the SubjectPublicKeyInfo spelled, for the
    /// key types a TUF root can use here (a P-256 point uncompressed; Ed25519's 32 bytes): two
    /// spellings of one key compare equal. Other keys: their SubjectPublicKeyInfo.
    pub(crate) fn canonical(&self) -> Vec<u8> {
        match &self.kind {
            Kind::P256(k, _) => k.to_encoded_point(false).as_bytes().to_vec(),
            Kind::Ed25519(k) => k.as_bytes().to_vec(),
            _ => self.spki.clone(),
        }
    }

    /// A short name of the algorithm (`ecdsa-p256`, `ed25519`, `rsa`, …).
    pub fn algorithm(&self) -> &'static str {
        match self.kind {
            Kind::P256(..) => "ecdsa-p256",
            Kind::P384(..) => "ecdsa-p384",
            Kind::P521(_) => "ecdsa-p521",
            Kind::Ed25519(_) => "ed25519",
            Kind::Rsa(_) => "rsa",
        }
    }

    /// Whether this is an Ed25519 key (which signs messages, never digests).
    pub(crate) fn is_ed25519(&self) -> bool {
        matches!(self.kind, Kind::Ed25519(_))
    }

    /// The hash a signature by this key uses over a whole message by default
    /// (algorithm-registry.md: P-256→SHA-256, P-384→SHA-384, P-521→SHA-512, RSA→SHA-256).
    pub(crate) fn default_hash(&self) -> HashAlgorithm {
        match self.kind {
            Kind::P384(..) => HashAlgorithm::Sha384,
            Kind::P521(_) => HashAlgorithm::Sha512,
            _ => HashAlgorithm::Sha256,
        }
    }

    /// Builds this key's verification table now rather than at its third use (P-256, P-384;
    /// within the cap on key tables); other keys have none.
    pub(crate) fn precompute(&self) {
        match &self.kind {
            Kind::P256(k, table) => {
                table.build_capped(|| verdict_ecdsa::p256::Table::new(k.as_affine()));
            }
            Kind::P384(k, table) => {
                table.build_capped(|| verdict_ecdsa::p384::Table::new(k.as_affine()));
            }
            Kind::P521(_) | Kind::Ed25519(_) | Kind::Rsa(_) => {}
        }
    }

    /// Verifies `sig` over a precomputed digest made with `alg`. RSA accepts PKCS#1 v1.5 or PSS.
    pub(crate) fn verify_digest(&self, alg: HashAlgorithm, digest: &[u8], sig: &[u8]) -> bool {
        match &self.kind {
            // Variable time with precomputed tables (verdict-ecdsa), the `ecdsa` crate's rule.
            Kind::P256(k, table) => p256::ecdsa::Signature::from_der(sig).is_ok_and(|s| {
                let table = table.get_capped(|| verdict_ecdsa::p256::Table::new(k.as_affine()));
                verdict_ecdsa::p256::verify(k.as_affine(), table, digest, &s)
            }),
            Kind::P384(k, table) => p384::ecdsa::Signature::from_der(sig).is_ok_and(|s| {
                let table = table.get_capped(|| verdict_ecdsa::p384::Table::new(k.as_affine()));
                verdict_ecdsa::p384::verify(k.as_affine(), table, digest, &s)
            }),
            Kind::P521(k) => p521::ecdsa::Signature::from_der(sig)
                .is_ok_and(|s| k.verify_prehash(digest, &s).is_ok()),
            Kind::Ed25519(_) => false,
            Kind::Rsa(k) => rsa_verify(k, alg, digest, sig, None),
        }
    }

    /// Verifies `sig` over `msg`, hashing it with `alg` (or the key's default); Ed25519 signs the
    /// message itself.
    pub(crate) fn verify_message(
        &self,
        alg: Option<HashAlgorithm>,
        msg: &[u8],
        sig: &[u8],
    ) -> bool {
        if let Kind::Ed25519(k) = &self.kind {
            return ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|s| k.verify_strict(msg, &s).is_ok());
        }
        let alg = alg.unwrap_or_else(|| self.default_hash());
        self.verify_digest(alg, &hash(alg, msg), sig)
    }

    /// Verifies a signature made with an explicit scheme (certificate and CMS signatures).
    pub(crate) fn verify_with(&self, scheme: Scheme, msg: &[u8], sig: &[u8]) -> bool {
        match (scheme, &self.kind) {
            (Scheme::Ecdsa(alg), Kind::P256(..) | Kind::P384(..) | Kind::P521(_)) => {
                self.verify_digest(alg, &hash(alg, msg), sig)
            }
            (Scheme::Ed25519, Kind::Ed25519(_)) => self.verify_message(None, msg, sig),
            (Scheme::RsaPkcs1(alg), Kind::Rsa(k)) => {
                rsa_verify(k, alg, &hash(alg, msg), sig, Some(false))
            }
            (Scheme::RsaPss(alg), Kind::Rsa(k)) => {
                rsa_verify(k, alg, &hash(alg, msg), sig, Some(true))
            }
            _ => false,
        }
    }
}

fn rsa_verify(
    k: &rsa::RsaPublicKey,
    alg: HashAlgorithm,
    digest: &[u8],
    sig: &[u8],
    pss: Option<bool>,
) -> bool {
    use rsa::{Pkcs1v15Sign, Pss};
    let pkcs1 = || match alg {
        HashAlgorithm::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        HashAlgorithm::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        _ => Pkcs1v15Sign::new::<Sha256>(),
    };
    let pss_scheme = || match alg {
        HashAlgorithm::Sha384 => Pss::new::<Sha384>(),
        HashAlgorithm::Sha512 => Pss::new::<Sha512>(),
        _ => Pss::new::<Sha256>(),
    };
    match pss {
        Some(false) => k.verify(pkcs1(), digest, sig).is_ok(),
        Some(true) => k.verify(pss_scheme(), digest, sig).is_ok(),
        None => {
            k.verify(pkcs1(), digest, sig).is_ok() || k.verify(pss_scheme(), digest, sig).is_ok()
        }
    }
}

/// A signature scheme named by an AlgorithmIdentifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Ecdsa(HashAlgorithm),
    Ed25519,
    RsaPkcs1(HashAlgorithm),
    RsaPss(HashAlgorithm),
}

impl Scheme {
    /// The scheme of a signature AlgorithmIdentifier (X.509 `signatureAlgorithm`, CMS).
    pub(crate) fn from_algorithm(alg: &spki::AlgorithmIdentifierOwned) -> Result<Self> {
        use const_oid::db::{rfc5912 as r, rfc8410};
        let o = alg.oid;
        let scheme = if o == r::ECDSA_WITH_SHA_256 {
            Scheme::Ecdsa(HashAlgorithm::Sha256)
        } else if o == r::ECDSA_WITH_SHA_384 {
            Scheme::Ecdsa(HashAlgorithm::Sha384)
        } else if o == r::ECDSA_WITH_SHA_512 {
            Scheme::Ecdsa(HashAlgorithm::Sha512)
        } else if o == r::SHA_256_WITH_RSA_ENCRYPTION {
            Scheme::RsaPkcs1(HashAlgorithm::Sha256)
        } else if o == r::SHA_384_WITH_RSA_ENCRYPTION {
            Scheme::RsaPkcs1(HashAlgorithm::Sha384)
        } else if o == r::SHA_512_WITH_RSA_ENCRYPTION {
            Scheme::RsaPkcs1(HashAlgorithm::Sha512)
        } else if o == rfc8410::ID_ED_25519 {
            Scheme::Ed25519
        } else if o == r::ID_RSASSA_PSS {
            Scheme::RsaPss(pss_hash(alg)?)
        } else {
            return Err(Error::new(
                ErrorCode::UnsupportedAlgorithm,
                format!("unsupported signature algorithm {o}"),
            ));
        };
        Ok(scheme)
    }
}

/// The hash of RSASSA-PSS parameters (RFC 4055): `hashAlgorithm [0]`, default SHA-1 (unsupported).
fn pss_hash(alg: &spki::AlgorithmIdentifierOwned) -> Result<HashAlgorithm> {
    let unsupported = || {
        Error::new(
            ErrorCode::UnsupportedAlgorithm,
            "unsupported RSASSA-PSS parameters",
        )
    };
    let params = alg.parameters.as_ref().ok_or_else(unsupported)?;
    let seq: Vec<der::Any> = params.decode_as().map_err(|_| unsupported())?;
    let first = seq.first().ok_or_else(unsupported)?;
    if first.tag()
        != (der::Tag::ContextSpecific {
            constructed: true,
            number: der::TagNumber::N0,
        })
    {
        return Err(unsupported());
    }
    let inner =
        spki::AlgorithmIdentifierOwned::from_der(first.value()).map_err(|_| unsupported())?;
    hash_from_oid(&inner.oid).ok_or_else(unsupported)
}

/// A digest algorithm from its OID.
pub(crate) fn hash_from_oid(oid: &der::asn1::ObjectIdentifier) -> Option<HashAlgorithm> {
    use const_oid::db::rfc5912 as r;
    if *oid == r::ID_SHA_256 {
        Some(HashAlgorithm::Sha256)
    } else if *oid == r::ID_SHA_384 {
        Some(HashAlgorithm::Sha384)
    } else if *oid == r::ID_SHA_512 {
        Some(HashAlgorithm::Sha512)
    } else {
        None
    }
}

/// Decodes the first PEM block labelled `label`.
pub(crate) fn pem_decode(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let b64: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// Re-encodes a DER value (used for to-be-signed bytes); never fails on decoded input.
pub(crate) fn to_der<T: Encode>(v: &T) -> Result<Vec<u8>> {
    v.to_der().map_err(|e| {
        Error::new(
            ErrorCode::MalformedCertificate,
            format!("DER re-encoding: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{PublicKey, Scheme, hash};
    use ecdsa::signature::Signer as _;
    use verdict_bundle::HashAlgorithm;

    const MSG: &[u8] = b"message";

    fn check(key: &PublicKey, sig: &[u8], alg: HashAlgorithm, scheme: Scheme) {
        assert!(key.verify_message(None, MSG, sig), "{key:?} message");
        assert!(
            key.verify_digest(alg, &hash(alg, MSG), sig),
            "{key:?} digest"
        );
        assert!(key.verify_with(scheme, MSG, sig), "{key:?} scheme");
        assert!(
            !key.verify_message(None, b"massage", sig),
            "{key:?} other message"
        );
        let mut bad = sig.to_vec();
        let n = bad.len() - 2;
        bad[n] ^= 1;
        assert!(
            !key.verify_message(None, MSG, &bad),
            "{key:?} flipped signature"
        );
    }

    #[test]
    fn ecdsa_curves_verify_their_default_hash() {
        use p256::pkcs8::EncodePublicKey as _;
        let sk = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        let sig: p256::ecdsa::Signature = sk.sign(MSG);
        let spki = p256::PublicKey::from(sk.verifying_key())
            .to_public_key_der()
            .unwrap();
        let key = PublicKey::from_spki_der(spki.as_bytes()).unwrap();
        assert_eq!(key.algorithm(), "ecdsa-p256");
        check(
            &key,
            sig.to_der().as_bytes(),
            HashAlgorithm::Sha256,
            Scheme::Ecdsa(HashAlgorithm::Sha256),
        );

        let sk = p384::ecdsa::SigningKey::from_slice(&[7; 48]).unwrap();
        let sig: p384::ecdsa::Signature = sk.sign(MSG);
        let spki = p384::pkcs8::EncodePublicKey::to_public_key_der(&p384::PublicKey::from(
            sk.verifying_key(),
        ))
        .unwrap();
        let key = PublicKey::from_spki_der(spki.as_bytes()).unwrap();
        check(
            &key,
            sig.to_der().as_bytes(),
            HashAlgorithm::Sha384,
            Scheme::Ecdsa(HashAlgorithm::Sha384),
        );

        // P-521: the key parses (signing is not exercised: no P-521 signature in any vector).
        let mut scalar = [7u8; 66];
        scalar[0] = 0; // below the 521-bit order
        let sk = p521::SecretKey::from_slice(&scalar).unwrap();
        let spki = p521::pkcs8::EncodePublicKey::to_public_key_der(&sk.public_key()).unwrap();
        let key = PublicKey::from_spki_der(spki.as_bytes()).unwrap();
        assert_eq!(key.algorithm(), "ecdsa-p521");
        assert_eq!(key.default_hash(), HashAlgorithm::Sha512);
    }

    #[test]
    fn ed25519_signs_the_message_not_a_digest() {
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        let sk = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let sig = ed25519_dalek::Signer::sign(&sk, MSG).to_bytes();
        let spki = sk.verifying_key().to_public_key_der().unwrap();
        let key = PublicKey::from_spki_der(spki.as_bytes()).unwrap();
        assert!(key.verify_message(None, MSG, &sig));
        assert!(key.verify_with(Scheme::Ed25519, MSG, &sig));
        assert!(!key.verify_digest(
            HashAlgorithm::Sha256,
            &hash(HashAlgorithm::Sha256, MSG),
            &sig
        ));
        assert!(!key.verify_message(None, b"massage", &sig));
    }

    #[test]
    fn rsa_pkcs1_and_pss() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let key = PublicKey::from_spki_der(&std::fs::read(dir.join("rsa-2048.spki.der")).unwrap())
            .unwrap();
        assert_eq!(key.algorithm(), "rsa");
        let pkcs1 = std::fs::read(dir.join("rsa-2048.pkcs1-sha256.sig")).unwrap();
        check(
            &key,
            &pkcs1,
            HashAlgorithm::Sha256,
            Scheme::RsaPkcs1(HashAlgorithm::Sha256),
        );
        assert!(
            !key.verify_with(Scheme::RsaPss(HashAlgorithm::Sha256), MSG, &pkcs1),
            "schemes are not interchangeable"
        );
        let pss = std::fs::read(dir.join("rsa-2048.pss-sha384.sig")).unwrap();
        assert!(key.verify_with(Scheme::RsaPss(HashAlgorithm::Sha384), MSG, &pss));
        assert!(key.verify_digest(
            HashAlgorithm::Sha384,
            &hash(HashAlgorithm::Sha384, MSG),
            &pss
        ));
        assert!(!key.verify_with(Scheme::RsaPkcs1(HashAlgorithm::Sha384), MSG, &pss));
    }

    #[test]
    fn keys_parse_from_pem_and_reject_garbage() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let der = std::fs::read(dir.join("rsa-2048.spki.der")).unwrap();
        use base64::Engine as _;
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(&der)
        );
        assert_eq!(
            PublicKey::from_pem_or_der(pem.as_bytes())
                .unwrap()
                .spki_der(),
            der.as_slice()
        );
        assert!(
            PublicKey::from_pem_or_der(
                b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
            )
            .is_err()
        );
        assert!(PublicKey::from_spki_der(&der[..40]).is_err());
    }
}
