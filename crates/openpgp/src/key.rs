//! Public keys and keyrings (RFC 4880 §5.5.2, §11.1; RFC 9580 §5.5.2, §10.1): version 4 key
//! packets, fingerprints and key IDs (§5.5.4), subkey binding signatures (§5.2.1).

use ecdsa::signature::Verifier as _;
use ecdsa::signature::hazmat::PrehashVerifier as _;
use sha1::Digest as _;

use crate::armor;
use crate::error::{Error, ErrorCode, Result, malformed};
use crate::packet::{self, Reader, tag};
use crate::signature::{Signature, SignatureValue};

/// A public-key algorithm ID (RFC 9580 §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PublicKeyAlgorithm {
    /// RSA (encrypt or sign), 1.
    Rsa,
    /// RSA sign-only, 3.
    RsaSignOnly,
    /// ECDSA, 19.
    Ecdsa,
    /// EdDSA in its legacy (RFC 4880bis) encoding, 22.
    EdDsaLegacy,
    /// Any other algorithm (DSA, ElGamal, ECDH, X25519, Ed25519 v6, …): parsed, never verified.
    Other(u8),
}

impl PublicKeyAlgorithm {
    /// From the RFC's numeric ID.
    pub fn from_id(id: u8) -> Self {
        match id {
            1 => Self::Rsa,
            3 => Self::RsaSignOnly,
            19 => Self::Ecdsa,
            22 => Self::EdDsaLegacy,
            other => Self::Other(other),
        }
    }

    /// The RFC's numeric ID.
    pub fn id(self) -> u8 {
        match self {
            Self::Rsa => 1,
            Self::RsaSignOnly => 3,
            Self::Ecdsa => 19,
            Self::EdDsaLegacy => 22,
            Self::Other(id) => id,
        }
    }
}

const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519: &[u8] = &[0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01];

/// Verifiable key material.
#[derive(Clone)]
enum Material {
    Rsa(Box<rsa::RsaPublicKey>),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(Box<p521::ecdsa::VerifyingKey>),
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An algorithm or curve this crate does not verify with (the reason).
    Unsupported(String),
}

/// A version 4 public key or subkey.
#[derive(Clone)]
pub struct PublicKey {
    body: Vec<u8>,
    algorithm: PublicKeyAlgorithm,
    created: u32,
    fingerprint: [u8; 20],
    material: Material,
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PublicKey")
            .field("fingerprint", &hex(&self.fingerprint))
            .field("algorithm", &self.algorithm)
            .field("created", &self.created)
            .finish()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unsupported(reason: impl Into<String>) -> Material {
    Material::Unsupported(reason.into())
}

impl PublicKey {
    /// Parses the body of a public key or public subkey packet.
    pub(crate) fn from_packet_body(body: &[u8]) -> Result<PublicKey> {
        let mut r = Reader::new(body);
        let version = r.u8()?;
        if version != 4 {
            return Err(Error::new(
                ErrorCode::UnsupportedVersion,
                format!("key version {version} is not supported (only 4)"),
            ));
        }
        let created = r.u32()?;
        let algorithm = PublicKeyAlgorithm::from_id(r.u8()?);
        let material = match algorithm {
            PublicKeyAlgorithm::Rsa | PublicKeyAlgorithm::RsaSignOnly => {
                let n = rsa::BigUint::from_bytes_be(r.mpi()?);
                let e = rsa::BigUint::from_bytes_be(r.mpi()?);
                match rsa::RsaPublicKey::new_with_max_size(n, e, 16384) {
                    Ok(k) => Material::Rsa(Box::new(k)),
                    Err(e) => unsupported(format!("RSA key: {e}")),
                }
            }
            PublicKeyAlgorithm::Ecdsa | PublicKeyAlgorithm::EdDsaLegacy => {
                let oid_len = usize::from(r.u8()?);
                let oid = r.take(oid_len)?;
                let point = r.mpi()?;
                ec_material(algorithm, oid, point)?
            }
            PublicKeyAlgorithm::Other(id) => unsupported(format!("public-key algorithm {id}")),
        };
        let mut h = sha1::Sha1::new();
        h.update([0x99]);
        h.update((body.len() as u16).to_be_bytes());
        h.update(body);
        if body.len() > usize::from(u16::MAX) {
            return Err(malformed("key packet longer than 65535 bytes"));
        }
        Ok(PublicKey {
            body: body.to_vec(),
            algorithm,
            created,
            fingerprint: h.finalize().into(),
            material,
        })
    }

