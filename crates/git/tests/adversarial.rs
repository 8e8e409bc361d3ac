//! Hostile signed objects (testdata/adversarial, made by `testdata/make-adversarial.sh` with real
//! gpg, ssh-keygen and git): each case's outcome is asserted, and verdict never verifies an object
//! that real `git verify-tag` / `git verify-commit` rejected (its answer is recorded beside each
//! object as `<object>.git`). Every object there must have a case.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use verdict_git::verify_signature;

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct Case {
    object: String,
    key: String,
    /// What real git said when the fixture was made (`ok` / `rejected`); checked against the
    /// recorded `.git` file so the table cannot drift from the measurement.
    git: String,
    /// verdict's outcome: `ok` or the error code.
    expect: String,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/adversarial")
}

fn read(path: &Path) -> Result<Vec<u8>, Failed> {
    std::fs::read(path).map_err(|e| format!("failed to read {}: {e}", path.display()).into())
}

fn run(case: &Case) -> Result<(), Failed> {
    let object = read(&dir().join("objects").join(&case.object))?;
    let key = read(&dir().join("keys").join(&case.key))?;
    let recorded = String::from_utf8(read(
        &dir().join("objects").join(format!("{}.git", case.object)),
    )?)?;
    let git = recorded.lines().next().unwrap_or_default();
    if git != case.git {
        return Err(format!("cases.toml says git {}, recorded {git:?}", case.git).into());
    }
    let result = verify_signature(&object, &key);
    let got = match &result {
        Ok(_) => "ok",
        Err(e) => e.code().as_str(),
    };
    if got == "ok" && git != "ok" {
        return Err(format!("verdict verified an object git rejects:\n{recorded}").into());
    }
    if got != case.expect {
        return Err(format!("expected {}, got {got} ({:?})", case.expect, result.err()).into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let cases: Cases = toml::from_str(
        &std::fs::read_to_string(dir().join("cases.toml")).expect("cases.toml is readable"),
    )
    .expect("cases.toml parses");
    let covered: BTreeSet<String> = cases.case.iter().map(|c| c.object.clone()).collect();
    let mut trials: Vec<Trial> = cases
        .case
        .into_iter()
        .map(|c| {
            let name = format!("adversarial/{}+{}", c.object, c.key);
            Trial::test(name, move || run(&c))
        })
        .collect();
    trials.push(Trial::test(
        "adversarial/every-object-has-a-case",
        move || {
            let mut missing = Vec::new();
            for e in std::fs::read_dir(dir().join("objects"))? {
                let name = e?.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".git") && !covered.contains(&name) {
                    missing.push(name);
                }
            }
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("objects without a case: {missing:?}").into())
            }
        },
    ));
    libtest_mimic::run(&args, trials).exit();
}
