//! `verdict serve`: the HTTP API on a loopback address by default ([`verdict_host::serve`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use verdict_host::serve::{ServeLimits, Server};
use wasmtime::Result;
use wasmtime::error::Context as _;

use super::deployment::DeployArgs;
use super::files::read;
use super::sandbox::{Timeout, parse_timeout};

/// The flags of `verdict serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on (port 0: any free port, printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Fuel for one request's instance (about one unit per WebAssembly instruction).
    #[arg(long, default_value_t = ServeLimits::default().fuel)]
    fuel: u64,
    /// Memory cap of one request's instance, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = ServeLimits::default().max_memory >> 20)]
    max_memory: usize,
    /// Wall-clock deadline of one request, from its headers to its answer: `30s`, `500ms`.
    /// Past it the answer is 503 `deadline-exceeded`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    timeout: Timeout,
    /// The largest request body, in MiB (413 past it).
    #[arg(long, value_name = "MIB", default_value_t = ServeLimits::default().max_body >> 20)]
    max_body: usize,
    /// Requests answered at once; past it, 503 with `Retry-After: 1`.
    #[arg(long, value_name = "N", default_value_t = ServeLimits::default().max_concurrent)]
    max_concurrent: usize,
    /// Worker threads answering requests (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Serve this service component (e.g. one `verdict component --service --policy …`
    /// deployed) instead of the embedded one.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["policies", "default_policy", "trusted_root", "locked"])]
    component: Option<PathBuf>,
    #[command(flatten)]
    deployment: DeployArgs,
}

/// Runs `verdict serve` until SIGTERM or Ctrl-C.
pub(crate) fn run(args: ServeArgs) -> Result<u8> {
    let limits = ServeLimits {
        fuel: args.fuel,
        max_memory: args
            .max_memory
            .checked_mul(1 << 20)
            .context("--max-memory is too large")?,
        timeout: args.timeout.unwrap_or(Duration::from_secs(24 * 3600)),
        max_body: args
            .max_body
            .checked_mul(1 << 20)
            .context("--max-body is too large")?,
        max_concurrent: args.max_concurrent.max(1),
        ..ServeLimits::default()
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime.enable_all().build().context("start the runtime")?;
    runtime.block_on(async move {
        let deployed = match &args.component {
            Some(path) => Some(read(path, "component")?),
            None if args.deployment.any() => {
                let started = std::time::Instant::now();
                let bytes =
                    verdict_host::deploy::deploy(&args.deployment.document()?, limits.max_memory)
                        .await?;
                eprintln!(
                    "verdict serve: deployed in {:.1} s (policies compiled, trusted root prepared, snapshotted)",
                    started.elapsed().as_secs_f64()
                );
                Some(bytes)
            }
            None => None,
        };
        let server = Server::new(limits, deployed.as_deref())?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!(
            "verdict serve: listening on http://{addr} (component {})",
            server.component_digest
        );
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            eprintln!("verdict serve: stopping (requests in flight finish)");
            let _ = stop.send(true);
        });
        server.serve(listener, stopped).await?;
        eprintln!("verdict serve: stopped");
        Ok(0)
    })
}

/// SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
