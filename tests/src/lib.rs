//! # verdict-tests
//!
//! Shared machinery of the data-driven suites: reading case files, running
//! one request natively (`verdict-core`) and through the built component
//! (`verdict-host`'s runner, both the one-shot call and the engine
//! resource), and checking that every path gives byte-identical canonical
//! verdicts. See `tests/README.md` for the suites and how to bless goldens.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde::Deserialize;
use verdict_host as host;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The evaluation time cases use unless they name one: 2026-01-01T00:00:00Z.
pub const DEFAULT_NOW: &str = "2026-01-01T00:00:00Z";

/// Parses an RFC 3339 time into nanoseconds.
pub fn parse_now(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("bad time {text:?}: {e}"))?
        .timestamp_nanos_opt()
        .ok_or_else(|| format!("time {text:?} out of range"))
}

/// One policy module of a case file.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseModule {
    /// File name.
    pub path: String,
    /// Rego source.
    pub source: String,
}

/// What a case expects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Want {
    /// `allow`, `deny` or `error`.
    pub decision: String,
    /// Exact deny messages (default: none).
    #[serde(default)]
    pub messages: Vec<String>,
    /// Exact prints, when given.
    pub prints: Option<Vec<String>>,
    /// The error code, for error verdicts.
    pub error: Option<String>,
    /// A substring the error message must contain (in addition to the code).
    pub message_contains: Option<String>,
    /// The index of the deciding set, when given.
    pub decided_by: Option<u32>,
}

/// A policy case file (`tests/cases/policy/*.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub note: String,
    /// The query (default `data.docker.decision`).
    pub query: Option<String>,
    /// The evaluation time (default [`DEFAULT_NOW`]).
    pub now: Option<String>,
    /// The input document, as text (so malformed inputs can be cases).
    pub input: String,
    /// Sets by module path; default: all modules in one set.
    pub sets: Option<Vec<Vec<String>>>,
    /// The modules.
    #[serde(rename = "module")]
    pub modules: Vec<CaseModule>,
    /// The expectation.
    pub want: Want,
}

impl Case {
    /// Reads a case file.
    pub fn load(path: &Path) -> Result<Case, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path:?}: {e}"))?;
        toml::from_str(&text).map_err(|e| format!("{path:?}: {e}"))
    }

    /// The policy sets, as module lists.
    pub fn sets(&self) -> Result<Vec<Vec<verdict_core::Module>>, String> {
        let module = |path: &str| {
            self.modules
                .iter()
                .find(|m| m.path == path)
                .map(|m| verdict_core::Module {
                    path: m.path.clone(),
                    source: m.source.clone(),
                })
                .ok_or_else(|| format!("set names unknown module {path:?}"))
        };
        match &self.sets {
            Some(sets) => sets
                .iter()
                .map(|set| set.iter().map(|p| module(p)).collect())
                .collect(),
            None => Ok(vec![
                self.modules
                    .iter()
                    .map(|m| module(&m.path))
                    .collect::<Result<_, _>>()?,
            ]),
        }
    }

    /// How the engine compiles (the case's query).
    pub fn engine_options(&self) -> verdict_core::EngineOptions {
        verdict_core::EngineOptions {
            query: self.query.clone(),
            default_policy: false,
        }
    }

    /// The call's options (the case's time).
    pub fn options(&self) -> Result<verdict_core::Options, String> {
        Ok(verdict_core::Options::at(parse_now(
            self.now.as_deref().unwrap_or(DEFAULT_NOW),
        )?))
    }
}

/// The shared runner of the built component (precompiled-code cache in the
/// target directory).
pub fn runner() -> &'static host::Runner {
    static RUNNER: OnceLock<host::Runner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        let cache = root().join("target").join("verdict-test-cache");
        host::Runner::new(Some(cache), host::Limits::default()).expect("build the runner")
    })
}

