//! Compiling policy sets once and evaluating them many times.

use std::collections::{BTreeMap, BTreeSet};
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;

use regorus::Value;
use serde_json::Value as Json;

use crate::builtins;
use crate::check;
use crate::decision::{Decision, parse_decision};
use crate::functions::{self, NoResolver, Resolver, Slot};
use crate::rewrite;
use crate::steps::{self, Steps};
use crate::template;
use crate::{Error, FileCoverage, Module, Options};

/// The path verdict's helper module is loaded under in every policy set (Buildx loads its own as
/// `builtin/buildx_defaults.rego`).
pub const HELPER_MODULE_PATH: &str = "builtin/buildx_defaults.rego";

/// verdict's helper module (`docker_github_builder`, `docker_github_builder_tag`,
/// `docker_github_builder_signature`, `docker_github_builder_bundle`,
/// `github_release_attestation`), `package docker`.
pub const HELPER_MODULE: &str = include_str!("rego/buildx_defaults.rego");

/// The query Buildx evaluates.
pub const DEFAULT_QUERY: &str = "data.docker.decision";

/// The largest input document accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 32 << 20;

/// One compiled policy set.
#[derive(Clone)]
pub(crate) struct CompiledSet {
    pub(crate) engine: regorus::Engine,
    /// Module paths, to strip the `path:line: ` prefix regorus gives prints.
    pub(crate) paths: Vec<String>,
    /// Where the custom functions find the evaluation in progress.
    pub(crate) slot: Slot,
    /// The evaluation time its time builtins read (set before each evaluation).
    pub(crate) clock: builtins::Clock,
    /// Whether the query names one rule of the set exactly (its only definitions: no function,
    /// nothing below it): evaluated as that rule, without parsing and planning the query
    /// as a Rego query on every evaluation.
    pub(crate) query_is_rule: bool,
    /// The engine the last evaluation used, kept for the next when it ended without an error
    /// (regorus clears its evaluation state at each evaluation; one that failed may have left
    /// some behind, so its engine is dropped and the next starts from a clone of `engine`).
    /// Shared by the clones of a [`PolicyEngine`], whose evaluations take turns.
    pub(crate) idle: Arc<std::sync::Mutex<Option<regorus::Engine>>>,
}

impl core::fmt::Debug for CompiledSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CompiledSet").finish_non_exhaustive()
    }
}

/// An input document converted for evaluation once ([`PolicyEngine::evaluate_input_at`]);
/// cheap to clone.
#[derive(Debug, Clone)]
pub struct Input(Value);

impl Input {
    /// The document as the engine evaluates it.
    pub fn new(document: &serde_json::Value) -> Input {
        Input(crate::document::from_json(document))
    }
}

/// Policy sets compiled with Buildx semantics, ready to evaluate inputs.
///
/// Each set is compiled on its own, as each `--policy` occurrence is in
/// Buildx. [`PolicyEngine::evaluate`] runs them in order: the first set that
/// does not allow decides (its messages are the verdict's); an error in any
/// set is the verdict.
#[derive(Debug, Clone)]
pub struct PolicyEngine {
    sets: Vec<CompiledSet>,
    query: String,
    coverage: bool,
    /// The evaluation time given when compiled ([`Options::now_ns`]), used by
    /// [`PolicyEngine::evaluate`] and [`PolicyEngine::evaluate_with`].
    now_ns: i64,
    /// Held for one evaluation: the sets' clocks are shared by clones, so evaluations take turns.
    turn: Arc<std::sync::Mutex<()>>,
}

/// The combined outcome of all sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every set allowed.
    Allow,
    /// A set denied; its `deny_msg` strings.
    Deny(Vec<String>),
    /// A set allowed and pinned the image with `pin_image`: the source is converted to this
    /// digest (Buildx's CONVERT; later sets are not evaluated).
    Convert(String),
}

