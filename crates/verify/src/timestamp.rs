//! RFC 3161 timestamps (checklist items 12, 36–40; client-spec §4.2: "the verifier MUST verify
//! each RFC 3161 timestamp … against the timestamp authorities of the trusted root").
//!
//! A `signedTimestamp` is a DER `TimeStampResp` (or a bare `TimeStampToken`). The token is CMS
//! `SignedData` over a `TSTInfo` (RFC 3161 §2.4.2) whose message imprint must be the hash of the
//! bundle's signature. The single `SignerInfo` must carry the content-type, message-digest and
//! signing-certificate (ESSCertID / ESSCertIDv2, RFC 5035) attributes, and its signature must
//! verify with the signing certificate of a `timestampAuthorities[]` chain that is valid — with
//! its `validFor` — at `genTime`. Certificates embedded in the token are never trusted.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Tag, Tagged};
use sha2::Digest as _;
use spki::AlgorithmIdentifierOwned;
use verdict_bundle::{HashAlgorithm, Timestamp};

use crate::crypto::{Scheme, hash, hash_from_oid};
use crate::error::{Error, ErrorCode, Result};
use crate::facts::{TimeSource, VerifiedTime};
use crate::trust::{Authority, TrustMaterial};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_KP_TIME_STAMPING: ObjectIdentifier = const_oid::db::rfc5280::ID_KP_TIME_STAMPING;

fn bad(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::Timestamp, msg)
}

/// The verified content of one timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstInfo {
    /// `genTime`.
    pub gen_time: Timestamp,
    /// The message imprint's algorithm.
    pub imprint_algorithm: HashAlgorithm,
    /// The message imprint.
    pub imprint: Vec<u8>,
}

/// Parses a DER GeneralizedTime value `YYYYMMDDHHMMSS[.f*]Z`.
fn generalized_time(v: &[u8]) -> Option<Timestamp> {
    let s = core::str::from_utf8(v).ok()?;
    let s = s.strip_suffix('Z')?;
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.len() != 14
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n = |a: usize, b: usize| whole[a..b].parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(n(0, 4)? as i32, n(4, 6)?, n(6, 8)?)?;
    let time = date.and_hms_opt(n(8, 10)?, n(10, 12)?, n(12, 14)?)?;
    let mut nanos = 0u32;
    for (i, d) in frac.bytes().take(9).enumerate() {
        nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
    }
    Some(Timestamp {
        secs: time.and_utc().timestamp(),
        nanos,
    })
}

/// Parses a DER `TSTInfo`.
pub fn parse_tst_info(der: &[u8]) -> Result<TstInfo> {
    let fields: Vec<Any> = Vec::from_der(der).map_err(|e| bad(format!("TSTInfo: {e}")))?;
    if fields.len() < 5 {
        return Err(bad("TSTInfo is too short"));
    }
    let imprint: Vec<Any> = fields[2]
        .decode_as()
        .map_err(|e| bad(format!("messageImprint: {e}")))?;
    if imprint.len() != 2 {
        return Err(bad("messageImprint must have two fields"));
    }
    let alg =
        AlgorithmIdentifierOwned::from_der(&imprint[0].to_der().map_err(|e| bad(e.to_string()))?)
            .map_err(|e| bad(format!("messageImprint algorithm: {e}")))?;
    let imprint_algorithm = hash_from_oid(&alg.oid)
        .ok_or_else(|| bad(format!("unsupported imprint algorithm {}", alg.oid)))?;
    let imprint = imprint[1]
        .decode_as::<OctetString>()
        .map_err(|e| bad(format!("hashedMessage: {e}")))?
        .into_bytes();
    if fields[4].tag() != Tag::GeneralizedTime {
        return Err(bad("TSTInfo genTime is not a GeneralizedTime"));
    }
    let gen_time =
        generalized_time(fields[4].value()).ok_or_else(|| bad("TSTInfo genTime does not parse"))?;
    Ok(TstInfo {
        gen_time,
        imprint_algorithm,
        imprint,
    })
}

