//! The subcommands of `verdict`, one module each, and what they share: the sandbox flags and
//! runner ([`sandbox`]), the evaluation time ([`clock`]), files named on the command line
//! ([`files`]), a source's flags and check request ([`source`]) and its evidence fetched online ([`fetch`]), `--format` and error reports
//! ([`format`](mod@format)).

pub(crate) mod check;
pub(crate) mod clock;
pub(crate) mod component;
#[cfg(feature = "serve")]
pub(crate) mod deployment;
pub(crate) mod eval;
pub(crate) mod explain;
pub(crate) mod fetch;
pub(crate) mod files;
pub(crate) mod format;
pub(crate) mod sandbox;
#[cfg(feature = "serve")]
pub(crate) mod serve;
/// `verdict serve` in a runner built without it: a hint instead of clap's "unrecognized".
#[cfg(not(feature = "serve"))]
pub(crate) mod serve {
    /// Whatever was typed after `verdict serve`.
    #[derive(Debug, clap::Args)]
    pub(crate) struct ServeArgs {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        _args: Vec<String>,
    }

    pub(crate) fn run(_: ServeArgs) -> wasmtime::Result<u8> {
        wasmtime::bail!(super::component::NO_SERVE)
    }
}
pub(crate) mod source;
pub(crate) mod test;
pub(crate) mod trust_root;
pub(crate) mod verify;
pub(crate) mod verify_batch;
pub(crate) mod verify_bundle;
