//! `verdict check SOURCE` (and `verdict eval SOURCE`): a source checked against Buildx
//! policies, its input built from the evidence inside the sandbox.

use std::path::{Path, PathBuf};

use clap::Args;
use verdict_host::fsroot::{self, Budget, ReadError};
use verdict_host::{
    EngineOptions, GivenRoot, Options, PolicyModule, PolicyPlan, PolicySet, PolicySets, Runner,
};
use verdict_host::{evidence, pretty};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::clock::now_ns;
use super::explain::{self, Explain, ExplainArgs, Explanation};
use super::fetch;
use super::files::{read_module, refusal_message};
use super::format::{Format, JsonOutput};
use super::sandbox::SandboxArgs;
use super::source::{SourceArgs, SourceRequest, auto_policy, auto_policy_name, check_request};

/// The flags of `verdict check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The source: `docker-image://REF`, a git URL (`https://…/repo.git#ref`,
    /// `git://…`, `git@host:org/repo.git#ref`), `https://…`, `local://NAME`.
    #[arg(value_name = "SOURCE")]
    source: String,
    /// A policy set, as Buildx's `--policy`: `filename=FILE[,filename=FILE…]
    /// [,reset=true][,disabled=true]`, or simply `FILE[,FILE…]`. Repeat for
    /// several sets: all must allow; the first deny wins.
    ///
    /// CSV: double quotes protect a comma in a name (`"a,b.rego"`). Files
    /// are read from the build context (`--context`, default `.`; an
    /// absolute path must lie inside it; `cwd://FILE` reads from the
    /// working directory), after `<Dockerfile>.rego`;
    /// `reset=true` drops the sets before it (that one too); `disabled=true`
    /// allows without evaluating and combines with nothing; `strict=` and
    /// `log-level=` are accepted and ignored.
    #[arg(long = "policy", value_name = "SPEC")]
    policies: Vec<String>,
    #[command(flatten)]
    source_args: SourceArgs,
    /// A trusted root (JSON) for signatures instead of the embedded
    /// public-good root (the only one Buildx trusts).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// The evaluation time (RFC 3339). Defaults to the current time.
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
}

/// How a check's verdict is printed: the format, and `--explain`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    pub(crate) format: Format,
    pub(crate) explain: Option<Explain>,
}

impl CheckArgs {
    /// What `--format json` prints when the command fails.
    pub(crate) fn json_output(&self) -> Option<JsonOutput> {
        matches!(self.format, Format::Json).then_some(JsonOutput::Verdict)
    }
}

/// Runs `verdict check`; the exit status of its decision.
pub(crate) fn run(args: CheckArgs) -> Result<u8> {
    let options = Options {
        now_ns: now_ns(args.now.as_deref())?,
        coverage: args.coverage,
        limits: args.sandbox.call_limits(),
    };
    let runner = args.sandbox.runner()?;
    check_source(
        &runner,
        &args.source,
        &args.policies,
        &args.source_args,
        args.trusted_root.as_deref(),
        None,
        &options,
        Output {
            format: args.format,
            explain: args.explain.explain,
        },
    )
}

