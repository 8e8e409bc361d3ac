//! `check`: a source with its evidence, checked against policy sets as Buildx checks it.
//!
//! The pipeline, all inside the pure core (and so inside the component):
//!
//! 1. the caps pass (BX `CheckCaps`): every set but the built-in default policy is evaluated
//!    with the source-less input (`env.capsRequest`); a failure there is the verdict;
//! 2. the input Buildx would build for the source (`verdict-input`): evidence re-hashed,
//!    references followed, the attestation-manifest signature verified against the trusted root;
//! 3. the sets evaluated against it with Buildx's custom functions, whose files, signatures and
//!    attestations come from the request and are verified here ([`CheckResolver`]).
//!
//! The verdict records the request (source, platform, env, the digests of every file and
//! attestation), the facts the input rests on (verified / asserted / failed), the input's digest,
//! whether `exec.proxy` was asked for, and the files a policy asked for that were not supplied.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};
use verdict_input::{Built, Env, Evidence as InputEvidence, Request};
use verdict_policy::{Check, GitObject, Resolver};
use verdict_verify::{Artifact, Identity, Policy, TrustMaterial};

use crate::layout::Attestation;
use crate::{Decision, Engine, Error, InputDigest, Parts, Verdict, VerdictError, jcs, sha256};

/// One source to check, and everything Buildx would have fetched for it (WIT `check-request`).
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// The source identifier; `None` checks only the caps pass.
    pub source: Option<String>,
    /// The platform of an image source (`None` = `linux/amd64`).
    pub platform: Option<String>,
    /// The build settings.
    pub env: Env,
    /// The evidence directory as a file listing: paths relative to it and their bytes, in any
    /// order ([`crate::layout`]).
    pub evidence: Vec<(String, Vec<u8>)>,
    /// Build-context files for `load_json`, key and signature files, bundle files, by the name
    /// the policy gives them.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl CheckRequest {
    /// The bytes of the evidence and context files the request carries (their contents).
    pub fn bytes(&self) -> usize {
        self.evidence
            .iter()
            .map(|(_, b)| b.len())
            .chain(self.files.values().map(Vec::len))
            .fold(0, usize::saturating_add)
    }
}

/// A request with its evidence listing read ([`crate::layout::read`]).
#[derive(Debug, Clone, Default)]
struct Resolved {
    source: Option<String>,
    platform: Option<String>,
    env: Env,
    evidence: InputEvidence,
    attestations: Vec<Attestation>,
    attestation_repos: BTreeSet<String>,
    files: BTreeMap<String, Vec<u8>>,
}

impl Resolved {
    fn of(request: &CheckRequest) -> Result<Resolved, VerdictError> {
        let layout = crate::layout::read(&request.evidence).map_err(|e| VerdictError {
            code: crate::ErrorCode::InvalidEvidence,
            message: format!("invalid evidence: {e}"),
        })?;
        Ok(Resolved {
            source: request.source.clone(),
            platform: request.platform.clone(),
            env: request.env.clone(),
            evidence: layout.evidence,
            attestations: layout.attestations,
            attestation_repos: layout.attestation_repos,
            files: request.files.clone(),
        })
    }
}

/// A checked source: the verdict and, when it could be built, the input.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The verdict.
    pub verdict: Verdict,
    /// The input document evaluated.
    pub input: Option<Json>,
}

/// Builds the input `request` describes (`verdict eval --print`), with its facts.
pub fn build_input(
    request: &CheckRequest,
    trust: &TrustMaterial,
) -> Result<(Json, Vec<crate::Fact>), VerdictError> {
    let request = Resolved::of(request)?;
    let built = build(&request, trust).map_err(|e| VerdictError::from(&e))?;
    Ok((built.input, crate::facts_of(&built.facts.to_json())))
}

fn build(request: &Resolved, trust: &TrustMaterial) -> Result<Built, verdict_input::Error> {
    verdict_input::build(&Request {
        source: request.source.as_deref(),
        platform: request.platform.as_deref(),
        env: &request.env,
        evidence: &request.evidence,
        trust,
    })
}

