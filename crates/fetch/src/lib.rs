//! # verdict-fetch
//!
//! Online evidence for `verdict check docker-image://REF`: what Buildx fetches itself, fetched
//! from the image's registry into the evidence layout the component reads (docs/evidence.md),
//! so a fetched check and a check of the same files from a directory are the same check.
//!
//! The rule that makes this safe is the offline one: the host only *fetches*. Every manifest,
//! config, provenance layer and bundle is re-hashed and verified inside the component; the tag →
//! digest binding the registry answers is recorded as asserted, as the layout's `index.json`
//! binding is. A registry that lies can therefore withhold evidence (the policy denies) but not
//! make the component accept bytes other than the ones a digest names. This crate checks digests
//! too, so that a wrong byte is a clear error here and never enters the cache.
//!
//! What is fetched for an image (Buildx's chain, model §6.1): the root (by the reference's digest,
//! else by its tag); for an index, the platform's manifest (the component's own matcher picks
//! it) and its config, and the attestation manifest the index names for it with its SLSA
//! provenance layers; the signature manifests that refer to the attestation manifest (the
//! registry's referrers API, or the `sha256-<hex>` tag when the registry has none), keeping only
//! those whose `subject` is that attestation manifest, each with its first layer (the bundle).
//!
//! Modules: [`client`] (one registry: HTTP, auth challenges, retries, caps, digests), [`auth`]
//! (Docker's `config.json`: `auths`, `credsStore`, `credHelpers`), [`cache`] (blobs by digest),
//! [`image`] (the walk and the layout), [`git`] (git sources with the git CLI), and the running
//! of helper programs under the deadline (`process`).

pub mod auth;
pub mod cache;
pub mod client;
pub mod git;
pub mod github;
pub mod image;
mod process;

use std::path::PathBuf;
use std::time::Duration;

use verdict_input::Source;
use verdict_input::git_url::GitSource;
use verdict_input::reference::Reference;

/// What a source's evidence is fetched from.
enum Target {
    /// An image on its registry.
    Image(Reference),
    /// A git repository.
    Git(GitSource),
    /// An HTTP download.
    Http(String),
}

/// What verdict fetches for `source`; `None` for a local source, an image reference with no
/// registry, or a source that does not parse (the component names what is wrong with it).
fn target(source: &str) -> Option<Target> {
    match verdict_input::source::parse(source).ok()? {
        Source::Image(r) if !r.domain.is_empty() => Some(Target::Image(r)),
        Source::Git(git) => Some(Target::Git(git)),
        Source::Http(http) => Some(Target::Http(http.url)),
        _ => None,
    }
}

/// Whether verdict fetches evidence for `source` (an image, a git repository, an HTTP download).
pub fn fetches(source: &str) -> bool {
    target(source).is_some()
}

/// Fetches the evidence of `source` (`platform` for an image) in the evidence layout;
/// `Ok(None)` when verdict fetches nothing for it ([`fetches`]).
pub fn fetch(
    source: &str,
    platform: &str,
    options: &Options,
) -> Result<Option<Fetched>, FetchError> {
    match target(source) {
        Some(Target::Image(reference)) => image::fetch_image(&reference, platform, options),
        Some(Target::Git(git)) => git::fetch_git(&git, options).map(Some),
        Some(Target::Http(url)) => download(&url, options).map(Some),
        None => Ok(None),
    }
}

/// `GET url` (no credentials), capped at `cap`: the body, or `None` for a 404 or 403 (how TUF
/// repositories on object stores say a file is not there).
pub fn http_get(url: &str, cap: u64, options: &Options) -> Result<Option<Vec<u8>>, FetchError> {
    let mut client = client::Registry::anonymous(options)?;
    match client.get_url(url, "*/*", cap, url, true) {
        Ok(r) if r.status.is_success() => Ok(Some(r.body)),
        Ok(_) => Ok(None),
        Err(e) if e.code() == FetchCode::AuthFailed => Ok(None),
        Err(e) => Err(e),
    }
}

/// The version of a TUF root, and whether its repository uses consistent snapshots (version-
/// and hash-prefixed file names): what to fetch next; nothing is trusted by reading it.
pub fn tuf_root_version(root: &[u8]) -> Option<(u64, bool)> {
    let json: serde_json::Value = serde_json::from_slice(root).ok()?;
    let signed = &json["signed"];
    Some((
        signed["version"].as_u64()?,
        signed["consistent_snapshot"].as_bool().unwrap_or(false),
    ))
}

/// The version of `file` a TUF timestamp or snapshot names (`snapshot.json`, `targets.json`).
pub fn tuf_named_version(metadata: &[u8], file: &str) -> Option<u64> {
    let json: serde_json::Value = serde_json::from_slice(metadata).ok()?;
    json["signed"]["meta"][file]["version"].as_u64()
}

