//! Evidence fetched online for a source checked without `--evidence` (`verdict check
//! docker-image://REF`): the flags that control it, the fetch, and `--save-evidence`.
//!
//! The runner only fetches (crates/fetch): the files it hands the component are the listing an
//! evidence directory would give, and the component re-hashes and verifies every one of them.
//!
//! Fetching is the cargo feature `online` (on by default). A runner built without it (`./x demo`
//! builds one: its checks read `--evidence`) keeps the flags and refuses, with a usage error
//! saying how to proceed, any check that would have fetched ([`net`]).

use std::path::{Path, PathBuf};

use clap::Args;
use verdict_host::{File, WantedEvidence};
use wasmtime::Result;
use wasmtime::error::Context as _;

/// GitHub's API (`verdict_fetch::github::API`; a test checks they agree).
const GITHUB_API: &str = "https://api.github.com";

/// How evidence is fetched when no `--evidence` is given.
#[derive(Debug, Args)]
#[cfg_attr(
    not(feature = "online"),
    allow(
        dead_code,
        reason = "the flags are kept (and ignored) where nothing is fetched"
    )
)]
pub(crate) struct FetchArgs {
    /// Never touch the network: without `--evidence`, the source is checked
    /// knowing only its name.
    #[arg(long)]
    pub(crate) offline: bool,
    /// Write the evidence fetched to DIR, in the layout `--evidence` reads
    /// (docs/evidence.md): the same check replayed from it gives the same
    /// verdict. DIR must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub(crate) save_evidence: Option<PathBuf>,
    /// Speak plain HTTP to this registry (`host` or `host:port`) instead of
    /// HTTPS. Repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    insecure: Vec<String>,
    /// Docker's client configuration for registry credentials (`auths`,
    /// `credsStore`, `credHelpers`). Default: `$DOCKER_CONFIG/config.json`,
    /// else `~/.docker/config.json`.
    #[arg(long, value_name = "FILE")]
    registry_config: Option<PathBuf>,
    /// The deadline of each request to a registry, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    fetch_timeout: u64,
    /// How many times a request that failed transiently (connection, timeout,
    /// 429, 5xx) is tried again, with back-off.
    #[arg(long, value_name = "N", default_value_t = 3)]
    fetch_retries: u32,
    /// Do not read or write the evidence cache (blobs and manifests by
    /// digest, under the cache directory's `blobs/`).
    #[arg(long)]
    no_evidence_cache: bool,
    /// Show each fetch and a summary (requests, bytes, cache hits) on
    /// standard error even when it is not a terminal.
    #[arg(long)]
    progress: bool,
    /// GitHub's API, asked for the attestations `github_attestation` wants
    /// (GitHub Enterprise Server: `https://HOST/api/v3`). A token in
    /// `GH_TOKEN` or `GITHUB_TOKEN` is sent to it over HTTPS (GitHub answers
    /// 60 requests an hour without one).
    #[arg(long, value_name = "URL", default_value = GITHUB_API)]
    github_api: String,
}

impl FetchArgs {
    /// Whether a check of `source` without `--evidence` fetches its evidence.
    pub(crate) fn fetches(&self, source: &str) -> bool {
        !self.offline && net::fetches(source)
    }

    /// Fetches the evidence a verdict says the policy wanted and the request lacks (GitHub
    /// attestations), adding it to `evidence`; whether anything was added. `tried` holds what
    /// was asked before (each is asked once, and only so many per check), and everything
    /// fetched counts against the check's byte cap.
    pub(crate) fn fetch_wanted(
        &self,
        wanted: &[WantedEvidence],
        evidence: &mut Vec<File>,
        tried: &mut std::collections::BTreeSet<(String, String)>,
    ) -> Result<bool> {
        net::fetch_wanted(self, wanted, evidence, tried)
    }

    /// Writes the evidence a check fetched to `--save-evidence DIR`, when given.
    pub(crate) fn save_fetched(&self, evidence: &[File]) -> Result<()> {
        match &self.save_evidence {
            Some(dir) => {
                save(dir, evidence).with_context(|| format!("--save-evidence {}", dir.display()))
            }
            None => Ok(()),
        }
    }

