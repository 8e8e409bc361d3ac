//! The `verdict` command line.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser, Subcommand, ValueEnum};
use verdict_host::fsroot::{self, Budget, ReadError};
use verdict_host::verify::{
    Artifact, CertificateIdentity, Digest, IdentityPolicy, Matcher, Thresholds, TrustSource,
    VerifyFailure, VerifyOptions,
};
use verdict_host::{
    BuildEnv, CheckRequest, Evidence, Limits, NamedBytes, Options, PolicyModule, PolicySet, Runner,
    cache, evidence, pretty,
};
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
    /// Check a source (`docker-image://REF`, a git URL, `https://…`,
    /// `local://NAME`) against Buildx policies, as `docker buildx build`
    /// checks it: `<Dockerfile>.rego` next to the Dockerfile, `--policy`
    /// sets, the caps pass, Buildx's input built from `--evidence` inside
    /// the sandbox (every blob re-hashed, signatures verified there).
    ///
    /// Exit status: 0 allow (or convert: the pinned reference is printed),
    /// 1 deny, 2 error.
    Check(CheckArgs),
    /// Run policy tests, as `docker buildx policy test`: the `test_*` rules
    /// of the `*_test.rego` files under PATH, against `<filename>.rego`
    /// and the helper module; a Buildx-style report and line coverage of
    /// the policy.
    ///
    /// Exit status: 0 all passed, 1 a test failed, 2 error.
    Test(TestArgs),
    /// Write the embedded WebAssembly component — the very bytes this
    /// runner executes, import-free (world `verdict:policy/engine`) — for
    /// another host: jco, an edge runtime, a plugin host.
    ///
    /// Prints its size and SHA-256 on standard error.
    Component(ComponentArgs),
}

#[derive(Debug, clap::Args)]
struct ComponentArgs {
    /// Where to write the component (`-` for standard output).
    #[arg(long, short, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
struct TestArgs {
    /// A `*_test.rego` file, or a directory searched for them.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// The policy's base name: `<NAME>.rego` is loaded from the working
    /// directory (else from PATH's directory).
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
    /// A source to evaluate instead of an input document, as `docker buildx
    /// policy eval SOURCE`: its input is built from `--evidence` (see
    /// `verdict check`); with `--print`, the input is printed instead.
    #[arg(value_name = "SOURCE", conflicts_with = "input")]
    source: Option<String>,
    /// Print the input document built for SOURCE (and what it rests on, on
    /// standard error) instead of evaluating.
    #[arg(long, requires = "source")]
    print: bool,
    /// A policy set: a Rego file, or several joined by commas (compiled
    /// together). Repeat for several sets: all must allow; the first deny wins.
    #[arg(short = 'p', long = "policy", value_name = "FILE[,FILE…]")]
    policies: Vec<String>,
    /// The input document (JSON); `-` reads standard input.
    #[arg(
        short = 'i',
        long = "input",
        value_name = "FILE",
        required_unless_present = "source"
    )]
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
    /// Wall-clock deadline of the evaluation (of all rounds of a SOURCE's
    /// check together): `30s`, `500ms`, `2m`, `1h`; `0` for none. Past it
    /// the verdict is an error with code `resource-exhausted`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    timeout: Timeout,
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

/// Where a source's evidence, build settings and context come from.
#[derive(Debug, clap::Args)]
struct SourceArgs {
    /// The platform of an image source.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    platform: String,
    /// The Dockerfile: `<Dockerfile>.rego` next to it is loaded as the first
    /// policy set when it exists, and its base name is `input.env.filename`.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "PATH",
        default_value = "Dockerfile"
    )]
    dockerfile: PathBuf,
    /// An evidence directory (docs/evidence.md): `oci/` (an OCI image layout
    /// with index, manifests, attestation manifests, referrers and bundles),
    /// `git/refs`, `git/objects/`, `http/content` or `http/checksum`,
    /// `attestations/<owner>/<repo>/`.
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
    /// The build context: policies' file arguments (`load_json`, keys,
    /// signatures, bundles) are read from it (`cwd://` paths from the
    /// working directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    context: PathBuf,
    /// A build argument (`input.env.args`). Repeatable.
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    build_args: Vec<String>,
    /// A label (`input.env.labels`). Repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// The build target (`input.env.target`).
    #[arg(long)]
    target: Option<String>,
    /// Prepend Buildx's built-in default policy (`BUILDX_DEFAULT_POLICY=1`).
    #[arg(long)]
    default_policy: bool,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The source: `docker-image://REF`, a git URL (`https://…/repo.git#ref`,
    /// `git://…`, `git@host:org/repo.git#ref`), `https://…`, `local://NAME`.
    #[arg(value_name = "SOURCE")]
    source: String,
    /// A policy set, as Buildx's `--policy`: `filename=FILE[,filename=FILE…]
    /// [,reset=true][,disabled=true]`, or simply `FILE[,FILE…]`. Repeat for
    /// several sets: all must allow; the first deny wins.
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
    #[command(flatten)]
    sandbox: SandboxArgs,
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
    /// Wall-clock deadline of one call into the sandbox (of all rounds of a
    /// `check` together): `30s`, `500ms`, `2m`, `1h`; `0` for none. Past
    /// it the verdict is an error with code `resource-exhausted`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    timeout: Timeout,
}

