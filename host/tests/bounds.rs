//! Every run ends in a verdict, within bounds (issue 11 §3): limits, a
//! wall-clock deadline, error verdicts that render whatever stopped the
//! evaluation, host-side failures as JSON verdicts, hostile builtins that
//! never trap as `internal`, and no backtrace in any output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use verdict_host::{ErrorCode, Limits, Options, PolicyModule, Runner};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn tmp() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bounds");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache")
}

fn verdict(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .current_dir(root())
        .env("VERDICT_CACHE_DIR", cache())
        .output()
        .expect("run verdict")
}

const NOW: &str = "2026-11-25T00:00:00Z";
const INPUT: &str = "examples/github-builder/inputs/allow-local-context.json";

/// Text that would betray a trap's internals.
const LEAKS: &[&str] = &[
    "backtrace",
    "wasm-function",
    "0x",
    "panicked",
    "RUST_BACKTRACE",
];

/// The JSON verdict `--format json` printed: exactly one line, a verdict
/// record (`hash` and `verdict`), no backtrace.
fn json_verdict(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout.lines().count(),
        1,
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for leak in LEAKS {
        assert!(!stdout.contains(leak), "{leak:?} in stdout:\n{stdout}");
        assert!(!stderr.contains(leak), "{leak:?} in stderr:\n{stderr}");
    }
    let value: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert!(value.get("hash").is_some(), "{value}");
    assert!(value["verdict"]["decision"].is_string(), "{value}");
    value
}

fn error_code(value: &Value) -> &str {
    value["verdict"]["error"]["code"].as_str().unwrap_or("")
}

fn policy_file(name: &str, source: &str) -> String {
    let path = tmp().join(name);
    std::fs::write(&path, source).unwrap();
    path.to_string_lossy().into_owned()
}

