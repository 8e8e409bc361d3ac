//! Table-driven git vectors: every `testdata/cases.toml` case (object × key file → outcome), and
//! for every object in `testdata/objects/` its object ID (against the `.oid` git printed) and its
//! Buildx mapping (against the golden `.json`; `BLESS=1` rewrites goldens).

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use verdict_git::{ObjectFormat, ObjectKind, buildx, object_id, verify_signature};

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct Case {
    object: String,
    key: String,
    expect: String,
    /// For PGP failures, the `verdict-openpgp` code behind the error.
    pgp: Option<String>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn read(path: &Path) -> Result<Vec<u8>, Failed> {
    std::fs::read(path).map_err(|e| format!("failed to read {}: {e}", path.display()).into())
}

fn run_case(case: &Case) -> Result<(), Failed> {
    let object = read(&dir().join("objects").join(&case.object))?;
    let key = read(&dir().join("keys").join(&case.key))?;
    let got = match verify_signature(&object, &key) {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.code().as_str().to_owned(),
    };
    let err = verify_signature(&object, &key).err();
    if got != case.expect {
        let detail = err.map(|e| e.to_string());
        return Err(format!("expected {}, got {got} ({detail:?})", case.expect).into());
    }
    if let Some(want) = &case.pgp {
        let pgp = err.and_then(|e| e.pgp_code()).map(|c| c.as_str());
        if pgp != Some(want.as_str()) {
            return Err(format!("expected openpgp code {want}, got {pgp:?}").into());
        }
    }
    Ok(())
}

fn run_golden(object: &Path) -> Result<(), Failed> {
    let raw = read(object)?;
    let kind = if object.extension().is_some_and(|e| e == "tag") {
        ObjectKind::Tag
    } else {
        ObjectKind::Commit
    };
    let oid_path = object.with_extension(format!("{}.oid", kind.as_str()));
    if oid_path.exists() {
        let want = String::from_utf8(read(&oid_path)?)?.trim().to_owned();
        let format = if want.len() == 64 {
            ObjectFormat::Sha256
        } else {
            ObjectFormat::Sha1
        };
        let got = object_id(kind, &raw, format);
        if got != want {
            return Err(format!("object ID {got}, git says {want}").into());
        }
    }
    let value = match kind {
        ObjectKind::Commit => buildx::commit_input(&raw),
        ObjectKind::Tag => buildx::tag_input(&raw),
    }
    .map_err(|e| e.to_string())?;
    let got = serde_json::to_string_pretty(&value)? + "\n";
    let golden = object.with_extension(format!("{}.json", kind.as_str()));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, &got)?;
        return Ok(());
    }
    let want = String::from_utf8(read(&golden)?)?;
    if got != want {
        return Err(format!(
            "Buildx mapping differs from {}:\n--- want\n{want}\n--- got\n{got}\nre-run with BLESS=1 to accept",
            golden.display()
        )
        .into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let cases: Cases = toml::from_str(
        &std::fs::read_to_string(dir().join("cases.toml")).expect("cases.toml is readable"),
    )
    .expect("cases.toml parses");
    let mut trials: Vec<Trial> = cases
        .case
        .into_iter()
        .map(|c| {
            let name = format!("verify/{}+{}", c.object, c.key);
            Trial::test(name, move || run_case(&c))
        })
        .collect();
    let mut objects: Vec<PathBuf> = std::fs::read_dir(dir().join("objects"))
        .expect("objects/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "commit" || e == "tag"))
        .collect();
    objects.sort();
    for object in objects {
        let name = format!(
            "buildx/{}",
            object.file_name().unwrap_or_default().to_string_lossy()
        );
        trials.push(Trial::test(name, move || run_golden(&object)));
    }
    libtest_mimic::run(&args, trials).exit();
}
