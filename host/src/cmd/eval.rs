//! `verdict eval`: policies evaluated against an input document (`-i`), or against a source's
//! input built from its evidence (SOURCE, as `verdict check`), with Buildx semantics.

use std::io::Read as _;
use std::path::PathBuf;

use clap::Args;
use verdict_host::fsroot::{self, Budget, ReadError};
use verdict_host::verify::Digest;
use verdict_host::{
    EngineOptions, GivenRoot, Options, PolicyModule, PolicyPlan, PolicySet, PolicySets, Runner,
    pretty,
};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::check::{check_source, no_evidence_note};
use super::clock::now_ns;
use super::explain::{self, ExplainArgs};
use super::files::{files_under, read, read_module, refusal_message, shown};
use super::format::{Format, JsonOutput};
use super::sandbox::SandboxArgs;
use super::source::{SourceArgs, check_request};

/// The flags of `verdict eval`.
#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// A source to evaluate instead of an input document, as `docker buildx
    /// policy eval SOURCE`: its input is built from `--evidence` (see
    /// `verdict check`); with `--print`, the input is printed instead.
    #[arg(value_name = "SOURCE", conflicts_with = "input")]
    source: Option<String>,
    /// Print the input document built for SOURCE (and what it rests on, on
    /// standard error) instead of evaluating: `verdict eval --print SOURCE`,
    /// as `docker buildx policy eval --print`. Nothing is evaluated, so the
    /// flags of an evaluation (`-p`, `-i`, `--query`, `--now`, `--coverage`,
    /// `--bundle`) are refused with it; an error is `error[CODE]: MESSAGE`
    /// on standard error, exit status 2.
    #[arg(
        long,
        conflicts_with_all = ["policies", "data", "input", "query", "now", "coverage", "bundles"]
    )]
    print: bool,
    /// A policy set, in Buildx's `--policy` grammar (with SOURCE or `-i`):
    /// `FILE[,FILE…]` or `filename=FILE[,filename=FILE…][,reset=true]`.
    ///
    /// CSV: double quotes protect a comma in a name (`"a,b.rego"`). The
    /// files of one value are compiled together; repeat for several sets:
    /// all must allow; the first deny wins. `reset=true` drops the sets
    /// before it; `strict=` and `log-level=` are accepted and ignored. With
    /// SOURCE, files are read from the build context after
    /// `<Dockerfile>.rego`, and `disabled=true` allows without evaluating;
    /// with `-i`, files are read from the working directory and
    /// `disabled=true` is refused (there is nothing to evaluate without a
    /// policy).
    #[arg(short = 'p', long = "policy", value_name = "SPEC")]
    policies: Vec<String>,
    /// A policy file or a directory of them, as `opa eval -d` loads it (with
    /// `-i`): every `.rego` file under it (tests included; hidden directories
    /// skipped), and those of every `-d`, compiled together as one set after
    /// the `-p` sets, each named by its path under the directory. Data files
    /// (`.json`, `.yaml`) are not loaded — Buildx policies have no `data`
    /// documents; they read files with `load_json` — and are counted on
    /// standard error. Repeatable.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "PATH",
        conflicts_with = "source"
    )]
    data: Vec<PathBuf>,
    /// Accepted for users of `opa eval --fail` / `--fail-defined`: verdict's
    /// exit status already says what the decision is (0 allow, 1 deny, 2
    /// error — an undefined decision included).
    #[arg(long = "fail", alias = "fail-defined")]
    fail: bool,
    /// The input document (JSON); `-` reads standard input.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    input: Option<PathBuf>,
    #[command(flatten)]
    source_args: SourceArgs,
    /// The query to evaluate.
    #[arg(long, default_value = "data.docker.decision")]
    query: String,
    /// The evaluation time (RFC 3339), returned by `time.now_ns()`.
    /// Defaults to the current time.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Record line coverage: the lines of each policy module the evaluation
    /// reached and those it never did (as `opa eval --coverage`); printed after
    /// the verdict, or as `coverage` in the JSON output. The verdict and its
    /// hash are the same either way.
    #[arg(long)]
    coverage: bool,
    /// Output format (`-o json` too, as cosign and gh users type it).
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
    #[command(flatten)]
    explain: ExplainArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// A Sigstore bundle as evidence, and the digest it signs:
    /// `FILE=sha256:HEX`. Repeatable. The bundles are verified in the
    /// sandbox; the verified ones become `input.signatures` (replacing any
    /// the input carries), and the verdict records each one's outcome.
    #[arg(long = "bundle", value_name = "FILE=sha256:HEX")]
    bundles: Vec<String>,
    /// The trusted root for `--bundle` and SOURCE signatures (default: the
    /// embedded public-good root).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
}

impl EvalArgs {
    /// What `--format json` prints when the command fails (`--print` prints no verdict).
    pub(crate) fn json_output(&self) -> Option<JsonOutput> {
        (matches!(self.format, Format::Json) && !self.print).then_some(JsonOutput::Verdict)
    }

    /// The runner with the command line's limits.
    fn runner(&self) -> Result<Runner> {
        self.sandbox.runner()
    }
}

