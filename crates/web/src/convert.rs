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

/// `{query?, defaultPolicy?}`: how an engine compiles (the WIT's `engine-options`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsEngineOptions {
    query: Option<String>,
    default_policy: Option<bool>,
}

/// The engine options; `undefined` is the defaults.
pub(crate) fn engine_options(value: JsValue) -> Result<core_::EngineOptions, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(core_::EngineOptions::default());
    }
    known_keys(&value, &["query", "defaultPolicy"], "engine options")?;
    let o: JsEngineOptions = from_js(value, "engine options ({query?, defaultPolicy?})")?;
    Ok(core_::EngineOptions {
        query: o.query,
        default_policy: o.default_policy == Some(true),
    })
}

/// `{nowNs, coverage?, limits?}`: one call's options (the WIT's `options`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsOptions {
    now_ns: Option<NowNs>,
    coverage: Option<bool>,
    limits: Option<JsLimits>,
}

/// `{maxSteps?, maxInputBytes?}`: the limits the engine enforces itself (the WIT's `limits`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsLimits {
    max_steps: Option<u64>,
    max_input_bytes: Option<u64>,
}

/// One call's options; `nowNs` is required (verdict reads no clock). With `coverage: true` the
/// verdict carries the evaluation's line coverage (`coverage: [{path, covered, notCovered}]`);
/// the canonical record is the same. `limits: {maxSteps?, maxInputBytes?}` stop a call at the
/// same point as in every other host (an error verdict, `resource-exhausted`).
pub(crate) fn options(value: JsValue) -> Result<core_::Options, JsError> {
    known_keys(&value, &["nowNs", "coverage", "limits"], "options")?;
    known_keys(
        &property(&value, "limits"),
        &["maxSteps", "maxInputBytes"],
        "options.limits",
    )?;
    let o: JsOptions = from_js(value, "options ({nowNs, coverage?, limits?})")?;
    let limits = o.limits.unwrap_or_default();
    let Some(now) = o.now_ns else {
        return Err(JsError::invalid_request(
            "options.nowNs is required: the pinned evaluation time in nanoseconds (a bigint or a decimal string)",
        ));
    };
    Ok(core_::Options {
        now_ns: now.0,
        coverage: o.coverage == Some(true),
        limits: core_::Limits {
            max_steps: limits.max_steps,
            max_input_bytes: limits.max_input_bytes,
        },
    })
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
/// Evidence a check needs that its request did not carry (`verdict.missingEvidence`).
#[derive(Debug, Serialize)]
pub(crate) struct JsWantedEvidence {
    path: String,
    subject: String,
}

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
    missing_evidence: Vec<JsWantedEvidence>,
    facts: Vec<JsFact>,
    signers: Vec<JsSigner>,
    /// `None` only when the call's arguments could not be read, so no record exists.
    canonical_json: Option<String>,
    hash: Option<String>,
    /// Line coverage, when `options.coverage` asked for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coverage: Vec<JsCoverage>,
}

/// `{field, status, how}`: one fact the input rests on.
#[derive(Debug, Serialize)]
pub(crate) struct JsFact {
    field: String,
    status: &'static str,
    how: String,
}

/// The facts as plain objects.
pub(crate) fn facts(list: Vec<core_::Fact>) -> Vec<JsFact> {
    list.into_iter()
        .map(|f| JsFact {
            field: f.field,
            status: f.status.as_str(),
            how: f.how,
        })
        .collect()
}

/// `{path, kind, fields: {name: value}}`: a signer verdict verified.
#[derive(Debug, Serialize)]
pub(crate) struct JsSigner {
    path: String,
    kind: Option<String>,
    fields: BTreeMap<String, String>,
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
            missing_evidence: v
                .missing_evidence
                .into_iter()
                .map(|w| JsWantedEvidence {
                    path: w.path,
                    subject: w.subject,
                })
                .collect(),
            facts: facts(v.facts),
            signers: v
                .signers
                .into_iter()
                .map(|s| JsSigner {
                    path: s.path,
                    kind: s.kind,
                    fields: s.fields.into_iter().collect(),
                })
                .collect(),
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
            missing_evidence: vec![],
            facts: vec![],
            signers: vec![],
            canonical_json: None,
            hash: None,
            coverage: vec![],
        }
    }
}

/// `{path, content}`: a file of a listing (the WIT's `file`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JsFile {
    path: String,
    content: Bytes,
}

fn listing(list: Option<Vec<JsFile>>) -> Vec<(String, Vec<u8>)> {
    list.unwrap_or_default()
        .into_iter()
        .map(|f| (f.path, f.content.0))
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

/// A check request, as the WIT's `check-request`: the evidence directory and the build-context
/// files as listings of `{path, content}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsCheckRequest {
    source: Option<String>,
    platform: Option<String>,
    env: Option<JsEnv>,
    evidence: Option<Vec<JsFile>>,
    files: Option<Vec<JsFile>>,
}

/// Reads a check request: field copies.
pub(crate) fn check_request(value: JsValue) -> Result<core_::CheckRequest, JsError> {
    known_keys(
        &value,
        &["source", "platform", "env", "evidence", "files"],
        "request",
    )?;
    known_keys(
        &property(&value, "env"),
        &["args", "labels", "filename", "target"],
        "request.env",
    )?;
    let r: JsCheckRequest = from_js(value, "request")?;
    let env = r.env.unwrap_or_default();
    Ok(core_::CheckRequest {
        source: r.source,
        platform: r.platform,
        env: core_::Env {
            args: env.args.unwrap_or_default(),
            labels: env.labels.unwrap_or_default(),
            filename: env.filename.unwrap_or_default(),
            target: env.target.unwrap_or_default(),
        },
        evidence: listing(r.evidence),
        files: listing(r.files).into_iter().collect(),
    })
}
