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

/// The object ids an object names (`tree`, `parent` of a commit, `object` of a tag) must be of
/// its own id's format: git reads an object in its repository's one format and refuses ids of the
/// other length ("bogus commit object"), while the signature verifier would infer the format from
/// the object's content. A mismatch is invalid evidence.
fn check_object_format(oid: &str, kind: &str, content: &[u8]) -> Result<(), Error> {
    let names: &[&[u8]] = if kind == "tag" {
        &[b"object "]
    } else {
        &[b"tree ", b"parent "]
    };
    for line in content.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        for name in names {
            if let Some(id) = line.strip_prefix(*name)
                && (id.len() != oid.len() || !id.iter().all(u8::is_ascii_hexdigit))
            {
                return Err(Error::invalid_evidence(format!(
                    "git object {oid} names `{}` in its `{}` header, not an id of its own format ({} hex digits)",
                    String::from_utf8_lossy(id),
                    String::from_utf8_lossy(&name[..name.len() - 1]),
                    oid.len()
                )));
            }
        }
    }
    Ok(())
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
        check_object_format(oid, kind, content)?;
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

/// The refs (asserted) say the annotated tag object `tag_id` peels to `commit_id` under the name
/// in `git.tagName`; the tag object (hashed, so verified) must say the same: its `type` is
/// `commit`, its `object` is `commit_id` and, for a `refs/tags/<name>` ref, its `tag` header is
/// `<name>`. Otherwise a signature on the tag would vouch for a commit (or a name) it never
/// signed, so the evidence is refused (fail closed). BuildKit does not compare these — it reads
/// the peeled commit from the remote it trusts and never compares the `tag` header with the ref
/// (nor does `git verify-tag`) — but here the refs are only asserted by whoever supplied the
/// evidence, and the signed tag object is the one verified statement of both.
fn check_tag_binding(
    tag_id: &str,
    content: &[u8],
    commit_id: &str,
    git: &Map<String, Json>,
    facts: &mut Facts,
) -> Result<(), Error> {
    let obj = verdict_git::GitObject::parse(content)
        .map_err(|e| Error::invalid_evidence(format!("tag {tag_id}: {e}")))?;
    let tag = obj
        .tag()
        .ok_or_else(|| Error::invalid_evidence(format!("git object {tag_id} is not a tag")))?;
    if tag.kind != "commit" || tag.object != commit_id {
        return Err(Error::invalid_evidence(format!(
            "git tag object {tag_id} points to {} {}, but the refs peel it to commit {commit_id}",
            if tag.kind.is_empty() { "?" } else { &tag.kind },
            tag.object
        )));
    }
    if let Some(Json::String(name)) = git.get("tagName")
        && tag.tag != *name
    {
        // An alias (`git tag -f v1 v1.0.0`, GitHub Actions' major tags) points a ref at a tag
        // object of another name; BuildKit and `git verify-tag` accept it. The ref name stays
        // the refs' word (asserted); the signed name is `input.git.tag.tag`.
        facts.asserted(
            "git.tagName",
            format!(
                "the refs list tag object {tag_id} as `refs/tags/{name}`; the object itself is named `{}` (input.git.tag.tag)",
                tag.tag
            ),
        );
    }
    Ok(())
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
    if checksum != commit_checksum
        && let Some(("tag", content)) = objects.get(&checksum)
    {
        check_tag_binding(&checksum, content, &commit_checksum, git, facts)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const COMMIT: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nmessage\n";

    fn tag_object(object: &str, kind: &str, name: &str) -> Vec<u8> {
        format!(
            "object {object}\ntype {kind}\ntag {name}\ntagger T <t@example.com> 1700000000 +0000\n\nTag\n"
        )
        .into_bytes()
    }

    /// Resolves `#v1` with refs listing `tag` (an annotated tag object) peeled to `peeled`.
    fn resolve_tag(
        want: &str,
        tag: &[u8],
        peeled: &str,
        objects: Vec<(String, Vec<u8>)>,
    ) -> Result<Map<String, Json>, Error> {
        let tag_id = object_id("tag", tag, 40);
        let refs = format!("{tag_id}\trefs/tags/v1\n{peeled}\trefs/tags/v1^{{}}\n");
        let mut all = vec![(tag_id, tag.to_vec())];
        all.extend(objects);
        let evidence = GitEvidence {
            refs: Some(refs),
            objects: all,
        };
        let mut git = Map::new();
        resolve(Some(want), &evidence, &mut git, &mut Facts::default())?;
        Ok(git)
    }

    #[test]
    fn a_tag_bound_to_its_peeled_commit_resolves() {
        let commit = object_id("commit", COMMIT, 40);
        let tag = tag_object(&commit, "commit", "v1");
        let git =
            resolve_tag("v1", &tag, &commit, vec![(commit.clone(), COMMIT.to_vec())]).unwrap();
        assert_eq!(git["commitChecksum"], commit.as_str());
        assert_eq!(git["tag"]["object"], commit.as_str());
        assert_eq!(git["tag"]["tag"], "v1");
    }

    #[test]
    fn an_alias_ref_to_a_tag_of_another_name_resolves_with_an_asserted_name() {
        // `git tag -f v1 v1.0.0`: refs/tags/v1 points at the annotated tag object `v1.0.0`.
        let commit = object_id("commit", COMMIT, 40);
        let tag = tag_object(&commit, "commit", "v1.0.0");
        let tag_id = object_id("tag", &tag, 40);
        let evidence = GitEvidence {
            refs: Some(format!(
                "{tag_id}\trefs/tags/v1\n{commit}\trefs/tags/v1^{{}}\n"
            )),
            objects: vec![(tag_id, tag), (commit, COMMIT.to_vec())],
        };
        let mut git = Map::new();
        let mut facts = Facts::default();
        resolve(Some("v1"), &evidence, &mut git, &mut facts).unwrap();
        assert_eq!(git["tagName"], "v1");
        assert_eq!(git["tag"]["tag"], "v1.0.0");
        let facts = facts.to_json().to_string();
        assert!(
            facts.contains("\"field\":\"git.tagName\"") && facts.contains("v1.0.0"),
            "{facts}"
        );
    }

    #[test]
    fn an_object_of_the_other_format_is_refused() {
        // A SHA-256 repository's commit (64-hex tree) stored under its SHA-1 id: git refuses it
        // ("bogus commit object"), and so must the evidence store, or the verifier would read it
        // in a format its id does not have.
        let sha256_commit = format!(
            "tree {}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nm\n",
            "a".repeat(64)
        )
        .into_bytes();
        let sha1_tag = format!(
            "object {}\ntype commit\ntag v1\ntagger A <a@example.com> 1700000000 +0000\n\nm\n",
            "b".repeat(40)
        )
        .into_bytes();
        for (kind, content, len) in [
            ("commit", sha256_commit.clone(), 40),
            ("tag", sha1_tag, 64),
            ("commit", COMMIT.to_vec(), 64),
        ] {
            let oid = object_id(kind, &content, len);
            let evidence = GitEvidence {
                refs: None,
                objects: vec![(oid.clone(), content)],
            };
            let e = checked_objects(&evidence).unwrap_err();
            assert_eq!(
                e.code,
                crate::ErrorCode::InvalidEvidence,
                "{kind} {len}: {e}"
            );
            assert!(e.message.contains(&oid), "{e}");
        }
        // The same SHA-256 commit under its SHA-256 id is fine.
        let oid = object_id("commit", &sha256_commit, 64);
        let evidence = GitEvidence {
            refs: None,
            objects: vec![(oid, sha256_commit)],
        };
        checked_objects(&evidence).unwrap();
    }

    #[test]
    fn tag_bindings_the_tag_object_contradicts_are_refused() {
        let commit = object_id("commit", COMMIT, 40);
        let other_commit = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor B <b@example.com> 1700000000 +0000\ncommitter B <b@example.com> 1700000000 +0000\n\nother\n";
        let other = object_id("commit", other_commit, 40);
        let commits = || {
            vec![
                (commit.clone(), COMMIT.to_vec()),
                (other.clone(), other_commit.to_vec()),
            ]
        };
        // (case, tag object, commit the refs peel it to, objects, words the error must name)
        type Case<'a> = (
            &'a str,
            Vec<u8>,
            &'a str,
            Vec<(String, Vec<u8>)>,
            Vec<&'a str>,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "refs peel a signed tag to another commit",
                tag_object(&commit, "commit", "v1"),
                &other,
                commits(),
                vec![&commit, &other],
            ),
            (
                "the same, with the peeled commit absent from the evidence",
                tag_object(&commit, "commit", "v1"),
                &other,
                vec![],
                vec![&commit, &other],
            ),
            (
                "the tag object tags a tree",
                tag_object(&commit, "tree", "v1"),
                &commit,
                commits(),
                vec!["tree", &commit],
            ),
            (
                "a tag of a tag",
                tag_object(&other, "tag", "v1"),
                &commit,
                commits(),
                vec!["tag", &other],
            ),
            (
                "the tag object's id differs in case",
                tag_object(&commit.to_uppercase(), "commit", "v1"),
                &commit,
                commits(),
                vec![&commit],
            ),
        ];
        for (name, tag, peeled, objects, words) in cases {
            let e = resolve_tag("v1", &tag, peeled, objects).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidEvidence, "{name}: {e}");
            for w in words {
                assert!(e.message.contains(w), "{name}: {w} not in {e}");
            }
        }
    }
}
