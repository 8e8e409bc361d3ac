//! The embedded machine code used where it lies in the binary (`host/src/embedded.rs`): on
//! Linux x86_64 the first runner of a process runs it in place, later runners run copies, and
//! in both a trap inside the component (fuel run out) is still a `resource-exhausted` verdict,
//! which needs wasmtime to know the code's addresses. One test in this file, so that its first
//! runner is the process's first.

use verdict_host::Runner;
use verdict_host::{CallLimits, Decision, EngineOptions, ErrorCode, Limits, Options, PolicyModule};

const ALLOW: &str = "package docker\n\ndecision := {\"allow\": true}\n";

/// A policy that runs until its fuel is gone.
const SPIN: &str = "package docker\n\n\
    decision := {\"allow\": count([x | some x in numbers.range(1, 100000000)]) > 0}\n";

fn evaluate(runner: &Runner, source: &str) -> verdict_host::Verdict {
    let sets = vec![vec![PolicyModule {
        path: "Dockerfile.rego".into(),
        source: source.into(),
    }]];
    let engine = EngineOptions {
        query: None,
        default_policy: false,
    };
    let options = Options {
        now_ns: 0,
        coverage: false,
        limits: CallLimits::NONE,
    };
    runner
        .evaluate(&sets, &engine, "{}", &options)
        .expect("a verdict")
}

fn runner() -> Runner {
    let limits = Limits {
        fuel: 200_000_000,
        ..Limits::default()
    };
    Runner::new(None, limits).expect("a runner")
}

fn runs_and_traps(runner: &Runner) {
    assert_eq!(evaluate(runner, ALLOW).decision, Decision::Allow);
    let stopped = evaluate(runner, SPIN);
    assert_eq!(stopped.decision, Decision::Error);
    let error = stopped.error.expect("an error");
    assert_eq!(
        error.code,
        ErrorCode::ResourceExhausted,
        "{}",
        error.message
    );
    assert_eq!(evaluate(runner, ALLOW).decision, Decision::Allow);
}

#[test]
fn the_first_runner_runs_the_embedded_code_in_place_and_later_ones_copies() {
    // Where the runner copies by design: another platform, `VERDICT_COMPILE=1`, a profile
    // (`VERDICT_PERFMAP=1` with the `profile` feature).
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| v == "1");
    let in_place = cfg!(all(target_os = "linux", target_arch = "x86_64"))
        && !set("VERDICT_COMPILE")
        && !(cfg!(feature = "profile") && set("VERDICT_PERFMAP"));
    let first = runner();
    assert_eq!(first.code_in_place(), in_place);
    let second = runner();
    assert!(!second.code_in_place());
    runs_and_traps(&first);
    runs_and_traps(&second);
    drop(first);
    runs_and_traps(&second);
    let third = runner();
    assert!(!third.code_in_place());
    runs_and_traps(&third);
}
