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
//! | `evaluator.engine` constructor | `new Engine(sets, engineOptions?)` (`{query?, defaultPolicy?}`) |
//! | `engine.compile-error` | `engine.compileError()` → `{code, message}` or `null` |
//! | `engine.evaluate` | `engine.evaluate(input, options)` → verdict |
//! | `engine.evaluate-with-evidence` | `engine.evaluateWithEvidence(input, evidence, trustRoot, options)` |
//! | `engine.check` | `engine.check(request, trustRoot, options)` → `{verdict, input}` |
//! | `evaluator.error-verdict` | `errorVerdict(sets, engineOptions, input, {code, message}, options)` |
//! | `verifier.trust-root` | `TrustRoot.prepare(json?)` → `{ok, trustRoot}`; `trustRoot.digest()`; `trustRootSummary(json?)` |
//! | `verifier.verify-bundle` | `verifyBundle(bundle, artifact, trustedRoot?, options?)` |
//! | `checker.build-input` | `buildInput(request, trustRoot)` → `{ok, input, facts}` |
//! | `tester.run-tests` | `runTests(policy, tests, options, run?)` → `{ok, report}` |
//! | `evaluator.explain` (the playground's "failing rule") | `explain({path, source}, covered, rule?)` → `{ok, reasons}` |
//!
//! Sets are arrays of arrays of `{path, source}`; options are `{nowNs, coverage?}` with `nowNs` a
//! `bigint` or a decimal string (required: verdict reads no clock). An input is JSON text (taken
//! verbatim, as the CLI reads a file) or a plain value (serialized to JSON). A request is
//! `{source?, platform?, env?, evidence?: [{path, content}], files?: [{path, content}]}`: the
//! evidence directory as a file listing, in any order.

// wasm-bindgen's generated glue contains `unsafe` (the ABI shims of every export).
#![allow(unsafe_code, reason = "wasm-bindgen generated ABI glue")]

mod convert;
mod verify;

use serde::{Deserialize, Serialize};
use verdict_core as core_;
use wasm_bindgen::prelude::*;

use convert::{JsError, JsVerdict, failure, from_js, to_js};
pub use verify::{TrustRoot, trust_root_summary, verify_bundle};

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

/// A Sigstore bundle supplied with an evaluation: `{bundle, artifact}` where the artifact is
/// the digest it should sign (`"sha256:<hex>"` or `{algorithm, digest}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsBundleEvidence {
    bundle: convert::Bytes,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    artifact: JsValue,
}

/// The bundles of `evaluateWithEvidence`.
fn bundles(evidence: JsValue) -> Result<Vec<core_::BundleEvidence>, JsError> {
    let list: Vec<JsBundleEvidence> = from_js(evidence, "evidence ([{bundle, artifact}])")?;
    list.into_iter()
        .map(|b| {
            verify::digest(b.artifact).map(|d| core_::BundleEvidence {
                bundle: b.bundle.0,
                algorithm: d.algorithm,
                digest: d.value,
            })
        })
        .collect()
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
pub fn error_verdict(
    sets: JsValue,
    engine_options: JsValue,
    input: JsValue,
    error: JsValue,
    options: JsValue,
) -> JsValue {
    let args = (|| {
        let e: JsErrorArg = from_js(error, "error ({code, message})")?;
        let code = core_::ErrorCode::parse(&e.code)
            .ok_or_else(|| JsError::invalid_request(format!("unknown error code {:?}", e.code)))?;
        Ok::<_, JsError>((
            convert::sets(sets)?,
            convert::engine_options(engine_options)?,
            convert::input_text(input)?,
            core_::VerdictError {
                code,
                message: e.message,
            },
            convert::options(options)?,
        ))
    })();
    match args {
        Ok((sets, engine, input, error, options)) => {
            verdict_js(core_::error_verdict(sets, &engine, &input, error, &options))
        }
        Err(e) => unreadable(e),
    }
}

/// Compiled policy sets (the WIT's `engine` resource), evaluated at any time. Free it with
/// `free()` when done.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Engine {
    /// The compiled engine, or why the constructor's arguments could not be read.
    inner: Result<core_::Engine, JsError>,
}

#[wasm_bindgen]
impl Engine {
    /// Parses, checks and compiles the policy sets once. It does not throw: a policy that does
    /// not compile (or arguments that cannot be read) make every call an error verdict, and
    /// [`Engine::compile_error`] says why.
    #[wasm_bindgen(constructor)]
    pub fn new(sets: JsValue, engine_options: JsValue) -> Engine {
        let inner = convert::sets(sets).and_then(|sets| {
            Ok(core_::Engine::new(
                sets,
                &convert::engine_options(engine_options)?,
            ))
        });
        Engine { inner }
    }

    /// Why the engine cannot evaluate: `{code, message}`, or `null` when it compiled.
    #[wasm_bindgen(js_name = compileError)]
    pub fn compile_error(&self) -> JsValue {
        match &self.inner {
            Ok(engine) => match engine.compile_error() {
                Some(e) => to_js(&JsError::from_core(e)),
                None => JsValue::NULL,
            },
            Err(e) => to_js(e),
        }
    }

