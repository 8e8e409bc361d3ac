//! # verdict-core
//!
//! The verdict pipeline as pure functions, in the shape of the WIT contract (`wit/world.wit`):
//! policy sets are compiled once into an [`Engine`] ([`EngineOptions`]: the query, Buildx's
//! default policy); each call — [`Engine::evaluate`] for an input document,
//! [`Engine::evaluate_with_evidence`] with Sigstore bundles, [`Engine::check`] for a source and
//! its evidence — takes its own [`Options`] (the evaluation time, coverage) and returns a typed
//! [`Verdict`]. Sigstore bundle verification ([`verify`]) is the same verifier in every host.
//!
//! This crate owns the verdict: the decision, the deny messages, the `print()` output, the
//! error, the facts the input rests on, and the **canonical verdict record**, RFC 8785 (JCS)
//! JSON covering all of those plus the digests of the policy modules and the input, the
//! evaluation time, the query and the engine version. The **verdict hash** is the SHA-256 of
//! that record, so a verdict can be compared across hosts and replayed. It does no I/O and reads
//! no clock: every host (the native library, the wasm component, the browser build) gets
//! byte-identical records from the same request. What every host needs besides — the evidence
//! directory's layout ([`layout`]) — is here too, so no host re-implements it.
//!
//! ```
//! use verdict_core::{Decision, Engine, EngineOptions, Module, Options};
//!
//! let policy = Module {
//!     path: "Dockerfile.rego".into(),
//!     source: "package docker\ndefault allow := false\ndecision := {\"allow\": allow}".into(),
//! };
//! let engine = Engine::new(vec![vec![policy]], &EngineOptions::default());
//! let verdict = engine.evaluate("{}", &Options::at(0));
//! assert_eq!(verdict.decision, Decision::Deny);
//! assert!(verdict.hash.starts_with("sha256:"));
//! ```

#![forbid(unsafe_code)]

mod check;
mod codes;
mod evidence;
pub mod jcs;
pub mod layout;
pub mod policy_flags;
mod signatures;
pub mod verify;

pub use check::{CheckRequest, CheckResolver, Checked, build_input};
pub use layout::Attestation;
pub use verdict_input::git::GitEvidence;
pub use verdict_input::image::decode_hex;
pub use verdict_input::{Env, Evidence as InputEvidence};
/// The rules of a module as written, with the line of each condition (`verdict_policy::outline`):
/// with a verdict's coverage it says which condition an `allow` body stopped at.
pub use verdict_policy::{RuleOutline, outline};
pub use verdict_policy::{explain, tester};

pub use evidence::{BundleEvidence, Evidence};

pub use codes::ErrorCode;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
pub use verdict_policy::{DEFAULT_QUERY, Error, FileCoverage, Module, WantedEvidence};
use verdict_policy::{MAX_INPUT_BYTES, Outcome, PolicyEngine};

/// Version of the canonical verdict record's schema.
pub const RECORD_VERSION: u32 = 1;

/// The engine identity recorded in every verdict (a test keeps the regorus
/// version in step with `verdict_policy::REGORUS_VERSION`).
pub const ENGINE: &str = concat!("verdict/", env!("CARGO_PKG_VERSION"), " regorus/", "0.14.1");

/// How policy sets are compiled, once per [`Engine`] (WIT `engine-options`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// The query; `None` means `data.docker.decision`.
    pub query: Option<String>,
    /// Prepend Buildx's built-in default policy as its own set (`BUILDX_DEFAULT_POLICY=1`):
    /// set 0, skipped by the caps pass of [`Engine::check`].
    pub default_policy: bool,
}

/// Options of one call (WIT `options`): what may differ between calls of one [`Engine`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// The evaluation time, nanoseconds since the Unix epoch (UTC): what `time.now_ns()`
    /// returns, recorded in the verdict.
    pub now_ns: i64,
    /// Record line coverage in [`Verdict::coverage`] (`opa eval --coverage`). It describes
    /// the evaluation, not the decision: the canonical record and hash are the same either way.
    pub coverage: bool,
    /// Limits the engine enforces itself (see [`Limits`]).
    pub limits: Limits,
}