/// The result of one evaluation: the outcome or the error, and what
/// `print()` wrote up to that point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Allow, deny, or the error that stopped evaluation.
    pub outcome: Result<Outcome, Error>,
    /// `print()` output of every set evaluated, in order.
    pub prints: Vec<String>,
    /// Index of the set that denied, converted or failed; `None` when all
    /// allowed or the failure is not a set's (the input).
    pub decided_by: Option<usize>,
    /// Files the custom functions asked for that the request did not carry
    /// (a host that can read them may evaluate again with them).
    pub missing_files: Vec<String>,
    /// Evidence the custom functions asked for that the request did not carry (a host that
    /// can fetch it may check again with it).
    pub missing_evidence: Vec<functions::WantedEvidence>,
    /// Line coverage of the policy modules over this evaluation, when the engine was made
    /// with [`PolicyEngine::with_coverage`] (else empty): the lines of the sets evaluated,
    /// by module path (the helper module excluded), as `verdict test` reports them.
    pub coverage: Vec<FileCoverage>,
}

impl PolicyEngine {
    /// Parses, checks and compiles `sets`.
    ///
    /// Fails with the first problem found: an empty request, a module that
    /// does not parse, a forbidden builtin or undefined function, a query that
    /// is not a `data` reference, a set with no module in the queried
    /// package, or a compile error (unsafe variables, recursion, …).
    pub fn new(sets: &[Vec<Module>], options: &Options) -> Result<Self, Error> {
        let query = options.query.as_deref().unwrap_or(DEFAULT_QUERY).trim();
        let package = query_package(query)?;
        if sets.is_empty() {
            return Err(Error::InvalidRequest("no policy set given".into()));
        }
        let mut compiled = Vec::with_capacity(sets.len());
        for (index, set) in sets.iter().enumerate() {
            if set.is_empty() {
                return Err(Error::InvalidRequest(format!(
                    "policy set {index} is empty"
                )));
            }
            compiled.push(compile_set(set, &package, query, options.now_ns)?);
        }
        Ok(PolicyEngine {
            sets: compiled,
            query: query.to_owned(),
            coverage: false,
            now_ns: options.now_ns,
            turn: Arc::default(),
        })
    }

    /// The same engine, recording line coverage in every [`Evaluation`] when `on` (for a
    /// playground's editor: what the evaluation reached, what it did not). Costs some
    /// evaluation speed.
    pub fn with_coverage(mut self, on: bool) -> Self {
        self.coverage = on;
        self
    }

    /// The query this engine evaluates.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Evaluates every set against `input`, with no files and nothing to
    /// verify with (see [`PolicyEngine::evaluate_with`]).
    pub fn evaluate(&self, input: &serde_json::Value) -> Evaluation {
        self.evaluate_with(input, Arc::new(NoResolver))
    }

    /// Evaluates every set against `input`; the custom functions read files
    /// and verify signatures through `resolver`.
    ///
    /// Sets run in order (BX `policy/multipolicy.go`): a deny or an error
    /// decides; an allow that pinned one digest converts and decides; more
    /// than one distinct pin is an error; otherwise the next set runs.
    pub fn evaluate_with(
        &self,
        input: &serde_json::Value,
        resolver: Arc<dyn Resolver>,
    ) -> Evaluation {
        self.evaluate_at(
            input,
            resolver,
            self.now_ns,
            self.coverage,
            &Steps::unbounded(),
        )
    }

    /// [`PolicyEngine::evaluate_at`] with the input already converted ([`Input::new`]): a host
    /// that evaluates one input more than once converts it once.
    pub fn evaluate_input_at(
        &self,
        input: &Input,
        resolver: Arc<dyn Resolver>,
        now_ns: i64,
        coverage: bool,
        steps: &Steps,
    ) -> Evaluation {
        self.evaluate_value_at(input.0.clone(), resolver, now_ns, coverage, steps)
    }

