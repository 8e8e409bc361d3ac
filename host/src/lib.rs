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
#[cfg(feature = "serve")]
pub mod deploy;
mod embedded;
mod engine_config;
pub mod evidence;
pub mod fsroot;
pub mod pretty;
#[cfg(feature = "serve")]
pub mod serve;
pub mod verify;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wasmtime::Result;
use wasmtime::component::{Linker, ResourceAny};
use wasmtime::error::Context as _;
use wasmtime::{Store, Trap};

/// The generated bindings of the `engine` world (private; re-exported below).
#[allow(missing_docs)]
mod gen_ {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "engine",
    });
}

pub use gen_::exports::verdict::policy::checker::InputDocument;
pub use gen_::exports::verdict::policy::evaluator::{BundleEvidence, Reason, ReasonKind};
pub use gen_::exports::verdict::policy::host_protocol::{PolicyPlan, PolicySets};
pub use gen_::exports::verdict::policy::tester::{TestReport, TestResult};
/// The limits one call asks the component to enforce itself (WIT `limits`): the same stop in
/// every host, unlike the sandbox's own [`Limits`].
pub use gen_::exports::verdict::policy::types::Limits as CallLimits;
pub use gen_::exports::verdict::policy::types::{
    BuildEnv, CheckRequest, Checked, Decision, EngineOptions, Error as VerdictError, ErrorCode,
    Fact, FactStatus, File, FileCoverage, Options, PolicyModule, Verdict, WantedEvidence,
};

impl CallLimits {
    /// No limit of the component's own.
    pub const NONE: CallLimits = CallLimits {
        max_steps: None,
        max_input_bytes: None,
    };
}

pub use engine_config::engine_config;

/// A trusted root a host hands the component: its JSON, and where it came from when the host
/// knows more than that it was given (a root `verdict trust-root update` verified through TUF):
/// recorded in the verdict beside its digest (`trustRootOrigin`).
#[derive(Debug, Clone, Copy)]
pub struct GivenRoot<'a> {
    /// The trusted root's JSON.
    pub json: &'a [u8],
    /// Where it came from (`None`: `given`).
    pub origin: Option<&'a str>,
}

impl<'a> From<&'a [u8]> for GivenRoot<'a> {
    fn from(json: &'a [u8]) -> Self {
        GivenRoot { json, origin: None }
    }
}

/// The verdict component, built from this workspace and embedded.
pub static COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/verdict.wasm"));

/// [`COMPONENT`]'s machine code, compiled by `host/build.rs` with [`engine_config`] for the
/// machine that built this binary and embedded: a run loads it in milliseconds instead of
/// compiling. Where wasmtime finds it does not fit (another CPU, another configuration), the
/// runner compiles [`COMPONENT`] instead ([`cache`]). Page aligned: on Linux x86_64 a run
/// uses it where it lies instead of copying it (`host/src/embedded.rs`).
pub static PRECOMPILED: &[u8] = &PRECOMPILED_ALIGNED.0;

static PRECOMPILED_ALIGNED: &embedded::PageAligned<[u8]> =
    &embedded::PageAligned(*include_bytes!(concat!(env!("OUT_DIR"), "/verdict.cwasm")));

/// The verdict HTTP service component (world `verdict:policy/service`: `wasi:http/incoming-handler`
/// importing only the `wasi:http/proxy` world), built from this workspace and embedded; what
/// `verdict serve` runs, and what any wasi:http platform runs unchanged. (The cargo feature
/// `serve`, on by default.)
#[cfg(feature = "serve")]
pub static SERVICE_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/verdict-service.wasm"));

/// [`SERVICE_COMPONENT`]'s machine code, compiled by `host/build.rs` as [`PRECOMPILED`] is.
#[cfg(feature = "serve")]
pub static SERVICE_PRECOMPILED: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/verdict-service.cwasm"));

/// `sha256:` and the lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

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
    /// The wall-clock deadline of one call (of all rounds of a `check`
    /// together, see [`Runner::check_until`]); `None`: no deadline.
    pub timeout: Option<Duration>,
}

