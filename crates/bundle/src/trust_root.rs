//! Trusted roots (`sigstore_trustroot.proto` `TrustedRoot`, v0.1 and v0.2) and the
//! `ClientTrustConfig` wrapper.

use serde_json::Value;

use crate::error::{Error, ErrorCode};
use crate::json::{self, Obj};
use crate::time::Timestamp;

const MAX_ENTRIES: usize = 256;

/// A validity period (`TimeRange`): a closed interval `[start, end]`.
///
/// A present range without `start` is invalid and contains no instant (checklist item 10;
/// conformance `trust-root-tlog-missing-validity-start_fail`). No `end` means open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// The first valid instant; `None` makes the range invalid.
    pub start: Option<Timestamp>,
    /// The last valid instant (inclusive); `None` means no end.
    pub end: Option<Timestamp>,
}

impl TimeRange {
    /// Whether `t` lies in `[start, end]`.
    pub fn contains(&self, t: Timestamp) -> bool {
        match self.start {
            None => false,
            Some(start) => start <= t && self.end.is_none_or(|end| t <= end),
        }
    }
}

/// Whether an optional range contains `t`; an absent range means "always".
pub(crate) fn valid_at(range: &Option<TimeRange>, t: Timestamp) -> bool {
    range.as_ref().is_none_or(|r| r.contains(t))
}

/// The algorithm of a trust-root public key (`PublicKeyDetails`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyDetails {
    /// `PKIX_ECDSA_P256_SHA_256`
    EcdsaP256Sha256,
    /// `PKIX_ECDSA_P384_SHA_384`
    EcdsaP384Sha384,
    /// `PKIX_ECDSA_P521_SHA_512`
    EcdsaP521Sha512,
    /// `PKIX_ED25519`
    Ed25519,
    /// `PKIX_RSA_PKCS1V15_*_SHA256`, `PKCS1_RSA_PKCS1V5` and friends.
    RsaPkcs1Sha256,
    /// Any other (or absent) value, kept as written; the key's SPKI decides.
    Other(String),
}

impl KeyDetails {
    fn parse(s: Option<&str>) -> Self {
        match s.unwrap_or("") {
            "PKIX_ECDSA_P256_SHA_256" | "ECDSA_P256_SHA_256" => KeyDetails::EcdsaP256Sha256,
            "PKIX_ECDSA_P384_SHA_384" => KeyDetails::EcdsaP384Sha384,
            "PKIX_ECDSA_P521_SHA_512" => KeyDetails::EcdsaP521Sha512,
            "PKIX_ED25519" => KeyDetails::Ed25519,
            "PKIX_RSA_PKCS1V15_2048_SHA256"
            | "PKIX_RSA_PKCS1V15_3072_SHA256"
            | "PKIX_RSA_PKCS1V15_4096_SHA256"
            | "PKIX_RSA_PKCS1V5" => KeyDetails::RsaPkcs1Sha256,
            other => KeyDetails::Other(other.to_string()),
        }
    }
}

/// A public key with its validity (`PublicKey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyMaterial {
    /// DER SubjectPublicKeyInfo.
    pub raw_bytes: Vec<u8>,
    /// The declared algorithm.
    pub key_details: KeyDetails,
    /// When the key may be used; `None` = always.
    pub valid_for: Option<TimeRange>,
}

impl PublicKeyMaterial {
    /// Whether the key is valid at `t`.
    pub fn valid_at(&self, t: Timestamp) -> bool {
        valid_at(&self.valid_for, t)
    }
}

/// A transparency log (`TransparencyLogInstance`) or CT log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransparencyLog {
    /// `baseUrl`, informational only: logs are selected by key ID, never by URL.
    pub base_url: String,
    /// The log key.
    pub public_key: PublicKeyMaterial,
    /// `logId.keyId`.
    pub log_id: Vec<u8>,
    /// `checkpointKeyId.keyId` (trusted root v0.2), if present.
    pub checkpoint_key_id: Option<Vec<u8>>,
}

/// A certificate authority (`CertificateAuthority`): Fulcio, or a TSA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateAuthority {
    /// `uri`.
    pub uri: String,
    /// `subject.organization` / `subject.commonName` as written.
    pub subject: (String, String),
    /// DER certificates: the first is the issuing (or leaf, for a TSA) certificate, the last the root.
    pub cert_chain: Vec<Vec<u8>>,
    /// When the chain may be used; `None` = always.
    pub valid_for: Option<TimeRange>,
}

impl CertificateAuthority {
    /// Whether the authority is valid at `t`.
    pub fn valid_at(&self, t: Timestamp) -> bool {
        valid_at(&self.valid_for, t)
    }
}

/// A timestamp authority: a certificate authority whose chain starts at the TSA's signing
/// certificate.
pub type TimestampAuthority = CertificateAuthority;

