//! Examples (`examples/*/cases.toml`): every input of every example runs
//! natively and through the component, with the expected decision and
//! messages, and a golden canonical verdict in `expected/`.

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use verdict_tests::{
    CheckCase, DEFAULT_NOW, Want, check, check_everywhere, check_request, golden, parse_now, root,
    run_everywhere, write_parity,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    /// Policy files, one set.
    policies: Vec<String>,
    now: Option<String>,
    #[serde(rename = "case", default)]
    cases: Vec<ExampleCase>,
    /// Source checks with evidence.
    #[serde(rename = "check", default)]
    checks: Vec<CheckCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleCase {
    input: String,
    #[serde(flatten)]
    want: Want,
}

fn main() {
    let args = Arguments::from_args();
    let dir = root().join("examples");
    let mut examples: Vec<_> = std::fs::read_dir(&dir)
        .expect("read examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("cases.toml").exists())
        .collect();
    examples.sort();
    let mut trials = Vec::new();
    for example in examples {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(example.join("cases.toml")).expect("read cases.toml");
        let spec: Example = toml::from_str(&text).expect("parse cases.toml");
        let spec = std::sync::Arc::new(spec);
        for index in 0..spec.cases.len() {
            let spec = spec.clone();
            let example = example.clone();
            let input = spec.cases[index].input.clone();
            trials.push(Trial::test(
                format!("examples::{name}::{input}"),
                move || run(&example, &spec, index).map_err(Failed::from),
            ));
        }
        let has_tests = std::fs::read_dir(&example)
            .expect("read example")
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with("_test.rego"));
        if has_tests {
            let spec = spec.clone();
            let example = example.clone();
            trials.push(Trial::test(
                format!("examples::{name}::policy-tests"),
                move || run_policy_tests(&example, &spec).map_err(Failed::from),
            ));
        }
        for index in 0..spec.checks.len() {
            let spec = spec.clone();
            let example = example.clone();
            let case = spec.checks[index].name.clone();
            trials.push(Trial::test(
                format!("examples::{name}::check::{case}"),
                move || run_check(&example, &spec, index).map_err(Failed::from),
            ));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    write_parity("examples").expect("write the parity hashes");
    conclusion.exit();
}

fn example_name(dir: &Path) -> String {
    dir.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn load_set(dir: &Path, files: &[String]) -> Result<Vec<verdict_core::Module>, String> {
    files
        .iter()
        .map(|file| {
            Ok(verdict_core::Module {
                path: Path::new(file)
                    .file_name()
                    .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned()),
                source: std::fs::read_to_string(dir.join(file))
                    .map_err(|e| format!("{file}: {e}"))?,
            })
        })
        .collect()
}

/// The example's `*_test.rego` files, run natively and through the component (reports must be
/// identical), must all pass; the report is a golden (`expected/policy-tests.txt`).
fn run_policy_tests(dir: &Path, spec: &Example) -> Result<(), String> {
    let policy = load_set(dir, &spec.policies)?;
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_test.rego"))
        .collect();
    files.sort();
    let tests = load_set(dir, &files)?;
    let options = verdict_core::Options::at(parse_now(spec.now.as_deref().unwrap_or(DEFAULT_NOW))?);
    let native = verdict_core::run_tests(&policy, &tests, &options, None)
        .map_err(|e| format!("native: {e}"))?;
    let to_host = |set: &[verdict_core::Module]| -> Vec<verdict_host::PolicyModule> {
        set.iter()
            .map(|m| verdict_host::PolicyModule {
                path: m.path.clone(),
                source: m.source.clone(),
            })
            .collect()
    };
    let host_options = verdict_host::Options {
        now_ns: options.now_ns,
        coverage: false,
        limits: verdict_host::CallLimits::NONE,
    };
    let component = verdict_tests::runner()
        .run_tests(&to_host(&policy), &to_host(&tests), &host_options, None)
        .map_err(|e| format!("runner: {e:#}"))?
        .map_err(|e| format!("component: {}", e.message))?;
    let rendered = native.render();
    if rendered != component.rendered {
        return Err(format!(
            "component report differs:\n{}\nnative:\n{rendered}",
            component.rendered
        ));
    }
    if native.failed() > 0 {
        return Err(format!("policy tests failed:\n{rendered}"));
    }
    golden(
        &dir.join("expected").join("policy-tests.txt"),
        rendered.trim_end(),
    )
}

fn run_check(dir: &Path, spec: &Example, index: usize) -> Result<(), String> {
    let case = &spec.checks[index];
    let files = case.policies.as_ref().unwrap_or(&spec.policies);
    let sets = if files.is_empty() {
        vec![]
    } else {
        vec![load_set(dir, files)?]
    };
    let now = case
        .now
        .as_deref()
        .or(spec.now.as_deref())
        .unwrap_or(DEFAULT_NOW);
    let options = verdict_core::Options::at(parse_now(now)?);
    let engine = verdict_core::EngineOptions {
        query: None,
        default_policy: case.default_policy,
    };
    let request = check_request(dir, case)?;
    let context = case.context.as_ref().map(|c| dir.join(c));
    let id = format!("examples (check)/{}/{}", example_name(dir), case.name);
    let (seen, pin) = check_everywhere(&id, &sets, &engine, &options, request, context.as_deref())?;
    check(&case.want, &seen)?;
    if pin != case.pin {
        return Err(format!("pin {pin:?} (want {:?})", case.pin));
    }
    golden(
        &dir.join("expected")
            .join(format!("{}.verdict.json", case.name)),
        &seen.canonical_json,
    )
}

fn run(dir: &Path, spec: &Example, index: usize) -> Result<(), String> {
    let case = &spec.cases[index];
    let set = spec
        .policies
        .iter()
        .map(|file| {
            Ok(verdict_core::Module {
                path: file.clone(),
                source: std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string())?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let options = verdict_core::Options::at(parse_now(spec.now.as_deref().unwrap_or(DEFAULT_NOW))?);
    let input = std::fs::read_to_string(dir.join(&case.input)).map_err(|e| e.to_string())?;
    let stem = Path::new(&case.input)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let id = format!("examples (case)/{}/{stem}", example_name(dir));
    let seen = run_everywhere(
        &id,
        &[set],
        &verdict_core::EngineOptions::default(),
        &options,
        &input,
    )?;
    check(&case.want, &seen)?;
    golden(
        &dir.join("expected").join(format!("{stem}.verdict.json")),
        &seen.canonical_json,
    )
}
