//! A git source's evidence fetched with the `git` CLI: `git/refs` (what `git ls-remote --symref`
//! prints) and `git/objects/<oid>` for the commit and annotated tag objects the source's ref
//! names — the layout an evidence directory carries (docs/evidence.md).
//!
//! Why the git CLI and not a library: BuildKit itself shells out to `git` for git sources, so the
//! same transports, credential helpers, SSH keys and proxy settings users already have apply; and
//! a pure-Rust git client (gix) would add minutes to every build for a feature that needs two
//! commands. The remote comes from the source as the component parses it; only the `https`,
//! `http`, `ssh` and `git` transports are allowed (`protocol.allow=never` otherwise: no `ext::`,
//! no `file://`), git never prompts (`GIT_TERMINAL_PROMPT=0`), and every command has the fetch
//! deadline. The objects are fetched into a scratch bare repository with `--depth=1
//! --filter=tree:0` (the commit and tag objects, not the tree), then written raw as `git
//! cat-file` prints them; the component re-hashes each one against its id.

use std::path::{Path, PathBuf};
use std::process::Command;

use verdict_input::git_url::{GitSource, is_commit_sha};

use crate::process::{self, Finished};
use crate::{FetchCode, FetchError, Fetched, Options, Stats};

/// The most bytes `git ls-remote` may print (a repository with very many refs).
const MAX_REFS: u64 = 16 << 20;

/// How deep a chain of tags pointing to tags is followed.
const MAX_TAG_DEPTH: usize = 8;

/// Fetches the evidence of `source`.
pub fn fetch_git(source: &GitSource, options: &Options) -> Result<Fetched, FetchError> {
    let remote = &source.remote;
    let scratch = Scratch::new()?;
    let git = Git {
        options,
        scratch: scratch.path(),
    };
    let refs = git.run(
        &["ls-remote", "--symref", "--", remote],
        MAX_REFS,
        "git ls-remote",
    )?;
    let listing = std::str::from_utf8(&refs).map_err(|_| {
        FetchError::new(
            FetchCode::MalformedResponse,
            format!("git ls-remote {remote}: the listing is not UTF-8"),
        )
    })?;
    if options.progress {
        eprintln!("  fetched the refs of {remote} ({} bytes)", refs.len());
    }
    let wanted = wanted_refs(listing, source.reference.as_deref());
    let sha256 = listing
        .lines()
        .filter_map(|l| l.split('\t').next())
        .any(|oid| oid.len() == 64);
    let mut stats = Stats {
        requests: 1,
        bytes: refs.len() as u64,
        ..Stats::default()
    };
    let mut files = vec![("git/refs".to_owned(), refs)];
    if wanted.is_empty() {
        // Nothing the ref could name: the component resolves nothing and says so.
        return Ok(Fetched { files, stats });
    }
    let mut init = vec!["init", "--quiet", "--bare"];
    if sha256 {
        init.push("--object-format=sha256");
    }
    init.push(".");
    git.run(&init, 1 << 16, "git init")?;
    let mut fetch = vec![
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--depth=1",
        "--filter=tree:0",
        "--",
        remote.as_str(),
    ];
    let specs: Vec<String> = wanted.iter().map(|(_, name)| name.clone()).collect();
    fetch.extend(specs.iter().map(String::as_str));
    git.run(&fetch, 1 << 20, "git fetch")?;
    stats.requests += 1;
    stats.bytes += dir_size(&scratch.path().join("objects"));
    if stats.bytes > options.max_total {
        return Err(FetchError::new(
            FetchCode::TooLarge,
            format!(
                "git fetch {remote}: {} bytes, over the cap of {}",
                stats.bytes, options.max_total
            ),
        ));
    }
    let mut total = stats.bytes;
    let mut written = std::collections::BTreeSet::new();
    for (oid, _) in &wanted {
        let mut oid = oid.clone();
        for _ in 0..MAX_TAG_DEPTH {
            if !written.insert(oid.clone()) {
                break;
            }
            let kind = git.run(&["cat-file", "-t", &oid], 64, "git cat-file")?;
            let kind = String::from_utf8_lossy(&kind).trim().to_owned();
            if kind != "commit" && kind != "tag" {
                break;
            }
            let raw = git.run(&["cat-file", &kind, &oid], options.max_blob, "git cat-file")?;
            let next = (kind == "tag").then(|| tag_target(&raw)).flatten();
            total += raw.len() as u64;
            if total > options.max_total {
                return Err(FetchError::new(
                    FetchCode::TooLarge,
                    format!(
                        "git objects of {remote}: over {} bytes in all",
                        options.max_total
                    ),
                ));
            }
            files.push((format!("git/objects/{oid}"), raw));
            match next {
                Some(target) => oid = target,
                None => break,
            }
        }
    }
    if options.progress {
        eprintln!("  fetched {} git objects from {remote}", files.len() - 1);
    }
    Ok(Fetched { files, stats })
}