impl Options {
    /// At `now_ns`, without coverage or limits.
    pub const fn at(now_ns: i64) -> Options {
        Options {
            now_ns,
            coverage: false,
            limits: Limits {
                max_steps: None,
                max_input_bytes: None,
            },
        }
    }
}

/// Limits of one call that the engine enforces itself (WIT `limits`), so that a call stopped by
/// one is the same error verdict (`resource-exhausted`) in every host — with fuel or without
/// (a browser, jco), on any machine. A host's own limits (fuel, memory, a deadline) still
/// apply and stay the host's: they stop a call at a point that may differ between hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Evaluation steps the call may take, over every policy set it evaluates (and the caps
    /// pass and conversion rounds of a check): regorus's units of work, one per expression,
    /// query, loop iteration and rule evaluated. Counted, not timed: the same policies and
    /// input stop at the same step everywhere. `None`: no limit.
    pub max_steps: Option<u64>,
    /// The most bytes the call is given: the input document's text (`evaluate`), with the
    /// bundles' (`evaluate_with_evidence`); the evidence and context files' contents
    /// (`check`). `None`: only the engine's fixed caps.
    pub max_input_bytes: Option<u64>,
}

impl Limits {
    /// The error for a call given `size` bytes, if that is over `max_input_bytes`.
    fn over_input(&self, size: usize) -> Option<Error> {
        let limit = usize::try_from(self.max_input_bytes?).unwrap_or(usize::MAX);
        (size > limit).then_some(Error::InputTooLarge { size, limit })
    }

    /// The step budget of one call.
    fn steps(&self) -> verdict_policy::Steps {
        verdict_policy::Steps::new(self.max_steps)
    }
}

/// Allow, deny or error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Every policy set allowed.
    Allow,
    /// A policy set denied.
    Deny,
    /// No decision could be reached.
    Error,
    /// Every set evaluated allowed and one pinned the image to a digest
    /// (`pin_image`): Buildx converts the source to `REF@DIGEST`.
    Convert,
}

impl Decision {
    /// `allow`, `deny` or `error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
            Decision::Error => "error",
            Decision::Convert => "convert",
        }
    }
}

/// An error as it appears in a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictError {
    /// The stable code.
    pub code: ErrorCode,
    /// The message.
    pub message: String,
}

impl From<&Error> for VerdictError {
    fn from(e: &Error) -> Self {
        VerdictError {
            code: e.code().into(),
            message: e.to_string(),
        }
    }
}

impl From<&verdict_input::Error> for VerdictError {
    /// An input-building failure, its message as verdicts have always spelled it.
    fn from(e: &verdict_input::Error) -> Self {
        use verdict_input::ErrorCode as C;
        let message = match e.code {
            C::MalformedSource => format!("malformed source: {}", e.message),
            C::InvalidEvidence => format!("invalid evidence: {}", e.message),
            _ => e.message.clone(),
        };
        VerdictError {
            code: e.code.into(),
            message,
        }
    }
}

/// How a field of the input came to be (WIT `fact-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactStatus {
    /// Verified inside verdict: a hash recomputed, a signature checked.
    Verified,
    /// The host's word: a binding nothing offline can prove (a tag → digest).
    Asserted,
    /// Left out, as Buildx leaves it: the evidence failed or was missing.
    Failed,
}

impl FactStatus {
    /// `verified`, `asserted` or `failed`, as the canonical record spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            FactStatus::Verified => "verified",
            FactStatus::Asserted => "asserted",
            FactStatus::Failed => "failed",
        }
    }
}

/// One fact the input rests on (WIT `fact`): the same entries the canonical record's `facts`
/// holds, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The input field, dotted (`image.signatures`).
    pub field: String,
    /// Verified, asserted or failed.
    pub status: FactStatus,
    /// How it was verified, on whose word it rests, or why it was left out.
    pub how: String,
}

