//! Files named on the command line: read under the host's caps, policy modules named by their
//! file name, and the message of a refused read.

use std::path::Path;

use verdict_host::PolicyModule;
use verdict_host::fsroot::{self, Budget, ReadError};
use wasmtime::Result;
use wasmtime::error::Context as _;

/// A file named on the command line, capped at [`fsroot::MAX_GIVEN_FILE`]; `what` names it in
/// errors.
pub(crate) fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    fsroot::read_given(
        path,
        what,
        fsroot::MAX_GIVEN_FILE,
        &mut Budget::new(fsroot::MAX_GIVEN_FILE),
    )
    .with_context(|| format!("failed to read {what} {path:?}"))
}

/// One policy module read from disk, named by its file name.
pub(crate) fn read_module(file: &str) -> Result<PolicyModule> {
    let source = String::from_utf8(read(Path::new(file), "policy")?)
        .with_context(|| format!("failed to read policy {file:?}: not UTF-8"))?;
    let path = Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file)
        .to_owned();
    Ok(PolicyModule { path, source })
}

/// The verdict message for a refused file: what and why, and the refusal's stable code.
pub(crate) fn refusal_message(refusal: &ReadError) -> String {
    format!(
        "invalid request: {} ({})",
        refusal.message(),
        refusal.code()
    )
}
