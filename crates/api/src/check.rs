//! `POST /v1/check`: policy sets, a source and everything Buildx would have fetched for it (the
//! evidence directory as a file listing, build-context files) to a verdict — as `verdict
//! check --format json`. The listing is read inside the engine, as in every host.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use verdict_core::{CheckRequest, Engine, Env};

use crate::wire::{self, Limits, WireFile, WireOptions, WirePolicies};
use crate::{ApiError, Deployment, Response, verdict_response};

/// The platform of a check that names none: the CLI's `--platform` default.
const DEFAULT_PLATFORM: &str = "linux/amd64";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckBody {
    /// The policy sets; none: the deployed ones.
    policies: Option<WirePolicies>,
    /// Prepend Buildx's default policy as its own set.
    #[serde(default)]
    default_policy: bool,
    /// The source identifier (`docker-image://…`, `git://…`, `https://…`): required, as the
    /// CLI's SOURCE (a check of no source would allow after the caps pass alone).
    source: String,
    platform: Option<String>,
    #[serde(default)]
    env: WireEnv,
    /// The evidence directory, as a listing of files (any order).
    #[serde(default)]
    evidence: Vec<WireFile>,
    /// Build-context files (`load_json`, keys, signatures, bundles) by the name the policy
    /// gives them.
    #[serde(default)]
    files: Vec<WireFile>,
    query: Option<String>,
    now: Option<String>,
    now_ns: Option<Value>,
    #[serde(default)]
    coverage: bool,
    #[serde(default)]
    limits: Limits,
    trusted_root: Option<Value>,
}

/// `env`: the build settings (`--build-arg`, `--label`, the Dockerfile's name, `--target`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEnv {
    #[serde(default)]
    args: BTreeMap<String, String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    filename: Option<String>,
    target: Option<String>,
}

pub(crate) fn check(
    body: &[u8],
    clock_ns: i64,
    deployment: &Deployment,
) -> Result<Response, ApiError> {
    let r: CheckBody = wire::parse(body, "/v1/check")?;
    let options = WireOptions {
        now: r.now.as_deref(),
        now_ns: r.now_ns.as_ref(),
        coverage: r.coverage,
        limits: r.limits,
    }
    .options(clock_ns)?;
    let mut evidence = Vec::with_capacity(r.evidence.len());
    for f in &r.evidence {
        evidence.push((f.path.clone(), f.bytes("evidence file")?));
    }
    let mut files = BTreeMap::new();
    for f in &r.files {
        if files.insert(f.path.clone(), f.bytes("file")?).is_some() {
            return Err(ApiError::Malformed(format!(
                "file {:?} is listed twice",
                f.path
            )));
        }
    }
    let request = CheckRequest {
        source: Some(r.source),
        // As the CLI's `--platform` default.
        platform: Some(r.platform.unwrap_or_else(|| DEFAULT_PLATFORM.to_owned())),
        env: Env {
            args: r.env.args,
            labels: r.env.labels,
            // As the CLI's `-f` default.
            filename: r.env.filename.unwrap_or_else(|| "Dockerfile".to_owned()),
            target: r.env.target.unwrap_or_default(),
        },
        evidence,
        files,
    };
    deployment.allows(
        r.policies.is_some() || r.default_policy,
        r.trusted_root.is_some(),
    )?;
    let compiled;
    let engine = match r.policies {
        Some(policies) => {
            compiled = Engine::new(
                policies.sets(),
                &wire::engine(r.query.as_deref(), r.default_policy),
            );
            &compiled
        }
        // Buildx's default policy alone — unless policies are deployed: a request without
        // policies is answered by them, never by fewer.
        None if r.default_policy => {
            if deployment.has_policies() {
                return Err(ApiError::Malformed(
                    "`defaultPolicy` needs `policies`: this service's deployed policies answer requests without them".into(),
                ));
            }
            compiled = Engine::new(Vec::new(), &wire::engine(r.query.as_deref(), true));
            &compiled
        }
        None => crate::eval::deployed(deployment, r.query.as_deref())?,
    };
    let verdict = match wire::trust(r.trusted_root.as_ref(), deployment) {
        Ok(trust) => engine.check(&request, &trust, &options).verdict,
        Err(e) => {
            // As every host renders it: the request's source as the input.
            let input = serde_json::json!({"source": request.source}).to_string();
            engine.error_verdict(&input, wire::trust_error(&e), &options)
        }
    };
    Ok(verdict_response(&verdict))
}