/// The default wall-clock deadline: generous for any real policy (the
/// slowest example evaluates in well under a second), short enough that a
/// CI job stuck on a hostile policy fails fast.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 20_000_000_000,
            max_memory: 1 << 30,
            timeout: Some(DEFAULT_TIMEOUT),
        }
    }
}

/// How often the engine's epoch advances: the granularity of deadlines.
const TICK: Duration = Duration::from_millis(10);

/// The limits of the call that renders an error verdict after an
/// evaluation was stopped, independent of the caller's (which may be what
/// stopped it: `--fuel 0`, a tiny `--max-memory`). Rendering digests the
/// policies and the input, parsing and canonicalising it when it is at most
/// the engine's 32 MiB input limit: bounded work, but a 30 MB JSON document
/// of small objects needs over 400 MiB to parse. So the reservation is all
/// a wasm32 memory can address, fuel in proportion to the input (measured:
/// hashing costs about 100 units a byte, parsing and canonicalising a dense
/// document a few hundred) and a deadline of its own.
fn reserved_limits(input_len: usize) -> Limits {
    let input = u64::try_from(input_len).unwrap_or(u64::MAX);
    Limits {
        fuel: RESERVED_FUEL.saturating_add(input.saturating_mul(RESERVED_FUEL_PER_BYTE)),
        max_memory: MAX_WASM32_MEMORY,
        timeout: Some(RESERVED_TIMEOUT),
    }
}

/// Fuel reserved to render an error verdict, plus [`RESERVED_FUEL_PER_BYTE`]
/// per input byte.
const RESERVED_FUEL: u64 = 2_000_000_000;
/// Fuel per input byte reserved to render an error verdict.
const RESERVED_FUEL_PER_BYTE: u64 = 2_000;
/// The address space of a wasm32 memory.
const MAX_WASM32_MEMORY: usize = 4 << 30;
/// The deadline of the call that renders an error verdict.
const RESERVED_TIMEOUT: Duration = Duration::from_secs(60);

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

    /// Growth past what a wasm32 memory can address (4 GiB): an allocation
    /// that could never succeed (the component's panic hook asks for one
    /// after a `capacity overflow`), so a refusal all the same.
    fn memory_grow_failed(&mut self, _: wasmtime::Error) -> Result<()> {
        self.refused = true;
        Ok(())
    }

    fn table_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// The thread that advances the engine's epoch every [`TICK`], so a store's
/// epoch deadline is a wall-clock deadline. Stopped when the runner drops.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: &wasmtime::Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("verdict-epoch".to_owned())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .ok();
        Ticker { stop, thread }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The compiled component, ready to instantiate cheaply many times.
pub struct Runner {
    pre: gen_::EnginePre<State>,
    engine: wasmtime::Engine,
    limits: Limits,
    in_place: bool,
    _ticker: Ticker,
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

/// `30s`, `1.5s`, `250ms`: a deadline as the messages name it.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) && d.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

impl Runner {
    /// Loads the embedded machine code ([`PRECOMPILED`]); where it does not fit this machine,
    /// compiles the embedded component (or loads it from `cache`), saying so on standard error
    /// first: that takes seconds, once.
    ///
    /// `VERDICT_COMPILE=1` in the environment skips the embedded code (to compare, or to test
    /// the compiled path and its cache).
    pub fn new(cache: Option<PathBuf>, limits: Limits) -> Result<Runner> {
        let mut config = engine_config();
        // A profile names the guest's functions from wasmtime's perf map, which covers code
        // wasmtime copied, not code that lies in the binary (perf names that by the binary's
        // own symbols): profiling copies.
        let perfmap = cfg!(feature = "profile")
            && std::env::var_os("VERDICT_PERFMAP").is_some_and(|v| v == "1");
        if perfmap {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let in_place = !perfmap && embedded::configure(&mut config);
        let engine = wasmtime::Engine::new(&config)?;
        let embedded = if std::env::var_os("VERDICT_COMPILE").is_some_and(|v| v == "1") {
            Err(wasmtime::Error::msg("VERDICT_COMPILE=1"))
        } else {
            // SAFETY: PRECOMPILED was produced by host/build.rs from COMPONENT with
            // engine_config() and is embedded in this binary: it is as trusted as the
            // binary's own code. wasmtime checks its header and its compatibility with
            // this engine (version, configuration, CPU features) and refuses it otherwise.
            #[allow(
                unsafe_code,
                reason = "loading the machine code embedded at build time"
            )]
            let loaded = unsafe { embedded::load(&engine, PRECOMPILED_ALIGNED, in_place) };
            loaded
        };
        let (component, in_place) = match embedded {
            Ok(loaded) => loaded,
            Err(_) => (
                cache::load(&engine, COMPONENT, cache.as_deref(), || {
                    eprintln!(
                        "verdict: compiling the component for this machine (not using the embedded \
                     machine code); this takes a few seconds, once{}",
                        cache
                            .as_deref()
                            .map(|d| format!(" (cached in {})", d.display()))
                            .unwrap_or_default()
                    );
                })?,
                false,
            ),
        };
        let linker = Linker::<State>::new(&engine);
        let instance_pre = linker
            .instantiate_pre(&component)
            .context("failed to link the verdict component")?;
        let pre = gen_::EnginePre::new(instance_pre)?;
        let ticker = Ticker::start(&engine);
        Ok(Runner {
            pre,
            engine,
            limits,
            in_place,
            _ticker: ticker,
        })
    }

