//! `verifyBundle` and `trustRootSummary`: the WIT `verifier` interface on plain JS values.

use serde::{Deserialize, Serialize};
use verdict_core::verify as v;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::convert::{Bytes, JsError, failure, from_js, to_js};

/// A verification failure as `{code, message}` with the verifier's code.
fn verify_error(e: &v::Error) -> JsError {
    JsError {
        code: e.code().as_str().to_owned(),
        message: e.message().to_owned(),
    }
}

fn invalid(message: impl Into<String>) -> JsError {
    JsError {
        code: v::ErrorCode::InvalidRequest.as_str().to_owned(),
        message: message.into(),
    }
}

/// The trusted root a call names: `undefined`/`null` or `"public-good"` = the embedded
/// public-good root, `"github"` = the embedded GitHub root, otherwise trusted-root JSON (bytes or
/// text).
pub(crate) fn trust_root(value: JsValue) -> Result<v::TrustMaterial, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(v::TrustMaterial::public_good());
    }
    if let Some(name) = value.as_string() {
        match name.as_str() {
            "public-good" => return Ok(v::TrustMaterial::public_good()),
            "github" => return Ok(v::TrustMaterial::github()),
            _ => {}
        }
    }
    let bytes: Bytes = from_js(value, "trusted root (JSON bytes or text)")?;
    // The last root given, kept prepared: a page that passes the same JSON with every call
    // parses it once (and its keys' signature tables, built from their third use, are kept).
    std::thread_local! {
        static LAST: std::cell::RefCell<Option<(Vec<u8>, v::TrustMaterial)>> =
            const { std::cell::RefCell::new(None) };
    }
    if let Some(root) = LAST.with_borrow(|last| {
        last.as_ref()
            .filter(|(json, _)| *json == bytes.0)
            .map(|(_, root)| root.clone())
    }) {
        return Ok(root);
    }
    let root = v::TrustMaterial::from_json(&bytes.0).map_err(|e| verify_error(&e))?;
    LAST.set(Some((bytes.0, root.clone())));
    Ok(root)
}

/// `{algorithm, digest}` with the digest as hex or bytes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsDigest {
    algorithm: String,
    digest: DigestValue,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DigestValue {
    Hex(String),
    Raw(Bytes),
}

/// A digest checked for its algorithm and length.
pub(crate) struct Digest {
    pub(crate) algorithm: v::HashAlgorithm,
    pub(crate) value: Vec<u8>,
}

/// Reads `sha256:<hex>` (or `sha384:`, `sha512:`) or `{algorithm, digest}`.
pub(crate) fn digest(value: JsValue) -> Result<Digest, JsError> {
    let (algorithm, raw) = if let Some(text) = value.as_string() {
        let Some((alg, hex)) = text.split_once(':') else {
            return Err(invalid(format!("digest {text:?} is not <algorithm>:<hex>")));
        };
        let raw = verdict_core::decode_hex(hex)
            .ok_or_else(|| invalid(format!("digest {text:?} is not hex")))?;
        (alg.to_owned(), raw)
    } else {
        let d: JsDigest = from_js(value, "digest ({algorithm, digest} or \"sha256:<hex>\")")?;
        let raw = match d.digest {
            DigestValue::Hex(hex) => verdict_core::decode_hex(&hex)
                .ok_or_else(|| invalid(format!("digest {hex:?} is not hex")))?,
            DigestValue::Raw(b) => b.0,
        };
        (d.algorithm, raw)
    };
    let Some(algorithm) = v::hash_algorithm(&algorithm) else {
        return Err(invalid(format!(
            "unknown digest algorithm {algorithm:?} (want sha256, sha384 or sha512)"
        )));
    };
    if raw.len() != algorithm.digest_len() {
        return Err(invalid(format!(
            "a {} digest is {} bytes, not {}",
            algorithm.name(),
            algorithm.digest_len(),
            raw.len()
        )));
    }
    Ok(Digest {
        algorithm,
        value: raw,
    })
}

