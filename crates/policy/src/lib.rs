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
mod engine;
mod error;
pub mod functions;
pub mod tester;

pub use decision::Decision;
pub use engine::{
    DEFAULT_QUERY, Evaluation, HELPER_MODULE, HELPER_MODULE_PATH, MAX_INPUT_BYTES, Outcome,
    PolicyEngine,
};
pub use error::{Error, ErrorCode};
pub use functions::{Check, GitObject, NoResolver, Resolver};
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

/// How to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The query; `None` means [`DEFAULT_QUERY`].
    pub query: Option<String>,
    /// The pinned evaluation time in nanoseconds since the Unix epoch.
    pub now_ns: i64,
}
