//! The `verdict` command line.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use verdict_host::{Limits, Options, PolicyModule, PolicySet, Runner, cache, pretty};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

/// Sigstore-verified Rego policy verdicts, the same in every host.
#[derive(Debug, Parser)]
#[command(name = "verdict", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate policies against an input document, with Buildx semantics.
    ///
    /// Exit status: 0 allow, 1 deny, 2 error.
    Eval(EvalArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A readable summary: what decided, messages, prints.
    Pretty,
    /// The canonical verdict record and its hash.
    Json,
}

#[derive(Debug, clap::Args)]
struct EvalArgs {
    /// A policy set: a Rego file, or several joined by commas (compiled
    /// together). Repeat for several sets: all must allow; the first deny wins.
    #[arg(
        short = 'p',
        long = "policy",
        value_name = "FILE[,FILE…]",
        required = true
    )]
    policies: Vec<String>,
    /// The input document (JSON); `-` reads standard input.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    input: PathBuf,
    /// The query to evaluate.
    #[arg(long, default_value = "data.docker.decision")]
    query: String,
    /// The evaluation time (RFC 3339), returned by `time.now_ns()`.
    /// Defaults to the current time.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
    /// Fuel for one evaluation (about one unit per WebAssembly instruction).
    #[arg(long, default_value_t = Limits::default().fuel)]
    fuel: u64,
    /// Memory cap of the sandbox, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_memory >> 20)]
    max_memory: usize,
    /// Do not read or write the precompiled-code cache.
    #[arg(long)]
    no_cache: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("verdict: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Eval(args) => eval(args),
    }
}

fn eval(args: EvalArgs) -> Result<u8> {
    let mut sets: Vec<PolicySet> = Vec::new();
    let mut names: Vec<Vec<String>> = Vec::new();
    for spec in &args.policies {
        let mut set = Vec::new();
        let mut files = Vec::new();
        for file in spec.split(',').filter(|f| !f.is_empty()) {
            let source = std::fs::read_to_string(file)
                .with_context(|| format!("failed to read policy {file:?}"))?;
            let path = std::path::Path::new(file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(file)
                .to_owned();
            files.push(path.clone());
            set.push(PolicyModule { path, source });
        }
        sets.push(set);
        names.push(files);
    }
    let input = if args.input.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("failed to read the input from standard input")?;
        text
    } else {
        std::fs::read_to_string(&args.input)
            .with_context(|| format!("failed to read input {:?}", args.input))?
    };
    let now_ns = match &args.now {
        Some(text) => parse_time(text)?,
        None => chrono::Utc::now()
            .timestamp_nanos_opt()
            .context("the clock is out of range")?,
    };
    let limits = Limits {
        fuel: args.fuel,
        max_memory: args
            .max_memory
            .checked_mul(1 << 20)
            .context("--max-memory is too large")?,
    };
    let cache = if args.no_cache {
        None
    } else {
        cache::default_dir()
    };
    let runner = Runner::new(cache, limits)?;
    let options = Options {
        query: Some(args.query.clone()),
        now_ns,
    };
    let verdict = runner.evaluate(&sets, &options, &input)?;
    match args.format {
        Format::Json => println!(
            "{{\"hash\":\"{}\",\"verdict\":{}}}",
            verdict.hash, verdict.canonical_json
        ),
        Format::Pretty => print!("{}", pretty::render(&verdict, &names)),
    }
    Ok(verdict.decision.exit_code())
}

fn parse_time(text: &str) -> Result<i64> {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) else {
        bail!("--now {text:?} is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)");
    };
    t.timestamp_nanos_opt()
        .with_context(|| format!("--now {text:?} is out of range"))
}