/// The typed facts of a record's `facts` array (as [`verdict_input::Facts::to_json`] writes it).
fn facts_of(json: &Json) -> Vec<Fact> {
    json.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let status = match e["status"].as_str()? {
                "verified" => FactStatus::Verified,
                "asserted" => FactStatus::Asserted,
                "failed" => FactStatus::Failed,
                _ => return None,
            };
            Some(Fact {
                field: e["field"].as_str()?.to_owned(),
                status,
                how: e["how"].as_str()?.to_owned(),
            })
        })
        .collect()
}

/// A Sigstore signer the input rests on, verified inside verdict (WIT `signer`): where the input
/// shows it and the certificate's facts, named as Buildx's `SignerInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The input field (`image.signatures[0]`, `signatures[1]`).
    pub path: String,
    /// The signature's kind as Buildx classifies it (`docker-github-builder`, …), when shown.
    pub kind: Option<String>,
    /// The signer's fields (`certificateIssuer`, `subjectAlternativeName`, `buildSignerURI`, …).
    pub fields: Vec<(String, String)>,
}

/// The verified signers an input shows: `signatures[*]` and `image.signatures[*]` with a
/// `signer`. Only called on inputs whose signatures verdict verified itself (a check's, or an
/// evaluation's with evidence, where the input's own were replaced).
fn signers_of(input: &Json) -> Vec<Signer> {
    let mut out = Vec::new();
    for (path, list) in [
        ("signatures", &input["signatures"]),
        ("image.signatures", &input["image"]["signatures"]),
    ] {
        for (i, sig) in list.as_array().into_iter().flatten().enumerate() {
            let Some(signer) = sig["signer"].as_object() else {
                continue;
            };
            let fields = signer
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect();
            out.push(Signer {
                path: format!("{path}[{i}]"),
                kind: sig["kind"].as_str().map(str::to_owned),
                fields,
            });
        }
    }
    out
}

/// A verdict with its canonical record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Allow, deny or error.
    pub decision: Decision,
    /// Deny messages of the deciding set.
    pub messages: Vec<String>,
    /// `print()` output, in order.
    pub prints: Vec<String>,
    /// Set when `decision` is [`Decision::Error`].
    pub error: Option<VerdictError>,
    /// Index of the policy set that denied, converted or failed.
    pub decided_by: Option<u32>,
    /// The digest the source is pinned to, when `decision` is
    /// [`Decision::Convert`].
    pub pin: Option<String>,
    /// Files of the build context the policy asked for (`load_json`, key
    /// files, bundles) that the request did not carry: a host that can read
    /// them evaluates again with them.
    pub missing_files: Vec<String>,
    /// Evidence the policy asked for that the request did not carry (`github_attestation`'s
    /// bundles of a repository): a host that can fetch it lists it and checks again.
    pub missing_evidence: Vec<WantedEvidence>,
    /// What the input rests on (a check, or an evaluation with evidence): the canonical
    /// record's `facts`, as data. Empty for a plain evaluation.
    pub facts: Vec<Fact>,
    /// The Sigstore signers the input rests on, each verified here (a check, or an evaluation
    /// with evidence); empty for a plain evaluation, whose input is the caller's word.
    pub signers: Vec<Signer>,
    /// The canonical record (JCS JSON).
    pub canonical_json: String,
    /// `sha256:` + hex SHA-256 of `canonical_json`.
    pub hash: String,
    /// Line coverage of the policy modules over this evaluation, when [`Options::coverage`]
    /// asked for it; else empty. Not part of the canonical record: it describes the evaluation,
    /// not the decision.
    pub coverage: Vec<FileCoverage>,
}

/// What every verdict of an engine is about: recorded by digest in the canonical record.
#[derive(Debug, Clone)]
struct Subject {
    policies: Json,
    query: String,
}

