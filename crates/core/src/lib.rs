//! # verdict-core
//!
//! The verdict pipeline as a pure function: policy sets + options (with the
//! pinned evaluation time) + input → [`Verdict`], with its canonical record
//! and hash; and Sigstore bundle verification ([`verify`]), the same
//! verifier in every host.
//!
//! This crate owns the verdict: the decision, the deny messages, the
//! `print()` output, the error, and the **canonical verdict record**, RFC
//! 8785 (JCS) JSON covering all of those plus the digests of the policy
//! modules and the input, the evaluation time, the query and the engine
//! version. The **verdict hash** is the SHA-256 of that record, so a verdict
//! can be compared across hosts and replayed. It does no I/O and reads no
//! clock: every host (the native library, the wasm component, the browser
//! build) gets byte-identical records from the same request.
//!
//! ```
//! use verdict_core::{Decision, Engine, Module, Options};
//!
//! let policy = Module {
//!     path: "Dockerfile.rego".into(),
//!     source: "package docker\ndefault allow := false\ndecision := {\"allow\": allow}".into(),
//! };
//! let options = Options { query: None, now_ns: 0 };
//! let engine = Engine::new(vec![vec![policy]], options).unwrap();
//! let verdict = engine.evaluate("{}");
//! assert_eq!(verdict.decision, Decision::Deny);
//! assert!(verdict.hash.starts_with("sha256:"));
//! ```

#![forbid(unsafe_code)]

mod check;
mod evidence;
pub mod jcs;
mod signatures;
pub mod verify;

pub use check::{
    Attestation, CheckRequest, CheckResolver, Checked, build_input, check, check_with_coverage,
};
pub use verdict_input::git::GitEvidence;
pub use verdict_input::{Env, Evidence as InputEvidence};
pub use verdict_policy::tester;
/// The rules of a module as written, with the line of each condition (`verdict_policy::outline`):
/// with a verdict's coverage it says which condition an `allow` body stopped at.
pub use verdict_policy::{RuleOutline, outline};

pub use evidence::{BundleEvidence, Evidence};

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
pub use verdict_policy::{DEFAULT_QUERY, Error, ErrorCode, FileCoverage, Module, Options};
use verdict_policy::{MAX_INPUT_BYTES, Outcome, PolicyEngine};

/// Version of the canonical verdict record's schema.
pub const RECORD_VERSION: u32 = 1;

/// The engine identity recorded in every verdict (a test keeps the regorus
/// version in step with `verdict_policy::REGORUS_VERSION`).
pub const ENGINE: &str = concat!("verdict/", env!("CARGO_PKG_VERSION"), " regorus/", "0.14.1");

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
            code: e.code(),
            message: e.to_string(),
        }
    }
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
    /// The canonical record (JCS JSON).
    pub canonical_json: String,
    /// `sha256:` + hex SHA-256 of `canonical_json`.
    pub hash: String,
    /// Line coverage of the policy modules over this evaluation, when asked for
    /// ([`Engine::with_coverage`], [`evaluate_with_coverage`], [`check::check_with_coverage`]);
    /// else empty. Not part of the canonical record: it describes the evaluation, not the
    /// decision.
    pub coverage: Vec<FileCoverage>,
}

/// What a verdict is about: recorded by digest in the canonical record.
#[derive(Debug, Clone)]
struct Subject {
    policies: Json,
    query: String,
    now_ns: i64,
}