impl SandboxArgs {
    fn runner(&self) -> Result<Runner> {
        new_runner(self.fuel, self.max_memory, self.timeout, self.no_cache)
    }
}

/// A `--timeout` value: `None` is no deadline.
type Timeout = Option<std::time::Duration>;

/// `--timeout`: a number and a unit (`ms`, `s`, `m`, `h`; as OPA's and
/// cosign's `--timeout`), a plain number of seconds, or `0` for none.
fn parse_timeout(text: &str) -> std::result::Result<Timeout, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m, h)")),
    };
    if value == 0.0 {
        return Ok(None);
    }
    std::time::Duration::try_from_secs_f64(value * scale)
        .map(Some)
        .map_err(|_| format!("{text:?} is out of range"))
}

/// The runner with the command line's limits.
fn new_runner(fuel: u64, max_memory: usize, timeout: Timeout, no_cache: bool) -> Result<Runner> {
    let limits = Limits {
        fuel,
        max_memory: max_memory
            .checked_mul(1 << 20)
            .context("--max-memory is too large")?,
        timeout,
    };
    let cache = if no_cache { None } else { cache::default_dir() };
    Runner::new(cache, limits).map_err(|e| e.context(RunnerFailed))
}

/// Marks an error of the runner itself (the component did not compile or
/// load): code `internal`, where every other host-side failure is
/// `invalid-request`.
#[derive(Debug)]
struct RunnerFailed;

impl std::fmt::Display for RunnerFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sandbox could not start")
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
    restore_sigpipe();
    let cli = Cli::parse();
    let json = json_output_of(&cli.command);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("verdict: {e:#}");
            // `--format json` always prints a verdict: a failure before (or
            // outside) the sandbox is an error verdict with no canonical
            // record.
            let code = if e.downcast_ref::<RunnerFailed>().is_some() {
                verdict_host::ErrorCode::Internal
            } else {
                verdict_host::ErrorCode::InvalidRequest
            };
            let error = verdict_host::VerdictError {
                code,
                message: format!("{e:#}"),
            };
            match json {
                Some(JsonOutput::Verdict) => {
                    let verdict = verdict_host::host_error_verdict(error);
                    println!("{}", pretty::json_output(&verdict));
                }
                Some(JsonOutput::Verification) => {
                    let error =
                        serde_json::json!({"code": code.as_str(), "message": error.message});
                    println!("{{\"verified\":false,\"error\":{error}}}");
                }
                None => {}
            }
            ExitCode::from(2)
        }
    }
}

/// What `--format json` prints for a command.
enum JsonOutput {
    /// `{"hash", "verdict"}`.
    Verdict,
    /// `{"verified", …}`.
    Verification,
}

fn json_output_of(command: &Command) -> Option<JsonOutput> {
    match command {
        Command::Eval(a) if matches!(a.format, Format::Json) && !a.print => {
            Some(JsonOutput::Verdict)
        }
        Command::Check(a) if matches!(a.format, Format::Json) => Some(JsonOutput::Verdict),
        Command::Verify(a) if matches!(a.format, Format::Json) => Some(JsonOutput::Verification),
        _ => None,
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Eval(args) => eval(args),
        Command::VerifyBundle(args) => verify_bundle(args),
        Command::Verify(args) => verify(args),
        Command::Check(args) => check(args),
        Command::Test(args) => test(args),
        Command::Component(args) => component(args),
    }
}