/// The refs a source's ref may resolve to (BuildKit: `refs/<ref>`, then the branch, then the
/// tag; no ref: the default branch), as `(oid, refname)`; a full commit id names itself. The
/// component makes the choice; every candidate is fetched so that it finds what it chooses.
fn wanted_refs(listing: &str, reference: Option<&str>) -> Vec<(String, String)> {
    let lines: Vec<(&str, &str)> = listing.lines().filter_map(|l| l.split_once('\t')).collect();
    let reference = match reference {
        Some(r) => r.to_owned(),
        None => match lines
            .iter()
            .find(|(oid, name)| *name == "HEAD" && oid.starts_with("ref: "))
        {
            Some((target, _)) => target.trim_start_matches("ref: ").to_owned(),
            None => "HEAD".to_owned(),
        },
    };
    if is_commit_sha(&reference) {
        return vec![(reference.clone(), reference)];
    }
    let names = if reference.starts_with("refs/") || reference == "HEAD" {
        vec![reference]
    } else {
        vec![
            format!("refs/{reference}"),
            format!("refs/heads/{reference}"),
            format!("refs/tags/{reference}"),
        ]
    };
    // One oid per name (a listing that repeats a name with other oids adds nothing).
    names
        .iter()
        .filter_map(|n| {
            lines
                .iter()
                .find(|(oid, name)| name == n && is_commit_sha(oid))
                .map(|(oid, name)| ((*oid).to_owned(), (*name).to_owned()))
        })
        .collect()
}

/// The `object` a tag object points to.
fn tag_target(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    let oid = text.lines().next()?.strip_prefix("object ")?;
    is_commit_sha(oid).then(|| oid.to_owned())
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, FetchError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "verdict-git-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir).map_err(|e| {
            FetchError::new(
                FetchCode::Unreachable,
                format!("a scratch directory for git: {e}"),
            )
        })?;
        Ok(Scratch(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Git<'a> {
    options: &'a Options,
    /// The directory git runs in (the scratch repository).
    scratch: &'a Path,
}

impl Git<'_> {
    /// Runs `git ARGS` in the scratch directory with the fetch deadline; its standard output,
    /// at most `cap` bytes.
    fn run(&self, args: &[&str], cap: u64, what: &str) -> Result<Vec<u8>, FetchError> {
        let mut command = Command::new("git");
        command
            .args([
                "-c",
                "protocol.allow=never",
                "-c",
                "protocol.https.allow=always",
                "-c",
                "protocol.http.allow=always",
                "-c",
                "protocol.ssh.allow=always",
                "-c",
                "protocol.git.allow=always",
            ])
            .args(args)
            .current_dir(self.scratch)
            .env("GIT_TERMINAL_PROMPT", "0")
            // An inherited GIT_ALLOW_PROTOCOL would override `protocol.allow`.
            .env("GIT_ALLOW_PROTOCOL", "https:http:ssh:git")
            .env("GIT_ASKPASS", "")
            .env_remove("GIT_DIR")
            // The scratch directory is the repository, or none: git never discovers one above it
            // (a repository around $TMPDIR, with its config, hooks and helpers).
            .env(
                "GIT_CEILING_DIRECTORIES",
                self.scratch.parent().unwrap_or(self.scratch),
            );
        let Finished {
            status,
            stdout: out,
            stderr: err,
        } = process::run(
            command,
            None,
            cap,
            self.options.timeout,
            what,
            FetchCode::Unsupported,
        )
        .map_err(|e| {
            if e.code() == FetchCode::Unsupported {
                e.context("install git, or pass --evidence")
            } else {
                e
            }
        })?;
        if !status.success() {
            let code = if err.contains("not found") || err.contains("does not appear to be") {
                FetchCode::NotFound
            } else if err.contains("Authentication failed")
                || err.contains("could not read Username")
            {
                FetchCode::AuthFailed
            } else {
                FetchCode::Unreachable
            };
            return Err(FetchError::new(code, format!("{what}: {status}: {err}")));
        }
        if out.len() as u64 > cap {
            return Err(FetchError::new(
                FetchCode::TooLarge,
                format!("{what}: more than {cap} bytes"),
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = "ref: refs/heads/main\tHEAD\n\
        1111111111111111111111111111111111111111\tHEAD\n\
        1111111111111111111111111111111111111111\trefs/heads/main\n\
        2222222222222222222222222222222222222222\trefs/tags/v1\n\
        1111111111111111111111111111111111111111\trefs/tags/v1^{}\n";

    #[test]
    fn the_refs_a_source_may_name() {
        assert_eq!(
            wanted_refs(LISTING, Some("v1")),
            vec![(
                "2222222222222222222222222222222222222222".to_owned(),
                "refs/tags/v1".to_owned()
            )]
        );
        assert_eq!(
            wanted_refs(LISTING, None),
            vec![(
                "1111111111111111111111111111111111111111".to_owned(),
                "refs/heads/main".to_owned()
            )]
        );
        assert!(wanted_refs(LISTING, Some("nope")).is_empty());
        // A name listed again with other oids: the first one only.
        let repeated = format!(
            "{LISTING}4444444444444444444444444444444444444444\trefs/tags/v1\n\
             5555555555555555555555555555555555555555\trefs/tags/v1\n"
        );
        assert_eq!(wanted_refs(&repeated, Some("v1")).len(), 1);
        let sha = "3333333333333333333333333333333333333333";
        assert_eq!(
            wanted_refs(LISTING, Some(sha)),
            vec![(sha.to_owned(), sha.to_owned())]
        );
    }
}
