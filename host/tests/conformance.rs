//! The sigstore-conformance `bundle-verify` suite through the `verdict
//! verify-bundle` CLI, exactly as the suite's client protocol drives a
//! client (`tests/vectors/sigstore-conformance/docs/cli_protocol.md`): every
//! case folder, once with the artifact's path and once with its `sha256:`
//! digest.
//!
//! Expectations are the checked-in table `tests/conformance/expected.tsv`
//! (`case<TAB>expect<TAB>code`): a `pass` case must exit 0; a `fail` case
//! must exit 1 with `error[<code>]` on standard error, the code the table
//! names (`a,b` when the path and digest runs differ). `BLESS=1` rewrites
//! the code column of `fail` rows from the observed codes (never the
//! expectation) so the change can be reviewed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};
use sha2::{Digest as _, Sha256};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";
const CASES: &str = "tests/vectors/sigstore-conformance/test/assets/bundle-verify";
const TABLE: &str = "tests/conformance/expected.tsv";
const HEADER: &str = "# sigstore-conformance bundle-verify cases: expected outcome and, for _fail cases, the verify error code.\n# case\texpect\tcode\n";

/// The two ways the suite passes the artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    Path,
    Digest,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Path => "PATH",
            Mode::Digest => "DIGEST",
        }
    }
}

#[derive(Debug, Clone)]
struct Row {
    expect: String,
    codes: Vec<String>,
}

/// Observed codes of failing runs, for `BLESS=1`.
type Observed = Arc<Mutex<BTreeMap<(String, Mode), String>>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v == "1")
}