fn component(args: ComponentArgs) -> Result<u8> {
    use sha2::Digest as _;
    let bytes = verdict_host::COMPONENT;
    if args.out.as_os_str() == "-" {
        use std::io::Write as _;
        std::io::stdout()
            .write_all(bytes)
            .context("failed to write the component")?;
    } else {
        std::fs::write(&args.out, bytes)
            .with_context(|| format!("failed to write {:?}", args.out))?;
    }
    eprintln!(
        "verdict component: {} bytes, sha256:{}",
        bytes.len(),
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    Ok(0)
}

/// A file named on the command line, capped at [`fsroot::MAX_GIVEN_FILE`].
fn read(path: &std::path::Path, what: &str) -> Result<Vec<u8>> {
    fsroot::read_given(
        path,
        what,
        fsroot::MAX_GIVEN_FILE,
        &mut Budget::new(fsroot::MAX_GIVEN_FILE),
    )
    .with_context(|| format!("failed to read {what} {path:?}"))
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
            eprintln!(
                "error[{}]: {}",
                failure.code(),
                pretty::escape(failure.message())
            );
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

/// One policy module read from disk, named by its file name.
fn read_module(file: &str) -> Result<PolicyModule> {
    let source = String::from_utf8(read(std::path::Path::new(file), "policy")?)
        .with_context(|| format!("failed to read policy {file:?}: not UTF-8"))?;
    let path = std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file)
        .to_owned();
    Ok(PolicyModule { path, source })
}

/// One `--policy` value, parsed as Buildx parses it (BX `util/buildflags/policy.go`): CSV
/// fields (double quotes protect commas), `key=value` with the key trimmed and lowercased;
/// `filename` (non-empty, repeatable), `reset`, `disabled`, `strict` (Go `strconv.ParseBool`
/// spellings), `log-level` (a logrus level). verdict also takes a field without `=` as a file
/// name, so `a.rego,b.rego` works.
#[derive(Debug, Default)]
struct PolicySpec {
    files: Vec<String>,
    reset: bool,
    disabled: bool,
    other: bool,
}

fn csv_fields(value: &str) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        bail!("--policy {value:?}: unterminated quote");
    }
    fields.push(field);
    Ok(fields.into_iter().filter(|f| !f.is_empty()).collect())
}

fn parse_policy_spec(value: &str) -> Result<PolicySpec> {
    let mut spec = PolicySpec::default();
    for field in csv_fields(value)? {
        let Some((key, v)) = field.split_once('=') else {
            spec.files.push(field);
            continue;
        };
        match key.trim().to_lowercase().as_str() {
            "filename" if !v.is_empty() => spec.files.push(v.to_owned()),
            "reset" => spec.reset = parse_bool(v, &field)?,
            "disabled" => spec.disabled = parse_bool(v, &field)?,
            "strict" => {
                parse_bool(v, &field)?;
                spec.other = true;
            }
            "log-level"
                if matches!(
                    v.to_lowercase().as_str(),
                    "panic" | "fatal" | "error" | "warn" | "warning" | "info" | "debug" | "trace"
                ) =>
            {
                spec.other = true;
            }
            _ => bail!("--policy {value:?}: invalid value {field}"),
        }
    }
    Ok(spec)
}

/// Policy sets from `--policy` values, combined as Buildx combines them (BX `build/build.go`
/// `withPolicyConfig`): the auto-discovered file is set #1; each value naming files is its own
/// set; `reset=true` drops the sets before it; `disabled=true` turns policies off and may not
/// be combined with anything else. Set files are read relative to `base` (the build context;
/// `cwd://` paths from the working directory), as BX `build/policy_loader.go` reads them.
/// Returns the sets, their module names, and whether policies are disabled. Set files are read
/// as build-context files ([`evidence::read_context_file`]), counted against `budget`.
fn policy_sets(
    auto: Option<&std::path::Path>,
    specs: &[String],
    base: &std::path::Path,
    budget: &mut Budget,
) -> Result<(Vec<PolicySet>, Vec<Vec<String>>, bool)> {
    let parsed = specs
        .iter()
        .map(|s| parse_policy_spec(s))
        .collect::<Result<Vec<_>>>()?;
    if let Some(disabled) = parsed.iter().find(|p| p.disabled) {
        if parsed.len() > 1 || disabled.reset || disabled.other || !disabled.files.is_empty() {
            bail!("disabled policy cannot be combined with other policy flags");
        }
        return Ok((vec![], vec![], true));
    }
    let mut sets: Vec<PolicySet> = Vec::new();
    if let Some(auto) = auto {
        sets.push(vec![read_module(&auto.to_string_lossy())?]);
    }
    for spec in &parsed {
        if spec.reset {
            sets.clear();
        }
        if spec.files.is_empty() {
            continue;
        }
        let mut set = Vec::new();
        for name in &spec.files {
            let bytes = evidence::read_context_file(base, name, budget)
                .map_err(|e| e.context("--policy"))?
                .ok_or_else(|| {
                    ReadError::new(
                        fsroot::ReadCode::NotFound,
                        format!("--policy: `{name}` is not in the build context"),
                    )
                })?;
            let source = String::from_utf8(bytes)
                .with_context(|| format!("--policy {name:?}: the policy is not UTF-8"))?;
            set.push(PolicyModule {
                path: name.clone(),
                source,
            });
        }
        sets.push(set);
    }
    let names = sets
        .iter()
        .map(|set| set.iter().map(|m| m.path.clone()).collect())
        .collect();
    Ok((sets, names, false))
}

