//! The evidence directory's layout (docs/evidence.md), read from a file listing.
//!
//! A host hands over the files of an evidence directory as `(path, bytes)` pairs — paths
//! relative to the directory, `/`-separated, in any order — and this module makes the evidence
//! model of them: the OCI layout's blobs and `index.json`, git refs and objects, HTTP content or
//! checksum, the attestation manifest with its signature bundles, and `github_attestation`
//! bundles. Every host (the CLI walking a directory, the page reading dropped files, a plugin
//! holding fetched bytes) gets the same model from the same files, whatever order it listed them
//! in: the listing is put in path order here, component by component, before anything depends
//! on order (the first signature bundle that verifies, the order of attestations).
//!
//! Nothing is taken leniently: a path that is not clean (absolute, `.` or `..` components, empty
//! components, a backslash), a path listed twice, a file that is not part of the layout, or a
//! text part that is not UTF-8 is `invalid-evidence`, naming the path.

use verdict_input::Evidence as InputEvidence;
use verdict_input::git::GitEvidence;

/// A GitHub attestation bundle the host fetched for `github_attestation` (what
/// `gh attestation download` writes), and the repository it was fetched for.
#[derive(Debug, Clone)]
pub struct Attestation {
    /// `owner/repo`.
    pub repo: String,
    /// The Sigstore bundle JSON.
    pub bundle: Vec<u8>,
}

/// The parts of the layout, for messages.
const PARTS: &str = "oci/index.json, oci/oci-layout, oci/blobs/<alg>/<hex>, \
image/attestation-manifest, image/bundles/<file>, git/refs, git/objects/<oid>, http/content, \
http/checksum, attestations/<owner>/<repo>/<file>.json[l]";

/// What an evidence listing holds.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Image, git and HTTP evidence.
    pub evidence: InputEvidence,
    /// Bundles for `github_attestation`.
    pub attestations: Vec<Attestation>,
    /// The repositories (`owner/repo`, lowercase) with a file under `attestations/`, an empty
    /// `.jsonl` included: a host that asked GitHub and got none says so with one.
    pub attestation_repos: std::collections::BTreeSet<String>,
}

/// A failure to read the listing: the path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError(pub String);

impl core::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Path order, component by component (as a directory walk lists files), then content.
fn path_order(a: &(String, Vec<u8>), b: &(String, Vec<u8>)) -> core::cmp::Ordering {
    a.0.split('/').cmp(b.0.split('/'))
}

/// Whether `path` is a clean relative `/`-separated path.
fn clean(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.contains('\0')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

fn text(path: &str, bytes: &[u8]) -> Result<String, LayoutError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|e| LayoutError(format!("evidence file `{path}` is not UTF-8 ({e})")))
}

/// Splits a JSONL file into its non-blank lines.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
}