impl Engine {
    /// Checks one source (see the module docs) at `options.now_ns`. A policy that did not
    /// compile, or an evidence listing that does not read, is an error verdict that still
    /// records the request.
    pub fn check(
        &self,
        request: &CheckRequest,
        trust: &TrustMaterial,
        options: &crate::Options,
    ) -> Checked {
        let now_ns = options.now_ns;
        let unchecked = |error: VerdictError, record: Json| {
            let mut parts = Parts::error(error);
            parts.extra.insert("request".into(), record);
            Checked {
                verdict: self.subject.verdict(
                    &digest_of(&json!({"source": request.source})),
                    now_ns,
                    parts,
                ),
                input: None,
            }
        };
        let resolved = match Resolved::of(request) {
            Ok(resolved) => resolved,
            Err(e) => return unchecked(e, unread_record(request, trust)),
        };
        let policy = match &self.policy {
            Ok(policy) => policy,
            Err(e) => return unchecked(e.into(), request_record(&resolved, trust)),
        };
        if let Some(e) = options.limits.over_input(request.bytes()) {
            return unchecked((&e).into(), request_record(&resolved, trust));
        }
        self.check_resolved(policy, &resolved, trust, options)
    }

    fn check_resolved(
        &self,
        policy: &verdict_policy::PolicyEngine,
        request: &Resolved,
        trust: &TrustMaterial,
        options: &crate::Options,
    ) -> Checked {
        let now_ns = options.now_ns;
        let steps = options.limits.steps();
        let mut extra = Map::new();
        extra.insert("request".into(), request_record(request, trust));
        let fail = |error: VerdictError, digest: &InputDigest, extra: Map<String, Json>, set| {
            let mut parts = Parts::error(error);
            parts.extra = extra;
            parts.decided_by = set;
            self.subject.verdict(digest, now_ns, parts)
        };
        let resolver = Arc::new(CheckResolver::new(request, trust, None, now_ns));
        let caps_input = verdict_input::build(&Request {
            source: None,
            platform: None,
            env: &request.env,
            evidence: &request.evidence,
            trust,
        })
        .map(|b| b.input)
        .unwrap_or_else(|_| json!({}));
        match policy.caps_at(&caps_input, &self.skip_caps, resolver, now_ns, &steps) {
            Ok(exec_proxy) => {
                extra.insert("caps".into(), json!({"exec.proxy": exec_proxy}));
            }
            Err((set, e)) => {
                // A limit that stopped the caps pass stays a limit (the same code as anywhere).
                let e = match e {
                    Error::LimitExceeded(m) => {
                        Error::LimitExceeded(format!("failed to evaluate policy caps: {m}"))
                    }
                    e => Error::EvaluationFailed(format!("failed to evaluate policy caps: {e}")),
                };
                let digest = digest_of(&caps_input);
                return Checked {
                    verdict: fail((&e).into(), &digest, extra, Some(set)),
                    input: Some(caps_input),
                };
            }
        }
        if request.source.is_none() {
            let digest = digest_of(&caps_input);
            let mut parts = Parts::error(VerdictError {
                code: crate::ErrorCode::InvalidRequest,
                message: String::new(),
            });
            parts.decision = Decision::Allow;
            parts.error = None;
            parts.extra = extra;
            return Checked {
                verdict: self.subject.verdict(&digest, now_ns, parts),
                input: Some(caps_input),
            };
        }
        // Buildx re-evaluates a converted source (BuildKit `solver/llbsolver/policy.go`: CONVERT
        // rewrites the identifier and evaluates again), so a pin is only the verdict when the
        // pinned source is allowed too; a later deny still denies.
        let mut current = request.clone();
        let mut conversions: Vec<String> = Vec::new();
        for round in 0..MAX_CONVERSIONS {
            let built = match build(&current, trust) {
                Ok(b) => b,
                Err(e) => {
                    let digest = digest_of(&json!({"source": current.source}));
                    if !conversions.is_empty() {
                        extra.insert("conversions".into(), json!(conversions));
                    }
                    return Checked {
                        verdict: fail(VerdictError::from(&e), &digest, extra, None),
                        input: None,
                    };
                }
            };
            let digest = digest_of(&built.input);
            let resolver = Arc::new(CheckResolver::new(&current, trust, Some(&built), now_ns));
            let mut parts = Parts::evaluated(policy.evaluate_at(
                &built.input,
                resolver,
                now_ns,
                options.coverage,
                &steps,
            ));
            if parts.decision == Decision::Convert
                && round + 1 < MAX_CONVERSIONS
                && let (Some(pin), Some(verdict_input::Source::Image(reference))) =
                    (&parts.pin, &built.source)
                && let Ok(pinned) = reference.clone().with_digest(pin)
            {
                let pinned = format!("docker-image://{pinned}");
                conversions.push(pinned.clone());
                current.source = Some(pinned);
                continue;
            }
            if parts.decision == Decision::Allow
                && let Some(last) = conversions.last()
            {
                parts.decision = Decision::Convert;
                parts.pin = last.rsplit_once('@').map(|(_, d)| d.to_owned());
            }
            extra.insert("facts".into(), built.facts.to_json());
            parts.signers = crate::signers_of(&built.input);
            if !conversions.is_empty() {
                extra.insert("conversions".into(), json!(conversions));
            }
            parts.extra = extra;
            return Checked {
                verdict: self.subject.verdict(&digest, now_ns, parts),
                input: Some(built.input),
            };
        }
        let e = Error::EvaluationFailed(format!(
            "the source was converted {MAX_CONVERSIONS} times without a decision"
        ));
        extra.insert("conversions".into(), json!(conversions));
        Checked {
            verdict: fail(
                (&e).into(),
                &digest_of(&json!({"source": request.source})),
                extra,
                None,
            ),
            input: None,
        }
    }
}

