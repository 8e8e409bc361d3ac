//! # verdict-policy
//!
//! Rego evaluation with Docker Buildx's semantics, on [regorus].
//!
//! This crate owns: compiling policy sets (Rego v1) with Buildx's builtin
//! allowlist, evaluating a query (by default `data.docker.decision`) with
//! non-strict builtin errors and captured `print()` output, verdict's own
//! deterministic builtins over a pinned clock, and parsing the decision the
//! way Buildx does. It does no I/O and reads no clock, environment or
//! entropy: the evaluation time is an argument.
//!
//! It does not build Buildx inputs, verify signatures or canonicalise
//! verdicts (that is `verdict-core`).
//!
//! ```
//! use verdict_policy::{Module, Options, Outcome, PolicyEngine};
//!
//! let policy = Module {
//!     path: "Dockerfile.rego".into(),
//!     source: r#"package docker
//! default allow := false
//! allow if input.image.repo == "alpine"
//! decision := {"allow": allow}"#
//!         .into(),
//! };
//! let engine = PolicyEngine::new(&[vec![policy]], &Options { query: None, now_ns: 0 }).unwrap();
//! let input = serde_json::json!({"image": {"repo": "alpine"}});
//! assert_eq!(engine.evaluate(&input).outcome, Ok(Outcome::Allow));
//! ```
//!
//! [regorus]: https://github.com/microsoft/regorus

#![forbid(unsafe_code)]

pub mod builtins;
mod check;
pub mod decision;
mod document;
mod engine;
mod error;
pub mod explain;
pub mod functions;
mod outline;
pub mod rewrite;
mod steps;
mod template;
pub mod tester;

pub use check::{MAX_EXPRESSION_DEPTH, MAX_NESTING};
pub use decision::Decision;
pub use engine::{
    DEFAULT_QUERY, Evaluation, HELPER_MODULE, HELPER_MODULE_PATH, Input, MAX_INPUT_BYTES,
    MAX_POLICY_BYTES, Outcome, PolicyEngine,
};
pub use error::{Error, ErrorCode};
pub use functions::{Check, GitObject, NoResolver, Resolver, WantedEvidence};
pub use outline::{RuleOutline, outline};
pub use steps::Steps;
pub use tester::{FileCoverage, TestReport, TestResult, run_tests, run_tests_with};

/// The regorus version this crate is built and tested against.
pub const REGORUS_VERSION: &str = "0.14.1";

/// One Rego source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The file name it is reported under.
    pub path: String,
    /// The Rego v1 source.
    pub source: String,
}

/// The path the built-in default policy is reported under.
pub const DEFAULT_POLICY_PATH: &str = "builtin/default.rego";

/// The Rego source of the built-in default policy (see [`default_policy`]).
pub const DEFAULT_POLICY_SOURCE: &str = include_str!("rego/default.rego");

/// verdict's built-in default policy: the decisions and deny messages of
/// Buildx's opt-in default policy (`BUILDX_DEFAULT_POLICY=1`, docker/buildx
/// `policy/default.rego`), in Rego written for verdict. Evaluate it as its
/// own policy set, ahead of the user's sets, as Buildx does.
///
/// It checks only tagged pulls of Docker-managed images and denies those
/// without a matching docker/github-builder signature
/// (`docker_github_builder_signature` of the helper module, [`HELPER_MODULE`]):
///
/// * `docker.io/docker/dockerfile` and `docker.io/docker/dockerfile-upstream`:
///   `latest`, `labs` and `master` need a signature from `moby/buildkit`;
///   version tags from 1.21 on (`1`, `1.21`, `1.21.0`, each optionally
///   `-labs`) need one whose source ref is `refs/tags/dockerfile/<version>`
///   for a version the tag selects (same major for `1`, same major and
///   minor for `1.21`, exact otherwise), `-labs` on both sides or neither;
/// * `docker.io/docker/buildkit-syft-scanner`: `latest` needs a signature
///   from `docker/buildkit-syft-scanner`; version tags from 1.10 on need
///   source ref `refs/tags/<version>` selected the same way;
/// * `docker.io/moby/buildkit`: the floating tags `latest`, `latest-ubuntu`,
///   `rootless`, `master[-rootless|-ubuntu]`, `nightly[-rootless|-ubuntu]`
///   and `buildx-stable-N[-rootless|-gpu]` need a signature from
///   `moby/buildkit`; release tags `vX.Y.Z[-rcN][-rootless|-ubuntu]` from
///   v0.27.0 on need source ref `refs/tags/vX.Y.Z[-rcN]`; other tags pass.
///
/// Digest-only references and every other source are allowed. A denied
/// image gets the one message `image <ref> is not allowed by default policy:
/// a verified docker-github-builder signature is required for <tag> tag`.
/// The truth table is `tests/cases/default-policy/cases.json`.
pub fn default_policy() -> Module {
    Module {
        path: DEFAULT_POLICY_PATH.to_owned(),
        source: DEFAULT_POLICY_SOURCE.to_owned(),
    }
}

/// How to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The query; `None` means [`DEFAULT_QUERY`].
    pub query: Option<String>,
    /// The pinned evaluation time in nanoseconds since the Unix epoch.
    pub now_ns: i64,
}