/// Extracts the `SignedData` from a `TimeStampResp` or a bare `TimeStampToken`.
fn signed_data(der: &[u8]) -> Result<SignedData> {
    let parts: Vec<Any> =
        Vec::from_der(der).map_err(|e| bad(format!("timestamp does not parse: {e}")))?;
    let token_der = match parts.first().map(Any::tag) {
        Some(Tag::ObjectIdentifier) => der.to_vec(),
        Some(Tag::Sequence) => {
            // TimeStampResp: status PKIStatusInfo, timeStampToken.
            let status: Vec<Any> = parts[0]
                .decode_as()
                .map_err(|e| bad(format!("PKIStatusInfo: {e}")))?;
            let code = status
                .first()
                .and_then(|s| s.decode_as::<u8>().ok())
                .ok_or_else(|| bad("PKIStatusInfo has no status"))?;
            if code > 1 {
                return Err(bad(format!("the TSA refused the request (status {code})")));
            }
            parts
                .get(1)
                .ok_or_else(|| bad("TimeStampResp has no token"))?
                .to_der()
                .map_err(|e| bad(e.to_string()))?
        }
        _ => {
            return Err(bad(
                "timestamp is neither a TimeStampResp nor a TimeStampToken",
            ));
        }
    };
    let ci = ContentInfo::from_der(&token_der).map_err(|e| bad(format!("TimeStampToken: {e}")))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(bad("TimeStampToken is not CMS SignedData"));
    }
    ci.content
        .decode_as::<SignedData>()
        .map_err(|e| bad(format!("SignedData: {e}")))
}

fn attr(si: &SignerInfo, oid: ObjectIdentifier) -> Option<&Any> {
    si.signed_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == oid)
        .and_then(|a| a.values.iter().next())
}

/// Whether the signing-certificate attribute names `cert_der` (first ESSCertID / ESSCertIDv2).
fn names_certificate(si: &SignerInfo, cert_der: &[u8]) -> bool {
    let first_id = |a: &Any| -> Option<Vec<Any>> {
        let sc: Vec<Any> = a.decode_as().ok()?;
        let certs: Vec<Any> = sc.first()?.decode_as().ok()?;
        certs.first()?.decode_as().ok()
    };
    if let Some(id) = attr(si, ID_SIGNING_CERTIFICATE_V2).and_then(first_id) {
        // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }
        let (alg, hash_any) = match id.first().map(Any::tag) {
            Some(Tag::Sequence) => {
                let alg = id[0]
                    .to_der()
                    .ok()
                    .and_then(|d| AlgorithmIdentifierOwned::from_der(&d).ok());
                (alg.and_then(|a| hash_from_oid(&a.oid)), id.get(1))
            }
            _ => (Some(HashAlgorithm::Sha256), id.first()),
        };
        let (Some(alg), Some(h)) = (alg, hash_any) else {
            return false;
        };
        return h
            .decode_as::<OctetString>()
            .is_ok_and(|h| h.as_bytes() == hash(alg, cert_der));
    }
    if let Some(id) = attr(si, ID_SIGNING_CERTIFICATE).and_then(first_id) {
        // ESSCertID ::= SEQUENCE { certHash (SHA-1), issuerSerial OPTIONAL }
        let want = sha1::Sha1::digest(cert_der);
        return id
            .first()
            .and_then(|h| h.decode_as::<OctetString>().ok())
            .is_some_and(|h| h.as_bytes() == want.as_slice());
    }
    false
}

fn sid_matches(sid: &SignerIdentifier, cert: &crate::x509::Cert) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(is) => {
            is.issuer.to_der().is_ok_and(|d| d == cert.issuer_der())
                && is.serial_number.as_bytes() == cert.serial()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .extension(const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
            .and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|k| k.as_bytes() == ski.0.as_bytes()),
    }
}

