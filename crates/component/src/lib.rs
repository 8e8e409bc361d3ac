//! # verdict-component
//!
//! The WIT guest: exports `verdict:policy/evaluator` and
//! `verdict:policy/verifier` (world `engine`, which imports nothing) over
//! `verdict-core`. Build it with
//! `cargo build -p verdict-component --target wasm32-wasip2 --profile component`;
//! the output is already a component.
//!
//! This crate only converts between WIT and core types. Every failure is a
//! value (an `error` result, an error verdict or a `verify-error`); nothing
//! here panics on input.

// wit-bindgen's generated glue needs `unsafe` (exports, canonical ABI).
#![allow(unsafe_code, reason = "generated canonical-ABI glue")]

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "engine",
    });
}

use bindings::exports::verdict::policy::evaluator::{self, GuestEngine};
use bindings::exports::verdict::policy::types as wit;
use verdict_core as core_;

mod checker;
mod protocol;
mod tester;
mod verifier;

struct Component;

/// Installs (once per instance) the panic hook that tells the host an
/// allocation was impossible.
///
/// A panic is a trap here (wasm32 aborts on panic), and all the host sees of
/// a trap is its kind. Most panics are bugs (`internal`), but `capacity
/// overflow` is an allocation larger than wasm32's 2 GiB `isize::MAX`, which
/// the host's memory limiter never saw: the hook asks for 4 GiB more linear
/// memory, a growth that always fails and that the host's limiter records,
/// so the host reports the stop as `resource-exhausted` like any other
/// refused allocation. Every export calls this first.
pub(crate) fn guard() {
    #[cfg(target_arch = "wasm32")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("");
                if message.contains("capacity overflow") {
                    // 65 536 pages: 4 GiB, past any wasm32 memory.
                    let _ = core::arch::wasm32::memory_grow::<0>(65_536);
                }
                previous(info);
            }));
        });
    }
}

/// A compiled engine, owned by the host as a resource.
struct Engine(core_::Engine);

fn modules(sets: Vec<wit::PolicySet>) -> Vec<Vec<core_::Module>> {
    sets.into_iter()
        .map(|set| {
            set.into_iter()
                .map(|m| core_::Module {
                    path: m.path,
                    source: m.source,
                })
                .collect()
        })
        .collect()
}

fn engine_options(o: wit::EngineOptions) -> core_::EngineOptions {
    core_::EngineOptions {
        query: o.query,
        default_policy: o.default_policy,
    }
}

fn options(o: wit::Options) -> core_::Options {
    core_::Options {
        now_ns: o.now_ns,
        coverage: o.coverage,
        limits: core_::Limits {
            max_steps: o.limits.max_steps,
            max_input_bytes: o.limits.max_input_bytes,
        },
    }
}

fn code_to_wit(code: core_::ErrorCode) -> wit::ErrorCode {
    use core_::ErrorCode as C;
    match code {
        C::MalformedPolicy => wit::ErrorCode::MalformedPolicy,
        C::MalformedInput => wit::ErrorCode::MalformedInput,
        C::ForbiddenBuiltin => wit::ErrorCode::ForbiddenBuiltin,
        C::WrongPackage => wit::ErrorCode::WrongPackage,
        C::MalformedQuery => wit::ErrorCode::MalformedQuery,
        C::UndefinedDecision => wit::ErrorCode::UndefinedDecision,
        C::InvalidDecision => wit::ErrorCode::InvalidDecision,
        C::EvaluationFailed => wit::ErrorCode::EvaluationFailed,
        C::ResourceExhausted => wit::ErrorCode::ResourceExhausted,
        C::InvalidRequest => wit::ErrorCode::InvalidRequest,
        C::UnsupportedSource => wit::ErrorCode::UnsupportedSource,
        C::MalformedSource => wit::ErrorCode::MalformedSource,
        C::InvalidEvidence => wit::ErrorCode::InvalidEvidence,
        _ => wit::ErrorCode::Internal,
    }
}

fn code_from_wit(code: wit::ErrorCode) -> core_::ErrorCode {
    use core_::ErrorCode as C;
    match code {
        wit::ErrorCode::MalformedPolicy => C::MalformedPolicy,
        wit::ErrorCode::MalformedInput => C::MalformedInput,
        wit::ErrorCode::ForbiddenBuiltin => C::ForbiddenBuiltin,
        wit::ErrorCode::WrongPackage => C::WrongPackage,
        wit::ErrorCode::MalformedQuery => C::MalformedQuery,
        wit::ErrorCode::UndefinedDecision => C::UndefinedDecision,
        wit::ErrorCode::InvalidDecision => C::InvalidDecision,
        wit::ErrorCode::EvaluationFailed => C::EvaluationFailed,
        wit::ErrorCode::ResourceExhausted => C::ResourceExhausted,
        wit::ErrorCode::InvalidRequest => C::InvalidRequest,
        wit::ErrorCode::Internal => C::Internal,
        wit::ErrorCode::UnsupportedSource => C::UnsupportedSource,
        wit::ErrorCode::MalformedSource => C::MalformedSource,
        wit::ErrorCode::InvalidEvidence => C::InvalidEvidence,
    }
}

fn error(e: &core_::Error) -> wit::Error {
    wit::Error {
        code: code_to_wit(e.code().into()),
        message: e.to_string(),
    }
}

