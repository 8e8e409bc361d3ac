//! The `verdict` command line.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use verdict_host::verify::{
    Artifact, CertificateIdentity, Digest, IdentityPolicy, Matcher, Thresholds, TrustSource,
    VerifyFailure, VerifyOptions,
};
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
    /// Verify a Sigstore bundle, speaking the sigstore-conformance client
    /// protocol.
    ///
    /// FILE_OR_DIGEST is the artifact's path, or `sha256:` + 64 hex digits
    /// (when no such file exists). Without `--trusted-root` the embedded
    /// public-good root is used. Exit status: 0 verified, 1 not verified
    /// (`error[<code>]: <message>` on standard error), 2 usage or I/O error.
    #[command(group(ArgGroup::new("signer").required(true).args(["certificate_identity", "key"])))]
    VerifyBundle(VerifyBundleArgs),
    /// Verify a Sigstore bundle and print what it proves (signer, times,
    /// transparency-log entries, statement).
    ///
    /// Without identity flags any certificate that chains to the trusted
    /// root is accepted (the signer is still printed). Exit status: 0
    /// verified, 1 not verified, 2 usage or I/O error (or the sandbox
    /// stopped the verifier).
    #[command(group(ArgGroup::new("what").required(true).args(["artifact", "digest"])))]
    Verify(VerifyArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A readable summary (eval: what decided, messages, prints; verify:
    /// the signer, times, log entries and statement, or the failed check).
    Pretty,
    /// JSON (eval: the canonical verdict record and its hash; verify:
    /// `{"verified":true,"facts":…}` or `{"verified":false,"error":…}`).
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
    /// A Sigstore bundle as evidence, and the digest it signs:
    /// `FILE=sha256:HEX`. Repeatable. The bundles are verified in the
    /// sandbox; the verified ones become `input.signatures` (replacing any
    /// the input carries), and the verdict records each one's outcome.
    #[arg(long = "bundle", value_name = "FILE=sha256:HEX")]
    bundles: Vec<String>,
    /// The trusted root for `--bundle` (default: the embedded public-good root).
    #[arg(long, value_name = "FILE", requires = "bundles")]
    trusted_root: Option<PathBuf>,
}

/// The sandbox's limits and code cache, for the verification commands.
#[derive(Debug, clap::Args)]
struct SandboxArgs {
    /// Fuel for one call (about one unit per WebAssembly instruction).
    #[arg(long, default_value_t = Limits::default().fuel)]
    fuel: u64,
    /// Memory cap of the sandbox, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_memory >> 20)]
    max_memory: usize,
    /// Do not read or write the precompiled-code cache.
    #[arg(long)]
    no_cache: bool,
}

impl SandboxArgs {
    fn runner(&self) -> Result<Runner> {
        let limits = Limits {
            fuel: self.fuel,
            max_memory: self
                .max_memory
                .checked_mul(1 << 20)
                .context("--max-memory is too large")?,
        };
        let cache = if self.no_cache {
            None
        } else {
            cache::default_dir()
        };
        Runner::new(cache, limits)
    }
}

#[derive(Debug, clap::Args)]
struct VerifyBundleArgs {
    /// Use Sigstore staging: needs `--trusted-root` (verdict embeds no
    /// staging root and never goes online).
    #[arg(long)]
    staging: bool,
    /// The Sigstore bundle to verify.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// The expected subject alternative name of the signing certificate.
    #[arg(
        long,
        value_name = "IDENTITY",
        requires = "certificate_oidc_issuer",
        conflicts_with = "key"
    )]
    certificate_identity: Option<String>,
    /// The expected OIDC issuer of the signing certificate.
    #[arg(
        long,
        value_name = "URL",
        requires = "certificate_identity",
        conflicts_with = "key"
    )]
    certificate_oidc_issuer: Option<String>,
    /// The PEM public key the bundle must be signed with.
    #[arg(long, value_name = "PATH_TO_KEY")]
    key: Option<PathBuf>,
    /// A trusted root (JSON) instead of the embedded public-good root.
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// The artifact's path, or `sha256:<64 hex digits>`.
    #[arg(value_name = "FILE_OR_DIGEST")]
    file_or_digest: String,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The Sigstore bundle to verify.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// The artifact the bundle signs (for an in-toto statement, a subject).
    #[arg(long, value_name = "FILE")]
    artifact: Option<PathBuf>,
    /// The artifact's digest instead of its bytes: `sha256:`, `sha384:` or
    /// `sha512:` + hex.
    #[arg(long, value_name = "ALG:HEX")]
    digest: Option<String>,
    /// The exact subject alternative name of the signing certificate.
    #[arg(
        long,
        value_name = "SAN",
        conflicts_with = "certificate_identity_regexp"
    )]
    certificate_identity: Option<String>,
    /// A regular expression the whole subject alternative name must match.
    #[arg(long, value_name = "REGEX")]
    certificate_identity_regexp: Option<String>,
    /// The exact OIDC issuer of the signing certificate.
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    certificate_oidc_issuer: Option<String>,
    /// A regular expression the whole OIDC issuer must match.
    #[arg(long, value_name = "REGEX")]
    certificate_oidc_issuer_regexp: Option<String>,
    /// The PEM (or DER) public key the bundle must be signed with.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = [
            "certificate_identity",
            "certificate_identity_regexp",
            "certificate_oidc_issuer",
            "certificate_oidc_issuer_regexp",
        ]
    )]
    key: Option<PathBuf>,
    /// A trusted root (JSON) instead of the embedded public-good root.
    #[arg(long, value_name = "FILE", conflicts_with = "github")]
    trusted_root: Option<PathBuf>,
    /// Use the embedded GitHub (Artifact Attestations) root.
    #[arg(long)]
    github: bool,
    /// Verified transparency-log entries required.
    #[arg(long, value_name = "N", default_value_t = 1)]
    tlog_threshold: u32,
    /// Verified SCTs required (certificate bundles).
    #[arg(long, value_name = "N", default_value_t = 1)]
    ctlog_threshold: u32,
    /// Verified times required (signed entry timestamps, RFC 3161).
    #[arg(long, value_name = "N", default_value_t = 1)]
    timestamp_threshold: u32,
    /// Accept v0.1 bundles whose entries carry a signed entry timestamp but
    /// no inclusion proof.
    #[arg(long)]
    allow_v01_set_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
    #[command(flatten)]
    sandbox: SandboxArgs,
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
        Command::VerifyBundle(args) => verify_bundle(args),
        Command::Verify(args) => verify(args),
    }
}

