//! The Rust embedding runs the parity corpus — every policy case and every example item — and
//! gives the goldens' verdicts byte for byte. The component is the one the `verdict` runner
//! embeds (`verdict component --out`), or `$VERDICT_COMPONENT_WASM`.

use std::path::{Path, PathBuf};

use verdict_embed::{
    BuildEnv, CheckRequest, Embedded, EngineOptions, Limits, Options, PolicyModule,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo().join("target"), |d| repo().join(d))
}

/// The component: `$VERDICT_COMPONENT_WASM`, else written by the runner `cargo test` built.
fn component() -> PathBuf {
    if let Some(path) = std::env::var_os("VERDICT_COMPONENT_WASM") {
        return path.into();
    }
    let runner = target().join("debug").join("verdict");
    assert!(
        runner.is_file(),
        "{runner:?} is missing: cargo build -p verdict-host"
    );
    let out = target().join("embed").join("verdict.component.wasm");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let status = std::process::Command::new(&runner)
        .args(["component", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

/// Nanoseconds of an RFC 3339 UTC time (`YYYY-MM-DDTHH:MM:SS[.f]Z`).
fn ns(t: &str) -> i64 {
    let n = |a: usize, b: usize| t[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 719_469;
    let frac = t
        .get(20..t.len() - 1)
        .map_or(0, |f| format!("{f:0<9}")[..9].parse().unwrap());
    (days * 86_400 + n(11, 13) * 3_600 + n(14, 16) * 60 + n(17, 19)) * 1_000_000_000 + frac
}

fn text(v: Option<&toml::Value>) -> Option<String> {
    v.and_then(|v| v.as_str()).map(str::to_owned)
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    let list = v.and_then(|v| v.as_array()).cloned().unwrap_or_default();
    list.iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn module(path: &str, file: &Path) -> PolicyModule {
    let source = std::fs::read_to_string(file).unwrap();
    PolicyModule {
        path: path.to_owned(),
        source,
    }
}

const DEFAULT_NOW: &str = "2026-01-01T00:00:00Z";

#[test]
fn the_rust_embedding_gives_the_golden_verdict_for_every_case() {
    let mut x = Embedded::new(&component(), 20_000_000_000).unwrap();
    let mut hashes = serde_json::Map::new();
    let mut different = Vec::new();
    let mut record = |id: String, verdict: verdict_embed::Verdict, golden: PathBuf| {
        if std::fs::read_to_string(&golden).unwrap() != verdict.canonical_json.clone() + "\n" {
            different.push(id.clone());
        }
        hashes.insert(id, verdict.hash.into());
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/cases/policy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    for path in cases {
        let case: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        let modules: Vec<PolicyModule> = case["module"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| PolicyModule {
                path: text(m.get("path")).unwrap(),
                source: text(m.get("source")).unwrap(),
            })
            .collect();
        let by_path = |p: &String| modules.iter().find(|m| &m.path == p).unwrap().clone();
        let sets = match case.get("sets").and_then(|s| s.as_array()) {
            Some(sets) => sets
                .iter()
                .map(|s| strings(Some(s)).iter().map(by_path).collect())
                .collect(),
            None => vec![modules.clone()],
        };
        let options = EngineOptions {
            query: text(case.get("query")),
            default_policy: false,
        };
        let engine = x.compile(&sets, &options).unwrap();
        let now = ns(&text(case.get("now")).unwrap_or(DEFAULT_NOW.into()));
        let input = text(case.get("input")).unwrap();
        let verdict = x
            .evaluate(
                engine,
                &input,
                Options {
                    now_ns: now,
                    coverage: false,
                    limits: Limits {
                        max_steps: None,
                        max_input_bytes: None,
                    },
                },
            )
            .unwrap();
        x.drop_resource(engine).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        record(
            format!("policy cases/{stem}"),
            verdict,
            path.with_extension("verdict.json"),
        );
    }
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("cases.toml"))
        .filter(|p| p.is_file())
        .collect();
    examples.sort();
    for spec_path in examples {
        let dir = spec_path.parent().unwrap().to_path_buf();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let spec: toml::Table = std::fs::read_to_string(&spec_path)
            .unwrap()
            .parse()
            .unwrap();
        let spec_now = text(spec.get("now")).unwrap_or(DEFAULT_NOW.into());
        let policies = strings(spec.get("policies"));
        for c in spec
            .get("case")
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default()
        {
            let input = text(c.get("input")).unwrap();
            let stem = Path::new(&input)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let set: Vec<_> = policies.iter().map(|p| module(p, &dir.join(p))).collect();
            let engine = x
                .compile(
                    &[set],
                    &EngineOptions {
                        query: None,
                        default_policy: false,
                    },
                )
                .unwrap();
            let input = std::fs::read_to_string(dir.join(input)).unwrap();
            let verdict = x
                .evaluate(
                    engine,
                    &input,
                    Options {
                        now_ns: ns(&spec_now),
                        coverage: false,
                        limits: Limits {
                            max_steps: None,
                            max_input_bytes: None,
                        },
                    },
                )
                .unwrap();
            x.drop_resource(engine).unwrap();
            record(
                format!("examples (case)/{name}/{stem}"),
                verdict,
                dir.join(format!("expected/{stem}.verdict.json")),
            );
        }
        for c in spec
            .get("check")
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default()
        {
            let files = match c.get("policies") {
                Some(p) => strings(Some(p)),
                None => policies.clone(),
            };
            let set: Vec<_> = files
                .iter()
                .map(|p| module(p.rsplit('/').next().unwrap(), &dir.join(p)))
                .collect();
            let sets = if set.is_empty() { vec![] } else { vec![set] };
            let default_policy = c
                .get("default_policy")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            let engine = x
                .compile(
                    &sets,
                    &EngineOptions {
                        query: None,
                        default_policy,
                    },
                )
                .unwrap();
            let root = text(c.get("trusted_root")).map(|p| std::fs::read(dir.join(p)).unwrap());
            let trust = x.trust_root(root.as_deref()).unwrap();
            let evidence =
                text(c.get("evidence")).map(|e| verdict_embed::listing(&dir.join(e)).unwrap());
            let request = CheckRequest {
                source: text(c.get("source")),
                platform: text(c.get("platform")).or(Some("linux/amd64".into())),
                env: BuildEnv {
                    args: vec![],
                    labels: vec![],
                    filename: Some("Dockerfile".into()),
                    target: None,
                },
                evidence: evidence.unwrap_or_default(),
                files: vec![],
            };
            let now = ns(&text(c.get("now")).unwrap_or(spec_now.clone()));
            let context = text(c.get("context")).map(|p| dir.join(p));
            let read = |f: &str| {
                context
                    .as_ref()
                    .and_then(|ctx| std::fs::read(ctx.join(f)).ok())
            };
            let verdict = x
                .check(
                    engine,
                    request,
                    trust,
                    Options {
                        now_ns: now,
                        coverage: false,
                        limits: Limits {
                            max_steps: None,
                            max_input_bytes: None,
                        },
                    },
                    read,
                )
                .unwrap();
            x.drop_resource(engine).unwrap();
            x.drop_resource(trust).unwrap();
            let case = text(c.get("name")).unwrap();
            record(
                format!("examples (check)/{name}/{case}"),
                verdict,
                dir.join(format!("expected/{case}.verdict.json")),
            );
        }
    }
    let parity = target().join("parity");
    std::fs::create_dir_all(&parity).unwrap();
    let doc = serde_json::json!({"host": "(g) the component in Rust (wasmtime bindgen!)", "hashes": hashes});
    std::fs::write(parity.join("rust-embed.json"), format!("{doc:#}\n")).unwrap();
    println!(
        "rust embedding: {} of {} verdicts identical to the goldens",
        hashes.len() - different.len(),
        hashes.len()
    );
    assert!(hashes.len() >= 100, "{} cases ran", hashes.len());
    assert!(different.is_empty(), "different: {different:?}");
}