/// A parsed trusted root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRoot {
    /// The media type as written.
    pub media_type: String,
    /// Rekor logs.
    pub tlogs: Vec<TransparencyLog>,
    /// Fulcio CAs.
    pub certificate_authorities: Vec<CertificateAuthority>,
    /// Certificate-transparency logs.
    pub ctlogs: Vec<TransparencyLog>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<TimestampAuthority>,
}

impl TrustedRoot {
    /// Parses a trusted root, or a `ClientTrustConfig` (`…clienttrustconfig.v0.1+json`) wrapping
    /// one, from JSON bytes (checklist item 9).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let value = json::parse(bytes, ErrorCode::MalformedTrustedRoot, "trusted root")?;
        Self::from_value(&value)
    }

    /// Parses a trusted root (or `ClientTrustConfig`) from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let code = ErrorCode::MalformedTrustedRoot;
        let root = Obj::new(value, "", code)?;
        let media_type = root.str("mediaType")?.unwrap_or_default();
        if media_type == "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json" {
            let inner = root.get("trustedRoot").ok_or_else(|| {
                Error::new(
                    ErrorCode::MissingField,
                    "ClientTrustConfig has no trustedRoot",
                )
            })?;
            return Self::from_value(inner).map_err(|e| e.context("trustedRoot"));
        }
        match media_type {
            "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
            | "application/vnd.dev.sigstore.trustedroot+json;version=0.2"
            | "application/vnd.dev.sigstore.trustedroot.v0.2+json" => {}
            other => {
                return Err(Error::new(
                    code,
                    format!("unsupported trusted root media type {other:?}"),
                ));
            }
        }
        let tr = |v: &Value| parse_tlog(v);
        let ca = |v: &Value| parse_ca(v);
        Ok(TrustedRoot {
            media_type: media_type.to_string(),
            tlogs: list(&root, "tlogs", tr)?,
            certificate_authorities: list(&root, "certificateAuthorities", ca)?,
            ctlogs: list(&root, "ctlogs", tr)?,
            timestamp_authorities: list(&root, "timestampAuthorities", ca)?,
        })
    }
}

fn list<T>(
    root: &Obj<'_>,
    key: &str,
    f: impl Fn(&Value) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let items = root.arr(key)?;
    if items.len() > MAX_ENTRIES {
        return Err(Error::new(
            ErrorCode::TooLarge,
            format!("{key} has {} entries", items.len()),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| f(v).map_err(|e| e.context(format!("{key}[{i}]"))))
        .collect()
}

fn parse_range(o: &Obj<'_>, key: &str) -> Result<Option<TimeRange>, Error> {
    match o.obj(key, "validFor")? {
        None => Ok(None),
        Some(r) => Ok(Some(TimeRange {
            start: r.time("start")?,
            end: r.time("end")?,
        })),
    }
}

fn parse_tlog(v: &Value) -> Result<TransparencyLog, Error> {
    let code = ErrorCode::MalformedTrustedRoot;
    let o = Obj::new(v, "log", code)?;
    let pk = o.req_obj("publicKey", "publicKey")?;
    let public_key = PublicKeyMaterial {
        raw_bytes: pk.req_bytes("rawBytes")?,
        key_details: KeyDetails::parse(pk.str("keyDetails")?),
        valid_for: parse_range(&pk, "validFor")?,
    };
    let checkpoint_key_id = match o.obj("checkpointKeyId", "checkpointKeyId")? {
        None => None,
        Some(k) => k.bytes("keyId")?,
    };
    Ok(TransparencyLog {
        base_url: o.str("baseUrl")?.unwrap_or_default().to_string(),
        public_key,
        log_id: o.req_obj("logId", "logId")?.req_bytes("keyId")?,
        checkpoint_key_id,
    })
}

fn parse_ca(v: &Value) -> Result<CertificateAuthority, Error> {
    let code = ErrorCode::MalformedTrustedRoot;
    let o = Obj::new(v, "authority", code)?;
    let subject = match o.obj("subject", "subject")? {
        None => (String::new(), String::new()),
        Some(s) => (
            s.str("organization")?.unwrap_or_default().to_string(),
            s.str("commonName")?.unwrap_or_default().to_string(),
        ),
    };
    let chain = o.req_obj("certChain", "certChain")?;
    let mut cert_chain = Vec::new();
    for c in chain.arr("certificates")? {
        cert_chain.push(Obj::new(c, "certChain.certificates[]", code)?.req_bytes("rawBytes")?);
    }
    if cert_chain.is_empty() {
        return Err(Error::new(
            ErrorCode::MissingField,
            "certChain has no certificates",
        ));
    }
    Ok(CertificateAuthority {
        uri: o.str("uri")?.unwrap_or_default().to_string(),
        subject,
        cert_chain,
        valid_for: parse_range(&o, "validFor")?,
    })
}
