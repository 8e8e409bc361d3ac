//! Signature packets (RFC 4880 §5.2.3, RFC 9580 §5.2.3): version 4 only.

use sha2::Digest as _;

use crate::armor;
use crate::error::{Error, ErrorCode, Result, malformed};
use crate::key::PublicKeyAlgorithm;
use crate::packet::{self, Reader, tag};

/// A hash algorithm ID (RFC 9580 §9.5). Only SHA-256/384/512 verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// MD5 (1): refused.
    Md5,
    /// SHA-1 (2): refused for document signatures.
    Sha1,
    /// RIPEMD-160 (3): refused.
    Ripemd160,
    /// SHA-256 (8).
    Sha256,
    /// SHA-384 (9).
    Sha384,
    /// SHA-512 (10).
    Sha512,
    /// SHA-224 (11): refused.
    Sha224,
    /// SHA3-256 (12): refused.
    Sha3_256,
    /// SHA3-512 (14): refused.
    Sha3_512,
    /// Any other ID.
    Unknown(u8),
}

impl HashAlgorithm {
    /// From the RFC's numeric ID.
    pub fn from_id(id: u8) -> Self {
        match id {
            1 => Self::Md5,
            2 => Self::Sha1,
            3 => Self::Ripemd160,
            8 => Self::Sha256,
            9 => Self::Sha384,
            10 => Self::Sha512,
            11 => Self::Sha224,
            12 => Self::Sha3_256,
            14 => Self::Sha3_512,
            other => Self::Unknown(other),
        }
    }

    /// The RFC's numeric ID.
    pub fn id(self) -> u8 {
        match self {
            Self::Md5 => 1,
            Self::Sha1 => 2,
            Self::Ripemd160 => 3,
            Self::Sha256 => 8,
            Self::Sha384 => 9,
            Self::Sha512 => 10,
            Self::Sha224 => 11,
            Self::Sha3_256 => 12,
            Self::Sha3_512 => 14,
            Self::Unknown(id) => id,
        }
    }

    /// The RFC's name (`SHA256`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA1",
            Self::Ripemd160 => "RIPEMD160",
            Self::Sha256 => "SHA256",
            Self::Sha384 => "SHA384",
            Self::Sha512 => "SHA512",
            Self::Sha224 => "SHA224",
            Self::Sha3_256 => "SHA3-256",
            Self::Sha3_512 => "SHA3-512",
            Self::Unknown(_) => "unknown",
        }
    }

    /// Whether document signatures with this hash verify (SHA-256, SHA-384, SHA-512).
    pub fn is_supported(self) -> bool {
        matches!(self, Self::Sha256 | Self::Sha384 | Self::Sha512)
    }

    /// The digest length in bytes of a supported hash.
    pub fn digest_len(self) -> Option<usize> {
        match self {
            Self::Sha1 => Some(20),
            Self::Sha256 => Some(32),
            Self::Sha384 => Some(48),
            Self::Sha512 => Some(64),
            _ => None,
        }
    }
}

