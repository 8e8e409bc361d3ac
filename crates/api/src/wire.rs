//! The request bodies' JSON, shared by the routes: policy sets, the evaluation time, limits,
//! files (base64 contents), the trusted root.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use verdict_core::verify::TrustMaterial;
use verdict_core::{EngineOptions, Module, Options};

use crate::ApiError;

/// One policy module: `{"path", "source"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireModule {
    path: String,
    source: String,
}

/// `policies`: a list of sets (each a list of modules), or one set given as a list of modules.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WirePolicies {
    Sets(Vec<Vec<WireModule>>),
    Set(Vec<WireModule>),
}

impl WirePolicies {
    pub(crate) fn sets(self) -> Vec<Vec<Module>> {
        let module = |m: WireModule| Module {
            path: m.path,
            source: m.source,
        };
        match self {
            WirePolicies::Sets(sets) => sets
                .into_iter()
                .map(|s| s.into_iter().map(module).collect())
                .collect(),
            WirePolicies::Set(set) => vec![set.into_iter().map(module).collect()],
        }
    }
}

/// `limits`: what the engine enforces itself (WIT `limits`).
#[derive(Debug, Default, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Evaluation steps the call may take.
    pub max_steps: Option<u64>,
    /// Bytes the call may be given.
    pub max_input_bytes: Option<u64>,
}

/// The evaluation settings every evaluating route reads (fields of its body).
#[derive(Debug, Default)]
pub(crate) struct WireOptions<'a> {
    /// `now`: the evaluation time, RFC 3339.
    pub(crate) now: Option<&'a str>,
    /// `nowNs`: the evaluation time, nanoseconds since the Unix epoch (a number or a decimal
    /// string).
    pub(crate) now_ns: Option<&'a Value>,
    /// `coverage`.
    pub(crate) coverage: bool,
    /// `limits`.
    pub(crate) limits: Limits,
}

impl WireOptions<'_> {
    /// The per-call options; a request that names no time is evaluated at `clock_ns`.
    pub(crate) fn options(&self, clock_ns: i64) -> Result<Options, ApiError> {
        let now_ns = match (self.now, self.now_ns) {
            (Some(_), Some(_)) => {
                return Err(ApiError::Malformed(
                    "give `now` or `nowNs`, not both".into(),
                ));
            }
            (Some(text), None) => chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .and_then(|t| t.timestamp_nanos_opt())
                .ok_or_else(|| {
                    ApiError::Malformed(format!(
                        "`now` {text:?} is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)"
                    ))
                })?,
            (None, Some(ns)) => match ns {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| {
                ApiError::Malformed(format!(
                    "`nowNs` {ns} is not an integer (nanoseconds since the Unix epoch)"
                ))
            })?,
            (None, None) => clock_ns,
        };
        Ok(Options {
            now_ns,
            coverage: self.coverage,
            limits: verdict_core::Limits {
                max_steps: self.limits.max_steps,
                max_input_bytes: self.limits.max_input_bytes,
            },
        })
    }
}

/// The engine options: `query` (default `data.docker.decision`) and Buildx's default policy.
pub(crate) fn engine(query: Option<&str>, default_policy: bool) -> EngineOptions {
    EngineOptions {
        query: query.map(str::to_owned),
        default_policy,
    }
}

/// A named file: `{"path", "content"}`, the content base64 (standard alphabet, padded).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireFile {
    pub(crate) path: String,
    content: String,
}

impl WireFile {
    pub(crate) fn bytes(&self, what: &str) -> Result<Vec<u8>, ApiError> {
        base64_decode(&self.content).map_err(|e| {
            ApiError::Malformed(format!(
                "{what} {:?}: `content` is not base64 ({e})",
                self.path
            ))
        })
    }
}

pub(crate) fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::STANDARD.decode(text.trim())
}

/// A JSON document given inline (an object) or as its text (a string): a bundle, a trusted
/// root.
pub(crate) fn document(value: &Value) -> Vec<u8> {
    match value {
        Value::String(text) => text.as_bytes().to_vec(),
        other => other.to_string().into_bytes(),
    }
}

/// `trustedRoot`: a trusted root (JSON), or the deployment's (prepared once) when absent. A
/// root that does not parse is the verifier's error (the routes answer it as every host does).
pub(crate) fn trust<'a>(
    root: Option<&Value>,
    deployment: &'a crate::Deployment,
) -> Result<std::borrow::Cow<'a, TrustMaterial>, verdict_core::verify::Error> {
    match root {
        None => Ok(std::borrow::Cow::Borrowed(deployment.trust())),
        Some(v) => TrustMaterial::from_json(&document(v)).map(std::borrow::Cow::Owned),
    }
}

/// The error verdict's error for a trusted root that does not parse (as the CLI and the
/// browser render it).
pub(crate) fn trust_error(e: &verdict_core::verify::Error) -> verdict_core::VerdictError {
    verdict_core::VerdictError {
        code: verdict_core::ErrorCode::InvalidRequest,
        message: format!("trusted root: {}", e.message()),
    }
}

/// The body as `T`, or a 400 that says where it failed.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::Malformed(format!("the body is not a {what} request: {e}")))
}
