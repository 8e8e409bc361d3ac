//! `verdict verify`: a Sigstore bundle verified, and what it proves printed (signer, times,
//! transparency-log entries, statement).

use std::path::PathBuf;

use clap::Args;
use verdict_host::pretty;
use verdict_host::verify::{
    Artifact, CertificateIdentity, Digest, IdentityPolicy, Matcher, Thresholds, VerifyFailure,
    VerifyOptions,
};
use wasmtime::{Result, bail};

use super::files::read;
use super::format::{Format, JsonOutput};
use super::sandbox::SandboxArgs;

/// The flags of `verdict verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The Sigstore bundle to verify.
    #[arg(long, value_name = "FILE", required_unless_present = "batch")]
    bundle: Option<PathBuf>,
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
    /// Verify many bundles in one process, on every core: a directory
    /// (each `NAME.sigstore.json` or `NAME.sigstore` beside its artifact
    /// `NAME`), a file of JSON lines, or `-` for JSON lines on standard input
    /// (one object a bundle: `bundle`, `artifact` or `digest`, optional
    /// `id`, and — unless this command's identity flags name the signer,
    /// which a line may then not — `certificateIdentity[Regexp]` and
    /// `certificateOidcIssuer[Regexp]`, or `key`). Repeatable.
    #[arg(long, value_name = "DIR|FILE|-", conflicts_with = "bundle")]
    pub(crate) batch: Vec<PathBuf>,
    /// Verifications at once with `--batch` (default: one per core).
    #[arg(short = 'j', long, value_name = "N", requires = "batch")]
    pub(crate) jobs: Option<std::num::NonZeroUsize>,
    /// Output format (`-o json` too, as cosign and gh users type it).
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Pretty)]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) sandbox: SandboxArgs,
}

impl VerifyArgs {
    /// What `--format json` prints when the command fails.
    pub(crate) fn json_output(&self) -> Option<JsonOutput> {
        matches!(self.format, Format::Json).then_some(JsonOutput::Verification)
    }
}

/// Lowercase or uppercase hex to bytes.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
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
pub(crate) fn failure_status(failure: &VerifyFailure) -> u8 {
    if failure.is_verify() { 1 } else { 2 }
}

/// `ALG:HEX` (`--digest`, a batch line's `digest`) as an artifact digest.
pub(crate) fn parse_digest(text: &str) -> Option<Digest> {
    let (algorithm, hex) = text.split_once(':')?;
    Some(Digest {
        algorithm: algorithm.to_owned(),
        value: hex_decode(hex)?,
    })
}

/// The identity a bundle must be signed by, from the identity flags (or a batch line's fields):
/// a key (read from `key`), a subject and/or issuer, or any certificate when none is given.
pub(crate) fn identity_policy(
    identity: &Option<String>,
    identity_regexp: &Option<String>,
    issuer: &Option<String>,
    issuer_regexp: &Option<String>,
    key: Option<&std::path::Path>,
) -> Result<IdentityPolicy> {
    let matcher = |exact: &Option<String>, regex: &Option<String>| match (exact, regex) {
        (Some(s), _) => Some(Matcher::Exact(s.clone())),
        (None, Some(r)) => Some(Matcher::Regex(r.clone())),
        (None, None) => None,
    };
    let subject = matcher(identity, identity_regexp);
    let issuer = matcher(issuer, issuer_regexp);
    Ok(match (key, subject, issuer) {
        (Some(key), _, _) => IdentityPolicy::Key(read(key, "key")?),
        (None, None, None) => IdentityPolicy::AnyCertificate,
        (None, subject, issuer) => {
            IdentityPolicy::Certificate(CertificateIdentity { subject, issuer })
        }
    })
}

/// Where the trusted root comes from: the bytes of `--trusted-root` or of the root a
/// `verdict trust-root update` verified (verified again now), or an embedded one.
pub(crate) enum RootChoice {
    /// A trusted root's JSON.
    Json(Vec<u8>),
    /// The embedded GitHub root.
    Github,
    /// The embedded public-good root.
    PublicGood,
}

impl RootChoice {
    /// Prepares the root in a fresh instance.
    pub(crate) fn prepare<'r>(
        &self,
        runner: &'r verdict_host::Runner,
    ) -> verdict_host::verify::Outcome<verdict_host::verify::TrustRoot<'r>> {
        match self {
            RootChoice::Json(json) => runner.trust_root_from_json(json),
            RootChoice::Github => runner.trust_root_github(),
            RootChoice::PublicGood => runner.trust_root_public_good(),
        }
    }
}

impl VerifyArgs {
    /// The identity flags as a policy.
    pub(crate) fn identity(&self) -> Result<IdentityPolicy> {
        identity_policy(
            &self.certificate_identity,
            &self.certificate_identity_regexp,
            &self.certificate_oidc_issuer,
            &self.certificate_oidc_issuer_regexp,
            self.key.as_deref(),
        )
    }

    /// Whether the flags name the signer (an identity, an issuer or a key).
    pub(crate) fn names_signer(&self) -> bool {
        self.key.is_some()
            || self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
    }

    /// The options of a verification against `identity`.
    pub(crate) fn options(&self, identity: IdentityPolicy) -> VerifyOptions {
        VerifyOptions {
            identity,
            thresholds: Thresholds {
                tlog: self.tlog_threshold,
                ctlog: self.ctlog_threshold,
                timestamps: self.timestamp_threshold,
            },
            allow_v01_set_only: self.allow_v01_set_only,
        }
    }

    /// The trusted root the flags choose (a note on standard error for an updated one).
    pub(crate) fn root_choice(&self, runner: &verdict_host::Runner) -> Result<RootChoice> {
        Ok(match &self.trusted_root {
            Some(path) => RootChoice::Json(read(path, "trusted root")?),
            None if self.github => RootChoice::Github,
            None => match super::trust_root::in_use(runner, super::clock::now_ns(None)?, None) {
                Some((json, updated, repository)) => {
                    eprintln!("{}", super::trust_root::origin_note(&updated, &repository));
                    RootChoice::Json(json)
                }
                None => RootChoice::PublicGood,
            },
        })
    }
}

/// Runs `verdict verify`; 0 verified, 1 not verified, 2 the sandbox stopped the verifier.
pub(crate) fn run(args: VerifyArgs) -> Result<u8> {
    if !args.batch.is_empty() {
        return super::verify_batch::run(args);
    }
    if args.jobs.is_some() {
        bail!("--jobs goes with --batch");
    }
    let Some(bundle) = &args.bundle else {
        bail!("give --bundle or --batch");
    };
    let bundle = read(bundle, "bundle")?;
    let artifact = match (&args.artifact, &args.digest) {
        (Some(path), _) => Artifact::Bytes(read(path, "artifact")?),
        (None, Some(text)) => match parse_digest(text) {
            Some(digest) => Artifact::Digest(digest),
            None => bail!("--digest {text:?} is not ALG:HEX (e.g. sha256:9f86d0…)"),
        },
        (None, None) => bail!("give --artifact or --digest"),
    };
    let options = args.options(args.identity()?);
    let runner = args.sandbox.runner()?;
    let root = args.root_choice(&runner)?.prepare(&runner)?;
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
