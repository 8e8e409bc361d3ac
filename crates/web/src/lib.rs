//! # verdict-web
//!
//! `verdict-core` for JavaScript: the operations of the WIT world `engine` (`wit/world.wit`) as
//! wasm-bindgen exports on plain JS values, for `wasm32-unknown-unknown` (browsers, Node). Build
//! it with `web/build.sh`, which runs `wasm-bindgen --target web` into `web/pkg/`.
//!
//! The verdicts are the core's: `canonicalJson` and `hash` are byte-identical to the native
//! library's and the component's for the same request. Every failure is a value — an error
//! verdict, `{ok: false, error}` or `{verified: false, error}` — and nothing here throws on
//! input: arguments are read from `JsValue`s, so a wrong shape is an `invalid-request` error.
//!
//! | WIT | JS |
//! |---|---|
//! | `evaluator.evaluate` | `evaluate(sets, options, input)` → verdict |
//! | `evaluator.engine` | `Engine.create(sets, options)` → `{ok, engine}`; `engine.evaluate(input)` |
//! | `evaluator.evaluate-with-evidence` | `evaluateWithEvidence(sets, options, input, evidence, trustedRoot?)` |
//! | `evaluator.error-verdict` | `errorVerdict(sets, options, input, {code, message})` |
//! | `verifier.verify-bundle` | `verifyBundle(bundle, artifact, trustedRoot?, options?)` |
//! | `verifier.trust-root` | `trustRootSummary(trustedRoot?)` → `{ok, digest, summary}` |
//! | `checker.build-input` | `buildInput(request)` → `{ok, input, facts}` |
//! | `checker.check` | `check(sets, options, request)` → `{verdict, input}` |
//! | `tester.run-tests` | `runTests(policy, tests, options, run?)` → `{ok, report}` |
//! | — (the playground's "failing rule") | `policyOutline({path, source})` → `{ok, rules}` |
//!
//! Sets are arrays of arrays of `{path, source}`; options are `{query?, nowNs}` with `nowNs` a
//! `bigint` or a decimal string (required: verdict reads no clock). An input is JSON text (taken
//! verbatim, as the CLI reads a file) or a plain value (serialized to JSON).

// wasm-bindgen's generated glue contains `unsafe` (the ABI shims of every export).
#![allow(unsafe_code, reason = "wasm-bindgen generated ABI glue")]

mod convert;
mod verify;

use serde::{Deserialize, Serialize};
use verdict_core as core_;
use wasm_bindgen::prelude::*;

use convert::{JsError, JsVerdict, failure, from_js, to_js};
pub use verify::{trust_root_summary, verify_bundle};

/// The engine identity every canonical record carries (`verdict/<version> regorus/<version>`).
#[wasm_bindgen]
pub fn version() -> String {
    core_::ENGINE.to_owned()
}

fn verdict_js(v: core_::Verdict) -> JsValue {
    to_js(&JsVerdict::from(v))
}

fn unreadable(e: JsError) -> JsValue {
    to_js(&JsVerdict::unreadable(e))
}

/// Compiles the policy sets and evaluates one input (the WIT's `evaluate`). A compile failure is
/// an error verdict with the same canonical record fields; arguments that cannot be read give an
/// error verdict whose `canonicalJson` and `hash` are `null`.
#[wasm_bindgen]
pub fn evaluate(sets: JsValue, options: JsValue, input: JsValue) -> JsValue {
    let args = (|| {
        Ok::<_, JsError>((
            convert::sets(sets)?,
            convert::options_with_coverage(options)?,
            convert::input_text(input)?,
        ))
    })();
    match args {
        Ok((sets, (options, true), input)) => {
            verdict_js(core_::evaluate_with_coverage(sets, options, &input))
        }
        Ok((sets, (options, false), input)) => verdict_js(core_::evaluate(sets, options, &input)),
        Err(e) => unreadable(e),
    }
}

/// A Sigstore bundle supplied with an evaluation: `{bundle, artifact}` where the artifact is
/// the digest it should sign (`"sha256:<hex>"` or `{algorithm, digest}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsBundleEvidence {
    bundle: convert::Bytes,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    artifact: JsValue,
}

