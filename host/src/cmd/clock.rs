//! The evaluation time: `--now` (RFC 3339), or the clock.

use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

/// The evaluation time in nanoseconds since the Unix epoch: `--now`'s, else the current time.
pub(crate) fn now_ns(now: Option<&str>) -> Result<i64> {
    match now {
        Some(text) => parse_time(text),
        None => chrono::Utc::now()
            .timestamp_nanos_opt()
            .context("the clock is out of range"),
    }
}

/// A `--now` value in nanoseconds since the Unix epoch.
fn parse_time(text: &str) -> Result<i64> {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) else {
        bail!("--now {text:?} is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)");
    };
    t.timestamp_nanos_opt()
        .with_context(|| format!("--now {text:?} is out of range"))
}
