//! Signed entry timestamps — Rekor v1 inclusion promises (checklist items 13, 29).
//!
//! The SET is the log's signature over the RFC 8785 canonical JSON of
//! `{"body", "integratedTime", "logID", "logIndex"}` (sigstore-go `pkg/tlog/entry.go`
//! `VerifySET`); a verified SET makes `integratedTime` a verified time.

use base64::Engine as _;
use verdict_bundle::{HashAlgorithm, TlogEntry};

use crate::error::{Error, ErrorCode, Result};
use crate::trust::{Log, hex};

/// The canonical payload a SET signs. Keys are already in RFC 8785 order, and every value is
/// either an integer or a string of base64/hex characters, so no escaping can arise.
pub(crate) fn payload(entry: &TlogEntry) -> Vec<u8> {
    let body = base64::engine::general_purpose::STANDARD.encode(&entry.canonicalized_body);
    format!(
        r#"{{"body":"{body}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
        entry.integrated_time,
        hex(&entry.log_id),
        entry.log_index
    )
    .into_bytes()
}

/// Verifies the entry's SET with the log's key.
pub(crate) fn verify(entry: &TlogEntry, set: &[u8], log: &Log) -> Result<()> {
    if log
        .key
        .verify_message(Some(HashAlgorithm::Sha256), &payload(entry), set)
    {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InclusionPromise,
            format!(
                "the signed entry timestamp of entry {} does not verify with the key of {}",
                entry.log_index, log.base_url
            ),
        ))
    }
}