/// Go's `strconv.ParseBool`.
fn parse_bool(value: &str, part: &str) -> Result<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => bail!("--policy {part:?}: invalid boolean"),
    }
}

fn key_values(items: &[String], flag: &str) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("{flag} {item:?}: expected KEY=VALUE"))
        })
        .collect()
}

fn now_ns(now: Option<&str>) -> Result<i64> {
    match now {
        Some(text) => parse_time(text),
        None => chrono::Utc::now()
            .timestamp_nanos_opt()
            .context("the clock is out of range"),
    }
}

/// The check request for a source, with its evidence read from disk.
fn check_request(
    source: &str,
    args: &SourceArgs,
    trusted_root: Option<&std::path::Path>,
    budget: &mut Budget,
) -> Result<CheckRequest> {
    let evidence = match &args.evidence {
        Some(dir) if !dir.is_dir() => bail!("evidence directory {dir:?} does not exist"),
        Some(dir) => evidence::load_with(dir, budget)?,
        None => Evidence {
            oci_index: None,
            blobs: vec![],
            git_refs: None,
            git_objects: vec![],
            http_content: None,
            http_checksum: None,
            attestations: vec![],
            attestation_manifest: None,
            signature_bundles: vec![],
        },
    };
    let filename = args
        .dockerfile
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned);
    Ok(CheckRequest {
        source: Some(source.to_owned()),
        platform: Some(args.platform.clone()),
        env: BuildEnv {
            args: key_values(&args.build_args, "--build-arg")?,
            labels: key_values(&args.labels, "--label")?,
            filename,
            target: args.target.clone(),
        },
        evidence,
        files: vec![],
        trusted_root: trusted_root
            .map(|p| fsroot::read_given(p, "trusted root", fsroot::MAX_GIVEN_FILE, budget))
            .transpose()?,
        default_policy: args.default_policy,
    })
}

/// `<Dockerfile>.rego` next to the Dockerfile, when it exists (BX `build/opt.go`).
fn auto_policy(dockerfile: &std::path::Path) -> Option<PathBuf> {
    let mut name = dockerfile.file_name()?.to_os_string();
    name.push(".rego");
    let path = dockerfile.with_file_name(name);
    path.is_file().then_some(path)
}

/// The most rounds of "the policy asked for files; read them; check again" (Buildx's limit
/// for metadata resolution).
const MAX_ROUNDS: usize = 10;

/// Checks `request`, reading the build-context files the policy asks for between rounds.
fn check_with_files(
    runner: &Runner,
    sets: &[PolicySet],
    options: &Options,
    request: &mut CheckRequest,
    context: &std::path::Path,
    budget: &mut Budget,
) -> Result<verdict_host::Checked> {
    // One deadline for every round: the files read between rounds do not
    // buy the policy more time.
    let deadline = runner.deadline();
    let mut checked = runner.check_until(sets, options, request, deadline)?;
    for _ in 1..MAX_ROUNDS {
        let mut added = false;
        for name in &checked.verdict.missing_files {
            if request.files.iter().any(|f| &f.name == name) {
                continue;
            }
            if let Some(content) = evidence::read_context_file(context, name, budget)
                .map_err(|e| e.context("build-context file"))?
            {
                request.files.push(NamedBytes {
                    name: name.clone(),
                    content,
                });
                added = true;
            }
        }
        if !added {
            break;
        }
        checked = runner.check_until(sets, options, request, deadline)?;
    }
    Ok(checked)
}

