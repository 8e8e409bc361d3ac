//! `verdict verify-bundle`: a Sigstore bundle verified, speaking the sigstore-conformance client
//! protocol.

use std::path::PathBuf;

use clap::Args;
use verdict_host::pretty;
use verdict_host::verify::{
    Artifact, CertificateIdentity, Digest, IdentityPolicy, Matcher, Thresholds, TrustSource,
    VerifyOptions,
};
use wasmtime::{Result, bail};

use super::files::read;
use super::sandbox::SandboxArgs;
use super::verify::{failure_status, hex_decode};

/// The flags of `verdict verify-bundle`.
#[derive(Debug, Args)]
pub(crate) struct VerifyBundleArgs {
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

/// Runs `verdict verify-bundle`; 0 verified, 1 not verified, 2 the sandbox stopped the verifier.
pub(crate) fn run(args: VerifyBundleArgs) -> Result<u8> {
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
