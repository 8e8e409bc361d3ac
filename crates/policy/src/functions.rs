//! Buildx's custom Rego functions (model §5.1, BX `policy/funcs.go`), with Buildx's semantics:
//! a check that fails makes the call **undefined**, never an evaluation error.
//!
//! | function | result |
//! |---|---|
//! | `load_json(path)` | the JSON value of a build-context file (≤ 4 MiB); missing or invalid → undefined |
//! | `verify_git_signature(obj, keyfile)` | `false` for a non-git source or without objects; `obj` must be `input.git.commit` or `input.git.tag` (else undefined); key file ≤ 128 KiB; verified → `true`, not verified → undefined |
//! | `verify_http_pgp_signature(http, sigfile, keyfile)` | `false` for a non-http source or without the content; `http` must be `input.http`; files ≤ 512 KiB; bad signature → `false`; unusable files → undefined |
//! | `pin_image(image, digest)` | `false` for a non-image source; `image` must be `input.image` and `digest` a digest; `true`, and a digest other than the checksum is recorded as a pin (an allow becomes a convert) |
//! | `artifact_attestation(http, bundlefile)` | the verified signature (the shape of `input.image.signatures[i]`) of a Sigstore bundle file (≤ 8 MiB) over `input.http.checksum`; any failure → undefined |
//! | `github_attestation(http, "owner/repo")` | the first host-supplied GitHub attestation bundle of that repository over `input.http.checksum` that verifies; none → undefined (and, when the request lists no attestations of that repository at all, the repository and digest are recorded as wanted evidence: a host that fetches asks GitHub and checks again) |
//!
//! The cryptography is not this crate's: the host of the evaluation supplies it through
//! [`Resolver`] (verdict-core implements it with the verifier and the git / OpenPGP crates), so
//! this crate keeps Buildx's argument rules, size caps and undefined-on-failure semantics in one
//! place. A file over its cap is not undefined but a request error: the verdict names it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use regorus::{Engine, Value};

use crate::Error;

/// Size cap of `load_json` files (BX `policy/funcs.go`).
pub const MAX_JSON_FILE: usize = 4 << 20;
/// Size cap of `verify_git_signature` key files.
pub const MAX_GIT_KEY_FILE: usize = 128 << 10;
/// Size cap of `verify_http_pgp_signature` signature and key files.
pub const MAX_PGP_FILE: usize = 512 << 10;
/// Size cap of `artifact_attestation` bundle files.
pub const MAX_BUNDLE_FILE: usize = 8 << 20;

/// Which git object a signature check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitObject {
    /// `input.git.commit`.
    Commit,
    /// `input.git.tag`.
    Tag,
}

/// The outcome of a check the resolver performs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The check passed.
    Verified,
    /// The signature does not verify.
    Failed,
    /// The check cannot be made with what was given (unparsable key, unsupported algorithm,
    /// missing data).
    Unusable,
}

/// What the custom functions need from the host of an evaluation: files of the build context
/// and the cryptographic checks. Every method is a pure function of the request the host was
/// given; none may do I/O.
pub trait Resolver: Send + Sync {
    /// A file of the build context by the path the policy gave (`cwd://` kept as written);
    /// `None` when the request does not carry it.
    fn file(&self, path: &str) -> Option<Arc<[u8]>>;
    /// Verifies a Sigstore bundle over `checksum` (`sha256:<hex>`), requiring SLSA provenance,
    /// and returns the signature object, or `None`.
    fn verify_artifact(&self, bundle: &[u8], checksum: &str) -> Option<serde_json::Value>;
    /// The first GitHub attestation of `repo` over `checksum` that verifies.
    fn github_attestation(&self, repo: &str, checksum: &str) -> Option<serde_json::Value>;
    /// Whether the request lists GitHub attestations of `repo` (case-insensitive), possibly
    /// none: when it does not, `github_attestation` records them as wanted evidence. A resolver
    /// without an evidence listing asks for nothing (the default).
    fn attestations_listed(&self, _repo: &str) -> bool {
        true
    }
    /// Verifies the signature embedded in the source's git object with the key file (an
    /// armored OpenPGP keyring or SSH public keys).
    fn verify_git_signature(&self, object: GitObject, key: &[u8]) -> Check;
    /// Whether the source's content is available for `verify_http_pgp_signature`.
    fn has_http_content(&self) -> bool;
    /// Verifies a detached OpenPGP signature over the source's content.
    fn verify_http_pgp_signature(&self, signature: &[u8], key: &[u8]) -> Check;
}

/// A resolver with nothing: no files, nothing verifies.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {
    fn file(&self, _: &str) -> Option<Arc<[u8]>> {
        None
    }
    fn verify_artifact(&self, _: &[u8], _: &str) -> Option<serde_json::Value> {
        None
    }
    fn github_attestation(&self, _: &str, _: &str) -> Option<serde_json::Value> {
        None
    }
    fn verify_git_signature(&self, _: GitObject, _: &[u8]) -> Check {
        Check::Unusable
    }
    fn has_http_content(&self) -> bool {
        false
    }
    fn verify_http_pgp_signature(&self, _: &[u8], _: &[u8]) -> Check {
        Check::Unusable
    }
}

