//! `verdict component`: the embedded WebAssembly component written out for another host.

use std::borrow::Cow;
use std::path::PathBuf;

use clap::Args;
use wasmtime::Result;
#[cfg(feature = "serve")]
use wasmtime::bail;
use wasmtime::error::Context as _;

/// The flags of `verdict component`.
#[derive(Debug, Args)]
pub(crate) struct ComponentArgs {
    /// Where to write the component (`-` for standard output).
    #[arg(long, short, value_name = "FILE")]
    out: PathBuf,
    /// Write the HTTP service component instead (world `verdict:policy/service`: exports
    /// `wasi:http/incoming-handler`, imports only the `wasi:http/proxy` world), for
    /// `wasmtime serve`, jco, Spin, wasmCloud — what `verdict serve` runs.
    #[cfg_attr(not(feature = "serve"), arg(long, hide = true))]
    #[cfg_attr(feature = "serve", arg(long))]
    service: bool,
    /// With `--service`: the component deployed — policies compiled and a trusted root
    /// prepared in it (pre-initialised), so each request starts with them ready.
    #[cfg(feature = "serve")]
    #[command(flatten)]
    deployment: super::deployment::DeployArgs,
}

/// Runs `verdict component`: writes the component, prints its size and SHA-256 on standard
/// error.
pub(crate) fn run(args: ComponentArgs) -> Result<u8> {
    use sha2::Digest as _;
    let (bytes, what) = chosen(&args)?;
    if args.out.as_os_str() == "-" {
        use std::io::Write as _;
        std::io::stdout()
            .write_all(&bytes)
            .context("failed to write the component")?;
    } else {
        std::fs::write(&args.out, &bytes)
            .with_context(|| format!("failed to write {:?}", args.out))?;
    }
    eprintln!(
        "verdict component{what}: {} bytes, sha256:{}",
        bytes.len(),
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    Ok(0)
}

/// The component the flags ask for, and how the summary line names it.
#[cfg(feature = "serve")]
fn chosen(args: &ComponentArgs) -> Result<(Cow<'static, [u8]>, &'static str)> {
    if args.deployment.any() && !args.service {
        bail!("--policy, --default-policy and --trusted-root deploy the service: add --service");
    }
    if args.deployment.any() {
        let document = args.deployment.document()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .context("start the runtime")?;
        let cap = verdict_host::serve::ServeLimits::default().max_memory;
        let deployed = runtime.block_on(verdict_host::deploy::deploy(&document, cap))?;
        return Ok((Cow::Owned(deployed), " --service (deployed)"));
    }
    Ok(if args.service {
        (Cow::Borrowed(verdict_host::SERVICE_COMPONENT), " --service")
    } else {
        (Cow::Borrowed(verdict_host::COMPONENT), "")
    })
}

/// What a runner built without the cargo feature `serve` says to `verdict serve` and
/// `verdict component --service`.
#[cfg(not(feature = "serve"))]
pub(crate) const NO_SERVE: &str = "this verdict was built without `verdict serve` and the service \
    component (cargo feature `serve`; `./x demo` builds without it): `cargo build -p verdict-host` \
    builds the runner that has them";

/// The component (a runner built without the cargo feature `serve` embeds no other).
#[cfg(not(feature = "serve"))]
fn chosen(args: &ComponentArgs) -> Result<(Cow<'static, [u8]>, &'static str)> {
    if args.service {
        wasmtime::bail!(NO_SERVE);
    }
    Ok((Cow::Borrowed(verdict_host::COMPONENT), ""))
}