    /// Whether this runner runs the embedded machine code where it lies in the binary (Linux
    /// x86_64, the first runner of a process: `host/src/embedded.rs`) rather than a copy.
    pub fn code_in_place(&self) -> bool {
        self.in_place
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The deadline of a call starting now (`None`: no timeout).
    pub fn deadline(&self) -> Option<Instant> {
        self.limits.timeout.map(|t| Instant::now() + t)
    }

    fn timed_out(&self) -> VerdictError {
        VerdictError {
            code: ErrorCode::ResourceExhausted,
            message: match self.limits.timeout {
                Some(t) => format!("deadline of {} exceeded", format_duration(t)),
                None => "deadline exceeded".to_owned(),
            },
        }
    }

    /// Sets `store`'s fuel and epoch deadline for one call.
    fn arm(
        &self,
        store: &mut Store<State>,
        fuel: u64,
        deadline: Option<Instant>,
    ) -> std::result::Result<(), VerdictError> {
        store.set_fuel(fuel).map_err(|e| internal(&e))?;
        let ticks = match deadline {
            None => u64::MAX / 2,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(self.timed_out());
                }
                let ticks = left.as_nanos().div_ceil(TICK.as_nanos());
                u64::try_from(ticks).unwrap_or(u64::MAX / 2).max(1)
            }
        };
        store.set_epoch_deadline(ticks);
        Ok(())
    }

    fn store_with(&self, limits: Limits) -> Store<State> {
        let mut store = Store::new(
            &self.engine,
            State {
                max_memory: limits.max_memory,
                refused: false,
            },
        );
        store.limiter(|s| s);
        store.epoch_deadline_trap();
        store
    }

    /// A fresh store and instance armed for one call under the runner's
    /// limits (fuel, memory, the deadline given).
    fn instance(
        &self,
        deadline: Option<Instant>,
    ) -> std::result::Result<(Store<State>, gen_::Engine), VerdictError> {
        let mut store = self.store_with(self.limits);
        self.arm(&mut store, self.limits.fuel, deadline)?;
        let bindings = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| self.classify(&store, &e))?;
        Ok((store, bindings))
    }

    /// Runs `f` in a fresh instance under the runner's limits and `deadline`;
    /// a stop (trap) is classified ([`ErrorCode::ResourceExhausted`] for a
    /// limit).
    fn call<T>(
        &self,
        deadline: Option<Instant>,
        f: impl FnOnce(&gen_::Engine, &mut Store<State>) -> Result<T>,
    ) -> std::result::Result<T, VerdictError> {
        let (mut store, bindings) = self.instance(deadline)?;
        f(&bindings, &mut store).map_err(|trap| self.classify(&store, &trap))
    }

    /// Prepares `trusted_root` (trusted-root JSON; `None`: the embedded public-good root) as a
    /// `trust-root` resource of the instance. A root that does not parse is an
    /// `invalid-request` error naming it.
    fn prepare_trust(
        bindings: &gen_::Engine,
        store: &mut Store<State>,
        trusted_root: Option<GivenRoot<'_>>,
    ) -> Result<std::result::Result<ResourceAny, VerdictError>> {
        let guest = bindings.verdict_policy_verifier().trust_root();
        let prepared = match trusted_root {
            None => return Ok(Ok(guest.call_public_good(&mut *store)?)),
            Some(GivenRoot { json, origin: None }) => guest.call_from_json(&mut *store, json)?,
            Some(GivenRoot {
                json,
                origin: Some(origin),
            }) => guest.call_from_json_with_origin(&mut *store, json, origin)?,
        };
        Ok(prepared.map_err(|e| VerdictError {
            code: ErrorCode::InvalidRequest,
            message: format!("trusted root: {}", e.message),
        }))
    }

    /// Compiles and evaluates in a fresh instance. A stop (fuel, memory,
    /// deadline, trap) becomes an `error` verdict rendered by the component
    /// under reserved limits ([`Runner::error_verdict`]).
    pub fn evaluate(
        &self,
        sets: &[PolicySet],
        engine: &EngineOptions,
        input: &str,
        options: &Options,
    ) -> Result<Verdict> {
        let result = self.call(self.deadline(), |b, store| {
            let e = b.verdict_policy_evaluator().engine();
            let handle = e.call_constructor(&mut *store, sets, engine)?;
            e.call_evaluate(&mut *store, handle, input, *options)
        });
        Ok(result.unwrap_or_else(|error| self.error_verdict(sets, engine, input, options, &error)))
    }

    /// Compiles and evaluates in a fresh instance with Sigstore bundles as
    /// evidence, verified inside the component against `trusted_root`
    /// (trusted-root JSON; `None`: the embedded public-good root). The
    /// verified ones become `input.signatures`.
    pub fn evaluate_with_evidence(
        &self,
        sets: &[PolicySet],
        engine: &EngineOptions,
        input: &str,
        evidence: &[BundleEvidence],
        trusted_root: Option<GivenRoot<'_>>,
        options: &Options,
    ) -> Result<Verdict> {
        let result = self.call(self.deadline(), |b, store| {
            let trust = match Self::prepare_trust(b, store, trusted_root)? {
                Ok(trust) => trust,
                Err(error) => return Ok(Err(error)),
            };
            let e = b.verdict_policy_evaluator().engine();
            let handle = e.call_constructor(&mut *store, sets, engine)?;
            e.call_evaluate_with_evidence(&mut *store, handle, input, evidence, trust, *options)
                .map(Ok)
        });
        Ok(match result {
            Ok(Ok(verdict)) => verdict,
            Ok(Err(error)) | Err(error) => self.error_verdict(sets, engine, input, options, &error),
        })
    }

    /// Checks one source with its evidence in a fresh instance, with a
    /// deadline of its own. A stop becomes an `error` verdict rendered under
    /// reserved limits.
    pub fn check(
        &self,
        sets: &[PolicySet],
        engine: &EngineOptions,
        request: &CheckRequest,
        trusted_root: Option<GivenRoot<'_>>,
        options: &Options,
    ) -> Result<Checked> {
        self.check_until(
            sets,
            engine,
            request,
            trusted_root,
            options,
            self.deadline(),
        )
    }

    /// [`Runner::check`] with a deadline shared by several calls (the rounds
    /// of one `check` that reads the files the policy asks for).
    pub fn check_until(
        &self,
        sets: &[PolicySet],
        engine: &EngineOptions,
        request: &CheckRequest,
        trusted_root: Option<GivenRoot<'_>>,
        options: &Options,
        deadline: Option<Instant>,
    ) -> Result<Checked> {
        let result = self.call(deadline, |b, store| {
            let trust = match Self::prepare_trust(b, store, trusted_root)? {
                Ok(trust) => trust,
                Err(error) => return Ok(Err(error)),
            };
            let e = b.verdict_policy_evaluator().engine();
            let handle = e.call_constructor(&mut *store, sets, engine)?;
            e.call_check(&mut *store, handle, request, trust, *options)
                .map(Ok)
        });
        Ok(match result {
            Ok(Ok(checked)) => checked,
            Ok(Err(error)) | Err(error) => {
                let input = serde_json::json!({"source": request.source}).to_string();
                Checked {
                    verdict: self.error_verdict(sets, engine, &input, options, &error),
                    input: None,
                }
            }
        })
    }

    /// Checks `request` in one instance, as OPA's prepared query is used: the policy sets
    /// compiled once and the trusted root prepared once, then round after round — each with the
    /// runner's fuel, all under one deadline — `more` adds to `request` what the verdict asks
    /// for (build-context files, evidence) and says whether it added anything; if it did, the
    /// source is checked again, at most `max_rounds` times. A stop becomes an `error` verdict
    /// rendered under reserved limits; an error of `more` (a file the host refuses, a fetch
    /// that failed) is returned as it is.
    #[allow(
        clippy::too_many_arguments,
        reason = "the check's parts, as the WIT call takes them"
    )]
    pub fn check_rounds(
        &self,
        sets: &[PolicySet],
        engine: &EngineOptions,
        request: &mut CheckRequest,
        trusted_root: Option<GivenRoot<'_>>,
        options: &Options,
        max_rounds: usize,
        mut more: impl FnMut(&Verdict, &mut CheckRequest) -> Result<bool>,
    ) -> Result<Checked> {
        let failed = |error: VerdictError, request: &CheckRequest| {
            let input = serde_json::json!({"source": request.source}).to_string();
            Checked {
                verdict: self.error_verdict(sets, engine, &input, options, &error),
                input: None,
            }
        };
        let mut deadline = self.deadline();
        let (mut store, b) = match self.instance(deadline) {
            Ok(instance) => instance,
            Err(error) => return Ok(failed(error, request)),
        };
        let e = b.verdict_policy_evaluator().engine();
        let setup = Self::prepare_trust(&b, &mut store, trusted_root).and_then(|trust| {
            Ok(match trust {
                Ok(trust) => Ok((trust, e.call_constructor(&mut store, sets, engine)?)),
                Err(error) => Err(error),
            })
        });
        let (trust, handle) = match setup {
            Ok(Ok(resources)) => resources,
            Ok(Err(error)) => return Ok(failed(error, request)),
            Err(trap) => return Ok(failed(self.classify(&store, &trap), request)),
        };
        let mut round = 0;
        loop {
            round += 1;
            if round > 1
                && let Err(error) = self.arm(&mut store, self.limits.fuel, deadline)
            {
                return Ok(failed(error, request));
            }
            let checked = match e.call_check(&mut store, handle, request, trust, *options) {
                Ok(checked) => checked,
                Err(trap) => return Ok(failed(self.classify(&store, &trap), request)),
            };
            if round >= max_rounds {
                return Ok(checked);
            }
            // The time `more` spends (reading files, fetching evidence) is not the sandbox's:
            // the deadline of the computation moves by it.
            let between = Instant::now();
            if !more(&checked.verdict, request)? {
                return Ok(checked);
            }
            deadline = deadline.map(|d| d + between.elapsed());
        }
    }

    /// The input document Buildx would build for `request`, with its facts,
    /// built in a fresh instance.
    pub fn build_input(
        &self,
        request: &CheckRequest,
        trusted_root: Option<GivenRoot<'_>>,
    ) -> Result<std::result::Result<InputDocument, VerdictError>> {
        Ok(self
            .call(self.deadline(), |b, store| {
                let trust = match Self::prepare_trust(b, store, trusted_root)? {
                    Ok(trust) => trust,
                    Err(error) => return Ok(Err(error)),
                };
                b.verdict_policy_checker()
                    .call_build_input(&mut *store, request, trust)
            })
            .and_then(|r| r))
    }

    /// Why the rules of `module` named `rule` (every rule with a body when `None`) did or did not
    /// hold, given the lines an evaluation covered (the component's `explain`).
    pub fn explain(
        &self,
        module: &PolicyModule,
        covered: &[u32],
        rule: Option<&str>,
    ) -> Result<std::result::Result<Vec<Reason>, VerdictError>> {
        self.call_reserved(module.source.len(), |b, store| {
            b.verdict_policy_evaluator()
                .call_explain(store, module, covered, rule)
        })
    }

    /// What `--policy` values ask for, by the component's grammar (the same in every host); a
    /// value that does not parse is an error naming it.
    pub fn parse_policy_flags(
        &self,
        values: &[String],
    ) -> Result<std::result::Result<PolicyPlan, VerdictError>> {
        let size = values.iter().map(String::len).sum();
        self.call_reserved(size, |b, store| {
            b.verdict_policy_host_protocol()
                .call_parse_policy_flags(store, values)
        })
    }

    /// Runs `f` in a fresh instance under reserved limits (not the runner's: the call is the
    /// host's bookkeeping, not the user's evaluation, and must not be stopped by its limits).
    fn call_reserved<T>(
        &self,
        size: usize,
        f: impl FnOnce(&gen_::Engine, &mut Store<State>) -> Result<T>,
    ) -> Result<T> {
        let limits = reserved_limits(size);
        let mut store = self.store_with(limits);
        self.arm(
            &mut store,
            limits.fuel,
            limits.timeout.map(|t| Instant::now() + t),
        )
        .map_err(|e| wasmtime::Error::msg(e.message))?;
        let bindings = self.pre.instantiate(&mut store)?;
        f(&bindings, &mut store)
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
        Ok(self
            .call(self.deadline(), |b, store| {
                b.verdict_policy_tester()
                    .call_run_tests(store, policy, tests, *options, run)
            })
            .and_then(|r| r))
    }

    /// The canonical error verdict, rendered by the component in a fresh
    /// instance under reserved limits (not the runner's: they may be what
    /// stopped the evaluation). It cannot fail: should even that call be
    /// stopped, the verdict is [`host_error_verdict`] (no canonical record).
    pub fn error_verdict(
        &self,
        sets: &[PolicySet],
        engine: &EngineOptions,
        input: &str,
        options: &Options,
        error: &VerdictError,
    ) -> Verdict {
        let limits = reserved_limits(input.len());
        let mut store = self.store_with(limits);
        let rendered = self
            .arm(
                &mut store,
                limits.fuel,
                limits.timeout.map(|t| Instant::now() + t),
            )
            .map_err(|e| wasmtime::Error::msg(e.message))
            .and_then(|()| self.pre.instantiate(&mut store))
            .and_then(|bindings| {
                bindings
                    .verdict_policy_evaluator()
                    .call_error_verdict(&mut store, sets, engine, input, error, *options)
            });
        rendered.unwrap_or_else(|_| host_error_verdict(error.clone()))
    }

    /// Compiles policy sets into a live engine resource for many evaluations, at any times.
    pub fn session(
        &self,
        sets: &[PolicySet],
        engine: &EngineOptions,
    ) -> Result<std::result::Result<Session<'_>, VerdictError>> {
        let (mut store, bindings) = match self.instance(self.deadline()) {
            Ok(instance) => instance,
            Err(error) => return Ok(Err(error)),
        };
        let created = bindings
            .verdict_policy_evaluator()
            .engine()
            .call_constructor(&mut store, sets, engine);
        match created {
            Ok(handle) => Ok(Ok(Session {
                runner: self,
                store,
                bindings,
                handle,
                sets: sets.to_vec(),
                engine: engine.clone(),
            })),
            Err(trap) => Ok(Err(self.classify(&store, &trap))),
        }
    }

    /// Arms a long-lived instance's store for one more call: fresh fuel and
    /// a fresh deadline.
    fn rearm(&self, store: &mut Store<State>) -> std::result::Result<(), VerdictError> {
        self.arm(store, self.limits.fuel, self.deadline())
    }

    /// What stopped a call, as a verdict error. Limits are
    /// `resource-exhausted` naming the limit; any other trap is `internal`
    /// naming the trap only: no backtrace or host detail reaches a verdict.
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
            Some(Trap::Interrupt) => self.timed_out(),
            Some(Trap::StackOverflow) => VerdictError {
                code: ErrorCode::ResourceExhausted,
                message: "stack exhausted".to_owned(),
            },
            Some(other) => VerdictError {
                code: ErrorCode::Internal,
                message: format!("the component trapped: {other}"),
            },
            None => internal(trap),
        }
    }
}