/// Evidence a function asked for that the request did not carry (`github_attestation`'s
/// bundles): a host that can fetch it lists it under `path` and checks again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WantedEvidence {
    /// The evidence directory to fill: `attestations/<owner>/<repo>` (docs/evidence.md).
    pub path: String,
    /// What it is about: the subject's digest, `sha256:<hex>`.
    pub subject: String,
}

/// Whether `repo` is a GitHub `owner/name` (letters, digits, `-`, `_`, `.`; not beginning or
/// ending with `.`): only such a name is asked for, so a policy's string never shapes a URL path
/// or query, nor a file name two file systems read differently.
fn is_github_repo(repo: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 100
            && !p.starts_with('.')
            && !p.ends_with('.')
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    matches!(repo.split_once('/'), Some((owner, name)) if part(owner) && part(name))
}

/// What the functions recorded during one evaluation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Effects {
    /// Digests `pin_image` recorded (distinct, other than the current checksum).
    pub pins: BTreeSet<String>,
    /// Files a function asked for that the request did not carry.
    pub missing_files: BTreeSet<String>,
    /// Evidence a function asked for that the request did not carry.
    pub missing_evidence: BTreeSet<WantedEvidence>,
    /// A request error (a file over its cap): the evaluation fails with it.
    pub error: Option<Error>,
}

/// The state of the evaluation in progress, shared by the registered closures.
pub(crate) struct Session {
    resolver: Arc<dyn Resolver>,
    input: Value,
    json_files: BTreeMap<String, Value>,
    effects: Effects,
}

/// The slot the closures of one compiled set read their session from.
pub(crate) type Slot = Arc<Mutex<Option<Session>>>;

/// Runs `f` with a session installed in `slot`; returns its result and the effects.
pub(crate) fn with_session<T>(
    slot: &Slot,
    resolver: Arc<dyn Resolver>,
    input: &Value,
    f: impl FnOnce() -> T,
) -> (T, Effects) {
    let session = Session {
        resolver,
        input: input.clone(),
        json_files: BTreeMap::new(),
        effects: Effects::default(),
    };
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(session);
    let out = f();
    let effects = slot
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .map(|s| s.effects)
        .unwrap_or_default();
    (out, effects)
}

/// The names of the custom functions, as policies call them.
pub const NAMES: &[&str] = &[
    "load_json",
    "verify_git_signature",
    "verify_http_pgp_signature",
    "pin_image",
    "artifact_attestation",
    "github_attestation",
];

/// Registers the custom functions on `engine`, reading sessions from `slot`.
pub(crate) fn register(engine: &mut Engine, slot: &Slot) -> Result<(), String> {
    add(engine, slot, "load_json", 1, load_json)?;
    add(
        engine,
        slot,
        "verify_git_signature",
        2,
        verify_git_signature,
    )?;
    add(
        engine,
        slot,
        "verify_http_pgp_signature",
        3,
        verify_http_pgp_signature,
    )?;
    add(engine, slot, "pin_image", 2, pin_image)?;
    add(
        engine,
        slot,
        "artifact_attestation",
        2,
        artifact_attestation,
    )?;
    add(engine, slot, "github_attestation", 2, github_attestation)?;
    Ok(())
}

fn add(
    engine: &mut Engine,
    slot: &Slot,
    name: &str,
    nargs: u8,
    f: fn(&mut Session, &[Value]) -> Value,
) -> Result<(), String> {
    let slot = Arc::clone(slot);
    engine
        .add_extension(
            name.to_owned(),
            nargs,
            Box::new(move |args: Vec<Value>| {
                let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(match guard.as_mut() {
                    Some(session) => f(session, &args),
                    None => Value::Undefined,
                })
            }),
        )
        .map_err(|e| format!("registering {name}: {e}"))
}

impl Session {
    fn source(&self, kind: &str) -> Option<&Value> {
        match &self.input {
            Value::Object(map) => map.get(&Value::from(kind)),
            _ => None,
        }
    }

    /// Reads a file for `function`, enforcing its cap. `None` = undefined.
    fn read(&mut self, function: &str, path: &Value, cap: usize) -> Option<Arc<[u8]>> {
        let Value::String(path) = path else {
            return None;
        };
        let Some(bytes) = self.resolver.file(path) else {
            self.effects.missing_files.insert(path.to_string());
            return None;
        };
        if bytes.len() > cap {
            self.effects
                .error
                .get_or_insert(Error::InvalidRequest(format!(
                    "{function}: file `{path}` is {} bytes, over the {cap}-byte limit",
                    bytes.len()
                )));
            return None;
        }
        Some(bytes)
    }