impl Subject {
    fn new(sets: &[Vec<Module>], options: &Options) -> Self {
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
            now_ns: options.now_ns,
        }
    }

    fn verdict(&self, input: &InputDigest, parts: Parts) -> Verdict {
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
            coverage,
        } = parts;
        let decided_by = decided_by.and_then(|i| u32::try_from(i).ok());
        let mut record = json!({
            "version": RECORD_VERSION,
            "engine": ENGINE,
            "decision": decision.as_str(),
            "messages": messages,
            "prints": prints,
            "policies": self.policies,
            "query": self.query,
            "evaluationTime": {
                "ns": self.now_ns.to_string(),
                "rfc3339": rfc3339(self.now_ns),
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
    /// More record fields (the request of a check).
    extra: serde_json::Map<String, Json>,
    /// Files the policy asked for that the request did not carry.
    missing_files: Vec<String>,
    /// Line coverage, when the engine records it.
    coverage: Vec<FileCoverage>,
}

impl Parts {
    /// The parts of a policy evaluation (no evidence, no extra record fields).
    fn evaluated(evaluation: verdict_policy::Evaluation) -> Parts {
        let (decision, messages, error, pin) = outcome_parts(evaluation.outcome);
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
            coverage: evaluation.coverage,
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
            coverage: Vec::new(),
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

/// Compiled policy sets plus what their verdicts record.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: PolicyEngine,
    subject: Subject,
}

impl Engine {
    /// Compiles the policy sets once.
    pub fn new(sets: Vec<Vec<Module>>, options: Options) -> Result<Engine, Error> {
        let policy = PolicyEngine::new(&sets, &options)?;
        Ok(Engine {
            policy,
            subject: Subject::new(&sets, &options),
        })
    }

    /// The same engine, recording line coverage in every verdict ([`Verdict::coverage`]) when
    /// `on`.
    pub fn with_coverage(mut self, on: bool) -> Engine {
        self.policy = self.policy.with_coverage(on);
        self
    }

    /// Evaluates one JSON input document.
    pub fn evaluate(&self, input: &str) -> Verdict {
        self.evaluate_inner(input, None)
    }

    /// Evaluates one JSON input document (an object) with Sigstore bundles as evidence: the
    /// verified ones become `input.signatures` (see [`Evidence`]).
    pub fn evaluate_with_evidence(&self, input: &str, evidence: &Evidence) -> Verdict {
        self.evaluate_inner(input, Some(evidence))
    }

    fn evaluate_inner(&self, input: &str, evidence: Option<&Evidence>) -> Verdict {
        let (parsed, digest) = parse_input(input);
        let mut value = match parsed {
            Ok(value) => value,
            Err(e) => {
                return self.subject.verdict(&digest, Parts::error((&e).into()));
            }
        };
        let mut record = None;
        let mut facts = None;
        if let Some(evidence) = evidence {
            let Json::Object(map) = &mut value else {
                let e =
                    Error::MalformedInput("an input with evidence must be a JSON object".into());
                return self.subject.verdict(&digest, Parts::error((&e).into()));
            };
            let verified = evidence::verify_all(evidence);
            facts = Some(evidence::bind_input(map, &verified));
            record = Some(verified.record);
        }
        let mut parts = Parts::evaluated(self.policy.evaluate(&value));
        parts.evidence = record;
        if let Some(facts) = facts {
            parts.extra.insert("facts".into(), facts.to_json());
        }
        self.subject.verdict(&digest, parts)
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

/// Compiles and evaluates in one call; a compile failure is an error verdict.
pub fn evaluate(sets: Vec<Vec<Module>>, options: Options, input: &str) -> Verdict {
    evaluate_once(sets, options, input, None, false)
}

/// [`evaluate`], recording line coverage in the verdict ([`Verdict::coverage`]); the
/// canonical record and hash are [`evaluate`]'s.
pub fn evaluate_with_coverage(sets: Vec<Vec<Module>>, options: Options, input: &str) -> Verdict {
    evaluate_once(sets, options, input, None, true)
}

/// Compiles and evaluates in one call with Sigstore bundles as evidence (see [`Evidence`]).
pub fn evaluate_with_evidence(
    sets: Vec<Vec<Module>>,
    options: Options,
    input: &str,
    evidence: &Evidence,
) -> Verdict {
    evaluate_once(sets, options, input, Some(evidence), false)
}

/// [`evaluate_with_evidence`], recording line coverage in the verdict ([`Verdict::coverage`]);
/// the canonical record and hash are [`evaluate_with_evidence`]'s.
pub fn evaluate_with_evidence_and_coverage(
    sets: Vec<Vec<Module>>,
    options: Options,
    input: &str,
    evidence: &Evidence,
) -> Verdict {
    evaluate_once(sets, options, input, Some(evidence), true)
}

/// Compiles and evaluates once; a compile failure is an error verdict with the same record.
fn evaluate_once(
    sets: Vec<Vec<Module>>,
    options: Options,
    input: &str,
    evidence: Option<&Evidence>,
    coverage: bool,
) -> Verdict {
    let subject = Subject::new(&sets, &options);
    match PolicyEngine::new(&sets, &options) {
        Ok(policy) => Engine {
            policy: policy.with_coverage(coverage),
            subject,
        }
        .evaluate_inner(input, evidence),
        Err(e) => {
            let (_, digest) = parse_input(input);
            subject.verdict(&digest, Parts::error((&e).into()))
        }
    }
}

/// The canonical verdict for a failure decided outside the engine (a host
/// limit), so every host renders it identically.
pub fn error_verdict(
    sets: &[Vec<Module>],
    options: &Options,
    input: &str,
    error: VerdictError,
) -> Verdict {
    let (_, digest) = parse_input(input);
    Subject::new(sets, options).verdict(&digest, Parts::error(error))
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
        let options = Options {
            query: None,
            now_ns: 0,
        };
        let input = r#"{"ok": true}"#;
        let plain = evaluate(sets.clone(), options.clone(), input);
        let covered = evaluate_with_coverage(sets, options, input);
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