impl Subject {
    fn new(sets: &[Vec<Module>], options: &EngineOptions) -> Self {
        let policies = sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|m| json!({"path": m.path, "digest": sha256(m.source.as_bytes())}))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
        Subject {
            policies: json!(policies),
            query: options
                .query
                .as_deref()
                .unwrap_or(DEFAULT_QUERY)
                .trim()
                .to_owned(),
        }
    }

    fn verdict(&self, input: &InputDigest, now_ns: i64, parts: Parts) -> Verdict {
        let Parts {
            decision,
            messages,
            prints,
            error,
            decided_by,
            evidence,
            pin,
            extra,
            missing_files,
            missing_evidence,
            coverage,
            signers,
        } = parts;
        let decided_by = decided_by.and_then(|i| u32::try_from(i).ok());
        let facts = extra.get("facts").map(facts_of).unwrap_or_default();
        let mut record = json!({
            "version": RECORD_VERSION,
            "engine": ENGINE,
            "decision": decision.as_str(),
            "messages": messages,
            "prints": prints,
            "policies": self.policies,
            "query": self.query,
            "evaluationTime": {
                "ns": now_ns.to_string(),
                "rfc3339": rfc3339(now_ns),
            },
            "input": input.digest,
        });
        if let Some(e) = &error {
            record["error"] = json!({"code": e.code.as_str(), "message": e.message});
        }
        if let Some(index) = decided_by {
            record["decidedBy"] = json!(index);
        }
        if let Some(pin) = &pin {
            record["pin"] = json!(pin);
        }
        if !input.canonical {
            record["inputDigestOf"] = json!("raw-bytes");
        }
        if let Some(evidence) = evidence {
            record["evidence"] = evidence;
        }
        if !missing_files.is_empty() {
            record["missingFiles"] = json!(missing_files);
        }
        if !missing_evidence.is_empty() {
            record["missingEvidence"] = missing_evidence
                .iter()
                .map(|w| json!({"path": w.path, "subject": w.subject}))
                .collect();
        }
        if let Json::Object(r) = &mut record {
            r.extend(extra);
        }
        let canonical_json = jcs::to_string(&record);
        let hash = sha256(canonical_json.as_bytes());
        Verdict {
            decision,
            messages,
            prints,
            error,
            decided_by,
            pin,
            missing_files,
            missing_evidence,
            facts,
            signers,
            canonical_json,
            hash,
            coverage,
        }
    }
}

/// The parts of a verdict before canonicalisation.
#[derive(Debug)]
struct Parts {
    decision: Decision,
    messages: Vec<String>,
    prints: Vec<String>,
    error: Option<VerdictError>,
    decided_by: Option<usize>,
    /// The record of the evidence supplied, if any.
    evidence: Option<Json>,
    /// The pinned digest of a convert.
    pin: Option<String>,
    /// More record fields (the request of a check, the facts).
    extra: serde_json::Map<String, Json>,
    /// Files the policy asked for that the request did not carry.
    missing_files: Vec<String>,
    /// Evidence the policy asked for that the request did not carry.
    missing_evidence: Vec<WantedEvidence>,
    /// Line coverage, when the call asked for it.
    coverage: Vec<FileCoverage>,
    /// The verified signers the input rests on.
    signers: Vec<Signer>,
}

impl Parts {
    /// The parts of a policy evaluation (no evidence, no extra record fields).
    ///
    /// An allow (or convert) reached while evidence the policy asked for was missing is not an
    /// allow: the policy consulted `github_attestation` and got "undefined" only because the
    /// request lacked the attestations, which a `not` turns into an allow Buildx (which fetches
    /// them) might not give. It is an `invalid-evidence` error naming what is missing (still
    /// listed in `missing-evidence`, so a host that fetches checks again with it). A deny stays
    /// a deny: missing evidence can only have removed reasons to allow it.
    fn evaluated(evaluation: verdict_policy::Evaluation) -> Parts {
        let (mut decision, messages, mut error, mut pin) = outcome_parts(evaluation.outcome);
        if matches!(decision, Decision::Allow | Decision::Convert)
            && !evaluation.missing_evidence.is_empty()
        {
            let wanted: Vec<String> = evaluation
                .missing_evidence
                .iter()
                .map(|w| format!("{} over {}", w.path, w.subject))
                .collect();
            decision = Decision::Error;
            pin = None;
            error = Some(VerdictError {
                code: ErrorCode::InvalidEvidence,
                message: format!(
                    "the policy allowed while evidence it asked for was missing ({}): an allow \
                     must rest on the evidence the policy consulted; supply it (a host that \
                     fetches asks GitHub for it) and check again",
                    wanted.join(", ")
                ),
            });
        }
        Parts {
            decision,
            messages,
            prints: evaluation.prints,
            error,
            decided_by: evaluation.decided_by,
            evidence: None,
            pin,
            extra: serde_json::Map::new(),
            missing_files: evaluation.missing_files,
            missing_evidence: evaluation.missing_evidence,
            coverage: evaluation.coverage,
            signers: Vec::new(),
        }
    }