    fn checksum(&self, kind: &str) -> Option<String> {
        match self.source(kind)? {
            Value::Object(map) => match map.get(&Value::from("checksum"))? {
                Value::String(s) => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        }
    }
}

fn load_json(session: &mut Session, args: &[Value]) -> Value {
    let [path] = args else {
        return Value::Undefined;
    };
    if let Value::String(p) = path
        && let Some(v) = session.json_files.get(p.as_ref())
    {
        return v.clone();
    }
    let Some(bytes) = session.read("load_json", path, MAX_JSON_FILE) else {
        return Value::Undefined;
    };
    let value = serde_json::from_slice::<serde_json::Value>(&bytes)
        .map(Value::from)
        .unwrap_or(Value::Undefined);
    if let Value::String(p) = path {
        session.json_files.insert(p.to_string(), value.clone());
    }
    value
}

fn verify_git_signature(session: &mut Session, args: &[Value]) -> Value {
    let [object, keyfile] = args else {
        return Value::Undefined;
    };
    let Some(git) = session.source("git") else {
        return Value::from(false);
    };
    let field = |name: &str| match git {
        Value::Object(map) => map.get(&Value::from(name)).cloned(),
        _ => None,
    };
    let (commit, tag) = (field("commit"), field("tag"));
    if commit.is_none() && tag.is_none() {
        return Value::from(false);
    }
    let which = if tag.as_ref() == Some(object) {
        GitObject::Tag
    } else if commit.as_ref() == Some(object) {
        GitObject::Commit
    } else {
        return Value::Undefined;
    };
    let Some(key) = session.read("verify_git_signature", keyfile, MAX_GIT_KEY_FILE) else {
        return Value::Undefined;
    };
    match session.resolver.verify_git_signature(which, &key) {
        Check::Verified => Value::from(true),
        Check::Failed | Check::Unusable => Value::Undefined,
    }
}

fn verify_http_pgp_signature(session: &mut Session, args: &[Value]) -> Value {
    let [http, sigfile, keyfile] = args else {
        return Value::Undefined;
    };
    let Some(current) = session.source("http") else {
        return Value::from(false);
    };
    if current != http {
        return Value::Undefined;
    }
    if !session.resolver.has_http_content() {
        return Value::from(false);
    }
    let Some(signature) = session.read("verify_http_pgp_signature", sigfile, MAX_PGP_FILE) else {
        return Value::Undefined;
    };
    let Some(key) = session.read("verify_http_pgp_signature", keyfile, MAX_PGP_FILE) else {
        return Value::Undefined;
    };
    match session.resolver.verify_http_pgp_signature(&signature, &key) {
        Check::Verified => Value::from(true),
        Check::Failed => Value::from(false),
        Check::Unusable => Value::Undefined,
    }
}

/// `<algorithm>:<lowercase hex>` with a known algorithm and its length.
pub fn is_digest(s: &str) -> bool {
    let Some((alg, hex)) = s.split_once(':') else {
        return false;
    };
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn pin_image(session: &mut Session, args: &[Value]) -> Value {
    let [image, digest] = args else {
        return Value::Undefined;
    };
    let Some(current) = session.source("image") else {
        return Value::from(false);
    };
    if current != image {
        return Value::Undefined;
    }
    let Value::String(digest) = digest else {
        return Value::Undefined;
    };
    if !is_digest(digest) {
        return Value::Undefined;
    }
    if session.checksum("image").as_deref() != Some(digest.as_ref()) {
        session.effects.pins.insert(digest.to_string());
    }
    Value::from(true)
}

fn artifact_attestation(session: &mut Session, args: &[Value]) -> Value {
    let [http, bundlefile] = args else {
        return Value::Undefined;
    };
    if session.source("http") != Some(http) {
        return Value::Undefined;
    }
    let Some(checksum) = session.checksum("http") else {
        return Value::Undefined;
    };
    let Some(bundle) = session.read("artifact_attestation", bundlefile, MAX_BUNDLE_FILE) else {
        return Value::Undefined;
    };
    session
        .resolver
        .verify_artifact(&bundle, &checksum)
        .map_or(Value::Undefined, Value::from)
}

fn github_attestation(session: &mut Session, args: &[Value]) -> Value {
    let [http, repo] = args else {
        return Value::Undefined;
    };
    if session.source("http") != Some(http) {
        return Value::Undefined;
    }
    let (Some(checksum), Value::String(repo)) = (session.checksum("http"), repo) else {
        return Value::Undefined;
    };
    if !session.resolver.attestations_listed(repo) {
        let sha256 = checksum.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        });
        if is_github_repo(repo) && sha256 {
            // GitHub's names are case-insensitive: one repository is asked for once, under one
            // directory, however policies spell it.
            session.effects.missing_evidence.insert(WantedEvidence {
                path: format!("attestations/{}", repo.to_ascii_lowercase()),
                subject: checksum,
            });
        }
        return Value::Undefined;
    }
    session
        .resolver
        .github_attestation(repo, &checksum)
        .map_or(Value::Undefined, Value::from)
}
