//! `verdict component`: the embedded WebAssembly component written out for another host.

use std::path::PathBuf;

use clap::Args;
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::deployment::DeployArgs;

/// The flags of `verdict component`.
#[derive(Debug, Args)]
pub(crate) struct ComponentArgs {
    /// Where to write the component (`-` for standard output).
    #[arg(long, short, value_name = "FILE")]
    out: PathBuf,
    /// Write the HTTP service component instead (world `verdict:policy/service`: exports
    /// `wasi:http/incoming-handler`, imports only the `wasi:http/proxy` world), for
    /// `wasmtime serve`, jco, Spin, wasmCloud — what `verdict serve` runs.
    #[arg(long)]
    service: bool,
    /// With `--service`: the component deployed — policies compiled and a trusted root
    /// prepared in it (pre-initialised), so each request starts with them ready.
    #[command(flatten)]
    deployment: DeployArgs,
}

/// Runs `verdict component`: writes the component, prints its size and SHA-256 on standard
/// error.
pub(crate) fn run(args: ComponentArgs) -> Result<u8> {
    use sha2::Digest as _;
    if args.deployment.any() && !args.service {
        bail!("--policy, --default-policy and --trusted-root deploy the service: add --service");
    }
    let deployed = if args.deployment.any() {
        let document = args.deployment.document()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .context("start the runtime")?;
        let cap = verdict_host::serve::ServeLimits::default().max_memory;
        Some(runtime.block_on(verdict_host::deploy::deploy(&document, cap))?)
    } else {
        None
    };
    let bytes = match (&deployed, args.service) {
        (Some(deployed), _) => deployed.as_slice(),
        (None, true) => verdict_host::SERVICE_COMPONENT,
        (None, false) => verdict_host::COMPONENT,
    };
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
        "verdict component{}: {} bytes, sha256:{}",
        match (&deployed, args.service) {
            (Some(_), _) => " --service (deployed)",
            (None, true) => " --service",
            (None, false) => "",
        },
        bytes.len(),
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    Ok(0)
}
