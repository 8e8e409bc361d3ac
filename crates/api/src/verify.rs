//! `POST /v1/verify`: one Sigstore bundle against an artifact's digest (or bytes) and an
//! identity — `verdict verify --format json`'s answer: the verified facts, or the check that
//! failed.

use serde::Deserialize;
use serde_json::Value;
use verdict_core::verify::{self as v, Identity, Matcher, Policy, Thresholds};

use crate::eval::hex_decode;
use crate::wire::{self, base64_decode};
use crate::{ApiError, Response};

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

pub(crate) fn verify(body: &[u8], _clock_ns: i64) -> Result<Response, ApiError> {
    let r: VerifyBody = wire::parse(body, "/v1/verify")?;
    let trust = wire::trust(r.trusted_root.as_ref())?;
    let bundle = wire::document(&r.bundle);
    let matcher =
        |exact: &Option<String>, regexp: &Option<String>, what: &str| match (exact, regexp) {
            (Some(_), Some(_)) => Err(ApiError::Malformed(format!(
                "give `{what}` or `{what}Regexp`, not both"
            ))),
            (Some(s), None) => Ok(Some(Matcher::exact(s.clone()))),
            (None, Some(expr)) => Matcher::regex(expr).map(Some).map_err(|e| {
                ApiError::Malformed(format!("`{what}Regexp` {expr:?}: {}", e.message()))
            }),
            (None, None) => Ok(None),
        };
    let subject = matcher(&r.identity, &r.identity_regexp, "identity")?;
    let issuer = matcher(&r.issuer, &r.issuer_regexp, "issuer")?;
    let identity = match (&r.key, subject, issuer) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ApiError::Malformed(
                "give `key` or an identity, not both".into(),
            ));
        }
        (Some(pem), None, None) => Identity::key(pem.as_bytes())
            .map_err(|e| ApiError::Malformed(format!("`key`: {}", e.message())))?,
        (None, None, None) => Identity::AnyCertificate,
        (None, subject, issuer) => Identity::Certificate { subject, issuer },
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
    let artifact_bytes;
    let digest_bytes;
    let artifact = match (&r.digest, &r.artifact) {
        (Some(digest), None) => {
            let (name, hex) = digest.split_once(':').unwrap_or(("", ""));
            let algorithm = v::hash_algorithm(name).ok_or_else(|| {
                ApiError::Malformed(format!(
                    "`digest` {digest:?} is not sha256:, sha384: or sha512: and hex"
                ))
            })?;
            digest_bytes = hex_decode(hex)
                .filter(|d| d.len() == algorithm.digest_len())
                .ok_or_else(|| {
                    ApiError::Malformed(format!(
                        "`digest` {digest:?}: a {} digest is {} bytes of hex",
                        algorithm.name(),
                        algorithm.digest_len()
                    ))
                })?;
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
        },
        Err(e) => {
            let error = serde_json::json!({"code": e.code().as_str(), "message": e.message()});
            Response {
                status: 422,
                body: format!("{{\"verified\":false,\"error\":{error}}}\n"),
                decision: Some("not-verified".into()),
                hash: None,
            }
        }
    })
}