/// Verifies one timestamp over `signature`; returns the genTime and the authority.
pub fn verify_one<'t>(
    trust: &'t TrustMaterial,
    der: &[u8],
    signature: &[u8],
) -> Result<(Timestamp, &'t str)> {
    let sd = signed_data(der)?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(bad("the token's content is not a TSTInfo"));
    }
    let tst_der = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| bad("the token has no TSTInfo"))?
        .decode_as::<OctetString>()
        .map_err(|e| bad(format!("eContent: {e}")))?
        .into_bytes();
    let tst = parse_tst_info(&tst_der)?;
    // Item 37: the imprint is the hash of the signature bytes.
    if tst.imprint != hash(tst.imprint_algorithm, signature) {
        return Err(bad(
            "the timestamp's message imprint is not the hash of the bundle's signature",
        ));
    }
    let infos: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
    let [si] = infos.as_slice() else {
        return Err(bad(format!(
            "the token has {} signers, not one",
            infos.len()
        )));
    };
    // Item 38: signed attributes.
    let content_type =
        attr(si, ID_CONTENT_TYPE).and_then(|a| a.decode_as::<ObjectIdentifier>().ok());
    if content_type != Some(ID_CT_TST_INFO) {
        return Err(bad("the content-type attribute is not id-ct-TSTInfo"));
    }
    let digest_alg = hash_from_oid(&si.digest_alg.oid).ok_or_else(|| {
        bad(format!(
            "unsupported digest algorithm {}",
            si.digest_alg.oid
        ))
    })?;
    let message_digest =
        attr(si, ID_MESSAGE_DIGEST).and_then(|a| a.decode_as::<OctetString>().ok());
    if message_digest.as_ref().map(OctetString::as_bytes)
        != Some(hash(digest_alg, &tst_der).as_slice())
    {
        return Err(bad(
            "the message-digest attribute is not the hash of the TSTInfo",
        ));
    }
    let signed_attrs = si
        .signed_attrs
        .as_ref()
        .expect("attributes checked above")
        .to_der()
        .map_err(|e| bad(e.to_string()))?;
    let scheme = match si.signature_algorithm.oid {
        o if o == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY => Scheme::Ecdsa(digest_alg),
        o if o == const_oid::db::rfc5912::RSA_ENCRYPTION => Scheme::RsaPkcs1(digest_alg),
        _ => Scheme::from_algorithm(&si.signature_algorithm)?,
    };

    // Item 39: the signer is the leaf of a trusted TSA chain, valid at genTime.
    let t = tst.gen_time;
    let mut reasons = Vec::new();
    for tsa in trust.tsas() {
        let Some(index) = tsa.chain.iter().position(|c| sid_matches(&si.sid, c)) else {
            continue;
        };
        match check_authority(tsa, index, si, scheme, &signed_attrs, t) {
            Ok(()) => return Ok((t, tsa.uri.as_str())),
            Err(r) => reasons.push(format!("{}: {r}", tsa.uri)),
        }
    }
    if reasons.is_empty() {
        Err(bad(
            "the timestamp is not signed by a timestamp authority of the trusted root",
        ))
    } else {
        Err(bad(reasons.join("; ")))
    }
}

fn check_authority(
    tsa: &Authority,
    index: usize,
    si: &SignerInfo,
    scheme: Scheme,
    signed_attrs: &[u8],
    t: Timestamp,
) -> core::result::Result<(), String> {
    let leaf = &tsa.chain[index];
    let key = tsa.keys[index]
        .as_ref()
        .ok_or("the TSA certificate's key does not decode")?;
    if !key.verify_with(scheme, signed_attrs, si.signature.as_bytes()) {
        return Err("the token signature does not verify".into());
    }
    if !names_certificate(si, &leaf.der) {
        return Err("the signing-certificate attribute does not name the TSA certificate".into());
    }
    match leaf.extended_key_usage().map_err(|e| e.to_string())? {
        Some(eku) if eku.0.contains(&ID_KP_TIME_STAMPING) => {}
        _ => return Err("the TSA certificate lacks ExtendedKeyUsage timeStamping".into()),
    }
    if !tsa.valid_at(t) {
        return Err(format!(
            "the authority is not valid at genTime {t} (trusted root validFor)"
        ));
    }
    if !leaf.valid_at(t) {
        return Err(format!("the TSA certificate is not valid at genTime {t}"));
    }
    match &tsa.links()[index] {
        crate::chain::Link::Root => Ok(()),
        crate::chain::Link::IssuedBy(parent) => crate::chain::check_path_at(tsa, *parent, 0, t),
        crate::chain::Link::Broken(reason) => Err(reason.clone()),
    }
}

/// The outcome of the timestamp checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timestamps {
    pub(crate) times: Vec<VerifiedTime>,
    pub(crate) errors: Vec<Error>,
    pub(crate) ignored: Vec<String>,
}

/// Verifies every timestamp; failures are collected (threshold semantics, item 15). A second
/// timestamp from the same authority is not counted again.
pub(crate) fn verify_all(
    trust: &TrustMaterial,
    tokens: &[Vec<u8>],
    signature: &[u8],
) -> Result<Timestamps> {
    let mut out = Timestamps::default();
    for (i, der) in tokens.iter().enumerate() {
        match verify_one(trust, der, signature) {
            Ok((time, uri)) => {
                if out.times.iter().any(|t| t.uri == uri) {
                    out.ignored.push(format!(
                        "rfc3161Timestamps[{i}]: a second timestamp from {uri} is not counted"
                    ));
                } else {
                    out.times.push(VerifiedTime {
                        source: TimeSource::TimestampAuthority,
                        uri: uri.to_string(),
                        time,
                    });
                }
            }
            Err(e) => {
                out.ignored.push(format!("rfc3161Timestamps[{i}]: {e}"));
                out.errors
                    .push(e.context(format!("rfc3161Timestamps[{i}]")));
            }
        }
    }
    Ok(out)
}
