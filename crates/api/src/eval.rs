//! `POST /v1/eval`: policy sets and an input document (with Sigstore bundles as evidence,
//! optionally) to a verdict — `verdict eval --format json`'s answer.

use serde::Deserialize;
use serde_json::Value;
use verdict_core::{BundleEvidence, Engine, Evidence, VerdictError};

use crate::wire::{self, Limits, WireOptions, WirePolicies};
use crate::{ApiError, Deployment, Response, verdict_response};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EvalRequest {
    /// The policy sets; none: the deployed ones.
    policies: Option<WirePolicies>,
    /// The input document: any JSON value.
    input: Value,
    query: Option<String>,
    now: Option<String>,
    now_ns: Option<Value>,
    #[serde(default)]
    coverage: bool,
    #[serde(default)]
    limits: Limits,
    /// Sigstore bundles as evidence: the verified ones become `input.signatures`.
    bundles: Option<Vec<WireBundle>>,
    /// The trusted root the bundles verify against (default: public good).
    trusted_root: Option<Value>,
}

/// `{"bundle": <the bundle, inline or as text>, "digest": "sha256:<hex>"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireBundle {
    bundle: Value,
    digest: String,
}

pub(crate) fn eval(
    body: &[u8],
    clock_ns: i64,
    deployment: &Deployment,
) -> Result<Response, ApiError> {
    let r: EvalRequest = wire::parse(body, "/v1/eval")?;
    let options = WireOptions {
        now: r.now.as_deref(),
        now_ns: r.now_ns.as_ref(),
        coverage: r.coverage,
        limits: r.limits,
    }
    .options(clock_ns)?;
    deployment.allows(r.policies.is_some(), r.trusted_root.is_some())?;
    let compiled;
    let engine = match r.policies {
        Some(policies) => {
            compiled = Engine::new(policies.sets(), &wire::engine(r.query.as_deref(), false));
            &compiled
        }
        None => deployed(deployment, r.query.as_deref())?,
    };
    let input = r.input.to_string();
    let Some(bundles) = r.bundles else {
        return Ok(verdict_response(&engine.evaluate(&input, &options)));
    };
    let trust = match wire::trust(r.trusted_root.as_ref(), deployment) {
        Ok(trust) => trust,
        Err(e) => {
            let verdict = engine.error_verdict(&input, wire::trust_error(&e), &options);
            return Ok(verdict_response(&verdict));
        }
    };
    let mut evidence = Vec::with_capacity(bundles.len());
    for b in bundles {
        let parsed = b
            .digest
            .split_once(':')
            .and_then(|(algorithm, hex)| Some((algorithm, verdict_core::decode_hex(hex)?)));
        let made = match parsed {
            Some((algorithm, digest)) => {
                BundleEvidence::new(wire::document(&b.bundle), algorithm, digest)
            }
            None => Err(format!(
                "digest {:?} is not ALGORITHM:HEX (e.g. sha256:…)",
                b.digest
            )),
        };
        match made {
            Ok(e) => evidence.push(e),
            Err(message) => {
                let error = VerdictError {
                    code: verdict_core::ErrorCode::InvalidRequest,
                    message,
                };
                return Ok(verdict_response(
                    &engine.error_verdict(&input, error, &options),
                ));
            }
        }
    }
    let evidence = Evidence {
        trust: trust.into_owned(),
        bundles: evidence,
    };
    Ok(verdict_response(
        &engine.evaluate_with_evidence(&input, &evidence, &options),
    ))
}

/// The deployed engine, for a request without policies; its query may not change.
pub(crate) fn deployed<'a>(
    deployment: &'a Deployment,
    query: Option<&str>,
) -> Result<&'a Engine, ApiError> {
    let engine = deployment.engine()?;
    if query.is_some() && query != deployment.query() {
        return Err(ApiError::Malformed(
            "`query` needs `policies`: the deployed policies are compiled for their own query"
                .into(),
        ));
    }
    Ok(engine)
}
