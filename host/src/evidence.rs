//! Reading evidence and build-context files from disk for the `checker` interface.
//!
//! The layout of an evidence directory is docs/evidence.md's: `oci/` (an OCI image layout),
//! `image/attestation-manifest` + `image/bundles/`, `git/refs`, `git/objects/<oid>`,
//! `http/content` or `http/checksum`, and `attestations/<owner>/<repo>/*.json[l]`. The runner only reads files: every hash is
//! recomputed and every signature verified inside the component.

use std::path::{Path, PathBuf};

use wasmtime::Result;
use wasmtime::error::Context as _;

use crate::{Attestation, Evidence, NamedBytes};

/// The largest file the runner reads as evidence or as a build-context file (the component
/// applies Buildx's own, smaller caps per function and reports a file over its cap).
pub const MAX_FILE: u64 = 64 << 20;

fn read_capped(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).with_context(|| format!("failed to read {path:?}"))?;
    if meta.len() > MAX_FILE {
        wasmtime::bail!(
            "{path:?} is {} bytes, over the runner's limit of {MAX_FILE}",
            meta.len()
        );
    }
    std::fs::read(path).with_context(|| format!("failed to read {path:?}"))
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    if path.is_file() {
        read_capped(path).map(Some)
    } else {
        Ok(None)
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("failed to list {dir:?}"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    out.sort();
    Ok(out)
}

/// Reads an evidence directory. A missing part is simply absent.
pub fn load(dir: &Path) -> Result<Evidence> {
    if !dir.is_dir() {
        wasmtime::bail!("evidence directory {dir:?} does not exist");
    }
    let oci = dir.join("oci");
    let mut blobs = Vec::new();
    for alg_dir in sorted_entries(&oci.join("blobs"))? {
        let Some(alg) = alg_dir
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
        else {
            continue;
        };
        for blob in sorted_entries(&alg_dir)? {
            let Some(hex) = blob.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            blobs.push(NamedBytes {
                name: format!("{alg}:{hex}"),
                content: read_capped(&blob)?,
            });
        }
    }
    let mut git_objects = Vec::new();
    for object in sorted_entries(&dir.join("git").join("objects"))? {
        let Some(oid) = object.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        git_objects.push(NamedBytes {
            name: oid.to_owned(),
            content: read_capped(&object)?,
        });
    }
    let git_refs = read_optional(&dir.join("git").join("refs"))?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let http_checksum = read_optional(&dir.join("http").join("checksum"))?
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned());
    let mut attestations = Vec::new();
    for owner in sorted_entries(&dir.join("attestations"))? {
        for repo in sorted_entries(&owner)? {
            let name = format!(
                "{}/{}",
                owner
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default(),
                repo.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
            );
            for file in sorted_entries(&repo)? {
                let bytes = read_capped(&file)?;
                let jsonl = file.extension().is_some_and(|e| e == "jsonl");
                if jsonl {
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
    let image = dir.join("image");
    let attestation_manifest = read_optional(&image.join("attestation-manifest"))?
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned());
    let signature_bundles = sorted_entries(&image.join("bundles"))?
        .iter()
        .map(|p| read_capped(p))
        .collect::<Result<Vec<_>>>()?;
    Ok(Evidence {
        attestation_manifest,
        signature_bundles,
        oci_index: read_optional(&oci.join("index.json"))?,
        blobs,
        git_refs,
        git_objects,
        http_content: read_optional(&dir.join("http").join("content"))?,
        http_checksum,
        attestations,
    })
}

/// Where a policy's file argument points (BX `build/policy_loader.go`): `cwd://` paths are
/// relative to the working directory; everything else is cleaned (Go `path.Clean`) and read from
/// the build context — an absolute path only when it lies inside the context. `None` for a path
/// that leaves the context.
pub fn context_path(context: &Path, name: &str) -> Option<PathBuf> {
    if let Some(rest) = name.strip_prefix("cwd://") {
        return Some(PathBuf::from(rest));
    }
    let relative = Path::new(name);
    if relative.is_absolute() {
        let context = std::fs::canonicalize(context).ok()?;
        let inside = clean(relative).strip_prefix(&context).ok()?.to_owned();
        return Some(context.join(inside));
    }
    let cleaned = clean(relative);
    if cleaned
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return None;
    }
    Some(context.join(cleaned))
}

/// Lexical cleaning (Go `path.Clean`): `.` dropped, `x/..` folded, repeated separators merged.
fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<std::path::Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => match out.last() {
                Some(std::path::Component::Normal(_)) => {
                    out.pop();
                }
                Some(std::path::Component::RootDir) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}