/// Compiles and evaluates with Sigstore bundles as evidence (the WIT's
/// `evaluate-with-evidence`): each `{bundle, artifact}` of `evidence` is verified against
/// `trustedRoot` (`undefined` = the embedded public-good root) and the verified ones become
/// `input.signatures`. The input must be a JSON object.
#[wasm_bindgen(js_name = evaluateWithEvidence)]
pub fn evaluate_with_evidence(
    sets: JsValue,
    options: JsValue,
    input: JsValue,
    evidence: JsValue,
    trusted_root: JsValue,
) -> JsValue {
    let args = (|| {
        Ok::<_, JsError>((
            convert::sets(sets)?,
            convert::options_with_coverage(options)?,
            convert::input_text(input)?,
        ))
    })();
    let (sets, (options, coverage), input) = match args {
        Ok(a) => a,
        Err(e) => return unreadable(e),
    };
    let invalid = |message: String| {
        let error = core_::VerdictError {
            code: core_::ErrorCode::InvalidRequest,
            message,
        };
        verdict_js(core_::error_verdict(&sets, &options, &input, error))
    };
    let trust = match verify::trust_root(trusted_root) {
        Ok(t) => t,
        Err(e) => return invalid(format!("trusted root: {}", e.message)),
    };
    let list: Vec<JsBundleEvidence> = match from_js(evidence, "evidence ([{bundle, artifact}])") {
        Ok(l) => l,
        Err(e) => return invalid(e.message),
    };
    let mut bundles = Vec::with_capacity(list.len());
    for b in list {
        match verify::digest(b.artifact) {
            Ok(d) => bundles.push(core_::BundleEvidence {
                bundle: b.bundle.0,
                algorithm: d.algorithm,
                digest: d.value,
            }),
            Err(e) => return invalid(e.message),
        }
    }
    let evidence = core_::Evidence { trust, bundles };
    let run = if coverage {
        core_::evaluate_with_evidence_and_coverage
    } else {
        core_::evaluate_with_evidence
    };
    verdict_js(run(sets, options, &input, &evidence))
}

/// `{code, message}` of a failure decided outside the engine.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsErrorArg {
    code: String,
    message: String,
}

/// The canonical verdict for a failure decided outside the engine (the WIT's `error-verdict`),
/// e.g. a host limit: `error` is `{code, message}` with a verdict error code
/// (`resource-exhausted`, …).
#[wasm_bindgen(js_name = errorVerdict)]
pub fn error_verdict(sets: JsValue, options: JsValue, input: JsValue, error: JsValue) -> JsValue {
    let args = (|| {
        let e: JsErrorArg = from_js(error, "error ({code, message})")?;
        let code = core_::ErrorCode::parse(&e.code)
            .ok_or_else(|| JsError::invalid_request(format!("unknown error code {:?}", e.code)))?;
        Ok::<_, JsError>((
            convert::sets(sets)?,
            convert::options(options)?,
            convert::input_text(input)?,
            core_::VerdictError {
                code,
                message: e.message,
            },
        ))
    })();
    match args {
        Ok((sets, options, input, error)) => {
            verdict_js(core_::error_verdict(&sets, &options, &input, error))
        }
        Err(e) => unreadable(e),
    }
}

/// Compiled policy sets, ready to evaluate many inputs (the WIT's `engine` resource). Free it
/// with `free()` when done.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Engine {
    inner: core_::Engine,
}

#[wasm_bindgen]
impl Engine {
    /// Parses, checks and compiles the policy sets once: `{ok: true, engine}` or
    /// `{ok: false, error: {code, message}}`.
    pub fn create(sets: JsValue, options: JsValue) -> JsValue {
        let compiled = convert::sets(sets).and_then(|sets| {
            let (options, coverage) = convert::options_with_coverage(options)?;
            core_::Engine::new(sets, options)
                .map(|e| e.with_coverage(coverage))
                .map_err(|e| JsError::from_core(&e))
        });
        match compiled {
            Ok(inner) => {
                let out = js_sys::Object::new();
                let set =
                    |k: &str, v: JsValue| js_sys::Reflect::set(&out, &JsValue::from_str(k), &v);
                // Setting a property on a fresh plain object cannot fail.
                let _ = set("ok", JsValue::TRUE);
                let _ = set("engine", JsValue::from(Engine { inner }));
                out.into()
            }
            Err(e) => failure(e),
        }
    }

    /// Evaluates one input (JSON text or a plain value); every failure is an error verdict.
    pub fn evaluate(&self, input: JsValue) -> JsValue {
        match convert::input_text(input) {
            Ok(input) => verdict_js(self.inner.evaluate(&input)),
            Err(e) => unreadable(e),
        }
    }
}

/// Checks one source against the policy sets as Buildx checks it (the WIT's `check`).
///
/// `request` is `{source?, platform?, env?: {args?, labels?, filename?, target?}, evidence?,
/// files?: [{name, content}], trustedRoot?, defaultPolicy?}` with `evidence` `{ociIndex?,
/// blobs?: [{name, content}], gitRefs?, gitObjects?: [{name, content}], httpContent?,
/// httpChecksum?, attestations?: [{repo, bundle}], attestationManifest?, signatureBundles?}`
/// (bytes as `Uint8Array`; text is taken as its UTF-8). Returns `{verdict, input}` (`input` the
/// document evaluated, or `null`). When `verdict.missingFiles` names build-context files the
/// host can read, check again with them in `files`.
#[wasm_bindgen]
pub fn check(sets: JsValue, options: JsValue, request: JsValue) -> JsValue {
    #[derive(Serialize)]
    struct Checked {
        verdict: JsVerdict,
        input: Option<serde_json::Value>,
    }
    let args = (|| {
        Ok::<_, JsError>((
            convert::sets(sets)?,
            convert::options_with_coverage(options)?,
            convert::check_request(request)?,
        ))
    })();
    match args {
        Ok((sets, (options, coverage), r)) => {
            let run = if coverage {
                core_::check_with_coverage
            } else {
                core_::check
            };
            let checked = run(
                sets,
                options,
                &r.request,
                r.trusted_root.as_deref(),
                r.default_policy,
            );
            to_js(&Checked {
                verdict: checked.verdict.into(),
                input: checked.input,
            })
        }
        Err(e) => to_js(&Checked {
            verdict: JsVerdict::unreadable(e),
            input: None,
        }),
    }
}