    /// [`PolicyEngine::evaluate_with`] at the evaluation time `now_ns` (what `time.now_ns()`
    /// returns, and the seed of `rand.intn` and `uuid.rfc4122`): one compiled engine evaluates
    /// at any number of times, as OPA's `PrepareForEval` then `Eval(EvalTime(…))`; line coverage
    /// is recorded when `coverage` is set. The sets' clocks are shared by the engine's clones, so
    /// evaluations of one engine (and its clones) take turns: two threads evaluating at two
    /// times each see their own time. The evaluation takes its steps from `steps`; past the
    /// budget it stops with [`Error::LimitExceeded`] (see [`Steps`]).
    pub fn evaluate_at(
        &self,
        input: &serde_json::Value,
        resolver: Arc<dyn Resolver>,
        now_ns: i64,
        coverage: bool,
        steps: &Steps,
    ) -> Evaluation {
        self.evaluate_value_at(
            crate::document::from_json(input),
            resolver,
            now_ns,
            coverage,
            steps,
        )
    }

    fn evaluate_value_at(
        &self,
        input: Value,
        resolver: Arc<dyn Resolver>,
        now_ns: i64,
        coverage: bool,
        steps: &Steps,
    ) -> Evaluation {
        let _turn = self
            .turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for set in &self.sets {
            set.clock
                .store(now_ns, std::sync::atomic::Ordering::Relaxed);
        }
        let mut prints = Vec::new();
        let mut missing = BTreeSet::new();
        let mut wanted = BTreeSet::new();
        let mut collected = Coverage::default();
        let mut cov = coverage.then_some(&mut collected);
        for (index, set) in self.sets.iter().enumerate() {
            let (result, effects) =
                functions::with_session(&set.slot, resolver.clone(), &input, || {
                    self.evaluate_set(set, &input, &mut prints, cov.as_deref_mut(), steps)
                });
            missing.extend(effects.missing_files);
            wanted.extend(effects.missing_evidence);
            let outcome = match (result, effects.error) {
                (Err(error), _) | (Ok(_), Some(error)) => Err(error),
                (Ok(decision), None) if !decision.allow => Ok(Outcome::Deny(decision.messages)),
                (Ok(_), None) => match effects.pins.len() {
                    0 => continue,
                    1 => Ok(Outcome::Convert(
                        effects.pins.into_iter().next().unwrap_or_default(),
                    )),
                    _ => Err(Error::EvaluationFailed(format!(
                        "pin_image recorded more than one digest: {}",
                        effects.pins.into_iter().collect::<Vec<_>>().join(", ")
                    ))),
                },
            };
            return Evaluation {
                outcome,
                prints,
                decided_by: Some(index),
                missing_files: missing.into_iter().collect(),
                missing_evidence: wanted.into_iter().collect(),
                coverage: collected.files(),
            };
        }
        Evaluation {
            outcome: Ok(Outcome::Allow),
            prints,
            decided_by: None,
            missing_files: missing.into_iter().collect(),
            missing_evidence: wanted.into_iter().collect(),
            coverage: collected.files(),
        }
    }

    /// Buildx's caps pass (BX `policy/validate.go` `CheckCaps`): every set
    /// except those in `skip` is evaluated once with `input` (the source-less
    /// input, `env.capsRequest` set); `allow` is ignored, a failure is an
    /// error naming the set. Returns whether any set asked for `exec.proxy`.
    pub fn caps(
        &self,
        input: &serde_json::Value,
        skip: &[usize],
        resolver: Arc<dyn Resolver>,
    ) -> Result<bool, (usize, Error)> {
        self.caps_at(input, skip, resolver, self.now_ns, &Steps::unbounded())
    }

