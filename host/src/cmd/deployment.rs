//! The deployment flags of `verdict serve` and `verdict component --service`: policies and a
//! trusted root fixed at deploy time ([`verdict_host::deploy`]).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use wasmtime::Result;
use wasmtime::error::Context as _;

use super::files::{read, read_module};

/// Policies and a trusted root baked into the service component.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// Deploy a policy set: Rego files, comma-separated (repeatable: one set each, evaluated
    /// in order, as Buildx's `--policy` sets; plain file names, not its `key=value` fields).
    /// Requests without `policies` use them, compiled once.
    #[arg(short = 'p', long = "policy", value_name = "FILES")]
    policies: Vec<String>,
    /// The deployed policies' query (default `data.docker.decision`).
    #[arg(long, requires = "policies")]
    query: Option<String>,
    /// Deploy Buildx's built-in default policy as a set of its own, first.
    #[arg(long)]
    default_policy: bool,
    /// The trusted root for requests that name none (default: Sigstore public good).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Make the deployment a gate, not a default: a request that brings its own policies,
    /// trusted root or default policy is refused (403 `deployment-locked`).
    #[arg(long)]
    locked: bool,
}

impl DeployArgs {
    /// Whether anything is deployed.
    pub(crate) fn any(&self) -> bool {
        !self.policies.is_empty()
            || self.default_policy
            || self.trusted_root.is_some()
            || self.locked
    }

    /// The deployment document the component reads (`{"policies", "query", "defaultPolicy",
    /// "trustedRoot"}`).
    pub(crate) fn document(&self) -> Result<Vec<u8>> {
        let mut sets = Vec::new();
        for spec in &self.policies {
            let mut set = Vec::new();
            for file in spec.split(',').filter(|f| !f.is_empty()) {
                let module = read_module(file)?;
                set.push(json!({"path": module.path, "source": module.source}));
            }
            sets.push(set);
        }
        let mut document = json!({
            "policies": sets,
            "defaultPolicy": self.default_policy,
            "locked": self.locked,
        });
        if let Some(query) = &self.query {
            document["query"] = json!(query);
        }
        if let Some(path) = &self.trusted_root {
            let bytes = read(path, "trusted root")?;
            let text = String::from_utf8(bytes).context("the trusted root is not UTF-8 text")?;
            document["trustedRoot"] = json!(text);
        }
        Ok(document.to_string().into_bytes())
    }
}
