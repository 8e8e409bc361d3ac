//! Benchmarks of example (a) (the GitHub-builder signature policy):
//! warm `engine.evaluate` natively and through the component, a one-shot
//! component call (fresh instance from the reused `InstancePre`), and the
//! whole `verdict eval` process with a warm code cache.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn example() -> (String, String) {
    let dir = root().join("examples/github-builder");
    let policy = std::fs::read_to_string(dir.join("Dockerfile.rego")).unwrap();
    let input = std::fs::read_to_string(dir.join("inputs/allow-signed-release.json")).unwrap();
    (policy, input)
}

fn benches(c: &mut Criterion) {
    let (policy, input) = example();
    let now_ns = 1_795_564_800_000_000_000;

    let native = verdict_core::Engine::new(
        vec![vec![verdict_core::Module {
            path: "Dockerfile.rego".into(),
            source: policy.clone(),
        }]],
        &verdict_core::EngineOptions::default(),
    );
    let at = verdict_core::Options::at(now_ns);
    assert_eq!(
        native.evaluate(&input, &at).decision,
        verdict_core::Decision::Allow
    );
    c.bench_function("native/engine.evaluate", |b| {
        b.iter(|| native.evaluate(&input, &at))
    });

    let cache = root().join("target/verdict-bench-cache");
    let runner =
        verdict_host::Runner::new(Some(cache.clone()), verdict_host::Limits::default()).unwrap();
    let sets = vec![vec![verdict_host::PolicyModule {
        path: "Dockerfile.rego".into(),
        source: policy,
    }]];
    let options = verdict_host::Options {
        now_ns,
        coverage: false,
        limits: verdict_host::CallLimits::NONE,
    };
    let engine = verdict_host::EngineOptions {
        query: None,
        default_policy: false,
    };
    let mut session = runner.session(&sets, &engine).unwrap().unwrap();
    assert_eq!(
        session.evaluate(&input, &options).unwrap().decision,
        verdict_host::Decision::Allow
    );
    c.bench_function("component/engine.evaluate", |b| {
        b.iter(|| session.evaluate(&input, &options).unwrap())
    });
    c.bench_function("component/evaluate (fresh instance, compile policy)", |b| {
        b.iter(|| runner.evaluate(&sets, &engine, &input, &options).unwrap())
    });

    let exe = env!("CARGO_BIN_EXE_verdict");
    let dir = root().join("examples/github-builder");
    let run = || {
        let status = Command::new(exe)
            .args(["eval", "--now", "2026-11-25T00:00:00Z", "-p"])
            .arg(dir.join("Dockerfile.rego"))
            .arg("-i")
            .arg(dir.join("inputs/allow-signed-release.json"))
            .env("VERDICT_CACHE_DIR", &cache)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
    };
    run();
    let mut group = c.benchmark_group("process");
    group.sample_size(20);
    group.bench_function("verdict eval (warm code cache)", |b| b.iter(run));
    group.finish();
}

criterion_group! {
    name = eval;
    config = Criterion::default();
    targets = benches
}
criterion_main!(eval);