    /// [`PolicyEngine::caps`] at the evaluation time `now_ns`, taking its steps from `steps`.
    pub fn caps_at(
        &self,
        input: &serde_json::Value,
        skip: &[usize],
        resolver: Arc<dyn Resolver>,
        now_ns: i64,
        steps: &Steps,
    ) -> Result<bool, (usize, Error)> {
        let _turn = self
            .turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for set in &self.sets {
            set.clock
                .store(now_ns, std::sync::atomic::Ordering::Relaxed);
        }
        let input = crate::document::from_json(input);
        let mut exec_proxy = false;
        for (index, set) in self.sets.iter().enumerate() {
            if skip.contains(&index) {
                continue;
            }
            let mut prints = Vec::new();
            let (result, effects) =
                functions::with_session(&set.slot, resolver.clone(), &input, || {
                    self.evaluate_set(set, &input, &mut prints, None, steps)
                });
            match (result, effects.error) {
                (Err(e), _) | (Ok(_), Some(e)) => return Err((index, e)),
                (Ok(decision), None) => exec_proxy |= decision.exec_proxy == Some(true),
            }
        }
        Ok(exec_proxy)
    }

    /// The query's raw value over the first set, without Buildx's decision rules: `None` when
    /// undefined. For differential tests and probes that compare values, not decisions.
    #[doc(hidden)]
    pub fn evaluate_raw(
        &self,
        input: &serde_json::Value,
    ) -> Result<Option<serde_json::Value>, Error> {
        let set = self
            .sets
            .first()
            .ok_or_else(|| Error::InvalidRequest("no policy set".into()))?;
        let _turn = self
            .turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        set.clock
            .store(self.now_ns, std::sync::atomic::Ordering::Relaxed);
        let mut engine = set.engine.clone();
        let input = crate::document::from_json(input);
        engine.set_input(input.clone());
        let (result, effects) =
            functions::with_session(&set.slot, Arc::new(NoResolver), &input, || {
                engine
                    .eval_query(self.query.clone(), false)
                    .map_err(|e| runtime_error(&e.to_string()))
            });
        if let Some(error) = effects.error {
            return Err(error);
        }
        let value = result?
            .result
            .first()
            .and_then(|r| r.expressions.first())
            .map_or(Value::Undefined, |e| e.value.clone());
        if value == Value::Undefined {
            return Ok(None);
        }
        serde_json::to_value(&value)
            .map(Some)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    fn evaluate_set(
        &self,
        set: &CompiledSet,
        input: &Value,
        prints: &mut Vec<String>,
        coverage: Option<&mut Coverage>,
        steps: &Steps,
    ) -> Result<Decision, Error> {
        // An evaluation with coverage runs on a clone of its own (coverage stays on in it).
        let idle = || {
            set.idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let reuse = coverage.is_none();
        let mut engine = reuse
            .then(|| idle().take())
            .flatten()
            .unwrap_or_else(|| set.engine.clone());
        engine.set_input(input.clone());
        if coverage.is_some() {
            engine.set_enable_coverage(true);
        }
        let Some(result) = steps.run(&mut engine, |engine| {
            if set.query_is_rule {
                engine.eval_rule(self.query.clone())
            } else {
                engine.eval_query(self.query.clone(), false).map(|results| {
                    results
                        .result
                        .first()
                        .and_then(|r| r.expressions.first())
                        .map_or(Value::Undefined, |e| e.value.clone())
                })
            }
        }) else {
            return Err(Error::Internal(
                "a step budget cannot be counted: another regorus time source is registered in this process".into(),
            ));
        };
        if let Some(coverage) = coverage {
            // A report that cannot be made leaves the coverage empty; the verdict stands.
            if let Ok(report) = engine.get_coverage_report() {
                for file in report.files {
                    if file.path == HELPER_MODULE_PATH {
                        continue;
                    }
                    let entry = coverage.0.entry(file.path).or_default();
                    entry.0.extend(file.covered);
                    entry.1.extend(file.not_covered);
                }
            }
        }
        let printed = engine.take_prints().unwrap_or_default();
        prints.extend(printed.into_iter().map(|p| strip_location(&p, &set.paths)));
        if reuse && result.is_ok() {
            *idle() = Some(engine);
        }
        let value = result.map_err(|e| {
            if steps::is_exhausted(&e) {
                steps.exhausted()
            } else if e.downcast_ref::<regorus::LimitError>().is_some() {
                // regorus's own limits (a regex's compiled size) are limits too.
                Error::LimitExceeded(compact(&e.to_string()))
            } else {
                runtime_error(&e.to_string())
            }
        })?;
        parse_decision(&self.query, &value)
    }
}

/// Covered and not-covered lines by module path, merged over the sets evaluated.
#[derive(Debug, Default)]
struct Coverage(BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)>);

impl Coverage {
    fn files(self) -> Vec<FileCoverage> {
        self.0
            .into_iter()
            .map(|(path, (covered, not_covered))| FileCoverage {
                path,
                not_covered: not_covered.difference(&covered).copied().collect(),
                covered: covered.into_iter().collect(),
            })
            .collect()
    }
}

/// Checks that `query` is a `data.<package>.<rule>` reference and returns the
/// package path (`data.docker`).
fn query_package(query: &str) -> Result<String, Error> {
    let parts: Vec<&str> = query.split('.').collect();
    let ident = |s: &&str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if parts.len() < 3 || parts[0] != "data" || !parts.iter().all(ident) {
        return Err(Error::MalformedQuery(query.to_owned()));
    }
    Ok(parts[..parts.len() - 1].join("."))
}

fn compile_set(
    modules: &[Module],
    package: &str,
    query: &str,
    now: i64,
) -> Result<CompiledSet, Error> {
    compile_modules(modules, Some(package), Some(query), now)
}

/// Whether `query` (`data.docker.decision`) is the path of rules that are not functions, with
/// no rule below or above it (`decision.allow := …`, a rule whose path is a prefix) and no
/// head whose path is not a constant (`decision[k] := …`): regorus's `eval_rule` then gives
/// what the query gives.
fn names_one_rule(heads: &[(Option<String>, bool)], query: &str) -> bool {
    let mut found = false;
    for (path, function) in heads {
        let Some(path) = path else {
            return false;
        };
        if path == query {
            if *function {
                return false;
            }
            found = true;
        } else if path.starts_with(query) || query.starts_with(path.as_str()) {
            return false;
        }
    }
    found
}

/// Each rule's path (`data.<package>.<head>`, `None` when its head has a variable part) and
/// whether it is a function, from the checked AST.
fn rule_heads(ast: &Json) -> Vec<(Option<String>, bool)> {
    let mut heads = Vec::new();
    for policy in ast.as_array().into_iter().flatten() {
        let package = check::ref_path(&policy["ast"]["package"]["refr"]);
        for rule in policy["ast"]["rules"].as_array().into_iter().flatten() {
            let (refr, function) = if let Some(spec) = rule.get("Spec") {
                let head = spec["head"].as_object().and_then(|h| h.values().next());
                let function = spec["head"].get("Func").is_some();
                (head.map(|h| &h["refr"]), function)
            } else if let Some(default) = rule.get("Default") {
                let args = default["args"].as_array().is_some_and(|a| !a.is_empty());
                (Some(&default["refr"]), args)
            } else {
                (None, false)
            };
            let path = package
                .as_ref()
                .zip(refr.and_then(check::ref_path))
                .map(|(package, head)| format!("data.{package}.{head}"));
            heads.push((path, function));
        }
    }
    heads
}

/// Compiles `modules` + the helper module as one set (the path of [`PolicyEngine::new`]);
/// `package`, when given, must be declared by one of `modules`; `query`, when given, is the
/// query evaluations run (see [`CompiledSet::query_is_rule`]). `tester` compiles policy and
/// test modules together with it.
pub(crate) fn compile_modules(
    modules: &[Module],
    package: Option<&str>,
    query: Option<&str>,
    now: i64,
) -> Result<CompiledSet, Error> {
    let mut engine = new_engine();
    let helper = Module {
        path: HELPER_MODULE_PATH.to_owned(),
        source: HELPER_MODULE.to_owned(),
    };
    let mut packages = Vec::new();
    // Template strings, which regorus does not parse, become calls (lines unchanged).
    let mut expanded = Vec::with_capacity(modules.len());
    for module in modules {
        check::check_nesting(module)?;
        let source = template::expand(module)?.unwrap_or_else(|| module.source.clone());
        expanded.push(Module {
            path: module.path.clone(),
            source,
        });
    }
    let modules = expanded.as_slice();
    for module in modules {
        packages.push(add_module(&mut engine, module)?);
    }
    if let Some(package) = package
        && !packages.iter().any(|p| p == package)
    {
        return Err(Error::WrongPackage {
            expected: package.trim_start_matches("data.").to_owned(),
            found: packages
                .iter()
                .map(|p| p.trim_start_matches("data."))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    engine
        .add_policy(helper.path.clone(), helper.source.clone())
        .map_err(|e| Error::Internal(format!("the helper module: {e}")))?;
    let with_helper: Vec<Module> = modules.iter().cloned().chain([helper]).collect();
    let ast = check::check_program(&mut engine, &with_helper)?;
    builtins::opanum::check_literals(&ast, &with_helper)?;
    // OPA's meaning for what regorus evaluates differently (negated operands, …): the set is
    // compiled again from the rewritten sources when any changed.
    if let Some(rewritten) = rewrite::rewrite_set(&ast, &with_helper)? {
        engine = new_engine();
        for module in &rewritten {
            add_module(&mut engine, module).map_err(|e| {
                Error::Internal(format!("the rewritten policy does not parse: {e}"))
            })?;
        }
    }
    let slot = Slot::default();
    let clock = builtins::Clock::new(std::sync::atomic::AtomicI64::new(now));
    builtins::register(&mut engine, &clock)
        .and_then(|()| functions::register(&mut engine, &slot))
        .map_err(|message| Error::MalformedPolicy {
            path: String::new(),
            message,
        })?;
    // Force the compile phase (scheduling, safety, rule conflicts) now, so
    // that its errors are compile errors, reported before any input.
    engine
        .eval_query("true".to_owned(), false)
        .map_err(|e| Error::MalformedPolicy {
            path: modules.first().map(|m| m.path.clone()).unwrap_or_default(),
            message: compact(&e.to_string()),
        })?;
    let _ = engine.take_prints();
    Ok(CompiledSet {
        engine,
        paths: with_helper.iter().map(|m| m.path.clone()).collect(),
        slot,
        clock,
        query_is_rule: query.is_some_and(|q| names_one_rule(&rule_heads(&ast), q)),
        idle: Arc::default(),
    })
}

/// The policy sizes regorus accepts. Its defaults (1,024 columns, 20,000 lines, 1 MiB) refuse
/// policies OPA reads — a 20-digest allow-list on one line, 15,000 pinned digests — so they
/// are raised to bounds no ordinary policy meets: a line of [`MAX_POLICY_BYTES`] and that
/// many bytes in all (the host refuses bigger files before).
const POLICY_LENGTH: regorus::PolicyLengthConfig = regorus::PolicyLengthConfig {
    max_col: match NonZeroU32::new(MAX_POLICY_BYTES as u32) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    },
    max_file_bytes: match NonZeroUsize::new(MAX_POLICY_BYTES) {
        Some(n) => n,
        None => NonZeroUsize::MIN,
    },
    max_lines: match NonZeroUsize::new(MAX_POLICY_BYTES / 2) {
        Some(n) => n,
        None => NonZeroUsize::MIN,
    },
};

/// The largest policy module accepted, in bytes (16 MiB).
pub const MAX_POLICY_BYTES: usize = 16 << 20;

/// A regorus engine with Buildx's settings: Rego v1, non-strict builtin errors, prints gathered.
pub(crate) fn new_engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine.set_policy_length_config(POLICY_LENGTH);
    engine.set_rego_v0(false);
    engine.set_strict_builtin_errors(false);
    engine.set_gather_prints(true);
    engine
}

/// Parses `module` into `engine`; returns the package it declares.
fn add_module(engine: &mut regorus::Engine, module: &Module) -> Result<String, Error> {
    engine
        .add_policy(module.path.clone(), module.source.clone())
        .map_err(|e| Error::MalformedPolicy {
            path: module.path.clone(),
            message: compact(&e.to_string()),
        })
}

/// regorus reports errors as a source excerpt: `--> file:line:col`, the
/// offending line, and `error: what`. This keeps `file:line:col: what`.
pub(crate) fn compact(message: &str) -> String {
    let location = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("--> "))
        .map(str::trim);
    let what = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::trim);
    match (location, what) {
        (Some(location), Some(what)) => format!("{location}: {what}"),
        (None, Some(what)) => what.to_owned(),
        _ => message
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("unknown error")
            .to_owned(),
    }
}

