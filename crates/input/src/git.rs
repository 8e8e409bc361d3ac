//! `input.git` from evidence: the ref → object bindings (`git ls-remote` output, asserted) and
//! raw git objects, each re-hashed with its type header and checked against its id (model §4.5,
//! BX `policy/validate.go` git branch).

use std::collections::BTreeMap;

use crate::Error;
use crate::facts::Facts;
use crate::git_url::is_commit_sha;
use serde_json::{Map, Value as Json, json};

/// Git evidence: `git ls-remote` output and raw objects by id.
#[derive(Debug, Clone, Default)]
pub struct GitEvidence {
    /// `<oid>\t<refname>` lines; `<refname>^{}` lines peel annotated tags.
    pub refs: Option<String>,
    /// Raw object content (`git cat-file commit|tag <oid>`) by id.
    pub objects: Vec<(String, Vec<u8>)>,
}

/// The object type a raw object's content starts with.
fn object_type(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"tree ") {
        Some("commit")
    } else if content.starts_with(b"object ") {
        Some("tag")
    } else {
        None
    }
}

/// The git object id of `content` of `kind` (`commit` / `tag`): SHA-1 (40 hex) or SHA-256
/// (64 hex) by `len`.
pub fn object_id(kind: &str, content: &[u8], len: usize) -> String {
    let kind = if kind == "tag" {
        verdict_git::ObjectKind::Tag
    } else {
        verdict_git::ObjectKind::Commit
    };
    let format = if len == 64 {
        verdict_git::ObjectFormat::Sha256
    } else {
        verdict_git::ObjectFormat::Sha1
    };
    verdict_git::object_id(kind, content, format)
}

/// The checked objects, by id.
fn checked_objects(
    evidence: &GitEvidence,
) -> Result<BTreeMap<String, (&'static str, &[u8])>, Error> {
    let mut out = BTreeMap::new();
    for (oid, content) in &evidence.objects {
        if !is_commit_sha(oid) {
            return Err(Error::invalid_evidence(format!(
                "git object name `{oid}` is not an object id"
            )));
        }
        let Some(kind) = object_type(content) else {
            return Err(Error::invalid_evidence(format!(
                "git object {oid} is neither a commit nor a tag"
            )));
        };
        let actual = object_id(kind, content, oid.len());
        if &actual != oid {
            return Err(Error::invalid_evidence(format!(
                "git object {oid} does not match its content ({kind} {actual})"
            )));
        }
        out.insert(oid.clone(), (kind, content.as_slice()));
    }
    Ok(out)
}

/// The default branch named by `git ls-remote --symref` output (`ref: refs/heads/X<TAB>HEAD`),
/// as BuildKit's `getDefaultBranch` reads it.
fn default_branch(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix("ref: ")?;
        let (target, name) = rest.split_once('\t')?;
        (name.trim() == "HEAD")
            .then(|| target.trim().strip_prefix("refs/heads/"))
            .flatten()
            .filter(|b| !b.is_empty() && !b.contains(char::is_whitespace))
            .map(str::to_owned)
    })
}

/// Resolves `want` against `git ls-remote` lines exactly as BuildKit does
/// (`source/git/source.go` `resolveMetadataFromURL`): `refs/<ref>` first, then the branch
/// `refs/heads/<ref>` ("git-checkout prefers branches in case of ambiguity"), then the tag
/// `refs/tags/<ref>` with its peeled `^{}` commit. Returns `(used ref, object, peeled commit)`.
fn resolve_ref(text: &str, want: &str) -> Option<(String, String, Option<String>)> {
    let bare = want.strip_prefix("refs/").unwrap_or(want);
    let partial = format!("refs/{bare}");
    let head = format!(
        "refs/heads/{}",
        want.strip_prefix("refs/heads/").unwrap_or(want)
    );
    let tag = format!(
        "refs/tags/{}",
        want.strip_prefix("refs/tags/").unwrap_or(want)
    );
    let annotated = format!("{tag}^{{}}");
    let (mut sha, mut head_sha, mut tag_sha, mut annotated_sha) = (None, None, None, None);
    for line in text.lines() {
        let (line_sha, line_ref) = line.split_once('\t').unwrap_or((line, ""));
        let line_sha = Some(line_sha.to_owned());
        if line_ref == head {
            head_sha = line_sha;
        } else if line_ref == tag {
            tag_sha = line_sha;
        } else if line_ref == annotated {
            annotated_sha = line_sha;
        } else if line_ref == partial {
            sha = line_sha;
        }
    }
    let (used, sha) = match (sha, head_sha) {
        (Some(s), _) => (partial, s),
        (None, Some(h)) => (head, h),
        (None, None) => return tag_sha.map(|t| (tag, t, annotated_sha)),
    };
    // A branch or `refs/…` match ignores an annotated tag of the same name.
    Some((used, sha, None))
}

