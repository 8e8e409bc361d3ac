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

fn options(o: wit::Options) -> core_::Options {
    core_::Options {
        query: o.query,
        now_ns: o.now_ns,
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
    fn create(sets: Vec<wit::PolicySet>, o: wit::Options) -> Result<evaluator::Engine, wit::Error> {
        guard();
        let coverage = o.coverage;
        core_::Engine::new(modules(sets), options(o))
            .map(|e| evaluator::Engine::new(Engine(e.with_coverage(coverage))))
            .map_err(|e| wit::Error {
                code: code_to_wit(e.code()),
                message: e.to_string(),
            })
    }

    fn evaluate(&self, input: String) -> wit::Verdict {
        guard();
        verdict(self.0.evaluate(&input))
    }
}

impl evaluator::Guest for Component {
    type Engine = Engine;

    fn evaluate(sets: Vec<wit::PolicySet>, o: wit::Options, input: String) -> wit::Verdict {
        guard();
        let run = if o.coverage {
            core_::evaluate_with_coverage
        } else {
            core_::evaluate
        };
        verdict(run(modules(sets), options(o), &input))
    }

    fn evaluate_with_evidence(
        sets: Vec<wit::PolicySet>,
        o: wit::Options,
        input: String,
        evidence: Vec<evaluator::BundleEvidence>,
        trusted_root: Option<Vec<u8>>,
    ) -> wit::Verdict {
        guard();
        let sets = modules(sets);
        let coverage = o.coverage;
        let o = options(o);
        let invalid = |message: String| {
            let error = core_::VerdictError {
                code: core_::ErrorCode::InvalidRequest,
                message,
            };
            verdict(core_::error_verdict(&sets, &o, &input, error))
        };
        let trust = match &trusted_root {
            None => core_::verify::TrustMaterial::public_good(),
            Some(json) => match core_::verify::TrustMaterial::from_json(json) {
                Ok(t) => t,
                Err(e) => return invalid(format!("trusted root: {e}")),
            },
        };
        let mut bundles = Vec::with_capacity(evidence.len());
        for b in evidence {
            let Some(algorithm) = core_::verify::hash_algorithm(&b.artifact.algorithm) else {
                return invalid(format!(
                    "unknown digest algorithm {:?}",
                    b.artifact.algorithm
                ));
            };
            if b.artifact.value.len() != algorithm.digest_len() {
                return invalid(format!(
                    "a {} digest is {} bytes",
                    algorithm.name(),
                    algorithm.digest_len()
                ));
            }
            bundles.push(core_::BundleEvidence {
                bundle: b.bundle,
                algorithm,
                digest: b.artifact.value,
            });
        }
        let evidence = core_::Evidence { trust, bundles };
        let run = if coverage {
            core_::evaluate_with_evidence_and_coverage
        } else {
            core_::evaluate_with_evidence
        };
        verdict(run(sets, o, &input, &evidence))
    }

    fn error_verdict(
        sets: Vec<wit::PolicySet>,
        o: wit::Options,
        input: String,
        error: wit::Error,
    ) -> wit::Verdict {
        guard();
        let error = core_::VerdictError {
            code: code_from_wit(error.code),
            message: error.message,
        };
        verdict(core_::error_verdict(
            &modules(sets),
            &options(o),
            &input,
            error,
        ))
    }
}

bindings::export!(Component with_types_in bindings);
