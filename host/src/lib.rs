//! # verdict-host
//!
//! Runs the verdict component with wasmtime. This crate owns the sandbox:
//! the embedded component ([`COMPONENT`]), the precompiled-code cache
//! ([`cache`]), per-call limits ([`Limits`]: fuel and a memory cap) and
//! the mapping of a stopped evaluation to an `error` verdict with code
//! `resource-exhausted` (and of a stopped verification to a
//! [`verify::VerifyFailure`] with the same code). Sigstore bundle
//! verification goes through the component's `verifier` interface
//! ([`verify`]). It grants the component no WASI capability: the
//! world it instantiates imports nothing.
//!
//! It is the only crate that uses wasmtime; it does not depend on the
//! verdict library crates, only on the component's WIT contract.

pub mod cache;
pub mod evidence;
pub mod fsroot;
pub mod pretty;
pub mod verify;

use std::path::PathBuf;

use wasmtime::Result;
use wasmtime::component::{Linker, ResourceAny};
use wasmtime::error::Context as _;
use wasmtime::{Config, Store, Trap};

/// The generated bindings of the `engine` world (private; re-exported below).
#[allow(missing_docs)]
mod gen_ {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "engine",
    });
}

pub use gen_::exports::verdict::policy::checker::{
    Attestation, BuildEnv, CheckRequest, Checked, Evidence, NamedBytes,
};
pub use gen_::exports::verdict::policy::evaluator::BundleEvidence;
pub use gen_::exports::verdict::policy::tester::{TestReport, TestResult};
pub use gen_::exports::verdict::policy::types::{
    Decision, Error as VerdictError, ErrorCode, FileCoverage, Options, PolicyModule, Verdict,
};

/// The verdict component, built from this workspace and embedded.
pub static COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/verdict.wasm"));

/// The wasmtime version this runner embeds.
pub const WASMTIME_VERSION: &str = "48.0.8";

/// Per-call limits (one evaluation, one trusted-root preparation or one
/// verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (roughly, WebAssembly instructions) one call may consume.
    pub fuel: u64,
    /// The most linear memory the component may grow to, in bytes.
    pub max_memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 20_000_000_000,
            max_memory: 1 << 30,
        }
    }
}

/// Store state: the memory limiter, which records whether it refused growth.
struct State {
    max_memory: usize,
    refused: bool,
}