/// Classifies a regorus evaluation error. regorus finds unsafe variables
/// only when it evaluates the rule (OPA rejects them at compile time), so
/// that one compile error surfaces here and keeps its compile-error code.
fn runtime_error(message: &str) -> Error {
    let message = compact(message);
    if message.contains(builtins::bounded::LIMIT) {
        return Error::LimitExceeded(message.replacen(builtins::bounded::LIMIT, "", 1));
    }
    if message.contains(" is unsafe") {
        let path = message.split(':').next().unwrap_or_default().to_owned();
        return Error::MalformedPolicy { path, message };
    }
    Error::EvaluationFailed(message)
}

/// regorus prefixes print output with `path:line: `; OPA's print hook (and
/// so Buildx) gives the message alone.
fn strip_location(line: &str, paths: &[String]) -> String {
    for path in paths {
        if let Some(rest) = line
            .strip_prefix(path.as_str())
            .and_then(|r| r.strip_prefix(':'))
        {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0
                && let Some(message) = rest[digits..].strip_prefix(": ")
            {
                return message.to_owned();
            }
        }
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query is evaluated as a rule only where that rule is all the query names, and then
    /// gives what the query gives.
    #[test]
    fn a_query_naming_one_rule_evaluates_as_that_rule() {
        let query = "data.docker.decision";
        for (source, is_rule) in [
            ("decision := {\"allow\": true}", true),
            (
                "decision contains 1 if true\ndecision contains 2 if true",
                true,
            ),
            ("decision := 1 if false\ndecision := 2 if true", true),
            (
                "default decision := {}\ndecision := {\"allow\": input.x}",
                true,
            ),
            ("decision := 1 if false", true),
            ("decision.allow := true", false),
            ("decision[k] := 1 if k := \"a\"", false),
            ("decision(x) := x", false),
            ("x := 1", false),
        ] {
            let modules = [Module {
                path: "p.rego".into(),
                source: format!("package docker\n{source}\n"),
            }];
            let mut set = compile_set(&modules, "data.docker", query, 0).expect(source);
            assert_eq!(set.query_is_rule, is_rule, "{source}");
            if is_rule {
                set.engine
                    .set_input(Value::from(serde_json::json!({"x": 1})));
                let by_rule = set
                    .engine
                    .clone()
                    .eval_rule(query.to_owned())
                    .expect(source);
                let by_query = set
                    .engine
                    .eval_query(query.to_owned(), false)
                    .expect(source)
                    .result
                    .first()
                    .and_then(|r| r.expressions.first())
                    .map_or(Value::Undefined, |e| e.value.clone());
                assert_eq!(by_rule, by_query, "{source}");
            }
        }
    }
}