/// Reads an evidence listing (see the module docs).
pub fn read(files: &[(String, Vec<u8>)]) -> Result<Layout, LayoutError> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| path_order(a, b));
    for pair in sorted.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(LayoutError(format!(
                "evidence file `{}` is listed twice",
                pair[0].0
            )));
        }
    }
    let mut out = Layout::default();
    let mut git = GitEvidence::default();
    for (path, bytes) in sorted {
        if !clean(path) {
            return Err(LayoutError(format!(
                "evidence path {path:?} is not a clean relative path (no leading `/`, no `.`, \
                 `..` or empty parts, `/` as the separator)"
            )));
        }
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["oci", "index.json"] => out.evidence.oci_index = Some(bytes.clone()),
            // The OCI layout marker: part of the layout, nothing in it for verdict to read.
            ["oci", "oci-layout"] => {}
            ["oci", "blobs", alg, hex] => out
                .evidence
                .blobs
                .push((format!("{alg}:{hex}"), bytes.clone())),
            ["git", "refs"] => git.refs = Some(text(path, bytes)?),
            ["git", "objects", oid] => git.objects.push(((*oid).to_owned(), bytes.clone())),
            ["http", "content"] => out.evidence.http_content = Some(bytes.clone()),
            ["http", "checksum"] => {
                out.evidence.http_checksum = Some(text(path, bytes)?.trim().to_owned());
            }
            ["image", "attestation-manifest"] => {
                out.evidence.attestation_manifest = Some(text(path, bytes)?.trim().to_owned());
            }
            ["image", "bundles", _] => out.evidence.signature_bundles.push(bytes.clone()),
            ["attestations", owner, repo, file] => {
                let repo = format!("{owner}/{repo}");
                out.attestation_repos.insert(repo.to_ascii_lowercase());
                if file.ends_with(".jsonl") {
                    out.attestations
                        .extend(lines(bytes).map(|line| Attestation {
                            repo: repo.clone(),
                            bundle: line.to_vec(),
                        }));
                } else {
                    out.attestations.push(Attestation {
                        repo,
                        bundle: bytes.clone(),
                    });
                }
            }
            _ => {
                return Err(LayoutError(format!(
                    "evidence file `{path}` is not part of the evidence layout (docs/evidence.md): \
                     {PARTS}"
                )));
            }
        }
    }
    out.evidence.git = git;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(paths: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        paths
            .iter()
            .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn every_part_of_the_layout_is_read() {
        let files = listing(&[
            ("oci/index.json", "{}"),
            ("oci/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"),
            ("oci/blobs/sha256/ab", "blob"),
            ("git/refs", "x\trefs/heads/main\n"),
            ("git/objects/0123", "obj"),
            ("http/content", "bytes"),
            ("http/checksum", " sha256:00 \n"),
            ("image/attestation-manifest", "ff\n"),
            ("image/bundles/b.json", "B"),
            ("image/bundles/a.json", "A"),
            ("attestations/o/r/x.jsonl", "one\n\n two \n"),
            ("attestations/o/r/y.json", "three"),
        ]);
        let l = read(&files).unwrap();
        let e = &l.evidence;
        assert_eq!(e.oci_index.as_deref(), Some(&b"{}"[..]));
        assert_eq!(e.blobs, vec![("sha256:ab".to_owned(), b"blob".to_vec())]);
        assert_eq!(e.git.refs.as_deref(), Some("x\trefs/heads/main\n"));
        assert_eq!(e.git.objects, vec![("0123".to_owned(), b"obj".to_vec())]);
        assert_eq!(e.http_content.as_deref(), Some(&b"bytes"[..]));
        assert_eq!(e.http_checksum.as_deref(), Some("sha256:00"));
        assert_eq!(e.attestation_manifest.as_deref(), Some("ff"));
        assert_eq!(e.signature_bundles, vec![b"A".to_vec(), b"B".to_vec()]);
        let bundles: Vec<&[u8]> = l.attestations.iter().map(|a| &a.bundle[..]).collect();
        assert_eq!(bundles, vec![&b"one"[..], b" two ", b"three"]);
        assert!(l.attestations.iter().all(|a| a.repo == "o/r"));
    }

    #[test]
    fn order_is_canonical_whatever_the_listing_order() {
        // `a-b` sorts before `a/` as strings but after `a` as a path component: path order.
        let mut files = listing(&[
            ("attestations/o/a-b/1.json", "2"),
            ("attestations/o/a/1.json", "1"),
            ("image/bundles/2.json", "y"),
            ("image/bundles/10.json", "x"),
        ]);
        let first = read(&files).unwrap();
        files.reverse();
        let second = read(&files).unwrap();
        let repos = |l: &Layout| {
            l.attestations
                .iter()
                .map(|a| a.repo.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(repos(&first), vec!["o/a", "o/a-b"]);
        assert_eq!(repos(&first), repos(&second));
        assert_eq!(
            first.evidence.signature_bundles,
            second.evidence.signature_bundles
        );
        assert_eq!(first.evidence.signature_bundles[0], b"x");
    }

    #[test]
    fn what_is_not_the_layout_is_refused_naming_the_path() {
        for (files, wants) in [
            (listing(&[("README.md", "")]), "`README.md` is not part"),
            (
                listing(&[("oci/blobs/sha256", "")]),
                "`oci/blobs/sha256` is not part",
            ),
            (
                listing(&[("git/objects/a/b", "")]),
                "`git/objects/a/b` is not part",
            ),
            (
                listing(&[("/oci/index.json", "")]),
                "not a clean relative path",
            ),
            (listing(&[("oci/../x", "")]), "not a clean relative path"),
            (
                listing(&[("./oci/index.json", "")]),
                "not a clean relative path",
            ),
            (
                listing(&[("oci//index.json", "")]),
                "not a clean relative path",
            ),
            (
                listing(&[("oci\\index.json", "")]),
                "not a clean relative path",
            ),
            (
                listing(&[("http/content", "a"), ("http/content", "b")]),
                "listed twice",
            ),
        ] {
            let e = read(&files).unwrap_err();
            assert!(e.0.contains(wants), "{files:?}: {e}");
        }
        let e = read(&[("git/refs".to_owned(), vec![0xff])]).unwrap_err();
        assert!(e.0.contains("`git/refs` is not UTF-8"), "{e}");
    }
}
