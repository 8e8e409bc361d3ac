//! Transparency-log entries, one at a time, and the tlog threshold (checklist items 26–35, 41;
//! client-spec §4.4 and §4.6).
//!
//! Each entry must come from a log of the trusted root (selected by log ID, never URL), record
//! this bundle's signature (body consistency), and be proven: a verified SET (Rekor v1) and/or an
//! inclusion proof bound to a signed checkpoint. v0.2+ bundles and Rekor v2 entries always need
//! the proof. Distinct logs are counted against the threshold; duplicate entries are an error.

use verdict_bundle::{Bundle, Timestamp, TlogEntry};

use crate::crypto::PublicKey;
use crate::error::{Error, ErrorCode, Result};
use crate::facts::LogEntryFacts;
use crate::signature::Signed;
use crate::trust::{Log, TrustMaterial, hex};
use crate::x509::Cert;
use crate::{checkpoint, merkle, set, tlog_body};

/// The outcome of the tlog checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Logs {
    pub(crate) entries: Vec<LogEntryFacts>,
    /// SET-verified integrated times: `(log base URL, log ID, time)`.
    pub(crate) set_times: Vec<(String, Vec<u8>, Timestamp)>,
    /// Logs of verified entries without a SET (Rekor v2): their key must be valid at a TSA time.
    pub(crate) unstamped: Vec<Log>,
    pub(crate) ignored: Vec<String>,
}

/// Whether an entry is a Rekor v2 entry (no integrated time, no SET; kinds of version 0.0.2).
fn is_rekor_v2(entry: &TlogEntry) -> bool {
    entry.version == "0.0.2" && entry.kind != "intoto"
}

struct Proven {
    facts: LogEntryFacts,
    set_time: Option<Timestamp>,
}

fn verify_entry(
    trust: &TrustMaterial,
    entry: &TlogEntry,
    signed: &Signed,
    signer: tlog_body::Signer<'_>,
    require_proof: bool,
) -> Result<(Proven, Log)> {
    let log = trust.tlog(&entry.log_id).ok_or_else(|| {
        Error::new(
            ErrorCode::UnknownLog,
            format!("log {} is not in the trusted root", hex(&entry.log_id)),
        )
    })?;
    tlog_body::check(entry, signed, signer)?;
    let v2 = is_rekor_v2(entry);

    // The inclusion promise (Rekor v1): a present SET must verify; no fallback (item 29).
    let mut set_time = None;
    if let Some(set) = &entry.inclusion_promise {
        if v2 {
            return Err(Error::new(
                ErrorCode::InclusionPromise,
                "a Rekor v2 entry cannot carry a SET",
            ));
        }
        set::verify(entry, set, log)?;
        let t = Timestamp::from_secs(entry.integrated_time as i64);
        if !log.valid_at(t) {
            return Err(Error::new(
                ErrorCode::UnknownLog,
                format!(
                    "the key of {} is not valid at the entry's integrated time {t}",
                    log.base_url
                ),
            ));
        }
        set_time = Some(t);
    }

    // The inclusion proof and its checkpoint (items 30–35).
    let proven = match &entry.inclusion_proof {
        Some(proof) => {
            let leaf = merkle::leaf_hash(&entry.canonicalized_body);
            merkle::verify_inclusion(
                proof.log_index,
                proof.tree_size,
                &leaf,
                &proof.hashes,
                &proof.root_hash,
            )
            .map_err(|e| {
                Error::new(
                    ErrorCode::InclusionProof,
                    format!("entry {}: {e}", entry.log_index),
                )
            })?;
            let cp = proof.checkpoint.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorCode::Checkpoint,
                    "an inclusion proof without a signed checkpoint proves nothing",
                )
            })?;
            checkpoint::verify(&cp.envelope, log, &proof.root_hash, proof.tree_size)?;
            true
        }
        None if v2 => {
            return Err(Error::new(
                ErrorCode::MissingInclusionProof,
                "a Rekor v2 entry needs an inclusion proof",
            ));
        }
        None if require_proof || set_time.is_none() => {
            return Err(Error::new(
                ErrorCode::MissingInclusionProof,
                format!("entry {} has no inclusion proof", entry.log_index),
            ));
        }
        None => false,
    };
    if v2 {
        // Rekor v2 has no shards and no integrated time: the entry's index is the proof's, and
        // an integrated time would be an unauthenticated claim.
        if entry
            .inclusion_proof
            .as_ref()
            .is_some_and(|p| p.log_index != entry.log_index)
        {
            return Err(Error::new(
                ErrorCode::InclusionProof,
                format!(
                    "a Rekor v2 entry's index {} is not its inclusion proof's",
                    entry.log_index
                ),
            ));
        }
        if entry.integrated_time != 0 {
            return Err(Error::new(
                ErrorCode::InclusionPromise,
                "a Rekor v2 entry carries no integrated time",
            ));
        }
    }
    let facts = LogEntryFacts {
        log_url: log.base_url.clone(),
        log_id: hex(&entry.log_id),
        log_index: entry.log_index,
        integrated_time: set_time,
        kind: entry.kind.clone(),
        version: entry.version.clone(),
        inclusion_proof: proven,
        inclusion_promise: set_time.is_some(),
    };
    Ok((Proven { facts, set_time }, log.clone()))
}

/// Verifies every entry and applies the threshold.
pub(crate) fn verify_entries(
    trust: &TrustMaterial,
    bundle: &Bundle,
    signed: &Signed,
    leaf: Option<&Cert>,
    key: &PublicKey,
    require_proof: bool,
    threshold: usize,
) -> Result<Logs> {
    let signer = tlog_body::Signer {
        leaf_der: leaf.map(|c| c.der.as_slice()),
        key,
    };
    let mut out = Logs::default();
    let mut seen: Vec<(&[u8], u64)> = Vec::new();
    let mut logs_counted: Vec<Vec<u8>> = Vec::new();
    let mut first_error = None;
    for (i, entry) in bundle.tlog_entries.iter().enumerate() {
        if seen.contains(&(entry.log_id.as_slice(), entry.log_index)) {
            return Err(Error::new(
                ErrorCode::TlogThreshold,
                format!(
                    "tlog entry {} of log {} appears twice",
                    entry.log_index,
                    hex(&entry.log_id)
                ),
            ));
        }
        seen.push((&entry.log_id, entry.log_index));
        match verify_entry(trust, entry, signed, signer, require_proof) {
            Ok((proven, log)) => {
                if let Some(t) = proven.set_time {
                    out.set_times
                        .push((log.base_url.clone(), log.log_id.clone(), t));
                } else {
                    out.unstamped.push(log.clone());
                }
                if !logs_counted.contains(&log.log_id) {
                    logs_counted.push(log.log_id.clone());
                }
                out.entries.push(proven.facts);
            }
            Err(e) => {
                out.ignored.push(format!("tlogEntries[{i}]: {e}"));
                first_error.get_or_insert(e.context(format!("tlogEntries[{i}]")));
            }
        }
    }
    if logs_counted.len() < threshold {
        return Err(first_error.unwrap_or_else(|| {
            Error::new(
                ErrorCode::TlogThreshold,
                format!(
                    "{} verified tlog entries from distinct logs, {threshold} required",
                    logs_counted.len()
                ),
            )
        }));
    }
    Ok(out)
}