/// An `internal` error naming a host failure by its root cause's first
/// line (never a backtrace).
fn internal(error: &wasmtime::Error) -> VerdictError {
    let cause = error.root_cause().to_string();
    VerdictError {
        code: ErrorCode::Internal,
        message: format!(
            "the component failed: {}",
            cause.lines().next().unwrap_or("unknown error")
        ),
    }
}

/// An `error` verdict made by the host alone, for a failure that never
/// reached the component (a file that cannot be read, a bad flag) or, as a
/// last resort, when the component could not render one. It has no
/// canonical record: `canonical_json` is `{"decision":"error","error":…}`
/// and `hash` is empty ([`pretty::json_output`] prints it as `null`).
pub fn host_error_verdict(error: VerdictError) -> Verdict {
    let canonical_json = serde_json::json!({
        "decision": "error",
        "error": {"code": error.code.as_str(), "message": error.message},
    })
    .to_string();
    Verdict {
        decision: Decision::Error,
        messages: vec![],
        prints: vec![],
        error: Some(error),
        decided_by: None,
        pin: None,
        missing_files: vec![],
        missing_evidence: vec![],
        facts: vec![],
        signers: vec![],
        canonical_json,
        hash: String::new(),
        coverage: vec![],
    }
}

/// A compiled engine resource living in its own instance.
pub struct Session<'r> {
    runner: &'r Runner,
    store: Store<State>,
    bindings: gen_::Engine,
    handle: ResourceAny,
    sets: Vec<PolicySet>,
    engine: EngineOptions,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session<'_> {
    /// Why the session's policy sets did not compile, if they did not.
    pub fn compile_error(&mut self) -> Result<Option<VerdictError>> {
        self.runner
            .rearm(&mut self.store)
            .map_err(|e| wasmtime::Error::msg(e.message))?;
        self.bindings
            .verdict_policy_evaluator()
            .engine()
            .call_compile_error(&mut self.store, self.handle)
    }

    /// Evaluates one input with the compiled engine at `options.now_ns`, refuelled (and given
    /// a fresh deadline) per call. After a trap the instance is dead; the error verdict comes
    /// from a fresh one and the session must not be used again.
    pub fn evaluate(&mut self, input: &str, options: &Options) -> Result<Verdict> {
        if let Err(error) = self.runner.rearm(&mut self.store) {
            return Ok(self
                .runner
                .error_verdict(&self.sets, &self.engine, input, options, &error));
        }
        let result = self
            .bindings
            .verdict_policy_evaluator()
            .engine()
            .call_evaluate(&mut self.store, self.handle, input, *options);
        match result {
            Ok(verdict) => Ok(verdict),
            Err(trap) => {
                let error = self.runner.classify(&self.store, &trap);
                Ok(self
                    .runner
                    .error_verdict(&self.sets, &self.engine, input, options, &error))
            }
        }
    }
}

impl ErrorCode {
    /// Every code, in the WIT's order (`host/tests/component.rs` checks it against
    /// `wit/world.wit` and `verdict_core::ErrorCode`).
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::MalformedPolicy,
        ErrorCode::MalformedInput,
        ErrorCode::ForbiddenBuiltin,
        ErrorCode::WrongPackage,
        ErrorCode::MalformedQuery,
        ErrorCode::UndefinedDecision,
        ErrorCode::InvalidDecision,
        ErrorCode::EvaluationFailed,
        ErrorCode::ResourceExhausted,
        ErrorCode::InvalidRequest,
        ErrorCode::Internal,
        ErrorCode::UnsupportedSource,
        ErrorCode::MalformedSource,
        ErrorCode::InvalidEvidence,
    ];

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

impl FactStatus {
    /// `verified`, `asserted` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            FactStatus::Verified => "verified",
            FactStatus::Asserted => "asserted",
            FactStatus::Failed => "failed",
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
