//! `verdict trust-root update|show`: the Sigstore trusted root kept fresh through TUF, and the
//! root `check` and `verify` use when no `--trusted-root` is given.
//!
//! The runner fetches (the root chain `N+1.root.json`…, `timestamp.json`, the snapshot and
//! targets they name, the `trusted_root.json` target); the component verifies
//! (`update-trust-root`: TUF §5.3–5.7, `verdict_verify::tuf`). The verified files are kept under
//! the cache directory's `tuf/<repository>/`; a later update starts from them (rollback checks),
//! and every use verifies the whole chain again **from the starting root** (the embedded
//! public-good TUF root) at the current time, so a tampered cache or metadata past its expiry
//! is not used: the check falls back to the embedded trusted root and says so.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use verdict_host::verify::{PUBLIC_GOOD_TUF_ROOT, TufUpdate, TufUpdated, VerifyFailure};
use verdict_host::{Runner, cache};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::clock::now_ns;
use super::sandbox::SandboxArgs;

/// The public-good TUF repository.
pub(crate) const PUBLIC_GOOD: &str = "https://tuf-repo-cdn.sigstore.dev";

/// The target the trusted root is.
const TARGET: &str = "trusted_root.json";

/// The most root rotations one update follows.
#[cfg(feature = "online")]
const MAX_ROOT_ROTATIONS: u64 = 64;

/// The largest metadata file or target read.
const MAX_FILE: u64 = 8 << 20;

/// The largest root read (Sigstore's is 6 KB; at most 64 of them per update).
#[cfg(feature = "online")]
const MAX_ROOT: u64 = 1 << 20;

/// `verdict trust-root`.
#[derive(Debug, Args)]
pub(crate) struct TrustRootArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Fetch the newest trusted root through TUF and keep it (verified in
    /// the sandbox: root rotations, signature thresholds, rollback, expiry,
    /// hashes). The previous verified root stays in use when an update is
    /// refused.
    Update(UpdateArgs),
    /// Print the trusted root `check` and `verify` use without
    /// `--trusted-root`: its digest and where it came from.
    Show(ShowArgs),
}