/// The input document a check request gives and the facts it rests on (the WIT's
/// `build-input`, `verdict eval --print`): `{ok: true, input, facts}` or `{ok: false, error}`.
#[wasm_bindgen(js_name = buildInput)]
pub fn build_input(request: JsValue) -> JsValue {
    #[derive(Serialize)]
    struct Built {
        ok: bool,
        input: serde_json::Value,
        facts: serde_json::Value,
    }
    let built = convert::check_request(request).and_then(|r| {
        let trust = match &r.trusted_root {
            None => core_::verify::TrustMaterial::public_good(),
            Some(json) => core_::verify::TrustMaterial::from_json(json)
                .map_err(|e| JsError::invalid_request(format!("trusted root: {e}")))?,
        };
        core_::build_input(&r.request, &trust).map_err(|e| JsError::from_core(&e))
    });
    match built {
        Ok((input, facts)) => to_js(&Built {
            ok: true,
            input,
            facts,
        }),
        Err(e) => failure(e),
    }
}

/// Runs the `test_*` rules of `tests` against `policy` (module lists), as `docker buildx policy
/// test` (the WIT's `run-tests`; `run`: only names containing it): `{ok: true, report: {results,
/// coverage, rendered}}` or `{ok: false, error}`.
#[wasm_bindgen(js_name = runTests)]
pub fn run_tests(
    policy: JsValue,
    tests: JsValue,
    options: JsValue,
    run: Option<String>,
) -> JsValue {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Result_ {
        name: String,
        package: String,
        passed: bool,
        allow: Option<bool>,
        deny_messages: Vec<String>,
        input: Option<serde_json::Value>,
        decision: Option<serde_json::Value>,
        error: Option<String>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Coverage {
        path: String,
        covered: Vec<u32>,
        not_covered: Vec<u32>,
    }
    #[derive(Serialize)]
    struct Report {
        results: Vec<Result_>,
        coverage: Vec<Coverage>,
        rendered: String,
    }
    #[derive(Serialize)]
    struct Ran {
        ok: bool,
        report: Report,
    }
    let report = (|| {
        let policy = convert::modules(policy, "policy (an array of {path, source})")?;
        let tests = convert::modules(tests, "tests (an array of {path, source})")?;
        let options = convert::options(options)?;
        core_::tester::run_tests(&policy, &tests, &options, run.as_deref())
            .map_err(|e| JsError::from_core(&e))
    })();
    match report {
        Ok(r) => to_js(&Ran {
            ok: true,
            report: Report {
                rendered: r.render(),
                results: r
                    .results
                    .into_iter()
                    .map(|t| Result_ {
                        name: t.name,
                        package: t.package,
                        passed: t.passed,
                        allow: t.allow,
                        deny_messages: t.deny_messages,
                        input: t.input,
                        decision: t.decision,
                        error: t.error,
                    })
                    .collect(),
                coverage: r
                    .coverage
                    .into_iter()
                    .map(|c| Coverage {
                        path: c.path,
                        covered: c.covered,
                        not_covered: c.not_covered,
                    })
                    .collect(),
            },
        }),
        Err(e) => failure(e),
    }
}

/// The rules of one module as written: `{ok: true, rules: [{name, default, lines: [first, last],
/// bodies: [[line, …], …]}]}` (each body as the line of each of its conditions) or `{ok: false,
/// error}`. With a verdict's coverage it says which condition of an `allow` body a deny stopped
/// at: the furthest one reached (`verdict_policy::outline`).
#[wasm_bindgen(js_name = policyOutline)]
pub fn policy_outline(module: JsValue) -> JsValue {
    #[derive(Serialize)]
    struct Rule {
        name: String,
        default: bool,
        lines: [u32; 2],
        bodies: Vec<Vec<u32>>,
    }
    #[derive(Serialize)]
    struct Outline {
        ok: bool,
        rules: Vec<Rule>,
    }
    let rules = (|| {
        let module: convert::JsModule = from_js(module, "module ({path, source})")?;
        core_::outline(&module.into()).map_err(|e| JsError::from_core(&e))
    })();
    match rules {
        Ok(rules) => to_js(&Outline {
            ok: true,
            rules: rules
                .into_iter()
                .map(|r| Rule {
                    name: r.name,
                    default: r.default,
                    lines: [r.lines.0, r.lines.1],
                    bodies: r.bodies,
                })
                .collect(),
        }),
        Err(e) => failure(e),
    }
}