pub(crate) fn fact(f: core_::Fact) -> wit::Fact {
    wit::Fact {
        field: f.field,
        status: match f.status {
            core_::FactStatus::Verified => wit::FactStatus::Verified,
            core_::FactStatus::Asserted => wit::FactStatus::Asserted,
            core_::FactStatus::Failed => wit::FactStatus::Failed,
        },
        how: f.how,
    }
}

fn verdict(v: core_::Verdict) -> wit::Verdict {
    wit::Verdict {
        decision: match v.decision {
            core_::Decision::Allow => wit::Decision::Allow,
            core_::Decision::Deny => wit::Decision::Deny,
            core_::Decision::Error => wit::Decision::Error,
            core_::Decision::Convert => wit::Decision::Convert,
        },
        messages: v.messages,
        prints: v.prints,
        error: v.error.map(|e| wit::Error {
            code: code_to_wit(e.code),
            message: e.message,
        }),
        decided_by: v.decided_by,
        pin: v.pin,
        missing_files: v.missing_files,
        missing_evidence: v
            .missing_evidence
            .into_iter()
            .map(|w| wit::WantedEvidence {
                path: w.path,
                subject: w.subject,
            })
            .collect(),
        facts: v.facts.into_iter().map(fact).collect(),
        signers: v
            .signers
            .into_iter()
            .map(|s| wit::Signer {
                path: s.path,
                kind: s.kind,
                fields: s.fields,
            })
            .collect(),
        canonical_json: v.canonical_json,
        hash: v.hash,
        coverage: v.coverage.into_iter().map(file_coverage).collect(),
    }
}

fn file_coverage(c: core_::FileCoverage) -> wit::FileCoverage {
    wit::FileCoverage {
        path: c.path,
        covered: c.covered,
        not_covered: c.not_covered,
    }
}

impl GuestEngine for Engine {
    fn new(sets: Vec<wit::PolicySet>, o: wit::EngineOptions) -> Engine {
        guard();
        Engine(core_::Engine::new(modules(sets), &engine_options(o)))
    }

    fn compile_error(&self) -> Option<wit::Error> {
        guard();
        self.0.compile_error().map(error)
    }

    fn evaluate(&self, input: String, o: wit::Options) -> wit::Verdict {
        guard();
        verdict(self.0.evaluate(&input, &options(o)))
    }

    fn evaluate_with_evidence(
        &self,
        input: String,
        evidence: Vec<evaluator::BundleEvidence>,
        trust: evaluator::TrustRootBorrow<'_>,
        o: wit::Options,
    ) -> wit::Verdict {
        guard();
        let o = options(o);
        let bundles = evidence
            .into_iter()
            .map(|b| core_::BundleEvidence::new(b.bundle, &b.artifact.algorithm, b.artifact.value))
            .collect();
        let bundles = match bundles {
            Ok(bundles) => bundles,
            Err(message) => {
                let error = core_::VerdictError {
                    code: core_::ErrorCode::InvalidRequest,
                    message,
                };
                return verdict(self.0.error_verdict(&input, error, &o));
            }
        };
        let evidence = core_::Evidence {
            trust: trust.get::<verifier::TrustRoot>().0.clone(),
            bundles,
        };
        verdict(self.0.evaluate_with_evidence(&input, &evidence, &o))
    }

    fn check(
        &self,
        request: wit::CheckRequest,
        trust: evaluator::TrustRootBorrow<'_>,
        o: wit::Options,
    ) -> wit::Checked {
        guard();
        let checked = self.0.check(
            &checker::request(request),
            &trust.get::<verifier::TrustRoot>().0,
            &options(o),
        );
        wit::Checked {
            verdict: verdict(checked.verdict),
            input: checked.input.map(|i| i.to_string()),
        }
    }
}

impl evaluator::Guest for Component {
    type Engine = Engine;

    fn error_verdict(
        sets: Vec<wit::PolicySet>,
        engine: wit::EngineOptions,
        input: String,
        error: wit::Error,
        o: wit::Options,
    ) -> wit::Verdict {
        guard();
        let error = core_::VerdictError {
            code: code_from_wit(error.code),
            message: error.message,
        };
        verdict(core_::error_verdict(
            modules(sets),
            &engine_options(engine),
            &input,
            error,
            &options(o),
        ))
    }

    fn explain(
        module: wit::PolicyModule,
        covered: Vec<u32>,
        rule: Option<String>,
    ) -> Result<Vec<evaluator::Reason>, wit::Error> {
        guard();
        let module = core_::Module {
            path: module.path,
            source: module.source,
        };
        let reasons =
            core_::explain::explain(&module, &covered, rule.as_deref()).map_err(|e| error(&e))?;
        Ok(reasons
            .into_iter()
            .map(|r| evaluator::Reason {
                sentence: r.sentence(),
                kind: match r.kind {
                    core_::explain::ReasonKind::Default => evaluator::ReasonKind::Default,
                    core_::explain::ReasonKind::NotReached => evaluator::ReasonKind::NotReached,
                    core_::explain::ReasonKind::Stopped => evaluator::ReasonKind::Stopped,
                    core_::explain::ReasonKind::Reached => evaluator::ReasonKind::Reached,
                },
                rule: r.rule,
                rule_line: r.rule_line,
                line: r.line,
                text: r.text,
            })
            .collect())
    }
}

bindings::export!(Component with_types_in bindings);
