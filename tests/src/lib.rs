//! # verdict-tests
//!
//! Shared machinery of the data-driven suites: reading case files, running
//! one request natively (`verdict-core`) and through the built component
//! (`verdict-host`'s runner, both the one-shot call and the engine
//! resource), and checking that every path gives byte-identical canonical
//! verdicts. See `tests/README.md` for the suites and how to bless goldens.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

    /// The options.
    pub fn options(&self) -> Result<verdict_core::Options, String> {
        Ok(verdict_core::Options {
            query: self.query.clone(),
            now_ns: parse_now(self.now.as_deref().unwrap_or(DEFAULT_NOW))?,
        })
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
}

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

/// Runs a request on every path and checks they agree byte for byte.
/// Returns the native verdict.
pub fn run_everywhere(
    sets: &[Vec<verdict_core::Module>],
    options: &verdict_core::Options,
    input: &str,
) -> Result<Seen, String> {
    // (a) native, one shot and through a compiled engine.
    let native: Seen = verdict_core::evaluate(sets.to_vec(), options.clone(), input).into();
    if let Ok(engine) = verdict_core::Engine::new(sets.to_vec(), options.clone()) {
        let warm: Seen = engine.evaluate(input).into();
        same("native engine", &native, &warm)?;
    }
    // (b) the component in the runner, one shot and as a resource.
    let runner = runner();
    let host_sets = to_host_sets(sets);
    let host_options = host::Options {
        query: options.query.clone(),
        now_ns: options.now_ns,
    };
    let component: Seen = runner
        .evaluate(&host_sets, &host_options, input)
        .map_err(|e| format!("runner: {e:#}"))?
        .into();
    same("component", &native, &component)?;
    match runner
        .session(&host_sets, &host_options)
        .map_err(|e| format!("runner: {e:#}"))?
    {
        Ok(mut session) => {
            for _ in 0..2 {
                let seen: Seen = session
                    .evaluate(input)
                    .map_err(|e| format!("session: {e:#}"))?
                    .into();
                same("component engine resource", &native, &seen)?;
            }
        }
        Err(error) => {
            let native_error = native.error.as_ref().map(|e| e.0.as_str());
            if native_error != Some(error.code.as_str()) {
                return Err(format!(
                    "component create failed with {} but the native verdict is {native_error:?}",
                    error.code.as_str()
                ));
            }
        }
    }
    Ok(native)
}

fn same(what: &str, native: &Seen, other: &Seen) -> Result<(), String> {
    if native != other {
        return Err(format!(
            "{what} differs from native:\n native: {}\n {what}: {}",
            native.canonical_json, other.canonical_json
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
