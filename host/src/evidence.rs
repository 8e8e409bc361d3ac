//! Reading evidence and build-context files from disk for the `checker` interface.
//!
//! The layout of an evidence directory is docs/evidence.md's: `oci/` (an OCI image layout),
//! `image/attestation-manifest` + `image/bundles/`, `git/refs`, `git/objects/<oid>`,
//! `http/content` or `http/checksum`, and `attestations/<owner>/<repo>/*.json[l]`. The runner only reads files: every hash is
//! recomputed and every signature verified inside the component.

use std::path::Path;

use wasmtime::Result;

use crate::fsroot::{
    Budget, MAX_CONTEXT_FILE, MAX_EVIDENCE_FILE, MAX_EVIDENCE_FILES, ReadCode, ReadError, Root,
};
use crate::{Attestation, Evidence, NamedBytes};

/// The largest file the runner reads as evidence (the component applies Buildx's own, smaller
/// caps per function and reports a file over its cap).
pub const MAX_FILE: u64 = MAX_EVIDENCE_FILE;

/// Reads an evidence directory (a missing part is simply absent) with a budget of its own.
pub fn load(dir: &Path) -> Result<Evidence> {
    if !dir.is_dir() {
        wasmtime::bail!("evidence directory {dir:?} does not exist");
    }
    Ok(load_with(dir, &mut Budget::default())?)
}

/// Reads an evidence directory through [`Root`]: no name leaves it (symlinks are followed only
/// while they stay inside), special files are refused by type, each file is capped at
/// [`MAX_EVIDENCE_FILE`], at most [`MAX_EVIDENCE_FILES`] files are read, and every byte counts
/// against `budget`.
pub fn load_with(dir: &Path, budget: &mut Budget) -> Result<Evidence, ReadError> {
    let root = Root::open(dir, "the evidence directory")?;
    let mut walk = Walk {
        root,
        budget,
        files: 0,
    };
    let mut blobs = Vec::new();
    for alg in walk.list("oci/blobs")? {
        for hex in walk.list(&format!("oci/blobs/{alg}"))? {
            blobs.push(NamedBytes {
                name: format!("{alg}:{hex}"),
                content: walk.read(&format!("oci/blobs/{alg}/{hex}"))?,
            });
        }
    }
    let mut git_objects = Vec::new();
    for oid in walk.list("git/objects")? {
        git_objects.push(NamedBytes {
            content: walk.read(&format!("git/objects/{oid}"))?,
            name: oid,
        });
    }
    let git_refs = walk.text("git/refs")?;
    let http_checksum = walk.text("http/checksum")?.map(|t| t.trim().to_owned());
    let mut attestations = Vec::new();
    for owner in walk.list("attestations")? {
        for repo in walk.list(&format!("attestations/{owner}"))? {
            let name = format!("{owner}/{repo}");
            for file in walk.list(&format!("attestations/{name}"))? {
                let bytes = walk.read(&format!("attestations/{name}/{file}"))?;
                if file.ends_with(".jsonl") {
                    for line in bytes.split(|b| *b == b'\n') {
                        if line.iter().any(|b| !b.is_ascii_whitespace()) {
                            attestations.push(Attestation {
                                repo: name.clone(),
                                bundle: line.to_vec(),
                            });
                        }
                    }
                } else {
                    attestations.push(Attestation {
                        repo: name.clone(),
                        bundle: bytes,
                    });
                }
            }
        }
    }
    let attestation_manifest = walk
        .text("image/attestation-manifest")?
        .map(|t| t.trim().to_owned());
    let mut signature_bundles = Vec::new();
    for file in walk.list("image/bundles")? {
        signature_bundles.push(walk.read(&format!("image/bundles/{file}"))?);
    }
    Ok(Evidence {
        attestation_manifest,
        signature_bundles,
        oci_index: walk.read_optional("oci/index.json")?,
        blobs,
        git_refs,
        git_objects,
        http_content: walk.read_optional("http/content")?,
        http_checksum,
        attestations,
    })
}

/// The evidence directory being read: its root, the request's budget, the files read so far.
struct Walk<'b> {
    root: Root,
    budget: &'b mut Budget,
    files: usize,
}

impl Walk<'_> {
    fn list(&self, name: &str) -> Result<Vec<String>, ReadError> {
        self.root.list(name, MAX_EVIDENCE_FILES)
    }

    fn count(&mut self, name: &str) -> Result<(), ReadError> {
        self.files += 1;
        if self.files > MAX_EVIDENCE_FILES {
            return Err(ReadError::new(
                ReadCode::TooManyFiles,
                format!(
                    "the evidence directory holds more than {MAX_EVIDENCE_FILES} files (at `{name}`)"
                ),
            ));
        }
        Ok(())
    }

    fn read(&mut self, name: &str) -> Result<Vec<u8>, ReadError> {
        self.count(name)?;
        self.root.read(name, MAX_EVIDENCE_FILE, self.budget)
    }

    /// A text file of the layout, which must be UTF-8 (never decoded leniently).
    fn text(&mut self, name: &str) -> Result<Option<String>, ReadError> {
        let Some(bytes) = self.read_optional(name)? else {
            return Ok(None);
        };
        String::from_utf8(bytes).map(Some).map_err(|e| {
            ReadError::new(
                ReadCode::NotUtf8,
                format!("evidence file `{name}` is not UTF-8 ({e})"),
            )
        })
    }

    fn read_optional(&mut self, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        self.count(name)?;
        self.root
            .read_optional(name, MAX_EVIDENCE_FILE, self.budget)
    }
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