/// A target's SHA-256 as TUF targets metadata lists it (the consistent-snapshot file name is
/// `<hex>.<name>`).
pub fn tuf_target_sha256(targets: &[u8], name: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(targets).ok()?;
    json["signed"]["targets"][name]["hashes"]["sha256"]
        .as_str()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// An HTTP source's content (`http/content`: the component computes its checksum).
fn download(url: &str, options: &Options) -> Result<Fetched, FetchError> {
    let mut client = client::Registry::anonymous(options)?;
    let response = client.get_url(url, "*/*", options.max_blob, "the HTTP source", false)?;
    if options.progress {
        eprintln!("  fetched {url} ({} bytes)", response.body.len());
    }
    Ok(Fetched {
        files: vec![("http/content".to_owned(), response.body)],
        stats: client.stats,
    })
}

verdict_codes::error_codes! {
    /// Why evidence could not be fetched.
    pub enum FetchCode {
        /// The registry could not be reached (DNS, connection refused, TLS).
        Unreachable = "unreachable",
        /// No answer within the timeout.
        Timeout = "timeout",
        /// The registry answered a status other than the one the protocol expects, after
        /// retries.
        HttpStatus = "http-status",
        /// The tag, manifest or blob does not exist.
        NotFound = "not-found",
        /// The registry refused the credentials, or its token service failed.
        AuthFailed = "auth-failed",
        /// A credential helper failed or answered something that is not a credential.
        CredentialHelper = "credential-helper",
        /// The bytes received do not hash to the digest that names them.
        DigestMismatch = "digest-mismatch",
        /// The connection ended before the whole body arrived.
        Truncated = "truncated",
        /// A blob over its cap, or a check over its total.
        TooLarge = "too-large",
        /// A manifest or index that is not what the protocol says it is.
        MalformedResponse = "malformed-response",
        /// A source verdict cannot fetch (yet), or a reference with no registry.
        Unsupported = "unsupported",
    }
}

verdict_codes::coded_error! {
    /// A fetch that failed: its stable code and what happened (the URL or digest named).
    pub struct FetchError(FetchCode);
}

/// The most bytes one manifest, index or referrers listing may have (distribution's own limit
/// on a manifest is 4 MiB).
pub const MAX_MANIFEST: u64 = 4 << 20;

/// The most bytes one blob may have (the evidence directory's per-file cap).
pub const MAX_BLOB: u64 = 64 << 20;

/// The most bytes one check fetches, all requests together (the evidence directory's total).
pub const MAX_TOTAL: u64 = 256 << 20;

/// The most signature manifests read for one attestation manifest (a registry could list
/// thousands; the component uses the first that verifies).
pub const MAX_REFERRERS: usize = 16;

/// How a check fetches.
#[derive(Debug, Clone)]
pub struct Options {
    /// Registries (`host` or `host:port`) spoken to over plain HTTP instead of HTTPS.
    pub insecure: Vec<String>,
    /// Each request's deadline (connect, send, the whole body).
    pub timeout: Duration,
    /// How many times a failed request is tried again (connection failures, timeouts, 429 and
    /// 5xx), with back-off doubling from [`Options::backoff`].
    pub retries: u32,
    /// The first back-off.
    pub backoff: Duration,
    /// The cap on one blob.
    pub max_blob: u64,
    /// The cap on one manifest.
    pub max_manifest: u64,
    /// The cap on a whole check.
    pub max_total: u64,
    /// The blob cache (`None`: no cache).
    pub cache: Option<PathBuf>,
    /// Docker's client configuration (`None`: `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`, when it exists).
    pub docker_config: Option<PathBuf>,
    /// One line per request on standard error.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            insecure: Vec::new(),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_blob: MAX_BLOB,
            max_manifest: MAX_MANIFEST,
            max_total: MAX_TOTAL,
            cache: None,
            docker_config: None,
            progress: false,
        }
    }
}

/// What a fetch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent (retries and auth round trips included).
    pub requests: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Blobs served from the cache.
    pub cached: u64,
    /// Their bytes.
    pub cached_bytes: u64,
}

/// Evidence fetched for a source: a file listing in the evidence layout (paths relative to an
/// evidence directory, `/`-separated), and what fetching it took.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The files, as `--evidence DIR` would list them.
    pub files: Vec<(String, Vec<u8>)>,
    /// Requests, bytes, cache hits.
    pub stats: Stats,
}

/// `sha256:<hex>` or `sha512:<hex>` of `bytes`, as `digest` names its algorithm; `None` for
/// another algorithm.
pub fn digest_as(digest: &str, bytes: &[u8]) -> Option<String> {
    use sha2::Digest as _;
    let (alg, _) = digest.split_once(':')?;
    let hex = match alg {
        "sha256" => hex(&sha2::Sha256::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        _ => return None,
    };
    Some(format!("{alg}:{hex}"))
}

/// Whether `digest` is `sha256:` + 64 or `sha512:` + 128 lowercase hex digits (a name safe to
/// put in a path or a URL).
pub fn is_digest(digest: &str) -> bool {
    let Some((alg, hex)) = digest.split_once(':') else {
        return false;
    };
    let len = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `bytes` are what `digest` names.
pub(crate) fn check_digest(digest: &str, bytes: &[u8], what: &str) -> Result<(), FetchError> {
    match digest_as(digest, bytes) {
        Some(actual) if actual == digest => Ok(()),
        Some(actual) => Err(FetchError::new(
            FetchCode::DigestMismatch,
            format!("{what}: the registry sent bytes hashing to {actual}, not {digest}"),
        )),
        None => Err(FetchError::new(
            FetchCode::MalformedResponse,
            format!("{what}: {digest} is not a sha256 or sha512 digest"),
        )),
    }
}