impl wasmtime::ResourceLimiter for State {
    fn memory_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> Result<bool> {
        if desired > self.max_memory {
            self.refused = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// The compiled component, ready to instantiate cheaply many times.
pub struct Runner {
    pre: gen_::EnginePre<State>,
    engine: wasmtime::Engine,
    limits: Limits,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A policy set, as the component takes it.
pub type PolicySet = Vec<PolicyModule>;

impl Runner {
    /// Compiles (or loads from `cache`) the embedded component.
    pub fn new(cache: Option<PathBuf>, limits: Limits) -> Result<Runner> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = wasmtime::Engine::new(&config)?;
        let component = cache::load(&engine, COMPONENT, cache.as_deref())?;
        let linker = Linker::<State>::new(&engine);
        let instance_pre = linker
            .instantiate_pre(&component)
            .context("failed to link the verdict component")?;
        let pre = gen_::EnginePre::new(instance_pre)?;
        Ok(Runner {
            pre,
            engine,
            limits,
        })
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn store(&self) -> Result<Store<State>> {
        let mut store = Store::new(
            &self.engine,
            State {
                max_memory: self.limits.max_memory,
                refused: false,
            },
        );
        store.limiter(|s| s);
        store.set_fuel(self.limits.fuel)?;
        Ok(store)
    }

    /// Compiles and evaluates in a fresh instance. A trap (fuel, memory)
    /// becomes an `error` verdict rendered by the component itself.
    pub fn evaluate(&self, sets: &[PolicySet], options: &Options, input: &str) -> Result<Verdict> {
        let mut store = self.store()?;
        let bindings = self.pre.instantiate(&mut store)?;
        let result = bindings
            .verdict_policy_evaluator()
            .call_evaluate(&mut store, sets, options, input);
        match result {
            Ok(verdict) => Ok(verdict),
            Err(trap) => {
                let error = self.classify(&store, &trap);
                self.error_verdict(sets, options, input, &error)
            }
        }
    }

    /// Compiles and evaluates in a fresh instance with Sigstore bundles as
    /// evidence, verified inside the component against `trusted_root`
    /// (trusted-root JSON; `None`: the embedded public-good root). The
    /// verified ones become `input.signatures`.
    pub fn evaluate_with_evidence(
        &self,
        sets: &[PolicySet],
        options: &Options,
        input: &str,
        evidence: &[BundleEvidence],
        trusted_root: Option<&[u8]>,
    ) -> Result<Verdict> {
        let mut store = self.store()?;
        let bindings = self.pre.instantiate(&mut store)?;
        let result = bindings
            .verdict_policy_evaluator()
            .call_evaluate_with_evidence(&mut store, sets, options, input, evidence, trusted_root);
        match result {
            Ok(verdict) => Ok(verdict),
            Err(trap) => {
                let error = self.classify(&store, &trap);
                self.error_verdict(sets, options, input, &error)
            }
        }
    }

    /// Checks one source with its evidence in a fresh instance (the
    /// `checker` interface). A trap (fuel, memory) becomes an `error`
    /// verdict rendered by the component itself.
    pub fn check(
        &self,
        sets: &[PolicySet],
        options: &Options,
        request: &CheckRequest,
    ) -> Result<Checked> {
        let mut store = self.store()?;
        let bindings = self.pre.instantiate(&mut store)?;
        let result = bindings
            .verdict_policy_checker()
            .call_check(&mut store, sets, options, request);
        match result {
            Ok(checked) => Ok(checked),
            Err(trap) => {
                let error = self.classify(&store, &trap);
                let input = serde_json::json!({"source": request.source}).to_string();
                Ok(Checked {
                    verdict: self.error_verdict(sets, options, &input, &error)?,
                    input: None,
                })
            }
        }
    }

    /// The input document Buildx would build for `request`, with its facts
    /// (`{"input": …, "facts": […]}`), built in a fresh instance.
    pub fn build_input(
        &self,
        request: &CheckRequest,
    ) -> Result<std::result::Result<String, VerdictError>> {
        let mut store = self.store()?;
        let bindings = self.pre.instantiate(&mut store)?;
        let result = bindings
            .verdict_policy_checker()
            .call_build_input(&mut store, request);
        match result {
            Ok(r) => Ok(r),
            Err(trap) => Ok(Err(self.classify(&store, &trap))),
        }
    }

    /// Runs policy tests (`test_*` rules of `tests`) against `policy` in a
    /// fresh instance; `run` keeps the tests whose name contains it.
    pub fn run_tests(
        &self,
        policy: &[PolicyModule],
        tests: &[PolicyModule],
        options: &Options,
        run: Option<&str>,
    ) -> Result<std::result::Result<TestReport, VerdictError>> {
        let mut store = self.store()?;
        let bindings = self.pre.instantiate(&mut store)?;
        let result = bindings
            .verdict_policy_tester()
            .call_run_tests(&mut store, policy, tests, options, run);
        match result {
            Ok(r) => Ok(r),
            Err(trap) => Ok(Err(self.classify(&store, &trap))),
        }
    }

    /// The canonical error verdict, from a fresh instance.
    pub fn error_verdict(
        &self,
        sets: &[PolicySet],
        options: &Options,
        input: &str,
        error: &VerdictError,
    ) -> Result<Verdict> {
        let mut store = self.store()?;
        let bindings = self.pre.instantiate(&mut store)?;
        bindings
            .verdict_policy_evaluator()
            .call_error_verdict(&mut store, sets, options, input, error)
            .context("the component failed to render an error verdict")
    }

    /// Compiles policy sets into a live engine resource for many evaluations.
    pub fn session(
        &self,
        sets: &[PolicySet],
        options: &Options,
    ) -> Result<std::result::Result<Session<'_>, VerdictError>> {
        let mut store = self.store()?;
        let bindings = self.pre.instantiate(&mut store)?;
        let created = bindings
            .verdict_policy_evaluator()
            .engine()
            .call_create(&mut store, sets, options);
        match created {
            Ok(Ok(handle)) => Ok(Ok(Session {
                runner: self,
                store,
                bindings,
                handle,
                sets: sets.to_vec(),
                options: options.clone(),
            })),
            Ok(Err(error)) => Ok(Err(error)),
            Err(trap) => Ok(Err(self.classify(&store, &trap))),
        }
    }

    fn classify(&self, store: &Store<State>, trap: &wasmtime::Error) -> VerdictError {
        if store.data().refused {
            return VerdictError {
                code: ErrorCode::ResourceExhausted,
                message: format!(
                    "memory limit of {} MiB reached",
                    self.limits.max_memory >> 20
                ),
            };
        }
        match trap.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => VerdictError {
                code: ErrorCode::ResourceExhausted,
                message: format!("fuel limit of {} exhausted", self.limits.fuel),
            },
            Some(Trap::StackOverflow) => VerdictError {
                code: ErrorCode::ResourceExhausted,
                message: "stack exhausted".to_owned(),
            },
            _ => VerdictError {
                code: ErrorCode::Internal,
                message: format!("the component trapped: {trap:#}"),
            },
        }
    }
}

/// A compiled engine resource living in its own instance.
pub struct Session<'r> {
    runner: &'r Runner,
    store: Store<State>,
    bindings: gen_::Engine,
    handle: ResourceAny,
    sets: Vec<PolicySet>,
    options: Options,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session<'_> {
    /// Evaluates one input with the compiled engine, refuelled per call.
    /// After a trap the instance is dead; the error verdict comes from a
    /// fresh one and the session must not be used again.
    pub fn evaluate(&mut self, input: &str) -> Result<Verdict> {
        self.store.set_fuel(self.runner.limits.fuel)?;
        let result = self
            .bindings
            .verdict_policy_evaluator()
            .engine()
            .call_evaluate(&mut self.store, self.handle, input);
        match result {
            Ok(verdict) => Ok(verdict),
            Err(trap) => {
                let error = self.runner.classify(&self.store, &trap);
                self.runner
                    .error_verdict(&self.sets, &self.options, input, &error)
            }
        }
    }
}

impl ErrorCode {
    /// The stable kebab-case name (the WIT case name).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedPolicy => "malformed-policy",
            ErrorCode::MalformedInput => "malformed-input",
            ErrorCode::ForbiddenBuiltin => "forbidden-builtin",
            ErrorCode::WrongPackage => "wrong-package",
            ErrorCode::MalformedQuery => "malformed-query",
            ErrorCode::UndefinedDecision => "undefined-decision",
            ErrorCode::InvalidDecision => "invalid-decision",
            ErrorCode::EvaluationFailed => "evaluation-failed",
            ErrorCode::ResourceExhausted => "resource-exhausted",
            ErrorCode::InvalidRequest => "invalid-request",
            ErrorCode::Internal => "internal",
            ErrorCode::UnsupportedSource => "unsupported-source",
            ErrorCode::MalformedSource => "malformed-source",
            ErrorCode::InvalidEvidence => "invalid-evidence",
        }
    }
}

impl Decision {
    /// `allow`, `deny` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
            Decision::Error => "error",
            Decision::Convert => "convert",
        }
    }

    /// The CLI's exit status: 0 allow, 1 deny, 2 error.
    pub fn exit_code(self) -> u8 {
        match self {
            Decision::Allow => 0,
            Decision::Deny => 1,
            Decision::Error => 2,
            Decision::Convert => 0,
        }
    }
}