fn read_table() -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(root().join(TABLE)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut fields = l.split('\t');
            let case = fields.next()?.to_owned();
            let expect = fields.next()?.to_owned();
            let codes = fields
                .next()
                .unwrap_or("")
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            Some((case, Row { expect, codes }))
        })
        .collect()
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join(CASES))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read_trim(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

/// The command line the protocol prescribes, in its argument order.
fn protocol_args(dir: &Path, mode: Mode) -> Vec<String> {
    let mut args = vec![
        "verify-bundle".to_owned(),
        "--bundle".to_owned(),
        dir.join("bundle.sigstore.json").display().to_string(),
    ];
    let key = dir.join("key.pub");
    if key.exists() {
        args.extend(["--key".to_owned(), key.display().to_string()]);
    } else {
        let identity = read_trim(&dir.join("identity")).unwrap_or(DEFAULT_IDENTITY.to_owned());
        let issuer = read_trim(&dir.join("issuer")).unwrap_or(DEFAULT_ISSUER.to_owned());
        args.extend([
            "--certificate-identity".to_owned(),
            identity,
            "--certificate-oidc-issuer".to_owned(),
            issuer,
        ]);
    }
    let trusted_root = dir.join("trusted_root.json");
    if trusted_root.exists() {
        args.extend([
            "--trusted-root".to_owned(),
            trusted_root.display().to_string(),
        ]);
    }
    let artifact = if dir.join("artifact").exists() {
        dir.join("artifact")
    } else {
        dir.join("../a.txt")
    };
    args.push(match mode {
        Mode::Path => artifact.display().to_string(),
        Mode::Digest => {
            let bytes = std::fs::read(&artifact).unwrap();
            let hex: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("sha256:{hex}")
        }
    });
    args
}

fn run(
    name: &str,
    dir: &Path,
    mode: Mode,
    row: Option<&Row>,
    observed: &Observed,
) -> Result<(), String> {
    let Some(row) = row else {
        return Err(format!("{name} has no row in {TABLE} (BLESS=1 adds it)"));
    };
    let expect_fail = match row.expect.as_str() {
        "pass" => false,
        "fail" => true,
        other => {
            return Err(format!(
                "{TABLE}: {name}: expect {other:?} is not pass or fail"
            ));
        }
    };
    if expect_fail != name.ends_with("_fail") {
        return Err(format!(
            "{TABLE} says {} but the case name says otherwise",
            row.expect
        ));
    }
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache");
    let args = protocol_args(dir, mode);
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(&args)
        .current_dir(root())
        .env("VERDICT_CACHE_DIR", &cache)
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let status = output.status.code().unwrap_or(-1);
    let shown = || {
        format!(
            "verdict {}\nexit {status}\nstderr:\n{stderr}",
            args.join(" ")
        )
    };
    if !expect_fail {
        return match status {
            0 => Ok(()),
            _ => Err(format!("must verify, did not:\n{}", shown())),
        };
    }
    if status != 1 {
        return Err(format!("must fail a check (exit 1):\n{}", shown()));
    }
    let code = stderr
        .lines()
        .find_map(|l| l.strip_prefix("error[")?.split_once(']'))
        .map(|(code, _)| code.to_owned())
        .ok_or_else(|| format!("no error[<code>] line:\n{}", shown()))?;
    observed
        .lock()
        .unwrap()
        .insert((name.to_owned(), mode), code.clone());
    if bless() {
        return Ok(());
    }
    let index = match mode {
        Mode::Path => 0,
        Mode::Digest => 1,
    };
    let want = row.codes.get(index).or(row.codes.last());
    match want {
        Some(want) if *want == code => Ok(()),
        Some(want) => Err(format!(
            "failed with {code}, {TABLE} says {want}:\n{}",
            shown()
        )),
        None => Err(format!(
            "failed with {code}; {TABLE} names no code (BLESS=1):\n{}",
            shown()
        )),
    }
}

/// Rewrites the table: every row kept (expectations untouched), the code of
/// each `fail` row from what was observed, missing cases appended.
fn write_table(table: &BTreeMap<String, Row>, dirs: &[PathBuf], observed: &Observed) {
    let observed = observed.lock().unwrap();
    let mut text = String::from(HEADER);
    let mut names: Vec<String> = table.keys().cloned().collect();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !table.contains_key(&name) {
            names.push(name);
        }
    }
    names.sort();
    for name in names {
        let expect = table.get(&name).map_or_else(
            || {
                if name.ends_with("_fail") {
                    "fail"
                } else {
                    "pass"
                }
                .to_owned()
            },
            |row| row.expect.clone(),
        );
        if expect != "fail" {
            text.push_str(&format!("{name}\t{expect}\n"));
            continue;
        }
        let mut codes: Vec<&str> = [Mode::Path, Mode::Digest]
            .iter()
            .filter_map(|m| observed.get(&(name.clone(), *m)).map(String::as_str))
            .collect();
        codes.dedup();
        let codes = if codes.is_empty() {
            table
                .get(&name)
                .map(|r| r.codes.join(","))
                .unwrap_or_default()
        } else {
            codes.join(",")
        };
        text.push_str(&format!("{name}\t{expect}\t{codes}\n"));
    }
    std::fs::write(root().join(TABLE), text).unwrap();
}

fn main() {
    let args = Arguments::from_args();
    let table = Arc::new(read_table());
    let dirs = case_dirs();
    let observed: Observed = Arc::default();
    let mut trials = Vec::new();
    {
        let table = Arc::clone(&table);
        let names: Vec<String> = dirs
            .iter()
            .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        trials.push(Trial::test(
            "conformance::table-matches-the-cases",
            move || {
                let stale: Vec<&String> = table.keys().filter(|k| !names.contains(k)).collect();
                if !stale.is_empty() {
                    return Err(Failed::from(format!(
                        "{TABLE} names cases that do not exist: {stale:?}"
                    )));
                }
                if names.len() != 70 {
                    return Err(Failed::from(format!(
                        "the suite has 70 cases, found {}",
                        names.len()
                    )));
                }
                Ok(())
            },
        ));
    }
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        for mode in [Mode::Path, Mode::Digest] {
            let (dir, name, table, observed) = (
                dir.clone(),
                name.clone(),
                Arc::clone(&table),
                Arc::clone(&observed),
            );
            trials.push(Trial::test(
                format!("conformance::{}-{name}", mode.name()),
                move || run(&name, &dir, mode, table.get(&name), &observed).map_err(Failed::from),
            ));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if bless() && args.filter.is_none() && args.skip.is_empty() {
        write_table(&table, &dirs, &observed);
    }
    conclusion.exit();
}