fn read(path: &std::path::Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("failed to read {what} {path:?}"))
}

/// Lowercase or uppercase hex to bytes.
fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The exit status of a failed verification: 1 when a check failed, 2 when
/// the sandbox stopped the verifier.
fn failure_status(failure: &VerifyFailure) -> u8 {
    if failure.is_verify() { 1 } else { 2 }
}

fn verify_bundle(args: VerifyBundleArgs) -> Result<u8> {
    let trusted_root = match &args.trusted_root {
        Some(path) => Some(read(path, "trusted root")?),
        None if args.staging => bail!(
            "--staging needs --trusted-root: verdict embeds no staging trusted root and does not go online"
        ),
        None => None,
    };
    let bundle = read(&args.bundle, "bundle")?;
    // The protocol: `sha256:` + 64 hex digits that is not a path on disk is
    // a digest; anything else is a path.
    let digest = args
        .file_or_digest
        .strip_prefix("sha256:")
        .filter(|hex| hex.len() == 64 && !std::path::Path::new(&args.file_or_digest).exists())
        .and_then(hex_decode);
    let artifact = match digest {
        Some(value) => Artifact::Digest(Digest {
            algorithm: "sha256".to_owned(),
            value,
        }),
        None => Artifact::Bytes(read(args.file_or_digest.as_ref(), "artifact")?),
    };
    let identity = match (
        &args.key,
        &args.certificate_identity,
        &args.certificate_oidc_issuer,
    ) {
        (Some(key), _, _) => IdentityPolicy::Key(read(key, "key")?),
        (None, Some(subject), Some(issuer)) => IdentityPolicy::Certificate(CertificateIdentity {
            subject: Some(Matcher::Exact(subject.clone())),
            issuer: Some(Matcher::Exact(issuer.clone())),
        }),
        _ => bail!("give --certificate-identity and --certificate-oidc-issuer, or --key"),
    };
    let options = VerifyOptions {
        identity,
        thresholds: Thresholds::default(),
        allow_v01_set_only: false,
    };
    let trust = match &trusted_root {
        Some(json) => TrustSource::Json(json),
        None => TrustSource::PublicGood,
    };
    let runner = args.sandbox.runner()?;
    match runner.verify_bundle(trust, &bundle, &artifact, &options)? {
        Ok(verified) => {
            let who = verified
                .signer
                .as_ref()
                .and_then(|s| s.iter().find(|(k, _)| k == "subjectAlternativeName"))
                .map_or("the given key".to_owned(), |(_, san)| san.clone());
            println!("verified: {}, signed by {who}", verified.bundle_type);
            Ok(0)
        }
        Err(failure) => {
            eprintln!("error[{}]: {}", failure.code(), failure.message());
            Ok(failure_status(&failure))
        }
    }
}

