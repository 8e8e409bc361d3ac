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

fn parse_refs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let (oid, name) = line.split_once(['\t', ' '])?;
            Some((name.trim().to_owned(), oid.trim().to_owned()))
        })
        .collect()
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
            let refs = parse_refs(refs);
            let want = requested.unwrap_or("HEAD");
            let candidates: Vec<String> = if want.starts_with("refs/") || want == "HEAD" {
                vec![want.to_owned()]
            } else {
                vec![format!("refs/tags/{want}"), format!("refs/heads/{want}")]
            };
            let Some((name, oid)) = candidates
                .iter()
                .find_map(|c| refs.iter().find(|(n, _)| n == c))
            else {
                return Err(Error::invalid_evidence(format!(
                    "git ref `{want}` is not in the supplied refs"
                )));
            };
            let peeled = format!("{name}^{{}}");
            let commit = refs
                .iter()
                .find(|(n, _)| *n == peeled)
                .map_or_else(|| oid.clone(), |(_, o)| o.clone());
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
            (oid.clone(), commit)
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
