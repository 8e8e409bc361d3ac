//! A source to check (`verdict check SOURCE`, `verdict eval SOURCE`): the flags saying where its
//! evidence, build settings and context come from, and the check request built from them.

use std::path::{Path, PathBuf};

use clap::Args;
use verdict_host::fsroot::{self, Budget};
use verdict_host::{BuildEnv, CheckRequest, GivenRoot, evidence};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::fetch::FetchArgs;

/// Where a source's evidence, build settings and context come from.
#[derive(Debug, Args)]
pub(crate) struct SourceArgs {
    /// The platform of an image source.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    pub(crate) platform: String,
    /// The Dockerfile: `<Dockerfile>.rego` next to it is loaded as the first
    /// policy set when it exists, and its base name is `input.env.filename`.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "PATH",
        default_value = "Dockerfile"
    )]
    pub(crate) dockerfile: PathBuf,
    /// An evidence directory (docs/evidence.md): `oci/` (an OCI image layout
    /// with index, manifests, attestation manifests, referrers and bundles),
    /// `git/refs`, `git/objects/`, `http/content` or `http/checksum`,
    /// `attestations/<owner>/<repo>/`.
    #[arg(long, value_name = "DIR")]
    pub(crate) evidence: Option<PathBuf>,
    /// The build context: `--policy` files and policies' file arguments
    /// (`load_json`, keys, signatures, bundles) are read from it, as Buildx
    /// reads them (`cwd://NAME` from the working directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) context: PathBuf,
    /// A build argument (`input.env.args`). Repeatable.
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub(crate) build_args: Vec<String>,
    /// A label (`input.env.labels`). Repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub(crate) labels: Vec<String>,
    /// The build target (`input.env.target`).
    #[arg(long)]
    pub(crate) target: Option<String>,
    /// Prepend Buildx's built-in default policy (`BUILDX_DEFAULT_POLICY=1`).
    #[arg(long)]
    pub(crate) default_policy: bool,
    #[command(flatten)]
    pub(crate) fetch: FetchArgs,
}

impl SourceRequest {
    /// The trusted root to hand the component (`None`: the embedded public-good root).
    pub(crate) fn root(&self) -> Option<GivenRoot<'_>> {
        self.trusted_root.as_deref().map(|json| GivenRoot {
            json,
            origin: self.trusted_root_origin.as_deref(),
        })
    }
}

impl SourceArgs {
    /// Whether a check of `source` goes without evidence: no `--evidence`, and nothing fetched
    /// (`--offline`, or a source verdict does not fetch).
    pub(crate) fn without_evidence(&self, source: &str) -> bool {
        self.evidence.is_none() && !self.fetch.fetches(source)
    }
}

/// A source's check request with its evidence read from disk (a file listing: the component
/// reads the layout), and the trusted-root JSON given (`None`: the public-good root).
pub(crate) struct SourceRequest {
    /// The request.
    pub(crate) request: CheckRequest,
    /// `--trusted-root`'s bytes.
    pub(crate) trusted_root: Option<Vec<u8>>,
    /// Where `trusted_root` came from, when more is known than that it was given (a root a TUF
    /// update verified: `tuf:<repository>`).
    pub(crate) trusted_root_origin: Option<String>,
    /// Whether the evidence was fetched (no `--evidence`, not `--offline`): then what the
    /// policy asks for later is fetched too.
    pub(crate) fetched: bool,
}

/// The check request for a source, with its evidence read from disk.
pub(crate) fn check_request(
    source: &str,
    args: &SourceArgs,
    trusted_root: Option<&Path>,
    budget: &mut Budget,
) -> Result<SourceRequest> {
    if args.evidence.is_some() && args.fetch.save_evidence.is_some() {
        bail!("--save-evidence writes fetched evidence; with --evidence nothing is fetched");
    }
    let (evidence, fetched) = match &args.evidence {
        Some(dir) if !dir.is_dir() => bail!("evidence directory {dir:?} does not exist"),
        Some(dir) => (evidence::load_with(dir, budget)?, false),
        None => match args.fetch.fetch(source, &args.platform)? {
            Some(files) => (files, true),
            None => (Vec::new(), false),
        },
    };
    let filename = args
        .dockerfile
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned);
    Ok(SourceRequest {
        request: CheckRequest {
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
        },
        fetched,
        trusted_root: trusted_root
            .map(|p| fsroot::read_given(p, "trusted root", fsroot::MAX_GIVEN_FILE, budget))
            .transpose()?,
        trusted_root_origin: None,
    })
}

/// `KEY=VALUE` flag values as pairs; `flag` names the flag in errors.
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

/// `<Dockerfile>.rego` next to the Dockerfile, when it exists (BX `build/opt.go`).
pub(crate) fn auto_policy(dockerfile: &Path) -> Option<PathBuf> {
    let mut name = dockerfile.file_name()?.to_os_string();
    name.push(".rego");
    let path = dockerfile.with_file_name(name);
    path.is_file().then_some(path)
}

/// The name of the auto-discovered policy, for messages.
pub(crate) fn auto_policy_name(dockerfile: &Path) -> String {
    format!("{}.rego", dockerfile.display())
}