/// Which repository.
#[derive(Debug, Args)]
struct RepositoryArgs {
    /// The TUF repository (default: `$VERDICT_TUF_REPOSITORY`, else
    /// Sigstore's public-good repository).
    #[arg(long, value_name = "URL")]
    repository: Option<String>,
    /// The TUF root to start from, for a repository other than the
    /// public-good one (default: `$VERDICT_TUF_ROOT`; never kept in the
    /// cache; the public-good repository always starts from the embedded
    /// root).
    #[arg(long, value_name = "FILE")]
    root: Option<PathBuf>,
    /// The time of the check (RFC 3339). Defaults to the current time.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

#[derive(Debug, Args)]
#[cfg_attr(
    not(feature = "online"),
    allow(dead_code, reason = "the flags are kept where nothing is fetched")
)]
struct UpdateArgs {
    #[command(flatten)]
    repository: RepositoryArgs,
    /// The deadline of each request, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    fetch_timeout: u64,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

#[derive(Debug, Args)]
struct ShowArgs {
    #[command(flatten)]
    repository: RepositoryArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// Runs `verdict trust-root`.
pub(crate) fn run(args: TrustRootArgs) -> Result<u8> {
    match args.action {
        Action::Update(a) => update(&a),
        Action::Show(a) => show(&a),
    }
}

/// The repository named by the flag, the environment, or the public-good one.
fn repository(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| {
            std::env::var("VERDICT_TUF_REPOSITORY")
                .ok()
                .filter(|r| !r.is_empty())
        })
        .unwrap_or_else(|| PUBLIC_GOOD.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// A repository's verified files under the cache directory.
struct State {
    dir: PathBuf,
}

impl State {
    /// The state of `repository`: a directory named by the SHA-256 of its URL (two URLs never
    /// share one).
    fn of(repository: &str) -> Option<State> {
        use sha2::Digest as _;
        let key: String = sha2::Sha256::digest(repository.as_bytes())[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(State {
            dir: cache::default_dir()?.join("tuf").join(key),
        })
    }

    fn read(&self, name: &str) -> Option<Vec<u8>> {
        let path = self.dir.join(name);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        (meta.is_file() && meta.len() <= MAX_FILE)
            .then(|| std::fs::read(&path).ok())
            .flatten()
    }

    /// The roots after the starting one, in version order.
    fn chain(&self) -> Vec<Vec<u8>> {
        let mut versions: Vec<u64> = std::fs::read_dir(self.dir.join("roots"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".root.json")?
                    .parse()
                    .ok()
            })
            .collect();
        versions.sort_unstable();
        versions
            .into_iter()
            .filter_map(|v| self.read(&format!("roots/{v}.root.json")))
            .collect()
    }

    /// Writes every file of a verified update (each written to a new temporary file, never
    /// through a symlink, then renamed into place).
    #[cfg(feature = "online")]
    fn write(&self, new_roots: &[Vec<u8>], files: &[(&str, &[u8])]) -> Result<()> {
        std::fs::create_dir_all(self.dir.join("roots"))
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let put = |name: &str, bytes: &[u8]| -> Result<()> {
            let path = self.dir.join(name);
            let tmp = self
                .dir
                .join(format!(".tmp-{}-{}", std::process::id(), now_ns(None)?));
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            std::io::Write::write_all(&mut file, bytes)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(())
        };
        for root in new_roots {
            let (version, _) = verdict_fetch::tuf_root_version(root).unwrap_or_default();
            put(&format!("roots/{version}.root.json"), root)?;
        }
        for (name, bytes) in files {
            put(name, bytes)?;
        }
        Ok(())
    }
}

/// The root a repository's chain starts from: the embedded public-good TUF root; for another
/// repository the one `--root` (or `$VERDICT_TUF_ROOT`) names — never one from the cache, which
/// whoever can write the cache directory could replace.
fn start_root(repository: &str, root: Option<&Path>) -> Result<Vec<u8>> {
    if repository == PUBLIC_GOOD {
        if root.is_some() {
            bail!("--root: the public-good repository starts from the embedded TUF root");
        }
        return Ok(PUBLIC_GOOD_TUF_ROOT.to_vec());
    }
    let from_env = std::env::var_os("VERDICT_TUF_ROOT")
        .filter(|r| !r.is_empty())
        .map(PathBuf::from);
    match root.map(Path::to_owned).or(from_env) {
        Some(path) => super::files::read(&path, "TUF root"),
        None => bail!(
            "{repository}: no TUF root to start from: give --root FILE (or $VERDICT_TUF_ROOT) for a repository other than {PUBLIC_GOOD}"
        ),
    }
}

fn message(failure: &VerifyFailure) -> String {
    format!("{}: {}", failure.code(), failure.message())
}

/// `verdict trust-root update` in a runner built without fetching.
#[cfg(not(feature = "online"))]
fn update(_: &UpdateArgs) -> Result<u8> {
    bail!(
        "this verdict was built without fetching (cargo feature `online`): `cargo build -p \
         verdict-host` builds the runner that updates the trusted root; `verdict trust-root show` \
         says which root is in use"
    )
}

#[cfg(feature = "online")]
fn update(args: &UpdateArgs) -> Result<u8> {
    use std::time::Duration;

    let runner = args.sandbox.runner()?;
    let repository = repository(args.repository.repository.as_deref());
    let state = State::of(&repository)
        .context("no cache directory ($VERDICT_CACHE_DIR, $XDG_CACHE_HOME or $HOME)")?;
    let start = start_root(&repository, args.repository.root.as_deref())?;
    let chain = state.chain();
    let latest = chain.last().cloned().unwrap_or_else(|| start.clone());
    let options = verdict_fetch::Options {
        timeout: Duration::from_secs(args.fetch_timeout.max(1)),
        ..verdict_fetch::Options::default()
    };
    let get = |name: &str| -> Result<Option<Vec<u8>>> {
        Ok(verdict_fetch::http_get(
            &format!("{repository}/{name}"),
            MAX_FILE,
            &options,
        )?)
    };
    let require = |name: &str| -> Result<Vec<u8>> {
        get(name)?.with_context(|| format!("{repository}/{name}: not found"))
    };
    let (mut version, _) =
        verdict_fetch::tuf_root_version(&latest).context("the trusted TUF root has no version")?;
    let mut new_roots = Vec::new();
    for _ in 0..MAX_ROOT_ROTATIONS {
        let url = format!("{repository}/{}.root.json", version + 1);
        match verdict_fetch::http_get(&url, MAX_ROOT, &options)? {
            Some(root) => {
                new_roots.push(root);
                version += 1;
            }
            None => break,
        }
    }
    let consistent = verdict_fetch::tuf_root_version(new_roots.last().unwrap_or(&latest))
        .is_some_and(|(_, c)| c);
    let timestamp = require("timestamp.json")?;
    let snapshot_version = verdict_fetch::tuf_named_version(&timestamp, "snapshot.json")
        .context("the timestamp names no snapshot version")?;
    let snapshot = require(&if consistent {
        format!("{snapshot_version}.snapshot.json")
    } else {
        "snapshot.json".to_owned()
    })?;
    let targets_version = verdict_fetch::tuf_named_version(&snapshot, "targets.json")
        .context("the snapshot names no targets version")?;
    let targets = require(&if consistent {
        format!("{targets_version}.targets.json")
    } else {
        "targets.json".to_owned()
    })?;
    let target_name = match verdict_fetch::tuf_target_sha256(&targets, TARGET) {
        Some(hash) if consistent => format!("targets/{hash}.{TARGET}"),
        _ => format!("targets/{TARGET}"),
    };
    let target = require(&target_name)?;
    let all_roots: Vec<Vec<u8>> = chain.iter().chain(&new_roots).cloned().collect();
    let request = TufUpdate {
        trusted_root: start,
        trusted_timestamp: state.read("timestamp.json"),
        trusted_snapshot: state.read("snapshot.json"),
        known_roots: u32::try_from(chain.len()).unwrap_or(u32::MAX),
        new_roots: all_roots,
        timestamp: timestamp.clone(),
        snapshot: snapshot.clone(),
        targets: targets.clone(),
        target_name: TARGET.to_owned(),
        target: target.clone(),
        now_ns: now_ns(args.repository.now.as_deref())?,
    };
    match runner.update_trust_root(&request)? {
        Ok(updated) => {
            state.write(
                &new_roots,
                &[
                    ("timestamp.json", &timestamp),
                    ("snapshot.json", &snapshot),
                    ("targets.json", &targets),
                    (TARGET, &target),
                ],
            )?;
            println!(
                "updated: {repository} root v{}, trusted root {} (valid until {})",
                updated.root_version,
                updated.target_digest,
                rfc3339(updated.expires)
            );
            Ok(0)
        }
        Err(failure) => {
            eprintln!(
                "error: the update from {repository} is refused: {}\nthe previous verified trusted root stays in use",
                message(&failure)
            );
            Ok(2)
        }
    }
}

fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map_or_else(|| seconds.to_string(), |t| t.to_rfc3339())
}

/// The trusted root `check` and `verify` use without `--trusted-root`: the last update of the
/// repository (`$VERDICT_TUF_REPOSITORY`, else public-good), verified again now from its
/// starting root — with where it came from; `None` (the embedded root) when there was no update,
/// or when it no longer verifies (a note on standard error says why).
pub(crate) fn in_use(
    runner: &Runner,
    now_ns: i64,
    flag: Option<&str>,
) -> Option<(Vec<u8>, TufUpdated, String)> {
    let repository = repository(flag);
    let state = State::of(&repository)?;
    let target = state.read(TARGET)?;
    let verified = (|| -> Result<TufUpdated> {
        let start = start_root(&repository, None)?;
        let request = TufUpdate {
            trusted_root: start,
            trusted_timestamp: None,
            trusted_snapshot: None,
            known_roots: u32::MAX,
            new_roots: state.chain(),
            timestamp: state.read("timestamp.json").context("no timestamp.json")?,
            snapshot: state.read("snapshot.json").context("no snapshot.json")?,
            targets: state.read("targets.json").context("no targets.json")?,
            target_name: TARGET.to_owned(),
            target: target.clone(),
            now_ns,
        };
        runner
            .update_trust_root(&request)?
            .map_err(|f| wasmtime::Error::msg(message(&f)))
    })();
    match verified {
        Ok(updated) => Some((target, updated, repository)),
        Err(e) => {
            eprintln!(
                "note: the trusted root last updated from {repository} does not verify now ({e}); \
                 using the embedded root: run `verdict trust-root update`"
            );
            None
        }
    }
}

/// The origin recorded in a verdict for a root a TUF update of `repository` verified:
/// `tuf:<scheme>://<host>[:port]/<path>`, without user information, query or fragment (no secret
/// reaches the record, and one repository has one spelling: no trailing `/`).
pub(crate) fn origin(repository: &str) -> String {
    let (scheme, rest) = repository.split_once("://").unwrap_or(("", repository));
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = path.trim_end_matches('/');
    let mut out = format!(
        "tuf:{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    );
    if !path.is_empty() {
        out.push('/');
        out.push_str(path);
    }
    out
}

/// The note saying which trusted root a command used (standard error).
pub(crate) fn origin_note(updated: &TufUpdated, repository: &str) -> String {
    format!(
        "trusted root: {} from TUF {repository} (root v{}, valid until {})",
        updated.target_digest,
        updated.root_version,
        rfc3339(updated.expires)
    )
}

fn show(args: &ShowArgs) -> Result<u8> {
    let runner = args.sandbox.runner()?;
    let now = now_ns(args.repository.now.as_deref())?;
    match in_use(&runner, now, args.repository.repository.as_deref()) {
        Some((_, updated, repository)) => println!("{}", origin_note(&updated, &repository)),
        None => {
            let root = runner
                .trust_root_public_good()?
                .map_err(|f| wasmtime::Error::msg(message(&f)))?
                .digest()?
                .map_err(|f| wasmtime::Error::msg(message(&f)))?;
            println!(
                "trusted root: {root} embedded (Sigstore public-good; `verdict trust-root update` fetches a newer one)"
            );
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn the_origin_keeps_no_secret_and_one_spelling() {
        for (repository, want) in [
            (
                "https://tuf-repo-cdn.sigstore.dev",
                "tuf:https://tuf-repo-cdn.sigstore.dev",
            ),
            (
                "https://tuf-repo-cdn.sigstore.dev/",
                "tuf:https://tuf-repo-cdn.sigstore.dev",
            ),
            (
                "HTTPS://TUF.Example:8443/a/b/?t=secret#x",
                "tuf:https://tuf.example:8443/a/b",
            ),
            (
                "https://user:pass@tuf.example/r",
                "tuf:https://tuf.example/r",
            ),
            ("http://127.0.0.1:9999", "tuf:http://127.0.0.1:9999"),
        ] {
            assert_eq!(origin(repository), want, "{repository}");
        }
    }
}
