//! Embedded signed certificate timestamps (checklist item 19; RFC 6962 §3.2 and §3.3;
//! client-spec §4.3: "the verifier MUST verify the SCTs embedded in the certificate").
//!
//! The SCT signs `version ‖ signature_type ‖ timestamp ‖ entry_type=precert ‖
//! SHA-256(issuer SPKI) ‖ u24 len ‖ precert TBS ‖ u16 len ‖ extensions`, where the precert TBS is
//! the leaf's TBSCertificate without the SCT-list extension and the issuer is the leaf's
//! *immediate* issuer.

use der::{Decode, Encode};
use verdict_bundle::{HashAlgorithm, Timestamp};

use crate::crypto::sha256;
use crate::error::{Error, ErrorCode, Result};
use crate::trust::TrustMaterial;
use crate::x509::Cert;

const SCT_LIST: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

/// One parsed SCT (RFC 6962 §3.2 `SignedCertificateTimestamp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    /// The CT log's ID (SHA-256 of its DER SPKI).
    pub log_id: [u8; 32],
    /// Milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// `CtExtensions` (non-empty for Static CT logs).
    pub extensions: Vec<u8>,
    /// TLS `HashAlgorithm` (4 = SHA-256, 5 = SHA-384, 6 = SHA-512).
    pub hash: u8,
    /// The signature.
    pub signature: Vec<u8>,
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn uint(&mut self, n: usize) -> Option<u64> {
        Some(
            self.take(n)?
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        )
    }
    fn vec(&mut self, len_bytes: usize) -> Option<&'a [u8]> {
        let n = self.uint(len_bytes)? as usize;
        self.take(n)
    }
}

/// Parses a TLS-encoded `SignedCertificateTimestampList`.
pub fn parse_list(bytes: &[u8]) -> Option<Vec<Sct>> {
    let mut outer = Reader(bytes);
    let list = outer.vec(2)?;
    if !outer.0.is_empty() {
        return None;
    }
    let mut r = Reader(list);
    let mut out = Vec::new();
    while !r.0.is_empty() {
        let mut s = Reader(r.vec(2)?);
        if s.uint(1)? != 0 {
            return None; // only v1 SCTs exist
        }
        let log_id: [u8; 32] = s.take(32)?.try_into().ok()?;
        let timestamp_ms = s.uint(8)?;
        let extensions = s.vec(2)?.to_vec();
        let hash = s.uint(1)? as u8;
        let _sig_alg = s.uint(1)?;
        let signature = s.vec(2)?.to_vec();
        if !s.0.is_empty() {
            return None;
        }
        out.push(Sct {
            log_id,
            timestamp_ms,
            extensions,
            hash,
            signature,
        });
    }
    Some(out)
}

/// The precert TBSCertificate: the leaf's TBS without the SCT-list extension.
fn precert_tbs(leaf: &Cert) -> Result<Vec<u8>> {
    let mut tbs = leaf.cert.tbs_certificate.clone();
    if let Some(exts) = tbs.extensions.as_mut() {
        exts.retain(|e| e.extn_id != SCT_LIST);
    }
    tbs.to_der()
        .map_err(|e| Error::new(ErrorCode::MalformedCertificate, format!("precert TBS: {e}")))
}

fn signed_data(sct: &Sct, issuer_key_hash: &[u8; 32], tbs: &[u8]) -> Vec<u8> {
    let mut d = Vec::with_capacity(tbs.len() + 64);
    d.push(0); // version v1
    d.push(0); // signature_type certificate_timestamp
    d.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    d.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    d.extend_from_slice(issuer_key_hash);
    d.extend_from_slice(&(tbs.len() as u32).to_be_bytes()[1..]);
    d.extend_from_slice(tbs);
    d.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
    d.extend_from_slice(&sct.extensions);
    d
}

/// Verifies the leaf's embedded SCTs; at least `threshold` distinct trusted CT logs must have
/// signed.
pub(crate) fn verify(
    trust: &TrustMaterial,
    leaf: &Cert,
    issuer: &Cert,
    threshold: usize,
) -> Result<()> {
    if threshold == 0 {
        return Ok(());
    }
    let ext = leaf.extension(SCT_LIST).ok_or_else(|| {
        Error::new(
            ErrorCode::Sct,
            "the signing certificate has no embedded SCTs",
        )
    })?;
    let inner = der::asn1::OctetString::from_der(ext.extn_value.as_bytes())
        .map_err(|e| Error::new(ErrorCode::Sct, format!("SCT list: {e}")))?;
    let scts = parse_list(inner.as_bytes())
        .ok_or_else(|| Error::new(ErrorCode::Sct, "the SCT list does not parse"))?;
    let tbs = precert_tbs(leaf)?;
    let issuer_key_hash = sha256(&issuer.spki_der()?);
    let mut logs: Vec<[u8; 32]> = Vec::new();
    let mut reasons = Vec::new();
    for sct in &scts {
        let Some(log) = trust.ctlogs().iter().find(|l| l.log_id == sct.log_id) else {
            reasons.push("an SCT from a CT log not in the trusted root".to_string());
            continue;
        };
        let t = Timestamp::from_unix_nanos((sct.timestamp_ms as i64).saturating_mul(1_000_000));
        if !log.valid_at(t) {
            reasons.push(format!("CT log {} is not valid at {t}", log.base_url));
            continue;
        }
        let hash = match sct.hash {
            4 => HashAlgorithm::Sha256,
            5 => HashAlgorithm::Sha384,
            6 => HashAlgorithm::Sha512,
            other => {
                reasons.push(format!("SCT hash algorithm {other} is not supported"));
                continue;
            }
        };
        if log.key.verify_message(
            Some(hash),
            &signed_data(sct, &issuer_key_hash, &tbs),
            &sct.signature,
        ) {
            if !logs.contains(&sct.log_id) {
                logs.push(sct.log_id);
            }
        } else {
            reasons.push(format!("the SCT of {} does not verify", log.base_url));
        }
    }
    if logs.len() < threshold {
        return Err(Error::new(
            ErrorCode::Sct,
            format!(
                "{} verified SCTs from distinct CT logs, {threshold} required: {}",
                logs.len(),
                reasons.join("; ")
            ),
        ));
    }
    Ok(())
}