/// An incremental hash for the algorithms this crate computes (SHA-1 only for key bindings).
#[derive(Debug, Clone)]
pub(crate) enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub(crate) fn new(alg: HashAlgorithm, allow_sha1: bool) -> Result<Self> {
        Ok(match alg {
            HashAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha384 => Self::Sha384(sha2::Sha384::new()),
            HashAlgorithm::Sha512 => Self::Sha512(sha2::Sha512::new()),
            HashAlgorithm::Sha1 if allow_sha1 => Self::Sha1(sha1::Sha1::new()),
            other => {
                return Err(Error::new(
                    ErrorCode::UnsupportedHash,
                    format!(
                        "hash algorithm {} ({}) is not supported",
                        other.name(),
                        other.id()
                    ),
                ));
            }
        })
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    pub(crate) fn finalize(self) -> Vec<u8> {
        match self {
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Feeds `data` into `h` with line endings canonicalised to CRLF (RFC 9580 §5.2.1.2: text
/// signatures), as go-crypto's `NewCanonicalTextHash` (what Buildx runs) does: an LF becomes
/// CRLF unless it directly follows a CR that itself began a pair; the byte after any such CR
/// passes unchanged.
pub(crate) fn update_canonical_text(h: &mut Hasher, data: &[u8]) {
    h.update(&canonical_text(data));
}

/// Canonicalises line endings of a text document to CRLF, as a text signature (type 0x01)
/// hashes it (see `update_canonical_text` for the exact rule). Callers of
/// [`crate::verify_prehashed`] hash this instead of the raw content.
pub fn canonical_text(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut after_cr = false;
    for &b in data {
        if after_cr {
            after_cr = false;
        } else if b == b'\r' {
            after_cr = true;
        } else if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// The signature value, by public-key algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureValue {
    /// RSA: m^d mod n (RFC 9580 §5.2.3.1).
    Rsa(Vec<u8>),
    /// ECDSA and EdDSA (legacy): the two MPIs r and s.
    Pair(Vec<u8>, Vec<u8>),
    /// Any other algorithm: the undecoded value.
    Other(Vec<u8>),
}

/// Subpacket types this crate understands (RFC 9580 §5.2.3.7).
mod sub {
    pub(super) const CREATION_TIME: u8 = 2;
    pub(super) const PRIMARY_USER_ID: u8 = 25;
    pub(super) const KEY_EXPIRATION: u8 = 9;
    pub(super) const ISSUER_KEY_ID: u8 = 16;
    pub(super) const KEY_FLAGS: u8 = 27;
    pub(super) const EMBEDDED_SIGNATURE: u8 = 32;
    pub(super) const ISSUER_FINGERPRINT: u8 = 33;
    /// Types that may be marked critical without invalidating the signature: those above plus
    /// ones that carry no constraint a verifier of document signatures must enforce (about the
    /// set go-crypto parses). Notation data (20) is not among them: a critical notation is
    /// refused, as go-crypto refuses notations it does not know (by default, all).
    pub(super) const KNOWN_CRITICAL: &[u8] = &[
        2, 3, 4, 5, 6, 7, 9, 11, 12, 16, 21, 22, 23, 25, 26, 27, 28, 29, 30, 32, 33, 35, 39,
    ];
}

/// A parsed version 4 signature packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    sig_type: u8,
    pk_algorithm: u8,
    hash_algorithm: u8,
    /// The hashed part of the packet: version … hashed subpackets (RFC 9580 §5.2.4).
    hashed: Vec<u8>,
    left16: [u8; 2],
    value: SignatureValue,
    issuer_key_id: Option<[u8; 8]>,
    issuer_fingerprint: Option<Vec<u8>>,
    creation_time: u32,
    key_lifetime: Option<u32>,
    key_flags: Option<u8>,
    primary_user_id: bool,
    embedded: Option<Box<Signature>>,
}

/// The data of an armored block that must be a `PGP SIGNATURE`.
fn signature_block(block: armor::Block) -> Result<Vec<u8>> {
    if block.label != "PGP SIGNATURE" {
        return Err(Error::new(
            ErrorCode::UnexpectedBlock,
            format!("expected a PGP SIGNATURE block, found {}", block.label),
        ));
    }
    Ok(block.data)
}

/// The first of a detached signature's packets, all of which must be signature packets
/// (go-crypto's verifier refuses others too).
fn first_signature(packets: Vec<packet::Packet<'_>>) -> Result<Signature> {
    if let Some(p) = packets.iter().find(|p| p.tag != tag::SIGNATURE) {
        return Err(Error::new(
            ErrorCode::UnexpectedBlock,
            format!("packet with tag {} in a detached signature", p.tag),
        ));
    }
    let first = packets
        .first()
        .ok_or_else(|| Error::new(ErrorCode::Empty, "no signature packet"))?;
    Signature::from_packet_body(first.body)
}

impl Signature {
    /// Parses a detached signature, ASCII-armored (`PGP SIGNATURE`; only the first armored block
    /// is read) or binary, and returns its first signature packet. Every packet must be a
    /// signature packet (go-crypto's verifier refuses others too).
    pub fn parse(input: &[u8]) -> Result<Signature> {
        let data;
        let bytes = if armor::is_armored(input) {
            data = signature_block(armor::decode_first(input)?)?;
            &data[..]
        } else {
            input
        };
        first_signature(packet::packets(bytes)?)
    }

    /// [`Signature::parse`] that refuses what a verifier would read differently: the input must
    /// be one armored `PGP SIGNATURE` block (nothing but one line break after its END line) or
    /// binary data, holding exactly one signature packet. gpg verifies every signature packet of
    /// a detached signature (and git then refuses the object), so a second packet that `parse`
    /// would ignore is an `unexpected-block` error here.
    pub fn parse_single(input: &[u8]) -> Result<Signature> {
        let data;
        let bytes = if armor::is_armored(input) {
            let mut blocks = armor::decode_all(input)?;
            if blocks.len() != 1 {
                return Err(Error::new(
                    ErrorCode::UnexpectedBlock,
                    format!(
                        "{} armored blocks where one signature was expected",
                        blocks.len()
                    ),
                ));
            }
            data = signature_block(blocks.remove(0))?;
            &data[..]
        } else {
            input
        };
        let packets = packet::packets(bytes)?;
        if packets.len() != 1 {
            return Err(Error::new(
                ErrorCode::UnexpectedBlock,
                format!(
                    "{} packets where one signature packet was expected",
                    packets.len()
                ),
            ));
        }
        first_signature(packets)
    }

    /// Parses the body of a signature packet.
    pub(crate) fn from_packet_body(body: &[u8]) -> Result<Signature> {
        let mut r = Reader::new(body);
        let version = r.u8()?;
        if version != 4 {
            return Err(Error::new(
                ErrorCode::UnsupportedVersion,
                format!("signature version {version} is not supported (only 4)"),
            ));
        }
        let sig_type = r.u8()?;
        let pk_algorithm = r.u8()?;
        let hash_algorithm = r.u8()?;
        let hashed_len = usize::from(r.u16()?);
        let hashed_area = r.take(hashed_len)?;
        let hashed = body[..6 + hashed_len].to_vec();
        let unhashed_len = usize::from(r.u16()?);
        let unhashed_area = r.take(unhashed_len)?;
        let l = r.take(2)?;
        let left16 = [l[0], l[1]];
        let value = match PublicKeyAlgorithm::from_id(pk_algorithm) {
            PublicKeyAlgorithm::Rsa | PublicKeyAlgorithm::RsaSignOnly => {
                SignatureValue::Rsa(r.mpi()?.to_vec())
            }
            PublicKeyAlgorithm::Ecdsa | PublicKeyAlgorithm::EdDsaLegacy => {
                SignatureValue::Pair(r.mpi()?.to_vec(), r.mpi()?.to_vec())
            }
            // DSA (17), Ed25519 (27) and Ed448 (28) parse, as go-crypto parses them (so Buildx's
            // `pgpSignature` is present for them), and never verify.
            PublicKeyAlgorithm::Other(17 | 27 | 28) => {
                SignatureValue::Other(r.take(r.remaining())?.to_vec())
            }
            PublicKeyAlgorithm::Other(id) => {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlgorithm,
                    format!("signature public-key algorithm {id} is not supported"),
                ));
            }
        };
        if !r.is_empty() {
            return Err(malformed("trailing data after the signature value"));
        }
        let mut sig = Signature {
            sig_type,
            pk_algorithm,
            hash_algorithm,
            hashed,
            left16,
            value,
            issuer_key_id: None,
            issuer_fingerprint: None,
            creation_time: 0,
            key_lifetime: None,
            key_flags: None,
            primary_user_id: false,
            embedded: None,
        };
        let mut has_creation_time = false;
        sig.read_subpackets(hashed_area, true, &mut has_creation_time)?;
        sig.read_subpackets(unhashed_area, false, &mut has_creation_time)?;
        if !has_creation_time {
            // RFC 9580 §5.2.3.11: MUST be present in the hashed area (go-crypto refuses too).
            return Err(malformed("signature without a hashed creation time"));
        }
        Ok(sig)
    }

    fn read_subpackets(
        &mut self,
        area: &[u8],
        hashed: bool,
        has_creation_time: &mut bool,
    ) -> Result<()> {
        let mut r = Reader::new(area);
        while !r.is_empty() {
            let o1 = r.u8()?;
            let len = match o1 {
                0..=191 => usize::from(o1),
                192..=254 => ((usize::from(o1) - 192) << 8) + usize::from(r.u8()?) + 192,
                255 => r.u32()? as usize,
            };
            let data = r.take(len)?;
            let (&t, data) = data
                .split_first()
                .ok_or_else(|| malformed("empty signature subpacket"))?;
            let critical = t & 0x80 != 0;
            let t = t & 0x7f;
            if hashed && critical && !sub::KNOWN_CRITICAL.contains(&t) {
                return Err(Error::new(
                    ErrorCode::CriticalSubpacket,
                    format!("unknown critical subpacket type {t}"),
                ));
            }
            match t {
                sub::CREATION_TIME if hashed => {
                    let b: [u8; 4] = data
                        .try_into()
                        .map_err(|_| malformed("creation time subpacket length"))?;
                    self.creation_time = u32::from_be_bytes(b);
                    *has_creation_time = true;
                }
                // The last issuer subpacket wins, hashed area first (as go-crypto reads them,
                // which is where Buildx's `keyID` comes from).
                sub::ISSUER_KEY_ID => {
                    let b: [u8; 8] = data
                        .try_into()
                        .map_err(|_| malformed("issuer key ID subpacket length"))?;
                    self.issuer_key_id = Some(b);
                }
                sub::ISSUER_FINGERPRINT => match data {
                    [4, fp @ ..] if fp.len() == 20 => {
                        self.issuer_key_id = Some(fp[12..20].try_into().expect("8 bytes"));
                        self.issuer_fingerprint = Some(fp.to_vec());
                    }
                    [v, fp @ ..] if *v >= 5 && fp.len() == 32 => {
                        self.issuer_key_id = Some(fp[..8].try_into().expect("8 bytes"));
                        self.issuer_fingerprint = Some(fp.to_vec());
                    }
                    _ => return Err(malformed("bad issuer fingerprint subpacket")),
                },
                sub::KEY_FLAGS if hashed => {
                    self.key_flags = Some(data.first().copied().unwrap_or(0))
                }
                sub::KEY_EXPIRATION if hashed => {
                    let b: [u8; 4] = data
                        .try_into()
                        .map_err(|_| malformed("key expiration time subpacket length"))?;
                    self.key_lifetime = Some(u32::from_be_bytes(b)).filter(|&l| l != 0);
                }
                sub::PRIMARY_USER_ID if hashed => {
                    self.primary_user_id = data.first().is_some_and(|&b| b != 0);
                }
                sub::EMBEDDED_SIGNATURE => {
                    self.embedded = Some(Box::new(Signature::from_packet_body(data)?));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The packet version (always 4 here).
    pub fn version(&self) -> u8 {
        4
    }

    /// The signature type octet (0x00 binary, 0x01 text, 0x18 subkey binding, …).
    pub fn signature_type(&self) -> u8 {
        self.sig_type
    }

    /// The public-key algorithm ID.
    pub fn public_key_algorithm(&self) -> PublicKeyAlgorithm {
        PublicKeyAlgorithm::from_id(self.pk_algorithm)
    }

    /// The hash algorithm.
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        HashAlgorithm::from_id(self.hash_algorithm)
    }

    /// The issuer key ID: the issuer key ID subpacket, or the low 64 bits of a v4 issuer
    /// fingerprint subpacket (the last one read wins, hashed area first).
    pub fn issuer_key_id(&self) -> Option<[u8; 8]> {
        self.issuer_key_id
    }

    /// The issuer fingerprint subpacket's fingerprint, if present.
    pub fn issuer_fingerprint(&self) -> Option<&[u8]> {
        self.issuer_fingerprint.as_deref()
    }

    /// The signature creation time (seconds since the Unix epoch), from the hashed area.
    pub fn creation_time(&self) -> u32 {
        self.creation_time
    }

    /// The key expiration time subpacket (seconds after key creation; `None` if absent or 0).
    pub(crate) fn key_lifetime(&self) -> Option<u32> {
        self.key_lifetime
    }

    /// The left 16 bits of the signed hash value, as stored in the packet.
    pub fn hash_prefix(&self) -> [u8; 2] {
        self.left16
    }

    pub(crate) fn key_flags(&self) -> Option<u8> {
        self.key_flags
    }

    pub(crate) fn is_primary_user_id(&self) -> bool {
        self.primary_user_id
    }

    pub(crate) fn embedded(&self) -> Option<&Signature> {
        self.embedded.as_deref()
    }

    pub(crate) fn value(&self) -> &SignatureValue {
        &self.value
    }

    /// The bytes hashed after the signed data (RFC 9580 §5.2.4): the hashed part of the packet
    /// (version, type, algorithms, hashed subpackets) then the v4 trailer `04 FF` and the
    /// big-endian 32-bit length of that hashed part. The digest a signature covers is
    /// `hash(content ‖ hashed_trailer())` (content canonicalised for text signatures).
    pub fn hashed_trailer(&self) -> Vec<u8> {
        let mut out = self.hashed.clone();
        out.extend_from_slice(&[0x04, 0xFF]);
        out.extend_from_slice(&(self.hashed.len() as u32).to_be_bytes());
        out
    }

    /// Starts a hasher for this signature's algorithm.
    pub(crate) fn hasher(&self, allow_sha1: bool) -> Result<Hasher> {
        Hasher::new(self.hash_algorithm(), allow_sha1)
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_text;

    #[test]
    fn canonical_text_follows_go_crypto() {
        assert_eq!(canonical_text(b"a\nb\r\nc\rd\n"), b"a\r\nb\r\nc\rd\r\n");
        assert_eq!(canonical_text(b"\n"), b"\r\n");
        // go-crypto's state machine: the CR after a CR is consumed as "the byte after CR", so
        // the following LF is expanded.
        assert_eq!(canonical_text(b"\r\r\n"), b"\r\r\r\n");
    }
}
