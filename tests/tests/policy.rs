//! Policy cases (`tests/cases/policy/*.toml`): each runs natively and through
//! the component; the canonical verdicts must be byte-identical, match the
//! case's expectation, and match the golden `*.verdict.json`.

use libtest_mimic::{Arguments, Failed, Trial};
use verdict_tests::{Case, check, golden, root, run_everywhere, write_parity};

fn main() {
    let args = Arguments::from_args();
    let dir = root().join("tests/cases/policy");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("read tests/cases/policy")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let trials = paths
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            Trial::test(format!("policy::{name}"), move || {
                run(&path).map_err(Failed::from)
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    write_parity("policy").expect("write the parity hashes");
    conclusion.exit();
}

fn run(path: &std::path::Path) -> Result<(), String> {
    let case = Case::load(path)?;
    let id = format!(
        "policy cases/{}",
        path.file_stem().unwrap_or_default().to_string_lossy()
    );
    let seen = run_everywhere(
        &id,
        &case.sets()?,
        &case.engine_options(),
        &case.options()?,
        &case.input,
    )?;
    check(&case.want, &seen).map_err(|e| format!("{}: {e}", case.note))?;
    golden(&path.with_extension("verdict.json"), &seen.canonical_json)
}