/// Checks a source against the sets (the auto-discovered `<Dockerfile>.rego` first) with
/// `query` (`None`: `data.docker.decision`) and prints the verdict; the exit status of its
/// decision.
#[allow(clippy::too_many_arguments, reason = "the flags of two subcommands")]
pub(crate) fn check_source(
    runner: &Runner,
    source: &str,
    specs: &[String],
    args: &SourceArgs,
    trusted_root: Option<&Path>,
    query: Option<String>,
    options: &Options,
    output: Output,
) -> Result<u8> {
    let format = output.format;
    let shown_coverage = options.coverage;
    // `--explain` reads the lines the evaluation reached (the hash is the same either way).
    let options = &Options {
        coverage: options.coverage || output.explain.is_some(),
        ..*options
    };
    let engine = EngineOptions {
        query,
        default_policy: args.default_policy,
    };
    let plan = runner
        .parse_policy_flags(specs)?
        .map_err(|e| wasmtime::Error::msg(e.message))?;
    let (reset, files) = match plan {
        PolicyPlan::Disabled(_) => {
            println!("policies disabled: {source} allowed");
            return Ok(0);
        }
        PolicyPlan::Sets(PolicySets { reset, sets }) => (reset, sets),
    };
    // A `reset=true` drops the auto-discovered set too (BX `build/build.go`).
    let auto = auto_policy(&args.dockerfile).filter(|_| !reset);
    let mut budget = Budget::default();
    let (sets, mut names) = match policy_sets(auto.as_deref(), &files, &args.context, &mut budget) {
        Ok(loaded) => loaded,
        Err(e) => {
            let checked = refused(runner, (&[], &engine), source, options, e)?;
            print_checked(&checked, &[], source, &args.context, format, None);
            return Ok(checked.verdict.decision.exit_code());
        }
    };
    if sets.is_empty() && !args.default_policy {
        bail!(
            "no policy: no {:?} next to the Dockerfile, no --policy and no --default-policy",
            auto_policy_name(&args.dockerfile)
        );
    }
    if args.default_policy {
        names.insert(0, vec!["builtin/default.rego".to_owned()]);
    }
    let checked = check_request(source, args, trusted_root, &mut budget).and_then(|mut request| {
        // No --trusted-root: the root a `verdict trust-root update` verified (verified again
        // now), else the embedded public-good root.
        if request.trusted_root.is_none()
            && let Some((json, updated, repository)) =
                super::trust_root::in_use(runner, now_ns(None)?, None)
        {
            eprintln!("{}", super::trust_root::origin_note(&updated, &repository));
            request.trusted_root = Some(json);
            request.trusted_root_origin = Some(super::trust_root::origin(&repository));
        }
        check_with_files(
            runner,
            (&sets, &engine),
            options,
            request,
            args,
            &mut budget,
        )
    });
    let checked = match checked {
        Ok(checked) => checked,
        Err(e) => refused(runner, (&sets, &engine), source, options, e)?,
    };
    let reasons = output.explain.map(|mode| {
        (
            mode,
            explain::explain(
                runner,
                mode,
                &sets,
                usize::from(args.default_policy),
                &checked.verdict,
            ),
        )
    });
    let mut checked = checked;
    if !shown_coverage {
        checked.verdict.coverage.clear();
    }
    let reasons = reasons.as_ref().map(|(m, r)| (*m, r));
    print_checked(&checked, &names, source, &args.context, format, reasons);
    // A source that parsed, checked without evidence: say what the verdict rests on.
    if args.without_evidence(source)
        && !source.starts_with("local://")
        && !checked.verdict.error.as_ref().is_some_and(|e| {
            matches!(
                e.code,
                verdict_host::ErrorCode::UnsupportedSource
                    | verdict_host::ErrorCode::MalformedSource
            )
        })
    {
        eprintln!("{}", no_evidence_note(source, args.fetch.offline));
    }
    Ok(checked.verdict.decision.exit_code())
}

/// What a check without evidence rests on, and how to get evidence (standard error): the
/// source's name only — `--offline` was given, or verdict fetches nothing for the source.
pub(crate) fn no_evidence_note(source: &str, offline: bool) -> String {
    let why = if offline {
        "--offline: nothing was fetched"
    } else {
        "verdict fetches nothing for this source (an image reference with no registry)"
    };
    format!(
        "note: no --evidence: `{source}` was checked knowing only its name (no image digest, \
         provenance or signatures, no git objects, no HTTP content), so a policy that needs them \
         denies. {why}; save the evidence in the layout of docs/evidence.md (an image: `verdict \
         check --save-evidence DIR docker-image://REF`, or `oras copy -r --to-oci-layout REF \
         DIR/oci`; git: `git ls-remote --symref URL > DIR/git/refs`) and pass `--evidence DIR`."
    )
}

/// Reads the policy sets of a source check: `auto` (the auto-discovered file, unless a reset
/// dropped it) as set #1, named by its file name; then each set of `files`, read relative to
/// `base` (the build context; `cwd://` paths from the working directory) as BX
/// `build/policy_loader.go` reads them, as build-context files
/// ([`evidence::read_context_file`]) counted against `budget`. Returns the sets and their
/// module names: a file's path relative to the context (an absolute path inside the context
/// too), so the verdict's hash does not depend on how the path was spelled.
fn policy_sets(
    auto: Option<&Path>,
    files: &[Vec<String>],
    base: &Path,
    budget: &mut Budget,
) -> Result<(Vec<PolicySet>, Vec<Vec<String>>)> {
    let mut sets: Vec<PolicySet> = Vec::new();
    if let Some(auto) = auto {
        sets.push(vec![read_module(&auto.to_string_lossy())?]);
    }
    for names in files {
        let mut set = Vec::new();
        for name in names {
            let bytes = evidence::read_context_file(base, name, budget)
                .map_err(|e| e.context("--policy"))?
                .ok_or_else(|| {
                    ReadError::new(
                        fsroot::ReadCode::NotFound,
                        format!("--policy: {}", evidence::not_found(base, name)),
                    )
                })?;
            let source = String::from_utf8(bytes)
                .with_context(|| format!("--policy {name:?}: the policy is not UTF-8"))?;
            // The module is named as the context names it, however the path was spelled.
            let path = evidence::context_relative(base, name).unwrap_or_else(|| name.clone());
            set.push(PolicyModule { path, source });
        }
        sets.push(set);
    }
    let names = sets
        .iter()
        .map(|set| set.iter().map(|m| m.path.clone()).collect())
        .collect();
    Ok((sets, names))
}

/// The most rounds of "the policy asked for files; read them; check again" (Buildx's limit
/// for metadata resolution).
const MAX_ROUNDS: usize = 10;