    /// The v4 fingerprint: SHA-1 of `0x99 ‖ len16 ‖ key packet body` (RFC 4880 §12.2).
    pub fn fingerprint(&self) -> [u8; 20] {
        self.fingerprint
    }

    /// The key ID: the low 64 bits of the fingerprint.
    pub fn key_id(&self) -> [u8; 8] {
        self.fingerprint[12..].try_into().expect("8 bytes")
    }

    /// The public-key algorithm.
    pub fn algorithm(&self) -> PublicKeyAlgorithm {
        self.algorithm
    }

    /// The key creation time (seconds since the Unix epoch).
    pub fn creation_time(&self) -> u32 {
        self.created
    }

    /// The RSA modulus size in bits, for RSA keys.
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.material {
            Material::Rsa(k) => Some(rsa::traits::PublicKeyParts::n(k.as_ref()).bits()),
            _ => None,
        }
    }

    /// Hashes this key as signed material: `0x99 ‖ len16 ‖ body` (RFC 9580 §5.2.4).
    pub(crate) fn hash_into(&self, h: &mut crate::signature::Hasher) {
        h.update(&[0x99]);
        h.update(&(self.body.len() as u16).to_be_bytes());
        h.update(&self.body);
    }

    /// Verifies `sig` over `digest` with this key: the left-16-bits check, then the algorithm's
    /// own check.
    pub(crate) fn verify_digest(&self, sig: &Signature, digest: &[u8]) -> Result<()> {
        let bad = |m: &str| Error::new(ErrorCode::BadSignature, m.to_owned());
        if sig.public_key_algorithm().id() != self.algorithm.id()
            && !(matches!(
                self.algorithm,
                PublicKeyAlgorithm::Rsa | PublicKeyAlgorithm::RsaSignOnly
            ) && matches!(
                sig.public_key_algorithm(),
                PublicKeyAlgorithm::Rsa | PublicKeyAlgorithm::RsaSignOnly
            ))
        {
            return Err(bad("signature algorithm differs from the key's"));
        }
        if digest.get(..2) != Some(&sig.hash_prefix()[..]) {
            return Err(bad("left 16 bits of the hash do not match the signature's"));
        }
        let ok = match (&self.material, sig.value()) {
            (Material::Rsa(k), SignatureValue::Rsa(s)) => {
                let size = rsa::traits::PublicKeyParts::size(k.as_ref());
                if s.len() > size {
                    false
                } else {
                    let mut padded = vec![0u8; size - s.len()];
                    padded.extend_from_slice(s);
                    let scheme = match sig.hash_algorithm() {
                        crate::HashAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                        crate::HashAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                        crate::HashAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                        crate::HashAlgorithm::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                        _ => return Err(bad("unsupported hash for RSA")),
                    };
                    k.verify(scheme, digest, &padded).is_ok()
                }
            }
            (Material::P256(k), SignatureValue::Pair(r, s)) => pair::<32>(r, s).is_some_and(|b| {
                p256::ecdsa::Signature::from_slice(&b)
                    .is_ok_and(|s| verdict_ecdsa::p256::verify(k.as_affine(), None, digest, &s))
            }),
            (Material::P384(k), SignatureValue::Pair(r, s)) => pair::<48>(r, s).is_some_and(|b| {
                p384::ecdsa::Signature::from_slice(&b)
                    .is_ok_and(|s| verdict_ecdsa::p384::verify(k.as_affine(), None, digest, &s))
            }),
            (Material::P521(k), SignatureValue::Pair(r, s)) => pair::<66>(r, s).is_some_and(|b| {
                p521::ecdsa::Signature::from_slice(&b)
                    .is_ok_and(|s| k.verify_prehash(digest, &s).is_ok())
            }),
            (Material::Ed25519(k), SignatureValue::Pair(r, s)) => {
                pair::<32>(r, s).is_some_and(|b| {
                    let sig = ed25519_dalek::Signature::from_bytes(
                        &b.as_slice().try_into().expect("64 bytes"),
                    );
                    k.verify(digest, &sig).is_ok()
                })
            }
            (Material::Unsupported(reason), _) => {
                return Err(Error::new(ErrorCode::UnsupportedAlgorithm, reason.clone()));
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(bad("signature does not verify"))
        }
    }
}

/// `r ‖ s`, each left-padded to `N` bytes.
fn pair<const N: usize>(r: &[u8], s: &[u8]) -> Option<Vec<u8>> {
    if r.len() > N || s.len() > N {
        return None;
    }
    let mut out = vec![0u8; 2 * N];
    out[N - r.len()..N].copy_from_slice(r);
    out[2 * N - s.len()..].copy_from_slice(s);
    Some(out)
}

fn ec_material(alg: PublicKeyAlgorithm, oid: &[u8], point: &[u8]) -> Result<Material> {
    let bad_point = || malformed("EC public point does not decode");
    Ok(match (alg, oid) {
        (PublicKeyAlgorithm::Ecdsa, OID_P256) => Material::P256(
            p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_point())?,
        ),
        (PublicKeyAlgorithm::Ecdsa, OID_P384) => Material::P384(
            p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_point())?,
        ),
        (PublicKeyAlgorithm::Ecdsa, OID_P521) => Material::P521(Box::new(
            p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_point())?,
        )),
        (PublicKeyAlgorithm::EdDsaLegacy, OID_ED25519) => {
            // A native point: 0x40 followed by the 32-byte encoding (RFC 9580 §11.2.2).
            let raw: [u8; 32] = match point {
                [0x40, rest @ ..] => rest.try_into().map_err(|_| bad_point())?,
                _ => return Err(bad_point()),
            };
            match ed25519_dalek::VerifyingKey::from_bytes(&raw) {
                Ok(k) => Material::Ed25519(k),
                Err(_) => return Err(bad_point()),
            }
        }
        _ => unsupported(format!("curve OID {} for algorithm {}", hex(oid), alg.id())),
    })
}

