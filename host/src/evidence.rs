//! Reading evidence and build-context files from disk for the component.
//!
//! An evidence directory is handed over as a file listing: the component reads its layout
//! (docs/evidence.md), in one canonical order, so every host gets the same evidence and the same
//! hash. The runner only reads files: every hash is recomputed and every signature verified
//! inside the component.

use std::path::Path;

use wasmtime::Result;

use crate::File;
use crate::fsroot::{
    Budget, MAX_CONTEXT_FILE, MAX_EVIDENCE_FILE, MAX_EVIDENCE_FILES, ReadCode, ReadError, Root,
};

/// The largest file the runner reads as evidence (the component applies Buildx's own, smaller
/// caps per function and reports a file over its cap).
pub const MAX_FILE: u64 = MAX_EVIDENCE_FILE;

/// How deep an evidence directory goes: its layout is at most four levels deep
/// (`attestations/<owner>/<repo>/<file>`); one more lets the component name a stray file. A
/// directory deeper than that is refused, which also ends a walk around a symlink loop.
pub const MAX_DEPTH: usize = 5;

/// Reads an evidence directory (a missing part is simply absent) with a budget of its own.
pub fn load(dir: &Path) -> Result<Vec<File>> {
    if !dir.is_dir() {
        wasmtime::bail!("evidence directory {dir:?} does not exist");
    }
    Ok(load_with(dir, &mut Budget::default())?)
}

/// Reads every file of an evidence directory as a listing for the component, which reads the
/// layout (docs/evidence.md) and refuses what is not part of it. The host only reads: through
/// [`Root`], no name leaves the directory (symlinks are followed only while they stay inside),
/// special files are refused by type, each file is capped at [`MAX_EVIDENCE_FILE`], at most
/// [`MAX_EVIDENCE_FILES`] files are read, at most [`MAX_DEPTH`] levels deep, and every byte
/// counts against `budget`. The listing's order does not matter: the component sorts it.
pub fn load_with(dir: &Path, budget: &mut Budget) -> Result<Vec<File>, ReadError> {
    let root = Root::open(dir, "the evidence directory")?;
    let mut files = Vec::new();
    walk(&root, "", 0, budget, &mut files)?;
    Ok(files)
}

fn walk(
    root: &Root,
    dir: &str,
    depth: usize,
    budget: &mut Budget,
    files: &mut Vec<File>,
) -> Result<(), ReadError> {
    for name in root.list(dir, MAX_EVIDENCE_FILES)? {
        let path = if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        };
        if root.resolve(&path)?.is_dir() {
            if depth + 1 == MAX_DEPTH {
                return Err(ReadError::new(
                    ReadCode::InvalidName,
                    format!(
                        "`{path}` in the evidence directory nests deeper than its layout \
                         (docs/evidence.md), or is a symlink loop"
                    ),
                ));
            }
            walk(root, &path, depth + 1, budget, files)?;
            continue;
        }
        if files.len() == MAX_EVIDENCE_FILES {
            return Err(ReadError::new(
                ReadCode::TooManyFiles,
                format!(
                    "the evidence directory holds more than {MAX_EVIDENCE_FILES} files (at `{path}`)"
                ),
            ));
        }
        let content = root.read(&path, MAX_EVIDENCE_FILE, budget)?;
        files.push(File { path, content });
    }
    Ok(())
}

/// A build-context file a policy names (`load_json`, key, signature and bundle files) or a
/// `--policy` file of `verdict check`, read as BX `build/policy_loader.go` locates it:
/// `cwd://NAME` under the working directory, every other name under the build context. Either
/// way the name is relative, has no `..` and does not leave its root (see [`Root`]); the file
/// is capped at [`MAX_CONTEXT_FILE`] and counted against `budget`. `None` when it does not
/// exist (nor does its root).
pub fn read_context_file(
    context: &Path,
    name: &str,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, ReadError> {
    let (dir, relative, what) = match name.strip_prefix("cwd://") {
        Some(rest) => (Path::new("."), rest, "the working directory"),
        None => (context, name, "the build context"),
    };
    let root = match Root::open(dir, what) {
        Ok(root) => root,
        Err(e) if e.code() == ReadCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    root.read_optional(relative, MAX_CONTEXT_FILE, budget)
}
