//! Verified times and their threshold (checklist items 13–15; client-spec §4.2 "Establishing a
//! Time for the Signature").
//!
//! Verified times are SET-proven integrated times (Rekor v1) and verified RFC 3161 timestamps,
//! at most one per log and one per TSA. An `integratedTime` without a verified SET is not a
//! verified time, and Rekor v2 entries have none, so certificate-signed Rekor v2 bundles need a
//! TSA timestamp (rekor-v2-spec §4.2).

use crate::error::{Error, ErrorCode, Result};
use crate::facts::{TimeSource, VerifiedTime};
use crate::timestamp::Timestamps;
use crate::tlog::Logs;

/// The verified times, tlog first (Buildx order).
#[derive(Debug, Clone)]
pub(crate) struct Times {
    pub(crate) times: Vec<VerifiedTime>,
}

pub(crate) fn collect(logs: &Logs, tsa: &Timestamps, threshold: usize) -> Result<Times> {
    let mut times = Vec::new();
    let mut seen_logs: Vec<&[u8]> = Vec::new();
    for (url, log_id, t) in &logs.set_times {
        if seen_logs.contains(&log_id.as_slice()) {
            continue;
        }
        seen_logs.push(log_id);
        times.push(VerifiedTime {
            source: TimeSource::Tlog,
            uri: url.clone(),
            time: *t,
        });
    }
    times.extend(tsa.times.iter().cloned());
    if times.len() < threshold {
        if let Some(e) = tsa.errors.first() {
            return Err(e.clone());
        }
        return Err(Error::new(
            ErrorCode::TimestampThreshold,
            format!(
                "{} verified times (signed entry timestamps and RFC 3161 timestamps), {threshold} required{}",
                times.len(),
                if logs.unstamped.is_empty() {
                    ""
                } else {
                    "; tlog entries without a signed entry timestamp (Rekor v2) carry no verified time, so an RFC 3161 timestamp is needed"
                }
            ),
        ));
    }
    // Logs of entries without a SET (Rekor v2): the key must be valid at a verified TSA time
    // (item 27).
    for log in &logs.unstamped {
        if !tsa.times.iter().any(|t| log.valid_at(t.time)) {
            return Err(Error::new(
                ErrorCode::UnknownLog,
                format!(
                    "the key of {} is not valid at any verified timestamp",
                    log.base_url
                ),
            ));
        }
    }
    Ok(Times { times })
}