/// Buildx's limit on policy rounds for one source.
const MAX_CONVERSIONS: usize = 10;

fn digest_of(input: &Json) -> InputDigest {
    InputDigest {
        digest: sha256(jcs::to_string(input).as_bytes()),
        canonical: true,
    }
}

/// What the verdict records of a request whose evidence listing did not read: the listing by
/// digest, beside the rest.
fn unread_record(request: &CheckRequest, trust: &TrustMaterial) -> Json {
    let mut record = request_record(
        &Resolved {
            source: request.source.clone(),
            platform: request.platform.clone(),
            env: request.env.clone(),
            files: request.files.clone(),
            ..Resolved::default()
        },
        trust,
    );
    if let Json::Object(r) = &mut record {
        r.insert(
            "evidence".into(),
            json!({"listing": listing_digest(&request.evidence)}),
        );
    }
    record
}

/// What the verdict records of a request: everything it depends on, by value or digest.
fn request_record(request: &Resolved, trust: &TrustMaterial) -> Json {
    let mut r = Map::new();
    if let Some(s) = &request.source {
        r.insert("source".into(), json!(s));
    }
    if let Some(p) = &request.platform {
        r.insert("platform".into(), json!(p));
    }
    if let Some(env) = request.env.to_json(0, false) {
        r.insert("env".into(), env);
    }
    let files: BTreeMap<&String, String> =
        request.files.iter().map(|(k, v)| (k, sha256(v))).collect();
    if !files.is_empty() {
        r.insert("files".into(), json!(files));
    }
    if !request.attestations.is_empty() {
        let list: Vec<Json> = request
            .attestations
            .iter()
            .map(|a| json!({"repo": a.repo, "bundle": sha256(&a.bundle)}))
            .collect();
        r.insert("attestations".into(), Json::Array(list));
    }
    let e = &request.evidence;
    let mut ev = Map::new();
    if !e.blobs.is_empty() {
        ev.insert("blobs".into(), listing_digest(&e.blobs));
    }
    if let Some(index) = &e.oci_index {
        ev.insert("ociIndex".into(), json!(sha256(index)));
    }
    if let Some(refs) = &e.git.refs {
        ev.insert("gitRefs".into(), json!(sha256(refs.as_bytes())));
    }
    if !e.git.objects.is_empty() {
        ev.insert("gitObjects".into(), listing_digest(&e.git.objects));
    }
    if let Some(c) = &e.http_content {
        ev.insert("httpContent".into(), json!(sha256(c)));
    }
    if let Some(c) = &e.http_checksum {
        ev.insert("httpChecksum".into(), json!(c));
    }
    if let Some(d) = &e.attestation_manifest {
        ev.insert("attestationManifest".into(), json!(d));
    }
    if !e.signature_bundles.is_empty() {
        let digests: Vec<String> = e.signature_bundles.iter().map(|b| sha256(b)).collect();
        ev.insert("signatureBundles".into(), json!(digests));
    }
    if !ev.is_empty() {
        r.insert("evidence".into(), Json::Object(ev));
    }
    r.insert("trustRoot".into(), json!(trust.digest()));
    r.insert("trustRootOrigin".into(), json!(trust.origin()));
    Json::Object(r)
}

/// Binds a listing of named files by digest, whatever order a host listed them in: the SHA-256 of
/// the RFC 8785 JSON of `[[name, sha256(content)], …]` sorted by name then content digest, with
/// the count beside it. Every byte of every file reaches the verdict hash, referenced or not.
fn listing_digest(files: &[(String, Vec<u8>)]) -> Json {
    let mut listing: Vec<(&str, String)> = files
        .iter()
        .map(|(name, content)| (name.as_str(), sha256(content)))
        .collect();
    listing.sort();
    json!({"count": listing.len(), "digest": sha256(jcs::to_string(&json!(listing)).as_bytes())})
}

