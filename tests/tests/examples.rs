//! Examples (`examples/*/cases.toml`): every input of every example runs
//! natively and through the component, with the expected decision and
//! messages, and a golden canonical verdict in `expected/`.

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use verdict_tests::{DEFAULT_NOW, Want, check, golden, parse_now, root, run_everywhere};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    /// Policy files, one set.
    policies: Vec<String>,
    now: Option<String>,
    #[serde(rename = "case")]
    cases: Vec<ExampleCase>,
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
    }
    libtest_mimic::run(&args, trials).exit();
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
    let options = verdict_core::Options {
        query: None,
        now_ns: parse_now(spec.now.as_deref().unwrap_or(DEFAULT_NOW))?,
    };
    let input = std::fs::read_to_string(dir.join(&case.input)).map_err(|e| e.to_string())?;
    let seen = run_everywhere(&[set], &options, &input)?;
    check(&case.want, &seen)?;
    let stem = Path::new(&case.input)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    golden(
        &dir.join("expected").join(format!("{stem}.verdict.json")),
        &seen.canonical_json,
    )
}
