//! `POST /v1/verify`: one Sigstore bundle against an artifact's digest (or bytes) and an
//! identity — `verdict verify --format json`'s answer: the verified facts, or the check that
//! failed.

use serde::Deserialize;
use serde_json::Value;
use verdict_core::verify::{self as v, Identity, Matcher, Policy, Thresholds};

use crate::wire::{self, base64_decode};
use crate::{ApiError, Deployment, Response};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyBody {
    /// The bundle, inline or as its text.
    bundle: Value,
    /// The artifact's digest, `sha256:<hex>` (or `sha384:`, `sha512:`).
    digest: Option<String>,
    /// The artifact itself, base64.
    artifact: Option<String>,
    /// The certificate's subject alternative name, exactly.
    identity: Option<String>,
    /// The certificate's subject alternative name, a regular expression matching all of it.
    identity_regexp: Option<String>,
    /// The OIDC issuer, exactly.
    issuer: Option<String>,
    /// The OIDC issuer, a regular expression matching all of it.
    issuer_regexp: Option<String>,
    /// A PEM public key the bundle must be signed with (instead of an identity).
    key: Option<String>,
    #[serde(default)]
    thresholds: Option<WireThresholds>,
    #[serde(default)]
    allow_v01_set_only: bool,
    trusted_root: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireThresholds {
    tlog: usize,
    ctlog: usize,
    timestamps: usize,
}

pub(crate) fn verify(
    body: &[u8],
    _clock_ns: i64,
    deployment: &Deployment,
) -> Result<Response, ApiError> {
    let r: VerifyBody = wire::parse(body, "/v1/verify")?;
    deployment.allows(false, r.trusted_root.is_some())?;
    // A request that names two of one thing is malformed (400); a value the verifier refuses
    // (a trusted root, key or expression that does not parse, a digest of the wrong length)
    // is its failed check (422), as in every host.
    let trust = match wire::trust(r.trusted_root.as_ref(), deployment) {
        Ok(trust) => trust,
        Err(e) => return Ok(not_verified(&e)),
    };
    let bundle = wire::document(&r.bundle);
    let both =
        |what: &str| ApiError::Malformed(format!("give `{what}` or `{what}Regexp`, not both"));
    if r.identity.is_some() && r.identity_regexp.is_some() {
        return Err(both("identity"));
    }
    if r.issuer.is_some() && r.issuer_regexp.is_some() {
        return Err(both("issuer"));
    }
    let named = [&r.identity, &r.identity_regexp, &r.issuer, &r.issuer_regexp];
    if r.key.is_some() && named.iter().any(|n| n.is_some()) {
        return Err(ApiError::Malformed(
            "give `key` or an identity, not both".into(),
        ));
    }
    let matcher = |exact: &Option<String>, regexp: &Option<String>| match (exact, regexp) {
        (Some(s), _) => Ok(Some(Matcher::exact(s.clone()))),
        (None, Some(expr)) => Matcher::regex(expr).map(Some),
        (None, None) => Ok(None),
    };
    let identity = match &r.key {
        Some(pem) => Identity::key(pem.as_bytes()),
        None => match (
            matcher(&r.identity, &r.identity_regexp),
            matcher(&r.issuer, &r.issuer_regexp),
        ) {
            (Ok(None), Ok(None)) => Ok(Identity::AnyCertificate),
            (Ok(subject), Ok(issuer)) => Ok(Identity::Certificate { subject, issuer }),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
    };
    let identity = match identity {
        Ok(identity) => identity,
        Err(e) => return Ok(not_verified(&e)),
    };
    let mut policy = Policy::new(identity);
    if let Some(t) = r.thresholds {
        policy.thresholds = Thresholds {
            tlog: t.tlog,
            ctlog: t.ctlog,
            timestamps: t.timestamps,
        };
    }
    policy.allow_v01_set_only = r.allow_v01_set_only;
    let invalid = |message: String| {
        Ok(not_verified(&v::Error::new(
            v::ErrorCode::InvalidRequest,
            message,
        )))
    };
    let artifact_bytes;
    let digest_bytes;
    let artifact = match (&r.digest, &r.artifact) {
        (Some(digest), None) => {
            let (name, hex) = digest.split_once(':').unwrap_or(("", ""));
            let Some(algorithm) = v::hash_algorithm(name) else {
                return invalid(format!(
                    "digest {digest:?}: unknown digest algorithm (want sha256, sha384 or sha512)"
                ));
            };
            let Some(bytes) =
                verdict_core::decode_hex(hex).filter(|d| d.len() == algorithm.digest_len())
            else {
                return invalid(format!(
                    "digest {digest:?}: a {} digest is {} bytes of hex",
                    algorithm.name(),
                    algorithm.digest_len()
                ));
            };
            digest_bytes = bytes;
            v::Artifact::Digest {
                algorithm,
                digest: &digest_bytes,
            }
        }
        (None, Some(b64)) => {
            artifact_bytes = base64_decode(b64)
                .map_err(|e| ApiError::Malformed(format!("`artifact` is not base64 ({e})")))?;
            v::Artifact::Bytes(&artifact_bytes)
        }
        _ => {
            return Err(ApiError::Malformed(
                "give the artifact's `digest` or the `artifact` (base64), one of them".into(),
            ));
        }
    };
    Ok(match v::verify(&trust, &bundle, artifact, &policy) {
        Ok(verified) => Response {
            status: 200,
            body: format!(
                "{{\"verified\":true,\"facts\":{}}}\n",
                v::facts_json(&verified)
            ),
            decision: Some("verified".into()),
            hash: None,
            error: None,
            allow: None,
        },
        Err(e) => not_verified(&e),
    })
}

/// The failed check: 422 with its code, as `verdict verify --format json` prints it.
fn not_verified(e: &v::Error) -> Response {
    let error = serde_json::json!({"code": e.code().as_str(), "message": e.message()});
    Response {
        status: 422,
        body: format!("{{\"verified\":false,\"error\":{error}}}\n"),
        decision: Some("not-verified".into()),
        hash: None,
        error: None,
        allow: None,
    }
}
