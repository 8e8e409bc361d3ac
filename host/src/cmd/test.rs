//! `verdict test`: policy tests, as `docker buildx policy test` — the `test_*` rules of the
//! `*_test.rego` files under a path, against `<filename>.rego` and the helper module.

use std::path::{Path, PathBuf};

use clap::Args;
use verdict_host::fsroot::{self, Budget};
use verdict_host::{Options, PolicyModule, TestResult, pretty};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::clock::now_ns;
use super::files::{files_under, shown};
use super::format::Format;
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
    /// Line coverage of the policy is always reported; accepted for users of
    /// `opa test --coverage`.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit status 1) when the policy's line coverage is below this
    /// percentage, as `opa test --coverage --threshold`.
    #[arg(long, value_name = "PERCENT")]
    threshold: Option<f64>,
    /// Output format: the report as Buildx prints it, or JSON (`-o json`):
    /// `{"results": [{name, package, passed, allow, denyMessages, error}],
    /// "coverage": {"percent", "files": [{path, covered, notCovered,
    /// percent}]}, "summary": {pass, fail, error, total}}`.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
    #[command(flatten)]
    sandbox: SandboxArgs,
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

/// The line coverage of the policy modules together, in percent (100 when nothing is code).
fn coverage_percent(files: &[verdict_host::FileCoverage]) -> f64 {
    let covered: usize = files.iter().map(|f| f.covered.len()).sum();
    let lines: usize = files
        .iter()
        .map(|f| f.covered.len() + f.not_covered.len())
        .sum();
    if lines == 0 {
        100.0
    } else {
        covered as f64 * 100.0 / lines as f64
    }
}

/// The report as JSON (`verdict test -o json`).
fn json_report(report: &verdict_host::TestReport, percent: f64) -> String {
    let results: Vec<serde_json::Value> = report
        .results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name,
                "package": r.package,
                "passed": r.passed,
                "allow": r.allow,
                "denyMessages": r.deny_messages,
                "error": r.error,
            })
        })
        .collect();
    let files: Vec<serde_json::Value> = report
        .coverage
        .iter()
        .map(|f| {
            serde_json::json!({
                "path": f.path,
                "covered": f.covered,
                "notCovered": f.not_covered,
                "percent": coverage_percent(std::slice::from_ref(f)),
            })
        })
        .collect();
    let total = report.results.len();
    let errors = report.results.iter().filter(|r| r.error.is_some()).count();
    let passed = report.results.iter().filter(|r| r.passed).count();
    serde_json::json!({
        "results": results,
        "coverage": {"percent": percent, "files": files},
        "summary": {"pass": passed, "fail": total - passed - errors, "error": errors, "total": total},
    })
    .to_string()
}

/// Runs `verdict test`; 0 all passed, 1 a test failed (or coverage is below `--threshold`), 2
/// the tests could not run.
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
    let tests = files_under(&args.path, |name| name.ends_with("_test.rego"))?
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
    if let Some(t) = args.threshold
        && !(0.0..=100.0).contains(&t)
    {
        bail!("--threshold {t}: a percentage from 0 to 100");
    }
    match runner.run_tests(&policy, &tests, &options, args.run.as_deref())? {
        Ok(report) => {
            let percent = coverage_percent(&report.coverage);
            match args.format {
                Format::Pretty => {
                    print!("{}", report.rendered);
                    print!("{}", summary(&report.results));
                }
                Format::Json => println!("{}", json_report(&report, percent)),
            }
            let failed = report.results.iter().any(|r| !r.passed);
            let below = args.threshold.filter(|t| percent < *t);
            if let Some(t) = below {
                eprintln!(
                    "verdict test: coverage {percent:.1}% is below the threshold {t}% (--threshold)"
                );
            }
            Ok(u8::from(failed || below.is_some()))
        }
        Err(e) => {
            eprintln!("error[{}]: {}", e.code.as_str(), pretty::escape(&e.message));
            if matches!(args.format, Format::Json) {
                println!(
                    "{}",
                    serde_json::json!({"error": {"code": e.code.as_str(), "message": e.message}})
                );
            }
            Ok(2)
        }
    }
}