fn print_checked(
    checked: &verdict_host::Checked,
    names: &[Vec<String>],
    source: &str,
    format: Format,
) {
    let verdict = &checked.verdict;
    match format {
        Format::Json => println!("{}", pretty::json_output(verdict)),
        Format::Pretty => {
            println!("source {source}");
            if let Some(pin) = &verdict.pin {
                let base = source.split('@').next().unwrap_or(source);
                println!("pinned {base}@{pin}");
            }
            print!("{}", pretty::render(verdict, names));
            print!("{}", pretty::render_facts(&verdict.canonical_json));
            print!("{}", pretty::render_coverage(&verdict.coverage));
        }
    }
}

/// Checks a source against the sets (the auto-discovered `<Dockerfile>.rego` first) and prints
/// the verdict; the exit status of its decision.
fn check_source(
    runner: &Runner,
    source: &str,
    specs: &[String],
    args: &SourceArgs,
    trusted_root: Option<&std::path::Path>,
    options: &Options,
    format: Format,
) -> Result<u8> {
    let auto = auto_policy(&args.dockerfile);
    let mut budget = Budget::default();
    let (sets, mut names, disabled) =
        match policy_sets(auto.as_deref(), specs, &args.context, &mut budget) {
            Ok(parsed) => parsed,
            Err(e) => return refused(runner, &[], &[], source, options, format, e),
        };
    if disabled {
        println!("policies disabled: {source} allowed");
        return Ok(0);
    }
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
        check_with_files(
            runner,
            &sets,
            options,
            &mut request,
            &args.context,
            &mut budget,
        )
    });
    let checked = match checked {
        Ok(checked) => checked,
        Err(e) => return refused(runner, &sets, &names, source, options, format, e),
    };
    print_checked(&checked, &names, source, format);
    Ok(checked.verdict.decision.exit_code())
}

/// A file the host refused to read ([`ReadError`]: outside its root, not a regular file, over
/// its cap) is an `invalid-request` error verdict naming it, rendered by the component like any
/// other; any other error is returned as it is.
fn refused(
    runner: &Runner,
    sets: &[PolicySet],
    names: &[Vec<String>],
    source: &str,
    options: &Options,
    format: Format,
    e: wasmtime::Error,
) -> Result<u8> {
    let Some(refusal) = e.downcast_ref::<ReadError>() else {
        return Err(e);
    };
    let error = verdict_host::VerdictError {
        code: verdict_host::ErrorCode::InvalidRequest,
        message: refusal_message(refusal),
    };
    let input = serde_json::json!({ "source": source }).to_string();
    let checked = verdict_host::Checked {
        verdict: runner.error_verdict(sets, options, &input, &error),
        input: None,
    };
    print_checked(&checked, names, source, format);
    Ok(checked.verdict.decision.exit_code())
}

/// `verdict … | head` ends quietly when the reader goes away, as Unix tools do: Rust ignores
/// SIGPIPE, so every `println!` after the pipe closed would panic with a backtrace.
fn restore_sigpipe() {
    #[cfg(unix)]
    #[allow(
        unsafe_code,
        reason = "restoring the default disposition of one signal at start-up"
    )]
    // SAFETY: called first thing in `main`, before any thread exists; `signal` with
    // `SIG_DFL` only resets the disposition of SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The verdict message for a refused file: what and why, and the refusal's stable code.
fn refusal_message(refusal: &ReadError) -> String {
    format!(
        "invalid request: {} ({})",
        refusal.message(),
        refusal.code()
    )
}

fn check(args: CheckArgs) -> Result<u8> {
    let options = Options {
        query: None,
        now_ns: now_ns(args.now.as_deref())?,
        coverage: args.coverage,
    };
    let runner = args.sandbox.runner()?;
    check_source(
        &runner,
        &args.source,
        &args.policies,
        &args.source_args,
        args.trusted_root.as_deref(),
        &options,
        args.format,
    )
}

/// The most directories `verdict test PATH` walks, and the most test files it reads.
const MAX_TEST_WALK: usize = 10_000;

/// The `*_test.rego` files under `path` (or `path` itself), sorted. As Go's `filepath.WalkDir`,
/// symbolic links to directories are not followed (a link `a -> .` cannot loop); a link to a
/// file is kept and read as the file (refused if it is not a regular file). Each directory is
/// visited once (by device and inode), and the walk is bounded ([`MAX_TEST_WALK`]).
fn test_files(path: &std::path::Path) -> Result<Vec<PathBuf>> {
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

#[cfg(not(unix))]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    let nanos = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    (meta.len(), nanos)
}