/// A verdict reduced to what every host returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `allow` / `deny` / `error`.
    pub decision: String,
    /// Deny messages.
    pub messages: Vec<String>,
    /// Prints.
    pub prints: Vec<String>,
    /// Error code and message.
    pub error: Option<(String, String)>,
    /// Deciding set.
    pub decided_by: Option<u32>,
    /// Canonical record.
    pub canonical_json: String,
    /// Hash.
    pub hash: String,
    /// Line coverage, when asked for: `(path, covered, not covered)` per module.
    pub coverage: Vec<(String, Vec<u32>, Vec<u32>)>,
    /// The typed facts: `(field, status, how)`.
    pub facts: Vec<(String, String, String)>,
    /// The typed signers.
    pub signers: Vec<SeenSigner>,
}

/// A typed signer as every host returns it: `(path, kind, fields)`.
pub type SeenSigner = (String, Option<String>, Vec<(String, String)>);

/// The native and the component verdict types have the same fields.
macro_rules! seen_from {
    ($verdict:ty) => {
        impl From<$verdict> for Seen {
            fn from(v: $verdict) -> Seen {
                Seen {
                    decision: v.decision.as_str().to_owned(),
                    messages: v.messages,
                    prints: v.prints,
                    error: v.error.map(|e| (e.code.as_str().to_owned(), e.message)),
                    decided_by: v.decided_by,
                    canonical_json: v.canonical_json,
                    hash: v.hash,
                    coverage: v
                        .coverage
                        .into_iter()
                        .map(|f| (f.path, f.covered, f.not_covered))
                        .collect(),
                    facts: v
                        .facts
                        .into_iter()
                        .map(|f| (f.field, f.status.as_str().to_owned(), f.how))
                        .collect(),
                    signers: v
                        .signers
                        .into_iter()
                        .map(|s| (s.path, s.kind, s.fields))
                        .collect(),
                }
            }
        }
    };
}

seen_from!(verdict_core::Verdict);
seen_from!(host::Verdict);

fn to_host_sets(sets: &[Vec<verdict_core::Module>]) -> Vec<host::PolicySet> {
    sets.iter()
        .map(|set| {
            set.iter()
                .map(|m| host::PolicyModule {
                    path: m.path.clone(),
                    source: m.source.clone(),
                })
                .collect()
        })
        .collect()
}

/// The verdict hashes each host gave, by case id (`<suite>/<case>`, the ids of
/// `web/test/parity.mjs`): `[native, component]`.
static PARITY: Mutex<BTreeMap<String, [String; 2]>> = Mutex::new(BTreeMap::new());

fn record_parity(id: &str, native: &Seen, component: &Seen) {
    PARITY
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.to_owned(), [native.hash.clone(), component.hash.clone()]);
}

/// Writes the hashes this test binary's cases gave natively (host a) and in
/// the component run by the wasmtime runner (host b) to
/// `<target>/parity/native-<binary>.json` and `component-<binary>.json`, for
/// the cross-host summary (`web/test/parity-summary.mjs`).
pub fn write_parity(binary: &str) -> std::io::Result<()> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root().join("target"), |d| root().join(d));
    let dir = target.join("parity");
    std::fs::create_dir_all(&dir)?;
    let parity = PARITY.lock().unwrap_or_else(|e| e.into_inner());
    for (index, host) in [
        "(a) native verdict-core",
        "(b) the component in the verdict runner (wasmtime)",
    ]
    .into_iter()
    .enumerate()
    {
        let hashes: BTreeMap<&str, &str> = parity
            .iter()
            .map(|(id, h)| (id.as_str(), h[index].as_str()))
            .collect();
        let doc = serde_json::json!({ "host": host, "hashes": hashes });
        let file = dir.join(format!("{}-{binary}.json", ["native", "component"][index]));
        std::fs::write(file, format!("{doc:#}\n"))?;
    }
    Ok(())
}

fn host_engine(o: &verdict_core::EngineOptions) -> host::EngineOptions {
    host::EngineOptions {
        query: o.query.clone(),
        default_policy: o.default_policy,
    }
}

fn to_host_options(o: &verdict_core::Options) -> host::Options {
    host::Options {
        now_ns: o.now_ns,
        coverage: o.coverage,
        limits: host::CallLimits {
            max_steps: o.limits.max_steps,
            max_input_bytes: o.limits.max_input_bytes,
        },
    }
}