    fn error(error: VerdictError) -> Parts {
        Parts {
            decision: Decision::Error,
            messages: vec![],
            prints: vec![],
            error: Some(error),
            decided_by: None,
            evidence: None,
            pin: None,
            extra: serde_json::Map::new(),
            missing_files: Vec::new(),
            missing_evidence: Vec::new(),
            coverage: Vec::new(),
            signers: Vec::new(),
        }
    }
}

/// The input's digest: of its JCS form when it parses, else of its bytes.
#[derive(Debug, Clone)]
struct InputDigest {
    digest: String,
    canonical: bool,
}

/// Parses the input document and digests it.
fn parse_input(input: &str) -> (Result<Json, Error>, InputDigest) {
    let raw = || InputDigest {
        digest: sha256(input.as_bytes()),
        canonical: false,
    };
    if input.len() > MAX_INPUT_BYTES {
        let error = Error::InputTooLarge {
            size: input.len(),
            limit: MAX_INPUT_BYTES,
        };
        return (Err(error), raw());
    }
    match serde_json::from_str::<Json>(input) {
        Ok(value) => {
            let digest = InputDigest {
                digest: sha256(jcs::to_string(&value).as_bytes()),
                canonical: true,
            };
            (Ok(value), digest)
        }
        Err(e) => (Err(Error::MalformedInput(e.to_string())), raw()),
    }
}

/// The sets an engine compiles: Buildx's default policy first when asked for.
fn all_sets(sets: Vec<Vec<Module>>, options: &EngineOptions) -> Vec<Vec<Module>> {
    if options.default_policy {
        let mut all = vec![vec![verdict_policy::default_policy()]];
        all.extend(sets);
        all
    } else {
        sets
    }
}

/// Policy sets compiled once (OPA's `PrepareForEval`), evaluated at any time with any options.
///
/// Compiling never fails outright: a policy that does not compile makes every call's verdict an
/// `error` verdict with the full canonical record (the hosts render one path), and
/// [`Engine::compile_error`] tells a host that wants to refuse early.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: Result<PolicyEngine, Error>,
    subject: Subject,
    /// Sets the caps pass skips (Buildx's default policy).
    skip_caps: Vec<usize>,
    /// The last input evaluated, parsed, digested and converted.
    last: LastInput,
}

/// An input document parsed, digested and converted for the engine: what [`Engine::evaluate`]
/// reuses when it is given the same bytes again (one host evaluating one input at several
/// times, or against several requests' options).
struct ParsedInput {
    text: Box<str>,
    parsed: Result<Json, Error>,
    digest: InputDigest,
    /// The document converted for the policy engine: on the first evaluation without evidence
    /// that gets past the input limit (never for one refused, or bound to evidence).
    converted: std::sync::OnceLock<verdict_policy::Input>,
}

/// The largest input an engine keeps parsed after its evaluation (Buildx inputs are a few KB): a
/// larger one held on to would count against the next call's memory.
const CACHED_INPUT_BYTES: usize = 64 << 10;

/// The engine's last [`ParsedInput`]: shared by nobody (a clone starts empty), taken by one
/// evaluation at a time (another thread parses for itself rather than wait).
#[derive(Default)]
struct LastInput(std::sync::Mutex<Option<std::sync::Arc<ParsedInput>>>);