    /// Evaluates one input (JSON text or a plain value) with one call's options; every failure
    /// is an error verdict.
    pub fn evaluate(&self, input: JsValue, options: JsValue) -> JsValue {
        let args = (|| {
            Ok::<_, JsError>((
                self.inner.as_ref().map_err(Clone::clone)?,
                convert::input_text(input)?,
                convert::options(options)?,
            ))
        })();
        match args {
            Ok((engine, input, options)) => verdict_js(engine.evaluate(&input, &options)),
            Err(e) => unreadable(e),
        }
    }

    /// Evaluates with Sigstore bundles as evidence: each `{bundle, artifact}` of `evidence` is
    /// verified against `trustRoot` and the verified ones become `input.signatures`. The input
    /// must be a JSON object.
    #[wasm_bindgen(js_name = evaluateWithEvidence)]
    pub fn evaluate_with_evidence(
        &self,
        input: JsValue,
        evidence: JsValue,
        trust_root: &TrustRoot,
        options: JsValue,
    ) -> JsValue {
        let args = (|| {
            Ok::<_, JsError>((
                self.inner.as_ref().map_err(Clone::clone)?,
                convert::input_text(input)?,
                convert::options(options)?,
            ))
        })();
        let (engine, input, options) = match args {
            Ok(a) => a,
            Err(e) => return unreadable(e),
        };
        match bundles(evidence) {
            Ok(bundles) => {
                let evidence = core_::Evidence {
                    trust: trust_root.inner.clone(),
                    bundles,
                };
                verdict_js(engine.evaluate_with_evidence(&input, &evidence, &options))
            }
            Err(e) => verdict_js(engine.error_verdict(
                &input,
                core_::VerdictError {
                    code: core_::ErrorCode::InvalidRequest,
                    message: e.message,
                },
                &options,
            )),
        }
    }

    /// Checks one source as Buildx checks it: `{verdict, input}` (`input` the document
    /// evaluated, or `null`). When `verdict.missingFiles` names build-context files the host can
    /// read, check again with them in `request.files`.
    pub fn check(&self, request: JsValue, trust_root: &TrustRoot, options: JsValue) -> JsValue {
        #[derive(Serialize)]
        struct Checked {
            verdict: JsVerdict,
            input: Option<serde_json::Value>,
        }
        let args = (|| {
            Ok::<_, JsError>((
                self.inner.as_ref().map_err(Clone::clone)?,
                convert::check_request(request)?,
                convert::options(options)?,
            ))
        })();
        match args {
            Ok((engine, request, options)) => {
                let checked = engine.check(&request, &trust_root.inner, &options);
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
}

/// The input document a check request gives and the facts it rests on (the WIT's
/// `build-input`, `verdict eval --print`): `{ok: true, input, facts}` or `{ok: false, error}`.
#[wasm_bindgen(js_name = buildInput)]
pub fn build_input(request: JsValue, trust_root: &TrustRoot) -> JsValue {
    #[derive(Serialize)]
    struct Built {
        ok: bool,
        input: serde_json::Value,
        facts: Vec<convert::JsFact>,
    }
    let built = convert::check_request(request).and_then(|r| {
        core_::build_input(&r, &trust_root.inner).map_err(|e| JsError {
            code: e.code.as_str().to_owned(),
            message: e.message,
        })
    });
    match built {
        Ok((input, facts)) => to_js(&Built {
            ok: true,
            input,
            facts: convert::facts(facts),
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
        core_::run_tests(&policy, &tests, &options, run.as_deref())
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

/// Why the rules of one module named `rule` (every rule with a body when `rule` is absent) did
/// or did not hold, given the lines an evaluation covered (`verdict.coverage[i].covered`, asked
/// for with `options.coverage`): `{ok: true, reasons: [{kind, rule, ruleLine, line, text,
/// sentence}]}` (`kind`: `default`, `not-reached`, `stopped`, `reached`) or `{ok: false,
/// error}` — the component's `evaluator.explain`, the CLI's `--explain`
/// (`verdict_policy::explain`).
#[wasm_bindgen]
pub fn explain(module: JsValue, covered: JsValue, rule: Option<String>) -> JsValue {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Reason {
        kind: &'static str,
        rule: String,
        rule_line: u32,
        line: u32,
        text: String,
        sentence: String,
    }
    #[derive(Serialize)]
    struct Explained {
        ok: bool,
        reasons: Vec<Reason>,
    }
    let reasons = (|| {
        let module: convert::JsModule = from_js(module, "module ({path, source})")?;
        let covered: Vec<u32> = from_js(covered, "covered (an array of line numbers)")?;
        core_::explain::explain(&module.into(), &covered, rule.as_deref())
            .map_err(|e| JsError::from_core(&e))
    })();
    match reasons {
        Ok(reasons) => to_js(&Explained {
            ok: true,
            reasons: reasons
                .into_iter()
                .map(|r| Reason {
                    kind: r.kind.as_str(),
                    sentence: r.sentence(),
                    rule: r.rule,
                    rule_line: r.rule_line,
                    line: r.line,
                    text: r.text,
                })
                .collect(),
        }),
        Err(e) => failure(e),
    }
}
