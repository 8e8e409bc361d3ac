//! Reading evidence and build-context files from disk for the component.
//!
//! An evidence directory is handed over as a file listing: the component reads its layout
//! (docs/evidence.md), in one canonical order, so every host gets the same evidence and the same
//! hash. The runner only reads files: every hash is recomputed and every signature verified
//! inside the component.

use std::path::{Component, Path, PathBuf};

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
/// `cwd://NAME` under the working directory, every other name under the build context (an
/// absolute name inside the context as its path relative to the context, [`context_relative`]).
/// Either way the name read is relative, has no `..` and does not leave its root (see [`Root`]);
/// the file is capped at [`MAX_CONTEXT_FILE`] and counted against `budget`. `None` when it does
/// not exist (nor does its root). A refusal's message ends with [`context_hint`]: where the
/// name was looked for and how to name it instead.
pub fn read_context_file(
    context: &Path,
    name: &str,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, ReadError> {
    let (dir, relative, what) = match name.strip_prefix("cwd://") {
        Some(rest) => (Path::new("."), rest.to_owned(), "the working directory"),
        None if Path::new(name).is_absolute() => match context_relative(context, name) {
            Some(relative) => (context, relative, "the build context"),
            None => {
                return Err(ReadError::new(
                    ReadCode::AbsolutePath,
                    format!(
                        "`{name}` is an absolute path outside {}; name a file inside it{}",
                        the_build_context(context),
                        cwd_offer(context, name)
                    ),
                ));
            }
        },
        None => (context, name.to_owned(), "the build context"),
    };
    let read = match Root::open(dir, what) {
        Ok(root) => root.read_optional(&relative, MAX_CONTEXT_FILE, budget),
        Err(e) if e.code() == ReadCode::NotFound => Ok(None),
        Err(e) => Err(e),
    };
    read.map_err(|e| {
        let message = format!("{}; {}", e.message(), context_hint(context, name));
        ReadError::new(e.code(), message)
    })
}

/// An absolute `name` that lies inside the build context, as its clean path relative to the
/// context (BX `normalizeLocalPolicyPath`): with the context `.`, `$PWD/policy.rego` is
/// `policy.rego`, so a verdict does not depend on how the name was spelled. `None` for a relative name, or an absolute one outside the context.
pub fn context_relative(context: &Path, name: &str) -> Option<String> {
    let path = Path::new(name);
    if !path.is_absolute() {
        return None;
    }
    inside(&lexical_clean(path), context)
}

/// `path` (absolute, clean) relative to `dir`, when it lies strictly inside it: compared with
/// `dir` made absolute, then with `dir` and `path` with their symlinks resolved.
fn inside(path: &Path, dir: &Path) -> Option<String> {
    let relative = |base: &Path, path: &Path| {
        path.strip_prefix(base)
            .ok()
            .filter(|r| !r.as_os_str().is_empty())
            .and_then(|r| r.to_str())
            .map(|r| r.replace(std::path::MAIN_SEPARATOR, "/"))
    };
    let absolute = std::path::absolute(dir).ok().map(|d| lexical_clean(&d));
    let canonical = std::fs::canonicalize(dir).ok();
    absolute
        .as_deref()
        .and_then(|d| relative(d, path))
        .or_else(|| canonical.as_deref().and_then(|d| relative(d, path)))
        .or_else(|| {
            let resolved = std::fs::canonicalize(path).ok()?;
            relative(canonical.as_deref()?, &resolved)
        })
}

/// `path` without `.` components, and with each `..` taking off the component before it (Go's
/// `filepath.Clean`, lexically: no symlink is followed).
fn lexical_clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// What a build-context name that was refused teaches: which directory the build context is —
/// as the command line gave it, which `--context` sets (default `.`) — or that `cwd://NAME`
/// is read from the working directory; and, when the file exists relative to the working
/// directory, to name it `cwd://NAME`. Every refusal and [`not_found`] say it the same way.
pub fn context_hint(context: &Path, name: &str) -> String {
    if name.starts_with("cwd://") {
        return "`cwd://` names are read from the working directory".to_owned();
    }
    format!(
        "the build context is `{}` (`--context DIR` sets it; default `.`){}",
        context.display(),
        cwd_offer(context, name)
    )
}

/// The message for a build-context name that does not exist: where it was looked for (as
/// [`context_hint`]) and, when the file exists relative to the working directory, to name it
/// `cwd://NAME`.
pub fn not_found(context: &Path, name: &str) -> String {
    match name.strip_prefix("cwd://") {
        Some(rest) => format!("`{rest}` is not in the working directory (named `{name}`)"),
        None => format!(
            "`{name}` is not in {}{}",
            the_build_context(context),
            cwd_offer(context, name)
        ),
    }
}

/// "the build context `DIR` (`--context DIR` sets it; default `.`)".
fn the_build_context(context: &Path) -> String {
    format!(
        "the build context `{}` (`--context DIR` sets it; default `.`)",
        context.display()
    )
}

/// `; `NAME` is in the working directory: name it `cwd://NAME`` when it is, else nothing.
fn cwd_offer(context: &Path, name: &str) -> String {
    in_working_directory(context, name)
        .map(|relative| {
            format!("; `{name}` is in the working directory: name it `cwd://{relative}`")
        })
        .unwrap_or_default()
}

/// `name`'s path relative to the working directory, when it names a regular file there (an
/// absolute name inside the working directory, or a relative name without `..`) and the working
/// directory is not the build context itself.
fn in_working_directory(context: &Path, name: &str) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    if std::fs::canonicalize(context).ok()? == std::fs::canonicalize(&cwd).ok()? {
        return None;
    }
    let path = Path::new(name);
    let relative = if path.is_absolute() {
        inside(&lexical_clean(path), &cwd)?
    } else {
        let clean = lexical_clean(path);
        if clean
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return None;
        }
        clean.to_str()?.replace(std::path::MAIN_SEPARATOR, "/")
    };
    Root::open(&cwd, "the working directory")
        .ok()?
        .resolve(&relative)
        .ok()
        .filter(|p| p.is_file())
        .map(|_| relative)
}
