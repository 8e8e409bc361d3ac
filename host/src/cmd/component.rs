//! `verdict component`: the embedded WebAssembly component written out for another host.

use std::path::PathBuf;

use clap::Args;
use wasmtime::Result;
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
    #[arg(long)]
    service: bool,
}

/// Runs `verdict component`: writes the component, prints its size and SHA-256 on standard
/// error.
pub(crate) fn run(args: ComponentArgs) -> Result<u8> {
    use sha2::Digest as _;
    let bytes = if args.service {
        verdict_host::SERVICE_COMPONENT
    } else {
        verdict_host::COMPONENT
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
        if args.service { " --service" } else { "" },
        bytes.len(),
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    Ok(0)
}