/// Runs `verdict eval`; the exit status of its decision.
pub(crate) fn run(args: EvalArgs) -> Result<u8> {
    if let Some(source) = &args.source {
        return eval_source(&args, source);
    }
    if args.print {
        bail!(
            "--print prints the input document built for a SOURCE: give one (`verdict eval \
             --print docker-image://alpine:3.22`)"
        );
    }
    let Some(input_path) = &args.input else {
        bail!(
            "give an input document (`-i FILE`) or a SOURCE (`docker-image://REF`, a git URL, \
             `http(s)://URL`, `local://NAME`) to evaluate"
        );
    };
    if args.policies.is_empty() && args.data.is_empty() {
        bail!("give at least one policy set (-p FILE, or -d DIR)");
    }
    let runner = args.runner()?;
    let (mut sets, mut names) = if args.policies.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        input_policy_sets(&runner, &args.policies)?
    };
    if !args.data.is_empty() {
        let set = data_set(&args.data)?;
        names.push(set.iter().map(|m| m.path.clone()).collect());
        sets.push(set);
    }
    let input = if input_path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .take(fsroot::MAX_GIVEN_FILE + 1)
            .read_to_string(&mut text)
            .context("failed to read the input from standard input")?;
        if text.len() as u64 > fsroot::MAX_GIVEN_FILE {
            bail!(
                "the input on standard input is over the host's {}-byte limit",
                fsroot::MAX_GIVEN_FILE
            );
        }
        text
    } else {
        String::from_utf8(read(input_path, "input")?)
            .with_context(|| format!("failed to read input {input_path:?}: not UTF-8"))?
    };
    let options = Options {
        now_ns: now_ns(args.now.as_deref())?,
        // `--explain` reads the lines the evaluation reached (the hash is the same either way).
        coverage: args.coverage || args.explain.explain.is_some(),
        limits: args.sandbox.call_limits(),
    };
    let engine = EngineOptions {
        query: Some(args.query.clone()),
        default_policy: false,
    };
    let verdict = if args.bundles.is_empty() {
        runner.evaluate(&sets, &engine, &input, &options)?
    } else {
        let mut evidence = Vec::new();
        for spec in &args.bundles {
            let (file, digest) = spec
                .rsplit_once('=')
                .with_context(|| format!("--bundle {spec:?}: expected FILE=sha256:HEX"))?;
            let hex = digest
                .strip_prefix("sha256:")
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .with_context(|| {
                    format!("--bundle {spec:?}: the digest must be sha256: + 64 hex digits")
                })?;
            let value = (0..32)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()?;
            let bundle = read(std::path::Path::new(file), "bundle")?;
            evidence.push(verdict_host::BundleEvidence {
                bundle,
                artifact: Digest {
                    algorithm: "sha256".into(),
                    value,
                },
            });
        }
        let root = match &args.trusted_root {
            Some(path) => Some(read(path, "trusted root")?),
            None => None,
        };
        runner.evaluate_with_evidence(
            &sets,
            &engine,
            &input,
            &evidence,
            root.as_deref().map(GivenRoot::from),
            &options,
        )?
    };
    let reasons = args
        .explain
        .explain
        .map(|mode| (mode, explain::explain(&runner, mode, &sets, 0, &verdict)));
    let mut verdict = verdict;
    if !args.coverage {
        verdict.coverage.clear();
    }
    match args.format {
        Format::Json => match &reasons {
            Some((_, reasons)) => println!("{}", explain::json_output(&verdict, reasons)),
            None => println!("{}", pretty::json_output(&verdict)),
        },
        Format::Pretty => {
            print!("{}", pretty::render(&verdict, &names));
            // With evidence, which input fields the bundles proved and which were removed.
            print!("{}", pretty::render_fact_list(&verdict.facts));
            if let Some((mode, reasons)) = &reasons {
                print!("{}", explain::render(*mode, &verdict, reasons));
            }
            print!("{}", pretty::render_coverage(&verdict.coverage));
        }
    }
    Ok(verdict.decision.exit_code())
}

