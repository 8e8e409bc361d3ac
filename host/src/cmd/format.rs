//! `--format`, and what `--format json` prints when a command fails before (or outside) the
//! sandbox.

use clap::ValueEnum;
use verdict_host::pretty;

use super::sandbox::RunnerFailed;

/// An output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// A readable summary (eval: what decided, messages, prints; verify:
    /// the signer, times, log entries and statement, or the failed check).
    Pretty,
    /// JSON (eval: the canonical verdict record and its hash; verify:
    /// `{"verified":true,"facts":…}` or `{"verified":false,"error":…}`).
    Json,
}

/// What `--format json` prints for a command.
#[derive(Debug, Clone, Copy)]
pub(crate) enum JsonOutput {
    /// `{"hash", "verdict"}`.
    Verdict,
    /// `{"verified", …}`.
    Verification,
}

/// Reports a command's error: the message on standard error and, for `--format json`, an
/// error verdict with no canonical record on standard output. Returns the exit status, 2.
pub(crate) fn report_error(e: &wasmtime::Error, json: Option<JsonOutput>) -> u8 {
    eprintln!("verdict: {e:#}");
    // `--format json` always prints a verdict: a failure before (or
    // outside) the sandbox is an error verdict with no canonical
    // record.
    let code = if e.downcast_ref::<RunnerFailed>().is_some() {
        verdict_host::ErrorCode::Internal
    } else {
        verdict_host::ErrorCode::InvalidRequest
    };
    let error = verdict_host::VerdictError {
        code,
        message: format!("{e:#}"),
    };
    match json {
        Some(JsonOutput::Verdict) => {
            let verdict = verdict_host::host_error_verdict(error);
            println!("{}", pretty::json_output(&verdict));
        }
        Some(JsonOutput::Verification) => {
            let error = serde_json::json!({"code": code.as_str(), "message": error.message});
            println!("{{\"verified\":false,\"error\":{error}}}");
        }
        None => {}
    }
    2
}