/// `{exact}` or `{regex}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsMatcher {
    exact: Option<String>,
    regex: Option<String>,
}

fn matcher(m: Option<JsMatcher>, what: &str) -> Result<Option<v::Matcher>, JsError> {
    match m {
        None => Ok(None),
        Some(JsMatcher {
            exact: Some(s),
            regex: None,
        }) => Ok(Some(v::Matcher::exact(s))),
        Some(JsMatcher {
            exact: None,
            regex: Some(r),
        }) => v::Matcher::regex(&r)
            .map(Some)
            .map_err(|e| verify_error(&e)),
        Some(_) => Err(invalid(format!(
            "{what}: give exactly one of `exact` and `regex`"
        ))),
    }
}

/// `{tlog?, ctlog?, timestamps?}` (each default 1).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsThresholds {
    tlog: Option<u32>,
    ctlog: Option<u32>,
    timestamps: Option<u32>,
}

/// Verification options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsVerifyOptions {
    /// `{subject?, issuer?}` matchers of a certificate identity.
    certificate: Option<JsIdentity>,
    /// A managed key: PEM text or DER bytes of a SubjectPublicKeyInfo.
    key: Option<Bytes>,
    thresholds: Option<JsThresholds>,
    allow_v01_set_only: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsIdentity {
    subject: Option<JsMatcher>,
    issuer: Option<JsMatcher>,
}

fn policy(value: JsValue) -> Result<v::Policy, JsError> {
    crate::convert::known_keys(
        &value,
        &["certificate", "key", "thresholds", "allowV01SetOnly"],
        "options",
    )?;
    crate::convert::known_keys(
        &crate::convert::property(&value, "certificate"),
        &["subject", "issuer"],
        "options.certificate",
    )?;
    crate::convert::known_keys(
        &crate::convert::property(&value, "thresholds"),
        &["tlog", "ctlog", "timestamps"],
        "options.thresholds",
    )?;
    let o: JsVerifyOptions = if value.is_undefined() || value.is_null() {
        JsVerifyOptions::default()
    } else {
        from_js(
            value,
            "options ({certificate?: {subject?, issuer?}, key?, thresholds?, allowV01SetOnly?})",
        )?
    };
    let identity = match (o.certificate, o.key) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "options: give a certificate identity or a key, not both",
            ));
        }
        (None, None) => v::Identity::AnyCertificate,
        (Some(c), None) => v::Identity::Certificate {
            subject: matcher(c.subject, "certificate.subject")?,
            issuer: matcher(c.issuer, "certificate.issuer")?,
        },
        (None, Some(key)) => v::Identity::key(&key.0).map_err(|e| verify_error(&e))?,
    };
    let t = o.thresholds.unwrap_or_default();
    let count = |n: Option<u32>| usize::try_from(n.unwrap_or(1)).unwrap_or(usize::MAX);
    let mut policy = v::Policy::new(identity);
    policy.thresholds = v::Thresholds {
        tlog: count(t.tlog),
        ctlog: count(t.ctlog),
        timestamps: count(t.timestamps),
    };
    policy.allow_v01_set_only = o.allow_v01_set_only.unwrap_or(false);
    Ok(policy)
}

