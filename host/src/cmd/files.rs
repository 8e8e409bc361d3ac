//! Files named on the command line: read under the host's caps, policy modules named by their
//! file name, and the message of a refused read.

use std::path::{Path, PathBuf};

use verdict_host::PolicyModule;
use verdict_host::fsroot::{self, Budget, ReadError};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

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

/// The most directories a walk of a command-line directory visits, and the most files it keeps.
const MAX_WALK: usize = 10_000;

/// The files under `path` whose name `keep` accepts (or `path` itself, when it is a file),
/// sorted; hidden directories are not walked. As Go's `filepath.WalkDir`,
/// symbolic links to directories are not followed (a link `a -> .` cannot loop); a link to a
/// file is kept and read as the file (refused if it is not a regular file). Each directory is
/// visited once (by device and inode), and the walk is bounded ([`MAX_WALK`]).
pub(crate) fn files_under(path: &Path, mut keep: impl FnMut(&str) -> bool) -> Result<Vec<PathBuf>> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut visited = std::collections::HashSet::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let meta = std::fs::metadata(&dir).with_context(|| format!("failed to list {dir:?}"))?;
        if !visited.insert(file_id(&meta)) {
            continue;
        }
        if visited.len() > MAX_WALK {
            bail!("{path:?} holds more than {MAX_WALK} directories");
        }
        for entry in std::fs::read_dir(&dir).with_context(|| format!("failed to list {dir:?}"))? {
            let entry = entry?;
            let p = entry.path();
            // The entry's own type: a symbolic link is not followed here. Hidden directories
            // (`.git`, `.cache`) are not policy: not walked.
            if entry.file_type()?.is_dir() {
                if !entry.file_name().to_string_lossy().starts_with('.') {
                    stack.push(p);
                }
            } else if p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(&mut keep)
                && !std::fs::metadata(&p).is_ok_and(|m| m.is_dir())
            {
                out.push(p);
                if out.len() > MAX_WALK {
                    bail!("{path:?} holds more than {MAX_WALK} files to read");
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A file's identity: device and inode (on other systems, its size and times).
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    (meta.dev(), meta.ino())
}

/// A file's identity: device and inode (on other systems, its size and times).
#[cfg(not(unix))]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    let nanos = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    (meta.len(), nanos)
}

/// A path as a report names it: without `.` components (`./a/b` is `a/b`; `` is `.`).
pub(crate) fn shown(path: &Path) -> String {
    let clean: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty() {
        ".".to_owned()
    } else {
        clean.to_string_lossy().into_owned()
    }
}