impl Clone for LastInput {
    fn clone(&self) -> Self {
        LastInput::default()
    }
}

impl std::fmt::Debug for LastInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastInput")
    }
}

impl LastInput {
    /// `input` parsed, digested and converted: the last one when its bytes are the same.
    fn get(&self, input: &str) -> std::sync::Arc<ParsedInput> {
        if let Ok(last) = self.0.try_lock()
            && let Some(last) = last.as_ref()
            && *last.text == *input
        {
            return last.clone();
        }
        let (parsed, digest) = parse_input(input);
        let parsed = std::sync::Arc::new(ParsedInput {
            text: input.into(),
            parsed,
            digest,
            converted: std::sync::OnceLock::new(),
        });
        if input.len() <= CACHED_INPUT_BYTES
            && let Ok(mut last) = self.0.try_lock()
        {
            *last = Some(parsed.clone());
        }
        parsed
    }
}

impl Engine {
    /// Parses, checks and compiles the policy sets once.
    pub fn new(sets: Vec<Vec<Module>>, options: &EngineOptions) -> Engine {
        let sets = all_sets(sets, options);
        let policy = PolicyEngine::new(
            &sets,
            &verdict_policy::Options {
                query: options.query.clone(),
                now_ns: 0,
            },
        );
        Engine {
            policy,
            subject: Subject::new(&sets, options),
            skip_caps: if options.default_policy {
                vec![0]
            } else {
                vec![]
            },
            last: LastInput::default(),
        }
    }

    /// Why the policy sets did not compile, if they did not.
    pub fn compile_error(&self) -> Option<&Error> {
        self.policy.as_ref().err()
    }

    /// Evaluates one JSON input document.
    pub fn evaluate(&self, input: &str, options: &Options) -> Verdict {
        self.evaluate_inner(input, None, options)
    }

    /// Evaluates one JSON input document (an object) with Sigstore bundles as evidence: the
    /// verified ones become `input.signatures` (see [`Evidence`]).
    pub fn evaluate_with_evidence(
        &self,
        input: &str,
        evidence: &Evidence,
        options: &Options,
    ) -> Verdict {
        self.evaluate_inner(input, Some(evidence), options)
    }

    /// The canonical verdict for a failure decided outside the engine (a host limit that
    /// stopped the call), so every host renders it identically.
    pub fn error_verdict(&self, input: &str, error: VerdictError, options: &Options) -> Verdict {
        let (_, digest) = parse_input(input);
        self.subject
            .verdict(&digest, options.now_ns, Parts::error(error))
    }

    fn evaluate_inner(
        &self,
        input: &str,
        evidence: Option<&Evidence>,
        options: &Options,
    ) -> Verdict {
        let last = self.last.get(input);
        let digest = &last.digest;
        let fail = |e: &Error| {
            self.subject
                .verdict(digest, options.now_ns, Parts::error(e.into()))
        };
        let policy = match &self.policy {
            Ok(policy) => policy,
            Err(e) => return fail(e),
        };
        let given = input
            .len()
            .saturating_add(evidence.map_or(0, Evidence::bytes));
        if let Some(e) = options.limits.over_input(given) {
            return fail(&e);
        }
        let json = match &last.parsed {
            Ok(json) => json,
            Err(e) => return fail(e),
        };
        let resolver = std::sync::Arc::new(verdict_policy::NoResolver);
        let steps = options.limits.steps();
        let Some(evidence) = evidence else {
            let converted = last
                .converted
                .get_or_init(|| verdict_policy::Input::new(json));
            let evaluation = policy.evaluate_input_at(
                converted,
                resolver,
                options.now_ns,
                options.coverage,
                &steps,
            );
            return self
                .subject
                .verdict(digest, options.now_ns, Parts::evaluated(evaluation));
        };
        // Evidence binds into the document: a copy of it, converted again.
        let mut value = json.clone();
        let Json::Object(map) = &mut value else {
            return fail(&Error::MalformedInput(
                "an input with evidence must be a JSON object".into(),
            ));
        };
        let verified = evidence::verify_all(evidence);
        let facts = evidence::bind_input(map, &verified);
        let mut parts = Parts::evaluated(policy.evaluate_at(
            &value,
            resolver,
            options.now_ns,
            options.coverage,
            &steps,
        ));
        parts.evidence = Some(verified.record);
        parts.extra.insert("facts".into(), facts.to_json());
        parts.signers = signers_of(&value);
        self.subject.verdict(digest, options.now_ns, parts)
    }
}

