//! Conversions between plain JS values and `verdict_core` types.
//!
//! Everything that crosses the boundary is read with `serde-wasm-bindgen` from a `JsValue` (so a
//! wrong shape is a value-level error, never a trap) and written back as plain objects with
//! `Serializer::json_compatible` (maps as objects, integers as numbers).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use verdict_core as core_;
use wasm_bindgen::JsValue;

/// A failure of a call, before any verdict exists: `{code, message}`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct JsError {
    pub(crate) code: String,
    pub(crate) message: String,
}

impl JsError {
    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        JsError {
            code: core_::ErrorCode::InvalidRequest.as_str().to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn from_core(e: &core_::Error) -> Self {
        JsError {
            code: e.code().as_str().to_owned(),
            message: e.to_string(),
        }
    }
}

/// Writes a serializable value as a plain JS value.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    match value.serialize(&serializer) {
        Ok(v) => v,
        // Serializing our own plain structs cannot fail; keep a value anyway.
        Err(e) => JsValue::from_str(&format!("verdict-web: cannot serialize a result: {e}")),
    }
}

/// Reads `value` as `T`, naming `what` in the error.
pub(crate) fn from_js<T: for<'de> Deserialize<'de>>(
    value: JsValue,
    what: &str,
) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsError::invalid_request(format!("{what}: {e}")))
}