/// Verifies a Sigstore bundle (the WIT's `verify-bundle`).
///
/// - `bundle`: the bundle JSON (`Uint8Array` or text);
/// - `artifact`: the artifact's bytes (`Uint8Array`), or its digest (`"sha256:<hex>"` or
///   `{algorithm, digest}`);
/// - `trustedRoot`: `undefined` (the embedded public-good root), `"github"`, or trusted-root JSON;
/// - `options`: `{certificate?: {subject?, issuer?}, key?, thresholds?: {tlog, ctlog, timestamps},
///   allowV01SetOnly?}` where a matcher is `{exact}` or `{regex}` (no identity: any certificate
///   that chains to the root).
///
/// Returns `{verified: true, facts}` (the facts object of `verdict verify --format json`) or
/// `{verified: false, error: {code, message}}`; never throws.
#[wasm_bindgen(js_name = verifyBundle)]
pub fn verify_bundle(
    bundle: JsValue,
    artifact: JsValue,
    trusted_root: JsValue,
    options: JsValue,
) -> JsValue {
    #[derive(Serialize)]
    struct Verified {
        verified: bool,
        facts: serde_json::Value,
    }
    #[derive(Serialize)]
    struct NotVerified {
        verified: bool,
        error: JsError,
    }
    let run = || -> Result<serde_json::Value, JsError> {
        let bundle: Bytes =
            from_js(bundle, "bundle (JSON bytes or text)").map_err(|e| JsError {
                code: v::ErrorCode::InvalidRequest.as_str().to_owned(),
                message: e.message,
            })?;
        let trust = trust_root(trusted_root)?;
        let policy = policy(options)?;
        let verified = if artifact.is_instance_of::<js_sys::Uint8Array>()
            || artifact.is_instance_of::<js_sys::ArrayBuffer>()
        {
            let bytes: Bytes = from_js(artifact, "artifact")?;
            v::verify(&trust, &bundle.0, v::Artifact::Bytes(&bytes.0), &policy)
        } else {
            let d = digest(artifact)?;
            let artifact = v::Artifact::Digest {
                algorithm: d.algorithm,
                digest: &d.value,
            };
            v::verify(&trust, &bundle.0, artifact, &policy)
        };
        verified.map(|b| b.to_json()).map_err(|e| verify_error(&e))
    };
    match run() {
        Ok(facts) => to_js(&Verified {
            verified: true,
            facts,
        }),
        Err(error) => to_js(&NotVerified {
            verified: false,
            error,
        }),
    }
}

/// The trusted root in use: `undefined` (the embedded public-good root), `"github"`, or
/// A prepared trusted root (the WIT's `trust-root` resource), for [`crate::Engine`]'s calls:
/// parsed once, borrowed by any number of checks. Free it with `free()` when done.
#[wasm_bindgen]
#[derive(Debug)]
pub struct TrustRoot {
    pub(crate) inner: v::TrustMaterial,
}

#[wasm_bindgen]
impl TrustRoot {
    /// Prepares the root a value names (`undefined` or `"public-good"`: the embedded
    /// public-good root; `"github"`: the embedded GitHub root; else trusted-root JSON as bytes or
    /// text): `{ok: true, trustRoot}` or `{ok: false, error}`.
    pub fn prepare(value: JsValue) -> JsValue {
        match trust_root(value) {
            Ok(inner) => {
                let out = js_sys::Object::new();
                let set =
                    |k: &str, v: JsValue| js_sys::Reflect::set(&out, &JsValue::from_str(k), &v);
                // Setting a property on a fresh plain object cannot fail.
                let _ = set("ok", JsValue::TRUE);
                let _ = set("trustRoot", JsValue::from(TrustRoot { inner }));
                out.into()
            }
            Err(e) => failure(e),
        }
    }

    /// `sha256:` + hex of the root's JSON.
    pub fn digest(&self) -> String {
        self.inner.digest()
    }
}

/// trusted-root JSON. Returns `{ok: true, digest, summary}` (the summary lists the transparency
/// logs, CT logs, certificate and timestamp authorities with their validity periods) or
/// `{ok: false, error}`.
#[wasm_bindgen(js_name = trustRootSummary)]
pub fn trust_root_summary(trusted_root: JsValue) -> JsValue {
    #[derive(Serialize)]
    struct Summary {
        ok: bool,
        digest: String,
        summary: serde_json::Value,
    }
    match trust_root(trusted_root) {
        Ok(t) => to_js(&Summary {
            ok: true,
            digest: t.digest(),
            summary: t.summary(),
        }),
        Err(e) => failure(e),
    }
}