fn verify(args: VerifyArgs) -> Result<u8> {
    let bundle = read(&args.bundle, "bundle")?;
    let artifact = match (&args.artifact, &args.digest) {
        (Some(path), _) => Artifact::Bytes(read(path, "artifact")?),
        (None, Some(text)) => {
            let parsed = text
                .split_once(':')
                .and_then(|(alg, hex)| Some((alg.to_owned(), hex_decode(hex)?)));
            let Some((algorithm, value)) = parsed else {
                bail!("--digest {text:?} is not ALG:HEX (e.g. sha256:9f86d0…)");
            };
            Artifact::Digest(Digest { algorithm, value })
        }
        (None, None) => bail!("give --artifact or --digest"),
    };
    let matcher = |exact: &Option<String>, regex: &Option<String>| match (exact, regex) {
        (Some(s), _) => Some(Matcher::Exact(s.clone())),
        (None, Some(r)) => Some(Matcher::Regex(r.clone())),
        (None, None) => None,
    };
    let subject = matcher(
        &args.certificate_identity,
        &args.certificate_identity_regexp,
    );
    let issuer = matcher(
        &args.certificate_oidc_issuer,
        &args.certificate_oidc_issuer_regexp,
    );
    let identity = match (&args.key, subject, issuer) {
        (Some(key), _, _) => IdentityPolicy::Key(read(key, "key")?),
        (None, None, None) => IdentityPolicy::AnyCertificate,
        (None, subject, issuer) => {
            IdentityPolicy::Certificate(CertificateIdentity { subject, issuer })
        }
    };
    let options = VerifyOptions {
        identity,
        thresholds: Thresholds {
            tlog: args.tlog_threshold,
            ctlog: args.ctlog_threshold,
            timestamps: args.timestamp_threshold,
        },
        allow_v01_set_only: args.allow_v01_set_only,
    };
    let runner = args.sandbox.runner()?;
    let root = match &args.trusted_root {
        Some(path) => runner.trust_root_from_json(&read(path, "trusted root")?)?,
        None if args.github => runner.trust_root_github()?,
        None => runner.trust_root_public_good()?,
    };
    let outcome = match root {
        Ok(mut root) => match root.digest()? {
            Ok(digest) => root
                .verify_bundle(&bundle, &artifact, &options)?
                .map(|verified| (verified, digest)),
            Err(failure) => Err(failure),
        },
        Err(failure) => Err(failure),
    };
    match (&outcome, args.format) {
        (Ok((verified, _)), Format::Json) => {
            println!("{{\"verified\":true,\"facts\":{}}}", verified.facts_json);
        }
        (Ok((verified, digest)), Format::Pretty) => {
            print!("{}", pretty::render_verified(verified, Some(digest)));
        }
        (Err(failure), Format::Json) => {
            let error = serde_json::json!({"code": failure.code(), "message": failure.message()});
            println!("{{\"verified\":false,\"error\":{error}}}");
        }
        (Err(failure), Format::Pretty) => print!("{}", pretty::render_verify_failure(failure)),
    }
    Ok(match &outcome {
        Ok(_) => 0,
        Err(failure) => failure_status(failure),
    })
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
    let verdict = if args.bundles.is_empty() {
        runner.evaluate(&sets, &options, &input)?
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
            let bundle =
                std::fs::read(file).with_context(|| format!("failed to read bundle {file:?}"))?;
            evidence.push(verdict_host::BundleEvidence {
                bundle,
                artifact: Digest {
                    algorithm: "sha256".into(),
                    value,
                },
            });
        }
        let root = match &args.trusted_root {
            Some(path) => Some(
                std::fs::read(path)
                    .with_context(|| format!("failed to read trusted root {path:?}"))?,
            ),
            None => None,
        };
        runner.evaluate_with_evidence(&sets, &options, &input, &evidence, root.as_deref())?
    };
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