    /// Fetches `source`'s evidence for `platform`; `None` when verdict does not fetch this
    /// source. (`--save-evidence` is written after the check, with what its rounds added.)
    pub(crate) fn fetch(&self, source: &str, platform: &str) -> Result<Option<Vec<File>>> {
        if !self.fetches(source) {
            if self.save_evidence.is_some() {
                wasmtime::bail!(
                    "--save-evidence: nothing is fetched for `{source}`{}",
                    if self.offline { " with --offline" } else { "" }
                );
            }
            return Ok(None);
        }
        if let Some(dir) = &self.save_evidence {
            // Refused before anything is fetched.
            empty_or_absent(dir).with_context(|| format!("--save-evidence {}", dir.display()))?;
        }
        net::fetch(self, source, platform)
    }
}

/// Writes a listing as an evidence directory: `dir` is created (or must be empty), every path is
/// clean and relative, every directory under it is created here, and no file is overwritten.
pub(crate) fn save(dir: &Path, files: &[File]) -> Result<()> {
    empty_or_absent(dir)?;
    std::fs::create_dir_all(dir).context("cannot create the directory")?;
    let mut created = std::collections::BTreeSet::new();
    for file in files {
        let clean = !file.path.is_empty()
            && file
                .path
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
        if !clean {
            wasmtime::bail!(
                "refusing to write {:?}: not a clean relative path",
                file.path
            );
        }
        let path = dir.join(&file.path);
        // Every directory under DIR is one this call creates (`create_dir`, never an existing
        // one, never through a symlink someone placed there meanwhile).
        let parts: Vec<&str> = file.path.split('/').collect();
        let mut sub = dir.to_path_buf();
        for part in &parts[..parts.len() - 1] {
            sub.push(part);
            if created.contains(&sub) {
                continue;
            }
            std::fs::create_dir(&sub)
                .with_context(|| format!("cannot create {} (it must not exist)", sub.display()))?;
            created.insert(sub.clone());
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        std::io::Write::write_all(&mut out, &file.content)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Fails unless `dir` does not exist or is an empty directory.
fn empty_or_absent(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .context("cannot read the directory")?
            .next()
            .is_none();
        if !empty {
            wasmtime::bail!("the directory exists and is not empty");
        }
    }
    Ok(())
}

/// The verdict code and message of an error that is a fetch's failure ([`net::failure`]):
/// `None` for any other error.
pub(crate) fn failure_of(e: &wasmtime::Error) -> Option<(verdict_host::ErrorCode, String)> {
    net::failure(e)
}

/// The fetching itself, with crates/fetch (the cargo feature `online`).
#[cfg(feature = "online")]
mod net {
    use std::io::IsTerminal as _;
    use std::time::Duration;

    use verdict_fetch::{FetchCode, FetchError, Fetched};
    use verdict_host::{File, WantedEvidence, cache};
    use wasmtime::Result;

    use super::FetchArgs;

    /// Whether verdict fetches evidence for `source`.
    pub(super) fn fetches(source: &str) -> bool {
        verdict_fetch::fetches(source)
    }

    fn options(args: &FetchArgs) -> verdict_fetch::Options {
        verdict_fetch::Options {
            insecure: args.insecure.clone(),
            timeout: Duration::from_secs(args.fetch_timeout.max(1)),
            retries: args.fetch_retries,
            cache: (!args.no_evidence_cache)
                .then(cache::default_dir)
                .flatten()
                .map(|d| d.join("blobs")),
            docker_config: args.registry_config.clone(),
            progress: args.progress || std::io::stderr().is_terminal(),
            ..verdict_fetch::Options::default()
        }
    }

    /// [`FetchArgs::fetch_wanted`]: at most [`verdict_fetch::github::MAX_REPOSITORIES`]
    /// repositories per check.
    pub(super) fn fetch_wanted(
        args: &FetchArgs,
        wanted: &[WantedEvidence],
        evidence: &mut Vec<File>,
        tried: &mut std::collections::BTreeSet<(String, String)>,
    ) -> Result<bool> {
        let api = verdict_fetch::github::Api::with_token_from(&args.github_api, |k| {
            std::env::var(k).ok()
        });
        let mut added = false;
        for w in wanted {
            if !tried.insert((w.path.clone(), w.subject.clone())) {
                continue;
            }
            if tried.len() > verdict_fetch::github::MAX_REPOSITORIES {
                return Err(FetchError::new(
                    FetchCode::TooLarge,
                    format!(
                        "the policy asks for the GitHub attestations of more than {} \
                         repositories (the last: {})",
                        verdict_fetch::github::MAX_REPOSITORIES,
                        w.path
                    ),
                )
                .into());
            }
            let Some(repo) = w.path.strip_prefix("attestations/") else {
                continue;
            };
            // What this check has fetched so far counts against its cap.
            let used: u64 = evidence.iter().map(|f| f.content.len() as u64).sum();
            let mut options = options(args);
            options.max_total = options.max_total.saturating_sub(used);
            let Fetched { files, .. } =
                verdict_fetch::github::fetch_attestations(&api, repo, &w.subject, &options)?;
            for (path, content) in files {
                if evidence.iter().all(|f| f.path != path) {
                    evidence.push(File { path, content });
                    added = true;
                }
            }
        }
        Ok(added)
    }

    /// [`FetchArgs::fetch`] once it has decided to fetch.
    pub(super) fn fetch(
        args: &FetchArgs,
        source: &str,
        platform: &str,
    ) -> Result<Option<Vec<File>>> {
        let options = options(args);
        if options.progress {
            eprintln!("fetching the evidence of {source} ({platform})");
        }
        let Some(Fetched { files, stats }) = verdict_fetch::fetch(source, platform, &options)?
        else {
            return Ok(None);
        };
        if options.progress {
            eprintln!(
                "fetched {} bytes in {} requests; {} blobs ({} bytes) from the cache",
                stats.bytes, stats.requests, stats.cached, stats.cached_bytes
            );
        }
        Ok(Some(
            files
                .into_iter()
                .map(|(path, content)| File { path, content })
                .collect(),
        ))
    }

    /// The verdict code and message of a fetch that failed: bytes that are not what their
    /// digest names (or not what the protocol says) are `invalid-evidence`; a registry that
    /// could not be reached, refused or answered wrongly is `invalid-request`. The fetch's own
    /// code ends the message.
    pub(super) fn failure(e: &wasmtime::Error) -> Option<(verdict_host::ErrorCode, String)> {
        let e = e.downcast_ref::<FetchError>()?;
        let code = match e.code() {
            FetchCode::DigestMismatch
            | FetchCode::Truncated
            | FetchCode::TooLarge
            | FetchCode::MalformedResponse => verdict_host::ErrorCode::InvalidEvidence,
            _ => verdict_host::ErrorCode::InvalidRequest,
        };
        let hint = match e.code() {
            FetchCode::Unreachable => {
                "; a registry on plain HTTP needs --insecure-registry HOST; --offline checks \
                 without fetching"
            }
            FetchCode::AuthFailed => {
                "; credentials come from Docker's configuration (--registry-config)"
            }
            _ => "",
        };
        Some((
            code,
            format!(
                "evidence could not be fetched: {}{hint} ({})",
                e.message(),
                e.code()
            ),
        ))
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_default_github_api_is_the_fetchers() {
            assert_eq!(super::super::GITHUB_API, verdict_fetch::github::API);
        }
    }
}

/// A runner built without the cargo feature `online`: nothing is fetched, and a check that
/// would fetch is refused with a usage error that says what to do instead.
#[cfg(not(feature = "online"))]
mod net {
    use verdict_host::{File, WantedEvidence};
    use wasmtime::Result;

    use super::FetchArgs;

    /// Whether a runner with fetching would fetch evidence for `source`: every source but
    /// `local://` (one that does not parse is refused here too, rather than checked).
    pub(super) fn fetches(source: &str) -> bool {
        !source.starts_with("local://")
    }

    /// Never reached: nothing was fetched, so nothing more is.
    pub(super) fn fetch_wanted(
        _: &FetchArgs,
        _: &[WantedEvidence],
        _: &mut Vec<File>,
        _: &mut std::collections::BTreeSet<(String, String)>,
    ) -> Result<bool> {
        Ok(false)
    }

    pub(super) fn fetch(_: &FetchArgs, source: &str, _: &str) -> Result<Option<Vec<File>>> {
        wasmtime::bail!(
            "this verdict was built without fetching (cargo feature `online`), and `{source}` has \
             no --evidence: give --evidence DIR (the layout of docs/evidence.md), or --offline to \
             check it knowing only its name; `cargo build -p verdict-host` builds the runner that \
             fetches"
        )
    }

    pub(super) fn failure(_: &wasmtime::Error) -> Option<(verdict_host::ErrorCode, String)> {
        None
    }
}