/// Whether a key may verify document signatures.
///
/// A subkey is valid when a subkey binding signature (0x18) by the primary key verifies, its key
/// flags (if present) allow signing, and an embedded primary key binding signature (0x19) by the
/// subkey verifies. A primary key is valid when a self-certification (0x10–0x13) of one of its
/// user IDs verifies and the key flags of the chosen self-signature (the primary user ID's, else
/// the most recent; go-crypto's choice) allow signing when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// The key may sign documents.
    Valid,
    /// The key cannot sign documents (`invalid-binding` or `unusable-key`).
    Invalid(Error),
}

/// A subkey and the verdict on its binding.
#[derive(Debug, Clone)]
pub struct Subkey {
    key: PublicKey,
    binding: Binding,
    lifetime: Option<u32>,
}

impl Subkey {
    /// The subkey.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// Whether it is validly bound as a signing subkey.
    pub fn binding(&self) -> &Binding {
        &self.binding
    }

    /// The key expiration time of its valid binding (seconds after creation), if any.
    pub fn lifetime(&self) -> Option<u32> {
        self.lifetime
    }
}

/// A transferable public key: a primary key, its user IDs and its subkeys (RFC 9580 §10.1).
#[derive(Debug, Clone)]
pub struct Certificate {
    primary: PublicKey,
    user_ids: Vec<String>,
    /// Each user ID's raw bytes and the signatures that follow it.
    uid_sigs: Vec<(Vec<u8>, Vec<Signature>)>,
    subkeys: Vec<Subkey>,
    /// Signatures directly after the primary key (direct-key and key revocation signatures).
    direct: Vec<Signature>,
    revoked: bool,
    primary_validity: Binding,
    primary_lifetime: Option<u32>,
}