/// The custom functions' view of a check request: its files, its attestations, its git objects
/// and HTTP content, verified with the request's trusted root.
#[derive(Debug)]
pub struct CheckResolver {
    files: BTreeMap<String, Arc<[u8]>>,
    trust: TrustMaterial,
    attestations: Vec<Attestation>,
    attestation_repos: BTreeSet<String>,
    commit: Option<Vec<u8>>,
    tag: Option<Vec<u8>>,
    http_content: Option<Vec<u8>>,
    now_unix: i64,
}

impl CheckResolver {
    fn new(request: &Resolved, trust: &TrustMaterial, built: Option<&Built>, now_ns: i64) -> Self {
        CheckResolver {
            files: request
                .files
                .iter()
                .map(|(k, v)| (k.clone(), Arc::from(v.as_slice())))
                .collect(),
            trust: trust.clone(),
            attestations: request.attestations.clone(),
            attestation_repos: request.attestation_repos.clone(),
            commit: built.and_then(|b| b.git_objects.0.clone()),
            tag: built.and_then(|b| b.git_objects.1.clone()),
            http_content: request.evidence.http_content.clone(),
            now_unix: now_ns.div_euclid(1_000_000_000),
        }
    }

    /// Verifies `bundle` over `checksum`, requiring an SLSA provenance statement.
    fn verify_slsa_bundle(&self, bundle: &[u8], checksum: &str, v1_only: bool) -> Option<Json> {
        let (algorithm, digest) = verdict_input::image::split_digest(checksum)?;
        let policy = Policy::new(Identity::AnyCertificate);
        let artifact = Artifact::Digest {
            algorithm,
            digest: &digest,
        };
        let verified = verdict_verify::verify(&self.trust, bundle, artifact, &policy).ok()?;
        let predicate = verified.statement.as_ref()?.predicate_type.as_str();
        if !verdict_input::provenance::is_slsa(predicate)
            || (v1_only && predicate != verdict_input::provenance::SLSA_V1)
        {
            return None;
        }
        Some(verdict_input::signature::attestation_signature(&verified))
    }
}

impl Resolver for CheckResolver {
    /// A file by the name the policy gave, else by its cleaned form (Go `path.Clean`, as
    /// Buildx's policy file system resolves names): the host may key files either way.
    fn file(&self, path: &str) -> Option<Arc<[u8]>> {
        self.files
            .get(path)
            .or_else(|| {
                let cleaned = verdict_input::http_url::path_clean(path);
                self.files.get(&cleaned).or_else(|| {
                    self.files
                        .iter()
                        .find(|(k, _)| verdict_input::http_url::path_clean(k) == cleaned)
                        .map(|(_, v)| v)
                })
            })
            .cloned()
    }

    fn verify_artifact(&self, bundle: &[u8], checksum: &str) -> Option<Json> {
        self.verify_slsa_bundle(bundle, checksum, false)
    }

    /// Buildx asks GitHub for `predicate_type=https://slsa.dev/provenance/v1` attestations
    /// only (BX `policy/funcs.go`), so only SLSA v1 statements count here.
    fn github_attestation(&self, repo: &str, checksum: &str) -> Option<Json> {
        self.attestations
            .iter()
            .filter(|a| a.repo.eq_ignore_ascii_case(repo))
            .find_map(|a| self.verify_slsa_bundle(&a.bundle, checksum, true))
    }

    fn attestations_listed(&self, repo: &str) -> bool {
        self.attestation_repos.contains(&repo.to_ascii_lowercase())
    }

    fn verify_git_signature(&self, object: GitObject, key: &[u8]) -> Check {
        let content = match object {
            GitObject::Commit => self.commit.as_deref(),
            GitObject::Tag => self.tag.as_deref(),
        };
        let Some(content) = content else {
            return Check::Unusable;
        };
        crate::signatures::verify_git(content, key, self.now_unix)
    }

    fn has_http_content(&self) -> bool {
        self.http_content.is_some()
    }

    fn verify_http_pgp_signature(&self, signature: &[u8], key: &[u8]) -> Check {
        match &self.http_content {
            Some(content) => crate::signatures::verify_pgp_detached(content, signature, key),
            None => Check::Unusable,
        }
    }
}