/// `verdict eval SOURCE`: the source checked with the query (as `verdict check`), or with
/// `--print` its input document printed.
fn eval_source(args: &EvalArgs, source: &str) -> Result<u8> {
    let runner = args.runner()?;
    if args.print {
        let request = match check_request(
            source,
            &args.source_args,
            args.trusted_root.as_deref(),
            &mut Budget::default(),
        ) {
            Ok(request) => request,
            Err(e) => {
                let (code, message) = if let Some(refusal) = e.downcast_ref::<ReadError>() {
                    (
                        verdict_host::ErrorCode::InvalidRequest,
                        refusal_message(refusal),
                    )
                } else if let Some(failed) = super::fetch::failure_of(&e) {
                    failed
                } else {
                    return Err(e);
                };
                eprintln!("error[{}]: {}", code.as_str(), pretty::escape(&message));
                return Ok(2);
            }
        };
        if request.fetched {
            args.source_args
                .fetch
                .save_fetched(&request.request.evidence)?;
        }
        return match runner.build_input(&request.request, request.root())? {
            Ok(document) => {
                let value: serde_json::Value = serde_json::from_str(&document.input)?;
                println!("{}", serde_json::to_string_pretty(&value)?);
                eprint!("{}", pretty::render_fact_list(&document.facts));
                if args.source_args.without_evidence(source) && !source.starts_with("local://") {
                    eprintln!(
                        "{}",
                        no_evidence_note(source, args.source_args.fetch.offline)
                    );
                }
                Ok(0)
            }
            Err(e) => {
                eprintln!("error[{}]: {}", e.code.as_str(), pretty::escape(&e.message));
                Ok(2)
            }
        };
    }
    let options = Options {
        now_ns: now_ns(args.now.as_deref())?,
        coverage: args.coverage,
        limits: args.sandbox.call_limits(),
    };
    check_source(
        &runner,
        source,
        &args.policies,
        &args.source_args,
        args.trusted_root.as_deref(),
        Some(args.query.clone()),
        &options,
        super::check::Output {
            format: args.format,
            explain: args.explain.explain,
        },
    )
}

/// The one policy set of the `-d` paths: every `.rego` file under each (hidden directories
/// skipped), named by its path relative to the `-d` directory (a file given by itself: by its
/// name), so the verdict's hash does not depend on where the policies lie or how the path was
/// spelled. A file reached twice is read once; two files of one name are an error. Read under
/// the request's byte budget; other files are counted on standard error, not loaded.
fn data_set(paths: &[PathBuf]) -> Result<PolicySet> {
    let mut budget = Budget::default();
    let mut set: Vec<PolicyModule> = Vec::new();
    let mut read_already = std::collections::BTreeSet::new();
    for path in paths {
        if !path.exists() {
            bail!("-d {}: no such file or directory", shown(path));
        }
        let given_file = !path.is_dir();
        let (mut skipped, mut count) = (Vec::new(), 0usize);
        let files = files_under(path, |name| {
            let rego = name.ends_with(".rego");
            if !rego && !name.starts_with('.') {
                count += 1;
                if skipped.len() < 3 {
                    skipped.push(name.to_owned());
                }
            }
            rego
        })?;
        let files: Vec<PathBuf> = files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "rego"))
            .collect();
        if given_file && files.is_empty() {
            bail!(
                "-d {}: not a .rego file (Buildx policies have no data documents; read files \
                 with load_json)",
                shown(path)
            );
        }
        if count > 0 {
            eprintln!(
                "note: -d {}: {count} other file{} not loaded (Buildx policies have no data \
                 documents; read files with load_json): {}{}",
                shown(path),
                if count == 1 { "" } else { "s" },
                skipped.join(", "),
                if count > skipped.len() { ", …" } else { "" }
            );
        }
        if files.is_empty() {
            bail!("-d {}: no .rego file", shown(path));
        }
        for file in files {
            let canonical = std::fs::canonicalize(&file)
                .with_context(|| format!("failed to read policy {file:?}"))?;
            if !read_already.insert(canonical) {
                continue;
            }
            let name = if given_file {
                file.file_name().map(|n| n.to_string_lossy().into_owned())
            } else {
                file.strip_prefix(path).ok().map(shown)
            }
            .unwrap_or_else(|| shown(&file));
            if set.iter().any(|m| m.path == name) {
                bail!("-d: two policy files named {name} (module names must differ)");
            }
            let bytes = fsroot::read_found(&file, fsroot::MAX_CONTEXT_FILE, &mut budget)
                .with_context(|| format!("failed to read policy {file:?}"))?;
            let source = String::from_utf8(bytes)
                .with_context(|| format!("failed to read policy {file:?}: not UTF-8"))?;
            set.push(PolicyModule { path: name, source });
        }
    }
    Ok(set)
}

/// The policy sets of `-p` values for an input document: the files are read from the working
/// directory and each module is named by its file name. `disabled=true` is refused: without a
/// policy there is nothing to evaluate. Returns the sets and their module names.
fn input_policy_sets(
    runner: &Runner,
    specs: &[String],
) -> Result<(Vec<PolicySet>, Vec<Vec<String>>)> {
    let plan = runner
        .parse_policy_flags(specs)?
        .map_err(|e| wasmtime::Error::msg(e.message))?;
    let files = match plan {
        PolicyPlan::Disabled(spec) => bail!(
            "--policy {spec:?}: policies cannot be disabled when evaluating an input document (-i): there is nothing to evaluate without a policy"
        ),
        PolicyPlan::Sets(PolicySets { sets, .. }) if sets.is_empty() => {
            bail!("--policy: the values name no policy file; give at least one policy set (-p)")
        }
        PolicyPlan::Sets(PolicySets { sets, .. }) => sets,
    };
    let mut sets = Vec::new();
    let mut names = Vec::new();
    for set_files in &files {
        let set = set_files
            .iter()
            .map(|file| read_module(file))
            .collect::<Result<Vec<_>>>()?;
        names.push(set.iter().map(|m| m.path.clone()).collect());
        sets.push(set);
    }
    Ok((sets, names))
}