impl Certificate {
    /// The primary key.
    pub fn primary(&self) -> &PublicKey {
        &self.primary
    }

    /// The user IDs (lossily decoded as UTF-8), unverified.
    pub fn user_ids(&self) -> &[String] {
        &self.user_ids
    }

    /// The subkeys.
    pub fn subkeys(&self) -> &[Subkey] {
        &self.subkeys
    }

    /// Whether a key revocation signature (0x20) directly after the primary key verifies with
    /// the primary key (whatever its reason or time).
    pub fn is_revoked(&self) -> bool {
        self.revoked
    }

    /// Whether the primary key may sign documents (see [`Binding`]).
    pub fn primary_validity(&self) -> &Binding {
        &self.primary_validity
    }

    /// The key expiration time of the chosen self-signature (seconds after creation), if any.
    pub fn primary_lifetime(&self) -> Option<u32> {
        self.primary_lifetime
    }
}

/// A set of certificates: one or more armored `PGP PUBLIC KEY BLOCK`s, or binary packets.
#[derive(Debug, Clone)]
pub struct Keyring {
    certificates: Vec<Certificate>,
}

/// At most this many certificates in a keyring.
const MAX_CERTIFICATES: usize = 10_000;

impl Keyring {
    /// Parses a keyring: concatenated armored public key blocks (every block must be a
    /// `PGP PUBLIC KEY BLOCK`), or binary key packets. Certificates whose primary key is not
    /// version 4 are skipped, as are such subkeys (go-crypto skips what it cannot read); a
    /// keyring left without any certificate is an error.
    pub fn parse(input: &[u8]) -> Result<Keyring> {
        let mut certificates = Vec::new();
        // Why the first skipped certificate was skipped (reported if none is left).
        let mut skipped = None;
        if armor::is_armored(input) {
            for block in armor::decode_all(input)? {
                if block.label != "PGP PUBLIC KEY BLOCK" {
                    return Err(Error::new(
                        ErrorCode::UnexpectedBlock,
                        format!("expected a PGP PUBLIC KEY BLOCK, found {}", block.label),
                    ));
                }
                read_certificates(&block.data, &mut certificates, &mut skipped)?;
            }
        } else {
            read_certificates(input, &mut certificates, &mut skipped)?;
        }
        if certificates.is_empty() {
            return Err(skipped
                .unwrap_or_else(|| Error::new(ErrorCode::Empty, "keyring holds no public key")));
        }
        Ok(Keyring { certificates })
    }

    /// The certificates, in input order.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }
}