/// `--fuel 0`, `--max-memory 1` (smaller than the component's own initial
/// memory) and `--timeout 1ms` each stop the evaluation before it starts;
/// the error verdict still renders, with its canonical record and hash.
#[test]
fn exhausted_limits_still_print_a_canonical_error_verdict() {
    for (flags, message) in [
        (&["--fuel", "0"][..], "fuel limit of 0 exhausted"),
        (&["--max-memory", "1"][..], "memory limit of 1 MiB reached"),
        (&["--max-memory", "0"][..], "memory limit of 0 MiB reached"),
    ] {
        let mut args = vec![
            "eval",
            "--format",
            "json",
            "-p",
            "examples/github-builder/Dockerfile.rego",
            "-i",
            INPUT,
            "--now",
            NOW,
        ];
        args.extend_from_slice(flags);
        let out = verdict(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {out:?}");
        let value = json_verdict(&out);
        assert_eq!(
            error_code(&value),
            "resource-exhausted",
            "{flags:?}: {value}"
        );
        assert_eq!(
            value["verdict"]["error"]["message"], message,
            "{flags:?}: {value}"
        );
        // Rendered by the component: a canonical record with its hash.
        assert!(
            value["hash"]
                .as_str()
                .is_some_and(|h| h.starts_with("sha256:")),
            "{value}"
        );
        assert!(value["verdict"]["input"].is_string(), "{value}");
    }
}

/// A policy that would run for hours stops at `--timeout`, as
/// `resource-exhausted` naming the deadline, close to it.
#[test]
fn the_deadline_stops_a_long_evaluation() {
    let started = Instant::now();
    let out = verdict(&[
        "eval",
        "--format",
        "json",
        "--fuel",
        "18000000000000000000",
        "--timeout",
        "300ms",
        "-p",
        "tests/cli/exponential.rego",
        "-i",
        INPUT,
        "--now",
        NOW,
    ]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let value = json_verdict(&out);
    assert_eq!(error_code(&value), "resource-exhausted", "{value}");
    assert_eq!(
        value["verdict"]["error"]["message"], "deadline of 300ms exceeded",
        "{value}"
    );
    // Compiling the component (no cache yet) may take seconds; the
    // evaluation itself stops at the deadline.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

/// `--timeout` spellings: units, plain seconds, `0` for none; anything else
/// is a usage error.
#[test]
fn timeout_flag_spellings() {
    for good in ["0", "30s", "1.5s", "250ms", "2m", "1h", "10"] {
        let out = verdict(&[
            "eval",
            "-p",
            "examples/github-builder/Dockerfile.rego",
            "-i",
            INPUT,
            "--now",
            NOW,
            "--timeout",
            good,
        ]);
        assert_eq!(out.status.code(), Some(0), "--timeout {good}: {out:?}");
    }
    for bad in ["", "s", "-1s", "10x", "1e999s", "ten"] {
        let out = verdict(&[
            "eval",
            "-p",
            "examples/github-builder/Dockerfile.rego",
            "-i",
            INPUT,
            "--now",
            NOW,
            &format!("--timeout={bad}"),
        ]);
        assert_eq!(out.status.code(), Some(2), "--timeout {bad:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--timeout"),
            "{out:?}"
        );
    }
}

/// A deadline shared by several calls (the rounds of one `check`): once it
/// has passed, a call does not start and its verdict is
/// `resource-exhausted`.
#[test]
fn a_passed_shared_deadline_stops_the_next_round() {
    let runner = Runner::new(Some(cache()), Limits::default()).unwrap();
    let sets = vec![vec![PolicyModule {
        path: "Dockerfile.rego".into(),
        source: "package docker\n\ndecision := {\"allow\": true}\n".into(),
    }]];
    let options = Options {
        now_ns: 0,
        coverage: false,
        limits: verdict_host::CallLimits::NONE,
    };
    let engine = verdict_host::EngineOptions {
        query: None,
        default_policy: false,
    };
    let request = verdict_host::CheckRequest {
        source: Some("docker-image://alpine:3.20".into()),
        platform: Some("linux/amd64".into()),
        env: verdict_host::BuildEnv {
            args: vec![],
            labels: vec![],
            filename: Some("Dockerfile".into()),
            target: None,
        },
        evidence: vec![],
        files: vec![],
    };
    let live = runner
        .check_until(
            &sets,
            &engine,
            &request,
            None,
            &options,
            Some(Instant::now() + Duration::from_secs(60)),
        )
        .unwrap();
    assert_eq!(live.verdict.decision, verdict_host::Decision::Allow);
    let passed = runner
        .check_until(
            &sets,
            &engine,
            &request,
            None,
            &options,
            Some(Instant::now()),
        )
        .unwrap();
    assert_eq!(passed.verdict.decision, verdict_host::Decision::Error);
    let error = passed.verdict.error.unwrap();
    assert_eq!(error.code, ErrorCode::ResourceExhausted);
    assert_eq!(error.message, "deadline of 30s exceeded");
    assert!(passed.verdict.hash.starts_with("sha256:"));
}

/// Epoch interruption changes the compiled code: the cache key of an engine
/// without it differs, so code compiled without it is never loaded.
#[test]
fn the_cache_key_covers_epoch_interruption() {
    let with = wasmtime::Engine::new(&verdict_host::engine_config()).unwrap();
    let mut config = verdict_host::engine_config();
    config.epoch_interruption(false);
    let without = wasmtime::Engine::new(&config).unwrap();
    let wasm = b"\0asm\x01\0\0\0";
    assert_ne!(
        verdict_host::cache::key(&with, wasm),
        verdict_host::cache::key(&without, wasm)
    );
}

/// An input far over the engine's 32 MiB limit is an error verdict, not a
/// crash, at the default limits (the measured worst case of the issue).
#[test]
fn a_200_mb_input_is_an_error_verdict() {
    let path = tmp().join("200mb.json");
    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) != 200 << 20 {
        let mut text = vec![b' '; 200 << 20];
        text[0] = b'{';
        text[(200 << 20) - 1] = b'}';
        std::fs::write(&path, text).unwrap();
    }
    let out = verdict(&[
        "eval",
        "--format",
        "json",
        "-p",
        "examples/github-builder/Dockerfile.rego",
        "-i",
        path.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let value = json_verdict(&out);
    // The engine's limit (resource-exhausted), or a host-side read cap.
    assert!(
        ["resource-exhausted", "invalid-request"].contains(&error_code(&value)),
        "{value}"
    );
    let _ = std::fs::remove_file(&path);
}

/// Failures before the sandbox runs are JSON error verdicts with code
/// `invalid-request` under `--format json` (no canonical record: `hash` is
/// null), and keep their `verdict: …` line on standard error.
#[test]
fn host_side_failures_are_json_error_verdicts() {
    let not_utf8 = tmp().join("not-utf8.json");
    std::fs::write(&not_utf8, b"{\"a\": \"\xff\xfe\"}").unwrap();
    let not_utf8 = not_utf8.to_string_lossy().into_owned();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "missing policy file",
            vec![
                "eval",
                "--format",
                "json",
                "-p",
                "tests/cli/does-not-exist.rego",
                "-i",
                INPUT,
            ],
        ),
        (
            "input not UTF-8",
            vec![
                "eval",
                "--format",
                "json",
                "-p",
                "examples/github-builder/Dockerfile.rego",
                "-i",
                &not_utf8,
            ],
        ),
        (
            "missing input file",
            vec![
                "eval",
                "--format",
                "json",
                "-p",
                "examples/github-builder/Dockerfile.rego",
                "-i",
                "tests/cli/nope.json",
            ],
        ),
        (
            "bad --now",
            vec![
                "eval",
                "--format",
                "json",
                "-p",
                "examples/github-builder/Dockerfile.rego",
                "-i",
                INPUT,
                "--now",
                "yesterday",
            ],
        ),
        (
            "missing bundle file",
            vec![
                "eval",
                "--format",
                "json",
                "-p",
                "examples/github-builder/Dockerfile.rego",
                "-i",
                INPUT,
                "--bundle",
                "tests/cli/nope.sigstore.json=sha256:0000000000000000000000000000000000000000000000000000000000000000",
            ],
        ),
    ];
    for (name, args) in cases {
        let out = verdict(&args);
        assert_eq!(out.status.code(), Some(2), "{name}: {out:?}");
        let value = json_verdict(&out);
        assert_eq!(value["hash"], Value::Null, "{name}: {value}");
        assert_eq!(value["verdict"]["decision"], "error", "{name}: {value}");
        assert_eq!(error_code(&value), "invalid-request", "{name}: {value}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("verdict: "),
            "{name}: {out:?}"
        );
    }
    // A `--policy` file missing from the build context is a refused build-context read: the
    // component renders its verdict (a canonical record naming the file), not the host.
    let out = verdict(&[
        "check",
        "--format",
        "json",
        "--policy",
        "nope.rego",
        "docker-image://alpine",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let value = json_verdict(&out);
    assert!(value["hash"].is_string(), "{value}");
    assert_eq!(error_code(&value), "invalid-request", "{value}");
    assert!(
        value["verdict"]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope.rego") && m.contains("not-found")),
        "{value}"
    );
    // `verify --format json` answers in its own shape.
    let out = verdict(&[
        "verify",
        "--format",
        "json",
        "--bundle",
        "tests/cli/nope.sigstore.json",
        "--digest",
        "sha256:00",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["verified"], false, "{value}");
    assert_eq!(value["error"]["code"], "invalid-request", "{value}");
}

/// Hostile policies through the sandbox at the default limits: each ends in
/// a verdict — a decision, or `resource-exhausted` / another stable code —
/// never `internal`, never a backtrace. Prints the wall time of each.
#[test]
fn hostile_policies_end_in_a_verdict_in_the_sandbox() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let cases: Vec<(&str, String, &[&str])> = vec![
        ("numbers.range 1e12", "count(numbers.range(0, 1e12)) > 0".into(), &["resource-exhausted"]),
        ("numbers.range_step 0", "count(numbers.range_step(1, 10, 0)) > 0".into(), &["deny"]),
        ("numbers.range_step -1", "count(numbers.range_step(1, 10, -1)) > 0".into(), &["deny"]),
        ("sprintf width", "sprintf(\"%999999999d\", [1]) != \"\"".into(), &["resource-exhausted"]),
        ("sprintf width u32", "sprintf(\"%4294967297d\", [1]) != \"\"".into(), &["resource-exhausted"]),
        ("sprintf precision", "sprintf(\"%.999999999f\", [1]) != \"\"".into(), &["resource-exhausted"]),
        ("sprintf unicode digit is the verb", "sprintf(\"%\u{0663}d\", [1]) == \"%!\u{0663}(int64=1)d\"".into(), &["allow"]),
        ("deep literal 10k", format!("count({}) > 0", deep(10_000)), &["malformed-policy"]),
        ("deep comprehensions", format!("count({}) > 0", "[1 | true; x := ".repeat(64) + "1" + &"]".repeat(64)), &["malformed-policy"]),
        ("deep json.unmarshal", "json.unmarshal(concat(\"\", [\"[\" | numbers.range(1, 100000)[_]])) != null".into(), &["deny"]),
        ("huge concat", "count(concat(\"\", [x | numbers.range(1, 1000000)[_]; x := concat(\"\", [\"a\" | numbers.range(1, 1000)[_]])])) > 0".into(), &["resource-exhausted"]),
        ("huge array product", "count([[a, b] | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)]) > 0".into(), &["resource-exhausted"]),
        // Nesting past the value-depth bound (512) is verdict's error at once.
        ("deep yaml.unmarshal (closed)", "yaml.unmarshal(concat(\"\", [concat(\"\", [\"[\" | numbers.range(1, 50000)[_]]), concat(\"\", [\"]\" | numbers.range(1, 50000)[_]])])) != null".into(), &["resource-exhausted"]),
        // 3,000 references to one 1 MiB string: joining them asks for 3 GB at once, past
        // wasm32's isize::MAX (a `capacity overflow` panic, which the component's panic
        // hook reports as a refused allocation).
        ("join past 2 GiB", "m := concat(\"\", [k | numbers.range(1, 1024)[_]; k := concat(\"\", [\"x\" | numbers.range(1, 1024)[_]])]); count(concat(\"\", [m | numbers.range(1, 3000)[_]])) > 0".into(), &["resource-exhausted"]),
        ("regex over the compiled-size limit", "regex.match(`\\pL{1000}`, \"a\")".into(), &["resource-exhausted"]),
        ("regex repetition over Go limit", "regex.match(\"(a{1000}){1000}\", \"a\")".into(), &["deny"]),
        ("strings.replace_n growth", "count(strings.replace_n({\"a\": concat(\"\", [\"b\" | numbers.range(1, 100000)[_]])}, concat(\"\", [\"a\" | numbers.range(1, 100000)[_]]))) > 0".into(), &["resource-exhausted"]),
        ("json.marshal 500 deep in the sandbox", "count(json.marshal(json.patch({}, [{\"op\": \"add\", \"path\": concat(\"\", [\"/a\" | numbers.range(1, n)[_]]), \"value\": {}} | some n in numbers.range(1, 500)]))) == 3002".into(), &["allow"]),
        ("sprintf of a value 500 deep in the sandbox", "count(sprintf(\"%v\", [json.patch({}, [{\"op\": \"add\", \"path\": concat(\"\", [\"/a\" | numbers.range(1, n)[_]]), \"value\": {}} | some n in numbers.range(1, 500)])])) > 0".into(), &["allow"]),
        ("deep value by json.patch", "count(json.marshal(json.patch({}, [{\"op\": \"add\", \"path\": concat(\"\", [\"/a\" | numbers.range(1, n)[_]]), \"value\": {}} | some n in numbers.range(1, 20000)]))) > 0".into(), &["resource-exhausted", "deny"]),
    ];
    let mut report = Vec::new();
    for (name, expr, want) in cases {
        let source = format!(
            "package docker\n\ndefault allow := false\n\nallow if {{\n\t{expr}\n}}\n\ndecision := {{\"allow\": allow}}\n"
        );
        let file = policy_file(
            &format!("hostile-{}.rego", name.replace([' ', '.'], "-")),
            &source,
        );
        let started = Instant::now();
        let out = verdict(&[
            "eval", "--format", "json", "-p", &file, "-i", INPUT, "--now", NOW,
        ]);
        let elapsed = started.elapsed();
        let value = json_verdict(&out);
        let got = match error_code(&value) {
            "" => value["verdict"]["decision"]
                .as_str()
                .unwrap_or("?")
                .to_owned(),
            code => code.to_owned(),
        };
        report.push(format!("{name}: {got} in {elapsed:.2?}"));
        assert!(
            want.contains(&got.as_str()),
            "{name}: got {got}, want {want:?}: {value}"
        );
        assert_ne!(got, "internal", "{name}: {value}");
    }
    eprintln!("{}", report.join("\n"));
}

/// The error verdict of a dense JSON input just under the engine's 32 MiB
/// limit (1.2 million small objects, over 400 MiB to parse in the sandbox)
/// still renders canonically when the caller's limits are exhausted: the
/// rendering has reserved limits of its own.
#[test]
fn a_dense_input_renders_its_error_verdict_under_reserved_limits() {
    let path = tmp().join("dense-30mb.json");
    let mut text = b"{\"a\":[".to_vec();
    for i in 0..1_200_000 {
        if i > 0 {
            text.push(b',');
        }
        text.extend_from_slice(b"{\"k\":\"vvvvvvvv\",\"n\":12345}");
    }
    text.extend_from_slice(b"]}");
    assert!(text.len() < 32 << 20);
    std::fs::write(&path, &text).unwrap();
    for flags in [&["--fuel", "0"][..], &["--max-memory", "1"][..]] {
        let mut args = vec![
            "eval",
            "--format",
            "json",
            "-p",
            "examples/github-builder/Dockerfile.rego",
            "-i",
            path.to_str().unwrap(),
            "--now",
            NOW,
        ];
        args.extend_from_slice(flags);
        let out = verdict(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {out:?}");
        let value = json_verdict(&out);
        assert_eq!(error_code(&value), "resource-exhausted", "{value}");
        assert!(
            value["hash"]
                .as_str()
                .is_some_and(|h| h.starts_with("sha256:")),
            "{flags:?}: not rendered canonically: {value}"
        );
        // The input's digest is of its canonical (JCS) form: it was parsed.
        assert!(value["verdict"].get("inputDigestOf").is_none(), "{value}");
    }
    let _ = std::fs::remove_file(&path);
}

/// An allocation past wasm32's `isize::MAX` (2 GiB) panics with `capacity
/// overflow` before any memory growth: with a 4 GiB cap the memory limiter
/// never refuses, so only the component's panic hook (a refused 4 GiB
/// growth) makes this `resource-exhausted` rather than an `internal` trap.
#[test]
fn capacity_overflow_is_resource_exhausted_not_internal() {
    let file = policy_file(
        "join-3gb.rego",
        "package docker\n\ndefault allow := false\n\nkb := concat(\"\", [\"x\" | numbers.range(1, 1024)[_]])\n\nmb := concat(\"\", [kb | numbers.range(1, 1024)[_]])\n\nallow if {\n\tcount(concat(\"\", [mb | numbers.range(1, 3000)[_]])) > 0\n}\n\ndecision := {\"allow\": allow}\n",
    );
    let out = verdict(&[
        "eval",
        "--format",
        "json",
        "--max-memory",
        "4096",
        "-p",
        &file,
        "-i",
        INPUT,
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let value = json_verdict(&out);
    assert_eq!(error_code(&value), "resource-exhausted", "{value}");
    assert_eq!(
        value["verdict"]["error"]["message"], "memory limit of 4096 MiB reached",
        "{value}"
    );
}

/// `verdict … | head`: a reader that goes away ends the run quietly (SIGPIPE), never with a
/// panic and a backtrace on standard error.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args([
            "eval",
            "-p",
            "examples/github-builder/Dockerfile.rego",
            "-i",
            INPUT,
            "--now",
            NOW,
        ])
        .current_dir(root())
        .env("VERDICT_CACHE_DIR", cache())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run verdict");
    // Close the read end before the child prints anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert_eq!(out.status.signal(), Some(13), "SIGPIPE: {:?}", out.status);
}