fn test(args: TestArgs) -> Result<u8> {
    let name = format!("{}.rego", args.filename);
    let policy_path = [
        PathBuf::from(&name),
        args.path
            .parent()
            .filter(|_| args.path.is_file())
            .unwrap_or(&args.path)
            .join(&name),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .with_context(|| format!("no {name} in the working directory or next to the tests"))?;
    let mut budget = Budget::default();
    let mut module = |p: &std::path::Path| -> Result<PolicyModule> {
        let bytes = fsroot::read_found(p, fsroot::MAX_CONTEXT_FILE, &mut budget)
            .with_context(|| format!("failed to read {p:?}"))?;
        Ok(PolicyModule {
            path: p.to_string_lossy().trim_start_matches("./").to_owned(),
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
        bail!("no *_test.rego files under {:?}", args.path);
    }
    let options = Options {
        query: None,
        now_ns: now_ns(args.now.as_deref())?,
        coverage: false,
    };
    let runner = args.sandbox.runner()?;
    match runner.run_tests(&policy, &tests, &options, args.run.as_deref())? {
        Ok(report) => {
            print!("{}", report.rendered);
            Ok(u8::from(report.results.iter().any(|r| !r.passed)))
        }
        Err(e) => {
            eprintln!("error[{}]: {}", e.code.as_str(), pretty::escape(&e.message));
            Ok(2)
        }
    }
}

fn auto_policy_name(dockerfile: &std::path::Path) -> String {
    format!("{}.rego", dockerfile.display())
}

fn eval(args: EvalArgs) -> Result<u8> {
    let runner_for = |fuel: u64, max_memory: usize, no_cache: bool| -> Result<Runner> {
        new_runner(fuel, max_memory, args.timeout, no_cache)
    };
    if let Some(source) = &args.source {
        let runner = runner_for(args.fuel, args.max_memory, args.no_cache)?;
        if args.print {
            let request = match check_request(
                source,
                &args.source_args,
                args.trusted_root.as_deref(),
                &mut Budget::default(),
            ) {
                Ok(request) => request,
                Err(e) => {
                    let Some(refusal) = e.downcast_ref::<ReadError>() else {
                        return Err(e);
                    };
                    eprintln!("error[invalid-request]: {}", refusal_message(refusal));
                    return Ok(2);
                }
            };
            return match runner.build_input(&request)? {
                Ok(json) => {
                    let value: serde_json::Value = serde_json::from_str(&json)?;
                    println!("{}", serde_json::to_string_pretty(&value["input"])?);
                    eprint!("{}", pretty::render_fact_list(&value["facts"]));
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("error[{}]: {}", e.code.as_str(), pretty::escape(&e.message));
                    Ok(2)
                }
            };
        }
        let options = Options {
            query: Some(args.query.clone()),
            now_ns: now_ns(args.now.as_deref())?,
            coverage: args.coverage,
        };
        return check_source(
            &runner,
            source,
            &args.policies,
            &args.source_args,
            args.trusted_root.as_deref(),
            &options,
            args.format,
        );
    }
    let Some(input_path) = &args.input else {
        bail!("give an input document (-i) or a SOURCE");
    };
    if args.policies.is_empty() {
        bail!("give at least one policy set (-p)");
    }
    let mut sets: Vec<PolicySet> = Vec::new();
    let mut names: Vec<Vec<String>> = Vec::new();
    for spec in &args.policies {
        let mut set = Vec::new();
        let mut files = Vec::new();
        for file in spec.split(',').filter(|f| !f.is_empty()) {
            let module = read_module(file)?;
            files.push(module.path.clone());
            set.push(module);
        }
        sets.push(set);
        names.push(files);
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
    let runner = runner_for(args.fuel, args.max_memory, args.no_cache)?;
    let options = Options {
        query: Some(args.query.clone()),
        now_ns: now_ns(args.now.as_deref())?,
        coverage: args.coverage,
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
        runner.evaluate_with_evidence(&sets, &options, &input, &evidence, root.as_deref())?
    };
    match args.format {
        Format::Json => println!("{}", pretty::json_output(&verdict)),
        Format::Pretty => {
            print!("{}", pretty::render(&verdict, &names));
            // With evidence, which input fields the bundles proved and which were removed.
            let record = serde_json::from_str::<serde_json::Value>(&verdict.canonical_json)
                .unwrap_or_default();
            print!("{}", pretty::render_fact_list(&record["facts"]));
            print!("{}", pretty::render_coverage(&verdict.coverage));
        }
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