/// The resolved objects of a git source: `(commit content, tag content)`.
pub type Objects<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Fills `git` (holding the source-only fields) from the evidence; returns the commit and tag
/// objects to map, already checked against `commitChecksum` / `checksum`.
pub fn resolve<'a>(
    requested: Option<&str>,
    evidence: &'a GitEvidence,
    git: &mut Map<String, Json>,
    facts: &mut Facts,
) -> Result<Objects<'a>, Error> {
    let objects = checked_objects(evidence)?;
    let (checksum, commit_checksum) = match requested {
        Some(r) if is_commit_sha(r) => (r.to_owned(), r.to_owned()),
        _ => {
            let Some(refs) = &evidence.refs else {
                return Ok((None, None));
            };
            let want = match requested {
                Some(r) => r.to_owned(),
                None => default_branch(refs).ok_or_else(|| {
                    Error::invalid_evidence(
                        "the git refs name no default branch: give `git ls-remote --symref` output (`ref: refs/heads/<branch>\tHEAD`) or a ref in the source",
                    )
                })?,
            };
            let Some((name, oid, peeled)) = resolve_ref(refs, &want) else {
                return Err(Error::invalid_evidence(format!(
                    "git ref `{want}` is not in the supplied refs"
                )));
            };
            if !is_commit_sha(&oid) {
                return Err(Error::invalid_evidence(format!(
                    "git ref `{name}` names `{oid}`, not an object id"
                )));
            }
            let commit = peeled.unwrap_or_else(|| oid.clone());
            git.insert("ref".into(), json!(name));
            git.remove("tagName");
            git.remove("branch");
            if let Some(tag) = name.strip_prefix("refs/tags/") {
                git.insert("tagName".into(), json!(tag));
            }
            if let Some(branch) = name.strip_prefix("refs/heads/") {
                git.insert("branch".into(), json!(branch));
            }
            facts.asserted("git.ref", format!("refs list {name} at {oid}"));
            (oid, commit)
        }
    };
    git.insert("checksum".into(), json!(checksum));
    git.insert("commitChecksum".into(), json!(commit_checksum));
    if checksum != commit_checksum {
        git.insert("isAnnotatedTag".into(), json!(true));
    }
    if checksum.len() == 64 {
        git.insert("isSHA256".into(), json!(true));
    }
    let commit = match objects.get(&commit_checksum) {
        Some(("commit", content)) => {
            let mapped = verdict_git::buildx::commit_input(content)
                .map_err(|e| Error::invalid_evidence(format!("commit {commit_checksum}: {e}")))?;
            git.insert("commit".into(), mapped);
            facts.verified(
                "git.commit",
                format!("commit object {commit_checksum} hashed"),
            );
            Some(*content)
        }
        Some(_) => {
            return Err(Error::invalid_evidence(format!(
                "git object {commit_checksum} is not a commit"
            )));
        }
        None => None,
    };
    let tag = if checksum != commit_checksum && commit.is_some() {
        match objects.get(&checksum) {
            Some(("tag", content)) => {
                let mapped = verdict_git::buildx::tag_input(content)
                    .map_err(|e| Error::invalid_evidence(format!("tag {checksum}: {e}")))?;
                git.insert("tag".into(), mapped);
                facts.verified("git.tag", format!("tag object {checksum} hashed"));
                Some(*content)
            }
            Some(_) => {
                return Err(Error::invalid_evidence(format!(
                    "git object {checksum} is not a tag"
                )));
            }
            None => None,
        }
    } else {
        None
    };
    Ok((commit, tag))
}
