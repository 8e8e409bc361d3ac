//! Seeded ECDSA P-256 keys. Every key is derived from a label (`SHA-256("verdict-mint key " ‖
//! label)` as the scalar) and signs deterministically (RFC 6979), so everything minted from
//! the same labels is byte-for-byte identical.

use der::asn1::{AnyRef, BitString, ObjectIdentifier};
use der::{Decode as _, Encode as _};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::util::sha256;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `ecdsa-with-SHA256`.
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// A deterministic ECDSA P-256 signing key.
#[derive(Clone)]
pub struct Key {
    label: String,
    sk: SigningKey,
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Key").field("label", &self.label).finish()
    }
}

impl Key {
    /// The key derived from `label`.
    pub fn from_label(label: &str) -> Key {
        let mut counter = 0u32;
        loop {
            let scalar = sha256(format!("verdict-mint key {label} {counter}").as_bytes());
            if let Ok(sk) = SigningKey::from_slice(&scalar) {
                return Key {
                    label: label.to_string(),
                    sk,
                };
            }
            counter += 1;
        }
    }

    /// The label the key was derived from.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The public key as a `SubjectPublicKeyInfo`.
    pub fn spki(&self) -> SubjectPublicKeyInfoOwned {
        let point = self.sk.verifying_key().to_encoded_point(false);
        let params = SECP256R1.to_der().expect("OID encodes");
        SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: ID_EC_PUBLIC_KEY,
                parameters: Some(AnyRef::from_der(&params).expect("OID decodes").into()),
            },
            subject_public_key: BitString::from_bytes(point.as_bytes()).expect("bit string"),
        }
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> Vec<u8> {
        self.spki().to_der().expect("SPKI encodes")
    }

    /// The PEM `PUBLIC KEY`.
    pub fn public_pem(&self) -> String {
        crate::util::pem("PUBLIC KEY", &self.spki_der())
    }

    /// ECDSA P-256 with SHA-256 over `message`, RFC 6979 nonce, DER-encoded signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.sk.sign(message);
        sig.to_der().as_bytes().to_vec()
    }

    /// SHA-256 of the DER SPKI: a transparency log's ID.
    pub fn log_id(&self) -> [u8; 32] {
        sha256(&self.spki_der())
    }
}

/// `ecdsa-with-SHA256` as an algorithm identifier (no parameters).
pub(crate) fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        let a = Key::from_label("x");
        let b = Key::from_label("x");
        assert_eq!(a.spki_der(), b.spki_der());
        assert_eq!(a.sign(b"m"), b.sign(b"m"));
        assert_ne!(a.spki_der(), Key::from_label("y").spki_der());
    }
}