/// Rejects keys of a plain object that `allowed` does not list (serde-wasm-bindgen reads structs
/// field by field, so `deny_unknown_fields` never sees a misspelt key).
pub(crate) fn known_keys(value: &JsValue, allowed: &[&str], what: &str) -> Result<(), JsError> {
    use wasm_bindgen::JsCast;
    let Some(object) = value.dyn_ref::<js_sys::Object>() else {
        return Ok(());
    };
    if js_sys::Array::is_array(value) || value.is_instance_of::<js_sys::Uint8Array>() {
        return Ok(());
    }
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(JsError::invalid_request(format!(
                "{what}: unknown field `{key}` (known: {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

/// The property `key` of `value` (`undefined` when absent or not an object).
pub(crate) fn property(value: &JsValue, key: &str) -> JsValue {
    if value.is_object() {
        js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `{ok: false, error}`.
pub(crate) fn failure(error: JsError) -> JsValue {
    #[derive(Serialize)]
    struct Failure {
        ok: bool,
        error: JsError,
    }
    to_js(&Failure { ok: false, error })
}

/// Bytes from a `Uint8Array`, an `ArrayBuffer`, an array of numbers or a string (its UTF-8).
#[derive(Debug, Clone, Default)]
pub(crate) struct Bytes(pub(crate) Vec<u8>);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Uint8Array, an ArrayBuffer or a string")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                Ok(Bytes(v.as_bytes().to_vec()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Bytes, E> {
                Ok(Bytes(v.into_bytes()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Bytes(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The pinned evaluation time: a `bigint`, a safe-integer `number` or a decimal string of
/// nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NowNs(pub(crate) i64);

impl<'de> Deserialize<'de> for NowNs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NowNs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("nanoseconds since the Unix epoch (a bigint or a decimal string)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NowNs, E> {
                Ok(NowNs(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NowNs, E> {
                i64::try_from(v)
                    .map(NowNs)
                    .map_err(|_| E::custom("nowNs is out of range"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<NowNs, E> {
                Err(E::custom(
                    "nowNs is not a safe integer: pass a bigint or a decimal string",
                ))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NowNs, E> {
                v.trim()
                    .parse::<i64>()
                    .map(NowNs)
                    .map_err(|_| E::custom(format!("nowNs {v:?} is not a decimal integer")))
            }
        }
        d.deserialize_any(V)
    }
}

/// One policy module: `{path, source}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JsModule {
    path: String,
    source: String,
}

impl From<JsModule> for core_::Module {
    fn from(m: JsModule) -> Self {
        core_::Module {
            path: m.path,
            source: m.source,
        }
    }
}

/// Policy sets: an array of arrays of modules.
pub(crate) fn sets(value: JsValue) -> Result<Vec<Vec<core_::Module>>, JsError> {
    let sets: Vec<Vec<JsModule>> = from_js(value, "sets (an array of arrays of {path, source})")?;
    Ok(sets
        .into_iter()
        .map(|set| set.into_iter().map(Into::into).collect())
        .collect())
}

/// A module list (one set).
pub(crate) fn modules(value: JsValue, what: &str) -> Result<Vec<core_::Module>, JsError> {
    let list: Vec<JsModule> = from_js(value, what)?;
    Ok(list.into_iter().map(Into::into).collect())
}

/// `{query?, nowNs, coverage?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsOptions {
    query: Option<String>,
    now_ns: Option<NowNs>,
    coverage: Option<bool>,
}

/// The evaluation options; `nowNs` is required (verdict reads no clock).
pub(crate) fn options(value: JsValue) -> Result<core_::Options, JsError> {
    options_with_coverage(value).map(|(options, _)| options)
}

/// The evaluation options and whether `coverage` is `true`: the verdict then carries the
/// evaluation's line coverage (`coverage: [{path, covered, notCovered}]`); the canonical record
/// is the same.
pub(crate) fn options_with_coverage(value: JsValue) -> Result<(core_::Options, bool), JsError> {
    known_keys(&value, &["query", "nowNs", "coverage"], "options")?;
    let o: JsOptions = from_js(value, "options ({query?, nowNs})")?;
    let Some(now) = o.now_ns else {
        return Err(JsError::invalid_request(
            "options.nowNs is required: the pinned evaluation time in nanoseconds (a bigint or a decimal string)",
        ));
    };
    Ok((
        core_::Options {
            query: o.query,
            now_ns: now.0,
        },
        o.coverage == Some(true),
    ))
}

/// The input document as JSON text: a string is taken verbatim (so a malformed document is an
/// error verdict, as in every host); any other value is serialized as JSON.
pub(crate) fn input_text(value: JsValue) -> Result<String, JsError> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    if value.is_undefined() {
        return Err(JsError::invalid_request(
            "input is required (a JSON text or a plain value)",
        ));
    }
    let json: serde_json::Value = from_js(value, "input (a JSON text or a plain value)")?;
    Ok(json.to_string())
}

/// A verdict as a plain object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsVerdict {
    decision: &'static str,
    messages: Vec<String>,
    prints: Vec<String>,
    error: Option<JsError>,
    decided_by: Option<u32>,
    pin: Option<String>,
    missing_files: Vec<String>,
    /// `None` only when the call's arguments could not be read, so no record exists.
    canonical_json: Option<String>,
    hash: Option<String>,
    /// Line coverage, when `options.coverage` asked for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coverage: Vec<JsCoverage>,
}

/// `{path, covered, notCovered}`: 1-based lines.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsCoverage {
    path: String,
    covered: Vec<u32>,
    not_covered: Vec<u32>,
}

impl From<core_::Verdict> for JsVerdict {
    fn from(v: core_::Verdict) -> Self {
        JsVerdict {
            decision: v.decision.as_str(),
            messages: v.messages,
            prints: v.prints,
            error: v.error.map(|e| JsError {
                code: e.code.as_str().to_owned(),
                message: e.message,
            }),
            decided_by: v.decided_by,
            pin: v.pin,
            missing_files: v.missing_files,
            canonical_json: Some(v.canonical_json),
            hash: Some(v.hash),
            coverage: v
                .coverage
                .into_iter()
                .map(|c| JsCoverage {
                    path: c.path,
                    covered: c.covered,
                    not_covered: c.not_covered,
                })
                .collect(),
        }
    }
}

impl JsVerdict {
    /// The error verdict for arguments that could not be read: no canonical record exists, so
    /// `canonicalJson` and `hash` are `null`.
    pub(crate) fn unreadable(error: JsError) -> Self {
        JsVerdict {
            decision: core_::Decision::Error.as_str(),
            messages: vec![],
            prints: vec![],
            error: Some(error),
            decided_by: None,
            pin: None,
            missing_files: vec![],
            canonical_json: None,
            hash: None,
            coverage: vec![],
        }
    }
}

/// `{name, content}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Named {
    name: String,
    content: Bytes,
}

fn pairs(list: Option<Vec<Named>>) -> Vec<(String, Vec<u8>)> {
    list.unwrap_or_default()
        .into_iter()
        .map(|n| (n.name, n.content.0))
        .collect()
}

/// `input.env`: `{args?, labels?, filename?, target?}` (args and labels are objects of strings).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsEnv {
    args: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
    filename: Option<String>,
    target: Option<String>,
}

/// `{repo, bundle}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsAttestation {
    repo: String,
    bundle: Bytes,
}

/// The evidence (docs/evidence.md), every part optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsEvidence {
    oci_index: Option<Bytes>,
    blobs: Option<Vec<Named>>,
    git_refs: Option<String>,
    git_objects: Option<Vec<Named>>,
    http_content: Option<Bytes>,
    http_checksum: Option<String>,
    attestations: Option<Vec<JsAttestation>>,
    attestation_manifest: Option<String>,
    signature_bundles: Option<Vec<Bytes>>,
}

/// A check request, as the WIT's `check-request`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsCheckRequest {
    source: Option<String>,
    platform: Option<String>,
    env: Option<JsEnv>,
    evidence: Option<JsEvidence>,
    files: Option<Vec<Named>>,
    trusted_root: Option<Bytes>,
    default_policy: Option<bool>,
}

/// A check request: the core request, the trusted-root JSON and whether the default policy is
/// prepended.
pub(crate) struct CheckRequest {
    pub(crate) request: core_::CheckRequest,
    pub(crate) trusted_root: Option<Vec<u8>>,
    pub(crate) default_policy: bool,
}

/// Reads a check request.
pub(crate) fn check_request(value: JsValue) -> Result<CheckRequest, JsError> {
    known_keys(
        &value,
        &[
            "source",
            "platform",
            "env",
            "evidence",
            "files",
            "trustedRoot",
            "defaultPolicy",
        ],
        "request",
    )?;
    known_keys(
        &property(&value, "env"),
        &["args", "labels", "filename", "target"],
        "request.env",
    )?;
    known_keys(
        &property(&value, "evidence"),
        &[
            "ociIndex",
            "blobs",
            "gitRefs",
            "gitObjects",
            "httpContent",
            "httpChecksum",
            "attestations",
            "attestationManifest",
            "signatureBundles",
        ],
        "request.evidence",
    )?;
    let r: JsCheckRequest = from_js(value, "request")?;
    let env = r.env.unwrap_or_default();
    let e = r.evidence.unwrap_or_default();
    let request = core_::CheckRequest {
        source: r.source,
        platform: r.platform,
        env: core_::Env {
            args: env.args.unwrap_or_default(),
            labels: env.labels.unwrap_or_default(),
            filename: env.filename.unwrap_or_default(),
            target: env.target.unwrap_or_default(),
        },
        evidence: core_::InputEvidence {
            oci_index: e.oci_index.map(|b| b.0),
            blobs: pairs(e.blobs),
            git: core_::GitEvidence {
                refs: e.git_refs,
                objects: pairs(e.git_objects),
            },
            http_content: e.http_content.map(|b| b.0),
            http_checksum: e.http_checksum,
            attestation_manifest: e.attestation_manifest,
            signature_bundles: e
                .signature_bundles
                .unwrap_or_default()
                .into_iter()
                .map(|b| b.0)
                .collect(),
        },
        attestations: e
            .attestations
            .unwrap_or_default()
            .into_iter()
            .map(|a| core_::Attestation {
                repo: a.repo,
                bundle: a.bundle.0,
            })
            .collect(),
        files: pairs(r.files).into_iter().collect(),
    };
    Ok(CheckRequest {
        request,
        trusted_root: r.trusted_root.map(|b| b.0),
        default_policy: r.default_policy.unwrap_or(false),
    })
}