/// The verdict parts of a policy outcome: decision, messages, error, pin.
fn outcome_parts(
    outcome: Result<Outcome, Error>,
) -> (Decision, Vec<String>, Option<VerdictError>, Option<String>) {
    match outcome {
        Ok(Outcome::Allow) => (Decision::Allow, vec![], None, None),
        Ok(Outcome::Deny(messages)) => (Decision::Deny, messages, None, None),
        Ok(Outcome::Convert(digest)) => (Decision::Convert, vec![], None, Some(digest)),
        Err(e) => (Decision::Error, vec![], Some(VerdictError::from(&e)), None),
    }
}

/// The canonical verdict for a failure decided outside the engine (a host limit), without
/// compiling: every host renders it identically, even when the policies are what stopped it.
pub fn error_verdict(
    sets: Vec<Vec<Module>>,
    engine: &EngineOptions,
    input: &str,
    error: VerdictError,
    options: &Options,
) -> Verdict {
    let (_, digest) = parse_input(input);
    Subject::new(&all_sets(sets, engine), engine).verdict(
        &digest,
        options.now_ns,
        Parts::error(error),
    )
}

/// Runs the policy tests of `tests` against `policy` (`docker buildx policy test`) at
/// `options.now_ns`; `run` keeps the tests whose name contains it.
pub fn run_tests(
    policy: &[Module],
    tests: &[Module],
    options: &Options,
    run: Option<&str>,
) -> Result<tester::TestReport, Error> {
    let compile = verdict_policy::Options {
        query: None,
        now_ns: options.now_ns,
    };
    tester::run_tests(policy, tests, &compile, run)
}

/// `sha256:` + lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// RFC 3339 UTC with nanoseconds trimmed, as Go's `RFC3339Nano`.
pub fn rfc3339(ns: i64) -> String {
    let t = chrono::DateTime::from_timestamp_nanos(ns);
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_describes_the_evaluation_and_leaves_the_record_alone() {
        let source = "package docker\n\ndefault allow := false\n\nallow if input.ok\n\nallow if {\n\tinput.other\n\tinput.never\n}\n\ndecision := {\"allow\": allow}\n";
        let sets = vec![vec![Module {
            path: "Dockerfile.rego".into(),
            source: source.into(),
        }]];
        let engine = Engine::new(sets, &EngineOptions::default());
        let input = r#"{"ok": true}"#;
        let plain = engine.evaluate(input, &Options::at(0));
        let covered = engine.evaluate(
            input,
            &Options {
                coverage: true,
                ..Options::at(0)
            },
        );
        assert!(plain.coverage.is_empty());
        assert_eq!(covered.canonical_json, plain.canonical_json);
        assert_eq!(covered.hash, plain.hash);
        assert_eq!(covered.coverage.len(), 1, "{:?}", covered.coverage);
        let file = &covered.coverage[0];
        assert_eq!(file.path, "Dockerfile.rego");
        assert!(file.covered.contains(&5), "{file:?}");
        assert!(file.covered.contains(&12), "{file:?}");
        // `input.never` is not reached: `input.other` is undefined before it.
        assert!(file.not_covered.contains(&9), "{file:?}");
        assert!(!file.covered.contains(&9), "{file:?}");
    }

    #[test]
    fn engine_names_the_regorus_version_in_use() {
        let want = format!(" regorus/{}", verdict_policy::REGORUS_VERSION);
        assert!(ENGINE.ends_with(&want), "{}", ENGINE);
    }
}