/// Runs a request on every path and checks they agree byte for byte; `id`
/// names the case for the cross-host summary. Returns the native verdict.
pub fn run_everywhere(
    id: &str,
    sets: &[Vec<verdict_core::Module>],
    engine: &verdict_core::EngineOptions,
    options: &verdict_core::Options,
    input: &str,
) -> Result<Seen, String> {
    // (a) native: a fresh engine, and one engine reused (after a call at another time).
    let native_engine = verdict_core::Engine::new(sets.to_vec(), engine);
    let _ = native_engine.evaluate(input, &verdict_core::Options::at(options.now_ns ^ 1));
    let native: Seen = native_engine.evaluate(input, options).into();
    let fresh: Seen = verdict_core::Engine::new(sets.to_vec(), engine)
        .evaluate(input, options)
        .into();
    same("native engine reused", &fresh, &native)?;
    // (b) the component in the runner, one shot and as a resource.
    let runner = runner();
    let host_sets = to_host_sets(sets);
    let host_engine = host_engine(engine);
    let host_options = to_host_options(options);
    let component: Seen = runner
        .evaluate(&host_sets, &host_engine, input, &host_options)
        .map_err(|e| format!("runner: {e:#}"))?
        .into();
    same("component", &native, &component)?;
    record_parity(id, &native, &component);
    // With coverage asked for: the same verdict, and the same lines on both sides.
    let covered = verdict_core::Options {
        coverage: true,
        ..*options
    };
    let native_covered: Seen = native_engine.evaluate(input, &covered).into();
    let component_covered: Seen = runner
        .evaluate(&host_sets, &host_engine, input, &to_host_options(&covered))
        .map_err(|e| format!("runner: {e:#}"))?
        .into();
    same(
        "component with coverage",
        &native_covered,
        &component_covered,
    )?;
    if native_covered.canonical_json != native.canonical_json {
        return Err("asking for coverage changed the verdict".into());
    }
    match runner
        .session(&host_sets, &host_engine)
        .map_err(|e| format!("runner: {e:#}"))?
    {
        Ok(mut session) => {
            // The same resource at another time first, then twice at the case's time.
            let other = host::Options {
                now_ns: options.now_ns ^ 1,
                coverage: false,
                limits: host::CallLimits::NONE,
            };
            session
                .evaluate(input, &other)
                .map_err(|e| format!("session: {e:#}"))?;
            for _ in 0..2 {
                let seen: Seen = session
                    .evaluate(input, &host_options)
                    .map_err(|e| format!("session: {e:#}"))?
                    .into();
                same("component engine resource", &native, &seen)?;
            }
        }
        Err(error) => return Err(format!("session: {}", error.message)),
    }
    same_step_budget(
        &native_engine,
        runner,
        &host_sets,
        &host_engine,
        input,
        options,
    )?;
    Ok(native)
}

/// The step budget stops the component where it stops the native engine: the least budget
/// with which the native engine finishes gives the component the same verdict, and one step
/// less gives both the same `resource-exhausted` verdict.
fn same_step_budget(
    native_engine: &verdict_core::Engine,
    runner: &host::Runner,
    host_sets: &[Vec<host::PolicyModule>],
    host_engine: &host::EngineOptions,
    input: &str,
    options: &verdict_core::Options,
) -> Result<(), String> {
    let at = |max: u64| verdict_core::Options {
        limits: verdict_core::Limits {
            max_steps: Some(max),
            max_input_bytes: None,
        },
        ..*options
    };
    let stopped = |max: u64| {
        native_engine
            .evaluate(input, &at(max))
            .error
            .map(|e| e.code)
            == Some(verdict_core::ErrorCode::ResourceExhausted)
    };
    if stopped(u64::MAX) {
        return Ok(());
    }
    let (mut lo, mut hi) = (0u64, 1u64 << 40);
    if stopped(hi) {
        return Err("a policy case needs more than 2^40 steps".into());
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if stopped(mid) { lo = mid + 1 } else { hi = mid }
    }
    let mut budgets = vec![lo];
    if lo > 0 {
        budgets.push(lo - 1);
    }
    for max in budgets {
        let native: Seen = native_engine.evaluate(input, &at(max)).into();
        let component: Seen = runner
            .evaluate(host_sets, host_engine, input, &to_host_options(&at(max)))
            .map_err(|e| format!("runner: {e:#}"))?
            .into();
        same(
            &format!("component with max-steps {max}"),
            &native,
            &component,
        )?;
    }
    Ok(())
}

