//! The sandbox's limits and code cache on the command line (`--fuel`, `--max-memory`,
//! `--timeout`, `--max-steps`, `--no-cache`), and the runner built from them.

use clap::Args;
use verdict_host::{CallLimits, Limits, Runner, cache};
use wasmtime::Result;
use wasmtime::error::Context as _;

/// The sandbox's limits and code cache, for the verification commands.
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Fuel for one call (about one unit per WebAssembly instruction).
    #[arg(long, default_value_t = Limits::default().fuel)]
    fuel: u64,
    /// Memory cap of the sandbox, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_memory >> 20)]
    max_memory: usize,
    /// Do not read or write the precompiled-code cache.
    #[arg(long)]
    no_cache: bool,
    /// Wall-clock deadline of one call into the sandbox (of all rounds of a
    /// `check` together): `30s`, `500ms`, `2m`, `1h`; `0` for none. Past
    /// it the verdict is an error with code `resource-exhausted`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    timeout: Timeout,
    /// Evaluation steps one call may take (one per expression, query, loop
    /// iteration and rule evaluated), counted inside the sandbox: past it
    /// the verdict is an error with code `resource-exhausted`, the same on
    /// every host (fuel and time differ between hosts; steps do not).
    /// Default: no limit.
    #[arg(long, value_name = "N")]
    max_steps: Option<u64>,
}

impl SandboxArgs {
    /// The runner with these limits.
    pub(crate) fn runner(&self) -> Result<Runner> {
        new_runner(self.fuel, self.max_memory, self.timeout, self.no_cache)
    }

    /// The limits each call asks the component to enforce itself.
    pub(crate) fn call_limits(&self) -> CallLimits {
        CallLimits {
            max_steps: self.max_steps,
            max_input_bytes: None,
        }
    }
}

/// A `--timeout` value: `None` is no deadline.
pub(crate) type Timeout = Option<std::time::Duration>;

/// `--timeout`: a number and a unit (`ms`, `s`, `m`, `h`; as OPA's and
/// cosign's `--timeout`), a plain number of seconds, or `0` for none.
pub(crate) fn parse_timeout(text: &str) -> std::result::Result<Timeout, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m, h)")),
    };
    if value == 0.0 {
        return Ok(None);
    }
    std::time::Duration::try_from_secs_f64(value * scale)
        .map(Some)
        .map_err(|_| format!("{text:?} is out of range"))
}

/// The runner with the command line's limits.
fn new_runner(fuel: u64, max_memory: usize, timeout: Timeout, no_cache: bool) -> Result<Runner> {
    let limits = Limits {
        fuel,
        max_memory: max_memory
            .checked_mul(1 << 20)
            .context("--max-memory is too large")?,
        timeout,
    };
    let cache = if no_cache { None } else { cache::default_dir() };
    Runner::new(cache, limits).map_err(|e| e.context(RunnerFailed))
}

/// Marks an error of the runner itself (the component did not compile or
/// load): code `internal`, where every other host-side failure is
/// `invalid-request`.
#[derive(Debug)]
pub(crate) struct RunnerFailed;

impl std::fmt::Display for RunnerFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sandbox could not start")
    }
}
