//! CLI cases (`tests/cli/cases.toml`): exit status, golden stdout and,
//! where a case names it, text its standard error must contain; and every
//! example that ends a subcommand's `--help` runs.

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
    let mut trials: Vec<Trial> = cases
        .cases
        .into_iter()
        .map(|case| {
            Trial::test(format!("cli::{}", case.name), move || {
                run(&case).map_err(Failed::from)
            })
        })
        .collect();
    for subcommand in SUBCOMMANDS {
        trials.push(Trial::test(format!("help::{subcommand}"), move || {
            help_examples(subcommand).map_err(Failed::from)
        }));
    }
    trials.push(Trial::test(
        "paths::spelling-does-not-change-the-hash",
        || spellings().map_err(Failed::from),
    ));
    trials.push(Trial::test("help::check-first", || {
        subcommand_order().map_err(Failed::from)
    }));
    libtest_mimic::run(&args, trials).exit();
}

/// `--policy` names the same file however it is spelled — relative, with `./`, with a `..`
/// that stays inside, absolute inside the build context — and the verdict (its hash, the
/// module's path in the record) is the same.
fn spellings() -> Result<(), String> {
    let absolute = root().join("examples/pin-image/Dockerfile.rego");
    let spellings = [
        "examples/pin-image/Dockerfile.rego".to_owned(),
        "./examples/pin-image/Dockerfile.rego".to_owned(),
        "examples/xx-release/../pin-image//Dockerfile.rego".to_owned(),
        absolute.to_str().ok_or("a UTF-8 checkout path")?.to_owned(),
    ];
    let mut first: Option<String> = None;
    for spelling in &spellings {
        let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
            .args([
                "check",
                "docker-image://alpine:3.22",
                "-o",
                "json",
                "--policy",
            ])
            .arg(spelling)
            .args(["--now", "2026-11-25T00:00:00Z", "--offline"])
            .current_dir(root())
            .env(
                "VERDICT_CACHE_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"),
            )
            .output()
            .map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.code() != Some(0)
            || !stdout.contains(r#""path":"examples/pin-image/Dockerfile.rego""#)
        {
            return Err(format!("--policy {spelling}: {stdout}"));
        }
        match &first {
            None => first = Some(stdout),
            Some(want) if *want != stdout => {
                return Err(format!("--policy {spelling}:\n{stdout}\nwant:\n{want}"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `verdict --help` lists the subcommands in [`SUBCOMMANDS`]' order: `check` first.
fn subcommand_order() -> Result<(), String> {
    let help = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .arg("--help")
        .output()
        .map_err(|e| e.to_string())?;
    let help = String::from_utf8_lossy(&help.stdout);
    let listed: Vec<&str> = help
        .split_once("Commands:\n")
        .ok_or("no Commands: in `verdict --help`")?
        .1
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    if listed != SUBCOMMANDS {
        return Err(format!(
            "`verdict --help` lists {listed:?}, want {SUBCOMMANDS:?}"
        ));
    }
    Ok(())
}

/// Every subcommand, in the order `verdict --help` lists them (the main job, `check`, first).
const SUBCOMMANDS: [&str; 8] = [
    "check",
    "eval",
    "test",
    "verify",
    "verify-bundle",
    "component",
    "serve",
    "trust-root",
];

/// `verdict SUBCOMMAND --help` ends with examples (clap `after_help`), and each one runs from the
/// repository's root with bash (the `verdict` under test first on `PATH`): exit status 0 or 1
/// (an example may deny), never 2, and something printed. An example that writes a file
/// (`--out`) runs in a scratch directory instead.
fn help_examples(subcommand: &str) -> Result<(), String> {
    let help = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args([subcommand, "--help"])
        .output()
        .map_err(|e| e.to_string())?;
    let help = String::from_utf8_lossy(&help.stdout).replace("\\\n", "");
    let examples: Vec<&str> = help
        .split_once("\nExamples")
        .ok_or_else(|| format!("`verdict {subcommand} --help` ends with no examples:\n{help}"))?
        .1
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("verdict "))
        .collect();
    if examples.is_empty() {
        return Err(format!("no example under Examples:\n{help}"));
    }
    if subcommand == "serve" {
        // A server runs until stopped: host/tests/serve.rs starts one and sends the example's
        // request.
        return Ok(());
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_verdict")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .map_err(|e| e.to_string())?;
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("help-examples");
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    for example in examples {
        let dir = if example.contains("--out") {
            scratch.clone()
        } else {
            root()
        };
        let output = Command::new("bash")
            .args(["-c", &format!("set -o pipefail; {example}")])
            .current_dir(dir)
            .env("PATH", &path)
            .env(
                "VERDICT_CACHE_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"),
            )
            .output()
            .map_err(|e| e.to_string())?;
        let status = output.status.code().unwrap_or(-1);
        if !matches!(status, 0 | 1) || output.stdout.is_empty() && output.stderr.is_empty() {
            return Err(format!(
                "`{example}`: exit status {status}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    Ok(())
}

fn run(case: &Case) -> Result<(), String> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache");
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(&case.args)
        .current_dir(root().join(case.cwd.as_deref().unwrap_or(".")))
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
