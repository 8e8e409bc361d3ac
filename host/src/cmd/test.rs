//! `verdict test`: policy tests, as `docker buildx policy test` — the `test_*` rules of the
//! `*_test.rego` files under a path, against `<filename>.rego` and the helper module.

use std::path::{Path, PathBuf};

use clap::Args;
use verdict_host::fsroot::{self, Budget};
use verdict_host::{Options, PolicyModule, TestResult, pretty};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::clock::now_ns;
use super::sandbox::SandboxArgs;

/// The flags of `verdict test`.
#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// A `*_test.rego` file, or a directory searched for them.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// The policy's base name: `<NAME>.rego` is loaded from next to the
    /// tests (PATH, or its directory when PATH is a file), else from the
    /// working directory; a NAME with a directory part is a path from the
    /// working directory. The files loaded are named on standard error.
    #[arg(long, value_name = "NAME", default_value = "Dockerfile")]
    filename: String,
    /// Only run tests whose name contains this.
    #[arg(long, value_name = "SUBSTR")]
    run: Option<String>,
    /// The evaluation time (RFC 3339). Defaults to the current time.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// The most directories `verdict test PATH` walks, and the most test files it reads.
const MAX_TEST_WALK: usize = 10_000;

/// The `*_test.rego` files under `path` (or `path` itself), sorted. As Go's `filepath.WalkDir`,
/// symbolic links to directories are not followed (a link `a -> .` cannot loop); a link to a
/// file is kept and read as the file (refused if it is not a regular file). Each directory is
/// visited once (by device and inode), and the walk is bounded ([`MAX_TEST_WALK`]).
fn test_files(path: &Path) -> Result<Vec<PathBuf>> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut visited = std::collections::HashSet::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let meta = std::fs::metadata(&dir).with_context(|| format!("failed to list {dir:?}"))?;
        if !visited.insert(file_id(&meta)) {
            continue;
        }
        if visited.len() > MAX_TEST_WALK {
            bail!("{path:?} holds more than {MAX_TEST_WALK} directories");
        }
        for entry in std::fs::read_dir(&dir).with_context(|| format!("failed to list {dir:?}"))? {
            let entry = entry?;
            let p = entry.path();
            // The entry's own type: a symbolic link is not followed here.
            if entry.file_type()?.is_dir() {
                stack.push(p);
            } else if p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("_test.rego"))
                && !std::fs::metadata(&p).is_ok_and(|m| m.is_dir())
            {
                out.push(p);
                if out.len() > MAX_TEST_WALK {
                    bail!("{path:?} holds more than {MAX_TEST_WALK} test files");
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A file's identity: device and inode (on other systems, its size and times).
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    (meta.dev(), meta.ino())
}

/// A file's identity: device and inode (on other systems, its size and times).
#[cfg(not(unix))]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    let nanos = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    (meta.len(), nanos)
}

/// `<filename>.rego`, the policy the tests run against: next to the tests (in PATH, or in the
/// directory of a PATH that is a file), else in the working directory (where Buildx looks). A
/// NAME with a directory part (`--filename examples/app/Dockerfile`) is a path from the working
/// directory, as Buildx takes it.
fn policy_path(tests: &Path, filename: &str) -> Result<PathBuf> {
    let name = format!("{filename}.rego");
    if Path::new(filename).components().count() > 1 {
        let path = PathBuf::from(&name);
        if !path.is_file() {
            bail!("no policy {name} (--filename {filename}: a path from the working directory)");
        }
        return Ok(path);
    }
    let dir = if tests.is_file() {
        tests.parent().unwrap_or(Path::new(""))
    } else {
        tests
    };
    let next_to_tests = dir.join(&name);
    if next_to_tests.is_file() {
        return Ok(next_to_tests);
    }
    let in_cwd = PathBuf::from(&name);
    if in_cwd.is_file() {
        return Ok(in_cwd);
    }
    bail!(
        "no {name} next to the tests (in {}) nor in the working directory; `--filename NAME` \
         names the policy NAME.rego",
        shown(dir)
    )
}

/// A path as the report names it: without `.` components (`./a/b` is `a/b`; `` is `.`).
fn shown(path: &Path) -> String {
    let clean: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty() {
        ".".to_owned()
    } else {
        clean.to_string_lossy().into_owned()
    }
}

/// The summary that ends the report, as `opa test` ends its own: a rule, then `PASS: n/m`, and
/// `FAIL: k/m` / `ERROR: k/m` when tests failed or could not be evaluated.
fn summary(results: &[TestResult]) -> String {
    let total = results.len();
    let errors = results.iter().filter(|r| r.error.is_some()).count();
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = total - passed - errors;
    let mut out = format!("{}\nPASS: {passed}/{total}\n", "-".repeat(80));
    if failed > 0 {
        out.push_str(&format!("FAIL: {failed}/{total}\n"));
    }
    if errors > 0 {
        out.push_str(&format!("ERROR: {errors}/{total}\n"));
    }
    out
}

/// Runs `verdict test`; 0 all passed, 1 a test failed, 2 the tests could not run.
pub(crate) fn run(args: TestArgs) -> Result<u8> {
    if !args.path.exists() {
        bail!(
            "{} does not exist: give a *_test.rego file or a directory of them",
            shown(&args.path)
        );
    }
    let policy_path = policy_path(&args.path, &args.filename)?;
    let mut budget = Budget::default();
    let mut module = |p: &Path| -> Result<PolicyModule> {
        let bytes = fsroot::read_found(p, fsroot::MAX_CONTEXT_FILE, &mut budget)
            .with_context(|| format!("failed to read {p:?}"))?;
        Ok(PolicyModule {
            path: shown(p),
            source: String::from_utf8(bytes)
                .with_context(|| format!("failed to read {p:?}: not UTF-8"))?,
        })
    };
    let policy = vec![module(&policy_path)?];
    let tests = test_files(&args.path)?
        .iter()
        .map(|p| module(p))
        .collect::<Result<Vec<_>>>()?;
    if tests.is_empty() {
        bail!("no *_test.rego files under {}", shown(&args.path));
    }
    eprintln!(
        "verdict test: loaded policy {}; tests {}",
        policy[0].path,
        tests
            .iter()
            .map(|t| t.path.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let options = Options {
        now_ns: now_ns(args.now.as_deref())?,
        coverage: false,
        limits: args.sandbox.call_limits(),
    };
    let runner = args.sandbox.runner()?;
    match runner.run_tests(&policy, &tests, &options, args.run.as_deref())? {
        Ok(report) => {
            print!("{}", report.rendered);
            print!("{}", summary(&report.results));
            Ok(u8::from(report.results.iter().any(|r| !r.passed)))
        }
        Err(e) => {
            eprintln!("error[{}]: {}", e.code.as_str(), pretty::escape(&e.message));
            Ok(2)
        }
    }
}
