//! CLI cases (`tests/cli/cases.toml`): exit status, golden stdout and,
//! where a case names it, text its standard error must contain.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Cases {
    #[serde(rename = "case")]
    cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    args: Vec<String>,
    status: i32,
    /// Text that must occur in standard error.
    #[serde(default)]
    stderr: Option<String>,
    /// Text that must occur in standard output (besides the golden: what a message must teach,
    /// whatever a later `BLESS=1` writes).
    #[serde(default)]
    stdout: Option<String>,
    /// The working directory, relative to the repository's root (default: the root).
    #[serde(default)]
    cwd: Option<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn main() {
    let args = Arguments::from_args();
    let text = std::fs::read_to_string(root().join("tests/cli/cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    let trials = cases
        .cases
        .into_iter()
        .map(|case| {
            Trial::test(format!("cli::{}", case.name), move || {
                run(&case).map_err(Failed::from)
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn run(case: &Case) -> Result<(), String> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache");
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(&case.args)
        .current_dir(root())
        .env("VERDICT_CACHE_DIR", &cache)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let status = output.status.code().unwrap_or(-1);
    if status != case.status {
        return Err(format!(
            "exit status {status} (want {})\nstdout:\n{stdout}\nstderr:\n{stderr}",
            case.status
        ));
    }
    if status == 2 && stdout.is_empty() && stderr.is_empty() {
        return Err("an error exit must say why".into());
    }
    if let Some(want) = &case.stderr
        && !stderr.contains(want.as_str())
    {
        return Err(format!("stderr lacks {want:?}\nstderr:\n{stderr}"));
    }
    if let Some(want) = &case.stdout
        && !stdout.contains(want.as_str())
    {
        return Err(format!("stdout lacks {want:?}\nstdout:\n{stdout}"));
    }
    let golden = root()
        .join("tests/cli")
        .join(format!("{}.stdout", case.name));
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&golden, stdout.as_bytes()).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let want = std::fs::read_to_string(&golden)
        .map_err(|e| format!("{golden:?}: {e} (re-run with BLESS=1)"))?;
    if want != stdout {
        return Err(format!(
            "stdout differs from {golden:?} (re-run with BLESS=1 if intended)\nwant:\n{want}\ngot:\n{stdout}\nstderr:\n{stderr}"
        ));
    }
    Ok(())
}