/// Checks `request` in rounds (one instance: the policies are compiled once): between rounds
/// the build-context files the policy asks for are read from the context, and, when the check
/// fetches its evidence, the evidence it asks for (GitHub attestations) is fetched. What was
/// fetched is written to `--save-evidence` at the end.
fn check_with_files(
    runner: &Runner,
    (sets, engine): (&[PolicySet], &EngineOptions),
    options: &Options,
    source: SourceRequest,
    args: &SourceArgs,
    budget: &mut Budget,
) -> Result<verdict_host::Checked> {
    let SourceRequest {
        mut request,
        trusted_root,
        trusted_root_origin,
        fetched,
    } = source;
    let root = trusted_root.as_deref().map(|json| GivenRoot {
        json,
        origin: trusted_root_origin.as_deref(),
    });
    let mut tried = std::collections::BTreeSet::new();
    let checked = runner.check_rounds(
        sets,
        engine,
        &mut request,
        root,
        options,
        MAX_ROUNDS,
        |verdict, request| {
            let mut added = false;
            for name in &verdict.missing_files {
                if request.files.iter().any(|f| &f.path == name) {
                    continue;
                }
                let read = evidence::read_context_file(&args.context, name, budget)
                    .map_err(|e| e.context("build-context file"))?;
                if let Some(content) = read {
                    request.files.push(verdict_host::File {
                        path: name.clone(),
                        content,
                    });
                    added = true;
                }
            }
            if fetched {
                added |= args.fetch.fetch_wanted(
                    &verdict.missing_evidence,
                    &mut request.evidence,
                    &mut tried,
                )?;
            }
            Ok(added)
        },
    );
    // What was fetched is saved even when a later fetch failed (what is there to look at).
    if fetched {
        let saved = args.fetch.save_fetched(&request.evidence);
        if checked.is_ok() {
            saved?;
        }
    }
    let checked = checked?;
    Ok(checked)
}

/// Prints a source's verdict in `format`; for each build-context file the policy asked for
/// and `context` lacks, where it was looked for (indented under the verdict, or on standard
/// error with `--format json`).
fn print_checked(
    checked: &verdict_host::Checked,
    names: &[Vec<String>],
    source: &str,
    context: &Path,
    format: Format,
    reasons: Option<(Explain, &Explanation)>,
) {
    let verdict = &checked.verdict;
    let missing = verdict
        .missing_files
        .iter()
        .map(|name| pretty::escape(&evidence::not_found(context, name)));
    let wanted = verdict.missing_evidence.iter().map(|w| {
        pretty::escape(&format!(
            "{} over {}: GitHub attestations, fetched when the check fetches its evidence (no \
             --evidence, no --offline), or `gh attestation download` into EVIDENCE/{}/",
            w.path, w.subject, w.path
        ))
    });
    match format {
        Format::Json => {
            match reasons {
                Some((_, reasons)) => println!("{}", explain::json_output(verdict, reasons)),
                None => println!("{}", pretty::json_output(verdict)),
            }
            for line in missing {
                eprintln!("note: a file the policy asked for: {line}");
            }
            for line in wanted {
                eprintln!("note: evidence the policy asked for: {line}");
            }
        }
        Format::Pretty => {
            println!("source {source}");
            if let Some(pin) = &verdict.pin {
                let base = source.split('@').next().unwrap_or(source);
                println!("pinned {base}@{pin}");
            }
            print!("{}", pretty::render(verdict, names));
            print!("{}", pretty::render_fact_list(&verdict.facts));
            if let Some((mode, reasons)) = reasons {
                print!("{}", explain::render(mode, verdict, reasons));
            }
            if !verdict.missing_files.is_empty() {
                println!("  files asked for but not found:");
                for line in missing {
                    println!("    {line}");
                }
            }
            if !verdict.missing_evidence.is_empty() {
                println!("  evidence asked for but not given:");
                for line in wanted {
                    println!("    {line}");
                }
            }
            print!("{}", pretty::render_coverage(&verdict.coverage));
        }
    }
}

/// A file the host refused to read ([`ReadError`]: outside its root, not a regular file, over
/// its cap) is an `invalid-request` error verdict naming it, and evidence that could not be
/// fetched an error verdict saying why ([`fetch::failure_of`]), rendered by the component like any
/// other; any other error is returned as it is.
fn refused(
    runner: &Runner,
    (sets, engine): (&[PolicySet], &EngineOptions),
    source: &str,
    options: &Options,
    e: wasmtime::Error,
) -> Result<verdict_host::Checked> {
    let (code, message) = if let Some(refusal) = e.downcast_ref::<ReadError>() {
        (
            verdict_host::ErrorCode::InvalidRequest,
            refusal_message(refusal),
        )
    } else if let Some(failed) = fetch::failure_of(&e) {
        failed
    } else {
        return Err(e);
    };
    let error = verdict_host::VerdictError { code, message };
    let input = serde_json::json!({ "source": source }).to_string();
    Ok(verdict_host::Checked {
        verdict: runner.error_verdict(sets, engine, &input, options, &error),
        input: None,
    })
}