fn same(what: &str, native: &Seen, other: &Seen) -> Result<(), String> {
    if native != other {
        return Err(format!(
            "{what} differs from native:\n native: {} coverage {:?}\n {what}: {} coverage {:?}",
            native.canonical_json, native.coverage, other.canonical_json, other.coverage
        ));
    }
    Ok(())
}

/// Checks a verdict against a [`Want`].
pub fn check(want: &Want, seen: &Seen) -> Result<(), String> {
    let mut problems = Vec::new();
    if seen.decision != want.decision {
        problems.push(format!(
            "decision {} (want {})",
            seen.decision, want.decision
        ));
    }
    if seen.messages != want.messages {
        problems.push(format!(
            "messages {:?} (want {:?})",
            seen.messages, want.messages
        ));
    }
    if let Some(prints) = &want.prints
        && &seen.prints != prints
    {
        problems.push(format!("prints {:?} (want {prints:?})", seen.prints));
    }
    let code = seen.error.as_ref().map(|e| e.0.as_str());
    if code != want.error.as_deref() {
        problems.push(format!("error code {code:?} (want {:?})", want.error));
    }
    if let Some(needle) = &want.message_contains {
        let message = seen.error.as_ref().map(|e| e.1.as_str()).unwrap_or("");
        if !message.contains(needle.as_str()) {
            problems.push(format!("error message {message:?} lacks {needle:?}"));
        }
    }
    if want.decided_by.is_some() && seen.decided_by != want.decided_by {
        problems.push(format!(
            "decided by {:?} (want {:?})",
            seen.decided_by, want.decided_by
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n verdict: {}",
            problems.join("\n "),
            seen.canonical_json
        ))
    }
}

/// Compares `actual` with the golden file at `path`, or rewrites it when
/// `BLESS=1`.
pub fn golden(path: &Path, actual: &str) -> Result<(), String> {
    let actual = format!("{actual}\n");
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::write(path, &actual).map_err(|e| format!("{path:?}: {e}"))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path)
        .map_err(|e| format!("{path:?}: {e} (re-run with BLESS=1 to create it)"))?
        .replace("\r\n", "\n");
    if expected != actual {
        return Err(format!(
            "golden {path:?} differs (re-run with BLESS=1 if intended)\n want: {expected}\n  got: {actual}"
        ));
    }
    Ok(())
}

/// A source check of an example (`[[check]]` in `cases.toml`): paths are relative to the
/// example's directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckCase {
    /// The case's name (golden file `expected/<name>.verdict.json`).
    pub name: String,
    /// The source.
    pub source: String,
    /// The platform (default `linux/amd64`).
    pub platform: Option<String>,
    /// Policy files (one set), overriding the example's.
    pub policies: Option<Vec<String>>,
    /// Prepend the built-in default policy.
    #[serde(default)]
    pub default_policy: bool,
    /// An evidence directory.
    pub evidence: Option<String>,
    /// A trusted-root file (default: the public-good root).
    pub trusted_root: Option<String>,
    /// The build context policies read files from.
    pub context: Option<String>,
    /// The evaluation time.
    pub now: Option<String>,
    /// The digest a convert pins to.
    pub pin: Option<String>,
    /// The expectation.
    #[serde(flatten)]
    pub want: Want,
}

/// A check request as the hosts hand it over, and the trusted root it is checked with.
#[derive(Debug, Clone)]
pub struct HostCheck {
    /// The request (the evidence directory as a file listing).
    pub request: host::CheckRequest,
    /// Trusted-root JSON; `None`: the public-good root.
    pub trusted_root: Option<Vec<u8>>,
}

fn host_to_core(r: &host::CheckRequest) -> verdict_core::CheckRequest {
    verdict_core::CheckRequest {
        source: r.source.clone(),
        platform: r.platform.clone(),
        env: verdict_core::Env {
            args: r.env.args.iter().cloned().collect(),
            labels: r.env.labels.iter().cloned().collect(),
            filename: r.env.filename.clone().unwrap_or_default(),
            target: r.env.target.clone().unwrap_or_default(),
        },
        evidence: r
            .evidence
            .iter()
            .map(|f| (f.path.clone(), f.content.clone()))
            .collect(),
        files: r
            .files
            .iter()
            .map(|f| (f.path.clone(), f.content.clone()))
            .collect(),
    }
}