fn read_certificates(
    data: &[u8],
    out: &mut Vec<Certificate>,
    skipped: &mut Option<Error>,
) -> Result<()> {
    // Subkeys with the signatures that follow them, bound after the certificate is complete.
    let mut pending: Vec<(PublicKey, Vec<Signature>)> = Vec::new();
    let mut current: Option<Certificate> = None;
    let mut in_attribute = false;
    // Skipping an unsupported certificate (until the next primary key) or subkey (until the next
    // component).
    let mut skip_cert = false;
    let mut skip_subkey = false;
    let finish = |cert: Option<Certificate>,
                  pending: &mut Vec<(PublicKey, Vec<Signature>)>,
                  out: &mut Vec<Certificate>| {
        if let Some(mut cert) = cert {
            cert.revoked = cert
                .direct
                .iter()
                .filter(|s| s.signature_type() == 0x20)
                .any(|s| check_key_revocation(&cert.primary, s).is_ok());
            (cert.primary_validity, cert.primary_lifetime) =
                primary_validity(&cert.primary, &cert.uid_sigs);
            for (key, sigs) in pending.drain(..) {
                let (binding, lifetime) = bind(&cert.primary, &key, &sigs);
                cert.subkeys.push(Subkey {
                    key,
                    binding,
                    lifetime,
                });
            }
            out.push(cert);
        }
    };
    for p in packet::packets(data)? {
        if skip_cert && p.tag != tag::PUBLIC_KEY {
            continue;
        }
        if skip_subkey && p.tag == tag::SIGNATURE {
            continue;
        }
        skip_subkey = false;
        match p.tag {
            tag::PUBLIC_KEY => {
                finish(current.take(), &mut pending, out);
                if out.len() >= MAX_CERTIFICATES {
                    return Err(malformed("too many certificates"));
                }
                let primary = match PublicKey::from_packet_body(p.body) {
                    Ok(k) => k,
                    Err(e) if e.code() == ErrorCode::UnsupportedVersion => {
                        skip_cert = true;
                        skipped.get_or_insert(e);
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                skip_cert = false;
                current = Some(Certificate {
                    primary,
                    user_ids: Vec::new(),
                    uid_sigs: Vec::new(),
                    subkeys: Vec::new(),
                    direct: Vec::new(),
                    revoked: false,
                    primary_validity: Binding::Valid,
                    primary_lifetime: None,
                });
                in_attribute = false;
            }
            tag::PUBLIC_SUBKEY => {
                if current.is_none() {
                    return Err(malformed("subkey before any primary key"));
                }
                match PublicKey::from_packet_body(p.body) {
                    Ok(k) => pending.push((k, Vec::new())),
                    Err(e) if e.code() == ErrorCode::UnsupportedVersion => skip_subkey = true,
                    Err(e) => return Err(e),
                }
            }
            tag::SIGNATURE => {
                let Some(cert) = current.as_mut() else {
                    return Err(malformed("signature before any primary key"));
                };
                // Signatures after a subkey may bind it, those after a user ID may certify it,
                // those directly after the primary key may revoke it; those after a user
                // attribute are not interpreted, nor are signatures that do not parse.
                let Ok(sig) = Signature::from_packet_body(p.body) else {
                    continue;
                };
                if let Some((_, sigs)) = pending.last_mut() {
                    sigs.push(sig);
                } else if in_attribute {
                    // Certifications of a user attribute: not interpreted.
                } else if let Some((_, sigs)) = cert.uid_sigs.last_mut() {
                    sigs.push(sig);
                } else {
                    cert.direct.push(sig);
                }
            }
            tag::USER_ID => match current.as_mut() {
                Some(c) if pending.is_empty() => {
                    c.user_ids
                        .push(String::from_utf8_lossy(p.body).into_owned());
                    c.uid_sigs.push((p.body.to_vec(), Vec::new()));
                    in_attribute = false;
                }
                Some(_) => return Err(malformed("user ID after a subkey")),
                None => return Err(malformed("user ID before any primary key")),
            },
            tag::USER_ATTRIBUTE => in_attribute = true,
            tag::SECRET_KEY | tag::SECRET_SUBKEY => {
                return Err(Error::new(
                    ErrorCode::UnexpectedBlock,
                    "secret key packets in a public keyring",
                ));
            }
            tag::TRUST | tag::MARKER | tag::PADDING | 60..=63 => {}
            other => {
                return Err(Error::new(
                    ErrorCode::UnexpectedBlock,
                    format!("packet with tag {other} in a keyring"),
                ));
            }
        }
    }
    finish(current.take(), &mut pending, out);
    Ok(())
}

/// Key flag "may be used to sign data" (RFC 9580 §5.2.3.29).
const FLAG_SIGN: u8 = 0x02;

/// Checks a subkey's binding (RFC 9580 §5.2.1: 0x18 by the primary over primary ‖ subkey; for a
/// signing subkey, 0x19 by the subkey embedded in it). SHA-1 is accepted here (bindings made by
/// older tools); document signatures still require SHA-256 or stronger.
fn bind(primary: &PublicKey, subkey: &PublicKey, sigs: &[Signature]) -> (Binding, Option<u32>) {
    let mut last = Error::new(ErrorCode::InvalidBinding, "no subkey binding signature");
    // The most recent binding that verifies.
    let mut bindings: Vec<&Signature> =
        sigs.iter().filter(|s| s.signature_type() == 0x18).collect();
    bindings.sort_by_key(|s| core::cmp::Reverse(s.creation_time()));
    for sig in bindings {
        match check_binding(primary, subkey, sig) {
            Ok(()) => return (Binding::Valid, sig.key_lifetime()),
            Err(e) if e.code() == ErrorCode::UnusableKey => last = e,
            Err(e) => last = Error::new(ErrorCode::InvalidBinding, e.message().to_owned()),
        }
    }
    (Binding::Invalid(last), None)
}

/// The primary key's validity from its user IDs' self-certifications (see [`Binding`]).
fn primary_validity(
    primary: &PublicKey,
    uid_sigs: &[(Vec<u8>, Vec<Signature>)],
) -> (Binding, Option<u32>) {
    // Per user ID the most recent self-certification that verifies; then the one marked
    // primary user ID, else the most recent.
    let mut chosen: Option<&Signature> = None;
    for (uid, sigs) in uid_sigs {
        let latest = sigs
            .iter()
            .filter(|s| (0x10..=0x13).contains(&s.signature_type()))
            .filter(|s| s.issuer_key_id().is_none_or(|id| id == primary.key_id()))
            .filter(|s| check_certification(primary, uid, s).is_ok())
            .max_by_key(|s| s.creation_time());
        let Some(sig) = latest else { continue };
        let better = match chosen {
            None => true,
            Some(c) if c.is_primary_user_id() != sig.is_primary_user_id() => {
                sig.is_primary_user_id()
            }
            Some(c) => sig.creation_time() > c.creation_time(),
        };
        if better {
            chosen = Some(sig);
        }
    }
    match chosen {
        None => (
            Binding::Invalid(Error::new(
                ErrorCode::UnusableKey,
                "primary key has no valid self-signed user ID",
            )),
            None,
        ),
        Some(sig) if sig.key_flags().is_some_and(|f| f & FLAG_SIGN == 0) => (
            Binding::Invalid(Error::new(
                ErrorCode::UnusableKey,
                "primary key is not a signing key",
            )),
            sig.key_lifetime(),
        ),
        Some(sig) => (Binding::Valid, sig.key_lifetime()),
    }
}

/// A user ID certification (RFC 9580 §5.2.4: the key, then `0xB4 ‖ len32 ‖ user ID`).
fn check_certification(primary: &PublicKey, uid: &[u8], sig: &Signature) -> Result<()> {
    let mut h = sig.hasher(true)?;
    primary.hash_into(&mut h);
    h.update(&[0xB4]);
    h.update(&(uid.len() as u32).to_be_bytes());
    h.update(uid);
    h.update(&sig.hashed_trailer());
    primary.verify_digest(sig, &h.finalize())
}

fn check_binding(primary: &PublicKey, subkey: &PublicKey, sig: &Signature) -> Result<()> {
    let digest = binding_digest(primary, subkey, sig)?;
    primary.verify_digest(sig, &digest)?;
    if let Some(flags) = sig.key_flags()
        && flags & FLAG_SIGN == 0
    {
        return Err(Error::new(
            ErrorCode::UnusableKey,
            "subkey is not a signing subkey",
        ));
    }
    let back = sig
        .embedded()
        .filter(|b| b.signature_type() == 0x19)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidBinding,
                "signing subkey has no primary key binding signature",
            )
        })?;
    let digest = binding_digest(primary, subkey, back)?;
    subkey.verify_digest(back, &digest)
}

/// A key revocation signature (RFC 9580 §5.2.4: hash of the primary key, then the trailer).
fn check_key_revocation(primary: &PublicKey, sig: &Signature) -> Result<()> {
    let mut h = sig.hasher(true)?;
    primary.hash_into(&mut h);
    h.update(&sig.hashed_trailer());
    primary.verify_digest(sig, &h.finalize())
}

fn binding_digest(primary: &PublicKey, subkey: &PublicKey, sig: &Signature) -> Result<Vec<u8>> {
    let mut h = sig.hasher(true)?;
    primary.hash_into(&mut h);
    subkey.hash_into(&mut h);
    h.update(&sig.hashed_trailer());
    Ok(h.finalize())
}