/// The listing in another order: reversed, then rotated by a third (the component sorts it, so
/// the verdict must not change).
fn shuffled(files: &[host::File]) -> Vec<host::File> {
    let mut out: Vec<host::File> = files.iter().rev().cloned().collect();
    let n = out.len();
    if n > 0 {
        out.rotate_left(n / 3);
    }
    out
}

/// Runs a source check natively and through the component (both with the runner's
/// "read the files the policy asked for, check again" loop over `context`), checks that they
/// agree byte for byte — also with the evidence listed in another order — and returns the
/// native verdict; `id` names the case for the cross-host summary.
pub fn check_everywhere(
    id: &str,
    sets: &[Vec<verdict_core::Module>],
    engine: &verdict_core::EngineOptions,
    options: &verdict_core::Options,
    check: HostCheck,
    context: Option<&Path>,
) -> Result<(Seen, Option<String>), String> {
    let runner = runner();
    let host_sets = to_host_sets(sets);
    let host_engine = host_engine(engine);
    let host_options = to_host_options(options);
    let HostCheck {
        mut request,
        trusted_root,
    } = check;
    let trust = match &trusted_root {
        None => verdict_core::verify::TrustMaterial::public_good(),
        Some(json) => verdict_core::verify::TrustMaterial::from_json(json)
            .map_err(|e| format!("trusted root: {e}"))?,
    };
    let native_engine = verdict_core::Engine::new(sets.to_vec(), engine);
    let mut rounds = 0;
    loop {
        rounds += 1;
        let native = native_engine.check(&host_to_core(&request), &trust, options);
        let component = runner
            .check(
                &host_sets,
                &host_engine,
                &request,
                trusted_root.as_deref().map(host::GivenRoot::from),
                &host_options,
            )
            .map_err(|e| format!("runner: {e:#}"))?;
        let reordered = host::CheckRequest {
            evidence: shuffled(&request.evidence),
            ..request.clone()
        };
        let component_shuffled = runner
            .check(
                &host_sets,
                &host_engine,
                &reordered,
                trusted_root.as_deref().map(host::GivenRoot::from),
                &host_options,
            )
            .map_err(|e| format!("runner: {e:#}"))?;
        let pin = native.verdict.pin.clone();
        let missing = native.verdict.missing_files.clone();
        let native_seen: Seen = native.verdict.into();
        let component_seen: Seen = component.verdict.into();
        same("component check", &native_seen, &component_seen)?;
        same(
            "component check, evidence listed in another order",
            &native_seen,
            &component_shuffled.verdict.into(),
        )?;
        record_parity(id, &native_seen, &component_seen);
        let mut added = false;
        if let Some(context) = context {
            for name in missing {
                let path = context.join(&name);
                if path.is_file() && !request.files.iter().any(|f| f.path == name) {
                    request.files.push(host::File {
                        path: name,
                        content: std::fs::read(&path).map_err(|e| format!("{path:?}: {e}"))?,
                    });
                    added = true;
                }
            }
        }
        if !added || rounds >= 10 {
            return Ok((native_seen, pin));
        }
    }
}

/// The check request of a case, its evidence read from disk.
pub fn check_request(dir: &Path, case: &CheckCase) -> Result<HostCheck, String> {
    let evidence = match &case.evidence {
        Some(e) => host::evidence::load(&dir.join(e)).map_err(|e| format!("{e:#}"))?,
        None => vec![],
    };
    let trusted_root = case
        .trusted_root
        .as_ref()
        .map(|p| std::fs::read(dir.join(p)).map_err(|e| format!("{p}: {e}")))
        .transpose()?;
    Ok(HostCheck {
        request: host::CheckRequest {
            source: Some(case.source.clone()),
            platform: Some(
                case.platform
                    .clone()
                    .unwrap_or_else(|| "linux/amd64".to_owned()),
            ),
            env: host::BuildEnv {
                args: vec![],
                labels: vec![],
                filename: Some("Dockerfile".to_owned()),
                target: None,
            },
            evidence,
            files: vec![],
        },
        trusted_root,
    })
}
